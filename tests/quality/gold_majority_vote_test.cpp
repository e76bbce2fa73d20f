// Weighted majority vote's handling of annotators without a weight, and gold majority vote,
// pinned to crowd-kit's fixtures (tests/quality/crowdkit_fixtures.hpp). Expected values come
// from crowd-kit 1.4.1+9 (commit 35f06615), run once:
//   from crowdkit.aggregation import MajorityVote, GoldMajorityVote
//   skills = data_mv.simple_skills_result_mv().drop('0c3eb7d5fcc414db137c4180a654c06e')
//   mv = MajorityVote(on_missing_skill=mode, default_skill=default).fit(simple_answers_df, skills)
//   mv.labels_, mv.probas_   (mode, default) in ('value', 1e6), ('value', 0.25), ('ignore', None)
//   g = GoldMajorityVote().fit(df, gold); g.labels_, g.skills_, g.predict_proba(df)
// with the probabilities printed rounded to 12 digits.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/majority_vote.hpp"

namespace {

using labelkit::Annotation;
namespace lq = labelkit::quality;

// data_mv.simple_skills_result_mv without worker 0 (0c3eb7d5...).
std::vector<lq::AnnotatorWeight> gold_mv_test_simple_skills_without_0() {
  return {{1, 1.0}, {2, 1.0}, {3, 1.0}, {4, 1.0}, {5, 0.666667}};
}

void gold_mv_test_check_posterior(const Eigen::MatrixXd& actual,
                                  const std::vector<std::vector<double>>& expected) {
  REQUIRE(actual.rows() == static_cast<Eigen::Index>(expected.size()));
  for (Eigen::Index i = 0; i < actual.rows(); ++i) {
    const auto& row = expected[static_cast<std::size_t>(i)];
    REQUIRE(actual.cols() == static_cast<Eigen::Index>(row.size()));
    for (Eigen::Index k = 0; k < actual.cols(); ++k) {
      CHECK(actual(i, k) == doctest::Approx(row[static_cast<std::size_t>(k)]).epsilon(1e-10));
    }
  }
}

}  // namespace

TEST_CASE("weighted majority vote: a missing weight is an error by default, naming the record") {
  const auto answers = crowdkit_fixtures::simple_answers();
  const auto skills = gold_mv_test_simple_skills_without_0();
  CHECK_THROWS_WITH_AS(lq::weighted_majority_vote(answers, 3, skills),
                       doctest::Contains("'annotations' record 21 names annotator 0 who has no "
                                         "weight"),
                       labelkit::invalid_argument);
}

TEST_CASE("weighted majority vote, MissingWeight::value, matches crowd-kit on 'simple'") {
  const auto answers = crowdkit_fixtures::simple_answers();
  const auto skills = gold_mv_test_simple_skills_without_0();
  // crowd-kit's test_majority_vote_with_missing_skills_value: a huge default weight makes
  // worker 0's answer (parrot) win on every task it answered.
  const auto big = lq::weighted_majority_vote(
      answers, 3, skills, {.on_missing = lq::MissingWeight::value, .default_weight = 1000000});
  CHECK(big.labels == std::vector<int>{2, 0, 2, 2, 2, 2, 1, 2, 2, 2});
  gold_mv_test_check_posterior(big.posterior, {{1.999996e-06, 0.0, 0.999998000004},
                                               {0.818181743802, 0.181818256198, 0.0},
                                               {0.0, 2.999991e-06, 0.999997000009},
                                               {0.0, 0.0, 1.0},
                                               {9.99998e-07, 6.66666e-07, 0.999998333336},
                                               {0.0, 0.0, 1.0},
                                               {0.0, 1.0, 0.0},
                                               {0.0, 1.999996e-06, 0.999998000004},
                                               {0.0, 0.0, 1.0},
                                               {0.0, 0.0, 1.0}});
  const auto quarter = lq::weighted_majority_vote(
      answers, 3, skills, {.on_missing = lq::MissingWeight::value, .default_weight = 0.25});
  CHECK(quarter.labels == std::vector<int>{0, 0, 1, 2, 0, 2, 1, 1, 2, 2});
  gold_mv_test_check_posterior(quarter.posterior, {{0.888888888889, 0.0, 0.111111111111},
                                                   {0.818181743802, 0.181818256198, 0.0},
                                                   {0.0, 0.923076923077, 0.076923076923},
                                                   {0.0, 0.0, 1.0},
                                                   {0.521739039698, 0.347826200378, 0.130434759924},
                                                   {0.0, 0.0, 1.0},
                                                   {0.0, 1.0, 0.0},
                                                   {0.0, 0.888888888889, 0.111111111111},
                                                   {0.0, 0.0, 1.0},
                                                   {0.0, 0.0, 1.0}});
  CHECK(quarter.annotators == std::vector<Eigen::Index>{0, 1, 2, 3, 4, 5});
  CHECK_THROWS_AS(
      lq::weighted_majority_vote(answers, 3, skills,
                                 {.on_missing = lq::MissingWeight::value, .default_weight = -1}),
      labelkit::invalid_argument);
}

