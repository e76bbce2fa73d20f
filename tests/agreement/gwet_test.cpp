#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/scott.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/random.hpp"

using namespace labelkit::agreement;
using agreement_test::NA;

namespace {

// Gwet (2014) / irrCAC's `cac.raw4raters`: 12 subjects x 4 raters with missing ratings (the same
// data as Krippendorff's 2011 example, transposed). irrCAC README (rounded): percent agreement
// 0.8181818 se 0.12561; AC1 0.77544 se 0.14295 CI (0.461, 1); Fleiss 0.76117 se 0.15302;
// Conger 0.76282 se 0.14917; Brennan-Prediger 0.77273 se 0.14472. Full-precision literals come
// from a Python transcription of irrCAC's agree.coeff3.raw.r (/work/notes/agreement_ref/gwet.py)
// that reproduces every README figure above.
Eigen::MatrixXd cac_raw4raters() {
  Eigen::MatrixXd r(12, 4);
  r << 1, 1, NA, 1, 2, 2, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 2, 3, 4, 4, 4, 4, 4, 1, 1, 2,
      1, 2, 2, 2, 2, NA, 5, 5, 5, NA, NA, 1, 1, NA, NA, 3, NA;
  return r;
}

struct Ref {
  double value, se, lower, upper, p_one_sided, pa, pe;
};

void check_estimate(const Estimate& e, const Ref& r) {
  CHECK_REL(e.value, r.value, 1e-12);
  CHECK_REL(e.se, r.se, 1e-11);
  CHECK_REL(e.ci_lower, r.lower, 1e-10);
  CHECK_REL(e.ci_upper, r.upper, 1e-10);
  CHECK_REL(e.p_value_one_sided, r.p_one_sided, 1e-8);
  CHECK_REL(e.p_value, std::min(1.0, 2 * r.p_one_sided), 1e-8);
  CHECK_REL(e.observed, r.pa, 1e-12);
  CHECK_REL(e.expected, r.pe, 1e-12);
}

}  // namespace

TEST_CASE("Gwet's coefficients on irrCAC's cac.raw4raters (unweighted)") {
  const CountTable t = count_table(cac_raw4raters());
  REQUIRE(t.categories == std::vector<double>{1, 2, 3, 4, 5});
  check_estimate(percent_agreement(t), {0.8181818181818182, 0.12560895994686497, 0.5417183613653149,
                                        1.0, 2.172686311996408e-05, 0.8181818181818182, 0.0});
  check_estimate(gwet_ac2(t), {0.775444068126995, 0.1429499506407653, 0.4608133481320805, 1.0,
                               0.0001043604920316632, 0.8181818181818182, 0.19032118055555555});
  check_estimate(fleiss_kappa_generalized(t),
                 {0.7611692754224112, 0.15301920346949238, 0.42437627937834516, 1.0,
                  0.00020958651926528127, 0.8181818181818182, 0.2387152777777778});
  check_estimate(brennan_prediger(t), {0.7727272727272727, 0.14471661989948315, 0.45420813991114556,
                                       1.0, 0.00011878043481217126, 0.8181818181818182, 0.2});
  check_estimate(conger_kappa(cac_raw4raters()),
                 {0.7628174413033062, 0.1491681524801737, 0.43450055133745336, 1.0,
                  0.00016835328860453913, 0.8181818181818182, 0.23342516069788796});
  // The README's rounded figures, independently of the transcription.
  CHECK(std::round(gwet_ac2(t).value * 1e5) == 77544);
  CHECK(std::round(gwet_ac2(t).se * 1e5) == 14295);
  CHECK(std::round(conger_kappa(cac_raw4raters()).se * 1e5) == 14917);
}

