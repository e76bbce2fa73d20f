#pragma once
/// @file
/// Aggregation of pairwise preferences ("which of these two is better?") into item scores and a
/// ranking: Bradley–Terry fitted by Hunter's MM algorithm, and NoisyBT, Bradley–Terry with a
/// reliability (skill) and a left/right bias per annotator. Both take Comparison records
/// (core/comparison.hpp) and return one row per compared item in ascending item id, with a
/// lookup by id. See docs/preferences.md for the formulas and how they differ from crowd-kit.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/models/detail/lbfgs.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// What an aggregator does with a Comparison whose winner is Winner::tie.
enum class TieRule {
  ignore,  ///< Drop it, as crowd-kit's BradleyTerry does (the pair is not connected by it).
  half,    ///< Count it as half a win for each side (a draw in chess scoring).
};

/// Scores of the compared items, rows in ascending item id, with a lookup by id.
///
/// Look an item up with score_of(item) and rank_of(item); row r of `scores` and `components`
/// belongs to `items[r]`. `ranking` lists the item ids from the best score to the worst (equal
/// scores: the lower id first). `components[r]` numbers the connected component of the
/// comparison graph (items joined by a counted comparison) that holds items[r], 0, 1, ... in
/// the order of their lowest item id: scores are comparable only within a component.
struct PreferenceScores {
  std::vector<Index> items;       ///< Distinct compared item ids, ascending; row r is items[r].
  Eigen::VectorXd scores;         ///< One score per row (see each aggregator for its scale).
  std::vector<Index> ranking;     ///< Item ids, best first; equal scores: lower id first.
  std::vector<Index> components;  ///< Connected component of each row.
  Index n_components = 0;         ///< Number of connected components.

  /// The row of item id `item`, or std::nullopt if it was never compared. O(log I).
  [[nodiscard]] std::optional<Index> row_of(Index item) const {
    const auto it = std::lower_bound(items.begin(), items.end(), item);
    if (it == items.end() || *it != item) return std::nullopt;
    return static_cast<Index>(it - items.begin());
  }
  /// The score of item id `item`, or std::nullopt if it was never compared. O(log I).
  [[nodiscard]] std::optional<double> score_of(Index item) const {
    const auto r = row_of(item);
    if (!r) return std::nullopt;
    return scores(*r);
  }
  /// The 0-based position of item id `item` in `ranking` (0 = best), or std::nullopt if it was
  /// never compared. O(I).
  [[nodiscard]] std::optional<Index> rank_of(Index item) const {
    const auto it = std::find(ranking.begin(), ranking.end(), item);
    if (it == ranking.end()) return std::nullopt;
    return static_cast<Index>(it - ranking.begin());
  }
};

/// Options of bradley_terry().
struct BradleyTerryOptions {
  /// MM iterations at most (>= 0; 0 returns the uniform start 1/I).
  int max_iterations = 100;
  /// Stop when the L1 change of the normalised scores in one iteration is below this (>= 0;
  /// 0 runs every iteration).
  double tolerance = 1e-5;
  /// What a tie counts as.
  TieRule ties = TieRule::ignore;
};

/// Result of bradley_terry(): scores p_i > 0 (0 for an item that never wins) summing to 1,
/// and the trace of the MM iterations.
struct BradleyTerryResult : PreferenceScores {
  std::vector<double> changes;  ///< L1 change of the scores in each iteration.
  int iterations = 0;           ///< MM iterations run.
  bool converged = false;       ///< Whether the tolerance test stopped the iterations.
};

/// Options of noisy_bradley_terry().
struct NoisyBradleyTerryOptions {
  /// L-BFGS iterations at most (>= 0; 0 returns the start: every score 0.5).
  int max_iterations = 100;
  /// Stop when every partial derivative of the objective is at most this in absolute value.
  double tolerance = 1e-5;
  /// lambda of the penalty that ties every score to a common anchor (>= 0; see the function).
  double regularization = 1e-5;
  /// Starting skill logit gamma of every annotator (skill sigma(1) = 0.73: mostly reliable).
  double initial_skill_logit = 1.0;
  /// What a tie counts as.
  TieRule ties = TieRule::ignore;
};

