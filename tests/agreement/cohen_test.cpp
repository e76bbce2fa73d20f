#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/core/random.hpp"

using labelkit::agreement::cohens_kappa;
using labelkit::agreement::cohens_kappa_estimate;
using labelkit::agreement::Weights;
using labelkit::agreement::ZeroDivision;

namespace {

// 40 items, codes {-3, 2, 7, 11} (not 0..C-1 on purpose). Generated and scored once with
// /usr/bin/python3 (numpy default_rng(20261128); sklearn 1.2.1 cohen_kappa_score; statsmodels
// 0.13.5 cohens_kappa on the 4 x 4 table) — see /work/notes/agreement_ref/cohen.py.
const std::vector<int> rater_a = {-3, 11, 7,  7,  11, 7,  11, 2,  7,  2,  2,  11, 7, 7,
                                  2,  7,  7,  2,  11, 11, 11, 11, 2,  -3, 11, 2,  7, -3,
                                  11, 7,  11, 11, -3, 11, 7,  -3, -3, 11, 2,  2};
const std::vector<int> rater_b = {7,  11, 7,  7,  7,  7,  11, 2,  7,  2,  11, 11, 7,  -3,
                                  2,  11, 7,  11, 11, 11, 11, 7,  2,  -3, 11, -3, 11, -3,
                                  11, 7,  11, -3, -3, -3, 7,  -3, -3, 11, -3, 7};

}  // namespace

TEST_CASE("cohens_kappa matches scikit-learn (none, linear, quadratic; weights by position)") {
  CHECK_REL(cohens_kappa(rater_a, rater_b), 0.5578231292517006, 1e-12);
  CHECK_REL(cohens_kappa(rater_a, rater_b, Weights::linear), 0.5774647887323944, 1e-12);
  CHECK_REL(cohens_kappa(rater_a, rater_b, Weights::quadratic), 0.5960591133004927, 1e-12);
}

TEST_CASE("cohens_kappa accepts std::vector temporaries and spans") {
  const double k = cohens_kappa(std::vector<int>{1, 2, 3, 1}, std::vector<int>{1, 2, 3, 1});
  CHECK(k == 1.0);
  const std::span<const int> a(rater_a);
  CHECK_REL(cohens_kappa(a, std::span<const int>(rater_b)), 0.5578231292517006, 1e-12);
}

TEST_CASE("cohens_kappa_estimate matches statsmodels' asymptotic inference") {
  struct Case {
    Weights w;
    double values[8];  // kappa, se, lower, upper, se0, z, p one-sided, p two-sided
  };
  const Case cases[] = {
      {Weights::none,
       {0.5578231292517007, 0.09864484200072264, 0.36448279166964026, 0.7511634668337612,
        0.09119833539248877, 6.116593322136929, 4.779845680594679e-10, 9.559691361189358e-10}},
      {Weights::linear,
       {0.5774647887323945, 0.10847544925072998, 0.3648568149941613, 0.7900727624706276,
        0.11404608666786954, 5.063433613589171, 2.0588590743749239e-07, 4.1177181487498477e-07}},
      {Weights::quadratic,
       {0.5960591133004927, 0.13369477517708922, 0.3340221690322181, 0.8580960575687673,
        0.15703433719126275, 3.7957247055751373, 7.360639314007148e-05, 0.00014721278628014296}},
  };
  for (const auto& c : cases) {
    const auto e = cohens_kappa_estimate(rater_a, rater_b, c.w);
    CHECK_REL(e.value, c.values[0], 1e-12);
    CHECK_REL(e.se, c.values[1], 1e-11);
    CHECK_REL(e.ci_lower, c.values[2], 1e-10);
    CHECK_REL(e.ci_upper, c.values[3], 1e-10);
    CHECK_REL(e.statistic, c.values[5], 1e-11);
    CHECK_REL(e.value / e.statistic, c.values[4], 1e-11);
    CHECK_REL(e.p_value_one_sided, c.values[6], 1e-8);
    CHECK_REL(e.p_value, c.values[7], 1e-8);
    CHECK(e.n == 40);
  }
}

