// libFuzzer target for labelkit-report's reader of a Label Studio JSON export (the report tool's
// JSON input): any byte string gives either a labelkit::error (the tool prints it and exits 2) or
// fields whose dense ids and labels are all in range, and small inputs then go through the whole
// report (analysis, text and JSON output). Nothing else may escape: no other exception, crash,
// undefined behaviour or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../../tools/report/input.hpp"
#include "labelkit/core/error.hpp"

namespace report = labelkit_tools::report;

namespace {

void check_field(const report::Field& f) {
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    std::vector<report::detail::RawField> raw;
    std::vector<std::string> notes;
    raw = report::read_label_studio_records(text, "in.json", notes);
    std::vector<report::Field> fields;
    for (const auto& r : raw) fields.push_back(report::detail::finish(r));
    for (const auto& f : fields) check_field(f);
  } catch (const labelkit::error&) {
    return 0;  // a refused input: the tool prints the message and exits 2
  } catch (...) {
    std::abort();
  }
  return 0;
}
