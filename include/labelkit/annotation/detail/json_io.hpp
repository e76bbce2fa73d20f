#pragma once
/// @file
/// Internals of annotation import/export: reading JSON with the path of every value in error
/// messages, the JSON form of the annotation value types, and the framing of checkpoints
/// (header with size and checksum, so that a truncated or altered file is detected).

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <ios>
#include <istream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

using nlohmann::json;

/// Where a reader is: the public function (for messages), a prefix such as "line 7, ", and the
/// limits on what it reads.
struct JsonContext {
  std::string_view function;
  std::string where;
  JsonLimits limits{};
};

/// JSON-pointer path of a child: path_of("/tasks", 3) == "/tasks/3".
template <class = void>
[[nodiscard]] inline std::string path_of(const std::string& parent, std::string_view key) {
  std::string path = parent;
  path += '/';
  for (const char c : key) {  // RFC 6901 escaping
    if (c == '~') {
      path += "~0";
    } else if (c == '/') {
      path += "~1";
    } else {
      path += c;
    }
  }
  return path;
}
template <class = void>
[[nodiscard]] inline std::string path_of(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

template <class... Parts>
[[noreturn]] void bad_json(const JsonContext& context, const std::string& path,
                           const Parts&... parts) {
  labelkit::detail::fail<labelkit::parse_error>(context.function, context.where, "at ",
                                                path.empty() ? std::string("/") : path, ": ",
                                                parts...);
}

template <class Json>
[[nodiscard]] const char* type_name(const Json& value) {
  return value.type_name();
}

template <class Json>
void expect_object(const Json& value, const std::string& path, const JsonContext& context) {
  if (!value.is_object())
    bad_json(context, path, "expected an object (got ", type_name(value), ")");
}
template <class Json>
void expect_array(const Json& value, const std::string& path, const JsonContext& context) {
  if (!value.is_array()) bad_json(context, path, "expected an array (got ", type_name(value), ")");
}

/// The member `key` of the object `value`; throws naming the path if it is missing.
template <class Json>
[[nodiscard]] const Json& member(const Json& value, std::string_view key, const std::string& path,
                                 const JsonContext& context) {
  expect_object(value, path, context);
  const auto it = value.find(key);
  if (it == value.end()) bad_json(context, path, "missing member '", key, "'");
  return *it;
}

/// The member `key` or nullptr if absent (the value must be an object).
template <class Json>
[[nodiscard]] const Json* optional_member(const Json& value, std::string_view key,
                                          const std::string& path, const JsonContext& context) {
  expect_object(value, path, context);
  const auto it = value.find(key);
  return it == value.end() ? nullptr : &*it;
}

/// The integer at `value`, checked into `Int`'s range and [min_value, max_value]: the one way
/// the annotation readers turn a JSON number into an integer, so that no value from a file is
/// ever truncated or wrapped (4294967296 never becomes an `int` 0).
template <class Int, class Json>
[[nodiscard]] Int as_integer(const Json& value, const std::string& path, const JsonContext& context,
                             Int min_value = std::numeric_limits<Int>::min(),
                             Int max_value = std::numeric_limits<Int>::max()) {
  static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>);
  const auto check = [&](auto got) {
    if (std::cmp_less(got, min_value)) {
      bad_json(context, path, "expected an integer >= ", +min_value, " (got ", got, ")");
    }
    if (std::cmp_greater(got, max_value)) {
      bad_json(context, path, "integer out of range: expected an integer <= ", +max_value, " (got ",
               got, ")");
    }
    return static_cast<Int>(got);
  };
  if (value.is_number_unsigned()) return check(value.template get<std::uint64_t>());
  if (value.is_number_integer()) return check(value.template get<std::int64_t>());
  bad_json(context, path, "expected an integer (got ", type_name(value), ")");
}

/// The largest count a file may hold (answers, assignments, duplicates): far beyond any real
/// queue, and far enough below INT64_MAX that the queue can keep counting without overflow.
inline constexpr std::int64_t max_file_count = std::int64_t{1} << 62;

