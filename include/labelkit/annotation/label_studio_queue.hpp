#pragma once
/// @file
/// The Label Studio round trip of a TaskQueue's pairwise, span and box label sets, through the
/// readers and writers of label_studio_pairwise.hpp and label_studio_regions.hpp (class label
/// sets go through `write_label_studio(out, queue.export_tasks())`, label_studio.hpp).
///
/// @code
/// namespace la = labelkit::annotation;
/// // Export: the queue's pairwise tasks and answers, as Label Studio's Pairwise JSON.
/// la::write_label_studio_pairwise(out, la::export_pairwise_tasks(queue, pw),
///                                 la::pairwise_format(*queue.label_set(pw)));
/// // Import: Label Studio's export of a NER project, answers counted as accepted.
/// la::import_region_tasks(queue, ner, la::read_label_studio_regions(in, queue.label_set(ner)));
/// @endcode
///
/// Export lists every task of the label set in the order added, with its accepted answers in
/// hand-out order; gold tasks are exported as ordinary tasks (neither format has a hidden gold
/// answer). Import adds the tasks with their answers counted as accepted (each also as one
/// assignment, as TaskQueue::import_tasks() does) and is all-or-nothing. Export -> write ->
/// read -> import into an empty queue -> export gives the same tasks and answers; the answers'
/// lease times are not part of either format (a pairwise answer keeps its `created_at`).

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "labelkit/annotation/label_studio_pairwise.hpp"
#include "labelkit/annotation/label_studio_regions.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

struct LabelStudioQueueAccess {
  static std::mutex& mutex(const annotation::TaskQueue& q) noexcept { return q.mutex_; }
  static const QueueState& state(const annotation::TaskQueue& q) noexcept { return q.state_; }
  static QueueState& state(annotation::TaskQueue& q) noexcept { return q.state_; }
  static bool journaled(const annotation::TaskQueue& q) noexcept { return q.journal_ != nullptr; }
};

/// With the queue's lock held: @throws labelkit::invalid_argument unless `label_set` exists and
/// takes `kind` answers (spans or boxes both pass when `kind` is spans and `regions`).
inline void expect_queue_kind(const QueueState& state, int label_set, annotation::AnswerKind kind,
                              bool regions, std::string_view function) {
  state.check_label_set_index(label_set, function);
  const annotation::AnswerKind actual = state.kind_of(label_set);
  const bool ok =
      regions ? actual == annotation::AnswerKind::spans || actual == annotation::AnswerKind::boxes
              : actual == kind;
  if (!ok) {
    fail(function, "label set '",
         state.label_sets[static_cast<std::size_t>(label_set)]->from_name(), "' takes ",
         annotation::to_string(actual), " answers (expected ",
         regions ? "a spans or boxes" : "a pairwise", " label set)");
  }
}

