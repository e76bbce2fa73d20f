// The distributed layer on 1, 2 and 4 ranks (CTest runs this executable under mpiexec with each
// count). Every rank generates the whole data set from a fixed seed, takes its shard (uneven,
// and empty on one rank when there are four), calls the collective function and checks its
// answer against the single-process answer it computes itself on all the data.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "../quality/shard_checks.hpp"
#include "labelkit/agreement/alpha_state.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/distributed/mpi.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/select.hpp"

namespace {

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int s = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

// A deterministic pseudo-random 64-bit value of (seed, i) (SplitMix64's finaliser).
std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + i + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uneven shard boundaries of n items over the ranks: rank r gets [begin, end). With four ranks
// rank 2 gets nothing and rank 3 more than half; with two ranks the split is 30 / 70.
std::pair<Eigen::Index, Eigen::Index> uneven_shard(Eigen::Index n) {
  const int p = world_size();
  const int r = world_rank();
  std::vector<Eigen::Index> cut;
  if (p == 1)
    cut = {0, n};
  else if (p == 2)
    cut = {0, n * 3 / 10, n};
  else if (p == 4)
    cut = {0, n / 10, n * 4 / 10, n * 4 / 10, n};
  else {
    for (int s = 0; s <= p; ++s) cut.push_back(n * s / p);
  }
  return {cut[static_cast<std::size_t>(r)], cut[static_cast<std::size_t>(r) + 1]};
}

// A crowd of n items (ids 5 i + 2), 4 classes and 9 annotators (ids 3 j + 1), 1 to 4 answers
// per item, and the answers of this rank's uneven shard of the items.
struct ShardedCrowd {
  std::vector<labelkit::Annotation> all;
  std::vector<labelkit::Annotation> local;
};

ShardedCrowd sharded_crowd(Eigen::Index n) {
  ShardedCrowd crowd;
  const auto [begin, end] = uneven_shard(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto u = static_cast<std::uint64_t>(i);
    const int truth = static_cast<int>(mix(8, u) % 4);
    const int answers = 1 + static_cast<int>(mix(9, u) % 4);
    for (int r = 0; r < answers; ++r) {
      const std::uint64_t x = mix(10, u * 4 + static_cast<std::uint64_t>(r));
      const auto annotator = static_cast<Eigen::Index>(x % 9);
      // Annotator j is right with probability about (50 + 5 j)%.
      const int label = static_cast<int>((x >> 8) % 100) < 50 + 5 * annotator
                            ? truth
                            : static_cast<int>((x >> 16) % 4);
      const labelkit::Annotation a{5 * i + 2, 3 * annotator + 1, label};
      crowd.all.push_back(a);
      if (i >= begin && i < end) crowd.local.push_back(a);
    }
  }
  return crowd;
}

}  // namespace

