// Majority vote and Dawid-Skene on 1,000,000 annotations (200,000 items x 5 answers, 500
// annotators, 5 classes), beside reference passes over the same records: the least work any
// implementation must do (one read of every record plus C multiply-adds into its item's row).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"

namespace {

constexpr int n_items = 200'000;
constexpr int per_item = 5;
constexpr int n_annotators = 500;
constexpr int n_classes = 5;

const std::vector<labelkit::Annotation>& crowd() {
  static const std::vector<labelkit::Annotation> annotations = [] {
    labelkit::Random random(2024);
    std::vector<double> accuracy(n_annotators);
    for (auto& a : accuracy) a = 0.5 + 0.4 * random.uniform01();
    std::vector<labelkit::Annotation> out;
    out.reserve(static_cast<std::size_t>(n_items) * per_item);
    for (int i = 0; i < n_items; ++i) {
      const int z = static_cast<int>(random.uniform_index(n_classes));
      const auto chosen = labelkit::sample_without_replacement(n_annotators, per_item, random);
      for (const Eigen::Index j : chosen) {
        int label = z;
        if (random.uniform01() >= accuracy[static_cast<std::size_t>(j)]) {
          label = static_cast<int>((z + 1 + random.uniform_index(n_classes - 1)) % n_classes);
        }
        out.push_back({i, j, label});
      }
    }
    return out;
  }();
  return annotations;
}

void BM_MajorityVote(benchmark::State& state) {
  const auto& a = crowd();
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::quality::majority_vote(a, n_classes));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

// Reference for majority vote: one pass counting votes[item][label] (dense ids assumed known).
void BM_ReferenceVoteCount(benchmark::State& state) {
  const auto& a = crowd();
  Eigen::MatrixXd votes(n_classes, n_items);
  for (auto _ : state) {
    votes.setZero();
    for (const auto& x : a) votes(x.label, x.item) += 1;
    benchmark::DoNotOptimize(votes.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

// The same count into freshly allocated outputs (votes and their row-normalised shares, as
// majority_vote() returns): adds the cost of first-touching 2 x 8 MB of new memory.
void BM_ReferenceVoteCountFreshOutput(benchmark::State& state) {
  const auto& a = crowd();
  for (auto _ : state) {
    Eigen::MatrixXd votes = Eigen::MatrixXd::Zero(n_classes, n_items);
    for (const auto& x : a) votes(x.label, x.item) += 1;
    Eigen::MatrixXd shares = votes / static_cast<double>(per_item);
    benchmark::DoNotOptimize(votes.data());
    benchmark::DoNotOptimize(shares.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

void BM_DawidSkene100(benchmark::State& state) {
  const auto& a = crowd();
  labelkit::quality::DawidSkeneOptions options;
  options.max_iterations = 100;
  options.tolerance = 0;  // run all 100 iterations
  int iterations = 0;
  for (auto _ : state) {
    const auto r = labelkit::quality::dawid_skene(a, n_classes, options);
    iterations = r.iterations;
    benchmark::DoNotOptimize(r.posterior.data());
  }
  state.counters["em_iterations"] = iterations;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()) * 100);
}

// Runs an EM aggregator for exactly 100 iterations per benchmark iteration.
template <class Options, class Run>
void run_em100(benchmark::State& state, Run run) {
  const auto& a = crowd();
  Options options;
  options.max_iterations = 100;
  options.tolerance = 0;
  int iterations = 0;
  for (auto _ : state) {
    const auto r = run(a, options);
    iterations = r.iterations;
    benchmark::DoNotOptimize(r.posterior.data());
  }
  state.counters["em_iterations"] = iterations;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()) * 100);
}

void BM_OneCoin100(benchmark::State& state) {
  run_em100<labelkit::quality::DawidSkeneOptions>(state, [](const auto& a, const auto& o) {
    return labelkit::quality::one_coin_dawid_skene(a, n_classes, o);
  });
}

// The same runs on two threads (labelkit::parallel_threads(2)); bit-identical to the serial
// ones. Reported with the process CPU time (both threads) and the wall time.
void BM_DawidSkene100Threads2(benchmark::State& state) {
  const labelkit::Parallel parallel = labelkit::parallel_threads(2);
  run_em100<labelkit::quality::DawidSkeneOptions>(state, [&](const auto& a, const auto& o) {
    return labelkit::quality::dawid_skene(a, n_classes, o, parallel);
  });
}

void BM_OneCoin100Threads2(benchmark::State& state) {
  const labelkit::Parallel parallel = labelkit::parallel_threads(2);
  run_em100<labelkit::quality::DawidSkeneOptions>(state, [&](const auto& a, const auto& o) {
    return labelkit::quality::one_coin_dawid_skene(a, n_classes, o, parallel);
  });
}

void BM_Glad100(benchmark::State& state) {
  run_em100<labelkit::quality::GladOptions>(
      state, [](const auto& a, const auto& o) { return labelkit::quality::glad(a, n_classes, o); });
}

void BM_Mace100(benchmark::State& state) {
  run_em100<labelkit::quality::MaceOptions>(
      state, [](const auto& a, const auto& o) { return labelkit::quality::mace(a, n_classes, o); });
}

// One pass over the answers, 100 times: read every record (item, annotator, label) and add one
// value into its item's C-long row. The unit of issue 13's EM goal (per iteration <= 2x this).
void BM_ReferenceAnswerPass100(benchmark::State& state) {
  const auto& a = crowd();
  Eigen::MatrixXd rows = Eigen::MatrixXd::Zero(n_classes, n_items);
  for (auto _ : state) {
    for (int pass = 0; pass < 100; ++pass) {
      for (const auto& x : a) rows(x.label, x.item) += static_cast<double>(x.annotator);
      benchmark::DoNotOptimize(rows.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()) * 100);
}

// Reference for one EM iteration: per record, add a C-long row of a (annotator, label) table
// into its item's row; per item, normalise the row (exp) and add it back into the table's
// counts for each of its records. That is one E-step plus the count accumulation, with no
// id mapping, no log-sum-exp guard and no M-step: a floor, not an algorithm. Run 100 times.
void BM_ReferenceEmPasses100(benchmark::State& state) {
  const auto& a = crowd();
  Eigen::MatrixXd table = Eigen::MatrixXd::Constant(n_classes, n_annotators * n_classes, -0.5);
  Eigen::MatrixXd counts(n_classes, n_annotators * n_classes);
  double row[n_classes];
  for (auto _ : state) {
    for (int pass = 0; pass < 100; ++pass) {
      counts.setZero();
      for (std::size_t start = 0; start < a.size(); start += per_item) {
        for (int k = 0; k < n_classes; ++k) row[k] = 0;
        for (std::size_t r = start; r < start + per_item; ++r) {
          const double* column = table.col(a[r].annotator * n_classes + a[r].label).data();
          for (int k = 0; k < n_classes; ++k) row[k] += column[k];
        }
        double total = 0;
        for (int k = 0; k < n_classes; ++k) total += row[k] = std::exp(row[k]);
        for (int k = 0; k < n_classes; ++k) row[k] /= total;
        for (std::size_t r = start; r < start + per_item; ++r) {
          double* column = counts.col(a[r].annotator * n_classes + a[r].label).data();
          for (int k = 0; k < n_classes; ++k) column[k] += row[k];
        }
      }
      benchmark::DoNotOptimize(counts.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()) * 100);
}

}  // namespace

BENCHMARK(BM_ReferenceVoteCount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReferenceVoteCountFreshOutput)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MajorityVote)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReferenceEmPasses100)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ReferenceAnswerPass100)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_DawidSkene100)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_OneCoin100)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_DawidSkene100Threads2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(BM_OneCoin100Threads2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(BM_Glad100)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Mace100)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
