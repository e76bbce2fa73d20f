#pragma once
/// @file
/// Export of the labeled data set (pipeline::FinalLabels): JSON Lines, CSV and Label Studio
/// ground truth, and the readers that bring the first two back. Every record says where its label
/// came from (gold, auto_accepted, aggregated, adjudicated) and how sure the source was.
///
/// JSON Lines, one object per item, in ascending item id:
/// @code{.json}
/// {"item":7,"label":"cat","source":"aggregated","confidence":0.97}
/// {"item":"doc-0042","label":"dog","source":"gold","confidence":1.0}
/// @endcode
/// (`item` is a string when the writer is given an IdNames table, else an integer.)
///
/// CSV (RFC 4180: CRLF line ends, fields with `,` `"` CR or LF quoted, `"` doubled):
/// @code
/// item,label,source,confidence
/// 7,cat,aggregated,0.97
/// 8,"dogs, big",gold,1
/// @endcode
///
/// Confidences are written in the shortest form that reads back to the same double, so write ->
/// read gives back exactly the FinalLabels written (every bit of every confidence).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ios>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/pipeline/final_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace pipeline {

/// The source named `text` ("gold", "auto_accepted", "aggregated", "adjudicated", exactly as
/// to_string() writes it), or std::nullopt.
[[nodiscard]] constexpr std::optional<LabelSource> label_source_from_string(
    std::string_view text) noexcept {
  for (const auto source : {LabelSource::gold, LabelSource::auto_accepted, LabelSource::aggregated,
                            LabelSource::adjudicated}) {
    if (to_string(source) == text) return source;
  }
  return std::nullopt;
}

/// Limits of read_jsonl() and read_csv().
struct FinalLabelsReadOptions {
  /// Largest input accepted, in bytes (the whole stream).
  std::size_t max_bytes = std::size_t{1} << 30;
  /// Each record: a JSON Lines line is parsed as one document within these limits (depth and
  /// bytes); a CSV row may have at most `record_limits.max_bytes` bytes.
  JsonLimits record_limits{.max_depth = 16, .max_bytes = std::size_t{1} << 20};
};

/// Options of write_label_studio().
struct LabelStudioExportOptions {
  /// Spaces per indent level of the JSON array; -1 writes one line.
  int indent = 2;
  /// With a TaskSet: also write each task's human answers as annotations (with `completed_by`).
  bool include_answers = true;
  /// With a TaskSet: also write each task's model pre-labels as `predictions`.
  bool include_predictions = true;
  /// If set, each task's `meta` also holds `"item_name"`: the item's string id in this table.
  const IdNames* items = nullptr;
};

}  // namespace pipeline
namespace detail {

/// Checks that `labels` can be written: items non-negative and strictly ascending, labels in the
/// label set, sources valid, confidences finite and in [0, 1], and (with `items`) every item id
/// named in the table. @throws labelkit::invalid_argument naming the position.
inline void check_final_labels(const pipeline::FinalLabels& labels, const IdNames* items,
                               std::string_view function) {
  const int n_classes = labels.labels.size();
  for (std::size_t i = 0; i < labels.items.size(); ++i) {
    const auto& record = labels.items[i];
    if (record.item < 0)
      fail(function, "items[", i, "] has a negative item id (got ", record.item, ")");
    if (i > 0 && record.item <= labels.items[i - 1].item) {
      fail(function, "items[", i, "] (item ", record.item,
           ") is out of order: items must be in strictly ascending item id, each once (previous "
           "item ",
           labels.items[i - 1].item, ")");
    }
    if (record.label < 0 || record.label >= n_classes) {
      fail(function, "items[", i, "] (item ", record.item, ") has label ", record.label,
           " outside the label set (expected 0 <= label < ", n_classes, ")");
    }
    using Underlying = std::underlying_type_t<pipeline::LabelSource>;
    const auto source = static_cast<Underlying>(record.source);
    if (source < 0 || source > static_cast<Underlying>(pipeline::LabelSource::adjudicated)) {
      fail(function, "items[", i, "] (item ", record.item, ") has an invalid source (got ",
           static_cast<long long>(source), ")");
    }
    if (!std::isfinite(record.confidence) || record.confidence < 0.0 || record.confidence > 1.0) {
      fail(function, "items[", i, "] (item ", record.item, ") has confidence ", record.confidence,
           " (expected a finite number in [0, 1])");
    }
    if (items != nullptr && record.item >= items->size()) {
      fail(function, "items[", i, "] (item ", record.item,
           ") has no name in 'items' (the table has ", items->size(), " names)");
    }
  }
}

/// The shortest decimal text that reads back (std::from_chars, strtod) as exactly `value`.
[[nodiscard]] inline std::string shortest_double(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, result.ptr};
}

