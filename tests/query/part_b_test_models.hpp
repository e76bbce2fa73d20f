#pragma once
// Small deterministic models for the tests of streaming/density/ranked_batch/hybrid/
// error_reduction/stopping/bagging (issue 3, part B). Not part of the library.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace part_b_test {

/// Nearest-centroid classifier with softmax(-squared distance) probabilities. The class count is
/// the largest training label + 1, or fixed when constructed with one (a class with no training
/// item keeps its centroid at the origin).
struct CentroidModel {
  Eigen::Index fixed_classes = 0;
  Eigen::MatrixXd centroids;
  std::vector<char> present;

  CentroidModel() = default;
  explicit CentroidModel(Eigen::Index classes) : fixed_classes(classes) {}

  template <class X>
  void fit(const X& x, const std::vector<int>& labels) {
    int largest = 0;
    for (const int y : labels) largest = std::max(largest, y);
    const Eigen::Index c = fixed_classes > 0 ? fixed_classes : Eigen::Index{largest} + 1;
    centroids = Eigen::MatrixXd::Zero(c, x.cols());
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(c);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      centroids.row(labels[i]) += x.row(static_cast<Eigen::Index>(i)).template cast<double>();
      counts(labels[i]) += 1;
    }
    for (Eigen::Index j = 0; j < c; ++j) {
      if (counts(j) > 0) centroids.row(j) /= counts(j);
    }
  }

  template <class X>
  Eigen::MatrixXd predict_proba(const X& x) const {
    Eigen::MatrixXd p(x.rows(), centroids.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (Eigen::Index j = 0; j < centroids.rows(); ++j) {
        p(i, j) = -(x.row(i).template cast<double>() - centroids.row(j)).squaredNorm();
      }
      const double top = p.row(i).maxCoeff();
      p.row(i) = (p.row(i).array() - top).exp().matrix();
      p.row(i) /= p.row(i).sum();
    }
    return p;
  }
};

/// Ignores the features: predicts the training label frequencies for every item (C = largest
/// label + 1). Its expected error reduction values are easy to compute by hand.
struct PriorModel {
  Eigen::RowVectorXd prior;

  template <class X>
  void fit(const X&, const std::vector<int>& labels) {
    int largest = 0;
    for (const int y : labels) largest = std::max(largest, y);
    prior = Eigen::RowVectorXd::Zero(largest + 1);
    for (const int y : labels) prior(y) += 1;
    prior /= static_cast<double>(labels.size());
  }

  template <class X>
  Eigen::MatrixXd predict_proba(const X& x) const {
    return prior.replicate(x.rows(), 1);
  }
};

/// Two well separated Gaussian-ish blobs per class in 2-D, deterministic from a seed.
template <class Random>
void make_blobs(Eigen::Index n_per_class, int classes, Random& random, Eigen::MatrixXd& x,
                std::vector<int>& y) {
  x.resize(n_per_class * classes, 2);
  y.clear();
  for (int c = 0; c < classes; ++c) {
    const double cx = 4.0 * std::cos(2.0 * 3.14159265358979 * c / classes);
    const double cy = 4.0 * std::sin(2.0 * 3.14159265358979 * c / classes);
    for (Eigen::Index i = 0; i < n_per_class; ++i) {
      const Eigen::Index r = c * n_per_class + i;
      x(r, 0) = cx + random.normal();
      x(r, 1) = cy + random.normal();
      y.push_back(c);
    }
  }
}

}  // namespace part_b_test
