#pragma once
/// @file
/// Majority vote and weighted majority vote over long-format annotations.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Result of majority_vote() and weighted_majority_vote(): the shared Aggregation (items in
/// ascending id, vote shares as posterior, labels with ties to the lowest label, annotators,
/// lookup by id) and the vote counts.
struct MajorityVoteResult : Aggregation {
  Eigen::MatrixXd votes;  ///< items x classes vote counts (sums of weights if weighted).
};

/// One annotator's weight for weighted_majority_vote().
struct AnnotatorWeight {
  Eigen::Index annotator;  ///< Annotator id, as in Annotation::annotator.
  double weight;           ///< Finite, >= 0.
};

}  // namespace quality
namespace detail {

/// The vote result from weighted counts: labels by argmax, posterior by row shares.
template <class Matrix>
quality::MajorityVoteResult finish_vote(const Crowd& crowd, Matrix votes) {
  quality::MajorityVoteResult result;
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.labels = argmax_rows(votes);
  result.posterior = normalise_rows(votes);
  result.votes = std::move(votes);
  return result;
}

}  // namespace detail
namespace quality {

/// Majority vote: for each item, the label given most often (every answer counts, repeated
/// answers by one annotator included); ties go to the lowest label, as in crowd-kit.
///
/// Ids need not be dense. No annotations give an empty result (no items, no annotators, a
/// 0 x n_classes posterior), as in crowd-kit. Complexity O(N + I·C) time for N records, I items
/// and C classes (O(N log N) when ids are sparse).
/// @throws labelkit::invalid_argument if n_classes < 2, or a record has a negative id or a
///   label outside [0, n_classes) (the message names the record).
/// @tparam Scalar the scalar of the vote table (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult majority_vote(std::span<const Annotation> annotations,
                                               int n_classes) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr const char* function = "majority_vote";
  detail::check_annotations(annotations, n_classes, function, detail::EmptyInput::accept);
  // One pass to map items, one to count: no item grouping is needed for a vote.
  const auto items =
      IdMap::from_ids(detail::MemberRange<&Annotation::item>{annotations}, function, "annotations");
  detail::check_tables(2, items.size(), n_classes, function, "the items x classes vote table");
  Matrix votes = Matrix::Zero(items.size(), n_classes);
  for (const Annotation& a : annotations) votes(items.find(a.item), a.label) += 1;
  MajorityVoteResult result;
  result.items = items.ids();
  result.annotators = IdMap::from_ids(detail::MemberRange<&Annotation::annotator>{annotations},
                                      function, "annotations")
                          .ids();
  result.labels = detail::argmax_rows(votes);
  result.posterior = detail::normalise_rows(votes);
  result.votes = std::move(votes);
  return result;
}

