#pragma once
/// @file
/// Hybrid strategies: weighted sums of normalised scores, and two-stage batches (the beta * k
/// most uncertain items, then k diverse ones among them by k-center greedy or by k-means
/// clusters, as in cluster-margin, Citovsky et al. 2021, "Batch active learning at scale",
/// NeurIPS).
///
///     // 0.7 x entropy + 0.3 x density, each rank-normalised to [0, 1]
///     auto s = labelkit::query::weighted_score_sum(
///         std::vector<Eigen::VectorXd>{entropy(P), density(X)}, std::vector<double>{0.7, 0.3});
///
/// Scores on different scales (entropy in [0, ln C], density in [-1, 1], BALD unbounded) only add
/// up after normalisation:
/// - `Normalization::min_max`: (s - min) / (max - min), in [0, 1]; keeps the shape of the
///   distribution but a single outlier squeezes everything else;
/// - `Normalization::rank`: the item's rank among the n scores, ascending, divided by n - 1, in
///   [0, 1]; tied scores share the mean of their ranks; robust to outliers and monotone
///   transformations, discards the gaps.
/// A constant score (all equal, or n = 1) carries no information and maps to 0.5 under both.

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/query/random.hpp"

#include "labelkit/core/error.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// How `normalize_scores` maps scores onto [0, 1] (see the file comment).
enum class Normalization {
  min_max,  ///< (s - min) / (max - min)
  rank,     ///< mean rank of ties / (n - 1)
};

}  // namespace query
namespace detail {

template <class Derived>
void check_score_vector(const Eigen::DenseBase<Derived>& scores, const char* function,
                        const char* argument) {
  if (scores.rows() != 1 && scores.cols() != 1 && scores.size() != 0) {
    labelkit::detail::fail(function, "'", argument, "' must be a vector (got ", scores.rows(),
                           " x ", scores.cols(), ")");
  }
  for (Eigen::Index i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(static_cast<double>(scores.derived()(i)))) {
      labelkit::detail::fail(function, "'", argument, "' is not finite at position ", i, " (got ",
                             static_cast<double>(scores.derived()(i)), ")");
    }
  }
}

/// The result of `weighted_score_sum` over the range `Scores`: a column vector with the scalar
/// type of its score vectors (spelled out so that a call names its type without instantiating
/// the body).
template <class Scores>
using WeightedSum = Eigen::Matrix<
    typename std::remove_cvref_t<decltype(*std::begin(std::declval<const Scores&>()))>::Scalar,
    Eigen::Dynamic, 1>;

template <class Derived>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> normalize_unchecked(
    const Eigen::DenseBase<Derived>& scores, query::Normalization normalization) {
  using Scalar = typename Derived::Scalar;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const Eigen::Index n = scores.size();
  Vector s(n);
  for (Eigen::Index i = 0; i < n; ++i) s(i) = scores.derived()(i);
  if (n == 0) return s;
  if (normalization == query::Normalization::min_max) {
    const Scalar low = s.minCoeff();
    const Scalar high = s.maxCoeff();
    if (!(high > low)) return Vector::Constant(n, Scalar(0.5));
    return ((s.array() - low) / (high - low)).matrix();
  }
  if (n == 1) return Vector::Constant(1, Scalar(0.5));
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return s(a) < s(b) || (s(a) == s(b) && a < b); });
  Vector result(n);
  const auto top = static_cast<double>(n - 1);
  for (std::size_t first = 0; first < order.size();) {
    std::size_t last = first;
    while (last + 1 < order.size() && s(order[last + 1]) == s(order[first])) ++last;
    const double mean_rank = 0.5 * static_cast<double>(first + last);
    for (std::size_t r = first; r <= last; ++r)
      result(order[r]) = static_cast<Scalar>(mean_rank / top);
    first = last + 1;
  }
  if (result.maxCoeff() == result.minCoeff()) result.setConstant(Scalar(0.5));
  return result;
}

}  // namespace detail
namespace query {

/// One score per item mapped onto [0, 1] by min-max or rank normalisation (see the file
/// comment); higher stays higher. O(n) for min-max, O(n log n) for rank.
/// @throws labelkit::invalid_argument if scores is not a vector or has a non-finite entry.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> normalize_scores(
    const Eigen::DenseBase<Derived>& scores, Normalization normalization = Normalization::rank) {
  detail::check_score_vector(scores, "normalize_scores", "scores");
  return detail::normalize_unchecked(scores, normalization);
}

