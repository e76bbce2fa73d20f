// labelkit on the Python peers' own data files (the harness in ../shared/peers generates them into
// $PEERS_DATA and times modAL, fast-krippendorff, statsmodels, scikit-learn, crowd-kit and
// small-text on them), each case beside its physical reference in the same process:
//
//   proba_1m_10 (1,000,000 x 10 float32): least confidence, margin, ratio, entropy, each +
//     top_k(100); reference: one streaming sum over the same bytes.
//   committee_5x200k_10 (5 members x 200,000 x 10 float32): vote entropy, consensus entropy,
//     mean/max KL, BALD; reference: one streaming sum over every member.
//   emb_50k_128 (50,000 x 128 float32): k_center_greedy(k = 100, row 0 labelled); reference: 100
//     dependent GEMVs over the embeddings (the least work 100 greedy picks need), and one GEMV
//     (numpy's `emb @ v` case).
//   reliability_10x100k (10 coders x 100,000 units, NaN = missing): Krippendorff's alpha at
//     every level; reference: one pass counting each unit's values and summing v and v^2.
//   fleiss_100k_5 (100,000 x 5 int32 counts): Fleiss' kappa; reference: one pass summing n_ij^2
//     and the column totals.
//   coders 0 and 1 of reliability_10x100k, pairs with a NaN dropped: Cohen's kappa unweighted,
//     linear, quadratic; reference: one pass filling the 5 x 5 table.
//   crowd_100k (500,000 (item, worker, label) records): majority vote (reference: one vote-count
//     pass) and Dawid-Skene for 13 iterations (crowd-kit's stopping point on this file) and 100
//     iterations, tolerance 0 (reference: one pass over the answers adding into each item's row).
//
// The matrices are used in the files' layout (C order = row-major) and in a column-major copy
// (".../row" and ".../col" in the names). Benchmarks are named "<data>/<path>/<layout>"; the
// references are ".../reference..." so a script can pair each case with its reference.
//
//   PEERS_DATA=/tmp/peers-data labelkit_peers_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//
// With LABELKIT_PEERS_ANSWERS=<path>, labelkit's answers on the same files (selected indices and
// their scores, alpha and kappa values, aggregated labels, EM iterations) are written there as
// JSON before timing, for comparison with the peers' results.json
// (benchmarks/peers_side_by_side.sh does both).
//
// Each data file is NAME.bin (raw little-endian, C order) with a sidecar NAME.json giving
// "shape" and "dtype"; a file whose sidecar is missing, has another dtype or rank than the case
// needs, or disagrees with the file's size is refused (the program exits with a message).

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "reference_passes.hpp"

