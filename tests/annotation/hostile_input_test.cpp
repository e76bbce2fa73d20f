// Hostile input to the annotation area's readers and to the task queue: each case is an input
// that crashed the process, escaped as a non-labelkit exception, overflowed or was accepted into
// a wrong state. Every reader and the queue must give a labelkit::error or a valid result.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/checkpoint.hpp"
#include "labelkit/annotation/json_format.hpp"
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

#if defined(__unix__)
#include <unistd.h>
#endif

namespace la = labelkit::annotation;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// 70,000 nested arrays: 140 KB of brackets, the depth that overflowed the stack.
std::string deep_array(std::size_t depth = 70'000) {
  return std::string(depth, '[') + std::string(depth, ']');
}

la::LabelSet digits() {
  return la::LabelSet(
      {"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"});
}

/// What a call threw: "labelkit" for a labelkit::error (with its message), "none", or "foreign"
/// for any other exception (which the tests then report as the failure it is).
template <class F>
std::string outcome(F&& f) {
  try {
    f();
  } catch (const labelkit::error& e) {
    return std::string("labelkit: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("foreign: ") + e.what();
  }
  return "none";
}

bool is_labelkit(const std::string& what) { return what.rfind("labelkit: ", 0) == 0; }

/// One task of labelkit's JSON format around `data` (raw JSON text).
std::string json_document(const std::string& data) {
  return R"({"format":"labelkit.annotation.tasks","version":1,"label_sets":[{"name":"digit","type":"single_label","classes":["0","1","2"],"to_name":"image"}],"tasks":[{"item":1,"data":)" +
         data + R"(,"label_set":"digit","priority":0,"annotations":[],"predictions":[]}]})";
}

std::string jsonl_document(const std::string& data) {
  return R"({"format":"labelkit.annotation.tasks.jsonl","version":1,"label_sets":[{"name":"digit","type":"single_label","classes":["0","1","2"],"to_name":"image"}]})"
         "\n"
         R"({"item":1,"data":)" +
         data + R"(,"label_set":"digit","priority":0,"annotations":[],"predictions":[]})" + "\n";
}

/// A valid checkpoint body of a one-task queue, with `data` (raw JSON text) as the payload and
/// `overlap` (raw JSON text) as the option.
std::string checkpoint_body(const std::string& data, const std::string& overlap = "1") {
  return R"({"format":"labelkit.annotation.checkpoint","options":{"overlap":)" + overlap +
         R"(,"lease_timeout_ms":1800000,"late_submissions":"accept","duplicate_submissions":"idempotent","gold_rate":0.0,"seed":0,"max_tasks_per_annotator":0,"max_active_per_annotator":0},"label_sets":[{"name":"digit","type":"single_label","classes":["0","1","2"],"to_name":"image"}],"tasks":[{"item":1,"data":)" +
         data +
         R"(,"label_set":0,"priority":0,"predictions":[],"slots":[]}],"annotators":[],"duplicates":0})";
}

}  // namespace

// ---- Deep nesting: refused before any recursive copy, dump or comparison ------------------------

TEST_CASE("hostile: JSON nested 70,000 deep is refused by every reader, not a stack overflow") {
  const std::string deep = deep_array();
  {
    std::istringstream in(R"([{"id":1,"data":{"x":)" + deep + "}}]");
    const auto what = outcome([&] { (void)la::read_label_studio(in, digits()); });
    CHECK(is_labelkit(what));
    CHECK(what.find("JsonLimits::max_depth") != std::string::npos);
  }
  {
    std::istringstream in(json_document(deep));
    const auto what = outcome([&] { (void)la::read_json(in); });
    CHECK(is_labelkit(what));
    CHECK(what.find("JsonLimits::max_depth") != std::string::npos);
  }
  {
    std::istringstream in(jsonl_document(deep));
    const auto what = outcome([&] { (void)la::read_jsonl(in); });
    CHECK(is_labelkit(what));
    CHECK(what.find("line 2") != std::string::npos);
  }
  {
    la::TaskQueue queue;
    const auto text = labelkit::detail::frame_checkpoint(checkpoint_body(deep));
    const auto what = outcome([&] { queue.restore_text(text); });
    CHECK(is_labelkit(what));
    CHECK(what.find("JsonLimits::max_depth") != std::string::npos);
    CHECK(queue.size() == 0);
  }
}

