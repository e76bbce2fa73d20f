#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/query/uncertainty.hpp"

using labelkit::query::entropy;
using labelkit::query::least_confidence;
using labelkit::query::margin;
using labelkit::query::ratio;

namespace {

// Rows chosen so each score is easy to compute by hand.
Eigen::MatrixXd hand_probabilities() {
  Eigen::MatrixXd p(4, 3);
  p << 1.0, 0.0, 0.0,  // certain
      0.5, 0.3, 0.2,   //
      0.4, 0.4, 0.2,   // tie for the top
      1.0 / 3, 1.0 / 3, 1.0 / 3;
  return p;
}

}  // namespace

TEST_CASE("least_confidence, margin, ratio and entropy match hand-computed values") {
  const Eigen::MatrixXd p = hand_probabilities();

  const Eigen::VectorXd lc = least_confidence(p);
  CHECK(lc(0) == doctest::Approx(0.0));
  CHECK(lc(1) == doctest::Approx(0.5));
  CHECK(lc(2) == doctest::Approx(0.6));
  CHECK(lc(3) == doctest::Approx(2.0 / 3));

  const Eigen::VectorXd m = margin(p);
  CHECK(m(0) == doctest::Approx(0.0));
  CHECK(m(1) == doctest::Approx(1.0 - 0.2));
  CHECK(m(2) == doctest::Approx(1.0));
  CHECK(m(3) == doctest::Approx(1.0));

  const Eigen::VectorXd r = ratio(p);
  CHECK(r(0) == doctest::Approx(0.0));
  CHECK(r(1) == doctest::Approx(0.6));
  CHECK(r(2) == doctest::Approx(1.0));
  CHECK(r(3) == doctest::Approx(1.0));

  const Eigen::VectorXd h = entropy(p);
  CHECK(h(0) == 0.0);  // 0 ln 0 = 0 exactly, no epsilon
  CHECK(h(1) ==
        doctest::Approx(-(0.5 * std::log(0.5) + 0.3 * std::log(0.3) + 0.2 * std::log(0.2))));
  CHECK(h(2) == doctest::Approx(-(0.8 * std::log(0.4) + 0.2 * std::log(0.2))));
  CHECK(h(3) == doctest::Approx(std::log(3.0)));
}

TEST_CASE("scores are identical for row-major and column-major input, and for expressions") {
  const Eigen::MatrixXd col = hand_probabilities();
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row = col;
  CHECK(entropy(col) == entropy(row));
  CHECK(margin(col) == margin(row));
  CHECK(ratio(col) == ratio(row));
  CHECK(least_confidence(col) == least_confidence(row));
  // An expression (a block of rows) works without a copy by the caller.
  CHECK(entropy(col.topRows(2)) == entropy(col).head(2));
}

TEST_CASE("float input gives float scores close to double") {
  const Eigen::MatrixXd pd = hand_probabilities();
  const Eigen::MatrixXf pf = pd.cast<float>();
  const Eigen::VectorXf hf = entropy(pf);
  static_assert(std::is_same_v<decltype(entropy(pf)), Eigen::VectorXf>);
  for (Eigen::Index i = 0; i < 4; ++i) {
    CHECK(hf(i) == doctest::Approx(entropy(pd)(i)).epsilon(1e-5));
    CHECK(margin(pf)(i) == doctest::Approx(margin(pd)(i)).epsilon(1e-5));
  }
}

TEST_CASE("blocks: results past the first block of rows are right") {
  // 1000 rows crosses several internal blocks of 256 rows, with a partial last block.
  Eigen::MatrixXd p(1000, 4);
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    const double a = 0.25 + 0.5 * static_cast<double>(i) / 1000.0;
    p.row(i) << a, (1 - a) / 2, (1 - a) / 4, (1 - a) / 4;
  }
  const Eigen::VectorXd m = margin(p);
  const Eigen::VectorXd h = entropy(p);
  for (Eigen::Index i = 0; i < p.rows(); i += 37) {
    const double a = p(i, 0);
    const double second = std::min(a, (1 - a) / 2);  // the other two are (1 - a) / 4
    const double first = std::max(a, (1 - a) / 2);
    CHECK(m(i) == doctest::Approx(1 - (first - second)));
    double expected = 0;
    for (Eigen::Index c = 0; c < 4; ++c) expected -= p(i, c) * std::log(p(i, c));
    CHECK(h(i) == doctest::Approx(expected));
  }
}

TEST_CASE("a single class: every score is defined") {
  Eigen::MatrixXd p = Eigen::MatrixXd::Ones(2, 1);
  CHECK(least_confidence(p)(0) == 0.0);
  CHECK(margin(p)(0) == 0.0);
  CHECK(ratio(p)(0) == 0.0);
  CHECK(entropy(p)(0) == 0.0);
}

