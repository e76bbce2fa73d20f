#pragma once
/// @file
/// Label-error detection with confident learning (Northcutt, Jiang & Chuang 2021, "Confident
/// Learning: Estimating Uncertainty in Dataset Labels", JAIR 70): per-class thresholds, the
/// confident joint, the estimated noise matrices, ranked label issues with a suggested label,
/// and per-item label quality scores; the simpler filters and the issue count of cleanlab
/// (`cleanlab.filter`, `cleanlab.rank`, `cleanlab.count`).
///
/// Inputs are the given (possibly noisy) labels and out-of-sample predicted probabilities
/// (rows are items, as from cross-validation: a model must not have trained on the item it
/// scores). Float and double inputs both work; results are double.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// How find_label_issues() picks the issues (cleanlab's `filter_by`).
enum class FilterBy {
  /// For each off-diagonal cell (given i, true j) of the confident joint, the n_ij items given
  /// i with the largest margin p_j - p_i.
  prune_by_noise_rate,
  /// For each given class i, the sum_{j != i} n_ij items given i with the lowest p_i.
  prune_by_class,
  /// Items chosen by both rules.
  both,
  /// The items counted in the off-diagonal cells of the (uncalibrated) confident joint.
  confident_learning,
  /// The items whose given label is not the model's argmax (a baseline).
  predicted_neq_given,
  /// The num_label_issues() items (off_diagonal estimate) with the lowest self-confidence
  /// p_{given}, ties to the lower index. Not subject to the argmax rule of find_label_issues().
  low_self_confidence,
  /// The num_label_issues() items (off_diagonal estimate) with the lowest normalised margin,
  /// ties to the lower index. Not subject to the argmax rule of find_label_issues().
  low_normalized_margin,
};

/// Per-item label quality score (higher = more likely correct).
enum class RankBy {
  /// p_{given}: the predicted probability of the given label.
  self_confidence,
  /// (p_{given} - max_{k != given} p_k + 1) / 2, in [0, 1].
  normalized_margin,
  /// Confidence-weighted entropy: with H the entropy of the row divided by ln C (in [0, 1])
  /// and x = H / p_{given}, the score is ln(1 + x) / x, in (0, 1]; 1 when x = 0 (the limit),
  /// 0 when p_{given} = 0. cleanlab clips p_{given} and x at 1e-6 from below, which gives 0
  /// (the worst score) to a one-hot prediction of the given label; labelkit gives it 1.
  confidence_weighted_entropy,
};

/// Options of find_label_issues().
struct LabelIssueOptions {
  FilterBy filter_by = FilterBy::prune_by_noise_rate;  ///< Which items count as issues.
  RankBy rank_by = RankBy::self_confidence;            ///< Order of issues and quality score.
  /// Fraction of the estimated number of issues to return (1 = all), in [0, 1].
  double frac_noise = 1.0;
  /// Never flag so many items of a given class that fewer than this many remain.
  Eigen::Index min_examples_per_class = 1;
  /// User-given per-class thresholds t_k (cleanlab's `thresholds` of
  /// `compute_confident_joint`), used instead of per_class_thresholds() for the confident
  /// joint. One entry per class; +infinity means "never confident"; NaN is refused.
  std::optional<Eigen::VectorXd> thresholds;
  /// How many items of each given class to flag (cleanlab's `num_to_remove_per_class`),
  /// instead of the confident joint's off-diagonal counts; only with the prune_by_* filters
  /// and both. prune_by_class flags exactly that many per class (fewer only where
  /// min_examples_per_class or the argmax rule keep some); prune_by_noise_rate spreads class
  /// i's count over the cells (i, j != i) in proportion to the confident joint's row i and flags
  /// at most that many (one item can top two cells).
  std::optional<std::vector<Eigen::Index>> num_to_remove_per_class;
};

/// How num_label_issues() estimates the number of issues (cleanlab's `estimation_method`).
enum class EstimationMethod {
  /// The items in the off-diagonal cells of the uncalibrated confident joint whose given label
  /// is not the model's argmax: the number find_label_issues() finds with
  /// FilterBy::confident_learning.
  off_diagonal,
  /// n - trace of the calibrated confident joint (rounded preserving its row totals); never
  /// below off_diagonal in practice, and the better estimate with few classes.
  off_diagonal_calibrated,
  /// As off_diagonal_calibrated, from a user-given confident joint (options.confident_joint):
  /// round(n · (1 - trace / sum)) of that joint calibrated to the given labels.
  off_diagonal_custom,
};

/// Options of num_label_issues().
struct NumLabelIssuesOptions {
  EstimationMethod estimation_method = EstimationMethod::off_diagonal;  ///< See EstimationMethod.
  /// User-given per-class thresholds (as LabelIssueOptions::thresholds).
  std::optional<Eigen::VectorXd> thresholds;
  /// The C x C confident joint (row = given label) for off_diagonal_custom; required there and
  /// refused otherwise.
  std::optional<Eigen::MatrixXd> confident_joint;
};

/// One likely label error.
struct LabelIssue {
  Eigen::Index index = 0;   ///< Row of the item.
  int given_label = 0;      ///< The label it has.
  int suggested_label = 0;  ///< argmax_{k != given} p_k (ties to the lower class).
  double quality = 0;       ///< Its label quality score (rank_by).

  /// Member-wise equality.
  friend bool operator==(const LabelIssue&, const LabelIssue&) = default;
};

