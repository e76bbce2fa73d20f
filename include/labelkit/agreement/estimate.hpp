#pragma once
/// @file
/// Shared vocabulary of the agreement module: the `Estimate` returned by the inference variants,
/// the `ZeroDivision` policy for degenerate data (chance agreement p_e = 1), and the normal and
/// Student-t distribution functions behind standard errors, confidence intervals and p-values.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string_view>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// What a chance-corrected coefficient returns when it is 0/0: every annotator used one and the
/// same category (p_e = 1, p_o = 1), or alpha's data hold a single distinct value (D_e = 0).
/// scikit-learn returned NaN there and later added `zero_division`; labelkit makes the choice
/// explicit. The default, `one`, reads "the annotators never disagreed" as perfect agreement.
enum class ZeroDivision {
  one,    ///< Return 1 (the default).
  zero,   ///< Return 0 (scikit-learn's `zero_division="warn"` value).
  nan,    ///< Return quiet NaN.
  raise,  ///< Throw labelkit::invalid_argument.
};

/// A coefficient with its inference. Fields that have no formula for a coefficient are NaN.
struct Estimate {
  double value = std::numeric_limits<double>::quiet_NaN();     ///< The coefficient.
  double observed = std::numeric_limits<double>::quiet_NaN();  ///< Observed agreement p_o.
  double expected = std::numeric_limits<double>::quiet_NaN();  ///< Chance agreement p_e.
  double se = std::numeric_limits<double>::quiet_NaN();        ///< Standard error.
  double ci_lower = std::numeric_limits<double>::quiet_NaN();  ///< Lower confidence limit.
  double ci_upper = std::numeric_limits<double>::quiet_NaN();  ///< Upper confidence limit.
  double statistic =
      std::numeric_limits<double>::quiet_NaN();  ///< z or t statistic of H0: value = 0.
  double p_value =
      std::numeric_limits<double>::quiet_NaN();  ///< Two-sided p-value of H0: value = 0.
  double p_value_one_sided =
      std::numeric_limits<double>::quiet_NaN();         ///< P(stat > observed) under H0.
  double df = std::numeric_limits<double>::infinity();  ///< Degrees of freedom (inf = normal).
  Eigen::Index n = 0;  ///< Number of items that entered the estimate.
};

/// Which variance estimator a standard error uses, named after the functions of Gwet's R package
/// irrCAC (1.4) that use it. They differ by a constant factor only: `irrcac_table` = `irrcac_raw`
/// x (n - 1) / n, so the standard errors differ by sqrt((n - 1) / n) (sqrt(99/100) for 100 items).
enum class SeConvention {
  /// The coefficient's own default: `irrcac_raw` for Gwet's framework (AC1/AC2, Scott's pi,
  /// Brennan-Prediger, percent agreement, generalised Fleiss' kappa, Krippendorff's alpha);
  /// the Fleiss, Cohen & Everitt (1969) variance, which is `irrcac_table`, for Cohen's kappa.
  standard,
  /// Gwet (2014) as in irrCAC's `*.raw` and `*.dist` functions:
  /// var = (1 - f) / (n (n - 1)) sum_i (c_i - c)^2 over the per-item linearised terms c_i.
  irrcac_raw,
  /// irrCAC's `*.table` functions (two annotators, contingency table): var = (1 - f) / n^2 sum_i
  /// (c_i - c)^2, the large-sample form (for Cohen's kappa this is Fleiss, Cohen & Everitt 1969).
  irrcac_table,
};

/// The reference distribution of a confidence interval.
enum class IntervalDistribution {
  /// The coefficient's own default: normal (z) for Cohen's kappa (Fleiss, Cohen & Everitt 1969;
  /// SAS PROC FREQ, statsmodels); Student's t with n - 1 degrees of freedom for Gwet's framework
  /// and Bangdiwala's B (irrCAC).
  standard,
  normal,     ///< value +- z se.
  student_t,  ///< value +- t_{n-1} se, as every irrCAC function (including `kappa2.table`).
};

