// The scoring kernels' body. Deliberately no include guard: labelkit/query/detail/
// score_kernels.hpp includes it once per instruction set, each time inside its own namespace
// and under its own `target` pragma, after defining
//   LABELKIT_SCORE_KERNELS_NS     the namespace (inside labelkit::detail) to define them in;
//   LABELKIT_SCORE_KERNELS_BYTES  the vector width in bytes (0: one value at a time);
//   LABELKIT_SCORE_KERNELS_GATHER 0, 2 (AVX2 gathers) or 3 (AVX-512 gathers).
// Included on its own it only includes score_kernels.hpp.
#ifndef LABELKIT_SCORE_KERNELS_NS
#include "labelkit/query/detail/score_kernels.hpp"  // IWYU pragma: export
#else

namespace LABELKIT_SCORE_KERNELS_NS {

/// Vector operations on N values of T: GCC/Clang vector extensions (lanes are rows), or plain T
/// when N = 1. Masks are integer vectors of all-ones / zero lanes (bool when N = 1).
template <class T>
struct Simd {
  static constexpr int bytes = LABELKIT_SCORE_KERNELS_BYTES;
  static constexpr int size = bytes == 0 ? 1 : bytes / static_cast<int>(sizeof(T));
  using Int = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
#if LABELKIT_SCORE_KERNELS_BYTES > 0
  typedef T Vec __attribute__((vector_size(LABELKIT_SCORE_KERNELS_BYTES)));
  typedef Int Bits __attribute__((vector_size(LABELKIT_SCORE_KERNELS_BYTES)));
  using Mask = Bits;  // lanes all ones or zero, as vector comparisons give them
#else
  using Vec = T;
  using Bits = Int;
  using Mask = bool;
#endif

  static Vec set1(T v) noexcept {
    if constexpr (size == 1) {
      return v;
    } else {
      return Vec{} + v;
    }
  }
  static Vec load(const T* p) noexcept {
    Vec v;
    std::memcpy(&v, p, sizeof(Vec));
    return v;
  }
  static void store(T* p, Vec v) noexcept { std::memcpy(p, &v, sizeof(Vec)); }
  /// Lanes p[0], p[stride], ..., p[(size - 1) * stride]: one column of `size` rows of a
  /// row-major matrix. `fits32` says (size - 1) * stride fits a 32-bit index.
  static Vec gather(const T* p, std::ptrdiff_t stride, [[maybe_unused]] bool fits32) noexcept {
    if constexpr (size == 1) {
      return *p;
    } else {
#if LABELKIT_SCORE_KERNELS_GATHER == 3 && !defined(LABELKIT_SIMD_NO_GATHER)
      if (fits32) {
        const auto s = static_cast<int>(stride);
        if constexpr (sizeof(T) == 4) {
          const __m512i index = _mm512_mullo_epi32(
              _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
              _mm512_set1_epi32(s));
          return (Vec)(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xffff, index, p, 4));
        } else {
          const __m256i index =
              _mm256_mullo_epi32(_mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0), _mm256_set1_epi32(s));
          return (Vec)(_mm512_mask_i32gather_pd(_mm512_setzero_pd(), 0xff, index, p, 8));
        }
      }
#elif LABELKIT_SCORE_KERNELS_GATHER == 2 && !defined(LABELKIT_SIMD_NO_GATHER)
      if (fits32) {
        const auto s = static_cast<int>(stride);
        if constexpr (sizeof(T) == 4) {
          const __m256i index =
              _mm256_mullo_epi32(_mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0), _mm256_set1_epi32(s));
          return (Vec)(_mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, index,
                                                _mm256_castsi256_ps(_mm256_set1_epi32(-1)), 4));
        } else {
          const __m128i index = _mm_mullo_epi32(_mm_set_epi32(3, 2, 1, 0), _mm_set1_epi32(s));
          return (Vec)(_mm256_mask_i32gather_pd(_mm256_setzero_pd(), p, index,
                                                _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), 8));
        }
      }