/// Majority vote over an AnswerSet (e.g. `queue.answer_set()`): every answer counts, and each
/// gold item takes its known label with a one-hot posterior (its `votes` row is left as counted);
/// an item with several gold labels gets the vote shares among them and the largest of them.
/// @throws as majority_vote(annotations, n_classes), and for a gold label out of range.
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult majority_vote(const AnswerSet& answers) {
  detail::check_answer_set(answers, "majority_vote");
  auto result = majority_vote<Scalar>(answers.answers, answers.n_classes());
  (void)detail::gold_label_sets(answers.gold, IdMap{}, answers.n_classes(), "majority_vote");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

/// What weighted_majority_vote() and gold_majority_vote() do with an answer whose annotator
/// has no weight (crowd-kit's `on_missing_skill`).
enum class MissingWeight {
  error,   ///< Throw, naming the first such answer (crowd-kit's "error", its default).
  ignore,  ///< Drop such answers; throw if an item is left without answers ("ignore").
  value,   ///< Give such annotators WeightedVoteOptions::default_weight ("value").
};

/// Options of weighted_majority_vote() and gold_majority_vote().
struct WeightedVoteOptions {
  MissingWeight on_missing = MissingWeight::error;  ///< Annotators without a weight.
  double default_weight = 0;  ///< Their weight under MissingWeight::value; finite, >= 0.
};

/// Result of gold_majority_vote(): the weighted vote (items, posterior, labels, annotators,
/// votes) and the weights used.
struct GoldMajorityVoteResult : MajorityVoteResult {
  /// Weight of each annotator of `annotators` (same order): the accuracy on gold items, or
  /// options.default_weight for an annotator without gold answers (MissingWeight::value).
  Eigen::VectorXd skills;
  /// Answers on gold items of each annotator of `annotators` (0: the skill is the default).
  std::vector<Eigen::Index> n_gold;
};

}  // namespace quality
namespace detail {

/// The weighted vote shared by weighted_majority_vote() and gold_majority_vote(): `weight` holds
/// one weight per dense annotator of the crowd, or a negative value for "no weight", which
/// options.on_missing resolves. Annotators all of whose answers are dropped (ignore) are left out
/// of the result's annotators.
template <class Scalar>
quality::MajorityVoteResult weighted_vote(const Crowd& crowd, std::vector<double> weight,
                                          std::span<const Annotation> annotations,
                                          const quality::WeightedVoteOptions& options,
                                          std::string_view function) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  check_nonnegative(options.default_weight, function, "options.default_weight");
  const int c = crowd.n_classes;
  check_tables(2, crowd.n_items(), c, function, "the items x classes vote table");
  if (options.on_missing == quality::MissingWeight::error) {
    for (std::size_t r = 0; r < annotations.size(); ++r) {  // names the first such record
      if (weight[static_cast<std::size_t>(crowd.annotators.find(annotations[r].annotator))] < 0) {
        fail(function, "'annotations' record ", r, " names annotator ", annotations[r].annotator,
             " who has no weight (use MissingWeight::ignore or MissingWeight::value to accept "
             "such answers)");
      }
    }
  }
  Matrix votes = Matrix::Zero(crowd.n_items(), c);
  std::vector<char> used(static_cast<std::size_t>(crowd.n_annotators()), 0);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    bool counted = false;
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      const auto j = static_cast<std::size_t>(crowd.annotator[s]);
      double w = weight[j];
      if (w < 0) {
        if (options.on_missing == quality::MissingWeight::ignore) continue;
        w = options.default_weight;  // MissingWeight::value (error was refused above)
      }
      votes(i, crowd.label[s]) += w;
      used[j] = 1;
      counted = true;
    }
    if (!counted) {
      fail(function, "item ", crowd.items.id(i),
           " has no answer by an annotator with a weight (MissingWeight::ignore drops them all)");
    }
  }
  auto result = finish_vote(crowd, std::move(votes));
  if (options.on_missing == quality::MissingWeight::ignore) {
    result.annotators.clear();
    for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
      if (used[static_cast<std::size_t>(j)] != 0)
        result.annotators.push_back(crowd.annotators.id(j));
    }
  }
  return result;
}

}  // namespace detail
namespace quality {

/// Weighted majority vote: votes(i, k) = sum of the weights of the annotators who answered k
/// on item i; the label is the argmax (ties to the lowest label). An item whose answers all have
/// weight 0 gets label 0 and a uniform posterior. An annotator without a weight is handled by
/// options.on_missing (crowd-kit's MajorityVote(on_missing_skill=...)): an error by default, or
/// their answers dropped (an item left without answers is an error), or options.default_weight.
/// No annotations give an empty result.
///
/// Complexity O(N + I·C + W) for W weights.
/// @throws labelkit::invalid_argument as majority_vote(), and if a weight or the default weight
///   is negative or not finite, an annotator id appears twice in `weights`, an annotator has no
///   weight (MissingWeight::error; the message names the record) or an item has no weighted
///   answer left (MissingWeight::ignore; the message names the item).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult weighted_majority_vote(std::span<const Annotation> annotations,
                                                        int n_classes,
                                                        std::span<const AnnotatorWeight> weights,
                                                        WeightedVoteOptions options = {}) {
  constexpr const char* function = "weighted_majority_vote";
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  std::vector<double> w(static_cast<std::size_t>(crowd.n_annotators()), -1.0);
  for (std::size_t r = 0; r < weights.size(); ++r) {
    if (!std::isfinite(weights[r].weight) || weights[r].weight < 0) {
      detail::fail(function, "'weights' record ", r, " has a weight that is negative or not ",
                   "finite (got ", weights[r].weight, ")");
    }
    const Eigen::Index j = crowd.annotators.find(weights[r].annotator);
    if (j < 0) continue;
    if (w[static_cast<std::size_t>(j)] >= 0) {
      detail::fail(function, "'weights' record ", r, " repeats annotator ", weights[r].annotator);
    }
    w[static_cast<std::size_t>(j)] = weights[r].weight;
  }
  return detail::weighted_vote<Scalar>(crowd, std::move(w), annotations, options, function);
}