TEST_CASE("cohens_kappa_estimate on a table reproduces the SAS example of statsmodels' tests") {
  Eigen::Matrix3d table;
  table << 0, 4, 1, 0, 8, 0, 0, 1, 5;
  const auto e = cohens_kappa_estimate(table);
  // statsmodels 0.13.5 cohens_kappa(table10); SAS printout: 0.4842, ASE 0.1380, (0.2137, 0.7547),
  // ASE under H0 0.1484, Z 3.2626, p 0.0006 / 0.0011.
  CHECK_REL(e.value, 0.48416289592760187, 1e-12);
  CHECK_REL(e.se, 0.1380135783058146, 1e-11);
  CHECK_REL(e.ci_lower, 0.21366125307070666, 1e-10);
  CHECK_REL(e.ci_upper, 0.754664538784497, 1e-10);
  CHECK_REL(e.statistic, 3.2625909799013257, 1e-11);
  CHECK_REL(e.p_value, 0.0011039873017298144, 1e-8);
  const auto w = cohens_kappa_estimate(table, Weights::linear);
  CHECK_REL(w.value, 0.4701195219123506, 1e-12);
  CHECK_REL(w.se, 0.14574604514192566, 1e-11);
  CHECK_REL(w.statistic, 3.297115867549998, 1e-11);
  CHECK_REL(w.p_value, 0.0009768319399475105, 1e-8);
}

TEST_CASE(
    "custom weight matrices: disagreement (Cohen 1968) and agreement (Gwet) conventions agree") {
  Eigen::Matrix4d disagreement;
  disagreement << 0, 1, 3, 3, 1, 0, 1, 3, 3, 1, 0, 1, 3, 3, 1, 0;
  // statsmodels 0.13.5 cohens_kappa(table, weights=W) -> 0.5748299319727892 (rows by position)
  CHECK_REL(cohens_kappa(rater_a, rater_b, disagreement), 0.5748299319727892, 1e-12);
  const Eigen::Matrix4d agreement = (1.0 - disagreement.array() / 3.0).matrix();
  CHECK_REL(cohens_kappa(rater_a, rater_b, agreement), 0.5748299319727892, 1e-12);
  // Linear weights as a matrix equal Weights::linear.
  Eigen::Matrix4d linear;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) linear(i, j) = std::abs(i - j);
  CHECK_REL(cohens_kappa(rater_a, rater_b, linear), cohens_kappa(rater_a, rater_b, Weights::linear),
            1e-14);
  // Codes in [0, C) index the matrix directly, even when a code is unused.
  const std::vector<int> a = {0, 0, 2, 2, 0, 2};
  const std::vector<int> b = {0, 2, 2, 2, 0, 0};
  Eigen::Matrix3d w3;
  w3 << 0, 1, 2, 1, 0, 1, 2, 1, 0;
  Eigen::Matrix2d w2;
  w2 << 0, 2, 2, 0;
  CHECK_REL(cohens_kappa(a, b, w3), cohens_kappa(a, b, w2), 1e-14);
  // Malformed matrices are rejected.
  Eigen::Matrix4d bad = disagreement;
  bad(1, 1) = 0.5;
  CHECK_THROWS_AS((void)cohens_kappa(rater_a, rater_b, bad), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)cohens_kappa(rater_a, rater_b, Eigen::Matrix3d::Zero()),
                  labelkit::dimension_mismatch);
}

