#pragma once
// Toy models shared by the query tests.

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/softmax.hpp"

namespace test_models {

// A fixed linear softmax model on two features and three classes (fit does nothing).
struct LinearToy {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    Eigen::MatrixXd w(2, 3);
    w << 1, -1, 0.5, /**/ 0.2, 0.3, -2;
    return labelkit::softmax(x * w);
  }
};

}  // namespace test_models
