#pragma once
/// @file
/// Fleiss' kappa for many annotators from a count table (Fleiss 1971, "Measuring nominal scale
/// agreement among many raters", Psychological Bulletin 76:378-382), its null-hypothesis
/// variance (Fleiss, Nee & Landis 1979), per-category kappas, specific agreement, Randolph's
/// (2005) free-marginal kappa, and the generalisation to unequal numbers of annotators per item
/// with weights and Gwet's (2014) variance.
///
/// Input: `counts`, items x categories (rows are items): counts(i, k) = number of annotators who
/// put item i in category k. Any Eigen dense expression, float/double/int, either storage order.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <limits>

#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Validates a table with equal answers per item and returns the common number of annotators per
/// item.
template <class Derived>
double check_fleiss_table(const Eigen::MatrixBase<Derived>& counts, const char* function) {
  check_counts(counts, function);
  const double n = static_cast<double>(counts.row(0).sum());
  for (Eigen::Index i = 1; i < counts.rows(); ++i) {
    const double ni = static_cast<double>(counts.row(i).sum());
    if (ni != n) {
      fail(function, "row ", i, " of 'counts' has ", ni, " ratings but row 0 has ", n,
           "; Fleiss' kappa needs the same number of annotators for every item (use "
           "fleiss_kappa_generalized() or gwet_ac2() for unequal numbers of annotators, or "
           "krippendorff_alpha())");
    }
  }
  if (n < 2)
    fail(function, "every item has ", n, " rating(s) (expected at least 2 annotators per item)");
  return n;
}

struct FleissParts {
  double p_bar;       ///< Mean observed agreement.
  double p_e;         ///< Chance agreement sum_j p_j^2.
  Eigen::VectorXd p;  ///< Category shares p_j.
  double raters;
  double items;
};

/// Fleiss' P and P_e from the table's sufficient statistics: the number of items, the common
/// number of annotators n per item, the category totals sum_i n_ij and the sum of squares
/// sum_ij n_ij^2. The table overloads and the mergeable FleissState share it.
template <class Tag = void>
FleissParts fleiss_parts_from_sums(double items, double n,
                                   const detail::dependent_t<Eigen::VectorXd, Tag>& column_totals,
                                   double sum_of_squares) {
  FleissParts parts;
  parts.raters = n;
  parts.items = items;
  parts.p = column_totals / (items * n);
  parts.p_bar = (sum_of_squares - items * n) / (items * n * (n - 1));
  parts.p_e = parts.p.squaredNorm();
  return parts;
}

