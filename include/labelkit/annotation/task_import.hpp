#pragma once
/// @file
/// Import into and export from a task queue's state: TaskSet (the unit of labelkit's JSON,
/// JSON Lines and Label Studio formats) to QueueState and back. Internal; TaskQueue's
/// import_tasks() and export_tasks() hold the lock around these.
///
/// An import is all-or-nothing: check_import() checks everything, then apply_import() changes
/// the state and cannot fail. Imported answers are counted through QueueState::adopt_task(),
/// the path a restore takes too, so that an imported or restored queue reports the same
/// statistics as the live queue it came from.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "labelkit/annotation/queue_state.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// @throws labelkit::invalid_argument naming task `task` and `what` if `labels` are not valid.
template <class = void>
void check_labels_or_fail(const std::vector<int>& labels, const annotation::LabelSet& set,
                          std::string_view function, std::size_t task, std::string_view what,
                          bool any_count = false) {
  const auto checked = check_labels(labels, set, any_count);
  if (!checked.problem.empty()) fail(function, "task ", task, " ", what, ": ", checked.problem);
}

/// Checks that `set` can be imported into `state`: label sets valid, unique by name and equal
/// to the queue's set of that name; items new and unique; priorities finite; payloads within
/// `limits` and valid UTF-8; answers by distinct non-negative annotators with valid labels and
/// times within [min_time, max_time]; predictions with valid labels, finite scores and UTF-8
/// model versions. O(size of the set).
/// @throws labelkit::invalid_argument naming the first offending label set or task.
template <class Json = nlohmann::json>
void check_import(const QueueState& state, const annotation::TaskSet& set, const JsonLimits& limits,
                  std::string_view function) {
  using annotation::max_time;
  using annotation::min_time;
  for (std::size_t s = 0; s < set.label_sets.size(); ++s) {
    const auto& label_set = set.label_sets[s];
    check_label_set(label_set, function);
    for (std::size_t r = 0; r < s; ++r) {
      if (set.label_sets[r].from_name() == label_set.from_name()) {
        fail(function, "label set name '", label_set.from_name(), "' is repeated");
      }
    }
    const int existing = state.find_label_set(label_set.from_name());
    if (existing >= 0 && *state.label_sets[static_cast<std::size_t>(existing)] != label_set) {
      fail(function, "label set '", label_set.from_name(),
           "' differs from the queue's label set of that name");
    }
    if (existing >= 0 && state.kind_of(existing) != annotation::AnswerKind::classes) {
      fail(function, "label set '", label_set.from_name(), "' is the queue's ",
           annotation::to_string(state.kind_of(existing)),
           " label set (a TaskSet carries class answers only)");
    }
  }
  std::unordered_map<Eigen::Index, std::size_t> seen_items;
  for (std::size_t t = 0; t < set.tasks.size(); ++t) {
    const auto& task = set.tasks[t];
    if (task.item < 0) fail(function, "task ", t, " has a negative item id (got ", task.item, ")");
    if (state.index_of.contains(task.item) || !seen_items.emplace(task.item, t).second) {
      fail(function, "task ", t, ": item ", task.item, " already exists");
    }
    if (task.label_set < 0 || static_cast<std::size_t>(task.label_set) >= set.label_sets.size()) {
      fail(function, "task ", t, " (item ", task.item, ") refers to label set ", task.label_set,
           " (the set has ", set.label_sets.size(), ")");
    }
    if (!std::isfinite(task.priority)) fail(function, "task ", t, " has a non-finite priority");
    check_json_value(task.data, limits, function,
                     concat("task ", t, " (item ", task.item, ")'s payload"));
    const auto& label_set = set.label_sets[static_cast<std::size_t>(task.label_set)];
    if (task.gold) check_labels_or_fail(*task.gold, label_set, function, t, "gold answer");
    for (std::size_t a = 0; a < task.annotations.size(); ++a) {
      const auto& record = task.annotations[a];
      if (record.annotator < 0) {
        fail(function, "task ", t, " annotation ", a, " has a negative annotator id");
      }
      for (std::size_t b = 0; b < a; ++b) {
        if (task.annotations[b].annotator == record.annotator) {
          fail(function, "task ", t, " (item ", task.item, "): annotator ", record.annotator,
               " answers twice (annotations ", b, " and ", a, ")");
        }
      }
      check_labels_or_fail(record.labels, label_set, function, t, "annotation labels");
      for (const annotation::Millis time : {record.started_at, record.submitted_at}) {
        if (time < min_time || time > max_time) {
          fail(function, "task ", t, " annotation ", a,
               " has a time outside the years 0000-9999 (got ", time, " ms)");
        }
      }
    }
    for (const auto& prediction : task.predictions) {
      if (!valid_utf8(prediction.model_version)) {
        fail(function, "task ", t, " has a prediction whose model_version is not valid UTF-8");
      }
      if (!std::isfinite(prediction.score)) {
        fail(function, "task ", t, " has a prediction with a non-finite score");
      }
      check_labels_or_fail(prediction.labels, label_set, function, t, "prediction labels", true);
    }
  }
}