TEST_CASE("scores start from logits through a stable softmax") {
  Eigen::MatrixXd logits(2, 3);
  logits << 1000.0, 1000.0, -1000.0,  // would overflow a naive exp
      0.0, std::log(3.0), std::log(6.0);
  const Eigen::MatrixXd p = labelkit::softmax(logits);
  CHECK(p(0, 0) == doctest::Approx(0.5));
  CHECK(p(0, 2) == 0.0);
  CHECK(p(1, 0) == doctest::Approx(0.1));
  CHECK(p(1, 2) == doctest::Approx(0.6));
  CHECK(entropy(p)(0) == doctest::Approx(std::log(2.0)));
  const Eigen::MatrixXd lp = labelkit::log_softmax(logits);
  CHECK(lp(0, 2) == doctest::Approx(-2000.0 - std::log(2.0)));
  CHECK(lp(1, 2) == doctest::Approx(std::log(0.6)));
}

TEST_CASE("bad probabilities are rejected with the row and column named") {
  Eigen::MatrixXd p = hand_probabilities();
  SUBCASE("NaN") {
    p(2, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(entropy(p),
                         "labelkit: entropy(): 'probabilities' has NaN at row 2, column 1",
                         labelkit::invalid_argument);
  }
  SUBCASE("negative") {
    p(1, 0) = -0.1;
    p(1, 1) = 0.9;
    CHECK_THROWS_AS(margin(p), labelkit::invalid_argument);
    CHECK_THROWS_WITH(margin(p), doctest::Contains("outside [0, 1] at row 1, column 0"));
  }
  SUBCASE("row does not sum to 1") {
    p(3, 0) = 0.5;
    CHECK_THROWS_WITH(ratio(p), doctest::Contains("row 3 does not sum to 1"));
    CHECK_THROWS_WITH(least_confidence(p), doctest::Contains("least_confidence()"));
  }
  SUBCASE("empty") {
    Eigen::MatrixXd empty(0, 3);
    CHECK_THROWS_WITH(entropy(empty), doctest::Contains("'probabilities' is empty"));
    Eigen::MatrixXd no_columns(3, 0);
    CHECK_THROWS_WITH(entropy(no_columns), doctest::Contains("0 columns"));
  }
  SUBCASE("logits with infinity") {
    Eigen::MatrixXd logits = Eigen::MatrixXd::Zero(2, 2);
    logits(1, 1) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(labelkit::softmax(logits), doctest::Contains("row 1, column 1"));
  }
}

TEST_CASE("entropy matches a plain std::log reference, for any chunking of the rows") {
  // The kernels use their own vectorised logarithm and a scalar tail; a row's score must not
  // depend on where it falls in a block, or streaming/sharded selection would differ from one
  // top_k over everything.
  labelkit::Random random(21);
  for (const Eigen::Index n :
       {Eigen::Index{1}, Eigen::Index{7}, Eigen::Index{300}, Eigen::Index{1001}}) {
    Eigen::MatrixXd p(n, 10);
    for (Eigen::Index i = 0; i < n; ++i) {
      double sum = 0;
      for (Eigen::Index c = 0; c < 10; ++c) {
        // Mix of tiny, zero and ordinary probabilities.
        const double u = random.uniform01();
        p(i, c) = c == 3 ? 0.0 : (u < 0.1 ? 1e-300 * u : u);
        sum += p(i, c);
      }
      p.row(i) /= sum;
    }
    const Eigen::VectorXd h = entropy(p);
    const Eigen::MatrixXf pf = p.cast<float>();
    const Eigen::VectorXf hf = entropy(pf);
    for (Eigen::Index i = 0; i < n; ++i) {
      double expected = 0;
      for (Eigen::Index c = 0; c < 10; ++c) {
        if (p(i, c) > 0) expected -= p(i, c) * std::log(p(i, c));
      }
      CHECK(h(i) == doctest::Approx(expected).epsilon(1e-14));
      CHECK(hf(i) == doctest::Approx(expected).epsilon(1e-5));
    }
    for (const Eigen::Index chunk :
         {Eigen::Index{1}, Eigen::Index{3}, Eigen::Index{17}, Eigen::Index{256}}) {
      for (Eigen::Index start = 0; start < n; start += chunk) {
        const Eigen::Index rows = std::min(chunk, n - start);
        const Eigen::VectorXd part = entropy(p.middleRows(start, rows));
        const Eigen::VectorXf part_f = entropy(pf.middleRows(start, rows));
        CHECK(part == h.segment(start, rows));  // bit-identical
        CHECK(part_f == hf.segment(start, rows));
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major =
            p.middleRows(start, rows);
        CHECK(entropy(row_major) == part);
      }
    }
  }
}
