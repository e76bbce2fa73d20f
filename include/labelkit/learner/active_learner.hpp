#pragma once
/// @file
/// `ActiveLearner`: a model, a query strategy and a label pool composed into the
/// query -> label -> teach loop (as modAL's ActiveLearner, for any `labelkit::Model`).

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/label_pool.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Whether `ActiveLearner::teach` refits the model right away.
enum class Refit {
  yes,  ///< Refit on all labeled items after recording the new labels (the default).
  no,   ///< Only record the labels; call `refit()` later (e.g. after several teach calls).
};

/// The active-learning loop around a model M over features X (rows are items), choosing items
/// with strategy S.
///
///     labelkit::ActiveLearner learner(labelkit::models::LogisticRegression(1.0), features,
///                                     labelkit::query::entropy_sampling, /*seed=*/7);
///     learner.teach(seed_items, seed_labels);
///     while (budget_left) {
///       const auto ask = learner.query(10);          // item ids, most wanted first
///       learner.teach(ask, oracle_labels_for(ask));  // records labels, refits
///     }
///
/// Item ids are row indices of `features`. The model is refit on all labeled items, in the order
/// they were labeled, so runs are reproducible. The strategy is any value callable as
/// `strategy(QueryContext<M, X>, k)`: one of labelkit::query's strategies or a lambda.
template <class M, class X, class S>
requires Model<M, X> && query::QueryStrategy<S, M, X>
class ActiveLearner {
 public:
  /// Takes the model, the pool's features and the strategy by value (move large features in).
  /// `seed` drives every random choice the strategy makes; round r uses a seed derived from it.
  ActiveLearner(M model, X features, S strategy, std::uint64_t seed = 0)
      : model_(std::move(model)),
        features_(std::move(features)),
        strategy_(std::move(strategy)),
        pool_(row_count(features_)),
        seeds_(seed) {
    if (pool_.size() == 0) {
      detail::fail("ActiveLearner", "'features' has no rows (expected at least one item)");
    }
  }

  /// Records labels for `items` (relabelling any that already have one) and, by default, refits
  /// the model on every labeled item. O(items) plus the model's fit.
  /// @throws labelkit::dimension_mismatch if the spans differ in length;
  ///         labelkit::invalid_argument if an item is out of range, repeated in the call, or a
  ///         label is negative or >= labelkit::max_classes (naming its position). Nothing is
  ///         recorded when it throws.
  void teach(std::span<const Eigen::Index> items, std::span<const int> labels,
             Refit refit_now = Refit::yes) {
    if (items.size() != labels.size()) {
      detail::fail<dimension_mismatch>("ActiveLearner::teach", "'items' has ", items.size(),
                                       " entries but 'labels' has ", labels.size());
    }
    std::vector<char> seen(static_cast<std::size_t>(pool_.size()), 0);
    for (std::size_t r = 0; r < items.size(); ++r) {
      detail::check_index(items[r], pool_.size(), "ActiveLearner::teach", "items", r);
      if (labels[r] < 0) {
        detail::fail("ActiveLearner::teach", "'labels' entry ", r, " is negative (got ", labels[r],
                     ")");
      }
      if (labels[r] >= max_classes) {
        detail::fail("ActiveLearner::teach", "'labels' entry ", r, " is out of range (got ",
                     labels[r], ", expected label < labelkit::max_classes = ", max_classes, ")");
      }
      char& flag = seen[static_cast<std::size_t>(items[r])];
      if (flag != 0) {
        detail::fail("ActiveLearner::teach", "'items' entry ", r, " repeats item ", items[r]);
      }
      flag = 1;
    }
    for (std::size_t r = 0; r < items.size(); ++r) pool_.set_label(items[r], labels[r]);
    round_.reset();  // the unlabeled set changed
    if (refit_now == Refit::yes) refit();
  }

  /// Convenience overload for braced lists and vectors.
  void teach(const std::vector<Eigen::Index>& items, const std::vector<int>& labels,
             Refit refit_now = Refit::yes) {
    teach(std::span<const Eigen::Index>(items), std::span<const int>(labels), refit_now);
  }

  /// Fits the model on every labeled item, in labeling order.
  /// @throws labelkit::state_error if nothing is labeled yet.
  void refit() {
    if (pool_.labeled_count() == 0) {
      detail::fail<state_error>("ActiveLearner::refit",
                                "no item is labeled yet (call teach first)");
    }
    const std::vector<Eigen::Index> labeled = pool_.labeled();
    round_.reset();
    model_.fit(select_rows(features_, labeled), pool_.labeled_labels());
    fitted_ = true;
  }

