// Several gold labels for one item: the true class is known to be one of them. EM aggregators
// restrict the item's posterior to them; vote aggregators keep the vote shares among them.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "crowdkit_fixtures.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/wawa.hpp"

namespace {

using labelkit::Annotation;
namespace lq = labelkit::quality;

}  // namespace

TEST_CASE("EM with several gold labels for an item restricts its posterior to them") {
  const auto answers = crowdkit_fixtures::simple_answers();
  // Task 4 (votes: chicken 2, goose 1, parrot 1) is known to be goose or parrot.
  lq::DawidSkeneOptions options;
  options.gold = {{4, 1}, {4, 2}, {4, 2}};
  const auto ds = lq::dawid_skene(answers, 3, options);
  CHECK(ds.posterior(4, 0) == 0.0);
  CHECK(ds.posterior(4, 1) + ds.posterior(4, 2) == doctest::Approx(1.0));
  CHECK(ds.posterior(4, 1) > 0.0);
  CHECK(ds.posterior(4, 2) > 0.0);
  // The objective still never decreases (EM with a restricted E-step).
  for (std::size_t t = 1; t < ds.log_likelihood.size(); ++t) {
    CHECK(ds.log_likelihood[t] >= ds.log_likelihood[t - 1] - 1e-9);
  }
  // One gold label given once or as several identical records is the same clamp.
  lq::DawidSkeneOptions once;
  once.gold = {{4, 2}};
  lq::DawidSkeneOptions twice;
  twice.gold = {{4, 2}, {4, 2}};
  const auto a = lq::dawid_skene(answers, 3, once);
  const auto b = lq::dawid_skene(answers, 3, twice);
  CHECK(a.posterior == b.posterior);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.posterior(4, 2) == 1.0);
  // All C labels as gold is no constraint at all.
  lq::DawidSkeneOptions all;
  all.gold = {{4, 0}, {4, 1}, {4, 2}};
  const auto free = lq::dawid_skene(answers, 3);
  const auto unconstrained = lq::dawid_skene(answers, 3, all);
  CHECK((free.posterior - unconstrained.posterior).cwiseAbs().maxCoeff() < 1e-12);

  lq::MaceOptions mace_options;
  mace_options.gold = options.gold;
  const auto m = lq::mace(answers, 3, mace_options);
  CHECK(m.posterior(4, 0) == 0.0);
  CHECK(m.labels[4] != 0);
  lq::GladOptions glad_options;
  glad_options.gold = options.gold;
  CHECK(lq::glad(answers, 3, glad_options).posterior(4, 0) == 0.0);
}

TEST_CASE("vote aggregators over an AnswerSet keep the vote shares among several gold labels") {
  // Item 0: votes 0, 0, 1, 2 -> shares 1/2, 1/4, 1/4; gold says 1 or 2 -> 1/2, 1/2, label 1.
  // Item 1: votes 0, 0 -> no gold label has a vote -> uniform over {1, 2}, label 1.
  const labelkit::AnswerSet set{labelkit::LabelSet{"a", "b", "c"},
                                {{0, 0, 0}, {0, 1, 0}, {0, 2, 1}, {0, 3, 2}, {1, 0, 0}, {1, 1, 0}},
                                {{0, 1}, {0, 2}, {1, 2}, {1, 1}},
                                {}};
  const auto mv = lq::majority_vote(set);
  CHECK(mv.labels == std::vector<int>{1, 1});
  CHECK(mv.posterior(0, 0) == 0.0);
  CHECK(mv.posterior(0, 1) == doctest::Approx(0.5));
  CHECK(mv.posterior(0, 2) == doctest::Approx(0.5));
  CHECK(mv.posterior(1, 1) == doctest::Approx(0.5));
  const auto w = lq::wawa(set);
  CHECK(w.posterior(0, 0) == 0.0);
  CHECK(w.posterior.row(0).sum() == doctest::Approx(1.0));
  CHECK(lq::dawid_skene(set).posterior(1, 0) == 0.0);
}
