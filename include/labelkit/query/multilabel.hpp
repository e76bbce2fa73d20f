#pragma once
/// @file
/// Multi-label uncertainty scores, the query strategies of modAL's `modAL.multilabel` module:
/// SVM binary minimisation (Brinker 2006), max loss and mean max loss (Li, Wang & Sung 2004), and
/// min/average confidence and max/average score (Esuli & Sebastiani 2009).
///
/// Each score takes an n x L matrix (rows are items, columns are labels; float or double, row- or
/// column-major, any Eigen dense expression) and returns one score per row as a column vector of
/// the same scalar type. As everywhere in labelkit, a higher score means "ask for this item
/// first", so every score feeds `labelkit::query::top_k` directly; where modAL selects the
/// smallest value (binary minimisation, min confidence) labelkit returns its negation, which
/// gives the same order. The probability matrices hold independent per-label probabilities
/// (`labelkit::MultiLabelModel`): rows need not sum to 1.
///
/// Where a score needs the predicted label set it is ŷ(i, l) = +1 if P(i, l) > threshold (0.5
/// by default, `MultiLabelOptions::threshold`) and -1 otherwise, and P(i) = #{l : ŷ(i, l) = +1}.
/// scikit-learn's `OneVsRestClassifier.predict`, which modAL calls, thresholds the
/// decision function at 0 instead when the base estimator has one (an SVM): with Platt-scaled
/// probabilities the two can disagree near the boundary, so pass the threshold that matches
/// your model.
///
/// Every score is O(n L) time and allocates the result (plus one evaluated copy of the input
/// when it is an expression or a block rather than a plain matrix).
/// docs/multilabel_active_learning.md lists each formula with what modAL's code computes.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/multilabel_model.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Which formula `mean_max_loss` uses.
enum class MeanMaxLossForm {
  /// The mean, over the L hypotheses "label j is the item's one positive label", of the max-loss
  /// loss under that hypothesis: (1/L) Σ_j Σ_l max(0, 1 - s_j(l) ŷ(i, l)) with s_j(l) = +1 if
  /// l = j else -1. It equals 2 (P(i) + 1) - 4 P(i) / L. labelkit's default.
  mean_of_hinges,
  /// modAL's code: (1/L) Σ_j max(0, 1 - Σ_l s_j(l) ŷ(i, l)) = (1/L) Σ_j max(0, 1 - 2 ŷ(i, j) +
  /// S(i)), S(i) = Σ_l ŷ(i, l) = 2 P(i) - L. modAL multiplies the ±1 predictions by the
  /// hypothesis matrix with `np.dot` (one hinge of the summed margins) where its max loss
  /// multiplies element-wise (a sum of per-label hinges).
  modal,
};

/// Options of the probability-based multi-label scores.
struct MultiLabelOptions {
  /// A label is predicted present when its probability is strictly greater than this (as
  /// scikit-learn's `predict` does with `predict_proba(...) > 0.5`). In [0, 1].
  double threshold = 0.5;
  /// The formula of `mean_max_loss`.
  MeanMaxLossForm mean_max_loss_form = MeanMaxLossForm::mean_of_hinges;
};

}  // namespace query
namespace detail {

/// Throws unless `m` (already evaluated) is a non-empty n x L matrix of values in [0, 1]
/// (no NaN), naming the first offending row and column.
template <class Matrix>
void check_label_probabilities(const Matrix& m, const char* function) {
  check_probability_shape(m, function, "probabilities");
  using Scalar = typename Matrix::Scalar;
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      const Scalar v = m(i, j);
      if (!(v >= Scalar(0) && v <= Scalar(1))) {
        fail(function, "'probabilities' has a value outside [0, 1] at row ", i, ", column ", j,
             " (got ", static_cast<double>(v), ")");
      }
    }
  }
}

/// Throws unless the threshold is in [0, 1] (no NaN).
template <class Scalar = double>
void check_label_threshold(Scalar threshold, const char* function) {
  if (!(threshold >= Scalar(0) && threshold <= Scalar(1))) {
    fail(function, "'options.threshold' is outside [0, 1] (got ", static_cast<double>(threshold),
         ")");
  }
}

