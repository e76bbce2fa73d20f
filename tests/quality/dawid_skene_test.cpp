#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "quality/simulate.hpp"

using labelkit::Annotation;
using labelkit::quality::dawid_skene;
using labelkit::quality::DawidSkeneOptions;
using labelkit::quality::DawidSkeneResult;
using labelkit::quality::majority_vote;
using labelkit::quality::one_coin_dawid_skene;

namespace {

// Brute-force twin of the E-step: the posterior and the log-likelihood computed with plain
// products of probabilities (no logs), from the reported confusion matrices and priors.
struct Twin {
  Eigen::MatrixXd posterior;
  double log_likelihood = 0;
};

Twin brute_force_e_step(const std::vector<Annotation>& a, const DawidSkeneResult& r, int c) {
  Twin twin;
  const auto n_items = static_cast<Eigen::Index>(r.items.size());
  twin.posterior.resize(n_items, c);
  for (Eigen::Index i = 0; i < n_items; ++i) {
    double evidence = 0;
    for (int k = 0; k < c; ++k) {
      double p = r.priors(k);
      for (const auto& x : a) {
        if (x.item != r.items[static_cast<std::size_t>(i)]) continue;
        std::size_t j = 0;
        while (r.annotators[j] != x.annotator) ++j;
        p *= r.confusion[j](k, x.label);
      }
      twin.posterior(i, k) = p;
      evidence += p;
    }
    twin.posterior.row(i) /= evidence;
    twin.log_likelihood += std::log(evidence);
  }
  return twin;
}

// The log prior the objective adds when smoothing s > 0: s·log of every free parameter (the
// confusion entries for the full model; p and 1 - p for the one-coin model).
double log_prior_term(const DawidSkeneResult& r, double s, bool one_coin) {
  if (s == 0) return 0;
  double term = s * r.priors.array().log().sum();
  for (const auto& m : r.confusion) {
    term += one_coin ? s * (std::log(m(0, 0)) + std::log(1 - m(0, 0))) : s * m.array().log().sum();
  }
  return term;
}

std::vector<Eigen::MatrixXd> unequal_crowd_confusions(labelkit::Random& random) {
  // 3 classes, 10 annotators: 3 experts (0.9), 3 mediocre (0.6), 4 near-spammers (0.4).
  std::vector<Eigen::MatrixXd> m;
  for (int j = 0; j < 10; ++j) {
    const double accuracy = j < 3 ? 0.9 : (j < 6 ? 0.6 : 0.4);
    m.push_back(quality_test::random_confusion(3, accuracy, random));
  }
  return m;
}

}  // namespace

