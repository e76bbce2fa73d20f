#pragma once
/// @file
/// Uncertainty over T stochastic forward passes of one network (MC dropout, Gal & Ghahramani
/// 2016) or the members of any committee, beside BALD (labelkit/query/committee.hpp): the
/// variation ratio and the mean standard deviation of Gal, Islam & Ghahramani 2017, "Deep
/// Bayesian Active Learning with Image Data" (ICML), section 3.
///
/// Every function takes the passes as a `std::vector` (or any contiguous range) of n x C
/// probability matrices (rows are items; float or double), one per pass, and returns one score
/// per item as a column vector of that scalar type; higher = ask first, so the scores feed
/// `top_k` and `CommitteeSampling` directly (`variation_ratio_sampling` and
/// `mean_standard_deviation_sampling` are the strategy values).
///
///     const auto passes = model.predict_proba_members(pool);   // T matrices, n x C
///     const auto ask = labelkit::query::top_k(labelkit::query::variation_ratios(passes), 10);
///
/// Cost: O(T n C) time, O(n C) extra memory.
///
/// @throws labelkit::invalid_argument if there is no pass, or a pass has NaN, a value outside
///         [0, 1] or a row that does not sum to 1 (naming `passes[t]`, the row and the column);
///         labelkit::dimension_mismatch if a pass's shape differs from `passes[0]`'s.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <ranges>
#include <string>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/committee.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Throws unless `passes` is a non-empty range of probability matrices of one shape.
template <class Passes>
void check_passes(const Passes& passes, const char* function) {
  if (std::ranges::empty(passes)) {
    fail(function, "'passes' is empty (expected at least one forward pass)");
  }
  const auto& first = *std::ranges::begin(passes);
  std::size_t t = 0;
  for (const auto& pass : passes) {
    const std::string name = concat("passes[", t, "]");
    if (pass.rows() != first.rows() || pass.cols() != first.cols()) {
      fail<dimension_mismatch>(function, "'", name, "' is ", pass.rows(), " x ", pass.cols(),
                               " (expected ", first.rows(), " x ", first.cols(),
                               ", the shape of 'passes[0]')");
    }
    check_probabilities(pass, function, name);
    ++t;
  }
}

template <class Passes>
using PassScalar = typename std::ranges::range_value_t<Passes>::Scalar;

}  // namespace detail
namespace query {

/// Variation ratio of each item (Freeman 1965; Gal, Islam & Ghahramani 2017, eq. 3):
/// 1 - f_i / T, where f_i is the number of passes whose predicted class (argmax, ties to the
/// lower class) is item i's modal predicted class. 0 when every pass predicts the same class,
/// at most 1 - 1/min(T, C). O(T n C).
/// @throws see the file comment.
template <class Passes>
requires std::ranges::sized_range<Passes>
[[nodiscard]] Eigen::Matrix<detail::PassScalar<Passes>, Eigen::Dynamic, 1> variation_ratios(
    const Passes& passes) {
  using Scalar = detail::PassScalar<Passes>;
  detail::check_passes(passes, "variation_ratios");
  const auto& first = *std::ranges::begin(passes);
  const Eigen::Index n = first.rows();
  const Eigen::Index c = first.cols();
  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, Eigen::Dynamic> votes =
      Eigen::Matrix<Eigen::Index, Eigen::Dynamic, Eigen::Dynamic>::Zero(n, c);
  for (const auto& pass : passes) {
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::Index best = 0;
      pass.row(i).maxCoeff(&best);  // first maximum: ties go to the lower class
      ++votes(i, best);
    }
  }
  const auto t = static_cast<Scalar>(std::ranges::size(passes));
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> result(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    result(i) = Scalar(1) - static_cast<Scalar>(votes.row(i).maxCoeff()) / t;
  }
  return result;
}

/// modAL's variation ratio (`modAL.dropout._variation_ratios`): 1 - max_c q_ic, with q_i the
/// mean of the passes' probabilities for item i, i.e. the least confidence of the mean
/// prediction. It differs from `variation_ratios` (which counts the passes' votes, as Gal et
/// al. define it) whenever passes disagree in confidence but not in their argmax. O(T n C).
/// @throws see the file comment.
template <class Passes>
requires std::ranges::sized_range<Passes>
[[nodiscard]] Eigen::Matrix<detail::PassScalar<Passes>, Eigen::Dynamic, 1>
mean_probability_variation_ratios(const Passes& passes) {
  using Scalar = detail::PassScalar<Passes>;
  detail::check_passes(passes, "mean_probability_variation_ratios");
  const auto& first = *std::ranges::begin(passes);
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> mean =
      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>::Zero(first.rows(), first.cols());
  for (const auto& pass : passes) mean += pass;
  mean /= static_cast<Scalar>(std::ranges::size(passes));
  return (Scalar(1) - mean.rowwise().maxCoeff().array()).matrix();
}

/// Mean standard deviation of each item (Gal, Islam & Ghahramani 2017; Kampffmeyer et al. 2016):
/// (1/C) sum_c sqrt(E_t[p_tic^2] - (E_t[p_tic])^2), the population standard deviation over the
/// T passes of each class probability, averaged over the classes, as modAL's
/// `mc_dropout_mean_st`. 0 when all passes agree exactly. Computed with the mean first (two
/// passes over the data), so it is never negative from cancellation. O(T n C).
/// @throws see the file comment.
template <class Passes>
requires std::ranges::sized_range<Passes>
[[nodiscard]] Eigen::Matrix<detail::PassScalar<Passes>, Eigen::Dynamic, 1> mean_standard_deviation(
    const Passes& passes) {
  using Scalar = detail::PassScalar<Passes>;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  detail::check_passes(passes, "mean_standard_deviation");
  const auto& first = *std::ranges::begin(passes);
  const auto t = static_cast<Scalar>(std::ranges::size(passes));
  Matrix mean = Matrix::Zero(first.rows(), first.cols());
  for (const auto& pass : passes) mean += pass;
  mean /= t;
  Matrix squares = Matrix::Zero(first.rows(), first.cols());
  for (const auto& pass : passes) squares.array() += (pass - mean).array().square();
  return (squares / t).array().sqrt().rowwise().mean().matrix();
}

}  // namespace query
namespace detail {

struct VariationRatioScore {
  template <class Passes>
  auto operator()(const Passes& p) const {
    return query::variation_ratios(p);
  }
};
struct MeanStandardDeviationScore {
  template <class Passes>
  auto operator()(const Passes& p) const {
    return query::mean_standard_deviation(p);
  }
};

}  // namespace detail
namespace query {

/// Variation-ratio sampling over a `labelkit::CommitteeModel`'s members (MC-dropout passes):
/// the k unlabeled items with the highest `variation_ratios`, ties to the lower item id.
inline constexpr CommitteeSampling<detail::VariationRatioScore> variation_ratio_sampling{};
/// Mean-standard-deviation sampling over a `labelkit::CommitteeModel`'s members (modAL's
/// `mc_dropout_mean_st`): the k unlabeled items with the highest `mean_standard_deviation`.
inline constexpr CommitteeSampling<detail::MeanStandardDeviationScore>
    mean_standard_deviation_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
