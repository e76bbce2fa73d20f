// The learner as a task queue's partner: a strategy chosen at run time, the scores behind the
// picks, items sent to annotators never picked twice, and one prediction per round.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/learner/stopping.hpp"
#include "labelkit/query/any_strategy.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/expected_model_change.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/scored.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "test_models.hpp"

using Ids = std::vector<Eigen::Index>;
using test_models::line_features;
using test_models::NearestCentroid;
using Learner =
    labelkit::ActiveLearner<NearestCentroid, Eigen::MatrixXd,
                            labelkit::query::AnyStrategy<NearestCentroid, Eigen::MatrixXd>>;

namespace {

// Three blobs of 8 points in 2-D (items 0, 8 and 16 start labeled).
Eigen::MatrixXd blobs() {
  labelkit::Random random(5);
  Eigen::MatrixXd x;
  std::vector<int> y;
  test_models::make_blobs(8, 3, random, x, y);
  return x;
}

bool no_repeats(const Ids& ids) {
  return std::set<Eigen::Index>(ids.begin(), ids.end()).size() == ids.size();
}

}  // namespace

TEST_CASE("two dispatches before any teach never pick an item twice") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::entropy_sampling, 1);
  learner.teach(Ids{0, 10}, {0, 1});
  const auto first = learner.dispatch(3);
  CHECK(first.items == Ids{5, 4, 6});
  CHECK(learner.pending() == Ids{4, 5, 6});
  CHECK(learner.pending_count() == 3);
  const auto second = learner.dispatch(3);
  CHECK(second.items == Ids{3, 7, 2});
  CHECK(learner.pending_count() == 6);
  // query (without dispatch) also leaves pending items out, and marks nothing.
  CHECK(learner.query(10) == Ids{8, 1, 9});
  CHECK(learner.pending_count() == 6);
  CHECK(learner.candidates() == Ids{1, 8, 9});
  Ids all = first.items;
  all.insert(all.end(), second.items.begin(), second.items.end());
  CHECK(no_repeats(all));

  // A skipped task goes back among the candidates and is picked first again.
  learner.release(Ids{4, 9});  // 9 is not pending: left as it is
  CHECK_FALSE(learner.is_pending(4));
  CHECK(learner.pending_count() == 5);
  CHECK(learner.query(1) == Ids{4});

  // teach labels pending items: no longer pending, and never candidates again.
  learner.teach(Ids{5, 6}, {1, 1});
  CHECK(learner.pending() == Ids{2, 3, 7});
  const Ids rest = learner.query(100);
  for (const Eigen::Index id : rest) {
    CHECK_FALSE(learner.pool().is_labeled(id));
    CHECK_FALSE(learner.is_pending(id));
  }
  CHECK(rest.size() == 4);  // 1, 4, 8, 9
}

TEST_CASE("mark_pending records items sent elsewhere; bad ids are refused whole") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::entropy_sampling, 1);
  learner.teach(Ids{0, 10}, {0, 1});
  learner.mark_pending(Ids{5, 5, 0});  // repeated: once; labeled item 0: never pending
  CHECK(learner.pending() == Ids{5});
  CHECK(learner.query(2) == Ids{4, 6});
  CHECK_THROWS_WITH(learner.mark_pending(Ids{3, 11}),
                    doctest::Contains("'items' entry 1 is out of range (got 11"));
  CHECK_FALSE(learner.is_pending(3));  // nothing marked by the refused call
  CHECK_THROWS_AS(learner.release(Ids{-1}), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)learner.is_pending(11), labelkit::invalid_argument);

  // Every item pending or labeled: queries return nothing.
  learner.mark_pending(learner.candidates());
  CHECK(learner.query(3).empty());
  CHECK(learner.dispatch(3).items.empty());

  // A strategy that ignores the candidates and returns a pending item is caught.
  auto stubborn = [](const auto&, Eigen::Index) { return Ids{5}; };
  CHECK_THROWS_WITH((void)learner.query(1, stubborn),
                    doctest::Contains("item 5 at position 0, which is pending"));
}

