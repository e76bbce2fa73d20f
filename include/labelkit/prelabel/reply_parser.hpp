#pragma once
/// @file
/// Parses an LLM's reply text into a `PreLabel`, or into a parse-error *value*: the parser never
/// throws on garbage (truncated JSON, prose, wrong types, hostile text).
///
/// Accepted: a JSON object with `"label"` (a string naming a class of the label set, compared
/// case- and whitespace-insensitively, see `LabelSet::normalize`) and `"confidence"` (a JSON
/// number in [0, 1]), optionally `"rationale"` (a string). The object may stand alone, sit in a
/// fenced code block (```json ... ```; the fence gives it no priority), be surrounded by prose,
/// or be nested exactly one level inside another object (`{"answer": {"label": ...}}`, read only
/// when the outer object has no "label" key itself; `{"a": {"b": {"label": ...}}}` is not read).
/// Keys are matched case- and whitespace-insensitively (see `LabelSet::normalize`).
///
/// An accepted reply has exactly one reading. The result is `ReplyError::ambiguous`, naming both
/// readings, when a key repeats in an answer's JSON object (also as `Label` / `LABEL`), or when
/// the reply holds several answers that differ in label, confidence or validity (two nested
/// answers; an echoed or injected answer before the real one). When the reply has more '{' than
/// `ReplyParserOptions::max_candidates` the result is `ReplyError::candidate_limit`: the parser
/// never picks among answers it has not all read. Every JSON object is measured for depth before
/// it is parsed (`ReplyParserOptions::json_limits`), and error messages render values without
/// recursion, so no reply can overflow the stack.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
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
  ambiguous,                ///< A key repeats, or several answers differ: more than one reading.
  candidate_limit,          ///< More '{' than `ReplyParserOptions::max_candidates`: not fully read.
};

/// Stable snake_case name of a ReplyError ("unknown_label", ...).
[[nodiscard]] constexpr std::string_view to_string(ReplyError error) noexcept {
  switch (error) {
    case ReplyError::none:
      return "none";
    case ReplyError::empty_reply:
      return "empty_reply";
    case ReplyError::reply_too_long:
      return "reply_too_long";
    case ReplyError::no_json_object:
      return "no_json_object";
    case ReplyError::invalid_json:
      return "invalid_json";
    case ReplyError::missing_label:
      return "missing_label";
    case ReplyError::label_not_string:
      return "label_not_string";
    case ReplyError::unknown_label:
      return "unknown_label";
    case ReplyError::missing_confidence:
      return "missing_confidence";
    case ReplyError::confidence_not_number:
      return "confidence_not_number";
    case ReplyError::confidence_out_of_range:
      return "confidence_out_of_range";
    case ReplyError::ambiguous:
      return "ambiguous";
    case ReplyError::candidate_limit:
      return "candidate_limit";
  }
  return "unknown";
}

/// The result of `parse_reply`: a PreLabel, or an error kind with a message naming the field and
/// the offending value (truncated to about 80 bytes, valid UTF-8).
struct ParsedReply {
  std::optional<PreLabel> prelabel{};   ///< Set when parsing succeeded.
  ReplyError error = ReplyError::none;  ///< `none` when parsing succeeded.
  std::string message{};                ///< Empty when parsing succeeded.

  /// Whether a PreLabel was parsed.
  [[nodiscard]] bool ok() const noexcept { return prelabel.has_value(); }
};

