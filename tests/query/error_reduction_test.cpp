#include <doctest/doctest.h>
#include "labelkit/query/random.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/query/error_reduction.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "learner/test_models.hpp"

using labelkit::query::ErrorLoss;
using labelkit::query::expected_error;
using Indices = std::vector<Eigen::Index>;
using Labels = std::vector<int>;

TEST_CASE("expected_error: hand-computed with a model that predicts the label frequencies") {
  // PriorModel ignores the features and predicts the training label frequencies.
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(8, 1);
  test_models::PriorModel model;
  const Indices labeled{0, 1, 2};
  const Labels labels{0, 0, 1};
  model.fit(labelkit::select_rows(x, labeled), labels);
  const Indices candidates{3, 4};
  const Indices evaluation{5, 6, 7};
  // P(y | c) = (2/3, 1/3). y = 0 -> prior (3/4, 1/4): 0/1 loss 1/4, log loss H(.75, .25);
  // y = 1 -> (1/2, 1/2): 1/2 and ln 2. numpy:
  //   2/3 * .25 + 1/3 * .5 = 0.3333333333333333
  //   2/3 * H([.75, .25]) + 1/3 * H([.5, .5]) = 0.6059391565991873
  const Eigen::VectorXd zero_one =
      expected_error(model, x, labeled, labels, candidates, evaluation);
  CHECK(zero_one(0) == doctest::Approx(0.3333333333333333).epsilon(1e-14));
  CHECK(zero_one(1) == doctest::Approx(0.3333333333333333).epsilon(1e-14));
  const Eigen::VectorXd log_loss =
      expected_error(model, x, labeled, labels, candidates, evaluation, ErrorLoss::log);
  CHECK(log_loss(0) == doctest::Approx(0.6059391565991873).epsilon(1e-14));
  // Three classes: labels 0, 0, 0, 1, 2 -> P = (.6, .2, .2); each hypothesis adds one count:
  //   expected 0/1 loss 0.4, expected log loss 0.9250996429718173 (numpy, as above).
  const Indices five{0, 1, 2, 3, 4};
  const Labels five_labels{0, 0, 0, 1, 2};
  model.fit(labelkit::select_rows(x, five), five_labels);
  const Indices candidate{5};
  CHECK(expected_error(model, x, five, five_labels, candidate, evaluation)(0) ==
        doctest::Approx(0.4).epsilon(1e-14));
  CHECK(expected_error(model, x, five, five_labels, candidate, evaluation, ErrorLoss::log)(0) ==
        doctest::Approx(0.9250996429718173).epsilon(1e-14));
}

TEST_CASE("expected_error: a label seen for the first time, and the model is not modified") {
  // Labels only class 0: P(y | c) = (1); the refit with y = 0 stays certain: loss 0. The
  // class-order-free losses accept any class count from the refit.
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(4, 1);
  test_models::PriorModel model;
  model.fit(Eigen::MatrixXd::Zero(2, 1), Labels{0, 0});
  const Eigen::RowVectorXd before = model.prior;
  const Eigen::VectorXd e =
      expected_error(model, x, Indices{0, 1}, Labels{0, 0}, Indices{2}, Indices{3});
  CHECK(e(0) == 0.0);
  CHECK(model.prior == before);
}

