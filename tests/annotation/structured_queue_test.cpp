// Pairwise, span and box answers in the task queue: leases, the submission rules, gold,
// checkpoints (restore equals live), the version 1 format, and concurrent submissions.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/journal.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"

namespace la = labelkit::annotation;
using namespace std::chrono_literals;

namespace {

la::LabelSet structured_pairwise_set() {
  return la::LabelSet({"left", "right"}, {.from_name = "pw", .to_name = "text1,text2"});
}
la::LabelSet structured_ner_set() {
  return la::LabelSet({"PER", "LOC", "ORG"}, {.from_name = "ner", .to_name = "text"});
}
la::LabelSet structured_box_set() {
  return la::LabelSet({"car", "person"}, {.from_name = "box", .to_name = "image"});
}

/// checkpoint() of `queue`, restored into a fresh queue, checkpointed again.
std::string structured_reloaded(const la::TaskQueue& queue) {
  la::TaskQueue loaded({}, la::ManualClock(0));
  loaded.restore_text(queue.checkpoint());
  return loaded.checkpoint();
}

}  // namespace

TEST_CASE("pairwise tasks: lease, submit a Winner, duplicates, comparisons()") {
  la::ManualClock clock(1000);
  la::TaskQueue queue({.overlap = 2, .lease_timeout = 60s}, clock);
  const int pw = queue.add_label_set(structured_pairwise_set(), la::AnswerKind::pairwise);
  CHECK(queue.answer_kind(pw) == la::AnswerKind::pairwise);
  CHECK(queue.add_label_set(structured_pairwise_set(), la::AnswerKind::pairwise) == pw);
  CHECK_THROWS_AS(queue.add_label_set(structured_pairwise_set()), labelkit::invalid_argument);
  queue.add_pairwise_task(100, pw, 31, 8, nlohmann::json{{"text1", "a"}, {"text2", "b"}});
  queue.add_pairwise_task(101, pw, 8, 5);
  CHECK_THROWS_AS(queue.add_pairwise_task(102, pw, 4, 4), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_pairwise_task(102, pw, -1, 4), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_pairwise_task(100, pw, 1, 2), labelkit::invalid_argument);
  const Eigen::Index items[] = {103};
  CHECK_THROWS_AS(queue.add_tasks(items, pw), labelkit::invalid_argument);
  CHECK(queue.size() == 2);

  auto a = queue.next(1);
  REQUIRE(a);
  CHECK(a->item == 100);
  CHECK(a->kind == la::AnswerKind::pairwise);
  CHECK(a->left == 31);
  CHECK(a->right == 8);
  CHECK(a->data["text1"] == "a");
  // A class answer on a pairwise task is an invalid label; the queue is unchanged.
  CHECK_THROWS_AS(queue.submit(1, 100, 0), la::invalid_label);
  CHECK(queue.try_submit(1, 100, static_cast<labelkit::Winner>(7)) ==
        la::SubmitStatus::invalid_label);
  CHECK(queue.submit(1, 100, labelkit::Winner::left) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, 100, labelkit::Winner::left) == la::SubmitStatus::duplicate);
  CHECK_THROWS_AS(queue.submit(1, 100, labelkit::Winner::right), la::duplicate_submission);
  CHECK_THROWS_AS(queue.submit(2, 100, labelkit::Winner::right), la::not_lease_holder);
  auto b = queue.next(2);
  REQUIRE(b);
  CHECK(b->item == 100);
  CHECK(queue.submit(2, 100, labelkit::Winner::tie) == la::SubmitStatus::accepted);
  auto c = queue.next(1);
  REQUIRE(c);
  CHECK(c->item == 101);
  CHECK(queue.submit(1, 101, labelkit::Winner::right) == la::SubmitStatus::accepted);

  const std::vector<labelkit::Comparison> expected = {{1, 31, 8, labelkit::Winner::left},
                                                      {2, 31, 8, labelkit::Winner::tie},
                                                      {1, 8, 5, labelkit::Winner::right}};
  CHECK(queue.comparisons(pw) == expected);
  CHECK(queue.progress().tasks.accepted == 3);
  CHECK(queue.progress().tasks.duplicates == 1);
  CHECK(queue.progress().tasks.complete == 1);
  // The class accessors refuse a pairwise set, and skip it when listing every set.
  CHECK_THROWS_AS((void)queue.answer_set(pw), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)queue.class_annotations(pw, 0), labelkit::invalid_argument);
  CHECK(queue.annotations().empty());
  CHECK_THROWS_AS((void)queue.spans(pw), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)queue.export_tasks(), labelkit::invalid_argument);
  CHECK(structured_reloaded(queue) == queue.checkpoint());
}

