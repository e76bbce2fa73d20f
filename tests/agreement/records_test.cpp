#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/duplicates.hpp"

using namespace labelkit::agreement;
using agreement_test::NA;
using labelkit::Annotation;
using labelkit::DuplicateAnswers;

namespace {

// Sparse ids on purpose: item u is 100 + 5u, annotator c is 10 + 3c.
labelkit::Index item_id(Eigen::Index u) { return 100 + 5 * u; }
labelkit::Index annotator_id(Eigen::Index c) { return 10 + 3 * c; }

// The records of annotators x items data, item by item (the order a task queue would give).
std::vector<Annotation> records_of(const Eigen::MatrixXd& annotators_by_items) {
  std::vector<Annotation> out;
  for (Eigen::Index u = 0; u < annotators_by_items.cols(); ++u) {
    for (Eigen::Index c = 0; c < annotators_by_items.rows(); ++c) {
      const double v = annotators_by_items(c, u);
      if (!std::isnan(v)) out.push_back({item_id(u), annotator_id(c), static_cast<int>(v)});
    }
  }
  return out;
}

// Labels of annotators g and h (rows) on the items both labelled.
void common_items(const Eigen::MatrixXd& d, Eigen::Index g, Eigen::Index h, std::vector<int>& a,
                  std::vector<int>& b) {
  for (Eigen::Index u = 0; u < d.cols(); ++u) {
    if (std::isnan(d(g, u)) || std::isnan(d(h, u))) continue;
    a.push_back(static_cast<int>(d(g, u)));
    b.push_back(static_cast<int>(d(h, u)));
  }
}

// A matrix overload taking any Eigen dense expression, as the coders x units functions do.
template <class T>
concept EigenMatrixArgument = requires(const T& t) {
  []<class Derived>(const Eigen::MatrixBase<Derived>&) {}(t);
};

template <class T>
concept ReferenceAlphaAccepts = requires(const T& t) {
  krippendorff_alpha_with_reference(t, t, Level::nominal);
};

}  // namespace

// The table cannot become a matrix, so it cannot reach an overload that reads matrices in the
// annotators x items orientation.
static_assert(!std::is_convertible_v<RatingTable, Eigen::MatrixXd>);
static_assert(!std::is_convertible_v<const RatingTable&, const Eigen::MatrixXd&>);
static_assert(!std::is_base_of_v<Eigen::EigenBase<RatingTable>, RatingTable>);
static_assert(!EigenMatrixArgument<RatingTable>);
static_assert(EigenMatrixArgument<Eigen::MatrixXd>);
static_assert(!ReferenceAlphaAccepts<RatingTable>);  // a matrix-only alpha function refuses it
static_assert(ReferenceAlphaAccepts<Eigen::MatrixXd>);

