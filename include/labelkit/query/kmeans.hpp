#pragma once
/// @file
/// Cluster-based batch selection on seeded k-means (labelkit/models/kmeans.hpp): the most
/// central item of each cluster (a representative batch), or the most uncertain item of each
/// cluster (uncertainty without redundancy, as in Zhdanov 2019, "Diverse mini-batch active
/// learning"). `kmeans`, `KMeansOptions`, `KMeansResult` and `kmeans_plus_plus_seeds` are also
/// reachable as `labelkit::query::` names.
///
/// Points are n x d Eigen matrices (rows are items; float or double; any layout). Distances use
/// ||x||^2 - 2 x.c + ||c||^2 on data centred on its mean, one GEMM tile at a time (no n x k
/// matrix for large n), clamped at 0. Every random choice goes through labelkit::Random with the
/// caller's seed, so results are reproducible across platforms.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/models/kmeans.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

using models::kmeans;
using models::kmeans_plus_plus_seeds;
using models::KMeansOptions;
using models::KMeansProgress;
using models::KMeansResult;

/// Cluster-based selection, most central: clusters the rows of `embeddings` into k clusters
/// with `kmeans` and returns, for each cluster, the row nearest its centre (ties to the lower
/// row), largest cluster first (ties to the lower row). If a cluster ends up empty (only with
/// duplicate points), the batch is filled with the unpicked rows nearest their own centres, so
/// exactly k distinct rows come back. O(n*k*d) per k-means iteration.
/// @throws as `kmeans`.
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> cluster_centroid_selection(
    const Eigen::MatrixBase<Derived>& embeddings, Eigen::Index k,
    const KMeansOptions& options = {}) {
  detail::check_kmeans_input(embeddings, k, options, "cluster_centroid_selection");
  const auto clustering = kmeans(embeddings, k, options);
  const Eigen::Index n = embeddings.rows();
  // Squared distance of every row to its own centre.
  Eigen::Matrix<double, Eigen::Dynamic, 1> own(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index c = clustering.assignments[static_cast<std::size_t>(i)];
    own(i) = (embeddings.row(i).template cast<double>() -
              clustering.centers.row(c).template cast<double>())
                 .squaredNorm();
  }
  std::vector<Eigen::Index> best(static_cast<std::size_t>(k), -1);
  std::vector<Eigen::Index> size(static_cast<std::size_t>(k), 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto c = static_cast<std::size_t>(clustering.assignments[static_cast<std::size_t>(i)]);
    ++size[c];
    if (best[c] < 0 || own(i) < own(best[c])) best[c] = i;
  }
  std::vector<detail::ScoredIndex<double>> ranked;  // (cluster size, representative row)
  std::vector<char> picked(static_cast<std::size_t>(n), 0);
  for (std::size_t c = 0; c < best.size(); ++c) {
    if (best[c] < 0) continue;
    ranked.push_back({static_cast<double>(size[c]), best[c]});
    picked[static_cast<std::size_t>(best[c])] = 1;
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return ranks_before(a, b); });
  std::vector<Eigen::Index> result;
  result.reserve(ranked.size());
  for (const auto& r : ranked) result.push_back(r.index);
  if (static_cast<Eigen::Index>(result.size()) < k) {
    Eigen::Matrix<double, Eigen::Dynamic, 1> closeness = -own;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (picked[static_cast<std::size_t>(i)] != 0)
        closeness(i) = -std::numeric_limits<double>::infinity();
    }
    for (const Eigen::Index i : top_k(closeness, k - static_cast<Eigen::Index>(result.size()))) {
      result.push_back(i);
    }
  }
  return result;
}

