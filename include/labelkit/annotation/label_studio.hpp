#pragma once
/// @file
/// Label Studio task JSON: export tasks (with pre-labels as `predictions`) for import into Label
/// Studio, and read Label Studio's JSON export back for agreement and aggregation.
///
/// One task:
/// @code{.json}
/// {"id": 7, "data": {"image": "/data/7.png"},
///  "annotations": [{"id": 1, "completed_by": 2, "ground_truth": false, "was_cancelled": false,
///                   "created_at": "2026-11-28T07:33:24.000Z", "lead_time": 4.0,
///                   "result": [{"id": "7-1", "from_name": "digit", "to_name": "image",
///                               "type": "choices", "value": {"choices": ["1"]}}]}],
///  "predictions": [{"model_version": "lr-1", "score": 0.93, "result": [...]}],
///  "meta": {"priority": 0.5}}
/// @endcode
///
/// Mapping: `id` = item; `data` = payload (a non-object payload is wrapped as
/// `{"value": payload}`, since Label Studio needs an object); each accepted answer is an
/// annotation by `completed_by` = annotator, `created_at` = submission time (UTC, millisecond
/// precision) and `lead_time` = seconds from hand-out to submission; a gold answer is an
/// annotation with `"ground_truth": true` and no `completed_by`; `meta.priority` holds a
/// non-zero priority. The label set is the `<Choices>` control: its name is `from_name`, its
/// `to_name` the object tag, its classes the choice values.
///
/// Reading keeps exactly what writing writes, so export -> import -> export is byte-identical.
/// Other members of a Label Studio export (updated_at, project, drafts...) are ignored, results
/// of other controls (a different from_name, or not `choices`) are skipped, cancelled
/// annotations (`was_cancelled: true`) are skipped, and an answer's `late` flag does not survive
/// (Label Studio has no such field).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/detail/label_studio_walk.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m,
                                                     unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Days in `month` (1-12) of `year` in the proleptic Gregorian calendar.
[[nodiscard]] constexpr unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return month == 2 && leap ? 29 : days[(month - 1) % 12];
}

/// UTC ISO 8601 with milliseconds: "2026-11-28T07:33:24.123Z". `millis` is first clamped into
/// [annotation::min_time, annotation::max_time], so the year always has four digits.
[[nodiscard]] inline std::string format_iso8601(annotation::Millis millis) {
  millis = clamp_time(millis);
  std::int64_t days = millis / 86400000;
  std::int64_t rest = millis % 86400000;
  if (rest < 0) {
    rest += 86400000;
    --days;
  }
  // civil_from_days
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rest / 3600000),
                static_cast<long long>(rest / 60000 % 60), static_cast<long long>(rest / 1000 % 60),
                static_cast<long long>(rest % 1000));
  return buffer;
}

/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" (no zone = UTC) to milliseconds
/// (the fraction is truncated to milliseconds). Returns false if malformed, if the date does not
/// exist (2026-02-31, a second of 60, an offset of 24 hours) or if the time falls outside
/// [annotation::min_time, annotation::max_time]; never shifts a field into the next one.
[[nodiscard]] inline bool parse_iso8601(std::string_view text, annotation::Millis& out) noexcept {
  std::size_t pos = 0;
  const auto digits = [&](std::size_t count, long long& value) {
    value = 0;
    for (std::size_t i = 0; i < count; ++i, ++pos) {
      if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return false;
      value = value * 10 + (text[pos] - '0');
    }
    return true;
  };
  const auto expect = [&](char c) { return pos < text.size() && text[pos++] == c; };
  long long year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day))
    return false;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return false;
  ++pos;
  if (!digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') || !digits(2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  if (day > days_in_month(year, static_cast<unsigned>(month))) return false;
  long long millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t count = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (count < 3) millis = millis * 10 + (text[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return false;
    for (; count < 3; ++count) millis *= 10;
  }
  long long offset = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const long long sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      long long oh = 0, om = 0;
      if (!digits(2, oh)) return false;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!digits(2, om) || oh > 23 || om > 59) return false;
      offset = sign * (oh * 60 + om) * 60000;
    } else {
      return false;
    }
  }
  if (pos != text.size()) return false;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // Four-digit years and bounded fields: no overflow is possible here.
  const std::int64_t time =
      days * 86400000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset;
  if (time < annotation::min_time || time > annotation::max_time) return false;
  out = time;
  return true;
}

