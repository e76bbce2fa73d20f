// Inference settings (standard-error convention, finite-population correction, z or t interval),
// Bangdiwala's B and the circular and bipolar weights, against Gwet's R package irrCAC.
//
// Provenance of the literals. irrCAC 1.4 (github kgwet/irrCAC, commit 7fb7509, DESCRIPTION
// Version 1.4): its README prints, for the contingency table cont3x3abstractors,
//   kappa2.table     0.7964094 se 0.05891072 (0.68,0.913)
//   gwet.ac1.table   0.8493305 se 0.04321747 (0.764,0.935)
//   scott2.table     0.7962397 se 0.05905473 (0.679,0.913)
//   bp2.table        0.835     se 0.04693346 (0.742,0.928)
//   pa2.table        0.89      se 0.03128898 (0.828,0.952)
//   bangdiwala.table 0.8059604 se 0.05449465 (0.698,0.914)
// The full-precision literals below come from a line-by-line numpy/scipy transcription of
// kappa2.table, gwet.ac1.table and bangdiwala.table (R/agree.coeff2.r) and of circular.weights
// and bipolar.weights (R/weights.gen.r), run once; each agrees with every digit the README
// prints. The transcription with N = 200 gives the finite-population figures.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/bangdiwala.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/interpret.hpp"
#include "labelkit/agreement/scott.hpp"
#include "labelkit/agreement/tables.hpp"

using namespace labelkit::agreement;

namespace {

const Eigen::Matrix3d& abstractors() {
  static const Eigen::Matrix3d t{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}};
  return t;
}

struct Pair {
  std::vector<int> a;
  std::vector<int> b;
};

Pair abstractors_items() {
  Pair p;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < static_cast<int>(abstractors()(i, j)); ++k) {
        p.a.push_back(i + 1);
        p.b.push_back(j + 1);
      }
  return p;
}

const InferenceOptions irrcac_table{.se = SeConvention::irrcac_table,
                                    .interval = IntervalDistribution::student_t};

}  // namespace

TEST_CASE("irrCAC *.table standard errors: divisor n, exactly sqrt(99/100) of the *.raw ones") {
  const Pair p = abstractors_items();
  const Estimate ac1_raw = gwet_ac1_estimate(p.a, p.b);
  const Estimate ac1_table = gwet_ac1_estimate(p.a, p.b, WeightScheme::identity, irrcac_table);
  CHECK_REL(ac1_table.value, 0.8493305482313462, 1e-12);
  CHECK_REL(ac1_table.se, 0.04321746752255927, 1e-11);
  CHECK_REL(ac1_table.ci_lower, 0.7635777165718082, 1e-11);
  CHECK_REL(ac1_table.ci_upper, 0.9350833798908843, 1e-11);
  CHECK(std::round(ac1_table.se * 1e8) == 4321747);
  CHECK_REL(ac1_table.se / ac1_raw.se, std::sqrt(99.0 / 100.0), 1e-13);
  // The other two-rater coefficients of the framework, to the README's printed digits.
  const Estimate scott = scotts_pi_estimate(p.a, p.b, WeightScheme::identity, irrcac_table);
  CHECK(std::round(scott.se * 1e8) == 5905473);
  CHECK(std::round(scott.ci_lower * 1e3) == 679);
  CHECK(std::round(scott.ci_upper * 1e3) == 913);
  Eigen::MatrixXd wide(static_cast<Eigen::Index>(p.a.size()), 2);
  for (std::size_t i = 0; i < p.a.size(); ++i) {
    wide(static_cast<Eigen::Index>(i), 0) = p.a[i];
    wide(static_cast<Eigen::Index>(i), 1) = p.b[i];
  }
  const CountTable t = count_table(wide);
  const Estimate bp = brennan_prediger(t, WeightScheme::identity, irrcac_table);
  CHECK(std::round(bp.se * 1e8) == 4693346);
  CHECK(std::round(bp.ci_lower * 1e3) == 742);
  CHECK(std::round(bp.ci_upper * 1e3) == 928);
  const Estimate pa = percent_agreement(t, WeightScheme::identity, irrcac_table);
  CHECK(std::round(pa.se * 1e8) == 3128898);
  CHECK(std::round(pa.ci_lower * 1e3) == 828);
  CHECK(std::round(pa.ci_upper * 1e3) == 952);
  // Default options reproduce the overloads without options.
  const Estimate same = gwet_ac2(t, WeightScheme::identity, InferenceOptions{});
  CHECK(same.se == gwet_ac2(t).se);
  CHECK(same.ci_lower == gwet_ac2(t).ci_lower);
  const Estimate fk = fleiss_kappa_generalized(t, WeightScheme::identity, irrcac_table);
  CHECK_REL(fk.se / fleiss_kappa_generalized(t).se, std::sqrt(99.0 / 100.0), 1e-13);
}

