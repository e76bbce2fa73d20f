#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"
#include "labelkit/quality/box_fusion.hpp"

using labelkit::BoxAnnotation;
using labelkit::quality::BoxFusionOptions;
using labelkit::quality::fuse_boxes;
using labelkit::quality::FusedBox;

namespace {

// Hand-worked example, one item, label 0, IoU threshold 0.55, weights 1:
//   annotator 1: A1 = (0,0,10,10), A2 = (20,20,10,10);  annotator 2: B1 = (1,1,10,10),
//   B2 = (25,20,10,10);  annotator 3: C1 = (0,0,10,10).
// Visit order A1, A2, B1, B2, C1. A1 and A2 start clusters 0 and 1. B1: IoU with A1 = 81/119
// = 0.68 -> cluster 0, fused corners (0.5, 0.5)-(10.5, 10.5). B2: IoU with A2 = 1/3 -> new
// cluster 2. C1: IoU with (0.5,0.5,10,10) = 90.25/109.75 = 0.82 -> cluster 0, corners
// ((0+1+0)/3, ...) -> (1/3, 1/3, 10, 10). Consensus 3/3, 1/3, 1/3.
// With weights 2, 1, 0.5 (same visit order): cluster 0 x1 = (2·0 + 1·1 + 0.5·0)/3.5 = 2/7,
// x2 = (2·10 + 1·11 + 0.5·10)/3.5 = 72/7, width 10; weighted consensus 3.5/3.5, 2/3.5, 1/3.5.
std::vector<BoxAnnotation> boxfus_example() {
  return {{0, 1, 0, 0, 10, 10, 0},
          {0, 1, 20, 20, 10, 10, 0},
          {0, 2, 1, 1, 10, 10, 0},
          {0, 2, 25, 20, 10, 10, 0},
          {0, 3, 0, 0, 10, 10, 0}};
}

bool boxfus_less(const FusedBox& a, const FusedBox& b) {
  return std::tuple(a.item, a.label, a.x, a.y) < std::tuple(b.item, b.label, b.x, b.y);
}

}  // namespace

