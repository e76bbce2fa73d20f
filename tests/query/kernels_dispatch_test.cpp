// The scoring kernels on every instruction set this CPU has (forced lower paths through
// set_simd_level_cap), against the scalar path, in both layouts; and the kernels' logarithm
// against std::log in long double, with the error bound stated in
// labelkit/query/detail/score_kernels.hpp.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/simd/dispatch.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/detail/score_kernels.hpp"
#include "labelkit/query/uncertainty.hpp"

namespace {

using labelkit::SimdLevel;

/// Restores the previous cap when it goes out of scope.
struct LevelCap {
  SimdLevel previous;
  explicit LevelCap(SimdLevel cap) : previous(labelkit::set_simd_level_cap(cap)) {}
  ~LevelCap() { labelkit::set_simd_level_cap(previous); }
  LevelCap(const LevelCap&) = delete;
  LevelCap& operator=(const LevelCap&) = delete;
};

/// Every level this CPU runs, scalar first.
std::vector<SimdLevel> levels() {
  std::vector<SimdLevel> out;
  for (int l = 0; l <= static_cast<int>(labelkit::detail::detected_simd_level()); ++l) {
    out.push_back(static_cast<SimdLevel>(l));
  }
  return out;
}

/// Rows of a softmax of N(0, 3²) logits (some entries underflow towards 0), with exact zeros
/// and one-hot rows mixed in.
template <class T, int Layout>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Layout> random_probabilities(Eigen::Index n,
                                                                              Eigen::Index c,
                                                                              std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, 3.0);
  Eigen::MatrixXd z(n, c);
  for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = normal(gen);
  z.colwise() -= z.rowwise().maxCoeff();
  z = z.array().exp().matrix();
  if (c > 1) {
    for (Eigen::Index i = 0; i < n; i += 7) z(i, (i / 7) % c) = 0;  // exact zeros
  }
  for (Eigen::Index i = 3; i < n; i += 11) {
    z.row(i).setZero();
    z(i, i % c) = 1;  // one-hot
  }
  z.array().colwise() /= z.array().rowwise().sum();
  return z.cast<T>();
}

template <class T>
T log_bound(long double exact) {
  const double magnitude = std::fabs(static_cast<double>(exact));
  return sizeof(T) == 8 ? T(1e-14 + 4e-16 * magnitude) : T(3e-7 + 2e-7 * magnitude);
}

template <class T>
void check_log_on_every_path() {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<T> x;
  // Every binade of the normal range, values near 1, near √2 and √2/2 (the reduction's
  // boundaries), the smallest normal and 1 itself.
  const int lowest_exponent = std::numeric_limits<T>::min_exponent - 1;
  for (int e = lowest_exponent; e <= 2; ++e) {
    for (int k = 0; k < 64; ++k) x.push_back(static_cast<T>(std::ldexp(1.0 + unit(gen), e)));
  }
  for (int k = 0; k < 4096; ++k) x.push_back(static_cast<T>(unit(gen)));
  for (double centre : {1.0, 1.41421356237309504880, 0.70710678118654752440}) {
    T v = static_cast<T>(centre);
    for (int k = 0; k < 64; ++k) {
      x.push_back(v);
      v = std::nextafter(v, T(2));
    }
    v = static_cast<T>(centre);
    for (int k = 0; k < 64; ++k) {
      v = std::nextafter(v, T(0));
      x.push_back(v);
    }
  }
  x.push_back(std::numeric_limits<T>::min());
  x.push_back(T(1));
  for (T& v : x) v = std::max(v, std::numeric_limits<T>::min());
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    std::vector<T> y(x.size());
    labelkit::detail::log_positive_values(level, x.data(), static_cast<std::ptrdiff_t>(x.size()),
                                          y.data());
    bool within = true;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double exact = std::log(static_cast<long double>(x[i]));
      const auto error = static_cast<T>(std::fabs(static_cast<long double>(y[i]) - exact));
      if (!(error <= log_bound<T>(exact))) {
        within = false;
        CAPTURE(x[i]);
        CAPTURE(error);
        CHECK(error <= log_bound<T>(exact));
      }
    }
    CHECK(within);
    CHECK(y.back() == T(0));  // ln 1 = 0 exactly
  }
}

TEST_CASE("kernels: the logarithm is within its stated bound of std::log on every path") {
  check_log_on_every_path<double>();
  check_log_on_every_path<float>();
}

struct Scores {
  Eigen::VectorXd least_confidence, margin, ratio, entropy;
};

