// The property both final-label reader fuzzers check: any byte string gives either FinalLabels or
// a labelkit::error; anything else aborts. The first byte chooses integer item ids (even) or
// string ids through an IdNames table (odd). Accepted labels must survive write -> read unchanged,
// confidences bit for bit, and a second read must intern the same names.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/pipeline/export.hpp"

namespace final_labels_fuzz {

/// Runs the property on `data` with `read(in, set, names*)` and `write(out, labels, names*)`.
template <class Read, class Write>
int run(const std::uint8_t* data, std::size_t size, Read read, Write write) {
  namespace lp = labelkit::pipeline;
  if (size == 0) return 0;
  const bool named = (data[0] & 1) != 0;
  const labelkit::LabelSet set({"cat", "a, b", "say \"hi\"", "two\nlines", "Été"});
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  labelkit::IdNames names;
  lp::FinalLabels labels{set, {}};
  try {
    labels = read(in, set, named ? &names : nullptr);
  } catch (const labelkit::error&) {
    return 0;
  }
  try {
    std::stringstream out;
    write(out, labels, named ? &names : nullptr);
    labelkit::IdNames again = names;
    const auto back = read(out, set, named ? &again : nullptr);
    if (!(back == labels) || !(again == names)) std::abort();
    for (std::size_t i = 0; i < back.items.size(); ++i) {
      if (std::bit_cast<std::uint64_t>(back.items[i].confidence) !=
          std::bit_cast<std::uint64_t>(labels.items[i].confidence)) {
        std::abort();
      }
    }
  } catch (const labelkit::error&) {
    std::abort();
  }
  return 0;
}

}  // namespace final_labels_fuzz