TEST_CASE("the scores behind the picks are the strategy's scores at those items") {
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(),
                                  labelkit::query::entropy_sampling, 1);
  learner.teach(Ids{0, 10}, {0, 1});
  const auto result = learner.query_scored(5);
  CHECK(result.items == learner.query(5));
  REQUIRE(result.scores.size() == 5);
  // Entropy in nats of softmax(-(x+1)^2, -(x-1)^2) at x = -1 + 0.2 i (python3, math.log):
  // i = 5: 0.6931471805599453, i = 4 and 6: 0.6191210810456877, i = 3 and 7: 0.4526713246740597.
  CHECK(result.items == Ids{5, 4, 6, 3, 7});
  CHECK(result.scores[0] == doctest::Approx(0.6931471805599453).epsilon(1e-12));
  CHECK(result.scores[1] == doctest::Approx(0.6191210810456877).epsilon(1e-12));
  CHECK(result.scores[2] == doctest::Approx(0.6191210810456877).epsilon(1e-12));
  CHECK(result.scores[3] == doctest::Approx(0.4526713246740597).epsilon(1e-12));
  CHECK(result.scores[4] == doctest::Approx(0.4526713246740597).epsilon(1e-12));
  // And exactly the entropy function on the model's own prediction of those rows.
  const Eigen::MatrixXd p =
      learner.model().predict_proba(labelkit::select_rows(learner.features(), result.items));
  const Eigen::VectorXd h = labelkit::query::entropy(p);
  for (std::size_t r = 0; r < result.items.size(); ++r) {
    CHECK(result.scores[r] == h(static_cast<Eigen::Index>(r)));
  }

  // Margin for this call only: 1 - |p0 - p1| (python3): 1.0 at 5, 0.6200510377447751 at 4.
  const auto margin = learner.query_scored(2, labelkit::query::margin_sampling);
  CHECK(margin.items == Ids{5, 4});
  CHECK(margin.scores[0] == doctest::Approx(1.0));
  CHECK(margin.scores[1] == doctest::Approx(0.6200510377447751).epsilon(1e-12));

  // scores_of re-scores items already sent (the priorities to refresh after a refit).
  (void)learner.dispatch(3);
  const std::vector<double> again = learner.scores_of(learner.pending());
  REQUIRE(again.size() == 3);  // items 4, 5, 6
  CHECK(again[0] == doctest::Approx(0.6191210810456877).epsilon(1e-12));
  CHECK(again[1] == doctest::Approx(0.6931471805599453).epsilon(1e-12));
  CHECK(again[2] == doctest::Approx(again[0]).epsilon(1e-12));
  CHECK_THROWS_WITH((void)learner.scores_of(Ids{0}), doctest::Contains("is already labeled"));
  CHECK_THROWS_AS((void)learner.scores_of(Ids{1}, labelkit::query::core_set_sampling),
                  labelkit::state_error);
}

TEST_CASE("exactly tied scores go to the lower item id, by template and by name") {
  // x = 1, 0.5, -0.5, -1 with the ends labeled: items 1 and 2 mirror each other, so their
  // softmax rows are the same two numbers swapped and every uncertainty score ties exactly.
  Eigen::MatrixXd x(4, 1);
  x << 1.0, 0.5, -0.5, -1.0;
  for (const char* name : {"entropy", "margin", "least_confidence", "ratio"}) {
    CAPTURE(name);
    labelkit::ActiveLearner learner(
        NearestCentroid{}, x,
        labelkit::query::make_strategy<NearestCentroid, Eigen::MatrixXd>(name), 2);
    learner.teach(Ids{3, 0}, {0, 1});
    const auto result = learner.dispatch(2);
    CHECK(result.items == Ids{1, 2});
    CHECK(result.scores[0] == result.scores[1]);
  }
}

