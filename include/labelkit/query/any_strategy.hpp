#pragma once
/// @file
/// Strategies chosen at run time: `AnyStrategy<M, X>` holds any query strategy for model M over
/// features X behind one type, and `make_strategy<M, X>(name)` builds a built-in strategy from
/// its name (a command-line flag, a config file).
///
///     using Strategy = labelkit::query::AnyStrategy<Model, Eigen::MatrixXd>;
///     labelkit::ActiveLearner learner(model, features,
///                                     labelkit::query::make_strategy<Model,
///                                     Eigen::MatrixXd>(name));
///     learner.strategy() = Strategy(labelkit::query::core_set_sampling);  // switch later
///
/// The names (`strategy_names`), each also accepted with the suffix `_sampling`:
/// `random`, `least_confidence`, `margin`, `ratio`, `entropy` (any model);
/// `vote_entropy`, `consensus_entropy`, `mean_kl_disagreement`, `max_kl_disagreement`, `bald`,
/// `variation_ratio`, `mean_standard_deviation` (a labelkit::CommitteeModel);
/// `information_density`, `expected_gradient_length`, `core_set`, `badge`, `kmeans`,
/// `kmeans_entropy`, `kmeans_margin`, `ranked_batch`, `modal_ranked_batch`,
/// `uncertain_then_diverse`, `cluster_margin` (a labelkit::EmbeddingModel, or Eigen features);
/// `expected_error_reduction` (a labelkit::CopyableModel).
/// Each is the strategy value of the same name in labelkit::query with its default settings, so
/// it picks exactly what that value picks.

#include <Eigen/Core>
#include <array>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/error_reduction.hpp"
#include "labelkit/query/expected_model_change.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/mc_dropout.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/ranked_batch.hpp"
#include "labelkit/query/scored.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Any query strategy for model M over features X (rows are items), chosen at run time: a
/// built-in strategy value, a user's strategy type or a lambda `(const QueryContext<M, X>&,
/// Eigen::Index k) -> std::vector<Eigen::Index>`. It is itself a strategy, so
/// `ActiveLearner<M, X, AnyStrategy<M, X>>` can change strategy between rounds, and it keeps the
/// held strategy's scores: `scored` and `item_scores` give what `scored_query` and
/// `item_scores` give for the held strategy. A value type: copies hold copies of the strategy.
/// Calls cost one virtual call on top of the strategy.
template <class M, class X>
class AnyStrategy {
 public:
  /// Holds `strategy` (moved in) under `name` (reported by `name()`; "custom" by default).
  template <class S>
  requires(!std::same_as<std::remove_cvref_t<S>, AnyStrategy> &&
           QueryStrategy<std::remove_cvref_t<S>, M, X>)
      // A forwarding constructor that the constraint keeps away from AnyStrategy itself.
      // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
      AnyStrategy(S&& strategy, std::string name = "custom")
      : held_(std::make_unique<Held<std::remove_cvref_t<S>>>(std::forward<S>(strategy))),
        name_(std::move(name)) {}

  /// Copies the held strategy.
  AnyStrategy(const AnyStrategy& other) : held_(other.held_->clone()), name_(other.name_) {}
  /// Copies the held strategy.
  AnyStrategy& operator=(const AnyStrategy& other) {
    if (this != &other) {
      held_ = other.held_->clone();
      name_ = other.name_;
    }
    return *this;
  }
  /// Takes the held strategy.
  AnyStrategy(AnyStrategy&&) noexcept = default;
  /// Takes the held strategy.
  AnyStrategy& operator=(AnyStrategy&&) noexcept = default;
  /// Destroys the held strategy.
  ~AnyStrategy() = default;

