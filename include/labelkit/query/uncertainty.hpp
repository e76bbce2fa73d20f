#pragma once
/// @file
/// Uncertainty scores over predicted class probabilities (Settles 2009, "Active Learning
/// Literature Survey", section 3.1). Each function takes an n x C matrix of probabilities (rows
/// are items, float or double, row- or column-major, any Eigen dense expression) and returns one
/// score per row as a column vector of the same scalar type. A higher score means "ask for this
/// item first", so every score feeds `labelkit::query::top_k` directly.
///
/// All four run in one pass over the matrix, O(n*C) time, vectorised over blocks of rows, with
/// the validation folded into the same pass (the matrix is read from memory once), and allocate
/// only the result (plus one 256 x C block buffer for row-major or non-contiguous input).
///
/// @throws labelkit::invalid_argument if the matrix is empty, has NaN, values outside [0, 1], or
///         a row that does not sum to 1 (tolerance 1e-6 for double, 1e-3 for float).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "labelkit/config.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Rows processed together: small enough that the per-block results stay in L1, large enough to
/// amortise the column loop.
inline constexpr Eigen::Index uncertainty_block_rows = 256;

/// Per-block results of one pass (one value per row of the block).
template <class Scalar>
using UncertaintyBlock = Eigen::Array<Scalar, uncertainty_block_rows, 1>;

/// A block of rows seen column-major: entry (i, j) at data[i + j * stride], 0 <= i < rows.
template <class Scalar>
struct ColumnBlock {
  const Scalar* data;
  Eigen::Index stride;
  Eigen::Index rows;
  Eigen::Index cols;
};

/// True for expressions whose columns are contiguous in memory (plain column-major matrices,
/// their blocks and maps): the kernels read them in place.
template <class Derived>
inline constexpr bool is_contiguous_column_major =
    (Derived::Flags & Eigen::DirectAccessBit) != 0 && (Derived::Flags & Eigen::RowMajorBit) == 0 &&
    Derived::InnerStrideAtCompileTime == 1;

/// Calls `visit(first_row, block)` for consecutive blocks of up to uncertainty_block_rows rows.
/// Contiguous column-major input is read in place; anything else (row-major, strided, lazy
/// expressions) is first copied block by block into one column-major buffer of
/// uncertainty_block_rows x C, allocated once per call (the copy stays in cache).
template <class Derived, class Visit>
void for_each_column_block(const Eigen::MatrixBase<Derived>& p, Visit&& visit) {
  using Scalar = typename Derived::Scalar;
  const Eigen::Index n = p.rows();
  const Eigen::Index c = p.cols();
  if constexpr (is_contiguous_column_major<Derived>) {
    const Scalar* base = p.derived().data();
    const Eigen::Index stride = p.derived().outerStride();
    for (Eigen::Index start = 0; start < n; start += uncertainty_block_rows) {
      const Eigen::Index rows = std::min(uncertainty_block_rows, n - start);
      visit(start, ColumnBlock<Scalar>{base + start, stride, rows, c});
    }
  } else {
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> buffer(
        std::min(uncertainty_block_rows, n), c);
    for (Eigen::Index start = 0; start < n; start += uncertainty_block_rows) {
      const Eigen::Index rows = std::min(uncertainty_block_rows, n - start);
      buffer.topRows(rows) = p.middleRows(start, rows);
      visit(start, ColumnBlock<Scalar>{buffer.data(), buffer.rows(), rows, c});
    }
  }
}

// The kernels below use Eigen's packet primitives (Eigen::internal, stable across Eigen 3.3-3.4
// and used the same way by Eigen's own kernels). Packet types such as __m128d carry attributes
// that GCC warns about when they are template arguments; Eigen silences the same warning for its
// own code.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// How far ahead (in rows) the kernels prefetch each column. Reading C columns a few rows at a
/// time interleaves C streams with a stride of a whole column, which the hardware prefetchers do
/// not follow well; prefetching the same column this many rows ahead restores streaming speed.
/// Prefetches never fault, so running past the end of the matrix is harmless.
#ifndef LABELKIT_UNCERTAINTY_PREFETCH_ROWS
#define LABELKIT_UNCERTAINTY_PREFETCH_ROWS 128
#endif
inline constexpr Eigen::Index prefetch_rows = LABELKIT_UNCERTAINTY_PREFETCH_ROWS;

/// Validity of a packet of rows from their smallest entry, largest entry and sum, as a packet mask:
/// lowest >= 0, highest <= 1, |sum - 1| <= tolerance. A NaN anywhere in a row makes its sum NaN
/// and fails the last test, so a NaN that min/max would skip is still caught.
template <class Packet>
Packet valid_rows(const Packet& lowest, const Packet& highest, const Packet& sum,
                  const Packet& tolerance) {
  namespace ei = Eigen::internal;
  using Scalar = typename ei::unpacket_traits<Packet>::type;
  const Packet one = ei::pset1<Packet>(Scalar(1));
  return ei::pand(ei::pand(ei::pcmp_le(ei::pset1<Packet>(Scalar(0)), lowest),
                           ei::pcmp_le(highest, one)),
                  ei::pcmp_le(ei::pabs(ei::psub(sum, one)), tolerance));
}

