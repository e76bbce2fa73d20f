#pragma once
/// @file
/// Span-level agreement between annotators (named-entity recognition): exact-match and
/// partial-match F1 for each pair of annotators, and their mean over pairs.
///
///   auto r = agreement::span_agreement(spans, 4);                    // exact ("strict") F1
///   r.pair(7, 9)->f1;                                                // annotators 7 and 9
///   r.mean_f1;                                                       // averaged over pairs
///   agreement::SpanAgreementOptions o{.match = agreement::SpanMatch::partial};
///   agreement::span_agreement(spans, 4, o).mean_f1;                  // SemEval-2013 "type"-like
///
/// F1 between two annotators is the agreement measure of choice when the negatives (the spans
/// nobody marked) cannot be counted (Hripcsak & Rothschild 2005, "Agreement, the F-measure, and
/// reliability in information retrieval", JAMIA 12(3)); it is symmetric in the two annotators.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/detail/region_pairs.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// When two spans of two annotators count as the same entity.
enum class SpanMatch {
  /// Same start and same end (MUC's and SemEval-2013's "correct", COR).
  exact,
  /// Same boundaries count 1 (COR); spans that only overlap count `partial_credit` (PAR).
  partial,
};

/// Options of span_agreement().
struct SpanAgreementOptions {
  SpanMatch match = SpanMatch::exact;  ///< Exact boundaries only, or partial matches too.
  /// Credit of an overlapping, not identical pair under SpanMatch::partial, in [0, 1]: 0.5 is
  /// SemEval-2013's "partial" scheme, 1 the lenient "overlap" F1.
  double partial_credit = 0.5;
  /// Whether matched spans must carry the same label (SemEval-2013 "strict" and "type") or not
  /// ("exact" and "partial": boundaries only).
  bool match_labels = true;
  /// Who read which item (see labelkit::AnnotatedItem); empty: every annotator of `spans` read
  /// every item of `spans`. A pair of annotators is compared on the items both read.
  std::vector<AnnotatedItem> annotated = {};
};

/// Agreement between two annotators, `first` < `second`, over the items both read.
///
/// score = COR + partial_credit · PAR; precision = score / n_second, recall = score / n_first
/// (taking `first` as the reference), f1 = 2 · score / (n_first + n_second), the harmonic mean
/// of the two, symmetric in the annotators.
struct SpanPairAgreement {
  Index first = 0;     ///< Annotator id (the smaller of the two).
  Index second = 0;    ///< Annotator id (the larger).
  Index n_items = 0;   ///< Items both read.
  Index n_first = 0;   ///< Spans of `first` on those items.
  Index n_second = 0;  ///< Spans of `second` on those items.
  Index exact = 0;     ///< Matched pairs with identical boundaries (COR).
  Index partial = 0;   ///< Matched pairs that only overlap (PAR; 0 under SpanMatch::exact).
  double score = 0;    ///< COR + partial_credit · PAR.
  /// score / n_second; std::nullopt when `second` marked no span.
  std::optional<double> precision;
  /// score / n_first; std::nullopt when `first` marked no span.
  std::optional<double> recall;
  /// 2 · score / (n_first + n_second); std::nullopt when neither marked a span (or they share
  /// no item): F1 is then undefined, not perfect.
  std::optional<double> f1;
};

