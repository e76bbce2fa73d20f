#include <doctest/doctest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/label_studio_regions.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/core/regions.hpp"

using labelkit::AnnotatedItem;
using labelkit::BoxAnnotation;
using labelkit::LabelSet;
using labelkit::SpanAnnotation;
using labelkit::annotation::read_label_studio_regions;
using labelkit::annotation::RegionTasks;
using labelkit::annotation::write_label_studio_regions;

namespace {

LabelSet lsregions_ner() {
  return LabelSet({"PER", "LOC"}, {.from_name = "ner", .to_name = "text"});
}
LabelSet lsregions_cars() {
  return LabelSet({"car", "bus"}, {.from_name = "box", .to_name = "image"});
}

RegionTasks<> lsregions_read(const std::string& text, const LabelSet& set) {
  std::istringstream in(text);
  return read_label_studio_regions(in, set);
}

// A Label Studio NER export: annotator 7 marks two entities, annotator 9 marks none (kept as a
// reader), annotator 4's annotation is cancelled, and a result of another control is skipped.
const char* const lsregions_ner_export = R"([
 {"id": 3, "data": {"text": "John lives in New York"}, "annotations": [
   {"id": 1, "completed_by": 7, "was_cancelled": false, "result": [
     {"id": "a", "from_name": "ner", "to_name": "text", "type": "labels",
      "value": {"start": 0, "end": 4, "text": "John", "labels": ["PER"]}},
     {"id": "b", "from_name": "sentiment", "to_name": "text", "type": "choices",
      "value": {"choices": ["positive"]}},
     {"id": "c", "from_name": "ner", "to_name": "text", "type": "labels",
      "value": {"start": 14, "end": 22, "labels": ["LOC"]}}]},
   {"id": 2, "completed_by": {"id": 9}, "result": []},
   {"id": 3, "completed_by": 4, "was_cancelled": true, "result": [
     {"id": "d", "from_name": "ner", "to_name": "text", "type": "labels",
      "value": {"start": 0, "end": 4, "labels": ["LOC"]}}]}]},
 {"id": 5, "data": {"text": "Nobody here"}}
])";

}  // namespace

TEST_CASE("read_label_studio_regions reads labels results, readers and payloads") {
  const auto r = lsregions_read(lsregions_ner_export, lsregions_ner());
  CHECK(r.items == std::vector<labelkit::Index>{3, 5});
  CHECK(r.data[0]["text"] == "John lives in New York");
  CHECK(r.annotated == std::vector<AnnotatedItem>{{3, 7}, {3, 9}});
  CHECK(r.spans == std::vector<SpanAnnotation>{{3, 7, 0, 4, 0}, {3, 7, 14, 22, 1}});
  CHECK(r.boxes.empty());
}

TEST_CASE("Label Studio regions: write -> read -> write is byte-identical, records equal") {
  RegionTasks<> t;
  t.items = {10, 11};
  t.data = {nlohmann::json{{"image", "/data/10.png"}}, nlohmann::json{{"image", "/data/11.png"}}};
  t.annotated = {{10, 2}, {10, 1}, {11, 1}};
  t.boxes = {{10, 1, 12.5, 20, 30, 15, 0},
             {10, 2, 0.1, 0.2, 99.7, 99.6, 1},
             {10, 1, 1.0 / 3, 2.0 / 3, 10, 10, 1}};
  std::ostringstream first;
  write_label_studio_regions(first, t, lsregions_cars());
  const auto back = lsregions_read(first.str(), lsregions_cars());
  CHECK(back.items == t.items);
  CHECK(back.data == t.data);
  CHECK(back.annotated == t.annotated);
  // Boxes come back grouped by task and answer: annotator 2's first (its answer is first).
  CHECK(back.boxes == std::vector<BoxAnnotation>{t.boxes[1], t.boxes[0], t.boxes[2]});
  std::ostringstream second;
  write_label_studio_regions(second, back, lsregions_cars());
  CHECK(second.str() == first.str());

  const auto ner = lsregions_read(lsregions_ner_export, lsregions_ner());
  std::ostringstream a;
  write_label_studio_regions(a, ner, lsregions_ner());
  const auto again = lsregions_read(a.str(), lsregions_ner());
  CHECK(again.spans == ner.spans);
  CHECK(again.annotated == ner.annotated);
  std::ostringstream b;
  write_label_studio_regions(b, again, lsregions_ner());
  CHECK(b.str() == a.str());
}

