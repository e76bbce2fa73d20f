#pragma once
/// @file
/// One depth limit and one size limit for every JSON document labelkit reads: LLM replies, task
/// payloads, Label Studio exports, JSON Lines, checkpoints and the report tool's inputs.
///
/// nlohmann_json parses without recursion, but copying, dumping and comparing a value recurse once
/// per nesting level, so a document nested 70,000 deep (140 KB of brackets) overflows the stack
/// long after it was parsed. labelkit therefore measures the depth of the text *before* nlohmann
/// sees it, in one linear scan that needs no stack, and refuses what is too deep or too large with
/// a labelkit::parse_error. Values built in C++ (a task payload passed to `add_task`) are checked
/// the same way, without recursion, and their strings must be valid UTF-8: one bad byte would
/// otherwise be accepted on entry and make every later checkpoint and export of the queue fail.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/utf8.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Limits on a JSON document that labelkit reads. Every reader takes one in its options; the
/// defaults admit any real export (Label Studio nests about 6 deep) and refuse hostile input early.
struct JsonLimits {
  /// Deepest nesting of arrays and objects accepted; the top-level value is depth 1.
  std::size_t max_depth = 64;
  /// Largest document, in bytes, accepted as one text (a whole file, or one JSON Lines line).
  std::size_t max_bytes = std::size_t{1} << 30;
};

namespace detail {

/// Depth of the deepest array or object in `text`, counting only brackets outside strings; stops
/// and returns `limit + 1` as soon as the depth passes `limit`. Linear, no recursion, no
/// allocation. Malformed text is not diagnosed here: the parser does that afterwards.
[[nodiscard]] constexpr std::size_t json_depth(std::string_view text, std::size_t limit) noexcept {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return limit + 1;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Parses `text` as one JSON document within `limits`. Every failure (too large, too deep,
/// malformed, invalid UTF-8, a number that overflows a double) is a labelkit::parse_error whose
/// message starts `labelkit: function(): where` and says what was wrong.
template <class Json = nlohmann::json>
[[nodiscard]] Json parse_json(std::string_view text, const JsonLimits& limits,
                              std::string_view function, std::string_view where = {}) {
  if (text.size() > limits.max_bytes) {
    fail<parse_error>(function, where, "JSON text of ", text.size(),
                      " bytes is larger than the limit of ", limits.max_bytes,
                      " bytes (JsonLimits::max_bytes)");
  }
  if (json_depth(text, limits.max_depth) > limits.max_depth) {
    fail<parse_error>(function, where, "JSON nested deeper than the limit of ", limits.max_depth,
                      " levels (JsonLimits::max_depth)");
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error, out_of_range (1e400), ...
    fail<parse_error>(function, where, "invalid JSON: ", e.what());
  }
}

/// Checks a value built in memory against `limits.max_depth` and that every string and object
/// key in it is valid UTF-8, without recursion. Throws labelkit::invalid_argument naming
/// `what` (e.g. "task 17's payload") otherwise.
template <class Json>
void check_json_value(const Json& value, const JsonLimits& limits, std::string_view function,
                      std::string_view what) {
  std::vector<std::pair<const Json*, std::size_t>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (node->is_string()) {
      if (!valid_utf8(node->template get_ref<const std::string&>())) {
        fail(function, what, " holds a string that is not valid UTF-8");
      }
      continue;
    }
    if (!node->is_structured()) continue;
    if (depth > limits.max_depth) {
      fail(function, what, " is nested deeper than the limit of ", limits.max_depth,
           " levels (JsonLimits::max_depth)");
    }
    if (node->is_object()) {
      for (auto it = node->cbegin(); it != node->cend(); ++it) {
        if (!valid_utf8(it.key())) fail(function, what, " has a key that is not valid UTF-8");
        pending.emplace_back(&it.value(), depth + 1);
      }
    } else {
      for (const auto& child : *node) pending.emplace_back(&child, depth + 1);
    }
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
