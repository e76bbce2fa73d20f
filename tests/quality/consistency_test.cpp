#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/consistency.hpp"

using labelkit::Annotation;
using labelkit::quality::consistency_checks;
using labelkit::quality::ConsistencyOptions;

TEST_CASE("consistency: repeats, contradictions, single-label and fast annotators, entropy") {
  std::vector<Annotation> a;
  std::vector<double> seconds;
  // Annotator 1 answers item 10 three times (1, 1, 2) and item 11 twice (0, 0).
  for (const int label : {1, 1, 2}) {
    a.push_back({10, 1, label});
    seconds.push_back(5);
  }
  a.push_back({11, 1, 0});
  a.push_back({11, 1, 0});
  seconds.push_back(5);
  seconds.push_back(5);
  // Annotator 2 answers 12 items, always label 0, each in 1 second.
  for (int i = 0; i < 12; ++i) {
    a.push_back({100 + i, 2, 0});
    seconds.push_back(1);
  }
  // Item 50: votes 0, 1, 2 from annotators 3, 4, 5 (maximal entropy); item 51: 0, 0, 1.
  a.push_back({50, 3, 0});
  a.push_back({50, 4, 1});
  a.push_back({50, 5, 2});
  a.push_back({51, 3, 0});
  a.push_back({51, 4, 0});
  a.push_back({51, 5, 1});
  for (int k = 0; k < 6; ++k) seconds.push_back(10);
  const auto r = consistency_checks(a, 3, {}, seconds);
  REQUIRE(r.annotators.size() == 5);
  const auto& one = r.annotators[0];
  CHECK(one.annotator == 1);
  CHECK(one.n_answers == 5);
  CHECK(one.n_items == 2);
  CHECK(one.n_repeated_items == 2);
  CHECK(one.repeat_pairs == 4);    // 3 pairs on item 10, 1 on item 11
  CHECK(one.agreeing_pairs == 2);  // (1, 1) on 10, (0, 0) on 11
  CHECK(one.repeat_agreement == 0.5);
  CHECK(one.n_contradictions == 1);
  CHECK(!one.single_label);
  REQUIRE(r.contradictions.size() == 1);
  CHECK(r.contradictions[0] == labelkit::quality::Contradiction{10, 1, {1, 2}});
  const auto& two = r.annotators[1];
  CHECK(two.single_label);
  CHECK(two.n_fast == 12);
  CHECK(two.too_fast);
  CHECK(two.repeat_agreement == 1.0);
  CHECK(two.label_counts(0) == 12);
  CHECK(!r.annotators[2].single_label);  // too few answers
  // Adjudication: item 50 (entropy 1), item 10 (votes 1, 1, 2: H = 0.6365 / ln 3 = 0.5794),
  // item 51 (0, 0, 1: same). Item 11 (0, 0) has entropy 0.
  REQUIRE(r.adjudication.size() == 3);
  CHECK(r.adjudication[0].item == 50);
  CHECK(r.adjudication[0].entropy == doctest::Approx(1.0));
  const double h = -(2.0 / 3 * std::log(2.0 / 3) + 1.0 / 3 * std::log(1.0 / 3)) / std::log(3.0);
  CHECK(r.adjudication[1] == labelkit::quality::AdjudicationItem{10, h, 3});
  CHECK(r.adjudication[2].item == 51);  // same entropy: lower item id first
  // Without durations, nobody is too fast.
  CHECK(!consistency_checks(a, 3).annotators[1].too_fast);
}

TEST_CASE("consistency_checks rejects bad durations and options") {
  const std::vector<Annotation> a = {{0, 0, 0}, {0, 1, 1}};
  const std::vector<double> short_durations = {1.0};
  CHECK_THROWS_AS(static_cast<void>(consistency_checks(a, 2, {}, short_durations)),
                  labelkit::dimension_mismatch);
  const std::vector<double> negative = {1.0, -3.0};
  CHECK_THROWS_WITH_AS(consistency_checks(a, 2, {}, negative),
                       "labelkit: consistency_checks(): 'durations' record 1 is negative or not "
                       "finite (got -3)",
                       labelkit::invalid_argument);
  ConsistencyOptions options;
  options.entropy_threshold = 2;
  CHECK_THROWS_WITH_AS(consistency_checks(a, 2, options),
                       doctest::Contains("'options.entropy_threshold' must lie in [0, 1]"),
                       labelkit::invalid_argument);
}