TEST_CASE("records -> table -> alpha reads the table the right way round") {
  const Eigen::MatrixXd d = agreement_test::krippendorff_2011();
  const std::vector<Annotation> records = records_of(d);
  const RatingTable table = wide_ratings(records);
  REQUIRE(table.items() == 12);
  REQUIRE(table.annotators() == 4);
  CHECK(table.item_ids().front() == 100);
  CHECK(table.annotator_ids().back() == 19);
  // Krippendorff (2011): nominal .743 (full precision from tests/agreement/krippendorff_test.cpp,
  // a brute-force pairwise Python twin; /tmp/agree/alpha.py reproduces it from these records).
  CHECK_REL(krippendorff_alpha(table), 0.743421052631579, 1e-12);
  CHECK_REL(krippendorff_alpha(records), 0.743421052631579, 1e-12);
  for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
    const double reference = krippendorff_alpha(d, level);  // the coders x units matrix
    CHECK(krippendorff_alpha(table, level) == reference);
    CHECK_REL(krippendorff_alpha(records, level), reference, 1e-12);
  }
  CHECK_REL(krippendorff_alpha(records, Level::ordinal), 0.8153875037548814, 1e-12);
  // The trap the table closes: the items x annotators matrix read as coders x units gives
  // -0.054858934169278895 (the same Python twin), far from the data's .743.
  CHECK_REL(krippendorff_alpha(table.items_by_annotators()), -0.054858934169278895, 1e-12);
  // The transposed view is the coders x units layout the matrix overloads read.
  CHECK(krippendorff_alpha(table.annotators_by_items()) == krippendorff_alpha(d));
  // Round trip through the other constructor.
  const RatingTable again =
      RatingTable::from_annotators_by_items(d, {10, 13, 16, 19}, table.item_ids());
  CHECK(krippendorff_alpha(again) == krippendorff_alpha(table));
  CHECK(again.label(105, 16) == 3.0);
  CHECK_FALSE(again.label(100, 16).has_value());
  CHECK_FALSE(again.label(101, 16).has_value());
  // Alpha's other entry points agree with the matrix ones.
  const AlphaParts parts = krippendorff_alpha_parts(table, Level::interval);
  CHECK(parts.alpha == krippendorff_alpha(d, Level::interval));
  CHECK(parts.pairable_items == 11);
  const Estimate e = krippendorff_alpha_estimate(table);
  const Estimate em = krippendorff_alpha_estimate(d);
  CHECK(e.value == em.value);
  CHECK(e.se == em.se);
  const auto boot = krippendorff_alpha_bootstrap(table, Level::nominal, {.samples = 50, .seed = 3});
  const auto bm = krippendorff_alpha_bootstrap(d, Level::nominal, {.samples = 50, .seed = 3});
  CHECK(boot.replicates == bm.replicates);
  CHECK(coincidence_matrix(table).matrix == coincidence_matrix(d).matrix);
  auto squared = [](double c, double k) { return (c - k) * (c - k); };
  CHECK(krippendorff_alpha(table, squared) == krippendorff_alpha(d, Level::interval));
}

