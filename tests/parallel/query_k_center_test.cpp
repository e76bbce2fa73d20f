// Parallel greedy k-center: each pick's distance update and argmax run on fixed chunks of rows,
// and the picks equal the serial run's for every executor and grain, on both layouts, float and
// double, with duplicate points and integer coordinates so that exact ties straddle chunks.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/diversity.hpp"

namespace {

template <class Scalar, int Layout>
using CenterPoints = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

// Seeded points; the second half repeats the first; with `integer` the coordinates are small
// integers, so many distances tie exactly.
template <class Scalar, int Layout>
CenterPoints<Scalar, Layout> center_points(Eigen::Index n, Eigen::Index d, bool integer,
                                           std::uint64_t seed) {
  labelkit::Random random(seed);
  CenterPoints<Scalar, Layout> x(n, d);
  for (Eigen::Index i = 0; i < n / 2; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) {
      const double v = 3.0 * random.normal();
      x(i, j) = static_cast<Scalar>(integer ? std::round(v) : v);
    }
  }
  for (Eigen::Index i = n / 2; i < n; ++i) x.row(i) = x.row(i - n / 2);
  return x;
}

std::vector<labelkit::Parallel> center_settings() {
  labelkit::Parallel reverse{[](std::size_t n, const std::function<void(std::size_t)>& run) {
                               for (auto t = n; t-- > 0;) run(t);
                             },
                             1};
  labelkit::Parallel three = labelkit::parallel_threads(3);
  three.grain = 1000;
  return {labelkit::parallel_threads(2), three, reverse};
}

template <class Scalar, int Layout>
void check_k_center_parallel() {
  namespace q = labelkit::query;
  for (const bool integer : {false, true}) {
    CAPTURE(integer);
    const auto x = center_points<Scalar, Layout>(5003, 6, integer, integer ? 5 : 6);
    const std::vector<Eigen::Index> labeled{7, 4000, 2600};
    const auto serial = q::k_center_greedy(x, {}, 40);
    const auto serial_labeled = q::k_center_greedy(x, labeled, 40);
    const CenterPoints<Scalar, Layout> centers = x.topRows(3);
    const auto serial_centers = q::k_center_greedy_with_centers(x, centers, 25);
    for (const labelkit::Parallel& parallel : center_settings()) {
      CAPTURE(parallel.grain);
      CHECK(q::k_center_greedy(x, {}, 40, parallel) == serial);
      CHECK(q::k_center_greedy(x, labeled, 40, parallel) == serial_labeled);
      CHECK(q::k_center_greedy_with_centers(x, centers, 25, parallel) == serial_centers);
    }
  }
  // Fewer rows than one chunk: one chunk, the serial picks.
  const auto small = center_points<Scalar, Layout>(300, 3, true, 9);
  CHECK(q::k_center_greedy(small, {}, 20, labelkit::parallel_threads(2)) ==
        q::k_center_greedy(small, {}, 20));
}

TEST_CASE("parallel k-center picks equal the serial picks") {
  SUBCASE("double, column-major") { check_k_center_parallel<double, Eigen::ColMajor>(); }
  SUBCASE("double, row-major") { check_k_center_parallel<double, Eigen::RowMajor>(); }
  SUBCASE("float, column-major") { check_k_center_parallel<float, Eigen::ColMajor>(); }
  SUBCASE("float, row-major") { check_k_center_parallel<float, Eigen::RowMajor>(); }
}

}  // namespace
