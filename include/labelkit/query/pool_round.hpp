#pragma once
/// @file
/// One query round over the pool, computed once and shared: `PoolRound` selects the unlabeled
/// rows, predicts them and embeds them at most once each, on first use, and maps positions back
/// to item ids. Every pool-based strategy is a policy on a round (`run_pool_round`), and the
/// stopping rules that look at the unlabeled pool read the same round, so a loop that checks a
/// stopping rule and then queries pays for one prediction, not two.
///
///     labelkit::query::PoolRound round(model, features, unlabeled, labeled);
///     const auto& p = round.probabilities();          // predict_proba of the unlabeled rows
///     const auto ids = round.item_ids(labelkit::query::top_k(labelkit::query::entropy(p), 10));
///
/// `ActiveLearner::round()` keeps one round per fit of its model and hands it to its strategy.

#include <Eigen/Core>
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
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// The plain matrix type of `model.embed(rows)`; MatrixXd when the model cannot embed (unused).
template <class M, class Rows, bool = requires(M& m, const Rows& r) { m.embed(r); }
> struct round_embedding_type { using type = Eigen::MatrixXd; };
template <class M, class Rows>
struct round_embedding_type<M, Rows, true> {
  using type = typename std::remove_cvref_t<decltype(std::declval<M&>().embed(
      std::declval<const Rows&>()))>::PlainObject;
};

}  // namespace detail
namespace query {

/// The shared work of one query round over a pool: the unlabeled items' rows (one copy, made on
/// first use), their predicted probabilities (one `predict_proba` call), their embeddings and
/// the labeled items' embeddings (one `embed` call each, or the rows themselves for Eigen
/// features without `embed`). Positions 0..size()-1 are the unlabeled ids in the given order.
///
/// The round refers to the model, the features and the two id lists without copying them: all
/// four must outlive it, and the model must not be refit while the round is in use (a refit
/// makes its probabilities stale). The labeled ids are read only by `labeled_embeddings`.
/// Not thread-safe (results are computed on first use).
///
/// @tparam M the model (`labelkit::Model<M, X>`).
/// @tparam X the pool's feature type (rows are items).
template <class M, class X>
class PoolRound {
 public:
  /// The type of the selected rows (`select_rows(features, ids)`).
  using Rows = std::remove_cvref_t<decltype(select_rows(std::declval<const X&>(),
                                                        std::span<const Eigen::Index>{}))>;
  /// The probability matrix type (the plain type of `predict_proba`'s result).
  using Probabilities = typename std::remove_cvref_t<decltype(std::declval<M&>().predict_proba(
      std::declval<const Rows&>()))>::PlainObject;

  /// A round over `unlabeled` (candidate ids into `features`, any order) with `labeled` as the
  /// labeled ids. Nothing is computed yet.
  PoolRound(M& model, const X& features, std::span<const Eigen::Index> unlabeled,
            std::span<const Eigen::Index> labeled)
      : model_(&model), features_(&features), unlabeled_(unlabeled), labeled_(labeled) {}

  /// A round over a strategy context's pool.
  explicit PoolRound(const QueryContext<M, X>& context)
      : PoolRound(context.model, context.features, context.unlabeled, context.labeled) {}

  /// Number of candidates (unlabeled items).
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(unlabeled_.size());
  }
  /// The candidate ids; position i of every matrix below is item `unlabeled()[i]`.
  [[nodiscard]] std::span<const Eigen::Index> unlabeled() const noexcept { return unlabeled_; }
  /// The labeled ids.
  [[nodiscard]] std::span<const Eigen::Index> labeled() const noexcept { return labeled_; }
  /// The model the round predicts with.
  [[nodiscard]] M& model() const noexcept { return *model_; }
  /// The pool's features (rows are items).
  [[nodiscard]] const X& features() const noexcept { return *features_; }
  /// Whether this round reads exactly this model and these features (same objects).
  [[nodiscard]] bool reads(const M& model, const X& features) const noexcept {
    return model_ == &model && features_ == &features;
  }

