// cleanlab's other label-issue tools (cleanlab.filter filter_by=..., cleanlab.rank,
// cleanlab.count.num_label_issues, user-given thresholds, num_to_remove_per_class), pinned to
// cleanlab's own output on its tests/test_filter_count.py fixtures.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/quality/confident_learning.hpp"

namespace q = labelkit::quality;

namespace {

// tests/data/cleanlab_make_data.csv: cleanlab's make_data() (seed 1; 160 items, 3 classes),
// written by tests/data/cleanlab_make_data.py.
struct LiFixture {
  std::vector<int> given;
  std::vector<int> truth;
  Eigen::MatrixXd probabilities;
};

LiFixture li_load_make_data() {
  std::ifstream in(std::string(LABELKIT_TEST_DATA_DIR) + "/cleanlab_make_data.csv");
  REQUIRE(in);
  LiFixture f;
  std::vector<double> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    f.given.push_back(std::stoi(field));
    std::getline(fields, field, ',');
    f.truth.push_back(std::stoi(field));
    while (std::getline(fields, field, ',')) values.push_back(std::stod(field));
  }
  f.probabilities = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>>(
      values.data(), static_cast<Eigen::Index>(f.given.size()), 3);
  return f;
}

std::vector<Eigen::Index> li_indices(const q::LabelIssuesResult& r) {
  std::vector<Eigen::Index> out;
  for (const auto& issue : r.issues) out.push_back(issue.index);
  return out;
}

std::vector<Eigen::Index> li_sorted(std::vector<Eigen::Index> v) {
  std::sort(v.begin(), v.end());
  return v;
}

q::LabelIssuesResult li_run(const LiFixture& f, q::FilterBy filter,
                            q::RankBy rank_by = q::RankBy::self_confidence) {
  q::LabelIssueOptions options;
  options.filter_by = filter;
  options.rank_by = rank_by;
  return q::find_label_issues(f.given, f.probabilities, options);
}

// cleanlab's test_num_label_issues_different_estimation_types fixture (9 items, 2 classes).
const std::vector<int> li_nine_labels = {0, 1, 1, 1, 1, 0, 0, 1, 0};
Eigen::MatrixXd li_nine_probabilities() {
  Eigen::MatrixXd p(9, 2);
  p << 0.7110397298505661, 0.2889602701494339, 0.6367131487519773, 0.36328685124802274,
      0.7571834730987641, 0.24281652690123584, 0.6394163729473307, 0.3605836270526695,
      0.5853684039196656, 0.4146315960803345, 0.6675968116482668, 0.33240318835173316,
      0.7240647829106976, 0.2759352170893023, 0.740474240697777, 0.25952575930222266,
      0.7148252196621883, 0.28517478033781196;
  return p;
}

}  // namespace

// Expected values: cleanlab at commit 750625747de1b26d8530954f51f0530bd0b51d3c,
//   d = np.loadtxt('tests/data/cleanlab_make_data.csv', delimiter=',')
//   y = d[:, 0].astype(int); P = d[:, 2:]
//   filter.find_label_issues(y, P, filter_by=fb, return_indices_ranked_by="self_confidence",
//                            n_jobs=1)
TEST_CASE("every filter_by matches cleanlab's indices, ranked by self-confidence") {
  const LiFixture f = li_load_make_data();
  REQUIRE(f.given.size() == 160);
  const std::vector<Eigen::Index> pruned = {151, 141, 123, 159, 45,  10,  83, 33,  70,  105, 32, 58,
                                            59,  27,  67,  115, 134, 20,  40, 2,   152, 76,  77, 31,
                                            78,  79,  132, 39,  150, 128, 46, 131, 66,  62,  64};
  std::vector<Eigen::Index> by_class = pruned;
  by_class.push_back(154);
  const std::vector<Eigen::Index> confident = {151, 141, 123, 159, 45, 83,  70, 105, 32, 58, 59,
                                               27,  67,  115, 134, 20, 40,  2,  152, 77, 31, 78,
                                               79,  132, 39,  150, 46, 131, 66, 62,  64};
  std::vector<Eigen::Index> neq = pruned;
  for (const Eigen::Index i : {89, 88, 154, 156, 127, 55}) neq.push_back(i);
  const std::vector<Eigen::Index> low_margin = {151, 141, 123, 159, 45,  10,  83,  33, 70, 105, 32,
                                                58,  59,  27,  67,  115, 134, 20,  40, 2,  152, 76,
                                                77,  31,  78,  79,  132, 39,  150, 46, 66};
  const std::vector<Eigen::Index> low_self = {151, 141, 123, 159, 45,  10,  83,  33,  70, 105, 32,
                                              58,  59,  27,  67,  115, 134, 20,  40,  2,  152, 76,
                                              77,  31,  78,  79,  132, 39,  150, 128, 46};
  CHECK(li_indices(li_run(f, q::FilterBy::prune_by_noise_rate)) == pruned);
  CHECK(li_indices(li_run(f, q::FilterBy::prune_by_class)) == by_class);
  CHECK(li_indices(li_run(f, q::FilterBy::both)) == pruned);
  CHECK(li_indices(li_run(f, q::FilterBy::confident_learning)) == confident);
  CHECK(li_indices(li_run(f, q::FilterBy::predicted_neq_given)) == neq);
  CHECK(li_indices(li_run(f, q::FilterBy::low_normalized_margin)) == low_margin);
  CHECK(li_indices(li_run(f, q::FilterBy::low_self_confidence)) == low_self);
  // The low_* filters flag exactly num_label_issues() items (cleanlab's
  // test_find_label_issues_same_value).
  CHECK(q::num_label_issues(f.given, f.probabilities) == 31);
  // predicted_neq_given is argmax != given.
  for (const auto& issue : li_run(f, q::FilterBy::predicted_neq_given).issues) {
    Eigen::Index argmax = 0;
    f.probabilities.row(issue.index).maxCoeff(&argmax);
    CHECK(argmax != issue.given_label);
  }
}

