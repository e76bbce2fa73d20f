// Multi-label label issues, pinned to cleanlab's multilabel_classification filter and rank on
// tests/data/cleanlab_multilabel.csv (written, with the expected values below printed, by
// tests/data/cleanlab_multilabel.py at cleanlab commit 750625747de1b26d8530954f51f0530bd0b51d3c).
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/quality/multilabel_issues.hpp"

namespace q = labelkit::quality;

namespace {

struct MlFixture {
  Eigen::MatrixXd given;
  Eigen::MatrixXd truth;
  Eigen::MatrixXd probabilities;
};

MlFixture ml_load() {
  std::ifstream in(std::string(LABELKIT_TEST_DATA_DIR) + "/cleanlab_multilabel.csv");
  REQUIRE(in);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string field;
    rows.emplace_back();
    while (std::getline(fields, field, ',')) rows.back().push_back(std::stod(field));
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  MlFixture f{Eigen::MatrixXd(n, 4), Eigen::MatrixXd(n, 4), Eigen::MatrixXd(n, 4)};
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < 4; ++k) {
      f.given(i, k) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
      f.truth(i, k) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(k + 4)];
      f.probabilities(i, k) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(k + 8)];
    }
  }
  return f;
}

std::vector<Eigen::Index> ml_sorted(std::vector<Eigen::Index> v) {
  std::sort(v.begin(), v.end());
  return v;
}

q::MultilabelIssuesResult ml_run(const MlFixture& f, q::FilterBy filter,
                                 q::RankBy rank_by = q::RankBy::self_confidence) {
  q::MultilabelIssueOptions options;
  options.filter_by = filter;
  options.rank_by = rank_by;
  return q::find_multilabel_issues(f.given, f.probabilities, options);
}

}  // namespace

// cleanlab: multilabel_classification.filter.find_label_issues(labels, P, filter_by=fb,
//           return_indices_ranked_by="self_confidence", n_jobs=1)
TEST_CASE("multi-label issues match cleanlab for every filter, ranked by self-confidence") {
  const MlFixture f = ml_load();
  REQUIRE(f.given.rows() == 60);
  const std::vector<Eigen::Index> pruned = {55, 46, 4,  28, 45, 38, 58, 34, 10, 35, 29, 17, 13,
                                            54, 33, 53, 16, 18, 26, 20, 51, 56, 11, 41, 19, 24};
  CHECK(ml_run(f, q::FilterBy::prune_by_noise_rate).issues == pruned);
  CHECK(ml_run(f, q::FilterBy::prune_by_class).issues == pruned);
  CHECK(ml_run(f, q::FilterBy::both).issues == pruned);
  std::vector<Eigen::Index> confident(pruned.begin(), pruned.end() - 1);
  CHECK(ml_run(f, q::FilterBy::confident_learning).issues == confident);
  const std::vector<Eigen::Index> neq = {55, 46, 4,  28, 45, 38, 58, 34, 10, 35, 29, 17, 13, 54, 33,
                                         53, 16, 18, 26, 20, 51, 56, 11, 41, 22, 19, 23, 47, 24, 0};
  CHECK(ml_run(f, q::FilterBy::predicted_neq_given).issues == neq);
  // cleanlab's low_self_confidence set: [11, 26, 55, 29, 18, 53, 22, 54, 46, 33, 17, 38, 28, 56,
  // 13, 51, 45, 58, 35, 34, 20, 41, 4, 16, 10]. Its order there is not by score: cleanlab
  // argsorts the scores of the issues taken in row order and applies that permutation to the
  // issues taken in score order. labelkit ranks them by score.
  const std::vector<Eigen::Index> low = {11, 26, 55, 29, 18, 53, 22, 54, 46, 33, 17, 38, 28,
                                         56, 13, 51, 45, 58, 35, 34, 20, 41, 4,  16, 10};
  const auto by_self = ml_run(f, q::FilterBy::low_self_confidence);
  CHECK(ml_sorted(by_self.issues) == ml_sorted(low));
  for (std::size_t r = 1; r < by_self.issues.size(); ++r)
    CHECK(by_self.quality(by_self.issues[r - 1]) <= by_self.quality(by_self.issues[r]));
  CHECK(ml_sorted(ml_run(f, q::FilterBy::low_normalized_margin).issues) == ml_sorted(low));
  // cleanlab: find_multilabel_issues_per_class(labels, P, n_jobs=1)
  const std::vector<std::vector<Eigen::Index>> per_class = {
      {10, 11, 13, 16, 17, 19, 20, 26, 28, 35, 46, 58},
      {4, 24, 28, 33, 34, 35, 38, 41, 46},
      {4, 18, 34, 38, 45, 53, 55},
      {10, 29, 45, 51, 54, 55, 56, 58}};
  CHECK(ml_run(f, q::FilterBy::prune_by_noise_rate).per_class == per_class);
}

