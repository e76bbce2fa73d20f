#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/strategy.hpp"

using labelkit::query::k_center_greedy;
using labelkit::query::k_center_greedy_sharded;
using labelkit::query::k_center_greedy_with_centers;
using Indices = std::vector<Eigen::Index>;
using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

// The brute-force twin, written from the definition with direct distances ||x_i - c||^2 in
// double: O(n^2) work, nothing clever. With no labeled points the first pick is the point
// nearest the mean (ties to the lower index), as documented.
Indices twin_k_center(const Eigen::MatrixXd& x, const Indices& labeled, Eigen::Index k) {
  const Eigen::Index n = x.rows();
  std::vector<double> md(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  const auto cover = [&](Eigen::Index c) {
    taken[static_cast<std::size_t>(c)] = 1;
    for (Eigen::Index i = 0; i < n; ++i) {
      md[static_cast<std::size_t>(i)] =
          std::min(md[static_cast<std::size_t>(i)], (x.row(i) - x.row(c)).squaredNorm());
    }
  };
  for (const Eigen::Index l : labeled) cover(l);
  Indices picks;
  for (Eigen::Index step = 0; step < k; ++step) {
    Eigen::Index pick = -1;
    if (step == 0 && labeled.empty()) {
      const Eigen::RowVectorXd mean = x.colwise().mean();
      double best = std::numeric_limits<double>::infinity();
      for (Eigen::Index i = 0; i < n; ++i) {
        const double d = (x.row(i) - mean).squaredNorm();
        if (d < best) {
          best = d;
          pick = i;
        }
      }
    } else {
      double best = -1;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (taken[static_cast<std::size_t>(i)] == 0 && md[static_cast<std::size_t>(i)] > best) {
          best = md[static_cast<std::size_t>(i)];
          pick = i;
        }
      }
    }
    picks.push_back(pick);
    cover(pick);
  }
  return picks;
}

// The k-center radius: max over points of the distance to the nearest labeled-or-picked point.
double radius(const Eigen::MatrixXd& x, const Indices& labeled, const Indices& picks) {
  double r = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double nearest = std::numeric_limits<double>::infinity();
    for (const Eigen::Index c : labeled) nearest = std::min(nearest, (x.row(i) - x.row(c)).norm());
    for (const Eigen::Index c : picks) nearest = std::min(nearest, (x.row(i) - x.row(c)).norm());
    r = std::max(r, nearest);
  }
  return r;
}

// The optimal k-center radius by enumerating every k-subset of the unlabeled points.
double optimal_radius(const Eigen::MatrixXd& x, const Indices& labeled, Eigen::Index k) {
  Indices unlabeled;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (std::find(labeled.begin(), labeled.end(), i) == labeled.end()) unlabeled.push_back(i);
  }
  std::vector<char> mask(unlabeled.size(), 0);
  std::fill(mask.begin(), mask.begin() + k, 1);
  double best = std::numeric_limits<double>::infinity();
  do {
    Indices subset;
    for (std::size_t j = 0; j < mask.size(); ++j) {
      if (mask[j] != 0) subset.push_back(unlabeled[j]);
    }
    best = std::min(best, radius(x, labeled, subset));
  } while (std::prev_permutation(mask.begin(), mask.end()));
  return best;
}

Eigen::MatrixXd random_points(Eigen::Index n, Eigen::Index d, labelkit::Random& random) {
  Eigen::MatrixXd x(n, d);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
  return x;
}

Indices random_labeled(Eigen::Index n, labelkit::Random& random) {
  const auto count =
      static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n / 2 + 1)));
  return labelkit::sample_without_replacement(n, count, random);
}

}  // namespace

TEST_CASE("k_center_greedy on a hand example") {
  // Points on a line: 0, 1, 2, 10, 11, 20.
  Eigen::MatrixXd x(6, 1);
  x << 0, 1, 2, 10, 11, 20;
  // Labeled {0}: 20 is farthest (d = 20); then 10 (d = 10 from 0 and from 20) beats 11 (d = 9)
  // ... then 2 (d = 2) ahead of 1 (d = 1) and 11 (d = 1).
  CHECK(k_center_greedy(x, Indices{0}, 3) == Indices{5, 3, 2});
  // No labeled points: the mean is 44/6 = 7.33, nearest is 10 (row 3); then 20 is 10 away and
  // 0 is 10 away: a tie, which goes to the lower index (row 0); then 20.
  CHECK(k_center_greedy(x, Indices{}, 3) == Indices{3, 0, 5});
  CHECK(k_center_greedy(x, Indices{}, 0).empty());
  CHECK(k_center_greedy(x, Indices{0, 5}, 4) == Indices{3, 2, 1, 4});
  // Every unlabeled point.
  const Indices all = k_center_greedy(x, Indices{2}, 5);
  CHECK(all.size() == 5);
  CHECK(std::find(all.begin(), all.end(), 2) == all.end());
}

