// Mergeable agreement states: AlphaState (Krippendorff), CohenState, FleissState. Each is checked
// against the serial coefficient on published data, for exact invariance under any partition of
// the items and any order and tree shape of the merges, and for a byte round trip that refuses
// damaged buffers with labelkit::parse_error.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "agreement/agreement_check.hpp"
#include "labelkit/agreement/alpha_state.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/kappa_states.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"

using labelkit::agreement::AlphaState;
using labelkit::agreement::CohenState;
using labelkit::agreement::FleissState;
using labelkit::agreement::Level;

namespace {

constexpr Level mergeable_levels[] = {Level::nominal, Level::ordinal, Level::interval,
                                      Level::ratio};

static_assert(labelkit::MergeableState<AlphaState>);
static_assert(labelkit::MergeableState<CohenState>);
static_assert(labelkit::MergeableState<FleissState>);

// Annotators x items with missing values: `annotators` rows, codes 1..values, about a fifth
// missing.
Eigen::MatrixXd mergeable_random_reliability(Eigen::Index annotators, Eigen::Index items,
                                             int values, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> code(1, values);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Eigen::MatrixXd d(annotators, items);
  for (Eigen::Index i = 0; i < items; ++i) {
    const int truth = code(rng);
    for (Eigen::Index a = 0; a < annotators; ++a) {
      const double r = u(rng);
      d(a, i) = r < 0.2 ? agreement_test::NA : (r < 0.75 ? truth : code(rng));
    }
  }
  return d;
}

// The items (columns) of `data` listed in `cols`.
Eigen::MatrixXd mergeable_columns(const Eigen::MatrixXd& data,
                                  const std::vector<Eigen::Index>& cols) {
  Eigen::MatrixXd out(data.rows(), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    out.col(static_cast<Eigen::Index>(j)) = data.col(cols[j]);
  return out;
}

// Splits 0..n-1, shuffled, into `shards` groups of random sizes (some may be empty).
std::vector<std::vector<Eigen::Index>> mergeable_partition(Eigen::Index n, int shards,
                                                           std::mt19937_64& rng) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::size_t> cuts;
  std::uniform_int_distribution<std::size_t> at(0, order.size());
  for (int s = 1; s < shards; ++s) cuts.push_back(at(rng));
  std::sort(cuts.begin(), cuts.end());
  cuts.insert(cuts.begin(), 0);
  cuts.push_back(order.size());
  std::vector<std::vector<Eigen::Index>> parts;
  for (std::size_t s = 0; s + 1 < cuts.size(); ++s)
    parts.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(cuts[s]),
                       order.begin() + static_cast<std::ptrdiff_t>(cuts[s + 1]));
  return parts;
}

// Merges `states` in a random tree shape: repeatedly merges two random entries.
template <class State>
State mergeable_random_tree(std::vector<State> states, std::mt19937_64& rng) {
  while (states.size() > 1) {
    std::uniform_int_distribution<std::size_t> pick(0, states.size() - 1);
    const std::size_t a = pick(rng);
    std::size_t b = pick(rng);
    if (a == b) b = (a + 1) % states.size();
    states[a] = labelkit::merge(states[a], states[b]);
    states.erase(states.begin() + static_cast<std::ptrdiff_t>(b));
  }
  return states.front();
}

}  // namespace

