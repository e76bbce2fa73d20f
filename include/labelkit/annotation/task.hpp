#pragma once
/// @file
/// The value types of annotation management: label sets, annotation records, model predictions
/// (pre-labels), task records and task sets (what is imported and exported), and the assignment
/// an annotator receives.

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
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
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/core/regions.hpp"

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

/// What the answers of a label set's tasks are. A label set is registered with its kind
/// (TaskQueue::add_label_set(set, kind)); every task of the set is answered in that form.
enum class AnswerKind : std::uint8_t {
  classes,   ///< Class indices, single- or multi-label as the LabelSet's type says (the default).
  pairwise,  ///< Which of the task's two items is better: a labelkit::Winner (Label Studio's
             ///< Pairwise). The set's classes are not used; its names are the Label Studio
             ///< control's (`from_name`, `to_name`).
  spans,     ///< Labelled character spans of the task's text, any number (Label Studio `labels`).
  boxes,     ///< Labelled boxes on the task's image, any number (Label Studio `rectanglelabels`).
};

/// The name of an answer kind as written in checkpoints ("classes", "pairwise", "spans",
/// "boxes").
[[nodiscard]] constexpr std::string_view to_string(AnswerKind kind) noexcept {
  switch (kind) {
    case AnswerKind::pairwise:
      return "pairwise";
    case AnswerKind::spans:
      return "spans";
    case AnswerKind::boxes:
      return "boxes";
    case AnswerKind::classes:
      break;
  }
  return "classes";
}

/// The most regions (spans or boxes) one answer may hold; larger answers are refused by
/// submit(), add_gold() and restore().
inline constexpr std::size_t max_regions_per_answer = std::size_t{1} << 16;

/// The largest span offset the queue stores (2^62, the limit of every id and count it reads).
inline constexpr Eigen::Index max_span_offset = Eigen::Index{1} << 62;

/// One labelled character span of a task's text, [start, end) carrying class `label`: the answer
/// form of an AnswerKind::spans label set (labelkit::SpanAnnotation without item and annotator).
struct SpanRegion {
  Eigen::Index start = 0;  ///< First character, in [0, max_span_offset).
  Eigen::Index end = 0;    ///< One past the last character, in (start, max_span_offset].
  int label = 0;           ///< Class index in the label set.

  /// Member-wise equality.
  friend bool operator==(const SpanRegion&, const SpanRegion&) = default;
  /// Ordered by start, end, then label (the canonical order of a stored answer).
  // NOLINTNEXTLINE(modernize-use-nullptr): the 0 is the synthesized comparison's own
  friend auto operator<=>(const SpanRegion&, const SpanRegion&) = default;
};

/// One labelled axis-aligned box on a task's image: the answer form of an AnswerKind::boxes
/// label set (labelkit::BoxAnnotation without item and annotator). Units are the caller's (Label
/// Studio: percentages of the image).
struct BoxRegion {
  double x = 0.0;       ///< Left edge, finite.
  double y = 0.0;       ///< Top edge, finite.
  double width = 0.0;   ///< Width, finite and > 0 (x + width finite).
  double height = 0.0;  ///< Height, finite and > 0 (y + height and width * height finite).
  int label = 0;        ///< Class index in the label set.

  /// Member-wise equality.
  friend bool operator==(const BoxRegion&, const BoxRegion&) = default;
};

/// The span answers of one AnswerKind::spans label set, in the form span agreement and span
/// aggregation take: `agreement::span_agreement(s.spans, s.label_set.size(), {.annotated =
/// s.annotated})`, `quality::aggregate_spans(...)` likewise.
struct SpanAnswerSet {
  LabelSet label_set;                    ///< The label set (its classes are the span labels).
  std::vector<SpanAnnotation> spans;     ///< Every accepted span, task order, then hand-out order.
  std::vector<AnnotatedItem> annotated;  ///< Every accepted answer (item, annotator), with or
                                         ///< without spans, in the same order.
};

/// The box answers of one AnswerKind::boxes label set, in the form box agreement and box fusion
/// take: `agreement::box_agreement(b.boxes, b.label_set.size(), {.annotated = b.annotated})`.
struct BoxAnswerSet {
  LabelSet label_set;                    ///< The label set (its classes are the box labels).
  std::vector<BoxAnnotation> boxes;      ///< Every accepted box, task order, then hand-out order.
  std::vector<AnnotatedItem> annotated;  ///< Every accepted answer (item, annotator), with or
                                         ///< without boxes, in the same order.
};

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
  AnswerKind kind = AnswerKind::classes;      ///< The form of answer submit() takes.
  Eigen::Index left = -1;   ///< AnswerKind::pairwise: the item shown on the left, else -1.
  Eigen::Index right = -1;  ///< AnswerKind::pairwise: the item shown on the right, else -1.
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