  /// The held strategy's picks: `strategy(context, k)`.
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) {
    return held_->pick(context, k);
  }
  /// The held strategy's picks with their scores: `scored_query(strategy, context, k)`.
  [[nodiscard]] QueryResult scored(const QueryContext<M, X>& context, Eigen::Index k) {
    return held_->scored(context, k);
  }
  /// The held strategy's per-item scores: `item_scores(strategy, context)`, std::nullopt when
  /// it has none.
  [[nodiscard]] std::optional<Eigen::VectorXd> item_scores(const QueryContext<M, X>& context) {
    return held_->item_scores(context);
  }
  /// Whether the held strategy has a per-item score (`ItemScoreStrategy`).
  [[nodiscard]] bool has_item_scores() const noexcept { return held_->has_item_scores(); }
  /// The name given at construction (the built-in name for `make_strategy`).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  struct Interface {
    Interface() = default;
    Interface(const Interface&) = default;
    Interface& operator=(const Interface&) = default;
    Interface(Interface&&) noexcept = default;
    Interface& operator=(Interface&&) noexcept = default;
    virtual ~Interface() = default;
    virtual std::vector<Eigen::Index> pick(const QueryContext<M, X>&, Eigen::Index) = 0;
    virtual QueryResult scored(const QueryContext<M, X>&, Eigen::Index) = 0;
    virtual std::optional<Eigen::VectorXd> item_scores(const QueryContext<M, X>&) = 0;
    [[nodiscard]] virtual bool has_item_scores() const noexcept = 0;
    [[nodiscard]] virtual std::unique_ptr<Interface> clone() const = 0;
  };

  template <class S>
  struct Held final : Interface {
    template <class T>
    // Held is never copied or moved (it lives behind a unique_ptr).
    // NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
    explicit Held(T&& s) : strategy(std::forward<T>(s)) {}
    std::vector<Eigen::Index> pick(const QueryContext<M, X>& context, Eigen::Index k) override {
      return strategy(context, k);
    }
    QueryResult scored(const QueryContext<M, X>& context, Eigen::Index k) override {
      return scored_query(strategy, context, k);
    }
    std::optional<Eigen::VectorXd> item_scores(const QueryContext<M, X>& context) override {
      return query::item_scores(strategy, context);
    }
    [[nodiscard]] bool has_item_scores() const noexcept override {
      return ItemScoreStrategy<S, M, X>;
    }
    [[nodiscard]] std::unique_ptr<Interface> clone() const override {
      return std::make_unique<Held>(strategy);
    }
    S strategy;
  };

  std::unique_ptr<Interface> held_;
  std::string name_;
};

/// The names `make_strategy` accepts (each also with the suffix `_sampling`), in the order of
/// this file's comment.
inline constexpr std::array<std::string_view, 24> strategy_names{
    "random",
    "least_confidence",
    "margin",
    "ratio",
    "entropy",
    "vote_entropy",
    "consensus_entropy",
    "mean_kl_disagreement",
    "max_kl_disagreement",
    "bald",
    "variation_ratio",
    "mean_standard_deviation",
    "information_density",
    "expected_gradient_length",
    "core_set",
    "badge",
    "kmeans",
    "kmeans_entropy",
    "kmeans_margin",
    "ranked_batch",
    "modal_ranked_batch",
    "uncertain_then_diverse",
    "cluster_margin",
    "expected_error_reduction",
};

}  // namespace query
namespace detail {

/// Builds AnyStrategy<M, X> from a built-in value when the model has what it needs, else throws
/// naming the missing capability.
template <class M, class X>
struct StrategyFactory {
  std::string_view name;

  template <class S>
  query::AnyStrategy<M, X> make(const S& strategy) const {
    return query::AnyStrategy<M, X>(strategy, std::string(name));
  }

