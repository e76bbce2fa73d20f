#pragma once
/// @file
/// Core-set selection by greedy k-center (Sener & Savarese 2018, "Active Learning for
/// Convolutional Neural Networks: A Core-Set Approach"; the greedy is Gonzalez 1985): pick the
/// points that are farthest (Euclidean) from everything already labeled or chosen, so that the
/// batch covers the embedding space instead of piling up in one uncertain region.
///
/// Embeddings are n x d Eigen matrices (rows are items; float or double; row- or column-major;
/// any dense expression). Distances use ||x||^2 - 2 x.c + ||c||^2 with the squared norms
/// precomputed, so each greedy step is one matrix-vector product (GEMV) over the embeddings plus
/// an O(n) update: O(n*k*d) time in all, O(n*d) extra memory for one shifted copy, never an
/// n x n matrix. The points are first shifted by their first row (so they sit near the origin,
/// which keeps the subtraction accurate when the embeddings are far from it, and integer-valued
/// data stay exact); tiny negative squared distances from rounding are clamped to 0.
///
/// Ties (equal distances) go to the lower index; this is exact whenever the arithmetic is
/// (e.g. small integer coordinates).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/models/detail/points.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// md(i) = min(md(i), min_c ||x_i - c||^2) over the rows c of `centres`, by tiles of one GEMM
/// each (at most 2048 x 256 entries), so no n x m matrix is formed.
template <class Scalar>
void lower_to_nearest(const PointMatrix<Scalar>& x, const PointVector<Scalar>& x_sq,
                      const PointMatrix<Scalar>& centres, PointVector<Scalar>& md) {
  constexpr Eigen::Index row_tile = 2048;
  constexpr Eigen::Index centre_tile = 256;
  const Eigen::Index n = x.rows();
  const Eigen::Index m = centres.rows();
  if (m == 0 || n == 0) return;
  const PointVector<Scalar> c_sq = centres.rowwise().squaredNorm();
  PointMatrix<Scalar> tile(std::min(row_tile, n), std::min(centre_tile, m));
  for (Eigen::Index r0 = 0; r0 < n; r0 += row_tile) {
    const Eigen::Index tr = std::min(row_tile, n - r0);
    for (Eigen::Index c0 = 0; c0 < m; c0 += centre_tile) {
      const Eigen::Index tc = std::min(centre_tile, m - c0);
      auto t = tile.topLeftCorner(tr, tc);
      t.noalias() = x.middleRows(r0, tr) * centres.middleRows(c0, tc).transpose();
      const auto nearest =
          ((Scalar(-2) * t.array()).rowwise() + c_sq.segment(c0, tc).transpose().array())
              .rowwise()
              .minCoeff();
      auto seg = md.segment(r0, tr).array();
      seg = seg.min((nearest + x_sq.segment(r0, tr).array()).max(Scalar(0)));
    }
  }
}

