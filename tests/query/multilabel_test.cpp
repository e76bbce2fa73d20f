#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/multilabel_model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/multilabel.hpp"
#include "labelkit/query/multilabel_sampling.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/scored.hpp"

namespace lq = labelkit::query;

namespace {

// The worked example: 5 items x 4 labels. Row 4 ties its two largest probabilities at 0.5,
// which is not > 0.5 (no label predicted); row 3 predicts no label either.
Eigen::MatrixXd multilabel_probabilities() {
  Eigen::MatrixXd p(5, 4);
  p << 0.9, 0.2, 0.6, 0.1,   //
      0.4, 0.45, 0.3, 0.55,  //
      0.7, 0.8, 0.65, 0.9,   //
      0.05, 0.1, 0.2, 0.15,  //
      0.5, 0.5, 0.3, 0.2;
  return p;
}

Eigen::MatrixXd multilabel_decision_values() {
  Eigen::MatrixXd f(5, 4);
  f << 1.2, -0.8, 0.3, -2.0,   //
      -0.1, 0.4, -1.5, 0.2,    //
      2.0, 1.1, 0.6, 1.9,      //
      -3.0, -2.2, -1.4, -1.7,  //
      0.0, 0.5, -0.5, 1.0;
  return f;
}

void check_multilabel_values(const Eigen::VectorXd& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == static_cast<Eigen::Index>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(got(static_cast<Eigen::Index>(i)) == doctest::Approx(expected[i]).epsilon(1e-15));
  }
}

// A random n x L matrix of values in [0, 1], a fraction of them exactly 0.5 (ties with the
// threshold) or repeated within the row (ties for the argmax).
Eigen::MatrixXd multilabel_random_probabilities(Eigen::Index n, Eigen::Index labels,
                                                std::uint64_t seed) {
  labelkit::Random random(seed);
  Eigen::MatrixXd p(n, labels);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index l = 0; l < labels; ++l) {
      const double u = random.uniform01();
      if (u < 0.1) {
        p(i, l) = 0.5;
      } else if (u < 0.2 && l > 0) {
        p(i, l) = p(i, l - 1);
      } else {
        p(i, l) = random.uniform01();
      }
    }
  }
  return p;
}

// The ±1 predicted labels, the hinge and the hypotheses written out entry by entry.
double multilabel_predicted(double p) { return p > 0.5 ? 1.0 : -1.0; }
double multilabel_hinge(double v) { return std::max(0.0, 1.0 - v); }

// A multi-label model whose feature rows hold an item index: predict_proba and
// decision_function return the worked example's rows for those items. Counts its calls.
struct MultiLabelTableModel {
  int* predictions = nullptr;
  void fit(const Eigen::MatrixXd&, const Eigen::MatrixXi&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    if (predictions != nullptr) ++*predictions;
    return rows_of(multilabel_probabilities(), x);
  }
  Eigen::MatrixXd decision_function(const Eigen::MatrixXd& x) const {
    return rows_of(multilabel_decision_values(), x);
  }
  static Eigen::MatrixXd rows_of(const Eigen::MatrixXd& table, const Eigen::MatrixXd& x) {
    Eigen::MatrixXd out(x.rows(), table.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      out.row(i) = table.row(static_cast<Eigen::Index>(x(i, 0)));
    }
    return out;
  }
};

// The same without decision_function.
struct MultiLabelProbabilityModel {
  void fit(const Eigen::MatrixXd&, const Eigen::MatrixXi&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    return MultiLabelTableModel::rows_of(multilabel_probabilities(), x);
  }
};

// A single-label model (fit on class indices): not a multi-label model.
struct MultiLabelSingleLabelModel {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    return Eigen::MatrixXd::Constant(x.rows(), 2, 0.5);
  }
};

Eigen::MatrixXd multilabel_item_features() {
  Eigen::MatrixXd x(5, 1);
  x << 0, 1, 2, 3, 4;
  return x;
}

