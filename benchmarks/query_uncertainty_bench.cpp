// Uncertainty scores + top_k(100) over 1,000,000 items x 10 classes, float and double, in both
// layouts: column-major (Eigen's default) and row-major (what numpy, libtorch and ONNX Runtime
// hand over), beside the memory-bound reference: one streaming pass over the same matrix (a
// plain sum). bytes_per_second is the matrix size per iteration for every benchmark, so the
// ratio of CPU times to the reference's is the distance from the memory-bound limit. Goals in
// the default build (-O2, no -march): least confidence, margin and ratio + top_k within 2x of
// the streaming pass, entropy + top_k within 3x. The *Threads benchmarks time the fused
// `*_top_k` calls and the streaming read on 1 and 2 threads (wall time).
//
//   labelkit_query_uncertainty_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
//
// With LABELKIT_PEERS_PROBA=<path of the peers' proba_1m_10.bin> (1,000,000 x 10 float32, C
// order; see the peers harness), the same scores also run on that file, read as a row-major
// matrix, beside its streaming sum (BM_PeersFile*), for the figures beside the numpy baselines.
//
// Each score is validated as it is computed (entries in [0, 1], rows summing to 1), as in any
// call; the figures include that check.

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty.hpp"

namespace {

constexpr Eigen::Index kItems = 1'000'000;
constexpr Eigen::Index kClasses = 10;
constexpr Eigen::Index kTopK = 100;

template <class Scalar, int Layout>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

// Softmax of N(0, 2²) logits, so rows range from near-certain to near-uniform and some entries
// underflow towards 0, as real model outputs do. Seeded: the same matrix on every run.
template <class Scalar, int Layout>
const Matrix<Scalar, Layout>& probabilities() {
  static const Matrix<Scalar, Layout> p = [] {
    labelkit::Random random(20261128);
    Eigen::MatrixXd z(kItems, kClasses);
    for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = 2.0 * random.normal();
    z.colwise() -= z.rowwise().maxCoeff();
    z.array() = z.array().exp();
    z.array().colwise() /= z.array().rowwise().sum();
    return Matrix<Scalar, Layout>(z.cast<Scalar>());
  }();
  return p;
}

template <class Scalar>
void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * kItems * kClasses *
                          static_cast<std::int64_t>(sizeof(Scalar)));
}

// The physical floor: read the matrix once.
template <class Scalar, int Layout>
void BM_StreamingSum(benchmark::State& state) {
  const auto& p = probabilities<Scalar, Layout>();
  for (auto _ : state) {
    Scalar total = p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes<Scalar>(state);
}

template <class Scalar, int Layout, class Score>
void run_score(benchmark::State& state, Score score, bool with_top_k) {
  const auto& p = probabilities<Scalar, Layout>();
  for (auto _ : state) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s = score(p);
    if (with_top_k) {
      const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
      benchmark::DoNotOptimize(picked.data());
    }
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes<Scalar>(state);
}

struct LeastConfidence {
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::least_confidence(p);
  }
};
struct Margin {
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::margin(p);
  }
};
struct Ratio {
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::ratio(p);
  }
};
struct Entropy {
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::entropy(p);
  }
};

template <class Scalar, int Layout, class Score>
void BM_ScoreTopK(benchmark::State& state) {
  run_score<Scalar, Layout>(state, Score{}, true);
}

// top_k alone over 1,000,000 scores (the selection's share of the score + top_k figures);
// bytes are still the matrix's so the ratio compares with the same reference.
template <class Scalar>
void BM_TopKOnly(benchmark::State& state) {
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s =
      labelkit::query::entropy(probabilities<Scalar, Eigen::ColMajor>());
  for (auto _ : state) {
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
    benchmark::DoNotOptimize(picked.data());
  }
  set_bytes<Scalar>(state);
}

constexpr int kCol = Eigen::ColMajor;
constexpr int kRow = Eigen::RowMajor;

#define LABELKIT_UNCERTAINTY_BENCH(Scalar, Layout)                                         \
  BENCHMARK(BM_StreamingSum<Scalar, Layout>)->Unit(benchmark::kMillisecond);               \
  BENCHMARK(BM_ScoreTopK<Scalar, Layout, LeastConfidence>)->Unit(benchmark::kMillisecond); \
  BENCHMARK(BM_ScoreTopK<Scalar, Layout, Margin>)->Unit(benchmark::kMillisecond);          \
  BENCHMARK(BM_ScoreTopK<Scalar, Layout, Ratio>)->Unit(benchmark::kMillisecond);           \
  BENCHMARK(BM_ScoreTopK<Scalar, Layout, Entropy>)->Unit(benchmark::kMillisecond)

LABELKIT_UNCERTAINTY_BENCH(double, kCol);
LABELKIT_UNCERTAINTY_BENCH(double, kRow);
LABELKIT_UNCERTAINTY_BENCH(float, kCol);
LABELKIT_UNCERTAINTY_BENCH(float, kRow);
BENCHMARK(BM_TopKOnly<double>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TopKOnly<float>)->Unit(benchmark::kMillisecond);

