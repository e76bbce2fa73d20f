// Parallel uncertainty and committee scoring and the fused score + top_k: the scores, the
// selected rows and their scores are bit-identical to the serial run for every executor
// (labelkit's threads, a host executor running the chunks in reverse order) and grain, on both
// layouts, float and double, with duplicate rows so that ties straddle chunk boundaries; an
// invalid row in a late chunk gives the serial run's exception.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty.hpp"

namespace {

template <class Scalar, int Layout>
using ScoringMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;

// Softmax rows of seeded normal logits; the second half of the rows repeats the first half, and
// every 10th row is uniform, so equal scores sit in different chunks.
template <class Scalar, int Layout>
ScoringMatrix<Scalar, Layout> scoring_pool(Eigen::Index n, Eigen::Index c, std::uint64_t seed) {
  labelkit::Random random(seed);
  Eigen::MatrixXd z(n, c);
  for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = 2.0 * random.normal();
  for (Eigen::Index i = n / 2; i < n; ++i) z.row(i) = z.row(i - n / 2);
  for (Eigen::Index i = 0; i < n; i += 10) z.row(i).setZero();
  z.colwise() -= z.rowwise().maxCoeff();
  z.array() = z.array().exp();
  z.array().colwise() /= z.array().rowwise().sum();
  return z.cast<Scalar>();
}

// The host executor the worst for code that assumes chunk order: the chunks in reverse.
labelkit::Parallel reverse_chunks(std::size_t grain) {
  return labelkit::Parallel{[](std::size_t n, const std::function<void(std::size_t)>& run) {
                              for (auto t = n; t-- > 0;) run(t);
                            },
                            grain};
}

// The parallel settings every test runs against the serial one.
std::vector<labelkit::Parallel> scoring_settings() {
  labelkit::Parallel three = labelkit::parallel_threads(3);
  three.grain = 97;
  return {labelkit::parallel_threads(2), three, reverse_chunks(64), reverse_chunks(1),
          labelkit::Parallel{labelkit::thread_executor(2), 1000}};
}

template <class Scalar>
bool same_bits(const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& a,
               const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& b) {
  // memcmp must not see the null data of an empty vector.
  return a.size() == b.size() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(),
                                       static_cast<std::size_t>(a.size()) * sizeof(Scalar)) == 0);
}

template <class Scalar>
bool same_bits(const labelkit::query::TopKResult<Scalar>& a,
               const labelkit::query::TopKResult<Scalar>& b) {
  return a.indices == b.indices && a.scores.size() == b.scores.size() &&
         (a.scores.empty() ||
          std::memcmp(a.scores.data(), b.scores.data(), a.scores.size() * sizeof(Scalar)) == 0);
}

// What `call` throws, as text ("" if it does not throw).
template <class Call>
std::string thrown_by(Call&& call) {
  try {
    call();
  } catch (const labelkit::invalid_argument& e) {
    return e.what();
  }
  return "";
}

template <class Scalar, int Layout>
void check_uncertainty_parallel() {
  namespace q = labelkit::query;
  const auto p = scoring_pool<Scalar, Layout>(3001, 7, 11);
  const auto n = static_cast<Eigen::Index>(p.rows());
  const auto score_and_select = [&](auto score, auto fused) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> serial = score(p, labelkit::Parallel{});
    for (const Eigen::Index k : {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{40}, n / 16, n}) {
      CAPTURE(k);
      // The fused path against its brute-force twin: top_k of the scores, scores looked up.
      const q::TopKResult<Scalar> expected = fused(p, k, labelkit::Parallel{});
      REQUIRE(expected.indices == q::top_k(serial, k));
      for (std::size_t r = 0; r < expected.indices.size(); ++r) {
        CHECK(std::memcmp(&expected.scores[r], &serial(expected.indices[r]), sizeof(Scalar)) == 0);
      }
      for (const labelkit::Parallel& parallel : scoring_settings()) {
        CAPTURE(parallel.grain);
        CHECK(same_bits(fused(p, k, parallel), expected));
        CHECK(q::top_k(serial, k, parallel) == expected.indices);
      }
    }
    for (const labelkit::Parallel& parallel : scoring_settings()) {
      CHECK(same_bits<Scalar>(score(p, parallel), serial));
    }
  };
  score_and_select(
      [](const auto& m, const labelkit::Parallel& par) { return q::least_confidence(m, par); },
      [](const auto& m, Eigen::Index k, const labelkit::Parallel& par) {
        return q::least_confidence_top_k(m, k, par);
      });
  score_and_select([](const auto& m, const labelkit::Parallel& par) { return q::margin(m, par); },
                   [](const auto& m, Eigen::Index k, const labelkit::Parallel& par) {
                     return q::margin_top_k(m, k, par);
                   });
  score_and_select([](const auto& m, const labelkit::Parallel& par) { return q::ratio(m, par); },
                   [](const auto& m, Eigen::Index k, const labelkit::Parallel& par) {
                     return q::ratio_top_k(m, k, par);
                   });
  score_and_select([](const auto& m, const labelkit::Parallel& par) { return q::entropy(m, par); },
                   [](const auto& m, Eigen::Index k, const labelkit::Parallel& par) {
                     return q::entropy_top_k(m, k, par);
                   });

  // An invalid entry in a late chunk (and a later one): the serial run's exception.
  auto bad = p;
  bad(n - 5, 2) = std::numeric_limits<Scalar>::quiet_NaN();
  bad(n - 2, 0) = Scalar(2);
  const std::string serial_error = thrown_by([&] { (void)q::entropy(bad); });
  const std::string serial_fused_error = thrown_by([&] { (void)q::entropy_top_k(bad, 10); });
  REQUIRE(serial_error.find("row " + std::to_string(n - 5)) != std::string::npos);
  REQUIRE(!serial_fused_error.empty());
  for (const labelkit::Parallel& parallel : scoring_settings()) {
    CHECK(thrown_by([&] { (void)q::entropy(bad, parallel); }) == serial_error);
    CHECK(thrown_by([&] { (void)q::entropy_top_k(bad, 10, parallel); }) == serial_fused_error);
    CHECK(thrown_by([&] { (void)q::least_confidence_top_k(bad, 10, parallel); }) ==
          thrown_by([&] { (void)q::least_confidence_top_k(bad, 10); }));
  }
  // NaN scores: top_k names the first, in parallel as in serial.
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> nan_scores = q::entropy(p);
  nan_scores(n - 100) = std::numeric_limits<Scalar>::quiet_NaN();
  nan_scores(n - 1) = std::numeric_limits<Scalar>::quiet_NaN();
  const std::string serial_nan = thrown_by([&] { (void)q::top_k(nan_scores, 5); });
  REQUIRE(serial_nan.find(std::to_string(n - 100)) != std::string::npos);
  for (const labelkit::Parallel& parallel : scoring_settings()) {
    CHECK(thrown_by([&] { (void)q::top_k(nan_scores, 5, parallel); }) == serial_nan);
  }
}