TEST_CASE("Cohen's kappa: z interval (Fleiss-Cohen-Everitt) or irrCAC's t interval") {
  const Pair p = abstractors_items();
  const Estimate z = cohens_kappa_estimate(p.a, p.b);
  const Estimate t = cohens_kappa_estimate(p.a, p.b, Weights::none, irrcac_table);
  // Same standard error (Fleiss, Cohen & Everitt 1969 divide by n, as kappa2.table does).
  CHECK_REL(z.se, 0.05891071832608146, 1e-11);
  CHECK_REL(t.se, z.se, 1e-14);
  CHECK(std::isinf(z.df));
  CHECK(t.df == 99);
  CHECK_REL(t.ci_lower, 0.679517756255808, 1e-11);
  CHECK_REL(t.ci_upper, 0.9133010481121361, 1e-11);
  CHECK(z.ci_lower > t.ci_lower);  // z is narrower than t_99
  const Estimate by_table = cohens_kappa_estimate(abstractors(), Weights::none, irrcac_table);
  CHECK_REL(by_table.ci_lower, t.ci_lower, 1e-13);
  // irrcac_raw: var x n / (n - 1).
  const Estimate raw = cohens_kappa_estimate(p.a, p.b, Weights::none,
                                             InferenceOptions{.se = SeConvention::irrcac_raw});
  CHECK_REL(raw.se / z.se, std::sqrt(100.0 / 99.0), 1e-13);
  // A normal interval on a Gwet coefficient.
  const Estimate ac1_z = gwet_ac1_estimate(
      p.a, p.b, WeightScheme::identity, InferenceOptions{.interval = IntervalDistribution::normal});
  CHECK(std::isinf(ac1_z.df));
}

TEST_CASE("finite-population correction (irrCAC's N)") {
  const Pair p = abstractors_items();
  InferenceOptions o = irrcac_table;
  o.population = 200;
  CHECK_REL(cohens_kappa_estimate(p.a, p.b, Weights::none, o).se, 0.04165616841294282, 1e-11);
  const Estimate ac1 = gwet_ac1_estimate(p.a, p.b, WeightScheme::identity, o);
  CHECK_REL(ac1.se, 0.03055936435091104, 1e-11);
  CHECK_REL(ac1.ci_lower, 0.7886941394589384, 1e-11);
  CHECK_REL(bangdiwala_b(p.a, p.b, o).se, 0.03853353753514786, 1e-11);
  // N = n: the whole population was rated, no sampling error.
  o.population = 100;
  CHECK(gwet_ac1_estimate(p.a, p.b, WeightScheme::identity, o).se == 0.0);
  o.population = 99;
  CHECK_THROWS_AS((void)gwet_ac1_estimate(p.a, p.b, WeightScheme::identity, o),
                  labelkit::invalid_argument);
  o.population = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS((void)cohens_kappa_estimate(p.a, p.b, Weights::none, o),
                  labelkit::invalid_argument);
}

TEST_CASE("Bangdiwala's B on irrCAC's cont3x3abstractors") {
  const Estimate b = bangdiwala_b(abstractors());
  CHECK_REL(b.value, 0.8059604089623669, 1e-12);
  CHECK_REL(b.se, 0.05449465138841883, 1e-11);
  CHECK_REL(b.ci_lower, 0.6978311979109101, 1e-11);
  CHECK_REL(b.ci_upper, 0.9140896200138237, 1e-11);
  CHECK(std::round(b.value * 1e7) == 8059604);
  CHECK(b.df == 99);
  const Pair p = abstractors_items();
  CHECK_REL(bangdiwala_b(p.a, p.b).value, b.value, 1e-14);
  // Brute force: sum of squared diagonal over the sum of marginal products.
  const std::vector<int> x{0, 0, 1, 2, 2, 2, 1};
  const std::vector<int> y{0, 1, 1, 2, 0, 2, 1};
  // diag (1, 2, 2); row marginals (2, 2, 3); column marginals (2, 3, 2).
  CHECK_REL(bangdiwala_b(x, y).value, (1.0 + 4 + 4) / (4.0 + 6 + 6), 1e-14);
  // Perfect agreement and no agreement.
  CHECK(bangdiwala_b(x, x).value == 1.0);
  const std::vector<int> zeros(4, 0);
  const std::vector<int> ones(4, 1);
  CHECK(bangdiwala_b(zeros, ones).value == 0.0);
  CHECK_THROWS_AS((void)bangdiwala_b(Eigen::MatrixXd::Zero(2, 3)), labelkit::invalid_argument);
}

