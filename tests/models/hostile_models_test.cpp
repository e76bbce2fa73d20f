// Hostile labels for the reference models and the loop: one label of 2^31 - 1 used to make the
// models size their class tables from it (16 GiB zero-filled). Every class count that comes from
// a label is now bounded by labelkit::max_classes.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <climits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/models/naive_bayes.hpp"
#include "labelkit/query/bagging.hpp"
#include "labelkit/query/stopping.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

using labelkit::models::GaussianNaiveBayes;
using labelkit::models::LogisticRegression;

namespace {

Eigen::MatrixXd small_features() {
  Eigen::MatrixXd x(4, 2);
  x << 0.0, 0.0, 1.0, 0.5, 3.0, 3.0, 4.0, 2.5;
  return x;
}

}  // namespace

TEST_CASE("LogisticRegression refuses a label of 2^31 - 1 before allocating") {
  LogisticRegression model(1.0);
  const std::vector<int> labels{0, 1, INT_MAX, 0};
  CHECK_THROWS_WITH_AS(model.fit(small_features(), labels),
                       "labelkit: LogisticRegression::fit(): 'labels' has a label out of range at "
                       "row 2 (got 2147483647, expected label < labelkit::max_classes = 65536)",
                       labelkit::invalid_argument);
  CHECK_FALSE(model.is_fitted());
  // The largest label the limit allows still fits (65,536 columns, 2 present classes).
  const std::vector<int> edge{0, 0, 65535, 65535};
  model.fit(small_features(), edge);
  CHECK(model.n_classes() == 65536);
  CHECK(model.classes() == std::vector<int>{0, 65535});
}

TEST_CASE("LogisticRegression refuses n_classes beyond max_classes") {
  labelkit::models::LogisticRegressionOptions options;
  options.n_classes = INT_MAX;
  CHECK_THROWS_WITH_AS(LogisticRegression(1.0, options),
                       "labelkit: LogisticRegression(): 'n_classes' must be in [1, 65536] (got "
                       "2147483647; the limit is labelkit::max_classes)",
                       labelkit::invalid_argument);
  LogisticRegression model(1.0);
  CHECK_THROWS_AS(model.set_n_classes(labelkit::max_classes + 1), labelkit::invalid_argument);
  CHECK_NOTHROW(model.set_n_classes(0));
}

TEST_CASE("GaussianNaiveBayes refuses a label of 2^31 - 1 and n_classes beyond the limit") {
  GaussianNaiveBayes model;
  const std::vector<int> labels{INT_MAX, 1, 0, 0};
  CHECK_THROWS_WITH_AS(model.fit(small_features(), labels),
                       "labelkit: GaussianNaiveBayes::fit(): 'labels' has a label out of range at "
                       "row 0 (got 2147483647, expected label < labelkit::max_classes = 65536)",
                       labelkit::invalid_argument);
  labelkit::models::GaussianNaiveBayesOptions options;
  options.n_classes = Eigen::Index{1} << 40;
  CHECK_THROWS_AS(GaussianNaiveBayes{options}, labelkit::invalid_argument);
}

TEST_CASE("ActiveLearner::teach refuses a label of 2^31 - 1 and records nothing") {
  labelkit::ActiveLearner learner(LogisticRegression(1.0), small_features(),
                                  labelkit::query::entropy_sampling, 7);
  learner.teach({0, 3}, {0, 1});
  CHECK_THROWS_WITH_AS(learner.teach({1}, {INT_MAX}),
                       "labelkit: ActiveLearner::teach(): 'labels' entry 0 is out of range (got "
                       "2147483647, expected label < labelkit::max_classes = 65536)",
                       labelkit::invalid_argument);
  CHECK(learner.pool().labeled_count() == 2);
  CHECK_FALSE(learner.pool().is_labeled(1));
  CHECK(learner.model().n_classes() == 2);
}

TEST_CASE("BaggingCommittee refuses a label of 2^31 - 1 and a class count beyond the limit") {
  auto factory = [] { return LogisticRegression(1.0); };
  labelkit::query::BaggingCommittee committee(factory, 3, 1);
  const std::vector<int> labels{0, 1, INT_MAX, 0};
  CHECK_THROWS_WITH_AS(committee.fit(small_features(), labels),
                       "labelkit: BaggingCommittee::fit(): 'labels' entry 2 is out of range (got "
                       "2147483647, expected label < labelkit::max_classes = 65536)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(labelkit::query::BaggingCommittee(factory, 3, 1, Eigen::Index{INT_MAX}),
                  labelkit::invalid_argument);
}

TEST_CASE("StabilizingPredictions::observe refuses a class of 2^31 - 1") {
  labelkit::query::StabilizingPredictions<Eigen::MatrixXd> stop(small_features());
  const std::vector<int> predictions{0, 1, INT_MAX, 0};
  CHECK_THROWS_WITH_AS(stop.observe(predictions),
                       "labelkit: StabilizingPredictions::observe(): 'predictions' entry 2 is out "
                       "of range (got 2147483647, expected class < labelkit::max_classes = 65536)",
                       labelkit::invalid_argument);
}
