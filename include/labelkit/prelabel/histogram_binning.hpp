#pragma once
/// @file
/// Histogram binning (Zadrozny & Elkan 2001): a calibrator for a single stated confidence, as LLMs
/// give, that maps a confidence to the observed accuracy of its reliability bin.

#include <Eigen/Core>
#include <cstddef>
#include <span>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/reliability.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Histogram binning (Zadrozny & Elkan 2001): equal-width bins over [0, 1]; a confidence maps
/// to the observed accuracy of its bin on the fitting data. A bin with no fitting data maps a
/// confidence to itself (no evidence, no change). Coarse but robust with few reviewed items.
class HistogramBinning {
 public:
  /// Fits on confidences and 0/1 correctness (same binning as `reliability_table`). O(n + bins).
  /// @throws as reliability_table.
  template <class D1, class D2>
  [[nodiscard]] static HistogramBinning fit(const Eigen::DenseBase<D1>& confidence,
                                            const Eigen::DenseBase<D2>& correct, int n_bins = 10) {
    HistogramBinning out;
    out.table_ = reliability_table(confidence, correct, n_bins);
    return out;
  }

  /// Fits on reviewed items with a pre-label.
  /// @tparam Scalar as reliability_table(reviewed, n_bins).
  template <class Scalar = double>
  [[nodiscard]] static HistogramBinning fit(std::span<const ReviewedItem> reviewed,
                                            int n_bins = 10) {
    HistogramBinning out;
    out.table_ = reliability_table<Scalar>(reviewed, n_bins);
    return out;
  }

  /// The calibrated confidence. O(1). @throws labelkit::invalid_argument if c is outside [0, 1].
  [[nodiscard]] double operator()(double c) const {
    if (!(c >= 0.0 && c <= 1.0)) {
      labelkit::detail::fail("HistogramBinning", "confidence outside [0, 1] (got ", c, ")");
    }
    if (table_.bins.empty()) return c;
    const auto& bin = table_.bins[static_cast<std::size_t>(
        detail::confidence_bin(c, static_cast<int>(table_.bins.size())))];
    return bin.count == 0 ? c : bin.accuracy;
  }

  /// The fitted bins.
  [[nodiscard]] const ReliabilityTable& table() const noexcept { return table_; }

 private:
  ReliabilityTable table_;
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
