// The mergeable states of majority vote and Dawid–Skene: merges on random partitions of the
// items and in random orders give the state of all the items, and Dawid–Skene run on shards
// that exchange their states (threads standing in for MPI ranks) equals the serial run to the
// last bit, uneven and empty shards included.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <thread>
#include <vector>

#include "labelkit/core/random.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "quality/shard_checks.hpp"
#include "quality/simulate.hpp"

namespace {

using labelkit::Annotation;

// A crowd of 3 classes, 7 annotators, 3 answers per item.
quality_test::SimulatedCrowd merge_test_crowd(int n_items, std::uint64_t seed) {
  labelkit::Random random(seed);
  std::vector<Eigen::MatrixXd> confusion;
  for (int j = 0; j < 7; ++j)
    confusion.push_back(quality_test::random_confusion(3, 0.55 + 0.05 * j, random));
  Eigen::VectorXd prior(3);
  prior << 0.5, 0.3, 0.2;
  return quality_test::simulate(n_items, confusion, prior, 3, seed + 1);
}

// Shard of each item: item index i goes to shard[i]; shard 1 is left empty when there are
// more than two shards. The answers of an item stay together, in input order.
std::vector<std::vector<Annotation>> shard_answers(const std::vector<Annotation>& answers,
                                                   int n_shards, labelkit::Random& random) {
  std::vector<std::vector<Annotation>> shards(static_cast<std::size_t>(n_shards));
  std::vector<int> of_item;
  for (const Annotation& a : answers) {
    const auto index = static_cast<std::size_t>((a.item - 7) / 3);
    while (of_item.size() <= index) {
      int s = static_cast<int>(random.uniform_index(static_cast<std::uint64_t>(n_shards)));
      if (n_shards > 2 && s == 1) s = 0;
      of_item.push_back(s);
    }
    shards[static_cast<std::size_t>(of_item[index])].push_back(a);
  }
  return shards;
}

// Merges the states in a random order and with a random tree shape.
template <class State>
State merge_in_random_order(std::vector<State> states, labelkit::Random& random) {
  while (states.size() > 1) {
    const auto n = static_cast<std::uint64_t>(states.size());
    const auto a = static_cast<std::size_t>(random.uniform_index(n));
    auto b = static_cast<std::size_t>(random.uniform_index(n - 1));
    if (b >= a) ++b;
    State merged = labelkit::merge(states[b], states[a]);  // b first: not always the lower
    states[std::min(a, b)] = std::move(merged);
    states.erase(states.begin() + static_cast<std::ptrdiff_t>(std::max(a, b)));
  }
  return states.front();
}

// Shards that exchange their states through shared memory: thread r is rank r, and every rank
// merges the states of all ranks in its own random order (merges are exact, so the order must
// not matter).
class ThreadShards {
 public:
  explicit ThreadShards(int n) : n_(n), barrier_(n), slots_(static_cast<std::size_t>(n)) {}

  struct Rank {
    ThreadShards* all;
    int rank;
    std::uint64_t seed;
    template <class Work>
    auto local(Work&& work) const {
      return work();
    }
    [[nodiscard]] labelkit::quality::CrowdState merge_crowd(
        const labelkit::quality::CrowdState& mine) const {
      return all->exchange(mine, rank, seed);
    }
    void operator()(labelkit::detail::EmStatistics& statistics) {
      statistics = all->exchange(statistics, rank, seed++);
    }
  };

  template <class State>
  State exchange(const State& mine, int rank, std::uint64_t seed) {
    slots_[static_cast<std::size_t>(rank)] = mine.to_bytes();
    barrier_.arrive_and_wait();
    std::vector<State> states;
    for (const auto& bytes : slots_) states.push_back(State::from_bytes(bytes));
    labelkit::Random random(seed * 31 + static_cast<std::uint64_t>(rank));
    State merged = merge_in_random_order(std::move(states), random);
    barrier_.arrive_and_wait();
    return merged;
  }

  [[nodiscard]] int size() const { return n_; }

