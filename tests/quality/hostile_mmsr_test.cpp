// Hostile input for mmsr(): NaN and infinite options, huge and negative ids, labels out of
// range, empty input. Every refusal is a labelkit::error; nothing yields NaN.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/mmsr.hpp"

namespace {

namespace lq = labelkit::quality;

}  // namespace

TEST_CASE("hostile mmsr: NaN and infinite options are refused") {
  const std::vector<labelkit::Annotation> crowd = {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(lq::mmsr(crowd, 2, {.tolerance = nan}), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::mmsr(crowd, 2, {.tolerance = inf}), labelkit::invalid_argument);
  for (const double bad : {nan, inf, -1.0, 0.0}) {
    lq::MmsrOptions options;
    options.start = {1.0, bad};
    CHECK_THROWS_AS(lq::mmsr(crowd, 2, options), labelkit::invalid_argument);
  }
}

TEST_CASE("hostile mmsr: huge ids, bad labels, empty input") {
  const auto big = std::numeric_limits<Eigen::Index>::max();
  const std::vector<labelkit::Annotation> huge = {
      {big, big, 0}, {big, 0, 1}, {0, big, 0}, {0, 0, 0}, {big - 1, 0, 1}};
  const auto r = lq::mmsr(huge, 2);
  CHECK(r.items == std::vector<Eigen::Index>{0, big - 1, big});
  CHECK(r.skills.allFinite());
  CHECK(r.posterior.allFinite());
  CHECK(r.label_of(big).has_value());
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{-1, 0, 0}}, 2), labelkit::error);
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{0, -1, 0}}, 2), labelkit::error);
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{0, 0, 2}}, 2), labelkit::error);
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{0, 0, -1}}, 2), labelkit::error);
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{0, 0, 0}}, 0), labelkit::error);
  CHECK_THROWS_AS(lq::mmsr(std::vector<labelkit::Annotation>{{0, 0, 0}}, -3), labelkit::error);
  const auto empty = lq::mmsr(std::vector<labelkit::Annotation>{}, 2);
  CHECK(empty.items.empty());
  CHECK(empty.annotators.empty());
  CHECK(empty.skills.size() == 0);
  CHECK(empty.posterior.rows() == 0);
}

TEST_CASE("hostile mmsr: annotators who share nothing and all-disagreeing pairs stay finite") {
  // Two annotators on disjoint items (F = -1), and a pair that always disagrees (C < 0 only).
  const std::vector<labelkit::Annotation> apart = {{0, 0, 0}, {1, 1, 1}, {2, 2, 0},
                                                   {2, 3, 1}, {3, 2, 1}, {3, 3, 0}};
  const auto r = lq::mmsr(apart, 2);
  CHECK(r.skills.allFinite());
  CHECK(r.posterior.allFinite());
  CHECK(r.scores.allFinite());
  CHECK(r.labels.size() == 4);
}
