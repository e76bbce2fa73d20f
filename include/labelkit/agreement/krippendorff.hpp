#pragma once
/// @file
/// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability";
/// Content Analysis, 2004/2013) for any number of annotators, missing values and the nominal,
/// ordinal, interval and ratio metrics or a custom difference function; alpha from value counts,
/// alpha of a subset against the expected disagreement of a reference set, the coincidence
/// matrix, and a seeded bootstrap interval (after Hayes & Krippendorff 2007).
///
/// Reliability data are **annotators x items** (Krippendorff's coders x units; the layout of the
/// `krippendorff` Python package): data(c, u) is annotator c's value for item u, NaN = missing.
/// Missing values are absent: an item with m_u < 2 values is not pairable and contributes nothing.
///
///   alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck,
///   o_ck = sum_u (number of c-k pairs in u) / (m_u - 1), n_c = sum_k o_ck, n = sum_c n_c.
///
/// Difference functions d2: nominal [c != k]; ordinal (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2;
/// interval (c - k)^2; ratio ((c - k) / (c + k))^2.
///
/// Complexity (N = annotators * items, V = distinct values): nominal O(N + V) time and O(V) memory;
/// interval O(N) time and O(1) extra memory (sums of n_v v and n_v v^2, never a V^2 table);
/// ordinal O(N + V) after sorting the V distinct values, since its metric is the interval metric
/// on the mid-ranks M_g = sum_{h<g} n_h + n_g / 2; ratio and custom metrics O(N * d + V^2) time
/// and O(V) memory, d = distinct values within an item (at most the number of annotators). Value
/// lookup is a direct table for integer codes in a compact range and a binary search otherwise.
///
/// This header is the API. The result types are in krippendorff_types.hpp; the data walk in
/// detail/krippendorff_units.hpp and the per-level passes in detail/krippendorff_passes.hpp.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/agreement/detail/krippendorff_passes.hpp"
#include "labelkit/agreement/detail/krippendorff_units.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/krippendorff_types.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/random.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Krippendorff's alpha of annotators x items reliability data (NaN = missing).
/// Degenerate cases: no item with two or more values (everything missing, a single annotator, one
/// value per item) -> labelkit::invalid_argument; all pairable values equal (D_e = 0) -> 1
/// (ZeroDivision::one; see the overload with a policy).
/// @throws labelkit::invalid_argument for empty data, an infinite value, no pairable item, or a
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

/// Alpha with D_o, D_e, the number of pairable values and items.
template <class Derived>
[[nodiscard]] AlphaParts krippendorff_alpha_parts(const Eigen::MatrixBase<Derived>& data,
                                                  Level level = Level::nominal,
                                                  ZeroDivision zero_division = ZeroDivision::one) {
  return detail::alpha_from_data(data, level, static_cast<detail::NoMetric*>(nullptr),
                                 zero_division, "krippendorff_alpha_parts");
}

