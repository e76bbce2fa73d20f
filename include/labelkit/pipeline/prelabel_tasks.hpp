#pragma once
/// @file
/// Pre-labeling → task queue in one call: a pre-labeling run becomes auto-accepted final labels
/// and queue tasks (with the pre-label attached as a prediction) for the items a human must
/// review, keyed by item id.
///
///     const auto report = labelkit::prelabel::run_prelabeler(llm, ids, digits, router);
///     const auto routed = labelkit::pipeline::add_prelabel_run(queue, set, ids, report);
///     // routed.auto_accepted: FinalLabels; routed.review / routed.failed: ids now in the queue

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/utf8.hpp"
#include "labelkit/pipeline/final_label.hpp"
#include "labelkit/prelabel/runner.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace pipeline {

/// Options of add_prelabel_run().
struct PrelabelRunOptions {
  /// Written as the predictions' `model_version` (shown to reviewers and exported to Label
  /// Studio). Must be valid UTF-8.
  std::string model_version = "prelabeler";
  /// Priority of an item for review: `review_priority - confidence` for a pre-labeled item, so
  /// that the least sure pre-labels are reviewed first (an active learner can re-prioritise
  /// later with `queue.update_priorities`).
  double review_priority = 1.0;
  /// Priority of a failed item (no pre-label): served before every pre-labeled one by default.
  double failed_priority = 2.0;
  /// Whether failed items become queue tasks (true) or are only listed in `failed`.
  bool queue_failed = true;
};

/// What add_prelabel_run() did with each item.
struct PrelabelRun {
  /// The auto-accepted items as final labels (source auto_accepted, confidence of the
  /// pre-label), ascending item id.
  std::vector<FinalLabel> auto_accepted;
  std::vector<Index> review;  ///< Items added to the queue for review, ascending id.
  std::vector<Index> failed;  ///< Items the pre-labeler failed on, ascending id.
};

/// Adds the outcome of a pre-labeling run to `queue`, keyed by item id: `report.items[i]` is
/// the result for `items[i]` (as run_prelabeler() returns it). Items for review become regular
/// tasks of `label_set` with their pre-label attached as a prediction; failed items become tasks
/// without one (or are only listed, see `queue_failed`); auto-accepted items are returned as
/// final labels and not queued. All-or-nothing for the queue: every id is checked first.
/// Complexity O(n log n).
/// @throws labelkit::dimension_mismatch if `items` and `report.items` differ in size;
///   labelkit::invalid_argument for a negative or repeated id, an id already in the queue, an
///   unknown or multi-label set, or an auto-accepted pre-label outside the label set.
template <class = void>
PrelabelRun add_prelabel_run(annotation::TaskQueue& queue, int label_set,
                             std::span<const Index> items, const prelabel::RunReport& report,
                             const PrelabelRunOptions& options = {}) {
  constexpr const char* function = "add_prelabel_run";
  if (items.size() != report.items.size()) {
    detail::fail<dimension_mismatch>(function, "'items' has ", items.size(),
                                     " ids but the report has ", report.items.size(),
                                     " results (expected one id per result, in run order)");
  }
  const auto set = queue.label_set(label_set);
  if (set->multi_label()) {
    detail::fail(function, "label set '", set->from_name(),
                 "' is multi-label (expected one label)");
  }
  if (!detail::valid_utf8(options.model_version)) {
    detail::fail(function, "'options.model_version' is not valid UTF-8");
  }
  {
    std::vector<Index> sorted(items.begin(), items.end());
    std::sort(sorted.begin(), sorted.end());
    if (!sorted.empty() && sorted.front() < 0) {
      detail::fail(function, "'items' holds a negative id (got ", sorted.front(), ")");
    }
    const auto repeated = std::adjacent_find(sorted.begin(), sorted.end());
    if (repeated != sorted.end()) detail::fail(function, "'items' repeats item ", *repeated);
  }
  PrelabelRun run;
  std::vector<Index> queued;
  std::vector<double> priorities;
  std::vector<std::size_t> queued_result;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& result = report.items[i];
    if (result.outcome == prelabel::Outcome::auto_accepted) {
      if (result.prelabel.label < 0 || result.prelabel.label >= set->size()) {
        detail::fail(function, "item ", items[i], " was auto-accepted with label ",
                     result.prelabel.label, ", outside label set '", set->from_name(), "'");
      }
      run.auto_accepted.push_back({items[i], result.prelabel.label, LabelSource::auto_accepted,
                                   result.prelabel.confidence});
      continue;
    }
    const bool failed = result.outcome == prelabel::Outcome::failed;
    (failed ? run.failed : run.review).push_back(items[i]);
    if (failed && !options.queue_failed) continue;
    queued.push_back(items[i]);
    priorities.push_back(failed ? options.failed_priority
                                : options.review_priority - result.prelabel.confidence);
    queued_result.push_back(i);
  }
  queue.add_tasks(queued, label_set, priorities);  // checks ids: negative, repeated, existing
  for (std::size_t q = 0; q < queued.size(); ++q) {
    const auto& p = report.items[queued_result[q]].prelabel;
    if (!p.has_label()) continue;
    queue.add_prediction(queued[q],
                         annotation::Prediction{options.model_version, p.confidence, {p.label}});
  }
  std::sort(run.auto_accepted.begin(), run.auto_accepted.end(),
            [](const FinalLabel& a, const FinalLabel& b) { return a.item < b.item; });
  std::sort(run.review.begin(), run.review.end());
  std::sort(run.failed.begin(), run.failed.end());
  return run;
}

}  // namespace pipeline
LABELKIT_END_NAMESPACE