/// sum_j weights[j] * normalize(scores[j]): one combined score per item, higher = ask first.
/// `scores` is a range of Eigen vectors of equal length (e.g. `std::vector<Eigen::VectorXd>`),
/// `weights` one finite weight per score vector (not necessarily summing to 1). O(J n) (+ the
/// sort of rank normalisation). The result has the scalar type of the first score vector.
/// @throws labelkit::invalid_argument if scores is empty, a vector has a non-finite entry
///         (naming the vector and position), or a weight is not finite;
///         labelkit::dimension_mismatch if the lengths differ or weights has the wrong size.
template <class Scores>
[[nodiscard]] detail::WeightedSum<Scores> weighted_score_sum(
    const Scores& scores, std::span<const double> weights,
    Normalization normalization = Normalization::rank) {
  using Result = detail::WeightedSum<Scores>;
  using Scalar = typename Result::Scalar;
  constexpr const char* function = "weighted_score_sum";
  const auto count = static_cast<std::size_t>(std::distance(std::begin(scores), std::end(scores)));
  if (count == 0) labelkit::detail::fail(function, "'scores' is empty (expected score vectors)");
  if (weights.size() != count) {
    labelkit::detail::fail<dimension_mismatch>(function, "'weights' has ", weights.size(),
                                               " entries but 'scores' has ", count, " vectors");
  }
  const Eigen::Index n = std::begin(scores)->size();
  Result total = Result::Zero(n);
  std::size_t j = 0;
  for (const auto& vector : scores) {
    const auto name = labelkit::detail::concat("scores[", j, "]");
    detail::check_score_vector(vector, function, name.c_str());
    if (vector.size() != n) {
      labelkit::detail::fail<dimension_mismatch>(function, "'scores[", j, "]' has ", vector.size(),
                                                 " entries but 'scores[0]' has ", n);
    }
    if (!std::isfinite(weights[j])) {
      labelkit::detail::fail(function, "'weights' entry ", j, " is not finite (got ", weights[j],
                             ")");
    }
    total += static_cast<Scalar>(weights[j]) *
             detail::normalize_unchecked(vector, normalization).template cast<Scalar>();
    ++j;
  }
  return total;
}

/// Convenience overload for braced weight lists and vectors.
template <class Scores>
[[nodiscard]] detail::WeightedSum<Scores> weighted_score_sum(
    const Scores& scores, const std::vector<double>& weights,
    Normalization normalization = Normalization::rank) {
  return weighted_score_sum(scores, std::span<const double>(weights), normalization);
}

/// How the second stage of `uncertain_then_diverse` picks k diverse items from the shortlist.
enum class SecondStage {
  /// Greedy k-center (core-set, Sener & Savarese 2018) with the labeled items as centres
  /// already chosen: covers the shortlist and stays away from what is labeled.
  k_center,
  /// Seeded k-means into k clusters, then the most uncertain item of each cluster (the
  /// cluster-margin idea of Citovsky et al. 2021, with k-means instead of their hierarchical
  /// agglomerative clustering of the whole pool). Ignores the labeled items.
  k_means,
};

