#pragma once
/// @file
/// `LabelSet`: the class names a pre-labeler chooses from, with the case- and
/// whitespace-insensitive lookup the LLM reply parser uses.

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// An ordered, non-empty set of distinct class names; class index c is `name(c)`.
///
/// Names are compared after `LabelSet::normalize`: ASCII whitespace trimmed at both ends, inner
/// runs of ASCII whitespace collapsed to one space, ASCII letters lower-cased. Bytes >= 0x80
/// (UTF-8 sequences) are compared exactly: "Été" and "été" are different names (no Unicode case
/// folding), and non-ASCII spaces (U+00A0) are not whitespace.
class LabelSet {
 public:
  /// @throws labelkit::invalid_argument if `names` is empty, a name is empty after
  /// normalisation, or two names normalise to the same text (they could not be told apart in a
  /// reply).
  explicit LabelSet(std::vector<std::string> names) : names_(std::move(names)) {
    if (names_.empty()) labelkit::detail::fail("LabelSet", "'names' is empty (expected at least 1 label)");
    normalized_.reserve(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i) {
      std::string key = normalize(names_[i]);
      if (key.empty()) {
        labelkit::detail::fail("LabelSet", "'names' entry ", i, " is empty or only whitespace");
      }
      for (std::size_t j = 0; j < normalized_.size(); ++j) {
        if (normalized_[j] == key) {
          labelkit::detail::fail("LabelSet", "'names' entries ", j, " ('", names_[j], "') and ", i, " ('",
                       names_[i], "') are duplicates (same name ignoring case and whitespace)");
        }
      }
      normalized_.push_back(std::move(key));
    }
  }

  /// @copydoc LabelSet(std::vector<std::string>)
  LabelSet(std::initializer_list<std::string> names)
      : LabelSet(std::vector<std::string>(names)) {}

  /// Number of classes C.
  [[nodiscard]] int size() const noexcept { return static_cast<int>(names_.size()); }

  /// The name of class `c` as given. @throws labelkit::invalid_argument if c is out of range.
  [[nodiscard]] const std::string& name(int c) const {
    if (c < 0 || c >= size()) {
      labelkit::detail::fail("LabelSet::name", "'c' is out of range (got ", c, ", expected 0 <= c < ",
                   size(), ")");
    }
    return names_[static_cast<std::size_t>(c)];
  }

  /// All names, in class order.
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

  /// The class whose name equals `text` after normalisation, or nullopt. O(C * length).
  [[nodiscard]] std::optional<int> find(std::string_view text) const {
    const std::string key = normalize(text);
    for (std::size_t c = 0; c < normalized_.size(); ++c) {
      if (normalized_[c] == key) return static_cast<int>(c);
    }
    return std::nullopt;
  }

  /// Trims ASCII whitespace, collapses inner whitespace runs to one space, lower-cases ASCII.
  [[nodiscard]] static std::string normalize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pending_space = false;
    for (const char ch : text) {
      if (is_space(ch)) {
        pending_space = !out.empty();
        continue;
      }
      if (pending_space) out.push_back(' ');
      pending_space = false;
      out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
    }
    return out;
  }

 private:
  static constexpr bool is_space(char ch) noexcept {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
  }

  std::vector<std::string> names_;
  std::vector<std::string> normalized_;
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