using MultiLabelIds = std::vector<Eigen::Index>;

}  // namespace

static_assert(labelkit::MultiLabelModel<MultiLabelTableModel, Eigen::MatrixXd>);
static_assert(labelkit::DecisionFunctionModel<MultiLabelTableModel, Eigen::MatrixXd>);
static_assert(labelkit::MultiLabelModel<MultiLabelProbabilityModel, Eigen::MatrixXd>);
static_assert(!labelkit::DecisionFunctionModel<MultiLabelProbabilityModel, Eigen::MatrixXd>);
static_assert(!labelkit::MultiLabelModel<MultiLabelSingleLabelModel, Eigen::MatrixXd>);
static_assert(labelkit::check_multilabel_model<MultiLabelTableModel, Eigen::MatrixXd>());
static_assert(labelkit::query::QueryStrategy<decltype(lq::max_loss_sampling), MultiLabelTableModel,
                                             Eigen::MatrixXd>);
static_assert(!labelkit::query::QueryStrategy<decltype(lq::svm_binary_minimum_sampling),
                                              MultiLabelProbabilityModel, Eigen::MatrixXd>);

// Expected values computed once with numpy 1.24.2 (python3), following modAL's multilabel.py
// line by line with a classifier whose predict is (P > 0.5) and predict_proba is P (modAL itself
// is not installed; its functions are reproduced with the same numpy calls):
//
//   pred01 = (P > 0.5).astype(int); pm = 2 * pred01 - 1
//   binmin = np.min(np.abs(F), axis=1)                                   # SVM_binary_minimum
//   top = P.argmax(axis=1); hyp = -np.ones((n, L)); hyp[np.arange(n), top] = 1
//   maxloss = np.maximum(1 - hyp * pm, 0).sum(axis=1)                    # _SVM_loss, max_loss
//   meanmax_modal = np.maximum(1 - pm.dot(2 * np.eye(L) - 1), 0).mean(axis=1)  # mean_max_loss
//   H = 2 * np.eye(L) - 1
//   meanmax_hinges = [np.mean([np.maximum(1 - H[j] * pm[i], 0).sum() for j in range(L)])
//                     for i in range(n)]
//   minconf = P.min(axis=1); avgconf = P.mean(axis=1)
//   sc = P * (pred01 - 0.5); maxscore = sc.max(axis=1); avgscore = sc.mean(axis=1)
//
// printed: binmin [0.3, 0.1, 0.6, 1.4, 0.0]; maxloss [2, 0, 6, 2, 2];
// meanmax_modal [1.5, 0.75, 3, 0, 0]; meanmax_hinges [4, 3, 6, 2, 2];
// minconf [0.1, 0.3, 0.65, 0.05, 0.2];
// avgconf [0.45000000000000007, 0.42500000000000004, 0.7625, 0.125, 0.375];
// maxscore [0.45, 0.275, 0.45, -0.025, -0.1];
// avgscore [0.14999999999999997, -0.07500000000000001, 0.38125, -0.0625, -0.1875].
TEST_CASE("multilabel scores match modAL's formulas on a worked example") {
  const Eigen::MatrixXd p = multilabel_probabilities();
  check_multilabel_values(lq::svm_binary_minimum(multilabel_decision_values()),
                          {-0.3, -0.1, -0.6, -1.4, -0.0});
  check_multilabel_values(lq::max_loss(p), {2, 0, 6, 2, 2});
  check_multilabel_values(lq::mean_max_loss(p), {4, 3, 6, 2, 2});
  lq::MultiLabelOptions modal;
  modal.mean_max_loss_form = lq::MeanMaxLossForm::modal;
  check_multilabel_values(lq::mean_max_loss(p, modal), {1.5, 0.75, 3, 0, 0});
  check_multilabel_values(lq::min_confidence(p), {-0.1, -0.3, -0.65, -0.05, -0.2});
  check_multilabel_values(lq::average_confidence(p),
                          {0.45000000000000007, 0.42500000000000004, 0.7625, 0.125, 0.375});
  check_multilabel_values(lq::max_score(p), {0.45, 0.275, 0.45, -0.025, -0.1});
  check_multilabel_values(lq::average_score(p),
                          {0.14999999999999997, -0.07500000000000001, 0.38125, -0.0625, -0.1875});
}

