// Hostile inputs to the selection entry points: each input is the exact one that used to escape
// as a foreign exception or produce wrong ids.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"

using labelkit::query::TopKAccumulator;
using Indices = std::vector<Eigen::Index>;

TEST_CASE("TopKAccumulator(2^60) allocates nothing up front and keeps what it is offered") {
  // Used to throw std::length_error from vector::reserve(2^60).
  constexpr Eigen::Index huge = Eigen::Index{1} << 60;
  TopKAccumulator<double> best(huge);
  CHECK(best.k() == huge);
  CHECK(best.size() == 0);
  const Eigen::Vector4d scores(0.5, 2.0, -1.0, 2.0);
  best.add(scores, 10);
  CHECK(best.ids() == Indices{11, 13, 10, 12});
  CHECK(best.size() == 4);
  // Merging with another huge accumulator and the flat round trip also stay bounded.
  TopKAccumulator<double> other(huge);
  other.add(7.0, 3);
  best.merge(other);
  CHECK(best.ids() == Indices{3, 11, 13, 10, 12});
  const auto flat = best.to_pairs();
  CHECK(TopKAccumulator<double>::from_pairs(flat, huge).ids() == best.ids());
  TopKAccumulator<float> most(std::numeric_limits<Eigen::Index>::max());
  most.add(1.0F, 0);
  CHECK(most.ids() == Indices{0});
}

TEST_CASE("TopKAccumulator::add refuses an offset whose ids overflow INT64_MAX") {
  // Used to wrap: offset INT64_MAX - 1 with three scores returned ids ..., -9223372036854775808.
  constexpr Eigen::Index max = std::numeric_limits<Eigen::Index>::max();
  TopKAccumulator<double> best(3);
  const Eigen::Vector3d scores(1.0, 2.0, 3.0);
  CHECK_THROWS_WITH_AS(best.add(scores, max - 1),
                       "labelkit: TopKAccumulator::add(): 'offset' + 2 overflows the item id type "
                       "(got offset 9223372036854775806, expected offset <= 9223372036854775805)",
                       labelkit::invalid_argument);
  CHECK(best.size() == 0);  // nothing kept
  // The largest offset that fits is accepted, and every id is non-negative.
  best.add(scores, max - 2);
  CHECK(best.ids() == Indices{max, max - 1, max - 2});
  // One score at offset INT64_MAX is its own id.
  TopKAccumulator<double> one(1);
  one.add(Eigen::VectorXd::Constant(1, 0.5), max);
  CHECK(one.ids() == Indices{max});
}