TEST_CASE("Gwet's weighted coefficients (AC2 and the others) on cac.raw4raters") {
  const CountTable t = count_table(cac_raw4raters());
  struct Row {
    WeightScheme scheme;
    Ref ac2, fleiss, bp, pa, conger;
  };
  const Row rows[] = {
      {WeightScheme::linear,
       {0.8587391364326115, 0.11732902188136356, 0.6004997004246827, 1.0, 7.53015426624426e-06,
        0.9393939393939394, 0.5709635416666667},
       {0.8179447670973097, 0.14850435549945082, 0.49108888443533577, 1.0, 9.201962912297468e-05,
        0.9393939393939394, 0.6671006944444444},
       {0.8484848484848486, 0.1233561244941025, 0.5769798490679843, 1.0, 1.3312785866137489e-05,
        0.9393939393939394, 0.6},
       {0.9393939393939394, 0.09367910264110153, 0.7332076246709875, 1.0, 3.595388130550603e-07,
        0.9393939393939394, 0.0},
       {0.8137763199661413, 0.1450854024931668, 0.49444550213401955, 1.0, 7.909374510339795e-05,
        0.9393939393939394, 0.6745523415977962}},
      {WeightScheme::quadratic,
       {0.9140007235516047, 0.10396224464505995, 0.6851813658789148, 1.0, 1.3172192329102828e-06,
        0.9753787878787878, 0.7137044270833333},
       {0.8649350649350647, 0.14603361075691243, 0.5435172547857707, 1.0, 4.98804066036973e-05,
        0.9753787878787878, 0.8177083333333334},
       {0.9015151515151514, 0.11089437497397325, 0.6574382778607624, 1.0, 2.8027398626395694e-06,
        0.9753787878787878, 0.75},
       {0.9753787878787878, 0.09061627831954652, 0.7759337040355196, 1.0, 1.76318828537525e-07,
        0.9753787878787878, 0.0},
       {0.8577106562225328, 0.14367066382873353, 0.5414936571962242, 1.0, 4.65998949683577e-05,
        0.9753787878787878, 0.8269637664524028}},
      {WeightScheme::ordinal,
       {0.8989397699075113, 0.1069035238154355, 0.6636467004291637, 1.0, 2.0269643852266483e-06,
        0.968181818181818, 0.68515625},
       {0.8502061893970346, 0.14703569387395884, 0.5265828091779519, 1.0, 6.121079264709284e-05,
        0.968181818181818, 0.7875868055555556},
       {0.8863636363636358, 0.1139059039777027, 0.6356584320628789, 1.0, 4.2455166041621695e-06,
        0.968181818181818, 0.72},
       {0.968181818181818, 0.09085742333406824, 0.7682059777401595, 1.0, 1.9520356975277764e-07,
        0.968181818181818, 0.0},
       {0.8436595251881869, 0.1440999591117207, 0.5264976536147299, 1.0, 5.506812462341415e-05,
        0.968181818181818, 0.7964814814814815}},
      {WeightScheme::radical,
       {0.8198117021979973, 0.12835552461698596, 0.5373030973013495, 1.0, 2.5862227463924192e-05,
        0.8972691065733707, 0.4298692274705112},
       {0.7899240946506544, 0.15003645828960588, 0.4596960764838275, 1.0, 0.00013320438694286452,
        0.8972691065733707, 0.5109820269212071},
       {0.8126270795035795, 0.13277937498497874, 0.5203816455965522, 1.0, 3.759569195294077e-05,
        0.8972691065733707, 0.4517303079097185},
       {0.8972691065733707, 0.10155194140956865, 0.673754790553297, 1.0, 1.2548373090615073e-06,
        0.8972691065733707, 0.0},
       {0.7883400075834879, 0.14636520750856033, 0.4661923579046852, 1.0, 0.00011064214757483537,
        0.8972691065733707, 0.5146418921509183}},
      {WeightScheme::ratio,
       {0.8573675578296347, 0.12207133013514335, 0.5886903717305978, 1.0, 1.1005703461131056e-05,
        0.954114873222016, 0.6782981060986314},
       {0.8213383439447282, 0.15238604056074906, 0.4859389300667212, 1.0, 0.00011001471473504054,
        0.954114873222016, 0.7431730579963467},
       {0.8402366927611039, 0.13220883163329053, 0.5492470163043264, 1.0, 2.7022355989170244e-05,
        0.954114873222016, 0.7127930839002267},
       {0.954114873222016, 0.09210841058513543, 0.7513856284053058, 1.0, 2.5966184713510643e-07,
        0.954114873222016, 0.0},
       {0.8119651758695519, 0.14860070175610907, 0.4848972365264436, 1.0, 9.830433977264796e-05,
        0.954114873222016, 0.7559753785492872}},
  };
  for (const Row& row : rows) {
    CAPTURE(static_cast<int>(row.scheme));
    check_estimate(gwet_ac2(t, row.scheme), row.ac2);
    check_estimate(fleiss_kappa_generalized(t, row.scheme), row.fleiss);
    check_estimate(brennan_prediger(t, row.scheme), row.bp);
    check_estimate(percent_agreement(t, row.scheme), row.pa);
    check_estimate(conger_kappa(cac_raw4raters(), row.scheme), row.conger);
    // Custom weights equal to the predefined ones give the same AC2.
    const Eigen::MatrixXd w = agreement_weights(t.categories, row.scheme);
    CHECK_REL(gwet_ac2(t, w).value, row.ac2.value, 1e-12);
  }
  Eigen::MatrixXd bad = Eigen::MatrixXd::Identity(5, 5);
  bad(0, 1) = 1.5;
  CHECK_THROWS_AS((void)gwet_ac2(t, bad), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)gwet_ac2(t, Eigen::MatrixXd::Identity(4, 4)), labelkit::dimension_mismatch);
}

