#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/regressor.hpp"
#include "labelkit/query/regression.hpp"
#include "labelkit/query/select.hpp"

namespace {

using RegIndices = std::vector<Eigen::Index>;
using RegRowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A probabilistic regressor that reads its prediction from the pool: column 0 is the mean,
// column 1 the standard deviation. Templated so row-major pools work as they are.
struct RegTableGaussian {
  int predictions = 0;  // how many times the pool was predicted
  template <class Derived>
  void fit(const Eigen::MatrixBase<Derived>&, const Eigen::VectorXd&) {}
  template <class Derived>
  Eigen::VectorXd predict(const Eigen::MatrixBase<Derived>& x) {
    ++predictions;
    return x.col(0);
  }
  template <class Derived>
  Eigen::VectorXd predict_std(const Eigen::MatrixBase<Derived>& x) const {
    return x.col(1);
  }
};

// A committee whose members' predictions are the pool's columns; the mean is their average.
struct RegTableCommittee {
  void fit(const Eigen::MatrixXd&, const Eigen::VectorXd&) {}
  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const { return x.rowwise().mean(); }
  Eigen::MatrixXd predict_members(const Eigen::MatrixXd& x) const { return x; }
};

// A constant regressor (used as a committee member).
struct RegConstant {
  double value = 0;
  void fit(const Eigen::MatrixXd&, const Eigen::VectorXd&) {}
  Eigen::VectorXd predict(const Eigen::MatrixXd& x) const {
    return Eigen::VectorXd::Constant(x.rows(), value);
  }
};

// Missing pieces, for the concept checks.
struct RegNoPredict {
  void fit(const Eigen::MatrixXd&, const Eigen::VectorXd&) {}
};
struct RegClassifierOnly {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    return Eigen::MatrixXd::Constant(x.rows(), 2, 0.5);
  }
};

// The pool of the acquisition fixtures: (mean, std) per item.
Eigen::MatrixXd reg_acquisition_pool() {
  Eigen::MatrixXd pool(6, 2);
  pool << 0.5, 0.1, /**/ 1.2, 0.5, /**/ -0.3, 1.0, /**/ 2.0, 2.0, /**/ 1.0, 0.3, /**/ 1.05, 0.05;
  return pool;
}

// Expected values from modAL's formulas (modAL/acquisition.py; modAL is not installed here, so
// its three formulas are transcribed), computed once with Debian's python3-scipy 1.10.1:
//
//   import numpy as np
//   from scipy.stats import norm
//   from scipy.special import ndtr
//   mean = np.array([0.5, 1.2, -0.3, 2.0, 1.0, 1.05])
//   std = np.array([0.1, 0.5, 1.0, 2.0, 0.3, 0.05])
//   y_max = 1.0
//   def PI(m, s, y, t): return ndtr((m - y - t) / s)
//   def EI(m, s, y, t):
//       z = (m - y - t) / s
//       return (m - y - t) * ndtr(z) + s * norm.pdf(z)
//   def UCB(m, s, b): return m + b * s
//   for t in (0.0, 0.1): print(PI(mean, std, y_max, t), EI(mean, std, y_max, t))
//   for b in (1.0, 2.5): print(UCB(mean, std, b))
const std::vector<double> reg_pi_0 = {
    2.866515718791933e-07, 0.6554217416103241, 0.09680048458561036, 0.6914624612740131, 0.5,
    0.8413447460685431};
const std::vector<double> reg_ei_0 = {5.346165533833188e-09, 0.3152194184737265,
                                      0.045527962086513885,  1.3955931148026122,
                                      0.1196826841204298,    0.05416577352938435};
const std::vector<double> reg_pi_1 = {9.865876450377018e-10, 0.579259709439103,
                                      0.08075665923377107,   0.67364477971208,
                                      0.3694413401817636,    0.15865525393145724};
const std::vector<double> reg_ei_1 = {1.5635697959709734e-11, 0.2534473179316382,
                                      0.03666814270846534,    1.327334226664168,
                                      0.07627083428972159,    0.004165773529384322};