  /// The next k items to label, most wanted first, as the strategy ranks the unlabeled items.
  /// Returns fewer than k when fewer are unlabeled. Deterministic given the learner's seed and
  /// the history of calls.
  /// @throws labelkit::invalid_argument if k < 0; labelkit::state_error if the model has not
  ///         been fitted (teach at least one item first); labelkit::error if the strategy returns
  ///         an id that is out of range, already labeled or repeated, or more than k ids.
  [[nodiscard]] std::vector<Eigen::Index> query(Eigen::Index k) {
    detail::check_k(k, "ActiveLearner::query");
    if (!fitted_) {
      detail::fail<state_error>("ActiveLearner::query",
                                "the model is not fitted (teach at least one labeled item first; "
                                "for a cold start, query with labelkit::query::random_sampling)");
    }
    query::PoolRound<M, X>& shared = round();
    const std::vector<int> labels = pool_.labeled_labels();
    const query::QueryContext<M, X> context{
        model_, features_, shared.unlabeled(), shared.labeled(), seeds_(), labels, &shared};
    std::vector<Eigen::Index> picked = strategy_(context, k);
    check_strategy_result(picked, k);
    return picked;
  }

  /// The current round: the unlabeled items' rows, predicted probabilities and embeddings,
  /// each computed once on first use and shared by the strategy (`query`) and by stopping rules
  /// (labelkit/learner/stopping.hpp) until the next `teach` or `refit`. If you change the model
  /// through `model()` yourself, call `refit()` (or `teach`) before using the round again.
  /// @throws labelkit::state_error if the model has not been fitted.
  [[nodiscard]] query::PoolRound<M, X>& round() {
    if (!fitted_) {
      detail::fail<state_error>("ActiveLearner::round",
                                "the model is not fitted (teach at least one labeled item first)");
    }
    if (!round_ || !round_->reads(model_, features_)) {  // none yet, or the learner was moved
      round_unlabeled_ = pool_.unlabeled();
      round_labeled_ = pool_.labeled();
      round_.emplace(model_, features_, round_unlabeled_, round_labeled_);
    }
    return *round_;
  }

  /// The model, fitted on the labeled items once `teach` or `refit` has run.
  [[nodiscard]] M& model() noexcept { return model_; }
  /// The model (read-only view).
  [[nodiscard]] const M& model() const noexcept { return model_; }
  /// Features of the whole pool (rows are items).
  [[nodiscard]] const X& features() const noexcept { return features_; }
  /// Which items are labeled, and with what.
  [[nodiscard]] const LabelPool& pool() const noexcept { return pool_; }
  /// The strategy value.
  [[nodiscard]] S& strategy() noexcept { return strategy_; }
  /// Whether the model has been fitted.
  [[nodiscard]] bool fitted() const noexcept { return fitted_; }

 private:
  void check_strategy_result(const std::vector<Eigen::Index>& picked, Eigen::Index k) const {
    if (static_cast<Eigen::Index>(picked.size()) > k) {
      detail::fail("ActiveLearner::query", "the strategy returned ", picked.size(),
                   " items but k = ", k);
    }
    std::vector<char> seen(static_cast<std::size_t>(pool_.size()), 0);
    for (std::size_t r = 0; r < picked.size(); ++r) {
      const Eigen::Index id = picked[r];
      if (id < 0 || id >= pool_.size()) {
        detail::fail("ActiveLearner::query", "the strategy returned item ", id, " at position ", r,
                     ", outside the pool of ", pool_.size());
      }
      if (pool_.is_labeled(id)) {
        detail::fail("ActiveLearner::query", "the strategy returned item ", id, " at position ", r,
                     ", which is already labeled");
      }
      char& flag = seen[static_cast<std::size_t>(id)];
      if (flag != 0) {
        detail::fail("ActiveLearner::query", "the strategy returned item ", id, " twice");
      }
      flag = 1;
    }
  }

  M model_;
  X features_;
  S strategy_;
  LabelPool pool_;
  Random seeds_;
  bool fitted_ = false;
  std::optional<query::PoolRound<M, X>> round_;
  std::vector<Eigen::Index> round_unlabeled_;  ///< the ids `round_` refers to
  std::vector<Eigen::Index> round_labeled_;
};

LABELKIT_END_NAMESPACE
