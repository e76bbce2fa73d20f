#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <vector>

#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/preferences.hpp"

using labelkit::Comparison;
using labelkit::Winner;
using labelkit::quality::bradley_terry;
using labelkit::quality::BradleyTerryOptions;
using labelkit::quality::noisy_bradley_terry;
using labelkit::quality::NoisyBradleyTerryOptions;
using labelkit::quality::TieRule;

namespace {

using PrefsIds = std::vector<Eigen::Index>;

// crowd-kit's tests/aggregation/test_bt_aggregation.py fixtures, items a, b, c = 0, 1, 2, on
// one annotator w1 = 0. data_abc: a beats b, b beats c, a beats c (c on the left).
std::vector<Comparison> prefs_abc() {
  return {{0, 0, 1, Winner::left}, {0, 1, 2, Winner::left}, {0, 2, 0, Winner::right}};
}
// data_equal: a beats b, b beats c, c beats a (a cycle).
std::vector<Comparison> prefs_equal() {
  return {{0, 0, 1, Winner::left}, {0, 1, 2, Winner::left}, {0, 2, 0, Winner::left}};
}
// Four items a..d = 0..3 and three annotators w1..w3 = 0..2, strongly connected:
//   rows = [("w1","a","b","a"), ("w2","a","b","b"), ("w1","b","c","b"), ("w3","c","b","b"),
//           ("w2","c","a","c"), ("w3","a","c","a"), ("w1","a","d","a"), ("w2","d","b","d"),
//           ("w3","c","d","c"), ("w1","d","c","d"), ("w2","a","b","a"), ("w3","b","d","b")]
std::vector<Comparison> prefs_four() {
  return {{0, 0, 1, Winner::left},  {1, 0, 1, Winner::right}, {0, 1, 2, Winner::left},
          {2, 2, 1, Winner::right}, {1, 2, 0, Winner::left},  {2, 0, 2, Winner::left},
          {0, 0, 3, Winner::left},  {1, 3, 1, Winner::left},  {2, 2, 3, Winner::left},
          {0, 3, 2, Winner::left},  {1, 0, 1, Winner::left},  {2, 1, 3, Winner::left}};
}

// Decodes "wlrL..." quadruples: annotator, left, right digits and L or R for the winner.
std::vector<Comparison> prefs_decode(std::string_view text) {
  std::vector<Comparison> out;
  for (std::size_t k = 0; k + 3 < text.size(); k += 4) {
    out.push_back({text[k] - '0', text[k + 1] - '0', text[k + 2] - '0',
                   text[k + 3] == 'L' ? Winner::left : Winner::right});
  }
  return out;
}

void prefs_near(const Eigen::VectorXd& got, const std::vector<double>& want, double tolerance) {
  REQUIRE(got.size() == static_cast<Eigen::Index>(want.size()));
  for (std::size_t k = 0; k < want.size(); ++k) {
    INFO("entry ", k, ": got ", got(static_cast<Eigen::Index>(k)), ", want ", want[k]);
    CHECK(std::abs(got(static_cast<Eigen::Index>(k)) - want[k]) <= tolerance);
  }
}

}  // namespace

TEST_CASE("bradley_terry matches crowd-kit's step-by-step fixture on data_abc") {
  // cd crowd-kit && PYTHONPATH=. python3 -c 'import pandas as pd
  // from crowdkit.aggregation import BradleyTerry
  // abc = pd.DataFrame([["w1","t1","a","b","a"],["w1","t2","b","c","b"],["w1","t3","c","a","a"]],
  //                    columns=["worker","task","left","right","label"])
  // for n in [0,1,2,10]: print(n, BradleyTerry(n_iter=n,tol=0).fit(abc).scores_.values.tolist())'
  // 0 [1/3, 1/3, 1/3]; 1 [0.6666666666666666, 0.3333333333333333, 0.0]
  // 2 [0.7619047619047619, 0.23809523809523808, 0.0]
  // 10 [0.9348970414207921, 0.06510295857920784, 0.0]  (crowd-kit's test: [0.934, 0.065, 0.0])
  const auto data = prefs_abc();
  BradleyTerryOptions o;
  o.tolerance = 0;
  o.max_iterations = 0;
  prefs_near(bradley_terry(data, o).scores, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15);
  o.max_iterations = 1;
  prefs_near(bradley_terry(data, o).scores, {0.6666666666666666, 0.3333333333333333, 0.0}, 1e-15);
  o.max_iterations = 2;
  prefs_near(bradley_terry(data, o).scores, {0.7619047619047619, 0.23809523809523808, 0.0}, 1e-15);
  o.max_iterations = 10;
  const auto r = bradley_terry(data, o);
  prefs_near(r.scores, {0.9348970414207921, 0.06510295857920784, 0.0}, 1e-14);
  CHECK(r.iterations == 10);
  CHECK_FALSE(r.converged);
  CHECK(r.items == PrefsIds{0, 1, 2});
  CHECK(r.ranking == PrefsIds{0, 1, 2});
  CHECK(r.n_components == 1);
  CHECK(r.rank_of(2) == 2);
  CHECK(r.score_of(1) == doctest::Approx(0.06510295857920784));
  CHECK_FALSE(r.score_of(7).has_value());
}

