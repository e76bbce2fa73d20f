#pragma once
/// @file
/// The task queue's state and its invariants, without locking (task_queue.hpp holds the lock
/// around every call into this). Internal: everything here is in labelkit::detail.
///
/// Invariants of a QueueState `s`, kept by every member function:
/// - `s.index_of[t.item]` is the position of task `t` in `s.tasks`; item ids are unique.
/// - A task has at most one Slot per annotator; `t.accepted` counts its `submitted` slots and
///   `t.active` its `leased` slots.
/// - A regular task is in `s.open` exactly while `accepted + active < overlap` (`t.in_open` says
///   so); every gold task is in `s.gold`; both are keyed by the task's current priority.
/// - Every leased slot whose deadline is not `Millis` max has one LeaseKey in `s.leases`.
/// - The counters (`complete`, `n_gold`, `accepted`, `accepted_late`, `expired`, `skipped` and
///   every annotator's figures) equal what the slots imply; an accepted answer is counted by
///   count_answer() alone, whether it arrives live, by import or by restore.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "labelkit/annotation/queue_options.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Where one annotator stands with one task.
enum class SlotState : std::uint8_t { leased, submitted, skipped, expired };

/// One annotator's contact with one task.
struct Slot {
  Eigen::Index annotator = 0;
  SlotState state = SlotState::leased;
  bool late = false;
  annotation::Millis started_at = 0;
  annotation::Millis deadline = 0;
  annotation::Millis submitted_at = 0;
  std::vector<int> labels;  ///< Class answers; a pairwise answer is one label, the Winner.
  std::shared_ptr<const Regions> regions;  ///< Span or box answers (null: none, or not regions).
};

/// One task. The payload is immutable once added and shared, so that a snapshot of the state
/// (taken under the queue's lock) copies a pointer, not the payload.
struct TaskState {
  Eigen::Index item = 0;
  std::shared_ptr<const nlohmann::json> data;  ///< Null pointer: a JSON null payload.
  double priority = 0.0;
  int label_set = 0;
  int accepted = 0;
  int active = 0;
  bool in_open = false;
  std::optional<std::vector<int>> gold;  ///< Engaged for a gold task (empty for region gold).
  std::shared_ptr<const Regions> gold_regions;  ///< The gold answer of a span or box task.
  Eigen::Index left = -1;   ///< Pairwise task: the item shown on the left, else -1.
  Eigen::Index right = -1;  ///< Pairwise task: the item shown on the right, else -1.
  std::vector<annotation::Prediction> predictions;
  std::vector<Slot> slots;

  /// The payload (JSON null when there is none).
  template <class Json = nlohmann::json>
  [[nodiscard]] const Json& payload() const noexcept {
    static const Json null;
    return data ? *data : null;
  }
  [[nodiscard]] const Slot* slot_of(Eigen::Index annotator) const noexcept {
    for (const auto& slot : slots) {
      if (slot.annotator == annotator) return &slot;
    }
    return nullptr;
  }
  [[nodiscard]] Slot* slot_of(Eigen::Index annotator) noexcept {
    return const_cast<Slot*>(std::as_const(*this).slot_of(annotator));
  }
};

/// One annotator's figures, cap and gold-draw counter.
struct AnnotatorState {
  annotation::AnnotatorProgress figures;
  Eigen::Index cap = -1;    ///< -1: the queue's default.
  std::uint64_t draws = 0;  ///< Gold draws made (the draw counter of the random stream).
};

/// Priority order of the open set: higher priority first, then lower item id.
struct RankKey {
  double priority;
  Eigen::Index item;
  std::size_t index;
};
/// Orders RankKey: higher priority first, then lower item id.
struct RankOrder {
  bool operator()(const RankKey& a, const RankKey& b) const noexcept {
    return a.priority > b.priority || (a.priority == b.priority && a.item < b.item);
  }
};