/// The confident-learning estimates and the ranked issues.
struct LabelIssuesResult {
  Eigen::VectorXd thresholds;  ///< t_k, per class.
  /// C x C counts, row = given label, column = estimated true label; calibrated (rows sum to
  /// the given-label counts, total = n).
  Eigen::MatrixXd confident_joint;
  Eigen::MatrixXd noise_matrix;          ///< P(given = i | true = j), columns sum to 1.
  Eigen::MatrixXd inverse_noise_matrix;  ///< P(true = j | given = i), rows sum to 1.
  std::vector<LabelIssue> issues;        ///< Most likely errors first (quality asc, index asc).
  Eigen::VectorXd quality;               ///< Label quality score of every item.
  std::vector<int> suggested_labels;     ///< argmax_{k != given} p_k for every item.
};

}  // namespace quality
namespace detail {

template <class Derived>
void check_labels_and_probabilities(std::span<const int> labels,
                                    const Eigen::MatrixBase<Derived>& p,
                                    std::string_view function) {
  labelkit::detail::check_probabilities(p, function, "probabilities");
  if (p.cols() < 2) {
    labelkit::detail::fail(function, "'probabilities' must have at least 2 columns (got ", p.cols(),
                           ")");
  }
  labelkit::detail::check_class_count(p.cols(), function, "probabilities.cols()");
  labelkit::detail::check_allocation(
      {4, static_cast<std::size_t>(p.cols()), static_cast<std::size_t>(p.cols())}, sizeof(double),
      function, "the classes x classes joint and noise matrices");
  if (static_cast<Eigen::Index>(labels.size()) != p.rows()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labels' has ", labels.size(),
                                               " entries but 'probabilities' has ", p.rows(),
                                               " rows (expected one label per row)");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= p.cols()) {
      labelkit::detail::fail(function, "'labels' entry ", i, " is outside [0, ", p.cols(),
                             ") (got ", labels[i], ")");
    }
  }
}

/// Per-class thresholds of already validated input: ThresholdState of all the items (one
/// shard).
template <class Derived>
Eigen::VectorXd thresholds_unchecked(std::span<const int> labels,
                                     const Eigen::MatrixBase<Derived>& p);

/// Per item: the confidently-assigned true class, or -1.
template <class Derived>
std::vector<int> confident_classes(const Eigen::MatrixBase<Derived>& p, const Eigen::VectorXd& t) {
  std::vector<int> out(static_cast<std::size_t>(p.rows()), -1);
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    int best = -1;
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      const auto v = static_cast<double>(p(i, k));
      if (v >= t(k) && (best < 0 || v > static_cast<double>(p(i, best)))) {
        best = static_cast<int>(k);
      }
    }
    out[static_cast<std::size_t>(i)] = best;
  }
  return out;
}

/// The confident joint calibrated: each row rescaled to its given-label count, then the whole
/// to the number of items (Northcutt et al. 2021, eq. 2).
template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> calibrate(
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& joint,
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& label_counts) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> cj = joint;
  for (Eigen::Index i = 0; i < cj.rows(); ++i) {
    const double row = cj.row(i).sum();
    if (row > 0) cj.row(i) *= label_counts(i) / row;
  }
  const double total = cj.sum();
  if (total > 0) cj *= label_counts.sum() / total;
  return cj;
}

/// Rounds a non-negative vector to integers preserving its (rounded) total: largest remainders
/// get the leftover units, ties to the lower index. A template (on the value type, double) so
/// that its sort is compiled only where it is used.
template <class Real>
std::vector<Eigen::Index> round_preserving_total(const std::vector<Real>& v) {
  const double total = std::accumulate(v.begin(), v.end(), 0.0);
  auto target = static_cast<Eigen::Index>(std::llround(total));
  std::vector<Eigen::Index> out(v.size());
  std::vector<std::size_t> order(v.size());
  Eigen::Index assigned = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    out[k] = static_cast<Eigen::Index>(std::floor(v[k]));
    assigned += out[k];
    order[k] = k;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return v[a] - std::floor(v[a]) > v[b] - std::floor(v[b]);
  });
  for (std::size_t r = 0; r < order.size() && assigned < target; ++r, ++assigned) ++out[order[r]];
  return out;
}

template <class Derived>
double quality_score(const Eigen::MatrixBase<Derived>& p, Eigen::Index i, int y,
                     quality::RankBy rank_by) {
  const auto self = static_cast<double>(p(i, y));
  if (rank_by == quality::RankBy::self_confidence) return self;
  if (rank_by == quality::RankBy::confidence_weighted_entropy) {
    double entropy = 0;  // 0 · ln 0 = 0
    for (Eigen::Index k = 0; k < p.cols(); ++k) {
      const auto v = static_cast<double>(p(i, k));
      if (v > 0) entropy -= v * std::log(v);
    }
    entropy /= std::log(static_cast<double>(p.cols()));
    if (self <= 0) return 0;
    const double x = entropy / self;
    return x > 0 ? std::log1p(x) / x : 1.0;
  }
  double other = -1;
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    if (k != y) other = std::max(other, static_cast<double>(p(i, k)));
  }
  return (self - other + 1) / 2;
}

/// Refuses user-given thresholds of the wrong size or with a NaN.
template <class Derived>
void check_thresholds(const Eigen::MatrixBase<Derived>& t, Eigen::Index c,
                      std::string_view function) {
  if (t.size() != c) {
    labelkit::detail::fail<dimension_mismatch>(function, "'options.thresholds' has ", t.size(),
                                               " entries but there are ", c,
                                               " classes (expected one per class)");
  }
  for (Eigen::Index k = 0; k < c; ++k) {
    if (std::isnan(static_cast<double>(t(k)))) {
      labelkit::detail::fail(function, "'options.thresholds' entry ", k, " is NaN");
    }
  }
}

