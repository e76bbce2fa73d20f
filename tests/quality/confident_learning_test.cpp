#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/confident_learning.hpp"

using labelkit::quality::confident_joint;
using labelkit::quality::estimate_noise_matrices;
using labelkit::quality::FilterBy;
using labelkit::quality::find_label_issues;
using labelkit::quality::label_quality_scores;
using labelkit::quality::LabelIssueOptions;
using labelkit::quality::per_class_thresholds;
using labelkit::quality::RankBy;

namespace {

struct NoisyData {
  std::vector<int> truth;
  std::vector<int> given;
  Eigen::MatrixXd probabilities;
  std::vector<char> flipped;
};

// n items of C classes; an imperfect "model" puts softmax(2.5·onehot(true) + N(0, 1)) on each
// item; a fraction `noise` of the given labels is flipped to another class at random.
NoisyData make_noisy(int n, int c, double noise, std::uint64_t seed) {
  labelkit::Random random(seed);
  NoisyData d;
  d.probabilities.resize(n, c);
  for (int i = 0; i < n; ++i) {
    const int z = static_cast<int>(random.uniform_index(static_cast<std::uint64_t>(c)));
    d.truth.push_back(z);
    Eigen::RowVectorXd logits(c);
    for (int k = 0; k < c; ++k) logits(k) = (k == z ? 2.5 : 0.0) + random.normal();
    logits.array() -= logits.maxCoeff();
    d.probabilities.row(i) = logits.array().exp() / logits.array().exp().sum();
    const bool flip = random.uniform01() < noise;
    d.flipped.push_back(flip ? 1 : 0);
    d.given.push_back(flip ? (z + 1 + static_cast<int>(random.uniform_index(c - 1))) % c : z);
  }
  return d;
}

struct Score {
  double precision, recall;
  std::size_t found;
};

Score score(const labelkit::quality::LabelIssuesResult& r, const std::vector<char>& flipped) {
  std::size_t hit = 0;
  std::size_t total = 0;
  for (const char f : flipped) total += f != 0 ? 1 : 0;
  for (const auto& issue : r.issues) hit += flipped[static_cast<std::size_t>(issue.index)] != 0;
  return {r.issues.empty() ? 0.0 : static_cast<double>(hit) / static_cast<double>(r.issues.size()),
          static_cast<double>(hit) / static_cast<double>(total), r.issues.size()};
}

}  // namespace

TEST_CASE("thresholds, confident joint and noise matrices on a hand-checked example") {
  // 6 items, 2 classes. Given labels 0,0,0,1,1,1.
  const std::vector<int> y = {0, 0, 0, 1, 1, 1};
  Eigen::MatrixXd p(6, 2);
  p << 0.9, 0.1,   //
      0.8, 0.2,    //
      0.1, 0.9,    // given 0, confidently 1
      0.3, 0.7,    //
      0.2, 0.8,    //
      0.65, 0.35;  // given 1, p0 = 0.65 >= t0 = 0.6: confidently 0
  // t0 = (0.9 + 0.8 + 0.1) / 3 = 0.6; t1 = (0.7 + 0.8 + 0.35) / 3 = 0.6167
  const Eigen::VectorXd t = per_class_thresholds(y, p);
  CHECK(t(0) == doctest::Approx(0.6));
  CHECK(t(1) == doctest::Approx(1.85 / 3));
  const Eigen::MatrixXd raw = confident_joint(y, p, false);
  Eigen::Matrix2d expected;
  expected << 2, 1,  //
      1, 2;
  CHECK(raw == expected);
  const Eigen::MatrixXd calibrated = confident_joint(y, p);
  CHECK(calibrated.sum() == doctest::Approx(6));
  CHECK(calibrated.row(0).sum() == doctest::Approx(3));
  const auto m = estimate_noise_matrices(calibrated);
  CHECK(m.noise_matrix(0, 0) == doctest::Approx(2.0 / 3));
  CHECK(m.inverse_noise_matrix(1, 0) == doctest::Approx(1.0 / 3));
  CHECK(m.true_prior.sum() == doctest::Approx(1));
  const auto r = find_label_issues(y, p);
  REQUIRE(r.issues.size() == 2);
  CHECK(r.issues[0] == labelkit::quality::LabelIssue{2, 0, 1, 0.1});
  CHECK(r.issues[1].quality == 0.35);
  CHECK(r.issues[1].index == 5);
  CHECK(r.issues[1].suggested_label == 0);
  const Eigen::VectorXd margin = label_quality_scores(y, p, RankBy::normalized_margin);
  CHECK(margin(2) == doctest::Approx((0.1 - 0.9 + 1) / 2));
  CHECK(margin(0) == doctest::Approx((0.9 - 0.1 + 1) / 2));
}

