#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "labelkit/agreement/spans.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"

using labelkit::AnnotatedItem;
using labelkit::SpanAnnotation;
using labelkit::agreement::span_agreement;
using labelkit::agreement::SpanAgreementOptions;
using labelkit::agreement::SpanMatch;

namespace {

// Hand-worked example (labels PER = 0, LOC = 1), one item read by annotators 1 and 2:
//   annotator 1: [0,5) PER, [10,16) LOC, [20,25) PER
//   annotator 2: [0,5) PER, [10,14) LOC, [20,25) LOC, [30,35) PER
// strict  (exact boundaries and label): COR = 1            -> F1 = 2·1/7   = 2/7
// exact   (exact boundaries, any label): COR = 2           -> F1 = 2·2/7   = 4/7
// partial (overlap, any label, PAR = 0.5): COR 2, PAR 1    -> F1 = 2·2.5/7 = 5/7,
//          P = 2.5/4, R = 2.5/3 (SemEval-2013 partial, as nervaluate counts it)
// type    (overlap with label, credit 1): COR 1, PAR 1     -> F1 = 2·2/7   = 4/7
std::vector<SpanAnnotation> spanagr_example() {
  return {{0, 1, 0, 5, 0},   {0, 1, 10, 16, 1}, {0, 1, 20, 25, 0}, {0, 2, 0, 5, 0},
          {0, 2, 10, 14, 1}, {0, 2, 20, 25, 1}, {0, 2, 30, 35, 0}};
}

// Brute-force twin of partial matching: repeatedly take the free pair with the largest score
// (exact pairs score above any overlap), ties to the lower canonical index; no sorting trick.
double spanagr_twin_score(std::vector<SpanAnnotation> a, std::vector<SpanAnnotation> b, bool labels,
                          double credit) {
  const auto key = [](const SpanAnnotation& s) { return std::tuple(s.start, s.end, s.label); };
  std::sort(a.begin(), a.end(), [&](auto& x, auto& y) { return key(x) < key(y); });
  std::sort(b.begin(), b.end(), [&](auto& x, auto& y) { return key(x) < key(y); });
  std::vector<bool> ua(a.size()), ub(b.size());
  double score = 0;
  for (int phase = 0; phase < 2; ++phase) {
    for (;;) {
      double best = 0;
      std::size_t bi = 0, bj = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        for (std::size_t j = 0; j < b.size(); ++j) {
          if (ua[i] || ub[j] || (labels && a[i].label != b[j].label)) continue;
          const bool same = a[i].start == b[j].start && a[i].end == b[j].end;
          const double q = phase == 0 ? (same ? 1.0 : 0.0)
                                      : static_cast<double>(labelkit::span_overlap(a[i], b[j]));
          if (q > best) {
            best = q;
            bi = i;
            bj = j;
          }
        }
      }
      if (best == 0) break;
      ua[bi] = ub[bj] = true;
      score += phase == 0 ? 1.0 : credit;
    }
  }
  return score;
}

}  // namespace

TEST_CASE("span_agreement: the four SemEval-2013 schemes on a hand-worked example") {
  const auto spans = spanagr_example();
  const auto strict = span_agreement(spans, 2);
  REQUIRE(strict.pairs.size() == 1);
  const auto p = strict.pairs[0];
  CHECK(p.first == 1);
  CHECK(p.second == 2);
  CHECK(p.n_items == 1);
  CHECK(p.n_first == 3);
  CHECK(p.n_second == 4);
  CHECK(p.exact == 1);
  CHECK(*p.f1 == doctest::Approx(2.0 / 7).epsilon(1e-15));

  SpanAgreementOptions o;
  o.match_labels = false;
  CHECK(*span_agreement(spans, 2, o).pairs[0].f1 == doctest::Approx(4.0 / 7).epsilon(1e-15));

  o.match = SpanMatch::partial;
  const auto partial = span_agreement(spans, 2, o).pairs[0];
  CHECK(partial.exact == 2);
  CHECK(partial.partial == 1);
  CHECK(partial.score == 2.5);
  CHECK(*partial.precision == doctest::Approx(2.5 / 4).epsilon(1e-15));
  CHECK(*partial.recall == doctest::Approx(2.5 / 3).epsilon(1e-15));
  CHECK(*partial.f1 == doctest::Approx(5.0 / 7).epsilon(1e-15));

  o.match_labels = true;
  o.partial_credit = 1.0;
  const auto type = span_agreement(spans, 2, o).pairs[0];
  CHECK(type.exact == 1);
  CHECK(type.partial == 1);
  CHECK(*type.f1 == doctest::Approx(4.0 / 7).epsilon(1e-15));
}

TEST_CASE("span_agreement: a reader who marks nothing scores 0; a non-reader is not compared") {
  auto spans = spanagr_example();
  SpanAgreementOptions o;
  o.annotated = {{0, 1}, {0, 2}, {0, 3}, {1, 4}};
  const auto r = span_agreement(spans, 2, o);
  CHECK(r.annotators == std::vector<labelkit::Index>{1, 2, 3, 4});
  REQUIRE(r.pairs.size() == 6);
  CHECK(*r.pair(3, 1)->f1 == 0.0);  // 3 read item 0 and marked nothing
  CHECK(!r.pair(1, 3)->precision);  // 3 marked no span: precision undefined
  CHECK(*r.pair(1, 3)->recall == 0.0);
  CHECK(*r.pair(2, 3)->f1 == 0.0);
  CHECK(!r.pair(1, 4)->f1);  // no shared item
  CHECK(r.pair(1, 4)->n_items == 0);
  CHECK(!r.pair(3, 4)->f1);
  CHECK(!r.pair(1, 1));
  CHECK(!r.pair(1, 99));
  // mean over the three defined pairs: (2/7 + 0 + 0) / 3; micro: 2·1 / (7 + 3 + 4).
  CHECK(*r.mean_f1 == doctest::Approx(2.0 / 21).epsilon(1e-15));
  CHECK(*r.micro_f1 == doctest::Approx(2.0 / 14).epsilon(1e-15));
}

