#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <vector>

#include "labelkit/agreement/comparisons.hpp"
#include "labelkit/agreement/kendall_w.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"

using labelkit::Comparison;
using labelkit::Winner;
using labelkit::agreement::comparison_agreement;
using labelkit::agreement::kendall_w;

namespace {

// IBM SPSS Statistics 25 documentation, NPAR TESTS KENDALL example: 4 judges (cases) rate 5
// variables; transposed to items x annotators (rows are items).
Eigen::MatrixXd prefs_spss_kendall() {
  Eigen::MatrixXd judges(4, 5);
  judges << 2, 5, 4, 5, 1,  //
      3, 3, 4, 5, 3,        //
      3, 4, 4, 6, 2,        //
      2, 4, 3, 6, 2;
  return judges.transpose();
}

}  // namespace

TEST_CASE("kendall_w: ProofWiki's worked example, W = 1/16") {
  // ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1": competitors
  // X, Y, Z (rows) ranked by judges A..D (columns); S = 2, W = 12 S / (4^2 * 3 * 8) = 1/16.
  // scipy.stats.friedmanchisquare([1,1,2,3], [3,2,3,1], [2,3,1,2]) = (0.5, 0.7788007830714049).
  Eigen::MatrixXd ranks(3, 4);
  ranks << 1, 1, 2, 3,  //
      3, 2, 3, 1,       //
      2, 3, 1, 2;
  const auto r = kendall_w(ranks);
  CHECK(r.w == doctest::Approx(1.0 / 16).epsilon(1e-15));
  CHECK(r.rank_sums.isApprox(Eigen::Vector3d(7, 9, 8)));
  CHECK(r.tie_sum == 0);
  CHECK(r.chi_square == doctest::Approx(0.5).epsilon(1e-14));
  CHECK(r.degrees_of_freedom == 2);
  CHECK(r.p_value == doctest::Approx(0.7788007830714049).epsilon(1e-13));
  // Scores instead of ranks, in reverse order for every annotator: the same W.
  const auto reversed = kendall_w(Eigen::MatrixXd(-10.0 * ranks));
  CHECK(reversed.w == doctest::Approx(1.0 / 16).epsilon(1e-15));
}

TEST_CASE("kendall_w with ties matches the tie-corrected Friedman statistic") {
  // import numpy as np; from scipy.stats import friedmanchisquare
  // X = np.array([[2,5,4,5,1],[3,3,4,5,3],[3,4,4,6,2],[2,4,3,6,2]])  # judges x items
  // friedmanchisquare(*X.T) -> statistic 13.698630136986301, pvalue 0.008321699377295898
  // W = stat / (m (n - 1)) = 13.698630136986301 / 16 = 0.8561643835616438; sum (t^3 - t) = 42
  // (three ties of two, one tie of three); uncorrected W = 12 S / (m^2 (n^3 - n)) = 0.78125.
  const auto r = kendall_w(prefs_spss_kendall());
  CHECK(r.w == doctest::Approx(0.8561643835616438).epsilon(1e-14));
  CHECK(r.tie_sum == 42);
  CHECK(r.chi_square == doctest::Approx(13.698630136986301).epsilon(1e-14));
  CHECK(r.p_value == doctest::Approx(0.008321699377295898).epsilon(1e-12));
  CHECK(r.n_items == 5);
  CHECK(r.n_annotators == 4);
  labelkit::agreement::KendallWOptions o;
  o.tie_correction = false;
  CHECK(kendall_w(prefs_spss_kendall(), o).w == doctest::Approx(0.78125).epsilon(1e-15));
}

TEST_CASE("kendall_w: perfect agreement is 1, and brute-force S from explicit average ranks") {
  Eigen::MatrixXd same(4, 3);
  same << 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4;
  CHECK(kendall_w(same).w == doctest::Approx(1.0).epsilon(1e-15));
  // 10 items, 4 annotators, a few swaps: scipy friedmanchisquare -> 34.36363636363637,
  // p = 7.711674788318614e-05, W = 0.9545454545454546.
  Eigen::MatrixXd big(4, 10);
  big << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,  //
      2, 1, 3, 4, 6, 5, 7, 9, 8, 10,     //
      1, 3, 2, 4, 5, 7, 6, 8, 10, 9,     //
      1, 2, 4, 3, 5, 6, 8, 7, 9, 10;
  const auto r = kendall_w(Eigen::MatrixXd(big.transpose()));
  CHECK(r.w == doctest::Approx(0.9545454545454546).epsilon(1e-14));
  CHECK(r.p_value == doctest::Approx(7.711674788318614e-05).epsilon(1e-11));
}