// cleanlab:
//   rank.get_label_quality_scores(y, P, method=m)[:6]
//   filter.find_label_issues(y, P, return_indices_ranked_by="confidence_weighted_entropy",
//                            n_jobs=1)
TEST_CASE("confidence-weighted entropy matches cleanlab's scores and ranking") {
  const LiFixture f = li_load_make_data();
  const Eigen::VectorXd cwe =
      q::label_quality_scores(f.given, f.probabilities, q::RankBy::confidence_weighted_entropy);
  const double expected[] = {0.60108276179528775, 0.69319555959566681, 0.39186142019873033,
                             0.69189387537802682, 0.70099260564268906, 0.75410113769765696};
  for (int i = 0; i < 6; ++i) CHECK(cwe(i) == doctest::Approx(expected[i]).epsilon(1e-12));
  const Eigen::VectorXd margin =
      q::label_quality_scores(f.given, f.probabilities, q::RankBy::normalized_margin);
  CHECK(margin(2) == doctest::Approx(0.16105821684252397).epsilon(1e-12));
  const std::vector<Eigen::Index> ranked = {151, 159, 141, 45,  10,  33,  123, 70, 27, 59, 32, 67,
                                            58,  105, 76,  134, 40,  83,  77,  20, 78, 31, 2,  150,
                                            152, 39,  79,  115, 128, 131, 132, 46, 66, 64, 62};
  CHECK(li_indices(li_run(f, q::FilterBy::prune_by_noise_rate,
                          q::RankBy::confidence_weighted_entropy)) == ranked);
  // cleanlab's 9-item fixture:
  //   rank.get_label_quality_scores(y, P, method="confidence_weighted_entropy")
  const Eigen::VectorXd nine = q::label_quality_scores(li_nine_labels, li_nine_probabilities(),
                                                       q::RankBy::confidence_weighted_entropy);
  const double nine_expected[] = {0.6537164714342476,  0.49247768408832776, 0.44242371008485665,
                                  0.49137616413438551, 0.51345974042807141, 0.62922114730433953,
                                  0.66151975847641864, 0.4495952328415877,  0.65596032897812262};
  for (int i = 0; i < 9; ++i) CHECK(nine(i) == doctest::Approx(nine_expected[i]).epsilon(1e-12));
}

TEST_CASE("confidence-weighted entropy at its limits") {
  // A one-hot prediction of the given label scores 1 (the limit of ln(1 + x) / x at x = 0;
  // cleanlab's clipping gives it 0), of another label 0; a uniform row ln 2 / 1 · ... in between.
  const std::vector<int> y = {0, 0, 0};
  Eigen::MatrixXd p(3, 2);
  p << 1, 0, 0, 1, 0.5, 0.5;
  const Eigen::VectorXd s = q::label_quality_scores(y, p, q::RankBy::confidence_weighted_entropy);
  CHECK(s(0) == 1.0);
  CHECK(s(1) == 0.0);
  CHECK(s(2) == doctest::Approx(std::log(3.0) / 2));  // H = 1, x = 2
}