#endif
      T lanes[size];  // through memory: lane inserts are slow without SSE4.1
      for (int k = 0; k < size; ++k) lanes[k] = p[k * stride];
      return load(lanes);
    }
  }
  static Vec min(Vec a, Vec b) noexcept { return b < a ? b : a; }
  static Vec max(Vec a, Vec b) noexcept { return a < b ? b : a; }
  static Vec select(Mask m, Vec a, Vec b) noexcept { return m ? a : b; }
  static Mask all_true() noexcept {
    if constexpr (size == 1) {
      return true;
    } else {
      return Mask{} == Mask{};
    }
  }
  static Mask both(Mask a, Mask b) noexcept {
    if constexpr (size == 1) {
      return a && b;
    } else {
      return a & b;
    }
  }
  static bool all(Mask m) noexcept {
#if LABELKIT_SCORE_KERNELS_BYTES > 0
    bool ok = true;
    for (int k = 0; k < size; ++k) ok = ok && m[k] != 0;
    return ok;
#else
    return m;
#endif
  }
  /// 1 where m is set, 0 elsewhere.
  static Vec ones_where(Mask m) noexcept { return select(m, set1(T(1)), set1(T(0))); }

  /// Lanes of a valid probability row: lowest >= 0, highest <= 1, |sum - 1| <= tolerance (a
  /// NaN anywhere makes the sum NaN and fails).
  static Mask valid_rows(Vec lowest, Vec highest, Vec sum, T tolerance) noexcept {
    const Vec d = sum - set1(T(1));
    const Vec t = set1(tolerance);
    return both(both(set1(T(0)) <= lowest, highest <= set1(T(1))), both(d <= t, -d <= t));
  }

  /// ln x for positive normal x (the error bound is in score_kernels.hpp). x = 2^e m with
  /// m in [1/√2, √2) from the exponent and mantissa bits, then ln x = e ln 2 + ln(1 + f),
  /// f = m - 1 in [-0.293, 0.415], with ln(1 + f) = f + f² r(f) and r a least-squares fit
  /// (degree 7 for float, 15 for double). No division, no table. Other inputs give unspecified
  /// finite or NaN values (the callers' validation rejects them).
  static Vec log_positive(Vec x) noexcept {
    constexpr bool is_float = sizeof(T) == 4;
    constexpr int mantissa_bits = is_float ? 23 : 52;
    constexpr Int mantissa_mask = (Int(1) << mantissa_bits) - 1;
    constexpr Int one_bits = is_float ? Int(0x3f800000) : Int(0x3ff0000000000000);
    // (exponent field | magic) read as T is 2^mantissa_bits + field, exactly.
    constexpr Int magic_bits = is_float ? Int(0x4b000000) : Int(0x4330000000000000);
    constexpr T magic_bias = is_float ? T(8388608.0f + 127.0f) : T(4503599627370496.0 + 1023.0);
    constexpr T ln2_hi = is_float ? T(0.693145751953125f) : T(6.93147180369123816490e-01);
    constexpr T ln2_lo = is_float ? T(1.428606765330187e-06f) : T(1.90821492927058770002e-10);
    Bits bits;
    std::memcpy(&bits, &x, sizeof(Vec));
    Bits field = bits >> mantissa_bits;  // x > 0: the sign bit is clear
    const Bits mantissa = (bits & mantissa_mask) | one_bits;
    Vec m;
    std::memcpy(&m, &mantissa, sizeof(Vec));  // in [1, 2)
    const Mask big = set1(T(1.41421356237309504880)) < m;
    m = select(big, m * set1(T(0.5)), m);
    if constexpr (size == 1) {
      field += big ? 1 : 0;
    } else {
      field -= big;  // big lanes are -1
    }
    const Bits biased = field | magic_bits;
    Vec e;
    std::memcpy(&e, &biased, sizeof(Vec));
    e = e - set1(magic_bias);
    const Vec f = m - set1(T(1));
    Vec r;
    if constexpr (is_float) {
      r = set1(T(0.09131339246991299f));
      r = r * f + set1(T(-0.14616493081792498f));
      r = r * f + set1(T(0.14908771257835526f));
      r = r * f + set1(T(-0.1652235735954057f));
      r = r * f + set1(T(0.19957938999036928f));
      r = r * f + set1(T(-0.2500398671401903f));
      r = r * f + set1(T(0.3333412831902457f));
      r = r * f + set1(T(-0.49999963665154706f));
    } else {
      r = set1(T(0.03950389538289859));
      r = r * f + set1(T(-0.07932196414413442));
      r = r * f + set1(T(0.07877486748188547));
      r = r * f + set1(T(-0.07038403229530735));
      r = r * f + set1(T(0.07479232317594314));
      r = r * f + set1(T(-0.08322556804223644));
      r = r * f + set1(T(0.09109630941087249));
      r = r * f + set1(T(-0.100018171273773));
      r = r * f + set1(T(0.11110184161318248));
      r = r * f + set1(T(-0.12499901437396173));
      r = r * f + set1(T(0.14285740420500753));
      r = r * f + set1(T(-0.16666669053317945));
      r = r * f + set1(T(0.1999999961306208));
      r = r * f + set1(T(-0.24999999977337664));
      r = r * f + set1(T(0.33333333335604287));
      r = r * f + set1(T(-0.5000000000003566));
    }
    return e * set1(ln2_hi) + (f + (f * f * r + e * set1(ln2_lo)));
  }

  /// x ln x with 0 ln 0 = 0 exactly: ln is taken of max(x, smallest normal), so x = 0 gives
  /// 0 * finite = 0 and only subnormal x (< 1.2e-38 in float) see the floor.
  static Vec x_log_x(Vec x) noexcept {
    return x * log_positive(max(x, set1(std::numeric_limits<T>::min())));
  }
};