namespace {

constexpr Eigen::Index kTopK = 100;
constexpr Eigen::Index kCenters = 100;
constexpr Eigen::Index kCenterSeed = 0;
constexpr int kCrowdClasses = 5;

template <class Scalar, int Layout>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Layout>;
constexpr int kRow = Eigen::RowMajor;
constexpr int kCol = Eigen::ColMajor;

// ------------------------------------------------------------------------------ data files

struct RawArray {
  std::vector<std::int64_t> shape;
  std::vector<char> bytes;
  [[nodiscard]] std::int64_t size() const {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  }
};

std::string data_dir() {
  const char* dir = std::getenv("PEERS_DATA");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp/peers-data";
}

// Reads NAME.bin as described by NAME.json; refuses any disagreement with what the case needs.
RawArray read_array(const std::string& name, const std::string& dtype, std::size_t item_size,
                    std::size_t rank) {
  const std::string stem = data_dir() + "/" + name;
  std::ifstream meta_file(stem + ".json");
  if (!meta_file) throw std::runtime_error("cannot open " + stem + ".json");
  const nlohmann::json meta = nlohmann::json::parse(meta_file, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) throw std::runtime_error(stem + ".json: not JSON");
  if (!meta.contains("dtype") || !meta["dtype"].is_string() ||
      meta["dtype"].get<std::string>() != dtype) {
    throw std::runtime_error(stem + ".json: dtype is not " + dtype);
  }
  if (meta.contains("order") && meta["order"] != "C") {
    throw std::runtime_error(stem + ".json: order is not C");
  }
  if (!meta.contains("shape") || !meta["shape"].is_array() || meta["shape"].size() != rank) {
    throw std::runtime_error(stem + ".json: shape is not of rank " + std::to_string(rank));
  }
  RawArray a;
  for (const auto& d : meta["shape"]) {
    if (!d.is_number_integer() || d.get<std::int64_t>() <= 0 || d.get<std::int64_t>() > (1 << 30)) {
      throw std::runtime_error(stem + ".json: bad shape entry " + d.dump());
    }
    a.shape.push_back(d.get<std::int64_t>());
  }
  const auto expected = static_cast<std::size_t>(a.size()) * item_size;
  std::ifstream bin(stem + ".bin", std::ios::binary);
  if (!bin) throw std::runtime_error("cannot open " + stem + ".bin");
  a.bytes.assign(std::istreambuf_iterator<char>(bin), std::istreambuf_iterator<char>());
  if (a.bytes.size() != expected) {
    throw std::runtime_error(stem + ".bin has " + std::to_string(a.bytes.size()) +
                             " bytes, the sidecar's shape and dtype say " +
                             std::to_string(expected));
  }
  return a;
}

// The file's values as T (copied out of the byte buffer).
template <class T>
std::vector<T> values(const RawArray& a) {
  std::vector<T> v(static_cast<std::size_t>(a.size()));
  std::memcpy(v.data(), a.bytes.data(), v.size() * sizeof(T));
  return v;
}

// A rows x cols block of C-order values starting at element `offset`, in the layout asked for.
template <class Scalar, int Layout>
Matrix<Scalar, Layout> as_matrix(const std::vector<Scalar>& v, Eigen::Index rows, Eigen::Index cols,
                                 Eigen::Index offset = 0) {
  return Eigen::Map<const Matrix<Scalar, kRow>>(v.data() + offset, rows, cols);
}

struct Data {
  Matrix<float, kRow> proba_row;
  Matrix<float, kCol> proba_col;
  std::vector<Matrix<float, kRow>> committee_row;
  std::vector<Matrix<float, kCol>> committee_col;
  Matrix<float, kRow> emb_row;
  Matrix<float, kCol> emb_col;
  Matrix<double, kRow> reliability_row;
  Matrix<double, kCol> reliability_col;
  Matrix<int, kRow> fleiss_row;
  Matrix<int, kCol> fleiss_col;
  std::vector<int> cohen_a;
  std::vector<int> cohen_b;
  std::vector<labelkit::Annotation> crowd;
  std::vector<int> crowd_truth;
  Eigen::Index crowd_items = 0;
};

const Data& data() {
  static const Data d = [] {
    Data x;
    {
      const RawArray a = read_array("proba_1m_10", "<f4", 4, 2);
      x.proba_row = as_matrix<float, kRow>(values<float>(a), a.shape[0], a.shape[1]);
      x.proba_col = x.proba_row;
    }
    {
      const RawArray a = read_array("committee_5x200k_10", "<f4", 4, 3);
      const std::vector<float> v = values<float>(a);
      for (std::int64_t m = 0; m < a.shape[0]; ++m) {
        x.committee_row.push_back(
            as_matrix<float, kRow>(v, a.shape[1], a.shape[2], m * a.shape[1] * a.shape[2]));
        x.committee_col.emplace_back(x.committee_row.back());
      }
    }
    {
      const RawArray a = read_array("emb_50k_128", "<f4", 4, 2);
      x.emb_row = as_matrix<float, kRow>(values<float>(a), a.shape[0], a.shape[1]);
      x.emb_col = x.emb_row;
    }
    {
      const RawArray a = read_array("reliability_10x100k", "<f8", 8, 2);
      x.reliability_row = as_matrix<double, kRow>(values<double>(a), a.shape[0], a.shape[1]);
      x.reliability_col = x.reliability_row;
      if (x.reliability_row.rows() < 2)
        throw std::runtime_error("reliability: fewer than 2 coders");
      for (Eigen::Index u = 0; u < x.reliability_row.cols(); ++u) {
        const double a0 = x.reliability_row(0, u);
        const double a1 = x.reliability_row(1, u);
        if (std::isnan(a0) || std::isnan(a1)) continue;
        x.cohen_a.push_back(static_cast<int>(a0));
        x.cohen_b.push_back(static_cast<int>(a1));
      }
    }
    {
      const RawArray a = read_array("fleiss_100k_5", "<i4", 4, 2);
      x.fleiss_row = as_matrix<std::int32_t, kRow>(values<std::int32_t>(a), a.shape[0], a.shape[1])
                         .cast<int>();
      x.fleiss_col = x.fleiss_row;
    }
    {
      const RawArray a = read_array("crowd_100k", "<i4", 4, 2);
      if (a.shape[1] != 3) throw std::runtime_error("crowd_100k: expected (n, 3) records");
      const std::vector<std::int32_t> r = values<std::int32_t>(a);
      x.crowd.reserve(static_cast<std::size_t>(a.shape[0]));
      for (std::int64_t i = 0; i < a.shape[0]; ++i) {
        const auto k = static_cast<std::size_t>(3 * i);
        x.crowd.push_back({r[k], r[k + 1], static_cast<int>(r[k + 2])});
        x.crowd_items = std::max<Eigen::Index>(x.crowd_items, r[k] + 1);
      }
      const RawArray t = read_array("crowd_100k_truth", "<i4", 4, 1);
      const std::vector<std::int32_t> truth = values<std::int32_t>(t);
      x.crowd_truth.assign(truth.begin(), truth.end());
    }
    return x;
  }();
  return d;
}

// ------------------------------------------------------------------------------ uncertainty

struct LeastConfidence {
  static constexpr const char* name = "least_confidence";
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::least_confidence(p);
  }
};
struct Margin {
  static constexpr const char* name = "margin";
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::margin(p);
  }
};
struct Ratio {
  static constexpr const char* name = "ratio";
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::ratio(p);
  }
};
struct Entropy {
  static constexpr const char* name = "entropy";
  template <class M>
  auto operator()(const M& p) const {
    return labelkit::query::entropy(p);
  }
};

