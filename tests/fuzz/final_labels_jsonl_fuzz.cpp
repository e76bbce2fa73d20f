// libFuzzer target for labelkit::pipeline::read_jsonl, with the round-trip property of
// final_labels_fuzz.hpp (write_jsonl -> read_jsonl gives back what was read, bit for bit).
#include <cstddef>
#include <cstdint>

#include "final_labels_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace lp = labelkit::pipeline;
  return final_labels_fuzz::run(
      data, size,
      [](auto& in, const labelkit::LabelSet& set, labelkit::IdNames* names) {
        return lp::read_jsonl(in, set, names);
      },
      [](auto& out, const lp::FinalLabels& labels, const labelkit::IdNames* names) {
        lp::write_jsonl(out, labels, names);
      });
}
