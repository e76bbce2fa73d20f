#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/json_format.hpp"
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"

namespace la = labelkit::annotation;
using Ids = std::vector<Eigen::Index>;
using namespace std::chrono_literals;

namespace {

la::LabelSet animals() {
  return la::LabelSet(
      {"cat", "dog", "bird"},
      {.type = la::AnnotationType::single_label, .from_name = "animal", .to_name = "image"});
}

/// A queue after a small session: answers (one late), gold, predictions, priorities, payloads.
la::TaskSet session(bool with_multi_label) {
  la::ManualClock clock(1'764'315'204'123);  // 2025-11-28T07:33:24.123Z
  la::TaskQueue queue({.overlap = 2, .lease_timeout = 60s, .gold_rate = 0.3, .seed = 5}, clock);
  const int set = queue.add_label_set(animals());
  for (Eigen::Index i = 0; i < 8; ++i) {
    queue.add_task(10 + i, set,
                   nlohmann::json{{"image", "/data/" + std::to_string(10 + i) + ".png"}, {"w", 28}},
                   0.125 * static_cast<double>(i % 3));
  }
  queue.add_gold(Ids{500, 501}, set, std::vector<int>{2, 0});
  queue.add_prediction(12, {"lr-v1", 0.8125, {1}});
  queue.add_prediction(12, {"gpt-prelabel", 0.6, {2}});
  if (with_multi_label) {
    const int topics = queue.add_label_set(la::LabelSet(
        std::vector<std::string>{"a/b", "c~d", "e"},
        {.type = la::AnnotationType::multi_label, .from_name = "topics", .to_name = "text"}));
    queue.add_task(900, topics, std::string("plain text payload"), -2.5);
  }
  for (const Eigen::Index annotator : {3, 4, 5}) {
    for (int k = 0; k < 5; ++k) {
      auto task = queue.next(annotator);
      if (!task) break;
      clock.advance(std::chrono::milliseconds(1000 + 37 * k + annotator));
      if (task->label_set->type() == la::AnnotationType::multi_label) {
        queue.submit(annotator, task->item, std::vector<int>{2, 0});
      } else {
        queue.submit(annotator, task->item, static_cast<int>((task->item + annotator) % 3));
      }
    }
  }
  auto late = queue.next(6);
  clock.advance(61s);
  queue.submit(6, late->item, 1);  // accepted late
  return queue.export_tasks();
}

std::string to_json(const la::TaskSet& set) {
  std::ostringstream out;
  la::write_json(out, set);
  return out.str();
}
std::string to_jsonl(const la::TaskSet& set) {
  std::ostringstream out;
  la::write_jsonl(out, set);
  return out.str();
}
std::string to_label_studio(const la::TaskSet& set) {
  std::ostringstream out;
  la::write_label_studio(out, set);
  return out.str();
}
la::TaskSet from_json(const std::string& text) {
  std::istringstream in(text);
  return la::read_json(in);
}
la::TaskSet from_jsonl(const std::string& text) {
  std::istringstream in(text);
  return la::read_jsonl(in);
}
la::TaskSet from_label_studio(const std::string& text, const la::LabelSet& set = animals()) {
  std::istringstream in(text);
  return la::read_label_studio(in, set);
}

/// Index of the first task with an answer.
std::size_t first_answered(const la::TaskSet& set) {
  for (std::size_t t = 0; t < set.tasks.size(); ++t) {
    if (!set.tasks[t].annotations.empty()) return t;
  }
  return set.tasks.size();
}

/// The message of the parse_error `f` throws.
template <class F>
std::string parse_error_of(F&& f) {
  try {
    f();
  } catch (const labelkit::parse_error& e) {
    return e.what();
  }
  return "(no parse_error)";
}

}  // namespace

TEST_CASE("JSON: export -> import -> export is byte-identical and the sets are equal") {
  const la::TaskSet set = session(true);
  REQUIRE(set.tasks.size() == 11);
  const std::string first = to_json(set);
  const la::TaskSet back = from_json(first);
  CHECK(back == set);
  CHECK(to_json(back) == first);
  // Through a queue too: import_tasks then export_tasks.
  la::TaskQueue queue({.overlap = 2}, la::ManualClock(0));
  queue.import_tasks(back);
  CHECK(to_json(queue.export_tasks()) == first);
  // One-line form.
  std::ostringstream compact;
  la::write_json(compact, set, -1);
  CHECK(compact.str().find('\n') == compact.str().size() - 1);
  CHECK(from_json(compact.str()) == set);
}

