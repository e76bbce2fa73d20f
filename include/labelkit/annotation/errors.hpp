#pragma once
/// @file
/// The refusals of the annotation task queue: one exception type per reason, all derived from
/// labelkit::annotation::submission_error (itself a labelkit::error), plus the equivalent result
/// codes returned by the non-throwing calls.
///
/// A refused call never changes the queue's state: the queue checks everything first and only
/// then applies the change.

#include <string_view>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// Root of the queue's refusals of a submit() or skip() call.
class submission_error : public labelkit::error {
 public:
  using labelkit::error::error;
};

/// The item id is not a task of this queue.
class unknown_task : public submission_error {
 public:
  using submission_error::submission_error;
};

/// The labels are not valid for the task's label set (out of range, repeated, or not exactly one
/// label for a single-label task).
class invalid_label : public submission_error {
 public:
  using submission_error::submission_error;
};

/// The annotator does not hold a lease on the item (never assigned it, or skipped it).
class not_lease_holder : public submission_error {
 public:
  using submission_error::submission_error;
};

/// The annotator's lease expired and the late submission was refused by policy (or the item no
/// longer needs an annotation).
class lease_expired : public submission_error {
 public:
  using submission_error::submission_error;
};

/// The annotator already submitted this item: a different answer, or the same answer under
/// `DuplicatePolicy::reject`.
class duplicate_submission : public submission_error {
 public:
  using submission_error::submission_error;
};

/// Outcome of a submission. `accepted` and `accepted_late` count; `duplicate` is an idempotent
/// repeat of an already counted answer (it is not counted again); every other value is a
/// refusal that left the queue unchanged, one per exception type above.
enum class SubmitStatus {
  accepted,              ///< Counted.
  accepted_late,         ///< Counted although the lease had expired (LatePolicy::accept).
  duplicate,             ///< Same answer as before; ignored (DuplicatePolicy::idempotent).
  unknown_task,          ///< Refused: no such item.
  invalid_label,         ///< Refused: labels not valid for the label set.
  not_lease_holder,      ///< Refused: the annotator holds no lease on the item.
  lease_expired,         ///< Refused: the lease expired and the late answer was not accepted.
  duplicate_submission,  ///< Refused: already submitted (different answer, or policy reject).
};

/// Whether `status` means the answer is recorded (accepted now, earlier, or late).
[[nodiscard]] constexpr bool is_success(SubmitStatus status) noexcept {
  return status == SubmitStatus::accepted || status == SubmitStatus::accepted_late ||
         status == SubmitStatus::duplicate;
}

/// The name of a status, as used in messages and logs.
[[nodiscard]] constexpr std::string_view to_string(SubmitStatus status) noexcept {
  switch (status) {
    case SubmitStatus::accepted:
      return "accepted";
    case SubmitStatus::accepted_late:
      return "accepted_late";
    case SubmitStatus::duplicate:
      return "duplicate";
    case SubmitStatus::unknown_task:
      return "unknown_task";
    case SubmitStatus::invalid_label:
      return "invalid_label";
    case SubmitStatus::not_lease_holder:
      return "not_lease_holder";
    case SubmitStatus::lease_expired:
      return "lease_expired";
    case SubmitStatus::duplicate_submission:
      return "duplicate_submission";
  }
  return "unknown";
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