// cleanlab:
//   count.num_label_issues(y, P, estimation_method=m)
//   count.num_label_issues(y, P, confident_joint=count.compute_confident_joint(y, P,
//                          calibrate=False), estimation_method="off_diagonal_custom")
TEST_CASE("num_label_issues matches cleanlab's three estimation methods") {
  const LiFixture f = li_load_make_data();
  q::NumLabelIssuesOptions options;
  CHECK(q::num_label_issues(f.given, f.probabilities, options) == 31);
  options.estimation_method = q::EstimationMethod::off_diagonal_calibrated;
  CHECK(q::num_label_issues(f.given, f.probabilities, options) == 38);
  const Eigen::MatrixXd raw = q::confident_joint(f.given, f.probabilities, false);
  Eigen::Matrix3d expected_raw;
  expected_raw << 46, 3, 5, 11, 33, 3, 7, 2, 23;
  CHECK(raw == Eigen::MatrixXd(expected_raw));
  options.estimation_method = q::EstimationMethod::off_diagonal_custom;
  options.confident_joint = raw;
  CHECK(q::num_label_issues(f.given, f.probabilities, options) == 38);
  // The count of the confident_learning filter (cleanlab: np.sum(f2) == n2).
  CHECK(static_cast<Eigen::Index>(li_run(f, q::FilterBy::confident_learning).issues.size()) == 31);

  // cleanlab's test_num_label_issues_different_estimation_types: off_diagonal 2,
  // off_diagonal_calibrated 3; the low_* and confident_learning filters flag items 2 and 7,
  // predicted_neq_given flags 1, 2, 3, 4 and 7.
  const Eigen::MatrixXd p9 = li_nine_probabilities();
  CHECK(q::num_label_issues(li_nine_labels, p9) == 2);
  q::NumLabelIssuesOptions calibrated;
  calibrated.estimation_method = q::EstimationMethod::off_diagonal_calibrated;
  CHECK(q::num_label_issues(li_nine_labels, p9, calibrated) == 3);
  for (const q::FilterBy filter :
       {q::FilterBy::low_self_confidence, q::FilterBy::low_normalized_margin,
        q::FilterBy::confident_learning}) {
    q::LabelIssueOptions o;
    o.filter_by = filter;
    CHECK(li_sorted(li_indices(q::find_label_issues(li_nine_labels, p9, o))) ==
          std::vector<Eigen::Index>{2, 7});
  }
  q::LabelIssueOptions neq;
  neq.filter_by = q::FilterBy::predicted_neq_given;
  CHECK(li_sorted(li_indices(q::find_label_issues(li_nine_labels, p9, neq))) ==
        std::vector<Eigen::Index>{1, 2, 3, 4, 7});
}

// cleanlab:
//   count.compute_confident_joint(y, P, thresholds=[0.5, 0.4, 0.45], calibrate=c)
//   count.compute_confident_joint(..., calibrate=False, return_indices_of_off_diagonals=True)
//   filter.find_label_issues(y, P, filter_by=fb, confident_joint=<calibrated joint above>,
//                            return_indices_ranked_by="self_confidence", n_jobs=1)
TEST_CASE("user-given thresholds match cleanlab's confident joint and issues") {
  const LiFixture f = li_load_make_data();
  Eigen::VectorXd t(3);
  t << 0.5, 0.4, 0.45;
  Eigen::Matrix3d raw;
  raw << 55, 3, 5, 15, 35, 3, 10, 4, 26;
  CHECK(q::confident_joint(f.given, f.probabilities, t, false) == Eigen::MatrixXd(raw));
  // cleanlab rounds the calibrated joint preserving row totals: [[57, 3, 5], [15, 36, 3],
  // [10, 4, 27]]; labelkit keeps it real, and rounds the same way where it needs counts.
  const Eigen::MatrixXd calibrated = q::confident_joint(f.given, f.probabilities, t);
  Eigen::Matrix3d rounded;
  rounded << 57, 3, 5, 15, 36, 3, 10, 4, 27;
  for (Eigen::Index i = 0; i < 3; ++i) {
    std::vector<double> row;
    for (Eigen::Index j = 0; j < 3; ++j) row.push_back(calibrated(i, j));
    const auto r = labelkit::detail::round_preserving_total(row);
    for (Eigen::Index j = 0; j < 3; ++j) CHECK(r[static_cast<std::size_t>(j)] == rounded(i, j));
  }
  const std::vector<Eigen::Index> off_diagonal = {2,   10,  20,  27,  31,  32,  33,  39,  40,  45,
                                                  46,  55,  58,  59,  62,  64,  66,  67,  70,  76,
                                                  77,  78,  79,  83,  89,  105, 115, 123, 127, 128,
                                                  131, 132, 134, 141, 150, 151, 152, 154, 156, 159};
  q::LabelIssueOptions options;
  options.thresholds = t;
  options.filter_by = q::FilterBy::confident_learning;
  CHECK(li_sorted(li_indices(q::find_label_issues(f.given, f.probabilities, options))) ==
        off_diagonal);
  std::vector<Eigen::Index> pruned = {151, 141, 123, 159, 45, 10,  83, 33,  70, 105, 32, 58, 59,
                                      27,  67,  115, 134, 20, 40,  2,  152, 76, 77,  31, 78, 79,
                                      132, 39,  150, 128, 46, 131, 66, 62,  64, 89,  88, 154};
  options.filter_by = q::FilterBy::prune_by_noise_rate;
  CHECK(li_indices(q::find_label_issues(f.given, f.probabilities, options)) == pruned);
  options.filter_by = q::FilterBy::both;
  CHECK(li_indices(q::find_label_issues(f.given, f.probabilities, options)) == pruned);
  pruned.push_back(156);
  pruned.push_back(127);
  options.filter_by = q::FilterBy::prune_by_class;
  CHECK(li_indices(q::find_label_issues(f.given, f.probabilities, options)) == pruned);
  q::NumLabelIssuesOptions count;
  count.thresholds = t;
  CHECK(q::num_label_issues(f.given, f.probabilities, count) == 40);
}

