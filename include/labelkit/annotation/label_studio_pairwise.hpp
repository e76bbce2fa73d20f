#pragma once
/// @file
/// Label Studio's Pairwise template ("which of these two is better?"): export pairwise tasks
/// for import into Label Studio, and read its JSON export back as Comparison records for
/// quality::bradley_terry(), quality::noisy_bradley_terry() and
/// agreement::comparison_agreement().
///
/// One task, for the labeling configuration
/// `<Pairwise name="pw" toName="text1,text2"/><Text name="text1" value="$text1"/>...`:
/// @code{.json}
/// {"id": 7, "data": {"text1": "...", "text2": "...", "left_item": 31, "right_item": 8},
///  "annotations": [{"id": 1, "completed_by": 2, "was_cancelled": false,
///                   "created_at": "2026-11-28T07:33:24.000Z",
///                   "result": [{"id": "7-1", "from_name": "pw", "to_name": "text1,text2",
///                               "type": "pairwise", "value": {"selected": "left"}}]}]}
/// @endcode
///
/// Mapping: `id` = the task id; the compared items' ids are the integer members
/// `PairwiseFormat::left_key` and `right_key` of `data` (written there on export, so that Label
/// Studio shows the payload unchanged and keeps the ids through its export); each annotation
/// with a `pairwise` result of the control `PairwiseFormat::from_name` is one answer by
/// `completed_by` (an integer, or a user object with an integer `id`), `selected` = "left" or
/// "right", `created_at` = its time (optional). Label Studio's Pairwise has no tie (unselecting
/// removes the result), so a tie is refused on export and cannot be read. Cancelled annotations
/// and annotations of other controls are skipped; other members are ignored. Export -> import ->
/// export is byte-identical.

#include <Eigen/Core>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/detail/label_studio_walk.hpp"
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// One annotator's answer to a pairwise task.
struct PairwiseAnswer {
  Eigen::Index annotator = 0;    ///< Annotator id (non-negative).
  Winner winner = Winner::left;  ///< Winner::left or Winner::right (Label Studio has no tie).
  Millis submitted_at = 0;       ///< When the answer was given (Label Studio's created_at).

  /// Member-wise equality.
  friend bool operator==(const PairwiseAnswer&, const PairwiseAnswer&) = default;
};

/// A pairwise task: two items shown side by side, the payload, and the answers.
struct PairwiseTask {
  Eigen::Index id = 0;                  ///< Task id (non-negative, unique in a set).
  Eigen::Index left = 0;                ///< Item id shown on the left.
  Eigen::Index right = 0;               ///< Item id shown on the right (differs from `left`).
  nlohmann::json data;                  ///< The payload (an object: what Label Studio shows).
  std::vector<PairwiseAnswer> answers;  ///< Accepted answers.

  /// Member-wise equality.
  friend bool operator==(const PairwiseTask&, const PairwiseTask&) = default;
};

/// The Label Studio names of a pairwise project.
struct PairwiseFormat {
  std::string from_name = "pw";          ///< The `<Pairwise name=...>` control.
  std::string to_name = "text1,text2";   ///< Its `toName` (written into each result).
  std::string left_key = "left_item";    ///< Member of `data` holding the left item id.
  std::string right_key = "right_item";  ///< Member of `data` holding the right item id.
};

/// Every answer of `tasks` as a Comparison {annotator, left, right, winner}, task by task in
/// order: the input of the preference aggregators and of comparison_agreement(). O(answers).
[[nodiscard]] inline std::vector<Comparison> pairwise_comparisons(
    std::span<const PairwiseTask> tasks) {
  std::vector<Comparison> out;
  for (const PairwiseTask& task : tasks) {
    for (const PairwiseAnswer& answer : task.answers) {
      out.push_back({answer.annotator, task.left, task.right, answer.winner});
    }
  }
  return out;
}