template <class = void>
[[nodiscard]] LabelCheck check_labels(std::span<const int> labels, const annotation::LabelSet& set,
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

/// The regions of one span or box answer, in canonical order (spans by start, end, label; boxes
/// by x, y, width, height, label), without repeats. Shared and immutable once stored.
struct Regions {
  std::vector<annotation::SpanRegion> spans;
  std::vector<annotation::BoxRegion> boxes;
  friend bool operator==(const Regions&, const Regions&) = default;
};

/// Whether two stored region answers are equal (a null pointer is the empty answer). Templates
/// here and below are compiled only where they are used.
template <class Stored = Regions>
[[nodiscard]] bool same_regions(const std::shared_ptr<const Stored>& a,
                                const std::shared_ptr<const Stored>& b) noexcept {
  static const Stored none;
  return (a ? *a : none) == (b ? *b : none);
}

/// A checked region answer: canonical, or `problem` saying what is wrong.
struct RegionCheck {
  std::shared_ptr<const Regions> regions;
  std::string problem;
};

/// Checks a span answer against `set` (offsets 0 <= start < end <= max_span_offset, classes in
/// range, no repeated span, at most max_regions_per_answer) and returns it sorted. O(n log n).
template <class Set = annotation::LabelSet>
[[nodiscard]] RegionCheck check_span_answer(std::span<const annotation::SpanRegion> spans,
                                            const Set& set) {
  RegionCheck result;
  if (spans.size() > annotation::max_regions_per_answer) {
    result.problem =
        labelkit::detail::concat("the answer has ", spans.size(), " spans (the limit is ",
                                 annotation::max_regions_per_answer, ")");
    return result;
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto& s = spans[i];
    if (s.start < 0 || s.end <= s.start || s.end > annotation::max_span_offset) {
      result.problem = labelkit::detail::concat("span ", i, " has offsets [", s.start, ", ", s.end,
                                                ") (expected 0 <= start < end <= 2^62)");
      return result;
    }
    if (s.label < 0 || s.label >= set.size()) {
      result.problem = labelkit::detail::concat("span ", i, " has label ", s.label,
                                                ", which is not in label set '", set.from_name(),
                                                "' (expected 0 <= label < ", set.size(), ")");
      return result;
    }
  }
  auto regions = std::make_shared<Regions>();
  regions->spans.assign(spans.begin(), spans.end());
  std::sort(regions->spans.begin(), regions->spans.end());
  const auto repeated = std::adjacent_find(regions->spans.begin(), regions->spans.end());
  if (repeated != regions->spans.end()) {
    result.problem =
        labelkit::detail::concat("span [", repeated->start, ", ", repeated->end, ") with label ",
                                 repeated->label, " is given more than once");
    return result;
  }
  result.regions = std::move(regions);
  return result;
}

/// Checks a box answer against `set` (finite coordinates, width and height > 0, finite right
/// and bottom edges and area, classes in range, no repeated box, at most
/// max_regions_per_answer) and returns it sorted. O(n log n).
template <class Set = annotation::LabelSet>
[[nodiscard]] RegionCheck check_box_answer(std::span<const annotation::BoxRegion> boxes,
                                           const Set& set) {
  RegionCheck result;
  if (boxes.size() > annotation::max_regions_per_answer) {
    result.problem =
        labelkit::detail::concat("the answer has ", boxes.size(), " boxes (the limit is ",
                                 annotation::max_regions_per_answer, ")");
    return result;
  }
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const auto& b = boxes[i];
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.width) ||
        !std::isfinite(b.height) || !std::isfinite(b.x + b.width) ||
        !std::isfinite(b.y + b.height) || !std::isfinite(b.width * b.height) || !(b.width > 0) ||
        !(b.height > 0)) {
      result.problem = labelkit::detail::concat(
          "box ", i, " has x ", b.x, ", y ", b.y, ", width ", b.width, ", height ", b.height,
          " (expected finite values, width > 0 and height > 0)");
      return result;
    }
    if (b.label < 0 || b.label >= set.size()) {
      result.problem = labelkit::detail::concat("box ", i, " has label ", b.label,
                                                ", which is not in label set '", set.from_name(),
                                                "' (expected 0 <= label < ", set.size(), ")");
      return result;
    }
  }
  auto regions = std::make_shared<Regions>();
  regions->boxes.assign(boxes.begin(), boxes.end());
  const auto less = [](const annotation::BoxRegion& a, const annotation::BoxRegion& b) {
    if (a.x != b.x) return a.x < b.x;
    if (a.y != b.y) return a.y < b.y;
    if (a.width != b.width) return a.width < b.width;
    if (a.height != b.height) return a.height < b.height;
    return a.label < b.label;
  };
  std::sort(regions->boxes.begin(), regions->boxes.end(), less);
  const auto repeated = std::adjacent_find(regions->boxes.begin(), regions->boxes.end());
  if (repeated != regions->boxes.end()) {
    result.problem =
        labelkit::detail::concat("box at x ", repeated->x, ", y ", repeated->y, " with label ",
                                 repeated->label, " is given more than once");
    return result;
  }
  result.regions = std::move(regions);
  return result;
}

/// The stored form of a pairwise answer (one label: the Winner's value), or a problem.
template <class = void>
[[nodiscard]] LabelCheck check_winner(Winner winner) {
  LabelCheck result;
  const int value = static_cast<int>(winner);
  if (value < 0 || value > 2) {
    result.problem = "the winner is not left (0), right (1) or tie (2)";
  } else {
    result.labels = {value};
  }
  return result;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
