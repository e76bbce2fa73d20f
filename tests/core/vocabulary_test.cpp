// The vocabulary headers: labelkit::Index, the Annotation record and the forward declarations,
// which include no Eigen, and the module headers beside the umbrella.
#include <doctest/doctest.h>

#include <type_traits>

#include "labelkit/core/annotation.hpp"
#include "labelkit/fwd.hpp"
// After the light headers: forward declarations and definitions must agree.
#include "labelkit/labelkit.hpp"

static_assert(std::is_same_v<labelkit::Index, Eigen::Index>);
static_assert(std::is_same_v<decltype(labelkit::Annotation::item), labelkit::Index>);
static_assert(std::is_same_v<decltype(labelkit::Annotation::annotator), labelkit::Index>);
static_assert(std::is_same_v<decltype(labelkit::Annotation::label), int>);

TEST_CASE("Annotation is an aggregate of item, annotator and label, compared member-wise") {
  const labelkit::Annotation a{.item = 7, .annotator = 2, .label = 1};
  CHECK(a.item == 7);
  CHECK(a.annotator == 2);
  CHECK(a.label == 1);
  CHECK(a == labelkit::Annotation{7, 2, 1});
  CHECK_FALSE(a == labelkit::Annotation{7, 2, 0});
}

TEST_CASE("labelkit::Index is usable as an Eigen size") {
  const labelkit::Index n = 3;
  const Eigen::VectorXd v = Eigen::VectorXd::Zero(n);
  CHECK(v.size() == n);
}
