#pragma once
/// @file
/// Agreement between annotators on pairwise comparisons: Krippendorff's alpha (nominal) over the
/// outcomes of each item pair, with the observed agreement it corrects for chance.

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Options of comparison_agreement().
struct ComparisonAgreementOptions {
  /// Count a Winner::tie as a third outcome (true) or leave tie judgments out (false).
  bool count_ties = true;
  /// Alpha when every pairable judgment has the same outcome (D_e = 0).
  ZeroDivision zero_division = ZeroDivision::one;
};

/// Agreement on pairwise comparisons.
struct ComparisonAgreement {
  /// Krippendorff's nominal alpha, 1 - D_o / D_e, over the outcomes of every item pair.
  double alpha = std::numeric_limits<double>::quiet_NaN();
  /// 1 - D_o: the share of ordered pairs of judgments of the same item pair that agree (each
  /// item pair weighted by its judgments, as in alpha).
  double observed_agreement = std::numeric_limits<double>::quiet_NaN();
  Index pairable_pairs = 0;      ///< Item pairs with two or more judgments.
  Index pairable_judgments = 0;  ///< Judgments on those pairs (Krippendorff's n).
};

}  // namespace agreement
namespace detail {

/// The outcome of a comparison on the unordered pair (min id, max id): 0 the smaller id was
/// preferred, 1 the larger, 2 a tie.
[[nodiscard]] inline int canonical_outcome(const Comparison& c) noexcept {
  if (c.winner == Winner::tie) return 2;
  const bool left_preferred = c.winner == Winner::left;
  return (c.left < c.right) == left_preferred ? 0 : 1;
}

}  // namespace detail
namespace agreement {

/// How much annotators agree on pairwise comparisons: Krippendorff's alpha at the nominal level
/// where each unordered item pair {a, b} is a unit and each judgment of it a value ("a preferred",
/// "b preferred", "tie"), whichever side each item was shown on. With n_uc the judgments of
/// pair u with outcome c, m_u their number (units with m_u < 2 are left out), n = sum m_u and
/// n_c = sum_u n_uc:
///   D_o = (1 / n) sum_u sum_{c != k} n_uc n_uk / (m_u - 1),
///   D_e = (1 / (n (n - 1))) sum_{c != k} n_c n_k,   alpha = 1 - D_o / D_e
/// (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", value-count form; the
/// alpha is krippendorff_alpha_from_counts of the pairs x outcomes table). Alpha is chosen over a
/// per-pair majority rate because it is chance-corrected (a crowd that always picks the left item
/// scores 0, not its raw agreement), accepts any number of judgments per pair, and is already
/// the library's coefficient for items. Every judgment counts, so repeated judgments by one
/// annotator count as values too. O(N log N).
/// @throws labelkit::invalid_argument naming the record for a negative id, an item compared
///   with itself or a winner outside Winner; if no item pair has two judgments; under
///   ZeroDivision::raise, if D_e = 0.
template <class Scalar = double>
[[nodiscard]] ComparisonAgreement comparison_agreement(
    std::span<const Comparison> comparisons, const ComparisonAgreementOptions& options = {}) {
  const char* function = "comparison_agreement";
  struct Judgment {
    Index a, b;
    int outcome;
  };
  std::vector<Judgment> judgments;
  judgments.reserve(comparisons.size());
  for (std::size_t r = 0; r < comparisons.size(); ++r) {
    const Comparison& c = comparisons[r];
    if (c.annotator < 0 || c.left < 0 || c.right < 0) {
      detail::fail(function, "'comparisons' record ", r, " has a negative id (annotator ",
                   c.annotator, ", left ", c.left, ", right ", c.right, ")");
    }
    if (c.left == c.right) {
      detail::fail(function, "'comparisons' record ", r, " compares item ", c.left,
                   " with itself (expected two different items)");
    }
    if (static_cast<unsigned>(c.winner) > 2) {
      detail::fail(function, "'comparisons' record ", r, " has winner ",
                   static_cast<unsigned>(c.winner),
                   " (expected Winner::left, Winner::right or Winner::tie)");
    }
    if (c.winner == Winner::tie && !options.count_ties) continue;
    judgments.push_back(
        {std::min(c.left, c.right), std::max(c.left, c.right), detail::canonical_outcome(c)});
  }
  std::sort(judgments.begin(), judgments.end(), [](const Judgment& x, const Judgment& y) {
    return std::pair(x.a, x.b) < std::pair(y.a, y.b);
  });
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, 3>;
  std::vector<std::array<Scalar, 3>> rows;
  for (std::size_t s = 0; s < judgments.size();) {
    std::size_t e = s;
    std::array<Scalar, 3> counts{0, 0, 0};
    while (e < judgments.size() && judgments[e].a == judgments[s].a &&
           judgments[e].b == judgments[s].b) {
      counts[static_cast<std::size_t>(judgments[e].outcome)] += 1;
      ++e;
    }
    if (e - s >= 2) rows.push_back(counts);
    s = e;
  }
  if (rows.empty()) {
    detail::fail(function,
                 "no item pair was judged twice or more (expected at least one pairable pair)");
  }
  Matrix table(static_cast<Eigen::Index>(rows.size()), 3);
  ComparisonAgreement result;
  double disagree = 0;
  for (std::size_t u = 0; u < rows.size(); ++u) {
    const auto& c = rows[u];
    const double mu = static_cast<double>(c[0] + c[1] + c[2]);
    for (Eigen::Index k = 0; k < 3; ++k) table(static_cast<Eigen::Index>(u), k) = c[k];
    disagree += 2 * static_cast<double>(c[0] * c[1] + c[0] * c[2] + c[1] * c[2]) / (mu - 1);
    result.pairable_judgments += static_cast<Index>(mu);
  }
  result.pairable_pairs = static_cast<Index>(rows.size());
  result.observed_agreement = 1 - disagree / static_cast<double>(result.pairable_judgments);
  result.alpha = krippendorff_alpha_from_counts(table, Level::nominal, {}, options.zero_division);
  return result;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
