// Multi-label fields in labelkit-report: answers with several choices are sets. Agreement is
// Krippendorff's alpha with the MASI distance plus per-label yes/no alpha, never nominal alpha on
// combinations such as "politics|sports".
//
// Expected values from this script (Python 3), which computes alpha as
// nltk.metrics.agreement.AnnotationTask.alpha does for complete data, with MASI written out per
// Passonneau (2006) (M = 1, 2/3, 1/3, 0; NLTK's masi_distance rounds them to 0.67 and 0.33):
//
//   from collections import Counter
//   def masi(a, b, m23=2/3, m13=1/3):
//       a, b = frozenset(a), frozenset(b); inter, union = len(a & b), len(a | b)
//       if union == 0: return 0.0
//       if len(a) == len(b) == inter: m = 1.0
//       elif inter == min(len(a), len(b)): m = m23
//       elif inter > 0: m = m13
//       else: m = 0.0
//       return 1 - inter / union * m
//   def alpha(data, dist):  # data: (coder, item, value), every coder codes every item
//       coders = {c for c, _, _ in data}; items = sorted({i for _, i, _ in data})
//       freqs = Counter(l for _, _, l in data); n = len(data)
//       De = sum(freqs[j] * freqs[l] * dist(j, l) for j in freqs for l in freqs) / (n * (n - 1))
//       total = 0.0
//       for i in items:
//           f = Counter(l for _, it, l in data if it == i)
//           total += sum(f[j] * f[l] * dist(l, j) for j in f for l in f)
//       return 1.0 - total / (len(items) * len(coders) * (len(coders) - 1)) / De
//   F = frozenset
//   data = [("a",0,F({"politics"})), ("b",0,F({"politics"})), ("c",0,F({"politics","sports"})),
//           ("a",1,F({"sports"})), ("b",1,F({"sports"})), ("c",1,F({"sports"})),
//           ("a",2,F({"politics","sports"})), ("b",2,F({"politics","sports"})),
//           ("c",2,F({"tech"})),
//           ("a",3,F({"tech"})), ("b",3,F({"tech","sports"})), ("c",3,F({"tech"})),
//           ("a",4,F({"politics","tech"})), ("b",4,F({"politics"})), ("c",4,F({"tech","sports"}))]
//   print(masi({1,2},{1,2,3,4}), masi({1,2},{1,2,3,4},0.67,0.33))  # 0.6666666666666667 0.665
//   print(alpha(data, masi))                                       # 0.35825105782792654
//   for label in ["politics", "sports", "tech"]:                   # 0.5, 0.0, 0.4814814814814814
//       print(alpha([(c, i, label in s) for c, i, s in data], lambda a, b: float(a != b)))
//   print(alpha(data, lambda a, b: float(a != b)))  # combinations as classes: 0.31521739130434789
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/annotation/json_format.hpp"
#include "report/analysis.hpp"
#include "report/input.hpp"
#include "report/multi_label.hpp"

namespace rep = labelkit_tools::report;

namespace {

// The script's data as a Label Studio export: coders a, b, c; items 0-4; field "topic".
std::string topic_export() {
  const std::vector<std::vector<std::vector<std::string>>> answers = {
      {{"politics"}, {"politics"}, {"politics", "sports"}},
      {{"sports"}, {"sports"}, {"sports"}},
      {{"politics", "sports"}, {"sports", "politics"}, {"tech"}},
      {{"tech"}, {"tech", "sports"}, {"tech"}},
      {{"politics", "tech"}, {"politics"}, {"tech", "sports"}},
  };
  nlohmann::json tasks = nlohmann::json::array();
  for (std::size_t item = 0; item < answers.size(); ++item) {
    nlohmann::json annotations = nlohmann::json::array();
    for (std::size_t coder = 0; coder < 3; ++coder) {
      annotations.push_back({{"completed_by", std::string(1, static_cast<char>('a' + coder))},
                             {"result",
                              {{{"from_name", "topic"},
                                {"to_name", "text"},
                                {"type", "choices"},
                                {"value", {{"choices", answers[item][coder]}}}}}}});
    }
    tasks.push_back({{"id", item}, {"data", {{"text", "t"}}}, {"annotations", annotations}});
  }
  return tasks.dump();
}

}  // namespace

TEST_CASE("MASI distance follows Passonneau (2006)") {
  CHECK(rep::masi_distance({1, 2}, {1, 2}) == 0.0);
  CHECK(rep::masi_distance({1, 2}, {1, 2, 3, 4}) == doctest::Approx(2.0 / 3.0));  // J 1/2, M 2/3
  CHECK(rep::masi_distance({1, 2}, {2, 3}) == doctest::Approx(1.0 - 1.0 / 3.0 / 3.0));  // 1/3, 1/3
  CHECK(rep::masi_distance({1}, {2}) == 1.0);
  CHECK(rep::masi_distance({}, {}) == 0.0);
  CHECK(rep::masi_distance({}, {1}) == 1.0);
  CHECK(rep::masi_distance({1, 3}, {1, 2}) == rep::masi_distance({1, 2}, {1, 3}));
}

