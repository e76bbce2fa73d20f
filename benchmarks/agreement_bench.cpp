// Agreement coefficients at scale, each beside a reference that streams the same input once
// with the least work a correct answer needs (see benchmarks/README.md for the figures):
//   alpha:  10 coders x 100,000 units, 10% missing, values 1..5 (and real values for interval);
//           reference: one pass that counts the values of each unit and sums v and v^2.
//   Fleiss: 100,000 items x 5 categories (10 raters per item); reference: one pass summing
//           n_ij^2 and the column totals.
//   Cohen:  1,000,000 pairs over 5 codes; reference: one pass filling a 5 x 5 table with codes
//           known in advance to be 0..4.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/random.hpp"
#include "reference_passes.hpp"

namespace {

constexpr Eigen::Index kCoders = 10;
constexpr Eigen::Index kUnits = 100000;

const Eigen::MatrixXd& reliability_data(bool real_values) {
  static const auto make = [](bool real) {
    labelkit::Random random(2026);
    Eigen::MatrixXd d(kCoders, kUnits);
    for (Eigen::Index u = 0; u < kUnits; ++u) {
      const double truth =
          real ? random.normal() * 2 + 3 : static_cast<double>(1 + random.uniform_index(5));
      for (Eigen::Index c = 0; c < kCoders; ++c) {
        if (random.uniform01() < 0.1) {
          d(c, u) = std::numeric_limits<double>::quiet_NaN();
        } else if (real) {
          d(c, u) = truth + random.normal();
        } else {
          d(c, u) =
              random.uniform01() < 0.7 ? truth : static_cast<double>(1 + random.uniform_index(5));
        }
      }
    }
    return d;
  };
  static const Eigen::MatrixXd integer_data = make(false);
  static const Eigen::MatrixXd real_data = make(true);
  return real_values ? real_data : integer_data;
}

void BM_alpha(benchmark::State& state, labelkit::agreement::Level level, bool real_values) {
  const Eigen::MatrixXd& d = reliability_data(real_values);
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::krippendorff_alpha(d, level));
  state.SetItemsProcessed(state.iterations() * d.size());
}

// Reference: stream the data once, per unit count the values and sum v, v^2.
void BM_alpha_reference_pass(benchmark::State& state, bool real_values) {
  labelkit_bench::alpha_reference_pass(state, reliability_data(real_values));
}

const Eigen::MatrixXd& fleiss_table() {
  static const Eigen::MatrixXd t = [] {
    labelkit::Random random(7);
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(100000, 5);
    for (Eigen::Index i = 0; i < c.rows(); ++i) {
      const auto truth = static_cast<Eigen::Index>(random.uniform_index(5));
      for (int r = 0; r < 10; ++r) {
        c(i, random.uniform01() < 0.6 ? truth
                                      : static_cast<Eigen::Index>(random.uniform_index(5))) += 1;
      }
    }
    return c;
  }();
  return t;
}

void BM_fleiss(benchmark::State& state) {
  const Eigen::MatrixXd& t = fleiss_table();
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::fleiss_kappa(t));
  state.SetItemsProcessed(state.iterations() * t.size());
}

void BM_fleiss_reference_pass(benchmark::State& state) {
  const Eigen::MatrixXd& t = fleiss_table();
  for (auto _ : state) {
    double squares = 0;
    double totals[5] = {0, 0, 0, 0, 0};
    for (Eigen::Index j = 0; j < 5; ++j) {
      for (Eigen::Index i = 0; i < t.rows(); ++i) {
        const double x = t(i, j);
        squares += x * x;
        totals[j] += x;
      }
    }
    benchmark::DoNotOptimize(squares);
    benchmark::DoNotOptimize(totals);
  }
  state.SetItemsProcessed(state.iterations() * t.size());
}

const std::vector<int>& cohen_rater(int which) {
  static const auto make = [] {
    labelkit::Random random(11);
    std::vector<int> a(1000000);
    std::vector<int> b(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      a[i] = static_cast<int>(random.uniform_index(5));
      b[i] = random.uniform01() < 0.7 ? a[i] : static_cast<int>(random.uniform_index(5));
    }
    return std::pair{a, b};
  };
  static const auto raters = make();
  return which == 0 ? raters.first : raters.second;
}

void BM_cohen(benchmark::State& state, labelkit::agreement::Weights w) {
  const auto& a = cohen_rater(0);
  const auto& b = cohen_rater(1);
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::cohens_kappa(a, b, w));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

void BM_cohen_reference_pass(benchmark::State& state) {
  const auto& a = cohen_rater(0);
  const auto& b = cohen_rater(1);
  for (auto _ : state) {
    long long table[25] = {};
    for (std::size_t i = 0; i < a.size(); ++i) ++table[a[i] * 5 + b[i]];
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

using labelkit::agreement::Level;
using labelkit::agreement::Weights;

BENCHMARK_CAPTURE(BM_alpha_reference_pass, codes_1_to_5, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, nominal, Level::nominal, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, ordinal, Level::ordinal, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, interval, Level::interval, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, ratio, Level::ratio, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha_reference_pass, real_values, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, interval_real_values, Level::interval, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_alpha, ordinal_real_values, Level::ordinal, true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fleiss_reference_pass)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fleiss)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_cohen_reference_pass)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_cohen, none, Weights::none)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_cohen, quadratic, Weights::quadratic)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
