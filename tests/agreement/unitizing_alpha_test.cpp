#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "labelkit/agreement/unitizing_alpha.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"

using labelkit::Index;
using labelkit::SpanAnnotation;
using labelkit::agreement::unitizing_alpha;
using labelkit::agreement::UnitizingAlphaOptions;

namespace {

// Krippendorff (1995), "On the reliability of unitizing continuous data", Sociological
// Methodology 25, p. 57: four labels A..D (0..3), two annotators (0, 1), a continuum of 24, each
// row an annotator's cut ("|" a boundary, 1 inside a unit of the label):
//   A  Bertha: 0 0|1 1 1 1 1 1 1 1|0 0 0 0|1 1 1 1 1 1|0 0 0 0
//      Bill:   0 0 0 0|1 1 1 1|0 0 0 0 0 0 0|1 1|0 0 0 0 0 0 0
//   B  John:   1 (18 long) | 0 ...            Jill: 1 1|1|1|1|1|1 1 1|1|0 ...
//   C  Gerret: 0 0|1 1 1 1 1 1|0 0|1 1|0 0|1 1 1 1|0 0|1 1|0 0
//      Gill:   1 1|0 0|1 1 1 1|0 0|1 1 1 1|0 0|1 1|0 0|1 1|0 0
//   D  Heather and Hill: all 1, cut at different places.
// `stretch` multiplies every offset (the paper's expected disagreements are those of a fine
// continuum).
std::vector<SpanAnnotation> unitizing_example(Index stretch) {
  struct Row {
    Index begin, length, annotator;
    int label;
  };
  const Row rows[] = {{2, 8, 0, 0},  {14, 6, 0, 0}, {4, 4, 1, 0}, {15, 2, 1, 0}, {0, 18, 0, 1},
                      {0, 2, 1, 1},  {2, 1, 1, 1},  {3, 1, 1, 1}, {4, 1, 1, 1},  {5, 1, 1, 1},
                      {6, 3, 1, 1},  {9, 1, 1, 1},  {2, 6, 0, 2}, {10, 2, 0, 2}, {14, 4, 0, 2},
                      {20, 2, 0, 2}, {0, 2, 1, 2},  {4, 4, 1, 2}, {10, 4, 1, 2}, {16, 2, 1, 2},
                      {20, 2, 1, 2}, {0, 2, 0, 3},  {2, 8, 0, 3}, {10, 4, 0, 3}, {14, 6, 0, 3},
                      {20, 4, 0, 3}, {0, 4, 1, 3},  {4, 4, 1, 3}, {8, 7, 1, 3},  {15, 2, 1, 3},
                      {17, 7, 1, 3}};
  std::vector<SpanAnnotation> spans;
  for (const Row& r : rows) {
    spans.push_back({0, r.annotator, r.begin * stretch, (r.begin + r.length) * stretch, r.label});
  }
  return spans;
}

// Brute-force twin of the observed disagreement: every pair of segments of two annotators, with
// δ² from the definition (no sweep); segments built by marking each position.
double unitizing_twin_observed(const std::vector<SpanAnnotation>& spans, int label, Index length,
                               const std::vector<Index>& annotators) {
  struct Seg {
    Index b, l;
    bool unit;
  };
  std::vector<std::vector<Seg>> segs;
  for (const Index who : annotators) {
    std::vector<int> mark(static_cast<std::size_t>(length), -1);
    int id = 0;
    for (const auto& s : spans) {
      if (s.annotator != who || s.label != label) continue;
      for (Index p = s.start; p < s.end; ++p) mark[static_cast<std::size_t>(p)] = id;
      ++id;
    }
    std::vector<Seg> list;
    for (Index p = 0; p < length;) {
      Index q = p;
      while (q < length && mark[static_cast<std::size_t>(q)] == mark[static_cast<std::size_t>(p)])
        ++q;
      list.push_back({p, q - p, mark[static_cast<std::size_t>(p)] >= 0});
      p = q;
    }
    segs.push_back(list);
  }
  double sum = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    for (std::size_t j = i + 1; j < segs.size(); ++j) {
      for (const Seg& g : segs[i]) {
        for (const Seg& h : segs[j]) {
          const double db = static_cast<double>(g.b - h.b);
          const double de = static_cast<double>((g.b + g.l) - (h.b + h.l));
          if (g.unit && h.unit && g.b < h.b + h.l && h.b < g.b + g.l) {
            sum += db * db + de * de;
          } else if (g.unit && !h.unit && h.b <= g.b && g.b + g.l <= h.b + h.l) {
            sum += static_cast<double>(g.l * g.l);
          } else if (!g.unit && h.unit && g.b <= h.b && h.b + h.l <= g.b + g.l) {
            sum += static_cast<double>(h.l * h.l);
          }
        }
      }
    }
  }
  const auto m = static_cast<double>(annotators.size());
  const auto L = static_cast<double>(length);
  return 2 * sum / (m * (m - 1) * L * L);
}

}  // namespace

