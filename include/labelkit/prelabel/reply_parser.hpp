#pragma once
/// @file
/// Parses an LLM's reply text into a `PreLabel`, or into a parse-error *value*: the parser never
/// throws on garbage (truncated JSON, prose, wrong types, hostile text).
///
/// Accepted: a JSON object with `"label"` (a string naming a class of the label set, compared
/// case- and whitespace-insensitively, see `LabelSet::normalize`) and `"confidence"` (a JSON
/// number in [0, 1]), optionally `"rationale"` (a string). The object may stand alone, sit in a
/// fenced code block (```json ... ```), be surrounded by prose, or be nested one level inside
/// another object (`{"answer": {"label": ...}}`). Keys are matched case-insensitively.

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/label_set.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// What went wrong while parsing a reply.
enum class ReplyError {
  none,                     ///< Parsed.
  empty_reply,              ///< The reply is empty or only whitespace.
  reply_too_long,           ///< Longer than `ReplyParserOptions::max_reply_bytes`.
  no_json_object,           ///< No '{' at all.
  invalid_json,             ///< Braces, but no well-formed JSON object (truncated, bad syntax).
  missing_label,            ///< A JSON object, but no "label" field (or it is null).
  label_not_string,         ///< "label" is a number, bool, array or object.
  unknown_label,            ///< "label" names no class of the label set.
  missing_confidence,       ///< No "confidence" field (or it is null).
  confidence_not_number,    ///< "confidence" is a string, bool, array or object.
  confidence_out_of_range,  ///< "confidence" is outside [0, 1] (or overflows to infinity).
  ambiguous,                ///< Several answer objects naming different labels.
};

/// Stable snake_case name of a ReplyError ("unknown_label", ...).
[[nodiscard]] constexpr std::string_view to_string(ReplyError error) noexcept {
  switch (error) {
    case ReplyError::none: return "none";
    case ReplyError::empty_reply: return "empty_reply";
    case ReplyError::reply_too_long: return "reply_too_long";
    case ReplyError::no_json_object: return "no_json_object";
    case ReplyError::invalid_json: return "invalid_json";
    case ReplyError::missing_label: return "missing_label";
    case ReplyError::label_not_string: return "label_not_string";
    case ReplyError::unknown_label: return "unknown_label";
    case ReplyError::missing_confidence: return "missing_confidence";
    case ReplyError::confidence_not_number: return "confidence_not_number";
    case ReplyError::confidence_out_of_range: return "confidence_out_of_range";
    case ReplyError::ambiguous: return "ambiguous";
  }
  return "unknown";
}

/// The result of `parse_reply`: a PreLabel, or an error kind with a message naming the field and
/// the offending value (truncated to about 80 bytes, valid UTF-8).
struct ParsedReply {
  std::optional<PreLabel> prelabel{};  ///< Set when parsing succeeded.
  ReplyError error = ReplyError::none;  ///< `none` when parsing succeeded.
  std::string message{};              ///< Empty when parsing succeeded.

  /// Whether a PreLabel was parsed.
  [[nodiscard]] bool ok() const noexcept { return prelabel.has_value(); }
};

