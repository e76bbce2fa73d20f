#pragma once
/// @file
/// Label-error detection with confident learning (Northcutt, Jiang & Chuang 2021, "Confident
/// Learning: Estimating Uncertainty in Dataset Labels", JAIR 70): per-class thresholds, the
/// confident joint, the estimated noise matrices, ranked label issues with a suggested label,
/// and per-item label quality scores.
///
/// Inputs are the given (possibly noisy) labels and out-of-sample predicted probabilities
/// (rows are items, as from cross-validation: a model must not have trained on the item it
/// scores). Float and double inputs both work; results are double.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// How find_label_issues() picks the issues (cleanlab's `filter_by`).
enum class FilterBy {
  /// For each off-diagonal cell (given i, true j) of the confident joint, the n_ij items given
  /// i with the largest margin p_j - p_i.
  prune_by_noise_rate,
  /// For each given class i, the sum_{j != i} n_ij items given i with the lowest p_i.
  prune_by_class,
  /// Items chosen by both rules.
  both,
  /// The items counted in the off-diagonal cells of the (uncalibrated) confident joint.
  confident_learning,
};

/// Per-item label quality score (higher = more likely correct).
enum class RankBy {
  /// p_{given}: the predicted probability of the given label.
  self_confidence,
  /// (p_{given} - max_{k != given} p_k + 1) / 2, in [0, 1].
  normalized_margin,
};

/// Options of find_label_issues().
struct LabelIssueOptions {
  FilterBy filter_by = FilterBy::prune_by_noise_rate;  ///< Which items count as issues.
  RankBy rank_by = RankBy::self_confidence;            ///< Order of issues and quality score.
  /// Fraction of the estimated number of issues to return (1 = all), in [0, 1].
  double frac_noise = 1.0;
  /// Never flag so many items of a given class that fewer than this many remain.
  Eigen::Index min_examples_per_class = 1;
};

/// One likely label error.
struct LabelIssue {
  Eigen::Index index = 0;   ///< Row of the item.
  int given_label = 0;      ///< The label it has.
  int suggested_label = 0;  ///< argmax_{k != given} p_k (ties to the lower class).
  double quality = 0;       ///< Its label quality score (rank_by).

  /// Member-wise equality.
  friend bool operator==(const LabelIssue&, const LabelIssue&) = default;
};

/// The confident-learning estimates and the ranked issues.
struct LabelIssuesResult {
  Eigen::VectorXd thresholds;  ///< t_k, per class.
  /// C x C counts, row = given label, column = estimated true label; calibrated (rows sum to
  /// the given-label counts, total = n).
  Eigen::MatrixXd confident_joint;
  Eigen::MatrixXd noise_matrix;          ///< P(given = i | true = j), columns sum to 1.
  Eigen::MatrixXd inverse_noise_matrix;  ///< P(true = j | given = i), rows sum to 1.
  std::vector<LabelIssue> issues;        ///< Most likely errors first (quality asc, index asc).
  Eigen::VectorXd quality;               ///< Label quality score of every item.
  std::vector<int> suggested_labels;     ///< argmax_{k != given} p_k for every item.
};

}  // namespace quality
namespace detail {

template <class Derived>
void check_labels_and_probabilities(std::span<const int> labels,
                                    const Eigen::MatrixBase<Derived>& p,
                                    std::string_view function) {
  labelkit::detail::check_probabilities(p, function, "probabilities");
  if (p.cols() < 2) {
    labelkit::detail::fail(function, "'probabilities' must have at least 2 columns (got ", p.cols(),
                           ")");
  }
  labelkit::detail::check_class_count(p.cols(), function, "probabilities.cols()");
  labelkit::detail::check_allocation(
      {4, static_cast<std::size_t>(p.cols()), static_cast<std::size_t>(p.cols())}, sizeof(double),
      function, "the classes x classes joint and noise matrices");
  if (static_cast<Eigen::Index>(labels.size()) != p.rows()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labels' has ", labels.size(),
                                               " entries but 'probabilities' has ", p.rows(),
                                               " rows (expected one label per row)");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= p.cols()) {
      labelkit::detail::fail(function, "'labels' entry ", i, " is outside [0, ", p.cols(),
                             ") (got ", labels[i], ")");
    }
  }
}

