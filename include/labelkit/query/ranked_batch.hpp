#pragma once
/// @file
/// Ranked batch-mode sampling (Cardoso, Silva, Reis & Cruz 2017, "Ranked batch-mode active
/// learning", Information Sciences 379), as in modAL's `ranked_batch`: a batch is built greedily,
/// each pick maximising
///
///     score(i) = alpha * (1 - sim(i)) + (1 - alpha) * uncertainty(i),   alpha = |U| / (|U| + |L|),
///
/// where sim(i) is the largest similarity of item i to the labeled items and the items already
/// picked for this batch, |U| the unlabeled items not yet picked and |L| the labeled items plus
/// those picked (so alpha shifts from diversity towards uncertainty as the batch grows, exactly
/// as modAL recomputes it per pick). Similarity is Euclidean-based, 1 / (1 + distance) (modAL's
/// default), or cosine.
///
/// Two forms (`RankedBatchForm`):
/// - `labelkit` (the default): with no labeled item the first pick is the most uncertain item;
///   cosine similarity is the cosine itself, cos(a, b) in [-1, 1].
/// - `modal`, modAL's form (modAL 0.4, `modAL.batch.ranked_batch`): with no labeled item the
///   reference set starts from the most central item, the one with the least mean distance to
///   all items (`select_cold_start_instance`, ties to the lower row); that item counts in |L|
///   but stays in the pool and can itself be picked. Every similarity is 1 / (1 + distance),
///   with the cosine distance 1 - cos(a, b) for cosine (sklearn's `cosine_distances`; a zero row
///   has cosine 0 to everything). With labeled items and Euclidean similarity the two forms
///   agree. One difference from modAL's code is deliberate: after the first pick modAL takes
///   the argmax over the remaining items and uses that position as a pool index, which can
///   name another item; labelkit returns the item the score chose.
///
/// The largest similarity is kept per item and updated with each new pick, so a batch of k costs
/// O(n (|L| + k) d) time and O(n) extra memory; never an n x n matrix (modAL computes the n x |L|
/// distance matrix at every pick). modAL's cold start costs O(n^2 d) for Euclidean distances
/// (mean distance of every item to every other, O(n) memory) and O(n d) for cosine.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/query/random.hpp"

#include "labelkit/core/error.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/detail/embeddings.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// Which ranked batch-mode variant `ranked_batch` computes (see the file comment).
enum class RankedBatchForm {
  labelkit,  ///< Cold start from the most uncertain item; cosine similarity = cos.
  modal,     ///< modAL's: cold start from the most central item (kept in the pool); every
             ///< similarity = 1 / (1 + distance), cosine distance = 1 - cos.
};