/// Collects records read from a file, then sorts them by item and refuses repeats. Item names
/// are interned into a copy of the caller's table, which replaces it only when the whole input
/// has been read (a failed read leaves the table as it was). A class template (its parameter
/// always the default) so that its members are compiled only where a reader uses them.
template <class = void>
class FinalLabelsBuilder {
 public:
  FinalLabelsBuilder(const LabelSet& label_set, IdNames* items, std::string_view function)
      : label_set_(label_set), names_(items), function_(function) {
    if (items != nullptr) scratch_ = *items;
  }

  /// The id of a string item (`where` names the record in messages).
  Index intern(std::string_view name, std::string_view where) {
    if (names_ == nullptr) {
      fail<parse_error>(function_, where, "field 'item': a string id ('", name,
                        "') needs an IdNames table to map it to an integer (pass 'items')");
    }
    try {
      return scratch_.intern(name);
    } catch (const invalid_argument& e) {
      fail<parse_error>(function_, where, "field 'item': ", e.what());
    }
  }

  /// The class named `name` in the label set.
  int label(std::string_view name, std::string_view where) const {
    if (const auto c = label_set_.find(name)) return *c;
    fail<parse_error>(function_, where, "field 'label': '", name, "' is not a class of label set '",
                      label_set_.from_name(), "'");
  }

  /// The source named `name`.
  pipeline::LabelSource source(std::string_view name, std::string_view where) const {
    if (const auto s = pipeline::label_source_from_string(name)) return *s;
    fail<parse_error>(function_, where, "field 'source': unknown source '", name,
                      "' (expected gold, auto_accepted, aggregated or adjudicated)");
  }

  /// Checks a confidence.
  double confidence(double value, std::string_view where) const {
    if (!std::isfinite(value) || value < 0.0 || value > 1.0) {
      fail<parse_error>(function_, where, "field 'confidence': ", value,
                        " is not a finite number in [0, 1]");
    }
    return value;
  }

  /// Adds one record, read at line `line`.
  void add(pipeline::FinalLabel record, std::size_t line) {
    items_.push_back(record);
    lines_.push_back(line);
  }

  /// The records in ascending item id. @throws labelkit::parse_error if an item is repeated.
  pipeline::FinalLabels finish() {
    std::vector<std::size_t> order(items_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return items_[a].item < items_[b].item; });
    pipeline::FinalLabels result{label_set_, {}};
    result.items.reserve(items_.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto& record = items_[order[k]];
      if (k > 0 && record.item == result.items.back().item) {
        const std::size_t first = std::min(lines_[order[k - 1]], lines_[order[k]]);
        const std::size_t second = std::max(lines_[order[k - 1]], lines_[order[k]]);
        fail<parse_error>(function_, "line ", second, ", field 'item': item ",
                          names_ != nullptr ? scratch_.name(record.item) : concat(record.item),
                          " is repeated (first on line ", first, ")");
      }
      result.items.push_back(record);
    }
    if (names_ != nullptr) *names_ = std::move(scratch_);
    return result;
  }

 private:
  const LabelSet& label_set_;
  IdNames* names_;
  std::string_view function_;
  IdNames scratch_;
  std::vector<pipeline::FinalLabel> items_;
  std::vector<std::size_t> lines_;
};

/// A CSV field, quoted (RFC 4180) if it holds a comma, a quote, CR or LF, or starts or ends with
/// a space (which some readers trim).
[[nodiscard]] inline std::string csv_field(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

/// One CSV record: its fields and the line it starts on.
struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;
};