TEST_CASE("unitizing alpha: Krippendorff's 1995 example, observed disagreements as published") {
  const auto r = unitizing_alpha(unitizing_example(1), 4, 24);
  REQUIRE(r.labels.size() == 4);
  CHECK(r.annotators == 2);
  // Krippendorff (1995, p. 57): D_o = 0.03125, 2.26736, 0.02777, 0.38715 for A..D.
  CHECK(r.labels[0].observed == doctest::Approx(0.03125).epsilon(1e-12));
  CHECK(r.labels[1].observed == doctest::Approx(2.2673611111111111).epsilon(1e-12));
  CHECK(r.labels[2].observed == doctest::Approx(0.027777777777777776).epsilon(1e-12));
  CHECK(r.labels[3].observed == doctest::Approx(0.3871527777777778).epsilon(1e-12));
  CHECK(r.labels[0].units == 4);
  CHECK(r.labels[1].units == 8);
  // The expected disagreements on the coarse continuum of 24, from the formula in exact rational
  // arithmetic (python3, fractions.Fraction; the script is the formula of the header comment):
  //   A 0.06447124304267161  B 1.0895125300377617  C 0.07003058103975535  D 0.32079646017699115
  CHECK(r.labels[0].expected == doctest::Approx(0.06447124304267161).epsilon(1e-12));
  CHECK(r.labels[1].expected == doctest::Approx(1.0895125300377617).epsilon(1e-12));
  CHECK(r.labels[2].expected == doctest::Approx(0.07003058103975535).epsilon(1e-12));
  CHECK(r.labels[3].expected == doctest::Approx(0.32079646017699115).epsilon(1e-12));
  REQUIRE(r.alpha);
  CHECK(*r.alpha == doctest::Approx(-0.7565527387256201).epsilon(1e-12));
}

TEST_CASE("unitizing alpha: the published expected disagreements and alphas in the fine limit") {
  // Krippendorff (1995, p. 57): D_e = 0.06990, 1.17731, 0.08642, 0.41445 and alpha = 0.553,
  // -0.926, 0.679, 0.066. Stretching every offset by 50,000 approaches the continuous limit the
  // paper computes; D_o is unchanged by stretching.
  const auto r = unitizing_alpha(unitizing_example(50000), 4, 24 * 50000);
  const double published_expected[] = {0.06990, 1.17731, 0.08642, 0.41445};
  const double published_alpha[] = {0.553, -0.926, 0.679, 0.066};
  for (int c = 0; c < 4; ++c) {
    CAPTURE(c);
    CHECK(std::abs(r.labels[static_cast<std::size_t>(c)].expected - published_expected[c]) <=
          0.005);
    REQUIRE(r.labels[static_cast<std::size_t>(c)].alpha);
    CHECK(std::abs(*r.labels[static_cast<std::size_t>(c)].alpha - published_alpha[c]) <= 0.015);
  }
  CHECK(r.labels[0].observed == doctest::Approx(0.03125).epsilon(1e-12));
  // The same formula in exact rationals at stretch 50,000 (see above).
  CHECK(r.labels[0].expected == doctest::Approx(0.0699021974111251).epsilon(1e-9));
  CHECK(r.labels[3].expected == doctest::Approx(0.41445228613805307).epsilon(1e-9));
}

TEST_CASE("unitizing alpha: an annotator who marked nothing counts only when listed") {
  auto spans = unitizing_example(1);
  spans.erase(std::remove_if(spans.begin(), spans.end(),
                             [](const SpanAnnotation& s) { return s.label != 0; }),
              spans.end());
  const auto two = unitizing_alpha(spans, 1, 24);
  CHECK(two.annotators == 2);
  const auto three = unitizing_alpha(spans, 1, 24, {.annotators = {0, 1, 7}});
  CHECK(three.annotators == 3);
  // Exact rationals, as above, with a third annotator whose continuum is one gap.
  CHECK(three.labels[0].observed == doctest::Approx(0.0798611111111111).epsilon(1e-12));
  CHECK(three.labels[0].expected == doctest::Approx(0.06431231710561319).epsilon(1e-12));
  CHECK(unitizing_twin_observed(spans, 0, 24, {0, 1, 7}) ==
        doctest::Approx(three.labels[0].observed).epsilon(1e-12));
}