/// Gold majority vote (crowd-kit's GoldMajorityVote): each annotator's weight is their accuracy
/// on the gold items, skill_j = (answers of j on gold items equal to one of the item's gold
/// labels) / (answers of j on gold items); then weighted_majority_vote() with these weights over
/// every answer, gold items included (their labels are voted, not clamped, as in crowd-kit).
///
/// An item may have several gold labels (several records in `gold`): an answer equal to any of
/// them is right, as in crowd-kit (tests/aggregation/test_majority_vote.py::
/// test_gold_mv_multiple_gt). An annotator who answered no gold item has no weight and is handled
/// by options.on_missing (an error by default, as in crowd-kit). Gold records for items nobody
/// answered are ignored. Repeated answers by one annotator on one gold item each count here;
/// crowd-kit counts each distinct (item, annotator, label) once. No annotations give an empty
/// result.
///
/// Complexity O(N + G log G + I·C) for G gold records.
/// @throws labelkit::invalid_argument as weighted_majority_vote(), and for a gold record with a
///   negative item id or a label outside [0, n_classes).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] GoldMajorityVoteResult gold_majority_vote(std::span<const Annotation> annotations,
                                                        std::span<const GoldLabel> gold,
                                                        int n_classes,
                                                        WeightedVoteOptions options = {}) {
  constexpr const char* function = "gold_majority_vote";
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  const auto labels = detail::gold_label_sets(gold, crowd.items, n_classes, function);
  const auto n_annotators = static_cast<std::size_t>(crowd.n_annotators());
  std::vector<Eigen::Index> answered(n_annotators, 0);
  std::vector<Eigen::Index> right(n_annotators, 0);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const auto first = labels.start[static_cast<std::size_t>(i)];
    const auto last = labels.start[static_cast<std::size_t>(i) + 1];
    if (first == last) continue;
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      const auto j = static_cast<std::size_t>(crowd.annotator[s]);
      ++answered[j];
      for (auto g = first; g < last; ++g) {
        if (labels.label[static_cast<std::size_t>(g)] == crowd.label[s]) {
          ++right[j];
          break;
        }
      }
    }
  }
  std::vector<double> w(n_annotators, -1.0);
  for (std::size_t j = 0; j < n_annotators; ++j) {
    if (answered[j] > 0) {
      w[j] = static_cast<double>(right[j]) / static_cast<double>(answered[j]);
    }
  }
  GoldMajorityVoteResult result;
  static_cast<MajorityVoteResult&>(result) =
      detail::weighted_vote<Scalar>(crowd, w, annotations, options, function);
  result.skills.resize(static_cast<Eigen::Index>(result.annotators.size()));
  result.n_gold.resize(result.annotators.size());
  for (std::size_t r = 0; r < result.annotators.size(); ++r) {
    const auto j = static_cast<std::size_t>(crowd.annotators.find(result.annotators[r]));
    result.skills(static_cast<Eigen::Index>(r)) = w[j] >= 0 ? w[j] : options.default_weight;
    result.n_gold[r] = answered[j];
  }
  return result;
}

/// Gold majority vote over an AnswerSet (e.g. `queue.answer_set()`): weights from its answers
/// on its gold items. @throws as gold_majority_vote(annotations, gold, n_classes, options).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] GoldMajorityVoteResult gold_majority_vote(const AnswerSet& answers,
                                                        WeightedVoteOptions options = {}) {
  detail::check_answer_set(answers, "gold_majority_vote");
  return gold_majority_vote<Scalar>(answers.answers, answers.gold, answers.n_classes(), options);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
