#pragma once
/// @file
/// labelkit::annotation::TaskQueue: the thread-safe queue a host puts behind
/// its annotation UI or crowd platform. Tasks are created from items and a
/// label set, handed out by priority with `overlap` distinct annotators per
/// item, hidden gold mixed in, leases that expire, validated submissions,
/// progress figures, export as labelkit::Annotation records, and checkpoints.
///
/// This header is the locking API, and includes the queue's parts:
/// queue_options.hpp (options, clock, progress figures), queue_state.hpp (the
/// state and its invariants, no locking), checkpoint_codec.hpp (the checkpoint
/// schema and its codec) and task_import.hpp (import and export of TaskSet).
///
/// @code
/// namespace la = labelkit::annotation;
/// la::TaskQueue queue({.overlap = 2, .gold_rate = 0.1, .seed = 7});
/// const int digits = queue.add_label_set({.name = "digit", .classes = {"0",
/// "1", "2"}}); queue.add_tasks(item_ids, digits); queue.add_gold(gold_ids,
/// digits, gold_answers); queue.update_priorities(item_ids, scores);      //
/// e.g. entropy from labelkit::query while (auto task = queue.next(annotator))
/// queue.submit(annotator, task->item, answer(*task)); auto annotations =
/// queue.annotations();          // std::vector<labelkit::Annotation>
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

