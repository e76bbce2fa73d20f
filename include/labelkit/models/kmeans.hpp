#pragma once
/// @file
/// Seeded k-means clustering: k-means++ seeding (Arthur & Vassilvitskii 2007) and Lloyd
/// iterations, on any n x d Eigen matrix (rows are items; float or double; any layout). The
/// cluster-based query strategies built on it live in labelkit/query/kmeans.hpp.
///
///     const auto clustering = labelkit::models::kmeans(embeddings, 10, {.seed = 7});
///     // clustering.centers (10 x d), clustering.assignments (one cluster per row)
///
/// Distances use ||x||^2 - 2 x.c + ||c||^2 on data centred on its mean, one GEMM tile at a time
/// (no n x k matrix for large n), clamped at 0. Every random choice goes through
/// labelkit::Random with the caller's seed, so results are reproducible across platforms.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/models/detail/points.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace models {

/// Where k-means stands, passed to `KMeansOptions::progress` after each assignment step.
struct KMeansProgress {
  int iteration = 0;     ///< 1-based iteration.
  double inertia = 0.0;  ///< Sum of squared distances to the nearest centre.
};

/// Options for `kmeans`.
struct KMeansOptions {
  /// Upper bound on Lloyd iterations (>= 1).
  int max_iterations = 100;
  /// Stop when the summed squared movement of the centres falls to or below
  /// tolerance * (mean per-feature variance of the data), as scikit-learn's KMeans (>= 0).
  double tolerance = 1e-4;
  /// Seed of the k-means++ draws.
  std::uint64_t seed = 0;
  /// Called after each assignment step with the iteration (1-based) and the inertia.
  std::function<void(const KMeansProgress&)> progress;
};

/// What `kmeans` returns.
template <class Scalar>
struct KMeansResult {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> centers;  ///< k x d, one row per cluster
  std::vector<Eigen::Index> assignments;  ///< cluster of each point (nearest centre, ties low)
  double inertia = 0;      ///< sum of squared distances of the points to their centres
  int iterations = 0;      ///< Lloyd updates performed
  bool converged = false;  ///< stopped by the tolerance or by stable assignments
};

}  // namespace models
namespace detail {

/// For every point, its nearest centre (ties to the lower centre) and the squared distance,
/// by GEMM tiles of at most 2048 rows. Returns the sum of squared distances (in double).
template <class Scalar>
double assign_to_nearest(const PointMatrix<Scalar>& x, const PointVector<Scalar>& x_sq,
                         const PointMatrix<Scalar>& centres, std::vector<Eigen::Index>& nearest,
                         PointVector<Scalar>& distance, PointMatrix<Scalar>& tile) {
  constexpr Eigen::Index row_tile = 2048;
  const Eigen::Index n = x.rows();
  const Eigen::Index k = centres.rows();
  const PointVector<Scalar> c_sq = centres.rowwise().squaredNorm();
  tile.resize(std::min(row_tile, n), k);
  double total = 0;
  for (Eigen::Index r0 = 0; r0 < n; r0 += row_tile) {
    const Eigen::Index tr = std::min(row_tile, n - r0);
    auto t = tile.topRows(tr);
    t.noalias() = x.middleRows(r0, tr) * centres.transpose();
    for (Eigen::Index r = 0; r < tr; ++r) {
      Eigen::Index best_j = 0;
      Scalar best = c_sq(0) - Scalar(2) * t(r, 0);
      for (Eigen::Index j = 1; j < k; ++j) {
        const Scalar v = c_sq(j) - Scalar(2) * t(r, j);
        if (v < best) {
          best = v;
          best_j = j;
        }
      }
      const Scalar d2 = std::max(Scalar(0), best + x_sq(r0 + r));
      nearest[static_cast<std::size_t>(r0 + r)] = best_j;
      distance(r0 + r) = d2;
      total += static_cast<double>(d2);
    }
  }
  return total;
}

/// Index drawn with probability weight(i) / sum(weight) (weights >= 0, sum > 0): one uniform
/// draw and one scan. Rounding at the end of the scan falls back to the last positive weight.
template <class Scalar>
[[nodiscard]] Eigen::Index draw_weighted(const PointVector<Scalar>& weight, double total,
                                         Random& random) {
  const double target = random.uniform01() * total;
  double cumulative = 0;
  Eigen::Index last_positive = -1;
  for (Eigen::Index i = 0; i < weight.size(); ++i) {
    if (weight(i) <= Scalar(0)) continue;
    last_positive = i;
    cumulative += static_cast<double>(weight(i));
    if (cumulative > target) return i;
  }
  return last_positive;
}

/// A uniformly drawn index among those with chosen(i) == 0.
[[nodiscard]] inline Eigen::Index draw_unchosen(const std::vector<char>& chosen,
                                                Eigen::Index unchosen, Random& random) {
  auto skip = static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(unchosen)));
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i] != 0) continue;
    if (skip-- == 0) return static_cast<Eigen::Index>(i);
  }
  return -1;  // unreachable when unchosen > 0
}

