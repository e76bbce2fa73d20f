#pragma once
/// @file
/// Krippendorff's unitizing alpha (_uα): the reliability of cutting one continuum (a text, an
/// audio track) into labelled spans, by several annotators, with the gaps between spans counted
/// too, so that where annotators put the boundaries matters and not only which spans they share.
///
///   auto r = agreement::unitizing_alpha(spans, 4, text_length);  // one text, 4 entity types
///   r.alpha;                 // over all labels
///   r.labels[2].alpha;       // label 2 alone
///
/// Krippendorff, K. (1995), "On the reliability of unitizing continuous data", Sociological
/// Methodology 25, 47–76; Krippendorff, K. (2004), "Content Analysis", 2nd ed., section 12.5.
/// Span F1 (agreement/spans.hpp) answers a different question: how many entities two annotators
/// share; _uα weighs each disagreement by the squared lengths by which boundaries differ, and is
/// chance-corrected against every other unitizing of the same continuum with the same units.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Options of unitizing_alpha().
struct UnitizingAlphaOptions {
  /// The annotators who unitized the continuum, ids ascending or not; empty: those who marked
  /// at least one span. An annotator who marked nothing must be listed here to count (as a
  /// continuum that is all gap); every annotator of `spans` must be listed when this is not empty.
  std::vector<Index> annotators = {};
};

/// _uα of one label: the spans of that label against the gaps between them.
struct UnitizingLabelAlpha {
  int label = 0;        ///< The label.
  Index units = 0;      ///< Spans of this label, over all annotators (N_c).
  double observed = 0;  ///< Observed disagreement _uD_o.
  double expected = 0;  ///< Expected disagreement _uD_e.
  /// 1 − observed / expected; std::nullopt when expected is 0 (no span of the label, or no way
  /// to place its spans differently), where alpha is undefined.
  std::optional<double> alpha;
};