TEST_CASE("span_agreement: nobody marked anything gives no F1 at all, not a perfect one") {
  const std::vector<SpanAnnotation> none;
  const std::vector<AnnotatedItem> read = {{0, 1}, {0, 2}};
  SpanAgreementOptions o;
  o.annotated = read;
  const auto r = span_agreement(none, 3, o);
  REQUIRE(r.pairs.size() == 1);
  CHECK(!r.pairs[0].f1);
  CHECK(!r.mean_f1);
  CHECK(!r.micro_f1);
  CHECK(span_agreement(none, 3).pairs.empty());
}

TEST_CASE("span_agreement: repeated spans match one to one") {
  // Annotator 1 marks [0,3) twice, annotator 2 once: one match, F1 = 2/3.
  const std::vector<SpanAnnotation> s = {{5, 1, 0, 3, 0}, {5, 1, 0, 3, 0}, {5, 2, 0, 3, 0}};
  CHECK(*span_agreement(s, 1).pairs[0].f1 == doctest::Approx(2.0 / 3).epsilon(1e-15));
}

TEST_CASE("span_agreement equals a brute-force twin and ignores record order and id renaming") {
  std::mt19937_64 rng(20260101);
  for (int round = 0; round < 60; ++round) {
    std::vector<SpanAnnotation> s;
    const int n_items = 1 + static_cast<int>(rng() % 3);
    for (int item = 0; item < n_items; ++item) {
      for (int annotator = 0; annotator < 3; ++annotator) {
        const int n = static_cast<int>(rng() % 5);
        for (int k = 0; k < n; ++k) {
          const auto start = static_cast<labelkit::Index>(rng() % 20);
          const auto len = static_cast<labelkit::Index>(1 + rng() % 6);
          s.push_back({item, annotator, start, start + len, static_cast<int>(rng() % 2)});
        }
      }
      // every annotator reads every item, even with no span on it
    }
    SpanAgreementOptions o;
    for (int item = 0; item < n_items; ++item) {
      for (int annotator = 0; annotator < 3; ++annotator) o.annotated.push_back({item, annotator});
    }
    o.match = round % 2 ? SpanMatch::partial : SpanMatch::exact;
    o.match_labels = round % 3 != 0;
    o.partial_credit = 0.5;
    const auto r = span_agreement(s, 2, o);
    REQUIRE(r.pairs.size() == 3);
    for (const auto& p : r.pairs) {
      double score = 0;
      for (int item = 0; item < n_items; ++item) {
        std::vector<SpanAnnotation> a, b;
        for (const auto& x : s) {
          if (x.item == item && x.annotator == p.first) a.push_back(x);
          if (x.item == item && x.annotator == p.second) b.push_back(x);
        }
        score += spanagr_twin_score(a, b, o.match_labels,
                                    o.match == SpanMatch::partial ? o.partial_credit : 0.0);
      }
      CHECK(p.score == doctest::Approx(score).epsilon(1e-15));
    }
    // Shuffled records, annotator ids renamed 0 -> 30, 1 -> 10, 2 -> 20 (same order of pairs
    // up to renaming): identical pair tallies.
    auto shuffled = s;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const std::map<labelkit::Index, labelkit::Index> rename = {{0, 30}, {1, 10}, {2, 20}};
    for (auto& x : shuffled) x.annotator = rename.at(x.annotator);
    auto o2 = o;
    for (auto& x : o2.annotated) x.annotator = rename.at(x.annotator);
    const auto r2 = span_agreement(shuffled, 2, o2);
    for (const auto& p : r.pairs) {
      const auto q = r2.pair(rename.at(p.first), rename.at(p.second));
      REQUIRE(q);
      CHECK(q->score == p.score);
      CHECK(q->f1 == p.f1);
    }
    // the mean sums the pairs in another order: equal up to rounding
    REQUIRE(r2.mean_f1.has_value() == r.mean_f1.has_value());
    if (r.mean_f1) CHECK(*r2.mean_f1 == doctest::Approx(*r.mean_f1).epsilon(1e-14));
  }
}

TEST_CASE("span_agreement refuses hostile spans and options, naming the record") {
  using V = std::vector<SpanAnnotation>;
  CHECK_THROWS_WITH_AS(span_agreement(V{{0, 1, 5, 5, 0}}, 2),
                       "labelkit: span_agreement(): 'spans' record 0 has offsets [5, 5) "
                       "(expected 0 <= start < end)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 2, 0}, {0, 1, 9, 3, 0}}, 2),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{0, 1, -1, 3, 0}}, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, 2}}, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, -1}}, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{-1, 1, 0, 3, 0}}, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, 0}}, 0), labelkit::invalid_argument);
  SpanAgreementOptions o;
  o.partial_credit = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  o.partial_credit = 1.5;
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  SpanAgreementOptions bad;
  bad.annotated = {{0, -2}};
  CHECK_THROWS_AS(span_agreement(V{{0, 1, 0, 3, 0}}, 2, bad), labelkit::invalid_argument);
}
