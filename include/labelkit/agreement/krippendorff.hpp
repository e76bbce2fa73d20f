#pragma once
/// @file
/// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability";
/// Content Analysis, 2004/2013) for any number of coders, missing values and the nominal,
/// ordinal, interval and ratio metrics or a custom difference function; alpha from value counts,
/// alpha of a subset against the expected disagreement of a reference set, the coincidence
/// matrix, and a seeded bootstrap interval (after Hayes & Krippendorff 2007).
///
/// Reliability data are **coders x units** (Krippendorff's layout and the `krippendorff` Python
/// package's): data(c, u) is coder c's value for unit u, NaN = missing. Missing values are absent:
/// a unit with m_u < 2 values is not pairable and contributes nothing.
///
///   alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck,
///   o_ck = sum_u (number of c-k pairs in u) / (m_u - 1), n_c = sum_k o_ck, n = sum_c n_c.
///
/// Difference functions d2: nominal [c != k]; ordinal (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2;
/// interval (c - k)^2; ratio ((c - k) / (c + k))^2.
///
/// Complexity (N = coders * units, V = distinct values): nominal O(N + V) time and O(V) memory;
/// interval O(N) time and O(1) extra memory (sums of n_v v and n_v v^2, never a V^2 table);
/// ordinal O(N + V) after sorting the V distinct values, since its metric is the interval metric
/// on the mid-ranks M_g = sum_{h<g} n_h + n_g / 2; ratio and custom metrics O(N * d + V^2) time
/// and O(V) memory, d = distinct values within a unit (at most the number of coders). Value
/// lookup is a direct table for integer codes in a compact range and a binary search otherwise.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/random.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Krippendorff's levels of measurement (the difference function used by alpha).
enum class Level { nominal, ordinal, interval, ratio };

/// Alpha with the quantities behind it.
struct AlphaParts {
  /// 1 - D_o / D_e; when D_e = 0, the value the `ZeroDivision` policy gives.
  double alpha = std::numeric_limits<double>::quiet_NaN();
  double observed_disagreement = std::numeric_limits<double>::quiet_NaN();  ///< D_o.
  double expected_disagreement = std::numeric_limits<double>::quiet_NaN();  ///< D_e.
  double pairable_values = 0;       ///< n: values in units with two or more values.
  Eigen::Index pairable_units = 0;  ///< Units with two or more values.
};

/// The coincidence matrix behind alpha over the sorted distinct values.
struct Coincidences {
  std::vector<double> values;  ///< Distinct values, ascending (row/column order of `matrix`).
  Eigen::MatrixXd matrix;      ///< o_ck; symmetric; row sums are n_c.
  Eigen::VectorXd totals;      ///< n_c (pairable values per distinct value).
};

}  // namespace agreement
namespace detail {

/// Sorted values of one or two matrices (NaN skipped) with fast lookup. Three layouts:
/// - `range` (alpha's default for integer codes in a compact range lo..hi, hi - lo <= 4N + 1024):
///   the index of v is v - lo, values absent from the data keep a zero total and drop out of
///   every sum; one scan, no table;
/// - `table` (same data when gaps are not wanted, e.g. the coincidence matrix): a direct table
///   from v - lo to the dense index of v among the distinct values;
/// - `search`: sorted distinct values and a binary search (real values, sparse codes).
class ValueIndex {
 public:
  template <class A, class B = A>
  static ValueIndex build(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>* b = nullptr,
                          bool allow_gaps = true) {
    ValueIndex index;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool integral = true;
    std::size_t count = 0;
    // One branch-free pass: NaN-ignoring extremes, the number of present values, and whether
    // every present value is whole. (|v| + 2^52) - 2^52 == |v| holds exactly for whole |v| <
    // 2^52 under round-to-nearest; larger values fail the test and take the `search` layout.
    auto scan = [&](const auto& m) {
      constexpr double two52 = 4503599627370496.0;
      double local_lo = lo;
      double local_hi = hi;
      bool whole = true;
      std::size_t present_count = 0;
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
          const double v = static_cast<double>(m(i, j));
          const bool present = v == v;
          const double x = present ? v : 0.0;
          local_lo = present && v < local_lo ? v : local_lo;
          local_hi = present && v > local_hi ? v : local_hi;
          const double ax = std::abs(x);
          whole = whole & ((ax + two52) - two52 == ax);
          present_count += present ? 1 : 0;
        }
      }
      lo = local_lo;
      hi = local_hi;
      integral = integral && whole;
      count += present_count;
    };
    scan(a);
    if (b) scan(*b);
    if (count == 0) return index;
    const double range = hi - lo;
    if (integral && range <= 4.0 * static_cast<double>(count) + 1024.0) {
      index.offset_ = lo;
      const auto size = static_cast<std::size_t>(range) + 1;
      if (allow_gaps) {
        index.layout_ = Layout::range;
        index.values_.resize(size);
        for (std::size_t k = 0; k < size; ++k) index.values_[k] = lo + static_cast<double>(k);
        return index;
      }
      index.layout_ = Layout::table;
      index.table_.assign(size, -1);
      auto mark = [&](const auto& m) {
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
          for (Eigen::Index i = 0; i < m.rows(); ++i) {
            const double v = static_cast<double>(m(i, j));
            if (v == v) index.table_[static_cast<std::size_t>(v - lo)] = 0;
          }
        }
      };
      mark(a);
      if (b) mark(*b);
      for (std::size_t k = 0; k < index.table_.size(); ++k) {
        if (index.table_[k] == 0) {
          index.table_[k] = static_cast<std::int32_t>(index.values_.size());
          index.values_.push_back(lo + static_cast<double>(k));
        }
      }
      return index;
    }
    index.layout_ = Layout::search;
    index.values_.reserve(count);
    auto collect = [&](const auto& m) {
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
          const double v = static_cast<double>(m(i, j));
          if (v == v) index.values_.push_back(v);
        }
      }
    };
    collect(a);
    if (b) collect(*b);
    std::sort(index.values_.begin(), index.values_.end());
    index.values_.erase(std::unique(index.values_.begin(), index.values_.end()),
                        index.values_.end());
    return index;
  }

  /// True for the `range` layout (slot = v - smallest value).
  [[nodiscard]] bool is_range() const noexcept { return layout_ == Layout::range; }

  /// Number of value slots (distinct values, plus gaps in the `range` layout).
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(values_.size());
  }
  /// Value of each slot, ascending.
  [[nodiscard]] const std::vector<double>& values() const noexcept { return values_; }

  /// Slot of a value known to be present.
  [[nodiscard]] Eigen::Index operator()(double v) const noexcept {
    switch (layout_) {
      case Layout::range:
        return static_cast<Eigen::Index>(v - offset_);
      case Layout::table:
        return table_[static_cast<std::size_t>(v - offset_)];
      case Layout::search:
        break;
    }
    return std::lower_bound(values_.begin(), values_.end(), v) - values_.begin();
  }

 private:
  enum class Layout { range, table, search };
  Layout layout_ = Layout::search;
  std::vector<double> values_;
  std::vector<std::int32_t> table_;
  double offset_ = 0;
};

