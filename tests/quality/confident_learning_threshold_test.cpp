// Per-class thresholds of confident learning when many items share one probability: the mean
// of n equal values must be that value, so that p >= t_k counts every one of them.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <vector>

#include "labelkit/quality/confident_learning.hpp"

namespace q = labelkit::quality;

namespace {

// cleanlab's tests/test_filter_count.py::test_find_label_issues_match_multiprocessing, with the
// probability p (0.95 there) and n (5,000 there) as parameters: the first n/2 items are given
// label 1 and the rest label 0; every row predicts (p, 1 - p, 0, 0) except row 0, which
// predicts (p - 0.01, 1 - p + 0.01, 0, 0). cleanlab expects every given-1 item except row 0
// (kept by min_examples_per_class = 1) to be a label issue: n/2 - 1 issues.
struct Fixture {
  std::vector<int> labels;
  Eigen::MatrixXd probabilities;
};

Fixture cleanlab_fixture(Eigen::Index n, double p) {
  Fixture f;
  f.labels.assign(static_cast<std::size_t>(n), 1);
  for (Eigen::Index i = n / 2; i < n; ++i) f.labels[static_cast<std::size_t>(i)] = 0;
  f.probabilities = Eigen::MatrixXd::Zero(n, 4);
  f.probabilities.col(0).setConstant(p);
  f.probabilities.col(1).setConstant(1 - p);
  f.probabilities(0, 0) = p - 0.01;
  f.probabilities(0, 1) = 1 - p + 0.01;
  return f;
}

}  // namespace

TEST_CASE("the threshold of n equal probabilities is that probability, at any n") {
  // A running sum divided by n misses for each of these: 10 x 0.9 gives 0.9000000000000001,
  // 2,500 x 0.95 gives 0.9500000000000025, 100,000 x 0.1 gives 0.10000000000018848.
  for (const double p : {0.9, 0.95, 0.3, 0.7, 0.6, 0.1, 0.8}) {
    for (const Eigen::Index n : {10, 100, 1000, 2500, 5000, 100000}) {
      const std::vector<int> labels(static_cast<std::size_t>(n), 0);
      Eigen::MatrixXd probabilities(n, 2);
      probabilities.col(0).setConstant(p);
      probabilities.col(1).setConstant(1 - p);
      CAPTURE(p);
      CAPTURE(n);
      const Eigen::VectorXd t = q::per_class_thresholds(labels, probabilities);
      CHECK(t(0) == p);
      CHECK(std::isinf(t(1)));  // class 1 was given to nobody
      // Every item is confidently class 0 (p >= t_0).
      const Eigen::MatrixXd joint = q::confident_joint(labels, probabilities, false);
      CHECK(joint(0, 0) == static_cast<double>(n));
    }
  }
}

TEST_CASE("the threshold stays the mean, inside the range of the values, when they differ") {
  const std::vector<int> labels = {0, 0, 0, 1, 1};
  Eigen::MatrixXd p(5, 2);
  p << 0.9, 0.1, 0.8, 0.2, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5;
  const Eigen::VectorXd t = q::per_class_thresholds(labels, p);
  CHECK(t(0) == doctest::Approx(0.7));
  CHECK(t(1) == doctest::Approx(0.6));
}

TEST_CASE("cleanlab's test_find_label_issues_match_multiprocessing fixture, at several n and p") {
  // With n = 5,000 and p = 0.95 (cleanlab's own values) labelkit used to find 0 issues where
  // cleanlab finds 2,499: the threshold of class 0 came out 0.9500000000000025 > 0.95.
  for (const double p : {0.95, 0.9, 0.8, 0.7}) {
    for (const Eigen::Index n : {10, 100, 1000, 5000, 20000}) {
      CAPTURE(p);
      CAPTURE(n);
      const Fixture f = cleanlab_fixture(n, p);
      for (const q::FilterBy filter :
           {q::FilterBy::prune_by_noise_rate, q::FilterBy::prune_by_class, q::FilterBy::both,
            q::FilterBy::confident_learning}) {
        q::LabelIssueOptions options;
        options.filter_by = filter;
        const auto r = q::find_label_issues(f.labels, f.probabilities, options);
        CHECK(r.thresholds(0) == p);
        REQUIRE(static_cast<Eigen::Index>(r.issues.size()) == n / 2 - 1);
        std::vector<char> flagged(static_cast<std::size_t>(n), 0);
        for (const auto& issue : r.issues) {
          flagged[static_cast<std::size_t>(issue.index)] = 1;
          CHECK(issue.given_label == 1);
          CHECK(issue.suggested_label == 0);
        }
        for (Eigen::Index i = 0; i < n; ++i) {
          CHECK(flagged[static_cast<std::size_t>(i)] == (i > 0 && i < n / 2 ? 1 : 0));
        }
      }
    }
  }
}