template <class M>
Scores score_all(const M& p) {
  return {labelkit::query::least_confidence(p).template cast<double>(),
          labelkit::query::margin(p).template cast<double>(),
          labelkit::query::ratio(p).template cast<double>(),
          labelkit::query::entropy(p).template cast<double>()};
}

template <class T>
void check_uncertainty_paths(Eigen::Index n, Eigen::Index c) {
  CAPTURE(n);
  CAPTURE(c);
  const auto col =
      random_probabilities<T, Eigen::ColMajor>(n, c, 11 + static_cast<std::uint64_t>(n * c));
  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row = col;
  Scores reference;
  {
    LevelCap cap(SimdLevel::scalar);
    reference = score_all(col);
  }
  // The entropy's terms may be fused (multiply-add) on wider paths: within C * the log bound
  // (ln is at most |ln smallest normal| ~ 708 here, weights sum to 1) plus rounding.
  const double entropy_tolerance = sizeof(T) == 8 ? 1e-12 : 2e-5;
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    LevelCap cap(level);
    const Scores by_col = score_all(col);
    const Scores by_row = score_all(row);
    // No logarithm: the same operations in the same order on every path.
    CHECK(by_col.least_confidence == reference.least_confidence);
    CHECK(by_col.margin == reference.margin);
    CHECK(by_col.ratio == reference.ratio);
    CHECK((by_col.entropy - reference.entropy).cwiseAbs().maxCoeff() <= entropy_tolerance);
    // The layout changes where lanes come from, not the arithmetic.
    CHECK(by_row.least_confidence == by_col.least_confidence);
    CHECK(by_row.margin == by_col.margin);
    CHECK(by_row.ratio == by_col.ratio);
    CHECK(by_row.entropy == by_col.entropy);
    // A row's score does not depend on where it falls (partial groups are padded).
    if (n > 5) {
      const Eigen::VectorXd part =
          labelkit::query::entropy(row.middleRows(3, n - 5)).template cast<double>();
      CHECK(part == by_col.entropy.segment(3, n - 5));
    }
    // One-hot rows have entropy 0 exactly (0 ln 0 = 0, 1 ln 1 = 0).
    if (n > 3) CHECK(by_col.entropy(3) == 0.0);
  }
}

TEST_CASE("kernels: uncertainty scores agree with the scalar path on every path and layout") {
  for (const Eigen::Index c : {1, 2, 3, 10, 17}) {
    for (const Eigen::Index n : {1, 5, 16, 37, 1003}) {
      check_uncertainty_paths<double>(n, c);
      check_uncertainty_paths<float>(n, c);
    }
  }
}

TEST_CASE("kernels: every path rejects an invalid row wherever it falls") {
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    LevelCap cap(level);
    for (const Eigen::Index bad : {0, 16, 36}) {
      Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> p =
          random_probabilities<float, Eigen::RowMajor>(37, 4, 5);
      p(bad, 2) = std::numeric_limits<float>::quiet_NaN();
      CHECK_THROWS_AS((void)labelkit::query::entropy(p), labelkit::invalid_argument);
      CHECK_THROWS_AS((void)labelkit::query::margin(p), labelkit::invalid_argument);
      Eigen::MatrixXd q = random_probabilities<double, Eigen::ColMajor>(37, 4, 6);
      q(bad, 1) += 0.01;  // the row sums to 1.01
      CHECK_THROWS_AS((void)labelkit::query::least_confidence(q), labelkit::invalid_argument);
      std::vector<Eigen::MatrixXd> members(3,
                                           random_probabilities<double, Eigen::ColMajor>(37, 4, 8));
      members[2] = q;
      CHECK_THROWS_AS((void)labelkit::query::bald(members), labelkit::invalid_argument);
      CHECK_THROWS_AS((void)labelkit::query::vote_entropy(members), labelkit::invalid_argument);
    }
  }
}

template <class T, int Layout>
std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Layout>> committee(Eigen::Index m,
                                                                                Eigen::Index n,
                                                                                Eigen::Index c) {
  std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Layout>> out;
  for (Eigen::Index k = 0; k < m; ++k) {
    out.push_back(random_probabilities<T, Layout>(n, c, 100 + static_cast<std::uint64_t>(k)));
  }
  // Members that agree on some rows, so vote entropy sees unanimity too.
  for (Eigen::Index i = 0; i < n; i += 5) {
    for (auto& p : out) p.row(i) = out[0].row(i);
  }
  return out;
}

