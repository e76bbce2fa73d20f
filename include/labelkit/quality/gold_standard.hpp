#pragma once
/// @file
/// Gold-standard testing: each annotator's accuracy on items whose true label is known, with a
/// Wilson score interval, a confusion matrix, and a flag once there is enough evidence.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/interval.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// The confidence interval of every area (labelkit/core/interval.hpp).
using Interval = labelkit::Interval;

/// Wilson score interval for a binomial proportion (Wilson 1927): with p = successes / n,
/// centre (p + z²/2n) / (1 + z²/n), half-width z/(1 + z²/n) · sqrt(p(1 - p)/n + z²/4n²).
/// Stays inside [0, 1] and is sensible at p = 0 or 1, unlike the Wald interval. n = 0 gives
/// [0, 1]. The interval's `level` is the two-sided coverage of z, erf(z/√2). O(1).
/// @throws labelkit::invalid_argument unless 0 <= successes <= n and z is finite and >= 0.
[[nodiscard]] inline Interval wilson_interval(Eigen::Index successes, Eigen::Index n,
                                              double z = 1.959963984540054) {
  if (n < 0 || successes < 0 || successes > n) {
    labelkit::detail::fail("wilson_interval",
                           "expected 0 <= successes <= n (got successes = ", successes, ", n = ", n,
                           ")");
  }
  detail::check_nonnegative(z, "wilson_interval", "z");
  const double level = std::erf(z / std::sqrt(2.0));
  if (n == 0) return {0.0, 1.0, level};
  const auto nd = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nd;
  const double z2 = z * z;
  const double denominator = 1 + z2 / nd;
  const double centre = (p + z2 / (2 * nd)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1 - p) / nd + z2 / (4 * nd * nd));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half), level};
}

/// Options of gold_standard().
struct GoldStandardOptions {
  /// An annotator is flagged only after answering at least this many gold items.
  Eigen::Index min_gold = 10;
  /// Flag when the accuracy on gold is below this threshold (and min_gold is reached).
  double threshold = 0.7;
  /// Normal quantile of the Wilson interval (1.96 = 95 %).
  double z = 1.959963984540054;
};

/// One annotator's gold-standard score.
struct AnnotatorGoldScore {
  Eigen::Index annotator = 0;  ///< Annotator id.
  Eigen::Index n_gold = 0;     ///< Answers on gold items (repeats count).
  Eigen::Index n_correct = 0;  ///< Of those, answers equal to the gold label.
  double accuracy = 0;         ///< n_correct / n_gold (0 when n_gold = 0: check n_gold).
  Interval interval;           ///< Wilson interval of the accuracy ([0, 1] when n_gold = 0).
  /// C x C counts: row = gold label, column = the annotator's answer.
  Eigen::MatrixXd confusion;
  bool flagged = false;  ///< n_gold >= min_gold and accuracy < threshold.
};

/// Result of gold_standard(): one score per annotator (ascending id) and the pooled score.
struct GoldStandardResult {
  std::vector<AnnotatorGoldScore> annotators;  ///< Every annotator, ascending id.
  Eigen::Index n_gold_items = 0;               ///< Gold items that received answers.
  Eigen::Index n_gold = 0;                     ///< Answers on gold items, all annotators.
  Eigen::Index n_correct = 0;                  ///< Correct answers among them.
  double accuracy = 0;                         ///< n_correct / n_gold (0 if n_gold = 0).
  Interval interval;                           ///< Wilson interval of the pooled accuracy.
  Eigen::MatrixXd confusion;                   ///< Pooled C x C counts (row = gold label).
};

/// Gold-standard testing: scores every annotator's answers on gold items.
///
/// The data behind feedback to annotators: accuracy with a Wilson interval, the confusion
/// matrix (which classes they mix up), and a flag once an annotator has answered at least
/// `options.min_gold` gold items with accuracy below `options.threshold`. Annotators with no
/// gold answers are listed with n_gold = 0 and never flagged. Gold records for items nobody
/// answered are ignored. Complexity O(N + G + J·C²).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), a bad gold record
///   (negative id, label out of range, conflicting duplicate), min_gold < 0, a threshold outside
///   [0, 1] or a bad z.
/// @tparam Scalar the scalar of the confusion matrices (double; a template parameter so that
///   the function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] GoldStandardResult gold_standard(std::span<const Annotation> annotations,
                                               std::span<const GoldLabel> gold, int n_classes,
                                               GoldStandardOptions options = {}) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr const char* function = "gold_standard";
  if (options.min_gold < 0) {
    detail::fail(function, "'options.min_gold' is negative (got ", options.min_gold, ")");
  }
  if (!(options.threshold >= 0 && options.threshold <= 1)) {
    detail::fail(function, "'options.threshold' must lie in [0, 1] (got ", options.threshold, ")");
  }
  detail::check_nonnegative(options.z, function, "options.z");
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(crowd.n_annotators() + 1, n_classes, n_classes, function,
                       "the annotators x classes x classes confusion matrices");
  const auto dense = detail::dense_gold(gold, crowd.items, n_classes, function);
  const Eigen::Index c = n_classes;
  GoldStandardResult result;
  result.confusion = Matrix::Zero(c, c);
  result.annotators.resize(static_cast<std::size_t>(crowd.n_annotators()));
  for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
    auto& score = result.annotators[static_cast<std::size_t>(j)];
    score.annotator = crowd.annotators.id(j);
    score.confusion = Matrix::Zero(c, c);
  }
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const int g = dense[static_cast<std::size_t>(i)];
    if (g < 0) continue;
    ++result.n_gold_items;
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      auto& score = result.annotators[static_cast<std::size_t>(crowd.annotator[s])];
      ++score.n_gold;
      score.n_correct += crowd.label[s] == g ? 1 : 0;
      score.confusion(g, crowd.label[s]) += 1;
      result.confusion(g, crowd.label[s]) += 1;
    }
  }
  for (auto& score : result.annotators) {
    score.accuracy = score.n_gold > 0
                         ? static_cast<double>(score.n_correct) / static_cast<double>(score.n_gold)
                         : 0.0;
    score.interval = wilson_interval(score.n_correct, score.n_gold, options.z);
    score.flagged =
        score.n_gold > 0 && score.n_gold >= options.min_gold && score.accuracy < options.threshold;
    result.n_gold += score.n_gold;
    result.n_correct += score.n_correct;
  }
  result.accuracy = result.n_gold > 0
                        ? static_cast<double>(result.n_correct) / static_cast<double>(result.n_gold)
                        : 0.0;
  result.interval = wilson_interval(result.n_correct, result.n_gold, options.z);
  return result;
}

/// Gold-standard testing over an AnswerSet (e.g. `queue.answer_set()`): its answers on gold
/// items scored against its gold labels.
/// @tparam Scalar as gold_standard(annotations, gold, n_classes, options).
template <class Scalar = double>
[[nodiscard]] GoldStandardResult gold_standard(const AnswerSet& answers,
                                               GoldStandardOptions options = {}) {
  detail::check_answer_set(answers, "gold_standard");
  return gold_standard<Scalar>(answers.answers, answers.gold, answers.n_classes(), options);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