#include "labelkit/annotation/checkpoint_codec.hpp"
#include "labelkit/annotation/detail/journal_sink.hpp"
#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/queue_options.hpp"
#include "labelkit/annotation/queue_state.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_import.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/random.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// The annotation task queue. All public member functions are thread-safe (one
/// mutex); the clock is read before the lock is taken.
///
/// **Assignment.** next(annotator) returns the highest-priority regular task
/// (ties: lower item id) that still needs answers (accepted + leased < overlap)
/// and that this annotator has never received, or — with probability
/// `gold_rate` — a gold item this annotator has never received. An annotator
/// never receives the same item twice, also after skipping it or letting its
/// lease expire. Cost O(log n + s), s being the number of higher-ranked open
/// tasks this annotator already received (small when annotators work the queue
/// in parallel).
///
/// **Leases.** A handed-out task is leased for `lease_timeout`; expired leases
/// are processed at the start of every call, returning the task to the queue.
/// Late answers follow `LatePolicy`; an item never gets more than `overlap`
/// counted answers.
///
/// **Submissions** are checked in this order: unknown item (unknown_task),
/// labels (invalid_label), lease holder (not_lease_holder), repeat (duplicate /
/// duplicate_submission), expiry (lease_expired). A refused call leaves the
/// state unchanged.
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

  /// Registers a label set and returns its index. Adding a set equal to an
  /// existing one of the same name returns that one's index.
  /// @throws labelkit::invalid_argument if the name is empty or taken by a
  /// different set, the
  ///         classes are empty or repeated, or a name is not valid UTF-8.
  template <class = void>
  int add_label_set(LabelSet set) {
    detail::check_label_set(set, "add_label_set");
    std::unique_lock lock(mutex_);
    const std::size_t before = state_.label_sets.size();
    const int index = state_.add_label_set(std::move(set), "add_label_set");
    if (journal_ && state_.label_sets.size() != before)
      commit(lock, journal_->log_label_set(*state_.label_sets.back()));
    return index;
  }

  /// Registers a label set whose tasks take answers of `kind` and returns its index:
  /// AnswerKind::pairwise (a Winner between the task's two items; add tasks with
  /// add_pairwise_task()), AnswerKind::spans (a list of SpanRegion) or AnswerKind::boxes (a list
  /// of BoxRegion); AnswerKind::classes is add_label_set(set). Adding a set equal to an existing
  /// one of the same name and kind returns that one's index.
  /// @code
  /// const int ner = queue.add_label_set(labelkit::LabelSet({"PER", "LOC"}, {.from_name = "ner"}),
  ///                                     la::AnswerKind::spans);
  /// @endcode
  /// @throws labelkit::invalid_argument as add_label_set(set), if the name is taken by a set of
  ///   another kind, or if a journal is attached (the journal records class answers only).
  template <class = void>
  int add_label_set(LabelSet set, AnswerKind kind) {
    std::unique_lock lock(mutex_);
    if (kind != AnswerKind::classes) refuse_journal("add_label_set");
    const std::size_t before = state_.label_sets.size();
    const int index = state_.add_label_set(std::move(set), "add_label_set", kind);
    if (journal_ && state_.label_sets.size() != before)
      commit(lock, journal_->log_label_set(*state_.label_sets.back()));
    return index;
  }

  /// Number of label sets (their indices are 0, 1, ...).
  [[nodiscard]] int label_set_count() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(state_.label_sets.size());
  }

  /// The answer kind of the label set at `index`.
  /// @throws labelkit::invalid_argument if out of range.
  [[nodiscard]] AnswerKind answer_kind(int index) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(index, "answer_kind");
    return state_.kind_of(index);
  }

  /// The label set at `index`. @throws labelkit::invalid_argument if out of
  /// range.
  [[nodiscard]] std::shared_ptr<const LabelSet> label_set(int index) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(index, "label_set");
    return state_.label_sets[static_cast<std::size_t>(index)];
  }

  /// Reserves room for `n` more tasks.
  /// @throws labelkit::invalid_argument if the table would exceed
  /// labelkit::max_allocation_bytes.
  template <class = void>
  void reserve(Eigen::Index n) {
    const auto more = static_cast<std::size_t>(std::max<Eigen::Index>(n, 0));
    std::lock_guard lock(mutex_);
    const std::size_t total = state_.tasks.size() + more;  // no wrap: more < 2^63
    labelkit::detail::check_allocation({total}, sizeof(detail::TaskState), "reserve",
                                       "the task table");
    state_.tasks.reserve(total);
    state_.index_of.reserve(total);
  }

  /// Adds one regular task. `data` is the payload shown to annotators: a
  /// nlohmann::json or any type nlohmann can convert (to_json). It may nest
  /// `json_limits.max_depth` levels and its strings must be valid UTF-8
  /// (checked before it is copied). O(log n + size of the payload).
  /// @throws labelkit::invalid_argument for a negative or existing item id, an
  /// unknown label
  ///         set, a non-finite priority, or a payload too deep or not valid
  ///         UTF-8.
  template <class Payload = nlohmann::json>
  void add_task(Eigen::Index item, int label_set, const Payload& data = {}, double priority = 0.0) {
    const nlohmann::json payload = checked_payload(data, item, "add_task");
    const auto shared = share_payload(payload);
    const Eigen::Index items[1] = {item};
    const double priorities[1] = {priority};
    std::unique_lock lock(mutex_);
    commit(lock, add_locked(items, label_set, priorities, &payload, &shared, nullptr, "add_task"));
  }

  /// Adds regular tasks for `items` (null payloads) with optional `priorities`
  /// (one per item; empty means 0). All-or-nothing. O(m log n).
  /// @throws labelkit::invalid_argument naming the first bad item or priority.
  template <class = void>
  void add_tasks(std::span<const Eigen::Index> items, int label_set,
                 std::span<const double> priorities = {}) {
    std::unique_lock lock(mutex_);
    commit(lock, add_locked(items, label_set, priorities, nullptr, nullptr, nullptr, "add_tasks"));
  }

  /// Adds a hidden gold item with its known answer. Gold items are served at
  /// `gold_rate` to each annotator at most once, without an overlap limit; they
  /// never count towards `complete`.
  /// @throws labelkit::invalid_argument as add_task, or
  /// labelkit::invalid_argument if `answer`
  ///         is not valid for the label set.
  template <class Payload = nlohmann::json>
  void add_gold(Eigen::Index item, int label_set, std::span<const int> answer,
                const Payload& data = {}) {
    const nlohmann::json payload = checked_payload(data, item, "add_gold");
    const auto shared = share_payload(payload);
    const Eigen::Index items[1] = {item};
    const std::vector<int> answers(answer.begin(), answer.end());
    std::unique_lock lock(mutex_);
    commit(lock, add_locked(items, label_set, {}, &payload, &shared, &answers, "add_gold"));
  }

  /// Adds single-label gold items, one answer per item. All-or-nothing.
  /// @throws labelkit::invalid_argument (sizes differ, bad id, label out of
  /// range).
  template <class = void>
  void add_gold(std::span<const Eigen::Index> items, int label_set, std::span<const int> answers) {
    if (items.size() != answers.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          "add_gold", "'items' has ", items.size(), " entries but 'answers' has ", answers.size());
    }
    const std::vector<int> copy(answers.begin(), answers.end());
    std::unique_lock lock(mutex_);
    commit(lock, add_locked(items, label_set, {}, nullptr, nullptr, &copy, "add_gold"));
  }

  /// Adds one task of an AnswerKind::pairwise label set: "which is better, item `left` or item
  /// `right`?". `item` is the task's own id (distinct from the ids of the compared items, which
  /// need not be tasks); `data` and `priority` as add_task(). Answers are submitted as a Winner
  /// and read back by comparisons(). O(log n + size of the payload).
  /// @throws labelkit::invalid_argument as add_task(), if the set is not pairwise, or if `left`
  ///   or `right` is negative or over 2^62, or they are equal.
  template <class Payload = nlohmann::json>
  void add_pairwise_task(Eigen::Index item, int label_set, Eigen::Index left, Eigen::Index right,
                         const Payload& data = {}, double priority = 0.0) {
    const nlohmann::json payload = checked_payload(data, item, "add_pairwise_task");
    const auto shared = share_payload(payload);
    std::unique_lock lock(mutex_);
    add_structured_locked(item, label_set, left, right, priority, shared, nullptr, nullptr,
                          "add_pairwise_task");
  }

  /// Adds a hidden gold task of an AnswerKind::pairwise label set with its known Winner
  /// (see add_pairwise_task() and add_gold()).
  /// @throws labelkit::invalid_argument as add_pairwise_task(), or for a winner outside Winner.
  template <class Payload = nlohmann::json>
  void add_pairwise_gold(Eigen::Index item, int label_set, Eigen::Index left, Eigen::Index right,
                         Winner winner, const Payload& data = {}) {
    const nlohmann::json payload = checked_payload(data, item, "add_pairwise_gold");
    const auto shared = share_payload(payload);
    const auto checked = detail::check_winner(winner);
    if (!checked.problem.empty())
      labelkit::detail::fail("add_pairwise_gold", "item ", item, ": ", checked.problem);
    std::unique_lock lock(mutex_);
    add_structured_locked(item, label_set, left, right, 0.0, shared, &checked.labels, nullptr,
                          "add_pairwise_gold");
  }

  /// Adds a hidden gold task of an AnswerKind::spans label set with its known spans (any
  /// number, possibly none). An answer counts as gold-correct when its spans equal these.
  /// @throws labelkit::invalid_argument as add_gold(), if the set does not take spans, or for an
  ///   invalid span (offsets, label, repeat, count).
  template <class Payload = nlohmann::json>
  void add_gold(Eigen::Index item, int label_set, std::span<const SpanRegion> answer,
                const Payload& data = {}) {
    add_region_gold(item, label_set, AnswerKind::spans, data,
                    [&](const LabelSet& set) { return detail::check_span_answer(answer, set); });
  }

  /// Adds a hidden gold task of an AnswerKind::boxes label set with its known boxes (any
  /// number, possibly none). An answer counts as gold-correct when its boxes equal these.
  /// @throws labelkit::invalid_argument as add_gold(), if the set does not take boxes, or for an
  ///   invalid box (coordinates, label, repeat, count).
  template <class Payload = nlohmann::json>
  void add_gold(Eigen::Index item, int label_set, std::span<const BoxRegion> answer,
                const Payload& data = {}) {
    add_region_gold(item, label_set, AnswerKind::boxes, data,
                    [&](const LabelSet& set) { return detail::check_box_answer(answer, set); });
  }

  /// Attaches a model prediction (pre-label) to a task; exported to Label
  /// Studio as a prediction.
  /// @throws labelkit::invalid_argument for an unknown item, labels outside the
  /// label set, a
  ///         non-finite score or a model_version that is not valid UTF-8.
  template <class = void>
  void add_prediction(Eigen::Index item, Prediction prediction) {
    if (!labelkit::detail::valid_utf8(prediction.model_version)) {
      labelkit::detail::fail("add_prediction", "'model_version' is not valid UTF-8");
    }
    std::unique_lock lock(mutex_);
    const std::size_t index = state_.find_or_fail(item, "add_prediction");
    auto& task = state_.tasks[index];
    expect_kind(task.label_set, AnswerKind::classes, "add_prediction");
    auto checked = detail::check_labels(
        prediction.labels, *state_.label_sets[static_cast<std::size_t>(task.label_set)], true);
    if (!checked.problem.empty())
      labelkit::detail::fail("add_prediction", "item ", item, ": ", checked.problem);
    if (!std::isfinite(prediction.score))
      labelkit::detail::fail("add_prediction", "'score' is not finite");
    prediction.labels = std::move(checked.labels);
    task.predictions.push_back(std::move(prediction));
    if (journal_) commit(lock, journal_->log_prediction(item, task.predictions.back()));
  }

  /// Sets the priorities of `items` (e.g. active-learning scores; higher is
  /// served first). All-or-nothing: every id and value is checked before any
  /// change. O(m log n) for m items; a batch of at least a quarter of the tasks
  /// (and 1024 items) instead rebuilds the order with one sort, O(n log n) but
  /// several times faster than m random re-keyings.
  /// @throws labelkit::invalid_argument naming the first unknown item or
  /// non-finite value;
  ///         labelkit::dimension_mismatch if the sizes differ.
  template <class = void>
  void update_priorities(std::span<const Eigen::Index> items, std::span<const double> priorities) {
    if (items.size() != priorities.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          "update_priorities", "'items' has ", items.size(), " entries but 'priorities' has ",
          priorities.size());
    }
    std::unique_lock lock(mutex_);
    for (std::size_t i = 0; i < items.size(); ++i) {
      (void)state_.find_or_fail(items[i], "update_priorities");
      if (!std::isfinite(priorities[i])) {
        labelkit::detail::fail("update_priorities",
                               "'priorities' has a non-finite value at position ", i, " (got ",
                               priorities[i], ")");
      }
    }
    // A large batch (a quarter of the tasks or more) rebuilds the ordered sets
    // from one sorted pass, which is several times faster than re-keying node
    // by node in random order.
    if (items.size() >= 1024 && 4 * items.size() >= state_.tasks.size()) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        state_.tasks[state_.index_of.find(items[i])->second].priority = priorities[i];
      }
      state_.rebuild_ranked_sets();
    } else {
      for (std::size_t i = 0; i < items.size(); ++i)
        state_.set_priority(state_.index_of.find(items[i])->second, priorities[i]);
    }
    if (journal_) commit(lock, journal_->log_priorities(items, priorities));
  }

  /// Eigen overload: `priorities` is any dense vector (float or double), one
  /// entry per item.
  template <class Derived>
  void update_priorities(std::span<const Eigen::Index> items,
                         const Eigen::DenseBase<Derived>& priorities) {
    std::vector<double> values(static_cast<std::size_t>(priorities.size()));
    for (Eigen::Index i = 0; i < priorities.size(); ++i) {
      values[static_cast<std::size_t>(i)] = static_cast<double>(priorities.derived()(i));
    }
    update_priorities(items, std::span<const double>(values));
  }

  /// Sets an annotator's own cap on tasks (accepted answers + active leases);
  /// -1 restores the queue's default. @throws labelkit::invalid_argument for a
  /// negative annotator or cap < -1.
  template <class = void>
  void set_annotator_cap(Eigen::Index annotator, Eigen::Index cap) {
    check_annotator(annotator, "set_annotator_cap");
    if (cap < -1)
      labelkit::detail::fail("set_annotator_cap", "'cap' must be >= -1 (got ", cap, ")");
    std::unique_lock lock(mutex_);
    state_.annotator_state(annotator).cap = cap;
    if (journal_) commit(lock, journal_->log_annotator_cap(annotator, cap));
  }

  /// The next task for `annotator`, leased until the returned deadline, or
  /// nullopt if nothing is left for them (or their cap is reached). See the
  /// class comment for the rules.
  /// @throws labelkit::invalid_argument for a negative annotator id.
  template <class Json = nlohmann::json>
  [[nodiscard]] std::optional<Assignment> next(Eigen::Index annotator) {
    check_annotator(annotator, "next");
    const Millis now = now_clamped();
    std::unique_lock lock(mutex_);
    std::uint64_t ticket = expire_locked(now);
    const bool known = state_.annotators.contains(annotator);
    auto assignment = next_locked<Json>(annotator, now);
    if (journal_ && (assignment || !known))
      ticket = journal_->log_lease(annotator, now, assignment ? assignment->item : -1);
    commit(lock, ticket);
    return assignment;
  }

  /// Submits `annotator`'s answer for `item`; returns accepted, accepted_late
  /// or duplicate.
  /// @throws unknown_task, invalid_label, not_lease_holder,
  /// duplicate_submission, lease_expired
  ///         (all labelkit::annotation::submission_error); the queue is then
  ///         unchanged.
  template <class Json = nlohmann::json>
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, std::span<const int> labels) {
    std::string message;
    const SubmitStatus status = submit_answer<Json>(annotator, item, labels, &message);
    return throw_refusal(status, &message);
  }

  /// Single-label convenience overload.
  template <class Json = nlohmann::json>
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, int label) {
    const int labels[1] = {label};
    return submit<Json>(annotator, item, std::span<const int>(labels));
  }

  /// Submits `annotator`'s preference on a task of an AnswerKind::pairwise label set, with the
  /// rules of submit() (an answer for another kind of set is an invalid_label).
  /// @throws as submit(); labelkit::invalid_argument if a journal is attached.
  template <class Json = nlohmann::json>
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, Winner winner) {
    std::string message;
    const SubmitStatus status = submit_answer<Json>(annotator, item, winner, &message);
    return throw_refusal(status, &message);
  }

  /// Submits `annotator`'s spans (any number, possibly none: "no entity") on a task of an
  /// AnswerKind::spans label set, with the rules of submit(). The spans are stored sorted; the
  /// same spans in another order are the same answer.
  /// @throws as submit(); labelkit::invalid_argument if a journal is attached.
  template <class Json = nlohmann::json>
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item,
                      std::span<const SpanRegion> spans) {
    std::string message;
    const SubmitStatus status = submit_answer<Json>(annotator, item, spans, &message);
    return throw_refusal(status, &message);
  }

  /// Submits `annotator`'s boxes (any number, possibly none) on a task of an AnswerKind::boxes
  /// label set, with the rules of submit(). Stored sorted, as spans are.
  /// @throws as submit(); labelkit::invalid_argument if a journal is attached.
  template <class Json = nlohmann::json>
  SubmitStatus submit(Eigen::Index annotator, Eigen::Index item, std::span<const BoxRegion> boxes) {
    std::string message;
    const SubmitStatus status = submit_answer<Json>(annotator, item, boxes, &message);
    return throw_refusal(status, &message);
  }

  /// As submit(), but reports a refusal as a status instead of throwing
  /// (`message`, if given, receives the reason). Throws only std::bad_alloc.
  template <class Json = nlohmann::json>
  [[nodiscard]] SubmitStatus try_submit(Eigen::Index annotator, Eigen::Index item,
                                        std::span<const int> labels,
                                        std::string* message = nullptr) {
    return try_answer<Json>(annotator, item, labels, message);
  }

  /// try_submit() for a pairwise answer. Throws labelkit::invalid_argument if a journal is
  /// attached, else only std::bad_alloc.
  template <class Json = nlohmann::json>
  [[nodiscard]] SubmitStatus try_submit(Eigen::Index annotator, Eigen::Index item, Winner winner,
                                        std::string* message = nullptr) {
    return try_answer<Json>(annotator, item, winner, message);
  }

  /// try_submit() for a span answer. Throws labelkit::invalid_argument if a journal is
  /// attached, else only std::bad_alloc.
  template <class Json = nlohmann::json>
  [[nodiscard]] SubmitStatus try_submit(Eigen::Index annotator, Eigen::Index item,
                                        std::span<const SpanRegion> spans,
                                        std::string* message = nullptr) {
    return try_answer<Json>(annotator, item, spans, message);
  }

  /// try_submit() for a box answer. Throws labelkit::invalid_argument if a journal is
  /// attached, else only std::bad_alloc.
  template <class Json = nlohmann::json>
  [[nodiscard]] SubmitStatus try_submit(Eigen::Index annotator, Eigen::Index item,
                                        std::span<const BoxRegion> boxes,
                                        std::string* message = nullptr) {
    return try_answer<Json>(annotator, item, boxes, message);
  }

  /// Gives a leased task back without answering; the annotator will not receive
  /// it again.
  /// @throws unknown_task, not_lease_holder or lease_expired; the queue is then
  /// unchanged.
  template <class = void>
  void skip(Eigen::Index annotator, Eigen::Index item) {
    const Millis now = now_clamped();
    std::unique_lock lock(mutex_);
    (void)expire_locked(now);
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
    state_.release_lease(index, *slot);
    slot->state = detail::SlotState::skipped;
    ++state_.skipped;
    ++state_.annotators[annotator].figures.skipped;
    state_.refresh_open(index);
    if (journal_) commit(lock, journal_->log_skip(annotator, item, now));
  }

  /// Processes leases whose deadline has passed (every call does this too).
  template <class = void>
  void expire_leases() {
    const Millis now = now_clamped();
    std::unique_lock lock(mutex_);
    commit(lock, expire_locked(now));
  }

  /// Counts per state and per-annotator figures (leases past their deadline
  /// count as active until the next call processes them).
  template <class = void>
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

  /// Everything the quality and agreement functions need from the queue, for single-label set
  /// `label_set`: its LabelSet, every accepted answer on its tasks (ordinary and gold, task
  /// order, then hand-out order), the known labels of its gold items, and each answer's time
  /// from hand-out to acceptance. Pass it straight to `quality::dawid_skene`, `majority_vote`,
  /// `gold_standard`, ...: the gold items are then clamped and scored without further glue.
  /// @throws labelkit::invalid_argument for an unknown or multi-label set (use
  ///   class_annotations() for a multi-label set, one class at a time).
  template <class = void>
  [[nodiscard]] AnswerSet answer_set(int label_set = 0) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(label_set, "answer_set");
    const auto& set = *state_.label_sets[static_cast<std::size_t>(label_set)];
    expect_kind(label_set, AnswerKind::classes, "answer_set");
    if (set.multi_label()) {
      labelkit::detail::fail("answer_set", "label set '", set.from_name(),
                             "' is multi-label (use class_annotations() for one class at a time)");
    }
    AnswerSet out{set, {}, {}, {}};
    for (const auto& task : state_.tasks) {
      if (task.label_set != label_set) continue;
      if (task.gold && task.gold->size() == 1) out.gold.push_back({task.item, task.gold->front()});
      for (const auto& slot : task.slots) {
        if (slot.state != detail::SlotState::submitted) continue;
        out.answers.push_back({task.item, slot.annotator, slot.labels.front()});
        out.durations.emplace_back(
            static_cast<double>(detail::saturating_sub(slot.submitted_at, slot.started_at)) /
            1000.0);
      }
    }
    return out;
  }

  /// Every accepted answer on the tasks of AnswerKind::pairwise set `label_set` (ordinary and
  /// gold, task order, then hand-out order) as labelkit::Comparison {annotator, left, right,
  /// winner}: the input of quality::bradley_terry(), quality::noisy_bradley_terry() and
  /// agreement::comparison_agreement(). O(tasks + answers).
  /// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
  template <class Json = nlohmann::json>
  [[nodiscard]] std::vector<Comparison> comparisons(int label_set) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(label_set, "comparisons");
    expect_kind(label_set, AnswerKind::pairwise, "comparisons");
    std::vector<Comparison> out;
    for (const auto& task : state_.tasks) {
      if (task.label_set != label_set) continue;
      for (const auto& slot : task.slots) {
        if (slot.state != detail::SlotState::submitted) continue;
        out.push_back(
            {slot.annotator, task.left, task.right, static_cast<Winner>(slot.labels.front())});
      }
    }
    return out;
  }

  /// The known Winner of every gold task of pairwise set `label_set`, as Comparison records
  /// with annotator -1, in task order.
  /// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
  template <class Json = nlohmann::json>
  [[nodiscard]] std::vector<Comparison> gold_comparisons(int label_set) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(label_set, "gold_comparisons");
    expect_kind(label_set, AnswerKind::pairwise, "gold_comparisons");
    std::vector<Comparison> out;
    for (const auto& task : state_.tasks) {
      if (task.label_set == label_set && task.gold) {
        out.push_back({-1, task.left, task.right, static_cast<Winner>(task.gold->front())});
      }
    }
    return out;
  }

  /// Every accepted answer on the tasks of AnswerKind::spans set `label_set` (ordinary and gold,
  /// task order, then hand-out order), in the form agreement::span_agreement() and
  /// quality::aggregate_spans() take: the spans as labelkit::SpanAnnotation, and every answer as
  /// an AnnotatedItem, so that an annotator who marked no span counts as having read the item.
  /// O(tasks + spans).
  /// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
  template <class Json = nlohmann::json>
  [[nodiscard]] SpanAnswerSet spans(int label_set) const {
    return region_answers<SpanAnswerSet>(
        label_set, AnswerKind::spans, "spans", [](const auto& task, const auto& slot, auto& out) {
          for (const auto& span : slot.regions->spans)
            out.spans.push_back({task.item, slot.annotator, span.start, span.end, span.label});
        });
  }

  /// Every accepted answer on the tasks of AnswerKind::boxes set `label_set`, in the form
  /// agreement::box_agreement() and quality::fuse_boxes() take (see spans()). O(tasks + boxes).
  /// @throws labelkit::invalid_argument for an unknown label set or one of another kind.
  template <class Json = nlohmann::json>
  [[nodiscard]] BoxAnswerSet boxes(int label_set) const {
    return region_answers<BoxAnswerSet>(
        label_set, AnswerKind::boxes, "boxes", [](const auto& task, const auto& slot, auto& out) {
          for (const auto& b : slot.regions->boxes)
            out.boxes.push_back({task.item, slot.annotator, b.x, b.y, b.width, b.height, b.label});
        });
  }

  /// Accepted answers on single-label tasks, ordinary and gold alike, as labelkit::Annotation
  /// records (task order, then hand-out order). With `label_set` >= 0 only that label set's
  /// tasks. Gold items are included so that `dawid_skene(queue.annotations(), C, {.gold =
  /// queue.gold_labels()})` clamps them; prefer answer_set(), which carries both.
  template <class = void>
  [[nodiscard]] std::vector<Annotation> annotations(int label_set = -1) const {
    return collect<>(label_set, Which::all);
  }

  /// Accepted answers on ordinary (non-gold) single-label tasks only.
  template <class = void>
  [[nodiscard]] std::vector<Annotation> regular_annotations(int label_set = -1) const {
    return collect<>(label_set, Which::regular);
  }

  /// Accepted answers on gold single-label tasks, for gold-standard testing.
  template <class = void>
  [[nodiscard]] std::vector<Annotation> gold_annotations(int label_set = -1) const {
    return collect<>(label_set, Which::gold);
  }

  /// The known answers of the single-label gold items, in task order.
  template <class = void>
  [[nodiscard]] std::vector<GoldLabel> gold_labels() const {
    std::lock_guard lock(mutex_);
    std::vector<GoldLabel> result;
    for (const auto& task : state_.tasks) {
      if (task.gold && task.gold->size() == 1 &&
          state_.kind_of(task.label_set) == AnswerKind::classes)
        result.push_back({task.item, task.gold->front()});
    }
    return result;
  }

  /// Multi-label answers for one class as binary labelkit::Annotation records
  /// (label 1 if the annotator chose `label`, else 0), regular tasks of
  /// `label_set` only; agreement can then be computed per class.
  /// @throws labelkit::invalid_argument for an unknown label set or class.
  template <class = void>
  [[nodiscard]] std::vector<Annotation> class_annotations(int label_set, int label) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(label_set, "class_annotations");
    expect_kind(label_set, AnswerKind::classes, "class_annotations");
    const auto& set = *state_.label_sets[static_cast<std::size_t>(label_set)];
    if (label < 0 || label >= set.size()) {
      labelkit::detail::fail("class_annotations", "'label' is out of range (got ", label,
                             ", expected 0 <= label < ", set.size(), ")");
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

  /// All tasks with their accepted answers, gold answers and predictions, in
  /// the order added (leases, skips and statistics are not part of it: use
  /// save() for the whole state).
  template <class Json = nlohmann::json>
  [[nodiscard]] TaskSet export_tasks() const {
    return detail::export_task_set<Json>(snapshot<Json>());
  }

  /// Adds the tasks of `set` with their answers (counted as accepted), gold
  /// answers and predictions. Label sets are matched by name (an equal set is
  /// reused). All-or-nothing.
  /// @throws labelkit::invalid_argument naming the offending task (existing or
  /// repeated item,
  ///         an annotator answering one item twice, invalid labels, a clashing
  ///         label set).
  template <class Json = nlohmann::json>
  void import_tasks(const TaskSet& set) {
    constexpr std::string_view function = "import_tasks";
    std::unique_lock lock(mutex_);
    detail::check_import<Json>(state_, set, limits_, function);
    detail::apply_import<Json>(state_, set, function);
    if (journal_) commit(lock, journal_->log_import(set));
  }

  /// Writes the whole state (options, label sets, tasks, leases, skips,
  /// statistics) as a framed checkpoint: a header line with size and checksum,
  /// then JSON (schema: checkpoint_codec.hpp). See checkpoint.hpp for files.
  /// The lock is held only to copy the state (payloads shared); the encoding
  /// runs outside it, so other threads keep working meanwhile.
  template <class Json = nlohmann::json>
  void save(std::ostream& out) const {
    const std::string text = checkpoint<Json>();
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) labelkit::detail::fail<labelkit::error>("save", "writing the checkpoint failed");
  }

  /// The framed checkpoint as a string (what save() writes); encoded outside
  /// the lock.
  template <class Json = nlohmann::json>
  [[nodiscard]] std::string checkpoint() const {
    return detail::framed_checkpoint<Json>(snapshot<Json>());
  }

  /// Replaces the whole state with a checkpoint's (the clock is kept). The
  /// checkpoint is fully parsed and checked before anything changes: on error
  /// the queue is untouched.
  /// @throws labelkit::parse_error saying what is wrong (header, truncation,
  /// checksum, the JSON
  ///         path of a bad value, an inconsistency).
  /// The checkpoint is read within the queue's `json_limits` (see
  /// QueueOptions).
  /// @throws labelkit::error if the stream fails.
  template <class Json = nlohmann::json>
  void restore(std::istream& in) {
    constexpr std::size_t header_bytes = 128;
    const std::size_t limit = limits_.max_bytes;
    restore_text<Json>(detail::read_all(
        in, limit > SIZE_MAX - header_bytes ? SIZE_MAX : limit + header_bytes, "restore"));
  }

  /// restore() from a string holding a framed checkpoint.
  template <class Json = nlohmann::json>
  void restore_text(std::string_view text) {
    int version = 0;
    const std::string_view body = detail::unframe_checkpoint(text, "restore", &version);
    const detail::JsonContext context{"restore", "", limits_};
    detail::QueueState fresh = detail::decode_checkpoint(
        detail::parse_document<Json>(body, limits_, context), limits_, version);
    std::unique_lock lock(mutex_);
    state_ = std::move(fresh);
    if (journal_) commit(lock, journal_->log_restore(text));
  }

 private:
  // Every submitted answer on the tasks of region set `label_set` of kind `kind`, as an
  // AnnotatedItem each (an annotator who marked nothing still read the item), with `add(task,
  // slot, out)` appending the answer's regions: the one walk behind spans() and boxes().
  template <class Out, class Add>
  [[nodiscard]] Out region_answers(int label_set, AnswerKind kind, const char* function,
                                   Add add) const {
    std::lock_guard lock(mutex_);
    state_.check_label_set_index(label_set, function);
    expect_kind(label_set, kind, function);
    Out out{*state_.label_sets[static_cast<std::size_t>(label_set)], {}, {}};
    for (const auto& task : state_.tasks) {
      if (task.label_set != label_set) continue;
      for (const auto& slot : task.slots) {
        if (slot.state != detail::SlotState::submitted) continue;
        out.annotated.push_back({task.item, slot.annotator});
        if (slot.regions) add(task, slot, out);
      }
    }
    return out;
  }
  // ---- helpers
  // ----------------------------------------------------------------------

  /// A copy of the checkpointed part of the state, taken under the lock.
  template <class Json>
  [[nodiscard]] detail::QueueState snapshot() const {
    std::lock_guard lock(mutex_);
    return state_.template snapshot<Json>();
  }

  /// The clock's reading, clamped into [min_time, max_time].
  [[nodiscard]] Millis now_clamped() const { return detail::clamp_time(clock_()); }

  /// `data` as JSON, checked against the queue's limits and for UTF-8 before it
  /// is stored; a nlohmann::json is checked before it is copied (copying
  /// recurses once per level).
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

  /// The stored form of a checked payload: shared, and a null pointer for JSON null. Made before
  /// the lock is taken, so that the copy does not hold up other threads.
  template <class Json>
  [[nodiscard]] static std::shared_ptr<const Json> share_payload(const Json& payload) {
    if (payload.is_null()) return nullptr;
    return std::make_shared<const Json>(payload);
  }

  /// Throws the submission_error that a refused `status` stands for, with `message`; returns
  /// any other status.
  static SubmitStatus throw_refusal(SubmitStatus status, const std::string* message) {
    switch (status) {
      case SubmitStatus::unknown_task:
        throw unknown_task(*message);
      case SubmitStatus::invalid_label:
        throw invalid_label(*message);
      case SubmitStatus::not_lease_holder:
        throw not_lease_holder(*message);
      case SubmitStatus::lease_expired:
        throw lease_expired(*message);
      case SubmitStatus::duplicate_submission:
        throw duplicate_submission(*message);
      default:
        return status;
    }
  }

  /// With the lock held: refuses a pairwise, span or box mutation while a journal is attached
  /// (the journal's records carry class answers only).
  void refuse_journal(std::string_view function) const {
    if (journal_) {
      labelkit::detail::fail(function,
                             "the queue has a journal, which records class answers only "
                             "(pairwise, span and box answers are checkpointed by save())");
    }
  }

  /// With the lock held: @throws labelkit::invalid_argument unless label set `label_set` (in
  /// range) takes answers of `kind`.
  void expect_kind(int label_set, AnswerKind kind, std::string_view function) const {
    const AnswerKind actual = state_.kind_of(label_set);
    if (actual != kind) {
      labelkit::detail::fail(function, "label set '",
                             state_.label_sets[static_cast<std::size_t>(label_set)]->from_name(),
                             "' takes ", to_string(actual), " answers (expected a ",
                             to_string(kind), " label set)");
    }
  }

  /// Adds one pairwise task (`left` >= 0) or one region gold task (`regions` set), all checks
  /// first; `gold`: the gold labels (a pairwise Winner), or null.
  template <class Json>
  void add_structured_locked(Eigen::Index item, int label_set, Eigen::Index left,
                             Eigen::Index right, double priority,
                             const std::shared_ptr<const Json>& data, const std::vector<int>* gold,
                             std::shared_ptr<const detail::Regions> regions,
                             std::string_view function) {
    state_.check_label_set_index(label_set, function);
    refuse_journal(function);
    const bool pairwise = regions == nullptr;
    if (pairwise) {
      expect_kind(label_set, AnswerKind::pairwise, function);
      for (const Eigen::Index side : {left, right}) {
        if (side < 0 || side > (Eigen::Index{1} << 62)) {
          labelkit::detail::fail(function, "task ", item, ": compared item id ", side,
                                 " is out of range (expected 0 <= id <= 2^62)");
        }
      }
      if (left == right) {
        labelkit::detail::fail(function, "task ", item, " compares item ", left,
                               " with itself (expected two different items)");
      }
    }
    if (item < 0) labelkit::detail::fail(function, "'item' is negative (got ", item, ")");
    if (state_.index_of.contains(item))
      labelkit::detail::fail(function, "item ", item, " already exists");
    if (!std::isfinite(priority)) labelkit::detail::fail(function, "'priority' is not finite");
    detail::TaskState task;
    task.item = item;
    task.data = data;
    task.priority = priority;
    task.label_set = label_set;
    if (pairwise) {
      task.left = left;
      task.right = right;
      if (gold != nullptr) task.gold = *gold;
    } else {
      task.gold = std::vector<int>{};
      task.gold_regions = std::move(regions);
    }
    (void)state_.adopt_task(std::move(task));
  }

  /// add_gold() for span and box answers: `check` validates the answer against the set.
  template <class Payload, class Check>
  void add_region_gold(Eigen::Index item, int label_set, AnswerKind kind, const Payload& data,
                       const Check& check) {
    const nlohmann::json payload = checked_payload(data, item, "add_gold");
    const auto shared = share_payload(payload);
    std::unique_lock lock(mutex_);
    state_.check_label_set_index(label_set, "add_gold");
    expect_kind(label_set, kind, "add_gold");
    auto checked = check(*state_.label_sets[static_cast<std::size_t>(label_set)]);
    if (!checked.problem.empty())
      labelkit::detail::fail("add_gold", "gold answer of item ", item, ": ", checked.problem);
    add_structured_locked(item, label_set, -1, -1, 0.0, shared, nullptr, std::move(checked.regions),
                          "add_gold");
  }

  static void check_annotator(Eigen::Index annotator, std::string_view function) {
    if (annotator < 0)
      labelkit::detail::fail(function, "'annotator' is negative (got ", annotator, ")");
  }

  /// Adds tasks (all checks first). `payload` (one, for a single item; `data` its stored
  /// form from share_payload()) or null payloads; `answers`: gold answers — one multi-label answer
  /// for a single item with a payload, else one single label per item. Returns the journal ticket
  /// (0 without a journal).
  template <class = void>
  std::uint64_t add_locked(std::span<const Eigen::Index> items, int label_set,
                           std::span<const double> priorities, const nlohmann::json* payload,
                           const std::shared_ptr<const nlohmann::json>* data,
                           const std::vector<int>* answers, std::string_view function) {
    state_.check_label_set_index(label_set, function);
    if (!priorities.empty() && priorities.size() != items.size()) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(function, "'items' has ", items.size(),
                                                           " entries but 'priorities' has ",
                                                           priorities.size());
    }
    const auto& set = *state_.label_sets[static_cast<std::size_t>(label_set)];
    const AnswerKind kind = state_.kind_of(label_set);
    if (kind == AnswerKind::pairwise) {
      labelkit::detail::fail(function, "label set '", set.from_name(),
                             "' is pairwise: add its tasks with add_pairwise_task() or "
                             "add_pairwise_gold()");
    }
    if (answers != nullptr && kind != AnswerKind::classes) {
      labelkit::detail::fail(function, "label set '", set.from_name(), "' takes ", to_string(kind),
                             " answers: give the gold answer as a ",
                             kind == AnswerKind::spans ? "SpanRegion" : "BoxRegion", " list");
    }
    if (kind != AnswerKind::classes) refuse_journal(function);
    const bool one_answer = answers != nullptr && payload != nullptr;
    std::unordered_map<Eigen::Index, std::size_t> batch;
    if (items.size() > 1) batch.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i] < 0)
        labelkit::detail::fail(function, "'items' has a negative id at position ", i, " (got ",
                               items[i], ")");
      if (state_.index_of.contains(items[i]) ||
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
      detail::TaskState task;
      task.item = items[i];
      if (data != nullptr) task.data = *data;
      task.priority = priorities.empty() ? 0.0 : priorities[i];
      task.label_set = label_set;
      if (answers != nullptr) {
        task.gold = one_answer ? *answers : std::vector<int>{(*answers)[i]};
        std::sort(task.gold->begin(), task.gold->end());
      }
      (void)state_.adopt_task(std::move(task));
    }
    return journal_ ? journal_->log_add(items, label_set, priorities, payload, answers) : 0;
  }

  /// next() after the expiry of due leases, with the lock held.
  template <class Json>
  [[nodiscard]] std::optional<Assignment> next_locked(Eigen::Index annotator, Millis now) {
    auto& who = state_.annotator_state(annotator);
    const auto& options = state_.options;
    const Eigen::Index cap = who.cap >= 0 ? who.cap : options.max_tasks_per_annotator;
    if ((who.cap >= 0 || cap > 0) && who.figures.submitted + who.figures.active >= cap)
      return std::nullopt;
    if (options.max_active_per_annotator > 0 &&
        who.figures.active >= options.max_active_per_annotator) {
      return std::nullopt;
    }
    const auto regular = state_.first_unseen(state_.open, annotator);
    if (regular == state_.open.end()) return std::nullopt;
    std::size_t index = regular->index;
    if (options.gold_rate > 0.0 && !state_.gold.empty()) {
      const double u = detail::gold_draw(options.seed, annotator, who.draws++);
      if (u < options.gold_rate) {
        const auto gold = state_.first_unseen(state_.gold, annotator);
        if (gold != state_.gold.end()) index = gold->index;
      }
    }
    auto& task = state_.tasks[index];
    const Millis timeout = options.lease_timeout.count();
    // Saturating: a timeout of milliseconds::max() (or a clock near the end of
    // time) leases until the end of time instead of wrapping to a deadline in
    // the past.
    const Millis deadline =
        timeout > 0 ? detail::saturating_add(now, timeout) : std::numeric_limits<Millis>::max();
    task.slots.push_back(
        detail::Slot{annotator, detail::SlotState::leased, false, now, deadline, 0, {}, nullptr});
    ++task.active;
    if (deadline != std::numeric_limits<Millis>::max()) {
      state_.leases.insert(detail::LeaseKey{deadline, index, annotator});
    }
    if (who.figures.assigned == 0) who.figures.first_assigned_at = now;
    ++who.figures.assigned;
    ++who.figures.active;
    state_.refresh_open(index);
    return Assignment{task.item,
                      task.template payload<Json>(),
                      state_.label_sets[static_cast<std::size_t>(task.label_set)],
                      deadline,
                      state_.kind_of(task.label_set),
                      task.left,
                      task.right};
  }

  /// A checked answer: class labels (a pairwise Winner is one label) or regions.
  struct CheckedAnswer {
    std::vector<int> labels;
    std::shared_ptr<const detail::Regions> regions;
    std::string problem;
  };

  /// try_submit(): the submission with its refusal reason moved into `message` (if given).
  template <class Json, class Answer>
  [[nodiscard]] SubmitStatus try_answer(Eigen::Index annotator, Eigen::Index item,
                                        const Answer& answer, std::string* message) {
    std::string text;
    const auto status = submit_answer<Json>(annotator, item, answer, &text);
    if (message) *message = std::move(text);
    return status;
  }

  template <class Json = nlohmann::json>
  SubmitStatus submit_answer(Eigen::Index annotator, Eigen::Index item, std::span<const int> labels,
                             std::string* message) {
    return submit_checked(annotator, item, AnswerKind::classes, message, [&](const LabelSet& set) {
      auto checked = detail::check_labels(labels, set);
      return CheckedAnswer{std::move(checked.labels), nullptr, std::move(checked.problem)};
    });
  }

  template <class Json = nlohmann::json>
  SubmitStatus submit_answer(Eigen::Index annotator, Eigen::Index item, Winner winner,
                             std::string* message) {
    return submit_checked(annotator, item, AnswerKind::pairwise, message, [&](const LabelSet&) {
      auto checked = detail::check_winner(winner);
      return CheckedAnswer{std::move(checked.labels), nullptr, std::move(checked.problem)};
    });
  }

  template <class Json = nlohmann::json>
  SubmitStatus submit_answer(Eigen::Index annotator, Eigen::Index item,
                             std::span<const SpanRegion> spans, std::string* message) {
    return submit_checked(annotator, item, AnswerKind::spans, message, [&](const LabelSet& set) {
      auto checked = detail::check_span_answer(spans, set);
      return CheckedAnswer{{}, std::move(checked.regions), std::move(checked.problem)};
    });
  }

  template <class Json = nlohmann::json>
  SubmitStatus submit_answer(Eigen::Index annotator, Eigen::Index item,
                             std::span<const BoxRegion> boxes, std::string* message) {
    return submit_checked(annotator, item, AnswerKind::boxes, message, [&](const LabelSet& set) {
      auto checked = detail::check_box_answer(boxes, set);
      return CheckedAnswer{{}, std::move(checked.regions), std::move(checked.problem)};
    });
  }

  /// The submission rules (see the class comment) for an answer of `kind`, which `check`
  /// validates against the task's label set.
  template <class Check>
  SubmitStatus submit_checked(Eigen::Index annotator, Eigen::Index item, AnswerKind kind,
                              std::string* message, const Check& check) {
    using labelkit::detail::concat;
    const Millis now = now_clamped();
    std::unique_lock lock(mutex_);
    if (kind != AnswerKind::classes) refuse_journal("submit");
    (void)expire_locked(now);
    const auto found = state_.index_of.find(item);
    if (found == state_.index_of.end()) {
      *message = concat("labelkit: submit(): item ", item, " is not a task of this queue");
      return SubmitStatus::unknown_task;
    }
    const std::size_t index = found->second;
    auto& task = state_.tasks[index];
    const auto& set = *state_.label_sets[static_cast<std::size_t>(task.label_set)];
    if (state_.kind_of(task.label_set) != kind) {
      *message = concat("labelkit: submit(): item ", item, ": label set '", set.from_name(),
                        "' takes ", to_string(state_.kind_of(task.label_set)), " answers (got a ",
                        to_string(kind), " answer)");
      return SubmitStatus::invalid_label;
    }
    auto checked = check(set);
    if (!checked.problem.empty()) {
      *message = concat("labelkit: submit(): item ", item, ": ", checked.problem);
      return SubmitStatus::invalid_label;
    }
    const auto same = [&](const detail::Slot& s) {
      return s.labels == checked.labels && detail::same_regions(s.regions, checked.regions);
    };
    detail::Slot* slot = task.slot_of(annotator);
    if (slot == nullptr || slot->state == detail::SlotState::skipped) {
      *message = concat("labelkit: submit(): annotator ", annotator, " holds no lease on item ",
                        item, slot ? " (skipped it)" : " (never assigned it)");
      return SubmitStatus::not_lease_holder;
    }
    if (slot->state == detail::SlotState::submitted) {
      if (same(*slot) && state_.options.duplicate_submissions == DuplicatePolicy::idempotent) {
        ++state_.duplicates;
        if (journal_) {
          commit(lock, journal_->log_submit(annotator, item, now, checked.labels,
                                            SubmitStatus::duplicate));
        }
        return SubmitStatus::duplicate;
      }
      *message = concat("labelkit: submit(): annotator ", annotator, " already submitted item ",
                        item, same(*slot) ? "" : " with a different answer");
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
      state_.release_lease(index, *slot);
    }
    slot->state = detail::SlotState::submitted;
    slot->late = late;
    slot->submitted_at = now;
    slot->labels = std::move(checked.labels);
    slot->regions = std::move(checked.regions);
    ++task.accepted;
    state_.count_answer(task, *slot, who);
    if (!task.gold && task.accepted == state_.options.overlap) ++state_.complete;
    state_.refresh_open(index);
    const SubmitStatus status = late ? SubmitStatus::accepted_late : SubmitStatus::accepted;
    if (journal_) commit(lock, journal_->log_submit(annotator, item, now, slot->labels, status));
    return status;
  }

  enum class Which { all, regular, gold };

  template <class = void>
  [[nodiscard]] std::vector<Annotation> collect(int label_set, Which which) const {
    std::lock_guard lock(mutex_);
    if (label_set >= 0) {
      state_.check_label_set_index(label_set,
                                   which == Which::gold ? "gold_annotations" : "annotations");
    }
    std::vector<Annotation> result;
    for (const auto& task : state_.tasks) {
      if ((which == Which::gold && !task.gold) || (which == Which::regular && task.gold) ||
          (label_set >= 0 && task.label_set != label_set))
        continue;
      if (state_.label_sets[static_cast<std::size_t>(task.label_set)]->multi_label() ||
          state_.kind_of(task.label_set) != AnswerKind::classes)
        continue;
      for (const auto& slot : task.slots) {
        if (slot.state == detail::SlotState::submitted)
          result.push_back({task.item, slot.annotator, slot.labels.front()});
      }
    }
    return result;
  }

  /// Expires due leases and journals the expiry if any lease expired; returns
  /// the journal ticket (0: nothing logged).
  template <class = void>
  std::uint64_t expire_locked(Millis now) {
    const Eigen::Index before = state_.expired;
    state_.expire_due(now);
    return journal_ && state_.expired != before ? journal_->log_expire(now) : 0;
  }

  /// Releases the lock and waits until the journal record `ticket` is durable
  /// (nothing to wait for when `ticket` is 0).
  void commit(std::unique_lock<std::mutex>& lock, std::uint64_t ticket) {
    if (ticket == 0) return;
    const std::shared_ptr<detail::QueueJournalSink> sink = journal_;
    lock.unlock();
    sink->commit(ticket);
  }

  friend struct detail::JournalAccess;
  friend struct detail::LabelStudioQueueAccess;

  Clock clock_;
  const JsonLimits limits_;  ///< options.json_limits, which a restore keeps.
  mutable std::mutex mutex_;
  detail::QueueState state_;
  /// The attached journal (labelkit/annotation/journal.hpp), or null.
  std::shared_ptr<detail::QueueJournalSink> journal_;
};

}  // namespace annotation
LABELKIT_END_NAMESPACE
