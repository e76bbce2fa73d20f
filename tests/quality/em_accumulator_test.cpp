// detail::UnitSumBuffer and detail::EmAccumulator, the integer form of an EM pass's statistics:
// flushed, they hold exactly what UnitSum::add on every addend gives (same integers), including
// the carries between the two 64-bit halves and a spill in the middle of the additions.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/detail/em.hpp"

namespace {

// Adds `x` into sum k of both forms.
void add_both(labelkit::detail::UnitSumBuffer& buffer, std::vector<labelkit::detail::UnitSum>& sums,
              std::size_t k, double x) {
  std::uint64_t pair[2];
  labelkit::detail::UnitSumBuffer::split(labelkit::detail::UnitSum::units(x), pair);
  buffer.add(k, pair, 1);
  sums[k].add(x);
}

}  // namespace

TEST_CASE("UnitSumBuffer: flushed sums equal UnitSum::add on every addend") {
  using labelkit::detail::UnitSum;
  using labelkit::detail::UnitSumBuffer;
  labelkit::Random random(5);
  UnitSumBuffer buffer(4);
  std::vector<UnitSum> expected(4);
  std::vector<UnitSum> flushed(4);
  for (int n = 0; n < 200000; ++n) {
    // Sum 0: random in [0, 1]; sum 1: the largest addend, 2; sum 2: 1 - 2^-53 (every low bit
    // set); sum 3: tiny values that round to 0 or 1 unit.
    add_both(buffer, expected, 0, random.uniform01());
    add_both(buffer, expected, 1, 2.0);
    add_both(buffer, expected, 2, 1.0 - 0x1p-53);
    add_both(buffer, expected, 3, 0x1p-62 * random.uniform01() * 3);
    if (n == 123456) buffer.flush_into(flushed);  // a spill in the middle
  }
  buffer.flush_into(flushed);
  for (std::size_t k = 0; k < 4; ++k) CHECK(flushed[k] == expected[k]);
  CHECK(flushed[1].value() == 400000.0);
  CHECK(flushed[2].value() == doctest::Approx(200000.0));
  // The buffer is zero after a flush: flushing again adds nothing.
  buffer.flush_into(flushed);
  for (std::size_t k = 0; k < 4; ++k) CHECK(flushed[k] == expected[k]);
}

TEST_CASE("EmAccumulator refuses a posterior entry that UnitSum::add refuses") {
  labelkit::detail::EmAccumulator acc(3, 2);
  const double bad[2] = {0.5, 3.0};
  CHECK_THROWS_AS(acc.set_units(bad), labelkit::invalid_argument);
  const double negative[2] = {-0.25, 1.0};
  CHECK_THROWS_AS(acc.set_units(negative), labelkit::invalid_argument);
  const double good[2] = {0.25, 0.75};
  acc.set_units(good);
  acc.counts.add(1, acc.units.data(), 2);
  labelkit::detail::EmStatistics statistics(3);
  acc.evidence.add(-1.5);
  acc.items = 1;
  acc.flush_into(statistics);
  CHECK(statistics.value(0) == 0.0);
  CHECK(statistics.value(1) == 0.25);
  CHECK(statistics.value(2) == 0.75);
  CHECK(statistics.evidence() == -1.5);
  CHECK(statistics.items() == 1);
}