/// The uncalibrated confident joint (diagonal not yet floored) and the given-label counts:
/// ConfidentJointState of all the items (one shard).
template <class Derived>
std::pair<Eigen::MatrixXd, Eigen::VectorXd> raw_joint(std::span<const int> labels,
                                                      const Eigen::MatrixBase<Derived>& p,
                                                      const std::vector<int>& guess);

}  // namespace detail
namespace quality {

/// The mergeable state of per_class_thresholds() (see labelkit/core/mergeable.hpp): per class,
/// the exact sum (detail::ExactSum) of p_k over the items given k, their count, and the least
/// and largest of those values. Sums are exact and minima and maxima merge exactly, so the
/// thresholds of merged shards are the same bits as those of one shard holding every item,
/// whatever the partition and the merge order. Satisfies labelkit::MergeableState.
///
/// t_k = clamp(sum_k / n_k, low_k, high_k), the correctly rounded sum divided by the count and
/// clamped to the range of the values averaged, so that t_k is exactly p when every item given
/// k has p_k = p (the exact test p_k >= t_k then counts all of them); +infinity for a class
/// nobody was given. 48 + 24 bytes per class.
class ThresholdState {
 public:
  /// The state of no items over `n_classes` classes.
  /// @throws labelkit::invalid_argument unless 2 <= n_classes <= labelkit::max_classes.
  explicit ThresholdState(int n_classes = 2) {
    detail::check_class_count(n_classes, "ThresholdState", "n_classes");
    if (n_classes < 2) detail::fail("ThresholdState", "'n_classes' must be at least 2");
    const auto c = static_cast<std::size_t>(n_classes);
    sum_.resize(c);
    count_.assign(c, 0);
    low_.assign(c, std::numeric_limits<double>::infinity());
    high_.assign(c, -std::numeric_limits<double>::infinity());
  }

  /// The state of one shard: labels[i] is item i's given label, row i of `probabilities` its
  /// predicted probabilities (rows are items). A shard of no items (no labels, no rows) gives
  /// an empty state.
  /// @throws as per_class_thresholds() (except for an empty shard); labelkit::invalid_argument
  ///   unless 2 <= probabilities.cols() <= labelkit::max_classes.
  template <class Derived>
  [[nodiscard]] static ThresholdState of(std::span<const int> labels,
                                         const Eigen::MatrixBase<Derived>& probabilities) {
    // An empty shard (no labels, no rows) is a valid shard: its state is empty.
    if (!(labels.empty() && probabilities.rows() == 0))
      detail::check_labels_and_probabilities(labels, probabilities, "ThresholdState::of");
    ThresholdState s(static_cast<int>(probabilities.cols()));
    s.add_unchecked(labels, probabilities);
    return s;
  }

  /// Adds validated items (labels in [0, C), probabilities in [0, 1]).
  template <class Derived>
  void add_unchecked(std::span<const int> labels, const Eigen::MatrixBase<Derived>& p) {
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      const auto y = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
      const auto v = static_cast<double>(p(i, static_cast<Eigen::Index>(y)));
      sum_[y].add(v);
      ++count_[y];
      low_[y] = std::min(low_[y], v);
      high_[y] = std::max(high_[y], v);
    }
  }

  /// Merges another shard's state.
  /// @throws labelkit::dimension_mismatch if the class counts differ;
  ///   labelkit::numerical_error if a count overflows int64.
  template <class = void>
  void merge(const ThresholdState& other) {
    constexpr const char* function = "ThresholdState::merge";
    if (other.count_.size() != count_.size()) {
      detail::fail<dimension_mismatch>(function, "the states have ", count_.size(), " and ",
                                       other.count_.size(), " classes");
    }
    ThresholdState m = *this;
    for (std::size_t k = 0; k < count_.size(); ++k) {
      m.sum_[k].merge(other.sum_[k]);
      m.count_[k] = detail::add_counts(count_[k], other.count_[k], function);
      m.low_[k] = std::min(low_[k], other.low_[k]);
      m.high_[k] = std::max(high_[k], other.high_[k]);
    }
    *this = std::move(m);
  }

