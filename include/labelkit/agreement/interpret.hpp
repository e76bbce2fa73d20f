#pragma once
/// @file
/// Interpretation helpers: Landis & Koch's (1977) bands for kappa-type coefficients,
/// Krippendorff's (2004) thresholds for alpha, and Gwet's (2014, ch. 6) probabilistic
/// benchmarking of a coefficient and its standard error against the Landis-Koch, Fleiss or
/// Altman scale. Labels, not verdicts: report the coefficient and
/// its interval too.

#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

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
    case LandisKoch::poor:
      return "poor";
    case LandisKoch::slight:
      return "slight";
    case LandisKoch::fair:
      return "fair";
    case LandisKoch::moderate:
      return "moderate";
    case LandisKoch::substantial:
      return "substantial";
    case LandisKoch::almost_perfect:
      return "almost perfect";
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
    case AlphaReliability::unacceptable:
      return "unacceptable";
    case AlphaReliability::tentative:
      return "tentative";
    case AlphaReliability::reliable:
      return "reliable";
  }
  return "unacceptable";
}

/// The benchmark scales of Gwet's benchmarking (irrCAC's `landis.koch`, `fleiss`, `altman`).
enum class BenchmarkScale {
  landis_koch,  ///< Landis & Koch (1977): 6 levels, Poor (< 0) .. Almost Perfect (0.8-1).
  fleiss,       ///< Fleiss (1981): Poor (< 0.4), Intermediate to Good (0.4-0.75), Excellent.
  altman,       ///< Altman (1991): Poor (< 0.2), Fair, Moderate, Good, Very Good (0.8-1).
};

/// One level of a benchmark scale with its membership probabilities.
struct BenchmarkLevel {
  double lower = 0;        ///< Lower bound of the level's interval.
  double upper = 0;        ///< Upper bound.
  std::string_view name;   ///< The level's name, as in irrCAC ("Almost Perfect", ...).
  double probability = 0;  ///< P(true coefficient in [lower, upper]).
  double cumulative = 0;   ///< P(true coefficient >= lower): this level or a better one.
};

/// Levels of a scale, best first, with their probabilities, and the level Gwet retains.
struct BenchmarkResult {
  std::vector<BenchmarkLevel> levels;  ///< Best level first (irrCAC's row order).
  /// Index into `levels` of the best level whose cumulative probability reaches the threshold
  /// (Gwet recommends 0.95): the qualification the data support.
  std::size_t retained = 0;
};

}  // namespace agreement
namespace detail {

struct BenchmarkBand {
  double lower;
  double upper;
  std::string_view name;
};

/// The scale's bands, best first, as irrCAC 1.4's data sets landis.koch, fleiss and altman.
[[nodiscard]] inline std::span<const BenchmarkBand> benchmark_bands(
    agreement::BenchmarkScale scale) {
  static constexpr BenchmarkBand landis_koch[] = {
      {0.8, 1, "Almost Perfect"}, {0.6, 0.8, "Substantial"}, {0.4, 0.6, "Moderate"},
      {0.2, 0.4, "Fair"},         {0, 0.2, "Slight"},        {-1, 0, "Poor"}};
  static constexpr BenchmarkBand fleiss[] = {
      {0.75, 1, "Excellent"}, {0.4, 0.75, "Intermediate to Good"}, {-1, 0.4, "Poor"}};
  static constexpr BenchmarkBand altman[] = {{0.8, 1, "Very Good"},
                                             {0.6, 0.8, "Good"},
                                             {0.4, 0.6, "Moderate"},
                                             {0.2, 0.4, "Fair"},
                                             {-1, 0.2, "Poor"}};
  switch (scale) {
    case agreement::BenchmarkScale::landis_koch:
      return landis_koch;
    case agreement::BenchmarkScale::fleiss:
      return fleiss;
    case agreement::BenchmarkScale::altman:
      return altman;
  }
  return landis_koch;
}

}  // namespace detail
namespace agreement {

/// Gwet's (2014, Handbook of Inter-Rater Reliability, 4th ed., ch. 6) probabilistic
/// benchmarking, as irrCAC's `landis.koch.bf`, `fleiss.bf` and `altman.bf`: the true
/// coefficient is taken as normal with mean `coefficient` and sd `se`, truncated to [-1, 1];
/// each level [l, u] gets (Phi((c - l) / se) - Phi((c - u) / se)) / (Phi((c + 1) / se) -
/// Phi((c - 1) / se)), and the retained level is the best one whose cumulative probability
/// (that level or better) reaches `threshold`. Unlike the fixed bands of landis_koch(), it
/// accounts for the precision of the estimate: a kappa of 0.78 with se 0.14 is only "Moderate".
/// O(levels).
/// @throws labelkit::invalid_argument unless coefficient is finite, se > 0 and finite, and
///         threshold in (0, 1].
[[nodiscard]] inline BenchmarkResult benchmark(double coefficient, double se,
                                               BenchmarkScale scale = BenchmarkScale::landis_koch,
                                               double threshold = 0.95) {
  if (!std::isfinite(coefficient)) {
    detail::fail("benchmark", "'coefficient' must be finite (got ", coefficient, ")");
  }
  if (!(se > 0) || !std::isfinite(se)) {
    detail::fail("benchmark", "'se' must be positive and finite (got ", se, ")");
  }
  if (!(threshold > 0 && threshold <= 1)) {
    detail::fail("benchmark", "'threshold' must be in (0, 1] (got ", threshold, ")");
  }
  auto phi = [](double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); };
  const double truncation = phi((coefficient + 1) / se) - phi((coefficient - 1) / se);
  BenchmarkResult out;
  double cumulative = 0;
  bool found = false;
  for (const detail::BenchmarkBand& band : detail::benchmark_bands(scale)) {
    BenchmarkLevel level;
    level.lower = band.lower;
    level.upper = band.upper;
    level.name = band.name;
    level.probability =
        (phi((coefficient - band.lower) / se) - phi((coefficient - band.upper) / se)) / truncation;
    cumulative += level.probability;
    level.cumulative = cumulative;
    if (!found && cumulative >= threshold) {
      out.retained = out.levels.size();
      found = true;
    }
    out.levels.push_back(level);
  }
  if (!found) out.retained = out.levels.size() - 1;
  return out;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
