// M-MSR pinned to crowd-kit's MMSR (crowd-kit 1.4.1+9, commit 35f06615,
// crowdkit/aggregation/classification/m_msr.py) on its toy and simple fixtures
// (tests/quality/crowdkit_fixtures.hpp) and on a random crowd. Expected values:
// - toy, crowd-kit's default start (numpy: sps.uniform.rvs(size=(5, 1), random_state=0), the
//   workers appear in sorted order): tests/aggregation/data_mmsr.py, toy_skills_result_mmsr and
//   toy_scores_result_mmsr;
// - simple: data_mmsr.py, simple_skills_result_mmsr and simple_scores_result_mmsr (the rounds
//   reach the same point from any start: crowd-kit's run from u = v = 1 gives the same skills to
//   3e-12);
// - toy from u = v = 1 and the random crowd: one run of crowd-kit with its start replaced,
//     mm.sps.uniform.rvs = lambda size, random_state: np.full(size, 1.0)
//     m = MMSR().fit(df); m.skills_, m.labels_, m.predict_score(df)
//   printed to 14 significant digits; the random crowd was made by
//     rng = np.random.RandomState(7); truth = rng.randint(0, 3, size=12)
//     acc = [0.9, 0.85, 0.8, 0.7, 0.6, 0.9, 0.75, 0.1]
//     for w in range(8): for t in range(12): if rng.rand() < 0.7:
//       rows.append((t, w, truth[t] if rng.rand() < acc[w] else rng.randint(0, 3)))
//     rows.append((0, 0, (rows[0][2] + 1) % 3))
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/mmsr.hpp"

namespace {

namespace lq = labelkit::quality;

void mmsr_test_check(const lq::MmsrResult& r, const std::vector<double>& skills,
                     const std::vector<std::vector<double>>& scores, double tolerance) {
  REQUIRE(r.skills.size() == static_cast<Eigen::Index>(skills.size()));
  for (Eigen::Index j = 0; j < r.skills.size(); ++j) {
    CHECK(std::abs(r.skills(j) - skills[static_cast<std::size_t>(j)]) < tolerance);
  }
  REQUIRE(r.scores.rows() == static_cast<Eigen::Index>(scores.size()));
  for (Eigen::Index i = 0; i < r.scores.rows(); ++i) {
    for (Eigen::Index k = 0; k < r.scores.cols(); ++k) {
      CHECK(std::abs(r.scores(i, k) -
                     scores[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]) < tolerance);
    }
    // The posterior is the softmax of the votes; its argmax is the label.
    CHECK(r.posterior.row(i).sum() == doctest::Approx(1.0));
    CHECK(r.posterior(i, r.labels[static_cast<std::size_t>(i)]) == r.posterior.row(i).maxCoeff());
    const double total = r.votes.row(i).sum();
    for (Eigen::Index k = 0; k < r.scores.cols(); ++k) {
      CHECK(r.scores(i, k) * total == doctest::Approx(r.votes(i, k)));
    }
  }
}

std::vector<labelkit::Annotation> mmsr_test_crowd() {
  return {{0, 0, 0},  {2, 0, 2},  {3, 0, 0}, {4, 0, 1}, {6, 0, 0}, {7, 0, 1}, {9, 0, 2}, {10, 0, 2},
          {11, 0, 0}, {0, 1, 2},  {1, 1, 1}, {3, 1, 0}, {4, 1, 1}, {5, 1, 2}, {7, 1, 1}, {10, 1, 2},
          {11, 1, 0}, {0, 2, 0},  {1, 2, 1}, {2, 2, 2}, {3, 2, 0}, {4, 2, 0}, {5, 2, 2}, {9, 2, 0},
          {10, 2, 2}, {11, 2, 0}, {0, 3, 0}, {1, 3, 1}, {4, 3, 1}, {6, 3, 0}, {8, 3, 2}, {10, 3, 2},
          {11, 3, 0}, {0, 4, 0},  {1, 4, 0}, {2, 4, 2}, {3, 4, 1}, {6, 4, 0}, {7, 4, 1}, {8, 4, 2},
          {9, 4, 0},  {11, 4, 0}, {0, 5, 0}, {1, 5, 1}, {2, 5, 2}, {4, 5, 1}, {7, 5, 1}, {10, 5, 2},
          {1, 6, 1},  {3, 6, 0},  {4, 6, 1}, {6, 6, 0}, {7, 6, 1}, {8, 6, 2}, {9, 6, 2}, {10, 6, 2},
          {11, 6, 0}, {2, 7, 2},  {5, 7, 0}, {6, 7, 2}, {7, 7, 1}, {8, 7, 1}, {9, 7, 0}, {10, 7, 1},
          {11, 7, 0}, {0, 0, 1}};
}

}  // namespace

