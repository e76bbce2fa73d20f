// The EM aggregators with an executor: the posteriors, parameters, objective trace, iteration
// count and labels are the serial run's to the last bit, whatever the executor, the thread count,
// the order the chunks run in or the chunk size (every statistic of a pass is an exact integer
// sum). On the real bluebirds crowd and on a random crowd with gold items.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstddef>
#include <functional>
#include <vector>

#include "datasets.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "quality/simulate.hpp"

namespace {

using labelkit::Parallel;
using labelkit::quality::DawidSkeneOptions;
using labelkit::quality::DawidSkeneResult;

void reverse_chunks(std::size_t tasks, const std::function<void(std::size_t)>& run) {
  for (std::size_t t = tasks; t-- > 0;) run(t);
}

// Exact equality of every field of two Dawid–Skene results.
void check_same_em(const DawidSkeneResult& a, const DawidSkeneResult& b) {
  CHECK(a.iterations == b.iterations);
  CHECK(a.converged == b.converged);
  CHECK(a.log_likelihood == b.log_likelihood);
  CHECK(a.labels == b.labels);
  CHECK(a.items == b.items);
  CHECK(a.annotators == b.annotators);
  REQUIRE(a.posterior.rows() == b.posterior.rows());
  REQUIRE(a.posterior.cols() == b.posterior.cols());
  CHECK(a.posterior == b.posterior);
  CHECK(a.priors == b.priors);
  REQUIRE(a.confusion.size() == b.confusion.size());
  for (std::size_t j = 0; j < a.confusion.size(); ++j) CHECK(a.confusion[j] == b.confusion[j]);
}

// The executors and grains every comparison runs: two threads with the default grain, two
// threads with small chunks, small chunks in reverse order, one item per chunk.
std::vector<Parallel> em_parallel_variants() {
  return {labelkit::parallel_threads(2), Parallel{labelkit::thread_executor(2), 7},
          Parallel{reverse_chunks, 5}, Parallel{reverse_chunks, 1}, Parallel{{}, 3}};
}

template <class Run>
void check_parallel_em(const std::vector<labelkit::Annotation>& answers, int n_classes,
                       const DawidSkeneOptions& options, Run run) {
  const DawidSkeneResult serial = run(answers, n_classes, options, Parallel{});
  CHECK(serial.iterations > 1);
  for (const Parallel& parallel : em_parallel_variants()) {
    check_same_em(serial, run(answers, n_classes, options, parallel));
  }
}

const auto run_dawid_skene = [](const auto& answers, int c, const DawidSkeneOptions& o,
                                const Parallel& p) {
  return labelkit::quality::dawid_skene(answers, c, o, p);
};
const auto run_one_coin = [](const auto& answers, int c, const DawidSkeneOptions& o,
                             const Parallel& p) {
  return labelkit::quality::one_coin_dawid_skene(answers, c, o, p);
};

quality_test::SimulatedCrowd random_em_crowd() {
  labelkit::Random random(31);
  std::vector<Eigen::MatrixXd> confusion;
  for (int j = 0; j < 40; ++j) {
    confusion.push_back(quality_test::random_confusion(4, 0.4 + 0.5 * random.uniform01(), random));
  }
  Eigen::VectorXd prior(4);
  prior << 0.4, 0.3, 0.2, 0.1;
  return quality_test::simulate(2500, confusion, prior, 4, 77);
}

}  // namespace

TEST_CASE("Dawid-Skene and one-coin on bluebirds: parallel runs equal the serial run bit for bit") {
  const auto crowd = examples::load_bluebirds();
  DawidSkeneOptions options;
  options.tolerance = 0;
  options.max_iterations = 30;
  check_parallel_em(crowd.annotations, 2, options, run_dawid_skene);
  check_parallel_em(crowd.annotations, 2, options, run_one_coin);
}

TEST_CASE("Dawid-Skene and one-coin on a random crowd with gold: parallel equals serial") {
  const auto crowd = random_em_crowd();
  DawidSkeneOptions options;
  options.max_iterations = 25;
  options.tolerance = 0;
  // Item index i has id 3i + 7: one gold label on a few items, two on one.
  for (int i = 0; i < 2500; i += 97) options.gold.push_back({3 * Eigen::Index{i} + 7, i % 4});
  options.gold.push_back({3 * Eigen::Index{5} + 7, 1});
  options.gold.push_back({3 * Eigen::Index{5} + 7, 2});
  check_parallel_em(crowd.annotations, 4, options, run_dawid_skene);
  check_parallel_em(crowd.annotations, 4, options, run_one_coin);
  options.smoothing = 0;
  options.tolerance = 1e-10;
  options.max_iterations = 200;
  check_parallel_em(crowd.annotations, 4, options, run_dawid_skene);
}