/// Visits every pairable unit of coders x units data as (distinct value slots, their counts,
/// m_u). Branch-free inner loop: per-slot counts are stamped with the unit that last wrote them
/// (no reset pass, no "first time in this unit?" branch) and missing values add 0. Scratch
/// memory O(V + coders); no allocation per unit.
template <class Derived>
class DataUnits {
 public:
  DataUnits(const Eigen::MatrixBase<Derived>& data, const ValueIndex& index)
      : data_(data),
        index_(index),
        count_(static_cast<std::size_t>(index.size()), 0.0),
        stamp_(static_cast<std::size_t>(index.size()), -1),
        touched_(static_cast<std::size_t>(std::max(data.rows(), small_domain)) + 1),
        counts_(static_cast<std::size_t>(std::max(data.rows(), small_domain)) + 1) {}

  template <class F>
  void operator()(F&& f) {
    if (index_.size() == 0) return;
    std::fill(stamp_.begin(), stamp_.end(), Eigen::Index{-1});  // a new pass over the units
    if (index_.is_range() && index_.size() <= small_domain) {
      run_small(f);
    } else if (index_.is_range()) {
      const double offset = index_.values().front();
      run([offset](double v) { return static_cast<std::size_t>(v - offset); }, f);
    } else {
      const ValueIndex& index = index_;
      run([&index](double v) { return static_cast<std::size_t>(index(v)); }, f);
    }
  }

 private:
  /// Domains of at most this many slots (rating scales) count each unit in a local array.
  static constexpr Eigen::Index small_domain = 16;

  template <class F>
  void run_small(F& f) {
    const Eigen::Index coders = data_.rows();
    const Eigen::Index units = data_.cols();
    const auto v = static_cast<std::size_t>(index_.size());
    const double offset = index_.values().front();
    Eigen::Index* touched = touched_.data();
    double* counts = counts_.data();
    const Derived& data = data_.derived();
    for (Eigen::Index u = 0; u < units; ++u) {
      double local[small_domain] = {};
      double m = 0;
      for (Eigen::Index c = 0; c < coders; ++c) {
        const double raw = static_cast<double>(data(c, u));
        const bool present = raw == raw;
        local[static_cast<std::size_t>((present ? raw : offset) - offset)] += present ? 1.0 : 0.0;
        m += present ? 1.0 : 0.0;
      }
      if (m < 2) continue;
      std::size_t distinct = 0;
      for (std::size_t k = 0; k < v; ++k) {
        touched[distinct] = static_cast<Eigen::Index>(k);
        counts[distinct] = local[k];
        distinct += local[k] > 0 ? 1 : 0;
      }
      f(std::span<const Eigen::Index>(touched, distinct), std::span<const double>(counts, distinct),
        m);
    }
  }

