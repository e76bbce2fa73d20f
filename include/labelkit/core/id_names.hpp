#pragma once
/// @file
/// `IdNames`: string ids (e-mails, UUIDs, Label Studio's `completed_by`, file names) interned
/// once at import to the dense integer ids every labelkit function takes, and mapped back at
/// export. A vocabulary header: no Eigen, no nlohmann_json.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/utf8.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Limits of an IdNames table.
struct IdNamesOptions {
  /// Most distinct names the table holds; intern() of one more throws.
  Index max_size = Index{1} << 28;
  /// Longest name accepted, in bytes.
  std::size_t max_name_bytes = std::size_t{1} << 16;
};

/// A two-way table between string ids and dense integer ids 0, 1, 2, ... in first-seen order.
///
///     labelkit::IdNames annotators;
///     annotators.intern("ana@example.com");   // 0
///     annotators.intern("bo@example.com");    // 1
///     annotators.intern("ana@example.com");   // 0 again
///     annotators.name(1);                     // "bo@example.com"
///     annotators.find("cy@example.com");      // std::nullopt
///
/// Use one table per kind of id (one for items, one for annotators): intern every string id once
/// when the data comes in, work with the integers (`Annotation{item, annotator, label}`), and
/// give the table to the writers (pipeline::write_jsonl, write_csv) to write the strings back.
/// Names are compared byte for byte (no normalisation: "Ana@x" and "ana@x" are two annotators).
/// Deterministic: the ids depend only on the order of the intern() calls.
class IdNames {
 public:
  /// An empty table with the default limits.
  IdNames() = default;

  /// An empty table with the given limits.
  /// @throws labelkit::invalid_argument if `options.max_size` < 1 or `options.max_name_bytes` < 1.
  explicit IdNames(IdNamesOptions options) : options_(options) {
    if (options_.max_size < 1) {
      detail::fail("IdNames", "'options.max_size' must be at least 1 (got ", options_.max_size,
                   ")");
    }
    if (options_.max_name_bytes < 1) {
      detail::fail("IdNames", "'options.max_name_bytes' must be at least 1 (got 0)");
    }
  }

  /// The id of `name`: its existing id, or the next id (size() before the call) if it is new.
  /// Amortised O(length).
  /// @throws labelkit::invalid_argument if `name` is empty, longer than
  ///   `IdNamesOptions::max_name_bytes`, not valid UTF-8, or new while the table already holds
  ///   `IdNamesOptions::max_size` names. The table is unchanged when it throws.
  template <class = void>
  Index intern(std::string_view name) {
    if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
    if (name.empty()) detail::fail("IdNames::intern", "the name is empty");
    if (name.size() > options_.max_name_bytes) {
      detail::fail("IdNames::intern", "a name of ", name.size(),
                   " bytes is longer than the limit of ", options_.max_name_bytes,
                   " bytes (IdNamesOptions::max_name_bytes)");
    }
    if (!detail::valid_utf8(name)) {
      detail::fail("IdNames::intern", "the name is not valid UTF-8");
    }
    if (size() >= options_.max_size) {
      detail::fail("IdNames::intern", "the table already holds ", size(),
                   " names (the limit is IdNamesOptions::max_size = ", options_.max_size,
                   "); cannot add '", name, "'");
    }
    const Index id = size();
    names_.emplace_back(name);
    try {
      ids_.emplace(names_.back(), id);
    } catch (...) {
      names_.pop_back();
      throw;
    }
    return id;
  }

  /// The id of `name`, or std::nullopt if it was never interned. O(length) on average.
  [[nodiscard]] std::optional<Index> find(std::string_view name) const {
    if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
    return std::nullopt;
  }

  /// True if `name` was interned.
  [[nodiscard]] bool contains(std::string_view name) const { return find(name).has_value(); }

  /// The name of id `id`. O(1).
  /// @throws labelkit::invalid_argument if `id` is not in [0, size()).
  [[nodiscard]] const std::string& name(Index id) const {
    if (id < 0 || id >= size()) {
      detail::fail("IdNames::name", "'id' is out of range (got ", id, ", expected 0 <= id < ",
                   size(), ")");
    }
    return names_[static_cast<std::size_t>(id)];
  }

  /// Number of distinct names; ids are 0 .. size() - 1.
  [[nodiscard]] Index size() const noexcept { return static_cast<Index>(names_.size()); }

  /// True if no name was interned.
  [[nodiscard]] bool empty() const noexcept { return names_.empty(); }

  /// Every name, by id (position = id).
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

  /// The table's limits.
  [[nodiscard]] const IdNamesOptions& options() const noexcept { return options_; }

  /// Same names with the same ids (the limits are not compared).
  friend bool operator==(const IdNames& a, const IdNames& b) { return a.names_ == b.names_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  IdNamesOptions options_{};
  std::vector<std::string> names_;
  std::unordered_map<std::string, Index, Hash, std::equal_to<>> ids_;
};

LABELKIT_END_NAMESPACE
