#pragma once
/// @file
/// What a query strategy is: a value (function object or lambda) that, given a fitted model and
/// the pool, returns the items to label next. `ActiveLearner` calls it; custom loops can too.

#include <Eigen/Core>
#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

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
};

/// A strategy is callable as `strategy(context, k)` and returns at most k distinct ids taken
/// from `context.unlabeled`, most wanted first.
template <class S, class M, class X>
concept QueryStrategy = requires(S& strategy, const QueryContext<M, X>& context, Eigen::Index k) {
  { strategy(context, k) } -> std::convertible_to<std::vector<Eigen::Index>>;
};

}  // namespace query
LABELKIT_END_NAMESPACE
