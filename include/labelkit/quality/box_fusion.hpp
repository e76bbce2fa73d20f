#pragma once
/// @file
/// Bounding-box aggregation across annotators: boxes of one item and label are clustered by IoU
/// and each cluster is fused into one box by weighted box fusion (Solovyev, Wang & Gabruseva
/// 2021, "Weighted boxes fusion: Ensembling boxes from different object detection models",
/// Image and Vision Computing 107), with a consensus score per fused box.
///
///   auto r = quality::fuse_boxes(boxes, 3);                  // every annotator weight 1
///   for (const auto& b : r.boxes) { b.x; b.y; b.width; b.height; b.consensus; }

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/regions.hpp"
#include "labelkit/quality/majority_vote.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of fuse_boxes().
struct BoxFusionOptions {
  /// A box joins a cluster when its IoU with the cluster's fused box is >= this, in (0, 1].
  /// 0.55 is the default of the WBF paper's reference implementation.
  double iou_threshold = 0.55;
  /// Annotator weights (e.g. accuracies from gold_standard); empty: every annotator weighs 1.
  /// Otherwise every annotator with a box or in `annotated` needs a finite weight >= 0.
  std::vector<AnnotatorWeight> weights = {};
  /// Who read which item (see labelkit::AnnotatedItem): the denominators of the consensus
  /// scores. Empty: every annotator of `boxes` read every item of `boxes`.
  std::vector<AnnotatedItem> annotated = {};
  /// Fused boxes whose `consensus` is below this are left out, in [0, 1]. 0 keeps all; 0.5
  /// keeps the boxes that at least half the readers drew.
  double min_consensus = 0;
};

/// One fused box: the weighted mean of its cluster's corners.
struct FusedBox {
  Index item;     ///< Item id.
  int label;      ///< Label of every box of the cluster.
  double x;       ///< Left edge, Σ w·x1 / Σ w over the cluster.
  double y;       ///< Top edge, Σ w·y1 / Σ w.
  double width;   ///< Σ w·x2 / Σ w − x, with x2 the boxes' right edges.
  double height;  ///< Σ w·y2 / Σ w − y, with y2 the boxes' bottom edges.
  /// Fraction of the item's readers with a box in the cluster, in (0, 1].
  double consensus;
  /// Σ w over the cluster / Σ w over the item's readers (WBF's confidence rescaled by the
  /// number of models, with scores = weights); equals `consensus` when every weight is 1, and
  /// is 0 when the readers' weights sum to 0.
  double weighted_consensus;
  /// Annotator ids of the cluster's boxes, in the order they joined (weight descending, then
  /// id ascending).
  std::vector<Index> annotators;
};

