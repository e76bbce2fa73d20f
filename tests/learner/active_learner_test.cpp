#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <set>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/query/error_reduction.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "test_models.hpp"

using Ids = std::vector<Eigen::Index>;
using test_models::line_features;
using test_models::NearestCentroid;

TEST_CASE("query -> teach: uncertainty sampling asks for the item on the boundary first") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::entropy_sampling, 1);
  learner.teach(Ids{0, 10}, {0, 1});
  CHECK(learner.fitted());
  CHECK(learner.model().fit_calls == 1);
  const Ids first = learner.query(1);
  CHECK(first == Ids{5});  // x = 0, equidistant from both centroids
  const Ids three = learner.query(3);
  CHECK(three == Ids{5, 4, 6});  // 4 and 6 tie in entropy: the lower id first
  learner.teach(three, {1, 0, 1});
  CHECK(learner.model().fit_calls == 2);
  CHECK(learner.model().last_fit_rows == 5);
  CHECK(learner.pool().labeled() == Ids{0, 10, 5, 4, 6});
  CHECK(learner.pool().label(5) == 1);
}

TEST_CASE("strategies are values: a lambda works, and its result is checked") {
  auto farthest_right = [](const auto& context, Eigen::Index k) {
    Ids ids(context.unlabeled.begin(), context.unlabeled.end());
    std::reverse(ids.begin(), ids.end());
    ids.resize(
        static_cast<std::size_t>(std::min<Eigen::Index>(k, static_cast<Eigen::Index>(ids.size()))));
    return ids;
  };
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(), farthest_right);
  learner.teach(Ids{0}, {0});
  CHECK(learner.query(2) == Ids{10, 9});

  auto returns_labeled = [](const auto&, Eigen::Index) { return Ids{0}; };
  labelkit::ActiveLearner bad(NearestCentroid{}, line_features(), returns_labeled);
  bad.teach(Ids{0}, {0});
  CHECK_THROWS_WITH(bad.query(1),
                    doctest::Contains("item 0 at position 0, which is already labeled"));

  auto returns_twice = [](const auto&, Eigen::Index) { return Ids{3, 3}; };
  labelkit::ActiveLearner twice(NearestCentroid{}, line_features(), returns_twice);
  twice.teach(Ids{0}, {0});
  CHECK_THROWS_WITH(twice.query(2), doctest::Contains("returned item 3 twice"));
  CHECK_THROWS_WITH(twice.query(1), doctest::Contains("returned 2 items but k = 1"));
}

TEST_CASE("query before any label, bad teach calls, and k edge cases") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::margin_sampling);
  CHECK_THROWS_AS(learner.query(1), labelkit::state_error);
  CHECK_THROWS_AS(learner.refit(), labelkit::state_error);
  CHECK_THROWS_AS(learner.teach(Ids{0, 1}, {0}), labelkit::dimension_mismatch);
  CHECK_THROWS_WITH(learner.teach(Ids{0, 11}, {0, 1}),
                    doctest::Contains("'items' entry 1 is out of range (got 11"));
  CHECK_THROWS_WITH(learner.teach(Ids{2, 2}, {0, 1}), doctest::Contains("repeats item 2"));
  CHECK_THROWS_WITH(learner.teach(Ids{2}, {-1}), doctest::Contains("'labels' entry 0 is negative"));
  CHECK(learner.pool().labeled_count() == 0);  // nothing recorded by a refused call
  learner.teach(Ids{0, 10}, {0, 1});
  CHECK(learner.query(0).empty());
  CHECK(learner.query(100).size() == 9);  // all unlabeled
  CHECK_THROWS_AS(learner.query(-1), labelkit::invalid_argument);
  CHECK_THROWS_AS(labelkit::ActiveLearner(NearestCentroid{}, Eigen::MatrixXd(0, 1),
                                          labelkit::query::margin_sampling),
                  labelkit::invalid_argument);
}

TEST_CASE("teach without refit, then refit once") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::ratio_sampling);
  learner.teach(Ids{0}, {0}, labelkit::Refit::no);
  learner.teach(Ids{10}, {1}, labelkit::Refit::no);
  CHECK_FALSE(learner.fitted());
  learner.refit();
  CHECK(learner.model().fit_calls == 1);
  CHECK(learner.query(1) == Ids{5});
}

