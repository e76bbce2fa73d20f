#pragma once
/// @file
/// Bounding-box agreement between annotators (object detection): boxes of two annotators are
/// matched one to one by intersection over union (IoU), and agreement is the matched-box F1 at
/// an IoU threshold, with the mean IoU of the matches; for every pair of annotators and averaged
/// over pairs.
///
///   auto r = agreement::box_agreement(boxes, 3);      // IoU >= 0.5, labels must match
///   r.pair(7, 9)->f1;  r.pair(7, 9)->mean_iou;         // annotators 7 and 9
///   r.mean_f1;  r.mean_iou;                            // over pairs / over all matches

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/agreement/detail/region_pairs.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Options of box_agreement().
struct BoxAgreementOptions {
  /// Two boxes can match when their IoU is >= this, in (0, 1]. 0.5 is PASCAL VOC's criterion.
  double iou_threshold = 0.5;
  /// Whether matched boxes must carry the same label.
  bool match_labels = true;
  /// Who read which item (see labelkit::AnnotatedItem); empty: every annotator of `boxes` read
  /// every item of `boxes`. A pair of annotators is compared on the items both read.
  std::vector<AnnotatedItem> annotated = {};
};

/// Agreement between two annotators, `first` < `second`, over the items both read.
///
/// precision = matched / n_second, recall = matched / n_first (taking `first` as the
/// reference), f1 = 2 · matched / (n_first + n_second), symmetric in the annotators.
struct BoxPairAgreement {
  Index first = 0;     ///< Annotator id (the smaller of the two).
  Index second = 0;    ///< Annotator id (the larger).
  Index n_items = 0;   ///< Items both read.
  Index n_first = 0;   ///< Boxes of `first` on those items.
  Index n_second = 0;  ///< Boxes of `second` on those items.
  Index matched = 0;   ///< Matched pairs.
  double iou_sum = 0;  ///< Sum of the matched pairs' IoU.
  /// matched / n_second; std::nullopt when `second` drew no box.
  std::optional<double> precision;
  /// matched / n_first; std::nullopt when `first` drew no box.
  std::optional<double> recall;
  /// 2 · matched / (n_first + n_second); std::nullopt when neither drew a box.
  std::optional<double> f1;
  /// iou_sum / matched; std::nullopt when no pair matched.
  std::optional<double> mean_iou;
};

/// Result of box_agreement(): every pair of annotators (`annotators`, `pairs`, `pair(a, b)`),
/// the macro and micro F1 over pairs (`mean_f1`, `micro_f1`; see RegionPairsResult), and the
/// mean IoU of all matches.
struct BoxAgreementResult : RegionPairsResult<BoxPairAgreement> {
  /// Mean IoU over every match of every pair; std::nullopt if no match.
  std::optional<double> mean_iou;
};

/// Matched-box agreement for every pair of annotators.
///
/// On each item both annotators read, every pair of boxes (one of each; with `match_labels`,
/// of the same label) whose IoU = |A ∩ B| / |A ∪ B| is >= `iou_threshold` is a candidate.
/// Candidates are taken greedily by IoU descending, each box matched at most once; ties go to the
/// lower box of the first annotator, then of the second, in (x, y, width, height, label) order.
/// This is the matching rule of the PASCAL VOC and COCO detection evaluations (Everingham et al.
/// 2010; Lin et al. 2014, "Microsoft COCO"), with IoU in place of the detector's confidence
/// that annotators do not give; it keeps the tightest pairs, which the mean IoU reports, where a
/// maximum-cardinality (Hungarian) matching would pair loose boxes to add a match. At a threshold
/// > 0.5, when neither annotator's boxes of a label overlap each other, every box has at most
/// one candidate (IoU(A, B) > 0.5 means A ∩ B covers more than half of A, so two candidates of
/// A would overlap each other), and the two matchings coincide. Then F1 = 2 · matched /
/// (n_first + n_second), mean IoU = IoU sum / matched. Results do not depend on the order of the
/// records, and are unchanged (up to rounding) by translating or scaling every box alike.
///
/// Complexity: O(N log N) to group N boxes, then per item and pair of its readers
/// O(n_a · n_b · log(n_a · n_b)).
/// @throws labelkit::invalid_argument if n_labels is outside [1, labelkit::max_classes], a box
///   has a negative id, a coordinate that is not finite, width or height <= 0 or a label outside
///   [0, n_labels) (naming the record), an `annotated` record has a negative id,
///   `iou_threshold` is outside (0, 1], or a table would exceed labelkit::max_allocation_bytes.
template <class = void>
BoxAgreementResult box_agreement(std::span<const BoxAnnotation> boxes, int n_labels,
                                 const BoxAgreementOptions& options = {}) {
  constexpr const char* function = "box_agreement";
  detail::check_boxes(boxes, n_labels, function);
  if (!(options.iou_threshold > 0 && options.iou_threshold <= 1)) {
    detail::fail(function, "'options.iou_threshold' must be in (0, 1] (got ", options.iou_threshold,
                 ")");
  }
  const auto readers = detail::region_readers(boxes, options.annotated, function);
  const auto g = detail::group_regions(boxes, readers, detail::BoxLess{}, function);
  BoxAgreementResult result;
  detail::visit_reader_pairs(result, g, [&](BoxPairAgreement& p, const auto& a, const auto& b) {
    const std::size_t na = a.end - a.begin;
    const std::size_t nb = b.end - b.begin;
    constexpr std::size_t max_candidates = max_allocation_bytes / sizeof(detail::RegionMatch);
    std::vector<detail::RegionMatch> candidates;
    for (std::size_t u = 0; u < na; ++u) {
      for (std::size_t v = 0; v < nb; ++v) {
        const BoxAnnotation& s = g.sorted[a.begin + u];
        const BoxAnnotation& t = g.sorted[b.begin + v];
        if (options.match_labels && s.label != t.label) continue;
        const double iou = box_iou(s, t);
        if (iou >= options.iou_threshold) {
          if (candidates.size() >= max_candidates) {
            detail::check_allocation({candidates.size() + 1}, sizeof(detail::RegionMatch), function,
                                     "the candidate box pairs of one item");
          }
          candidates.push_back({iou, static_cast<Index>(u), static_cast<Index>(v)});
        }
      }
    }
    for (const auto& m : detail::greedy_region_match(std::move(candidates), static_cast<Index>(na),
                                                     static_cast<Index>(nb))) {
      ++p.matched;
      p.iou_sum += m.quality;
    }
  });
  detail::finish_region_f1(
      result, [](const BoxPairAgreement& p) { return static_cast<double>(p.matched); });
  double matched = 0;
  double iou_sum = 0;
  for (BoxPairAgreement& p : result.pairs) {
    if (p.matched > 0) p.mean_iou = p.iou_sum / static_cast<double>(p.matched);
    matched += static_cast<double>(p.matched);
    iou_sum += p.iou_sum;
  }
  if (matched > 0) result.mean_iou = iou_sum / matched;
  return result;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