/// Columns of a group of Simd<T>::size consecutive rows. Column-major input: one vector load
/// per column. Row-major input: one gather per column (lanes `row_stride` apart), reading the
/// rows in place. A partial last group is copied into `pad` (size x cols, column-major) with
/// rows that pass validation, so every row goes through the same lane arithmetic wherever it
/// falls.
template <class T>
struct GroupSource {
  const T* base;
  std::ptrdiff_t row_stride;
  std::ptrdiff_t col_stride;
  bool fits32;
  [[nodiscard]] typename Simd<T>::Vec column(const T* rows, std::ptrdiff_t j) const noexcept {
    if (row_stride == 1) return Simd<T>::load(rows + j * col_stride);
    return Simd<T>::gather(rows + j * col_stride, row_stride, fits32);
  }
};

/// Runs `group(source, rows_pointer, first_row)` over rows [0, rows) in groups of
/// Simd<T>::size rows; a partial last group is padded (see GroupSource). Returns the AND of the
/// validity masks the group calls return.
template <class T, class Group>
bool for_each_group(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                    std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, Group& group) {
  using S = Simd<T>;
  constexpr int n = S::size;
  const bool fits32 = row_stride <= std::ptrdiff_t{0x7fffffff} / n;
  typename S::Mask valid = S::all_true();
  const GroupSource<T> source{data, row_stride, col_stride, fits32};
  std::ptrdiff_t i = 0;
  for (; i + n <= rows; i += n) {
    valid = S::both(valid, group(source, data + i * row_stride, i));
  }
  bool all_valid = S::all(valid);
  if (i < rows) {
    std::vector<T> pad(static_cast<std::size_t>(n * cols), T(0));
    const std::ptrdiff_t rest = rows - i;
    for (std::ptrdiff_t r = 0; r < n; ++r) {
      for (std::ptrdiff_t j = 0; j < cols; ++j) {
        pad[static_cast<std::size_t>(r + j * n)] =
            r < rest ? data[(i + r) * row_stride + j * col_stride] : T(j == 0 ? 1 : 0);
      }
    }
    const GroupSource<T> padded{pad.data(), 1, n, true};
    all_valid = all_valid && S::all(group(padded, pad.data(), i));
  }
  return all_valid;
}

/// Writes up to Simd<T>::size lanes of v to out[0, count).
template <class T>
void store_lanes(T* out, typename Simd<T>::Vec v, std::ptrdiff_t count) noexcept {
  if (count >= Simd<T>::size) {
    Simd<T>::store(out, v);
  } else {
    T lanes[Simd<T>::size];
    Simd<T>::store(lanes, v);
    for (std::ptrdiff_t k = 0; k < count; ++k) out[k] = lanes[k];
  }
}

/// One uncertainty score per row, validating every row in the same pass.
template <UncertaintyScore Kind, class T>
struct UncertaintyGroup {
  T* out;
  std::ptrdiff_t rows;
  std::ptrdiff_t cols;
  typename Simd<T>::Mask operator()(const GroupSource<T>& s, const T* p,
                                    std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    using Vec = typename S::Vec;
    const T tolerance = probability_sum_tolerance<T>();
    Vec score;
    typename S::Mask valid;
    if constexpr (Kind == UncertaintyScore::entropy) {
      Vec h = S::set1(T(0)), low = S::set1(T(1)), high = S::set1(T(0)), sum = S::set1(T(0));
      for (std::ptrdiff_t j = 0; j < cols; ++j) {
        const Vec v = s.column(p, j);
        h = h + S::x_log_x(v);
        low = S::min(low, v);
        high = S::max(high, v);
        sum = sum + v;
      }
      valid = S::valid_rows(low, high, sum, tolerance);
      score = -h;
    } else {
      Vec t1 = s.column(p, 0), t2 = S::set1(T(0));  // one class: the runner-up is 0
      Vec low = t1, sum = t1;
      for (std::ptrdiff_t j = 1; j < cols; ++j) {
        const Vec v = s.column(p, j);
        t2 = S::max(t2, S::min(t1, v));
        t1 = S::max(t1, v);
        low = S::min(low, v);
        sum = sum + v;
      }
      valid = S::valid_rows(low, t1, sum, tolerance);
      if constexpr (Kind == UncertaintyScore::least_confidence) {
        score = S::set1(T(1)) - t1;
      } else if constexpr (Kind == UncertaintyScore::margin) {
        score = S::set1(T(1)) - (t1 - t2);
      } else {
        // A valid row has t1 >= 1/C > 0; an invalid one is rejected, whatever this gives.
        score = t2 / t1;
      }
    }
    store_lanes<T>(out + first, score, rows - first);
    return valid;
  }
};

