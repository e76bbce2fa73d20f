// GLAD with crowd-kit's fixed uniform class priors and its prior mean of b (GladOptions::
// fixed_priors, log_difficulty_mean = 1), against crowd-kit's GLAD (crowd-kit 1.4.1+9, commit
// 35f06615) on its toy and simple fixtures, run once with its defaults:
//   g = GLAD().fit(df); g.labels_, g.alphas_, g.probas_   (rounded to 6 digits)
// The labels must agree; the abilities and posteriors only roughly, since the fits differ
// (first E-step, M-step optimiser, stopping rule: see glad.hpp).
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/glad.hpp"

namespace {

namespace lq = labelkit::quality;

lq::GladOptions glad_crowdkit_options() {
  lq::GladOptions options;
  options.fixed_priors = true;
  options.log_difficulty_mean = 1.0;
  return options;
}

}  // namespace

TEST_CASE(
    "GLAD as crowd-kit runs it: crowd-kit's labels on simple, where learned priors miss one") {
  const auto answers = crowdkit_fixtures::simple_answers();
  const auto truth = crowdkit_fixtures::simple_truth();
  const auto r = lq::glad(answers, 3, glad_crowdkit_options());
  CHECK(r.labels == truth);  // crowd-kit: [0, 0, 1, 2, 0, 2, 1, 1, 2, 2]
  CHECK(r.priors.isApproxToConstant(1.0 / 3));
  const std::vector<double> alphas = {-0.10265, 1.267214, 1.279149, 1.150296, 1.252683, 0.566643};
  for (Eigen::Index j = 0; j < 6; ++j) {
    CHECK(std::abs(r.ability(j) - alphas[static_cast<std::size_t>(j)]) < 0.2);
  }
  CHECK(std::abs(r.posterior(4, 0) - 0.624952) < 0.15);  // the one uncertain task
  // labelkit's defaults (learned priors, b ~ N(0, 1)) get 9 of 10.
  const auto learned = lq::glad(answers, 3);
  int right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) right += learned.labels[i] == truth[i] ? 1 : 0;
  CHECK(right == 9);
}

TEST_CASE("GLAD as crowd-kit runs it: crowd-kit's labels on toy") {
  const auto r = lq::glad(crowdkit_fixtures::toy_answers(), 2, glad_crowdkit_options());
  CHECK(r.labels == crowdkit_fixtures::toy_truth());  // crowd-kit: [1, 1, 0, 1, 0]
  const std::vector<double> alphas = {-0.045833, 1.189965, 1.211067, 0.338454, 0.484081};
  const std::vector<double> p_yes = {0.880169, 0.913477, 0.001135, 0.999999, 0.0};
  for (Eigen::Index j = 0; j < 5; ++j) {
    CHECK(std::abs(r.ability(j) - alphas[static_cast<std::size_t>(j)]) < 0.2);
    CHECK(std::abs(r.posterior(j, 1) - p_yes[static_cast<std::size_t>(j)]) < 0.15);
  }
  CHECK_THROWS_AS(lq::glad(crowdkit_fixtures::toy_answers(), 2, {.log_difficulty_mean = NAN}),
                  labelkit::invalid_argument);
}
