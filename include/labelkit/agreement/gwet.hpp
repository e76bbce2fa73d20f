#pragma once
/// @file
/// Gwet's AC1 and AC2 (Gwet 2008, "Computing inter-rater reliability and its variance in the
/// presence of high agreement", BJMSP 61:29-48; Handbook of Inter-Rater Reliability, 4th ed.
/// 2014), percent agreement and Brennan-Prediger's coefficient (Bennett et al. 1954's S) with
/// weights, standard errors, confidence intervals and p-values, for two or more annotators and
/// missing ratings. Formulas and variances follow the Handbook (and its R package irrCAC):
///   p_a = mean over items with r_i >= 2 of sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)),
///   r*_ik = sum_l w_kl r_il; AC: p_e = sum(W) / (q (q-1)) sum_k pi_k (1 - pi_k);
///   BP: p_e = sum(W) / q^2; pi_k = mean_i r_ik / r_i.
/// The interval is value +- t_{n-1} se (upper limit capped at 1), the test a t test with n - 1
/// degrees of freedom.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <numbers>
#include <span>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Gwet's predefined agreement weights (Handbook, ch. 3), over category *values* c_k (as irrCAC).
enum class WeightScheme {
  identity,   ///< w_kl = [k == l] (unweighted: AC1, kappa).
  linear,     ///< 1 - |c_k - c_l| / (c_max - c_min).
  quadratic,  ///< 1 - (c_k - c_l)^2 / (c_max - c_min)^2.
  ordinal,    ///< 1 - M_kl / max M, M_kl = C(|k - l| + 1, 2) over category positions.
  radical,    ///< 1 - sqrt|c_k - c_l| / sqrt(c_max - c_min).
  ratio,      ///< 1 - ((c_k - c_l)/(c_k + c_l))^2 / ((c_max - c_min)/(c_max + c_min))^2; c >= 0.
  /// Circular scales (angles, hours, days of the week): d_kl = sin^2(pi (c_k - c_l) / U) with
  /// U = c_max - c_min + 1, w = 1 - d / max d (Gwet 2014, ch. 3; irrCAC `circular.weights`).
  circular,
  /// Bipolar scales (e.g. -3..3, both ends extreme): d_kl = (c_k - c_l)^2 / ((c_k + c_l - 2 c_min)
  /// (2 c_max - c_k - c_l)) for k != l, w = 1 - d / max d (irrCAC `bipolar.weights`).
  bipolar,
};

/// The q x q agreement weight matrix of `scheme` for sorted category values. O(q^2).
/// @throws labelkit::invalid_argument for ratio weights with a negative category value.
template <class Tag = void>
[[nodiscard]] Eigen::MatrixXd agreement_weights(std::span<const double> categories,
                                                WeightScheme scheme) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Tag>;
  const auto q = static_cast<Eigen::Index>(categories.size());
  Matrix w = Matrix::Identity(q, q);
  if (q < 2 || scheme == WeightScheme::identity) return w;
  const double lo = categories.front();
  const double hi = categories.back();
  if (scheme == WeightScheme::ratio && lo < 0) {
    detail::fail("agreement_weights", "ratio weights need non-negative category values (got ", lo,
                 ")");
  }
  if (scheme == WeightScheme::circular || scheme == WeightScheme::bipolar) {
    const double period = hi - lo + 1;
    double largest = 0;
    for (Eigen::Index k = 0; k < q; ++k) {
      for (Eigen::Index l = 0; l < q; ++l) {
        const double ck = categories[static_cast<std::size_t>(k)];
        const double cl = categories[static_cast<std::size_t>(l)];
        double d = 0;
        if (scheme == WeightScheme::circular) {
          const double sine = std::sin(std::numbers::pi * (ck - cl) / period);
          d = sine * sine;
        } else if (k != l) {
          d = (ck - cl) * (ck - cl) / ((ck + cl - 2 * lo) * (2 * hi - ck - cl));
        }
        w(k, l) = d;
        largest = std::max(largest, d);
      }
    }
    return (1.0 - w.array() / largest).matrix();
  }
  const double max_ordinal = static_cast<double>(q * (q - 1)) / 2.0;
  for (Eigen::Index k = 0; k < q; ++k) {
    for (Eigen::Index l = 0; l < q; ++l) {
      if (k == l) continue;
      const double ck = categories[static_cast<std::size_t>(k)];
      const double cl = categories[static_cast<std::size_t>(l)];
      switch (scheme) {
        case WeightScheme::identity:
        case WeightScheme::circular:
        case WeightScheme::bipolar:
          break;
        case WeightScheme::linear:
          w(k, l) = 1 - std::abs(ck - cl) / (hi - lo);
          break;
        case WeightScheme::quadratic:
          w(k, l) = 1 - (ck - cl) * (ck - cl) / ((hi - lo) * (hi - lo));
          break;
        case WeightScheme::radical:
          w(k, l) = 1 - std::sqrt(std::abs(ck - cl)) / std::sqrt(hi - lo);
          break;
        case WeightScheme::ratio: {
          const double x = (ck - cl) / (ck + cl);
          const double y = (hi - lo) / (hi + lo);
          w(k, l) = 1 - x * x / (y * y);
          break;
        }
        case WeightScheme::ordinal: {
          const double m = static_cast<double>(k > l ? k - l : l - k) + 1;
          w(k, l) = 1 - m * (m - 1) / 2 / max_ordinal;
          break;
        }
      }
    }
  }
  return w;
}

}  // namespace agreement
namespace detail {

/// A user agreement-weight matrix checked against the table's categories.
template <class Derived>
[[nodiscard]] Eigen::MatrixXd checked_agreement_weights(const Eigen::MatrixBase<Derived>& weights,
                                                        Eigen::Index q, const char* function) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  if (weights.rows() != q || weights.cols() != q) {
    fail<dimension_mismatch>(function, "'weights' must be ", q, " x ", q,
                             " (one row per category of the table; got ", weights.rows(), " x ",
                             weights.cols(), ")");
  }
  Matrix w = weights.template cast<double>();
  for (Eigen::Index j = 0; j < q; ++j) {
    for (Eigen::Index i = 0; i < q; ++i) {
      if (!(w(i, j) >= 0 && w(i, j) <= 1) || (i == j && w(i, j) != 1)) {
        fail(function,
             "'weights' must be agreement weights in [0, 1] with a unit diagonal "
             "(entry at row ",
             i, ", column ", j, " is ", w(i, j), ")");
      }
    }
  }
  return w;
}