/// @throws labelkit::invalid_argument for a negative or repeated item id, or one the queue has.
template <class = void>
inline void check_new_item(const QueueState& state, std::unordered_set<Eigen::Index>& seen,
                           Eigen::Index item, std::size_t position, std::string_view function) {
  if (item < 0 || item > max_file_count) {
    fail(function, "task ", position, " has item id ", item, " (expected 0 <= id <= 2^62)");
  }
  if (state.index_of.contains(item) || !seen.insert(item).second) {
    fail(function, "task ", position, ": item ", item, " already exists");
  }
}

}  // namespace detail
namespace annotation {

/// The Label Studio names of a pairwise label set: its `from_name` and `to_name` as the
/// `<Pairwise>` control's, the default item-id members of `data`.
template <class = void>
[[nodiscard]] inline PairwiseFormat pairwise_format(const LabelSet& set) {
  PairwiseFormat format;
  format.from_name = set.from_name();
  format.to_name = set.to_name();
  return format;
}

/// The tasks of AnswerKind::pairwise set `label_set` with their accepted answers, for
/// write_label_studio_pairwise(): task id = item, `left`/`right` = the compared items, `data` =
/// the payload, one PairwiseAnswer per accepted answer (annotator, winner, submission time).
/// O(tasks + answers + payload sizes).
/// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
template <class Json = nlohmann::json>
[[nodiscard]] std::vector<PairwiseTask> export_pairwise_tasks(const TaskQueue& queue,
                                                              int label_set) {
  using Access = detail::LabelStudioQueueAccess;
  constexpr std::string_view function = "export_pairwise_tasks";
  std::lock_guard lock(Access::mutex(queue));
  const auto& state = Access::state(queue);
  detail::expect_queue_kind(state, label_set, AnswerKind::pairwise, false, function);
  std::vector<PairwiseTask> out;
  for (const auto& task : state.tasks) {
    if (task.label_set != label_set) continue;
    const nlohmann::json& payload = task.payload();
    PairwiseTask record{task.item,
                        task.left,
                        task.right,
                        payload.is_null() ? nlohmann::json::object() : payload,
                        {}};
    for (const auto& slot : task.slots) {
      if (slot.state != detail::SlotState::submitted) continue;
      record.answers.push_back(
          {slot.annotator, static_cast<Winner>(slot.labels.front()), slot.submitted_at});
    }
    out.push_back(std::move(record));
  }
  return out;
}

/// The tasks of span or box set `label_set` with their accepted answers, for
/// write_label_studio_regions(): `items` and `data` in the order added (a null payload as `{}`,
/// a payload that is not an object as `{"value": payload}`), every accepted answer
/// in `annotated` (also one without regions), its spans or boxes in `spans` / `boxes`.
/// O(tasks + regions + payload sizes).
/// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
template <class Json = nlohmann::json>
[[nodiscard]] RegionTasks<Json> export_region_tasks(const TaskQueue& queue, int label_set) {
  using Access = detail::LabelStudioQueueAccess;
  constexpr std::string_view function = "export_region_tasks";
  std::lock_guard lock(Access::mutex(queue));
  const auto& state = Access::state(queue);
  detail::expect_queue_kind(state, label_set, AnswerKind::spans, true, function);
  RegionTasks<Json> out;
  for (const auto& task : state.tasks) {
    if (task.label_set != label_set) continue;
    out.items.push_back(task.item);
    const Json& payload = task.template payload<Json>();
    // Label Studio needs an object: null is {}, another non-object payload {"value": payload}.
    out.data.push_back(payload.is_null()     ? Json::object()
                       : payload.is_object() ? payload
                                             : Json{{"value", payload}});
    for (const auto& slot : task.slots) {
      if (slot.state != detail::SlotState::submitted) continue;
      out.annotated.push_back({task.item, slot.annotator});
      if (!slot.regions) continue;
      for (const auto& s : slot.regions->spans)
        out.spans.push_back({task.item, slot.annotator, s.start, s.end, s.label});
      for (const auto& b : slot.regions->boxes)
        out.boxes.push_back({task.item, slot.annotator, b.x, b.y, b.width, b.height, b.label});
    }
  }
  return out;
}

/// Adds pairwise tasks read from Label Studio (read_label_studio_pairwise()) to AnswerKind::
/// pairwise set `label_set`, their answers counted as accepted. All-or-nothing.
/// O(tasks + answers + payload sizes).
/// @throws labelkit::invalid_argument for an unknown label set or one of another kind, a
///   journal attached, a negative, repeated or existing item, an item id or compared id over
///   2^62, the same item on both sides, a negative annotator, an annotator answering a task
///   twice, a winner outside Winner, a time outside the years 0000-9999, or a payload beyond
///   the queue's `json_limits`.
template <class Json = nlohmann::json>
void import_pairwise_tasks(TaskQueue& queue, int label_set, std::span<const PairwiseTask> tasks) {
  using Access = detail::LabelStudioQueueAccess;
  using labelkit::detail::fail;
  constexpr std::string_view function = "import_pairwise_tasks";
  const JsonLimits limits = queue.options().json_limits;
  std::lock_guard lock(Access::mutex(queue));
  auto& state = Access::state(queue);
  detail::expect_queue_kind(state, label_set, AnswerKind::pairwise, false, function);
  if (Access::journaled(queue)) fail(function, "the queue has a journal (class answers only)");
  std::unordered_set<Eigen::Index> seen;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const auto& task = tasks[t];
    detail::check_new_item(state, seen, task.id, t, function);
    if (task.left < 0 || task.right < 0 || task.left > detail::max_file_count ||
        task.right > detail::max_file_count || task.left == task.right) {
      fail(function, "task ", t, " compares items ", task.left, " and ", task.right,
           " (expected two different ids in [0, 2^62])");
    }
    labelkit::detail::check_json_value(task.data, limits, function,
                                       labelkit::detail::concat("task ", t, "'s payload"));
    std::unordered_set<Eigen::Index> annotators;
    for (std::size_t a = 0; a < task.answers.size(); ++a) {
      const auto& answer = task.answers[a];
      if (answer.annotator < 0 || answer.annotator > detail::max_file_count ||
          !annotators.insert(answer.annotator).second) {
        fail(function, "task ", t, " answer ", a,
             " has a negative, too large or repeated annotator (", answer.annotator, ")");
      }
      if (!detail::check_winner(answer.winner).problem.empty()) {
        fail(function, "task ", t, " answer ", a, ": ",
             detail::check_winner(answer.winner).problem);
      }
      if (answer.submitted_at < min_time || answer.submitted_at > max_time) {
        fail(function, "task ", t, " answer ", a, " has a time outside the years 0000-9999");
      }
    }
  }
  for (const auto& record : tasks) {
    detail::TaskState task;
    task.item = record.id;
    if (!record.data.is_null() && !(record.data.is_object() && record.data.empty()))
      task.data = std::make_shared<const nlohmann::json>(record.data);
    task.label_set = label_set;
    task.left = record.left;
    task.right = record.right;
    for (const auto& answer : record.answers) {
      task.slots.push_back(
          detail::Slot{answer.annotator, detail::SlotState::submitted, false, answer.submitted_at,
                       answer.submitted_at, answer.submitted_at,
                       std::vector<int>{static_cast<int>(answer.winner)}, nullptr});
    }
    const std::size_t index = state.adopt_task(std::move(task));
    for (const auto& slot : state.tasks[index].slots)
      ++state.annotator_state(slot.annotator).figures.assigned;
  }
}

