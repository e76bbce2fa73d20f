#pragma once
/// @file
/// labelkit's own export formats for annotation tasks: one JSON document, or JSON Lines (a
/// header line with the label sets, then one task per line). Both are lossless: everything in a
/// TaskSet is written, and export -> import -> export is byte-identical.
///
/// JSON document:
/// @code{.json}
/// {"format": "labelkit.annotation.tasks", "version": 1,
///  "label_sets": [{"name": "digit", "type": "single_label", "classes": ["0", "1"], "to_name":
///  "image"}], "tasks": [{"item": 7, "data": {...}, "label_set": "digit", "priority": 0.5, "gold":
///  [1],
///             "annotations": [{"annotator": 2, "labels": [1], "started_at": 1700000000000,
///                              "submitted_at": 1700000004000, "late": false}],
///             "predictions": [{"model_version": "lr-1", "score": 0.9, "labels": [1]}]}]}
/// @endcode
/// (`gold` only on gold items; members are written in sorted order.)

#include <Eigen/Core>
#include <cstdint>
#include <ios>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::string_view tasks_format = "labelkit.annotation.tasks";
inline constexpr std::string_view tasks_jsonl_format = "labelkit.annotation.tasks.jsonl";

/// Checks that a TaskSet can be written: label set names unique and non-empty, every task's
/// label set exists. @throws labelkit::invalid_argument.
template <class = void>
inline void check_writable(const annotation::TaskSet& set, std::string_view function) {
  for (std::size_t s = 0; s < set.label_sets.size(); ++s) {
    if (set.label_sets[s].from_name().empty())
      labelkit::detail::fail(function, "label set ", s, " has an empty name");
    for (std::size_t r = 0; r < s; ++r) {
      if (set.label_sets[r].from_name() == set.label_sets[s].from_name()) {
        labelkit::detail::fail(function, "label set name '", set.label_sets[s].from_name(),
                               "' is repeated");
      }
    }
  }
  for (std::size_t t = 0; t < set.tasks.size(); ++t) {
    const int index = set.tasks[t].label_set;
    if (index < 0 || static_cast<std::size_t>(index) >= set.label_sets.size()) {
      labelkit::detail::fail(function, "task ", t, " refers to label set ", index, " (there are ",
                             set.label_sets.size(), ")");
    }
  }
}

template <class Json = nlohmann::json>
[[nodiscard]] Json label_sets_to_json(const std::vector<annotation::LabelSet>& sets) {
  Json value = Json::array();
  for (const auto& set : sets) value.push_back(label_set_to_json<Json>(set));
  return value;
}

template <class Json>
[[nodiscard]] std::vector<annotation::LabelSet> label_sets_from_json(const Json& header,
                                                                     const JsonContext& context) {
  const Json& sets = member(header, "label_sets", "", context);
  expect_array(sets, "/label_sets", context);
  std::vector<annotation::LabelSet> result;
  for (std::size_t s = 0; s < sets.size(); ++s) {
    result.push_back(label_set_from_json(sets[s], path_of("/label_sets", s), context));
    if (find_label_set(result, result.back().from_name()) != static_cast<int>(s)) {
      bad_json(context, path_of(path_of("/label_sets", s), "name"), "label set name '",
               result.back().from_name(), "' is repeated");
    }
  }
  return result;
}