TEST_CASE("fuse_boxes: weighted box fusion on the hand-worked example") {
  const auto r = fuse_boxes(boxfus_example(), 1);
  REQUIRE(r.boxes.size() == 3);
  const auto& c0 = r.boxes[0];
  CHECK(c0.x == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(c0.y == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(c0.width == doctest::Approx(10).epsilon(1e-15));
  CHECK(c0.height == doctest::Approx(10).epsilon(1e-15));
  CHECK(c0.consensus == 1.0);
  CHECK(c0.weighted_consensus == 1.0);
  CHECK(c0.annotators == std::vector<labelkit::Index>{1, 2, 3});
  CHECK(r.boxes[1].x == 20);
  CHECK(r.boxes[1].consensus == doctest::Approx(1.0 / 3).epsilon(1e-15));
  CHECK(r.boxes[1].annotators == std::vector<labelkit::Index>{1});
  CHECK(r.boxes[2].x == 25);
  CHECK(r.boxes[2].annotators == std::vector<labelkit::Index>{2});

  BoxFusionOptions o;
  o.weights = {{1, 2.0}, {2, 1.0}, {3, 0.5}};
  const auto w = fuse_boxes(boxfus_example(), 1, o);
  REQUIRE(w.boxes.size() == 3);
  CHECK(w.boxes[0].x == doctest::Approx(2.0 / 7).epsilon(1e-15));
  CHECK(w.boxes[0].width == doctest::Approx(10).epsilon(1e-14));
  CHECK(w.boxes[0].consensus == 1.0);
  CHECK(w.boxes[1].weighted_consensus == doctest::Approx(4.0 / 7).epsilon(1e-15));
  CHECK(w.boxes[2].weighted_consensus == doctest::Approx(2.0 / 7).epsilon(1e-15));

  o.min_consensus = 0.5;
  const auto kept = fuse_boxes(boxfus_example(), 1, o);
  REQUIRE(kept.boxes.size() == 1);
  CHECK(kept.boxes[0].consensus == 1.0);
}

TEST_CASE("fuse_boxes: one box per annotator per cluster; readers without boxes count") {
  // Annotator 1 draws two near-identical boxes: they stay in two clusters.
  const std::vector<BoxAnnotation> s = {
      {4, 1, 0, 0, 10, 10, 0}, {4, 1, 0, 0, 10, 9, 0}, {4, 2, 0, 0, 10, 10, 0}};
  BoxFusionOptions o;
  o.annotated = {{4, 1}, {4, 2}, {4, 3}, {4, 9}};  // four readers, two drew
  const auto r = fuse_boxes(s, 1, o);
  REQUIRE(r.boxes.size() == 2);
  // Visit order: annotator 1's (0,0,10,9) then (0,0,10,10) (canonical box order; IoU 0.9, but
  // one annotator: two clusters), then 2's (0,0,10,10): IoU 0.9 and 1 -> the second cluster.
  CHECK(r.boxes[0].height == 9);
  CHECK(r.boxes[0].annotators == std::vector<labelkit::Index>{1});
  CHECK(r.boxes[0].consensus == 0.25);
  CHECK(r.boxes[1].height == 10);
  CHECK(r.boxes[1].annotators == std::vector<labelkit::Index>{1, 2});
  CHECK(r.boxes[1].consensus == 0.5);
  // Labels cluster separately.
  const std::vector<BoxAnnotation> t = {{0, 1, 0, 0, 10, 10, 0}, {0, 2, 0, 0, 10, 10, 1}};
  CHECK(fuse_boxes(t, 2).boxes.size() == 2);
}

TEST_CASE("fuse_boxes: record order, annotator renaming and translation leave the fused boxes") {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> jitter(0, 0.5);
  for (int round = 0; round < 20; ++round) {
    // Objects on a 100-unit grid (never close to each other), drawn by each annotator with a
    // small jitter and probability 0.8: every cluster is unambiguous.
    std::vector<BoxAnnotation> s;
    for (int object = 0; object < 4; ++object) {
      for (int annotator = 0; annotator < 4; ++annotator) {
        if (rng() % 5 == 0) continue;
        s.push_back({object % 2, annotator, 100.0 * object + jitter(rng), 50 + jitter(rng),
                     20 + jitter(rng), 30 + jitter(rng), object % 3 == 0 ? 0 : 1});
      }
    }
    BoxFusionOptions o;
    for (int item = 0; item < 2; ++item) {
      for (int annotator = 0; annotator < 4; ++annotator) o.annotated.push_back({item, annotator});
    }
    auto r = fuse_boxes(s, 2, o).boxes;
    auto moved = s;
    std::shuffle(moved.begin(), moved.end(), rng);
    const std::map<labelkit::Index, labelkit::Index> rename = {{0, 7}, {1, 2}, {2, 11}, {3, 0}};
    for (auto& x : moved) {
      x.annotator = rename.at(x.annotator);
      x.x -= 1000;
      x.y += 250;
    }
    auto o2 = o;
    for (auto& x : o2.annotated) x.annotator = rename.at(x.annotator);
    auto r2 = fuse_boxes(moved, 2, o2).boxes;
    REQUIRE(r.size() == r2.size());
    std::sort(r.begin(), r.end(), boxfus_less);
    std::sort(r2.begin(), r2.end(), boxfus_less);
    for (std::size_t k = 0; k < r.size(); ++k) {
      CHECK(r2[k].x == doctest::Approx(r[k].x - 1000).epsilon(1e-12));
      CHECK(r2[k].y == doctest::Approx(r[k].y + 250).epsilon(1e-12));
      CHECK(r2[k].width == doctest::Approx(r[k].width).epsilon(1e-12));
      CHECK(r2[k].height == doctest::Approx(r[k].height).epsilon(1e-12));
      CHECK(r2[k].consensus == r[k].consensus);
      CHECK(r2[k].annotators.size() == r[k].annotators.size());
    }
  }
}

TEST_CASE("fuse_boxes refuses hostile weights and options") {
  using V = std::vector<BoxAnnotation>;
  const V one = {{0, 1, 0, 0, 1, 1, 0}};
  BoxFusionOptions o;
  o.weights = {{1, -1.0}};
  CHECK_THROWS_AS(fuse_boxes(one, 1, o), labelkit::invalid_argument);
  o.weights = {{1, std::numeric_limits<double>::quiet_NaN()}};
  CHECK_THROWS_AS(fuse_boxes(one, 1, o), labelkit::invalid_argument);
  o.weights = {{1, 1.0}, {1, 2.0}};
  CHECK_THROWS_AS(fuse_boxes(one, 1, o), labelkit::invalid_argument);
  o.weights = {{2, 1.0}};
  CHECK_THROWS_WITH_AS(fuse_boxes(one, 1, o),
                       "labelkit: fuse_boxes(): 'boxes' record 0 names annotator 1 who has no "
                       "entry in 'options.weights'",
                       labelkit::invalid_argument);
  o.weights = {{1, 1.0}};
  o.annotated = {{0, 5}};
  CHECK_THROWS_AS(fuse_boxes(one, 1, o), labelkit::invalid_argument);
  BoxFusionOptions p;
  p.iou_threshold = 0;
  CHECK_THROWS_AS(fuse_boxes(one, 1, p), labelkit::invalid_argument);
  p.iou_threshold = 0.5;
  p.min_consensus = 1.5;
  CHECK_THROWS_AS(fuse_boxes(one, 1, p), labelkit::invalid_argument);
  CHECK_THROWS_AS(fuse_boxes(V{{0, 1, 0, 0, 1, -1, 0}}, 1), labelkit::invalid_argument);
  // Zero weights everywhere: equal-weight fusion, weighted consensus 0.
  BoxFusionOptions z;
  z.weights = {{1, 0.0}, {2, 0.0}};
  const auto r = fuse_boxes(V{{0, 1, 0, 0, 10, 10, 0}, {0, 2, 1, 1, 10, 10, 0}}, 1, z);
  REQUIRE(r.boxes.size() == 1);
  CHECK(r.boxes[0].x == 0.5);
  CHECK(r.boxes[0].weighted_consensus == 0.0);
}

namespace {

// Brute-force twin of fuse_boxes on one item and label: clusters as lists of boxes, the fused
// box recomputed from every member for every comparison (no cached state), visiting order
// computed by a plain selection of the next box.
std::vector<FusedBox> boxfus_twin(std::vector<BoxAnnotation> boxes,
                                  const std::map<labelkit::Index, double>& weight,
                                  double threshold) {
  std::vector<BoxAnnotation> order;
  while (!boxes.empty()) {
    std::size_t best = 0;
    for (std::size_t k = 1; k < boxes.size(); ++k) {
      const auto key = [&](const BoxAnnotation& b) {
        return std::tuple(-weight.at(b.annotator), b.annotator, b.x, b.y, b.width, b.height,
                          b.label);
      };
      if (key(boxes[k]) < key(boxes[best])) best = k;
    }
    order.push_back(boxes[best]);
    boxes.erase(boxes.begin() + static_cast<std::ptrdiff_t>(best));
  }
  const auto fuse = [&](const std::vector<BoxAnnotation>& members) {
    double sw = 0, x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    for (const auto& m : members) {
      const double w = weight.at(m.annotator);
      sw += w;
      x1 += w * m.x;
      y1 += w * m.y;
      x2 += w * (m.x + m.width);
      y2 += w * (m.y + m.height);
    }
    return BoxAnnotation{0, 0, x1 / sw, y1 / sw, x2 / sw - x1 / sw, y2 / sw - y1 / sw, 0};
  };
  std::vector<std::vector<BoxAnnotation>> clusters;
  for (const auto& b : order) {
    int chosen = -1;
    double best = -1;
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      bool mine = false;
      for (const auto& m : clusters[c]) mine = mine || m.annotator == b.annotator;
      const double iou = labelkit::box_iou(fuse(clusters[c]), b);
      if (!mine && iou >= threshold && iou > best) {
        best = iou;
        chosen = static_cast<int>(c);
      }
    }
    if (chosen < 0) {
      clusters.push_back({b});
    } else {
      clusters[static_cast<std::size_t>(chosen)].push_back(b);
    }
  }
  std::vector<FusedBox> out;
  for (const auto& c : clusters) {
    const auto f = fuse(c);
    FusedBox box{0, 0, f.x, f.y, f.width, f.height, 0, 0, {}};
    for (const auto& m : c) box.annotators.push_back(m.annotator);
    out.push_back(box);
  }
  return out;
}

}  // namespace

TEST_CASE("fuse_boxes equals a brute-force twin on random overlapping boxes and weights") {
  std::mt19937_64 rng(31337);
  std::uniform_real_distribution<double> pos(0, 20), size(4, 12), w(0.1, 3);
  for (int round = 0; round < 100; ++round) {
    std::vector<BoxAnnotation> s;
    std::map<labelkit::Index, double> weight;
    BoxFusionOptions o;
    o.iou_threshold = 0.2 + 0.1 * (round % 6);
    for (int annotator = 0; annotator < 4; ++annotator) {
      weight[annotator] = round % 3 == 0 ? 1.0 : w(rng);
      o.annotated.push_back({0, annotator});  // all four read the item
      o.weights.push_back({annotator, weight[annotator]});
      const int n = static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k)
        s.push_back({0, annotator, pos(rng), pos(rng), size(rng), size(rng), 0});
    }
    const auto r = fuse_boxes(s, 1, o);
    const auto twin = boxfus_twin(s, weight, o.iou_threshold);
    REQUIRE(r.boxes.size() == twin.size());
    for (std::size_t k = 0; k < twin.size(); ++k) {
      CHECK(r.boxes[k].annotators == twin[k].annotators);
      CHECK(r.boxes[k].x == doctest::Approx(twin[k].x).epsilon(1e-12));
      CHECK(r.boxes[k].y == doctest::Approx(twin[k].y).epsilon(1e-12));
      CHECK(r.boxes[k].width == doctest::Approx(twin[k].width).epsilon(1e-12));
      CHECK(r.boxes[k].height == doctest::Approx(twin[k].height).epsilon(1e-12));
      CHECK(r.boxes[k].consensus == doctest::Approx(twin[k].annotators.size() / 4.0));
    }
  }
}
