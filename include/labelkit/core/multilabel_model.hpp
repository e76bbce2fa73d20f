#pragma once
/// @file
/// The `MultiLabelModel` concept: a classifier that predicts, for every item, an independent
/// probability per label (an item may carry any number of labels), and the optional
/// `decision_function` capability used by SVM binary minimisation.
///
///     void fit(const X& x, const Eigen::MatrixXi& labels);   // n x L, entries 0 or 1
///     Eigen::MatrixXd predict_proba(const X& x);             // n x L, entry (i, l) = P(label l |
///     item i) Eigen::MatrixXd decision_function(const X& x);         // optional: n x L signed
///     margins
///
/// Rows are items, columns are labels. Unlike `labelkit::Model`, the rows of `predict_proba`
/// need not sum to 1: each entry is the probability of one binary (one-vs-rest) problem, as
/// scikit-learn's `OneVsRestClassifier.predict_proba` returns for multi-label targets. float
/// results (Eigen::MatrixXf) are fine too.

#include <concepts>

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"

LABELKIT_BEGIN_NAMESPACE

/// `m.fit(x, labels)` exists, with labels an n x L `Eigen::MatrixXi` of 0/1 indicators (rows are
/// items, columns are labels).
template <class M, class X>
concept HasMultiLabelFit = requires(M& m, const X& x, const Eigen::MatrixXi& labels) {
  m.fit(x, labels);
};

/// `m.decision_function(x)` exists and returns an Eigen dense matrix of float or double (n x L):
/// the signed margin of each label's binary classifier, positive = label predicted present.
template <class M, class X>
concept HasDecisionFunction = requires(M& m, const X& x) {
  { m.decision_function(x) } -> detail::DenseMatrixResult;
};

/// A multi-label classifier over feature type X: fit on an n x L indicator matrix, and
/// predict_proba returning n x L independent per-label probabilities in [0, 1], on row-selectable
/// X.
template <class M, class X>
concept MultiLabelModel = RowSelectable<X> && HasMultiLabelFit<M, X> && HasPredictProba<M, X>;

/// Optional: a `MultiLabelModel` with `decision_function` (needed by SVM binary minimisation,
/// `labelkit::query::svm_binary_minimum_sampling`; there is no fallback).
template <class M, class X>
concept DecisionFunctionModel = MultiLabelModel<M, X> && HasDecisionFunction<M, X>;

/// Call `check_multilabel_model<M, X>()` in user code for one readable message per missing piece
/// instead of a long concept failure.
template <class M, class X>
constexpr bool check_multilabel_model() {
  static_assert(RowSelectable<X>,
                "labelkit: the feature type X needs labelkit::row_count/select_rows: use an "
                "Eigen matrix or std::vector, or declare labelkit_row_count(const X&) and "
                "labelkit_select_rows(const X&, std::span<const Eigen::Index>) next to X");
  static_assert(HasMultiLabelFit<M, X>,
                "labelkit: the multi-label model needs `void fit(const X&, const Eigen::MatrixXi& "
                "labels)` with labels an n x L matrix of 0/1 indicators");
  static_assert(HasPredictProba<M, X>,
                "labelkit: the multi-label model needs `predict_proba(const X&)` returning an n x "
                "L Eigen matrix of float or double (rows are items, one probability per label)");
  return true;
}

LABELKIT_END_NAMESPACE
