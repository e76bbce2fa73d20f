#pragma once
/// @file
/// What a query strategy is: a value (function object or lambda) that, given a fitted model and
/// the pool, returns the items to label next. `ActiveLearner` calls it; custom loops can too.

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

template <class M, class X>
class PoolRound;

/// Everything a strategy may look at in one query round. Item ids are row indices of
/// `features`. The model has been fitted on the labeled items.
template <class M, class X>
struct QueryContext {
  M& model;                                 ///< The fitted model (predict_proba may be non-const).
  const X& features;                        ///< Features of the whole pool; rows are items.
  std::span<const Eigen::Index> unlabeled;  ///< Candidate item ids, ascending.
  std::span<const Eigen::Index> labeled;    ///< Labeled item ids, in labeling order.
  std::uint64_t seed;                       ///< A fresh seed for this round's random choices.
  std::span<const int> labels{};            ///< Labels of `labeled`, in the same order.
  /// The round's shared rows, probabilities and embeddings of `unlabeled` (labelkit/query/
  /// pool_round.hpp), or null: strategies then make their own. `ActiveLearner` sets it.
  PoolRound<M, X>* round = nullptr;
};

/// A strategy is callable as `strategy(context, k)` and returns at most k distinct ids taken
/// from `context.unlabeled`, most wanted first.
template <class S, class M, class X>
concept QueryStrategy = requires(S& strategy, const QueryContext<M, X>& context, Eigen::Index k) {
  { strategy(context, k) } -> std::convertible_to<std::vector<Eigen::Index>>;
};

/// The items a query picked, most wanted first, and the score behind each pick: `scores[r]`
/// belongs to `items[r]`, higher = more informative, ready for a task queue's priorities
/// (`queue.update_priorities(result.items, result.scores)`). What a score is depends on the
/// strategy (labelkit/query/scored.hpp lists them): the strategy's own per-item score where it
/// has one (entropy, margin, BALD, information density, ...), else the rank priority
/// `rank_priorities` (1 for the first pick down to 1/m for the last of m), so that a queue
/// serving the highest priority first serves the picks in the strategy's order.
struct QueryResult {
  std::vector<Eigen::Index> items;  ///< Item ids (rows of the pool's features), most wanted first.
  std::vector<double> scores;       ///< One score per item, aligned with `items`.
};

/// A strategy that also reports the scores behind its picks: `strategy.scored(context, k)`
/// returns the same items as `strategy(context, k)` with their scores (`QueryResult`).
template <class S, class M, class X>
concept ScoredQueryStrategy = QueryStrategy<S, M, X> &&
    requires(S& strategy, const QueryContext<M, X>& context, Eigen::Index k) {
  { strategy.scored(context, k) } -> std::convertible_to<QueryResult>;
};

/// The rank priorities of m picks in order: entry r is (m - r) / m, so 1 for the first pick and
/// 1/m for the last, strictly decreasing. The score `QueryResult` reports for strategies without
/// a per-item score (batch strategies such as core-set, BADGE, k-means, ranked batch, and
/// callables). O(m).
[[nodiscard]] inline std::vector<double> rank_priorities(std::size_t m) {
  std::vector<double> priorities(m);
  for (std::size_t r = 0; r < m; ++r) {
    priorities[r] = static_cast<double>(m - r) / static_cast<double>(m);
  }
  return priorities;
}

/// Maps positions in a candidate list back to pool item ids: entry r of the result is
/// `candidates[positions[r]]`. Strategies score the candidates they were given as rows 0..n-1
/// and return pool ids through this. Positions are not checked (they come from the strategy).
/// O(positions).
[[nodiscard]] inline std::vector<Eigen::Index> to_item_ids(
    const std::vector<Eigen::Index>& positions, std::span<const Eigen::Index> candidates) {
  std::vector<Eigen::Index> ids;
  ids.reserve(positions.size());
  for (const Eigen::Index p : positions) ids.push_back(candidates[static_cast<std::size_t>(p)]);
  return ids;
}

}  // namespace query
LABELKIT_END_NAMESPACE
