// KOS pinned to crowd-kit's KOS (crowd-kit 1.4.1+9, commit 35f06615). crowd-kit starts its
// messages at numpy draws of N(1, 1); with that start replaced by the mean, 1, on every edge,
// its labels are deterministic and labelkit's default start must reproduce them:
//   np.random.normal = lambda loc=0.0, scale=1.0, size=None: np.full(size, float(loc))
//   KOS(n_iter=n).fit(toy_answers_df).labels_          n = 2, 3, 10, 100
// gives (no = 0, yes = 1) [0,0,1,0,1], [0,1,1,1,1], [1,1,0,0,0], [0,1,0,0,1]; for n = 0 and 1 an
// item's score is exactly 0 and crowd-kit raises KeyError (labelkit: label 0, uniform row).
// KOS is not made for a 5-item crowd where everyone answers everything: the labels swing with
// the number of rounds, in both implementations.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/kos.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "simulate.hpp"

namespace {

namespace lq = labelkit::quality;

}  // namespace

TEST_CASE("kos reproduces crowd-kit's KOS on toy from the constant start") {
  const auto toy = crowdkit_fixtures::toy_answers();
  CHECK(lq::kos(toy, 2, {.max_iterations = 2}).labels == std::vector<int>{0, 0, 1, 0, 1});
  CHECK(lq::kos(toy, 2, {.max_iterations = 3}).labels == std::vector<int>{0, 1, 1, 1, 1});
  CHECK(lq::kos(toy, 2, {.max_iterations = 10}).labels == std::vector<int>{1, 1, 0, 0, 0});
  CHECK(lq::kos(toy, 2, {.max_iterations = 100}).labels == std::vector<int>{0, 1, 0, 0, 1});
  const auto zero = lq::kos(toy, 2, {.max_iterations = 0});
  CHECK(zero.scores(0) == 0.0);  // t1: two "no", two "yes"
  CHECK(zero.labels[0] == 0);
  CHECK(zero.posterior(0, 0) == 0.5);
  CHECK(zero.posterior(1, 1) == 1.0);  // t2: three "yes", two "no"
}

TEST_CASE("kos on crowd-kit's data_with_bool_labels: both tasks True from the constant start") {
  // tasks t1, t2; workers w1, w2 answer True on both, w3 False; labels False = 0, True = 1.
  // crowd-kit's test_aggregate_kos_on_data_with_bool_labels passes for its seeded draw; on a
  // 2-item crowd the answer depends on the random start (some starts flip both labels, in
  // crowd-kit as here), so only the constant start is pinned, and a seed is reproducible.
  const std::vector<labelkit::Annotation> answers = {{0, 0, 1}, {1, 0, 1}, {0, 1, 1},
                                                     {1, 1, 1}, {0, 2, 0}, {1, 2, 0}};
  for (const int n : {10, 100}) {
    CHECK(lq::kos(answers, 2, {.max_iterations = n}).labels == std::vector<int>{1, 1});
    const lq::KosOptions seeded{.max_iterations = n, .random_start = true, .seed = 5};
    CHECK(lq::kos(answers, 2, seeded).scores == lq::kos(answers, 2, seeded).scores);
  }
}

TEST_CASE("kos on a sparse binary crowd with spammers beats majority vote") {
  // 40 annotators: 20 right 85 % of the time, 20 random; 3 answers per item. KOS's setting:
  // a sparse random graph and one-coin annotators.
  labelkit::Random random(7);
  std::vector<Eigen::MatrixXd> confusion;
  for (int j = 0; j < 40; ++j) {
    Eigen::MatrixXd m(2, 2);
    const double p = j < 20 ? 0.85 : 0.5;
    m << p, 1 - p, 1 - p, p;
    confusion.push_back(m);
  }
  const auto crowd = quality_test::simulate(1000, confusion, Eigen::Vector2d(0.5, 0.5), 5, 11);
  const auto k = lq::kos(crowd.annotations, 2);
  const auto mv = lq::majority_vote(crowd.annotations, 2);
  const int kos_wrong = quality_test::count_wrong(k.labels, crowd.truth);
  const int mv_wrong = quality_test::count_wrong(mv.labels, crowd.truth);
  MESSAGE("KOS wrong " << kos_wrong << ", majority vote wrong " << mv_wrong << " of 1000");
  CHECK(kos_wrong < mv_wrong);
  const auto seeded = lq::kos(crowd.annotations, 2, {.random_start = true, .seed = 3});
  CHECK(quality_test::count_wrong(seeded.labels, crowd.truth) < mv_wrong);
}

TEST_CASE("kos refuses more than two classes; empty input gives an empty result") {
  CHECK_THROWS_WITH_AS(lq::kos(crowdkit_fixtures::simple_answers(), 3),
                       doctest::Contains("two classes only"), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::kos(crowdkit_fixtures::toy_answers(), 2, {.max_iterations = -1}),
                  labelkit::invalid_argument);
  CHECK(lq::kos(std::vector<labelkit::Annotation>{}, 2).items.empty());
}
