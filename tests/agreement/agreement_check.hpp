#pragma once
// Shared helpers of the agreement tests.
#include <Eigen/Core>
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

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 annotators x 12 items
/// with missing values (rows are annotators, as krippendorff_alpha reads a matrix). Published:
/// nominal .743, ordinal .815, interval .849, ratio .797. Transposed, it is irrCAC's
/// cac.raw4raters except for item 12's lone (unpairable) value, which cac.raw4raters gives to the
/// third annotator.
inline Eigen::MatrixXd krippendorff_2011() {
  Eigen::MatrixXd d(4, 12);
  d << 1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA,  //
      1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3,     //
      NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA,    //
      1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA;
  return d;
}

/// Fleiss (1971): 30 patients, 6 psychiatrists each, 5 diagnoses (depression, personality
/// disorder, schizophrenia, neurosis, other). Fleiss reports kappa = .430; statsmodels 0.13.5
/// fleiss_kappa -> 0.43024452006014074; R irr kappam.fleiss: z = 17.65183.
inline Eigen::MatrixXd fleiss_1971() {
  Eigen::MatrixXd t(30, 5);
  t << 0, 0, 0, 6, 0, 0, 3, 0, 0, 3, 0, 1, 4, 0, 1, 0, 0, 0, 0, 6, 0, 3, 0, 3, 0, 2, 0, 4, 0, 0, 0,
      0, 4, 0, 2, 2, 0, 3, 1, 0, 2, 0, 0, 4, 0, 0, 0, 0, 0, 6, 1, 0, 0, 5, 0, 1, 1, 0, 4, 0, 0, 3,
      3, 0, 0, 1, 0, 0, 5, 0, 0, 2, 0, 3, 1, 0, 0, 5, 0, 1, 3, 0, 0, 1, 2, 5, 1, 0, 0, 0, 0, 2, 0,
      4, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 6, 0, 1, 0, 5, 0, 0, 2, 0, 1, 3, 2, 0, 0, 4, 0, 1, 0, 0, 4,
      1, 0, 5, 0, 1, 0, 4, 0, 0, 0, 2, 0, 2, 0, 4, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 6;
  return t;
}

}  // namespace agreement_test

#define CHECK_REL(x, expected, tol) CHECK(agreement_test::relative_error((x), (expected)) <= (tol))
