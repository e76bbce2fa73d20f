#pragma once
/// @file
/// `AnswerSet`: everything the quality and agreement functions need from a labeling campaign, in
/// one value: the label set, every accepted answer (on ordinary and gold items), the gold labels
/// and how long each answer took. `annotation::TaskQueue::answer_set()` returns one; every
/// aggregator, `gold_standard` and `consistency_report` take it directly, so the gold items'
/// answers and labels cannot be left out by accident. A vocabulary header: no Eigen.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/label_set.hpp"

LABELKIT_BEGIN_NAMESPACE

/// How long something took, in seconds. The one duration type of labelkit: answer times, the
/// consistency checks' thresholds and the queue's statistics are all expressed in it.
using Duration = std::chrono::duration<double>;

/// The answers of a labeling campaign with their label set, gold labels and durations.
///
/// `answers` holds every accepted answer, on ordinary items and on gold items alike: an
/// aggregator clamps the gold items to their known labels, and `gold_standard` scores the
/// annotators on them. `durations` is empty or aligned with `answers`.
struct AnswerSet {
  LabelSet labels;                  ///< The classes that the answers' labels index.
  std::vector<Annotation> answers;  ///< Every accepted answer (ordinary and gold items).
  std::vector<GoldLabel> gold;      ///< Known labels of the gold items.
  std::vector<Duration> durations;  ///< Time taken per answer (empty, or one per answer).

  /// Number of classes, `labels.size()`.
  [[nodiscard]] int n_classes() const noexcept { return labels.size(); }

  /// Whether `item` is a gold item. O(G).
  template <class = void>
  [[nodiscard]] bool is_gold(Index item) const noexcept {
    return std::any_of(gold.begin(), gold.end(),
                       [&](const GoldLabel& g) { return g.item == item; });
  }

  /// The answers on gold items only, in their order in `answers`. O(N + G log G).
  template <class = void>
  [[nodiscard]] std::vector<Annotation> gold_answers() const {
    return filter<>(true);
  }

  /// The answers on ordinary (non-gold) items only, in their order in `answers`. O(N + G log G).
  template <class = void>
  [[nodiscard]] std::vector<Annotation> regular_answers() const {
    return filter<>(false);
  }

  /// The durations in seconds as plain numbers, aligned with `answers` (empty if none).
  template <class = void>
  [[nodiscard]] std::vector<double> seconds() const {
    std::vector<double> out;
    out.reserve(durations.size());
    for (const Duration d : durations) out.push_back(d.count());
    return out;
  }

 private:
  // The answers whose item is (`on_gold`) or is not a gold item; a template so that its sort is
  // compiled only where it is called.
  template <class = void>
  [[nodiscard]] std::vector<Annotation> filter(bool on_gold) const {
    std::vector<Index> ids;
    ids.reserve(gold.size());
    for (const GoldLabel& g : gold) ids.push_back(g.item);
    std::sort(ids.begin(), ids.end());
    std::vector<Annotation> out;
    for (const Annotation& a : answers) {
      if (std::binary_search(ids.begin(), ids.end(), a.item) == on_gold) out.push_back(a);
    }
    return out;
  }
};

namespace detail {

/// Throws labelkit::dimension_mismatch unless `set.durations` is empty or aligned with answers.
inline void check_answer_set(const AnswerSet& set, std::string_view function) {
  if (!set.durations.empty() && set.durations.size() != set.answers.size()) {
    fail<dimension_mismatch>(function, "'durations' has ", set.durations.size(), " entries for ",
                             set.answers.size(), " answers (expected one per answer, or none)");
  }
}

/// `extra` followed by `set.gold`: the gold labels an aggregator clamps to.
template <class = void>
std::vector<GoldLabel> merged_gold(const AnswerSet& set, const std::vector<GoldLabel>& extra) {
  std::vector<GoldLabel> all = extra;
  all.insert(all.end(), set.gold.begin(), set.gold.end());
  return all;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