TEST_CASE("distribution input: irrCAC's distrib.6raters (Fleiss 1971's first 15 patients)") {
  Eigen::MatrixXd d(15, 5);
  d << 0, 0, 0, 6, 0, 0, 3, 0, 0, 3, 0, 1, 4, 0, 1, 0, 0, 0, 0, 6, 0, 3, 0, 3, 0, 2, 0, 4, 0, 0, 0,
      0, 4, 0, 2, 2, 0, 3, 1, 0, 2, 0, 0, 4, 0, 0, 0, 0, 0, 6, 1, 0, 0, 5, 0, 1, 1, 0, 4, 0, 0, 3,
      3, 0, 0, 1, 0, 0, 5, 0, 0, 2, 0, 3, 1;
  CountTable t{d, {1, 2, 3, 4, 5}};
  // irrCAC README: AC1 0.4448007 se 0.08418757 (0.264, 0.625); Fleiss 0.4139265 se 0.08119291
  // (0.24, 0.588); BP 0.4388889 se 0.08312142 (0.261, 0.617).
  const auto ac1 = gwet_ac2(t);
  CHECK_REL(ac1.value, 0.44480073293632644, 1e-12);
  CHECK_REL(ac1.se, 0.08418756677430769, 1e-11);
  CHECK_REL(ac1.ci_lower, 0.2642363604306739, 1e-10);
  CHECK_REL(ac1.ci_upper, 0.625365105441979, 1e-10);
  const auto fk = fleiss_kappa_generalized(d);
  CHECK_REL(fk.value, 0.41392649903288237, 1e-12);
  CHECK_REL(fk.se, 0.08119290919590287, 1e-11);
  const auto bp = brennan_prediger(t);
  CHECK_REL(bp.value, 0.4388888888888891, 1e-12);
  CHECK_REL(bp.se, 0.08312142368750516, 1e-11);
}

