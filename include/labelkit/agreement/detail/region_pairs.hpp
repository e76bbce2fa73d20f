#pragma once
/// @file
/// The skeleton shared by span and box agreement: group region records by (item, annotator),
/// visit every pair of annotators on every item both read, a deterministic greedy one-to-one
/// matching, and the pairwise result with its F1 averages (agreement::RegionPairsResult).

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Agreement of every pair of annotators on region labels, and its averages over pairs: the
/// common part of SpanAgreementResult and BoxAgreementResult. `Pair` is the per-pair record
/// (SpanPairAgreement, BoxPairAgreement), with `first` < `second` annotator ids and an F1.
template <class Pair>
struct RegionPairsResult {
  std::vector<Index> annotators;  ///< Distinct annotator ids, ascending.
  std::vector<Pair> pairs;        ///< Every pair (j < k), by (first, second) ascending.
  /// Mean of the defined pairwise F1 values (macro average over annotator pairs); std::nullopt
  /// if no pair has one.
  std::optional<double> mean_f1;
  /// Pooled F1, 2 · Σ score / Σ (n_first + n_second) over all pairs (micro average), where a
  /// pair's score is its matched count (boxes) or its credited matches (spans); std::nullopt if
  /// no pair marked a region.
  std::optional<double> micro_f1;