  /// The per-class thresholds t_k (see the class comment).
  /// @tparam Scalar double (a template parameter so that the function is compiled only where
  ///   it is used).
  template <class Scalar = double>
  [[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, 1> thresholds() const {
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> t(static_cast<Eigen::Index>(count_.size()));
    for (std::size_t k = 0; k < count_.size(); ++k) {
      t(static_cast<Eigen::Index>(k)) =
          count_[k] > 0
              ? std::clamp(sum_[k].value() / static_cast<double>(count_[k]), low_[k], high_[k])
              : std::numeric_limits<double>::infinity();
    }
    return t;
  }

  /// The number of classes C.
  [[nodiscard]] int n_classes() const noexcept { return static_cast<int>(count_.size()); }

  /// Tag "LKTHRESH", version 1, then C and per class the exact sum (six limbs), the count, the
  /// least and the largest value.
  template <class = void>
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKTHRESH", 1);
    w.i64(static_cast<std::int64_t>(count_.size()));
    for (std::size_t k = 0; k < count_.size(); ++k) {
      sum_[k].write(w);
      w.i64(count_[k]);
      w.f64(low_[k]);
      w.f64(high_[k]);
    }
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, C outside [2, max_classes] or
  ///   more classes than the buffer holds, a negative count, a class with no items whose sum or
  ///   range is not empty, a class with items whose least or largest value is outside [0, 1]
  ///   or whose sum is outside [n_k low_k, n_k high_k] (rounded), or trailing bytes.
  template <class = void>
  [[nodiscard]] static ThresholdState from_bytes(std::span<const std::byte> bytes) {
    detail::ByteReader r(bytes, "LKTHRESH", 1, "ThresholdState::from_bytes");
    const std::int64_t c = r.i64();
    if (c < 2 || c > labelkit::max_classes)
      r.fail_at("the class count is outside [2, max_classes]");
    if ((bytes.size() - r.position()) / 72 < static_cast<std::size_t>(c))
      r.fail_at("the buffer is shorter than C classes");
    ThresholdState s(static_cast<int>(c));
    for (std::size_t k = 0; k < static_cast<std::size_t>(c); ++k) {
      s.sum_[k] = detail::ExactSum::read(r);
      s.count_[k] = r.non_negative(std::numeric_limits<std::int64_t>::max(), "a class count");
      s.low_[k] = r.f64();
      s.high_[k] = r.f64();
      const double sum = s.sum_[k].value();
      if (s.count_[k] == 0) {
        if (sum != 0 || s.low_[k] != std::numeric_limits<double>::infinity() ||
            s.high_[k] != -std::numeric_limits<double>::infinity()) {
          r.fail_at("a class without items has a sum or a range");
        }
      } else {
        const auto n = static_cast<double>(s.count_[k]);
        if (!(s.low_[k] >= 0 && s.low_[k] <= s.high_[k] && s.high_[k] <= 1) ||
            !(sum >= s.low_[k] * n * (1 - 0x1p-50) && sum <= s.high_[k] * n * (1 + 0x1p-50))) {
          r.fail_at("a class's values, range or sum are inconsistent (expected values in [0, 1])");
        }
      }
    }
    r.finish();
    return s;
  }

  /// Equal states (bit for bit).
  friend bool operator==(const ThresholdState&, const ThresholdState&) = default;

 private:
  std::vector<detail::ExactSum> sum_;
  std::vector<std::int64_t> count_;
  std::vector<double> low_;
  std::vector<double> high_;
};

/// The mergeable state of confident_joint(): the uncalibrated confident joint (integer counts
/// of items given i confidently assigned to j) and the given-label counts, under thresholds
/// fixed beforehand (the merged ThresholdState's, or the user's). Integer counts merge exactly.
/// Satisfies labelkit::MergeableState. 8 (C^2 + C) + 20 bytes.
class ConfidentJointState {
 public:
  /// The state of no items over `n_classes` classes.
  /// @throws labelkit::invalid_argument unless 2 <= n_classes <= labelkit::max_classes.
  explicit ConfidentJointState(int n_classes = 2) {
    detail::check_class_count(n_classes, "ConfidentJointState", "n_classes");
    if (n_classes < 2) detail::fail("ConfidentJointState", "'n_classes' must be at least 2");
    c_ = static_cast<std::size_t>(n_classes);
    joint_.assign(c_ * c_, 0);
    given_.assign(c_, 0);
  }

  /// The state of one shard under per-class `thresholds` (one per class, none NaN). A shard of
  /// no items gives an empty state.
  /// @throws as confident_joint(labels, probabilities, thresholds) (except for an empty shard).
  template <class Derived, class ThresholdsDerived>
  [[nodiscard]] static ConfidentJointState of(
      std::span<const int> labels, const Eigen::MatrixBase<Derived>& probabilities,
      const Eigen::MatrixBase<ThresholdsDerived>& thresholds) {
    constexpr const char* function = "ConfidentJointState::of";
    // An empty shard (no labels, no rows) is a valid shard: its state is empty.
    if (!(labels.empty() && probabilities.rows() == 0))
      detail::check_labels_and_probabilities(labels, probabilities, function);
    detail::check_thresholds(thresholds, probabilities.cols(), function);
    ConfidentJointState s(static_cast<int>(probabilities.cols()));
    const Eigen::VectorXd t = thresholds.template cast<double>();
    s.count(labels, detail::confident_classes(probabilities, t));
    return s;
  }

  /// Counts validated items: labels[i] given, guess[i] the confidently assigned class or -1.
  void count(std::span<const int> labels, const std::vector<int>& guess) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const auto y = static_cast<std::size_t>(labels[i]);
      ++given_[y];
      if (guess[i] >= 0) ++joint_[y * c_ + static_cast<std::size_t>(guess[i])];
    }
  }

  /// Merges another shard's state.
  /// @throws labelkit::dimension_mismatch if the class counts differ;
  ///   labelkit::numerical_error if a count overflows int64.
  template <class = void>
  void merge(const ConfidentJointState& other) {
    constexpr const char* function = "ConfidentJointState::merge";
    if (other.c_ != c_) {
      detail::fail<dimension_mismatch>(function, "the states have ", c_, " and ", other.c_,
                                       " classes");
    }
    ConfidentJointState m = *this;
    for (std::size_t i = 0; i < joint_.size(); ++i)
      m.joint_[i] = detail::add_counts(joint_[i], other.joint_[i], function);
    for (std::size_t k = 0; k < c_; ++k)
      m.given_[k] = detail::add_counts(given_[k], other.given_[k], function);
    *this = std::move(m);
  }

