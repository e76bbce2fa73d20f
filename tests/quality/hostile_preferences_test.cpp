#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/preferences.hpp"

using labelkit::Comparison;
using labelkit::Winner;

TEST_CASE("preference aggregators reject hostile comparisons, naming the record") {
  using labelkit::quality::bradley_terry;
  using labelkit::quality::noisy_bradley_terry;
  const std::vector<Comparison> self = {{0, 1, 2, Winner::left}, {0, 4, 4, Winner::left}};
  CHECK_THROWS_WITH_AS(bradley_terry(self, {}),
                       "labelkit: bradley_terry(): 'comparisons' record 1 compares item 4 with "
                       "itself (expected two different items)",
                       labelkit::invalid_argument);
  const std::vector<Comparison> negative = {{-1, 1, 2, Winner::left}};
  CHECK_THROWS_AS(noisy_bradley_terry(negative, {}), labelkit::invalid_argument);
  const std::vector<Comparison> negative_item = {{0, 1, -2, Winner::left}};
  CHECK_THROWS_AS(bradley_terry(negative_item, {}), labelkit::invalid_argument);
  const std::vector<Comparison> bad_winner = {{0, 1, 2, static_cast<Winner>(7)}};
  CHECK_THROWS_WITH_AS(bradley_terry(bad_winner, {}),
                       "labelkit: bradley_terry(): 'comparisons' record 0 has winner 7 (expected "
                       "Winner::left, Winner::right or Winner::tie)",
                       labelkit::invalid_argument);
  const std::vector<Comparison> ok = {{0, 1, 2, Winner::left}};
  labelkit::quality::BradleyTerryOptions b;
  b.max_iterations = -1;
  CHECK_THROWS_AS(bradley_terry(ok, b), labelkit::invalid_argument);
  b = {};
  b.tolerance = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(bradley_terry(ok, b), labelkit::invalid_argument);
  b = {};
  b.ties = static_cast<labelkit::quality::TieRule>(9);
  CHECK_THROWS_AS(bradley_terry(ok, b), labelkit::invalid_argument);
  labelkit::quality::NoisyBradleyTerryOptions n;
  n.regularization = -1;
  CHECK_THROWS_AS(noisy_bradley_terry(ok, n), labelkit::invalid_argument);
  n = {};
  n.initial_skill_logit = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(noisy_bradley_terry(ok, n), labelkit::invalid_argument);
  n = {};
  n.tolerance = -1;
  CHECK_THROWS_AS(noisy_bradley_terry(ok, n), labelkit::invalid_argument);
}

TEST_CASE("preference aggregators stay finite on huge sparse ids and one-sided graphs") {
  // One item beats every other many times: Bradley-Terry gives it all the mass in the limit,
  // NoisyBT's penalty keeps every logit finite.
  std::vector<Comparison> d;
  const Eigen::Index big = std::numeric_limits<Eigen::Index>::max();
  for (int k = 0; k < 50; ++k) d.push_back({big, big, k, Winner::left});
  const auto r = labelkit::quality::bradley_terry(d, {});
  CHECK(r.items.back() == big);
  CHECK(r.ranking.front() == big);
  CHECK(r.scores.allFinite());
  const auto n = labelkit::quality::noisy_bradley_terry(d, {});
  CHECK(n.scores.allFinite());
  CHECK(n.ranking.front() == big);
  CHECK(n.annotators.size() == 1);
}
