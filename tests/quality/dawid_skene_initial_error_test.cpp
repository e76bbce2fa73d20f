// Dawid-Skene seeded with initial confusion matrices, pinned to crowd-kit's DawidSkene
// (crowd-kit 1.4.1+9, commit 35f06615) on its toy and simple fixtures
// (tests/quality/crowdkit_fixtures.hpp). Expected posteriors from one run of
//   ds = DawidSkene(n_iter=n, tol=0, initial_error_strategy=strategy)
//   ds.fit(df, initial_error=e).probas_   (rounded to 14 digits)
// with e as in crowd-kit's tests/aggregation/test_ds_aggregation.py:
//   toy, addition (test_addition_desired_label_on_toy_ysda): zeros, then 99 at
//     (w1, yes)/no, (w2, yes)/no, (w3, yes)/no, (w4, no)/no, (w5, no)/no;
//   toy, assign (test_assign_desired_label_on_toy_ysda): 0.5 everywhere, then column "no" set to
//     0.99 / 0.01 at (w1..w3: yes / no) and (w4, w5: no / yes);
//   simple, addition for workers 0 and 5 only (rows = observed label, columns = true label):
//     w0 = [[0,0,0],[0,0,0],[5,5,0]], w5 = [[4,0,0],[1,3,0],[0,1,4]]; n = 4 (crowd-kit stops
//     there with tol = 0).
// crowd-kit indexes its error matrices (worker, observed label) x true label; labelkit's are
// true class x answer, so each matrix below is the transpose of crowd-kit's. crowd-kit floors
// probabilities at 1e-10 (_EPS); labelkit runs with smoothing 0 and matches within 1e-8.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/dawid_skene.hpp"

namespace {

namespace lq = labelkit::quality;

Eigen::MatrixXd ds_initial_matrix(std::initializer_list<std::initializer_list<double>> rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (const double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

void ds_initial_check(const Eigen::MatrixXd& actual,
                      const std::vector<std::vector<double>>& expected) {
  REQUIRE(actual.rows() == static_cast<Eigen::Index>(expected.size()));
  for (Eigen::Index i = 0; i < actual.rows(); ++i) {
    for (Eigen::Index k = 0; k < actual.cols(); ++k) {
      CHECK(std::abs(actual(i, k) -
                     expected[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]) < 1e-8);
    }
  }
}

lq::DawidSkeneOptions ds_initial_options(int iterations, lq::InitialErrorStrategy strategy,
                                         std::vector<lq::AnnotatorConfusion> initial) {
  lq::DawidSkeneOptions options;
  options.max_iterations = iterations;
  options.tolerance = 0;
  options.smoothing = 0;
  options.initial_error = std::move(initial);
  options.initial_error_strategy = strategy;
  return options;
}

}  // namespace

TEST_CASE("Dawid-Skene initial_error, addition, matches crowd-kit on toy: t2 turns to 'no'") {
  // Labels no = 0, yes = 1; rows = true class.
  const auto yes_when_no = ds_initial_matrix({{0, 99}, {0, 0}});
  const auto no_when_no = ds_initial_matrix({{99, 0}, {0, 0}});
  const auto options = ds_initial_options(
      10, lq::InitialErrorStrategy::addition,
      {{0, yes_when_no}, {1, yes_when_no}, {2, yes_when_no}, {3, no_when_no}, {4, no_when_no}});
  const auto r = lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, options);
  CHECK(r.labels == std::vector<int>{1, 0, 1, 1, 1});
  ds_initial_check(r.posterior, {{1e-10, 1.0},
                                 {0.88174117621374, 0.11825882378626},
                                 {1e-10, 1.0},
                                 {1e-10, 1.0},
                                 {1e-10, 1.0}});
  // Without initial matrices, Dawid-Skene finds the ground truth on toy (crowd-kit's
  // test_without_initial_error_on_toy_ysda).
  CHECK(
      lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, ds_initial_options(10, {}, {})).labels ==
      crowdkit_fixtures::toy_truth());
  // All-zero matrices added change nothing (test_zero_error_addition_on_toy_ysda).
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(2, 2);
  const auto zeros =
      ds_initial_options(10, lq::InitialErrorStrategy::addition, {{0, zero}, {1, zero}, {2, zero}});
  CHECK(lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, zeros).posterior ==
        lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, ds_initial_options(10, {}, {}))
            .posterior);
}

