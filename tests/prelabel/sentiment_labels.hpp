#pragma once
// The label set of the reply-parser tests: three classes, one of them two words with mixed case.

#include "labelkit/core/label_set.hpp"

namespace test_labels {

inline const labelkit::LabelSet& sentiment() {
  static const labelkit::LabelSet labels{"positive", "negative", "Mixed Feelings"};
  return labels;
}

}  // namespace test_labels
