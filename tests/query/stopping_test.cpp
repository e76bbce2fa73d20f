#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/stopping.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "learner/test_models.hpp"

using labelkit::detail::cohen_kappa;
using Labels = std::vector<int>;

TEST_CASE("cohen_kappa: values from scikit-learn, and the degenerate case") {
  // sklearn.metrics.cohen_kappa_score on the same pairs: 0.5, 0.5, 0.4418604651162791.
  CHECK(cohen_kappa(Labels{0, 0, 1, 1}, Labels{0, 1, 1, 1}) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(cohen_kappa(Labels{0, 1, 2, 0, 1, 2}, Labels{0, 2, 1, 0, 1, 2}) ==
        doctest::Approx(0.5).epsilon(1e-15));
  CHECK(cohen_kappa(Labels{0, 1, 1, 2, 2, 2, 0, 1}, Labels{0, 1, 2, 2, 1, 2, 0, 0}) ==
        doctest::Approx(0.4418604651162791).epsilon(1e-14));
  CHECK(cohen_kappa(Labels{1, 0, 1}, Labels{1, 0, 1}) == 1.0);
  // Both use one class everywhere: p_e = 1; perfect agreement, kappa = 1 (scikit-learn: NaN).
  CHECK(cohen_kappa(Labels{3, 3, 3}, Labels{3, 3, 3}) == 1.0);
  CHECK(cohen_kappa(Labels{}, Labels{}) == 1.0);
  // Complete disagreement with balanced marginals: p_o = 0, p_e = 1/2 -> -1.
  CHECK(cohen_kappa(Labels{0, 1}, Labels{1, 0}) == -1.0);
}

TEST_CASE(
    "StabilizingPredictions: stops when the mean kappa over the window reaches the threshold") {
  labelkit::query::StabilizingPredictions<Eigen::MatrixXd> stop(Eigen::MatrixXd::Zero(4, 1), 0.99,
                                                                3);
  CHECK_FALSE(stop.observe(Labels{0, 1, 1, 0}));
  CHECK_FALSE(stop.observe(Labels{0, 1, 1, 1}));  // kappa 0.5
  CHECK_FALSE(stop.observe(Labels{0, 1, 1, 1}));  // 1
  CHECK_FALSE(stop.observe(Labels{0, 1, 1, 1}));  // 1: mean (0.5 + 1 + 1) / 3 < 0.99
  CHECK(stop.observe(Labels{0, 1, 1, 1}));        // 1, 1, 1
  REQUIRE(stop.kappas().size() == 4);
  CHECK(stop.kappas()[0] == doctest::Approx(0.5));
  CHECK(stop.should_stop());
  // A lower threshold fires as soon as the window is full.
  labelkit::query::StabilizingPredictions<Eigen::MatrixXd> loose(Eigen::MatrixXd::Zero(4, 1), 0.8,
                                                                 2);
  CHECK_FALSE(loose.observe(Labels{0, 0, 1, 1}));
  CHECK_FALSE(loose.observe(Labels{0, 0, 1, 1}));  // one kappa: window not full
  CHECK(loose.observe(Labels{0, 0, 1, 1}));
}

TEST_CASE("stopping criteria on an ActiveLearner loop") {
  labelkit::Random random(4);
  Eigen::MatrixXd x;
  Labels y;
  test_models::make_blobs(40, 3, random, x, y);
  labelkit::ActiveLearner learner(test_models::CentroidModel{}, x,
                                  labelkit::query::entropy_sampling, 5);
  learner.teach(std::vector<Eigen::Index>{0, 40, 80}, Labels{0, 1, 2});
  const Eigen::MatrixXd stop_set = x.topRows(30);
  auto stop = labelkit::query::stop_when_any(
      labelkit::query::StabilizingPredictions<Eigen::MatrixXd>(stop_set, 0.99, 3),
      labelkit::query::LabelBudget{60});
  int rounds = 0;
  while (true) {
    const auto ask = learner.query(3);
    Labels labels;
    for (const Eigen::Index i : ask) labels.push_back(y[static_cast<std::size_t>(i)]);
    learner.teach(ask, labels);
    ++rounds;
    if (stop(learner)) break;
  }
  // Separated blobs: the predictions stabilise long before the budget of 60 labels.
  CHECK(learner.pool().labeled_count() < 60);
  const auto& stable = std::get<0>(stop.criteria);
  REQUIRE(stable.kappas().size() >= 3);
  CHECK(stable.should_stop());
  CHECK(static_cast<int>(stable.kappas().size()) == rounds - 1);

  // Budget alone.
  CHECK(labelkit::query::LabelBudget{3}(learner));
  CHECK_FALSE(labelkit::query::LabelBudget{1000}(learner));
  // Confidence criteria on the learner: loose thresholds fire, impossible ones do not.
  CHECK(labelkit::query::MaxUncertaintyStop{std::log(3.0)}(learner));
  CHECK_FALSE(labelkit::query::MaxUncertaintyStop{-1.0}(learner));
  CHECK(labelkit::query::ExpectedErrorStop{1.0}(learner));
  CHECK_FALSE(labelkit::query::ExpectedErrorStop{0.0}(learner));
}

TEST_CASE("max-uncertainty and expected-error thresholds: hand-computed") {
  Eigen::MatrixXd p(2, 2);
  p << 0.9, 0.1, 0.6, 0.4;
  // Max entropy: H(0.6, 0.4) = 0.6730116670092565 nats; expected error: (0.1 + 0.4) / 2 = 0.25.
  CHECK(labelkit::query::MaxUncertaintyStop{0.674}.should_stop(p));
  CHECK_FALSE(labelkit::query::MaxUncertaintyStop{0.673}.should_stop(p));
  CHECK(labelkit::query::ExpectedErrorStop{0.25}.should_stop(p));
  CHECK_FALSE(labelkit::query::ExpectedErrorStop{0.2499}.should_stop(p));
  const Eigen::MatrixXf pf = p.cast<float>();
  CHECK(labelkit::query::ExpectedErrorStop{0.2501}.should_stop(pf));
  CHECK(labelkit::query::MaxUncertaintyStop{0.1}.should_stop(Eigen::MatrixXd(0, 2)));
  CHECK(labelkit::query::LabelBudget{10}.should_stop(10));
  CHECK_FALSE(labelkit::query::LabelBudget{10}.should_stop(9));
}

TEST_CASE("stopping: bad input names the argument") {
  using Stop = labelkit::query::StabilizingPredictions<Eigen::MatrixXd>;
  CHECK_THROWS_AS(Stop(Eigen::MatrixXd(0, 2)), labelkit::invalid_argument);
  CHECK_THROWS_AS(Stop(Eigen::MatrixXd::Zero(2, 2), 0.99, 0), labelkit::invalid_argument);
  CHECK_THROWS_AS(Stop(Eigen::MatrixXd::Zero(2, 2), 1.5), labelkit::invalid_argument);
  Stop stop(Eigen::MatrixXd::Zero(2, 1));
  CHECK_THROWS_WITH_AS(stop.observe(Labels{0}),
                       "labelkit: StabilizingPredictions::observe(): 'predictions' has 1 entries "
                       "but the stop set has 2 items",
                       labelkit::dimension_mismatch);
  CHECK_THROWS_WITH_AS(
      stop.observe(Labels{0, -1}),
      "labelkit: StabilizingPredictions::observe(): 'predictions' entry 1 is negative (got -1)",
      labelkit::invalid_argument);
  Eigen::MatrixXd bad(1, 2);
  bad << 0.5, 0.6;
  CHECK_THROWS_AS((void)labelkit::query::ExpectedErrorStop{}.should_stop(bad),
                  labelkit::invalid_argument);
}