 private:
  int n_;
  std::barrier<> barrier_;
  std::vector<std::vector<std::byte>> slots_;
};

template <class Model>
void check_dawid_skene_shards(const std::vector<Annotation>& answers, int n_shards,
                              const labelkit::quality::DawidSkeneOptions& options,
                              Eigen::Index tables, std::uint64_t seed) {
  labelkit::Random random(seed);
  const auto shards = shard_answers(answers, n_shards, random);
  const auto whole = labelkit::detail::run_dawid_skene<Model>(answers, 3, options, tables, "test");
  ThreadShards exchange(n_shards);
  std::vector<labelkit::quality::DawidSkeneResult> results(static_cast<std::size_t>(n_shards));
  std::vector<std::thread> threads;
  for (int r = 0; r < n_shards; ++r) {
    threads.emplace_back([&, r] {
      results[static_cast<std::size_t>(r)] = labelkit::detail::run_dawid_skene<Model>(
          shards[static_cast<std::size_t>(r)], 3, options, tables, "test",
          ThreadShards::Rank{&exchange, r, seed + 100});
    });
  }
  for (auto& t : threads) t.join();
  std::size_t items = 0;
  for (const auto& part : results) {
    shard_checks::check_rows_equal(part, whole);
    items += part.items.size();
    CHECK(part.log_likelihood == whole.log_likelihood);
    CHECK(part.iterations == whole.iterations);
    CHECK(part.converged == whole.converged);
    CHECK(part.priors == whole.priors);
    REQUIRE(part.confusion.size() == whole.confusion.size());
    for (std::size_t j = 0; j < whole.confusion.size(); ++j)
      CHECK(part.confusion[j] == whole.confusion[j]);
  }
  CHECK(items == whole.items.size());
}

}  // namespace

TEST_CASE("CrowdState: merges of random partitions in random orders equal the whole state") {
  const auto crowd = merge_test_crowd(400, 11);
  const auto whole = labelkit::quality::CrowdState::of(crowd.annotations, 3);
  CHECK(whole.n_items() == 400);
  CHECK(whole.annotators().size() == 7);
  CHECK(std::accumulate(whole.answers_per_class().begin(), whole.answers_per_class().end(),
                        std::int64_t{0}) == 1200);
  CHECK(labelkit::quality::CrowdState::from_bytes(whole.to_bytes()) == whole);
  labelkit::Random random(12);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 1 + static_cast<int>(random.uniform_index(6));
    std::vector<labelkit::quality::CrowdState> states;
    for (const auto& shard : shard_answers(crowd.annotations, n, random)) {
      states.push_back(labelkit::quality::CrowdState::from_bytes(
          labelkit::quality::CrowdState::of(shard, 3).to_bytes()));
    }
    CHECK(merge_in_random_order(states, random) == whole);
  }
  CHECK_THROWS_AS(labelkit::quality::CrowdState(3).merge(labelkit::quality::CrowdState(4)),
                  labelkit::dimension_mismatch);
}

TEST_CASE("majority_vote takes its annotators from the crowd state: one shard of the same code") {
  const std::vector<Annotation> answers{{5, 30, 1}, {5, 10, 1}, {2, 30, 0}, {2, 20, 1}};
  const auto vote = labelkit::quality::majority_vote(answers, 2);
  CHECK(vote.annotators == labelkit::quality::CrowdState::of(answers, 2).annotators());
  CHECK(vote.annotators == std::vector<Eigen::Index>{10, 20, 30});
  CHECK(vote.items == std::vector<Eigen::Index>{2, 5});
  CHECK(vote.labels == std::vector<int>{0, 1});  // item 2: 1-1 tie goes to label 0
  CHECK(vote.votes(1, 1) == 2.0);
}

