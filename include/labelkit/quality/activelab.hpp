#pragma once
/// @file
/// ActiveLab (Goh & Mueller 2023, "ActiveLab: Active Learning with Re-Labeling by Multiple
/// Annotators", ICLR 2023 workshop; cleanlab's `multiannotator.get_active_learning_scores`):
/// which item should get one more annotation next, among items already annotated (perhaps by
/// several annotators) and items not annotated at all, from the annotations and a model's
/// predicted probabilities. Built on CROWDLAB (Goh, Tkachenko & Mueller 2022, cleanlab's
/// `get_label_quality_multiannotator`), whose consensus, weights and consensus quality scores
/// are part of the result.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/quality/detail/crowd.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Result of active_learning_scores(). Rows of the annotated part are items in ascending id.
struct ActiveLabResult {
  std::vector<Eigen::Index> items;  ///< Distinct annotated item ids, ascending.
  /// ActiveLab score per annotated item, in [0, 1]: lower = annotate it next.
  Eigen::VectorXd scores;
  /// ActiveLab score per row of `probabilities_unlabeled` (items nobody annotated yet).
  Eigen::VectorXd unlabeled_scores;
  std::vector<int> consensus_labels;  ///< CROWDLAB consensus label per annotated item.
  /// CROWDLAB consensus quality per annotated item: the consensus label's probability under
  /// the combined (posterior) distribution.
  Eigen::VectorXd consensus_quality;
  Eigen::MatrixXd posterior;             ///< items x classes, CROWDLAB's combined distribution.
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.
  Eigen::VectorXd annotator_weights;     ///< CROWDLAB weight w_j per annotator.
  double model_weight = 1;               ///< CROWDLAB weight w_M of the model.
  double temperature = 1;                ///< Temperature applied to the probabilities.
};

}  // namespace quality
namespace detail {

/// cleanlab's clipping constants: weights and the most-likely-class error are kept >= 1e-6,
/// probabilities >= 1e-30 before a logarithm.
template <class Scalar = double>
constexpr Scalar activelab_weight_floor = Scalar(1e-6);
template <class Scalar = double>
constexpr Scalar activelab_probability_floor = Scalar(1e-30);

/// p^(1/T) renormalised, each p first floored at 1e-30 (cleanlab's temp_scale_pred_probs). With
/// `floor` false, zeros stay zero (the temperature search).
template <class Scalar = double>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> temperature_scaled(
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& p, Scalar temperature,
    bool floor) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> out(p.rows(), p.cols());
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    Scalar total = 0;
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      out(i, k) = floor ? std::max(p(i, k), activelab_probability_floor<Scalar>) : p(i, k);
      total += out(i, k);
    }
    Scalar high = -std::numeric_limits<Scalar>::infinity();
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      out(i, k) = out(i, k) > 0 ? std::log(out(i, k) / total) / temperature
                                : -std::numeric_limits<Scalar>::infinity();
      high = std::max(high, out(i, k));
    }
    for (Eigen::Index k = 0; k < p.cols(); ++k) out(i, k) = std::exp(out(i, k) - high);
    out.row(i) /= out.row(i).sum();
  }
  return out;
}

/// Mean soft cross-entropy (over items) between each item's empirical label distribution and p,
/// divided by ln C, p floored at 1e-30.
template <class Scalar = double>
Scalar soft_cross_entropy(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& votes,
                          const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& p) {
  Scalar total = 0;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const Scalar n = votes.row(i).sum();
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      if (votes(i, k) > 0) {
        total -= votes(i, k) / n * std::log(std::max(p(i, k), activelab_probability_floor<Scalar>));
      }
    }
  }
  return total / std::log(static_cast<Scalar>(p.cols())) / static_cast<Scalar>(p.rows());
}

