#pragma once
/// @file
/// Checked limits on sizes that come from outside: a class count, a label, a table shape.
///
/// One label from a file or a caller (`teach(x, 2147483647)`, `majority_vote(..., INT_MAX)`) must
/// not make the library zero-fill gigabytes. Every function that sizes memory from such a value
/// checks it here first and throws labelkit::invalid_argument saying which limit it hit.
///
/// - `max_classes` (65,536) bounds a class count or a label + 1.
/// - `max_allocation_bytes` (4 GiB unless the macro LABELKIT_MAX_ALLOCATION_BYTES is defined
///   before the first labelkit include) bounds one table that a function allocates from
///   caller-given sizes, such as Dawid–Skene's annotators x classes x classes confusion matrices.

#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

#ifndef LABELKIT_MAX_ALLOCATION_BYTES
/// Largest table, in bytes, that one call allocates from sizes that come from its input.
#define LABELKIT_MAX_ALLOCATION_BYTES (std::size_t{1} << 32)
#endif

LABELKIT_BEGIN_NAMESPACE

/// The largest class count any labelkit function accepts.
inline constexpr long long max_classes = 65536;

/// The largest table one call allocates from sizes that come from its input, in bytes.
inline constexpr std::size_t max_allocation_bytes = LABELKIT_MAX_ALLOCATION_BYTES;

namespace detail {

/// Throws unless 1 <= n_classes <= max_classes.
template <class Int>
void check_class_count(Int n_classes, std::string_view function,
                       std::string_view argument = "n_classes") {
  if (n_classes < 1 || static_cast<long long>(n_classes) > max_classes) {
    fail(function, "'", argument, "' must be in [1, ", max_classes, "] (got ", n_classes,
         "; the limit is labelkit::max_classes)");
  }
}

/// Throws unless the product of `counts` times `element_bytes` fits in max_allocation_bytes,
/// computed without overflow. `what` names the table in the message.
inline void check_allocation(std::initializer_list<std::size_t> counts, std::size_t element_bytes,
                             std::string_view function, std::string_view what) {
  std::size_t total = element_bytes;
  bool over = false;
  for (const std::size_t c : counts) {
    if (c != 0 && total > std::numeric_limits<std::size_t>::max() / c) {
      over = true;
      break;
    }
    total *= c;
  }
  if (over || total > max_allocation_bytes) {
    fail(function, what, " would need more than ", max_allocation_bytes,
         " bytes (labelkit::max_allocation_bytes; define LABELKIT_MAX_ALLOCATION_BYTES to change "
         "it)");
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