/// Splits RFC 4180 text into records. Accepts LF or CRLF line ends, quoted fields with doubled
/// quotes and embedded line breaks, and a UTF-8 byte-order mark at the start; skips empty lines.
/// Refuses a quote inside an unquoted field, text after a closing quote, an unterminated quoted
/// field, a bare CR outside quotes, and a record longer than `max_record_bytes`.
template <class = void>
[[nodiscard]] std::vector<CsvRecord> split_csv(std::string_view text, std::size_t max_record_bytes,
                                               std::string_view function) {
  std::vector<CsvRecord> records;
  std::size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  std::size_t line = 1;
  while (pos < text.size()) {
    if (text[pos] == '\n' ||
        (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n')) {
      pos += text[pos] == '\n' ? 1 : 2;  // an empty line
      ++line;
      continue;
    }
    CsvRecord record;
    record.line = line;
    const std::size_t start = pos;
    bool end_of_record = false;
    while (!end_of_record) {
      if (pos - start > max_record_bytes) {
        fail<parse_error>(function, "line ", record.line, ": the row is longer than the limit of ",
                          max_record_bytes, " bytes (FinalLabelsReadOptions::record_limits)");
      }
      std::string field;
      if (pos < text.size() && text[pos] == '"') {
        const std::size_t opened = line;
        ++pos;
        while (true) {
          if (pos >= text.size()) {
            fail<parse_error>(function, "line ", opened,
                              ": a quoted field is not closed before the end of the input");
          }
          const char c = text[pos++];
          if (c == '"') {
            if (pos < text.size() && text[pos] == '"') {
              field.push_back('"');
              ++pos;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
        }
        if (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') {
          fail<parse_error>(function, "line ", line, ": text after the closing quote of field ",
                            record.fields.size() + 1, " (expected ',' or a line end)");
        }
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') {
          if (text[pos] == '"') {
            fail<parse_error>(function, "line ", line, ": a quote inside unquoted field ",
                              record.fields.size() + 1, " (quote the field and double the quote)");
          }
          field.push_back(text[pos++]);
        }
      }
      record.fields.push_back(std::move(field));
      if (pos >= text.size()) {
        end_of_record = true;
      } else if (text[pos] == ',') {
        ++pos;
      } else if (text[pos] == '\n') {
        ++pos;
        ++line;
        end_of_record = true;
      } else {  // '\r'
        if (pos + 1 >= text.size() || text[pos + 1] != '\n') {
          fail<parse_error>(function, "line ", line,
                            ": a carriage return outside quotes not followed by a line feed");
        }
        pos += 2;
        ++line;
        end_of_record = true;
      }
    }
    if (pos - start > max_record_bytes) {
      fail<parse_error>(function, "line ", record.line, ": the row is longer than the limit of ",
                        max_record_bytes, " bytes (FinalLabelsReadOptions::record_limits)");
    }
    records.push_back(std::move(record));
  }
  return records;
}

/// A non-negative integer item id written in decimal, the whole of `text`; nullopt otherwise.
[[nodiscard]] inline std::optional<Index> parse_item_id(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0 ||
      std::cmp_greater(value, std::numeric_limits<Index>::max())) {
    return std::nullopt;
  }
  return static_cast<Index>(value);
}

/// A finite-or-not double written in decimal, the whole of `text`; nullopt if malformed.
[[nodiscard]] inline std::optional<double> parse_double(std::string_view text) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace detail
namespace pipeline {

/// Writes `labels` as JSON Lines, one object per item in ascending item id:
/// `{"item":7,"label":"cat","source":"aggregated","confidence":0.97}`. With `items`, `item` is the
/// item's string id `items->name(item)`; otherwise the integer id. The label is the class name.
/// Members are written in that order; confidences in the shortest form that reads back to the
/// same double. O(N).
/// @throws labelkit::invalid_argument if an item id is negative, repeated or out of order, a
///   label is outside the label set, a source is invalid, a confidence is not finite or outside
///   [0, 1], or `items` has no name for an item.
template <class Json = nlohmann::ordered_json>
void write_jsonl(std::ostream& out, const FinalLabels& labels, const IdNames* items = nullptr) {
  detail::check_final_labels(labels, items, "write_jsonl");
  for (const auto& record : labels.items) {
    Json value = Json::object();
    if (items != nullptr) {
      value["item"] = items->name(record.item);
    } else {
      value["item"] = static_cast<std::int64_t>(record.item);
    }
    value["label"] = labels.labels.name(record.label);
    value["source"] = std::string(to_string(record.source));
    value["confidence"] = record.confidence;
    out << value.dump() << '\n';
  }
}

/// Reads JSON Lines written by write_jsonl() (or by hand) for the classes of `label_set`. Each
/// non-blank line is an object with `item` (a non-negative integer, or with `items` a string id,
/// interned into `items`), `label` (a class name, found with LabelSet::find: case and outer
/// whitespace do not matter), `source` (gold, auto_accepted, aggregated or adjudicated) and
/// `confidence` (a number in [0, 1]); other members are ignored. Lines may come in any order; the
/// result is in ascending item id. With `items`, the names are interned in order of appearance,
/// and `items` is only changed if the whole input is read. O(N log N).
/// @throws labelkit::parse_error naming the line and the field: invalid JSON, a line over
///   `options.record_limits`, a missing member, an unknown class name or source, a confidence
///   outside [0, 1], a negative, fractional or out-of-range item id, a string item without
///   `items` (or an integer one with it), a repeated item, or an input over `options.max_bytes`;
///   labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] FinalLabels read_jsonl(std::istream& in, const LabelSet& label_set,
                                     IdNames* items = nullptr,
                                     const FinalLabelsReadOptions& options = {}) {
  constexpr std::string_view function = "read_jsonl";
  const std::string text =
      detail::read_all(in, options.max_bytes, function, "FinalLabelsReadOptions::max_bytes");
  detail::FinalLabelsBuilder builder(label_set, items, function);
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = detail::concat("line ", line_number, ", ");
    const Json value = detail::parse_json<Json>(line, options.record_limits, function, where);
    if (!value.is_object()) {
      detail::fail<parse_error>(function, where, "expected an object (got ", value.type_name(),
                                ")");
    }
    const auto member = [&](const char* key) -> const Json& {
      const auto it = value.find(key);
      if (it == value.end())
        detail::fail<parse_error>(function, where, "missing field '", key, "'");
      return *it;
    };
    const auto string_member = [&](const char* key) -> const std::string& {
      const Json& field = member(key);
      if (!field.is_string()) {
        detail::fail<parse_error>(function, where, "field '", key, "': expected a string (got ",
                                  field.type_name(), ")");
      }
      return field.template get_ref<const std::string&>();
    };
    FinalLabel record;
    const Json& item = member("item");
    if (item.is_string()) {
      record.item = builder.intern(item.template get_ref<const std::string&>(), where);
    } else if (items != nullptr) {
      detail::fail<parse_error>(function, where,
                                "field 'item': expected a string id, since an IdNames table is "
                                "given (got ",
                                item.type_name(), ")");
    } else if (item.is_number_unsigned()) {
      const auto id = item.template get<std::uint64_t>();
      if (std::cmp_greater(id, std::numeric_limits<Index>::max())) {
        detail::fail<parse_error>(function, where, "field 'item': id ", id, " is out of range");
      }
      record.item = static_cast<Index>(id);
    } else if (item.is_number_integer()) {
      detail::fail<parse_error>(function, where, "field 'item': negative id (got ",
                                item.template get<std::int64_t>(), ")");
    } else {
      detail::fail<parse_error>(
          function, where, "field 'item': expected a non-negative integer (got ",
          item.is_number_float() ? "a number that is not an integer" : item.type_name(), ")");
    }
    record.label = builder.label(string_member("label"), where);
    record.source = builder.source(string_member("source"), where);
    const Json& confidence = member("confidence");
    if (!confidence.is_number()) {
      detail::fail<parse_error>(function, where, "field 'confidence': expected a number (got ",
                                confidence.type_name(), ")");
    }
    record.confidence = builder.confidence(confidence.template get<double>(), where);
    builder.add(record, line_number);
  }
  return builder.finish();
}

