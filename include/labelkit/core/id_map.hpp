#pragma once
/// @file
/// Maps arbitrary non-negative ids (items, annotators) to dense indices 0..n-1 in ascending id
/// order, so functions can accept the ids users have and work on dense arrays.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// The sorted set of distinct ids seen, with O(1) lookup when ids are compact (a direct table,
/// used while the largest id is at most 4n + 1024) and O(log n) lookup otherwise.
class IdMap {
 public:
  IdMap() = default;

  /// Builds the map from ids (duplicates allowed, any order). O(N log N) for sparse ids, O(N)
  /// for compact ones. @throws labelkit::invalid_argument naming the first negative id.
  template <class Range>
  static IdMap from_ids(const Range& ids, const char* function, const char* argument) {
    IdMap map;
    Index max_id = -1;
    std::size_t position = 0;
    for (const auto raw : ids) {
      const auto id = static_cast<Index>(raw);
      if (id < 0) {
        detail::fail(function, "'", argument, "' record ", position, " has a negative id (got ", id,
                     ")");
      }
      max_id = std::max(max_id, id);
      ++position;
    }
    const auto n = static_cast<Index>(position);
    if (max_id >= 0 && max_id <= 4 * n + 1024) {
      map.table_.assign(static_cast<std::size_t>(max_id) + 1, -1);
      for (const auto raw : ids) map.table_[static_cast<std::size_t>(raw)] = 0;
      for (std::size_t id = 0; id < map.table_.size(); ++id) {
        if (map.table_[id] == 0) {
          map.table_[id] = static_cast<Index>(map.ids_.size());
          map.ids_.push_back(static_cast<Index>(id));
        }
      }
    } else {
      map.ids_.reserve(position);
      for (const auto raw : ids) map.ids_.push_back(static_cast<Index>(raw));
      std::sort(map.ids_.begin(), map.ids_.end());
      map.ids_.erase(std::unique(map.ids_.begin(), map.ids_.end()), map.ids_.end());
    }
    return map;
  }

  /// Number of distinct ids.
  [[nodiscard]] Index size() const noexcept { return static_cast<Index>(ids_.size()); }

  /// The distinct ids, ascending; position = dense index.
  [[nodiscard]] const std::vector<Index>& ids() const noexcept { return ids_; }

  /// Dense index of `id`, or -1 if it was not seen.
  [[nodiscard]] Index find(Index id) const noexcept {
    if (!table_.empty()) {
      return id >= 0 && static_cast<std::size_t>(id) < table_.size()
                 ? table_[static_cast<std::size_t>(id)]
                 : -1;
    }
    const auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
    return it != ids_.end() && *it == id ? static_cast<Index>(it - ids_.begin()) : -1;
  }

  /// The id at dense index `index`.
  [[nodiscard]] Index id(Index index) const { return ids_[static_cast<std::size_t>(index)]; }

 private:
  std::vector<Index> ids_;
  std::vector<Index> table_;
};

LABELKIT_END_NAMESPACE