template <class M>
void set_bytes(benchmark::State& state, const M& m) {
  state.SetBytesProcessed(state.iterations() * m.size() *
                          static_cast<std::int64_t>(sizeof(typename M::Scalar)));
}

template <class M>
void run_streaming_sum(benchmark::State& state, const M& p) {
  for (auto _ : state) {
    float total = p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_bytes(state, p);
}

template <class Score, class M>
void run_score_top_k(benchmark::State& state, const M& p) {
  for (auto _ : state) {
    const Eigen::VectorXf s = Score{}(p);
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
    benchmark::DoNotOptimize(picked.data());
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, p);
}

// ------------------------------------------------------------------------------ committee

struct VoteEntropy {
  static constexpr const char* name = "vote_entropy";
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::vote_entropy(m);
  }
};
struct ConsensusEntropy {
  static constexpr const char* name = "consensus_entropy";
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::consensus_entropy(m);
  }
};
struct MeanKl {
  static constexpr const char* name = "mean_kl";
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::mean_kl_disagreement(m);
  }
};
struct MaxKl {
  static constexpr const char* name = "max_kl";
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::max_kl_disagreement(m);
  }
};
struct Bald {
  static constexpr const char* name = "bald";
  template <class M>
  auto operator()(const M& m) const {
    return labelkit::query::bald(m);
  }
};

