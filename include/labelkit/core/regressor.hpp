#pragma once
/// @file
/// The `Regressor` concept and its refinements, the regression counterparts of `labelkit::Model`
/// (labelkit/core/model.hpp), detected the same way: by requires-expressions built from small
/// named pieces, so that a failure names the missing piece.
///
/// A regressor predicts one real value per item over a feature type X (rows are items):
///
///     void fit(const X& x, const Eigen::VectorXd& y);   // y(i) is item i's target
///     Eigen::VectorXd predict(const X& x);              // n x 1: the predicted mean per item
///
/// float results (Eigen::VectorXf) are fine too. X is anything row-selectable: an Eigen matrix
/// of either storage order (row-major input works as it is), a std::vector of records, or a type
/// that declares `labelkit_row_count` / `labelkit_select_rows`. Refinements:
/// - `ProbabilisticRegressor`: `predict_std(x)` returns the predictive standard deviation per
///   item (n x 1, >= 0), e.g. a Gaussian process or a Bayesian linear model. Used by the
///   acquisition functions PI / EI / UCB and by max-std sampling (labelkit/query/regression.hpp).
/// - `CommitteeRegressor`: `predict_members(x)` returns an n x M matrix, column m holding member
///   m's predictions (an ensemble, bagged models, MC-dropout passes; modAL's `vote`). Used by
///   max-std committee sampling.
/// - `CopyableRegressor`: copy-constructible, used by expected model change (EMCM) to fit
///   bootstrap copies without touching the original.

#include <concepts>
#include <type_traits>

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"

LABELKIT_BEGIN_NAMESPACE

namespace detail {
/// An Eigen dense column vector (one column at compile time or at run time is not checked here:
/// the functions that read it check n x 1) of float or double.
template <class T>
concept DenseVectorResult = DenseMatrixResult<T> &&
    (std::remove_cvref_t<T>::ColsAtCompileTime == 1 ||
     std::remove_cvref_t<T>::ColsAtCompileTime == Eigen::Dynamic);
}  // namespace detail

/// `m.fit(x, y)` exists, with y an `Eigen::VectorXd` of targets, one per row of x.
template <class M, class X>
concept HasRegressionFit = requires(M& m, const X& x, const Eigen::VectorXd& y) {
  m.fit(x, y);
};

/// `m.predict(x)` exists and returns an Eigen dense vector of float or double (n x 1, the
/// predicted mean per item).
template <class M, class X>
concept HasPredict = requires(M& m, const X& x) {
  { m.predict(x) } -> detail::DenseVectorResult;
};

/// `m.predict_std(x)` exists and returns an Eigen dense vector of float or double (n x 1, the
/// predictive standard deviation per item).
template <class M, class X>
concept HasPredictStd = requires(M& m, const X& x) {
  { m.predict_std(x) } -> detail::DenseVectorResult;
};

/// `m.predict_members(x)` exists and returns an Eigen dense matrix of float or double (n x M,
/// one column per committee member).
template <class M, class X>
concept HasPredictMembers = requires(M& m, const X& x) {
  { m.predict_members(x) } -> detail::DenseMatrixResult;
};

/// A regressor over feature type X: fit on real targets + predict a mean, on row-selectable X.
template <class M, class X>
concept Regressor = RowSelectable<X> && HasRegressionFit<M, X> && HasPredict<M, X>;

/// A regressor that also predicts its standard deviation per item (`predict_std`).
template <class M, class X>
concept ProbabilisticRegressor = Regressor<M, X> && HasPredictStd<M, X>;

/// A regressor that exposes its committee members' predictions (`predict_members`, n x M).
template <class M, class X>
concept CommitteeRegressor = Regressor<M, X> && HasPredictMembers<M, X>;

/// A regressor that can be copied (and the copy refit without touching the original).
template <class M, class X>
concept CopyableRegressor = Regressor<M, X> && std::copy_constructible<M>;

/// Call `check_regressor<M, X>()` in user code for one readable message per missing piece
/// instead of a long concept failure.
template <class M, class X>
constexpr bool check_regressor() {
  static_assert(RowSelectable<X>,
                "labelkit: the feature type X needs labelkit::row_count/select_rows: use an "
                "Eigen matrix or std::vector, or declare labelkit_row_count(const X&) and "
                "labelkit_select_rows(const X&, std::span<const Eigen::Index>) next to X");
  static_assert(HasRegressionFit<M, X>,
                "labelkit: the regressor needs `void fit(const X&, const Eigen::VectorXd& y)`");
  static_assert(HasPredict<M, X>,
                "labelkit: the regressor needs `predict(const X&)` returning an n x 1 Eigen "
                "vector of float or double (rows are items)");
  return true;
}

/// Like `check_regressor`, plus `predict_std`.
template <class M, class X>
constexpr bool check_probabilistic_regressor() {
  static_assert(check_regressor<M, X>());
  static_assert(HasPredictStd<M, X>,
                "labelkit: the regressor needs `predict_std(const X&)` returning an n x 1 Eigen "
                "vector of float or double (the predictive standard deviation per item, >= 0)");
  return true;
}

LABELKIT_END_NAMESPACE
