#pragma once
/// @file
/// Numerically stable softmax over rows of logits, so strategies can start from a model's raw
/// outputs.

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Row-wise softmax: P(i,c) = exp(z(i,c) - m_i) / sum_c' exp(z(i,c') - m_i), m_i = max_c z(i,c).
/// Subtracting the row maximum keeps every exponent <= 0, so large logits neither overflow nor
/// lose the winner. Rows are items; the result has the input's scalar type, as a plain matrix.
/// O(n*C).
/// @throws labelkit::invalid_argument if the logits are empty or contain NaN or infinity.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic> softmax(
    const Eigen::MatrixBase<Derived>& logits) {
  detail::check_nonempty_rows(logits, "softmax", "logits");
  detail::check_finite(logits, "softmax", "logits");
  using Plain = Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Plain p = (logits.colwise() - logits.rowwise().maxCoeff()).array().exp().matrix();
  p.array().colwise() /= p.array().rowwise().sum();
  return p;
}

/// Row-wise log-softmax: z(i,c) - m_i - ln sum_c' exp(z(i,c') - m_i) (log-sum-exp), exact where
/// log(softmax(z)) would underflow to -inf.
/// @throws labelkit::invalid_argument if the logits are empty or contain NaN or infinity.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic> log_softmax(
    const Eigen::MatrixBase<Derived>& logits) {
  detail::check_nonempty_rows(logits, "log_softmax", "logits");
  detail::check_finite(logits, "log_softmax", "logits");
  using Plain = Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Plain shifted = logits.colwise() - logits.rowwise().maxCoeff();
  const auto log_norm = shifted.array().exp().rowwise().sum().log().eval();
  shifted.array().colwise() -= log_norm;
  return shifted;
}

LABELKIT_END_NAMESPACE