TEST_CASE("kendall_w degenerate and hostile input") {
  Eigen::MatrixXd flat = Eigen::MatrixXd::Constant(3, 2, 5.0);
  const auto one = kendall_w(flat);
  CHECK(one.w == 1);
  CHECK(std::isnan(one.p_value));
  labelkit::agreement::KendallWOptions o;
  o.zero_division = labelkit::agreement::ZeroDivision::raise;
  CHECK_THROWS_AS((void)kendall_w(flat, o), labelkit::invalid_argument);
  o.zero_division = labelkit::agreement::ZeroDivision::nan;
  CHECK(std::isnan(kendall_w(flat, o).w));
  CHECK_THROWS_WITH_AS((void)kendall_w(Eigen::MatrixXd::Ones(1, 3)),
                       "labelkit: kendall_w(): 'scores' must have at least 2 items (rows) and 2 "
                       "annotators (columns) (got 1 x 3)",
                       labelkit::invalid_argument);
  Eigen::MatrixXd nan = Eigen::MatrixXd::Ones(3, 3);
  nan(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS((void)kendall_w(nan),
                       "labelkit: kendall_w(): 'scores' has a non-finite value at item (row) 2, "
                       "annotator (column) 1 (got nan)",
                       labelkit::invalid_argument);
}

TEST_CASE("the chi-square upper tail matches scipy.stats.chi2.sf") {
  // from scipy.stats import chi2; chi2.sf(x, df)
  struct Case {
    double x, df, sf;
  };
  const Case cases[] = {
      {0.5, 2, 0.7788007830714049},     {13.698630136986301, 4, 0.008321699377295898},
      {0.01, 1, 0.920344325445942},     {100, 3, 1.5541594313896026e-21},
      {3, 30, 0.9999999999176028},      {1e-3, 7, 0.9999999999997597},
      {250, 40, 3.4695368870539687e-32}};
  for (const Case& c : cases) {
    INFO("x = ", c.x, ", df = ", c.df);
    CHECK(labelkit::detail::chi_square_upper_tail(c.x, c.df) ==
          doctest::Approx(c.sf).epsilon(1e-12));
  }
}

TEST_CASE("comparison_agreement: alpha over pair outcomes, by hand and against the matrix form") {
  // Pair {0,1}: outcomes "0 preferred" x2 (shown either way round), "1 preferred" x1.
  // Pair {1,2}: "1 preferred" x2. Pair {0,2}: a tie and "2 preferred". Pair {2,3}: one judgment.
  // n = 7, n_c = [4, 2, 1]; D_o = (2 + 2) / 7, D_e = 2 (8 + 4 + 2) / 42 = 2/3, alpha = 1/7.
  const std::vector<Comparison> c = {{0, 0, 1, Winner::left},  {1, 1, 0, Winner::right},
                                     {2, 0, 1, Winner::right}, {0, 1, 2, Winner::left},
                                     {1, 2, 1, Winner::right}, {0, 0, 2, Winner::tie},
                                     {2, 2, 0, Winner::left},  {1, 2, 3, Winner::left}};
  const auto r = comparison_agreement(c);
  CHECK(r.alpha == doctest::Approx(1.0 / 7).epsilon(1e-14));
  CHECK(r.observed_agreement == doctest::Approx(3.0 / 7).epsilon(1e-14));
  CHECK(r.pairable_pairs == 3);
  CHECK(r.pairable_judgments == 7);
  // The same data as reliability data (annotators x units, NaN missing), one row per judgment
  // slot: krippendorff_alpha gives the same value.
  const double na = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd data(3, 3);
  data << 0, 0, 2,  //
      0, 0, 1,      //
      1, na, na;
  CHECK(labelkit::agreement::krippendorff_alpha(data) == doctest::Approx(1.0 / 7).epsilon(1e-14));
  // Without ties, pair {0,2} has one judgment left: n_c = [4, 1], D_o = 2/5, D_e = 2/5.
  labelkit::agreement::ComparisonAgreementOptions o;
  o.count_ties = false;
  const auto no_ties = comparison_agreement(c, o);
  CHECK(std::abs(no_ties.alpha) < 1e-14);
  CHECK(no_ties.pairable_pairs == 2);
}

TEST_CASE("comparison_agreement: unanimous crowd, and hostile input") {
  const std::vector<Comparison> unanimous = {{0, 5, 6, Winner::left}, {1, 6, 5, Winner::right}};
  const auto r = comparison_agreement(unanimous);
  CHECK(r.alpha == 1);
  CHECK(r.observed_agreement == 1);
  const std::vector<Comparison> lonely = {{0, 5, 6, Winner::left}, {1, 6, 7, Winner::right}};
  CHECK_THROWS_WITH_AS((void)comparison_agreement(lonely),
                       "labelkit: comparison_agreement(): no item pair was judged twice or more "
                       "(expected at least one pairable pair)",
                       labelkit::invalid_argument);
  const std::vector<Comparison> self = {{0, 5, 5, Winner::left}};
  CHECK_THROWS_AS((void)comparison_agreement(self), labelkit::invalid_argument);
  const std::vector<Comparison> bad = {{0, 5, 6, static_cast<Winner>(200)}};
  CHECK_THROWS_AS((void)comparison_agreement(bad), labelkit::invalid_argument);
  const std::vector<Comparison> none;
  CHECK_THROWS_AS((void)comparison_agreement(none), labelkit::invalid_argument);
}
