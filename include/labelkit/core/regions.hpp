#pragma once
/// @file
/// Region answers: a labelled character span of a text (named-entity recognition, Label Studio's
/// `labels` results) and a labelled axis-aligned box on an image (object detection, Label
/// Studio's `rectanglelabels` results), the record saying which annotator read which item, and
/// the overlap measures both agreement and aggregation use (span overlap, box IoU). A vocabulary
/// header: no Eigen, no nlohmann_json.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE

/// One annotator's labelled span of one item's text: characters [start, end) (half-open
/// offsets, as Label Studio's `labels` results write them) carry label `label`.
///
/// Offsets are in whatever unit the caller uses consistently (Label Studio counts UTF-16 code
/// units in the browser; labelkit only compares them). `label` is an index in [0, n_labels).
struct SpanAnnotation {
  Index item;       ///< Item id (any non-negative value).
  Index annotator;  ///< Annotator id (any non-negative value).
  Index start;      ///< First character, >= 0.
  Index end;        ///< One past the last character, > start.
  int label;        ///< Entity type, an index in [0, n_labels).

  /// Member-wise equality.
  friend bool operator==(const SpanAnnotation&, const SpanAnnotation&) = default;
};

/// One annotator's labelled axis-aligned box on one item's image: top-left corner (x, y), size
/// width x height, label `label`.
///
/// Units are the caller's; Label Studio's `rectanglelabels` results use percentages of the
/// image's width (x, width) and height (y, height). Every measure labelkit computes from boxes
/// (IoU, fused boxes) is unchanged by translating all boxes, and IoU by any common scaling.
struct BoxAnnotation {
  Index item;       ///< Item id (any non-negative value).
  Index annotator;  ///< Annotator id (any non-negative value).
  double x;         ///< Left edge, finite.
  double y;         ///< Top edge, finite.
  double width;     ///< Width, finite and > 0.
  double height;    ///< Height, finite and > 0.
  int label;        ///< Object class, an index in [0, n_labels).

  /// Member-wise equality.
  friend bool operator==(const BoxAnnotation&, const BoxAnnotation&) = default;
};

/// "Annotator `annotator` read item `item`": the record that tells an annotator who marked no
/// span (or box) on an item apart from one who never saw it. Span and box agreement and
/// aggregation take a list of these; an empty list means every annotator of the input read every
/// item of the input.
struct AnnotatedItem {
  Index item;       ///< Item id.
  Index annotator;  ///< Annotator id.

  /// Member-wise equality.
  friend bool operator==(const AnnotatedItem&, const AnnotatedItem&) = default;
  /// Ordered by item, then annotator.
  // NOLINTNEXTLINE(modernize-use-nullptr): the 0 is the synthesized comparison's own
  friend auto operator<=>(const AnnotatedItem&, const AnnotatedItem&) = default;
};

/// Number of characters two spans share, |[a.start, a.end) ∩ [b.start, b.end)| (0 if disjoint).
/// Labels and items are not compared. O(1).
[[nodiscard]] constexpr Index span_overlap(const SpanAnnotation& a,
                                           const SpanAnnotation& b) noexcept {
  const Index lo = std::max(a.start, b.start);
  const Index hi = std::min(a.end, b.end);
  return hi > lo ? hi - lo : 0;
}

/// Intersection over union of two boxes, |A ∩ B| / |A ∪ B| in [0, 1] (the Jaccard index of
/// their areas; Everingham et al. 2010, "The PASCAL Visual Object Classes (VOC) challenge").
/// Labels and items are not compared. Boxes that touch only along an edge have IoU 0. O(1).
[[nodiscard]] inline double box_iou(const BoxAnnotation& a, const BoxAnnotation& b) noexcept {
  const double w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (!(w > 0) || !(h > 0)) return 0.0;
  const double inter = w * h;
  const double uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? std::min(1.0, inter / uni) : 0.0;
}

