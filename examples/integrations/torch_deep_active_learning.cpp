// Deep active learning with libtorch through labelkit's Model concept: a small MLP on the
// digits (1797 8x8 images, 10 classes), the setting of the deep active-learning papers.
//
// - BALD (Houlsby et al. 2011; Gal, Islam & Ghahramani 2017): T = 10 stochastic forward passes
//   with dropout kept on at query time are the committee (labelkit::CommitteeModel).
// - BADGE (Ash et al. 2020) and core-set (Sener & Savarese 2018): the penultimate layer is the
//   embedding (labelkit::EmbeddingModel).
// - entropy sampling and the random baseline, for reference.
// Hold out 30%, start from 20 random labels, query 20 at a time up to 200, retrain the network
// from a seeded initialisation after each batch. Prints held-out accuracy against labels (mean
// over the seeds), the area under each curve, and writes torch_digits.svg.
//
// Run: torch_deep_active_learning [--seeds N]

#include <torch/torch.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"  // first: see mpi_sharded_selection.cpp
#include "svg.hpp"
#include "torch_model.hpp"

namespace {

using examples::torch_mlp::Features;
using examples::torch_mlp::MLPOptions;
using examples::torch_mlp::TorchMLP;

struct Column {
  std::string name;
  bool baseline = false;
  std::vector<labelkit::LearningCurve> runs;
};

template <class Strategy>
labelkit::LearningCurve run(const TorchMLP& model, const examples::Split& split,
                            const Features& pool, const Features& test, const Strategy& strategy,
                            labelkit::SimulationOptions options, const std::string& what) {
  options.progress = [&](const labelkit::LearningCurvePoint& point) {
    std::fprintf(stderr, "\r  %-28s %4ld labels, accuracy %.3f   ", what.c_str(),
                 static_cast<long>(point.labels), point.accuracy);
  };
  return labelkit::simulate(model, pool, split.pool.labels, test, split.test.labels, strategy,
                            options);
}

double mean_accuracy(const Column& column, std::size_t point) {
  double sum = 0;
  for (const auto& curve : column.runs) sum += curve.points[point].accuracy;
  return sum / static_cast<double>(column.runs.size());
}

double mean_area(const Column& column) {
  double sum = 0;
  for (const auto& curve : column.runs) sum += curve.area();
  return sum / static_cast<double>(column.runs.size());
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 2;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0) seeds = std::max(1, std::atoi(argv[i + 1]));
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    torch::set_num_threads(1);  // reproducible, and polite on a shared CI machine
    examples::Dataset digits = examples::load_digits();
    digits.features /= 16.0;  // pixel counts 0..16 -> [0, 1]
    MLPOptions mlp;
    mlp.inputs = static_cast<int>(digits.features.cols());
    mlp.classes = digits.n_classes;
    labelkit::SimulationOptions protocol;
    protocol.initial_labels = 20;
    protocol.batch_size = 20;
    protocol.budget = 200;
    std::printf("libtorch MLP %d-%d-%d-%d (ReLU, dropout %.1f), %d full-batch Adam steps per fit\n",
                mlp.inputs, mlp.hidden, mlp.embedding, mlp.classes, mlp.dropout, mlp.epochs);
    std::printf(
        "digits: %ld images, 30%% held out; %ld random seed labels, batches of %ld, budget "
        "%ld; %d seeds; BALD over T = %d MC-dropout passes\n\n",
        static_cast<long>(digits.features.rows()), static_cast<long>(protocol.initial_labels),
        static_cast<long>(protocol.batch_size), static_cast<long>(protocol.budget), seeds,
        mlp.mc_passes);

    std::vector<Column> columns{{"random", true, {}},
                                {"entropy", false, {}},
                                {"BALD", false, {}},
                                {"BADGE", false, {}},
                                {"core-set", false, {}}};
    for (int seed = 0; seed < seeds; ++seed) {
      const auto s = static_cast<std::uint64_t>(seed);
      const auto split = examples::train_test_split(digits, 0.3, 1000 + s);
      const Features pool = split.pool.features.cast<float>();
      const Features test = split.test.features.cast<float>();
      MLPOptions options = mlp;
      options.seed = 11 + s;
      const TorchMLP model(options);
      labelkit::SimulationOptions p = protocol;
      p.seed = s;
      const auto label = [&](const Column& c) {
        return "seed " + std::to_string(seed) + " " + c.name;
      };
      columns[0].runs.push_back(
          run(model, split, pool, test, labelkit::query::random_sampling, p, label(columns[0])));
      columns[1].runs.push_back(
          run(model, split, pool, test, labelkit::query::entropy_sampling, p, label(columns[1])));
      columns[2].runs.push_back(
          run(model, split, pool, test, labelkit::query::bald_sampling, p, label(columns[2])));
      columns[3].runs.push_back(
          run(model, split, pool, test, labelkit::query::badge_sampling, p, label(columns[3])));
      columns[4].runs.push_back(
          run(model, split, pool, test, labelkit::query::core_set_sampling, p, label(columns[4])));
    }
    std::fprintf(stderr, "\r%60s\r", "");

    std::printf("%7s", "labels");
    for (const auto& c : columns) std::printf(" %9s", c.name.c_str());
    std::printf("\n");
    const auto& first = columns.front().runs.front().points;
    for (std::size_t i = 0; i < first.size(); ++i) {
      std::printf("%7ld", static_cast<long>(first[i].labels));
      for (const auto& c : columns) std::printf(" %9.3f", mean_accuracy(c, i));
      std::printf("\n");
    }
    std::printf("%7s", "area");
    for (const auto& c : columns) std::printf(" %9.3f", mean_area(c));
    std::printf("\n");

    examples::svg::LineChart chart;
    chart.title =
        "digits: libtorch MLP, deep active learning (mean of " + std::to_string(seeds) + " seeds)";
    chart.x_label = "labels";
    chart.y_label = "held-out accuracy";
    for (const auto& c : columns) {
      examples::svg::Series series;
      series.name = c.name;
      series.dashed = c.baseline;
      for (std::size_t i = 0; i < first.size(); ++i) {
        series.x.push_back(static_cast<double>(first[i].labels));
        series.y.push_back(mean_accuracy(c, i));
      }
      chart.series.push_back(std::move(series));
    }
    examples::svg::write_file("torch_digits.svg", examples::svg::render(chart));
    std::printf("learning curves written to torch_digits.svg\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nerror: %s\n", e.what());
    return 1;
  }
  std::printf("total time %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
