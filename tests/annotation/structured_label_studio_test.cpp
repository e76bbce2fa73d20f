// The Label Studio round trip of a queue's pairwise, span and box label sets, through the
// Pairwise and region readers and writers.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/label_studio_queue.hpp"
#include "labelkit/core/error.hpp"

namespace la = labelkit::annotation;

TEST_CASE("Label Studio round trip of a pairwise queue: export, read, import, export again") {
  la::TaskQueue queue({.overlap = 2}, la::ManualClock(1'764'315'204'123));
  const int pw =
      queue.add_label_set(la::LabelSet({"left", "right"}, {.from_name = "pref", .to_name = "a,b"}),
                          la::AnswerKind::pairwise);
  queue.add_pairwise_task(3, pw, 31, 8, nlohmann::json{{"a", "first"}, {"b", "second"}});
  queue.add_pairwise_task(4, pw, 8, 5);
  for (const Eigen::Index annotator : {1, 2}) {
    while (auto task = queue.next(annotator)) {
      (void)queue.submit(annotator, task->item,
                         annotator == 1 ? labelkit::Winner::left : labelkit::Winner::right);
    }
  }
  const auto format = la::pairwise_format(*queue.label_set(pw));
  std::ostringstream first;
  la::write_label_studio_pairwise(first, la::export_pairwise_tasks(queue, pw), format);
  CHECK(first.str().find(R"("from_name": "pref")") != std::string::npos);

  std::istringstream in(first.str());
  const auto read = la::read_label_studio_pairwise(in, format);
  la::TaskQueue copy({.overlap = 2}, la::ManualClock(0));
  const int copy_pw = copy.add_label_set(*queue.label_set(pw), la::AnswerKind::pairwise);
  la::import_pairwise_tasks(copy, copy_pw, read);
  CHECK(copy.comparisons(copy_pw) == queue.comparisons(pw));
  CHECK(copy.finished());
  CHECK(copy.progress().tasks.accepted == 4);
  std::ostringstream second;
  la::write_label_studio_pairwise(second, la::export_pairwise_tasks(copy, copy_pw), format);
  CHECK(second.str() == first.str());
  // All-or-nothing: importing the same tasks again refuses the first existing item.
  CHECK_THROWS_AS(la::import_pairwise_tasks(copy, copy_pw, read), labelkit::invalid_argument);
  CHECK(copy.size() == 2);
  CHECK_THROWS_AS((void)la::export_region_tasks(copy, copy_pw), labelkit::invalid_argument);
}

TEST_CASE("Label Studio round trip of span and box queues") {
  la::TaskQueue queue({.overlap = 2}, la::ManualClock(0));
  const la::LabelSet ner_set({"PER", "LOC"}, {.from_name = "ner", .to_name = "text"});
  const la::LabelSet box_set({"car"}, {.from_name = "box", .to_name = "image"});
  const int ner = queue.add_label_set(ner_set, la::AnswerKind::spans);
  const int box = queue.add_label_set(box_set, la::AnswerKind::boxes);
  queue.add_task(1, ner, nlohmann::json{{"text", "John lives in York"}});
  queue.add_task(2, box, nlohmann::json{{"image", "/data/2.png"}});
  for (const Eigen::Index annotator : {7, 8}) {
    while (auto task = queue.next(annotator)) {
      if (task->kind == la::AnswerKind::spans) {
        std::vector<la::SpanRegion> spans;
        if (annotator == 7) spans = {{0, 4, 0}, {14, 18, 1}};
        (void)queue.submit(annotator, task->item, spans);
      } else {
        (void)queue.submit(annotator, task->item,
                           std::vector<la::BoxRegion>{{12.5, 20, 30, 15.25, 0}});
      }
    }
  }
  for (const int set : {ner, box}) {
    const auto& label_set = set == ner ? ner_set : box_set;
    std::ostringstream first;
    la::write_label_studio_regions(first, la::export_region_tasks(queue, set), label_set);
    std::istringstream in(first.str());
    const auto read = la::read_label_studio_regions(in, label_set);
    la::TaskQueue copy({.overlap = 2}, la::ManualClock(0));
    const int copy_set = copy.add_label_set(label_set, queue.answer_kind(set));
    la::import_region_tasks(copy, copy_set, read);
    std::ostringstream second;
    la::write_label_studio_regions(second, la::export_region_tasks(copy, copy_set), label_set);
    CHECK(second.str() == first.str());
    if (set == ner) {
      CHECK(copy.spans(copy_set).spans == queue.spans(ner).spans);
      CHECK(copy.spans(copy_set).annotated == queue.spans(ner).annotated);
      // Annotator 8 marked nothing and is still a reader of item 1.
      CHECK(copy.spans(copy_set).annotated.size() == 2);
    } else {
      CHECK(copy.boxes(copy_set).boxes == queue.boxes(box).boxes);
      // Boxes cannot be imported into a span set.
      la::TaskQueue wrong({}, la::ManualClock(0));
      const int wrong_set = wrong.add_label_set(ner_set, la::AnswerKind::spans);
      CHECK_THROWS_AS(la::import_region_tasks(wrong, wrong_set, read), labelkit::invalid_argument);
      CHECK(wrong.size() == 0);
    }
    CHECK(copy.finished());
  }
}
