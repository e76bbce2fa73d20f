#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/strategy.hpp"
#include "query/toy_models.hpp"

using labelkit::query::badge;
using Indices = std::vector<Eigen::Index>;
using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

using test_models::LinearToy;

namespace {

// The n x (C*d) gradient embedding, materialised: g_i = (p_i - e_{argmax p_i}) ⊗ h_i.
Eigen::MatrixXd gradient_embedding(const Eigen::MatrixXd& p, const Eigen::MatrixXd& h) {
  Eigen::MatrixXd g(p.rows(), p.cols() * h.cols());
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    Eigen::RowVectorXd a = p.row(i);
    Eigen::Index top = 0;
    for (Eigen::Index c = 1; c < a.size(); ++c) {
      if (a(c) > a(top)) top = c;
    }
    a(top) -= 1;
    for (Eigen::Index c = 0; c < a.size(); ++c) {
      g.block(i, c * h.cols(), 1, h.cols()) = a(c) * h.row(i);
    }
  }
  return g;
}

// The brute-force twin: k-means++ seeding on the materialised gradient embedding with direct
// distances, first pick = largest gradient norm, the same draws from labelkit::Random.
Indices twin_badge(const Eigen::MatrixXd& p, const Eigen::MatrixXd& h, Eigen::Index k,
                   std::uint64_t seed) {
  const Eigen::MatrixXd g = gradient_embedding(p, h);
  const Eigen::Index n = g.rows();
  Eigen::Index pick = 0;
  for (Eigen::Index i = 1; i < n; ++i) {
    if (g.row(i).squaredNorm() > g.row(pick).squaredNorm()) pick = i;
  }
  labelkit::Random random(seed);
  Eigen::VectorXd md = Eigen::VectorXd::Constant(n, std::numeric_limits<double>::infinity());
  Indices picks;
  for (Eigen::Index step = 0;; ++step) {
    picks.push_back(pick);
    if (step + 1 == k) break;
    for (Eigen::Index i = 0; i < n; ++i)
      md(i) = std::min(md(i), (g.row(i) - g.row(pick)).squaredNorm());
    for (const Eigen::Index q : picks) md(q) = 0;
    const double target = random.uniform01() * md.sum();
    double cumulative = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (md(i) <= 0) continue;
      cumulative += md(i);
      pick = i;
      if (cumulative > target) break;
    }
  }
  return picks;
}

struct Problem {
  Eigen::MatrixXd p, h;
};

Problem random_problem(Eigen::Index n, Eigen::Index c, Eigen::Index d, std::uint64_t seed) {
  labelkit::Random random(seed);
  Eigen::MatrixXd logits(n, c);
  Eigen::MatrixXd h(n, d);
  for (Eigen::Index i = 0; i < logits.size(); ++i) logits(i) = 2 * random.normal();
  for (Eigen::Index i = 0; i < h.size(); ++i) h(i) = random.normal();
  return {labelkit::softmax(logits), h};
}

}  // namespace

TEST_CASE("badge equals its brute-force twin on the materialised gradient embedding") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    labelkit::Random sizes(seed + 500);
    const auto n = static_cast<Eigen::Index>(2 + sizes.uniform_index(60));
    const auto c = static_cast<Eigen::Index>(2 + sizes.uniform_index(5));
    const auto d = static_cast<Eigen::Index>(1 + sizes.uniform_index(6));
    const auto k = static_cast<Eigen::Index>(
        1 + sizes.uniform_index(static_cast<std::uint64_t>(std::min<Eigen::Index>(n, 12))));
    const Problem pr = random_problem(n, c, d, seed);
    const Indices expected = twin_badge(pr.p, pr.h, k, seed);
    CHECK(badge(pr.p, pr.h, k, seed) == expected);
    const RowMajorXd prm = pr.p;
    const RowMajorXd hrm = pr.h;
    CHECK(badge(prm, hrm, k, seed) == expected);
  }
}

TEST_CASE("badge keeps the -1 on the predicted class (unlike small-text)") {
  // Item 0 is certain (p = e_0) with a huge embedding: its gradient is 0. Item 1 is a coin flip
  // with a small embedding. Without the -1, item 0's "gradient" p ⊗ h would be the largest.
  Eigen::MatrixXd p(3, 2);
  p << 1.0, 0.0, /**/ 0.5, 0.5, /**/ 0.9, 0.1;
  Eigen::MatrixXd h(3, 2);
  h << 100, 100, /**/ 1, 0, /**/ 1, 1;
  // ||g_1||^2 = 0.5 * 1 = 0.5; ||g_2||^2 = (0.01 + 0.01) * 2 = 0.04; ||g_0||^2 = 0.
  CHECK(badge(p, h, 1, 0) == Indices{1});
  // Item 0 has a zero gradient and coincides with nothing picked but sits at distance
  // ||g_1|| from item 1, so it can be drawn; all three come back distinct.
  const Indices all = badge(p, h, 3, 9);
  CHECK(std::set<Eigen::Index>(all.begin(), all.end()).size() == 3);
  CHECK(all.front() == 1);
}

