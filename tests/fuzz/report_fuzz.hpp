// The property both report-tool fuzzers check: reading any byte string gives either a
// labelkit::error (the tool prints it and exits 2) or fields whose dense ids and labels are all in
// range. Nothing else may escape: no other exception, crash, undefined behaviour or hang. The
// fuzzers cover reading and id-making, not the analysis that follows.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "../../tools/report/input.hpp"
#include "labelkit/core/error.hpp"

namespace report_fuzz {

namespace report = labelkit_tools::report;

inline void check_field(const report::Field& f) {
  if (f.records.empty() || f.items.empty() || f.annotators.empty() || f.labels.empty()) {
    std::abort();
  }
  for (const auto& r : f.records) {
    if (r.item < 0 || static_cast<std::size_t>(r.item) >= f.items.size()) std::abort();
    if (r.annotator < 0 || static_cast<std::size_t>(r.annotator) >= f.annotators.size()) {
      std::abort();
    }
    if (r.label < 0 || static_cast<std::size_t>(r.label) >= f.labels.size()) std::abort();
  }
}

/// Runs `read(text)` (which returns the raw fields of one input format), finishes every field and
/// checks it; aborts on anything but a labelkit::error.
template <class Read>
int run(std::string_view text, Read&& read) {
  try {
    const std::vector<report::detail::RawField> raw = read(text);
    for (const auto& r : raw) check_field(report::detail::finish(r));
  } catch (const labelkit::error&) {
    return 0;  // a refused input: the tool prints the message and exits 2
  } catch (...) {
    std::abort();
  }
  return 0;
}

}  // namespace report_fuzz
