#pragma once
/// @file
/// Gwet's (2014) unified framework for chance-corrected coefficients over a count table
/// (items x categories, unequal numbers of annotators per item allowed) with agreement weights,
/// and the linearisation variance of each coefficient (Gwet 2008, 2014; irrCAC's formulas).

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Which chance agreement p_e the framework uses.
enum class ChanceModel {
  none,     ///< Percent agreement: p_e = 0.
  uniform,  ///< Brennan-Prediger: p_e = sum(W) / q^2.
  gwet,     ///< Gwet's AC1/AC2: p_e = sum(W) / (q (q - 1)) * sum_k pi_k (1 - pi_k).
  fleiss,   ///< Fleiss (generalised): p_e = sum_kl w_kl pi_k pi_l.
};

/// Computes the coefficient and its variance from counts A (items x q) and agreement weights W.
/// Items without any rating are dropped; items with one rating count for pi but not for p_a.
/// Variance: Gwet's linearisation, var = 1 / (n (n - 1)) * sum_i (c_i* - c)^2, df = n - 1;
/// `options` (optional) applies the finite-population correction, the irrCAC `*.table` divisor
/// and the interval distribution.
template <class Tag = void>
agreement::Estimate chance_corrected_estimate(
    const detail::dependent_t<Eigen::MatrixXd, Tag>& counts,
    const detail::dependent_t<Eigen::MatrixXd, Tag>& w, ChanceModel model, double confidence,
    agreement::ZeroDivision policy, const char* function,
    const detail::dependent_t<Eigen::VectorXd, Tag>* multiplicity = nullptr,
    const agreement::InferenceOptions* options = nullptr) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Tag>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Tag>;
  const Eigen::Index q = counts.cols();
  Vector r_all = counts.rowwise().sum();
  Eigen::Index rows = 0;
  for (Eigen::Index i = 0; i < counts.rows(); ++i) rows += r_all(i) > 0 ? 1 : 0;
  Matrix a(rows, q);
  Vector r(rows);
  Vector m(rows);  // how many identical items each row stands for
  for (Eigen::Index i = 0, k = 0; i < counts.rows(); ++i) {
    if (r_all(i) > 0) {
      a.row(k) = counts.row(i);
      r(k) = r_all(i);
      m(k) = multiplicity ? (*multiplicity)(i) : 1.0;
      ++k;
    }
  }
  const double n_items = m.sum();
  const auto n = static_cast<Eigen::Index>(n_items);
  const Matrix aw = a * w.transpose();  // aw(i, k) = sum_l w_kl a_il
  Vector pa_i(rows);                    // per-item agreement (0 for r_i < 2)
  double n2 = 0;
  double pa_sum = 0;
  for (Eigen::Index i = 0; i < rows; ++i) {
    const double s = (a.row(i).array() * (aw.row(i).array() - 1.0)).sum();
    if (r(i) >= 2) {
      pa_i(i) = s / (r(i) * (r(i) - 1));
      pa_sum += m(i) * pa_i(i);
      n2 += m(i);
    } else {
      pa_i(i) = 0;
    }
  }
  if (n2 == 0.0) {
    fail(function,
         "no item has two or more ratings (agreement needs at least one item rated "
         "by two annotators)");
  }
  agreement::Estimate e;
  e.n = n;
  e.df = n_items - 1;
  e.observed = pa_sum / n2;
  // pi_k = mean over items of a_ik / r_i.
  const Vector pi =
      ((a.array().colwise() / r.array()).colwise() * m.array()).colwise().sum().transpose() /
      n_items;
  const double w_sum = w.sum();
  double pe = 0;
  Vector pe_i = Vector::Zero(rows);  // per-item chance term for the variance
  switch (model) {
    case ChanceModel::none:
      pe = 0;
      break;
    case ChanceModel::uniform:
      pe = w_sum / static_cast<double>(q * q);
      break;
    case ChanceModel::gwet:
      if (q >= 2) {
        const double f = w_sum / static_cast<double>(q * (q - 1));
        pe = f * (pi.array() * (1.0 - pi.array())).sum();
        pe_i = f * (a * (1.0 - pi.array()).matrix()).array() / r.array();
      } else {
        pe = 1.0;
      }
      break;
    case ChanceModel::fleiss: {
      pe = pi.dot(w * pi);
      // Two named products, then their mean: the arithmetic of one nested expression, which
      // GCC 12's -Wuse-after-free misreads inside Eigen's temporaries at some inlining depths.
      const Vector pw_rows = w * pi;
      const Vector pw_cols = w.transpose() * pi;
      const Vector pw = 0.5 * (pw_rows + pw_cols);
      pe_i = (a * pw).array() / r.array();
      break;
    }
  }
  e.expected = pe;
  if (model != ChanceModel::none && pe >= 1.0) {
    e.value = zero_division_value(policy, function,
                                  "chance agreement p_e = 1 (every rating is in one category)");
    return e;
  }
  const double c = (e.observed - pe) / (1.0 - pe);
  e.value = c;
  if (n < 2) return e;
  const double scale = n_items / n2;
  double ss = 0;
  for (Eigen::Index i = 0; i < rows; ++i) {
    double ci = scale * (pa_i(i) - (r(i) >= 2 ? pe : 0.0)) / (1.0 - pe);
    if (model == ChanceModel::gwet || model == ChanceModel::fleiss) {
      ci -= 2.0 * (1.0 - c) * (pe_i(i) - pe) / (1.0 - pe);
    }
    ss += m(i) * (ci - c) * (ci - c);
  }
  double var = ss / (n_items * (n_items - 1));
  if (options) {
    var *= variance_factor(*options, n_items, false);
    e.df = interval_df(*options, n_items, e.df);
  }
  e.se = std::sqrt(var);
  finish_inference(e, e.se, confidence, true);
  return e;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
