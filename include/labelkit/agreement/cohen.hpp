#pragma once
/// @file
/// Cohen's kappa for two annotators (Cohen 1960), weighted kappa (Cohen 1968) and its asymptotic
/// inference (Fleiss, Cohen & Everitt 1969, as in SAS PROC FREQ and statsmodels).
///
/// kappa_w = 1 - sum_ij w_ij o_ij / sum_ij w_ij e_ij with disagreement weights w (0 on the
/// diagonal), observed proportions o and expected e_ij = p_i. p_.j. Categories are the sorted
/// distinct codes seen in either annotator; linear and quadratic weights use the distance between
/// category *positions* in that order, |i - j| and (i - j)^2, exactly as scikit-learn's
/// `cohen_kappa_score`.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Predefined weightings of Cohen's kappa (scikit-learn's `weights`).
enum class Weights {
  none,       ///< Unweighted: every disagreement counts 1.
  linear,     ///< Disagreement |i - j| between category positions.
  quadratic,  ///< Disagreement (i - j)^2 between category positions.
};

/// The two annotators' contingency table: counts(i, j) = items annotator a put in categories[i] and
/// annotator b in categories[j]; categories are the sorted distinct codes of both annotators.
struct ContingencyTable {
  Eigen::MatrixXd counts;       ///< K x K item counts, rater a by row, rater b by column.
  std::vector<int> categories;  ///< The K category codes, ascending (row/column order).
};

