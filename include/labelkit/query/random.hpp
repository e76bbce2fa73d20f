#pragma once
/// @file
/// The random-sampling baseline every active-learning result must beat: `random_scores` for
/// custom loops, `random_sampling` as an `ActiveLearner` strategy.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// n independent uniform scores in [0, 1) from `seed`; `top_k(random_scores(n, seed), k)` is a
/// uniform random sample of k items, reproducible from the seed. O(n).
/// A function template (`Scalar` defaults to double) so that its Eigen code is compiled only
/// where it is called.
/// @throws labelkit::invalid_argument if n < 0.
template <class Scalar = double>
[[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, 1> random_scores(Eigen::Index n,
                                                                     std::uint64_t seed) {
  if (n < 0) labelkit::detail::fail("random_scores", "'n' is negative (got ", n, ")");
  Random random(seed);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(n);
  for (Eigen::Index i = 0; i < n; ++i) scores(i) = static_cast<Scalar>(random.uniform01());
  return scores;
}

/// Uniform random sampling from the round's seed: the baseline. Ignores the model.
struct RandomSampling {
  /// k item ids drawn uniformly from `context.unlabeled` with `context.seed`.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    labelkit::detail::check_k(k, "RandomSampling");
    const auto n = static_cast<Eigen::Index>(context.unlabeled.size());
    return to_item_ids(top_k(random_scores(n, context.seed), k), context.unlabeled);
  }
};

/// The random baseline as a value.
inline constexpr RandomSampling random_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
