#pragma once
/// @file
/// Temperature scaling (Guo et al. 2017) for models that output logits or probabilities: one
/// parameter T fitted by minimising the negative log-likelihood of softmax(z / T), and its
/// application.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// The result of `fit_temperature`.
struct TemperatureFit {
  double temperature = 1.0;  ///< T: probabilities are softmax(z / T).
  double nll_before = 0.0;   ///< Mean negative log-likelihood at T = 1 (nats per item).
  double nll_after = 0.0;    ///< Mean negative log-likelihood at the fitted T.
  int iterations = 0;        ///< Newton/bisection steps taken.
  bool at_bound = false;     ///< T hit min_temperature or max_temperature (see fit_temperature).
};

}  // namespace prelabel
namespace detail {

/// Mean NLL, its first and second derivative in beta = 1/T, for logits z (n x C, -inf allowed
/// except at the true class): f(b) = mean_i [ -b z_iy + log sum_c exp(b z_ic) ],
/// f'(b) = mean_i [ E_p z - z_iy ], f''(b) = mean_i Var_p z, with p = softmax(b z_i).
/// Entries at -inf have p = 0 and contribute nothing (0 * -inf = 0 by definition).
struct NllAt {
  double value;
  double slope;
  double curvature;
};

template <class Scalar>
NllAt nll_at(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& z,
             std::span<const int> labels, double beta) {
  NllAt out{0.0, 0.0, 0.0};
  const Eigen::Index n = z.rows();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double max = z.row(i).maxCoeff();
    double sum = 0.0, mean = 0.0, second = 0.0;
    for (Eigen::Index c = 0; c < z.cols(); ++c) {
      const double v = z(i, c);
      if (v == -std::numeric_limits<double>::infinity()) continue;
      const double w = std::exp(beta * (v - max));
      sum += w;
      mean += w * (v - max);
      second += w * (v - max) * (v - max);
    }
    mean /= sum;
    second /= sum;
    const double zy = z(i, labels[static_cast<std::size_t>(i)]) - max;
    out.value += -beta * zy + std::log(sum);
    out.slope += mean - zy;
    out.curvature += std::max(0.0, second - mean * mean);
  }
  out.value /= static_cast<double>(n);
  out.slope /= static_cast<double>(n);
  out.curvature /= static_cast<double>(n);
  return out;
}

/// The fit behind fit_temperature (z already checked). A template (on the scalar of the logits,
/// double) so that its Eigen code is compiled only where it is used.
template <class Scalar>
prelabel::TemperatureFit fit_temperature_impl(
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& z, std::span<const int> labels,
    double min_temperature, double max_temperature) {
  prelabel::TemperatureFit fit;
  fit.nll_before = nll_at(z, labels, 1.0).value;
  double lo = 1.0 / max_temperature;
  double hi = 1.0 / min_temperature;
  const NllAt at_lo = nll_at(z, labels, lo);
  const NllAt at_hi = nll_at(z, labels, hi);
  double beta;
  if (at_lo.slope >= 0.0) {
    beta = lo;  // the NLL rises from the start: as flat as allowed
    fit.at_bound = true;
  } else if (at_hi.slope <= 0.0) {
    beta = hi;  // still falling at the sharpest allowed (e.g. separable data)
    fit.at_bound = true;
  } else {
    // f is convex in beta (f'' = mean variance >= 0): Newton steps, kept inside a bracket of
    // the root of f', falling back to bisection when a step leaves it.
    beta = std::clamp(1.0, lo, hi);
    for (fit.iterations = 1; fit.iterations <= 200; ++fit.iterations) {
      const NllAt at = nll_at(z, labels, beta);
      if (at.slope > 0.0) {
        hi = beta;
      } else {
        lo = beta;
      }
      if (at.slope == 0.0) break;
      if (at.curvature > 0.0) {
        const double step = at.slope / at.curvature;
        // Converged: the Newton step is below rounding (test before the bracket test, whose
        // end may sit exactly at the root).
        if (std::abs(step) <= 1e-13 * beta) break;
        const double next = beta - step;
        if (next > lo && next < hi) {
          beta = next;
          continue;
        }
      }
      if (hi - lo <= 1e-13 * hi) break;
      beta = 0.5 * (lo + hi);
    }
  }
  fit.temperature = 1.0 / beta;
  fit.nll_after = nll_at(z, labels, beta).value;
  return fit;
}

