#pragma once
/// @file
/// Calibration of pre-label confidences, measured and fixed from reviewed items:
/// - `reliability_table` / `expected_calibration_error`: equal-width bins of confidence against
///   the observed accuracy (Guo et al. 2017, "On Calibration of Modern Neural Networks").
/// - `fit_temperature` / `apply_temperature`: temperature scaling for models that output logits
///   or probabilities (Guo et al. 2017), one parameter fitted by minimising the negative
///   log-likelihood.
/// - `HistogramBinning` (Zadrozny & Elkan 2001) and `IsotonicCalibrator` (pool-adjacent-violators,
///   Zadrozny & Elkan 2002) for a single stated confidence, as LLMs give.
/// - `CalibratedPreLabeler`: wraps a pre-labeler so the runner routes on calibrated confidences.
///
/// This header includes the five parts, each its own header: reliability.hpp,
/// temperature_scaling.hpp, histogram_binning.hpp, isotonic_calibrator.hpp and
/// calibrated_prelabeler.hpp.

#include "labelkit/prelabel/calibrated_prelabeler.hpp"  // IWYU pragma: export
#include "labelkit/prelabel/histogram_binning.hpp"      // IWYU pragma: export
#include "labelkit/prelabel/isotonic_calibrator.hpp"    // IWYU pragma: export
#include "labelkit/prelabel/reliability.hpp"            // IWYU pragma: export
#include "labelkit/prelabel/temperature_scaling.hpp"    // IWYU pragma: export
