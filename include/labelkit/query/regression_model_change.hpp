#pragma once
/// @file
/// Expected model change maximisation for regression (EMCM; Cai, Zhang & Zhou, "Maximizing
/// expected model change for active learning in regression", ICDM 2013).
///
/// For a model linear in a feature map x (squared loss), labeling item x with target y moves
/// the parameters by a step along the gradient (f(x) - y) x. The target is unknown, so EMCM
/// estimates it with K models f_1..f_K fitted on bootstrap resamples of the labeled data and
/// scores
///
///     EMCM(x) = (1/K) sum_k ||(f(x) - f_k(x)) x||_2 = ||x||_2 (1/K) sum_k |f(x) - f_k(x)|,
///
/// f being the model fitted on all labeled data. For a non-linear model, x is any feature map
/// the model is (close to) linear in: the last hidden layer of a network (`embed`), the leaf
/// indicators of a tree ensemble (the paper's choice for gradient boosting). Higher = ask first.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/regressor.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/regression.hpp"
#include "labelkit/query/select.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// How `emcm_scores` and `emcm_sampling` build their bootstrap committee.
struct EmcmOptions {
  /// K, the number of bootstrap models (>= 1). The default 3 is scikit-activeml's.
  Eigen::Index members = 3;
  /// Each resample draws ceil(fraction * n_labeled) labeled items with replacement, in (0, 1].
  /// 1 is the classical bootstrap (Cai et al.); scikit-activeml's default is 0.5.
  double sample_fraction = 1.0;
  /// Seed of the resampling: the same seed gives the same scores.
  std::uint64_t seed = 0;
};

}  // namespace query
namespace detail {

/// Throws unless the options are usable.
inline void check_emcm_options(const query::EmcmOptions& options, std::string_view function) {
  if (options.members < 1 || options.members > 65536) {
    labelkit::detail::fail(function, "'options.members' is out of range (got ", options.members,
                           ", expected 1 <= members <= 65536)");
  }
  if (!(options.sample_fraction > 0.0 && options.sample_fraction <= 1.0)) {
    labelkit::detail::fail(function, "'options.sample_fraction' is out of range (got ",
                           options.sample_fraction, ", expected 0 < fraction <= 1)");
  }
}

/// The feature map EMCM reads: `model.embed(pool)` when the model has it, else the pool itself
/// (which must then be an Eigen matrix).
template <class M, class X>
decltype(auto) emcm_features(M& model, const X& pool) {
  if constexpr (requires { model.embed(pool); }) {
    return model.embed(pool);
  } else {
    static_assert(labelkit::detail::EigenDense<X>,
                  "labelkit: EMCM needs a feature map the model is linear in: give the model "
                  "`embed(const X&)` returning an n x d Eigen matrix, or use Eigen matrix "
                  "features");
    return (pool);
  }
}

}  // namespace detail
namespace query {

/// EMCM scores from predictions already made (see the file comment): item i scores
/// ||x_i||_2 * (1/K) sum_k |f_i - f_ik|. O(n (d + K)).
/// @param features n x d, rows are items: the feature map x the model is linear in (the raw
///        features for a linear model).
/// @param prediction n-vector f, the model fitted on all labeled data.
/// @param member_predictions n x K, column k is bootstrap model k's predictions f_k.
/// @returns n scores in the features' scalar type, higher = ask first; 0 where every member
///          agrees with f or x = 0.
/// @throws labelkit::invalid_argument if K = 0 or a value is not finite (naming the item);
///         labelkit::dimension_mismatch if the three disagree in their number of items.
template <class FDerived, class PDerived, class MDerived>
[[nodiscard]] Eigen::Matrix<typename FDerived::Scalar, Eigen::Dynamic, 1> emcm(
    const Eigen::MatrixBase<FDerived>& features, const Eigen::MatrixBase<PDerived>& prediction,
    const Eigen::MatrixBase<MDerived>& member_predictions) {
  using Scalar = typename FDerived::Scalar;
  constexpr const char* function = "emcm";
  const Eigen::Index n = features.rows();
  detail::check_vector_shape(prediction, function, "prediction");
  if (prediction.size() != n || member_predictions.rows() != n) {
    detail::fail<dimension_mismatch>(function, "'prediction' has ", prediction.size(),
                                     " items and 'member_predictions' ", member_predictions.rows(),
                                     " (expected ", n, ", the rows of 'features')");
  }
  if (member_predictions.cols() == 0) {
    detail::fail(function, "'member_predictions' has 0 columns (expected one per bootstrap model)");
  }
  if (!std::isfinite(static_cast<double>(features.sum()))) {
    detail::check_finite(features, function, "features");
  }
  detail::check_finite_vector(prediction, function, "prediction");
  if (!std::isfinite(static_cast<double>(member_predictions.sum()))) {
    detail::check_finite(member_predictions, function, "member_predictions");
  }
  const Eigen::Index members = member_predictions.cols();
  Eigen::Array<Scalar, Eigen::Dynamic, 1> deviation =
      Eigen::Array<Scalar, Eigen::Dynamic, 1>::Zero(n);
  for (Eigen::Index k = 0; k < members; ++k) {
    for (Eigen::Index i = 0; i < n; ++i) {
      deviation(i) += std::abs(static_cast<Scalar>(prediction(i)) -
                               static_cast<Scalar>(member_predictions(i, k)));
    }
  }
  return (features.rowwise().norm().array() * deviation / static_cast<Scalar>(members)).matrix();
}

/// EMCM scores of the pool's items for a fitted regressor (see the file comment): fits
/// `options.members` copies of `model` on bootstrap resamples of the labeled data (resample b
/// draws ceil(fraction * n_labeled) items uniformly with replacement from a generator split from
/// `Random(options.seed)`, so results depend only on the seed), predicts the pool with `model`
/// and each copy, and returns `emcm(features, prediction, member_predictions)`. The features
/// are `model.embed(pool)` when the model has `embed`, else the pool itself (an Eigen matrix;
/// exact for linear regression). `model` itself is not refit: fit it on the labeled data first.
///
/// Cost: K fits on n_labeled rows, K + 1 predictions of the pool, O(n (d + K)).
/// @param model a copyable regressor fitted on (labeled, targets).
/// @param labeled the labeled items' features, rows are items.
/// @param targets their targets, one per labeled row.
/// @param pool the candidates, rows are items.
/// @param options K, the resample size and the seed.
/// @returns one score per pool row (n-vector of double).
/// @throws labelkit::invalid_argument if there are no labeled items, a target is not finite,
///         the options are out of range, or a prediction or feature is not finite;
///         labelkit::dimension_mismatch if the targets' length differs from the labeled rows or
///         a prediction's length from the pool's; whatever the model throws.
template <class M, class X, class YDerived>
requires CopyableRegressor<M, X>
[[nodiscard]] Eigen::VectorXd emcm_scores(M& model, const X& labeled,
                                          const Eigen::MatrixBase<YDerived>& targets, const X& pool,
                                          const EmcmOptions& options = {}) {
  constexpr const char* function = "emcm_scores";
  detail::check_emcm_options(options, function);
  const Eigen::Index n_labeled = row_count(labeled);
  detail::check_vector_shape(targets, function, "targets");
  if (targets.size() != n_labeled) {
    labelkit::detail::fail<dimension_mismatch>(function, "'targets' has ", targets.size(),
                                               " values (expected ", n_labeled,
                                               ", one per labeled row)");
  }
  if (n_labeled == 0) {
    labelkit::detail::fail(function, "'labeled' is empty (expected at least one labeled item)");
  }
  detail::check_finite_vector(targets, function, "targets");
  const Eigen::Index n = row_count(pool);
  if (n == 0) return Eigen::VectorXd(0);

  const auto prediction = model.predict(pool);
  detail::check_prediction_length(prediction, n, function, "predict");
  const auto draws = static_cast<Eigen::Index>(
      std::ceil(options.sample_fraction * static_cast<double>(n_labeled)));
  Eigen::MatrixXd member_predictions(n, options.members);
  std::vector<Eigen::Index> sample(static_cast<std::size_t>(std::max<Eigen::Index>(draws, 1)));
  Eigen::VectorXd sample_targets(static_cast<Eigen::Index>(sample.size()));
  Random random(options.seed);
  for (Eigen::Index b = 0; b < options.members; ++b) {
    Random member_random = random.split();
    for (std::size_t j = 0; j < sample.size(); ++j) {
      sample[j] = static_cast<Eigen::Index>(
          member_random.uniform_index(static_cast<std::uint64_t>(n_labeled)));
      sample_targets(static_cast<Eigen::Index>(j)) = static_cast<double>(targets(sample[j]));
    }
    M member(model);
    const auto rows = select_rows(labeled, std::span<const Eigen::Index>(sample));
    member.fit(rows, sample_targets);
    const auto member_prediction = member.predict(pool);
    detail::check_prediction_length(member_prediction, n, function, "predict");
    member_predictions.col(b) = member_prediction.template cast<double>().reshaped();
  }
  const Eigen::VectorXd f = prediction.template cast<double>().reshaped();
  const auto& features = detail::emcm_features(model, pool);
  return emcm(features.template cast<double>(), f, member_predictions);
}

/// EMCM sampling: the positions (rows of `pool`) of the k items with the highest `emcm_scores`,
/// best first, ties to the lower position; an empty pool or k = 0 returns nothing (without
/// fitting anything), k >= n every position. Same contract and cost as `emcm_scores`.
/// @throws labelkit::invalid_argument if k < 0; as `emcm_scores` otherwise.
template <class M, class X, class YDerived>
requires CopyableRegressor<M, X>
[[nodiscard]] std::vector<Eigen::Index> emcm_sampling(M& model, const X& labeled,
                                                      const Eigen::MatrixBase<YDerived>& targets,
                                                      const X& pool, Eigen::Index k,
                                                      const EmcmOptions& options = {}) {
  labelkit::detail::check_k(k, "emcm_sampling");
  if (row_count(pool) == 0 || k == 0) return {};
  return top_k(emcm_scores(model, labeled, targets, pool, options), k);
}

}  // namespace query
LABELKIT_END_NAMESPACE
