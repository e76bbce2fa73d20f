// Active learning on real handwritten digits (UCI, 1797 8x8 images, 10 classes).
//
// For 5 seeds: split the data (30% held out), start from 20 random labels, and let each strategy
// ask for 10 labels at a time until 300 are labeled, refitting an L2 logistic regression after
// each batch. Prints held-out accuracy against labels used, averaged over the seeds, and the
// area under each learning curve (its mean accuracy over the budget).
//
// Run: cmake --workflow --preset demo   (or the built binary, optionally with --seeds N)

#include <unistd.h>
#include <Eigen/Core>
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
#include "labelkit/query/uncertainty_sampling.hpp"
#include "learning_curves.hpp"

namespace {

// L2 logistic regression (C = 1) queried by `strategy`: 20 random seed labels, batches of 10
// up to 300.
template <class Strategy>
examples::StrategyRun strategy_run(std::string name, Strategy strategy, bool baseline = false) {
  return {std::move(name),
          [strategy](const examples::Split& split, std::uint64_t seed) {
            labelkit::models::LogisticRegression model(1.0);
            model.set_n_classes(split.pool.n_classes);  // the seed set may miss a class
            labelkit::SimulationOptions options;
            options.initial_labels = 20;
            options.batch_size = 10;
            options.budget = 300;
            options.seed = seed;
            return labelkit::simulate(model, split.pool.features, split.pool.labels,
                                      split.test.features, split.test.labels, strategy, options);
          },
          baseline};
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
  std::printf("logistic regression (C = 1), 20 random seed labels, batches of 10, budget 300\n\n");

  namespace q = labelkit::query;
  examples::ComparisonOptions comparison;
  comparison.seeds = n_seeds;
  // Progress redraws one line on a terminal; a log file gets nothing.
  comparison.progress = isatty(fileno(stderr)) != 0;
  const std::vector<examples::CurveColumn> columns = examples::run_comparison(
      digits,
      {strategy_run("entropy", q::entropy_sampling), strategy_run("margin", q::margin_sampling),
       strategy_run("least conf.", q::least_confidence_sampling),
       strategy_run("random", q::random_sampling, /*baseline=*/true)},
      comparison, "digits");

  // Every 20 labels (every second point), and the last.
  const std::vector<double> areas_mean = examples::print_curve_table(columns, 2, 12);
  std::printf("\n");
  const double best = std::max(areas_mean[0], areas_mean[1]);
  std::printf("learning-curve area: %s %.4f vs random %.4f (%+.1f points)\n",
              areas_mean[0] >= areas_mean[1] ? "entropy" : "margin", best, areas_mean[3],
              100.0 * (best - areas_mean[3]));
  // The same curves as a picture, next to where the program ran.
  examples::write_curves_svg(columns, "active_learning_digits.svg",
                             "Active learning on UCI digits (logistic regression, mean of seeds)");
  std::printf("learning curves written to active_learning_digits.svg\n");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f s\n", seconds);
  // The demo's claim: uncertainty sampling beats random on this data. Fail loudly if not.
  return best > areas_mean[3] ? EXIT_SUCCESS : EXIT_FAILURE;
}
