#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/query/expected_model_change.hpp"
#include "labelkit/query/strategy.hpp"
#include "query/toy_models.hpp"

using labelkit::query::expected_gradient_length;
using Indices = std::vector<Eigen::Index>;
using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEST_CASE("expected gradient length matches hand-computed values") {
  Eigen::MatrixXd p(3, 3);
  p << 0.7, 0.2, 0.1, /**/ 0.5, 0.5, 0.0, /**/ 1.0, 0.0, 0.0;
  Eigen::MatrixXd h(3, 2);
  h << 1, 2, /**/ 3, 4, /**/ 0.5, 0.5;
  // numpy: sum_y P[i,y] * np.linalg.norm(np.outer(P[i] - e_y, H[i])) (Frobenius norm of the
  // softmax-layer gradient for label y).
  const Eigen::VectorXd egl = expected_gradient_length(p, h);
  CHECK(egl(0) == doctest::Approx(1.3219990561372814).epsilon(1e-14));
  CHECK(egl(1) ==
        doctest::Approx(3.5355339059327378).epsilon(1e-14));  // ||h|| = 5, ||p-e|| = 1/sqrt 2
  CHECK(egl(2) == 0.0);  // a one-hot prediction expects no change, exactly
  // The L2 norm, not L1: row 1 with L1 would give 5 * (0.5 + 0.5) * ... = 5, not 3.54.
  CHECK(egl(1) < 4.0);

  const RowMajorXd prm = p;
  const RowMajorXd hrm = h;
  CHECK(expected_gradient_length(prm, hrm) == egl);
  const Eigen::MatrixXf pf = p.cast<float>();
  const Eigen::MatrixXf hf = h.cast<float>();
  static_assert(std::is_same_v<decltype(expected_gradient_length(pf, hf)), Eigen::VectorXf>);
  const Eigen::VectorXf eglf = expected_gradient_length(pf, hf);
  for (Eigen::Index i = 0; i < 3; ++i) CHECK(eglf(i) == doctest::Approx(egl(i)).epsilon(1e-6));
}

TEST_CASE("expected gradient length equals the definition on random inputs") {
  labelkit::Random random(4);
  Eigen::MatrixXd logits(500, 6);
  Eigen::MatrixXd h(500, 9);
  for (Eigen::Index i = 0; i < logits.size(); ++i) logits(i) = 3 * random.normal();
  for (Eigen::Index i = 0; i < h.size(); ++i) h(i) = random.normal();
  const Eigen::MatrixXd p = labelkit::softmax(logits);
  const Eigen::VectorXd egl = expected_gradient_length(p, h);
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    double expected = 0;
    for (Eigen::Index y = 0; y < p.cols(); ++y) {
      Eigen::RowVectorXd a = p.row(i);
      a(y) -= 1;
      const Eigen::MatrixXd gradient = a.transpose() * h.row(i);  // C x d
      expected += p(i, y) * gradient.norm();
    }
    CHECK(egl(i) == doctest::Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("expected gradient length rejects bad input") {
  Eigen::MatrixXd p = Eigen::MatrixXd::Constant(3, 2, 0.5);
  Eigen::MatrixXd h = Eigen::MatrixXd::Ones(3, 4);
  CHECK_THROWS_WITH_AS(expected_gradient_length(p, Eigen::MatrixXd::Ones(2, 4)),
                       "labelkit: expected_gradient_length(): 'embeddings' has 2 rows (expected 3, "
                       "one per row of 'probabilities')",
                       labelkit::dimension_mismatch);
  p(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(expected_gradient_length(p, h),
                    doctest::Contains("'probabilities' has NaN at row 1, column 0"));
  p(1, 0) = 0.5;
  h(2, 3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(expected_gradient_length(p, h),
                    doctest::Contains("'embeddings' has a non-finite value at row 2, column 3"));
  CHECK_THROWS_WITH(expected_gradient_length(Eigen::MatrixXd(0, 2), Eigen::MatrixXd(0, 4)),
                    doctest::Contains("'probabilities' is empty"));
}

using test_models::LinearToy;

namespace {

struct ShiftedFloatToy : LinearToy {
  Eigen::MatrixXf embed(const Eigen::MatrixXd& x) const {
    return (x.array() + 1.0).matrix().cast<float>();
  }
};

}  // namespace

TEST_CASE("expected_gradient_length_sampling picks the largest expected gradients") {
  labelkit::Random random(2);
  Eigen::MatrixXd x(25, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
  const Indices unlabeled = {1, 2, 3, 6, 7, 10, 14, 15, 18, 24};
  Eigen::MatrixXd xu(static_cast<Eigen::Index>(unlabeled.size()), 2);
  for (std::size_t r = 0; r < unlabeled.size(); ++r)
    xu.row(static_cast<Eigen::Index>(r)) = x.row(unlabeled[r]);
  LinearToy linear;
  const Indices labeled{0};
  const labelkit::query::QueryContext<LinearToy, Eigen::MatrixXd> c1{linear, x, unlabeled, labeled,
                                                                     1};
  CHECK(labelkit::query::expected_gradient_length_sampling(c1, 3) ==
        labelkit::query::to_item_ids(
            labelkit::query::top_k(expected_gradient_length(linear.predict_proba(xu), xu), 3),
            unlabeled));
  ShiftedFloatToy embedding;
  const labelkit::query::QueryContext<ShiftedFloatToy, Eigen::MatrixXd> c2{embedding, x, unlabeled,
                                                                           labeled, 1};
  CHECK(labelkit::query::expected_gradient_length_sampling(c2, 4) ==
        labelkit::query::to_item_ids(
            labelkit::query::top_k(
                expected_gradient_length(embedding.predict_proba(xu), embedding.embed(xu)), 4),
            unlabeled));
  CHECK(labelkit::query::expected_gradient_length_sampling(c2, 0).empty());
}
