// Progress callbacks of the EM aggregators (issue 8): DawidSkeneOptions::progress (Dawid–Skene
// and one-coin), GladOptions::progress and MaceOptions::progress are called once per EM
// iteration with the 1-based iteration and that iteration's objective, and change no result.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "quality/simulate.hpp"

namespace q = labelkit::quality;

namespace {

// What a progress callback saw.
struct Calls {
  std::vector<int> iterations;
  std::vector<double> objectives;
};

// Attaches a recording callback to a copy of `options`.
template <class Options>
Options recording(Options options, Calls& calls) {
  options.progress = [&calls](const labelkit::quality::EmProgress& p) {
    calls.iterations.push_back(p.iteration);
    calls.objectives.push_back(p.objective);
  };
  return options;
}

// 3 classes, 10 annotators of mixed accuracy, 5 answers per item, a few gold items.
quality_test::SimulatedCrowd three_class_crowd() {
  labelkit::Random random(2024);
  std::vector<Eigen::MatrixXd> confusion;
  for (int j = 0; j < 10; ++j) {
    confusion.push_back(quality_test::random_confusion(3, j < 3 ? 0.45 : 0.75, random));
  }
  Eigen::VectorXd prior(3);
  prior << 0.5, 0.3, 0.2;
  return quality_test::simulate(150, confusion, prior, 5, 77);
}

std::vector<q::GoldLabel> some_gold(const quality_test::SimulatedCrowd& crowd) {
  std::vector<q::GoldLabel> gold;
  for (std::size_t i = 0; i < crowd.truth.size(); i += 10) {
    gold.push_back({3 * static_cast<Eigen::Index>(i) + 7, crowd.truth[i]});
  }
  return gold;
}

// The callback saw iterations 1..result.iterations, each with result.log_likelihood's value.
template <class Result>
void check_calls(const Calls& calls, const Result& result) {
  REQUIRE(calls.iterations.size() == static_cast<std::size_t>(result.iterations));
  REQUIRE(calls.objectives.size() == result.log_likelihood.size());
  for (std::size_t i = 0; i < calls.iterations.size(); ++i) {
    CHECK(calls.iterations[i] == static_cast<int>(i) + 1);
    CHECK(calls.objectives[i] == result.log_likelihood[i]);  // the same double, not approximately
  }
}

// Non-decreasing up to rounding (the aggregators document "never decreases (up to rounding)").
void check_non_decreasing(const std::vector<double>& objective) {
  for (std::size_t i = 1; i < objective.size(); ++i) {
    CHECK(objective[i] >= objective[i - 1] - 1e-9 * std::max(1.0, std::abs(objective[i - 1])));
  }
}

void check_same(const q::DawidSkeneResult& a, const q::DawidSkeneResult& b) {
  CHECK(a.items == b.items);
  CHECK(a.annotators == b.annotators);
  CHECK(a.posterior == b.posterior);
  CHECK(a.labels == b.labels);
  REQUIRE(a.confusion.size() == b.confusion.size());
  for (std::size_t j = 0; j < a.confusion.size(); ++j) CHECK(a.confusion[j] == b.confusion[j]);
  CHECK(a.priors == b.priors);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.iterations == b.iterations);
  CHECK(a.converged == b.converged);
}

void check_same(const q::GladResult& a, const q::GladResult& b) {
  CHECK(a.items == b.items);
  CHECK(a.annotators == b.annotators);
  CHECK(a.posterior == b.posterior);
  CHECK(a.labels == b.labels);
  CHECK(a.ability == b.ability);
  CHECK(a.difficulty == b.difficulty);
  CHECK(a.priors == b.priors);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.iterations == b.iterations);
  CHECK(a.converged == b.converged);
}

void check_same(const q::MaceResult& a, const q::MaceResult& b) {
  CHECK(a.items == b.items);
  CHECK(a.annotators == b.annotators);
  CHECK(a.posterior == b.posterior);
  CHECK(a.labels == b.labels);
  CHECK(a.competence == b.competence);
  CHECK(a.spam == b.spam);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.iterations == b.iterations);
  CHECK(a.converged == b.converged);
}

}  // namespace

TEST_CASE("progress callbacks are empty by default") {
  CHECK_FALSE(q::DawidSkeneOptions{}.progress);
  CHECK_FALSE(q::GladOptions{}.progress);
  CHECK_FALSE(q::MaceOptions{}.progress);
}

TEST_CASE("Dawid-Skene progress: one call per iteration with the reported objective") {
  const auto crowd = three_class_crowd();
  for (const bool with_gold : {false, true}) {
    for (const double smoothing : {0.0, 0.01}) {
      CAPTURE(with_gold);
      CAPTURE(smoothing);
      q::DawidSkeneOptions options;
      options.smoothing = smoothing;
      if (with_gold) options.gold = some_gold(crowd);
      Calls calls;
      const auto observed = q::dawid_skene(crowd.annotations, 3, recording(options, calls));
      const auto plain = q::dawid_skene(crowd.annotations, 3, options);
      CHECK(observed.iterations > 1);
      check_calls(calls, observed);
      check_non_decreasing(calls.objectives);
      check_same(observed, plain);
    }
  }
}

