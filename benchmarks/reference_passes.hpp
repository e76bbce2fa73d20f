// Physical reference passes shared by several benchmark programs, so that a case and its
// reference are the same code wherever the case is timed.
#pragma once

#include <benchmark/benchmark.h>

#include <Eigen/Core>

namespace labelkit_bench {

/// Krippendorff's alpha reference: streams reliability data (annotators x items, NaN = missing)
/// once, per item counting its values and summing v and v^2, the least work any correct alpha
/// needs.
template <class M>
void alpha_reference_pass(benchmark::State& state, const M& d) {
  for (auto _ : state) {
    double n = 0;
    double s1 = 0;
    double s2 = 0;
    for (Eigen::Index u = 0; u < d.cols(); ++u) {
      double m = 0;
      double a = 0;
      double b = 0;
      for (Eigen::Index c = 0; c < d.rows(); ++c) {
        const double v = d(c, u);
        if (v == v) {
          m += 1;
          a += v;
          b += v * v;
        }
      }
      if (m >= 2) {
        n += m;
        s1 += a;
        s2 += b;
      }
    }
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(s1);
    benchmark::DoNotOptimize(s2);
  }
  state.SetItemsProcessed(state.iterations() * d.size());
}

}  // namespace labelkit_bench
