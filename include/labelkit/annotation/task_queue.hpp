#pragma once
/// @file
/// labelkit::annotation::TaskQueue: the thread-safe queue a host puts behind its annotation UI or
/// crowd platform. Tasks are created from items and a label set, handed out by priority with
/// `overlap` distinct annotators per item, hidden gold mixed in, leases that expire, validated
/// submissions, progress figures, export as labelkit::Annotation records, and checkpoints.
///
/// @code
/// namespace la = labelkit::annotation;
/// la::TaskQueue queue({.overlap = 2, .gold_rate = 0.1, .seed = 7});
/// const int digits = queue.add_label_set({.name = "digit", .classes = {"0", "1", "2"}});
/// queue.add_tasks(item_ids, digits);
/// queue.add_gold(gold_ids, digits, gold_answers);
/// queue.update_priorities(item_ids, scores);      // e.g. entropy from labelkit::query
/// while (auto task = queue.next(annotator)) queue.submit(annotator, task->item, answer(*task));
/// auto annotations = queue.annotations();          // std::vector<labelkit::Annotation>
/// @endcode

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// What happens to an answer submitted after its lease expired.
enum class LatePolicy {
  accept,  ///< Counted if the item still needs an answer (never beyond `overlap`), else refused.
  reject,  ///< Always refused with lease_expired.
};

/// What happens when an annotator submits an item they already submitted.
enum class DuplicatePolicy {
  idempotent,  ///< The same answer again returns SubmitStatus::duplicate and is not counted.
  reject,      ///< Any repeat is refused with duplicate_submission.
};

/// The queue's configuration.
struct QueueOptions {
  int overlap = 1;  ///< Distinct annotators per (regular) item, >= 1.
  /// How long an annotator holds a task; zero means leases never expire.
  std::chrono::milliseconds lease_timeout{std::chrono::minutes(30)};
  LatePolicy late_submissions = LatePolicy::accept;
  DuplicatePolicy duplicate_submissions = DuplicatePolicy::idempotent;
  /// Probability in [0, 1] that next() hands out a gold item (when one is left for the annotator).
  double gold_rate = 0.0;
  std::uint64_t seed = 0;  ///< Seeds the gold draws (deterministic per annotator and request).
  /// Default cap on tasks per annotator (accepted answers + active leases); 0 = no cap.
  Eigen::Index max_tasks_per_annotator = 0;
  /// Cap on leases an annotator holds at once; 0 = no cap.
  Eigen::Index max_active_per_annotator = 0;
  /// Limits on JSON: a task payload may nest `json_limits.max_depth` levels (checked at
  /// add_task, add_gold and import_tasks, together with UTF-8), and a checkpoint read by
  /// restore() or load_checkpoint() may have `json_limits.max_bytes` bytes and nest
  /// `max_depth` + 8 levels. Not part of a checkpoint: a restore keeps the queue's own limits.
  JsonLimits json_limits{};
};

/// The queue's clock: milliseconds since an epoch. Must be safe to call from any thread.
using Clock = std::function<Millis()>;

/// The default clock: std::chrono::system_clock in milliseconds since the Unix epoch (so leases
/// and durations survive a checkpoint and restart).
[[nodiscard]] inline Millis system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A clock that moves only when told: for tests and simulations. Copies share the same time,
/// so pass it to the queue and keep a copy to advance it. Thread-safe.
class ManualClock {
 public:
  explicit ManualClock(Millis start = 0) : now_(std::make_shared<std::atomic<Millis>>(start)) {}
  Millis operator()() const noexcept { return now_->load(std::memory_order_relaxed); }
  /// Moves the time by `by` (saturating at the ends of Millis).
  void advance(std::chrono::milliseconds by) noexcept {
    Millis now = now_->load(std::memory_order_relaxed);
    while (!now_->compare_exchange_weak(now, detail::saturating_add(now, by.count()),
                                        std::memory_order_relaxed)) {
    }
  }
  void set(Millis now) noexcept { now_->store(now, std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<Millis>> now_;
};

/// Task and lease counts. A regular task is `pending` (no answer, no lease), `in_progress`
/// (some answers or leases, fewer than `overlap` answers) or `complete` (`overlap` answers).
struct TaskCounts {
  Eigen::Index regular = 0;
  Eigen::Index gold = 0;
  Eigen::Index pending = 0;
  Eigen::Index in_progress = 0;
  Eigen::Index complete = 0;
  Eigen::Index active_leases = 0;
  Eigen::Index accepted = 0;  ///< Answers counted (regular and gold), late ones included.
  Eigen::Index accepted_late = 0;
  Eigen::Index expired = 0;  ///< Leases that expired.
  Eigen::Index skipped = 0;
  Eigen::Index duplicates = 0;  ///< Idempotent repeats ignored.
};

/// One annotator's figures. Durations are from hand-out to accepted answer, in milliseconds.
struct AnnotatorProgress {
  Eigen::Index annotator = 0;
  Eigen::Index assigned = 0;   ///< Leases received (gold included).
  Eigen::Index submitted = 0;  ///< Answers accepted (gold and late included).
  Eigen::Index late = 0;
  Eigen::Index skipped = 0;
  Eigen::Index expired = 0;
  Eigen::Index active = 0;  ///< Leases held now.
  Eigen::Index gold_answered = 0;
  Eigen::Index gold_correct = 0;
  Millis total_duration = 0;
  Millis first_assigned_at = 0;
  Millis last_submitted_at = 0;

  /// Mean time per accepted answer (ms); 0 without answers.
  [[nodiscard]] double mean_duration_ms() const noexcept {
    return submitted > 0 ? static_cast<double>(total_duration) / static_cast<double>(submitted)
                         : 0.0;
  }
  /// Accepted answers per hour between the first hand-out and the last answer; 0 if undefined.
  [[nodiscard]] double throughput_per_hour() const noexcept {
    const Millis span = detail::saturating_sub(last_submitted_at, first_assigned_at);
    return submitted > 0 && span > 0
               ? static_cast<double>(submitted) * 3.6e6 / static_cast<double>(span)
               : 0.0;
  }
  /// Share of gold items answered correctly; NaN without gold answers.
  [[nodiscard]] double gold_accuracy() const noexcept {
    return gold_answered > 0
               ? static_cast<double>(gold_correct) / static_cast<double>(gold_answered)
               : std::numeric_limits<double>::quiet_NaN();
  }
};

/// A snapshot of the queue's progress.
struct Progress {
  TaskCounts tasks;
  std::vector<AnnotatorProgress> annotators;  ///< Ascending annotator id.

  /// Whether every regular task has `overlap` answers.
  [[nodiscard]] bool finished() const noexcept { return tasks.complete == tasks.regular; }
};

/// A gold item's known answer: labelkit::quality's record, so that gold_labels() feeds
/// quality::gold_standard() and the `gold` option of quality::dawid_skene() directly.
using GoldLabel = labelkit::quality::GoldLabel;

}  // namespace annotation
namespace detail {

enum class SlotState : std::uint8_t { leased, submitted, skipped, expired };

/// One annotator's contact with one task.
struct Slot {
  Eigen::Index annotator = 0;
  SlotState state = SlotState::leased;
  bool late = false;
  annotation::Millis started_at = 0;
  annotation::Millis deadline = 0;
  annotation::Millis submitted_at = 0;
  std::vector<int> labels;
};

struct TaskState {
  Eigen::Index item = 0;
  nlohmann::json data;
  double priority = 0.0;
  int label_set = 0;
  int accepted = 0;
  int active = 0;
  bool in_open = false;
  std::optional<std::vector<int>> gold;
  std::vector<annotation::Prediction> predictions;
  std::vector<Slot> slots;

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
struct RankOrder {
  bool operator()(const RankKey& a, const RankKey& b) const noexcept {
    return a.priority > b.priority || (a.priority == b.priority && a.item < b.item);
  }
};

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

/// Everything a checkpoint holds; movable, so a restore is built aside and swapped in.
struct QueueState {
  annotation::QueueOptions options;
  std::vector<std::shared_ptr<const annotation::LabelSet>> label_sets;
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
};

/// Uniform [0, 1) draw number `counter` of `annotator`'s gold stream: independent of how
/// threads interleave.
[[nodiscard]] inline double gold_draw(std::uint64_t seed, Eigen::Index annotator,
                                      std::uint64_t counter) noexcept {
  Random random(seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(annotator) + 1)) ^
                (0xd1b54a32d192ed03ULL * (counter + 1)));
  return random.uniform01();
}

inline void check_options(const annotation::QueueOptions& options, std::string_view function) {
  using labelkit::detail::fail;
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

inline void check_label_set(const annotation::LabelSet& set, std::string_view function) {
  using labelkit::detail::fail;
  if (set.name.empty()) fail(function, "label set name is empty");
  check_label_set_utf8(set, function);
  if (set.classes.empty()) fail(function, "label set '", set.name, "' has no classes");
  std::set<std::string> seen;
  for (std::size_t k = 0; k < set.classes.size(); ++k) {
    if (!seen.insert(set.classes[k]).second) {
      fail(function, "label set '", set.name, "' repeats class '", set.classes[k], "' at position ",
           k);
    }
  }
}

}  // namespace detail
namespace annotation {

/// The annotation task queue. All public member functions are thread-safe (one mutex); the
/// clock is read before the lock is taken.
///
/// **Assignment.** next(annotator) returns the highest-priority regular task (ties: lower item
/// id) that still needs answers (accepted + leased < overlap) and that this annotator has never
/// received, or — with probability `gold_rate` — a gold item this annotator has never received.
/// An annotator never receives the same item twice, also after skipping it or letting its lease
/// expire. Cost O(log n + s), s being the number of higher-ranked open tasks this annotator
/// already received (small when annotators work the queue in parallel).
///
/// **Leases.** A handed-out task is leased for `lease_timeout`; expired leases are processed at
/// the start of every call, returning the task to the queue. Late answers follow `LatePolicy`;
/// an item never gets more than `overlap` counted answers.
///
/// **Submissions** are checked in this order: unknown item (unknown_task), labels (invalid_label),
/// lease holder (not_lease_holder), repeat (duplicate / duplicate_submission), expiry
/// (lease_expired). A refused call leaves the state unchanged.
class TaskQueue {
 public:
  /// @throws labelkit::invalid_argument for an out-of-range option.
  explicit TaskQueue(QueueOptions options = {}, Clock clock = system_clock_ms)
      : clock_(std::move(clock)), limits_(options.json_limits) {
    detail::check_options(options, "TaskQueue");
    if (!clock_) labelkit::detail::fail("TaskQueue", "'clock' is empty");
    state_.options = options;
  }

  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  /// The options in force (a restore replaces them with the checkpoint's).
  [[nodiscard]] QueueOptions options() const {
    std::lock_guard lock(mutex_);
    return state_.options;
  }