struct CommitteeScores {
  Eigen::VectorXd vote, consensus, mean_kl, max_kl, bald;
};

template <class Members>
CommitteeScores committee_all(const Members& m) {
  using labelkit::query::bald;
  return {labelkit::query::vote_entropy(m).template cast<double>(),
          labelkit::query::consensus_entropy(m).template cast<double>(),
          labelkit::query::mean_kl_disagreement(m).template cast<double>(),
          labelkit::query::max_kl_disagreement(m).template cast<double>(),
          bald(m).template cast<double>()};
}

double max_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

template <class T>
void check_committee_paths(Eigen::Index m, Eigen::Index n, Eigen::Index c) {
  CAPTURE(m);
  CAPTURE(n);
  CAPTURE(c);
  const auto col = committee<T, Eigen::ColMajor>(m, n, c);
  std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> row(col.begin(),
                                                                                     col.end());
  CommitteeScores reference;
  {
    LevelCap cap(SimdLevel::scalar);
    reference = committee_all(col);
  }
  // Each score sums at most (M + 1) C terms x ln x or p ln q, each within the log bound
  // (weights sum to at most M + 1), plus rounding; paths may fuse multiply-adds.
  const double tolerance = sizeof(T) == 8 ? 1e-11 : 5e-5;
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    LevelCap cap(level);
    const CommitteeScores by_col = committee_all(col);
    const CommitteeScores by_row = committee_all(row);
    CHECK(max_difference(by_col.vote, reference.vote) <= tolerance);
    CHECK(max_difference(by_col.consensus, reference.consensus) <= tolerance);
    CHECK(max_difference(by_col.mean_kl, reference.mean_kl) <= tolerance);
    CHECK(max_difference(by_col.max_kl, reference.max_kl) <= tolerance);
    CHECK(max_difference(by_col.bald, reference.bald) <= tolerance);
    CHECK(by_row.vote == by_col.vote);
    CHECK(by_row.consensus == by_col.consensus);
    CHECK(by_row.mean_kl == by_col.mean_kl);
    CHECK(by_row.max_kl == by_col.max_kl);
    CHECK(by_row.bald == by_col.bald);
    CHECK(by_col.vote(0) == 0.0);  // unanimous row
  }
}

TEST_CASE("kernels: committee scores agree with the scalar path on every path and layout") {
  for (const Eigen::Index c : {1, 3, 10}) {
    for (const Eigen::Index n : {1, 37, 1300}) {
      check_committee_paths<double>(5, n, c);
      check_committee_paths<float>(3, n, c);
    }
  }
}

}  // namespace