TEST_CASE("two raters: irrCAC's cont3x3abstractors (Cohen, Scott, AC1, BP, percent agreement)") {
  // Contingency table [[13, 0, 0], [0, 20, 7], [0, 4, 56]] expanded to 100 items.
  std::vector<int> a;
  std::vector<int> b;
  const int table[3][3] = {{13, 0, 0}, {0, 20, 7}, {0, 4, 56}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < table[i][j]; ++k) {
        a.push_back(i + 1);
        b.push_back(j + 1);
      }
  // irrCAC README: Cohen 0.7964094, Scott 0.7962397, AC1 0.8493305, BP 0.835, PA 0.89.
  CHECK_REL(cohens_kappa(a, b), 0.796409402183972, 1e-12);
  CHECK_REL(scotts_pi(a, b), 0.7962396962119107, 1e-12);
  CHECK_REL(gwet_ac1(a, b), 0.8493305482313461, 1e-12);
  CHECK_REL(brennan_prediger(a, b), 0.835, 1e-12);
  CHECK_REL(percent_agreement(a, b), 0.89, 1e-12);
  CHECK(std::round(gwet_ac1(a, b) * 1e7) == 8493305);
  CHECK(std::round(scotts_pi(a, b) * 1e7) == 7962397);
  // Two-rater estimates equal the multi-rater framework on the expanded items.
  Eigen::MatrixXd wide(static_cast<Eigen::Index>(a.size()), 2);
  for (std::size_t i = 0; i < a.size(); ++i) {
    wide(static_cast<Eigen::Index>(i), 0) = a[i];
    wide(static_cast<Eigen::Index>(i), 1) = b[i];
  }
  const CountTable t = count_table(wide);
  // The standard errors below use Gwet's *.raw divisor n - 1 (labelkit's default). irrCAC's
  // README prints the *.table functions' figures for this table (AC1 se 0.04321747, Scott
  // 0.05905473), which divide by n: these times sqrt(99/100). Both conventions are checked
  // against the README in irrcac_inference_test.cpp (SeConvention::irrcac_table).
  CHECK_REL(gwet_ac1_estimate(a, b).se, gwet_ac2(t).se, 1e-12);
  CHECK_REL(gwet_ac1_estimate(a, b).se, 0.04343518913990894, 1e-11);
  CHECK_REL(scotts_pi_estimate(a, b).se, 0.05935224014554996, 1e-11);
  CHECK_REL(scotts_pi_estimate(a, b).value, fleiss_kappa_generalized(t).value, 1e-12);
}

