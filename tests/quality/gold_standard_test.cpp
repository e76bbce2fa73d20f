#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/gold_standard.hpp"

using labelkit::Annotation;
using labelkit::quality::gold_standard;
using labelkit::quality::GoldLabel;
using labelkit::quality::wilson_interval;

TEST_CASE("wilson_interval matches statsmodels proportion_confint(method='wilson')") {
  // Reference: statsmodels.stats.proportion.proportion_confint(s, n, alpha=0.05,
  // method='wilson'), printed with %.15g.
  struct Case {
    Eigen::Index s, n;
    double lower, upper;
  };
  for (const Case& c :
       {Case{7, 10, 0.396778147461145, 0.892208732593699}, Case{0, 5, 0, 0.434482464783175},
        Case{20, 20, 0.83887484194718, 1}, Case{45, 60, 0.627679299229522, 0.842234774699433}}) {
    const auto w = wilson_interval(c.s, c.n);
    CHECK(w.lower == doctest::Approx(c.lower).epsilon(1e-12));
    CHECK(w.upper == doctest::Approx(c.upper).epsilon(1e-12));
  }
  CHECK(wilson_interval(0, 0).lower == 0.0);
  CHECK(wilson_interval(0, 0).upper == 1.0);
  CHECK(wilson_interval(0, 0).level == doctest::Approx(0.95).epsilon(1e-12));  // erf(1.96/sqrt 2)
  CHECK(wilson_interval(3, 10, 2.5758293035489).level == doctest::Approx(0.99).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(static_cast<void>(wilson_interval(3, 2)),
                       doctest::Contains("expected 0 <= successes <= n"),
                       labelkit::invalid_argument);
}

TEST_CASE("gold_standard scores annotators on gold items, with confusion and a flag") {
  // Gold items 100..111 (12 items), all labelled 1 except 100..103 labelled 0.
  std::vector<GoldLabel> gold;
  for (int i = 0; i < 12; ++i) gold.push_back({100 + i, i < 4 ? 0 : 1});
  std::vector<Annotation> a;
  for (int i = 0; i < 12; ++i) {
    a.push_back({100 + i, 1, gold[static_cast<std::size_t>(i)].label});  // perfect
    a.push_back({100 + i, 2, i < 6 ? 1 : 0});  // right on 104,105 only -> 2/12
  }
  for (int i = 0; i < 3; ++i) a.push_back({100 + i, 3, 1});  // 0/3: bad but too little evidence
  a.push_back({500, 4, 0});                                  // annotator 4 answered no gold item
  const auto r = gold_standard(a, gold, 2);
  REQUIRE(r.annotators.size() == 4);
  const auto& perfect = r.annotators[0];
  CHECK(perfect.annotator == 1);
  CHECK(perfect.n_gold == 12);
  CHECK(perfect.accuracy == 1.0);
  CHECK(!perfect.flagged);
  const auto& poor = r.annotators[1];
  CHECK(poor.n_correct == 2);
  CHECK(poor.flagged);
  Eigen::Matrix2d expected;
  expected << 0, 4,  //
      6, 2;
  CHECK(poor.confusion == expected);
  CHECK(poor.interval == wilson_interval(2, 12));
  const auto& few = r.annotators[2];
  CHECK(few.n_gold == 3);
  CHECK(few.accuracy == 0.0);
  CHECK(!few.flagged);  // below min_gold = 10
  const auto& none = r.annotators[3];
  CHECK(none.annotator == 4);
  CHECK(none.n_gold == 0);
  CHECK(none.interval.lower == 0.0);
  CHECK(none.interval.upper == 1.0);
  CHECK(!none.flagged);
  CHECK(r.n_gold_items == 12);
  CHECK(r.n_gold == 27);
  CHECK(r.n_correct == 14);
  CHECK(r.confusion.sum() == 27);
  labelkit::quality::GoldStandardOptions lenient;
  lenient.min_gold = 3;
  CHECK(gold_standard(a, gold, 2, lenient).annotators[2].flagged);
}

TEST_CASE("gold_standard rejects bad gold records and options") {
  const std::vector<Annotation> a = {{0, 0, 0}};
  const std::vector<GoldLabel> bad = {{0, 0}, {-1, 0}};
  CHECK_THROWS_WITH_AS(gold_standard(a, bad, 2),
                       "labelkit: gold_standard(): 'gold' record 1 has a negative item id (got -1)",
                       labelkit::invalid_argument);
  const std::vector<GoldLabel> ok = {{0, 0}};
  labelkit::quality::GoldStandardOptions options;
  options.threshold = 1.5;
  CHECK_THROWS_WITH_AS(gold_standard(a, ok, 2, options),
                       doctest::Contains("'options.threshold' must lie in [0, 1]"),
                       labelkit::invalid_argument);
}