TEST_CASE("every coefficient from records equals the matrix- and count-based one") {
  const Eigen::MatrixXd d = agreement_test::krippendorff_2011();
  const Eigen::MatrixXd wide = d.transpose();  // items x annotators, cac.raw4raters
  const std::vector<Annotation> records = records_of(d);
  const RatingTable table = wide_ratings(records);
  const CountTable counts = count_table(wide);
  const CountTable from_records = count_table(records);
  CHECK(from_records.counts == counts.counts);
  CHECK(from_records.categories == counts.categories);
  CHECK(count_table(table).counts == counts.counts);

  // Gwet's family: bit-identical, and irrCAC's cac.raw4raters values (see gwet_test.cpp).
  CHECK(gwet_ac2(records).value == gwet_ac2(counts).value);
  CHECK(gwet_ac2(records).se == gwet_ac2(counts).se);
  CHECK_REL(gwet_ac2(records).value, 0.775444068126995, 1e-12);
  CHECK(gwet_ac2(table, WeightScheme::quadratic).value ==
        gwet_ac2(counts, WeightScheme::quadratic).value);
  CHECK(fleiss_kappa_generalized(records).value == fleiss_kappa_generalized(counts).value);
  CHECK_REL(fleiss_kappa_generalized(table).value, 0.7611692754224112, 1e-12);
  CHECK(percent_agreement(records).value == percent_agreement(counts).value);
  CHECK_REL(percent_agreement(table).value, 0.8181818181818182, 1e-12);
  CHECK(brennan_prediger(records).value == brennan_prediger(counts).value);
  CHECK_REL(brennan_prediger(table).value, 0.7727272727272727, 1e-12);
  CHECK(randolph_kappa(records) == randolph_kappa(counts.counts));
  CHECK(randolph_kappa(table) == randolph_kappa(counts.counts));
  // Annotator-keeping coefficients.
  CHECK(conger_kappa(records).value == conger_kappa(wide).value);
  // (No literal here: irrCAC's cac.raw4raters gives item 12's lone value to the third annotator,
  // Krippendorff's table to the second; Conger's marginals count that unpaired value.)
  CHECK(conger_kappa(table).value == conger_kappa(wide).value);
  CHECK(conger_kappa(table).se == conger_kappa(wide).se);
  CHECK(light_kappa(records) == light_kappa(wide));
  CHECK_REL(light_kappa(table), 0.7001626371070886, 1e-12);
  const PairwiseAgreement pairs = pairwise_agreement(records);
  CHECK(pairs.annotators == std::vector<labelkit::Index>{10, 13, 16, 19});
  CHECK(pairs.values == pairwise_agreement(wide));
  CHECK_REL(*pairs.between(10, 13), 0.8448275862068966, 1e-12);  // sklearn, gwet_test.cpp
  CHECK_FALSE(pairs.between(10, 11).has_value());
  const PairwiseAgreement pct = pairwise_agreement(table, PairwiseMetric::percent_agreement);
  CHECK(*pct.between(13, 10) == doctest::Approx(8.0 / 9.0));

  // Two annotators by id: the same as the span functions on their common items.
  for (Eigen::Index g = 0; g < 4; ++g) {
    for (Eigen::Index h = 0; h < 4; ++h) {
      if (g == h) continue;
      std::vector<int> a;
      std::vector<int> b;
      common_items(d, g, h, a, b);
      const labelkit::Index ga = annotator_id(g);
      const labelkit::Index hb = annotator_id(h);
      CAPTURE(g);
      CAPTURE(h);
      CHECK(cohens_kappa(records, ga, hb) == cohens_kappa(a, b));
      CHECK(cohens_kappa(table, ga, hb) == cohens_kappa(a, b));
      CHECK(cohens_kappa(table, ga, hb, Weights::quadratic) ==
            cohens_kappa(a, b, Weights::quadratic));
      CHECK(scotts_pi(records, ga, hb) == scotts_pi(a, b));
      CHECK(gwet_ac1(records, ga, hb) == gwet_ac1(a, b));
      CHECK(percent_agreement(records, ga, hb) == percent_agreement(a, b));
      CHECK(brennan_prediger(records, ga, hb) == brennan_prediger(a, b));
      CHECK(bangdiwala_b(records, ga, hb).value == bangdiwala_b(a, b).value);
      CHECK(bangdiwala_b(table, ga, hb).se == bangdiwala_b(a, b).se);
      CHECK_REL(cohens_kappa(records, ga, hb), pairs.values(g, h), 1e-15);
      const AnnotatorPair p = annotator_pair(table, ga, hb);
      CHECK(p.a == a);
      CHECK(p.b == b);
      CHECK(p.items.size() == a.size());
    }
  }
  const AnnotatorPair p = annotator_pair(table, 10, 16);
  CHECK(p.items == std::vector<labelkit::Index>{105, 110, 115, 120, 125, 130, 135, 140});
  // The policies for p_e = 1 reach the two-annotator functions.
  const std::vector<Annotation> same = {{1, 1, 4}, {1, 2, 4}, {2, 1, 4}, {2, 2, 4}};
  CHECK(cohens_kappa(same, 1, 2) == 1.0);
  CHECK(cohens_kappa(same, 1, 2, {.zero_division = ZeroDivision::zero}) == 0.0);
  CHECK(scotts_pi(same, 1, 2, {.zero_division = ZeroDivision::zero}) == 0.0);
  CHECK(gwet_ac1(same, 1, 2, {.zero_division = ZeroDivision::zero}) == 0.0);
  CHECK(brennan_prediger(same, 1, 2, {.zero_division = ZeroDivision::zero}) == 0.0);
  CHECK(std::isnan(krippendorff_alpha(same, {.zero_division = ZeroDivision::nan})));
}