TEST_CASE("random sampling is reproducible from the learner seed") {
  auto run = [](std::uint64_t seed) {
    labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                    labelkit::query::random_sampling, seed);
    learner.teach(Ids{0}, {0});
    Ids all = learner.query(3);
    const Ids more = learner.query(3);
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}

TEST_CASE("simulate records a learning curve, and its area is the mean accuracy") {
  // Two Gaussian-ish clusters in 2-D built deterministically.
  const Eigen::Index n = 200;
  Eigen::MatrixXd x(n, 2);
  std::vector<int> y(static_cast<std::size_t>(n));
  labelkit::Random random(3);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    x(i, 0) = (label == 0 ? -1.0 : 1.0) + 0.8 * random.normal();
    x(i, 1) = 0.8 * random.normal();
    y[static_cast<std::size_t>(i)] = label;
  }
  const Eigen::MatrixXd pool = x.topRows(150);
  const Eigen::MatrixXd test = x.bottomRows(50);
  const std::vector<int> pool_y(y.begin(), y.begin() + 150);
  const std::vector<int> test_y(y.begin() + 150, y.end());
  labelkit::SimulationOptions options;
  options.initial_labels = 4;
  options.batch_size = 5;
  options.budget = 29;
  options.seed = 11;
  int progress_calls = 0;
  options.progress = [&](const labelkit::LearningCurvePoint&) { ++progress_calls; };
  const auto curve = labelkit::simulate(NearestCentroid{}, pool, pool_y, test, test_y,
                                        labelkit::query::margin_sampling, options);
  REQUIRE(curve.points.size() == 6);  // 4, 9, 14, 19, 24, 29
  CHECK(progress_calls == 6);
  CHECK(curve.points.front().labels == 4);
  CHECK(curve.points.back().labels == 29);
  for (const auto& p : curve.points) CHECK((p.accuracy >= 0.0 && p.accuracy <= 1.0));
  CHECK(curve.points.back().accuracy > 0.75);
  const auto again = labelkit::simulate(NearestCentroid{}, pool, pool_y, test, test_y,
                                        labelkit::query::margin_sampling, options);
  CHECK(again.area() == curve.area());  // deterministic

  labelkit::LearningCurve flat{{{10, 0.5}, {20, 0.5}, {40, 0.5}}};
  CHECK(flat.area() == doctest::Approx(0.5));
  labelkit::LearningCurve ramp{{{0, 0.0}, {10, 1.0}}};
  CHECK(ramp.area() == doctest::Approx(0.5));

  options.budget = 151;
  CHECK_THROWS_WITH(
      (void)labelkit::simulate(NearestCentroid{}, pool, pool_y, test, test_y,
                               labelkit::query::margin_sampling, options),
      doctest::Contains("'budget' must lie in [initial_labels, pool size] = [4, 150]"));
}

TEST_CASE("accuracy uses the argmax with ties to the lower class") {
  Eigen::MatrixXd p(3, 2);
  p << 0.5, 0.5, 0.2, 0.8, 0.9, 0.1;
  CHECK(labelkit::accuracy(p, std::vector<int>{0, 1, 1}) == doctest::Approx(2.0 / 3));
  CHECK_THROWS_AS((void)labelkit::accuracy(p, std::vector<int>{0}), labelkit::dimension_mismatch);
}

TEST_CASE("the context carries the labels of the labeled items, in labeling order") {
  std::vector<int> seen;
  auto record_labels = [&](const auto& context, Eigen::Index k) {
    seen.assign(context.labels.begin(), context.labels.end());
    CHECK(context.labels.size() == context.labeled.size());
    return labelkit::query::random_sampling(context, k);
  };
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(), record_labels);
  learner.teach(Ids{10, 0, 3}, {1, 0, 0});
  (void)learner.query(1);
  CHECK(seen == std::vector<int>{1, 0, 0});

  // Expected error reduction needs those labels to refit copies of the model.
  labelkit::query::ExpectedErrorReduction eer;
  eer.options.candidates = 5;
  eer.options.evaluation = 8;
  labelkit::ActiveLearner eer_learner(NearestCentroid{}, line_features(), eer, 3);
  eer_learner.teach(Ids{0, 10}, {0, 1});
  const Ids picked = eer_learner.query(2);
  CHECK(picked.size() == 2);
  for (const auto id : picked) CHECK_FALSE(eer_learner.pool().is_labeled(id));
}