TEST_CASE("mmsr matches crowd-kit's toy fixture from crowd-kit's start") {
  const auto toy = crowdkit_fixtures::toy_answers();
  lq::MmsrOptions options;
  options.start = {0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.5448831829968969,
                   0.4236547993389047};
  const auto r = lq::mmsr(toy, 2, options);
  CHECK(r.labels == std::vector<int>{1, 0, 0, 1, 0});  // toy_labels_result_mmsr: yes no no yes no
  mmsr_test_check(r,
                  {-0.9486439852160969, 0.9764628672747041, 1.2428113335479982, 0.948643985216097,
                   0.9764628672747041},
                  {{0.014244720916141606, 0.9857552790838584},
                   {0.6023983861841676, 0.3976016138158324},
                   {1.0, 3.474074997309249e-17},
                   {0.0, 1.0},
                   {1.2968466945188564, -0.2968466945188564}},
                  1e-12);
  CHECK(r.converged);
  CHECK(r.iterations == 4);  // len(loss_history_)
  CHECK(r.loss.size() == 4);
}

TEST_CASE("mmsr matches crowd-kit on toy from the constant start") {
  const auto r = lq::mmsr(crowdkit_fixtures::toy_answers(), 2);
  CHECK(r.labels == std::vector<int>{1, 0, 0, 1, 0});
  mmsr_test_check(r,
                  {-0.7855295670580262, 1.194611292063336, 1.0129050953681271, 0.7855295670580262,
                   1.194611292063336},
                  {{0.17121959574764387, 0.8287804042523561},
                   {0.5820301428003444, 0.4179698571996556},
                   {1.0, 0.0},
                   {0.0, 1.0},
                   {1.2308936174831258, -0.23089361748312567}},
                  1e-12);
  CHECK(r.iterations == 3);
}

TEST_CASE("mmsr matches crowd-kit's simple fixture") {
  const auto simple = crowdkit_fixtures::simple_answers();
  for (const bool random_start : {false, true}) {
    lq::MmsrOptions options;
    options.random_start = random_start;
    options.seed = 3;
    const auto r = lq::mmsr(simple, 3, options);
    CHECK(r.labels == crowdkit_fixtures::simple_truth());  // simple_labels_result_mmsr
    mmsr_test_check(r,
                    {-0.6268515139467665, 2.0131458750666567, 2.0131458750666567,
                     2.0131458750666567, 2.0131458750666567, 1.8527467194291514},
                    {{1.1843984510373275, 0.0, -0.18439845103732766},
                     {0.7652428480475112, 0.23475715195248875, 0.0},
                     {0.0, 1.1158136796463138, -0.11581367964631392},
                     {0.0, 0.0, 1.0},
                     {0.6215252678195158, 0.5720046993399346, -0.19352996715945034},
                     {0.0, 0.0, 1.0},
                     {0.0, 1.0, 0.0},
                     {0.0, 1.1843984510373275, -0.18439845103732766},
                     {0.0, 0.0, 1.0},
                     {0.0, 0.0, 1.0}},
                    1e-9);
  }
}