void reg_check_close(const Eigen::VectorXd& got, const std::vector<double>& expected,
                     double epsilon) {
  REQUIRE(got.size() == static_cast<Eigen::Index>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(got(static_cast<Eigen::Index>(i)) == doctest::Approx(expected[i]).epsilon(epsilon));
  }
}

template <class F>
std::string reg_message_of(F&& f) {
  try {
    f();
  } catch (const labelkit::error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Regressor concepts detect fit/predict, predict_std and predict_members") {
  using X = Eigen::MatrixXd;
  static_assert(labelkit::Regressor<RegTableGaussian, X>);
  static_assert(labelkit::ProbabilisticRegressor<RegTableGaussian, X>);
  static_assert(labelkit::ProbabilisticRegressor<RegTableGaussian, RegRowMajor>);
  static_assert(!labelkit::CommitteeRegressor<RegTableGaussian, X>);
  static_assert(labelkit::CommitteeRegressor<RegTableCommittee, X>);
  static_assert(!labelkit::ProbabilisticRegressor<RegTableCommittee, X>);
  static_assert(labelkit::CopyableRegressor<RegConstant, X>);
  static_assert(!labelkit::ProbabilisticRegressor<RegConstant, X>);
  static_assert(!labelkit::Regressor<RegNoPredict, X>);
  // A classifier is not a regressor, and a regressor is not a classifier.
  static_assert(!labelkit::Regressor<RegClassifierOnly, X>);
  static_assert(!labelkit::Model<RegConstant, X>);
  static_assert(labelkit::check_probabilistic_regressor<RegTableGaussian, X>());
  CHECK(labelkit::check_regressor<RegConstant, X>());
}

TEST_CASE("PI, EI and UCB match modAL's formulas") {
  const Eigen::MatrixXd pool = reg_acquisition_pool();
  const Eigen::VectorXd mean = pool.col(0);
  const Eigen::VectorXd std_dev = pool.col(1);
  using labelkit::query::expected_improvement;
  using labelkit::query::probability_of_improvement;
  using labelkit::query::upper_confidence_bound;
  reg_check_close(probability_of_improvement(mean, std_dev, 1.0), reg_pi_0, 1e-13);
  reg_check_close(probability_of_improvement(mean, std_dev, 1.0, 0.1), reg_pi_1, 1e-13);
  // EI's two terms cancel for z << 0 (item 0: z = -5, about 30x), so the first entry gets a
  // looser relative tolerance.
  reg_check_close(expected_improvement(mean, std_dev, 1.0), reg_ei_0, 1e-11);
  reg_check_close(expected_improvement(mean, std_dev, 1.0, 0.1), reg_ei_1, 1e-10);
  reg_check_close(upper_confidence_bound(mean, std_dev), {0.6, 1.7, 0.7, 4.0, 1.3, 1.1}, 1e-15);
  reg_check_close(upper_confidence_bound(mean, std_dev, 2.5), {0.75, 2.45, 2.2, 7.0, 1.75, 1.175},
                  1e-15);
  // Row vectors and float work; the scalar follows the mean.
  const Eigen::RowVectorXf mean_f = mean.transpose().cast<float>();
  const Eigen::RowVectorXf std_f = std_dev.transpose().cast<float>();
  const auto pi_f = probability_of_improvement(mean_f, std_f, 1.0);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(pi_f)>, Eigen::VectorXf>);
  CHECK(pi_f(1) == doctest::Approx(reg_pi_0[1]).epsilon(1e-6));
  // Empty input gives empty scores.
  CHECK(expected_improvement(Eigen::VectorXd(0), Eigen::VectorXd(0), 0.0).size() == 0);
}

TEST_CASE("PI and EI at sigma = 0 take the limit where modAL divides by zero") {
  Eigen::VectorXd mean(3);
  mean << 2.0, 1.0, 0.5;
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(3);
  const Eigen::VectorXd pi = labelkit::query::probability_of_improvement(mean, zero, 1.0);
  CHECK(pi(0) == 1.0);
  CHECK(pi(1) == 0.0);  // no strict improvement
  CHECK(pi(2) == 0.0);
  const Eigen::VectorXd ei = labelkit::query::expected_improvement(mean, zero, 1.0);
  CHECK(ei(0) == 1.0);
  CHECK(ei(1) == 0.0);
  CHECK(ei(2) == 0.0);
  // The limit is continuous: a tiny sigma gives nearly the same values.
  const Eigen::VectorXd tiny = Eigen::VectorXd::Constant(3, 1e-12);
  const Eigen::VectorXd ei_tiny = labelkit::query::expected_improvement(mean, tiny, 1.0);
  CHECK(ei_tiny(0) == doctest::Approx(1.0));
  CHECK(ei_tiny(2) == doctest::Approx(0.0));
}

