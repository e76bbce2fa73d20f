#pragma once
/// @file
/// Reliability of pre-label confidences: equal-width bins of stated confidence against the
/// observed accuracy, and the expected and maximum calibration errors (Guo et al. 2017, "On
/// Calibration of Modern Neural Networks"). The bins are shared by `HistogramBinning`.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// One confidence bin of a reliability table.
struct ReliabilityBin {
  double lower = 0.0;            ///< Inclusive lower edge.
  double upper = 0.0;            ///< Upper edge (exclusive, except 1 for the last bin).
  Eigen::Index count = 0;        ///< Items whose confidence falls in the bin.
  double mean_confidence = 0.0;  ///< Mean confidence of those items (0 if empty).
  double accuracy = 0.0;         ///< Fraction of them that were right (0 if empty).
};

/// A reliability table with its summary errors.
struct ReliabilityTable {
  std::vector<ReliabilityBin> bins{};  ///< n_bins equal-width bins over [0, 1].
  Eigen::Index total = 0;              ///< Items binned.
  /// Expected calibration error: sum_b (n_b / n) |accuracy_b - mean_confidence_b|.
  double ece = 0.0;
  /// Maximum calibration error: max over non-empty bins of |accuracy_b - mean_confidence_b|.
  double mce = 0.0;
};

}  // namespace prelabel
namespace detail {

/// Bin k of n holds k/n <= c < (k+1)/n, with the edges computed as k/n in floating point (so
/// 0.3 falls in bin 3 of 10, not bin 2 as floor(0.3 * 10) would say); c = 1 is in the last bin.
[[nodiscard]] inline int confidence_bin(double c, int n_bins) noexcept {
  int k = static_cast<int>(std::floor(c * n_bins));
  k = std::clamp(k, 0, n_bins - 1);
  if (k + 1 < n_bins && c >= static_cast<double>(k + 1) / n_bins) ++k;
  if (k > 0 && c < static_cast<double>(k) / n_bins) --k;
  return k;
}

inline void check_bins(int n_bins, std::string_view function) {
  if (n_bins < 1) {
    labelkit::detail::fail(function, "'n_bins' must be at least 1 (got ", n_bins, ")");
  }
}

template <class D1, class D2>
void check_confidence_pairs(const Eigen::DenseBase<D1>& confidence,
                            const Eigen::DenseBase<D2>& correct, std::string_view function) {
  if (confidence.cols() != 1 && confidence.rows() != 1) {
    labelkit::detail::fail(function, "'confidence' must be a vector (got ", confidence.rows(),
                           " x ", confidence.cols(), ")");
  }
  if (confidence.size() != correct.size()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'confidence' has ", confidence.size(),
                                               " entries but 'correct' has ", correct.size());
  }
  for (Eigen::Index i = 0; i < confidence.size(); ++i) {
    const auto c = static_cast<double>(confidence.derived().coeff(i));
    if (!(c >= 0.0 && c <= 1.0)) {
      labelkit::detail::fail(function, "'confidence' entry ", i, " is outside [0, 1] (got ", c,
                             ")");
    }
    const auto y = static_cast<double>(correct.derived().coeff(i));
    if (!(y >= 0.0 && y <= 1.0)) {
      labelkit::detail::fail(function, "'correct' entry ", i, " is outside [0, 1] (got ", y,
                             ", expected 1 for right, 0 for wrong)");
    }
  }
}

