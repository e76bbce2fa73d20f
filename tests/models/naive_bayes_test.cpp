#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/models/naive_bayes.hpp"
#include "models/digits_fixture.hpp"

using labelkit::models::GaussianNaiveBayes;
using labelkit::models::GaussianNaiveBayesOptions;
using test_models::digits;
using test_models::RowMajorXd;
using test_models::RowMajorXf;

static_assert(labelkit::Model<GaussianNaiveBayes, Eigen::MatrixXd>);
static_assert(labelkit::Model<GaussianNaiveBayes, Eigen::MatrixXf>);
static_assert(labelkit::CopyableModel<GaussianNaiveBayes, Eigen::MatrixXd>);
static_assert(labelkit::check_model<GaussianNaiveBayes, Eigen::MatrixXd>());

namespace {

// Reference values (printed with 12 significant digits), computed once with Debian's
// scikit-learn 1.2.1 (/usr/bin/python3):
//
//   b = np.loadtxt('examples/data/breast_cancer.csv', delimiter=',', skiprows=1)
//   g = GaussianNB().fit(b[:200, :-1], b[:200, -1])          # raw features
//   gnb_bc_theta = g.theta_; gnb_bc_var = g.var_; gnb_bc_prior = g.class_prior_
//   gnb_bc_proba = g.predict_proba(b[200:210, :-1]); gnb_bc_log_proba = g.predict_log_proba(...)
//   d = np.loadtxt('examples/data/digits.csv', delimiter=',')
//   gd = GaussianNB().fit(d[:300, :-1], d[:300, -1])
//   gnb_digits_prior = gd.class_prior_
//   gnb_digits_log_proba = gd.predict_log_proba(d[300:305, :-1]); gnb_digits_proba likewise
constexpr double gnb_bc_epsilon = 0.0002991680838877499;       // g.epsilon_
constexpr double gnb_digits_epsilon = 4.5067322222222435e-08;  // gd.epsilon_

// The reference tables keep scikit-learn's printed layout.
// clang-format off
// gnb_bc_theta: shape (2, 30)
const std::vector<double> gnb_bc_theta{
    16.5671153846, 20.8920192308, 109.418269231, 878.597115385, 0.104112596154, 0.14740375,
    0.152790288462, 0.0837204807692, 0.197316346154, 0.0640018269231, 0.565878846154,
    1.19393269231, 4.03410576923, 63.0722115385, 0.00661159615385, 0.0334586730769,
    0.0403060576923, 0.0144438365385, 0.0215139615385, 0.00419573076923, 20.1859615385,
    28.7446153846, 134.973557692, 1294.87307692, 0.146736442308, 0.395202980769, 0.449837307692,
    0.179068846154, 0.341434615385, 0.0954950961538, 11.8288645833, 16.8525, 76.0264583333,
    440.202083333, 0.0955417708333, 0.08122625, 0.051469125, 0.0267499791667, 0.176407291667,
    0.0640073958333, 0.29875, 1.26551770833, 2.03687916667, 21.5626354167, 0.00770188541667,
    0.02252696875, 0.0307065104167, 0.01052340625, 0.02193125, 0.004115909375, 13.00503125,
    22.1617708333, 84.1469791667, 528.998958333, 0.1278928125, 0.1734890625, 0.168133770833,
    0.0724230104167, 0.2692625, 0.0796866666667};

// gnb_bc_var: shape (2, 30)
const std::vector<double> gnb_bc_var{
    9.32841777015, 10.6817595139, 437.772075019, 110131.486349, 0.000489135287725,
    0.00369955104771, 0.005916192229, 0.0015135334577, 0.00116212445131, 0.000364779683435,
    0.0734220537902, 0.263680355284, 4.24986118574, 1480.32329524, 0.000306063506917,
    0.000762588659685, 0.000778386884692, 0.000328492346448, 0.000437602350732,
    0.000303970160296, 15.8271578589, 23.9144374817, 764.831964396, 268921.325151,
    0.000796016460654, 0.035350851076, 0.033356557292, 0.00245646858256, 0.00683840553951,
    0.000871361299263, 3.558296556, 9.53203041808, 156.583642875, 18947.9988365,
    0.00046368983596, 0.00150893266983, 0.00397124312529, 0.000617989901783, 0.00104359834322,
    0.000358136676064, 0.0141234966256, 0.397466525583, 0.609618434317, 81.9195539206,
    0.000309016914968, 0.000674204498064, 0.00301196736135, 0.000350075232796,
    0.000354922292742, 0.000316346506716, 4.32213292752, 21.3342720739, 198.660818168,
    26922.5604022, 0.000720663941603, 0.00780153248822, 0.0302311065554, 0.00177798914379,
    0.0025256989693, 0.000520520641527};

// gnb_bc_prior: shape (2,)
const std::vector<double> gnb_bc_prior{
    0.52, 0.48};

// gnb_bc_proba: shape (10, 2)
const std::vector<double> gnb_bc_proba{
    2.04254618003e-09, 0.999999997957, 1, 1.97665609746e-18, 1, 2.29122647284e-96, 1,
    1.48422698505e-25, 1.24692253545e-07, 0.999999875308, 0.799135448967, 0.200864551033,
    5.19618892388e-15, 1, 1, 1.37013306012e-17, 0.196019257944, 0.803980742056,
    1.11206717208e-05, 0.999988879328};

// gnb_bc_log_proba: shape (10, 2)
const std::vector<double> gnb_bc_log_proba{
    -20.0090686799, -2.04254568814e-09, 0, -40.7651250965, 0, -220.219081676, 0, -57.1697332369,
    -15.8974171069, -1.24692261849e-07, -0.22422482447, -1.60512447354, -32.8908509373,
    -5.3290705182e-15, 0, -38.8290387216, -1.62954236976, -0.218179962757, -11.4067048644,
    -1.11207335562e-05};

// gnb_digits_prior: shape (10,)
const std::vector<double> gnb_digits_prior{
    0.103333333333, 0.1, 0.0966666666667, 0.0966666666667, 0.0966666666667, 0.106666666667,
    0.0966666666667, 0.0966666666667, 0.103333333333, 0.103333333333};

// gnb_digits_log_proba: shape (5, 10)
const std::vector<double> gnb_digits_log_proba{
    -2840196426.94, -2840195452.29, -898656187.821, -99850888.8391, -1109453210.51,
    -146.490586063, -4504372732.17, 0, -898655708.605, -1672.52842469, -2496265809.81,
    -277362953.028, -99852520.6697, -2.57546872717e-10, -44379995.1249, -87.4997089486,
    -1342436597.56, -754429549.031, -99850684.0763, -22.0798243607, -543632372.986,
    -1597609983.85, -1045.88775139, -44378145.1612, -1342436738.28, 0, -1386814266.9,
    -300.825327016, -139.020550878, -1924.55970062, -2840195890.11, 0, -806.480777393,
    -898656669.023, -710048883.046, -903.591362511, -177512314.414, -710052275.399,
    -61.9413813155, -142.630052708, 0, -2840195541.99, -710049148.759, -2096866204.33,
    -11095171.6603, -543631584.427, -1131640499.55, -288458841.498, -710048956.812,
    -454875227.762};

// gnb_digits_proba: shape (5, 10)
const std::vector<double> gnb_digits_proba{
    0, 0, 0, 0, 0, 2.39853920671e-64, 0, 1, 0, 0, 0, 0, 0, 0.999999999742, 0, 9.98525673096e-39,
    0, 0, 0, 2.57545590585e-10, 0, 0, 0, 0, 0, 1, 0, 2.25538381848e-131, 4.20864100744e-61, 0,
    0, 1, 0, 0, 0, 0, 0, 0, 1.25660821105e-27, 1.13908243625e-62, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

// clang-format on

const examples::Dataset& breast_cancer() {
  static const examples::Dataset data = examples::load_breast_cancer();
  return data;
}
std::vector<int> first_labels(const examples::Dataset& data, std::size_t n) {
  return {data.labels.begin(), data.labels.begin() + static_cast<std::ptrdiff_t>(n)};
}

// Max |a - b| / max(1, |b|) with b a row-major literal of a's shape; infinities must match.
template <class Derived>
double max_rel_diff(const Eigen::MatrixBase<Derived>& a, const std::vector<double>& b) {
  REQUIRE(static_cast<std::size_t>(a.size()) == b.size());
  double worst = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const double expected = b[static_cast<std::size_t>(i * a.cols() + j)];
      worst = std::max(worst, std::abs(static_cast<double>(a(i, j)) - expected) /
                                  std::max(1.0, std::abs(expected)));
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("GaussianNaiveBayes matches scikit-learn's GaussianNB on breast cancer") {
  const Eigen::MatrixXd train = breast_cancer().features.topRows(200);
  const Eigen::MatrixXd test = breast_cancer().features.middleRows(200, 10);
  GaussianNaiveBayes model;
  model.fit(train, first_labels(breast_cancer(), 200));
  CHECK(model.epsilon() == doctest::Approx(gnb_bc_epsilon).epsilon(1e-12));
  CHECK(max_rel_diff(model.means(), gnb_bc_theta) < 1e-10);
  CHECK(max_rel_diff(model.variances(), gnb_bc_var) < 1e-10);
  CHECK(max_rel_diff(model.priors().transpose(), gnb_bc_prior) < 1e-10);
  CHECK(max_rel_diff(model.predict_log_proba(test), gnb_bc_log_proba) < 1e-9);
  const Eigen::MatrixXd p = model.predict_proba(test);
  CHECK(max_rel_diff(p, gnb_bc_proba) < 1e-9);
  // Tiny probabilities survive (log-space): row 2's class-1 probability is 2.3e-96.
  CHECK(p(2, 1) == doctest::Approx(2.29122647284e-96).epsilon(1e-6));
  CHECK(((p.rowwise().sum().array() - 1.0).abs() < 1e-12).all());
}

TEST_CASE("GaussianNaiveBayes matches scikit-learn on digits (tiny smoothed variances)") {
  const Eigen::MatrixXd train = digits().features.topRows(300);
  const Eigen::MatrixXd test = digits().features.middleRows(300, 5);
  GaussianNaiveBayes model;
  model.fit(train, first_labels(digits(), 300));
  CHECK(model.epsilon() == doctest::Approx(gnb_digits_epsilon).epsilon(1e-12));
  CHECK(max_rel_diff(model.priors().transpose(), gnb_digits_prior) < 1e-10);
  // log-probabilities reach -2.8e9 (a pixel that is constant within a class has variance ε);
  // compared relative to max(1, |expected|).
  CHECK(max_rel_diff(model.predict_log_proba(test), gnb_digits_log_proba) < 1e-9);
  CHECK(max_rel_diff(model.predict_proba(test), gnb_digits_proba) < 1e-9);
}

TEST_CASE("GaussianNaiveBayes: float and row-major inputs, float results") {
  const Eigen::MatrixXd train = breast_cancer().features.topRows(200);
  const Eigen::MatrixXd test = breast_cancer().features.middleRows(200, 10);
  const auto labels = first_labels(breast_cancer(), 200);
  GaussianNaiveBayes reference;
  reference.fit(train, labels);

  GaussianNaiveBayes row_major;
  row_major.fit(RowMajorXd(train), labels);
  CHECK((row_major.predict_proba(RowMajorXd(test)) - reference.predict_proba(test))
            .cwiseAbs()
            .maxCoeff() < 1e-14);

  // float features are rounded on the way in, so compare where probabilities are not extreme.
  GaussianNaiveBayes single;
  single.fit(train.cast<float>(), std::span<const int>(labels));
  const auto p = single.predict_proba(RowMajorXf(test.cast<float>()));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(p)>,
                               Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>>);
  CHECK(max_rel_diff(single.means(), gnb_bc_theta) < 1e-6);
  CHECK((p.cast<double>() - reference.predict_proba(test)).cwiseAbs().maxCoeff() < 1e-4);
  CHECK(((p.rowwise().sum().array() - 1.0f).abs() < 1e-5f).all());
}

TEST_CASE("GaussianNaiveBayes: absent classes get probability 0 (log -inf)") {
  const Eigen::MatrixXd train = breast_cancer().features.topRows(200);
  const Eigen::MatrixXd test = breast_cancer().features.middleRows(200, 10);
  std::vector<int> relabelled = first_labels(breast_cancer(), 200);
  for (int& label : relabelled) label = label == 0 ? 1 : 4;
  GaussianNaiveBayesOptions options;
  options.n_classes = 6;
  GaussianNaiveBayes model(options);
  model.fit(train, relabelled);
  CHECK(model.classes() == std::vector<int>{1, 4});
  const Eigen::MatrixXd p = model.predict_proba(test);
  REQUIRE(p.cols() == 6);
  for (const Eigen::Index absent : {0, 2, 3, 5}) CHECK((p.col(absent).array() == 0.0).all());
  Eigen::MatrixXd pair(10, 2);
  pair << p.col(1), p.col(4);
  CHECK(max_rel_diff(pair, gnb_bc_proba) < 1e-9);
  const Eigen::MatrixXd log_p = model.predict_log_proba(test);
  CHECK(log_p(0, 0) == -std::numeric_limits<double>::infinity());

  // Without the option: max(label) + 1 columns; the setter changes it.
  GaussianNaiveBayes plain;
  plain.fit(train, relabelled);
  CHECK(plain.predict_proba(test).cols() == 5);
  plain.set_n_classes(9);
  plain.fit(train, relabelled);
  CHECK(plain.predict_proba(test).cols() == 9);

  // One present class: probability 1.
  GaussianNaiveBayes one;
  one.fit(train, std::vector<int>(200, 2));
  const Eigen::MatrixXd p1 = one.predict_proba(test);
  CHECK((p1.col(2).array() == 1.0).all());
  CHECK((p1.leftCols(2).array() == 0.0).all());
}

TEST_CASE("GaussianNaiveBayes is deterministic and copyable") {
  const Eigen::MatrixXd train = digits().features.topRows(300);
  const auto labels = first_labels(digits(), 300);
  GaussianNaiveBayes a;
  a.fit(train, labels);
  GaussianNaiveBayes b = a;
  GaussianNaiveBayes c;
  c.fit(train, labels);
  const Eigen::MatrixXd test = digits().features.middleRows(300, 50);
  CHECK((a.predict_log_proba(test).array() == b.predict_log_proba(test).array()).all());
  CHECK((a.predict_log_proba(test).array() == c.predict_log_proba(test).array()).all());
  b.fit(train.topRows(100), first_labels(digits(), 100));
  CHECK((a.predict_log_proba(test).array() == c.predict_log_proba(test).array()).all());
}

TEST_CASE("GaussianNaiveBayes rejects bad input with messages naming argument and row") {
  const Eigen::MatrixXd train = breast_cancer().features.topRows(200);
  const auto labels = first_labels(breast_cancer(), 200);
  GaussianNaiveBayes model;
  CHECK_THROWS_WITH_AS(model.predict_proba(train),
                       "labelkit: GaussianNaiveBayes::predict_proba(): the model is not fitted "
                       "(call fit() first)",
                       labelkit::state_error);
  CHECK_THROWS_AS(static_cast<void>(model.means()), labelkit::state_error);
  CHECK_THROWS_WITH_AS(model.fit(Eigen::MatrixXd(0, 3), std::vector<int>{}),
                       doctest::Contains("'x' is empty"), labelkit::invalid_argument);
  CHECK_THROWS_AS(model.fit(train, std::vector<int>(199, 0)), labelkit::dimension_mismatch);
  std::vector<int> negative = labels;
  negative[7] = -3;
  CHECK_THROWS_WITH_AS(model.fit(train, negative),
                       doctest::Contains("negative label at row 7 (got -3"),
                       labelkit::invalid_argument);
  Eigen::MatrixXd with_nan = train;
  with_nan(11, 29) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(model.fit(with_nan, labels), doctest::Contains("row 11, column 29"),
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(model.fit(Eigen::MatrixXd::Ones(4, 2), std::vector<int>{0, 1, 0, 1}),
                  labelkit::invalid_argument);  // all features constant: zero variance
  GaussianNaiveBayesOptions options;
  options.var_smoothing = -1.0;
  CHECK_THROWS_AS(GaussianNaiveBayes{options}, labelkit::invalid_argument);
  options = {};
  options.n_classes = 1;
  GaussianNaiveBayes small(options);
  CHECK_THROWS_WITH_AS(small.fit(train, labels), doctest::Contains("label out of range"),
                       labelkit::invalid_argument);

  model.fit(train, labels);
  CHECK_THROWS_WITH_AS(model.predict_proba(train.leftCols(5)),
                       doctest::Contains("'x' has 5 columns but the model was fitted on 30"),
                       labelkit::dimension_mismatch);
  CHECK_THROWS_AS(model.predict_log_proba(with_nan), labelkit::invalid_argument);
}
