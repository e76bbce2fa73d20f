// Selection over a pool sharded across MPI ranks, checked against one process.
//
// Part 1, top-k by entropy: a pool of 10 million items x 10 classes is split into contiguous
// shards, one per rank. Each rank generates its items' probabilities chunk by chunk (they are a
// deterministic function of the item id, see synthetic_pool.hpp), scores them with
// labelkit::query::entropy and feeds a labelkit::query::TopKAccumulator. The accumulators are
// merged by MPI_Reduce with a user-defined, commutative operation (a tree reduction, k pairs per
// message). Rank 0 prints the selection, then regenerates the whole pool in chunks and checks
// that the result equals labelkit::query::top_k over all 10 million scores.
//
// Part 2, core-set (greedy k-center): 200,000 embeddings x 16 dimensions, some already labeled.
// Each rank runs labelkit::query::k_center_greedy_with_centers on its shard with the labeled
// embeddings as centres; rank 0 gathers the candidate ids and runs it once more on their union.
// The result must equal labelkit::query::k_center_greedy_sharded with one shard per rank, the
// documented single-process equivalent, which rank 0 computes on the whole pool. The covering
// radius of the result is printed beside that of the one-level greedy (k_center_greedy).
//
// Run: mpirun -np 4 mpi_sharded_selection [--items N] [--k K]
// Exit status: 0 when both results equal their single-process references, 1 otherwise.

#include <mpi.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <span>
#include <vector>

#include "labelkit/query/diversity.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "synthetic_pool.hpp"

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Accumulator = labelkit::query::TopKAccumulator<float>;

constexpr std::uint64_t probability_seed = 2024;
constexpr std::uint64_t embedding_seed = 77;
// Chunks start at multiples of this many items on every rank and in the check, so each item is
// scored at the same position of the same-shaped block: entropy's vectorised log and its scalar
// tail may differ in the last bit, and a reference computed on another chunking could then rank
// two near-equal items differently. A multiple of entropy's 256-row blocks.
constexpr std::int64_t chunk_items = 1 << 16;

struct Settings {
  std::int64_t items = 10'000'000;
  int classes = 10;
  Eigen::Index k = 100;
  std::int64_t embedding_items = 200'000;
  int dims = 16;
  Eigen::Index centres = 64;
  std::int64_t labeled = 40;
};

/// Entropy of items [begin, end) chunk by chunk (chunk grid anchored at id 0) into `sink`.
template <class Sink>
void score_range(const Settings& s, std::int64_t begin, std::int64_t end,
                 std::vector<float>& buffer, Sink&& sink) {
  for (std::int64_t first = begin; first < end; first += chunk_items) {
    const std::int64_t rows = std::min(chunk_items, end - first);
    examples::pool::fill_probabilities(first, rows, s.classes, probability_seed, buffer.data());
    const Eigen::Map<const RowMatrixF> p(buffer.data(), rows, s.classes);
    sink(labelkit::query::entropy(p), first);
  }
}

// An accumulator travels as a fixed-size MPI datatype of 2k + 1 doubles: the pair count, then
// to_pairs() (score, id, score, id, ...), padded.
std::vector<double> pack(const Accumulator& acc) {
  std::vector<double> buffer(static_cast<std::size_t>(2 * acc.k() + 1), 0.0);
  const std::vector<double> pairs = acc.to_pairs();
  buffer[0] = static_cast<double>(pairs.size() / 2);
  std::copy(pairs.begin(), pairs.end(), buffer.begin() + 1);
  return buffer;
}

Accumulator unpack(const double* buffer, Eigen::Index k) {
  const auto count = static_cast<std::size_t>(buffer[0]);
  return Accumulator::from_pairs(std::span<const double>(buffer + 1, 2 * count), k);
}

