#pragma once
/// @file
/// Active learning for regression: modAL's acquisition functions for Bayesian optimisation
/// (probability of improvement, expected improvement, upper confidence bound) on a
/// `labelkit::ProbabilisticRegressor`, and max-std sampling for a probabilistic regressor or a
/// committee of regressors (labelkit/core/regressor.hpp). Expected model change for regression
/// (EMCM) is in labelkit/query/regression_model_change.hpp.
///
/// Every score takes the predicted means and standard deviations as Eigen vectors (n x 1 or
/// 1 x n, rows are items, float or double) and returns one score per item as a column vector of
/// the mean's scalar type; higher = ask first, so every score feeds `labelkit::query::top_k`.
/// Every `*_sampling` function predicts the pool once and returns the positions (rows of the
/// pool, 0..n-1) of the k best items, best first, ties to the lower position; an empty pool or
/// k = 0 returns nothing, k >= n returns every position.
///
/// Notation: mu and sigma the predicted mean and standard deviation of an item, y* the best
/// target observed so far (modAL's `y_max`, the largest labeled target), xi >= 0 the
/// exploration trade-off, Phi and phi the standard normal CDF and density,
/// d = mu - y* - xi and z = d / sigma.
///
/// Reference: modAL (Danka & Horvath 2018), modAL/acquisition.py: `PI`, `EI`, `UCB`, `max_PI`,
/// `max_EI`, `max_UCB`; modAL/disagreement.py: `max_std_sampling` with modAL's
/// `CommitteeRegressor.predict(X, return_std=True)` (numpy's population standard deviation of
/// the members' predictions). The formulas are modAL's; two things differ: modAL breaks ties by
/// `argsort` (or a shuffle), labelkit by the lower position (`top_k(scores, k, TieBreak::random,
/// seed)` gives a seeded shuffle), and where modAL divides by sigma = 0 and returns NaN, labelkit
/// returns the limit as sigma -> 0 (documented per function).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regressor.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Phi(z) = erfc(-z / sqrt 2) / 2: accurate in both tails (no 1 - something cancellation).
template <class Scalar>
[[nodiscard]] Scalar standard_normal_cdf(Scalar z) {
  return Scalar(0.5) * std::erfc(-z / std::numbers::sqrt2_v<Scalar>);
}

/// phi(z) = exp(-z^2 / 2) / sqrt(2 pi).
template <class Scalar>
[[nodiscard]] Scalar standard_normal_pdf(Scalar z) {
  return std::exp(Scalar(-0.5) * z * z) * std::numbers::inv_sqrtpi_v<Scalar> /
         std::numbers::sqrt2_v<Scalar>;
}

/// Throws unless `v` is a vector (n x 1 or 1 x n; 0 x m and m x 0 count as empty vectors).
template <class Derived>
void check_vector_shape(const Eigen::DenseBase<Derived>& v, std::string_view function,
                        std::string_view argument) {
  if (v.rows() != 1 && v.cols() != 1 && v.size() != 0) {
    fail<dimension_mismatch>(function, "'", argument, "' must be a vector (got ", v.rows(), " x ",
                             v.cols(), ")");
  }
}

/// Throws unless every entry of the vector `v` is finite, naming the first offending item.
template <class Derived>
void check_finite_vector(const Eigen::DenseBase<Derived>& v, std::string_view function,
                         std::string_view argument) {
  const auto& d = v.derived();
  if (v.size() == 0 || std::isfinite(static_cast<double>(d.sum()))) return;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(static_cast<double>(d(i)))) {
      fail(function, "'", argument, "' has a non-finite value at item ", i, " (got ",
           static_cast<double>(d(i)), ")");
    }
  }
}

/// Throws unless every standard deviation in the vector `std_dev` is finite and >= 0.
template <class Derived>
void check_std_vector(const Eigen::DenseBase<Derived>& std_dev, std::string_view function,
                      std::string_view argument) {
  check_finite_vector(std_dev, function, argument);
  const auto& s = std_dev.derived();
  for (Eigen::Index i = 0; i < std_dev.size(); ++i) {
    if (s(i) < 0) {
      fail(function, "'", argument, "' is negative at item ", i, " (got ",
           static_cast<double>(s(i)), ", expected >= 0)");
    }
  }
}

