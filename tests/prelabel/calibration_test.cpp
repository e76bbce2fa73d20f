#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/prelabel/adapters.hpp"
#include "labelkit/prelabel/calibration.hpp"

using labelkit::prelabel::HistogramBinning;
using labelkit::prelabel::IsotonicCalibrator;
using labelkit::prelabel::ReviewedItem;

namespace {

Eigen::VectorXd vec(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double x : values) v(i++) = x;
  return v;
}

// Reference data for isotonic regression, generated with numpy (default_rng(3)): stated
// confidences rounded to 0.1 (many ties) and whether the pre-label was right.
const Eigen::VectorXd iso_c = vec({0.4, 0.5, 0.9, 0.7, 0.4, 0.6, 0.6, 0.4, 0.8, 0.4, 0.6, 0.7,
                                   0.6, 0.7, 0.8, 1.0, 0.5, 0.8, 0.8, 0.5, 0.3, 1.0, 0.5, 0.5});
const Eigen::VectorXd iso_y =
    vec({0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1});
const std::vector<double> iso_w{1.77, 1.09, 1.22, 0.72, 1.55, 0.94, 1.81, 0.91,
                                1.34, 1.10, 1.42, 0.79, 0.77, 1.62, 1.63, 1.35,
                                1.88, 0.81, 1.78, 0.75, 1.95, 1.44, 1.41, 1.96};
const std::vector<double> iso_queries{0.0, 0.3,  0.35, 0.5, 0.55, 0.62,
                                      0.7, 0.77, 0.8,  0.9, 0.95, 1.0};

}  // namespace

TEST_CASE("IsotonicCalibrator matches scikit-learn's IsotonicRegression") {
  // /usr/bin/python3: IsotonicRegression(out_of_bounds="clip").fit(c, y).predict(q)
  // (scikit-learn 1.x), with and without sample_weight=w.
  const std::vector<double> expected{0.0,
                                     0.0,
                                     0.16666666666666657,
                                     0.3333333333333333,
                                     0.4523809523809525,
                                     0.5714285714285714,
                                     0.5714285714285714,
                                     0.8714285714285714,
                                     1.0,
                                     1.0,
                                     1.0,
                                     1.0};
  const auto iso = IsotonicCalibrator::fit(iso_c, iso_y);
  for (std::size_t k = 0; k < iso_queries.size(); ++k) {
    CAPTURE(iso_queries[k]);
    CHECK(iso(iso_queries[k]) == doctest::Approx(expected[k]).epsilon(1e-12));
  }
  // sklearn's X_thresholds_ / y_thresholds_ (block end points).
  CHECK(iso.x_thresholds() == std::vector<double>{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0});
  CHECK(iso.y_thresholds()[3] == doctest::Approx(4.0 / 7.0));

  const std::vector<double> expected_weighted{0.0,
                                              0.0,
                                              0.17793880837359086,
                                              0.35587761674718194,
                                              0.47471699920382654,
                                              0.5935563816604709,
                                              0.5935563816604709,
                                              0.8780669144981412,
                                              1.0,
                                              1.0,
                                              1.0,
                                              1.0};
  const auto weighted = IsotonicCalibrator::fit(iso_c, iso_y, iso_w);
  for (std::size_t k = 0; k < iso_queries.size(); ++k) {
    CAPTURE(iso_queries[k]);
    CHECK(weighted(iso_queries[k]) == doctest::Approx(expected_weighted[k]).epsilon(1e-12));
  }
}

TEST_CASE("IsotonicCalibrator agrees with a brute-force isotonic fit on random data") {
  // Brute-force twin: the isotonic least-squares fit on sorted, tie-merged points equals
  // min over j >= i of max over k <= i of the mean of y[k..j] (the max-min formula).
  labelkit::Random random(5);
  for (int trial = 0; trial < 40; ++trial) {
    const auto n = static_cast<Eigen::Index>(1 + random.uniform_index(30));
    Eigen::VectorXf c(n);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      c(i) = static_cast<float>(random.uniform_index(11)) / 10.0f;
      y(i) = random.uniform01() < c(i) ? 1.0 : 0.0;
    }
    const auto iso = IsotonicCalibrator::fit(c, y);
    // Merge ties.
    std::vector<double> xs, means, counts;
    for (int level = 0; level <= 10; ++level) {
      const float x = static_cast<float>(level) / 10.0f;
      double sum = 0.0, count = 0.0;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (c(i) == x) {
          sum += y(i);
          count += 1.0;
        }
      }
      if (count > 0) {
        xs.push_back(static_cast<double>(x));
        means.push_back(sum / count);
        counts.push_back(count);
      }
    }
    const std::size_t m = xs.size();
    for (std::size_t i = 0; i < m; ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (std::size_t j = i; j < m; ++j) {
        double inner = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k <= i; ++k) {
          double sum = 0.0, count = 0.0;
          for (std::size_t t = k; t <= j; ++t) {
            sum += means[t] * counts[t];
            count += counts[t];
          }
          inner = std::max(inner, sum / count);
        }
        best = std::min(best, inner);
      }
      CHECK(iso(xs[i]) == doctest::Approx(best).epsilon(1e-12));
    }
    // Monotone everywhere.
    double previous = -1.0;
    for (int q = 0; q <= 100; ++q) {
      const double v = iso(q / 100.0);
      CHECK(v >= previous - 1e-15);
      previous = v;
    }
  }
}

