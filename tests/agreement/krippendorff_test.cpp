#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <map>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/interpret.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/random.hpp"

using agreement_test::NA;
using labelkit::agreement::coincidence_matrix;
using labelkit::agreement::krippendorff_alpha;
using labelkit::agreement::krippendorff_alpha_bootstrap;
using labelkit::agreement::krippendorff_alpha_from_counts;
using labelkit::agreement::krippendorff_alpha_parts;
using labelkit::agreement::krippendorff_alpha_with_reference;
using labelkit::agreement::Level;
using labelkit::agreement::ZeroDivision;

namespace {

// Krippendorff's 2011 example (agreement_check.hpp). Full-precision literals from a brute-force
// pairwise Python twin (/work/notes/agreement_ref/ref.py); nominal also equals irrCAC's
// krippen.alpha.raw(cac.raw4raters) = 0.74342 (Gwet 2014).
using agreement_test::krippendorff_2011;

// Brute force over ordered pairs of values within each unit: the definition, O(units * m^2 + V^3).
double brute_alpha(const Eigen::MatrixXd& data, Level level) {
  std::vector<std::vector<double>> units;
  for (Eigen::Index u = 0; u < data.cols(); ++u) {
    std::vector<double> vals;
    for (Eigen::Index c = 0; c < data.rows(); ++c)
      if (!std::isnan(data(c, u))) vals.push_back(data(c, u));
    if (vals.size() >= 2) units.push_back(vals);
  }
  std::map<double, double> n;
  for (const auto& u : units)
    for (double v : u) n[v] += 1;
  double total = 0;
  for (const auto& [v, c] : n) total += c;
  auto delta = [&](double c, double k) -> double {
    switch (level) {
      case Level::nominal:
        return c == k ? 0.0 : 1.0;
      case Level::interval:
        return (c - k) * (c - k);
      case Level::ratio:
        return c + k == 0 ? 0.0 : ((c - k) / (c + k)) * ((c - k) / (c + k));
      case Level::ordinal: {
        const double lo = std::min(c, k);
        const double hi = std::max(c, k);
        double s = 0;
        for (const auto& [g, ng] : n)
          if (g >= lo && g <= hi) s += ng;
        s -= (n[c] + n[k]) / 2;
        return s * s;
      }
    }
    return 0.0;
  };
  double observed = 0;
  for (const auto& u : units) {
    const double m = static_cast<double>(u.size());
    for (std::size_t i = 0; i < u.size(); ++i)
      for (std::size_t j = 0; j < u.size(); ++j)
        if (i != j) observed += delta(u[i], u[j]) / (m - 1);
  }
  double expected = 0;
  for (const auto& [c, nc] : n)
    for (const auto& [k, nk] : n) expected += nc * nk * delta(c, k);
  return 1.0 - (total - 1) * observed / expected;
}

}  // namespace

TEST_CASE("krippendorff_alpha reproduces Krippendorff's (2011) worked example at all four levels") {
  const Eigen::MatrixXd d = krippendorff_2011();
  CHECK_REL(krippendorff_alpha(d), 0.743421052631579, 1e-12);
  CHECK_REL(krippendorff_alpha(d, Level::nominal), 0.743421052631579, 1e-12);
  CHECK_REL(krippendorff_alpha(d, Level::ordinal), 0.8153875037548814, 1e-12);
  CHECK_REL(krippendorff_alpha(d, Level::interval), 0.8491071428571428, 1e-12);
  CHECK_REL(krippendorff_alpha(d, Level::ratio), 0.7974027747116121, 1e-12);
  // The published three-digit values; the ordinal one is where the krippendorff package once
  // reported 0.789.
  CHECK(std::round(krippendorff_alpha(d, Level::ordinal) * 1000) == 815);
  CHECK(std::round(krippendorff_alpha(d, Level::ratio) * 1000) == 797);
}

TEST_CASE("krippendorff_alpha: float, row-major, expressions and a custom distance") {
  const Eigen::MatrixXd d = krippendorff_2011();
  const Eigen::MatrixXf f = d.cast<float>();
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = d;
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK_REL(krippendorff_alpha(f, level), krippendorff_alpha(d, level), 1e-12);
    CHECK_REL(krippendorff_alpha(r, level), krippendorff_alpha(d, level), 1e-12);
    CHECK_REL(krippendorff_alpha(d * 2.0, level == Level::ratio ? Level::ratio : level),
              krippendorff_alpha(d, level), 1e-12);  // scale invariance of all four metrics
  }
  CHECK_REL(krippendorff_alpha(d, [](double c, double k) { return (c - k) * (c - k); }),
            0.8491071428571428, 1e-12);
  CHECK_REL(krippendorff_alpha(d, [](double c, double k) { return c == k ? 0.0 : 1.0; }),
            0.743421052631579, 1e-12);
  // Translation invariance of interval alpha with large offsets (no cancellation).
  CHECK_REL(krippendorff_alpha((d.array() + 1e9).matrix(), Level::interval), 0.8491071428571428,
            1e-9);
}