/// Confidences and 0/1 correctness of the reviewed items that had a pre-label (predicted >= 0).
/// A template (on the scalar) so that its Eigen code is compiled only where it is used.
template <class Scalar = double>
std::pair<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>, Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>
answered(std::span<const prelabel::ReviewedItem> reviewed, std::string_view function) {
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  std::vector<Scalar> c;
  std::vector<Scalar> y;
  for (std::size_t i = 0; i < reviewed.size(); ++i) {
    const prelabel::ReviewedItem& r = reviewed[i];
    if (r.predicted < 0) continue;
    if (r.final_label < 0) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has final label ", r.final_label,
                             " (expected >= 0)");
    }
    c.push_back(static_cast<Scalar>(r.confidence));
    y.push_back(r.correct() ? Scalar(1) : Scalar(0));
  }
  return {Eigen::Map<const Vector>(c.data(), static_cast<Eigen::Index>(c.size())),
          Eigen::Map<const Vector>(y.data(), static_cast<Eigen::Index>(y.size()))};
}

}  // namespace detail
namespace prelabel {

/// Reliability table of `confidence` (stated confidences, in [0, 1]) against `correct` (1 if
/// the pre-label was right, 0 if not; fractional values are allowed as soft correctness), in
/// `n_bins` equal-width bins [k/n, (k+1)/n) (the last bin includes 1). Empty bins are kept (count
/// 0) so tables of different runs line up. O(n + n_bins).
/// @throws labelkit::invalid_argument if n_bins < 1, a confidence or correct value is outside
/// [0, 1] or NaN; labelkit::dimension_mismatch if the lengths differ.
template <class D1, class D2>
[[nodiscard]] ReliabilityTable reliability_table(const Eigen::DenseBase<D1>& confidence,
                                                 const Eigen::DenseBase<D2>& correct,
                                                 int n_bins = 15) {
  detail::check_bins(n_bins, "reliability_table");
  detail::check_confidence_pairs(confidence, correct, "reliability_table");
  ReliabilityTable table;
  table.bins.resize(static_cast<std::size_t>(n_bins));
  std::vector<double> sum_c(table.bins.size(), 0.0);
  std::vector<double> sum_y(table.bins.size(), 0.0);
  for (Eigen::Index i = 0; i < confidence.size(); ++i) {
    const auto c = static_cast<double>(confidence.derived().coeff(i));
    const auto k = static_cast<std::size_t>(detail::confidence_bin(c, n_bins));
    ++table.bins[k].count;
    sum_c[k] += c;
    sum_y[k] += static_cast<double>(correct.derived().coeff(i));
  }
  table.total = confidence.size();
  for (std::size_t k = 0; k < table.bins.size(); ++k) {
    ReliabilityBin& bin = table.bins[k];
    bin.lower = static_cast<double>(k) / n_bins;
    bin.upper = static_cast<double>(k + 1) / n_bins;
    if (bin.count == 0) continue;
    bin.mean_confidence = sum_c[k] / static_cast<double>(bin.count);
    bin.accuracy = sum_y[k] / static_cast<double>(bin.count);
    const double gap = std::abs(bin.accuracy - bin.mean_confidence);
    table.ece += static_cast<double>(bin.count) / static_cast<double>(table.total) * gap;
    table.mce = std::max(table.mce, gap);
  }
  return table;
}

/// Reliability table of the reviewed items that had a pre-label (predicted >= 0; "no answer"
/// items make no claim and are left out). See the Eigen overload.
/// @throws labelkit::invalid_argument as the Eigen overload, or for a final label < 0.
/// @tparam Scalar the scalar the confidences are binned in (double; a template parameter so
///   that the function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] ReliabilityTable reliability_table(std::span<const ReviewedItem> reviewed,
                                                 int n_bins = 15) {
  const auto [c, y] = detail::answered<Scalar>(reviewed, "reliability_table");
  return reliability_table(c, y, n_bins);
}

/// Expected calibration error (the `ece` of `reliability_table`), 0 for no items.
/// @throws as reliability_table.
template <class D1, class D2>
[[nodiscard]] double expected_calibration_error(const Eigen::DenseBase<D1>& confidence,
                                                const Eigen::DenseBase<D2>& correct,
                                                int n_bins = 15) {
  return reliability_table(confidence, correct, n_bins).ece;
}

/// Expected calibration error over reviewed items with a pre-label.
/// @tparam Scalar as reliability_table(reviewed, n_bins).
template <class Scalar = double>
[[nodiscard]] double expected_calibration_error(std::span<const ReviewedItem> reviewed,
                                                int n_bins = 15) {
  return reliability_table<Scalar>(reviewed, n_bins).ece;
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