TEST_CASE("Fleiss' kappa from records equals the count table (Fleiss 1971)") {
  // Fleiss (1971), 30 patients x 6 psychiatrists x 5 diagnoses, as counts (see fleiss_test.cpp);
  // kappa .430, statsmodels 0.43024452006014074. Records give each of an item's six ratings to
  // a different annotator id.
  Eigen::MatrixXd t(30, 5);
  t << 0, 0, 0, 6, 0, 0, 3, 0, 0, 3, 0, 1, 4, 0, 1, 0, 0, 0, 0, 6, 0, 3, 0, 3, 0, 2, 0, 4, 0, 0, 0,
      0, 4, 0, 2, 2, 0, 3, 1, 0, 2, 0, 0, 4, 0, 0, 0, 0, 0, 6, 1, 0, 0, 5, 0, 1, 1, 0, 4, 0, 0, 3,
      3, 0, 0, 1, 0, 0, 5, 0, 0, 2, 0, 3, 1, 0, 0, 5, 0, 1, 3, 0, 0, 1, 2, 5, 1, 0, 0, 0, 0, 2, 0,
      4, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 6, 0, 1, 0, 5, 0, 0, 2, 0, 1, 3, 2, 0, 0, 4, 0, 1, 0, 0, 4,
      1, 0, 5, 0, 1, 0, 4, 0, 0, 0, 2, 0, 2, 0, 4, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 6;
  std::vector<Annotation> records;
  for (Eigen::Index i = 0; i < t.rows(); ++i) {
    labelkit::Index who = 0;
    for (Eigen::Index k = 0; k < t.cols(); ++k) {
      for (int c = 0; c < static_cast<int>(t(i, k)); ++c) {
        records.push_back({i, who++, static_cast<int>(k)});
      }
    }
  }
  CHECK(fleiss_kappa(records) == fleiss_kappa(t));
  CHECK_REL(fleiss_kappa(records), 0.43024452006014074, 1e-12);
  CHECK(fleiss_kappa(wide_ratings(records)) == fleiss_kappa(t));
  CHECK(fleiss_kappa_estimate(wide_ratings(records)).se == fleiss_kappa_estimate(t).se);
  // Unequal numbers of answers per item are refused with the generalised coefficients named.
  records.pop_back();
  CHECK_THROWS_WITH_AS((void)fleiss_kappa(records), doctest::Contains("fleiss_kappa_generalized"),
                       labelkit::invalid_argument);
}

TEST_CASE("repeated answers follow one DuplicateAnswers policy") {
  const Eigen::MatrixXd d = agreement_test::krippendorff_2011();
  std::vector<Annotation> records = records_of(d);
  // Annotator 19 (row 3) answers item 100 a second time, later, with label 2 instead of 1.
  records.push_back({100, 19, 2});
  // The default refuses, naming the item, the annotator and both records.
  CHECK_THROWS_WITH_AS((void)wide_ratings(records),
                       doctest::Contains("annotator 19 answered item 100 more than once"),
                       labelkit::invalid_argument);
  CHECK_THROWS_AS((void)krippendorff_alpha(records), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)cohens_kappa(records, 10, 19), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)gwet_ac2(records), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)count_table(records), labelkit::invalid_argument);
  // Two annotators' functions read only their records: 10 and 13 have no repeat.
  CHECK(cohens_kappa(records, 10, 13) == cohens_kappa(records_of(d), 10, 13));

  // keep_first: the data as published. keep_last: 19's label of item 100 becomes 2.
  const RecordOptions first{.duplicates = DuplicateAnswers::keep_first};
  const RecordOptions last{.duplicates = DuplicateAnswers::keep_last};
  const RecordOptions all{.duplicates = DuplicateAnswers::keep_all};
  CHECK(krippendorff_alpha(records, first) == krippendorff_alpha(d));
  CHECK(wide_ratings(records, DuplicateAnswers::keep_first).label(100, 19) == 1.0);
  CHECK(wide_ratings(records, DuplicateAnswers::keep_last).label(100, 19) == 2.0);
  // Brute-force pairwise Python twin (/tmp/agree/alpha.py): keep_last 0.6766169154228856,
  // keep_all (item 100 has values 1, 1, 1, 2) 0.6850393700787402.
  CHECK_REL(krippendorff_alpha(records, last), 0.6766169154228856, 1e-12);
  CHECK_REL(krippendorff_alpha(records, all), 0.6850393700787402, 1e-12);
  // keep_all counts every answer in the count-based coefficients.
  CountTable both = count_table(records_of(d));
  both.counts(0, 1) += 1;  // item 100 gets one more answer "2"
  CHECK(count_table(records, DuplicateAnswers::keep_all).counts == both.counts);
  CHECK(gwet_ac2(records, WeightScheme::identity, all).value == gwet_ac2(both).value);
  CHECK(fleiss_kappa_generalized(records, WeightScheme::identity, all).value ==
        fleiss_kappa_generalized(both).value);
  CHECK(krippendorff_alpha(records, all) ==
        krippendorff_alpha_from_counts(both.counts, Level::nominal, both.categories));
  // Without repeats keep_all changes nothing.
  CHECK_REL(krippendorff_alpha(records_of(d), all), krippendorff_alpha(d), 1e-12);
  // keep_all is refused wherever a cell holds one label.
  CHECK_THROWS_WITH_AS((void)wide_ratings(records, DuplicateAnswers::keep_all),
                       doctest::Contains("keep_all"), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)cohens_kappa(records, 10, 19, all), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)conger_kappa(records, WeightScheme::identity, all),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)light_kappa(records, all), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)pairwise_agreement(records, PairwiseMetric::cohens_kappa, all),
                  labelkit::invalid_argument);
}

