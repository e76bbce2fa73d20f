#pragma once
/// @file
/// Isotonic regression calibrator (pool-adjacent-violators; Zadrozny & Elkan 2002) for a single
/// stated confidence, matching scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/reliability.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Isotonic regression calibrator: the non-decreasing step function of confidence that best
/// fits correctness in least squares, found by pool-adjacent-violators (Ayer et al. 1955; used
/// for calibration by Zadrozny & Elkan 2002). Equal confidences are first merged (weighted
/// mean), as scikit-learn's IsotonicRegression does; predictions interpolate linearly between
/// the fitted points and are clipped to the end values outside them (scikit-learn's
/// out_of_bounds="clip"), so they match `IsotonicRegression(out_of_bounds="clip")`.
class IsotonicCalibrator {
 public:
  /// Fits on confidences, 0/1 (or fractional) correctness and optional non-negative weights
  /// (empty = all 1). O(n log n) for the sort, O(n) for the pooling.
  /// @throws labelkit::invalid_argument for no items, values outside [0, 1], negative or
  /// non-finite weights, or all weights zero; labelkit::dimension_mismatch for unequal lengths.
  template <class D1, class D2>
  [[nodiscard]] static IsotonicCalibrator fit(const Eigen::DenseBase<D1>& confidence,
                                              const Eigen::DenseBase<D2>& correct,
                                              std::span<const double> weights = {}) {
    constexpr std::string_view function = "IsotonicCalibrator::fit";
    detail::check_confidence_pairs(confidence, correct, function);
    const Eigen::Index n = confidence.size();
    if (n == 0) labelkit::detail::fail(function, "no items to fit");
    if (!weights.empty() && weights.size() != static_cast<std::size_t>(n)) {
      labelkit::detail::fail<dimension_mismatch>(function, "'weights' has ", weights.size(),
                                                 " entries (expected ", n, ")");
    }
    double total_weight = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (!(weights[i] >= 0.0 && std::isfinite(weights[i]))) {
        labelkit::detail::fail(function, "'weights' entry ", i, " is negative or not finite (got ",
                               weights[i], ")");
      }
      total_weight += weights[i];
    }
    if (!weights.empty() && !(total_weight > 0.0)) {
      labelkit::detail::fail(function, "'weights' are all zero");
    }
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    auto x = [&](Eigen::Index i) { return static_cast<double>(confidence.derived().coeff(i)); };
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return x(a) < x(b); });
    // Merge equal x (weighted mean of y), skipping zero-weight points; then pool adjacent
    // violators on a stack of blocks (value, weight, first x, last x).
    struct Block {
      double value;
      double weight;
      double x_first;
      double x_last;
    };
    std::vector<Block> blocks;
    for (std::size_t k = 0; k < order.size();) {
      const double xv = x(order[k]);
      double sw = 0.0, swy = 0.0;
      for (; k < order.size() && x(order[k]) == xv; ++k) {
        const Eigen::Index i = order[k];
        const double w = weights.empty() ? 1.0 : weights[static_cast<std::size_t>(i)];
        sw += w;
        swy += w * static_cast<double>(correct.derived().coeff(i));
      }
      if (sw == 0.0) continue;
      Block b{swy / sw, sw, xv, xv};
      while (!blocks.empty() && blocks.back().value >= b.value) {
        const Block& top = blocks.back();
        const double w = top.weight + b.weight;
        b = Block{(top.value * top.weight + b.value * b.weight) / w, w, top.x_first, b.x_last};
        blocks.pop_back();
      }
      blocks.push_back(b);
    }
    // Each block is flat from x_first to x_last; between blocks the prediction is linear.
    IsotonicCalibrator out;
    for (const Block& b : blocks) {
      out.x_.push_back(b.x_first);
      out.y_.push_back(b.value);
      if (b.x_last != b.x_first) {
        out.x_.push_back(b.x_last);
        out.y_.push_back(b.value);
      }
    }
    return out;
  }

  /// Fits on reviewed items with a pre-label.
  /// @tparam Scalar as reliability_table(reviewed, n_bins).
  template <class Scalar = double>
  [[nodiscard]] static IsotonicCalibrator fit(std::span<const ReviewedItem> reviewed) {
    const auto [c, y] = detail::answered<Scalar>(reviewed, "IsotonicCalibrator::fit");
    return fit(c, y);
  }

  /// The calibrated confidence: linear interpolation between fitted points, clipped at the
  /// ends. O(log m) for m fitted points.
  /// @throws labelkit::invalid_argument if c is NaN.
  [[nodiscard]] double operator()(double c) const {
    if (std::isnan(c)) labelkit::detail::fail("IsotonicCalibrator", "confidence is NaN");
    if (x_.empty()) return c;
    if (c <= x_.front()) return y_.front();
    if (c >= x_.back()) return y_.back();
    const auto upper =
        static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), c) - x_.begin());
    const std::size_t lower = upper - 1;
    const double t = (c - x_[lower]) / (x_[upper] - x_[lower]);
    return y_[lower] + t * (y_[upper] - y_[lower]);
  }

  /// Fitted points' confidences, ascending (scikit-learn's X_thresholds_).
  [[nodiscard]] const std::vector<double>& x_thresholds() const noexcept { return x_; }
  /// Fitted points' calibrated values, non-decreasing (scikit-learn's y_thresholds_).
  [[nodiscard]] const std::vector<double>& y_thresholds() const noexcept { return y_; }

 private:
  std::vector<double> x_;
  std::vector<double> y_;
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
