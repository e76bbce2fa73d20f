// The shared pool round: one selection, one prediction and one embedding per round, shared by the
// strategy and the stopping rules; and the names that moved still reach the same entities.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <type_traits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/learner/stopping.hpp"
#include "labelkit/models/bagging.hpp"
#include "labelkit/models/kmeans.hpp"
#include "labelkit/query/bagging.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/ranked_batch.hpp"
#include "labelkit/query/stopping.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "learner/test_models.hpp"

using Indices = std::vector<Eigen::Index>;

namespace {

// A centroid model that counts its predict_proba and embed calls and the rows they saw.
struct CountingModel : test_models::CentroidModel {
  int* predictions = nullptr;
  int* embeddings = nullptr;

  CountingModel(int* p, int* e) : CentroidModel(3), predictions(p), embeddings(e) {}

  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    ++*predictions;
    return CentroidModel::predict_proba(x);
  }
  Eigen::MatrixXd embed(const Eigen::MatrixXd& x) const {
    ++*embeddings;
    return 2.0 * x;
  }
};

Eigen::MatrixXd blobs(std::vector<int>& y) {
  labelkit::Random random(5);
  Eigen::MatrixXd x;
  test_models::make_blobs(8, 3, random, x, y);
  return x;
}

}  // namespace

static_assert(std::is_same_v<labelkit::query::BaggingCommittee<int (*)()>,
                             labelkit::models::BaggingCommittee<int (*)()>>);
static_assert(std::is_same_v<labelkit::query::StabilizingPredictions<Eigen::MatrixXd>,
                             labelkit::StabilizingPredictions<Eigen::MatrixXd>>);
static_assert(std::is_same_v<labelkit::query::LabelBudget, labelkit::LabelBudget>);
static_assert(std::is_same_v<labelkit::query::KMeansOptions, labelkit::models::KMeansOptions>);

TEST_CASE("a stopping rule and the next query share one prediction of the pool") {
  std::vector<int> y;
  const Eigen::MatrixXd x = blobs(y);
  int predictions = 0;
  int embeddings = 0;
  labelkit::ActiveLearner learner(CountingModel(&predictions, &embeddings), x,
                                  labelkit::query::margin_sampling, 3);
  learner.teach({0, 8, 16}, {0, 1, 2});
  const labelkit::MaxUncertaintyStop stop{0.0};  // never satisfied on this pool
  CHECK_FALSE(stop(learner));
  CHECK(predictions == 1);
  const Indices asked = learner.query(4);
  CHECK(predictions == 1);  // the query read the round the stopping rule filled
  CHECK(embeddings == 0);   // margin sampling never embeds
  // The same picks as scoring by hand.
  const auto unlabeled = learner.pool().unlabeled();
  const auto p = learner.model().predict_proba(labelkit::select_rows(x, unlabeled));
  CHECK(asked == labelkit::query::to_item_ids(labelkit::query::top_k(labelkit::query::margin(p), 4),
                                              unlabeled));
  // teach starts a new round: one more prediction for the next stop check and query together.
  predictions = 0;
  learner.teach(asked, {0, 0, 1, 2});
  CHECK_FALSE(labelkit::ExpectedErrorStop{0.0}(learner));
  (void)learner.query(2);
  CHECK(predictions == 1);
}

TEST_CASE("a round embeds the candidates and the labeled items once each") {
  std::vector<int> y;
  const Eigen::MatrixXd x = blobs(y);
  int predictions = 0;
  int embeddings = 0;
  CountingModel model(&predictions, &embeddings);
  model.fit(labelkit::select_rows(x, Indices{0, 8, 16}), {0, 1, 2});
  Indices unlabeled;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (i % 8 != 0) unlabeled.push_back(i);
  }
  const Indices labeled{0, 8, 16};
  labelkit::query::PoolRound<CountingModel, Eigen::MatrixXd> round(model, x, unlabeled, labeled);
  CHECK(round.size() == 21);
  CHECK(round.embeddings().isApprox(2.0 * labelkit::select_rows(x, unlabeled)));
  CHECK(round.labeled_embeddings().isApprox(2.0 * labelkit::select_rows(x, labeled)));
  (void)round.embeddings();
  (void)round.labeled_embeddings();
  CHECK(embeddings == 2);
  (void)round.probabilities();
  (void)round.probabilities();
  CHECK(predictions == 1);
  CHECK(round.item_ids({0, 20}) == Indices{1, 23});
  // Strategies run on a context that carries the round reuse it.
  const labelkit::query::QueryContext<CountingModel, Eigen::MatrixXd> context{
      model, x, round.unlabeled(), round.labeled(), 9, {}, &round};
  const Indices core = labelkit::query::core_set_sampling(context, 3);
  const Indices ranked = labelkit::query::ranked_batch_sampling(context, 3);
  CHECK(embeddings == 2);
  CHECK(predictions == 1);
  // And agree with a context without a round (which builds its own).
  const labelkit::query::QueryContext<CountingModel, Eigen::MatrixXd> fresh{
      model, x, round.unlabeled(), round.labeled(), 9};
  CHECK(labelkit::query::core_set_sampling(fresh, 3) == core);
  CHECK(labelkit::query::ranked_batch_sampling(fresh, 3) == ranked);
}

TEST_CASE("ActiveLearner::round needs a fitted model and follows a moved learner") {
  std::vector<int> y;
  const Eigen::MatrixXd x = blobs(y);
  labelkit::ActiveLearner learner(test_models::CentroidModel(3), x,
                                  labelkit::query::entropy_sampling, 1);
  CHECK_THROWS_AS((void)learner.round(), labelkit::state_error);
  learner.teach({0, 8, 16}, {0, 1, 2});
  CHECK(learner.round().size() == 21);
  auto moved = std::move(learner);
  CHECK(moved.round().reads(moved.model(), moved.features()));
  CHECK(moved.query(2).size() == 2);
}
