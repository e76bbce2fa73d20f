#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/random.hpp"

using namespace labelkit::agreement;

namespace {

using agreement_test::fleiss_1971;

}  // namespace

TEST_CASE("fleiss_kappa reproduces Fleiss (1971) and statsmodels") {
  const Eigen::MatrixXd t = fleiss_1971();
  CHECK_REL(fleiss_kappa(t), 0.43024452006014074, 1e-12);
  CHECK(std::round(fleiss_kappa(t) * 1000) == 430);
  // Fleiss' per-category kappas (1971, table 2: .245, .245, .520, .471, .566).
  const Eigen::VectorXd kj = per_category_kappa(t);
  CHECK_REL(kj(0), 0.2447552447552448, 1e-12);
  CHECK_REL(kj(1), 0.2447552447552448, 1e-12);
  CHECK_REL(kj(2), 0.52, 1e-12);
  CHECK_REL(kj(3), 0.47112727272727273, 1e-12);
  CHECK_REL(kj(4), 0.5661178068239687, 1e-12);
  // statsmodels fleiss_kappa(method='randolph') -> 0.4444444444444443.
  CHECK_REL(randolph_kappa(t), 0.4444444444444443, 1e-12);
  // Wikipedia's 10 x 14 example (statsmodels' test table): 0.20993070442195522 / Randolph
  // 0.2225274725274725.
  Eigen::MatrixXd w(10, 5);
  w << 0, 0, 0, 0, 14, 0, 2, 6, 4, 2, 0, 0, 3, 5, 6, 0, 3, 9, 2, 0, 2, 2, 8, 1, 1, 7, 7, 0, 0, 0, 3,
      2, 6, 3, 0, 2, 5, 3, 2, 2, 6, 5, 2, 1, 0, 0, 2, 2, 3, 7;
  CHECK_REL(fleiss_kappa(w), 0.20993070442195522, 1e-12);
  CHECK_REL(randolph_kappa(w), 0.2225274725274725, 1e-12);
}

TEST_CASE("fleiss_kappa_estimate: Fleiss-Nee-Landis null test and Gwet's standard error") {
  const auto e = fleiss_kappa_estimate(fleiss_1971());
  CHECK_REL(e.value, 0.43024452006014074, 1e-12);
  // se0 = 0.024373932099411154, z = 17.651830582991366 (Python, Fleiss, Nee & Landis 1979);
  // R irr kappam.fleiss prints z = 17.65183.
  CHECK_REL(e.statistic, 17.651830582991366, 1e-11);
  CHECK(std::round(e.statistic * 1e5) == 1765183);
  CHECK(e.p_value < 1e-60);
  CHECK(e.se > 0.0);
  CHECK(e.ci_lower < e.value);
  CHECK(e.ci_upper > e.value);
  CHECK_REL(e.se, fleiss_kappa_generalized(fleiss_1971()).se, 1e-12);
}

TEST_CASE("fleiss_kappa: layouts, scalar types, generalisation and specific agreement") {
  const Eigen::MatrixXd t = fleiss_1971();
  const Eigen::MatrixXi ti = t.cast<int>();
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> tf = t.cast<float>();
  CHECK_REL(fleiss_kappa(ti), 0.43024452006014074, 1e-12);
  CHECK_REL(fleiss_kappa(tf), 0.43024452006014074, 1e-12);
  CHECK_REL(fleiss_kappa(t.topRows(15)), fleiss_kappa_generalized(t.topRows(15)).value, 1e-12);
  CHECK_REL(fleiss_kappa_generalized(t).value, 0.43024452006014074, 1e-12);
  // Relabelling categories (column permutation) leaves kappa unchanged.
  Eigen::MatrixXd permuted(t.rows(), 5);
  const int order[5] = {3, 0, 4, 2, 1};
  for (int k = 0; k < 5; ++k) permuted.col(k) = t.col(order[k]);
  CHECK_REL(fleiss_kappa(permuted), fleiss_kappa(t), 1e-12);
  // Specific agreement: sum n_ik (n_ik - 1) / sum n_ik (n_i - 1).
  const Eigen::VectorXd s = specific_agreement(t);
  const double num = (t.col(2).array() * (t.col(2).array() - 1)).sum();
  const double den = (t.col(2).array() * 5).sum();
  CHECK_REL(s(2), num / den, 1e-14);
}