/// Natural logarithm of a packet of positive normal numbers (the caller clamps to the smallest
/// normal number), without the special-value handling of Eigen's plog: fdlibm's e_log.c
/// reduction x = 2^e (1 + f), 1 + f in [1/√2, √2), s = f / (2 + f), and its degree-14 odd
/// polynomial in s (error < 1 ulp in double). Inputs that are not positive normal numbers give
/// unspecified values (never a trap); the caller's validation rejects them.
template <class Packet>
Packet log_positive_normal(const Packet& x) {
  namespace ei = Eigen::internal;
  using Scalar = typename ei::unpacket_traits<Packet>::type;
  constexpr bool is_double = sizeof(Scalar) == 8;
  using Bits = std::conditional_t<is_double, std::uint64_t, std::uint32_t>;
  constexpr Bits mantissa_mask = is_double ? Bits(0x000fffffffffffffull) : Bits(0x007fffffu);
  constexpr Bits half_bits = is_double ? Bits(0x3fe0000000000000ull) : Bits(0x3f000000u);
  constexpr Scalar half_bias = is_double ? Scalar(1022) : Scalar(126);
  constexpr Scalar ln2_hi = is_double ? Scalar(6.93147180369123816490e-01) : Scalar(6.9313812256e-01f);
  constexpr Scalar ln2_lo = is_double ? Scalar(1.90821492927058770002e-10) : Scalar(9.0580006145e-06f);
  const Packet one = ei::pset1<Packet>(Scalar(1));
  // x = m 2^e with m in [0.5, 1): the exponent field replaced by 0.5's.
  Packet m = ei::por(ei::pand(x, ei::pset1frombits<Packet>(mantissa_mask)),
                     ei::pset1frombits<Packet>(half_bits));
  Packet e = ei::psub(ei::pfrexp_generic_get_biased_exponent(x), ei::pset1<Packet>(half_bias));
  const Packet below = ei::pcmp_lt(m, ei::pset1<Packet>(Scalar(0.70710678118654752440)));
  m = ei::padd(m, ei::pand(below, m));   // m in [1/√2, √2)
  e = ei::psub(e, ei::pand(below, one));
  const Packet f = ei::psub(m, one);
  const Packet s = ei::pdiv(f, ei::padd(ei::pset1<Packet>(Scalar(2)), f));
  const Packet z = ei::pmul(s, s);
  const Packet w = ei::pmul(z, z);
  const auto c = [](double v) { return ei::pset1<Packet>(Scalar(v)); };
  const Packet t1 = ei::pmul(
      w, ei::padd(c(3.999999999940941908e-01),
                  ei::pmul(w, ei::padd(c(2.222219843214978396e-01),
                                       ei::pmul(w, c(1.531383769920937332e-01))))));
  const Packet t2 = ei::pmul(
      z, ei::padd(c(6.666666666666735130e-01),
                  ei::pmul(w, ei::padd(c(2.857142874366239149e-01),
                                       ei::pmul(w, ei::padd(c(1.818357216161805012e-01),
                                                            ei::pmul(w, c(1.479819860511658591e-01))))))));
  const Packet r = ei::padd(t1, t2);
  const Packet hfsq = ei::pmul(ei::pset1<Packet>(Scalar(0.5)), ei::pmul(f, f));
  // e ln2_hi - ((hfsq - (s (hfsq + r) + e ln2_lo)) - f)
  return ei::psub(
      ei::pmul(e, ei::pset1<Packet>(ln2_hi)),
      ei::psub(ei::psub(hfsq, ei::padd(ei::pmul(s, ei::padd(hfsq, r)),
                                       ei::pmul(e, ei::pset1<Packet>(ln2_lo)))),
               f));
}

/// The scalar form of valid_rows.
template <class Scalar>
bool valid_row(Scalar lowest, Scalar highest, Scalar sum) {
  return lowest >= Scalar(0) && highest <= Scalar(1) &&
         std::abs(sum - Scalar(1)) <= labelkit::detail::probability_sum_tolerance<Scalar>();
}

