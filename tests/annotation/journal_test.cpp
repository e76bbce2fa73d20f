#include "labelkit/annotation/journal.hpp"

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"

#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

namespace la = labelkit::annotation;
namespace ld = labelkit::detail;
namespace fs = std::filesystem;
using Ids = std::vector<Eigen::Index>;
using namespace std::chrono_literals;

namespace {

/// A fresh, empty directory under the system's temporary directory, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("labelkit_journal_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] fs::path snapshot() const { return path / "queue.snapshot"; }
  [[nodiscard]] fs::path journal() const { return path / "queue.journal"; }
};

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

la::QueueOptions options() {
  la::QueueOptions o;
  o.overlap = 2;
  o.lease_timeout = 10s;
  o.gold_rate = 0.3;
  o.seed = 11;
  return o;
}

/// Every kind of journaled mutation: label sets, tasks with payloads, gold (single and multi),
/// predictions, priorities, caps, leases, answers (one late, one duplicate), skips, expiries and
/// an import.
void exercise(la::TaskQueue& queue, la::ManualClock& clock) {
  const int digits = queue.add_label_set(labelkit::LabelSet(
      std::vector<std::string>{"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  const int tags = queue.add_label_set(labelkit::LabelSet(
      std::vector<std::string>{"a", "b", "c"},
      {.type = la::AnnotationType::multi_label, .from_name = "tags", .to_name = "text"}));
  CHECK(queue.add_label_set(labelkit::LabelSet(std::vector<std::string>{"0", "1", "2"},
                                               {.type = la::AnnotationType::single_label,
                                                .from_name = "digit",
                                                .to_name = "image"})) == digits);
  Ids items(12);
  std::iota(items.begin(), items.end(), Eigen::Index{0});
  std::vector<double> priorities(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) priorities[i] = static_cast<double>(i % 5) / 4.0;
  queue.add_tasks(items, digits, priorities);
  queue.add_task(100, tags, nlohmann::json{{"text", "h\u00e9llo"}, {"n", {1, 2.5, nullptr}}}, 0.75);
  queue.add_gold(Ids{200, 201}, digits, std::vector<int>{1, 2});
  const int gold_answer[2] = {0, 2};
  queue.add_gold(202, tags, gold_answer, nlohmann::json{{"text", "gold"}});
  queue.add_prediction(3, {"model-a", 0.9, {2}});
  queue.update_priorities(Ids{4, 5}, std::vector<double>{2.0, 1.5});
  queue.set_annotator_cap(9, 5);
  for (int round = 0; round < 6; ++round) {
    for (const Eigen::Index annotator : {1, 2, 3, 9}) {
      const auto task = queue.next(annotator);
      if (!task) continue;
      clock.advance(1500ms);
      const int label = static_cast<int>(task->item % 3);
      if ((round + annotator) % 7 == 0) {
        queue.skip(annotator, task->item);
      } else if ((round + annotator) % 5 == 0) {
        // left open: expires 10 s later
      } else if (task->label_set->type() == la::AnnotationType::multi_label) {
        const int labels[2] = {0, 1};
        queue.submit(annotator, task->item, labels);
      } else {
        queue.submit(annotator, task->item, label);
        if (round == 2)
          CHECK(queue.submit(annotator, task->item, label) == la::SubmitStatus::duplicate);
      }
    }
    clock.advance(4s);
  }
  // A late answer: lease, let it expire, answer.
  const auto late = queue.next(5);
  REQUIRE(late);
  clock.advance(11s);
  queue.expire_leases();
  const int labels[2] = {1, 2};
  const int one[1] = {1};
  const auto status = late->label_set->type() == la::AnnotationType::multi_label
                          ? queue.submit(5, late->item, labels)
                          : queue.submit(5, late->item, one);
  CHECK(status == la::SubmitStatus::accepted_late);
  // Refused calls change nothing and write nothing.
  CHECK_THROWS_AS(queue.submit(77, 0, 1), la::not_lease_holder);
  la::TaskSet imported;
  imported.label_sets.push_back(labelkit::LabelSet(
      {"0", "1", "2"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  imported.tasks.push_back(
      {300, nlohmann::json{{"x", 1}}, 0, 0.25, std::nullopt, {{40, {1}, 5, 9, false}}, {}});
  queue.import_tasks(imported);
  (void)queue.next(41);  // a new annotator who gets a lease
}

/// Offset of the last record of a journal file.
std::size_t last_record_offset(const std::string& bytes) {
  const auto parsed = ld::parse_journal(bytes, "test", std::size_t{1} << 30);
  REQUIRE(!parsed.records.empty());
  const auto last = parsed.records.back();
  return static_cast<std::size_t>(last.data() - bytes.data()) - ld::journal_frame_bytes;
}

}  // namespace

TEST_CASE("crc32 matches the check value of CRC-32/ISO-HDLC") {
  // The standard check value: CRC of the ASCII digits "123456789" (zlib.crc32(b"123456789")).
  CHECK(ld::crc32("123456789") == 0xCBF43926U);
  CHECK(ld::crc32("") == 0U);
}

TEST_CASE("journal round trip: recover gives the same state as the queue that wrote it") {
  for (const auto durability :
       {la::Durability::each_commit, la::Durability::interval, la::Durability::none}) {
    CAPTURE(static_cast<int>(durability));
    TempDir dir;
    la::ManualClock clock(1'764'315'204'123);
    std::string expected;
    {
      la::TaskQueue queue(options(), clock);
      const auto created = la::recover(queue, dir.snapshot(), dir.journal(), {durability, 5ms});
      CHECK(created.created);
      exercise(queue, clock);
      expected = queue.checkpoint();
      CHECK(la::journal_lsn(queue).value() > 50);
    }
    la::ManualClock other(0);
    la::TaskQueue recovered(la::QueueOptions{}, other);
    const auto result = la::recover(recovered, dir.snapshot(), dir.journal());
    CHECK_FALSE(result.created);
    CHECK(result.snapshot_lsn == 0);
    CHECK(result.replayed == result.lsn);
    CHECK(result.truncated_bytes == 0);
    CHECK(recovered.checkpoint() == expected);
    CHECK(recovered.options().overlap == 2);
    // It keeps journaling from there.
    const auto task = recovered.next(60);
    REQUIRE(task);
    const int label[1] = {0};
    const int tags[1] = {2};
    (void)recovered.submit(60, task->item,
                           task->label_set->type() == la::AnnotationType::multi_label
                               ? std::span<const int>(tags)
                               : std::span<const int>(label));
    expected = recovered.checkpoint();
    la::detach_journal(recovered);
    la::TaskQueue again(la::QueueOptions{}, other);
    CHECK(la::recover(again, dir.snapshot(), dir.journal()).replayed == result.lsn + 2);
    CHECK(again.checkpoint() == expected);
  }
}

TEST_CASE("journal: refused calls and empty polls write nothing; options are checked") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  la::TaskQueue queue(options(), clock);
  CHECK_FALSE(la::journal_lsn(queue).has_value());
  CHECK_THROWS_AS(la::recover(queue, dir.snapshot(), dir.journal(),
                              {la::Durability::interval, std::chrono::milliseconds(0)}),
                  labelkit::invalid_argument);
  (void)la::recover(queue, dir.snapshot(), dir.journal());
  CHECK_THROWS_AS(la::recover(queue, dir.snapshot(), dir.journal()), labelkit::invalid_argument);
  CHECK(la::journal_lsn(queue) == 0U);
  const int set = queue.add_label_set(labelkit::LabelSet(
      std::vector<std::string>{"0", "1"},
      {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
  queue.add_tasks(Ids{0}, set);
  CHECK(la::journal_lsn(queue) == 2U);
  CHECK_THROWS_AS(queue.add_tasks(Ids{0}, set), labelkit::invalid_argument);  // exists
  CHECK_THROWS_AS(queue.submit(1, 0, 1), la::not_lease_holder);
  CHECK_THROWS_AS(queue.skip(1, 0), la::not_lease_holder);
  CHECK(la::journal_lsn(queue) == 2U);
  CHECK(queue.next(1).has_value());  // lease
  CHECK(la::journal_lsn(queue) == 3U);
  CHECK_FALSE(queue.next(1).has_value());  // a known annotator's empty poll: nothing
  CHECK(la::journal_lsn(queue) == 3U);
  CHECK(queue.next(2).has_value());        // overlap 2: the second lease
  CHECK_FALSE(queue.next(3).has_value());  // a new annotator is registered: one record
  CHECK(la::journal_lsn(queue) == 5U);
  CHECK_FALSE(queue.next(3).has_value());
  CHECK(la::journal_lsn(queue) == 5U);
  CHECK(queue.submit(1, 0, 1) == la::SubmitStatus::accepted);
  CHECK(queue.submit(1, 0, 1) == la::SubmitStatus::duplicate);  // counted: journaled
  CHECK(la::journal_lsn(queue) == 7U);
  la::detach_journal(queue);
  CHECK_FALSE(la::journal_lsn(queue).has_value());
  CHECK_THROWS_AS(la::compact_journal(queue), labelkit::invalid_argument);
}

TEST_CASE("journal: a torn last record at every byte offset is dropped and the file truncated") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  std::string before_last, after_last;
  {
    la::TaskQueue queue(options(), clock);
    (void)la::recover(queue, dir.snapshot(), dir.journal());
    exercise(queue, clock);
    before_last = queue.checkpoint();
    queue.add_prediction(1, {"model-b", 0.25, {1}});  // the last record
    after_last = queue.checkpoint();
  }
  const std::string bytes = read_bytes(dir.journal());
  const std::string snapshot = read_bytes(dir.snapshot());
  const std::size_t start = last_record_offset(bytes);
  for (std::size_t cut = start; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    TempDir torn;
    write_bytes(torn.snapshot(), snapshot);
    write_bytes(torn.journal(), bytes.substr(0, cut));
    la::TaskQueue queue(la::QueueOptions{}, clock);
    const auto result = la::recover(queue, torn.snapshot(), torn.journal());
    CHECK(result.truncated_bytes == cut - start);
    CHECK(queue.checkpoint() == before_last);
    CHECK(fs::file_size(torn.journal()) == start);
  }
  // The whole file gives the state after the last record; a tail of zero bytes (a file extended
  // but never written) is torn too; the last record with a flipped payload byte is torn.
  for (const std::string& variant : {bytes, bytes + std::string(40, '\0')}) {
    TempDir whole;
    write_bytes(whole.snapshot(), snapshot);
    write_bytes(whole.journal(), variant);
    la::TaskQueue queue(la::QueueOptions{}, clock);
    CHECK(la::recover(queue, whole.snapshot(), whole.journal()).truncated_bytes ==
          variant.size() - bytes.size());
    CHECK(queue.checkpoint() == after_last);
  }
  std::string flipped = bytes;
  flipped.back() = static_cast<char>(flipped.back() ^ 0x20);
  TempDir flip;
  write_bytes(flip.snapshot(), snapshot);
  write_bytes(flip.journal(), flipped);
  la::TaskQueue queue(la::QueueOptions{}, clock);
  CHECK(la::recover(queue, flip.snapshot(), flip.journal()).truncated_bytes ==
        bytes.size() - start);
  CHECK(queue.checkpoint() == before_last);
}

TEST_CASE("journal: a corrupt record with records after it is a parse_error, never skipped") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  {
    la::TaskQueue queue(options(), clock);
    (void)la::recover(queue, dir.snapshot(), dir.journal());
    exercise(queue, clock);
  }
  const std::string bytes = read_bytes(dir.journal());
  const std::string snapshot = read_bytes(dir.snapshot());
  const auto parsed = ld::parse_journal(bytes, "test", std::size_t{1} << 30);
  REQUIRE(parsed.records.size() > 10);
  const auto offset = [&](std::size_t k) {
    return static_cast<std::size_t>(parsed.records[k].data() - bytes.data());
  };
  // Payload byte, payload checksum, length and length checksum of records in the middle.
  for (const std::size_t at :
       {offset(3), offset(5) - 4, offset(7) - 12, offset(9) - 8, offset(10) + 1}) {
    CAPTURE(at);
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    TempDir broken;
    write_bytes(broken.snapshot(), snapshot);
    write_bytes(broken.journal(), bad);
    la::TaskQueue queue(options(), clock);
    const std::string untouched = queue.checkpoint();
    CHECK_THROWS_AS(la::recover(queue, broken.snapshot(), broken.journal()), labelkit::parse_error);
    CHECK(queue.checkpoint() == untouched);  // the queue is unchanged
    CHECK_FALSE(la::journal_lsn(queue).has_value());
  }
  // A damaged header, or a journal without its snapshot.
  std::string header = bytes;
  header[20] = 1;
  TempDir bad_header;
  write_bytes(bad_header.snapshot(), snapshot);
  write_bytes(bad_header.journal(), header);
  la::TaskQueue queue(options(), clock);
  CHECK_THROWS_AS(la::recover(queue, bad_header.snapshot(), bad_header.journal()),
                  labelkit::parse_error);
  fs::remove(bad_header.snapshot());
  CHECK_THROWS_AS(la::recover(queue, bad_header.snapshot(), bad_header.journal()),
                  labelkit::parse_error);
}

TEST_CASE("journal: a snapshot whose journal is missing or torn in its header starts a new one") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  std::string expected;
  {
    la::TaskQueue queue(options(), clock);
    const int set = queue.add_label_set(labelkit::LabelSet(
        std::vector<std::string>{"0", "1"},
        {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
    queue.add_tasks(Ids{0, 1}, set);
    (void)la::recover(queue, dir.snapshot(), dir.journal());
    expected = queue.checkpoint();
  }
  const std::string header = read_bytes(dir.journal());
  REQUIRE(header.size() == ld::journal_header_bytes);
  for (const std::size_t keep :
       {std::size_t{0}, std::size_t{1}, std::size_t{20}, std::size_t{31}}) {
    CAPTURE(keep);
    if (keep == 0) {
      fs::remove(dir.journal());  // killed between writing the first snapshot and the journal
    } else {
      write_bytes(dir.journal(), header.substr(0, keep));  // killed while writing the header
    }
    la::TaskQueue queue(la::QueueOptions{}, clock);
    const auto result = la::recover(queue, dir.snapshot(), dir.journal());
    CHECK(result.replayed == 0);
    CHECK(queue.checkpoint() == expected);
    CHECK(read_bytes(dir.journal()) == header);
  }
}

TEST_CASE("journal: hostile records with out-of-range values are refused") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  {
    la::TaskQueue queue(options(), clock);
    (void)la::recover(queue, dir.snapshot(), dir.journal());
    const int set = queue.add_label_set(labelkit::LabelSet(
        std::vector<std::string>{"0", "1"},
        {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
    queue.add_tasks(Ids{0, 1}, set);
  }
  const std::string bytes = read_bytes(dir.journal());
  const auto append = [&](const ld::JournalBytes& record) {
    std::string out = bytes;
    ld::frame_journal_record(out, record.bytes());
    TempDir hostile;
    write_bytes(hostile.snapshot(), read_bytes(dir.snapshot()));
    write_bytes(hostile.journal(), out);
    la::TaskQueue queue(options(), clock);
    CHECK_THROWS_AS(la::recover(queue, hostile.snapshot(), hostile.journal()),
                    labelkit::parse_error);
  };
  {
    ld::JournalBytes lease(ld::JournalKind::lease);  // negative annotator
    lease.i64(-5);
    lease.i64(0);
    lease.i64(0);
    append(lease);
  }
  {
    ld::JournalBytes lease(ld::JournalKind::lease);  // time beyond max_time
    lease.i64(1);
    lease.i64(INT64_MAX);
    lease.i64(0);
    append(lease);
  }
  {
    ld::JournalBytes lease(ld::JournalKind::lease);  // replays as another item
    lease.i64(1);
    lease.i64(1'764'315'204'123);
    lease.i64(1);
    append(lease);
  }
  {
    ld::JournalBytes add(ld::JournalKind::add);  // 2^32 - 1 items announced, none present
    add.i32(0);
    add.u8(0);
    add.u32(0xFFFFFFFFU);
    append(add);
  }
  {
    ld::JournalBytes submit(ld::JournalKind::submit);  // a refusal status
    submit.i64(1);
    submit.i64(0);
    submit.i64(0);
    submit.u8(static_cast<std::uint8_t>(la::SubmitStatus::not_lease_holder));
    submit.labels(std::vector<int>{0});
    append(submit);
  }
  {
    ld::JournalBytes cap(ld::JournalKind::annotator_cap);  // trailing bytes
    cap.i64(1);
    cap.i64(3);
    cap.u8(0);
    append(cap);
  }
  append(ld::JournalBytes(static_cast<ld::JournalKind>(99)));  // unknown kind
}

TEST_CASE("journal compaction: new snapshot, short journal, and crash-safe at every step") {
  TempDir dir;
  la::ManualClock clock(1'764'315'204'123);
  std::string expected, old_snapshot, old_journal;
  la::TaskQueue queue(options(), clock);
  (void)la::recover(queue, dir.snapshot(), dir.journal());
  exercise(queue, clock);
  const std::uint64_t records = la::journal_lsn(queue).value();
  const auto long_size = fs::file_size(dir.journal());
  old_snapshot = read_bytes(dir.snapshot());
  old_journal = read_bytes(dir.journal());
  CHECK(la::compact_journal(queue) == records);
  CHECK(fs::file_size(dir.journal()) == ld::journal_header_bytes);
  CHECK(fs::file_size(dir.journal()) < long_size);
  CHECK_FALSE(fs::exists(dir.journal().string() + ".next"));
  // Work after the compaction goes to the new journal.
  const auto task = queue.next(50);
  REQUIRE(task);
  queue.skip(50, task->item);
  expected = queue.checkpoint();
  const std::string new_snapshot = read_bytes(dir.snapshot());
  const std::string new_journal = read_bytes(dir.journal());
  la::detach_journal(queue);

  const auto recover_from = [&](const std::string& snapshot, const std::string& journal,
                                const std::string& next) {
    TempDir crash;
    write_bytes(crash.snapshot(), snapshot);
    if (!journal.empty()) write_bytes(crash.journal(), journal);
    if (!next.empty()) write_bytes(crash.journal().string() + ".next", next);
    la::TaskQueue recovered(la::QueueOptions{}, clock);
    (void)la::recover(recovered, crash.snapshot(), crash.journal());
    CHECK(recovered.checkpoint() == expected);
    CHECK_FALSE(fs::exists(crash.journal().string() + ".next"));
    // And once more from what the recovery left.
    la::detach_journal(recovered);
    la::TaskQueue again(la::QueueOptions{}, clock);
    (void)la::recover(again, crash.snapshot(), crash.journal());
    CHECK(again.checkpoint() == expected);
  };
  SUBCASE("after the compaction") { recover_from(new_snapshot, new_journal, ""); }
  SUBCASE("killed before the snapshot was written") {
    recover_from(old_snapshot, old_journal, new_journal);
  }
  SUBCASE("killed before the new journal was renamed") {
    recover_from(new_snapshot, old_journal, new_journal);
  }
  SUBCASE("a new snapshot without the records before it is refused") {
    TempDir gap;
    write_bytes(gap.snapshot(), old_snapshot);
    write_bytes(gap.journal(), new_journal);
    la::TaskQueue recovered(la::QueueOptions{}, clock);
    CHECK_THROWS_AS(la::recover(recovered, gap.snapshot(), gap.journal()), labelkit::parse_error);
  }
}

TEST_CASE("journal: concurrent submitters with group commit lose nothing") {
  TempDir dir;
  const Eigen::Index n_items = 200;
  std::string expected;
  {
    la::QueueOptions o;
    o.overlap = 4;
    la::TaskQueue queue(o);
    const int set = queue.add_label_set(labelkit::LabelSet(
        std::vector<std::string>{"0", "1", "2"},
        {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
    Ids items(static_cast<std::size_t>(n_items));
    std::iota(items.begin(), items.end(), Eigen::Index{0});
    queue.add_tasks(items, set);
    (void)la::recover(queue, dir.snapshot(), dir.journal(), {la::Durability::each_commit, 100ms});
    std::vector<std::thread> threads;
    std::atomic<int> compactions{0};
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (Eigen::Index k = 0; k < 60; ++k) {
          const Eigen::Index annotator = t * 1000 + k % 3;
          const auto task = queue.next(annotator);
          if (!task) break;
          queue.submit(annotator, task->item, static_cast<int>((task->item + annotator) % 3));
          if (t == 0 && k % 20 == 10) {
            (void)la::compact_journal(queue);
            ++compactions;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(compactions.load() == 3);
    expected = queue.checkpoint();
    CHECK(queue.progress().tasks.accepted == 360);
  }
  la::TaskQueue recovered;
  (void)la::recover(recovered, dir.snapshot(), dir.journal());
  CHECK(recovered.checkpoint() == expected);
  CHECK(recovered.progress().tasks.accepted == 360);
}

TEST_CASE("journal kill test: SIGKILL at random moments loses no acknowledged answer") {
  TempDir dir;
  const Eigen::Index n_items = 1000;
  la::QueueOptions o;
  o.overlap = 1000;  // items stay open for every annotator of every round
  {
    la::TaskQueue queue(o);
    const int set = queue.add_label_set(labelkit::LabelSet(
        std::vector<std::string>{"0", "1", "2"},
        {.type = la::AnnotationType::single_label, .from_name = "digit", .to_name = "image"}));
    Ids items(static_cast<std::size_t>(n_items));
    std::iota(items.begin(), items.end(), Eigen::Index{0});
    queue.add_tasks(items, set);
    CHECK(la::recover(queue, dir.snapshot(), dir.journal()).created);
  }
  labelkit::Random random(20261205);
  std::map<std::pair<Eigen::Index, Eigen::Index>, int> acknowledged;  // (annotator, item) -> label
  constexpr int kills = 32;
  constexpr int threads = 4;
  std::int64_t last_lsn = 0;
  for (int round = 0; round < kills; ++round) {
    CAPTURE(round);
    const auto durability = static_cast<la::Durability>(round % 3);
    int channel[2];
    REQUIRE(::pipe(channel) == 0);
    const ::pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(channel[0]);
      try {
        la::TaskQueue queue(o);
        (void)la::recover(queue, dir.snapshot(), dir.journal(), {durability, 3ms});
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
          workers.emplace_back([&, t] {
            const Eigen::Index annotator = Eigen::Index{round} * 100 + t;
            std::uint64_t k = 0;
            while (const auto task = queue.next(annotator)) {
              const int label = static_cast<int>((task->item * 7 + annotator) % 3);
              queue.submit(annotator, task->item, label);
              // Acknowledged: tell the parent (one write below PIPE_BUF is atomic).
              char line[64];
              const int n = std::snprintf(line, sizeof line, "%lld %lld %d\n",
                                          static_cast<long long>(annotator),
                                          static_cast<long long>(task->item), label);
              if (::write(channel[1], line, static_cast<std::size_t>(n)) != n) ::_exit(4);
              if (t == 0 && ++k % 150 == 0) (void)la::compact_journal(queue);
            }
          });
        }
        for (auto& worker : workers) worker.join();
        ::_exit(0);  // every annotator answered every item: not expected before the kill
      } catch (const std::exception& e) {
        const std::string line = std::string("E ") + e.what() + "\n";
        (void)!::write(channel[1], line.data(), line.size());
        ::_exit(3);
      }
    }
    ::close(channel[1]);
    std::string received;
    const auto read_some = [&](int timeout_ms) {
      pollfd p{channel[0], POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      char buffer[4096];
      const ::ssize_t n = ::read(channel[0], buffer, sizeof buffer);
      if (n <= 0) return false;
      received.append(buffer, static_cast<std::size_t>(n));
      return true;
    };
    // Let it start (recovery included) and answer for a random 5-40 ms.
    const auto begin = std::chrono::steady_clock::now();
    while (received.empty() && std::chrono::steady_clock::now() - begin < 10s) read_some(10);
    const auto delay =
        std::chrono::milliseconds(5 + static_cast<std::int64_t>(random.uniform_index(36)));
    const auto stop = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < stop) read_some(1);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    while (read_some(0)) {
    }
    ::close(channel[0]);
    REQUIRE_MESSAGE(received.find('E') == std::string::npos, received);
    CHECK(WIFSIGNALED(status));
    std::istringstream lines(received);
    long long annotator = 0, item = 0;
    int label = 0;
    int answered = 0;
    while (lines >> annotator >> item >> label) {
      CHECK(acknowledged.emplace(std::make_pair(annotator, item), label).second);
      ++answered;
    }
    CHECK(answered > 0);
    // Recover and check: every acknowledged answer of every round is there exactly once.
    la::TaskQueue queue(o);
    const auto result = la::recover(queue, dir.snapshot(), dir.journal());
    CHECK(static_cast<std::int64_t>(result.lsn) > last_lsn);
    last_lsn = static_cast<std::int64_t>(result.lsn);
    std::map<std::pair<Eigen::Index, Eigen::Index>, int> seen;
    for (const auto& a : queue.annotations()) {
      CHECK(seen.emplace(std::make_pair(a.annotator, a.item), a.label).second);  // at most once
    }
    std::size_t missing = 0, wrong = 0;
    for (const auto& [key, value] : acknowledged) {
      const auto found = seen.find(key);
      if (found == seen.end()) {
        ++missing;
      } else if (found->second != value) {
        ++wrong;
      }
    }
    CHECK(missing == 0);
    CHECK(wrong == 0);
  }
  MESSAGE(acknowledged.size() << " acknowledged answers over " << kills << " kills");
}