/// Result of span_agreement(): every pair of annotators (`annotators`, `pairs`, `pair(a, b)`),
/// and the macro and micro F1 over pairs (`mean_f1`, `micro_f1`); see RegionPairsResult.
struct SpanAgreementResult : RegionPairsResult<SpanPairAgreement> {};

}  // namespace agreement
namespace detail {

/// Canonical order of one annotator's spans on one item: start, end, label.
struct SpanLess {
  bool operator()(const SpanAnnotation& a, const SpanAnnotation& b) const noexcept {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.label < b.label;
  }
};

/// Matches the spans a[0..na) against b[0..nb) (each in SpanLess order): identical boundaries
/// first (greedy in canonical order), then, under SpanMatch::partial, overlapping pairs by
/// overlap length descending (ties to the lower index in a, then in b). Adds to `out`.
template <class = void>
void match_spans(const SpanAnnotation* a, Index na, const SpanAnnotation* b, Index nb,
                 const agreement::SpanAgreementOptions& options, agreement::SpanPairAgreement& out,
                 std::string_view function) {
  const auto same_label = [&](const SpanAnnotation& x, const SpanAnnotation& y) {
    return !options.match_labels || x.label == y.label;
  };
  std::vector<RegionMatch> exact;
  for (Index i = 0; i < na; ++i) {
    // b is sorted by start, end: the spans with a's boundaries are one run.
    const auto* lo =
        std::lower_bound(b, b + nb, a[i], [](const SpanAnnotation& x, const SpanAnnotation& y) {
          return x.start != y.start ? x.start < y.start : x.end < y.end;
        });
    for (const auto* p = lo; p != b + nb && p->start == a[i].start && p->end == a[i].end; ++p) {
      if (same_label(a[i], *p)) exact.push_back({1.0, i, static_cast<Index>(p - b)});
    }
  }
  const auto taken = greedy_region_match(std::move(exact), na, nb);
  out.exact += static_cast<Index>(taken.size());
  if (options.match != agreement::SpanMatch::partial) return;
  std::vector<char> used_a(static_cast<std::size_t>(na), 0);
  std::vector<char> used_b(static_cast<std::size_t>(nb), 0);
  for (const RegionMatch& c : taken) {
    used_a[static_cast<std::size_t>(c.first)] = 1;
    used_b[static_cast<std::size_t>(c.second)] = 1;
  }
  std::vector<Index> free_a;
  std::vector<Index> free_b;
  for (Index i = 0; i < na; ++i) {
    if (!used_a[static_cast<std::size_t>(i)]) free_a.push_back(i);
  }
  for (Index k = 0; k < nb; ++k) {
    if (!used_b[static_cast<std::size_t>(k)]) free_b.push_back(k);
  }
  constexpr std::size_t max_candidates = max_allocation_bytes / sizeof(RegionMatch);
  std::vector<RegionMatch> overlapping;
  for (std::size_t x = 0; x < free_a.size(); ++x) {
    for (std::size_t y = 0; y < free_b.size(); ++y) {
      const SpanAnnotation& s = a[free_a[x]];
      const SpanAnnotation& t = b[free_b[y]];
      if (t.start >= s.end) break;  // b is sorted by start: no later span overlaps s
      const Index overlap = span_overlap(s, t);
      if (overlap > 0 && same_label(s, t)) {
        if (overlapping.size() >= max_candidates) {
          check_allocation({overlapping.size() + 1}, sizeof(RegionMatch), function,
                           "the overlapping span pairs of one item");
        }
        overlapping.push_back(
            {static_cast<double>(overlap), static_cast<Index>(x), static_cast<Index>(y)});
      }
    }
  }
  out.partial += static_cast<Index>(greedy_region_match(std::move(overlapping),
                                                        static_cast<Index>(free_a.size()),
                                                        static_cast<Index>(free_b.size()))
                                        .size());
}

}  // namespace detail
namespace agreement {

/// Span-level agreement for every pair of annotators: exact-match F1, or partial-match F1 as in
/// the MUC and SemEval-2013 evaluation schemes (Chinchor & Sundheim 1993, "MUC-5 evaluation
/// metrics"; Segura-Bedmar, Martínez & Herrero-Zazo 2013, "SemEval-2013 Task 9: Extraction of
/// drug-drug interactions from biomedical texts", the four schemes strict / exact / partial /
/// type as nervaluate implements them).
///
/// On each item both annotators read, their spans are matched one to one: first pairs with
/// identical boundaries (COR), then, under SpanMatch::partial, pairs that overlap by at least
/// one character (PAR), greedily by overlap length descending, ties to the lower span in
/// (start, end, label) order of the first annotator, then of the second. With
/// `match_labels` a pair must also share its label. Then score = COR + c · PAR with c =
/// `partial_credit`, and F1 = 2 · score / (n_first + n_second). SemEval-2013's schemes are:
/// strict = {exact, match_labels}; exact = {exact, !match_labels}; partial = {partial, c = 0.5,
/// !match_labels}; type = {partial, c = 1, match_labels} (type also counts label-matching
/// overlaps as fully correct). Results do not depend on the order of the records.
///
/// Complexity: O(N log N) to group N spans, then per item and pair of its readers
/// O(n log n + n_a · n_b) for their n spans (the partial matching's candidate pairs).
/// @throws labelkit::invalid_argument if n_labels is outside [1, labelkit::max_classes], a span
///   has a negative id, start < 0, end <= start or a label outside [0, n_labels), an
///   `annotated` record has a negative id, `partial_credit` is outside [0, 1] or NaN, or a table
///   would exceed labelkit::max_allocation_bytes.
template <class = void>
SpanAgreementResult span_agreement(std::span<const SpanAnnotation> spans, int n_labels,
                                   const SpanAgreementOptions& options = {}) {
  constexpr const char* function = "span_agreement";
  detail::check_spans(spans, n_labels, function);
  if (!(options.partial_credit >= 0 && options.partial_credit <= 1)) {
    detail::fail(function, "'options.partial_credit' must be in [0, 1] (got ",
                 options.partial_credit, ")");
  }
  const auto readers = detail::region_readers(spans, options.annotated, function);
  const auto g = detail::group_regions(spans, readers, detail::SpanLess{}, function);
  SpanAgreementResult result;
  detail::visit_reader_pairs(result, g, [&](SpanPairAgreement& p, const auto& a, const auto& b) {
    detail::match_spans(g.sorted.data() + a.begin, static_cast<Index>(a.end - a.begin),
                        g.sorted.data() + b.begin, static_cast<Index>(b.end - b.begin), options, p,
                        function);
  });
  detail::finish_region_f1(result, [&](SpanPairAgreement& p) {
    p.score =
        static_cast<double>(p.exact) + options.partial_credit * static_cast<double>(p.partial);
    return p.score;
  });
  return result;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