/// Inference settings shared by the coefficients that report an Estimate.
struct InferenceOptions {
  double confidence = 0.95;  ///< Two-sided confidence level of the interval, in (0, 1).
  /// Size N of the population of items the n rated items were drawn from (irrCAC's `N`): the
  /// variance is multiplied by the finite-population correction 1 - n / N. Infinity: no correction.
  double population = std::numeric_limits<double>::infinity();
  SeConvention se = SeConvention::standard;  ///< Variance estimator; see SeConvention.
  IntervalDistribution interval = IntervalDistribution::standard;  ///< z or t interval.
  ZeroDivision zero_division = ZeroDivision::one;                  ///< Value of a 0/0 coefficient.
};

}  // namespace agreement
namespace detail {

using ::labelkit::detail::concat;
using ::labelkit::detail::fail;

/// Standard normal CDF, accurate in both tails (erfc).
[[nodiscard]] inline double normal_cdf(double z) noexcept {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

/// Standard normal quantile: Acklam's rational approximation refined by two Halley steps
/// (relative error below 1e-15 on (0, 1)).
[[nodiscard]] inline double normal_quantile(double p) noexcept {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int step = 0; step < 2; ++step) {
    const double e = normal_cdf(x) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    x = x - u / (1 + x * u / 2);
  }
  return x;
}

/// Continued fraction of the regularised incomplete beta function (modified Lentz).
[[nodiscard]] inline double incomplete_beta_fraction(double a, double b, double x) noexcept {
  constexpr double tiny = 1e-300;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 1000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1.0 + aa * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  return h;
}

/// Regularised incomplete beta I_x(a, b).
[[nodiscard]] inline double regularized_beta(double a, double b, double x) noexcept {
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * incomplete_beta_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * incomplete_beta_fraction(b, a, 1 - x) / b;
}

/// Student-t CDF with `df` degrees of freedom (normal when df is infinite).
[[nodiscard]] inline double student_t_cdf(double t, double df) noexcept {
  if (std::isinf(df)) return normal_cdf(t);
  if (std::isnan(t)) return t;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  const double tail = 0.5 * regularized_beta(df / 2, 0.5, df / (df + t * t));
  return t > 0 ? 1.0 - tail : tail;
}

/// Upper tail P(T > t) of the Student-t (normal when df is infinite), accurate for large t.
[[nodiscard]] inline double student_t_sf(double t, double df) noexcept {
  if (std::isinf(df)) return 0.5 * std::erfc(t / std::numbers::sqrt2);
  if (std::isnan(t)) return t;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const double tail = 0.5 * regularized_beta(df / 2, 0.5, df / (df + t * t));
  return t > 0 ? tail : 1.0 - tail;
}

/// Student-t quantile (bisection on the CDF to full double precision; not on a hot path).
[[nodiscard]] inline double student_t_quantile(double p, double df) noexcept {
  if (std::isinf(df)) return normal_quantile(p);
  if (!(p > 0.0 && p < 1.0)) return std::numeric_limits<double>::quiet_NaN();
  double lo = -1.0;
  double hi = 1.0;
  while (student_t_cdf(lo, df) > p) lo *= 2;
  while (student_t_cdf(hi, df) < p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * std::max(1.0, std::abs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// Fills ci/statistic/p-values of `e` from e.value, e.se (the standard error used for the
/// interval) and `se0` (the one for the test; pass e.se when there is no null variance).
/// `upper_cap`: Gwet caps the upper limit at 1.
inline void finish_inference(agreement::Estimate& e, double se0, double confidence,
                             bool cap_at_one) {
  const double q = student_t_quantile(1 - (1 - confidence) / 2, e.df);
  e.ci_lower = e.value - q * e.se;
  e.ci_upper = e.value + q * e.se;
  if (cap_at_one) e.ci_upper = std::min(1.0, e.ci_upper);
  e.statistic = e.value / se0;
  e.p_value_one_sided = student_t_sf(e.statistic, e.df);
  e.p_value = std::min(1.0, 2.0 * student_t_sf(std::abs(e.statistic), e.df));
}

/// Throws unless 0 < confidence < 1.
inline void check_confidence(double confidence, std::string_view function) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    fail(function, "'confidence' must lie in (0, 1) (got ", confidence, ")");
  }
}

/// Throws unless the options are valid for `items` rated items: 0 < confidence < 1 and
/// population N >= items (N = infinity: no finite-population correction).
inline void check_inference(const agreement::InferenceOptions& options, double items,
                            std::string_view function) {
  check_confidence(options.confidence, function);
  if (!(options.population >= items)) {
    fail(function, "'population' (N, the number of items in the population) must be at least the ",
         items, " items rated (got ", options.population, "; pass infinity for no correction)");
  }
}

/// The factor that turns the `standard` variance of a coefficient into the one `options` asks
/// for: the finite-population correction 1 - n / N times the divisor change.
/// `standard_is_table`: the coefficient's own variance uses the `irrcac_table` divisor.
[[nodiscard]] inline double variance_factor(const agreement::InferenceOptions& options, double n,
                                            bool standard_is_table) noexcept {
  double factor = 1.0 - n / options.population;
  const bool table = options.se == agreement::SeConvention::irrcac_table ||
                     (options.se == agreement::SeConvention::standard && standard_is_table);
  if (table && !standard_is_table) factor *= (n - 1) / n;
  if (!table && standard_is_table) factor *= n / (n - 1);
  return factor;
}

/// Degrees of freedom of the interval `options` asks for (`standard_df` for `standard`).
[[nodiscard]] inline double interval_df(const agreement::InferenceOptions& options, double n,
                                        double standard_df) noexcept {
  switch (options.interval) {
    case agreement::IntervalDistribution::standard:
      return standard_df;
    case agreement::IntervalDistribution::normal:
      return std::numeric_limits<double>::infinity();
    case agreement::IntervalDistribution::student_t:
      return n - 1;
  }
  return standard_df;
}

/// The value `policy` prescribes for 0/0 in `function`.
[[nodiscard]] inline double zero_division_value(agreement::ZeroDivision policy,
                                                std::string_view function, std::string_view what) {
  switch (policy) {
    case agreement::ZeroDivision::one:
      return 1.0;
    case agreement::ZeroDivision::zero:
      return 0.0;
    case agreement::ZeroDivision::nan:
      return std::numeric_limits<double>::quiet_NaN();
    case agreement::ZeroDivision::raise:
      break;
  }
  fail(function, "the coefficient is 0/0: ", what,
       " (pass ZeroDivision::one, zero or nan to choose a value)");
}

/// (p_o - p_e) / (1 - p_e) with the zero-division policy when p_e == 1.
[[nodiscard]] inline double chance_corrected(double observed, double expected,
                                             agreement::ZeroDivision policy,
                                             std::string_view function) {
  if (expected == 1.0) {
    return zero_division_value(policy, function,
                               "chance agreement p_e = 1 (every rating is in one category)");
  }
  return (observed - expected) / (1.0 - expected);
}

}  // namespace detail
LABELKIT_END_NAMESPACE