TEST_CASE("EmStatistics: exact sums, equal for any partition and merge order") {
  labelkit::Random random(21);
  const std::size_t n_sums = 5;
  std::vector<double> values;
  for (int i = 0; i < 3000; ++i)
    values.push_back(2 * random.uniform01() * std::pow(10.0, -(i % 9)));
  labelkit::detail::EmStatistics whole(n_sums);
  for (std::size_t i = 0; i < values.size(); ++i) {
    whole.add(i % n_sums, values[i]);
    whole.add_evidence(-values[i] * std::pow(10.0, static_cast<double>(i % 7)));
  }
  CHECK(whole.items() == 3000);
  CHECK(labelkit::detail::EmStatistics::from_bytes(whole.to_bytes()) == whole);
  for (int trial = 0; trial < 10; ++trial) {
    const int n = 1 + static_cast<int>(random.uniform_index(7));
    std::vector<labelkit::detail::EmStatistics> states(static_cast<std::size_t>(n),
                                                       labelkit::detail::EmStatistics(n_sums));
    for (std::size_t i = 0; i < values.size(); ++i) {
      auto& s =
          states[static_cast<std::size_t>(random.uniform_index(static_cast<std::uint64_t>(n)))];
      s.add(i % n_sums, values[i]);
      s.add_evidence(-values[i] * std::pow(10.0, static_cast<double>(i % 7)));
    }
    const auto merged = merge_in_random_order(states, random);
    CHECK(merged == whole);
    for (std::size_t k = 0; k < n_sums; ++k) CHECK(merged.value(k) == whole.value(k));
    CHECK(merged.evidence() == whole.evidence());
  }
  CHECK_THROWS_AS(labelkit::detail::EmStatistics(2).merge(labelkit::detail::EmStatistics(3)),
                  labelkit::dimension_mismatch);
  labelkit::detail::EmStatistics bad(1);
  CHECK_THROWS_AS(bad.add(0, 2.5), labelkit::invalid_argument);
  CHECK_THROWS_AS(bad.add(0, std::numeric_limits<double>::infinity()), labelkit::invalid_argument);
  CHECK_THROWS_AS(bad.add(0, std::numeric_limits<double>::quiet_NaN()), labelkit::invalid_argument);
}

TEST_CASE("FixedSum: within n * 2^-63 of the exact sum, any magnitude, overflow refused") {
  labelkit::Random random(5);
  labelkit::detail::FixedSum fixed;
  labelkit::detail::ExactSum exact;
  std::vector<double> terms;
  for (int i = 0; i < 100000; ++i) {
    const double x = (i % 2 == 0 ? -1.0 : 1.0) * random.uniform01() * std::pow(10.0, i % 13 - 6);
    terms.push_back(x);
    fixed.add(x);
    exact.add(x);
  }
  CHECK(std::abs(fixed.value() - exact.value()) <= 100000 * 0x1p-63 + 1e-9);
  labelkit::detail::FixedSum reversed;
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) reversed.add(*it);
  CHECK(reversed == fixed);
  labelkit::detail::ByteWriter w("TEST0001", 1);
  fixed.write(w);
  const auto bytes = std::move(w).take();
  labelkit::detail::ByteReader r(bytes, "TEST0001", 1, "test");
  CHECK(labelkit::detail::FixedSum::read(r) == fixed);
  // Exact small cases: ten copies of 0.1 are within 10 · 2^-63 of 1; integers are exact.
  labelkit::detail::FixedSum tenth;
  for (int i = 0; i < 10; ++i) tenth.add(0.1);
  CHECK(std::abs(tenth.value() - 1.0) <= 1e-15);
  labelkit::detail::FixedSum integers;
  integers.add(-3.0);
  integers.add(0x1p52);
  CHECK(integers.value() == 0x1p52 - 3.0);
  // Refused: NaN, infinity, 2^53; a sum past 2^65.
  labelkit::detail::FixedSum bad;
  CHECK_THROWS_AS(bad.add(std::numeric_limits<double>::quiet_NaN()), labelkit::invalid_argument);
  CHECK_THROWS_AS(bad.add(std::numeric_limits<double>::infinity()), labelkit::invalid_argument);
  CHECK_THROWS_AS(bad.add(0x1p53), labelkit::invalid_argument);
  labelkit::detail::FixedSum big;
  CHECK_THROWS_AS(
      [&] {
        for (int i = 0; i < 6000; ++i) big.add(0x1p52 + 0x1p51);  // 4.05e19 > 2^65
      }(),
      labelkit::numerical_error);
  labelkit::detail::FixedSum half;
  for (int i = 0; i < 2000; ++i) half.add(0x1p52);  // 9.0e18
  labelkit::detail::FixedSum sum = half;
  for (int i = 0; i < 3; ++i) sum.merge(half);  // 3.6e19 < 2^65 = 3.69e19
  CHECK_THROWS_AS(sum.merge(half), labelkit::numerical_error);
}