/// Builds the contingency table of two annotators in O(n) (compact codes) or O(n log n).
/// @throws labelkit::dimension_mismatch if lengths differ; invalid_argument if empty.
template <class Tag = void>
[[nodiscard]] ContingencyTable contingency_table(std::span<const int> a, std::span<const int> b,
                                                 const char* function = "contingency_table") {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Tag>;
  using IntArray = detail::dependent_t<Eigen::ArrayXi, Tag>;
  detail::check_pair(a, b, function);
  ContingencyTable t;
  // Fast path: codes within a span of at most 256 values are counted straight into a dense
  // range x range table (one min/max pass, one counting pass), then unused codes are dropped.
  // Eigen's reductions are explicitly vectorised (a scalar min/max loop is not, at -O2).
  const auto n = static_cast<Eigen::Index>(a.size());
  const Eigen::Map<const IntArray> ma(a.data(), n);
  const Eigen::Map<const IntArray> mb(b.data(), n);
  const int lo = std::min(ma.minCoeff(), mb.minCoeff());
  const int hi = std::max(ma.maxCoeff(), mb.maxCoeff());
  if (static_cast<long long>(hi) - lo < 256) {
    const int range = hi - lo + 1;
    std::vector<long long> cells(static_cast<std::size_t>(range * range), 0);
    for (std::size_t i = 0; i < a.size(); ++i) {
      ++cells[static_cast<std::size_t>((a[i] - lo) * range + (b[i] - lo))];
    }
    std::vector<int> used;
    for (int x = 0; x < range; ++x) {
      long long marginal = 0;
      for (int y = 0; y < range; ++y) {
        marginal += cells[static_cast<std::size_t>(x * range + y)] +
                    cells[static_cast<std::size_t>(y * range + x)];
      }
      if (marginal > 0) used.push_back(x);
    }
    const auto c = static_cast<Eigen::Index>(used.size());
    t.counts.resize(c, c);
    for (Eigen::Index i = 0; i < c; ++i) {
      t.categories.push_back(used[static_cast<std::size_t>(i)] + lo);
      for (Eigen::Index j = 0; j < c; ++j) {
        t.counts(i, j) = static_cast<double>(cells[static_cast<std::size_t>(
            used[static_cast<std::size_t>(i)] * range + used[static_cast<std::size_t>(j)])]);
      }
    }
    return t;
  }
  const detail::CodeIndex index(a, b);
  const Eigen::Index c = index.size();
  detail::check_category_count(c, function, "distinct codes in 'a' and 'b'");
  t.categories = index.codes();
  if (c <= 4096) {
    // Integer counts in a flat buffer: exact and cache friendly.
    std::vector<long long> cells(static_cast<std::size_t>(c * c), 0);
    for (std::size_t i = 0; i < a.size(); ++i) {
      ++cells[static_cast<std::size_t>(index(a[i]) * c + index(b[i]))];
    }
    t.counts.resize(c, c);
    for (Eigen::Index i = 0; i < c; ++i) {
      for (Eigen::Index j = 0; j < c; ++j) {
        t.counts(i, j) = static_cast<double>(cells[static_cast<std::size_t>(i * c + j)]);
      }
    }
  } else {
    t.counts = Matrix::Zero(c, c);
    for (std::size_t i = 0; i < a.size(); ++i) t.counts(index(a[i]), index(b[i])) += 1.0;
  }
  return t;
}

}  // namespace agreement
namespace detail {

/// Disagreement weights for `c` categories (positions 0..c-1).
template <class = void>
[[nodiscard]] Eigen::MatrixXd disagreement_weights(Eigen::Index c, agreement::Weights w) {
  Eigen::MatrixXd out(c, c);
  for (Eigen::Index i = 0; i < c; ++i) {
    for (Eigen::Index j = 0; j < c; ++j) {
      const double d = static_cast<double>(i > j ? i - j : j - i);
      out(i, j) = w == agreement::Weights::none     ? (i == j ? 0.0 : 1.0)
                  : w == agreement::Weights::linear ? d
                                                    : d * d;
    }
  }
  return out;
}

/// Validates a user weight matrix and returns it as *disagreement* weights. Accepted: a
/// disagreement matrix (all diagonal entries 0, entries >= 0: Cohen 1968, statsmodels) or an
/// agreement matrix (all diagonal entries 1, entries in [0, 1]: Gwet, irrCAC), turned into 1 - W.
/// Both give the same kappa. Anything else is ambiguous and rejected.
template <class Derived>
[[nodiscard]] Eigen::MatrixXd user_disagreement_weights(const Eigen::MatrixBase<Derived>& weights,
                                                        const char* function) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
  if (weights.rows() != weights.cols() || weights.rows() == 0) {
    fail<dimension_mismatch>(function, "'weights' must be square and non-empty (got ",
                             weights.rows(), " x ", weights.cols(), ")");
  }
  Matrix w = weights.template cast<double>();
  bool zero_diagonal = true;
  bool one_diagonal = true;
  for (Eigen::Index i = 0; i < w.rows(); ++i) {
    zero_diagonal = zero_diagonal && w(i, i) == 0.0;
    one_diagonal = one_diagonal && w(i, i) == 1.0;
  }
  for (Eigen::Index j = 0; j < w.cols(); ++j) {
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      const double v = w(i, j);
      if (!std::isfinite(v) || v < 0 || (one_diagonal && v > 1)) {
        fail(function, "'weights' has an invalid entry at row ", i, ", column ", j, " (got ", v,
             "; expected disagreement weights >= 0 with a zero diagonal, or agreement weights in "
             "[0, 1] with a unit diagonal)");
      }
    }
  }
  if (zero_diagonal || one_diagonal) {
    // A matrix in which no two categories disagree makes kappa 0/0 for any data (it would
    // otherwise read total disagreement as perfect agreement): refuse it here.
    bool any_disagreement = w.rows() == 1;
    for (Eigen::Index j = 0; j < w.cols() && !any_disagreement; ++j) {
      for (Eigen::Index i = 0; i < w.rows(); ++i) {
        if (i != j && w(i, j) != (zero_diagonal ? 0.0 : 1.0)) {
          any_disagreement = true;
          break;
        }
      }
    }
    if (!any_disagreement) {
      fail(function, "'weights' gives no pair of categories any disagreement (every off-diagonal ",
           zero_diagonal ? "disagreement weight is 0" : "agreement weight is 1",
           "), so kappa is undefined for any data (expected at least one off-diagonal ",
           zero_diagonal ? "entry > 0)" : "entry < 1)");
    }
  }
  if (zero_diagonal) return w;
  if (one_diagonal) return (1.0 - w.array()).matrix();
  fail(function,
       "'weights' must have a diagonal of all 0 (disagreement weights, Cohen 1968) or "
       "all 1 (agreement weights, Gwet 2014)");
}

