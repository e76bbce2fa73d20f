#pragma once
/// @file
/// Stopping criteria for the active-learning loop: when has labeling stopped paying off?
///
///     labelkit::StabilizingPredictions<Eigen::MatrixXd> stable(stop_set);  // 0.99 over 3
///     labelkit::LabelBudget budget{500};
///     while (true) {
///       const auto ask = learner.query(10);
///       learner.teach(ask, oracle(ask));
///       if (stable(learner) || budget(learner)) break;
///     }
///
/// Each criterion is callable on a learner (anything with `model()`, `features()` and `pool()`
/// like `labelkit::ActiveLearner`) after each refit and returns true when the loop should stop;
/// each also has a data-level form (`observe`, `should_stop(probabilities)`) for custom loops.
/// Criteria with state (stabilising predictions) must be called once per round. The same names
/// are reachable as `labelkit::query::` (labelkit/query/stopping.hpp forwards here).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/uncertainty.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Cohen's kappa between two label sequences of equal length (labels >= 0):
/// (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e = sum_c a_c b_c the
/// agreement expected from the two marginals. Degenerate case: p_e = 1 happens only when both
/// sequences use one and the same class everywhere, so they agree perfectly: kappa = 1 (where
/// scikit-learn returns NaN). Empty sequences also give 1. O(n + C) with C the largest label + 1.
inline double cohen_kappa(std::span<const int> a, std::span<const int> b) {
  const std::size_t n = a.size();
  if (n == 0) return 1.0;
  int classes = 0;
  for (std::size_t i = 0; i < n; ++i) classes = std::max({classes, a[i] + 1, b[i] + 1});
  std::vector<double> count_a(static_cast<std::size_t>(classes), 0.0);
  std::vector<double> count_b(static_cast<std::size_t>(classes), 0.0);
  double agree = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    count_a[static_cast<std::size_t>(a[i])] += 1.0;
    count_b[static_cast<std::size_t>(b[i])] += 1.0;
    if (a[i] == b[i]) agree += 1.0;
  }
  const auto total = static_cast<double>(n);
  double expected = 0.0;
  for (std::size_t c = 0; c < count_a.size(); ++c) expected += count_a[c] * count_b[c];
  expected /= total * total;
  const double observed = agree / total;
  if (expected >= 1.0) return 1.0;
  return (observed - expected) / (1.0 - expected);
}

/// Runs a pool-level stopping rule on a learner: on `learner.round()` when the learner keeps
/// one (an empty pool stops), else on a fresh prediction of the unlabeled items.
template <class Rule, class Learner>
bool stop_on_pool(const Rule& rule, Learner& learner) {
  if constexpr (requires { learner.round(); }) {
    if (learner.pool().unlabeled_count() == 0) return true;
    return rule.should_stop(learner.round());
  } else {
    const auto unlabeled = learner.pool().unlabeled();
    if (unlabeled.empty()) return true;
    return rule.should_stop(
        learner.model().predict_proba(select_rows(learner.features(), unlabeled)));
  }
}

/// Argmax of each row (ties to the lower class).
template <class Derived>
std::vector<int> predicted_classes(const Eigen::MatrixBase<Derived>& probabilities) {
  std::vector<int> classes(static_cast<std::size_t>(probabilities.rows()));
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    Eigen::Index best = 0;
    probabilities.row(i).maxCoeff(&best);
    classes[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return classes;
}

}  // namespace detail

/// Stabilising predictions (Bloodgood & Vijay-Shanker 2009, "A method for stopping active
/// learning based on stabilizing predictions and the need for user-adjustable stopping",
/// CoNLL): after each round, compare the model's predicted classes on a fixed *stop set*
/// (unlabeled items, fixed once) with the previous round's by Cohen's kappa; stop when the mean
/// of the last `window` kappas is >= `threshold` (the paper: 0.99 over 3). Needs window + 1
/// rounds before it can fire. Cost per round: one prediction on the stop set, O(s + C).
///
/// @tparam X the stop set's feature type (rows are items).
template <class X>
class StabilizingPredictions {
 public:
  /// @throws labelkit::invalid_argument if the stop set is empty, window < 1, or threshold is
  ///         not in [-1, 1].
  explicit StabilizingPredictions(X stop_set, double threshold = 0.99, Eigen::Index window = 3)
      : stop_set_(std::move(stop_set)), threshold_(threshold), window_(window) {
    if (row_count(stop_set_) == 0) {
      labelkit::detail::fail("StabilizingPredictions", "'stop_set' is empty (expected items)");
    }
    if (window < 1) {
      labelkit::detail::fail("StabilizingPredictions", "'window' must be at least 1 (got ", window,
                             ")");
    }
    if (!(threshold >= -1.0 && threshold <= 1.0)) {
      labelkit::detail::fail("StabilizingPredictions", "'threshold' must lie in [-1, 1] (got ",
                             threshold, ")");
    }
  }

  /// Records the current model's predictions on the stop set; true when the loop should stop.
  template <class M>
  bool observe_model(M& model) {
    return observe(detail::predicted_classes(model.predict_proba(stop_set_)));
  }

  /// Calls `observe_model(learner.model())`: use once per round, after the refit.
  template <class Learner>
  bool operator()(Learner& learner) {
    return observe_model(learner.model());
  }