/// Result of fuse_boxes().
struct BoxFusionResult {
  /// Fused boxes by item ascending, then label ascending, then cluster creation order.
  std::vector<FusedBox> boxes;
};

}  // namespace quality
namespace detail {

/// Weighted mean box of `members` (indices into `boxes`) with weights `w` (equal weights when
/// they sum to 0), written into `out`'s geometry.
inline void fuse_box_cluster(const std::vector<BoxAnnotation>& boxes,
                             const std::vector<std::size_t>& members, const std::vector<double>& w,
                             BoxAnnotation& out) {
  double total = 0;
  for (const std::size_t m : members) total += w[m];
  const bool equal = !(total > 0);
  if (equal) total = static_cast<double>(members.size());
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  for (const std::size_t m : members) {
    const double v = equal ? 1.0 : w[m];
    x1 += v * boxes[m].x;
    y1 += v * boxes[m].y;
    x2 += v * (boxes[m].x + boxes[m].width);
    y2 += v * (boxes[m].y + boxes[m].height);
  }
  out.x = x1 / total;
  out.y = y1 / total;
  out.width = x2 / total - out.x;
  out.height = y2 / total - out.y;
}

}  // namespace detail
namespace quality {

/// Aggregates annotators' boxes into fused boxes with consensus scores.
///
/// For each item and label, boxes are visited by annotator weight descending, then annotator id
/// ascending, then (x, y, width, height); each joins the existing cluster whose fused box has
/// the largest IoU with it, if that IoU is >= `iou_threshold` and the cluster holds no box of
/// the same annotator yet (ties to the earlier cluster), and otherwise starts a new cluster.
/// After every join the cluster's fused box is recomputed as the weighted mean of its boxes'
/// corners (x1, y1, x2, y2), weights = annotator weights, as weighted box fusion does with
/// confidence scores (Solovyev et al. 2021, eq. 1–2). Unlike WBF, a cluster takes at most one
/// box per annotator, so that consensus = (annotators in the cluster) / (readers of the item)
/// lies in (0, 1]; WBF's confidence, mean score · min(T, N) / N for T boxes from N models,
/// is then Σ w / N, reported as `weighted_consensus` with N replaced by the readers' total
/// weight. A fused box is a plain average (never an argmax), so ties only arise in which cluster
/// a box joins. Results do not depend on the order of the records; translating every box
/// translates every fused box (up to rounding).
///
/// Complexity: per item and label with n boxes, O(n log n + n · c) IoU evaluations for c
/// clusters, plus O(n · m) for refitting clusters of m boxes.
/// @throws labelkit::invalid_argument as box_agreement() for the boxes and `annotated`, if
///   `iou_threshold` is outside (0, 1] or `min_consensus` outside [0, 1], a weight is negative or
///   not finite, an annotator id repeats in `weights`, or an annotator with a box or in
///   `annotated` has no weight (naming the record).
template <class = void>
BoxFusionResult fuse_boxes(std::span<const BoxAnnotation> boxes, int n_labels,
                           const BoxFusionOptions& options = {}) {
  constexpr const char* function = "fuse_boxes";
  detail::check_boxes(boxes, n_labels, function);
  if (!(options.iou_threshold > 0 && options.iou_threshold <= 1)) {
    detail::fail(function, "'options.iou_threshold' must be in (0, 1] (got ", options.iou_threshold,
                 ")");
  }
  if (!(options.min_consensus >= 0 && options.min_consensus <= 1)) {
    detail::fail(function, "'options.min_consensus' must be in [0, 1] (got ", options.min_consensus,
                 ")");
  }
  // Weights by annotator id, sorted for lookup.
  std::vector<std::pair<Index, double>> weight_of;
  weight_of.reserve(options.weights.size());
  for (std::size_t r = 0; r < options.weights.size(); ++r) {
    const AnnotatorWeight& w = options.weights[r];
    if (!std::isfinite(w.weight) || w.weight < 0) {
      detail::fail(function, "'options.weights' record ", r,
                   " has a weight that is negative or not finite (got ", w.weight, ")");
    }
    weight_of.emplace_back(w.annotator, w.weight);
  }
  std::sort(weight_of.begin(), weight_of.end());
  for (std::size_t r = 1; r < weight_of.size(); ++r) {
    if (weight_of[r].first == weight_of[r - 1].first) {
      detail::fail(function, "'options.weights' repeats annotator ", weight_of[r].first);
    }
  }
  const bool unweighted = options.weights.empty();
  const auto weight = [&](Index annotator) -> double {
    if (unweighted) return 1.0;
    const auto it = std::lower_bound(weight_of.begin(), weight_of.end(),
                                     std::pair<Index, double>{annotator, -1.0});
    return it != weight_of.end() && it->first == annotator ? it->second : -1.0;
  };
  std::vector<BoxAnnotation> sorted(boxes.begin(), boxes.end());
  std::vector<double> w(sorted.size());
  for (std::size_t r = 0; r < boxes.size(); ++r) {
    if (weight(boxes[r].annotator) < 0) {
      detail::fail(function, "'boxes' record ", r, " names annotator ", boxes[r].annotator,
                   " who has no entry in 'options.weights'");
    }
  }
  std::sort(sorted.begin(), sorted.end(), [&](const BoxAnnotation& a, const BoxAnnotation& b) {
    if (a.item != b.item) return a.item < b.item;
    if (a.label != b.label) return a.label < b.label;
    const double wa = weight(a.annotator);
    const double wb = weight(b.annotator);
    if (wa != wb) return wa > wb;
    if (a.annotator != b.annotator) return a.annotator < b.annotator;
    return detail::BoxLess{}(a, b);
  });
  for (std::size_t r = 0; r < sorted.size(); ++r) w[r] = weight(sorted[r].annotator);
  const auto readers = detail::region_readers(boxes, options.annotated, function);
  for (const AnnotatedItem& a : readers) {
    if (weight(a.annotator) < 0) {
      detail::fail(function, "'options.annotated' names annotator ", a.annotator,
                   " who has no entry in 'options.weights'");
    }
  }

  BoxFusionResult result;
  std::size_t reader_pos = 0;
  for (std::size_t s = 0; s < sorted.size();) {
    const Index item = sorted[s].item;
    // The item's readers and their weights.
    while (reader_pos < readers.size() && readers[reader_pos].item < item) ++reader_pos;
    double n_readers = 0;
    double reader_weight = 0;
    for (std::size_t q = reader_pos; q < readers.size() && readers[q].item == item; ++q) {
      n_readers += 1;
      reader_weight += weight(readers[q].annotator);
    }
    std::size_t e = s;
    while (e < sorted.size() && sorted[e].item == item && sorted[e].label == sorted[s].label) {
      ++e;
    }
    struct Cluster {
      BoxAnnotation fused;
      std::vector<std::size_t> members;
    };
    std::vector<Cluster> clusters;
    for (std::size_t b = s; b < e; ++b) {
      double best = -1;
      std::size_t best_c = 0;
      for (std::size_t c = 0; c < clusters.size(); ++c) {
        const auto& members = clusters[c].members;
        const bool taken = std::any_of(members.begin(), members.end(), [&](std::size_t m) {
          return sorted[m].annotator == sorted[b].annotator;
        });
        if (taken) continue;
        const double iou = box_iou(clusters[c].fused, sorted[b]);
        if (iou >= options.iou_threshold && iou > best) {
          best = iou;
          best_c = c;
        }
      }
      if (best < 0) {
        clusters.push_back({sorted[b], {b}});
      } else {
        clusters[best_c].members.push_back(b);
        detail::fuse_box_cluster(sorted, clusters[best_c].members, w, clusters[best_c].fused);
      }
    }
    for (const Cluster& c : clusters) {
      double cw = 0;
      quality::FusedBox f{
          item, sorted[s].label, c.fused.x, c.fused.y, c.fused.width, c.fused.height, 0.0, 0.0, {}};
      for (const std::size_t m : c.members) {
        f.annotators.push_back(sorted[m].annotator);
        cw += w[m];
      }
      f.consensus = static_cast<double>(c.members.size()) / n_readers;
      f.weighted_consensus = reader_weight > 0 ? cw / reader_weight : 0.0;
      if (f.consensus >= options.min_consensus) result.boxes.push_back(std::move(f));
    }
    s = e;
  }
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
