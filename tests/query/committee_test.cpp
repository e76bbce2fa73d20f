#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/strategy.hpp"

using labelkit::query::bald;
using labelkit::query::consensus_entropy;
using labelkit::query::max_kl_disagreement;
using labelkit::query::mean_kl_disagreement;
using labelkit::query::vote_entropy;
using Indices = std::vector<Eigen::Index>;
using RowMajorXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

// Three members, four items, three classes. Row 0: every member votes differently; row 1: two
// members tie between classes 0 and 1 (the vote goes to class 0); row 2: zeros everywhere but
// one class (0 ln 0 = 0, KL terms with p = 0); row 3: a unanimous committee.
std::vector<Eigen::MatrixXd> hand_committee() {
  std::vector<Eigen::MatrixXd> m(3, Eigen::MatrixXd(4, 3));
  m[0] << 0.7, 0.2, 0.1, /**/ 0.5, 0.5, 0.0, /**/ 1.0, 0.0, 0.0, /**/ 0.6, 0.3, 0.1;
  m[1] << 0.2, 0.7, 0.1, /**/ 0.5, 0.5, 0.0, /**/ 1.0, 0.0, 0.0, /**/ 0.6, 0.3, 0.1;
  m[2] << 0.1, 0.2, 0.7, /**/ 0.4, 0.6, 0.0, /**/ 0.0, 1.0, 0.0, /**/ 0.6, 0.3, 0.1;
  return m;
}

// Expected values from numpy/scipy (scipy.stats.entropy(p) and entropy(p_m, q), numpy argmax
// for the votes, whose ties go to the first class):
//   q = m.mean(0); votes = m.argmax(2); vote = [entropy(bincount(votes[:, i]) / M) ...]
//   meankl = [[entropy(m[j, i], q[i]) ...] ...].mean(0); bald = H(q) - mean_j H(m[j])
constexpr std::array<double, 4> expected_vote = {1.0986122886681096, 0.6365141682948128,
                                                 0.6365141682948128, 0.0};
constexpr std::array<double, 4> expected_consensus = {1.0952733774372052, 0.6909233093138181,
                                                      0.6365141682948128, 0.8979457248567798};
constexpr std::array<double, 4> expected_mean_kl = {2.9345482489386793e-01, 4.4879666041024264e-03,
                                                    6.3651416829481289e-01, 0.0};
constexpr std::array<double, 4> expected_max_kl = {3.5148406112438579e-01, 9.0095494629268275e-03,
                                                   1.0986122886681098e+00, 0.0};
constexpr std::array<double, 4> expected_bald = {0.29345482489386787, 0.00448796660410233,
                                                 0.6365141682948128, 0.0};

template <class V>
void check_close(const V& got, const std::array<double, 4>& expected, double epsilon) {
  REQUIRE(got.size() == 4);
  for (Eigen::Index i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(static_cast<double>(got(i)) ==
          doctest::Approx(expected[static_cast<std::size_t>(i)]).epsilon(epsilon).scale(1.0));
  }
}

// n x C probability matrices from a seeded generator, with some exact zeros and some
// one-hot rows, so that the 0 ln 0 paths are exercised.
std::vector<Eigen::MatrixXd> random_committee(Eigen::Index members, Eigen::Index n, Eigen::Index c,
                                              std::uint64_t seed) {
  labelkit::Random random(seed);
  std::vector<Eigen::MatrixXd> m;
  for (Eigen::Index k = 0; k < members; ++k) {
    Eigen::MatrixXd p(n, c);
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < c; ++j) {
        const double u = random.uniform01();
        p(i, j) = u < 0.15 ? 0.0 : u * u;
      }
      if (random.uniform01() < 0.05) {
        p.row(i).setZero();
        p(i, static_cast<Eigen::Index>(random.uniform_index(static_cast<std::uint64_t>(c)))) = 1;
      }
      if (p.row(i).sum() == 0) p(i, 0) = 1;
      p.row(i) /= p.row(i).sum();
    }
    m.push_back(p);
  }
  return m;
}