template <class M>
void set_committee_bytes(benchmark::State& state, const std::vector<M>& members) {
  std::int64_t bytes = 0;
  for (const auto& m : members) bytes += m.size() * static_cast<std::int64_t>(sizeof(float));
  state.SetBytesProcessed(state.iterations() * bytes);
}

template <class M>
void run_committee_sum(benchmark::State& state, const std::vector<M>& members) {
  for (auto _ : state) {
    float total = 0;
    for (const auto& p : members) total += p.sum();
    benchmark::DoNotOptimize(total);
  }
  set_committee_bytes(state, members);
}

// The score + top_k(100), as modAL's and numpy's committee cases select 100 items.
template <class Score, class M>
void run_committee_score(benchmark::State& state, const std::vector<M>& members) {
  for (auto _ : state) {
    const Eigen::VectorXf s = Score{}(members);
    const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
    benchmark::DoNotOptimize(picked.data());
    benchmark::DoNotOptimize(s.data());
    benchmark::ClobberMemory();
  }
  set_committee_bytes(state, members);
}

// ------------------------------------------------------------------------------ k-center

// One GEMV over the embeddings (numpy's `emb @ v` case).
template <class M>
void run_gemv(benchmark::State& state, const M& x) {
  const Eigen::VectorXf v = x.row(0).transpose();
  Eigen::VectorXf y(x.rows());
  for (auto _ : state) {
    y.noalias() = x * v;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, x);
}

// 100 dependent GEMVs: the least work 100 greedy picks need.
template <class M>
void run_gemv100(benchmark::State& state, const M& x) {
  Eigen::VectorXf v = x.row(0).transpose();
  Eigen::VectorXf y(x.rows());
  for (auto _ : state) {
    for (Eigen::Index k = 0; k < kCenters; ++k) {
      y.noalias() = x * v;
      v(k % x.cols()) += 1e-3f * y(k);  // each product depends on the previous one
      benchmark::DoNotOptimize(y.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kCenters * x.size() *
                          static_cast<std::int64_t>(sizeof(float)));
}

template <class M>
void run_k_center(benchmark::State& state, const M& x) {
  const std::vector<Eigen::Index> labeled{kCenterSeed};
  for (auto _ : state) {
    auto picks = labelkit::query::k_center_greedy(x, labeled, kCenters);
    benchmark::DoNotOptimize(picks.data());
  }
  state.SetBytesProcessed(state.iterations() * kCenters * x.size() *
                          static_cast<std::int64_t>(sizeof(float)));
}

// ------------------------------------------------------------------------------ agreement

template <class M>
void run_alpha(benchmark::State& state, const M& d, labelkit::agreement::Level level) {
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::krippendorff_alpha(d, level));
  state.SetItemsProcessed(state.iterations() * d.size());
}

template <class M>
void run_fleiss_reference(benchmark::State& state, const M& t) {
  for (auto _ : state) {
    std::int64_t squares = 0;
    std::vector<std::int64_t> totals(static_cast<std::size_t>(t.cols()), 0);
    for (Eigen::Index i = 0; i < t.rows(); ++i) {
      for (Eigen::Index j = 0; j < t.cols(); ++j) {
        const std::int64_t x = t(i, j);
        squares += x * x;
        totals[static_cast<std::size_t>(j)] += x;
      }
    }
    benchmark::DoNotOptimize(squares);
    benchmark::DoNotOptimize(totals.data());
  }
  state.SetItemsProcessed(state.iterations() * t.size());
}

template <class M>
void run_fleiss(benchmark::State& state, const M& t) {
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::fleiss_kappa(t));
  state.SetItemsProcessed(state.iterations() * t.size());
}

