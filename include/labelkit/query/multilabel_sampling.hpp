#pragma once
/// @file
/// Strategy values for multi-label active learning (modAL's `modAL.multilabel` strategies) on a
/// `labelkit::MultiLabelModel`: each scores the unlabeled items with one of the scores in
/// multilabel.hpp and returns the k highest, ties to the lower item id (or, as an option, in a
/// random order drawn from the round's seed). They follow the pool-round skeleton
/// (`run_pool_round`), so a shared round's `predict_proba` is reused.
///
///     labelkit::query::QueryContext<Model, Eigen::MatrixXd> context{model, x, unlabeled, labeled,
///                                                                   seed};
///     const auto ids = labelkit::query::max_loss_sampling(context, 10);
///
/// modAL selects with `np.argpartition` (the k best in no particular order, ties in no fixed
/// order); labelkit returns them best first and deterministic. modAL's `SVM_binary_minimum`
/// returns one item whatever is asked; `svm_binary_minimum_sampling` returns k.

#include <Eigen/Core>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/multilabel_model.hpp"
#include "labelkit/query/multilabel.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Scores every unlabeled item with `score(model.predict_proba(unlabeled rows), options)` and
/// returns the k highest, ties to the lower item id (or, with `tie_break = TieBreak::random`, in
/// a random order drawn from the round's seed, as modAL's `random_tie_break=True`). `Score` maps
/// an n x L matrix of per-label probabilities and the options to n scores, higher = ask first.
/// O(n L) plus the model's prediction cost.
template <class Score>
struct MultiLabelSampling {
  Score score;                                 ///< n x L probabilities -> n scores.
  MultiLabelOptions options{};                 ///< Threshold and mean-max-loss form.
  TieBreak tie_break = TieBreak::lower_index;  ///< How equal scores are ordered.

  /// Scores `context.unlabeled` and returns the k best item ids, best first.
  /// @throws labelkit::invalid_argument if k < 0, or as the score (probabilities outside
  ///         [0, 1], NaN, threshold outside [0, 1]).
  template <class M, class X>
  requires MultiLabelModel<M, X>
  [[nodiscard]] std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context,
                                                     Eigen::Index k) const {
    return run_pool_round(
        context, k, "MultiLabelSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          return top_k(score(round.probabilities(), options), k, tie_break, context.seed);
        });
  }

  /// The score of every `context.unlabeled` entry, in that order (for a queue's priorities,
  /// `labelkit::query::item_scores`).
  /// @throws labelkit::invalid_argument as `operator()`.
  template <class M, class X>
  requires MultiLabelModel<M, X>
  [[nodiscard]] Eigen::VectorXd item_scores(const QueryContext<M, X>& context) const {
    if (context.unlabeled.empty()) return Eigen::VectorXd(0);
    if (context.round != nullptr) {
      return score(context.round->probabilities(), options).template cast<double>();
    }
    PoolRound<M, X> round(context);
    return score(round.probabilities(), options).template cast<double>();
  }
};

/// SVM binary minimisation as a strategy: `svm_binary_minimum(model.decision_function(rows))`
/// over the unlabeled items, the k highest (the smallest min_l |f(i, l)|) first. The decision
/// values are computed on each call (the round caches probabilities, not decision values).
/// O(n L) plus the model's decision-function cost.
struct SvmBinaryMinimumSampling {
  TieBreak tie_break = TieBreak::lower_index;  ///< How equal scores are ordered.

  /// Scores `context.unlabeled` and returns the k best item ids, best first.
  /// @throws labelkit::invalid_argument if k < 0, or if a decision value is not finite.
  template <class M, class X>
  requires DecisionFunctionModel<M, X>
  [[nodiscard]] std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context,
                                                     Eigen::Index k) const {
    return run_pool_round(
        context, k, "SvmBinaryMinimumSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          return top_k(svm_binary_minimum(round.model().decision_function(round.candidates())), k,
                       tie_break, context.seed);
        });
  }

  /// The score of every `context.unlabeled` entry, in that order.
  /// @throws labelkit::invalid_argument if a decision value is not finite.
  template <class M, class X>
  requires DecisionFunctionModel<M, X>
  [[nodiscard]] Eigen::VectorXd item_scores(const QueryContext<M, X>& context) const {
    if (context.unlabeled.empty()) return Eigen::VectorXd(0);
    if (context.round != nullptr) {
      return svm_binary_minimum(
                 context.round->model().decision_function(context.round->candidates()))
          .template cast<double>();
    }
    PoolRound<M, X> round(context);
    return svm_binary_minimum(round.model().decision_function(round.candidates()))
        .template cast<double>();
  }
};

}  // namespace query
namespace detail {
struct MaxLossScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions& o) const {
    return query::max_loss(p, o);
  }
};
struct MeanMaxLossScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions& o) const {
    return query::mean_max_loss(p, o);
  }
};
struct MinConfidenceScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions&) const {
    return query::min_confidence(p);
  }
};
struct AverageConfidenceScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions&) const {
    return query::average_confidence(p);
  }
};
struct MaxScoreScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions& o) const {
    return query::max_score(p, o);
  }
};
struct AverageScoreScore {
  template <class D>
  auto operator()(const Eigen::MatrixBase<D>& p, const query::MultiLabelOptions& o) const {
    return query::average_score(p, o);
  }
};
}  // namespace detail
namespace query {

/// SVM binary minimisation sampling (Brinker 2006): smallest min_l |decision value| first.
inline constexpr SvmBinaryMinimumSampling svm_binary_minimum_sampling{};
/// Max loss sampling (Li et al. 2004, modAL's `max_loss`): most disagreements first.
inline constexpr MultiLabelSampling<detail::MaxLossScore> max_loss_sampling{};
/// Mean max loss sampling (Li et al. 2004, modAL's `mean_max_loss`; labelkit's mean-of-hinges
/// form unless `options.mean_max_loss_form` says `MeanMaxLossForm::modal`).
inline constexpr MultiLabelSampling<detail::MeanMaxLossScore> mean_max_loss_sampling{};
/// Min confidence sampling (Esuli & Sebastiani 2009, modAL's `min_confidence`): smallest
/// min_l P(i, l) first.
inline constexpr MultiLabelSampling<detail::MinConfidenceScore> min_confidence_sampling{};
/// Average confidence sampling (Esuli & Sebastiani 2009, modAL's `avg_confidence`): highest mean
/// probability first.
inline constexpr MultiLabelSampling<detail::AverageConfidenceScore> average_confidence_sampling{};
/// Max score sampling (Esuli & Sebastiani 2009, modAL's `max_score`).
inline constexpr MultiLabelSampling<detail::MaxScoreScore> max_score_sampling{};
/// Average score sampling (Esuli & Sebastiani 2009, modAL's `avg_score`).
inline constexpr MultiLabelSampling<detail::AverageScoreScore> average_score_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
