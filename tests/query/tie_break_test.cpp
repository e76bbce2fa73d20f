// The seeded random tie-break (modAL's shuffled_argmax): the same set of scores as top_k, each
// tied subset equally likely, reproducible from the seed.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "learner/test_models.hpp"

using labelkit::query::TieBreak;
using labelkit::query::top_k;
using Indices = std::vector<Eigen::Index>;

TEST_CASE("random tie-break never reorders distinct scores") {
  const Eigen::VectorXd s = (Eigen::VectorXd(6) << 0.1, 0.9, 0.4, 0.7, 0.2, 0.3).finished();
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    CHECK(top_k(s, 4, TieBreak::random, seed) == Indices{1, 3, 2, 5});
  }
  CHECK(top_k(s, 3, TieBreak::lower_index, 5) == top_k(s, 3));
  CHECK(top_k(s, 10, TieBreak::random, 1).size() == 6);
  CHECK(top_k(s, 0, TieBreak::random, 1).empty());
  CHECK_THROWS_AS((void)top_k(s, -1, TieBreak::random, 1), labelkit::invalid_argument);
  Eigen::VectorXd bad = s;
  bad(2) = std::nan("");
  CHECK_THROWS_WITH_AS((void)top_k(bad, 2, TieBreak::random, 1),
                       "labelkit: top_k(): 'scores' has NaN at position 2",
                       labelkit::invalid_argument);
}

TEST_CASE("random tie-break on modAL's shuffled_argmax construction") {
  // modAL tests/core_tests.py, test_shuffled_argmax: for every pool size 1..99 and every k, the
  // values are a random permutation of 0..n-1 and the result is the k largest.
  labelkit::Random random(2024);
  for (Eigen::Index n = 1; n < 100; ++n) {
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
    random.shuffle(std::span<Eigen::Index>(perm));
    Eigen::VectorXd values(n);
    for (Eigen::Index i = 0; i < n; ++i)
      values(i) = static_cast<double>(perm[static_cast<std::size_t>(i)]);
    for (Eigen::Index k = 1; k <= n; ++k) {
      const Indices picked =
          top_k(values, k, TieBreak::random, static_cast<std::uint64_t>(n * 131 + k));
      REQUIRE(static_cast<Eigen::Index>(picked.size()) == k);
      for (Eigen::Index r = 0; r < k; ++r) {
        REQUIRE(values(picked[static_cast<std::size_t>(r)]) == static_cast<double>(n - 1 - r));
      }
    }
  }
}

TEST_CASE("random tie-break picks every tied item equally often") {
  // The maximum is shared, so the first pick is uniform over the tied items. Items 1, 2 and 4
  // tie at 0.8; item 0 is below.
  const Eigen::VectorXd s = (Eigen::VectorXd(5) << 0.5, 0.8, 0.8, 0.1, 0.8).finished();
  std::array<int, 5> first{};
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    const Indices picked = top_k(s, 3, TieBreak::random, seed);
    Indices sorted = picked;
    std::sort(sorted.begin(), sorted.end());
    REQUIRE(sorted == Indices{1, 2, 4});  // always the tied maximum, never item 0
    ++first[static_cast<std::size_t>(picked.front())];
  }
  // 1000 expected each; 3000 seeded draws, so the counts are fixed numbers, and each lies well
  // within 5 binomial standard deviations (5 * 25.8) of 1000.
  CHECK(first[0] == 0);
  CHECK(first[3] == 0);
  for (const std::size_t i : {1U, 2U, 4U}) {
    CHECK(first[i] > 1000 - 129);
    CHECK(first[i] < 1000 + 129);
  }
  // With k = 1 and one more slot than ties, item 0 follows the tied three.
  CHECK(top_k(s, 4, TieBreak::random, 9).back() == 0);
  CHECK(top_k(s, 2, TieBreak::random, 42) == top_k(s, 2, TieBreak::random, 42));
}

TEST_CASE("ScoreSampling with a random tie-break is reproducible from the learner's seed") {
  // Four items on a line, two labeled ends: items 1 and 2 are equally uncertain.
  Eigen::MatrixXd x(4, 1);
  x << -1.0, 0.0, 0.0, 1.0;
  constexpr labelkit::query::ScoreSampling<labelkit::detail::EntropyScore> shuffled{
      {}, TieBreak::random};
  int picked_two_first = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    labelkit::ActiveLearner learner(test_models::NearestCentroid{}, x, shuffled, seed);
    learner.teach({0, 3}, {0, 1});
    const Indices ask = learner.query(1);
    REQUIRE(ask.size() == 1);
    REQUIRE((ask[0] == 1 || ask[0] == 2));
    if (ask[0] == 2) ++picked_two_first;
    labelkit::ActiveLearner again(test_models::NearestCentroid{}, x, shuffled, seed);
    again.teach({0, 3}, {0, 1});
    CHECK(again.query(1) == ask);
  }
  CHECK(picked_two_first > 50);  // 100 expected; the default always picks item 1
  CHECK(picked_two_first < 150);
  labelkit::ActiveLearner plain(test_models::NearestCentroid{}, x,
                                labelkit::query::entropy_sampling, 3);
  plain.teach({0, 3}, {0, 1});
  CHECK(plain.query(1) == Indices{1});
}