/// A non-negative id (item, annotator) or a count from a file.
template <class Json>
[[nodiscard]] std::int64_t as_count(const Json& value, const std::string& path,
                                    const JsonContext& context) {
  return as_integer<std::int64_t>(value, path, context, 0, max_file_count);
}

/// A time in milliseconds from a file, within the supported years 0000-9999.
template <class Json>
[[nodiscard]] annotation::Millis as_time(const Json& value, const std::string& path,
                                         const JsonContext& context) {
  return as_integer<annotation::Millis>(value, path, context, annotation::min_time,
                                        annotation::max_time);
}

template <class Json>
[[nodiscard]] double as_number(const Json& value, const std::string& path,
                               const JsonContext& context) {
  if (!value.is_number()) bad_json(context, path, "expected a number (got ", type_name(value), ")");
  return value.template get<double>();
}

template <class Json>
[[nodiscard]] bool as_bool(const Json& value, const std::string& path, const JsonContext& context) {
  if (!value.is_boolean())
    bad_json(context, path, "expected true or false (got ", type_name(value), ")");
  return value.template get<bool>();
}

template <class Json>
[[nodiscard]] std::string as_string(const Json& value, const std::string& path,
                                    const JsonContext& context) {
  if (!value.is_string()) bad_json(context, path, "expected a string (got ", type_name(value), ")");
  return value.template get<std::string>();
}

/// Class indices checked against `set` (range, count for single-label, no repeats).
template <class Json>
[[nodiscard]] std::vector<int> as_labels(const Json& value, const annotation::LabelSet& set,
                                         const std::string& path, const JsonContext& context,
                                         bool any_count = false) {
  expect_array(value, path, context);
  std::vector<int> labels;
  labels.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    labels.push_back(as_integer<int>(value[i], path_of(path, i), context));
  }
  auto checked = check_labels(labels, set, any_count);
  if (!checked.problem.empty()) bad_json(context, path, checked.problem);
  return std::move(checked.labels);
}

// ---- The project's JSON form of the value types ------------------------------------------------

template <class Json = nlohmann::json>
[[nodiscard]] Json label_set_to_json(const annotation::LabelSet& set) {
  return Json{{"name", set.from_name()},
              {"type", std::string(to_string(set.type()))},
              {"classes", set.names()},
              {"to_name", set.to_name()}};
}

template <class Json>
[[nodiscard]] annotation::LabelSet label_set_from_json(const Json& value, const std::string& path,
                                                       const JsonContext& context) {
  LabelSetOptions options;
  options.from_name =
      as_string(member(value, "name", path, context), path_of(path, "name"), context);
  if (options.from_name.empty())
    bad_json(context, path_of(path, "name"), "label set name is empty");
  const auto type = as_string(member(value, "type", path, context), path_of(path, "type"), context);
  if (type == "single_label") {
    options.type = AnnotationType::single_label;
  } else if (type == "multi_label") {
    options.type = AnnotationType::multi_label;
  } else {
    bad_json(context, path_of(path, "type"), "unknown annotation type '", type,
             "' (expected single_label or multi_label)");
  }
  const auto classes_path = path_of(path, "classes");
  const Json& classes = member(value, "classes", path, context);
  expect_array(classes, classes_path, context);
  if (classes.empty()) bad_json(context, classes_path, "a label set needs at least one class");
  if (classes.size() > static_cast<std::size_t>(max_classes)) {
    bad_json(context, classes_path, "a label set holds at most ", max_classes, " classes (got ",
             classes.size(), ")");
  }
  std::vector<std::string> names;
  names.reserve(classes.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    names.push_back(as_string(classes[i], path_of(classes_path, i), context));
    if (!seen.insert(LabelSet::normalize(names.back())).second) {
      bad_json(context, path_of(classes_path, i), "class '", names.back(),
               "' is repeated (names are compared ignoring case and whitespace)");
    }
  }
  options.to_name =
      as_string(member(value, "to_name", path, context), path_of(path, "to_name"), context);
  try {
    return annotation::LabelSet(std::move(names), std::move(options));
  } catch (const labelkit::invalid_argument& e) {
    bad_json(context, path, e.what());
  }
}

