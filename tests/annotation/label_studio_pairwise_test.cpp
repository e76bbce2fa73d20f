#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/agreement/comparisons.hpp"
#include "labelkit/annotation/label_studio_pairwise.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/preferences.hpp"

namespace la = labelkit::annotation;
using labelkit::Comparison;
using labelkit::Winner;

namespace {

std::vector<la::PairwiseTask> lsp_tasks() {
  std::vector<la::PairwiseTask> tasks(2);
  tasks[0].id = 7;
  tasks[0].left = 31;
  tasks[0].right = 8;
  tasks[0].data = {{"text1", "Paris is the capital."}, {"text2", "Lyon is the capital."}};
  tasks[0].answers = {{2, Winner::left, 1'764'315'204'000}, {5, Winner::right, 1'764'315'210'123}};
  tasks[1].id = 9;
  tasks[1].left = 8;
  tasks[1].right = 4;
  tasks[1].data = "not an object";
  tasks[1].answers = {{2, Winner::left, 0}};
  return tasks;
}

std::string lsp_write(const std::vector<la::PairwiseTask>& tasks,
                      const la::PairwiseFormat& f = {}) {
  std::ostringstream out;
  la::write_label_studio_pairwise(out, tasks, f);
  return out.str();
}

}  // namespace

TEST_CASE("Label Studio pairwise export reads back, and export -> import -> export is identical") {
  const auto tasks = lsp_tasks();
  const std::string text = lsp_write(tasks);
  const auto doc = nlohmann::json::parse(text);
  CHECK(doc[0]["data"]["left_item"] == 31);
  CHECK(doc[0]["data"]["right_item"] == 8);
  CHECK(doc[1]["data"]["value"] == "not an object");
  const auto& result = doc[0]["annotations"][1]["result"][0];
  CHECK(result["type"] == "pairwise");
  CHECK(result["from_name"] == "pw");
  CHECK(result["to_name"] == "text1,text2");
  CHECK(result["value"]["selected"] == "right");
  CHECK(doc[0]["annotations"][1]["created_at"] == "2025-11-28T07:33:30.123Z");
  std::istringstream in(text);
  const auto back = la::read_label_studio_pairwise(in);
  REQUIRE(back.size() == 2);
  CHECK(back[0].id == 7);
  CHECK(back[0].left == 31);
  CHECK(back[0].right == 8);
  CHECK(back[0].answers == tasks[0].answers);
  CHECK(back[1].answers == tasks[1].answers);
  CHECK(lsp_write(back) == text);
  const auto comparisons = la::pairwise_comparisons(back);
  CHECK(comparisons == std::vector<Comparison>{{2, 31, 8, Winner::left},
                                               {5, 31, 8, Winner::right},
                                               {2, 8, 4, Winner::left}});
  // The comparisons feed the aggregators directly.
  const auto bt = labelkit::quality::bradley_terry(comparisons);
  CHECK(bt.items == std::vector<Eigen::Index>{4, 8, 31});
}

TEST_CASE("Label Studio pairwise import: a real export's shape, skipping what is not ours") {
  // As Label Studio exports it: user objects, cancelled annotations, other controls' results,
  // tasks without answers and extra members.
  const std::string text = R"([
    {"id": 5, "data": {"a": "x", "b": "y", "left_item": 10, "right_item": 11},
     "annotations": [
       {"id": 1, "completed_by": {"id": 3, "email": "ana@example.com"}, "was_cancelled": false,
        "result": [{"from_name": "note", "type": "textarea", "value": {"text": ["ok"]}},
                   {"from_name": "cmp", "to_name": "a,b", "type": "pairwise",
                    "value": {"selected": "right"}}],
        "lead_time": 3.5, "updated_at": "2025-01-01T00:00:00Z"},
       {"id": 2, "completed_by": 4, "was_cancelled": true, "result": []},
       {"id": 3, "completed_by": 5, "result": [{"from_name": "other", "type": "pairwise",
                                                  "value": {"selected": "left"}}]}],
     "predictions": [], "project": 12},
    {"data": {"left_item": 11, "right_item": 12}}
  ])";
  la::PairwiseFormat f;
  f.from_name = "cmp";
  std::istringstream in(text);
  const auto tasks = la::read_label_studio_pairwise(in, f);
  REQUIRE(tasks.size() == 2);
  REQUIRE(tasks[0].answers.size() == 1);
  CHECK(tasks[0].answers[0] == la::PairwiseAnswer{3, Winner::right, 0});
  CHECK(tasks[1].id == 1);  // no id: its position
  CHECK(tasks[1].answers.empty());
}

TEST_CASE("Label Studio pairwise: crowd answers give Bradley-Terry scores and comparison alpha") {
  // Three annotators compare items 0, 1, 2 pairwise, all agreeing that 0 > 1 > 2 except one.
  std::vector<la::PairwiseTask> tasks(3);
  const Eigen::Index pairs[3][2] = {{0, 1}, {1, 2}, {2, 0}};
  for (std::size_t t = 0; t < 3; ++t) {
    tasks[t].id = static_cast<Eigen::Index>(t);
    tasks[t].left = pairs[t][0];
    tasks[t].right = pairs[t][1];
    tasks[t].data = nlohmann::json::object();
    const Winner w = t == 2 ? Winner::right : Winner::left;
    for (Eigen::Index a = 0; a < 3; ++a) tasks[t].answers.push_back({a, w, 0});
  }
  tasks[1].answers[2].winner = Winner::right;
  std::istringstream in(lsp_write(tasks));
  const auto comparisons = la::pairwise_comparisons(la::read_label_studio_pairwise(in));
  REQUIRE(comparisons.size() == 9);
  const auto bt = labelkit::quality::bradley_terry(comparisons);
  CHECK(bt.ranking == std::vector<Eigen::Index>{0, 1, 2});
  const auto a = labelkit::agreement::comparison_agreement(comparisons);
  // Outcomes per pair (0 = smaller id preferred): {0,1}: 0,0,0; {1,2}: 0,0,1; {0,2}: 0,0,0.
  // D_o = 2 * 2 * 1 / 2 / 9 = 2/9; n_c = [8, 1]; D_e = 2 * 8 / 72 = 2/9; alpha = 0.
  CHECK(a.alpha == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(a.observed_agreement == doctest::Approx(7.0 / 9).epsilon(1e-12));
}
