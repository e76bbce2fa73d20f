// Tests of labelkit-report (tools/labelkit_report.cpp and tools/report/):
// parsing (CSV, Label Studio), the report against the library's own functions, the bluebirds
// crowd's known figures, and the messages for bad files.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "datasets.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/quality/gold_standard.hpp"
#include "report/analysis.hpp"
#include "report/cli.hpp"
#include "report/input.hpp"

namespace rep = labelkit_tools::report;
namespace ag = labelkit::agreement;

namespace {

const std::string data_dir = LABELKIT_EXAMPLES_DATA_DIR;

// Message of the InputError thrown by parse(text), or "" if none is thrown.
std::string parse_error(const std::string& text, const std::string* gold = nullptr) {
  try {
    (void)rep::parse(text, "in.json", gold, "gold.csv");
  } catch (const rep::InputError& e) {
    return e.what();
  }
  return "";
}

const rep::Coefficient& find(const std::vector<rep::Coefficient>& cs, const std::string& key) {
  for (const auto& c : cs) {
    if (c.key == key) return c;
  }
  FAIL("no coefficient " << key);
  return cs.front();
}

// The report's coefficients equal the library's functions called on the same records.
void check_coefficients_match_library(const std::vector<labelkit::Annotation>& records,
                                      const std::vector<rep::Coefficient>& cs) {
  const auto wide = ag::wide_ratings(records);
  const auto table = ag::count_table(wide);
  const auto boot = ag::krippendorff_alpha_bootstrap(wide, ag::Level::nominal, {});
  CHECK(find(cs, "krippendorff_alpha").value ==
        doctest::Approx(ag::krippendorff_alpha(wide, ag::Level::nominal)).epsilon(1e-12));
  CHECK(find(cs, "krippendorff_alpha").ci_lower == boot.ci_lower);
  CHECK(find(cs, "krippendorff_alpha").ci_upper == boot.ci_upper);
  const auto fleiss = ag::fleiss_kappa_generalized(table);
  CHECK(find(cs, "fleiss_kappa").value == fleiss.value);
  CHECK(find(cs, "fleiss_kappa").ci_lower == fleiss.ci_lower);
  CHECK(find(cs, "fleiss_kappa").ci_upper == fleiss.ci_upper);
  const auto conger = ag::conger_kappa(wide);
  CHECK(find(cs, "conger_kappa").value == conger.value);
  CHECK(find(cs, "conger_kappa").ci_upper == conger.ci_upper);
  CHECK(find(cs, "light_kappa").value == ag::light_kappa(wide));
  const auto ac1 = ag::gwet_ac2(table);
  CHECK(find(cs, "gwet_ac1").value == ac1.value);
  CHECK(find(cs, "gwet_ac1").ci_lower == ac1.ci_lower);
  CHECK(find(cs, "brennan_prediger").value == ag::brennan_prediger(table).value);
  CHECK(find(cs, "randolph_kappa").value == ag::randolph_kappa(table.counts));
  CHECK(find(cs, "percent_agreement").value == ag::percent_agreement(table).value);
  for (const auto& c : cs) CHECK_MESSAGE(c.error.empty(), c.key << ": " << c.error);
}

int wrong(const rep::Field& f, const std::vector<int>& labels,
          const std::vector<std::pair<Eigen::Index, int>>& truth) {
  int n = 0;
  for (const auto& [item, label] : truth) {
    const auto it = std::find(f.items.begin(), f.items.end(), std::to_string(item));
    REQUIRE(it != f.items.end());
    const auto dense = static_cast<std::size_t>(it - f.items.begin());
    n += f.labels[static_cast<std::size_t>(labels[dense])] != std::to_string(label) ? 1 : 0;
  }
  return n;
}

struct TempDir {
  std::filesystem::path path;
  TempDir()
      : path(std::filesystem::temp_directory_path() /
             ("labelkit_report_test_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

}  // namespace

TEST_CASE("annotation report on bluebirds: majority vote 26 wrong, Dawid-Skene fewer") {
  const auto data = rep::load(data_dir + "/bluebirds.csv");
  CHECK(data.format == "csv");
  REQUIRE(data.fields.size() == 1);
  const auto& f = data.fields[0];
  CHECK(f.items.size() == 108);
  CHECK(f.annotators.size() == 39);
  CHECK(f.records.size() == 4212);
  CHECK(f.labels == std::vector<std::string>{"0", "1"});
  CHECK(f.gold.empty());
  const auto r = rep::analyse(f);
  const auto crowd = examples::load_bluebirds();
  CHECK(wrong(f, r.majority.labels, crowd.truth) == 26);
  const int ds_wrong = wrong(f, r.dawid_skene.labels, crowd.truth);
  CHECK(ds_wrong < 26);
  CHECK(ds_wrong == 11);  // as examples/crowd_quality_bluebirds prints
  // The 15 differences reported are exactly the items where the two aggregates differ.
  CHECK(r.differences.size() == 15);
  for (const auto& d : r.differences) CHECK(d.majority_vote != d.dawid_skene);
  // Dense ids follow ascending numeric ids, so the original records give the same coefficients.
  check_coefficients_match_library(crowd.annotations, r.coefficients);
  check_coefficients_match_library(f.records, r.coefficients);
  CHECK(find(r.coefficients, "krippendorff_alpha").interpretation == "unacceptable");
  CHECK(find(r.coefficients, "fleiss_kappa").interpretation == "slight");
  CHECK(r.annotators.annotators.size() == 39);
  CHECK(r.pairwise_kappa.rows() == 39);
  // Every adjudication item meets the threshold; highest entropy first.
  REQUIRE(!r.adjudication.empty());
  for (std::size_t i = 0; i < r.adjudication.size(); ++i) {
    CHECK(r.adjudication[i].entropy >= 0.5);
    if (i > 0) CHECK(r.adjudication[i - 1].entropy >= r.adjudication[i].entropy);
  }
  // Confusion matrices count every answer once.
  double total = 0;
  for (const auto& m : r.confusion) total += m.sum();
  CHECK(total == 4212);
}

TEST_CASE("annotation report with a gold file: gold accuracy equals gold_standard()") {
  const auto data = rep::load(data_dir + "/bluebirds.csv", data_dir + "/bluebirds_truth.csv");
  const auto& f = data.fields[0];
  CHECK(f.gold.size() == 108);
  const auto r = rep::analyse(f);
  const auto scores = labelkit::quality::gold_standard(f.records, f.gold, 2);
  REQUIRE(r.annotators.gold_accuracy.has_value());
  CHECK(*r.annotators.gold_accuracy == scores.accuracy);
  for (std::size_t j = 0; j < r.annotators.annotators.size(); ++j) {
    REQUIRE(r.annotators.annotators[j].gold_accuracy.has_value());
    CHECK(*r.annotators.annotators[j].gold_accuracy == scores.annotators[j].accuracy);
  }
  // Every item is gold, and Dawid-Skene clamps gold items: its labels are the truth.
  CHECK(wrong(f, r.dawid_skene.labels, examples::load_bluebirds().truth) == 0);
}

TEST_CASE("annotation report on the Label Studio fixture") {
  const auto data = rep::load(data_dir + "/label_studio_sentiment.json");
  CHECK(data.format == "label_studio");
  REQUIRE(data.fields.size() == 2);
  REQUIRE(data.notes.size() == 3);  // one textarea result, one cancelled annotation, one prediction
  CHECK(data.notes[0].find("'textarea'") != std::string::npos);
  CHECK(data.notes[1].find("cancelled") != std::string::npos);
  CHECK(data.notes[2].find("prediction") != std::string::npos);

  const auto& s = data.fields[0];
  CHECK(s.name == "sentiment");
  CHECK(s.items == std::vector<std::string>{"1", "2", "3", "4", "5", "6"});
  // completed_by as an object with an email is named by the email.
  CHECK(s.annotators == std::vector<std::string>{"11", "12", "annotator13@example.com"});
  CHECK(s.labels == std::vector<std::string>{"Negative", "Neutral", "Positive"});
  CHECK(s.records.size() == 16);
  // The ground_truth annotation of task 6 is gold (Positive), not an answer.
  REQUIRE(s.gold.size() == 1);
  CHECK(s.gold[0].item == 5);
  CHECK(s.gold[0].label == 2);

  // The same records written out by hand (item = task - 1; N = 0, U = 1, P = 2).
  const std::vector<labelkit::Annotation> records = {
      {0, 0, 2}, {0, 1, 2}, {0, 2, 2}, {1, 0, 0}, {1, 1, 0}, {1, 2, 1}, {2, 0, 1}, {2, 1, 1},
      {2, 2, 1}, {3, 0, 2}, {3, 1, 0}, {4, 0, 0}, {4, 1, 0}, {4, 2, 0}, {5, 0, 2}, {5, 2, 2}};
  auto sorted = s.records;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(a.item, a.annotator) < std::tie(b.item, b.annotator);
  });
  REQUIRE(sorted.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(sorted[i].item == records[i].item);
    CHECK(sorted[i].annotator == records[i].annotator);
    CHECK(sorted[i].label == records[i].label);
  }
  const auto r = rep::analyse(s);
  check_coefficients_match_library(records, r.coefficients);
  // Percent agreement by hand: agreeing pairs per item 3/3, 1/3, 3/3, 0/1, 3/3, 1/1 -> 13/18.
  CHECK(find(r.coefficients, "percent_agreement").value == doctest::Approx(13.0 / 18.0));
  // Majority vote: 4 is a 1-1 tie -> lowest label (Negative); Dawid-Skene picks Positive.
  CHECK(rep::label_counts(r.majority.labels, 3) == std::vector<Eigen::Index>{3, 1, 2});
  REQUIRE(r.differences.size() == 1);
  CHECK(s.items[static_cast<std::size_t>(r.differences[0].item)] == "4");
  CHECK(r.annotators.annotators.size() == 3);
  CHECK(r.annotators.n_gold == 2);  // annotators 11 and 13 answered gold task 6