/// Two-stage batch: the ceil(beta * k) candidates with the highest `uncertainty` (ties to the
/// lower row), then k of them chosen for diversity on their `embeddings` by `stage`
/// (`SecondStage::k_center`: `k_center_greedy_with_centers` with the rows of
/// `labeled_embeddings` (m x d, may have 0 rows) as centres; `SecondStage::k_means`:
/// `cluster_top_score_selection` with `seed`). Returns candidate row indices (rows of
/// `embeddings`), in pick order. beta = 1 is plain uncertainty sampling (up to order); a large
/// beta approaches pure diversity. Cost: top_k O(n) plus O((beta k + m) k d) for k-center, or
/// O(beta k k d) per k-means iteration.
/// @throws labelkit::invalid_argument if beta < 1 or not finite, k < 0 or k > n, uncertainty is
///         not finite, embeddings are empty or not finite; labelkit::dimension_mismatch if
///         uncertainty's length is not the row count or the two embeddings differ in columns.
template <class DerivedU, class DerivedE, class DerivedL>
[[nodiscard]] std::vector<Eigen::Index> uncertain_then_diverse(
    const Eigen::DenseBase<DerivedU>& uncertainty, const Eigen::MatrixBase<DerivedE>& embeddings,
    const Eigen::MatrixBase<DerivedL>& labeled_embeddings, Eigen::Index k, double beta = 5.0,
    SecondStage stage = SecondStage::k_center, std::uint64_t seed = 0) {
  using Scalar = typename DerivedE::Scalar;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  constexpr const char* function = "uncertain_then_diverse";
  labelkit::detail::check_k(k, function);
  detail::check_score_vector(uncertainty, function, "uncertainty");
  labelkit::detail::check_nonempty_rows(embeddings, function, "embeddings");
  if (!embeddings.allFinite()) labelkit::detail::check_finite(embeddings, function, "embeddings");
  if (!labeled_embeddings.allFinite()) {
    labelkit::detail::check_finite(labeled_embeddings, function, "labeled_embeddings");
  }
  const Eigen::Index n = embeddings.rows();
  if (uncertainty.size() != n) {
    labelkit::detail::fail<dimension_mismatch>(function, "'uncertainty' has ", uncertainty.size(),
                                               " entries but 'embeddings' has ", n, " rows");
  }
  if (labeled_embeddings.rows() > 0 && labeled_embeddings.cols() != embeddings.cols()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labeled_embeddings' has ",
                                               labeled_embeddings.cols(),
                                               " columns but 'embeddings' has ", embeddings.cols());
  }
  if (!(beta >= 1.0) || !std::isfinite(beta)) {
    labelkit::detail::fail(function, "'beta' must be finite and >= 1 (got ", beta, ")");
  }
  if (k > n) {
    labelkit::detail::fail(function, "'k' exceeds the candidates (got ", k, ", only ", n,
                           " rows in 'embeddings')");
  }
  if (k == 0) return {};
  const auto shortlist_size =
      std::min(n, static_cast<Eigen::Index>(std::ceil(beta * static_cast<double>(k))));
  const std::vector<Eigen::Index> shortlist = top_k(uncertainty, shortlist_size);
  Matrix points(shortlist_size, embeddings.cols());
  Vector shortlist_scores(shortlist_size);
  for (Eigen::Index r = 0; r < shortlist_size; ++r) {
    const Eigen::Index row = shortlist[static_cast<std::size_t>(r)];
    points.row(r) = embeddings.row(row);
    shortlist_scores(r) = static_cast<Scalar>(uncertainty.derived()(row));
  }
  std::vector<Eigen::Index> picked;
  if (stage == SecondStage::k_center) {
    Matrix centres = labeled_embeddings.template cast<Scalar>();
    if (centres.rows() == 0) centres.resize(0, embeddings.cols());
    picked = k_center_greedy_with_centers(points, centres, k);
  } else {
    KMeansOptions options;
    options.seed = seed;
    picked = cluster_top_score_selection(points, shortlist_scores, k, options);
  }
  std::vector<Eigen::Index> result;
  result.reserve(picked.size());
  for (const Eigen::Index p : picked) result.push_back(shortlist[static_cast<std::size_t>(p)]);
  return result;
}

}  // namespace query
namespace detail {

/// Calls a `WeightedSumSampling` scorer: `scorer(context, round)` when it takes the round,
/// else `scorer(context, round.candidates())`; the scores as doubles.
template <class Scorer, class M, class X>
Eigen::VectorXd score_round(const Scorer& scorer, const query::QueryContext<M, X>& context,
                            query::PoolRound<M, X>& round) {
  if constexpr (std::invocable<const Scorer&, const query::QueryContext<M, X>&,
                               query::PoolRound<M, X>&>) {
    return scorer(context, round).template cast<double>();
  } else {
    return scorer(context, round.candidates()).template cast<double>();
  }
}

}  // namespace detail
namespace query {

/// A per-item score of the unlabeled items computed from the query context, for
/// `WeightedSumSampling`: the uncertainty `score` of the model's predicted probabilities.
template <class Score = detail::EntropyScore>
struct UncertaintyScorer {
  Score score{};  ///< Maps an n x C probability matrix to n uncertainty scores.
  /// One score per candidate of the round, from the round's shared probabilities.
  template <class M, class X>
  auto operator()(const QueryContext<M, X>&, PoolRound<M, X>& round) const {
    return score(round.probabilities()).eval();
  }
};

/// Density of each unlabeled item among the unlabeled items (see density.hpp), compared by
/// `model.embed` when the model is an `EmbeddingModel`, else by the raw features.
struct DensityScorer {
  DensityOptions options{};  ///< Similarity, density exponent and subsampling settings.
  /// One density per candidate of the round, from the round's shared embeddings.
  template <class M, class X>
  auto operator()(const QueryContext<M, X>& context, PoolRound<M, X>& round) const {
    DensityOptions seeded = options;
    seeded.seed = options.seed ^ context.seed;
    return density(round.embeddings(), seeded);
  }
};

/// Weighted sum of normalised per-item scores as a strategy value: each scorer is called as
/// `scorer(context, round)` with the round's shared `PoolRound` (or, for scorers written
/// against the older protocol, `scorer(context, candidate_rows)`) and returns one score per
/// unlabeled item (e.g. `UncertaintyScorer`, `DensityScorer`, or a lambda); the k highest
/// weighted sums are returned, ties to the lower item id.
template <class... Scorers>
struct WeightedSumSampling {
  std::tuple<Scorers...> scorers;                     ///< The per-item scorers, one per weight.
  std::array<double, sizeof...(Scorers)> weights;     ///< Weight of each scorer's normalised score.
  Normalization normalization = Normalization::rank;  ///< How each score vector is normalised.

