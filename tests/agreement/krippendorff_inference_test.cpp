// Krippendorff's alpha with Gwet's analytic standard error, against irrCAC's krippen.alpha.raw.
//
// Provenance. irrCAC 1.4 (github kgwet/irrCAC, commit 7fb7509; the variance code of
// krippen.alpha.raw in R/agree.coeff3.raw.r is unchanged since 2021): its README prints for
// cac.raw4raters (12 items x 4 raters, unweighted)
//   Krippendorff's Alpha  pa 0.805  pe 0.24  coeff 0.74342  se 0.14548  (0.423,1)  p 0.0001693123
// The full-precision literals come from a numpy/scipy transcription of krippen.alpha.raw run
// once (it reproduces every printed digit); the weighted levels use the same transcription with
// the agreement weights 1 - d2 / max d2 of Krippendorff's interval, ratio and ordinal metrics.
// (irrCAC 1.0's README, 2019, printed se 0.14557 and a two-sided p 0.000459 for the same data,
// from an earlier formula; irrCAC's krippen.alpha.dist, a different linearisation, gives
// se 0.0824 where krippen.alpha.raw gives 0.0812 on distrib.6raters.)
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/krippendorff.hpp"

using namespace labelkit::agreement;
using agreement_test::NA;

namespace {

// cac.raw4raters as annotators x items (irrCAC's file is items x raters).
Eigen::MatrixXd raw4raters() {
  Eigen::MatrixXd items_by_raters{{1, 1, NA, 1}, {2, 2, 3, 2},  {3, 3, 3, 3},   {3, 3, 3, 3},
                                  {2, 2, 2, 2},  {1, 2, 3, 4},  {4, 4, 4, 4},   {1, 1, 2, 1},
                                  {2, 2, 2, 2},  {NA, 5, 5, 5}, {NA, NA, 1, 1}, {NA, NA, 3, NA}};
  return items_by_raters.transpose();
}

}  // namespace

TEST_CASE("alpha's analytic standard error matches irrCAC's krippen.alpha.raw") {
  const Eigen::MatrixXd d = raw4raters();
  const Estimate e = krippendorff_alpha_estimate(d);
  CHECK_REL(e.value, 0.7434210526315789, 1e-12);
  CHECK_REL(e.value, krippendorff_alpha(d), 1e-12);
  CHECK_REL(e.observed, 0.805, 1e-12);
  CHECK_REL(e.expected, 0.24, 1e-12);
  CHECK_REL(e.se, 0.1454787172221992, 1e-11);
  CHECK(std::round(e.se * 1e5) == 14548);
  CHECK_REL(e.ci_lower, 0.4232245549176147, 1e-11);
  CHECK(e.ci_upper == 1.0);
  CHECK_REL(e.p_value_one_sided, 0.0001693122676729164, 1e-9);
  CHECK(std::round(e.p_value_one_sided * 1e10) == 1693123);
  CHECK(e.df == 11);  // n0 - 1 over all 12 items, as irrCAC
  CHECK(e.n == 11);   // items with two or more values
}

TEST_CASE("alpha's analytic standard error at the interval, ratio and ordinal levels") {
  const Eigen::MatrixXd d = raw4raters();
  const Estimate interval = krippendorff_alpha_estimate(d, Level::interval);
  CHECK_REL(interval.value, 0.8491071428571424, 1e-12);
  CHECK_REL(interval.value, krippendorff_alpha(d, Level::interval), 1e-12);
  CHECK_REL(interval.se, 0.12905119994422695, 1e-11);
  CHECK_REL(interval.ci_lower, 0.5650673668890014, 1e-11);
  const Estimate ratio = krippendorff_alpha_estimate(d, Level::ratio);
  CHECK_REL(ratio.value, krippendorff_alpha(d, Level::ratio), 1e-12);
  CHECK_REL(ratio.se, 0.1403603850748781, 1e-11);
  const Estimate ordinal = krippendorff_alpha_estimate(d, Level::ordinal);
  CHECK_REL(ordinal.value, 0.8153875037548816, 1e-12);
  CHECK_REL(ordinal.value, krippendorff_alpha(d, Level::ordinal), 1e-12);
  CHECK_REL(ordinal.se, 0.14225435384266313, 1e-11);
}

