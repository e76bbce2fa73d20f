// Submissions per second of the annotation task queue with the journal off and on, for each
// durability policy (labelkit/annotation/journal.hpp). Each submission is a next() + submit()
// pair (both are journaled), from 1 or 8 annotator threads; the counter `submissions/s` is
// wall-clock. The journal lives in the system's temporary directory, so the fsync figures are
// those of that file system. Arguments: {policy, threads} with policy -1 = no journal,
// 0 = each_commit, 1 = interval (10 ms), 2 = none.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <chrono>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "labelkit/annotation/journal.hpp"
#include "labelkit/annotation/task_queue.hpp"

#include <unistd.h>

namespace la = labelkit::annotation;
namespace fs = std::filesystem;

namespace {

void BM_submit(benchmark::State& state) {
  const auto policy = static_cast<int>(state.range(0));
  const auto n_threads = static_cast<int>(state.range(1));
  // fsync per batch is slow: fewer tasks keep that run short.
  const Eigen::Index n_tasks = policy == 0 ? 4'000 : 100'000;
  const fs::path dir =
      fs::temp_directory_path() / ("labelkit_journal_bench_" + std::to_string(::getpid()));
  std::int64_t submitted = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto queue = std::make_unique<la::TaskQueue>(la::QueueOptions{.overlap = 1});
    const int set = queue->add_label_set(labelkit::LabelSet(
        std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
        {.from_name = "digit"}));
    std::vector<Eigen::Index> items(static_cast<std::size_t>(n_tasks));
    std::iota(items.begin(), items.end(), Eigen::Index{0});
    queue->add_tasks(items, set);
    if (policy >= 0) {
      (void)la::recover(*queue, dir / "queue.snapshot", dir / "queue.journal",
                        {static_cast<la::Durability>(policy), std::chrono::milliseconds(10)});
    }
    state.ResumeTiming();
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t) {
      threads.emplace_back([&queue, t] {
        while (const auto task = queue->next(t)) {
          queue->submit(t, task->item, static_cast<int>(task->item % 10));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    state.PauseTiming();
    queue.reset();  // closes the journal
    state.ResumeTiming();
    submitted += n_tasks;
  }
  fs::remove_all(dir);
  state.counters["submissions/s"] =
      benchmark::Counter(static_cast<double>(submitted), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_submit)
    ->ArgNames({"policy", "threads"})
    ->Args({-1, 1})
    ->Args({-1, 8})
    ->Args({0, 1})
    ->Args({0, 8})
    ->Args({1, 1})
    ->Args({1, 8})
    ->Args({2, 1})
    ->Args({2, 8})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
