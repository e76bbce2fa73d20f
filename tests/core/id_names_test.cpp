// IdNames: string ids interned once to dense integer ids, in first-seen order, and back.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/id_names.hpp"

using labelkit::IdNames;
using labelkit::IdNamesOptions;

TEST_CASE("IdNames interns in first-seen order and maps back") {
  IdNames names;
  CHECK(names.empty());
  CHECK(names.intern("ana@example.com") == 0);
  CHECK(names.intern("bo@example.com") == 1);
  CHECK(names.intern("ana@example.com") == 0);
  CHECK(names.intern("2f1e-4c1a-uuid") == 2);
  CHECK(names.intern("Ana@example.com") == 3);  // byte for byte: no case folding
  CHECK(names.size() == 4);
  CHECK(names.name(1) == "bo@example.com");
  CHECK(names.find("2f1e-4c1a-uuid") == 2);
  CHECK_FALSE(names.find("cy@example.com").has_value());
  CHECK(names.contains("bo@example.com"));
  CHECK(names.names() == std::vector<std::string>{"ana@example.com", "bo@example.com",
                                                  "2f1e-4c1a-uuid", "Ana@example.com"});
}

TEST_CASE("IdNames keeps names with any bytes of valid UTF-8, and is deterministic") {
  const std::vector<std::string> input = {
      "a,b", "q\"uote", "new\nline", "東京", "🙂", " ", "a,b", std::string("nul\0inside", 10),
      "東京"};
  IdNames first;
  IdNames second;
  for (const auto& name : input) first.intern(name);
  for (const auto& name : input) second.intern(name);
  CHECK(first == second);
  CHECK(first.size() == 7);
  CHECK(first.find(std::string("nul\0inside", 10)) == 6);
  CHECK_FALSE(first.find("nul").has_value());
  for (labelkit::Index id = 0; id < first.size(); ++id) CHECK(first.find(first.name(id)) == id);
  // A copy is independent of the original.
  IdNames copy = first;
  copy.intern("new");
  CHECK(copy.size() == 8);
  CHECK(first.size() == 7);
  CHECK_FALSE(first.contains("new"));
}

TEST_CASE("IdNames refuses empty, invalid UTF-8, over-long names and a full table") {
  IdNames names(IdNamesOptions{.max_size = 2, .max_name_bytes = 8});
  CHECK_THROWS_WITH_AS(names.intern(""), doctest::Contains("empty"), labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(names.intern("\xC3\x28"), doctest::Contains("UTF-8"),
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(names.intern("123456789"), doctest::Contains("max_name_bytes"),
                       labelkit::invalid_argument);
  CHECK(names.intern("a") == 0);
  CHECK(names.intern("b") == 1);
  CHECK(names.intern("a") == 0);  // known names still resolve when full
  CHECK_THROWS_WITH_AS(names.intern("c"), doctest::Contains("max_size"),
                       labelkit::invalid_argument);
  CHECK(names.size() == 2);  // unchanged by the refusals
  CHECK_THROWS_WITH_AS((void)names.name(2), doctest::Contains("out of range"),
                       labelkit::invalid_argument);
  CHECK_THROWS_AS((void)names.name(-1), labelkit::invalid_argument);
  CHECK_THROWS_AS(IdNames(IdNamesOptions{.max_size = 0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(IdNames(IdNamesOptions{.max_name_bytes = 0}), labelkit::invalid_argument);
}
