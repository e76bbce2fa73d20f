#include <doctest/doctest.h>

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/agreement/kendall_w.hpp"
#include "labelkit/annotation/label_studio_ranker.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/quality/preferences.hpp"

namespace la = labelkit::annotation;
using labelkit::Comparison;
using labelkit::IdNames;
using labelkit::Winner;

namespace {

// ProofWiki's Kendall's W example as a Label Studio Ranker export: competitors X, Y, Z ranked by
// four judges (A: X Z Y, B: X Y Z, C: Z X Y, D: Y Z X, best first); W = 1/16.
const char* const lsr_export = R"([
  {"id": 3, "data": {"items": [{"id": "X", "title": "Xavier"}, {"id": "Y", "title": "Yuri"},
                               {"id": "Z", "title": "Zal"}]},
   "annotations": [
     {"id": 1, "completed_by": 0, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"rank": ["X", "Z", "Y"]}}}]},
     {"id": 2, "completed_by": {"id": 1}, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"rank": ["X", "Y", "Z"]}}}]},
     {"id": 3, "completed_by": 2, "was_cancelled": true, "result": []},
     {"id": 4, "completed_by": 2, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"rank": ["Z", "X", "Y"]}}},
       {"from_name": "note", "type": "textarea", "value": {"text": ["close call"]}}]},
     {"id": 5, "completed_by": 3, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"rank": ["Y", "Z", "X"]}}}]}]}
])";

std::vector<la::RankingTask> lsr_read(const std::string& text, IdNames& names) {
  std::istringstream in(text);
  return la::read_label_studio_ranker(in, names);
}

}  // namespace

TEST_CASE("Label Studio Ranker export: rankings, Kendall's W and the round trip") {
  IdNames names;
  const auto tasks = lsr_read(lsr_export, names);
  REQUIRE(tasks.size() == 1);
  CHECK(names.names() == std::vector<std::string>{"X", "Y", "Z"});
  CHECK(tasks[0].items == std::vector<Eigen::Index>{0, 1, 2});
  REQUIRE(tasks[0].answers.size() == 4);
  CHECK(tasks[0].answers[1] == la::RankingAnswer{1, {0, 1, 2}});
  const Eigen::MatrixXd positions = la::ranking_positions(tasks[0]);
  Eigen::MatrixXd expected(3, 4);
  expected << 1, 1, 2, 3,  //
      3, 2, 3, 1,          //
      2, 3, 1, 2;
  CHECK(positions == expected);
  CHECK(labelkit::agreement::kendall_w(positions).w == doctest::Approx(1.0 / 16).epsilon(1e-15));
  // 4 rankings of 3 items: 12 comparisons, the better item on the left.
  const auto comparisons = la::ranking_comparisons(tasks);
  REQUIRE(comparisons.size() == 12);
  CHECK(comparisons[0] == Comparison{0, 0, 2, Winner::left});
  CHECK(comparisons[2] == Comparison{0, 2, 1, Winner::left});
  CHECK(labelkit::quality::bradley_terry(comparisons).items.size() == 3);
  std::ostringstream first;
  la::write_label_studio_ranker(first, tasks, names);
  IdNames again;
  const auto back = lsr_read(first.str(), again);
  CHECK(again == names);
  CHECK(back[0].answers == tasks[0].answers);
  std::ostringstream second;
  la::write_label_studio_ranker(second, back, again);
  CHECK(second.str() == first.str());
}

TEST_CASE("read_label_studio_ranker refuses hostile documents, naming the JSON path") {
  IdNames names;
  const auto task = [](const std::string& list, const std::string& rank) {
    return R"([{"id": 1, "data": {"items": )" + list +
           R"(}, "annotations": [{"completed_by": 1, "result": [{"from_name": "rank",
           "type": "ranker", "value": {"ranker": {"rank": )" +
           rank + "}}}]}]}]";
  };
  CHECK(lsr_read(task(R"([{"id": "a"}, {"id": "b"}])", R"(["b", "a"])"), names).size() == 1);
  CHECK_THROWS_WITH_AS(
      lsr_read(task(R"([{"id": "a"}, {"id": "b"}])", R"(["b", "c"])"), names),
      "labelkit: read_label_studio_ranker(): at /0/annotations/0/result/0/value/ranker/rank/1: "
      "item 'c' is not in the task's list",
      labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": "a"}, {"id": "b"}])", R"(["a", "a"])"), names),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": "a"}, {"id": "a"}])", R"(["a"])"), names),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": 5}])", R"([])"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": ""}])", R"([])"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": "\u00ff"}])", R"([7])"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"({"id": "a"})", R"([])"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": "a"}])", R"({"a": 1})"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(R"([{"id": 1, "data": {}}])", names), labelkit::parse_error);
  CHECK_THROWS_AS(lsr_read(R"({"id": 1})", names), labelkit::parse_error);
  const std::string bomb = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_AS(lsr_read(bomb, names), labelkit::parse_error);
  // A failed read leaves the table as it was.
  IdNames fresh;
  CHECK_THROWS_AS(lsr_read(task(R"([{"id": "q"}, {"id": "r"}])", R"(["q", "s"])"), fresh),
                  labelkit::parse_error);
  CHECK(fresh.empty());
}

