// ReliabilityState: the calibration histogram as a mergeable state. Shards merged in any order
// give the table of all the items to the last bit; reliability_table() is its one-shard case;
// damaged bytes are parse errors.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/prelabel/reliability.hpp"

using labelkit::prelabel::ReliabilityState;

static_assert(labelkit::MergeableState<ReliabilityState>);

namespace {

bool reliability_tables_equal(const labelkit::prelabel::ReliabilityTable& a,
                              const labelkit::prelabel::ReliabilityTable& b) {
  if (a.total != b.total || a.ece != b.ece || a.mce != b.mce || a.bins.size() != b.bins.size())
    return false;
  for (std::size_t k = 0; k < a.bins.size(); ++k) {
    if (a.bins[k].count != b.bins[k].count || a.bins[k].accuracy != b.bins[k].accuracy ||
        a.bins[k].mean_confidence != b.bins[k].mean_confidence)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE(
    "ReliabilityState: shards in any order give reliability_table of everything, bit for bit") {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const Eigen::Index n = 3000;
  Eigen::VectorXd confidence(n);
  Eigen::VectorXd correct(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    confidence(i) = u(rng);
    correct(i) = u(rng) < confidence(i) * 0.9 ? 1.0 : 0.0;
  }
  const auto whole = labelkit::prelabel::reliability_table(confidence, correct, 10);
  CHECK(whole.total == n);
  CHECK(whole.ece > 0.0);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<ReliabilityState> shards(4, ReliabilityState(10));
    for (std::size_t j = 0; j < order.size(); ++j) {
      const Eigen::Index i = order[j];
      Eigen::VectorXd c(1);
      Eigen::VectorXd y(1);
      c << confidence(i);
      y << correct(i);
      shards[j % 4].add(c, y);
    }
    ReliabilityState merged(10);
    for (std::size_t s = shards.size(); s-- > 0;)
      merged.merge(ReliabilityState::from_bytes(shards[s].to_bytes()));
    CHECK(reliability_tables_equal(merged.table(), whole));
  }
  CHECK_THROWS_AS(ReliabilityState(10).merge(ReliabilityState(5)), labelkit::dimension_mismatch);
}

TEST_CASE("ReliabilityState bytes: truncation, trailing bytes and impossible sums are refused") {
  ReliabilityState s(3);
  Eigen::VectorXd c(4);
  Eigen::VectorXd y(4);
  c << 0.1, 0.5, 0.9, 0.95;
  y << 0, 1, 1, 0;
  s.add(c, y);
  const auto bytes = s.to_bytes();
  CHECK(ReliabilityState::from_bytes(bytes) == s);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_THROWS_AS((void)ReliabilityState::from_bytes(std::span(bytes).first(cut)),
                    labelkit::parse_error);
  auto longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS((void)ReliabilityState::from_bytes(longer), labelkit::parse_error);
  // Bin 0 holds one item; make its count 0 while its sums stay positive.
  auto impossible = bytes;
  for (std::size_t i = 20; i < 28; ++i) impossible[i] = std::byte{0};
  CHECK_THROWS_AS((void)ReliabilityState::from_bytes(impossible), labelkit::parse_error);
  CHECK_THROWS_AS(ReliabilityState(0), labelkit::invalid_argument);
}

TEST_CASE("ReliabilityState: bin counts whose sum overflows int64 are refused on reading") {
  // A fuzzer's input: two bins of 2^62 + 2^61 items each read fine, then table() overflowed
  // adding them up.
  labelkit::detail::ByteWriter w("LKRELIA1", 1);
  w.u64(2);
  for (int bin = 0; bin < 2; ++bin) {
    w.i64((std::int64_t{1} << 62) + (std::int64_t{1} << 61));
    labelkit::detail::ExactSum{}.write(w);
    labelkit::detail::ExactSum{}.write(w);
  }
  const auto bytes = std::move(w).take();
  CHECK_THROWS_AS((void)labelkit::prelabel::ReliabilityState::from_bytes(bytes),
                  labelkit::parse_error);
}