TEST_CASE("pairwise gold: served at gold_rate, scored, and listed by gold_comparisons()") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .gold_rate = 1.0, .seed = 3}, clock);
  const int pw = queue.add_label_set(structured_pairwise_set(), la::AnswerKind::pairwise);
  queue.add_pairwise_task(1, pw, 10, 11);
  queue.add_pairwise_gold(2, pw, 10, 12, labelkit::Winner::right);
  CHECK_THROWS_AS(queue.add_pairwise_gold(3, pw, 10, 12, static_cast<labelkit::Winner>(3)),
                  labelkit::invalid_argument);
  const std::vector<labelkit::Comparison> gold = {{-1, 10, 12, labelkit::Winner::right}};
  CHECK(queue.gold_comparisons(pw) == gold);
  CHECK(queue.gold_labels().empty());
  for (const Eigen::Index annotator : {7, 8}) {
    auto task = queue.next(annotator);
    REQUIRE(task);
    CHECK(task->item == 2);  // gold_rate 1: the gold task first
    CHECK(queue.submit(annotator, 2,
                       annotator == 7 ? labelkit::Winner::right : labelkit::Winner::left) ==
          la::SubmitStatus::accepted);
  }
  const auto figures = queue.progress().annotators;
  REQUIRE(figures.size() == 2);
  CHECK(figures[0].gold_answered == 1);
  CHECK(figures[0].gold_correct == 1);
  CHECK(figures[1].gold_answered == 1);
  CHECK(figures[1].gold_correct == 0);
  CHECK(structured_reloaded(queue) == queue.checkpoint());
  la::TaskQueue loaded({}, la::ManualClock(0));
  loaded.restore_text(queue.checkpoint());
  CHECK(loaded.progress().annotators[0].gold_correct == 1);
  CHECK(loaded.progress().annotators[1].gold_correct == 0);
  CHECK(loaded.comparisons(pw) == queue.comparisons(pw));
}

