#pragma once
/// @file
/// Selection, aggregation and agreement across MPI ranks, with results equal to one process.
/// Optional and header-only: include it only in programs built with MPI (it includes <mpi.h>);
/// nothing else in labelkit depends on it.
///
/// Every function is collective: all ranks of `comm` call it, each with its own shard of the
/// items, and every rank returns the same result. Items are partitioned, never answers: an
/// item's answers (or its row of scores, or its column of reliability data) live on one rank.
/// Shards may be uneven or empty.
///
/// How: each rank builds the mergeable state of its shard (labelkit/core/mergeable.hpp), the
/// states travel as bytes (one MPI_Allgather of the sizes, one MPI_Allgatherv of the bytes),
/// and every rank merges them in rank order. Merges are exact, so the result is bit-identical
/// to the state built on one process over all the items, whatever the number of ranks and the
/// shard boundaries. The serial functions are the one-shard case of the same states.
///
/// Errors: input a rank refuses (a NaN score, a code out of range) is detected before any data
/// are exchanged, and then every rank throws (the refusing rank its own labelkit::error, the
/// others a labelkit::state_error naming that rank) instead of leaving the others waiting in a
/// collective call. A failed MPI call throws labelkit::state_error with MPI's error string
/// (when the communicator's error handler returns errors; MPI's default handler aborts).
///
/// Message sizes per call (P ranks): majority vote 16 bytes per annotator plus 8 C + 36 (the
/// CrowdState); Dawid–Skene that once, then 16 (J C^2 + C) + 52 bytes per EM iteration for
/// J annotators and C classes (16 (J + C) + 52 one-coin); confident-learning thresholds
/// 72 C + 20, the confident joint that plus 8 (C^2 + C) + 20; top-k 16 k + 24 bytes per rank;
/// Krippendorff 16 bytes per distinct value plus 24 per (unit size, value pair); Cohen 8 C^2;
/// Fleiss 8 C + 44; k-center the k candidate rows per rank. Allgather moves P times that to every
/// rank: right for the small states here and up to a few hundred ranks; beyond, a tree reduction of
/// the same states (MPI_Reduce with a user operation that calls merge()) moves log P times.

// labelkit uses MPI's C API only; the C++ bindings (removed in MPI-3) do not compile cleanly
// under -Wextra with OpenMPI.
#ifndef OMPI_SKIP_MPICXX
/// Leaves out OpenMPI's C++ bindings; labelkit uses MPI's C API.
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
/// Leaves out MPICH's C++ bindings; labelkit uses MPI's C API.
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/agreement/alpha_state.hpp"
#include "labelkit/agreement/kappa_states.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/streaming.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Throws labelkit::state_error unless an MPI call succeeded.
inline void check_mpi(int rc, const char* call, const char* function) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(rc, text, &length);
  fail<state_error>(function, call,
                    " failed: ", std::string(text, static_cast<std::size_t>(length)));
}