/// The greedy steps of k_center_core on fixed chunks of rows run through `parallel.executor`.
/// Each executor call lowers md by the previous pick (the chunk's slice of the GEMV and of the
/// update) and finds the chunk's largest md (ties to the lower row); the chunks' maxima are then
/// compared in chunk order (ties to the lower chunk), so the pick is the serial argmax. The
/// distances are the serial ones bit for bit: a chunk is at least `k_center_grain_multiple` rows
/// and starts at a multiple of it (the last chunk takes the remainder), so Eigen's GEMV and the
/// coefficient-wise update use the same packet or scalar code for each row as over the whole
/// matrix (their blocking repeats every 8 packets, at most 128 rows).
template <class Scalar>
void k_center_parallel_steps(const PointMatrix<Scalar>& x, const PointVector<Scalar>& x_sq,
                             bool from_mean, Eigen::Index k, const Eigen::RowVectorXd& mean,
                             PointVector<Scalar>& md, PointVector<Scalar>& dots,
                             std::vector<Eigen::Index>& picks, const Parallel& parallel) {
  constexpr std::size_t multiple = 512;
  const Eigen::Index n = x.rows();
  const auto d = static_cast<std::size_t>(x.cols());
  std::size_t grain =
      grain_of(parallel, default_grain(sizeof(Scalar) * std::max<std::size_t>(d, 1)));
  grain = (grain + multiple - 1) / multiple * multiple;
  // Chunks of `grain` rows, the last one taking the remainder (never a short chunk).
  const std::size_t chunks = std::max<std::size_t>(1, static_cast<std::size_t>(n) / grain);
  const auto chunk_rows = [&](std::size_t c) {
    const auto begin = static_cast<Eigen::Index>(c * grain);
    const Eigen::Index end = c + 1 == chunks ? n : static_cast<Eigen::Index>((c + 1) * grain);
    return std::pair<Eigen::Index, Eigen::Index>{begin, end};
  };
  std::vector<Scalar> best(chunks);
  std::vector<Eigen::Index> best_row(chunks);
  PointVector<Scalar> centre(x.cols());
  Eigen::Index previous = -1;
  for (Eigen::Index step = 0; step < k; ++step) {
    Eigen::Index pick = -1;
    if (step == 0 && from_mean) {
      const PointVector<Scalar> to_mean =
          (x.rowwise() - mean.template cast<Scalar>()).rowwise().squaredNorm();
      Scalar nearest = std::numeric_limits<Scalar>::infinity();
      for (Eigen::Index i = 0; i < n; ++i) {
        if (md(i) >= Scalar(0) && (pick < 0 || to_mean(i) < nearest)) {
          nearest = to_mean(i);
          pick = i;
        }
      }
    } else {
      if (previous >= 0) centre = x.row(previous).transpose();
      for_each_chunk(parallel, chunks, 1, [&](std::size_t c, std::size_t, std::size_t) {
        const auto [begin, end] = chunk_rows(c);
        const Eigen::Index rows = end - begin;
        if (previous >= 0) {
          auto chunk_dots = dots.segment(begin, rows);
          chunk_dots.noalias() = x.middleRows(begin, rows) * centre;
          md.segment(begin, rows).array() =
              md.segment(begin, rows)
                  .array()
                  .min((x_sq.segment(begin, rows).array() + x_sq(previous) -
                        Scalar(2) * chunk_dots.array())
                           .max(Scalar(0)));
        }
        Scalar chunk_best = Scalar(-1);
        Eigen::Index chunk_pick = -1;
        for (Eigen::Index i = begin; i < end; ++i) {
          if (md(i) > chunk_best) {  // strict: ties stay with the lower index
            chunk_best = md(i);
            chunk_pick = i;
          }
        }
        best[c] = chunk_best;
        best_row[c] = chunk_pick;
      });
      Scalar top = Scalar(-1);
      for (std::size_t c = 0; c < chunks; ++c) {
        if (best[c] > top) {  // strict: ties stay with the lower chunk, hence the lower row
          top = best[c];
          pick = best_row[c];
        }
      }
    }
    picks.push_back(pick);
    md(pick) = Scalar(-1);
    previous = pick;
  }
}

/// Greedy k-center over the shifted points `x` (squared norms `x_sq`): `centres` (shifted the
/// same way) are already covered; rows listed in `taken` may not be picked. With no centres
/// the first pick is the point nearest `mean` (the points' mean, shifted the same way).
/// Preconditions (checked by the callers): k <= number of rows not taken.
///
/// With `parallel.executor`, each step's distance update and argmax run on fixed chunks of rows
/// (see k_center_parallel_steps); the picks are the serial ones.
template <class Scalar>
[[nodiscard]] std::vector<Eigen::Index> k_center_core(
    const PointMatrix<Scalar>& x, const PointVector<Scalar>& x_sq,
    const PointMatrix<Scalar>& centres, std::span<const Eigen::Index> taken, Eigen::Index k,
    const Eigen::RowVectorXd& mean, const Parallel& parallel = {}) {
  const Eigen::Index n = x.rows();
  std::vector<Eigen::Index> picks;
  picks.reserve(static_cast<std::size_t>(k));
  if (k == 0) return picks;
  PointVector<Scalar> md =
      PointVector<Scalar>::Constant(n, std::numeric_limits<Scalar>::infinity());
  lower_to_nearest(x, x_sq, centres, md);
  for (const Eigen::Index i : taken) md(i) = Scalar(-1);  // never picked, never updated
  PointVector<Scalar> centre(x.cols());
  PointVector<Scalar> dots(n);
  if (parallel.enabled()) {
    k_center_parallel_steps(x, x_sq, centres.rows() == 0, k, mean, md, dots, picks, parallel);
    return picks;
  }
  for (Eigen::Index step = 0; step < k; ++step) {
    Eigen::Index pick = -1;
    if (step == 0 && centres.rows() == 0) {
      // Nothing covered yet: start from the most central point (nearest the mean).
      const PointVector<Scalar> to_mean =
          (x.rowwise() - mean.template cast<Scalar>()).rowwise().squaredNorm();
      Scalar best = std::numeric_limits<Scalar>::infinity();
      for (Eigen::Index i = 0; i < n; ++i) {
        if (md(i) >= Scalar(0) && (pick < 0 || to_mean(i) < best)) {
          best = to_mean(i);
          pick = i;
        }
      }
    } else {
      Scalar best = Scalar(-1);
      for (Eigen::Index i = 0; i < n; ++i) {
        if (md(i) > best) {  // strict: ties stay with the lower index
          best = md(i);
          pick = i;
        }
      }
    }
    picks.push_back(pick);
    md(pick) = Scalar(-1);
    if (step + 1 == k) break;
    centre = x.row(pick).transpose();
    dots.noalias() = x * centre;  // the one GEMV of this step
    md.array() =
        md.array().min((x_sq.array() + x_sq(pick) - Scalar(2) * dots.array()).max(Scalar(0)));
  }
  return picks;
}