TEST_CASE("alpha estimate: finite population, z interval, value equals alpha on random data") {
  const Eigen::MatrixXd d = raw4raters();
  const Estimate fpc =
      krippendorff_alpha_estimate(d, Level::nominal, InferenceOptions{.population = 30});
  CHECK_REL(fpc.se, 0.11268732980583913, 1e-11);
  CHECK_REL(fpc.ci_upper, 0.9914441932636038, 1e-11);
  const Estimate z = krippendorff_alpha_estimate(
      d, Level::nominal, InferenceOptions{.interval = IntervalDistribution::normal});
  CHECK(std::isinf(z.df));
  CHECK_THROWS_AS(
      (void)krippendorff_alpha_estimate(d, Level::nominal, InferenceOptions{.population = 5}),
      labelkit::invalid_argument);
  // Random data with gaps in the codes and missing values: the value is alpha at every level.
  labelkit::Random random(11);
  for (int trial = 0; trial < 20; ++trial) {
    Eigen::MatrixXd r(4, 25);
    for (Eigen::Index u = 0; u < r.cols(); ++u)
      for (Eigen::Index c = 0; c < r.rows(); ++c)
        r(c, u) = random.uniform01() < 0.2 ? NA : static_cast<double>(2 * random.uniform_index(6));
    for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
      CHECK_REL(krippendorff_alpha_estimate(r, level).value, krippendorff_alpha(r, level), 1e-12);
    }
  }
  // One value everywhere: D_e = 0, the policy decides.
  const Eigen::MatrixXd same = Eigen::MatrixXd::Constant(2, 3, 4.0);
  CHECK(krippendorff_alpha_estimate(same).value == 1.0);
  CHECK_THROWS_AS((void)krippendorff_alpha_estimate(
                      same, Level::nominal, InferenceOptions{.zero_division = ZeroDivision::raise}),
                  labelkit::invalid_argument);
}

// The fused small-domain pass (integer codes spanning <= 16 values) against the general path,
// reached through the same metrics written as custom distances.
TEST_CASE("krippendorff_alpha: fused integer-code pass equals the general path") {
  labelkit::Random random(23);
  const auto nominal = [](double c, double k) { return c == k ? 0.0 : 1.0; };
  const auto ratio = [](double c, double k) {
    return c + k == 0 ? 0.0 : ((c - k) / (c + k)) * ((c - k) / (c + k));
  };
  for (int trial = 0; trial < 30; ++trial) {
    const int span = 1 + trial % 16;
    const double shift = static_cast<double>(trial * 7 % 40);
    Eigen::MatrixXd r(1 + trial % 6, 40);
    for (Eigen::Index u = 0; u < r.cols(); ++u)
      for (Eigen::Index c = 0; c < r.rows(); ++c)
        r(c, u) = random.uniform01() < 0.15 ? NA
                                            : shift + static_cast<double>(random.uniform_index(
                                                          static_cast<std::uint64_t>(span)));
    bool pairable = false;
    for (Eigen::Index u = 0; u < r.cols(); ++u)
      pairable = pairable || r.col(u).array().isFinite().count() >= 2;
    if (!pairable) continue;
    CHECK_REL(krippendorff_alpha(r, Level::nominal), krippendorff_alpha(r, nominal), 1e-12);
    CHECK_REL(krippendorff_alpha(r, Level::ratio), krippendorff_alpha(r, ratio), 1e-12);
    // Ordinal on values shifted by 0.5: not whole, so the general path (ordinal is shift-free).
    CHECK_REL(krippendorff_alpha(r, Level::ordinal),
              krippendorff_alpha_parts((r.array() + 0.5).matrix(), Level::ordinal).alpha, 1e-12);
  }
  // A span of 17 values and a non-whole value fall back to the general path.
  Eigen::MatrixXd wide{{0, 16, 3, NA}, {0, 16, 4, 2}};
  CHECK_REL(krippendorff_alpha(wide, Level::nominal), krippendorff_alpha(wide, nominal), 1e-12);
  Eigen::MatrixXd half{{1, 2, 3.5}, {1, 2, 3}};
  CHECK_REL(krippendorff_alpha(half, Level::ratio), krippendorff_alpha(half, ratio), 1e-12);
  // A negative value at the ratio level is still refused on the fused path.
  Eigen::MatrixXd negative{{1, 2, -1}, {1, 2, 3}};
  CHECK_THROWS_AS((void)krippendorff_alpha(negative, Level::ratio), labelkit::invalid_argument);
  Eigen::MatrixXd infinite{{1, 2, std::numeric_limits<double>::infinity()}, {1, 2, 3}};
  CHECK_THROWS_AS((void)krippendorff_alpha(infinite, Level::nominal), labelkit::invalid_argument);
}

