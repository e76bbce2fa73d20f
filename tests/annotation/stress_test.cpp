// Many annotator threads against one queue. Also run under ThreadSanitizer in CI (the op count
// is scaled down there; the thread count is not).
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/random.hpp"

#if defined(__SANITIZE_THREAD__)
#define LABELKIT_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LABELKIT_TEST_UNDER_TSAN 1
#endif
#endif

namespace la = labelkit::annotation;
using namespace std::chrono_literals;

namespace {

#ifdef LABELKIT_TEST_UNDER_TSAN
constexpr int ops_per_thread = 1000;
#else
constexpr int ops_per_thread = 10000;
#endif
constexpr int n_threads = 16;
constexpr int overlap = 2;

struct Answer {
  Eigen::Index item;
  Eigen::Index annotator;
  int label;
  friend bool operator<(const Answer& a, const Answer& b) {
    return std::tie(a.item, a.annotator, a.label) < std::tie(b.item, b.annotator, b.label);
  }
  friend bool operator==(const Answer&, const Answer&) = default;
};

struct ThreadLog {
  std::vector<Eigen::Index> given;  // every item handed to this annotator
  std::vector<Answer> accepted;     // answers the queue said it counted
  long ops = 0;
  long late_accepted = 0;
  long late_refused = 0;
  long skipped = 0;
  long duplicates = 0;
  long failures = 0;  // unexpected outcomes
};

}  // namespace