TEST_CASE("ties go to the lower index (integer coordinates, exact arithmetic)") {
  // A 3 x 3 grid; labeled: the centre. All four corners are at distance sqrt(2).
  Eigen::MatrixXd x(9, 2);
  for (Eigen::Index i = 0; i < 9; ++i)
    x.row(i) << static_cast<double>(i % 3), static_cast<double>(i / 3);
  const Indices picks = k_center_greedy(x, Indices{4}, 4);
  CHECK(picks == Indices{0, 2, 6, 8});
  CHECK(picks == twin_k_center(x, Indices{4}, 4));
  // Duplicated points: both copies at the same distance; the lower one goes first, and the
  // second copy (distance 0) is still picked when nothing else is left.
  Eigen::MatrixXd dup(4, 1);
  dup << 0, 5, 5, 0;
  CHECK(k_center_greedy(dup, Indices{0}, 3) == Indices{1, 2, 3});
}

TEST_CASE("k_center_greedy equals its brute-force twin on random inputs (double)") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    labelkit::Random random(seed);
    const auto n = static_cast<Eigen::Index>(1 + random.uniform_index(60));
    const auto d = static_cast<Eigen::Index>(1 + random.uniform_index(6));
    Eigen::MatrixXd x = random_points(n, d, random);
    if (seed % 7 == 0) x.array() += 1000.0;  // far from the origin: the shift keeps accuracy
    const Indices labeled = random_labeled(n, random);
    const auto free = n - static_cast<Eigen::Index>(labeled.size());
    const auto k =
        static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(free + 1)));
    const Indices expected = twin_k_center(x, labeled, k);
    CHECK(k_center_greedy(x, labeled, k) == expected);
    const RowMajorXd row_major = x;
    CHECK(k_center_greedy(row_major, labeled, k) == expected);
  }
}

TEST_CASE("k_center_greedy in float equals the twin on the same float data") {
  int agree = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    labelkit::Random random(seed);
    const auto n = static_cast<Eigen::Index>(2 + random.uniform_index(40));
    const Eigen::MatrixXf xf = random_points(n, 4, random).cast<float>();
    const Indices labeled = random_labeled(n, random);
    const auto k = std::min<Eigen::Index>(5, n - static_cast<Eigen::Index>(labeled.size()));
    const Indices expected = twin_k_center(xf.cast<double>(), labeled, k);
    const Indices got = k_center_greedy(xf, labeled, k);
    const RowMajorXf row_major = xf;
    CHECK(k_center_greedy(row_major, labeled, k) == got);
    agree += got == expected ? 1 : 0;
  }
  // float rounding may reorder a near tie now and then; on this data it never does.
  CHECK(agree == 100);
}

TEST_CASE("k_center_greedy across tile boundaries (many labeled points)") {
  labelkit::Random random(42);
  const Eigen::MatrixXd x = random_points(4500, 3, random);  // > one 2048-row tile
  const Indices labeled = labelkit::sample_without_replacement(4500, 600, random);  // > 256
  CHECK(k_center_greedy(x, labeled, 6) == twin_k_center(x, labeled, 6));
  // An expression works without a copy by the caller.
  CHECK(k_center_greedy(x.topRows(1000), Indices{}, 4) ==
        twin_k_center(x.topRows(1000), Indices{}, 4));
}