  /// Registers a label set and returns its index. Adding a set equal to an existing one of the
  /// same name returns that one's index.
  /// @throws labelkit::invalid_argument if the name is empty or taken by a different set, the
  ///         classes are empty or repeated, or a name is not valid UTF-8.
  int add_label_set(LabelSet set) {
    detail::check_label_set(set, "add_label_set");
    std::lock_guard lock(mutex_);
    return add_label_set_locked(std::move(set), "add_label_set");
  }

  /// The label set at `index`. @throws labelkit::invalid_argument if out of range.
  [[nodiscard]] std::shared_ptr<const LabelSet> label_set(int index) const {
    std::lock_guard lock(mutex_);
    check_label_set_index(index, "label_set");
    return state_.label_sets[static_cast<std::size_t>(index)];
  }

  /// Reserves room for `n` more tasks.
  /// @throws labelkit::invalid_argument if the table would exceed labelkit::max_allocation_bytes.
  void reserve(Eigen::Index n) {
    const auto more = static_cast<std::size_t>(std::max<Eigen::Index>(n, 0));
    std::lock_guard lock(mutex_);
    const std::size_t total = state_.tasks.size() + more;  // no wrap: more < 2^63
    labelkit::detail::check_allocation({total}, sizeof(detail::TaskState), "reserve",
                                       "the task table");
    state_.tasks.reserve(total);
    state_.index_of.reserve(total);
  }

  /// Adds one regular task. `data` is the payload shown to annotators: a nlohmann::json or any
  /// type nlohmann can convert (to_json). It may nest `json_limits.max_depth` levels and its
  /// strings must be valid UTF-8 (checked before it is copied). O(log n + size of the payload).
  /// @throws labelkit::invalid_argument for a negative or existing item id, an unknown label
  ///         set, a non-finite priority, or a payload too deep or not valid UTF-8.
  template <class Payload = nlohmann::json>
  void add_task(Eigen::Index item, int label_set, const Payload& data = {}, double priority = 0.0) {
    const nlohmann::json payload = checked_payload(data, item, "add_task");
    const Eigen::Index items[1] = {item};
    const double priorities[1] = {priority};
    std::lock_guard lock(mutex_);
    add_locked(items, label_set, priorities, &payload, nullptr, "add_task");
  }

  /// Adds regular tasks for `items` (null payloads) with optional `priorities` (one per item;
  /// empty means 0). All-or-nothing. O(m log n).
  /// @throws labelkit::invalid_argument naming the first bad item or priority.
  void add_tasks(std::span<const Eigen::Index> items, int label_set,
                 std::span<const double> priorities = {}) {
    std::lock_guard lock(mutex_);
    add_locked(items, label_set, priorities, nullptr, nullptr, "add_tasks");
  }

  /// Adds a hidden gold item with its known answer. Gold items are served at `gold_rate` to each
  /// annotator at most once, without an overlap limit; they never count towards `complete`.
  /// @throws labelkit::invalid_argument as add_task, or labelkit::invalid_argument if `answer`
  ///         is not valid for the label set.
  template <class Payload = nlohmann::json>
  void add_gold(Eigen::Index item, int label_set, std::span<const int> answer,
                const Payload& data = {}) {
    const nlohmann::json payload = checked_payload(data, item, "add_gold");
    const Eigen::Index items[1] = {item};
    const std::vector<int> answers(answer.begin(), answer.end());
    std::lock_guard lock(mutex_);
    add_locked(items, label_set, {}, &payload, &answers, "add_gold");
  }

  /// Adds single-label gold items, one answer per item. All-or-nothing.
  /// @throws labelkit::invalid_argument (sizes differ, bad id, label out of range).
  void add_gold(std::span<const Eigen::Index> items, int label_set, std::span<const int> answers) {
    if (items.size() != answers.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          "add_gold", "'items' has ", items.size(), " entries but 'answers' has ", answers.size());
    }
    const std::vector<int> copy(answers.begin(), answers.end());
    std::lock_guard lock(mutex_);
    add_locked(items, label_set, {}, nullptr, &copy, "add_gold");
  }

