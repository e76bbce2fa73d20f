#pragma once
/// @file
/// Limited-memory BFGS with a strong-Wolfe line search (internal; used by LogisticRegression).
///
/// Nocedal & Wright, "Numerical Optimization", 2nd ed. 2006: algorithm 7.4 (two-loop recursion),
/// algorithms 3.5 and 3.6 (line search and zoom, cubic interpolation), with an optional diagonal
/// initial inverse Hessian scaled by s'y / y'Dy (their eq. 7.20 generalised to a diagonal).
/// Every buffer is allocated once before the first iteration; iterations allocate nothing.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Settings of one minimisation.
struct LbfgsSettings {
  double gradient_tolerance = 1e-10;  ///< stop when max_j |g_j| <= this
  int max_iterations = 10000;         ///< cap on iterations (line searches)
  int history = 10;                   ///< pairs (s, y) kept
  int max_line_search = 60;           ///< objective evaluations per line search
};

/// What one minimisation did.
struct LbfgsResult {
  int iterations = 0;          ///< accepted steps
  int evaluations = 0;         ///< objective + gradient evaluations
  bool converged = false;      ///< the gradient tolerance was reached
  double gradient_norm = 0.0;  ///< max_j |g_j| at the returned point
  double objective = 0.0;      ///< objective at the returned point
};

