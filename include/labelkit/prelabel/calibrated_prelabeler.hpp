#pragma once
/// @file
/// `CalibratedPreLabeler`: wraps a pre-labeler so that the runner routes on calibrated
/// confidences (through `IsotonicCalibrator`, `HistogramBinning` or any function).

#include <cstddef>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Wraps a pre-labeler and maps each returned confidence through `calibrate` (a fitted
/// `IsotonicCalibrator`, `HistogramBinning`, or any double -> double in [0, 1]) before the
/// runner routes it, so thresholds apply to calibrated confidences. Holds the inner pre-labeler
/// by reference. Thread safety: as the inner pre-labeler (the calibrators are immutable).
template <class Item>
class CalibratedPreLabeler final : public PreLabeler<Item> {
 public:
  /// @throws labelkit::invalid_argument if `calibrate` is empty.
  CalibratedPreLabeler(PreLabeler<Item>& inner, std::function<double(double)> calibrate)
      : inner_(&inner), calibrate_(std::move(calibrate)) {
    if (!calibrate_) labelkit::detail::fail("CalibratedPreLabeler", "'calibrate' is empty");
  }

  std::vector<PreLabel> label_batch(std::span<const Item> items) override {
    std::vector<PreLabel> out = inner_->label_batch(items);
    for (PreLabel& p : out) {
      if (p.has_label() && p.confidence >= 0.0 && p.confidence <= 1.0) {
        p.confidence = calibrate_(p.confidence);
      }
    }
    return out;
  }

 private:
  PreLabeler<Item>* inner_;
  std::function<double(double)> calibrate_;
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
