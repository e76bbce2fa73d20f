// Export of the labeled data set: JSON Lines and CSV round trips (exact, including every bit of
// the confidences, on hostile class and item names), the readers' refusals, and Label Studio
// ground truth that annotation::read_label_studio reads back.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/pipeline.hpp"

namespace {

namespace lp = labelkit::pipeline;
using labelkit::IdNames;
using labelkit::LabelSet;
using lp::FinalLabel;
using lp::FinalLabels;
using lp::LabelSource;

// Class names that break naive CSV and JSON writers: a comma, quotes, a line break, CRLF, UTF-8,
// a leading space, a backslash.
LabelSet hostile_set() {
  return LabelSet({"plain", "a, b", "say \"hi\"", "two\nlines", "crlf\r\nend", "Été 東京 🙂",
                   " leading", "back\\slash"},
                  {.from_name = "topic", .to_name = "text"});
}

FinalLabels hostile_labels() {
  FinalLabels labels{hostile_set(), {}};
  labels.items = {
      {0, 0, LabelSource::gold, 1.0},
      {1, 1, LabelSource::aggregated, 0.1},
      {2, 2, LabelSource::auto_accepted, 0.30000000000000004},
      {5, 3, LabelSource::adjudicated, 0.0},
      {7, 4, LabelSource::aggregated, std::nextafter(1.0, 0.0)},
      {9, 5, LabelSource::aggregated, 5e-324},  // the smallest subnormal
      {10, 6, LabelSource::aggregated, 0.9999999999999999},
      {1234567890123, 7, LabelSource::aggregated, 1.0 / 3.0},
  };
  return labels;
}

// Bitwise equality of the confidences (operator== on doubles would pass 0.0 vs -0.0).
void check_same_bits(const FinalLabels& a, const FinalLabels& b) {
  REQUIRE(a.items.size() == b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    CHECK(std::bit_cast<std::uint64_t>(a.items[i].confidence) ==
          std::bit_cast<std::uint64_t>(b.items[i].confidence));
  }
}

std::string jsonl_of(const FinalLabels& labels, const IdNames* names = nullptr) {
  std::ostringstream out;
  lp::write_jsonl(out, labels, names);
  return out.str();
}

std::string csv_of(const FinalLabels& labels, const IdNames* names = nullptr) {
  std::ostringstream out;
  lp::write_csv(out, labels, names);
  return out.str();
}

FinalLabels read_jsonl_text(const std::string& text, const LabelSet& set,
                            IdNames* names = nullptr) {
  std::istringstream in(text);
  return lp::read_jsonl(in, set, names);
}

FinalLabels read_csv_text(const std::string& text, const LabelSet& set, IdNames* names = nullptr) {
  std::istringstream in(text);
  return lp::read_csv(in, set, names);
}

// Reads `text` (written with `names`) twice: with a copy of the writer's table (the ids come back
// unchanged and the table gains nothing) and with an empty table (new ids in file order, which
// is ascending id order, so the records keep their order and their names).
void check_named_round_trip(const FinalLabels& labels, const IdNames& names,
                            const std::string& text, bool csv) {
  const auto read = [&](IdNames* table) {
    return csv ? read_csv_text(text, labels.labels, table)
               : read_jsonl_text(text, labels.labels, table);
  };
  IdNames same = names;
  const FinalLabels back = read(&same);
  CHECK(back == labels);
  check_same_bits(back, labels);
  CHECK(same == names);
  IdNames fresh;
  const FinalLabels renumbered = read(&fresh);
  REQUIRE(renumbered.items.size() == labels.items.size());
  CHECK(fresh.size() == static_cast<labelkit::Index>(labels.items.size()));
  for (std::size_t i = 0; i < labels.items.size(); ++i) {
    CHECK(renumbered.items[i].item == static_cast<labelkit::Index>(i));
    CHECK(fresh.name(renumbered.items[i].item) == names.name(labels.items[i].item));
    CHECK(renumbered.items[i].label == labels.items[i].label);
    CHECK(renumbered.items[i].source == labels.items[i].source);
  }
}

}  // namespace