/// An active lease, ordered by deadline.
struct LeaseKey {
  annotation::Millis deadline;
  std::size_t index;
  Eigen::Index annotator;
  friend bool operator<(const LeaseKey& a, const LeaseKey& b) noexcept {
    if (a.deadline != b.deadline) return a.deadline < b.deadline;
    if (a.index != b.index) return a.index < b.index;
    return a.annotator < b.annotator;
  }
};

/// The whole state of a queue (see the file comment for its invariants); movable, so that a
/// restore is built aside and swapped in.
struct QueueState {
  annotation::QueueOptions options;
  std::vector<std::shared_ptr<const annotation::LabelSet>> label_sets;
  std::vector<annotation::AnswerKind> kinds;  ///< The answer kind of each label set.
  std::vector<TaskState> tasks;
  std::unordered_map<Eigen::Index, std::size_t> index_of;
  std::set<RankKey, RankOrder> open;  ///< Regular tasks with accepted + active < overlap.
  std::set<RankKey, RankOrder> gold;  ///< All gold tasks.
  std::set<LeaseKey> leases;          ///< Active leases by deadline.
  std::map<Eigen::Index, AnnotatorState> annotators;
  Eigen::Index complete = 0;
  Eigen::Index n_gold = 0;
  Eigen::Index expired = 0;
  Eigen::Index skipped = 0;
  Eigen::Index accepted = 0;
  Eigen::Index accepted_late = 0;
  Eigen::Index duplicates = 0;

  /// The part of the state a checkpoint holds (options, label sets, tasks with their slots,
  /// annotators, duplicates), copied: O(tasks + slots), payloads shared. The indexes and
  /// counters are left empty (a checkpoint derives them again).
  template <class Json = nlohmann::json>
  [[nodiscard]] QueueState snapshot() const {
    QueueState copy;
    copy.options = options;
    copy.label_sets = label_sets;
    copy.kinds = kinds;
    copy.tasks = tasks;
    copy.annotators = annotators;
    copy.duplicates = duplicates;
    return copy;
  }

  /// Index of the label set called `name`, or -1.
  [[nodiscard]] int find_label_set(std::string_view name) const {
    for (std::size_t i = 0; i < label_sets.size(); ++i) {
      if (label_sets[i]->from_name() == name) return static_cast<int>(i);
    }
    return -1;
  }

  /// Adds `set` (already checked) with answers of `kind`, or returns the index of an equal set
  /// of that name and kind.
  /// @throws labelkit::invalid_argument if a different set (or kind) has the name.
  template <class = void>
  int add_label_set(annotation::LabelSet set, std::string_view function,
                    annotation::AnswerKind kind = annotation::AnswerKind::classes) {
    const int existing = find_label_set(set.from_name());
    if (existing >= 0) {
      const auto e = static_cast<std::size_t>(existing);
      if (*label_sets[e] != set) {
        fail(function, "a different label set named '", set.from_name(), "' exists");
      }
      if (kinds[e] != kind) {
        fail(function, "label set '", set.from_name(), "' exists with answer kind '",
             annotation::to_string(kinds[e]), "' (got '", annotation::to_string(kind), "')");
      }
      return existing;
    }
    label_sets.push_back(std::make_shared<const annotation::LabelSet>(std::move(set)));
    kinds.push_back(kind);
    return static_cast<int>(label_sets.size()) - 1;
  }

  /// The answer kind of label set `index` (in range).
  [[nodiscard]] annotation::AnswerKind kind_of(int index) const {
    return kinds[static_cast<std::size_t>(index)];
  }

  /// @throws labelkit::invalid_argument unless 0 <= index < number of label sets.
  void check_label_set_index(int index, std::string_view function) const {
    if (index < 0 || static_cast<std::size_t>(index) >= label_sets.size()) {
      fail(function, "'label_set' is out of range (got ", index, ", the queue has ",
           label_sets.size(), " label sets)");
    }
  }