TEST_CASE("JSON Lines: header plus one task per line, byte-identical round trip") {
  const la::TaskSet set = session(true);
  const std::string first = to_jsonl(set);
  CHECK(std::count(first.begin(), first.end(), '\n') == static_cast<long>(set.tasks.size()) + 1);
  const la::TaskSet back = from_jsonl(first);
  CHECK(back == set);
  CHECK(to_jsonl(back) == first);
  CHECK(from_jsonl(first + "\n\n") == set);  // blank lines ignored
}

TEST_CASE("malformed JSON names the path of the bad value") {
  const la::TaskSet set = session(false);
  const std::size_t k = first_answered(set);
  REQUIRE(k < set.tasks.size());
  const std::string good = to_json(set);
  nlohmann::json doc = nlohmann::json::parse(good);

  auto bad = doc;
  bad["tasks"][k]["annotations"][0]["labels"] = nlohmann::json::array({7});
  CHECK(parse_error_of([&] { (void)from_json(bad.dump()); }) ==
        "labelkit: read_json(): at /tasks/" + std::to_string(k) +
            "/annotations/0/labels: label 7 at position 0 is not in label set 'animal' (expected 0 "
            "<= label < 3)");
  bad = doc;
  bad["tasks"][1].erase("priority");
  CHECK(parse_error_of([&] { (void)from_json(bad.dump()); }) ==
        "labelkit: read_json(): at /tasks/1: missing member 'priority'");
  bad = doc;
  bad["tasks"][2]["item"] = "x";
  CHECK(parse_error_of([&] { (void)from_json(bad.dump()); }) ==
        "labelkit: read_json(): at /tasks/2/item: expected an integer (got string)");
  bad = doc;
  bad["tasks"][2]["label_set"] = "plants";
  CHECK(parse_error_of([&] {
          (void)from_json(bad.dump());
        }).find("/tasks/2/label_set: unknown label set 'plants'") != std::string::npos);
  bad = doc;
  bad["tasks"][4]["item"] = bad["tasks"][0]["item"];
  CHECK(parse_error_of([&] {
          (void)from_json(bad.dump());
        }).find("/tasks/4/item: item 10 is repeated") != std::string::npos);
  bad = doc;
  bad["format"] = "something else";
  CHECK(parse_error_of([&] { (void)from_json(bad.dump()); }).find("/format") != std::string::npos);
  bad = doc;
  bad["label_sets"][0]["classes"] = nlohmann::json::array({"cat", "cat"});
  CHECK(parse_error_of([&] {
          (void)from_json(bad.dump());
        }).find("/label_sets/0/classes/1: class 'cat' is repeated") != std::string::npos);
  bad = doc;
  bad["tasks"][k]["annotations"][0]["labels"] = nlohmann::json::array({0, 1});  // single-label
  CHECK(parse_error_of([&] { (void)from_json(bad.dump()); }).find("expected exactly 1 label") !=
        std::string::npos);
  // Not JSON at all, and truncated JSON: the byte offset.
  CHECK(parse_error_of([&] {
          (void)from_json(good.substr(0, good.size() / 2));
        }).find("invalid JSON: ") != std::string::npos);
  CHECK(parse_error_of([&] { (void)from_json(""); }).find("invalid JSON") != std::string::npos);
}

TEST_CASE("malformed JSON Lines names the line and the path within it") {
  const la::TaskSet set = session(false);
  const std::size_t k = first_answered(set);
  REQUIRE(k < set.tasks.size());
  const std::string good = to_jsonl(set);
  std::vector<std::string> lines;
  std::istringstream in(good);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto join = [](const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& p : parts) text += p + "\n";
    return text;
  };
  auto bad = lines;
  auto task = nlohmann::json::parse(bad[k + 1]);
  task["annotations"][0]["annotator"] = -3;
  bad[k + 1] = task.dump();
  CHECK(parse_error_of([&] { (void)from_jsonl(join(bad)); }) ==
        "labelkit: read_jsonl(): line " + std::to_string(k + 2) +
            ", at /annotations/0/annotator: expected an integer >= 0 (got -3)");
  bad = lines;
  bad[2] = bad[2].substr(0, 10);
  CHECK(parse_error_of([&] {
          (void)from_jsonl(join(bad));
        }).find("read_jsonl(): line 3, invalid JSON") != std::string::npos);
  CHECK(parse_error_of([&] { (void)from_jsonl(""); }) ==
        "labelkit: read_jsonl(): no header line (the input is empty)");
  bad = lines;
  bad.erase(bad.begin());  // no header: the first task is read as a header
  CHECK(parse_error_of([&] {
          (void)from_jsonl(join(bad));
        }).find("line 1, at /: missing member 'format'") != std::string::npos);
}

