#pragma once
/// @file
/// Multi-annotator consensus in the spirit of CROWDLAB (Goh, Tkachenko & Mueller 2022, "CROWDLAB:
/// Supervised learning to infer consensus labels and quality scores for data with multiple
/// annotators"): annotators' labels and a model's predicted probabilities combined into a
/// consensus label, a consensus quality score per item and a quality score per annotator.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/quality/detail/crowd.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of multiannotator_consensus().
struct ConsensusOptions {
  /// Annotator quality = w · agreement + (1 - w) · mean posterior of their labels; in [0, 1].
  double agreement_weight = 0.5;
};

/// Result of multiannotator_consensus(). Rows are items in ascending item id.
struct ConsensusResult {
  std::vector<Eigen::Index> items;       ///< Distinct item ids, ascending.
  std::vector<int> labels;               ///< Consensus label (argmax of posterior).
  Eigen::MatrixXd posterior;             ///< items x classes, combined distribution.
  Eigen::VectorXd quality;               ///< posterior at the consensus label, per item.
  Eigen::VectorXd n_answers;             ///< Answers per item.
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.
  Eigen::VectorXd annotator_agreement;   ///< Share of answers equal to the initial consensus.
  Eigen::VectorXd annotator_weights;     ///< w_j, see multiannotator_consensus().
  Eigen::VectorXd annotator_quality;     ///< Quality score per annotator, in [0, 1].
  double model_weight = 0;               ///< w_M.
  double model_agreement = 0;            ///< Share of items where argmax(model) = consensus.
};

/// Consensus from annotations and out-of-sample model probabilities (`probabilities` has one
/// row per distinct item, in ascending item id — the order of the result's `items`).
///
/// 1. Initial consensus: majority vote, ties broken by the model's probability (then by the
///    lower label).
/// 2. Agreement a_j of each annotator and a_M of the model with it; a baseline b = the share of
///    the most common consensus class (the accuracy of always guessing it).
/// 3. Weights w = max(0, 1 - (1 - a) / (1 - b)) (how much better than the baseline), the model
///    weight further multiplied by sqrt(mean answers per item), as in CROWDLAB. If b = 1 every
///    weight is 1.
/// 4. Posterior_i ∝ w_M · p_i + sum_j w_j · L_j, where L_j puts a_j on j's label and
///    (1 - a_j)/(C - 1) on each other class; if all weights of an item are 0 the posterior is its
///    vote share.
/// 5. Consensus label = argmax, quality = posterior at that label; annotator quality =
///    agreement_weight · (share of j's answers equal to the final consensus) + (1 -
///    agreement_weight) · mean posterior of j's answers.
/// Complexity O(N·C + I·C).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), invalid
///   probabilities (naming the row) or agreement_weight outside [0, 1];
///   labelkit::dimension_mismatch if the probability matrix does not have one row per item and
///   n_classes columns.
template <class Derived>
[[nodiscard]] ConsensusResult multiannotator_consensus(
    std::span<const Annotation> annotations, int n_classes,
    const Eigen::MatrixBase<Derived>& probabilities, ConsensusOptions options = {}) {
  constexpr const char* function = "multiannotator_consensus";
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(3, crowd.n_items(), n_classes, function, "the items x classes tables");
  if (probabilities.rows() != crowd.n_items() || probabilities.cols() != n_classes) {
    detail::fail<dimension_mismatch>(function, "'probabilities' is ", probabilities.rows(), " x ",
                                     probabilities.cols(), " but the annotations have ",
                                     crowd.n_items(), " distinct items and n_classes = ", n_classes,
                                     " (expected one row per item, ascending id)");
  }
  labelkit::detail::check_probabilities(probabilities, function, "probabilities");
  if (!(options.agreement_weight >= 0 && options.agreement_weight <= 1)) {
    detail::fail(function, "'options.agreement_weight' must lie in [0, 1] (got ",
                 options.agreement_weight, ")");
  }
  const Eigen::MatrixXd p = probabilities.template cast<double>();
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index n_annotators = crowd.n_annotators();
  const Eigen::Index c = n_classes;
  const Eigen::MatrixXd votes = detail::vote_counts(crowd);

  ConsensusResult result;
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.n_answers = votes.rowwise().sum();
  std::vector<int> initial(static_cast<std::size_t>(n_items));
  for (Eigen::Index i = 0; i < n_items; ++i) {
    int best = 0;
    for (Eigen::Index k = 1; k < c; ++k) {
      if (votes(i, k) > votes(i, best) || (votes(i, k) == votes(i, best) && p(i, k) > p(i, best))) {
        best = static_cast<int>(k);
      }
    }
    initial[static_cast<std::size_t>(i)] = best;
  }
  // Agreement with the initial consensus.
  Eigen::VectorXd agree = Eigen::VectorXd::Zero(n_annotators);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      if (crowd.label[s] == initial[static_cast<std::size_t>(i)]) agree(crowd.annotator[s]) += 1;
    }
  }
  result.annotator_agreement.resize(n_annotators);
  for (Eigen::Index j = 0; j < n_annotators; ++j) {
    result.annotator_agreement(j) =
        agree(j) / static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
  }
  Eigen::VectorXd class_share = Eigen::VectorXd::Zero(c);
  double model_hits = 0;
  for (Eigen::Index i = 0; i < n_items; ++i) {
    class_share(initial[static_cast<std::size_t>(i)]) += 1;
    model_hits += detail::argmax_lowest(p.row(i)) == initial[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  const auto n = static_cast<double>(n_items);
  const double baseline = class_share.maxCoeff() / n;
  result.model_agreement = model_hits / n;
  auto weight = [&](double agreement) {
    return baseline >= 1 ? 1.0 : std::max(0.0, 1 - (1 - agreement) / (1 - baseline));
  };
  result.annotator_weights = result.annotator_agreement.unaryExpr(weight);
  result.model_weight =
      weight(result.model_agreement) * std::sqrt(static_cast<double>(crowd.size()) / n);

  const double spread = 1.0 / static_cast<double>(c - 1);
  result.posterior.resize(n_items, c);
  Eigen::RowVectorXd row(c);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    row = result.model_weight * p.row(i);
    double total = result.model_weight;
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      const Eigen::Index j = crowd.annotator[s];
      const double w = result.annotator_weights(j);
      const double acc = result.annotator_agreement(j);
      row.array() += w * (1 - acc) * spread;
      row(crowd.label[s]) += w * (acc - (1 - acc) * spread);
      total += w;
    }
    if (total > 0) {
      result.posterior.row(i) = row / total;
    } else {
      result.posterior.row(i) = votes.row(i) / votes.row(i).sum();
    }
  }
  result.labels = detail::argmax_rows(result.posterior);
  result.quality.resize(n_items);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    result.quality(i) = result.posterior(i, result.labels[static_cast<std::size_t>(i)]);
  }
  Eigen::VectorXd final_agree = Eigen::VectorXd::Zero(n_annotators);
  Eigen::VectorXd mean_posterior = Eigen::VectorXd::Zero(n_annotators);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      const Eigen::Index j = crowd.annotator[s];
      final_agree(j) += crowd.label[s] == result.labels[static_cast<std::size_t>(i)] ? 1 : 0;
      mean_posterior(j) += result.posterior(i, crowd.label[s]);
    }
  }
  result.annotator_quality.resize(n_annotators);
  for (Eigen::Index j = 0; j < n_annotators; ++j) {
    const auto m = static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
    result.annotator_quality(j) = options.agreement_weight * final_agree(j) / m +
                                  (1 - options.agreement_weight) * mean_posterior(j) / m;
  }
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
