#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/consensus.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "quality/simulate.hpp"

using labelkit::Annotation;
namespace q = labelkit::quality;

TEST_CASE("consensus combines a good model with a noisy crowd and beats majority vote") {
  // 3 annotators right 65% of the time; a model right ~90% of the time (softmax of 2.2 on the
  // true class plus N(0, 1) noise).
  std::vector<Eigen::MatrixXd> confusion;
  for (int j = 0; j < 3; ++j) {
    Eigen::MatrixXd m = Eigen::MatrixXd::Constant(3, 3, 0.175);
    m.diagonal().setConstant(0.65);
    confusion.push_back(m);
  }
  const auto crowd =
      quality_test::simulate(1000, confusion, Eigen::VectorXd::Constant(3, 1.0 / 3), 3, 4);
  labelkit::Random random(99);
  Eigen::MatrixXd p(1000, 3);
  for (int i = 0; i < 1000; ++i) {
    Eigen::RowVector3d logits;
    for (int k = 0; k < 3; ++k)
      logits(k) = (k == crowd.truth[static_cast<std::size_t>(i)] ? 2.2 : 0.0) + random.normal();
    logits.array() -= logits.maxCoeff();
    p.row(i) = logits.array().exp() / logits.array().exp().sum();
  }
  const auto r = q::multiannotator_consensus(crowd.annotations, 3, p);
  const auto mv = q::majority_vote(crowd.annotations, 3);
  const int wrong = quality_test::count_wrong(r.labels, crowd.truth);
  const int mv_wrong = quality_test::count_wrong(mv.labels, crowd.truth);
  std::vector<int> model_labels;
  for (int i = 0; i < 1000; ++i) model_labels.push_back(labelkit::detail::argmax_lowest(p.row(i)));
  const int model_wrong = quality_test::count_wrong(model_labels, crowd.truth);
  // Measured: consensus 72, majority vote 256, model alone 100 wrong of 1000.
  MESSAGE("consensus " << wrong << " MV " << mv_wrong << " model " << model_wrong);
  CHECK(wrong < mv_wrong);
  CHECK(wrong < model_wrong);
  CHECK(r.model_weight > 0);
  CHECK((r.posterior.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
  // Consensus quality separates right from wrong consensus labels: mean quality higher when right.
  double right_q = 0, wrong_q = 0;
  for (int i = 0; i < 1000; ++i) {
    (r.labels[static_cast<std::size_t>(i)] == crowd.truth[static_cast<std::size_t>(i)] ? right_q
                                                                                       : wrong_q) +=
        r.quality(i);
  }
  CHECK(right_q / (1000 - wrong) > wrong_q / wrong + 0.1);
  CHECK(r.annotator_quality.size() == 3);
  CHECK((r.annotator_quality.array() > 0.5).all());
}

TEST_CASE("consensus ranks a spammer below good annotators; ties broken by the model") {
  std::vector<Annotation> a;
  Eigen::MatrixXd p(40, 2);
  for (int i = 0; i < 40; ++i) {
    const int z = i % 2;
    a.push_back({i, 1, z});
    a.push_back({i, 2, z});
    a.push_back({i, 3, (i / 2) % 2});  // right half the time
    p.row(i) << (z == 0 ? 0.8 : 0.2), (z == 0 ? 0.2 : 0.8);
  }
  const auto r = q::multiannotator_consensus(a, 2, p);
  CHECK(r.annotator_quality(2) < r.annotator_quality(0) - 0.2);
  CHECK(r.annotator_weights(2) == 0.0);  // no better than the baseline
  // A 1-1 tie on one item is broken by the model.
  const std::vector<Annotation> tie = {{0, 1, 0}, {0, 2, 1}};
  Eigen::MatrixXd pt(1, 2);
  pt << 0.3, 0.7;
  CHECK(q::multiannotator_consensus(tie, 2, pt).labels == std::vector<int>{1});
}

TEST_CASE("multiannotator_consensus rejects mismatched or invalid probabilities") {
  const std::vector<Annotation> a = {{0, 1, 0}, {5, 2, 1}};
  Eigen::MatrixXd three(3, 2);
  three.setConstant(0.5);
  CHECK_THROWS_AS(static_cast<void>(q::multiannotator_consensus(a, 2, three)),
                  labelkit::dimension_mismatch);
  Eigen::MatrixXd bad(2, 2);
  bad << 0.5, 0.5, 0.9, 0.3;
  CHECK_THROWS_WITH_AS(q::multiannotator_consensus(a, 2, bad),
                       doctest::Contains("row 1 does not sum to 1"), labelkit::invalid_argument);
  // float, row-major input works.
  Eigen::Matrix<float, 2, 2, Eigen::RowMajor> f;
  f << 0.5f, 0.5f, 0.1f, 0.9f;
  CHECK(q::multiannotator_consensus(a, 2, f).labels == std::vector<int>{0, 1});
}
