#pragma once
/// @file
/// Scott's pi for two annotators (Scott 1955): (p_o - p_e) / (1 - p_e) with p_e = sum_k pi_k^2 and
/// pi_k = (p_k. + p_.k) / 2, the pooled share of category k. It equals Fleiss' kappa for two
/// annotators; the variance is Gwet's (2014) linearisation with a t interval.

#include <Eigen/Core>
#include <concepts>
#include <span>

#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Scott's pi of two annotators (`a[i]`, `b[i]`: their labels for item i). O(n + C^2).
/// Degenerate: both annotators use one and the same category only -> 1 (ZeroDivision::one).
/// @throws labelkit::dimension_mismatch if lengths differ; invalid_argument if empty.
template <class = void>
[[nodiscard]] double scotts_pi(std::span<const int> a, std::span<const int> b) {
  return detail::two_rater_estimate(a, b, WeightScheme::identity, detail::ChanceModel::fleiss, 0.95,
                                    ZeroDivision::one, "scotts_pi")
      .value;
}

/// Scott's pi (weighted with `scheme`) with Gwet's standard error, t interval and p-values.
template <class = void>
[[nodiscard]] Estimate scotts_pi_estimate(std::span<const int> a, std::span<const int> b,
                                          WeightScheme scheme = WeightScheme::identity,
                                          double confidence = 0.95,
                                          ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "scotts_pi_estimate");
  return detail::two_rater_estimate(a, b, scheme, detail::ChanceModel::fleiss, confidence,
                                    zero_division, "scotts_pi_estimate");
}

/// Scott's pi of two annotators with inference settings (see InferenceOptions;
/// `SeConvention::irrcac_table` gives irrCAC's `scott2.table` standard error).
/// @throws as scotts_pi_estimate; labelkit::invalid_argument for a bad confidence or N < n.
template <class = void>
[[nodiscard]] Estimate scotts_pi_estimate(std::span<const int> a, std::span<const int> b,
                                          WeightScheme scheme, const InferenceOptions& options) {
  return detail::two_rater_estimate(a, b, scheme, detail::ChanceModel::fleiss, options.confidence,
                                    options.zero_division, "scotts_pi_estimate", &options);
}

/// Scott's pi of two annotators of a table (by id), over the items both labelled.
/// @throws as annotator_pair and scotts_pi.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double scotts_pi(const Table& table, Index annotator_a, Index annotator_b,
                               ZeroDivision zero_division = ZeroDivision::one) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  if (zero_division == ZeroDivision::one) return scotts_pi(p.a, p.b);
  return scotts_pi_estimate(p.a, p.b, WeightScheme::identity, 0.95, zero_division).value;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