TEST_CASE("IsotonicCalibrator validates its input") {
  CHECK_THROWS_AS((void)IsotonicCalibrator::fit(Eigen::VectorXd(0), Eigen::VectorXd(0)),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)IsotonicCalibrator::fit(vec({0.5, 0.6}), vec({1.0})),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_WITH((void)IsotonicCalibrator::fit(vec({0.5, 1.5}), vec({1.0, 0.0})),
                    "labelkit: IsotonicCalibrator::fit(): 'confidence' entry 1 is outside [0, 1] "
                    "(got 1.5)");
  const std::vector<double> negative{1.0, -1.0};
  CHECK_THROWS_AS((void)IsotonicCalibrator::fit(vec({0.5, 0.6}), vec({1.0, 0.0}), negative),
                  labelkit::invalid_argument);
  const auto one = IsotonicCalibrator::fit(vec({0.7}), vec({1.0}));
  CHECK(one(0.1) == 1.0);
  CHECK(one(0.9) == 1.0);
  CHECK_THROWS_AS((void)one(std::nan("")), labelkit::invalid_argument);
}

TEST_CASE("reliability_table and ECE on a hand-checked example") {
  // Bins of width 0.25: [0, .25) [.25, .5) [.5, .75) [.75, 1].
  const Eigen::VectorXd c = vec({0.1, 0.3, 0.6, 0.7, 0.8, 0.9, 1.0, 0.5});
  const Eigen::VectorXd y = vec({0, 1, 1, 0, 1, 1, 1, 1});
  const auto table = labelkit::prelabel::reliability_table(c, y, 4);
  REQUIRE(table.bins.size() == 4);
  CHECK(table.total == 8);
  CHECK(table.bins[0].count == 1);
  CHECK(table.bins[1].count == 1);
  CHECK(table.bins[2].count == 3);  // 0.6, 0.7, 0.5
  CHECK(table.bins[3].count == 3);  // 0.8, 0.9, 1.0
  CHECK(table.bins[2].mean_confidence == doctest::Approx(0.6));
  CHECK(table.bins[2].accuracy == doctest::Approx(2.0 / 3.0));
  CHECK(table.bins[3].upper == 1.0);
  // ECE = (1*|0-.1| + 1*|1-.3| + 3*|2/3-.6| + 3*|1-.9|) / 8 = (0.1 + 0.7 + 0.2 + 0.3) / 8
  CHECK(table.ece == doctest::Approx(1.3 / 8.0));
  CHECK(table.mce == doctest::Approx(0.7));
  CHECK(labelkit::prelabel::expected_calibration_error(c, y, 4) == doctest::Approx(1.3 / 8.0));
  // Perfectly calibrated in-bin: ECE 0.
  CHECK(labelkit::prelabel::expected_calibration_error(vec({1.0, 1.0, 0.0}), vec({1, 1, 0}), 10) ==
        0.0);
}

TEST_CASE("bin edges are k/n in floating point: 0.3 is in bin 3 of 10") {
  const auto table =
      labelkit::prelabel::reliability_table(vec({0.3, 0.7, 0.29999}), vec({1, 1, 1}), 10);
  CHECK(table.bins[3].count == 1);
  CHECK(table.bins[7].count == 1);
  CHECK(table.bins[2].count == 1);
}