/// The count table of two annotators as distinct patterns with multiplicities (one row per
/// non-empty cell of their contingency table), so two-annotator estimates cost O(n + C^2).
struct PatternTable {
  Eigen::MatrixXd counts;
  Eigen::VectorXd multiplicity;
  std::vector<double> categories;
};

template <class = void>
PatternTable two_rater_patterns(std::span<const int> a, std::span<const int> b,
                                const char* function) {
  const agreement::ContingencyTable t = agreement::contingency_table(a, b, function);
  const Eigen::Index c = t.counts.rows();
  Eigen::Index cells = 0;
  for (Eigen::Index j = 0; j < c; ++j) {
    for (Eigen::Index i = 0; i < c; ++i) cells += t.counts(i, j) > 0 ? 1 : 0;
  }
  check_allocation({static_cast<std::size_t>(cells), static_cast<std::size_t>(c)}, sizeof(double),
                   function, "the response-pattern table");
  PatternTable p;
  p.counts = Eigen::MatrixXd::Zero(cells, c);
  p.multiplicity.resize(cells);
  Eigen::Index row = 0;
  for (Eigen::Index j = 0; j < c; ++j) {
    for (Eigen::Index i = 0; i < c; ++i) {
      if (t.counts(i, j) <= 0) continue;
      p.counts(row, i) += 1;
      p.counts(row, j) += 1;
      p.multiplicity(row) = t.counts(i, j);
      ++row;
    }
  }
  p.categories.assign(t.categories.begin(), t.categories.end());
  return p;
}

/// The one body of the two-annotator coefficients of Gwet's framework (Scott's pi, Gwet's AC1 /
/// AC2, Brennan-Prediger): the response patterns of `a` and `b`, then `model`'s coefficient with
/// `scheme`'s agreement weights over the categories either annotator used. With `options`, checks
/// them against the item count and applies them (confidence and policy come from the caller).
template <class = void>
agreement::Estimate two_rater_estimate(std::span<const int> a, std::span<const int> b,
                                       agreement::WeightScheme scheme, ChanceModel model,
                                       double confidence, agreement::ZeroDivision policy,
                                       const char* function,
                                       const agreement::InferenceOptions* options = nullptr) {
  const auto p = two_rater_patterns(a, b, function);
  if (options) check_inference(*options, static_cast<double>(a.size()), function);
  return chance_corrected_estimate(p.counts, agreement::agreement_weights(p.categories, scheme),
                                   model, confidence, policy, function, &p.multiplicity, options);
}

}  // namespace detail
namespace agreement {

/// Gwet's AC1 of two annotators (`a[i]`, `b[i]`: their labels for item i). Same value as the
/// contingency-table formula p_e = sum_k pi_k (1 - pi_k) / (q - 1), pi_k = (p_k. + p_.k) / 2.
/// Degenerate: a single category in all ratings -> 1 (ZeroDivision::one). O(n + C^2).
/// @throws labelkit::dimension_mismatch if lengths differ; invalid_argument if empty.
template <class = void>
[[nodiscard]] double gwet_ac1(std::span<const int> a, std::span<const int> b) {
  return detail::two_rater_estimate(a, b, WeightScheme::identity, detail::ChanceModel::gwet, 0.95,
                                    ZeroDivision::one, "gwet_ac1")
      .value;
}

/// Gwet's AC1 (or AC2 with `scheme`) of two annotators with Gwet's variance, t interval and
/// p-values.
template <class = void>
[[nodiscard]] Estimate gwet_ac1_estimate(std::span<const int> a, std::span<const int> b,
                                         WeightScheme scheme = WeightScheme::identity,
                                         double confidence = 0.95,
                                         ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "gwet_ac1_estimate");
  return detail::two_rater_estimate(a, b, scheme, detail::ChanceModel::gwet, confidence,
                                    zero_division, "gwet_ac1_estimate");
}