TEST_CASE("Label Studio: tasks with annotations, gold and predictions; byte-identical round trip") {
  const la::TaskSet set = session(false);
  const std::string first = to_label_studio(set);
  const auto doc = nlohmann::json::parse(first);
  REQUIRE(doc.is_array());
  REQUIRE(doc.size() == set.tasks.size());
  // The prediction-carrying task 12.
  const auto& t12 = doc[2];
  CHECK(t12["id"] == 12);
  CHECK(t12["data"]["image"] == "/data/12.png");
  REQUIRE(t12["predictions"].size() == 2);
  CHECK(t12["predictions"][0]["model_version"] == "lr-v1");
  CHECK(t12["predictions"][0]["score"] == 0.8125);
  const auto& result = t12["predictions"][0]["result"][0];
  CHECK(result["type"] == "choices");
  CHECK(result["from_name"] == "animal");
  CHECK(result["to_name"] == "image");
  CHECK(result["value"]["choices"] == nlohmann::json::array({"dog"}));
  CHECK(t12["meta"]["priority"] == 0.25);
  // A gold item: a ground-truth annotation without completed_by.
  const auto& gold = doc[8];
  CHECK(gold["id"] == 500);
  CHECK(gold["annotations"][0]["ground_truth"] == true);
  CHECK_FALSE(gold["annotations"][0].contains("completed_by"));
  // Annotation times: created_at is the submission time, lead_time the seconds it took.
  const std::size_t k = first_answered(set);
  REQUIRE(k < set.tasks.size());
  const auto& a = doc[k]["annotations"][0];
  CHECK(a["completed_by"] == set.tasks[k].annotations[0].annotator);
  CHECK(a["lead_time"] == static_cast<double>(set.tasks[k].annotations[0].submitted_at -
                                              set.tasks[k].annotations[0].started_at) /
                              1000.0);
  CHECK(a["created_at"].get<std::string>().rfind("2025-11-28T07:33:", 0) == 0);

  const la::TaskSet back = from_label_studio(first);
  CHECK(to_label_studio(back) == first);
  // Everything but the `late` flag survives; non-object payloads (here the gold items' null)
  // come back wrapped as {"value": payload}, since Label Studio's data must be an object.
  la::TaskSet expected = set;
  for (auto& task : expected.tasks) {
    for (auto& record : task.annotations) record.late = false;
    if (!task.data.is_object()) task.data = nlohmann::json{{"value", task.data}};
  }
  CHECK(back == expected);
  CHECK_THROWS_AS(to_label_studio(session(true)), labelkit::invalid_argument);  // two label sets
}

TEST_CASE("Label Studio: a real-style export comes back in for agreement") {
  // The shape of Label Studio's JSON export (extra members, random result ids, microsecond
  // times with an offset, a cancelled annotation, another control's result, completed_by as an
  // object in older versions).
  const std::string export_text = R"([
    {"id": 41, "data": {"image": "s3://bucket/41.png"}, "project": 3, "updated_at": "2024-05-01T10:00:00Z",
     "annotations": [
       {"id": 901, "completed_by": 7, "was_cancelled": false, "ground_truth": false,
        "created_at": "2024-05-01T10:00:05.123456Z", "lead_time": 3.5,
        "result": [{"id": "xY9_a", "from_name": "animal", "to_name": "image", "type": "choices",
                    "origin": "manual", "value": {"choices": ["dog"]}},
                   {"id": "q1", "from_name": "comment", "to_name": "image", "type": "textarea",
                    "value": {"text": ["blurry"]}}]},
       {"id": 902, "completed_by": {"id": 8, "email": "b@example.org"}, "created_at": "2024-05-01T12:00:05+02:00",
        "result": [{"id": "k2", "from_name": "animal", "to_name": "image", "type": "choices",
                    "value": {"choices": ["cat"]}}]},
       {"id": 903, "completed_by": 9, "was_cancelled": true, "result": []}],
     "predictions": [{"id": 5, "model_version": "yolo-cls-2", "score": 0.42, "created_ago": "3 days",
                      "result": [{"id": "p", "from_name": "animal", "to_name": "image", "type": "choices",
                                  "value": {"choices": ["dog"]}}]}]},
    {"data": {"image": "s3://bucket/42.png"}}
  ])";
  const la::TaskSet set = from_label_studio(export_text);
  REQUIRE(set.tasks.size() == 2);
  const auto& task = set.tasks[0];
  CHECK(task.item == 41);
  REQUIRE(task.annotations.size() == 2);  // the cancelled one is skipped
  CHECK(task.annotations[0].annotator == 7);
  CHECK(task.annotations[0].labels == std::vector<int>{1});
  // 2024-05-01T10:00:05.123Z = 1714557605123 ms since the epoch (date -d ... +%s).
  CHECK(task.annotations[0].submitted_at == 1714557605123);
  CHECK(task.annotations[0].started_at == 1714557605123 - 3500);
  CHECK(task.annotations[1].annotator == 8);
  CHECK(task.annotations[1].submitted_at == 1714557605000);  // +02:00 offset applied
  REQUIRE(task.predictions.size() == 1);
  CHECK(task.predictions[0] == la::Prediction{"yolo-cls-2", 0.42, {1}});
  CHECK(set.tasks[1].item == 1);  // no id: its position
  // Into a queue, out as labelkit::Annotation records.
  la::TaskQueue queue({.overlap = 2}, la::ManualClock(0));
  queue.import_tasks(set);
  CHECK(queue.annotations() == std::vector<labelkit::Annotation>{{41, 7, 1}, {41, 8, 0}});
  CHECK(queue.progress().tasks.complete == 1);
  // And out again in canonical form, which is then a fixed point.
  const std::string canonical = to_label_studio(set);
  CHECK(to_label_studio(from_label_studio(canonical)) == canonical);
}