TEST_CASE("EI equals a brute-force integral of the improvement") {
  // EI = integral of (y - y* - xi) N(y; mu, sigma^2) over y > y* + xi, and PI the mass there,
  // by the midpoint rule from y* + xi (or mu - 12 sigma if higher) to mu + 12 sigma.
  Eigen::VectorXd mean(4);
  mean << 0.3, 1.0, 1.7, -2.0;
  Eigen::VectorXd std_dev(4);
  std_dev << 0.4, 1.5, 0.2, 3.0;
  const double y_max = 1.1;
  const double xi = 0.05;
  const Eigen::VectorXd ei = labelkit::query::expected_improvement(mean, std_dev, y_max, xi);
  const Eigen::VectorXd pi = labelkit::query::probability_of_improvement(mean, std_dev, y_max, xi);
  for (Eigen::Index i = 0; i < 4; ++i) {
    const int steps = 200000;
    const double low = std::max(mean(i) - 12 * std_dev(i), y_max + xi);
    const double h = (mean(i) + 12 * std_dev(i) - low) / steps;
    double integral = 0;
    double mass = 0;
    for (int s = 0; s < steps; ++s) {
      const double y = low + (s + 0.5) * h;
      const double u = (y - mean(i)) / std_dev(i);
      const double density =
          std::exp(-0.5 * u * u) / (std_dev(i) * std::sqrt(2 * std::numbers::pi));
      integral += (y - y_max - xi) * density * h;
      mass += density * h;
    }
    CAPTURE(i);
    CHECK(ei(i) == doctest::Approx(integral).epsilon(1e-6));
    CHECK(pi(i) == doctest::Approx(mass).epsilon(1e-6));
  }
}

