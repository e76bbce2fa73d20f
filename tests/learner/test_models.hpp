#pragma once
// Small, exact models and data for testing strategies and the loop without an optimiser. Not
// part of the library.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace test_models {

/// Nearest-centroid classifier: P(c | x) = softmax_c(-||x - centroid_c||^2). The class count is
/// `fixed_classes` when positive, else the largest training label + 1. A class with no training
/// item keeps its centroid at `absent_coordinate` in every feature. Counts its fits.
struct CentroidModel {
  Eigen::Index fixed_classes = 0;
  double absent_coordinate = 0.0;
  Eigen::MatrixXd centroids;
  int fit_calls = 0;
  Eigen::Index last_fit_rows = 0;

  CentroidModel() = default;
  explicit CentroidModel(Eigen::Index classes, double absent = 0.0)
      : fixed_classes(classes), absent_coordinate(absent) {}

  template <class X>
  void fit(const X& x, const std::vector<int>& labels) {
    ++fit_calls;
    last_fit_rows = x.rows();
    int largest = 0;
    for (const int y : labels) largest = std::max(largest, y);
    const Eigen::Index c = fixed_classes > 0 ? fixed_classes : Eigen::Index{largest} + 1;
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(c, x.cols());
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(c);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      sums.row(labels[i]) += x.row(static_cast<Eigen::Index>(i)).template cast<double>();
      counts(labels[i]) += 1;
    }
    centroids = Eigen::MatrixXd::Constant(c, x.cols(), absent_coordinate);
    for (Eigen::Index j = 0; j < c; ++j) {
      if (counts(j) > 0) centroids.row(j) = sums.row(j) / counts(j);
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

/// The loop tests' preset: two classes fixed up front (as an active-learning run knows them), an
/// unseen class far away (probability ~0).
struct NearestCentroid : CentroidModel {
  NearestCentroid() : CentroidModel(2, 1e3) {}
};

/// A nearest-centroid model (3 classes) that counts its predict_proba and embed calls and the
/// rows they saw; embeddings are twice the features.
struct CountingCentroid : CentroidModel {
  int* predictions = nullptr;
  int* embeddings = nullptr;
  Eigen::Index* predicted_rows = nullptr;

  CountingCentroid(int* p, int* e, Eigen::Index* rows = nullptr)
      : CentroidModel(3), predictions(p), embeddings(e), predicted_rows(rows) {}

  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    ++*predictions;
    if (predicted_rows != nullptr) *predicted_rows += x.rows();
    return CentroidModel::predict_proba(x);
  }
  Eigen::MatrixXd embed(const Eigen::MatrixXd& x) const {
    ++*embeddings;
    return 2.0 * x;
  }
};

/// A committee of two over the centroid model: the softmax itself and a sharper one (each
/// probability squared, renormalised), so the members disagree most where the model is unsure.
struct CentroidCommittee : CentroidModel {
  CentroidCommittee() : CentroidModel(2, 1e3) {}

  template <class X>
  std::vector<Eigen::MatrixXd> predict_proba_members(const X& x) const {
    const Eigen::MatrixXd p = predict_proba(x);
    Eigen::MatrixXd sharp = p.array().square().matrix();
    for (Eigen::Index i = 0; i < sharp.rows(); ++i) sharp.row(i) /= sharp.row(i).sum();
    return {p, sharp};
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

/// `classes` Gaussian blobs (unit variance) of n_per_class points each in 2-D, centred on a
/// circle of radius 4; deterministic from `random`.
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

// Two clusters on a line: x_i = -1 + 0.2 i for items 0..10; item 5 sits exactly between. With
// items 0 and 10 labeled 0 and 1, the entropy ranking is 5, {4, 6}, {3, 7}, {2, 8}, {1, 9}.
inline Eigen::MatrixXd line_features() {
  Eigen::MatrixXd x(11, 1);
  for (Eigen::Index i = 0; i < 11; ++i) x(i, 0) = -1.0 + 0.2 * static_cast<double>(i);
  return x;
}

}  // namespace test_models
