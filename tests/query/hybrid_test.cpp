#include <doctest/doctest.h>
#include "labelkit/query/random.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "learner/test_models.hpp"

using labelkit::query::Normalization;
using labelkit::query::normalize_scores;
using labelkit::query::SecondStage;
using labelkit::query::uncertain_then_diverse;
using labelkit::query::weighted_score_sum;
using Indices = std::vector<Eigen::Index>;

TEST_CASE("normalize_scores: min-max and rank, hand-computed") {
  Eigen::VectorXd s(4);
  s << 10, 30, 20, 20;
  Eigen::VectorXd minmax = normalize_scores(s, Normalization::min_max);
  CHECK(minmax(0) == 0.0);
  CHECK(minmax(1) == 1.0);
  CHECK(minmax(2) == 0.5);
  // Ascending ranks 0, 3, {1, 2} -> ties share 1.5; divided by n - 1 = 3.
  Eigen::VectorXd rank = normalize_scores(s, Normalization::rank);
  CHECK(rank(0) == 0.0);
  CHECK(rank(1) == 1.0);
  CHECK(rank(2) == 0.5);
  CHECK(rank(3) == 0.5);
  // Rank normalisation ignores the gaps: an outlier does not squeeze the rest.
  Eigen::VectorXf outlier(3);
  outlier << 1.0f, 2.0f, 1000.0f;
  CHECK(normalize_scores(outlier)(1) == 0.5f);
  CHECK(normalize_scores(outlier, Normalization::min_max)(1) == doctest::Approx(1.0 / 999.0));
  // Constant scores and a single item carry no information: 0.5.
  CHECK(normalize_scores(Eigen::VectorXd::Constant(3, 7.0), Normalization::min_max) ==
        Eigen::VectorXd::Constant(3, 0.5));
  CHECK(normalize_scores(Eigen::VectorXd::Constant(3, 7.0)) == Eigen::VectorXd::Constant(3, 0.5));
  CHECK(normalize_scores(Eigen::VectorXd::Constant(1, 7.0)) == Eigen::VectorXd::Constant(1, 0.5));
  CHECK(normalize_scores(Eigen::VectorXd(0)).size() == 0);
}

