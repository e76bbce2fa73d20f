#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"

using labelkit::query::top_k;
using labelkit::query::TopKAccumulator;
using Indices = std::vector<Eigen::Index>;

namespace {

template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> tied_scores(Eigen::Index n, labelkit::Random& random) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s(n);
  for (Eigen::Index i = 0; i < n; ++i) s(i) = static_cast<Scalar>(random.uniform_index(7));
  return s;
}

// Accumulates `s` in chunks whose boundaries are given (ascending, excluding 0 and n).
template <class Scalar>
TopKAccumulator<Scalar> accumulate(const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& s,
                                   const Indices& cuts, Eigen::Index k) {
  TopKAccumulator<Scalar> acc(k);
  Eigen::Index start = 0;
  for (std::size_t c = 0; c <= cuts.size(); ++c) {
    const Eigen::Index end = c < cuts.size() ? cuts[c] : s.size();
    acc.add(s.segment(start, end - start), start);
    start = end;
  }
  return acc;
}

}  // namespace

TEST_CASE("TopKAccumulator: every chunking of a small input equals one top_k") {
  labelkit::Random random(11);
  const Eigen::Index n = 9;
  for (int trial = 0; trial < 6; ++trial) {
    const Eigen::VectorXd s = tied_scores<double>(n, random);
    for (const Eigen::Index k : {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{3}, n, n + 2}) {
      const Indices expected = top_k(s, k);
      // All 2^(n-1) ways to cut 0..n-1 into consecutive chunks.
      for (unsigned mask = 0; mask < (1u << (n - 1)); ++mask) {
        Indices cuts;
        for (Eigen::Index b = 1; b < n; ++b) {
          if ((mask >> (b - 1)) & 1u) cuts.push_back(b);
        }
        const auto acc = accumulate(s, cuts, k);
        REQUIRE(acc.ids() == expected);
      }
    }
  }
}

TEST_CASE("TopKAccumulator: shards merged in any order and tree shape equal one top_k") {
  labelkit::Random random(5);
  for (int trial = 0; trial < 40; ++trial) {
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(random.uniform_index(400));
    const Eigen::VectorXf s = tied_scores<float>(n, random);
    const Eigen::Index k =
        static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n + 3)));
    const Indices expected = top_k(s, k);
    // Random shards of consecutive ids.
    const auto shards = 1 + static_cast<Eigen::Index>(random.uniform_index(6));
    std::vector<TopKAccumulator<float>> parts;
    Eigen::Index start = 0;
    for (Eigen::Index p = 0; p < shards; ++p) {
      const Eigen::Index end = p + 1 == shards
                                   ? n
                                   : start + static_cast<Eigen::Index>(random.uniform_index(
                                                 static_cast<std::uint64_t>(n - start + 1)));
      TopKAccumulator<float> acc(k);
      // Each shard in random chunks too.
      Eigen::Index at = start;
      while (at < end) {
        const Eigen::Index len =
            1 +
            static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(end - at)));
        acc.add(s.segment(at, len), at);
        at += len;
      }
      parts.push_back(acc);
      start = end;
    }
    // Left fold in a shuffled order.
    std::vector<std::size_t> order(parts.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    random.shuffle(std::span<std::size_t>(order));
    TopKAccumulator<float> left(k);
    for (const std::size_t p : order) left.merge(parts[p]);
    CHECK(left.ids() == expected);
    // Pairwise tree reduction, as an MPI reduce would do.
    std::vector<TopKAccumulator<float>> level = parts;
    while (level.size() > 1) {
      std::vector<TopKAccumulator<float>> next;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
        next.push_back(labelkit::query::merged(level[i + 1], level[i]));  // commuted
      }
      if (level.size() % 2 == 1) next.push_back(level.back());
      level = std::move(next);
    }
    CHECK(level.front().ids() == expected);
    // Scores are aligned with ids.
    const Eigen::VectorXf kept = left.scores();
    for (std::size_t r = 0; r < expected.size(); ++r) {
      CHECK(kept(static_cast<Eigen::Index>(r)) == s(expected[r]));
    }
  }
}

