#pragma once
/// @file
/// The vocabulary of Krippendorff's alpha (see krippendorff.hpp): the levels of measurement and
/// the result types.

#include <Eigen/Core>
#include <limits>
#include <vector>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Krippendorff's levels of measurement (the difference function used by alpha).
enum class Level { nominal, ordinal, interval, ratio };

/// Alpha with the quantities behind it.
struct AlphaParts {
  /// 1 - D_o / D_e; when D_e = 0, the value the `ZeroDivision` policy gives.
  double alpha = std::numeric_limits<double>::quiet_NaN();
  double observed_disagreement = std::numeric_limits<double>::quiet_NaN();  ///< D_o.
  double expected_disagreement = std::numeric_limits<double>::quiet_NaN();  ///< D_e.
  double pairable_values = 0;       ///< n: values in items with two or more values.
  Eigen::Index pairable_items = 0;  ///< Items (Krippendorff's units) with two or more values.
};

/// The coincidence matrix behind alpha over the sorted distinct values.
struct Coincidences {
  std::vector<double> values;  ///< Distinct values, ascending (row/column order of `matrix`).
  Eigen::MatrixXd matrix;      ///< o_ck; symmetric; row sums are n_c.
  Eigen::VectorXd totals;      ///< n_c (pairable values per distinct value).
};

}  // namespace agreement
LABELKIT_END_NAMESPACE