// Brute-force twins, one item at a time, written from the definitions.
double h(const Eigen::VectorXd& p) {
  double s = 0;
  for (const double v : p) s -= v > 0 ? v * std::log(v) : 0.0;
  return s;
}
double kl(const Eigen::VectorXd& p, const Eigen::VectorXd& q) {
  double s = 0;
  for (Eigen::Index c = 0; c < p.size(); ++c) s += p(c) > 0 ? p(c) * std::log(p(c) / q(c)) : 0.0;
  return s;
}
struct TwinScores {
  Eigen::VectorXd vote, consensus, mean_kl, max_kl, bald;
};
TwinScores twin(const std::vector<Eigen::MatrixXd>& m) {
  const Eigen::Index n = m[0].rows();
  const Eigen::Index c = m[0].cols();
  const auto size = static_cast<double>(m.size());
  TwinScores t{Eigen::VectorXd(n), Eigen::VectorXd(n), Eigen::VectorXd(n), Eigen::VectorXd(n),
               Eigen::VectorXd(n)};
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::VectorXd q = Eigen::VectorXd::Zero(c);
    Eigen::VectorXd votes = Eigen::VectorXd::Zero(c);
    double member_entropy = 0;
    for (const auto& p : m) {
      q += p.row(i).transpose();
      Eigen::Index top = 0;
      for (Eigen::Index j = 1; j < c; ++j) {
        if (p(i, j) > p(i, top)) top = j;
      }
      votes(top) += 1;
      member_entropy += h(p.row(i).transpose());
    }
    q /= size;
    t.vote(i) = h(votes / size);
    t.consensus(i) = h(q);
    t.bald(i) = h(q) - member_entropy / size;
    double sum = 0;
    double max = 0;
    for (const auto& p : m) {
      const double d = kl(p.row(i).transpose(), q);
      sum += d;
      max = std::max(max, d);
    }
    t.mean_kl(i) = sum / size;
    t.max_kl(i) = max;
  }
  return t;
}

void check_twin(const Eigen::VectorXd& got, const Eigen::VectorXd& expected) {
  REQUIRE(got.size() == expected.size());
  CHECK((got - expected).cwiseAbs().maxCoeff() <= 1e-12);
}

}  // namespace

TEST_CASE("committee scores match hand-computed values (double, column-major)") {
  const auto m = hand_committee();
  check_close(vote_entropy(m), expected_vote, 1e-14);
  check_close(consensus_entropy(m), expected_consensus, 1e-14);
  check_close(mean_kl_disagreement(m), expected_mean_kl, 1e-13);
  check_close(max_kl_disagreement(m), expected_max_kl, 1e-13);
  check_close(bald(m), expected_bald, 1e-13);
  // Exact values where the definitions give them exactly.
  CHECK(vote_entropy(m)(3) == 0.0);
  CHECK(vote_entropy(m)(0) == doctest::Approx(std::log(3.0)));
  CHECK(max_kl_disagreement(m)(2) == doctest::Approx(std::log(3.0)));  // the dissenter: ln(1/q)
  CHECK(bald(m)(3) >= 0.0);
  CHECK(mean_kl_disagreement(m)(3) >= 0.0);
}

TEST_CASE("committee scores: float, row-major, spans, arrays and expressions agree") {
  const auto m = hand_committee();
  const Eigen::VectorXd reference = bald(m);

  SUBCASE("std::span<const Eigen::MatrixXd>") {
    const std::span<const Eigen::MatrixXd> s(m);
    CHECK(bald(s) == reference);
    CHECK(vote_entropy(s) == vote_entropy(m));
    static_assert(std::is_same_v<decltype(bald(s)), Eigen::VectorXd>);
  }
  SUBCASE("fixed-extent and non-const spans, std::array") {
    std::vector<Eigen::MatrixXd> copy = m;
    CHECK(bald(std::span<Eigen::MatrixXd>(copy)) == reference);
    CHECK(bald(std::span<const Eigen::MatrixXd, 3>(m.data(), 3)) == reference);
    const std::array<Eigen::MatrixXd, 3> arr{m[0], m[1], m[2]};
    CHECK(bald(arr) == reference);
  }
  SUBCASE("row-major members give identical scores") {
    std::vector<RowMajorXd> rm(m.begin(), m.end());
    CHECK(bald(rm) == reference);
    CHECK(vote_entropy(rm) == vote_entropy(m));
    CHECK(consensus_entropy(rm) == consensus_entropy(m));
    CHECK(mean_kl_disagreement(rm) == mean_kl_disagreement(m));
    CHECK(max_kl_disagreement(rm) == max_kl_disagreement(m));
  }
  SUBCASE("float members give float scores") {
    std::vector<Eigen::MatrixXf> f;
    for (const auto& p : m) f.push_back(p.cast<float>());
    static_assert(std::is_same_v<decltype(bald(f)), Eigen::VectorXf>);
    static_assert(std::is_same_v<decltype(vote_entropy(f)), Eigen::VectorXf>);
    check_close(vote_entropy(f), expected_vote, 1e-6);
    check_close(consensus_entropy(f), expected_consensus, 1e-6);
    check_close(mean_kl_disagreement(f), expected_mean_kl, 1e-5);
    check_close(max_kl_disagreement(f), expected_max_kl, 1e-5);
    check_close(bald(f), expected_bald, 1e-5);
    std::vector<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> frm(
        f.begin(), f.end());
    CHECK(bald(frm) == bald(f));
  }
  SUBCASE("Eigen::Map members (no copy of the user's buffers)") {
    std::vector<Eigen::Map<const Eigen::MatrixXd>> maps;
    for (const auto& p : m) maps.emplace_back(p.data(), p.rows(), p.cols());
    CHECK(bald(maps) == reference);
  }
}