TEST_CASE("record and table entry points refuse bad input loudly") {
  const std::vector<Annotation> none;
  CHECK_THROWS_AS((void)wide_ratings(none), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)krippendorff_alpha(none), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)cohens_kappa(none, 1, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)fleiss_kappa(none), labelkit::invalid_argument);
  const std::vector<Annotation> records = {{1, 1, 0}, {1, 2, 1}, {2, 1, 1}, {3, 3, 0}};
  // Unknown annotator, the same annotator twice, no shared item.
  CHECK_THROWS_WITH_AS((void)cohens_kappa(records, 1, 9), doctest::Contains("annotator 9"),
                       labelkit::invalid_argument);
  CHECK_THROWS_AS((void)cohens_kappa(records, 1, 1), labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS((void)cohens_kappa(records, 1, 3), doctest::Contains("no item in common"),
                       labelkit::invalid_argument);
  const RatingTable table = wide_ratings(records);
  CHECK_THROWS_AS((void)annotator_pair(table, 1, 9), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)annotator_pair(table, 2, 2), labelkit::invalid_argument);
  // Negative ids name the record.
  const std::vector<Annotation> negative = {{0, 0, 1}, {-4, 1, 1}};
  CHECK_THROWS_WITH_AS((void)wide_ratings(negative), doctest::Contains("record 1"),
                       labelkit::invalid_argument);
  // A table from a matrix: ids checked, non-integer labels refused by two-annotator functions.
  Eigen::MatrixXd m(2, 2);
  m << 0.5, 1, 1, 1;
  CHECK_THROWS_AS((void)RatingTable::from_items_by_annotators(m, {3, 3}),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS((void)RatingTable::from_items_by_annotators(m, {1, 2, 3}),
                  labelkit::dimension_mismatch);
  const RatingTable real = RatingTable::from_items_by_annotators(m);
  CHECK(real.item_ids() == std::vector<labelkit::Index>{0, 1});
  CHECK_THROWS_WITH_AS((void)cohens_kappa(real, 0, 1), doctest::Contains("not an int"),
                       labelkit::invalid_argument);
  CHECK(std::isfinite(krippendorff_alpha(real, Level::interval)));
  Eigen::MatrixXd inf(1, 2);
  inf << 1, std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS((void)RatingTable::from_items_by_annotators(inf), labelkit::invalid_argument);
  // An empty table has no rows or columns and refuses every coefficient.
  const RatingTable empty;
  CHECK(empty.items() == 0);
  CHECK_FALSE(empty.item_row(0).has_value());
  CHECK_THROWS_AS((void)krippendorff_alpha(empty), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)gwet_ac2(empty), labelkit::invalid_argument);
}

TEST_CASE("results do not depend on record order or on the ids' values") {
  const Eigen::MatrixXd d = agreement_test::krippendorff_2011();
  std::vector<Annotation> records = records_of(d);
  const double alpha = krippendorff_alpha(records, Level::interval);
  const double ac2 = gwet_ac2(records).value;
  const double kappa = cohens_kappa(records, 13, 19);
  std::vector<Annotation> reversed(records.rbegin(), records.rend());
  CHECK(krippendorff_alpha(reversed, Level::interval) == alpha);
  CHECK(gwet_ac2(reversed).value == ac2);
  CHECK(cohens_kappa(reversed, 13, 19) == kappa);
  // Dense ids 0..n-1 instead of the sparse ones: the same values.
  std::vector<Annotation> dense = records;
  for (Annotation& a : dense) {
    a.item = (a.item - 100) / 5;
    a.annotator = (a.annotator - 10) / 3;
  }
  CHECK(krippendorff_alpha(dense, Level::interval) == alpha);
  CHECK(gwet_ac2(dense).value == ac2);
  CHECK(cohens_kappa(dense, 1, 3) == kappa);
}
