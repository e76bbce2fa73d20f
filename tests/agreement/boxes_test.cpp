#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "labelkit/agreement/boxes.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"

using labelkit::BoxAnnotation;
using labelkit::agreement::box_agreement;
using labelkit::agreement::BoxAgreementOptions;

namespace {

// Hand-worked example, one item, label 0:
//   annotator 1: A1 = (0,0,10,10),  A2 = (20,20,10,10)
//   annotator 2: B1 = (1,1,10,10),  B2 = (25,20,10,10)
//   annotator 3: C1 = (0,0,10,10)
// IoU(A1,B1) = 9·9 / (100 + 100 − 81) = 81/119 ≈ 0.681; IoU(A2,B2) = 50/150 = 1/3 < 0.5;
// IoU(A1,C1) = 1; IoU(B1,C1) = 81/119.
// (1,2): 1 match of 2 + 2 boxes -> F1 1/2, mean IoU 81/119
// (1,3): 1 match of 2 + 1       -> F1 2/3, mean IoU 1
// (2,3): 1 match of 2 + 1       -> F1 2/3, mean IoU 81/119
// mean F1 (1/2 + 2/3 + 2/3)/3 = 11/18; micro F1 2·3/10 = 3/5; mean IoU (2·81/119 + 1)/3.
std::vector<BoxAnnotation> boxagr_example() {
  return {{0, 1, 0, 0, 10, 10, 0},
          {0, 1, 20, 20, 10, 10, 0},
          {0, 2, 1, 1, 10, 10, 0},
          {0, 2, 25, 20, 10, 10, 0},
          {0, 3, 0, 0, 10, 10, 0}};
}

// Brute-force IoU of integer boxes: count the unit cells inside each.
double boxagr_grid_iou(const BoxAnnotation& a, const BoxAnnotation& b) {
  int inter = 0, uni = 0;
  for (int x = 0; x < 40; ++x) {
    for (int y = 0; y < 40; ++y) {
      const bool in_a = x >= a.x && x + 1 <= a.x + a.width && y >= a.y && y + 1 <= a.y + a.height;
      const bool in_b = x >= b.x && x + 1 <= b.x + b.width && y >= b.y && y + 1 <= b.y + b.height;
      inter += in_a && in_b;
      uni += in_a || in_b;
    }
  }
  return uni ? static_cast<double>(inter) / uni : 0.0;
}

// Brute-force twin of the matching: repeatedly take the free pair with the largest IoU at or
// above the threshold, ties to the lower canonical index; returns {matches, IoU sum}.
std::pair<int, double> boxagr_twin(std::vector<BoxAnnotation> a, std::vector<BoxAnnotation> b,
                                   double threshold) {
  const auto less = labelkit::detail::BoxLess{};
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  std::vector<bool> ua(a.size()), ub(b.size());
  int matched = 0;
  double sum = 0;
  for (;;) {
    double best = -1;
    std::size_t bi = 0, bj = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      for (std::size_t j = 0; j < b.size(); ++j) {
        if (ua[i] || ub[j] || a[i].label != b[j].label) continue;
        const double q = labelkit::box_iou(a[i], b[j]);
        if (q >= threshold && q > best) {
          best = q;
          bi = i;
          bj = j;
        }
      }
    }
    if (best < 0) break;
    ua[bi] = ub[bj] = true;
    ++matched;
    sum += best;
  }
  return {matched, sum};
}

}  // namespace

TEST_CASE("box_iou: hand-computed values, and a grid-counting twin") {
  const BoxAnnotation a{0, 0, 0, 0, 10, 10, 0};
  CHECK(labelkit::box_iou(a, {0, 0, 1, 1, 10, 10, 0}) == doctest::Approx(81.0 / 119));
  CHECK(labelkit::box_iou(a, {0, 0, 5, 0, 10, 10, 0}) == doctest::Approx(1.0 / 3));
  CHECK(labelkit::box_iou(a, a) == 1.0);
  CHECK(labelkit::box_iou(a, {0, 0, 10, 0, 5, 5, 0}) == 0.0);                   // touching edges
  CHECK(labelkit::box_iou(a, {0, 0, 2, 2, 3, 3, 0}) == doctest::Approx(0.09));  // inside
  std::mt19937_64 rng(7);
  for (int k = 0; k < 300; ++k) {
    const auto box = [&] {
      return BoxAnnotation{0,
                           0,
                           static_cast<double>(rng() % 20),
                           static_cast<double>(rng() % 20),
                           static_cast<double>(1 + rng() % 15),
                           static_cast<double>(1 + rng() % 15),
                           0};
    };
    const auto p = box();
    const auto q = box();
    CHECK(labelkit::box_iou(p, q) == doctest::Approx(boxagr_grid_iou(p, q)).epsilon(1e-14));
  }
}

