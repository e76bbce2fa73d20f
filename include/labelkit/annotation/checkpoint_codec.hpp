#pragma once
/// @file
/// The checkpoint codec of the task queue: a QueueState to its JSON body and back. The framing
/// (header line with size and checksum) is in detail/json_io.hpp, the files in checkpoint.hpp.
///
/// Schema of the body, version 2 (every member is required unless marked optional; the
/// header line carries the version, see detail/json_io.hpp):
/// @code{.json}
/// {"format": "labelkit.annotation.checkpoint",
///  "options": {"overlap": 2,                          // int, >= 1
///              "lease_timeout_ms": 1800000,            // int64, >= 0 (0: leases never expire)
///              "late_submissions": "accept",           // "accept" | "reject"
///              "duplicate_submissions": "idempotent",  // "idempotent" | "reject"
///              "gold_rate": 0.1,                       // number in [0, 1]
///              "seed": 7,                              // uint64
///              "max_tasks_per_annotator": 0,           // int64, >= 0
///              "max_active_per_annotator": 0},         // int64, >= 0
///  "label_sets": [{"name": "digit", "type": "single_label", "classes": ["0", "1"],
///                  "to_name": "image",                 // names unique and non-empty
///                  "kind": "spans"}],                  // optional, version 2: "pairwise" |
///                                                      // "spans" | "boxes" (absent: classes)
///  "tasks": [{"item": 7,                               // id in [0, 2^62], unique
///             "data": {...},                           // the payload, any JSON (max_depth)
///             "label_set": 0,                          // index into label_sets
///             "priority": 0.5,                         // number
///             "left": 31, "right": 8,                  // pairwise sets only: ids in [0, 2^62],
///                                                      // different
///             "gold": [1],                             // optional: the gold answer (see below)
///             "predictions": [{"model_version": "lr", "score": 0.9, "labels": [1]}],
///                                                      // empty for pairwise, span, box sets
///             "slots": [{"annotator": 3,               // id in [0, 2^62], once per task
///                        "state": "submitted",         // "leased" | "submitted" | "skipped" |
///                                                      // "expired"
///                        "late": false,
///                        "started_at": 1764315204123,  // ms, within [min_time, max_time]
///                        "deadline": 1764315264123,    // ms, int64 (int64 max: no deadline)
///                        "submitted_at": 1764315206123, // ms, within [min_time, max_time]
///                        "labels": [1]}]}],            // when submitted (see below)
///  "annotators": [{"annotator": 3, "cap": -1,          // cap >= -1 (-1: the queue's default)
///                  "draws": 4,                         // uint64: gold draws made
///                  "assigned": 5,                      // count in [0, 2^62]
///                  "first_assigned_at": 1764315204123}], // ms, within [min_time, max_time]
///  "duplicates": 0}                                    // count in [0, 2^62]
/// @endcode
/// A submitted answer and a gold answer, by the kind of the task's label set:
/// - classes: `"labels"` / `"gold"` = class indices valid for the set (one for single-label);
/// - pairwise: `"labels"` / `"gold"` = `[w]`, w the Winner: 0 left, 1 right, 2 tie;
/// - spans: `"spans"` / `"gold"` = `[[start, end, label], ...]`, integers with
///   0 <= start < end <= 2^62 and 0 <= label < classes, no span twice;
/// - boxes: `"boxes"` / `"gold"` = `[[x, y, width, height, label], ...]`, finite numbers with
///   width > 0, height > 0, x + width, y + height and width * height finite, no box twice.
/// An answer holds at most annotation::max_regions_per_answer regions. A queue whose label sets
/// all take class answers is written as version 1 (the same bytes as before version 2 existed,
/// readable by older labelkit versions); version 1 bodies are read as before, and a `kind` in a
/// version 1 body is refused.
/// Everything else (open and gold sets, leases by deadline, answer statistics, per-annotator
/// figures) is derived on decoding, through the same QueueState::adopt_task() that an import
/// uses. A regular task may not hold more answers and leases than `overlap` while it has a lease.