/// cleanlab's find_best_temp_scaler: the temperature among 0.1, 0.2, 0.5, 0.8, 1, 2, 3, 5, 8
/// with the lowest soft cross-entropy, then a finer grid (4 steps) on each side of it; first
/// minimum wins.
template <class Scalar = double>
Scalar best_temperature(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& votes,
                        const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& p) {
  const std::vector<Scalar> coarse = {0.1, 0.2, 0.5, 0.8, 1, 2, 3, 5, 8};
  auto best_of = [&](const std::vector<Scalar>& grid) {
    std::size_t best = 0;
    Scalar best_value = std::numeric_limits<Scalar>::infinity();
    for (std::size_t g = 0; g < grid.size(); ++g) {
      const Scalar value = soft_cross_entropy(votes, temperature_scaled(p, grid[g], false));
      if (value < best_value) {
        best_value = value;
        best = g;
      }
    }
    return best;
  };
  const std::size_t m = best_of(coarse);
  std::vector<Scalar> fine;
  if (m > 0) {
    for (int s = 0; s < 4; ++s) fine.push_back(coarse[m - 1] + (coarse[m] - coarse[m - 1]) * s / 4);
  }
  if (m + 1 < coarse.size()) {
    for (int s = 0; s <= 4; ++s) fine.push_back(coarse[m] + (coarse[m + 1] - coarse[m]) * s / 4);
  }
  return fine[best_of(fine)];
}

/// Majority vote with cleanlab's tie-breaks (get_majority_vote_label): among the tied classes,
/// the larger model probability; then the class given least often overall; then the class whose
/// annotators (on this item) agree most with the untied majority votes; then the lower class
/// (cleanlab picks at random).
template <class Scalar = double>
std::vector<int> activelab_majority_vote(
    const Crowd& crowd, const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& votes,
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& p) {
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index c = crowd.n_classes;
  std::vector<int> out(static_cast<std::size_t>(n_items), -1);
  std::vector<std::vector<int>> tied(static_cast<std::size_t>(n_items));
  const Eigen::Matrix<Scalar, 1, Eigen::Dynamic> frequency = votes.colwise().sum();
  auto keep_best = [](std::vector<int>& candidates, auto value) {
    Scalar best = -std::numeric_limits<Scalar>::infinity();
    for (const int k : candidates) best = std::max(best, value(k));
    std::erase_if(candidates, [&](int k) { return value(k) != best; });
  };
  for (Eigen::Index i = 0; i < n_items; ++i) {
    auto& candidates = tied[static_cast<std::size_t>(i)];
    const Scalar most = votes.row(i).maxCoeff();
    for (Eigen::Index k = 0; k < c; ++k) {
      if (votes(i, k) == most) candidates.push_back(static_cast<int>(k));
    }
    if (candidates.size() == 1) {
      out[static_cast<std::size_t>(i)] = candidates[0];
      candidates.clear();
      continue;
    }
    keep_best(candidates, [&](int k) { return p(i, k); });
    if (candidates.size() > 1) keep_best(candidates, [&](int k) { return -frequency(k); });
    if (candidates.size() == 1) {
      out[static_cast<std::size_t>(i)] = candidates[0];
      candidates.clear();
    }
  }
  bool any = false;
  for (const auto& t : tied) any = any || !t.empty();
  if (!any) return out;
  // Agreement of each annotator with the items whose vote had a single mode.
  const Eigen::Index n_annotators = crowd.n_annotators();
  std::vector<Scalar> hits(static_cast<std::size_t>(n_annotators), 0);
  std::vector<Scalar> seen(static_cast<std::size_t>(n_annotators), 0);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    const Scalar most = votes.row(i).maxCoeff();
    if ((votes.row(i).array() == most).count() != 1) continue;
    int mode = 0;
    votes.row(i).maxCoeff(&mode);
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto j = static_cast<std::size_t>(crowd.annotator[static_cast<std::size_t>(a)]);
      seen[j] += 1;
      hits[j] += crowd.label[static_cast<std::size_t>(a)] == mode ? 1 : 0;
    }
  }
  std::vector<Scalar> agreement(static_cast<std::size_t>(n_annotators), 0);
  Scalar sum = 0;
  Scalar known = 0;
  for (std::size_t j = 0; j < agreement.size(); ++j) {
    if (seen[j] > 0) {
      agreement[j] = hits[j] / seen[j];
      sum += agreement[j];
      known += 1;
    }
  }
  for (std::size_t j = 0; j < agreement.size(); ++j) {
    if (seen[j] == 0) agreement[j] = known > 0 ? sum / known : 0;
  }
  for (Eigen::Index i = 0; i < n_items; ++i) {
    auto& candidates = tied[static_cast<std::size_t>(i)];
    if (candidates.empty()) continue;
    keep_best(candidates, [&](int k) {
      Scalar total = 0;
      Scalar count = 0;
      for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
           a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
        if (crowd.label[static_cast<std::size_t>(a)] != k) continue;
        total += agreement[static_cast<std::size_t>(crowd.annotator[static_cast<std::size_t>(a)])];
        count += 1;
      }
      return total / count;
    });
    out[static_cast<std::size_t>(i)] = candidates[0];
  }
  return out;
}