  /// The uncalibrated confident joint (rows: given label, columns: confident class) and the
  /// given-label counts, as doubles (exact below 2^53 items).
  /// @tparam Scalar double (a template parameter so that the function is compiled only where
  ///   it is used).
  template <class Scalar = double>
  [[nodiscard]] std::pair<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>,
                          Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>
  raw() const {
    const auto c = static_cast<Eigen::Index>(c_);
    std::pair<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>,
              Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>
        out{Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>(c, c),
            Eigen::Matrix<Scalar, Eigen::Dynamic, 1>(c)};
    for (std::size_t i = 0; i < c_; ++i) {
      out.second(static_cast<Eigen::Index>(i)) = static_cast<Scalar>(given_[i]);
      for (std::size_t j = 0; j < c_; ++j)
        out.first(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            static_cast<Scalar>(joint_[i * c_ + j]);
    }
    return out;
  }

  /// The confident joint as confident_joint() returns it: the diagonal raised to at least 1,
  /// then, with `calibrate`, rows rescaled to the given-label counts and the whole to n.
  /// @tparam Scalar as raw().
  template <class Scalar = double>
  [[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> joint(
      bool calibrate = true) const {
    auto [j, given] = raw<Scalar>();
    for (Eigen::Index k = 0; k < j.rows(); ++k) j(k, k) = std::max(j(k, k), Scalar(1));
    return calibrate ? detail::calibrate(j, given) : j;
  }

  /// The number of classes C.
  [[nodiscard]] int n_classes() const noexcept { return static_cast<int>(c_); }

  /// Tag "LKCJOINT", version 1, then C, the C x C counts row by row and the C given counts.
  template <class = void>
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKCJOINT", 1);
    w.i64(static_cast<std::int64_t>(c_));
    for (const std::int64_t v : joint_) w.i64(v);
    for (const std::int64_t v : given_) w.i64(v);
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, C outside [2, max_classes] or
  ///   more counts than the buffer holds, a negative count, a row of the joint whose total
  ///   exceeds its given count, or trailing bytes.
  template <class = void>
  [[nodiscard]] static ConfidentJointState from_bytes(std::span<const std::byte> bytes) {
    detail::ByteReader r(bytes, "LKCJOINT", 1, "ConfidentJointState::from_bytes");
    const std::int64_t c = r.i64();
    if (c < 2 || c > labelkit::max_classes)
      r.fail_at("the class count is outside [2, max_classes]");
    const auto n = static_cast<std::size_t>(c);
    if ((bytes.size() - r.position()) / 8 < n * n + n)
      r.fail_at("the buffer is shorter than C^2 + C counts");
    ConfidentJointState s(static_cast<int>(c));
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    for (auto& v : s.joint_) v = r.non_negative(max, "a joint count");
    for (auto& v : s.given_) v = r.non_negative(max, "a given-label count");
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t row = 0;
      for (std::size_t j = 0; j < n; ++j) {
        row += s.joint_[i * n + j];
        if (row < 0 || row > s.given_[i]) r.fail_at("a joint row exceeds its given-label count");
      }
    }
    r.finish();
    return s;
  }

  /// Equal states.
  friend bool operator==(const ConfidentJointState&, const ConfidentJointState&) = default;

 private:
  std::size_t c_ = 2;
  std::vector<std::int64_t> joint_;
  std::vector<std::int64_t> given_;
};

}  // namespace quality
namespace detail {

template <class Derived>
Eigen::VectorXd thresholds_unchecked(std::span<const int> labels,
                                     const Eigen::MatrixBase<Derived>& p) {
  quality::ThresholdState s(static_cast<int>(p.cols()));
  s.add_unchecked(labels, p);
  return s.thresholds();
}

template <class Derived>
std::pair<Eigen::MatrixXd, Eigen::VectorXd> raw_joint(std::span<const int> labels,
                                                      const Eigen::MatrixBase<Derived>& p,
                                                      const std::vector<int>& guess) {
  quality::ConfidentJointState s(static_cast<int>(p.cols()));
  s.count(labels, guess);
  return s.raw();
}

/// Whether the given label is a (possibly tied) argmax of row i: such an item is never a label
/// issue (cleanlab's `_reduce_issues`, which adds 1e-6 to p_{given} before its argmax).
template <class Derived>
bool given_is_argmax(const Eigen::MatrixBase<Derived>& p, Eigen::Index i, int y) {
  const auto self = static_cast<double>(p(i, y));
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    if (static_cast<double>(p(i, k)) > self) return false;
  }
  return true;
}

/// The off_diagonal estimate of num_label_issues(): items confidently assigned to a class other
/// than their given one, and whose given label is not the argmax.
template <class Derived>
Eigen::Index count_off_diagonal(std::span<const int> labels, const Eigen::MatrixBase<Derived>& p,
                                const std::vector<int>& guess) {
  Eigen::Index count = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    if (guess[i] >= 0 && guess[i] != labels[i] && !given_is_argmax(p, r, labels[i])) ++count;
  }
  return count;
}

template <class Derived>
int suggested(const Eigen::MatrixBase<Derived>& p, Eigen::Index i, int y) {
  int best = -1;
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    if (k == y) continue;
    if (best < 0 || p(i, k) > p(i, best)) best = static_cast<int>(k);
  }
  return best;
}

}  // namespace detail
namespace quality {

/// Per-class thresholds t_k = mean of p_k over the items given label k (the model's average
/// self-confidence on class k). A class nobody was given gets +infinity (never confident).
/// ThresholdState(labels, probabilities).thresholds(): the one-shard case of
/// distributed::per_class_thresholds.
///
/// The mean is summed exactly (detail::ExactSum, correctly rounded) and clamped to the range of the
/// values averaged, so t_k is exactly p when every item given k has p_k = p, and the exact test p_k
/// >= t_k then counts all of them. (cleanlab compares against t_k - 1e-6 instead; the two agree
/// except for probabilities within 1e-6 below a threshold.) O(n·C).
/// @throws labelkit::invalid_argument if `probabilities` is not a valid probability matrix with
///   >= 2 columns, or a label is outside [0, C); labelkit::dimension_mismatch if the sizes differ.
template <class Derived>
[[nodiscard]] Eigen::VectorXd per_class_thresholds(
    std::span<const int> labels, const Eigen::MatrixBase<Derived>& probabilities) {
  detail::check_labels_and_probabilities(labels, probabilities, "per_class_thresholds");
  return detail::thresholds_unchecked(labels, probabilities);
}

/// The confident joint C[i][j]: the number of items given label i whose predicted
/// probability for j reaches t_j (if several classes do, the one with the largest p; ties to
/// the lower class). With `calibrate`, each row is rescaled to the number of items given i
/// and the whole to n (Northcutt et al. 2021, eq. 2). As in cleanlab, the diagonal is raised
/// to at least 1 before calibration, so that every given class keeps one confident example.
/// O(n·C + C²).
/// @throws as per_class_thresholds().
template <class Derived>
[[nodiscard]] Eigen::MatrixXd confident_joint(std::span<const int> labels,
                                              const Eigen::MatrixBase<Derived>& probabilities,
                                              bool calibrate = true) {
  detail::check_labels_and_probabilities(labels, probabilities, "confident_joint");
  const auto t = detail::thresholds_unchecked(labels, probabilities);
  ConfidentJointState s(static_cast<int>(probabilities.cols()));
  s.count(labels, detail::confident_classes(probabilities, t));
  return s.joint(calibrate);
}

/// The confident joint with user-given per-class thresholds t_k (cleanlab's
/// `compute_confident_joint(thresholds=...)`): an item counts in (given i, j) when
/// p_j >= t_j (the largest such p if several; ties to the lower class). Otherwise as
/// confident_joint() above. O(n·C + C²).
/// @throws as per_class_thresholds(); labelkit::dimension_mismatch if `thresholds` does not
///   have one entry per class, labelkit::invalid_argument if one is NaN.
template <class Derived>
[[nodiscard]] Eigen::MatrixXd confident_joint(std::span<const int> labels,
                                              const Eigen::MatrixBase<Derived>& probabilities,
                                              const Eigen::VectorXd& thresholds,
                                              bool calibrate = true) {
  return ConfidentJointState::of(labels, probabilities, thresholds).joint(calibrate);
}

/// Estimated noise matrices from a (calibrated) confident joint: with Q = joint / sum(joint),
/// noise_matrix(i, j) = P(given = i | true = j) = Q(i, j) / sum_i Q(i, j) and
/// inverse_noise_matrix(i, j) = P(true = j | given = i) = Q(i, j) / sum_j Q(i, j). A zero column
/// (or row) is returned as the identity column (row).
struct NoiseMatrices {
  Eigen::MatrixXd noise_matrix;          ///< P(given = i | true = j).
  Eigen::MatrixXd inverse_noise_matrix;  ///< P(true = j | given = i).
  Eigen::VectorXd true_prior;            ///< P(true = j), the column sums of Q.
};

/// See NoiseMatrices. O(C²).
/// @throws labelkit::invalid_argument if `joint` is not square, is empty, or has a negative or
///   non-finite entry.
/// @tparam Scalar the scalar of `joint` (double; a template parameter, never deduced, so that
///   the function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] NoiseMatrices estimate_noise_matrices(
    const Eigen::Matrix<std::type_identity_t<Scalar>, Eigen::Dynamic, Eigen::Dynamic>& joint) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  constexpr const char* function = "estimate_noise_matrices";
  if (joint.rows() != joint.cols() || joint.rows() == 0) {
    labelkit::detail::fail(function, "'joint' must be a non-empty square matrix (got ",
                           joint.rows(), " x ", joint.cols(), ")");
  }
  labelkit::detail::check_finite(joint, function, "joint");
  if ((joint.array() < 0).any()) labelkit::detail::fail(function, "'joint' has a negative entry");
  const Eigen::Index c = joint.rows();
  const double total = joint.sum();
  NoiseMatrices m;
  m.noise_matrix = Matrix::Identity(c, c);
  m.inverse_noise_matrix = Matrix::Identity(c, c);
  m.true_prior = Vector::Zero(c);
  for (Eigen::Index j = 0; j < c; ++j) {
    const double column = joint.col(j).sum();
    if (column > 0) m.noise_matrix.col(j) = joint.col(j) / column;
    if (total > 0) m.true_prior(j) = column / total;
  }
  for (Eigen::Index i = 0; i < c; ++i) {
    const double row = joint.row(i).sum();
    if (row > 0) m.inverse_noise_matrix.row(i) = joint.row(i) / row;
  }
  return m;
}

