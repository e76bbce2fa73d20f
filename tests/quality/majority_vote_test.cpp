#include <doctest/doctest.h>

#include <Eigen/Core>
#include <array>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/majority_vote.hpp"

using labelkit::Annotation;
using labelkit::quality::majority_vote;
using labelkit::quality::weighted_majority_vote;
using Ids = std::vector<Eigen::Index>;

TEST_CASE("majority_vote counts answers per item, ascending item ids, ties to the lowest label") {
  // Item 40: 2 x label 2, 1 x label 0 -> 2. Item 5: one 1, one 0 -> tie -> 0.
  // Item 12: annotator 9 answers 1 twice (repeats count) and annotator 3 answers 2 -> 1.
  const std::vector<Annotation> a = {{40, 1, 2}, {5, 1, 1}, {40, 3, 2}, {12, 9, 1},
                                     {40, 9, 0}, {5, 3, 0}, {12, 9, 1}, {12, 3, 2}};
  const auto r = majority_vote(a, 3);
  CHECK(r.items == Ids{5, 12, 40});
  CHECK(r.labels == std::vector<int>{0, 1, 2});
  REQUIRE(r.votes.rows() == 3);
  REQUIRE(r.votes.cols() == 3);
  Eigen::MatrixXd expected(3, 3);
  expected << 1, 1, 0,  //
      0, 2, 1,          //
      1, 0, 2;
  CHECK(r.votes == expected);
  CHECK(r.posterior.row(1).isApprox(Eigen::RowVector3d(0, 2.0 / 3, 1.0 / 3)));
}

TEST_CASE("majority_vote accepts a span, a vector and an array, with sparse huge ids") {
  const std::array<Annotation, 3> a = {
      {{1'000'000'000'000, 7, 1}, {1'000'000'000'000, 8, 1}, {0, 1'000'000'000'000, 0}}};
  const auto r = majority_vote(std::span<const Annotation>(a), 2);
  CHECK(r.items == Ids{0, 1'000'000'000'000});
  CHECK(r.labels == std::vector<int>{0, 1});
  const std::vector<Annotation> v(a.begin(), a.end());
  CHECK(majority_vote(v, 2).labels == r.labels);
}

TEST_CASE("majority_vote ties: every class tied picks 0; a three-way tie among 1..3 picks 1") {
  const std::vector<Annotation> a = {{0, 0, 3}, {0, 1, 2}, {0, 2, 1}, {1, 0, 1}, {1, 1, 0}};
  const auto r = majority_vote(a, 4);
  CHECK(r.labels == std::vector<int>{1, 0});
}

TEST_CASE("majority_vote rejects bad input, naming the record") {
  const std::vector<Annotation> ok = {{0, 0, 1}};
  CHECK_THROWS_WITH_AS(majority_vote(ok, 1),
                       "labelkit: majority_vote(): 'n_classes' must be at least 2 (got 1)",
                       labelkit::invalid_argument);
  const std::vector<Annotation> bad_label = {{0, 0, 1}, {1, 0, 2}};
  CHECK_THROWS_WITH_AS(majority_vote(bad_label, 2),
                       "labelkit: majority_vote(): 'annotations' record 1 has a label outside "
                       "[0, 2) (got 2)",
                       labelkit::invalid_argument);
  const std::vector<Annotation> negative_label = {{0, 0, -1}};
  CHECK_THROWS_WITH_AS(majority_vote(negative_label, 2), doctest::Contains("record 0 has a label"),
                       labelkit::error);
  const std::vector<Annotation> negative_item = {{0, 0, 0}, {1, 0, 0}, {-4, 0, 0}};
  CHECK_THROWS_WITH_AS(majority_vote(negative_item, 2),
                       "labelkit: majority_vote(): 'annotations' record 2 has a negative item id "
                       "(got -4)",
                       labelkit::invalid_argument);
  const std::vector<Annotation> negative_annotator = {{0, -1, 0}};
  CHECK_THROWS_WITH_AS(majority_vote(negative_annotator, 2),
                       doctest::Contains("record 0 has a negative annotator id (got -1)"),
                       labelkit::invalid_argument);
}

TEST_CASE("weighted_majority_vote sums weights; a heavy annotator outvotes two light ones") {
  const std::vector<Annotation> a = {{0, 10, 1}, {0, 20, 0}, {0, 30, 0}, {1, 20, 1}};
  const std::vector<labelkit::quality::AnnotatorWeight> w = {{30, 0.5}, {10, 2.0}, {20, 1.0}};
  const auto r = weighted_majority_vote(a, 2, w);
  CHECK(r.labels == std::vector<int>{1, 1});
  CHECK(r.votes(0, 0) == doctest::Approx(1.5));
  CHECK(r.votes(0, 1) == doctest::Approx(2.0));
  // Equal weights reproduce the plain vote.
  const std::vector<labelkit::quality::AnnotatorWeight> equal = {{10, 1}, {20, 1}, {30, 1}};
  CHECK(weighted_majority_vote(a, 2, equal).votes == majority_vote(a, 2).votes);
  // All weights zero: label 0, uniform posterior.
  const std::vector<labelkit::quality::AnnotatorWeight> zero = {{10, 0}, {20, 0}, {30, 0}};
  const auto z = weighted_majority_vote(a, 2, zero);
  CHECK(z.labels == std::vector<int>{0, 0});
  CHECK(z.posterior(1, 1) == doctest::Approx(0.5));
  // Errors.
  const std::vector<labelkit::quality::AnnotatorWeight> missing = {{10, 1}, {20, 1}};
  CHECK_THROWS_WITH_AS(weighted_majority_vote(a, 2, missing),
                       doctest::Contains("names annotator 30 who has no weight"),
                       labelkit::invalid_argument);
  const std::vector<labelkit::quality::AnnotatorWeight> negative = {{10, 1}, {20, -1}, {30, 1}};
  CHECK_THROWS_WITH_AS(weighted_majority_vote(a, 2, negative),
                       doctest::Contains("'weights' record 1 has a weight that is negative"),
                       labelkit::invalid_argument);
  const std::vector<labelkit::quality::AnnotatorWeight> twice = {
      {10, 1}, {20, 1}, {30, 1}, {10, 2}};
  CHECK_THROWS_WITH_AS(weighted_majority_vote(a, 2, twice),
                       doctest::Contains("'weights' record 3 repeats annotator 10"),
                       labelkit::invalid_argument);
}