TEST_CASE("krippendorff_alpha equals a brute-force pairwise twin on random inputs") {
  labelkit::Random random(2007);
  for (int trial = 0; trial < 200; ++trial) {
    const auto coders = static_cast<Eigen::Index>(2 + random.uniform_index(4));
    const auto units = static_cast<Eigen::Index>(1 + random.uniform_index(12));
    const auto values = 1 + random.uniform_index(6);
    Eigen::MatrixXd d(coders, units);
    for (Eigen::Index u = 0; u < units; ++u) {
      for (Eigen::Index c = 0; c < coders; ++c) {
        d(c, u) =
            random.uniform01() < 0.25 ? NA : static_cast<double>(1 + random.uniform_index(values));
      }
    }
    bool pairable = false;
    bool varied = false;
    double first = NA;
    for (Eigen::Index u = 0; u < units; ++u) {
      int m = 0;
      for (Eigen::Index c = 0; c < coders; ++c) m += std::isnan(d(c, u)) ? 0 : 1;
      if (m < 2) continue;
      pairable = true;
      for (Eigen::Index c = 0; c < coders; ++c) {
        if (std::isnan(d(c, u))) continue;
        if (std::isnan(first)) first = d(c, u);
        varied = varied || d(c, u) != first;
      }
    }
    if (!pairable) {
      CHECK_THROWS_AS((void)krippendorff_alpha(d), labelkit::invalid_argument);
      continue;
    }
    if (!varied) {
      CHECK(krippendorff_alpha(d) == 1.0);
      continue;
    }
    for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
      const double expected = brute_alpha(d, level);
      CHECK_REL(krippendorff_alpha(d, level), expected, 1e-11);
    }
  }
}

TEST_CASE("every value layout and accumulation path agrees with the brute-force twin") {
  // Small rating scales (local counts), wider integer ranges (one-pass coincidences, V <= 512),
  // integer ranges beyond 512 slots (per-unit metric, two-pass ordinal), sparse codes and real
  // values (sorted values + binary search).
  labelkit::Random random(99);
  const double spans[] = {5, 40, 1500, 1e7};
  for (const double span : spans) {
    for (int trial = 0; trial < 3; ++trial) {
      Eigen::MatrixXd d(4, 80);
      for (Eigen::Index u = 0; u < d.cols(); ++u) {
        const double truth = std::floor(random.uniform01() * span);
        for (Eigen::Index c = 0; c < d.rows(); ++c) {
          const double r = random.uniform01();
          d(c, u) = r < 0.15 ? NA : (r < 0.7 ? truth : std::floor(random.uniform01() * span));
        }
      }
      for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
        CAPTURE(span);
        CHECK_REL(krippendorff_alpha(d, level), brute_alpha(d, level), 1e-10);
        const Eigen::MatrixXd shifted = (d.array() + 0.5).matrix();  // non-integral: search layout
        if (level != Level::ratio)
          CHECK_REL(krippendorff_alpha(shifted, level), krippendorff_alpha(d, level), 1e-10);
      }
    }
  }
}

