#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"

namespace la = labelkit::annotation;
using Ids = std::vector<Eigen::Index>;
using namespace std::chrono_literals;

namespace {

la::LabelSet three_classes() {
  return la::LabelSet(
      {"cat", "dog", "bird"},
      {.type = la::AnnotationType::single_label, .from_name = "animal", .to_name = "image"});
}

Ids iota_ids(Eigen::Index n, Eigen::Index first = 0) {
  Ids ids(static_cast<std::size_t>(n));
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

}  // namespace

TEST_CASE("the basic flow: tasks from items, next, submit, annotations out") {
  la::ManualClock clock(1000);
  la::TaskQueue queue({.overlap = 2}, clock);
  const int animals = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(3), animals);
  CHECK(queue.size() == 3);

  std::map<Eigen::Index, std::vector<Eigen::Index>> given;
  for (const Eigen::Index annotator : {10, 11, 12}) {
    while (auto task = queue.next(annotator)) {
      given[annotator].push_back(task->item);
      CHECK(task->label_set->from_name() == "animal");
      clock.advance(500ms);
      CHECK(queue.submit(annotator, task->item, static_cast<int>(task->item % 3)) ==
            la::SubmitStatus::accepted);
    }
  }
  // Equal priorities go in item order; annotator 10 takes all three, 11 all three, 12 none.
  CHECK(given[10] == Ids{0, 1, 2});
  CHECK(given[11] == Ids{0, 1, 2});
  CHECK(given.count(12) == 0);
  CHECK(queue.finished());
  const auto annotations = queue.annotations();
  REQUIRE(annotations.size() == 6);
  CHECK(annotations[0] == labelkit::Annotation{0, 10, 0});
  CHECK(annotations[1] == labelkit::Annotation{0, 11, 0});
  CHECK(annotations[5] == labelkit::Annotation{2, 11, 2});
  const auto progress = queue.progress();
  CHECK(progress.tasks.complete == 3);
  CHECK(progress.tasks.pending == 0);
  CHECK(progress.tasks.accepted == 6);
  REQUIRE(progress.annotators.size() == 3);  // 12 asked, so it is known
  CHECK(progress.annotators[0].submitted == 3);
  CHECK(progress.annotators[0].mean_duration_ms() == doctest::Approx(500.0));
  CHECK(progress.annotators[2].submitted == 0);
}

TEST_CASE("next honours priority, and bulk updates reorder the queue (brute-force twin)") {
  labelkit::Random random(3);
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(random.uniform_index(60));
    la::TaskQueue queue({.overlap = 1}, la::ManualClock(0));
    const int set = queue.add_label_set(three_classes());
    Ids items(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i)
      items[static_cast<std::size_t>(i)] = 1000 - 7 * i;  // not sorted
    std::vector<double> priority(items.size());
    for (auto& p : priority) p = static_cast<double>(random.uniform_index(5));  // many ties
    queue.add_tasks(items, set, priority);
    // Update a random half in bulk.
    Ids changed;
    std::vector<double> values;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (random.uniform01() < 0.5) {
        changed.push_back(items[i]);
        values.push_back(static_cast<double>(random.uniform_index(5)));
        priority[i] = values.back();
      }
    }
    queue.update_priorities(changed, values);
    // Expected: sort by priority desc, then item id asc.
    std::vector<std::size_t> order(items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return priority[a] > priority[b] || (priority[a] == priority[b] && items[a] < items[b]);
    });
    for (const std::size_t i : order) {
      auto task = queue.next(1);
      REQUIRE(task.has_value());
      CHECK(task->item == items[i]);
    }
    CHECK_FALSE(queue.next(1).has_value());
  }
}

TEST_CASE("a bulk update of many priorities (the rebuild path) gives the same order as a sort") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 2, .lease_timeout = 10ms, .gold_rate = 0.0}, clock);
  const int set = queue.add_label_set(three_classes());
  labelkit::Random random(17);
  const Eigen::Index n = 3000;
  Ids items(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) items[static_cast<std::size_t>(i)] = 5 * (n - i);
  queue.add_tasks(items, set);
  queue.add_gold(Ids{1}, set, std::vector<int>{0});
  // Some items leased (out of the open set) or complete-for-now when the update comes.
  for (int k = 0; k < 50; ++k) (void)queue.next(1);
  for (int k = 0; k < 50; ++k) (void)queue.next(2);
  std::vector<double> priority(items.size());
  for (auto& p : priority) p = static_cast<double>(random.uniform_index(100));
  queue.update_priorities(items, priority);  // 3000 >= n / 4: the rebuild path
  clock.advance(10ms);                       // the leases expire: items return with new priorities
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return priority[a] > priority[b] || (priority[a] == priority[b] && items[a] < items[b]);
  });
  for (const std::size_t i : order) {
    auto task = queue.next(3);
    REQUIRE(task.has_value());
    CHECK(task->item == items[i]);
  }
  CHECK_FALSE(queue.next(3).has_value());
}