/// Picks k of the rows of `features` (n x d, rows are items, float or double, any layout) that
/// are not in `labeled`, in pick order, by ranked batch-mode sampling (see the file comment).
/// `uncertainty` has one entry per row (entries of labeled rows are ignored), e.g.
/// `least_confidence(P)` as in modAL, ideally in [0, 1] like 1 - sim. `labeled` may repeat ids.
/// `form` selects labelkit's or modAL's variant (cold start and cosine similarity).
/// Ties go to the lower row index. O(n (|L| + k) d) time, O(n) memory.
/// @throws labelkit::invalid_argument if features is empty or not finite, uncertainty has a
///         non-finite entry, a labeled index is out of range (naming its position), k < 0 or k
///         exceeds the unlabeled rows; labelkit::dimension_mismatch if uncertainty's length is
///         not the row count.
template <class DerivedX, class DerivedU>
[[nodiscard]] std::vector<Eigen::Index> ranked_batch(
    const Eigen::MatrixBase<DerivedX>& features, const Eigen::DenseBase<DerivedU>& uncertainty,
    std::span<const Eigen::Index> labeled, Eigen::Index k,
    Similarity similarity = Similarity::euclidean,
    RankedBatchForm form = RankedBatchForm::labelkit) {
  using Scalar = typename DerivedX::Scalar;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr const char* function = "ranked_batch";
  labelkit::detail::check_nonempty_rows(features, function, "features");
  if (!features.allFinite()) labelkit::detail::check_finite(features, function, "features");
  labelkit::detail::check_k(k, function);
  const Eigen::Index n = features.rows();
  if ((uncertainty.rows() != 1 && uncertainty.cols() != 1) || uncertainty.size() != n) {
    labelkit::detail::fail<dimension_mismatch>(function, "'uncertainty' is ", uncertainty.rows(),
                                               " x ", uncertainty.cols(), " but 'features' has ", n,
                                               " rows (expected one uncertainty per row)");
  }
  Vector u(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    u(i) = static_cast<Scalar>(uncertainty.derived()(i));
    if (!std::isfinite(static_cast<double>(u(i)))) {
      labelkit::detail::fail(function, "'uncertainty' is not finite at position ", i, " (got ",
                             static_cast<double>(u(i)), ")");
    }
  }
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  Eigen::Index labeled_count = 0;
  for (std::size_t r = 0; r < labeled.size(); ++r) {
    labelkit::detail::check_index(labeled[r], n, function, "labeled", r);
    char& flag = taken[static_cast<std::size_t>(labeled[r])];
    if (flag == 0) ++labeled_count;
    flag = 1;
  }
  const Eigen::Index unlabeled_count = n - labeled_count;
  if (k > unlabeled_count) {
    labelkit::detail::fail(function, "'k' exceeds the unlabeled rows (got ", k, ", but only ",
                           unlabeled_count, " of ", n, " rows are unlabeled)");
  }
  std::vector<Eigen::Index> picked;
  picked.reserve(static_cast<std::size_t>(k));
  if (k == 0) return picked;

  // Cosine works on unit rows (zero rows stay zero: similarity 0 to everything).
  Matrix x = features;
  if (similarity == Similarity::cosine) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const Scalar norm = x.row(i).norm();
      if (norm > Scalar(0)) x.row(i) /= norm;
    }
  }
  // best(i): largest cosine, or smallest squared distance, to the reference set so far.
  const bool cosine = similarity == Similarity::cosine;
  Vector best = Vector::Constant(n, cosine ? -std::numeric_limits<Scalar>::infinity()
                                           : std::numeric_limits<Scalar>::infinity());
  Vector scratch(n);
  const auto absorb = [&](Eigen::Index reference) {
    if (cosine) {
      scratch.noalias() = x * x.row(reference).transpose();
      best = best.cwiseMax(scratch);
    } else {
      scratch = (x.rowwise() - x.row(reference)).rowwise().squaredNorm();
      best = best.cwiseMin(scratch);
    }
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    if (taken[static_cast<std::size_t>(i)] != 0) absorb(i);
  }
  Eigen::Index references = labeled_count;
  const bool modal = form == RankedBatchForm::modal;
  if (modal && labeled_count == 0) {
    // modAL's cold start: the item with the least mean distance to all items joins the
    // reference set and stays in the pool.
    Vector mean_distance(n);
    if (cosine) {
      const Eigen::Matrix<Scalar, 1, Eigen::Dynamic> centre = x.colwise().mean();
      mean_distance = (Scalar(1) - (x * centre.transpose()).array()).matrix();
    } else {
      for (Eigen::Index i = 0; i < n; ++i) {
        mean_distance(i) = (x.rowwise() - x.row(i)).rowwise().norm().mean();
      }
    }
    Eigen::Index centre_row = 0;
    mean_distance.minCoeff(&centre_row);  // first minimum: ties to the lower row
    absorb(centre_row);
    references = 1;
  }
  for (Eigen::Index t = 0; t < k; ++t) {
    const Eigen::Index remaining = unlabeled_count - t;
    const Scalar alpha =
        static_cast<Scalar>(remaining) / static_cast<Scalar>(remaining + references);
    detail::ScoredIndex<Scalar> top{Scalar(0), -1};
    for (Eigen::Index i = 0; i < n; ++i) {
      if (taken[static_cast<std::size_t>(i)] != 0) continue;
      Scalar score = u(i);
      if (references > 0) {
        const Scalar sim = !cosine ? Scalar(1) / (Scalar(1) + std::sqrt(best(i)))
                           : modal ? Scalar(1) / (Scalar(2) - best(i))  // 1 / (1 + (1 - cos))
                                   : best(i);
        score = alpha * (Scalar(1) - sim) + (Scalar(1) - alpha) * u(i);
      }
      const detail::ScoredIndex<Scalar> candidate{score, i};
      if (top.index < 0 || ranks_before(candidate, top)) top = candidate;
    }
    picked.push_back(top.index);
    taken[static_cast<std::size_t>(top.index)] = 1;
    ++references;
    if (t + 1 < k) absorb(top.index);
  }
  return picked;
}

/// Ranked batch-mode sampling as a strategy value: uncertainty `score` over the unlabeled items'
/// predicted probabilities (default least confidence, as modAL), items compared by `model.embed`
/// when the model is an `EmbeddingModel`, else by the raw (Eigen) features, against the labeled
/// items and the batch so far. k larger than the unlabeled count returns them all.
template <class Score = detail::LeastConfidenceScore>
struct RankedBatchSampling {
  Score score{};  ///< Maps an n x C probability matrix to n uncertainty scores.
  Similarity similarity = Similarity::euclidean;     ///< How items are compared.
  RankedBatchForm form = RankedBatchForm::labelkit;  ///< labelkit's or modAL's variant.

  /// Returns min(k, unlabeled) item ids, in rank order.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return run_pool_round(
        context, k, "RankedBatchSampling", [&](PoolRound<M, X>& round, Eigen::Index) {
          // ranked_batch takes one matrix: the candidates' embeddings, then the labeled ones.
          const auto& unlabeled = round.embeddings();
          const auto& labeled = round.labeled_embeddings();
          const Eigen::Index n_unlabeled = round.size();
          using Plain = std::remove_cvref_t<decltype(unlabeled)>;
          using Scalar = typename Plain::Scalar;
          Plain vectors(n_unlabeled + labeled.rows(), unlabeled.cols());
          vectors.topRows(n_unlabeled) = unlabeled;
          vectors.bottomRows(labeled.rows()) = labeled;
          Eigen::Matrix<Scalar, Eigen::Dynamic, 1> uncertainty =
              Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(vectors.rows());
          uncertainty.head(n_unlabeled) = score(round.probabilities()).template cast<Scalar>();
          std::vector<Eigen::Index> labeled_rows(static_cast<std::size_t>(labeled.rows()));
          for (std::size_t r = 0; r < labeled_rows.size(); ++r) {
            labeled_rows[r] = n_unlabeled + static_cast<Eigen::Index>(r);
          }
          return ranked_batch(vectors, uncertainty, labeled_rows, std::min(k, n_unlabeled),
                              similarity, form);
        });
  }
};

/// Least confidence with Euclidean similarity, labelkit's cold start.
inline constexpr RankedBatchSampling<> ranked_batch_sampling{};
/// modAL's `uncertainty_batch_sampling` with its defaults: least confidence, Euclidean
/// similarity, modAL's cold start.
inline constexpr RankedBatchSampling<> modal_ranked_batch_sampling{
    {}, Similarity::euclidean, RankedBatchForm::modal};

}  // namespace query
LABELKIT_END_NAMESPACE