TEST_CASE("one-coin Dawid-Skene progress: one call per iteration with the reported objective") {
  const auto crowd = three_class_crowd();
  q::DawidSkeneOptions options;
  options.gold = some_gold(crowd);
  Calls calls;
  const auto observed = q::one_coin_dawid_skene(crowd.annotations, 3, recording(options, calls));
  const auto plain = q::one_coin_dawid_skene(crowd.annotations, 3, options);
  CHECK(observed.iterations > 1);
  check_calls(calls, observed);
  check_non_decreasing(calls.objectives);
  check_same(observed, plain);
}

TEST_CASE("GLAD progress: one call per iteration with the reported objective") {
  // GLAD's M-step is gradient ascent, so its objective is not guaranteed to rise: no
  // monotonicity check here.
  const auto crowd = three_class_crowd();
  for (const bool with_gold : {false, true}) {
    CAPTURE(with_gold);
    q::GladOptions options;
    if (with_gold) options.gold = some_gold(crowd);
    Calls calls;
    const auto observed = q::glad(crowd.annotations, 3, recording(options, calls));
    const auto plain = q::glad(crowd.annotations, 3, options);
    CHECK(observed.iterations > 1);
    check_calls(calls, observed);
    check_same(observed, plain);
  }
}

TEST_CASE("MACE progress: one call per iteration with the reported objective") {
  const auto crowd = three_class_crowd();
  for (const bool with_gold : {false, true}) {
    CAPTURE(with_gold);
    q::MaceOptions options;
    if (with_gold) options.gold = some_gold(crowd);
    Calls calls;
    const auto observed = q::mace(crowd.annotations, 3, recording(options, calls));
    const auto plain = q::mace(crowd.annotations, 3, options);
    CHECK(observed.iterations > 1);
    check_calls(calls, observed);
    check_non_decreasing(calls.objectives);
    check_same(observed, plain);
  }
}

TEST_CASE("progress with tolerance 0 is called max_iterations times") {
  const auto crowd = three_class_crowd();
  q::DawidSkeneOptions ds_options;
  ds_options.tolerance = 0;
  ds_options.max_iterations = 7;
  Calls ds_calls;
  const auto ds = q::dawid_skene(crowd.annotations, 3, recording(ds_options, ds_calls));
  CHECK(ds.iterations == 7);
  CHECK_FALSE(ds.converged);
  check_calls(ds_calls, ds);

  Calls one_coin_calls;
  const auto one_coin =
      q::one_coin_dawid_skene(crowd.annotations, 3, recording(ds_options, one_coin_calls));
  CHECK(one_coin.iterations == 7);
  check_calls(one_coin_calls, one_coin);

  q::GladOptions glad_options;
  glad_options.tolerance = 0;
  glad_options.max_iterations = 4;
  Calls glad_calls;
  const auto glad = q::glad(crowd.annotations, 3, recording(glad_options, glad_calls));
  CHECK(glad.iterations == 4);
  check_calls(glad_calls, glad);

  q::MaceOptions mace_options;
  mace_options.tolerance = 0;
  mace_options.max_iterations = 5;
  Calls mace_calls;
  const auto mace = q::mace(crowd.annotations, 3, recording(mace_options, mace_calls));
  CHECK(mace.iterations == 5);
  check_calls(mace_calls, mace);
}

TEST_CASE("progress on the bluebirds crowd (Dawid-Skene, GLAD, MACE)") {
  const examples::Crowd crowd = examples::load_bluebirds();
  Calls ds_calls;
  const auto ds = q::dawid_skene(crowd.annotations, 2, recording(q::DawidSkeneOptions{}, ds_calls));
  check_calls(ds_calls, ds);
  check_non_decreasing(ds_calls.objectives);
  check_same(ds, q::dawid_skene(crowd.annotations, 2));

  Calls glad_calls;
  const auto glad = q::glad(crowd.annotations, 2, recording(q::GladOptions{}, glad_calls));
  check_calls(glad_calls, glad);
  check_same(glad, q::glad(crowd.annotations, 2));

  Calls mace_calls;
  const auto mace = q::mace(crowd.annotations, 2, recording(q::MaceOptions{}, mace_calls));
  check_calls(mace_calls, mace);
  check_non_decreasing(mace_calls.objectives);
  check_same(mace, q::mace(crowd.annotations, 2));
}

TEST_CASE("an exception from the progress callback propagates and stops EM") {
  const auto crowd = three_class_crowd();
  q::DawidSkeneOptions options;
  options.tolerance = 0;
  int calls = 0;
  options.progress = [&calls](const labelkit::quality::EmProgress& p) {
    ++calls;
    if (p.iteration == 3) throw std::runtime_error("cancelled");
  };
  CHECK_THROWS_AS((void)q::dawid_skene(crowd.annotations, 3, options), std::runtime_error);
  CHECK(calls == 3);
  calls = 0;
  CHECK_THROWS_AS((void)q::one_coin_dawid_skene(crowd.annotations, 3, options), std::runtime_error);
  CHECK(calls == 3);
}