/// Limits that bound the parser's work on hostile input.
struct ReplyParserOptions {
  /// Longer replies are rejected (`reply_too_long`) without being scanned.
  std::size_t max_reply_bytes = 256 * 1024;
  /// At most this many '{' positions are tried as the start of an object. The scan is
  /// O(max_candidates * reply length) in the worst case ("{{{{...").
  std::size_t max_candidates = 64;
};

}  // namespace prelabel
namespace detail {

/// Position one past the '}' closing the object that opens at text[open], or npos if the object
/// is not closed (truncated). Braces inside JSON strings (with \" escapes) do not count.
[[nodiscard]] inline std::size_t match_object(std::string_view text, std::size_t open) noexcept {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{') {
      ++depth;
    } else if (ch == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

/// A short, valid-UTF-8 rendering of a JSON value for error messages.
[[nodiscard]] inline std::string describe(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr std::size_t limit = 80;
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

/// The member of `object` whose key normalises to `key` (exact match preferred), or nullptr.
[[nodiscard]] inline const nlohmann::json* find_member(const nlohmann::json& object,
                                                       std::string_view key) {
  const auto exact = object.find(std::string(key));
  if (exact != object.end()) return &*exact;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (prelabel::LabelSet::normalize(it.key()) == key) return &it.value();
  }
  return nullptr;
}

/// The object holding the answer: `object` itself if it has a "label" key, else the first
/// object value (depth-first, up to `depth` levels) that has one; nullptr if none.
[[nodiscard]] inline const nlohmann::json* answer_object(const nlohmann::json& object, int depth) {
  if (find_member(object, "label") != nullptr) return &object;
  if (depth == 0) return nullptr;
  for (const auto& value : object) {
    if (value.is_object()) {
      if (const nlohmann::json* inner = answer_object(value, depth - 1)) return inner;
    }
  }
  return nullptr;
}

[[nodiscard]] inline prelabel::ParsedReply reply_error(prelabel::ReplyError error, std::string message) {
  prelabel::ParsedReply out;
  out.error = error;
  out.message = std::move(message);
  return out;
}

/// Validates one answer object against the label set.
[[nodiscard]] inline prelabel::ParsedReply read_answer(const nlohmann::json& object, const prelabel::LabelSet& labels) {
  const nlohmann::json* label = find_member(object, "label");
  if (label == nullptr || label->is_null()) {
    return reply_error(prelabel::ReplyError::missing_label, "the reply has no \"label\" field");
  }
  if (!label->is_string()) {
    return reply_error(prelabel::ReplyError::label_not_string,
                       labelkit::detail::concat("\"label\" is not a string (got ", describe(*label),
                                                ")"));
  }
  const std::optional<int> index = labels.find(label->get_ref<const std::string&>());
  if (!index) {
    std::string expected;
    for (int c = 0; c < labels.size() && c < 20; ++c) {
      expected += (c == 0 ? "" : ", ") + describe(nlohmann::json(labels.name(c)));
    }
    if (labels.size() > 20) expected += ", ...";
    return reply_error(prelabel::ReplyError::unknown_label,
                       labelkit::detail::concat("\"label\" ", describe(*label),
                                                " is not in the label set (expected one of ",
                                                expected, ")"));
  }
  const nlohmann::json* confidence = find_member(object, "confidence");
  if (confidence == nullptr || confidence->is_null()) {
    return reply_error(prelabel::ReplyError::missing_confidence, "the reply has no \"confidence\" field");
  }
  if (!confidence->is_number()) {
    return reply_error(prelabel::ReplyError::confidence_not_number,
                       labelkit::detail::concat("\"confidence\" is not a number (got ",
                                                describe(*confidence), ")"));
  }
  const double value = confidence->get<double>();
  if (!(value >= 0.0 && value <= 1.0)) {
    return reply_error(prelabel::ReplyError::confidence_out_of_range,
                       labelkit::detail::concat("\"confidence\" is outside [0, 1] (got ",
                                                describe(*confidence), ")"));
  }
  prelabel::ParsedReply out;
  prelabel::PreLabel p;
  p.label = *index;
  p.confidence = value;
  if (const nlohmann::json* rationale = find_member(object, "rationale");
      rationale != nullptr && rationale->is_string()) {
    p.rationale = rationale->get<std::string>();
  }
  out.prelabel = std::move(p);
  return out;
}

/// [begin, end) ranges of fenced code blocks (``` ... ```); an unclosed fence runs to the end.
[[nodiscard]] inline std::vector<std::pair<std::size_t, std::size_t>> fenced_blocks(
    std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> blocks;
  std::size_t pos = 0;
  while ((pos = text.find("```", pos)) != std::string_view::npos) {
    const std::size_t begin = pos + 3;
    const std::size_t close = text.find("```", begin);
    blocks.emplace_back(begin, close == std::string_view::npos ? text.size() : close);
    if (close == std::string_view::npos) break;
    pos = close + 3;
  }
  return blocks;
}

}  // namespace detail
namespace prelabel {

/// Parses an LLM reply into a PreLabel (label index into `labels`, confidence, rationale), or
/// returns the reason it cannot.
///
/// Every '{' (outside objects already read, at most `options.max_candidates`) is tried as the
/// start of a JSON object, matched to its closing brace with JSON string rules and parsed with
/// nlohmann_json (no exceptions). Objects holding a "label" key — directly or in a nested object
/// — are the answer candidates; if any lies in a fenced code block, only those count. If the
/// valid candidates name different labels the reply is `ambiguous` (e.g. an item's injected
/// `{"label": ...}` echoed before the real answer); if they agree, the first wins. With no
/// valid candidate the error of the first candidate is returned; with none at all,
/// `missing_label`, `invalid_json` or `no_json_object`.
///
/// Never throws on any input text (only std::bad_alloc can escape). O(max_candidates * n).
[[nodiscard]] inline ParsedReply parse_reply(std::string_view reply, const LabelSet& labels,
                                             const ReplyParserOptions& options = {}) {
  using nlohmann::json;
  if (reply.size() > options.max_reply_bytes) {
    return detail::reply_error(
        ReplyError::reply_too_long,
        labelkit::detail::concat("the reply is ", reply.size(), " bytes (limit ",
                                 options.max_reply_bytes, ")"));
  }
  if (LabelSet::normalize(reply).empty()) {
    return detail::reply_error(ReplyError::empty_reply, "the reply is empty");
  }
  const auto fences = detail::fenced_blocks(reply);
  auto in_fence = [&](std::size_t pos) {
    for (const auto& [begin, end] : fences) {
      if (pos >= begin && pos < end) return true;
    }
    return false;
  };

  struct Candidate {
    ParsedReply parsed;
    bool fenced;
  };
  std::vector<Candidate> candidates;
  bool saw_brace = false;
  bool saw_object = false;
  std::size_t tried = 0;
  for (std::size_t i = reply.find('{'); i != std::string_view::npos && tried < options.max_candidates;
       i = reply.find('{', i)) {
    saw_brace = true;
    ++tried;
    const std::size_t end = detail::match_object(reply, i);
    if (end == std::string_view::npos) {  // truncated: look for complete objects inside it
      ++i;
      continue;
    }
    const json value = json::parse(reply.substr(i, end - i), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_object()) {
      ++i;  // malformed: an inner object may still be well formed
      continue;
    }
    saw_object = true;
    if (const json* answer = detail::answer_object(value, 3)) {
      candidates.push_back({detail::read_answer(*answer, labels), in_fence(i)});
    }
    i = end;
  }

  bool any_fenced = false;
  for (const Candidate& c : candidates) any_fenced = any_fenced || c.fenced;
  const ParsedReply* first = nullptr;
  const ParsedReply* first_valid = nullptr;
  for (const Candidate& c : candidates) {
    if (any_fenced && !c.fenced) continue;
    if (first == nullptr) first = &c.parsed;
    if (!c.parsed.ok()) continue;
    if (first_valid == nullptr) {
      first_valid = &c.parsed;
    } else if (first_valid->prelabel->label != c.parsed.prelabel->label) {
      return detail::reply_error(
          ReplyError::ambiguous,
          labelkit::detail::concat("the reply contains answers naming different labels (",
                                   labels.name(first_valid->prelabel->label), " and ",
                                   labels.name(c.parsed.prelabel->label), ")"));
    }
  }
  if (first_valid != nullptr) return *first_valid;
  if (first != nullptr) return *first;
  if (saw_object) {
    return detail::reply_error(ReplyError::missing_label,
                               "the reply's JSON object has no \"label\" field");
  }
  if (saw_brace) {
    return detail::reply_error(ReplyError::invalid_json,
                               "the reply has no well-formed JSON object (truncated or invalid)");
  }
  return detail::reply_error(ReplyError::no_json_object, "the reply contains no JSON object");
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