TEST_CASE("16 annotator threads: no task lost or duplicated, exactly `overlap` answers per item") {
  // About two operations (next + submit) per answer: 16 x ops / 2 answers over `overlap` each.
  const Eigen::Index n_items =
      static_cast<Eigen::Index>(n_threads) * ops_per_thread / (2 * overlap);
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = overlap, .lease_timeout = 4000ms, .gold_rate = 0.05, .seed = 99},
                      clock);
  const int set = queue.add_label_set(
      la::LabelSet(std::vector<std::string>{"0", "1", "2", "3"}, {.from_name = "digit"}));
  std::vector<Eigen::Index> items(static_cast<std::size_t>(n_items));
  std::iota(items.begin(), items.end(), Eigen::Index{0});
  queue.add_tasks(items, set);
  std::vector<Eigen::Index> gold(50);
  std::iota(gold.begin(), gold.end(), Eigen::Index{1000000});
  queue.add_gold(gold, set, std::vector<int>(gold.size(), 1));

  std::vector<ThreadLog> logs(n_threads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      const Eigen::Index me = 100 + t;
      ThreadLog& log = logs[static_cast<std::size_t>(t)];
      labelkit::Random random(static_cast<std::uint64_t>(t) + 1);
      std::vector<std::pair<Eigen::Index, long>> abandoned;  // item, op when abandoned
      while (!go.load()) std::this_thread::yield();
      const auto late_submit = [&](Eigen::Index item) {
        const int label = static_cast<int>(item % 4);
        const auto status = queue.try_submit(me, item, std::vector<int>{label});
        ++log.ops;
        if (status == la::SubmitStatus::accepted || status == la::SubmitStatus::accepted_late) {
          log.accepted.push_back({item, me, label});
          log.late_accepted += status == la::SubmitStatus::accepted_late;
        } else if (status == la::SubmitStatus::lease_expired) {
          ++log.late_refused;
        } else {
          ++log.failures;
        }
      };
      for (;;) {
        clock.advance(1ms);
        if (!abandoned.empty() && log.ops - abandoned.front().second > 300) {
          late_submit(abandoned.front().first);
          abandoned.erase(abandoned.begin());
          continue;
        }
        auto task = queue.next(me);
        ++log.ops;
        if (!task) {
          if (queue.finished()) break;
          clock.advance(20ms);  // let abandoned leases expire
          std::this_thread::yield();
          continue;
        }
        log.given.push_back(task->item);
        const double u = random.uniform01();
        if (u < 0.02) {
          try {
            queue.skip(me, task->item);
          } catch (const la::lease_expired&) {
          }
          ++log.ops;
          ++log.skipped;
          continue;
        }
        if (u < 0.03) {
          abandoned.emplace_back(task->item, log.ops);
          continue;
        }
        const int label = static_cast<int>(task->item % 4);
        if (u < 0.04) {  // an invalid answer first: refused, nothing changes
          try {
            queue.submit(me, task->item, 4);
            ++log.failures;
          } catch (const la::invalid_label&) {
          }
          ++log.ops;
        }
        const auto status = queue.try_submit(me, task->item, std::vector<int>{label});
        ++log.ops;
        if (status == la::SubmitStatus::accepted || status == la::SubmitStatus::accepted_late) {
          log.accepted.push_back({task->item, me, label});
          log.late_accepted += status == la::SubmitStatus::accepted_late;
        } else if (status == la::SubmitStatus::lease_expired) {
          ++log.late_refused;  // idle threads move the clock fast near the end: a lease may lapse
        } else {
          ++log.failures;
        }
        if (u < 0.05) {  // a repeat: idempotent
          log.duplicates += queue.try_submit(me, task->item, std::vector<int>{label}) ==
                            la::SubmitStatus::duplicate;
          ++log.ops;
        }
      }
      for (const auto& [item, op] : abandoned) late_submit(item);
    });
  }
  go.store(true);
  for (auto& thread : threads) thread.join();

  // Each annotator received each item at most once.
  long total_ops = 0, failures = 0, duplicates = 0, late = 0;
  std::vector<Answer> recorded;
  for (const auto& log : logs) {
    std::vector<Eigen::Index> given = log.given;
    std::sort(given.begin(), given.end());
    CHECK(std::adjacent_find(given.begin(), given.end()) == given.end());
    recorded.insert(recorded.end(), log.accepted.begin(), log.accepted.end());
    total_ops += log.ops;
    failures += log.failures;
    duplicates += log.duplicates;
    late += log.late_accepted;
  }
  CHECK(failures == 0);
  CHECK(total_ops >= static_cast<long>(n_threads) * ops_per_thread * 9 / 10);

  // What the threads were told was counted is exactly what the queue holds: nothing lost,
  // nothing counted twice.
  std::vector<Answer> held;
  for (const auto& a : queue.regular_annotations()) held.push_back({a.item, a.annotator, a.label});
  for (const auto& a : queue.gold_annotations()) held.push_back({a.item, a.annotator, a.label});
  std::sort(recorded.begin(), recorded.end());
  std::sort(held.begin(), held.end());
  CHECK(recorded.size() == held.size());
  CHECK(recorded == held);

  // Every regular item has exactly `overlap` answers from distinct annotators.
  std::vector<int> count(static_cast<std::size_t>(n_items), 0);
  std::set<std::pair<Eigen::Index, Eigen::Index>> pairs;
  bool distinct = true;
  for (const auto& a : queue.regular_annotations()) {
    ++count[static_cast<std::size_t>(a.item)];
    distinct = pairs.emplace(a.item, a.annotator).second && distinct;
  }
  CHECK(distinct);
  CHECK(std::all_of(count.begin(), count.end(), [](int c) { return c == overlap; }));

  const auto progress = queue.progress();
  CHECK(progress.finished());
  CHECK(progress.tasks.complete == n_items);
  CHECK(progress.tasks.active_leases == 0);
  CHECK(progress.tasks.accepted == static_cast<Eigen::Index>(held.size()));
  CHECK(progress.tasks.accepted_late == late);
  CHECK(progress.tasks.duplicates == duplicates);
  Eigen::Index per_annotator = 0;
  for (const auto& who : progress.annotators) per_annotator += who.submitted;
  CHECK(per_annotator == progress.tasks.accepted);
  MESSAGE("stress: " << total_ops << " operations, " << held.size() << " answers, " << late
                     << " late answers accepted, " << progress.tasks.expired << " leases expired, "
                     << progress.tasks.skipped << " skips");
}
