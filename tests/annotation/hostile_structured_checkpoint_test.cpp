// Hostile checkpoints of pairwise, span and box label sets: every number from the file is
// range-checked and every size limited; the only error is labelkit::parse_error, and the queue
// that refuses a checkpoint is left unchanged.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <string>
#include <vector>

#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"

namespace la = labelkit::annotation;

namespace {

/// The body of a version 2 checkpoint holding one pairwise task (answered), one span task
/// (answered) and one box task (answered).
std::string hostile_structured_body() {
  la::TaskQueue queue({.overlap = 1}, la::ManualClock(1000));
  const int pw =
      queue.add_label_set(la::LabelSet({"l", "r"}, {.from_name = "pw"}), la::AnswerKind::pairwise);
  const int ner = queue.add_label_set(la::LabelSet({"PER", "LOC"}, {.from_name = "ner"}),
                                      la::AnswerKind::spans);
  const int box =
      queue.add_label_set(la::LabelSet({"car"}, {.from_name = "box"}), la::AnswerKind::boxes);
  queue.add_pairwise_task(1, pw, 31, 8);
  queue.add_task(2, ner);
  queue.add_task(3, box);
  (void)queue.next(9);
  (void)queue.submit(9, 1, labelkit::Winner::left);
  (void)queue.next(9);
  (void)queue.submit(9, 2, std::vector<la::SpanRegion>{{0, 4, 1}});
  (void)queue.next(9);
  (void)queue.submit(9, 3, std::vector<la::BoxRegion>{{1.5, 2, 3, 4, 0}});
  return std::string(labelkit::detail::unframe_checkpoint(queue.checkpoint(), "test"));
}

/// `body` with the first occurrence of `from` replaced by `to` (which must occur).
std::string hostile_replaced(std::string body, const std::string& from, const std::string& to) {
  const auto at = body.find(from);
  REQUIRE(at != std::string::npos);
  return body.replace(at, from.size(), to);
}

/// The parse_error message of restoring `body` framed as `version` into a queue holding one
/// task; checks that the queue is unchanged.
std::string hostile_restore(const std::string& body, int version = 2) {
  la::TaskQueue queue({}, la::ManualClock(0));
  queue.add_task(77, queue.add_label_set(la::LabelSet({"x"})));
  const std::string before = queue.checkpoint();
  std::string message;
  try {
    queue.restore_text(labelkit::detail::frame_checkpoint(body, version));
  } catch (const labelkit::parse_error& e) {
    message = e.what();
  }
  CHECK(queue.checkpoint() == before);
  return message;
}

}  // namespace

TEST_CASE("the untouched structured checkpoint restores (the baseline of the hostile cases)") {
  la::TaskQueue queue({}, la::ManualClock(0));
  queue.restore_text(labelkit::detail::frame_checkpoint(hostile_structured_body(), 2));
  CHECK(queue.size() == 3);
  CHECK(hostile_restore(hostile_structured_body(), 1)
            .find("answer kinds need checkpoint version 2") != std::string::npos);
  CHECK(hostile_restore(hostile_structured_body(), 3).find("unsupported checkpoint version 3") !=
        std::string::npos);
}

TEST_CASE("hostile structured checkpoints: kinds and pairwise items") {
  const std::string body = hostile_structured_body();
  CHECK(hostile_restore(hostile_replaced(body, R"("kind":"pairwise")", R"("kind":"ranker")"))
            .find("unknown answer kind 'ranker'") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("kind":"pairwise")", R"("kind":7)"))
            .find("expected a string") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("left":31)", R"("left":8)"))
            .find("compares item 8 with itself") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("left":31)", R"("left":-1)"))
            .find("/tasks/0/left") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("left":31)", R"("left":9223372036854775807)"))
            .find("integer out of range") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("left":31)", R"("left":1.5)"))
            .find("/tasks/0/left") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("left":31,)", "")).find("left") !=
        std::string::npos);
}

TEST_CASE("hostile structured checkpoints: pairwise answers") {
  const std::string body = hostile_structured_body();
  CHECK(hostile_restore(hostile_replaced(body, R"("labels":[0])", R"("labels":[3])"))
            .find("/tasks/0/slots/0/labels/0") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("labels":[0])", R"("labels":[4294967296])"))
            .find("integer out of range") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("labels":[0])", R"("labels":[0,1])"))
            .find("expected one winner") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, R"("labels":[0])", R"("labels":{})"))
            .find("/tasks/0/slots/0/labels") != std::string::npos);
  CHECK(hostile_restore(
            hostile_replaced(body, R"("priority":0,"left")", R"("priority":0,"gold":[2,2],"left")"))
            .find("expected one winner") != std::string::npos);
  CHECK(hostile_restore(
            hostile_replaced(body, R"("predictions":[])",
                             R"("predictions":[{"model_version":"m","score":1,"labels":[0]}])"))
            .find("has no predictions") != std::string::npos);
}

TEST_CASE("hostile structured checkpoints: spans") {
  const std::string body = hostile_structured_body();
  const std::string span = R"("spans":[[0,4,1]])";
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[4,4,1]])"))
            .find("/tasks/1/slots/0/spans/0/1") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[-1,4,1]])"))
            .find("expected an integer >= 0") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[0,4611686018427387905,1]])"))
            .find("integer out of range") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[0,4,2]])"))
            .find("/tasks/1/slots/0/spans/0/2") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[0,4]])"))
            .find("expected 3 numbers") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[0,4,1],[0,4,1]])"))
            .find("more than once") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":[[0.5,4,1]])"))
            .find("expected an integer") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("spans":"all")"))
            .find("/tasks/1/slots/0/spans") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, span, R"("labels":[1])")).find("spans") !=
        std::string::npos);
  // More regions than one answer may hold: refused by its count before any region is read.
  std::string many = R"("spans":[)";
  for (std::size_t k = 0; k <= la::max_regions_per_answer; ++k) many += k ? ",0" : "0";
  many += ']';
  CHECK(hostile_restore(hostile_replaced(body, span, many)).find("at most 65536 regions") !=
        std::string::npos);
}

TEST_CASE("hostile structured checkpoints: boxes") {
  const std::string body = hostile_structured_body();
  const std::string box = R"("boxes":[[1.5,2,3,4,0]])";
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1.5,2,0,4,0]])"))
            .find("width > 0") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1.5,2,-3,4,0]])"))
            .find("width > 0") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1e308,2,1e308,4,0]])"))
            .find("expected finite values") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1,2,1e200,1e200,0]])"))
            .find("expected finite values") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1,2,3,4,1]])"))
            .find("/tasks/2/slots/0/boxes/0/4") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1,2,3,"4",0]])"))
            .find("expected a number") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1,2,3,4,0,0]])"))
            .find("expected 5 numbers") != std::string::npos);
  CHECK(hostile_restore(hostile_replaced(body, box, R"("boxes":[[1,2,3,4,0],[1,2,3,4,0]])"))
            .find("more than once") != std::string::npos);
}