TEST_CASE("two-rater coefficients: symmetry, relabelling, perfect agreement, degenerate cases") {
  labelkit::Random random(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<int> a(30);
    std::vector<int> b(30);
    for (std::size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<int>(random.uniform_index(4));
      b[i] = random.uniform01() < 0.6 ? a[i] : static_cast<int>(random.uniform_index(4));
    }
    CHECK_REL(scotts_pi(a, b), scotts_pi(b, a), 1e-13);
    CHECK_REL(gwet_ac1(a, b), gwet_ac1(b, a), 1e-13);
    CHECK_REL(gwet_ac1_estimate(a, b).se, gwet_ac1_estimate(b, a).se, 1e-12);
    std::vector<int> pa(a.size());
    std::vector<int> pb(b.size());
    const int perm[4] = {9, -2, 5, 0};
    for (std::size_t i = 0; i < a.size(); ++i) {
      pa[i] = perm[a[i]];
      pb[i] = perm[b[i]];
    }
    CHECK_REL(scotts_pi(pa, pb), scotts_pi(a, b), 1e-13);
    CHECK_REL(gwet_ac1(pa, pb), gwet_ac1(a, b), 1e-13);
    CHECK(scotts_pi(a, a) == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(gwet_ac1(a, a) == doctest::Approx(1.0).epsilon(1e-15));
  }
  const std::vector<int> same = {2, 2, 2};
  CHECK(scotts_pi(same, same) == 1.0);
  CHECK(gwet_ac1(same, same) == 1.0);
  CHECK(std::isnan(
      scotts_pi_estimate(same, same, WeightScheme::identity, 0.95, ZeroDivision::nan).value));
  CHECK_THROWS_AS((void)gwet_ac1(std::vector<int>{1}, std::vector<int>{1, 2}),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_AS((void)scotts_pi(std::vector<int>{1, 2}, std::vector<int>{1}),
                  labelkit::dimension_mismatch);
  // One disagreement in otherwise constant data: the paradox of kappa-type coefficients.
  const std::vector<int> x = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const std::vector<int> y = {1, 1, 1, 1, 1, 1, 1, 1, 1, 2};
  CHECK(scotts_pi(x, y) < 0.0);  // p_o = .9, p_e = .9025
  CHECK(gwet_ac1(x, y) > 0.85);  // AC1 is not fooled
}

TEST_CASE("Light's kappa, the pairwise matrix and Conger's kappa") {
  const Eigen::MatrixXd r = cac_raw4raters();
  // sklearn 1.2.1 cohen_kappa_score per pair over common items
  // (/work/notes/agreement_ref/light.py).
  const Eigen::MatrixXd m = pairwise_agreement(r);
  CHECK_REL(m(0, 1), 0.8448275862068966, 1e-12);
  CHECK_REL(m(0, 2), 0.4782608695652174, 1e-12);
  CHECK_REL(m(0, 3), 0.85, 1e-12);
  CHECK_REL(m(1, 2), 0.5423728813559321, 1e-12);
  CHECK_REL(m(1, 3), 0.8701298701298701, 1e-12);
  CHECK_REL(m(2, 3), 0.6153846153846154, 1e-12);
  CHECK(m(2, 1) == m(1, 2));
  CHECK(m(0, 0) == 1.0);
  CHECK_REL(light_kappa(r), 0.7001626371070886, 1e-12);
  const Eigen::MatrixXd pct = pairwise_agreement(r, PairwiseMetric::percent_agreement);
  CHECK(pct(0, 1) == doctest::Approx(8.0 / 9.0));
  // Raters with no common item: NaN in the matrix, skipped by Light's kappa.
  Eigen::MatrixXd disjoint(4, 3);
  disjoint << 1, 1, NA, 2, 2, NA, NA, NA, 1, NA, NA, 2;
  const Eigen::MatrixXd dm = pairwise_agreement(disjoint);
  CHECK(std::isnan(dm(0, 2)));
  CHECK(dm(0, 1) == 1.0);
  CHECK(light_kappa(disjoint) == 1.0);
  Eigen::MatrixXd none(2, 2);
  none << 1, NA, NA, 2;
  CHECK_THROWS_AS((void)light_kappa(none), labelkit::invalid_argument);
  // Conger with two raters and no missing data equals Cohen's kappa.
  std::vector<int> a;
  std::vector<int> b;
  for (Eigen::Index i = 0; i < 9; ++i) {
    a.push_back(static_cast<int>(r(i, 0)));
    b.push_back(static_cast<int>(r(i, 1)));
  }
  CHECK_REL(conger_kappa(r.topLeftCorner(9, 2)).value, cohens_kappa(a, b), 1e-12);
  // Row-major and float input.
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rf = r.cast<float>();
  CHECK_REL(conger_kappa(rf).value, 0.7628174413033062, 1e-12);
  CHECK_REL(light_kappa(rf), 0.7001626371070886, 1e-12);
}

TEST_CASE("multi-rater degenerate cases") {
  // Everything missing / a single rating per item: no pairable item.
  CountTable empty{Eigen::MatrixXd::Zero(3, 2), {0, 1}};
  CHECK_THROWS_AS((void)gwet_ac2(empty), labelkit::invalid_argument);
  CountTable singles{Eigen::MatrixXd::Identity(2, 2), {0, 1}};
  CHECK_THROWS_AS((void)fleiss_kappa_generalized(singles), labelkit::invalid_argument);
  // One category only: p_e = 1 -> policy (percent agreement is simply 1).
  CountTable one{Eigen::MatrixXd::Constant(3, 1, 4.0), {7}};
  CHECK(gwet_ac2(one).value == 1.0);
  CHECK(fleiss_kappa_generalized(one).value == 1.0);
  CHECK(brennan_prediger(one).value == 1.0);
  CHECK(percent_agreement(one).value == 1.0);
  CHECK(gwet_ac2(one, WeightScheme::identity, 0.95, ZeroDivision::zero).value == 0.0);
  CHECK_THROWS_AS((void)gwet_ac2(one, WeightScheme::identity, 0.95, ZeroDivision::raise),
                  labelkit::invalid_argument);
  Eigen::MatrixXd constant = Eigen::MatrixXd::Constant(4, 3, 2.0);
  CHECK(conger_kappa(constant).value == 1.0);
  // A single item rated by several raters: the value is defined, the variance is not.
  CountTable single{(Eigen::MatrixXd(1, 2) << 2, 1).finished(), {0, 1}};
  const auto s = gwet_ac2(single);
  CHECK(std::isfinite(s.value));
  CHECK(std::isnan(s.se));
  // A single rater cannot agree with anyone.
  Eigen::MatrixXd single_rater(3, 1);
  single_rater << 1, 2, 3;
  CHECK_THROWS_AS((void)conger_kappa(single_rater), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)gwet_ac2(count_table(single_rater)), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)gwet_ac2(count_table(cac_raw4raters()), WeightScheme::identity, 0.0),
                  labelkit::invalid_argument);
}