/// Scores rows [0, rows) of a matrix with entry (i, j) at data[i * row_stride + j * col_stride]
/// into out[0, rows). Returns false if some row is not a probability distribution (the scores
/// are written either way).
template <UncertaintyScore Kind, class T>
bool uncertainty_rows(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                      std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, T* out) {
  UncertaintyGroup<Kind, T> group{out, rows, cols};
  return for_each_group(data, rows, cols, row_stride, col_stride, group);
}

/// Pass over one member's rows of a committee block (rows [0, rows) of the block; lanes are
/// rows): validates every row and accumulates what the score needs:
/// - vote entropy: the member's vote (argmax, ties to the lower class) into vote[r];
/// - the others: the probabilities into sum[r + j * sum_stride];
/// - BALD: sum_c p ln p added to plogp[r]; the KL scores: sum_c p ln p stored into plogp[r].
template <CommitteeScore Kind, class T>
struct MemberGroup {
  T* sum;
  std::ptrdiff_t sum_stride;
  T* plogp;
  T* vote;
  std::ptrdiff_t cols;
  typename Simd<T>::Mask operator()(const GroupSource<T>& s, const T* p,
                                    std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    using Vec = typename S::Vec;
    constexpr bool votes = Kind == CommitteeScore::vote_entropy;
    constexpr bool logs =
        Kind != CommitteeScore::vote_entropy && Kind != CommitteeScore::consensus_entropy;
    const T tolerance = probability_sum_tolerance<T>();
    if constexpr (votes) {
      Vec best = s.column(p, 0), label = S::set1(T(0));
      Vec low = best, total = best;
      for (std::ptrdiff_t j = 1; j < cols; ++j) {
        const Vec v = s.column(p, j);
        label = S::select(best < v, S::set1(static_cast<T>(j)), label);  // strict: ties stay
        best = S::max(best, v);
        low = S::min(low, v);
        total = total + v;
      }
      S::store(vote + first, label);
      return S::valid_rows(low, best, total, tolerance);
    } else {
      Vec low = S::set1(T(1)), high = S::set1(T(0)), total = S::set1(T(0)), h = S::set1(T(0));
      T* column_sum = sum + first;
      for (std::ptrdiff_t j = 0; j < cols; ++j, column_sum += sum_stride) {
        const Vec v = s.column(p, j);
        low = S::min(low, v);
        high = S::max(high, v);
        total = total + v;
        S::store(column_sum, S::load(column_sum) + v);
        if constexpr (logs) h = h + S::x_log_x(v);
      }
      if constexpr (Kind == CommitteeScore::bald)
        S::store(plogp + first, S::load(plogp + first) + h);
      if constexpr (logs && Kind != CommitteeScore::bald) S::store(plogp + first, h);
      return S::valid_rows(low, high, total, tolerance);
    }
  }
};

/// Member pass (see MemberGroup) over rows [0, rows) of one member's block; the buffers hold
/// at least `rows` rounded up to Simd<T>::size rows. Returns false if a row is invalid.
template <CommitteeScore Kind, class T>
bool committee_member_rows(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                           std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, T* sum,
                           std::ptrdiff_t sum_stride, T* plogp, T* vote) {
  MemberGroup<Kind, T> group{sum, sum_stride, plogp, vote, cols};
  return for_each_group(data, rows, cols, row_stride, col_stride, group);
}