TEST_CASE("span tasks: any number of spans, order-free duplicates, spans() with its readers") {
  la::ManualClock clock(5000);
  la::TaskQueue queue({.overlap = 2}, clock);
  const int ner = queue.add_label_set(structured_ner_set(), la::AnswerKind::spans);
  const Eigen::Index items[] = {0, 1};
  queue.add_tasks(items, ner);
  const std::vector<la::SpanRegion> one = {{14, 22, 1}, {0, 4, 0}};
  const std::vector<la::SpanRegion> one_sorted = {{0, 4, 0}, {14, 22, 1}};
  const std::vector<la::SpanRegion> none;
  REQUIRE(queue.next(1));
  REQUIRE(queue.next(2));
  CHECK(queue.next(1)->kind == la::AnswerKind::spans);
  CHECK(queue.submit(1, 0, one) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, 0, one_sorted) == la::SubmitStatus::duplicate);
  CHECK_THROWS_AS(queue.submit(1, 0, none), la::duplicate_submission);
  // Invalid spans are refused, naming the problem; the queue is unchanged.
  const std::vector<la::SpanRegion> empty_span = {{3, 3, 0}};
  const std::vector<la::SpanRegion> bad_label = {{0, 3, 3}};
  const std::vector<la::SpanRegion> twice = {{0, 3, 1}, {0, 3, 1}};
  std::string message;
  CHECK(queue.try_submit(2, 0, empty_span, &message) == la::SubmitStatus::invalid_label);
  CHECK(message.find("span 0 has offsets [3, 3)") != std::string::npos);
  CHECK(queue.try_submit(2, 0, bad_label, &message) == la::SubmitStatus::invalid_label);
  CHECK(queue.try_submit(2, 0, twice, &message) == la::SubmitStatus::invalid_label);
  CHECK(message.find("more than once") != std::string::npos);
  const std::vector<la::BoxRegion> a_box = {{0, 0, 1, 1, 0}};
  CHECK(queue.try_submit(2, 0, a_box, &message) == la::SubmitStatus::invalid_label);
  CHECK(message.find("takes spans answers") != std::string::npos);
  CHECK(queue.submit(2, 0, none) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, 1, std::vector<la::SpanRegion>{{5, 9, 2}}) == la::SubmitStatus::accepted);

  const auto s = queue.spans(ner);
  CHECK(s.label_set == structured_ner_set());
  const std::vector<labelkit::SpanAnnotation> spans = {
      {0, 1, 0, 4, 0}, {0, 1, 14, 22, 1}, {1, 1, 5, 9, 2}};
  const std::vector<labelkit::AnnotatedItem> annotated = {{0, 1}, {0, 2}, {1, 1}};
  CHECK(s.spans == spans);
  CHECK(s.annotated == annotated);
  CHECK_THROWS_AS((void)queue.boxes(ner), labelkit::invalid_argument);
  CHECK_THROWS_AS(queue.add_prediction(0, {"m", 0.5, {0}}), labelkit::invalid_argument);
  CHECK(structured_reloaded(queue) == queue.checkpoint());
  la::TaskQueue loaded({}, la::ManualClock(0));
  loaded.restore_text(queue.checkpoint());
  CHECK(loaded.spans(ner).spans == spans);
  CHECK(loaded.spans(ner).annotated == annotated);
  // The restored queue keeps the rules: a repeat is a duplicate; item 1 still needs an answer.
  CHECK(loaded.submit(1, 0, one) == la::SubmitStatus::duplicate);
  REQUIRE(loaded.next(2)->item == 1);
  CHECK(loaded.submit(2, 1, none) == la::SubmitStatus::accepted);
  CHECK(loaded.finished());
}

TEST_CASE("span gold: an answer is gold-correct when its spans equal the gold spans") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .gold_rate = 1.0}, clock);
  const int ner = queue.add_label_set(structured_ner_set(), la::AnswerKind::spans);
  const std::vector<la::SpanRegion> gold = {{6, 9, 1}, {0, 5, 0}};
  queue.add_task(49, ner);  // gold is served while a regular task is open
  queue.add_gold(50, ner, std::span<const la::SpanRegion>(gold));
  CHECK_THROWS_AS(queue.add_gold(51, ner, std::span<const la::BoxRegion>()),
                  labelkit::invalid_argument);
  const int classes[] = {0};
  CHECK_THROWS_AS(queue.add_gold(51, ner, std::span<const int>(classes)),
                  labelkit::invalid_argument);
  REQUIRE(queue.next(1));
  REQUIRE(queue.next(2));
  CHECK(queue.submit(1, 50, std::vector<la::SpanRegion>{{0, 5, 0}, {6, 9, 1}}) ==
        la::SubmitStatus::accepted);
  CHECK(queue.submit(2, 50, std::vector<la::SpanRegion>{{0, 5, 0}}) == la::SubmitStatus::accepted);
  auto figures = queue.progress().annotators;
  CHECK(figures[0].gold_correct == 1);
  CHECK(figures[1].gold_correct == 0);
  la::TaskQueue loaded({}, la::ManualClock(0));
  loaded.restore_text(queue.checkpoint());
  figures = loaded.progress().annotators;
  CHECK(figures[0].gold_correct == 1);
  CHECK(figures[1].gold_correct == 0);
  CHECK(loaded.checkpoint() == queue.checkpoint());
}