namespace detail {

/// Canonical order of one annotator's boxes on one item: x, y, width, height, label.
struct BoxLess {
  bool operator()(const BoxAnnotation& a, const BoxAnnotation& b) const noexcept {
    if (a.x != b.x) return a.x < b.x;
    if (a.y != b.y) return a.y < b.y;
    if (a.width != b.width) return a.width < b.width;
    if (a.height != b.height) return a.height < b.height;
    return a.label < b.label;
  }
};

/// Throws labelkit::invalid_argument unless every span has non-negative ids, 0 <= start < end
/// and a label in [0, n_labels); the message names the record.
template <class = void>
inline void check_spans(std::span<const SpanAnnotation> spans, int n_labels,
                        std::string_view function) {
  check_class_count(n_labels, function, "n_labels");
  for (std::size_t r = 0; r < spans.size(); ++r) {
    const SpanAnnotation& s = spans[r];
    if (s.item < 0 || s.annotator < 0) {
      fail(function, "'spans' record ", r, " has a negative id (item ", s.item, ", annotator ",
           s.annotator, ")");
    }
    if (s.start < 0 || s.end <= s.start) {
      fail(function, "'spans' record ", r, " has offsets [", s.start, ", ", s.end,
           ") (expected 0 <= start < end)");
    }
    if (s.label < 0 || s.label >= n_labels) {
      fail(function, "'spans' record ", r, " has label ", s.label, " (expected 0 <= label < ",
           n_labels, ")");
    }
  }
}

/// Throws labelkit::invalid_argument unless every box has non-negative ids, finite
/// coordinates, width > 0, height > 0, finite right and bottom edges and a label in
/// [0, n_labels); the message names the record.
template <class = void>
inline void check_boxes(std::span<const BoxAnnotation> boxes, int n_labels,
                        std::string_view function) {
  check_class_count(n_labels, function, "n_labels");
  for (std::size_t r = 0; r < boxes.size(); ++r) {
    const BoxAnnotation& b = boxes[r];
    if (b.item < 0 || b.annotator < 0) {
      fail(function, "'boxes' record ", r, " has a negative id (item ", b.item, ", annotator ",
           b.annotator, ")");
    }
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.width) ||
        !std::isfinite(b.height) || !std::isfinite(b.x + b.width) ||
        !std::isfinite(b.y + b.height) || !std::isfinite(b.width * b.height)) {
      fail(function, "'boxes' record ", r, " has a coordinate that is not finite (got x ", b.x,
           ", y ", b.y, ", width ", b.width, ", height ", b.height, ")");
    }
    if (!(b.width > 0) || !(b.height > 0)) {
      fail(function, "'boxes' record ", r, " has width ", b.width, " and height ", b.height,
           " (expected both > 0)");
    }
    if (b.label < 0 || b.label >= n_labels) {
      fail(function, "'boxes' record ", r, " has label ", b.label, " (expected 0 <= label < ",
           n_labels, ")");
    }
  }
}

/// Who read what, sorted by (item, annotator) without repeats: `annotated` plus the (item,
/// annotator) of every record in `regions`, or, if `annotated` is empty, every annotator of
/// `regions` on every item of `regions`. Throws for a negative id in `annotated` or a table over
/// labelkit::max_allocation_bytes. O(R log R + I·J).
template <class Region>
std::vector<AnnotatedItem> region_readers(std::span<const Region> regions,
                                          std::span<const AnnotatedItem> annotated,
                                          std::string_view function) {
  std::vector<AnnotatedItem> out;
  if (annotated.empty()) {
    std::vector<Index> items;
    std::vector<Index> annotators;
    items.reserve(regions.size());
    annotators.reserve(regions.size());
    for (const Region& r : regions) {
      items.push_back(r.item);
      annotators.push_back(r.annotator);
    }
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    std::sort(annotators.begin(), annotators.end());
    annotators.erase(std::unique(annotators.begin(), annotators.end()), annotators.end());
    check_allocation({items.size(), annotators.size()}, sizeof(AnnotatedItem), function,
                     "every annotator on every item (pass 'annotated' to list who read what)");
    out.reserve(items.size() * annotators.size());
    for (const Index i : items) {
      for (const Index j : annotators) out.push_back({i, j});
    }
    return out;
  }
  out.reserve(annotated.size() + regions.size());
  for (std::size_t r = 0; r < annotated.size(); ++r) {
    if (annotated[r].item < 0 || annotated[r].annotator < 0) {
      fail(function, "'annotated' record ", r, " has a negative id (item ", annotated[r].item,
           ", annotator ", annotated[r].annotator, ")");
    }
    out.push_back(annotated[r]);
  }
  for (const Region& r : regions) out.push_back({r.item, r.annotator});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
