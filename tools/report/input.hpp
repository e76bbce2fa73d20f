#pragma once
// Input of labelkit-report (tools/labelkit_report.cpp): a Label Studio JSON
// export or a CSV of `item,annotator,label` (with a header), plus an optional gold file, read
// into one `Field` per labeling field with dense ids ready for labelkit::agreement and
// labelkit::quality. Not part of the library.
//
// Every problem with a file throws `InputError` (a labelkit::parse_error) whose message names the
// file and the line (CSV) or the JSON path (Label Studio, e.g.
// `[3].annotations[0].result[1].value.choices`). JSON is read with labelkit's limits
// (labelkit::JsonLimits: depth 64 by default), so no input can overflow the stack; numeric ids
// keep their full value (ids >= 2^63 included); a UTF-8 byte order mark is skipped.
//
// Label Studio mapping (its documented task format): a task's `id` is the item; every annotation
// in `annotations` is one annotator's answer (`completed_by`: a number, a string, or an object
// with `id` or `email`); every result item of `type` "choices" gives a label of the field named
// by its `from_name`. An answer with several choices makes its field multi-label: agreement is
// then measured on the sets of choices (MASI distance, per-label yes/no; multi_label.hpp), and
// only the aggregation tables take each combination "a|b" (sorted, joined) as one answer.
// Skipped, with a note: results of other types, cancelled annotations (`was_cancelled: true`),
// `predictions` (model output is not an annotator). An annotation with `ground_truth: true` marks
// gold: its labels become the items' gold labels (and it is not counted as an answer).
#include <Eigen/Core>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/annotation/json_format.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/quality/gold_label.hpp"
#include "multi_label.hpp"