template <class Json = nlohmann::json>
[[nodiscard]] Json choices_result(const std::string& id, const annotation::LabelSet& set,
                                  const std::vector<int>& labels) {
  Json choices = Json::array();
  for (const int label : labels) choices.push_back(set.names()[static_cast<std::size_t>(label)]);
  return Json::array({Json{{"id", id},
                           {"from_name", set.from_name()},
                           {"to_name", set.to_name()},
                           {"type", "choices"},
                           {"value", {{"choices", std::move(choices)}}}}});
}

/// The labels in the `result` array of an annotation or prediction: the union of the choices of
/// every `choices` result whose from_name is the label set's name. `found` says whether any was.
template <class Json>
[[nodiscard]] std::vector<int> labels_from_result(const Json& result,
                                                  const annotation::LabelSet& set,
                                                  const std::string& path,
                                                  const JsonContext& context, bool& found) {
  expect_array(result, path, context);
  found = false;
  std::vector<int> labels;
  for (std::size_t r = 0; r < result.size(); ++r) {
    const auto rp = path_of(path, r);
    if (result_type_of(result[r], rp, set.from_name(), context) != "choices") continue;
    found = true;
    const auto vp = path_of(rp, "value");
    const Json& choices = member(member(result[r], "value", rp, context), "choices", vp, context);
    const auto cp = path_of(vp, "choices");
    expect_array(choices, cp, context);
    for (std::size_t c = 0; c < choices.size(); ++c) {
      const auto name = as_string(choices[c], path_of(cp, c), context);
      int label = -1;
      for (std::size_t k = 0; k < set.names().size(); ++k) {
        if (set.names()[k] == name) label = static_cast<int>(k);
      }
      if (label < 0)
        bad_json(context, path_of(cp, c), "choice '", name, "' is not a class of label set '",
                 set.from_name(), "'");
      labels.push_back(label);
    }
  }
  return labels;
}

}  // namespace detail
namespace annotation {

/// Writes `set` as a Label Studio task array. The set must have exactly one label set (the
/// project's `<Choices>` control). An answer's `lead_time` is its duration in seconds; a negative
/// duration (the clock went back between hand-out and answer) is written as 0.
/// @throws labelkit::invalid_argument if there is not exactly one label set, a time lies outside
///         [min_time, max_time] or a string is not valid UTF-8.
template <class Json = nlohmann::json>
void write_label_studio(std::ostream& out, const TaskSet& set, int indent = 2) {
  using json = Json;
  if (set.label_sets.size() != 1) {
    labelkit::detail::fail("write_label_studio", "expected exactly one label set (got ",
                           set.label_sets.size(), ")");
  }
  const LabelSet& labels = set.label_sets.front();
  json tasks = json::array();
  std::int64_t annotation_id = 0;
  for (std::size_t t = 0; t < set.tasks.size(); ++t) {
    const auto& task = set.tasks[t];
    if (task.label_set != 0) {
      labelkit::detail::fail("write_label_studio", "task ", t, " refers to label set ",
                             task.label_set, " (there is 1)");
    }
    const auto item = static_cast<std::int64_t>(task.item);
    json value{{"id", item},
               {"data", task.data.is_object() ? task.data : json{{"value", task.data}}},
               {"annotations", json::array()},
               {"predictions", json::array()}};
    std::size_t result_number = 0;
    const auto result_id = [&] { return labelkit::detail::concat(item, '-', ++result_number); };
    if (task.gold) {
      value["annotations"].push_back(
          json{{"id", ++annotation_id},
               {"ground_truth", true},
               {"was_cancelled", false},
               {"result", detail::choices_result<json>(result_id(), labels, *task.gold)}});
    }
    for (const auto& record : task.annotations) {
      for (const Millis time : {record.started_at, record.submitted_at}) {
        if (time < min_time || time > max_time) {
          labelkit::detail::fail("write_label_studio", "task ", t, ": annotator ", record.annotator,
                                 "'s answer has a time outside the years 0000-9999 (got ", time,
                                 " ms)");
        }
      }
      const Millis duration = std::max<Millis>(0, record.submitted_at - record.started_at);
      value["annotations"].push_back(
          json{{"id", ++annotation_id},
               {"completed_by", static_cast<std::int64_t>(record.annotator)},
               {"ground_truth", false},
               {"was_cancelled", false},
               {"created_at", detail::format_iso8601(record.submitted_at)},
               {"lead_time", static_cast<double>(duration) / 1000.0},
               {"result", detail::choices_result<json>(result_id(), labels, record.labels)}});
    }
    for (const auto& prediction : task.predictions) {
      value["predictions"].push_back(
          json{{"model_version", prediction.model_version},
               {"score", prediction.score},
               {"result", detail::choices_result<json>(result_id(), labels, prediction.labels)}});
    }
    if (task.priority != 0.0) value["meta"] = json{{"priority", task.priority}};
    tasks.push_back(std::move(value));
  }
  out << detail::dump_checked(tasks, "write_label_studio", indent) << '\n';
}

/// Reads a Label Studio JSON export (an array of tasks) for the `<Choices>` control described by
/// `label_set`. A task without `id` gets its position in the array as item id. `limits` bounds
/// the document as in read_json(): depth (`data` `limits.max_depth` + 1, for the object that
/// wraps a payload that is not one; the document 8 more) and size, checked before parsing.
/// @throws labelkit::parse_error naming the JSON path of the first bad value (e.g. a choice that
///         is not a class, a missing `data`, a repeated task id, a malformed or impossible
///         `created_at`, a `lead_time` that starts before min_time) or a limit;
///         labelkit::invalid_argument if `label_set` has a name that is not valid UTF-8;
///         labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] TaskSet read_label_studio(std::istream& in, const LabelSet& label_set,
                                        const JsonLimits& limits = {}) {
  using json = Json;
  const detail::JsonContext context{"read_label_studio", "", limits};
  const json document = detail::parse_document<json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_array(document, "", context);
  TaskSet set;
  set.label_sets.push_back(label_set);
  std::unordered_map<Eigen::Index, std::size_t> seen;
  for (std::size_t t = 0; t < document.size(); ++t) {
    const auto tp = detail::path_of("", t);
    const json& value = document[t];
    TaskRecord task;
    task.item = detail::label_studio_task_id(value, t, tp, context, seen);
    task.data = detail::member(value, "data", tp, context);
    detail::expect_object(task.data, detail::path_of(tp, "data"), context);
    // One level more than a payload: the object that wraps a payload that is not one.
    detail::check_payload(task.data, detail::path_of(tp, "data"), context, 1);
    if (const json* meta = detail::optional_member(value, "meta", tp, context)) {
      if (const json* priority =
              detail::optional_member(*meta, "priority", detail::path_of(tp, "meta"), context)) {
        task.priority = detail::as_number(
            *priority, detail::path_of(detail::path_of(tp, "meta"), "priority"), context);
      }
    }
    detail::for_each_live_annotation(
        value, tp, context, [&](const json& annotation, const std::string& p) {
          bool found = false;
          auto labels =
              detail::labels_from_result(detail::member(annotation, "result", p, context),
                                         label_set, detail::path_of(p, "result"), context, found);
          if (!found) return;  // an annotation of another control
          const auto checked = detail::check_labels(labels, label_set);
          if (!checked.problem.empty())
            detail::bad_json(context, detail::path_of(p, "result"), checked.problem);
          const json* ground_truth =
              detail::optional_member(annotation, "ground_truth", p, context);
          const json* by = detail::optional_member(annotation, "completed_by", p, context);
          if (ground_truth &&
              detail::as_bool(*ground_truth, detail::path_of(p, "ground_truth"), context) && !by) {
            if (task.gold) detail::bad_json(context, p, "a second ground-truth annotation");
            task.gold = checked.labels;
            return;
          }
          if (!by) detail::bad_json(context, p, "missing member 'completed_by'");
          AnnotationRecord record;
          record.annotator = detail::completed_by(annotation, p, context);
          for (const auto& other : task.annotations) {
            if (other.annotator == record.annotator) {
              detail::bad_json(context, detail::path_of(p, "completed_by"), "annotator ",
                               record.annotator, " answers task ", task.item, " twice");
            }
          }
          record.labels = checked.labels;
          if (const json* created = detail::optional_member(annotation, "created_at", p, context)) {
            const auto text =
                detail::as_string(*created, detail::path_of(p, "created_at"), context);
            if (!detail::parse_iso8601(text, record.submitted_at)) {
              detail::bad_json(context, detail::path_of(p, "created_at"), "not an ISO 8601 time ('",
                               text, "')");
            }
          }
          record.started_at = record.submitted_at;
          if (const json* lead = detail::optional_member(annotation, "lead_time", p, context)) {
            if (!lead->is_null()) {
              const double seconds =
                  detail::as_number(*lead, detail::path_of(p, "lead_time"), context);
              if (!(seconds >= 0.0) || !std::isfinite(seconds)) {
                detail::bad_json(context, detail::path_of(p, "lead_time"),
                                 "expected a non-negative number of seconds");
              }
              // submitted_at >= min_time, so the difference below cannot overflow; the check is
              // made in double before anything is rounded to an integer.
              const double millis = seconds * 1000.0;
              const Millis room = record.submitted_at - min_time;
              if (!(millis < 0x1p62) || std::llround(millis) > room) {
                detail::bad_json(
                    context, detail::path_of(p, "lead_time"), "lead time of ", seconds,
                    " s starts before the year 0000 (the earliest time labelkit keeps)");
              }
              record.started_at = record.submitted_at - static_cast<Millis>(std::llround(millis));
            }
          }
          task.annotations.push_back(std::move(record));
        });
    if (const json* predictions = detail::optional_member(value, "predictions", tp, context)) {
      const auto pp = detail::path_of(tp, "predictions");
      detail::expect_array(*predictions, pp, context);
      for (std::size_t k = 0; k < predictions->size(); ++k) {
        const auto p = detail::path_of(pp, k);
        const json& prediction = (*predictions)[k];
        bool found = false;
        auto labels =
            detail::labels_from_result(detail::member(prediction, "result", p, context), label_set,
                                       detail::path_of(p, "result"), context, found);
        if (!found) continue;
        const auto checked = detail::check_labels(labels, label_set, /*any_count=*/true);
        if (!checked.problem.empty())
          detail::bad_json(context, detail::path_of(p, "result"), checked.problem);
        Prediction record;
        if (const json* version =
                detail::optional_member(prediction, "model_version", p, context)) {
          record.model_version =
              detail::as_string(*version, detail::path_of(p, "model_version"), context);
        }
        if (const json* score = detail::optional_member(prediction, "score", p, context)) {
          if (!score->is_null())
            record.score = detail::as_number(*score, detail::path_of(p, "score"), context);
        }
        record.labels = checked.labels;
        task.predictions.push_back(std::move(record));
      }
    }
    set.tasks.push_back(std::move(task));
  }
  return set;
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