template <class Derived>
FleissParts fleiss_parts(const Eigen::MatrixBase<Derived>& counts, const char* function) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  const double n = check_fleiss_table(counts, function);
  const Matrix c = counts.template cast<double>();
  return fleiss_parts_from_sums(static_cast<double>(c.rows()), n, c.colwise().sum().transpose(),
                                c.array().square().sum());
}

}  // namespace detail
namespace agreement {

/// Fleiss' kappa (Fleiss 1971): kappa = (P - P_e) / (1 - P_e), P = mean_i (sum_j n_ij^2 - n) /
/// (n (n - 1)), P_e = sum_j p_j^2. O(items * categories).
/// Degenerate: all ratings in one category (P_e = 1) -> 1 (ZeroDivision::one).
/// @throws labelkit::invalid_argument if rows have different totals (the message points to
///         fleiss_kappa_generalized / gwet_ac2 / krippendorff_alpha), fewer than 2 annotators per
///         item, an empty table, or a negative / non-finite count.
template <class Derived>
[[nodiscard]] double fleiss_kappa(const Eigen::MatrixBase<Derived>& counts) {
  const auto parts = detail::fleiss_parts(counts, "fleiss_kappa");
  return detail::chance_corrected(parts.p_bar, parts.p_e, ZeroDivision::one, "fleiss_kappa");
}

/// Fleiss' kappa with an explicit policy for P_e = 1.
template <class Derived>
[[nodiscard]] double fleiss_kappa(const Eigen::MatrixBase<Derived>& counts,
                                  ZeroDivision zero_division) {
  const auto parts = detail::fleiss_parts(counts, "fleiss_kappa");
  return detail::chance_corrected(parts.p_bar, parts.p_e, zero_division, "fleiss_kappa");
}

/// Fleiss' kappa with inference. `statistic`, `p_value` and `p_value_one_sided` test kappa = 0
/// with the null standard error of Fleiss, Nee & Landis (1979) (as R irr's `kappam.fleiss`):
/// se0 = sqrt(2) / (sum_j p_j q_j sqrt(N n (n-1))) sqrt((sum_j p_j q_j)^2 - sum_j p_j q_j (q_j -
/// p_j)). `se` and the interval (value +- z se) use Gwet's (2014) non-null linearisation variance.
template <class Derived>
[[nodiscard]] Estimate fleiss_kappa_estimate(const Eigen::MatrixBase<Derived>& counts,
                                             double confidence = 0.95,
                                             ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  using Array = detail::dependent_t<Eigen::ArrayXd, Derived>;
  detail::check_confidence(confidence, "fleiss_kappa_estimate");
  const auto parts = detail::fleiss_parts(counts, "fleiss_kappa_estimate");
  const Matrix c = counts.template cast<double>();
  const Eigen::Index q = c.cols();
  Estimate e =
      detail::chance_corrected_estimate(c, Matrix::Identity(q, q), detail::ChanceModel::fleiss,
                                        confidence, zero_division, "fleiss_kappa_estimate");
  if (parts.p_e >= 1.0) return e;
  e.value =
      detail::chance_corrected(parts.p_bar, parts.p_e, zero_division, "fleiss_kappa_estimate");
  e.df = std::numeric_limits<double>::infinity();
  const Array pq = parts.p.array() * (1.0 - parts.p.array());
  const double s = pq.sum();
  const double se0 = std::sqrt(2.0) /
                     (s * std::sqrt(parts.items * parts.raters * (parts.raters - 1))) *
                     std::sqrt(s * s - (pq * ((1.0 - parts.p.array()) - parts.p.array())).sum());
  detail::finish_inference(e, se0, confidence, false);
  return e;
}

/// Fleiss' kappa generalised to unequal numbers of annotators per item and to agreement weights
/// (Gwet 2014, ch. 2-3; irrCAC `fleiss.kappa.raw`): p_a over items with >= 2 ratings,
/// pi_k = mean_i r_ik / r_i, p_e = sum_kl w_kl pi_k pi_l, with Gwet's variance and a t interval.
/// Equals fleiss_kappa() when every item has the same number of annotators. Rows with no rating are
/// ignored. Categories' values for the weights are the column positions 1..q unless given.
/// @throws labelkit::invalid_argument if no item has two ratings.
template <class Derived>
[[nodiscard]] Estimate fleiss_kappa_generalized(const Eigen::MatrixBase<Derived>& counts,
                                                WeightScheme scheme = WeightScheme::identity,
                                                double confidence = 0.95,
                                                ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "fleiss_kappa_generalized");
  detail::check_counts(counts, "fleiss_kappa_generalized");
  std::vector<double> positions(static_cast<std::size_t>(counts.cols()));
  for (std::size_t k = 0; k < positions.size(); ++k) positions[k] = static_cast<double>(k + 1);
  return detail::chance_corrected_estimate(
      counts.template cast<double>(), agreement_weights(positions, scheme),
      detail::ChanceModel::fleiss, confidence, zero_division, "fleiss_kappa_generalized");
}

/// Generalised Fleiss' kappa on a CountTable (weights use the table's category values).
template <class = void>
[[nodiscard]] Estimate fleiss_kappa_generalized(const CountTable& table,
                                                WeightScheme scheme = WeightScheme::identity,
                                                double confidence = 0.95,
                                                ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "fleiss_kappa_generalized");
  detail::check_count_table(table, "fleiss_kappa_generalized");
  return detail::chance_corrected_estimate(
      table.counts, agreement_weights(table.categories, scheme), detail::ChanceModel::fleiss,
      confidence, zero_division, "fleiss_kappa_generalized");
}

/// Randolph's (2005) free-marginal multirater kappa: p_e = 1 / q with q = number of columns
/// (categories available to the annotators, used or not). Observed agreement as in Fleiss; rows may
/// have unequal totals (items with one rating are skipped). Degenerate q = 1 -> policy.
/// @throws labelkit::invalid_argument if no item has two ratings.
template <class Derived>
[[nodiscard]] double randolph_kappa(const Eigen::MatrixBase<Derived>& counts,
                                    ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  detail::check_counts(counts, "randolph_kappa");
  const Eigen::Index q = counts.cols();
  return detail::chance_corrected_estimate(counts.template cast<double>(), Matrix::Identity(q, q),
                                           detail::ChanceModel::uniform, 0.95, zero_division,
                                           "randolph_kappa")
      .value;
}

