#pragma once
/// @file
/// Reliability of pre-label confidences: equal-width bins of stated confidence against the
/// observed accuracy, and the expected and maximum calibration errors (Guo et al. 2017, "On
/// Calibration of Modern Neural Networks"). The bins are shared by `HistogramBinning`.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"
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

/// The mergeable state of a reliability table (labelkit::MergeableState): per equal-width
/// confidence bin, the item count and the exact sums of confidence and correctness
/// (detail::ExactSum), so a table built from shards merged in any order is the table of all the
/// items to the last bit. reliability_table() is its one-shard case.
class ReliabilityState {
 public:
  /// An empty state with `n_bins` equal-width bins over [0, 1].
  /// @throws labelkit::invalid_argument if n_bins < 1 or n_bins > labelkit::max_classes.
  explicit ReliabilityState(int n_bins = 15) {
    detail::check_bins(n_bins, "ReliabilityState");
    if (n_bins > labelkit::max_classes) {
      labelkit::detail::fail("ReliabilityState", "'n_bins' must be at most ", labelkit::max_classes,
                             " (got ", n_bins, ")");
    }
    bins_.resize(static_cast<std::size_t>(n_bins));
  }

  /// Adds items: stated confidences in [0, 1] and correctness in [0, 1] (1 right, 0 wrong,
  /// fractions as soft correctness). O(n). Nothing is added when it throws.
  /// @throws labelkit::invalid_argument for a value outside [0, 1] or NaN, or a confidence
  ///         that is not a vector; labelkit::dimension_mismatch if the lengths differ.
  template <class D1, class D2>
  void add(const Eigen::DenseBase<D1>& confidence, const Eigen::DenseBase<D2>& correct) {
    detail::check_confidence_pairs(confidence, correct, "ReliabilityState::add");
    const int n_bins = static_cast<int>(bins_.size());
    for (Eigen::Index i = 0; i < confidence.size(); ++i) {
      const auto c = static_cast<double>(confidence.derived().coeff(i));
      Bin& bin = bins_[static_cast<std::size_t>(detail::confidence_bin(c, n_bins))];
      ++bin.count;
      bin.confidence.add(c);
      bin.correct.add(static_cast<double>(correct.derived().coeff(i)));
    }
  }

  /// Merges another shard's state.
  /// @throws labelkit::dimension_mismatch if the bin counts differ.
  template <class = void>
  void merge(const ReliabilityState& other) {
    if (other.bins_.size() != bins_.size()) {
      labelkit::detail::fail<dimension_mismatch>("ReliabilityState::merge", "the states have ",
                                                 bins_.size(), " and ", other.bins_.size(),
                                                 " bins");
    }
    for (std::size_t k = 0; k < bins_.size(); ++k) {
      bins_[k].count = labelkit::detail::add_counts(bins_[k].count, other.bins_[k].count,
                                                    "ReliabilityState::merge");
      bins_[k].confidence.merge(other.bins_[k].confidence);
      bins_[k].correct.merge(other.bins_[k].correct);
    }
  }

  /// The reliability table: per bin its edges, count, mean confidence and accuracy, with the
  /// expected and maximum calibration errors (see reliability_table()).
  /// @throws labelkit::numerical_error if merges made the bins' counts sum beyond int64.
  template <class = void>
  [[nodiscard]] ReliabilityTable table() const {
    ReliabilityTable table;
    const auto n_bins = static_cast<double>(bins_.size());
    table.bins.resize(bins_.size());
    std::int64_t total = 0;  // every bin's count fits; their sum is checked
    for (const Bin& bin : bins_) {
      total = labelkit::detail::add_counts(total, bin.count, "ReliabilityState::table");
    }
    table.total = static_cast<Eigen::Index>(total);
    for (std::size_t k = 0; k < bins_.size(); ++k) {
      ReliabilityBin& out = table.bins[k];
      out.lower = static_cast<double>(k) / n_bins;
      out.upper = static_cast<double>(k + 1) / n_bins;
      out.count = static_cast<Eigen::Index>(bins_[k].count);
      if (out.count == 0) continue;
      out.mean_confidence = bins_[k].confidence.value() / static_cast<double>(out.count);
      out.accuracy = bins_[k].correct.value() / static_cast<double>(out.count);
      const double gap = std::abs(out.accuracy - out.mean_confidence);
      table.ece += static_cast<double>(out.count) / static_cast<double>(table.total) * gap;
      table.mce = std::max(table.mce, gap);
    }
    return table;
  }