/// Limits that bound the parser's work on hostile input.
struct ReplyParserOptions {
  /// Longer replies are rejected (`reply_too_long`) without being scanned.
  std::size_t max_reply_bytes = std::size_t{256} * 1024;
  /// At most this many '{' positions are tried as the start of an object; a reply with more is
  /// refused (`candidate_limit`). The scan is O(max_candidates * reply length) in the worst case
  /// ("{{{{...").
  std::size_t max_candidates = 64;
  /// Depth limit of every JSON object read from the reply (`max_depth`, default 64; the top-level
  /// object is depth 1). A deeper object makes the reply `invalid_json`: it is never parsed.
  /// `max_bytes` applies too, but `max_reply_bytes` is usually the tighter bound.
  JsonLimits json_limits{};
};

}  // namespace prelabel
namespace detail {

/// Position one past the '}' closing the object that opens at text[open], or npos if the object
/// is not closed (truncated). Braces inside JSON strings (with \" escapes) do not count.
[[nodiscard]] constexpr std::size_t match_object(std::string_view text, std::size_t open) noexcept {
  std::size_t depth = 0;
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
    } else if (ch == '}' && depth > 0) {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

/// `text` cut to at most `limit` bytes at a UTF-8 boundary, with "..." appended when cut.
[[nodiscard]] inline std::string cut_text(std::string text, std::size_t limit = 80) {
  if (text.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

/// A short, valid-UTF-8 rendering of a JSON value for error messages: compact JSON, cut after
/// about `limit` bytes. Iterative (an explicit stack, no recursive dump) and it stops writing once
/// past the limit, so it is O(limit + depth) on any value.
template <class Json>
[[nodiscard]] std::string describe(const Json& value, std::size_t limit = 80) {
  constexpr auto replace = Json::error_handler_t::replace;
  struct Frame {
    const Json* node;
    typename Json::const_iterator next;
  };
  std::string text;
  std::vector<Frame> stack;
  const auto open = [&](const Json& v) {
    if (v.is_object()) {
      text += '{';
    } else if (v.is_array()) {
      text += '[';
    } else {
      text += v.dump(-1, ' ', false, replace);  // a scalar: no recursion
      return;
    }
    stack.push_back({&v, v.cbegin()});
  };
  open(value);
  while (!stack.empty() && text.size() <= limit) {
    Frame& top = stack.back();
    const Json& node = *top.node;
    if (top.next == node.cend()) {
      text += node.is_object() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    if (top.next != node.cbegin()) text += ',';
    const auto it = top.next++;
    if (node.is_object()) {
      text += Json(it.key()).dump(-1, ' ', false, replace);
      text += ':';
    }
    open(*it);  // may grow the stack: `top` is not used after this
  }
  return cut_text(std::move(text), limit);
}

/// A key or string rendered as a quoted JSON string, cut like `describe`.
template <class Json = nlohmann::json>
[[nodiscard]] std::string json_quoted(std::string_view text) {
  return cut_text(Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace));
}

/// The shortest decimal that reads back as `value` ("0.9", "1").
[[nodiscard]] inline std::string shortest(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc{} ? std::string(buffer, end) : std::string("?");
}

/// The member of `object` whose key normalises to `key` (exact match preferred), or nullptr.
template <class Json>
[[nodiscard]] const Json* find_member(const Json& object, std::string_view key) {
  const auto exact = object.find(std::string(key));
  if (exact != object.end()) return &*exact;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (prelabel::LabelSet::normalize(it.key()) == key) return &it.value();
  }
  return nullptr;
}

/// The answer objects of a top-level JSON object: the object itself when it has a "label" key;
/// otherwise each of its object-valued members that has one (one level deep, in key order).
template <class Json>
[[nodiscard]] std::vector<const Json*> answer_objects(const Json& object) {
  if (find_member(object, "label") != nullptr) return {&object};
  std::vector<const Json*> out;
  for (const auto& value : object) {
    if (value.is_object() && find_member(value, "label") != nullptr) out.push_back(&value);
  }
  return out;
}

/// Whether some object deeper than one level inside `object` has a "label" key. Iterative.
template <class Json>
[[nodiscard]] bool has_deeper_label(const Json& object) {
  std::vector<std::pair<const Json*, int>> pending{{&object, 0}};
  while (!pending.empty()) {
    const auto [node, level] = pending.back();
    pending.pop_back();
    if (node->is_object() && level >= 2 && find_member(*node, "label") != nullptr) return true;
    if (node->is_structured()) {
      for (const auto& child : *node) pending.emplace_back(&child, level + 1);
    }
  }
  return false;
}

/// A key that appears twice in one JSON object (after `LabelSet::normalize`), with both values.
struct RepeatedKey {
  std::string key;                        ///< Normalised key.
  std::string first, second;              ///< The two spellings of the key as written.
  std::string first_value, second_value;  ///< The two values, rendered briefly.
};

/// SAX handler for nlohmann::json::sax_parse that finds the first repeated key of any object
/// (keys compared after `LabelSet::normalize`). The DOM parser keeps only one of the values, so
/// the repeat must be seen while parsing. Stops the parse at the first repeat.
template <class Json>
class RepeatedKeyFinder {
 public:
  using number_integer_t = typename Json::number_integer_t;
  using number_unsigned_t = typename Json::number_unsigned_t;
  using number_float_t = typename Json::number_float_t;
  using string_t = typename Json::string_t;
  using binary_t = typename Json::binary_t;

  bool null() { return value("null"); }
  bool boolean(bool v) { return value(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) { return value(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) { return value(std::to_string(v)); }
  bool number_float(number_float_t v, const string_t& /*text*/) {
    return value(shortest(static_cast<double>(v)));
  }
  bool string(string_t& v) { return value(describe(Json(v))); }
  bool binary(binary_t& /*v*/) { return value("(binary)"); }
  bool start_object(std::size_t /*elements*/) {
    if (!value("{...}")) return false;
    frames_.push_back(Frame{true, {}, nullptr});
    return true;
  }
  bool key(string_t& k) {
    Frame& frame = frames_.back();
    std::string normalized = prelabel::LabelSet::normalize(k);
    const auto [it, inserted] = frame.keys.try_emplace(std::move(normalized), Entry{k, {}});
    if (!inserted) {
      found_ = RepeatedKey{it->first, it->second.spelling, k, it->second.value, {}};
      frame.pending = nullptr;
      awaiting_repeat_ = true;
    } else {
      frame.pending = &it->second.value;
    }
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    if (!value("[...]")) return false;
    frames_.push_back(Frame{false, {}, nullptr});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& /*e*/) {
    return false;
  }

  /// The first repeated key, if any.
  [[nodiscard]] const std::optional<RepeatedKey>& found() const noexcept { return found_; }

 private:
  struct Entry {
    std::string spelling;
    std::string value;
  };
  struct Frame {
    bool object;
    std::map<std::string, Entry, std::less<>> keys;
    std::string* pending;  // where the next value's rendering goes
  };

  // Records a value in the enclosing object; false (stop parsing) once a repeat is complete.
  bool value(std::string text) {
    if (frames_.empty() || !frames_.back().object) return true;
    Frame& frame = frames_.back();
    if (awaiting_repeat_) {
      found_->second_value = std::move(text);
      return false;
    }
    if (frame.pending != nullptr) *frame.pending = std::move(text);
    frame.pending = nullptr;
    return true;
  }

  std::vector<Frame> frames_;
  std::optional<RepeatedKey> found_;
  bool awaiting_repeat_ = false;
};

/// The first repeated key of any object in `text` (a JSON document already accepted by
/// `parse_json`, so its depth is bounded), or nullopt.
template <class Json>
[[nodiscard]] std::optional<RepeatedKey> repeated_key(std::string_view text) {
  RepeatedKeyFinder<Json> finder;
  try {
    (void)Json::sax_parse(text.begin(), text.end(), &finder);
  } catch (const typename Json::exception&) {  // cannot happen on text parse_json accepted
  }
  return finder.found();
}

[[nodiscard]] inline prelabel::ParsedReply reply_error(prelabel::ReplyError error,
                                                       std::string message) {
  prelabel::ParsedReply out;
  out.error = error;
  out.message = std::move(message);
  return out;
}

/// Validates one answer object against the label set.
template <class Json>
[[nodiscard]] prelabel::ParsedReply read_answer(const Json& object,
                                                const prelabel::LabelSet& labels) {
  const Json* label = find_member(object, "label");
  if (label == nullptr || label->is_null()) {
    return reply_error(prelabel::ReplyError::missing_label, "the reply has no \"label\" field");
  }
  if (!label->is_string()) {
    return reply_error(prelabel::ReplyError::label_not_string,
                       concat("\"label\" is not a string (got ", describe(*label), ")"));
  }
  const std::optional<int> index = labels.find(label->template get_ref<const std::string&>());
  if (!index) {
    std::string expected;
    for (int c = 0; c < labels.size() && c < 20; ++c) {
      expected += (c == 0 ? "" : ", ") + json_quoted<Json>(labels.name(c));
    }
    if (labels.size() > 20) expected += ", ...";
    return reply_error(prelabel::ReplyError::unknown_label,
                       concat("\"label\" ", describe(*label),
                              " is not in the label set (expected one of ", expected, ")"));
  }
  const Json* confidence = find_member(object, "confidence");
  if (confidence == nullptr || confidence->is_null()) {
    return reply_error(prelabel::ReplyError::missing_confidence,
                       "the reply has no \"confidence\" field");
  }
  if (!confidence->is_number()) {
    return reply_error(prelabel::ReplyError::confidence_not_number,
                       concat("\"confidence\" is not a number (got ", describe(*confidence), ")"));
  }
  const double value = confidence->template get<double>();
  if (!(value >= 0.0 && value <= 1.0)) {
    return reply_error(
        prelabel::ReplyError::confidence_out_of_range,
        concat("\"confidence\" is outside [0, 1] (got ", describe(*confidence), ")"));
  }
  prelabel::ParsedReply out;
  prelabel::PreLabel p;
  p.label = *index;
  p.confidence = value;
  if (const Json* rationale = find_member(object, "rationale");
      rationale != nullptr && rationale->is_string()) {
    p.rationale = rationale->template get<std::string>();
  }
  out.prelabel = std::move(p);
  return out;
}

/// One answer found in a reply: how it reads, and the object it was read from (for messages).
struct ReplyAnswer {
  prelabel::ParsedReply parsed;
  std::string text;  ///< The answer object, rendered briefly.
};

/// Whether two answers are one reading: both valid with the same label and confidence, or both
/// refused for the same reason.
[[nodiscard]] inline bool same_reading(const prelabel::ParsedReply& a,
                                       const prelabel::ParsedReply& b) {
  if (a.ok() != b.ok()) return false;
  if (a.ok()) {
    return a.prelabel->label == b.prelabel->label &&
           a.prelabel->confidence == b.prelabel->confidence;
  }
  return a.error == b.error && a.message == b.message;
}

/// "positive with confidence 0.9", or the answer object and why it is refused.
[[nodiscard]] inline std::string reading_text(const ReplyAnswer& answer,
                                              const prelabel::LabelSet& labels) {
  if (answer.parsed.ok()) {
    return concat(labels.name(answer.parsed.prelabel->label), " with confidence ",
                  shortest(answer.parsed.prelabel->confidence));
  }
  return concat(answer.text, " (", prelabel::to_string(answer.parsed.error), ")");
}

}  // namespace detail
namespace prelabel {

/// Parses an LLM reply into a PreLabel (label index into `labels`, confidence, rationale), or
/// returns the reason it cannot.
///
/// Every '{' outside objects already read is tried, in order, as the start of a JSON object: it is
/// matched to its closing brace with JSON string rules, measured for depth, and parsed with
/// `detail::parse_json` (an unclosed or malformed object is skipped, and the '{' inside it are
/// tried next). The answers are the objects holding a "label" key, or their members one level
/// deep (see the file comment). The result is:
/// - `candidate_limit` when more than `options.max_candidates` '{' would have to be tried;
/// - `invalid_json` when an object is nested deeper than `options.json_limits.max_depth`;
/// - `ambiguous` when a key repeats in an object holding an answer, or when two answers are not
///   the same reading (same label and confidence, or refused for the same reason); the message
///   names both;
/// - otherwise the one reading: a PreLabel (rationale from the first answer), or the reason the
///   answer is refused; with no answer at all, `missing_label`, `invalid_json` or
///   `no_json_object`.
///
/// Never throws on any input text (only std::bad_alloc can escape). O(max_candidates * n) time,
/// O(n) memory, and stack use independent of the input.
/// @tparam Json the JSON type the objects are parsed into (nlohmann::json; a template parameter
///   so that the parser is compiled only where it is used).
template <class Json = nlohmann::json>
[[nodiscard]] ParsedReply parse_reply(std::string_view reply, const LabelSet& labels,
                                      const ReplyParserOptions& options = {}) {
  using json = Json;
  if (reply.size() > options.max_reply_bytes) {
    return detail::reply_error(ReplyError::reply_too_long,
                               detail::concat("the reply is ", reply.size(), " bytes (limit ",
                                              options.max_reply_bytes, ")"));
  }
  if (LabelSet::normalize(reply).empty()) {
    return detail::reply_error(ReplyError::empty_reply, "the reply is empty");
  }
  std::vector<detail::ReplyAnswer> answers;
  bool saw_brace = false;
  bool saw_object = false;
  bool deeper_label = false;
  std::size_t tried = 0;
  for (std::size_t i = reply.find('{'); i != std::string_view::npos; i = reply.find('{', i)) {
    if (tried == options.max_candidates) {
      return detail::reply_error(
          ReplyError::candidate_limit,
          detail::concat("the reply has more than ", options.max_candidates,
                         " '{' to try as JSON objects (ReplyParserOptions::max_candidates); the "
                         "rest of the reply was not read"));
    }
    saw_brace = true;
    ++tried;
    const std::size_t end = detail::match_object(reply, i);
    if (end == std::string_view::npos) {  // truncated: look for complete objects inside it
      ++i;
      continue;
    }
    const std::string_view text = reply.substr(i, end - i);
    if (detail::json_depth(text, options.json_limits.max_depth) > options.json_limits.max_depth) {
      return detail::reply_error(
          ReplyError::invalid_json,
          detail::concat("the reply's JSON object at byte ", i,
                         " is nested deeper than the limit of ", options.json_limits.max_depth,
                         " levels (ReplyParserOptions::json_limits)"));
    }
    json value;
    try {
      value = detail::parse_json<json>(text, options.json_limits, "parse_reply");
    } catch (const parse_error&) {
      ++i;  // malformed: an inner object may still be well formed
      continue;
    }
    if (!value.is_object()) {  // cannot happen for text starting with '{'; kept for safety
      ++i;
      continue;
    }
    saw_object = true;
    const std::vector<const json*> found = detail::answer_objects(value);
    if (found.empty()) {
      deeper_label = deeper_label || detail::has_deeper_label(value);
    } else if (const auto repeat = detail::repeated_key<json>(text)) {
      const std::string spelled =
          repeat->first == repeat->second
              ? std::string()
              : detail::concat(" as ", detail::json_quoted<json>(repeat->first), " and ",
                               detail::json_quoted<json>(repeat->second));
      return detail::reply_error(
          ReplyError::ambiguous,
          detail::concat("the reply's JSON object repeats the key ",
                         detail::json_quoted<json>(repeat->key), spelled, " (", repeat->first_value,
                         " and ", repeat->second_value, ")"));
    }
    for (const json* answer : found) {
      answers.push_back({detail::read_answer(*answer, labels), detail::describe(*answer)});
    }
    i = end;
  }

  if (!answers.empty()) {
    const detail::ReplyAnswer& first = answers.front();
    for (const detail::ReplyAnswer& other : answers) {
      if (detail::same_reading(first.parsed, other.parsed)) continue;
      return detail::reply_error(ReplyError::ambiguous,
                                 detail::concat("the reply contains different answers (",
                                                detail::reading_text(first, labels), ", and ",
                                                detail::reading_text(other, labels), ")"));
    }
    return first.parsed;
  }
  if (saw_object) {
    return detail::reply_error(
        ReplyError::missing_label,
        deeper_label ? "the reply's JSON object has no \"label\" field (answers nested more than "
                       "one level deep are not read)"
                     : "the reply's JSON object has no \"label\" field");
  }
  if (saw_brace) {
    return detail::reply_error(ReplyError::invalid_json,
                               "the reply has no well-formed JSON object (truncated or invalid)");
  }
  return detail::reply_error(ReplyError::no_json_object, "the reply contains no JSON object");
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
