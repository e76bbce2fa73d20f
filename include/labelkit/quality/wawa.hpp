#pragma once
/// @file
/// Wawa ("worker agreement with aggregate"): majority vote re-weighted by each annotator's
/// agreement with the majority.

#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Result of wawa(): the shared Aggregation (items in ascending id, weighted vote shares as
/// posterior, labels, annotators, lookup by id) and each annotator's skill.
struct WawaResult : Aggregation {
  Eigen::VectorXd skills;  ///< Agreement of each annotator with majority vote.
};

/// Wawa: (1) majority vote; (2) skill_j = fraction of j's answers equal to the majority label
/// of their item; (3) majority vote weighted by skill. O(N + I·C). No annotations give an empty
/// result (no items, no annotators, no skills), as in crowd-kit.
/// @throws labelkit::invalid_argument for bad annotations (naming the record).
/// @tparam Scalar the scalar of the vote tables (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] WawaResult wawa(std::span<const Annotation> annotations, int n_classes) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const auto crowd = detail::make_crowd(annotations, n_classes, "wawa", detail::EmptyInput::accept);
  detail::check_tables(3, crowd.n_items(), n_classes, "wawa", "the items x classes vote table");
  const auto mv = detail::argmax_rows(detail::vote_counts<Scalar>(crowd));
  Vector agree = Vector::Zero(crowd.n_annotators());
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      if (crowd.label[s] == mv[static_cast<std::size_t>(i)]) agree(crowd.annotator[s]) += 1;
    }
  }
  WawaResult result;
  result.skills.resize(crowd.n_annotators());
  for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
    result.skills(j) =
        agree(j) / static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
  }
  Matrix votes = Matrix::Zero(crowd.n_items(), n_classes);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      votes(i, crowd.label[s]) += result.skills(crowd.annotator[s]);
    }
  }
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.labels = detail::argmax_rows(votes);
  result.posterior = detail::normalise_rows(votes);
  return result;
}

/// Wawa over an AnswerSet: every answer counts, and each gold item takes its known label with a
/// one-hot posterior (as majority_vote(AnswerSet)).
/// @tparam Scalar as wawa(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] WawaResult wawa(const AnswerSet& answers) {
  detail::check_answer_set(answers, "wawa");
  auto result = wawa<Scalar>(answers.answers, answers.n_classes());
  (void)detail::gold_label_sets(answers.gold, IdMap{}, answers.n_classes(), "wawa");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