TEST_CASE("reliability_table from reviewed items leaves out no-answer items") {
  const std::vector<ReviewedItem> reviewed{{0, 0.9, 0}, {1, 0.8, 0}, {-1, 0.0, 1}, {2, 0.95, 2}};
  const auto table = labelkit::prelabel::reliability_table(reviewed, 10);
  CHECK(table.total == 3);
  CHECK(table.bins[9].count == 2);
  CHECK(table.bins[9].accuracy == 1.0);
  CHECK(table.bins[8].accuracy == 0.0);
  CHECK_THROWS_AS((void)labelkit::prelabel::reliability_table(reviewed, 0),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(
      (void)labelkit::prelabel::reliability_table(vec({0.5, std::nan("")}), vec({1, 0})),
      labelkit::invalid_argument);
}

TEST_CASE("HistogramBinning maps a confidence to its bin's accuracy") {
  const Eigen::VectorXd c = vec({0.95, 0.92, 0.91, 0.97, 0.55, 0.52});
  const Eigen::VectorXd y = vec({1, 0, 1, 0, 1, 1});
  const auto binning = HistogramBinning::fit(c, y, 10);
  CHECK(binning(0.93) == doctest::Approx(0.5));
  CHECK(binning(0.5) == doctest::Approx(1.0));
  CHECK(binning(0.2) == 0.2);  // empty bin: unchanged
  CHECK_THROWS_AS((void)binning(1.2), labelkit::invalid_argument);
}

TEST_CASE("fit_temperature matches scipy's bounded minimisation of the NLL") {
  // numpy default_rng(3) logits (30 x 3, rounded to 0.01, true logit +1.5) and labels.
  // /usr/bin/python3, nll(T) = mean(logsumexp(z/T) - z_y/T):
  //   scipy.optimize.minimize_scalar(nll, bounds=(0.01, 100), method="bounded") -> 2.15289892
  //   (accurate to ~sqrt(eps): the NLL is flat at its minimum), and the root of the derivative
  //   in beta = 1/T, brentq(g, 0.01, 100, xtol=1e-15) with g(b) = mean(E_softmax(b z)[z] - z_y)
  //   -> T = 2.1528988890627967, nll = 0.8545288092132434.
  const double z_values[] = {
      -1.00, 0.66, 0.28,  3.18, -2.38, 2.21,  -2.10, 2.81,  1.46,  -0.74, -3.44, 4.86,  3.01,
      1.51,  2.28, 0.70,  0.22, -1.60, -1.60, 4.24,  -2.92, 0.31,  -0.64, 0.45,  2.65,  -2.50,
      -3.46, 1.49, 2.43,  1.51, 1.93,  -0.63, 0.59,  -0.49, 3.13,  -1.59, 0.27,  -0.22, 2.59,
      0.45,  5.10, 4.50,  2.99, -2.58, -0.68, 0.28,  1.07,  -4.56, 3.85,  2.13,  -2.60, -1.96,
      -1.60, 1.59, 1.28,  4.10, 1.11,  1.54,  1.81,  3.52,  2.98,  2.74,  -2.16, 1.12,  -1.63,
      3.01,  1.32, -0.61, 0.60, 0.97,  -1.40, -0.36, 0.96,  6.43,  -0.49, 0.39,  -2.34, -2.67,
      1.05,  1.70, 1.52,  0.67, 1.73,  0.28,  -3.05, 0.58,  0.22,  -1.57, -0.95, -0.14};
  const std::vector<int> labels{2, 2, 2, 2, 0, 1, 1, 0, 0, 0, 0, 1, 2, 2, 1,
                                0, 0, 2, 2, 1, 0, 0, 2, 2, 1, 0, 2, 1, 1, 2};
  const Eigen::Map<const Eigen::Matrix<double, 30, 3, Eigen::RowMajor>> z(z_values);
  const auto fit = labelkit::prelabel::fit_temperature(z, labels);
  CHECK(fit.temperature == doctest::Approx(2.1528988890627967).epsilon(1e-11));
  CHECK(fit.temperature == doctest::Approx(2.15289892).epsilon(2e-8));  // scipy's minimiser
  CHECK(fit.nll_after == doctest::Approx(0.8545288092132434).epsilon(1e-10));
  CHECK(fit.nll_before == doctest::Approx(0.9883960425722301).epsilon(1e-12));
  CHECK_FALSE(fit.at_bound);
  CHECK(fit.iterations < 12);

  // Column-major float input gives the same temperature (to float precision).
  const Eigen::MatrixXf zf = z.cast<float>();
  CHECK(labelkit::prelabel::fit_temperature(zf, labels).temperature ==
        doctest::Approx(2.1528988890627967).epsilon(1e-5));

  // From probabilities: softmax(z) then ln gives back z up to a per-row shift, so the same T.
  const Eigen::MatrixXd p = labelkit::softmax(z);
  const auto from_p = labelkit::prelabel::fit_temperature_from_probabilities(p, labels);
  CHECK(from_p.temperature == doctest::Approx(fit.temperature).epsilon(1e-8));

  // apply_temperature at T = 1 is softmax; the fitted T lowers the NLL.
  CHECK(labelkit::prelabel::apply_temperature(z, 1.0).isApprox(p));
  const Eigen::MatrixXd q = labelkit::prelabel::apply_temperature(z, fit.temperature);
  double nll = 0.0;
  for (Eigen::Index i = 0; i < 30; ++i) nll -= std::log(q(i, labels[static_cast<std::size_t>(i)]));
  CHECK(nll / 30.0 == doctest::Approx(fit.nll_after).epsilon(1e-12));

  // ModelPreLabeler's temperature gives the same probabilities as apply_temperature.
  struct FixedModel {
    Eigen::MatrixXd p;
    void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
    Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
      Eigen::MatrixXd out(x.rows(), p.cols());
      for (Eigen::Index i = 0; i < x.rows(); ++i)
        out.row(i) = p.row(static_cast<Eigen::Index>(x(i, 0)));
      return out;
    }
  };
  FixedModel model{p};
  Eigen::MatrixXd ids(30, 1);
  for (Eigen::Index i = 0; i < 30; ++i) ids(i, 0) = static_cast<double>(i);
  labelkit::prelabel::ModelPreLabeler<FixedModel, Eigen::MatrixXd> scaled(model, ids,
                                                                          fit.temperature);
  const std::vector<Eigen::Index> rows{7};
  const auto out = scaled.label_batch(rows);
  CHECK(out[0].probabilities[1] == doctest::Approx(q(7, 1)).epsilon(1e-12));
}

