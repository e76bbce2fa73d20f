#pragma once
/// @file
/// Consistency checks on raw annotations: intra-annotator agreement on repeated items,
/// contradictions, annotators who always pick one label or answer implausibly fast, and items
/// whose votes disagree enough to need adjudication.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/detail/crowd.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of consistency_checks().
struct ConsistencyOptions {
  /// An annotator with at least this many answers, all with one label, is flagged single_label.
  Eigen::Index min_answers_single_label = 10;
  /// Answers faster than this many seconds count as fast (only when durations are given).
  double min_seconds = 2.0;
  /// An annotator with more than this fraction of fast answers is flagged too_fast (and needs
  /// at least min_answers_single_label answers).
  double max_fast_fraction = 0.25;
  /// Items with normalised vote entropy (entropy / ln C) at or above this go to adjudication.
  double entropy_threshold = 0.5;
  /// Items need at least this many answers to be considered for adjudication.
  Eigen::Index min_votes = 2;
};

/// One annotator's consistency figures.
struct AnnotatorConsistency {
  Eigen::Index annotator = 0;         ///< Annotator id.
  Eigen::Index n_answers = 0;         ///< Records.
  Eigen::Index n_items = 0;           ///< Distinct items answered.
  Eigen::Index n_repeated_items = 0;  ///< Items answered more than once.
  Eigen::Index repeat_pairs = 0;      ///< Pairs of answers on the same item.
  Eigen::Index agreeing_pairs = 0;    ///< Of those, pairs with the same label.
  /// agreeing_pairs / repeat_pairs: intra-annotator agreement (1 when there are no pairs).
  double repeat_agreement = 1;
  Eigen::Index n_contradictions = 0;  ///< Items given two or more different labels.
  Eigen::VectorXd label_counts;       ///< Answers per label (C entries).
  bool single_label = false;          ///< >= min_answers_single_label answers, one label.
  Eigen::Index n_fast = 0;            ///< Answers below min_seconds (durations given).
  double fast_fraction = 0;           ///< n_fast / n_answers.
  bool too_fast = false;              ///< fast_fraction > max_fast_fraction, enough answers.
};

/// Same annotator, same item, different labels.
struct Contradiction {
  Eigen::Index item = 0;       ///< Item id.
  Eigen::Index annotator = 0;  ///< Annotator id.
  std::vector<int> labels;     ///< The distinct labels given, ascending.

  /// Member-wise equality.
  friend bool operator==(const Contradiction&, const Contradiction&) = default;
};

/// An item whose answers disagree.
struct AdjudicationItem {
  Eigen::Index item = 0;     ///< Item id.
  double entropy = 0;        ///< Vote entropy / ln C, in [0, 1].
  Eigen::Index n_votes = 0;  ///< Answers on the item.

  /// Member-wise equality.
  friend bool operator==(const AdjudicationItem&, const AdjudicationItem&) = default;
};

/// Result of consistency_checks().
struct ConsistencyReport {
  std::vector<AnnotatorConsistency> annotators;  ///< Ascending annotator id.
  std::vector<Contradiction> contradictions;     ///< Ascending (annotator, item).
  /// Items to adjudicate, highest entropy first (ties to the lower item id).
  std::vector<AdjudicationItem> adjudication;
};