TEST_CASE("label_source_from_string inverts to_string") {
  for (const auto source : {LabelSource::gold, LabelSource::auto_accepted, LabelSource::aggregated,
                            LabelSource::adjudicated}) {
    CHECK(lp::label_source_from_string(lp::to_string(source)) == source);
  }
  CHECK_FALSE(lp::label_source_from_string("Gold").has_value());
  CHECK_FALSE(lp::label_source_from_string("").has_value());
}

TEST_CASE("write_jsonl writes one object per item with the class name, source and confidence") {
  FinalLabels labels{LabelSet({"cat", "dog"}), {}};
  labels.items = {{3, 1, LabelSource::aggregated, 0.97}, {8, 0, LabelSource::gold, 1.0}};
  CHECK(jsonl_of(labels) ==
        "{\"item\":3,\"label\":\"dog\",\"source\":\"aggregated\",\"confidence\":0.97}\n"
        "{\"item\":8,\"label\":\"cat\",\"source\":\"gold\",\"confidence\":1.0}\n");
  IdNames names;
  CHECK(names.intern("x") == 0);
  CHECK(names.intern("y") == 1);
  CHECK(names.intern("z") == 2);
  CHECK(names.intern("doc-3") == 3);
  for (int i = 4; i < 8; ++i) CHECK(names.intern("n" + std::to_string(i)) == i);
  CHECK(names.intern("uuid-8") == 8);
  CHECK(jsonl_of(labels, &names) ==
        "{\"item\":\"doc-3\",\"label\":\"dog\",\"source\":\"aggregated\",\"confidence\":0.97}\n"
        "{\"item\":\"uuid-8\",\"label\":\"cat\",\"source\":\"gold\",\"confidence\":1.0}\n");
}

TEST_CASE("write_csv writes the header, RFC 4180 quoting, CRLF and shortest round-trip numbers") {
  FinalLabels labels{LabelSet({"cat", "a, b", "say \"hi\""}), {}};
  labels.items = {{3, 1, LabelSource::aggregated, 0.97},
                  {8, 2, LabelSource::gold, 1.0},
                  {9, 0, LabelSource::auto_accepted, 0.1 + 0.2}};
  CHECK(csv_of(labels) ==
        "item,label,source,confidence\r\n"
        "3,\"a, b\",aggregated,0.97\r\n"
        "8,\"say \"\"hi\"\"\",gold,1\r\n"
        "9,cat,auto_accepted,0.30000000000000004\r\n");
}

TEST_CASE("JSON Lines round trip is exact on hostile names, with integer and string ids") {
  const FinalLabels labels = hostile_labels();
  const FinalLabels back = read_jsonl_text(jsonl_of(labels), labels.labels);
  CHECK(back == labels);
  check_same_bits(back, labels);

  // String ids: e-mails, UUIDs, names with commas, quotes, newlines and UTF-8.
  IdNames names;
  const std::vector<std::string> ids = {"ana@example.com", "7f1c-uuid", "a,b", "q\"uote",
                                        "new\nline",       "東京",      "x",   " sp ",
                                        "back\\slash",     "10",        "11"};
  for (const auto& id : ids) names.intern(id);
  FinalLabels by_name = labels;
  by_name.items.pop_back();  // ids must have a name
  check_named_round_trip(by_name, names, jsonl_of(by_name, &names), false);
}

TEST_CASE("CSV round trip is exact on hostile names, with integer and string ids") {
  const FinalLabels labels = hostile_labels();
  const FinalLabels back = read_csv_text(csv_of(labels), labels.labels);
  CHECK(back == labels);
  check_same_bits(back, labels);

  IdNames names;
  for (const std::string id : {"ana@example.com", "a,b", "q\"uote", "new\nline", "cr\r\nlf", "東京",
                               " sp ", "x", "y", "z", "w"}) {
    names.intern(id);
  }
  FinalLabels by_name = labels;
  by_name.items.pop_back();
  check_named_round_trip(by_name, names, csv_of(by_name, &names), true);
}