TEST_CASE("circular and bipolar agreement weights (irrCAC weights.gen.r)") {
  const std::vector<double> five{1, 2, 3, 4, 5};
  const Eigen::MatrixXd c = agreement_weights(five, WeightScheme::circular);
  CHECK(c(0, 0) == 1.0);
  CHECK_REL(c(0, 1), 0.6180339887498951, 1e-14);
  CHECK(std::abs(c(0, 2)) < 1e-15);
  CHECK(std::abs(c(0, 3)) < 1e-15);
  CHECK_REL(c(0, 4), 0.6180339887498950, 1e-14);
  CHECK(c.isApprox(c.transpose()));
  const std::vector<double> uneven{0, 1, 3, 6};
  const Eigen::MatrixXd cu = agreement_weights(uneven, WeightScheme::circular);
  CHECK_REL(cu(0, 1), 0.8019377358048383, 1e-13);
  CHECK_REL(cu(1, 2), 0.3568958678922094, 1e-13);
  CHECK(std::abs(cu(0, 2)) < 1e-15);
  const Eigen::MatrixXd b = agreement_weights(five, WeightScheme::bipolar);
  CHECK_REL(b(0, 1), 0.8571428571428572, 1e-14);
  CHECK_REL(b(0, 2), 0.6666666666666667, 1e-14);
  CHECK_REL(b(0, 3), 0.4, 1e-14);
  CHECK(b(0, 4) == 0.0);
  CHECK_REL(b(1, 2), 0.9333333333333333, 1e-14);
  CHECK_REL(b(1, 3), 0.75, 1e-14);
  const Eigen::MatrixXd bu = agreement_weights(uneven, WeightScheme::bipolar);
  CHECK_REL(bu(0, 1), 0.9090909090909091, 1e-14);
  CHECK_REL(bu(1, 2), 0.875, 1e-14);
  CHECK_REL(bu(1, 3), 0.2857142857142857, 1e-13);
  // They plug into every coefficient of the framework.
  CountTable t;
  t.counts = Eigen::MatrixXd{{2, 1, 0, 0, 0}, {0, 2, 1, 0, 0}, {1, 0, 0, 0, 2}, {0, 0, 0, 3, 0}};
  t.categories = five;
  CHECK(std::isfinite(gwet_ac2(t, WeightScheme::circular).value));
  CHECK(std::isfinite(fleiss_kappa_generalized(t, WeightScheme::bipolar).value));
}

// irrCAC's benchmarking vignette (vignettes/benchmarking.Rmd, irrCAC 1.4) qualifies AC1 = 0.77544
// with se 0.14295 (gwet.ac1.raw(cac.raw4raters)) as "Moderate" on the Landis-Koch and Altman
// scales and "Intermediate to Good" on Fleiss', with the 0.95 rule. The cumulative probabilities
// come from a transcription of landis.koch.bf / altman.bf / fleiss.bf (R/benchmarking.r) run
// once with scipy.
TEST_CASE("Gwet's probabilistic benchmarking (irrCAC's *.bf functions)") {
  const BenchmarkResult lk = benchmark(0.77544, 0.14295, BenchmarkScale::landis_koch);
  REQUIRE(lk.levels.size() == 6);
  CHECK(lk.levels[0].name == "Almost Perfect");
  CHECK_REL(lk.levels[0].cumulative, 0.39674303137002037, 1e-12);
  CHECK_REL(lk.levels[1].cumulative, 0.8833648829695053, 1e-12);
  CHECK_REL(lk.levels[2].cumulative, 0.9954188073475584, 1e-12);
  CHECK_REL(lk.levels[3].cumulative, 0.9999698145249406, 1e-12);
  CHECK_REL(lk.levels[5].cumulative, 1.0, 1e-12);
  CHECK(lk.levels[lk.retained].name == "Moderate");
  const BenchmarkResult al = benchmark(0.77544, 0.14295, BenchmarkScale::altman);
  CHECK(al.levels.size() == 5);
  CHECK(al.levels[al.retained].name == "Moderate");
  const BenchmarkResult fl = benchmark(0.77544, 0.14295, BenchmarkScale::fleiss);
  CHECK(fl.levels.size() == 3);
  CHECK_REL(fl.levels[0].cumulative, 0.5441374938574862, 1e-12);
  CHECK(fl.levels[fl.retained].name == "Intermediate to Good");
  // The fixed bands call the same value "substantial": the benchmarking accounts for the se.
  CHECK(landis_koch(0.77544) == LandisKoch::substantial);
  // A precise estimate is qualified by its band.
  CHECK(benchmark(0.9, 0.001).levels[benchmark(0.9, 0.001).retained].name == "Almost Perfect");
  double total = 0;
  for (const auto& level : lk.levels) total += level.probability;
  CHECK_REL(total, 1.0, 1e-12);
  CHECK_THROWS_AS((void)benchmark(0.5, 0.0), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)benchmark(std::numeric_limits<double>::quiet_NaN(), 0.1),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)benchmark(0.5, 0.1, BenchmarkScale::fleiss, 0.0),
                  labelkit::invalid_argument);
}
