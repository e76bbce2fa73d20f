#pragma once
/// @file
/// Label issues in multi-label data (cleanlab's `multilabel_classification.filter.
/// find_label_issues` and `multilabel_classification.rank.get_label_quality_scores`): each
/// class is a binary problem ("has the label" or not) run through find_label_issues(), and an
/// item is an issue when any of its class memberships is; items are ranked by per-class label
/// quality scores aggregated with an exponential moving average.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/confident_learning.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of find_multilabel_issues(): find_label_issues()'s, applied to every class, plus the
/// aggregation. `thresholds` and `num_to_remove_per_class` are refused (they are per binary
/// problem, not per item).
struct MultilabelIssueOptions : LabelIssueOptions {
  /// Forgetting factor of the exponential moving average that turns the per-class scores of an
  /// item into one (cleanlab's default 0.8), in [0, 1].
  double alpha = 0.8;
};

/// Result of find_multilabel_issues(). Rows are items.
struct MultilabelIssuesResult {
  /// Items with at least one class membership flagged, most likely errors first (quality
  /// ascending, ties to the lower row).
  std::vector<Eigen::Index> issues;
  /// Per class: the rows whose membership of that class was flagged, ascending.
  std::vector<std::vector<Eigen::Index>> per_class;
  Eigen::MatrixXd class_quality;  ///< items x classes, per-class label quality (rank_by).
  Eigen::VectorXd quality;        ///< Aggregated label quality per item.
};

}  // namespace quality
namespace detail {

template <class DerivedLabels, class DerivedProbabilities>
void check_multilabel(const Eigen::MatrixBase<DerivedLabels>& labels,
                      const Eigen::MatrixBase<DerivedProbabilities>& p, std::string_view function) {
  if (labels.rows() != p.rows() || labels.cols() != p.cols()) {
    fail<dimension_mismatch>(function, "'labels' is ", labels.rows(), " x ", labels.cols(),
                             " but 'probabilities' is ", p.rows(), " x ", p.cols(),
                             " (expected the same shape: items x classes)");
  }
  if (p.cols() < 1 || p.rows() < 1) fail(function, "'probabilities' is empty");
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      const auto v = static_cast<double>(p(i, k));
      if (!(v >= 0 && v <= 1)) {
        fail(function, "'probabilities' entry at row ", i, ", column ", k,
             " is not a probability in [0, 1] (got ", v, ")");
      }
      const auto y = static_cast<double>(labels(i, k));
      if (y != 0 && y != 1) {
        fail(function, "'labels' entry at row ", i, ", column ", k, " is not 0 or 1 (got ", y, ")");
      }
    }
  }
}

/// Exponential moving average of a row's scores sorted in descending order: e = s_1, then
/// e = alpha · s_t + (1 - alpha) · e.
template <class Scalar = double>
Scalar descending_moving_average(std::vector<Scalar>& scores, Scalar alpha) {
  std::sort(scores.begin(), scores.end(), std::greater<>());
  Scalar e = scores.front();
  for (std::size_t t = 1; t < scores.size(); ++t) e = alpha * scores[t] + (1 - alpha) * e;
  return e;
}

