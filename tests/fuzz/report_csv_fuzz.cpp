// libFuzzer target for labelkit-report's reader of a CSV of item,annotator,label (the report
// tool's CSV input); the property is in report_fuzz.hpp.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "report_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return report_fuzz::run({reinterpret_cast<const char*>(data), size}, [](std::string_view text) {
    std::istringstream in{std::string(text)};
    return report_fuzz::report::read_csv_records(in, "in.csv");
  });
}
