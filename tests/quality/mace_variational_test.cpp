// MACE's variational-Bayes mode and restarts, pinned to crowd-kit's MACE (crowd-kit 1.4.1+9,
// commit 35f06615) on its toy and simple fixtures. crowd-kit starts every run from random
// weights U[1, 2.5] (scipy, its random_state); with that draw replaced by a constant,
//   class Const: rvs(self, size=None, random_state=None): return np.ones(size)
//   crowdkit.aggregation.classification.mace.sps.uniform = Const
//   m = MACE(n_restarts=1, n_iter=5, method=method).fit(df)
//   m.probas_, m.spamming_[:, 1] (knows), m.thetas_ (spam distributions)
// (rows and columns reordered to sorted worker and label names, rounded to 12 digits), its run
// is deterministic: P(spam) = 0.5 and uniform spam distributions, then an E-step and 5 x (M-step,
// E-step). labelkit's random start with start_noise = 0 is that start; its first M-step keeps it,
// so max_iterations = 6 is crowd-kit's n_iter = 5. crowd-kit's EM smoothing is 0.01 / C.
// crowd-kit 1.4.1's MACE groups its expected counts in sorted worker and label order but indexes
// them with first-appearance codes; on `simple` the two orders differ, so its run there mixes
// up workers and labels (which is why its test_aggregate_mace_on_simple expects 0.9 for EM).
// The simple values below come from the same run on simple with workers, labels and tasks
// renamed w00.., l0.., t00.. in first-appearance order (where both orders agree), mapped back.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/mace.hpp"

namespace {

namespace lq = labelkit::quality;

using MaceTable = std::vector<std::vector<double>>;

lq::MaceOptions mace_vb_test_crowdkit_start(lq::MaceMethod method, int n_classes) {
  lq::MaceOptions options;
  options.method = method;
  options.max_iterations = 6;
  options.tolerance = 0;
  options.smoothing = 0.01 / n_classes;
  options.majority_vote_start = false;
  options.start_noise = 0;
  return options;
}

void mace_vb_test_check(const Eigen::MatrixXd& actual, const MaceTable& expected, double tol) {
  REQUIRE(actual.rows() == static_cast<Eigen::Index>(expected.size()));
  for (Eigen::Index i = 0; i < actual.rows(); ++i) {
    for (Eigen::Index k = 0; k < actual.cols(); ++k) {
      CHECK(std::abs(actual(i, k) -
                     expected[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)]) < tol);
    }
  }
}

void mace_vb_test_check(const Eigen::VectorXd& actual, const std::vector<double>& expected,
                        double tol) {
  REQUIRE(actual.size() == static_cast<Eigen::Index>(expected.size()));
  for (Eigen::Index j = 0; j < actual.size(); ++j) {
    CHECK(std::abs(actual(j) - expected[static_cast<std::size_t>(j)]) < tol);
  }
}

}  // namespace