TEST_CASE("coincidence matrix, value counts and the reference expected disagreement") {
  const Eigen::MatrixXd d = krippendorff_2011();
  const auto co = coincidence_matrix(d);
  REQUIRE(co.values == std::vector<double>{1, 2, 3, 4, 5});
  // Krippendorff (2011) coincidence matrix: n_c = 9, 13, 10, 5, 3 (n = 40).
  CHECK(co.totals(0) == doctest::Approx(9));
  CHECK(co.totals(1) == doctest::Approx(13));
  CHECK(co.totals(2) == doctest::Approx(10));
  CHECK(co.totals(3) == doctest::Approx(5));
  CHECK(co.totals(4) == doctest::Approx(3));
  CHECK(co.matrix(0, 0) == doctest::Approx(7));
  CHECK(co.matrix(0, 1) == doctest::Approx(4.0 / 3));
  CHECK(co.matrix(2, 2) == doctest::Approx(8));
  CHECK((co.matrix - co.matrix.transpose()).norm() == 0.0);
  const auto parts = krippendorff_alpha_parts(d);
  CHECK(parts.pairable_values == 40);
  CHECK(parts.pairable_items == 11);
  // Value counts: units x values.
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(12, 5);
  for (Eigen::Index u = 0; u < 12; ++u)
    for (Eigen::Index c = 0; c < 4; ++c)
      if (!std::isnan(d(c, u))) counts(u, static_cast<Eigen::Index>(d(c, u)) - 1) += 1;
  const std::vector<double> values = {1, 2, 3, 4, 5};
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK_REL(krippendorff_alpha_from_counts(counts, level, values), krippendorff_alpha(d, level),
              1e-12);
    // Reference = the data itself gives alpha itself.
    CHECK_REL(krippendorff_alpha_with_reference(d, d, level), krippendorff_alpha(d, level), 1e-12);
  }
  // Default values 0..V-1: same for nominal/ordinal/interval (shift invariant).
  CHECK_REL(krippendorff_alpha_from_counts(counts, Level::interval), 0.8491071428571428, 1e-12);
  // A subset of units against the full data's expected disagreement.
  const Eigen::MatrixXd subset = d.leftCols(6);
  const auto sub = krippendorff_alpha_parts(subset);
  const auto full = krippendorff_alpha_parts(d);
  CHECK_REL(krippendorff_alpha_with_reference(subset, d),
            1.0 - sub.observed_disagreement / full.expected_disagreement, 1e-12);
  const std::vector<double> bad = {1, 1, 2, 3, 4};
  CHECK_THROWS_AS((void)krippendorff_alpha_from_counts(counts, Level::interval, bad),
                  labelkit::invalid_argument);
}

TEST_CASE("krippendorff_alpha scales to many distinct real values (interval, ordinal)") {
  labelkit::Random random(3);
  const Eigen::Index units = 20000;
  Eigen::MatrixXd d(3, units);
  for (Eigen::Index u = 0; u < units; ++u) {
    const double truth = random.normal();
    for (Eigen::Index c = 0; c < 3; ++c) d(c, u) = truth + 0.5 * random.normal();
  }
  const double interval = krippendorff_alpha(d, Level::interval);
  // Population value: var(truth) / (var(truth) + var(noise)) = 1 / 1.25.
  CHECK(interval == doctest::Approx(0.8).epsilon(0.02));
  const double ordinal = krippendorff_alpha(d, Level::ordinal);
  CHECK(ordinal == doctest::Approx(0.8).epsilon(0.05));
  // A custom metric costs O(V^2) for the expected disagreement: check it on 300 units (900 values).
  const Eigen::MatrixXd part = d.leftCols(300);
  CHECK_REL(krippendorff_alpha(part, [](double c, double k) { return (c - k) * (c - k); }),
            krippendorff_alpha(part, Level::interval), 1e-9);
}

TEST_CASE("krippendorff_alpha degenerate cases") {
  // Everything missing, a single coder, one value per unit: no pairable unit.
  Eigen::MatrixXd all_missing = Eigen::MatrixXd::Constant(3, 4, NA);
  CHECK_THROWS_AS((void)krippendorff_alpha(all_missing), labelkit::invalid_argument);
  Eigen::MatrixXd one_coder(1, 5);
  one_coder << 1, 2, 3, 4, 5;
  CHECK_THROWS_AS((void)krippendorff_alpha(one_coder), labelkit::invalid_argument);
  try {
    (void)krippendorff_alpha(one_coder);
  } catch (const labelkit::error& e) {
    CHECK(std::string(e.what()).find("pairable") != std::string::npos);
  }
  CHECK_THROWS_AS((void)krippendorff_alpha(Eigen::MatrixXd(0, 0)), labelkit::invalid_argument);
  Eigen::MatrixXd inf(2, 2);
  inf << 1, 2, std::numeric_limits<double>::infinity(), 2;
  CHECK_THROWS_AS((void)krippendorff_alpha(inf), labelkit::invalid_argument);
  // Constant data: D_e = 0 -> policy.
  const Eigen::MatrixXd constant = Eigen::MatrixXd::Constant(3, 5, 2.0);
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK(krippendorff_alpha(constant, level) == 1.0);
    CHECK(krippendorff_alpha(constant, level, ZeroDivision::zero) == 0.0);
    CHECK(std::isnan(krippendorff_alpha(constant, level, ZeroDivision::nan)));
    CHECK_THROWS_AS((void)krippendorff_alpha(constant, level, ZeroDivision::raise),
                    labelkit::invalid_argument);
  }
  // One disagreement in otherwise constant data (3 coders x 5 units): brute-force value.
  Eigen::MatrixXd one = constant;
  one(2, 4) = 3.0;
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK_REL(krippendorff_alpha(one, level), brute_alpha(one, level), 1e-12);
  }
  // Nominal: D_o = D_e exactly (alpha = 0): the single 3 is as far from agreement as chance.
  CHECK(std::abs(krippendorff_alpha(one)) < 1e-15);
  // A single pairable unit.
  Eigen::MatrixXd single(2, 1);
  single << 1, 2;
  CHECK_REL(krippendorff_alpha(single), brute_alpha(single, Level::nominal), 1e-12);
  // Perfect agreement with variation gives exactly 1.
  Eigen::MatrixXd perfect(3, 4);
  perfect << 1, 2, 3, 4, 1, 2, 3, 4, 1, NA, 3, 4;
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK(krippendorff_alpha(perfect, level) == 1.0);
  }
  // Ratio needs non-negative values.
  Eigen::MatrixXd negative(2, 2);
  negative << -1, 2, -1, 3;
  CHECK_THROWS_AS((void)krippendorff_alpha(negative, Level::ratio), labelkit::invalid_argument);
}

