// The annotation task queue at scale (see benchmarks/README.md for the figures):
//   next()+submit(): 1,000,000 tasks, overlap 1, one annotator thread, then two threads sharing
//                    the work; reference: the least a correct priority queue with hand-out does
//                    per task, i.e. pop the top of a std::set ordered by (priority, id) and append
//                    the answer to a vector, under one uncontended mutex.
//   priority updates: 1,000,000 items re-scored in one bulk update_priorities() call;
//                    reference: re-keying the nodes of a std::set of (priority, id) in place
//                    (extract, change, insert), without validation or lookup by id.
//   memory per task: heap bytes (glibc mallinfo2) per task after adding 1,000,000 tasks with
//                    null payloads, and after each has two answers.
//   checkpoint: save and restore of the 1,000,000-task queue with two answers per task.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/random.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace la = labelkit::annotation;

namespace {

constexpr Eigen::Index kTasks = 1'000'000;

const std::vector<Eigen::Index>& item_ids() {
  static const std::vector<Eigen::Index> ids = [] {
    std::vector<Eigen::Index> v(static_cast<std::size_t>(kTasks));
    std::iota(v.begin(), v.end(), Eigen::Index{0});
    return v;
  }();
  return ids;
}

const std::vector<double>& scores(std::uint64_t seed) {
  static std::vector<double> a, b;
  auto& v = seed == 1 ? a : b;
  if (v.empty()) {
    labelkit::Random random(seed);
    v.resize(static_cast<std::size_t>(kTasks));
    for (auto& s : v) s = random.uniform01();
  }
  return v;
}

std::unique_ptr<la::TaskQueue> make_queue(int overlap) {
  auto queue =
      std::make_unique<la::TaskQueue>(la::QueueOptions{.overlap = overlap}, la::ManualClock(0));
  const int set = queue->add_label_set(
      la::LabelSet(std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
                   {.from_name = "digit"}));
  queue->add_tasks(item_ids(), set, scores(1));
  return queue;
}

void work(la::TaskQueue& queue, Eigen::Index annotator) {
  while (auto task = queue.next(annotator))
    queue.submit(annotator, task->item, static_cast<int>(task->item % 10));
}

/// Two annotators taking turns (overlap 2): each item is answered by both. (One annotator
/// working alone through an overlap-2 queue would walk past every item it has already answered:
/// next() costs O(s) for s higher-ranked open items the annotator has seen.)
void work_in_turns(la::TaskQueue& queue) {
  for (bool more = true; more;) {
    more = false;
    for (const Eigen::Index annotator : {0, 1}) {
      if (auto task = queue.next(annotator)) {
        queue.submit(annotator, task->item, static_cast<int>(task->item % 10));
        more = true;
      }
    }
  }
}

void BM_next_submit(benchmark::State& state) {
  const auto threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    auto queue = make_queue(1);
    state.ResumeTiming();
    if (threads == 1) {
      work(*queue, 0);
    } else {
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(*queue, t); });
      for (auto& thread : pool) thread.join();
    }
    state.PauseTiming();
    if (!queue->finished()) state.SkipWithError("queue not finished");
    queue.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_next_submit)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

struct Key {
  double priority;
  Eigen::Index item;
  friend bool operator<(const Key& a, const Key& b) {
    return a.priority > b.priority || (a.priority == b.priority && a.item < b.item);
  }
};

void BM_next_submit_reference(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::set<Key> open;
    for (Eigen::Index i = 0; i < kTasks; ++i)
      open.insert({scores(1)[static_cast<std::size_t>(i)], i});
    std::vector<std::pair<Eigen::Index, int>> answers;
    std::mutex mutex;
    state.ResumeTiming();
    for (;;) {
      Eigen::Index item = -1;
      {
        std::lock_guard lock(mutex);
        if (open.empty()) break;
        item = open.begin()->item;
        open.erase(open.begin());
      }
      std::lock_guard lock(mutex);
      answers.emplace_back(item, static_cast<int>(item % 10));
    }
    benchmark::DoNotOptimize(answers.data());
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_next_submit_reference)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_update_priorities(benchmark::State& state) {
  auto queue = make_queue(1);
  bool flip = false;
  for (auto _ : state) {
    queue->update_priorities(item_ids(), scores(flip ? 1 : 2));
    flip = !flip;
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_update_priorities)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_update_priorities_reference(benchmark::State& state) {
  std::set<Key> open;
  std::vector<std::set<Key>::iterator> where;
  where.reserve(static_cast<std::size_t>(kTasks));
  for (Eigen::Index i = 0; i < kTasks; ++i)
    where.push_back(open.insert({scores(1)[static_cast<std::size_t>(i)], i}).first);
  bool flip = false;
  for (auto _ : state) {
    const auto& next = scores(flip ? 1 : 2);
    for (Eigen::Index i = 0; i < kTasks; ++i) {
      auto node = open.extract(where[static_cast<std::size_t>(i)]);
      node.value().priority = next[static_cast<std::size_t>(i)];
      where[static_cast<std::size_t>(i)] = open.insert(std::move(node)).position;
    }
    flip = !flip;
  }
  state.SetItemsProcessed(state.iterations() * kTasks);
}
BENCHMARK(BM_update_priorities_reference)->Iterations(4)->Unit(benchmark::kMillisecond);

#if defined(__GLIBC__)
std::size_t heap_in_use() { return mallinfo2().uordblks; }

void BM_memory_per_task(benchmark::State& state) {
  for (auto _ : state) {
    (void)item_ids();
    (void)scores(1);
    const std::size_t before = heap_in_use();
    auto queue = make_queue(2);
    const std::size_t added = heap_in_use();
    work_in_turns(*queue);
    const std::size_t answered = heap_in_use();
    state.counters["bytes_per_task"] =
        static_cast<double>(added - before) / static_cast<double>(kTasks);
    state.counters["bytes_per_task_2_answers"] =
        static_cast<double>(answered - before) / static_cast<double>(kTasks);
  }
}
BENCHMARK(BM_memory_per_task)->Iterations(1)->Unit(benchmark::kMillisecond);
#endif

void BM_checkpoint(benchmark::State& state) {
  auto queue = make_queue(2);
  work_in_turns(*queue);
  std::string text;
  for (auto _ : state) {
    text = queue->checkpoint();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_checkpoint)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_restore(benchmark::State& state) {
  auto queue = make_queue(2);
  work_in_turns(*queue);
  const std::string text = queue->checkpoint();
  la::TaskQueue copy({}, la::ManualClock(0));
  for (auto _ : state) copy.restore_text(text);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_restore)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