TEST_CASE("cohens_kappa properties: symmetry, relabelling, perfect agreement") {
  labelkit::Random random(7);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 5 + static_cast<int>(random.uniform_index(60));
    std::vector<int> a(static_cast<std::size_t>(n));
    std::vector<int> b(a.size());
    for (int i = 0; i < n; ++i) {
      a[static_cast<std::size_t>(i)] = static_cast<int>(random.uniform_index(5));
      b[static_cast<std::size_t>(i)] = random.uniform01() < 0.5
                                           ? a[static_cast<std::size_t>(i)]
                                           : static_cast<int>(random.uniform_index(5));
    }
    for (const Weights w : {Weights::none, Weights::linear, Weights::quadratic}) {
      CHECK_REL(cohens_kappa(a, b, w), cohens_kappa(b, a, w), 1e-13);
      const auto e1 = cohens_kappa_estimate(a, b, w);
      const auto e2 = cohens_kappa_estimate(b, a, w);
      CHECK_REL(e1.se, e2.se, 1e-12);
    }
    // Nominal kappa is invariant under any relabelling; weighted kappa under monotone ones.
    const int perm[5] = {42, -7, 3, 1000, 8};
    std::vector<int> pa(a.size());
    std::vector<int> pb(b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      pa[i] = perm[a[i]];
      pb[i] = perm[b[i]];
    }
    CHECK_REL(cohens_kappa(pa, pb), cohens_kappa(a, b), 1e-13);
    for (std::size_t i = 0; i < a.size(); ++i) {
      pa[i] = 10 * a[i] - 3;
      pb[i] = 10 * b[i] - 3;
    }
    CHECK_REL(cohens_kappa(pa, pb, Weights::quadratic), cohens_kappa(a, b, Weights::quadratic),
              1e-13);
    CHECK(cohens_kappa(a, a) == doctest::Approx(1.0).epsilon(1e-15));
  }
}

TEST_CASE("cohens_kappa degenerate cases") {
  const std::vector<int> same = {4, 4, 4, 4};
  // p_e = 1: both raters use one category (scikit-learn 1.2.1 returns NaN here).
  CHECK(cohens_kappa(same, same) == 1.0);
  CHECK(cohens_kappa(same, same, Weights::quadratic) == 1.0);
  CHECK(cohens_kappa(same, same, Weights::none, ZeroDivision::zero) == 0.0);
  CHECK(std::isnan(cohens_kappa(same, same, Weights::none, ZeroDivision::nan)));
  CHECK_THROWS_AS((void)cohens_kappa(same, same, Weights::none, ZeroDivision::raise),
                  labelkit::invalid_argument);
  // One disagreement in otherwise constant data: the kappa paradox, kappa = 0 here (sklearn: 0.0).
  CHECK(cohens_kappa(std::vector<int>{1, 1, 1, 1}, std::vector<int>{1, 1, 1, 2}) ==
        doctest::Approx(0.0));
  // A single item.
  CHECK(cohens_kappa(std::vector<int>{3}, std::vector<int>{3}) == 1.0);
  CHECK(cohens_kappa(std::vector<int>{3}, std::vector<int>{5}) == 0.0);  // p_o = 0, p_e = 0
  // Mismatched lengths and empty input.
  CHECK_THROWS_AS((void)cohens_kappa(std::vector<int>{1, 2}, std::vector<int>{1}),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_AS((void)cohens_kappa(std::vector<int>{}, std::vector<int>{}), labelkit::error);
  try {
    (void)cohens_kappa(std::vector<int>{1, 2}, std::vector<int>{1});
  } catch (const labelkit::error& e) {
    CHECK(std::string(e.what()).find("cohens_kappa") != std::string::npos);
  }
  CHECK_THROWS_AS((void)cohens_kappa_estimate(rater_a, rater_b, Weights::none, 1.5),
                  labelkit::invalid_argument);
}

TEST_CASE("cohens_kappa scales: sparse large codes and many items") {
  std::vector<int> a;
  std::vector<int> b;
  labelkit::Random random(11);
  for (int i = 0; i < 20000; ++i) {
    const int x = static_cast<int>(random.uniform_index(3));
    a.push_back(x * 1000000000);
    b.push_back((random.uniform01() < 0.8 ? x : static_cast<int>(random.uniform_index(3))) *
                1000000000);
  }
  std::vector<int> sa(a.size());
  std::vector<int> sb(b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    sa[i] = a[i] / 1000000000;
    sb[i] = b[i] / 1000000000;
  }
  CHECK_REL(cohens_kappa(a, b, Weights::linear), cohens_kappa(sa, sb, Weights::linear), 1e-13);
}
