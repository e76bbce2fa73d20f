#pragma once
/// @file
/// Every agreement coefficient from a RatingTable (items x annotators with ids, see tables.hpp)
/// or straight from `labelkit::Annotation` records, and the two-annotator coefficients for two
/// annotators named by id. These overloads read each input in the orientation its coefficient
/// needs, so no matrix changes hands between functions:
///
///   auto table = agreement::wide_ratings(records);          // items x annotators, with ids
///   double alpha = agreement::krippendorff_alpha(table);    // read as annotators x items
///   double k = agreement::cohens_kappa(records, 7, 9);      // annotators 7 and 9, shared items
///
/// Repeated answers of one annotator to one item follow `RecordOptions::duplicates`
/// (labelkit::DuplicateAnswers, default `reject`). `keep_all` is accepted by the coefficients
/// that read only how many answers each item got per label (Fleiss, Gwet's AC2, percent
/// agreement, Brennan-Prediger, Randolph, Krippendorff's alpha): each answer is one more value
/// of its item. It is refused where a cell (item, annotator) holds one label: the two-annotator
/// coefficients, Conger, Light, the pairwise matrix and wide_ratings().
///
/// Results equal the matrix- and count-table-based functions on the same data (the tests check
/// this to 1e-12 on the published fixtures). Complexity: the record step is O(N log N) for N
/// records; then the coefficient's own cost.

#include <Eigen/Core>
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/bangdiwala.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/scott.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/duplicates.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Options of the record-based coefficients.
struct RecordOptions {
  /// Repeated answers of one annotator to one item (see labelkit::DuplicateAnswers). The default,
  /// `reject`, throws: which answer should count is the caller's decision, never a silent one.
  DuplicateAnswers duplicates = DuplicateAnswers::reject;
  /// Value of a 0/0 coefficient (every answer in one category); see ZeroDivision.
  ZeroDivision zero_division = ZeroDivision::one;
};

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

}  // namespace agreement
namespace detail {

/// The RatingTable of the records of two annotators only (items x 2): what every two-annotator
/// coefficient on records reads, without a column for every other annotator.
template <class Records>
agreement::RatingTable pair_table(const Records& records, Index annotator_a, Index annotator_b,
                                  DuplicateAnswers duplicates, const char* function) {
  check_one_label_per_cell(duplicates, function);
  const std::span<const Annotation> all = records;
  if (all.empty()) fail(function, "'records' is empty (expected at least one record)");
  if (annotator_a == annotator_b) {
    fail(function, "the two annotators are the same (got ", annotator_a,
         " twice; expected two different annotator ids)");
  }
  std::vector<Annotation> two;
  bool seen_a = false;
  bool seen_b = false;
  for (const Annotation& a : all) {
    if (a.annotator != annotator_a && a.annotator != annotator_b) continue;
    seen_a = seen_a || a.annotator == annotator_a;
    seen_b = seen_b || a.annotator == annotator_b;
    two.push_back(a);
  }
  if (!seen_a || !seen_b) {
    fail(function, "annotator ", seen_a ? annotator_b : annotator_a,
         " has no record (expected the ids of two annotators who answered)");
  }
  return agreement::wide_ratings(two, duplicates);
}

}  // namespace detail
namespace agreement {

// ---------------------------------------------------------------------------------------------
// Two annotators of a RatingTable, by id (over the items both labelled).

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

/// Scott's pi of two annotators of a table (by id), over the items both labelled.
/// @throws as annotator_pair and scotts_pi.
template <std::same_as<RatingTable> Table>
[[nodiscard]] double scotts_pi(const Table& table, Index annotator_a, Index annotator_b,
                               ZeroDivision zero_division = ZeroDivision::one) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  if (zero_division == ZeroDivision::one) return scotts_pi(p.a, p.b);
  return scotts_pi_estimate(p.a, p.b, WeightScheme::identity, 0.95, zero_division).value;
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
  return detail::pairwise_value(p.a, p.b, PairwiseMetric::brennan_prediger, zero_division);
}

/// Bangdiwala's B of two annotators of a table (by id), over the items both labelled.
/// @throws as annotator_pair and bangdiwala_b.
template <std::same_as<RatingTable> Table>
[[nodiscard]] Estimate bangdiwala_b(const Table& table, Index annotator_a, Index annotator_b,
                                    const InferenceOptions& options = {}) {
  const AnnotatorPair p = annotator_pair(table, annotator_a, annotator_b);
  return bangdiwala_b(p.a, p.b, options);
}