  [[noreturn]] void refuse(std::string_view needs) const {
    fail("make_strategy", "strategy '", name, "' needs ", needs);
  }
};

}  // namespace detail
namespace query {

/// The built-in strategy called `name` (see `strategy_names` and this file's comment), with its
/// default settings, as an `AnyStrategy<M, X>`; `name` may carry the suffix `_sampling` (the
/// name of the strategy value). O(1).
/// @throws labelkit::invalid_argument if the name is unknown (listing the known names), or the
///         strategy needs a capability model M over X lacks (naming it: a CommitteeModel,
///         embeddings, or a copyable model).
template <class M, class X>
[[nodiscard]] AnyStrategy<M, X> make_strategy(std::string_view name) {
  constexpr std::string_view suffix = "_sampling";
  std::string_view base = name;
  if (base.size() > suffix.size() && base.substr(base.size() - suffix.size()) == suffix) {
    base.remove_suffix(suffix.size());
  }
  const labelkit::detail::StrategyFactory<M, X> f{base};
  constexpr bool committee = CommitteeModel<M, X>;
  constexpr bool embeddings = labelkit::detail::has_strategy_embeddings<M, X>;
  constexpr bool copyable = CopyableModel<M, X>;
  constexpr std::string_view committee_needs =
      "a labelkit::CommitteeModel (predict_proba_members returning one n x C matrix per member)";
  constexpr std::string_view embedding_needs =
      "embeddings (a labelkit::EmbeddingModel with embed(x), or Eigen matrix features)";
  constexpr std::string_view copy_needs = "a copy-constructible model (labelkit::CopyableModel)";

  if (base == "random") return f.make(random_sampling);
  if (base == "least_confidence") return f.make(least_confidence_sampling);
  if (base == "margin") return f.make(margin_sampling);
  if (base == "ratio") return f.make(ratio_sampling);
  if (base == "entropy") return f.make(entropy_sampling);
  if (base == "vote_entropy" || base == "consensus_entropy" || base == "mean_kl_disagreement" ||
      base == "max_kl_disagreement" || base == "bald" || base == "variation_ratio" ||
      base == "mean_standard_deviation") {
    if constexpr (committee) {
      if (base == "vote_entropy") return f.make(vote_entropy_sampling);
      if (base == "consensus_entropy") return f.make(consensus_entropy_sampling);
      if (base == "mean_kl_disagreement") return f.make(mean_kl_disagreement_sampling);
      if (base == "max_kl_disagreement") return f.make(max_kl_disagreement_sampling);
      if (base == "bald") return f.make(bald_sampling);
      if (base == "variation_ratio") return f.make(variation_ratio_sampling);
      return f.make(mean_standard_deviation_sampling);
    } else {
      f.refuse(committee_needs);
    }
  }
  if (base == "information_density" || base == "expected_gradient_length" || base == "core_set" ||
      base == "badge" || base == "kmeans" || base == "kmeans_entropy" || base == "kmeans_margin" ||
      base == "ranked_batch" || base == "modal_ranked_batch" || base == "uncertain_then_diverse" ||
      base == "cluster_margin") {
    if constexpr (embeddings) {
      if (base == "information_density") return f.make(information_density_sampling);
      if (base == "expected_gradient_length") return f.make(expected_gradient_length_sampling);
      if (base == "core_set") return f.make(core_set_sampling);
      if (base == "badge") return f.make(badge_sampling);
      if (base == "kmeans") return f.make(kmeans_sampling);
      if (base == "kmeans_entropy") return f.make(kmeans_entropy_sampling);
      if (base == "kmeans_margin") return f.make(kmeans_margin_sampling);
      if (base == "ranked_batch") return f.make(ranked_batch_sampling);
      if (base == "modal_ranked_batch") return f.make(modal_ranked_batch_sampling);
      if (base == "uncertain_then_diverse") return f.make(uncertain_then_diverse_sampling);
      return f.make(cluster_margin_sampling);
    } else {
      f.refuse(embedding_needs);
    }
  }
  if (base == "expected_error_reduction") {
    if constexpr (copyable) {
      return f.make(ExpectedErrorReduction{});
    } else {
      f.refuse(copy_needs);
    }
  }
  std::string known;
  for (const std::string_view n : strategy_names) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  labelkit::detail::fail("make_strategy", "unknown strategy '", name, "' (expected one of: ", known,
                         ", optionally with the suffix _sampling)");
}

}  // namespace query
LABELKIT_END_NAMESPACE