/// Writes `labels` as CSV with the header `item,label,source,confidence` and one row per item in
/// ascending item id, CRLF line ends (RFC 4180). A field holding a comma, a quote, CR or LF, or
/// starting or ending with a space, is quoted, with quotes doubled. With `items`, `item` is the
/// item's string id; otherwise the integer id. Confidences are written in the shortest form that
/// reads back to the same double (std::to_chars). O(N).
/// @throws labelkit::invalid_argument as write_jsonl().
template <class = void>
void write_csv(std::ostream& out, const FinalLabels& labels, const IdNames* items = nullptr) {
  detail::check_final_labels(labels, items, "write_csv");
  out << "item,label,source,confidence\r\n";
  for (const auto& record : labels.items) {
    if (items != nullptr) {
      out << detail::csv_field(items->name(record.item));
    } else {
      out << record.item;
    }
    out << ',' << detail::csv_field(labels.labels.name(record.label)) << ','
        << to_string(record.source) << ',' << detail::shortest_double(record.confidence) << "\r\n";
  }
}

/// Reads CSV written by write_csv() (or by a spreadsheet) for the classes of `label_set`. The
/// first row must be the header `item,label,source,confidence`; every row must have exactly four
/// fields. RFC 4180: quoted fields (with `""` for a quote and embedded line breaks), LF or CRLF
/// line ends, an optional UTF-8 byte-order mark; empty lines are skipped. `item` is a
/// non-negative decimal integer, or with `items` any string id (interned into `items`, which is
/// only changed if the whole input is read); `label` a class name (LabelSet::find); `source` one
/// of gold, auto_accepted, aggregated, adjudicated; `confidence` a decimal number in [0, 1]. Rows
/// may come in any order; the result is in ascending item id. O(N log N).
/// @throws labelkit::parse_error naming the line and the field (malformed quoting, a ragged row,
///   a wrong header, an unknown class or source, a bad number, a repeated item, a row over
///   `options.record_limits.max_bytes` or an input over `options.max_bytes`); labelkit::error if
///   the stream fails.
template <class = void>
[[nodiscard]] FinalLabels read_csv(std::istream& in, const LabelSet& label_set,
                                   IdNames* items = nullptr,
                                   const FinalLabelsReadOptions& options = {}) {
  constexpr std::string_view function = "read_csv";
  const std::string text =
      detail::read_all(in, options.max_bytes, function, "FinalLabelsReadOptions::max_bytes");
  const auto records = detail::split_csv(text, options.record_limits.max_bytes, function);
  if (records.empty()) detail::fail<parse_error>(function, "no header row (the input is empty)");
  constexpr const char* columns[] = {"item", "label", "source", "confidence"};
  const auto& header = records.front();
  bool header_ok = header.fields.size() == 4;
  for (std::size_t c = 0; header_ok && c < 4; ++c) header_ok = header.fields[c] == columns[c];
  if (!header_ok) {
    detail::fail<parse_error>(function, "line ", header.line,
                              ": expected the header 'item,label,source,confidence'");
  }
  detail::FinalLabelsBuilder builder(label_set, items, function);
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& row = records[r];
    const std::string where = detail::concat("line ", row.line, ", ");
    if (row.fields.size() != 4) {
      detail::fail<parse_error>(function, where, "expected 4 fields (got ", row.fields.size(), ")");
    }
    FinalLabel record;
    if (items != nullptr) {
      record.item = builder.intern(row.fields[0], where);
    } else if (const auto id = detail::parse_item_id(row.fields[0])) {
      record.item = *id;
    } else {
      detail::fail<parse_error>(function, where,
                                "field 'item': expected a non-negative integer id (got '",
                                row.fields[0], "')");
    }
    record.label = builder.label(row.fields[1], where);
    record.source = builder.source(row.fields[2], where);
    const auto confidence = detail::parse_double(row.fields[3]);
    if (!confidence) {
      detail::fail<parse_error>(function, where, "field 'confidence': expected a number (got '",
                                row.fields[3], "')");
    }
    record.confidence = builder.confidence(*confidence, where);
    builder.add(record, row.line);
  }
  return builder.finish();
}

}  // namespace pipeline
namespace detail {

/// Writes `tasks` with Label Studio's writer, then puts each final label's source and confidence
/// (and the item's name) in its task's `meta`.
template <class Json>
void write_label_studio_with_meta(std::ostream& out, const pipeline::FinalLabels& labels,
                                  const annotation::TaskSet& tasks,
                                  const pipeline::LabelStudioExportOptions& options) {
  std::ostringstream text;
  annotation::write_label_studio(text, tasks, -1);
  Json document = Json::parse(text.str());
  for (std::size_t i = 0; i < labels.items.size(); ++i) {
    const auto& record = labels.items[i];
    Json& meta = document[i]["meta"];
    meta["label_source"] = std::string(to_string(record.source));
    meta["label_confidence"] = record.confidence;
    if (options.items != nullptr) meta["item_name"] = options.items->name(record.item);
  }
  out << dump_checked(document, "write_label_studio", options.indent) << '\n';
}

}  // namespace detail
namespace pipeline {

/// Writes the final labels as a Label Studio task array (annotation::write_label_studio's
/// format) with the payloads of `tasks` (e.g. `queue.export_tasks()`): one task per final label,
/// in ascending item id, whose final label is an annotation with `"ground_truth": true` and a
/// `choices` result for the label set's `from_name` / `to_name`, and whose `meta` holds
/// `{"label_source": "aggregated", "label_confidence": 0.97}` (and the task's `priority` if
/// non-zero). The task's human answers and pre-labels go along as annotations and predictions
/// unless `options` leaves them out. annotation::read_label_studio reads the result back with
/// each task's `gold` equal to its final label. Tasks without a final label are not written.
/// O(N + T).
/// @throws labelkit::invalid_argument if `labels` is not writable (as write_jsonl()), `tasks` does
///   not have exactly one label set equal to `labels.labels`, or an item has no task in `tasks`.
template <class Json = nlohmann::json>
void write_label_studio(std::ostream& out, const FinalLabels& labels,
                        const annotation::TaskSet& tasks,
                        const LabelStudioExportOptions& options = {}) {
  constexpr std::string_view function = "write_label_studio";
  detail::check_final_labels(labels, options.items, function);
  if (tasks.label_sets.size() != 1 || !(tasks.label_sets.front() == labels.labels)) {
    detail::fail(function,
                 "'tasks' must have exactly one label set, equal to 'labels.labels' (got ",
                 tasks.label_sets.size(), " label sets",
                 tasks.label_sets.size() == 1 ? ", a different one" : "", ")");
  }
  std::unordered_map<Index, std::size_t> task_of;
  task_of.reserve(tasks.tasks.size());
  for (std::size_t t = 0; t < tasks.tasks.size(); ++t) task_of.emplace(tasks.tasks[t].item, t);
  annotation::TaskSet out_tasks;
  out_tasks.label_sets.push_back(labels.labels);
  out_tasks.tasks.reserve(labels.items.size());
  for (const auto& record : labels.items) {
    const auto found = task_of.find(record.item);
    if (found == task_of.end()) {
      detail::fail(function, "item ", record.item, " has a final label but no task in 'tasks'");
    }
    const auto& task = tasks.tasks[found->second];
    annotation::TaskRecord copy;
    copy.item = task.item;
    copy.data = task.data;
    copy.priority = task.priority;
    copy.gold = std::vector<int>{record.label};
    if (options.include_answers) copy.annotations = task.annotations;
    if (options.include_predictions) copy.predictions = task.predictions;
    out_tasks.tasks.push_back(std::move(copy));
  }
  detail::write_label_studio_with_meta<Json>(out, labels, out_tasks, options);
}

/// Writes the final labels as a Label Studio task array whose `data` comes from `payload(item)`
/// (a JSON value; one that is not an object is wrapped as `{"value": payload}`): one task per
/// final label, in ascending item id, with the final label as a `"ground_truth": true`
/// annotation and its source and confidence in `meta` (`label_source`, `label_confidence`).
/// `options.include_answers` / `include_predictions` do not apply. O(N).
/// @throws labelkit::invalid_argument if `labels` is not writable (as write_jsonl()) or a payload
///   holds a string that is not valid UTF-8; whatever `payload` throws.
template <class Payload, class Json = nlohmann::json>
requires std::is_invocable_r_v<Json, Payload&, Index>
void write_label_studio(std::ostream& out, const FinalLabels& labels, Payload&& payload,
                        const LabelStudioExportOptions& options = {}) {
  detail::check_final_labels(labels, options.items, "write_label_studio");
  annotation::TaskSet out_tasks;
  out_tasks.label_sets.push_back(labels.labels);
  out_tasks.tasks.reserve(labels.items.size());
  for (const auto& record : labels.items) {
    annotation::TaskRecord task;
    task.item = record.item;
    task.data = payload(record.item);
    task.gold = std::vector<int>{record.label};
    out_tasks.tasks.push_back(std::move(task));
  }
  detail::write_label_studio_with_meta<Json>(out, labels, out_tasks, options);
}

}  // namespace pipeline
LABELKIT_END_NAMESPACE