TEST_CASE("batch strategies report rank priorities; random sampling its draws") {
  const Eigen::MatrixXd x = blobs();
  labelkit::ActiveLearner learner(test_models::CentroidModel(3), x,
                                  labelkit::query::core_set_sampling, 4);
  learner.teach(Ids{0, 8, 16}, {0, 1, 2});
  const auto core = learner.query_scored(3);
  CHECK(core.items.size() == 3);
  REQUIRE(core.scores.size() == 3);
  CHECK(core.scores[0] == 1.0);
  CHECK(core.scores[1] == doctest::Approx(2.0 / 3.0));
  CHECK(core.scores[2] == doctest::Approx(1.0 / 3.0));
  CHECK(labelkit::query::rank_priorities(4) == std::vector<double>{1.0, 0.75, 0.5, 0.25});
  CHECK(labelkit::query::rank_priorities(0).empty());

  // Random sampling: the uniform draws it ranked by, so non-increasing and in [0, 1).
  auto draw = [&](std::uint64_t seed) {
    labelkit::ActiveLearner r(test_models::CentroidModel(3), x, labelkit::query::random_sampling,
                              seed);
    r.teach(Ids{0, 8, 16}, {0, 1, 2});
    return r.dispatch(5);
  };
  const auto a = draw(9);
  CHECK(a.items.size() == 5);
  for (std::size_t r = 0; r < a.scores.size(); ++r) {
    CHECK((a.scores[r] >= 0.0 && a.scores[r] < 1.0));
    if (r > 0) CHECK(a.scores[r] <= a.scores[r - 1]);
  }
  CHECK(draw(9).items == a.items);  // reproducible from the seed
  CHECK(draw(9).scores == a.scores);
  CHECK(draw(10).items != a.items);
}

TEST_CASE("scored_query picks exactly what each per-item strategy picks") {
  const Eigen::MatrixXd x = blobs();
  test_models::CentroidModel model(3);
  model.fit(labelkit::select_rows(x, Ids{0, 8, 16}), {0, 1, 2});
  Ids unlabeled;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (i % 8 != 0) unlabeled.push_back(i);
  }
  const Ids labeled{0, 8, 16};
  const std::vector<int> labels{0, 1, 2};
  const labelkit::query::QueryContext<test_models::CentroidModel, Eigen::MatrixXd> context{
      model, x, unlabeled, labeled, 21, labels};

  auto same = [&](auto strategy, const char* name) {
    CAPTURE(name);
    const Ids picked = strategy(context, 6);
    const auto scored = labelkit::query::scored_query(strategy, context, 6);
    CHECK(scored.items == picked);
    const auto all = labelkit::query::item_scores(strategy, context);
    REQUIRE(all.has_value());
    REQUIRE(all->size() == static_cast<Eigen::Index>(unlabeled.size()));
    const Ids positions = labelkit::detail::positions_of(unlabeled, picked, "test");
    for (std::size_t r = 0; r < picked.size(); ++r) CHECK(scored.scores[r] == (*all)(positions[r]));
    for (std::size_t r = 1; r < picked.size(); ++r) CHECK(scored.scores[r] <= scored.scores[r - 1]);
  };
  same(labelkit::query::entropy_sampling, "entropy");
  same(labelkit::query::least_confidence_sampling, "least_confidence");
  same(
      labelkit::query::ScoreSampling<labelkit::detail::MarginScore>{
          {}, labelkit::query::TieBreak::random},
      "margin, random ties");
  same(labelkit::query::information_density_sampling, "information_density");
  same(labelkit::query::expected_gradient_length_sampling, "expected_gradient_length");
  same(labelkit::query::random_sampling, "random");
  same(labelkit::query::WeightedSumSampling<labelkit::query::UncertaintyScorer<>,
                                            labelkit::query::DensityScorer>{{}, {0.7, 0.3}},
       "weighted_sum");

  // A committee model: vote entropy and BALD.
  test_models::CentroidCommittee committee;
  Eigen::MatrixXd line = line_features();
  committee.fit(labelkit::select_rows(line, Ids{0, 10}), {0, 1});
  const Ids free{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const labelkit::query::QueryContext<test_models::CentroidCommittee, Eigen::MatrixXd> c{
      committee, line, free, Ids{0, 10}, 3, std::vector<int>{0, 1}};
  for (int which = 0; which < 2; ++which) {
    const auto run = [&](auto strategy) {
      const auto scored = labelkit::query::scored_query(strategy, c, 4);
      CHECK(scored.items == strategy(c, 4));
      const auto all = labelkit::query::item_scores(strategy, c);
      REQUIRE(all.has_value());
      CHECK(scored.scores[0] == (*all)(scored.items[0] - 1));
    };
    if (which == 0) run(labelkit::query::bald_sampling);
    if (which == 1) run(labelkit::query::mean_kl_disagreement_sampling);
  }

  // Strategies without a per-item score have none.
  CHECK_FALSE(
      labelkit::query::item_scores(labelkit::query::core_set_sampling, context).has_value());
  static_assert(labelkit::query::ItemScoreStrategy<decltype(labelkit::query::entropy_sampling),
                                                   test_models::CentroidModel, Eigen::MatrixXd>);
  static_assert(!labelkit::query::ItemScoreStrategy<decltype(labelkit::query::badge_sampling),
                                                    test_models::CentroidModel, Eigen::MatrixXd>);
  CHECK_THROWS_AS(
      (void)labelkit::query::scored_query(labelkit::query::entropy_sampling, context, -1),
      labelkit::invalid_argument);
}

