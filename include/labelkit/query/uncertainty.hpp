#pragma once
/// @file
/// Uncertainty scores over predicted class probabilities (Settles 2009, "Active Learning
/// Literature Survey", section 3.1). Each function takes an n x C matrix of probabilities (rows
/// are items, float or double, row- or column-major, any Eigen dense expression) and returns one
/// score per row as a column vector of the same scalar type. A higher score means "ask for this
/// item first", so every score feeds `labelkit::query::top_k` directly.
///
/// All four run in one pass over the matrix, O(n*C) time, vectorised over blocks of rows, and
/// allocate only the result.
///
/// @throws labelkit::invalid_argument if the matrix is empty, has NaN, values outside [0, 1], or
///         a row that does not sum to 1 (tolerance 1e-6 for double, 1e-3 for float).

#include <Eigen/Core>
#include <algorithm>
#include <limits>

#include "labelkit/core/validate.hpp"

namespace labelkit::inline v0::query {

namespace detail {

/// Rows processed together: small enough that the per-block state stays in L1, large enough to
/// amortise the column loop.
inline constexpr Eigen::Index uncertainty_block_rows = 256;

/// Visits the matrix in blocks of rows and hands each block's largest and second-largest
/// probability to `emit(first_row, top1, top2)`. Column-wise updates vectorise for both layouts
/// (column-major reads contiguous columns; row-major blocks are small enough to stay cached).
template <class Derived, class Emit>
void for_each_top_two(const Eigen::MatrixBase<Derived>& p, const char* function, Emit&& emit) {
  using Scalar = typename Derived::Scalar;
  using Block = Eigen::Array<Scalar, uncertainty_block_rows, 1>;
  const Eigen::Index n = p.rows();
  const Eigen::Index c = p.cols();
  Block top1;
  Block top2;
  for (Eigen::Index start = 0; start < n; start += uncertainty_block_rows) {
    const Eigen::Index rows = std::min(uncertainty_block_rows, n - start);
    // Validated block by block, so the block is still in cache when it is scored.
    labelkit::detail::check_probability_block(p.middleRows(start, rows), start, function,
                                              "probabilities");
    auto t1 = top1.head(rows);
    auto t2 = top2.head(rows);
    t1 = p.col(0).segment(start, rows).array();
    t2.setZero();  // with one class the runner-up probability is 0
    for (Eigen::Index j = 1; j < c; ++j) {
      const auto v = p.col(j).segment(start, rows).array();
      t2 = t2.max(t1.min(v));
      t1 = t1.max(v);
    }
    emit(start, t1, t2);
  }
}

}  // namespace detail

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
  using Block = Eigen::Array<Scalar, detail::uncertainty_block_rows, 1>;
  labelkit::detail::check_probability_shape(probabilities, "entropy", "probabilities");
  const Eigen::Index n = probabilities.rows();
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(n);
  Block sum;
  for (Eigen::Index start = 0; start < n; start += detail::uncertainty_block_rows) {
    const Eigen::Index rows = std::min(detail::uncertainty_block_rows, n - start);
    labelkit::detail::check_probability_block(probabilities.middleRows(start, rows), start,
                                              "entropy", "probabilities");
    auto s = sum.head(rows);
    s.setZero();
    for (Eigen::Index j = 0; j < probabilities.cols(); ++j) {
      const auto v = probabilities.col(j).segment(start, rows).array();
      // log(0) = -inf and 0 * -inf = NaN, so zero entries are selected out: 0 ln 0 = 0.
      s += (v > Scalar(0)).select(v * v.log(), Scalar(0));
    }
    scores.segment(start, rows).array() = -s;
  }
  return scores;
}

}  // namespace labelkit::inline v0::query