/// Validates `already_labeled` against n points (range, duplicates) and k against the number
/// of unlabeled points.
inline void check_labeled_and_k(std::span<const Eigen::Index> already_labeled, Eigen::Index n,
                                Eigen::Index k, const char* function) {
  labelkit::detail::check_k(k, function);
  std::vector<std::size_t> position_of(static_cast<std::size_t>(n), 0);
  for (std::size_t p = 0; p < already_labeled.size(); ++p) {
    const Eigen::Index i = already_labeled[p];
    labelkit::detail::check_index(i, n, function, "already_labeled", p);
    std::size_t& first = position_of[static_cast<std::size_t>(i)];
    if (first != 0) {
      labelkit::detail::fail(function, "'already_labeled' lists item ", i, " twice (positions ",
                             first - 1, " and ", p, ")");
    }
    first = p + 1;
  }
  const Eigen::Index unlabeled = n - static_cast<Eigen::Index>(already_labeled.size());
  if (k > unlabeled) {
    labelkit::detail::fail(function, "'k' exceeds the number of unlabeled points (got ", k,
                           ", expected at most ", unlabeled, " = ", n, " points - ",
                           already_labeled.size(), " labeled)");
  }
}

/// The rows `indices` of `x`, as a column-major matrix of Scalar.
template <class Scalar, class Derived>
[[nodiscard]] PointMatrix<Scalar> gather_rows(const Eigen::MatrixBase<Derived>& x,
                                              std::span<const Eigen::Index> indices) {
  PointMatrix<Scalar> out(static_cast<Eigen::Index>(indices.size()), x.cols());
  for (std::size_t r = 0; r < indices.size(); ++r) {
    out.row(static_cast<Eigen::Index>(r)) = x.row(indices[r]).template cast<Scalar>();
  }
  return out;
}