TEST_CASE("priorities from an Eigen vector; priority changes while leased take effect on return") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .lease_timeout = 100ms}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(4), set);
  Eigen::VectorXf scores(4);
  scores << 0.1f, 0.9f, 0.5f, 0.7f;
  queue.update_priorities(iota_ids(4), scores);
  auto first = queue.next(1);
  CHECK(first->item == 1);
  queue.update_priorities(Ids{1}, std::vector<double>{-1.0});  // leased: not in the open set
  clock.advance(100ms);                                        // lease expires, item 1 returns
  CHECK(queue.next(2)->item == 3);
  CHECK(queue.next(2)->item == 2);
  CHECK(queue.next(2)->item == 0);
  CHECK(queue.next(2)->item == 1);  // its new, lowest priority
  CHECK_THROWS_AS(queue.update_priorities(Ids{1, 99}, std::vector<double>{1.0, 2.0}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.update_priorities(Ids{1}, std::vector<double>{NAN}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.update_priorities(Ids{1}, std::vector<double>{1.0, 2.0}),
                  labelkit::dimension_mismatch);
}

TEST_CASE("an annotator never receives an item twice, also after skipping or expiry") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 2, .lease_timeout = 10ms}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(2), set);
  auto a = queue.next(1);
  CHECK(a->item == 0);
  queue.skip(1, 0);
  auto b = queue.next(1);
  CHECK(b->item == 1);
  clock.advance(10ms);                     // lease on 1 expires
  CHECK_FALSE(queue.next(1).has_value());  // 0 skipped, 1 expired: nothing new for annotator 1
  CHECK(queue.next(2)->item == 0);
  CHECK(queue.next(2)->item == 1);
  CHECK(queue.next(3)->item == 0);
  const auto progress = queue.progress();
  CHECK(progress.tasks.skipped == 1);
  CHECK(progress.tasks.expired == 1);
  CHECK(progress.tasks.active_leases == 3);
}

TEST_CASE("per-annotator caps and the active-lease cap") {
  la::TaskQueue queue({.overlap = 1, .max_tasks_per_annotator = 2}, la::ManualClock(0));
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(10), set);
  CHECK(queue.next(1).has_value());
  CHECK(queue.next(1).has_value());
  CHECK_FALSE(queue.next(1).has_value());  // cap 2 (two active leases)
  queue.set_annotator_cap(2, 3);
  for (int i = 0; i < 3; ++i) {
    auto task = queue.next(2);
    REQUIRE(task);
    queue.submit(2, task->item, 0);
  }
  CHECK_FALSE(queue.next(2).has_value());
  queue.set_annotator_cap(2, -1);  // back to the default 2: still capped
  CHECK_FALSE(queue.next(2).has_value());
  queue.set_annotator_cap(2, 4);
  CHECK(queue.next(2).has_value());
  CHECK_THROWS_AS(queue.set_annotator_cap(2, -2), labelkit::invalid_argument);

  la::TaskQueue one_at_a_time({.max_active_per_annotator = 1}, la::ManualClock(0));
  one_at_a_time.add_tasks(iota_ids(3), one_at_a_time.add_label_set(three_classes()));
  auto task = one_at_a_time.next(5);
  CHECK_FALSE(one_at_a_time.next(5).has_value());
  one_at_a_time.submit(5, task->item, 1);
  CHECK(one_at_a_time.next(5).has_value());
}

