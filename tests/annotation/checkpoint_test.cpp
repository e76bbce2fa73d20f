#include <doctest/doctest.h>

#include <Eigen/Core>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/checkpoint.hpp"
#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"

#if defined(__unix__)
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#endif

namespace la = labelkit::annotation;
namespace fs = std::filesystem;
using Ids = std::vector<Eigen::Index>;
using namespace std::chrono_literals;

namespace {

/// A queue in a state with every kind of slot: answers (one late), leases, a skip, an expiry,
/// gold answers, a per-annotator cap, predictions, duplicates.
void play(la::TaskQueue& queue, la::ManualClock& clock, Eigen::Index n_items, int rounds) {
  const int set = queue.add_label_set(la::LabelSet(
      std::vector<std::string>{"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  Ids items(static_cast<std::size_t>(n_items));
  std::iota(items.begin(), items.end(), Eigen::Index{0});
  std::vector<double> priority(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    priority[i] = static_cast<double>((i * 7919) % 101) / 100.0;
  queue.add_tasks(items, set, priority);
  queue.add_gold(Ids{n_items + 1, n_items + 2, n_items + 3}, set, std::vector<int>{0, 1, 2});
  queue.add_prediction(0, {"model-a", 0.5, {2}});
  queue.set_annotator_cap(9, 100);
  std::vector<std::pair<Eigen::Index, Eigen::Index>> kept;  // (annotator, item) leases left open
  for (int round = 0; round < rounds; ++round) {
    for (const Eigen::Index annotator : {1, 2, 3, 9}) {
      auto task = queue.next(annotator);
      if (!task) continue;
      clock.advance(250ms);
      if ((round + annotator) % 11 == 0) {
        queue.skip(annotator, task->item);
      } else if ((round + annotator) % 13 != 0) {
        queue.submit(annotator, task->item, static_cast<int>(task->item % 3));
        if (round % 17 == 0)
          (void)queue.submit(annotator, task->item, static_cast<int>(task->item % 3));
      } else {
        kept.emplace_back(annotator, task->item);  // the lease stays open (and may expire)
      }
    }
  }
  const auto late = queue.next(7);
  clock.advance(std::chrono::minutes(31));  // every open lease expires
  if (late)
    (void)queue.try_submit(7, late->item,
                           std::vector<int>{static_cast<int>(late->item % 3)});  // late, accepted
  if (auto task = queue.next(4)) queue.submit(4, task->item, 1);
  for (const auto& [annotator, item] : kept) {  // late answers: accepted while there is room
    (void)queue.try_submit(annotator, item, std::vector<int>{static_cast<int>(item % 3)});
  }
  for (const Eigen::Index annotator : {5, 6}) (void)queue.next(annotator);  // active leases
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const labelkit::error& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("labelkit_annotation_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("checkpoint to a stream and back restores the whole state, which then behaves the same") {
  la::ManualClock clock(1'000'000);
  const la::QueueOptions options{.overlap = 2, .lease_timeout = 5s, .gold_rate = 0.2, .seed = 4};
  la::TaskQueue queue(options, clock);
  play(queue, clock, 60, 20);
  const auto progress = queue.progress();
  CHECK(progress.tasks.skipped > 0);
  CHECK(progress.tasks.expired > 0);
  CHECK(progress.tasks.active_leases > 0);
  CHECK(progress.tasks.accepted_late > 0);

  std::stringstream stream;
  queue.save(stream);
  la::ManualClock clock2(clock());
  la::TaskQueue copy({}, clock2);
  copy.restore(stream);
  CHECK(copy.checkpoint() == queue.checkpoint());
  CHECK(copy.options().overlap == 2);
  CHECK(copy.export_tasks() == queue.export_tasks());
  const auto p2 = copy.progress();
  CHECK(p2.tasks.accepted == progress.tasks.accepted);
  CHECK(p2.tasks.expired == progress.tasks.expired);
  CHECK(p2.tasks.active_leases == progress.tasks.active_leases);
  CHECK(p2.tasks.duplicates == progress.tasks.duplicates);
  REQUIRE(p2.annotators.size() == progress.annotators.size());
  for (std::size_t a = 0; a < p2.annotators.size(); ++a) {
    CHECK(p2.annotators[a].submitted == progress.annotators[a].submitted);
    CHECK(p2.annotators[a].assigned == progress.annotators[a].assigned);
    CHECK(p2.annotators[a].total_duration == progress.annotators[a].total_duration);
    CHECK(p2.annotators[a].gold_correct == progress.annotators[a].gold_correct);
  }
  // Both go on identically: same tasks, same gold draws, same lease expiries.
  for (int step = 0; step < 200; ++step) {
    const Eigen::Index annotator = 1 + step % 5;
    auto a = queue.next(annotator);
    auto b = copy.next(annotator);
    REQUIRE(a.has_value() == b.has_value());
    if (a) {
      CHECK(a->item == b->item);
      CHECK(a->lease_deadline == b->lease_deadline);
      if (step % 3) {
        queue.submit(annotator, a->item, 0);
        copy.submit(annotator, b->item, 0);
      }
    }
    clock.advance(700ms);
    clock2.advance(700ms);
  }
  CHECK(copy.checkpoint() == queue.checkpoint());
}

TEST_CASE("bad or truncated checkpoints: a clear error, and nothing half-loaded") {
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 2}, clock);
  play(queue, clock, 30, 10);
  const std::string good = queue.checkpoint();

  la::ManualClock other_clock(0);
  la::TaskQueue target({.overlap = 3}, other_clock);
  play(target, other_clock, 5, 3);
  const std::string before = target.checkpoint();
  const auto restore = [&](const std::string& text) {
    return error_of([&] { target.restore_text(text); });
  };

  for (const std::size_t cut :
       {good.size() - 1, good.size() / 2, good.find('\n') + 1, std::size_t{40}, std::size_t{10}}) {
    const std::string message = restore(good.substr(0, cut));
    CHECK_MESSAGE((message.find("truncated") != std::string::npos ||
                   message.find("not a labelkit annotation checkpoint") != std::string::npos ||
                   message.find("malformed checkpoint header") != std::string::npos),
                  message);
    CHECK(target.checkpoint() == before);
  }
  CHECK(restore(good.substr(0, good.size() - 1)).find("checkpoint is truncated: body has") !=
        std::string::npos);
  CHECK(restore("") == "labelkit: restore(): checkpoint is empty (0 bytes)");
  CHECK(restore("{\"tasks\": []}").find("not a labelkit annotation checkpoint") !=
        std::string::npos);
  CHECK(restore(good + "x").find("1 unexpected bytes after its body") != std::string::npos);
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x20;
  CHECK(restore(flipped) ==
        "labelkit: restore(): checkpoint checksum mismatch (file altered or corrupted)");
  std::string version = good;
  version.replace(version.find(' ') + 1, 1, "7");
  CHECK(restore(version).find("unsupported checkpoint version 7") != std::string::npos);

  // Well framed but inconsistent: the JSON path of the bad value.
  const std::string body(labelkit::detail::unframe_checkpoint(good, "test"));
  auto doc = nlohmann::json::parse(body);
  std::size_t answered = 0;
  while (doc["tasks"][answered]["slots"].empty() ||
         doc["tasks"][answered]["slots"][0]["state"] != "submitted")
    ++answered;
  auto bad = doc;
  bad["tasks"][answered]["slots"][0]["labels"] = nlohmann::json::array({5});
  CHECK(restore(labelkit::detail::frame_checkpoint(bad.dump())) ==
        "labelkit: restore(): at /tasks/" + std::to_string(answered) +
            "/slots/0/labels: label 5 at position 0 is not in label set 'digit' (expected 0 <= "
            "label < 3)");
  bad = doc;
  bad["tasks"][answered]["slots"].push_back(bad["tasks"][answered]["slots"][0]);
  CHECK(restore(labelkit::detail::frame_checkpoint(bad.dump())).find("appears twice on one task") !=
        std::string::npos);
  bad = doc;
  bad["options"]["overlap"] = 0;
  CHECK(restore(labelkit::detail::frame_checkpoint(bad.dump()))
            .find("/options/overlap: expected an integer >= 1") != std::string::npos);
  bad = doc;
  bad["tasks"][1]["item"] = bad["tasks"][0]["item"];
  CHECK(restore(labelkit::detail::frame_checkpoint(bad.dump()))
            .find("/tasks/1/item: item 0 is repeated") != std::string::npos);
  bad = doc;
  bad.erase("annotators");  // the last thing read: still nothing changes
  CHECK(restore(labelkit::detail::frame_checkpoint(bad.dump())) ==
        "labelkit: restore(): at /: missing member 'annotators'");
  CHECK(target.checkpoint() == before);
  // And the good one loads.
  target.restore_text(good);
  CHECK(target.checkpoint() == good);
}

TEST_CASE("checkpoint files: atomic save, load, and errors naming the file") {
  const fs::path dir = scratch_dir("files");
  la::ManualClock clock(0);
  la::TaskQueue queue({.overlap = 2}, clock);
  play(queue, clock, 20, 10);
  const fs::path path = dir / "queue.ckpt";
  la::save_checkpoint(queue, path);
  la::save_checkpoint(queue, path);  // replaces
  CHECK(read_text(path) == queue.checkpoint());
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temporary left behind
  la::TaskQueue loaded({}, la::ManualClock(0));
  la::load_checkpoint(loaded, path);
  CHECK(loaded.checkpoint() == queue.checkpoint());

  CHECK(error_of([&] {
          la::load_checkpoint(loaded, dir / "missing.ckpt");
        }).find("cannot open '") != std::string::npos);
  std::ofstream(dir / "half.ckpt", std::ios::binary) << queue.checkpoint().substr(0, 100);
  const std::string message = error_of([&] { la::load_checkpoint(loaded, dir / "half.ckpt"); });
  CHECK(message.find("load_checkpoint(): '") != std::string::npos);
  CHECK(message.find("half.ckpt") != std::string::npos);
  CHECK(message.find("truncated") != std::string::npos);
  CHECK(loaded.checkpoint() == queue.checkpoint());
  CHECK(error_of([&] {
          la::save_checkpoint(queue, dir / "no" / "such" / "dir.ckpt");
        }).find("creating the temporary file") != std::string::npos);
  fs::remove_all(dir);
}

#if defined(__unix__)
TEST_CASE("a child killed (SIGKILL) mid-save never corrupts the last good checkpoint") {
  const fs::path dir = scratch_dir("kill");
  const fs::path path = dir / "queue.ckpt";
  // Two large states; the child saves them alternately as fast as it can.
  la::ManualClock clock_a(0), clock_b(0);
  la::TaskQueue a({.overlap = 2}, clock_a);
  la::TaskQueue b({.overlap = 2}, clock_b);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr Eigen::Index n_items = 10000;
#else
  constexpr Eigen::Index n_items = 30000;
#endif
  play(a, clock_a, n_items, 200);
  play(b, clock_b, n_items, 300);
  const std::string state_a = a.checkpoint();
  const std::string state_b = b.checkpoint();
  REQUIRE(state_a != state_b);
  la::save_checkpoint(a, path);

  labelkit::Random random(2024);
  // Kill until three kills have provably landed inside a save (a temporary file is left behind;
  // kills during the directory fsync after the rename leave none), at most 40 times.
  int killed_mid_write = 0;
  int kills = 0;
  for (; kills < 40 && killed_mid_write < 3; ++kills) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // save_checkpoint(queue, path) is write_file_atomically(path, queue.checkpoint(), ...);
      // the snapshots are taken once so that the child spends its time writing.
      for (int i = 0; i < 100000; ++i)
        labelkit::detail::write_file_atomically(path, i % 2 ? state_a : state_b, "save_checkpoint");
      ::_exit(0);
    }
    ::usleep(static_cast<useconds_t>(20000 + random.uniform_index(120000)));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    // The checkpoint loads and is one of the two good states.
    const std::string bytes = read_text(path);
    CHECK((bytes == state_a || bytes == state_b));
    la::TaskQueue loaded({}, la::ManualClock(0));
    la::load_checkpoint(loaded, path);
    CHECK(loaded.checkpoint() == bytes);
    // A temporary file left behind means the kill landed inside a save.
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path() != path) {
        ++killed_mid_write;
        fs::remove(entry.path());
      }
    }
  }
  MESSAGE("kill test: " << killed_mid_write << " of " << kills << " kills landed inside a save ("
                        << state_a.size() / 1024 << " KiB checkpoints)");
  CHECK(killed_mid_write > 0);
  fs::remove_all(dir);
}
#endif