TEST_CASE("a multi-label field is analysed as sets: MASI alpha and per-label alpha") {
  const auto data = rep::parse(topic_export(), "topics.json");
  REQUIRE(data.fields.size() == 1);
  const auto& f = data.fields[0];
  CHECK(f.multi_label);
  CHECK(f.choice_labels == std::vector<std::string>{"politics", "sports", "tech"});
  REQUIRE(f.sets.size() == 15);
  const auto r = rep::analyse(f);
  REQUIRE(r.sets.has_value());
  CHECK(r.sets->masi_alpha == doctest::Approx(0.35825105782792654).epsilon(1e-12));
  REQUIRE(r.sets->labels.size() == 3);
  CHECK(r.sets->labels[0].alpha == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(r.sets->labels[1].alpha == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(r.sets->labels[2].alpha == doctest::Approx(0.4814814814814814).epsilon(1e-12));
  CHECK(r.sets->labels[0].answers == 7);  // politics
  CHECK(r.sets->labels[1].answers == 8);  // sports
  CHECK(r.sets->labels[2].answers == 6);  // tech
  // The only agreement coefficient is the set one: "politics|sports" is no class of its own
  // (nominal alpha on the combinations would be 0.3152).
  REQUIRE(r.coefficients.size() == 1);
  CHECK(r.coefficients[0].key == "krippendorff_alpha_masi");
  CHECK(r.coefficients[0].value == r.sets->masi_alpha);

  const auto j = rep::to_json(r);
  CHECK(j["multi_label"]["choice_labels"] == nlohmann::json::array({"politics", "sports", "tech"}));
  CHECK(j["multi_label"]["masi_alpha"].get<double>() == r.sets->masi_alpha);
  CHECK(j["multi_label"]["per_label"][1]["label"] == "sports");
  CHECK(j["agreement"].contains("krippendorff_alpha_masi"));
  CHECK_FALSE(j["agreement"].contains("fleiss_kappa"));
  std::ostringstream text;
  rep::print_text(text, r);
  CHECK(text.str().find("MASI") != std::string::npos);
  CHECK(text.str().find("per label") != std::string::npos);
}

TEST_CASE("set agreement from set answers with a missing answer") {
  // Two annotators, three items; annotator 1 did not answer item 2.
  const std::vector<rep::SetAnswer> answers = {
      {0, 0, {0}}, {0, 1, {0}}, {1, 0, {0, 1}}, {1, 1, {1}}, {2, 0, {1}}};
  const auto s = rep::set_agreement(answers, 3, 2, 2);
  // Pairable: items 0 and 1 (4 values). Do = (2 * MASI({0,1},{1})) / 4 = (2/3 * 2) / 4... as
  // alpha's coincidences: Do = 1/4 * 2 * d({0,1},{1}) = 0.5 * (1 - 1/2 * 2/3) = 1/3;
  // De = 2 * (2 * 1 * d({0},{0,1}) + 2 * 1 * d({0},{1}) + 1 * 1 * d({0,1},{1})) / (4 * 3)
  //    = 2 * (2 * 2/3 + 2 * 1 + 2/3) / 12 = 2/3; alpha = 1 - (1/3) / (2/3) = 0.5.
  CHECK(s.masi_alpha == doctest::Approx(0.5));
  REQUIRE(s.labels.size() == 2);
  CHECK(s.labels[0].answers == 3);
  CHECK(s.labels[1].answers == 3);
}

TEST_CASE("single-choice fields keep the nominal coefficients") {
  const auto data = rep::parse("item,annotator,label\n1,a,x\n1,b,x\n2,a,y\n2,b,x\n", "s.csv");
  REQUIRE(data.fields.size() == 1);
  CHECK_FALSE(data.fields[0].multi_label);
  const auto r = rep::analyse(data.fields[0]);
  CHECK_FALSE(r.sets.has_value());
  CHECK(r.coefficients.size() > 1);
}

TEST_CASE("the report reads labelkit's own task export, JSON and JSON Lines") {
  namespace la = labelkit::annotation;
  la::TaskSet set;
  set.label_sets.push_back(
      labelkit::LabelSet({"politics", "sports", "tech"},
                         {.type = labelkit::AnnotationType::multi_label, .from_name = "topic"}));
  // The MASI script's data: annotators 0, 1, 2 for coders a, b, c.
  const std::vector<std::vector<std::vector<int>>> answers = {{{0}, {0}, {0, 1}},
                                                              {{1}, {1}, {1}},
                                                              {{0, 1}, {0, 1}, {2}},
                                                              {{2}, {1, 2}, {2}},
                                                              {{0, 2}, {0}, {1, 2}}};
  for (std::size_t item = 0; item < answers.size(); ++item) {
    la::TaskRecord task;
    task.item = static_cast<Eigen::Index>(item) + 100;
    task.data = {{"text", "t"}};
    for (std::size_t coder = 0; coder < 3; ++coder) {
      task.annotations.push_back({static_cast<Eigen::Index>(coder), answers[item][coder], 0, 0});
    }
    set.tasks.push_back(task);
  }
  set.tasks[0].gold = std::vector<int>{0};
  for (const bool lines : {false, true}) {
    std::ostringstream out;
    if (lines) {
      la::write_jsonl(out, set);
    } else {
      la::write_json(out, set);
    }
    const auto data = rep::parse(out.str(), "tasks");
    CHECK(data.format == (lines ? "labelkit_jsonl" : "labelkit_json"));
    REQUIRE(data.fields.size() == 1);
    const auto& f = data.fields[0];
    CHECK(f.name == "topic");
    CHECK(f.items == std::vector<std::string>{"100", "101", "102", "103", "104"});
    CHECK(f.annotators == std::vector<std::string>{"0", "1", "2"});
    CHECK(f.multi_label);
    CHECK(f.gold.size() == 1);
    const auto r = rep::analyse(f);
    REQUIRE(r.sets.has_value());
    CHECK(r.sets->masi_alpha == doctest::Approx(0.35825105782792654).epsilon(1e-12));
  }
  // A malformed export is an input error naming the file.
  CHECK_THROWS_WITH_AS((void)rep::parse("{\"format\": \"labelkit.annotation.tasks\"}", "bad.json"),
                       doctest::Contains("bad.json"), rep::InputError);
}