  /// The position of `item`. @throws labelkit::invalid_argument if it is not a task.
  [[nodiscard]] std::size_t find_or_fail(Eigen::Index item, std::string_view function) const {
    const auto found = index_of.find(item);
    if (found == index_of.end()) fail(function, "item ", item, " is not a task of this queue");
    return found->second;
  }

  /// The annotator's state, created on first use.
  template <class = void>
  AnnotatorState& annotator_state(Eigen::Index annotator) {
    auto& who = annotators[annotator];
    who.figures.annotator = annotator;
    return who;
  }

  /// Appends `task` (whose slots may already hold answers, leases, skips and expiries: an
  /// import or a restore) and counts everything its slots imply, through count_answer() for
  /// answers. The caller has checked that the item is new and the slots are valid.
  template <class = void>
  std::size_t adopt_task(TaskState task) {
    const std::size_t index = tasks.size();
    index_of.emplace(task.item, index);
    tasks.push_back(std::move(task));
    auto& stored = tasks.back();
    for (const auto& slot : stored.slots) {
      auto& who = annotator_state(slot.annotator);
      switch (slot.state) {
        case SlotState::leased:
          ++stored.active;
          ++who.figures.active;
          if (slot.deadline != std::numeric_limits<annotation::Millis>::max()) {
            leases.insert({slot.deadline, index, slot.annotator});
          }
          break;
        case SlotState::submitted:
          if (slot.late) {  // a late answer's lease expired first, as in a live queue
            ++expired;
            ++who.figures.expired;
          }
          ++stored.accepted;
          count_answer(stored, slot, who);
          break;
        case SlotState::skipped:
          ++skipped;
          ++who.figures.skipped;
          break;
        case SlotState::expired:
          ++expired;
          ++who.figures.expired;
          break;
      }
    }
    if (stored.gold) {
      ++n_gold;
      gold.insert({stored.priority, stored.item, index});
    } else {
      if (stored.accepted >= options.overlap) ++complete;
      refresh_open(index);
    }
    return index;
  }

  /// Keeps a regular task in the open set exactly while accepted + active < overlap.
  template <class = void>
  void refresh_open(std::size_t index) {
    auto& task = tasks[index];
    if (task.gold) return;
    const bool should = task.accepted + task.active < options.overlap;
    if (should == task.in_open) return;
    if (should) {
      open.insert({task.priority, task.item, index});
    } else {
      open.erase({task.priority, task.item, index});
    }
    task.in_open = should;
  }

  /// Re-keys task `index` in its ranked set. O(log n).
  template <class = void>
  void set_priority(std::size_t index, double priority) {
    auto& task = tasks[index];
    if (task.priority == priority) return;
    auto& container = task.gold ? gold : open;
    if (task.gold || task.in_open) {
      auto node = container.extract({task.priority, task.item, index});
      node.value().priority = priority;
      container.insert(std::move(node));
    }
    task.priority = priority;
  }

  /// Rebuilds the open and gold sets from the tasks' priorities: one sort, then insertion at
  /// the end (amortised O(1) per node). O(n log n).
  template <class = void>
  void rebuild_ranked_sets() {
    std::vector<RankKey> open_keys, gold_keys;
    open_keys.reserve(open.size());
    gold_keys.reserve(gold.size());
    for (std::size_t index = 0; index < tasks.size(); ++index) {
      const auto& task = tasks[index];
      if (task.gold) {
        gold_keys.push_back({task.priority, task.item, index});
      } else if (task.in_open) {
        open_keys.push_back({task.priority, task.item, index});
      }
    }
    const auto refill = [](std::set<RankKey, RankOrder>& set, std::vector<RankKey>& keys) {
      std::sort(keys.begin(), keys.end(), RankOrder{});
      set.clear();
      for (const auto& key : keys) set.emplace_hint(set.end(), key);
    };
    refill(open, open_keys);
    refill(gold, gold_keys);
  }

