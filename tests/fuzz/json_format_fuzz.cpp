// libFuzzer target for labelkit::annotation::read_json: any byte string gives either a TaskSet or
// a labelkit::error; anything else (another exception, a crash, undefined behaviour, a hang)
// aborts. An accepted set must also survive write_json -> read_json unchanged, since labelkit's
// own export of anything it accepted must read back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "labelkit/annotation/json_format.hpp"
#include "labelkit/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace la = labelkit::annotation;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  la::TaskSet set;
  try {
    set = la::read_json(in);
  } catch (const labelkit::error&) {
    return 0;
  }
  std::stringstream out;
  try {
    la::write_json(out, set);
    if (!(la::read_json(out) == set)) std::abort();
  } catch (const labelkit::error&) {
    std::abort();  // an accepted set must write and read back
  }
  return 0;
}