TEST_CASE("distributed::majority_vote equals majority_vote's rows for the rank's items") {
  const auto crowd = sharded_crowd(3000);
  const auto part = labelkit::distributed::majority_vote(crowd.local, 4, MPI_COMM_WORLD);
  const auto whole = labelkit::quality::majority_vote(crowd.all, 4);
  shard_checks::check_rows_equal(part, whole);
  for (std::size_t r = 0; r < part.items.size(); ++r)
    CHECK(part.votes.row(static_cast<Eigen::Index>(r)) ==
          whole.votes.row(*whole.row_of(part.items[r])));
  Eigen::Index items = static_cast<Eigen::Index>(part.items.size());
  MPI_Allreduce(MPI_IN_PLACE, &items, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  CHECK(items == 3000);
}

TEST_CASE("distributed::dawid_skene equals dawid_skene to the last bit, one-coin too") {
  const auto crowd = sharded_crowd(2000);
  labelkit::quality::DawidSkeneOptions options;
  options.max_iterations = 40;
  options.tolerance = 1e-9;
  options.gold = {{2, 1}, {5 * 999 + 2, 0}, {5 * 1999 + 2, 3}};
  std::size_t bytes = 0;
  const auto part =
      labelkit::distributed::dawid_skene(crowd.local, 4, MPI_COMM_WORLD, options, {&bytes});
  const auto whole = labelkit::quality::dawid_skene(crowd.all, 4, options);
  shard_checks::check_rows_equal(part, whole);
  CHECK(part.log_likelihood == whole.log_likelihood);
  CHECK(part.iterations == whole.iterations);
  CHECK(part.converged == whole.converged);
  CHECK(part.priors == whole.priors);
  REQUIRE(part.confusion.size() == whole.confusion.size());
  for (std::size_t j = 0; j < part.confusion.size(); ++j)
    CHECK(part.confusion[j] == whole.confusion[j]);
  // 16 bytes per count (detail::UnitSum): 9 annotators x 16 counts and 4 class masses; 24 for
  // the evidence (detail::FixedSum); a 12-byte header, the sum count and the item count.
  CHECK(bytes == 16 * (9 * 16 + 4) + 24 + 12 + 8 + 8);

  const auto coin =
      labelkit::distributed::one_coin_dawid_skene(crowd.local, 4, MPI_COMM_WORLD, options);
  const auto coin_whole = labelkit::quality::one_coin_dawid_skene(crowd.all, 4, options);
  shard_checks::check_rows_equal(coin, coin_whole);
  CHECK(coin.log_likelihood == coin_whole.log_likelihood);
  CHECK(coin.priors == coin_whole.priors);
  for (std::size_t j = 0; j < coin.confusion.size(); ++j)
    CHECK(coin.confusion[j] == coin_whole.confusion[j]);
}

TEST_CASE("distributed::dawid_skene: a bad label on one rank makes every rank throw") {
  auto crowd = sharded_crowd(400);
  const bool bad = world_size() == 1 || world_rank() == 1;
  if (bad) crowd.local.push_back({100000, 1, 9});
  if (bad) {
    CHECK_THROWS_AS((void)labelkit::distributed::dawid_skene(crowd.local, 4, MPI_COMM_WORLD),
                    labelkit::invalid_argument);
  } else {
    CHECK_THROWS_AS((void)labelkit::distributed::dawid_skene(crowd.local, 4, MPI_COMM_WORLD),
                    labelkit::state_error);
  }
}

TEST_CASE("distributed confident learning: thresholds and joint equal one process to the bit") {
  const Eigen::Index n = 5000;
  const int c = 5;
  Eigen::MatrixXd p(n, c);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    double total = 0;
    for (int k = 0; k < c; ++k) {
      p(i, k) = 1.0 + static_cast<double>(mix(11, static_cast<std::uint64_t>(i * c + k)) % 1000);
      total += p(i, k);
    }
    p.row(i) /= total;
    labels[static_cast<std::size_t>(i)] =
        static_cast<int>(mix(12, static_cast<std::uint64_t>(i)) % c);
  }
  const auto [begin, end] = uneven_shard(n);
  const auto local_labels = std::span<const int>(labels).subspan(
      static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
  const auto local_p = p.middleRows(begin, end - begin);
  const std::span<const int> all(labels);
  CHECK(labelkit::distributed::per_class_thresholds(local_labels, local_p, MPI_COMM_WORLD) ==
        labelkit::quality::per_class_thresholds(all, p));
  CHECK(labelkit::distributed::confident_joint(local_labels, local_p, MPI_COMM_WORLD) ==
        labelkit::quality::confident_joint(all, p));
  CHECK(labelkit::distributed::confident_joint(local_labels, local_p, MPI_COMM_WORLD, false) ==
        labelkit::quality::confident_joint(all, p, false));
}

TEST_CASE("distributed::top_k equals top_k over every score, ties to the lower id") {
  const Eigen::Index n = 20000;
  Eigen::VectorXf scores(n);
  // Scores on a coarse grid, so that many are tied and the tie rule decides.
  for (Eigen::Index i = 0; i < n; ++i)
    scores(i) = static_cast<float>(mix(1, static_cast<std::uint64_t>(i)) % 1000) / 8.0f;
  const auto [begin, end] = uneven_shard(n);
  for (const Eigen::Index k : {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{100}, n}) {
    const auto ids =
        labelkit::distributed::top_k(scores.segment(begin, end - begin), begin, k, MPI_COMM_WORLD);
    CHECK(ids == labelkit::query::top_k(scores, k));
  }
}

TEST_CASE("distributed: a NaN on one rank makes every rank throw, none hangs") {
  const Eigen::Index n = 1000;
  Eigen::VectorXd scores = Eigen::VectorXd::LinSpaced(n, 0.0, 1.0);
  const auto [begin, end] = uneven_shard(n);
  if (world_size() == 1 || world_rank() == 1)
    scores(end - 1) = std::numeric_limits<double>::quiet_NaN();
  if (world_size() == 1 || world_rank() == 1) {
    CHECK_THROWS_AS((void)labelkit::distributed::top_k(scores.segment(begin, end - begin), begin,
                                                       10, MPI_COMM_WORLD),
                    labelkit::invalid_argument);
  } else {
    CHECK_THROWS_AS((void)labelkit::distributed::top_k(scores.segment(begin, end - begin), begin,
                                                       10, MPI_COMM_WORLD),
                    labelkit::state_error);
  }
}

TEST_CASE("distributed::krippendorff_alpha equals one process to the last bit, at every level") {
  const Eigen::Index annotators = 6;
  const Eigen::Index items = 3000;
  Eigen::MatrixXd data(annotators, items);
  for (Eigen::Index u = 0; u < items; ++u) {
    const auto truth = static_cast<double>(1 + mix(2, static_cast<std::uint64_t>(u)) % 5);
    for (Eigen::Index a = 0; a < annotators; ++a) {
      const std::uint64_t r = mix(3, static_cast<std::uint64_t>(u * annotators + a)) % 100;
      data(a, u) = r < 15   ? std::numeric_limits<double>::quiet_NaN()
                   : r < 75 ? truth
                            : static_cast<double>(1 + r % 5);
    }
  }
  const auto [begin, end] = uneven_shard(items);
  const auto whole = labelkit::agreement::AlphaState::of(data);
  using labelkit::agreement::Level;
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    const auto parts = labelkit::distributed::krippendorff_alpha(
        data.middleCols(begin, end - begin), level, MPI_COMM_WORLD);
    const auto expected = whole.alpha_parts(level);
    CHECK(parts.alpha == expected.alpha);
    CHECK(parts.observed_disagreement == expected.observed_disagreement);
    CHECK(parts.expected_disagreement == expected.expected_disagreement);
    CHECK(parts.pairable_items == expected.pairable_items);
    CHECK(parts.alpha ==
          doctest::Approx(labelkit::agreement::krippendorff_alpha(data, level)).epsilon(1e-12));
  }
}