/// Per-item label quality scores (higher = more likely correct), see RankBy. O(n·C).
/// @throws as per_class_thresholds().
template <class Derived>
[[nodiscard]] Eigen::VectorXd label_quality_scores(std::span<const int> labels,
                                                   const Eigen::MatrixBase<Derived>& probabilities,
                                                   RankBy rank_by = RankBy::self_confidence) {
  detail::check_labels_and_probabilities(labels, probabilities, "label_quality_scores");
  Eigen::VectorXd q(probabilities.rows());
  for (Eigen::Index i = 0; i < q.size(); ++i) {
    q(i) = detail::quality_score(probabilities, i, labels[static_cast<std::size_t>(i)], rank_by);
  }
  return q;
}

/// Finds likely label errors with confident learning, or with one of cleanlab's simpler
/// filters (see FilterBy).
///
/// Steps for the prune_by_* filters and both: thresholds t_k (or options.thresholds); the
/// confident joint, calibrated and rounded to integers preserving each row total; for each
/// given class i the number of issues n_ij = round(frac_noise · C_ij) per off-diagonal cell
/// (or options.num_to_remove_per_class[i] spread over the row, frac_noise then unused), capped
/// so that at least min_examples_per_class items of class i remain; then the items per
/// `filter_by`. As in cleanlab, an item whose given label is the model's argmax (ties
/// included) is never an issue, except under low_self_confidence and low_normalized_margin,
/// which flag exactly num_label_issues() items. Issues are ranked by the quality score
/// (`rank_by`; lowest first, ties to the lower index) and carry a suggested label.
///
/// Complexity O(n·C + n log n) time, O(n + C²) extra memory.
/// @throws labelkit::invalid_argument for invalid probabilities (NaN, outside [0, 1], rows not
///   summing to 1; naming the row), fewer than 2 columns, a label outside [0, C) (naming the
///   entry), frac_noise outside [0, 1], min_examples_per_class < 0, a NaN threshold, a
///   negative num_to_remove_per_class entry or num_to_remove_per_class with a filter other
///   than the prune_by_* ones and both; labelkit::dimension_mismatch if labels and rows differ
///   in number, or thresholds / num_to_remove_per_class do not have one entry per class.
template <class Derived>
[[nodiscard]] LabelIssuesResult find_label_issues(std::span<const int> labels,
                                                  const Eigen::MatrixBase<Derived>& probabilities,
                                                  LabelIssueOptions options = {}) {
  constexpr const char* function = "find_label_issues";
  detail::check_labels_and_probabilities(labels, probabilities, function);
  if (!(options.frac_noise >= 0 && options.frac_noise <= 1)) {
    labelkit::detail::fail(function, "'options.frac_noise' must lie in [0, 1] (got ",
                           options.frac_noise, ")");
  }
  if (options.min_examples_per_class < 0) {
    labelkit::detail::fail(function, "'options.min_examples_per_class' is negative (got ",
                           options.min_examples_per_class, ")");
  }
  const auto& p = probabilities;
  const Eigen::Index n = p.rows();
  const Eigen::Index c = p.cols();
  if (options.thresholds) detail::check_thresholds(*options.thresholds, c, function);
  const bool want_noise_rate =
      options.filter_by == FilterBy::prune_by_noise_rate || options.filter_by == FilterBy::both;
  const bool want_class =
      options.filter_by == FilterBy::prune_by_class || options.filter_by == FilterBy::both;
  const bool low_score = options.filter_by == FilterBy::low_self_confidence ||
                         options.filter_by == FilterBy::low_normalized_margin;
  if (options.num_to_remove_per_class) {
    const auto& remove = *options.num_to_remove_per_class;
    if (!want_noise_rate && !want_class) {
      labelkit::detail::fail(function,
                             "'options.num_to_remove_per_class' needs filter_by "
                             "prune_by_noise_rate, prune_by_class or both (got filter_by ",
                             static_cast<int>(options.filter_by), ")");
    }
    if (static_cast<Eigen::Index>(remove.size()) != c) {
      labelkit::detail::fail<dimension_mismatch>(function, "'options.num_to_remove_per_class' has ",
                                                 remove.size(), " entries but there are ", c,
                                                 " classes (expected one per class)");
    }
    for (std::size_t k = 0; k < remove.size(); ++k) {
      if (remove[k] < 0) {
        labelkit::detail::fail(function, "'options.num_to_remove_per_class' entry ", k,
                               " is negative (got ", remove[k], ")");
      }
    }
  }
  LabelIssuesResult result;
  result.thresholds =
      options.thresholds ? *options.thresholds : detail::thresholds_unchecked(labels, p);
  const auto guess = detail::confident_classes(p, result.thresholds);
  auto [floored, label_counts] = detail::raw_joint(labels, p, guess);
  for (Eigen::Index k = 0; k < c; ++k) floored(k, k) = std::max(floored(k, k), 1.0);
  result.confident_joint = detail::calibrate(floored, label_counts);
  const auto noise = estimate_noise_matrices(result.confident_joint);
  result.noise_matrix = noise.noise_matrix;
  result.inverse_noise_matrix = noise.inverse_noise_matrix;

  result.quality.resize(n);
  result.suggested_labels.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const int y = labels[static_cast<std::size_t>(i)];
    result.quality(i) = detail::quality_score(p, i, y, options.rank_by);
    result.suggested_labels[static_cast<std::size_t>(i)] = detail::suggested(p, i, y);
  }

  std::vector<char> flagged(static_cast<std::size_t>(n), 0);
  std::vector<std::pair<double, Eigen::Index>> scored;
  // Ascending key, ties to the lower row.
  auto before = [](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && a.second < b.second);
  };
  if (want_noise_rate || want_class) {
    // Items to remove per (given i, true j): from the rounded calibrated joint, or the user's
    // per-class counts spread over row i in proportion to it.
    std::vector<std::vector<Eigen::Index>> to_remove(static_cast<std::size_t>(c));
    std::vector<double> row(static_cast<std::size_t>(c));
    std::vector<double> wanted(static_cast<std::size_t>(c));
    for (Eigen::Index i = 0; i < c; ++i) {
      for (Eigen::Index j = 0; j < c; ++j)
        row[static_cast<std::size_t>(j)] = result.confident_joint(i, j);
      const auto rounded = detail::round_preserving_total(row);
      std::fill(wanted.begin(), wanted.end(), 0.0);
      double total = 0;
      if (options.num_to_remove_per_class) {
        const auto count =
            static_cast<double>((*options.num_to_remove_per_class)[static_cast<std::size_t>(i)]);
        double off = 0;
        for (Eigen::Index j = 0; j < c; ++j)
          off += j == i ? 0.0 : static_cast<double>(rounded[static_cast<std::size_t>(j)]);
        for (Eigen::Index j = 0; j < c; ++j) {
          if (j == i) continue;
          const double share = off > 0
                                   ? static_cast<double>(rounded[static_cast<std::size_t>(j)]) / off
                                   : 1.0 / static_cast<double>(c - 1);
          wanted[static_cast<std::size_t>(j)] = count * share;
        }
        total = count;
      } else {
        for (Eigen::Index j = 0; j < c; ++j) {
          if (j == i) continue;
          wanted[static_cast<std::size_t>(j)] = std::round(
              options.frac_noise * static_cast<double>(rounded[static_cast<std::size_t>(j)]));
          total += wanted[static_cast<std::size_t>(j)];
        }
      }
      const double cap =
          std::max(0.0, label_counts(i) - static_cast<double>(options.min_examples_per_class));
      if (total > cap) {
        for (auto& w : wanted) w *= cap / total;
      }
      to_remove[static_cast<std::size_t>(i)] = detail::round_preserving_total(wanted);
    }

    // Rows grouped by given label.
    std::vector<std::vector<Eigen::Index>> by_class(static_cast<std::size_t>(c));
    for (Eigen::Index i = 0; i < n; ++i)
      by_class[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])].push_back(i);

    std::vector<char> by_noise_rate(static_cast<std::size_t>(n), 0);
    std::vector<char> by_class_mask(static_cast<std::size_t>(n), 0);
    // Marks the `count` members of `rows` with the lowest key (ties to the lower row).
    auto mark_lowest = [&](const std::vector<Eigen::Index>& rows, Eigen::Index count, auto key,
                           std::vector<char>& mask) {
      if (count <= 0) return;
      scored.clear();
      for (const Eigen::Index r : rows) scored.emplace_back(key(r), r);
      const auto k = std::min<std::size_t>(static_cast<std::size_t>(count), scored.size());
      if (k == 0) return;
      std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k) - 1,
                       scored.end(), before);
      for (std::size_t r = 0; r < k; ++r) mask[static_cast<std::size_t>(scored[r].second)] = 1;
    };
    for (Eigen::Index i = 0; i < c; ++i) {
      const auto& rows = by_class[static_cast<std::size_t>(i)];
      const auto& counts = to_remove[static_cast<std::size_t>(i)];
      if (want_noise_rate) {
        // Cell (i, j): the items given i with the largest margin p_j - p_i.
        for (Eigen::Index j = 0; j < c; ++j) {
          if (j == i) continue;
          mark_lowest(
              rows, counts[static_cast<std::size_t>(j)],
              [&](Eigen::Index r) {
                return static_cast<double>(p(r, i)) - static_cast<double>(p(r, j));
              },
              by_noise_rate);
        }
      }
      if (want_class) {
        Eigen::Index total = 0;
        for (Eigen::Index j = 0; j < c; ++j)
          total += j == i ? 0 : counts[static_cast<std::size_t>(j)];
        mark_lowest(
            rows, total, [&](Eigen::Index r) { return static_cast<double>(p(r, i)); },
            by_class_mask);
      }
    }
    for (std::size_t s = 0; s < flagged.size(); ++s) {
      flagged[s] =
          (!want_noise_rate || by_noise_rate[s] != 0) && (!want_class || by_class_mask[s] != 0) ? 1
                                                                                                : 0;
    }
  } else if (options.filter_by == FilterBy::confident_learning) {
    for (std::size_t s = 0; s < flagged.size(); ++s)
      flagged[s] = guess[s] >= 0 && guess[s] != labels[s] ? 1 : 0;
  } else if (options.filter_by == FilterBy::predicted_neq_given) {
    flagged.assign(flagged.size(), 1);  // the argmax rule below keeps the rest
  } else if (low_score) {
    const auto count = static_cast<std::size_t>(detail::count_off_diagonal(labels, p, guess));
    const RankBy by = options.filter_by == FilterBy::low_self_confidence
                          ? RankBy::self_confidence
                          : RankBy::normalized_margin;
    scored.clear();
    for (Eigen::Index r = 0; r < n; ++r)
      scored.emplace_back(detail::quality_score(p, r, labels[static_cast<std::size_t>(r)], by), r);
    if (count > 0) {
      std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(count) - 1,
                       scored.end(), before);
      for (std::size_t r = 0; r < count; ++r)
        flagged[static_cast<std::size_t>(scored[r].second)] = 1;
    }
  }

  for (Eigen::Index r = 0; r < n; ++r) {
    const auto s = static_cast<std::size_t>(r);
    if (flagged[s] == 0) continue;
    if (!low_score && detail::given_is_argmax(p, r, labels[s])) continue;
    result.issues.push_back({r, labels[s], result.suggested_labels[s], result.quality(r)});
  }
  std::sort(result.issues.begin(), result.issues.end(),
            [](const LabelIssue& a, const LabelIssue& b) {
              return a.quality < b.quality || (a.quality == b.quality && a.index < b.index);
            });
  return result;
}