/// Gwet's AC2 (AC1 with identity weights) for any number of annotators from a count table (rows are
/// items; annotators per item may differ; items with one rating enter pi only). O(n q^2).
/// @throws labelkit::invalid_argument if no item has two ratings, or for bad weights/confidence.
template <class = void>
[[nodiscard]] Estimate gwet_ac2(const CountTable& table,
                                WeightScheme scheme = WeightScheme::identity,
                                double confidence = 0.95,
                                ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "gwet_ac2");
  detail::check_count_table(table, "gwet_ac2");
  return detail::chance_corrected_estimate(
      table.counts, agreement_weights(table.categories, scheme), detail::ChanceModel::gwet,
      confidence, zero_division, "gwet_ac2");
}

/// Gwet's AC2 with custom agreement weights (q x q, unit diagonal, entries in [0, 1]).
template <class Derived>
[[nodiscard]] Estimate gwet_ac2(const CountTable& table, const Eigen::MatrixBase<Derived>& weights,
                                double confidence = 0.95,
                                ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "gwet_ac2");
  detail::check_count_table(table, "gwet_ac2");
  return detail::chance_corrected_estimate(
      table.counts, detail::checked_agreement_weights(weights, table.counts.cols(), "gwet_ac2"),
      detail::ChanceModel::gwet, confidence, zero_division, "gwet_ac2");
}

/// (Weighted) percent agreement p_a over items with two or more ratings, with Gwet's variance.
template <class = void>
[[nodiscard]] Estimate percent_agreement(const CountTable& table,
                                         WeightScheme scheme = WeightScheme::identity,
                                         double confidence = 0.95) {
  detail::check_confidence(confidence, "percent_agreement");
  detail::check_count_table(table, "percent_agreement");
  return detail::chance_corrected_estimate(
      table.counts, agreement_weights(table.categories, scheme), detail::ChanceModel::none,
      confidence, ZeroDivision::one, "percent_agreement");
}

/// Share of items on which the two annotators agree. O(n).
/// @throws labelkit::dimension_mismatch if lengths differ; invalid_argument if empty.
[[nodiscard]] inline double percent_agreement(std::span<const int> a, std::span<const int> b) {
  detail::check_pair(a, b, "percent_agreement");
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(same) / static_cast<double>(a.size());
}

/// Brennan & Prediger (1981) / Bennett's S: p_e = sum(W) / q^2 (uniform chance over the q
/// categories of the table), with Gwet's variance. Degenerate q = 1 -> ZeroDivision policy.
template <class = void>
[[nodiscard]] Estimate brennan_prediger(const CountTable& table,
                                        WeightScheme scheme = WeightScheme::identity,
                                        double confidence = 0.95,
                                        ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "brennan_prediger");
  detail::check_count_table(table, "brennan_prediger");
  return detail::chance_corrected_estimate(
      table.counts, agreement_weights(table.categories, scheme), detail::ChanceModel::uniform,
      confidence, zero_division, "brennan_prediger");
}

/// Brennan-Prediger coefficient of two annotators over the categories either of them used.
template <class = void>
[[nodiscard]] double brennan_prediger(std::span<const int> a, std::span<const int> b) {
  return detail::two_rater_estimate(a, b, WeightScheme::identity, detail::ChanceModel::uniform,
                                    0.95, ZeroDivision::one, "brennan_prediger")
      .value;
}