/// Result of unitizing_alpha().
struct UnitizingAlphaResult {
  std::vector<UnitizingLabelAlpha> labels;  ///< One entry per label 0 .. n_labels − 1.
  Index annotators = 0;                     ///< m, the annotators compared.
  double observed = 0;                      ///< Σ over labels of _uD_o.
  double expected = 0;                      ///< Σ over labels of _uD_e.
  /// 1 − observed / expected, the labels pooled; std::nullopt when expected is 0.
  std::optional<double> alpha;
};

}  // namespace agreement
namespace detail {

/// One piece of an annotator's continuum for one label: a span of the label or the gap between
/// two such spans (or a continuum end).
struct UnitizingSegment {
  Index begin;
  Index length;
  bool unit;
};

/// δ² between segment g of one annotator and h of another (Krippendorff 1995, eq. 7): two
/// overlapping units differ by the squared differences of their starts and of their ends; a
/// unit lying wholly inside the other's gap counts its squared length; anything else is 0.
[[nodiscard]] inline double unitizing_delta2(const UnitizingSegment& g,
                                             const UnitizingSegment& h) noexcept {
  const double gb = static_cast<double>(g.begin);
  const double hb = static_cast<double>(h.begin);
  const double ge = gb + static_cast<double>(g.length);
  const double he = hb + static_cast<double>(h.length);
  if (g.unit && h.unit) {
    if (g.begin < h.begin + h.length && h.begin < g.begin + g.length) {
      return (gb - hb) * (gb - hb) + (ge - he) * (ge - he);
    }
    return 0;
  }
  if (g.unit && hb <= gb && ge <= he) return (ge - gb) * (ge - gb);
  if (h.unit && gb <= hb && he <= ge) return (he - hb) * (he - hb);
  return 0;
}

/// Σ δ² over every pair of segments of two annotators that overlap; a merge of the two segment
/// lists (each covers [0, L) in order), O(|a| + |b|). Pairs that do not overlap contribute 0.
[[nodiscard]] inline double unitizing_pair_sum(const std::vector<UnitizingSegment>& a,
                                               const std::vector<UnitizingSegment>& b) noexcept {
  double sum = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    sum += unitizing_delta2(a[i], b[j]);
    const Index ea = a[i].begin + a[i].length;
    const Index eb = b[j].begin + b[j].length;
    if (ea <= eb) ++i;
    if (eb <= ea) ++j;
  }
  return sum;
}

}  // namespace detail
namespace agreement {

/// Krippendorff's unitizing alpha of one continuum [0, `length`) (one item's text) cut into
/// labelled spans by m >= 2 annotators.
///
/// Per label c, each annotator's continuum is a sequence of segments: the spans of c and the
/// gaps between them. With L = `length`, m annotators, N_c spans of c in all, and δ² as in
/// Krippendorff (1995, eq. 7) — the squared start and end differences of two overlapping spans,
/// or the squared length of a span lying wholly inside the other annotator's gap, else 0:
///
///   _uD_o(c) = 2 / (m (m − 1) L²) · Σ_{i<j} Σ_{g of i} Σ_{h of j} δ²(g, h)
///   _uD_e(c) = (2 / L) · Σ_{spans g of c} [ (N_c − 1)(2 l_g³ − 3 l_g² + l_g) / 3
///                + l_g² Σ_{gaps h with l_h >= l_g} (l_h − l_g + 1) ]
///              / [ m L (m L − 1) − Σ_{spans g of c} l_g (l_g − 1) ]
///
/// (the expected disagreement as Krippendorff 2004, section 12.5, writes it), _uα(c) = 1 −
/// _uD_o(c) / _uD_e(c), and the pooled _uα = 1 − Σ_c _uD_o(c) / Σ_c _uD_e(c).
///
/// On Krippendorff's (1995, p. 57) example of four labels, two annotators and L = 24, the
/// observed disagreements are the published 0.03125, 2.26736, 0.02778 and 0.38715 exactly. The
/// published expected disagreements (0.06990, 1.17731, 0.08642, 0.41445) are those of the
/// continuous limit: the same example with every offset stretched by 50,000 reproduces them to
/// within 0.005, and the alphas 0.553, −0.926, 0.679, 0.066 to within 0.015 (the paper's D_e for
/// the third label differs from its own formula by 0.004; DKPro Statistics finds the same).
///
/// To unitize several texts as one study, concatenate them: shift each text's offsets by the
/// lengths of the texts before it and pass their total length, so that one record set covers one
/// continuum.
///
/// Complexity: O(S log S) to sort S spans, then per label O(m² · s) for the pairwise sweeps over
/// s segments per annotator and O((N_c + G) log G) for the expected disagreement over G gaps.
/// Sums are in double; the δ² terms and Σ l (l − 1) are exact integers while they stay below
/// 2^53 (lengths up to about 6.7 · 10^7).
/// @throws labelkit::invalid_argument if n_labels is outside [1, labelkit::max_classes], a span
///   has a negative id, start < 0, end <= start, end > `length`, or a label outside
///   [0, n_labels); the spans name more than one item; two spans of one annotator and one label
///   overlap; an annotator of `spans` is missing from a non-empty `options.annotators`, or that
///   list repeats an id or has a negative one; fewer than two annotators remain; `length` < 1.
template <class = void>
[[nodiscard]] UnitizingAlphaResult unitizing_alpha(std::span<const SpanAnnotation> spans,
                                                   int n_labels, Index length,
                                                   const UnitizingAlphaOptions& options = {}) {
  constexpr const char* function = "unitizing_alpha";
  detail::check_spans(spans, n_labels, function);
  if (length < 1) detail::fail(function, "'length' must be >= 1 (got ", length, ")");
  for (std::size_t r = 0; r < spans.size(); ++r) {
    if (spans[r].end > length) {
      detail::fail(function, "'spans' record ", r, " ends at ", spans[r].end,
                   ", past the continuum's length ", length);
    }
    if (spans[r].item != spans.front().item) {
      detail::fail(function, "'spans' record ", r, " is on item ", spans[r].item, ", record 0 on ",
                   spans.front().item, " (one continuum at a time: concatenate texts)");
    }
  }
  std::vector<Index> annotators = options.annotators;
  std::sort(annotators.begin(), annotators.end());
  for (std::size_t k = 0; k < annotators.size(); ++k) {
    if (annotators[k] < 0 || (k > 0 && annotators[k] == annotators[k - 1])) {
      detail::fail(function, "'options.annotators' has a negative or repeated id (", annotators[k],
                   ")");
    }
  }
  const bool listed = !annotators.empty();
  if (!listed) {
    for (const SpanAnnotation& s : spans) annotators.push_back(s.annotator);
    std::sort(annotators.begin(), annotators.end());
    annotators.erase(std::unique(annotators.begin(), annotators.end()), annotators.end());
  }
  const auto m = static_cast<Index>(annotators.size());
  if (m < 2) {
    detail::fail(function, "unitizing alpha needs at least two annotators (got ", m, ")");
  }
  const auto annotator_index = [&](Index id, std::size_t r) {
    const auto it = std::lower_bound(annotators.begin(), annotators.end(), id);
    if (it == annotators.end() || *it != id) {
      detail::fail(function, "'spans' record ", r, " is by annotator ", id,
                   ", who is not in 'options.annotators'");
    }
    return static_cast<std::size_t>(it - annotators.begin());
  };
  // Spans by (label, annotator, start).
  struct Keyed {
    int label;
    std::size_t annotator;
    Index start;
    Index end;
    std::size_t record;
  };
  std::vector<Keyed> sorted;
  sorted.reserve(spans.size());
  for (std::size_t r = 0; r < spans.size(); ++r) {
    sorted.push_back(
        {spans[r].label, annotator_index(spans[r].annotator, r), spans[r].start, spans[r].end, r});
  }
  std::sort(sorted.begin(), sorted.end(), [](const Keyed& a, const Keyed& b) {
    if (a.label != b.label) return a.label < b.label;
    if (a.annotator != b.annotator) return a.annotator < b.annotator;
    return a.start < b.start;
  });
  detail::check_allocation({static_cast<std::size_t>(m), sorted.size() * 2 + 2},
                           sizeof(detail::UnitizingSegment), function, "the segment lists");

  agreement::UnitizingAlphaResult result;
  result.annotators = m;
  const double L = static_cast<double>(length);
  const double md = static_cast<double>(m);
  std::vector<std::vector<detail::UnitizingSegment>> segments(static_cast<std::size_t>(m));
  std::vector<double> gaps;
  std::size_t pos = 0;
  for (int c = 0; c < n_labels; ++c) {
    UnitizingLabelAlpha entry;
    entry.label = c;
    std::size_t end = pos;
    while (end < sorted.size() && sorted[end].label == c) ++end;
    if (end == pos) {  // no span of c: nothing observed, nothing expected
      result.labels.push_back(entry);
      continue;
    }
    // Each annotator's segments of c: spans and the gaps between them, covering [0, L).
    for (auto& list : segments) list.clear();
    gaps.clear();
    double squared_units = 0;  // Σ l (l − 1)
    std::size_t q = pos;
    for (std::size_t a = 0; a < segments.size(); ++a) {
      Index at = 0;
      for (; q < end && sorted[q].annotator == a; ++q) {
        if (sorted[q].start < at) {
          detail::fail(function, "'spans' record ", sorted[q].record, " overlaps another span of ",
                       "annotator ", annotators[a], " with label ", c);
        }
        if (sorted[q].start > at) segments[a].push_back({at, sorted[q].start - at, false});
        segments[a].push_back({sorted[q].start, sorted[q].end - sorted[q].start, true});
        at = sorted[q].end;
      }
      if (at < length) segments[a].push_back({at, length - at, false});
      for (const auto& s : segments[a]) {
        const auto l = static_cast<double>(s.length);
        if (s.unit) {
          squared_units += l * (l - 1);
        } else {
          gaps.push_back(l);
        }
      }
    }
    entry.units = static_cast<Index>(end - pos);
    double observed = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      for (std::size_t j = i + 1; j < segments.size(); ++j) {
        observed += detail::unitizing_pair_sum(segments[i], segments[j]);
      }
    }
    entry.observed = 2 * observed / (md * (md - 1) * L * L);
    // Σ_{gaps h, l_h >= l} (l_h − l + 1) = (Σ l_h over those) − count · (l − 1), by binary
    // search in the gaps sorted ascending with suffix sums.
    std::sort(gaps.begin(), gaps.end());
    std::vector<double> suffix(gaps.size() + 1, 0.0);
    for (std::size_t g = gaps.size(); g-- > 0;) suffix[g] = suffix[g + 1] + gaps[g];
    const auto n_c = static_cast<double>(entry.units);
    double numerator = 0;
    for (std::size_t u = pos; u < end; ++u) {
      const auto l = static_cast<double>(sorted[u].end - sorted[u].start);
      const auto first =
          static_cast<std::size_t>(std::lower_bound(gaps.begin(), gaps.end(), l) - gaps.begin());
      const auto count = static_cast<double>(gaps.size() - first);
      numerator += (n_c - 1) * (2 * l * l * l - 3 * l * l + l) / 3 +
                   l * l * (suffix[first] - count * (l - 1));
    }
    const double denominator = md * L * (md * L - 1) - squared_units;
    entry.expected = denominator > 0 ? 2 / L * numerator / denominator : 0;
    if (entry.expected > 0) entry.alpha = 1 - entry.observed / entry.expected;
    result.observed += entry.observed;
    result.expected += entry.expected;
    result.labels.push_back(entry);
    pos = end;
  }
  if (result.expected > 0) result.alpha = 1 - result.observed / result.expected;
  return result;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