// Parallel scoring: wall time (UseRealTime) on 1 thread (the serial call, no executor) and on 2
// (labelkit::parallel_threads(2)), beside the streaming read split the same way. The ratio of
// the 1- and 2-thread figures is the scaling; the reference's ratio is the machine's ceiling.
labelkit::Parallel threads_of(const benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  return threads > 1 ? labelkit::parallel_threads(threads) : labelkit::Parallel{};
}

// One streaming read, split into the same fixed chunks as the scoring (256 KiB each).
template <class Scalar, int Layout>
void BM_StreamingSumThreads(benchmark::State& state) {
  const auto& p = probabilities<Scalar, Layout>();
  const labelkit::Parallel parallel = threads_of(state);
  const std::size_t bytes = static_cast<std::size_t>(p.size()) * sizeof(Scalar);
  const std::size_t grain = std::size_t{256} << 10;
  for (auto _ : state) {
    std::vector<Scalar> partial(labelkit::detail::chunk_count(bytes, grain));
    labelkit::detail::for_each_chunk(
        parallel, bytes, grain, [&](std::size_t c, std::size_t begin, std::size_t end) {
          const Scalar* first = p.data() + begin / sizeof(Scalar);
          const auto count = static_cast<Eigen::Index>((end - begin) / sizeof(Scalar));
          partial[c] =
              Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(first, count).sum();
        });
    benchmark::DoNotOptimize(partial.data());
  }
  set_bytes<Scalar>(state);
}

struct EntropyTopK {
  template <class M>
  auto operator()(const M& p, const labelkit::Parallel& parallel) const {
    return labelkit::query::entropy_top_k(p, kTopK, parallel);
  }
};
struct LeastConfidenceTopK {
  template <class M>
  auto operator()(const M& p, const labelkit::Parallel& parallel) const {
    return labelkit::query::least_confidence_top_k(p, kTopK, parallel);
  }
};

// The fused score + top_k (no n-vector of scores).
template <class Scalar, int Layout, class Fused>
void BM_FusedTopKThreads(benchmark::State& state) {
  const auto& p = probabilities<Scalar, Layout>();
  const labelkit::Parallel parallel = threads_of(state);
  for (auto _ : state) {
    const auto picked = Fused{}(p, parallel);
    benchmark::DoNotOptimize(picked.indices.data());
  }
  set_bytes<Scalar>(state);
}

// The two calls: entropy(p, parallel) then top_k(scores, k, parallel).
template <class Scalar, int Layout>
void BM_EntropyThenTopKThreads(benchmark::State& state) {
  const auto& p = probabilities<Scalar, Layout>();
  const labelkit::Parallel parallel = threads_of(state);
  for (auto _ : state) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s = labelkit::query::entropy(p, parallel);
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK, parallel);
    benchmark::DoNotOptimize(picked.data());
    benchmark::ClobberMemory();
  }
  set_bytes<Scalar>(state);
}

#define LABELKIT_THREADS_BENCH(...) \
  BENCHMARK(__VA_ARGS__)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)

LABELKIT_THREADS_BENCH(BM_StreamingSumThreads<float, kRow>);
LABELKIT_THREADS_BENCH(BM_FusedTopKThreads<float, kRow, EntropyTopK>);
LABELKIT_THREADS_BENCH(BM_EntropyThenTopKThreads<float, kRow>);
LABELKIT_THREADS_BENCH(BM_StreamingSumThreads<double, kRow>);
LABELKIT_THREADS_BENCH(BM_FusedTopKThreads<double, kRow, LeastConfidenceTopK>);
LABELKIT_THREADS_BENCH(BM_FusedTopKThreads<double, kCol, LeastConfidenceTopK>);

// The peers' data file, row-major as numpy wrote it (empty if it cannot be read).
const Matrix<float, kRow>& peers_file() {
  static const Matrix<float, kRow> p = [] {
    Matrix<float, kRow> m;
    const char* path = std::getenv("LABELKIT_PEERS_PROBA");
    if (path == nullptr) return m;
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return m;
    m.resize(kItems, kClasses);
    const std::size_t count = static_cast<std::size_t>(m.size());
    if (std::fread(m.data(), sizeof(float), count, f) != count) m.resize(0, 0);
    std::fclose(f);
    return m;
  }();
  return p;
}

void BM_PeersFileSum(benchmark::State& state) {
  const auto& p = peers_file();
  for (auto _ : state) {
    float total = p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes<float>(state);
}

template <class Score>
void BM_PeersFileTopK(benchmark::State& state) {
  const auto& p = peers_file();
  for (auto _ : state) {
    const Eigen::VectorXf s = Score{}(p);
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
    benchmark::DoNotOptimize(picked.data());
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes<float>(state);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (peers_file().size() == kItems * kClasses) {
    benchmark::RegisterBenchmark("BM_PeersFileSum", BM_PeersFileSum)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_PeersFileTopK<LeastConfidence>",
                                 BM_PeersFileTopK<LeastConfidence>)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_PeersFileTopK<Margin>", BM_PeersFileTopK<Margin>)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_PeersFileTopK<Entropy>", BM_PeersFileTopK<Entropy>)
        ->Unit(benchmark::kMillisecond);
  } else if (std::getenv("LABELKIT_PEERS_PROBA") != nullptr) {
    std::fprintf(stderr, "LABELKIT_PEERS_PROBA: cannot read 1,000,000 x 10 float32\n");
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