TEST_CASE("read_label_studio_regions refuses hostile numbers, naming the JSON path") {
  const auto ner = [](const std::string& value) {
    return R"([{"id": 1, "data": {"text": "x"}, "annotations": [{"completed_by": 7, "result": [
      {"from_name": "ner", "to_name": "text", "type": "labels", "value": )" +
           value + "}]}]}]";
  };
  const auto box = [](const std::string& value) {
    return R"([{"id": 1, "data": {"image": "x"}, "annotations": [{"completed_by": 7, "result": [
      {"from_name": "box", "to_name": "image", "type": "rectanglelabels", "value": )" +
           value + "}]}]}]";
  };
  CHECK_THROWS_WITH_AS(
      lsregions_read(ner(R"({"start": 9, "end": 3, "labels": ["PER"]})"), lsregions_ner()),
      "labelkit: read_label_studio_regions(): at /0/annotations/0/result/0/value/end: span end 3 "
      "is not after its start 9",
      labelkit::parse_error);
  for (const char* bad : {R"({"start": 3, "end": 3, "labels": ["PER"]})",
                          R"({"start": -1, "end": 3, "labels": ["PER"]})",
                          R"({"start": 1.5, "end": 3, "labels": ["PER"]})",
                          R"({"start": "/p[1]", "end": 3, "labels": ["PER"]})",
                          R"({"start": 0, "end": 1e999, "labels": ["PER"]})",
                          R"({"start": 0, "end": 3, "labels": ["ORG"]})",
                          R"({"start": 0, "end": 3, "labels": "PER"})",
                          R"({"start": 0, "labels": ["PER"]})", R"([0, 3])"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(lsregions_read(ner(bad), lsregions_ner()), labelkit::parse_error);
  }
  CHECK_THROWS_WITH_AS(
      lsregions_read(box(R"({"x": 1, "y": 1, "width": -5, "height": 3, "rectanglelabels":
                          ["car"]})"),
                     lsregions_cars()),
      "labelkit: read_label_studio_regions(): at /0/annotations/0/result/0/value: a box needs "
      "width > 0 and height > 0 (got -5 and 3)",
      labelkit::parse_error);
  for (const char* bad :
       {R"({"x": 1, "y": 1, "width": 0, "height": 3, "rectanglelabels": ["car"]})",
        R"({"x": 1e999, "y": 1, "width": 2, "height": 3, "rectanglelabels": ["car"]})",
        R"({"x": -1e999, "y": 1, "width": 2, "height": 3, "rectanglelabels": ["car"]})",
        R"({"x": 1.7e308, "y": 1, "width": 1.7e308, "height": 3, "rectanglelabels": ["car"]})",
        R"({"x": "1", "y": 1, "width": 2, "height": 3, "rectanglelabels": ["car"]})",
        R"({"x": 1, "y": 1, "width": 2, "height": 3, "rotation": 30, "rectanglelabels": ["car"]})",
        R"({"x": 1, "y": 1, "width": 2, "height": 3, "rectanglelabels": ["plane"]})",
        R"({"x": 1, "y": 1, "width": 2, "rectanglelabels": ["car"]})"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(lsregions_read(box(bad), lsregions_cars()), labelkit::parse_error);
  }
  // NaN and Infinity are not JSON.
  CHECK_THROWS_AS(
      lsregions_read(box(R"({"x": NaN, "y": 1, "width": 2, "height": 3, "rectanglelabels": []})"),
                     lsregions_cars()),
      labelkit::parse_error);
  // Structure: repeated task ids, an annotator answering twice, non-objects.
  CHECK_THROWS_AS(
      lsregions_read(R"([{"id": 1, "data": {}}, {"id": 1, "data": {}}])", lsregions_cars()),
      labelkit::parse_error);
  CHECK_THROWS_AS(lsregions_read(R"([{"id": 1, "data": {}, "annotations": [
      {"completed_by": 7, "result": []}, {"completed_by": 7, "result": []}]}])",
                                 lsregions_cars()),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsregions_read(R"([{"id": 1, "data": []}])", lsregions_cars()),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsregions_read(R"([7])", lsregions_cars()), labelkit::parse_error);
  CHECK_THROWS_AS(lsregions_read(R"({"id": 1})", lsregions_cars()), labelkit::parse_error);
  CHECK_THROWS_AS(lsregions_read(R"([{"id": 1, "data": {}, "annotations": [
      {"completed_by": -3, "result": []}]}])",
                                 lsregions_cars()),
                  labelkit::parse_error);
}

TEST_CASE("write_label_studio_regions refuses inconsistent tasks") {
  RegionTasks<> t;
  t.items = {1};
  t.data = {nlohmann::json::object()};
  t.annotated = {{1, 7}};
  t.spans = {{1, 7, 0, 3, 0}};
  std::ostringstream out;
  CHECK_NOTHROW(write_label_studio_regions(out, t, lsregions_ner()));
  auto u = t;
  u.spans = {{1, 8, 0, 3, 0}};  // annotator 8 gave no answer
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.spans = {{1, 7, 3, 0, 0}};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.annotated = {{1, 7}, {1, 7}};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.annotated = {{2, 7}};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.items = {1, 1};
  u.data = {nlohmann::json::object(), nlohmann::json::object()};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.data = {nlohmann::json::array()};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
  u = t;
  u.data.clear();
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()),
                  labelkit::dimension_mismatch);
  u = t;
  u.boxes = {{1, 7, 0, 0, std::numeric_limits<double>::infinity(), 1, 0}};
  CHECK_THROWS_AS(write_label_studio_regions(out, u, lsregions_ner()), labelkit::invalid_argument);
}