TEST_CASE("bradley_terry gives a cycle equal scores, as crowd-kit's data_equal fixture") {
  // crowd-kit's test_bradley_terry_equal: [1/3, 1/3, 1/3] for (n_iter, tol) = (10, 0) and
  // (100500, 1e-5). The first iteration changes nothing, so the tolerance stops it there.
  const auto r = bradley_terry(prefs_equal(), {});
  prefs_near(r.scores, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15);
  CHECK(r.iterations == 1);
  CHECK(r.converged);
  CHECK(r.ranking == PrefsIds{0, 1, 2});  // equal scores: lower id first
}

TEST_CASE("bradley_terry on a strongly connected graph: crowd-kit's iterates and the MLE") {
  // rows as in prefs_four(); df = pd.DataFrame(rows, columns=["worker","left","right","label"])
  // BradleyTerry(n_iter=n, tol=0).fit(df).scores_.values.tolist():
  //   1 -> [0.3381642512077294, 0.28985507246376807, 0.1690821256038647, 0.2028985507246377]
  //   5 -> [0.4109986440769856, 0.3040679449978484, 0.1315408168010612, 0.15339259412410466]
  //   1000 -> [0.4173940556110331, 0.3029547606546809, 0.12960288355590843, 0.1500483001783776]
  // (BradleyTerry(n_iter=100, tol=1e-5) stops after two iterations, at the n_iter=2 scores.)
  const auto data = prefs_four();
  BradleyTerryOptions o;
  o.tolerance = 0;
  o.max_iterations = 1;
  prefs_near(bradley_terry(data, o).scores,
             {0.3381642512077294, 0.28985507246376807, 0.1690821256038647, 0.2028985507246377},
             1e-15);
  o.max_iterations = 5;
  prefs_near(bradley_terry(data, o).scores,
             {0.4109986440769856, 0.3040679449978484, 0.1315408168010612, 0.15339259412410466},
             1e-15);
  o.max_iterations = 1000;
  const std::vector<double> mle = {0.4173940556110331, 0.3029547606546809, 0.12960288355590843,
                                   0.1500483001783776};
  prefs_near(bradley_terry(data, o).scores, mle, 1e-14);
  o.tolerance = 1e-12;
  const auto r = bradley_terry(data, o);
  CHECK(r.converged);
  prefs_near(r.scores, mle, 1e-11);
  CHECK(r.ranking == PrefsIds{0, 1, 3, 2});
  // The MLE solves W_i = sum_j n_ij p_i / (p_i + p_j) (Hunter 2004, eq. 2).
  const std::vector<double> wins = {4, 4, 2, 2};
  Eigen::VectorXd expected = Eigen::VectorXd::Zero(4);
  for (const Comparison& c : data) {
    const double pl = r.scores(c.left), pr = r.scores(c.right);
    expected(c.left) += pl / (pl + pr);
    expected(c.right) += pr / (pl + pr);
  }
  prefs_near(expected, wins, 1e-9);
}

TEST_CASE("bradley_terry is invariant to sides, order and id relabelling") {
  auto data = prefs_four();
  BradleyTerryOptions o;
  o.tolerance = 0;
  o.max_iterations = 50;
  const auto base = bradley_terry(data, o);
  std::vector<Comparison> flipped;
  for (auto it = data.rbegin(); it != data.rend(); ++it) {
    const Winner w = it->winner == Winner::left ? Winner::right : Winner::left;
    flipped.push_back({it->annotator + 100, it->right * 1000 + 5, it->left * 1000 + 5, w});
  }
  const auto r = bradley_terry(flipped, o);
  CHECK(r.items == PrefsIds{5, 1005, 2005, 3005});
  prefs_near(r.scores, {base.scores(0), base.scores(1), base.scores(2), base.scores(3)}, 1e-15);
}

