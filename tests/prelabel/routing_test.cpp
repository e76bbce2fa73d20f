#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <optional>
#include <set>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/prelabel/acceptance.hpp"
#include "labelkit/prelabel/routing.hpp"

using labelkit::prelabel::Outcome;
using labelkit::prelabel::PreLabel;
using labelkit::prelabel::ReviewedItem;
using labelkit::prelabel::Router;

TEST_CASE("Router: global, per-class and review-all thresholds") {
  const Router global(0.8);
  CHECK(global.route(PreLabel{2, 0.8, {}, {}, {}}) == Outcome::auto_accepted);  // inclusive
  CHECK(global.route(PreLabel{2, 0.79, {}, {}, {}}) == Outcome::needs_review);
  CHECK(global.route(PreLabel{-1, 1.0, {}, {}, {}}) == Outcome::needs_review);  // no answer
  CHECK(global.route(PreLabel{0, 1.0, {}, {}, "timeout"}) == Outcome::needs_review);
  CHECK(global.n_classes() == 0);

  const Router per_class(std::vector<std::optional<double>>{0.5, std::nullopt, 1.0});
  CHECK(per_class.route(PreLabel{0, 0.5, {}, {}, {}}) == Outcome::auto_accepted);
  CHECK(per_class.route(PreLabel{1, 1.0, {}, {}, {}}) == Outcome::needs_review);  // disabled
  CHECK(per_class.route(PreLabel{2, 0.999, {}, {}, {}}) == Outcome::needs_review);
  CHECK(per_class.route(PreLabel{2, 1.0, {}, {}, {}}) == Outcome::auto_accepted);
  CHECK(per_class.n_classes() == 3);
  CHECK(per_class.threshold(1) == std::nullopt);

  CHECK(Router::review_all().route(PreLabel{0, 1.0, {}, {}, {}}) == Outcome::needs_review);
  CHECK(Router(0.0).route(PreLabel{0, 0.0, {}, {}, {}}) == Outcome::auto_accepted);
  CHECK(labelkit::prelabel::to_string(Outcome::needs_review) == "needs_review");
}

