// Active learning on real handwritten digits (UCI, 1797 8x8 images, 10 classes).
//
// For 5 seeds: split the data (30% held out), start from 20 random labels, and let each strategy
// ask for 10 labels at a time until 300 are labeled, refitting an L2 logistic regression after
// each batch. Prints held-out accuracy against labels used, averaged over the seeds, and the
// area under each learning curve (its mean accuracy over the budget).
//
// Run: cmake --workflow --preset demo   (or the built binary, optionally with --seeds N)

#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "svg.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

namespace {

struct Column {
  std::string name;
  std::vector<labelkit::LearningCurve> runs;  // one per seed
};

template <class Strategy>
labelkit::LearningCurve run(const examples::Split& split, const Strategy& strategy,
                            std::uint64_t seed) {
  labelkit::models::LogisticRegression model(1.0);
  model.set_n_classes(split.pool.n_classes);  // the seed set may miss a class
  labelkit::SimulationOptions options;
  options.initial_labels = 20;
  options.batch_size = 10;
  options.budget = 300;
  options.seed = seed;
  return labelkit::simulate(model, split.pool.features, split.pool.labels, split.test.features,
                            split.test.labels, strategy, options);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (const double x : v) s += (x - m) * (x - m);
  return v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0;
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

  std::vector<Column> columns{{"entropy", {}}, {"margin", {}}, {"least conf.", {}}, {"random", {}}};
  for (int seed = 0; seed < n_seeds; ++seed) {
    const auto split = examples::train_test_split(digits, 0.3, 1000 + static_cast<std::uint64_t>(seed));
    const auto s = static_cast<std::uint64_t>(seed);
    columns[0].runs.push_back(run(split, labelkit::query::entropy_sampling, s));
    columns[1].runs.push_back(run(split, labelkit::query::margin_sampling, s));
    columns[2].runs.push_back(run(split, labelkit::query::least_confidence_sampling, s));
    columns[3].runs.push_back(run(split, labelkit::query::random_sampling, s));
    std::fprintf(stderr, "\rseed %d/%d done", seed + 1, n_seeds);
  }
  std::fprintf(stderr, "\n");

  std::printf("%8s", "labels");
  for (const auto& c : columns) std::printf(" %12s", c.name.c_str());
  std::printf("\n");
  const auto& reference = columns[0].runs[0].points;
  for (std::size_t p = 0; p < reference.size(); ++p) {
    if (p % 2 != 0 && p + 1 != reference.size()) continue;  // every 20 labels, and the last
    std::printf("%8ld", static_cast<long>(reference[p].labels));
    for (const auto& c : columns) {
      std::vector<double> acc;
      for (const auto& r : c.runs) acc.push_back(r.points[p].accuracy);
      std::printf(" %12.4f", mean(acc));
    }
    std::printf("\n");
  }
  std::vector<double> areas_mean;
  std::vector<double> areas_sd;
  for (const auto& c : columns) {
    std::vector<double> areas;
    for (const auto& r : c.runs) areas.push_back(r.area());
    areas_mean.push_back(mean(areas));
    areas_sd.push_back(stddev(areas));
  }
  std::printf("%8s", "area");
  for (const double a : areas_mean) std::printf(" %12.4f", a);
  std::printf("\n%8s", "(sd)");
  for (const double sd : areas_sd) std::printf(" %12.4f", sd);
  std::printf("\n\n");
  const double best = std::max(areas_mean[0], areas_mean[1]);
  std::printf("learning-curve area: %s %.4f vs random %.4f (%+.1f points)\n",
              areas_mean[0] >= areas_mean[1] ? "entropy" : "margin", best, areas_mean[3],
              100.0 * (best - areas_mean[3]));
  // The same curves as a picture, next to where the program ran.
  examples::svg::LineChart chart;
  chart.title = "Active learning on UCI digits (logistic regression, mean of seeds)";
  chart.x_label = "labels used";
  chart.y_label = "held-out accuracy";
  for (const auto& c : columns) {
    examples::svg::Series series;
    series.name = c.name;
    series.dashed = c.name == "random";
    for (std::size_t p = 0; p < reference.size(); ++p) {
      std::vector<double> acc;
      for (const auto& r : c.runs) acc.push_back(r.points[p].accuracy);
      series.x.push_back(static_cast<double>(reference[p].labels));
      series.y.push_back(mean(acc));
    }
    chart.series.push_back(std::move(series));
  }
  examples::svg::write_file("active_learning_digits.svg", examples::svg::render(chart));
  std::printf("learning curves written to active_learning_digits.svg\n");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f s\n", seconds);
  // The demo's claim: uncertainty sampling beats random on this data. Fail loudly if not.
  return best > areas_mean[3] ? EXIT_SUCCESS : EXIT_FAILURE;
}
