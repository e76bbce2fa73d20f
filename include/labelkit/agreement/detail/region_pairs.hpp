#pragma once
/// @file
/// The skeleton shared by span and box agreement: group region records by (item, annotator),
/// visit every pair of annotators on every item both read, and a deterministic greedy one-to-one
/// matching. Internal.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"

LABELKIT_BEGIN_NAMESPACE
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

}  // namespace detail
LABELKIT_END_NAMESPACE
