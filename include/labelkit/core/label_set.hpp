#pragma once
/// @file
/// `LabelSet`: the one label-set type of every area. Class names ↔ class indices, lookup by name,
/// the class count, single- or multi-label answers, and the Label Studio control names. The task
/// queue, the pre-labelers, the quality functions and the exports all take it. A vocabulary
/// header: no Eigen, no nlohmann_json.

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/utf8.hpp"

LABELKIT_BEGIN_NAMESPACE

/// What an annotator answers for an item.
enum class AnnotationType {
  single_label,  ///< Exactly one class (multi-class classification).
  multi_label,   ///< Any subset of the classes, possibly empty (multi-label classification).
};

/// The name of an annotation type as written in JSON ("single_label", "multi_label").
[[nodiscard]] constexpr std::string_view to_string(AnnotationType type) noexcept {
  return type == AnnotationType::single_label ? "single_label" : "multi_label";
}

/// Optional parts of a LabelSet besides its class names.
struct LabelSetOptions {
  AnnotationType type = AnnotationType::single_label;  ///< Single- or multi-label answers.
  /// The set's name: unique within a task queue; Label Studio's control tag (`from_name`,
  /// e.g. `<Choices name="digit" toName="image">`).
  std::string from_name = "label";
  std::string to_name = "text";  ///< Label Studio's object tag that the control labels.
};

/// An ordered, non-empty set of distinct class names; class index c is `name(c)`. Immutable.
///
/// Every label in labelkit is an index into a LabelSet. Names are compared after
/// `LabelSet::normalize`: ASCII whitespace trimmed at both ends, inner runs of ASCII whitespace
/// collapsed to one space, ASCII letters lower-cased. Bytes >= 0x80 (UTF-8 sequences) are
/// compared exactly: "Été" and "été" are different names (no Unicode case folding), and
/// non-ASCII spaces (U+00A0) are not whitespace. Two classes may not normalise to the same text:
/// they could not be told apart in an LLM's reply or a hand-written file.
///
///     labelkit::LabelSet digits({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
///     digits.size();        // 10
///     digits.name(3);       // "3"
///     digits.find(" 7 ");   // 7
class LabelSet {
 public:
  /// @throws labelkit::invalid_argument if `names` is empty or holds more than `max_classes`
  ///   names, a name is empty after normalisation, two names normalise to the same text, a name
  ///   is not valid UTF-8, or `options.from_name` is empty.
  template <class = void>
  explicit LabelSet(std::vector<std::string> names, LabelSetOptions options = {})
      : names_(std::move(names)), options_(std::move(options)) {
    constexpr const char* function = "LabelSet";
    if (names_.empty()) detail::fail(function, "'names' is empty (expected at least 1 label)");
    if (names_.size() > static_cast<std::size_t>(max_classes)) {
      detail::fail(function, "'names' holds ", names_.size(), " classes (the limit is ",
                   max_classes, ", labelkit::max_classes)");
    }
    if (options_.from_name.empty()) detail::fail(function, "'options.from_name' is empty");
    if (!detail::valid_utf8(options_.from_name) || !detail::valid_utf8(options_.to_name)) {
      detail::fail(function, "'options.from_name' or 'options.to_name' is not valid UTF-8");
    }
    normalized_.reserve(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (!detail::valid_utf8(names_[i])) {
        detail::fail(function, "'names' entry ", i, " is not valid UTF-8");
      }
      std::string key = normalize(names_[i]);
      if (key.empty()) detail::fail(function, "'names' entry ", i, " is empty or only whitespace");
      for (std::size_t j = 0; j < normalized_.size(); ++j) {
        if (normalized_[j] == key) {
          detail::fail(function, "'names' entries ", j, " ('", names_[j], "') and ", i, " ('",
                       names_[i], "') are duplicates (same name ignoring case and whitespace)");
        }
      }
      normalized_.push_back(std::move(key));
    }
  }

  /// A single-label set with default Label Studio names.
  /// @throws labelkit::invalid_argument as the constructor from a vector.
  template <class = void>
  LabelSet(std::initializer_list<std::string> names) : LabelSet(std::vector<std::string>(names)) {}

  /// Number of classes C (the `n_classes` every area asks for).
  [[nodiscard]] int size() const noexcept { return static_cast<int>(names_.size()); }

  /// Number of classes C; the same as size().
  [[nodiscard]] int n_classes() const noexcept { return size(); }

  /// The name of class `c` as given. @throws labelkit::invalid_argument if c is out of range.
  [[nodiscard]] const std::string& name(int c) const {
    if (c < 0 || c >= size()) {
      detail::fail("LabelSet::name", "'c' is out of range (got ", c, ", expected 0 <= c < ", size(),
                   ")");
    }
    return names_[static_cast<std::size_t>(c)];
  }

  /// All class names, in class order.
  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return names_; }

  /// The class whose name equals `text` after normalisation, or nullopt. O(C · length).
  [[nodiscard]] std::optional<int> find(std::string_view text) const {
    const std::string key = normalize(text);
    for (std::size_t c = 0; c < normalized_.size(); ++c) {
      if (normalized_[c] == key) return static_cast<int>(c);
    }
    return std::nullopt;
  }

  /// The class whose name equals `text` after normalisation.
  /// @throws labelkit::invalid_argument naming `text` if no class has that name.
  [[nodiscard]] int index_of(std::string_view text) const {
    if (auto c = find(text)) return *c;
    detail::fail("LabelSet::index_of", "no class of label set '", options_.from_name,
                 "' is named '", text, "'");
  }

  /// Single- or multi-label answers.
  [[nodiscard]] AnnotationType type() const noexcept { return options_.type; }

  /// True for a multi-label set.
  [[nodiscard]] bool multi_label() const noexcept {
    return options_.type == AnnotationType::multi_label;
  }

  /// The set's name (Label Studio `from_name`).
  [[nodiscard]] const std::string& from_name() const noexcept { return options_.from_name; }

  /// Label Studio `to_name`.
  [[nodiscard]] const std::string& to_name() const noexcept { return options_.to_name; }

  /// The options the set was built with.
  [[nodiscard]] const LabelSetOptions& options() const noexcept { return options_; }

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

  /// Equal names (exactly, in order), type and Label Studio names.
  friend bool operator==(const LabelSet& a, const LabelSet& b) {
    return a.names_ == b.names_ && a.options_.type == b.options_.type &&
           a.options_.from_name == b.options_.from_name && a.options_.to_name == b.options_.to_name;
  }

 private:
  static constexpr bool is_space(char ch) noexcept {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
  }

  std::vector<std::string> names_;
  LabelSetOptions options_;
  std::vector<std::string> normalized_;
};

LABELKIT_END_NAMESPACE