/// Maps the table's categories to rows of a user matrix of size m: by code when every code lies
/// in [0, m), else by position when exactly m categories were observed.
inline std::vector<Eigen::Index> weight_rows(const std::vector<int>& categories, Eigen::Index m,
                                             const char* function) {
  std::vector<Eigen::Index> rows(categories.size());
  const bool by_code = std::all_of(categories.begin(), categories.end(),
                                   [m](int code) { return code >= 0 && code < m; });
  if (by_code) {
    for (std::size_t i = 0; i < categories.size(); ++i) rows[i] = categories[i];
    return rows;
  }
  if (static_cast<Eigen::Index>(categories.size()) != m) {
    fail<dimension_mismatch>(function, "'weights' is ", m, " x ", m, " but the annotators used ",
                             categories.size(), " categories whose codes are not all in [0, ", m,
                             ") (rows are indexed by code in [0, C), or by position among the "
                             "sorted observed codes when exactly C are observed)");
  }
  for (std::size_t i = 0; i < categories.size(); ++i) rows[i] = static_cast<Eigen::Index>(i);
  return rows;
}

/// Kappa and its inference from a contingency table and disagreement weights.
template <class Tag = void>
agreement::Estimate kappa_from_table(const detail::dependent_t<Eigen::MatrixXd, Tag>& counts,
                                     const detail::dependent_t<Eigen::MatrixXd, Tag>& w,
                                     double confidence, agreement::ZeroDivision policy,
                                     bool inference, const char* function,
                                     const agreement::InferenceOptions* options = nullptr) {
  using Matrix = detail::dependent_t<Eigen::MatrixXd, Tag>;
  using Vector = detail::dependent_t<Eigen::VectorXd, Tag>;
  using RowVector = detail::dependent_t<Eigen::RowVectorXd, Tag>;
  const double n = counts.sum();
  if (!(n < 0x1p63)) {
    labelkit::detail::fail<numerical_error>(function, "the table holds ", n,
                                            " items, more than an int64 counts");
  }
  const Vector row = counts.rowwise().sum();
  const RowVector col = counts.colwise().sum();
  const double observed_disagreement = (w.array() * counts.array()).sum();
  const double expected_disagreement = (row.transpose() * w * col.transpose())(0, 0) / n;
  agreement::Estimate e;
  e.n = static_cast<Eigen::Index>(n);
  const double w_max = w.maxCoeff();
  if (w_max > 0) {
    e.observed = 1.0 - observed_disagreement / n / w_max;
    e.expected = 1.0 - expected_disagreement / n / w_max;
  } else {
    e.observed = e.expected = 1.0;
  }
  if (expected_disagreement == 0.0) {
    Eigen::Index used = 0;
    for (Eigen::Index k = 0; k < counts.rows(); ++k) used += row(k) + col(k) > 0 ? 1 : 0;
    if (used > 1) {
      // Several categories are in use, yet the weights give none of their pairs a disagreement:
      // a property of the weights, not of the data, so no policy value stands in for it.
      fail(function, "the weights give no disagreement between any two of the ", used,
           " categories the annotators used, so kappa is undefined (expected at least one positive "
           "disagreement weight among the observed categories)");
    }
    e.value = zero_division_value(policy, function,
                                  "no disagreement is expected by chance (both annotators used one "
                                  "and the same single category)");
    return e;
  }
  e.value = 1.0 - observed_disagreement / expected_disagreement;
  if (!inference) return e;
  // Fleiss, Cohen & Everitt (1969) with agreement weights v = 1 - w / max(w).
  const Matrix v = (1.0 - w.array() / w_max).matrix();
  const Matrix p = counts / n;
  const Vector pr = row / n;
  const Vector pc = col.transpose() / n;
  const Vector v_row = v * pc;              // sum_j v_ij p_.j
  const Vector v_col = v.transpose() * pr;  // sum_i v_ij p_i.
  const double pe = e.expected;
  const double k = e.value;
  double term = 0;
  double term0 = 0;
  for (Eigen::Index j = 0; j < p.cols(); ++j) {
    for (Eigen::Index i = 0; i < p.rows(); ++i) {
      const double a = v(i, j) - (v_row(i) + v_col(j)) * (1 - k);
      term += p(i, j) * a * a;
      const double b = v(i, j) - (v_row(i) + v_col(j));
      term0 += pr(i) * pc(j) * b * b;
    }
  }
  const double factor = 1.0 / ((1 - pe) * (1 - pe) * n);
  const double var = (term - (k - pe * (1 - k)) * (k - pe * (1 - k))) * factor;
  const double var0 = (term0 - pe * pe) * factor;
  double adjust = 1.0;
  if (options) {
    adjust = variance_factor(*options, n, true);
    e.df = interval_df(*options, n, e.df);
  }
  e.se = std::sqrt(std::max(0.0, var * adjust));
  finish_inference(e, std::sqrt(std::max(0.0, var0 * adjust)), confidence, false);
  return e;
}

}  // namespace detail
namespace agreement {

/// Cohen's kappa of two annotators; `a[i]` and `b[i]` are their labels for item i (any int codes).
/// O(n) for compact codes (O(n log n) otherwise) plus O(C^2).
/// Degenerate case: both annotators use one and the same category only (p_e = 1) -> 1
/// (`ZeroDivision::one`; see the overload taking a policy).
/// @throws labelkit::dimension_mismatch if the lengths differ; labelkit::invalid_argument if empty.
template <class = void>
[[nodiscard]] double cohens_kappa(std::span<const int> a, std::span<const int> b,
                                  Weights w = Weights::none) {
  const ContingencyTable t = contingency_table(a, b, "cohens_kappa");
  return detail::kappa_from_table(t.counts, detail::disagreement_weights(t.counts.rows(), w), 0.95,
                                  ZeroDivision::one, false, "cohens_kappa")
      .value;
}

/// Cohen's kappa with an explicit zero-division policy for p_e = 1.
template <class = void>
[[nodiscard]] double cohens_kappa(std::span<const int> a, std::span<const int> b, Weights w,
                                  ZeroDivision zero_division) {
  const ContingencyTable t = contingency_table(a, b, "cohens_kappa");
  return detail::kappa_from_table(t.counts, detail::disagreement_weights(t.counts.rows(), w), 0.95,
                                  zero_division, false, "cohens_kappa")
      .value;
}

/// Weighted kappa (Cohen 1968) with a custom C x C weight matrix. Either disagreement weights
/// (zero diagonal, entries >= 0, as Cohen 1968 / statsmodels) or agreement weights (unit
/// diagonal, entries in [0, 1], as Gwet / irrCAC); both conventions give the same kappa. Rows
/// and columns are indexed by the label code when every code lies in [0, C), otherwise by the
/// position among the sorted observed codes (then exactly C codes must be observed).
/// A matrix that gives no pair of categories a disagreement (all zero disagreement weights, all
/// one agreement weights), or none among the categories the annotators used, is refused: kappa is
/// 0/0 there whatever the ratings are. The `zero_division` policy covers only data in which both
/// annotators used one and the same single category.
/// @throws labelkit::dimension_mismatch for mismatched lengths or a weight matrix that does not
///         fit the codes; labelkit::invalid_argument for a malformed weight matrix or one with
///         no disagreement among the observed categories.
template <class Derived>
[[nodiscard]] double cohens_kappa(std::span<const int> a, std::span<const int> b,
                                  const Eigen::MatrixBase<Derived>& weights,
                                  ZeroDivision zero_division = ZeroDivision::one) {
  const ContingencyTable t = contingency_table(a, b, "cohens_kappa");
  // Shape first (does the matrix fit the codes?), then content.
  const auto rows = detail::weight_rows(t.categories, weights.rows(), "cohens_kappa");
  const Eigen::MatrixXd full = detail::user_disagreement_weights(weights, "cohens_kappa");
  const auto c = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd w(c, c);
  for (Eigen::Index i = 0; i < c; ++i) {
    for (Eigen::Index j = 0; j < c; ++j)
      w(i, j) = full(rows[static_cast<std::size_t>(i)], rows[static_cast<std::size_t>(j)]);
  }
  return detail::kappa_from_table(t.counts, w, 0.95, zero_division, false, "cohens_kappa").value;
}

/// Cohen's kappa with asymptotic inference (Fleiss, Cohen & Everitt 1969; SAS PROC FREQ,
/// statsmodels `cohens_kappa`): `se` is the large-sample standard error, the interval is
/// value +- z * se, and the z test of kappa = 0 uses the variance under the null hypothesis.
/// `observed` and `expected` are the (weighted) agreement proportions with agreement weights
/// 1 - w / max(w).
/// @throws as cohens_kappa; labelkit::invalid_argument if confidence is not in (0, 1).
template <class = void>
[[nodiscard]] Estimate cohens_kappa_estimate(std::span<const int> a, std::span<const int> b,
                                             Weights w = Weights::none, double confidence = 0.95,
                                             ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "cohens_kappa_estimate");
  const ContingencyTable t = contingency_table(a, b, "cohens_kappa_estimate");
  return detail::kappa_from_table(t.counts, detail::disagreement_weights(t.counts.rows(), w),
                                  confidence, zero_division, true, "cohens_kappa_estimate");
}