TEST_CASE("fit_temperature stops at the bounds on separable or uninformative data") {
  // Separable: every true logit is the largest, so sharper is always better.
  Eigen::MatrixXd z(3, 2);
  z << 2, 0,  //
      0, 1,   //
      3, 1;
  const std::vector<int> labels{0, 1, 0};
  const auto sharp = labelkit::prelabel::fit_temperature(z, labels, 0.5, 10.0);
  CHECK(sharp.at_bound);
  CHECK(sharp.temperature == doctest::Approx(0.5));
  // Anti-informative: every true logit is the smallest, so flatter is always better.
  const std::vector<int> wrong{1, 0, 1};
  const auto flat = labelkit::prelabel::fit_temperature(z, wrong, 0.5, 10.0);
  CHECK(flat.at_bound);
  CHECK(flat.temperature == doctest::Approx(10.0));
}

TEST_CASE("temperature functions validate their input") {
  Eigen::MatrixXd z(2, 2);
  z << 1, 0, 0, 1;
  const std::vector<int> labels{0, 2};
  CHECK_THROWS_WITH((void)labelkit::prelabel::fit_temperature(z, labels),
                    "labelkit: fit_temperature(): 'labels' entry 1 is out of range (got 2, "
                    "expected 0 <= label < 2)");
  const std::vector<int> short_labels{0};
  CHECK_THROWS_AS((void)labelkit::prelabel::fit_temperature(z, short_labels),
                  labelkit::dimension_mismatch);
  z(0, 0) = std::numeric_limits<double>::infinity();
  const std::vector<int> ok{0, 1};
  CHECK_THROWS_AS((void)labelkit::prelabel::fit_temperature(z, ok), labelkit::invalid_argument);
  Eigen::MatrixXd p(2, 2);
  p << 1, 0, 0.5, 0.5;
  CHECK_THROWS_WITH(
      (void)labelkit::prelabel::fit_temperature_from_probabilities(p, std::vector<int>{1, 0}),
      doctest::Contains("row 0 gives its true class 1 probability 0"));
  CHECK_NOTHROW((void)labelkit::prelabel::fit_temperature_from_probabilities(p, ok));
  CHECK_THROWS_AS((void)labelkit::prelabel::apply_temperature(p, 0.0), labelkit::invalid_argument);
}

TEST_CASE("CalibratedPreLabeler maps confidences before routing") {
  auto inner = labelkit::prelabel::make_prelabeler<int>([](const int& i) {
    return labelkit::prelabel::PreLabel{i % 2, 0.9, {}, {}, {}};
  });
  const auto iso = IsotonicCalibrator::fit(vec({0.5, 0.9}), vec({1.0, 0.0}));
  labelkit::prelabel::CalibratedPreLabeler<int> calibrated(inner, iso);
  const std::vector<int> items{0, 1};
  const auto out = calibrated.label_batch(items);
  CHECK(out[0].confidence == doctest::Approx(0.5));  // PAV pools (0.5:1, 0.9:0) to 0.5
}
