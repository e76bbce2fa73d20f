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

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <numeric>
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

// ---------------------------------------------------------------------------------------------
// Reliability and expected calibration error

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
  Eigen::Index total = 0;            ///< Items binned.
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
inline std::pair<Eigen::VectorXd, Eigen::VectorXd> answered(std::span<const prelabel::ReviewedItem> reviewed,
                                                            std::string_view function) {
  std::vector<double> c;
  std::vector<double> y;
  for (std::size_t i = 0; i < reviewed.size(); ++i) {
    const prelabel::ReviewedItem& r = reviewed[i];
    if (r.predicted < 0) continue;
    if (r.final_label < 0) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has final label ", r.final_label,
                             " (expected >= 0)");
    }
    c.push_back(r.confidence);
    y.push_back(r.correct() ? 1.0 : 0.0);
  }
  return {Eigen::Map<const Eigen::VectorXd>(c.data(), static_cast<Eigen::Index>(c.size())),
          Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()))};
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
[[nodiscard]] inline ReliabilityTable reliability_table(std::span<const ReviewedItem> reviewed,
                                                        int n_bins = 15) {
  const auto [c, y] = detail::answered(reviewed, "reliability_table");
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
[[nodiscard]] inline double expected_calibration_error(std::span<const ReviewedItem> reviewed,
                                                       int n_bins = 15) {
  return reliability_table(reviewed, n_bins).ece;
}

// ---------------------------------------------------------------------------------------------
// Temperature scaling

/// The result of `fit_temperature`.
struct TemperatureFit {
  double temperature = 1.0;  ///< T: probabilities are softmax(z / T).
  double nll_before = 0.0;   ///< Mean negative log-likelihood at T = 1 (nats per item).
  double nll_after = 0.0;    ///< Mean negative log-likelihood at the fitted T.
  int iterations = 0;        ///< Newton/bisection steps taken.
  bool at_bound = false;     ///< T hit min_temperature or max_temperature (see fit_temperature).
};

}  // namespace prelabel
namespace detail {

/// Mean NLL, its first and second derivative in beta = 1/T, for logits z (n x C, -inf allowed
/// except at the true class): f(b) = mean_i [ -b z_iy + log sum_c exp(b z_ic) ],
/// f'(b) = mean_i [ E_p z - z_iy ], f''(b) = mean_i Var_p z, with p = softmax(b z_i).
/// Entries at -inf have p = 0 and contribute nothing (0 * -inf = 0 by definition).
struct NllAt {
  double value;
  double slope;
  double curvature;
};

inline NllAt nll_at(const Eigen::MatrixXd& z, std::span<const int> labels, double beta) {
  NllAt out{0.0, 0.0, 0.0};
  const Eigen::Index n = z.rows();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double max = z.row(i).maxCoeff();
    double sum = 0.0, mean = 0.0, second = 0.0;
    for (Eigen::Index c = 0; c < z.cols(); ++c) {
      const double v = z(i, c);
      if (v == -std::numeric_limits<double>::infinity()) continue;
      const double w = std::exp(beta * (v - max));
      sum += w;
      mean += w * (v - max);
      second += w * (v - max) * (v - max);
    }
    mean /= sum;
    second /= sum;
    const double zy = z(i, labels[static_cast<std::size_t>(i)]) - max;
    out.value += -beta * zy + std::log(sum);
    out.slope += mean - zy;
    out.curvature += std::max(0.0, second - mean * mean);
  }
  out.value /= static_cast<double>(n);
  out.slope /= static_cast<double>(n);
  out.curvature /= static_cast<double>(n);
  return out;
}

inline prelabel::TemperatureFit fit_temperature_impl(const Eigen::MatrixXd& z, std::span<const int> labels,
                                           double min_temperature, double max_temperature) {
  prelabel::TemperatureFit fit;
  fit.nll_before = nll_at(z, labels, 1.0).value;
  double lo = 1.0 / max_temperature;
  double hi = 1.0 / min_temperature;
  const NllAt at_lo = nll_at(z, labels, lo);
  const NllAt at_hi = nll_at(z, labels, hi);
  double beta;
  if (at_lo.slope >= 0.0) {
    beta = lo;  // the NLL rises from the start: as flat as allowed
    fit.at_bound = true;
  } else if (at_hi.slope <= 0.0) {
    beta = hi;  // still falling at the sharpest allowed (e.g. separable data)
    fit.at_bound = true;
  } else {
    // f is convex in beta (f'' = mean variance >= 0): Newton steps, kept inside a bracket of
    // the root of f', falling back to bisection when a step leaves it.
    beta = std::clamp(1.0, lo, hi);
    for (fit.iterations = 1; fit.iterations <= 200; ++fit.iterations) {
      const NllAt at = nll_at(z, labels, beta);
      if (at.slope > 0.0) {
        hi = beta;
      } else {
        lo = beta;
      }
      if (at.slope == 0.0) break;
      if (at.curvature > 0.0) {
        const double step = at.slope / at.curvature;
        // Converged: the Newton step is below rounding (test before the bracket test, whose
        // end may sit exactly at the root).
        if (std::abs(step) <= 1e-13 * beta) break;
        const double next = beta - step;
        if (next > lo && next < hi) {
          beta = next;
          continue;
        }
      }
      if (hi - lo <= 1e-13 * hi) break;
      beta = 0.5 * (lo + hi);
    }
  }
  fit.temperature = 1.0 / beta;
  fit.nll_after = nll_at(z, labels, beta).value;
  return fit;
}