TEST_CASE("committee scores equal their brute-force twins on random committees") {
  // 1,300 rows cross several internal blocks (the last one partial); 4 and 11 classes.
  for (const Eigen::Index c : {Eigen::Index{1}, Eigen::Index{4}, Eigen::Index{11}}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      CAPTURE(c);
      CAPTURE(seed);
      // 1,301 rows: the last block ends in a partial packet (the scalar tail).
      const auto m = random_committee(static_cast<Eigen::Index>(seed + 1), 1301, c, seed);
      const TwinScores t = twin(m);
      check_twin(vote_entropy(m), t.vote);
      check_twin(consensus_entropy(m), t.consensus);
      check_twin(mean_kl_disagreement(m), t.mean_kl);
      check_twin(max_kl_disagreement(m), t.max_kl);
      check_twin(bald(m), t.bald);
      // float members against the double twin, and row-major members (the copy path).
      std::vector<Eigen::MatrixXf> f;
      for (const auto& p : m) f.push_back(p.cast<float>());
      CHECK((bald(f).cast<double>() - t.bald).cwiseAbs().maxCoeff() <= 2e-5);
      CHECK((max_kl_disagreement(f).cast<double>() - t.max_kl).cwiseAbs().maxCoeff() <= 2e-5);
      CHECK((consensus_entropy(f).cast<double>() - t.consensus).cwiseAbs().maxCoeff() <= 2e-5);
      const std::vector<RowMajorXd> rm(m.begin(), m.end());
      check_twin(mean_kl_disagreement(rm), t.mean_kl);
      check_twin(vote_entropy(rm), t.vote);
    }
  }
}

TEST_CASE("the BALD identity: BALD equals the mean KL divergence to the consensus") {
  for (std::uint64_t seed = 10; seed < 30; ++seed) {
    CAPTURE(seed);
    labelkit::Random pick(seed);
    const auto members = static_cast<Eigen::Index>(1 + pick.uniform_index(8));
    const auto classes = static_cast<Eigen::Index>(2 + pick.uniform_index(9));
    const auto m = random_committee(members, 700, classes, seed);
    const Eigen::VectorXd b = bald(m);
    const Eigen::VectorXd k = mean_kl_disagreement(m);
    CHECK((b - k).cwiseAbs().maxCoeff() <= 1e-12);
    CHECK(b.minCoeff() >= 0.0);
    CHECK(max_kl_disagreement(m).minCoeff() >= 0.0);
    // Mean <= max; vote and consensus entropy within their ranges.
    CHECK(((max_kl_disagreement(m) - k).array() >= -1e-15).all());
    CHECK(consensus_entropy(m).maxCoeff() <= std::log(static_cast<double>(classes)) + 1e-12);
    CHECK(vote_entropy(m).maxCoeff() <=
          std::log(static_cast<double>(std::min(members, classes))) + 1e-12);
  }
}

TEST_CASE("a committee of identical members has no disagreement") {
  const auto one = random_committee(1, 300, 5, 7);
  const std::vector<Eigen::MatrixXd> m(4, one[0]);
  CHECK(vote_entropy(m).isZero(0));
  CHECK(bald(m).maxCoeff() <= 1e-15);
  CHECK(mean_kl_disagreement(m).maxCoeff() <= 1e-15);
  CHECK(max_kl_disagreement(m).maxCoeff() <= 1e-15);
  CHECK((consensus_entropy(m) - twin(one).consensus).cwiseAbs().maxCoeff() <= 1e-12);
}