/// Adds span or box tasks read from Label Studio (read_label_studio_regions()) to span or box
/// set `label_set`: one task per entry of `tasks.items` with its payload, one accepted answer
/// per `annotated` record (its regions collected from `spans` or `boxes`). The regions of the
/// other kind must be empty. All-or-nothing. O(tasks + regions log regions + payload sizes).
/// @throws labelkit::invalid_argument for an unknown label set or one of another kind, a
///   journal attached, `items` and `data` of different lengths, a negative, repeated or
///   existing item, an answer or region naming an item not in `items`, a region without its
///   answer in `annotated`, an answer listed twice, an invalid region (as submit() checks it),
///   regions of the other kind, or a payload beyond the queue's `json_limits`.
template <class Json = nlohmann::json>
void import_region_tasks(TaskQueue& queue, int label_set, const RegionTasks<Json>& tasks) {
  using Access = detail::LabelStudioQueueAccess;
  using labelkit::detail::fail;
  constexpr std::string_view function = "import_region_tasks";
  const JsonLimits limits = queue.options().json_limits;
  std::lock_guard lock(Access::mutex(queue));
  auto& state = Access::state(queue);
  detail::expect_queue_kind(state, label_set, AnswerKind::spans, true, function);
  if (Access::journaled(queue)) fail(function, "the queue has a journal (class answers only)");
  const AnswerKind kind = state.kind_of(label_set);
  const LabelSet& set = *state.label_sets[static_cast<std::size_t>(label_set)];
  if (tasks.items.size() != tasks.data.size()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'items' has ", tasks.items.size(),
                                               " entries and 'data' ", tasks.data.size());
  }
  if (kind == AnswerKind::spans ? !tasks.boxes.empty() : !tasks.spans.empty()) {
    fail(function, "label set '", set.from_name(), "' takes ", to_string(kind),
         " answers, but the tasks hold ", kind == AnswerKind::spans ? "boxes" : "spans");
  }
  std::unordered_set<Eigen::Index> seen;
  std::unordered_map<Eigen::Index, std::size_t> task_of;
  for (std::size_t t = 0; t < tasks.items.size(); ++t) {
    detail::check_new_item(state, seen, tasks.items[t], t, function);
    task_of.emplace(tasks.items[t], t);
    labelkit::detail::check_json_value(tasks.data[t], limits, function,
                                       labelkit::detail::concat("task ", t, "'s payload"));
  }
  // Each answer's regions, keyed by (item, annotator), in `annotated` order.
  std::map<std::pair<Eigen::Index, Eigen::Index>, std::size_t> answer_of;
  std::vector<std::vector<SpanRegion>> spans(tasks.annotated.size());
  std::vector<std::vector<BoxRegion>> boxes(tasks.annotated.size());
  for (std::size_t a = 0; a < tasks.annotated.size(); ++a) {
    const auto& r = tasks.annotated[a];
    if (task_of.count(r.item) == 0 || r.annotator < 0 || r.annotator > detail::max_file_count) {
      fail(function, "'annotated' record ", a, " (item ", r.item, ", annotator ", r.annotator,
           ") names no task of 'items' or a bad annotator");
    }
    if (!answer_of.emplace(std::pair{r.item, r.annotator}, a).second) {
      fail(function, "'annotated' record ", a, " repeats item ", r.item, ", annotator ",
           r.annotator);
    }
  }
  const auto answer_at = [&](Eigen::Index item, Eigen::Index annotator, std::size_t r,
                             const char* what) {
    const auto found = answer_of.find({item, annotator});
    if (found == answer_of.end()) {
      fail(function, "'", what, "' record ", r, " (item ", item, ", annotator ", annotator,
           ") has no answer in 'annotated'");
    }
    return found->second;
  };
  for (std::size_t r = 0; r < tasks.spans.size(); ++r) {
    const auto& s = tasks.spans[r];
    spans[answer_at(s.item, s.annotator, r, "spans")].push_back({s.start, s.end, s.label});
  }
  for (std::size_t r = 0; r < tasks.boxes.size(); ++r) {
    const auto& b = tasks.boxes[r];
    boxes[answer_at(b.item, b.annotator, r, "boxes")].push_back(
        {b.x, b.y, b.width, b.height, b.label});
  }
  std::vector<std::shared_ptr<const detail::Regions>> regions(tasks.annotated.size());
  for (std::size_t a = 0; a < tasks.annotated.size(); ++a) {
    auto checked = kind == AnswerKind::spans ? detail::check_span_answer(spans[a], set)
                                             : detail::check_box_answer(boxes[a], set);
    if (!checked.problem.empty()) {
      fail(function, "item ", tasks.annotated[a].item, ", annotator ", tasks.annotated[a].annotator,
           ": ", checked.problem);
    }
    regions[a] = std::move(checked.regions);
  }
  std::vector<detail::TaskState> added(tasks.items.size());
  for (std::size_t t = 0; t < tasks.items.size(); ++t) {
    added[t].item = tasks.items[t];
    if (!tasks.data[t].is_null() && !tasks.data[t].empty())
      added[t].data = std::make_shared<const nlohmann::json>(tasks.data[t]);
    added[t].label_set = label_set;
  }
  for (std::size_t a = 0; a < tasks.annotated.size(); ++a) {
    const auto& r = tasks.annotated[a];
    added[task_of[r.item]].slots.push_back(detail::Slot{
        r.annotator, detail::SlotState::submitted, false, 0, 0, 0, {}, std::move(regions[a])});
  }
  for (auto& task : added) {
    const std::size_t index = state.adopt_task(std::move(task));
    for (const auto& slot : state.tasks[index].slots)
      ++state.annotator_state(slot.annotator).figures.assigned;
  }
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