TEST_CASE("fleiss_kappa errors and degenerate cases") {
  Eigen::MatrixXd unequal(2, 2);
  unequal << 3, 0, 1, 1;
  CHECK_THROWS_AS((void)fleiss_kappa(unequal), labelkit::error);
  try {
    (void)fleiss_kappa(unequal);
  } catch (const labelkit::error& e) {
    const std::string message = e.what();
    CHECK(message.find("fleiss_kappa_generalized") != std::string::npos);
    CHECK(message.find("row 1") != std::string::npos);
  }
  // Generalised kappa handles it; it equals nominal alpha's observed part on the same data.
  CHECK(std::isfinite(fleiss_kappa_generalized(unequal).value));
  Eigen::MatrixXd negative(1, 2);
  negative << 2, -1;
  CHECK_THROWS_AS((void)fleiss_kappa(negative), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)fleiss_kappa(Eigen::MatrixXd(0, 3)), labelkit::invalid_argument);
  Eigen::MatrixXd one_rater(3, 2);
  one_rater << 1, 0, 0, 1, 1, 0;
  CHECK_THROWS_AS((void)fleiss_kappa(one_rater), labelkit::invalid_argument);
  // p_e = 1: every rating in one category (statsmodels returns NaN).
  Eigen::MatrixXd constant(3, 2);
  constant << 4, 0, 4, 0, 4, 0;
  CHECK(fleiss_kappa(constant) == 1.0);
  CHECK(fleiss_kappa(constant, ZeroDivision::zero) == 0.0);
  CHECK(std::isnan(fleiss_kappa(constant, ZeroDivision::nan)));
  CHECK_THROWS_AS((void)fleiss_kappa(constant, ZeroDivision::raise), labelkit::invalid_argument);
  CHECK(fleiss_kappa_estimate(constant).value == 1.0);
  CHECK(per_category_kappa(constant)(1) == 1.0);
  // One disagreement in otherwise constant data.
  Eigen::MatrixXd one(3, 2);
  one << 4, 0, 4, 0, 3, 1;
  CHECK(fleiss_kappa(one) < 0.0);
  // A single item: defined value (statsmodels gives -0.5-style values too), no variance.
  Eigen::MatrixXd single(1, 2);
  single << 2, 1;
  CHECK(fleiss_kappa(single) == doctest::Approx(-0.5));
  // Perfect agreement with several categories.
  Eigen::MatrixXd perfect(3, 3);
  perfect << 5, 0, 0, 0, 5, 0, 0, 0, 5;
  CHECK(fleiss_kappa(perfect) == 1.0);
  // statsmodels' test: [[7, 1], [3, 5]] -> 0.161905, Randolph 0.214286.
  Eigen::MatrixXd sm(2, 2);
  sm << 7, 1, 3, 5;
  CHECK(fleiss_kappa(sm) == doctest::Approx(0.161905).epsilon(1e-5));
  CHECK(randolph_kappa(sm) == doctest::Approx(0.214286).epsilon(1e-5));
}

TEST_CASE(
    "Fleiss' kappa with unequal raters tends to alpha for many items (Krippendorff's correction)") {
  labelkit::Random random(9);
  Eigen::MatrixXd data(5, 400);  // coders x units
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(400, 3);
  for (Eigen::Index u = 0; u < 400; ++u) {
    const auto truth = static_cast<Eigen::Index>(random.uniform_index(3));
    for (Eigen::Index c = 0; c < 5; ++c) {
      if (random.uniform01() < 0.2) {
        data(c, u) = agreement_test::NA;
        continue;
      }
      const auto label =
          random.uniform01() < 0.7 ? truth : static_cast<Eigen::Index>(random.uniform_index(3));
      data(c, u) = static_cast<double>(label);
      counts(u, label) += 1;
    }
  }
  CHECK(fleiss_kappa_generalized(counts).value ==
        doctest::Approx(krippendorff_alpha(data)).epsilon(0.01));
}
