#pragma once
/// @file
/// The long "one row per answer" record shared by agreement, quality and annotation management.
/// A vocabulary header: it includes no Eigen and no nlohmann_json.

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// One annotator's answer for one item, as crowd platforms and Label Studio exports lay it out.
///
/// Ids need not be dense or start at 0: functions that consume annotations map them. `label` is
/// a class index in [0, n_classes). An annotator may answer the same item more than once.
struct Annotation {
  Index item;       ///< Item id (any non-negative value).
  Index annotator;  ///< Annotator id (any non-negative value).
  int label;        ///< Class index in [0, n_classes).

  /// Member-wise equality.
  friend bool operator==(const Annotation&, const Annotation&) = default;
};

LABELKIT_END_NAMESPACE
