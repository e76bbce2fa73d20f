#pragma once
/// @file
/// Coefficients for more than two annotators that keep the annotators' identities: Conger's (1980)
/// kappa, Light's (1971) kappa, and the pairwise agreement matrix over many annotators.
/// Input: wide ratings, items x annotators (rows are items), NaN = missing; entries are category
/// codes (any finite numbers). See tables.hpp to build them from long records.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/scott.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Coefficient used by the pairwise agreement matrix and Light's kappa.
enum class PairwiseMetric {
  percent_agreement,
  cohens_kappa,
  scotts_pi,
  gwet_ac1,
  brennan_prediger
};

}  // namespace agreement
namespace detail {

/// Wide ratings re-coded to category positions (-1 = missing), with the sorted categories.
struct CodedRatings {
  Eigen::MatrixXi codes;
  std::vector<double> categories;
};

template <class Derived>
CodedRatings code_ratings(const Eigen::MatrixBase<Derived>& ratings, const char* function) {
  check_ratings(ratings, function);
  CodedRatings out;
  for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
    for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
      const double v = static_cast<double>(ratings(i, j));
      if (!std::isnan(v)) out.categories.push_back(v);
    }
  }
  std::sort(out.categories.begin(), out.categories.end());
  out.categories.erase(std::unique(out.categories.begin(), out.categories.end()),
                       out.categories.end());
  out.codes.resize(ratings.rows(), ratings.cols());
  for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
    for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
      const double v = static_cast<double>(ratings(i, j));
      out.codes(i, j) =
          std::isnan(v)
              ? -1
              : static_cast<int>(std::lower_bound(out.categories.begin(), out.categories.end(), v) -
                                 out.categories.begin());
    }
  }
  return out;
}

