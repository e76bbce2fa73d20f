#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "learner/test_models.hpp"

using labelkit::query::density;
using labelkit::query::DensityOptions;
using labelkit::query::information_density;
using labelkit::query::Similarity;

namespace {

// Brute-force twins: the explicit O(n m) means the clever code must equal.
Eigen::VectorXd brute_mean_cosine(const Eigen::MatrixXd& x) {
  Eigen::VectorXd result(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double sum = 0;
    for (Eigen::Index j = 0; j < x.rows(); ++j) {
      const double denominator = x.row(i).norm() * x.row(j).norm();
      sum += denominator > 0 ? x.row(i).dot(x.row(j)) / denominator : 0.0;
    }
    result(i) = sum / static_cast<double>(x.rows());
  }
  return result;
}

Eigen::VectorXd brute_mean_euclidean(const Eigen::MatrixXd& x,
                                     const std::vector<Eigen::Index>& reference) {
  Eigen::VectorXd result(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double sum = 0;
    for (const Eigen::Index j : reference) sum += 1.0 / (1.0 + (x.row(i) - x.row(j)).norm());
    result(i) = sum / static_cast<double>(reference.size());
  }
  return result;
}

Eigen::MatrixXd random_matrix(Eigen::Index n, Eigen::Index d, labelkit::Random& random) {
  Eigen::MatrixXd x(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = random.normal();
  }
  return x;
}

}  // namespace

TEST_CASE("density: hand-computed cosine and Euclidean values") {
  Eigen::MatrixXd x(3, 2);
  x << 1, 0, 0, 1, 1, 1;
  // numpy: Xh = X / ||X||; (Xh @ Xh.T).mean(1); (1 / (1 + cdist(X, X))).mean(1)
  const Eigen::VectorXd cosine = density(x);
  CHECK(cosine(0) == doctest::Approx(0.5690355937288492).epsilon(1e-14));
  CHECK(cosine(1) == doctest::Approx(0.5690355937288492).epsilon(1e-14));
  CHECK(cosine(2) == doctest::Approx(0.8047378541243649).epsilon(1e-14));
  DensityOptions euclid;
  euclid.similarity = Similarity::euclidean;
  const Eigen::VectorXd e = density(x, euclid);
  CHECK(e(0) == doctest::Approx(0.6380711874576984).epsilon(1e-14));
  CHECK(e(1) == doctest::Approx(0.6380711874576984).epsilon(1e-14));
  CHECK(e(2) == doctest::Approx(0.6666666666666666).epsilon(1e-14));
}

