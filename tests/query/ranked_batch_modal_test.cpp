// modAL's form of ranked batch-mode sampling: cold start from the most central item (kept in the
// pool) and every similarity 1 / (1 + distance).
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/query/density.hpp"
#include "labelkit/query/ranked_batch.hpp"

using labelkit::query::ranked_batch;
using labelkit::query::RankedBatchForm;
using labelkit::query::Similarity;
using Indices = std::vector<Eigen::Index>;

namespace {

// Expected picks from Debian's numpy 1.24.2 / scipy 1.10.1, following modAL 0.4's batch.py
// (select_cold_start_instance, select_instance, ranked_batch) step by step, with each pick
// mapped back to its pool row:
//
//   def modal_ranked_batch(X, u, labeled_rows, k, metric):
//       unl = [i for i in range(len(X)) if i not in labeled_rows]; pool = X[unl]; pu = u[unl]
//       if not labeled_rows:
//           c = np.argmin(np.mean(dist(pool, pool, metric), axis=0)); ref = pool[c:c+1]
//       else:
//           ref = X[labeled_rows]
//       mask = np.ones(len(pool), bool); picks = []
//       for _ in range(k):
//           alpha = mask.sum() / (mask.sum() + len(ref))
//           sim = 1 / (1 + dist(pool, ref, metric).min(axis=1))
//           score = alpha * (1 - sim) + (1 - alpha) * pu; score[~mask] = -np.inf
//           b = int(np.argmax(score)); picks.append(unl[b]); mask[b] = False
//           ref = np.vstack([ref, pool[b:b+1]])
//       return picks
//
// with dist = scipy's cdist (Euclidean) or 1 - cosine of the normalised rows.
Eigen::MatrixXd points() {
  Eigen::MatrixXd x(6, 2);
  x << 0.0, 1.0, 1.0, 1.2, 2.0, 0.4, 3.0, 2.5, 0.5, 3.0, 2.2, 2.0;
  return x;
}
Eigen::VectorXd uncertainty() {
  return (Eigen::VectorXd(6) << 0.30, 0.55, 0.10, 0.62, 0.45, 0.20).finished();
}

}  // namespace

TEST_CASE("modAL form: cold start from the most central item, Euclidean") {
  // Mean Euclidean distances 1.823, 1.333, 1.718, 1.926, 1.909, 1.398: row 1 is the centre. It
  // joins the reference set (similarity 1 to itself) and is never picked here.
  CHECK(ranked_batch(points(), uncertainty(), Indices{}, 4, Similarity::euclidean,
                     RankedBatchForm::modal) == Indices{3, 4, 0, 5});
  // labelkit's form starts from the most uncertain item instead (row 3 here as well, then the
  // batch differs because the centre is not a reference).
  CHECK(ranked_batch(points(), uncertainty(), Indices{}, 1, Similarity::euclidean,
                     RankedBatchForm::labelkit) == Indices{3});
}

TEST_CASE("modAL form: cosine distance similarity, cold and warm") {
  // Mean cosine distances 0.289, 0.103, 0.322, 0.123, 0.209, 0.116: row 1 is the centre.
  CHECK(ranked_batch(points(), uncertainty(), Indices{}, 4, Similarity::cosine,
                     RankedBatchForm::modal) == Indices{0, 3, 1, 4});
  CHECK(ranked_batch(points(), uncertainty(), Indices{0, 3}, 3, Similarity::cosine,
                     RankedBatchForm::modal) == Indices{1, 4, 5});
}

TEST_CASE("with labeled items and Euclidean similarity both forms agree with modAL") {
  for (const auto form : {RankedBatchForm::labelkit, RankedBatchForm::modal}) {
    CHECK(ranked_batch(points(), uncertainty(), Indices{0}, 3, Similarity::euclidean, form) ==
          Indices{3, 4, 1});
  }
}

TEST_CASE("the modAL strategy value uses modAL's defaults") {
  const auto& s = labelkit::query::modal_ranked_batch_sampling;
  CHECK(s.form == RankedBatchForm::modal);
  CHECK(s.similarity == Similarity::euclidean);
}
