#pragma once
/// @file
/// Every agreement coefficient straight from `labelkit::Annotation` records, and the
/// two-annotator coefficients for two annotators named by id. (The RatingTable overloads, for a
/// table built once by wide_ratings(), sit beside each coefficient in its own header.) These
/// overloads read each input in the orientation its coefficient needs, so no matrix changes hands
/// between functions:
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
