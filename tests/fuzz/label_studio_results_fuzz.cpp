// libFuzzer target for the Label Studio readers of non-classification results: regions
// (`labels` spans and `rectanglelabels` boxes), Pairwise and Ranker. The first byte selects the
// reader (byte % 3: regions, Pairwise, Ranker; for Ranker, byte / 3 odd selects bucket mode with
// the buckets "relevant" and "irrelevant"); the rest is the document. Any input gives either tasks
// or a labelkit::error; anything else aborts. Accepted tasks must write back, and that export must
// read back and write byte-identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "labelkit/annotation/label_studio_pairwise.hpp"
#include "labelkit/annotation/label_studio_ranker.hpp"
#include "labelkit/annotation/label_studio_regions.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"

namespace {

namespace la = labelkit::annotation;

// Reads `text` with `read`, then checks write(read(write(tasks))) == write(tasks).
template <class Read, class Write>
void round_trip(const std::string& text, Read&& read, Write&& write) {
  std::istringstream in(text);
  decltype(read(in)) tasks;
  try {
    tasks = read(in);
  } catch (const labelkit::error&) {
    return;
  }
  try {
    std::stringstream first;
    write(first, tasks);
    const std::string exported = first.str();
    std::stringstream second;
    write(second, read(first));
    if (second.str() != exported) std::abort();
  } catch (const labelkit::error&) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const la::LabelSet entities(
      {"PER", "LOC", "ORG"},
      {.type = la::AnnotationType::single_label, .from_name = "label", .to_name = "text"});
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
      round_trip(
          text, [](std::istream& in) { return la::read_label_studio_regions(in, entities); },
          [](std::ostream& out, const auto& tasks) {
            la::write_label_studio_regions(out, tasks, entities);
          });
      break;
    case 1:
      round_trip(
          text, [](std::istream& in) { return la::read_label_studio_pairwise(in); },
          [](std::ostream& out, const auto& tasks) {
            la::write_label_studio_pairwise(out, tasks);
          });
      break;
    default: {
      la::RankerFormat format;
      if ((data[0] / 3) % 2 == 1) format.buckets = {"relevant", "irrelevant"};
      labelkit::IdNames names;
      round_trip(
          text, [&](std::istream& in) { return la::read_label_studio_ranker(in, names, format); },
          [&](std::ostream& out, const auto& tasks) {
            la::write_label_studio_ranker(out, tasks, names, format);
          });
      break;
    }
  }
  return 0;
}