/// Estimated number of label issues (cleanlab's `count.num_label_issues`); see
/// EstimationMethod. The most accurate count when the issues themselves are not needed; it is
/// the number that FilterBy::low_self_confidence and low_normalized_margin flag. O(n·C + C²).
/// @throws as find_label_issues() for the labels, probabilities and thresholds;
///   labelkit::invalid_argument if options.confident_joint is missing for off_diagonal_custom,
///   given for another method, or has a negative or non-finite entry or a zero total;
///   labelkit::dimension_mismatch if it is not C x C.
template <class Derived>
[[nodiscard]] Eigen::Index num_label_issues(std::span<const int> labels,
                                            const Eigen::MatrixBase<Derived>& probabilities,
                                            const NumLabelIssuesOptions& options = {}) {
  constexpr const char* function = "num_label_issues";
  detail::check_labels_and_probabilities(labels, probabilities, function);
  const Eigen::Index c = probabilities.cols();
  if (options.thresholds) detail::check_thresholds(*options.thresholds, c, function);
  const bool custom = options.estimation_method == EstimationMethod::off_diagonal_custom;
  if (custom != options.confident_joint.has_value()) {
    labelkit::detail::fail(function, custom ? "'options.confident_joint' is required by "
                                              "off_diagonal_custom"
                                            : "'options.confident_joint' is only used by "
                                              "off_diagonal_custom");
  }
  Eigen::VectorXd label_counts = Eigen::VectorXd::Zero(c);
  for (const int y : labels) label_counts(y) += 1;
  Eigen::MatrixXd joint;
  if (custom) {
    const Eigen::MatrixXd& given = *options.confident_joint;
    if (given.rows() != c || given.cols() != c) {
      labelkit::detail::fail<dimension_mismatch>(function, "'options.confident_joint' is ",
                                                 given.rows(), " x ", given.cols(),
                                                 " but there are ", c, " classes (expected C x C)");
    }
    labelkit::detail::check_finite(given, function, "options.confident_joint");
    if ((given.array() < 0).any() || !(given.sum() > 0)) {
      labelkit::detail::fail(function,
                             "'options.confident_joint' has a negative entry or a zero total");
    }
    joint = given;
  } else {
    const Eigen::VectorXd t = options.thresholds
                                  ? *options.thresholds
                                  : detail::thresholds_unchecked(labels, probabilities);
    const auto guess = detail::confident_classes(probabilities, t);
    if (options.estimation_method == EstimationMethod::off_diagonal) {
      return detail::count_off_diagonal(labels, probabilities, guess);
    }
    joint = detail::raw_joint(labels, probabilities, guess).first;
    for (Eigen::Index k = 0; k < c; ++k) joint(k, k) = std::max(joint(k, k), 1.0);
  }
  joint = detail::calibrate(joint, label_counts);
  double trace = 0;
  double total = 0;
  std::vector<double> row(static_cast<std::size_t>(c));
  for (Eigen::Index i = 0; i < c; ++i) {
    for (Eigen::Index j = 0; j < c; ++j) row[static_cast<std::size_t>(j)] = joint(i, j);
    const auto rounded = detail::round_preserving_total(row);
    for (Eigen::Index j = 0; j < c; ++j)
      total += static_cast<double>(rounded[static_cast<std::size_t>(j)]);
    trace += static_cast<double>(rounded[static_cast<std::size_t>(i)]);
  }
  const auto n = static_cast<double>(labels.size());
  return total > 0 ? static_cast<Eigen::Index>(std::llround(n * (1 - trace / total))) : 0;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