/// Fleiss' (1971) kappa of each category j (category j against all others):
/// kappa_j = 1 - sum_i n_ij (n - n_ij) / (N n (n - 1) p_j q_j). A category used by nobody or by
/// everybody (p_j q_j = 0) gets the policy value.
/// @throws as fleiss_kappa.
template <class Derived>
[[nodiscard]] Eigen::VectorXd per_category_kappa(const Eigen::MatrixBase<Derived>& counts,
                                                 ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
  const auto parts = detail::fleiss_parts(counts, "per_category_kappa");
  const Matrix c = counts.template cast<double>();
  const double n = parts.raters;
  Vector out(c.cols());
  for (Eigen::Index j = 0; j < c.cols(); ++j) {
    const double pq = parts.p(j) * (1.0 - parts.p(j));
    if (pq == 0.0) {
      out(j) = detail::zero_division_value(zero_division, "per_category_kappa",
                                           "a category used by no annotator or by every annotator");
      continue;
    }
    const double disagreement = (c.col(j).array() * (n - c.col(j).array())).sum();
    out(j) = 1.0 - disagreement / (parts.items * n * (n - 1) * pq);
  }
  return out;
}

/// Specific (category-wise) agreement: the probability that, given one annotator put an item in
/// category k, another annotator of the same item did too: sum_i n_ik (n_ik - 1) / sum_i n_ik (n_i
/// - 1). Rows may have unequal totals. A category never paired gets the policy value.
template <class Derived>
[[nodiscard]] Eigen::VectorXd specific_agreement(const Eigen::MatrixBase<Derived>& counts,
                                                 ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
  detail::check_counts(counts, "specific_agreement");
  const Matrix c = counts.template cast<double>();
  const Vector r = c.rowwise().sum();
  Vector out(c.cols());
  for (Eigen::Index k = 0; k < c.cols(); ++k) {
    const double num = (c.col(k).array() * (c.col(k).array() - 1.0)).sum();
    const double den = (c.col(k).array() * (r.array() - 1.0)).sum();
    out(k) = den > 0
                 ? num / den
                 : detail::zero_division_value(zero_division, "specific_agreement",
                                               "a category that no two ratings of one item share");
  }
  return out;
}

/// Generalised Fleiss' kappa on a CountTable with inference settings (see InferenceOptions).
/// @throws as fleiss_kappa_generalized; labelkit::invalid_argument for a bad confidence or N <
/// items.
template <class = void>
[[nodiscard]] Estimate fleiss_kappa_generalized(const CountTable& table, WeightScheme scheme,
                                                const InferenceOptions& options) {
  detail::check_count_table(table, "fleiss_kappa_generalized");
  detail::check_inference(options, static_cast<double>(table.counts.rows()),
                          "fleiss_kappa_generalized");
  return detail::chance_corrected_estimate(
      table.counts, agreement_weights(table.categories, scheme), detail::ChanceModel::fleiss,
      options.confidence, options.zero_division, "fleiss_kappa_generalized", nullptr, &options);
}

/// Fleiss' kappa of a table; every item must have the same number of labels (see fleiss_kappa).
/// @throws as fleiss_kappa on count_table(table).counts.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double fleiss_kappa(const Table& table,
                                  ZeroDivision zero_division = ZeroDivision::one) {
  return fleiss_kappa(count_table(table).counts, zero_division);
}

/// Fleiss' kappa of a table with the Fleiss-Nee-Landis null test and Gwet's standard error (see
/// fleiss_kappa_estimate); every item must have the same number of labels.
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate fleiss_kappa_estimate(const Table& table, double confidence = 0.95,
                                             ZeroDivision zero_division = ZeroDivision::one) {
  return fleiss_kappa_estimate(count_table(table).counts, confidence, zero_division);
}

/// Fleiss' kappa generalised to unequal numbers of labels per item, with weights and inference
/// (see fleiss_kappa_generalized on a CountTable; weights use the label values).
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate fleiss_kappa_generalized(const Table& table,
                                                WeightScheme scheme = WeightScheme::identity,
                                                const InferenceOptions& options = {}) {
  return fleiss_kappa_generalized(count_table(table), scheme, options);
}

/// Randolph's free-marginal kappa of a table (q = the categories the table holds).
template <std::same_as<RatingTable> Table>
[[nodiscard]] double randolph_kappa(const Table& table,
                                    ZeroDivision zero_division = ZeroDivision::one) {
  return randolph_kappa(count_table(table).counts, zero_division);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
