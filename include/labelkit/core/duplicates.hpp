#pragma once
/// @file
/// What to do when an annotator answered the same item more than once: one policy, one enum,
/// shared by every area that reads `labelkit::Annotation` records. A vocabulary header: it
/// includes no Eigen and no nlohmann_json.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Policy for several records with the same (item, annotator) pair, whatever their labels.
/// Records are identified by their position in the input span; "first" and "last" mean input
/// order, never id or label order. Every policy is deterministic and keeps the surviving
/// records in their input order.
enum class DuplicateAnswers {
  /// Refuse the input: throw labelkit::invalid_argument naming the item, the annotator and the
  /// positions of the first two records of the pair. A repeated identical answer is refused too.
  reject,
  /// Keep the earliest record of each pair (the first answer counts; later edits are ignored).
  keep_first,
  /// Keep the latest record of each pair (a resubmission replaces the earlier answer).
  keep_last,
  /// Keep every record: each answer counts as one more answer of its item. Only functions that
  /// read how many answers each item got per label accept it; a function that needs one label
  /// per (item, annotator) cell refuses it.
  keep_all,
};

/// The name of a policy, as spelt in the enum ("reject", "keep_first", ...).
[[nodiscard]] constexpr const char* to_string(DuplicateAnswers policy) noexcept {
  switch (policy) {
    case DuplicateAnswers::reject:
      return "reject";
    case DuplicateAnswers::keep_first:
      return "keep_first";
    case DuplicateAnswers::keep_last:
      return "keep_last";
    case DuplicateAnswers::keep_all:
      return "keep_all";
  }
  return "unknown";
}

namespace detail {

/// Applies `policy` to `records`: returns the surviving records in input order (stable).
/// `keep_all` returns a copy of the input. O(N log N) time (one sort of positions by
/// (item, annotator, position)), O(N) memory.
/// @throws labelkit::invalid_argument under `reject` if a pair repeats (naming it and the two
///         record positions), or for a policy value outside the enum.
template <class = void>
std::vector<Annotation> apply_duplicate_policy(std::span<const Annotation> records,
                                               DuplicateAnswers policy, const char* function) {
  switch (policy) {
    case DuplicateAnswers::reject:
    case DuplicateAnswers::keep_first:
    case DuplicateAnswers::keep_last:
    case DuplicateAnswers::keep_all:
      break;
    default:
      fail(function, "'duplicates' is not a DuplicateAnswers value (got ", static_cast<int>(policy),
           ")");
  }
  if (policy == DuplicateAnswers::keep_all) return {records.begin(), records.end()};
  std::vector<std::size_t> order(records.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Annotation& a = records[x];
    const Annotation& b = records[y];
    if (a.item != b.item) return a.item < b.item;
    if (a.annotator != b.annotator) return a.annotator < b.annotator;
    return x < y;
  });
  std::vector<char> keep(records.size(), 0);
  for (std::size_t s = 0; s < order.size();) {
    std::size_t e = s + 1;
    while (e < order.size() && records[order[e]].item == records[order[s]].item &&
           records[order[e]].annotator == records[order[s]].annotator) {
      ++e;
    }
    if (e - s > 1 && policy == DuplicateAnswers::reject) {
      fail(function, "annotator ", records[order[s]].annotator, " answered item ",
           records[order[s]].item, " more than once (records ", order[s], " and ", order[s + 1],
           "; expected one answer per item and annotator, or pass a DuplicateAnswers policy: "
           "keep_first, keep_last or keep_all)");
    }
    keep[policy == DuplicateAnswers::keep_last ? order[e - 1] : order[s]] = 1;
    s = e;
  }
  std::vector<Annotation> out;
  out.reserve(records.size());
  for (std::size_t r = 0; r < records.size(); ++r) {
    if (keep[r]) out.push_back(records[r]);
  }
  return out;
}

}  // namespace detail

/// `records` under `policy`: the surviving records in input order (stable), e.g. to aggregate
/// with another policy than the quality functions' `keep_all` (they count every record):
/// `dawid_skene(apply_duplicates(records, DuplicateAnswers::keep_last), C)`. O(N log N).
/// @throws labelkit::invalid_argument under `reject` if an (item, annotator) pair repeats,
///   naming it and the two record positions.
template <class = void>
[[nodiscard]] std::vector<Annotation> apply_duplicates(std::span<const Annotation> records,
                                                       DuplicateAnswers policy) {
  return detail::apply_duplicate_policy(records, policy, "apply_duplicates");
}

LABELKIT_END_NAMESPACE
