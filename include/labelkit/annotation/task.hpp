#pragma once
/// @file
/// The value types of annotation management: label sets, annotation records, model predictions
/// (pre-labels), task records and task sets (what is imported and exported), and the assignment
/// an annotator receives.

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/label_set.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// Milliseconds since the epoch of the queue's clock (by default the Unix epoch).
using Millis = std::int64_t;

/// The earliest time labelkit stores: 0000-01-01T00:00:00.000Z, in milliseconds since the Unix
/// epoch. Times are kept within the years 0000-9999, the range that ISO 8601 (and so Label
/// Studio's `created_at`) writes with four-digit years: the queue clamps its clock's readings into
/// [min_time, max_time], and the readers refuse times outside it, so that every export of an
/// accepted queue reads back and no difference of two times overflows.
inline constexpr Millis min_time = -62'167'219'200'000;
/// The latest time labelkit stores: 9999-12-31T23:59:59.999Z (see min_time).
inline constexpr Millis max_time = 253'402'300'799'999;

/// The label set of every area (labelkit/core/label_set.hpp): class names, single- or
/// multi-label, and the Label Studio control names.
using LabelSet = labelkit::LabelSet;
/// Single- or multi-label answers (labelkit/core/label_set.hpp).
using AnnotationType = labelkit::AnnotationType;
using labelkit::to_string;

/// One annotator's answer for one task, with the lease's timing.
struct AnnotationRecord {
  Eigen::Index annotator = 0;  ///< Annotator id (non-negative).
  std::vector<int> labels;     ///< Ascending class indices; exactly one for single-label tasks.
  Millis started_at = 0;       ///< When the task was handed out.
  Millis submitted_at = 0;     ///< When the answer was accepted.
  bool late = false;           ///< Accepted after the lease had expired.

  /// Member-wise equality.
  friend bool operator==(const AnnotationRecord&, const AnnotationRecord&) = default;
};

/// A model's proposed answer (a pre-label), exported to Label Studio as a prediction. From a
/// `labelkit::prelabel::PreLabel p`: `Prediction{"model-name", p.confidence, {p.label}}`.
struct Prediction {
  std::string model_version;  ///< Which model (and version) made the prediction.
  double score = 0.0;         ///< The model's confidence, used to sort tasks in Label Studio.
  std::vector<int> labels;    ///< Ascending class indices.

  /// Member-wise equality.
  friend bool operator==(const Prediction&, const Prediction&) = default;
};

/// A task as imported and exported: item, payload, label set, priority, the hidden gold answer
/// (if the task is a gold item), the accepted annotations and the model predictions.
struct TaskRecord {
  Eigen::Index item = 0;                      ///< Item id (non-negative, unique in a set).
  nlohmann::json data;                        ///< The payload shown to the annotator.
  int label_set = 0;                          ///< Index into TaskSet::label_sets.
  double priority = 0.0;                      ///< Higher is served first.
  std::optional<std::vector<int>> gold;       ///< The known answer of a gold item.
  std::vector<AnnotationRecord> annotations;  ///< Accepted answers.
  std::vector<Prediction> predictions;        ///< Model pre-labels.

  /// Member-wise equality.
  friend bool operator==(const TaskRecord&, const TaskRecord&) = default;
};

/// Tasks with their label sets: the unit of import and export.
struct TaskSet {
  std::vector<LabelSet> label_sets;  ///< Indexed by TaskRecord::label_set.
  std::vector<TaskRecord> tasks;     ///< The tasks, each with its annotations and predictions.

  /// Member-wise equality.
  friend bool operator==(const TaskSet&, const TaskSet&) = default;
};

/// What next() gives an annotator: the item, its payload and label set, and the lease deadline.
/// It deliberately carries no gold flag and no gold answer, so gold items cannot be told apart.
struct Assignment {
  Eigen::Index item = 0;                      ///< Item id to pass back to submit()/skip().
  nlohmann::json data;                        ///< The payload.
  std::shared_ptr<const LabelSet> label_set;  ///< Classes and annotation type.
  Millis lease_deadline = 0;                  ///< Submit before this time (clock's epoch).
};

}  // namespace annotation
namespace detail {

/// a + b, saturated to the range of Millis (lease deadlines, durations).
[[nodiscard]] constexpr annotation::Millis saturating_add(annotation::Millis a,
                                                          annotation::Millis b) noexcept {
  using limits = std::numeric_limits<annotation::Millis>;
  if (b > 0 && a > limits::max() - b) return limits::max();
  if (b < 0 && a < limits::min() - b) return limits::min();
  return a + b;
}

/// a - b, saturated to the range of Millis.
[[nodiscard]] constexpr annotation::Millis saturating_sub(annotation::Millis a,
                                                          annotation::Millis b) noexcept {
  using limits = std::numeric_limits<annotation::Millis>;
  if (b < 0 && a > limits::max() + b) return limits::max();
  if (b > 0 && a < limits::min() + b) return limits::min();
  return a - b;
}

/// `time` clamped into [annotation::min_time, annotation::max_time].
[[nodiscard]] constexpr annotation::Millis clamp_time(annotation::Millis time) noexcept {
  return std::clamp(time, annotation::min_time, annotation::max_time);
}

/// Checks `labels` against `label_set` and returns them canonical (ascending); `any_count`
/// accepts any number of labels (a prediction may abstain or propose several). An empty string
/// means valid; otherwise the returned `problem` says what is wrong.
struct LabelCheck {
  std::vector<int> labels;
  std::string problem;
};

[[nodiscard]] inline LabelCheck check_labels(std::span<const int> labels,
                                             const annotation::LabelSet& set,
                                             bool any_count = false) {
  LabelCheck result;
  const auto n_classes = static_cast<long long>(set.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= n_classes) {
      result.problem = labelkit::detail::concat("label ", labels[i], " at position ", i,
                                                " is not in label set '", set.from_name(),
                                                "' (expected 0 <= label < ", n_classes, ")");
      return result;
    }
  }
  if (!any_count && !set.multi_label() && labels.size() != 1) {
    result.problem = labelkit::detail::concat("label set '", set.from_name(),
                                              "' is single-label: expected exactly 1 label (got ",
                                              labels.size(), ")");
    return result;
  }
  result.labels.assign(labels.begin(), labels.end());
  std::sort(result.labels.begin(), result.labels.end());
  const auto repeated = std::adjacent_find(result.labels.begin(), result.labels.end());
  if (repeated != result.labels.end()) {
    result.problem = labelkit::detail::concat("label ", *repeated, " is given more than once");
  }
  return result;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