template <class Json = nlohmann::json>
[[nodiscard]] Json annotation_to_json(const annotation::AnnotationRecord& record) {
  return Json{{"annotator", static_cast<std::int64_t>(record.annotator)},
              {"labels", record.labels},
              {"started_at", record.started_at},
              {"submitted_at", record.submitted_at},
              {"late", record.late}};
}

template <class Json>
[[nodiscard]] annotation::AnnotationRecord annotation_from_json(const Json& value,
                                                                const annotation::LabelSet& set,
                                                                const std::string& path,
                                                                const JsonContext& context) {
  annotation::AnnotationRecord record;
  record.annotator = static_cast<Eigen::Index>(
      as_count(member(value, "annotator", path, context), path_of(path, "annotator"), context));
  record.labels =
      as_labels(member(value, "labels", path, context), set, path_of(path, "labels"), context);
  record.started_at =
      as_time(member(value, "started_at", path, context), path_of(path, "started_at"), context);
  record.submitted_at =
      as_time(member(value, "submitted_at", path, context), path_of(path, "submitted_at"), context);
  record.late = as_bool(member(value, "late", path, context), path_of(path, "late"), context);
  return record;
}

template <class Json = nlohmann::json>
[[nodiscard]] Json prediction_to_json(const annotation::Prediction& prediction) {
  return Json{{"model_version", prediction.model_version},
              {"score", prediction.score},
              {"labels", prediction.labels}};
}

template <class Json>
[[nodiscard]] annotation::Prediction prediction_from_json(const Json& value,
                                                          const annotation::LabelSet& set,
                                                          const std::string& path,
                                                          const JsonContext& context) {
  annotation::Prediction prediction;
  prediction.model_version = as_string(member(value, "model_version", path, context),
                                       path_of(path, "model_version"), context);
  prediction.score =
      as_number(member(value, "score", path, context), path_of(path, "score"), context);
  // A prediction may propose any subset (a single-label model may abstain), so only the range
  // and repetitions are checked.
  prediction.labels = as_labels(member(value, "labels", path, context), set,
                                path_of(path, "labels"), context, /*any_count=*/true);
  return prediction;
}

/// A task in the project's format; `label_sets` gives the label set's name.
template <class Json = nlohmann::json>
[[nodiscard]] Json task_to_json(const annotation::TaskRecord& task,
                                const std::vector<annotation::LabelSet>& label_sets) {
  Json value{{"item", static_cast<std::int64_t>(task.item)},
             {"data", task.data},
             {"label_set", label_sets[static_cast<std::size_t>(task.label_set)].from_name()},
             {"priority", task.priority},
             {"annotations", Json::array()},
             {"predictions", Json::array()}};
  if (task.gold) value["gold"] = *task.gold;
  for (const auto& record : task.annotations)
    value["annotations"].push_back(annotation_to_json<Json>(record));
  for (const auto& prediction : task.predictions)
    value["predictions"].push_back(prediction_to_json<Json>(prediction));
  return value;
}

/// Index of the label set called `name`, or -1.
[[nodiscard]] inline int find_label_set(const std::vector<annotation::LabelSet>& sets,
                                        std::string_view name) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (sets[i].from_name() == name) return static_cast<int>(i);
  }
  return -1;
}

/// Checks that a task payload read from a file nests at most `context.limits.max_depth` levels
/// (plus `extra`, for a format that wraps payloads in an object of its own).
template <class Json>
void check_payload(const Json& data, const std::string& path, const JsonContext& context,
                   std::size_t extra = 0) {
  JsonLimits limits = context.limits;
  limits.max_depth += std::min(extra, std::numeric_limits<std::size_t>::max() - limits.max_depth);
  try {
    check_json_value(data, limits, context.function, "the payload");
  } catch (const labelkit::invalid_argument&) {
    bad_json(context, path, "the payload is nested deeper than the limit of ", limits.max_depth,
             " levels (JsonLimits::max_depth)");
  }
}