namespace labelkit_tools::report {

/// A bad input file; the message names the file and the line or JSON path.
struct InputError : labelkit::parse_error {
  using labelkit::parse_error::parse_error;
};

/// One labeling field: dense records plus the names behind the dense ids.
struct Field {
  std::string name;                                ///< `from_name` (Label Studio) or "label" (CSV).
  std::vector<std::string> items;                  ///< Item name of each dense item id.
  std::vector<std::string> annotators;             ///< Annotator name of each dense annotator id.
  std::vector<std::string> labels;                 ///< Label name of each class.
  std::vector<labelkit::Annotation> records;       ///< (item, annotator, label), dense.
  std::vector<labelkit::quality::GoldLabel> gold;  ///< Gold labels (dense item, class).
  /// True when some answer holds more than one choice: agreement is then measured on sets.
  bool multi_label = false;
  std::vector<std::string> choice_labels;  ///< Each single choice's name (sorted), for `sets`.
  /// Every answer as its set of choices (indices into choice_labels); multi-label fields only.
  std::vector<SetAnswer> sets;
};

/// Everything read from the input (and gold) files.
struct Dataset {
  std::string source;              ///< Input file name as given.
  std::string format;              ///< "csv" or "label_studio".
  std::vector<Field> fields;       ///< In order of first appearance.
  std::vector<std::string> notes;  ///< What was skipped, for the user.
};

namespace detail {

/// One answer before ids are made dense; `where` locates it for messages.
struct RawRecord {
  std::string item, annotator, label, where;
  std::vector<std::string> choices;  ///< The answer's choices (sorted, distinct); empty: {label}.
};
struct RawGold {
  std::string item, label, where;
};
struct RawField {
  std::string name;
  std::vector<RawRecord> records;
  std::vector<RawGold> gold;
};

/// Whether `s` is an integer written without leading zeros or '+' ("-12", "0", any length).
inline bool integer_text(const std::string& s) {
  const std::size_t digits = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (s.size() == digits) return false;
  if (s[digits] == '0' && s.size() > digits + 1) return false;
  if (s == "-0") return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(digits), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

/// a < b for two `integer_text` strings, by value, for integers of any length.
inline bool integer_less(const std::string& a, const std::string& b) {
  const bool na = a[0] == '-', nb = b[0] == '-';
  if (na != nb) return na;
  const bool shorter = a.size() != b.size() ? a.size() < b.size() : a < b;
  if (a == b) return false;
  return na ? !shorter : shorter;
}

/// Sorted distinct names: numerically if every name is an integer (of any size), else as strings.
inline std::vector<std::string> sorted_names(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (std::all_of(names.begin(), names.end(), integer_text)) {
    std::sort(names.begin(), names.end(), integer_less);
  }
  return names;
}

inline std::map<std::string, Eigen::Index> index_of(const std::vector<std::string>& names) {
  std::map<std::string, Eigen::Index> out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out.emplace(names[i], static_cast<Eigen::Index>(i));
  return out;
}

/// Makes a raw field dense. Gold labels join the label set; gold for items nobody answered is
/// dropped; two different gold labels for one item are an error naming the second.
inline Field finish(const RawField& raw) {
  Field f;
  f.name = raw.name;
  std::vector<std::string> items, annotators, labels;
  for (const auto& r : raw.records) {
    items.push_back(r.item);
    annotators.push_back(r.annotator);
    labels.push_back(r.label);
  }
  for (const auto& g : raw.gold) labels.push_back(g.label);
  f.items = sorted_names(std::move(items));
  f.annotators = sorted_names(std::move(annotators));
  f.labels = sorted_names(std::move(labels));
  const auto item_index = index_of(f.items);
  const auto annotator_index = index_of(f.annotators);
  const auto label_index = index_of(f.labels);
  std::vector<std::string> choices;
  for (const auto& r : raw.records) {
    f.records.push_back({item_index.at(r.item), annotator_index.at(r.annotator),
                         static_cast<int>(label_index.at(r.label))});
    if (r.choices.size() > 1) f.multi_label = true;
    if (r.choices.empty()) choices.push_back(r.label);
    choices.insert(choices.end(), r.choices.begin(), r.choices.end());
  }
  if (f.multi_label) {
    f.choice_labels = sorted_names(std::move(choices));
    const auto choice_index = index_of(f.choice_labels);
    for (std::size_t k = 0; k < raw.records.size(); ++k) {
      const auto& r = raw.records[k];
      SetAnswer answer{f.records[k].item, f.records[k].annotator, {}};
      if (r.choices.empty()) {
        answer.labels.push_back(static_cast<int>(choice_index.at(r.label)));
      } else {
        for (const auto& c : r.choices)
          answer.labels.push_back(static_cast<int>(choice_index.at(c)));
      }
      std::sort(answer.labels.begin(), answer.labels.end());
      f.sets.push_back(std::move(answer));
    }
  }
  std::map<std::string, std::string> seen;
  for (const auto& g : raw.gold) {
    const auto [it, inserted] = seen.emplace(g.item, g.label);
    if (!inserted && it->second != g.label) {
      throw InputError(g.where + ": gold label '" + g.label + "' for item '" + g.item +
                       "' contradicts an earlier gold label '" + it->second + "'");
    }
    const auto item = item_index.find(g.item);
    if (!inserted || item == item_index.end()) continue;
    f.gold.push_back({item->second, static_cast<int>(label_index.at(g.label))});
  }
  return f;
}

/// Splits one CSV line (RFC 4180 quotes, "" inside quotes); false on an unterminated quote.
inline bool split_csv(const std::string& line, std::vector<std::string>& out) {
  out.clear();
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(cell);
  for (auto& s : out) {  // trim blanks around unquoted cells
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  return !quoted;
}

/// Reads CSV rows with a header, calling `row(cells, line_number)` for each data row with
/// exactly `columns.size()` (or `alternative` if non-zero) non-empty cells.
template <class Row>
void read_csv(std::istream& in, const std::string& source, const std::string& expected,
              std::size_t columns, std::size_t alternative, Row&& row) {
  std::string line;
  std::vector<std::string> cells;
  std::size_t number = 0;
  bool header = true;
  std::size_t width = columns;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = source + ":" + std::to_string(number) + ": ";
    if (!split_csv(line, cells)) throw InputError(where + "unterminated quote");
    if (header) {
      header = false;
      if (alternative != 0 && cells.size() == alternative) width = alternative;
      if (cells.size() != width) {
        throw InputError(where + "the header has " + std::to_string(cells.size()) +
                         " columns, expected " + expected);
      }
      continue;
    }
    if (cells.size() != width) {
      throw InputError(where + "expected " + std::to_string(width) + " comma-separated fields (" +
                       expected + "), got " + std::to_string(cells.size()));
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (cells[c].empty()) {
        throw InputError(where + "field " + std::to_string(c + 1) + " is empty (" + expected + ")");
      }
    }
    row(cells, number);
  }
  if (header)
    throw InputError(source + ": the file is empty (expected a header: " + expected + ")");
}

inline std::string path_key(const std::string& base, const char* key) { return base + "." + key; }
inline std::string path_index(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

/// The JSON type of `j` for messages, with the value when it is a short scalar ("number 1.5").
/// Never dumps an array or object: their size is not bounded.
inline std::string type_text(const nlohmann::json& j) {
  if (j.is_number() || j.is_boolean()) return std::string(j.type_name()) + " " + j.dump();
  return j.type_name();
}

/// An id (task id, annotator) as text: an integer (signed or unsigned 64-bit, kept exactly) or
/// a non-empty string.
inline std::string id_text(const nlohmann::json& j, const std::string& source,
                           const std::string& path) {
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());
  if (j.is_number_integer()) return std::to_string(j.get<std::int64_t>());
  if (j.is_string() && !j.get<std::string>().empty()) return j.get<std::string>();
  throw InputError(source + ": " + path + ": expected an integer or a non-empty string id (got " +
                   type_text(j) + ")");
}

inline std::string annotator_text(const nlohmann::json& j, const std::string& source,
                                  const std::string& path) {
  if (j.is_object()) {
    if (j.contains("email") && j["email"].is_string()) return j["email"].get<std::string>();
    if (j.contains("id")) return id_text(j["id"], source, path_key(path, "id"));
    throw InputError(source + ": " + path +
                     ": expected a user id, or an object with 'id' or 'email'");
  }
  return id_text(j, source, path);
}

inline RawField& field_named(std::vector<RawField>& fields, const std::string& name) {
  for (auto& f : fields) {
    if (f.name == name) return f;
  }
  fields.push_back({name, {}, {}});
  return fields.back();
}

}  // namespace detail

/// Raw fields of a CSV `item,annotator,label` file (one field, named "label").
inline std::vector<detail::RawField> read_csv_records(std::istream& in, const std::string& source) {
  std::vector<detail::RawField> fields(1);
  fields[0].name = "label";
  detail::read_csv(
      in, source, "item,annotator,label", 3, 0,
      [&](const std::vector<std::string>& c, std::size_t line) {
        fields[0].records.push_back({c[0], c[1], c[2], "line " + std::to_string(line), {}});
      });
  if (fields[0].records.empty()) throw InputError(source + ": no annotations after the header");
  return fields;
}

/// Raw fields of a Label Studio JSON export (see the file comment for the mapping).
inline std::vector<detail::RawField> read_label_studio_records(
    std::string_view text, const std::string& source, std::vector<std::string>& notes,
    const labelkit::JsonLimits& limits = {}) {
  using detail::path_index;
  using detail::path_key;
  nlohmann::json root;
  try {
    root = labelkit::detail::parse_json(text, limits, "report", "\n");
  } catch (const labelkit::parse_error& e) {
    // "labelkit: report(): \nwhat": keep what, without nlohmann's "[json.exception.x.n] " tag.
    std::string what = e.what();
    what = what.substr(what.find('\n') + 1);
    if (const auto tag = what.find("[json.exception."); tag != std::string::npos) {
      const auto end = what.find("] ", tag);
      if (end != std::string::npos) what.erase(tag, end + 2 - tag);
    }
    throw InputError(source + ": " + what);
  }
  if (!root.is_array()) {
    throw InputError(source +
                     ": (root): expected an array of tasks (a Label Studio JSON export), got " +
                     std::string(root.type_name()));
  }
  std::vector<detail::RawField> fields;
  std::map<std::string, std::size_t> skipped_types;
  std::size_t cancelled = 0, predictions = 0;
  const auto fail = [&](const std::string& path, const std::string& what) {
    throw InputError(source + ": " + path + ": " + what);
  };
  for (std::size_t t = 0; t < root.size(); ++t) {
    const std::string tp = path_index("", t);
    const auto& task = root[t];
    if (!task.is_object()) fail(tp, "expected a task object, got " + std::string(task.type_name()));
    if (!task.contains("id")) fail(path_key(tp, "id"), "missing (every task needs an id)");
    const std::string item = detail::id_text(task["id"], source, path_key(tp, "id"));
    if (task.contains("predictions") && task["predictions"].is_array()) {
      predictions += task["predictions"].size();
    }
    if (!task.contains("annotations")) continue;
    const auto& annotations = task["annotations"];
    const std::string ap = path_key(tp, "annotations");
    if (!annotations.is_array())
      fail(ap, "expected an array, got " + std::string(annotations.type_name()));
    for (std::size_t a = 0; a < annotations.size(); ++a) {
      const std::string anp = path_index(ap, a);
      const auto& annotation = annotations[a];
      if (!annotation.is_object()) fail(anp, "expected an annotation object");
      if (annotation.contains("was_cancelled")) {
        const auto& flag = annotation["was_cancelled"];
        if (!flag.is_boolean()) {
          fail(path_key(anp, "was_cancelled"),
               "expected true or false (got " + detail::type_text(flag) + ")");
        }
        if (flag.get<bool>()) {
          ++cancelled;
          continue;
        }
      }
      const bool gold = annotation.contains("ground_truth") &&
                        annotation["ground_truth"].is_boolean() &&
                        annotation["ground_truth"].get<bool>();
      std::string annotator;
      if (annotation.contains("completed_by")) {
        annotator = detail::annotator_text(annotation["completed_by"], source,
                                           path_key(anp, "completed_by"));
      } else if (!gold) {
        fail(path_key(anp, "completed_by"), "missing (who gave this annotation?)");
      }
      if (!annotation.contains("result")) fail(path_key(anp, "result"), "missing");
      const auto& result = annotation["result"];
      const std::string rp = path_key(anp, "result");
      if (!result.is_array()) fail(rp, "expected an array, got " + std::string(result.type_name()));
      for (std::size_t r = 0; r < result.size(); ++r) {
        const std::string p = path_index(rp, r);
        const auto& item_result = result[r];
        if (!item_result.is_object()) fail(p, "expected a result object");
        if (!item_result.contains("type") || !item_result["type"].is_string()) {
          fail(path_key(p, "type"), "missing or not a string");
        }
        const std::string type = item_result["type"].get<std::string>();
        if (type != "choices") {
          ++skipped_types[type];
          continue;
        }
        if (!item_result.contains("from_name") || !item_result["from_name"].is_string() ||
            item_result["from_name"].get<std::string>().empty()) {
          fail(path_key(p, "from_name"), "missing or not a non-empty string");
        }
        if (!item_result.contains("value") || !item_result["value"].is_object()) {
          fail(path_key(p, "value"), "missing or not an object");
        }
        const auto& value = item_result["value"];
        const std::string cp = path_key(path_key(p, "value"), "choices");
        if (!value.contains("choices") || !value["choices"].is_array() ||
            value["choices"].empty()) {
          fail(cp, "expected a non-empty array of strings");
        }
        std::vector<std::string> choices;
        for (std::size_t c = 0; c < value["choices"].size(); ++c) {
          const auto& choice = value["choices"][c];
          if (!choice.is_string() || choice.get<std::string>().empty()) {
            fail(path_index(cp, c),
                 "expected a non-empty string, got " +
                     (choice.is_string() ? std::string("\"\"") : detail::type_text(choice)));
          }
          choices.push_back(choice.get<std::string>());
        }
        std::sort(choices.begin(), choices.end());
        choices.erase(std::unique(choices.begin(), choices.end()), choices.end());
        std::string label = choices.front();
        for (std::size_t c = 1; c < choices.size(); ++c) label += "|" + choices[c];
        auto& field = detail::field_named(fields, item_result["from_name"].get<std::string>());
        if (gold) {
          field.gold.push_back({item, label, source + ": " + p});
        } else {
          field.records.push_back({item, annotator, label, p, choices});
        }
      }
    }
  }
  for (const auto& [type, n] : skipped_types) {
    notes.push_back("skipped " + std::to_string(n) + " result(s) of type '" + type +
                    "' (only 'choices' is analysed)");
  }
  if (cancelled > 0)
    notes.push_back("skipped " + std::to_string(cancelled) + " cancelled annotation(s)");
  if (predictions > 0)
    notes.push_back("ignored " + std::to_string(predictions) +
                    " prediction(s) (model output, not annotators)");
  std::erase_if(fields, [&](const detail::RawField& f) {
    if (!f.records.empty()) return false;
    notes.push_back("field '" + f.name + "' has gold labels but no annotations: skipped");
    return true;
  });
  if (fields.empty())
    throw InputError(source + ": no 'choices' annotations found in " + std::to_string(root.size()) +
                     " task(s)");
  return fields;
}

/// Reads labelkit's own task export (annotation::write_json, or annotation::write_jsonl as the
/// pipeline writes it: `queue.export_tasks()`): one field per label set, items and annotators by
/// their integer ids, each answer's classes by name (several classes make the field
/// multi-label), a gold task's known answer as gold. Empty answers (a multi-label "none") are
/// skipped with a note.
inline std::vector<detail::RawField> read_labelkit_tasks(std::string_view text,
                                                         const std::string& source, bool lines,
                                                         std::vector<std::string>& notes,
                                                         const labelkit::JsonLimits& limits) {
  labelkit::annotation::TaskSet set;
  try {
    std::istringstream in{std::string(text)};
    set = lines ? labelkit::annotation::read_jsonl(in, limits)
                : labelkit::annotation::read_json(in, limits);
  } catch (const labelkit::error& e) {
    throw InputError(source + ": " + e.what());
  }
  std::vector<detail::RawField> fields;
  std::size_t empty = 0;
  for (const auto& task : set.tasks) {
    const auto& labels = set.label_sets[static_cast<std::size_t>(task.label_set)];
    auto& field = detail::field_named(fields, labels.from_name());
    const std::string item = std::to_string(task.item);
    const auto names_of = [&](const std::vector<int>& classes) {
      std::vector<std::string> names;
      for (const int c : classes) names.push_back(labels.name(c));
      std::sort(names.begin(), names.end());
      std::string joined;
      for (const auto& n : names) joined += (joined.empty() ? "" : "|") + n;
      return std::pair{joined, names};
    };
    if (task.gold && !task.gold->empty()) {
      field.gold.push_back({item, names_of(*task.gold).first, source + ": item " + item});
    }
    for (const auto& answer : task.annotations) {
      if (answer.labels.empty()) {
        ++empty;
        continue;
      }
      auto [label, names] = names_of(answer.labels);
      field.records.push_back({item, std::to_string(answer.annotator), label,
                               source + ": item " + item, std::move(names)});
    }
  }
  if (empty > 0) notes.push_back("skipped " + std::to_string(empty) + " empty answer(s)");
  std::erase_if(fields, [&](const detail::RawField& f) {
    if (!f.records.empty()) return false;
    notes.push_back("label set '" + f.name + "' has no answers: skipped");
    return true;
  });
  if (fields.empty()) throw InputError(source + ": no answers found");
  return fields;
}

/// Adds a gold file to raw fields: CSV with header `item,label` (every field) or
/// `item,field,label`. Unknown field names are an error naming the line.
inline void read_gold(std::istream& in, const std::string& source,
                      std::vector<detail::RawField>& fields) {
  detail::read_csv(
      in, source, "item,label or item,field,label", 2, 3,
      [&](const std::vector<std::string>& c, std::size_t line) {
        const std::string where = source + ":" + std::to_string(line);
        if (c.size() == 2) {
          for (auto& f : fields) f.gold.push_back({c[0], c[1], where});
          return;
        }
        for (auto& f : fields) {
          if (f.name == c[1]) {
            f.gold.push_back({c[0], c[2], where});
            return;
          }
        }
        throw InputError(source + ":" + std::to_string(line) + ": unknown field '" + c[1] + "'");
      });
}

namespace detail {

/// "labelkit_jsonl" if `text` is labelkit's JSON Lines task export (its first line is the header
/// `{"format": "labelkit.annotation.tasks.jsonl", ...}`), "labelkit_json" if it is the JSON
/// document (`{"format": "labelkit.annotation.tasks", ...}`), else empty.
inline std::string_view labelkit_format(std::string_view text, const labelkit::JsonLimits& limits) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return {};
  const auto format_of = [&](std::string_view document) -> std::string {
    try {
      const auto value = labelkit::detail::parse_json(document, limits, "labelkit-report");
      if (value.is_object() && value.contains("format") && value["format"].is_string()) {
        return value["format"].get<std::string>();
      }
    } catch (const labelkit::error&) {
    }
    return {};
  };
  const auto end = text.find('\n', first);
  const std::string_view line =
      text.substr(first, end == std::string_view::npos ? std::string_view::npos : end - first);
  if (format_of(line) == "labelkit.annotation.tasks.jsonl") return "labelkit_jsonl";
  if (format_of(text) == "labelkit.annotation.tasks") return "labelkit_json";
  return {};
}

/// `text` without a leading UTF-8 byte order mark.
inline std::string_view without_bom(std::string_view text) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  return text.substr(0, bom.size()) == bom ? text.substr(bom.size()) : text;
}

}  // namespace detail

