// ActiveLab against random re-labeling, with simulated annotators over the UCI digits.
//
// Each seed draws 600 digits (4x4 average-pooled, so that the model alone is not enough) and
// 8 annotators whose accuracies lie uniformly in [0.45, 0.75] (a
// wrong answer is a uniformly random other digit). Every image starts with one annotation from
// a random annotator. Each round, a 3-fold cross-fitted logistic regression (C = 1) is trained on
// the current consensus labels; the strategy picks 60 images, and each gets one more annotation
// from an annotator who has not labeled it yet. ActiveLab picks the lowest
// quality::active_learning_scores(); random picks uniformly. Both measure the same consensus
// (ActiveLab's CROWDLAB consensus from the annotations and the model) against the true digits.
// Prints the consensus accuracy per round averaged over the seeds, and per seed the annotations
// needed to reach 85 %, 90 % and 95 %.
//
// Run: the built binary, optionally with --seeds N (default 5).

#include <Eigen/Core>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <optional>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/quality/activelab.hpp"

namespace {

constexpr int n_items = 600;
constexpr int n_annotators = 8;
constexpr int initial_per_item = 1;
constexpr int batch = 60;
constexpr int rounds = 30;
constexpr int folds = 3;
constexpr double model_c = 1.0;

struct Crowd {
  Eigen::MatrixXd features;
  std::vector<int> truth;
  std::vector<double> accuracy;
};

int answer(const Crowd& crowd, int item, int annotator, labelkit::Random& random) {
  const int z = crowd.truth[static_cast<std::size_t>(item)];
  if (random.uniform01() < crowd.accuracy[static_cast<std::size_t>(annotator)]) return z;
  return (z + 1 + static_cast<int>(random.uniform_index(9))) % 10;
}

// Out-of-sample probabilities: each fold predicted by a model fit on the other folds' labels.
Eigen::MatrixXd cross_fitted(const Eigen::MatrixXd& x, const std::vector<int>& labels) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd p(n, 10);
  for (int f = 0; f < folds; ++f) {
    std::vector<Eigen::Index> train;
    std::vector<Eigen::Index> test;
    for (Eigen::Index i = 0; i < n; ++i) (i % folds == f ? test : train).push_back(i);
    Eigen::MatrixXd xt(static_cast<Eigen::Index>(train.size()), x.cols());
    std::vector<int> yt;
    for (std::size_t r = 0; r < train.size(); ++r) {
      xt.row(static_cast<Eigen::Index>(r)) = x.row(train[r]);
      yt.push_back(labels[static_cast<std::size_t>(train[r])]);
    }
    labelkit::models::LogisticRegression model(model_c);
    model.set_n_classes(10);
    model.fit(xt, yt);
    Eigen::MatrixXd xs(static_cast<Eigen::Index>(test.size()), x.cols());
    for (std::size_t r = 0; r < test.size(); ++r)
      xs.row(static_cast<Eigen::Index>(r)) = x.row(test[r]);
    const Eigen::MatrixXd ps = model.predict_proba(xs);
    for (std::size_t r = 0; r < test.size(); ++r)
      p.row(test[r]) = ps.row(static_cast<Eigen::Index>(r));
  }
  return p;
}

// Accuracy of the consensus after each round (rounds + 1 values, the first before any
// re-labeling).
std::vector<double> run(const Crowd& crowd, bool activelab, std::uint64_t seed) {
  labelkit::Random random(seed * 7919);  // the same initial annotations for both strategies
  std::vector<labelkit::Annotation> annotations;
  std::vector<std::vector<char>> asked(n_items, std::vector<char>(n_annotators, 0));
  auto ask = [&](int item) {
    std::vector<int> free;
    for (int j = 0; j < n_annotators; ++j)
      if (asked[static_cast<std::size_t>(item)][static_cast<std::size_t>(j)] == 0)
        free.push_back(j);
    const int j = free[random.uniform_index(free.size())];
    asked[static_cast<std::size_t>(item)][static_cast<std::size_t>(j)] = 1;
    annotations.push_back({item, j, answer(crowd, item, j, random)});
  };
  for (int i = 0; i < n_items; ++i)
    for (int a = 0; a < initial_per_item; ++a) ask(i);
  random = labelkit::Random(seed * 7919 + (activelab ? 1 : 2));
  std::vector<int> consensus(n_items);
  for (const auto& a : annotations) consensus[static_cast<std::size_t>(a.item)] = a.label;
  std::vector<double> accuracy;
  const Eigen::MatrixXd none(0, 10);
  for (int round = 0; round <= rounds; ++round) {
    const Eigen::MatrixXd p = cross_fitted(crowd.features, consensus);
    const auto scores = labelkit::quality::active_learning_scores(annotations, 10, p, none);
    consensus = scores.consensus_labels;
    int right = 0;
    for (int i = 0; i < n_items; ++i)
      right += consensus[static_cast<std::size_t>(i)] == crowd.truth[static_cast<std::size_t>(i)];
    accuracy.push_back(static_cast<double>(right) / n_items);
    if (round == rounds) break;
    std::vector<int> order(n_items);
    std::iota(order.begin(), order.end(), 0);
    if (activelab) {
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return scores.scores(a) < scores.scores(b); });
    } else {
      for (int i = n_items - 1; i > 0; --i)
        std::swap(order[static_cast<std::size_t>(i)],
                  order[random.uniform_index(static_cast<std::uint64_t>(i) + 1)]);
    }
    int picked = 0;
    for (const int i : order) {
      if (picked == batch) break;
      const auto& row = asked[static_cast<std::size_t>(i)];
      if (std::count(row.begin(), row.end(), 1) == n_annotators) continue;
      ask(i);
      ++picked;
    }
  }
  return accuracy;
}

