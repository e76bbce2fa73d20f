#pragma once
/// @file
/// Internals shared by the EM aggregators (Dawid-Skene, one-coin, GLAD, MACE).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/quality/detail/crowd.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Posteriors during EM: row-major, so one item's C values are contiguous in the hot loops.
using PosteriorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Replaces v[0..n) by softmax(v) in place and returns log(sum(exp(v))), computing each
/// exponential once. All -inf (impossible under every class) cannot occur for the EM models
/// here (see dawid_skene()); it would yield NaN, not a silent value.
inline double softmax_in_place(double* v, int n) {
  double m = v[0];
  for (int k = 1; k < n; ++k) m = v[k] > m ? v[k] : m;
  double s = 0;
  for (int k = 0; k < n; ++k) {
    v[k] = std::exp(v[k] - m);
    s += v[k];
  }
  const double inverse = 1.0 / s;
  for (int k = 0; k < n; ++k) v[k] *= inverse;
  return m + std::log(s);
}

/// Column sums of the posteriors (the expected class counts) into `mass`, one row pass.
inline void column_sums(const PosteriorMatrix& t, Eigen::VectorXd& mass) {
  mass.setZero();
  for (Eigen::Index i = 0; i < t.rows(); ++i) mass += t.row(i).transpose();
}

/// Class priors pi_k = (mass_k + alpha) / (n_items + C·alpha) from the expected class counts;
/// writes their logs and returns the log-prior term alpha · sum_k log pi_k (0 when alpha = 0).
inline double update_priors(const Eigen::VectorXd& mass, Eigen::Index n_items, double alpha,
                            Eigen::VectorXd& log_prior) {
  const Eigen::Index c = mass.size();
  const double denominator = static_cast<double>(n_items) + alpha * static_cast<double>(c);
  double term = 0;
  for (Eigen::Index k = 0; k < c; ++k) {
    log_prior(k) = std::log(mass(k) + alpha) - std::log(denominator);
    if (alpha > 0) term += alpha * log_prior(k);
  }
  return term;
}

inline void initial_posterior(const Crowd& crowd, const std::vector<int>& gold,
                              PosteriorMatrix& t) {
  t = normalise_rows(vote_counts(crowd));
  for (Eigen::Index i = 0; i < t.rows(); ++i) {
    const int g = gold[static_cast<std::size_t>(i)];
    if (g >= 0) {
      t.row(i).setZero();
      t(i, g) = 1.0;
    }
  }
}

inline bool em_converged(const std::vector<double>& objective, double tolerance) {
  if (tolerance <= 0 || objective.size() < 2) return false;
  const double now = objective.back();
  const double before = objective[objective.size() - 2];
  return now - before < tolerance * std::max(1.0, std::abs(now));
}

}  // namespace detail
LABELKIT_END_NAMESPACE