/// Evaluates `p`, checks it is a valid n x L probability matrix and the options' threshold, and
/// returns `row_score(row, threshold)` for every row as a column vector.
template <class Derived, class RowScore>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> score_label_rows(
    const Eigen::MatrixBase<Derived>& p, double threshold, const char* function,
    RowScore&& row_score) {
  using Scalar = typename Derived::Scalar;
  check_label_threshold(threshold, function);
  const auto& m = p.derived().eval();
  check_label_probabilities(m, function);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(m.rows());
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    scores(i) = row_score(m.row(i), static_cast<Scalar>(threshold));
  }
  return scores;
}

}  // namespace detail
namespace query {

/// SVM binary minimisation (Brinker 2006, "On Active Learning in Multi-label Classification"):
/// -min_l |f(i, l)| for an n x L matrix of decision values f (rows are items; the signed margins
/// of the L one-vs-rest classifiers, `labelkit::DecisionFunctionModel`). The item whose closest
/// binary boundary is nearest is asked first. In (-inf, 0]; modAL's `SVM_binary_minimum` takes
/// the argmin of min_l |f(i, l)|, the same order (and with `random_tie_break=True` it takes the
/// argmax, the opposite item: labelkit does not reproduce that). O(n L).
/// @throws labelkit::invalid_argument if the matrix is empty (no rows or no columns) or has a
///         non-finite value (naming its row and column).
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> svm_binary_minimum(
    const Eigen::MatrixBase<Derived>& decision_values) {
  using Scalar = typename Derived::Scalar;
  const auto& m = decision_values.derived().eval();
  labelkit::detail::check_nonempty_rows(m, "svm_binary_minimum", "decision_values");
  if (m.cols() == 0) {
    labelkit::detail::fail("svm_binary_minimum",
                           "'decision_values' has 0 columns (expected one per label)");
  }
  labelkit::detail::check_finite(m, "svm_binary_minimum", "decision_values");
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(m.rows());
  for (Eigen::Index i = 0; i < m.rows(); ++i) scores(i) = -m.row(i).cwiseAbs().minCoeff();
  return scores;
}

/// Max loss (Li, Wang & Sung 2004, "Multilabel SVM active learning for image classification",
/// as modAL's `max_loss` computes it): with c(i) = argmax_l P(i, l) (the lowest such l) taken as
/// the item's one positive label, s(i, l) = +1 if l = c(i) else -1, the hinge losses of the
/// predicted labels ŷ against that hypothesis, Σ_l max(0, 1 - s(i, l) ŷ(i, l)) = 2 #{l :
/// s(i, l) ≠ ŷ(i, l)}. In {0, 2, ..., 2L}. modAL's docstring says the calculation works only for
/// SVMs; its code (and labelkit) use the ±1 predictions, not SVM outputs, so the loss counts
/// disagreements. O(n L).
/// @throws labelkit::invalid_argument if the matrix is empty, has a value outside [0, 1] or NaN
///         (naming its row and column), or the threshold is outside [0, 1].
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> max_loss(
    const Eigen::MatrixBase<Derived>& probabilities, const MultiLabelOptions& options = {}) {
  using Scalar = typename Derived::Scalar;
  return labelkit::detail::score_label_rows(
      probabilities, options.threshold, "max_loss", [](const auto& row, Scalar threshold) {
        Eigen::Index top = 0;
        row.maxCoeff(&top);  // the first maximum, as numpy's argmax
        Eigen::Index disagreements = 0;
        for (Eigen::Index l = 0; l < row.size(); ++l) {
          disagreements += ((l == top) != (row(l) > threshold)) ? 1 : 0;
        }
        return Scalar(2) * static_cast<Scalar>(disagreements);
      });
}

/// Mean max loss (Li, Wang & Sung 2004): the max loss averaged over the L hypotheses "label j is
/// the item's one positive label" instead of only the most probable one. With the default form
/// (`MeanMaxLossForm::mean_of_hinges`), (1/L) Σ_j Σ_l max(0, 1 - s_j(l) ŷ(i, l)) =
/// 2 (P(i) + 1) - 4 P(i) / L, P(i) the number of predicted labels; with
/// `MeanMaxLossForm::modal`, modAL's `mean_max_loss`, (1/L) Σ_j max(0, 1 - 2 ŷ(i, j) + S(i)),
/// S(i) = 2 P(i) - L, one hinge of the summed margins per hypothesis. Both depend on the item only
/// through P(i). For L >= 3 both are non-decreasing in P(i) (the default strictly increasing),
/// so they rank items alike except that modAL's form is 0 for every P(i) <= (L - 3) / 2 and ties
/// those items; for L = 2 the default is the constant 2 and modAL's form is 1, 1.5, 1 for
/// P(i) = 0, 1, 2; for L = 1 both are 2 - 2 P(i). O(n L).
/// @throws labelkit::invalid_argument as `max_loss`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> mean_max_loss(
    const Eigen::MatrixBase<Derived>& probabilities, const MultiLabelOptions& options = {}) {
  using Scalar = typename Derived::Scalar;
  const MeanMaxLossForm form = options.mean_max_loss_form;
  return labelkit::detail::score_label_rows(
      probabilities, options.threshold, "mean_max_loss", [form](const auto& row, Scalar threshold) {
        const Eigen::Index labels = row.size();
        Eigen::Index positives = 0;
        for (Eigen::Index l = 0; l < labels; ++l) positives += row(l) > threshold ? 1 : 0;
        const Scalar count = static_cast<Scalar>(positives);
        const Scalar size = static_cast<Scalar>(labels);
        if (form == MeanMaxLossForm::mean_of_hinges) {
          // Σ_j 2 (disagreements under hypothesis j) = 2 (L P - P + (L - P)).
          return Scalar(2) * (size * (count + Scalar(1)) - Scalar(2) * count) / size;
        }
        const Scalar sum = Scalar(2) * count - size;  // S(i)
        Scalar total = 0;
        for (Eigen::Index j = 0; j < labels; ++j) {
          const Scalar predicted = row(j) > threshold ? Scalar(1) : Scalar(-1);
          total += std::max(Scalar(0), Scalar(1) - Scalar(2) * predicted + sum);
        }
        return total / size;
      });
}