TEST_CASE("round trips keep every bit of random confidences") {
  std::mt19937_64 bits(20261205);
  FinalLabels labels{LabelSet({"a", "b", "c"}), {}};
  for (int i = 0; i < 2000; ++i) {
    double p = 0.0;
    do {  // a random double in [0, 1], drawn bitwise so that all exponents occur
      p = std::bit_cast<double>(bits() & 0x3FFF'FFFF'FFFF'FFFFull);
    } while (!(p >= 0.0 && p <= 1.0));
    labels.items.push_back({i, i % 3, static_cast<LabelSource>(i % 4), p});
  }
  const auto from_jsonl = read_jsonl_text(jsonl_of(labels), labels.labels);
  const auto from_csv = read_csv_text(csv_of(labels), labels.labels);
  CHECK(from_jsonl == labels);
  CHECK(from_csv == labels);
  check_same_bits(from_jsonl, labels);
  check_same_bits(from_csv, labels);
}

TEST_CASE("readers sort by item, find names loosely, skip blank lines and accept CRLF") {
  const LabelSet set({"Cat", "Dog"});
  const std::string jsonl =
      "{\"item\": 9, \"label\": \" dog \", \"source\": \"gold\", \"confidence\": 1, \"extra\": "
      "[1]}\r\n"
      "\n"
      "   \r\n"
      "{\"item\": 2, \"label\": \"CAT\", \"source\": \"aggregated\", \"confidence\": 0.5}";
  const FinalLabels a = read_jsonl_text(jsonl, set);
  REQUIRE(a.items.size() == 2);
  CHECK(a.items[0] == FinalLabel{2, 0, LabelSource::aggregated, 0.5});
  CHECK(a.items[1] == FinalLabel{9, 1, LabelSource::gold, 1.0});
  CHECK(a.labels == set);

  const std::string csv =
      "\xEF\xBB\xBFitem,label,source,confidence\n"
      "9,dog,gold,1\n"
      "\n"
      "2,\"Cat\",aggregated,0.5";  // no final line end
  CHECK(read_csv_text(csv, set) == a);
}

TEST_CASE("read_jsonl refuses bad records, naming the line and the field") {
  const LabelSet set({"cat", "dog"});
  const std::string good = "{\"item\":1,\"label\":\"cat\",\"source\":\"gold\",\"confidence\":1}\n";
  const auto refuses = [&](const std::string& line, const std::string& needle) {
    INFO(line);
    try {
      (void)read_jsonl_text(good + line, set);
      FAIL("accepted");
    } catch (const labelkit::parse_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("read_jsonl(): line 2") != std::string::npos);
      CHECK(what.find(needle) != std::string::npos);
    }
  };
  refuses(R"({"item":2,"label":"bird","source":"gold","confidence":1})", "field 'label'");
  refuses(R"({"item":2,"label":"cat","source":"crowd","confidence":1})", "field 'source'");
  refuses(R"({"item":2,"label":"cat","source":"gold","confidence":1.5})", "field 'confidence'");
  refuses(R"({"item":2,"label":"cat","source":"gold","confidence":-0.1})", "field 'confidence'");
  refuses(R"({"item":2,"label":"cat","source":"gold","confidence":"1"})", "field 'confidence'");
  refuses(R"({"item":2,"label":"cat","source":"gold","confidence":1e400})", "invalid JSON");
  refuses(R"({"item":-2,"label":"cat","source":"gold","confidence":1})", "negative id");
  refuses(R"({"item":2.5,"label":"cat","source":"gold","confidence":1})", "field 'item'");
  refuses(R"({"item":18446744073709551615,"label":"cat","source":"gold","confidence":1})",
          "out of range");
  refuses(R"({"item":"doc","label":"cat","source":"gold","confidence":1})", "IdNames");
  refuses(R"({"item":1,"label":"dog","source":"gold","confidence":1})", "is repeated");
  refuses(R"({"label":"cat","source":"gold","confidence":1})", "missing field 'item'");
  refuses(R"({"item":2,"label":0,"source":"gold","confidence":1})", "field 'label'");
  refuses(R"([1,2])", "expected an object");
  refuses(R"({"item":2,)", "invalid JSON");
  refuses(std::string(20, '[') + std::string(20, ']'), "deeper");

  // A string id with a table, an integer id with one: refused too.
  IdNames names;
  std::istringstream in(good);
  CHECK_THROWS_AS((void)lp::read_jsonl(in, set, &names), labelkit::parse_error);
  CHECK(names.empty());  // a failed read leaves the table as it was
}