TEST_CASE("UnitSum: within n * 2^-62 of the exact sum, and overflow refused on merge") {
  labelkit::Random random(6);
  labelkit::detail::UnitSum fixed;
  labelkit::detail::ExactSum exact;
  std::vector<double> terms;
  for (int i = 0; i < 100000; ++i) {
    const double x = (i % 5 == 0 ? -1.0 : 1.0) * random.uniform01() * (i % 3 == 0 ? 1e-12 : 1.0);
    terms.push_back(x);
    fixed.add(x);
    exact.add(x);
  }
  CHECK(std::abs(fixed.value() - exact.value()) <= 100000 * 0x1p-62 + 1e-10);
  labelkit::detail::UnitSum reversed;
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) reversed.add(*it);
  CHECK(reversed == fixed);
  CHECK_THROWS_AS(fixed.add(2.5), labelkit::invalid_argument);
  CHECK_THROWS_AS(fixed.add(std::numeric_limits<double>::quiet_NaN()), labelkit::invalid_argument);
  // The largest positive sum overflows when anything positive is merged in.
  labelkit::detail::ByteWriter w("TEST0001", 1);
  w.u64(~std::uint64_t{0});
  w.u64(~std::uint64_t{0} >> 1);
  const auto bytes = std::move(w).take();
  labelkit::detail::ByteReader r(bytes, "TEST0001", 1, "test");
  auto huge = labelkit::detail::UnitSum::read(r);
  labelkit::detail::UnitSum one;
  one.add(1.0);
  CHECK_THROWS_AS(huge.merge(one), labelkit::numerical_error);
}

TEST_CASE("Dawid-Skene on shards that merge their statistics equals one process to the last bit") {
  const auto crowd = merge_test_crowd(600, 31);
  labelkit::quality::DawidSkeneOptions options;
  options.max_iterations = 30;
  options.tolerance = 1e-10;
  // Gold records for items of every shard: each shard keeps those of its own items.
  options.gold = {{7, 0}, {3 * 100 + 7, 2}, {3 * 599 + 7, 1}};
  for (const int n : {1, 2, 3, 4}) {
    CAPTURE(n);
    check_dawid_skene_shards<labelkit::detail::DawidSkeneModel<double>>(crowd.annotations, n,
                                                                        options, 8, 40 + n);
    check_dawid_skene_shards<labelkit::detail::OneCoinModel<double>>(crowd.annotations, n, options,
                                                                     1, 50 + n);
  }
  SUBCASE("initial confusion matrices apply to the merged counts") {
    labelkit::quality::DawidSkeneOptions seeded;
    seeded.max_iterations = 5;
    seeded.initial_error = {{11, Eigen::MatrixXd::Constant(3, 3, 2.0)}};
    check_dawid_skene_shards<labelkit::detail::DawidSkeneModel<double>>(crowd.annotations, 3,
                                                                        seeded, 8, 61);
  }
}

TEST_CASE("serial dawid_skene is the one-shard case: the same bits as a one-rank exchange") {
  const auto crowd = merge_test_crowd(200, 71);
  const auto serial = labelkit::quality::dawid_skene(crowd.annotations, 3);
  ThreadShards one(1);
  const auto shard = labelkit::detail::run_dawid_skene<labelkit::detail::DawidSkeneModel<double>>(
      crowd.annotations, 3, {}, 8, "test", ThreadShards::Rank{&one, 0, 1});
  CHECK(shard.posterior == serial.posterior);
  CHECK(shard.log_likelihood == serial.log_likelihood);
}

