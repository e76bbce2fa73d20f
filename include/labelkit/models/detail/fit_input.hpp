#pragma once
/// @file
/// Input checks and class bookkeeping shared by the reference models in labelkit::models
/// (internal). Rows are items.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Throws unless every feature is finite; one vectorised test, then a scan naming the first bad
/// row and column only on failure.
template <class Derived>
void check_features(const Eigen::MatrixBase<Derived>& x, std::string_view function,
                    std::string_view argument) {
  if (!x.derived().allFinite()) labelkit::detail::check_finite(x, function, argument);
}

/// The classes of one fit: the probability column count and the classes present in the labels.
struct ClassLayout {
  Eigen::Index n_columns = 0;       ///< columns of predict_proba: max(requested, max label + 1)
  std::vector<int> present;         ///< classes with at least one label, ascending
  std::vector<int> position;        ///< class -> index into `present`, -1 when absent
  std::vector<Eigen::Index> count;  ///< labels per present class
};

/// Validates `x` (non-empty, finite) and `labels` (one per row, 0 <= label < max_classes, and
/// label < n_classes when n_classes > 0) and returns the class layout. The layout's tables are
/// sized by the largest label, so the max_classes bound is what keeps one label of 2^31 - 1 from
/// allocating gigabytes.
template <class Derived>
[[nodiscard]] ClassLayout check_fit_input(const Eigen::MatrixBase<Derived>& x,
                                          std::span<const int> labels, Eigen::Index n_classes,
                                          std::string_view function) {
  labelkit::detail::check_nonempty_rows(x, function, "x");
  if (x.cols() == 0) labelkit::detail::fail(function, "'x' has 0 columns (expected >= 1 feature)");
  if (static_cast<Eigen::Index>(labels.size()) != x.rows()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labels' has ", labels.size(),
                                               " entries but 'x' has ", x.rows(),
                                               " rows (expected one label per row)");
  }
  check_features(x, function, "x");
  int max_label = -1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) {
      labelkit::detail::fail(function, "'labels' has a negative label at row ", i, " (got ",
                             labels[i], ", expected 0 <= label)");
    }
    if (labels[i] >= max_classes) {
      labelkit::detail::fail(function, "'labels' has a label out of range at row ", i, " (got ",
                             labels[i], ", expected label < labelkit::max_classes = ", max_classes,
                             ")");
    }
    if (n_classes > 0 && labels[i] >= n_classes) {
      labelkit::detail::fail(function, "'labels' has a label out of range at row ", i, " (got ",
                             labels[i], ", expected label < n_classes = ", n_classes, ")");
    }
    max_label = std::max(max_label, labels[i]);
  }
  ClassLayout layout;
  layout.n_columns = std::max<Eigen::Index>(n_classes, Eigen::Index{max_label} + 1);
  std::vector<Eigen::Index> counts(static_cast<std::size_t>(layout.n_columns), 0);
  for (const int label : labels) ++counts[static_cast<std::size_t>(label)];
  layout.position.assign(counts.size(), -1);
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0) continue;
    layout.position[c] = static_cast<int>(layout.present.size());
    layout.present.push_back(static_cast<int>(c));
    layout.count.push_back(counts[c]);
  }
  return layout;
}

/// Throws unless the model is fitted and `x` has the fitted feature count and finite values.
template <class Derived>
void check_predict_input(const Eigen::MatrixBase<Derived>& x, bool fitted, Eigen::Index n_features,
                         std::string_view function) {
  if (!fitted) {
    labelkit::detail::fail<state_error>(function, "the model is not fitted (call fit() first)");
  }
  if (x.cols() != n_features) {
    labelkit::detail::fail<dimension_mismatch>(function, "'x' has ", x.cols(),
                                               " columns but the model was fitted on ", n_features,
                                               " features");
  }
  check_features(x, function, "x");
}

/// Throws unless `n_classes` is 0 ("max label + 1 of each fit") or in [1, max_classes].
inline void check_requested_classes(Eigen::Index n_classes, std::string_view function) {
  if (n_classes < 0) {
    labelkit::detail::fail(function, "'n_classes' is negative (got ", n_classes,
                           ", expected 0 for 'max label + 1' or a positive count)");
  }
  if (n_classes > 0) check_class_count(n_classes, function, "n_classes");
}

}  // namespace detail
LABELKIT_END_NAMESPACE
