#pragma once
/// @file
/// An append-only journal (write-ahead log) for labelkit::annotation::TaskQueue, so that a crash
/// loses no acknowledged answer.
///
/// @code
/// namespace la = labelkit::annotation;
/// la::TaskQueue queue({.overlap = 3});
/// // At start-up, before other threads use the queue: load the last snapshot, replay the
/// // journal, and keep journaling (creates both files on the first run).
/// la::recover(queue, "queue.snapshot", "queue.journal", {.durability =
/// la::Durability::each_commit}); queue.submit(annotator, item, label);   // returns once its
/// record is on disk la::compact_journal(queue);             // now and then: new snapshot, empty
/// journal
/// @endcode
///
/// **Files.** The snapshot file holds one line `LABELKIT-JOURNAL-SNAPSHOT 1 <lsn>` followed by a
/// framed checkpoint (TaskQueue::checkpoint()); `lsn` is the number of journal records the
/// snapshot contains. It is written atomically (temporary file, fsync, rename, fsync of the
/// directory; checkpoint.hpp). The journal file has a 32-byte header (magic
/// `LABELKIT-JOURNAL`, version, the LSN of its first record, CRC-32 of the header) and then
/// records, each framed as payload length (u32), CRC-32 of the length, CRC-32 of the payload,
/// payload; integers are little-endian. During a compaction the new journal is `<journal>.next`
/// until it is renamed over the old one.
///
/// **Records.** One per mutation, in the order the mutations were applied (they are appended
/// under the queue's lock): label set added, tasks or gold added (with payload and gold
/// answers), prediction added, priorities set, annotator cap set, lease handed out (annotator,
/// time, item), answer accepted (annotator, item, time, labels, status), skip, leases expired
/// (time), tasks imported (a write_json() document), checkpoint restored (the framed text).
/// Every time comes from the record, never from the clock, so replay is deterministic; a replayed
/// lease or answer that does not give the recorded outcome is an error.
///
/// **Acknowledgement.** A call that changed the queue returns only after its record is durable
/// per the Durability policy; refused calls (exceptions, refused try_submit) write nothing.
/// Concurrent calls share one write and one fsync (group commit): the thread that finds the file
/// free writes every record appended so far and syncs once for all of them.
///
/// **Recovery** (recover()) loads the snapshot, replays the journal records after its LSN, and
/// attaches a journal that continues the file. A torn last record (the process or machine died
/// while writing it: the file ends inside it, its payload checksum fails and nothing follows, or
/// the rest of the file is zero bytes) is dropped and the file truncated there; the record was
/// never acknowledged. A record that fails its checksum with valid records after it, a bad
/// header, a gap between snapshot and journal, or a record that does not replay is a
/// labelkit::parse_error: recovery never silently skips data. Every integer read from the files
/// is range-checked (ids, counts, times, labels, statuses) before use.
///
/// Requires POSIX files (open, write, fdatasync/fsync, rename, ftruncate).

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "labelkit/annotation/checkpoint.hpp"
#include "labelkit/annotation/checkpoint_codec.hpp"
#include "labelkit/annotation/detail/journal_sink.hpp"
#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/json_format.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

#if !(defined(__unix__) || defined(__APPLE__))
#error "labelkit/annotation/journal.hpp needs POSIX files (open, write, fsync, rename)"
#endif
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// When a journaled call returns (is acknowledged) relative to the disk.
enum class Durability {
  /// Every call that changed the queue returns after an fsync (fdatasync on Linux) that covers
  /// its record. Concurrent calls share one fsync (group commit). Survives process crashes and
  /// power loss. The safest and the slowest: one disk flush per batch of concurrent calls.
  each_commit,
  /// Calls return after their record is written to the operating system (write()); a background
  /// thread fsyncs every JournalOptions::sync_interval. Survives process crashes (SIGKILL, abort)
  /// with nothing lost; an operating-system crash or power loss loses at most the records of the
  /// last interval.
  interval,
  /// Calls return after write(); fsync only at compaction and when the journal is closed.
  /// Survives process crashes; an operating-system crash loses what the kernel had not written.
  none,
};

/// How a journal syncs; see Durability.
struct JournalOptions {
  Durability durability = Durability::each_commit;  ///< When calls are acknowledged.
  /// Period of the background fsync under Durability::interval (> 0).
  std::chrono::milliseconds sync_interval{100};
};