/// Alpha from value counts: `counts` is items x values (rows are items), counts(u, v) = how many
/// annotators gave item u the value values[v] (the `value_counts` input of the `krippendorff`
/// package). `values` must be strictly increasing; when empty, the values are 0..V-1.
/// O(items * V + V^2).
/// @throws labelkit::invalid_argument for negative counts, non-increasing values or no pairable
///         item; labelkit::dimension_mismatch if values.size() != counts.cols().
template <class Derived>
[[nodiscard]] double krippendorff_alpha_from_counts(
    const Eigen::MatrixBase<Derived>& counts, Level level = Level::nominal,
    std::span<const double> values = {}, ZeroDivision zero_division = ZeroDivision::one) {
  const char* function = "krippendorff_alpha_from_counts";
  if (counts.rows() == 0 || counts.cols() == 0) {
    detail::fail(function, "'counts' is empty (expected items x values)");
  }
  for (Eigen::Index k = 0; k < counts.cols(); ++k) {
    for (Eigen::Index u = 0; u < counts.rows(); ++u) {
      const double x = static_cast<double>(counts(u, k));
      if (!(x >= 0) || std::isinf(x)) {
        detail::fail(function, "'counts' has an invalid count at item (row) ", u,
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

/// Krippendorff's alpha of reliability data with values of any ordered type (strings, enums,
/// ints), as the `krippendorff` package accepts them: `data[a][i]` is annotator a's value for
/// item i (annotators x items, the layout of the matrix overloads), std::nullopt = missing; every
/// row has the same number of items. `value_domain` lists the possible values and, at the
/// ordinal level, fixes their order (the package's `value_domain`); a value outside it is
/// refused. When it is empty the domain is the sorted distinct values, which for non-arithmetic
/// values is accepted only at the nominal level (an order of strings must be given). Interval and
/// ratio need arithmetic values. O(annotators * items * log V + items * V).
/// @throws labelkit::dimension_mismatch if rows differ in length; labelkit::invalid_argument for
///         empty data, a value outside `value_domain`, a repeated domain value, no pairable item,
///         a level that needs numbers or an order the values do not have, or a table over
///         labelkit::max_allocation_bytes.
template <class Value>
[[nodiscard]] double krippendorff_alpha(
    const std::vector<std::vector<std::optional<Value>>>& data, Level level = Level::nominal,
    std::type_identity_t<std::span<const Value>> value_domain = {},
    ZeroDivision zero_division = ZeroDivision::one) {
  const char* function = "krippendorff_alpha";
  if (data.empty() || data.front().empty()) {
    detail::fail(function, "'data' is empty (expected annotators x items)");
  }
  const std::size_t items = data.front().size();
  for (std::size_t a = 0; a < data.size(); ++a) {
    if (data[a].size() != items) {
      detail::fail<dimension_mismatch>(function, "row ", a, " of 'data' has ", data[a].size(),
                                       " items but row 0 has ", items,
                                       " (every annotator's row covers the same items)");
    }
  }
  constexpr bool numeric = std::is_arithmetic_v<Value>;
  if (!numeric && (level == Level::interval || level == Level::ratio)) {
    detail::fail(function,
                 "the interval and ratio levels need numeric values (got a "
                 "non-arithmetic value type; use Level::nominal or Level::ordinal)");
  }
  std::vector<Value> domain(value_domain.begin(), value_domain.end());
  if (domain.empty()) {
    if (!numeric && level != Level::nominal) {
      detail::fail(function,
                   "values that are not numbers have no order of their own: pass a "
                   "'value_domain' listing them in order for the ordinal level");
    }
    for (const auto& row : data) {
      for (const auto& v : row) {
        if (v) domain.push_back(*v);
      }
    }
    std::sort(domain.begin(), domain.end());
    domain.erase(std::unique(domain.begin(), domain.end()), domain.end());
  } else if (numeric && level != Level::ordinal) {
    std::sort(domain.begin(), domain.end());  // only the ordinal level reads the given order
  }
  if (domain.empty()) detail::fail(function, "'data' has no value (every entry is missing)");
  std::map<Value, Eigen::Index> position;
  for (std::size_t k = 0; k < domain.size(); ++k) {
    if (!position.emplace(domain[k], static_cast<Eigen::Index>(k)).second) {
      detail::fail(function, "'value_domain' lists a value twice (position ", k, ")");
    }
  }
  const auto v = static_cast<Eigen::Index>(domain.size());
  detail::check_allocation({items, domain.size()}, sizeof(double), function,
                           "the items x values count table");
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(items), v);
  for (std::size_t a = 0; a < data.size(); ++a) {
    for (std::size_t i = 0; i < items; ++i) {
      const auto& value = data[a][i];
      if (!value) continue;
      const auto found = position.find(*value);
      if (found == position.end()) {
        detail::fail(function, "the value of annotator (row) ", a, " for item (column) ", i,
                     " is not in 'value_domain'");
      }
      counts(static_cast<Eigen::Index>(i), found->second) += 1;
    }
  }
  std::vector<double> values(domain.size());
  for (std::size_t k = 0; k < domain.size(); ++k) {
    if constexpr (numeric) {
      values[k] = level == Level::ordinal ? static_cast<double>(k) : static_cast<double>(domain[k]);
    } else {
      values[k] = static_cast<double>(k);
    }
  }
  return krippendorff_alpha_from_counts(counts, level, values, zero_division);
}

/// Alpha of `data` (e.g. a subset of items or annotators) with the expected disagreement D_e (and,
/// at the ordinal level, the mid-ranks) taken from `reference` (e.g. the full data set), both
/// annotators x items with NaN missing. Useful to compare subsets on a common yardstick.
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
    detail::fail(function, "'reference' has no item with two or more values");
  }
  detail::DataUnits<Eigen::MatrixXd> units(dat, index);
  double expected = 0;
  double expected_n = 0;
  detail::NoMetric* none = nullptr;
  const auto s = detail::alpha_sums(units, index.values(), level, none, false, &ref_totals,
                                    expected, expected_n);
  return detail::finish_alpha(s, expected, expected_n, zero_division, function).alpha;
}

/// The coincidence matrix o_ck of annotators x items data over the sorted distinct values.
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

/// Krippendorff's alpha of a RatingTable (items x annotators with ids): the table is read as
/// Krippendorff's reliability data, annotators x items, so the value equals
/// `krippendorff_alpha(table.annotators_by_items(), level, zero_division)`. This overload is the
/// one to use on wide_ratings()' output; the table converts to no matrix, so it cannot reach the
/// matrix overloads in the wrong orientation.
/// @throws as the matrix overload.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double krippendorff_alpha(const Table& table, Level level = Level::nominal,
                                        ZeroDivision zero_division = ZeroDivision::one) {
  return krippendorff_alpha(table.annotators_by_items(), level, zero_division);
}

/// Krippendorff's alpha of a RatingTable with a custom difference function (see the matrix
/// overload with `distance`).
template <std::same_as<RatingTable> Table, class Distance>
requires std::invocable<Distance&, double, double> &&
    std::convertible_to < std::invoke_result_t<Distance&, double, double>,
double > [[nodiscard]] double krippendorff_alpha(const Table& table, Distance&& distance,
                                                 ZeroDivision zero_division = ZeroDivision::one) {
  return krippendorff_alpha(table.annotators_by_items(), std::forward<Distance>(distance),
                            zero_division);
}

/// Alpha of a RatingTable with D_o, D_e, the number of pairable values and items.
template <std::same_as<RatingTable> Table>
[[nodiscard]] AlphaParts krippendorff_alpha_parts(const Table& table, Level level = Level::nominal,
                                                  ZeroDivision zero_division = ZeroDivision::one) {
  return krippendorff_alpha_parts(table.annotators_by_items(), level, zero_division);
}

/// The coincidence matrix of a RatingTable (read as annotators x items).
template <std::same_as<RatingTable> Table>
[[nodiscard]] Coincidences coincidence_matrix(const Table& table) {
  return coincidence_matrix(table.annotators_by_items());
}

}  // namespace agreement
namespace detail {

/// Krippendorff's metric of `level` as Gwet's agreement weights over the value slots:
/// w = 1 - d2 / max d2 (nominal: the identity). Ordinal uses the mid-ranks of `totals`.
template <class Values>
Eigen::MatrixXd alpha_agreement_weights(const Values& values,
                                        const detail::dependent_t<Eigen::VectorXd, Values>& totals,
                                        agreement::Level level) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Values>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Values>;
  const auto q = static_cast<Eigen::Index>(values.size());
  if (level == agreement::Level::nominal || q < 2) return Matrix::Identity(q, q);
  const Vector positions =
      level == agreement::Level::ordinal ? ordinal_positions(totals) : Vector();
  Matrix d(q, q);
  for (Eigen::Index k = 0; k < q; ++k) {
    for (Eigen::Index l = 0; l < q; ++l) {
      const double ck = values[static_cast<std::size_t>(k)];
      const double cl = values[static_cast<std::size_t>(l)];
      switch (level) {
        case agreement::Level::nominal:
          d(k, l) = k == l ? 0.0 : 1.0;
          break;
        case agreement::Level::ordinal:
          d(k, l) = (positions(k) - positions(l)) * (positions(k) - positions(l));
          break;
        case agreement::Level::interval:
          d(k, l) = (ck - cl) * (ck - cl);
          break;
        case agreement::Level::ratio:
          d(k, l) = ratio_metric(ck, cl);
          break;
      }
    }
  }
  const double largest = d.maxCoeff();
  if (largest == 0) return Matrix::Ones(q, q);
  return (1.0 - d.array() / largest).matrix();
}

}  // namespace detail
namespace agreement {

/// Krippendorff's alpha with Gwet's analytic standard error, confidence interval and p-values
/// (Gwet 2014, Handbook of Inter-Rater Reliability, 4th ed., ch. 5; irrCAC `krippen.alpha.raw`,
/// version 1.4, whose README prints se 0.14548 and p 1.693e-04 for cac.raw4raters). Data are
/// annotators x items (the layout of krippendorff_alpha(); NaN = missing). Alpha is written in
/// Gwet's agreement form with weights w = 1 - d2 / max d2 from Krippendorff's difference function
/// of `level` (nominal: identity; ordinal: the mid-rank metric, whose data-dependent weights the
/// variance treats as fixed), so `value` equals krippendorff_alpha(data, level). Over the n items
/// with two or more values (r_i values each, mean rbar), with a_ik the count of value k in item i:
///   pa' = mean_i (a_i' W a_i - r_i) / (rbar (r_i - 1)), pa = (1 - 1/sum r) pa' + 1/sum r,
///   pi_k = sum_i a_ik / sum r, pe = pi' W pi, alpha = (pa - pe) / (1 - pe),
///   alpha' = (pa' - pe) / (1 - pe), and the linearised terms
///   x_i = (pa_i - pe) / (1 - pe) - 2 (1 - alpha') (pe_i - pe) / (1 - pe) with
///   pa_i = (a_i' W a_i - r_i) / (rbar (r_i - 1)) - pa' (r_i - rbar) / rbar,
///   pe_i = a_i' W pi / rbar - pe (r_i - rbar) / rbar;
///   var = (1 - f) / (n (n - 1)) sum_i (x_i - alpha')^2, f = n0 / N (n0 = all items,
///   N = options.population). The interval is alpha +- t se with n0 - 1 degrees of freedom
///   (irrCAC), upper limit capped at 1; `statistic` = alpha / se. `options.se =
///   SeConvention::irrcac_table` scales the variance by (n - 1) / n; `options.interval` picks z or
///   t.
/// Beside krippendorff_alpha_bootstrap(): this is the analytic, seed-free alternative.
/// O(N + sum_i d_i^2 + V^2), d_i = distinct values in item i, V = distinct values.
/// @throws as krippendorff_alpha; labelkit::invalid_argument for a bad confidence or N < items.
template <class Derived>
[[nodiscard]] Estimate krippendorff_alpha_estimate(const Eigen::MatrixBase<Derived>& data,
                                                   Level level = Level::nominal,
                                                   const InferenceOptions& options = {}) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
  const char* function = "krippendorff_alpha_estimate";
  const detail::ValueIndex index = detail::checked_value_index(data, function, false);
  detail::check_inference(options, static_cast<double>(data.cols()), function);
  if (level == Level::ratio) detail::check_ratio_values<Derived>(index.values(), function);
  const Eigen::Index q = index.size();
  detail::check_allocation({static_cast<std::size_t>(q), static_cast<std::size_t>(q)},
                           sizeof(double), function, "the values x values weight matrix");
  detail::DataUnits<Derived> units(data, index);
  const Vector totals = detail::pairable_totals(units, q);
  const double sum_r = totals.sum();
  if (sum_r == 0) {
    detail::fail(function,
                 "no item has two or more values (alpha needs at least one pairable "
                 "item; data are annotators x items with NaN for missing values)");
  }
  const Matrix w = detail::alpha_agreement_weights(index.values(), totals, level);
  // Pass 1: per-item a_i' W a_i - r_i and r_i.
  std::vector<double> agree;
  std::vector<double> size;
  units([&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
    double quadratic = 0;
    for (std::size_t s = 0; s < idx.size(); ++s) {
      for (std::size_t t = 0; t < idx.size(); ++t) quadratic += cnt[s] * cnt[t] * w(idx[s], idx[t]);
    }
    agree.push_back(quadratic - m);
    size.push_back(m);
  });
  const auto n = static_cast<double>(size.size());
  const double r_bar = sum_r / n;
  const double eps = 1.0 / sum_r;
  double pa_prime = 0;
  for (std::size_t i = 0; i < size.size(); ++i) pa_prime += agree[i] / (r_bar * (size[i] - 1));
  pa_prime /= n;
  const Vector pi = totals / sum_r;
  // Two named products, then their mean: the same arithmetic as one nested expression, which
  // GCC 12's -Wuse-after-free misreads inside Eigen's temporaries at some inlining depths.
  const Vector w_pi_rows = w * pi;
  const Vector w_pi_cols = w.transpose() * pi;
  const Vector w_pi = 0.5 * (w_pi_rows + w_pi_cols);
  const double pe = pi.dot(w * pi);
  Estimate e;
  e.n = static_cast<Eigen::Index>(size.size());
  e.observed = (1 - eps) * pa_prime + eps;
  e.expected = pe;
  const auto n0 = static_cast<double>(data.cols());
  e.df = detail::interval_df(options, n0, n0 - 1);
  if (pe >= 1.0) {
    e.value = detail::zero_division_value(
        options.zero_division, function,
        "expected disagreement D_e = 0 (all pairable values are equal)");
    return e;
  }
  e.value = (e.observed - pe) / (1 - pe);
  if (size.size() < 2) return e;
  const double alpha_prime = (pa_prime - pe) / (1 - pe);
  // Pass 2: the linearised terms x_i.
  double ss = 0;
  std::size_t i = 0;
  units([&](std::span<const Eigen::Index> idx, std::span<const double> cnt, double m) {
    double a_w_pi = 0;
    for (std::size_t s = 0; s < idx.size(); ++s) a_w_pi += cnt[s] * w_pi(idx[s]);
    const double spread = (m - r_bar) / r_bar;
    const double pa_i = agree[i] / (r_bar * (m - 1)) - pa_prime * spread;
    const double pe_i = a_w_pi / r_bar - pe * spread;
    const double x = (pa_i - pe) / (1 - pe) - 2 * (1 - alpha_prime) * (pe_i - pe) / (1 - pe);
    ss += (x - alpha_prime) * (x - alpha_prime);
    ++i;
  });
  double var = (1 - n0 / options.population) * ss / (n * (n - 1));
  if (options.se == SeConvention::irrcac_table) var *= (n - 1) / n;
  e.se = std::sqrt(var);
  detail::finish_inference(e, e.se, options.confidence, true);
  return e;
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
/// disagreement is resampled — here by drawing pairable items with replacement (each carries its
/// disagreement sum and its m_u), alpha_b = 1 - (sum d_u / sum m_u) / D_e. Replicates are
/// capped at [-1, 1] as in Hayes & Krippendorff. The interval is the percentile interval
/// (linear interpolation between order statistics); `probability_below_minimum` is the share of
/// replicates below `options.minimum` (their q). O(N + samples * items).
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

/// Krippendorff's alpha with Gwet's analytic standard error for a RatingTable (read as
/// annotators x items; see the matrix overload).
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate krippendorff_alpha_estimate(const Table& table, Level level = Level::nominal,
                                                   const InferenceOptions& options = {}) {
  return krippendorff_alpha_estimate(table.annotators_by_items(), level, options);
}

/// Seeded bootstrap of alpha for a RatingTable (read as annotators x items; see the matrix
/// overload).
template <std::same_as<RatingTable> Table>
[[nodiscard]] AlphaBootstrap krippendorff_alpha_bootstrap(const Table& table,
                                                          Level level = Level::nominal,
                                                          const BootstrapOptions& options = {}) {
  return krippendorff_alpha_bootstrap(table.annotators_by_items(), level, options);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