TEST_CASE("a user strategy's own item_scores are reported at its picks") {
  struct FarthestLeft {  // picks the lowest ids; its score is minus the feature value
    Ids operator()(const labelkit::query::QueryContext<NearestCentroid, Eigen::MatrixXd>& c,
                   Eigen::Index k) const {
      Ids ids(c.unlabeled.begin(), c.unlabeled.end());
      ids.resize(std::min(ids.size(), static_cast<std::size_t>(k)));
      return ids;
    }
    Eigen::VectorXd item_scores(
        const labelkit::query::QueryContext<NearestCentroid, Eigen::MatrixXd>& c) const {
      return -labelkit::select_rows(c.features, c.unlabeled).col(0);
    }
  };
  labelkit::ActiveLearner learner(NearestCentroid{}, line_features(), FarthestLeft{});
  learner.teach(Ids{0, 10}, {0, 1});
  const auto result = learner.dispatch(2);
  CHECK(result.items == Ids{1, 2});
  CHECK(result.scores[0] == doctest::Approx(0.8));
  CHECK(result.scores[1] == doctest::Approx(0.6));
  CHECK(learner.scores_of(Ids{9})[0] == doctest::Approx(-0.8));  // x_9 = 0.8
}

TEST_CASE("a strategy chosen by name picks what the template strategy picks") {
  const Eigen::MatrixXd x = blobs();
  using Model = test_models::CentroidModel;
  // Three rounds of query -> teach with the true blob labels, for each name.
  const auto run = [&](auto make_learner) {
    auto learner = make_learner();
    learner.teach(Ids{0, 8, 16}, {0, 1, 2});
    Ids history;
    for (int round = 0; round < 3; ++round) {
      const Ids picked = learner.query(3);
      history.insert(history.end(), picked.begin(), picked.end());
      std::vector<int> truth;
      for (const Eigen::Index id : picked) truth.push_back(static_cast<int>(id / 8));
      learner.teach(picked, truth);
    }
    return history;
  };
  const auto compare = [&](const char* name, auto value) {
    CAPTURE(name);
    const Ids by_template = run([&] { return labelkit::ActiveLearner(Model(3), x, value, 17); });
    const Ids by_name = run([&] {
      return labelkit::ActiveLearner(
          Model(3), x, labelkit::query::make_strategy<Model, Eigen::MatrixXd>(name), 17);
    });
    CHECK(by_template.size() == 9);
    CHECK(by_name == by_template);
  };
  compare("entropy", labelkit::query::entropy_sampling);
  compare("margin_sampling", labelkit::query::margin_sampling);
  compare("random", labelkit::query::random_sampling);
  compare("core_set", labelkit::query::core_set_sampling);
  compare("kmeans", labelkit::query::kmeans_sampling);
  compare("badge", labelkit::query::badge_sampling);
  compare("information_density", labelkit::query::information_density_sampling);
  compare("uncertain_then_diverse", labelkit::query::uncertain_then_diverse_sampling);

  const auto make = [](std::string_view name) {
    return labelkit::query::make_strategy<Model, Eigen::MatrixXd>(name);
  };
  // Every documented name builds (with what this model can serve) and reports its name.
  for (const std::string_view name : labelkit::query::strategy_names) {
    CAPTURE(name);
    const bool committee = name == "vote_entropy" || name == "consensus_entropy" ||
                           name == "mean_kl_disagreement" || name == "max_kl_disagreement" ||
                           name == "bald" || name == "variation_ratio" ||
                           name == "mean_standard_deviation";
    if (committee) {
      CHECK_THROWS_WITH((void)make(name), doctest::Contains("needs a labelkit::CommitteeModel"));
    } else {
      CHECK(labelkit::query::make_strategy<Model, Eigen::MatrixXd>(name).name() == name);
    }
  }
  CHECK_THROWS_WITH((void)make("entropie"),
                    doctest::Contains("unknown strategy 'entropie' (expected one of: random, "
                                      "least_confidence"));
  CHECK(labelkit::query::make_strategy<test_models::CentroidCommittee, Eigen::MatrixXd>("bald")
            .has_item_scores());
  CHECK_FALSE(labelkit::query::make_strategy<Model, Eigen::MatrixXd>("core_set").has_item_scores());
}

