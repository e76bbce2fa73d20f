#pragma once
/// @file
/// Gold labels (labelkit/core/gold_label.hpp) as the quality functions read them: one label per
/// dense item, checked.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/id_map.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// The gold label of every area (labelkit/core/gold_label.hpp).
using GoldLabel = labelkit::GoldLabel;

}  // namespace quality
namespace detail {

/// Gold labels per dense item of `items` (-1 where an item has no gold label). Gold records for
/// items not in `items` are ignored. O(G) for compact ids.
/// @throws labelkit::invalid_argument naming the gold record with a negative item id, a label
///   outside [0, n_classes), or a label that contradicts an earlier record for the same item.
inline std::vector<int> dense_gold(std::span<const quality::GoldLabel> gold, const IdMap& items,
                                   int n_classes, std::string_view function) {
  std::vector<int> dense(static_cast<std::size_t>(items.size()), -1);
  for (std::size_t g = 0; g < gold.size(); ++g) {
    if (gold[g].item < 0) {
      labelkit::detail::fail(function, "'gold' record ", g, " has a negative item id (got ",
                             gold[g].item, ")");
    }
    if (gold[g].label < 0 || gold[g].label >= n_classes) {
      labelkit::detail::fail(function, "'gold' record ", g, " has a label outside [0, ", n_classes,
                             ") (got ", gold[g].label, ")");
    }
    const Eigen::Index i = items.find(gold[g].item);
    if (i < 0) continue;
    int& slot = dense[static_cast<std::size_t>(i)];
    if (slot >= 0 && slot != gold[g].label) {
      labelkit::detail::fail(function, "'gold' record ", g, " gives item ", gold[g].item, " label ",
                             gold[g].label, " but an earlier record gave ", slot);
    }
    slot = gold[g].label;
  }
  return dense;
}

/// Gold labels grouped by dense item, where an item may have several (compressed rows): the
/// distinct labels of dense item i are label[start[i] .. start[i + 1]), ascending.
struct GoldLabelSets {
  std::vector<Eigen::Index> start;  ///< n_items + 1 offsets.
  std::vector<int> label;           ///< Distinct gold labels, grouped by item, ascending.
};

/// Every gold label per dense item of `items`, several per item allowed (duplicates merged).
/// Gold records for items not in `items` are ignored. O(G log G + I).
/// @throws labelkit::invalid_argument naming the gold record with a negative item id or a label
///   outside [0, n_classes).
template <class = void>
GoldLabelSets gold_label_sets(std::span<const quality::GoldLabel> gold, const IdMap& items,
                              int n_classes, std::string_view function) {
  std::vector<std::pair<Eigen::Index, int>> pairs;
  pairs.reserve(gold.size());
  for (std::size_t g = 0; g < gold.size(); ++g) {
    if (gold[g].item < 0) {
      labelkit::detail::fail(function, "'gold' record ", g, " has a negative item id (got ",
                             gold[g].item, ")");
    }
    if (gold[g].label < 0 || gold[g].label >= n_classes) {
      labelkit::detail::fail(function, "'gold' record ", g, " has a label outside [0, ", n_classes,
                             ") (got ", gold[g].label, ")");
    }
    const Eigen::Index i = items.find(gold[g].item);
    if (i >= 0) pairs.emplace_back(i, gold[g].label);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  GoldLabelSets sets;
  sets.start.assign(static_cast<std::size_t>(items.size()) + 1, 0);
  sets.label.reserve(pairs.size());
  for (const auto& [i, label] : pairs) {
    ++sets.start[static_cast<std::size_t>(i) + 1];
    sets.label.push_back(label);
  }
  for (std::size_t i = 1; i < sets.start.size(); ++i) sets.start[i] += sets.start[i - 1];
  return sets;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