/// Per-class thresholds: the mean of p_k over the items given k, summed with Neumaier's
/// compensated summation and clamped to [min, max] of the values averaged, so that the mean of
/// n equal values is exactly that value (a plain running sum of 2,500 copies of 0.95 divided by
/// 2,500 gives 0.9500000000000025, and the test p >= t_k would then fail for every item).
template <class Derived>
Eigen::VectorXd thresholds_unchecked(std::span<const int> labels,
                                     const Eigen::MatrixBase<Derived>& p) {
  const Eigen::Index c = p.cols();
  constexpr double infinity = std::numeric_limits<double>::infinity();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(c);
  Eigen::VectorXd compensation = Eigen::VectorXd::Zero(c);
  Eigen::VectorXd count = Eigen::VectorXd::Zero(c);
  Eigen::VectorXd low = Eigen::VectorXd::Constant(c, infinity);
  Eigen::VectorXd high = Eigen::VectorXd::Constant(c, -infinity);
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const int y = labels[static_cast<std::size_t>(i)];
    const auto v = static_cast<double>(p(i, y));
    const double t = sum(y) + v;
    compensation(y) += std::abs(sum(y)) >= std::abs(v) ? (sum(y) - t) + v : (v - t) + sum(y);
    sum(y) = t;
    count(y) += 1;
    low(y) = std::min(low(y), v);
    high(y) = std::max(high(y), v);
  }
  Eigen::VectorXd t(c);
  for (Eigen::Index k = 0; k < c; ++k) {
    t(k) = count(k) > 0 ? std::clamp((sum(k) + compensation(k)) / count(k), low(k), high(k))
                        : infinity;
  }
  return t;
}

/// Per item: the confidently-assigned true class, or -1.
template <class Derived>
std::vector<int> confident_classes(const Eigen::MatrixBase<Derived>& p, const Eigen::VectorXd& t) {
  std::vector<int> out(static_cast<std::size_t>(p.rows()), -1);
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    int best = -1;
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      const auto v = static_cast<double>(p(i, k));
      if (v >= t(k) && (best < 0 || v > static_cast<double>(p(i, best)))) {
        best = static_cast<int>(k);
      }
    }
    out[static_cast<std::size_t>(i)] = best;
  }
  return out;
}

/// The confident joint calibrated: each row rescaled to its given-label count, then the whole
/// to the number of items (Northcutt et al. 2021, eq. 2).
template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> calibrate(
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& joint,
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& label_counts) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> cj = joint;
  for (Eigen::Index i = 0; i < cj.rows(); ++i) {
    const double row = cj.row(i).sum();
    if (row > 0) cj.row(i) *= label_counts(i) / row;
  }
  const double total = cj.sum();
  if (total > 0) cj *= label_counts.sum() / total;
  return cj;
}

/// Rounds a non-negative vector to integers preserving its (rounded) total: largest remainders
/// get the leftover units, ties to the lower index. A template (on the value type, double) so
/// that its sort is compiled only where it is used.
template <class Real>
std::vector<Eigen::Index> round_preserving_total(const std::vector<Real>& v) {
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  auto target = static_cast<Eigen::Index>(std::llround(total));
  std::vector<Eigen::Index> out(v.size());
  std::vector<std::size_t> order(v.size());
  Eigen::Index assigned = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    out[k] = static_cast<Eigen::Index>(std::floor(v[k]));
    assigned += out[k];
    order[k] = k;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return v[a] - std::floor(v[a]) > v[b] - std::floor(v[b]);
  });
  for (std::size_t r = 0; r < order.size() && assigned < target; ++r, ++assigned) ++out[order[r]];
  return out;
}

template <class Derived>
double quality_score(const Eigen::MatrixBase<Derived>& p, Eigen::Index i, int y,
                     quality::RankBy rank_by) {
  const auto self = static_cast<double>(p(i, y));
  if (rank_by == quality::RankBy::self_confidence) return self;
  double other = -1;
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    if (k != y) other = std::max(other, static_cast<double>(p(i, k)));
  }
  return (self - other + 1) / 2;
}

