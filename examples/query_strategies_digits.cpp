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
#include "learning_curves.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/bagging.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

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

template <class Strategy>
labelkit::LearningCurve run_single(const examples::Split& split, const Strategy& strategy,
                                   std::uint64_t seed) {
  return labelkit::simulate(logistic(split.pool.n_classes), split.pool.features, split.pool.labels,
                            split.test.features, split.test.labels, strategy, protocol(seed));
}

template <class Strategy>
labelkit::LearningCurve run_committee(const examples::Split& split, const Strategy& strategy,
                                      std::uint64_t seed) {
  const labelkit::query::BaggingCommittee<LogisticFactory> committee(
      LogisticFactory{}, /*members=*/5, /*seed=*/1000 + seed, split.pool.n_classes);
  return labelkit::simulate(committee, split.pool.features, split.pool.labels,
                            split.test.features, split.test.labels, strategy, protocol(seed));
}

template <class Run>
void timed(examples::CurveColumn& column, Run&& run) {
  const auto start = std::chrono::steady_clock::now();
  column.runs.push_back(run());
  column.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  std::printf("logistic regression (C = 1), 20 random seed labels, batches of 10, budget 300;\n"
              "committee and BALD: 5 bagged logistic regressions (their mean classifies)\n\n");

  const labelkit::query::UncertainThenDiverseSampling<> hybrid{};  // margin top 5k -> k-center
  std::vector<examples::CurveColumn> columns{{"random", {}, 0, true},  {"entropy", {}, 0},  {"committee", {}, 0},
                              {"BALD", {}, 0},    {"BADGE", {}, 0},    {"core-set", {}, 0},
                              {"info.dens.", {}, 0}, {"hybrid", {}, 0}};
  for (int seed = 0; seed < n_seeds; ++seed) {
    const auto split =
        examples::train_test_split(digits, 0.3, 1000 + static_cast<std::uint64_t>(seed));
    const auto s = static_cast<std::uint64_t>(seed);
    timed(columns[0], [&] { return run_single(split, labelkit::query::random_sampling, s); });
    timed(columns[1], [&] { return run_single(split, labelkit::query::entropy_sampling, s); });
    timed(columns[2], [&] { return run_committee(split, labelkit::query::vote_entropy_sampling, s); });
    timed(columns[3], [&] { return run_committee(split, labelkit::query::bald_sampling, s); });
    timed(columns[4], [&] { return run_single(split, labelkit::query::badge_sampling, s); });
    timed(columns[5], [&] { return run_single(split, labelkit::query::core_set_sampling, s); });
    timed(columns[6], [&] {
      return run_single(split, labelkit::query::information_density_sampling, s);
    });
    timed(columns[7], [&] { return run_single(split, hybrid, s); });
    std::fprintf(stderr, "\rseed %d/%d done", seed + 1, n_seeds);
  }
  std::fprintf(stderr, "\n");

  // Every 40 labels (every fourth point), and the last.
  const std::vector<double> areas_mean = examples::print_curve_table(columns, 4, 10);
  std::printf("%8s", "s/run");
  for (const auto& c : columns) std::printf(" %10.3f", c.seconds / static_cast<double>(c.runs.size()));
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
