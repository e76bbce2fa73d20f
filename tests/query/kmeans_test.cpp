#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"

using labelkit::query::cluster_centroid_selection;
using labelkit::query::cluster_top_score_selection;
using labelkit::query::kmeans;
using labelkit::query::kmeans_plus_plus_seeds;
using labelkit::query::KMeansOptions;
using Indices = std::vector<Eigen::Index>;
using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

// Three well-separated blobs of `per_blob` points each, around (0, 0), (10, 0) and (0, 10),
// in blob order (rows 0..per_blob-1 are blob 0, ...).
Eigen::MatrixXd blobs(Eigen::Index per_blob, std::uint64_t seed) {
  labelkit::Random random(seed);
  const double centres[3][2] = {{0, 0}, {10, 0}, {0, 10}};
  Eigen::MatrixXd x(3 * per_blob, 2);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const auto b = static_cast<std::size_t>(i / per_blob);
    x(i, 0) = centres[b][0] + 0.5 * random.normal();
    x(i, 1) = centres[b][1] + 0.5 * random.normal();
  }
  return x;
}

// The brute-force twin of k-means++ seeding: the same draws from labelkit::Random, with direct
// distances ||x_i - c||^2.
Indices twin_plus_plus(const Eigen::MatrixXd& x, Eigen::Index k, std::uint64_t seed) {
  labelkit::Random random(seed);
  const Eigen::Index n = x.rows();
  Eigen::VectorXd md = Eigen::VectorXd::Constant(n, std::numeric_limits<double>::infinity());
  std::vector<char> chosen(static_cast<std::size_t>(n), 0);
  Indices picks;
  Eigen::Index pick =
      static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n)));
  for (Eigen::Index step = 0;; ++step) {
    picks.push_back(pick);
    chosen[static_cast<std::size_t>(pick)] = 1;
    if (step + 1 == k) break;
    for (Eigen::Index i = 0; i < n; ++i)
      md(i) = std::min(md(i), (x.row(i) - x.row(pick)).squaredNorm());
    for (const Eigen::Index p : picks) md(p) = 0;
    const double total = md.sum();
    REQUIRE(total > 0);
    const double target = random.uniform01() * total;
    double cumulative = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (md(i) <= 0) continue;
      cumulative += md(i);
      pick = i;
      if (cumulative > target) break;
    }
  }
  return picks;
}

double inertia_of(const Eigen::MatrixXd& x, const Eigen::MatrixXd& centres, const Indices& a) {
  double s = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    s += (x.row(i) - centres.row(a[static_cast<std::size_t>(i)])).squaredNorm();
  }
  return s;
}

}  // namespace

TEST_CASE("kmeans on a hand example") {
  Eigen::MatrixXd x(4, 1);
  x << 0, 1, 10, 11;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    CAPTURE(seed);
    KMeansOptions options;
    options.seed = seed;
    const auto r = kmeans(x, 2, options);
    CHECK(r.converged);
    CHECK(r.inertia == doctest::Approx(1.0));  // 4 points, each 0.5 from its centre
    CHECK(r.assignments[0] == r.assignments[1]);
    CHECK(r.assignments[2] == r.assignments[3]);
    CHECK(r.assignments[0] != r.assignments[2]);
    CHECK(r.centers(r.assignments[0], 0) == doctest::Approx(0.5));
    CHECK(r.centers(r.assignments[2], 0) == doctest::Approx(10.5));
  }
  // k = n: every point is its own centre.
  const auto all = kmeans(x, 4);
  CHECK(all.inertia == 0.0);
  std::set<Eigen::Index> distinct(all.assignments.begin(), all.assignments.end());
  CHECK(distinct.size() == 4);
}

TEST_CASE("kmeans recovers well-separated blobs; result is self-consistent") {
  const Eigen::MatrixXd x = blobs(60, 3);
  int calls = 0;
  double last = std::numeric_limits<double>::infinity();
  KMeansOptions options;
  options.seed = 17;
  options.progress = [&](const labelkit::models::KMeansProgress& p) {
    const int iteration = p.iteration;
    const double inertia = p.inertia;
    ++calls;
    CHECK(iteration == calls);
    CHECK(inertia <= last + 1e-9);  // Lloyd never increases the inertia
    last = inertia;
  };
  const auto r = kmeans(x, 3, options);
  CHECK(r.converged);
  CHECK(calls >= r.iterations);
  CHECK(r.iterations >= 1);
  for (Eigen::Index b = 0; b < 3; ++b) {
    for (Eigen::Index i = b * 60; i < (b + 1) * 60; ++i) {
      CHECK(r.assignments[static_cast<std::size_t>(i)] ==
            r.assignments[static_cast<std::size_t>(b * 60)]);
    }
  }
  CHECK(r.inertia == doctest::Approx(inertia_of(x, r.centers, r.assignments)));
  // Each centre is the mean of its points.
  for (Eigen::Index c = 0; c < 3; ++c) {
    Eigen::RowVector2d sum = Eigen::RowVector2d::Zero();
    double count = 0;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      if (r.assignments[static_cast<std::size_t>(i)] == c) {
        sum += x.row(i);
        count += 1;
      }
    }
    CHECK((r.centers.row(c) - sum / count).norm() <= 1e-9);
  }
}