TEST_CASE("Label Studio: malformed input names the path") {
  CHECK(parse_error_of([] { (void)from_label_studio(R"({"id": 1})"); }) ==
        "labelkit: read_label_studio(): at /: expected an array (got object)");
  CHECK(parse_error_of([] { (void)from_label_studio(R"([{"id": 1}])"); }) ==
        "labelkit: read_label_studio(): at /0: missing member 'data'");
  CHECK(parse_error_of([] {
          (void)from_label_studio(
              R"([{"id": 1, "data": {}, "annotations": [{"completed_by": 2, "result": [
            {"from_name": "animal", "to_name": "image", "type": "choices", "value": {"choices": ["fish"]}}]}]}])");
        }) ==
        "labelkit: read_label_studio(): at /0/annotations/0/result/0/value/choices/0: choice "
        "'fish' is not a "
        "class of label set 'animal'");
  CHECK(
      parse_error_of([] {
        (void)from_label_studio(
            R"([{"id": 1, "data": {}, "annotations": [{"completed_by": 2, "created_at": "yesterday",
            "result": [{"from_name": "animal", "type": "choices", "value": {"choices": ["cat"]}}]}]}])");
      }).find("/0/annotations/0/created_at: not an ISO 8601 time") != std::string::npos);
  CHECK(parse_error_of([] {
          (void)from_label_studio(R"([{"id": 1, "data": {}, "annotations": [{"completed_by": 2,
            "result": [{"from_name": "animal", "type": "choices", "value": {"choices": ["cat", "dog"]}}]}]}])");
        }).find("/0/annotations/0/result: label set 'animal' is single-label") !=
        std::string::npos);
  CHECK(parse_error_of([] {
          (void)from_label_studio(R"([{"id": 1, "data": {}}, {"id": 1, "data": {}}])");
        }).find("/1/id: task id 1 is repeated") != std::string::npos);
}

TEST_CASE("ISO 8601 times: format and parse agree, offsets and fractions handled") {
  for (const la::Millis t : {la::Millis{0}, la::Millis{951782400000}, la::Millis{1764315204123},
                             la::Millis{-86400001}, la::Millis{4102444800999}}) {
    la::Millis back = 0;
    REQUIRE(labelkit::detail::parse_iso8601(labelkit::detail::format_iso8601(t), back));
    CHECK(back == t);
  }
  CHECK(labelkit::detail::format_iso8601(951782400000) == "2000-02-29T00:00:00.000Z");
  la::Millis t = 0;
  CHECK(labelkit::detail::parse_iso8601("2000-02-29T01:30:00.5-01:30", t));
  CHECK(t == 951782400000 + 3 * 3600000 + 500);
  CHECK_FALSE(labelkit::detail::parse_iso8601("2000-13-01T00:00:00Z", t));
  CHECK_FALSE(labelkit::detail::parse_iso8601("2000-01-01T00:00:00Zjunk", t));
  CHECK_FALSE(labelkit::detail::parse_iso8601("2000-01-01", t));
}