/// k-means++ seeding over centred points: the first centre uniformly at random, each next one
/// with probability proportional to its squared distance to the nearest centre so far (one GEMV
/// per centre). If every remaining point coincides with a centre, the next centre is drawn
/// uniformly among the points not yet chosen. Returns the chosen rows.
template <class Scalar>
[[nodiscard]] std::vector<Eigen::Index> kmeans_plus_plus(const PointMatrix<Scalar>& x,
                                                         const PointVector<Scalar>& x_sq,
                                                         Eigen::Index k, Random& random) {
  const Eigen::Index n = x.rows();
  std::vector<Eigen::Index> picks;
  picks.reserve(static_cast<std::size_t>(k));
  std::vector<char> chosen(static_cast<std::size_t>(n), 0);
  PointVector<Scalar> md =
      PointVector<Scalar>::Constant(n, std::numeric_limits<Scalar>::infinity());
  PointVector<Scalar> centre(x.cols());
  PointVector<Scalar> dots(n);
  for (Eigen::Index step = 0; step < k; ++step) {
    Eigen::Index pick;
    if (step == 0) {
      pick = static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n)));
    } else {
      const double total = md.template cast<double>().sum();
      pick = total > 0 ? draw_weighted(md, total, random) : draw_unchosen(chosen, n - step, random);
    }
    picks.push_back(pick);
    chosen[static_cast<std::size_t>(pick)] = 1;
    if (step + 1 == k) break;
    centre = x.row(pick).transpose();
    dots.noalias() = x * centre;
    md.array() =
        md.array().min((x_sq.array() + x_sq(pick) - Scalar(2) * dots.array()).max(Scalar(0)));
    for (const Eigen::Index p : picks) md(p) = Scalar(0);  // exact, whatever the rounding
  }
  return picks;
}

/// Lloyd's algorithm on centred points from the given initial centres (k x d, centred).
template <class Scalar>
models::KMeansResult<Scalar> lloyd(const PointMatrix<Scalar>& x, const PointVector<Scalar>& x_sq,
                                   PointMatrix<Scalar> centres,
                                   const models::KMeansOptions& options) {
  const Eigen::Index n = x.rows();
  const Eigen::Index d = x.cols();
  const Eigen::Index k = centres.rows();
  // scikit-learn's tolerance scale: the mean per-feature variance (the data are centred).
  const double variance =
      d == 0 ? 0.0 : x.template cast<double>().array().square().sum() / static_cast<double>(n * d);
  const double shift_tolerance = options.tolerance * variance;

  models::KMeansResult<Scalar> result;
  std::vector<Eigen::Index> previous;
  result.assignments.assign(static_cast<std::size_t>(n), 0);
  PointVector<Scalar> distance(n);
  PointMatrix<Scalar> tile;
  PointMatrix<Scalar> sums(k, d);
  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> sizes(k);
  bool final_assignment_current = false;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    previous = result.assignments;
    result.inertia = assign_to_nearest(x, x_sq, centres, result.assignments, distance, tile);
    if (options.progress) options.progress(models::KMeansProgress{iteration, result.inertia});
    if (iteration > 1 && previous == result.assignments) {
      result.converged = true;  // the centres are already the means of these assignments
      final_assignment_current = true;
      break;
    }
    // Update: each centre becomes the mean of its points (column by column, contiguous reads).
    sums.setZero();
    sizes.setZero();
    for (Eigen::Index i = 0; i < n; ++i) ++sizes(result.assignments[static_cast<std::size_t>(i)]);
    for (Eigen::Index j = 0; j < d; ++j) {
      for (Eigen::Index i = 0; i < n; ++i) {
        sums(result.assignments[static_cast<std::size_t>(i)], j) += x(i, j);
      }
    }
    PointMatrix<Scalar> updated = centres;
    // Empty clusters move to the points farthest from their centres (ties to the lower index),
    // one distinct point per empty cluster, which also lowers the inertia the most.
    std::vector<char> used(static_cast<std::size_t>(n), 0);
    for (Eigen::Index c = 0; c < k; ++c) {
      if (sizes(c) > 0) {
        updated.row(c) = sums.row(c) / static_cast<Scalar>(sizes(c));
        continue;
      }
      Eigen::Index far = -1;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (used[static_cast<std::size_t>(i)] == 0 && (far < 0 || distance(i) > distance(far)))
          far = i;
      }
      if (far < 0) break;  // unreachable: k <= n is validated at the entry
      used[static_cast<std::size_t>(far)] = 1;
      updated.row(c) = x.row(far);
    }
    const double shift = (updated - centres).template cast<double>().squaredNorm();
    centres = std::move(updated);
    result.iterations = iteration;
    final_assignment_current = false;
    if (shift <= shift_tolerance) {
      result.converged = true;
      break;
    }
  }
  if (!final_assignment_current) {
    // Make the assignments and the inertia match the returned centres.
    result.inertia = assign_to_nearest(x, x_sq, centres, result.assignments, distance, tile);
  }
  result.centers = std::move(centres);
  return result;
}