TEST_CASE("confident learning finds most flipped labels in synthetic data with 15% noise") {
  const NoisyData d = make_noisy(3000, 4, 0.15, 21);
  // 456 of 3000 labels flipped. Measured with this seed (issues, precision, recall):
  //   prune_by_noise_rate 480, 0.844, 0.896    prune_by_class     508, 0.809, 0.909
  //   both                464, 0.862, 0.885    confident_learning 366, 0.918, 0.743
  struct Expect {
    FilterBy filter;
    double min_precision, min_recall;
  };
  for (const Expect e :
       {Expect{FilterBy::prune_by_noise_rate, 0.82, 0.87},
        Expect{FilterBy::prune_by_class, 0.79, 0.89}, Expect{FilterBy::both, 0.84, 0.86},
        Expect{FilterBy::confident_learning, 0.90, 0.72}}) {
    LabelIssueOptions options;
    options.filter_by = e.filter;
    const auto r = find_label_issues(d.given, d.probabilities, options);
    const Score s = score(r, d.flipped);
    MESSAGE("filter " << static_cast<int>(e.filter) << ": " << s.found << " issues, precision "
                      << s.precision << ", recall " << s.recall);
    CHECK(s.precision >= e.min_precision);
    CHECK(s.recall >= e.min_recall);
    // Issues are ranked by quality, ascending; suggested label != given.
    for (std::size_t k = 1; k < r.issues.size(); ++k)
      CHECK(r.issues[k - 1].quality <= r.issues[k].quality);
    for (const auto& issue : r.issues) CHECK(issue.suggested_label != issue.given_label);
  }
  // The noise matrix estimate is near the truth: 85% on the diagonal, 5% off it.
  const auto r = find_label_issues(d.given, d.probabilities);
  MESSAGE("noise matrix\n" << r.noise_matrix);
  CHECK((r.noise_matrix.diagonal().array() - 0.85).abs().maxCoeff() < 0.05);
  // frac_noise scales the number of issues.
  LabelIssueOptions half;
  half.frac_noise = 0.5;
  const auto h = find_label_issues(d.given, d.probabilities, half);
  CHECK(h.issues.size() < r.issues.size());
  CHECK(h.issues.size() > r.issues.size() / 3);
  // Ranking by normalised margin gives the same set here, in a different order.
  LabelIssueOptions by_margin;
  by_margin.rank_by = RankBy::normalized_margin;
  const auto mg = find_label_issues(d.given, d.probabilities, by_margin);
  CHECK(mg.issues.size() == r.issues.size());
  // float input gives the same issues.
  const Eigen::MatrixXf pf = d.probabilities.cast<float>();
  CHECK(find_label_issues(d.given, pf).issues.size() ==
        doctest::Approx(r.issues.size()).epsilon(0.02));
  // Row-major input gives identical results.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> pr = d.probabilities;
  CHECK(find_label_issues(d.given, pr).issues == r.issues);
}

