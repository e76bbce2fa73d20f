#pragma once
/// @file
/// Uncertainty scores over predicted class probabilities (Settles 2009, "Active Learning
/// Literature Survey", section 3.1). Each function takes an n x C matrix of probabilities (rows
/// are items, float or double, row- or column-major, any Eigen dense expression) and returns one
/// score per row as a column vector of the same scalar type. A higher score means "ask for this
/// item first", so every score feeds `labelkit::query::top_k` directly.
///
/// All four run in one pass over the matrix, O(n*C) time, with the validation folded into the
/// same pass (the matrix is read from memory once), and allocate only the result. The pass runs
/// on the widest instruction set the CPU has (SSE2, AVX2 or AVX-512, chosen at run time, see
/// labelkit/core/simd/dispatch.hpp), reads row-major and column-major matrices in place, and
/// gives every row the same arithmetic whatever the layout or the row's position. Expressions
/// without direct memory access (products, casts...) are evaluated into a temporary first.
/// The entropy's logarithm has the error bound stated in labelkit/query/detail/score_kernels.hpp
/// (1e-14 absolute for double, about 3e-7 for float, per unit of probability mass).
///
/// @throws labelkit::invalid_argument if the matrix is empty, has NaN, values outside [0, 1], or
///         a row that does not sum to 1 (tolerance 1e-6 for double, 1e-3 for float).

#include <Eigen/Core>
#include <cstddef>
#include <type_traits>

#include "labelkit/config.hpp"
#include "labelkit/core/simd/dispatch.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/detail/score_kernels.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// True for expressions the kernels can read in place (strided memory with direct access).
template <class Derived>
inline constexpr bool has_direct_access = (Derived::Flags & Eigen::DirectAccessBit) != 0;

/// One uncertainty score per row: validates the shape, runs the dispatched one-pass kernel over
/// the matrix in place (on `threads` fixed chunks of rows) and, if the kernel saw an invalid
/// row, re-scans to name it and throws.
template <UncertaintyScore Kind, class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> score_uncertainty(
    const Eigen::MatrixBase<Derived>& probabilities, const char* function, int threads) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "labelkit: uncertainty scores take float or double probabilities");
  if constexpr (!has_direct_access<Derived>) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> evaluated = probabilities;
    return score_uncertainty<Kind>(evaluated, function, threads);
  } else {
    check_probability_shape(probabilities, function, "probabilities");
    const Derived& p = probabilities.derived();
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(p.rows());
    const SimdLevel level = simd_level();
    const auto row_stride = static_cast<std::ptrdiff_t>(p.rowStride());
    const auto col_stride = static_cast<std::ptrdiff_t>(p.colStride());
    const bool valid = parallel_rows(static_cast<std::ptrdiff_t>(p.rows()), threads, 4096,
                                     [&](std::ptrdiff_t begin, std::ptrdiff_t end) {
                                       return uncertainty_rows<Kind>(
                                           level, p.data() + begin * row_stride, end - begin,
                                           static_cast<std::ptrdiff_t>(p.cols()), row_stride,
                                           col_stride, scores.data() + begin);
                                     });
    if (!valid) check_probabilities(p, function, "probabilities");  // names the entry, throws
    return scores;
  }
}

}  // namespace detail
namespace query {

/// Options of the scoring functions (uncertainty and committee scores).
struct ScoringOptions {
  /// Threads that score fixed, disjoint chunks of rows (1: the calling thread alone). The
  /// scores are bit-identical for every thread count. Worth it for large pools: the pass is
  /// memory-bound, so it scales with the memory bandwidth the threads can draw.
  int threads = 1;
};

/// Least confidence: 1 - max_c P(i, c). In [0, 1 - 1/C].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> least_confidence(
    const Eigen::MatrixBase<Derived>& probabilities) {
  return detail::score_uncertainty<detail::UncertaintyScore::least_confidence>(
      probabilities, "least_confidence", 1);
}

/// least_confidence with options (parallel scoring); bit-identical to the call without options.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> least_confidence(
    const Eigen::MatrixBase<Derived>& probabilities, const ScoringOptions& options) {
  return detail::score_uncertainty<detail::UncertaintyScore::least_confidence>(
      probabilities, "least_confidence", options.threads);
}

/// Margin: 1 - (P(i,(1)) - P(i,(2))), the gap between the two largest probabilities turned into
/// an uncertainty (Scheffer et al. 2001). In [0, 1]; with a single class the runner-up is 0.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> margin(
    const Eigen::MatrixBase<Derived>& probabilities) {
  return detail::score_uncertainty<detail::UncertaintyScore::margin>(probabilities, "margin", 1);
}

/// margin with options (parallel scoring); bit-identical to the call without options.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> margin(
    const Eigen::MatrixBase<Derived>& probabilities, const ScoringOptions& options) {
  return detail::score_uncertainty<detail::UncertaintyScore::margin>(probabilities, "margin",
                                                                     options.threads);
}

/// Ratio: P(i,(2)) / P(i,(1)), the runner-up over the winner. In [0, 1].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> ratio(
    const Eigen::MatrixBase<Derived>& probabilities) {
  return detail::score_uncertainty<detail::UncertaintyScore::ratio>(probabilities, "ratio", 1);
}

/// ratio with options (parallel scoring); bit-identical to the call without options.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> ratio(
    const Eigen::MatrixBase<Derived>& probabilities, const ScoringOptions& options) {
  return detail::score_uncertainty<detail::UncertaintyScore::ratio>(probabilities, "ratio",
                                                                    options.threads);
}

/// Shannon entropy in nats: -sum_c P(i,c) ln P(i,c), with 0 ln 0 = 0 exactly (no epsilon). In
/// [0, ln C].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> entropy(
    const Eigen::MatrixBase<Derived>& probabilities) {
  return detail::score_uncertainty<detail::UncertaintyScore::entropy>(probabilities, "entropy", 1);
}

/// entropy with options (parallel scoring); bit-identical to the call without options.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> entropy(
    const Eigen::MatrixBase<Derived>& probabilities, const ScoringOptions& options) {
  return detail::score_uncertainty<detail::UncertaintyScore::entropy>(probabilities, "entropy",
                                                                      options.threads);
}

}  // namespace query
LABELKIT_END_NAMESPACE