// ---------------------------------------------------------------------------------------------
// Every annotator of a RatingTable.

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

/// Randolph's free-marginal kappa of a table (q = the categories the table holds).
template <std::same_as<RatingTable> Table>
[[nodiscard]] double randolph_kappa(const Table& table,
                                    ZeroDivision zero_division = ZeroDivision::one) {
  return randolph_kappa(count_table(table).counts, zero_division);
}

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

// ---------------------------------------------------------------------------------------------
// Two annotators named by id, straight from records.

/// Cohen's kappa of two annotators (by id) from records, over the items both answered. Only the
/// two annotators' records are read; `options.duplicates` applies to them (`keep_all` refused).
/// O(N + M log M), M = the two annotators' records.
/// @throws labelkit::invalid_argument for empty records, equal ids, an annotator without a record,
///         no shared item, a repeated answer under `reject`, or `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] double cohens_kappa(const Records& records, Index annotator_a, Index annotator_b,
                                  const RecordOptions& options = {}) {
  const RatingTable t =
      detail::pair_table(records, annotator_a, annotator_b, options.duplicates, "cohens_kappa");
  return cohens_kappa(t, annotator_a, annotator_b, Weights::none, options.zero_division);
}

/// Scott's pi of two annotators (by id) from records; see cohens_kappa on records.
template <AnnotationRecords Records>
[[nodiscard]] double scotts_pi(const Records& records, Index annotator_a, Index annotator_b,
                               const RecordOptions& options = {}) {
  const RatingTable t =
      detail::pair_table(records, annotator_a, annotator_b, options.duplicates, "scotts_pi");
  return scotts_pi(t, annotator_a, annotator_b, options.zero_division);
}

/// Gwet's AC1 of two annotators (by id) from records; see cohens_kappa on records.
template <AnnotationRecords Records>
[[nodiscard]] double gwet_ac1(const Records& records, Index annotator_a, Index annotator_b,
                              const RecordOptions& options = {}) {
  const RatingTable t =
      detail::pair_table(records, annotator_a, annotator_b, options.duplicates, "gwet_ac1");
  return gwet_ac1(t, annotator_a, annotator_b, options.zero_division);
}

/// Percent agreement of two annotators (by id) from records; see cohens_kappa on records.
template <AnnotationRecords Records>
[[nodiscard]] double percent_agreement(const Records& records, Index annotator_a, Index annotator_b,
                                       const RecordOptions& options = {}) {
  const RatingTable t = detail::pair_table(records, annotator_a, annotator_b, options.duplicates,
                                           "percent_agreement");
  return percent_agreement(t, annotator_a, annotator_b);
}

/// Brennan-Prediger coefficient of two annotators (by id) from records; see cohens_kappa on
/// records.
template <AnnotationRecords Records>
[[nodiscard]] double brennan_prediger(const Records& records, Index annotator_a, Index annotator_b,
                                      const RecordOptions& options = {}) {
  const RatingTable t =
      detail::pair_table(records, annotator_a, annotator_b, options.duplicates, "brennan_prediger");
  return brennan_prediger(t, annotator_a, annotator_b, options.zero_division);
}

/// Bangdiwala's B of two annotators (by id) from records, with irrCAC's inference (default
/// InferenceOptions); see cohens_kappa on records.
template <AnnotationRecords Records>
[[nodiscard]] Estimate bangdiwala_b(const Records& records, Index annotator_a, Index annotator_b,
                                    const RecordOptions& options = {}) {
  const RatingTable t =
      detail::pair_table(records, annotator_a, annotator_b, options.duplicates, "bangdiwala_b");
  return bangdiwala_b(t, annotator_a, annotator_b);
}

// ---------------------------------------------------------------------------------------------
// Every annotator, straight from records.

/// Fleiss' kappa from records: every item must have the same number of answers. Accepts
/// `keep_all` (each answer counts). O(N log N + items * categories).
/// @throws as count_table on records and fleiss_kappa.
template <AnnotationRecords Records>
[[nodiscard]] double fleiss_kappa(const Records& records, const RecordOptions& options = {}) {
  return fleiss_kappa(count_table(records, options.duplicates).counts, options.zero_division);
}