TEST_CASE("box_agreement: the hand-worked example") {
  const auto r = box_agreement(boxagr_example(), 1);
  REQUIRE(r.pairs.size() == 3);
  const auto p12 = *r.pair(2, 1);
  CHECK(p12.n_first == 2);
  CHECK(p12.n_second == 2);
  CHECK(p12.matched == 1);
  CHECK(*p12.f1 == 0.5);
  CHECK(*p12.mean_iou == doctest::Approx(81.0 / 119).epsilon(1e-15));
  CHECK(*r.pair(1, 3)->f1 == doctest::Approx(2.0 / 3).epsilon(1e-15));
  CHECK(*r.pair(1, 3)->mean_iou == 1.0);
  CHECK(*r.pair(1, 3)->precision == 1.0);
  CHECK(*r.pair(1, 3)->recall == 0.5);
  CHECK(*r.pair(2, 3)->mean_iou == doctest::Approx(81.0 / 119).epsilon(1e-15));
  CHECK(*r.mean_f1 == doctest::Approx(11.0 / 18).epsilon(1e-15));
  CHECK(*r.micro_f1 == doctest::Approx(0.6).epsilon(1e-15));
  CHECK(*r.mean_iou == doctest::Approx((2 * 81.0 / 119 + 1) / 3).epsilon(1e-15));
  // At IoU 0.3, A2 and B2 (IoU 1/3) match too.
  BoxAgreementOptions o;
  o.iou_threshold = 0.3;
  CHECK(*box_agreement(boxagr_example(), 1, o).pair(1, 2)->f1 == 1.0);
  // At IoU 0.9 only A1-C1 matches.
  o.iou_threshold = 0.9;
  const auto strict = box_agreement(boxagr_example(), 1, o);
  CHECK(*strict.pair(1, 2)->f1 == 0.0);
  CHECK(!strict.pair(1, 2)->mean_iou);
  CHECK(*strict.pair(1, 3)->f1 == doctest::Approx(2.0 / 3).epsilon(1e-15));
}

TEST_CASE("box_agreement: greedy by IoU, ties to the lower box; labels must match") {
  // A = (0,0,10,10) can match B = (0,0,10,10) (IoU 1) or C = (0,0,10,8) (IoU 0.8); annotator 2
  // drew both: the tighter pair wins and C stays unmatched.
  const std::vector<BoxAnnotation> s = {
      {0, 1, 0, 0, 10, 10, 0}, {0, 2, 0, 0, 10, 8, 0}, {0, 2, 0, 0, 10, 10, 0}};
  const auto r = box_agreement(s, 1).pairs[0];
  CHECK(r.matched == 1);
  CHECK(*r.mean_iou == 1.0);
  // Different labels never match unless match_labels is off.
  const std::vector<BoxAnnotation> t = {{0, 1, 0, 0, 10, 10, 0}, {0, 2, 0, 0, 10, 10, 1}};
  CHECK(box_agreement(t, 2).pairs[0].matched == 0);
  BoxAgreementOptions o;
  o.match_labels = false;
  CHECK(box_agreement(t, 2, o).pairs[0].matched == 1);
}

TEST_CASE("box_agreement equals a brute-force twin; order, renaming and translation leave it") {
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<double> pos(0, 30), size(1, 12);
  for (int round = 0; round < 50; ++round) {
    std::vector<BoxAnnotation> s;
    for (int annotator = 0; annotator < 3; ++annotator) {
      const int n = static_cast<int>(rng() % 5);
      for (int k = 0; k < n; ++k) {
        s.push_back(
            {0, annotator, pos(rng), pos(rng), size(rng), size(rng), static_cast<int>(rng() % 2)});
      }
    }
    BoxAgreementOptions o;
    o.annotated = {{0, 0}, {0, 1}, {0, 2}};
    o.iou_threshold = 0.1 + 0.1 * (round % 6);
    const auto r = box_agreement(s, 2, o);
    REQUIRE(r.pairs.size() == 3);
    for (const auto& p : r.pairs) {
      std::vector<BoxAnnotation> a, b;
      for (const auto& x : s) {
        if (x.annotator == p.first) a.push_back(x);
        if (x.annotator == p.second) b.push_back(x);
      }
      const auto [m, sum] = boxagr_twin(a, b, o.iou_threshold);
      CHECK(p.matched == m);
      CHECK(p.iou_sum == doctest::Approx(sum).epsilon(1e-14));
    }
    auto moved = s;
    std::shuffle(moved.begin(), moved.end(), rng);
    const std::map<labelkit::Index, labelkit::Index> rename = {{0, 8}, {1, 3}, {2, 5}};
    for (auto& x : moved) {
      x.annotator = rename.at(x.annotator);
      x.x += 64;  // exact in binary: IoU is computed from the same differences
      x.y -= 128;
    }
    auto o2 = o;
    for (auto& x : o2.annotated) x.annotator = rename.at(x.annotator);
    const auto r2 = box_agreement(moved, 2, o2);
    for (const auto& p : r.pairs) {
      const auto q = r2.pair(rename.at(p.first), rename.at(p.second));
      REQUIRE(q);
      CHECK(q->matched == p.matched);
      CHECK(q->iou_sum == doctest::Approx(p.iou_sum).epsilon(1e-12));
    }
  }
}

TEST_CASE("box_agreement refuses hostile boxes and options, naming the record") {
  using V = std::vector<BoxAnnotation>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(box_agreement(V{{0, 1, 0, 0, 1, 1, 0}, {0, 1, 0, 0, -1, 1, 0}}, 1),
                       "labelkit: box_agreement(): 'boxes' record 1 has width -1 and height 1 "
                       "(expected both > 0)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(box_agreement(V{{0, 1, nan, 0, 1, 1, 0}}, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(box_agreement(V{{0, 1, 0, inf, 1, 1, 0}}, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(box_agreement(V{{0, 1, 0, 0, 0, 1, 0}}, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(box_agreement(V{{0, 1, 1e308, 0, 1e308, 1, 0}}, 1),
                  labelkit::invalid_argument);  // right edge overflows
  CHECK_THROWS_AS(box_agreement(V{{0, 1, 0, 0, 1, 1, 1}}, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(box_agreement(V{{0, -1, 0, 0, 1, 1, 0}}, 1), labelkit::invalid_argument);
  BoxAgreementOptions o;
  for (const double t : {0.0, -0.5, 1.5, nan}) {
    o.iou_threshold = t;
    CHECK_THROWS_AS(box_agreement(V{{0, 1, 0, 0, 1, 1, 0}}, 1, o), labelkit::invalid_argument);
  }
}
