#pragma once
/// @file
/// Strategy values for uncertainty sampling, ready for `ActiveLearner`. (The random baseline,
/// `random_sampling`, lives in random.hpp, which this header includes.)

#include <Eigen/Core>
#include <cstddef>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Scores every unlabeled item with `score(model.predict_proba(unlabeled rows))` and returns the
/// k highest (ties to the lower item id, or, with `tie_break = TieBreak::random`, in a random
/// order drawn from the round's seed, as modAL's `random_tie_break=True`). `Score` maps an n x C
/// probability matrix to n scores, higher = ask first, e.g. one of the functions in
/// uncertainty.hpp. O(n*C) plus the model's prediction cost.
template <class Score>
struct ScoreSampling {
  Score score;  ///< Maps an n x C probability matrix to n scores, higher = ask first.
  TieBreak tie_break = TieBreak::lower_index;  ///< How equal scores are ordered.

  /// Scores `context.unlabeled` and returns the k best item ids.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(context, k, "ScoreSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
      return top_k(score(round.probabilities()), k, tie_break, context.seed);
    });
  }
};

}  // namespace query
namespace detail {
struct LeastConfidenceScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const {
    return query::least_confidence(p);
  }
};
struct MarginScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const {
    return query::margin(p);
  }
};
struct RatioScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const {
    return query::ratio(p);
  }
};
struct EntropyScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p) const {
    return query::entropy(p);
  }
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

}  // namespace query
LABELKIT_END_NAMESPACE