/// What recover() found and did.
struct JournalRecovery {
  bool created = false;  ///< No files existed: a snapshot of the queue and an empty journal
                         ///< were written.
  std::uint64_t snapshot_lsn = 0;     ///< Journal records contained in the snapshot.
  std::uint64_t replayed = 0;         ///< Records replayed after the snapshot.
  std::uint64_t lsn = 0;              ///< Records in total: the LSN the journal continues from.
  std::uint64_t truncated_bytes = 0;  ///< Bytes of a torn last record cut off the journal.
};

}  // namespace annotation
namespace detail {

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32), table-driven.
/// crc32("123456789") == 0xCBF43926.
[[nodiscard]] inline std::uint32_t crc32(std::string_view bytes) noexcept {
  static constexpr auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (const char byte : bytes)
    c = table[(c ^ static_cast<unsigned char>(byte)) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

inline constexpr std::string_view journal_magic = "LABELKIT-JOURNAL";  // 16 bytes
inline constexpr std::uint32_t journal_version = 1;
inline constexpr std::size_t journal_header_bytes = 32;
inline constexpr std::size_t journal_frame_bytes = 12;
inline constexpr std::string_view journal_snapshot_magic = "LABELKIT-JOURNAL-SNAPSHOT";

/// The record kinds (first payload byte).
enum class JournalKind : std::uint8_t {
  label_set = 1,
  add = 2,
  prediction = 3,
  priorities = 4,
  annotator_cap = 5,
  lease = 6,
  submit = 7,
  skip = 8,
  expire = 9,
  import = 10,
  restore = 11,
};

/// Little-endian encoder of a record payload.
class JournalBytes {
 public:
  explicit JournalBytes(JournalKind kind) { bytes_.push_back(static_cast<char>(kind)); }
  void u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void f64(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void count(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max())
      fail<labelkit::error>("journal", "a record field has ", n, " entries (limit 2^32 - 1)");
    u32(static_cast<std::uint32_t>(n));
  }
  void str(std::string_view s) {
    count(s.size());
    bytes_.append(s);
  }
  void labels(std::span<const int> labels) {
    count(labels.size());
    for (const int label : labels) i32(label);
  }
  [[nodiscard]] const std::string& bytes() const noexcept { return bytes_; }

 private:
  std::string bytes_;
};

/// Decoder of one record payload: every read is bounds-checked, every count is checked against
/// the bytes left before anything is allocated.
class JournalReader {
 public:
  JournalReader(std::string_view bytes, std::string_view function, std::string where)
      : bytes_(bytes), function_(function), where_(std::move(where)) {}

  template <class... Parts>
  [[noreturn]] void bad(const Parts&... parts) const {
    fail<labelkit::parse_error>(function_, where_, parts...);
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() {
    const auto b = take(4);
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    return v;
  }
  std::uint64_t u64() {
    const auto b = take(8);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  double f64() {
    const std::uint64_t bits = u64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  /// A count of entries of `entry_bytes` bytes each that must fit in what is left.
  std::size_t count(std::size_t entry_bytes, std::string_view what) {
    const std::uint32_t n = u32();
    if (entry_bytes > 0 && n > left() / entry_bytes)
      bad(what, " has ", n, " entries but the record has only ", left(), " bytes left");
    return n;
  }
  std::string_view str(std::string_view what) { return take(count(1, what)); }
  std::vector<int> labels(std::string_view what) {
    const std::size_t n = count(4, what);
    std::vector<int> result(n);
    for (auto& label : result) label = i32();
    return result;
  }
  /// An id (item or annotator) in [lowest, 2^62].
  Eigen::Index id(std::string_view what, Eigen::Index lowest = 0) {
    const std::int64_t v = i64();
    if (v < lowest || v > (std::int64_t{1} << 62))
      bad(what, " is out of range (got ", v, ", expected ", lowest, " <= id <= 2^62)");
    return static_cast<Eigen::Index>(v);
  }
  /// A time within [min_time, max_time] (the queue clamps its clock into that range).
  annotation::Millis time() {
    const std::int64_t v = i64();
    if (v < annotation::min_time || v > annotation::max_time)
      bad("time ", v, " ms is outside [min_time, max_time]");
    return v;
  }
  void finish() const {
    if (left() != 0) bad(left(), " unexpected bytes at the end of the record");
  }
  [[nodiscard]] std::size_t left() const noexcept { return bytes_.size() - pos_; }

 private:
  std::string_view take(std::size_t n) {
    if (n > left()) bad("record is too short (needs ", n, " more bytes, has ", left(), ")");
    const auto part = bytes_.substr(pos_, n);
    pos_ += n;
    return part;
  }
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string_view function_;
  std::string where_;
};

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}
[[nodiscard]] inline std::uint32_t get_u32(std::string_view b, std::size_t at) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

/// Appends the frame of `payload` (length, CRC-32 of the length, CRC-32 of the payload,
/// payload) to `out`.
inline void frame_journal_record(std::string& out, std::string_view payload) {
  if (payload.empty() || payload.size() > std::numeric_limits<std::uint32_t>::max())
    fail<labelkit::error>("journal", "record of ", payload.size(), " bytes cannot be framed");
  std::string length;
  put_u32(length, static_cast<std::uint32_t>(payload.size()));
  out += length;
  put_u32(out, crc32(length));
  put_u32(out, crc32(payload));
  out += payload;
}

/// The 32-byte journal file header for a file whose first record has LSN `base`.
[[nodiscard]] inline std::string journal_header(std::uint64_t base) {
  std::string h(journal_magic);
  put_u32(h, journal_version);
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<char>((base >> (8 * i)) & 0xFFU));
  put_u32(h, crc32(h));
  return h;
}

/// A journal file split into records (payloads point into the parsed bytes).
struct ParsedJournal {
  bool has_header = false;  ///< False: the file is shorter than a header (torn at creation).
  std::uint64_t base = 0;   ///< LSN of the first record.
  std::vector<std::string_view> records;
  std::size_t valid_bytes = 0;  ///< Header and whole records; a torn tail starts here.
};

/// Splits `bytes` (a whole journal file) into records, checking every checksum. A torn tail is
/// left out (valid_bytes says where it starts). Records may have at most `max_record` bytes.
/// @throws labelkit::parse_error for a bad header or a corrupt record that is not the tail.
template <class = void>
[[nodiscard]] inline ParsedJournal parse_journal(std::string_view bytes, std::string_view function,
                                                 std::size_t max_record) {
  ParsedJournal result;
  if (bytes.size() < journal_header_bytes) {
    if (bytes.substr(0, std::min(bytes.size(), journal_magic.size())) !=
        journal_magic.substr(0, std::min(bytes.size(), journal_magic.size()))) {
      fail<labelkit::parse_error>(function, "not a labelkit journal (bad magic)");
    }
    return result;  // torn while the header was written: no record was ever acknowledged
  }
  if (bytes.substr(0, journal_magic.size()) != journal_magic)
    fail<labelkit::parse_error>(function, "not a labelkit journal (bad magic)");
  if (crc32(bytes.substr(0, 28)) != get_u32(bytes, 28))
    fail<labelkit::parse_error>(function, "journal header checksum mismatch");
  const std::uint32_t version = get_u32(bytes, 16);
  if (version != journal_version) {
    fail<labelkit::parse_error>(function, "unsupported journal version ", version, " (expected ",
                                journal_version, ")");
  }
  result.has_header = true;
  for (int i = 7; i >= 0; --i)
    result.base =
        (result.base << 8) | static_cast<unsigned char>(bytes[20 + static_cast<std::size_t>(i)]);
  if (result.base > (std::uint64_t{1} << 62))
    fail<labelkit::parse_error>(function, "journal base LSN ", result.base, " is out of range");
  std::size_t pos = journal_header_bytes;
  const auto zero_from = [&](std::size_t at) {
    return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end(),
                       [](char c) { return c == 0; });
  };
  while (pos < bytes.size()) {
    const std::size_t left = bytes.size() - pos;
    const std::uint64_t lsn = result.base + result.records.size();
    if (left < journal_frame_bytes) break;  // torn inside the frame
    const std::uint32_t length = get_u32(bytes, pos);
    if (crc32(bytes.substr(pos, 4)) != get_u32(bytes, pos + 4)) {
      if (zero_from(pos)) break;  // the file was extended but never written
      fail<labelkit::parse_error>(function, "journal record ", lsn, " at byte ", pos,
                                  ": length checksum mismatch (corrupt journal)");
    }
    if (length == 0 || length > max_record) {
      fail<labelkit::parse_error>(function, "journal record ", lsn, " at byte ", pos, ": length ",
                                  length, " out of range (1 to ", max_record, ")");
    }
    if (length > left - journal_frame_bytes) break;  // torn inside the payload
    const std::string_view payload = bytes.substr(pos + journal_frame_bytes, length);
    if (crc32(payload) != get_u32(bytes, pos + 8)) {
      if (pos + journal_frame_bytes + length == bytes.size()) break;  // last record, torn
      fail<labelkit::parse_error>(function, "journal record ", lsn, " at byte ", pos,
                                  ": checksum mismatch with records after it (corrupt journal)");
    }
    result.records.push_back(payload);
    pos += journal_frame_bytes + length;
  }
  result.valid_bytes = pos < bytes.size() ? pos : bytes.size();
  return result;
}

/// Largest record accepted on reading: a checkpoint or import document within `limits`, plus
/// room for framing.
[[nodiscard]] inline std::size_t journal_max_record(const JsonLimits& limits) noexcept {
  constexpr std::size_t room = std::size_t{1} << 20;
  const std::size_t cap = std::numeric_limits<std::uint32_t>::max();
  return limits.max_bytes >= cap - room ? cap : limits.max_bytes + room;
}

/// The private parts of a TaskQueue that journal.hpp needs (TaskQueue befriends this).
struct JournalAccess {
  static std::mutex& mutex(annotation::TaskQueue& q) noexcept { return q.mutex_; }
  static QueueState& state(annotation::TaskQueue& q) noexcept { return q.state_; }
  static std::shared_ptr<QueueJournalSink>& journal(annotation::TaskQueue& q) noexcept {
    return q.journal_;
  }
};

/// Applies one record to `queue` (built with `clock`, which the record's time is set into),
/// through the queue's public calls, which check every value again.
/// @throws labelkit::parse_error naming `where` for anything invalid or a replay whose outcome
///         differs from the recorded one.
template <class Json = nlohmann::json>
void apply_journal_record(annotation::TaskQueue& queue, annotation::ManualClock& clock,
                          std::string_view payload, const JsonLimits& limits,
                          std::string_view function, const std::string& where) {
  using annotation::SubmitStatus;
  JournalReader in(payload, function, where);
  try {
    const std::uint8_t kind = in.u8();
    switch (static_cast<JournalKind>(kind)) {
      case JournalKind::label_set: {
        LabelSetOptions options;
        options.from_name = std::string(in.str("label set name"));
        const std::uint8_t type = in.u8();
        if (type > 1) in.bad("unknown annotation type ", +type);
        options.type = type == 0 ? annotation::AnnotationType::single_label
                                 : annotation::AnnotationType::multi_label;
        options.to_name = std::string(in.str("to_name"));
        const std::size_t n = in.count(4, "classes");
        std::vector<std::string> names;
        names.reserve(n);
        for (std::size_t k = 0; k < n; ++k) names.emplace_back(in.str("class name"));
        in.finish();
        annotation::LabelSet set(std::move(names), std::move(options));
        std::size_t before = 0;
        {
          std::lock_guard lock(JournalAccess::mutex(queue));
          before = JournalAccess::state(queue).label_sets.size();
        }
        if (static_cast<std::size_t>(queue.add_label_set(std::move(set))) != before)
          in.bad("label set already exists (the journal does not match its snapshot)");
        return;
      }
      case JournalKind::add: {
        const std::int32_t set = in.i32();
        const std::uint8_t flags = in.u8();
        if (flags > 3) in.bad("unknown flags ", +flags);
        const std::size_t n = in.count(8, "items");
        std::vector<Eigen::Index> items(n);
        for (auto& item : items) item = in.id("item");
        const std::size_t np = in.count(8, "priorities");
        std::vector<double> priorities(np);
        for (auto& p : priorities) p = in.f64();
        std::optional<Json> data;
        if (flags & 1U) data = parse_json<Json>(in.str("payload"), limits, function, where);
        std::vector<int> answers;
        if (flags & 2U) answers = in.labels("gold answers");
        in.finish();
        if (data) {
          if (n != 1) in.bad("a record with a payload has ", n, " items (expected 1)");
          if (flags & 2U) {
            if (!priorities.empty()) in.bad("a gold task record has priorities");
            queue.add_gold(items[0], set, answers, *data);
          } else {
            if (np != 1) in.bad("a task record has ", np, " priorities (expected 1)");
            queue.add_task(items[0], set, *data, priorities[0]);
          }
        } else if (flags & 2U) {
          if (!priorities.empty()) in.bad("a gold task record has priorities");
          queue.add_gold(items, set, answers);
        } else {
          queue.add_tasks(items, set, priorities);
        }
        return;
      }
      case JournalKind::prediction: {
        const Eigen::Index item = in.id("item");
        annotation::Prediction p;
        p.model_version = std::string(in.str("model_version"));
        p.score = in.f64();
        p.labels = in.labels("labels");
        in.finish();
        queue.add_prediction(item, std::move(p));
        return;
      }
      case JournalKind::priorities: {
        const std::size_t n = in.count(16, "items");
        std::vector<Eigen::Index> items(n);
        std::vector<double> priorities(n);
        for (auto& item : items) item = in.id("item");
        for (auto& p : priorities) p = in.f64();
        in.finish();
        queue.update_priorities(items, std::span<const double>(priorities));
        return;
      }
      case JournalKind::annotator_cap: {
        const Eigen::Index annotator = in.id("annotator");
        const Eigen::Index cap = in.id("cap", -1);
        in.finish();
        queue.set_annotator_cap(annotator, cap);
        return;
      }
      case JournalKind::lease: {
        const Eigen::Index annotator = in.id("annotator");
        clock.set(in.time());
        const Eigen::Index item = in.id("item", -1);
        in.finish();
        const auto got = queue.next<Json>(annotator);
        const Eigen::Index replayed = got ? got->item : -1;
        if (replayed != item) {
          in.bad("lease of item ", item, " to annotator ", annotator, " replays as item ", replayed,
                 " (the journal does not match its snapshot)");
        }
        return;
      }
      case JournalKind::submit: {
        const Eigen::Index annotator = in.id("annotator");
        const Eigen::Index item = in.id("item");
        clock.set(in.time());
        const std::uint8_t status = in.u8();
        if (status > static_cast<std::uint8_t>(SubmitStatus::duplicate))
          in.bad("submission status ", +status, " is not an accepted one");
        const auto labels = in.labels("labels");
        in.finish();
        std::string message;
        const SubmitStatus got = queue.try_submit(annotator, item, labels, &message);
        if (got != static_cast<SubmitStatus>(status)) {
          in.bad("answer of annotator ", annotator, " on item ", item, " replays as ",
                 annotation::to_string(got), " instead of ",
                 annotation::to_string(static_cast<SubmitStatus>(status)), " ", message);
        }
        return;
      }
      case JournalKind::skip: {
        const Eigen::Index annotator = in.id("annotator");
        const Eigen::Index item = in.id("item");
        clock.set(in.time());
        in.finish();
        queue.skip(annotator, item);
        return;
      }
      case JournalKind::expire: {
        clock.set(in.time());
        in.finish();
        queue.expire_leases();
        return;
      }
      case JournalKind::import: {
        std::istringstream text{std::string(in.str("import document"))};
        in.finish();
        queue.import_tasks<Json>(annotation::read_json<Json>(text, limits));
        return;
      }
      case JournalKind::restore: {
        const std::string_view text = in.str("checkpoint");
        in.finish();
        queue.restore_text<Json>(text);
        return;
      }
    }
    in.bad("unknown record kind ", +kind);
  } catch (const labelkit::parse_error&) {
    throw;
  } catch (const labelkit::error& e) {
    in.bad("record does not replay: ", e.what());
  }
}

[[noreturn]] inline void fail_journal_errno(std::string_view function, std::string_view what,
                                            const std::filesystem::path& path) {
  const int code = errno;
  fail<labelkit::error>(function, what, " '", path.string(),
                        "' failed: ", std::generic_category().message(code));
}

/// Writes all of `bytes` to `fd`. @throws labelkit::error.
inline void write_all(int fd, std::string_view bytes, std::string_view function,
                      const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_journal_errno(function, "writing", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

/// Flushes `fd`'s data (and the metadata needed to read it back) to the disk.
inline void sync_data(int fd, std::string_view function, const std::filesystem::path& path) {
#ifdef __linux__
  const int rc = ::fdatasync(fd);
#else
  const int rc = ::fsync(fd);
#endif
  if (rc != 0) fail_journal_errno(function, "fsync of", path);
}

/// fsync of the directory holding `path` (makes a created or renamed entry durable).
inline void sync_directory(const std::filesystem::path& path, std::string_view function) {
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail_journal_errno(function, "opening the directory", directory);
  const int rc = ::fsync(dir);
  ::close(dir);
  if (rc != 0) fail_journal_errno(function, "fsync of the directory", directory);
}

/// Creates (or truncates) the journal file `path` with a header for LSN `base`, synced with its
/// directory entry. Returns the open descriptor.
[[nodiscard]] inline int create_journal_file(const std::filesystem::path& path, std::uint64_t base,
                                             std::string_view function) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_journal_errno(function, "creating the journal", path);
  try {
    write_all(fd, journal_header(base), function, path);
    sync_data(fd, function, path);
    sync_directory(path, function);
  } catch (...) {
    ::close(fd);
    throw;
  }
  return fd;
}

/// The writer behind an attached journal: encodes the queue's mutations as records, buffers
/// them in memory (appended under the queue's lock) and writes them with group commit.
///
/// Locks: the queue's lock, then `compaction_`; `files_` serialises every system call on the
/// file and is never requested while `records_` is held.
template <class Json = nlohmann::json>
class BasicJournalWriter final : public QueueJournalSink {
 public:
  BasicJournalWriter(int fd, std::uint64_t lsn, annotation::JournalOptions options,
                     std::filesystem::path snapshot, std::filesystem::path journal)
      : options_(options),
        snapshot_(std::move(snapshot)),
        journal_(std::move(journal)),
        fd_(fd),
        appended_(lsn),
        written_(lsn),
        synced_(lsn) {
    if (options_.durability == annotation::Durability::interval)
      syncer_ = std::thread([this] { sync_periodically(); });
  }
  BasicJournalWriter(const BasicJournalWriter&) = delete;
  BasicJournalWriter& operator=(const BasicJournalWriter&) = delete;

  /// Writes and syncs what is still buffered (errors are dropped: a destructor cannot report
  /// them, and an unwritten record was never acknowledged), then closes the file.
  ~BasicJournalWriter() override {
    if (syncer_.joinable()) {
      {
        std::lock_guard lock(stop_mutex_);
        stop_ = true;
      }
      stop_signal_.notify_all();
      syncer_.join();
    }
    std::lock_guard files(files_);
    try {
      std::string batch;
      bool healthy = false;
      {
        std::lock_guard lock(records_);
        batch.swap(pending_);
        healthy = failure_.empty();
      }
      if (healthy) {
        write_all(fd_, batch, "journal", journal_);
        sync_data(fd_, "journal", journal_);
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): see the comment above
    }
    ::close(fd_);
  }

  std::uint64_t log_label_set(const annotation::LabelSet& set) override {
    JournalBytes b(JournalKind::label_set);
    b.str(set.from_name());
    b.u8(set.type() == annotation::AnnotationType::single_label ? 0 : 1);
    b.str(set.to_name());
    b.count(set.names().size());
    for (const auto& name : set.names()) b.str(name);
    return append(b);
  }
  std::uint64_t log_add(std::span<const Eigen::Index> items, int label_set,
                        std::span<const double> priorities, const nlohmann::json* payload,
                        const std::vector<int>* answers) override {
    JournalBytes b(JournalKind::add);
    b.i32(label_set);
    b.u8(static_cast<std::uint8_t>((payload ? 1U : 0U) | (answers ? 2U : 0U)));
    b.count(items.size());
    for (const auto item : items) b.i64(item);
    b.count(priorities.size());
    for (const double p : priorities) b.f64(p);
    if (payload) b.str(dump_checked(*payload, "journal"));
    if (answers) b.labels(*answers);
    return append(b);
  }
  std::uint64_t log_prediction(Eigen::Index item,
                               const annotation::Prediction& prediction) override {
    JournalBytes b(JournalKind::prediction);
    b.i64(item);
    b.str(prediction.model_version);
    b.f64(prediction.score);
    b.labels(prediction.labels);
    return append(b);
  }
  std::uint64_t log_priorities(std::span<const Eigen::Index> items,
                               std::span<const double> priorities) override {
    JournalBytes b(JournalKind::priorities);
    b.count(items.size());
    for (const auto item : items) b.i64(item);
    for (const double p : priorities) b.f64(p);
    return append(b);
  }
  std::uint64_t log_annotator_cap(Eigen::Index annotator, Eigen::Index cap) override {
    JournalBytes b(JournalKind::annotator_cap);
    b.i64(annotator);
    b.i64(cap);
    return append(b);
  }
  std::uint64_t log_lease(Eigen::Index annotator, annotation::Millis now,
                          Eigen::Index item) override {
    JournalBytes b(JournalKind::lease);
    b.i64(annotator);
    b.i64(now);
    b.i64(item);
    return append(b);
  }
  std::uint64_t log_submit(Eigen::Index annotator, Eigen::Index item, annotation::Millis now,
                           std::span<const int> labels, annotation::SubmitStatus status) override {
    JournalBytes b(JournalKind::submit);
    b.i64(annotator);
    b.i64(item);
    b.i64(now);
    b.u8(static_cast<std::uint8_t>(status));
    b.labels(labels);
    return append(b);
  }
  std::uint64_t log_skip(Eigen::Index annotator, Eigen::Index item,
                         annotation::Millis now) override {
    JournalBytes b(JournalKind::skip);
    b.i64(annotator);
    b.i64(item);
    b.i64(now);
    return append(b);
  }
  std::uint64_t log_expire(annotation::Millis now) override {
    JournalBytes b(JournalKind::expire);
    b.i64(now);
    return append(b);
  }
  std::uint64_t log_import(const annotation::TaskSet& set) override {
    std::ostringstream text;
    annotation::write_json<Json>(text, set, -1);
    JournalBytes b(JournalKind::import);
    b.str(text.str());
    return append(b);
  }
  std::uint64_t log_restore(std::string_view text) override {
    JournalBytes b(JournalKind::restore);
    b.str(text);
    return append(b);
  }

  /// Group commit: whoever holds the file writes every buffered record, syncs once if the policy
  /// says so, and so makes the records of every thread waiting behind it durable too.
  void commit(std::uint64_t ticket) override {
    {
      std::lock_guard lock(records_);
      if (durable(ticket)) return;
      check_healthy();
    }
    std::lock_guard files(files_);
    std::string batch;
    std::uint64_t end = 0;
    {
      std::lock_guard lock(records_);
      if (durable(ticket)) return;
      check_healthy();
      batch.swap(pending_);
      end = appended_;
    }
    const bool sync = options_.durability == annotation::Durability::each_commit;
    try {
      write_all(fd_, batch, "journal", journal_);
      if (sync) sync_data(fd_, "journal", journal_);
    } catch (const labelkit::error& e) {
      std::lock_guard lock(records_);
      failure_ = e.what();
      throw;
    }
    std::lock_guard lock(records_);
    written_ = end;
    if (sync) synced_ = end;
  }

  /// Called with the queue's lock held: writes and syncs the buffered records to the current
  /// file, closes it and continues in a new file `next` whose first record will have the
  /// returned LSN (the number of records so far).
  std::uint64_t rotate(const std::filesystem::path& next, std::string_view function) {
    std::lock_guard files(files_);
    std::string batch;
    std::uint64_t end = 0;
    {
      std::lock_guard lock(records_);
      check_healthy();
      batch.swap(pending_);
      end = appended_;
    }
    try {
      write_all(fd_, batch, function, journal_);
      sync_data(fd_, function, journal_);
      const int fd = create_journal_file(next, end, function);
      ::close(fd_);
      fd_ = fd;
    } catch (const labelkit::error& e) {
      std::lock_guard lock(records_);
      failure_ = e.what();
      throw;
    }
    std::lock_guard lock(records_);
    written_ = end;
    synced_ = end;
    return end;
  }

  /// Records appended so far (the LSN of the next record).
  [[nodiscard]] std::uint64_t lsn() const {
    std::lock_guard lock(records_);
    return appended_;
  }

  [[nodiscard]] const std::filesystem::path& snapshot_path() const noexcept { return snapshot_; }
  [[nodiscard]] const std::filesystem::path& journal_path() const noexcept { return journal_; }
  /// Serialises compactions.
  std::mutex& compaction() noexcept { return compaction_; }

 private:
  [[nodiscard]] bool durable(std::uint64_t ticket) const noexcept {
    const std::uint64_t done =
        options_.durability == annotation::Durability::each_commit ? synced_.load() : written_;
    return done >= ticket;
  }
  void check_healthy() const {
    if (!failure_.empty()) {
      fail<labelkit::error>("journal", "the journal failed earlier and accepts no more records (",
                            failure_, "); recover from the files");
    }
  }
  std::uint64_t append(const JournalBytes& record) {
    std::lock_guard lock(records_);
    check_healthy();
    frame_journal_record(pending_, record.bytes());
    return ++appended_;
  }
  void sync_periodically() {
    std::unique_lock stop(stop_mutex_);
    while (!stop_) {
      stop_signal_.wait_for(stop, options_.sync_interval);
      if (stop_) break;
      stop.unlock();
      {
        std::lock_guard files(files_);
        std::uint64_t written = 0;
        {
          std::lock_guard lock(records_);
          written = written_;
        }
        try {
          if (written > synced_.load()) sync_data(fd_, "journal", journal_);
          std::lock_guard lock(records_);
          synced_ = std::max(synced_.load(), written);
        } catch (const labelkit::error& e) {
          std::lock_guard lock(records_);
          failure_ = e.what();
        }
      }
      stop.lock();
    }
  }

  const annotation::JournalOptions options_;
  const std::filesystem::path snapshot_;
  const std::filesystem::path journal_;
  std::mutex compaction_;
  std::mutex files_;  ///< Guards fd_ and every write/sync/rotation.
  int fd_;
  mutable std::mutex records_;  ///< Guards pending_, the LSNs and failure_.
  std::string pending_;
  std::uint64_t appended_;
  std::uint64_t written_;
  std::atomic<std::uint64_t> synced_;
  std::string failure_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stop_ = false;
  std::thread syncer_;
};

/// `LABELKIT-JOURNAL-SNAPSHOT 1 <lsn>\n` + the framed checkpoint.
[[nodiscard]] inline std::string journal_snapshot(std::uint64_t lsn, std::string_view checkpoint) {
  return concat(journal_snapshot_magic, " 1 ", lsn, '\n', checkpoint);
}

/// Splits a snapshot file into its LSN and framed checkpoint.
/// @throws labelkit::parse_error for a malformed first line.
template <class = void>
[[nodiscard]] inline std::pair<std::uint64_t, std::string_view> parse_journal_snapshot(
    std::string_view text, std::string_view function) {
  const auto newline = text.find('\n');
  const std::string_view head = "LABELKIT-JOURNAL-SNAPSHOT 1 ";
  if (newline == std::string_view::npos || newline > 64 || text.substr(0, head.size()) != head)
    fail<labelkit::parse_error>(function, "not a labelkit journal snapshot (header missing)");
  const std::string_view digits = text.substr(head.size(), newline - head.size());
  std::uint64_t lsn = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), lsn);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
      lsn > (std::uint64_t{1} << 62)) {
    fail<labelkit::parse_error>(function, "malformed snapshot LSN '", digits, "'");
  }
  return {lsn, text.substr(newline + 1)};
}

