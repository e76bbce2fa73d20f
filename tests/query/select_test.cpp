#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"

using labelkit::query::top_k;
using Indices = std::vector<Eigen::Index>;

namespace {

// The brute-force twin: a full stable sort by (score desc, index asc).
template <class V>
Indices sorted_top_k(const V& scores, Eigen::Index k) {
  Indices order(static_cast<std::size_t>(scores.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return scores(a) > scores(b); });
  order.resize(static_cast<std::size_t>(std::min<Eigen::Index>(k, scores.size())));
  return order;
}

}  // namespace

TEST_CASE("top_k returns the highest scores in descending order") {
  Eigen::VectorXd s(6);
  s << 0.1, 0.9, 0.3, 0.7, 0.5, 0.2;
  CHECK(top_k(s, 3) == Indices{1, 3, 4});
  CHECK(top_k(s, 0).empty());
  CHECK(top_k(s, 6) == Indices{1, 3, 4, 2, 5, 0});
  CHECK(top_k(s, 100) == Indices{1, 3, 4, 2, 5, 0});  // k >= n returns all n, sorted
}

TEST_CASE("ties go to the lower index, whichever algorithm runs") {
  Eigen::VectorXd s = Eigen::VectorXd::Constant(1000, 0.5);
  s(900) = 0.7;
  s(10) = 0.7;
  CHECK(top_k(s, 4) == Indices{10, 900, 0, 1});  // heap path (k << n)
  const Indices big = top_k(s, 600);             // nth_element path
  CHECK(big == sorted_top_k(s, 600));
}

TEST_CASE("top_k agrees with a full sort on random inputs with many ties") {
  labelkit::Random random(7);
  for (int trial = 0; trial < 50; ++trial) {
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(random.uniform_index(300));
    Eigen::VectorXf s(n);
    for (Eigen::Index i = 0; i < n; ++i) s(i) = static_cast<float>(random.uniform_index(20));
    for (const Eigen::Index k :
         {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{3}, n / 2, n, n + 5}) {
      CHECK(top_k(s, k) == sorted_top_k(s, k));
    }
  }
}

TEST_CASE("top_k accepts row vectors, expressions, and infinities") {
  Eigen::RowVectorXd s(4);
  s << 1.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), 0.0;
  CHECK(top_k(s, 2) == Indices{1, 0});
  CHECK(top_k(s.array() * -1.0, 1) == Indices{2});
}

TEST_CASE("top_k rejects bad input") {
  Eigen::VectorXd s(3);
  s << 0.1, std::numeric_limits<double>::quiet_NaN(), 0.3;
  CHECK_THROWS_WITH_AS(top_k(s, 1), "labelkit: top_k(): 'scores' has NaN at position 1",
                       labelkit::invalid_argument);
  Eigen::VectorXd ok = Eigen::VectorXd::Zero(3);
  CHECK_THROWS_WITH_AS(top_k(ok, -1), doctest::Contains("'k' is negative (got -1"),
                       labelkit::invalid_argument);
  Eigen::MatrixXd matrix = Eigen::MatrixXd::Zero(2, 2);
  CHECK_THROWS_WITH(top_k(matrix, 1), doctest::Contains("must be a vector"));
  CHECK(top_k(Eigen::VectorXd(0), 3).empty());
}

TEST_CASE("random sampling is reproducible from its seed and uniform") {
  const Eigen::VectorXd a = labelkit::query::random_scores(100, 42);
  const Eigen::VectorXd b = labelkit::query::random_scores(100, 42);
  const Eigen::VectorXd c = labelkit::query::random_scores(100, 43);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a.minCoeff() >= 0.0);
  CHECK(a.maxCoeff() < 1.0);
  // Counting first picks over many seeds: every item of 10 is picked about 1/10 of the time.
  std::vector<int> counts(10, 0);
  for (std::uint64_t seed = 0; seed < 5000; ++seed) {
    ++counts[static_cast<std::size_t>(top_k(labelkit::query::random_scores(10, seed), 1)[0])];
  }
  for (const int count : counts) CHECK((count > 400 && count < 600));
}
