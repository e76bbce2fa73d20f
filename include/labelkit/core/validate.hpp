#pragma once
/// @file
/// Input checks shared by every public entry point. Each check throws a labelkit::error whose
/// message names the calling function, the argument and the offending row or column, so that a
/// user can find the bad record without a debugger.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Tolerance for "rows sum to 1": loose enough for float outputs of softmax, tight enough to
/// catch unnormalised scores.
template <class Scalar>
[[nodiscard]] constexpr Scalar probability_sum_tolerance() {
  return sizeof(Scalar) <= 4 ? Scalar(1e-3) : Scalar(1e-6);
}

/// Throws unless `x` has at least one row.
template <class Derived>
void check_nonempty_rows(const Eigen::DenseBase<Derived>& x, std::string_view function,
                         std::string_view argument) {
  if (x.rows() == 0) fail(function, "'", argument, "' is empty (got 0 rows, expected at least 1)");
}

/// Throws unless every entry of `x` is finite, naming the first offending row and column.
template <class Derived>
void check_finite(const Eigen::DenseBase<Derived>& x, std::string_view function,
                  std::string_view argument) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(x(i, j)))) {
        fail(function, "'", argument, "' has a non-finite value at row ", i, ", column ", j,
             " (got ", static_cast<double>(x(i, j)), ")");
      }
    }
  }
}

/// Rows checked together by the vectorised probability check.
inline constexpr Eigen::Index probability_check_block_rows = 256;

/// Throws unless `p` has at least one row and one column.
template <class Derived>
void check_probability_shape(const Eigen::DenseBase<Derived>& p, std::string_view function,
                             std::string_view argument) {
  check_nonempty_rows(p, function, argument);
  if (p.cols() == 0) fail(function, "'", argument, "' has 0 columns (expected one per class)");
}

/// Checks rows [first_row, first_row + block.rows()) of a probability matrix, given as `block`:
/// a vectorised test first, then, only on failure, a scan that names the offending entry. Meant
/// to run inside a caller's own block loop so the data is read from memory once.
template <class Derived>
void check_probability_block(const Eigen::DenseBase<Derived>& block, Eigen::Index first_row,
                             std::string_view function, std::string_view argument) {
  using Scalar = typename Derived::Scalar;
  const Scalar tolerance = probability_sum_tolerance<Scalar>();
  const auto a = block.derived().array();
  // NaN fails both comparisons, so it lands in the slow path too.
  const bool in_range = ((a >= Scalar(0)) && (a <= Scalar(1))).all();
  const bool sums_to_one = ((a.rowwise().sum() - Scalar(1)).abs() <= tolerance).all();
  if (in_range && sums_to_one) return;
  for (Eigen::Index i = 0; i < block.rows(); ++i) {
    Scalar sum = 0;
    for (Eigen::Index j = 0; j < block.cols(); ++j) {
      const Scalar v = block(i, j);
      if (std::isnan(v)) {
        fail(function, "'", argument, "' has NaN at row ", first_row + i, ", column ", j);
      }
      if (!(v >= Scalar(0) && v <= Scalar(1))) {
        fail(function, "'", argument, "' has a value outside [0, 1] at row ", first_row + i,
             ", column ", j, " (got ", static_cast<double>(v), ")");
      }
      sum += v;
    }
    if (!(std::abs(sum - Scalar(1)) <= tolerance)) {
      fail(function, "'", argument, "' row ", first_row + i, " does not sum to 1 (got ",
           static_cast<double>(sum), ", tolerance ", static_cast<double>(tolerance), ")");
    }
  }
}

/// Throws unless `p` is a non-empty n x C matrix (C >= 1) whose rows are probability
/// distributions: entries in [0, 1] (no NaN), each row summing to 1 within a tolerance that
/// depends on the scalar type (1e-6 for double, 1e-3 for float). One vectorised pass.
template <class Derived>
void check_probabilities(const Eigen::DenseBase<Derived>& p, std::string_view function,
                         std::string_view argument = "probabilities") {
  check_probability_shape(p, function, argument);
  const Eigen::Index n = p.rows();
  for (Eigen::Index start = 0; start < n; start += probability_check_block_rows) {
    const Eigen::Index rows = std::min(probability_check_block_rows, n - start);
    check_probability_block(p.middleRows(start, rows), start, function, argument);
  }
}

/// Throws unless k >= 0.
inline void check_k(Eigen::Index k, std::string_view function, std::string_view argument = "k") {
  if (k < 0) fail(function, "'", argument, "' is negative (got ", k, ", expected k >= 0)");
}

/// Throws unless `index` lies in [0, n).
inline void check_index(Eigen::Index index, Eigen::Index n, std::string_view function,
                        std::string_view argument, std::size_t position) {
  if (index < 0 || index >= n) {
    fail(function, "'", argument, "' entry ", position, " is out of range (got ", index,
         ", expected 0 <= index < ", n, ")");
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