TEST_CASE("parallel uncertainty scores and fused top_k equal the serial run, bit for bit") {
  SUBCASE("double, column-major") { check_uncertainty_parallel<double, Eigen::ColMajor>(); }
  SUBCASE("double, row-major") { check_uncertainty_parallel<double, Eigen::RowMajor>(); }
  SUBCASE("float, column-major") { check_uncertainty_parallel<float, Eigen::ColMajor>(); }
  SUBCASE("float, row-major") { check_uncertainty_parallel<float, Eigen::RowMajor>(); }
}

TEST_CASE("the fused top_k takes expressions and refuses a negative k") {
  const auto p = scoring_pool<double, Eigen::ColMajor>(500, 4, 3);
  const Eigen::MatrixXf as_float = p.cast<float>();
  const auto fused =
      labelkit::query::entropy_top_k(p.cast<float>(), 7, labelkit::parallel_threads(2));
  CHECK(same_bits(fused, labelkit::query::entropy_top_k(as_float, 7)));
  CHECK_THROWS_AS((void)labelkit::query::margin_top_k(p, -1), labelkit::invalid_argument);
  CHECK(labelkit::query::margin_top_k(p, 0).indices.empty());
}

template <class Scalar, int Layout>
void check_committee_parallel() {
  namespace q = labelkit::query;
  std::vector<ScoringMatrix<Scalar, Layout>> members;
  for (std::uint64_t m = 0; m < 4; ++m)
    members.push_back(scoring_pool<Scalar, Layout>(2003, 5, 20 + m));
  members[3] = members[1];  // two members agree exactly
  const auto check = [&](auto score) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> serial = score(members, labelkit::Parallel{});
    for (const labelkit::Parallel& parallel : scoring_settings()) {
      CAPTURE(parallel.grain);
      CHECK(same_bits<Scalar>(score(members, parallel), serial));
      CHECK(q::top_k(serial, 30, parallel) == q::top_k(serial, 30));
    }
  };
  check([](const auto& m, const labelkit::Parallel& par) { return q::vote_entropy(m, par); });
  check([](const auto& m, const labelkit::Parallel& par) { return q::consensus_entropy(m, par); });
  check(
      [](const auto& m, const labelkit::Parallel& par) { return q::mean_kl_disagreement(m, par); });
  check(
      [](const auto& m, const labelkit::Parallel& par) { return q::max_kl_disagreement(m, par); });
  check([](const auto& m, const labelkit::Parallel& par) { return q::bald(m, par); });

  auto bad = members;
  bad[2](1990, 3) = std::numeric_limits<Scalar>::quiet_NaN();
  bad[0](2001, 1) = Scalar(-0.5);
  const std::string serial_error = thrown_by([&] { (void)q::bald(bad); });
  REQUIRE(serial_error.find("members[0]") != std::string::npos);
  for (const labelkit::Parallel& parallel : scoring_settings()) {
    CHECK(thrown_by([&] { (void)q::bald(bad, parallel); }) == serial_error);
    CHECK(thrown_by([&] { (void)q::vote_entropy(bad, parallel); }) ==
          thrown_by([&] { (void)q::vote_entropy(bad); }));
  }
}

TEST_CASE("parallel committee scores equal the serial run, bit for bit") {
  SUBCASE("double, column-major") { check_committee_parallel<double, Eigen::ColMajor>(); }
  SUBCASE("double, row-major") { check_committee_parallel<double, Eigen::RowMajor>(); }
  SUBCASE("float, column-major") { check_committee_parallel<float, Eigen::ColMajor>(); }
  SUBCASE("float, row-major") { check_committee_parallel<float, Eigen::RowMajor>(); }
}

}  // namespace
