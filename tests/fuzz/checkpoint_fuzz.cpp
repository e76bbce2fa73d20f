// libFuzzer target for restoring a labelkit::annotation::TaskQueue from a checkpoint. The input
// is a checkpoint body, framed here with its size and checksum so that the fuzzer reaches the
// JSON decoder (the first byte selects: odd = the input is used as the framed text itself). Any
// input gives either a restored queue or a labelkit::error; anything else aborts. A restored
// queue must then work: hand out and take answers, report progress, and checkpoint and export
// to something that restores and reads back.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "labelkit/annotation/json_format.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace la = labelkit::annotation;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string text = data[0] % 2 == 1
                               ? std::string(input)
                               : labelkit::detail::frame_checkpoint(std::string(input));
  la::ManualClock clock(1'764'315'204'123);
  la::TaskQueue queue({}, clock);
  try {
    queue.restore_text(text);
  } catch (const labelkit::error&) {
    return 0;
  }
  try {
    const std::string saved = queue.checkpoint();
    la::TaskQueue copy({}, clock);
    copy.restore_text(saved);
    if (copy.checkpoint() != saved) std::abort();
    for (Eigen::Index annotator = 0; annotator < 3; ++annotator) {
      clock.advance(std::chrono::minutes(7 * annotator));
      if (auto task = queue.next(annotator)) {
        const int labels[1] = {0};
        std::string message;
        (void)queue.try_submit(annotator, task->item, labels, &message);
      }
    }
    (void)queue.progress();
    std::stringstream out;
    la::write_json(out, queue.export_tasks());
    (void)la::read_json(out);
    la::TaskQueue again({}, clock);
    again.restore_text(queue.checkpoint());
  } catch (const labelkit::error&) {
    std::abort();  // a restored queue must keep working and save what it restored
  }
  return 0;
}