TEST_CASE("TopKAccumulator: non-contiguous ids, single pairs and row vectors") {
  TopKAccumulator<double> acc(3);
  Eigen::RowVectorXd chunk(3);
  chunk << 0.5, 0.9, 0.5;
  acc.add(chunk, 100);  // ids 100, 101, 102
  acc.add(0.9, 7);      // ties 101 on score, lower id wins
  acc.add(0.1, 3);
  CHECK(acc.ids() == Indices{7, 101, 100});
  CHECK(acc.size() == 3);
  CHECK(acc.k() == 3);
  TopKAccumulator<double> empty(0);
  empty.add(chunk, 0);
  CHECK(empty.ids().empty());
}

TEST_CASE("TopKAccumulator: to_pairs / from_pairs round trip, float and large ids") {
  TopKAccumulator<float> acc(4);
  Eigen::VectorXf chunk(5);
  chunk << 0.25f, 1.0f / 3.0f, -2.5f, 0.75f, 1.0f / 3.0f;
  const Eigen::Index big = (Eigen::Index{1} << 40) + 3;
  acc.add(chunk, big);
  const std::vector<double> flat = acc.to_pairs();
  REQUIRE(flat.size() == 8);
  CHECK(flat[0] == 0.75);
  CHECK(flat[1] == static_cast<double>(big + 3));
  // Pairs in any order rebuild the same accumulator.
  std::vector<double> reversed;
  for (std::size_t p = flat.size() / 2; p-- > 0;) {
    reversed.push_back(flat[2 * p]);
    reversed.push_back(flat[2 * p + 1]);
  }
  const auto back = TopKAccumulator<float>::from_pairs(reversed, 4);
  CHECK(back.ids() == acc.ids());
  CHECK(back.scores() == acc.scores());
  CHECK(back.ids() == Indices{big + 3, big + 1, big + 4, big});
  // Merging a received buffer equals merging the accumulator.
  TopKAccumulator<float> other(4);
  other.add(0.5f, 1);
  other.merge(TopKAccumulator<float>::from_pairs(flat, 4));
  CHECK(other.ids() == Indices{big + 3, 1, big + 1, big + 4});
}

TEST_CASE("TopKAccumulator: bad input names the argument") {
  CHECK_THROWS_AS(TopKAccumulator<double>(-1), labelkit::invalid_argument);
  TopKAccumulator<double> acc(2);
  Eigen::VectorXd s(3);
  s << 1.0, std::nan(""), 2.0;
  CHECK_THROWS_WITH_AS(
      acc.add(s, 10),
      "labelkit: TopKAccumulator::add(): 'scores' has NaN at position 1 (item id 11)",
      labelkit::invalid_argument);
  CHECK(acc.size() == 0);  // nothing kept when it throws
  CHECK_THROWS_AS(acc.add(Eigen::VectorXd::Ones(2), -1), labelkit::invalid_argument);
  CHECK_THROWS_AS(acc.add(Eigen::MatrixXd::Ones(2, 2), 0), labelkit::invalid_argument);
  CHECK_THROWS_AS(acc.add(1.0, -3), labelkit::invalid_argument);
  CHECK_THROWS_AS(acc.merge(TopKAccumulator<double>(3)), labelkit::error);
  const std::vector<double> odd{1.0, 2.0, 3.0};
  CHECK_THROWS_WITH_AS(
      TopKAccumulator<double>::from_pairs(odd, 2),
      "labelkit: TopKAccumulator::from_pairs(): 'flat' has odd length 3 (expected score, id pairs)",
      labelkit::invalid_argument);
  const std::vector<double> repeated{1.0, 4.0, 2.0, 4.0};
  CHECK_THROWS_WITH_AS(TopKAccumulator<double>::from_pairs(repeated, 2),
                       "labelkit: TopKAccumulator::from_pairs(): 'flat' repeats item id 4",
                       labelkit::invalid_argument);
  const std::vector<double> fractional{1.0, 4.5};
  CHECK_THROWS_AS(TopKAccumulator<double>::from_pairs(fractional, 2), labelkit::invalid_argument);
  const std::vector<double> too_many{1.0, 1.0, 2.0, 2.0, 3.0, 3.0};
  CHECK_THROWS_AS(TopKAccumulator<double>::from_pairs(too_many, 2), labelkit::invalid_argument);
  const std::vector<double> not_float{0.1, 1.0};  // 0.1 is no float
  CHECK_THROWS_AS(TopKAccumulator<float>::from_pairs(not_float, 2), labelkit::invalid_argument);
}
