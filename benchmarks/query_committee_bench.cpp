// Committee scores on 5 members x 200,000 items x 10 classes, float and double, column-major
// and row-major, beside the memory-bound reference: one streaming pass that reads every member
// once (a sum). Goals in the default build (-O2, no -march): vote entropy within 2x of the
// reference, consensus entropy within 3x, mean/max KL and BALD within 4x.
//
//   labelkit_query_committee_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/committee.hpp"

namespace {

constexpr Eigen::Index kMembers = 5;
constexpr Eigen::Index kItems = 200'000;
constexpr Eigen::Index kClasses = 10;

template <class Scalar, int Layout>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

template <class Scalar, int Layout>
const std::vector<Matrix<Scalar, Layout>>& members() {
  static const std::vector<Matrix<Scalar, Layout>> m = [] {
    labelkit::Random random(1);
    std::vector<Matrix<Scalar, Layout>> out;
    for (Eigen::Index k = 0; k < kMembers; ++k) {
      Eigen::MatrixXd p(kItems, kClasses);
      for (Eigen::Index i = 0; i < p.size(); ++i) p(i) = random.uniform01() + 0.01;
      p.array().colwise() /= p.array().rowwise().sum();
      out.push_back(p.cast<Scalar>());
    }
    return out;
  }();
  return m;
}

template <class Scalar>
void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * kMembers * kItems * kClasses *
                          static_cast<std::int64_t>(sizeof(Scalar)));
}

// The physical floor: read every member once.
template <class Scalar, int Layout>
void BM_StreamingPassReference(benchmark::State& state) {
  const auto& m = members<Scalar, Layout>();
  for (auto _ : state) {
    Scalar total = 0;
    for (const auto& p : m) total += p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes<Scalar>(state);
}

struct VoteEntropy {
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::vote_entropy(m);
  }
};
struct ConsensusEntropy {
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::consensus_entropy(m);
  }
};
struct MeanKl {
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::mean_kl_disagreement(m);
  }
};
struct MaxKl {
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::max_kl_disagreement(m);
  }
};
struct Bald {
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::bald(m);
  }
};

template <class Scalar, int Layout, class Score>
void BM_Score(benchmark::State& state) {
  const auto& m = members<Scalar, Layout>();
  for (auto _ : state) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s = Score{}(m);
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes<Scalar>(state);
}

constexpr int kCol = Eigen::ColMajor;
constexpr int kRow = Eigen::RowMajor;

#define LABELKIT_COMMITTEE_BENCH(Scalar, Layout)                                        \
  BENCHMARK(BM_StreamingPassReference<Scalar, Layout>)->Unit(benchmark::kMillisecond);  \
  BENCHMARK(BM_Score<Scalar, Layout, VoteEntropy>)->Unit(benchmark::kMillisecond);      \
  BENCHMARK(BM_Score<Scalar, Layout, ConsensusEntropy>)->Unit(benchmark::kMillisecond); \
  BENCHMARK(BM_Score<Scalar, Layout, MeanKl>)->Unit(benchmark::kMillisecond);           \
  BENCHMARK(BM_Score<Scalar, Layout, MaxKl>)->Unit(benchmark::kMillisecond);            \
  BENCHMARK(BM_Score<Scalar, Layout, Bald>)->Unit(benchmark::kMillisecond)

LABELKIT_COMMITTEE_BENCH(float, kCol);
LABELKIT_COMMITTEE_BENCH(float, kRow);
LABELKIT_COMMITTEE_BENCH(double, kCol);
LABELKIT_COMMITTEE_BENCH(double, kRow);

// Parallel scoring: wall time on 1 thread (the serial call) and 2 (labelkit::parallel_threads(2)).
template <class Scalar, int Layout, class Score>
void BM_ScoreThreads(benchmark::State& state) {
  const auto& m = members<Scalar, Layout>();
  const auto threads = static_cast<unsigned>(state.range(0));
  const labelkit::Parallel parallel =
      threads > 1 ? labelkit::parallel_threads(threads) : labelkit::Parallel{};
  for (auto _ : state) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s = Score{}(m, parallel);
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes<Scalar>(state);
}

struct BaldThreads {
  template <class M>
  auto operator()(const M& m, const labelkit::Parallel& parallel) const {
    return labelkit::query::bald(m, parallel);
  }
};
struct VoteEntropyThreads {
  template <class M>
  auto operator()(const M& m, const labelkit::Parallel& parallel) const {
    return labelkit::query::vote_entropy(m, parallel);
  }
};

BENCHMARK(BM_ScoreThreads<float, kRow, BaldThreads>)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScoreThreads<double, kCol, BaldThreads>)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScoreThreads<float, kRow, VoteEntropyThreads>)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
