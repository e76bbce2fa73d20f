#pragma once
// The UCI digits, loaded once per test executable, and the row-major matrix types the model
// tests feed them as.

#include <Eigen/Core>

#include "datasets.hpp"

namespace test_models {

using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline const examples::Dataset& digits() {
  static const examples::Dataset data = examples::load_digits();
  return data;
}

}  // namespace test_models
