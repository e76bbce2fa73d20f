#pragma once
/// @file
/// The interface through which a TaskQueue reports its mutations to an attached journal
/// (labelkit/annotation/journal.hpp implements it). Internal: in labelkit::detail.
///
/// Every `log_*` member is called with the queue's lock held, right after the mutation it
/// describes succeeded, so that the journal's order is the order in which the mutations were
/// applied. It returns a ticket (0: nothing was logged). The queue then releases its lock and
/// calls commit(ticket), which returns once the record is durable per the journal's policy; only
/// then does the public call return (acknowledge).

#include <Eigen/Core>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Receives the mutations of one TaskQueue (see the file comment).
class QueueJournalSink {
 public:
  virtual ~QueueJournalSink() = default;
  /// add_label_set() registered a new set.
  virtual std::uint64_t log_label_set(const annotation::LabelSet& set) = 0;
  /// add_task / add_tasks / add_gold added tasks: the arguments of TaskQueue's add_locked().
  virtual std::uint64_t log_add(std::span<const Eigen::Index> items, int label_set,
                                std::span<const double> priorities, const nlohmann::json* payload,
                                const std::vector<int>* answers) = 0;
  /// add_prediction() attached `prediction` (labels canonical) to `item`.
  virtual std::uint64_t log_prediction(Eigen::Index item,
                                       const annotation::Prediction& prediction) = 0;
  /// update_priorities().
  virtual std::uint64_t log_priorities(std::span<const Eigen::Index> items,
                                       std::span<const double> priorities) = 0;
  /// set_annotator_cap().
  virtual std::uint64_t log_annotator_cap(Eigen::Index annotator, Eigen::Index cap) = 0;
  /// next() at time `now` leased `item` to `annotator` (-1: it returned nothing but registered
  /// the annotator).
  virtual std::uint64_t log_lease(Eigen::Index annotator, annotation::Millis now,
                                  Eigen::Index item) = 0;
  /// submit() at time `now` returned `status` (accepted, accepted_late or duplicate).
  virtual std::uint64_t log_submit(Eigen::Index annotator, Eigen::Index item,
                                   annotation::Millis now, std::span<const int> labels,
                                   annotation::SubmitStatus status) = 0;
  /// skip() at time `now`.
  virtual std::uint64_t log_skip(Eigen::Index annotator, Eigen::Index item,
                                 annotation::Millis now) = 0;
  /// Leases with a deadline at or before `now` expired.
  virtual std::uint64_t log_expire(annotation::Millis now) = 0;
  /// import_tasks() added `set`.
  virtual std::uint64_t log_import(const annotation::TaskSet& set) = 0;
  /// restore_text() replaced the state with the framed checkpoint `text`.
  virtual std::uint64_t log_restore(std::string_view text) = 0;
  /// Returns once the record with `ticket` (and every earlier one) is durable per the journal's
  /// policy. Called without the queue's lock.
  virtual void commit(std::uint64_t ticket) = 0;
};

/// Grants labelkit/annotation/journal.hpp access to a queue's state, lock and journal slot.
struct JournalAccess;
/// Gives labelkit/annotation/label_studio_queue.hpp the queue's lock and state.
struct LabelStudioQueueAccess;

}  // namespace detail
LABELKIT_END_NAMESPACE