TEST_CASE("multilabel scores: the threshold decides the predicted labels") {
  // With threshold 0.45 row 4 predicts labels 0 and 1 (0.5 > 0.45): max loss counts one
  // disagreement (label 1 is predicted, the hypothesis has only label 0). Row 1 still predicts
  // only label 3 (0.45 is not > 0.45), its most probable label: no disagreement.
  lq::MultiLabelOptions options;
  options.threshold = 0.45;
  const Eigen::VectorXd loss = lq::max_loss(multilabel_probabilities(), options);
  CHECK(loss(4) == 2.0);
  CHECK(loss(1) == 0.0);
  // threshold 1: nothing is predicted; the score is -P/2 for every label.
  options.threshold = 1.0;
  const Eigen::VectorXd best = lq::max_score(multilabel_probabilities(), options);
  CHECK(best(0) == doctest::Approx(-0.05));
  CHECK(best(2) == doctest::Approx(-0.325));
}

TEST_CASE("multilabel scores equal their definitions written out entry by entry") {
  for (const Eigen::Index labels : {1, 2, 3, 5, 8}) {
    const Eigen::MatrixXd p = multilabel_random_probabilities(40, labels, 17 + labels);
    const double size = static_cast<double>(labels);
    lq::MultiLabelOptions modal;
    modal.mean_max_loss_form = lq::MeanMaxLossForm::modal;
    const Eigen::VectorXd loss = lq::max_loss(p);
    const Eigen::VectorXd mean_loss = lq::mean_max_loss(p);
    const Eigen::VectorXd modal_loss = lq::mean_max_loss(p, modal);
    const Eigen::VectorXd low = lq::min_confidence(p);
    const Eigen::VectorXd average = lq::average_confidence(p);
    const Eigen::VectorXd best = lq::max_score(p);
    const Eigen::VectorXd mean_score = lq::average_score(p);
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      Eigen::Index top = 0;
      for (Eigen::Index l = 1; l < labels; ++l) {
        if (p(i, l) > p(i, top)) top = l;
      }
      double expected_loss = 0;
      double hinge_sum = 0;  // Σ_j Σ_l hinge(s_j(l) ŷ(l))
      double modal_sum = 0;  // Σ_j hinge(Σ_l s_j(l) ŷ(l))
      double minimum = 1, total = 0, best_score = -1, score_total = 0;
      for (Eigen::Index l = 0; l < labels; ++l) {
        const double y = multilabel_predicted(p(i, l));
        expected_loss += multilabel_hinge((l == top ? 1.0 : -1.0) * y);
        minimum = std::min(minimum, p(i, l));
        total += p(i, l);
        const double score = p(i, l) * ((p(i, l) > 0.5 ? 1.0 : 0.0) - 0.5);
        best_score = std::max(best_score, score);
        score_total += score;
      }
      for (Eigen::Index j = 0; j < labels; ++j) {
        double margin_sum = 0;
        for (Eigen::Index l = 0; l < labels; ++l) {
          const double s = l == j ? 1.0 : -1.0;
          const double y = multilabel_predicted(p(i, l));
          hinge_sum += multilabel_hinge(s * y);
          margin_sum += s * y;
        }
        modal_sum += multilabel_hinge(margin_sum);
      }
      CHECK(loss(i) == expected_loss);
      CHECK(mean_loss(i) == doctest::Approx(hinge_sum / size).epsilon(1e-14));
      CHECK(modal_loss(i) == doctest::Approx(modal_sum / size).epsilon(1e-14));
      CHECK(low(i) == -minimum);
      CHECK(average(i) == doctest::Approx(total / size).epsilon(1e-14));
      CHECK(best(i) == best_score);
      CHECK(mean_score(i) == doctest::Approx(score_total / size).epsilon(1e-14));
    }
  }
}