/// Throws unless `mean` and `std` are vectors of the same length, the means finite and the
/// standard deviations finite and >= 0 (each message names the item).
template <class MeanDerived, class StdDerived>
void check_mean_std(const Eigen::DenseBase<MeanDerived>& mean,
                    const Eigen::DenseBase<StdDerived>& std_dev, std::string_view function) {
  check_vector_shape(mean, function, "mean");
  check_vector_shape(std_dev, function, "std");
  if (mean.size() != std_dev.size()) {
    fail<dimension_mismatch>(function, "'std' has ", std_dev.size(), " items (expected ",
                             mean.size(), ", the length of 'mean')");
  }
  check_finite_vector(mean, function, "mean");
  check_std_vector(std_dev, function, "std");
}

/// Throws unless the parameter `value` is finite.
inline void check_finite_parameter(double value, std::string_view function,
                                   std::string_view argument) {
  if (!std::isfinite(value)) {
    fail(function, "'", argument, "' is not finite (got ", value, ")");
  }
}

/// Throws unless a model's prediction for the pool is a vector with one entry per pool item.
template <class Derived>
void check_prediction_length(const Eigen::DenseBase<Derived>& prediction, Eigen::Index items,
                             std::string_view function, std::string_view method) {
  check_vector_shape(prediction, function, method);
  if (prediction.size() != items) {
    fail<dimension_mismatch>(function, "the model's '", method, "' returned ", prediction.size(),
                             " values (expected ", items, ", one per pool item)");
  }
}

/// The model's predicted mean and standard deviation for the pool, checked.
template <class M, class X>
requires ProbabilisticRegressor<M, X>
auto predict_mean_std(M& model, const X& pool, std::string_view function) {
  const Eigen::Index n = row_count(pool);
  auto mean = model.predict(pool);
  auto std_dev = model.predict_std(pool);
  check_prediction_length(mean, n, function, "predict");
  check_prediction_length(std_dev, n, function, "predict_std");
  return std::pair{std::move(mean), std::move(std_dev)};
}

