#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/label_studio_pairwise.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/json.hpp"

namespace la = labelkit::annotation;
using labelkit::Winner;

namespace {

std::vector<la::PairwiseTask> hlsp_read(const std::string& text, labelkit::JsonLimits limits = {}) {
  std::istringstream in(text);
  return la::read_label_studio_pairwise(in, {}, limits);
}

std::string hlsp_task(const std::string& annotation) {
  return R"([{"id": 1, "data": {"left_item": 1, "right_item": 2}, "annotations": [)" + annotation +
         "]}]";
}

}  // namespace

TEST_CASE("read_label_studio_pairwise refuses hostile documents, naming the JSON path") {
  CHECK_THROWS_WITH_AS(hlsp_read("{}"),
                       "labelkit: read_label_studio_pairwise(): at /: expected an array (got "
                       "object)",
                       labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read("[{\"id\": 1, \"data\": "), labelkit::parse_error);
  CHECK_THROWS_WITH_AS(hlsp_read(R"([{"id": 1, "data": {"left_item": 4, "right_item": 4}}])"),
                       "labelkit: read_label_studio_pairwise(): at /0/data: the task compares "
                       "item 4 with itself",
                       labelkit::parse_error);
  CHECK_THROWS_WITH_AS(hlsp_read(R"([{"id": 1, "data": {"left_item": -4, "right_item": 4}}])"),
                       "labelkit: read_label_studio_pairwise(): at /0/data/left_item: expected an "
                       "integer >= 0 (got -4)",
                       labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read(R"([{"id": 1, "data": {"left_item": "4", "right_item": 5}}])"),
                  labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(R"([{"id": 1, "data": {"left_item": 18446744073709551615, "right_item": 5}}])"),
      labelkit::parse_error);
  CHECK_THROWS_WITH_AS(hlsp_read(R"([{"id": 1, "data": {"right_item": 5}}])"),
                       "labelkit: read_label_studio_pairwise(): at /0/data: missing member "
                       "'left_item'",
                       labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read(R"([{"id": 1, "data": [1, 2]}])"), labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read(R"([{"id": 1, "data": {"left_item": 1, "right_item": 2}},
                                {"id": 1, "data": {"left_item": 1, "right_item": 2}}])"),
                  labelkit::parse_error);
  CHECK_THROWS_WITH_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": 1, "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "none"}}]})")),
      "labelkit: read_label_studio_pairwise(): at /0/annotations/0/result/0/value/selected: "
      "expected \"left\" or \"right\" (got 'none')",
      labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": 1, "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": 1}}]})")),
      labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(hlsp_task(
          R"({"result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "left"}}]})")),
      labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": -3, "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "left"}}]})")),
      labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": {"email": "x"}, "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "left"}}]})")),
      labelkit::parse_error);
  CHECK_THROWS_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": 1, "created_at": "2026-02-31T00:00:00Z", "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "left"}}]})")),
      labelkit::parse_error);
  CHECK_THROWS_WITH_AS(
      hlsp_read(hlsp_task(
          R"({"completed_by": 1, "result": [{"from_name": "pw", "type": "pairwise", "value": {"selected": "left"}}, {"from_name": "pw", "type": "pairwise", "value": {"selected": "right"}}]})")),
      "labelkit: read_label_studio_pairwise(): at /0/annotations/0/result/1: a second pairwise "
      "result of control 'pw' in one annotation",
      labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read(hlsp_task(R"({"completed_by": 1, "result": {}})")),
                  labelkit::parse_error);
  CHECK_THROWS_AS(hlsp_read(hlsp_task(R"({"completed_by": 1, "result": [7]})")),
                  labelkit::parse_error);
}

TEST_CASE("read_label_studio_pairwise enforces the depth and size limits before parsing") {
  // A payload nested 200 deep, and a document nested 100,000 deep (no stack overflow).
  std::string deep = R"([{"id": 1, "data": {"left_item": 1, "right_item": 2, "x": )";
  for (int k = 0; k < 200; ++k) deep += "[";
  for (int k = 0; k < 200; ++k) deep += "]";
  deep += "}}]";
  CHECK_THROWS_AS(hlsp_read(deep), labelkit::parse_error);
  const std::string bomb = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_AS(hlsp_read(bomb), labelkit::parse_error);
  labelkit::JsonLimits small;
  small.max_bytes = 16;
  CHECK_THROWS_AS(hlsp_read(R"([{"id": 1, "data": {"left_item": 1, "right_item": 2}}])", small),
                  labelkit::parse_error);
  // A payload at the depth limit is accepted.
  std::string ok = R"([{"id": 1, "data": {"left_item": 1, "right_item": 2, "x": )";
  for (int k = 0; k < 62; ++k) ok += "[";
  for (int k = 0; k < 62; ++k) ok += "]";
  ok += "}}]";
  CHECK(hlsp_read(ok).size() == 1);
}

TEST_CASE("write_label_studio_pairwise refuses what Label Studio cannot hold") {
  std::vector<la::PairwiseTask> tasks(1);
  tasks[0].id = 1;
  tasks[0].left = 1;
  tasks[0].right = 2;
  tasks[0].data = nlohmann::json::object();
  tasks[0].answers = {{0, Winner::tie, 0}};
  std::ostringstream out;
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].answers = {{0, static_cast<Winner>(9), 0}};
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].answers = {{-1, Winner::left, 0}};
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].answers = {{0, Winner::left, la::max_time + 1}};
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].answers.clear();
  tasks[0].right = 1;
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].right = 2;
  tasks[0].data = {{"left_item", 99}};
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].data = {{"text", "\xff\xfe"}};
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
  tasks[0].data = nlohmann::json::object();
  tasks.push_back(tasks[0]);
  CHECK_THROWS_AS(la::write_label_studio_pairwise(out, tasks), labelkit::invalid_argument);
}