/// Result of noisy_bradley_terry(): scores sigma(s_i) in (0, 1), the annotators (ascending id)
/// with their skill sigma(gamma_j) and bias sigma(q_j), and the fit's objective.
struct NoisyBradleyTerryResult : PreferenceScores {
  std::vector<Index> annotators;  ///< Distinct annotator ids, ascending.
  Eigen::VectorXd skills;         ///< sigma(gamma_j): probability of answering by the scores.
  Eigen::VectorXd biases;         ///< sigma(q_j): a guessing annotator's chance to pick left.
  double objective = 0.0;         ///< Penalised log-likelihood at the returned point (maximised).
  int iterations = 0;             ///< L-BFGS iterations run.
  bool converged = false;         ///< Whether the gradient tolerance was reached.

  /// The skill of annotator id `annotator`, or std::nullopt if it made no comparison. O(log A).
  [[nodiscard]] std::optional<double> skill_of(Index annotator) const {
    const auto r = annotator_row(annotator);
    if (!r) return std::nullopt;
    return skills(*r);
  }
  /// The bias of annotator id `annotator`, or std::nullopt if it made no comparison. O(log A).
  [[nodiscard]] std::optional<double> bias_of(Index annotator) const {
    const auto r = annotator_row(annotator);
    if (!r) return std::nullopt;
    return biases(*r);
  }