/// One CROWDLAB pass for a given consensus: posterior, weights and consensus quality.
template <class Scalar = double>
void crowdlab_pass(const Crowd& crowd,
                   const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& p,
                   const std::vector<Scalar>& annotator_agreement,
                   const std::vector<int>& consensus, quality::ActiveLabResult& r) {
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index c = crowd.n_classes;
  const Scalar floor = activelab_weight_floor<Scalar>;
  // Mean agreement with the consensus over items with several annotations; the error of
  // always guessing their most common consensus class; the model's error on them.
  Scalar agree = 0;
  Scalar multi = 0;
  Scalar model_wrong = 0;
  Scalar answers = 0;
  std::vector<Scalar> class_count(static_cast<std::size_t>(c), 0);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    const Eigen::Index begin = crowd.item_start[static_cast<std::size_t>(i)];
    const Eigen::Index end = crowd.item_start[static_cast<std::size_t>(i) + 1];
    answers += static_cast<Scalar>(end - begin);
    if (end - begin < 2) continue;
    const int z = consensus[static_cast<std::size_t>(i)];
    Scalar same = 0;
    for (Eigen::Index a = begin; a < end; ++a)
      same += crowd.label[static_cast<std::size_t>(a)] == z;
    agree += same / static_cast<Scalar>(end - begin);
    multi += 1;
    class_count[static_cast<std::size_t>(z)] += 1;
    model_wrong += argmax_lowest(p.row(i)) != z ? 1 : 0;
  }
  const Scalar likelihood = agree / multi;
  const Scalar other = (1 - likelihood) / static_cast<Scalar>(c - 1);
  const Scalar common = *std::max_element(class_count.begin(), class_count.end());
  const Scalar class_error = std::max((multi - common) / multi, floor);
  r.annotator_weights.resize(static_cast<Eigen::Index>(annotator_agreement.size()));
  for (std::size_t j = 0; j < annotator_agreement.size(); ++j) {
    r.annotator_weights(static_cast<Eigen::Index>(j)) =
        std::max(1 - (1 - annotator_agreement[j]) / class_error, floor);
  }
  r.model_weight = std::max(1 - model_wrong / multi / class_error, floor) *
                   std::sqrt(answers / static_cast<Scalar>(n_items));
  r.posterior.resize(n_items, c);
  r.consensus_quality.resize(n_items);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    Scalar total = r.model_weight;
    r.posterior.row(i) = r.model_weight * p.row(i);
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const Scalar w = r.annotator_weights(crowd.annotator[static_cast<std::size_t>(a)]);
      r.posterior.row(i).array() += w * other;
      r.posterior(i, crowd.label[static_cast<std::size_t>(a)]) += w * (likelihood - other);
      total += w;
    }
    r.posterior.row(i) /= total;
    r.consensus_quality(i) = r.posterior(i, consensus[static_cast<std::size_t>(i)]);
  }
  r.consensus_labels = consensus;
}

