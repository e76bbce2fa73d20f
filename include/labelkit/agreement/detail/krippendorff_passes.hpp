#pragma once
/// @file
/// The passes of Krippendorff's alpha: per-level kernels, the coincidence pass, the streaming
/// interval pass, validation, and the step from sums to alpha. Internal; the API is in
/// labelkit/agreement/krippendorff.hpp.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/detail/krippendorff_units.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/krippendorff_types.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

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
template <class Tag = void>
Eigen::VectorXd ordinal_positions(const detail::dependent_t<Eigen::VectorXd, Tag>& totals) {
  using Vector = detail::dependent_t<Eigen::VectorXd, Tag>;
  Vector m(totals.size());
  double below = 0;
  for (Eigen::Index g = 0; g < totals.size(); ++g) {
    m(g) = below + totals(g) / 2;
    below += totals(g);
  }
  return m;
}

/// One pass computing totals and observed sums with a per-item kernel `unit(idx, cnt, m)`.
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
template <class Tag = void>
double interval_expected(const detail::dependent_t<Eigen::VectorXd, Tag>& totals,
                         const detail::dependent_t<Eigen::VectorXd, Tag>& x, double n) {
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

/// Expected numerator sum_{c != k} n_c n_k d2_ck of a built-in level over the totals `t` of the
/// sorted `values` (`positions`: the ordinal mid-ranks of the totals, used only at that level).
/// The serial passes and the mergeable AlphaState share it.
template <class Tag = void>
double level_expected(agreement::Level level, const detail::dependent_t<Eigen::VectorXd, Tag>& t,
                      const std::vector<double>& values,
                      const detail::dependent_t<Eigen::VectorXd, Tag>& positions) {
  using Vector = detail::dependent_t<Eigen::VectorXd, Tag>;
  const double n = t.sum();
  switch (level) {
    case agreement::Level::nominal:
      return n * n - t.squaredNorm();
    case agreement::Level::interval:
      return interval_expected(
          t, Eigen::Map<const Vector>(values.data(), static_cast<Eigen::Index>(values.size())), n);
    case agreement::Level::ordinal:
      return interval_expected(t, positions, n);
    case agreement::Level::ratio: {
      auto metric = ratio_metric;
      return general_expected(t, values, metric);
    }
  }
  return 0.0;
}

/// Largest number of value slots for which alpha accumulates the (upper-triangular) coincidence
/// matrix in one pass instead of evaluating the metric per item: 512^2 doubles = 2 MiB.
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
      expected = level_expected(level, t, values, t);
      return s;
    }
    case agreement::Level::interval: {
      s = alpha_pass(units, v, keep_units, IntervalKernel{values.data()});
      const Eigen::VectorXd& t = reference_totals ? *reference_totals : s.totals;
      expected_n = t.sum();
      expected = level_expected(level, t, values, t);
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
        expected = level_expected(level, t, values, positions);
        return s;
      }
      const Eigen::VectorXd t = reference_totals ? *reference_totals : pairable_totals(units, v);
      const Eigen::VectorXd positions = ordinal_positions(t);
      s = alpha_pass(units, v, keep_units, IntervalKernel{positions.data()});
      expected_n = t.sum();
      expected = level_expected(level, t, values, positions);
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
        expected = level_expected(level, t, values, t);
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
      expected = level_expected(level, t, values, t);
      return s;
    }
  }
  return s;
}

inline agreement::AlphaParts finish_alpha(const AlphaSums& s, double expected, double expected_n,
                                          agreement::ZeroDivision policy, const char* function) {
  if (s.units == 0) {
    fail(function,
         "no item has two or more values (alpha needs at least one pairable item; "
         "data are annotators x items with NaN for missing values)");
  }
  agreement::AlphaParts p;
  p.pairable_values = s.n;
  p.pairable_items = s.units;
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
         ", expected annotators x items)");
  }
}

