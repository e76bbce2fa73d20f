#pragma once
/// @file
/// A known true label for one item ("gold" or "honeypot" item). The task queue hides gold items
/// among ordinary tasks and hands their labels to the quality functions, which clamp those items
/// during aggregation and test annotators on them. A vocabulary header: no Eigen.

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// The true label of one item, known in advance (a gold-standard or honeypot item).
struct GoldLabel {
  Index item;  ///< Item id, as in Annotation::item.
  int label;   ///< True class in [0, n_classes).

  /// Member-wise equality.
  friend bool operator==(const GoldLabel&, const GoldLabel&) = default;
};

LABELKIT_END_NAMESPACE
