#pragma once
// Synthetic crowds with known confusion matrices, for the quality tests.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/random.hpp"

namespace quality_test {

struct SimulatedCrowd {
  std::vector<labelkit::Annotation> annotations;
  std::vector<int> truth;                  // per item index 0..n_items-1
  std::vector<Eigen::MatrixXd> confusion;  // per annotator, rows = true class
};

// Draws an index from a probability row.
inline int draw(const Eigen::RowVectorXd& p, labelkit::Random& random) {
  double u = random.uniform01();
  for (Eigen::Index k = 0; k + 1 < p.size(); ++k) {
    if (u < p(k)) return static_cast<int>(k);
    u -= p(k);
  }
  return static_cast<int>(p.size() - 1);
}

// A diagonal-heavy confusion matrix with accuracy `accuracy`, errors spread at random.
inline Eigen::MatrixXd random_confusion(int c, double accuracy, labelkit::Random& random) {
  Eigen::MatrixXd m(c, c);
  for (int k = 0; k < c; ++k) {
    double total = 0;
    for (int l = 0; l < c; ++l) {
      m(k, l) = l == k ? 0.0 : 0.05 + random.uniform01();
      total += m(k, l);
    }
    for (int l = 0; l < c; ++l) m(k, l) = l == k ? accuracy : (1 - accuracy) * m(k, l) / total;
  }
  return m;
}

// n_items items, each answered by `per_item` distinct annotators drawn at random; item ids are
// spread (id = 3 * index + 7) and annotator ids too (id = 10 * index + 1) to exercise IdMap.
inline SimulatedCrowd simulate(int n_items, const std::vector<Eigen::MatrixXd>& confusion,
                               const Eigen::VectorXd& prior, int per_item, std::uint64_t seed) {
  labelkit::Random random(seed);
  SimulatedCrowd crowd;
  crowd.confusion = confusion;
  const auto n_annotators = static_cast<Eigen::Index>(confusion.size());
  for (int i = 0; i < n_items; ++i) {
    const int z = draw(prior.transpose(), random);
    crowd.truth.push_back(z);
    const auto chosen = labelkit::sample_without_replacement(n_annotators, per_item, random);
    for (const Eigen::Index j : chosen) {
      const int l = draw(confusion[static_cast<std::size_t>(j)].row(z), random);
      crowd.annotations.push_back({3 * Eigen::Index{i} + 7, 10 * j + 1, l});
    }
  }
  return crowd;
}

inline int count_wrong(const std::vector<int>& labels, const std::vector<int>& truth) {
  int wrong = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) wrong += labels[i] != truth[i] ? 1 : 0;
  return wrong;
}

}  // namespace quality_test
