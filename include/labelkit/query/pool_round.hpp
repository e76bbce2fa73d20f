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
/// `ActiveLearner::round()` keeps one round per fit of its model and hands it to its strategy. A
/// round over a subset of another round's candidates (`PoolRound(parent, ids)`) reuses the
/// parent's predictions and embeddings: `ActiveLearner` uses one to leave out the items sent to
/// annotators and not yet labeled without predicting the pool again.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
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

/// Positions of `ids` in `candidates` (entry r is the i with candidates[i] == ids[r]). Binary
/// search when the candidates are ascending, else on a sorted copy of their positions.
/// @throws labelkit::invalid_argument if an id is not a candidate or is repeated.
template <class = void>
std::vector<Eigen::Index> positions_of(std::span<const Eigen::Index> candidates,
                                       std::span<const Eigen::Index> ids,
                                       std::string_view function) {
  std::vector<Eigen::Index> order;  // candidate positions sorted by id, when ids are unsorted
  const bool ascending = std::is_sorted(candidates.begin(), candidates.end());
  if (!ascending) {
    order.resize(candidates.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Eigen::Index>(i);
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
      return candidates[static_cast<std::size_t>(a)] < candidates[static_cast<std::size_t>(b)];
    });
  }
  const auto id_at = [&](std::size_t j) {
    return ascending ? candidates[j] : candidates[static_cast<std::size_t>(order[j])];
  };
  std::vector<Eigen::Index> positions;
  positions.reserve(ids.size());
  std::vector<char> seen(candidates.size(), 0);
  for (std::size_t r = 0; r < ids.size(); ++r) {
    std::size_t low = 0;
    std::size_t high = candidates.size();
    while (low < high) {  // first j with id_at(j) >= ids[r]
      const std::size_t mid = low + (high - low) / 2;
      if (id_at(mid) < ids[r]) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    if (low == candidates.size() || id_at(low) != ids[r]) {
      fail(function, "'ids' entry ", r, " (item ", ids[r], ") is not a candidate of the round");
    }
    const std::size_t position = ascending ? low : static_cast<std::size_t>(order[low]);
    if (seen[position] != 0) {
      fail(function, "'ids' entry ", r, " repeats item ", ids[r]);
    }
    seen[position] = 1;
    positions.push_back(static_cast<Eigen::Index>(position));
  }
  return positions;
}

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
  /// The embedding matrix type: the plain type of `embed`'s result for a
  /// `labelkit::EmbeddingModel`, else the rows themselves.
  using Embeddings = std::conditional_t<EmbeddingModel<M, X>,
                                        typename detail::round_embedding_type<M, Rows>::type, Rows>;

  /// A round over `unlabeled` (candidate ids into `features`, any order) with `labeled` as the
  /// labeled ids. Nothing is computed yet.
  PoolRound(M& model, const X& features, std::span<const Eigen::Index> unlabeled,
            std::span<const Eigen::Index> labeled)
      : model_(&model), features_(&features), unlabeled_(unlabeled), labeled_(labeled) {}

  /// A round over a strategy context's pool.
  explicit PoolRound(const QueryContext<M, X>& context)
      : PoolRound(context.model, context.features, context.unlabeled, context.labeled) {}

  /// A round over `ids`, a subset of `parent`'s candidates (any order, no repeats), with the
  /// parent's model, features and labeled ids. Its probabilities, embeddings and labeled
  /// embeddings are rows of the parent's (computed by the parent on first use, once): building
  /// and using it never calls `predict_proba` or `embed` beyond what the parent does. Its rows are
  /// selected from the features (no model call). `parent` and `ids` must outlive it.
  /// O(|ids| log n + n log n) with n the parent's size (n log n only when the parent's ids are
  /// not ascending).
  /// @throws labelkit::invalid_argument if an id is not one of the parent's candidates (naming
  ///         its position) or is repeated.
  PoolRound(PoolRound& parent, std::span<const Eigen::Index> ids)
      : model_(parent.model_),
        features_(parent.features_),
        unlabeled_(ids),
        labeled_(parent.labeled_),
        parent_(&parent),
        parent_positions_(parent.positions_of(ids, "PoolRound")) {}

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

  /// Whether this round reuses another round's work (built as `PoolRound(parent, ids)`).
  [[nodiscard]] bool is_subset() const noexcept { return parent_ != nullptr; }

  /// Positions of `ids` among this round's candidates: entry r is the i with
  /// `unlabeled()[i] == ids[r]`. O(m log n) when the candidates are ascending (as in
  /// `ActiveLearner`), else O((n + m) log n).
  /// @throws labelkit::invalid_argument if an id is not a candidate (naming `function` and the
  ///         position) or is repeated.
  [[nodiscard]] std::vector<Eigen::Index> positions_of(
      std::span<const Eigen::Index> ids, std::string_view function = "positions_of") const {
    return labelkit::detail::positions_of(unlabeled_, ids, function);
  }

  /// The candidates' rows, selected once. O(n d) the first time.
  [[nodiscard]] const Rows& candidates() {
    if (!candidates_) candidates_.emplace(select_rows(*features_, unlabeled_));
    return *candidates_;
  }

  /// `model.predict_proba(candidates())`, computed once (n x C, rows are items).
  [[nodiscard]] const Probabilities& probabilities() {
    if (!probabilities_) {
      if (parent_ != nullptr) {
        probabilities_.emplace(gather(parent_->probabilities()));
      } else {
        probabilities_.emplace(model_->predict_proba(candidates()));
      }
    }
    return *probabilities_;
  }

  /// The candidates' embeddings (n x d, rows are items): `model.embed(candidates())`, computed
  /// once, for a `labelkit::EmbeddingModel`; else the candidates' rows themselves (no copy) for
  /// Eigen features. Other combinations do not compile (the message says what to add).
  [[nodiscard]] const Embeddings& embeddings() {
    if constexpr (EmbeddingModel<M, X>) {
      if (!embeddings_) {
        if (parent_ != nullptr) {
          embeddings_.emplace(gather(parent_->embeddings()));
        } else {
          embeddings_.emplace(model_->embed(candidates()));
        }
      }
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
  [[nodiscard]] const Embeddings& labeled_embeddings() {
    using Plain = Embeddings;
    if (!labeled_embeddings_) {
      if (parent_ != nullptr) {
        labeled_embeddings_.emplace(parent_->labeled_embeddings());
      } else if (labeled_.empty()) {
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
  /// The rows of a parent's matrix at this round's parent positions, as a plain matrix.
  template <class Matrix>
  [[nodiscard]] typename Matrix::PlainObject gather(const Matrix& parent_matrix) const {
    typename Matrix::PlainObject out(static_cast<Eigen::Index>(parent_positions_.size()),
                                     parent_matrix.cols());
    for (std::size_t r = 0; r < parent_positions_.size(); ++r) {
      out.row(static_cast<Eigen::Index>(r)) = parent_matrix.row(parent_positions_[r]);
    }
    return out;
  }

  M* model_;
  const X* features_;
  std::span<const Eigen::Index> unlabeled_;
  std::span<const Eigen::Index> labeled_;
  PoolRound* parent_ = nullptr;                 ///< the round whose work this one reuses
  std::vector<Eigen::Index> parent_positions_;  ///< position in the parent of each candidate
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