 private:
  [[nodiscard]] std::optional<Index> annotator_row(Index annotator) const {
    const auto it = std::lower_bound(annotators.begin(), annotators.end(), annotator);
    if (it == annotators.end() || *it != annotator) return std::nullopt;
    return static_cast<Index>(it - annotators.begin());
  }
};

}  // namespace quality
namespace detail {

/// Comparisons laid out on dense ids. Each counted comparison is one entry with the weight of a
/// left win in [0, 1] (1 left, 0 right, 1/2 a tie under TieRule::half); ignored ties are left
/// out of the entries but their items still get a row.
struct ComparisonLayout {
  IdMap items;
  IdMap annotators;
  std::vector<Index> left, right, annotator;
  std::vector<double> left_win;
};

/// Id of the left item, then of the right item, of every comparison (for IdMap::from_ids).
struct ComparisonItemRange {
  std::span<const Comparison> records;
  struct Iterator {
    const Comparison* p;
    bool second;
    Index operator*() const { return second ? p->right : p->left; }
    Iterator& operator++() {
      if (second) ++p;
      second = !second;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p != o.p || second != o.second; }
  };
  [[nodiscard]] Iterator begin() const { return {records.data(), false}; }
  [[nodiscard]] Iterator end() const { return {records.data() + records.size(), false}; }
};

/// Annotator id of every comparison (for IdMap::from_ids).
struct ComparisonAnnotatorRange {
  std::span<const Comparison> records;
  struct Iterator {
    const Comparison* p;
    Index operator*() const { return p->annotator; }
    Iterator& operator++() {
      ++p;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p != o.p; }
  };
  [[nodiscard]] Iterator begin() const { return {records.data()}; }
  [[nodiscard]] Iterator end() const { return {records.data() + records.size()}; }
};

/// Throws labelkit::invalid_argument naming the first comparison with a negative id, the same
/// item on both sides, or a winner outside Winner's three values.
template <class = void>
inline void check_comparisons(std::span<const Comparison> records, std::string_view function) {
  for (std::size_t r = 0; r < records.size(); ++r) {
    const Comparison& c = records[r];
    if (c.annotator < 0 || c.left < 0 || c.right < 0) {
      fail(function, "'comparisons' record ", r, " has a negative id (annotator ", c.annotator,
           ", left ", c.left, ", right ", c.right, ")");
    }
    if (c.left == c.right) {
      fail(function, "'comparisons' record ", r, " compares item ", c.left,
           " with itself (expected two different items)");
    }
    const auto w = static_cast<unsigned>(c.winner);
    if (w > 2) {
      fail(function, "'comparisons' record ", r, " has winner ", w,
           " (expected Winner::left, Winner::right or Winner::tie)");
    }
  }
}

/// Validates and lays out the comparisons. O(N log N) for sparse ids.
template <class = void>
ComparisonLayout make_comparison_layout(std::span<const Comparison> records, quality::TieRule ties,
                                        std::string_view function) {
  check_comparisons(records, function);
  if (ties != quality::TieRule::ignore && ties != quality::TieRule::half) {
    fail(function, "'options.ties' is not a TieRule (got ", static_cast<int>(ties), ")");
  }
  const std::string name(function);
  ComparisonLayout layout;
  layout.items = IdMap::from_ids(ComparisonItemRange{records}, name.c_str(), "comparisons");
  layout.annotators =
      IdMap::from_ids(ComparisonAnnotatorRange{records}, name.c_str(), "comparisons");
  for (const Comparison& c : records) {
    double w = 0.5;
    if (c.winner == Winner::left) {
      w = 1.0;
    } else if (c.winner == Winner::right) {
      w = 0.0;
    } else if (ties == quality::TieRule::ignore) {
      continue;
    }
    layout.left.push_back(layout.items.find(c.left));
    layout.right.push_back(layout.items.find(c.right));
    layout.annotator.push_back(layout.annotators.find(c.annotator));
    layout.left_win.push_back(w);
  }
  return layout;
}

/// Fills items, ranking (by `order_key`, descending; ties to the lower id) and the connected
/// components of the counted comparisons. O(N α(I) + I log I).
template <class Key>
void fill_preference_shape(const ComparisonLayout& layout, const Key& order_key,
                           quality::PreferenceScores& out) {
  const Index n = layout.items.size();
  const auto ns = static_cast<std::size_t>(n);
  out.items = layout.items.ids();
  std::vector<Index> parent(ns);
  std::iota(parent.begin(), parent.end(), Index{0});
  auto root = [&](Index i) {
    while (parent[static_cast<std::size_t>(i)] != i) {
      auto& p = parent[static_cast<std::size_t>(i)];
      p = parent[static_cast<std::size_t>(p)];
      i = p;
    }
    return i;
  };
  for (std::size_t e = 0; e < layout.left.size(); ++e) {
    const Index a = root(layout.left[e]);
    const Index b = root(layout.right[e]);
    if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
  }
  out.components.assign(ns, -1);
  std::vector<Index> label_of_root(ns, -1);
  out.n_components = 0;
  for (Index i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(root(i));
    if (label_of_root[r] < 0) label_of_root[r] = out.n_components++;
    out.components[static_cast<std::size_t>(i)] = label_of_root[r];
  }
  std::vector<Index> rows(ns);
  std::iota(rows.begin(), rows.end(), Index{0});
  std::stable_sort(rows.begin(), rows.end(),
                   [&](Index a, Index b) { return order_key(a) > order_key(b); });
  out.ranking.resize(ns);
  for (std::size_t k = 0; k < ns; ++k)
    out.ranking[k] = out.items[static_cast<std::size_t>(rows[k])];
}

/// log sigma(z) = -log(1 + exp(-z)), without overflow.
[[nodiscard]] inline double bt_log_sigmoid(double z) noexcept {
  return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

/// sigma(z) = 1 / (1 + exp(-z)), without overflow.
[[nodiscard]] inline double bt_sigmoid(double z) noexcept {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

/// NoisyBT's penalised negative log-likelihood and its gradient. Parameters:
/// x = [s_0 (anchor), s_1..s_I (item logits), q_1..q_A (bias logits), gamma_1..gamma_A (skill
/// logits)].
template <class Scalar = double>
struct NoisyBtObjective {
  const ComparisonLayout* layout;
  double lambda;

  double operator()(const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& x,
                    Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& gradient) const {
    const Index n_items = layout->items.size();
    const Index n_annotators = layout->annotators.size();
    gradient.setZero(x.size());
    double total = 0;
    for (std::size_t e = 0; e < layout->left.size(); ++e) {
      const Index l = 1 + layout->left[e];
      const Index r = 1 + layout->right[e];
      const Index q_at = 1 + n_items + layout->annotator[e];
      const Index g_at = q_at + n_annotators;
      const double d = x(l) - x(r), q = x(q_at);
      const double g = bt_sigmoid(x(g_at));
      const double w_left = layout->left_win[e];
      for (const double y : {1.0, -1.0}) {
        const double weight = y > 0 ? w_left : 1.0 - w_left;
        if (weight == 0) continue;
        const double a = bt_sigmoid(y * d), b = bt_sigmoid(y * q);
        const double p = g * a + (1 - g) * b;
        total += weight * std::log(p);
        const double dd = weight * g * a * (1 - a) * y / p;
        gradient(l) -= dd;
        gradient(r) += dd;
        gradient(q_at) -= weight * (1 - g) * b * (1 - b) * y / p;
        gradient(g_at) -= weight * g * (1 - g) * (a - b) / p;
      }
    }
    double penalty = 0;
    for (Index i = 1; i <= n_items; ++i) {
      const double z = x(i) - x(0);
      penalty += bt_log_sigmoid(-z) + bt_log_sigmoid(z);
      const double t = std::tanh(z / 2);
      gradient(i) += lambda * t;
      gradient(0) -= lambda * t;
    }
    return -total - lambda * penalty;
  }
};

}  // namespace detail
namespace quality {

/// Bradley–Terry scores of pairwise comparisons by Hunter's MM algorithm.
///
/// Model: P(i preferred to j) = p_i / (p_i + p_j). With W_i the wins of item i and n_ij the
/// counted comparisons of i and j, each iteration sets
///   p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j),   then p <- p / sum_k p_k,
/// from p = 1/I (Hunter 2004, eq. 3; Bradley & Terry 1952), the update crowd-kit's
/// BradleyTerry runs. Pairs with p_i + p_j = 0 add nothing; an item that never wins gets 0;
/// if no comparison is counted (every one a tie under TieRule::ignore) the scores stay 1/I.
/// The maximum-likelihood scores exist only when the comparison graph is strongly connected
/// (every item beats and loses to some chain of others); otherwise the scores drift towards the
/// undefeated items as iterations go on, as in crowd-kit. Scores in different `components` are
/// not comparable (their relative mass is an artefact of the iterations). Empty input gives an
/// empty result. Annotator ids are validated but not used. O(N) per iteration plus
/// O(N log N) to lay the comparisons out.
///
/// Differences from crowd-kit: ties are TieRule::ignore or TieRule::half (crowd-kit drops any
/// label that is neither side); the tolerance compares each iteration with the one before
/// (crowd-kit compares the score array with itself from the second iteration on, so a positive
/// `tol` always stops it after two iterations); no I x I matrix is allocated.
/// @throws labelkit::invalid_argument naming the record for a negative id, an item compared
///   with itself or a winner outside Winner; for max_iterations < 0, a negative or non-finite
///   tolerance, or a ties value outside TieRule.
/// @tparam Scalar the scalar of the scores (double; a template parameter so that the function
///   is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] BradleyTerryResult bradley_terry(std::span<const Comparison> comparisons,
                                               const BradleyTerryOptions& options = {}) {
  constexpr std::string_view function = "bradley_terry";
  if (options.max_iterations < 0) {
    detail::fail(function, "'options.max_iterations' must be >= 0 (got ", options.max_iterations,
                 ")");
  }
  if (!(options.tolerance >= 0) || std::isinf(options.tolerance)) {
    detail::fail(function, "'options.tolerance' must be finite and >= 0 (got ", options.tolerance,
                 ")");
  }
  const auto layout = detail::make_comparison_layout(comparisons, options.ties, function);
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const Index n = layout.items.size();
  BradleyTerryResult result;
  if (n == 0) {
    detail::fill_preference_shape(
        layout, [](Index) { return 0.0; }, result);
    return result;
  }
  Vector wins = Vector::Zero(n);
  for (std::size_t e = 0; e < layout.left.size(); ++e) {
    wins(layout.left[e]) += layout.left_win[e];
    wins(layout.right[e]) += 1.0 - layout.left_win[e];
  }
  Vector p = Vector::Constant(n, 1.0 / static_cast<double>(n));
  Vector next(n), z(n);
  const bool any_win = wins.sum() > 0;
  for (int iteration = 0; iteration < options.max_iterations && any_win; ++iteration) {
    z.setZero();
    for (std::size_t e = 0; e < layout.left.size(); ++e) {
      const Index i = layout.left[e], j = layout.right[e];
      const double sum = p(i) + p(j);
      if (sum > 0) {
        z(i) += 1.0 / sum;
        z(j) += 1.0 / sum;
      }
    }
    for (Index i = 0; i < n; ++i) next(i) = wins(i) > 0 ? wins(i) / z(i) : 0.0;
    next /= next.sum();
    const double change = (next - p).cwiseAbs().sum();
    p.swap(next);
    result.changes.push_back(change);
    result.iterations = iteration + 1;
    if (options.tolerance > 0 && change < options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.scores = p.template cast<double>();
  detail::fill_preference_shape(
      layout, [&](Index i) { return result.scores(i); }, result);
  return result;
}

/// NoisyBT: Bradley–Terry with a skill and a bias per annotator (crowd-kit's NoisyBradleyTerry).
///
/// Annotator j compares items l and r (y = +1 if it preferred l, -1 if r) with probability
///   P(y) = sigma(gamma_j) sigma(y (s_l - s_r)) + (1 - sigma(gamma_j)) sigma(y q_j):
/// with probability sigma(gamma_j) (its skill) it answers by the scores, otherwise it guesses
/// left with probability sigma(q_j) (its bias). The fit maximises
///   sum over comparisons of log P(y) + lambda sum_i [log sigma(s_0 - s_i) + log sigma(s_i - s_0)]
/// (the penalty ties the item logits to a free anchor s_0, keeping them finite when an item
/// never loses) by L-BFGS with the exact gradient, from s = 0, q = 0, gamma =
/// options.initial_skill_logit. A tie under TieRule::half counts as half of y = +1 and half of
/// y = -1. Scores are sigma(s_i); the ranking orders the s_i. The objective is not concave:
/// another start can give another local maximum. Empty input gives an empty result.
/// O(N + I + A) per objective evaluation.
///
/// Differences from crowd-kit (whose gradient is not the gradient of its objective): crowd-kit
/// starts from uniform random parameters (seed 0), stops on a relative change of the objective,
/// adds its penalty with the sign that rewards spreading the scores while its gradient assumes
/// the other sign, writes the bias and skill derivatives of each comparison to the parameters of
/// the previous annotator index and keeps only the last comparison's, and counts a label that
/// is neither side as a right win. labelkit maximises the objective above exactly.
/// @throws labelkit::invalid_argument naming the record for a negative id, an item compared
///   with itself or a winner outside Winner; for max_iterations < 0, a negative or non-finite
///   tolerance or regularization, a non-finite initial_skill_logit, or a ties value outside
///   TieRule.
/// @tparam Scalar as bradley_terry().
template <class Scalar = double>
[[nodiscard]] NoisyBradleyTerryResult noisy_bradley_terry(
    std::span<const Comparison> comparisons, const NoisyBradleyTerryOptions& options = {}) {
  constexpr std::string_view function = "noisy_bradley_terry";
  if (options.max_iterations < 0) {
    detail::fail(function, "'options.max_iterations' must be >= 0 (got ", options.max_iterations,
                 ")");
  }
  if (!(options.tolerance >= 0) || std::isinf(options.tolerance)) {
    detail::fail(function, "'options.tolerance' must be finite and >= 0 (got ", options.tolerance,
                 ")");
  }
  if (!(options.regularization >= 0) || std::isinf(options.regularization)) {
    detail::fail(function, "'options.regularization' must be finite and >= 0 (got ",
                 options.regularization, ")");
  }
  if (!std::isfinite(options.initial_skill_logit)) {
    detail::fail(function, "'options.initial_skill_logit' must be finite (got ",
                 options.initial_skill_logit, ")");
  }
  const auto layout = detail::make_comparison_layout(comparisons, options.ties, function);
  const Index n = layout.items.size();
  const Index m = layout.annotators.size();
  NoisyBradleyTerryResult result;
  result.annotators = layout.annotators.ids();
  if (n == 0) {
    detail::fill_preference_shape(
        layout, [](Index) { return 0.0; }, result);
    return result;
  }
  Eigen::VectorXd x = Eigen::VectorXd::Zero(1 + n + 2 * m);
  x.tail(m).setConstant(options.initial_skill_logit);
  detail::NoisyBtObjective<Scalar> objective{&layout, options.regularization};
  detail::LbfgsSettings settings;
  settings.gradient_tolerance = options.tolerance;
  settings.max_iterations = options.max_iterations;
  Eigen::VectorXd gradient(x.size());
  if (options.max_iterations > 0) {
    const auto run = detail::minimize_lbfgs(objective, x, Eigen::VectorXd(), settings);
    result.iterations = run.iterations;
    result.converged = run.converged;
  }
  result.objective = -objective(x, gradient);
  result.scores.resize(n);
  for (Index i = 0; i < n; ++i) result.scores(i) = detail::bt_sigmoid(x(1 + i));
  result.biases.resize(m);
  result.skills.resize(m);
  for (Index j = 0; j < m; ++j) {
    result.biases(j) = detail::bt_sigmoid(x(1 + n + j));
    result.skills(j) = detail::bt_sigmoid(x(1 + n + m + j));
  }
  const Eigen::VectorXd logits = x.segment(1, n);
  detail::fill_preference_shape(
      layout, [&](Index i) { return logits(i); }, result);
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