void run_cohen_reference(benchmark::State& state) {
  const auto& a = data().cohen_a;
  const auto& b = data().cohen_b;
  for (auto _ : state) {
    std::int64_t table[25] = {};
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto x = static_cast<unsigned>(a[i]);
      const auto y = static_cast<unsigned>(b[i]);
      if (x < 5 && y < 5) ++table[x * 5 + y];
    }
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

void run_cohen(benchmark::State& state, labelkit::agreement::Weights w) {
  const auto& a = data().cohen_a;
  const auto& b = data().cohen_b;
  for (auto _ : state) benchmark::DoNotOptimize(labelkit::agreement::cohens_kappa(a, b, w));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

// ------------------------------------------------------------------------------ crowd

// One pass counting votes[item][label] into a freshly zeroed table (majority_vote() allocates
// its outputs too).
void run_vote_count_reference(benchmark::State& state) {
  const auto& a = data().crowd;
  for (auto _ : state) {
    Eigen::MatrixXd votes = Eigen::MatrixXd::Zero(kCrowdClasses, data().crowd_items);
    for (const auto& x : a) votes(x.label, x.item) += 1;
    benchmark::DoNotOptimize(votes.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

void run_majority_vote(benchmark::State& state) {
  const auto& a = data().crowd;
  for (auto _ : state) {
    auto r = labelkit::quality::majority_vote(a, kCrowdClasses);
    benchmark::DoNotOptimize(r.labels.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

// One pass over the answers: read every record and add one value into its item's C-long row
// (the unit of the per-iteration EM goal).
void run_answer_pass_reference(benchmark::State& state) {
  const auto& a = data().crowd;
  Eigen::MatrixXd rows = Eigen::MatrixXd::Zero(kCrowdClasses, data().crowd_items);
  for (auto _ : state) {
    for (const auto& x : a) rows(x.label, x.item) += static_cast<double>(x.annotator);
    benchmark::DoNotOptimize(rows.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()));
}

labelkit::quality::DawidSkeneOptions em_options(int iterations) {
  labelkit::quality::DawidSkeneOptions options;
  options.max_iterations = iterations;
  options.tolerance = 0;
  return options;
}

void run_dawid_skene(benchmark::State& state, int iterations) {
  const auto& a = data().crowd;
  const auto options = em_options(iterations);
  int run = 0;
  for (auto _ : state) {
    const auto r = labelkit::quality::dawid_skene(a, kCrowdClasses, options);
    run = r.iterations;
    benchmark::DoNotOptimize(r.posterior.data());
  }
  state.counters["em_iterations"] = run;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(a.size()) * iterations);
}

// ------------------------------------------------------------------------------ answers

template <class Scores>
nlohmann::json selection_answer(const Scores& s) {
  const std::vector<Eigen::Index> picked = labelkit::query::top_k(s, kTopK);
  nlohmann::json out;
  out["indices"] = picked;
  std::vector<double> scores;
  for (const Eigen::Index i : picked) scores.push_back(static_cast<double>(s(i)));
  out["scores"] = scores;
  return out;
}

nlohmann::json labels_answer(const labelkit::quality::Aggregation& r) {
  const Data& d = data();
  std::vector<int> by_item(static_cast<std::size_t>(d.crowd_items), -1);
  for (std::size_t row = 0; row < r.items.size(); ++row) {
    by_item[static_cast<std::size_t>(r.items[row])] = r.labels[row];
  }
  std::size_t correct = 0;
  const std::size_t n = std::min(by_item.size(), d.crowd_truth.size());
  for (std::size_t i = 0; i < n; ++i) correct += by_item[i] == d.crowd_truth[i] ? 1 : 0;
  nlohmann::json out;
  out["labels"] = by_item;
  out["accuracy"] = d.crowd_truth.empty()
                        ? 0.0
                        : static_cast<double>(correct) / static_cast<double>(d.crowd_truth.size());
  return out;
}

nlohmann::json answers() {
  using labelkit::agreement::Level;
  using labelkit::agreement::Weights;
  const Data& d = data();
  nlohmann::json out;
  out["proba/least_confidence_top_k"] =
      selection_answer(labelkit::query::least_confidence(d.proba_row));
  out["proba/margin_top_k"] = selection_answer(labelkit::query::margin(d.proba_row));
  out["proba/ratio_top_k"] = selection_answer(labelkit::query::ratio(d.proba_row));
  out["proba/entropy_top_k"] = selection_answer(labelkit::query::entropy(d.proba_row));
  out["committee/vote_entropy"] = selection_answer(labelkit::query::vote_entropy(d.committee_row));
  out["committee/consensus_entropy"] =
      selection_answer(labelkit::query::consensus_entropy(d.committee_row));
  out["committee/mean_kl"] =
      selection_answer(labelkit::query::mean_kl_disagreement(d.committee_row));
  out["committee/max_kl"] = selection_answer(labelkit::query::max_kl_disagreement(d.committee_row));
  out["committee/bald"] = selection_answer(labelkit::query::bald(d.committee_row));
  out["emb/k_center"] = {
      {"indices", labelkit::query::k_center_greedy(
                      d.emb_row, std::vector<Eigen::Index>{kCenterSeed}, kCenters)}};
  const std::pair<const char*, Level> levels[] = {{"nominal", Level::nominal},
                                                  {"ordinal", Level::ordinal},
                                                  {"interval", Level::interval},
                                                  {"ratio", Level::ratio}};
  for (const auto& [name, level] : levels) {
    out[std::string("alpha/") + name] = {
        {"alpha", labelkit::agreement::krippendorff_alpha(d.reliability_row, level)}};
  }
  out["fleiss/kappa"] = {{"kappa", labelkit::agreement::fleiss_kappa(d.fleiss_row)}};
  const std::pair<const char*, Weights> weights[] = {
      {"none", Weights::none}, {"linear", Weights::linear}, {"quadratic", Weights::quadratic}};
  for (const auto& [name, w] : weights) {
    out[std::string("cohen/") + name] = {
        {"kappa", labelkit::agreement::cohens_kappa(d.cohen_a, d.cohen_b, w)},
        {"n_pairs", d.cohen_a.size()}};
  }
  out["crowd/majority_vote"] =
      labels_answer(labelkit::quality::majority_vote(d.crowd, kCrowdClasses));
  for (const int iterations : {13, 100}) {
    const auto r = labelkit::quality::dawid_skene(d.crowd, kCrowdClasses, em_options(iterations));
    auto a = labels_answer(r);
    a["iterations_run"] = r.iterations;
    out["crowd/dawid_skene_" + std::to_string(iterations)] = a;
  }
  return out;
}

// ------------------------------------------------------------------------------ registration

template <class F>
void add(const std::string& name, F f) {
  benchmark::RegisterBenchmark(name.c_str(), f)->Unit(benchmark::kMillisecond);
}

template <class Score>
void add_uncertainty() {
  const std::string name = std::string("proba/") + Score::name + "_top_k/";
  add(name + "row", [](benchmark::State& s) { run_score_top_k<Score>(s, data().proba_row); });
  add(name + "col", [](benchmark::State& s) { run_score_top_k<Score>(s, data().proba_col); });
}

template <class Score>
void add_committee() {
  const std::string name = std::string("committee/") + Score::name + "/";
  add(name + "row",
      [](benchmark::State& s) { run_committee_score<Score>(s, data().committee_row); });
  add(name + "col",
      [](benchmark::State& s) { run_committee_score<Score>(s, data().committee_col); });
}

void register_all() {
  using labelkit::agreement::Level;
  using labelkit::agreement::Weights;
  add("proba/reference_sum/row",
      [](benchmark::State& s) { run_streaming_sum(s, data().proba_row); });
  add("proba/reference_sum/col",
      [](benchmark::State& s) { run_streaming_sum(s, data().proba_col); });
  add_uncertainty<LeastConfidence>();
  add_uncertainty<Margin>();
  add_uncertainty<Ratio>();
  add_uncertainty<Entropy>();

  add("committee/reference_sum/row",
      [](benchmark::State& s) { run_committee_sum(s, data().committee_row); });
  add("committee/reference_sum/col",
      [](benchmark::State& s) { run_committee_sum(s, data().committee_col); });
  add_committee<VoteEntropy>();
  add_committee<ConsensusEntropy>();
  add_committee<MeanKl>();
  add_committee<MaxKl>();
  add_committee<Bald>();

  add("emb/reference_gemv/row", [](benchmark::State& s) { run_gemv(s, data().emb_row); });
  add("emb/reference_gemv/col", [](benchmark::State& s) { run_gemv(s, data().emb_col); });
  add("emb/reference_gemv100/row", [](benchmark::State& s) { run_gemv100(s, data().emb_row); });
  add("emb/reference_gemv100/col", [](benchmark::State& s) { run_gemv100(s, data().emb_col); });
  add("emb/k_center/row", [](benchmark::State& s) { run_k_center(s, data().emb_row); });
  add("emb/k_center/col", [](benchmark::State& s) { run_k_center(s, data().emb_col); });

  add("alpha/reference_pass/row",
      [](benchmark::State& s) { labelkit_bench::alpha_reference_pass(s, data().reliability_row); });
  add("alpha/reference_pass/col",
      [](benchmark::State& s) { labelkit_bench::alpha_reference_pass(s, data().reliability_col); });
  const std::pair<const char*, Level> levels[] = {{"nominal", Level::nominal},
                                                  {"ordinal", Level::ordinal},
                                                  {"interval", Level::interval},
                                                  {"ratio", Level::ratio}};
  for (const auto& [name, level] : levels) {
    const Level l = level;
    add(std::string("alpha/") + name + "/row",
        [l](benchmark::State& s) { run_alpha(s, data().reliability_row, l); });
    add(std::string("alpha/") + name + "/col",
        [l](benchmark::State& s) { run_alpha(s, data().reliability_col, l); });
  }

  add("fleiss/reference_pass/row",
      [](benchmark::State& s) { run_fleiss_reference(s, data().fleiss_row); });
  add("fleiss/reference_pass/col",
      [](benchmark::State& s) { run_fleiss_reference(s, data().fleiss_col); });
  add("fleiss/kappa/row", [](benchmark::State& s) { run_fleiss(s, data().fleiss_row); });
  add("fleiss/kappa/col", [](benchmark::State& s) { run_fleiss(s, data().fleiss_col); });

  add("cohen/reference_pass/pairs", run_cohen_reference);
  const std::pair<const char*, Weights> weights[] = {
      {"none", Weights::none}, {"linear", Weights::linear}, {"quadratic", Weights::quadratic}};
  for (const auto& [name, w] : weights) {
    const Weights wt = w;
    add(std::string("cohen/") + name + "/pairs", [wt](benchmark::State& s) { run_cohen(s, wt); });
  }

  add("crowd/reference_vote_count/records", run_vote_count_reference);
  add("crowd/majority_vote/records", run_majority_vote);
  add("crowd/reference_answer_pass/records", run_answer_pass_reference);
  add("crowd/dawid_skene_13/records", [](benchmark::State& s) { run_dawid_skene(s, 13); });
  add("crowd/dawid_skene_100/records", [](benchmark::State& s) { run_dawid_skene(s, 100); });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    (void)data();
    if (const char* path = std::getenv("LABELKIT_PEERS_ANSWERS");
        path != nullptr && *path != '\0') {
      std::ofstream out(path);
      out << answers().dump() << '\n';
      if (!out) throw std::runtime_error(std::string("cannot write ") + path);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "labelkit_peers_bench: %s (PEERS_DATA=%s)\n", e.what(),
                 data_dir().c_str());
    return 1;
  }
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