TEST_CASE(
    "hostile: a 70,000-deep payload is refused at add_task, so next() and checkpoint() live") {
  const nlohmann::json deep = nlohmann::json::parse(deep_array());  // nlohmann parses iteratively
  la::TaskQueue queue;
  const int set = queue.add_label_set(digits());
  const auto what = outcome([&] { queue.add_task(1, set, deep); });
  CHECK(is_labelkit(what));
  CHECK(what.find("task 1's payload") != std::string::npos);
  CHECK(outcome([&] { queue.add_gold(2, set, std::vector<int>{1}, deep); }) != "none");
  CHECK(queue.size() == 0);
  queue.add_task(3, set, nlohmann::json{{"ok", true}});
  const auto task = queue.next(0);
  REQUIRE(task.has_value());
  CHECK(task->item == 3);
  CHECK_FALSE(queue.checkpoint().empty());

  la::TaskSet imported{{digits()}, {la::TaskRecord{4, nullptr, 0, 0.0, {}, {}, {}}}};
  imported.tasks[0].data = nlohmann::json::parse(deep_array());  // moved in: a copy would recurse
  CHECK(is_labelkit(outcome([&] { queue.import_tasks(imported); })));
  CHECK(queue.size() == 1);
}

TEST_CASE("hostile: the depth limit is an option of every reader and of the queue") {
  const std::string six = "[[[[[[1]]]]]]";
  const labelkit::JsonLimits tight{.max_depth = 4, .max_bytes = 1 << 20};
  {
    std::istringstream in(json_document(six));
    CHECK_NOTHROW((void)la::read_json(in));  // default limits
    std::istringstream again(json_document(six));
    CHECK_THROWS_AS((void)la::read_json(again, tight), labelkit::parse_error);
  }
  {
    std::istringstream in(jsonl_document(six));
    CHECK_THROWS_AS((void)la::read_jsonl(in, tight), labelkit::parse_error);
  }
  {
    std::istringstream in(R"([{"id":1,"data":{"x":)" + six + "}}]");
    CHECK_THROWS_AS((void)la::read_label_studio(in, digits(), tight), labelkit::parse_error);
  }
  {
    std::istringstream in(R"([{"id":1,"data":{"x":1}}])");
    const labelkit::JsonLimits small{.max_depth = 64, .max_bytes = 8};
    CHECK_THROWS_AS((void)la::read_label_studio(in, digits(), small), labelkit::parse_error);
  }
  la::QueueOptions options;
  options.json_limits = tight;
  la::TaskQueue queue(options);
  const int set = queue.add_label_set(digits());
  CHECK_THROWS_AS(queue.add_task(1, set, nlohmann::json::parse(six)), labelkit::invalid_argument);
  queue.add_task(1, set, nlohmann::json::parse("[[[1]]]"));  // depth 3 <= 4
  // A payload at the limit fits in every envelope: the checkpoint and the exports re-import.
  la::TaskQueue copy(options);
  copy.restore_text(queue.checkpoint());
  CHECK(copy.checkpoint() == queue.checkpoint());
  std::stringstream json, jsonl, studio;
  la::write_json(json, queue.export_tasks());
  la::write_jsonl(jsonl, queue.export_tasks());
  la::write_label_studio(studio, queue.export_tasks());
  CHECK(la::read_json(json, tight) == queue.export_tasks());
  CHECK(la::read_jsonl(jsonl, tight) == queue.export_tasks());
  CHECK(la::read_label_studio(studio, digits(), tight).tasks.size() == 1);
}

// ---- Numbers that overflow a double -------------------------------------------------------------

TEST_CASE(
    "hostile: 1e400 is a labelkit::parse_error in every reader, never nlohmann's out_of_range") {
  {
    std::istringstream in(R"([{"id":1,"data":{"x":1e400}}])");
    const auto what = outcome([&] { (void)la::read_label_studio(in, digits()); });
    CHECK(is_labelkit(what));
    CHECK_THROWS_AS(
        (void)la::read_label_studio(
            *std::make_unique<std::istringstream>(R"([{"id":1e400,"data":{}}])"), digits()),
        labelkit::parse_error);
  }
  {
    std::istringstream in(json_document("1e400"));
    CHECK(is_labelkit(outcome([&] { (void)la::read_json(in); })));
  }
  {
    std::istringstream in(jsonl_document("1e400"));
    CHECK(is_labelkit(outcome([&] { (void)la::read_jsonl(in); })));
  }
  {
    la::TaskQueue queue;
    const auto text = labelkit::detail::frame_checkpoint(checkpoint_body("1e400"));
    CHECK(is_labelkit(outcome([&] { queue.restore_text(text); })));
    CHECK_THROWS_AS(queue.restore_text(text), labelkit::parse_error);
  }
}