/// Minimises `objective(x, gradient) -> value` from the start point in `x` (overwritten with the
/// result). `inverse_diagonal` (size 0 or x.size(), positive) preconditions the initial inverse
/// Hessian. The objective must write the gradient into its second argument.
/// `Vector` is a dynamic column vector of doubles (Eigen::VectorXd); a template parameter so that
/// the body is compiled only where it is called.
template <class Objective, class Vector>
LbfgsResult minimize_lbfgs(Objective& objective, Vector& x, const Vector& inverse_diagonal,
                           const LbfgsSettings& settings) {
  using Matrix = Eigen::Matrix<typename Vector::Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index p = x.size();
  const int m = std::max(1, settings.history);
  const bool has_diagonal = inverse_diagonal.size() == p;
  constexpr double c1 = 1e-4;  // sufficient decrease
  constexpr double c2 = 0.9;   // curvature (the usual choice for quasi-Newton methods)

  Vector g(p), direction(p), x_trial(p), g_trial(p);
  Matrix s_history(p, m), y_history(p, m);
  Vector rho(m), alpha(m);
  int stored = 0;  // pairs in the ring buffer
  int newest = -1;

  LbfgsResult result;
  double f = objective(x, g);
  ++result.evaluations;
  result.gradient_norm = g.template lpNorm<Eigen::Infinity>();
  result.objective = f;
  if (!std::isfinite(f)) return result;
  if (result.gradient_norm <= settings.gradient_tolerance) {
    result.converged = true;
    return result;
  }

  double gamma = 1.0;  // scaling of the initial inverse Hessian
  auto apply_initial = [&](Vector& v) {
    if (has_diagonal) {
      v.array() *= gamma * inverse_diagonal.array();
    } else {
      v *= gamma;
    }
  };

  while (result.iterations < settings.max_iterations) {
    // Two-loop recursion: direction = -H g.
    direction = -g;
    for (int k = 0, i = newest; k < stored; ++k, i = (i - 1 + m) % m) {
      alpha(i) = rho(i) * s_history.col(i).dot(direction);
      direction.noalias() -= alpha(i) * y_history.col(i);
    }
    apply_initial(direction);
    for (int k = 0, i = (newest - stored + 1 + m) % m; k < stored; ++k, i = (i + 1) % m) {
      const double beta = rho(i) * y_history.col(i).dot(direction);
      direction.noalias() += (alpha(i) - beta) * s_history.col(i);
    }
    double slope = g.dot(direction);
    if (!(slope < 0.0)) {  // not a descent direction: restart from the preconditioned gradient
      stored = 0;
      direction = -g;
      apply_initial(direction);
      slope = g.dot(direction);
      if (!(slope < 0.0)) break;
    }

    // Strong-Wolfe line search from step 1 (the quasi-Newton step); the first iteration without
    // a diagonal scales the step to the gradient.
    double step = 1.0;
    if (stored == 0 && !has_diagonal) {
      step = std::min(1.0, 1.0 / std::max(direction.template lpNorm<Eigen::Infinity>(), 1e-300));
    }
    const double f0 = f;
    const double noise = 1e-12 * std::abs(f0);  // rounding noise of an objective summed over n
    double f_trial = 0.0;
    double slope_trial = 0.0;
    auto evaluate = [&](double t) {
      x_trial = x + t * direction;
      f_trial = objective(x_trial, g_trial);
      ++result.evaluations;
      slope_trial = g_trial.dot(direction);
    };
    bool accepted = false;
    int evaluations_left = settings.max_line_search;
    double lo = 0.0, f_lo = f0, slope_lo = slope;  // best point meeting sufficient decrease
    double hi = 0.0, f_hi = 0.0, slope_hi = 0.0;
    bool bracketed = false;
    while (evaluations_left-- > 0) {
      if (bracketed) {
        // Zoom: cubic interpolation inside [lo, hi], kept 10% away from the ends.
        const double d1 = slope_lo + slope_hi - 3.0 * (f_lo - f_hi) / (lo - hi);
        const double discriminant = d1 * d1 - slope_lo * slope_hi;
        double t = 0.5 * (lo + hi);
        if (discriminant >= 0.0) {
          const double d2 = std::copysign(std::sqrt(discriminant), hi - lo);
          const double cubic =
              hi - (hi - lo) * (slope_hi + d2 - d1) / (slope_hi - slope_lo + 2.0 * d2);
          if (std::isfinite(cubic)) t = cubic;
        }
        const double left = std::min(lo, hi), right = std::max(lo, hi), width = right - left;
        t = std::clamp(t, left + 0.1 * width, right - 0.1 * width);
        if (width <= 1e-16 * std::max(1.0, right)) break;
        step = t;
      }
      evaluate(step);
      // Approximate Wolfe (Hager & Zhang 2005): near the optimum the decrease drops below the
      // rounding noise of f, so a point whose f is within that noise and whose slope meets the
      // curvature condition is accepted on the slope alone.
      if (std::isfinite(f_trial) && f_trial <= f0 + noise && std::abs(slope_trial) <= -c2 * slope &&
          slope_trial <= (2.0 * c1 - 1.0) * slope) {
        accepted = true;
        break;
      }
      if (!std::isfinite(f_trial) || f_trial > f0 + c1 * step * slope || f_trial >= f_lo) {
        // Too far: [lo, step] brackets a Wolfe point.
        hi = step, f_hi = std::isfinite(f_trial) ? f_trial : std::numeric_limits<double>::max();
        slope_hi = std::isfinite(slope_trial) ? slope_trial : 0.0;
        if (!std::isfinite(f_trial)) {  // no usable curvature information: bisect next
          f_hi = f_lo + 1.0;
          slope_hi = -slope_lo;
        }
        bracketed = true;
        continue;
      }
      if (std::abs(slope_trial) <= -c2 * slope) {
        accepted = true;
        break;
      }
      if (bracketed) {
        if (slope_trial * (hi - lo) >= 0.0) hi = lo, f_hi = f_lo, slope_hi = slope_lo;
        lo = step, f_lo = f_trial, slope_lo = slope_trial;
      } else if (slope_trial >= 0.0) {
        hi = lo, f_hi = f_lo, slope_hi = slope_lo;
        lo = step, f_lo = f_trial, slope_lo = slope_trial;
        bracketed = true;
      } else {
        lo = step, f_lo = f_trial, slope_lo = slope_trial;
        step *= 4.0;
      }
    }
    if (!accepted) {
      if (lo > 0.0 && f_lo < f0) {
        evaluate(lo);  // accept the best sufficient-decrease point found
        step = lo;
      } else if (stored > 0) {
        stored = 0;  // stale curvature pairs: retry from the preconditioned gradient
        continue;
      } else {
        break;
      }
    }

    // Accept the step; keep the curvature pair only when s'y > 0 (always true after a Wolfe
    // step, checked because the fallback step above need not satisfy the curvature condition).
    const double sy = (x_trial - x).dot(g_trial - g);
    const double yy = (g_trial - g).squaredNorm();
    if (sy > 1e-12 * yy && sy > 0.0) {
      const int slot = (newest + 1) % m;
      s_history.col(slot) = x_trial - x;
      y_history.col(slot) = g_trial - g;
      rho(slot) = 1.0 / sy;
      newest = slot;
      stored = std::min(stored + 1, m);
      const double yhy =
          has_diagonal ? (y_history.col(slot).array().square() * inverse_diagonal.array()).sum()
                       : yy;
      gamma = sy / yhy;
    }
    x.swap(x_trial);
    g.swap(g_trial);
    f = f_trial;
    ++result.iterations;
    result.gradient_norm = g.template lpNorm<Eigen::Infinity>();
    result.objective = f;
    if (result.gradient_norm <= settings.gradient_tolerance) {
      result.converged = true;
      break;
    }
  }
  return result;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