template <class Derived>
void check_kmeans_input(const Eigen::MatrixBase<Derived>& points, Eigen::Index k,
                        const models::KMeansOptions& options, const char* function) {
  labelkit::detail::check_k(k, function);
  labelkit::detail::check_nonempty_rows(points, function, "points");
  if (k < 1 || k > points.rows()) {
    labelkit::detail::fail(function, "'k' is out of range (got ", k,
                           ", expected 1 <= k <= ", points.rows(), " points)");
  }
  if (options.max_iterations < 1) {
    labelkit::detail::fail(function, "'options.max_iterations' must be at least 1 (got ",
                           options.max_iterations, ")");
  }
  if (!(options.tolerance >= 0)) {
    labelkit::detail::fail(function, "'options.tolerance' must be >= 0 (got ", options.tolerance,
                           ")");
  }
  check_finite_points(points, function, "points");
}

}  // namespace detail
namespace models {

/// k-means clustering of the rows of `points` (n x d, rows are items) into k clusters:
/// k-means++ seeding (Arthur & Vassilvitskii 2007) from `options.seed`, then Lloyd iterations
/// until the assignments stop changing, the centres move less than the tolerance, or
/// `options.max_iterations` is reached. An empty cluster is moved to the point farthest from its
/// centre. The returned assignments and inertia always match the returned centres.
///
/// O(n*k*d) per iteration (GEMM tiles), O(n*d) extra memory for a centred copy.
/// @throws labelkit::invalid_argument if points is empty or not finite (row and column named),
///         k is not in [1, n], max_iterations < 1 or tolerance < 0.
template <class Derived>
[[nodiscard]] KMeansResult<typename Derived::Scalar> kmeans(
    const Eigen::MatrixBase<Derived>& points, Eigen::Index k, const KMeansOptions& options = {}) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "labelkit: points must be float or double");
  detail::check_kmeans_input(points, k, options, "kmeans");
  const Eigen::RowVectorXd mean = detail::column_means(points);
  const detail::PointMatrix<Scalar> x = detail::centred<Scalar>(points, mean);
  const detail::PointVector<Scalar> x_sq = x.rowwise().squaredNorm();
  Random random(options.seed);
  const auto seeds = detail::kmeans_plus_plus(x, x_sq, k, random);
  detail::PointMatrix<Scalar> centres(k, x.cols());
  for (Eigen::Index c = 0; c < k; ++c) centres.row(c) = x.row(seeds[static_cast<std::size_t>(c)]);
  KMeansResult<Scalar> result = detail::lloyd(x, x_sq, std::move(centres), options);
  result.centers.rowwise() += mean.template cast<Scalar>();
  return result;
}

/// k-means++ seeding alone: k distinct row indices of `points`, in the order drawn (the first
/// uniformly, each next with probability proportional to its squared distance to the nearest
/// pick so far). A diverse, density-aware batch in O(n*k*d).
/// @throws as `kmeans`.
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> kmeans_plus_plus_seeds(
    const Eigen::MatrixBase<Derived>& points, Eigen::Index k, std::uint64_t seed) {
  using Scalar = typename Derived::Scalar;
  detail::check_kmeans_input(points, k, KMeansOptions{}, "kmeans_plus_plus_seeds");
  const Eigen::RowVectorXd mean = detail::column_means(points);
  const detail::PointMatrix<Scalar> x = detail::centred<Scalar>(points, mean);
  const detail::PointVector<Scalar> x_sq = x.rowwise().squaredNorm();
  Random random(seed);
  return detail::kmeans_plus_plus(x, x_sq, k, random);
}

}  // namespace models
LABELKIT_END_NAMESPACE
