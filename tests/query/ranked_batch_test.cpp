#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/query/ranked_batch.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "learner/test_models.hpp"

using labelkit::query::ranked_batch;
using labelkit::query::Similarity;
using Indices = std::vector<Eigen::Index>;

namespace {

// The naive twin, as modAL does it: at every pick, recompute every unlabeled item's largest
// similarity to the whole labeled + picked set from scratch (O(n (|L| + k)) similarities per
// pick), with alpha = |U| / (|U| + |L|) for the current sets.
Indices naive_ranked_batch(const Eigen::MatrixXd& x, const Eigen::VectorXd& u, Indices labeled,
                           Eigen::Index k, Similarity similarity) {
  // Unit rows for cosine, normalised the same way as the library (so equal similarities stay
  // bit-identical and ties break identically); zero rows stay zero.
  Eigen::MatrixXd unit = x;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (x.row(i).norm() > 0) unit.row(i) /= x.row(i).norm();
  }
  const auto sim = [&](Eigen::Index a, Eigen::Index b) {
    if (similarity == Similarity::euclidean) return 1.0 / (1.0 + (x.row(a) - x.row(b)).norm());
    return unit.row(a).dot(unit.row(b));
  };
  std::vector<char> taken(static_cast<std::size_t>(x.rows()), 0);
  for (const Eigen::Index l : labeled) taken[static_cast<std::size_t>(l)] = 1;
  Indices picked;
  for (Eigen::Index t = 0; t < k; ++t) {
    Eigen::Index unlabeled = 0;
    for (const char c : taken) unlabeled += c == 0 ? 1 : 0;
    const auto reference = static_cast<double>(x.rows() - unlabeled);
    const double alpha =
        static_cast<double>(unlabeled) / (static_cast<double>(unlabeled) + reference);
    Eigen::Index best = -1;
    double best_score = 0;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      if (taken[static_cast<std::size_t>(i)] != 0) continue;
      double score = u(i);
      if (reference > 0) {
        double max_sim = -std::numeric_limits<double>::infinity();
        for (Eigen::Index j = 0; j < x.rows(); ++j) {
          if (taken[static_cast<std::size_t>(j)] != 0) max_sim = std::max(max_sim, sim(i, j));
        }
        score = alpha * (1 - max_sim) + (1 - alpha) * u(i);
      }
      if (best < 0 || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    picked.push_back(best);
    taken[static_cast<std::size_t>(best)] = 1;
  }
  return picked;
}

}  // namespace

TEST_CASE("ranked_batch: hand-computed example") {
  // 1-D points 0, 1, 3, 10; item 0 labeled. Pick 1: alpha = 3/4, sims 1/2, 1/4, 1/11:
  //   item 1: .75 * .5 + .25 * .5 = .5; item 2: .75 * .75 + .25 * .2 = .6125;
  //   item 3: .75 * 10/11 + .25 * .1 = .7068  -> 3.
  // Pick 2: alpha = 2/4; item 1: nearest 0 at 1 -> .5 * .5 + .5 * .5 = .5; item 2: nearest 0 at 3
  //   -> .5 * .75 + .5 * .2 = .475  -> 1.
  Eigen::MatrixXd x(4, 1);
  x << 0, 1, 3, 10;
  Eigen::VectorXd u(4);
  u << 0.0, 0.5, 0.2, 0.1;
  const Indices labeled{0};
  CHECK(ranked_batch(x, u, labeled, 2) == Indices{3, 1});
  CHECK(ranked_batch(x, u, labeled, 3) == Indices{3, 1, 2});
  CHECK(ranked_batch(x, u, labeled, 0).empty());
  // No labeled item: the first pick is the most uncertain.
  CHECK(ranked_batch(x, u, Indices{}, 1) == Indices{1});
}