TEST_CASE("read_csv refuses bad rows, naming the line and the field") {
  const LabelSet set({"cat", "dog"});
  const std::string head = "item,label,source,confidence\r\n1,cat,gold,1\r\n";
  const auto refuses = [&](const std::string& rows, const std::string& needle) {
    INFO(rows);
    try {
      (void)read_csv_text(head + rows, set);
      FAIL("accepted");
    } catch (const labelkit::parse_error& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find("read_csv(): line 3") != std::string::npos);
      CHECK(what.find(needle) != std::string::npos);
    }
  };
  refuses("2,cat,gold\r\n", "expected 4 fields (got 3)");
  refuses("2,cat,gold,1,extra\r\n", "expected 4 fields (got 5)");
  refuses("2,bird,gold,1\r\n", "field 'label'");
  refuses("2,cat,crowd,1\r\n", "field 'source'");
  refuses("2,cat,gold,nan\r\n", "field 'confidence'");
  refuses("2,cat,gold,inf\r\n", "field 'confidence'");
  refuses("2,cat,gold,1.0000000000000002\r\n", "field 'confidence'");
  refuses("2,cat,gold, 1\r\n", "field 'confidence'");
  refuses("2,cat,gold,\r\n", "field 'confidence'");
  refuses("-2,cat,gold,1\r\n", "field 'item'");
  refuses("9223372036854775808,cat,gold,1\r\n", "field 'item'");
  refuses("2x,cat,gold,1\r\n", "field 'item'");
  refuses("1,dog,gold,1\r\n", "is repeated");
  refuses("2,\"cat\"x,gold,1\r\n", "after the closing quote");
  refuses("2,ca\"t,gold,1\r\n", "quote inside unquoted field");
  refuses("2,\"cat,gold,1\r\n", "not closed");
  refuses("2,cat,gold,1\rx\r\n", "carriage return");

  CHECK_THROWS_WITH_AS((void)read_csv_text("item,label,source\r\n", set),
                       doctest::Contains("expected the header"), labelkit::parse_error);
  CHECK_THROWS_WITH_AS((void)read_csv_text("", set), doctest::Contains("no header"),
                       labelkit::parse_error);
  // Without a table, names are not ids; with one, every item is a name.
  IdNames names;
  const FinalLabels named = read_csv_text(head, set, &names);
  REQUIRE(named.items.size() == 1);
  CHECK(names.name(named.items[0].item) == "1");
}

