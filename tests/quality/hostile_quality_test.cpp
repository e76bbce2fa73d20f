// Hostile sizes: a class count or a label that would make an aggregator allocate tens of
// gigabytes is refused up front with labelkit::invalid_argument naming the limit.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <climits>
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/consistency.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/gold_standard.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/wawa.hpp"

using labelkit::Annotation;
namespace q = labelkit::quality;

TEST_CASE("majority_vote with n_classes = INT_MAX is refused before allocating") {
  // Before: Eigen zero-filled an items x INT_MAX matrix (16 GiB per item).
  const std::vector<Annotation> a = {{0, 0, 0}, {0, 1, 1}};
  CHECK_THROWS_WITH_AS(q::majority_vote(a, INT_MAX),
                       "labelkit: majority_vote(): 'n_classes' must be in [1, 65536] (got "
                       "2147483647; the limit is labelkit::max_classes)",
                       labelkit::invalid_argument);
  const std::vector<q::AnnotatorWeight> w = {{0, 1.0}, {1, 1.0}};
  CHECK_THROWS_AS(static_cast<void>(q::weighted_majority_vote(a, INT_MAX, w)),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(static_cast<void>(q::wawa(a, INT_MAX)), labelkit::invalid_argument);
}

TEST_CASE("Dawid-Skene with 10^5 classes is refused before allocating") {
  // Before: 10^5 classes x 10^5 classes x 2 annotators of doubles, 160 GB, zero-filled.
  const std::vector<Annotation> a = {{0, 0, 99999}, {0, 1, 0}, {1, 0, 5}, {1, 1, 5}};
  for (const auto& call :
       {+[](const std::vector<Annotation>& x) { (void)q::dawid_skene(x, 100000); },
        +[](const std::vector<Annotation>& x) { (void)q::one_coin_dawid_skene(x, 100000); },
        +[](const std::vector<Annotation>& x) { (void)q::glad(x, 100000); },
        +[](const std::vector<Annotation>& x) { (void)q::mace(x, 100000); }}) {
    CHECK_THROWS_WITH_AS(call(a),
                         doctest::Contains("'n_classes' must be in [1, 65536] (got 100000"),
                         labelkit::invalid_argument);
  }
}

TEST_CASE("a class count inside the limit whose tables would not fit is refused, naming them") {
  // 65,536 classes are allowed, but 2 annotators' 65,536 x 65,536 confusion matrices are
  // 3 x 2 x 32 GiB: more than labelkit::max_allocation_bytes.
  const std::vector<Annotation> a = {{0, 0, 65535}, {0, 1, 0}};
  CHECK_THROWS_WITH_AS(
      q::dawid_skene(a, 65536),
      doctest::Contains("dawid_skene(): the annotators x classes x classes confusion matrices "
                        "would need more than 4294967296 bytes"),
      labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(q::one_coin_dawid_skene(a, 65536),
                       doctest::Contains("confusion matrices would need more than"),
                       labelkit::invalid_argument);
  CHECK_THROWS_WITH_AS(q::gold_standard(a, {}, 65536),
                       doctest::Contains("confusion matrices would need more than"),
                       labelkit::invalid_argument);
  // 10,000 items x 65,536 classes of votes: 2 x 5.2 GB.
  std::vector<Annotation> many;
  for (Eigen::Index i = 0; i < 10000; ++i) many.push_back({i, 0, 1});
  for (const auto& call :
       {+[](const std::vector<Annotation>& x) { (void)q::majority_vote(x, 65536); },
        +[](const std::vector<Annotation>& x) { (void)q::glad(x, 65536); },
        +[](const std::vector<Annotation>& x) { (void)q::mace(x, 65536); }}) {
    CHECK_THROWS_WITH_AS(call(many), doctest::Contains("would need more than 4294967296 bytes"),
                         labelkit::invalid_argument);
  }
  // Within the limits, a large class count works: 3 items, 2 annotators, 1,000 classes.
  const std::vector<Annotation> ok = {{0, 0, 999}, {0, 1, 999}, {1, 0, 3}, {2, 1, 7}};
  const auto ds = q::dawid_skene(ok, 1000);
  CHECK(ds.posterior.cols() == 1000);
  CHECK(ds.labels[0] == 999);
  CHECK(q::majority_vote(ok, 1000).labels == std::vector<int>{999, 3, 7});
}

TEST_CASE("confident learning refuses more columns than labelkit::max_classes") {
  const Eigen::MatrixXd p = Eigen::MatrixXd::Constant(1, 65537, 1.0 / 65537);
  const std::vector<int> y = {0};
  CHECK_THROWS_WITH_AS(q::find_label_issues(y, p),
                       doctest::Contains("'probabilities.cols()' must be in [1, 65536]"),
                       labelkit::invalid_argument);
}