TEST_CASE("submission refusals: one error kind each, and the queue unchanged") {
  la::ManualClock clock(0);
  la::TaskQueue queue(
      {.overlap = 2, .lease_timeout = 50ms, .late_submissions = la::LatePolicy::reject}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(3), set);
  auto task = queue.next(1);
  REQUIRE(task);
  const std::string before = queue.checkpoint();

  CHECK_THROWS_AS(queue.submit(1, 99, 0), la::unknown_task);
  CHECK_THROWS_AS(queue.submit(1, task->item, 3), la::invalid_label);
  CHECK_THROWS_AS(queue.submit(1, task->item, -1), la::invalid_label);
  CHECK_THROWS_AS(queue.submit(1, task->item, std::vector<int>{0, 1}),
                  la::invalid_label);  // single-label
  CHECK_THROWS_AS(queue.submit(2, task->item, 0), la::not_lease_holder);
  CHECK_THROWS_AS(queue.submit(1, 1, 0), la::not_lease_holder);
  CHECK(queue.checkpoint() == before);  // nothing changed

  std::string message;
  CHECK(queue.try_submit(1, task->item, std::vector<int>{7}, &message) ==
        la::SubmitStatus::invalid_label);
  CHECK(message.find("label 7") != std::string::npos);
  CHECK(message.find("'animal'") != std::string::npos);
  CHECK(queue.try_submit(2, task->item, std::vector<int>{0}, &message) ==
        la::SubmitStatus::not_lease_holder);
  CHECK(message.find("never assigned") != std::string::npos);
  CHECK(queue.checkpoint() == before);

  CHECK(queue.submit(1, task->item, 2) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, task->item, 2) == la::SubmitStatus::duplicate);  // idempotent, not counted
  const std::string after = queue.checkpoint();
  CHECK_THROWS_AS(queue.submit(1, task->item, 1), la::duplicate_submission);  // different answer
  CHECK(queue.checkpoint() == after);
  CHECK(queue.progress().tasks.accepted == 1);
  CHECK(queue.progress().tasks.duplicates == 1);
  CHECK(queue.annotations().size() == 1);

  // Expired lease, late answers rejected by policy.
  auto other = queue.next(1);
  REQUIRE(other);
  clock.advance(50ms);
  queue.expire_leases();
  const std::string expired = queue.checkpoint();
  CHECK_THROWS_AS(queue.submit(1, other->item, 0), la::lease_expired);
  CHECK_THROWS_AS(queue.skip(1, other->item), la::lease_expired);
  CHECK_THROWS_AS(queue.skip(3, other->item), la::not_lease_holder);
  CHECK_THROWS_AS(queue.skip(3, 1234), la::unknown_task);
  CHECK(queue.checkpoint() == expired);
  // Every refusal is a submission_error and a labelkit::error.
  CHECK_THROWS_AS(queue.submit(1, 99, 0), la::submission_error);
  CHECK_THROWS_AS(queue.submit(1, 99, 0), labelkit::error);

  la::TaskQueue strict({.duplicate_submissions = la::DuplicatePolicy::reject}, la::ManualClock(0));
  strict.add_tasks(iota_ids(1), strict.add_label_set(three_classes()));
  (void)strict.next(4);
  strict.submit(4, 0, 1);
  CHECK_THROWS_AS(strict.submit(4, 0, 1), la::duplicate_submission);
  CHECK(strict.progress().tasks.accepted == 1);
}

TEST_CASE("late answers are accepted only while the item needs one, never double-counted") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .lease_timeout = 100ms}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(2), set);
  auto a = queue.next(1);  // item 0
  clock.advance(100ms);
  // The lease expired but nobody else took the item: the late answer counts.
  CHECK(queue.submit(1, a->item, 0) == la::SubmitStatus::accepted_late);
  CHECK(queue.submit(1, a->item, 0) == la::SubmitStatus::duplicate);
  CHECK_FALSE(queue.next(2)->item == 0);  // item 0 is complete; 2 gets item 1

  auto b = queue.next(3);  // nothing left for 3 (item 1 leased by 2)
  CHECK_FALSE(b.has_value());
  clock.advance(100ms);    // 2's lease on 1 expires
  auto c = queue.next(3);  // 3 takes item 1
  REQUIRE(c);
  CHECK(c->item == 1);
  CHECK_THROWS_AS(queue.submit(2, 1, 1), la::lease_expired);  // the item's one slot is 3's
  CHECK(queue.submit(3, 1, 2) == la::SubmitStatus::accepted);
  CHECK_THROWS_AS(queue.submit(2, 1, 1), la::lease_expired);
  const auto progress = queue.progress();
  CHECK(progress.tasks.accepted == 2);
  CHECK(progress.tasks.accepted_late == 1);
  CHECK(progress.tasks.complete == 2);
  CHECK(queue.annotations().size() == 2);
}