/// Min confidence (Esuli & Sebastiani 2009, "Active Learning Strategies for Multi-Label Text
/// Classification", as modAL's `min_confidence` computes it): -min_l P(i, l). modAL takes the
/// items with the smallest min_l P(i, l), the same order. modAL uses the raw probability as
/// the confidence, so this asks first for the items with a label the model is surest is
/// absent. In [-1, 0]. O(n L).
/// @throws labelkit::invalid_argument if the matrix is empty or has a value outside [0, 1] or
///         NaN (naming its row and column).
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> min_confidence(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  return labelkit::detail::score_label_rows(
      probabilities, 0.5, "min_confidence",
      [](const auto& row, Scalar) { return -row.minCoeff(); });
}

/// Average confidence (Esuli & Sebastiani 2009, as modAL's `avg_confidence` computes it):
/// (1/L) Σ_l P(i, l), the highest asked first (modAL takes the argmax). In [0, 1]. O(n L).
/// @throws labelkit::invalid_argument as `min_confidence`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> average_confidence(
    const Eigen::MatrixBase<Derived>& probabilities) {
  using Scalar = typename Derived::Scalar;
  return labelkit::detail::score_label_rows(probabilities, 0.5, "average_confidence",
                                            [](const auto& row, Scalar) { return row.mean(); });
}

/// Max score (Esuli & Sebastiani 2009, as modAL's `max_score` computes it): max_l P(i, l)
/// (z(i, l) - 1/2) with z(i, l) = 1 if P(i, l) > threshold else 0, i.e. P/2 for a predicted
/// label and -P/2 otherwise; the highest asked first. In [-1/2, 1/2]. modAL's `max_score` alone
/// defaults to `random_tie_break=1` (shuffled ties); labelkit breaks ties to the lower index
/// unless asked otherwise. O(n L).
/// @throws labelkit::invalid_argument as `max_loss`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> max_score(
    const Eigen::MatrixBase<Derived>& probabilities, const MultiLabelOptions& options = {}) {
  using Scalar = typename Derived::Scalar;
  return labelkit::detail::score_label_rows(
      probabilities, options.threshold, "max_score", [](const auto& row, Scalar threshold) {
        Scalar best = -std::numeric_limits<Scalar>::infinity();
        for (Eigen::Index l = 0; l < row.size(); ++l) {
          const Scalar v = row(l);
          best = std::max(best, v > threshold ? v / Scalar(2) : -v / Scalar(2));
        }
        return best;
      });
}

/// Average score (Esuli & Sebastiani 2009, as modAL's `avg_score` computes it): (1/L) Σ_l
/// P(i, l) (z(i, l) - 1/2), z as in `max_score`; the highest asked first. In [-1/2, 1/2].
/// O(n L).
/// @throws labelkit::invalid_argument as `max_loss`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> average_score(
    const Eigen::MatrixBase<Derived>& probabilities, const MultiLabelOptions& options = {}) {
  using Scalar = typename Derived::Scalar;
  return labelkit::detail::score_label_rows(
      probabilities, options.threshold, "average_score", [](const auto& row, Scalar threshold) {
        Scalar total = 0;
        for (Eigen::Index l = 0; l < row.size(); ++l) {
          const Scalar v = row(l);
          total += v > threshold ? v / Scalar(2) : -v / Scalar(2);
        }
        return total / static_cast<Scalar>(row.size());
      });
}

}  // namespace query
LABELKIT_END_NAMESPACE