  template <class Lookup, class F>
  void run(Lookup lookup, F& f) {
    const Eigen::Index coders = data_.rows();
    const Eigen::Index units = data_.cols();
    const double filler = index_.values().front();  // stands in for a missing value, with weight 0
    double* count = count_.data();
    Eigen::Index* stamp = stamp_.data();
    Eigen::Index* touched = touched_.data();
    double* counts = counts_.data();
    const Derived& data = data_.derived();
    for (Eigen::Index u = 0; u < units; ++u) {
      std::size_t distinct = 0;
      double m = 0;
      for (Eigen::Index c = 0; c < coders; ++c) {
        const double raw = static_cast<double>(data(c, u));
        const bool present = raw == raw;
        const std::size_t k = lookup(present ? raw : filler);
        const double before = stamp[k] == u ? count[k] : 0.0;
        const double add = present ? 1.0 : 0.0;
        count[k] = before + add;
        stamp[k] = present ? u : stamp[k];
        touched[distinct] = static_cast<Eigen::Index>(k);
        distinct += (present & (before == 0.0)) ? 1 : 0;
        m += add;
      }
      if (m < 2) continue;
      for (std::size_t t = 0; t < distinct; ++t)
        counts[t] = count[static_cast<std::size_t>(touched[t])];
      f(std::span<const Eigen::Index>(touched, distinct), std::span<const double>(counts, distinct),
        m);
    }
  }

 private:
  const Eigen::MatrixBase<Derived>& data_;
  const ValueIndex& index_;
  std::vector<double> count_;
  std::vector<Eigen::Index> stamp_;
  std::vector<Eigen::Index> touched_;
  std::vector<double> counts_;
};

/// Visits every pairable row of a units x values count table.
template <class Derived>
class CountUnits {
 public:
  explicit CountUnits(const Eigen::MatrixBase<Derived>& counts) : counts_(counts) {}

  template <class F>
  void operator()(F&& f) {
    std::vector<Eigen::Index> touched;
    std::vector<double> values;
    for (Eigen::Index u = 0; u < counts_.rows(); ++u) {
      touched.clear();
      values.clear();
      double m = 0;
      for (Eigen::Index k = 0; k < counts_.cols(); ++k) {
        const double x = static_cast<double>(counts_(u, k));
        if (x > 0) {
          touched.push_back(k);
          values.push_back(x);
          m += x;
        }
      }
      if (m >= 2) f(std::span<const Eigen::Index>(touched), std::span<const double>(values), m);
    }
  }

 private:
  const Eigen::MatrixBase<Derived>& counts_;
};

/// Totals and per-unit disagreement numerators d_u = sum_{c != k} n_uc n_uk d2_ck / (m_u - 1).
struct AlphaSums {
  Eigen::VectorXd totals;  ///< n_c over pairable values.
  double n = 0;            ///< sum n_c.
  double observed = 0;     ///< sum_u d_u = sum_ck o_ck d2_ck.
  Eigen::Index units = 0;
  std::vector<double> unit_observed;  ///< d_u (only when requested).
  std::vector<double> unit_size;      ///< m_u (only when requested).
};

/// Pass: totals only.
template <class Units>
Eigen::VectorXd pairable_totals(Units& units, Eigen::Index v) {
  Eigen::VectorXd totals = Eigen::VectorXd::Zero(v);
  units([&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double) {
    for (std::size_t t = 0; t < idx.size(); ++t) totals(idx[t]) += cnt[t];
  });
  return totals;
}

/// Mid-ranks M_g = sum_{h<g} n_h + n_g / 2: the ordinal metric is (M_k - M_c)^2.
inline Eigen::VectorXd ordinal_positions(const Eigen::VectorXd& totals) {
  Eigen::VectorXd m(totals.size());
  double below = 0;
  for (Eigen::Index g = 0; g < totals.size(); ++g) {
    m(g) = below + totals(g) / 2;
    below += totals(g);
  }
  return m;
}

/// One pass computing totals and observed sums with a per-unit kernel `unit(idx, cnt, m)`.
template <class Units, class Kernel>
AlphaSums alpha_pass(Units& units, Eigen::Index v, bool keep_units, Kernel&& unit) {
  AlphaSums s;
  s.totals = Eigen::VectorXd::Zero(v);
  units([&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
    for (std::size_t t = 0; t < idx.size(); ++t) s.totals(idx[t]) += cnt[t];
    const double d = unit(idx, cnt, m);
    s.observed += d;
    s.n += m;
    ++s.units;
    if (keep_units) {
      s.unit_observed.push_back(d);
      s.unit_size.push_back(m);
    }
  });
  return s;
}

/// Interval-type kernel over positions x: 2 m sum_t cnt_t (x_t - mean)^2 / (m - 1).
struct IntervalKernel {
  const double* x;
  double operator()(std::span<const Eigen::Index> idx, std::span<const double> cnt,
                    double m) const {
    double mean = 0;
    for (std::size_t t = 0; t < idx.size(); ++t) mean += cnt[t] * x[idx[t]];
    mean /= m;
    double m2 = 0;
    for (std::size_t t = 0; t < idx.size(); ++t) {
      const double d = x[idx[t]] - mean;
      m2 += cnt[t] * d * d;
    }
    return 2.0 * m * m2 / (m - 1);
  }
};

/// Expected numerator of interval-type metrics: 2 n sum_c n_c (x_c - mean)^2.
inline double interval_expected(const Eigen::VectorXd& totals, const Eigen::VectorXd& x, double n) {
  const double mean = totals.dot(x) / n;
  return 2.0 * n * (totals.array() * (x.array() - mean).square()).sum();
}

