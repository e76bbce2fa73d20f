// Uncertainty scores + top_k(100) over 1,000,000 items x 10 classes (column-major, as a model's
// predict_proba returns them; float and double), beside the memory-bound reference: one
// streaming pass over the same matrix (a plain sum). bytes_per_second is the matrix size per
// iteration for every benchmark, so its ratio to the reference's is the distance from the
// memory-bound limit. Targets (single-threaded): least confidence and margin (+ top_k) within 2x
// of the streaming pass, entropy and ratio within 4x.
//
//   labelkit_query_uncertainty_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Each score is validated as it is computed (entries in [0, 1], rows summing to 1), as in any
// call; the figures include that check.

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "labelkit/core/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty.hpp"

namespace {

constexpr Eigen::Index kItems = 1'000'000;
constexpr Eigen::Index kClasses = 10;
constexpr Eigen::Index kTopK = 100;

// Softmax of N(0, 2²) logits, so rows range from near-certain to near-uniform and some entries
// underflow towards 0, as real model outputs do. Seeded: the same matrix on every run.
template <class Scalar>
const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& probabilities() {
  static const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> p = [] {
    labelkit::Random random(20261128);
    Eigen::MatrixXd z(kItems, kClasses);
    for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = 2.0 * random.normal();
    z.colwise() -= z.rowwise().maxCoeff();
    z.array() = z.array().exp();
    z.array().colwise() /= z.array().rowwise().sum();
    return Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>(z.cast<Scalar>());
  }();
  return p;
}

template <class Scalar>
void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * kItems * kClasses *
                          static_cast<std::int64_t>(sizeof(Scalar)));
}

// The physical floor: read the matrix once.
template <class Scalar>
void BM_StreamingSum(benchmark::State& state) {
  const auto& p = probabilities<Scalar>();
  for (auto _ : state) {
    Scalar total = p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes<Scalar>(state);
}

template <class Scalar, class Score>
void run_score(benchmark::State& state, Score score, bool with_top_k) {
  const auto& p = probabilities<Scalar>();
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

template <class Scalar, class Score>
void BM_ScoreTopK(benchmark::State& state) {
  run_score<Scalar>(state, Score{}, true);
}
template <class Scalar, class Score>
void BM_ScoreOnly(benchmark::State& state) {
  run_score<Scalar>(state, Score{}, false);
}

// top_k alone over 1,000,000 scores (the selection's share of the score + top_k figures);
// bytes are still the matrix's so the ratio compares with the same reference.
template <class Scalar>
void BM_TopKOnly(benchmark::State& state) {
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> s =
      labelkit::query::entropy(probabilities<Scalar>());
  for (auto _ : state) {
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
    benchmark::DoNotOptimize(picked.data());
  }
  set_bytes<Scalar>(state);
}

#define LABELKIT_UNCERTAINTY_BENCH(Scalar)                                               \
  BENCHMARK(BM_StreamingSum<Scalar>)->Unit(benchmark::kMillisecond);                     \
  BENCHMARK(BM_ScoreTopK<Scalar, LeastConfidence>)->Unit(benchmark::kMillisecond);       \
  BENCHMARK(BM_ScoreTopK<Scalar, Margin>)->Unit(benchmark::kMillisecond);                \
  BENCHMARK(BM_ScoreTopK<Scalar, Ratio>)->Unit(benchmark::kMillisecond);                 \
  BENCHMARK(BM_ScoreTopK<Scalar, Entropy>)->Unit(benchmark::kMillisecond);               \
  BENCHMARK(BM_ScoreOnly<Scalar, LeastConfidence>)->Unit(benchmark::kMillisecond);       \
  BENCHMARK(BM_ScoreOnly<Scalar, Margin>)->Unit(benchmark::kMillisecond);                \
  BENCHMARK(BM_ScoreOnly<Scalar, Ratio>)->Unit(benchmark::kMillisecond);                 \
  BENCHMARK(BM_ScoreOnly<Scalar, Entropy>)->Unit(benchmark::kMillisecond);               \
  BENCHMARK(BM_TopKOnly<Scalar>)->Unit(benchmark::kMillisecond)

LABELKIT_UNCERTAINTY_BENCH(double);
LABELKIT_UNCERTAINTY_BENCH(float);

}  // namespace

BENCHMARK_MAIN();
