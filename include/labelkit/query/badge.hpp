#pragma once
/// @file
/// BADGE, Batch Active learning by Diverse Gradient Embeddings (Ash, Zhang, Krishnamurthy,
/// Langford & Agarwal 2020): embed each unlabeled item by the gradient of the cross-entropy loss
/// with respect to the last (softmax) layer's weights, taking the model's own prediction as the
/// label, and choose a batch by k-means++ seeding in that space — items with large gradients
/// (uncertain) that point in different directions (diverse).
///
/// The gradient embedding of item i is g_i = (p_i - e_{ŷ_i}) ⊗ h_i, where p_i is the predicted
/// distribution (C classes), ŷ_i its most probable class (ties to the lower class), e_ŷ the
/// one-hot vector (note the -1 on the predicted class, which small-text drops) and h_i the
/// penultimate-layer embedding (d values, the input of the softmax layer). g_i has C*d entries,
/// but the n x (C*d) matrix is never formed: with a_i = p_i - e_{ŷ_i},
///
///     ||g_i - g_j||^2 = ||a_i||^2 ||h_i||^2 + ||a_j||^2 ||h_j||^2 - 2 (a_i . a_j)(h_i . h_j),
///
/// so each k-means++ step is one GEMV over the embeddings (n x d) and one over the a_i (n x C):
/// O(n*k*(C + d)) time and O(n*(C + d)) memory.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Shared input checks for the functions that pair probabilities with embeddings.
template <class PDerived, class EDerived>
void check_probabilities_and_embeddings(const Eigen::MatrixBase<PDerived>& probabilities,
                                        const Eigen::MatrixBase<EDerived>& embeddings,
                                        const char* function) {
  labelkit::detail::check_probabilities(probabilities, function, "probabilities");
  if (embeddings.rows() != probabilities.rows()) {
    labelkit::detail::fail<labelkit::dimension_mismatch>(
        function, "'embeddings' has ", embeddings.rows(), " rows (expected ", probabilities.rows(),
        ", one per row of 'probabilities')");
  }
  check_finite_points(embeddings, function, "embeddings");
}

}  // namespace detail
namespace query {

/// BADGE batch selection: k distinct row indices (in the order chosen) of the items whose
/// probabilities (n x C, rows are items) and penultimate embeddings (n x d) are given. The first
/// pick is the item with the largest gradient norm ||a_i||·||h_i|| (ties to the lower row), as
/// in the authors' code; each next pick is drawn with probability proportional to its squared
/// gradient-space distance to the nearest pick so far (k-means++ seeding), from `seed`. If every
/// remaining item coincides with a pick, the next one is drawn uniformly among the rest.
///
/// The result's scalar is the wider of the two inputs' scalars. O(n*k*(C + d)).
/// @throws labelkit::invalid_argument if the probabilities are invalid (empty, NaN, outside
///         [0, 1], rows not summing to 1), an embedding is not finite, or k is not in [0, n];
///         labelkit::dimension_mismatch if the row counts differ.
template <class PDerived, class EDerived>
[[nodiscard]] std::vector<Eigen::Index> badge(const Eigen::MatrixBase<PDerived>& probabilities,
                                              const Eigen::MatrixBase<EDerived>& embeddings,
                                              Eigen::Index k, std::uint64_t seed) {
  using Scalar = std::common_type_t<typename PDerived::Scalar, typename EDerived::Scalar>;
  static_assert(std::is_floating_point_v<Scalar>, "labelkit: badge needs float or double inputs");
  constexpr const char* function = "badge";
  labelkit::detail::check_k(k, function);
  detail::check_probabilities_and_embeddings(probabilities, embeddings, function);
  const Eigen::Index n = probabilities.rows();
  if (k > n) {
    labelkit::detail::fail(function, "'k' exceeds the number of items (got ", k,
                           ", expected at most ", n, ")");
  }
  std::vector<Eigen::Index> picks;
  picks.reserve(static_cast<std::size_t>(k));
  if (k == 0) return picks;

  // a_i = p_i - e_{ŷ_i}, one GEMV-able n x C matrix (not n x C*d).
  detail::PointMatrix<Scalar> a = probabilities.template cast<Scalar>();
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Index top = 0;
    for (Eigen::Index c = 1; c < a.cols(); ++c) {
      if (a(i, c) > a(i, top)) top = c;  // strict: ties to the lower class
    }
    a(i, top) -= Scalar(1);
  }
  const detail::PointMatrix<Scalar> h = embeddings.template cast<Scalar>();
  const detail::PointVector<Scalar> norm_sq =
      (a.rowwise().squaredNorm().array() * h.rowwise().squaredNorm().array()).matrix();

  Eigen::Index first = 0;
  for (Eigen::Index i = 1; i < n; ++i) {
    if (norm_sq(i) > norm_sq(first)) first = i;
  }
  Random random(seed);
  std::vector<char> chosen(static_cast<std::size_t>(n), 0);
  detail::PointVector<Scalar> md =
      detail::PointVector<Scalar>::Constant(n, std::numeric_limits<Scalar>::infinity());
  detail::PointVector<Scalar> a_c(a.cols());
  detail::PointVector<Scalar> h_c(h.cols());
  detail::PointVector<Scalar> a_dots(n);
  detail::PointVector<Scalar> h_dots(n);
  Eigen::Index pick = first;
  for (Eigen::Index step = 0;; ++step) {
    picks.push_back(pick);
    chosen[static_cast<std::size_t>(pick)] = 1;
    if (step + 1 == k) break;
    a_c = a.row(pick).transpose();
    h_c = h.row(pick).transpose();
    a_dots.noalias() = a * a_c;
    h_dots.noalias() = h * h_c;
    md.array() = md.array().min(
        (norm_sq.array() + norm_sq(pick) - Scalar(2) * a_dots.array() * h_dots.array())
            .max(Scalar(0)));
    for (const Eigen::Index p : picks) md(p) = Scalar(0);  // exact, whatever the rounding
    const double total = md.template cast<double>().sum();
    pick = total > 0 ? detail::draw_weighted(md, total, random)
                     : detail::draw_unchosen(chosen, n - step - 1, random);
  }
  return picks;
}

/// BADGE as an `ActiveLearner` strategy: `badge(model.predict_proba(unlabeled rows),
/// embeddings of the unlabeled rows, min(k, unlabeled), round seed)`. The embeddings come from
/// `model.embed` (a labelkit::EmbeddingModel: give it the penultimate layer) or, failing that,
/// from the raw features when they are an Eigen matrix (then BADGE is exact for a linear softmax
/// model such as multinomial logistic regression, whose "penultimate layer" is its input).
struct BadgeSampling {
  /// Returns up to k unlabeled item ids chosen by BADGE.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(context, k, "BadgeSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
      return badge(round.probabilities(), round.embeddings(), std::min(k, round.size()),
                   context.seed);
    });
  }
};

/// BADGE sampling as a value.
inline constexpr BadgeSampling badge_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