TEST_CASE("AlphaState gives Krippendorff's 2011 example at every level") {
  const Eigen::MatrixXd d = agreement_test::krippendorff_2011();
  const AlphaState s = AlphaState::of(d);
  // The published values (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
  // nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797; full precision as in
  // krippendorff_test.cpp.
  CHECK(s.alpha(Level::nominal) == doctest::Approx(0.743421052631579).epsilon(1e-13));
  CHECK(s.alpha(Level::ordinal) == doctest::Approx(0.8153875037548814).epsilon(1e-13));
  CHECK(s.alpha(Level::interval) == doctest::Approx(0.8491071428571428).epsilon(1e-13));
  CHECK(s.alpha(Level::ratio) == doctest::Approx(0.7974027747116121).epsilon(1e-13));
  CHECK(s.pairable_items() == 11);
  for (const Level level : mergeable_levels) {
    const auto serial = labelkit::agreement::krippendorff_alpha_parts(d, level);
    const auto parts = s.alpha_parts(level);
    CHECK(parts.observed_disagreement ==
          doctest::Approx(serial.observed_disagreement).epsilon(1e-13));
    CHECK(parts.expected_disagreement ==
          doctest::Approx(serial.expected_disagreement).epsilon(1e-13));
    CHECK(parts.pairable_values == serial.pairable_values);
    CHECK(parts.pairable_items == serial.pairable_items);
  }
  const auto serial = labelkit::agreement::coincidence_matrix(d);
  const auto state = s.coincidences();
  CHECK(state.values == serial.values);
  CHECK((state.matrix - serial.matrix).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((state.totals - serial.totals).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("AlphaState: any partition, order and tree of merges gives the same bytes and alpha") {
  std::mt19937_64 rng(20261206);
  for (int trial = 0; trial < 12; ++trial) {
    const Eigen::Index annotators = 2 + trial % 6;
    const Eigen::MatrixXd d =
        mergeable_random_reliability(annotators, 150 + 20 * trial, 3 + trial % 5, 500 + trial);
    const AlphaState whole = AlphaState::of(d);
    const auto bytes = whole.to_bytes();
    for (int shards : {1, 2, 3, 7}) {
      const auto parts = mergeable_partition(d.cols(), shards, rng);
      std::vector<AlphaState> states;
      for (const auto& part : parts) states.push_back(AlphaState::of(mergeable_columns(d, part)));
      const AlphaState merged = mergeable_random_tree(states, rng);
      CHECK(merged == whole);
      CHECK(merged.to_bytes() == bytes);
      for (const Level level : mergeable_levels) {
        // Bit-identical to one state over everything, and equal to the serial alpha within
        // rounding (another summation order).
        CHECK(merged.alpha(level) == whole.alpha(level));
        CHECK(merged.alpha(level) ==
              doctest::Approx(labelkit::agreement::krippendorff_alpha(d, level)).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("AlphaState: adding shards one by one equals merging them; the empty state is neutral") {
  const Eigen::MatrixXd d = mergeable_random_reliability(4, 90, 5, 11);
  AlphaState incremental;
  incremental.add(d.leftCols(30));
  incremental.add(d.middleCols(30, 30));
  incremental.add(d.rightCols(30));
  CHECK(incremental == AlphaState::of(d));
  CHECK(labelkit::merge(AlphaState{}, incremental) == incremental);
  CHECK(labelkit::merge(incremental, AlphaState{}) == incremental);
  // -0 and +0 are one value: item 0 holds the pair (0, -0), which agrees.
  Eigen::MatrixXd zeros(2, 2);
  zeros << 0.0, 1.0, -0.0, 1.0;
  const auto c = AlphaState::of(zeros).coincidences();
  CHECK(c.values == std::vector<double>{0.0, 1.0});
  CHECK(c.matrix(0, 0) == 2.0);
  CHECK(c.matrix(0, 1) == 0.0);
}

TEST_CASE("AlphaState refuses what krippendorff_alpha refuses") {
  CHECK_THROWS_AS((void)AlphaState{}.alpha(Level::nominal), labelkit::invalid_argument);
  Eigen::MatrixXd inf = agreement_test::krippendorff_2011();
  inf(1, 3) = std::numeric_limits<double>::infinity();
  AlphaState s;
  CHECK_THROWS_AS(s.add(inf), labelkit::invalid_argument);
  CHECK(s == AlphaState{});
  Eigen::MatrixXd negative(2, 2);
  negative << -1, 2, -1, 3;
  CHECK_THROWS_AS((void)AlphaState::of(negative).alpha(Level::ratio), labelkit::invalid_argument);
  CHECK_NOTHROW((void)AlphaState::of(negative).alpha(Level::interval));
}

TEST_CASE("AlphaState bytes: round trip; every truncation and a wrong tag are parse errors") {
  const AlphaState s = AlphaState::of(agreement_test::krippendorff_2011());
  const auto bytes = s.to_bytes();
  CHECK(AlphaState::from_bytes(bytes) == s);
  CHECK(AlphaState::from_bytes(AlphaState{}.to_bytes()) == AlphaState{});
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    CHECK_THROWS_AS((void)AlphaState::from_bytes(std::span(bytes).first(cut)),
                    labelkit::parse_error);
  }
  auto longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS((void)AlphaState::from_bytes(longer), labelkit::parse_error);
  auto tag = bytes;
  tag[0] = std::byte{'X'};
  CHECK_THROWS_AS((void)AlphaState::from_bytes(tag), labelkit::parse_error);
  // Every single-byte change is refused or read as some valid state; never a crash or a foreign
  // exception.
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (const unsigned char value : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
      auto changed = bytes;
      changed[at] = static_cast<std::byte>(value);
      try {
        (void)AlphaState::from_bytes(changed).alpha_parts(Level::ordinal);
      } catch (const labelkit::error&) {
      }
    }
  }
}

TEST_CASE("CohenState equals cohens_kappa_estimate of the whole table, on any partition") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> code(0, 3);
  std::vector<int> a(500);
  std::vector<int> b(500);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = code(rng);
    b[i] = (i % 3 == 0) ? code(rng) : a[i];
  }
  CohenState whole(4);
  whole.add(a, b);
  const auto serial =
      labelkit::agreement::cohens_kappa_estimate(std::span<const int>(a), std::span<const int>(b));
  CHECK(whole.estimate().value == serial.value);
  CHECK(whole.estimate().se == serial.se);
  CHECK(whole.kappa(labelkit::agreement::Weights::quadratic) ==
        labelkit::agreement::cohens_kappa(std::span<const int>(a), std::span<const int>(b),
                                          labelkit::agreement::Weights::quadratic));
  for (int shards : {2, 5}) {
    const auto parts = mergeable_partition(static_cast<Eigen::Index>(a.size()), shards, rng);
    std::vector<CohenState> states;
    for (const auto& part : parts) {
      std::vector<int> pa;
      std::vector<int> pb;
      for (const Eigen::Index i : part) {
        pa.push_back(a[static_cast<std::size_t>(i)]);
        pb.push_back(b[static_cast<std::size_t>(i)]);
      }
      CohenState s(4);
      s.add(pa, pb);
      states.push_back(CohenState::from_bytes(s.to_bytes()));
    }
    const CohenState merged = mergeable_random_tree(states, rng);
    CHECK(merged == whole);
    CHECK(merged.estimate().value == serial.value);
  }
  CohenState other(3);
  CHECK_THROWS_AS(whole.merge(other), labelkit::dimension_mismatch);
  const std::vector<int> bad{0, 4};
  const std::vector<int> ok{0, 1};
  CohenState s(4);
  CHECK_THROWS_AS(s.add(bad, ok), labelkit::invalid_argument);
  CHECK(s == CohenState(4));
  const auto bytes = whole.to_bytes();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_THROWS_AS((void)CohenState::from_bytes(std::span(bytes).first(cut)),
                    labelkit::parse_error);
}

TEST_CASE("FleissState equals fleiss_kappa of the stacked tables to the last bit") {
  // Fleiss (1971), Table 1: 30 patients, 6 psychiatrists, 5 diagnoses; kappa = 0.430.
  const Eigen::MatrixXd counts = agreement_test::fleiss_1971();
  const double serial = labelkit::agreement::fleiss_kappa(counts);
  CHECK(serial == doctest::Approx(0.4302).epsilon(1e-3));
  FleissState whole(5);
  whole.add(counts);
  CHECK(whole.kappa() == serial);
  std::mt19937_64 rng(3);
  for (int shards : {2, 4, 9}) {
    const auto parts = mergeable_partition(counts.rows(), shards, rng);
    std::vector<FleissState> states;
    for (const auto& part : parts) {
      Eigen::MatrixXd rows(static_cast<Eigen::Index>(part.size()), counts.cols());
      for (std::size_t r = 0; r < part.size(); ++r)
        rows.row(static_cast<Eigen::Index>(r)) = counts.row(part[r]);
      FleissState s(5);
      if (rows.rows() > 0) s.add(rows);
      states.push_back(FleissState::from_bytes(s.to_bytes()));
    }
    const FleissState merged = mergeable_random_tree(states, rng);
    CHECK(merged == whole);
    CHECK(merged.kappa() == serial);
  }
  // Items with another number of annotators cannot join.
  Eigen::MatrixXd three(1, 5);
  three << 3, 0, 0, 0, 0;
  CHECK_THROWS_AS(whole.add(three), labelkit::invalid_argument);
  FleissState other(5);
  other.add(three);
  CHECK_THROWS_AS(whole.merge(other), labelkit::invalid_argument);
  CHECK_THROWS_AS((void)FleissState(5).kappa(), labelkit::invalid_argument);
  Eigen::MatrixXd fraction(1, 5);
  fraction << 1.5, 0.5, 0, 0, 0;
  CHECK_THROWS_AS(FleissState(5).add(fraction), labelkit::invalid_argument);
  const auto bytes = whole.to_bytes();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_THROWS_AS((void)FleissState::from_bytes(std::span(bytes).first(cut)),
                    labelkit::parse_error);
  auto inconsistent = bytes;
  inconsistent[bytes.size() - 1] = std::byte{0x01};  // last total's top byte
  CHECK_THROWS_AS((void)FleissState::from_bytes(inconsistent), labelkit::parse_error);
}

TEST_CASE("CohenState: counts from bytes or merges beyond 2^53 items are refused") {
  // A fuzzer's input: two cells near 2^62 each used to read, then overflow a double-to-int64 cast
  // in kappa.
  labelkit::detail::ByteWriter w("LKCOHEN1", 1);
  w.i64(2);
  for (const std::int64_t v :
       {std::int64_t{1} << 62, std::int64_t{1} << 62, std::int64_t{0}, std::int64_t{0}}) {
    w.i64(v);
  }
  const auto bytes = std::move(w).take();
  CHECK_THROWS_AS((void)labelkit::agreement::CohenState::from_bytes(bytes), labelkit::parse_error);

  labelkit::detail::ByteWriter half("LKCOHEN1", 1);
  half.i64(1);
  half.i64(std::int64_t{1} << 52);
  const auto half_bytes = std::move(half).take();
  auto a = labelkit::agreement::CohenState::from_bytes(half_bytes);
  const auto b = a;
  a.merge(b);  // exactly 2^53: still exact in double
  CHECK_THROWS_AS(a.merge(b), labelkit::numerical_error);
  CHECK_THROWS_AS((void)labelkit::detail::kappa_from_table<>(
                      Eigen::MatrixXd::Constant(2, 2, 0x1p62), Eigen::MatrixXd::Zero(2, 2), 0.95,
                      labelkit::agreement::ZeroDivision::one, false, "test"),
                  labelkit::numerical_error);
}
