// Hostile inputs to the agreement entry points: each must end in a labelkit::error (or a valid
// result), never in an Eigen assertion, an out-of-bounds read, a silent 0 or a wrong answer.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <string>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/core/limits.hpp"

using namespace labelkit::agreement;

namespace {

// Two items, three columns of counts, but only two category codes.
CountTable more_columns_than_categories() {
  CountTable t;
  t.counts = Eigen::MatrixXd{{2, 1, 0}, {0, 1, 2}};
  t.categories = {1, 2};
  return t;
}

// Two items, two columns of counts, but three category codes.
CountTable fewer_columns_than_categories() {
  CountTable t;
  t.counts = Eigen::MatrixXd{{2, 1}, {0, 3}};
  t.categories = {1, 2, 3};
  return t;
}

std::string message_of(auto&& call) {
  try {
    call();
  } catch (const labelkit::error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

// The checks run before any Eigen product, so they hold in a -DNDEBUG build too, where the
// mismatched shapes used to read out of bounds or return 0 instead of asserting.
TEST_CASE("CountTable whose categories and columns disagree is refused at every entry") {
  for (const CountTable& t : {more_columns_than_categories(), fewer_columns_than_categories()}) {
    CHECK_THROWS_AS((void)gwet_ac2(t), labelkit::dimension_mismatch);
    CHECK_THROWS_AS((void)gwet_ac2(t, WeightScheme::quadratic), labelkit::dimension_mismatch);
    CHECK_THROWS_AS((void)gwet_ac2(t, Eigen::MatrixXd::Identity(2, 2)),
                    labelkit::dimension_mismatch);
    CHECK_THROWS_AS((void)fleiss_kappa_generalized(t), labelkit::dimension_mismatch);
    CHECK_THROWS_AS((void)percent_agreement(t), labelkit::dimension_mismatch);
    CHECK_THROWS_AS((void)brennan_prediger(t), labelkit::dimension_mismatch);
  }
  const std::string what = message_of([] { (void)gwet_ac2(more_columns_than_categories()); });
  CHECK(what.find("gwet_ac2()") != std::string::npos);
  CHECK(what.find("'table.categories' has 2 codes but 'table.counts' has 3 columns") !=
        std::string::npos);
}

TEST_CASE("CountTable categories must be finite and strictly increasing") {
  CountTable t;
  t.counts = Eigen::MatrixXd{{2, 1}, {0, 3}};
  t.categories = {2, 1};
  CHECK_THROWS_AS((void)gwet_ac2(t), labelkit::invalid_argument);
  t.categories = {1, 1};
  CHECK_THROWS_AS((void)brennan_prediger(t), labelkit::invalid_argument);
  t.categories = {1, std::numeric_limits<double>::quiet_NaN()};
  CHECK_THROWS_AS((void)percent_agreement(t), labelkit::invalid_argument);
  t.categories = {1, std::numeric_limits<double>::infinity()};
  CHECK_THROWS_AS((void)fleiss_kappa_generalized(t), labelkit::invalid_argument);
  // A consistent table still works.
  t.categories = {1, 2};
  CHECK(gwet_ac2(t).value == doctest::Approx(gwet_ac2(t).value));
}

TEST_CASE("category counts beyond labelkit::max_classes are refused before allocating") {
  // 1 item x (max_classes + 1) categories: the q x q weight matrix alone would be 32 GiB.
  const auto q = static_cast<Eigen::Index>(labelkit::max_classes + 1);
  CountTable t;
  t.counts = Eigen::MatrixXd::Zero(1, q);
  t.counts(0, 0) = 2;
  t.categories.resize(static_cast<std::size_t>(q));
  for (Eigen::Index k = 0; k < q; ++k)
    t.categories[static_cast<std::size_t>(k)] = static_cast<double>(k);
  const std::string what = message_of([&] { (void)gwet_ac2(t); });
  CHECK(what.find("labelkit::max_classes") != std::string::npos);
  CHECK_THROWS_AS((void)fleiss_kappa_generalized(t.counts), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)randolph_kappa(t.counts), labelkit::invalid_argument);
  // Within max_classes but with a weight matrix over max_allocation_bytes (30,000^2 doubles).
  const Eigen::MatrixXd wide = Eigen::MatrixXd::Constant(1, 30000, 1.0);
  const std::string too_big = message_of([&] { (void)fleiss_kappa_estimate(wide); });
  CHECK(too_big.find("labelkit::max_allocation_bytes") != std::string::npos);
  // Two raters with 70,000 distinct codes: the contingency table would be 39 GB.
  std::vector<int> a(70000);
  std::vector<int> b(70000);
  for (int i = 0; i < 70000; ++i) {
    a[static_cast<std::size_t>(i)] = i * 7;
    b[static_cast<std::size_t>(i)] = i * 7;
  }
  CHECK_THROWS_AS((void)cohens_kappa(a, b), labelkit::invalid_argument);
}

TEST_CASE("Cohen's kappa with an all-zero weight matrix is refused, not read as kappa = 1") {
  // Total disagreement: every item rated 0 by one rater and 1 by the other.
  const std::vector<int> a{0, 1, 0, 1};
  const std::vector<int> b{1, 0, 1, 0};
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(2, 2);
  CHECK_THROWS_AS((void)cohens_kappa(a, b, zero), labelkit::invalid_argument);
  const std::string what = message_of([&] { (void)cohens_kappa(a, b, zero); });
  CHECK(what.find("'weights' gives no pair of categories any disagreement") != std::string::npos);
  CHECK(what.find("single category") == std::string::npos);
  // Every policy refuses: the weights, not the data, are degenerate.
  CHECK_THROWS_AS((void)cohens_kappa(a, b, zero, ZeroDivision::nan), labelkit::invalid_argument);
  // The agreement-weight spelling of the same thing: all ones.
  CHECK_THROWS_AS((void)cohens_kappa(a, b, Eigen::MatrixXd::Ones(2, 2)),
                  labelkit::invalid_argument);
  // Weights that separate only categories nobody used.
  const Eigen::MatrixXd partial{{0, 0, 1}, {0, 0, 1}, {1, 1, 0}};
  const std::string unused = message_of([&] { (void)cohens_kappa(a, b, partial); });
  CHECK(unused.find("no disagreement between any two of the 2 categories") != std::string::npos);
  // The same data with a proper weight matrix: kappa = -1.
  CHECK(cohens_kappa(a, b, Eigen::MatrixXd{{0, 1}, {1, 0}}) == doctest::Approx(-1.0));
}

TEST_CASE("Cohen's kappa: the single-category message is kept for single-category data") {
  const std::vector<int> a{3, 3, 3};
  const std::vector<int> b{3, 3, 3};
  const std::string what =
      message_of([&] { (void)cohens_kappa(a, b, Weights::none, ZeroDivision::raise); });
  CHECK(what.find("both annotators used one and the same single category") != std::string::npos);
  CHECK(cohens_kappa(a, b) == 1.0);
}