TEST_CASE("readers enforce their size limits") {
  const LabelSet set({"cat"});
  std::string jsonl;
  for (int i = 0; i < 100; ++i) {
    jsonl += "{\"item\":" + std::to_string(i) +
             ",\"label\":\"cat\",\"source\":\"gold\",\"confidence\":1}\n";
  }
  lp::FinalLabelsReadOptions options;
  options.max_bytes = 1000;
  std::istringstream in(jsonl);
  CHECK_THROWS_WITH_AS((void)lp::read_jsonl(in, set, nullptr, options),
                       doctest::Contains("max_bytes"), labelkit::parse_error);
  options = {};
  options.record_limits.max_bytes = 20;
  std::istringstream in2(jsonl);
  CHECK_THROWS_WITH_AS((void)lp::read_jsonl(in2, set, nullptr, options),
                       doctest::Contains("line 1"), labelkit::parse_error);
  options.record_limits.max_bytes = 40;
  std::istringstream in3("item,label,source,confidence\n1,cat,gold,1\n2,\"" +
                         std::string(100, 'x') + "\",gold,1\n");
  CHECK_THROWS_WITH_AS((void)lp::read_csv(in3, set, nullptr, options), doctest::Contains("line 3"),
                       labelkit::parse_error);
}

TEST_CASE("writers refuse what they could not read back") {
  FinalLabels labels{LabelSet({"cat", "dog"}), {}};
  const auto refuses = [&](FinalLabel record, const std::string& needle) {
    labels.items = {{0, 0, LabelSource::gold, 1.0}, record};
    std::ostringstream out;
    CHECK_THROWS_WITH_AS(lp::write_jsonl(out, labels), doctest::Contains(needle.c_str()),
                         labelkit::invalid_argument);
    CHECK_THROWS_WITH_AS(lp::write_csv(out, labels), doctest::Contains(needle.c_str()),
                         labelkit::invalid_argument);
  };
  refuses({0, 1, LabelSource::gold, 1.0}, "out of order");
  refuses({-1, 1, LabelSource::gold, 1.0}, "negative");
  refuses({1, 2, LabelSource::gold, 1.0}, "outside the label set");
  refuses({1, 1, static_cast<LabelSource>(7), 1.0}, "invalid source");
  refuses({1, 1, LabelSource::gold, std::numeric_limits<double>::quiet_NaN()}, "confidence");
  refuses({1, 1, LabelSource::gold, 1.5}, "confidence");
  labels.items = {{0, 0, LabelSource::gold, 1.0}, {5, 1, LabelSource::gold, 1.0}};
  IdNames names;
  names.intern("only-one");
  std::ostringstream out;
  CHECK_THROWS_WITH_AS(lp::write_jsonl(out, labels, &names), doctest::Contains("no name"),
                       labelkit::invalid_argument);
}

