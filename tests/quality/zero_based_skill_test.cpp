// Zero-Based Skill pinned to crowd-kit's ZeroBasedSkill (crowd-kit 1.4.1+9, commit 35f06615) on
// its toy and simple fixtures (tests/quality/crowdkit_fixtures.hpp). Expected values from one
// run of
//   z = ZeroBasedSkill(**kw).fit(df); z.labels_, z.skills_, z.predict_proba(df)
// for kw = {} (crowd-kit's defaults; data_zbs.py has the same values to 6 digits),
// {n_iter: 25, lr_init: 0.3} (crosses one step reduction) and {n_iter: 1, lr_init: 0.5},
// rounded to 14 digits.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/zero_based_skill.hpp"

namespace {

namespace lq = labelkit::quality;

void zbs_test_check(const lq::ZeroBasedSkillResult& r, const std::vector<double>& skills,
                    const std::vector<std::vector<double>>& posterior) {
  REQUIRE(r.skills.size() == static_cast<Eigen::Index>(skills.size()));
  for (Eigen::Index j = 0; j < r.skills.size(); ++j) {
    CHECK(r.skills(j) == doctest::Approx(skills[static_cast<std::size_t>(j)]).epsilon(1e-12));
  }
  REQUIRE(r.posterior.rows() == static_cast<Eigen::Index>(posterior.size()));
  for (Eigen::Index i = 0; i < r.posterior.rows(); ++i) {
    for (Eigen::Index k = 0; k < r.posterior.cols(); ++k) {
      CHECK(std::abs(r.posterior(i, k) -
                     posterior[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]) < 1e-12);
    }
  }
}

}  // namespace

TEST_CASE("zero_based_skill matches crowd-kit on toy") {
  const auto toy = crowdkit_fixtures::toy_answers();
  const auto r = lq::zero_based_skill(toy, 2);
  CHECK(r.labels == std::vector<int>{0, 1, 0, 1, 0});  // data_zbs.toy_labels_result_zbs
  zbs_test_check(r, {0.6, 0.8, 1.0, 0.4, 0.8},
                 {{0.53846153846154, 0.46153846153846},
                  {0.33333333333333, 0.66666666666667},
                  {0.72222222222222, 0.27777777777778},
                  {0.0, 1.0},
                  {0.83333333333333, 0.16666666666667}});
  const auto slow = lq::zero_based_skill(toy, 2, {.max_iterations = 25, .learning_rate = 0.3});
  zbs_test_check(
      slow,
      {0.59995701342111, 0.79987103166515, 0.9997850499092, 0.40004299517707, 0.79987103166515},
      {{0.53844881775055, 0.46155118224945},
       {0.33335323953043, 0.66664676046957},
       {0.72218572752755, 0.27781427247245},
       {0.0, 1.0},
       {0.83332338023479, 0.16667661976521}});
  const auto one = lq::zero_based_skill(toy, 2, {.max_iterations = 1, .learning_rate = 0.5});
  zbs_test_check(one, {0.550005, 0.650005, 0.750005, 0.450005, 0.650005},
                 {{0.52173894140051, 0.47826105859949},
                  {0.36065606019623, 0.63934393980377},
                  {0.67213055630692, 0.32786944369308},
                  {0.0, 1.0},
                  {0.81967196990189, 0.18032803009811}});
}

TEST_CASE("zero_based_skill matches crowd-kit on simple") {
  const auto simple = crowdkit_fixtures::simple_answers();
  const auto r = lq::zero_based_skill(simple, 3);
  CHECK(r.labels == crowdkit_fixtures::simple_truth());
  zbs_test_check(r, {0.33333333333333, 1.0, 1.0, 1.0, 1.0, 0.66666666666667},
                 {{0.85714285714286, 0.0, 0.14285714285714},
                  {0.81818181818182, 0.18181818181818, 0.0},
                  {0.0, 0.9, 0.1},
                  {0.0, 0.0, 1.0},
                  {0.5, 0.33333333333333, 0.16666666666667},
                  {0.0, 0.0, 1.0},
                  {0.0, 1.0, 0.0},
                  {0.0, 0.85714285714286, 0.14285714285714},
                  {0.0, 0.0, 1.0},
                  {0.0, 0.0, 1.0}});
  const auto slow = lq::zero_based_skill(simple, 3, {.max_iterations = 25, .learning_rate = 0.3});
  CHECK(slow.labels == crowdkit_fixtures::simple_truth());
  zbs_test_check(slow,
                 {0.33333333763242, 0.9997133984459, 0.9997133984459, 0.9997133984459,
                  0.9997133984459, 0.66652336803916},
                 {{0.85710775287215, 0.0, 0.14289224712785},
                  {0.81817115604981, 0.18182884395019, 0.0},
                  {0.0, 0.89997419804402, 0.10002580195598},
                  {0.0, 0.0, 1.0},
                  {0.49996416549103, 0.33333333333333, 0.16670250117564},
                  {0.0, 0.0, 1.0},
                  {0.0, 1.0, 0.0},
                  {0.0, 0.85710775287215, 0.14289224712785},
                  {0.0, 0.0, 1.0},
                  {0.0, 0.0, 1.0}});
}

TEST_CASE("zero_based_skill: zero iterations is the vote with equal skills; bad options") {
  const auto simple = crowdkit_fixtures::simple_answers();
  const auto r = lq::zero_based_skill(simple, 3, {.max_iterations = 0});
  CHECK(r.labels == std::vector<int>{0, 0, 1, 2, 0, 2, 1, 1, 2, 2});
  CHECK(r.skills(0) == doctest::Approx(1.0 / 3 + 1e-5));
  CHECK(r.posterior(4, 0) == doctest::Approx(1.0 / 3));  // one answer each: a three-way tie
  CHECK_THROWS_AS(lq::zero_based_skill(simple, 3, {.max_iterations = -1}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::zero_based_skill(simple, 3, {.learning_rate = 0}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::zero_based_skill(simple, 3, {.steps_to_reduce = 0}),
                  labelkit::invalid_argument);
  CHECK(lq::zero_based_skill(std::vector<labelkit::Annotation>{}, 3).items.empty());
}
