#pragma once
/// @file
/// The result shape every crowd aggregator shares (majority vote, Wawa, Dawid–Skene, one-coin,
/// GLAD, MACE, ...): one row per item in ascending item id, with a lookup by id, and the
/// trace of an EM run.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include <span>
#include "labelkit/config.hpp"
#include "labelkit/core/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// What every aggregator returns: the items (ascending id), each item's label and posterior,
/// and the annotators seen (ascending id). Look an item up by id with label_of() and
/// posterior_of(); row r of `posterior` and `labels[r]` belong to `items[r]`.
struct Aggregation {
  std::vector<Eigen::Index> items;       ///< Distinct item ids, ascending; row r is items[r].
  Eigen::MatrixXd posterior;             ///< items x classes, rows sum to 1.
  std::vector<int> labels;               ///< Row-wise argmax of posterior (ties to lower label).
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.

  /// The row of item id `item`, or std::nullopt if it had no annotation. O(log I).
  [[nodiscard]] std::optional<Eigen::Index> row_of(Eigen::Index item) const {
    const auto it = std::lower_bound(items.begin(), items.end(), item);
    if (it == items.end() || *it != item) return std::nullopt;
    return static_cast<Eigen::Index>(it - items.begin());
  }
  /// The label of item id `item`, or std::nullopt if it had no annotation. O(log I).
  [[nodiscard]] std::optional<int> label_of(Eigen::Index item) const {
    const auto r = row_of(item);
    if (!r) return std::nullopt;
    return labels[static_cast<std::size_t>(*r)];
  }
  /// The posterior (one value per class) of item id `item`, or std::nullopt. O(log I + C).
  /// @tparam Scalar the scalar of the row returned (double; a template parameter so that the
  ///   function is compiled only where it is used).
  template <class Scalar = double>
  [[nodiscard]] std::optional<Eigen::Matrix<Scalar, 1, Eigen::Dynamic>> posterior_of(
      Eigen::Index item) const {
    const auto r = row_of(item);
    if (!r) return std::nullopt;
    return Eigen::Matrix<Scalar, 1, Eigen::Dynamic>(posterior.row(*r));
  }
};

/// Where an EM aggregator stands, passed to its options' `progress` callback once per iteration.
struct EmProgress {
  int iteration = 0;       ///< 1-based iteration just finished (M-step then E-step).
  double objective = 0.0;  ///< Its objective, the value appended to EmTrace::log_likelihood.
};

/// How an EM aggregator's run went.
struct EmTrace {
  /// The objective EM maximises, after each iteration (see each aggregator for its terms).
  std::vector<double> log_likelihood;
  int iterations = 0;      ///< EM iterations run.
  bool converged = false;  ///< Whether the tolerance test stopped EM.
};

}  // namespace quality
namespace detail {

/// Sets every gold item present in `result` to its known label, with a one-hot posterior: what
/// a vote-based aggregator does with gold labels (EM aggregators clamp them during EM instead).
/// A gold record for an item without answers changes nothing. O(G log I + G·C).
template <class Result>
void clamp_gold_rows(Result& result, std::span<const GoldLabel> gold) {
  for (const GoldLabel& g : gold) {
    const auto r = result.row_of(g.item);
    if (!r || g.label < 0 || g.label >= result.posterior.cols()) continue;
    result.posterior.row(*r).setZero();
    result.posterior(*r, g.label) = 1.0;
    result.labels[static_cast<std::size_t>(*r)] = g.label;
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