TEST_CASE("thresholds nobody reaches give the diagonal floor (cleanlab's sklearn>=1.8 cases)") {
  // cleanlab: compute_confident_joint(labels, pred_probs, thresholds=[0.9, 0.9, 0.9],
  // calibrate=False) == I, calibrate=True == diag(2, 2, 1).
  const std::vector<int> labels = {0, 1, 2, 0, 1};
  Eigen::MatrixXd p(5, 3);
  p << 0.1, 0.1, 0.8, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4, 0.1, 0.1, 0.8, 0.2, 0.2, 0.6;
  const Eigen::VectorXd t = Eigen::VectorXd::Constant(3, 0.9);
  CHECK(q::confident_joint(labels, p, t, false) == Eigen::MatrixXd::Identity(3, 3));
  const Eigen::Vector3d diagonal(2, 2, 1);
  CHECK(q::confident_joint(labels, p, t) == Eigen::MatrixXd(diagonal.asDiagonal()));
  q::LabelIssueOptions options;
  options.thresholds = t;
  options.filter_by = q::FilterBy::confident_learning;
  CHECK(q::find_label_issues(labels, p, options).issues.empty());
  options.filter_by = q::FilterBy::low_self_confidence;
  CHECK(q::find_label_issues(labels, p, options).issues.empty());
  // cleanlab's test_compute_confident_joint_empty_arrays_edge_case.
  const std::vector<int> two = {0, 1, 0};
  Eigen::MatrixXd half = Eigen::MatrixXd::Constant(3, 2, 0.5);
  CHECK(q::confident_joint(two, half, Eigen::Vector2d(0.51, 0.51), false) ==
        Eigen::MatrixXd::Identity(2, 2));
}

// cleanlab (test_exact_prune_count, test_pruning_both with per-class counts):
//   filter.find_label_issues(y, P, filter_by=fb, num_to_remove_per_class=[5, 3, 4], n_jobs=1)
//   prune_by_class: [10, 27, 33, 45, 70, 83, 105, 115, 123, 141, 151, 159], 5/3/4 per class.
TEST_CASE("num_to_remove_per_class flags exactly that many per class with prune_by_class") {
  const LiFixture f = li_load_make_data();
  q::LabelIssueOptions options;
  options.num_to_remove_per_class = std::vector<Eigen::Index>{5, 3, 4};
  options.filter_by = q::FilterBy::prune_by_class;
  const auto by_class = q::find_label_issues(f.given, f.probabilities, options);
  CHECK(li_sorted(li_indices(by_class)) ==
        std::vector<Eigen::Index>{10, 27, 33, 45, 70, 83, 105, 115, 123, 141, 151, 159});
  // prune_by_noise_rate gets each class's count right too (cleanlab's, which spreads the
  // counts over the transposed matrix, flags 3 / 5 / 4 here).
  options.filter_by = q::FilterBy::prune_by_noise_rate;
  const auto by_noise = q::find_label_issues(f.given, f.probabilities, options);
  std::vector<int> per_class(3, 0);
  for (const auto& issue : by_noise.issues)
    ++per_class[static_cast<std::size_t>(issue.given_label)];
  CHECK(per_class == std::vector<int>{5, 3, 4});
  // both = the intersection (cleanlab's test_pruning_both).
  options.filter_by = q::FilterBy::both;
  const auto both = q::find_label_issues(f.given, f.probabilities, options);
  const auto a = li_sorted(li_indices(by_class));
  const auto b = li_sorted(li_indices(by_noise));
  std::vector<Eigen::Index> intersection;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(intersection));
  CHECK(li_sorted(li_indices(both)) == intersection);
  // Zero removes nothing; min_examples_per_class caps the count.
  options.filter_by = q::FilterBy::prune_by_class;
  options.num_to_remove_per_class = std::vector<Eigen::Index>{0, 0, 0};
  CHECK(q::find_label_issues(f.given, f.probabilities, options).issues.empty());
  const std::vector<int> y = {0, 0, 0, 1, 1, 1};
  Eigen::MatrixXd p(6, 2);
  p << 0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.9, 0.1, 0.8, 0.2, 0.7, 0.3;
  options.num_to_remove_per_class = std::vector<Eigen::Index>{3, 1};
  options.min_examples_per_class = 1;
  const auto capped = q::find_label_issues(y, p, options);
  CHECK(li_sorted(li_indices(capped)) ==
        std::vector<Eigen::Index>{0, 1, 3});  // class 0 capped at 2
}