template <class = void>
double pairwise_value(std::span<const int> a, std::span<const int> b,
                      agreement::PairwiseMetric metric, agreement::ZeroDivision policy) {
  switch (metric) {
    case agreement::PairwiseMetric::percent_agreement:
      return agreement::percent_agreement(a, b);
    case agreement::PairwiseMetric::cohens_kappa:
      return cohens_kappa(a, b, agreement::Weights::none, policy);
    case agreement::PairwiseMetric::scotts_pi:
      return scotts_pi_estimate(a, b, agreement::WeightScheme::identity, 0.95, policy).value;
    case agreement::PairwiseMetric::gwet_ac1:
      return gwet_ac1_estimate(a, b, agreement::WeightScheme::identity, 0.95, policy).value;
    case agreement::PairwiseMetric::brennan_prediger: {
      return two_rater_estimate(a, b, agreement::WeightScheme::identity, ChanceModel::uniform, 0.95,
                                policy, "pairwise_agreement")
          .value;
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail
namespace agreement {

/// R x R matrix of a two-annotator coefficient between every pair of annotators (columns of
/// `ratings`), each over the items both rated. Diagonal: 1. Pairs without a common item: NaN. O(R^2
/// n).
/// @throws labelkit::invalid_argument for empty ratings or an infinite value.
template <class Derived>
[[nodiscard]] Eigen::MatrixXd pairwise_agreement(
    const Eigen::MatrixBase<Derived>& ratings, PairwiseMetric metric = PairwiseMetric::cohens_kappa,
    ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  const auto coded = detail::code_ratings(ratings, "pairwise_agreement");
  const Eigen::Index r = coded.codes.cols();
  Matrix out = Matrix::Identity(r, r);
  std::vector<int> a;
  std::vector<int> b;
  for (Eigen::Index g = 0; g < r; ++g) {
    for (Eigen::Index h = g + 1; h < r; ++h) {
      a.clear();
      b.clear();
      for (Eigen::Index i = 0; i < coded.codes.rows(); ++i) {
        if (coded.codes(i, g) >= 0 && coded.codes(i, h) >= 0) {
          a.push_back(coded.codes(i, g));
          b.push_back(coded.codes(i, h));
        }
      }
      out(g, h) = out(h, g) = a.empty() ? std::numeric_limits<double>::quiet_NaN()
                                        : detail::pairwise_value(a, b, metric, zero_division);
    }
  }
  return out;
}

/// Light's (1971) kappa: the mean of Cohen's kappa over all pairs of annotators that share at least
/// one item (each pair over its common items). Degenerate pairs follow the policy.
/// @throws labelkit::invalid_argument if no two annotators share an item.
template <class Derived>
[[nodiscard]] double light_kappa(const Eigen::MatrixBase<Derived>& ratings,
                                 ZeroDivision zero_division = ZeroDivision::one) {
  const Eigen::MatrixXd m =
      pairwise_agreement(ratings, PairwiseMetric::cohens_kappa, zero_division);
  double sum = 0;
  Eigen::Index pairs = 0;
  for (Eigen::Index g = 0; g < m.rows(); ++g) {
    for (Eigen::Index h = g + 1; h < m.cols(); ++h) {
      if (!std::isnan(m(g, h)) || zero_division == ZeroDivision::nan) {
        // a NaN produced by the nan policy propagates; a NaN for "no common item" is skipped
        bool common = false;
        for (Eigen::Index i = 0; i < ratings.rows() && !common; ++i) {
          common = !std::isnan(static_cast<double>(ratings(i, g))) &&
                   !std::isnan(static_cast<double>(ratings(i, h)));
        }
        if (!common) continue;
        sum += m(g, h);
        ++pairs;
      }
    }
  }
  if (pairs == 0) detail::fail("light_kappa", "no two annotators share an item");
  return sum / static_cast<double>(pairs);
}

/// Conger's (1980) kappa for any number of annotators with missing ratings and weights, with Gwet's
/// (2014) variance (irrCAC `conger.kappa.raw`): p_e = sum_kl w_kl (pbar_k pbar_l - s2_kl / r),
/// where p_gk is annotator g's share of category k, pbar_k its mean over annotators and s2_kl their
/// covariance. Rows with no rating and annotators with no rating are dropped. O(n r q + r q^2).
/// @throws labelkit::invalid_argument if fewer than two annotators rated anything or no item has
/// two
///         ratings.
template <class Derived>
[[nodiscard]] Estimate conger_kappa(const Eigen::MatrixBase<Derived>& ratings,
                                    WeightScheme scheme = WeightScheme::identity,
                                    double confidence = 0.95,
                                    ZeroDivision zero_division = ZeroDivision::one) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
  using IntMatrix = detail::dependent_t<Eigen::MatrixXi, Derived>;
  const char* function = "conger_kappa";
  detail::check_confidence(confidence, function);
  const auto coded_all = detail::code_ratings(ratings, function);
  // Keep rated rows and annotators.
  std::vector<Eigen::Index> rows;
  std::vector<Eigen::Index> cols;
  for (Eigen::Index i = 0; i < coded_all.codes.rows(); ++i) {
    if ((coded_all.codes.row(i).array() >= 0).any()) rows.push_back(i);
  }
  for (Eigen::Index g = 0; g < coded_all.codes.cols(); ++g) {
    if ((coded_all.codes.col(g).array() >= 0).any()) cols.push_back(g);
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto r = static_cast<Eigen::Index>(cols.size());
  if (r < 2) detail::fail(function, "fewer than two annotators gave a rating (got ", r, ")");
  const IntMatrix codes = coded_all.codes(rows, cols);
  const auto q = static_cast<Eigen::Index>(coded_all.categories.size());
  detail::check_category_count(q, function, "distinct values in 'ratings'");
  detail::check_allocation({static_cast<std::size_t>(n), static_cast<std::size_t>(q)},
                           sizeof(double), function, "the items x categories table");
  const Matrix w = agreement_weights(coded_all.categories, scheme);
  Matrix a = Matrix::Zero(n, q);
  Matrix classif = Matrix::Zero(r, q);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index g = 0; g < r; ++g) {
      const int k = codes(i, g);
      if (k >= 0) {
        a(i, k) += 1;
        classif(g, k) += 1;
      }
    }
  }
  Estimate e = detail::chance_corrected_estimate(a, w, detail::ChanceModel::none, confidence,
                                                 zero_division, function);
  const double pa = e.observed;
  const Vector ng = classif.rowwise().sum();
  const Matrix pgk = classif.array().colwise() / ng.array();
  const Vector pmk = pgk.colwise().sum().transpose() / static_cast<double>(r);
  const Matrix s2 = (pgk.transpose() * pgk - static_cast<double>(r) * pmk * pmk.transpose()) /
                    static_cast<double>(r - 1);
  const double pe =
      q >= 2 ? (w.array() * (pmk * pmk.transpose() - s2 / static_cast<double>(r)).array()).sum()
             : 1.0;
  e.expected = pe;
  e.p_value = e.p_value_one_sided = e.statistic = e.se = e.ci_lower = e.ci_upper =
      std::numeric_limits<double>::quiet_NaN();
  if (pe >= 1.0) {
    e.value = detail::zero_division_value(
        zero_division, function, "chance agreement p_e = 1 (every rating is in one category)");
    return e;
  }
  const double kappa = (pa - pe) / (1 - pe);
  e.value = kappa;
  if (n < 2) return e;
  // Per-item terms (Gwet 2014, irrCAC).
  const Matrix aw = a * w.transpose();
  const Matrix wp = pgk * w.transpose();  // wp(g, k) = sum_l w_kl p_gl
  const double dn = static_cast<double>(n);
  double n2 = 0;
  for (Eigen::Index i = 0; i < n; ++i) n2 += a.row(i).sum() >= 2 ? 1 : 0;
  double ss = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    double lambda = 0;
    for (Eigen::Index g = 0; g < r; ++g) {
      const int label = codes(i, g);
      const double eps = label >= 0 ? 1.0 : 0.0;
      const double scale = dn / ng(g);
      for (Eigen::Index k = 0; k < q; ++k) {
        const double delta = label >= 0 ? w(k, label) : 0.0;
        const double inner = delta - (eps - ng(g) / dn) * wp(g, k);
        lambda += scale * inner * (static_cast<double>(r) * pmk(k) - pgk(g, k));
      }
    }
    const double pe_i = lambda / static_cast<double>(r * (r - 1));
    const double ri = a.row(i).sum();
    const double pa_i =
        ri >= 2 ? (a.row(i).array() * (aw.row(i).array() - 1.0)).sum() / (ri * (ri - 1)) : 0.0;
    const double ci = (dn / n2) * (pa_i - (ri >= 2 ? pe : 0.0)) / (1 - pe) -
                      2 * (1 - kappa) * (pe_i - pe) / (1 - pe);
    ss += (ci - kappa) * (ci - kappa);
  }
  e.se = std::sqrt(ss / (dn * (dn - 1)));
  detail::finish_inference(e, e.se, confidence, true);
  return e;
}

/// A two-annotator coefficient between every pair of annotators, with their ids.
struct PairwiseAgreement {
  std::vector<Index> annotators;  ///< Annotator id of each row and column, ascending.
  /// values(g, h): the coefficient of annotators[g] and annotators[h] over the items both
  /// labelled; 1 on the diagonal, NaN for a pair without a common item.
  Eigen::MatrixXd values;

  /// The coefficient of two annotators (by id), or std::nullopt if an id is absent or the two
  /// share no item. O(log annotators).
  [[nodiscard]] std::optional<double> between(Index annotator_a, Index annotator_b) const {
    const auto g = std::lower_bound(annotators.begin(), annotators.end(), annotator_a);
    const auto h = std::lower_bound(annotators.begin(), annotators.end(), annotator_b);
    if (g == annotators.end() || *g != annotator_a || h == annotators.end() || *h != annotator_b) {
      return std::nullopt;
    }
    const double v = values(g - annotators.begin(), h - annotators.begin());
    if (v != v) return std::nullopt;
    return v;
  }
};

/// Conger's kappa of a table, with Gwet's variance (see conger_kappa on a matrix).
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate conger_kappa(const Table& table,
                                    WeightScheme scheme = WeightScheme::identity,
                                    double confidence = 0.95,
                                    ZeroDivision zero_division = ZeroDivision::one) {
  return conger_kappa(table.items_by_annotators(), scheme, confidence, zero_division);
}

/// Light's kappa of a table: the mean Cohen's kappa over the pairs of annotators who share an item.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double light_kappa(const Table& table,
                                 ZeroDivision zero_division = ZeroDivision::one) {
  return light_kappa(table.items_by_annotators(), zero_division);
}

/// A two-annotator coefficient between every pair of the table's annotators, with their ids.
/// O(annotators^2 * items).
template <std::same_as<RatingTable> Table>
[[nodiscard]] PairwiseAgreement pairwise_agreement(
    const Table& table, PairwiseMetric metric = PairwiseMetric::cohens_kappa,
    ZeroDivision zero_division = ZeroDivision::one) {
  PairwiseAgreement out;
  out.values = pairwise_agreement(table.items_by_annotators(), metric, zero_division);
  out.annotators = table.annotator_ids();
  return out;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