TEST_CASE(
    "krippendorff_alpha is invariant under relabelling at the nominal level and under coder "
    "order") {
  const Eigen::MatrixXd d = krippendorff_2011();
  Eigen::MatrixXd relabelled = d;
  const double map[6] = {0, 40, -7, 13, 2, 99};
  for (Eigen::Index i = 0; i < d.size(); ++i) {
    if (!std::isnan(d(i))) relabelled(i) = map[static_cast<int>(d(i))];
  }
  CHECK_REL(krippendorff_alpha(relabelled), 0.743421052631579, 1e-12);
  const Eigen::MatrixXd reversed = d.colwise().reverse();
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    CHECK_REL(krippendorff_alpha(reversed, level), krippendorff_alpha(d, level), 1e-12);
  }
}

TEST_CASE("krippendorff_alpha_bootstrap is seeded, brackets alpha and reports q(alpha < min)") {
  const Eigen::MatrixXd d = krippendorff_2011();
  labelkit::agreement::BootstrapOptions options;
  options.samples = 2000;
  options.seed = 42;
  const auto a = krippendorff_alpha_bootstrap(d, Level::interval, options);
  const auto b = krippendorff_alpha_bootstrap(d, Level::interval, options);
  CHECK(a.replicates == b.replicates);
  CHECK_REL(a.alpha, 0.8491071428571428, 1e-12);
  CHECK(a.ci_lower < a.alpha);
  CHECK(a.ci_upper > a.alpha - 0.05);
  CHECK(a.ci_upper <= 1.0);
  CHECK(a.se > 0.0);
  CHECK(a.probability_below_minimum >= 0.0);
  CHECK(a.probability_below_minimum <= 1.0);
  options.seed = 43;
  const auto c = krippendorff_alpha_bootstrap(d, Level::interval, options);
  CHECK(c.replicates != a.replicates);
  CHECK(c.ci_lower == doctest::Approx(a.ci_lower).epsilon(0.1));
  options.samples = 0;
  CHECK_THROWS_AS((void)krippendorff_alpha_bootstrap(d, Level::nominal, options),
                  labelkit::invalid_argument);
}

TEST_CASE("interpretation helpers") {
  using namespace labelkit::agreement;
  CHECK(landis_koch(-0.1) == LandisKoch::poor);
  CHECK(landis_koch(0.1) == LandisKoch::slight);
  CHECK(landis_koch(0.3) == LandisKoch::fair);
  CHECK(landis_koch(0.430) == LandisKoch::moderate);
  CHECK(landis_koch(0.7) == LandisKoch::substantial);
  CHECK(landis_koch(0.9) == LandisKoch::almost_perfect);
  CHECK(to_string(landis_koch(0.9)) == "almost perfect");
  CHECK(krippendorff_reliability(0.743) == AlphaReliability::tentative);
  CHECK(krippendorff_reliability(0.815) == AlphaReliability::reliable);
  CHECK(krippendorff_reliability(0.5) == AlphaReliability::unacceptable);
  CHECK(krippendorff_reliability(NA) == AlphaReliability::unacceptable);
  CHECK(to_string(AlphaReliability::tentative) == "tentative");
}
