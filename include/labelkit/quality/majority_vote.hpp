#pragma once
/// @file
/// Majority vote and weighted majority vote over long-format annotations.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
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
/// gold item takes its known label with a one-hot posterior (its `votes` row is left as counted).
/// @throws as majority_vote(annotations, n_classes), and for a gold label out of range.
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult majority_vote(const AnswerSet& answers) {
  detail::check_answer_set(answers, "majority_vote");
  auto result = majority_vote<Scalar>(answers.answers, answers.n_classes());
  (void)detail::dense_gold(answers.gold, IdMap{}, answers.n_classes(), "majority_vote");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

/// Weighted majority vote: votes(i, k) = sum of the weights of the annotators who answered k
/// on item i; the label is the argmax (ties to the lowest label). An item whose answers all have
/// weight 0 gets label 0 and a uniform posterior.
///
/// Complexity O(N + I·C + W) for W weights.
/// @throws labelkit::invalid_argument as majority_vote(), and if a weight is negative or not
///   finite, an annotator id appears twice in `weights`, or an annotator in `annotations` has
///   no weight (the message names the record).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult weighted_majority_vote(std::span<const Annotation> annotations,
                                                        int n_classes,
                                                        std::span<const AnnotatorWeight> weights) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr const char* function = "weighted_majority_vote";
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes vote table");
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
  for (std::size_t a = 0; a < crowd.record.size(); ++a) {
    if (w[static_cast<std::size_t>(crowd.annotator[a])] < 0) {
      const auto r = static_cast<std::size_t>(crowd.record[a]);
      detail::fail(function, "'annotations' record ", r, " names annotator ",
                   annotations[r].annotator, " who has no entry in 'weights'");
    }
  }
  Matrix votes = Matrix::Zero(crowd.n_items(), n_classes);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      votes(i, crowd.label[s]) += w[static_cast<std::size_t>(crowd.annotator[s])];
    }
  }
  return detail::finish_vote(crowd, std::move(votes));
}

}  // namespace quality
LABELKIT_END_NAMESPACE