TEST_CASE("ranking_positions and write_label_studio_ranker refuse incomplete or unnamed data") {
  la::RankingTask task;
  task.id = 1;
  task.items = {0, 1, 2};
  task.data = {{"items", nlohmann::json::array()}};
  task.answers = {{0, {2, 1}}};
  CHECK_THROWS_AS((void)la::ranking_positions(task), labelkit::invalid_argument);
  task.answers = {{0, {2, 1, 1}}};
  CHECK_THROWS_AS((void)la::ranking_positions(task), labelkit::invalid_argument);
  IdNames names;
  names.intern("a");
  std::ostringstream out;
  std::vector<la::RankingTask> tasks = {task};
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names), labelkit::invalid_argument);
  tasks[0].answers = {{-1, {0}}};
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names), labelkit::invalid_argument);
  tasks[0].answers.clear();
  tasks[0].data = "text";
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names), labelkit::invalid_argument);
}

namespace {

// Bucket mode, "pick" layout: <Ranker name="rank" toName="list"><Bucket name="relevant"/>
// <Bucket name="irrelevant"/></Ranker> without a default bucket, so the items left in the list
// are exported under "_" (labelstud.io/tags/ranker: "When Buckets used without default param,
// the original list will also be stored as "_" named column in results").
const char* const lsrb_pick_export = R"([
  {"id": 7, "data": {"items": [{"id": "p"}, {"id": "q"}, {"id": "r"}, {"id": "s"}]},
   "annotations": [
     {"id": 1, "completed_by": 4, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"relevant": ["r", "p"], "irrelevant": ["s"],
                                              "_": ["q"]}}}]},
     {"id": 2, "completed_by": 5, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"irrelevant": ["q"]}}}]}]}
])";

// Bucket mode, "group" layout: the same config with <Bucket name="irrelevant" default="true"/>,
// so every item is in a bucket and there is no "_".
const char* const lsrb_group_export = R"([
  {"id": 8, "data": {"items": [{"id": "p"}, {"id": "q"}, {"id": "r"}]},
   "annotations": [
     {"id": 1, "completed_by": 0, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"relevant": ["p"], "irrelevant": ["q", "r"]}}}]},
     {"id": 2, "completed_by": 1, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"relevant": ["p", "q"], "irrelevant": ["r"]}}}]},
     {"id": 3, "completed_by": 2, "result": [{"from_name": "rank", "to_name": "list",
       "type": "ranker", "value": {"ranker": {"relevant": ["q"], "irrelevant": ["p", "r"]}}}]}]}
])";

const la::RankerFormat lsrb_format{.buckets = {"relevant", "irrelevant"}};

std::vector<la::RankingTask> lsrb_read(const std::string& text, IdNames& names,
                                       const la::RankerFormat& format = lsrb_format) {
  std::istringstream in(text);
  return la::read_label_studio_ranker(in, names, format);
}

void lsrb_round_trip(const std::vector<la::RankingTask>& tasks, const IdNames& names) {
  std::ostringstream first;
  la::write_label_studio_ranker(first, tasks, names, lsrb_format);
  IdNames again;
  const auto back = lsrb_read(first.str(), again);
  CHECK(again == names);
  CHECK(back == tasks);
  std::ostringstream second;
  la::write_label_studio_ranker(second, back, again, lsrb_format);
  CHECK(second.str() == first.str());
}

}  // namespace

TEST_CASE("Label Studio Ranker, bucket mode with unplaced items (pick)") {
  IdNames names;
  const auto tasks = lsrb_read(lsrb_pick_export, names);
  REQUIRE(tasks.size() == 1);
  CHECK(names.names() == std::vector<std::string>{"p", "q", "r", "s"});
  REQUIRE(tasks[0].answers.size() == 2);
  const la::RankingAnswer first{4, {2, 0, 3}, {{2, 0}, {3}}, {1}};
  CHECK(tasks[0].answers[0] == first);
  const la::RankingAnswer second{5, {1}, {{}, {1}}, {}};
  CHECK(tasks[0].answers[1] == second);
  // Across buckets only: r > s and p > s; nothing within "relevant" and nothing about q.
  const auto comparisons = la::ranking_comparisons(tasks);
  CHECK(comparisons == std::vector<Comparison>{{4, 2, 3, Winner::left}, {4, 0, 3, Winner::left}});
  // Unplaced items are not ranked.
  CHECK_THROWS_AS((void)la::ranking_positions(tasks[0]), labelkit::invalid_argument);
  lsrb_round_trip(tasks, names);
  // Read in rank mode, the same export has no "rank" array.
  IdNames other;
  CHECK_THROWS_AS(lsrb_read(lsrb_pick_export, other, la::RankerFormat{}), labelkit::parse_error);
}