/// Per-class scores (items x classes) and their moving average per item.
template <class DerivedLabels, class DerivedProbabilities>
std::pair<Eigen::MatrixXd, Eigen::VectorXd> multilabel_scores(
    const Eigen::MatrixBase<DerivedLabels>& labels,
    const Eigen::MatrixBase<DerivedProbabilities>& p, quality::RankBy rank_by, double alpha) {
  std::pair<Eigen::MatrixXd, Eigen::VectorXd> out{Eigen::MatrixXd(p.rows(), p.cols()),
                                                  Eigen::VectorXd(p.rows())};
  Eigen::Matrix<double, 1, 2> binary;
  std::vector<double> row(static_cast<std::size_t>(p.cols()));
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      const auto v = static_cast<double>(p(i, k));
      binary << 1 - v, v;
      out.first(i, k) =
          quality_score(binary, 0, static_cast<double>(labels(i, k)) != 0 ? 1 : 0, rank_by);
      row[static_cast<std::size_t>(k)] = out.first(i, k);
    }
    out.second(i) = descending_moving_average(row, alpha);
  }
  return out;
}

}  // namespace detail
namespace quality {

/// Label quality per item of multi-label data (cleanlab's multilabel_classification.rank.
/// get_label_quality_scores): for class k the binary score of RankBy on (1 - p_k, p_k) against
/// the membership y_k (self-confidence: p_k if y_k = 1, else 1 - p_k; the normalised margin
/// equals it for two classes), then the exponential moving average of the item's scores sorted
/// in descending order (alpha 0.8: dominated by the worst classes). Higher = more likely
/// correct. `labels` and `probabilities` are items x classes (labels 0/1; probabilities need not
/// sum to 1 over a row). O(n·K log K).
/// @throws labelkit::dimension_mismatch if the shapes differ; labelkit::invalid_argument for an
///   empty matrix, a probability outside [0, 1] or NaN, a label other than 0/1 (naming the
///   entry), or alpha outside [0, 1].
template <class DerivedLabels, class DerivedProbabilities>
[[nodiscard]] Eigen::VectorXd multilabel_quality_scores(
    const Eigen::MatrixBase<DerivedLabels>& labels,
    const Eigen::MatrixBase<DerivedProbabilities>& probabilities,
    RankBy rank_by = RankBy::self_confidence, double alpha = 0.8) {
  constexpr const char* function = "multilabel_quality_scores";
  detail::check_multilabel(labels, probabilities, function);
  if (!(alpha >= 0 && alpha <= 1)) {
    detail::fail(function, "'alpha' must lie in [0, 1] (got ", alpha, ")");
  }
  return detail::multilabel_scores(labels, probabilities, rank_by, alpha).second;
}

/// Finds likely label errors in multi-label data (cleanlab's multilabel_classification.filter.
/// find_label_issues). For every class k, find_label_issues() runs on the binary problem
/// (memberships y_k, probabilities (1 - p_k, p_k)) with options' filter_by, frac_noise and
/// min_examples_per_class; an item is an issue when any class flags it. With
/// low_self_confidence or low_normalized_margin instead, the issues are the m items of lowest
/// aggregated self-confidence, m = the number of items the confident_learning filter flags.
/// Issues are ranked by multilabel_quality_scores() with options.rank_by and options.alpha.
/// O(K·(n·log n)).
/// @throws as multilabel_quality_scores(), and labelkit::invalid_argument for
///   options.thresholds or options.num_to_remove_per_class, or as find_label_issues() for the
///   other options.
template <class DerivedLabels, class DerivedProbabilities>
[[nodiscard]] MultilabelIssuesResult find_multilabel_issues(
    const Eigen::MatrixBase<DerivedLabels>& labels,
    const Eigen::MatrixBase<DerivedProbabilities>& probabilities,
    const MultilabelIssueOptions& options = {}) {
  constexpr const char* function = "find_multilabel_issues";
  detail::check_multilabel(labels, probabilities, function);
  if (!(options.alpha >= 0 && options.alpha <= 1)) {
    detail::fail(function, "'options.alpha' must lie in [0, 1] (got ", options.alpha, ")");
  }
  if (options.thresholds || options.num_to_remove_per_class) {
    detail::fail(function,
                 "'options.thresholds' and 'options.num_to_remove_per_class' are not supported "
                 "for multi-label data");
  }
  const Eigen::Index n = probabilities.rows();
  const Eigen::Index c = probabilities.cols();
  MultilabelIssuesResult result;
  auto [class_quality, quality] =
      detail::multilabel_scores(labels, probabilities, options.rank_by, options.alpha);
  result.class_quality = std::move(class_quality);
  result.quality = std::move(quality);
  result.per_class.resize(static_cast<std::size_t>(c));
  const bool low_score = options.filter_by == FilterBy::low_self_confidence ||
                         options.filter_by == FilterBy::low_normalized_margin;
  LabelIssueOptions binary_options = options;
  if (low_score) binary_options.filter_by = FilterBy::confident_learning;
  std::vector<char> flagged(static_cast<std::size_t>(n), 0);
  std::vector<int> y(static_cast<std::size_t>(n));
  Eigen::MatrixXd binary(n, 2);
  for (Eigen::Index k = 0; k < c; ++k) {
    for (Eigen::Index i = 0; i < n; ++i) {
      y[static_cast<std::size_t>(i)] = static_cast<double>(labels(i, k)) != 0 ? 1 : 0;
      binary(i, 1) = static_cast<double>(probabilities(i, k));
      binary(i, 0) = 1 - binary(i, 1);
    }
    const auto r = find_label_issues(y, binary, binary_options);
    auto& rows = result.per_class[static_cast<std::size_t>(k)];
    for (const auto& issue : r.issues) rows.push_back(issue.index);
    std::sort(rows.begin(), rows.end());
    for (const Eigen::Index i : rows) flagged[static_cast<std::size_t>(i)] = 1;
  }
  auto before = [&](Eigen::Index a, Eigen::Index b, const Eigen::VectorXd& score) {
    return score(a) < score(b) || (score(a) == score(b) && a < b);
  };
  if (low_score) {
    std::size_t m = 0;
    for (const char f : flagged) m += f != 0 ? 1 : 0;
    const Eigen::VectorXd self =
        options.rank_by == RankBy::self_confidence
            ? result.quality
            : detail::multilabel_scores(labels, probabilities, RankBy::self_confidence,
                                        options.alpha)
                  .second;
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
    std::sort(order.begin(), order.end(),
              [&](Eigen::Index a, Eigen::Index b) { return before(a, b, self); });
    std::fill(flagged.begin(), flagged.end(), 0);
    for (std::size_t r = 0; r < m; ++r) flagged[static_cast<std::size_t>(order[r])] = 1;
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    if (flagged[static_cast<std::size_t>(i)] != 0) result.issues.push_back(i);
  }
  std::sort(result.issues.begin(), result.issues.end(),
            [&](Eigen::Index a, Eigen::Index b) { return before(a, b, result.quality); });
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
