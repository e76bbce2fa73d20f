#pragma once
/// @file
/// The labeled data set a pipeline hands on: one final label per item, with where it came from
/// and how sure the source was. Export writes it (JSON Lines, CSV, Label Studio), the next
/// training round reads it. A vocabulary header: no Eigen, no nlohmann_json.

#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/label_set.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace pipeline {

/// Where a final label came from.
enum class LabelSource {
  gold,           ///< A gold (honeypot) item: its known label.
  auto_accepted,  ///< A pre-label accepted without review (confidence above the threshold).
  aggregated,     ///< Aggregated from human answers (e.g. Dawid–Skene with gold clamping).
  adjudicated,    ///< Decided by an adjudicator (overrides the aggregate).
};

/// The name of a source as written in exports: "gold", "auto_accepted", "aggregated",
/// "adjudicated".
[[nodiscard]] constexpr std::string_view to_string(LabelSource source) noexcept {
  switch (source) {
    case LabelSource::gold:
      return "gold";
    case LabelSource::auto_accepted:
      return "auto_accepted";
    case LabelSource::aggregated:
      return "aggregated";
    case LabelSource::adjudicated:
      return "adjudicated";
  }
  return "aggregated";
}

/// One item's final label.
struct FinalLabel {
  Index item = 0;                                ///< Item id.
  int label = 0;                                 ///< Class index into the label set.
  LabelSource source = LabelSource::aggregated;  ///< Where the label came from.
  double confidence = 1.0;  ///< The source's probability for the label, in [0, 1].

  /// Member-wise equality.
  friend bool operator==(const FinalLabel&, const FinalLabel&) = default;
};

/// A labeled data set: the label set and one final label per item, in ascending item id.
struct FinalLabels {
  LabelSet labels;                ///< The classes the labels index.
  std::vector<FinalLabel> items;  ///< Ascending item id, each item once.

  /// Member-wise equality.
  friend bool operator==(const FinalLabels&, const FinalLabels&) = default;
};

/// The item ids of `labels`, in order (e.g. to teach a learner: `learner.teach(item_ids(l),
/// class_labels(l))`). O(n).
[[nodiscard]] inline std::vector<Index> item_ids(std::span<const FinalLabel> labels) {
  std::vector<Index> out;
  out.reserve(labels.size());
  for (const FinalLabel& f : labels) out.push_back(f.item);
  return out;
}

/// The class labels of `labels`, in order. O(n).
[[nodiscard]] inline std::vector<int> class_labels(std::span<const FinalLabel> labels) {
  std::vector<int> out;
  out.reserve(labels.size());
  for (const FinalLabel& f : labels) out.push_back(f.label);
  return out;
}

}  // namespace pipeline
LABELKIT_END_NAMESPACE
