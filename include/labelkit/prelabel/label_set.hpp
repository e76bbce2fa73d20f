#pragma once
/// @file
/// Forwarding header: the label set is `labelkit::LabelSet` (labelkit/core/label_set.hpp), shared
/// by every area. `prelabel::LabelSet` names the same type.

#include "labelkit/config.hpp"
#include "labelkit/core/label_set.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {
/// The label set of every area (labelkit/core/label_set.hpp).
using LabelSet = labelkit::LabelSet;
}  // namespace prelabel
LABELKIT_END_NAMESPACE