TEST_CASE("Label Studio Ranker, bucket mode with a default bucket (group)") {
  IdNames names;
  const auto tasks = lsrb_read(lsrb_group_export, names);
  REQUIRE(tasks.size() == 1);
  REQUIRE(tasks[0].answers.size() == 3);
  CHECK(tasks[0].answers[1] == la::RankingAnswer{1, {0, 1, 2}, {{0, 1}, {2}}, {}});
  CHECK(tasks[0].answers[2].unplaced.empty());
  // Positions are bucket numbers: ties within a bucket.
  const Eigen::MatrixXd positions = la::ranking_positions(tasks[0]);
  Eigen::MatrixXd expected(3, 3);
  expected << 1, 1, 2,  //
      2, 1, 1,          //
      2, 2, 2;
  CHECK(positions == expected);
  // 2 + 2 + 2 comparisons across buckets.
  const auto comparisons = la::ranking_comparisons(tasks);
  REQUIRE(comparisons.size() == 6);
  CHECK(comparisons[0] == Comparison{0, 0, 1, Winner::left});
  CHECK(comparisons[5] == Comparison{2, 1, 2, Winner::left});
  lsrb_round_trip(tasks, names);
}

TEST_CASE("Label Studio Ranker bucket mode refuses hostile documents and formats") {
  const auto task = [](const std::string& ranker) {
    return R"([{"id": 1, "data": {"items": [{"id": "a"}, {"id": "b"}]},
               "annotations": [{"completed_by": 1, "result": [{"from_name": "rank",
               "type": "ranker", "value": {"ranker": )" +
           ranker + "}}]}]}]";
  };
  IdNames names;
  CHECK(lsrb_read(task(R"({"relevant": ["a"], "_": ["b"]})"), names).size() == 1);
  CHECK_THROWS_WITH_AS(lsrb_read(task(R"({"relevant": ["a"], "maybe": ["b"]})"), names),
                       "labelkit: read_label_studio_ranker(): at "
                       "/0/annotations/0/result/0/value/ranker/maybe: bucket 'maybe' is not in "
                       "'format.buckets'",
                       labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": ["a"], "irrelevant": ["a"]})"), names),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": ["a"], "_": ["a"]})"), names),
                  labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": "a"})"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": [1]})"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": ["z"]})"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"({"_": {"a": 1}})"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"(["a", "b"])"), names), labelkit::parse_error);
  CHECK_THROWS_AS(lsrb_read(task(R"(null)"), names), labelkit::parse_error);
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  CHECK_THROWS_AS(lsrb_read(task(R"({"relevant": )" + deep + "}"), names), labelkit::parse_error);
  // Bad formats are refused before anything is read.
  for (const auto& buckets : std::vector<std::vector<std::string>>{{""}, {"_"}, {"x", "x"}}) {
    la::RankerFormat bad{.buckets = buckets};
    CHECK_THROWS_AS(lsrb_read(task("{}"), names, bad), labelkit::invalid_argument);
    std::ostringstream out;
    CHECK_THROWS_AS(la::write_label_studio_ranker(out, std::vector<la::RankingTask>{}, names, bad),
                    labelkit::invalid_argument);
  }
  // The writer refuses answers that do not match the format.
  la::RankingTask t;
  t.id = 1;
  t.items = {0, 1};
  t.data = {{"items", nlohmann::json::array()}};
  t.answers = {{1, {0}, {{0}}, {}}};  // one bucket, the format has two
  std::vector<la::RankingTask> tasks = {t};
  std::ostringstream out;
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names, lsrb_format),
                  labelkit::invalid_argument);
  tasks[0].answers = {{1, {1}, {{0}, {}}, {}}};  // order is not the buckets in turn
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names, lsrb_format),
                  labelkit::invalid_argument);
  tasks[0].answers = {{1, {0}, {{0}, {}}, {1}}};  // bucket answers in rank mode
  CHECK_THROWS_AS(la::write_label_studio_ranker(out, tasks, names), labelkit::invalid_argument);
}