// cleanlab: multilabel_classification.rank.get_label_quality_scores(labels, P, method=m)[:5];
//           filter.find_label_issues(labels, P, return_indices_ranked_by=
//           "confidence_weighted_entropy", n_jobs=1)
TEST_CASE("multi-label quality scores match cleanlab's") {
  const MlFixture f = ml_load();
  const double self[] = {0.5691679999999999, 0.94279199999999996, 0.96684799999999993,
                         0.85860000000000003, 0.055031999999999984};
  const double cwe[] = {0.60555217273555728, 0.86279905500800569, 0.90587996622679023,
                        0.76332756847574523, 0.30421893542389816};
  const Eigen::VectorXd s = q::multilabel_quality_scores(f.given, f.probabilities);
  const Eigen::VectorXd m =
      q::multilabel_quality_scores(f.given, f.probabilities, q::RankBy::normalized_margin);
  const Eigen::VectorXd e = q::multilabel_quality_scores(f.given, f.probabilities,
                                                         q::RankBy::confidence_weighted_entropy);
  for (int i = 0; i < 5; ++i) {
    CHECK(s(i) == doctest::Approx(self[i]).epsilon(1e-12));
    CHECK(m(i) == doctest::Approx(self[i]).epsilon(1e-12));
    CHECK(e(i) == doctest::Approx(cwe[i]).epsilon(1e-12));
  }
  const std::vector<Eigen::Index> ranked = {28, 55, 4,  45, 46, 38, 58, 34, 10, 35, 29, 13, 33,
                                            53, 17, 16, 54, 18, 26, 20, 51, 56, 11, 41, 19, 24};
  CHECK(
      ml_run(f, q::FilterBy::prune_by_noise_rate, q::RankBy::confidence_weighted_entropy).issues ==
      ranked);
  // cleanlab's docstring example: labels [[1], [0, 2]], P [[0.1, 0.9, 0.1], [0.4, 0.1, 0.9]]
  // gives [0.9, 0.5]; its aggregate example [[0.9, 0.9, 0.3], [0.4, 0.9, 0.6]] gives
  // [0.42, 0.452].
  Eigen::MatrixXd y(2, 3);
  y << 0, 1, 0, 1, 0, 1;
  Eigen::MatrixXd p(2, 3);
  p << 0.1, 0.9, 0.1, 0.4, 0.1, 0.9;
  const Eigen::VectorXd doc = q::multilabel_quality_scores(y, p);
  CHECK(doc(0) == doctest::Approx(0.9));
  CHECK(doc(1) == doctest::Approx(0.5));
  p << 0.1, 0.9, 0.7, 0.4, 0.1,
      0.6;  // per-class self-confidence [[0.9, 0.9, 0.3], [0.4, 0.9, 0.6]]
  const Eigen::VectorXd agg = q::multilabel_quality_scores(y, p);
  CHECK(agg(0) == doctest::Approx(0.42));
  CHECK(agg(1) == doctest::Approx(0.452));
}

TEST_CASE("multi-label issues find the flipped memberships of the fixture") {
  const MlFixture f = ml_load();
  const auto r = ml_run(f, q::FilterBy::prune_by_noise_rate);
  int hits = 0;
  for (const Eigen::Index i : r.issues)
    hits += (f.given.row(i) - f.truth.row(i)).cwiseAbs().sum() > 0;
  int wrong_items = 0;
  for (Eigen::Index i = 0; i < f.given.rows(); ++i)
    wrong_items += (f.given.row(i) - f.truth.row(i)).cwiseAbs().sum() > 0;
  MESSAGE("multi-label: " << hits << " of " << r.issues.size() << " issues are items with a "
                          << "flipped membership; " << wrong_items << " such items");
  // Measured: 25 of 26 issues are items with a flipped membership (29 such items).
  CHECK(hits >= static_cast<int>(r.issues.size()) * 8 / 10);
}

TEST_CASE("find_multilabel_issues rejects bad input, naming it") {
  Eigen::MatrixXd y(2, 2);
  y << 1, 0, 0, 2;
  Eigen::MatrixXd p(2, 2);
  p << 0.9, 0.1, 0.2, 0.8;
  CHECK_THROWS_WITH_AS(static_cast<void>(q::find_multilabel_issues(y, p)),
                       doctest::Contains("'labels' entry at row 1, column 1 is not 0 or 1"),
                       labelkit::invalid_argument);
  y(1, 1) = 1;
  p(0, 1) = 1.5;
  CHECK_THROWS_WITH_AS(static_cast<void>(q::find_multilabel_issues(y, p)),
                       doctest::Contains("row 0, column 1"), labelkit::invalid_argument);
  p(0, 1) = 0.1;
  CHECK_THROWS_AS(static_cast<void>(q::find_multilabel_issues(y, Eigen::MatrixXd(p.leftCols(1)))),
                  labelkit::dimension_mismatch);
  q::MultilabelIssueOptions options;
  options.alpha = 2;
  CHECK_THROWS_WITH_AS(static_cast<void>(q::find_multilabel_issues(y, p, options)),
                       doctest::Contains("'options.alpha'"), labelkit::invalid_argument);
  options.alpha = 0.8;
  options.num_to_remove_per_class = std::vector<Eigen::Index>{1, 1};
  CHECK_THROWS_WITH_AS(static_cast<void>(q::find_multilabel_issues(y, p, options)),
                       doctest::Contains("not supported"), labelkit::invalid_argument);
}