/// The mean's scalar type, as a column vector.
template <class MeanDerived>
using ScoreVector = Eigen::Matrix<typename MeanDerived::Scalar, Eigen::Dynamic, 1>;

}  // namespace detail
namespace query {

/// Probability of improvement (Kushner 1964; modAL's `PI`): the probability, under the
/// predictive normal N(mu, sigma^2), that an item's target exceeds the best observed target y*
/// by more than `tradeoff` (xi):
///
///     PI = Phi((mu - y* - xi) / sigma).
///
/// For sigma = 0 the limit: 1 if mu - y* - xi > 0, else 0 (modAL returns NaN where
/// mu - y* - xi = 0 and sigma = 0). O(n).
/// @param mean predicted means (n-vector, rows are items). @param std_dev predicted standard
/// deviations (n-vector, >= 0). @param y_max the best target observed (modAL's `y_max`).
/// @param tradeoff xi, the improvement required beyond y* (modAL's default 0).
/// @throws labelkit::invalid_argument if a mean, a standard deviation, y_max or tradeoff is not
///         finite or a standard deviation is negative (naming the item);
///         labelkit::dimension_mismatch if mean and std are not vectors of one length.
template <class MeanDerived, class StdDerived>
[[nodiscard]] detail::ScoreVector<MeanDerived> probability_of_improvement(
    const Eigen::MatrixBase<MeanDerived>& mean, const Eigen::MatrixBase<StdDerived>& std_dev,
    double y_max, double tradeoff = 0.0) {
  using Scalar = typename MeanDerived::Scalar;
  constexpr const char* function = "probability_of_improvement";
  detail::check_mean_std(mean, std_dev, function);
  detail::check_finite_parameter(y_max, function, "y_max");
  detail::check_finite_parameter(tradeoff, function, "tradeoff");
  const Eigen::Index n = mean.size();
  detail::ScoreVector<MeanDerived> pi(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Scalar d = mean(i) - static_cast<Scalar>(y_max) - static_cast<Scalar>(tradeoff);
    const Scalar s = static_cast<Scalar>(std_dev(i));
    pi(i) = s > 0 ? detail::standard_normal_cdf(d / s) : (d > 0 ? Scalar(1) : Scalar(0));
  }
  return pi;
}

/// Expected improvement (Mockus 1978; Jones, Schonlau & Welch 1998; modAL's `EI`): the expected
/// amount by which an item's target exceeds y* + xi under N(mu, sigma^2):
///
///     EI = d Phi(z) + sigma phi(z),   d = mu - y* - xi,  z = d / sigma.
///
/// For sigma = 0 the limit max(d, 0) (modAL returns NaN or inf there). EI >= 0 up to rounding
/// (the two terms cancel for z << 0). O(n).
/// @param mean predicted means (n-vector, rows are items). @param std_dev predicted standard
/// deviations (n-vector, >= 0). @param y_max the best target observed (modAL's `y_max`).
/// @param tradeoff xi (modAL's default 0).
/// @throws as `probability_of_improvement`.
template <class MeanDerived, class StdDerived>
[[nodiscard]] detail::ScoreVector<MeanDerived> expected_improvement(
    const Eigen::MatrixBase<MeanDerived>& mean, const Eigen::MatrixBase<StdDerived>& std_dev,
    double y_max, double tradeoff = 0.0) {
  using Scalar = typename MeanDerived::Scalar;
  constexpr const char* function = "expected_improvement";
  detail::check_mean_std(mean, std_dev, function);
  detail::check_finite_parameter(y_max, function, "y_max");
  detail::check_finite_parameter(tradeoff, function, "tradeoff");
  const Eigen::Index n = mean.size();
  detail::ScoreVector<MeanDerived> ei(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Scalar d = mean(i) - static_cast<Scalar>(y_max) - static_cast<Scalar>(tradeoff);
    const Scalar s = static_cast<Scalar>(std_dev(i));
    if (s > 0) {
      const Scalar z = d / s;
      ei(i) = d * detail::standard_normal_cdf(z) + s * detail::standard_normal_pdf(z);
    } else {
      ei(i) = d > 0 ? d : Scalar(0);
    }
  }
  return ei;
}

/// Upper confidence bound (Srinivas et al. 2010; modAL's `UCB`): UCB = mu + beta sigma. O(n).
/// @param mean predicted means (n-vector, rows are items). @param std_dev predicted standard
/// deviations (n-vector, >= 0). @param beta the weight of the standard deviation (modAL's
/// default 1; any finite value).
/// @throws labelkit::invalid_argument if a mean, a standard deviation or beta is not finite or a
///         standard deviation is negative; labelkit::dimension_mismatch if mean and std are not
///         vectors of one length.
template <class MeanDerived, class StdDerived>
[[nodiscard]] detail::ScoreVector<MeanDerived> upper_confidence_bound(
    const Eigen::MatrixBase<MeanDerived>& mean, const Eigen::MatrixBase<StdDerived>& std_dev,
    double beta = 1.0) {
  using Scalar = typename MeanDerived::Scalar;
  constexpr const char* function = "upper_confidence_bound";
  detail::check_mean_std(mean, std_dev, function);
  detail::check_finite_parameter(beta, function, "beta");
  const Eigen::Index n = mean.size();
  detail::ScoreVector<MeanDerived> ucb(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    ucb(i) = mean(i) + static_cast<Scalar>(beta) * static_cast<Scalar>(std_dev(i));
  }
  return ucb;
}

/// The committee's disagreement per item: the population standard deviation (divisor M, as
/// numpy's `std` in modAL's `CommitteeRegressor.predict(X, return_std=True)`) of the members'
/// predictions,
///
///     s_i = sqrt((1/M) sum_m (p_im - pbar_i)^2),   pbar_i = (1/M) sum_m p_im,
///
/// computed in two passes (mean, then squared deviations) so equal predictions give 0 exactly.
/// O(n M).
/// @param predictions n x M, rows are items, column m is member m's predictions (modAL's
///        `vote`); float or double, either storage order.
/// @throws labelkit::invalid_argument if M = 0 or a prediction is not finite (naming its row,
///         the item, and its column, the member).
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> committee_std(
    const Eigen::MatrixBase<Derived>& predictions) {
  using Scalar = typename Derived::Scalar;
  constexpr const char* function = "committee_std";
  if (predictions.cols() == 0) {
    detail::fail(function, "'predictions' has 0 columns (expected one per committee member)");
  }
  if (!std::isfinite(static_cast<double>(predictions.sum()))) {
    detail::check_finite(predictions, function, "predictions");
  }
  const Scalar members = static_cast<Scalar>(predictions.cols());
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> mean = predictions.rowwise().sum() / members;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> sum_sq =
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(predictions.rows());
  for (Eigen::Index m = 0; m < predictions.cols(); ++m) {
    sum_sq.array() += (predictions.col(m) - mean).array().square();
  }
  return (sum_sq.array() / members).sqrt().matrix();
}

/// The members' predictions for the pool as an n x M matrix of double (column m =
/// `members[m].predict(pool)`), ready for `committee_std`. `members` is any sized range of
/// regressors (a std::vector of bagged models, say). O(M predictions).
/// @throws labelkit::invalid_argument if there are no members;
///         labelkit::dimension_mismatch if a member returns a vector of another length than
///         the pool's item count.
template <class Members, class X>
requires std::ranges::sized_range<Members> && Regressor<std::ranges::range_value_t<Members>, X>
[[nodiscard]] Eigen::MatrixXd committee_predictions(Members& members, const X& pool) {
  constexpr const char* function = "committee_predictions";
  if (std::ranges::size(members) == 0) {
    detail::fail(function, "'members' is empty (expected at least one committee member)");
  }
  const Eigen::Index n = row_count(pool);
  Eigen::MatrixXd out(n, static_cast<Eigen::Index>(std::ranges::size(members)));
  Eigen::Index m = 0;
  for (auto& member : members) {
    const auto prediction = member.predict(pool);
    detail::check_prediction_length(prediction, n, function, "predict");
    out.col(m++) = prediction.template cast<double>().reshaped();
  }
  return out;
}

/// Max-PI sampling (modAL's `max_PI`): predicts the pool once (`predict`, `predict_std`) and
/// returns the positions of the k items with the highest `probability_of_improvement`, best
/// first, ties to the lower position. O(n) beyond the model's predictions (plus top_k).
/// `pool` holds the candidates, rows are items (any row-selectable type the model reads); `y_max`
/// is the best target observed, `tradeoff` xi.
/// @throws labelkit::invalid_argument if k < 0, y_max or tradeoff is not finite, or a predicted
///         mean or standard deviation is not finite or negative; labelkit::dimension_mismatch if
///         a prediction's length is not the pool's item count.
template <class M, class X>
requires ProbabilisticRegressor<M, X>
[[nodiscard]] std::vector<Eigen::Index> max_pi_sampling(M& model, const X& pool, Eigen::Index k,
                                                        double y_max, double tradeoff = 0.0) {
  labelkit::detail::check_k(k, "max_pi_sampling");
  if (row_count(pool) == 0 || k == 0) return {};
  const auto [mean, std_dev] = detail::predict_mean_std(model, pool, "max_pi_sampling");
  return top_k(probability_of_improvement(mean, std_dev, y_max, tradeoff), k);
}

/// Max-EI sampling (modAL's `max_EI`): the k items with the highest `expected_improvement`, best
/// first, ties to the lower position. Same contract as `max_pi_sampling`.
/// @throws as `max_pi_sampling`.
template <class M, class X>
requires ProbabilisticRegressor<M, X>
[[nodiscard]] std::vector<Eigen::Index> max_ei_sampling(M& model, const X& pool, Eigen::Index k,
                                                        double y_max, double tradeoff = 0.0) {
  labelkit::detail::check_k(k, "max_ei_sampling");
  if (row_count(pool) == 0 || k == 0) return {};
  const auto [mean, std_dev] = detail::predict_mean_std(model, pool, "max_ei_sampling");
  return top_k(expected_improvement(mean, std_dev, y_max, tradeoff), k);
}

/// Max-UCB sampling (modAL's `max_UCB`): the k items with the highest `upper_confidence_bound`,
/// best first, ties to the lower position. Same contract as `max_pi_sampling`.
/// @throws labelkit::invalid_argument if k < 0, beta is not finite, or a predicted mean or
///         standard deviation is not finite or negative; labelkit::dimension_mismatch if a
///         prediction's length is not the pool's item count.
template <class M, class X>
requires ProbabilisticRegressor<M, X>
[[nodiscard]] std::vector<Eigen::Index> max_ucb_sampling(M& model, const X& pool, Eigen::Index k,
                                                         double beta = 1.0) {
  labelkit::detail::check_k(k, "max_ucb_sampling");
  if (row_count(pool) == 0 || k == 0) return {};
  const auto [mean, std_dev] = detail::predict_mean_std(model, pool, "max_ucb_sampling");
  return top_k(upper_confidence_bound(mean, std_dev, beta), k);
}

/// Max-std sampling (modAL's `max_std_sampling`): the k items whose prediction is least
/// certain, best first, ties to the lower position. The standard deviation is the model's own
/// `predict_std` for a `labelkit::ProbabilisticRegressor`, else `committee_std` of
/// `predict_members` for a `labelkit::CommitteeRegressor` (a model with both uses
/// `predict_std`). One prediction of the pool; O(n) (or O(n M)) beyond it, plus top_k.
/// @throws labelkit::invalid_argument if k < 0 or a standard deviation (or a member's
///         prediction) is not finite or negative; labelkit::dimension_mismatch if a prediction's
///         length is not the pool's item count.
template <class M, class X>
requires ProbabilisticRegressor<M, X> || CommitteeRegressor<M, X>
[[nodiscard]] std::vector<Eigen::Index> max_std_sampling(M& model, const X& pool, Eigen::Index k) {
  constexpr const char* function = "max_std_sampling";
  labelkit::detail::check_k(k, function);
  const Eigen::Index n = row_count(pool);
  if (n == 0 || k == 0) return {};
  if constexpr (ProbabilisticRegressor<M, X>) {
    const auto std_dev = model.predict_std(pool);
    detail::check_prediction_length(std_dev, n, function, "predict_std");
    detail::check_std_vector(std_dev, function, "predict_std");
    return top_k(std_dev, k);
  } else {
    const auto members = model.predict_members(pool);
    if (members.rows() != n) {
      detail::fail<dimension_mismatch>(function, "the model's 'predict_members' returned ",
                                       members.rows(), " rows (expected ", n,
                                       ", one per pool item)");
    }
    return top_k(committee_std(members), k);
  }
}

/// Max-std sampling over a committee given as a range of regressors (modAL's
/// `max_std_sampling` on a `CommitteeRegressor`): the k items with the highest
/// `committee_std(committee_predictions(members, pool))`, best first, ties to the lower
/// position. O(M predictions + n M), plus top_k.
/// @throws labelkit::invalid_argument if k < 0, there are no members, or a prediction is not
///         finite; labelkit::dimension_mismatch if a member's prediction length is not the pool's
///         item count.
template <class Members, class X>
requires std::ranges::sized_range<Members> && Regressor<std::ranges::range_value_t<Members>, X>
[[nodiscard]] std::vector<Eigen::Index> committee_max_std_sampling(Members& members, const X& pool,
                                                                   Eigen::Index k) {
  labelkit::detail::check_k(k, "committee_max_std_sampling");
  if (std::ranges::size(members) == 0) {
    labelkit::detail::fail("committee_max_std_sampling",
                           "'members' is empty (expected at least one committee member)");
  }
  if (row_count(pool) == 0 || k == 0) return {};
  return top_k(committee_std(committee_predictions(members, pool)), k);
}

}  // namespace query
LABELKIT_END_NAMESPACE