/// Reads an input given as text, detecting the format by content: after an optional UTF-8 byte
/// order mark, labelkit's task export (JSON or JSON Lines, by its "format" member), else a first
/// non-blank character '[' or '{' means Label Studio JSON, anything else CSV.
/// `gold_text` (optional) is a gold file. JSON is read within `limits`.
inline Dataset parse(const std::string& text_with_bom, const std::string& source,
                     const std::string* gold_text = nullptr, const std::string& gold_source = "",
                     const labelkit::JsonLimits& limits = {}) {
  Dataset data;
  data.source = source;
  std::vector<detail::RawField> raw;
  const std::string_view text = detail::without_bom(text_with_bom);
  const auto first = text.find_first_not_of(" \t\r\n");
  const std::string_view kind =
      first == std::string::npos ? std::string_view{} : detail::labelkit_format(text, limits);
  if (!kind.empty()) {
    data.format = std::string(kind);
    raw = read_labelkit_tasks(text, source, kind == "labelkit_jsonl", data.notes, limits);
  } else if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
    data.format = "label_studio";
    raw = read_label_studio_records(text, source, data.notes, limits);
  } else {
    data.format = "csv";
    std::istringstream in{std::string(text)};
    raw = read_csv_records(in, source);
  }
  if (gold_text != nullptr) {
    std::istringstream in{std::string(detail::without_bom(*gold_text))};
    read_gold(in, gold_source, raw);
  }
  for (const auto& f : raw) {
    data.fields.push_back(detail::finish(f));
  }
  return data;
}

/// Reads a whole file. @throws InputError if it cannot be opened.
inline std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(path + ": cannot open the file");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

/// Reads the input file (and the gold file when `gold_path` is not empty).
inline Dataset load(const std::string& path, const std::string& gold_path = "") {
  const std::string text = read_text(path);
  if (gold_path.empty()) return parse(text, path);
  const std::string gold = read_text(gold_path);
  return parse(text, path, &gold, gold_path);
}

}  // namespace labelkit_tools::report
