#pragma once
/// @file
/// The `Model` concept and the optional capabilities that strategies detect with
/// `if constexpr`.
///
/// A model is a probabilistic classifier over a feature type X (rows are items):
///
///     void fit(const X& x, const std::vector<int>& labels);   // labels in 0..C-1
///     Eigen::MatrixXd predict_proba(const X& x);              // n x C, rows sum to 1
///
/// float results (Eigen::MatrixXf) are fine too. Optional capabilities:
/// - `EmbeddingModel`: `embed(x)` returns an n x d matrix (e.g. a penultimate layer), used by
///   diversity strategies (core-set, k-means, BADGE); the fallback is the raw features when X is an
///   Eigen matrix.
/// - `CommitteeModel`: `predict_proba_members(x)` returns one n x C matrix per member (an
///   ensemble or MC-dropout passes), used by vote entropy, KL disagreement and BALD.
/// - `CopyableModel`: copy-constructible, used by expected error reduction to refit a copy.

#include <concepts>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/rows.hpp"

LABELKIT_BEGIN_NAMESPACE

namespace detail {
template <class T>
concept DenseMatrixResult =
    std::derived_from<std::remove_cvref_t<T>, Eigen::DenseBase<std::remove_cvref_t<T>>> &&
    std::is_floating_point_v<typename std::remove_cvref_t<T>::Scalar>;
}  // namespace detail

/// `m.fit(x, labels)` exists, with labels a `std::vector<int>` of class indices 0..C-1.
template <class M, class X>
concept HasFit = requires(M& m, const X& x, const std::vector<int>& labels) {
  m.fit(x, labels);
};

/// `m.predict_proba(x)` exists and returns an Eigen dense matrix of float or double (n x C).
template <class M, class X>
concept HasPredictProba = requires(M& m, const X& x) {
  { m.predict_proba(x) } -> detail::DenseMatrixResult;
};

/// A probabilistic classifier over feature type X: fit + predict_proba, on row-selectable X.
template <class M, class X>
concept Model = RowSelectable<X> && HasFit<M, X> && HasPredictProba<M, X>;

/// Optional: `m.embed(x)` returns an n x d Eigen matrix of float or double.
template <class M, class X>
concept EmbeddingModel = Model<M, X> && requires(M& m, const X& x) {
  { m.embed(x) } -> detail::DenseMatrixResult;
};

/// Optional: `m.predict_proba_members(x)` returns a std::vector of n x C matrices, one per member.
template <class M, class X>
concept CommitteeModel = Model<M, X> && requires(M& m, const X& x) {
  { m.predict_proba_members(x) } -> std::ranges::range;
  requires detail::DenseMatrixResult<typename decltype(m.predict_proba_members(x))::value_type>;
};

/// Optional: the model can be copied (and the copy refit without touching the original).
template <class M, class X>
concept CopyableModel = Model<M, X> && std::copy_constructible<M>;

/// Call `check_model<M, X>()` in user code for one readable message per missing piece instead
/// of a long concept failure.
template <class M, class X>
constexpr bool check_model() {
  static_assert(RowSelectable<X>,
                "labelkit: the feature type X needs labelkit::row_count/select_rows: use an "
                "Eigen matrix or std::vector, or declare labelkit_row_count(const X&) and "
                "labelkit_select_rows(const X&, std::span<const Eigen::Index>) next to X");
  static_assert(HasFit<M, X>,
                "labelkit: the model needs `void fit(const X&, const std::vector<int>& labels)`");
  static_assert(HasPredictProba<M, X>,
                "labelkit: the model needs `predict_proba(const X&)` returning an n x C Eigen "
                "matrix of float or double (rows are items, rows sum to 1)");
  return true;
}

LABELKIT_END_NAMESPACE
