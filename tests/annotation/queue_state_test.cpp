// The queue's answer statistics come from one path (QueueState::count_answer via adopt_task for
// imports and restores): a restored queue must equal the live one, and an imported queue must
// report the live queue's answer statistics.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <chrono>
#include <numeric>
#include <string>
#include <vector>

#include "labelkit/annotation/task_queue.hpp"

namespace la = labelkit::annotation;
using Ids = std::vector<Eigen::Index>;
using namespace std::chrono_literals;

namespace {

/// Submissions, skips, expiries, late answers (accepted and refused), duplicates, gold answers
/// (right and wrong) and open leases, from five annotators.
void mixed_history(la::TaskQueue& queue, la::ManualClock& clock) {
  const int set = queue.add_label_set(la::LabelSet(
      std::vector<std::string>{"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  Ids items(40);
  std::iota(items.begin(), items.end(), Eigen::Index{0});
  std::vector<double> priority(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) priority[i] = static_cast<double>((i * 37) % 11);
  queue.add_tasks(items, set, priority);
  queue.add_gold(Ids{100, 101, 102, 103}, set, std::vector<int>{0, 1, 2, 0});
  std::vector<std::pair<Eigen::Index, Eigen::Index>> held;
  for (int round = 0; round < 30; ++round) {
    for (Eigen::Index annotator = 1; annotator <= 5; ++annotator) {
      const auto task = queue.next(annotator);
      if (!task) continue;
      clock.advance(std::chrono::milliseconds(100 + 37 * annotator));
      const int answer = static_cast<int>((task->item + annotator) % 3);
      switch ((round * 5 + annotator) % 7) {
        case 0:
          queue.skip(annotator, task->item);
          break;
        case 1:
          held.emplace_back(annotator, task->item);
          break;  // left to expire
        case 2:
          queue.submit(annotator, task->item, answer);
          (void)queue.try_submit(annotator, task->item, std::vector<int>{answer});  // duplicate
          break;
        default:
          queue.submit(annotator, task->item, answer);
      }
    }
    if (round % 6 == 5) {
      clock.advance(11min);  // every open lease expires
      for (const auto& [annotator, item] : held) {
        (void)queue.try_submit(annotator, item, std::vector<int>{1});  // late: accepted or refused
      }
      held.clear();
    }
  }
  queue.add_task(999, set);
  REQUIRE(queue.next(6).has_value());  // an open lease at the end
}

void check_same_progress(const la::Progress& a, const la::Progress& b) {
  CHECK(a.tasks.regular == b.tasks.regular);
  CHECK(a.tasks.gold == b.tasks.gold);
  CHECK(a.tasks.pending == b.tasks.pending);
  CHECK(a.tasks.in_progress == b.tasks.in_progress);
  CHECK(a.tasks.complete == b.tasks.complete);
  CHECK(a.tasks.active_leases == b.tasks.active_leases);
  CHECK(a.tasks.accepted == b.tasks.accepted);
  CHECK(a.tasks.accepted_late == b.tasks.accepted_late);
  CHECK(a.tasks.expired == b.tasks.expired);
  CHECK(a.tasks.skipped == b.tasks.skipped);
  CHECK(a.tasks.duplicates == b.tasks.duplicates);
  REQUIRE(a.annotators.size() == b.annotators.size());
  for (std::size_t k = 0; k < a.annotators.size(); ++k) {
    const auto& x = a.annotators[k];
    const auto& y = b.annotators[k];
    CHECK(x.annotator == y.annotator);
    CHECK(x.assigned == y.assigned);
    CHECK(x.submitted == y.submitted);
    CHECK(x.late == y.late);
    CHECK(x.skipped == y.skipped);
    CHECK(x.expired == y.expired);
    CHECK(x.active == y.active);
    CHECK(x.gold_answered == y.gold_answered);
    CHECK(x.gold_correct == y.gold_correct);
    CHECK(x.total_duration == y.total_duration);
    CHECK(x.first_assigned_at == y.first_assigned_at);
    CHECK(x.last_submitted_at == y.last_submitted_at);
  }
}

}  // namespace

TEST_CASE("a restored queue equals the live one after a mixed history, and stays equal") {
  la::ManualClock clock(1'764'315'204'123);
  const la::QueueOptions options{
      .overlap = 2, .lease_timeout = 10min, .gold_rate = 0.25, .seed = 3};
  la::TaskQueue live(options, clock);
  mixed_history(live, clock);
  const auto progress = live.progress();
  // The history has every kind of event the statistics count.
  CHECK(progress.tasks.skipped > 0);
  CHECK(progress.tasks.expired > 0);
  CHECK(progress.tasks.accepted_late > 0);
  CHECK(progress.tasks.duplicates > 0);
  CHECK(progress.tasks.active_leases > 0);
  Eigen::Index gold_answered = 0, gold_correct = 0;
  for (const auto& who : progress.annotators) {
    gold_answered += who.gold_answered;
    gold_correct += who.gold_correct;
  }
  CHECK(gold_answered > gold_correct);
  CHECK(gold_correct > 0);

  la::TaskQueue restored({}, clock);
  restored.restore_text(live.checkpoint());
  check_same_progress(restored.progress(), live.progress());
  CHECK(restored.checkpoint() == live.checkpoint());
  CHECK(restored.export_tasks() == live.export_tasks());

  // Both go on identically.
  for (int round = 0; round < 10; ++round) {
    clock.advance(3min);
    for (Eigen::Index annotator = 1; annotator <= 7; ++annotator) {
      const auto a = live.next(annotator);
      const auto b = restored.next(annotator);
      REQUIRE(a.has_value() == b.has_value());
      if (!a) continue;
      CHECK(a->item == b->item);
      CHECK(a->lease_deadline == b->lease_deadline);
      if ((round + annotator) % 3 != 0) {
        CHECK(live.submit(annotator, a->item, 1) == restored.submit(annotator, b->item, 1));
      }
    }
  }
  check_same_progress(restored.progress(), live.progress());
  CHECK(restored.checkpoint() == live.checkpoint());
}

TEST_CASE("an imported queue reports the live queue's answer statistics") {
  la::ManualClock clock(1'764'315'204'123);
  const la::QueueOptions options{
      .overlap = 2, .lease_timeout = 10min, .gold_rate = 0.25, .seed = 3};
  la::TaskQueue live(options, clock);
  mixed_history(live, clock);
  la::TaskQueue imported(options, clock);
  imported.import_tasks(live.export_tasks());
  const auto a = live.progress();
  const auto b = imported.progress();
  CHECK(a.tasks.accepted == b.tasks.accepted);
  CHECK(a.tasks.accepted_late == b.tasks.accepted_late);
  CHECK(a.tasks.complete == b.tasks.complete);
  CHECK(a.tasks.gold == b.tasks.gold);
  // Annotators who answered something, in ascending id in both.
  std::vector<la::AnnotatorProgress> answered;
  for (const auto& who : a.annotators) {
    if (who.submitted > 0) answered.push_back(who);
  }
  REQUIRE(answered.size() == b.annotators.size());
  for (std::size_t k = 0; k < answered.size(); ++k) {
    const auto& x = answered[k];
    const auto& y = b.annotators[k];
    CHECK(x.annotator == y.annotator);
    CHECK(x.submitted == y.submitted);
    CHECK(x.late == y.late);
    CHECK(x.gold_answered == y.gold_answered);
    CHECK(x.gold_correct == y.gold_correct);
    CHECK(x.total_duration == y.total_duration);
    CHECK(x.last_submitted_at == y.last_submitted_at);
    CHECK(y.assigned == y.submitted);  // an imported answer is one assignment
  }
  CHECK(imported.export_tasks() == live.export_tasks());
}