/// Runs `build` (the rank's local work), then agrees across ranks on whether every rank
/// succeeded: if any failed, every rank throws (the failing ranks their own error). Returns
/// what `build` returned.
template <class Build>
auto agree_on_local_work(MPI_Comm comm, const char* function, Build&& build) {
  using Result = std::invoke_result_t<Build&>;
  std::exception_ptr local_error;
  std::optional<Result> result;
  try {
    result.emplace(build());
  } catch (...) {
    local_error = std::current_exception();
  }
  int rank = 0;
  check_mpi(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank", function);
  // The lowest failing rank, or INT_MAX when none failed.
  int mine = local_error ? rank : std::numeric_limits<int>::max();
  int first = 0;
  check_mpi(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce", function);
  if (local_error) std::rethrow_exception(local_error);
  if (first != std::numeric_limits<int>::max()) {
    fail<state_error>(function, "rank ", first,
                      " refused its input; no data were exchanged (see that rank's error)");
  }
  return std::move(*result);
}

/// Every rank's bytes, in rank order, on every rank.
inline std::vector<std::vector<std::byte>> allgather_bytes(const std::vector<std::byte>& mine,
                                                           MPI_Comm comm, const char* function) {
  int size = 0;
  check_mpi(MPI_Comm_size(comm, &size), "MPI_Comm_size", function);
  if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    fail<state_error>(function, "a state of ", mine.size(),
                      " bytes is larger than one MPI message (INT_MAX bytes)");
  }
  int my_size = static_cast<int>(mine.size());
  std::vector<int> sizes(static_cast<std::size_t>(size));
  check_mpi(MPI_Allgather(&my_size, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm), "MPI_Allgather",
            function);
  std::vector<int> offsets(static_cast<std::size_t>(size));
  long long total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    offsets[r] = static_cast<int>(total);
    total += sizes[r];
    if (total > std::numeric_limits<int>::max()) {
      fail<state_error>(function, "the ranks' states add up to more than INT_MAX bytes");
    }
  }
  std::vector<std::byte> all(static_cast<std::size_t>(total));
  check_mpi(MPI_Allgatherv(mine.data(), my_size, MPI_BYTE, all.data(), sizes.data(), offsets.data(),
                           MPI_BYTE, comm),
            "MPI_Allgatherv", function);
  std::vector<std::vector<std::byte>> parts(sizes.size());
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    const auto begin = all.begin() + offsets[r];
    parts[r].assign(begin, begin + sizes[r]);
  }
  return parts;
}

}  // namespace detail

