#include <doctest/doctest.h>
#include "labelkit/query/random.hpp"

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/query/bagging.hpp"
#include "learner/test_models.hpp"

using labelkit::query::BaggingCommittee;
using test_models::CentroidModel;
using Labels = std::vector<int>;

namespace {

auto plain_factory() {
  return [] { return CentroidModel{}; };
}

auto sized_factory() {
  return [](Eigen::Index classes) { return CentroidModel(classes); };
}

using Plain = BaggingCommittee<decltype(plain_factory())>;
using Sized = BaggingCommittee<decltype(sized_factory())>;

static_assert(labelkit::Model<Plain, Eigen::MatrixXd>);
static_assert(labelkit::CommitteeModel<Plain, Eigen::MatrixXd>);
static_assert(labelkit::CopyableModel<Plain, Eigen::MatrixXd>);
static_assert(labelkit::CommitteeModel<Sized, Eigen::MatrixXf>);

}  // namespace

TEST_CASE("BaggingCommittee: members are the factory's model on seeded bootstrap resamples") {
  labelkit::Random random(1);
  Eigen::MatrixXd x;
  Labels y;
  test_models::make_blobs(10, 3, random, x, y);
  Sized committee(sized_factory(), 4, /*seed=*/17);
  committee.fit(x, y);
  CHECK(committee.size() == 4);
  CHECK(committee.classes() == 3);
  const auto members = committee.predict_proba_members(x);
  REQUIRE(members.size() == 4);
  // The twin: the same resamples drawn by hand (one split stream per member).
  labelkit::Random draws(17);
  Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(x.rows(), 3);
  for (std::size_t m = 0; m < 4; ++m) {
    labelkit::Random stream = draws.split();
    std::vector<Eigen::Index> rows(static_cast<std::size_t>(x.rows()));
    Labels labels;
    for (auto& r : rows) {
      r = static_cast<Eigen::Index>(stream.uniform_index(static_cast<std::uint64_t>(x.rows())));
      labels.push_back(y[static_cast<std::size_t>(r)]);
    }
    CentroidModel model(3);
    model.fit(labelkit::select_rows(x, rows), labels);
    const Eigen::MatrixXd expected = model.predict_proba(x);
    CHECK(members[m] == expected);
    mean += expected;
  }
  mean /= 4.0;
  CHECK((committee.predict_proba(x) - mean).cwiseAbs().maxCoeff() < 1e-15);
  // Reproducible; refitting on the same data gives the same committee; the seed matters.
  Sized again(sized_factory(), 4, 17);
  again.fit(x, y);
  CHECK(again.predict_proba(x) == committee.predict_proba(x));
  committee.fit(x, y);
  CHECK(again.predict_proba(x) == committee.predict_proba(x));
  Sized other(sized_factory(), 4, 18);
  other.fit(x, y);
  CHECK(other.predict_proba(x) != committee.predict_proba(x));
}

TEST_CASE("BaggingCommittee: resamples that miss classes still give n x C members") {
  // Three items, three classes, 30 members: many resamples miss a class, some hold one class.
  Eigen::MatrixXd x(3, 1);
  x << -5, 0, 5;
  const Labels y{0, 1, 2};
  Plain committee(plain_factory(), 30, 3);
  committee.fit(x, y);
  const auto members = committee.predict_proba_members(x);
  int missing = 0;
  int single = 0;
  for (const auto& p : members) {
    REQUIRE(p.rows() == 3);
    REQUIRE(p.cols() == 3);
    CHECK((p.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
    const Eigen::RowVectorXd column_mass = p.colwise().sum();
    int absent = 0;
    for (Eigen::Index c = 0; c < 3; ++c) absent += column_mass(c) == 0.0 ? 1 : 0;
    missing += absent > 0 ? 1 : 0;
    if (absent == 2) {
      ++single;
      CHECK((p.array() == 0.0 || p.array() == 1.0).all());  // that class with probability 1
    }
  }
  CHECK(missing > 0);
  CHECK(single > 0);
  // The explicit class count widens the output beyond the labels seen.
  Plain wide(plain_factory(), 3, 3, /*classes=*/5);
  wide.fit(x, y);
  CHECK(wide.predict_proba(x).cols() == 5);
  // float features, float members.
  Sized floats(sized_factory(), 3, 3);
  const Eigen::MatrixXf xf = x.cast<float>();
  floats.fit(xf, y);
  CHECK(floats.predict_proba_members(xf).size() == 3);
}

TEST_CASE("BaggingCommittee: bad input names the argument") {
  CHECK_THROWS_AS(Plain(plain_factory(), 0), labelkit::invalid_argument);
  CHECK_THROWS_AS(Plain(plain_factory(), 2, 0, -1), labelkit::invalid_argument);
  Plain committee(plain_factory(), 2);
  CHECK_THROWS_AS((void)committee.predict_proba(Eigen::MatrixXd::Zero(2, 1)),
                  labelkit::state_error);
  CHECK_THROWS_AS(committee.fit(Eigen::MatrixXd::Zero(2, 1), Labels{0}),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_WITH_AS(committee.fit(Eigen::MatrixXd::Zero(2, 1), Labels{0, -2}),
                       "labelkit: BaggingCommittee::fit(): 'labels' entry 1 is negative (got -2)",
                       labelkit::invalid_argument);
  Plain narrow(plain_factory(), 2, 0, 2);
  CHECK_THROWS_AS(narrow.fit(Eigen::MatrixXd::Zero(2, 1), Labels{0, 2}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(committee.fit(Eigen::MatrixXd::Zero(0, 1), Labels{}), labelkit::invalid_argument);
  // A factory model that ignores the class count is caught at prediction.
  auto fixed_four = [](Eigen::Index) { return CentroidModel(4); };
  BaggingCommittee<decltype(fixed_four)> wrong(fixed_four, 2);
  wrong.fit(Eigen::MatrixXd::Zero(3, 1), Labels{0, 1, 2});
  CHECK_THROWS_AS((void)wrong.predict_proba(Eigen::MatrixXd::Zero(3, 1)),
                  labelkit::dimension_mismatch);
}
