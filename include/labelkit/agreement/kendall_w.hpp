#pragma once
/// @file
/// Kendall's W, the coefficient of concordance of several annotators' rankings of the same items,
/// with the tie correction and its chi-square test.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Options of kendall_w().
struct KendallWOptions {
  /// Subtract the ties term m sum_j T_j from the denominator (Kendall & Babington Smith 1939;
  /// Siegel & Castellan 1988, eq. 9.16). Without ties it changes nothing.
  bool tie_correction = true;
  /// W when the denominator is 0 (every annotator gives every item the same score, under the
  /// tie correction): `one` by default, as the other coefficients of labelkit; the p-value is
  /// then NaN.
  ZeroDivision zero_division = ZeroDivision::one;
};

/// Kendall's W with its chi-square test and the rank sums it was computed from.
struct KendallWResult {
  double w = std::numeric_limits<double>::quiet_NaN();  ///< W in [0, 1].
  /// Friedman's statistic m (n - 1) W, chi-square with n - 1 degrees of freedom under the null
  /// hypothesis that the rankings are independent (large-sample approximation).
  double chi_square = std::numeric_limits<double>::quiet_NaN();
  double degrees_of_freedom = 0;                              ///< n - 1.
  double p_value = std::numeric_limits<double>::quiet_NaN();  ///< P(chi2_{n-1} >= chi_square).
  Eigen::VectorXd rank_sums;      ///< R_i, the sum of item i's ranks over the annotators (row i).
  double tie_sum = 0;             ///< sum over annotators and tie groups of t^3 - t.
  Eigen::Index n_items = 0;       ///< n.
  Eigen::Index n_annotators = 0;  ///< m.
};

}  // namespace agreement
namespace detail {

/// Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), by its series when
/// x < a + 1 and by its continued fraction (modified Lentz) otherwise (Press et al.,
/// "Numerical Recipes", 3rd ed. 2007, section 6.2). Relative accuracy about 1e-15.
template <class Scalar = double>
[[nodiscard]] Scalar upper_regularized_gamma(Scalar a, Scalar x) noexcept {
  if (std::isnan(a) || std::isnan(x)) return std::numeric_limits<Scalar>::quiet_NaN();
  if (x <= 0) return Scalar(1);
  if (std::isinf(x)) return Scalar(0);
  const Scalar log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    Scalar term = 1 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * Scalar(1e-17)) break;
    }
    return 1 - sum * std::exp(log_front);
  }
  constexpr Scalar tiny = Scalar(1e-300);
  Scalar b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int n = 1; n < 10000; ++n) {
    const Scalar an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const Scalar delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < Scalar(1e-16)) break;
  }
  return std::exp(log_front) * h;
}

/// Upper tail P(X >= x) of a chi-square with `df` degrees of freedom.
template <class Scalar = double>
[[nodiscard]] Scalar chi_square_upper_tail(Scalar x, Scalar df) noexcept {
  return upper_regularized_gamma<Scalar>(df / 2, x / 2);
}

}  // namespace detail
namespace agreement {

/// Kendall's W (coefficient of concordance) of m annotators' scores of the same n items.
///
/// `scores` is items x annotators (rows are items; column j holds annotator j's ranks or any
/// scores, ranked within the column in ascending order with average ranks for ties: only the
/// order matters, and reversing every column gives the same W). With R_i the rank sum of item i,
/// S = sum_i (R_i - m (n + 1) / 2)^2 and T_j = sum over annotator j's tie groups of t^3 - t,
///   W = 12 S / (m^2 (n^3 - n) - m sum_j T_j)
/// (Kendall & Babington Smith 1939; Siegel & Castellan 1988, "Nonparametric Statistics for the
/// Behavioral Sciences", 2nd ed., section 9.4), and chi^2 = m (n - 1) W with n - 1 degrees of
/// freedom is Friedman's tie-corrected statistic (scipy.stats.friedmanchisquare with the items as
/// treatments); the p-value is its chi-square upper tail, a large-sample approximation (Siegel &
/// Castellan recommend n > 7; use their exact table below). Missing values are not supported:
/// every annotator scores every item. O(m n log n).
/// @throws labelkit::invalid_argument for fewer than 2 items or 2 annotators, a non-finite
///   score (naming the row and column), or, under ZeroDivision::raise, a zero denominator.
template <class Derived>
[[nodiscard]] KendallWResult kendall_w(const Eigen::MatrixBase<Derived>& scores,
                                       const KendallWOptions& options = {}) {
  const char* function = "kendall_w";
  const Eigen::Index n = scores.rows();
  const Eigen::Index m = scores.cols();
  if (n < 2 || m < 2) {
    detail::fail(function, "'scores' must have at least 2 items (rows) and 2 annotators (columns) ",
                 "(got ", n, " x ", m, ")");
  }
  for (Eigen::Index j = 0; j < m; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = static_cast<double>(scores(i, j));
      if (!std::isfinite(v)) {
        detail::fail(function, "'scores' has a non-finite value at item (row) ", i,
                     ", annotator (column) ", j, " (got ", v, ")");
      }
    }
  }
  KendallWResult result;
  result.n_items = n;
  result.n_annotators = m;
  // Eigen types spelled through Derived: the expressions below are compiled where kendall_w is.
  using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
  Vector& rank_sums = result.rank_sums;
  rank_sums = Vector::Zero(n);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < m; ++j) {
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
      return static_cast<double>(scores(a, j)) < static_cast<double>(scores(b, j));
    });
    std::size_t start = 0;
    while (start < order.size()) {
      std::size_t end = start + 1;
      while (end < order.size() && static_cast<double>(scores(order[end], j)) ==
                                       static_cast<double>(scores(order[start], j))) {
        ++end;
      }
      const double average_rank = 0.5 * static_cast<double>(start + 1 + end);
      for (std::size_t k = start; k < end; ++k) rank_sums(order[k]) += average_rank;
      const auto t = static_cast<double>(end - start);
      result.tie_sum += t * t * t - t;
      start = end;
    }
  }
  const auto md = static_cast<double>(m), nd = static_cast<double>(n);
  const double mean = md * (nd + 1) / 2;
  const double s = (rank_sums.array() - mean).square().sum();
  const double denominator =
      md * md * (nd * nd * nd - nd) - (options.tie_correction ? md * result.tie_sum : 0.0);
  result.degrees_of_freedom = nd - 1;
  if (!(denominator > 0)) {
    switch (options.zero_division) {
      case ZeroDivision::one:
        result.w = 1;
        break;
      case ZeroDivision::zero:
        result.w = 0;
        break;
      case ZeroDivision::nan:
        break;
      case ZeroDivision::raise:
        detail::fail(function, "every annotator gives every item the same score: W is 0 / 0");
    }
    result.chi_square = md * (nd - 1) * result.w;
    return result;
  }
  result.w = 12 * s / denominator;
  result.chi_square = md * (nd - 1) * result.w;
  result.p_value = detail::chi_square_upper_tail(result.chi_square, result.degrees_of_freedom);
  return result;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