std::optional<int> annotations_to_reach(const std::vector<double>& curve, double target) {
  for (std::size_t r = 0; r < curve.size(); ++r) {
    if (curve[r] >= target) return n_items * initial_per_item + static_cast<int>(r) * batch;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  int n_seeds = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seeds") == 0) n_seeds = std::max(1, std::atoi(argv[i + 1]));
  }
  examples::Dataset digits = examples::load_digits();
  digits.features /= 16.0;
  std::printf(
      "digits (4x4-pooled, 16 features): %d images per seed, %d annotators (accuracy U[0.45, "
      "0.75]),\n1 initial annotation each; %d rounds of %d re-labels; 3-fold logistic regression "
      "(C = %g);\n%d seeds. Consensus accuracy (CROWDLAB consensus vs the true digits):\n\n",
      n_items, n_annotators, rounds, batch, model_c, n_seeds);
  std::vector<double> mean_active(rounds + 1, 0.0);
  std::vector<double> mean_random(rounds + 1, 0.0);
  std::vector<std::vector<double>> active_curves;
  std::vector<std::vector<double>> random_curves;
  for (int seed = 0; seed < n_seeds; ++seed) {
    labelkit::Random random(static_cast<std::uint64_t>(seed) + 1);
    std::vector<int> index(digits.labels.size());
    std::iota(index.begin(), index.end(), 0);
    for (std::size_t i = index.size() - 1; i > 0; --i)
      std::swap(index[i], index[random.uniform_index(i + 1)]);
    Crowd crowd;
    // 4x4 average-pooled images (16 features): a weaker model than on the 64 pixels.
    crowd.features = Eigen::MatrixXd::Zero(n_items, 16);
    for (int i = 0; i < n_items; ++i) {
      for (int pixel = 0; pixel < 64; ++pixel) {
        crowd.features(i, (pixel / 16) * 4 + (pixel % 8) / 2) +=
            digits.features(index[static_cast<std::size_t>(i)], pixel) / 4;
      }
      crowd.truth.push_back(
          digits.labels[static_cast<std::size_t>(index[static_cast<std::size_t>(i)])]);
    }
    for (int j = 0; j < n_annotators; ++j)
      crowd.accuracy.push_back(0.45 + 0.3 * random.uniform01());
    active_curves.push_back(run(crowd, true, static_cast<std::uint64_t>(seed)));
    random_curves.push_back(run(crowd, false, static_cast<std::uint64_t>(seed)));
    for (int r = 0; r <= rounds; ++r) {
      mean_active[static_cast<std::size_t>(r)] +=
          active_curves.back()[static_cast<std::size_t>(r)] / n_seeds;
      mean_random[static_cast<std::size_t>(r)] +=
          random_curves.back()[static_cast<std::size_t>(r)] / n_seeds;
    }
    std::fprintf(stderr, "seed %d done\n", seed);
  }
  std::printf("| annotations | ActiveLab | random |\n|---|---|---|\n");
  for (int r = 0; r <= rounds; r += 3) {
    std::printf("| %d | %.3f | %.3f |\n", n_items * initial_per_item + r * batch,
                mean_active[static_cast<std::size_t>(r)], mean_random[static_cast<std::size_t>(r)]);
  }
  for (const double target : {0.85, 0.90, 0.95}) {
    std::printf(
        "\nannotations to reach %.0f %% consensus accuracy (per seed; - = not within %d):\n",
        100 * target, n_items * initial_per_item + rounds * batch);
    std::printf("  ActiveLab:");
    for (const auto& c : active_curves) {
      const auto n = annotations_to_reach(c, target);
      n ? std::printf(" %d", *n) : std::printf(" -");
    }
    std::printf("\n  random:   ");
    for (const auto& c : random_curves) {
      const auto n = annotations_to_reach(c, target);
      n ? std::printf(" %d", *n) : std::printf(" -");
    }
    std::printf("\n");
  }
  return 0;
}
