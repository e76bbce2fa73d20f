#pragma once
// Loaders for the real data sets in examples/data, shared by the examples and the tests. Not part
// of the library: labelkit itself does no file I/O outside its annotation import/export.

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/random.hpp"

#ifndef LABELKIT_EXAMPLES_DATA_DIR
#define LABELKIT_EXAMPLES_DATA_DIR "examples/data"
#endif

namespace examples {

/// Features (rows are items) and class labels 0..C-1.
struct Dataset {
  Eigen::MatrixXd features;
  std::vector<int> labels;
  int n_classes = 0;
};

/// Path of a file in examples/data.
inline std::string data_path(const std::string& file) {
  return std::string(LABELKIT_EXAMPLES_DATA_DIR) + "/" + file;
}

namespace detail {

inline std::vector<std::vector<double>> read_numeric_csv(const std::string& path,
                                                         bool skip_header) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<double>> rows;
  std::string line;
  std::size_t line_number = 0;
  if (skip_header) {
    std::getline(in, line);
    ++line_number;
  }
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    std::vector<double> row;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) {
      try {
        row.push_back(std::stod(field));
      } catch (const std::exception&) {
        throw std::runtime_error(path + ":" + std::to_string(line_number) + ": not a number: '" +
                                 field + "'");
      }
    }
    if (!rows.empty() && row.size() != rows.front().size()) {
      throw std::runtime_error(path + ":" + std::to_string(line_number) + ": expected " +
                               std::to_string(rows.front().size()) + " fields, got " +
                               std::to_string(row.size()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

inline Dataset to_dataset(const std::vector<std::vector<double>>& rows) {
  Dataset data;
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto d = static_cast<Eigen::Index>(rows.front().size()) - 1;
  data.features.resize(n, d);
  data.labels.resize(rows.size());
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < d; ++j) data.features(i, j) = row[static_cast<std::size_t>(j)];
    data.labels[static_cast<std::size_t>(i)] = static_cast<int>(row.back());
    data.n_classes = std::max(data.n_classes, data.labels[static_cast<std::size_t>(i)] + 1);
  }
  return data;
}

}  // namespace detail

/// UCI handwritten digits: 1797 x 64 pixel counts (0..16), 10 classes.
inline Dataset load_digits() {
  return detail::to_dataset(detail::read_numeric_csv(data_path("digits.csv"), false));
}

/// Breast Cancer Wisconsin (Diagnostic): 569 x 30, 2 classes (0 = malignant, 1 = benign).
inline Dataset load_breast_cancer() {
  return detail::to_dataset(detail::read_numeric_csv(data_path("breast_cancer.csv"), true));
}

/// The bluebirds crowd: 4212 answers of 39 workers on 108 images, and the true label per image
/// (as item id -> label pairs, ascending item id).
struct Crowd {
  std::vector<labelkit::Annotation> annotations;
  std::vector<std::pair<Eigen::Index, int>> truth;
};

inline Crowd load_bluebirds() {
  Crowd crowd;
  for (const auto& row : detail::read_numeric_csv(data_path("bluebirds.csv"), true)) {
    crowd.annotations.push_back({static_cast<Eigen::Index>(row[0]),
                                 static_cast<Eigen::Index>(row[1]), static_cast<int>(row[2])});
  }
  for (const auto& row : detail::read_numeric_csv(data_path("bluebirds_truth.csv"), true)) {
    crowd.truth.emplace_back(static_cast<Eigen::Index>(row[0]), static_cast<int>(row[1]));
  }
  std::sort(crowd.truth.begin(), crowd.truth.end());
  return crowd;
}

/// A seeded split into a training pool and a held-out test set (test_fraction of the rows).
struct Split {
  Dataset pool;
  Dataset test;
};

inline Split train_test_split(const Dataset& data, double test_fraction, std::uint64_t seed) {
  labelkit::Random random(seed);
  const auto n = data.features.rows();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  random.shuffle(std::span<Eigen::Index>(order));
  const auto n_test = static_cast<Eigen::Index>(static_cast<double>(n) * test_fraction);
  Split split;
  auto take = [&](Dataset& out, std::size_t from, std::size_t to) {
    out.n_classes = data.n_classes;
    out.features.resize(static_cast<Eigen::Index>(to - from), data.features.cols());
    out.labels.clear();
    for (std::size_t r = from; r < to; ++r) {
      out.features.row(static_cast<Eigen::Index>(r - from)) = data.features.row(order[r]);
      out.labels.push_back(data.labels[static_cast<std::size_t>(order[r])]);
    }
  };
  take(split.test, 0, static_cast<std::size_t>(n_test));
  take(split.pool, static_cast<std::size_t>(n_test), static_cast<std::size_t>(n));
  return split;
}

/// Standardises every feature to mean 0 and unit (population) standard deviation, with the mean
/// and deviation measured on the pool only and applied to both the pool and the test set: the
/// pool's features are known before any label is bought, the test set's are not used. A constant
/// feature is only centred.
inline void standardize_on_pool(Split& split) {
  const Eigen::RowVectorXd mean = split.pool.features.colwise().mean();
  Eigen::RowVectorXd scale =
      ((split.pool.features.rowwise() - mean).array().square().colwise().mean()).sqrt().matrix();
  for (Eigen::Index j = 0; j < scale.size(); ++j) {
    if (scale(j) == 0.0) scale(j) = 1.0;
  }
  split.pool.features =
      ((split.pool.features.rowwise() - mean).array().rowwise() / scale.array()).matrix();
  split.test.features =
      ((split.test.features.rowwise() - mean).array().rowwise() / scale.array()).matrix();
}

}  // namespace examples