TEST_CASE("hidden gold: served at the configured rate, indistinguishable, scored per annotator") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .gold_rate = 0.2, .seed = 11}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(4000), set);
  const Ids gold_items = iota_ids(200, 100000);
  std::vector<int> gold_answers(gold_items.size());
  for (std::size_t i = 0; i < gold_answers.size(); ++i) gold_answers[i] = static_cast<int>(i % 3);
  queue.add_gold(gold_items, set, gold_answers);

  int gold_seen = 0, total = 0;
  for (int round = 0; round < 500; ++round) {
    auto task = queue.next(7);
    REQUIRE(task);
    ++total;
    // Only the item id tells them apart here; payload and label set are the same kind of thing.
    CHECK(task->data.is_null());
    CHECK(task->label_set->from_name() == "animal");
    const bool gold = task->item >= 100000;
    gold_seen += gold;
    const int answer = gold ? gold_answers[static_cast<std::size_t>(task->item - 100000)] : 0;
    queue.submit(7, task->item, gold && round % 4 == 0 ? (answer + 1) % 3 : answer);
  }
  CHECK(std::abs(gold_seen / static_cast<double>(total) - 0.2) < 0.05);
  const auto figures = queue.progress().annotators.at(0);
  CHECK(figures.gold_answered == gold_seen);
  CHECK(figures.gold_correct < gold_seen);
  CHECK(figures.gold_accuracy() > 0.6);
  CHECK(queue.gold_annotations().size() == static_cast<std::size_t>(gold_seen));
  CHECK(queue.regular_annotations().size() == static_cast<std::size_t>(total - gold_seen));
  CHECK(queue.gold_labels().size() == 200);
  CHECK(queue.progress().tasks.gold == 200);

  // The same seed gives the same gold draws.
  la::TaskQueue twin({.overlap = 1, .gold_rate = 0.2, .seed = 11}, la::ManualClock(0));
  twin.add_tasks(iota_ids(4000), twin.add_label_set(three_classes()));
  twin.add_gold(gold_items, 0, gold_answers);
  la::TaskQueue again({.overlap = 1, .gold_rate = 0.2, .seed = 11}, la::ManualClock(0));
  again.add_tasks(iota_ids(4000), again.add_label_set(three_classes()));
  again.add_gold(gold_items, 0, gold_answers);
  for (int i = 0; i < 100; ++i) CHECK(twin.next(3)->item == again.next(3)->item);
}

TEST_CASE("gold items go to every annotator once and never block completion") {
  la::TaskQueue queue({.overlap = 1, .gold_rate = 1.0}, la::ManualClock(0));
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(3), set);
  queue.add_gold(50, set, std::vector<int>{1});
  for (const Eigen::Index annotator : {1, 2}) {
    auto task = queue.next(annotator);
    CHECK(task->item == 50);  // rate 1: gold first
    queue.submit(annotator, task->item, 1);
  }
  CHECK(queue.next(1)->item == 0);  // gold exhausted for 1: regular work
  CHECK_FALSE(queue.finished());
  CHECK(queue.progress().annotators[0].gold_correct == 1);
}

TEST_CASE("multi-label tasks: any subset, canonical order, per-class binary annotations") {
  la::TaskQueue queue({.overlap = 2}, la::ManualClock(0));
  const int topics = queue.add_label_set(la::LabelSet(
      std::vector<std::string>{"sport", "politics", "science"},
      {.type = la::AnnotationType::multi_label, .from_name = "topics", .to_name = "text"}));
  queue.add_task(1, topics, nlohmann::json{{"text", "A match in parliament"}}, 1.0);
  auto a = queue.next(1);
  CHECK(a->data["text"] == "A match in parliament");
  CHECK(a->label_set->type() == la::AnnotationType::multi_label);
  CHECK(queue.submit(1, 1, std::vector<int>{1, 0}) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, 1, std::vector<int>{0, 1}) == la::SubmitStatus::duplicate);  // same set
  CHECK_THROWS_AS(queue.submit(1, 1, std::vector<int>{0, 0}), la::invalid_label);
  (void)queue.next(2);
  CHECK(queue.submit(2, 1, std::vector<int>{}) == la::SubmitStatus::accepted);  // none apply
  CHECK(queue.annotations().empty());  // single-label export only
  const auto sport = queue.class_annotations(topics, 0);
  REQUIRE(sport.size() == 2);
  CHECK(sport[0] == labelkit::Annotation{1, 1, 1});
  CHECK(sport[1] == labelkit::Annotation{1, 2, 0});
  CHECK(queue.export_tasks().tasks[0].annotations[0].labels == std::vector<int>{0, 1});
  CHECK_THROWS_AS((void)queue.class_annotations(topics, 3), labelkit::invalid_argument);
}