/// One pass over a block: the largest and second-largest entry of each row into top1/top2, and
/// the validation of each row. Two packets of rows at a time with all state in registers (the
/// column loop's dependency chains overlap), then a scalar tail. Returns false if a row is not a
/// probability distribution.
template <class Scalar>
bool top_two_kernel(const ColumnBlock<Scalar>& b, Scalar* top1, Scalar* top2) {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<Scalar>::type;
  constexpr Eigen::Index size = ei::unpacket_traits<Packet>::size;
  const Packet tolerance = ei::pset1<Packet>(labelkit::detail::probability_sum_tolerance<Scalar>());
  const Packet zero = ei::pset1<Packet>(Scalar(0));
  Packet valid = ei::pcmp_le(zero, zero);  // all true
  Eigen::Index i = 0;
  for (; i + 2 * size <= b.rows; i += 2 * size) {
    const Scalar* column = b.data + i;
    Packet t1a = ei::ploadu<Packet>(column), t1b = ei::ploadu<Packet>(column + size);
    Packet t2a = zero, t2b = zero;  // with one class the runner-up probability is 0
    Packet lowa = t1a, lowb = t1b, suma = t1a, sumb = t1b;
    ei::prefetch(column + prefetch_rows);
    for (Eigen::Index j = 1; j < b.cols; ++j) {
      column += b.stride;
      ei::prefetch(column + prefetch_rows);
      const Packet va = ei::ploadu<Packet>(column), vb = ei::ploadu<Packet>(column + size);
      t2a = ei::pmax(t2a, ei::pmin(t1a, va));
      t2b = ei::pmax(t2b, ei::pmin(t1b, vb));
      t1a = ei::pmax(t1a, va);
      t1b = ei::pmax(t1b, vb);
      lowa = ei::pmin(lowa, va);
      lowb = ei::pmin(lowb, vb);
      suma = ei::padd(suma, va);
      sumb = ei::padd(sumb, vb);
    }
    valid = ei::pand(valid, ei::pand(valid_rows(lowa, t1a, suma, tolerance),
                                     valid_rows(lowb, t1b, sumb, tolerance)));
    ei::pstoreu(top1 + i, t1a);
    ei::pstoreu(top1 + i + size, t1b);
    ei::pstoreu(top2 + i, t2a);
    ei::pstoreu(top2 + i + size, t2b);
  }
  bool all_valid = !ei::predux_any(ei::pandnot(ei::pcmp_le(zero, zero), valid));
  for (; i < b.rows; ++i) {
    Scalar t1 = b.data[i], t2 = 0, lowest = t1, sum = t1;
    for (Eigen::Index j = 1; j < b.cols; ++j) {
      const Scalar v = b.data[i + j * b.stride];
      t2 = std::max(t2, std::min(t1, v));
      t1 = std::max(t1, v);
      lowest = std::min(lowest, v);
      sum += v;
    }
    all_valid = all_valid && valid_row(lowest, t1, sum);
    top1[i] = t1;
    top2[i] = t2;
  }
  return all_valid;
}

