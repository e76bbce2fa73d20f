#pragma once
/// @file
/// The scores behind a strategy's picks, for a task queue's priorities: `scored_query` runs a
/// strategy and returns its picks with one score each (`QueryResult`), and `item_scores` gives
/// the per-item score of every candidate, for re-prioritising items already in a queue. Both
/// read the context's shared round (`context.round`), so the scores cost no prediction beyond
/// the one the picks need.
///
///     const auto result = labelkit::query::scored_query(labelkit::query::entropy_sampling,
///                                                       context, 10);
///     queue.update_priorities(result.items, result.scores);
///
/// What the score of a pick is, per strategy (higher = more informative in every case):
/// - uncertainty sampling (least confidence, margin, ratio, entropy): that uncertainty score;
/// - committee strategies (vote entropy, consensus entropy, KL disagreement, BALD, variation
///   ratio, mean standard deviation): that disagreement score;
/// - information density: uncertainty times density; expected gradient length: the expected
///   gradient norm; weighted sums: the weighted sum of normalised scores;
/// - random sampling: the item's uniform draw in [0, 1) (the draw it was picked by);
/// - a strategy with a member `scored(context, k)` (e.g. `AnyStrategy`): what that returns;
/// - a strategy with a member `item_scores(context)` (one score per `context.unlabeled` entry):
///   those scores at the picks (the picks still come from `strategy(context, k)`);
/// - every other strategy (core-set, BADGE, k-means and cluster strategies, ranked batch,
///   uncertain-then-diverse, expected error reduction, and plain callables): the rank priority
///   (m - r) / m of the r-th of m picks (`rank_priorities`). These strategies pick a batch
///   jointly, so no per-item score stands behind a pick; the rank keeps their order in a queue.

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/expected_model_change.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// How a built-in strategy scores each candidate of a round and picks from those scores. The
/// primary template is "no per-item score"; each specialisation reproduces its strategy's own
/// selection exactly (the tests compare the picks with the strategy's).
template <class S, class M, class X>
struct BuiltinScores {
  static constexpr bool available = false;
};

/// Runs `body(round)` on the context's shared round, or on a fresh one when it has none.
template <class M, class X, class Body>
auto on_round(const query::QueryContext<M, X>& context, Body&& body) {
  if (context.round != nullptr) return body(*context.round);
  query::PoolRound<M, X> round(context);
  return body(round);
}

template <class Score, class M, class X>
struct BuiltinScores<query::ScoreSampling<Score>, M, X> {
  static constexpr bool available = true;
  static Eigen::VectorXd scores(const query::ScoreSampling<Score>& s,
                                const query::QueryContext<M, X>& context) {
    return on_round(context, [&](query::PoolRound<M, X>& round) -> Eigen::VectorXd {
      return s.score(round.probabilities()).template cast<double>();
    });
  }
  static std::vector<Eigen::Index> pick(const query::ScoreSampling<Score>& s,
                                        const Eigen::VectorXd& scores, Eigen::Index k,
                                        std::uint64_t seed) {
    return query::top_k(scores, k, s.tie_break, seed);
  }
};

template <class Score, class M, class X>
struct BuiltinScores<query::CommitteeSampling<Score>, M, X> {
  static constexpr bool available = CommitteeModel<M, X>;
  static Eigen::VectorXd scores(const query::CommitteeSampling<Score>& s,
                                const query::QueryContext<M, X>& context) {
    const auto candidates = select_rows(context.features, context.unlabeled);
    return s.score(context.model.predict_proba_members(candidates)).template cast<double>();
  }
  static std::vector<Eigen::Index> pick(const query::CommitteeSampling<Score>&,
                                        const Eigen::VectorXd& scores, Eigen::Index k,
                                        std::uint64_t) {
    return query::top_k(scores, k);
  }
};

