// From the queue to the aggregators and agreement functions, one project per answer kind:
// pairwise preferences -> Bradley-Terry, spans -> span agreement and aggregation, boxes -> box
// agreement and weighted box fusion. The expected values are worked by hand in each test.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/agreement/boxes.hpp"
#include "labelkit/agreement/comparisons.hpp"
#include "labelkit/agreement/spans.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/quality/box_fusion.hpp"
#include "labelkit/quality/preferences.hpp"
#include "labelkit/quality/span_aggregation.hpp"

namespace la = labelkit::annotation;

namespace {

/// Hands every task to `annotator` and answers it with `answer(item)`.
template <class Answer>
void e2e_work(la::TaskQueue& queue, Eigen::Index annotator, const Answer& answer) {
  while (auto task = queue.next(annotator)) {
    CHECK(la::is_success(queue.submit(annotator, task->item, answer(*task))));
  }
}

}  // namespace

TEST_CASE("end to end: an RLHF preference project into Bradley-Terry") {
  la::TaskQueue queue({.overlap = 3});
  const int pw = queue.add_label_set(la::LabelSet({"left", "right"}, {.from_name = "pw"}),
                                     la::AnswerKind::pairwise);
  queue.add_pairwise_task(0, pw, 31, 8);  // is response 31 better than response 8?
  // Two of three annotators prefer 31.
  e2e_work(queue, 1, [](const la::Assignment&) { return labelkit::Winner::left; });
  e2e_work(queue, 2, [](const la::Assignment&) { return labelkit::Winner::left; });
  e2e_work(queue, 3, [](const la::Assignment&) { return labelkit::Winner::right; });
  REQUIRE(queue.finished());
  const auto comparisons = queue.comparisons(pw);
  // Two items, 31 winning 2 of 3: the Bradley-Terry maximum-likelihood scores (normalised to
  // sum 1) solve p31 / (p31 + p8) = 2/3, so p31 = 2/3 and p8 = 1/3.
  const auto bt = labelkit::quality::bradley_terry(comparisons);
  CHECK(bt.score_of(31).value() == doctest::Approx(2.0 / 3.0).epsilon(1e-9));
  CHECK(bt.score_of(8).value() == doctest::Approx(1.0 / 3.0).epsilon(1e-9));
  CHECK(bt.ranking == std::vector<Eigen::Index>{31, 8});
}

TEST_CASE("end to end: an NER project into span agreement and span aggregation") {
  la::TaskQueue queue({.overlap = 3});
  const int ner = queue.add_label_set(la::LabelSet({"PER", "LOC"}, {.from_name = "ner"}),
                                      la::AnswerKind::spans);
  queue.add_task(0, ner, nlohmann::json{{"text", "John lives here"}});
  // Annotators 1 and 2 mark "John" as PER, annotator 3 as LOC.
  for (const Eigen::Index annotator : {1, 2, 3}) {
    const int label = annotator == 3 ? 1 : 0;
    e2e_work(queue, annotator, [label](const la::Assignment&) {
      return std::vector<la::SpanRegion>{{0, 4, label}};
    });
  }
  const auto s = queue.spans(ner);
  // Exact strict F1 per pair: (1, 2) agree, 1; (1, 3) and (2, 3) differ in label, 0. Mean 1/3.
  const auto agreement =
      labelkit::agreement::span_agreement(s.spans, s.label_set.size(), {.annotated = s.annotated});
  CHECK(agreement.mean_f1.value() == doctest::Approx(1.0 / 3.0));
  // Character-level majority vote: B-PER / I-PER win 2 to 1 on characters 0-3.
  labelkit::quality::SpanAggregationOptions options;
  options.annotated = s.annotated;
  const auto aggregated = labelkit::quality::aggregate_spans(s.spans, s.label_set.size(), options);
  REQUIRE(aggregated.spans.size() == 1);
  CHECK(aggregated.spans[0].item == 0);
  CHECK(aggregated.spans[0].start == 0);
  CHECK(aggregated.spans[0].end == 4);
  CHECK(aggregated.spans[0].label == 0);
}

TEST_CASE("end to end: an object-detection project into box agreement and box fusion") {
  la::TaskQueue queue({.overlap = 3});
  const int box =
      queue.add_label_set(la::LabelSet({"car"}, {.from_name = "box"}), la::AnswerKind::boxes);
  queue.add_task(5, box, nlohmann::json{{"image", "/data/5.png"}});
  // Annotators 1 and 2 draw the car 2 units apart; annotator 3 draws nothing.
  e2e_work(queue, 1, [](const la::Assignment&) {
    return std::vector<la::BoxRegion>{{10, 10, 20, 20, 0}};
  });
  e2e_work(queue, 2, [](const la::Assignment&) {
    return std::vector<la::BoxRegion>{{12, 10, 20, 20, 0}};
  });
  e2e_work(queue, 3, [](const la::Assignment&) { return std::vector<la::BoxRegion>{}; });
  const auto b = queue.boxes(box);
  REQUIRE(b.annotated.size() == 3);
  // IoU of the two boxes: intersection 18 x 20 = 360, union 400 + 400 - 360 = 440, 9/11.
  // Pair F1: (1, 2) 1; (1, 3) and (2, 3) 0 (annotator 3 read the image and drew nothing).
  const auto agreement =
      labelkit::agreement::box_agreement(b.boxes, b.label_set.size(), {.annotated = b.annotated});
  CHECK(agreement.mean_f1.value() == doctest::Approx(1.0 / 3.0));
  CHECK(agreement.mean_iou.value() == doctest::Approx(9.0 / 11.0));
  // Weighted box fusion, weights 1: mean corners (11, 10)-(31, 30), 2 of 3 readers.
  labelkit::quality::BoxFusionOptions options;
  options.annotated = b.annotated;
  const auto fused = labelkit::quality::fuse_boxes(b.boxes, b.label_set.size(), options);
  REQUIRE(fused.boxes.size() == 1);
  CHECK(fused.boxes[0].item == 5);
  CHECK(fused.boxes[0].x == doctest::Approx(11));
  CHECK(fused.boxes[0].y == doctest::Approx(10));
  CHECK(fused.boxes[0].width == doctest::Approx(20));
  CHECK(fused.boxes[0].height == doctest::Approx(20));
  CHECK(fused.boxes[0].consensus == doctest::Approx(2.0 / 3.0));
}
