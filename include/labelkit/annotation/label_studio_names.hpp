#pragma once
/// @file
/// Reading a Label Studio export whose annotators are not small integers: `completed_by` given
/// as an e-mail or another string, or as a user object `{"id": 17, "email": "ana@example.com"}`.
/// Each annotator's string id is interned in an IdNames table, so the TaskSet carries dense
/// annotator ids 0, 1, 2, ... and the table maps them back to the names for reports and exports.

#include <algorithm>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/core/json.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// Reads a Label Studio JSON export as read_label_studio(in, label_set, limits) does, but
/// identifies annotators by name: each `completed_by` is interned in `annotators` and replaced
/// by its id there. The name of `completed_by` is
/// - the string itself, for a string (`"ana@example.com"`);
/// - the member `email` if the value is an object with a string `email`, else its `id`
///   written in decimal (`{"id": 17}` is "17");
/// - the integer written in decimal, for an integer (`17` is "17").
/// Ids are dense and in order of first appearance in the document, so a table shared across
/// several exports keeps each annotator's id. `annotators` is only changed if the whole export
/// is read. Ground-truth annotations without `completed_by` stay gold answers.
/// @throws labelkit::parse_error as read_label_studio(), and naming the JSON path of a
///   `completed_by` that is neither a string, a non-negative integer nor such an object, or a
///   name that `annotators` refuses (empty, not UTF-8, too long, table full);
///   labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] TaskSet read_label_studio(std::istream& in, const LabelSet& label_set,
                                        IdNames& annotators, const JsonLimits& limits = {}) {
  const detail::JsonContext context{"read_label_studio", "", limits};
  Json document = detail::parse_document<Json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_array(document, "", context);
  IdNames table = annotators;
  const auto name_of = [&](const Json& who, const std::string& path) -> std::string {
    if (who.is_string()) return who.template get<std::string>();
    if (who.is_number_unsigned()) return std::to_string(who.template get<std::uint64_t>());
    if (who.is_object()) {
      if (const auto email = who.find("email"); email != who.end() && email->is_string()) {
        return email->template get<std::string>();
      }
      if (const auto id = who.find("id"); id != who.end()) {
        if (id->is_string()) return id->template get<std::string>();
        if (id->is_number_unsigned()) return std::to_string(id->template get<std::uint64_t>());
      }
      detail::bad_json(context, path,
                       "a user object needs a string 'email' or a non-negative integer 'id'");
    }
    detail::bad_json(context, path,
                     "expected a user id (a string, a non-negative integer or a user object; got ",
                     who.type_name(), ")");
  };
  for (std::size_t t = 0; t < document.size(); ++t) {
    const auto tp = detail::path_of("", t);
    if (!document[t].is_object()) continue;  // read_label_studio reports it
    const auto annotations = document[t].find("annotations");
    if (annotations == document[t].end() || !annotations->is_array()) continue;
    const auto ap = detail::path_of(tp, "annotations");
    for (std::size_t a = 0; a < annotations->size(); ++a) {
      Json& annotation = (*annotations)[a];
      if (!annotation.is_object()) continue;
      const auto by = annotation.find("completed_by");
      if (by == annotation.end()) continue;
      const auto path = detail::path_of(detail::path_of(ap, a), "completed_by");
      const std::string name = name_of(*by, path);
      try {
        *by = static_cast<std::int64_t>(table.intern(name));
      } catch (const labelkit::invalid_argument& e) {
        detail::bad_json(context, path, "annotator name '", name, "': ", e.what());
      }
    }
  }
  const std::string text = document.dump();
  JsonLimits rewritten = limits;
  rewritten.max_bytes = std::max(limits.max_bytes, text.size());  // numbers may print longer
  std::istringstream again(text);
  TaskSet set = read_label_studio<Json>(again, label_set, rewritten);
  annotators = std::move(table);
  return set;
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