  /// The candidates' rows, selected once. O(n d) the first time.
  [[nodiscard]] const Rows& candidates() {
    if (!candidates_) candidates_.emplace(select_rows(*features_, unlabeled_));
    return *candidates_;
  }

  /// `model.predict_proba(candidates())`, computed once (n x C, rows are items).
  [[nodiscard]] const Probabilities& probabilities() {
    if (!probabilities_) probabilities_.emplace(model_->predict_proba(candidates()));
    return *probabilities_;
  }

  /// The candidates' embeddings (n x d, rows are items): `model.embed(candidates())`, computed
  /// once, for a `labelkit::EmbeddingModel`; else the candidates' rows themselves (no copy) for
  /// Eigen features. Other combinations do not compile (the message says what to add).
  [[nodiscard]] const auto& embeddings() {
    if constexpr (EmbeddingModel<M, X>) {
      if (!embeddings_) embeddings_.emplace(model_->embed(candidates()));
      return *embeddings_;
    } else {
      static_assert(detail::has_strategy_embeddings<M, X>,
                    "labelkit: this strategy (core-set, k-means, BADGE, ranked batch, density or "
                    "expected gradient length) needs embeddings: give the model `embed(const X&)` "
                    "returning an n x d Eigen matrix (labelkit::EmbeddingModel), or use Eigen "
                    "matrix features");
      return candidates();
    }
  }

  /// The labeled items' embeddings, in the order of `labeled()`, computed once; 0 x d (d the
  /// candidates' embedding width) when nothing is labeled.
  [[nodiscard]] const auto& labeled_embeddings() {
    using Plain = std::remove_cvref_t<decltype(embeddings())>;
    if (!labeled_embeddings_) {
      if (labeled_.empty()) {
        labeled_embeddings_.emplace(Plain(0, embeddings().cols()));
      } else {
        auto rows = select_rows(*features_, labeled_);
        if constexpr (EmbeddingModel<M, X>) {
          labeled_embeddings_.emplace(model_->embed(rows));
        } else {
          labeled_embeddings_.emplace(std::move(rows));
        }
      }
    }
    return *labeled_embeddings_;
  }

  /// Maps positions (0..size()-1, e.g. from `top_k` over a score per candidate) to item ids.
  [[nodiscard]] std::vector<Eigen::Index> item_ids(
      const std::vector<Eigen::Index>& positions) const {
    return to_item_ids(positions, unlabeled_);
  }

 private:
  using Embeddings = std::conditional_t<EmbeddingModel<M, X>,
                                        typename detail::round_embedding_type<M, Rows>::type, Rows>;

  M* model_;
  const X* features_;
  std::span<const Eigen::Index> unlabeled_;
  std::span<const Eigen::Index> labeled_;
  std::optional<Rows> candidates_;
  std::optional<Probabilities> probabilities_;
  std::optional<typename detail::round_embedding_type<M, Rows>::type> embeddings_;
  std::optional<Embeddings> labeled_embeddings_;
};

/// The one skeleton of a pool-based strategy: checks k, returns nothing for an empty pool or
/// k = 0, runs `body(round, k)` on the context's shared round (`context.round`, or a fresh one
/// when the context has none), and maps the positions it returns to item ids. `body` returns
/// positions into the round's candidates, most wanted first.
/// @throws labelkit::invalid_argument if k < 0 (naming `strategy`); whatever `body` throws.
template <class M, class X, class Body>
[[nodiscard]] std::vector<Eigen::Index> run_pool_round(const QueryContext<M, X>& context,
                                                       Eigen::Index k, std::string_view strategy,
                                                       Body&& body) {
  labelkit::detail::check_k(k, strategy);
  if (context.unlabeled.empty() || k == 0) return {};
  if (context.round != nullptr) return context.round->item_ids(body(*context.round, k));
  PoolRound<M, X> round(context);
  return round.item_ids(body(round, k));
}

}  // namespace query
LABELKIT_END_NAMESPACE