/// Runs the consistency checks.
///
/// `durations` (seconds per record, aligned with `annotations`) is optional: pass an empty span
/// to skip the speed check. Vote entropy is H = -sum_k p_k ln p_k with p the item's vote
/// shares (0 ln 0 = 0), divided by ln C. Complexity O(N log N + I·C + J·C).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), durations of the
///   wrong length (labelkit::dimension_mismatch) or negative / non-finite (naming the record),
///   or out-of-range options.
/// @tparam Scalar the scalar of the label counts (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] ConsistencyReport consistency_checks(std::span<const Annotation> annotations,
                                                   int n_classes, ConsistencyOptions options = {},
                                                   std::span<const double> durations = {}) {
  constexpr const char* function = "consistency_checks";
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(1, crowd.n_annotators(), n_classes, function,
                       "the annotators x classes label counts");
  if (!durations.empty() && durations.size() != annotations.size()) {
    detail::fail<dimension_mismatch>(function, "'durations' has ", durations.size(),
                                     " entries but 'annotations' has ", annotations.size(),
                                     " (expected one duration per record, or none)");
  }
  for (std::size_t r = 0; r < durations.size(); ++r) {
    if (!std::isfinite(durations[r]) || durations[r] < 0) {
      detail::fail(function, "'durations' record ", r, " is negative or not finite (got ",
                   durations[r], ")");
    }
  }
  detail::check_nonnegative(options.min_seconds, function, "options.min_seconds");
  if (!(options.max_fast_fraction >= 0 && options.max_fast_fraction <= 1)) {
    detail::fail(function, "'options.max_fast_fraction' must lie in [0, 1] (got ",
                 options.max_fast_fraction, ")");
  }
  if (!(options.entropy_threshold >= 0 && options.entropy_threshold <= 1)) {
    detail::fail(function, "'options.entropy_threshold' must lie in [0, 1] (got ",
                 options.entropy_threshold, ")");
  }
  const Eigen::Index c = n_classes;
  ConsistencyReport report;
  report.annotators.resize(static_cast<std::size_t>(crowd.n_annotators()));
  for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
    auto& a = report.annotators[static_cast<std::size_t>(j)];
    a.annotator = crowd.annotators.id(j);
    a.label_counts = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(c);
  }

  // Group the records by (annotator, item): within one item the records are already together,
  // so a stable sort of positions by annotator keeps items in ascending order.
  std::vector<Eigen::Index> order(crowd.record.size());
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::vector<Eigen::Index> item_of(crowd.record.size());
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      item_of[static_cast<std::size_t>(a)] = i;
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index x, Eigen::Index y) {
    return crowd.annotator[static_cast<std::size_t>(x)] <
           crowd.annotator[static_cast<std::size_t>(y)];
  });
  std::vector<Eigen::Index> per_label(static_cast<std::size_t>(c));
  for (std::size_t start = 0; start < order.size();) {
    const auto first = static_cast<std::size_t>(order[start]);
    const Eigen::Index j = crowd.annotator[first];
    const Eigen::Index i = item_of[first];
    std::size_t end = start;
    std::fill(per_label.begin(), per_label.end(), 0);
    while (end < order.size() && crowd.annotator[static_cast<std::size_t>(order[end])] == j &&
           item_of[static_cast<std::size_t>(order[end])] == i) {
      ++per_label[static_cast<std::size_t>(crowd.label[static_cast<std::size_t>(order[end])])];
      ++end;
    }
    auto& a = report.annotators[static_cast<std::size_t>(j)];
    const auto m = static_cast<Eigen::Index>(end - start);
    a.n_answers += m;
    ++a.n_items;
    if (m > 1) {
      ++a.n_repeated_items;
      a.repeat_pairs += m * (m - 1) / 2;
      Contradiction contradiction{crowd.items.id(i), a.annotator, {}};
      for (Eigen::Index k = 0; k < c; ++k) {
        const Eigen::Index n_k = per_label[static_cast<std::size_t>(k)];
        a.agreeing_pairs += n_k * (n_k - 1) / 2;
        if (n_k > 0) contradiction.labels.push_back(static_cast<int>(k));
      }
      if (contradiction.labels.size() > 1) {
        ++a.n_contradictions;
        report.contradictions.push_back(std::move(contradiction));
      }
    }
    for (Eigen::Index k = 0; k < c; ++k) {
      a.label_counts(k) += static_cast<double>(per_label[static_cast<std::size_t>(k)]);
    }
    start = end;
  }
  for (std::size_t s = 0; s < crowd.record.size() && !durations.empty(); ++s) {
    if (durations[static_cast<std::size_t>(crowd.record[s])] < options.min_seconds) {
      ++report.annotators[static_cast<std::size_t>(crowd.annotator[s])].n_fast;
    }
  }
  for (auto& a : report.annotators) {
    a.repeat_agreement = a.repeat_pairs > 0 ? static_cast<double>(a.agreeing_pairs) /
                                                  static_cast<double>(a.repeat_pairs)
                                            : 1.0;
    Eigen::Index used = 0;
    for (Eigen::Index k = 0; k < c; ++k) used += a.label_counts(k) > 0 ? 1 : 0;
    const bool enough = a.n_answers >= options.min_answers_single_label;
    a.single_label = enough && used == 1;
    a.fast_fraction = static_cast<double>(a.n_fast) / static_cast<double>(a.n_answers);
    a.too_fast = !durations.empty() && enough && a.fast_fraction > options.max_fast_fraction;
  }

  const double log_c = std::log(static_cast<double>(c));
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const Eigen::Index begin = crowd.item_start[static_cast<std::size_t>(i)];
    const Eigen::Index n = crowd.item_start[static_cast<std::size_t>(i) + 1] - begin;
    if (n < options.min_votes) continue;
    std::fill(per_label.begin(), per_label.end(), 0);
    for (Eigen::Index a = begin; a < begin + n; ++a) {
      ++per_label[static_cast<std::size_t>(crowd.label[static_cast<std::size_t>(a)])];
    }
    double h = 0;
    for (const Eigen::Index count : per_label) {
      if (count == 0) continue;  // 0 ln 0 = 0
      const double p = static_cast<double>(count) / static_cast<double>(n);
      h -= p * std::log(p);
    }
    h /= log_c;
    if (h >= options.entropy_threshold) report.adjudication.push_back({crowd.items.id(i), h, n});
  }
  std::stable_sort(
      report.adjudication.begin(), report.adjudication.end(),
      [](const AdjudicationItem& x, const AdjudicationItem& y) { return x.entropy > y.entropy; });
  return report;
}

/// Consistency checks over an AnswerSet, with its durations (if any).
/// @tparam Scalar as consistency_checks(annotations, n_classes, options, durations).
template <class Scalar = double>
[[nodiscard]] ConsistencyReport consistency_checks(const AnswerSet& answers,
                                                   ConsistencyOptions options = {}) {
  detail::check_answer_set(answers, "consistency_checks");
  const auto seconds = answers.seconds();
  return consistency_checks<Scalar>(answers.answers, answers.n_classes(), options, seconds);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
