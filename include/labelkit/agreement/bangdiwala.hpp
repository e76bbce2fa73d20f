#pragma once
/// @file
/// Bangdiwala's (1985) B for two annotators: the share of the agreement chart's rectangles that
/// the diagonal squares fill, B = sum_k p_kk^2 / sum_k p_k. p_.k, with the standard error, the
/// interval and the one-sided test of Gwet's R package irrCAC (`bangdiwala.table`, 1.4).
/// Bangdiwala, S. I. (1985), "A graphical test for observer agreement", Proc. 45th ISI Session;
/// Bangdiwala & Shankar (2013), BMC Medical Research Methodology 13:97.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Bangdiwala's B and its inference from a C x C table of counts (rows: first annotator).
/// var = 2 (V1 + V2) / (n b2^2) with V1 = 2 sum_k p_kk^2 (p_kk - 2 B pi_k),
/// V2 = B^2 sum_k (pi_k p_k. p_.k + (P p_.)_k p_.k), pi_k = (p_k. + p_.k) / 2 (irrCAC).
template <class Counts>
agreement::Estimate bangdiwala_from_table(const Counts& counts,
                                          const agreement::InferenceOptions& options,
                                          const char* function) {
  using Vector = detail::dependent_t<Eigen::VectorXd, Counts>;
  using Array = detail::dependent_t<Eigen::ArrayXd, Counts>;
  const double n = counts.sum();
  check_inference(options, n, function);
  const Vector rows = counts.rowwise().sum() / n;
  const Vector cols = counts.colwise().sum().transpose() / n;
  const Vector diagonal = counts.diagonal() / n;
  agreement::Estimate e;
  e.n = static_cast<Eigen::Index>(n);
  const double b1 = diagonal.squaredNorm();
  const double b2 = rows.dot(cols);
  if (b2 == 0.0) {
    // No category used by both annotators: the chart has no diagonal square at all.
    e.value = 0.0;
    return e;
  }
  const double b = b1 / b2;
  e.value = b;
  e.df = n - 1;
  if (n < 2) return e;
  const Array pi = (rows + cols).array() / 2;
  const Array d = diagonal.array();
  const double v1 = 2 * (d.square() * (d - 2 * b * pi)).sum();
  const Array p_rows = ((counts / n) * rows).array();
  const double v2 = b * b * (pi * rows.array() * cols.array() + p_rows * cols.array()).sum();
  const double var = 2 * (v1 + v2) / (n * b2 * b2);
  e.df = interval_df(options, n, n - 1);
  e.se = std::sqrt(std::max(0.0, var * variance_factor(options, n, true)));
  finish_inference(e, e.se, options.confidence, true);
  return e;
}

}  // namespace detail
namespace agreement {

/// Bangdiwala's B of two annotators; `a[i]` and `b[i]` are their labels for item i.
/// B = sum_k p_kk^2 / sum_k p_k. p_.k over the categories either used; 1 for perfect agreement,
/// 0 when no item is labelled alike. Standard error, t interval (n - 1 degrees of freedom, upper
/// limit capped at 1) and one-sided p-value (se-based t test of B = 0) as irrCAC's
/// `bangdiwala.table`, whose variance divides by n (`SeConvention::irrcac_table`, the standard
/// here; `irrcac_raw` scales it by n / (n - 1)). `options.population` applies 1 - n / N.
/// O(n + C^2).
/// @throws labelkit::dimension_mismatch if the lengths differ; labelkit::invalid_argument if empty,
///         for a bad confidence or N < n.
template <class = void>
[[nodiscard]] Estimate bangdiwala_b(std::span<const int> a, std::span<const int> b,
                                    const InferenceOptions& options = {}) {
  const ContingencyTable t = contingency_table(a, b, "bangdiwala_b");
  return detail::bangdiwala_from_table(t.counts, options, "bangdiwala_b");
}

/// Bangdiwala's B from a C x C contingency table (rows: first annotator, columns: second, the
/// categories in the same order). See the overload on label vectors.
/// @throws labelkit::invalid_argument for a non-square, empty, negative or all-zero table, a bad
///         confidence or N < n.
template <class Derived>
[[nodiscard]] Estimate bangdiwala_b(const Eigen::MatrixBase<Derived>& table,
                                    const InferenceOptions& options = {}) {
  detail::check_counts(table, "bangdiwala_b");
  if (table.rows() != table.cols()) {
    detail::fail<dimension_mismatch>("bangdiwala_b", "'table' must be square (got ", table.rows(),
                                     " x ", table.cols(), ")");
  }
  const Eigen::MatrixXd counts = table.template cast<double>();
  if (counts.sum() <= 0) detail::fail("bangdiwala_b", "'table' has no ratings");
  return detail::bangdiwala_from_table(counts, options, "bangdiwala_b");
}

/// Bangdiwala's B of two annotators of a table (by id), over the items both labelled.
/// @throws as annotator_pair and bangdiwala_b.
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate bangdiwala_b(const Table& table, Index annotator_a, Index annotator_b,
                                    const InferenceOptions& options = {}) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  return bangdiwala_b(p.a, p.b, options);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