TEST_CASE("MACE variational Bayes matches crowd-kit's method='vb' on toy and simple") {
  const auto toy = lq::mace(crowdkit_fixtures::toy_answers(), 2,
                            mace_vb_test_crowdkit_start(lq::MaceMethod::variational_bayes, 2));
  CHECK(toy.labels == crowdkit_fixtures::toy_truth());
  mace_vb_test_check(toy.posterior,
                     {{0.16278208602, 0.83721791398},
                      {0.020265799214, 0.979734200786},
                      {0.993024321778, 0.006975678222},
                      {0.001628921029, 0.998371078971},
                      {0.997369769149, 0.002630230851}},
                     1e-9);
  mace_vb_test_check(
      toy.competence,
      {0.104845858445, 0.722673259301, 0.793438884602, 0.216231664315, 0.333057423449}, 1e-9);
  mace_vb_test_check(toy.spam,
                     {{0.435416219761, 0.54396377682},
                      {0.478675017125, 0.497279048006},
                      {0.487022180445, 0.48822207926},
                      {0.47415465518, 0.504662395269},
                      {0.541372326275, 0.436844641428}},
                     1e-9);

  const auto simple = lq::mace(crowdkit_fixtures::simple_answers(), 3,
                               mace_vb_test_crowdkit_start(lq::MaceMethod::variational_bayes, 3));
  CHECK(simple.labels == crowdkit_fixtures::simple_truth());  // crowd-kit's test: accuracy 1.0
  mace_vb_test_check(simple.posterior,
                     {{0.99892050803, 0.000487947279, 0.000591544691},
                      {0.999966059295, 2.7747916e-05, 6.192789e-06},
                      {2.173217e-06, 0.999995192164, 2.634619e-06},
                      {5.4630308e-05, 5.4630308e-05, 0.999890739383},
                      {0.851666160855, 0.116746417883, 0.031587421263},
                      {2.8134729e-05, 2.8134729e-05, 0.999943730543},
                      {5.087191e-06, 0.999989825617, 5.087191e-06},
                      {0.000136097115, 0.999698910621, 0.000164992264},
                      {0.005045126771, 0.005045126771, 0.989909746457},
                      {2.8134729e-05, 2.8134729e-05, 0.999943730543}},
                     1e-9);
  mace_vb_test_check(simple.competence,
                     {0.078025615359, 0.871985950559, 0.895340077361, 0.851270000637,
                      0.910903420368, 0.51103689495},
                     1e-9);
  mace_vb_test_check(simple.spam,
                     {{0.271090729229, 0.271090729229, 0.429590569226},
                      {0.322671287463, 0.322606115401, 0.321311187885},
                      {0.32184406258, 0.322376728174, 0.322366371146},
                      {0.328112009308, 0.318529170703, 0.320377241271},
                      {0.321292221231, 0.322651758842, 0.322646558832},
                      {0.295270653763, 0.353464580719, 0.32053278215}},
                     1e-9);
}

TEST_CASE("MACE EM from crowd-kit's start matches crowd-kit's method='em' on simple") {
  const auto simple = lq::mace(crowdkit_fixtures::simple_answers(), 3,
                               mace_vb_test_crowdkit_start(lq::MaceMethod::em, 3));
  CHECK(simple.labels == crowdkit_fixtures::simple_truth());
  mace_vb_test_check(simple.competence,
                     {0.006675686647, 0.949689081375, 0.986185687552, 0.854646337175,
                      0.967844766603, 0.54120013565},
                     1e-9);
  mace_vb_test_check(simple.posterior.row(4).transpose(),
                     {0.655627005139, 0.253020685608, 0.091352309253}, 1e-9);
  mace_vb_test_check(simple.spam.row(5).transpose(),
                     {0.001206625791, 0.65959892184, 0.339194452369}, 1e-9);
}

TEST_CASE("MACE restarts keep the run with the highest objective, reproducibly") {
  const auto answers = crowdkit_fixtures::simple_answers();
  lq::MaceOptions one;
  one.method = lq::MaceMethod::variational_bayes;
  one.max_iterations = 50;
  auto many = one;
  many.restarts = 10;
  many.seed = 1;
  const auto a = lq::mace(answers, 3, one);
  const auto b = lq::mace(answers, 3, many);
  CHECK(a.restart == 0);
  CHECK(b.log_likelihood.back() >= a.log_likelihood.back());
  CHECK(b.labels == crowdkit_fixtures::simple_truth());
  const auto again = lq::mace(answers, 3, many);
  CHECK(again.restart == b.restart);
  CHECK(again.posterior == b.posterior);
  // EM from random starts: the objective never decreases after the kept start.
  lq::MaceOptions em;
  em.restarts = 4;
  em.majority_vote_start = false;
  em.seed = 9;
  const auto r = lq::mace(answers, 3, em);
  for (std::size_t t = 2; t < r.log_likelihood.size(); ++t) {
    CHECK(r.log_likelihood[t] >= r.log_likelihood[t - 1] - 1e-9);
  }
  CHECK_THROWS_AS(lq::mace(answers, 3, {.restarts = 0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::mace(answers, 3, {.strategy_prior = 0}), labelkit::invalid_argument);
}