TEST_CASE("kmeans is reproducible from the seed, in float and double, both layouts") {
  const Eigen::MatrixXd x = blobs(40, 8);
  KMeansOptions options;
  options.seed = 5;
  const auto a = kmeans(x, 4, options);
  const auto b = kmeans(x, 4, options);
  CHECK(a.centers == b.centers);
  CHECK(a.assignments == b.assignments);
  CHECK(a.inertia == b.inertia);
  const RowMajorXd row_major = x;
  const auto c = kmeans(row_major, 4, options);
  CHECK(c.assignments == a.assignments);
  CHECK((c.centers - a.centers).norm() <= 1e-9);
  const Eigen::MatrixXf xf = x.cast<float>();
  const auto f = kmeans(xf, 4, options);
  static_assert(std::is_same_v<decltype(f.centers), Eigen::MatrixXf>);
  CHECK(f.assignments == a.assignments);
  CHECK(f.inertia == doctest::Approx(a.inertia).epsilon(1e-4));
}

TEST_CASE("k-means++ seeding equals its brute-force twin") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    labelkit::Random random(seed + 1000);
    const auto n = static_cast<Eigen::Index>(2 + random.uniform_index(80));
    Eigen::MatrixXd x(n, 3);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
    const auto k = static_cast<Eigen::Index>(
        1 + random.uniform_index(static_cast<std::uint64_t>(std::min<Eigen::Index>(n, 10))));
    CHECK(kmeans_plus_plus_seeds(x, k, seed) == twin_plus_plus(x, k, seed));
  }
}

TEST_CASE("kmeans with duplicate points: empty clusters are handled") {
  const Eigen::MatrixXd same = Eigen::MatrixXd::Constant(6, 2, 3.0);
  const auto r = kmeans(same, 3);
  CHECK(r.inertia == 0.0);
  CHECK(r.centers.isApprox(Eigen::MatrixXd::Constant(3, 2, 3.0)));
  // k-means++ draws distinct rows even when all distances are 0.
  const Indices seeds = kmeans_plus_plus_seeds(same, 6, 4);
  CHECK(std::set<Eigen::Index>(seeds.begin(), seeds.end()).size() == 6);
  // Selection still returns k distinct rows.
  const Indices picks = cluster_centroid_selection(same, 3);
  CHECK(std::set<Eigen::Index>(picks.begin(), picks.end()).size() == 3);
  const Indices top = cluster_top_score_selection(same, Eigen::VectorXd::LinSpaced(6, 0, 5), 3);
  CHECK(top == Indices{5, 4, 3});
}

TEST_CASE("cluster selection: most central and most uncertain item per cluster") {
  const Eigen::MatrixXd x = blobs(30, 21);
  KMeansOptions options;
  options.seed = 2;
  const auto r = kmeans(x, 3, options);
  // Most central: one per blob, the row nearest its blob's centre.
  const Indices central = cluster_centroid_selection(x, 3, options);
  REQUIRE(central.size() == 3);
  std::set<Eigen::Index> blobs_hit;
  for (const Eigen::Index i : central) {
    blobs_hit.insert(i / 30);
    const Eigen::Index c = r.assignments[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < x.rows(); ++j) {
      if (r.assignments[static_cast<std::size_t>(j)] == c) {
        CHECK((x.row(i) - r.centers.row(c)).squaredNorm() <=
              (x.row(j) - r.centers.row(c)).squaredNorm());
      }
    }
  }
  CHECK(blobs_hit.size() == 3);
  // Most uncertain: scores = row index, so each blob's last row wins, highest first.
  const Eigen::VectorXd scores = Eigen::VectorXd::LinSpaced(90, 0, 89);
  CHECK(cluster_top_score_selection(x, scores, 3, options) == Indices{89, 59, 29});
  const Eigen::VectorXf scores_f = scores.cast<float>();
  CHECK(cluster_top_score_selection(x.cast<float>(), scores_f, 3, options) == Indices{89, 59, 29});
}