TEST_CASE("input shapes: long records with int or string keys, wide ratings, count tables") {
  // Long records, sparse ids, missing answers are absent.
  const std::vector<labelkit::Annotation> records = {
      {100, 7, 1}, {100, 9, 1}, {205, 7, 2}, {205, 9, 2}, {205, 11, 2}, {300, 11, 0}, {300, 9, 1}};
  const RatingTable w = wide_ratings(records);
  REQUIRE(w.items() == 3);
  REQUIRE(w.annotators() == 3);
  CHECK(w.item_ids() == std::vector<Eigen::Index>{100, 205, 300});
  CHECK(w.annotator_ids() == std::vector<Eigen::Index>{7, 9, 11});
  CHECK(std::isnan(w.items_by_annotators()(0, 2)));
  CHECK(w.items_by_annotators()(2, 2) == 0.0);
  CHECK(w.label(300, 11) == 0.0);
  CHECK_FALSE(w.label(100, 11).has_value());
  const CountTable t = count_table(w);
  CHECK(t.categories == std::vector<double>{0, 1, 2});
  CHECK(t.counts.row(0).sum() == 2.0);  // missing is never a category
  CHECK(t.counts.row(1).sum() == 3.0);
  // String keys and labels.
  const std::vector<std::string> items = {"img1", "img1", "img2", "img2", "img3", "img3"};
  const std::vector<std::string> raters = {"ann", "bob", "ann", "bob", "ann", "bob"};
  const std::vector<std::string> labels = {"cat", "cat", "dog", "cat", "dog", "dog"};
  const auto keyed = wide_ratings<std::string, std::string, std::string>(items, raters, labels);
  CHECK(keyed.labels == std::vector<std::string>{"cat", "dog"});
  CHECK(keyed.items.size() == 3);
  CHECK(keyed.ratings(1, 0) == 1.0);
  CHECK(keyed.ratings(1, 1) == 0.0);
  CHECK(pairwise_agreement(keyed.ratings, PairwiseMetric::percent_agreement)(0, 1) ==
        doctest::Approx(2.0 / 3));
  const std::vector<std::string> short_labels = {"cat"};
  CHECK_THROWS_AS(
      (void)(wide_ratings<std::string, std::string, std::string>(items, raters, short_labels)),
      labelkit::dimension_mismatch);
  const std::vector<labelkit::Annotation> negative = {{-1, 0, 1}};
  CHECK_THROWS_AS((void)wide_ratings(negative), labelkit::invalid_argument);
  Eigen::MatrixXd inf(1, 2);
  inf << 1, std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS((void)count_table(inf), labelkit::invalid_argument);
}
