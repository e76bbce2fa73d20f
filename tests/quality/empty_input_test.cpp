// No annotations give an empty result in every aggregator, as in crowd-kit (its aggregators
// return empty frames for an empty DataFrame, e.g. tests/aggregation/
// test_classification_aggregation_edge_cases.py::test_gold_mv_empty), so that a streaming
// pipeline need not special-case an empty batch.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/wawa.hpp"

namespace {

using labelkit::Annotation;
namespace lq = labelkit::quality;

void empty_input_check_shape(const lq::Aggregation& r, int n_classes) {
  CHECK(r.items.empty());
  CHECK(r.annotators.empty());
  CHECK(r.labels.empty());
  CHECK(r.posterior.rows() == 0);
  CHECK(r.posterior.cols() == n_classes);
  CHECK_FALSE(r.label_of(0).has_value());
  CHECK_FALSE(r.posterior_of(3).has_value());
}

void empty_input_check_trace(const lq::EmTrace& t) {
  CHECK(t.iterations == 0);
  CHECK(t.converged);
  CHECK(t.log_likelihood.empty());
}

}  // namespace

TEST_CASE("every aggregator returns an empty result for no annotations") {
  const std::vector<Annotation> none;
  const auto mv = lq::majority_vote(none, 3);
  empty_input_check_shape(mv, 3);
  CHECK(mv.votes.rows() == 0);

  const std::vector<lq::AnnotatorWeight> weights = {{4, 0.5}};
  empty_input_check_shape(lq::weighted_majority_vote(none, 3, weights), 3);

  const auto w = lq::wawa(none, 2);
  empty_input_check_shape(w, 2);
  CHECK(w.skills.size() == 0);

  const auto ds = lq::dawid_skene(none, 3);
  empty_input_check_shape(ds, 3);
  empty_input_check_trace(ds);
  CHECK(ds.confusion.empty());
  REQUIRE(ds.priors.size() == 3);
  CHECK(ds.priors(0) == doctest::Approx(1.0 / 3));
  CHECK(ds.priors.sum() == doctest::Approx(1.0));

  lq::DawidSkeneOptions unsmoothed;
  unsmoothed.smoothing = 0;
  unsmoothed.gold = {{7, 1}};  // gold for an item nobody answered changes nothing
  const auto one_coin = lq::one_coin_dawid_skene(none, 2, unsmoothed);
  empty_input_check_shape(one_coin, 2);
  empty_input_check_trace(one_coin);
  CHECK(one_coin.priors(1) == doctest::Approx(0.5));

  const auto g = lq::glad(none, 2);
  empty_input_check_shape(g, 2);
  empty_input_check_trace(g);
  CHECK(g.ability.size() == 0);
  CHECK(g.difficulty.size() == 0);
  CHECK(g.priors(0) == doctest::Approx(0.5));

  const auto m = lq::mace(none, 4);
  empty_input_check_shape(m, 4);
  empty_input_check_trace(m);
  CHECK(m.competence.size() == 0);
  CHECK(m.spam.rows() == 0);
}

TEST_CASE("an empty AnswerSet aggregates to an empty result; bad arguments still throw") {
  const labelkit::AnswerSet answers{labelkit::LabelSet{"cat", "dog"}, {}, {}, {}};
  empty_input_check_shape(lq::majority_vote(answers), 2);
  empty_input_check_shape(lq::dawid_skene(answers), 2);
  const std::vector<Annotation> none;
  CHECK_THROWS_AS(lq::majority_vote(none, 1), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::dawid_skene(none, 2, {.max_iterations = 0}), labelkit::invalid_argument);
  CHECK_THROWS_AS(lq::mace(none, 0), labelkit::invalid_argument);
}