TEST_CASE("the new options reject bad input, naming it") {
  const std::vector<int> y = {0, 1, 0};
  Eigen::MatrixXd p(3, 2);
  p << 0.5, 0.5, 0.2, 0.8, 0.7, 0.3;
  q::LabelIssueOptions options;
  options.thresholds = Eigen::VectorXd::Constant(3, 0.5);
  CHECK_THROWS_WITH_AS(q::find_label_issues(y, p, options),
                       doctest::Contains("'options.thresholds' has 3 entries"),
                       labelkit::dimension_mismatch);
  options.thresholds = Eigen::Vector2d(0.5, std::nan(""));
  CHECK_THROWS_WITH_AS(q::find_label_issues(y, p, options),
                       "labelkit: find_label_issues(): 'options.thresholds' entry 1 is NaN",
                       labelkit::invalid_argument);
  options.thresholds.reset();
  options.num_to_remove_per_class = std::vector<Eigen::Index>{1, 1};
  options.filter_by = q::FilterBy::low_self_confidence;
  CHECK_THROWS_WITH_AS(q::find_label_issues(y, p, options),
                       doctest::Contains("needs filter_by prune_by_noise_rate"),
                       labelkit::invalid_argument);
  options.filter_by = q::FilterBy::prune_by_class;
  options.num_to_remove_per_class = std::vector<Eigen::Index>{1, -1};
  CHECK_THROWS_WITH_AS(q::find_label_issues(y, p, options),
                       doctest::Contains("entry 1 is negative (got -1)"),
                       labelkit::invalid_argument);
  options.num_to_remove_per_class = std::vector<Eigen::Index>{1};
  CHECK_THROWS_AS(static_cast<void>(q::find_label_issues(y, p, options)),
                  labelkit::dimension_mismatch);
  q::NumLabelIssuesOptions count;
  count.estimation_method = q::EstimationMethod::off_diagonal_custom;
  CHECK_THROWS_WITH_AS(static_cast<void>(q::num_label_issues(y, p, count)),
                       doctest::Contains("is required"), labelkit::invalid_argument);
  count.confident_joint = Eigen::MatrixXd::Ones(3, 3);
  CHECK_THROWS_AS(static_cast<void>(q::num_label_issues(y, p, count)),
                  labelkit::dimension_mismatch);
  count.confident_joint = Eigen::MatrixXd::Zero(2, 2);
  CHECK_THROWS_WITH_AS(static_cast<void>(q::num_label_issues(y, p, count)),
                       doctest::Contains("zero total"), labelkit::invalid_argument);
  count.estimation_method = q::EstimationMethod::off_diagonal;
  CHECK_THROWS_WITH_AS(static_cast<void>(q::num_label_issues(y, p, count)),
                       doctest::Contains("only used by"), labelkit::invalid_argument);
}

TEST_CASE("the new filters give the same issues for float and row-major input") {
  const LiFixture f = li_load_make_data();
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows =
      f.probabilities;
  for (const q::FilterBy filter :
       {q::FilterBy::predicted_neq_given, q::FilterBy::low_self_confidence,
        q::FilterBy::low_normalized_margin}) {
    q::LabelIssueOptions options;
    options.filter_by = filter;
    CHECK(q::find_label_issues(f.given, rows, options).issues ==
          q::find_label_issues(f.given, f.probabilities, options).issues);
  }
}