TEST_CASE("a runtime strategy can change between rounds and be given per call") {
  using Any = labelkit::query::AnyStrategy<NearestCentroid, Eigen::MatrixXd>;
  Learner learner(NearestCentroid{}, line_features(),
                  labelkit::query::make_strategy<NearestCentroid, Eigen::MatrixXd>("entropy"), 1);
  learner.teach(Ids{0, 10}, {0, 1});
  CHECK(learner.strategy().name() == "entropy");
  CHECK(learner.query(3) == Ids{5, 4, 6});
  // The scores survive type erasure.
  const auto scored = learner.query_scored(1);
  CHECK(scored.scores[0] == doctest::Approx(0.6931471805599453).epsilon(1e-12));

  // Switch to a lambda: the farthest right first.
  learner.strategy() = Any(
      [](const labelkit::query::QueryContext<NearestCentroid, Eigen::MatrixXd>& c, Eigen::Index k) {
        Ids ids(c.unlabeled.rbegin(), c.unlabeled.rend());
        ids.resize(std::min(ids.size(), static_cast<std::size_t>(k)));
        return ids;
      },
      "rightmost");
  CHECK(learner.strategy().name() == "rightmost");
  const auto right = learner.query_scored(2);
  CHECK(right.items == Ids{9, 8});
  CHECK(right.scores == std::vector<double>{1.0, 0.5});  // rank priorities

  // Per call, by value or by name, without touching the learner's strategy.
  CHECK(learner.query(1, labelkit::query::entropy_sampling) == Ids{5});
  CHECK(learner.query(1, "margin") == Ids{5});
  CHECK(learner.dispatch(2, "entropy").items == Ids{5, 4});
  CHECK(learner.strategy().name() == "rightmost");
  CHECK_THROWS_AS((void)learner.query(1, "nope"), labelkit::invalid_argument);

  // A copy holds its own strategy.
  const Any copy = learner.strategy();
  CHECK(copy.name() == "rightmost");
}

