#pragma once
/// @file
/// Information density (Settles & Craven 2008, "An analysis of active learning strategies for
/// sequence labeling tasks", EMNLP): weight an item's uncertainty by how representative it is of
/// the pool,
///
///     score(i) = uncertainty(i) * density(i)^beta,   density(i) = (1/m) sum_j sim(x_i, r_j),
///
/// the mean similarity of item i to the m reference items r_j (by default the whole pool, item i
/// included, as in the paper). Rows are items.
///
/// Cosine similarity needs no n x n matrix: with x_hat = x / ||x||,
///
///     (1/n) sum_j cos(x_i, x_j) = (1/n) sum_j x_hat_i . x_hat_j = x_hat_i . mean_j(x_hat_j),
///
/// so the exact density of all n items costs O(n d) time and O(d) extra memory (modAL and libact
/// build the n x n matrix). Euclidean-based similarity 1/(1 + ||x_i - r_j||) has no such
/// identity; its exact form is O(n^2 d) time (one item at a time, O(n + m d) memory, never
/// n x n), so it is offered exactly only up to `DensityOptions::exact_limit` items and otherwise
/// against a seeded uniform random reference subsample of `reference_size` items (an unbiased
/// estimate of the mean, O(n m d)).
///
/// Note: density multiplies by *similarity* (representative items first). ALiPy multiplies by
/// distance, which favours outliers; we do not.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/query/random.hpp"

#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// The similarity between two items (rows) used by density-weighted strategies.
enum class Similarity {
  /// cos(a, b) = a . b / (||a|| ||b||), in [-1, 1]; a zero row has similarity 0 to everything.
  cosine,
  /// 1 / (1 + ||a - b||) (Euclidean distance turned into a similarity in (0, 1], as modAL).
  euclidean,
};

/// Options of `density` and `information_density`.
struct DensityOptions {
  Similarity similarity = Similarity::cosine;  ///< How items are compared.
  double beta = 1.0;  ///< Exponent on the density (0 = plain uncertainty), >= 0.
  /// Euclidean only: number of reference items drawn (seeded, without replacement) when the
  /// pool is larger than `exact_limit`. Ignored for cosine, which is always exact.
  Eigen::Index reference_size = 2000;
  /// Euclidean only: pools up to this many items use every item as reference (exact, O(n^2 d)).
  Eigen::Index exact_limit = 5000;
  std::uint64_t seed = 0;  ///< Seeds the Euclidean reference subsample.
};

}  // namespace query
namespace detail {

template <class Derived>
void check_density_input(const Eigen::MatrixBase<Derived>& features,
                         const query::DensityOptions& options, const char* function) {
  labelkit::detail::check_nonempty_rows(features, function, "features");
  // Vectorised test first; the scan that names the entry runs only on failure. Cosine checks
  // its row norms instead (a NaN or infinity makes its row's norm non-finite): one pass less.
  if (options.similarity != query::Similarity::cosine && !features.allFinite()) {
    labelkit::detail::check_finite(features, function, "features");
  }
  if (!(options.beta >= 0.0) || !std::isfinite(options.beta)) {
    labelkit::detail::fail(function, "'beta' must be finite and >= 0 (got ", options.beta, ")");
  }
  if (options.similarity == query::Similarity::euclidean) {
    if (options.exact_limit < 0) {
      labelkit::detail::fail(function, "'exact_limit' is negative (got ", options.exact_limit, ")");
    }
    if (features.rows() > options.exact_limit && options.reference_size < 1) {
      labelkit::detail::fail(function, "'reference_size' must be at least 1 (got ",
                             options.reference_size, ") when the pool (", features.rows(),
                             " items) exceeds 'exact_limit' (", options.exact_limit, ")");
    }
  }
}

/// Mean cosine similarity of every row to all rows, via x_hat_i . mean(x_hat). O(n d).
template <class Derived>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> mean_cosine(
    const Eigen::MatrixBase<Derived>& x, const char* function) {
  using Scalar = typename Derived::Scalar;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const Eigen::Index n = x.rows();
  // Squared row norms in one pass; column by column when the storage is column-major.
  Vector norms;
  if constexpr (Derived::IsRowMajor) {
    norms = x.rowwise().squaredNorm();
  } else {
    norms = Vector::Zero(n);
    for (Eigen::Index j = 0; j < x.cols(); ++j) norms.array() += x.col(j).array().square();
  }
  // Every squared norm is finite iff every entry is (barring overflow of huge finite values,
  // which the full scan then lets through).
  if (!norms.allFinite()) labelkit::detail::check_finite(x, function, "features");
  norms = norms.cwiseSqrt();
  Vector inverse = (norms.array() > Scalar(0)).select(norms.array().inverse(), Scalar(0));
  // mean of normalised rows = (1/n) X^T diag(1/||x_i||) 1
  const Vector mean_direction = (x.transpose() * inverse) / static_cast<Scalar>(n);
  Vector result = (x * mean_direction).cwiseProduct(inverse);
  return result;
}

/// Mean of 1/(1 + ||x_i - r_j||) over the reference rows r_j. Distances are taken from the
/// differences themselves (not ||x||^2 + ||r||^2 - 2 x.r, whose cancellation near 0 the square
/// root would amplify to ~sqrt(machine epsilon)), against a d x m transposed copy of the
/// reference so that each item's pass is contiguous and vectorised. O(n m d), O(m d) memory.
template <class Derived, class Reference>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> mean_euclidean_similarity(
    const Eigen::MatrixBase<Derived>& x, const Reference& reference) {
  using Scalar = typename Derived::Scalar;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index n = x.rows();
  const Eigen::Index m = reference.rows();
  const Matrix reference_t = reference.transpose();
  Vector item(x.cols());
  Vector result(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    item = x.row(i).transpose();
    result(i) =
        (Scalar(1) / (Scalar(1) + (reference_t.colwise() - item).colwise().norm().array())).sum() /
        static_cast<Scalar>(m);
  }
  return result;
}

template <class Derived>
Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> density_impl(
    const Eigen::MatrixBase<Derived>& features, const query::DensityOptions& options,
    const char* function) {
  using Scalar = typename Derived::Scalar;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  check_density_input(features, options, function);
  if (options.similarity == query::Similarity::cosine) return mean_cosine(features, function);
  const Eigen::Index n = features.rows();
  if (n <= options.exact_limit) {
    const Matrix all = features;
    return mean_euclidean_similarity(all, all);
  }
  Random random(options.seed);
  const Eigen::Index m = std::min(options.reference_size, n);
  std::vector<Eigen::Index> picks = sample_without_replacement(n, m, random);
  std::sort(picks.begin(), picks.end());
  Matrix reference(m, features.cols());
  for (Eigen::Index r = 0; r < m; ++r)
    reference.row(r) = features.row(picks[static_cast<std::size_t>(r)]);
  return mean_euclidean_similarity(features, reference);
}

}  // namespace detail
namespace query {

/// Mean similarity of each item (row of `features`, n x d, float or double, any layout) to the
/// pool: the density term of information density, one value per row. Cosine: exact, O(n d).
/// Euclidean: exact O(n^2 d) up to `options.exact_limit` items, otherwise the mean over a seeded
/// random subsample of `options.reference_size` items (O(n m d)). Memory O(n + d) (cosine) or
/// O(n + m d) (Euclidean); never an n x n matrix.
/// @throws labelkit::invalid_argument if features is empty or has a non-finite value (naming row
///         and column), beta is negative or not finite, or the Euclidean subsample is empty.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> density(
    const Eigen::MatrixBase<Derived>& features, const DensityOptions& options = {}) {
  return detail::density_impl(features, options, "density");
}