/// After the member pass over a block: turns the summed probabilities into the consensus
/// q = sum / M (in place), and writes the score (consensus entropy, BALD) or, for the KL
/// scores, ln max(q, smallest normal) into log_q. `padded_rows` is a multiple of
/// Simd<T>::size; all buffers are column-major with leading dimension `stride`.
template <CommitteeScore Kind, class T>
void committee_consensus(T* sum, std::ptrdiff_t stride, std::ptrdiff_t padded_rows,
                         std::ptrdiff_t cols, T members, const T* plogp, T* log_q, T* out,
                         std::ptrdiff_t rows) {
  using S = Simd<T>;
  using Vec = typename S::Vec;
  const Vec m = S::set1(members);
  for (std::ptrdiff_t i = 0; i < padded_rows; i += S::size) {
    Vec h = S::set1(T(0));
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      T* at = sum + i + j * stride;
      const Vec q = S::load(at) / m;
      if constexpr (Kind == CommitteeScore::mean_kl || Kind == CommitteeScore::max_kl) {
        S::store(log_q + i + j * stride,
                 S::log_positive(S::max(q, S::set1(std::numeric_limits<T>::min()))));
      } else {
        h = h - S::x_log_x(q);
      }
    }
    if constexpr (Kind == CommitteeScore::consensus_entropy) {
      store_lanes<T>(out + i, h, rows - i);
    } else if constexpr (Kind == CommitteeScore::bald) {
      // H(q) - (1/M) sum_m H(p_m) >= 0 by Jensen; clamp the rounding of equal members.
      store_lanes<T>(out + i, S::max(h + S::load(plogp + i) / m, S::set1(T(0))), rows - i);
    }
  }
}

/// The KL scores' second look at one member's block (from cache): acc = acc + KL(p_m || q)
/// (mean) or max(acc, KL(p_m || q)) (max), with KL = self - sum_c p ln q.
template <CommitteeScore Kind, class T>
struct KlGroup {
  const T* log_q;
  std::ptrdiff_t stride;
  const T* self;
  T* acc;
  std::ptrdiff_t cols;
  typename Simd<T>::Mask operator()(const GroupSource<T>& s, const T* p,
                                    std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    using Vec = typename S::Vec;
    Vec cross = S::set1(T(0));
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      cross = cross + s.column(p, j) * S::load(log_q + first + j * stride);
    }
    const Vec divergence = S::load(self + first) - cross;
    const Vec a = S::load(acc + first);
    S::store(acc + first, Kind == CommitteeScore::mean_kl ? a + divergence : S::max(a, divergence));
    return S::all_true();
  }
};

template <CommitteeScore Kind, class T>
void committee_kl_rows(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                       std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, const T* log_q,
                       std::ptrdiff_t stride, const T* self, T* acc) {
  KlGroup<Kind, T> group{log_q, stride, self, acc, cols};
  for_each_group(data, rows, cols, row_stride, col_stride, group);
}

/// Vote entropy of a block from the members' votes (votes[r + m * stride]): with n_m members
/// agreeing with member m, H = -sum_c (V_c/M) ln(V_c/M) = -(1/M) sum_m ln(n_m / M).
template <class T>
void committee_vote_entropy(const T* votes, std::ptrdiff_t stride, std::ptrdiff_t padded_rows,
                            std::ptrdiff_t members, T* out, std::ptrdiff_t rows) {
  using S = Simd<T>;
  using Vec = typename S::Vec;
  const Vec m = S::set1(static_cast<T>(members));
  for (std::ptrdiff_t i = 0; i < padded_rows; i += S::size) {
    Vec h = S::set1(T(0));
    for (std::ptrdiff_t a = 0; a < members; ++a) {
      const Vec va = S::load(votes + i + a * stride);
      Vec agree = S::set1(T(0));
      for (std::ptrdiff_t b = 0; b < members; ++b) {
        agree = agree + S::ones_where(va == S::load(votes + i + b * stride));
      }
      h = h - S::log_positive(agree / m);  // agree = M gives ln 1 = 0 exactly
    }
    store_lanes<T>(out + i, h / m, rows - i);
  }
}

/// ln x of each positive normal x[i] into out[i], i < n (tests the logarithm on this path).
template <class T>
void log_positive_values(const T* x, std::ptrdiff_t n, T* out) {
  using S = Simd<T>;
  std::ptrdiff_t i = 0;
  for (; i + S::size <= n; i += S::size) S::store(out + i, S::log_positive(S::load(x + i)));
  if (i < n) {
    T lanes[S::size];
    for (std::ptrdiff_t k = 0; k < S::size; ++k) lanes[k] = i + k < n ? x[i + k] : T(1);
    S::store(lanes, S::log_positive(S::load(lanes)));
    for (std::ptrdiff_t k = 0; i + k < n; ++k) out[i + k] = lanes[k];
  }
}

}  // namespace LABELKIT_SCORE_KERNELS_NS

#endif
