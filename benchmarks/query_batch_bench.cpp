// Streaming top-k and information density on a pool of 1,000,000 items, beside the memory-bound
// references: one pass over the scores (streaming top-k must read each score once) and one GEMV
// over the 1,000,000 x 64 float embeddings (the mean-cosine identity needs about three passes:
// the row norms, X^T w, and X m).
#include "labelkit/query/random.hpp"
// query/random.hpp first (it names detail::fail unqualified)
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "labelkit/core/random.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"

namespace {

constexpr Eigen::Index n_items = 1'000'000;
constexpr Eigen::Index n_dims = 64;
constexpr Eigen::Index k = 100;
constexpr Eigen::Index chunk = 65'536;

const Eigen::VectorXf& scores() {
  static const Eigen::VectorXf s = [] {
    labelkit::Random random(7);
    Eigen::VectorXf v(n_items);
    for (Eigen::Index i = 0; i < n_items; ++i) v(i) = static_cast<float>(random.uniform01());
    return v;
  }();
  return s;
}

const Eigen::MatrixXf& embeddings() {
  static const Eigen::MatrixXf x = [] {
    labelkit::Random random(8);
    Eigen::MatrixXf m(n_items, n_dims);
    for (Eigen::Index j = 0; j < n_dims; ++j) {
      for (Eigen::Index i = 0; i < n_items; ++i) m(i, j) = static_cast<float>(random.uniform01());
    }
    return m;
  }();
  return x;
}

// Reference: one read of every score.
void BM_reference_sum_scores(benchmark::State& state) {
  const auto& s = scores();
  for (auto _ : state) benchmark::DoNotOptimize(s.sum());
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_reference_sum_scores)->Unit(benchmark::kMillisecond);

void BM_top_k(benchmark::State& state) {
  const auto& s = scores();
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::query::top_k(s, k));
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_top_k)->Unit(benchmark::kMillisecond);

// The pool in chunks of 65,536 scores, one accumulator.
void BM_accumulator_chunks(benchmark::State& state) {
  const auto& s = scores();
  for (auto _ : state) {
    labelkit::query::TopKAccumulator<float> acc(k);
    for (Eigen::Index start = 0; start < n_items; start += chunk) {
      acc.add(s.segment(start, std::min(chunk, n_items - start)), start);
    }
    benchmark::DoNotOptimize(acc.ids());
  }
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_accumulator_chunks)->Unit(benchmark::kMillisecond);

// 16 shards accumulated separately, serialised, rebuilt and merged (what an MPI reduction does).
void BM_accumulator_16_shards_serialised_merge(benchmark::State& state) {
  const auto& s = scores();
  const Eigen::Index shard = n_items / 16;
  for (auto _ : state) {
    labelkit::query::TopKAccumulator<float> total(k);
    for (Eigen::Index p = 0; p < 16; ++p) {
      labelkit::query::TopKAccumulator<float> part(k);
      part.add(s.segment(p * shard, shard), p * shard);
      const std::vector<double> wire = part.to_pairs();
      total.merge(labelkit::query::TopKAccumulator<float>::from_pairs(wire, k));
    }
    benchmark::DoNotOptimize(total.ids());
  }
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_accumulator_16_shards_serialised_merge)->Unit(benchmark::kMillisecond);

// Merging two full accumulators alone.
void BM_accumulator_merge_only(benchmark::State& state) {
  labelkit::query::TopKAccumulator<float> a(k);
  labelkit::query::TopKAccumulator<float> b(k);
  a.add(scores().head(n_items / 2), 0);
  b.add(scores().tail(n_items / 2), n_items / 2);
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::query::merged(a, b));
}
BENCHMARK(BM_accumulator_merge_only)->Unit(benchmark::kMicrosecond);

// Reference: one GEMV over the embeddings.
void BM_reference_gemv(benchmark::State& state) {
  const auto& x = embeddings();
  const Eigen::VectorXf v = Eigen::VectorXf::Constant(n_dims, 0.5f);
  Eigen::VectorXf out(n_items);
  for (auto _ : state) {
    out.noalias() = x * v;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_reference_gemv)->Unit(benchmark::kMillisecond);

void BM_density_cosine(benchmark::State& state) {
  const auto& x = embeddings();
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::query::density(x));
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_density_cosine)->Unit(benchmark::kMillisecond);

void BM_information_density_cosine(benchmark::State& state) {
  const auto& x = embeddings();
  const auto& u = scores();
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::query::information_density(u, x));
  state.SetItemsProcessed(state.iterations() * n_items);
}
BENCHMARK(BM_information_density_cosine)->Unit(benchmark::kMillisecond);

// Euclidean density of the first 50,000 items against a 1,000-item seeded reference sample
// (the exact form is O(n^2 d); this is O(n m d) = 3.2e9 multiply-adds).
void BM_density_euclidean_50000_sampled_1000(benchmark::State& state) {
  const Eigen::MatrixXf x = embeddings().topRows(50'000);
  labelkit::query::DensityOptions options;
  options.similarity = labelkit::query::Similarity::euclidean;
  options.exact_limit = 0;
  options.reference_size = 1000;
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::query::density(x, options));
  state.SetItemsProcessed(state.iterations() * 50'000);
}
BENCHMARK(BM_density_euclidean_50000_sampled_1000)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