TEST_CASE("box tasks: leases expire, late answers follow the policy, boxes() and restore") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 1, .lease_timeout = 10s}, clock);
  const int box = queue.add_label_set(structured_box_set(), la::AnswerKind::boxes);
  queue.add_task(7, box, nlohmann::json{{"image", "/data/7.png"}});
  queue.add_task(8, box);
  const std::vector<la::BoxRegion> drawn = {{12.5, 20, 30, 15, 0}, {1, 2, 3, 4, 1}};
  REQUIRE(queue.next(1)->item == 7);
  clock.advance(11s);  // the lease expires: item 7 returns to the queue
  REQUIRE(queue.next(2)->item == 7);
  // Annotator 1's late answer is refused: the item has all its answers leased.
  CHECK_THROWS_AS(queue.submit(1, 7, drawn), la::lease_expired);
  CHECK(queue.submit(2, 7, drawn) == la::SubmitStatus::accepted);
  const std::vector<la::BoxRegion> infinite = {{1e308, 0, 1e308, 1, 0}};
  const std::vector<la::BoxRegion> flat = {{0, 0, 5, 0, 0}};
  REQUIRE(queue.next(3)->item == 8);
  CHECK(queue.try_submit(3, 8, infinite) == la::SubmitStatus::invalid_label);
  CHECK(queue.try_submit(3, 8, flat) == la::SubmitStatus::invalid_label);
  CHECK(queue.finished() == false);

  const auto b = queue.boxes(box);
  const std::vector<labelkit::BoxAnnotation> boxes = {{7, 2, 1, 2, 3, 4, 1},
                                                      {7, 2, 12.5, 20, 30, 15, 0}};
  CHECK(b.boxes == boxes);
  CHECK(b.annotated == std::vector<labelkit::AnnotatedItem>{{7, 2}});
  CHECK(structured_reloaded(queue) == queue.checkpoint());
  la::TaskQueue loaded({}, clock);
  loaded.restore_text(queue.checkpoint());
  CHECK(loaded.boxes(box).boxes == boxes);
  CHECK(loaded.submit(3, 8, std::vector<la::BoxRegion>{}) == la::SubmitStatus::accepted);
  CHECK(loaded.finished());
  CHECK(loaded.progress().tasks.expired == 1);
}

TEST_CASE("checkpoint versions: class-only queues write version 1, structured ones version 2") {
  la::TaskQueue classes({}, la::ManualClock(0));
  (void)classes.add_label_set(la::LabelSet({"a", "b"}));
  classes.add_task(1, 0);
  CHECK(classes.checkpoint().rfind("LABELKIT-ANNOTATION-CHECKPOINT 1 ", 0) == 0);
  la::TaskQueue mixed({}, la::ManualClock(0));
  (void)mixed.add_label_set(la::LabelSet({"a", "b"}));
  (void)mixed.add_label_set(structured_box_set(), la::AnswerKind::boxes);
  CHECK(mixed.checkpoint().rfind("LABELKIT-ANNOTATION-CHECKPOINT 2 ", 0) == 0);
  CHECK(structured_reloaded(mixed) == mixed.checkpoint());
}

TEST_CASE("a version 1 checkpoint written before answer kinds existed still restores") {
  // The body as labelkit wrote it before version 2 (one single-label set, one task with one
  // accepted answer), framed as version 1.
  const std::string body =
      R"({"format":"labelkit.annotation.checkpoint","options":{"duplicate_submissions":)"
      R"("idempotent","gold_rate":0.0,"late_submissions":"accept","lease_timeout_ms":1800000,)"
      R"("max_active_per_annotator":0,"max_tasks_per_annotator":0,"overlap":1,"seed":0},)"
      R"("label_sets":[{"classes":["cat","dog"],"name":"label","to_name":"text",)"
      R"("type":"single_label"}],"tasks":[{"item":4,"data":null,"label_set":0,"priority":0.5,)"
      R"("predictions":[],"slots":[{"annotator":3,"state":"submitted","late":false,)"
      R"("started_at":1000,"deadline":1801000,"submitted_at":2000,"labels":[1]}]}],)"
      R"("annotators":[{"annotator":3,"cap":-1,"draws":0,"assigned":1,)"
      R"("first_assigned_at":1000}],"duplicates":0})";
  la::TaskQueue queue({}, la::ManualClock(0));
  queue.restore_text(labelkit::detail::frame_checkpoint(body, 1));
  CHECK(queue.answer_kind(0) == la::AnswerKind::classes);
  REQUIRE(queue.annotations().size() == 1);
  CHECK(queue.annotations()[0].label == 1);
  CHECK(queue.finished());
  // It is written back as version 1, byte for byte.
  CHECK(queue.checkpoint() == labelkit::detail::frame_checkpoint(body, 1));
}