TEST_CASE("distributed::fleiss_kappa and cohens_kappa equal one process to the last bit") {
  const Eigen::Index items = 2500;
  const int categories = 4;
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(items, categories);
  std::vector<int> a(static_cast<std::size_t>(items));
  std::vector<int> b(static_cast<std::size_t>(items));
  for (Eigen::Index i = 0; i < items; ++i) {
    const auto truth = static_cast<Eigen::Index>(mix(4, static_cast<std::uint64_t>(i)) % 4);
    for (int r = 0; r < 5; ++r) {
      const std::uint64_t x = mix(5, static_cast<std::uint64_t>(i * 5 + r));
      counts(i, x % 3 == 0 ? static_cast<Eigen::Index>(x % 4) : truth) += 1;
    }
    const std::uint64_t y = mix(6, static_cast<std::uint64_t>(i));
    a[static_cast<std::size_t>(i)] = static_cast<int>(truth);
    b[static_cast<std::size_t>(i)] = y % 4 == 0 ? static_cast<int>(y % 3) : static_cast<int>(truth);
  }
  const auto [begin, end] = uneven_shard(items);
  CHECK(
      labelkit::distributed::fleiss_kappa(counts.middleRows(begin, end - begin), MPI_COMM_WORLD) ==
      labelkit::agreement::fleiss_kappa(counts));
  const auto local_a = std::span<const int>(a).subspan(static_cast<std::size_t>(begin),
                                                       static_cast<std::size_t>(end - begin));
  const auto local_b = std::span<const int>(b).subspan(static_cast<std::size_t>(begin),
                                                       static_cast<std::size_t>(end - begin));
  const auto e = labelkit::distributed::cohens_kappa(local_a, local_b, categories, MPI_COMM_WORLD);
  const auto serial =
      labelkit::agreement::cohens_kappa_estimate(std::span<const int>(a), std::span<const int>(b));
  CHECK(e.value == serial.value);
  CHECK(e.se == serial.se);
  CHECK(e.p_value == serial.p_value);
}

TEST_CASE("distributed::k_center_greedy equals k_center_greedy_sharded with one shard per rank") {
  const Eigen::Index n = 4000;
  const Eigen::Index d = 6;
  Eigen::MatrixXd points(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j)
      points(i, j) =
          static_cast<double>(mix(7, static_cast<std::uint64_t>(i * d + j)) % 10000) / 100.0;
  const int p = world_size();
  const int r = world_rank();
  // The near-equal contiguous shards of k_center_greedy_sharded.
  const Eigen::Index begin = n * r / p;
  const Eigen::Index end = n * (r + 1) / p;
  const Eigen::Index k = 25;
  SUBCASE("no labeled items") {
    const Eigen::MatrixXd none(0, d);
    const auto ids = labelkit::distributed::k_center_greedy(points.middleRows(begin, end - begin),
                                                            begin, none, k, MPI_COMM_WORLD);
    const std::vector<Eigen::Index> labeled;
    CHECK(ids == labelkit::query::k_center_greedy_sharded(points, labeled, k, p));
  }
  SUBCASE("labeled items are rows of the pool and the centres of both rounds") {
    const std::vector<Eigen::Index> labeled{3, 1500, 3999};
    Eigen::MatrixXd centres(3, d);
    for (std::size_t c = 0; c < labeled.size(); ++c)
      centres.row(static_cast<Eigen::Index>(c)) = points.row(labeled[c]);
    const auto ids = labelkit::distributed::k_center_greedy(points.middleRows(begin, end - begin),
                                                            begin, centres, k, MPI_COMM_WORLD);
    CHECK(ids == labelkit::query::k_center_greedy_sharded(points, labeled, k, p));
  }
}