  /// The pair of annotator ids `a` and `b` (in either order), or std::nullopt if either is
  /// unknown or a == b. O(log P).
  [[nodiscard]] std::optional<Pair> pair(Index a, Index b) const {
    if (a > b) std::swap(a, b);
    const auto it =
        std::lower_bound(pairs.begin(), pairs.end(), std::pair{a, b}, [](const Pair& p, auto key) {
          return std::pair{p.first, p.second} < key;
        });
    if (it == pairs.end() || it->first != a || it->second != b) return std::nullopt;
    return *it;
  }
};

}  // namespace agreement
namespace detail {

/// One candidate pair of a matching: region `first` of one side, `second` of the other, and
/// how good the pair is (larger is better).
struct RegionMatch {
  double quality;
  Index first;
  Index second;
};

/// Greedy one-to-one matching: candidates by quality descending, ties to the lower `first`,
/// then the lower `second`; a candidate is taken when both of its regions are still free.
/// Returns the taken candidates in the order taken. O(P log P) for P candidates.
template <class = void>
std::vector<RegionMatch> greedy_region_match(std::vector<RegionMatch> candidates, Index n_first,
                                             Index n_second) {
  std::sort(candidates.begin(), candidates.end(), [](const RegionMatch& a, const RegionMatch& b) {
    if (a.quality != b.quality) return a.quality > b.quality;
    if (a.first != b.first) return a.first < b.first;
    return a.second < b.second;
  });
  std::vector<char> used_first(static_cast<std::size_t>(n_first), 0);
  std::vector<char> used_second(static_cast<std::size_t>(n_second), 0);
  std::vector<RegionMatch> taken;
  for (const RegionMatch& c : candidates) {
    auto& f = used_first[static_cast<std::size_t>(c.first)];
    auto& s = used_second[static_cast<std::size_t>(c.second)];
    if (f || s) continue;
    f = 1;
    s = 1;
    taken.push_back(c);
  }
  return taken;
}

/// Region records grouped for pairwise comparison: annotators (ascending id) and, per item read
/// by at least two annotators, each reader's regions in a canonical order.
template <class Region>
struct RegionGroups {
  std::vector<Index> annotators;  ///< Distinct annotator ids of the coverage, ascending.
  /// Regions sorted by (item, annotator, canonical key); readers' slices point into it.
  std::vector<Region> sorted;
  struct Reader {
    Index annotator;  ///< Dense annotator index.
    std::size_t begin;
    std::size_t end;
  };
  std::vector<std::vector<Reader>> items;  ///< Per item with >= 2 readers: its readers.
};

/// Builds RegionGroups from validated regions and the coverage (sorted AnnotatedItem list).
/// `less` orders two regions of one (item, annotator) canonically, so results do not depend on
/// the order of the input records.
template <class Region, class Less>
RegionGroups<Region> group_regions(std::span<const Region> regions,
                                   const std::vector<AnnotatedItem>& readers, Less less,
                                   std::string_view function) {
  RegionGroups<Region> g;
  g.annotators.reserve(readers.size());
  for (const AnnotatedItem& r : readers) g.annotators.push_back(r.annotator);
  std::sort(g.annotators.begin(), g.annotators.end());
  g.annotators.erase(std::unique(g.annotators.begin(), g.annotators.end()), g.annotators.end());
  const auto n = g.annotators.size();
  check_allocation({n, n}, sizeof(double) * 4, function, "the annotator pairs' tallies");
  g.sorted.assign(regions.begin(), regions.end());
  std::sort(g.sorted.begin(), g.sorted.end(), [&](const Region& a, const Region& b) {
    if (a.item != b.item) return a.item < b.item;
    if (a.annotator != b.annotator) return a.annotator < b.annotator;
    return less(a, b);
  });
  std::size_t pos = 0;
  for (std::size_t r = 0; r < readers.size();) {
    std::size_t e = r;
    while (e < readers.size() && readers[e].item == readers[r].item) ++e;
    if (e - r >= 2) {
      std::vector<typename RegionGroups<Region>::Reader> list;
      for (std::size_t q = r; q < e; ++q) {
        while (pos < g.sorted.size() && (g.sorted[pos].item < readers[q].item ||
                                         (g.sorted[pos].item == readers[q].item &&
                                          g.sorted[pos].annotator < readers[q].annotator))) {
          ++pos;
        }
        std::size_t end = pos;
        while (end < g.sorted.size() && g.sorted[end].item == readers[q].item &&
               g.sorted[end].annotator == readers[q].annotator) {
          ++end;
        }
        const auto j = static_cast<Index>(
            std::lower_bound(g.annotators.begin(), g.annotators.end(), readers[q].annotator) -
            g.annotators.begin());
        list.push_back({j, pos, end});
        pos = end;
      }
      g.items.push_back(std::move(list));
    }
    r = e;
  }
  return g;
}

/// Index of the pair (j, k), j < k, among n annotators in row-major upper-triangle order.
inline std::size_t region_pair_index(Index j, Index k, Index n) noexcept {
  return static_cast<std::size_t>(j * n - j * (j + 1) / 2 + (k - j - 1));
}

/// Fills `result.annotators` and one zeroed record per pair of annotators, then calls
/// `visit(pair, a, b)` for every two readers a, b (RegionGroups::Reader, a before b) of every
/// item, with `pair` the record of their annotators after its `n_items`, `n_first` and
/// `n_second` have been counted.
template <class Pair, class Region, class Visit>
void visit_reader_pairs(agreement::RegionPairsResult<Pair>& result, const RegionGroups<Region>& g,
                        Visit visit) {
  const auto n = static_cast<Index>(g.annotators.size());
  result.annotators = g.annotators;
  result.pairs.reserve(static_cast<std::size_t>(n * (n - 1) / 2));
  for (Index j = 0; j < n; ++j) {
    for (Index k = j + 1; k < n; ++k) {
      Pair p;
      p.first = g.annotators[static_cast<std::size_t>(j)];
      p.second = g.annotators[static_cast<std::size_t>(k)];
      result.pairs.push_back(p);
    }
  }
  for (const auto& readers_of_item : g.items) {
    for (std::size_t x = 0; x < readers_of_item.size(); ++x) {
      for (std::size_t y = x + 1; y < readers_of_item.size(); ++y) {
        const auto& a = readers_of_item[x];
        const auto& b = readers_of_item[y];
        auto& p = result.pairs[region_pair_index(a.annotator, b.annotator, n)];
        ++p.n_items;
        p.n_first += static_cast<Index>(a.end - a.begin);
        p.n_second += static_cast<Index>(b.end - b.begin);
        visit(p, a, b);
      }
    }
  }
}

/// Per pair, precision = s / n_second, recall = s / n_first and F1 = 2 s / (n_first + n_second)
/// with s = score(pair) (each where its denominator is > 0); then the macro and micro F1 of
/// `result`.
template <class Pair, class Score>
void finish_region_f1(agreement::RegionPairsResult<Pair>& result, Score score) {
  double f1_sum = 0;
  Index n_defined = 0;
  double score_sum = 0;
  double count_sum = 0;
  for (Pair& p : result.pairs) {
    const double s = score(p);
    if (p.n_second > 0) p.precision = s / static_cast<double>(p.n_second);
    if (p.n_first > 0) p.recall = s / static_cast<double>(p.n_first);
    const auto total = static_cast<double>(p.n_first + p.n_second);
    if (total > 0) {
      p.f1 = 2 * s / total;
      f1_sum += *p.f1;
      ++n_defined;
      score_sum += s;
      count_sum += total;
    }
  }
  if (n_defined > 0) result.mean_f1 = f1_sum / static_cast<double>(n_defined);
  if (count_sum > 0) result.micro_f1 = 2 * score_sum / count_sum;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
