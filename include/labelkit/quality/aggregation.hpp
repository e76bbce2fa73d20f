#pragma once
/// @file
/// The result shape every crowd aggregator shares (majority vote, Wawa, Dawid–Skene, one-coin,
/// GLAD, MACE, ...): one row per item in ascending item id, with a lookup by id, and the
/// trace of an EM run.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
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

/// Restricts every gold item present in `result` to its gold labels: what a vote-based aggregator
/// does with gold labels (EM aggregators restrict them during EM instead). An item with one gold
/// label gets it with a one-hot posterior; an item with several gets the vote shares among them
/// (uniform if none of them has a vote) and the largest of them (ties to the lower label). A gold
/// record for an item without answers, or with a label out of range, changes nothing.
/// O(G log G + G·C).
template <class Result>
void clamp_gold_rows(Result& result, std::span<const GoldLabel> gold) {
  std::vector<std::pair<Eigen::Index, int>> rows;  // (row, gold label), grouped by row
  rows.reserve(gold.size());
  for (const GoldLabel& g : gold) {
    const auto r = result.row_of(g.item);
    if (r && g.label >= 0 && g.label < result.posterior.cols()) rows.emplace_back(*r, g.label);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  for (std::size_t first = 0; first < rows.size();) {
    std::size_t last = first;
    double mass = 0;
    const Eigen::Index r = rows[first].first;
    for (; last < rows.size() && rows[last].first == r; ++last) {
      mass += result.posterior(r, rows[last].second);
    }
    const double uniform = 1.0 / static_cast<double>(last - first);
    std::vector<double> kept;
    for (std::size_t g = first; g < last; ++g) {
      kept.push_back(mass > 0 ? result.posterior(r, rows[g].second) / mass : uniform);
    }
    result.posterior.row(r).setZero();
    int best = rows[first].second;
    for (std::size_t g = first; g < last; ++g) {
      result.posterior(r, rows[g].second) = kept[g - first];
      if (kept[g - first] > result.posterior(r, best)) best = rows[g].second;
    }
    result.labels[static_cast<std::size_t>(r)] = best;
    first = last;
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
