// The scoring kernels' body. Deliberately no include guard: labelkit/query/detail/
// score_kernels.hpp includes it once per instruction set, each time inside its own namespace
// and under its own `target` pragma, after defining
//   LABELKIT_SCORE_KERNELS_NS     the namespace (inside labelkit::detail) to define them in;
//   LABELKIT_SCORE_KERNELS_BYTES  the vector width in bytes (0: one value at a time);
//   LABELKIT_SCORE_KERNELS_GATHER 0, 2 (AVX2 gathers) or 3 (AVX-512 gathers);
//   LABELKIT_SCORE_KERNELS_TRANSPOSE 1 to read row-major tiles with x86 shuffles (needs
//                                    16-, 32- or 64-byte vectors), else 0.
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
  // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
  typedef T Vec __attribute__((vector_size(LABELKIT_SCORE_KERNELS_BYTES)));
  // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
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
#if (LABELKIT_SCORE_KERNELS_GATHER == 2 || LABELKIT_SCORE_KERNELS_GATHER == 3) && \
    !defined(LABELKIT_SIMD_NO_GATHER)
      // The compilers' gather builtins (the ones <immintrin.h>'s gathers wrap), called on
      // vector-extension types so that no intrinsics header is needed. GCC and Clang share the
      // AVX-512 names; Clang names the AVX2 ones gatherd_ps256 / gatherd_pd256.
      if (fits32) {
        const auto s = static_cast<int>(stride);
        // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
        typedef int Index8 __attribute__((vector_size(32)));
#if LABELKIT_SCORE_KERNELS_GATHER == 3
        // All lanes on: GCC types the mask argument as a signed integer, Clang as unsigned.
#if defined(__clang__)
        constexpr unsigned all16 = 0xffff, all8 = 0xff;
#else
        constexpr int all16 = -1, all8 = -1;
#endif
        if constexpr (sizeof(T) == 4) {
          // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
          typedef int Index16 __attribute__((vector_size(64)));
          const Index16 index = Index16{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} * s;
          return __builtin_ia32_gathersiv16sf(Vec{}, p, index, all16, 4);
        } else {
          const Index8 index = Index8{0, 1, 2, 3, 4, 5, 6, 7} * s;
          return __builtin_ia32_gathersiv8df(Vec{}, p, index, all8, 8);
        }
#else
        if constexpr (sizeof(T) == 4) {
          const Index8 index = Index8{0, 1, 2, 3, 4, 5, 6, 7} * s;
#if defined(__clang__)
          return __builtin_ia32_gatherd_ps256(Vec{}, p, index, (Vec)(Bits{} == Bits{}), 4);
#else
          return __builtin_ia32_gathersiv8sf(Vec{}, p, index, (Vec)(Bits{} == Bits{}), 4);
#endif
        } else {
          // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
          typedef int Index4 __attribute__((vector_size(16)));
          const Index4 index = Index4{0, 1, 2, 3} * s;
#if defined(__clang__)
          return __builtin_ia32_gatherd_pd256(Vec{}, p, index, (Vec)(Bits{} == Bits{}), 8);
#else
          return __builtin_ia32_gathersiv4df(Vec{}, p, index, (Vec)(Bits{} == Bits{}), 8);
#endif
        }
#endif
      }
#endif
      T lanes[size];  // through memory: lane inserts are slow without SSE4.1
      for (int k = 0; k < size; ++k) lanes[k] = p[k * stride];
      return load(lanes);
    }
  }