#include <Eigen/Core>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/queue_state.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

[[nodiscard]] constexpr std::string_view slot_state_name(SlotState state) noexcept {
  switch (state) {
    case SlotState::leased:
      return "leased";
    case SlotState::submitted:
      return "submitted";
    case SlotState::skipped:
      return "skipped";
    case SlotState::expired:
      return "expired";
  }
  return "leased";
}

/// The checkpoint body of `state` (see the file comment for the schema), written directly
/// (no JSON tree: a large queue saves at tens of MB/s). Doubles use the shortest
/// representation that reads back exactly. Reads only the part of the state that
/// QueueState::snapshot() copies. O(size of the state).
template <class Json = nlohmann::json>
[[nodiscard]] std::string encode_checkpoint(const QueueState& state) {
  const auto& o = state.options;
  std::string out;
  out.reserve(256 + state.tasks.size() * 96);
  const auto put_int = [&out](std::int64_t value) {
    char buffer[24];
    auto* const end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  };
  const auto put_double = [&out](double value) {
    char buffer[32];
    auto* const end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  };
  const auto put_labels = [&](const std::vector<int>& labels) {
    out += '[';
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (k) out += ',';
      put_int(labels[k]);
    }
    out += ']';
  };
  // A span or box answer: an array of [start, end, label] or [x, y, width, height, label].
  const auto put_regions = [&](const std::shared_ptr<const Regions>& regions,
                               annotation::AnswerKind kind) {
    out += '[';
    if (regions && kind == annotation::AnswerKind::spans) {
      for (std::size_t k = 0; k < regions->spans.size(); ++k) {
        const auto& r = regions->spans[k];
        out += k ? ",[" : "[";
        put_int(r.start);
        out += ',';
        put_int(r.end);
        out += ',';
        put_int(r.label);
        out += ']';
      }
    } else if (regions) {
      for (std::size_t k = 0; k < regions->boxes.size(); ++k) {
        const auto& r = regions->boxes[k];
        out += k ? ",[" : "[";
        for (const double v : {r.x, r.y, r.width, r.height}) {
          put_double(v);
          out += ',';
        }
        put_int(r.label);
        out += ']';
      }
    }
    out += ']';
  };
  const Json options{
      {"overlap", o.overlap},
      {"lease_timeout_ms", static_cast<std::int64_t>(o.lease_timeout.count())},
      {"late_submissions",
       o.late_submissions == annotation::LatePolicy::accept ? "accept" : "reject"},
      {"duplicate_submissions", o.duplicate_submissions == annotation::DuplicatePolicy::idempotent
                                    ? "idempotent"
                                    : "reject"},
      {"gold_rate", o.gold_rate},
      {"seed", o.seed},
      {"max_tasks_per_annotator", static_cast<std::int64_t>(o.max_tasks_per_annotator)},
      {"max_active_per_annotator", static_cast<std::int64_t>(o.max_active_per_annotator)}};
  Json sets = Json::array();
  for (std::size_t s = 0; s < state.label_sets.size(); ++s) {
    sets.push_back(label_set_to_json<Json>(*state.label_sets[s]));
    if (state.kinds[s] != annotation::AnswerKind::classes)
      sets.back()["kind"] = std::string(annotation::to_string(state.kinds[s]));
  }
  out += R"({"format":"labelkit.annotation.checkpoint","options":)";
  out += options.dump();
  out += R"(,"label_sets":)";
  out += sets.dump();
  out += R"(,"tasks":[)";
  for (std::size_t t = 0; t < state.tasks.size(); ++t) {
    const auto& task = state.tasks[t];
    const annotation::AnswerKind kind = state.kind_of(task.label_set);
    const bool regions =
        kind == annotation::AnswerKind::spans || kind == annotation::AnswerKind::boxes;
    if (t) out += ',';
    out += R"({"item":)";
    put_int(task.item);
    out += R"(,"data":)";
    if (task.template payload<Json>().is_null()) {
      out += "null";
    } else {
      out += task.template payload<Json>().dump();
    }
    out += R"(,"label_set":)";
    put_int(task.label_set);
    out += R"(,"priority":)";
    put_double(task.priority);
    if (kind == annotation::AnswerKind::pairwise) {
      out += R"(,"left":)";
      put_int(task.left);
      out += R"(,"right":)";
      put_int(task.right);
    }
    if (task.gold) {
      out += R"(,"gold":)";
      if (regions) {
        put_regions(task.gold_regions, kind);
      } else {
        put_labels(*task.gold);
      }
    }
    out += R"(,"predictions":)";
    if (task.predictions.empty()) {
      out += "[]";
    } else {
      Json predictions = Json::array();
      for (const auto& p : task.predictions) predictions.push_back(prediction_to_json<Json>(p));
      out += predictions.dump();
    }
    out += R"(,"slots":[)";
    for (std::size_t k = 0; k < task.slots.size(); ++k) {
      const auto& slot = task.slots[k];
      if (k) out += ',';
      out += R"({"annotator":)";
      put_int(slot.annotator);
      out += R"(,"state":")";
      out += slot_state_name(slot.state);
      out += slot.late ? R"(","late":true,"started_at":)" : R"(","late":false,"started_at":)";
      put_int(slot.started_at);
      out += R"(,"deadline":)";
      put_int(slot.deadline);
      out += R"(,"submitted_at":)";
      put_int(slot.submitted_at);
      if (regions) {
        out += kind == annotation::AnswerKind::spans ? R"(,"spans":)" : R"(,"boxes":)";
        put_regions(slot.regions, kind);
      } else {
        out += R"(,"labels":)";
        put_labels(slot.labels);
      }
      out += '}';
    }
    out += "]}";
  }
  out += R"(],"annotators":[)";
  bool first = true;
  for (const auto& [id, who] : state.annotators) {
    if (!first) out += ',';
    first = false;
    out += R"({"annotator":)";
    put_int(id);
    out += R"(,"cap":)";
    put_int(who.cap);
    out += R"(,"draws":)";
    out += std::to_string(who.draws);
    out += R"(,"assigned":)";
    put_int(who.figures.assigned);
    out += R"(,"first_assigned_at":)";
    put_int(who.figures.first_assigned_at);
    out += '}';
  }
  out += R"(],"duplicates":)";
  put_int(state.duplicates);
  out += '}';
  return out;
}