TEST_CASE("confident learning on real digits with 10% injected noise (out-of-sample LR)") {
  // tests/data/digits_noisy_oos_proba.csv: the digits labels with 180 of 1797 flipped
  // (numpy default_rng(0)), and 5-fold out-of-sample probabilities of StandardScaler +
  // LogisticRegression(C=0.1) trained on the noisy labels (scikit-learn cross_val_predict,
  // StratifiedKFold(5, shuffle=True, random_state=0)), written by
  // tests/data/digits_noisy_oos_proba.py.
  const auto digits = examples::load_digits();
  std::ifstream in(std::string(LABELKIT_TEST_DATA_DIR) + "/digits_noisy_oos_proba.csv");
  REQUIRE(in);
  std::vector<int> given;
  std::vector<double> values;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    given.push_back(std::stoi(field));
    while (std::getline(fields, field, ',')) values.push_back(std::stod(field));
  }
  REQUIRE(given.size() == digits.labels.size());
  Eigen::MatrixXd p = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, 10, Eigen::RowMajor>>(
      values.data(), static_cast<Eigen::Index>(given.size()), 10);
  p.array().colwise() /= p.rowwise().sum().array();  // undo the 4-digit rounding
  std::vector<char> flipped;
  for (std::size_t i = 0; i < given.size(); ++i) flipped.push_back(given[i] != digits.labels[i]);
  // Measured (issues, precision, recall, top-50 hits, suggested label right on true errors):
  //   prune_by_noise_rate 176, 0.869, 0.850, 48, 148 of 153
  //   prune_by_class      189, 0.884, 0.928, 48, 160 of 167
  //   both                161, 0.919, 0.822, 48, 144 of 148
  struct Expect {
    FilterBy filter;
    double min_precision, min_recall;
  };
  for (const Expect e :
       {Expect{FilterBy::prune_by_noise_rate, 0.85, 0.83},
        Expect{FilterBy::prune_by_class, 0.86, 0.90}, Expect{FilterBy::both, 0.90, 0.80}}) {
    const FilterBy filter = e.filter;
    LabelIssueOptions options;
    options.filter_by = filter;
    const auto r = find_label_issues(given, p, options);
    const Score s = score(r, flipped);
    MESSAGE("digits filter " << static_cast<int>(filter) << ": " << s.found << " issues, precision "
                             << s.precision << ", recall " << s.recall);
    CHECK(s.precision >= e.min_precision);
    CHECK(s.recall >= e.min_recall);
    // Top of the ranking is almost all true errors.
    std::size_t top_hits = 0;
    for (std::size_t k = 0; k < 50 && k < r.issues.size(); ++k)
      top_hits += flipped[static_cast<std::size_t>(r.issues[k].index)];
    MESSAGE("  top-50 hits " << top_hits);
    CHECK(top_hits >= 45);
    std::size_t suggested_right = 0;
    std::size_t hits = 0;
    for (const auto& issue : r.issues) {
      const auto i = static_cast<std::size_t>(issue.index);
      if (flipped[i] == 0) continue;
      ++hits;
      suggested_right += issue.suggested_label == digits.labels[i];
    }
    MESSAGE("  suggested label right on " << suggested_right << " of " << hits << " true errors");
    CHECK(suggested_right >= hits * 95 / 100);
  }
}

TEST_CASE("confident learning rejects bad input, naming the row or entry") {
  Eigen::MatrixXd p(3, 2);
  p << 0.5, 0.5, 0.2, 0.8, 0.7, 0.3;
  const std::vector<int> y = {0, 1, 0};
  const std::vector<int> short_y = {0, 1};
  CHECK_THROWS_AS(static_cast<void>(find_label_issues(short_y, p)), labelkit::dimension_mismatch);
  const std::vector<int> bad_y = {0, 2, 0};
  CHECK_THROWS_WITH_AS(find_label_issues(bad_y, p),
                       "labelkit: find_label_issues(): 'labels' entry 1 is outside [0, 2) (got 2)",
                       labelkit::invalid_argument);
  Eigen::MatrixXd nan = p;
  nan(2, 1) = std::nan("");
  CHECK_THROWS_WITH_AS(find_label_issues(y, nan), doctest::Contains("NaN at row 2, column 1"),
                       labelkit::invalid_argument);
  Eigen::MatrixXd unnormalised = p;
  unnormalised(1, 1) = 0.9;
  CHECK_THROWS_WITH_AS(confident_joint(y, unnormalised),
                       doctest::Contains("row 1 does not sum to 1"), labelkit::invalid_argument);
  LabelIssueOptions options;
  options.frac_noise = 2;
  CHECK_THROWS_WITH_AS(find_label_issues(y, p, options), doctest::Contains("'options.frac_noise'"),
                       labelkit::invalid_argument);
}

TEST_CASE("min_examples_per_class keeps a class from being emptied") {
  // Class 1 has two items, both predicted as 0 with confidence.
  const std::vector<int> y = {0, 0, 0, 0, 1, 1};
  Eigen::MatrixXd p(6, 2);
  p << 0.9, 0.1, 0.8, 0.2, 0.95, 0.05, 0.1, 0.9, 0.9, 0.1, 0.85, 0.15;
  LabelIssueOptions options;
  options.filter_by = FilterBy::prune_by_class;
  const auto r = find_label_issues(y, p, options);
  std::size_t class_one = 0;
  for (const auto& issue : r.issues) class_one += issue.given_label == 1;
  CHECK(class_one <= 1);
}
