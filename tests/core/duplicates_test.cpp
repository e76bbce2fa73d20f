#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/duplicates.hpp"
#include "labelkit/core/error.hpp"

using labelkit::Annotation;
using labelkit::DuplicateAnswers;
using labelkit::detail::apply_duplicate_policy;

namespace {

// Annotator 7 answers item 1 three times (labels 0, 2, 1); annotator 8 answers item 1 once and
// item 2 twice with the same label.
const std::vector<Annotation> records = {{1, 7, 0}, {1, 8, 1}, {2, 8, 3}, {1, 7, 2},
                                         {2, 8, 3}, {1, 7, 1}, {3, 7, 0}};

}  // namespace

TEST_CASE("DuplicateAnswers: keep_first, keep_last and keep_all keep input order") {
  const auto first = apply_duplicate_policy(records, DuplicateAnswers::keep_first, "f");
  CHECK(first == std::vector<Annotation>{{1, 7, 0}, {1, 8, 1}, {2, 8, 3}, {3, 7, 0}});
  const auto last = apply_duplicate_policy(records, DuplicateAnswers::keep_last, "f");
  CHECK(last == std::vector<Annotation>{{1, 8, 1}, {2, 8, 3}, {1, 7, 1}, {3, 7, 0}});
  CHECK(apply_duplicate_policy(records, DuplicateAnswers::keep_all, "f") == records);
  // Without repeats every policy returns the input unchanged.
  for (const auto policy : {DuplicateAnswers::reject, DuplicateAnswers::keep_first,
                            DuplicateAnswers::keep_last, DuplicateAnswers::keep_all}) {
    CHECK(apply_duplicate_policy(first, policy, "f") == first);
  }
  CHECK(apply_duplicate_policy({}, DuplicateAnswers::reject, "f").empty());
  // The public form names itself in its errors.
  CHECK(labelkit::apply_duplicates(records, DuplicateAnswers::keep_last) == last);
  CHECK_THROWS_WITH_AS((void)labelkit::apply_duplicates(records, DuplicateAnswers::reject),
                       doctest::Contains("apply_duplicates()"), labelkit::invalid_argument);
}

TEST_CASE("DuplicateAnswers::reject names the pair and the two records") {
  CHECK_THROWS_WITH_AS(
      (void)apply_duplicate_policy(records, DuplicateAnswers::reject, "some_function"),
      doctest::Contains("some_function(): annotator 7 answered item 1 more than once (records 0 "
                        "and 3"),
      labelkit::invalid_argument);
  // An identical repeat is still a repeat.
  const std::vector<Annotation> twice = {{2, 8, 3}, {2, 8, 3}};
  CHECK_THROWS_AS((void)apply_duplicate_policy(twice, DuplicateAnswers::reject, "f"),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)apply_duplicate_policy(twice, static_cast<DuplicateAnswers>(9), "f"),
                  labelkit::invalid_argument);
  CHECK(std::string(labelkit::to_string(DuplicateAnswers::keep_last)) == "keep_last");
}

TEST_CASE("DuplicateAnswers agrees with a brute-force twin on random records") {
  unsigned state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<int>((state >> 16) % 4);
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<Annotation> in;
    for (int r = 0; r < 30; ++r) in.push_back({next(), next(), next()});
    const auto first = apply_duplicate_policy(in, DuplicateAnswers::keep_first, "f");
    const auto last = apply_duplicate_policy(in, DuplicateAnswers::keep_last, "f");
    // Brute force: record r survives keep_first iff no earlier record has its pair, keep_last
    // iff no later one has.
    std::vector<Annotation> first_twin;
    std::vector<Annotation> last_twin;
    for (std::size_t r = 0; r < in.size(); ++r) {
      bool earlier = false;
      bool later = false;
      for (std::size_t s = 0; s < in.size(); ++s) {
        const bool same = in[s].item == in[r].item && in[s].annotator == in[r].annotator;
        earlier = earlier || (same && s < r);
        later = later || (same && s > r);
      }
      if (!earlier) first_twin.push_back(in[r]);
      if (!later) last_twin.push_back(in[r]);
    }
    CHECK(first == first_twin);
    CHECK(last == last_twin);
  }
}