// Fixtures of the krippendorff package (github pln-fing-udelar/fast-krippendorff,
// tests/test_krippendorff.py): test_string_labels_nominal asserts round(alpha, 6) == 0.722222,
// test_string_labels_ordinal_with_domain round(alpha, 3) == 0.815 (Krippendorff 2011's ordinal
// example relabelled; the full value 0.8153875037548816 is labelkit's tested ordinal alpha of
// that example), test_error_out_of_domain and test_error_strings_without_ordered_domain_non_nominal
// expect errors.
TEST_CASE("krippendorff_alpha on string values with a value_domain (krippendorff package)") {
  using Row = std::vector<std::optional<std::string>>;
  const std::nullopt_t na = std::nullopt;
  const std::vector<Row> nominal{
      {"pos", "neg", "neu", na}, {"pos", "neg", "neu", "pos"}, {"pos", "neg", "pos", "pos"}};
  const double a = krippendorff_alpha(nominal);
  CHECK(std::round(a * 1e6) == 722222);
  const std::vector<Row> ordinal{
      {"very low", "low", "mid", "mid", "low", "very low", "high", "very low", "low", na, na, na},
      {"very low", "low", "mid", "mid", "low", "low", "high", "very low", "low", "very high", na,
       "mid"},
      {na, "mid", "mid", "mid", "low", "mid", "high", "low", "low", "very high", "very low", na},
      {"very low", "low", "mid", "mid", "low", "high", "high", "very low", "low", "very high",
       "very low", na}};
  const std::vector<std::string> domain{"very low", "low", "mid", "high", "very high"};
  const double o = krippendorff_alpha(ordinal, Level::ordinal, domain);
  CHECK_REL(o, 0.8153875037548816, 1e-12);
  CHECK(std::round(o * 1e3) == 815);
  // Without an order, strings are refused at the ordinal level; nominal needs none.
  CHECK_THROWS_AS((void)krippendorff_alpha(ordinal, Level::ordinal), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)krippendorff_alpha(ordinal, Level::interval, domain),
                  labelkit::invalid_argument);
  CHECK(std::isfinite(krippendorff_alpha(ordinal)));
  // Out-of-domain values (test_error_out_of_domain: data [[1, 2], [1, 3]], domain [1, 2]).
  const std::vector<std::vector<std::optional<int>>> ints{{1, 2}, {1, 3}};
  const std::vector<int> small{1, 2};
  CHECK_THROWS_AS((void)krippendorff_alpha(ints, Level::nominal, small),
                  labelkit::invalid_argument);
  // Numbers: the same alpha as the matrix overload, at every level.
  const std::vector<std::vector<std::optional<int>>> codes{
      {1, 2, 3, 3, 2}, {1, 2, 3, 2, 2}, {std::nullopt, 3, 3, 3, 2}};
  Eigen::MatrixXd m{{1, 2, 3, 3, 2}, {1, 2, 3, 2, 2}, {NA, 3, 3, 3, 2}};
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK_REL(krippendorff_alpha(codes, level), krippendorff_alpha(m, level), 1e-12);
  }
  // A domain with unused values does not change alpha; a repeated one is refused.
  const std::vector<int> wide{0, 1, 2, 3, 4, 9};
  CHECK_REL(krippendorff_alpha(codes, Level::interval, wide),
            krippendorff_alpha(m, Level::interval), 1e-12);
  const std::vector<int> twice{1, 2, 2, 3};
  CHECK_THROWS_AS((void)krippendorff_alpha(codes, Level::nominal, twice),
                  labelkit::invalid_argument);
  const std::vector<std::vector<std::optional<int>>> ragged{{1, 2}, {1}};
  CHECK_THROWS_AS((void)krippendorff_alpha(ragged), labelkit::dimension_mismatch);
}
