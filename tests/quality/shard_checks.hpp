#pragma once
// Checks shared by the tests of sharded aggregation (tests/quality/ with threads standing in for
// ranks, tests/distributed/ under MPI): a shard's result against the single-process result.

#include <doctest/doctest.h>

#include <cstddef>

#include "labelkit/quality/aggregation.hpp"

namespace shard_checks {

// The rows of `whole` for the items of `part`, bit for bit, and the same annotators.
inline void check_rows_equal(const labelkit::quality::Aggregation& part,
                             const labelkit::quality::Aggregation& whole) {
  REQUIRE(part.posterior.cols() == whole.posterior.cols());
  for (std::size_t r = 0; r < part.items.size(); ++r) {
    const auto w = whole.row_of(part.items[r]);
    REQUIRE(w.has_value());
    CHECK(part.labels[r] == whole.labels[static_cast<std::size_t>(*w)]);
    CHECK(part.posterior.row(static_cast<Eigen::Index>(r)) == whole.posterior.row(*w));
  }
  CHECK(part.annotators == whole.annotators);
}

}  // namespace shard_checks
