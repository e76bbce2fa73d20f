#pragma once
// Small, exact models for testing the loop without depending on an optimiser.

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/softmax.hpp"

namespace test_models {

/// Softmax over negative squared distances to class centroids; classes without examples get a
/// far-away centroid (probability ~0). n_classes is fixed up front, as in an active-learning run.
struct NearestCentroid {
  int n_classes = 2;
  Eigen::MatrixXd centroids;
  int fit_calls = 0;
  Eigen::Index last_fit_rows = 0;

  void fit(const Eigen::MatrixXd& x, const std::vector<int>& y) {
    ++fit_calls;
    last_fit_rows = x.rows();
    centroids = Eigen::MatrixXd::Constant(n_classes, x.cols(), 1e3);
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(n_classes);
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(n_classes, x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      sums.row(y[static_cast<std::size_t>(i)]) += x.row(i);
      counts(y[static_cast<std::size_t>(i)]) += 1;
    }
    for (int c = 0; c < n_classes; ++c) {
      if (counts(c) > 0) centroids.row(c) = sums.row(c) / counts(c);
    }
  }

  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    Eigen::MatrixXd logits(x.rows(), n_classes);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (int c = 0; c < n_classes; ++c) logits(i, c) = -(x.row(i) - centroids.row(c)).squaredNorm();
    }
    return labelkit::softmax(logits);
  }
};

}  // namespace test_models
