#pragma once
// Shared helpers of the agreement tests.
#include <cmath>
#include <limits>

namespace agreement_test {

/// |x - expected| / max(|expected|, 1e-3): relative error, turning absolute for coefficients
/// that are (near) zero, where a relative tolerance of 1e-12 would ask for digits that do not
/// exist (0 computed as 2e-16). The tests ask for 1e-12 against full-precision references.
inline double relative_error(double x, double expected) {
  const double scale = std::max(std::abs(expected), 1e-3);
  return std::abs(x - expected) / scale;
}

inline constexpr double NA = std::numeric_limits<double>::quiet_NaN();

}  // namespace agreement_test

#define CHECK_REL(x, expected, tol) CHECK(agreement_test::relative_error((x), (expected)) <= (tol))