/// k-center over `points` with `centres` covered and the rows `taken` excluded; shifts the
/// data by its first row first.
template <class Scalar, class Derived>
[[nodiscard]] std::vector<Eigen::Index> k_center_on(const Eigen::MatrixBase<Derived>& points,
                                                    const PointMatrix<Scalar>& raw_centres,
                                                    std::span<const Eigen::Index> taken,
                                                    Eigen::Index k, const Parallel& parallel = {}) {
  if (k == 0) return {};
  const Eigen::RowVectorXd shift = points.row(0).template cast<double>();
  const PointMatrix<Scalar> x = centred<Scalar>(points, shift);
  const PointMatrix<Scalar> c = centred<Scalar>(raw_centres, shift);
  const PointVector<Scalar> x_sq = x.rowwise().squaredNorm();
  const Eigen::RowVectorXd mean =
      c.rows() == 0 ? Eigen::RowVectorXd(column_means(points) - shift) : Eigen::RowVectorXd();
  return k_center_core<Scalar>(x, x_sq, c, taken, k, mean, parallel);
}

}  // namespace detail
namespace query {

/// Greedy k-center (core-set) selection: returns k row indices of `embeddings`, in the order
/// picked, none of them in `already_labeled`. Each pick is the point whose distance to its
/// nearest labeled-or-already-picked point is largest (ties to the lower index). With no labeled
/// points the first pick is the point nearest the mean of all embeddings (the best single centre
/// a cheap rule finds; ties to the lower index), and the greedy continues from it.
///
/// The greedy is a 2-approximation of the k-center objective max_i min_c ||x_i - c|| over
/// centres c in labeled ∪ picked (Gonzalez 1985); no polynomial algorithm does better unless
/// P = NP.
///
/// `embeddings`: n x d, rows are items, float or double, any layout. `already_labeled`: distinct
/// row indices (a std::vector<Eigen::Index> converts). O(n*k*d + n*|L|*d) time (one GEMV per
/// pick, tiled GEMMs for the labeled points), O(n*d) extra memory. With `parallel` (an executor,
/// see labelkit/core/parallel.hpp), each pick's distance update and argmax run on fixed chunks of
/// rows (rounded to multiples of 512 rows); the picks are the serial ones. One executor call per
/// pick: it pays when a pick costs a millisecond or more (n*d around 10^6 and up).
///
/// @throws labelkit::invalid_argument if k < 0, k exceeds the number of unlabeled points, an
///         embedding is NaN or infinite (row and column named), or a labeled index is out of
///         range or listed twice (position named).
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> k_center_greedy(
    const Eigen::MatrixBase<Derived>& embeddings, std::span<const Eigen::Index> already_labeled,
    Eigen::Index k, const Parallel& parallel = {}) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "labelkit: embeddings must be float or double");
  constexpr const char* function = "k_center_greedy";
  labelkit::detail::check_k(k, function);
  detail::check_finite_points(embeddings, function, "embeddings");
  detail::check_labeled_and_k(already_labeled, embeddings.rows(), k, function);
  const auto labeled_points = detail::gather_rows<Scalar>(embeddings, already_labeled);
  return detail::k_center_on<Scalar>(embeddings, labeled_points, already_labeled, k, parallel);
}

/// Greedy k-center over `embeddings` when the points already covered are given by their
/// embeddings (`centers`, m x d, e.g. the labeled items, which may live elsewhere) rather than
/// by row index. Same rule, ties and first pick (nearest the mean when m = 0) as
/// `k_center_greedy`. This is the building block of distributed selection: each machine runs it
/// on its shard with the labeled embeddings as `centers`, and one machine runs it again on the
/// union of the picks (see `k_center_greedy_sharded` for the bound).
/// O(n*k*d + n*m*d). `parallel` as in `k_center_greedy`.
/// @throws labelkit::invalid_argument if k < 0, k > n, or an entry of either matrix is not
///         finite; labelkit::dimension_mismatch if the column counts differ.
template <class Derived, class CentersDerived>
[[nodiscard]] std::vector<Eigen::Index> k_center_greedy_with_centers(
    const Eigen::MatrixBase<Derived>& embeddings, const Eigen::MatrixBase<CentersDerived>& centers,
    Eigen::Index k, const Parallel& parallel = {}) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "labelkit: embeddings must be float or double");
  constexpr const char* function = "k_center_greedy_with_centers";
  labelkit::detail::check_k(k, function);
  if (centers.rows() > 0 && centers.cols() != embeddings.cols()) {
    labelkit::detail::fail<labelkit::dimension_mismatch>(function, "'centers' has ", centers.cols(),
                                                         " columns (expected ", embeddings.cols(),
                                                         ", the columns of 'embeddings')");
  }
  detail::check_finite_points(embeddings, function, "embeddings");
  detail::check_finite_points(centers, function, "centers");
  if (k > embeddings.rows()) {
    labelkit::detail::fail(function, "'k' exceeds the number of points (got ", k,
                           ", expected at most ", embeddings.rows(), ")");
  }
  detail::PointMatrix<Scalar> c = centers.template cast<Scalar>();
  if (c.rows() == 0) c.resize(0, embeddings.cols());
  return detail::k_center_on<Scalar>(embeddings, c, {}, k, parallel);
}