TEST_CASE("bradley_terry ties: ignored as crowd-kit does, or half a win each") {
  // 0 beats 1 twice, 1 beats 0 once, and one tie. Ignoring it: p0 / (p0 + p1) = 2/3.
  // Half: 2.5 wins of 4, p0 / (p0 + p1) = 5/8.
  const std::vector<Comparison> d = {{0, 0, 1, Winner::left},
                                     {0, 0, 1, Winner::left},
                                     {1, 1, 0, Winner::left},
                                     {1, 0, 1, Winner::tie}};
  BradleyTerryOptions o;
  o.tolerance = 1e-15;
  o.max_iterations = 1000;
  prefs_near(bradley_terry(d, o).scores, {2.0 / 3, 1.0 / 3}, 1e-12);
  o.ties = TieRule::half;
  prefs_near(bradley_terry(d, o).scores, {5.0 / 8, 3.0 / 8}, 1e-12);
  // Only ties, ignored: no comparison counts; every item keeps 1/I, each its own component.
  const std::vector<Comparison> only_ties = {{0, 3, 9, Winner::tie}};
  const auto r = bradley_terry(only_ties, {});
  prefs_near(r.scores, {0.5, 0.5}, 0);
  CHECK(r.iterations == 0);
  CHECK(r.n_components == 2);
  CHECK(r.components == PrefsIds{0, 1});
}

TEST_CASE("bradley_terry on a disconnected graph reports its components; empty input is empty") {
  // {0, 1} and {5, 6} never meet: two components, each ranked internally.
  const std::vector<Comparison> d = {{0, 0, 1, Winner::left}, {0, 1, 0, Winner::left},
                                     {0, 0, 1, Winner::left}, {0, 5, 6, Winner::right},
                                     {0, 6, 5, Winner::left}, {0, 5, 6, Winner::left}};
  const auto r = bradley_terry(d, {});
  CHECK(r.n_components == 2);
  CHECK(r.components == PrefsIds{0, 0, 1, 1});
  CHECK(std::abs(r.scores.sum() - 1.0) < 1e-12);
  CHECK(r.scores(0) / r.scores(1) == doctest::Approx(2.0).epsilon(1e-4));
  CHECK(r.scores(3) / r.scores(2) == doctest::Approx(2.0).epsilon(1e-4));
  const std::vector<Comparison> none;
  const auto e = bradley_terry(none, {});
  CHECK(e.items.empty());
  CHECK(e.scores.size() == 0);
  CHECK(e.ranking.empty());
  CHECK(e.n_components == 0);
  const auto ne = noisy_bradley_terry(none, {});
  CHECK(ne.items.empty());
  CHECK(ne.annotators.empty());
}

TEST_CASE("noisy_bradley_terry's log-likelihood is crowd-kit's, and its gradient is exact") {
  // At x = np.linspace(-0.7, 0.9, 11) (anchor, 4 item logits, 3 bias and 3 skill logits) on
  // prefs_four(), crowd-kit's NoisyBradleyTerry._compute_log_likelihood(x, np_data + 1,
  // np_workers, 4, 3, 0.0) = 8.413140837456806 (its -sum log P without the penalty).
  const auto data = prefs_four();
  const auto layout = labelkit::detail::make_comparison_layout(data, TieRule::ignore, "test");
  labelkit::detail::NoisyBtObjective<double> f{&layout, 0.0};
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(11, -0.7, 0.9);
  Eigen::VectorXd g(11), g2(11);
  CHECK(f(x, g) == doctest::Approx(8.413140837456806).epsilon(1e-14));
  // Central differences of the penalised objective (lambda = 0.3) match the gradient.
  labelkit::detail::NoisyBtObjective<double> fr{&layout, 0.3};
  const double value = fr(x, g);
  CHECK(std::isfinite(value));
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    Eigen::VectorXd up = x, down = x;
    up(k) += 1e-6;
    down(k) -= 1e-6;
    const double numeric = (fr(up, g2) - fr(down, g2)) / 2e-6;
    INFO("parameter ", k);
    CHECK(std::abs(numeric - g(k)) < 1e-7);
  }
}