/// Expected numerator sum_{c != k} n_c n_k d2(x_c, x_k) for a general metric, over used values.
template <class Metric>
double general_expected(const Eigen::VectorXd& totals, const std::vector<double>& values,
                        Metric& metric) {
  std::vector<Eigen::Index> used;
  for (Eigen::Index c = 0; c < totals.size(); ++c)
    if (totals(c) > 0) used.push_back(c);
  double sum = 0;
  for (std::size_t a = 0; a < used.size(); ++a) {
    for (std::size_t b = a + 1; b < used.size(); ++b) {
      const auto c = used[a];
      const auto k = used[b];
      sum += 2.0 * totals(c) * totals(k) *
             static_cast<double>(
                 metric(values[static_cast<std::size_t>(c)], values[static_cast<std::size_t>(k)]));
    }
  }
  return sum;
}

inline double ratio_metric(double c, double k) {
  const double s = c + k;
  if (s == 0) return 0.0;  // both zero: the same value
  const double r = (c - k) / s;
  return r * r;
}

/// Largest number of value slots for which alpha accumulates the (upper-triangular) coincidence
/// matrix in one pass instead of evaluating the metric per unit: 512^2 doubles = 2 MiB.
inline constexpr Eigen::Index coincidence_path_max_values = 512;

/// One pass accumulating totals and the off-diagonal coincidences o_ck (c < k); the observed
/// numerator is then sum_{c<k} 2 o_ck d2(c, k) with `delta(c, k)` on value slots, evaluated
/// O(V^2) times after the pass (the ordinal metric needs the totals first).
template <class Units>
AlphaSums coincidence_pass(Units& units, Eigen::Index v, std::vector<double>& upper) {
  upper.assign(static_cast<std::size_t>(v * v), 0.0);
  AlphaSums s =
      alpha_pass(units, v, false,
                 [&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
                   const double inv = 1.0 / (m - 1);
                   for (std::size_t a = 0; a < idx.size(); ++a) {
                     for (std::size_t b = a + 1; b < idx.size(); ++b) {
                       const auto lo = std::min(idx[a], idx[b]);
                       const auto hi = std::max(idx[a], idx[b]);
                       upper[static_cast<std::size_t>(lo * v + hi)] += cnt[a] * cnt[b] * inv;
                     }
                   }
                   return 0.0;
                 });
  return s;
}

template <class Delta>
double coincidence_observed(const std::vector<double>& upper, Eigen::Index v, Delta&& delta) {
  double sum = 0;
  for (Eigen::Index c = 0; c < v; ++c) {
    for (Eigen::Index k = c + 1; k < v; ++k) {
      const double o = upper[static_cast<std::size_t>(c * v + k)];
      if (o != 0) sum += 2.0 * o * static_cast<double>(delta(c, k));
    }
  }
  return sum;
}