TEST_CASE("write_label_studio: final labels read back as each task's ground truth") {
  const LabelSet set = hostile_set();
  // A queue export with payloads, human answers and a pre-label.
  labelkit::annotation::TaskQueue queue;
  REQUIRE(queue.add_label_set(set) == 0);
  for (int item = 0; item < 12; ++item) {
    queue.add_task(item, 0, nlohmann::json{{"text", "item " + std::to_string(item)}});
  }
  queue.add_prediction(1, {"lr-1", 0.75, {1}});
  const auto assignment = queue.next(42);
  REQUIRE(assignment.has_value());
  const labelkit::Index answered = assignment->item;
  // The queue serves equal priorities in ascending item id: item 0, which has a final label.
  REQUIRE(answered == 0);
  (void)queue.submit(42, answered, 3);
  const labelkit::annotation::TaskSet tasks = queue.export_tasks();

  FinalLabels labels = hostile_labels();
  labels.items.pop_back();  // item 1234567890123 has no task
  std::ostringstream out;
  lp::write_label_studio(out, labels, tasks);
  const std::string text = out.str();
  CHECK(text.find("\"label_source\": \"adjudicated\"") != std::string::npos);

  std::istringstream in(text);
  const auto back = labelkit::annotation::read_label_studio(in, set);
  REQUIRE(back.tasks.size() == labels.items.size());
  for (std::size_t i = 0; i < labels.items.size(); ++i) {
    const auto& task = back.tasks[i];
    CHECK(task.item == labels.items[i].item);
    REQUIRE(task.gold.has_value());
    CHECK(*task.gold == std::vector<int>{labels.items[i].label});
    CHECK(task.data == nlohmann::json{{"text", "item " + std::to_string(task.item)}});
  }
  bool found_answer = false;
  for (const auto& task : back.tasks) {
    if (task.item != answered) {
      CHECK(task.annotations.empty());
      continue;
    }
    REQUIRE(task.annotations.size() == 1);
    CHECK(task.annotations[0].annotator == 42);
    CHECK(task.annotations[0].labels == std::vector<int>{3});
    found_answer = true;
  }
  CHECK(found_answer);
  REQUIRE(back.tasks[1].predictions.size() == 1);
  CHECK(back.tasks[1].predictions[0].labels == std::vector<int>{1});

  // meta carries source and confidence, bit for bit.
  const auto document = nlohmann::json::parse(text);
  for (std::size_t i = 0; i < labels.items.size(); ++i) {
    const auto& meta = document[i]["meta"];
    CHECK(meta["label_source"] == std::string(lp::to_string(labels.items[i].source)));
    CHECK(std::bit_cast<std::uint64_t>(meta["label_confidence"].get<double>()) ==
          std::bit_cast<std::uint64_t>(labels.items[i].confidence));
  }

  // Without answers and predictions; an item without a task; another label set.
  std::ostringstream bare;
  lp::write_label_studio(bare, labels, tasks,
                         {.include_answers = false, .include_predictions = false});
  std::istringstream bare_in(bare.str());
  const auto bare_back = labelkit::annotation::read_label_studio(bare_in, set);
  for (const auto& task : bare_back.tasks) CHECK(task.annotations.empty());
  CHECK(bare_back.tasks[1].predictions.empty());
  FinalLabels orphan = hostile_labels();
  CHECK_THROWS_WITH_AS(lp::write_label_studio(out, orphan, tasks), doctest::Contains("no task"),
                       labelkit::invalid_argument);
  FinalLabels other{LabelSet({"x", "y"}), {{0, 0, LabelSource::gold, 1.0}}};
  CHECK_THROWS_WITH_AS(lp::write_label_studio(out, other, tasks), doctest::Contains("label set"),
                       labelkit::invalid_argument);
}

TEST_CASE("write_label_studio with a payload callback and item names") {
  FinalLabels labels{LabelSet({"cat", "dog"}, {.from_name = "animal", .to_name = "image"}), {}};
  labels.items = {{0, 1, LabelSource::aggregated, 0.8}, {1, 0, LabelSource::auto_accepted, 0.99}};
  IdNames names;
  names.intern("img-a.png");
  names.intern("img-b.png");
  std::ostringstream out;
  lp::write_label_studio(out, labels,
                         [&](labelkit::Index item) {
                           return nlohmann::json{{"image", "/data/" + names.name(item)}};
                         },
                         {.indent = -1, .items = &names});
  const auto document = nlohmann::json::parse(out.str());
  REQUIRE(document.size() == 2);
  CHECK(document[1]["data"]["image"] == "/data/img-b.png");
  CHECK(document[1]["meta"]["item_name"] == "img-b.png");
  CHECK(document[1]["meta"]["label_source"] == "auto_accepted");
  CHECK(document[0]["annotations"][0]["ground_truth"] == true);
  CHECK(document[0]["annotations"][0]["result"][0]["from_name"] == "animal");
  CHECK(document[0]["annotations"][0]["result"][0]["to_name"] == "image");
  CHECK(document[0]["annotations"][0]["result"][0]["value"]["choices"] ==
        nlohmann::json::array({"dog"}));
  std::istringstream in(out.str());
  const auto back = labelkit::annotation::read_label_studio(in, labels.labels);
  REQUIRE(back.tasks.size() == 2);
  CHECK(*back.tasks[0].gold == std::vector<int>{1});
  CHECK(*back.tasks[1].gold == std::vector<int>{0});
}
