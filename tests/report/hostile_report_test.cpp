// Hostile input files for the report tool: each gives a labelkit error naming the place and a
// non-zero exit code, or a correct report; never std::terminate, a stack overflow, merged ids or
// overwritten output files.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "labelkit/core/error.hpp"
#include "report/cli.hpp"
#include "report/input.hpp"

namespace rep = labelkit_tools::report;

namespace {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir()
      : path(std::filesystem::temp_directory_path() /
             ("labelkit_hostile_report_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const auto p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

// The message of the labelkit::error thrown by parse(text), or "" if none is thrown.
std::string error_of(const std::string& text) {
  try {
    (void)rep::parse(text, "in.json");
  } catch (const labelkit::error& e) {
    return e.what();
  }
  return "";
}

struct Run {
  int code = 0;
  std::string out, err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  rep::Options fast;
  fast.bootstrap_samples = 50;
  Run r;
  r.code = rep::run(args, out, err, fast);
  r.out = out.str();
  r.err = err.str();
  return r;
}

const std::string choice_a =
    R"([{"from_name": "f", "to_name": "t", "type": "choices", "value": {"choices": ["a"]}}])";
const std::string choice_b =
    R"([{"from_name": "f", "to_name": "t", "type": "choices", "value": {"choices": ["b"]}}])";

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("hostile report: \"was_cancelled\": \"no\" is an error naming the field, exit 2") {
  const std::string text =
      R"([{"id": 1, "annotations": [{"completed_by": 1, "was_cancelled": "no", "result": )" +
      choice_a + "}]}]";
  CHECK(error_of(text) ==
        "in.json: [0].annotations[0].was_cancelled: expected true or false "
        "(got string)");
  ScratchDir dir;
  const Run r = run({dir.write("cancelled.json", text)});
  CHECK(r.code == 2);
  CHECK(r.err.find("was_cancelled: expected true or false (got string)") != std::string::npos);
}

TEST_CASE("hostile report: a numeric id of 1e400 is an error, exit 2") {
  const std::string text =
      R"([{"id": 1e400, "annotations": [{"completed_by": 1, "result": )" + choice_a + "}]}]";
  const std::string message = error_of(text);
  CHECK(message.find("in.json: invalid JSON: ") == 0);
  CHECK(message.find("number overflow") != std::string::npos);
  ScratchDir dir;
  const Run r = run({dir.write("overflow.json", text)});
  CHECK(r.code == 2);
  CHECK(r.err.find("number overflow") != std::string::npos);
  // A float id that a double holds is not an id either.
  CHECK(error_of(R"([{"id": 1.5, "annotations": []}])") ==
        "in.json: [0].id: expected an integer or a non-empty string id (got "
        "number 1.5)");
}

TEST_CASE("hostile report: ids at and above 2^63 keep their value and do not merge with -1") {
  const std::string text =
      R"([{"id": 9223372036854775808, "annotations": [{"completed_by": 1, "result": )" + choice_a +
      R"(}, {"completed_by": 2, "result": )" + choice_a + R"(}]},
           {"id": -1, "annotations": [{"completed_by": 1, "result": )" +
      choice_b + R"(}, {"completed_by": 2, "result": )" + choice_b + R"(}]},
           {"id": 18446744073709551615, "annotations": [{"completed_by": 18446744073709551615, "result": )" +
      choice_b + "}]}]";
  const auto data = rep::parse(text, "in.json");
  REQUIRE(data.fields.size() == 1);
  const auto& f = data.fields[0];
  CHECK(f.items == std::vector<std::string>{"-1", "9223372036854775808", "18446744073709551615"});
  CHECK(f.annotators == std::vector<std::string>{"1", "2", "18446744073709551615"});
  CHECK(f.records.size() == 5);
}

TEST_CASE("hostile report: a JSON file with a UTF-8 byte order mark is read as JSON") {
  const std::string text =
      "\xEF\xBB\xBF"
      R"([{"id": 1, "annotations": [{"completed_by": 1, "result": )" +
      choice_a + R"(}, {"completed_by": 2, "result": )" + choice_b + "}]}]";
  const auto data = rep::parse(text, "bom.json");
  CHECK(data.format == "label_studio");
  REQUIRE(data.fields.size() == 1);
  CHECK(data.fields[0].records.size() == 2);
  // A CSV with a byte order mark keeps a clean first header cell.
  const auto csv = rep::parse("\xEF\xBB\xBFitem,annotator,label\n1,a,x\n1,b,y\n", "bom.csv");
  CHECK(csv.format == "csv");
  CHECK(csv.fields[0].items == std::vector<std::string>{"1"});
}

TEST_CASE("hostile report: annotators a/b and a_b get their own SVG files, counted right") {
  ScratchDir dir;
  const auto input =
      dir.write("slash.csv", "item,annotator,label\n1,a/b,x\n1,a_b,y\n2,a/b,x\n2,a_b,x\n");
  const auto svg_dir = (dir.path / "svg").string();
  const Run r = run({"--svg-dir", svg_dir, input});
  REQUIRE(r.code == 0);
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(svg_dir)) {
    files.insert(entry.path().filename().string());
  }
  CHECK(files.size() == 3);  // the agreement map and one confusion matrix per annotator
  CHECK(r.out.find("wrote " + std::to_string(files.size()) + " SVG heat maps") !=
        std::string::npos);
  CHECK(files.count("label_agreement.svg") == 1);
  CHECK(files.count("label_confusion_a_b.svg") == 1);
  CHECK(files.count("label_confusion_a_b_2.svg") == 1);
}

TEST_CASE("hostile report: ids and choices nested 100,000 deep are refused without a crash") {
  const std::string deep_id = R"([{"id": )" + nested(100000) + R"(, "annotations": []}])";
  CHECK(error_of(deep_id).find("nested deeper than the limit of 64 levels") != std::string::npos);
  const std::string deep_choice =
      R"([{"id": 1, "annotations": [{"completed_by": 1, "result": [{"from_name": "f", "type": "choices", "value": {"choices": [)" +
      nested(100000) + "]}}]}]}]";
  CHECK(error_of(deep_choice).find("nested deeper than the limit") != std::string::npos);
  const std::string deep_annotator =
      R"([{"id": 1, "annotations": [{"completed_by": )" + nested(70000) + R"(, "result": []}]}])";
  CHECK(error_of(deep_annotator).find("nested deeper than the limit") != std::string::npos);
  // Within the limit, a wrong-typed id is named by its type, not dumped.
  CHECK(error_of(R"([{"id": [[1]], "annotations": []}])") ==
        "in.json: [0].id: expected an integer or a non-empty string id (got "
        "array)");
  ScratchDir dir;
  const Run r = run({dir.write("deep.json", deep_id)});
  CHECK(r.code == 2);
  CHECK(r.err.find("nested deeper than the limit") != std::string::npos);
}

TEST_CASE("report tables fit their contents: an e-mail annotator id keeps the columns aligned") {
  ScratchDir dir;
  const Run r = run({dir.write("emails.csv",
                               "item,annotator,label\n1,annotator13@example.com,x\n1,b,x\n"
                               "2,annotator13@example.com,y\n2,b,x\n3,annotator13@example.com,y\n"
                               "3,b,y\n")});
  REQUIRE(r.code == 0);
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line) && line.find("  annotator ") != 0) {
  }
  REQUIRE(line.find("  annotator ") == 0);
  const std::string header = line;
  for (const std::string column : {"answers", "items", "gold acc", "consensus", "worst class"}) {
    const auto at = header.find(column);
    REQUIRE(at != std::string::npos);
    std::istringstream rows(r.out.substr(r.out.find(header) + header.size() + 1));
    int checked = 0;
    while (std::getline(rows, line) && line.find("  mean agreement") != 0) {
      CAPTURE(line);
      REQUIRE(line.size() > at);
      CHECK(line[at - 1] == ' ');  // every row's cell starts where its header starts
      CHECK(line[at] != ' ');
      ++checked;
    }
    CHECK(checked == 2);
  }
  CHECK(r.out.find("  annotator13@example.com  3") != std::string::npos);
}