/// Generalised Fleiss' kappa from records (unequal answers per item; weights on the label
/// values), with Gwet's variance and a 95% interval. Accepts `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] Estimate fleiss_kappa_generalized(const Records& records,
                                                WeightScheme scheme = WeightScheme::identity,
                                                const RecordOptions& options = {}) {
  return fleiss_kappa_generalized(count_table(records, options.duplicates), scheme,
                                  InferenceOptions{.zero_division = options.zero_division});
}

/// Gwet's AC2 (AC1 with identity weights) from records, with Gwet's variance and a 95% interval.
/// Accepts `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] Estimate gwet_ac2(const Records& records,
                                WeightScheme scheme = WeightScheme::identity,
                                const RecordOptions& options = {}) {
  return gwet_ac2(count_table(records, options.duplicates), scheme,
                  InferenceOptions{.zero_division = options.zero_division});
}

/// (Weighted) percent agreement from records over items with two or more answers, with Gwet's
/// variance. Accepts `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] Estimate percent_agreement(const Records& records,
                                         WeightScheme scheme = WeightScheme::identity,
                                         const RecordOptions& options = {}) {
  return percent_agreement(count_table(records, options.duplicates), scheme,
                           InferenceOptions{.zero_division = options.zero_division});
}

/// Brennan-Prediger coefficient from records over the labels they hold, with Gwet's variance.
/// Accepts `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] Estimate brennan_prediger(const Records& records,
                                        WeightScheme scheme = WeightScheme::identity,
                                        const RecordOptions& options = {}) {
  return brennan_prediger(count_table(records, options.duplicates), scheme,
                          InferenceOptions{.zero_division = options.zero_division});
}

/// Randolph's free-marginal kappa from records (q = the distinct labels). Accepts `keep_all`.
template <AnnotationRecords Records>
[[nodiscard]] double randolph_kappa(const Records& records, const RecordOptions& options = {}) {
  return randolph_kappa(count_table(records, options.duplicates).counts, options.zero_division);
}

/// Conger's kappa from records, with Gwet's variance and a 95% interval (`keep_all` refused).
template <AnnotationRecords Records>
[[nodiscard]] Estimate conger_kappa(const Records& records,
                                    WeightScheme scheme = WeightScheme::identity,
                                    const RecordOptions& options = {}) {
  return conger_kappa(wide_ratings(records, options.duplicates), scheme, 0.95,
                      options.zero_division);
}

/// Light's kappa from records (`keep_all` refused).
template <AnnotationRecords Records>
[[nodiscard]] double light_kappa(const Records& records, const RecordOptions& options = {}) {
  return light_kappa(wide_ratings(records, options.duplicates), options.zero_division);
}

/// A two-annotator coefficient between every pair of annotators of the records, with their ids
/// (`keep_all` refused).
template <AnnotationRecords Records>
[[nodiscard]] PairwiseAgreement pairwise_agreement(
    const Records& records, PairwiseMetric metric = PairwiseMetric::cohens_kappa,
    const RecordOptions& options = {}) {
  return pairwise_agreement(wide_ratings(records, options.duplicates), metric,
                            options.zero_division);
}

/// Krippendorff's alpha from records: each item is one of Krippendorff's units, each answer one
/// of its values. With `reject`, `keep_first` or `keep_last` this equals
/// `krippendorff_alpha(wide_ratings(records, duplicates), level)`, Krippendorff's reliability
/// data with one value per annotator and item. With `keep_all` every answer is a value of its
/// item, so an annotator's repeated answers are paired with each other as if two annotators had
/// given them: alpha is then computed from the item x label counts, as
/// krippendorff_alpha_from_counts() (the `value_counts` input of the `krippendorff` package).
/// O(N log N + items * labels).
/// @throws as wide_ratings / count_table on records and krippendorff_alpha.
template <AnnotationRecords Records>
[[nodiscard]] double krippendorff_alpha(const Records& records, Level level,
                                        const RecordOptions& options = {}) {
  if (options.duplicates == DuplicateAnswers::keep_all) {
    const CountTable t = count_table(records, options.duplicates);
    return krippendorff_alpha_from_counts(t.counts, level, t.categories, options.zero_division);
  }
  return krippendorff_alpha(wide_ratings(records, options.duplicates), level,
                            options.zero_division);
}

/// Krippendorff's alpha from records at the nominal level; see the overload with a Level.
template <AnnotationRecords Records>
[[nodiscard]] double krippendorff_alpha(const Records& records, const RecordOptions& options = {}) {
  return krippendorff_alpha(records, Level::nominal, options);
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