/// Cluster-based selection, most uncertain: clusters the rows of `embeddings` into k clusters
/// with `kmeans` and returns, for each cluster, the row with the highest score (ties to the
/// lower row), ordered by score (highest first, ties to the lower row). `scores` holds one
/// score per row, higher = ask first (e.g. `entropy(probabilities)`). If a cluster ends up empty
/// (only with duplicate points), the batch is filled with the highest-scoring unpicked rows.
/// @throws as `kmeans`; labelkit::dimension_mismatch if scores.size() != n;
///         labelkit::invalid_argument if a score is NaN.
template <class Derived, class ScoresDerived>
[[nodiscard]] std::vector<Eigen::Index> cluster_top_score_selection(
    const Eigen::MatrixBase<Derived>& embeddings, const Eigen::DenseBase<ScoresDerived>& scores,
    Eigen::Index k, const KMeansOptions& options = {}) {
  constexpr const char* function = "cluster_top_score_selection";
  detail::check_kmeans_input(embeddings, k, options, function);
  const Eigen::Index n = embeddings.rows();
  if (scores.size() != n) {
    labelkit::detail::fail<labelkit::dimension_mismatch>(function, "'scores' has ", scores.size(),
                                                         " entries (expected ", n,
                                                         ", one per row of 'embeddings')");
  }
  const Eigen::Matrix<double, Eigen::Dynamic, 1> s = scores.derived().template cast<double>();
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isnan(s(i))) labelkit::detail::fail(function, "'scores' has NaN at position ", i);
  }
  const auto clustering = kmeans(embeddings, k, options);
  std::vector<Eigen::Index> best(static_cast<std::size_t>(k), -1);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto c = static_cast<std::size_t>(clustering.assignments[static_cast<std::size_t>(i)]);
    if (best[c] < 0 || s(i) > s(best[c])) best[c] = i;
  }
  std::vector<detail::ScoredIndex<double>> ranked;
  Eigen::Matrix<double, Eigen::Dynamic, 1> rest = s;
  for (const Eigen::Index b : best) {
    if (b < 0) continue;
    ranked.push_back({s(b), b});
    rest(b) = -std::numeric_limits<double>::infinity();
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return ranks_before(a, b); });
  std::vector<Eigen::Index> result;
  result.reserve(ranked.size());
  for (const auto& r : ranked) result.push_back(r.index);
  if (static_cast<Eigen::Index>(result.size()) < k) {
    for (const Eigen::Index i : top_k(rest, k - static_cast<Eigen::Index>(result.size()))) {
      result.push_back(i);
    }
  }
  return result;
}

/// k-means sampling as an `ActiveLearner` strategy: k-means with k = min(k, unlabeled) clusters
/// on the unlabeled items' embeddings (`model.embed`, else the raw Eigen features), seeded from
/// the round's seed, then the most central item per cluster (`cluster_centroid_selection`).
struct KMeansSampling {
  int max_iterations = 100;  ///< Lloyd iterations per query
  double tolerance = 1e-4;   ///< see KMeansOptions::tolerance

  /// Returns min(k, unlabeled) item ids, one per cluster.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(context, k, "KMeansSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
      KMeansOptions options;
      options.max_iterations = max_iterations;
      options.tolerance = tolerance;
      options.seed = context.seed;
      return cluster_centroid_selection(round.embeddings(), std::min(k, round.size()), options);
    });
  }
};

/// Cluster-uncertainty sampling as an `ActiveLearner` strategy: k-means with k clusters on the
/// unlabeled items' embeddings, then the item with the highest `score(predict_proba)` in each
/// cluster (`cluster_top_score_selection`). `Score` maps an n x C probability matrix to n scores,
/// like the functions of uncertainty.hpp.
template <class Score>
struct ClusterUncertaintySampling {
  Score score;               ///< Maps an n x C probability matrix to n scores, higher = ask first.
  int max_iterations = 100;  ///< Lloyd iterations per query
  double tolerance = 1e-4;   ///< see KMeansOptions::tolerance

  /// Returns min(k, unlabeled) item ids, one per cluster.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "ClusterUncertaintySampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          KMeansOptions options;
          options.max_iterations = max_iterations;
          options.tolerance = tolerance;
          options.seed = context.seed;
          return cluster_top_score_selection(round.embeddings(), score(round.probabilities()),
                                             std::min(k, round.size()), options);
        });
  }
};

/// k-means sampling (most central item per cluster) as a value.
inline constexpr KMeansSampling kmeans_sampling{};
/// Most uncertain (highest entropy) item per k-means cluster, as a value.
inline constexpr ClusterUncertaintySampling<detail::EntropyScore> kmeans_entropy_sampling{};
/// Most uncertain (smallest margin) item per k-means cluster, as a value.
inline constexpr ClusterUncertaintySampling<detail::MarginScore> kmeans_margin_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