TEST_CASE("expected_error: equals the formula written out, for a centroid model") {
  labelkit::Random random(13);
  Eigen::MatrixXd x;
  Labels y;
  test_models::make_blobs(6, 3, random, x, y);
  x /= 3.0;  // overlapping blobs: the probabilities are far from 0 and 1
  test_models::CentroidModel model;
  const Indices labeled{0, 6, 12, 1};
  const Labels labels{0, 1, 2, 0};
  model.fit(labelkit::select_rows(x, labeled), labels);
  const Indices candidates{2, 7, 13, 17};
  const Indices evaluation{3, 4, 8, 9, 14, 15};
  for (const ErrorLoss loss : {ErrorLoss::zero_one, ErrorLoss::log}) {
    const Eigen::VectorXd e =
        expected_error(model, x, labeled, labels, candidates, evaluation, loss);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const Eigen::RowVectorXd belief = model.predict_proba(x.row(candidates[c]));
      double expected = 0;
      for (int label = 0; label < 3; ++label) {
        Eigen::MatrixXd train(5, 2);
        Labels train_labels = labels;
        for (Eigen::Index r = 0; r < 4; ++r)
          train.row(r) = x.row(labeled[static_cast<std::size_t>(r)]);
        train.row(4) = x.row(candidates[c]);
        train_labels.push_back(label);
        test_models::CentroidModel refit;
        refit.fit(train, train_labels);
        const Eigen::MatrixXd p = refit.predict_proba(labelkit::select_rows(x, evaluation));
        const Eigen::VectorXd per_item = loss == ErrorLoss::zero_one
                                             ? labelkit::query::least_confidence(p)
                                             : labelkit::query::entropy(p);
        expected += belief(label) * per_item.mean();
      }
      CHECK(e(static_cast<Eigen::Index>(c)) == doctest::Approx(expected).epsilon(1e-12));
    }
  }
  // float features agree.
  const Eigen::MatrixXf xf = x.cast<float>();
  test_models::CentroidModel model_f;
  model_f.fit(labelkit::select_rows(xf, labeled), labels);
  CHECK((expected_error(model_f, xf, labeled, labels, candidates, evaluation) -
         expected_error(model, x, labeled, labels, candidates, evaluation))
            .cwiseAbs()
            .maxCoeff() < 1e-5);
}

TEST_CASE("expected_error: bad input names the argument") {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(4, 1);
  test_models::PriorModel model;
  model.fit(x, Labels{0, 1, 0, 1});
  CHECK_THROWS_AS((void)expected_error(model, x, Indices{0}, Labels{0, 1}, Indices{2}, Indices{3}),
                  labelkit::dimension_mismatch);
  CHECK_THROWS_WITH_AS(
      (void)expected_error(model, x, Indices{0}, Labels{0}, Indices{2, 9}, Indices{3}),
      "labelkit: expected_error(): 'candidates' entry 1 is out of range (got 9, expected 0 <= "
      "index < 4)",
      labelkit::invalid_argument);
  CHECK_THROWS_AS((void)expected_error(model, x, Indices{0}, Labels{0}, Indices{}, Indices{3}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)expected_error(model, x, Indices{0}, Labels{0}, Indices{1}, Indices{}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)expected_error(model, x, Indices{0}, Labels{-1}, Indices{1}, Indices{2}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)expected_error(model, x, Indices{-1}, Labels{0}, Indices{1}, Indices{2}),
                  labelkit::invalid_argument);
}

TEST_CASE("ExpectedErrorReduction::select: seeded subsamples, lowest expected loss first") {
  labelkit::Random random(14);
  Eigen::MatrixXd x;
  Labels y;
  test_models::make_blobs(10, 3, random, x, y);
  x /= 3.0;
  test_models::CentroidModel model;
  const Indices labeled{0, 10, 20};
  const Labels labels{0, 1, 2};
  model.fit(labelkit::select_rows(x, labeled), labels);
  Indices unlabeled;
  for (Eigen::Index i = 0; i < 30; ++i) {
    if (i % 10 != 0) unlabeled.push_back(i);
  }
  labelkit::query::ExpectedErrorReduction strategy;
  strategy.options.candidates = 8;
  strategy.options.evaluation = 12;
  const Indices picked = strategy.select(model, x, unlabeled, labeled, labels, 3, 77);
  // The twin: the same two draws from Random(77), then expected_error and the 3 lowest.
  labelkit::Random draws(77);
  const auto draw = [&](Eigen::Index count) {
    Indices p = labelkit::sample_without_replacement(27, count, draws);
    std::sort(p.begin(), p.end());
    for (auto& i : p) i = unlabeled[static_cast<std::size_t>(i)];
    return p;
  };
  const Indices candidates = draw(8);
  const Indices evaluation = draw(12);
  const Eigen::VectorXd loss = expected_error(model, x, labeled, labels, candidates, evaluation);
  Indices expected;
  for (const Eigen::Index p : labelkit::query::top_k((-loss).eval(), 3)) {
    expected.push_back(candidates[static_cast<std::size_t>(p)]);
  }
  CHECK(picked == expected);
  CHECK(strategy.select(model, x, unlabeled, labeled, labels, 3, 77) == picked);  // reproducible
  CHECK(strategy.select(model, x, unlabeled, labeled, labels, 0, 77).empty());
  strategy.options.candidates = 0;
  CHECK_THROWS_AS((void)strategy.select(model, x, unlabeled, labeled, labels, 3, 77),
                  labelkit::invalid_argument);
}