// ---- Files that are not files -------------------------------------------------------------------

TEST_CASE(
    "hostile: load_checkpoint on a directory is a labelkit::error, not std::ios_base::failure") {
  const fs::path dir =
      fs::temp_directory_path() / ("labelkit_hostile_dir_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  la::TaskQueue queue;
  const auto what = outcome([&] { la::load_checkpoint(queue, dir); });
  CHECK(is_labelkit(what));
  CHECK(what.find(dir.string()) != std::string::npos);
  CHECK(is_labelkit(outcome([&] { la::load_checkpoint(queue, dir / "missing"); })));
  // A stream on a directory fails in reading: the stream readers give labelkit errors too.
  std::ifstream on_dir(dir, std::ios::binary);
  CHECK(is_labelkit(outcome([&] { queue.restore(on_dir); })));
  std::ifstream on_dir2(dir, std::ios::binary);
  CHECK(is_labelkit(outcome([&] { (void)la::read_json(on_dir2); })));
  std::ifstream on_dir3(dir, std::ios::binary);
  CHECK(is_labelkit(outcome([&] { (void)la::read_jsonl(on_dir3); })));
  std::ifstream on_dir4(dir, std::ios::binary);
  CHECK(is_labelkit(outcome([&] { (void)la::read_label_studio(on_dir4, digits()); })));
  fs::remove_all(dir);
}

// ---- Invalid UTF-8 is refused on entry ----------------------------------------------------------

TEST_CASE("hostile: invalid UTF-8 in a payload or a class name is refused on entry") {
  la::TaskQueue queue;
  const auto bad_class = outcome([&] {
    (void)queue.add_label_set(la::LabelSet(
        std::vector<std::string>{"0", "\xc3\x28"},
        {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  });
  CHECK(is_labelkit(bad_class));
  CHECK(bad_class.find("UTF-8") != std::string::npos);
  CHECK(is_labelkit(outcome([&] {
    (void)queue.add_label_set(la::LabelSet(
        std::vector<std::string>{"0"},
        {.type = la::AnnotationType::single_label, .from_name = "\xff", .to_name = "image"}));
  })));
  CHECK(is_labelkit(outcome([&] {
    (void)queue.add_label_set(la::LabelSet(
        std::vector<std::string>{"0"},
        {.type = la::AnnotationType::single_label, .from_name = "d", .to_name = "\xfe"}));
  })));
  const int set = queue.add_label_set(digits());
  const auto bad_payload = outcome([&] {
    queue.add_task(1, set, nlohmann::json{{"text", "caf\xe9"}});
  });
  CHECK(is_labelkit(bad_payload));
  CHECK(bad_payload.find("UTF-8") != std::string::npos);
  CHECK(is_labelkit(outcome([&] { queue.add_task(1, set, std::string("\xff")); })));
  CHECK(is_labelkit(outcome([&] { queue.add_task(1, set, nlohmann::json{{"k\xff", 1}}); })));
  queue.add_task(2, set, nlohmann::json{{"text", "café"}});
  CHECK(is_labelkit(outcome([&] { queue.add_prediction(2, {"model\xff", 0.5, {1}}); })));
  la::TaskSet poisoned{{digits()}, {la::TaskRecord{3, nlohmann::json("\xff"), 0, 0.0, {}, {}, {}}}};
  CHECK(is_labelkit(outcome([&] { queue.import_tasks(poisoned); })));
  // Nothing poisoned got in: the checkpoint and every export still work.
  CHECK(queue.size() == 1);
  CHECK_NOTHROW((void)queue.checkpoint());
  std::stringstream out;
  CHECK_NOTHROW(la::write_json(out, queue.export_tasks()));
  CHECK_NOTHROW(la::write_label_studio(out, queue.export_tasks()));
  // A TaskSet built by hand with a bad string: the writers refuse it with a labelkit error.
  CHECK(is_labelkit(outcome([&] { la::write_json(out, poisoned); })));
  CHECK(is_labelkit(outcome([&] { la::write_jsonl(out, poisoned); })));
  CHECK(is_labelkit(outcome([&] { la::write_label_studio(out, poisoned); })));
}

// ---- Lease arithmetic saturates -----------------------------------------------------------------

TEST_CASE("hostile: lease_timeout = milliseconds::max() does not overflow; the lease holds") {
  la::ManualClock clock(1'764'315'204'123);
  la::TaskQueue queue({.overlap = 1, .lease_timeout = std::chrono::milliseconds::max()}, clock);
  const int set = queue.add_label_set(digits());
  queue.add_task(1, set);
  const auto task = queue.next(0);
  REQUIRE(task.has_value());
  CHECK(task->lease_deadline == std::numeric_limits<la::Millis>::max());
  CHECK_FALSE(queue.next(1).has_value());  // not served again: the lease did not expire
  clock.advance(std::chrono::hours(24 * 365 * 100));
  CHECK_FALSE(queue.next(2).has_value());
  CHECK(queue.submit(0, 1, 2) == la::SubmitStatus::accepted);
  CHECK(queue.progress().tasks.expired == 0);
}

TEST_CASE("hostile: a clock near INT64_MAX does not overflow the deadline; the lease holds") {
  la::ManualClock clock(std::numeric_limits<la::Millis>::max() - 1000);
  la::TaskQueue queue({.overlap = 1, .lease_timeout = 30min}, clock);
  const int set = queue.add_label_set(digits());
  queue.add_task(1, set);
  const auto task = queue.next(0);
  REQUIRE(task.has_value());
  // The queue clamps its clock's readings to the year 9999 (la::max_time); the deadline is
  // 30 minutes after that, not a wrapped time in the past.
  CHECK(task->lease_deadline == la::max_time + 30 * 60 * 1000);
  CHECK_FALSE(queue.next(1).has_value());
  CHECK(queue.submit(0, 1, 1) == la::SubmitStatus::accepted);
  const auto progress = queue.progress();
  CHECK(progress.tasks.expired == 0);
  CHECK(progress.annotators[0].mean_duration_ms() >= 0.0);
  CHECK(progress.annotators[0].throughput_per_hour() >= 0.0);
  // The queue's own exports of that state re-import.
  std::stringstream studio;
  la::write_label_studio(studio, queue.export_tasks());
  CHECK(la::read_label_studio(studio, digits()).tasks.at(0).annotations.size() == 1);
  la::TaskQueue copy;
  copy.restore_text(queue.checkpoint());
  CHECK(copy.checkpoint() == queue.checkpoint());
}

// ---- Integers from a file are range-checked into their real type --------------------------------

TEST_CASE("hostile: a checkpoint with overlap 4294967296 is refused, not read as 0") {
  la::TaskQueue queue;
  const auto text = labelkit::detail::frame_checkpoint(checkpoint_body("null", "4294967296"));
  const auto what = outcome([&] { queue.restore_text(text); });
  CHECK(is_labelkit(what));
  CHECK(what.find("/options/overlap") != std::string::npos);
  CHECK(queue.size() == 0);
  CHECK(queue.options().overlap == 1);
  // The same body with overlap 1 restores: only the range made the difference.
  queue.restore_text(labelkit::detail::frame_checkpoint(checkpoint_body("null", "1")));
  CHECK(queue.size() == 1);
  CHECK_FALSE(queue.finished());
  // Other integers out of their types' ranges.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"("label_set":0)", R"("label_set":4294967296)"},
           {R"("seed":0)", R"("seed":-1)"},
           {R"("duplicates":0)", R"("duplicates":18446744073709551615)"},
           {R"("lease_timeout_ms":1800000)", R"("lease_timeout_ms":-1)"},
           {R"("max_active_per_annotator":0)",
            R"("max_active_per_annotator":9223372036854775808)"}}) {
    std::string body = checkpoint_body("null");
    body.replace(body.find(from), from.size(), to);
    la::TaskQueue other;
    CHECK_THROWS_AS(other.restore_text(labelkit::detail::frame_checkpoint(body)),
                    labelkit::parse_error);
  }
}

// ---- Times from Label Studio and from the queue's own exports -----------------------------------

TEST_CASE("hostile: Label Studio lead_time 1e16 is refused without overflow") {
  std::istringstream in(
      R"([{"id":1,"data":{},"annotations":[{"completed_by":1,"created_at":"2026-01-01T00:00:00Z","lead_time":1e16,)"
      R"("result":[{"from_name":"digit","to_name":"image","type":"choices","value":{"choices":["1"]}}]}]}])");
  const auto what = outcome([&] { (void)la::read_label_studio(in, digits()); });
  CHECK(is_labelkit(what));
  CHECK(what.find("lead_time") != std::string::npos);
}

TEST_CASE(
    "hostile: started_at INT64_MIN is refused on entry; any accepted queue's export re-imports") {
  la::AnnotationRecord record{
      1, {1}, std::numeric_limits<la::Millis>::min(), 1'764'315'204'123, false};
  la::TaskSet set{{digits()}, {la::TaskRecord{1, nullptr, 0, 0.0, {}, {record}, {}}}};
  la::TaskQueue queue;
  CHECK(is_labelkit(outcome([&] { queue.import_tasks(set); })));
  std::ostringstream out;
  la::write_json(out, set);
  std::istringstream in(out.str());
  CHECK(is_labelkit(outcome([&] { (void)la::read_json(in); })));
  CHECK(is_labelkit(outcome([&] { la::write_label_studio(out, set); })));

  // A clock at INT64_MIN: the queue clamps its readings to the years 0000-9999, and its Label
  // Studio export reads back.
  la::ManualClock clock(std::numeric_limits<la::Millis>::min());
  la::TaskQueue early({.overlap = 1, .lease_timeout = 30min}, clock);
  const int digit = early.add_label_set(digits());
  early.add_task(1, digit);
  REQUIRE(early.next(0).has_value());
  clock.set(1'764'315'204'123);
  CHECK(early.submit(0, 1, 1) == la::SubmitStatus::accepted_late);
  std::stringstream studio;
  la::write_label_studio(studio, early.export_tasks());
  const auto back = la::read_label_studio(studio, digits());
  CHECK(back.tasks.at(0).annotations.at(0).started_at == la::min_time);
  CHECK(back.tasks.at(0).annotations.at(0).submitted_at == 1'764'315'204'123);
  std::stringstream json;
  la::write_json(json, early.export_tasks());
  CHECK(la::read_json(json) == early.export_tasks());
}

TEST_CASE("hostile: impossible dates (2026-02-31) are refused, not shifted") {
  la::Millis out = 0;
  CHECK_FALSE(labelkit::detail::parse_iso8601("2026-02-31T00:00:00Z", out));
  CHECK_FALSE(labelkit::detail::parse_iso8601("2026-02-29T00:00:00Z", out));  // not a leap year
  CHECK(labelkit::detail::parse_iso8601("2024-02-29T00:00:00Z", out));        // a leap year
  CHECK(out == 1709164800000);  // python3: datetime(2024,2,29,tzinfo=timezone.utc).timestamp()*1000
  CHECK_FALSE(labelkit::detail::parse_iso8601("2026-04-31T00:00:00Z", out));
  CHECK_FALSE(labelkit::detail::parse_iso8601("2026-01-01T00:00:60Z", out));
  CHECK_FALSE(labelkit::detail::parse_iso8601("2026-01-01T00:00:00+24:00", out));
  CHECK_FALSE(labelkit::detail::parse_iso8601("0000-01-01T00:00:00+01:00", out));  // before year 0
  std::istringstream in(
      R"([{"id":1,"data":{},"annotations":[{"completed_by":1,"created_at":"2026-02-31T10:00:00Z",)"
      R"("result":[{"from_name":"digit","to_name":"image","type":"choices","value":{"choices":["1"]}}]}]}])");
  const auto what = outcome([&] { (void)la::read_label_studio(in, digits()); });
  CHECK(is_labelkit(what));
  CHECK(what.find("created_at") != std::string::npos);
}

// ---- Other arithmetic on values from outside ----------------------------------------------------

TEST_CASE("hostile: counts and sizes from outside are checked") {
  la::TaskQueue queue;
  CHECK(is_labelkit(outcome([&] { queue.reserve(std::numeric_limits<Eigen::Index>::max()); })));
  // A count at the top of its range in a checkpoint is refused (incrementing it would overflow).
  std::string body = checkpoint_body("null");
  const std::string from = R"("duplicates":0)";
  body.replace(body.find(from), from.size(), R"("duplicates":9223372036854775807)");
  CHECK_THROWS_AS(queue.restore_text(labelkit::detail::frame_checkpoint(body)),
                  labelkit::parse_error);
}