TEST_CASE("weighted_score_sum: hand-computed") {
  Eigen::VectorXd a(3);
  a << 0.0, 1.0, 2.0;  // rank -> 0, .5, 1; min-max the same
  Eigen::VectorXd b(3);
  b << 5.0, 1.0, 3.0;  // rank -> 1, 0, .5
  const std::vector<Eigen::VectorXd> scores{a, b};
  const Eigen::VectorXd sum = weighted_score_sum(scores, std::vector<double>{0.75, 0.25});
  CHECK(sum(0) == doctest::Approx(0.25));
  CHECK(sum(1) == doctest::Approx(0.375));
  CHECK(sum(2) == doctest::Approx(0.875));
  const Eigen::VectorXd mm =
      weighted_score_sum(scores, std::vector<double>{1.0, 1.0}, Normalization::min_max);
  CHECK(mm(0) == doctest::Approx(1.0));
  CHECK(mm(1) == doctest::Approx(0.5));
  CHECK(mm(2) == doctest::Approx(1.5));
  // Bad input.
  CHECK_THROWS_AS(weighted_score_sum(std::vector<Eigen::VectorXd>{}, std::vector<double>{}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(weighted_score_sum(scores, std::vector<double>{1.0}),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_AS(weighted_score_sum(std::vector<Eigen::VectorXd>{a, Eigen::VectorXd::Zero(2)},
                                     std::vector<double>{1.0, 1.0}),
                  labelkit::dimension_mismatch);
  Eigen::VectorXd nan_b = b;
  nan_b(2) = std::nan("");
  CHECK_THROWS_WITH_AS(
      weighted_score_sum(std::vector<Eigen::VectorXd>{a, nan_b}, std::vector<double>{1.0, 1.0}),
      "labelkit: weighted_score_sum(): 'scores[1]' is not finite at position 2 (got nan)",
      labelkit::invalid_argument);
  CHECK_THROWS_AS(weighted_score_sum(scores, std::vector<double>{1.0, INFINITY}),
                  labelkit::invalid_argument);
}

TEST_CASE("uncertain_then_diverse: shortlist by uncertainty, then k-center or k-means") {
  labelkit::Random random(6);
  const Eigen::Index n = 60;
  Eigen::MatrixXd e(n, 3);
  Eigen::VectorXd u(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < 3; ++j) e(i, j) = random.normal();
    u(i) = random.uniform01();
  }
  const Eigen::MatrixXd labeled = e.topRows(4);
  const Indices shortlist = labelkit::query::top_k(u, 20);
  // Twin: k-center greedy on the shortlist's rows with the labeled rows as centres.
  Eigen::MatrixXd points(20, 3);
  for (Eigen::Index r = 0; r < 20; ++r)
    points.row(r) = e.row(shortlist[static_cast<std::size_t>(r)]);
  Indices expected;
  for (const Eigen::Index p : labelkit::query::k_center_greedy_with_centers(points, labeled, 5)) {
    expected.push_back(shortlist[static_cast<std::size_t>(p)]);
  }
  CHECK(uncertain_then_diverse(u, e, labeled, 5, 4.0) == expected);
  // beta = 1: the k most uncertain (in some order).
  Indices plain = uncertain_then_diverse(u, e, labeled, 5, 1.0);
  std::sort(plain.begin(), plain.end());
  Indices top5 = labelkit::query::top_k(u, 5);
  std::sort(top5.begin(), top5.end());
  CHECK(plain == top5);
  // k-means second stage: k distinct shortlist items, reproducible from the seed.
  const Indices clustered = uncertain_then_diverse(u, e, labeled, 5, 4.0, SecondStage::k_means, 9);
  CHECK(clustered.size() == 5);
  for (const Eigen::Index i : clustered) {
    CHECK(std::find(shortlist.begin(), shortlist.end(), i) != shortlist.end());
  }
  CHECK(uncertain_then_diverse(u, e, labeled, 5, 4.0, SecondStage::k_means, 9) == clustered);
  // float, row-major, no labeled rows.
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> ef = e.cast<float>();
  const Eigen::VectorXf uf = u.cast<float>();
  CHECK(uncertain_then_diverse(uf, ef, Eigen::MatrixXf(0, 3), 5, 4.0).size() == 5);
  CHECK(uncertain_then_diverse(u, e, labeled, 0).empty());
  // Bad input.
  CHECK_THROWS_AS(uncertain_then_diverse(u, e, labeled, 5, 0.5), labelkit::invalid_argument);
  CHECK_THROWS_AS(uncertain_then_diverse(u, e, labeled, n + 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(uncertain_then_diverse(u.head(3), e, labeled, 2), labelkit::dimension_mismatch);
  CHECK_THROWS_AS(uncertain_then_diverse(u, e, Eigen::MatrixXd::Zero(2, 2), 2),
                  labelkit::dimension_mismatch);
  Eigen::MatrixXd bad = e;
  bad(3, 1) = std::nan("");
  CHECK_THROWS_WITH_AS(uncertain_then_diverse(u, bad, labeled, 2),
                       "labelkit: uncertain_then_diverse(): 'embeddings' has a non-finite value at "
                       "row 3, column 1 (got nan)",
                       labelkit::invalid_argument);
}

TEST_CASE("hybrid strategy values with ActiveLearner") {
  labelkit::Random random(12);
  Eigen::MatrixXd x;
  std::vector<int> y;
  test_models::make_blobs(20, 3, random, x, y);
  const Indices seed_items{0, 20, 40};
  const std::vector<int> seed_labels{0, 1, 2};

  using Weighted = labelkit::query::WeightedSumSampling<labelkit::query::UncertaintyScorer<>,
                                                        labelkit::query::DensityScorer>;
  const Weighted weighted{{}, {0.7, 0.3}, Normalization::rank};
  labelkit::ActiveLearner a(test_models::CentroidModel{}, x, weighted, 4);
  a.teach(seed_items, seed_labels);
  const Indices picked = a.query(6);
  // By hand: 0.7 rank(entropy) + 0.3 rank(density) over the unlabeled items.
  const auto unlabeled = a.pool().unlabeled();
  const Eigen::MatrixXd rows = labelkit::select_rows(x, unlabeled);
  const std::vector<Eigen::VectorXd> parts{labelkit::query::entropy(a.model().predict_proba(rows)),
                                           labelkit::query::density(rows)};
  Indices expected;
  for (const Eigen::Index p :
       labelkit::query::top_k(weighted_score_sum(parts, std::vector<double>{0.7, 0.3}), 6)) {
    expected.push_back(unlabeled[static_cast<std::size_t>(p)]);
  }
  CHECK(picked == expected);

  labelkit::ActiveLearner b(test_models::CentroidModel{}, x,
                            labelkit::query::uncertain_then_diverse_sampling, 4);
  b.teach(seed_items, seed_labels);
  const Indices two_stage = b.query(6);
  CHECK(two_stage.size() == 6);
  const Eigen::VectorXd margins = labelkit::query::margin(b.model().predict_proba(rows));
  CHECK(two_stage == [&] {
    Indices ids;
    for (const Eigen::Index p :
         uncertain_then_diverse(margins, rows, labelkit::select_rows(x, seed_items), 6, 5.0)) {
      ids.push_back(unlabeled[static_cast<std::size_t>(p)]);
    }
    return ids;
  }());

  labelkit::ActiveLearner c(test_models::CentroidModel{}, x,
                            labelkit::query::cluster_margin_sampling, 4);
  c.teach(seed_items, seed_labels);
  CHECK(c.query(6).size() == 6);
  CHECK(c.query(1000).size() == 57);
}
