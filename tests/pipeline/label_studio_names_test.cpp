// Label Studio exports whose annotators are e-mails or user objects: interned once at import.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/label_studio_names.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"

namespace {

const char* const export_with_names = R"([
 {"id": 10, "data": {"text": "a"}, "annotations": [
   {"completed_by": "ana@example.com", "result": [{"from_name": "label", "to_name": "text",
     "type": "choices", "value": {"choices": ["cat"]}}]},
   {"completed_by": {"id": 7, "email": "bo@example.com"}, "result": [{"from_name": "label",
     "to_name": "text", "type": "choices", "value": {"choices": ["dog"]}}]},
   {"ground_truth": true, "result": [{"from_name": "label", "to_name": "text",
     "type": "choices", "value": {"choices": ["cat"]}}]}]},
 {"id": 11, "data": {"text": "b"}, "annotations": [
   {"completed_by": {"id": 3}, "result": [{"from_name": "label", "to_name": "text",
     "type": "choices", "value": {"choices": ["dog"]}}]},
   {"completed_by": 42, "result": [{"from_name": "label", "to_name": "text",
     "type": "choices", "value": {"choices": ["dog"]}}]},
   {"completed_by": "bo@example.com", "result": [{"from_name": "label", "to_name": "text",
     "type": "choices", "value": {"choices": ["cat"]}}]}]}
])";

}  // namespace

TEST_CASE("read_label_studio interns string and object annotators in order of appearance") {
  namespace la = labelkit::annotation;
  const labelkit::LabelSet set({"cat", "dog"});
  // The plain reader refuses an e-mail as completed_by.
  std::istringstream plain(export_with_names);
  CHECK_THROWS_AS((void)la::read_label_studio(plain, set), labelkit::parse_error);

  labelkit::IdNames annotators;
  std::istringstream in(export_with_names);
  const la::TaskSet tasks = la::read_label_studio(in, set, annotators);
  CHECK(annotators.names() ==
        std::vector<std::string>{"ana@example.com", "bo@example.com", "3", "42"});
  REQUIRE(tasks.tasks.size() == 2);
  const auto& first = tasks.tasks[0];
  CHECK(first.item == 10);
  REQUIRE(first.annotations.size() == 2);
  CHECK(first.annotations[0].annotator == 0);
  CHECK(first.annotations[0].labels == std::vector<int>{0});
  CHECK(first.annotations[1].annotator == 1);
  CHECK(first.annotations[1].labels == std::vector<int>{1});
  CHECK(first.gold == std::vector<int>{0});
  const auto& second = tasks.tasks[1];
  REQUIRE(second.annotations.size() == 3);
  CHECK(second.annotations[0].annotator == 2);
  CHECK(second.annotations[1].annotator == 3);
  CHECK(second.annotations[2].annotator == 1);  // bo again: the same id

  // A shared table keeps ids across exports.
  std::istringstream again(export_with_names);
  const la::TaskSet tasks_again = la::read_label_studio(again, set, annotators);
  CHECK(tasks_again == tasks);
  CHECK(annotators.size() == 4);
}

TEST_CASE("read_label_studio with names refuses unusable annotators and keeps the table") {
  namespace la = labelkit::annotation;
  const labelkit::LabelSet set({"cat", "dog"});
  labelkit::IdNames annotators;
  annotators.intern("lead@example.com");
  const auto refuses = [&](const std::string& who, const std::string& needle) {
    const std::string result =
        R"("result": [{"from_name": "label", "to_name": "text", "type": "choices",
                      "value": {"choices": ["cat"]}}])";
    const std::string text = R"([{"id": 1, "data": {}, "annotations": [{"completed_by": "x@y", )" +
                             result + "}, {\"completed_by\": " + who + ", " + result + "}]}]";
    std::istringstream in(text);
    try {
      (void)la::read_label_studio(in, set, annotators);
      FAIL("accepted");
    } catch (const labelkit::parse_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("/0/annotations/1/completed_by") != std::string::npos);
      CHECK(what.find(needle) != std::string::npos);
    }
    CHECK(annotators.names() == std::vector<std::string>{"lead@example.com"});
  };
  refuses("-1", "expected a user id");
  refuses("1.5", "expected a user id");
  refuses("null", "expected a user id");
  refuses(R"({"name": "ana"})", "user object");
  refuses(R"("")", "empty");
  refuses(R"("x@y")", "twice");  // the same annotator answers the task twice
}
