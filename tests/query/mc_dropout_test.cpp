#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/mc_dropout.hpp"
#include "labelkit/query/uncertainty.hpp"

using labelkit::query::mean_probability_variation_ratios;
using labelkit::query::mean_standard_deviation;
using labelkit::query::variation_ratios;

namespace {

// Three passes over four items and three classes. Expected values from Debian's numpy 1.24.2,
// following modAL's dropout.py (commit 855be418) formula by formula:
//
//   stacked = np.stack(passes, axis=2)
//   np.mean(np.std(stacked, axis=-1), axis=-1)          # _mean_standard_deviation
//   1 - np.amax(np.mean(stacked, axis=-1), axis=-1)     # _variation_ratios
//   votes[i, c] = #passes with np.argmax(p[i]) == c;  1 - votes.max(axis=1) / 3   # Gal et al.
std::vector<Eigen::MatrixXd> three_passes() {
  Eigen::MatrixXd a(4, 3);
  Eigen::MatrixXd b(4, 3);
  Eigen::MatrixXd c(4, 3);
  a << 0.7, 0.2, 0.1, 0.4, 0.4, 0.2, 0.1, 0.3, 0.6, 1.0, 0.0, 0.0;
  b << 0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.5, 0.3, 0.2, 1.0, 0.0, 0.0;
  c << 0.3, 0.6, 0.1, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6, 0.9, 0.1, 0.0;
  return {a, b, c};
}

}  // namespace

TEST_CASE("mean standard deviation matches modAL's mc_dropout_mean_st") {
  const auto passes = three_passes();
  const Eigen::VectorXd s = mean_standard_deviation(passes);
  REQUIRE(s.size() == 4);
  CHECK(s(0) == doctest::Approx(0.11331154474650633).epsilon(1e-14));
  CHECK(s(1) == doctest::Approx(0.08164965809277261).epsilon(1e-14));
  CHECK(s(2) == doctest::Approx(0.13522319250509177).epsilon(1e-14));
  CHECK(s(3) == doctest::Approx(0.03142696805273545).epsilon(1e-14));
  // One pass, or identical passes: no spread.
  CHECK(mean_standard_deviation(std::vector<Eigen::MatrixXd>{passes[0]}).isZero());
  CHECK(mean_standard_deviation(std::vector<Eigen::MatrixXd>{passes[1], passes[1]}).isZero());
}

TEST_CASE("variation ratios: Gal et al.'s vote form and modAL's mean-probability form") {
  const auto passes = three_passes();
  const Eigen::VectorXd votes = variation_ratios(passes);
  CHECK(votes(0) == doctest::Approx(1.0 / 3.0));
  CHECK(votes(1) == doctest::Approx(2.0 / 3.0));  // three passes, three different classes
  CHECK(votes(2) == doctest::Approx(1.0 / 3.0));
  CHECK(votes(3) == 0.0);
  const Eigen::VectorXd mean = mean_probability_variation_ratios(passes);
  CHECK(mean(0) == doctest::Approx(0.4666666666666667).epsilon(1e-14));
  CHECK(mean(1) == doctest::Approx(0.6000000000000001).epsilon(1e-14));
  CHECK(mean(2) == doctest::Approx(0.5333333333333334).epsilon(1e-14));
  CHECK(mean(3) == doctest::Approx(0.033333333333333326).epsilon(1e-12));
  // modAL's form is the least confidence of the mean prediction.
  const Eigen::MatrixXd average = (passes[0] + passes[1] + passes[2]) / 3.0;
  CHECK(mean.isApprox(labelkit::query::least_confidence(average)));
}

TEST_CASE("MC-dropout measures take float passes and feed committee sampling") {
  std::vector<Eigen::MatrixXf> passes;
  for (const auto& p : three_passes()) passes.push_back(p.cast<float>());
  const Eigen::VectorXf s = mean_standard_deviation(passes);
  CHECK(s(2) == doctest::Approx(0.13522319).epsilon(1e-6));
  const Eigen::VectorXf v = variation_ratios(passes);
  CHECK(v(1) == doctest::Approx(2.0 / 3.0).epsilon(1e-6));
  static_assert(sizeof(labelkit::query::variation_ratio_sampling) > 0);
  static_assert(sizeof(labelkit::query::mean_standard_deviation_sampling) > 0);
}

TEST_CASE("MC-dropout measures refuse bad passes") {
  CHECK_THROWS_WITH_AS((void)variation_ratios(std::vector<Eigen::MatrixXd>{}),
                       "labelkit: variation_ratios(): 'passes' is empty (expected at least one "
                       "forward pass)",
                       labelkit::invalid_argument);
  auto passes = three_passes();
  passes[2] = Eigen::MatrixXd::Constant(3, 3, 1.0 / 3.0);
  CHECK_THROWS_AS((void)mean_standard_deviation(passes), labelkit::dimension_mismatch);
  passes = three_passes();
  passes[1](2, 0) = 0.9;  // row 2 sums to 1.4
  CHECK_THROWS_AS((void)mean_probability_variation_ratios(passes), labelkit::invalid_argument);
}