template <class Score, class M, class X>
struct BuiltinScores<query::InformationDensitySampling<Score>, M, X> {
  static constexpr bool available = has_strategy_embeddings<M, X>;
  static Eigen::VectorXd scores(const query::InformationDensitySampling<Score>& s,
                                const query::QueryContext<M, X>& context) {
    return on_round(context, [&](query::PoolRound<M, X>& round) -> Eigen::VectorXd {
      const auto uncertainty = s.score(round.probabilities());
      query::DensityOptions seeded = s.options;
      seeded.seed = s.options.seed ^ context.seed;
      return query::information_density(uncertainty, round.embeddings(), seeded)
          .template cast<double>();
    });
  }
  static std::vector<Eigen::Index> pick(const query::InformationDensitySampling<Score>&,
                                        const Eigen::VectorXd& scores, Eigen::Index k,
                                        std::uint64_t) {
    return query::top_k(scores, k);
  }
};

template <class M, class X>
struct BuiltinScores<query::ExpectedGradientLengthSampling, M, X> {
  static constexpr bool available = has_strategy_embeddings<M, X>;
  static Eigen::VectorXd scores(const query::ExpectedGradientLengthSampling&,
                                const query::QueryContext<M, X>& context) {
    return on_round(context, [&](query::PoolRound<M, X>& round) -> Eigen::VectorXd {
      return query::expected_gradient_length(round.probabilities(), round.embeddings())
          .template cast<double>();
    });
  }
  static std::vector<Eigen::Index> pick(const query::ExpectedGradientLengthSampling&,
                                        const Eigen::VectorXd& scores, Eigen::Index k,
                                        std::uint64_t) {
    return query::top_k(scores, k);
  }
};

template <class... Scorers, class M, class X>
struct BuiltinScores<query::WeightedSumSampling<Scorers...>, M, X> {
  static constexpr bool available = true;
  static Eigen::VectorXd scores(const query::WeightedSumSampling<Scorers...>& s,
                                const query::QueryContext<M, X>& context) {
    return on_round(context, [&](query::PoolRound<M, X>& round) -> Eigen::VectorXd {
      std::vector<Eigen::VectorXd> parts;
      parts.reserve(sizeof...(Scorers));
      std::apply(
          [&](const auto&... scorer) {
            (parts.push_back(score_round(scorer, context, round)), ...);
          },
          s.scorers);
      return query::weighted_score_sum(parts, std::span<const double>(s.weights), s.normalization)
          .template cast<double>();
    });
  }
  static std::vector<Eigen::Index> pick(const query::WeightedSumSampling<Scorers...>&,
                                        const Eigen::VectorXd& scores, Eigen::Index k,
                                        std::uint64_t) {
    return query::top_k(scores, k);
  }
};

template <class M, class X>
struct BuiltinScores<query::RandomSampling, M, X> {
  static constexpr bool available = true;
  static Eigen::VectorXd scores(const query::RandomSampling&,
                                const query::QueryContext<M, X>& context) {
    return query::random_scores(static_cast<Eigen::Index>(context.unlabeled.size()), context.seed);
  }
  static std::vector<Eigen::Index> pick(const query::RandomSampling&, const Eigen::VectorXd& scores,
                                        Eigen::Index k, std::uint64_t) {
    return query::top_k(scores, k);
  }
};

/// The strategy type as `BuiltinScores` sees it (cv and references removed).
template <class S, class M, class X>
using builtin_scores_of = BuiltinScores<std::remove_cvref_t<S>, M, X>;

/// `strategy.item_scores(context)` exists and returns an Eigen vector or an optional one.
template <class S, class M, class X>
concept HasMemberItemScores = requires(S& strategy, const query::QueryContext<M, X>& context) {
  strategy.item_scores(context);
};

/// Converts a member `item_scores` result (an Eigen vector, or an optional of one) to an
/// optional vector of doubles.
template <class Result>
std::optional<Eigen::VectorXd> as_optional_scores(Result&& result) {
  if constexpr (requires { result.has_value(); }) {
    if (!result.has_value()) return std::nullopt;
    return Eigen::VectorXd(result->template cast<double>());
  } else {
    return Eigen::VectorXd(result.template cast<double>());
  }
}