/// Cohen's kappa with inference from a C x C contingency table (rows: annotator a, columns:
/// annotator b, categories in order; weights by position).
/// @throws labelkit::invalid_argument for a non-square, empty, negative or all-zero table.
template <class Derived>
[[nodiscard]] Estimate cohens_kappa_estimate(const Eigen::MatrixBase<Derived>& table,
                                             Weights w = Weights::none, double confidence = 0.95,
                                             ZeroDivision zero_division = ZeroDivision::one) {
  detail::check_confidence(confidence, "cohens_kappa_estimate");
  detail::check_counts(table, "cohens_kappa_estimate");
  if (table.rows() != table.cols()) {
    detail::fail<dimension_mismatch>("cohens_kappa_estimate", "'table' must be square (got ",
                                     table.rows(), " x ", table.cols(), ")");
  }
  const Eigen::MatrixXd counts = table.template cast<double>();
  if (counts.sum() <= 0) detail::fail("cohens_kappa_estimate", "'table' has no ratings");
  return detail::kappa_from_table(counts, detail::disagreement_weights(counts.rows(), w),
                                  confidence, zero_division, true, "cohens_kappa_estimate");
}

/// Cohen's kappa with inference settings (see InferenceOptions): the finite-population
/// correction 1 - n / N, the variance convention and the interval distribution. The defaults
/// reproduce the overload above (Fleiss, Cohen & Everitt 1969: divisor n, z interval);
/// `{.se = SeConvention::irrcac_table, .interval = IntervalDistribution::student_t}` gives
/// irrCAC's `kappa2.table` standard error and interval (t with n - 1 degrees of freedom, upper
/// limit not capped here); `SeConvention::irrcac_raw` scales the variance by n / (n - 1).
/// The test of kappa = 0 keeps the null variance (irrCAC's one-sided p-value uses `se` instead).
/// @throws as cohens_kappa_estimate; labelkit::invalid_argument for a bad confidence or N < n.
template <class = void>
[[nodiscard]] Estimate cohens_kappa_estimate(std::span<const int> a, std::span<const int> b,
                                             Weights w, const InferenceOptions& options) {
  const ContingencyTable t = contingency_table(a, b, "cohens_kappa_estimate");
  detail::check_inference(options, static_cast<double>(a.size()), "cohens_kappa_estimate");
  return detail::kappa_from_table(t.counts, detail::disagreement_weights(t.counts.rows(), w),
                                  options.confidence, options.zero_division, true,
                                  "cohens_kappa_estimate", &options);
}

