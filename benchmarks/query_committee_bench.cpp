// Committee scores on 5 members x 200,000 items x 10 classes (float, column-major), beside the
// memory-bound reference: one streaming pass that reads every member once (a sum). Targets:
// every score within 4x of the reference, vote entropy within 3x.
//
//   labelkit_query_committee_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/random.hpp"
#include "labelkit/query/committee.hpp"

namespace {

constexpr Eigen::Index kMembers = 5;
constexpr Eigen::Index kItems = 200'000;
constexpr Eigen::Index kClasses = 10;

const std::vector<Eigen::MatrixXf>& members() {
  static const std::vector<Eigen::MatrixXf> m = [] {
    labelkit::Random random(1);
    std::vector<Eigen::MatrixXf> out;
    for (Eigen::Index k = 0; k < kMembers; ++k) {
      Eigen::MatrixXf p(kItems, kClasses);
      for (Eigen::Index i = 0; i < p.size(); ++i) p(i) = static_cast<float>(random.uniform01() + 0.01);
      p.array().colwise() /= p.array().rowwise().sum();
      out.push_back(std::move(p));
    }
    return out;
  }();
  return m;
}

void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * kMembers * kItems * kClasses *
                          static_cast<std::int64_t>(sizeof(float)));
}

// The physical floor: read every member once.
void BM_StreamingPassReference(benchmark::State& state) {
  const auto& m = members();
  for (auto _ : state) {
    float total = 0;
    for (const auto& p : m) total += p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes(state);
}

template <class Score>
void run(benchmark::State& state, Score score) {
  const auto& m = members();
  for (auto _ : state) {
    Eigen::VectorXf s = score(m);
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state);
}

void BM_VoteEntropy(benchmark::State& state) {
  run(state, [](const auto& m) { return labelkit::query::vote_entropy(m); });
}
void BM_ConsensusEntropy(benchmark::State& state) {
  run(state, [](const auto& m) { return labelkit::query::consensus_entropy(m); });
}
void BM_MeanKlDisagreement(benchmark::State& state) {
  run(state, [](const auto& m) { return labelkit::query::mean_kl_disagreement(m); });
}
void BM_MaxKlDisagreement(benchmark::State& state) {
  run(state, [](const auto& m) { return labelkit::query::max_kl_disagreement(m); });
}
void BM_Bald(benchmark::State& state) {
  run(state, [](const auto& m) { return labelkit::query::bald(m); });
}

}  // namespace

BENCHMARK(BM_StreamingPassReference)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VoteEntropy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ConsensusEntropy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MeanKlDisagreement)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaxKlDisagreement)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Bald)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