#if LABELKIT_SCORE_KERNELS_TRANSPOSE
  /// Columns per tile of the row-major transpose: one 16-byte row segment.
  static constexpr int tile_cols = 16 / static_cast<int>(sizeof(T));
  /// Columns j, ..., j + tile_cols - 1 of `size` consecutive rows of a row-major matrix (row r
  /// at p + r * stride, p pointing at column j): one 16-byte load per row segment, each put in
  /// 128-bit lane q of vector k (row tile_cols * q + k), then a tile_cols x tile_cols
  /// transpose inside every 128-bit lane, so lane r of out[c] is row r, column j + c.
  static void transpose_tile(const T* p, std::ptrdiff_t stride, Vec* out) noexcept {
    // 16-byte row segments as vector-extension values; every shuffle below is the per-128-bit-
    // lane pattern of an x86 unpack / shuffle instruction, which the compilers emit for it.
    // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
    typedef T Seg __attribute__((vector_size(16)));
    const auto seg = [p, stride](std::ptrdiff_t row) {
      Seg v;
      std::memcpy(&v, p + row * stride, sizeof v);
      return v;
    };
    if constexpr (sizeof(T) == 4) {
#if LABELKIT_SCORE_KERNELS_BYTES == 16
      const Vec z0 = seg(0), z1 = seg(1), z2 = seg(2), z3 = seg(3);
      const Vec t0 = __builtin_shufflevector(z0, z1, 0, 4, 1, 5),
                t1 = __builtin_shufflevector(z2, z3, 0, 4, 1, 5),
                t2 = __builtin_shufflevector(z0, z1, 2, 6, 3, 7),
                t3 = __builtin_shufflevector(z2, z3, 2, 6, 3, 7);
      out[0] = __builtin_shufflevector(t0, t1, 0, 1, 4, 5);
      out[1] = __builtin_shufflevector(t0, t1, 2, 3, 6, 7);
      out[2] = __builtin_shufflevector(t2, t3, 0, 1, 4, 5);
      out[3] = __builtin_shufflevector(t2, t3, 2, 3, 6, 7);
#elif LABELKIT_SCORE_KERNELS_BYTES == 32
      Vec z[4];
      for (int k = 0; k < 4; ++k) {
        z[k] = __builtin_shufflevector(seg(k), seg(k + 4), 0, 1, 2, 3, 4, 5, 6, 7);
      }
      const Vec t0 = __builtin_shufflevector(z[0], z[1], 0, 8, 1, 9, 4, 12, 5, 13),
                t1 = __builtin_shufflevector(z[2], z[3], 0, 8, 1, 9, 4, 12, 5, 13),
                t2 = __builtin_shufflevector(z[0], z[1], 2, 10, 3, 11, 6, 14, 7, 15),
                t3 = __builtin_shufflevector(z[2], z[3], 2, 10, 3, 11, 6, 14, 7, 15);
      out[0] = __builtin_shufflevector(t0, t1, 0, 1, 8, 9, 4, 5, 12, 13);
      out[1] = __builtin_shufflevector(t0, t1, 2, 3, 10, 11, 6, 7, 14, 15);
      out[2] = __builtin_shufflevector(t2, t3, 0, 1, 8, 9, 4, 5, 12, 13);
      out[3] = __builtin_shufflevector(t2, t3, 2, 3, 10, 11, 6, 7, 14, 15);
#else
      Vec z[4];
      for (int k = 0; k < 4; ++k) {
        // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
        typedef T Half __attribute__((vector_size(32)));
        const Half lo = __builtin_shufflevector(seg(k), seg(k + 4), 0, 1, 2, 3, 4, 5, 6, 7);
        const Half hi = __builtin_shufflevector(seg(k + 8), seg(k + 12), 0, 1, 2, 3, 4, 5, 6, 7);
        z[k] =
            __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      }
      // Per 128-bit lane: unpacklo / unpackhi, then the lower / upper halves of each pair.
      const Vec v0 = z[0], v1 = z[1], v2 = z[2], v3 = z[3];
      const Vec t0 =
          __builtin_shufflevector(v0, v1, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
      const Vec t1 =
          __builtin_shufflevector(v2, v3, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
      const Vec t2 = __builtin_shufflevector(v0, v1, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14,
                                             30, 15, 31);
      const Vec t3 = __builtin_shufflevector(v2, v3, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14,
                                             30, 15, 31);
      out[0] =
          __builtin_shufflevector(t0, t1, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
      out[1] = __builtin_shufflevector(t0, t1, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15,
                                       30, 31);
      out[2] =
          __builtin_shufflevector(t2, t3, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
      out[3] = __builtin_shufflevector(t2, t3, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15,
                                       30, 31);
#endif
    } else {
#if LABELKIT_SCORE_KERNELS_BYTES == 16
      const Vec z0 = seg(0), z1 = seg(1);
      out[0] = __builtin_shufflevector(z0, z1, 0, 2);
      out[1] = __builtin_shufflevector(z0, z1, 1, 3);
#elif LABELKIT_SCORE_KERNELS_BYTES == 32
      const Vec z0 = __builtin_shufflevector(seg(0), seg(2), 0, 1, 2, 3);
      const Vec z1 = __builtin_shufflevector(seg(1), seg(3), 0, 1, 2, 3);
      out[0] = __builtin_shufflevector(z0, z1, 0, 4, 2, 6);  // unpacklo per 128-bit lane
      out[1] = __builtin_shufflevector(z0, z1, 1, 5, 3, 7);  // unpackhi per 128-bit lane
#else
      Vec z[2];
      for (int k = 0; k < 2; ++k) {
        // NOLINTNEXTLINE(modernize-use-using): GCC vector types, in the documented typedef form
        typedef T Half __attribute__((vector_size(32)));
        const Half lo = __builtin_shufflevector(seg(k), seg(k + 2), 0, 1, 2, 3);
        const Half hi = __builtin_shufflevector(seg(k + 4), seg(k + 6), 0, 1, 2, 3);
        z[k] = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
      }
      const Vec v0 = z[0], v1 = z[1];  // unpacklo / unpackhi per 128-bit lane
      out[0] = __builtin_shufflevector(v0, v1, 0, 8, 2, 10, 4, 12, 6, 14);
      out[1] = __builtin_shufflevector(v0, v1, 1, 9, 3, 11, 5, 13, 7, 15);
#endif
    }
  }
#endif
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

/// Calls visit(start + k, c[k]) for k in [skip, sizeof...(K)), unrolled.
template <class Visit, class Vec, std::size_t... K>
LABELKIT_SCORE_KERNELS_INLINE void visit_tile(Visit& visit, std::ptrdiff_t start, const Vec* c,
                                              std::ptrdiff_t skip,
                                              std::index_sequence<K...> /*unused*/) noexcept {
  ((static_cast<std::ptrdiff_t>(K) >= skip ? visit(start + static_cast<std::ptrdiff_t>(K), c[K])
                                           : void()),
   ...);
}

/// Columns of a group of Simd<T>::size consecutive rows, handed to a visitor in column order.
/// Column-major input: one vector load per column. Row-major input with contiguous rows: the
/// group is one contiguous block, read a tile of 16 bytes per row at a time and transposed in
/// registers (Simd::transpose_tile; a last partial tile overlaps the previous one and visits
/// only its new columns). Other strides, and rows narrower than a tile: one gather per column.
/// A partial last group is copied into `pad` (size x cols, column-major) with rows that pass
/// validation, so every row goes through the same lane arithmetic wherever it falls.
template <class T>
struct GroupSource {
  const T* base;
  std::ptrdiff_t row_stride;
  std::ptrdiff_t col_stride;
  bool fits32;
  /// visit(j, column j) for j = 0, ..., cols - 1, in that order.
  template <class Visit>
  LABELKIT_SCORE_KERNELS_INLINE void columns(const T* rows, std::ptrdiff_t cols,
                                             Visit& visit) const noexcept {
    using S = Simd<T>;
    if (row_stride == 1) {
      for (std::ptrdiff_t j = 0; j < cols; ++j) visit(j, S::load(rows + j * col_stride));
      return;
    }
#if LABELKIT_SCORE_KERNELS_TRANSPOSE
    constexpr int w = S::tile_cols;
    if (col_stride == 1 && cols >= w) {
      typename S::Vec c[w];
      std::ptrdiff_t j = 0;
      for (; j + w <= cols; j += w) {
        S::transpose_tile(rows + j, row_stride, c);
        visit_tile(visit, j, c, 0, std::make_index_sequence<w>{});
      }
      if (j < cols) {
        S::transpose_tile(rows + (cols - w), row_stride, c);
        visit_tile(visit, cols - w, c, j - (cols - w), std::make_index_sequence<w>{});
      }
      return;
    }
#endif
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      visit(j, S::gather(rows + j * col_stride, row_stride, fits32));
    }
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

/// Entropy's per-row accumulators over the columns: sum of x ln x, lowest, highest, sum.
template <class T>
struct EntropyColumns {
  using S = Simd<T>;
  typename S::Vec h, low, high, sum;  // start at 0, 1, 0, 0
  LABELKIT_SCORE_KERNELS_INLINE void operator()(std::ptrdiff_t /*j*/, typename S::Vec v) noexcept {
    h = h + S::x_log_x(v);
    low = S::min(low, v);
    high = S::max(high, v);
    sum = sum + v;
  }
};

/// The top two probabilities of each row (one class: the runner-up is 0), its lowest and sum.
template <class T>
struct TopTwoColumns {
  using S = Simd<T>;
  typename S::Vec t1, t2, low, sum;  // t2 starts at 0; the others at column 0
  LABELKIT_SCORE_KERNELS_INLINE void operator()(std::ptrdiff_t j, typename S::Vec v) noexcept {
    if (j == 0) {
      t1 = v;
      low = v;
      sum = v;
      return;
    }
    t2 = S::max(t2, S::min(t1, v));
    t1 = S::max(t1, v);
    low = S::min(low, v);
    sum = sum + v;
  }
};

/// One uncertainty score per row, validating every row in the same pass.
template <UncertaintyScore Kind, class T>
struct UncertaintyGroup {
  T* out;
  std::ptrdiff_t rows;
  std::ptrdiff_t cols;
  LABELKIT_SCORE_KERNELS_INLINE typename Simd<T>::Mask operator()(
      const GroupSource<T>& s, const T* p, std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    using Vec = typename S::Vec;
    const T tolerance = probability_sum_tolerance<T>();
    Vec score;
    typename S::Mask valid;
    if constexpr (Kind == UncertaintyScore::entropy) {
      EntropyColumns<T> a{S::set1(T(0)), S::set1(T(1)), S::set1(T(0)), S::set1(T(0))};
      s.columns(p, cols, a);
      valid = S::valid_rows(a.low, a.high, a.sum, tolerance);
      score = -a.h;
    } else {
      TopTwoColumns<T> a{S::set1(T(0)), S::set1(T(0)), S::set1(T(0)), S::set1(T(0))};
      s.columns(p, cols, a);
      valid = S::valid_rows(a.low, a.t1, a.sum, tolerance);
      if constexpr (Kind == UncertaintyScore::least_confidence) {
        score = S::set1(T(1)) - a.t1;
      } else if constexpr (Kind == UncertaintyScore::margin) {
        score = S::set1(T(1)) - (a.t1 - a.t2);
      } else {
        // A valid row has t1 >= 1/C > 0; an invalid one is rejected, whatever this gives.
        score = a.t2 / a.t1;
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

/// A member's vote per row (argmax, ties to the lower class), with its lowest and sum.
template <class T>
struct VoteColumns {
  using S = Simd<T>;
  typename S::Vec best, label, low, total;  // label starts at 0; the others at column 0
  LABELKIT_SCORE_KERNELS_INLINE void operator()(std::ptrdiff_t j, typename S::Vec v) noexcept {
    if (j == 0) {
      best = v;
      low = v;
      total = v;
      return;
    }
    label = S::select(best < v, S::set1(static_cast<T>(j)), label);  // strict: ties stay
    best = S::max(best, v);
    low = S::min(low, v);
    total = total + v;
  }
};

/// A member's probabilities added into the block's column sums, with the row's lowest,
/// highest, sum and (when Logs) sum of p ln p.
template <class T, bool Logs>
struct MemberColumns {
  using S = Simd<T>;
  T* column_sum;
  std::ptrdiff_t sum_stride;
  typename S::Vec low, high, total, h;  // start at 1, 0, 0, 0
  LABELKIT_SCORE_KERNELS_INLINE void operator()(std::ptrdiff_t j, typename S::Vec v) noexcept {
    low = S::min(low, v);
    high = S::max(high, v);
    total = total + v;
    T* at = column_sum + j * sum_stride;
    S::store(at, S::load(at) + v);
    if constexpr (Logs) h = h + S::x_log_x(v);
  }
};

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
  LABELKIT_SCORE_KERNELS_INLINE typename Simd<T>::Mask operator()(
      const GroupSource<T>& s, const T* p, std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    constexpr bool votes = Kind == CommitteeScore::vote_entropy;
    constexpr bool logs =
        Kind != CommitteeScore::vote_entropy && Kind != CommitteeScore::consensus_entropy;
    const T tolerance = probability_sum_tolerance<T>();
    if constexpr (votes) {
      VoteColumns<T> a{S::set1(T(0)), S::set1(T(0)), S::set1(T(0)), S::set1(T(0))};
      s.columns(p, cols, a);
      S::store(vote + first, a.label);
      return S::valid_rows(a.low, a.best, a.total, tolerance);
    } else {
      const typename S::Vec zero = S::set1(T(0));
      MemberColumns<T, logs> a{sum + first, sum_stride, S::set1(T(1)), zero, zero, zero};
      s.columns(p, cols, a);
      if constexpr (Kind == CommitteeScore::bald)
        S::store(plogp + first, S::load(plogp + first) + a.h);
      if constexpr (logs && Kind != CommitteeScore::bald) S::store(plogp + first, a.h);
      return S::valid_rows(a.low, a.high, a.total, tolerance);
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

/// sum_c p ln q over a member's columns (log_q column-major with leading dimension stride).
template <class T>
struct CrossColumns {
  using S = Simd<T>;
  const T* log_q;
  std::ptrdiff_t stride;
  typename S::Vec cross;  // starts at 0
  LABELKIT_SCORE_KERNELS_INLINE void operator()(std::ptrdiff_t j, typename S::Vec v) noexcept {
    cross = cross + v * S::load(log_q + j * stride);
  }
};

/// The KL scores' second look at one member's block (from cache): acc = acc + KL(p_m || q)
/// (mean) or max(acc, KL(p_m || q)) (max), with KL = self - sum_c p ln q.
template <CommitteeScore Kind, class T>
struct KlGroup {
  const T* log_q;
  std::ptrdiff_t stride;
  const T* self;
  T* acc;
  std::ptrdiff_t cols;
  LABELKIT_SCORE_KERNELS_INLINE typename Simd<T>::Mask operator()(
      const GroupSource<T>& s, const T* p, std::ptrdiff_t first) const noexcept {
    using S = Simd<T>;
    using Vec = typename S::Vec;
    CrossColumns<T> a{log_q + first, stride, S::set1(T(0))};
    s.columns(p, cols, a);
    const Vec divergence = S::load(self + first) - a.cross;
    const Vec v = S::load(acc + first);
    S::store(acc + first, Kind == CommitteeScore::mean_kl ? v + divergence : S::max(v, divergence));
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