TEST_CASE("density: the O(n d) cosine identity equals the explicit O(n^2) mean") {
  labelkit::Random random(3);
  for (int trial = 0; trial < 5; ++trial) {
    Eigen::MatrixXd x = random_matrix(40 + trial, 6, random);
    x.row(7).setZero();  // a zero row: similarity 0 to everything
    const Eigen::VectorXd fast = density(x);
    const Eigen::VectorXd slow = brute_mean_cosine(x);
    CHECK((fast - slow).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(fast(7) == 0.0);
    // Row-major and float give the same values.
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = x;
    CHECK((density(rm) - slow).cwiseAbs().maxCoeff() < 1e-12);
    const Eigen::MatrixXf xf = x.cast<float>();
    CHECK((density(xf).cast<double>() - slow).cwiseAbs().maxCoeff() < 1e-5);
  }
}

TEST_CASE("density: Euclidean exact and seeded subsample against brute force") {
  labelkit::Random random(4);
  const Eigen::MatrixXd x = random_matrix(300, 5, random);  // > one 256-row block
  DensityOptions options;
  options.similarity = Similarity::euclidean;
  std::vector<Eigen::Index> all(300);
  for (Eigen::Index i = 0; i < 300; ++i) all[static_cast<std::size_t>(i)] = i;
  CHECK((density(x, options) - brute_mean_euclidean(x, all)).cwiseAbs().maxCoeff() < 1e-10);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xf = x.cast<float>();
  CHECK((density(xf, options).cast<double>() - brute_mean_euclidean(x, all)).cwiseAbs().maxCoeff() <
        1e-4);

  // Above exact_limit: the mean over a seeded sample of reference_size items.
  options.exact_limit = 100;
  options.reference_size = 60;
  options.seed = 99;
  labelkit::Random sampler(99);
  const auto reference = labelkit::sample_without_replacement(300, 60, sampler);
  const Eigen::VectorXd sub = density(x, options);
  CHECK((sub - brute_mean_euclidean(x, reference)).cwiseAbs().maxCoeff() < 1e-10);
  CHECK(density(x, options) == sub);  // reproducible
  options.seed = 100;
  CHECK(density(x, options) != sub);  // and the seed matters
  // A reference larger than the pool is the whole pool.
  options.reference_size = 1000;
  CHECK((density(x, options) - brute_mean_euclidean(x, all)).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("information_density: uncertainty x density^beta") {
  Eigen::MatrixXd x(3, 2);
  x << 1, 0, 0, 1, 1, 1;
  Eigen::VectorXd u(3);
  u << 0.5, 0.2, 0.4;
  const Eigen::VectorXd d = density(x);
  DensityOptions options;
  CHECK((information_density(u, x) - u.cwiseProduct(d)).cwiseAbs().maxCoeff() < 1e-15);
  options.beta = 2.0;
  CHECK((information_density(u, x, options) - u.cwiseProduct(d.cwiseAbs2())).cwiseAbs().maxCoeff() <
        1e-15);
  options.beta = 0.0;
  CHECK(information_density(u, x, options) == u);  // beta = 0: plain uncertainty
  // A negative mean cosine is clamped to 0 before the power.
  Eigen::MatrixXd opposite(3, 1);
  opposite << 1, -1, -1;
  options.beta = 0.5;
  const Eigen::VectorXd s = information_density(u, opposite, options);
  CHECK(s(0) == 0.0);  // mean cos = (1 - 1 - 1) / 3 < 0
  CHECK(s(1) == doctest::Approx(0.2 * std::sqrt(1.0 / 3.0)));
  // Similarity, not distance: the central point of a cluster outranks the outlier at equal
  // uncertainty (ALiPy's distance weighting would pick the outlier).
  Eigen::MatrixXd cluster(4, 2);
  cluster << 1, 0.1, 1, 0, 1, -0.1, -1, 0.05;
  const Eigen::VectorXd same = Eigen::VectorXd::Constant(4, 0.5);
  CHECK(labelkit::query::top_k(information_density(same, cluster), 1) ==
        std::vector<Eigen::Index>{1});
}

TEST_CASE("density and information_density: bad input names the argument") {
  Eigen::MatrixXd x(3, 2);
  x << 1, 0, 0, std::nan(""), 1, 1;
  CHECK_THROWS_WITH_AS(
      density(x),
      "labelkit: density(): 'features' has a non-finite value at row 1, column 1 (got nan)",
      labelkit::invalid_argument);
  CHECK_THROWS_AS(density(Eigen::MatrixXd(0, 2)), labelkit::invalid_argument);
  Eigen::MatrixXf infinite = Eigen::MatrixXf::Ones(300, 3);
  infinite(299, 2) = -std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(information_density(Eigen::VectorXf::Ones(300), infinite),
                       "labelkit: information_density(): 'features' has a non-finite value at row "
                       "299, column 2 (got -inf)",
                       labelkit::invalid_argument);
  DensityOptions euclidean_options;
  euclidean_options.similarity = Similarity::euclidean;
  CHECK_THROWS_AS(density(x, euclidean_options), labelkit::invalid_argument);
  DensityOptions options;
  options.beta = -1;
  CHECK_THROWS_AS(density(Eigen::MatrixXd::Ones(2, 2), options), labelkit::invalid_argument);
  options = {};
  options.similarity = Similarity::euclidean;
  options.exact_limit = 1;
  options.reference_size = 0;
  CHECK_THROWS_AS(density(Eigen::MatrixXd::Ones(2, 2), options), labelkit::invalid_argument);
  CHECK_THROWS_AS(information_density(Eigen::VectorXd::Ones(3), Eigen::MatrixXd::Ones(2, 2)),
                  labelkit::dimension_mismatch);
  Eigen::VectorXd u(2);
  u << 0.1, std::nan("");
  CHECK_THROWS_WITH_AS(
      information_density(u, Eigen::MatrixXd::Ones(2, 2)),
      "labelkit: information_density(): 'uncertainty' is not finite at position 1 (got nan)",
      labelkit::invalid_argument);
}

TEST_CASE("information_density_sampling as an ActiveLearner strategy") {
  labelkit::Random random(8);
  Eigen::MatrixXd x;
  std::vector<int> y;
  test_models::make_blobs(30, 3, random, x, y);
  labelkit::ActiveLearner learner(test_models::CentroidModel{}, x,
                                  labelkit::query::information_density_sampling, 1);
  learner.teach(std::vector<Eigen::Index>{0, 30, 60}, std::vector<int>{0, 1, 2});
  const auto picked = learner.query(5);
  // The same by hand: entropy of the unlabeled items times their mean cosine among themselves.
  const auto unlabeled = learner.pool().unlabeled();
  const Eigen::MatrixXd rows = labelkit::select_rows(x, unlabeled);
  const Eigen::VectorXd scores =
      information_density(labelkit::query::entropy(learner.model().predict_proba(rows)), rows);
  std::vector<Eigen::Index> expected;
  for (const Eigen::Index p : labelkit::query::top_k(scores, 5)) {
    expected.push_back(unlabeled[static_cast<std::size_t>(p)]);
  }
  CHECK(picked == expected);
  CHECK(learner.query(5) == picked);  // deterministic given the state
}