TEST_CASE("one prediction per fit: stopping rule, dispatch, re-scoring and a second dispatch") {
  const Eigen::MatrixXd x = blobs();
  int predictions = 0;
  int embeddings = 0;
  Eigen::Index predicted_rows = 0;
  labelkit::ActiveLearner learner(
      test_models::CountingCentroid(&predictions, &embeddings, &predicted_rows), x,
      labelkit::query::margin_sampling, 3);
  learner.teach(Ids{0, 8, 16}, {0, 1, 2});
  CHECK_FALSE(labelkit::MaxUncertaintyStop{0.0}(learner));
  const auto first = learner.dispatch(4);
  const std::vector<double> priorities = learner.scores_of(learner.pending());
  const auto second = learner.dispatch(4);  // pending items left out of the same round
  CHECK_FALSE(labelkit::ExpectedErrorStop{0.0}(learner));
  CHECK(predictions == 1);
  CHECK(predicted_rows == 21);
  CHECK(embeddings == 0);
  // The second dispatch's scores are the same round's scores of its items.
  const std::vector<double> second_again = learner.scores_of(second.items);
  CHECK(second_again == second.scores);
  for (const Eigen::Index id : second.items) {
    CHECK(std::find(first.items.begin(), first.items.end(), id) == first.items.end());
  }
  CHECK(priorities.size() == 4);

  // teach starts a new round: one more prediction for everything that follows.
  learner.teach(first.items, {0, 0, 1, 2});
  (void)learner.dispatch(2);
  (void)learner.scores_of(learner.pending());
  CHECK(predictions == 2);

  // Embedding strategies on a round with pending items embed nothing again.
  labelkit::ActiveLearner core(test_models::CountingCentroid(&predictions, &embeddings), x,
                               labelkit::query::core_set_sampling, 3);
  core.teach(Ids{0, 8, 16}, {0, 1, 2});
  embeddings = 0;
  const auto a = core.dispatch(3);
  const auto b = core.dispatch(3);
  CHECK(embeddings == 2);  // the candidates and the labeled items, once each
  Ids both = a.items;
  both.insert(both.end(), b.items.begin(), b.items.end());
  CHECK(no_repeats(both));
}

TEST_CASE("a subset round reuses its parent's work and refuses foreign ids") {
  const Eigen::MatrixXd x = blobs();
  int predictions = 0;
  int embeddings = 0;
  test_models::CountingCentroid model(&predictions, &embeddings);
  model.fit(labelkit::select_rows(x, Ids{0, 8, 16}), {0, 1, 2});
  const Ids unlabeled{20, 3, 11, 5, 7};  // not ascending: positions by a sorted copy
  const Ids labeled{0, 8, 16};
  labelkit::query::PoolRound<test_models::CountingCentroid, Eigen::MatrixXd> parent(
      model, x, unlabeled, labeled);
  const Ids ids{5, 20};
  labelkit::query::PoolRound<test_models::CountingCentroid, Eigen::MatrixXd> subset(parent, ids);
  CHECK(subset.is_subset());
  CHECK(parent.positions_of(ids) == Ids{3, 0});
  CHECK(subset.probabilities().row(0) == parent.probabilities().row(3));
  CHECK(subset.probabilities().row(1) == parent.probabilities().row(0));
  CHECK(subset.embeddings().row(1) == parent.embeddings().row(0));
  CHECK(subset.labeled_embeddings() == parent.labeled_embeddings());
  CHECK(subset.candidates().row(0) == x.row(5));
  CHECK(predictions == 1);
  CHECK(embeddings == 2);
  // The constructor maps the ids with positions_of, which refuses foreign and repeated ids.
  CHECK(parent.positions_of(Ids{7, 3, 11}) == Ids{4, 1, 2});
  CHECK_THROWS_WITH((void)parent.positions_of(Ids{5, 8}, "PoolRound"),
                    doctest::Contains("PoolRound(): 'ids' entry 1 (item 8) is not a candidate"));
  CHECK_THROWS_WITH((void)parent.positions_of(Ids{7, 7}),
                    doctest::Contains("'ids' entry 1 repeats item 7"));
}