TEST_CASE("a journal refuses pairwise, span and box mutations instead of losing them") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("labelkit_structured_journal_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    la::TaskQueue queue({}, la::ManualClock(0));
    (void)la::recover(queue, dir / "snapshot", dir / "journal");
    CHECK_THROWS_AS(queue.add_label_set(structured_ner_set(), la::AnswerKind::spans),
                    labelkit::invalid_argument);
    CHECK_THROWS_AS((void)queue.answer_kind(0), labelkit::invalid_argument);
    // A restored checkpoint with a span set is journaled whole; answers to it are then refused
    // before anything changes.
    la::TaskQueue spans({}, la::ManualClock(0));
    const int ner = spans.add_label_set(structured_ner_set(), la::AnswerKind::spans);
    spans.add_task(1, ner);
    REQUIRE(spans.next(4));
    queue.restore_text(spans.checkpoint());
    CHECK_THROWS_AS(queue.submit(4, 1, std::vector<la::SpanRegion>{}), labelkit::invalid_argument);
    CHECK(queue.progress().tasks.accepted == 0);
    CHECK(queue.checkpoint() == spans.checkpoint());
  }
  la::TaskQueue recovered({}, la::ManualClock(0));
  (void)la::recover(recovered, dir / "snapshot", dir / "journal");
  CHECK(recovered.answer_kind(0) == la::AnswerKind::spans);
  CHECK(recovered.size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("concurrent submissions of structured answers count every answer exactly once") {
  la::TaskQueue queue({.overlap = 3});
  const int pw = queue.add_label_set(structured_pairwise_set(), la::AnswerKind::pairwise);
  const int ner = queue.add_label_set(structured_ner_set(), la::AnswerKind::spans);
  const int box = queue.add_label_set(structured_box_set(), la::AnswerKind::boxes);
  constexpr Eigen::Index per_kind = 40;
  for (Eigen::Index i = 0; i < per_kind; ++i) {
    queue.add_pairwise_task(i, pw, 1000 + i, 2000 + i);
    queue.add_task(per_kind + i, ner);
    queue.add_task(2 * per_kind + i, box);
  }
  std::atomic<int> duplicates{0};
  std::vector<std::thread> workers;
  for (Eigen::Index annotator = 0; annotator < 4; ++annotator) {
    workers.emplace_back([&, annotator] {
      while (auto task = queue.next(annotator)) {
        const auto twice = [&](auto&& submit_once) {
          CHECK(submit_once() == la::SubmitStatus::accepted);
          if (submit_once() == la::SubmitStatus::duplicate) ++duplicates;
        };
        switch (task->kind) {
          case la::AnswerKind::pairwise:
            twice([&] { return queue.submit(annotator, task->item, labelkit::Winner::left); });
            break;
          case la::AnswerKind::spans: {
            const std::vector<la::SpanRegion> spans = {{annotator, annotator + 2, 0}};
            twice([&] { return queue.submit(annotator, task->item, spans); });
            break;
          }
          case la::AnswerKind::boxes: {
            const std::vector<la::BoxRegion> boxes = {{0, 0, 1.0 + annotator, 2, 1}};
            twice([&] { return queue.submit(annotator, task->item, boxes); });
            break;
          }
          case la::AnswerKind::classes:
            break;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK(queue.finished());
  CHECK(duplicates.load() == 3 * 3 * per_kind);
  CHECK(queue.comparisons(pw).size() == 3 * per_kind);
  CHECK(queue.spans(ner).spans.size() == 3 * per_kind);
  CHECK(queue.boxes(box).boxes.size() == 3 * per_kind);
  CHECK(queue.progress().tasks.accepted == 9 * per_kind);
  CHECK(structured_reloaded(queue) == queue.checkpoint());
}
