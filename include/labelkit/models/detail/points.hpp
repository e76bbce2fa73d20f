#pragma once
/// @file
/// Point-set helpers shared by k-means and the distance-based query strategies (internal): a
/// column-major point matrix type, a finiteness check, column means and a centred copy. Rows
/// are items.

#include <Eigen/Core>

#include "labelkit/config.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

template <class Scalar>
using PointMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
template <class Scalar>
using PointVector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Throws unless every entry is finite; one vectorised test, then a scan naming the row and
/// column only on failure.
template <class Derived>
void check_finite_points(const Eigen::MatrixBase<Derived>& x, const char* function,
                         const char* argument) {
  if (!x.allFinite()) labelkit::detail::check_finite(x, function, argument);
}

/// The column means of `x`, accumulated in double.
template <class Derived>
[[nodiscard]] Eigen::RowVectorXd column_means(const Eigen::MatrixBase<Derived>& x) {
  if (x.rows() == 0) return Eigen::RowVectorXd::Zero(x.cols());
  return x.template cast<double>().colwise().sum() / static_cast<double>(x.rows());
}

/// A column-major copy of `x` minus `shift`.
template <class Scalar, class Derived>
[[nodiscard]] PointMatrix<Scalar> centred(const Eigen::MatrixBase<Derived>& x,
                                          const Eigen::RowVectorXd& shift) {
  PointMatrix<Scalar> out = x.template cast<Scalar>();
  out.rowwise() -= shift.template cast<Scalar>();
  return out;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