TEST_CASE("k_center_greedy_with_centers equals k_center_greedy with the labeled rows as centres") {
  labelkit::Random random(5);
  Eigen::MatrixXd x(30, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<double>(random.uniform_index(50));
  const Indices labeled = {3, 17, 25};
  Indices unlabeled;
  for (Eigen::Index i = 0; i < 30; ++i) {
    if (std::find(labeled.begin(), labeled.end(), i) == labeled.end()) unlabeled.push_back(i);
  }
  Eigen::MatrixXd xu(27, 2);
  Eigen::MatrixXd xl(3, 2);
  for (std::size_t r = 0; r < unlabeled.size(); ++r)
    xu.row(static_cast<Eigen::Index>(r)) = x.row(unlabeled[r]);
  for (std::size_t r = 0; r < labeled.size(); ++r)
    xl.row(static_cast<Eigen::Index>(r)) = x.row(labeled[r]);
  Indices mapped;
  for (const Eigen::Index p : k_center_greedy_with_centers(xu, xl, 8)) {
    mapped.push_back(unlabeled[static_cast<std::size_t>(p)]);
  }
  CHECK(mapped == k_center_greedy(x, labeled, 8));
  // No centres: starts nearest the mean, like k_center_greedy with nothing labeled.
  CHECK(k_center_greedy_with_centers(x, Eigen::MatrixXd(0, 2), 5) ==
        k_center_greedy(x, Indices{}, 5));
  CHECK(k_center_greedy_with_centers(x, Eigen::MatrixXd(), 5) == k_center_greedy(x, Indices{}, 5));
}

TEST_CASE("greedy is within 2x and sharded greedy within 4x of the optimal radius") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    labelkit::Random random(seed);
    const auto n = static_cast<Eigen::Index>(6 + random.uniform_index(7));
    const Eigen::MatrixXd x = random_points(n, 2, random);
    const Indices labeled =
        seed % 2 == 0 ? Indices{} : Indices{static_cast<Eigen::Index>(seed % 5)};
    const auto k = static_cast<Eigen::Index>(1 + random.uniform_index(3));
    const auto shards = static_cast<Eigen::Index>(1 + random.uniform_index(4));
    const double opt = optimal_radius(x, labeled, k);
    const Indices greedy = k_center_greedy(x, labeled, k);
    const Indices sharded = k_center_greedy_sharded(x, labeled, k, shards);
    CHECK(sharded.size() == static_cast<std::size_t>(k));
    CHECK(radius(x, labeled, greedy) <= 2 * opt + 1e-12);
    CHECK(radius(x, labeled, sharded) <= 4 * opt + 1e-12);
    Indices sorted = sharded;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    for (const Eigen::Index p : sharded) {
      CHECK(std::find(labeled.begin(), labeled.end(), p) == labeled.end());
    }
  }
}

TEST_CASE("sharded k-center: one shard is k_center_greedy; many shards stay close") {
  labelkit::Random random(11);
  const Eigen::MatrixXd x = random_points(2000, 5, random);
  const Indices labeled = labelkit::sample_without_replacement(2000, 50, random);
  CHECK(k_center_greedy_sharded(x, labeled, 20, 1) == k_center_greedy(x, labeled, 20));
  const double r1 = radius(x, labeled, k_center_greedy(x, labeled, 20));
  for (const Eigen::Index shards : {2, 7, 64}) {
    const Indices picks = k_center_greedy_sharded(x, labeled, 20, shards);
    CHECK(picks.size() == 20);
    // r_greedy >= OPT and r_sharded <= 4 OPT.
    CHECK(radius(x, labeled, picks) <= 4 * r1);
    CHECK(k_center_greedy_sharded(x, labeled, 20, shards) == picks);  // deterministic
  }
  // More shards than points: empty shards are skipped.
  CHECK(k_center_greedy_sharded(x.topRows(5), Indices{}, 3, 9).size() == 3);
}

