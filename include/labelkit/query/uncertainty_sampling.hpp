#pragma once
/// @file
/// Strategy values for uncertainty sampling and the random baseline, ready for `ActiveLearner`.

#include <Eigen/Core>
#include <cstddef>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Maps positions in a candidate list back to pool item ids.
[[nodiscard]] inline std::vector<Eigen::Index> to_item_ids(
    const std::vector<Eigen::Index>& positions, std::span<const Eigen::Index> candidates) {
  std::vector<Eigen::Index> ids;
  ids.reserve(positions.size());
  for (const Eigen::Index p : positions) ids.push_back(candidates[static_cast<std::size_t>(p)]);
  return ids;
}

/// Scores every unlabeled item with `score(model.predict_proba(unlabeled rows))` and returns the
/// k highest (ties to the lower item id). `Score` maps an n x C probability matrix to n scores,
/// higher = ask first, e.g. one of the functions in uncertainty.hpp. O(n*C) plus the model's
/// prediction cost.
template <class Score>
struct ScoreSampling {
  Score score;  ///< Maps an n x C probability matrix to n scores, higher = ask first.

  /// Scores `context.unlabeled` and returns the k best item ids.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    labelkit::detail::check_k(k, "ScoreSampling");
    if (context.unlabeled.empty() || k == 0) return {};
    const auto candidates = select_rows(context.features, context.unlabeled);
    const auto probabilities = context.model.predict_proba(candidates);
    return to_item_ids(top_k(score(probabilities), k), context.unlabeled);
  }
};

}  // namespace query
namespace detail {
struct LeastConfidenceScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const { return query::least_confidence(p); }
};
struct MarginScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const { return query::margin(p); }
};
struct RatioScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const { return query::ratio(p); }
};
struct EntropyScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const { return query::entropy(p); }
};
}  // namespace detail
namespace query {

/// Least-confidence sampling (1 - max probability).
inline constexpr ScoreSampling<detail::LeastConfidenceScore> least_confidence_sampling{};
/// Margin sampling (smallest gap between the two most probable classes first).
inline constexpr ScoreSampling<detail::MarginScore> margin_sampling{};
/// Ratio sampling (runner-up over winner).
inline constexpr ScoreSampling<detail::RatioScore> ratio_sampling{};
/// Entropy sampling (highest predictive entropy first).
inline constexpr ScoreSampling<detail::EntropyScore> entropy_sampling{};

/// Uniform random sampling from the round's seed: the baseline. Ignores the model.
struct RandomSampling {
  /// k item ids drawn uniformly from `context.unlabeled` with `context.seed`.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    labelkit::detail::check_k(k, "RandomSampling");
    const auto n = static_cast<Eigen::Index>(context.unlabeled.size());
    return to_item_ids(top_k(random_scores(n, context.seed), k), context.unlabeled);
  }
};

/// The random baseline as a value.
inline constexpr RandomSampling random_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
