#pragma once
/// @file
/// Label Studio round trip for region results: character spans (`labels`, the `<Labels>` control
/// of a named-entity project) and rectangles (`rectanglelabels`, the `<RectangleLabels>`
/// control of an object-detection project), to and from labelkit::SpanAnnotation and
/// labelkit::BoxAnnotation, with who read which task.
///
/// One task of each kind:
/// @code{.json}
/// {"id": 3, "data": {"text": "John lives in New York"},
///  "annotations": [{"id": 1, "completed_by": 7, "was_cancelled": false,
///    "result": [{"id": "3-1", "from_name": "ner", "to_name": "text", "type": "labels",
///                "value": {"start": 0, "end": 4, "labels": ["PER"]}}]}]}
/// {"id": 4, "data": {"image": "/data/4.png"},
///  "annotations": [{"id": 2, "completed_by": 7, "was_cancelled": false,
///    "result": [{"id": "4-1", "from_name": "box", "to_name": "image", "type": "rectanglelabels",
///                "value": {"x": 12.5, "y": 20, "width": 30, "height": 15, "rotation": 0,
///                          "rectanglelabels": ["car"]}}]}]}
/// @endcode
///
/// Mapping: task `id` = item, `completed_by` = annotator, one SpanAnnotation / BoxAnnotation per
/// label of a result whose `from_name` is the label set's name; every non-cancelled annotation
/// is an AnnotatedItem, so a reader who marked nothing is kept. Box units are Label Studio's:
/// percentages of the image.
///
/// Reading keeps exactly what writing writes, so export -> import -> export is byte-identical.
/// Other controls' results, predictions, drafts, ground-truth annotations without
/// `completed_by` and cancelled annotations are skipped; the span's `text` is not written.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/detail/label_studio_walk.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// Tasks with region answers, as read from or written to Label Studio.
///
/// `items` and `data` are aligned (one payload per task, in file order). `annotated` lists every
/// (task, annotator) answer in file order, including those with no region; `spans` and `boxes`
/// the regions in file order.
template <class Json = nlohmann::json>
struct RegionTasks {
  std::vector<Index> items;              ///< Task ids, in file order.
  std::vector<Json> data;                ///< Each task's `data` object, aligned with `items`.
  std::vector<AnnotatedItem> annotated;  ///< Every answer (task, annotator), in file order.
  std::vector<SpanAnnotation> spans;     ///< `labels` results.
  std::vector<BoxAnnotation> boxes;      ///< `rectanglelabels` results.
};

}  // namespace annotation
namespace detail {

/// The class index of label `name` in `set`, or a parse_error at `path`.
template <class Json>
int region_label(const Json& name_value, const LabelSet& set, const std::string& path,
                 const JsonContext& context) {
  const auto name = as_string(name_value, path, context);
  for (std::size_t k = 0; k < set.names().size(); ++k) {
    if (set.names()[k] == name) return static_cast<int>(k);
  }
  bad_json(context, path, "label '", name, "' is not a class of label set '", set.from_name(), "'");
}

/// A finite number from a file, or a parse_error at `path`.
template <class Json>
double region_finite(const Json& value, const std::string& path, const JsonContext& context) {
  const double v = as_number(value, path, context);
  if (!std::isfinite(v)) bad_json(context, path, "expected a finite number (got ", v, ")");
  return v;
}

/// Appends the regions of one `result` array (annotator `annotator` on item `item`).
template <class Json>
void regions_from_result(const Json& result, const LabelSet& set, Index item, Index annotator,
                         const std::string& path, const JsonContext& context,
                         annotation::RegionTasks<Json>& out) {
  expect_array(result, path, context);
  for (std::size_t r = 0; r < result.size(); ++r) {
    const auto rp = path_of(path, r);
    const auto kind = result_type_of(result[r], rp, set.from_name(), context);
    if (!kind || (*kind != "labels" && *kind != "rectanglelabels")) continue;
    const std::string& type = *kind;
    const auto vp = path_of(rp, "value");
    const Json& value = member(result[r], "value", rp, context);
    expect_object(value, vp, context);
    const Json& names = member(value, type, vp, context);
    const auto np = path_of(vp, type);
    expect_array(names, np, context);
    if (type == "labels") {
      const auto start =
          as_count(member(value, "start", vp, context), path_of(vp, "start"), context);
      const auto end = as_count(member(value, "end", vp, context), path_of(vp, "end"), context);
      if (end <= start) {
        bad_json(context, path_of(vp, "end"), "span end ", end, " is not after its start ", start);
      }
      for (std::size_t k = 0; k < names.size(); ++k) {
        out.spans.push_back({item, annotator, static_cast<Index>(start), static_cast<Index>(end),
                             region_label(names[k], set, path_of(np, k), context)});
      }
    } else {
      const double x = region_finite(member(value, "x", vp, context), path_of(vp, "x"), context);
      const double y = region_finite(member(value, "y", vp, context), path_of(vp, "y"), context);
      const double w =
          region_finite(member(value, "width", vp, context), path_of(vp, "width"), context);
      const double h =
          region_finite(member(value, "height", vp, context), path_of(vp, "height"), context);
      if (!(w > 0) || !(h > 0) || !std::isfinite(x + w) || !std::isfinite(y + h)) {
        bad_json(context, vp, "a box needs width > 0 and height > 0 (got ", w, " and ", h, ")");
      }
      if (const Json* rotation = optional_member(value, "rotation", vp, context)) {
        if (region_finite(*rotation, path_of(vp, "rotation"), context) != 0.0) {
          bad_json(context, path_of(vp, "rotation"),
                   "rotated boxes are not supported (expected 0)");
        }
      }
      for (std::size_t k = 0; k < names.size(); ++k) {
        out.boxes.push_back(
            {item, annotator, x, y, w, h, region_label(names[k], set, path_of(np, k), context)});
      }
    }
  }
}

}  // namespace detail
namespace annotation {

/// Reads a Label Studio JSON export (an array of tasks) for the `<Labels>` or
/// `<RectangleLabels>` control described by `label_set` (its `from_name` is the control's name,
/// its classes the control's labels). `limits` bounds the document as in read_label_studio().
///
/// Every number is range-checked: span offsets are integers with 0 <= start < end; box
/// coordinates finite, width > 0, height > 0, finite right and bottom edges, rotation 0.
/// Complexity O(size of the document).
/// @throws labelkit::parse_error naming the JSON path of the first bad value (a label that is not
///   a class, a missing member, a repeated task id, an annotator answering a task twice, a
///   negative, fractional, NaN or infinite number, end <= start, a non-positive width or
///   height, a rotation) or a limit; labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] RegionTasks<Json> read_label_studio_regions(std::istream& in,
                                                          const LabelSet& label_set,
                                                          const JsonLimits& limits = {}) {
  const detail::JsonContext context{"read_label_studio_regions", "", limits};
  const Json document = detail::parse_document<Json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_array(document, "", context);
  RegionTasks<Json> out;
  std::unordered_map<Index, std::size_t> seen;
  for (std::size_t t = 0; t < document.size(); ++t) {
    const auto tp = detail::path_of("", t);
    const Json& task = document[t];
    detail::expect_object(task, tp, context);
    const Index item = detail::label_studio_task_id(task, t, tp, context, seen);
    const Json& data = detail::member(task, "data", tp, context);
    detail::expect_object(data, detail::path_of(tp, "data"), context);
    detail::check_payload(data, detail::path_of(tp, "data"), context);
    out.items.push_back(item);
    out.data.push_back(data);
    const std::size_t first_reader = out.annotated.size();
    detail::for_each_live_annotation(
        task, tp, context, [&](const Json& annotation, const std::string& p) {
          if (!detail::optional_member(annotation, "completed_by", p, context)) {
            return;  // a ground-truth annotation without an annotator
          }
          const Index annotator = detail::completed_by(annotation, p, context);
          for (std::size_t q = first_reader; q < out.annotated.size(); ++q) {
            if (out.annotated[q].annotator == annotator) {
              detail::bad_json(context, detail::path_of(p, "completed_by"), "annotator ", annotator,
                               " answers task ", item, " twice");
            }
          }
          out.annotated.push_back({item, annotator});
          detail::regions_from_result(detail::member(annotation, "result", p, context), label_set,
                                      item, annotator, detail::path_of(p, "result"), context, out);
        });
  }
  return out;
}

