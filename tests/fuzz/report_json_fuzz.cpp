// libFuzzer target for labelkit-report's reader of a Label Studio JSON export (the report tool's
// JSON input); the property is in report_fuzz.hpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return report_fuzz::run({reinterpret_cast<const char*>(data), size}, [](std::string_view text) {
    std::vector<std::string> notes;
    return report_fuzz::report::read_label_studio_records(text, "in.json", notes);
  });
}