TEST_CASE("weighted majority vote, MissingWeight::ignore, matches crowd-kit on 'simple'") {
  const auto answers = crowdkit_fixtures::simple_answers();
  const auto r = lq::weighted_majority_vote(answers, 3, gold_mv_test_simple_skills_without_0(),
                                            {.on_missing = lq::MissingWeight::ignore});
  CHECK(r.labels == std::vector<int>{0, 0, 1, 2, 0, 2, 1, 1, 2, 2});
  gold_mv_test_check_posterior(r.posterior, {{1.0, 0.0, 0.0},
                                             {0.818181743802, 0.181818256198, 0.0},
                                             {0.0, 1.0, 0.0},
                                             {0.0, 0.0, 1.0},
                                             {0.59999988, 0.40000012, 0.0},
                                             {0.0, 0.0, 1.0},
                                             {0.0, 1.0, 0.0},
                                             {0.0, 1.0, 0.0},
                                             {0.0, 0.0, 1.0},
                                             {0.0, 0.0, 1.0}});
  // As crowd-kit's skills_ index (test_majority_vote_with_missing_skills_ignore): the dropped
  // annotator is not listed.
  CHECK(r.annotators == std::vector<Eigen::Index>{1, 2, 3, 4, 5});
  // test_majority_vote_with_missing_skills_ignore_all: no weights at all leaves items empty.
  CHECK_THROWS_WITH_AS(
      lq::weighted_majority_vote(answers, 3, {}, {.on_missing = lq::MissingWeight::ignore}),
      doctest::Contains("item 0 has no answer by an annotator with a weight"),
      labelkit::invalid_argument);
}

TEST_CASE("gold majority vote matches crowd-kit on the toy and simple fixtures") {
  const auto toy = crowdkit_fixtures::toy_answers();
  std::vector<labelkit::GoldLabel> all_truth;
  const auto truth = crowdkit_fixtures::toy_truth();
  for (std::size_t i = 0; i < truth.size(); ++i) {
    all_truth.push_back({static_cast<Eigen::Index>(i), truth[i]});
  }
  const auto full = lq::gold_majority_vote(toy, all_truth, 2);
  CHECK(full.labels == truth);
  CHECK(full.skills(0) == doctest::Approx(0.4));
  CHECK(full.skills(1) == doctest::Approx(1.0));
  CHECK(full.skills(2) == doctest::Approx(1.0));
  CHECK(full.skills(3) == doctest::Approx(0.6));
  CHECK(full.skills(4) == doctest::Approx(0.6));
  CHECK(full.n_gold == std::vector<Eigen::Index>{5, 5, 4, 5, 5});
  gold_mv_test_check_posterior(full.posterior, {{0.384615384615, 0.615384615385},
                                                {0.333333333333, 0.666666666667},
                                                {0.722222222222, 0.277777777778},
                                                {0.0, 1.0},
                                                {0.888888888889, 0.111111111111}});

  // data_gold_mv.toy_skills_result_gold / toy_probas_result_gold (columns yes, no there).
  const auto two = lq::gold_majority_vote(toy, crowdkit_fixtures::toy_gold(), 2);
  CHECK(two.labels == truth);
  const std::vector<double> toy_skills = {0.5, 1.0, 1.0, 0.5, 0.0};
  for (Eigen::Index j = 0; j < 5; ++j) {
    CHECK(two.skills(j) == doctest::Approx(toy_skills[static_cast<std::size_t>(j)]));
  }
  gold_mv_test_check_posterior(two.posterior, {{0.25, 0.75},
                                               {0.166666666667, 0.833333333333},
                                               {0.666666666667, 0.333333333333},
                                               {0.0, 1.0},
                                               {0.833333333333, 0.166666666667}});

  // data_gold_mv.simple_skills_result_gold / simple_probas_result_gold.
  const auto simple = lq::gold_majority_vote(crowdkit_fixtures::simple_answers(),
                                             crowdkit_fixtures::simple_gold(), 3);
  CHECK(simple.labels == crowdkit_fixtures::simple_truth());
  const std::vector<double> simple_skills = {0.5, 1.0, 1.0, 1.0, 1.0, 0.5};
  for (Eigen::Index j = 0; j < 6; ++j) {
    CHECK(simple.skills(j) == doctest::Approx(simple_skills[static_cast<std::size_t>(j)]));
  }
  gold_mv_test_check_posterior(simple.posterior, {{0.8, 0.0, 0.2},
                                                  {0.857142857143, 0.142857142857, 0.0},
                                                  {0.0, 0.857142857143, 0.142857142857},
                                                  {0.0, 0.0, 1.0},
                                                  {0.5, 0.25, 0.25},
                                                  {0.0, 0.0, 1.0},
                                                  {0.0, 1.0, 0.0},
                                                  {0.0, 0.8, 0.2},
                                                  {0.0, 0.0, 1.0},
                                                  {0.0, 0.0, 1.0}});
}

