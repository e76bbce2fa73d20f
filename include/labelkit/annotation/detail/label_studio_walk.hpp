#pragma once
/// @file
/// The walk every Label Studio reader makes over an exported task: its id (or its position) with
/// a check that no id repeats, its annotations with the cancelled ones skipped, the one result of
/// a control in an annotation, and the annotator who completed it. Internal; the readers of
/// choices (label_studio.hpp), Pairwise, Ranker and regions share it so that they accept and
/// refuse the same things with the same messages.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// The id of the task at position `t` (path `tp`): its "id" member, a non-negative integer, or
/// `t` when it has none. Records it in `seen` (id → position) and refuses an id seen before.
template <class Json>
[[nodiscard]] Index label_studio_task_id(const Json& task, std::size_t t, const std::string& tp,
                                         const JsonContext& context,
                                         std::unordered_map<Index, std::size_t>& seen) {
  const Json* id = optional_member(task, "id", tp, context);
  const Index value =
      id ? static_cast<Index>(as_count(*id, path_of(tp, "id"), context)) : static_cast<Index>(t);
  if (const auto [it, fresh] = seen.emplace(value, t); !fresh) {
    bad_json(context, path_of(tp, "id"), "task id ", value, " is repeated (first at /", it->second,
             ")");
  }
  return value;
}

/// Calls `visit(annotation, path)` for every annotation of `task` (path `tp`) whose
/// `was_cancelled` is absent or false, in order. A task without "annotations" has none; the
/// member must otherwise be an array.
template <class Json, class Visit>
void for_each_live_annotation(const Json& task, const std::string& tp, const JsonContext& context,
                              Visit visit) {
  const Json* annotations = optional_member(task, "annotations", tp, context);
  if (!annotations) return;
  const auto ap = path_of(tp, "annotations");
  expect_array(*annotations, ap, context);
  for (std::size_t a = 0; a < annotations->size(); ++a) {
    const auto p = path_of(ap, a);
    const Json& annotation = (*annotations)[a];
    if (const Json* cancelled = optional_member(annotation, "was_cancelled", p, context)) {
      if (as_bool(*cancelled, path_of(p, "was_cancelled"), context)) continue;
    }
    visit(annotation, p);
  }
}

/// The `type` of the result `result` (path `rp`) if its `from_name` is `from_name`, else
/// std::nullopt; both members must be strings.
template <class Json>
[[nodiscard]] std::optional<std::string> result_type_of(const Json& result, const std::string& rp,
                                                        std::string_view from_name,
                                                        const JsonContext& context) {
  const auto from =
      as_string(member(result, "from_name", rp, context), path_of(rp, "from_name"), context);
  auto type = as_string(member(result, "type", rp, context), path_of(rp, "type"), context);
  if (from != from_name) return std::nullopt;
  return type;
}

/// The `value` object of one result of an annotation, and its JSON path.
template <class Json>
struct ResultValue {
  const Json* value = nullptr;  ///< nullptr: the annotation has no result of the control.
  std::string path;             ///< Path of `value` (".../result/<r>/value").
};

/// The `value` member of the result of `annotation` (path `p`) whose `from_name` is `from_name`
/// and whose `type` is `type`, or an empty ResultValue if there is none; refuses a second such
/// result ("a second <type> result of control '<from_name>' in one annotation") and one without
/// a `value`. Every result must carry string `from_name` and `type` members.
template <class Json>
[[nodiscard]] ResultValue<Json> single_result_value(const Json& annotation, const std::string& p,
                                                    std::string_view from_name,
                                                    std::string_view type,
                                                    const JsonContext& context) {
  const auto rp = path_of(p, "result");
  const Json& results = member(annotation, "result", p, context);
  expect_array(results, rp, context);
  const Json* found = nullptr;
  std::string found_path;
  for (std::size_t r = 0; r < results.size(); ++r) {
    const auto ep = path_of(rp, r);
    if (result_type_of(results[r], ep, from_name, context) != type) continue;
    if (found) {
      bad_json(context, ep, "a second ", type, " result of control '", from_name,
               "' in one annotation");
    }
    found = &results[r];
    found_path = ep;
  }
  if (!found) return {};
  return {&member(*found, "value", found_path, context), path_of(found_path, "value")};
}

/// The annotator of `annotation` (path `p`): its `completed_by`, a non-negative integer or an
/// object with such an "id" (both forms occur in Label Studio exports).
template <class Json>
[[nodiscard]] Index completed_by(const Json& annotation, const std::string& p,
                                 const JsonContext& context) {
  const auto bp = path_of(p, "completed_by");
  const Json& by = member(annotation, "completed_by", p, context);
  const Json& who = by.is_object() ? member(by, "id", bp, context) : by;
  return static_cast<Index>(as_count(who, bp, context));
}

}  // namespace detail
LABELKIT_END_NAMESPACE