TEST_CASE("kmeans and cluster selection reject bad input with the argument named") {
  Eigen::MatrixXd x(4, 2);
  x << 0, 0, 1, 0, 0, 1, 1, 1;
  CHECK_THROWS_WITH_AS(
      kmeans(x, 0), "labelkit: kmeans(): 'k' is out of range (got 0, expected 1 <= k <= 4 points)",
      labelkit::invalid_argument);
  CHECK_THROWS_WITH(kmeans(x, 5), doctest::Contains("'k' is out of range (got 5"));
  CHECK_THROWS_WITH(kmeans(x, -2), doctest::Contains("'k' is negative (got -2"));
  CHECK_THROWS_WITH(kmeans(Eigen::MatrixXd(0, 2), 1), doctest::Contains("'points' is empty"));
  Eigen::MatrixXd bad = x;
  bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(
      kmeans(bad, 2),
      doctest::Contains("kmeans(): 'points' has a non-finite value at row 2, column 1"));
  KMeansOptions options;
  options.max_iterations = 0;
  CHECK_THROWS_WITH(kmeans(x, 2, options),
                    doctest::Contains("'options.max_iterations' must be at least 1 (got 0)"));
  options = {};
  options.tolerance = -1;
  CHECK_THROWS_WITH(kmeans(x, 2, options), doctest::Contains("'options.tolerance' must be >= 0"));
  CHECK_THROWS_WITH(kmeans_plus_plus_seeds(x, 9, 1),
                    doctest::Contains("kmeans_plus_plus_seeds(): 'k' is out of range"));
  CHECK_THROWS_WITH(cluster_centroid_selection(bad, 2),
                    doctest::Contains("cluster_centroid_selection(): 'points' has a non-finite"));
  CHECK_THROWS_WITH_AS(cluster_top_score_selection(x, Eigen::VectorXd::Zero(3), 2),
                       "labelkit: cluster_top_score_selection(): 'scores' has 3 entries (expected "
                       "4, one per row of 'embeddings')",
                       labelkit::dimension_mismatch);
  Eigen::VectorXd nan_scores = Eigen::VectorXd::Zero(4);
  nan_scores(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(cluster_top_score_selection(x, nan_scores, 2),
                    doctest::Contains("'scores' has NaN at position 1"));
}

namespace {

struct PlainModel {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  // p(class 1) grows with the first feature; most uncertain near x0 = 5.
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    Eigen::MatrixXd p(x.rows(), 2);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      p(i, 1) = 1.0 / (1.0 + std::exp(-(x(i, 0) - 5.0)));
      p(i, 0) = 1.0 - p(i, 1);
    }
    return p;
  }
};

}  // namespace

TEST_CASE("kmeans strategies: central and most uncertain item per cluster of the unlabeled") {
  const Eigen::MatrixXd x = blobs(20, 4);
  Indices unlabeled;
  for (Eigen::Index i = 0; i < 60; i += 2) unlabeled.push_back(i);
  const Indices labeled = {1, 3};
  PlainModel model;
  const labelkit::query::QueryContext<PlainModel, Eigen::MatrixXd> context{model, x, unlabeled,
                                                                           labeled, 77};
  Eigen::MatrixXd xu(static_cast<Eigen::Index>(unlabeled.size()), 2);
  for (std::size_t r = 0; r < unlabeled.size(); ++r)
    xu.row(static_cast<Eigen::Index>(r)) = x.row(unlabeled[r]);
  KMeansOptions options;
  options.seed = 77;
  CHECK(labelkit::query::kmeans_sampling(context, 3) ==
        labelkit::query::to_item_ids(cluster_centroid_selection(xu, 3, options), unlabeled));
  const Eigen::VectorXd entropy = labelkit::query::entropy(model.predict_proba(xu));
  CHECK(labelkit::query::kmeans_entropy_sampling(context, 3) ==
        labelkit::query::to_item_ids(cluster_top_score_selection(xu, entropy, 3, options),
                                     unlabeled));
  const Eigen::VectorXd margin = labelkit::query::margin(model.predict_proba(xu));
  CHECK(
      labelkit::query::kmeans_margin_sampling(context, 2) ==
      labelkit::query::to_item_ids(cluster_top_score_selection(xu, margin, 2, options), unlabeled));
  CHECK(labelkit::query::kmeans_sampling(context, 100).size() == 30);  // capped at the pool
  CHECK(labelkit::query::kmeans_sampling(context, 0).empty());
}