namespace distributed {

/// The state of every rank's items, on every rank: each rank's state is sent as bytes to all
/// ranks, which merge them in rank order. Collective over `comm`. Because labelkit's merges are
/// exact, the result equals the state one process would build over all the items.
/// @throws labelkit::state_error if an MPI call fails or a state exceeds INT_MAX bytes;
///         labelkit::parse_error if bytes arrive damaged.
template <MergeableState State>
[[nodiscard]] State allreduce(const State& local, MPI_Comm comm) {
  const auto parts = detail::allgather_bytes(local.to_bytes(), comm, "distributed::allreduce");
  State merged = State::from_bytes(parts.front());
  for (std::size_t r = 1; r < parts.size(); ++r) merged.merge(State::from_bytes(parts[r]));
  return merged;
}

/// The k best items of a pool whose scores are sharded by rows: this rank holds the scores of
/// items first_id, first_id + 1, ... (any dense vector expression). Returns the global ids,
/// best first, ties to the lower id: query::top_k over all the scores. Collective.
/// @throws labelkit::invalid_argument (on the rank whose input it is; the others throw
///         labelkit::state_error) for a NaN score, k < 0 or first_id < 0; as allreduce.
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> top_k(const Eigen::MatrixBase<Derived>& local_scores,
                                              Eigen::Index first_id, Eigen::Index k,
                                              MPI_Comm comm) {
  using Scalar = std::conditional_t<std::is_same_v<typename Derived::Scalar, float>, float, double>;
  auto local = detail::agree_on_local_work(comm, "distributed::top_k", [&] {
    query::TopKAccumulator<Scalar> acc(k);
    acc.add(local_scores, first_id);
    return acc;
  });
  return allreduce(local, comm).ids();
}

/// Krippendorff's alpha of reliability data sharded by items: this rank holds annotators x
/// (its items), NaN = missing; every rank has the same annotator rows. Equal to
/// agreement::AlphaState::of(all data).alpha(level) to the last bit on any sharding (and to
/// krippendorff_alpha within rounding, see alpha_state.hpp). Collective.
/// @throws as AlphaState::add on the refusing rank (labelkit::state_error on the others), and
///         as AlphaState::alpha_parts on every rank.
template <class Derived>
[[nodiscard]] agreement::AlphaParts krippendorff_alpha(
    const Eigen::MatrixBase<Derived>& local_data, agreement::Level level, MPI_Comm comm,
    agreement::ZeroDivision zero_division = agreement::ZeroDivision::one) {
  auto local = detail::agree_on_local_work(comm, "distributed::krippendorff_alpha",
                                           [&] { return agreement::AlphaState::of(local_data); });
  return allreduce(local, comm).alpha_parts(level, zero_division);
}

/// Fleiss' kappa of an items x categories count table sharded by rows. Equal to fleiss_kappa
/// of the stacked table to the last bit. Collective.
/// @throws as FleissState::add on the refusing rank (labelkit::state_error on the others), and
///         as FleissState::merge / kappa on every rank (e.g. ranks whose items have different
///         numbers of annotators).
template <class Derived>
[[nodiscard]] double fleiss_kappa(
    const Eigen::MatrixBase<Derived>& local_counts, MPI_Comm comm,
    agreement::ZeroDivision zero_division = agreement::ZeroDivision::one) {
  auto local = detail::agree_on_local_work(comm, "distributed::fleiss_kappa", [&] {
    agreement::FleissState s(static_cast<int>(local_counts.cols()));
    s.add(local_counts);
    return s;
  });
  return allreduce(local, comm).kappa(zero_division);
}

/// Cohen's kappa with inference for two annotators whose items are sharded: a[i], b[i] are the
/// labels (codes 0..C-1) of this rank's item i. Equal to CohenState over all items, i.e.
/// cohens_kappa_estimate of the whole contingency table, to the last bit. Collective.
/// @throws as CohenState::add on the refusing rank (labelkit::state_error on the others), and
///         as CohenState::estimate on every rank.
template <class = void>
[[nodiscard]] agreement::Estimate cohens_kappa(std::span<const int> a, std::span<const int> b,
                                               int n_categories, MPI_Comm comm,
                                               agreement::Weights w = agreement::Weights::none,
                                               double confidence = 0.95) {
  auto local = detail::agree_on_local_work(comm, "distributed::cohens_kappa", [&] {
    agreement::CohenState s(n_categories);
    s.add(a, b);
    return s;
  });
  return allreduce(local, comm).estimate(w, confidence);
}

/// Two-round greedy k-center (core-set) over a pool sharded by rows: this rank holds the
/// embeddings of items first_id, first_id + 1, ... (n_r x d, any layout); `centers` are the
/// labeled items' embeddings (m x d, the same on every rank). Round one: each rank picks up to
/// k points of its shard with query::k_center_greedy_with_centers. Round two: the candidates
/// of all ranks, in ascending global id, go to every rank, which runs the same greedy on them.
/// Returns the k global ids in the order of the second pick, the same on every rank: equal to
/// query::k_center_greedy_sharded over the whole pool when the shards are its near-equal
/// contiguous shards, and a 4-approximation of the optimal radius for any sharding (see there).
/// Collective; sends k rows of d values per rank.
/// @throws labelkit::invalid_argument for k < 0, more picks than points in all, or non-finite
///         embeddings (on the refusing rank; labelkit::state_error on the others).
template <class Derived, class CentersDerived>
[[nodiscard]] std::vector<Eigen::Index> k_center_greedy(
    const Eigen::MatrixBase<Derived>& local_embeddings, Eigen::Index first_id,
    const Eigen::MatrixBase<CentersDerived>& centers, Eigen::Index k, MPI_Comm comm) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "labelkit: embeddings must be float or double");
  constexpr const char* function = "distributed::k_center_greedy";
  const Eigen::Index d = local_embeddings.cols();
  const auto picks = detail::agree_on_local_work(comm, function, [&] {
    if (first_id < 0) detail::fail(function, "'first_id' must be >= 0 (got ", first_id, ")");
    const Eigen::Index take = std::min(k, local_embeddings.rows());
    return query::k_center_greedy_with_centers(local_embeddings, centers, take);
  });
  // Candidates as (global id, row) records of 1 + d doubles (ids stay exact below 2^53).
  std::vector<double> mine;
  mine.reserve(picks.size() * static_cast<std::size_t>(d + 1));
  for (const Eigen::Index p : picks) {
    mine.push_back(static_cast<double>(first_id + p));
    for (Eigen::Index j = 0; j < d; ++j)
      mine.push_back(static_cast<double>(local_embeddings(p, j)));
  }
  std::vector<std::byte> bytes(mine.size() * sizeof(double));
  if (!mine.empty()) std::memcpy(bytes.data(), mine.data(), bytes.size());
  const auto parts = detail::allgather_bytes(bytes, comm, function);
  std::vector<std::pair<Eigen::Index, std::vector<Scalar>>> candidates;
  for (const auto& part : parts) {
    const std::size_t record = static_cast<std::size_t>(d + 1) * sizeof(double);
    for (std::size_t at = 0; at + record <= part.size(); at += record) {
      std::vector<double> values(static_cast<std::size_t>(d + 1));
      std::memcpy(values.data(), part.data() + at, record);
      std::vector<Scalar> row(values.begin() + 1, values.end());
      candidates.emplace_back(static_cast<Eigen::Index>(values[0]), std::move(row));
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  if (k > static_cast<Eigen::Index>(candidates.size())) {
    detail::fail(function, "'k' = ", k, " exceeds the ", candidates.size(), " points of all ranks");
  }
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> union_points(
      static_cast<Eigen::Index>(candidates.size()), d);
  for (std::size_t i = 0; i < candidates.size(); ++i)
    for (Eigen::Index j = 0; j < d; ++j)
      union_points(static_cast<Eigen::Index>(i), j) =
          candidates[i].second[static_cast<std::size_t>(j)];
  const auto second = query::k_center_greedy_with_centers(union_points, centers, k);
  std::vector<Eigen::Index> result;
  result.reserve(second.size());
  for (const Eigen::Index p : second)
    result.push_back(candidates[static_cast<std::size_t>(p)].first);
  return result;
}

/// Majority vote over a crowd sharded by items: this rank holds every answer of its items (and
/// none of the others'). Returns this rank's items' votes, posterior and labels, and the
/// annotators of every rank: equal to the rows of quality::majority_vote over all the answers
/// for these items, and to its annotators, to the last bit. The vote is local to an item; only
/// the CrowdState (annotators, counts) crosses ranks. Collective.
/// @throws as quality::majority_vote on the refusing rank (labelkit::state_error on the
///   others), and as CrowdState::merge on every rank.
/// @tparam Scalar as quality::majority_vote.
template <class Scalar = double>
[[nodiscard]] quality::MajorityVoteResult majority_vote(std::span<const Annotation> local_answers,
                                                        int n_classes, MPI_Comm comm) {
  constexpr const char* function = "distributed::majority_vote";
  auto [items, local] = detail::agree_on_local_work(comm, function, [&] {
    detail::check_annotations(local_answers, n_classes, function, detail::EmptyInput::accept);
    auto map = IdMap::from_ids(detail::MemberRange<&Annotation::item>{local_answers}, function,
                               "annotations");
    detail::check_tables(2, map.size(), n_classes, function, "the items x classes vote table");
    auto state = detail::CrowdStateAccess::of_checked(local_answers, n_classes, map.size());
    return std::pair{std::move(map), std::move(state)};
  });
  return detail::majority_vote_shard<Scalar>(local_answers, n_classes, items,
                                             allreduce(local, comm), function);
}

}  // namespace distributed
namespace detail {

/// The shard policy of run_dawid_skene() over MPI ranks: local work agreed on by every rank,
/// the crowd states and each pass's M-step statistics allreduced (every rank merges them in
/// rank order; the merges are exact). Counts the bytes this rank sends per reduction.
struct MpiShards {
  MPI_Comm comm;                  ///< The communicator.
  const char* function;           ///< Names the caller in errors.
  std::size_t* statistics_bytes;  ///< If not null: bytes of one pass's statistics.
  /// Runs the rank's local work; throws on every rank if any rank's work threw.
  template <class Work>
  auto local(Work&& work) const {
    return agree_on_local_work(comm, function, work);
  }
  /// The crowd state of every rank.
  [[nodiscard]] quality::CrowdState merge_crowd(const quality::CrowdState& mine) const {
    return distributed::allreduce(mine, comm);
  }
  /// Replaces this rank's statistics by those of every rank.
  void operator()(EmStatistics& statistics) const {
    if (statistics_bytes != nullptr) *statistics_bytes = statistics.to_bytes().size();
    statistics = distributed::allreduce(statistics, comm);
  }
};

}  // namespace detail
namespace distributed {

/// Options of distributed::dawid_skene beyond quality::DawidSkeneOptions.
struct DawidSkeneRun {
  /// If not null, receives the bytes each rank sends per EM iteration (its M-step statistics).
  std::size_t* statistics_bytes = nullptr;
};

/// Dawid–Skene over a crowd sharded by items: this rank holds every answer of its items. Each
/// EM iteration runs its E-step on this rank's items and allreduces the M-step statistics (the
/// expected confusion counts, class mass and log evidence, as exact sums), so every rank runs
/// the same M-step and takes the same convergence decision. Returns this rank's items'
/// posterior and labels, and the confusion matrices, priors, annotators and objective of the
/// whole crowd: equal to quality::dawid_skene over all the answers (its rows for these items)
/// to the last bit, for any sharding, uneven or empty shards included. `options` must be the
/// same on every rank (gold records of other ranks' items are ignored). Collective.
/// @throws as quality::dawid_skene: input errors on the refusing rank (labelkit::state_error on
///   the others), errors of the merged crowd (table sizes, initial_error) on every rank.
/// @tparam Scalar as quality::dawid_skene.
template <class Scalar = double>
[[nodiscard]] quality::DawidSkeneResult dawid_skene(std::span<const Annotation> local_answers,
                                                    int n_classes, MPI_Comm comm,
                                                    quality::DawidSkeneOptions options = {},
                                                    DawidSkeneRun run = {}) {
  constexpr const char* function = "distributed::dawid_skene";
  return detail::run_dawid_skene<detail::DawidSkeneModel<Scalar>>(
      local_answers, n_classes, options, 8, function,
      detail::MpiShards{comm, function, run.statistics_bytes});
}

/// One-coin Dawid–Skene over a crowd sharded by items, as distributed::dawid_skene: equal to
/// quality::one_coin_dawid_skene over all the answers to the last bit. Collective.
/// @throws as distributed::dawid_skene.
/// @tparam Scalar as quality::one_coin_dawid_skene.
template <class Scalar = double>
[[nodiscard]] quality::DawidSkeneResult one_coin_dawid_skene(
    std::span<const Annotation> local_answers, int n_classes, MPI_Comm comm,
    quality::DawidSkeneOptions options = {}, DawidSkeneRun run = {}) {
  constexpr const char* function = "distributed::one_coin_dawid_skene";
  return detail::run_dawid_skene<detail::OneCoinModel<Scalar>>(
      local_answers, n_classes, options, 1, function,
      detail::MpiShards{comm, function, run.statistics_bytes});
}

/// Confident learning's per-class thresholds over items sharded by rows: labels[i] and row i
/// of `probabilities` are this rank's item i (rows are items). The exact sums, counts and
/// ranges of every rank are merged (quality::ThresholdState): equal to
/// quality::per_class_thresholds over all the items to the last bit. Collective.
/// @throws as quality::per_class_thresholds on the refusing rank (labelkit::state_error on the
///   others), and labelkit::dimension_mismatch on every rank if the ranks' class counts differ.
template <class Derived>
[[nodiscard]] Eigen::VectorXd per_class_thresholds(std::span<const int> labels,
                                                   const Eigen::MatrixBase<Derived>& probabilities,
                                                   MPI_Comm comm) {
  auto local = detail::agree_on_local_work(comm, "distributed::per_class_thresholds", [&] {
    return quality::ThresholdState::of(labels, probabilities);
  });
  return allreduce(local, comm).thresholds();
}

/// Confident learning's confident joint over items sharded by rows (as per_class_thresholds
/// above): the thresholds of all the items, then each rank's confident assignments counted and
/// the counts merged (quality::ConfidentJointState). Equal to quality::confident_joint over all
/// the items to the last bit, calibrated or not. Two collective exchanges. Collective.
/// @throws as distributed::per_class_thresholds.
template <class Derived>
[[nodiscard]] Eigen::MatrixXd confident_joint(std::span<const int> labels,
                                              const Eigen::MatrixBase<Derived>& probabilities,
                                              MPI_Comm comm, bool calibrate = true) {
  const Eigen::VectorXd t = per_class_thresholds(labels, probabilities, comm);
  auto local = detail::agree_on_local_work(comm, "distributed::confident_joint", [&] {
    return quality::ConfidentJointState::of(labels, probabilities, t);
  });
  return allreduce(local, comm).joint(calibrate);
}

}  // namespace distributed
LABELKIT_END_NAMESPACE