TEST_CASE("multilabel scores do not depend on the label order or the storage order") {
  const Eigen::MatrixXd p = multilabel_random_probabilities(60, 6, 99);
  const Eigen::MatrixXd f = (multilabel_random_probabilities(60, 6, 5).array() - 0.5).matrix();
  std::vector<int> order(6);
  std::iota(order.begin(), order.end(), 0);
  labelkit::Random random(3);
  random.shuffle(std::span<int>(order));
  Eigen::MatrixXd permuted(p.rows(), p.cols());
  Eigen::MatrixXd permuted_f(f.rows(), f.cols());
  for (Eigen::Index l = 0; l < 6; ++l) {
    permuted.col(l) = p.col(order[static_cast<std::size_t>(l)]);
    permuted_f.col(l) = f.col(order[static_cast<std::size_t>(l)]);
  }
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = p;
  lq::MultiLabelOptions modal;
  modal.mean_max_loss_form = lq::MeanMaxLossForm::modal;
  const auto same = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    REQUIRE(a.size() == b.size());
    for (Eigen::Index i = 0; i < a.size(); ++i) CHECK(a(i) == doctest::Approx(b(i)).epsilon(1e-14));
  };
  same(lq::max_loss(p), lq::max_loss(permuted));
  same(lq::mean_max_loss(p), lq::mean_max_loss(permuted));
  same(lq::mean_max_loss(p, modal), lq::mean_max_loss(permuted, modal));
  same(lq::min_confidence(p), lq::min_confidence(permuted));
  same(lq::average_confidence(p), lq::average_confidence(permuted));
  same(lq::max_score(p), lq::max_score(permuted));
  same(lq::average_score(p), lq::average_score(permuted));
  same(lq::svm_binary_minimum(f), lq::svm_binary_minimum(permuted_f));
  // Row-major storage and expressions (a block, a transpose of a transpose) give the same bits.
  CHECK(lq::max_loss(row_major) == lq::max_loss(p));
  CHECK(lq::mean_max_loss(row_major, modal) == lq::mean_max_loss(p, modal));
  CHECK(lq::average_score(row_major) == lq::average_score(p));
  CHECK(lq::min_confidence(row_major.topRows(10)) == lq::min_confidence(p.topRows(10)));
  CHECK(lq::max_score(p.transpose().transpose()) == lq::max_score(p));
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major_f = f;
  CHECK(lq::svm_binary_minimum(row_major_f) == lq::svm_binary_minimum(f));
  // float follows the input scalar.
  const Eigen::MatrixXf pf = multilabel_probabilities().cast<float>();
  const Eigen::VectorXf lf = lq::average_confidence(pf);
  CHECK(lf(2) == doctest::Approx(0.7625).epsilon(1e-6));
}