  /// Returns the k unlabeled item ids with the highest weighted sums.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "WeightedSumSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          std::vector<Eigen::VectorXd> scores;
          scores.reserve(sizeof...(Scorers));
          std::apply(
              [&](const auto&... scorer) {
                (scores.push_back(detail::score_round(scorer, context, round)), ...);
              },
              scorers);
          return top_k(weighted_score_sum(scores, std::span<const double>(weights), normalization),
                       k);
        });
  }
};

/// Two-stage batches as a strategy value: the ceil(beta * k) most uncertain unlabeled items by
/// `score`, then k of them by `stage` (k-center greedy against the labeled items, or k-means
/// clusters seeded from the round's seed; see `uncertain_then_diverse`), compared by
/// `model.embed` when the model is an `EmbeddingModel`, else by the raw features.
template <class Score = detail::MarginScore>
struct UncertainThenDiverseSampling {
  Score score{};      ///< Maps an n x C probability matrix to n uncertainty scores.
  double beta = 5.0;  ///< Shortlist size as a multiple of k, finite and >= 1.
  SecondStage stage = SecondStage::k_center;  ///< How k items are picked from the shortlist.

  /// Returns min(k, unlabeled) item ids, in pick order.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "UncertainThenDiverseSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          const auto uncertainty = score(round.probabilities());
          return uncertain_then_diverse(uncertainty, round.embeddings(), round.labeled_embeddings(),
                                        std::min(k, round.size()), beta, stage, context.seed);
        });
  }
};

/// Margin shortlist of 5k, then k-center greedy: the two-stage default.
inline constexpr UncertainThenDiverseSampling<> uncertain_then_diverse_sampling{};
/// Margin shortlist of 5k, then the most uncertain item of each of k k-means clusters
/// (cluster-margin style).
inline constexpr UncertainThenDiverseSampling<> cluster_margin_sampling{detail::MarginScore{}, 5.0,
                                                                        SecondStage::k_means};

}  // namespace query
LABELKIT_END_NAMESPACE
