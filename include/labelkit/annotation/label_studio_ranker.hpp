#pragma once
/// @file
/// Label Studio's Ranker template, in rank mode ("order these items") and in bucket mode ("pick
/// the relevant items" / "group these items", with `<Bucket>`s): export ranking tasks for
/// import into Label Studio, and read its JSON export back as rankings, as the pairwise
/// Comparison records they imply (for quality::bradley_terry()) and as the items x annotators
/// position matrix of agreement::kendall_w().
///
/// One task, for the labeling configuration
/// `<List name="list" value="$items" title="Answers"/><Ranker name="rank" toName="list"/>`:
/// @code{.json}
/// {"id": 3, "data": {"items": [{"id": "a1", "title": "..."}, {"id": "a2", "title": "..."}]},
///  "annotations": [{"id": 1, "completed_by": 2, "was_cancelled": false,
///                   "result": [{"id": "3-1", "from_name": "rank", "to_name": "list",
///                               "type": "ranker", "value": {"ranker": {"rank": ["a2", "a1"]}}}]}]}
/// @endcode
///
/// Mapping: the list items' string ids (`data[RankerFormat::list_key][k].id`) are interned in an
/// IdNames table, so rankings carry the dense item ids of every labelkit function; an answer is
/// the array under `value.ranker[<from_name>]` (the single bucket of rank mode, named after the
/// control), best first. Cancelled annotations and annotations of other controls are skipped.
/// Export -> import -> export is byte-identical.
///
/// Bucket mode, for `<Ranker name="rank" toName="list"><Bucket name="relevant"/>
/// <Bucket name="irrelevant"/></Ranker>` and RankerFormat::buckets = {"relevant", "irrelevant"}
/// (the config's order, best first): `value.ranker` holds one array per bucket,
/// `{"relevant": ["a2"], "irrelevant": ["a1", "a3"]}`, and, when no bucket is `default="true"`,
/// the items left in the list under "_" (Label Studio's internal column). RankingAnswer::buckets
/// holds the groups, RankingAnswer::unplaced the "_" items, and RankingAnswer::order the groups
/// one after the other. A missing bucket is empty.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/detail/label_studio_walk.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace annotation {

/// One annotator's ranking of a task's items.
struct RankingAnswer {
  Eigen::Index annotator = 0;       ///< Annotator id (non-negative).
  std::vector<Eigen::Index> order;  ///< Item ids, best first (a subset of the task's items).
  /// Bucket mode: the item ids in each bucket of RankerFormat::buckets (same order), each in its
  /// on-screen order; `order` is their concatenation. Empty in rank mode.
  std::vector<std::vector<Eigen::Index>> buckets{};
  /// Bucket mode: the item ids left in the list (Label Studio's "_" column), in its order; they
  /// are not in `order`. Empty in rank mode.
  std::vector<Eigen::Index> unplaced{};

  /// Member-wise equality.
  friend bool operator==(const RankingAnswer&, const RankingAnswer&) = default;
};

/// A ranking task: the payload (with its list of items) and the answers.
struct RankingTask {
  Eigen::Index id = 0;                 ///< Task id (non-negative, unique in a set).
  std::vector<Eigen::Index> items;     ///< The listed items' ids, in list order.
  nlohmann::json data;                 ///< The payload, holding the list (what Label Studio shows).
  std::vector<RankingAnswer> answers;  ///< Accepted answers.

  /// Member-wise equality.
  friend bool operator==(const RankingTask&, const RankingTask&) = default;
};