/// Writes pairwise tasks as a Label Studio task array (see the file comment). A payload that is
/// not an object is wrapped as `{"value": payload}`; the item ids are set in it under
/// `format.left_key` and `format.right_key`.
/// @throws labelkit::invalid_argument for a negative or repeated task id, a negative item id,
///   the same item on both sides, a payload member `left_key`/`right_key` holding another value,
///   a negative annotator id, a tie or a winner outside Winner, a time outside the years
///   0000-9999, or a string that is not valid UTF-8.
template <class Json = nlohmann::json>
void write_label_studio_pairwise(std::ostream& out, std::span<const PairwiseTask> tasks,
                                 const PairwiseFormat& format = {}, int indent = 2) {
  using json = Json;
  constexpr const char* function = "write_label_studio_pairwise";
  json array = json::array();
  std::unordered_map<Eigen::Index, std::size_t> seen;
  std::int64_t annotation_id = 0;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const PairwiseTask& task = tasks[t];
    if (task.id < 0 || task.left < 0 || task.right < 0) {
      labelkit::detail::fail(function, "task ", t, " has a negative id (id ", task.id, ", left ",
                             task.left, ", right ", task.right, ")");
    }
    if (task.left == task.right) {
      labelkit::detail::fail(function, "task ", t, " compares item ", task.left, " with itself");
    }
    if (!seen.emplace(task.id, t).second) {
      labelkit::detail::fail(function, "task ", t, " repeats task id ", task.id);
    }
    json data = task.data.is_object() ? task.data : json{{"value", task.data}};
    for (const auto& [key, item] :
         {std::pair{&format.left_key, task.left}, std::pair{&format.right_key, task.right}}) {
      const auto it = data.find(*key);
      if (it != data.end() && !(it->is_number_integer() && it->template get<std::int64_t>() ==
                                                               static_cast<std::int64_t>(item))) {
        labelkit::detail::fail(function, "task ", t, ": payload member '", *key,
                               "' holds another value than the item id ", item);
      }
      data[*key] = static_cast<std::int64_t>(item);
    }
    json value{{"id", static_cast<std::int64_t>(task.id)},
               {"data", std::move(data)},
               {"annotations", json::array()}};
    std::size_t result_number = 0;
    for (const PairwiseAnswer& answer : task.answers) {
      if (answer.annotator < 0) {
        labelkit::detail::fail(function, "task ", t, " has an answer by a negative annotator id (",
                               answer.annotator, ")");
      }
      if (answer.winner != Winner::left && answer.winner != Winner::right) {
        labelkit::detail::fail(function, "task ", t, ": annotator ", answer.annotator,
                               "'s answer is not Winner::left or Winner::right (Label Studio's "
                               "Pairwise has no tie)");
      }
      if (answer.submitted_at < min_time || answer.submitted_at > max_time) {
        labelkit::detail::fail(function, "task ", t, ": annotator ", answer.annotator,
                               "'s answer has a time outside the years 0000-9999 (got ",
                               answer.submitted_at, " ms)");
      }
      json result{{"id", labelkit::detail::concat(task.id, '-', ++result_number)},
                  {"from_name", format.from_name},
                  {"to_name", format.to_name},
                  {"type", "pairwise"},
                  {"value", {{"selected", answer.winner == Winner::left ? "left" : "right"}}}};
      value["annotations"].push_back(
          json{{"id", ++annotation_id},
               {"completed_by", static_cast<std::int64_t>(answer.annotator)},
               {"was_cancelled", false},
               {"created_at", detail::format_iso8601(answer.submitted_at)},
               {"result", json::array({std::move(result)})}});
    }
    array.push_back(std::move(value));
  }
  out << detail::dump_checked(array, function, indent) << '\n';
}

/// Reads a Label Studio JSON export (an array of tasks) of a Pairwise project described by
/// `format` (see the file comment). A task without `id` gets its position as id. `limits` bounds
/// the document as in read_label_studio(): size and depth (the payload `limits.max_depth` + 1,
/// the document 8 more), checked before parsing.
/// @throws labelkit::parse_error naming the JSON path of the first bad value: not an array, a
///   repeated task id, a payload that is not an object or nests too deep, a missing or
///   non-integer or negative item id, the same item on both sides, an annotation with two
///   results of the control, a `selected` other than "left"/"right", a missing or bad
///   `completed_by`, a malformed `created_at`, or a limit; labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] std::vector<PairwiseTask> read_label_studio_pairwise(
    std::istream& in, const PairwiseFormat& format = {}, const JsonLimits& limits = {}) {
  using json = Json;
  const detail::JsonContext context{"read_label_studio_pairwise", "", limits};
  const json document = detail::parse_document<json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_array(document, "", context);
  std::vector<PairwiseTask> tasks;
  std::unordered_map<Index, std::size_t> seen;
  for (std::size_t t = 0; t < document.size(); ++t) {
    const auto tp = detail::path_of("", t);
    const json& value = document[t];
    PairwiseTask task;
    task.id = detail::label_studio_task_id(value, t, tp, context, seen);
    const auto dp = detail::path_of(tp, "data");
    task.data = detail::member(value, "data", tp, context);
    detail::expect_object(task.data, dp, context);
    detail::check_payload(task.data, dp, context, 1);
    task.left = static_cast<Eigen::Index>(
        detail::as_count(detail::member(task.data, format.left_key, dp, context),
                         detail::path_of(dp, format.left_key), context));
    task.right = static_cast<Eigen::Index>(
        detail::as_count(detail::member(task.data, format.right_key, dp, context),
                         detail::path_of(dp, format.right_key), context));
    if (task.left == task.right) {
      detail::bad_json(context, dp, "the task compares item ", task.left, " with itself");
    }
    detail::for_each_live_annotation(
        value, tp, context, [&](const json& annotation, const std::string& p) {
          const auto result =
              detail::single_result_value(annotation, p, format.from_name, "pairwise", context);
          if (!result.value) return;  // an annotation of another control
          const auto selected_path = detail::path_of(result.path, "selected");
          PairwiseAnswer answer;
          const auto side =
              detail::as_string(detail::member(*result.value, "selected", result.path, context),
                                selected_path, context);
          if (side == "left") {
            answer.winner = Winner::left;
          } else if (side == "right") {
            answer.winner = Winner::right;
          } else {
            detail::bad_json(context, selected_path, R"(expected "left" or "right" (got ')", side,
                             "')");
          }
          answer.annotator = detail::completed_by(annotation, p, context);
          if (const json* created = detail::optional_member(annotation, "created_at", p, context)) {
            const auto cp = detail::path_of(p, "created_at");
            const auto text = detail::as_string(*created, cp, context);
            if (!detail::parse_iso8601(text, answer.submitted_at)) {
              detail::bad_json(context, cp, "not an ISO 8601 time ('", text, "')");
            }
          }
          task.answers.push_back(answer);
        });
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