/// Writes `tasks` as a Label Studio task array for the control described by `label_set`: per
/// task (in `items` order) one annotation per reader (in `annotated` order), holding that
/// reader's spans as `labels` results and boxes as `rectanglelabels` results (in input order),
/// with result ids "item-n" and annotation ids 1, 2, ... in writing order.
///
/// Complexity O(T + A + R log R) for T tasks, A answers and R regions.
/// @throws labelkit::invalid_argument if `items` and `data` differ in length, an item repeats,
///   a `data` entry is not an object, a span or box is invalid (as span_agreement() and
///   box_agreement() check them, with n_labels = label_set.size()), a region or answer names an
///   item not in `items`, an answer repeats, a region's (item, annotator) has no answer in
///   `annotated`, or a string is not valid UTF-8.
template <class Json = nlohmann::json>
void write_label_studio_regions(std::ostream& out, const RegionTasks<Json>& tasks,
                                const LabelSet& label_set, int indent = 2) {
  constexpr const char* function = "write_label_studio_regions";
  if (tasks.items.size() != tasks.data.size()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'items' has ", tasks.items.size(),
                                               " entries and 'data' ", tasks.data.size(),
                                               " (expected one payload per task)");
  }
  labelkit::detail::check_spans(tasks.spans, label_set.size(), function);
  labelkit::detail::check_boxes(tasks.boxes, label_set.size(), function);
  std::unordered_map<Index, std::size_t> task_of;
  for (std::size_t t = 0; t < tasks.items.size(); ++t) {
    if (tasks.items[t] < 0 || !task_of.emplace(tasks.items[t], t).second) {
      labelkit::detail::fail(function, "'items' entry ", t, " (", tasks.items[t],
                             ") is negative or repeated");
    }
    if (!tasks.data[t].is_object()) {
      labelkit::detail::fail(function, "'data' entry ", t, " is not a JSON object");
    }
  }
  // Answers per task, in `annotated` order.
  std::vector<std::vector<Index>> readers(tasks.items.size());
  std::vector<AnnotatedItem> sorted_answers(tasks.annotated.begin(), tasks.annotated.end());
  std::sort(sorted_answers.begin(), sorted_answers.end());
  for (std::size_t a = 0; a < tasks.annotated.size(); ++a) {
    if (tasks.annotated[a].annotator < 0) {
      labelkit::detail::fail(function, "'annotated' record ", a, " has a negative annotator (got ",
                             tasks.annotated[a].annotator, ")");
    }
    const auto it = task_of.find(tasks.annotated[a].item);
    if (it == task_of.end()) {
      labelkit::detail::fail(function, "'annotated' record ", a, " names item ",
                             tasks.annotated[a].item, " which is not in 'items'");
    }
    if (a > 0 && sorted_answers[a] == sorted_answers[a - 1]) {
      labelkit::detail::fail(function, "'annotated' repeats annotator ",
                             sorted_answers[a].annotator, " on item ", sorted_answers[a].item);
    }
    readers[it->second].push_back(tasks.annotated[a].annotator);
  }
  const auto answered = [&](Index item, Index annotator) {
    return std::binary_search(sorted_answers.begin(), sorted_answers.end(),
                              AnnotatedItem{item, annotator});
  };
  // Regions per (task, annotator): spans then boxes, each in input order.
  std::unordered_map<Index, std::vector<std::vector<Json>>> results;  // by task index
  const auto slot = [&](Index item, Index annotator, const char* what,
                        std::size_t r) -> std::vector<Json>& {
    const auto it = task_of.find(item);
    if (it == task_of.end() || !answered(item, annotator)) {
      labelkit::detail::fail(function, "'", what, "' record ", r, " (item ", item, ", annotator ",
                             annotator, ") has no answer in 'annotated'");
    }
    auto& per_task = results[static_cast<Index>(it->second)];
    per_task.resize(readers[it->second].size());
    const auto& list = readers[it->second];
    const auto k =
        static_cast<std::size_t>(std::find(list.begin(), list.end(), annotator) - list.begin());
    return per_task[k];
  };
  for (std::size_t r = 0; r < tasks.spans.size(); ++r) {
    const SpanAnnotation& s = tasks.spans[r];
    slot(s.item, s.annotator, "spans", r)
        .push_back(Json{
            {"from_name", label_set.from_name()},
            {"to_name", label_set.to_name()},
            {"type", "labels"},
            {"value",
             {{"start", static_cast<std::int64_t>(s.start)},
              {"end", static_cast<std::int64_t>(s.end)},
              {"labels", Json::array({label_set.names()[static_cast<std::size_t>(s.label)]})}}}});
  }
  for (std::size_t r = 0; r < tasks.boxes.size(); ++r) {
    const BoxAnnotation& b = tasks.boxes[r];
    slot(b.item, b.annotator, "boxes", r)
        .push_back(Json{{"from_name", label_set.from_name()},
                        {"to_name", label_set.to_name()},
                        {"type", "rectanglelabels"},
                        {"value",
                         {{"x", b.x},
                          {"y", b.y},
                          {"width", b.width},
                          {"height", b.height},
                          {"rotation", 0},
                          {"rectanglelabels",
                           Json::array({label_set.names()[static_cast<std::size_t>(b.label)]})}}}});
  }
  Json document = Json::array();
  std::int64_t annotation_id = 0;
  for (std::size_t t = 0; t < tasks.items.size(); ++t) {
    const auto item = static_cast<std::int64_t>(tasks.items[t]);
    Json task{{"id", item}, {"data", tasks.data[t]}, {"annotations", Json::array()}};
    std::size_t result_number = 0;
    const auto found = results.find(static_cast<Index>(t));
    for (std::size_t k = 0; k < readers[t].size(); ++k) {
      Json result = Json::array();
      if (found != results.end() && k < found->second.size()) {
        for (Json& region : found->second[k]) {
          region["id"] = labelkit::detail::concat(item, '-', ++result_number);
          result.push_back(std::move(region));
        }
      }
      task["annotations"].push_back(Json{{"id", ++annotation_id},
                                         {"completed_by", static_cast<std::int64_t>(readers[t][k])},
                                         {"was_cancelled", false},
                                         {"result", std::move(result)}});
    }
    document.push_back(std::move(task));
  }
  out << detail::dump_checked(document, function, indent) << '\n';
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
