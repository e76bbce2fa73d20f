// Query strategies compared on two real data sets, with their spread over seeds: UCI handwritten
// digits (1797 8x8 images, 10 classes) and Breast Cancer Wisconsin (Diagnostic) (569 x 30, 2
// classes), both as scikit-learn ships them (examples/data).
//
// For each seed s: split the data (30% held out, split seed 1000 + s), draw the initial labeled
// set from seed s, then let each strategy ask for a batch at a time until the budget, refitting
// an L2 logistic regression (C = 1) after each batch and recording held-out accuracy. Every
// strategy sees the same split and the same initial set for a given seed, so each strategy's
// area is compared with random's seed by seed.
//   digits: pixel counts / 16; 20 initial labels, batches of 10, budget 300.
//   breast cancer: features standardised with the mean and standard deviation of the pool (the
//     unlabeled training part of the split; the held-out part is not looked at); 10 initial
//     labels, batches of 5, budget 100.
// The committee column fits and evaluates 5 logistic regressions on seeded bootstrap resamples
// (their mean probabilities classify). Prints, per data set and strategy, the mean ± standard
// deviation over seeds of accuracy at several budgets and of the area under the learning curve
// (its mean accuracy over the budget), and the paired difference of area to random with the
// number of seeds on which the strategy beats random.
//
// Run: the built binary, with --seeds N (default 10) and --markdown (markdown tables).

#include <unistd.h>
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
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

labelkit::SimulationOptions protocol(Eigen::Index initial, Eigen::Index batch,
                                     Eigen::Index budget) {
  labelkit::SimulationOptions options;
  options.initial_labels = initial;
  options.batch_size = batch;
  options.budget = budget;
  return options;
}

// One logistic regression, queried by `strategy`.
template <class Strategy>
examples::StrategyRun single(std::string name, Strategy strategy,
                             labelkit::SimulationOptions options, bool baseline = false) {
  return {std::move(name),
          [strategy, options](const examples::Split& split, std::uint64_t seed) {
            auto run = options;
            run.seed = seed;
            return labelkit::simulate(logistic(split.pool.n_classes), split.pool.features,
                                      split.pool.labels, split.test.features, split.test.labels,
                                      strategy, run);
          },
          baseline};
}

// A bagged committee of 5 logistic regressions (bootstrap seed 1000 + seed), queried by
// `strategy`.
template <class Strategy>
examples::StrategyRun committee(std::string name, Strategy strategy,
                                labelkit::SimulationOptions options) {
  return {std::move(name), [strategy, options](const examples::Split& split, std::uint64_t seed) {
            auto run = options;
            run.seed = seed;
            const labelkit::query::BaggingCommittee<LogisticFactory> members(
                LogisticFactory{}, /*members=*/5, /*seed=*/1000 + seed, split.pool.n_classes);
            return labelkit::simulate(members, split.pool.features, split.pool.labels,
                                      split.test.features, split.test.labels, strategy, run);
          }};
}

std::vector<examples::StrategyRun> strategies(const labelkit::SimulationOptions& options) {
  namespace q = labelkit::query;
  return {single("random", q::random_sampling, options, /*baseline=*/true),
          single("entropy", q::entropy_sampling, options),
          single("margin", q::margin_sampling, options),
          single("least conf.", q::least_confidence_sampling, options),
          committee("committee", q::vote_entropy_sampling, options),
          single("BADGE", q::badge_sampling, options),
          single("core-set", q::core_set_sampling, options),
          single("info. dens.", q::information_density_sampling, options),
          single("hybrid", q::uncertain_then_diverse_sampling, options)};
}

// Curve point of `labels` labels under `options`.
std::vector<std::size_t> points_at(const labelkit::SimulationOptions& options,
                                   const std::vector<Eigen::Index>& labels) {
  std::vector<std::size_t> points;
  for (const Eigen::Index l : labels) {
    points.push_back(static_cast<std::size_t>((l - options.initial_labels) / options.batch_size));
  }
  return points;
}

// Runs the comparison on one data set, prints its table and writes its chart.
void compare(const std::string& name, const examples::Dataset& data,
             const labelkit::SimulationOptions& options, const std::vector<Eigen::Index>& budgets,
             const examples::ComparisonOptions& comparison, bool markdown) {
  const auto start = std::chrono::steady_clock::now();
  const auto columns = examples::run_comparison(data, strategies(options), comparison, name);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%s: %ld x %ld, %d classes; 30%% held out; %d seeds; %ld initial labels, batches of "
      "%ld, budget %ld (%.1f s)\n\n",
      name.c_str(), static_cast<long>(data.features.rows()),
      static_cast<long>(data.features.cols()), data.n_classes, comparison.seeds,
      static_cast<long>(options.initial_labels), static_cast<long>(options.batch_size),
      static_cast<long>(options.budget), seconds);
  examples::print_spread_table(columns, points_at(options, budgets), 0, markdown);
  std::printf("\n");
  examples::write_curves_svg(
      columns, "strategy_comparison_" + name + ".svg",
      "Query strategies on " + name + " (logistic regression, mean of seeds)");
}

}  // namespace

int main(int argc, char** argv) {
  int n_seeds = 10;
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      n_seeds = std::max(2, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--markdown") == 0) {
      markdown = true;
    } else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--markdown]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  std::printf(
      "logistic regression (C = 1); committee: 5 bagged logistic regressions; "
      "mean ± sd over seeds;\narea = mean accuracy over the budget; 'area - random' is "
      "paired by seed, 'wins' counts seeds where the strategy's area is larger\n\n");
  examples::ComparisonOptions comparison;
  comparison.seeds = n_seeds;
  comparison.progress = isatty(fileno(stderr)) != 0;

  examples::Dataset digits = examples::load_digits();
  digits.features /= 16.0;  // pixel counts 0..16 -> [0, 1]
  compare("digits", digits, protocol(20, 10, 300), {60, 100, 200, 300}, comparison, markdown);

  comparison.prepare = examples::standardize_on_pool;
  compare("breast_cancer", examples::load_breast_cancer(), protocol(10, 5, 100), {20, 40, 60, 100},
          comparison, markdown);

  std::printf(
      "learning curves written to strategy_comparison_digits.svg and "
      "strategy_comparison_breast_cancer.svg\n");
  std::printf("%.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return EXIT_SUCCESS;
}
