#pragma once
/// @file
/// Assembling the labeled data set: one final label per item from gold labels, adjudications,
/// an aggregate of the human answers and auto-accepted pre-labels, each with its source.
///
///     auto labels = labelkit::pipeline::final_labels(set, {.gold = answers.gold,
///                                                          .aggregated = &ds,
///                                                          .auto_accepted =
///                                                          routed.auto_accepted});

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/pipeline/final_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace pipeline {

/// The parts final_labels() assembles, in precedence order: an item in several parts takes its
/// label from the first part that has it (gold, then adjudicated, then aggregated, then
/// auto-accepted). `Aggregate` is any aggregator's result (`quality::Aggregation` shape: `items`,
/// `labels`, `posterior`).
template <class Aggregate>
struct LabelParts {
  std::span<const GoldLabel> gold = {};          ///< Known labels (source gold, confidence 1).
  std::span<const FinalLabel> adjudicated = {};  ///< Adjudicators' decisions (source adjudicated).
  const Aggregate* aggregated = nullptr;         ///< Aggregated answers (confidence = posterior).
  std::span<const FinalLabel> auto_accepted = {};  ///< Accepted pre-labels.
};

/// One final label per item that appears in any part, ascending item id, each with the source
/// it was taken from (see LabelParts for the precedence). Records of `adjudicated` and
/// `auto_accepted` keep their confidence; their `source` is set to the part's. Complexity
/// O(n log n) for n records over all parts.
/// @throws labelkit::invalid_argument for a negative item id, a label outside `labels`, a
///   confidence outside [0, 1], or an item listed twice within one part (naming it).
template <class Aggregate>
[[nodiscard]] FinalLabels final_labels(const LabelSet& labels, const LabelParts<Aggregate>& parts) {
  constexpr const char* function = "final_labels";
  struct Entry {
    FinalLabel label;
    int rank;  // precedence: lower wins
  };
  std::vector<Entry> all;
  const auto add = [&](FinalLabel f, LabelSource source, int rank, const char* part) {
    if (f.item < 0)
      detail::fail(function, "'", part, "' holds a negative item id (got ", f.item, ")");
    if (f.label < 0 || f.label >= labels.size()) {
      detail::fail(function, "'", part, "' gives item ", f.item, " label ", f.label,
                   " (expected 0 <= label < ", labels.size(), ")");
    }
    if (!(f.confidence >= 0.0 && f.confidence <= 1.0)) {
      detail::fail(function, "'", part, "' gives item ", f.item, " confidence ", f.confidence,
                   " (expected a value in [0, 1])");
    }
    f.source = source;
    all.push_back({f, rank});
  };
  for (const GoldLabel& g : parts.gold)
    add({g.item, g.label, {}, 1.0}, LabelSource::gold, 0, "gold");
  for (const FinalLabel& f : parts.adjudicated) add(f, LabelSource::adjudicated, 1, "adjudicated");
  if (parts.aggregated != nullptr) {
    const Aggregate& a = *parts.aggregated;
    for (std::size_t r = 0; r < a.items.size(); ++r) {
      const int label = a.labels[r];
      const double p = a.posterior(static_cast<Index>(r), label);
      add({a.items[r], label, {}, std::clamp(p, 0.0, 1.0)}, LabelSource::aggregated, 2,
          "aggregated");
    }
  }
  for (const FinalLabel& f : parts.auto_accepted) {
    add(f, LabelSource::auto_accepted, 3, "auto_accepted");
  }
  std::stable_sort(all.begin(), all.end(), [](const Entry& x, const Entry& y) {
    return x.label.item != y.label.item ? x.label.item < y.label.item : x.rank < y.rank;
  });
  FinalLabels out{labels, {}};
  out.items.reserve(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (k > 0 && all[k].label.item == all[k - 1].label.item) {
      if (all[k].rank == all[k - 1].rank) {
        detail::fail(function, "item ", all[k].label.item, " is listed twice in '",
                     to_string(all[k].label.source), "'");
      }
      continue;
    }
    out.items.push_back(all[k].label);
  }
  return out;
}

/// Count of final labels from `source`. O(n).
[[nodiscard]] inline Index count(const FinalLabels& labels, LabelSource source) noexcept {
  return static_cast<Index>(std::count_if(labels.items.begin(), labels.items.end(),
                                          [&](const FinalLabel& f) { return f.source == source; }));
}

}  // namespace pipeline
LABELKIT_END_NAMESPACE