template <class Derived>
void check_labels_for(const Eigen::DenseBase<Derived>& z, std::span<const int> labels,
                      std::string_view function) {
  if (z.rows() == 0) labelkit::detail::fail(function, "no items (0 rows)");
  if (z.cols() < 2) {
    labelkit::detail::fail(function, "need at least 2 classes (got ", z.cols(), " columns)");
  }
  if (labels.size() != static_cast<std::size_t>(z.rows())) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labels' has ", labels.size(),
                                               " entries (expected one per row, ", z.rows(), ")");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= z.cols()) {
      labelkit::detail::fail(function, "'labels' entry ", i, " is out of range (got ", labels[i],
                             ", expected 0 <= label < ", z.cols(), ")");
    }
  }
}

inline void check_temperature_range(double min_temperature, double max_temperature,
                                    std::string_view function) {
  if (!(min_temperature > 0.0 && max_temperature >= min_temperature &&
        std::isfinite(max_temperature))) {
    labelkit::detail::fail(function, "need 0 < min_temperature <= max_temperature < inf (got ",
                           min_temperature, " and ", max_temperature, ")");
  }
}

}  // namespace detail
namespace prelabel {

/// Fits the temperature T that minimises the mean negative log-likelihood of softmax(z / T) on
/// `labels` (Guo et al. 2017). `logits` is n x C (rows are items); dividing by T > 0 keeps each
/// row's argmax, so accuracy is unchanged and only confidences move (T > 1 softens over-confident
/// outputs). The NLL is convex in beta = 1/T; safeguarded Newton on its derivative converges in
/// a handful of steps. T is searched in [min_temperature, max_temperature]; if the optimum lies
/// outside (e.g. T -> 0 on separable data), the bound is returned with `at_bound` set.
/// O(n*C) per step.
/// @throws labelkit::invalid_argument for an empty input, fewer than 2 columns, non-finite
/// logits, labels out of range, or a bad temperature range; labelkit::dimension_mismatch if
/// labels.size() != rows.
template <class Derived>
[[nodiscard]] TemperatureFit fit_temperature(const Eigen::MatrixBase<Derived>& logits,
                                             std::span<const int> labels,
                                             double min_temperature = 0.01,
                                             double max_temperature = 100.0) {
  detail::check_labels_for(logits, labels, "fit_temperature");
  labelkit::detail::check_finite(logits, "fit_temperature", "logits");
  detail::check_temperature_range(min_temperature, max_temperature, "fit_temperature");
  return detail::fit_temperature_impl<double>(logits.template cast<double>(), labels,
                                              min_temperature, max_temperature);
}

/// Temperature scaling for a model that outputs probabilities: fits T on z = ln p, i.e. the
/// calibrated probabilities are p_c^(1/T) / sum_c' p_c'^(1/T). Zero probabilities stay zero
/// (ln 0 = -inf contributes nothing). Use the result with `ModelPreLabeler`'s temperature.
/// @throws labelkit::invalid_argument if a row is not a distribution, or an item's true class
/// has probability 0 (its likelihood is 0 at every T); otherwise as fit_temperature.
template <class Derived>
[[nodiscard]] TemperatureFit fit_temperature_from_probabilities(
    const Eigen::MatrixBase<Derived>& probabilities, std::span<const int> labels,
    double min_temperature = 0.01, double max_temperature = 100.0) {
  constexpr std::string_view function = "fit_temperature_from_probabilities";
  detail::check_labels_for(probabilities, labels, function);
  labelkit::detail::check_probabilities(probabilities, function, "probabilities");
  detail::check_temperature_range(min_temperature, max_temperature, function);
  Eigen::MatrixXd z = probabilities.template cast<double>();
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    if (!(z(i, labels[static_cast<std::size_t>(i)]) > 0.0)) {
      labelkit::detail::fail(function, "row ", i, " gives its true class ",
                             labels[static_cast<std::size_t>(i)],
                             " probability 0 (the likelihood is 0 at every temperature)");
    }
  }
  z = z.array().log().matrix();  // log 0 = -inf, handled by the fit
  return detail::fit_temperature_impl(z, labels, min_temperature, max_temperature);
}

/// softmax(z / T) row by row (rows are items), with the row maximum subtracted first.
/// @throws labelkit::invalid_argument if T is not finite and > 0, or the logits are empty or
/// not finite.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>
apply_temperature(const Eigen::MatrixBase<Derived>& logits, double temperature) {
  if (!(temperature > 0.0 && std::isfinite(temperature))) {
    labelkit::detail::fail("apply_temperature", "'temperature' must be finite and > 0 (got ",
                           temperature, ")");
  }
  labelkit::detail::check_nonempty_rows(logits, "apply_temperature", "logits");
  labelkit::detail::check_finite(logits, "apply_temperature", "logits");
  using Scalar = typename Derived::Scalar;
  using Plain = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Plain p =
      ((logits.colwise() - logits.rowwise().maxCoeff()).array() / static_cast<Scalar>(temperature))
          .exp()
          .matrix();
  p.array().colwise() /= p.array().rowwise().sum();
  return p;
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