TEST_CASE("ranked_batch: equals the naive from-scratch version on random inputs") {
  labelkit::Random random(21);
  for (int trial = 0; trial < 30; ++trial) {
    const Eigen::Index n = 5 + static_cast<Eigen::Index>(random.uniform_index(40));
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(random.uniform_index(4));
    Eigen::MatrixXd x(n, d);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < d; ++j) x(i, j) = static_cast<double>(random.uniform_index(5));
    }
    Eigen::VectorXd u(n);
    for (Eigen::Index i = 0; i < n; ++i) u(i) = static_cast<double>(random.uniform_index(4)) / 4.0;
    const auto labeled_count =
        static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n / 2)));
    const Indices labeled = labelkit::sample_without_replacement(n, labeled_count, random);
    const Eigen::Index k = static_cast<Eigen::Index>(
        random.uniform_index(static_cast<std::uint64_t>(n - labeled_count + 1)));
    for (const Similarity s : {Similarity::euclidean, Similarity::cosine}) {
      CHECK(ranked_batch(x, u, labeled, k, s) == naive_ranked_batch(x, u, labeled, k, s));
    }
    // float and row-major agree (the inputs are small integers: exact in float too).
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xf =
        x.cast<float>();
    const Eigen::VectorXf uf = u.cast<float>();
    CHECK(ranked_batch(xf, uf, labeled, k) ==
          naive_ranked_batch(x, u, labeled, k, Similarity::euclidean));
  }
}

TEST_CASE("ranked_batch: repeated labeled ids count once; bad input names the argument") {
  Eigen::MatrixXd x(4, 1);
  x << 0, 1, 3, 10;
  Eigen::VectorXd u(4);
  u << 0.0, 0.5, 0.2, 0.1;
  CHECK(ranked_batch(x, u, Indices{0, 0}, 2) == Indices{3, 1});
  CHECK_THROWS_WITH_AS(ranked_batch(x, u, Indices{0, 4}, 1),
                       "labelkit: ranked_batch(): 'labeled' entry 1 is out of range (got 4, "
                       "expected 0 <= index < 4)",
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(ranked_batch(x, u, Indices{0}, 4),
                       "labelkit: ranked_batch(): 'k' exceeds the unlabeled rows (got 4, but only "
                       "3 of 4 rows are unlabeled)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(ranked_batch(x, u, Indices{}, -1), labelkit::invalid_argument);
  CHECK_THROWS_AS(ranked_batch(x, Eigen::VectorXd::Zero(3), Indices{}, 1),
                  labelkit::dimension_mismatch);
  Eigen::MatrixXd bad = x;
  bad(2, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(
      ranked_batch(bad, u, Indices{}, 1),
      "labelkit: ranked_batch(): 'features' has a non-finite value at row 2, column 0 (got inf)",
      labelkit::invalid_argument);
  Eigen::VectorXd nan_u = u;
  nan_u(1) = std::nan("");
  CHECK_THROWS_AS(ranked_batch(x, nan_u, Indices{}, 1), labelkit::invalid_argument);
}

TEST_CASE("ranked_batch_sampling as an ActiveLearner strategy") {
  labelkit::Random random(2);
  Eigen::MatrixXd x;
  std::vector<int> y;
  test_models::make_blobs(20, 3, random, x, y);
  labelkit::ActiveLearner learner(test_models::CentroidModel{}, x,
                                  labelkit::query::ranked_batch_sampling, 3);
  const Indices seed_items{0, 20, 40, 41};
  learner.teach(seed_items, std::vector<int>{0, 1, 2, 2});
  const Indices picked = learner.query(6);
  // The same through the free function on the whole pool.
  const Eigen::VectorXd u = labelkit::query::least_confidence(learner.model().predict_proba(x));
  CHECK(picked == ranked_batch(x, u, learner.pool().labeled(), 6));
  // The batch spreads out: no two picks are the same point, and it is not just the top
  // uncertainty.
  CHECK(picked.size() == 6);
  // k larger than the unlabeled count returns them all.
  CHECK(learner.query(1000).size() == 56);
}