  /// The number of bins.
  [[nodiscard]] int n_bins() const noexcept { return static_cast<int>(bins_.size()); }

  /// Tag "LKRELIA1", version 1, then the bin count and per bin its count and the two exact sums.
  template <class = void>
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    labelkit::detail::ByteWriter w("LKRELIA1", 1);
    w.u64(bins_.size());
    for (const Bin& bin : bins_) {
      w.i64(bin.count);
      bin.confidence.write(w);
      bin.correct.write(w);
    }
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, a bin count outside
  ///         [1, max_classes] or beyond the buffer, a negative count or counts whose sum
  ///         overflows int64, sums outside [0, count]
  ///         (confidence and correctness are in [0, 1]), or trailing bytes.
  template <class = void>
  [[nodiscard]] static ReliabilityState from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* fn = "ReliabilityState::from_bytes";
    labelkit::detail::ByteReader r(bytes, "LKRELIA1", 1, fn);
    const std::size_t n =
        r.count(104, static_cast<std::uint64_t>(labelkit::max_classes), "the bin count");
    if (n == 0) r.fail_at("a state has at least one bin");
    ReliabilityState s(static_cast<int>(n));
    std::int64_t total = 0;
    for (Bin& bin : s.bins_) {
      bin.count = r.non_negative(std::numeric_limits<std::int64_t>::max() - total, "a bin count");
      total += bin.count;  // at most INT64_MAX: the bins' counts sum without overflow
      bin.confidence = labelkit::detail::ExactSum::read(r);
      bin.correct = labelkit::detail::ExactSum::read(r);
      const auto within = [&](const labelkit::detail::ExactSum& sum) {
        const double v = sum.value();
        return v >= 0.0 && v <= static_cast<double>(bin.count);
      };
      if (!within(bin.confidence) || !within(bin.correct))
        r.fail_at("a bin's sums are outside [0, its count]");
    }
    r.finish();
    return s;
  }

  /// Equal counts and sums.
  friend bool operator==(const ReliabilityState&, const ReliabilityState&) = default;

 private:
  struct Bin {
    std::int64_t count = 0;
    labelkit::detail::ExactSum confidence;
    labelkit::detail::ExactSum correct;
    friend bool operator==(const Bin&, const Bin&) = default;
  };
  std::vector<Bin> bins_;
};

/// Reliability table of `confidence` (stated confidences, in [0, 1]) against `correct` (1 if
/// the pre-label was right, 0 if not; fractional values are allowed as soft correctness), in
/// `n_bins` equal-width bins [k/n, (k+1)/n) (the last bin includes 1). Empty bins are kept (count
/// 0) so tables of different runs line up. Bin means are exact sums rounded once (so the table
/// does not depend on the order of the items). O(n + n_bins).
/// @throws labelkit::invalid_argument if n_bins < 1, a confidence or correct value is outside
/// [0, 1] or NaN; labelkit::dimension_mismatch if the lengths differ.
template <class D1, class D2>
[[nodiscard]] ReliabilityTable reliability_table(const Eigen::DenseBase<D1>& confidence,
                                                 const Eigen::DenseBase<D2>& correct,
                                                 int n_bins = 15) {
  detail::check_bins(n_bins, "reliability_table");
  detail::check_confidence_pairs(confidence, correct, "reliability_table");  // names this call
  ReliabilityState state(n_bins);
  state.add(confidence, correct);
  return state.table();
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