/// Observed and expected numerators of alpha for one input. `reference` (optional) supplies the
/// totals behind the expected disagreement and the ordinal mid-ranks.
template <class Units, class Metric>
AlphaSums alpha_sums(Units& units, const std::vector<double>& values, agreement::Level level,
                     Metric* custom, bool keep_units, const Eigen::VectorXd* reference_totals,
                     double& expected, double& expected_n) {
  const auto v = static_cast<Eigen::Index>(values.size());
  AlphaSums s;
  const Eigen::Map<const Eigen::VectorXd> x(values.data(), v);
  const bool small = !keep_units && v <= coincidence_path_max_values;
  std::vector<double> upper;
  if (custom && small) {
    Metric& metric = *custom;
    s = coincidence_pass(units, v, upper);
    s.observed = coincidence_observed(upper, v, [&](Eigen::Index c, Eigen::Index k) {
      return metric(values[static_cast<std::size_t>(c)], values[static_cast<std::size_t>(k)]);
    });
    const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
    expected_n = t.sum();
    expected = general_expected(t, values, metric);
    return s;
  }
  if (custom) {
    Metric& metric = *custom;
    s = alpha_pass(units, v, keep_units,
                   [&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
                     double d = 0;
                     for (std::size_t a = 0; a < idx.size(); ++a) {
                       for (std::size_t b = a + 1; b < idx.size(); ++b) {
                         d += cnt[a] * cnt[b] *
                              static_cast<double>(metric(values[static_cast<std::size_t>(idx[a])],
                                                         values[static_cast<std::size_t>(idx[b])]));
                       }
                     }
                     return 2.0 * d / (m - 1);
                   });
    const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
    expected_n = t.sum();
    expected = general_expected(t, values, metric);
    return s;
  }
  switch (level) {
    case agreement::Level::nominal: {
      s = alpha_pass(units, v, keep_units,
                     [](std::span<const Eigen::Index>, std::span<const double> cnt, double m) {
                       double same = 0;
                       for (const double c : cnt) same += c * c;
                       return (m * m - same) / (m - 1);
                     });
      const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
      expected_n = t.sum();
      expected = expected_n * expected_n - t.squaredNorm();
      return s;
    }
    case agreement::Level::interval: {
      s = alpha_pass(units, v, keep_units, IntervalKernel{values.data()});
      const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
      expected_n = t.sum();
      expected = interval_expected(t, x, expected_n);
      return s;
    }
    case agreement::Level::ordinal: {
      if (small) {
        s = coincidence_pass(units, v, upper);
        const Eigen::VectorXd t = reference_totals ? *reference_totals : s.totals;
        const Eigen::VectorXd positions = ordinal_positions(t);
        s.observed = coincidence_observed(upper, v, [&](Eigen::Index c, Eigen::Index k) {
          const double d = positions(k) - positions(c);
          return d * d;
        });
        expected_n = t.sum();
        expected = interval_expected(t, positions, expected_n);
        return s;
      }
      const Eigen::VectorXd t = reference_totals ? *reference_totals : pairable_totals(units, v);
      const Eigen::VectorXd positions = ordinal_positions(t);
      s = alpha_pass(units, v, keep_units, IntervalKernel{positions.data()});
      expected_n = t.sum();
      expected = interval_expected(t, positions, expected_n);
      return s;
    }
    case agreement::Level::ratio: {
      if (small) {
        s = coincidence_pass(units, v, upper);
        s.observed = coincidence_observed(upper, v, [&](Eigen::Index c, Eigen::Index k) {
          return ratio_metric(values[static_cast<std::size_t>(c)],
                              values[static_cast<std::size_t>(k)]);
        });
        const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
        expected_n = t.sum();
        auto metric = ratio_metric;
        expected = general_expected(t, values, metric);
        return s;
      }
      s = alpha_pass(units, v, keep_units,
                     [&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
                       double d = 0;
                       for (std::size_t a = 0; a < idx.size(); ++a) {
                         for (std::size_t b = a + 1; b < idx.size(); ++b) {
                           d += cnt[a] * cnt[b] *
                                ratio_metric(values[static_cast<std::size_t>(idx[a])],
                                             values[static_cast<std::size_t>(idx[b])]);
                         }
                       }
                       return 2.0 * d / (m - 1);
                     });
      const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
      expected_n = t.sum();
      auto metric = ratio_metric;
      expected = general_expected(t, values, metric);
      return s;
    }
  }
  return s;
}

inline agreement::AlphaParts finish_alpha(const AlphaSums& s, double expected, double expected_n,
                                          agreement::ZeroDivision policy, const char* function) {
  if (s.units == 0) {
    fail(function,
         "no unit has two or more values (alpha needs at least one pairable unit; "
         "data are coders x units with NaN for missing values)");
  }
  agreement::AlphaParts p;
  p.pairable_values = s.n;
  p.pairable_units = s.units;
  p.observed_disagreement = s.observed / s.n;
  p.expected_disagreement = expected_n > 1 ? expected / (expected_n * (expected_n - 1)) : 0.0;
  if (p.expected_disagreement == 0.0) {
    p.alpha = zero_division_value(policy, function,
                                  "expected disagreement D_e = 0 (all pairable values are equal)");
  } else {
    p.alpha = 1.0 - p.observed_disagreement / p.expected_disagreement;
  }
  return p;
}

/// Interval alpha straight from the data in one pass: per-unit and pooled sums of squares,
/// combined with Chan et al.'s update (no value index, no sort).
template <class Derived>
agreement::AlphaParts interval_alpha_streaming(const Eigen::MatrixBase<Derived>& data,
                                               agreement::ZeroDivision policy,
                                               const char* function) {
  double n = 0;
  double mean = 0;
  double m2 = 0;
  double observed = 0;
  Eigen::Index units = 0;
  for (Eigen::Index u = 0; u < data.cols(); ++u) {
    double m = 0;
    double s1 = 0;
    for (Eigen::Index c = 0; c < data.rows(); ++c) {
      const double v = static_cast<double>(data(c, u));
      if (!std::isnan(v)) {
        m += 1;
        s1 += v;
      }
    }
    if (m < 2) continue;
    const double unit_mean = s1 / m;
    double unit_m2 = 0;
    for (Eigen::Index c = 0; c < data.rows(); ++c) {
      const double v = static_cast<double>(data(c, u));
      if (!std::isnan(v)) unit_m2 += (v - unit_mean) * (v - unit_mean);
    }
    observed += 2.0 * m * unit_m2 / (m - 1);
    const double total = n + m;
    const double delta = unit_mean - mean;
    mean += delta * m / total;
    m2 += unit_m2 + delta * delta * n * m / total;
    n = total;
    ++units;
  }
  AlphaSums s;
  s.n = n;
  s.observed = observed;
  s.units = units;
  return finish_alpha(s, 2.0 * n * m2, n, policy, function);
}

template <class Derived>
void check_reliability_shape(const Eigen::MatrixBase<Derived>& data, const char* function) {
  if (data.rows() == 0 || data.cols() == 0) {
    fail(function, "'data' is empty (got ", data.rows(), " x ", data.cols(),
         ", expected coders x units)");
  }
}

