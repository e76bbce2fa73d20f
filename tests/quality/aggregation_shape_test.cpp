// Every aggregator returns the shared Aggregation shape (items ascending, posterior, labels,
// annotators) with a lookup by item id.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/wawa.hpp"

using labelkit::Annotation;
namespace q = labelkit::quality;

namespace {

const std::vector<Annotation> crowd = {{20, 7, 1}, {20, 3, 1}, {10, 7, 0}, {10, 3, 0},
                                       {10, 5, 1}, {30, 5, 2}, {30, 3, 2}, {30, 7, 2}};

void check_shape(const q::Aggregation& r) {
  CHECK(r.items == std::vector<Eigen::Index>{10, 20, 30});
  CHECK(r.annotators == std::vector<Eigen::Index>{3, 5, 7});
  CHECK(r.labels == std::vector<int>{0, 1, 2});
  CHECK(r.label_of(20) == 1);
  CHECK(r.label_of(30) == 2);
  CHECK_FALSE(r.label_of(25).has_value());
  CHECK_FALSE(r.label_of(40).has_value());
  CHECK_FALSE(r.posterior_of(0).has_value());
  CHECK(r.row_of(30) == 2);
  const auto p = r.posterior_of(10);
  REQUIRE(p.has_value());
  CHECK(*p == Eigen::RowVectorXd(r.posterior.row(0)));
}

}  // namespace

TEST_CASE("every aggregator's result has the shared shape and looks items up by id") {
  check_shape(q::majority_vote(crowd, 3));
  const std::vector<q::AnnotatorWeight> w = {{3, 1.0}, {5, 0.5}, {7, 2.0}};
  check_shape(q::weighted_majority_vote(crowd, 3, w));
  check_shape(q::wawa(crowd, 3));
  check_shape(q::dawid_skene(crowd, 3));
  check_shape(q::one_coin_dawid_skene(crowd, 3));
  check_shape(q::glad(crowd, 3));
  check_shape(q::mace(crowd, 3));
  // The majority-vote posterior of item 10 is its vote shares (2 x label 0, 1 x label 1).
  CHECK(*q::majority_vote(crowd, 3).posterior_of(10) == Eigen::RowVector3d(2.0 / 3, 1.0 / 3, 0));
}
