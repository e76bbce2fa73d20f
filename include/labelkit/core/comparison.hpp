#pragma once
/// @file
/// `Comparison`: one annotator's answer to "which of these two items is better?", the record of
/// pairwise preference labeling (RLHF preference data, Label Studio's Pairwise template).
/// A vocabulary header: it includes no Eigen and no nlohmann_json.

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Which side of a Comparison the annotator preferred.
enum class Winner : unsigned char {
  left = 0,   ///< The left item is preferred.
  right = 1,  ///< The right item is preferred.
  tie = 2,    ///< Neither: a draw ("equally good"); aggregators take a TieRule for it.
};

/// One annotator's pairwise preference between two items, in the same id space as Annotation:
/// `left` and `right` are item ids, `annotator` an annotator id (any non-negative values, mapped
/// by the functions that consume comparisons). The two items must differ. An annotator may
/// compare the same pair more than once, in either order.
struct Comparison {
  Index annotator;  ///< Annotator id (any non-negative value).
  Index left;       ///< Item id shown on the left (first).
  Index right;      ///< Item id shown on the right (second).
  Winner winner;    ///< Which of the two the annotator preferred.

  /// Member-wise equality.
  friend bool operator==(const Comparison&, const Comparison&) = default;
};

LABELKIT_END_NAMESPACE