TEST_CASE("acquisition scores reject non-finite input, negative std and mismatched lengths") {
  using labelkit::query::expected_improvement;
  using labelkit::query::probability_of_improvement;
  using labelkit::query::upper_confidence_bound;
  Eigen::VectorXd mean(3);
  mean << 0.0, 1.0, 2.0;
  Eigen::VectorXd std_dev(3);
  std_dev << 1.0, 1.0, 1.0;
  Eigen::VectorXd bad = mean;
  bad(1) = std::numeric_limits<double>::quiet_NaN();
  CHECK(reg_message_of([&] { (void)probability_of_improvement(bad, std_dev, 0.0); }) ==
        "labelkit: probability_of_improvement(): 'mean' has a non-finite value at item 1 (got "
        "nan)");
  Eigen::VectorXd negative = std_dev;
  negative(2) = -0.5;
  CHECK(reg_message_of([&] { (void)expected_improvement(mean, negative, 0.0); }) ==
        "labelkit: expected_improvement(): 'std' is negative at item 2 (got -0.5, expected >= 0)");
  Eigen::VectorXd infinite = std_dev;
  infinite(0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS((void)upper_confidence_bound(mean, infinite), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)upper_confidence_bound(mean, std_dev.head(2)),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_AS((void)upper_confidence_bound(Eigen::MatrixXd::Ones(2, 2), std_dev),
                  labelkit::dimension_mismatch);
  CHECK(reg_message_of([&] {
          (void)expected_improvement(mean, std_dev, std::numeric_limits<double>::infinity());
        }) == "labelkit: expected_improvement(): 'y_max' is not finite (got inf)");
  CHECK_THROWS_AS((void)probability_of_improvement(mean, std_dev, 0.0,
                                                   std::numeric_limits<double>::quiet_NaN()),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(
      (void)upper_confidence_bound(mean, std_dev, -std::numeric_limits<double>::infinity()),
      labelkit::invalid_argument);
}

TEST_CASE("max PI / EI / UCB sampling return the top-k positions, ties to the lower one") {
  const Eigen::MatrixXd pool = reg_acquisition_pool();
  RegTableGaussian model;
  using labelkit::query::max_ei_sampling;
  using labelkit::query::max_pi_sampling;
  using labelkit::query::max_ucb_sampling;
  // PI (xi = 0): 0.841 (5), 0.691 (3), 0.655 (1), 0.5 (4), 0.097 (2), ...
  CHECK(max_pi_sampling(model, pool, 3, 1.0) == RegIndices{5, 3, 1});
  CHECK(max_pi_sampling(model, pool, 2, 1.0, 0.1) == RegIndices{3, 1});
  CHECK(max_ei_sampling(model, pool, 4, 1.0) == RegIndices{3, 1, 4, 5});
  CHECK(max_ucb_sampling(model, pool, 2) == RegIndices{3, 1});
  CHECK(max_ucb_sampling(model, pool, 3, 2.5) == RegIndices{3, 1, 2});
  CHECK(model.predictions == 5);  // one prediction of the pool per call
  // The same as top_k over the score, for every k.
  const Eigen::VectorXd ei = labelkit::query::expected_improvement(pool.col(0), pool.col(1), 1.0);
  for (Eigen::Index k = 0; k <= 8; ++k) {
    CHECK(max_ei_sampling(model, pool, k, 1.0) == labelkit::query::top_k(ei, k));
  }
  // Row-major pools work as they are.
  const RegRowMajor pool_rm = pool;
  CHECK(max_pi_sampling(model, pool_rm, 3, 1.0) == RegIndices{5, 3, 1});
  // Ties go to the lower position: items 0 and 2 have equal UCB.
  Eigen::MatrixXd tied(3, 2);
  tied << 1.0, 0.5, /**/ 0.5, 0.5, /**/ 1.0, 0.5;
  CHECK(max_ucb_sampling(model, tied, 2) == RegIndices{0, 2});
  // Empty pool, k = 0, k > n.
  CHECK(max_ei_sampling(model, Eigen::MatrixXd(0, 2), 3, 1.0).empty());
  CHECK(max_ucb_sampling(model, pool, 0).empty());
  CHECK(max_ucb_sampling(model, pool, 100).size() == 6);
  CHECK(reg_message_of([&] { (void)max_pi_sampling(model, pool, -1, 1.0); }) ==
        "labelkit: max_pi_sampling(): 'k' is negative (got -1, expected k >= 0)");
}

TEST_CASE("sampling rejects a model whose predictions do not fit the pool") {
  struct ShortModel {
    void fit(const Eigen::MatrixXd&, const Eigen::VectorXd&) {}
    Eigen::VectorXd predict(const Eigen::MatrixXd& x) const { return x.col(0); }
    Eigen::VectorXd predict_std(const Eigen::MatrixXd& x) const {
      return x.col(1).head(x.rows() - 1);
    }
  };
  ShortModel model;
  const Eigen::MatrixXd pool = reg_acquisition_pool();
  CHECK(reg_message_of([&] { (void)labelkit::query::max_ei_sampling(model, pool, 1, 0.0); }) ==
        "labelkit: max_ei_sampling(): the model's 'predict_std' returned 5 values (expected 6, "
        "one per pool item)");
  CHECK_THROWS_AS((void)labelkit::query::max_std_sampling(model, pool, 1),
                  labelkit::dimension_mismatch);
  RegTableGaussian gaussian;
  Eigen::MatrixXd negative = pool;
  negative(4, 1) = -1.0;
  CHECK(reg_message_of([&] { (void)labelkit::query::max_std_sampling(gaussian, negative, 1); }) ==
        "labelkit: max_std_sampling(): 'predict_std' is negative at item 4 (got -1, expected >= "
        "0)");
}

TEST_CASE("committee std is numpy's population std of the members' predictions") {
  // numpy: np.std(vote, axis=1) with
  //   vote = [[1, 2, 4], [0.5, 0.5, 0.5], [-1, 0, 3], [2, 2.5, 1]]
  // -> [1.247219128924647, 0.0, 1.699673171197595, 0.6236095644623235]
  Eigen::MatrixXd vote(4, 3);
  vote << 1, 2, 4, /**/ 0.5, 0.5, 0.5, /**/ -1, 0, 3, /**/ 2, 2.5, 1;
  const Eigen::VectorXd s = labelkit::query::committee_std(vote);
  reg_check_close(s, {1.247219128924647, 0.0, 1.699673171197595, 0.6236095644623235}, 1e-14);
  CHECK(s(1) == 0.0);  // equal predictions: exactly 0
  // Brute force: sqrt of the mean squared deviation, one item at a time.
  for (Eigen::Index i = 0; i < 4; ++i) {
    const double mu = vote.row(i).mean();
    double ss = 0;
    for (Eigen::Index m = 0; m < 3; ++m) ss += (vote(i, m) - mu) * (vote(i, m) - mu);
    CHECK(s(i) == doctest::Approx(std::sqrt(ss / 3)).epsilon(1e-15));
  }
  // Invariances: member order, a shift of every prediction, row-major storage.
  Eigen::MatrixXd swapped = vote;
  swapped.col(0).swap(swapped.col(2));
  CHECK(labelkit::query::committee_std(swapped).isApprox(s, 1e-15));
  const Eigen::MatrixXd shifted = vote.array() + 1000.0;
  CHECK(labelkit::query::committee_std(shifted).isApprox(s, 1e-12));
  const RegRowMajor vote_rm = vote;
  CHECK(labelkit::query::committee_std(vote_rm) == s);
  // One member: no disagreement.
  CHECK(labelkit::query::committee_std(vote.leftCols(1)).isZero(0.0));
  CHECK(reg_message_of([&] { (void)labelkit::query::committee_std(Eigen::MatrixXd(3, 0)); }) ==
        "labelkit: committee_std(): 'predictions' has 0 columns (expected one per committee "
        "member)");
  Eigen::MatrixXd bad = vote;
  bad(2, 1) = std::numeric_limits<double>::infinity();
  CHECK(reg_message_of([&] { (void)labelkit::query::committee_std(bad); }) ==
        "labelkit: committee_std(): 'predictions' has a non-finite value at row 2, column 1 (got "
        "inf)");
}

TEST_CASE("max-std sampling for a probabilistic regressor and for committees") {
  const Eigen::MatrixXd pool = reg_acquisition_pool();
  RegTableGaussian gaussian;
  // std = 0.1, 0.5, 1.0, 2.0, 0.3, 0.05
  CHECK(labelkit::query::max_std_sampling(gaussian, pool, 3) == RegIndices{3, 2, 1});
  CHECK(labelkit::query::max_std_sampling(gaussian, pool, 0).empty());
  CHECK_THROWS_AS((void)labelkit::query::max_std_sampling(gaussian, pool, -2),
                  labelkit::invalid_argument);

  Eigen::MatrixXd vote(4, 3);
  vote << 1, 2, 4, /**/ 0.5, 0.5, 0.5, /**/ -1, 0, 3, /**/ 2, 2.5, 1;
  RegTableCommittee committee;
  // std = 1.247, 0, 1.700, 0.624
  CHECK(labelkit::query::max_std_sampling(committee, vote, 4) == RegIndices{2, 0, 3, 1});

  std::vector<RegConstant> members = {{1.0}, {3.0}, {2.0}};
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(5, 2);
  const Eigen::MatrixXd predictions = labelkit::query::committee_predictions(members, x);
  CHECK(predictions.rows() == 5);
  CHECK(predictions.row(4) == Eigen::RowVector3d(1.0, 3.0, 2.0));
  // Constant members disagree equally everywhere: ties go to the lower positions.
  CHECK(labelkit::query::committee_max_std_sampling(members, x, 2) == RegIndices{0, 1});
  std::vector<RegConstant> none;
  CHECK(reg_message_of([&] { (void)labelkit::query::committee_max_std_sampling(none, x, 1); }) ==
        "labelkit: committee_max_std_sampling(): 'members' is empty (expected at least one "
        "committee member)");
}
