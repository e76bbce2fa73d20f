// libFuzzer target for labelkit::annotation::read_label_studio: any byte string gives either a
// TaskSet or a labelkit::error; anything else aborts. An accepted set must write back with
// write_label_studio, and that export must read back and write byte-identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace la = labelkit::annotation;
  static const la::LabelSet single(
      {"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"});
  static const la::LabelSet multi(
      {"a", "b", "Ünï"},
      {.type = la::AnnotationType::multi_label, .from_name = "topics", .to_name = "text"});
  if (size == 0) return 0;
  const la::LabelSet& label_set = data[0] % 2 == 0 ? single : multi;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  la::TaskSet set;
  try {
    set = la::read_label_studio(in, label_set);
  } catch (const labelkit::error&) {
    return 0;
  }
  try {
    std::stringstream first;
    la::write_label_studio(first, set);
    const std::string text = first.str();
    std::stringstream second;
    la::write_label_studio(second, la::read_label_studio(first, label_set));
    if (second.str() != text) std::abort();
  } catch (const labelkit::error&) {
    std::abort();
  }
  return 0;
}