/// Throws unless `scores` has one entry per candidate.
inline void check_item_score_count(Eigen::Index got, std::size_t candidates,
                                   std::string_view function) {
  if (got != static_cast<Eigen::Index>(candidates)) {
    fail<dimension_mismatch>(function, "the strategy's item_scores returned ", got, " scores for ",
                             candidates, " candidates");
  }
}

}  // namespace detail
namespace query {

/// Whether strategy S has a per-item score for model M over features X: a built-in strategy
/// listed in this file's comment, or any type with a member `item_scores(context)`.
template <class S, class M, class X>
concept ItemScoreStrategy = detail::builtin_scores_of<S, M, X>::available ||
    detail::HasMemberItemScores<std::remove_cvref_t<S>, M, X>;

/// One score per candidate of `context` (entry i belongs to `context.unlabeled[i]`, higher =
/// more informative), from the context's shared round when it has one; std::nullopt for a
/// strategy without a per-item score (see the file comment). Costs the strategy's scoring: no
/// prediction beyond the round's (committee strategies predict their members once).
/// @throws labelkit::dimension_mismatch if a member `item_scores` returns the wrong length;
///         whatever the scoring throws.
template <class S, class M, class X>
[[nodiscard]] std::optional<Eigen::VectorXd> item_scores(S& strategy,
                                                         const QueryContext<M, X>& context) {
  using Builtin = detail::builtin_scores_of<S, M, X>;
  if (context.unlabeled.empty()) {
    if constexpr (ItemScoreStrategy<S, M, X>) return Eigen::VectorXd(0);
    return std::nullopt;
  }
  if constexpr (detail::HasMemberItemScores<S, M, X>) {
    auto scores = detail::as_optional_scores(strategy.item_scores(context));
    if (scores)
      detail::check_item_score_count(scores->size(), context.unlabeled.size(), "item_scores");
    return scores;
  } else if constexpr (Builtin::available) {
    return Builtin::scores(strategy, context);
  } else {
    return std::nullopt;
  }
}

/// Runs `strategy` on `context` and returns its picks (the same items as `strategy(context, k)`,
/// in the same order) with the score behind each (see the file comment for what the score is
/// per strategy). For built-in per-item strategies the scores are computed once and the picks
/// taken from them, as the strategy itself does; for the others the strategy runs and the
/// scores are looked up or ranked. O(the strategy's cost + k).
/// @throws labelkit::invalid_argument if k < 0; labelkit::dimension_mismatch if a member
///         `scored` returns items and scores of different lengths, or a member `item_scores`
///         the wrong length; labelkit::invalid_argument if a member `item_scores` strategy
///         returns an id that is not a candidate; whatever the strategy throws.
template <class S, class M, class X>
[[nodiscard]] QueryResult scored_query(S& strategy, const QueryContext<M, X>& context,
                                       Eigen::Index k) {
  labelkit::detail::check_k(k, "scored_query");
  using Builtin = detail::builtin_scores_of<S, M, X>;
  QueryResult result;
  if constexpr (requires {
                  { strategy.scored(context, k) } -> std::convertible_to<QueryResult>;
                }) {
    result = strategy.scored(context, k);
    if (result.items.size() != result.scores.size()) {
      labelkit::detail::fail<dimension_mismatch>(
          "scored_query", "the strategy's scored() returned ", result.items.size(), " items but ",
          result.scores.size(), " scores");
    }
  } else if constexpr (Builtin::available && !detail::HasMemberItemScores<S, M, X>) {
    if (context.unlabeled.empty() || k == 0) return result;
    const Eigen::VectorXd scores = Builtin::scores(strategy, context);
    const std::vector<Eigen::Index> positions = Builtin::pick(strategy, scores, k, context.seed);
    result.items = to_item_ids(positions, context.unlabeled);
    result.scores.reserve(positions.size());
    for (const Eigen::Index p : positions) result.scores.push_back(scores(p));
  } else {
    std::vector<Eigen::Index> picked = strategy(context, k);
    if constexpr (detail::HasMemberItemScores<S, M, X>) {
      if (const auto scores = item_scores(strategy, context)) {
        const auto positions =
            labelkit::detail::positions_of(context.unlabeled, picked, "scored_query");
        result.scores.reserve(positions.size());
        for (const Eigen::Index p : positions) result.scores.push_back((*scores)(p));
        result.items = std::move(picked);
        return result;
      }
    }
    result.scores = rank_priorities(picked.size());
    result.items = std::move(picked);
  }
  return result;
}

}  // namespace query
LABELKIT_END_NAMESPACE