/// CROWDLAB's agreement of each annotator with the other annotators of the items they share:
/// sum over j's items of (others agreeing with j) / sum of (answers - 1); an annotator who shares
/// no item gets the mean of the others.
template <class Scalar = double>
std::vector<Scalar> agreement_with_annotators(const Crowd& crowd) {
  const auto m = static_cast<std::size_t>(crowd.n_annotators());
  std::vector<Scalar> hits(m, 0);
  std::vector<Scalar> pairs(m, 0);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const Eigen::Index begin = crowd.item_start[static_cast<std::size_t>(i)];
    const Eigen::Index end = crowd.item_start[static_cast<std::size_t>(i) + 1];
    for (Eigen::Index a = begin; a < end; ++a) {
      const auto j = static_cast<std::size_t>(crowd.annotator[static_cast<std::size_t>(a)]);
      pairs[j] += static_cast<Scalar>(end - begin - 1);
      for (Eigen::Index b = begin; b < end; ++b) {
        hits[j] += b != a && crowd.label[static_cast<std::size_t>(a)] ==
                                 crowd.label[static_cast<std::size_t>(b)]
                       ? 1
                       : 0;
      }
    }
  }
  std::vector<Scalar> out(m, 0);
  Scalar sum = 0;
  Scalar known = 0;
  for (std::size_t j = 0; j < m; ++j) {
    if (pairs[j] > 0) {
      out[j] = hits[j] / pairs[j];
      sum += out[j];
      known += 1;
    }
  }
  for (std::size_t j = 0; j < m; ++j) {
    if (pairs[j] == 0) out[j] = sum / known;
  }
  return out;
}

}  // namespace detail
namespace quality {

/// ActiveLab scores (Goh & Mueller 2023), as cleanlab's get_active_learning_scores: the item with
/// the lowest score is the one to send for one more annotation.
///
/// `annotations` are {item, annotator, label} records, at most one per (item, annotator);
/// `probabilities` has one row per distinct annotated item (ascending item id) and
/// `probabilities_unlabeled` one row per item nobody annotated (either may have 0 rows; not
/// both). Both are out-of-sample predicted probabilities of a model (rows are items).
///
/// If some item has several annotations: a temperature T for the model is chosen by
/// cleanlab's grid search on the soft cross-entropy against the items' label shares, the
/// probabilities become p^(1/T) renormalised, and CROWDLAB runs: the majority vote (ties: model,
/// rarer class, more reliable annotators, lower class) gives the agreement a of the annotators
/// with it on multi-annotated items, the error e of always guessing their most common class, the
/// annotator weights w_j = max(1 - (1 - s_j) / e, 1e-6) (s_j: j's agreement with co-annotators),
/// the model weight w_M = max(1 - err_M / e, 1e-6) · sqrt(mean answers per item), and the
/// posterior P_i ∝ w_M p_i + sum_j w_j L_ij with L_ij = a on j's label and (1 - a)/(C - 1)
/// elsewhere; the consensus is the posterior's argmax (the majority vote if tied), and the
/// pass is repeated for it. Consensus quality q_i = P_i[consensus_i]. If every item has one
/// annotation: T = 1, consensus = that label, q_i = p_i[label], w_M = 1, w_j = 1.
///
/// Scores: annotated item i: (q_i · (W_i + w_M) + w̄ / C) / (W_i + w_M + w̄), W_i the sum of its
/// annotators' weights, w̄ their mean over all annotators; unlabeled item u: (max_k p_uk · w_M +
/// w̄ / C) / (w_M + w̄). With no annotated item: T = 1, w_M = w̄ = 1.
///
/// Complexity O(N·A_i + I·C·G) for N records, A_i answers per item and G = 14 temperatures.
/// @throws labelkit::invalid_argument for bad annotations (naming the record), an (item,
///   annotator) pair given twice, invalid probabilities (naming the row), or no items at all;
///   labelkit::dimension_mismatch if `probabilities` does not have one row per annotated item or
///   either matrix does not have n_classes columns.
template <class DerivedLabeled, class DerivedUnlabeled>
[[nodiscard]] ActiveLabResult active_learning_scores(
    std::span<const Annotation> annotations, int n_classes,
    const Eigen::MatrixBase<DerivedLabeled>& probabilities,
    const Eigen::MatrixBase<DerivedUnlabeled>& probabilities_unlabeled) {
  // Spelled as dependent types, so that the Eigen expressions below are compiled only where
  // this template is used (see detail::dependent_t).
  using Matrix = detail::dependent_t<Eigen::MatrixXd, DerivedLabeled>;
  using Vector = detail::dependent_t<Eigen::VectorXd, DerivedLabeled>;
  constexpr const char* function = "active_learning_scores";
  detail::check_n_classes(n_classes, function);
  const Eigen::Index c = n_classes;
  if (probabilities_unlabeled.cols() != c && probabilities_unlabeled.rows() > 0) {
    detail::fail<dimension_mismatch>(function, "'probabilities_unlabeled' has ",
                                     probabilities_unlabeled.cols(),
                                     " columns but n_classes = ", c);
  }
  if (probabilities_unlabeled.rows() > 0) {
    labelkit::detail::check_probabilities(probabilities_unlabeled, function,
                                          "probabilities_unlabeled");
  }
  detail::dependent_t<ActiveLabResult, DerivedLabeled> r;
  if (annotations.empty()) {
    if (probabilities.rows() != 0) {
      detail::fail<dimension_mismatch>(function, "'probabilities' has ", probabilities.rows(),
                                       " rows but there are no annotations");
    }
    if (probabilities_unlabeled.rows() == 0) {
      detail::fail(function, "there are no items (no annotations and no unlabeled rows)");
    }
  }
  const double inv_c = 1.0 / static_cast<double>(c);
  double average_weight = 1;
  if (!annotations.empty()) {
    const auto crowd = detail::make_crowd(annotations, n_classes, function);
    detail::check_tables(3, crowd.n_items(), n_classes, function, "the items x classes tables");
    if (probabilities.rows() != crowd.n_items() || probabilities.cols() != c) {
      detail::fail<dimension_mismatch>(function, "'probabilities' is ", probabilities.rows(), " x ",
                                       probabilities.cols(), " but the annotations have ",
                                       crowd.n_items(), " distinct items and n_classes = ", c,
                                       " (expected one row per item, ascending id)");
    }
    labelkit::detail::check_probabilities(probabilities, function, "probabilities");
    bool several = false;
    for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
      const Eigen::Index begin = crowd.item_start[static_cast<std::size_t>(i)];
      const Eigen::Index end = crowd.item_start[static_cast<std::size_t>(i) + 1];
      several = several || end - begin > 1;
      for (Eigen::Index a = begin; a < end; ++a) {
        for (Eigen::Index b = begin; b < a; ++b) {
          if (crowd.annotator[static_cast<std::size_t>(a)] ==
              crowd.annotator[static_cast<std::size_t>(b)]) {
            detail::fail(
                function, "'annotations' record ", crowd.record[static_cast<std::size_t>(a)],
                " repeats annotator ",
                annotations[static_cast<std::size_t>(crowd.record[static_cast<std::size_t>(a)])]
                    .annotator,
                " on item ", crowd.items.ids()[static_cast<std::size_t>(i)],
                " (expected at most one answer per item and annotator)");
          }
        }
      }
    }
    r.items = crowd.items.ids();
    r.annotators = crowd.annotators.ids();
    Matrix p = probabilities.template cast<double>();
    if (several) {
      const Matrix votes = detail::vote_counts(crowd);
      r.temperature = detail::best_temperature(votes, p);
      p = detail::temperature_scaled(p, r.temperature, true);
      const auto agreement = detail::agreement_with_annotators(crowd);
      const auto majority = detail::activelab_majority_vote(crowd, votes, p);
      detail::crowdlab_pass(crowd, p, agreement, majority, r);
      std::vector<int> best = majority;
      for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
        const double top = r.posterior.row(i).maxCoeff();
        if ((r.posterior.row(i).array() == top).count() == 1) {
          best[static_cast<std::size_t>(i)] = detail::argmax_lowest(r.posterior.row(i));
        }
      }
      detail::crowdlab_pass(crowd, p, agreement, best, r);
    } else {
      r.consensus_labels = crowd.label;  // one record per item, grouped by item
      r.posterior = p;
      r.consensus_quality.resize(crowd.n_items());
      for (Eigen::Index i = 0; i < crowd.n_items(); ++i)
        r.consensus_quality(i) = p(i, r.consensus_labels[static_cast<std::size_t>(i)]);
      r.annotator_weights = Vector::Ones(crowd.n_annotators());
      r.model_weight = 1;
    }
    average_weight = r.annotator_weights.mean();
    r.scores.resize(crowd.n_items());
    for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
      double w = r.model_weight;
      for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
           a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
        w += r.annotator_weights(crowd.annotator[static_cast<std::size_t>(a)]);
      }
      r.scores(i) = (r.consensus_quality(i) * w + inv_c * average_weight) / (w + average_weight);
    }
  }
  r.unlabeled_scores.resize(probabilities_unlabeled.rows());
  if (probabilities_unlabeled.rows() > 0) {
    const Matrix pu = detail::temperature_scaled(
        Matrix(probabilities_unlabeled.template cast<double>()), r.temperature, true);
    for (Eigen::Index u = 0; u < pu.rows(); ++u) {
      r.unlabeled_scores(u) = (pu.row(u).maxCoeff() * r.model_weight + inv_c * average_weight) /
                              (r.model_weight + average_weight);
    }
  }
  return r;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