/// Two-level (sharded) greedy k-center: the rows are split into `shard_count` contiguous shards
/// of near-equal size; greedy k-center picks up to k points in each shard (with every labeled
/// point as an existing centre); then greedy k-center picks k points from the union of those
/// candidates. Returns row indices of `embeddings`, in the order of the second pick.
///
/// Bound: each level is the 2-approximate greedy, and every point is within 2·OPT of its shard's
/// picks, which are within 2·OPT of the final picks, so the result is a 4-approximation of the
/// optimal k-center radius of the whole pool (Malkomes, Kusner, Chen, Weinberger & Moseley 2015,
/// "Fast Distributed k-Center Clustering with Outliers on Massive Data"; greedy per part is a
/// composable core-set, Indyk, Mahabadi, Mahdian & Mirrokni 2014). The labeled points count as
/// fixed centres at both levels and the bound still holds. With one shard the result equals
/// `k_center_greedy`. Across machines: run `k_center_greedy_with_centers` per shard, then once
/// on the gathered picks.
///
/// O(n*k*d) in all (each shard's greedy touches only its rows), plus O(s*k*k*d) for the union.
/// @throws as `k_center_greedy`, and labelkit::invalid_argument if shard_count < 1.
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> k_center_greedy_sharded(
    const Eigen::MatrixBase<Derived>& embeddings, std::span<const Eigen::Index> already_labeled,
    Eigen::Index k, Eigen::Index shard_count) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "labelkit: embeddings must be float or double");
  constexpr const char* function = "k_center_greedy_sharded";
  labelkit::detail::check_k(k, function);
  if (shard_count < 1) {
    labelkit::detail::fail(function, "'shard_count' must be at least 1 (got ", shard_count, ")");
  }
  detail::check_finite_points(embeddings, function, "embeddings");
  const Eigen::Index n = embeddings.rows();
  detail::check_labeled_and_k(already_labeled, n, k, function);
  if (k == 0) return {};
  const auto labeled_points = detail::gather_rows<Scalar>(embeddings, already_labeled);
  std::vector<char> is_labeled(static_cast<std::size_t>(n), 0);
  for (const Eigen::Index i : already_labeled) is_labeled[static_cast<std::size_t>(i)] = 1;

  std::vector<Eigen::Index> candidates;  // global row indices
  std::vector<Eigen::Index> taken;       // shard-local rows that are labeled
  for (Eigen::Index s = 0; s < shard_count; ++s) {
    const Eigen::Index begin = n * s / shard_count;
    const Eigen::Index end = n * (s + 1) / shard_count;
    if (begin == end) continue;
    taken.clear();
    for (Eigen::Index i = begin; i < end; ++i) {
      if (is_labeled[static_cast<std::size_t>(i)] != 0) taken.push_back(i - begin);
    }
    const Eigen::Index free = (end - begin) - static_cast<Eigen::Index>(taken.size());
    const auto picks = detail::k_center_on<Scalar>(embeddings.middleRows(begin, end - begin),
                                                   labeled_points, taken, std::min(k, free));
    for (const Eigen::Index p : picks) candidates.push_back(begin + p);
  }
  std::sort(candidates.begin(), candidates.end());  // ties in the union go to the lower row
  const auto union_points = detail::gather_rows<Scalar>(embeddings, candidates);
  const auto picks = detail::k_center_on<Scalar>(union_points, labeled_points, {}, k);
  std::vector<Eigen::Index> result;
  result.reserve(picks.size());
  for (const Eigen::Index p : picks) result.push_back(candidates[static_cast<std::size_t>(p)]);
  return result;
}

/// Core-set sampling (Sener & Savarese 2018) as an `ActiveLearner` strategy: embeds the
/// unlabeled and the labeled items (`model.embed` for a labelkit::EmbeddingModel, else the raw
/// features when they are an Eigen matrix) and returns `k_center_greedy_with_centers` over the
/// unlabeled items with the labeled ones as centres (at most min(k, unlabeled) ids, in the order
/// picked). O(n*k*d + n*|L|*d) plus the embedding cost.
struct CoreSetSampling {
  /// Returns up to k unlabeled item ids, in the order picked.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(context, k, "CoreSetSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
      return k_center_greedy_with_centers(round.embeddings(), round.labeled_embeddings(),
                                          std::min(k, round.size()));
    });
  }
};

/// Core-set (greedy k-center) sampling as a value.
inline constexpr CoreSetSampling core_set_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