TEST_CASE("dawid_skene contract: fields, shapes, ascending ids, row-stochastic confusions") {
  const std::vector<Annotation> a = {{20, 7, 1}, {20, 3, 1}, {10, 7, 0}, {10, 3, 0},
                                     {10, 5, 1}, {30, 5, 2}, {30, 3, 2}, {30, 7, 2}};
  const DawidSkeneResult r = dawid_skene(a, 3);
  CHECK(r.items == std::vector<Eigen::Index>{10, 20, 30});
  CHECK(r.annotators == std::vector<Eigen::Index>{3, 5, 7});
  REQUIRE(r.posterior.rows() == 3);
  REQUIRE(r.posterior.cols() == 3);
  CHECK(r.labels == std::vector<int>{0, 1, 2});
  REQUIRE(r.confusion.size() == 3);
  for (const Eigen::MatrixXd& m : r.confusion) {
    REQUIRE(m.rows() == 3);
    REQUIRE(m.cols() == 3);
    CHECK((m.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
    CHECK((m.array() >= 0).all());
  }
  CHECK(r.priors.size() == 3);
  CHECK(r.priors.sum() == doctest::Approx(1.0));
  CHECK((r.posterior.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
  CHECK(r.iterations >= 1);
  CHECK(r.log_likelihood.size() == static_cast<std::size_t>(r.iterations));
  CHECK(r.converged);
  const DawidSkeneOptions defaults;
  CHECK(defaults.max_iterations >= 100);
  CHECK(defaults.smoothing <= 0.01);
  CHECK(defaults.smoothing > 0);
}

TEST_CASE("dawid_skene recovers known confusion matrices and beats majority vote") {
  labelkit::Random random(42);
  const auto confusion = unequal_crowd_confusions(random);
  Eigen::VectorXd prior(3);
  prior << 0.5, 0.3, 0.2;
  const auto crowd = quality_test::simulate(2000, confusion, prior, 5, 7);
  const auto r = dawid_skene(crowd.annotations, 3);
  const auto mv = majority_vote(crowd.annotations, 3);
  const int ds_wrong = quality_test::count_wrong(r.labels, crowd.truth);
  const int mv_wrong = quality_test::count_wrong(mv.labels, crowd.truth);
  MESSAGE("DS wrong " << ds_wrong << " MV wrong " << mv_wrong << " iterations " << r.iterations);
  double worst = 0;
  for (std::size_t j = 0; j < confusion.size(); ++j) {
    worst = std::max(worst, (r.confusion[j] - confusion[j]).cwiseAbs().maxCoeff());
  }
  MESSAGE("max |confusion error| " << worst << " prior " << r.priors.transpose());
  // Measured: Dawid-Skene 193 / 2000 wrong, majority vote 385 / 2000; largest confusion-entry
  // error 0.064 (each annotator answers ~1000 items); 34 iterations.
  CHECK(r.converged);
  CHECK(ds_wrong < 220);
  CHECK(mv_wrong > 350);
  CHECK(worst < 0.08);
  CHECK((r.priors - prior).cwiseAbs().maxCoeff() < 0.03);
}

TEST_CASE("the EM objective never decreases, with and without smoothing, on random crowds") {
  labelkit::Random random(3);
  for (int trial = 0; trial < 20; ++trial) {
    const int c = 2 + static_cast<int>(random.uniform_index(4));
    const int n_items = 5 + static_cast<int>(random.uniform_index(60));
    const int n_annotators = 2 + static_cast<int>(random.uniform_index(8));
    std::vector<Annotation> a;
    for (int i = 0; i < n_items; ++i) {
      const int answers = 1 + static_cast<int>(random.uniform_index(5));
      for (int x = 0; x < answers; ++x) {
        a.push_back({i, static_cast<Eigen::Index>(random.uniform_index(n_annotators)),
                     static_cast<int>(random.uniform_index(c))});
      }
    }
    for (const double smoothing : {0.0, 0.01, 1.0}) {
      DawidSkeneOptions options;
      options.smoothing = smoothing;
      options.tolerance = 0;
      options.max_iterations = 60;
      for (const auto& r : {dawid_skene(a, c, options), one_coin_dawid_skene(a, c, options)}) {
        CHECK(r.iterations == 60);
        for (std::size_t t = 1; t < r.log_likelihood.size(); ++t) {
          const double before = r.log_likelihood[t - 1];
          const double now = r.log_likelihood[t];
          REQUIRE(std::isfinite(now));
          CHECK(now >= before - 1e-9 * std::max(1.0, std::abs(before)));
        }
      }
    }
  }
}

TEST_CASE("brute-force twin: the posterior is the exact E-step of the reported parameters") {
  labelkit::Random random(11);
  for (int trial = 0; trial < 10; ++trial) {
    const int c = 2 + static_cast<int>(random.uniform_index(3));
    std::vector<Annotation> a;
    for (int i = 0; i < 6; ++i) {
      for (int j = 0; j < 3; ++j) {
        if (random.uniform01() < 0.8) {
          a.push_back({100 + i, 5 * j, static_cast<int>(random.uniform_index(c))});
        }
      }
      a.push_back({100 + i, 99, static_cast<int>(random.uniform_index(c))});
    }
    for (const double smoothing : {0.0, 0.5}) {
      DawidSkeneOptions options;
      options.smoothing = smoothing;
      options.max_iterations = 1 + static_cast<int>(random.uniform_index(30));
      for (const bool one_coin : {false, true}) {
        const auto r = one_coin ? one_coin_dawid_skene(a, c, options) : dawid_skene(a, c, options);
        const Twin twin = brute_force_e_step(a, r, c);
        CHECK((twin.posterior - r.posterior).cwiseAbs().maxCoeff() < 1e-10);
        CHECK(twin.log_likelihood + log_prior_term(r, smoothing, one_coin) ==
              doctest::Approx(r.log_likelihood.back()).epsilon(1e-10));
      }
    }
  }
}

TEST_CASE("dawid_skene: a worked example where two reliable annotators overrule a majority") {
  // Annotators 0 and 1 always agree with each other on items 0..5 (calibration items where
  // annotators 2, 3 and 4 answer at random-looking patterns); on item 6 annotators 0 and 1 say
  // 1 and the three unreliable ones say 0. Majority vote says 0; Dawid-Skene trusts 0 and 1.
  std::vector<Annotation> a;
  const int truth[6] = {0, 1, 0, 1, 1, 0};
  const int noise[3][6] = {{1, 0, 0, 0, 1, 1}, {0, 0, 1, 1, 0, 1}, {1, 1, 1, 0, 0, 0}};
  for (int i = 0; i < 6; ++i) {
    a.push_back({i, 0, truth[i]});
    a.push_back({i, 1, truth[i]});
    for (int j = 0; j < 3; ++j) a.push_back({i, 2 + j, noise[j][i]});
  }
  for (int j = 0; j < 3; ++j) a.push_back({6, 2 + j, 0});
  a.push_back({6, 0, 1});
  a.push_back({6, 1, 1});
  CHECK(majority_vote(a, 2).labels[6] == 0);
  const auto r = dawid_skene(a, 2);
  CHECK(r.labels[6] == 1);
  CHECK(r.posterior(6, 1) > 0.9);
  for (int i = 0; i < 6; ++i) CHECK(r.labels[static_cast<std::size_t>(i)] == truth[i]);
}

TEST_CASE("repeated answers by one annotator count (Dawid & Skene 1979)") {
  // One annotator answering an item three times weighs like three answers.
  const std::vector<Annotation> once = {{0, 0, 1}, {0, 1, 0}, {1, 0, 1}, {1, 1, 1}};
  std::vector<Annotation> thrice = once;
  thrice.push_back({0, 0, 1});
  thrice.push_back({0, 0, 1});
  DawidSkeneOptions options;
  options.smoothing = 0.5;
  const auto r1 = dawid_skene(once, 2, options);
  const auto r3 = dawid_skene(thrice, 2, options);
  CHECK(r3.posterior(0, 1) > r1.posterior(0, 1));
  const Twin twin = brute_force_e_step(thrice, r3, 2);
  CHECK((twin.posterior - r3.posterior).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("gold labels clamp items during EM and sharpen the confusion estimates") {
  labelkit::Random random(5);
  const auto confusion = unequal_crowd_confusions(random);
  Eigen::VectorXd prior = Eigen::VectorXd::Constant(3, 1.0 / 3);
  const auto crowd = quality_test::simulate(300, confusion, prior, 3, 9);
  DawidSkeneOptions options;
  for (int i = 0; i < 300; i += 3)
    options.gold.push_back({3 * i + 7, crowd.truth[static_cast<std::size_t>(i)]});
  options.gold.push_back({999'999, 0});  // an item nobody answered: ignored
  for (const auto& r : {dawid_skene(crowd.annotations, 3, options),
                        one_coin_dawid_skene(crowd.annotations, 3, options)}) {
    for (int i = 0; i < 300; i += 3) {
      CHECK(r.labels[static_cast<std::size_t>(i)] == crowd.truth[static_cast<std::size_t>(i)]);
      CHECK(r.posterior(i, crowd.truth[static_cast<std::size_t>(i)]) == 1.0);
    }
  }
  const auto free = dawid_skene(crowd.annotations, 3);
  const auto clamped = dawid_skene(crowd.annotations, 3, options);
  int free_wrong = 0;
  int clamped_wrong = 0;
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) continue;  // score only the non-gold items
    free_wrong +=
        free.labels[static_cast<std::size_t>(i)] != crowd.truth[static_cast<std::size_t>(i)];
    clamped_wrong +=
        clamped.labels[static_cast<std::size_t>(i)] != crowd.truth[static_cast<std::size_t>(i)];
  }
  MESSAGE("non-gold wrong: free " << free_wrong << " clamped " << clamped_wrong);
  CHECK(clamped_wrong <= free_wrong);
  // Two gold labels for one item: its true class is one of them (not an error).
  DawidSkeneOptions bad;
  bad.gold = {{7, 0}, {7, 1}};
  const auto either = dawid_skene(crowd.annotations, 3, bad);
  const auto row7 = *either.posterior_of(7);
  CHECK(row7(2) == 0.0);
  CHECK(row7(0) + row7(1) == doctest::Approx(1.0));
  // Bad gold.
  bad.gold = {{7, 3}};
  CHECK_THROWS_WITH_AS(dawid_skene(crowd.annotations, 3, bad),
                       doctest::Contains("'gold' record 0 has a label outside [0, 3) (got 3)"),
                       labelkit::invalid_argument);
}

TEST_CASE("one-coin Dawid-Skene recovers per-annotator accuracies") {
  labelkit::Random random(8);
  std::vector<Eigen::MatrixXd> confusion;
  std::vector<double> accuracy;
  for (int j = 0; j < 8; ++j) {
    accuracy.push_back(0.35 + 0.08 * j);
    Eigen::MatrixXd m = Eigen::MatrixXd::Constant(4, 4, (1 - accuracy.back()) / 3);
    m.diagonal().setConstant(accuracy.back());
    confusion.push_back(m);
  }
  const auto crowd =
      quality_test::simulate(3000, confusion, Eigen::VectorXd::Constant(4, 0.25), 4, 1);
  const auto r = one_coin_dawid_skene(crowd.annotations, 4);
  double worst = 0;
  for (std::size_t j = 0; j < 8; ++j) {
    worst = std::max(worst, std::abs(r.confusion[j](0, 0) - accuracy[j]));
    CHECK((r.confusion[j].rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
  }
  MESSAGE("one-coin max |accuracy error| " << worst);
  CHECK(worst < 0.05);  // measured 0.035 (1500 answers per annotator)
  const auto mv = majority_vote(crowd.annotations, 4);
  CHECK(quality_test::count_wrong(r.labels, crowd.truth) <
        quality_test::count_wrong(mv.labels, crowd.truth));
}

TEST_CASE("dawid_skene rejects bad input and options, naming the record") {
  const std::vector<Annotation> a = {{0, 0, 0}, {0, 1, 1}, {1, 0, 5}};
  CHECK_THROWS_WITH_AS(dawid_skene(a, 3),
                       "labelkit: dawid_skene(): 'annotations' record 2 has a label outside [0, 3) "
                       "(got 5)",
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(dawid_skene(a, 1), doctest::Contains("'n_classes' must be at least 2"),
                       labelkit::invalid_argument);
  const std::vector<Annotation> negative = {{0, 0, 0}, {0, -2, 1}};
  CHECK_THROWS_WITH_AS(dawid_skene(negative, 2),
                       doctest::Contains("record 1 has a negative annotator id (got -2)"),
                       labelkit::invalid_argument);
  const std::vector<Annotation> ok = {{0, 0, 0}, {0, 1, 1}};
  DawidSkeneOptions options;
  options.max_iterations = 0;
  CHECK_THROWS_WITH_AS(dawid_skene(ok, 2, options),
                       doctest::Contains("'options.max_iterations' must be at least 1 (got 0)"),
                       labelkit::invalid_argument);
  options = {};
  options.smoothing = -1;
  CHECK_THROWS_WITH_AS(one_coin_dawid_skene(ok, 2, options),
                       doctest::Contains("one_coin_dawid_skene(): 'options.smoothing' must be"),
                       labelkit::invalid_argument);
  options = {};
  options.tolerance = std::nan("");
  CHECK_THROWS_AS(dawid_skene(ok, 2, options), labelkit::invalid_argument);
}

TEST_CASE("dawid_skene on one item with one answer, and with all annotators agreeing") {
  const std::vector<Annotation> one = {{3, 4, 1}};
  const auto r = dawid_skene(one, 2);
  CHECK(r.labels == std::vector<int>{1});
  const std::vector<Annotation> agree = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  DawidSkeneOptions no_smoothing;
  no_smoothing.smoothing = 0;
  const auto s = dawid_skene(agree, 3, no_smoothing);
  CHECK(s.labels == std::vector<int>{1, 1});
  CHECK(s.posterior(0, 1) == 1.0);
  CHECK(s.priors(1) == 1.0);
  for (const auto& m : s.confusion) {
    CHECK(m(1, 1) == 1.0);
    CHECK(m(0, 0) == doctest::Approx(1.0 / 3));  // a row with no mass is uniform
  }
}
