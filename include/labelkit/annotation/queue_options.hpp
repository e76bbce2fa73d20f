#pragma once
/// @file
/// The task queue's vocabulary: its options (overlap, leases, late and duplicate answers, gold
/// rate, caps, JSON limits), its clock, and the progress figures it reports. No locking and no
/// state here: see task_queue.hpp for the queue itself.

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/json.hpp"

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
  LatePolicy late_submissions =
      LatePolicy::accept;  ///< What to do with an answer after its lease expired.
  /// What to do when an annotator answers the same item again.
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
  /// A clock that reads `start` (ms since the epoch) until advanced.
  explicit ManualClock(Millis start = 0) : now_(std::make_shared<std::atomic<Millis>>(start)) {}
  /// The current time, in ms since the epoch.
  Millis operator()() const noexcept { return now_->load(std::memory_order_relaxed); }
  /// Moves the time by `by` (saturating at the ends of Millis).
  void advance(std::chrono::milliseconds by) noexcept {
    Millis now = now_->load(std::memory_order_relaxed);
    while (!now_->compare_exchange_weak(now, detail::saturating_add(now, by.count()),
                                        std::memory_order_relaxed)) {
    }
  }
  /// Sets the time to `now` (ms since the epoch).
  void set(Millis now) noexcept { now_->store(now, std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<Millis>> now_;
};

/// Task and lease counts. A regular task is `pending` (no answer, no lease), `in_progress`
/// (some answers or leases, fewer than `overlap` answers) or `complete` (`overlap` answers).
struct TaskCounts {
  Eigen::Index regular = 0;        ///< Regular (non-gold) tasks.
  Eigen::Index gold = 0;           ///< Gold tasks.
  Eigen::Index pending = 0;        ///< Regular tasks with no answer and no lease.
  Eigen::Index in_progress = 0;    ///< Regular tasks with answers or leases, not yet complete.
  Eigen::Index complete = 0;       ///< Regular tasks with `overlap` answers.
  Eigen::Index active_leases = 0;  ///< Leases held now.
  Eigen::Index accepted = 0;       ///< Answers counted (regular and gold), late ones included.
  Eigen::Index accepted_late = 0;  ///< Answers accepted after their lease expired.
  Eigen::Index expired = 0;        ///< Leases that expired.
  Eigen::Index skipped = 0;        ///< Tasks skipped by an annotator.
  Eigen::Index duplicates = 0;     ///< Idempotent repeats ignored.
};

/// One annotator's figures. Durations are from hand-out to accepted answer, in milliseconds.
struct AnnotatorProgress {
  Eigen::Index annotator = 0;      ///< Annotator id.
  Eigen::Index assigned = 0;       ///< Leases received (gold included).
  Eigen::Index submitted = 0;      ///< Answers accepted (gold and late included).
  Eigen::Index late = 0;           ///< Answers accepted after their lease expired.
  Eigen::Index skipped = 0;        ///< Tasks this annotator skipped.
  Eigen::Index expired = 0;        ///< Leases this annotator let expire.
  Eigen::Index active = 0;         ///< Leases held now.
  Eigen::Index gold_answered = 0;  ///< Gold items answered.
  Eigen::Index gold_correct = 0;   ///< ... of which correctly.
  Millis total_duration = 0;       ///< Sum of hand-out-to-answer times (ms).
  Millis first_assigned_at = 0;    ///< Time of the first hand-out (ms since the epoch).
  Millis last_submitted_at = 0;    ///< Time of the last accepted answer (ms since the epoch).

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
  TaskCounts tasks;                           ///< Task and lease counts.
  std::vector<AnnotatorProgress> annotators;  ///< Ascending annotator id.

  /// Whether every regular task has `overlap` answers.
  [[nodiscard]] bool finished() const noexcept { return tasks.complete == tasks.regular; }
};

/// A gold item's known answer: labelkit::quality's record, so that gold_labels() feeds
/// quality::gold_standard() and the `gold` option of quality::dawid_skene() directly.
using GoldLabel = labelkit::GoldLabel;

}  // namespace annotation
LABELKIT_END_NAMESPACE