/// Throws, naming the position, if `data` holds an infinite value.
template <class Derived>
void check_no_infinity(const Eigen::MatrixBase<Derived>& data, const char* function) {
  for (Eigen::Index u = 0; u < data.cols(); ++u) {
    for (Eigen::Index c = 0; c < data.rows(); ++c) {
      if (std::isinf(static_cast<double>(data(c, u)))) {
        fail(function, "'data' has an infinite value at coder (row) ", c, ", unit (column) ", u,
             " (NaN marks a missing value)");
      }
    }
  }
}

template <class Derived>
void check_reliability_data(const Eigen::MatrixBase<Derived>& data, const char* function) {
  check_reliability_shape(data, function);
  check_no_infinity(data, function);
}

/// The value index of `data`, validated on the way: the index's scan sees every value, so an
/// infinity shows up as an infinite extreme and only then costs a second scan to locate it.
template <class Derived>
ValueIndex checked_value_index(const Eigen::MatrixBase<Derived>& data, const char* function,
                               bool allow_gaps = true) {
  check_reliability_shape(data, function);
  ValueIndex index =
      ValueIndex::build(data, static_cast<const Eigen::MatrixBase<Derived>*>(nullptr), allow_gaps);
  const auto& v = index.values();
  if (!v.empty() && (std::isinf(v.front()) || std::isinf(v.back())))
    check_no_infinity(data, function);
  return index;
}

template <class Derived>
void check_ratio_values(const std::vector<double>& values, const char* function) {
  if (!values.empty() && values.front() < 0) {
    fail(function, "the ratio metric needs non-negative values (got ", values.front(), ")");
  }
}

struct NoMetric {
  double operator()(double, double) const { return 0.0; }
};

