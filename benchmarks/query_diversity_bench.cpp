// Diversity selection on 50,000 x 128 float embeddings (column-major), beside the memory-bound
// reference: 100 matrix-vector products (GEMV) over the embeddings, which is what picking 100
// points by greedy k-center must at least do. Target: k_center_greedy(100) within 2x of it.
// BADGE (10 classes) and k-means++ / k-means on the same data for scale.
//
//   labelkit_query_diversity_bench --benchmark_repetitions=3
//   --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/kmeans.hpp"

namespace {

constexpr Eigen::Index kItems = 50'000;
constexpr Eigen::Index kDims = 128;
constexpr Eigen::Index kClasses = 10;
constexpr Eigen::Index kPicks = 100;

const Eigen::MatrixXf& embeddings() {
  static const Eigen::MatrixXf x = [] {
    labelkit::Random random(7);
    Eigen::MatrixXf e(kItems, kDims);
    for (Eigen::Index i = 0; i < e.size(); ++i) e(i) = static_cast<float>(random.normal());
    return e;
  }();
  return x;
}

const Eigen::MatrixXf& probabilities() {
  static const Eigen::MatrixXf p = [] {
    labelkit::Random random(8);
    Eigen::MatrixXf logits(kItems, kClasses);
    for (Eigen::Index i = 0; i < logits.size(); ++i)
      logits(i) = static_cast<float>(2 * random.normal());
    return Eigen::MatrixXf(labelkit::softmax(logits));
  }();
  return p;
}

// The physical reference: 100 GEMVs over the embeddings.
void BM_100GemvReference(benchmark::State& state) {
  const auto& x = embeddings();
  Eigen::VectorXf v = x.row(0).transpose();
  Eigen::VectorXf y(kItems);
  for (auto _ : state) {
    for (Eigen::Index k = 0; k < kPicks; ++k) {
      y.noalias() = x * v;
      v(k % kDims) += y(k);  // each product depends on the previous one, as in the greedy
      benchmark::DoNotOptimize(y.data());
    }
    benchmark::ClobberMemory();
  }
}

void BM_KCenterGreedy(benchmark::State& state) {
  const auto& x = embeddings();
  for (auto _ : state) {
    auto picks = labelkit::query::k_center_greedy(x, std::vector<Eigen::Index>{}, kPicks);
    benchmark::DoNotOptimize(picks.data());
  }
}

void BM_KCenterGreedy1000Labeled(benchmark::State& state) {
  const auto& x = embeddings();
  labelkit::Random random(3);
  const auto labeled = labelkit::sample_without_replacement(kItems, 1000, random);
  for (auto _ : state) {
    auto picks = labelkit::query::k_center_greedy(x, labeled, kPicks);
    benchmark::DoNotOptimize(picks.data());
  }
}

void BM_KCenterGreedySharded8(benchmark::State& state) {
  const auto& x = embeddings();
  for (auto _ : state) {
    auto picks =
        labelkit::query::k_center_greedy_sharded(x, std::vector<Eigen::Index>{}, kPicks, 8);
    benchmark::DoNotOptimize(picks.data());
  }
}

void BM_Badge(benchmark::State& state) {
  const auto& x = embeddings();
  const auto& p = probabilities();
  for (auto _ : state) {
    auto picks = labelkit::query::badge(p, x, kPicks, 1);
    benchmark::DoNotOptimize(picks.data());
  }
}

void BM_KMeansPlusPlusSeeds(benchmark::State& state) {
  const auto& x = embeddings();
  for (auto _ : state) {
    auto picks = labelkit::query::kmeans_plus_plus_seeds(x, kPicks, 1);
    benchmark::DoNotOptimize(picks.data());
  }
}

// k-means with k = 100 and 10 Lloyd iterations (seeding included).
void BM_KMeans10Iterations(benchmark::State& state) {
  const auto& x = embeddings();
  labelkit::query::KMeansOptions options;
  options.max_iterations = 10;
  options.tolerance = 0;
  for (auto _ : state) {
    auto result = labelkit::query::kmeans(x, kPicks, options);
    benchmark::DoNotOptimize(result.centers.data());
    state.counters["iterations"] = result.iterations;
  }
}

}  // namespace

// k_center_greedy(100) on 1 thread (the serial call) and 2 (labelkit::parallel_threads(2)), wall
// time: one executor call (two threads started) per pick.
void BM_KCenterGreedyThreads(benchmark::State& state) {
  const auto& x = embeddings();
  const auto threads = static_cast<unsigned>(state.range(0));
  const labelkit::Parallel parallel =
      threads > 1 ? labelkit::parallel_threads(threads) : labelkit::Parallel{};
  for (auto _ : state) {
    auto picks = labelkit::query::k_center_greedy(x, std::vector<Eigen::Index>{}, kPicks, parallel);
    benchmark::DoNotOptimize(picks.data());
  }
}

BENCHMARK(BM_100GemvReference)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KCenterGreedyThreads)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KCenterGreedy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KCenterGreedy1000Labeled)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KCenterGreedySharded8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Badge)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KMeansPlusPlusSeeds)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KMeans10Iterations)->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();
