// Query strategies beyond uncertainty on real handwritten digits (UCI, 1797 8x8 images, 10
// classes): query by committee (vote entropy over bagged logistic regressions), BALD (over the
// same bootstrap committee), BADGE, core-set (k-center greedy), information density (entropy x
// mean cosine similarity) and a two-stage hybrid (the 5k smallest-margin items, then k-center
// greedy among them), against entropy sampling and the random baseline.
//
// Same protocol as active_learning_digits: for 5 seeds, split the data (30% held out), start from
// 20 random labels, ask for 10 labels at a time until 300 are labeled, refit an L2 logistic
// regression (C = 1) after each batch, record held-out accuracy. The committee columns fit and
// evaluate a committee of 5 logistic regressions on bootstrap resamples (their mean
// probabilities classify the test set). Prints accuracy against labels, averaged over the seeds,
// and the area under each learning curve (its mean accuracy over the budget).
//
// Run: the built binary, optionally with --seeds N.

#include <unistd.h>
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/bagging.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "learning_curves.hpp"

namespace {

labelkit::SimulationOptions protocol(std::uint64_t seed) {
  labelkit::SimulationOptions options;
  options.initial_labels = 20;
  options.batch_size = 10;
  options.budget = 300;
  options.seed = seed;
  return options;
}

labelkit::models::LogisticRegression logistic(Eigen::Index classes) {
  labelkit::models::LogisticRegression model(1.0);
  model.set_n_classes(classes);  // the seed set (or a bootstrap resample) may miss a class
  return model;
}

struct LogisticFactory {
  labelkit::models::LogisticRegression operator()(Eigen::Index classes) const {
    return logistic(classes);
  }
};

// One logistic regression queried by `strategy`.
template <class Strategy>
examples::StrategyRun single(std::string name, Strategy strategy, bool baseline = false) {
  return {std::move(name),
          [strategy](const examples::Split& split, std::uint64_t seed) {
            return labelkit::simulate(logistic(split.pool.n_classes), split.pool.features,
                                      split.pool.labels, split.test.features, split.test.labels,
                                      strategy, protocol(seed));
          },
          baseline};
}

// A committee of 5 bagged logistic regressions (bootstrap seed 1000 + seed) queried by
// `strategy`.
template <class Strategy>
examples::StrategyRun committee(std::string name, Strategy strategy) {
  return {std::move(name), [strategy](const examples::Split& split, std::uint64_t seed) {
            const labelkit::query::BaggingCommittee<LogisticFactory> members(
                LogisticFactory{}, /*members=*/5, /*seed=*/1000 + seed, split.pool.n_classes);
            return labelkit::simulate(members, split.pool.features, split.pool.labels,
                                      split.test.features, split.test.labels, strategy,
                                      protocol(seed));
          }};
}

}  // namespace

int main(int argc, char** argv) {
  int n_seeds = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0) n_seeds = std::max(1, std::atoi(argv[i + 1]));
  }
  const auto start = std::chrono::steady_clock::now();
  examples::Dataset digits = examples::load_digits();
  digits.features /= 16.0;  // pixel counts 0..16 -> [0, 1]
  std::printf("digits: %ld images x %ld pixels, %d classes; 30%% held out; %d seeds\n",
              static_cast<long>(digits.features.rows()), static_cast<long>(digits.features.cols()),
              digits.n_classes, n_seeds);
  std::printf(
      "logistic regression (C = 1), 20 random seed labels, batches of 10, budget 300;\n"
      "committee and BALD: 5 bagged logistic regressions (their mean classifies)\n\n");

  namespace q = labelkit::query;
  const std::vector<examples::StrategyRun> strategies{
      single("random", q::random_sampling, /*baseline=*/true),
      single("entropy", q::entropy_sampling),
      committee("committee", q::vote_entropy_sampling),
      committee("BALD", q::bald_sampling),
      single("BADGE", q::badge_sampling),
      single("core-set", q::core_set_sampling),
      single("info.dens.", q::information_density_sampling),
      single("hybrid", q::uncertain_then_diverse_sampling)};  // margin top 5k -> k-center
  examples::ComparisonOptions comparison;
  comparison.seeds = n_seeds;
  comparison.progress = isatty(fileno(stderr)) != 0;
  const std::vector<examples::CurveColumn> columns =
      examples::run_comparison(digits, strategies, comparison, "digits");

  // Every 40 labels (every fourth point), and the last.
  const std::vector<double> areas_mean = examples::print_curve_table(columns, 4, 10);
  std::printf("%8s", "s/run");
  for (const auto& c : columns)
    std::printf(" %10.3f", c.seconds / static_cast<double>(c.runs.size()));
  std::printf("\n\n");
  std::size_t best = 1;
  for (std::size_t c = 1; c < columns.size(); ++c) {
    if (areas_mean[c] > areas_mean[best]) best = c;
  }
  std::printf("best learning-curve area: %s %.4f vs random %.4f (%+.1f points)\n",
              columns[best].name.c_str(), areas_mean[best], areas_mean[0],
              100.0 * (areas_mean[best] - areas_mean[0]));
  examples::write_curves_svg(columns, "query_strategies_digits.svg",
                             "Query strategies on UCI digits (logistic regression, mean of seeds)");
  std::printf("learning curves written to query_strategies_digits.svg\n");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f s\n", seconds);
  return areas_mean[best] > areas_mean[0] ? EXIT_SUCCESS : EXIT_FAILURE;
}
