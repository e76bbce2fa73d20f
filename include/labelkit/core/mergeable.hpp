#pragma once
/// @file
/// Mergeable states: the sufficient statistic of an aggregate, computed on one shard of the
/// items, merged with the states of the other shards, and carried between processes as a flat
/// byte buffer. Any engine can move the bytes (MPI, a message queue, a map-reduce job, a host's
/// own RPC); labelkit/distributed/mpi.hpp is one such engine.
///
///     auto a = labelkit::agreement::AlphaState::of(shard_a);   // on one machine
///     auto b = labelkit::agreement::AlphaState::of(shard_b);   // on another
///     a.merge(labelkit::agreement::AlphaState::from_bytes(b.to_bytes()));
///     double alpha = a.alpha(labelkit::agreement::Level::ordinal);  // = alpha of both shards
///
/// Every state in labelkit merges associatively and commutatively *exactly*: its statistics
/// are integer counts (or minima, or bounded heaps), so any partition of the items into shards
/// and any order or tree shape of the merges gives the same bytes, and the value computed from
/// the merged state is bit-identical to the value of one state built over all the items.
///
/// Byte format: little-endian, fixed width. A state starts with an 8-byte tag naming its type,
/// then a format version (u32), then its fields. Readers check the tag and the version,
/// range-check every count and size before allocating, and refuse trailing bytes: hostile bytes
/// give a labelkit::parse_error, never a crash.

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE

/// A state that merges in place with another state of the same aggregate and round-trips
/// through a byte buffer: `a.merge(b)` makes `a` the state of the union of both shards' items;
/// `S::from_bytes(a.to_bytes())` equals `a`.
template <class S>
concept MergeableState = std::copy_constructible<S> &&
    requires(S& a, const S& b, std::span<const std::byte> bytes) {
  a.merge(b);
  { b.to_bytes() } -> std::same_as<std::vector<std::byte>>;
  { S::from_bytes(bytes) } -> std::same_as<S>;
};

/// The state of the union of two shards: a copy of `a` merged with `b`. Associative and
/// commutative for every labelkit state.
/// @throws whatever S::merge throws (states of different shapes, e.g. other class counts).
template <MergeableState S>
[[nodiscard]] S merge(S a, const S& b) {
  a.merge(b);
  return a;
}

namespace detail {

/// Appends fixed-width little-endian fields to a byte buffer.
class ByteWriter {
 public:
  /// Starts a buffer with the 8-character `tag` of the state's type and its format `version`.
  ByteWriter(std::string_view tag, std::uint32_t version) {
    for (std::size_t i = 0; i < 8; ++i)
      bytes_.push_back(static_cast<std::byte>(i < tag.size() ? tag[i] : ' '));
    u32(version);
  }
  /// Appends an unsigned 32-bit value.
  void u32(std::uint32_t v) { put(v, 4); }
  /// Appends an unsigned 64-bit value.
  void u64(std::uint64_t v) { put(v, 8); }
  /// Appends a signed 64-bit value (two's complement).
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v), 8); }
  /// Appends a double as its IEEE 754 bit pattern (exact, NaN payloads included).
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v), 8); }
  /// The buffer so far.
  [[nodiscard]] std::vector<std::byte> take() && { return std::move(bytes_); }

 private:
  void put(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) bytes_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
  }
  std::vector<std::byte> bytes_;
};

/// Reads what ByteWriter wrote, refusing truncated input, a wrong tag or version, counts beyond
/// what the remaining bytes can hold and trailing bytes, each with a labelkit::parse_error that
/// names `function` and the byte offset.
class ByteReader {
 public:
  /// Checks the tag and the version at the start of `bytes`.
  ByteReader(std::span<const std::byte> bytes, std::string_view tag, std::uint32_t version,
             std::string_view function)
      : bytes_(bytes), function_(function) {
    if (bytes_.size() < 12) fail_at("the buffer is shorter than a state header (12 bytes)");
    for (std::size_t i = 0; i < 8; ++i) {
      const char expected = i < tag.size() ? tag[i] : ' ';
      if (static_cast<char>(bytes_[i]) != expected) {
        detail::fail<parse_error>(function_, "the buffer is not a ", tag,
                                  " state (its 8-byte tag differs)");
      }
    }
    pos_ = 8;
    const std::uint32_t v = u32();
    if (v != version) {
      detail::fail<parse_error>(function_, "state format version ", v,
                                " is not supported (expected ", version, ")");
    }
  }
  /// Reads an unsigned 32-bit value.
  std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
  /// Reads an unsigned 64-bit value.
  std::uint64_t u64() { return get(8); }
  /// Reads a signed 64-bit value.
  std::int64_t i64() { return static_cast<std::int64_t>(get(8)); }
  /// Reads a double from its bit pattern.
  double f64() { return std::bit_cast<double>(get(8)); }
  /// Reads a count of elements that each take at least `element_bytes` of the remaining buffer,
  /// and refuses it unless the buffer can hold them and it is at most `max`: sizes from the
  /// bytes are checked before anything is allocated from them.
  std::size_t count(std::size_t element_bytes, std::uint64_t max, std::string_view what) {
    const std::uint64_t n = u64();
    const std::uint64_t room = (bytes_.size() - pos_) / (element_bytes == 0 ? 1 : element_bytes);
    if (n > max || (element_bytes != 0 && n > room)) {
      detail::fail<parse_error>(function_, what, " = ", n, " at byte ", pos_ - 8,
                                " is more than the buffer holds or than the limit ", max);
    }
    return static_cast<std::size_t>(n);
  }
  /// Reads a count that must be non-negative and at most `max`.
  std::int64_t non_negative(std::int64_t max, std::string_view what) {
    const std::int64_t v = i64();
    if (v < 0 || v > max) {
      detail::fail<parse_error>(function_, what, " = ", v, " at byte ", pos_ - 8,
                                " is outside [0, ", max, "]");
    }
    return v;
  }
  /// Refuses bytes after the last field.
  void finish() const {
    if (pos_ != bytes_.size()) {
      detail::fail<parse_error>(function_, bytes_.size() - pos_, " trailing bytes after the state");
    }
  }
  /// The offset of the next field (for messages).
  [[nodiscard]] std::size_t position() const { return pos_; }
  /// Throws a labelkit::parse_error naming the current offset.
  [[noreturn]] void fail_at(std::string_view what) const {
    detail::fail<parse_error>(function_, what, " (at byte ", pos_, ")");
  }

 private:
  std::uint64_t get(int width) {
    if (bytes_.size() - pos_ < static_cast<std::size_t>(width))
      fail_at("the buffer ends inside a field");
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i)
      v |= static_cast<std::uint64_t>(
               std::to_integer<unsigned>(bytes_[pos_ + static_cast<std::size_t>(i)]))
           << (8 * i);
    pos_ += static_cast<std::size_t>(width);
    return v;
  }
  std::span<const std::byte> bytes_;
  std::string_view function_;
  std::size_t pos_ = 0;
};

/// a + b for counts, refusing overflow of int64 (a state merged from shards whose counts sum
/// past 2^63 - 1 is refused rather than wrapped).
inline std::int64_t add_counts(std::int64_t a, std::int64_t b, std::string_view function) {
  constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  if ((b > 0 && a > hi - b) || (b < 0 && a < lo - b)) {
    fail<numerical_error>(function, "a merged count overflows int64 (", a, " + ", b, ")");
  }
  return a + b;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