TEST_CASE("bad committees are rejected with the member, row and column named") {
  auto m = hand_committee();
  SUBCASE("empty committee") {
    const std::vector<Eigen::MatrixXd> none;
    CHECK_THROWS_WITH_AS(bald(none),
                         "labelkit: bald(): 'members' is empty (expected at least one committee "
                         "member)",
                         labelkit::invalid_argument);
    CHECK_THROWS_WITH(vote_entropy(none), doctest::Contains("vote_entropy()"));
  }
  SUBCASE("members of different shapes") {
    m.push_back(Eigen::MatrixXd::Constant(4, 2, 0.5));
    CHECK_THROWS_WITH_AS(mean_kl_disagreement(m),
                         "labelkit: mean_kl_disagreement(): 'members[3]' is 4 x 2 (expected 4 x 3, "
                         "the shape of 'members[0]')",
                         labelkit::dimension_mismatch);
    m.back() = Eigen::MatrixXd::Constant(5, 3, 1.0 / 3);
    CHECK_THROWS_AS(consensus_entropy(m), labelkit::dimension_mismatch);
    CHECK_THROWS_AS(consensus_entropy(m), labelkit::error);
  }
  SUBCASE("NaN in a member") {
    m[1](2, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(max_kl_disagreement(m),
                         "labelkit: max_kl_disagreement(): 'members[1]' has NaN at row 2, column 1",
                         labelkit::invalid_argument);
  }
  SUBCASE("a value outside [0, 1]") {
    m[2](0, 0) = -0.1;
    m[2](0, 2) = 0.9;
    CHECK_THROWS_WITH(
        vote_entropy(m),
        doctest::Contains("'members[2]' has a value outside [0, 1] at row 0, column 0"));
  }
  SUBCASE("a row that does not sum to 1, in a later block") {
    auto big = random_committee(3, 2000, 3, 5);
    big[1](1777, 0) += 0.5;
    CHECK_THROWS_WITH(bald(big), doctest::Contains("'members[1]' row 1777 does not sum to 1"));
  }
  SUBCASE("empty members") {
    const std::vector<Eigen::MatrixXd> empty(2, Eigen::MatrixXd(0, 3));
    CHECK_THROWS_WITH(bald(empty), doctest::Contains("'members[0]' is empty"));
  }
}

namespace {

// A committee model over Eigen features: member m predicts p(class 1) = sigmoid((m + 1) * x0).
struct ToyCommittee {
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::MatrixXd predict_proba(const Eigen::MatrixXd& x) const {
    const auto members = predict_proba_members(x);
    Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(x.rows(), 2);
    for (const auto& p : members) mean += p / static_cast<double>(members.size());
    return mean;
  }
  std::vector<Eigen::MatrixXd> predict_proba_members(const Eigen::MatrixXd& x) const {
    std::vector<Eigen::MatrixXd> out;
    for (int m = 0; m < 3; ++m) {
      Eigen::MatrixXd p(x.rows(), 2);
      for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double z = (m + 1) * x(i, 0) + (m - 1) * x(i, 1);
        p(i, 1) = 1.0 / (1.0 + std::exp(-z));
        p(i, 0) = 1.0 - p(i, 1);
      }
      out.push_back(p);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("committee strategies pick the highest-scoring unlabeled items") {
  static_assert(labelkit::CommitteeModel<ToyCommittee, Eigen::MatrixXd>);
  labelkit::Random random(3);
  Eigen::MatrixXd x(40, 2);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
  ToyCommittee model;
  const Indices unlabeled = {0, 2, 3, 5, 8, 13, 21, 22, 30, 34, 39};
  const Indices labeled = {1, 4};
  const labelkit::query::QueryContext<ToyCommittee, Eigen::MatrixXd> context{model, x, unlabeled,
                                                                             labeled, 99};
  Eigen::MatrixXd candidates(static_cast<Eigen::Index>(unlabeled.size()), 2);
  for (std::size_t r = 0; r < unlabeled.size(); ++r) {
    candidates.row(static_cast<Eigen::Index>(r)) = x.row(unlabeled[r]);
  }
  const auto members = model.predict_proba_members(candidates);
  const auto expect = [&](const Eigen::VectorXd& scores, Eigen::Index k) {
    return labelkit::query::to_item_ids(labelkit::query::top_k(scores, k), unlabeled);
  };
  static_assert(labelkit::query::QueryStrategy<decltype(labelkit::query::bald_sampling),
                                               ToyCommittee, Eigen::MatrixXd>);
  CHECK(labelkit::query::bald_sampling(context, 4) == expect(bald(members), 4));
  CHECK(labelkit::query::vote_entropy_sampling(context, 3) == expect(vote_entropy(members), 3));
  CHECK(labelkit::query::consensus_entropy_sampling(context, 5) ==
        expect(consensus_entropy(members), 5));
  CHECK(labelkit::query::mean_kl_disagreement_sampling(context, 2) ==
        expect(mean_kl_disagreement(members), 2));
  CHECK(labelkit::query::max_kl_disagreement_sampling(context, 20) ==
        expect(max_kl_disagreement(members), 20));
  CHECK(labelkit::query::bald_sampling(context, 0).empty());
  CHECK_THROWS_AS(labelkit::query::bald_sampling(context, -1), labelkit::invalid_argument);
  for (const Eigen::Index id : labelkit::query::bald_sampling(context, 11)) {
    CHECK(std::find(unlabeled.begin(), unlabeled.end(), id) != unlabeled.end());
  }
}