template <class Derived>
void check_labels_for(const Eigen::DenseBase<Derived>& z, std::span<const int> labels,
                      std::string_view function) {
  if (z.rows() == 0) labelkit::detail::fail(function, "no items (0 rows)");
  if (z.cols() < 2) {
    labelkit::detail::fail(function, "need at least 2 classes (got ", z.cols(), " columns)");
  }
  if (labels.size() != static_cast<std::size_t>(z.rows())) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labels' has ", labels.size(),
                                               " entries (expected one per row, ", z.rows(), ")");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= z.cols()) {
      labelkit::detail::fail(function, "'labels' entry ", i, " is out of range (got ", labels[i],
                             ", expected 0 <= label < ", z.cols(), ")");
    }
  }
}

inline void check_temperature_range(double min_temperature, double max_temperature,
                                    std::string_view function) {
  if (!(min_temperature > 0.0 && max_temperature >= min_temperature &&
        std::isfinite(max_temperature))) {
    labelkit::detail::fail(function, "need 0 < min_temperature <= max_temperature < inf (got ",
                           min_temperature, " and ", max_temperature, ")");
  }
}

}  // namespace detail
namespace prelabel {

/// Fits the temperature T that minimises the mean negative log-likelihood of softmax(z / T) on
/// `labels` (Guo et al. 2017). `logits` is n x C (rows are items); dividing by T > 0 keeps each
/// row's argmax, so accuracy is unchanged and only confidences move (T > 1 softens over-confident
/// outputs). The NLL is convex in beta = 1/T; safeguarded Newton on its derivative converges in
/// a handful of steps. T is searched in [min_temperature, max_temperature]; if the optimum lies
/// outside (e.g. T -> 0 on separable data), the bound is returned with `at_bound` set.
/// O(n*C) per step.
/// @throws labelkit::invalid_argument for an empty input, fewer than 2 columns, non-finite
/// logits, labels out of range, or a bad temperature range; labelkit::dimension_mismatch if
/// labels.size() != rows.
template <class Derived>
[[nodiscard]] TemperatureFit fit_temperature(const Eigen::MatrixBase<Derived>& logits,
                                             std::span<const int> labels,
                                             double min_temperature = 0.01,
                                             double max_temperature = 100.0) {
  detail::check_labels_for(logits, labels, "fit_temperature");
  labelkit::detail::check_finite(logits, "fit_temperature", "logits");
  detail::check_temperature_range(min_temperature, max_temperature, "fit_temperature");
  return detail::fit_temperature_impl(logits.template cast<double>(), labels, min_temperature,
                                      max_temperature);
}

/// Temperature scaling for a model that outputs probabilities: fits T on z = ln p, i.e. the
/// calibrated probabilities are p_c^(1/T) / sum_c' p_c'^(1/T). Zero probabilities stay zero
/// (ln 0 = -inf contributes nothing). Use the result with `ModelPreLabeler`'s temperature.
/// @throws labelkit::invalid_argument if a row is not a distribution, or an item's true class
/// has probability 0 (its likelihood is 0 at every T); otherwise as fit_temperature.
template <class Derived>
[[nodiscard]] TemperatureFit fit_temperature_from_probabilities(
    const Eigen::MatrixBase<Derived>& probabilities, std::span<const int> labels,
    double min_temperature = 0.01, double max_temperature = 100.0) {
  constexpr std::string_view function = "fit_temperature_from_probabilities";
  detail::check_labels_for(probabilities, labels, function);
  labelkit::detail::check_probabilities(probabilities, function, "probabilities");
  detail::check_temperature_range(min_temperature, max_temperature, function);
  Eigen::MatrixXd z = probabilities.template cast<double>();
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    if (!(z(i, labels[static_cast<std::size_t>(i)]) > 0.0)) {
      labelkit::detail::fail(function, "row ", i, " gives its true class ",
                             labels[static_cast<std::size_t>(i)],
                             " probability 0 (the likelihood is 0 at every temperature)");
    }
  }
  z = z.array().log().matrix();  // log 0 = -inf, handled by the fit
  return detail::fit_temperature_impl(z, labels, min_temperature, max_temperature);
}

/// softmax(z / T) row by row (rows are items), with the row maximum subtracted first.
/// @throws labelkit::invalid_argument if T is not finite and > 0, or the logits are empty or
/// not finite.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>
apply_temperature(const Eigen::MatrixBase<Derived>& logits, double temperature) {
  if (!(temperature > 0.0 && std::isfinite(temperature))) {
    labelkit::detail::fail("apply_temperature", "'temperature' must be finite and > 0 (got ",
                           temperature, ")");
  }
  labelkit::detail::check_nonempty_rows(logits, "apply_temperature", "logits");
  labelkit::detail::check_finite(logits, "apply_temperature", "logits");
  using Scalar = typename Derived::Scalar;
  using Plain = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Plain p = ((logits.colwise() - logits.rowwise().maxCoeff()).array() /
             static_cast<Scalar>(temperature))
                .exp()
                .matrix();
  p.array().colwise() /= p.array().rowwise().sum();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Calibrators for a single stated confidence

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
  [[nodiscard]] static HistogramBinning fit(std::span<const ReviewedItem> reviewed,
                                            int n_bins = 10) {
    HistogramBinning out;
    out.table_ = reliability_table(reviewed, n_bins);
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
  [[nodiscard]] static IsotonicCalibrator fit(std::span<const ReviewedItem> reviewed) {
    const auto [c, y] = detail::answered(reviewed, "IsotonicCalibrator::fit");
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
    const auto upper = static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), c) - x_.begin());
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