/// Cohen's kappa with inference settings from a C x C contingency table (rows: annotator a,
/// columns: annotator b; weights by position). See the overload on two label vectors.
/// @throws labelkit::invalid_argument for a non-square, empty, negative or all-zero table, a bad
///         confidence or N < n.
template <class Derived>
[[nodiscard]] Estimate cohens_kappa_estimate(const Eigen::MatrixBase<Derived>& table, Weights w,
                                             const InferenceOptions& options) {
  detail::check_counts(table, "cohens_kappa_estimate");
  if (table.rows() != table.cols()) {
    detail::fail<dimension_mismatch>("cohens_kappa_estimate", "'table' must be square (got ",
                                     table.rows(), " x ", table.cols(), ")");
  }
  const Eigen::MatrixXd counts = table.template cast<double>();
  if (counts.sum() <= 0) detail::fail("cohens_kappa_estimate", "'table' has no ratings");
  detail::check_inference(options, counts.sum(), "cohens_kappa_estimate");
  return detail::kappa_from_table(counts, detail::disagreement_weights(counts.rows(), w),
                                  options.confidence, options.zero_division, true,
                                  "cohens_kappa_estimate", &options);
}

/// Cohen's kappa of two annotators of a table (by id), over the items both labelled. Equals
/// `cohens_kappa(p.a, p.b, weights, zero_division)` with `p = annotator_pair(table, a, b)`.
/// @throws as annotator_pair and cohens_kappa.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double cohens_kappa(const Table& table, Index annotator_a, Index annotator_b,
                                  Weights weights = Weights::none,
                                  ZeroDivision zero_division = ZeroDivision::one) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  return cohens_kappa(p.a, p.b, weights, zero_division);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