TEST_CASE("gold majority vote: several gold labels for one item (crowd-kit's multiple_gt)") {
  // data_gold_mv.multiple_gt_df: tasks t1..t3, workers w1..w3, labels l1..l3 = 0..2; task t1
  // has gold labels l1 and l2, task t3 has l2.
  const std::vector<Annotation> answers = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {0, 1, 1},
                                           {1, 1, 0}, {2, 1, 1}, {0, 2, 2}, {2, 2, 2}};
  const std::vector<labelkit::GoldLabel> gold = {{0, 0}, {0, 1}, {2, 1}};
  const auto r = lq::gold_majority_vote(answers, gold, 3);
  CHECK(r.labels == std::vector<int>{1, 0, 1});  // multiple_gt_aggregated: l2, l1, l2
  CHECK(r.skills(0) == doctest::Approx(0.5));    // multiple_gt_skills: 0.5, 1.0, 0.0
  CHECK(r.skills(1) == doctest::Approx(1.0));
  CHECK(r.skills(2) == doctest::Approx(0.0));
  gold_mv_test_check_posterior(r.posterior, {{0.333333333333, 0.666666666667, 0.0},
                                             {1.0, 0.0, 0.0},
                                             {0.333333333333, 0.666666666667, 0.0}});
  // The same gold label given twice is one gold label.
  const std::vector<labelkit::GoldLabel> repeated = {{0, 0}, {0, 1}, {2, 1}, {0, 1}};
  CHECK(lq::gold_majority_vote(answers, repeated, 3).skills == r.skills);
}

TEST_CASE("gold majority vote: annotators without gold answers follow options.on_missing") {
  // Annotator 7 answers only item 1, which has no gold label.
  const std::vector<Annotation> answers = {{0, 0, 1}, {0, 1, 0}, {1, 0, 1}, {1, 7, 0}, {1, 7, 0}};
  const std::vector<labelkit::GoldLabel> gold = {{0, 1}, {9, 0}};
  CHECK_THROWS_WITH_AS(lq::gold_majority_vote(answers, gold, 2),
                       doctest::Contains("record 3 names annotator 7 who has no weight"),
                       labelkit::invalid_argument);
  const auto r = lq::gold_majority_vote(
      answers, gold, 2, {.on_missing = lq::MissingWeight::value, .default_weight = 0.75});
  // Item 1: annotator 0 (skill 1) says 1; annotator 7 (0.75, twice) says 0 -> 1.5 vs 1.
  CHECK(r.labels == std::vector<int>{1, 0});
  CHECK(r.skills(2) == doctest::Approx(0.75));
  CHECK(r.n_gold == std::vector<Eigen::Index>{1, 1, 0});
  const auto ignored =
      lq::gold_majority_vote(answers, gold, 2, {.on_missing = lq::MissingWeight::ignore});
  CHECK(ignored.labels == std::vector<int>{1, 1});
  CHECK(ignored.annotators == std::vector<Eigen::Index>{0, 1});
  CHECK(ignored.skills.size() == 2);
  CHECK_THROWS_WITH_AS(lq::gold_majority_vote(answers, {{{0, 2}}}, 2),
                       doctest::Contains("'gold' record 0 has a label outside [0, 2)"),
                       labelkit::invalid_argument);
  CHECK(lq::gold_majority_vote(std::vector<Annotation>{}, gold, 2).items.empty());
}