/// Replays the records of `journal` with LSN >= `from` onto `queue` (built with `clock`).
/// Returns the LSN after the last record.
/// @throws labelkit::parse_error if the journal starts after `from` (records missing) or a
///         record is invalid.
template <class Json = nlohmann::json>
std::uint64_t replay_journal_records(annotation::TaskQueue& queue, annotation::ManualClock& clock,
                                     const ParsedJournal& journal, std::uint64_t from,
                                     const JsonLimits& limits, std::string_view function,
                                     std::string_view file, std::uint64_t* replayed) {
  if (!journal.has_header) return from;
  if (journal.base > from) {
    fail<labelkit::parse_error>(function, file, ": the journal starts at record ", journal.base,
                                " but the state before it ends at record ", from,
                                " (records are missing)");
  }
  const std::uint64_t end = journal.base + journal.records.size();
  for (std::uint64_t lsn = from; lsn < end; ++lsn) {
    const auto offset = static_cast<std::size_t>(lsn - journal.base);
    apply_journal_record<Json>(queue, clock, journal.records[offset], limits, function,
                               concat(file, ": record ", lsn, ": "));
    if (replayed) ++*replayed;
  }
  return std::max(from, end);
}

}  // namespace detail
namespace annotation {

/// Starts journaling `queue`, recovering it from the files first. Call it at start-up, before
/// other threads use the queue.
/// - Neither `snapshot_path` nor `journal_path` exists: writes a snapshot of the queue as it is
///   (LSN 0) and an empty journal (JournalRecovery::created).
/// - Otherwise: replaces the queue's state with the snapshot's, replays the journal records
///   after the snapshot's LSN (from `<journal_path>.next` too, if a compaction was interrupted),
///   drops a torn last record (truncating the file), and continues the journal.
/// Afterwards every call that changes the queue is journaled and acknowledged per
/// `options.durability` (see Durability). The queue's clock is kept; replayed times come from
/// the records. The state is built aside: on error the queue is unchanged and not journaled.
/// O(snapshot + journal size).
/// @throws labelkit::invalid_argument if the queue already has a journal or sync_interval <= 0
///         for Durability::interval; labelkit::parse_error naming the file and record if a file
///         is malformed or corrupt (see the file comment); labelkit::error if a system call
///         fails.
template <class Json = nlohmann::json>
JournalRecovery recover(TaskQueue& queue, const std::filesystem::path& snapshot_path,
                        const std::filesystem::path& journal_path, JournalOptions options = {}) {
  constexpr std::string_view function = "recover";
  using Access = detail::JournalAccess;
  if (options.durability == Durability::interval && options.sync_interval.count() <= 0) {
    labelkit::detail::fail(function, "'sync_interval' must be > 0 (got ",
                           options.sync_interval.count(), " ms)");
  }
  {
    std::lock_guard lock(Access::mutex(queue));
    if (Access::journal(queue)) labelkit::detail::fail(function, "the queue already has a journal");
  }
  const std::filesystem::path next_path = journal_path.string() + ".next";
  std::error_code error;
  const bool have_snapshot = std::filesystem::exists(snapshot_path, error);
  const bool have_journal = std::filesystem::exists(journal_path, error);
  const bool have_next = std::filesystem::exists(next_path, error);
  JournalRecovery result;
  const auto attach = [&](int fd, std::uint64_t lsn) {
    auto writer = std::make_shared<detail::BasicJournalWriter<Json>>(fd, lsn, options,
                                                                     snapshot_path, journal_path);
    std::lock_guard lock(Access::mutex(queue));
    Access::journal(queue) = std::move(writer);
  };
  if (!have_snapshot && !have_journal && !have_next) {
    detail::write_file_atomically(snapshot_path,
                                  detail::journal_snapshot(0, queue.checkpoint<Json>()), function);
    attach(detail::create_journal_file(journal_path, 0, function), 0);
    result.created = true;
    return result;
  }
  if (!have_snapshot) {
    labelkit::detail::fail<labelkit::parse_error>(function, "'", snapshot_path.string(),
                                                  "' is missing but its journal exists");
  }
  const JsonLimits limits = queue.options().json_limits;
  constexpr std::size_t header_bytes = 256;
  const std::string snapshot_text = detail::read_file(
      snapshot_path, function,
      limits.max_bytes > SIZE_MAX - header_bytes ? SIZE_MAX : limits.max_bytes + header_bytes);
  std::uint64_t snapshot_lsn = 0;
  std::string_view checkpoint;
  try {
    std::tie(snapshot_lsn, checkpoint) = detail::parse_journal_snapshot(snapshot_text, function);
  } catch (const labelkit::parse_error& e) {
    labelkit::detail::fail<labelkit::parse_error>(function, "'", snapshot_path.string(),
                                                  "': ", e.what());
  }
  ManualClock clock(0);
  TaskQueue replay(queue.options(), clock);
  try {
    replay.restore_text<Json>(checkpoint);
  } catch (const labelkit::parse_error& e) {
    labelkit::detail::fail<labelkit::parse_error>(function, "'", snapshot_path.string(),
                                                  "': ", e.what());
  }
  result.snapshot_lsn = snapshot_lsn;
  std::uint64_t lsn = snapshot_lsn;
  const std::size_t max_record = detail::journal_max_record(limits);
  struct File {
    std::filesystem::path path;
    std::string bytes;
    detail::ParsedJournal parsed;
  };
  std::vector<File> files;
  for (const auto& path : {journal_path, next_path}) {
    if (!std::filesystem::exists(path, error)) continue;
    File file{path, detail::read_file(path, function, SIZE_MAX), {}};
    try {
      file.parsed = detail::parse_journal(file.bytes, function, max_record);
    } catch (const labelkit::parse_error& e) {
      labelkit::detail::fail<labelkit::parse_error>(function, "'", path.string(), "': ", e.what());
    }
    files.push_back(std::move(file));
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const File& a, const File& b) { return a.parsed.base < b.parsed.base; });
  for (const auto& file : files) {
    lsn = detail::replay_journal_records<Json>(
        replay, clock, file.parsed, lsn, limits, function,
        labelkit::detail::concat("'", file.path.string(), "'"), &result.replayed);
  }
  // The file to continue: the last one in LSN order that has a header.
  const File* live = nullptr;
  for (const auto& file : files) {
    if (file.parsed.has_header) live = &file;
  }
  int fd = -1;
  if (live == nullptr) {
    fd = detail::create_journal_file(journal_path, lsn, function);
  } else {
    result.truncated_bytes = live->bytes.size() - live->parsed.valid_bytes;
    if (live->parsed.base > snapshot_lsn) {
      // A compaction was interrupted before its snapshot was written: the records before the
      // live file exist only in the older file, which the rename below removes. Write the
      // snapshot of the recovered state first.
      detail::write_file_atomically(
          snapshot_path, detail::journal_snapshot(lsn, replay.checkpoint<Json>()), function);
    }
    if (live->path != journal_path) {
      if (::rename(live->path.c_str(), journal_path.c_str()) != 0)
        detail::fail_journal_errno(function, "renaming the journal onto", journal_path);
      detail::sync_directory(journal_path, function);
    }
    fd = ::open(journal_path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) detail::fail_journal_errno(function, "opening the journal", journal_path);
    if (::ftruncate(fd, static_cast<::off_t>(live->parsed.valid_bytes)) != 0 ||
        ::lseek(fd, 0, SEEK_END) < 0) {
      ::close(fd);
      detail::fail_journal_errno(function, "truncating the torn tail of", journal_path);
    }
    try {
      detail::sync_data(fd, function, journal_path);
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  if (std::filesystem::exists(next_path, error)) std::filesystem::remove(next_path, error);
  {
    std::lock_guard lock(Access::mutex(queue));
    Access::state(queue) = std::move(Access::state(replay));
  }
  attach(fd, lsn);
  result.lsn = lsn;
  return result;
}

/// Writes a new snapshot of `queue` and starts a new, empty journal: the journal then no longer
/// grows without bound. The queue's lock is held only to copy the state (payloads shared) and to
/// switch files (which syncs the old journal once); the snapshot is encoded and written outside
/// it, so other threads keep working. Crash-safe at every step: recover() finds either the old
/// snapshot with both journals or the new snapshot with the new journal. Returns the snapshot's
/// LSN. O(size of the state).
/// @throws labelkit::invalid_argument if the queue has no journal; labelkit::error if a system
///         call fails.
template <class Json = nlohmann::json>
std::uint64_t compact_journal(TaskQueue& queue) {
  constexpr std::string_view function = "compact_journal";
  using Access = detail::JournalAccess;
  std::shared_ptr<detail::BasicJournalWriter<Json>> writer;
  {
    std::lock_guard lock(Access::mutex(queue));
    writer = std::dynamic_pointer_cast<detail::BasicJournalWriter<Json>>(Access::journal(queue));
  }
  if (!writer) labelkit::detail::fail(function, "the queue has no journal (call recover() first)");
  std::lock_guard compaction(writer->compaction());
  const std::filesystem::path next_path = writer->journal_path().string() + ".next";
  detail::QueueState copy;
  std::uint64_t lsn = 0;
  {
    std::lock_guard lock(Access::mutex(queue));
    copy = Access::state(queue).snapshot<Json>();
    lsn = writer->rotate(next_path, function);
  }
  detail::write_file_atomically(
      writer->snapshot_path(), detail::journal_snapshot(lsn, detail::framed_checkpoint<Json>(copy)),
      function);
  if (::rename(next_path.c_str(), writer->journal_path().c_str()) != 0)
    detail::fail_journal_errno(function, "renaming the new journal onto", writer->journal_path());
  detail::sync_directory(writer->journal_path(), function);
  return lsn;
}

/// Stops journaling `queue`: buffered records are written and synced, the file closed. The
/// files stay as they are (recover() continues them). No effect without a journal.
inline void detach_journal(TaskQueue& queue) {
  using Access = detail::JournalAccess;
  std::shared_ptr<detail::QueueJournalSink> journal;
  {
    std::lock_guard lock(Access::mutex(queue));
    journal.swap(Access::journal(queue));
  }
}

/// Records journaled so far by `queue`'s journal (its LSN), or nullopt without a journal.
template <class Json = nlohmann::json>
[[nodiscard]] std::optional<std::uint64_t> journal_lsn(TaskQueue& queue) {
  using Access = detail::JournalAccess;
  std::lock_guard lock(Access::mutex(queue));
  const auto writer =
      std::dynamic_pointer_cast<detail::BasicJournalWriter<Json>>(Access::journal(queue));
  if (!writer) return std::nullopt;
  return writer->lsn();
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
