#pragma once
/// @file
/// `ActiveLearner`: a model, a query strategy and a label pool composed into the
/// query -> label -> teach loop (as modAL's ActiveLearner, for any `labelkit::Model`), and into
/// a task queue's asynchronous loop: picks with their scores as queue priorities, items sent to
/// annotators kept out of later picks until they are labeled, and a strategy chosen at run time.

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
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
#include "labelkit/query/any_strategy.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/scored.hpp"
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
/// `strategy(QueryContext<M, X>, k)`: one of labelkit::query's strategies or a lambda; with
/// `query::AnyStrategy<M, X>` (e.g. `query::make_strategy<M, X>("entropy")`) it is chosen at run
/// time, and every query also takes a strategy (or a built-in's name) for that call only.
///
/// With a task queue, where items are labeled asynchronously:
///
///     const auto batch = learner.dispatch(20);   // picks + scores; the picks become pending
///     queue.add_tasks(batch.items, label_set, batch.scores);  // the scores as priorities
///     const auto open = learner.pending();        // refresh what is still out, same round
///     queue.update_priorities(open, learner.scores_of(open));
///     // ... annotators answer; some tasks are skipped or expire ...
///     learner.teach(done_items, done_labels);    // labeled: no longer pending
///     learner.release(expired_items);            // back among the candidates
///
/// Pending items (sent to annotators, not yet labeled) are never picked again until `teach`
/// labels them or `release` hands them back. `mark_pending` records items sent by other means
/// (e.g. the queue's open tasks when a process restarts). Every query, stopping rule
/// (labelkit/learner/stopping.hpp) and score (`scores_of`) between two fits reads one shared
/// `round()`: one `predict_proba` of the unlabeled items per fit, pending ones included.
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
        pending_(static_cast<std::size_t>(pool_.size()), 0),
        seeds_(seed) {
    if (pool_.size() == 0) {
      detail::fail("ActiveLearner", "'features' has no rows (expected at least one item)");
    }
  }

  /// Records labels for `items` (relabelling any that already have one; pending items stop being
  /// pending) and, by default, refits the model on every labeled item. O(items) plus the model's
  /// fit.
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
    set_pending(items, false);  // labeled: no longer pending
    round_.reset();             // the unlabeled set changed
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

  /// The next k items to label, most wanted first, as the strategy ranks the candidates (the
  /// unlabeled items that are not pending). Returns fewer than k when fewer are candidates.
  /// Deterministic given the learner's seed and the history of calls (each query draws one
  /// seed). Does not mark the picks pending (`dispatch` does).
  /// @throws labelkit::invalid_argument if k < 0; labelkit::state_error if the model has not
  ///         been fitted (teach at least one item first); labelkit::error if the strategy returns
  ///         an id that is out of range, already labeled, pending or repeated, or more than k ids.
  [[nodiscard]] std::vector<Eigen::Index> query(Eigen::Index k) { return query(k, strategy_); }

  /// As `query(k)`, with `strategy` for this call only (any `query::QueryStrategy`, e.g.
  /// `query::core_set_sampling` or a `query::AnyStrategy<M, X>`). Draws the round's seed from
  /// the learner as `query(k)` does, so the same history gives the same picks as a learner
  /// built with that strategy.
  template <class Strategy>
  requires query::QueryStrategy<std::remove_cvref_t<Strategy>, M, X>
  [[nodiscard]] std::vector<Eigen::Index> query(Eigen::Index k, Strategy&& strategy) {
    return in_round("ActiveLearner::query", k, [&](const query::QueryContext<M, X>& context) {
      std::vector<Eigen::Index> picked = strategy(context, k);
      check_strategy_result(picked, k);
      return picked;
    });
  }

  /// As `query(k)`, with the built-in strategy called `name` for this call only
  /// (`query::make_strategy<M, X>(name)`; the names are `query::strategy_names`).
  /// @throws labelkit::invalid_argument for an unknown name or one the model cannot serve.
  [[nodiscard]] std::vector<Eigen::Index> query(Eigen::Index k, std::string_view name) {
    auto strategy = query::make_strategy<M, X>(name);
    return query(k, strategy);
  }

  /// The next k items with the score behind each pick (`query::QueryResult`, scores aligned
  /// with items, higher = more informative; labelkit/query/scored.hpp says what the score is for
  /// each strategy: its own per-item score, else the rank priority). The items are those
  /// `query(k)` returns; the scores come from the same round (no extra prediction). Does not
  /// mark the picks pending (`dispatch` does).
  /// @throws as `query(k)`.
  [[nodiscard]] query::QueryResult query_scored(Eigen::Index k) {
    return query_scored(k, strategy_);
  }

  /// As `query_scored(k)`, with `strategy` for this call only.
  template <class Strategy>
  requires query::QueryStrategy<std::remove_cvref_t<Strategy>, M, X>
  [[nodiscard]] query::QueryResult query_scored(Eigen::Index k, Strategy&& strategy) {
    return in_round("ActiveLearner::query_scored", k,
                    [&](const query::QueryContext<M, X>& context) {
                      query::QueryResult result = query::scored_query(strategy, context, k);
                      check_strategy_result(result.items, k);
                      return result;
                    });
  }

  /// As `query_scored(k)`, with the built-in strategy called `name` for this call only.
  /// @throws labelkit::invalid_argument for an unknown name or one the model cannot serve.
  [[nodiscard]] query::QueryResult query_scored(Eigen::Index k, std::string_view name) {
    auto strategy = query::make_strategy<M, X>(name);
    return query_scored(k, strategy);
  }

  /// The next k items to send to annotators: `query_scored(k)`, then `mark_pending` of the
  /// picks, so that later queries never pick them again until `teach` labels them or `release`
  /// hands them back. The call for a task queue: add the items as tasks and use the scores as
  /// their priorities.
  /// @throws as `query(k)`; nothing is marked when it throws.
  [[nodiscard]] query::QueryResult dispatch(Eigen::Index k) { return dispatch(k, strategy_); }

  /// As `dispatch(k)`, with `strategy` for this call only.
  template <class Strategy>
  requires query::QueryStrategy<std::remove_cvref_t<Strategy>, M, X>
  [[nodiscard]] query::QueryResult dispatch(Eigen::Index k, Strategy&& strategy) {
    query::QueryResult result = query_scored(k, std::forward<Strategy>(strategy));
    set_pending(result.items, true);
    return result;
  }

  /// As `dispatch(k)`, with the built-in strategy called `name` for this call only.
  /// @throws labelkit::invalid_argument for an unknown name or one the model cannot serve.
  [[nodiscard]] query::QueryResult dispatch(Eigen::Index k, std::string_view name) {
    auto strategy = query::make_strategy<M, X>(name);
    return dispatch(k, strategy);
  }

  /// Records that `items` were sent to annotators and are not yet labeled: later queries leave
  /// them out until `teach` labels them or `release` hands them back. Items already pending stay
  /// pending; labeled items are left as they are (they are never candidates). Use it for items
  /// sent without `dispatch`, e.g. the open tasks of a queue when a process restarts. O(items).
  /// @throws labelkit::invalid_argument if an item is out of range (naming its position); nothing
  ///         is marked when it throws.
  void mark_pending(std::span<const Eigen::Index> items) {
    for (std::size_t r = 0; r < items.size(); ++r) {
      detail::check_index(items[r], pool_.size(), "ActiveLearner::mark_pending", "items", r);
    }
    set_pending(items, true);
  }
  /// Convenience overload for braced lists and vectors.
  void mark_pending(const std::vector<Eigen::Index>& items) {
    mark_pending(std::span<const Eigen::Index>(items));
  }

  /// Hands pending `items` back (their tasks were skipped or expired): later queries may pick
  /// them again. Items that are not pending are left as they are. O(items).
  /// @throws labelkit::invalid_argument if an item is out of range (naming its position); nothing
  ///         is released when it throws.
  void release(std::span<const Eigen::Index> items) {
    for (std::size_t r = 0; r < items.size(); ++r) {
      detail::check_index(items[r], pool_.size(), "ActiveLearner::release", "items", r);
    }
    set_pending(items, false);
  }
  /// Convenience overload for braced lists and vectors.
  void release(const std::vector<Eigen::Index>& items) {
    release(std::span<const Eigen::Index>(items));
  }

  /// Whether `item` is pending (sent to annotators and not yet labeled). O(1).
  /// @throws labelkit::invalid_argument if the item is out of range.
  [[nodiscard]] bool is_pending(Eigen::Index item) const {
    detail::check_index(item, pool_.size(), "ActiveLearner::is_pending", "item", 0);
    return pending_[static_cast<std::size_t>(item)] != 0;
  }
  /// Number of pending items. O(1).
  [[nodiscard]] Eigen::Index pending_count() const noexcept { return pending_count_; }
  /// The pending items, ascending. O(pool size).
  [[nodiscard]] std::vector<Eigen::Index> pending() const {
    std::vector<Eigen::Index> ids;
    ids.reserve(static_cast<std::size_t>(pending_count_));
    for (Eigen::Index i = 0; i < pool_.size(); ++i) {
      if (pending_[static_cast<std::size_t>(i)] != 0) ids.push_back(i);
    }
    return ids;
  }
  /// The items a query picks from: unlabeled and not pending, ascending. O(pool size).
  [[nodiscard]] std::vector<Eigen::Index> candidates() const {
    std::vector<Eigen::Index> ids;
    for (const Eigen::Index i : pool_.unlabeled()) {
      if (pending_[static_cast<std::size_t>(i)] == 0) ids.push_back(i);
    }
    return ids;
  }

  /// The strategy's per-item score of each of `items` (unlabeled, pending or not), aligned with
  /// `items`, from the current round (no prediction beyond the round's): the priorities to
  /// refresh in a queue after a refit, `queue.update_priorities(items, learner.scores_of(items))`.
  /// Each score is the one the strategy gives the item among all unlabeled items (for
  /// density-weighted strategies the density is over all unlabeled items). Draws no seed
  /// (seeded scores, e.g. random sampling's draws, use the seed the next query will draw).
  /// O(the strategy's scoring of the unlabeled items).
  /// @throws labelkit::state_error if the model has not been fitted, or the strategy has no
  ///         per-item score (core-set, BADGE, k-means, ranked batch, uncertain-then-diverse,
  ///         expected error reduction, callables: pass a scoring strategy to the overload);
  ///         labelkit::invalid_argument if an item is out of range, labeled or repeated.
  [[nodiscard]] std::vector<double> scores_of(std::span<const Eigen::Index> items) {
    return scores_of(items, strategy_);
  }

  /// As `scores_of(items)`, scored by `strategy` (e.g. `query::entropy_sampling`).
  template <class Strategy>
  requires query::QueryStrategy<std::remove_cvref_t<Strategy>, M, X>
  [[nodiscard]] std::vector<double> scores_of(std::span<const Eigen::Index> items,
                                              Strategy&& strategy) {
    constexpr const char* function = "ActiveLearner::scores_of";
    check_fitted(function);
    for (std::size_t r = 0; r < items.size(); ++r) {
      detail::check_index(items[r], pool_.size(), function, "items", r);
      if (pool_.is_labeled(items[r])) {
        detail::fail(function, "'items' entry ", r, " (item ", items[r], ") is already labeled");
      }
    }
    query::PoolRound<M, X>& shared = round();
    const std::vector<Eigen::Index> positions = shared.positions_of(items, function);
    const std::vector<int> labels = pool_.labeled_labels();
    Random next = seeds_;  // the seed the next query draws, without drawing it
    const query::QueryContext<M, X> context{
        model_, features_, shared.unlabeled(), shared.labeled(), next(), labels, &shared};
    const std::optional<Eigen::VectorXd> all = query::item_scores(strategy, context);
    if (!all) {
      detail::fail<state_error>(function,
                                "the strategy has no per-item score (a batch strategy or a "
                                "callable): pass a scoring strategy, e.g. "
                                "scores_of(items, labelkit::query::entropy_sampling)");
    }
    std::vector<double> scores;
    scores.reserve(positions.size());
    for (const Eigen::Index p : positions) scores.push_back((*all)(p));
    return scores;
  }
  /// Convenience overload for braced lists and vectors.
  [[nodiscard]] std::vector<double> scores_of(const std::vector<Eigen::Index>& items) {
    return scores_of(std::span<const Eigen::Index>(items));
  }

  /// The current round: the unlabeled items' rows (pending ones included), predicted
  /// probabilities and embeddings, each computed once on first use and shared by the strategy
  /// (every query: a query with pending items reads a subset of this round), by `scores_of` and
  /// by stopping rules (labelkit/learner/stopping.hpp) until the next `teach` or `refit`. If you
  /// change the model through `model()` yourself, call `refit()` (or `teach`) before using the
  /// round again.
  /// @throws labelkit::state_error if the model has not been fitted.
  [[nodiscard]] query::PoolRound<M, X>& round() {
    check_fitted("ActiveLearner::round");
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
  /// The strategy value (assignable: with `query::AnyStrategy<M, X>` as S, assign another
  /// strategy to change it for later queries).
  [[nodiscard]] S& strategy() noexcept { return strategy_; }
  /// Whether the model has been fitted.
  [[nodiscard]] bool fitted() const noexcept { return fitted_; }

 private:
  void check_fitted(const char* function) const {
    if (!fitted_) {
      detail::fail<state_error>(function,
                                "the model is not fitted (teach at least one labeled item first; "
                                "for a cold start, query with labelkit::query::random_sampling)");
    }
  }

  /// Runs `body(context)` on a context over the candidates (unlabeled, not pending): the shared
  /// round itself when nothing is pending, else a subset of it (no new prediction). Draws one
  /// seed.
  template <class Body>
  auto in_round(const char* function, Eigen::Index k, Body&& body) {
    detail::check_k(k, function);
    check_fitted(function);
    query::PoolRound<M, X>& shared = round();
    const std::vector<int> labels = pool_.labeled_labels();
    const std::uint64_t seed = seeds_();
    if (pending_count_ == 0) {
      const query::QueryContext<M, X> context{
          model_, features_, shared.unlabeled(), shared.labeled(), seed, labels, &shared};
      return body(context);
    }
    std::vector<Eigen::Index> free;
    free.reserve(shared.unlabeled().size());
    for (const Eigen::Index id : shared.unlabeled()) {
      if (pending_[static_cast<std::size_t>(id)] == 0) free.push_back(id);
    }
    query::PoolRound<M, X> subset(shared, free);
    const query::QueryContext<M, X> context{
        model_, features_, subset.unlabeled(), subset.labeled(), seed, labels, &subset};
    return body(context);
  }

  /// Sets or clears the pending flag of (already checked) items; labeled items never become
  /// pending.
  void set_pending(std::span<const Eigen::Index> items, bool value) {
    for (const Eigen::Index id : items) {
      char& flag = pending_[static_cast<std::size_t>(id)];
      if (value && flag == 0 && !pool_.is_labeled(id)) {
        flag = 1;
        ++pending_count_;
      } else if (!value && flag != 0) {
        flag = 0;
        --pending_count_;
      }
    }
  }

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
      if (pending_[static_cast<std::size_t>(id)] != 0) {
        detail::fail("ActiveLearner::query", "the strategy returned item ", id, " at position ", r,
                     ", which is pending (sent to annotators and not yet labeled)");
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
  std::vector<char> pending_;  ///< 1 for an item sent to annotators and not yet labeled
  Eigen::Index pending_count_ = 0;
  Random seeds_;
  bool fitted_ = false;
  std::optional<query::PoolRound<M, X>> round_;
  std::vector<Eigen::Index> round_unlabeled_;  ///< the ids `round_` refers to
  std::vector<Eigen::Index> round_labeled_;
};

LABELKIT_END_NAMESPACE