TEST_CASE("unitizing alpha: perfect agreement, an unused label, and invariances") {
  std::vector<SpanAnnotation> same = {{3, 0, 2, 5, 0},  {3, 0, 9, 12, 1}, {3, 1, 2, 5, 0},
                                      {3, 1, 9, 12, 1}, {3, 2, 2, 5, 0},  {3, 2, 9, 12, 1}};
  const auto r = unitizing_alpha(same, 3, 20);
  REQUIRE(r.alpha);
  CHECK(*r.alpha == 1.0);
  CHECK(r.labels[2].units == 0);
  CHECK_FALSE(r.labels[2].alpha);
  CHECK(r.labels[2].observed == 0.0);

  // Random cuts: the sweep equals the brute-force twin; record order and annotator ids do not
  // matter.
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    const Index length = 10 + static_cast<Index>(rng() % 60);
    const int m = 2 + static_cast<int>(rng() % 3);
    std::vector<SpanAnnotation> spans;
    std::vector<Index> ids;
    for (int a = 0; a < m; ++a) {
      ids.push_back(100 + 3 * a);
      for (int c = 0; c < 2; ++c) {
        for (Index p = static_cast<Index>(rng() % 4); p < length;) {
          const Index l = 1 + static_cast<Index>(rng() % 6);
          if (p + l > length) break;
          if (rng() % 2) spans.push_back({0, ids.back(), p, p + l, c});
          p += l + static_cast<Index>(rng() % 5);
        }
      }
    }
    const auto got = unitizing_alpha(spans, 2, length, {.annotators = ids});
    for (int c = 0; c < 2; ++c) {
      CHECK(got.labels[static_cast<std::size_t>(c)].observed ==
            doctest::Approx(unitizing_twin_observed(spans, c, length, ids)).epsilon(1e-12));
    }
    auto shuffled = spans;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (auto& s : shuffled) s.annotator = 5000 - s.annotator;  // reverses the annotator order
    std::vector<Index> reversed;
    for (const Index id : ids) reversed.push_back(5000 - id);
    const auto again = unitizing_alpha(shuffled, 2, length, {.annotators = reversed});
    for (int c = 0; c < 2; ++c) {
      CHECK(again.labels[static_cast<std::size_t>(c)].observed ==
            doctest::Approx(got.labels[static_cast<std::size_t>(c)].observed).epsilon(1e-12));
      CHECK(again.labels[static_cast<std::size_t>(c)].expected ==
            got.labels[static_cast<std::size_t>(c)].expected);
    }
  }
}

TEST_CASE("unitizing alpha: refuses what is not one continuum cut by two or more annotators") {
  using labelkit::invalid_argument;
  const std::vector<SpanAnnotation> ok = {{0, 0, 0, 4, 0}, {0, 1, 1, 4, 0}};
  CHECK_NOTHROW((void)unitizing_alpha(ok, 1, 10));
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 1, 0), invalid_argument);
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 1, 3), invalid_argument);  // ends past the length
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 0, 10), invalid_argument);
  const std::vector<SpanAnnotation> one = {{0, 0, 0, 4, 0}, {0, 0, 5, 6, 0}};
  CHECK_THROWS_AS((void)unitizing_alpha(one, 1, 10), invalid_argument);
  const std::vector<SpanAnnotation> items = {{0, 0, 0, 4, 0}, {1, 1, 1, 4, 0}};
  CHECK_THROWS_AS((void)unitizing_alpha(items, 1, 10), invalid_argument);
  const std::vector<SpanAnnotation> overlap = {{0, 0, 0, 4, 0}, {0, 0, 3, 6, 0}, {0, 1, 1, 4, 0}};
  CHECK_THROWS_AS((void)unitizing_alpha(overlap, 1, 10), invalid_argument);
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 1, 10, {.annotators = {0}}), invalid_argument);
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 1, 10, {.annotators = {0, 1, 1}}), invalid_argument);
  CHECK_THROWS_AS((void)unitizing_alpha(ok, 1, 10, {.annotators = {-1, 0, 1}}), invalid_argument);
  const std::vector<SpanAnnotation> label = {{0, 0, 0, 4, 2}, {0, 1, 1, 4, 0}};
  CHECK_THROWS_AS((void)unitizing_alpha(label, 2, 10), invalid_argument);
  // Different labels of one annotator may overlap (nested entities).
  const std::vector<SpanAnnotation> nested = {{0, 0, 0, 4, 0}, {0, 0, 1, 3, 1}, {0, 1, 0, 4, 0}};
  CHECK_NOTHROW((void)unitizing_alpha(nested, 2, 10));
}