template <class Derived>
int suggested(const Eigen::MatrixBase<Derived>& p, Eigen::Index i, int y) {
  int best = -1;
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    if (k == y) continue;
    if (best < 0 || p(i, k) > p(i, best)) best = static_cast<int>(k);
  }
  return best;
}

}  // namespace detail
namespace quality {

/// Per-class thresholds t_k = mean of p_k over the items given label k (the model's average
/// self-confidence on class k). A class nobody was given gets +infinity (never confident).
///
/// The mean is summed with compensation and clamped to the range of the values averaged, so
/// t_k is exactly p when every item given k has p_k = p, and the exact test p_k >= t_k then
/// counts all of them. (cleanlab compares against t_k - 1e-6 instead; the two agree except for
/// probabilities within 1e-6 below a threshold.) O(n·C).
/// @throws labelkit::invalid_argument if `probabilities` is not a valid probability matrix with
///   >= 2 columns, or a label is outside [0, C); labelkit::dimension_mismatch if the sizes differ.
template <class Derived>
[[nodiscard]] Eigen::VectorXd per_class_thresholds(
    std::span<const int> labels, const Eigen::MatrixBase<Derived>& probabilities) {
  detail::check_labels_and_probabilities(labels, probabilities, "per_class_thresholds");
  return detail::thresholds_unchecked(labels, probabilities);
}

/// The confident joint C[i][j]: the number of items given label i whose predicted
/// probability for j reaches t_j (if several classes do, the one with the largest p; ties to
/// the lower class). With `calibrate`, each row is rescaled to the number of items given i
/// and the whole to n (Northcutt et al. 2021, eq. 2). As in cleanlab, the diagonal is raised
/// to at least 1 before calibration, so that every given class keeps one confident example.
/// O(n·C + C²).
/// @throws as per_class_thresholds().
template <class Derived>
[[nodiscard]] Eigen::MatrixXd confident_joint(std::span<const int> labels,
                                              const Eigen::MatrixBase<Derived>& probabilities,
                                              bool calibrate = true) {
  detail::check_labels_and_probabilities(labels, probabilities, "confident_joint");
  const Eigen::Index c = probabilities.cols();
  const auto t = detail::thresholds_unchecked(labels, probabilities);
  const auto guess = detail::confident_classes(probabilities, t);
  Eigen::MatrixXd joint = Eigen::MatrixXd::Zero(c, c);
  Eigen::VectorXd label_counts = Eigen::VectorXd::Zero(c);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    label_counts(labels[i]) += 1;
    if (guess[i] >= 0) joint(labels[i], guess[i]) += 1;
  }
  for (Eigen::Index k = 0; k < c; ++k) joint(k, k) = std::max(joint(k, k), 1.0);
  return calibrate ? detail::calibrate(joint, label_counts) : joint;
}

/// Estimated noise matrices from a (calibrated) confident joint: with Q = joint / sum(joint),
/// noise_matrix(i, j) = P(given = i | true = j) = Q(i, j) / sum_i Q(i, j) and
/// inverse_noise_matrix(i, j) = P(true = j | given = i) = Q(i, j) / sum_j Q(i, j). A zero column
/// (or row) is returned as the identity column (row).
struct NoiseMatrices {
  Eigen::MatrixXd noise_matrix;          ///< P(given = i | true = j).
  Eigen::MatrixXd inverse_noise_matrix;  ///< P(true = j | given = i).
  Eigen::VectorXd true_prior;            ///< P(true = j), the column sums of Q.
};

/// See NoiseMatrices. O(C²).
/// @throws labelkit::invalid_argument if `joint` is not square, is empty, or has a negative or
///   non-finite entry.
/// @tparam Scalar the scalar of `joint` (double; a template parameter, never deduced, so that
///   the function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] NoiseMatrices estimate_noise_matrices(
    const Eigen::Matrix<std::type_identity_t<Scalar>, Eigen::Dynamic, Eigen::Dynamic>& joint) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  constexpr const char* function = "estimate_noise_matrices";
  if (joint.rows() != joint.cols() || joint.rows() == 0) {
    labelkit::detail::fail(function, "'joint' must be a non-empty square matrix (got ",
                           joint.rows(), " x ", joint.cols(), ")");
  }
  labelkit::detail::check_finite(joint, function, "joint");
  if ((joint.array() < 0).any()) labelkit::detail::fail(function, "'joint' has a negative entry");
  const Eigen::Index c = joint.rows();
  const double total = joint.sum();
  NoiseMatrices m;
  m.noise_matrix = Matrix::Identity(c, c);
  m.inverse_noise_matrix = Matrix::Identity(c, c);
  m.true_prior = Vector::Zero(c);
  for (Eigen::Index j = 0; j < c; ++j) {
    const double column = joint.col(j).sum();
    if (column > 0) m.noise_matrix.col(j) = joint.col(j) / column;
    if (total > 0) m.true_prior(j) = column / total;
  }
  for (Eigen::Index i = 0; i < c; ++i) {
    const double row = joint.row(i).sum();
    if (row > 0) m.inverse_noise_matrix.row(i) = joint.row(i) / row;
  }
  return m;
}