TEST_CASE("ThresholdState and ConfidentJointState: random partitions and orders, exact merges") {
  labelkit::Random random(81);
  const Eigen::Index n = 1500;
  const int c = 4;
  Eigen::MatrixXd p(n, c);
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int k = 0; k < c; ++k) p(i, k) = 0.01 + random.uniform01();
    p.row(i) /= p.row(i).sum();
    // Class 3 is never given: its threshold is +infinity.
    labels[static_cast<std::size_t>(i)] = static_cast<int>(random.uniform_index(3));
  }
  const std::span<const int> all(labels);
  const auto whole = labelkit::quality::ThresholdState::of(all, p);
  CHECK(whole.thresholds() == labelkit::quality::per_class_thresholds(all, p));
  CHECK(std::isinf(whole.thresholds()(3)));
  const Eigen::VectorXd t = whole.thresholds();
  const auto joint = labelkit::quality::ConfidentJointState::of(all, p, t);
  CHECK(joint.joint() == labelkit::quality::confident_joint(all, p));
  CHECK(joint.joint(false) == labelkit::quality::confident_joint(all, p, false));
  CHECK(labelkit::quality::ThresholdState::from_bytes(whole.to_bytes()) == whole);
  CHECK(labelkit::quality::ConfidentJointState::from_bytes(joint.to_bytes()) == joint);
  for (int trial = 0; trial < 10; ++trial) {
    // Contiguous shards at random cut points, some empty.
    const int shards = 1 + static_cast<int>(random.uniform_index(6));
    std::vector<Eigen::Index> cut{0, n};
    for (int s = 1; s < shards; ++s)
      cut.push_back(static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(n))));
    std::sort(cut.begin(), cut.end());
    std::vector<labelkit::quality::ThresholdState> ts;
    std::vector<labelkit::quality::ConfidentJointState> js;
    for (std::size_t s = 0; s + 1 < cut.size(); ++s) {
      const auto b = cut[s];
      const auto m = cut[s + 1] - b;
      const auto l = all.subspan(static_cast<std::size_t>(b), static_cast<std::size_t>(m));
      ts.push_back(labelkit::quality::ThresholdState::of(l, p.middleRows(b, m)));
      js.push_back(labelkit::quality::ConfidentJointState::of(l, p.middleRows(b, m), t));
    }
    CHECK(merge_in_random_order(ts, random) == whole);
    CHECK(merge_in_random_order(ts, random).thresholds() == t);
    CHECK(merge_in_random_order(js, random) == joint);
  }
}

TEST_CASE("ThresholdState: the mean of equal values is that value, exactly") {
  // 2,500 copies of 0.95: a running double sum divided by 2,500 gives 0.9500000000000025.
  const std::vector<int> labels(2500, 1);
  Eigen::MatrixXd p(2500, 2);
  p.col(0).setConstant(0.05);
  p.col(1).setConstant(0.95);
  labelkit::quality::ThresholdState a(2);
  labelkit::quality::ThresholdState b(2);
  a.add_unchecked(std::span<const int>(labels).first(700), p.topRows(700));
  b.add_unchecked(std::span<const int>(labels).subspan(700), p.bottomRows(1800));
  CHECK(labelkit::merge(a, b).thresholds()(1) == 0.95);
  CHECK(labelkit::merge(b, a) == labelkit::merge(a, b));
}

TEST_CASE("ThresholdState and ConfidentJointState of an empty shard are empty, not errors") {
  const Eigen::MatrixXd none(0, 3);
  const std::vector<int> no_labels;
  const auto t = labelkit::quality::ThresholdState::of(std::span<const int>(no_labels), none);
  CHECK(t == labelkit::quality::ThresholdState(3));
  const Eigen::VectorXd thresholds = Eigen::VectorXd::Constant(3, 0.5);
  CHECK(labelkit::quality::ConfidentJointState::of(std::span<const int>(no_labels), none,
                                                   thresholds) ==
        labelkit::quality::ConfidentJointState(3));
  CHECK_THROWS_AS((void)labelkit::quality::ThresholdState::of(std::span<const int>(no_labels),
                                                              Eigen::MatrixXd(0, 1)),
                  labelkit::invalid_argument);
}