namespace {

TEST_CASE("kernels: parallel scoring is bit-identical to the serial pass") {
  const auto col = random_probabilities<double, Eigen::ColMajor>(10'007, 7, 3);
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row =
      col.cast<float>();
  const auto members = committee<float, Eigen::RowMajor>(4, 9'001, 5);
  for (const unsigned threads : {2U, 3U, 8U}) {
    CAPTURE(threads);
    const labelkit::Parallel options = labelkit::parallel_threads(threads);
    CHECK(labelkit::query::entropy(col, options) == labelkit::query::entropy(col));
    CHECK(labelkit::query::margin(row, options) == labelkit::query::margin(row));
    CHECK(labelkit::query::least_confidence(row, options) ==
          labelkit::query::least_confidence(row));
    CHECK(labelkit::query::ratio(col, options) == labelkit::query::ratio(col));
    CHECK(labelkit::query::vote_entropy(members, options) ==
          labelkit::query::vote_entropy(members));
    CHECK(labelkit::query::consensus_entropy(members, options) ==
          labelkit::query::consensus_entropy(members));
    CHECK(labelkit::query::mean_kl_disagreement(members, options) ==
          labelkit::query::mean_kl_disagreement(members));
    CHECK(labelkit::query::max_kl_disagreement(members, options) ==
          labelkit::query::max_kl_disagreement(members));
    CHECK(labelkit::query::bald(members, options) == labelkit::query::bald(members));
  }
  // An invalid row in any chunk still throws, naming it.
  auto bad = members;
  bad[2](8'500, 1) = 2.0f;
  CHECK_THROWS_WITH_AS((void)labelkit::query::bald(bad, labelkit::parallel_threads(2)),
                       doctest::Contains("members[2]"), labelkit::invalid_argument);
}

}  // namespace

namespace {

/// Every score of a row-major matrix (whose rows may be wider than its columns, i.e. a block
/// of a wider matrix) on every path against the column-major copy on the same path: the
/// row-major tiles are transposed in registers, with an overlapping last tile when C is not a
/// multiple of the tile width, and gathered when a row is narrower than one tile.
template <class T>
void check_row_major_tiles(Eigen::Index n, Eigen::Index c, Eigen::Index extra) {
  CAPTURE(n);
  CAPTURE(c);
  CAPTURE(extra);
  using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto col =
      random_probabilities<T, Eigen::ColMajor>(n, c, 29 + static_cast<std::uint64_t>(n * c));
  RowMatrix wide = RowMatrix::Constant(n, c + extra, T(-7));  // never read
  wide.leftCols(c) = col;
  const auto row = wide.leftCols(c);
  REQUIRE(row.rowStride() == c + extra);
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    LevelCap cap(level);
    const Scores by_col = score_all(col);
    const Scores by_row = score_all(row);
    CHECK(by_row.least_confidence == by_col.least_confidence);
    CHECK(by_row.margin == by_col.margin);
    CHECK(by_row.ratio == by_col.ratio);
    CHECK(by_row.entropy == by_col.entropy);
  }
}

TEST_CASE("kernels: row-major tiles at every width, odd row counts and strided rows") {
  for (const Eigen::Index c : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 33}) {
    for (const Eigen::Index n : {1, 3, 7, 15, 16, 17, 31, 33, 100}) {
      for (const Eigen::Index extra : {0, 3}) {
        check_row_major_tiles<double>(n, c, extra);
        check_row_major_tiles<float>(n, c, extra);
      }
    }
  }
}

TEST_CASE("kernels: committee scores in row-major agree with column-major at odd sizes") {
  for (const Eigen::Index c : {2, 5, 17}) {
    for (const Eigen::Index n : {1, 7, 15, 17, 33}) {
      check_committee_paths<double>(3, n, c);
      check_committee_paths<float>(4, n, c);
    }
  }
}

/// A row-major matrix with row `bad` made invalid: a NaN in the last class, or a negative
/// entry (for C > 2 balanced so that the row still sums to 1 with every other entry in [0, 1]).
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> spoiled(Eigen::Index n,
                                                                          Eigen::Index c,
                                                                          Eigen::Index bad,
                                                                          bool nan) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> p =
      random_probabilities<T, Eigen::RowMajor>(n, c, 41);
  if (nan) {
    p(bad, c - 1) = std::numeric_limits<T>::quiet_NaN();
  } else if (c == 1) {
    p(bad, 0) = T(-1);
  } else if (c == 2) {
    p(bad, 0) = T(1.25);
    p(bad, 1) = T(-0.25);
  } else {
    p.row(bad).setZero();
    p(bad, 0) = T(0.625);
    p(bad, c / 2) = T(-0.25);  // every other entry in [0, 1], the sum is 1
    p(bad, c - 1) = T(0.625);
  }
  return p;
}

template <class T>
void check_row_major_rejects(Eigen::Index n, Eigen::Index c) {
  CAPTURE(n);
  CAPTURE(c);
  for (const SimdLevel level : levels()) {
    CAPTURE(static_cast<int>(level));
    LevelCap cap(level);
    for (const Eigen::Index bad : {Eigen::Index{0}, n / 2, n - 1}) {
      for (const bool nan : {true, false}) {
        CAPTURE(bad);
        CAPTURE(nan);
        const auto p = spoiled<T>(n, c, bad, nan);
        CHECK_THROWS_AS((void)labelkit::query::least_confidence(p), labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::margin(p), labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::ratio(p), labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::entropy(p), labelkit::invalid_argument);
        std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> members(
            3, random_probabilities<T, Eigen::RowMajor>(n, c, 43));
        members[1] = p;
        CHECK_THROWS_AS((void)labelkit::query::vote_entropy(members), labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::consensus_entropy(members),
                        labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::max_kl_disagreement(members),
                        labelkit::invalid_argument);
        CHECK_THROWS_AS((void)labelkit::query::bald(members), labelkit::invalid_argument);
      }
    }
  }
}

TEST_CASE("kernels: row-major input rejects NaN and negative entries on every path") {
  for (const Eigen::Index c : {1, 2, 3, 10, 17}) {
    for (const Eigen::Index n : {1, 5, 16, 37}) {
      check_row_major_rejects<double>(n, c);
      check_row_major_rejects<float>(n, c);
    }
  }
}

}  // namespace