TEST_CASE("multilabel scores reject empty, non-finite and out-of-range input") {
  const Eigen::MatrixXd empty(0, 3);
  CHECK_THROWS_AS(lq::max_loss(empty), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::average_score(Eigen::MatrixXd(2, 0)), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::svm_binary_minimum(empty), labelkit::invalid_argument);
  CHECK_THROWS_WITH(lq::svm_binary_minimum(Eigen::MatrixXd(3, 0)), doctest::Contains("0 columns"));

  Eigen::MatrixXd p = multilabel_probabilities();
  p(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(lq::mean_max_loss(p),
                       "labelkit: mean_max_loss(): 'probabilities' has a value outside [0, 1] at "
                       "row 2, column 1 (got nan)",
                       labelkit::invalid_argument);
  p(2, 1) = 1.5;
  CHECK_THROWS_WITH(lq::min_confidence(p), doctest::Contains("at row 2, column 1 (got 1.5)"));
  p(2, 1) = -0.25;
  CHECK_THROWS_AS(lq::average_confidence(p), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::max_score(p), labelkit::invalid_argument);

  lq::MultiLabelOptions options;
  options.threshold = 1.5;
  CHECK_THROWS_WITH_AS(lq::max_loss(multilabel_probabilities(), options),
                       doctest::Contains("'options.threshold' is outside [0, 1]"),
                       labelkit::invalid_argument);
  options.threshold = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(lq::average_score(multilabel_probabilities(), options),
                  labelkit::invalid_argument);

  Eigen::MatrixXd f = multilabel_decision_values();
  f(3, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(lq::svm_binary_minimum(f),
                       doctest::Contains("'decision_values' has a non-finite value at row 3, "
                                         "column 2"),
                       labelkit::invalid_argument);
  f(3, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(lq::svm_binary_minimum(f), labelkit::invalid_argument);
}

// The orders below are the python script's (above) np.argsort(-score, kind='stable') of each
// score (descending, ties to the lower index): -binmin [4, 1, 0, 2, 3], maxloss [2, 0, 3, 4, 1],
// meanmax_hinges [2, 0, 1, 3, 4], meanmax_modal [2, 0, 1, 3, 4], -minconf [3, 0, 4, 1, 2],
// avgconf [2, 0, 1, 4, 3], maxscore [0, 2, 1, 3, 4], avgscore [2, 0, 3, 1, 4].
TEST_CASE("multilabel sampling strategies pick the items in score order, ties to the lower id") {
  MultiLabelTableModel model;
  const Eigen::MatrixXd x = multilabel_item_features();
  const MultiLabelIds all{0, 1, 2, 3, 4};
  const MultiLabelIds none;
  const lq::QueryContext<MultiLabelTableModel, Eigen::MatrixXd> context{model, x, all, none, 7};
  CHECK(lq::svm_binary_minimum_sampling(context, 5) == MultiLabelIds{4, 1, 0, 2, 3});
  CHECK(lq::max_loss_sampling(context, 5) == MultiLabelIds{2, 0, 3, 4, 1});
  CHECK(lq::mean_max_loss_sampling(context, 5) == MultiLabelIds{2, 0, 1, 3, 4});
  auto modal = lq::mean_max_loss_sampling;
  modal.options.mean_max_loss_form = lq::MeanMaxLossForm::modal;
  CHECK(modal(context, 5) == MultiLabelIds{2, 0, 1, 3, 4});
  CHECK(lq::min_confidence_sampling(context, 5) == MultiLabelIds{3, 0, 4, 1, 2});
  CHECK(lq::average_confidence_sampling(context, 5) == MultiLabelIds{2, 0, 1, 4, 3});
  CHECK(lq::max_score_sampling(context, 5) == MultiLabelIds{0, 2, 1, 3, 4});
  CHECK(lq::average_score_sampling(context, 5) == MultiLabelIds{2, 0, 3, 1, 4});
  // k below n keeps the first k; k above n returns every candidate; k = 0 nothing.
  CHECK(lq::max_loss_sampling(context, 2) == MultiLabelIds{2, 0});
  CHECK(lq::max_loss_sampling(context, 50).size() == 5);
  CHECK(lq::max_loss_sampling(context, 0).empty());
  CHECK_THROWS_AS(lq::max_loss_sampling(context, -1), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::svm_binary_minimum_sampling(context, -1), labelkit::invalid_argument);
}

TEST_CASE("multilabel sampling maps positions to the candidates' item ids") {
  MultiLabelTableModel model;
  const Eigen::MatrixXd x = multilabel_item_features();
  const MultiLabelIds unlabeled{1, 3, 4};
  const MultiLabelIds labeled{0, 2};
  const lq::QueryContext<MultiLabelTableModel, Eigen::MatrixXd> context{model, x, unlabeled,
                                                                        labeled, 7};
  CHECK(lq::max_loss_sampling(context, 2) == MultiLabelIds{3, 4});
  CHECK(lq::svm_binary_minimum_sampling(context, 1) == MultiLabelIds{4});
  CHECK(lq::min_confidence_sampling(context, 3) == MultiLabelIds{3, 4, 1});
  const MultiLabelIds empty;
  const lq::QueryContext<MultiLabelTableModel, Eigen::MatrixXd> nothing{model, x, empty, labeled,
                                                                        7};
  CHECK(lq::average_score_sampling(nothing, 3).empty());
}

TEST_CASE("multilabel sampling reuses a shared round and reports its scores") {
  int predictions = 0;
  MultiLabelTableModel model{&predictions};
  const Eigen::MatrixXd x = multilabel_item_features();
  const MultiLabelIds all{0, 1, 2, 3, 4};
  const MultiLabelIds none;
  lq::PoolRound<MultiLabelTableModel, Eigen::MatrixXd> round(model, x, all, none);
  lq::QueryContext<MultiLabelTableModel, Eigen::MatrixXd> context{model, x, all, none, 7};
  context.round = &round;
  CHECK(lq::average_score_sampling(context, 2) == MultiLabelIds{2, 0});
  CHECK(lq::max_score_sampling(context, 1) == MultiLabelIds{0});
  const Eigen::VectorXd scores = lq::max_loss_sampling.item_scores(context);
  CHECK(predictions == 1);
  CHECK(scores == lq::max_loss(multilabel_probabilities()));
  const auto result = lq::scored_query(lq::max_loss_sampling, context, 3);
  CHECK(result.items == MultiLabelIds{2, 0, 3});
  CHECK(result.scores == std::vector<double>{6, 2, 2});
  const Eigen::VectorXd margins = lq::svm_binary_minimum_sampling.item_scores(context);
  CHECK(margins == lq::svm_binary_minimum(multilabel_decision_values()));
  CHECK(predictions == 1);
}

TEST_CASE("multilabel sampling with a random tie-break keeps the set and follows the seed") {
  MultiLabelTableModel model;
  const Eigen::MatrixXd x = multilabel_item_features();
  const MultiLabelIds all{0, 1, 2, 3, 4};
  const MultiLabelIds none;
  auto shuffled = lq::max_loss_sampling;
  shuffled.tie_break = lq::TieBreak::random;
  // Scores 6 (item 2), then 2, 2, 2 (items 0, 3, 4), then 0 (item 1).
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const lq::QueryContext<MultiLabelTableModel, Eigen::MatrixXd> context{model, x, all, none,
                                                                          seed};
    const MultiLabelIds picks = shuffled(context, 5);
    REQUIRE(picks.size() == 5);
    CHECK(picks.front() == 2);
    CHECK(picks.back() == 1);
    MultiLabelIds middle(picks.begin() + 1, picks.begin() + 4);
    std::sort(middle.begin(), middle.end());
    CHECK(middle == MultiLabelIds{0, 3, 4});
    CHECK(shuffled(context, 5) == picks);
  }
}

TEST_CASE("mean_max_loss with one and two labels, where the two forms part") {
  lq::MultiLabelOptions modal;
  modal.mean_max_loss_form = lq::MeanMaxLossForm::modal;
  // Two labels, P(i) = 0, 1, 2 predicted labels: the default is 2 throughout, modAL's form
  // (1/2) Σ_j max(0, 1 - 2 ŷ(j) + S), S = 2 P - 2, is 1, (0 + 3) / 2 = 1.5, 1.
  Eigen::MatrixXd two(3, 2);
  two << 0.1, 0.2, /**/ 0.9, 0.3, /**/ 0.8, 0.7;
  check_multilabel_values(lq::mean_max_loss(two), {2, 2, 2});
  check_multilabel_values(lq::mean_max_loss(two, modal), {1, 1.5, 1});
  // One label: both are 2 - 2 P(i).
  Eigen::MatrixXd one(2, 1);
  one << 0.3, 0.7;
  check_multilabel_values(lq::mean_max_loss(one), {2, 0});
  check_multilabel_values(lq::mean_max_loss(one, modal), {2, 0});
}