/// Throws, naming the position, if `data` holds an infinite value.
template <class Derived>
void check_no_infinity(const Eigen::MatrixBase<Derived>& data, const char* function) {
  for (Eigen::Index u = 0; u < data.cols(); ++u) {
    for (Eigen::Index c = 0; c < data.rows(); ++c) {
      if (std::isinf(static_cast<double>(data(c, u)))) {
        fail(function, "'data' has an infinite value at annotator (row) ", c, ", item (column) ", u,
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

template <class = void>
void check_ratio_values(const std::vector<double>& values, const char* function) {
  if (!values.empty() && values.front() < 0) {
    fail(function, "the ratio metric needs non-negative values (got ", values.front(), ")");
  }
}

struct NoMetric {
  double operator()(double, double) const { return 0.0; }
};

/// Slots of the fused small-domain pass: integer codes within [first - 32, first + 32) of the
/// first present value, spanning at most `fused_span` values (rating scales, small label sets).
inline constexpr int fused_window = 64;
/// Slot of the first value in the window (the window is centred on it).
inline constexpr int fused_home = fused_window / 2;
/// Largest span (largest - smallest value + 1) the fused pass handles.
inline constexpr int fused_span = 16;

/// What the fused pass gathers: totals n_c and the upper-triangular coincidences o_ck (c < k)
/// over the window's slots, slot k standing for the value base + k.
struct FusedSums {
  double base = 0;
  std::vector<double> totals;  ///< fused_window entries.
  std::vector<double> upper;   ///< fused_window^2 entries, o_ck at c * fused_window + k, c < k.
  double n = 0;
  Eigen::Index units = 0;
  double smallest = 0;  ///< Smallest value present anywhere in the data.
};

/// One pass over annotators x items data that learns the value domain while it counts: the
/// window is placed on the first present value, every value is checked to be a whole number
/// inside it as it is counted, and the span [lo, hi] of the values seen so far grows with them.
/// Each item is counted into a local array; its coincidences over the span go straight into
/// `upper` with loops whose trip counts do not change from item to item (the span settles
/// within the first items), so they are predicted and vectorised. Returns nothing, having read
/// at most the data once, when a value is not whole or infinite, or the span exceeds
/// fused_span; the caller then takes the general path, which locates and reports bad values.
/// O(N + items * span^2) time, O(window^2) memory.
template <class Derived>
std::optional<FusedSums> fused_small_domain_pass(const Eigen::MatrixBase<Derived>& data) {
  const Derived& d = data.derived();
  const Eigen::Index annotators = d.rows();
  const Eigen::Index items = d.cols();
  double first = std::numeric_limits<double>::quiet_NaN();
  for (Eigen::Index u = 0; u < items && first != first; ++u) {
    for (Eigen::Index c = 0; c < annotators; ++c) {
      const double v = static_cast<double>(d(c, u));
      if (v == v) {
        first = v;
        break;
      }
    }
  }
  if (!(std::abs(first) < 4503599627370496.0) || std::floor(first) != first) return std::nullopt;
  constexpr auto width = static_cast<std::size_t>(fused_window);
  FusedSums out;
  out.base = first - fused_home;
  out.totals.assign(width, 0.0);
  out.upper.assign(width * width, 0.0);
  double local[fused_window] = {};
  double* totals = out.totals.data();
  double* upper = out.upper.data();
  const double base = out.base;
  const double home = fused_home;  // slot of `first`
  std::size_t lo = fused_home;
  std::size_t hi = fused_home;
  for (Eigen::Index u = 0; u < items; ++u) {
    double m = 0;
    for (Eigen::Index c = 0; c < annotators; ++c) {
      const double v = static_cast<double>(d(c, u));
      const bool present = v == v;
      const double t = present ? v - base : home;
      if (!(t >= 0 && t < static_cast<double>(fused_window))) return std::nullopt;
      const auto k = static_cast<std::size_t>(t);
      if (static_cast<double>(k) != t) return std::nullopt;
      const double add = present ? 1.0 : 0.0;
      local[k] += add;
      m += add;
      lo = k < lo ? k : lo;
      hi = k > hi ? k : hi;
    }
    if (hi - lo >= static_cast<std::size_t>(fused_span)) return std::nullopt;
    if (m >= 2) {
      const double inv = 1.0 / (m - 1);
      for (std::size_t a = lo; a <= hi; ++a) {
        const double ca = local[a] * inv;
        totals[a] += local[a];
        double* row = upper + a * width;
        for (std::size_t b = a + 1; b <= hi; ++b) row[b] += ca * local[b];
      }
      out.n += m;
      ++out.units;
    }
    for (std::size_t a = lo; a <= hi; ++a) local[a] = 0;
  }
  out.smallest = base + static_cast<double>(lo);
  return out;
}

/// Alpha at the nominal, ordinal or ratio level from the fused pass's sums.
template <class Fused>
agreement::AlphaParts alpha_from_fused(const Fused& f, agreement::Level level,
                                       agreement::ZeroDivision policy, const char* function) {
  constexpr Eigen::Index width = fused_window;
  AlphaSums s;
  s.n = f.n;
  s.units = f.units;
  s.totals = Eigen::Map<const Eigen::VectorXd>(f.totals.data(), width);
  std::vector<double> values(static_cast<std::size_t>(width));
  for (Eigen::Index k = 0; k < width; ++k) values[static_cast<std::size_t>(k)] = f.base + k;
  double expected = 0;
  const double expected_n = s.totals.sum();
  switch (level) {
    case agreement::Level::nominal:
    case agreement::Level::interval:
      s.observed =
          coincidence_observed(f.upper, width, [](Eigen::Index, Eigen::Index) { return 1.0; });
      expected = expected_n * expected_n - s.totals.squaredNorm();
      break;
    case agreement::Level::ordinal: {
      const Eigen::VectorXd positions = ordinal_positions(s.totals);
      s.observed = coincidence_observed(f.upper, width, [&](Eigen::Index c, Eigen::Index k) {
        const double gap = positions(k) - positions(c);
        return gap * gap;
      });
      expected = interval_expected(s.totals, positions, expected_n);
      break;
    }
    case agreement::Level::ratio: {
      s.observed = coincidence_observed(f.upper, width, [&](Eigen::Index c, Eigen::Index k) {
        return ratio_metric(values[static_cast<std::size_t>(c)],
                            values[static_cast<std::size_t>(k)]);
      });
      auto metric = ratio_metric;
      expected = general_expected(s.totals, values, metric);
      break;
    }
  }
  return finish_alpha(s, expected, expected_n, policy, function);
}

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
  if (!custom) {
    check_reliability_shape(data, function);
    if (const std::optional<FusedSums> fused = fused_small_domain_pass(data)) {
      if (level == agreement::Level::ratio) {
        check_ratio_values<Derived>(std::vector<double>{fused->smallest}, function);
      }
      return alpha_from_fused(*fused, level, policy, function);
    }
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
LABELKIT_END_NAMESPACE
