// Stream-based selective sampling: ask-or-skip per arriving item. Every expected decision below
// is traced by hand from the rule in the header.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/query/stream_sampling.hpp"
#include "labelkit/query/uncertainty.hpp"

using labelkit::query::StreamSampler;
using labelkit::query::StreamSamplingOptions;
using labelkit::query::StreamThreshold;
using Indices = std::vector<Eigen::Index>;

TEST_CASE("fixed threshold: modAL's stream example asks when least confidence >= 0.4") {
  // modAL examples/stream-based_sampling.py: `if classifier_uncertainty(learner, X) >= 0.4`,
  // classifier_uncertainty being 1 - max probability (labelkit's least_confidence).
  Eigen::MatrixXd p(4, 2);
  p << 0.5, 0.5, 0.7, 0.3, 0.6, 0.4, 0.95, 0.05;
  const Eigen::VectorXd u = labelkit::query::least_confidence(p);  // 0.5 0.3 0.4 0.05
  StreamSampler sampler({.rule = StreamThreshold::fixed, .threshold = 0.4});
  CHECK(sampler.offer_all(u) == Indices{0, 2});
  CHECK(sampler.seen() == 4);
  CHECK(sampler.asked() == 2);
  CHECK(sampler.threshold() == 0.4);
}

TEST_CASE("window label budget: at most `budget` asks in any `window` arrivals") {
  StreamSampler sampler(
      {.rule = StreamThreshold::fixed, .threshold = 0.0, .window = 3, .budget = 1});
  const Eigen::VectorXd u = Eigen::VectorXd::Ones(8);
  CHECK(sampler.offer_all(u) == Indices{0, 3, 6});
  StreamSampler two({.rule = StreamThreshold::fixed, .threshold = 0.0, .window = 4, .budget = 2});
  CHECK(two.offer_all(u) == Indices{0, 1, 4, 5});
  StreamSampler three({.threshold = 0.5, .window = 3, .budget = 1});
  const auto d0 = three.decide(0.9);
  const auto d1 = three.decide(0.8);
  CHECK(d0.ask);
  CHECK_FALSE(d1.ask);
  CHECK(d1.budget_spent);
  CHECK_FALSE(three.decide(0.1).budget_spent);  // not wanted: not a budget skip
}

TEST_CASE("adaptive threshold (Zliobaite et al. 2014, variable uncertainty)") {
  // theta 0.5, step 0.1: ask 0.6 (theta -> 0.55), ask 0.6 (-> 0.605), skip 0.6 (-> 0.5445),
  // skip 0.2 (-> 0.49005), ask 0.5 (-> 0.539055).
  StreamSampler sampler({.rule = StreamThreshold::adaptive, .threshold = 0.5, .step = 0.1});
  const Eigen::VectorXd u = (Eigen::VectorXd(5) << 0.6, 0.6, 0.6, 0.2, 0.5).finished();
  CHECK(sampler.offer_all(u) == Indices{0, 1, 4});
  CHECK(sampler.threshold() == doctest::Approx(0.539055).epsilon(1e-12));
  // A budget skip leaves theta unchanged.
  StreamSampler capped({.rule = StreamThreshold::adaptive,
                        .threshold = 0.5,
                        .step = 0.1,
                        .window = 10,
                        .budget = 1});
  CHECK(capped.offer(0.9));  // theta -> 0.55
  const auto d = capped.decide(0.9);
  CHECK_FALSE(d.ask);
  CHECK(d.budget_spent);
  CHECK(capped.threshold() == doctest::Approx(0.55));
  CHECK_FALSE(capped.offer(0.1));  // a real skip lowers it: 0.495
  CHECK(capped.threshold() == doctest::Approx(0.495));
}

TEST_CASE("budgeted: ask the items among the `budget` highest of the last `window` scores") {
  // window 4, budget 1: t0 0.2 (alone: ask); t1 0.5 (highest, but t0's ask fills the budget);
  // t2 0.4 (0.5 is higher: skip); t3 0.1 (skip); t4 0.9 (highest of 0.5 0.4 0.1 0.9, and t0
  // has left the window: ask); t5 0.3 (skip).
  StreamSampler sampler({.rule = StreamThreshold::budgeted, .window = 4, .budget = 1});
  const Eigen::VectorXd u = (Eigen::VectorXd(6) << 0.2, 0.5, 0.4, 0.1, 0.9, 0.3).finished();
  CHECK(sampler.offer_all(u) == Indices{0, 4});
  // The scale of the scores does not matter, only their ranks.
  StreamSampler scaled({.rule = StreamThreshold::budgeted, .window = 4, .budget = 1});
  CHECK(scaled.offer_all((1000.0 * u).eval()) == Indices{0, 4});
  // Over a long stream of distinct scores the asked fraction stays at or under budget/window.
  StreamSampler long_run({.rule = StreamThreshold::budgeted, .window = 20, .budget = 2});
  Eigen::VectorXd wave(2000);
  for (Eigen::Index i = 0; i < wave.size(); ++i) wave(i) = std::sin(0.37 * static_cast<double>(i));
  const auto asked = long_run.offer_all(wave);
  CHECK(asked.size() <= 2000 / 20 * 2 + 2);
  CHECK(asked.size() >= 50);
}

TEST_CASE("StreamSampler refuses bad options and NaN scores") {
  CHECK_THROWS_AS(StreamSampler({.threshold = std::nan("")}), labelkit::invalid_argument);
  CHECK_THROWS_AS(StreamSampler({.rule = StreamThreshold::adaptive, .threshold = 0.0}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(StreamSampler({.step = 1.0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(StreamSampler({.window = 5, .budget = 0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(StreamSampler({.window = 5, .budget = 6}), labelkit::invalid_argument);
  CHECK_THROWS_AS(StreamSampler({.rule = StreamThreshold::budgeted}), labelkit::invalid_argument);
  StreamSampler sampler;
  CHECK_THROWS_WITH_AS(sampler.offer(std::nan("")),
                       "labelkit: StreamSampler::offer(): 'score' is NaN (item 0 of the stream)",
                       labelkit::invalid_argument);
  CHECK(sampler.seen() == 0);
}