/// Per-item label quality scores (higher = more likely correct), see RankBy. O(n·C).
/// @throws as per_class_thresholds().
template <class Derived>
[[nodiscard]] Eigen::VectorXd label_quality_scores(std::span<const int> labels,
                                                   const Eigen::MatrixBase<Derived>& probabilities,
                                                   RankBy rank_by = RankBy::self_confidence) {
  detail::check_labels_and_probabilities(labels, probabilities, "label_quality_scores");
  Eigen::VectorXd q(probabilities.rows());
  for (Eigen::Index i = 0; i < q.size(); ++i) {
    q(i) = detail::quality_score(probabilities, i, labels[static_cast<std::size_t>(i)], rank_by);
  }
  return q;
}

/// Finds likely label errors with confident learning.
///
/// Steps: thresholds t_k; the confident joint, calibrated and rounded to integers preserving
/// each row total; for each given class i the number of issues n_ij = round(frac_noise · C_ij)
/// per off-diagonal cell, capped so that at least min_examples_per_class items of class i
/// remain; then the items per `filter_by` (see FilterBy). As in cleanlab, an item whose given
/// label is the model's argmax is never an issue. Issues are ranked by the quality score
/// (lowest first, ties to the lower index) and carry a suggested label.
///
/// Complexity O(n·C + n log n) time, O(n + C²) extra memory.
/// @throws labelkit::invalid_argument for invalid probabilities (NaN, outside [0, 1], rows not
///   summing to 1; naming the row), fewer than 2 columns, a label outside [0, C) (naming the
///   entry), frac_noise outside [0, 1] or min_examples_per_class < 0;
///   labelkit::dimension_mismatch if labels and rows differ in number.
template <class Derived>
[[nodiscard]] LabelIssuesResult find_label_issues(std::span<const int> labels,
                                                  const Eigen::MatrixBase<Derived>& probabilities,
                                                  LabelIssueOptions options = {}) {
  constexpr const char* function = "find_label_issues";
  detail::check_labels_and_probabilities(labels, probabilities, function);
  if (!(options.frac_noise >= 0 && options.frac_noise <= 1)) {
    labelkit::detail::fail(function, "'options.frac_noise' must lie in [0, 1] (got ",
                           options.frac_noise, ")");
  }
  if (options.min_examples_per_class < 0) {
    labelkit::detail::fail(function, "'options.min_examples_per_class' is negative (got ",
                           options.min_examples_per_class, ")");
  }
  const auto& p = probabilities;
  const Eigen::Index n = p.rows();
  const Eigen::Index c = p.cols();
  LabelIssuesResult result;
  result.thresholds = detail::thresholds_unchecked(labels, p);
  const auto guess = detail::confident_classes(p, result.thresholds);
  Eigen::MatrixXd raw = Eigen::MatrixXd::Zero(c, c);
  Eigen::VectorXd label_counts = Eigen::VectorXd::Zero(c);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    label_counts(labels[i]) += 1;
    if (guess[i] >= 0) raw(labels[i], guess[i]) += 1;
  }
  Eigen::MatrixXd floored = raw;
  for (Eigen::Index k = 0; k < c; ++k) floored(k, k) = std::max(floored(k, k), 1.0);
  result.confident_joint = detail::calibrate(floored, label_counts);
  const auto noise = estimate_noise_matrices(result.confident_joint);
  result.noise_matrix = noise.noise_matrix;
  result.inverse_noise_matrix = noise.inverse_noise_matrix;

  result.quality.resize(n);
  result.suggested_labels.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const int y = labels[static_cast<std::size_t>(i)];
    result.quality(i) = detail::quality_score(p, i, y, options.rank_by);
    result.suggested_labels[static_cast<std::size_t>(i)] = detail::suggested(p, i, y);
  }

  // Items to remove per (given i, true j), from the rounded calibrated joint.
  std::vector<std::vector<Eigen::Index>> to_remove(static_cast<std::size_t>(c));
  for (Eigen::Index i = 0; i < c; ++i) {
    std::vector<double> row(static_cast<std::size_t>(c));
    for (Eigen::Index j = 0; j < c; ++j)
      row[static_cast<std::size_t>(j)] = result.confident_joint(i, j);
    auto rounded = detail::round_preserving_total(row);
    std::vector<double> wanted(static_cast<std::size_t>(c), 0.0);
    double total = 0;
    for (Eigen::Index j = 0; j < c; ++j) {
      if (j == i) continue;
      wanted[static_cast<std::size_t>(j)] = std::round(
          options.frac_noise * static_cast<double>(rounded[static_cast<std::size_t>(j)]));
      total += wanted[static_cast<std::size_t>(j)];
    }
    const double cap =
        std::max(0.0, label_counts(i) - static_cast<double>(options.min_examples_per_class));
    if (total > cap) {
      for (auto& w : wanted) w *= cap / total;
      to_remove[static_cast<std::size_t>(i)] =
          detail::round_preserving_total(wanted);  // sums to cap
    } else {
      to_remove[static_cast<std::size_t>(i)].assign(static_cast<std::size_t>(c), 0);
      for (Eigen::Index j = 0; j < c; ++j) {
        to_remove[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] =
            static_cast<Eigen::Index>(wanted[static_cast<std::size_t>(j)]);
      }
    }
  }

  // Rows grouped by given label.
  std::vector<std::vector<Eigen::Index>> by_class(static_cast<std::size_t>(c));
  for (Eigen::Index i = 0; i < n; ++i)
    by_class[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])].push_back(i);

  std::vector<char> by_noise_rate(static_cast<std::size_t>(n), 0);
  std::vector<char> by_class_mask(static_cast<std::size_t>(n), 0);
  std::vector<std::pair<double, Eigen::Index>> scored;
  // Marks the `count` members of `rows` with the highest key (ties to the lower row).
  auto mark_top = [&](const std::vector<Eigen::Index>& rows, Eigen::Index count, auto key,
                      std::vector<char>& mask) {
    if (count <= 0) return;
    scored.clear();
    for (const Eigen::Index r : rows) scored.emplace_back(key(r), r);
    const auto k = std::min<std::size_t>(static_cast<std::size_t>(count), scored.size());
    if (k == 0) return;
    auto before = [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    };
    std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k) - 1,
                     scored.end(), before);
    for (std::size_t r = 0; r < k; ++r) mask[static_cast<std::size_t>(scored[r].second)] = 1;
  };
  const bool want_noise_rate =
      options.filter_by == FilterBy::prune_by_noise_rate || options.filter_by == FilterBy::both;
  const bool want_class =
      options.filter_by == FilterBy::prune_by_class || options.filter_by == FilterBy::both;
  for (Eigen::Index i = 0; i < c; ++i) {
    const auto& rows = by_class[static_cast<std::size_t>(i)];
    const auto& counts = to_remove[static_cast<std::size_t>(i)];
    if (want_noise_rate) {
      for (Eigen::Index j = 0; j < c; ++j) {
        if (j == i) continue;
        mark_top(
            rows, counts[static_cast<std::size_t>(j)],
            [&](Eigen::Index r) {
              return static_cast<double>(p(r, j)) - static_cast<double>(p(r, i));
            },
            by_noise_rate);
      }
    }
    if (want_class) {
      Eigen::Index total = 0;
      for (Eigen::Index j = 0; j < c; ++j)
        total += j == i ? 0 : counts[static_cast<std::size_t>(j)];
      mark_top(
          rows, total, [&](Eigen::Index r) { return -static_cast<double>(p(r, i)); },
          by_class_mask);
    }
  }

  for (Eigen::Index r = 0; r < n; ++r) {
    const auto s = static_cast<std::size_t>(r);
    const int y = labels[s];
    bool issue = false;
    switch (options.filter_by) {
      case FilterBy::prune_by_noise_rate:
        issue = by_noise_rate[s] != 0;
        break;
      case FilterBy::prune_by_class:
        issue = by_class_mask[s] != 0;
        break;
      case FilterBy::both:
        issue = by_noise_rate[s] != 0 && by_class_mask[s] != 0;
        break;
      case FilterBy::confident_learning:
        issue = guess[s] >= 0 && guess[s] != y;
        break;
    }
    if (!issue) continue;
    // The model agrees with the given label: not an issue.
    int argmax = 0;
    for (Eigen::Index k = 1; k < c; ++k) {
      if (p(r, k) > p(r, argmax)) argmax = static_cast<int>(k);
    }
    if (argmax == y) continue;
    result.issues.push_back({r, y, result.suggested_labels[s], result.quality(r)});
  }
  std::sort(result.issues.begin(), result.issues.end(),
            [](const LabelIssue& a, const LabelIssue& b) {
              return a.quality < b.quality || (a.quality == b.quality && a.index < b.index);
            });
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
