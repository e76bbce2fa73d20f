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
#include <vector>

#include "labelkit/annotation/json_format.hpp"
#include "labelkit/annotation/label_studio_queue.hpp"
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
        switch (task->kind) {
          case la::AnswerKind::classes:
            (void)queue.try_submit(annotator, task->item, labels, &message);
            break;
          case la::AnswerKind::pairwise:
            (void)queue.try_submit(annotator, task->item, labelkit::Winner::left, &message);
            break;
          case la::AnswerKind::spans:
            (void)queue.try_submit(annotator, task->item, std::vector<la::SpanRegion>{{0, 1, 0}},
                                   &message);
            break;
          case la::AnswerKind::boxes:
            (void)queue.try_submit(annotator, task->item,
                                   std::vector<la::BoxRegion>{{0, 0, 1, 1, 0}}, &message);
            break;
        }
      }
    }
    (void)queue.progress();
    bool classes_only = true;
    for (int set = 0; set < queue.label_set_count(); ++set) {
      const auto kind = queue.answer_kind(set);
      classes_only = classes_only && kind == la::AnswerKind::classes;
      if (kind == la::AnswerKind::pairwise) {
        (void)queue.comparisons(set);
        (void)la::export_pairwise_tasks(queue, set);
      } else if (kind != la::AnswerKind::classes) {
        std::stringstream regions;
        la::write_label_studio_regions(regions, la::export_region_tasks(queue, set),
                                       *queue.label_set(set));
        (void)la::read_label_studio_regions(regions, *queue.label_set(set));
      }
    }
    if (classes_only) {
      std::stringstream out;
      la::write_json(out, queue.export_tasks());
      (void)la::read_json(out);
    }
    la::TaskQueue again({}, clock);
    again.restore_text(queue.checkpoint());
  } catch (const labelkit::error&) {
    std::abort();  // a restored queue must keep working and save what it restored
  }
  return 0;
}