/// The checkpoint version `state` needs: 1 while every label set takes class answers (so that
/// such a checkpoint stays readable by every labelkit version), 2 otherwise.
[[nodiscard]] inline int checkpoint_version_of(const QueueState& state) noexcept {
  for (const auto kind : state.kinds) {
    if (kind != annotation::AnswerKind::classes) return checkpoint_version;
  }
  return checkpoint_oldest_version;
}

/// The framed checkpoint of `state` (header with the version it needs, then the body).
template <class Json = nlohmann::json>
[[nodiscard]] std::string framed_checkpoint(const QueueState& state) {
  return frame_checkpoint(encode_checkpoint<Json>(state), checkpoint_version_of(state));
}

/// A span or box answer from a checkpoint (an array of [start, end, label] or
/// [x, y, width, height, label]), every number range-checked, then checked as submit() checks
/// it (labels, order-free repeats, at most max_regions_per_answer regions).
template <class Json>
[[nodiscard]] std::shared_ptr<const Regions> regions_from_json(const Json& value,
                                                               annotation::AnswerKind kind,
                                                               const annotation::LabelSet& set,
                                                               const std::string& path,
                                                               const JsonContext& context) {
  expect_array(value, path, context);
  if (value.size() > annotation::max_regions_per_answer) {
    bad_json(context, path, "an answer holds at most ", annotation::max_regions_per_answer,
             " regions (got ", value.size(), ")");
  }
  const bool spans = kind == annotation::AnswerKind::spans;
  const std::size_t width = spans ? 3 : 5;
  std::vector<annotation::SpanRegion> span_list;
  std::vector<annotation::BoxRegion> box_list;
  (spans ? span_list.reserve(value.size()) : box_list.reserve(value.size()));
  for (std::size_t k = 0; k < value.size(); ++k) {
    const std::string rp = path_of(path, k);
    const Json& r = value[k];
    expect_array(r, rp, context);
    if (r.size() != width) {
      bad_json(context, rp, "expected ", width,
               spans ? " numbers [start, end, label]" : " numbers [x, y, width, height, label]",
               " (got ", r.size(), ")");
    }
    const int label =
        as_integer<int>(r[width - 1], path_of(rp, width - 1), context, 0, set.size() - 1);
    if (spans) {
      const auto start = as_integer<Eigen::Index>(r[0], path_of(rp, 0), context, 0,
                                                  annotation::max_span_offset - 1);
      const auto end = as_integer<Eigen::Index>(r[1], path_of(rp, 1), context, start + 1,
                                                annotation::max_span_offset);
      span_list.push_back({start, end, label});
    } else {
      double v[4];
      for (std::size_t i = 0; i < 4; ++i) v[i] = as_number(r[i], path_of(rp, i), context);
      box_list.push_back({v[0], v[1], v[2], v[3], label});
    }
  }
  auto checked = spans ? check_span_answer(span_list, set) : check_box_answer(box_list, set);
  if (!checked.problem.empty()) bad_json(context, path, checked.problem);
  return std::move(checked.regions);
}