TEST_CASE("mmsr matches crowd-kit on a random crowd with trimming and a repeated answer") {
  const auto r = lq::mmsr(mmsr_test_crowd(), 3);
  CHECK(r.labels == std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 0});
  CHECK(r.iterations == 18);
  mmsr_test_check(r,
                  {1.9560646160179, 2.1273151961508, 2.1273151961508, 2.1273151961508,
                   1.743335228904, 2.1273151961508, 2.1273151961508, 1.104751083573},
                  {{0.71172191896532, 0.13809407398378, 0.15018400705091},
                   {0.14081968758742, 0.85918031241258, 0.0},
                   {0.0, 0.0, 1.0},
                   {0.82707315800005, 0.17292684199995, 0.0},
                   {0.16893320982226, 0.83106679017774, 0.0},
                   {0.20613406389264, 0.0, 0.79386593610736},
                   {0.87804639007713, 0.0, 0.12195360992287},
                   {0.0, 1.0, 0.0},
                   {0.0, 0.15553922949365, 0.84446077050635},
                   {0.54923519317169, 0.0, 0.45076480682831},
                   {0.0, 0.080654120824933, 0.91934587917507},
                   {1.0, 0.0, 0.0}},
                  1e-12);
}

TEST_CASE("mmsr: relabelling annotators and items changes nothing but the order") {
  // Ids multiplied by 7 and shifted keep the ascending order, so every table is unchanged.
  auto crowd = mmsr_test_crowd();
  for (auto& a : crowd) {
    a.item = 7 * a.item + 1000003;
    a.annotator = 7 * a.annotator + 11;
  }
  const auto moved = lq::mmsr(crowd, 3);
  const auto base = lq::mmsr(mmsr_test_crowd(), 3);
  CHECK(moved.labels == base.labels);
  CHECK(moved.skills.isApprox(base.skills, 1e-12));
  CHECK(moved.label_of(1000003) == base.labels[0]);
  // Swapping the class names swaps the columns.
  auto swapped = mmsr_test_crowd();
  for (auto& a : swapped) a.label = 2 - a.label;
  const auto mirror = lq::mmsr(swapped, 3);
  CHECK(mirror.skills.isApprox(base.skills, 1e-12));
  for (std::size_t i = 0; i < base.labels.size(); ++i)
    CHECK(mirror.labels[i] == 2 - base.labels[i]);
}

TEST_CASE("mmsr: degenerate crowds, zero rounds and bad options") {
  CHECK(lq::mmsr(std::vector<labelkit::Annotation>{}, 3).items.empty());
  // One label seen: no skill can be estimated; every item gets that label.
  const std::vector<labelkit::Annotation> same = {{0, 0, 2}, {0, 1, 2}, {1, 1, 2}};
  const auto one = lq::mmsr(same, 3);
  CHECK(one.labels == std::vector<int>{2, 2});
  CHECK(one.skills.isZero());
  CHECK(one.iterations == 0);
  // One annotator, one item: the clamps pin s to 0 (M = 2), p = 1/2, skill 0.
  const auto lone = lq::mmsr(std::vector<labelkit::Annotation>{{5, 9, 1}}, 2);
  CHECK(lone.labels == std::vector<int>{1});
  CHECK(lone.skills(0) == doctest::Approx(0.0));
  // Zero rounds: the start is the estimate of |s|.
  const auto none = lq::mmsr(crowdkit_fixtures::toy_answers(), 2, {.max_iterations = 0});
  CHECK(none.iterations == 0);
  CHECK(none.loss.empty());
  CHECK_FALSE(none.converged);
  CHECK(none.skills.allFinite());
  const auto simple = crowdkit_fixtures::simple_answers();
  CHECK_THROWS_AS(lq::mmsr(simple, 3, {.max_iterations = -1}), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::mmsr(simple, 3, {.tolerance = -1}), labelkit::invalid_argument);
  lq::MmsrOptions short_start;
  short_start.start = {1.0, 1.0};
  CHECK_THROWS_AS(lq::mmsr(simple, 3, short_start), labelkit::invalid_argument);
  // Deterministic with a seed.
  lq::MmsrOptions seeded;
  seeded.random_start = true;
  seeded.seed = 42;
  const auto a = lq::mmsr(crowdkit_fixtures::toy_answers(), 2, seeded);
  const auto b = lq::mmsr(crowdkit_fixtures::toy_answers(), 2, seeded);
  CHECK(a.skills == b.skills);
  CHECK(a.labels == b.labels);
}
