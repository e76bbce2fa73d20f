#pragma once
/// @file
/// Expected model change: expected gradient length (EGL; Settles, Craven & Ray 2008) for a
/// softmax last layer, in closed form, so no model gradients are needed.
///
/// For cross-entropy with a softmax layer z = W h (+ b), the gradient with respect to W for
/// label y is (p - e_y) h^T, whose Frobenius (L2) norm is ||p - e_y||·||h||. Taking the
/// expectation over the model's own predictive distribution,
///
///     EGL_i = ||h_i|| · sum_y p_iy · ||p_i - e_y||,   ||p - e_y||^2 = ||p||^2 - 2 p_y + 1,
///
/// with L2 norms throughout (small-text uses an L1 norm; that is a different quantity). To
/// include a bias b, append a constant 1 to each h_i (the norm becomes sqrt(||h_i||^2 + 1)).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Expected gradient length of each item (see the file comment) from its predicted
/// probabilities (n x C, rows are items) and its penultimate-layer embedding (n x d). Returns n
/// scores, higher = ask first, in the probabilities' scalar type. 0 exactly for a one-hot
/// prediction. O(n*(C + d)), vectorised over columns.
/// @throws labelkit::invalid_argument if the probabilities are invalid or an embedding is not
///         finite; labelkit::dimension_mismatch if the row counts differ.
template <class PDerived, class EDerived>
[[nodiscard]] Eigen::Matrix<typename PDerived::Scalar, Eigen::Dynamic, 1> expected_gradient_length(
    const Eigen::MatrixBase<PDerived>& probabilities,
    const Eigen::MatrixBase<EDerived>& embeddings) {
  using Scalar = typename PDerived::Scalar;
  detail::check_probabilities_and_embeddings(probabilities, embeddings, "expected_gradient_length");
  const Eigen::Index n = probabilities.rows();
  const Eigen::Array<Scalar, Eigen::Dynamic, 1> p_sq =
      probabilities.rowwise().squaredNorm().array();
  Eigen::Array<Scalar, Eigen::Dynamic, 1> sum = Eigen::Array<Scalar, Eigen::Dynamic, 1>::Zero(n);
  for (Eigen::Index y = 0; y < probabilities.cols(); ++y) {
    const auto p_y = probabilities.col(y).array();
    // ||p - e_y||^2 >= 0 exactly; max() removes a rounding of -0.0...1 at p = e_y.
    sum += p_y * (p_sq - Scalar(2) * p_y + Scalar(1)).max(Scalar(0)).sqrt();
  }
  const Eigen::Array<Scalar, Eigen::Dynamic, 1> h_norm =
      embeddings.rowwise().norm().array().template cast<Scalar>();
  return (sum * h_norm).matrix();
}

/// Expected-gradient-length sampling as an `ActiveLearner` strategy: the k unlabeled items with
/// the largest `expected_gradient_length(model.predict_proba(rows), embeddings(rows))` (ties to
/// the lower item id). Embeddings from `model.embed` (give it the penultimate layer), else the
/// raw features when they are an Eigen matrix (exact for multinomial logistic regression).
struct ExpectedGradientLengthSampling {
  /// Scores `context.unlabeled` and returns the k best item ids.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "ExpectedGradientLengthSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          return top_k(expected_gradient_length(round.probabilities(), round.embeddings()), k);
        });
  }
};

/// Expected gradient length sampling as a value.
inline constexpr ExpectedGradientLengthSampling expected_gradient_length_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