/// Rebuilds a full state from a parsed checkpoint body, checking every value (type, range
/// of every integer into its real type, times within [min_time, max_time], labels against
/// their label set) and the consistency of slots and counts; the indexes and statistics are
/// derived through QueueState::adopt_task(), as an import derives them. `limits` becomes the
/// state's `options.json_limits` and bounds each payload.
/// @throws labelkit::parse_error naming the JSON path of the first bad value.
template <class Json>
[[nodiscard]] QueueState decode_checkpoint(const Json& body, const JsonLimits& limits,
                                           int version = checkpoint_version) {
  using annotation::AnswerKind;
  using annotation::DuplicatePolicy;
  using annotation::LabelSet;
  using annotation::LatePolicy;
  using annotation::Millis;
  const JsonContext context{"restore", "", limits};
  const auto fmt = as_string(member(body, "format", "", context), "/format", context);
  if (fmt != "labelkit.annotation.checkpoint") {
    bad_json(context, "/format", "not an annotation checkpoint (got '", fmt, "')");
  }
  QueueState state;
  const Json& o = member(body, "options", "", context);
  auto& options = state.options;
  const auto get = [&](const char* key) -> const Json& {
    return member(o, key, "/options", context);
  };
  const auto path = [](const char* key) { return path_of("/options", key); };
  options.json_limits = limits;
  options.overlap = as_integer<int>(get("overlap"), path("overlap"), context, 1);
  options.lease_timeout = std::chrono::milliseconds(
      as_integer<std::int64_t>(get("lease_timeout_ms"), path("lease_timeout_ms"), context, 0));
  const auto late = as_string(get("late_submissions"), path("late_submissions"), context);
  if (late != "accept" && late != "reject")
    bad_json(context, path("late_submissions"), "unknown policy '", late, "'");
  options.late_submissions = late == "accept" ? LatePolicy::accept : LatePolicy::reject;
  const auto dup = as_string(get("duplicate_submissions"), path("duplicate_submissions"), context);
  if (dup != "idempotent" && dup != "reject")
    bad_json(context, path("duplicate_submissions"), "unknown policy '", dup, "'");
  options.duplicate_submissions =
      dup == "idempotent" ? DuplicatePolicy::idempotent : DuplicatePolicy::reject;
  options.gold_rate = as_number(get("gold_rate"), path("gold_rate"), context);
  if (!(options.gold_rate >= 0.0 && options.gold_rate <= 1.0))
    bad_json(context, path("gold_rate"), "not in [0, 1]");
  options.seed = as_integer<std::uint64_t>(get("seed"), path("seed"), context);
  options.max_tasks_per_annotator = as_integer<Eigen::Index>(
      get("max_tasks_per_annotator"), path("max_tasks_per_annotator"), context, 0);
  options.max_active_per_annotator = as_integer<Eigen::Index>(
      get("max_active_per_annotator"), path("max_active_per_annotator"), context, 0);

  const Json& sets = member(body, "label_sets", "", context);
  expect_array(sets, "/label_sets", context);
  for (std::size_t s = 0; s < sets.size(); ++s) {
    auto set = label_set_from_json(sets[s], path_of("/label_sets", s), context);
    AnswerKind kind = AnswerKind::classes;
    if (const Json* k = optional_member(sets[s], "kind", path_of("/label_sets", s), context)) {
      const std::string kp = path_of(path_of("/label_sets", s), "kind");
      if (version < 2) bad_json(context, kp, "answer kinds need checkpoint version 2");
      const auto name = as_string(*k, kp, context);
      if (name == "pairwise") {
        kind = AnswerKind::pairwise;
      } else if (name == "spans") {
        kind = AnswerKind::spans;
      } else if (name == "boxes") {
        kind = AnswerKind::boxes;
      } else {
        bad_json(context, kp, "unknown answer kind '", name,
                 "' (expected pairwise, spans or boxes)");
      }
    }
    state.kinds.push_back(kind);
    for (const auto& other : state.label_sets) {
      if (other->from_name() == set.from_name())
        bad_json(context, path_of("/label_sets", s), "repeated label set name '", set.from_name(),
                 "'");
    }
    state.label_sets.push_back(std::make_shared<const LabelSet>(std::move(set)));
  }

  const Json& tasks = member(body, "tasks", "", context);
  expect_array(tasks, "/tasks", context);
  state.tasks.reserve(tasks.size());
  state.index_of.reserve(tasks.size());
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const std::string tp = path_of("/tasks", t);
    const Json& value = tasks[t];
    TaskState task;
    task.item = as_count(member(value, "item", tp, context), path_of(tp, "item"), context);
    const Json& data = member(value, "data", tp, context);
    check_payload(data, path_of(tp, "data"), context);
    if (!data.is_null()) task.data = std::make_shared<const Json>(data);
    const auto set_index = as_integer<int>(member(value, "label_set", tp, context),
                                           path_of(tp, "label_set"), context, 0);
    if (static_cast<std::size_t>(set_index) >= state.label_sets.size()) {
      bad_json(context, path_of(tp, "label_set"), "label set ", set_index, " does not exist");
    }
    task.label_set = static_cast<int>(set_index);
    const LabelSet& set = *state.label_sets[static_cast<std::size_t>(set_index)];
    const AnswerKind kind = state.kinds[static_cast<std::size_t>(set_index)];
    const bool regions = kind == AnswerKind::spans || kind == AnswerKind::boxes;
    const auto winner = [&](const Json& value, const std::string& path) {
      expect_array(value, path, context);
      if (value.size() != 1)
        bad_json(context, path, "expected one winner (got ", value.size(), ")");
      return std::vector<int>{as_integer<int>(value[0], path_of(path, 0), context, 0, 2)};
    };
    if (kind == AnswerKind::pairwise) {
      task.left = as_count(member(value, "left", tp, context), path_of(tp, "left"), context);
      task.right = as_count(member(value, "right", tp, context), path_of(tp, "right"), context);
      if (task.left == task.right)
        bad_json(context, path_of(tp, "right"), "the task compares item ", task.left,
                 " with itself");
    }
    task.priority =
        as_number(member(value, "priority", tp, context), path_of(tp, "priority"), context);
    if (const Json* gold = optional_member(value, "gold", tp, context)) {
      if (regions) {
        task.gold = std::vector<int>{};
        task.gold_regions = regions_from_json(*gold, kind, set, path_of(tp, "gold"), context);
      } else if (kind == AnswerKind::pairwise) {
        task.gold = winner(*gold, path_of(tp, "gold"));
      } else {
        task.gold = as_labels(*gold, set, path_of(tp, "gold"), context);
      }
    }
    const Json& predictions = member(value, "predictions", tp, context);
    expect_array(predictions, path_of(tp, "predictions"), context);
    if (kind != AnswerKind::classes && !predictions.empty()) {
      bad_json(context, path_of(tp, "predictions"), "a ", annotation::to_string(kind),
               " task has no predictions");
    }
    for (std::size_t p = 0; p < predictions.size(); ++p) {
      task.predictions.push_back(prediction_from_json(
          predictions[p], set, path_of(path_of(tp, "predictions"), p), context));
    }
    const Json& slots = member(value, "slots", tp, context);
    const std::string sp = path_of(tp, "slots");
    expect_array(slots, sp, context);
    for (std::size_t k = 0; k < slots.size(); ++k) {
      const std::string kp = path_of(sp, k);
      const Json& s = slots[k];
      Slot slot;
      slot.annotator =
          as_count(member(s, "annotator", kp, context), path_of(kp, "annotator"), context);
      if (task.slot_of(slot.annotator) != nullptr)
        bad_json(context, kp, "annotator ", slot.annotator, " appears twice on one task");
      const auto name = as_string(member(s, "state", kp, context), path_of(kp, "state"), context);
      if (name == "leased") {
        slot.state = SlotState::leased;
      } else if (name == "submitted") {
        slot.state = SlotState::submitted;
      } else if (name == "skipped") {
        slot.state = SlotState::skipped;
      } else if (name == "expired") {
        slot.state = SlotState::expired;
      } else {
        bad_json(context, path_of(kp, "state"), "unknown slot state '", name, "'");
      }
      slot.late = as_bool(member(s, "late", kp, context), path_of(kp, "late"), context);
      slot.started_at =
          as_time(member(s, "started_at", kp, context), path_of(kp, "started_at"), context);
      slot.deadline =
          as_integer<Millis>(member(s, "deadline", kp, context), path_of(kp, "deadline"), context);
      slot.submitted_at =
          as_time(member(s, "submitted_at", kp, context), path_of(kp, "submitted_at"), context);
      if (slot.state == SlotState::submitted) {
        if (regions) {
          const char* key = kind == AnswerKind::spans ? "spans" : "boxes";
          slot.regions =
              regions_from_json(member(s, key, kp, context), kind, set, path_of(kp, key), context);
        } else if (kind == AnswerKind::pairwise) {
          slot.labels = winner(member(s, "labels", kp, context), path_of(kp, "labels"));
        } else {
          slot.labels =
              as_labels(member(s, "labels", kp, context), set, path_of(kp, "labels"), context);
        }
      }
      task.slots.push_back(std::move(slot));
    }
    if (state.index_of.contains(task.item)) {
      bad_json(context, path_of(tp, "item"), "item ", task.item, " is repeated");
    }
    const std::size_t index = state.adopt_task(std::move(task));
    const auto& stored = state.tasks[index];
    if (!stored.gold && stored.accepted + stored.active > state.options.overlap &&
        stored.active > 0) {
      bad_json(context, tp, "task has more answers and leases than 'overlap' allows");
    }
  }
  const Json& people = member(body, "annotators", "", context);
  expect_array(people, "/annotators", context);
  for (std::size_t a = 0; a < people.size(); ++a) {
    const std::string ap = path_of("/annotators", a);
    const auto id =
        as_count(member(people[a], "annotator", ap, context), path_of(ap, "annotator"), context);
    auto& who = state.annotator_state(id);
    who.cap = as_integer<Eigen::Index>(member(people[a], "cap", ap, context), path_of(ap, "cap"),
                                       context, -1);
    who.draws = as_integer<std::uint64_t>(member(people[a], "draws", ap, context),
                                          path_of(ap, "draws"), context);
    who.figures.assigned =
        as_count(member(people[a], "assigned", ap, context), path_of(ap, "assigned"), context);
    who.figures.first_assigned_at = as_time(member(people[a], "first_assigned_at", ap, context),
                                            path_of(ap, "first_assigned_at"), context);
  }
  state.duplicates = as_count(member(body, "duplicates", "", context), "/duplicates", context);
  return state;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