  const auto& t = data.fields[1];
  CHECK(t.name == "topic");
  CHECK(t.items.size() == 4);
  CHECK(t.records.size() == 8);
  // Two choices in one answer make the field multi-label: agreement on sets of choices, and the
  // aggregation's classes are the combinations.
  CHECK(t.multi_label);
  CHECK(t.choice_labels == std::vector<std::string>{"politics", "sports"});
  CHECK(t.labels == std::vector<std::string>{"politics", "politics|sports", "sports"});
}

TEST_CASE("annotation report with string labels in CSV") {
  const std::string csv =
      "item,annotator,label\n"
      "img-a,ann,cat\nimg-a,bob,cat\nimg-a,cy,dog\n"
      "img-b,ann,dog\nimg-b,bob,\"dog\"\nimg-b,cy,dog\n"
      "img-c,ann,bird\r\nimg-c,bob,cat\nimg-c,cy,bird\n\n";
  const auto data = rep::parse(csv, "pets.csv");
  REQUIRE(data.fields.size() == 1);
  const auto& f = data.fields[0];
  CHECK(f.labels == std::vector<std::string>{"bird", "cat", "dog"});
  CHECK(f.items == std::vector<std::string>{"img-a", "img-b", "img-c"});
  CHECK(f.annotators == std::vector<std::string>{"ann", "bob", "cy"});
  const auto r = rep::analyse(f);
  CHECK(r.majority.labels == std::vector<int>{1, 2, 0});
  check_coefficients_match_library(f.records, r.coefficients);
  // Per-field JSON uses the label names.
  const auto j = rep::to_json(r);
  CHECK(j["aggregation"]["majority_vote"]["counts"]["cat"] == 1);
  CHECK(j["aggregation"]["items"][0]["majority_vote"] == "cat");
  CHECK(j["annotators"]["annotators"][0]["annotator"] == "ann");
  // A gold file with a label nobody used joins the label set.
  const std::string gold = "item,label\nimg-a,cat\nimg-c,fish\nimg-z,dog\n";
  const auto with_gold = rep::parse(csv, "pets.csv", &gold, "gold.csv");
  CHECK(with_gold.fields[0].labels == std::vector<std::string>{"bird", "cat", "dog", "fish"});
  CHECK(with_gold.fields[0].gold.size() == 2);  // img-z has no answers: dropped
}

TEST_CASE("annotation report: coefficients that are undefined say why; the rest still runs") {
  // Every item rated once: no coefficient is defined, aggregation and the annotator report are.
  const auto data = rep::parse("item,annotator,label\n1,a,x\n2,b,x\n3,a,y\n", "one.csv");
  const auto r = rep::analyse(data.fields[0]);
  for (const auto& c : r.coefficients) {
    CHECK(std::isnan(c.value));
    CHECK(c.error.find("labelkit: ") == 0);
  }
  CHECK(r.majority.labels == std::vector<int>{0, 0, 1});
  CHECK(r.adjudication.empty());
  CHECK(std::isnan(r.pairwise_kappa(0, 1)));  // a and b share no item
  const auto j = rep::to_json(r);
  CHECK(j["agreement"]["fleiss_kappa"]["value"].is_null());
  CHECK(j["agreement"]["fleiss_kappa"]["error"].get<std::string>().find("no item has two") !=
        std::string::npos);
  std::ostringstream text;
  rep::print_text(text, r);
  CHECK(text.str().find("Light's kappa                   not available: labelkit: light_kappa(): "
                        "no two annotators share an item") != std::string::npos);
}

TEST_CASE("annotation report: bad files name the line or the JSON path") {
  // Malformed JSON: nlohmann's line and column.
  const std::string malformed = parse_error("[{\"id\": 1,\n \"annotations\": [}]\n");
  CHECK(malformed.find("in.json: invalid JSON: parse error") != std::string::npos);
  CHECK(malformed.find("line 2") != std::string::npos);
  // Not an array of tasks.
  CHECK(parse_error("{\"id\": 1}").find("(root): expected an array of tasks") != std::string::npos);
  const std::string ok_result =
      R"({"from_name": "f", "to_name": "t", "type": "choices", "value": {"choices": ["a"]}})";
  // Missing result.
  const std::string missing_result =
      parse_error("[{\"id\": 1, \"annotations\": [{\"completed_by\": 1, \"result\": [" + ok_result +
                  "]}]}, {\"id\": 2, \"annotations\": [{\"completed_by\": 1}]}]");
  CHECK(missing_result == "in.json: [1].annotations[0].result: missing");
  // Empty choices, in the second result of the fourth task.
  std::string tasks = "[";
  for (int t = 0; t < 3; ++t) {
    tasks += "{\"id\": " + std::to_string(t) +
             ", \"annotations\": [{\"completed_by\": 1, \"result\": [" + ok_result + "]}]},";
  }
  tasks +=
      "{\"id\": 3, \"annotations\": [{\"completed_by\": 1, \"result\": [" + ok_result +
      R"(, {"from_name": "f", "to_name": "t", "type": "choices", "value": {"choices": []}}]}]}])";
  const std::string empty_choices = parse_error(tasks);
  CHECK(empty_choices.find(
            "in.json: [3].annotations[0].result[1].value.choices: expected a non-empty array") ==
        0);
  // A choice that is not a string.
  CHECK(
      parse_error(
          R"([{"id": 1, "annotations": [{"completed_by": 1, "result": [{"from_name": "f", "type": "choices", "value": {"choices": [7]}}]}]}])")
          .find("[0].annotations[0].result[0].value.choices[0]: expected a non-empty string, got "
                "number 7") != std::string::npos);
  // Missing completed_by (not a ground-truth annotation), missing task id.
  CHECK(parse_error(R"([{"id": 1, "annotations": [{"result": []}]}])")
            .find("[0].annotations[0].completed_by: missing") != std::string::npos);
  CHECK(parse_error(R"([{"data": {}}])").find("[0].id: missing") != std::string::npos);
  // Non-choices results are skipped and reported; only non-choices results -> nothing to analyse.
  const auto skipped = rep::parse(
      "[{\"id\": 1, \"annotations\": [{\"completed_by\": 1, \"result\": [" + ok_result +
          R"(, {"from_name": "box", "type": "rectanglelabels", "value": {"rectanglelabels": ["x"]}}]}]}])",
      "in.json");
  CHECK(skipped.fields.size() == 1);
  CHECK(skipped.notes ==
        std::vector<std::string>{
            "skipped 1 result(s) of type 'rectanglelabels' (only 'choices' is analysed)"});
  CHECK(
      parse_error(
          R"([{"id": 1, "annotations": [{"completed_by": 1, "result": [{"from_name": "c", "type": "textarea", "value": {"text": ["x"]}}]}]}])")
          .find("no 'choices' annotations found") != std::string::npos);
  // Bad CSV lines: wrong field count, empty field, unterminated quote.
  CHECK(parse_error("item,annotator,label\n1,2,3\n1,2\n") ==
        "in.json:3: expected 3 comma-separated fields (item,annotator,label), got 2");
  CHECK(parse_error("item,annotator,label\n\n1,,3\n").find("in.json:3: field 2 is empty") == 0);
  CHECK(parse_error("item,annotator,label\n1,2,\"3\n").find("in.json:2: unterminated quote") == 0);
  CHECK(parse_error("item,label\n1,2\n").find("in.json:1: the header has 2 columns") == 0);
  CHECK(parse_error("item,annotator,label\n").find("no annotations") != std::string::npos);
  // Bad gold files: wrong width, unknown field, contradiction.
  const std::string csv = "item,annotator,label\n1,a,x\n1,b,y\n";
  std::string gold = "item,label\n1\n";
  CHECK(parse_error(csv, &gold) ==
        "gold.csv:2: expected 2 comma-separated fields (item,label or item,field,label), got 1");
  gold = "item,field,label\n1,nosuch,x\n";
  CHECK(parse_error(csv, &gold) == "gold.csv:2: unknown field 'nosuch'");
  gold = "item,label\n1,x\n1,y\n";
  CHECK(parse_error(csv, &gold) ==
        "gold.csv:3: gold label 'y' for item '1' contradicts an earlier gold label 'x'");
}

TEST_CASE("annotation report command line: exit codes, JSON and SVG output") {
  TempDir dir;
  std::ostringstream out, err;
  // Bad usage -> usage text, exit 2.
  CHECK(rep::run({}, out, err) == 2);
  CHECK(err.str().find("usage: labelkit-report") != std::string::npos);
  // --help: the usage on stdout, exit 0.
  std::ostringstream help;
  CHECK(rep::run({"--help"}, help, err) == 0);
  CHECK(help.str().find("usage: labelkit-report") == 0);
  err.str("");
  CHECK(rep::run({"--json"}, out, err) == 2);
  CHECK(err.str().find("--json needs a value") != std::string::npos);
  err.str("");
  CHECK(rep::run({"--frobnicate", "x.csv"}, out, err) == 2);
  CHECK(err.str().find("unknown option --frobnicate") != std::string::npos);
  err.str("");
  CHECK(rep::run({"a.csv", "b.csv"}, out, err) == 2);
  // Bad or missing files -> the message on stderr, exit 2.
  err.str("");
  CHECK(rep::run({(dir.path / "missing.csv").string()}, out, err) == 2);
  CHECK(err.str().find("cannot open the file") != std::string::npos);
  const auto bad = dir.write("bad.csv", "item,annotator,label\n1,2,3\n4,5,6,7\n");
  err.str("");
  CHECK(rep::run({bad}, out, err) == 2);
  CHECK(err.str() == "labelkit-report: " + bad +
                         ":3: expected 3 comma-separated fields (item,annotator,label), got 4\n");
  const auto bad_json =
      dir.write("bad.json", R"([{"id": 1, "annotations": [{"completed_by": 1}]}])");
  err.str("");
  CHECK(rep::run({bad_json}, out, err) == 2);
  CHECK(err.str().find("[0].annotations[0].result: missing") != std::string::npos);

  // A good run: text, JSON, SVG.
  out.str("");
  err.str("");
  const auto json_path = (dir.path / "report.json").string();
  const auto svg_dir = (dir.path / "svg").string();
  rep::Options fast;
  fast.bootstrap_samples = 200;
  REQUIRE(rep::run({"--json", json_path, "--svg-dir", svg_dir,
                    data_dir + "/label_studio_sentiment.json"},
                   out, err, fast) == 0);
  CHECK(err.str().empty());
  CHECK(out.str().find("== field 'sentiment': 6 items, 3 annotators, 16 annotations") !=
        std::string::npos);
  CHECK(out.str().find("Krippendorff's alpha (nominal)") != std::string::npos);
  CHECK(out.str().find("note: skipped 1 result(s) of type 'textarea'") != std::string::npos);
  std::ifstream file(json_path);
  const auto j = nlohmann::json::parse(file);
  CHECK(j["format"] == "label_studio");
  REQUIRE(j["fields"].size() == 2);
  CHECK(j["fields"][0]["field"] == "sentiment");
  CHECK(j["fields"][0]["agreement"]["percent_agreement"]["value"].get<double>() ==
        doctest::Approx(13.0 / 18.0));
  CHECK(j["fields"][0]["agreement"]["light_kappa"]["ci_lower"].is_null());
  CHECK(j["fields"][0]["aggregation"]["n_differences"] == 1);
  CHECK(j["fields"][0]["aggregation"]["differences"][0]["item"] == "4");
  CHECK(j["fields"][0]["annotators"]["annotators"].size() == 3);
  CHECK(j["fields"][0]["pairwise_cohen_kappa"]["matrix"].size() == 3);
  // Two fields x (one agreement map + three confusion matrices).
  std::size_t svgs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(svg_dir)) {
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    CHECK(text.str().find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
    CHECK(text.str().find("</svg>") != std::string::npos);
    ++svgs;
  }
  CHECK(svgs == 8);
  CHECK(std::filesystem::exists(std::filesystem::path(svg_dir) / "sentiment_agreement.svg"));
  CHECK(std::filesystem::exists(std::filesystem::path(svg_dir) / "topic_confusion_11.svg"));
}