template <class Json>
[[nodiscard]] annotation::TaskRecord task_from_json(
    const Json& value, const std::vector<annotation::LabelSet>& label_sets, const std::string& path,
    const JsonContext& context) {
  annotation::TaskRecord task;
  task.item = static_cast<Eigen::Index>(
      as_count(member(value, "item", path, context), path_of(path, "item"), context));
  task.data = member(value, "data", path, context);
  check_payload(task.data, path_of(path, "data"), context);
  const auto set_name =
      as_string(member(value, "label_set", path, context), path_of(path, "label_set"), context);
  task.label_set = find_label_set(label_sets, set_name);
  if (task.label_set < 0)
    bad_json(context, path_of(path, "label_set"), "unknown label set '", set_name, "'");
  const annotation::LabelSet& set = label_sets[static_cast<std::size_t>(task.label_set)];
  task.priority =
      as_number(member(value, "priority", path, context), path_of(path, "priority"), context);
  if (const Json* gold = optional_member(value, "gold", path, context)) {
    task.gold = as_labels(*gold, set, path_of(path, "gold"), context);
  }
  const auto annotations_path = path_of(path, "annotations");
  const Json& annotations = member(value, "annotations", path, context);
  expect_array(annotations, annotations_path, context);
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    task.annotations.push_back(
        annotation_from_json(annotations[i], set, path_of(annotations_path, i), context));
  }
  const auto predictions_path = path_of(path, "predictions");
  const Json& predictions = member(value, "predictions", path, context);
  expect_array(predictions, predictions_path, context);
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    task.predictions.push_back(
        prediction_from_json(predictions[i], set, path_of(predictions_path, i), context));
  }
  return task;
}

/// Levels that a document's own structure adds around a task payload (a checkpoint's
/// `{"tasks":[{"slots":[{"labels":[...]}]}]}` is the deepest). A document may nest
/// `limits.max_depth + envelope_depth` levels, so that a payload within `max_depth` (what the
/// queue accepts) fits in every format labelkit writes, and its exports read back.
inline constexpr std::size_t envelope_depth = 8;

/// Parses one document of an annotation format through labelkit::detail::parse_json: depth and
/// size are refused before nlohmann builds anything, and every failure is a parse_error.
template <class Json = nlohmann::json>
[[nodiscard]] Json parse_document(std::string_view text, const JsonLimits& limits,
                                  const JsonContext& context) {
  JsonLimits document = limits;
  document.max_depth = limits.max_depth > std::numeric_limits<std::size_t>::max() - envelope_depth
                           ? std::numeric_limits<std::size_t>::max()
                           : limits.max_depth + envelope_depth;
  return parse_json<Json>(text, document, context.function, context.where);
}

/// Reads all of `in` into a string, refusing more than `max_bytes` (a labelkit::parse_error
/// that names the setting `limit_name`). A stream that fails in reading (e.g. one opened on a
/// directory) is a labelkit::error, never std::ios_base::failure.
[[nodiscard]] inline std::string read_all(std::istream& in, std::size_t max_bytes,
                                          std::string_view function,
                                          std::string_view limit_name = "JsonLimits::max_bytes") {
  std::string text;
  try {
    char buffer[65536];
    while (in) {
      in.read(buffer, sizeof buffer);
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got > max_bytes - std::min(max_bytes, text.size())) {
        fail<labelkit::parse_error>(function, "input is larger than the limit of ", max_bytes,
                                    " bytes (", limit_name, ")");
      }
      text.append(buffer, got);
    }
  } catch (const std::ios_base::failure& e) {
    fail<labelkit::error>(function, "reading the input failed: ", e.what());
  }
  if (in.bad()) fail<labelkit::error>(function, "reading the input failed");
  return text;
}