/// Information density: uncertainty(i) * max(density(i), 0)^beta (Settles & Craven 2008), with
/// `density` as above over the rows of `features` (rows are items; `uncertainty` has one entry
/// per row, e.g. `entropy(P)`). A negative mean cosine (possible with signed features) is
/// clamped to 0 before the power; 0^0 = 1, so beta = 0 returns the uncertainty unchanged.
/// Higher = ask first: feed the result to `top_k`. Cost of `density` plus O(n).
/// @throws labelkit::dimension_mismatch if uncertainty's length differs from the row count;
///         labelkit::invalid_argument as `density`, or if an uncertainty is not finite.
template <class DerivedU, class DerivedX>
[[nodiscard]] Eigen::Matrix<typename DerivedX::Scalar, Eigen::Dynamic, 1> information_density(
    const Eigen::DenseBase<DerivedU>& uncertainty, const Eigen::MatrixBase<DerivedX>& features,
    const DensityOptions& options = {}) {
  using Scalar = typename DerivedX::Scalar;
  if ((uncertainty.rows() != 1 && uncertainty.cols() != 1) ||
      uncertainty.size() != features.rows()) {
    labelkit::detail::fail<dimension_mismatch>(
        "information_density", "'uncertainty' is ", uncertainty.rows(), " x ", uncertainty.cols(),
        " but 'features' has ", features.rows(), " rows (expected one uncertainty per row)");
  }
  for (Eigen::Index i = 0; i < uncertainty.size(); ++i) {
    if (!std::isfinite(static_cast<double>(uncertainty.derived()(i)))) {
      labelkit::detail::fail("information_density", "'uncertainty' is not finite at position ", i,
                             " (got ", static_cast<double>(uncertainty.derived()(i)), ")");
    }
  }
  auto weight = detail::density_impl(features, options, "information_density");
  const auto beta = static_cast<Scalar>(options.beta);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(weight.size());
  for (Eigen::Index i = 0; i < weight.size(); ++i) {
    scores(i) = static_cast<Scalar>(uncertainty.derived()(i)) *
                std::pow(std::max(weight(i), Scalar(0)), beta);
  }
  return scores;
}

/// Information-density sampling as a strategy value: uncertainty `score` (a callable mapping an
/// n x C probability matrix to n scores, e.g. `detail::EntropyScore{}`) times the density of each
/// unlabeled item among the unlabeled items (the pool U, as in Settles & Craven), compared by
/// `model.embed` when the model is an `EmbeddingModel`, else by the raw (Eigen) features. Ties to
/// the lower item id.
template <class Score = detail::EntropyScore>
struct InformationDensitySampling {
  Score score{};             ///< Maps an n x C probability matrix to n uncertainty scores.
  DensityOptions options{};  ///< Similarity, density exponent and subsampling settings.

  /// Scores `context.unlabeled` and returns the k best item ids.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "InformationDensitySampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          const auto uncertainty = score(round.probabilities());
          DensityOptions seeded = options;
          seeded.seed = options.seed ^ context.seed;
          return top_k(information_density(uncertainty, round.embeddings(), seeded), k);
        });
  }
};

/// Entropy x cosine density (beta = 1), the usual information-density configuration.
inline constexpr InformationDensitySampling<> information_density_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