TEST_CASE("badge: float, reproducibility, all items, zero gradients") {
  const Problem pr = random_problem(200, 4, 8, 3);
  const Indices a = badge(pr.p, pr.h, 10, 42);
  CHECK(badge(pr.p, pr.h, 10, 42) == a);
  CHECK(badge(pr.p, pr.h, 10, 43) != a);  // another seed, another batch (first pick equal)
  CHECK(badge(pr.p, pr.h, 10, 43).front() == a.front());
  const Eigen::MatrixXf pf = pr.p.cast<float>();
  const Eigen::MatrixXf hf = pr.h.cast<float>();
  CHECK(badge(pf, hf, 10, 42).size() == 10);
  CHECK(badge(pf, pr.h, 10, 42) == a);  // mixed scalars compute in double
  const Indices every = badge(pr.p, pr.h, 200, 1);
  CHECK(std::set<Eigen::Index>(every.begin(), every.end()).size() == 200);
  CHECK(badge(pr.p, pr.h, 0, 1).empty());
  // All gradients zero (confident predictions): uniform draws among the rest, still distinct.
  const Eigen::MatrixXd certain = Eigen::MatrixXd::Identity(5, 5);
  const Indices z = badge(certain, Eigen::MatrixXd::Ones(5, 3), 5, 8);
  CHECK(std::set<Eigen::Index>(z.begin(), z.end()).size() == 5);
  CHECK(z.front() == 0);  // every norm is 0: ties to the lower row
}

TEST_CASE("badge rejects bad input with the argument named") {
  const Problem pr = random_problem(5, 3, 2, 1);
  CHECK_THROWS_WITH_AS(
      badge(pr.p, pr.h, 6, 0),
      "labelkit: badge(): 'k' exceeds the number of items (got 6, expected at most 5)",
      labelkit::invalid_argument);
  CHECK_THROWS_WITH(badge(pr.p, pr.h, -1, 0), doctest::Contains("'k' is negative"));
  CHECK_THROWS_WITH_AS(badge(pr.p, pr.h.topRows(4), 1, 0),
                       "labelkit: badge(): 'embeddings' has 4 rows (expected 5, one per row of "
                       "'probabilities')",
                       labelkit::dimension_mismatch);
  Eigen::MatrixXd bad_p = pr.p;
  bad_p(3, 2) = 2.0;
  CHECK_THROWS_WITH(
      badge(bad_p, pr.h, 1, 0),
      doctest::Contains("badge(): 'probabilities' has a value outside [0, 1] at row 3, column 2"));
  Eigen::MatrixXd bad_h = pr.h;
  bad_h(4, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(badge(pr.p, bad_h, 1, 0),
                    doctest::Contains("'embeddings' has a non-finite value at row 4, column 0"));
}

namespace {

// For LinearToy, a linear softmax model, the penultimate layer is the input, so badge_sampling
// without embed() is exact BADGE; SquaredToy embeds by squaring the features.
struct SquaredToy : LinearToy {
  Eigen::MatrixXd embed(const Eigen::MatrixXd& x) const { return x.array().square().matrix(); }
};

}  // namespace

TEST_CASE("badge_sampling uses embed() when present, else the raw features") {
  labelkit::Random random(9);
  Eigen::MatrixXd x(30, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
  const Indices unlabeled = {0, 1, 2, 5, 8, 9, 11, 12, 20, 25, 29};
  LinearToy linear;
  SquaredToy embedding;
  Eigen::MatrixXd xu(static_cast<Eigen::Index>(unlabeled.size()), 2);
  for (std::size_t r = 0; r < unlabeled.size(); ++r)
    xu.row(static_cast<Eigen::Index>(r)) = x.row(unlabeled[r]);
  const labelkit::query::QueryContext<LinearToy, Eigen::MatrixXd> c1{linear, x, unlabeled,
                                                                     Indices{}, 6};
  CHECK(labelkit::query::badge_sampling(c1, 4) ==
        labelkit::query::to_item_ids(badge(linear.predict_proba(xu), xu, 4, 6), unlabeled));
  const labelkit::query::QueryContext<SquaredToy, Eigen::MatrixXd> c2{embedding, x, unlabeled,
                                                                      Indices{}, 6};
  CHECK(labelkit::query::badge_sampling(c2, 4) ==
        labelkit::query::to_item_ids(badge(embedding.predict_proba(xu), embedding.embed(xu), 4, 6),
                                     unlabeled));
  CHECK(labelkit::query::badge_sampling(c2, 50).size() == unlabeled.size());
}