/// The Label Studio names of a ranking project.
struct RankerFormat {
  std::string from_name = "rank";  ///< The `<Ranker name=...>` control (and its bucket).
  std::string to_name = "list";    ///< Its `toName`, the `<List>` object.
  std::string list_key = "items";  ///< Member of `data` holding the list of `{"id": ...}`.
  /// The `<Bucket name=...>`s of bucket mode, in the config's order (best first); empty (the
  /// default): rank mode. Distinct, non-empty, not "_".
  std::vector<std::string> buckets{};
};

}  // namespace annotation
namespace detail {

/// Throws labelkit::invalid_argument unless the bucket names are distinct, non-empty and not "_".
template <class = void>
inline void check_ranker_buckets(const annotation::RankerFormat& format,
                                 std::string_view function) {
  for (std::size_t b = 0; b < format.buckets.size(); ++b) {
    const std::string& name = format.buckets[b];
    if (name.empty() || name == "_" ||
        std::find(format.buckets.begin(), format.buckets.begin() + static_cast<std::ptrdiff_t>(b),
                  name) != format.buckets.begin() + static_cast<std::ptrdiff_t>(b)) {
      fail(function, "'format.buckets[", b, "]' ('", name,
           "') must be non-empty, not \"_\" and not repeated");
    }
  }
}

}  // namespace detail
namespace annotation {

/// The pairwise comparisons a set of rankings implies: for each answer and each two items in
/// it, {annotator, the better item, the worse item, Winner::left}. A ranking of k items gives
/// k (k - 1) / 2 comparisons (they are not independent: use them for scores and a ranking, not
/// for tests that assume independent comparisons). A bucket-mode answer (non-empty `buckets`)
/// compares only items of different buckets (the earlier bucket wins; items of one bucket are
/// tied) and says nothing about unplaced items. O(sum k^2).
/// @throws labelkit::invalid_argument if the comparisons would need more than
///   labelkit::max_allocation_bytes.
template <class = void>
[[nodiscard]] inline std::vector<Comparison> ranking_comparisons(
    std::span<const RankingTask> tasks) {
  std::size_t total = 0;
  for (const RankingTask& task : tasks) {
    for (const RankingAnswer& answer : task.answers) {
      const std::size_t k = answer.order.size();
      labelkit::detail::check_allocation({k, k}, sizeof(Comparison), "ranking_comparisons",
                                         "the comparisons of one ranking");
      total += k * (k - (k > 0 ? 1 : 0)) / 2;
      labelkit::detail::check_allocation({total}, sizeof(Comparison), "ranking_comparisons",
                                         "the comparisons");
    }
  }
  std::vector<Comparison> out;
  out.reserve(total);
  for (const RankingTask& task : tasks) {
    for (const RankingAnswer& answer : task.answers) {
      if (!answer.buckets.empty()) {
        for (std::size_t a = 0; a < answer.buckets.size(); ++a) {
          for (std::size_t b = a + 1; b < answer.buckets.size(); ++b) {
            for (const Eigen::Index better : answer.buckets[a]) {
              for (const Eigen::Index worse : answer.buckets[b]) {
                out.push_back({answer.annotator, better, worse, Winner::left});
              }
            }
          }
        }
        continue;
      }
      for (std::size_t i = 0; i < answer.order.size(); ++i) {
        for (std::size_t j = i + 1; j < answer.order.size(); ++j) {
          out.push_back({answer.annotator, answer.order[i], answer.order[j], Winner::left});
        }
      }
    }
  }
  return out;
}

/// The items x answers matrix of one task's positions (rows follow `task.items`, columns
/// `task.answers`; 1 = best), the input of agreement::kendall_w() (reverse the sign if you want
/// larger = better; W does not change). A bucket-mode answer gives each item its bucket's
/// number (1 = the first bucket), so items of one bucket are tied. O(items x answers).
/// @throws labelkit::invalid_argument if an answer does not rank every item of the task once
///   (an unplaced item counts as not ranked).
template <class Scalar = double>
[[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> ranking_positions(
    const RankingTask& task) {
  const auto n = static_cast<Eigen::Index>(task.items.size());
  const auto m = static_cast<Eigen::Index>(task.answers.size());
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> out =
      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>::Zero(n, m);
  std::unordered_map<Eigen::Index, Eigen::Index> row_of;
  for (std::size_t r = 0; r < task.items.size(); ++r) {
    row_of.emplace(task.items[r], static_cast<Eigen::Index>(r));
  }
  for (Eigen::Index a = 0; a < m; ++a) {
    const RankingAnswer& answer = task.answers[static_cast<std::size_t>(a)];
    const auto& order = answer.order;
    std::vector<std::size_t> group(order.size());
    for (std::size_t k = 0; k < group.size(); ++k) group[k] = k;
    if (!answer.buckets.empty()) {
      std::size_t k = 0;
      for (std::size_t b = 0; b < answer.buckets.size(); ++b) {
        for (std::size_t c = 0; c < answer.buckets[b].size() && k < group.size(); ++c) {
          group[k++] = b;
        }
      }
    }
    if (static_cast<Eigen::Index>(order.size()) != n) {
      labelkit::detail::fail("ranking_positions", "answer ", a, " of task ", task.id, " ranks ",
                             order.size(), " of its ", n, " items (expected all of them)");
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto it = row_of.find(order[k]);
      if (it == row_of.end() || out(it->second, a) != 0) {
        labelkit::detail::fail("ranking_positions", "answer ", a, " of task ", task.id,
                               " ranks item ", order[k], " twice or ranks an item not listed");
      }
      out(it->second, a) = static_cast<Scalar>(group[k] + 1);
    }
  }
  return out;
}

/// Writes ranking tasks as a Label Studio task array (see the file comment): `data` as given
/// (it must be an object holding the list under `format.list_key`), each answer as a `ranker`
/// result whose ids are the names of `items`. In bucket mode (`format.buckets` not empty) every
/// bucket is written, in the format's order, then "_" if the answer has unplaced items.
/// @throws labelkit::invalid_argument for a negative or repeated task id, a payload that is not
///   an object, a negative annotator id, an item id that `items` does not hold, a string that
///   is not valid UTF-8, bad `format.buckets`, or, in bucket mode, an answer whose `buckets` do
///   not match the format's or whose `order` is not their concatenation (in rank mode: an answer
///   with buckets or unplaced items).
template <class Json = nlohmann::json>
void write_label_studio_ranker(std::ostream& out, std::span<const RankingTask> tasks,
                               const IdNames& items, const RankerFormat& format = {},
                               int indent = 2) {
  using json = Json;
  constexpr const char* function = "write_label_studio_ranker";
  labelkit::detail::check_ranker_buckets(format, function);
  json array = json::array();
  std::unordered_map<Eigen::Index, std::size_t> seen;
  std::int64_t annotation_id = 0;
  const auto names_of = [&](std::span<const Eigen::Index> ids, std::size_t t) {
    json names = json::array();
    for (const Eigen::Index item : ids) {
      if (item < 0 || item >= items.size()) {
        labelkit::detail::fail(function, "task ", t, ": item id ", item,
                               " has no name in 'items' (", items.size(), " names)");
      }
      names.push_back(items.name(item));
    }
    return names;
  };
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const RankingTask& task = tasks[t];
    if (task.id < 0) labelkit::detail::fail(function, "task ", t, " has a negative id");
    if (!seen.emplace(task.id, t).second) {
      labelkit::detail::fail(function, "task ", t, " repeats task id ", task.id);
    }
    if (!task.data.is_object()) {
      labelkit::detail::fail(function, "task ", t, "'s payload is not an object (it must hold '",
                             format.list_key, "')");
    }
    json value{{"id", static_cast<std::int64_t>(task.id)},
               {"data", task.data},
               {"annotations", json::array()}};
    std::size_t result_number = 0;
    for (const RankingAnswer& answer : task.answers) {
      if (answer.annotator < 0) {
        labelkit::detail::fail(function, "task ", t, " has an answer by a negative annotator id (",
                               answer.annotator, ")");
      }
      json ranker = json::object();
      if (format.buckets.empty()) {
        if (!answer.buckets.empty() || !answer.unplaced.empty()) {
          labelkit::detail::fail(function, "task ", t,
                                 " has an answer with buckets, but 'format.buckets' is empty");
        }
        ranker[format.from_name] = names_of(answer.order, t);
      } else {
        if (answer.buckets.size() != format.buckets.size()) {
          labelkit::detail::fail(function, "task ", t, " has an answer with ",
                                 answer.buckets.size(), " buckets (expected ",
                                 format.buckets.size(), ", one per 'format.buckets')");
        }
        std::vector<Eigen::Index> joined;
        for (std::size_t b = 0; b < answer.buckets.size(); ++b) {
          joined.insert(joined.end(), answer.buckets[b].begin(), answer.buckets[b].end());
          ranker[format.buckets[b]] = names_of(answer.buckets[b], t);
        }
        if (joined != answer.order) {
          labelkit::detail::fail(function, "task ", t,
                                 " has an answer whose 'order' is not its buckets in turn");
        }
        if (!answer.unplaced.empty()) ranker["_"] = names_of(answer.unplaced, t);
      }
      json result{{"id", labelkit::detail::concat(task.id, '-', ++result_number)},
                  {"from_name", format.from_name},
                  {"to_name", format.to_name},
                  {"type", "ranker"},
                  {"value", {{"ranker", std::move(ranker)}}}};
      value["annotations"].push_back(
          json{{"id", ++annotation_id},
               {"completed_by", static_cast<std::int64_t>(answer.annotator)},
               {"was_cancelled", false},
               {"result", json::array({std::move(result)})}});
    }
    array.push_back(std::move(value));
  }
  out << detail::dump_checked(array, function, indent) << '\n';
}

/// Reads a Label Studio JSON export of a Ranker project (rank or bucket mode) described by
/// `format`,
/// interning the list items' string ids in `items` (changed only if the whole export is read).
/// A task without `id` gets its position as id. `limits` bounds the document as in
/// read_label_studio().
/// @throws labelkit::parse_error naming the JSON path of the first bad value: not an array, a
///   repeated task id, a payload that is not an object or nests too deep, a missing list, a
///   list entry without a string `id` or repeating one, an answer that is not an array of
///   strings, names an item not in the task's list or names one twice (in bucket mode: in any
///   two buckets), a bucket the format does not name, two ranker results of the control in one
///   annotation, a missing or bad `completed_by`, a name `items` refuses, or a limit;
///   labelkit::invalid_argument for bad `format.buckets`; labelkit::error if the stream fails.
template <class Json = nlohmann::json>
[[nodiscard]] std::vector<RankingTask> read_label_studio_ranker(std::istream& in, IdNames& items,
                                                                const RankerFormat& format = {},
                                                                const JsonLimits& limits = {}) {
  using json = Json;
  const detail::JsonContext context{"read_label_studio_ranker", "", limits};
  labelkit::detail::check_ranker_buckets(format, context.function);
  const json document = detail::parse_document<json>(
      detail::read_all(in, limits.max_bytes, context.function), limits, context);
  detail::expect_array(document, "", context);
  IdNames table = items;
  const auto intern = [&](const json& value, const std::string& path) {
    const auto name = detail::as_string(value, path, context);
    try {
      return table.intern(name);
    } catch (const labelkit::invalid_argument& e) {
      detail::bad_json(context, path, "item name '", name, "': ", e.what());
    }
  };
  std::vector<RankingTask> tasks;
  std::unordered_map<Index, std::size_t> seen;
  for (std::size_t t = 0; t < document.size(); ++t) {
    const auto tp = detail::path_of("", t);
    const json& value = document[t];
    RankingTask task;
    task.id = detail::label_studio_task_id(value, t, tp, context, seen);
    const auto dp = detail::path_of(tp, "data");
    task.data = detail::member(value, "data", tp, context);
    detail::expect_object(task.data, dp, context);
    detail::check_payload(task.data, dp, context);
    const auto lp = detail::path_of(dp, format.list_key);
    const json& list = detail::member(task.data, format.list_key, dp, context);
    detail::expect_array(list, lp, context);
    std::unordered_set<Eigen::Index> listed;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const auto kp = detail::path_of(lp, k);
      const Eigen::Index item =
          intern(detail::member(list[k], "id", kp, context), detail::path_of(kp, "id"));
      if (!listed.insert(item).second) {
        detail::bad_json(context, detail::path_of(kp, "id"), "item '", table.name(item),
                         "' is listed twice");
      }
      task.items.push_back(item);
    }
    detail::for_each_live_annotation(
        value, tp, context, [&](const json& annotation, const std::string& p) {
          const auto result =
              detail::single_result_value(annotation, p, format.from_name, "ranker", context);
          if (!result.value) return;  // an annotation of another control
          const auto kp = detail::path_of(result.path, "ranker");
          const json& buckets = detail::member(*result.value, "ranker", result.path, context);
          const json* ranked = &buckets;
          std::string ranked_path = kp;
          if (format.buckets.empty()) {
            ranked = &detail::member(buckets, format.from_name, kp, context);
            ranked_path = detail::path_of(kp, format.from_name);
          } else {
            detail::expect_object(buckets, kp, context);
          }
          RankingAnswer answer;
          std::unordered_set<Eigen::Index> ranked_items;
          const auto read_items = [&](const json& array, const std::string& path,
                                      std::vector<Eigen::Index>& into) {
            detail::expect_array(array, path, context);
            for (std::size_t k = 0; k < array.size(); ++k) {
              const auto kp = detail::path_of(path, k);
              const auto name = detail::as_string(array[k], kp, context);
              const auto item = table.find(name);
              if (!item || listed.count(*item) == 0) {
                detail::bad_json(context, kp, "item '", name, "' is not in the task's list");
              }
              if (!ranked_items.insert(*item).second) {
                detail::bad_json(context, kp, "item '", name, "' is ranked twice");
              }
              into.push_back(*item);
            }
          };
          if (format.buckets.empty()) {
            read_items(*ranked, ranked_path, answer.order);
          } else {
            for (const auto& [key, bucket] : ranked->items()) {
              const auto bp = detail::path_of(ranked_path, key);
              if (key == "_") continue;
              if (std::find(format.buckets.begin(), format.buckets.end(), key) ==
                  format.buckets.end()) {
                detail::bad_json(context, bp, "bucket '", key, "' is not in 'format.buckets'");
              }
              detail::expect_array(bucket, bp, context);
            }
            answer.buckets.resize(format.buckets.size());
            for (std::size_t b = 0; b < format.buckets.size(); ++b) {
              if (const auto it = ranked->find(format.buckets[b]); it != ranked->end()) {
                read_items(*it, detail::path_of(ranked_path, format.buckets[b]), answer.buckets[b]);
                answer.order.insert(answer.order.end(), answer.buckets[b].begin(),
                                    answer.buckets[b].end());
              }
            }
            if (const auto it = ranked->find("_"); it != ranked->end()) {
              read_items(*it, detail::path_of(ranked_path, "_"), answer.unplaced);
            }
          }
          answer.annotator = detail::completed_by(annotation, p, context);
          task.answers.push_back(std::move(answer));
        });
    tasks.push_back(std::move(task));
  }
  items = std::move(table);
  return tasks;
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