/// MPI_User_function: inout = merge(in, inout), for each of *len accumulators. The datatype's
/// size tells k. Commutative and associative, as TopKAccumulator::merge is.
void merge_accumulators(void* in, void* inout, int* len, MPI_Datatype* type) {
  try {
    int bytes = 0;
    MPI_Type_size(*type, &bytes);
    const auto slots = static_cast<std::size_t>(bytes) / sizeof(double);
    const auto k = static_cast<Eigen::Index>((slots - 1) / 2);
    for (int item = 0; item < *len; ++item) {
      const double* a = static_cast<const double*>(in) + static_cast<std::size_t>(item) * slots;
      double* b = static_cast<double*>(inout) + static_cast<std::size_t>(item) * slots;
      Accumulator merged = unpack(b, k);
      merged.merge(unpack(a, k));
      const std::vector<double> packed = pack(merged);
      std::copy(packed.begin(), packed.end(), b);
    }
  } catch (const std::exception& e) {  // never let an exception cross MPI's C frames
    std::fprintf(stderr, "merge_accumulators: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
}

bool sharded_top_k(const Settings& s, int rank, int size) {
  // Shards are whole chunks: rank r owns chunks [c*r/size, c*(r+1)/size).
  const std::int64_t chunks = (s.items + chunk_items - 1) / chunk_items;
  const std::int64_t begin = std::min(s.items, chunks * rank / size * chunk_items);
  const std::int64_t end = std::min(s.items, chunks * (rank + 1) / size * chunk_items);

  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  Accumulator local(s.k);
  std::vector<float> buffer(static_cast<std::size_t>(chunk_items * s.classes));
  score_range(s, begin, end, buffer,
              [&](const auto& scores, std::int64_t first) { local.add(scores, first); });
  const double local_seconds = MPI_Wtime() - t0;

  MPI_Datatype type = MPI_DATATYPE_NULL;
  MPI_Type_contiguous(static_cast<int>(2 * s.k + 1), MPI_DOUBLE, &type);
  MPI_Type_commit(&type);
  MPI_Op op = MPI_OP_NULL;
  MPI_Op_create(&merge_accumulators, /*commute=*/1, &op);
  const std::vector<double> mine = pack(local);
  std::vector<double> merged(mine.size(), 0.0);
  MPI_Barrier(MPI_COMM_WORLD);
  const double t1 = MPI_Wtime();
  MPI_Reduce(mine.data(), merged.data(), 1, type, op, 0, MPI_COMM_WORLD);
  const double merge_seconds = MPI_Wtime() - t1;
  MPI_Op_free(&op);
  MPI_Type_free(&type);

  std::vector<double> local_times(static_cast<std::size_t>(size));
  MPI_Gather(&local_seconds, 1, MPI_DOUBLE, local_times.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank != 0) return true;

  const Accumulator result = unpack(merged.data(), s.k);
  const std::vector<Eigen::Index> ids = result.ids();
  const Eigen::VectorXf best = result.scores();
  std::printf("== sharded top-k by entropy: %lld items x %d classes on %d ranks, k = %ld\n",
              static_cast<long long>(s.items), s.classes, size, static_cast<long>(s.k));
  std::printf("   scoring per rank (generate + entropy + accumulate, chunks of %lld items): ",
              static_cast<long long>(chunk_items));
  for (const double t : local_times) std::printf("%.2f s ", t);
  std::printf(
      "\n   merge: MPI_Reduce with a user-defined commutative op, %zu bytes per message: "
      "%.2f ms\n",
      mine.size() * sizeof(double), merge_seconds * 1e3);
  std::printf("   selection (first 10 of %zu):", ids.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(10, ids.size()); ++i) {
    std::printf(" %ld (%.6f)", static_cast<long>(ids[i]),
                static_cast<double>(best(static_cast<Eigen::Index>(i))));
  }
  std::printf("\n");

  // The single-process reference: every score (4 bytes per item), regenerated in chunks (the
  // probabilities, 40 bytes per item, are never all in memory), then one top_k.
  const double t2 = MPI_Wtime();
  Eigen::VectorXf all(s.items);
  score_range(s, 0, s.items, buffer, [&](const auto& scores, std::int64_t first) {
    all.segment(first, scores.size()) = scores;
  });
  const std::vector<Eigen::Index> expected = labelkit::query::top_k(all, s.k);
  const double reference_seconds = MPI_Wtime() - t2;
  const bool same = expected == ids;
  std::printf("   check: labelkit::query::top_k over all %lld scores on rank 0 (%.2f s): %s\n",
              static_cast<long long>(s.items), reference_seconds,
              same ? "identical ids in identical order" : "DIFFERENT");
  if (!same) {
    for (std::size_t i = 0; i < std::min(expected.size(), ids.size()); ++i) {
      if (expected[i] != ids[i]) {
        std::printf("   first difference at rank %zu: expected %ld, got %ld\n", i,
                    static_cast<long>(expected[i]), static_cast<long>(ids[i]));
        break;
      }
    }
  }
  return same;
}

/// max over all points of the distance to the nearest of `centres` (rows), in double.
double covering_radius(const Eigen::MatrixXf& points, const Eigen::MatrixXf& centres) {
  const Eigen::MatrixXd x = points.cast<double>();
  const Eigen::MatrixXd c = centres.cast<double>();
  double radius = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double nearest = (c.rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff();
    radius = std::max(radius, nearest);
  }
  return std::sqrt(radius);
}

Eigen::MatrixXf embeddings_of(const std::vector<Eigen::Index>& ids, int dims) {
  Eigen::MatrixXf out(static_cast<Eigen::Index>(ids.size()), dims);
  Eigen::MatrixXf row(1, dims);
  for (std::size_t r = 0; r < ids.size(); ++r) {
    examples::pool::fill_embeddings(ids[r], 1, embedding_seed, row);
    out.row(static_cast<Eigen::Index>(r)) = row;
  }
  return out;
}

bool sharded_k_center(const Settings& s, int rank, int size) {
  const std::int64_t n = s.embedding_items;
  // Labeled items: every (n / labeled)-th id, known to every rank.
  std::vector<Eigen::Index> labeled;
  for (std::int64_t j = 0; j < s.labeled; ++j) labeled.push_back(j * (n / s.labeled) + 3);
  const Eigen::MatrixXf labeled_points = embeddings_of(labeled, s.dims);

  // The shards of k_center_greedy_sharded: rows [n*r/size, n*(r+1)/size).
  const std::int64_t begin = n * rank / size;
  const std::int64_t end = n * (rank + 1) / size;
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  Eigen::MatrixXf shard(end - begin, s.dims);
  examples::pool::fill_embeddings(begin, end - begin, embedding_seed, shard);
  // Labeled rows inside the shard are at distance 0 from their own centre, so they are never
  // picked while any unlabeled point is uncovered (the shard has far more than k of those).
  const auto picks = labelkit::query::k_center_greedy_with_centers(
      shard, labeled_points, std::min<Eigen::Index>(s.centres, shard.rows()));
  std::vector<long long> candidates;
  for (const Eigen::Index p : picks) candidates.push_back(begin + p);
  const double local_seconds = MPI_Wtime() - t0;

  const int count = static_cast<int>(candidates.size());
  std::vector<int> counts(static_cast<std::size_t>(size));
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(static_cast<std::size_t>(size), 0);
  for (std::size_t r = 1; r < offsets.size(); ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<long long> gathered(
      rank == 0 ? static_cast<std::size_t>(offsets.back() + counts.back()) : 0);
  MPI_Gatherv(candidates.data(), count, MPI_LONG_LONG, gathered.data(), counts.data(),
              offsets.data(), MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  std::vector<double> local_times(static_cast<std::size_t>(size));
  MPI_Gather(&local_seconds, 1, MPI_DOUBLE, local_times.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank != 0) return true;

  const double t1 = MPI_Wtime();
  std::vector<Eigen::Index> union_ids(gathered.begin(), gathered.end());
  std::sort(union_ids.begin(), union_ids.end());  // as k_center_greedy_sharded orders its union
  const Eigen::MatrixXf union_points = embeddings_of(union_ids, s.dims);
  const auto final_picks =
      labelkit::query::k_center_greedy_with_centers(union_points, labeled_points, s.centres);
  std::vector<Eigen::Index> result;
  for (const Eigen::Index p : final_picks) result.push_back(union_ids[static_cast<std::size_t>(p)]);
  const double union_seconds = MPI_Wtime() - t1;

  std::printf(
      "\n== sharded core-set (greedy k-center): %lld embeddings x %d dims on %d ranks, "
      "%lld labeled, k = %ld\n",
      static_cast<long long>(n), s.dims, size, static_cast<long long>(s.labeled),
      static_cast<long>(s.centres));
  std::printf("   per-shard greedy: ");
  for (const double t : local_times) std::printf("%.2f s ", t);
  std::printf("\n   union of %zu candidates gathered (MPI_Gatherv) and reduced on rank 0: %.3f s\n",
              union_ids.size(), union_seconds);
  std::printf("   selection (first 10 of %zu):", result.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(10, result.size()); ++i) {
    std::printf(" %ld", static_cast<long>(result[i]));
  }
  std::printf("\n");

  const double t2 = MPI_Wtime();
  Eigen::MatrixXf all(n, s.dims);
  examples::pool::fill_embeddings(0, n, embedding_seed, all);
  const auto expected = labelkit::query::k_center_greedy_sharded(all, labeled, s.centres,
                                                                 static_cast<Eigen::Index>(size));
  const double reference_seconds = MPI_Wtime() - t2;
  const bool same = expected == result;
  std::printf(
      "   check: labelkit::query::k_center_greedy_sharded(shard_count = %d) on rank 0 "
      "(%.2f s): %s\n",
      size, reference_seconds, same ? "identical ids in identical order" : "DIFFERENT");

  // How good is two-level selection? Covering radius (max distance to the nearest labeled or
  // picked point) against the one-level greedy over the whole pool.
  const auto one_level = labelkit::query::k_center_greedy(all, labeled, s.centres);
  std::vector<Eigen::Index> with_sharded = labeled, with_one_level = labeled;
  with_sharded.insert(with_sharded.end(), result.begin(), result.end());
  with_one_level.insert(with_one_level.end(), one_level.begin(), one_level.end());
  const auto radius_of = [&](const std::vector<Eigen::Index>& ids) {
    Eigen::MatrixXf centres(static_cast<Eigen::Index>(ids.size()), s.dims);
    for (std::size_t r = 0; r < ids.size(); ++r)
      centres.row(static_cast<Eigen::Index>(r)) = all.row(ids[r]);
    return covering_radius(all, centres);
  };
  std::printf("   covering radius: sharded %.4f, one-level greedy %.4f, labeled only %.4f\n",
              radius_of(with_sharded), radius_of(with_one_level), radius_of(labeled));
  if (!same) {
    for (std::size_t i = 0; i < std::min(expected.size(), result.size()); ++i) {
      if (expected[i] != result[i]) {
        std::printf("   first difference at position %zu: expected %ld, got %ld\n", i,
                    static_cast<long>(expected[i]), static_cast<long>(result[i]));
        break;
      }
    }
  }
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Settings settings;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--items") == 0)
      settings.items = std::max(1LL, std::atoll(argv[i + 1]));
    if (std::strcmp(argv[i], "--k") == 0) settings.k = std::max(1L, std::atol(argv[i + 1]));
  }
  int ok = 1;
  try {
    const double start = MPI_Wtime();
    const bool top_k_ok = sharded_top_k(settings, rank, size);
    const bool k_center_ok = sharded_k_center(settings, rank, size);
    ok = top_k_ok && k_center_ok ? 1 : 0;
    if (rank == 0) {
      std::printf("\ntotal %.1f s; %s\n", MPI_Wtime() - start,
                  ok ? "both selections equal their single-process references"
                     : "MISMATCH with a single-process reference");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return ok ? 0 : 1;
}