  /// Attaches a model prediction (pre-label) to a task; exported to Label Studio as a prediction.
  /// @throws labelkit::invalid_argument for an unknown item, labels outside the label set, a
  ///         non-finite score or a model_version that is not valid UTF-8.
  void add_prediction(Eigen::Index item, Prediction prediction) {
    if (!labelkit::detail::valid_utf8(prediction.model_version)) {
      labelkit::detail::fail("add_prediction", "'model_version' is not valid UTF-8");
    }
    std::lock_guard lock(mutex_);
    const std::size_t index = find_or_fail(item, "add_prediction");
    auto& task = state_.tasks[index];
    LabelSet relaxed = *state_.label_sets[static_cast<std::size_t>(task.label_set)];
    relaxed.type = AnnotationType::multi_label;
    auto checked = detail::check_labels(prediction.labels, relaxed);
    if (!checked.problem.empty())
      labelkit::detail::fail("add_prediction", "item ", item, ": ", checked.problem);
    if (!std::isfinite(prediction.score))
      labelkit::detail::fail("add_prediction", "'score' is not finite");
    prediction.labels = std::move(checked.labels);
    task.predictions.push_back(std::move(prediction));
  }

  /// Sets the priorities of `items` (e.g. active-learning scores; higher is served first).
  /// All-or-nothing: every id and value is checked before any change. O(m log n) for m items;
  /// a batch of at least a quarter of the tasks (and 1024 items) instead rebuilds the order with
  /// one sort, O(n log n) but several times faster than m random re-keyings.
  /// @throws labelkit::invalid_argument naming the first unknown item or non-finite value;
  ///         labelkit::dimension_mismatch if the sizes differ.
  void update_priorities(std::span<const Eigen::Index> items, std::span<const double> priorities) {
    if (items.size() != priorities.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          "update_priorities", "'items' has ", items.size(), " entries but 'priorities' has ",
          priorities.size());
    }
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < items.size(); ++i) {
      (void)find_or_fail(items[i], "update_priorities");
      if (!std::isfinite(priorities[i])) {
        labelkit::detail::fail("update_priorities",
                               "'priorities' has a non-finite value at position ", i, " (got ",
                               priorities[i], ")");
      }
    }
    // A large batch (a quarter of the tasks or more) rebuilds the ordered sets from one sorted
    // pass, which is several times faster than re-keying node by node in random order.
    if (items.size() >= 1024 && 4 * items.size() >= state_.tasks.size()) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        state_.tasks[state_.index_of.find(items[i])->second].priority = priorities[i];
      }
      rebuild_ranked_sets();
      return;
    }
    for (std::size_t i = 0; i < items.size(); ++i)
      set_priority(state_.index_of.find(items[i])->second, priorities[i]);
  }

  /// Eigen overload: `priorities` is any dense vector (float or double), one entry per item.
  template <class Derived>
  void update_priorities(std::span<const Eigen::Index> items,
                         const Eigen::DenseBase<Derived>& priorities) {
    std::vector<double> values(static_cast<std::size_t>(priorities.size()));
    for (Eigen::Index i = 0; i < priorities.size(); ++i) {
      values[static_cast<std::size_t>(i)] = static_cast<double>(priorities.derived()(i));
    }
    update_priorities(items, std::span<const double>(values));
  }

  /// Sets an annotator's own cap on tasks (accepted answers + active leases); -1 restores the
  /// queue's default. @throws labelkit::invalid_argument for a negative annotator or cap < -1.
  void set_annotator_cap(Eigen::Index annotator, Eigen::Index cap) {
    check_annotator(annotator, "set_annotator_cap");
    if (cap < -1)
      labelkit::detail::fail("set_annotator_cap", "'cap' must be >= -1 (got ", cap, ")");
    std::lock_guard lock(mutex_);
    annotator_state(annotator).cap = cap;
  }

  /// The next task for `annotator`, leased until the returned deadline, or nullopt if nothing is
  /// left for them (or their cap is reached). See the class comment for the rules.
  /// @throws labelkit::invalid_argument for a negative annotator id.
  [[nodiscard]] std::optional<Assignment> next(Eigen::Index annotator) {
    check_annotator(annotator, "next");
    const Millis now = now_clamped();
    std::lock_guard lock(mutex_);
    expire_due(now);
    auto& who = annotator_state(annotator);
    const auto& options = state_.options;
    const Eigen::Index cap = who.cap >= 0 ? who.cap : options.max_tasks_per_annotator;
    if ((who.cap >= 0 || cap > 0) && who.figures.submitted + who.figures.active >= cap)
      return std::nullopt;
    if (options.max_active_per_annotator > 0 &&
        who.figures.active >= options.max_active_per_annotator) {
      return std::nullopt;
    }
    const auto regular = first_unseen(state_.open, annotator);
    if (regular == state_.open.end()) return std::nullopt;
    std::size_t index = regular->index;
    if (options.gold_rate > 0.0 && !state_.gold.empty()) {
      const double u = detail::gold_draw(options.seed, annotator, who.draws++);
      if (u < options.gold_rate) {
        const auto gold = first_unseen(state_.gold, annotator);
        if (gold != state_.gold.end()) index = gold->index;
      }
    }
    auto& task = state_.tasks[index];
    const Millis timeout = options.lease_timeout.count();
    // Saturating: a timeout of milliseconds::max() (or a clock near the end of time) leases
    // until the end of time instead of wrapping to a deadline in the past.
    const Millis deadline =
        timeout > 0 ? detail::saturating_add(now, timeout) : std::numeric_limits<Millis>::max();
    task.slots.push_back(
        detail::Slot{annotator, detail::SlotState::leased, false, now, deadline, 0, {}});
    ++task.active;
    if (deadline != std::numeric_limits<Millis>::max()) {
      state_.leases.insert(detail::LeaseKey{deadline, index, annotator});
    }
    if (who.figures.assigned == 0) who.figures.first_assigned_at = now;
    ++who.figures.assigned;
    ++who.figures.active;
    refresh_open(index);
    return Assignment{task.item, task.data,
                      state_.label_sets[static_cast<std::size_t>(task.label_set)], deadline};
  }

  /// Submits `annotator`'s answer for `item`; returns accepted, accepted_late or duplicate.
  /// @throws unknown_task, invalid_label, not_lease_holder, duplicate_submission, lease_expired
  ///         (all labelkit::annotation::submission_error); the queue is then unchanged.
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, std::span<const int> labels) {
    std::string message;
    const SubmitStatus status = submit_impl(annotator, item, labels, &message);
    switch (status) {
      case SubmitStatus::unknown_task:
        throw unknown_task(message);
      case SubmitStatus::invalid_label:
        throw invalid_label(message);
      case SubmitStatus::not_lease_holder:
        throw not_lease_holder(message);
      case SubmitStatus::lease_expired:
        throw lease_expired(message);
      case SubmitStatus::duplicate_submission:
        throw duplicate_submission(message);
      default:
        return status;
    }
  }

  /// Single-label convenience overload.
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, int label) {
    const int labels[1] = {label};
    return submit(annotator, item, std::span<const int>(labels));
  }

  /// As submit(), but reports a refusal as a status instead of throwing (`message`, if given,
  /// receives the reason). Throws only std::bad_alloc.
  [[nodiscard]] SubmitStatus try_submit(Eigen::Index annotator, Eigen::Index item,
                                        std::span<const int> labels,
                                        std::string* message = nullptr) {
    std::string text;
    const auto status = submit_impl(annotator, item, labels, &text);
    if (message) *message = std::move(text);
    return status;
  }

  /// Gives a leased task back without answering; the annotator will not receive it again.
  /// @throws unknown_task, not_lease_holder or lease_expired; the queue is then unchanged.
  void skip(Eigen::Index annotator, Eigen::Index item) {
    const Millis now = now_clamped();
    std::lock_guard lock(mutex_);
    expire_due(now);
    const auto found = state_.index_of.find(item);
    if (found == state_.index_of.end()) {
      throw unknown_task(labelkit::detail::concat("labelkit: skip(): item ", item,
                                                  " is not a task of this queue"));
    }
    const std::size_t index = found->second;
    auto& task = state_.tasks[index];
    detail::Slot* slot = task.slot_of(annotator);
    if (slot == nullptr || slot->state != detail::SlotState::leased) {
      if (slot != nullptr && slot->state == detail::SlotState::expired) {
        throw lease_expired(labelkit::detail::concat("labelkit: skip(): annotator ", annotator,
                                                     "'s lease on item ", item, " has expired"));
      }
      throw not_lease_holder(labelkit::detail::concat("labelkit: skip(): annotator ", annotator,
                                                      " holds no lease on item ", item));
    }
    release_lease(index, *slot);
    slot->state = detail::SlotState::skipped;
    ++state_.skipped;
    ++state_.annotators[annotator].figures.skipped;
    refresh_open(index);
  }

  /// Processes leases whose deadline has passed (every call does this too).
  void expire_leases() {
    const Millis now = now_clamped();
    std::lock_guard lock(mutex_);
    expire_due(now);
  }

  /// Counts per state and per-annotator figures (leases past their deadline count as active
  /// until the next call processes them).
  [[nodiscard]] Progress progress() const {
    std::lock_guard lock(mutex_);
    Progress progress;
    auto& counts = progress.tasks;
    counts.gold = state_.n_gold;
    counts.regular = static_cast<Eigen::Index>(state_.tasks.size()) - state_.n_gold;
    counts.complete = state_.complete;
    for (const auto& task : state_.tasks) {
      counts.active_leases += task.active;
      if (task.gold || task.accepted >= state_.options.overlap) continue;
      if (task.accepted == 0 && task.active == 0) {
        ++counts.pending;
      } else {
        ++counts.in_progress;
      }
    }
    counts.accepted = state_.accepted;
    counts.accepted_late = state_.accepted_late;
    counts.expired = state_.expired;
    counts.skipped = state_.skipped;
    counts.duplicates = state_.duplicates;
    progress.annotators.reserve(state_.annotators.size());
    for (const auto& [id, who] : state_.annotators) progress.annotators.push_back(who.figures);
    return progress;
  }

  /// Whether every regular task has `overlap` answers. O(1).
  [[nodiscard]] bool finished() const {
    std::lock_guard lock(mutex_);
    return state_.complete == static_cast<Eigen::Index>(state_.tasks.size()) - state_.n_gold;
  }

  /// Number of tasks (regular and gold).
  [[nodiscard]] Eigen::Index size() const {
    std::lock_guard lock(mutex_);
    return static_cast<Eigen::Index>(state_.tasks.size());
  }

  /// Accepted answers on regular single-label tasks as labelkit::Annotation records (task order,
  /// then hand-out order), for labelkit::agreement and labelkit::quality. With `label_set` >= 0
  /// only that label set's tasks.
  [[nodiscard]] std::vector<Annotation> annotations(int label_set = -1) const {
    return collect(label_set, false);
  }

  /// Accepted answers on gold single-label tasks, for gold-standard testing.
  [[nodiscard]] std::vector<Annotation> gold_annotations(int label_set = -1) const {
    return collect(label_set, true);
  }

  /// The known answers of the single-label gold items, in task order.
  [[nodiscard]] std::vector<GoldLabel> gold_labels() const {
    std::lock_guard lock(mutex_);
    std::vector<GoldLabel> result;
    for (const auto& task : state_.tasks) {
      if (task.gold && task.gold->size() == 1) result.push_back({task.item, task.gold->front()});
    }
    return result;
  }

  /// Multi-label answers for one class as binary labelkit::Annotation records (label 1 if the
  /// annotator chose `label`, else 0), regular tasks of `label_set` only; agreement can then be
  /// computed per class.
  /// @throws labelkit::invalid_argument for an unknown label set or class.
  [[nodiscard]] std::vector<Annotation> class_annotations(int label_set, int label) const {
    std::lock_guard lock(mutex_);
    check_label_set_index(label_set, "class_annotations");
    const auto& set = *state_.label_sets[static_cast<std::size_t>(label_set)];
    if (label < 0 || static_cast<std::size_t>(label) >= set.classes.size()) {
      labelkit::detail::fail("class_annotations", "'label' is out of range (got ", label,
                             ", expected 0 <= label < ", set.classes.size(), ")");
    }
    std::vector<Annotation> result;
    for (const auto& task : state_.tasks) {
      if (task.gold || task.label_set != label_set) continue;
      for (const auto& slot : task.slots) {
        if (slot.state != detail::SlotState::submitted) continue;
        const bool chosen = std::binary_search(slot.labels.begin(), slot.labels.end(), label);
        result.push_back(Annotation{task.item, slot.annotator, chosen ? 1 : 0});
      }
    }
    return result;
  }

  /// All tasks with their accepted answers, gold answers and predictions, in the order added
  /// (leases, skips and statistics are not part of it: use save() for the whole state).
  [[nodiscard]] TaskSet export_tasks() const {
    std::lock_guard lock(mutex_);
    TaskSet set;
    for (const auto& label_set : state_.label_sets) set.label_sets.push_back(*label_set);
    set.tasks.reserve(state_.tasks.size());
    for (const auto& task : state_.tasks) {
      TaskRecord record{task.item, task.data, task.label_set,  task.priority,
                        task.gold, {},        task.predictions};
      for (const auto& slot : task.slots) {
        if (slot.state != detail::SlotState::submitted) continue;
        record.annotations.push_back(
            {slot.annotator, slot.labels, slot.started_at, slot.submitted_at, slot.late});
      }
      set.tasks.push_back(std::move(record));
    }
    return set;
  }

  /// Adds the tasks of `set` with their answers (counted as accepted), gold answers and
  /// predictions. Label sets are matched by name (an equal set is reused). All-or-nothing.
  /// @throws labelkit::invalid_argument naming the offending task (existing or repeated item,
  ///         an annotator answering one item twice, invalid labels, a clashing label set).
  void import_tasks(const TaskSet& set) {
    constexpr std::string_view function = "import_tasks";
    for (const auto& label_set : set.label_sets) detail::check_label_set(label_set, function);
    std::lock_guard lock(mutex_);
    // Check everything first.
    std::vector<int> set_index(set.label_sets.size(), -1);
    for (std::size_t s = 0; s < set.label_sets.size(); ++s) {
      const int existing = find_label_set_locked(set.label_sets[s].name);
      if (existing >= 0 &&
          *state_.label_sets[static_cast<std::size_t>(existing)] != set.label_sets[s]) {
        labelkit::detail::fail(function, "label set '", set.label_sets[s].name,
                               "' differs from the queue's label set of that name");
      }
    }
    std::unordered_map<Eigen::Index, std::size_t> seen_items;
    for (std::size_t t = 0; t < set.tasks.size(); ++t) {
      const auto& task = set.tasks[t];
      if (task.item < 0)
        labelkit::detail::fail(function, "task ", t, " has a negative item id (got ", task.item,
                               ")");
      if (state_.index_of.count(task.item) || !seen_items.emplace(task.item, t).second) {
        labelkit::detail::fail(function, "task ", t, ": item ", task.item, " already exists");
      }
      if (task.label_set < 0 || static_cast<std::size_t>(task.label_set) >= set.label_sets.size()) {
        labelkit::detail::fail(function, "task ", t, " (item ", task.item, ") refers to label set ",
                               task.label_set, " (the set has ", set.label_sets.size(), ")");
      }
      if (!std::isfinite(task.priority))
        labelkit::detail::fail(function, "task ", t, " has a non-finite priority");
      labelkit::detail::check_json_value(
          task.data, limits_, function,
          labelkit::detail::concat("task ", t, " (item ", task.item, ")'s payload"));
      const auto& label_set = set.label_sets[static_cast<std::size_t>(task.label_set)];
      if (task.gold) check_labels_or_fail(*task.gold, label_set, function, t, "gold answer");
      for (std::size_t a = 0; a < task.annotations.size(); ++a) {
        const auto& record = task.annotations[a];
        if (record.annotator < 0) {
          labelkit::detail::fail(function, "task ", t, " annotation ", a,
                                 " has a negative annotator id");
        }
        for (std::size_t b = 0; b < a; ++b) {
          if (task.annotations[b].annotator == record.annotator) {
            labelkit::detail::fail(function, "task ", t, " (item ", task.item, "): annotator ",
                                   record.annotator, " answers twice (annotations ", b, " and ", a,
                                   ")");
          }
        }
        check_labels_or_fail(record.labels, label_set, function, t, "annotation labels");
        for (const Millis time : {record.started_at, record.submitted_at}) {
          if (time < min_time || time > max_time) {
            labelkit::detail::fail(function, "task ", t, " annotation ", a,
                                   " has a time outside the years 0000-9999 (got ", time, " ms)");
          }
        }
      }
      for (const auto& prediction : task.predictions) {
        if (!labelkit::detail::valid_utf8(prediction.model_version)) {
          labelkit::detail::fail(function, "task ", t,
                                 " has a prediction whose model_version is not valid UTF-8");
        }
        if (!std::isfinite(prediction.score)) {
          labelkit::detail::fail(function, "task ", t, " has a prediction with a non-finite score");
        }
        LabelSet relaxed = label_set;
        relaxed.type = AnnotationType::multi_label;
        check_labels_or_fail(prediction.labels, relaxed, function, t, "prediction labels");
      }
    }
    // Apply.
    for (std::size_t s = 0; s < set.label_sets.size(); ++s) {
      set_index[s] = add_label_set_locked(set.label_sets[s], function);
    }
    state_.tasks.reserve(state_.tasks.size() + set.tasks.size());
    for (const auto& record : set.tasks) {
      const std::size_t index = state_.tasks.size();
      detail::TaskState task;
      task.item = record.item;
      task.data = record.data;
      task.priority = record.priority;
      task.label_set = set_index[static_cast<std::size_t>(record.label_set)];
      if (record.gold) {
        auto gold = *record.gold;
        std::sort(gold.begin(), gold.end());
        task.gold = std::move(gold);
      }
      task.predictions = record.predictions;
      for (auto& prediction : task.predictions)
        std::sort(prediction.labels.begin(), prediction.labels.end());
      for (const auto& answer : record.annotations) {
        auto labels = answer.labels;
        std::sort(labels.begin(), labels.end());
        task.slots.push_back(detail::Slot{answer.annotator, detail::SlotState::submitted,
                                          answer.late, answer.started_at, answer.started_at,
                                          answer.submitted_at, std::move(labels)});
      }
      state_.tasks.push_back(std::move(task));
      state_.index_of.emplace(record.item, index);
      index_new_task(index);
      auto& stored = state_.tasks[index];
      for (const auto& slot : stored.slots) {
        auto& who = annotator_state(slot.annotator);
        ++who.figures.assigned;
        if (slot.late) {  // a late answer's lease expired first, as in a live queue
          ++state_.expired;
          ++who.figures.expired;
        }
        count_answer(stored, slot, who);
      }
      stored.accepted = static_cast<int>(stored.slots.size());
      if (!stored.gold && stored.accepted >= state_.options.overlap) ++state_.complete;
      refresh_open(index);
    }
  }

  /// Writes the whole state (options, label sets, tasks, leases, skips, statistics) as a framed
  /// checkpoint: a header line with size and checksum, then JSON. See checkpoint.hpp for files.
  void save(std::ostream& out) const {
    const std::string text = detail::frame_checkpoint(snapshot_body());
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) labelkit::detail::fail<labelkit::error>("save", "writing the checkpoint failed");
  }

  /// The framed checkpoint as a string (what save() writes).
  [[nodiscard]] std::string checkpoint() const { return detail::frame_checkpoint(snapshot_body()); }

  /// Replaces the whole state with a checkpoint's (the clock is kept). The checkpoint is fully
  /// parsed and checked before anything changes: on error the queue is untouched.
  /// @throws labelkit::parse_error saying what is wrong (header, truncation, checksum, the JSON
  ///         path of a bad value, an inconsistency).
  /// The checkpoint is read within the queue's `json_limits` (see QueueOptions).
  /// @throws labelkit::error if the stream fails.
  void restore(std::istream& in) {
    constexpr std::size_t header_bytes = 128;
    const std::size_t limit = limits_.max_bytes;
    restore_text(detail::read_all(
        in, limit > SIZE_MAX - header_bytes ? SIZE_MAX : limit + header_bytes, "restore"));
  }

  /// restore() from a string holding a framed checkpoint.
  void restore_text(std::string_view text) {
    const std::string_view body = detail::unframe_checkpoint(text, "restore");
    const detail::JsonContext context{"restore", "", limits_};
    detail::QueueState fresh =
        state_from_json(detail::parse_document(body, limits_, context), limits_);
    std::lock_guard lock(mutex_);
    state_ = std::move(fresh);
  }

 private:
  // ---- helpers (mutex held)
  // ----------------------------------------------------------------------

  /// The clock's reading, clamped into [min_time, max_time].
  [[nodiscard]] Millis now_clamped() const { return detail::clamp_time(clock_()); }

  /// `data` as JSON, checked against the queue's limits and for UTF-8 before it is stored; a
  /// nlohmann::json is checked before it is copied (copying recurses once per level).
  template <class Payload>
  [[nodiscard]] nlohmann::json checked_payload(const Payload& data, Eigen::Index item,
                                               std::string_view function) const {
    const auto what = [&] { return labelkit::detail::concat("task ", item, "'s payload"); };
    if constexpr (std::is_same_v<Payload, nlohmann::json>) {
      labelkit::detail::check_json_value(data, limits_, function, what());
      return data;
    } else {
      nlohmann::json payload = data;
      labelkit::detail::check_json_value(payload, limits_, function, what());
      return payload;
    }
  }

  static void check_annotator(Eigen::Index annotator, std::string_view function) {
    if (annotator < 0)
      labelkit::detail::fail(function, "'annotator' is negative (got ", annotator, ")");
  }

  static void check_labels_or_fail(const std::vector<int>& labels, const LabelSet& set,
                                   std::string_view function, std::size_t task,
                                   std::string_view what) {
    const auto checked = detail::check_labels(labels, set);
    if (!checked.problem.empty())
      labelkit::detail::fail(function, "task ", task, " ", what, ": ", checked.problem);
  }

  void check_label_set_index(int index, std::string_view function) const {
    if (index < 0 || static_cast<std::size_t>(index) >= state_.label_sets.size()) {
      labelkit::detail::fail(function, "'label_set' is out of range (got ", index,
                             ", the queue has ", state_.label_sets.size(), " label sets)");
    }
  }

  [[nodiscard]] int find_label_set_locked(std::string_view name) const {
    for (std::size_t i = 0; i < state_.label_sets.size(); ++i) {
      if (state_.label_sets[i]->name == name) return static_cast<int>(i);
    }
    return -1;
  }

  int add_label_set_locked(LabelSet set, std::string_view function) {
    const int existing = find_label_set_locked(set.name);
    if (existing >= 0) {
      if (*state_.label_sets[static_cast<std::size_t>(existing)] != set) {
        labelkit::detail::fail(function, "a different label set named '", set.name, "' exists");
      }
      return existing;
    }
    state_.label_sets.push_back(std::make_shared<const LabelSet>(std::move(set)));
    return static_cast<int>(state_.label_sets.size()) - 1;
  }

  [[nodiscard]] std::size_t find_or_fail(Eigen::Index item, std::string_view function) const {
    const auto found = state_.index_of.find(item);
    if (found == state_.index_of.end())
      labelkit::detail::fail(function, "item ", item, " is not a task of this queue");
    return found->second;
  }

  detail::AnnotatorState& annotator_state(Eigen::Index annotator) {
    auto& who = state_.annotators[annotator];
    who.figures.annotator = annotator;
    return who;
  }

  /// Adds tasks (all checks first). `payload` (one, for a single item) or null payloads;
  /// `answers`: gold answers — one multi-label answer for a single item with a payload, else one
  /// single label per item.
  void add_locked(std::span<const Eigen::Index> items, int label_set,
                  std::span<const double> priorities, const nlohmann::json* payload,
                  const std::vector<int>* answers, std::string_view function) {
    check_label_set_index(label_set, function);
    if (!priorities.empty() && priorities.size() != items.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(function, "'items' has ", items.size(),
                                                           " entries but 'priorities' has ",
                                                           priorities.size());
    }
    const auto& set = *state_.label_sets[static_cast<std::size_t>(label_set)];
    const bool one_answer = answers != nullptr && payload != nullptr;
    std::unordered_map<Eigen::Index, std::size_t> batch;
    if (items.size() > 1) batch.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i] < 0)
        labelkit::detail::fail(function, "'items' has a negative id at position ", i, " (got ",
                               items[i], ")");
      if (state_.index_of.count(items[i]) ||
          (items.size() > 1 && !batch.emplace(items[i], i).second)) {
        labelkit::detail::fail(function, "item ", items[i], " (position ", i, ") already exists");
      }
      if (!priorities.empty() && !std::isfinite(priorities[i])) {
        labelkit::detail::fail(function, "'priorities' has a non-finite value at position ", i);
      }
      if (answers != nullptr) {
        const std::span<const int> answer = one_answer
                                                ? std::span<const int>(*answers)
                                                : std::span<const int>(answers->data() + i, 1);
        const auto checked = detail::check_labels(answer, set);
        if (!checked.problem.empty()) {
          labelkit::detail::fail(function, "gold answer of item ", items[i], ": ", checked.problem);
        }
      }
    }
    state_.tasks.reserve(state_.tasks.size() + items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::size_t index = state_.tasks.size();
      detail::TaskState task;
      task.item = items[i];
      if (payload) task.data = *payload;
      task.priority = priorities.empty() ? 0.0 : priorities[i];
      task.label_set = label_set;
      if (answers != nullptr) {
        task.gold = one_answer ? *answers : std::vector<int>{(*answers)[i]};
        std::sort(task.gold->begin(), task.gold->end());
      }
      state_.tasks.push_back(std::move(task));
      state_.index_of.emplace(items[i], index);
      index_new_task(index);
    }
  }

  /// Puts a new task into the gold set or the open set.
  void index_new_task(std::size_t index) {
    auto& task = state_.tasks[index];
    if (task.gold) {
      ++state_.n_gold;
      state_.gold.insert({task.priority, task.item, index});
    } else {
      refresh_open(index);
    }
  }

  /// Keeps a regular task in the open set exactly while accepted + active < overlap.
  void refresh_open(std::size_t index) {
    auto& task = state_.tasks[index];
    if (task.gold) return;
    const bool should = task.accepted + task.active < state_.options.overlap;
    if (should == task.in_open) return;
    if (should) {
      state_.open.insert({task.priority, task.item, index});
    } else {
      state_.open.erase({task.priority, task.item, index});
    }
    task.in_open = should;
  }

  void set_priority(std::size_t index, double priority) {
    auto& task = state_.tasks[index];
    if (task.priority == priority) return;
    auto& container = task.gold ? state_.gold : state_.open;
    const bool indexed = task.gold || task.in_open;
    if (indexed) {
      auto node = container.extract({task.priority, task.item, index});
      node.value().priority = priority;
      container.insert(std::move(node));
    }
    task.priority = priority;
  }

  /// Rebuilds the open and gold sets from the tasks' priorities: one sort, then insertion at
  /// the end (amortised O(1) per node). O(n log n).
  void rebuild_ranked_sets() {
    std::vector<detail::RankKey> open, gold;
    open.reserve(state_.open.size());
    gold.reserve(state_.gold.size());
    for (std::size_t index = 0; index < state_.tasks.size(); ++index) {
      const auto& task = state_.tasks[index];
      if (task.gold) {
        gold.push_back({task.priority, task.item, index});
      } else if (task.in_open) {
        open.push_back({task.priority, task.item, index});
      }
    }
    const auto refill = [](std::set<detail::RankKey, detail::RankOrder>& set,
                           std::vector<detail::RankKey>& keys) {
      std::sort(keys.begin(), keys.end(), detail::RankOrder{});
      set.clear();
      for (const auto& key : keys) set.emplace_hint(set.end(), key);
    };
    refill(state_.open, open);
    refill(state_.gold, gold);
  }

  template <class Set>
  [[nodiscard]] typename Set::const_iterator first_unseen(const Set& set,
                                                          Eigen::Index annotator) const {
    auto it = set.begin();
    while (it != set.end() && state_.tasks[it->index].slot_of(annotator) != nullptr) ++it;
    return it;
  }

  /// Drops the lease of `slot` on task `index` (submitted, skipped or expired).
  void release_lease(std::size_t index, detail::Slot& slot) {
    auto& task = state_.tasks[index];
    --task.active;
    --state_.annotators[slot.annotator].figures.active;
    if (slot.deadline != std::numeric_limits<Millis>::max())
      state_.leases.erase({slot.deadline, index, slot.annotator});
  }

  void expire_due(Millis now) {
    while (!state_.leases.empty() && state_.leases.begin()->deadline <= now) {
      const detail::LeaseKey key = *state_.leases.begin();
      auto& task = state_.tasks[key.index];
      detail::Slot* slot = task.slot_of(key.annotator);
      release_lease(key.index, *slot);
      slot->state = detail::SlotState::expired;
      ++state_.expired;
      ++state_.annotators[key.annotator].figures.expired;
      refresh_open(key.index);
    }
  }

  /// Statistics of one accepted answer.
  void count_answer(const detail::TaskState& task, const detail::Slot& slot,
                    detail::AnnotatorState& who) {
    ++state_.accepted;
    ++who.figures.submitted;
    if (slot.late) {
      ++state_.accepted_late;
      ++who.figures.late;
    }
    who.figures.total_duration = detail::saturating_add(
        who.figures.total_duration, detail::saturating_sub(slot.submitted_at, slot.started_at));
    who.figures.last_submitted_at = std::max(who.figures.last_submitted_at, slot.submitted_at);
    if (task.gold) {
      ++who.figures.gold_answered;
      if (slot.labels == *task.gold) ++who.figures.gold_correct;
    }
  }

  SubmitStatus submit_impl(Eigen::Index annotator, Eigen::Index item, std::span<const int> labels,
                           std::string* message) {
    using labelkit::detail::concat;
    const Millis now = now_clamped();
    std::lock_guard lock(mutex_);
    expire_due(now);
    const auto found = state_.index_of.find(item);
    if (found == state_.index_of.end()) {
      *message = concat("labelkit: submit(): item ", item, " is not a task of this queue");
      return SubmitStatus::unknown_task;
    }
    const std::size_t index = found->second;
    auto& task = state_.tasks[index];
    auto checked =
        detail::check_labels(labels, *state_.label_sets[static_cast<std::size_t>(task.label_set)]);
    if (!checked.problem.empty()) {
      *message = concat("labelkit: submit(): item ", item, ": ", checked.problem);
      return SubmitStatus::invalid_label;
    }
    detail::Slot* slot = task.slot_of(annotator);
    if (slot == nullptr || slot->state == detail::SlotState::skipped) {
      *message = concat("labelkit: submit(): annotator ", annotator, " holds no lease on item ",
                        item, slot ? " (skipped it)" : " (never assigned it)");
      return SubmitStatus::not_lease_holder;
    }
    if (slot->state == detail::SlotState::submitted) {
      if (slot->labels == checked.labels &&
          state_.options.duplicate_submissions == DuplicatePolicy::idempotent) {
        ++state_.duplicates;
        return SubmitStatus::duplicate;
      }
      *message = concat("labelkit: submit(): annotator ", annotator, " already submitted item ",
                        item, slot->labels == checked.labels ? "" : " with a different answer");
      return SubmitStatus::duplicate_submission;
    }
    auto& who = state_.annotators[annotator];
    bool late = false;
    if (slot->state == detail::SlotState::expired) {
      const bool room = task.gold || task.accepted + task.active < state_.options.overlap;
      if (state_.options.late_submissions == LatePolicy::reject || !room) {
        *message =
            concat("labelkit: submit(): annotator ", annotator, "'s lease on item ", item,
                   " expired at ", slot->deadline,
                   room ? " (late answers are rejected)" : " (the item has all its answers)");
        return SubmitStatus::lease_expired;
      }
      late = true;
    } else {
      release_lease(index, *slot);
    }
    slot->state = detail::SlotState::submitted;
    slot->late = late;
    slot->submitted_at = now;
    slot->labels = std::move(checked.labels);
    ++task.accepted;
    count_answer(task, *slot, who);
    if (!task.gold && task.accepted == state_.options.overlap) ++state_.complete;
    refresh_open(index);
    return late ? SubmitStatus::accepted_late : SubmitStatus::accepted;
  }

  [[nodiscard]] std::vector<Annotation> collect(int label_set, bool gold) const {
    std::lock_guard lock(mutex_);
    if (label_set >= 0) check_label_set_index(label_set, gold ? "gold_annotations" : "annotations");
    std::vector<Annotation> result;
    for (const auto& task : state_.tasks) {
      if (task.gold.has_value() != gold || (label_set >= 0 && task.label_set != label_set))
        continue;
      if (state_.label_sets[static_cast<std::size_t>(task.label_set)]->type !=
          AnnotationType::single_label)
        continue;
      for (const auto& slot : task.slots) {
        if (slot.state == detail::SlotState::submitted)
          result.push_back({task.item, slot.annotator, slot.labels.front()});
      }
    }
    return result;
  }

  // ---- checkpoint JSON
  // ---------------------------------------------------------------------------

  static constexpr std::string_view slot_state_name(detail::SlotState state) {
    switch (state) {
      case detail::SlotState::leased:
        return "leased";
      case detail::SlotState::submitted:
        return "submitted";
      case detail::SlotState::skipped:
        return "skipped";
      case detail::SlotState::expired:
        return "expired";
    }
    return "leased";
  }

  /// The checkpoint body, written directly (no JSON tree: a large queue saves at tens of MB/s).
  /// Doubles use the shortest representation that reads back exactly.
  [[nodiscard]] std::string snapshot_body() const {
    using nlohmann::json;
    std::lock_guard lock(mutex_);
    const auto& o = state_.options;
    std::string out;
    out.reserve(256 + state_.tasks.size() * 96);
    const auto put_int = [&out](std::int64_t value) {
      char buffer[24];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
      out.append(buffer, end);
    };
    const auto put_double = [&out](double value) {
      char buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
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
    const json options{
        {"overlap", o.overlap},
        {"lease_timeout_ms", static_cast<std::int64_t>(o.lease_timeout.count())},
        {"late_submissions", o.late_submissions == LatePolicy::accept ? "accept" : "reject"},
        {"duplicate_submissions",
         o.duplicate_submissions == DuplicatePolicy::idempotent ? "idempotent" : "reject"},
        {"gold_rate", o.gold_rate},
        {"seed", o.seed},
        {"max_tasks_per_annotator", static_cast<std::int64_t>(o.max_tasks_per_annotator)},
        {"max_active_per_annotator", static_cast<std::int64_t>(o.max_active_per_annotator)}};
    json sets = json::array();
    for (const auto& set : state_.label_sets) sets.push_back(detail::label_set_to_json(*set));
    out += R"({"format":"labelkit.annotation.checkpoint","options":)";
    out += options.dump();
    out += R"(,"label_sets":)";
    out += sets.dump();
    out += R"(,"tasks":[)";
    for (std::size_t t = 0; t < state_.tasks.size(); ++t) {
      const auto& task = state_.tasks[t];
      if (t) out += ',';
      out += R"({"item":)";
      put_int(task.item);
      out += R"(,"data":)";
      if (task.data.is_null()) {
        out += "null";
      } else {
        out += task.data.dump();
      }
      out += R"(,"label_set":)";
      put_int(task.label_set);
      out += R"(,"priority":)";
      put_double(task.priority);
      if (task.gold) {
        out += R"(,"gold":)";
        put_labels(*task.gold);
      }
      out += R"(,"predictions":)";
      if (task.predictions.empty()) {
        out += "[]";
      } else {
        json predictions = json::array();
        for (const auto& p : task.predictions) predictions.push_back(detail::prediction_to_json(p));
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
        out += R"(,"labels":)";
        put_labels(slot.labels);
        out += '}';
      }
      out += "]}";
    }
    out += R"(],"annotators":[)";
    bool first = true;
    for (const auto& [id, who] : state_.annotators) {
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
    put_int(state_.duplicates);
    out += '}';
    return out;
  }

  /// Rebuilds a full state from checkpoint JSON, checking every value and its consistency.
  [[nodiscard]] static detail::QueueState state_from_json(const nlohmann::json& body,
                                                          const JsonLimits& limits) {
    using namespace detail;
    const JsonContext context{"restore", "", limits};
    const auto fmt = as_string(member(body, "format", "", context), "/format", context);
    if (fmt != "labelkit.annotation.checkpoint") {
      bad_json(context, "/format", "not an annotation checkpoint (got '", fmt, "')");
    }
    QueueState state;
    const json& o = member(body, "options", "", context);
    auto& options = state.options;
    const auto get = [&](const char* key) -> const json& {
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
    const auto dup =
        as_string(get("duplicate_submissions"), path("duplicate_submissions"), context);
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

    const json& sets = member(body, "label_sets", "", context);
    expect_array(sets, "/label_sets", context);
    for (std::size_t s = 0; s < sets.size(); ++s) {
      auto set = label_set_from_json(sets[s], path_of("/label_sets", s), context);
      for (const auto& other : state.label_sets) {
        if (other->name == set.name)
          bad_json(context, path_of("/label_sets", s), "repeated label set name '", set.name, "'");
      }
      state.label_sets.push_back(std::make_shared<const LabelSet>(std::move(set)));
    }

    const json& tasks = member(body, "tasks", "", context);
    expect_array(tasks, "/tasks", context);
    state.tasks.reserve(tasks.size());
    state.index_of.reserve(tasks.size());
    std::map<Eigen::Index, AnnotatorState> annotators;
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const std::string tp = path_of("/tasks", t);
      const json& value = tasks[t];
      TaskState task;
      task.item = as_count(member(value, "item", tp, context), path_of(tp, "item"), context);
      task.data = member(value, "data", tp, context);
      check_payload(task.data, path_of(tp, "data"), context);
      const auto set_index = as_integer<int>(member(value, "label_set", tp, context),
                                             path_of(tp, "label_set"), context, 0);
      if (static_cast<std::size_t>(set_index) >= state.label_sets.size()) {
        bad_json(context, path_of(tp, "label_set"), "label set ", set_index, " does not exist");
      }
      task.label_set = static_cast<int>(set_index);
      const LabelSet& set = *state.label_sets[static_cast<std::size_t>(set_index)];
      task.priority =
          as_number(member(value, "priority", tp, context), path_of(tp, "priority"), context);
      if (const json* gold = optional_member(value, "gold", tp, context))
        task.gold = as_labels(*gold, set, path_of(tp, "gold"), context);
      const json& predictions = member(value, "predictions", tp, context);
      expect_array(predictions, path_of(tp, "predictions"), context);
      for (std::size_t p = 0; p < predictions.size(); ++p) {
        task.predictions.push_back(prediction_from_json(
            predictions[p], set, path_of(path_of(tp, "predictions"), p), context));
      }
      const json& slots = member(value, "slots", tp, context);
      const std::string sp = path_of(tp, "slots");
      expect_array(slots, sp, context);
      for (std::size_t k = 0; k < slots.size(); ++k) {
        const std::string kp = path_of(sp, k);
        const json& s = slots[k];
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
        slot.deadline = as_integer<Millis>(member(s, "deadline", kp, context),
                                           path_of(kp, "deadline"), context);
        slot.submitted_at =
            as_time(member(s, "submitted_at", kp, context), path_of(kp, "submitted_at"), context);
        if (slot.state == SlotState::submitted) {
          slot.labels =
              as_labels(member(s, "labels", kp, context), set, path_of(kp, "labels"), context);
        }
        task.slots.push_back(std::move(slot));
      }
      const std::size_t index = state.tasks.size();
      if (!state.index_of.emplace(task.item, index).second)
        bad_json(context, path_of(tp, "item"), "item ", task.item, " is repeated");
      state.tasks.push_back(std::move(task));
    }

    // Derived structures and statistics.
    for (std::size_t index = 0; index < state.tasks.size(); ++index) {
      auto& task = state.tasks[index];
      for (const auto& slot : task.slots) {
        auto& who = annotators[slot.annotator];
        who.figures.annotator = slot.annotator;
        switch (slot.state) {
          case SlotState::leased:
            ++task.active;
            ++who.figures.active;
            if (slot.deadline != std::numeric_limits<Millis>::max())
              state.leases.insert({slot.deadline, index, slot.annotator});
            break;
          case SlotState::submitted: {
            ++task.accepted;
            ++state.accepted;
            ++who.figures.submitted;
            if (slot.late) {
              ++state.accepted_late;
              ++who.figures.late;
            }
            who.figures.total_duration = saturating_add(
                who.figures.total_duration, saturating_sub(slot.submitted_at, slot.started_at));
            who.figures.last_submitted_at =
                std::max(who.figures.last_submitted_at, slot.submitted_at);
            if (task.gold) {
              ++who.figures.gold_answered;
              if (slot.labels == *task.gold) ++who.figures.gold_correct;
            }
            break;
          }
          case SlotState::skipped:
            ++state.skipped;
            ++who.figures.skipped;
            break;
          case SlotState::expired:
            ++state.expired;
            ++who.figures.expired;
            break;
        }
        if (slot.state == SlotState::submitted && slot.late) {
          // A late answer's lease had expired before: it counts in `expired` too.
          ++state.expired;
          ++who.figures.expired;
        }
      }
      if (task.gold) {
        ++state.n_gold;
        state.gold.insert({task.priority, task.item, index});
      } else {
        if (task.accepted + task.active > options.overlap && task.active > 0) {
          bad_json(context, path_of("/tasks", index),
                   "task has more answers and leases than 'overlap' allows");
        }
        if (task.accepted >= options.overlap) ++state.complete;
        if (task.accepted + task.active < options.overlap) {
          state.open.insert({task.priority, task.item, index});
          task.in_open = true;
        }
      }
    }
    const json& people = member(body, "annotators", "", context);
    expect_array(people, "/annotators", context);
    for (std::size_t a = 0; a < people.size(); ++a) {
      const std::string ap = path_of("/annotators", a);
      const auto id =
          as_count(member(people[a], "annotator", ap, context), path_of(ap, "annotator"), context);
      auto& who = annotators[id];
      who.figures.annotator = id;
      who.cap = as_integer<Eigen::Index>(member(people[a], "cap", ap, context), path_of(ap, "cap"),
                                         context, -1);
      who.draws = as_integer<std::uint64_t>(member(people[a], "draws", ap, context),
                                            path_of(ap, "draws"), context);
      who.figures.assigned =
          as_count(member(people[a], "assigned", ap, context), path_of(ap, "assigned"), context);
      who.figures.first_assigned_at = as_time(member(people[a], "first_assigned_at", ap, context),
                                              path_of(ap, "first_assigned_at"), context);
    }
    state.annotators = std::move(annotators);
    state.duplicates = as_count(member(body, "duplicates", "", context), "/duplicates", context);
    return state;
  }

  Clock clock_;
  const JsonLimits limits_;  ///< options.json_limits, which a restore keeps.
  mutable std::mutex mutex_;
  detail::QueueState state_;
};

}  // namespace annotation
LABELKIT_END_NAMESPACE