TEST_CASE("Router rejects thresholds outside [0, 1]") {
  CHECK_THROWS_WITH_AS(Router(1.5), "labelkit: Router(): 'threshold' is outside [0, 1] (got 1.5)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(Router(-0.1), labelkit::error);
  CHECK_THROWS_AS(Router(std::nan("")), labelkit::error);
  CHECK_THROWS_WITH_AS(Router(std::vector<double>{0.5, 2.0}),
                       "labelkit: Router(): 'per_class' entry 1 is outside [0, 1] (got 2)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(Router(std::vector<double>{}), labelkit::invalid_argument);
}

namespace {

// Brute-force twin of choose_threshold: try every distinct confidence as a threshold, keep the
// qualifying one with the most accepted items (the lowest threshold among equals).
labelkit::prelabel::ThresholdChoice brute_force(const std::vector<ReviewedItem>& reviewed,
                                                double target, Eigen::Index min_accepted) {
  std::set<double> candidates;
  for (const auto& r : reviewed) {
    if (r.predicted >= 0) candidates.insert(r.confidence);
  }
  labelkit::prelabel::ThresholdChoice best;
  best.considered = static_cast<Eigen::Index>(reviewed.size());
  for (const double t : candidates) {
    Eigen::Index accepted = 0, correct = 0;
    for (const auto& r : reviewed) {
      if (r.predicted >= 0 && r.confidence >= t) {
        ++accepted;
        if (r.correct()) ++correct;
      }
    }
    const bool ok = accepted >= min_accepted &&
                    static_cast<double>(correct) >= target * static_cast<double>(accepted);
    if (ok && (!best.threshold || accepted > best.accepted)) {
      best.threshold = t;
      best.accepted = accepted;
      best.correct = correct;
    }
  }
  return best;
}

}  // namespace

TEST_CASE("choose_threshold on a hand example") {
  // Sorted by confidence: 0.99 right, 0.95 right, 0.9 wrong, 0.9 right, 0.8 right, 0.6 wrong.
  const std::vector<ReviewedItem> reviewed{{0, 0.9, 1},  {1, 0.99, 1}, {0, 0.6, 1}, {-1, 0.0, 0},
                                           {2, 0.95, 2}, {0, 0.9, 0},  {1, 0.8, 1}};
  // Prefix precisions: 1/1, 2/2, (t=0.9) 3/4, (t=0.8) 4/5, (t=0.6) 4/6.
  auto choice = labelkit::prelabel::choose_threshold(reviewed, 0.8);
  REQUIRE(choice.threshold);
  CHECK(*choice.threshold == 0.8);
  CHECK(choice.accepted == 5);
  CHECK(choice.precision() == doctest::Approx(0.8));
  CHECK(choice.coverage() == doctest::Approx(5.0 / 7.0));
  choice = labelkit::prelabel::choose_threshold(reviewed, 0.98);
  CHECK(*choice.threshold == 0.95);
  // min_accepted: a precise but tiny prefix does not count.
  choice = labelkit::prelabel::choose_threshold(reviewed, 0.98, 3);
  CHECK_FALSE(choice.threshold);
  CHECK(choice.accepted == 0);
  CHECK(choice.precision() == 1.0);
  CHECK(choice.coverage() == 0.0);
  CHECK_THROWS_AS((void)labelkit::prelabel::choose_threshold(reviewed, 1.01), labelkit::error);
  CHECK_THROWS_AS((void)labelkit::prelabel::choose_threshold(reviewed, 0.9, 0), labelkit::error);
  const std::vector<ReviewedItem> bad{{0, 1.5, 0}};
  CHECK_THROWS_WITH((void)labelkit::prelabel::choose_threshold(bad, 0.9),
                    "labelkit: choose_threshold(): 'reviewed' record 0 has confidence outside "
                    "[0, 1] (got 1.5)");
}

TEST_CASE("choose_threshold agrees with brute force on random reviewed sets") {
  labelkit::Random random(17);
  for (int trial = 0; trial < 200; ++trial) {
    const auto n = 1 + random.uniform_index(60);
    std::vector<ReviewedItem> reviewed;
    for (std::uint64_t i = 0; i < n; ++i) {
      const double confidence = static_cast<double>(random.uniform_index(21)) / 20.0;
      const int truth = static_cast<int>(random.uniform_index(3));
      int predicted =
          random.uniform01() < confidence ? truth : static_cast<int>(random.uniform_index(3));
      if (random.uniform01() < 0.05) predicted = -1;
      reviewed.push_back({predicted, confidence, truth});
    }
    const double target = 0.5 + 0.5 * random.uniform01();
    const auto min_accepted = static_cast<Eigen::Index>(1 + random.uniform_index(5));
    const auto fast = labelkit::prelabel::choose_threshold(reviewed, target, min_accepted);
    const auto slow = brute_force(reviewed, target, min_accepted);
    CHECK(fast.threshold == slow.threshold);
    CHECK(fast.accepted == slow.accepted);
    CHECK(fast.correct == slow.correct);
    if (fast.threshold) CHECK(fast.precision() >= target);
  }
}

TEST_CASE("choose_class_thresholds: each class reaches the target, so the union does") {
  // Class 0 is reliable above 0.6, class 1 only at 0.95, class 2 never.
  std::vector<ReviewedItem> reviewed;
  for (int k = 0; k < 10; ++k) reviewed.push_back({0, 0.6 + 0.03 * k, 0});
  reviewed.push_back({0, 0.55, 1});
  for (int k = 0; k < 5; ++k) reviewed.push_back({1, 0.95, 1});
  for (int k = 0; k < 5; ++k) reviewed.push_back({1, 0.9, 0});
  for (int k = 0; k < 4; ++k) reviewed.push_back({2, 0.99, 0});
  const auto plan = labelkit::prelabel::choose_class_thresholds(reviewed, 3, 0.95);
  REQUIRE(plan.per_class.size() == 3);
  CHECK(*plan.router.threshold(0) == doctest::Approx(0.6));
  CHECK(*plan.router.threshold(1) == doctest::Approx(0.95));
  CHECK_FALSE(plan.router.threshold(2));
  CHECK(plan.accepted == 15);
  CHECK(plan.correct == 15);
  CHECK(plan.coverage() == doctest::Approx(15.0 / 25.0));
  CHECK(plan.precision() == 1.0);
  // One global threshold reaching 95% covers less here (class 2's confident errors sit on top).
  const auto global = labelkit::prelabel::choose_threshold(reviewed, 0.95);
  CHECK_FALSE(global.threshold);
  CHECK_THROWS_AS((void)labelkit::prelabel::choose_class_thresholds(reviewed, 2, 0.95),
                  labelkit::invalid_argument);  // predicted label 2 out of range
}

// ---------------------------------------------------------------------------------------------
// Acceptance tracking

TEST_CASE("acceptance_report: accept rate, confusion and effort saved") {
  const std::vector<ReviewedItem> reviewed{{0, 0.9, 0}, {0, 0.8, 0},  {0, 0.7, 1}, {1, 0.6, 1},
                                           {1, 0.9, 2}, {-1, 0.0, 2}, {2, 0.5, 2}};
  labelkit::prelabel::EffortModel effort;
  effort.label = 30.0;    // seconds from scratch
  effort.confirm = 8.0;   // seconds to accept a suggestion
  effort.correct = 35.0;  // seconds to reject and relabel
  const auto report = labelkit::prelabel::acceptance_report(reviewed, 3, 10, effort);
  CHECK(report.reviewed == 7);
  CHECK(report.accepted == 4);
  CHECK(report.corrected == 2);
  CHECK(report.no_answer == 1);
  CHECK(report.auto_accepted == 10);
  CHECK(report.accept_rate() == doctest::Approx(4.0 / 6.0));
  CHECK(report.confusion.rows() == 4);
  CHECK(report.confusion(0, 0) == 2);
  CHECK(report.confusion(0, 1) == 1);
  CHECK(report.confusion(1, 2) == 1);
  CHECK(report.confusion(3, 2) == 1);  // no-answer row
  CHECK(report.confusion.sum() == 7);
  CHECK(report.per_class[0].precision() == doctest::Approx(2.0 / 3.0));
  CHECK(report.per_class[2].recall() == doctest::Approx(1.0 / 3.0));
  // without = 17 * 30 = 510; with = 4*8 + 2*35 + 1*30 + 10*0 = 132.
  CHECK(report.effort_without == doctest::Approx(510.0));
  CHECK(report.effort_with == doctest::Approx(132.0));
  CHECK(report.effort_saved() == doctest::Approx(378.0));
  CHECK(report.effort_saved_fraction() == doctest::Approx(378.0 / 510.0));

  // The tracker gives the same report.
  labelkit::prelabel::AcceptanceTracker tracker(3);
  for (const auto& r : reviewed) tracker.record(r.predicted, r.confidence, r.final_label);
  tracker.add_auto_accepted(10);
  const auto again = tracker.report(effort);
  CHECK(again.effort_with == report.effort_with);
  CHECK(again.confusion == report.confusion);
  CHECK(tracker.reviewed().size() == 7);
  tracker.record(PreLabel{-1, 0.0, {}, {}, "parse error"}, 1);
  CHECK(tracker.report().no_answer == 2);
}

TEST_CASE("acceptance_report: bad pre-labels cost more than they save") {
  const std::vector<ReviewedItem> reviewed{{0, 0.9, 1}, {1, 0.9, 0}};
  const auto report = labelkit::prelabel::acceptance_report(reviewed, 2);
  CHECK(report.accept_rate() == 0.0);
  CHECK(report.effort_saved() < 0.0);
  CHECK(labelkit::prelabel::acceptance_report({}, 2).effort_saved_fraction() == 0.0);
}

TEST_CASE("acceptance tracking validates its input") {
  const std::vector<ReviewedItem> bad{{0, 0.9, 3}};
  CHECK_THROWS_WITH_AS((void)labelkit::prelabel::acceptance_report(bad, 3),
                       "labelkit: acceptance_report(): 'reviewed' record 0 has final label 3 "
                       "(expected 0 <= final_label < 3)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS((void)labelkit::prelabel::acceptance_report({}, 0), labelkit::error);
  CHECK_THROWS_AS((void)labelkit::prelabel::acceptance_report({}, 2, -1), labelkit::error);
  labelkit::prelabel::EffortModel negative;
  negative.confirm = -1.0;
  CHECK_THROWS_AS((void)labelkit::prelabel::acceptance_report({}, 2, 0, negative), labelkit::error);
  labelkit::prelabel::AcceptanceTracker tracker(2);
  CHECK_THROWS_AS(tracker.record(0, 1.5, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(tracker.record(2, 0.5, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(tracker.add_auto_accepted(-3), labelkit::invalid_argument);
  CHECK_THROWS_AS(labelkit::prelabel::AcceptanceTracker(0), labelkit::invalid_argument);
}