template <class Derived, class Metric>
agreement::AlphaParts alpha_from_data(const Eigen::MatrixBase<Derived>& data,
                                      agreement::Level level, Metric* custom,
                                      agreement::ZeroDivision policy, const char* function) {
  if (!custom && level == agreement::Level::interval) {
    check_reliability_shape(data, function);
    agreement::AlphaParts p = interval_alpha_streaming(data, policy, function);
    if (!std::isfinite(p.observed_disagreement) || !std::isfinite(p.expected_disagreement)) {
      check_no_infinity(data, function);
    }
    return p;
  }
  const ValueIndex index = checked_value_index(data, function);
  if (!custom && level == agreement::Level::ratio)
    check_ratio_values<Derived>(index.values(), function);
  DataUnits<Derived> units(data, index);
  double expected = 0;
  double expected_n = 0;
  const AlphaSums s =
      alpha_sums(units, index.values(), level, custom, false, nullptr, expected, expected_n);
  return finish_alpha(s, expected, expected_n, policy, function);
}

}  // namespace detail
namespace agreement {

/// Krippendorff's alpha of coders x units reliability data (NaN = missing).
/// Degenerate cases: no unit with two or more values (everything missing, a single coder, one
/// value per unit) -> labelkit::invalid_argument; all pairable values equal (D_e = 0) -> 1
/// (ZeroDivision::one; see the overload with a policy).
/// @throws labelkit::invalid_argument for empty data, an infinite value, no pairable unit, or a
///         negative value at the ratio level.
template <class Derived>
[[nodiscard]] double krippendorff_alpha(const Eigen::MatrixBase<Derived>& data,
                                        Level level = Level::nominal) {
  return detail::alpha_from_data(data, level, static_cast<detail::NoMetric*>(nullptr),
                                 ZeroDivision::one, "krippendorff_alpha")
      .alpha;
}

/// Krippendorff's alpha with an explicit zero-division policy for D_e = 0.
template <class Derived>
[[nodiscard]] double krippendorff_alpha(const Eigen::MatrixBase<Derived>& data, Level level,
                                        ZeroDivision zero_division) {
  return detail::alpha_from_data(data, level, static_cast<detail::NoMetric*>(nullptr),
                                 zero_division, "krippendorff_alpha")
      .alpha;
}

/// Krippendorff's alpha with a custom difference function: `distance(c, k)` returns the
/// *squared* difference d2_ck that enters alpha's sums (symmetric, 0 when c == k); e.g.
/// `[](double c, double k) { return (c - k) * (c - k); }` reproduces Level::interval.
template <class Derived, class Distance>
requires std::invocable<Distance&, double, double> &&
    std::convertible_to < std::invoke_result_t<Distance&, double, double>,
double > [[nodiscard]] double krippendorff_alpha(const Eigen::MatrixBase<Derived>& data,
                                                 Distance&& distance,
                                                 ZeroDivision zero_division = ZeroDivision::one) {
  return detail::alpha_from_data(data, Level::nominal, &distance, zero_division,
                                 "krippendorff_alpha")
      .alpha;
}

/// Alpha with D_o, D_e, the number of pairable values and units.
template <class Derived>
[[nodiscard]] AlphaParts krippendorff_alpha_parts(const Eigen::MatrixBase<Derived>& data,
                                                  Level level = Level::nominal,
                                                  ZeroDivision zero_division = ZeroDivision::one) {
  return detail::alpha_from_data(data, level, static_cast<detail::NoMetric*>(nullptr),
                                 zero_division, "krippendorff_alpha_parts");
}

/// Alpha from value counts: `counts` is units x values (rows are units), counts(u, v) = how many
/// coders gave unit u the value values[v] (the `value_counts` input of the `krippendorff`
/// package). `values` must be strictly increasing; when empty, the values are 0..V-1.
/// O(units * V + V^2).
/// @throws labelkit::invalid_argument for negative counts, non-increasing values or no pairable
///         unit; labelkit::dimension_mismatch if values.size() != counts.cols().
template <class Derived>
[[nodiscard]] double krippendorff_alpha_from_counts(
    const Eigen::MatrixBase<Derived>& counts, Level level = Level::nominal,
    std::span<const double> values = {}, ZeroDivision zero_division = ZeroDivision::one) {
  const char* function = "krippendorff_alpha_from_counts";
  if (counts.rows() == 0 || counts.cols() == 0) {
    detail::fail(function, "'counts' is empty (expected units x values)");
  }
  for (Eigen::Index k = 0; k < counts.cols(); ++k) {
    for (Eigen::Index u = 0; u < counts.rows(); ++u) {
      const double x = static_cast<double>(counts(u, k));
      if (!(x >= 0) || std::isinf(x)) {
        detail::fail(function, "'counts' has an invalid count at unit (row) ", u,
                     ", value (column) ", k, " (got ", x, ")");
      }
    }
  }
  std::vector<double> domain;
  if (values.empty()) {
    for (Eigen::Index k = 0; k < counts.cols(); ++k) domain.push_back(static_cast<double>(k));
  } else {
    if (static_cast<Eigen::Index>(values.size()) != counts.cols()) {
      detail::fail<dimension_mismatch>(function, "'values' has ", values.size(),
                                       " entries but 'counts' has ", counts.cols(), " columns");
    }
    domain.assign(values.begin(), values.end());
    for (std::size_t k = 0; k < domain.size(); ++k) {
      if (!std::isfinite(domain[k]) || (k > 0 && !(domain[k] > domain[k - 1]))) {
        detail::fail(function, "'values' must be finite and strictly increasing (position ", k,
                     ")");
      }
    }
  }
  if (level == Level::ratio) detail::check_ratio_values<Derived>(domain, function);
  detail::CountUnits<Derived> units(counts);
  double expected = 0;
  double expected_n = 0;
  detail::NoMetric* none = nullptr;
  const auto s =
      detail::alpha_sums(units, domain, level, none, false, nullptr, expected, expected_n);
  return detail::finish_alpha(s, expected, expected_n, zero_division, function).alpha;
}

/// Alpha of `data` (e.g. a subset of units or coders) with the expected disagreement D_e (and,
/// at the ordinal level, the mid-ranks) taken from `reference` (e.g. the full data set), both
/// coders x units with NaN missing. Useful to compare subsets on a common yardstick.
/// @throws as krippendorff_alpha, for either input.
template <class Derived, class Reference>
[[nodiscard]] double krippendorff_alpha_with_reference(
    const Eigen::MatrixBase<Derived>& data, const Eigen::MatrixBase<Reference>& reference,
    Level level = Level::nominal, ZeroDivision zero_division = ZeroDivision::one) {
  const char* function = "krippendorff_alpha_with_reference";
  detail::check_reliability_data(data, function);
  detail::check_reliability_data(reference, function);
  const Eigen::MatrixXd ref = reference.template cast<double>();
  const Eigen::MatrixXd dat = data.template cast<double>();
  const detail::ValueIndex index = detail::ValueIndex::build(dat, &ref);
  if (level == Level::ratio) detail::check_ratio_values<Derived>(index.values(), function);
  detail::DataUnits<Eigen::MatrixXd> ref_units(ref, index);
  const Eigen::VectorXd ref_totals = detail::pairable_totals(ref_units, index.size());
  if (ref_totals.sum() == 0) {
    detail::fail(function, "'reference' has no unit with two or more values");
  }
  detail::DataUnits<Eigen::MatrixXd> units(dat, index);
  double expected = 0;
  double expected_n = 0;
  detail::NoMetric* none = nullptr;
  const auto s = detail::alpha_sums(units, index.values(), level, none, false, &ref_totals,
                                    expected, expected_n);
  return detail::finish_alpha(s, expected, expected_n, zero_division, function).alpha;
}

/// The coincidence matrix o_ck of coders x units data over the sorted distinct values.
/// O(N + sum_u d_u^2 + V^2) time, O(V^2) memory (it is the output).
/// @throws labelkit::invalid_argument for empty data or an infinite value.
template <class Derived>
[[nodiscard]] Coincidences coincidence_matrix(const Eigen::MatrixBase<Derived>& data) {
  const detail::ValueIndex index = detail::checked_value_index(data, "coincidence_matrix", false);
  Coincidences out;
  out.values = index.values();
  const Eigen::Index v = index.size();
  detail::check_allocation({static_cast<std::size_t>(v), static_cast<std::size_t>(v)},
                           sizeof(double), "coincidence_matrix", "the values x values matrix");
  out.matrix = Eigen::MatrixXd::Zero(v, v);
  detail::DataUnits<Derived> units(data, index);
  units([&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
    for (std::size_t a = 0; a < idx.size(); ++a) {
      out.matrix(idx[a], idx[a]) += cnt[a] * (cnt[a] - 1) / (m - 1);
      for (std::size_t b = a + 1; b < idx.size(); ++b) {
        const double o = cnt[a] * cnt[b] / (m - 1);
        out.matrix(idx[a], idx[b]) += o;
        out.matrix(idx[b], idx[a]) += o;
      }
    }
  });
  out.totals = out.matrix.rowwise().sum();
  return out;
}

/// Options of the alpha bootstrap.
struct BootstrapOptions {
  Eigen::Index samples = 1000;  ///< Bootstrap replicates.
  std::uint64_t seed = 0;       ///< Seed of labelkit::Random.
  double confidence = 0.95;     ///< Two-sided percentile interval.
  double minimum = 0.667;       ///< Smallest acceptable alpha, for `probability_below_minimum`.
};

/// Alpha with its bootstrap distribution.
struct AlphaBootstrap {
  double alpha = std::numeric_limits<double>::quiet_NaN();     ///< Alpha of the full data.
  double se = std::numeric_limits<double>::quiet_NaN();        ///< SD of the replicates.
  double ci_lower = std::numeric_limits<double>::quiet_NaN();  ///< Percentile interval, lower.
  double ci_upper = std::numeric_limits<double>::quiet_NaN();  ///< Percentile interval, upper.
  double probability_below_minimum = std::numeric_limits<double>::quiet_NaN();  ///< q(alpha < min).
  std::vector<double> replicates;  ///< The bootstrap alphas, in draw order.
};

/// Seeded bootstrap of alpha in the spirit of Hayes & Krippendorff (2007, "Answering the call
/// for a standard reliability measure for coding data", Communication Methods and Measures
/// 1:77-89): the expected disagreement D_e of the full data is held fixed and the observed
/// disagreement is resampled — here by drawing pairable units with replacement (each carries its
/// disagreement sum and its m_u), alpha_b = 1 - (sum d_u / sum m_u) / D_e. Replicates are
/// capped at [-1, 1] as in Hayes & Krippendorff. The interval is the percentile interval
/// (linear interpolation between order statistics); `probability_below_minimum` is the share of
/// replicates below `options.minimum` (their q). O(N + samples * units).
/// @throws as krippendorff_alpha; labelkit::invalid_argument for samples < 1 or a bad confidence.
template <class Derived>
[[nodiscard]] AlphaBootstrap krippendorff_alpha_bootstrap(const Eigen::MatrixBase<Derived>& data,
                                                          Level level = Level::nominal,
                                                          const BootstrapOptions& options = {}) {
  const char* function = "krippendorff_alpha_bootstrap";
  detail::check_confidence(options.confidence, function);
  if (options.samples < 1)
    detail::fail(function, "'samples' must be >= 1 (got ", options.samples, ")");
  const detail::ValueIndex index = detail::checked_value_index(data, function);
  if (level == Level::ratio) detail::check_ratio_values<Derived>(index.values(), function);
  detail::DataUnits<Derived> units(data, index);
  double expected = 0;
  double expected_n = 0;
  detail::NoMetric* none = nullptr;
  const auto s =
      detail::alpha_sums(units, index.values(), level, none, true, nullptr, expected, expected_n);
  const AlphaParts parts =
      detail::finish_alpha(s, expected, expected_n, ZeroDivision::one, function);
  AlphaBootstrap out;
  out.alpha = parts.alpha;
  if (parts.expected_disagreement == 0.0) {
    out.se = 0;
    out.ci_lower = out.ci_upper = out.alpha;
    out.probability_below_minimum = out.alpha < options.minimum ? 1.0 : 0.0;
    return out;
  }
  Random random(options.seed);
  const auto n_units = static_cast<std::uint64_t>(s.unit_observed.size());
  out.replicates.resize(static_cast<std::size_t>(options.samples));
  for (auto& r : out.replicates) {
    double d = 0;
    double m = 0;
    for (std::uint64_t k = 0; k < n_units; ++k) {
      const auto u = static_cast<std::size_t>(random.uniform_index(n_units));
      d += s.unit_observed[u];
      m += s.unit_size[u];
    }
    r = std::clamp(1.0 - (d / m) / parts.expected_disagreement, -1.0, 1.0);
  }
  std::vector<double> sorted = out.replicates;
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double p) {
    const double h = p * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
  };
  out.ci_lower = quantile((1 - options.confidence) / 2);
  out.ci_upper = quantile(1 - (1 - options.confidence) / 2);
  double mean = 0;
  for (const double r : sorted) mean += r;
  mean /= static_cast<double>(sorted.size());
  double ss = 0;
  std::size_t below = 0;
  for (const double r : sorted) {
    ss += (r - mean) * (r - mean);
    below += r < options.minimum ? 1 : 0;
  }
  out.se = sorted.size() > 1 ? std::sqrt(ss / static_cast<double>(sorted.size() - 1)) : 0.0;
  out.probability_below_minimum = static_cast<double>(below) / static_cast<double>(sorted.size());
  return out;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
