// detail::ExactSum: the order-independent sum behind labelkit's mergeable floating-point
// statistics. Checked against exact integer arithmetic, against cases where floating-point
// summation is wrong, for rounding to nearest-even, invariance under order and grouping, its
// byte form, and overflow.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/mergeable.hpp"

using labelkit::detail::ExactSum;

namespace {

ExactSum exact_sum_of(const std::vector<double>& values) {
  ExactSum s;
  for (const double v : values) s.add(v);
  return s;
}

}  // namespace

TEST_CASE("ExactSum is exact where floating-point summation is not") {
  CHECK(exact_sum_of({1e16, 1.0, -1e16}).value() == 1.0);
  // Ten copies of the double nearest 0.1 add up to 1.000000000000000055511151231257827...,
  // whose nearest double is 1.0; left-to-right summation gives 0.9999999999999999.
  CHECK(exact_sum_of(std::vector<double>(10, 0.1)).value() == 1.0);
  CHECK(exact_sum_of({0x1p100, 0x1p-100, -0x1p100}).value() == 0x1p-100);
  CHECK(exact_sum_of({}).value() == 0.0);
  CHECK(exact_sum_of({-2.5}).value() == -2.5);
  CHECK(exact_sum_of({0.0, -0.0}).value() == 0.0);
}

TEST_CASE("ExactSum rounds the exact sum to the nearest double, ties to even") {
  const double big = 0x1p53;
  CHECK(exact_sum_of({big, 1.0}).value() == big);                  // 2^53 + 1: tie, to even
  CHECK(exact_sum_of({big, 3.0}).value() == big + 4.0);            // 2^53 + 3: tie, to even
  CHECK(exact_sum_of({big, 1.0, 0x1p-200}).value() == big + 2.0);  // above the tie
  CHECK(exact_sum_of({-big, -1.0, -0x1p-200}).value() == -big - 2.0);
  CHECK(exact_sum_of({big, 2.0}).value() == big + 2.0);
}

TEST_CASE("ExactSum equals exact integer arithmetic on multiples of 2^-30") {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<std::int64_t> k(-(std::int64_t{1} << 40), std::int64_t{1} << 40);
  for (int trial = 0; trial < 50; ++trial) {
    std::int64_t exact = 0;
    ExactSum s;
    for (int i = 0; i < 1000; ++i) {
      const std::int64_t v = k(rng);
      exact += v;
      s.add(std::ldexp(static_cast<double>(v), -30));
    }
    // |exact| < 2^50: exactly representable, so value() must be it.
    CHECK(s.value() == std::ldexp(static_cast<double>(exact), -30));
  }
}

TEST_CASE("ExactSum: any order and grouping gives the same bits") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::uniform_int_distribution<int> e(-60, 60);
  std::vector<double> values(2000);
  for (auto& v : values) v = std::ldexp(u(rng), e(rng));
  const ExactSum whole = exact_sum_of(values);
  for (int trial = 0; trial < 10; ++trial) {
    std::shuffle(values.begin(), values.end(), rng);
    std::vector<ExactSum> parts(7);
    for (std::size_t i = 0; i < values.size(); ++i) parts[(i * 7919 + trial) % 7].add(values[i]);
    ExactSum merged;
    for (const auto& p : parts) merged.merge(p);
    CHECK(merged == whole);
    CHECK(merged.value() == whole.value());
  }
  // Adding every value and then its negation returns exactly to zero.
  ExactSum zero = whole;
  for (const double v : values) zero.add(-v);
  CHECK(zero == ExactSum{});
  CHECK(zero.value() == 0.0);
}

TEST_CASE("ExactSum: tiny addends are rounded to multiples of 2^-256 before they are added") {
  // 2^-257 is half a unit: ties to even (0); 3 * 2^-258 rounds up to one unit.
  CHECK(exact_sum_of({0x1p-257}).value() == 0.0);
  CHECK(exact_sum_of({0x3p-258}).value() == 0x1p-256);
  CHECK(exact_sum_of({0x1p-204 + 0x1p-256}).value() == 0x1p-204 + 0x1p-256);  // exact
  CHECK(exact_sum_of({std::numeric_limits<double>::denorm_min()}).value() == 0.0);
}

TEST_CASE("ExactSum refuses non-finite and huge values and overflow; bytes round-trip") {
  ExactSum s;
  CHECK_THROWS_AS(s.add(std::nan("")), labelkit::invalid_argument);
  CHECK_THROWS_AS(s.add(0x1p127), labelkit::invalid_argument);
  s.add(0x1p126);
  CHECK_THROWS_AS(s.add(0x1p126), labelkit::numerical_error);
  CHECK(s.value() == 0x1p126);
  ExactSum n;
  n.add(-0x1p126);
  CHECK_THROWS_AS(n.add(-0x1p126), labelkit::numerical_error);  // -2^127 is out of range
  labelkit::detail::ByteWriter w("TESTSUM1", 1);
  const ExactSum x = exact_sum_of({0.1, -3.75, 0x1p-200, 1e30});
  x.write(w);
  const auto bytes = std::move(w).take();
  labelkit::detail::ByteReader r(bytes, "TESTSUM1", 1, "test");
  CHECK(ExactSum::read(r) == x);
  r.finish();
}