TEST_CASE("noisy_bradley_terry reaches scipy's L-BFGS-B optimum of the same objective") {
  // 5 items, 4 annotators, every ordered pair once per annotator, simulated with
  // numpy.random.default_rng(7) from s = [1.5, 0.8, 0, -0.6, -1.4], skills [.9, .8, .5, .7],
  // biases [.5, .5, .9, .3]; then scipy.optimize.minimize(f, x0, jac=grad, method="L-BFGS-B",
  // options=dict(gtol=1e-13, ftol=1e-16)) of the objective documented in noisy_bradley_terry()
  // with lambda = 0.5 from s = 0, q = 0, gamma = 1 (the script is quoted in docs/preferences.md):
  //   f = 41.75396326863101; scores [0.8034704088221911, 0.805885498114682, 0.5574460789825205,
  //   0.14016087880067377, 0.21794444089462148]; skills [1.0, 0.756383658081709,
  //   0.6384154018848821, 0.5190923667581597]; biases [0.999999996500611, 0.9999999999999767,
  //   0.8614528150798202, 4.134048337287083e-21]
  const auto data = prefs_decode(
      "001R002L003L004L010R012L013L014L020R021R023L024L030R031R032R034L040R041R042L043L101R102R"
      "103L104L110R112L113L114L120L121R123L124L130R131L132L134L140R141R142R143L201R202L203L204L"
      "210L212R213L214L220R221L223L224L230L231L232R234R240R241R242L243R301L302R303L304L310R312R"
      "313L314R320R321R323R324R330R331R332R334R340R341R342R343L");
  REQUIRE(data.size() == 80);
  NoisyBradleyTerryOptions o;
  o.regularization = 0.5;
  o.tolerance = 1e-9;
  o.max_iterations = 10000;
  const auto r = noisy_bradley_terry(data, o);
  CHECK(r.objective == doctest::Approx(-41.75396326863101).epsilon(1e-9));
  prefs_near(r.scores,
             {0.8034704088221911, 0.805885498114682, 0.5574460789825205, 0.14016087880067377,
              0.21794444089462148},
             1e-5);
  prefs_near(r.skills, {1.0, 0.756383658081709, 0.6384154018848821, 0.5190923667581597}, 1e-4);
  prefs_near(r.biases, {0.999999996500611, 0.9999999999999767, 0.8614528150798202, 0.0}, 1e-4);
  CHECK(r.ranking == PrefsIds{1, 0, 2, 4, 3});
  CHECK(r.annotators == PrefsIds{0, 1, 2, 3});
  CHECK(r.skill_of(1) == doctest::Approx(0.756383658081709).epsilon(1e-4));
  CHECK_FALSE(r.bias_of(9).has_value());
}

TEST_CASE("noisy_bradley_terry with no iterations returns its start, as crowd-kit's n_iter=0") {
  NoisyBradleyTerryOptions o;
  o.max_iterations = 0;
  const auto r = noisy_bradley_terry(prefs_equal(), o);
  prefs_near(r.scores, {0.5, 0.5, 0.5}, 0);
  CHECK(r.skills(0) == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  CHECK(r.iterations == 0);
  // A cycle has equal scores at the optimum too (crowd-kit's buggy gradient gives
  // [0.672, 0.646, 0.633] on this fixture).
  const auto full = noisy_bradley_terry(prefs_equal(), {});
  CHECK(std::abs(full.scores(0) - full.scores(1)) < 1e-4);
  CHECK(std::abs(full.scores(1) - full.scores(2)) < 1e-4);
}

TEST_CASE("noisy_bradley_terry ties: ignored, or half a preference each way") {
  // Only ties between 0 and 1, plus 1 beating 2 twice. Ignored: items 0 and 1 share no counted
  // comparison (two components). Half: every tie pulls 0 and 1 together; 1 stays above 2.
  const std::vector<Comparison> d = {{0, 0, 1, Winner::tie},
                                     {1, 1, 0, Winner::tie},
                                     {0, 1, 2, Winner::left},
                                     {1, 2, 1, Winner::right}};
  NoisyBradleyTerryOptions o;
  o.regularization = 0.5;
  const auto ignored = noisy_bradley_terry(d, o);
  CHECK(ignored.n_components == 2);
  CHECK(ignored.components == PrefsIds{0, 1, 1});
  o.ties = TieRule::half;
  const auto half = noisy_bradley_terry(d, o);
  CHECK(half.n_components == 1);
  CHECK(half.scores(1) > half.scores(2));
  CHECK(half.scores(0) > half.scores(2));
  CHECK(std::isfinite(half.objective));
}
