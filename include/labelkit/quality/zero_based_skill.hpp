#pragma once
/// @file
/// Zero-Based Skill (crowd-kit's ZeroBasedSkill): weighted majority vote whose weights are moved,
/// by a decaying step, toward each annotator's agreement with the current vote.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
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

/// Options of zero_based_skill(); the defaults are crowd-kit's.
struct ZeroBasedSkillOptions {
  int max_iterations = 100;      ///< Skill updates (crowd-kit's n_iter), >= 0.
  double learning_rate = 1.0;    ///< Initial step (lr_init), finite, > 0.
  int steps_to_reduce = 20;      ///< The step is reduced at every multiple of this (>= 1).
  double reduce_factor = 0.5;    ///< ... by this factor, finite, > 0.
  double initial_offset = 1e-5;  ///< Starting skill is 1 / (labels seen) + this (eps), >= 0.
};

/// Result of zero_based_skill(): the shared Aggregation (items in ascending id, weighted vote
/// shares as posterior, labels, annotators, lookup by id) and each annotator's final skill.
struct ZeroBasedSkillResult : Aggregation {
  Eigen::VectorXd skills;  ///< One per annotator of `annotators` (same order).
};

/// Zero-Based Skill, as crowd-kit's ZeroBasedSkill (crowdkit/aggregation/classification/
/// zero_based_skill.py). Every annotator starts with skill s_j = 1 / L + eps (L = distinct
/// labels among the answers); then for t = 1..max_iterations: the step r is multiplied by
/// reduce_factor when t is a multiple of steps_to_reduce; the skill-weighted majority vote gives
/// the labels; s_j += r · (a_j - s_j), with a_j the fraction of j's answers equal to their item's
/// label. The result is the weighted vote with the final skills (ties to the lower label).
/// Every answer counts; crowd-kit counts a repeated identical answer of one annotator on one
/// item once in a_j (the results differ only on such input). No annotations give an empty
/// result.
///
/// Complexity O(T·(N + I·C)) for T iterations.
/// @throws labelkit::invalid_argument for bad annotations (naming the record) or options.
/// @tparam Scalar the scalar of the vote table (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] ZeroBasedSkillResult zero_based_skill(std::span<const Annotation> annotations,
                                                    int n_classes,
                                                    ZeroBasedSkillOptions options = {}) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  constexpr const char* function = "zero_based_skill";
  if (options.max_iterations < 0 || options.steps_to_reduce < 1) {
    detail::fail(function,
                 "'options.max_iterations' must be >= 0 and 'options.steps_to_reduce' >= 1 (got ",
                 options.max_iterations, " and ", options.steps_to_reduce, ")");
  }
  if (!(options.learning_rate > 0) || std::isinf(options.learning_rate) ||
      !(options.reduce_factor > 0) || std::isinf(options.reduce_factor)) {
    detail::fail(function,
                 "'options.learning_rate' and 'options.reduce_factor' must be finite and > 0 "
                 "(got ",
                 options.learning_rate, " and ", options.reduce_factor, ")");
  }
  detail::check_nonnegative(options.initial_offset, function, "options.initial_offset");
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes vote table");
  std::vector<char> seen(static_cast<std::size_t>(n_classes), 0);
  double n_seen = 0;
  for (const int l : crowd.label) {
    if (seen[static_cast<std::size_t>(l)] == 0) n_seen += 1;
    seen[static_cast<std::size_t>(l)] = 1;
  }
  const Eigen::Index n_annotators = crowd.n_annotators();
  Vector skills = Vector::Constant(n_annotators, n_seen > 0 ? 1.0 / n_seen : 0.0);
  skills.array() += options.initial_offset;
  Matrix votes(crowd.n_items(), n_classes);
  const auto vote = [&] {
    votes.setZero();
    for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
      for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
        const auto s = static_cast<std::size_t>(a);
        votes(i, crowd.label[s]) += skills(crowd.annotator[s]);
      }
    }
  };
  Vector agree(n_annotators);
  double rate = options.learning_rate;
  for (int t = 1; t <= options.max_iterations; ++t) {
    if (t % options.steps_to_reduce == 0) rate *= options.reduce_factor;
    vote();
    const auto labels = detail::argmax_rows(votes);
    agree.setZero();
    for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
      for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
        const auto s = static_cast<std::size_t>(a);
        if (crowd.label[s] == labels[static_cast<std::size_t>(i)]) agree(crowd.annotator[s]) += 1;
      }
    }
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      const auto n_j =
          static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
      skills(j) += rate * (agree(j) / n_j - skills(j));
    }
  }
  vote();
  ZeroBasedSkillResult result;
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.labels = detail::argmax_rows(votes);
  result.posterior = detail::normalise_rows(votes);
  result.skills = skills;
  return result;
}

/// Zero-Based Skill over an AnswerSet: every answer counts, and gold items are restricted to
/// their gold labels afterwards (as majority_vote(AnswerSet)).
/// @tparam Scalar as zero_based_skill(annotations, n_classes, options).
template <class Scalar = double>
[[nodiscard]] ZeroBasedSkillResult zero_based_skill(const AnswerSet& answers,
                                                    ZeroBasedSkillOptions options = {}) {
  detail::check_answer_set(answers, "zero_based_skill");
  auto result = zero_based_skill<Scalar>(answers.answers, answers.n_classes(), options);
  (void)detail::gold_label_sets(answers.gold, IdMap{}, answers.n_classes(), "zero_based_skill");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