TEST_CASE("k_center_greedy rejects bad input with the argument named") {
  Eigen::MatrixXd x(5, 2);
  x << 0, 0, 1, 0, 0, 1, 1, 1, 2, 2;
  CHECK_THROWS_WITH_AS(k_center_greedy(x, Indices{}, -1),
                       "labelkit: k_center_greedy(): 'k' is negative (got -1, expected k >= 0)",
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(k_center_greedy(x, Indices{1, 2}, 4),
                       "labelkit: k_center_greedy(): 'k' exceeds the number of unlabeled points "
                       "(got 4, expected at most 3 = 5 points - 2 labeled)",
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(k_center_greedy(x, Indices{1, 5}, 1),
                       "labelkit: k_center_greedy(): 'already_labeled' entry 1 is out of range "
                       "(got 5, expected 0 <= index < 5)",
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH(k_center_greedy(x, Indices{-1}, 1),
                    doctest::Contains("entry 0 is out of range"));
  CHECK_THROWS_WITH_AS(k_center_greedy(x, Indices{3, 0, 3}, 1),
                       "labelkit: k_center_greedy(): 'already_labeled' lists item 3 twice "
                       "(positions 0 and 2)",
                       labelkit::invalid_argument);
  Eigen::MatrixXd bad = x;
  bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(k_center_greedy(bad, Indices{}, 1),
                       "labelkit: k_center_greedy(): 'embeddings' has a non-finite value at row 3, "
                       "column 1 (got nan)",
                       labelkit::invalid_argument);
  bad(3, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(k_center_greedy(bad, Indices{}, 1), doctest::Contains("at row 3, column 1"));
  CHECK_THROWS_WITH(k_center_greedy_sharded(x, Indices{}, 1, 0),
                    doctest::Contains("'shard_count' must be at least 1 (got 0)"));
  CHECK_THROWS_WITH(k_center_greedy_sharded(bad, Indices{}, 1, 2),
                    doctest::Contains("k_center_greedy_sharded(): 'embeddings' has a non-finite"));
  CHECK_THROWS_WITH(k_center_greedy_sharded(x, Indices{0}, 5, 2),
                    doctest::Contains("'k' exceeds the number of unlabeled points"));
  CHECK_THROWS_WITH_AS(k_center_greedy_with_centers(x, Eigen::MatrixXd::Zero(2, 3), 1),
                       "labelkit: k_center_greedy_with_centers(): 'centers' has 3 columns "
                       "(expected 2, the columns of 'embeddings')",
                       labelkit::dimension_mismatch);
  CHECK_THROWS_WITH(
      k_center_greedy_with_centers(x, Eigen::MatrixXd::Zero(1, 2), 6),
      doctest::Contains("'k' exceeds the number of points (got 6, expected at most 5)"));
  Eigen::MatrixXd bad_centres = Eigen::MatrixXd::Zero(2, 2);
  bad_centres(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(k_center_greedy_with_centers(x, bad_centres, 1),
                    doctest::Contains("'centers' has a non-finite value at row 1, column 0"));
  // An empty pool with k = 0 is fine.
  CHECK(k_center_greedy(Eigen::MatrixXd(0, 3), Indices{}, 0).empty());
}

namespace {

// A model without embed(): core-set sampling falls back to the raw Eigen features.
struct ConstantModel {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    return Eigen::MatrixXd::Constant(x.rows(), 2, 0.5);
  }
};

// A model with embed(): a fixed projection to 1-D (the second feature only), in float.
struct SecondFeatureToy : ConstantModel {
  Eigen::MatrixXf embed(const Eigen::MatrixXd& x) const { return x.rightCols(1).cast<float>(); }
};

}  // namespace

TEST_CASE("core_set_sampling uses embed() when present, else the raw features") {
  static_assert(labelkit::EmbeddingModel<SecondFeatureToy, Eigen::MatrixXd>);
  static_assert(!labelkit::EmbeddingModel<ConstantModel, Eigen::MatrixXd>);
  Eigen::MatrixXd x(6, 2);
  x << 0, 0, /**/ 9, 1, /**/ 1, 9, /**/ 5, 5, /**/ 2, 3, /**/ 8, 8;
  const Indices unlabeled = {1, 2, 3, 4, 5};
  const Indices labeled = {0};
  ConstantModel plain;
  const labelkit::query::QueryContext<ConstantModel, Eigen::MatrixXd> c1{plain, x, unlabeled,
                                                                         labeled, 1};
  CHECK(labelkit::query::core_set_sampling(c1, 2) == k_center_greedy(x, labeled, 2));
  SecondFeatureToy embedding;
  const labelkit::query::QueryContext<SecondFeatureToy, Eigen::MatrixXd> c2{embedding, x, unlabeled,
                                                                            labeled, 1};
  // In 1-D (second feature 0, 1, 9, 5, 3, 8), from labeled 0: 9 (item 2) first, then 5
  // (item 3, 4 away from both 0... and 9) vs 3 (item 4, 3 from 0): item 3.
  CHECK(labelkit::query::core_set_sampling(c2, 2) == Indices{2, 3});
  // Nothing labeled: starts nearest the mean of the unlabeled embeddings (1, 9, 5, 3, 8 -> 5.2).
  const labelkit::query::QueryContext<SecondFeatureToy, Eigen::MatrixXd> c3{embedding, x, unlabeled,
                                                                            Indices{}, 1};
  CHECK(labelkit::query::core_set_sampling(c3, 1) == Indices{3});
  CHECK(labelkit::query::core_set_sampling(c2, 50).size() == 5);  // capped at the pool
  CHECK(labelkit::query::core_set_sampling(c2, 0).empty());
}