  /// Records predicted classes on the stop set (custom loops); true when the loop should stop.
  /// @throws labelkit::dimension_mismatch if the length is not the stop set's size;
  ///         labelkit::invalid_argument if a class is negative or >= labelkit::max_classes.
  bool observe(std::span<const int> predictions) {
    const Eigen::Index s = row_count(stop_set_);
    if (static_cast<Eigen::Index>(predictions.size()) != s) {
      labelkit::detail::fail<dimension_mismatch>("StabilizingPredictions::observe",
                                                 "'predictions' has ", predictions.size(),
                                                 " entries but the stop set has ", s, " items");
    }
    for (std::size_t i = 0; i < predictions.size(); ++i) {
      if (predictions[i] < 0) {
        labelkit::detail::fail("StabilizingPredictions::observe", "'predictions' entry ", i,
                               " is negative (got ", predictions[i], ")");
      }
      if (predictions[i] >= max_classes) {
        labelkit::detail::fail("StabilizingPredictions::observe", "'predictions' entry ", i,
                               " is out of range (got ", predictions[i],
                               ", expected class < labelkit::max_classes = ", max_classes, ")");
      }
    }
    std::vector<int> current(predictions.begin(), predictions.end());
    if (!previous_.empty()) kappas_.push_back(detail::cohen_kappa(previous_, current));
    previous_ = std::move(current);
    return should_stop();
  }

  /// Whether the mean of the last `window` kappas is >= threshold.
  [[nodiscard]] bool should_stop() const {
    if (static_cast<Eigen::Index>(kappas_.size()) < window_) return false;
    double sum = 0.0;
    for (auto it = kappas_.end() - window_; it != kappas_.end(); ++it) sum += *it;
    return sum / static_cast<double>(window_) >= threshold_;
  }

  /// Kappa between each pair of successive rounds, oldest first.
  [[nodiscard]] const std::vector<double>& kappas() const noexcept { return kappas_; }

 private:
  X stop_set_;
  double threshold_;
  Eigen::Index window_;
  std::vector<int> previous_;
  std::vector<double> kappas_;
};

/// Max-uncertainty stopping (Zhu, Wang & Hovy 2008, "Multi-criteria-based strategy to stop
/// active learning for data annotation", COLING): stop when the largest predictive entropy (in
/// nats) over the unlabeled pool is <= `threshold`, i.e. the model is confident everywhere.
/// O(n C) per call. An empty pool stops.
struct MaxUncertaintyStop {
  double threshold = 0.1;  ///< Entropy bound in nats (ln C is the maximum).

  /// From the pool's predicted probabilities (n x C, rows are items).
  /// @throws labelkit::invalid_argument as `entropy`.
  template <class Derived>
  [[nodiscard]] bool should_stop(const Eigen::MatrixBase<Derived>& probabilities) const {
    if (probabilities.rows() == 0) return true;
    return static_cast<double>(query::entropy(probabilities).maxCoeff()) <= threshold;
  }

  /// From a pool round's shared probabilities (an empty round stops).
  template <class M, class X>
  [[nodiscard]] bool should_stop(query::PoolRound<M, X>& round) const {
    if (round.size() == 0) return true;
    return should_stop(round.probabilities());
  }

  /// On a learner: reads the learner's round (`learner.round()`, shared with its next query)
  /// when it has one, else predicts the unlabeled items.
  template <class Learner>
  bool operator()(Learner& learner) const {
    return detail::stop_on_pool(*this, learner);
  }
};

/// Minimum-expected-error stopping (Zhu, Wang & Hovy 2008): stop when the expected 0/1 error
/// over the unlabeled pool, mean_i (1 - max_c P(i, c)), is <= `threshold`. O(n C) per call. An
/// empty pool stops.
struct ExpectedErrorStop {
  double threshold = 0.05;  ///< Bound on the mean least confidence, in [0, 1].

  /// From the pool's predicted probabilities (n x C, rows are items).
  /// @throws labelkit::invalid_argument as `least_confidence`.
  template <class Derived>
  [[nodiscard]] bool should_stop(const Eigen::MatrixBase<Derived>& probabilities) const {
    if (probabilities.rows() == 0) return true;
    return static_cast<double>(query::least_confidence(probabilities).mean()) <= threshold;
  }

  /// From a pool round's shared probabilities (an empty round stops).
  template <class M, class X>
  [[nodiscard]] bool should_stop(query::PoolRound<M, X>& round) const {
    if (round.size() == 0) return true;
    return should_stop(round.probabilities());
  }

  /// On a learner: reads the learner's round (`learner.round()`, shared with its next query)
  /// when it has one, else predicts the unlabeled items.
  template <class Learner>
  bool operator()(Learner& learner) const {
    return detail::stop_on_pool(*this, learner);
  }
};

/// Stop once `max_labels` items are labeled (the budget).
struct LabelBudget {
  Eigen::Index max_labels = 0;  ///< The label budget.

  /// True when `labels_used >= max_labels`.
  [[nodiscard]] bool should_stop(Eigen::Index labels_used) const noexcept {
    return labels_used >= max_labels;
  }

  /// On a learner: counts the labeled items of its pool.
  template <class Learner>
  bool operator()(Learner& learner) const {
    return should_stop(learner.pool().labeled_count());
  }
};

/// Several criteria at once: every criterion is evaluated (so stateful ones record the round)
/// and the result is true when any says stop.
template <class... Criteria>
struct StopWhenAny {
  std::tuple<Criteria...> criteria;  ///< The criteria, evaluated in order.

  /// Evaluates every criterion on `learner`; true when any says stop.
  template <class Learner>
  bool operator()(Learner& learner) {
    return std::apply([&](auto&... c) { return (false | ... | static_cast<bool>(c(learner))); },
                      criteria);
  }
};

/// `StopWhenAny` from values: `stop_when_any(StabilizingPredictions(stop_set), LabelBudget{500})`.
template <class... Criteria>
[[nodiscard]] StopWhenAny<Criteria...> stop_when_any(Criteria... criteria) {
  return StopWhenAny<Criteria...>{std::tuple<Criteria...>(std::move(criteria)...)};
}

LABELKIT_END_NAMESPACE
