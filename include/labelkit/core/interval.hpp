#pragma once
/// @file
/// `Interval`: the one confidence-interval type of labelkit (gold-standard accuracies, agreement
/// coefficients), with the confidence level it was built for. A vocabulary header.

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE

/// A two-sided confidence interval [lower, upper] at confidence `level` (0.95 = 95 %).
/// Where there is no interval (no data, a degenerate case), functions return
/// `std::optional<Interval>` empty rather than NaN bounds.
struct Interval {
  double lower = 0;     ///< Lower bound.
  double upper = 1;     ///< Upper bound.
  double level = 0.95;  ///< Confidence level, in (0, 1).

  /// Whether `x` lies in [lower, upper].
  [[nodiscard]] constexpr bool contains(double x) const noexcept {
    return lower <= x && x <= upper;
  }

  /// Member-wise equality.
  friend bool operator==(const Interval&, const Interval&) = default;
};

LABELKIT_END_NAMESPACE