TEST_CASE("typed payloads convert through nlohmann") {
  la::TaskQueue queue({}, la::ManualClock(0));
  const int set = queue.add_label_set(three_classes());
  queue.add_task(5, set, std::map<std::string, int>{{"width", 640}});
  queue.add_task(6, set, std::string("https://example.org/6.png"));
  CHECK(queue.next(1)->data["width"] == 640);
  CHECK(queue.next(1)->data.get<std::string>() == "https://example.org/6.png");
}

TEST_CASE("bad arguments are refused with labelkit errors naming them") {
  CHECK_THROWS_AS(la::TaskQueue({.overlap = 0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(la::TaskQueue({.gold_rate = 1.5}), labelkit::invalid_argument);
  CHECK_THROWS_AS(la::TaskQueue({.lease_timeout = -1ms}), labelkit::invalid_argument);
  la::TaskQueue queue({}, la::ManualClock(0));
  CHECK_THROWS_AS(queue.add_label_set(la::LabelSet(std::vector<std::string>{}, {.from_name = "x"})),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(
      queue.add_label_set(la::LabelSet(std::vector<std::string>{"a", "a"}, {.from_name = "x"})),
      labelkit::invalid_argument);
  const int set = queue.add_label_set(three_classes());
  CHECK(queue.add_label_set(three_classes()) == set);  // the same set again
  CHECK_THROWS_AS(
      queue.add_label_set(la::LabelSet(std::vector<std::string>{"cat"}, {.from_name = "animal"})),
      labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_tasks(Ids{1, 2}, 5), labelkit::invalid_argument);
  queue.add_tasks(Ids{1, 2}, set);
  try {
    queue.add_tasks(Ids{3, 4, 2}, set);
    FAIL("expected an error");
  } catch (const labelkit::invalid_argument& e) {
    CHECK(std::string(e.what()) == "labelkit: add_tasks(): item 2 (position 2) already exists");
  }
  CHECK(queue.size() == 2);  // all-or-nothing: 3 and 4 were not added
  CHECK_THROWS_AS(queue.add_tasks(Ids{3, 3}, set), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_tasks(Ids{-3}, set), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_tasks(Ids{3}, set, std::vector<double>{INFINITY}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_gold(Ids{7}, set, std::vector<int>{3}), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_gold(Ids{7}, set, std::vector<int>{}), labelkit::dimension_mismatch);
  CHECK_THROWS_AS((void)queue.next(-1), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_prediction(99, {"m", 0.5, {0}}), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_prediction(1, {"m", 0.5, {4}}), labelkit::invalid_argument);
  CHECK(queue.size() == 2);
}

TEST_CASE("export_tasks and import_tasks carry answers, gold and predictions") {
  la::ManualClock clock(5000);
  la::TaskQueue queue({.overlap = 2, .gold_rate = 0.5, .seed = 1}, clock);
  const int set = queue.add_label_set(three_classes());
  queue.add_tasks(iota_ids(6), set, std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
  queue.add_gold(Ids{100, 101}, set, std::vector<int>{2, 1});
  queue.add_prediction(3, {"lr-v1", 0.75, {1}});
  for (const Eigen::Index annotator : {1, 2, 3}) {
    for (int i = 0; i < 3; ++i) {
      auto task = queue.next(annotator);
      if (!task) break;
      clock.advance(1234ms);
      queue.submit(annotator, task->item, static_cast<int>((task->item + annotator) % 3));
    }
  }
  const la::TaskSet exported = queue.export_tasks();
  la::TaskQueue copy({.overlap = 2}, la::ManualClock(0));
  copy.import_tasks(exported);
  CHECK(copy.export_tasks() == exported);
  CHECK(copy.annotations() == queue.annotations());
  CHECK(copy.gold_annotations() == queue.gold_annotations());
  CHECK(copy.progress().tasks.complete == queue.progress().tasks.complete);
  // Importing twice is refused and changes nothing.
  CHECK_THROWS_AS(copy.import_tasks(exported), labelkit::invalid_argument);
  CHECK(copy.export_tasks() == exported);
  la::TaskSet twice = exported;
  twice.tasks[0].annotations = {la::AnnotationRecord{9, {0}}, la::AnnotationRecord{9, {1}}};
  la::TaskQueue other({}, la::ManualClock(0));
  CHECK_THROWS_AS(other.import_tasks(twice), labelkit::invalid_argument);
  CHECK(other.size() == 0);
}
