#pragma once
/// @file
/// The random-sampling baseline every active-learning result must beat.

#include <Eigen/Core>
#include <cstdint>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// n independent uniform scores in [0, 1) from `seed`; `top_k(random_scores(n, seed), k)` is a
/// uniform random sample of k items, reproducible from the seed. O(n).
/// @throws labelkit::invalid_argument if n < 0.
[[nodiscard]] inline Eigen::VectorXd random_scores(Eigen::Index n, std::uint64_t seed) {
  if (n < 0) labelkit::detail::fail("random_scores", "'n' is negative (got ", n, ")");
  Random random(seed);
  Eigen::VectorXd scores(n);
  for (Eigen::Index i = 0; i < n; ++i) scores(i) = random.uniform01();
  return scores;
}

}  // namespace query
LABELKIT_END_NAMESPACE
