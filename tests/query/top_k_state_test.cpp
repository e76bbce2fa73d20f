// TopKAccumulator as a labelkit::MergeableState: its byte form round-trips, merges of shards in
// any order give the accumulator of all the scores, and damaged bytes are parse errors.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstddef>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"

using labelkit::query::TopKAccumulator;

static_assert(labelkit::MergeableState<TopKAccumulator<float>>);
static_assert(labelkit::MergeableState<TopKAccumulator<double>>);

TEST_CASE("TopKAccumulator bytes: shards merged in any order equal top_k of everything") {
  Eigen::VectorXf scores(300);
  for (Eigen::Index i = 0; i < scores.size(); ++i)
    scores(i) = static_cast<float>((i * 37) % 23) / 4.0f;  // many ties
  for (const Eigen::Index k :
       {Eigen::Index{0}, Eigen::Index{5}, Eigen::Index{299}, Eigen::Index{1000}}) {
    TopKAccumulator<float> a(k);
    TopKAccumulator<float> b(k);
    TopKAccumulator<float> c(k);
    a.add(scores.segment(0, 100), 0);
    b.add(scores.segment(100, 150), 100);
    c.add(scores.segment(250, 50), 250);
    const auto abc = labelkit::merge(labelkit::merge(a, b), c);
    const auto cba =
        labelkit::merge(TopKAccumulator<float>::from_bytes(c.to_bytes()), labelkit::merge(b, a));
    CHECK(abc == cba);
    CHECK(abc.ids() == labelkit::query::top_k(scores, k));
    CHECK(TopKAccumulator<float>::from_bytes(abc.to_bytes()) == abc);
  }
}

TEST_CASE("TopKAccumulator bytes: truncation, trailing bytes, a repeated id and NaN are refused") {
  TopKAccumulator<double> acc(4);
  Eigen::VectorXd s(5);
  s << 0.1, 0.9, 0.5, 0.7, 0.3;
  acc.add(s, 40);
  const auto bytes = acc.to_bytes();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_THROWS_AS((void)TopKAccumulator<double>::from_bytes(std::span(bytes).first(cut)),
                    labelkit::parse_error);
  auto longer = bytes;
  longer.push_back(std::byte{1});
  CHECK_THROWS_AS((void)TopKAccumulator<double>::from_bytes(longer), labelkit::parse_error);
  // Pair layout: 12-byte header, k, count, then (score, id) pairs of 16 bytes.
  auto repeated = bytes;
  for (std::size_t i = 0; i < 8; ++i) repeated[28 + 16 + 8 + i] = repeated[28 + 8 + i];
  CHECK_THROWS_AS((void)TopKAccumulator<double>::from_bytes(repeated), labelkit::parse_error);
  auto nan = bytes;
  const double q = std::numeric_limits<double>::quiet_NaN();
  std::memcpy(nan.data() + 28, &q, sizeof q);
  CHECK_THROWS_AS((void)TopKAccumulator<double>::from_bytes(nan), labelkit::parse_error);
  // A float accumulator refuses a score that is not a float.
  TopKAccumulator<double> wide(1);
  wide.add(0.1, 3);
  CHECK_THROWS_AS((void)TopKAccumulator<float>::from_bytes(wide.to_bytes()), labelkit::parse_error);
}