/// Adds the tasks of `set`, which check_import() accepted, with their answers (counted as
/// accepted, each also as one assignment), gold answers and predictions. O(size of the set).
template <class Json = nlohmann::json>
void apply_import(QueueState& state, const annotation::TaskSet& set, std::string_view function) {
  std::vector<int> set_index(set.label_sets.size(), -1);
  for (std::size_t s = 0; s < set.label_sets.size(); ++s) {
    set_index[s] = state.add_label_set(set.label_sets[s], function);
  }
  state.tasks.reserve(state.tasks.size() + set.tasks.size());
  for (const auto& record : set.tasks) {
    TaskState task;
    task.item = record.item;
    if (!record.data.is_null()) task.data = std::make_shared<const Json>(record.data);
    task.priority = record.priority;
    task.label_set = set_index[static_cast<std::size_t>(record.label_set)];
    if (record.gold) {
      auto gold = *record.gold;
      std::sort(gold.begin(), gold.end());
      task.gold = std::move(gold);
    }
    task.predictions = record.predictions;
    for (auto& prediction : task.predictions) {
      std::sort(prediction.labels.begin(), prediction.labels.end());
    }
    for (const auto& answer : record.annotations) {
      auto labels = answer.labels;
      std::sort(labels.begin(), labels.end());
      task.slots.push_back(Slot{answer.annotator, SlotState::submitted, answer.late,
                                answer.started_at, answer.started_at, answer.submitted_at,
                                std::move(labels), nullptr});
    }
    const std::size_t index = state.adopt_task(std::move(task));
    for (const auto& slot : state.tasks[index].slots) {
      ++state.annotator_state(slot.annotator).figures.assigned;
    }
  }
}

/// The tasks of `state` with their accepted answers, gold answers and predictions, in the
/// order added. Reads only what QueueState::snapshot() copies. O(size of the state).
template <class Json = nlohmann::json>
[[nodiscard]] annotation::TaskSet export_task_set(const QueueState& state) {
  for (std::size_t k = 0; k < state.kinds.size(); ++k) {
    if (state.kinds[k] != annotation::AnswerKind::classes) {
      fail("export_tasks", "label set '", state.label_sets[k]->from_name(), "' takes ",
           annotation::to_string(state.kinds[k]),
           " answers, which a TaskSet cannot carry (use comparisons(), spans(), boxes() or the "
           "Label Studio export of that kind)");
    }
  }
  annotation::TaskSet set;
  for (const auto& label_set : state.label_sets) set.label_sets.push_back(*label_set);
  set.tasks.reserve(state.tasks.size());
  for (const auto& task : state.tasks) {
    annotation::TaskRecord record{task.item,       task.template payload<Json>(),
                                  task.label_set,  task.priority,
                                  task.gold,       {},
                                  task.predictions};
    for (const auto& slot : task.slots) {
      if (slot.state != SlotState::submitted) continue;
      record.annotations.push_back(
          {slot.annotator, slot.labels, slot.started_at, slot.submitted_at, slot.late});
    }
    set.tasks.push_back(std::move(record));
  }
  return set;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
