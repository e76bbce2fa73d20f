#pragma once
/// @file
/// Simulated active learning: replay a labeled data set as the oracle, record the learning
/// curve (labels used vs held-out accuracy) and its area, to compare strategies against the
/// random baseline before spending real annotation budget.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/learner/active_learner.hpp"

LABELKIT_BEGIN_NAMESPACE

/// One point of a learning curve.
struct LearningCurvePoint {
  Eigen::Index labels;  ///< Labeled items the model was trained on.
  double accuracy;      ///< Accuracy on the held-out set.
};

/// Accuracy against the number of labels, with its area.
struct LearningCurve {
  std::vector<LearningCurvePoint> points;  ///< One point per fit, in increasing label count.

  /// Area under the curve by the trapezoid rule over the labels axis, divided by the width of
  /// that axis: the mean accuracy over the budget, in [0, 1], comparable across strategies run
  /// with the same protocol. A single point gives its accuracy.
  [[nodiscard]] double area() const {
    if (points.empty()) return 0.0;
    if (points.size() == 1) return points.front().accuracy;
    double area = 0.0;
    for (std::size_t i = 1; i < points.size(); ++i) {
      const auto width = static_cast<double>(points[i].labels - points[i - 1].labels);
      area += width * 0.5 * (points[i].accuracy + points[i - 1].accuracy);
    }
    const auto span = static_cast<double>(points.back().labels - points.front().labels);
    return span > 0 ? area / span : points.back().accuracy;
  }
};

/// The protocol of one simulated run.
struct SimulationOptions {
  Eigen::Index initial_labels = 20;  ///< Seed set size, drawn uniformly at random.
  Eigen::Index batch_size = 10;      ///< Items queried per round.
  Eigen::Index budget = 300;         ///< Total labels to reach (seed set included).
  std::uint64_t seed = 0;            ///< Drives the seed set and the strategy's random choices.
  /// Called after each round with the newest point (e.g. to print a progress line).
  std::function<void(const LearningCurvePoint&)> progress;
};

/// Accuracy of `probabilities` (n x C, rows are items) against `labels`: the fraction of rows
/// whose argmax (ties to the lower class) equals the label.
/// @throws labelkit::dimension_mismatch if the row count differs from labels.size().
template <class Derived>
[[nodiscard]] double accuracy(const Eigen::MatrixBase<Derived>& probabilities,
                              std::span<const int> labels) {
  if (probabilities.rows() != static_cast<Eigen::Index>(labels.size())) {
    detail::fail<dimension_mismatch>("accuracy", "'probabilities' has ", probabilities.rows(),
                                     " rows but 'labels' has ", labels.size(), " entries");
  }
  if (labels.empty()) return 0.0;
  std::size_t correct = 0;
  for (Eigen::Index i = 0; i < probabilities.rows(); ++i) {
    Eigen::Index best = 0;
    probabilities.row(i).maxCoeff(&best);  // first maximum: ties go to the lower class
    if (best == labels[static_cast<std::size_t>(i)]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

/// Runs active learning with `strategy` on a pool whose true labels are known (the oracle):
/// a random seed set of `initial_labels` items, then rounds of `batch_size` queries until
/// `budget` labels, recording held-out accuracy after every fit. The model is copied, so one
/// configured model serves many runs. Cost: (budget - initial) / batch_size fits and queries.
///
/// @throws labelkit::dimension_mismatch if features and labels disagree in length;
///         labelkit::invalid_argument if initial_labels < 1, batch_size < 1, budget <
///         initial_labels, or budget exceeds the pool.
template <class M, class X, class S>
requires Model<M, X> && query::QueryStrategy<S, M, X>
[[nodiscard]] LearningCurve simulate(const M& model, const X& pool_features,
                                     std::span<const int> pool_labels, const X& test_features,
                                     std::span<const int> test_labels, const S& strategy,
                                     const SimulationOptions& options = {}) {
  const Eigen::Index n = row_count(pool_features);
  if (n != static_cast<Eigen::Index>(pool_labels.size())) {
    detail::fail<dimension_mismatch>("simulate", "'pool_features' has ", n,
                                     " rows but 'pool_labels' has ", pool_labels.size());
  }
  if (row_count(test_features) != static_cast<Eigen::Index>(test_labels.size())) {
    detail::fail<dimension_mismatch>("simulate", "'test_features' has ", row_count(test_features),
                                     " rows but 'test_labels' has ", test_labels.size());
  }
  if (options.initial_labels < 1) {
    detail::fail("simulate", "'initial_labels' must be at least 1 (got ", options.initial_labels,
                 ")");
  }
  if (options.batch_size < 1) {
    detail::fail("simulate", "'batch_size' must be at least 1 (got ", options.batch_size, ")");
  }
  if (options.budget < options.initial_labels || options.budget > n) {
    detail::fail("simulate", "'budget' must lie in [initial_labels, pool size] = [",
                 options.initial_labels, ", ", n, "] (got ", options.budget, ")");
  }
  Random random(options.seed);
  ActiveLearner<M, X, S> learner(model, pool_features, strategy, random());
  const auto oracle = [&](const std::vector<Eigen::Index>& items) {
    std::vector<int> labels;
    labels.reserve(items.size());
    for (const Eigen::Index i : items) labels.push_back(pool_labels[static_cast<std::size_t>(i)]);
    return labels;
  };
  LearningCurve curve;
  const auto record = [&]() {
    const LearningCurvePoint point{
        learner.pool().labeled_count(),
        accuracy(learner.model().predict_proba(test_features), test_labels)};
    curve.points.push_back(point);
    if (options.progress) options.progress(point);
  };
  const auto initial = sample_without_replacement(n, options.initial_labels, random);
  learner.teach(initial, oracle(initial));
  record();
  while (learner.pool().labeled_count() < options.budget) {
    const Eigen::Index k =
        std::min(options.batch_size, options.budget - learner.pool().labeled_count());
    const auto picked = learner.query(k);
    if (picked.empty()) break;
    learner.teach(picked, oracle(picked));
    record();
  }
  return curve;
}

LABELKIT_END_NAMESPACE
