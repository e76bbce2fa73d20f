// libFuzzer target for labelkit::annotation::read_jsonl: any byte string gives either a TaskSet
// or a labelkit::error; anything else aborts. An accepted set must survive write_jsonl ->
// read_jsonl unchanged.
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
    set = la::read_jsonl(in);
  } catch (const labelkit::error&) {
    return 0;
  }
  std::stringstream out;
  try {
    la::write_jsonl(out, set);
    if (!(la::read_jsonl(out) == set)) std::abort();
  } catch (const labelkit::error&) {
    std::abort();
  }
  return 0;
}