/// One pass over a block: Σ_c v ln v per row into `plogp` (0 ln 0 = 0, see entropy()), and the
/// validation of each row. Returns false if a row is not a probability distribution.
template <class Scalar>
bool plogp_kernel(const ColumnBlock<Scalar>& b, Scalar* plogp) {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<Scalar>::type;
  constexpr Eigen::Index size = ei::unpacket_traits<Packet>::size;
  const Scalar floor_value = std::numeric_limits<Scalar>::min();
  const Packet floor = ei::pset1<Packet>(floor_value);
  const Packet tolerance = ei::pset1<Packet>(labelkit::detail::probability_sum_tolerance<Scalar>());
  const Packet zero = ei::pset1<Packet>(Scalar(0));
  const auto plog_fast = [](const Packet& x) {
    if constexpr (size > 1) {
      return log_positive_normal(x);
    } else {
      return ei::plog(x);  // no vectorisation: the library logarithm
    }
  };
  Packet valid = ei::pcmp_le(zero, zero);
  Eigen::Index i = 0;
  for (; i + 2 * size <= b.rows; i += 2 * size) {
    const Scalar* column = b.data + i;
    Packet ha = zero, hb = zero, lowa = ei::pset1<Packet>(Scalar(1)), lowb = lowa;
    Packet higha = zero, highb = zero, suma = zero, sumb = zero;
    for (Eigen::Index j = 0; j < b.cols; ++j, column += b.stride) {
      ei::prefetch(column + prefetch_rows);
      const Packet va = ei::ploadu<Packet>(column), vb = ei::ploadu<Packet>(column + size);
      ha = ei::padd(ha, ei::pmul(va, plog_fast(ei::pmax(va, floor))));
      hb = ei::padd(hb, ei::pmul(vb, plog_fast(ei::pmax(vb, floor))));
      lowa = ei::pmin(lowa, va);
      lowb = ei::pmin(lowb, vb);
      higha = ei::pmax(higha, va);
      highb = ei::pmax(highb, vb);
      suma = ei::padd(suma, va);
      sumb = ei::padd(sumb, vb);
    }
    valid = ei::pand(valid, ei::pand(valid_rows(lowa, higha, suma, tolerance),
                                     valid_rows(lowb, highb, sumb, tolerance)));
    ei::pstoreu(plogp + i, ha);
    ei::pstoreu(plogp + i + size, hb);
  }
  bool all_valid = !ei::predux_any(ei::pandnot(ei::pcmp_le(zero, zero), valid));
  // The tail goes through the same packet arithmetic (one value broadcast to every lane), so a
  // row's score is bit-identical wherever it falls in a block: chunked, streamed and sharded
  // scoring then agree exactly with one call over everything.
  for (; i < b.rows; ++i) {
    Scalar lowest = 1, highest = 0, sum = 0;
    Packet h = zero;
    for (Eigen::Index j = 0; j < b.cols; ++j) {
      const Scalar v = b.data[i + j * b.stride];
      const Packet vp = ei::pset1<Packet>(v);
      h = ei::padd(h, ei::pmul(vp, plog_fast(ei::pmax(vp, floor))));
      lowest = std::min(lowest, v);
      highest = std::max(highest, v);
      sum += v;
    }
    all_valid = all_valid && valid_row(lowest, highest, sum);
    plogp[i] = ei::pfirst(h);
  }
  return all_valid;
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/// Visits the matrix in blocks of rows and hands each block's largest and second-largest
/// probability to `emit(first_row, top1, top2)`, validating the block in the same pass (the data
/// is read from memory once). On a bad block, check_probability_block re-scans it to name the
/// offending entry and throws.
template <class Derived, class Emit>
void for_each_top_two(const Eigen::MatrixBase<Derived>& p, const char* function, Emit&& emit) {
  using Scalar = typename Derived::Scalar;
  UncertaintyBlock<Scalar> top1, top2;
  for_each_column_block(p, [&](Eigen::Index start, const ColumnBlock<Scalar>& block) {
    if (!top_two_kernel(block, top1.data(), top2.data())) {
      labelkit::detail::check_probability_block(p.middleRows(start, block.rows), start, function,
                                                "probabilities");
    }
    emit(start, top1.head(block.rows), top2.head(block.rows));
  });
}

}  // namespace detail
namespace query {

/// Least confidence: 1 - max_c P(i, c). In [0, 1 - 1/C].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> least_confidence(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  labelkit::detail::check_probability_shape(probabilities, "least_confidence", "probabilities");
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(probabilities.rows());
  detail::for_each_top_two(probabilities, "least_confidence", [&](Eigen::Index start, const auto& t1, const auto&) {
    scores.segment(start, t1.rows()).array() = Scalar(1) - t1;
  });
  return scores;
}

/// Margin: 1 - (P(i,(1)) - P(i,(2))), the gap between the two largest probabilities turned into
/// an uncertainty (Scheffer et al. 2001). In [0, 1]; with a single class the runner-up is 0.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> margin(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  labelkit::detail::check_probability_shape(probabilities, "margin", "probabilities");
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(probabilities.rows());
  detail::for_each_top_two(probabilities, "margin",
                           [&](Eigen::Index start, const auto& t1, const auto& t2) {
                             scores.segment(start, t1.rows()).array() = Scalar(1) - (t1 - t2);
                           });
  return scores;
}

/// Ratio: P(i,(2)) / P(i,(1)), the runner-up over the winner. In [0, 1].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> ratio(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  labelkit::detail::check_probability_shape(probabilities, "ratio", "probabilities");
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(probabilities.rows());
  detail::for_each_top_two(probabilities, "ratio",
                           [&](Eigen::Index start, const auto& t1, const auto& t2) {
                             // t1 >= 1/C > 0 for a valid distribution, so no division by zero.
                             scores.segment(start, t1.rows()).array() = t2 / t1;
                           });
  return scores;
}

/// Shannon entropy in nats: -sum_c P(i,c) ln P(i,c), with 0 ln 0 = 0 exactly (no epsilon). In
/// [0, ln C].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> entropy(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  labelkit::detail::check_probability_shape(probabilities, "entropy", "probabilities");
  // ln is taken of max(v, smallest normal number): for v = 0 the term is 0 * finite = 0 exactly
  // (0 ln 0 = 0; nothing is added to v), for normal v it is v ln v; for subnormal v (< 2.3e-308
  // in double) the term's absolute error is below 1e-305.
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(probabilities.rows());
  detail::for_each_column_block(
      probabilities, [&](Eigen::Index start, const detail::ColumnBlock<Scalar>& block) {
        if (!detail::plogp_kernel(block, scores.data() + start)) {
          labelkit::detail::check_probability_block(probabilities.middleRows(start, block.rows),
                                                    start, "entropy", "probabilities");
        }
        scores.segment(start, block.rows) = -scores.segment(start, block.rows);
      });
  return scores;
}

}  // namespace query
LABELKIT_END_NAMESPACE