  /// The first task of `set` (in rank order) that `annotator` has never received.
  template <class Set>
  [[nodiscard]] typename Set::const_iterator first_unseen(const Set& set,
                                                          Eigen::Index annotator) const {
    auto it = set.begin();
    while (it != set.end() && tasks[it->index].slot_of(annotator) != nullptr) ++it;
    return it;
  }

  /// Drops the lease of `slot` on task `index` (submitted, skipped or expired).
  template <class = void>
  void release_lease(std::size_t index, Slot& slot) {
    auto& task = tasks[index];
    --task.active;
    --annotators[slot.annotator].figures.active;
    if (slot.deadline != std::numeric_limits<annotation::Millis>::max()) {
      leases.erase({slot.deadline, index, slot.annotator});
    }
  }

  /// Expires every lease whose deadline is at or before `now`.
  template <class = void>
  void expire_due(annotation::Millis now) {
    while (!leases.empty() && leases.begin()->deadline <= now) {
      const LeaseKey key = *leases.begin();
      auto& task = tasks[key.index];
      Slot* slot = task.slot_of(key.annotator);
      release_lease(key.index, *slot);
      slot->state = SlotState::expired;
      ++expired;
      ++annotators[key.annotator].figures.expired;
      refresh_open(key.index);
    }
  }

  /// The statistics of one accepted answer: the one place they are counted, for live
  /// submissions, imports and restores alike.
  template <class = void>
  void count_answer(const TaskState& task, const Slot& slot, AnnotatorState& who) {
    ++accepted;
    ++who.figures.submitted;
    if (slot.late) {
      ++accepted_late;
      ++who.figures.late;
    }
    who.figures.total_duration = saturating_add(who.figures.total_duration,
                                                saturating_sub(slot.submitted_at, slot.started_at));
    who.figures.last_submitted_at = std::max(who.figures.last_submitted_at, slot.submitted_at);
    if (task.gold) {
      ++who.figures.gold_answered;
      if (slot.labels == *task.gold && same_regions(slot.regions, task.gold_regions))
        ++who.figures.gold_correct;
    }
  }
};

/// Uniform [0, 1) draw number `counter` of `annotator`'s gold stream: independent of how
/// threads interleave.
[[nodiscard]] inline double gold_draw(std::uint64_t seed, Eigen::Index annotator,
                                      std::uint64_t counter) noexcept {
  Random random(seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(annotator) + 1)) ^
                (0xd1b54a32d192ed03ULL * (counter + 1)));
  return random.uniform01();
}

/// @throws labelkit::invalid_argument for an out-of-range option.
inline void check_options(const annotation::QueueOptions& options, std::string_view function) {
  if (options.overlap < 1) fail(function, "'overlap' must be >= 1 (got ", options.overlap, ")");
  if (options.lease_timeout.count() < 0) {
    fail(function, "'lease_timeout' is negative (got ", options.lease_timeout.count(), " ms)");
  }
  if (!(options.gold_rate >= 0.0 && options.gold_rate <= 1.0)) {
    fail(function, "'gold_rate' must be in [0, 1] (got ", options.gold_rate, ")");
  }
  if (options.max_tasks_per_annotator < 0) {
    fail(function, "'max_tasks_per_annotator' is negative (got ", options.max_tasks_per_annotator,
         ")");
  }
  if (options.max_active_per_annotator < 0) {
    fail(function, "'max_active_per_annotator' is negative (got ", options.max_active_per_annotator,
         ")");
  }
}

/// Nothing left to check: a LabelSet validates itself when it is built (non-empty, distinct
/// names, valid UTF-8). Kept so that the queue's entry points read the same.
inline void check_label_set(const annotation::LabelSet& /*set*/, std::string_view /*function*/) {}

}  // namespace detail
LABELKIT_END_NAMESPACE