TEST_CASE("Dawid-Skene initial_error, assign, matches crowd-kit on toy") {
  const auto w123 = ds_initial_matrix({{0.01, 0.99}, {0.5, 0.5}});
  const auto w45 = ds_initial_matrix({{0.99, 0.01}, {0.5, 0.5}});
  const auto options = ds_initial_options(10, lq::InitialErrorStrategy::assign,
                                          {{0, w123}, {1, w123}, {2, w123}, {3, w45}, {4, w45}});
  const auto r = lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, options);
  CHECK(r.labels == std::vector<int>{1, 0, 1, 1, 1});
  ds_initial_check(r.posterior, {{1e-10, 1.0},
                                 {0.88174264945677, 0.11825735054323},
                                 {1e-10, 1.0},
                                 {1e-10, 1.0},
                                 {1e-10, 1.0}});
  // assign needs a matrix for every annotator, with mass in every row
  // (test_zero_partial_error_on_toy_ysda, test_zero_error_addition_on_toy_ysda for assign).
  auto partial = options;
  partial.initial_error.pop_back();
  CHECK_THROWS_WITH_AS(lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, partial),
                       doctest::Contains("annotator 4 has no matrix in 'options.initial_error'"),
                       labelkit::invalid_argument);
  auto zero_row = options;
  zero_row.initial_error[1].matrix.row(1).setZero();
  CHECK_THROWS_WITH_AS(lq::dawid_skene(crowdkit_fixtures::toy_answers(), 2, zero_row),
                       doctest::Contains("record 1 has row 1 summing to 0"),
                       labelkit::invalid_argument);
}

TEST_CASE("Dawid-Skene initial_error, partial addition, matches crowd-kit on simple") {
  // Labels chicken = 0, goose = 1, parrot = 2.
  const auto w0 = ds_initial_matrix({{0, 0, 5}, {0, 0, 5}, {0, 0, 0}});
  const auto w5 = ds_initial_matrix({{4, 1, 0}, {0, 3, 1}, {0, 0, 4}});
  const auto options =
      ds_initial_options(4, lq::InitialErrorStrategy::addition, {{0, w0}, {5, w5}, {77, w5}});
  const auto r = lq::dawid_skene(crowdkit_fixtures::simple_answers(), 3, options);
  CHECK(r.labels == crowdkit_fixtures::simple_truth());
  ds_initial_check(r.posterior, {{0.9020283405053, 0.00052051568952, 0.09745114380518},
                                 {0.99999999976684, 2.3316e-10, 1e-10},
                                 {1e-10, 1.0, 1e-10},
                                 {1e-10, 1e-10, 1.0},
                                 {0.76708166935196, 0.23291741142858, 9.1921947e-07},
                                 {1e-10, 1e-10, 1.0},
                                 {1e-10, 1.0, 1e-10},
                                 {1e-10, 0.99999999996111, 1e-10},
                                 {1e-10, 1e-10, 1.0},
                                 {1e-10, 1e-10, 1.0}});
  // The same run without initial matrices (crowd-kit: DawidSkene(n_iter=4, tol=0)).
  const auto plain =
      lq::dawid_skene(crowdkit_fixtures::simple_answers(), 3, ds_initial_options(4, {}, {}));
  ds_initial_check(plain.posterior, {{0.91261933615583, 0.0001808068057, 0.08719985703846},
                                     {0.99999999999191, 1e-10, 1e-10},
                                     {1e-10, 1.0, 1e-10},
                                     {1e-10, 1e-10, 1.0},
                                     {0.80291239235373, 0.19708675930848, 8.4833778e-07},
                                     {1e-10, 1e-10, 1.0},
                                     {1e-10, 1.0, 1e-10},
                                     {1e-10, 0.9999999999592, 1e-10},
                                     {1e-10, 1e-10, 1.0},
                                     {1e-10, 1e-10, 1.0}});
  // The EM objective still never decreases after the seeded first M-step.
  auto long_run = options;
  long_run.max_iterations = 50;
  long_run.smoothing = 0.01;
  const auto seeded = lq::dawid_skene(crowdkit_fixtures::simple_answers(), 3, long_run);
  for (std::size_t t = 1; t < seeded.log_likelihood.size(); ++t) {
    CHECK(seeded.log_likelihood[t] >= seeded.log_likelihood[t - 1] - 1e-9);
  }
}

TEST_CASE("Dawid-Skene initial_error: bad matrices are refused, naming the record") {
  const auto answers = crowdkit_fixtures::toy_answers();
  lq::DawidSkeneOptions options;
  options.initial_error = {{0, Eigen::MatrixXd::Zero(3, 2)}};
  CHECK_THROWS_WITH_AS(lq::dawid_skene(answers, 2, options),
                       doctest::Contains("'options.initial_error' record 0 is 3 x 2 (expected "
                                         "2 x 2)"),
                       labelkit::dimension_mismatch);
  options.initial_error = {{0, ds_initial_matrix({{1, -1}, {0, 1}})}};
  CHECK_THROWS_WITH_AS(lq::dawid_skene(answers, 2, options),
                       doctest::Contains("record 0 has entry (0, 1) negative or not finite"),
                       labelkit::invalid_argument);
  options.initial_error = {{1, Eigen::MatrixXd::Ones(2, 2)}, {1, Eigen::MatrixXd::Ones(2, 2)}};
  CHECK_THROWS_WITH_AS(lq::dawid_skene(answers, 2, options),
                       doctest::Contains("record 1 repeats annotator 1"),
                       labelkit::invalid_argument);
  options.initial_error = {{1, Eigen::MatrixXd::Ones(2, 2)}};
  CHECK_THROWS_WITH_AS(lq::one_coin_dawid_skene(answers, 2, options),
                       doctest::Contains("not used by the one-coin model"),
                       labelkit::invalid_argument);
}
