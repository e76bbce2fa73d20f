// Active learning with XGBoost models (libxgboost, C API) through labelkit's Model concept.
//
// On the breast-cancer data (569 x 30, 2 classes) and the digits (1797 x 64, 10 classes): hold out
// 30%, start from a few random labels, and let each strategy ask for a batch at a time until the
// budget, refitting the boosters after each batch. Strategies: entropy and margin sampling on one
// booster, vote entropy and BALD on a committee of boosters that differ in seed and subsample
// (labelkit::CommitteeModel), and the random baseline for each model. Prints held-out accuracy
// against labels (mean over the seeds), the area under each curve, and writes the curves as SVG
// (xgboost_<data>.svg in the working directory).
//
// Run: xgboost_active_learning [--seeds N]

#include <Eigen/Core>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "svg.hpp"
#include "xgboost_model.hpp"

namespace {

using examples::xgb::Features;
using examples::xgb::XGBoostClassifier;
using examples::xgb::XGBoostCommittee;
using examples::xgb::XGBoostOptions;

struct Problem {
  std::string name;
  examples::Dataset data;
  labelkit::SimulationOptions protocol;
  XGBoostOptions boosting;
  int committee_members = 4;
};

struct Column {
  std::string name;
  bool baseline = false;
  std::vector<labelkit::LearningCurve> runs;  // one per seed
};

Features to_features(const Eigen::MatrixXd& x) { return x.cast<float>(); }

template <class Model, class Strategy>
labelkit::LearningCurve run(const Model& model, const examples::Split& split, const Features& pool,
                            const Features& test, const Strategy& strategy,
                            labelkit::SimulationOptions options, const std::string& what) {
  options.progress = [&](const labelkit::LearningCurvePoint& point) {
    std::fprintf(stderr, "\r  %-40s %4ld labels, accuracy %.3f   ", what.c_str(),
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

void report(const Problem& problem, const std::vector<Column>& columns, int seeds) {
  std::printf("\n%s: %ld items x %ld features, %d classes; 30%% held out; %d seeds\n",
              problem.name.c_str(), static_cast<long>(problem.data.features.rows()),
              static_cast<long>(problem.data.features.cols()), problem.data.n_classes, seeds);
  std::printf("XGBoost %d rounds, depth %d, eta %.2f; committee: %d boosters, subsample 0.7\n",
              problem.boosting.rounds, problem.boosting.max_depth, problem.boosting.eta,
              problem.committee_members);
  std::printf("%ld random seed labels, batches of %ld, budget %ld\n\n",
              static_cast<long>(problem.protocol.initial_labels),
              static_cast<long>(problem.protocol.batch_size),
              static_cast<long>(problem.protocol.budget));
  std::printf("%7s", "labels");
  for (const auto& c : columns) std::printf(" %13s", c.name.c_str());
  std::printf("\n");
  const auto& first = columns.front().runs.front().points;
  for (std::size_t p = 0; p < first.size(); ++p) {
    std::printf("%7ld", static_cast<long>(first[p].labels));
    for (const auto& c : columns) std::printf(" %13.3f", mean_accuracy(c, p));
    std::printf("\n");
  }
  std::printf("%7s", "area");
  for (const auto& c : columns) std::printf(" %13.3f", mean_area(c));
  std::printf("\n");

  examples::svg::LineChart chart;
  chart.title =
      problem.name + ": XGBoost active learning (mean of " + std::to_string(seeds) + " seeds)";
  chart.x_label = "labels";
  chart.y_label = "held-out accuracy";
  for (const auto& c : columns) {
    examples::svg::Series series;
    series.name = c.name;
    series.dashed = c.baseline;
    for (std::size_t p = 0; p < first.size(); ++p) {
      series.x.push_back(static_cast<double>(first[p].labels));
      series.y.push_back(mean_accuracy(c, p));
    }
    chart.series.push_back(std::move(series));
  }
  const std::string file = "xgboost_" + problem.name + ".svg";
  examples::svg::write_file(file, examples::svg::render(chart));
  std::printf("learning curves written to %s\n", file.c_str());
}

void run_problem(const Problem& problem, int seeds) {
  std::vector<Column> columns{{"random", true, {}},        {"entropy", false, {}},
                              {"margin", false, {}},       {"comm. random", true, {}},
                              {"vote entropy", false, {}}, {"BALD", false, {}}};
  for (int seed = 0; seed < seeds; ++seed) {
    const auto s = static_cast<std::uint64_t>(seed);
    const auto split = examples::train_test_split(problem.data, 0.3, 1000 + s);
    const Features pool = to_features(split.pool.features);
    const Features test = to_features(split.test.features);
    XGBoostOptions boosting = problem.boosting;
    boosting.seed = 7 + s;
    const XGBoostClassifier single(problem.data.n_classes, boosting);
    const XGBoostCommittee committee(problem.data.n_classes, problem.committee_members, boosting);
    labelkit::SimulationOptions protocol = problem.protocol;
    protocol.seed = s;
    const auto label = [&](const Column& c) {
      return problem.name + " seed " + std::to_string(seed) + " " + c.name;
    };
    columns[0].runs.push_back(run(single, split, pool, test, labelkit::query::random_sampling,
                                  protocol, label(columns[0])));
    columns[1].runs.push_back(run(single, split, pool, test, labelkit::query::entropy_sampling,
                                  protocol, label(columns[1])));
    columns[2].runs.push_back(run(single, split, pool, test, labelkit::query::margin_sampling,
                                  protocol, label(columns[2])));
    columns[3].runs.push_back(run(committee, split, pool, test, labelkit::query::random_sampling,
                                  protocol, label(columns[3])));
    columns[4].runs.push_back(run(committee, split, pool, test,
                                  labelkit::query::vote_entropy_sampling, protocol,
                                  label(columns[4])));
    columns[5].runs.push_back(run(committee, split, pool, test, labelkit::query::bald_sampling,
                                  protocol, label(columns[5])));
  }
  std::fprintf(stderr, "\r%70s\r", "");
  report(problem, columns, seeds);
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0) seeds = std::max(1, std::atoi(argv[i + 1]));
  }
  const auto start = std::chrono::steady_clock::now();
  try {
    int major = 0, minor = 0, patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    std::printf(
        "XGBoost %d.%d.%d through labelkit::Model (single booster) and "
        "labelkit::CommitteeModel (boosters with different seeds and subsamples)\n",
        major, minor, patch);

    Problem cancer{"breast_cancer", examples::load_breast_cancer(), {}, {}, 4};
    cancer.protocol.initial_labels = 10;
    cancer.protocol.batch_size = 10;
    cancer.protocol.budget = 120;
    cancer.boosting.rounds = 15;
    cancer.boosting.max_depth = 3;
    run_problem(cancer, seeds);

    Problem digits{"digits", examples::load_digits(), {}, {}, 4};
    digits.protocol.initial_labels = 20;
    digits.protocol.batch_size = 20;
    digits.protocol.budget = 240;
    digits.boosting.rounds = 10;
    digits.boosting.max_depth = 3;
    digits.boosting.eta = 0.5;
    run_problem(digits, seeds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nerror: %s\n", e.what());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\ntotal time %.1f s\n", seconds);
  return 0;
}