/// Gwet's AC1 (AC2 with `scheme`) of two annotators with inference settings: finite-population
/// correction, variance convention (`SeConvention::irrcac_table` gives irrCAC's
/// `gwet.ac1.table` standard error, sqrt((n - 1) / n) times the default `*.raw` one) and interval.
/// @throws as gwet_ac1_estimate; labelkit::invalid_argument for a bad confidence or N < n.
template <class = void>
[[nodiscard]] Estimate gwet_ac1_estimate(std::span<const int> a, std::span<const int> b,
                                         WeightScheme scheme, const InferenceOptions& options) {
  return detail::two_rater_estimate(a, b, scheme, detail::ChanceModel::gwet, options.confidence,
                                    options.zero_division, "gwet_ac1_estimate", &options);
}

}  // namespace agreement
namespace detail {

/// The count-table overloads with inference settings: validate the table and the options, then
/// estimate the coefficient of `model` with `scheme`'s weights.
template <class = void>
agreement::Estimate table_estimate(const agreement::CountTable& table,
                                   agreement::WeightScheme scheme,
                                   const agreement::InferenceOptions& options, ChanceModel model,
                                   const char* function) {
  check_count_table(table, function);
  check_inference(options, static_cast<double>(table.counts.rows()), function);
  return chance_corrected_estimate(
      table.counts, agreement::agreement_weights(table.categories, scheme), model,
      options.confidence, options.zero_division, function, nullptr, &options);
}

}  // namespace detail
namespace agreement {

/// Gwet's AC2 from a count table with inference settings (see InferenceOptions; N counts items).
/// @throws as gwet_ac2; labelkit::invalid_argument for a bad confidence or N < items.
template <class = void>
[[nodiscard]] Estimate gwet_ac2(const CountTable& table, WeightScheme scheme,
                                const InferenceOptions& options) {
  return detail::table_estimate(table, scheme, options, detail::ChanceModel::gwet, "gwet_ac2");
}

/// Percent agreement from a count table with inference settings (see InferenceOptions).
/// @throws as percent_agreement; labelkit::invalid_argument for a bad confidence or N < items.
template <class = void>
[[nodiscard]] Estimate percent_agreement(const CountTable& table, WeightScheme scheme,
                                         const InferenceOptions& options) {
  return detail::table_estimate(table, scheme, options, detail::ChanceModel::none,
                                "percent_agreement");
}

/// Brennan-Prediger from a count table with inference settings (see InferenceOptions).
/// @throws as brennan_prediger; labelkit::invalid_argument for a bad confidence or N < items.
template <class = void>
[[nodiscard]] Estimate brennan_prediger(const CountTable& table, WeightScheme scheme,
                                        const InferenceOptions& options) {
  return detail::table_estimate(table, scheme, options, detail::ChanceModel::uniform,
                                "brennan_prediger");
}

/// Gwet's AC1 of two annotators of a table (by id), over the items both labelled.
/// @throws as annotator_pair and gwet_ac1.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double gwet_ac1(const Table& table, Index annotator_a, Index annotator_b,
                              ZeroDivision zero_division = ZeroDivision::one) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  if (zero_division == ZeroDivision::one) return gwet_ac1(p.a, p.b);
  return gwet_ac1_estimate(p.a, p.b, WeightScheme::identity, 0.95, zero_division).value;
}

/// Share of the items both annotators (by id) labelled on which they agree.
/// @throws as annotator_pair.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double percent_agreement(const Table& table, Index annotator_a, Index annotator_b) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  return percent_agreement(p.a, p.b);
}

/// Brennan-Prediger coefficient of two annotators of a table (by id), over the items both
/// labelled and the categories either used.
/// @throws as annotator_pair.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double brennan_prediger(const Table& table, Index annotator_a, Index annotator_b,
                                      ZeroDivision zero_division = ZeroDivision::one) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  if (zero_division == ZeroDivision::one) return brennan_prediger(p.a, p.b);
  const auto patterns = detail::two_rater_patterns(p.a, p.b, "brennan_prediger");
  const Eigen::Index q = patterns.counts.cols();
  return detail::chance_corrected_estimate(patterns.counts, Eigen::MatrixXd::Identity(q, q),
                                           detail::ChanceModel::uniform, 0.95, zero_division,
                                           "brennan_prediger", &patterns.multiplicity)
      .value;
}

/// Gwet's AC2 (AC1 with identity weights) of a table with inference (see gwet_ac2).
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate gwet_ac2(const Table& table, WeightScheme scheme = WeightScheme::identity,
                                const InferenceOptions& options = {}) {
  return gwet_ac2(count_table(table), scheme, options);
}

/// (Weighted) percent agreement of a table over items with two or more labels, with inference.
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate percent_agreement(const Table& table,
                                         WeightScheme scheme = WeightScheme::identity,
                                         const InferenceOptions& options = {}) {
  return percent_agreement(count_table(table), scheme, options);
}

/// Brennan-Prediger coefficient of a table over the categories it holds, with inference.
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate brennan_prediger(const Table& table,
                                        WeightScheme scheme = WeightScheme::identity,
                                        const InferenceOptions& options = {}) {
  return brennan_prediger(count_table(table), scheme, options);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