template <class Json>
void check_header(const Json& header, std::string_view format, const JsonContext& context) {
  const auto name = as_string(member(header, "format", "", context), "/format", context);
  if (name != format)
    bad_json(context, "/format", "expected format '", format, "' (got '", name, "')");
  const auto version =
      as_integer<std::int64_t>(member(header, "version", "", context), "/version", context);
  if (version != 1) bad_json(context, "/version", "unsupported version ", version, " (expected 1)");
}

}  // namespace detail
namespace annotation {

/// Writes `set` as one JSON document (`indent` spaces; -1 for one line).
/// @throws labelkit::invalid_argument if a task refers to a missing label set or names repeat.
template <class Json = nlohmann::json>
void write_json(std::ostream& out, const TaskSet& set, int indent = 2) {
  detail::check_writable(set, "write_json");
  Json document{{"format", detail::tasks_format},
                {"version", 1},
                {"label_sets", detail::label_sets_to_json<Json>(set.label_sets)},
                {"tasks", Json::array()}};
  auto& tasks = document["tasks"];
  for (const auto& task : set.tasks) {
    tasks.push_back(detail::task_to_json<Json>(task, set.label_sets));
  }
  out << detail::dump_checked(document, "write_json", indent) << '\n';
}

/// Reads a JSON document written by write_json(). `limits` bounds the document: a task payload
/// may nest `limits.max_depth` levels (the document `limits.max_depth` + 8, for its own
/// structure), and the whole text may have `limits.max_bytes` bytes; both are checked before
/// anything is parsed. Times must lie within [min_time, max_time].
/// @throws labelkit::parse_error naming the JSON path of the first bad value (missing member,
///         wrong type, integer or time out of range, label outside its label set, unknown label
///         set, repeated item), or a limit; labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] TaskSet read_json(std::istream& in, const JsonLimits& limits = {}) {
  const detail::JsonContext context{"read_json", "", limits};
  const Json document = detail::parse_document<Json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_object(document, "", context);
  detail::check_header(document, detail::tasks_format, context);
  TaskSet set;
  set.label_sets = detail::label_sets_from_json(document, context);
  const Json& tasks = detail::member(document, "tasks", "", context);
  detail::expect_array(tasks, "/tasks", context);
  std::unordered_map<Eigen::Index, std::size_t> seen;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const auto path = detail::path_of("/tasks", t);
    set.tasks.push_back(detail::task_from_json(tasks[t], set.label_sets, path, context));
    if (!seen.emplace(set.tasks.back().item, t).second) {
      detail::bad_json(context, detail::path_of(path, "item"), "item ", set.tasks.back().item,
                       " is repeated (first at /tasks/", seen[set.tasks.back().item], ")");
    }
  }
  return set;
}

/// Writes `set` as JSON Lines: a header line `{"format": "labelkit.annotation.tasks.jsonl",
/// "version": 1, "label_sets": [...]}`, then one task per line (same members as write_json()).
/// @throws labelkit::invalid_argument as write_json().
template <class Json = nlohmann::json>
void write_jsonl(std::ostream& out, const TaskSet& set) {
  detail::check_writable(set, "write_jsonl");
  const Json header{{"format", detail::tasks_jsonl_format},
                    {"version", 1},
                    {"label_sets", detail::label_sets_to_json<Json>(set.label_sets)}};
  out << detail::dump_checked(header, "write_jsonl") << '\n';
  for (const auto& task : set.tasks) {
    out << detail::dump_checked(detail::task_to_json<Json>(task, set.label_sets), "write_jsonl")
        << '\n';
  }
}

/// Reads JSON Lines written by write_jsonl(); blank lines are ignored. `limits` applies to each
/// line as read_json() applies it to the document.
/// @throws labelkit::parse_error naming the line number and the JSON path within the line;
///         labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] TaskSet read_jsonl(std::istream& in, const JsonLimits& limits = {}) {
  TaskSet set;
  std::string line;
  std::size_t line_number = 0;
  bool have_header = false;
  std::unordered_map<Eigen::Index, std::size_t> seen;
  const auto next_line = [&] {
    try {
      return static_cast<bool>(std::getline(in, line));
    } catch (const std::ios_base::failure& e) {
      labelkit::detail::fail<labelkit::error>("read_jsonl", "reading line ", line_number + 1,
                                              " failed: ", e.what());
    }
  };
  while (next_line()) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const detail::JsonContext context{"read_jsonl",
                                      labelkit::detail::concat("line ", line_number, ", "), limits};
    const Json value = detail::parse_document<Json>(line, limits, context);
    if (!have_header) {
      detail::expect_object(value, "", context);
      detail::check_header(value, detail::tasks_jsonl_format, context);
      set.label_sets = detail::label_sets_from_json(value, context);
      have_header = true;
      continue;
    }
    set.tasks.push_back(detail::task_from_json(value, set.label_sets, "", context));
    if (!seen.emplace(set.tasks.back().item, line_number).second) {
      detail::bad_json(context, "/item", "item ", set.tasks.back().item,
                       " is repeated (first on line ", seen[set.tasks.back().item], ")");
    }
  }
  if (in.bad()) labelkit::detail::fail<labelkit::error>("read_jsonl", "reading the input failed");
  if (!have_header) {
    labelkit::detail::fail<labelkit::parse_error>("read_jsonl",
                                                  "no header line (the input is empty)");
  }
  return set;
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
