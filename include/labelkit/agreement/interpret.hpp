#pragma once
/// @file
/// Interpretation helpers: Landis & Koch's (1977) bands for kappa-type coefficients and
/// Krippendorff's (2004) thresholds for alpha. Labels, not verdicts: report the coefficient and
/// its interval too.

#include <cmath>
#include <string_view>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Landis & Koch (1977) strength-of-agreement bands.
enum class LandisKoch { poor, slight, fair, moderate, substantial, almost_perfect };

/// Band of `value`: < 0 poor, [0, .2] slight, (.2, .4] fair, (.4, .6] moderate, (.6, .8]
/// substantial, (.8, 1] almost perfect. NaN maps to poor.
[[nodiscard]] constexpr LandisKoch landis_koch(double value) noexcept {
  if (!(value >= 0)) return LandisKoch::poor;
  if (value <= 0.2) return LandisKoch::slight;
  if (value <= 0.4) return LandisKoch::fair;
  if (value <= 0.6) return LandisKoch::moderate;
  if (value <= 0.8) return LandisKoch::substantial;
  return LandisKoch::almost_perfect;
}

/// Name of a Landis & Koch band ("poor", "slight", ..., "almost perfect").
[[nodiscard]] constexpr std::string_view to_string(LandisKoch band) noexcept {
  switch (band) {
    case LandisKoch::poor: return "poor";
    case LandisKoch::slight: return "slight";
    case LandisKoch::fair: return "fair";
    case LandisKoch::moderate: return "moderate";
    case LandisKoch::substantial: return "substantial";
    case LandisKoch::almost_perfect: return "almost perfect";
  }
  return "poor";
}

/// Krippendorff's (2004, p. 241) reading of alpha.
enum class AlphaReliability {
  unacceptable,  ///< alpha < 0.667: discard the data.
  tentative,     ///< 0.667 <= alpha < 0.800: tentative conclusions only.
  reliable,      ///< alpha >= 0.800: customary requirement met.
};

/// Krippendorff's thresholds 0.667 and 0.800 (NaN maps to unacceptable).
[[nodiscard]] constexpr AlphaReliability krippendorff_reliability(double alpha) noexcept {
  if (alpha >= 0.800) return AlphaReliability::reliable;
  if (alpha >= 0.667) return AlphaReliability::tentative;
  return AlphaReliability::unacceptable;
}

/// Name of an AlphaReliability value.
[[nodiscard]] constexpr std::string_view to_string(AlphaReliability r) noexcept {
  switch (r) {
    case AlphaReliability::unacceptable: return "unacceptable";
    case AlphaReliability::tentative: return "tentative";
    case AlphaReliability::reliable: return "reliable";
  }
  return "unacceptable";
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