/// `value.dump()`, with nlohmann's refusal of a string that is not UTF-8 turned into a
/// labelkit::invalid_argument (a TaskSet built by hand can hold one; the queue cannot).
template <class Json>
[[nodiscard]] std::string dump_checked(const Json& value, std::string_view function,
                                       int indent = -1) {
  try {
    return value.dump(indent);
  } catch (const typename Json::exception& e) {
    fail(function, "cannot write the value: ", e.what());
  }
}

// ---- Checkpoint framing ------------------------------------------------------------------------

inline constexpr std::string_view checkpoint_magic = "LABELKIT-ANNOTATION-CHECKPOINT";
/// The newest checkpoint version: 2 adds pairwise, span and box label sets (checkpoint_codec.hpp).
inline constexpr int checkpoint_version = 2;
/// The oldest checkpoint version still read.
inline constexpr int checkpoint_oldest_version = 1;

/// FNV-1a, 64 bits: a fast checksum that detects truncation and accidental edits.
[[nodiscard]] inline std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/// `MAGIC VERSION BODY_BYTES CHECKSUM_HEX\n` followed by the body.
[[nodiscard]] inline std::string frame_checkpoint(const std::string& body,
                                                  int version = checkpoint_version) {
  static constexpr char hex[] = "0123456789abcdef";
  std::uint64_t sum = fnv1a(body);
  std::string sum_hex(16, '0');
  for (int i = 15; i >= 0; --i, sum >>= 4) sum_hex[static_cast<std::size_t>(i)] = hex[sum & 15U];
  return labelkit::detail::concat(checkpoint_magic, ' ', version, ' ', body.size(), ' ', sum_hex,
                                  '\n', body);
}

/// Checks the header, size and checksum of a framed checkpoint and returns its body.
/// @throws labelkit::parse_error saying what is wrong (not a checkpoint, wrong version,
///         truncated, checksum mismatch).
/// `version`, if given, receives the header's version (checkpoint_oldest_version to
/// checkpoint_version).
template <class = void>
[[nodiscard]] inline std::string_view unframe_checkpoint(std::string_view text,
                                                         std::string_view function,
                                                         int* version_out = nullptr) {
  using labelkit::detail::fail;
  if (text.empty()) fail<labelkit::parse_error>(function, "checkpoint is empty (0 bytes)");
  const auto newline = text.find('\n');
  if (newline == std::string_view::npos ||
      text.substr(0, checkpoint_magic.size()) != checkpoint_magic) {
    fail<labelkit::parse_error>(function, "not a labelkit annotation checkpoint (header '",
                                checkpoint_magic, " ...' missing or truncated)");
  }
  const std::string header(text.substr(0, newline));
  std::string magic;
  int version = 0;
  unsigned long long size = 0;
  std::string sum_hex;
  {
    std::istringstream fields(header);
    if (!(fields >> magic >> version >> size >> sum_hex) || sum_hex.size() != 16) {
      fail<labelkit::parse_error>(function, "malformed checkpoint header '", header, "'");
    }
  }
  if (version < checkpoint_oldest_version || version > checkpoint_version) {
    fail<labelkit::parse_error>(function, "unsupported checkpoint version ", version, " (expected ",
                                checkpoint_oldest_version, " to ", checkpoint_version, ")");
  }
  if (version_out != nullptr) *version_out = version;
  const std::string_view body = text.substr(newline + 1);
  if (body.size() < size) {
    fail<labelkit::parse_error>(function, "checkpoint is truncated: body has ", body.size(),
                                " bytes, header says ", size);
  }
  if (body.size() > size) {
    fail<labelkit::parse_error>(function, "checkpoint has ", body.size() - size,
                                " unexpected bytes after its body");
  }
  std::uint64_t expected = 0;
  for (const char c : sum_hex) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0)
      fail<labelkit::parse_error>(function, "malformed checksum in checkpoint header '", header,
                                  "'");
    expected = (expected << 4) | static_cast<std::uint64_t>(digit);
  }
  if (fnv1a(body) != expected) {
    fail<labelkit::parse_error>(function,
                                "checkpoint checksum mismatch (file altered or corrupted)");
  }
  return body;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
