// libFuzzer target for replaying a labelkit::annotation::TaskQueue journal (journal.hpp). The
// first byte selects the mode: odd = the rest is a whole journal file (header, frames, torn tail);
// even = the rest is a sequence of record payloads, each preceded by a 2-byte little-endian
// length, which the harness frames with valid checksums behind a valid header so that the fuzzer
// reaches the record decoder and the replay. The records are replayed onto a small queue (two
// label sets, tasks, gold). Any input gives either a replayed queue or a labelkit::error; anything
// else aborts. A replayed queue must then checkpoint to something that restores to the same
// checkpoint.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "labelkit/annotation/journal.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace la = labelkit::annotation;
  namespace ld = labelkit::detail;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string file;
  if (data[0] % 2 == 1) {
    file = std::string(input);
  } else {
    file = ld::journal_header(0);
    std::size_t pos = 0;
    while (pos + 2 <= input.size()) {
      const std::size_t length =
          static_cast<unsigned char>(input[pos]) |
          (static_cast<std::size_t>(static_cast<unsigned char>(input[pos + 1])) << 8);
      pos += 2;
      const std::string_view payload = input.substr(pos, length);
      pos += payload.size();
      if (!payload.empty()) ld::frame_journal_record(file, payload);
    }
  }
  la::ManualClock clock(1'764'315'204'123);
  la::QueueOptions options;
  options.overlap = 2;
  options.gold_rate = 0.5;
  options.lease_timeout = std::chrono::seconds(10);
  options.json_limits.max_depth = 16;
  options.json_limits.max_bytes = std::size_t{1} << 16;
  la::TaskQueue queue(options, clock);
  const int digits = queue.add_label_set(labelkit::LabelSet(
      std::vector<std::string>{"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  const int tags = queue.add_label_set(labelkit::LabelSet(
      std::vector<std::string>{"a", "b"},
      {.type = la::AnnotationType::multi_label, .from_name = "tags", .to_name = "text"}));
  const Eigen::Index items[4] = {0, 1, 2, 3};
  queue.add_tasks(items, digits);
  queue.add_task(4, tags, nlohmann::json{{"text", "x"}});
  queue.add_gold(std::vector<Eigen::Index>{5}, digits, std::vector<int>{1});
  try {
    const auto parsed =
        ld::parse_journal(file, "fuzz", ld::journal_max_record(options.json_limits));
    std::uint64_t replayed = 0;
    (void)ld::replay_journal_records(queue, clock, parsed, parsed.base, options.json_limits, "fuzz",
                                     "journal", &replayed);
  } catch (const labelkit::error&) {
    // Refused, possibly after some records were applied: the queue must still be consistent.
  }
  try {
    const std::string saved = queue.checkpoint();
    la::TaskQueue copy(options, clock);
    copy.restore_text(saved);
    if (copy.checkpoint() != saved) std::abort();
    (void)queue.progress();
  } catch (const labelkit::error&) {
    std::abort();  // a replayed queue must save what it holds
  }
  return 0;
}
