// Aggregation and label-issue detection over data sharded across MPI ranks, checked against one
// process.
//
// Part 1, a crowd: items x answers per item answers by a pool of annotators (default 2,500,000
// items x 4 = 10,000,000 answers, 4 classes, 1,000 annotators), generated deterministically
// from the item id, so that each rank generates only the answers of its items (contiguous
// shards). Each rank runs labelkit::distributed::majority_vote and
// labelkit::distributed::dawid_skene on its shard: every EM iteration allreduces the M-step
// statistics (exact sums), the E-step stays local.
//
// Part 2, a pool: items x classes predicted probabilities with noisy given labels (default
// 10,000,000 items x 4 classes), the confident-learning thresholds and confident joint by
// labelkit::distributed::confident_joint.
//
// Rank 0 then regenerates all the data and runs the serial functions (quality::majority_vote,
// quality::dawid_skene, quality::confident_joint) in one process; the results must be equal to
// the last bit: the global parts (confusion matrices, priors, objective, joint) on rank 0, and
// each rank's rows through a hash of their bits gathered on rank 0.
//
// Run: mpirun -np 4 mpi_sharded_aggregation [--items N] [--answers-per-item A]
//        [--annotators J] [--iterations T] [--pool N]
// Exit status: 0 when every result equals the single-process one, 1 otherwise.

#include <Eigen/Core>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "labelkit/distributed/mpi.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"

namespace {

struct Settings {
  std::int64_t items = 2'500'000;
  int answers_per_item = 4;
  int annotators = 1000;
  int classes = 4;
  int iterations = 5;
  std::int64_t pool = 10'000'000;
};

std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + i + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The answers of items [begin, end): annotator j is right with probability 0.55 + 0.4 j / J,
// otherwise answers a uniformly random class.
std::vector<labelkit::Annotation> crowd(const Settings& s, std::int64_t begin, std::int64_t end) {
  std::vector<labelkit::Annotation> answers;
  answers.reserve(static_cast<std::size_t>((end - begin) * s.answers_per_item));
  for (std::int64_t i = begin; i < end; ++i) {
    const auto u = static_cast<std::uint64_t>(i);
    const int truth = static_cast<int>(mix(1, u) % static_cast<std::uint64_t>(s.classes));
    for (int r = 0; r < s.answers_per_item; ++r) {
      const std::uint64_t x = mix(2, u * 16 + static_cast<std::uint64_t>(r));
      const auto j = static_cast<int>(x % static_cast<std::uint64_t>(s.annotators));
      const double right = 0.55 + 0.4 * j / s.annotators;
      const double draw = static_cast<double>((x >> 20) & 0xFFFFF) / 1048576.0;
      const int label = draw < right
                            ? truth
                            : static_cast<int>((x >> 44) % static_cast<std::uint64_t>(s.classes));
      answers.push_back({i, j, label});
    }
  }
  return answers;
}

// The pool's probabilities and given labels for items [begin, end) (rows are items).
void pool(const Settings& s, std::int64_t begin, std::int64_t end, Eigen::MatrixXd& p,
          std::vector<int>& labels) {
  p.resize(end - begin, s.classes);
  labels.resize(static_cast<std::size_t>(end - begin));
  for (std::int64_t i = begin; i < end; ++i) {
    const auto u = static_cast<std::uint64_t>(i);
    const int truth = static_cast<int>(mix(3, u) % static_cast<std::uint64_t>(s.classes));
    double total = 0;
    for (int k = 0; k < s.classes; ++k) {
      const double v = 1.0 +
                       static_cast<double>(mix(4, u * 16 + static_cast<std::uint64_t>(k)) % 64) +
                       (k == truth ? 96.0 : 0.0);
      p(i - begin, k) = v;
      total += v;
    }
    p.row(i - begin) /= total;
    const std::uint64_t noise = mix(5, u);
    labels[static_cast<std::size_t>(i - begin)] =
        noise % 10 == 0 ? static_cast<int>((noise >> 8) % static_cast<std::uint64_t>(s.classes))
                        : truth;
  }
}

// FNV-1a over the bits of rows [first, first + n) of an aggregation's posterior and labels.
std::uint64_t rows_hash(const labelkit::quality::Aggregation& a, std::size_t first, std::size_t n) {
  std::uint64_t h = 1469598103934665603ULL;
  auto feed = [&h](const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t b = 0; b < bytes; ++b) h = (h ^ p[b]) * 1099511628211ULL;
  };
  for (std::size_t r = first; r < first + n; ++r) {
    feed(&a.items[r], sizeof(a.items[r]));
    feed(&a.labels[r], sizeof(int));
    for (Eigen::Index k = 0; k < a.posterior.cols(); ++k) {
      const double v = a.posterior(static_cast<Eigen::Index>(r), k);
      feed(&v, sizeof v);
    }
  }
  return h;
}

std::int64_t shard_begin(std::int64_t n, int rank, int size) { return n * rank / size; }

bool parse(int argc, char** argv, Settings& s) {
  for (int a = 1; a + 1 < argc; a += 2) {
    const std::string flag = argv[a];
    const long long v = std::atoll(argv[a + 1]);
    if (v <= 0) return false;
    if (flag == "--items")
      s.items = v;
    else if (flag == "--answers-per-item")
      s.answers_per_item = static_cast<int>(v);
    else if (flag == "--annotators")
      s.annotators = static_cast<int>(v);
    else if (flag == "--iterations")
      s.iterations = static_cast<int>(v);
    else if (flag == "--pool")
      s.pool = v;
    else
      return false;
  }
  return argc % 2 == 1 && s.answers_per_item <= 16;
}

bool run(const Settings& s, int rank, int size) {
  bool ok = true;
  std::vector<double> times(static_cast<std::size_t>(size));
  auto gather_times = [&](double t) {
    MPI_Gather(&t, 1, MPI_DOUBLE, times.data(), 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  };
  auto print_rates = [&](const char* what, double per_rank_units) {
    if (rank != 0) return;
    std::printf("   %s per rank:", what);
    for (const double t : times) std::printf(" %.2f s (%.2f M/s)", t, per_rank_units / t / 1e6);
    std::printf("\n");
  };
  // ---- Part 1: crowd -------------------------------------------------------------------------
  const std::int64_t begin = shard_begin(s.items, rank, size);
  const std::int64_t end = shard_begin(s.items, rank + 1, size);
  const auto local = crowd(s, begin, end);
  const double answers = static_cast<double>(s.items) * s.answers_per_item;
  if (rank == 0) {
    std::printf(
        "== crowd: %lld items x %d answers = %.0f answers, %d annotators, %d classes, "
        "%d ranks\n",
        static_cast<long long>(s.items), s.answers_per_item, answers, s.annotators, s.classes,
        size);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  const auto vote = labelkit::distributed::majority_vote(local, s.classes, MPI_COMM_WORLD);
  gather_times(MPI_Wtime() - t0);
  print_rates("majority vote (answers)", answers / size);
  labelkit::quality::DawidSkeneOptions options;
  options.max_iterations = s.iterations;
  options.tolerance = 0;
  std::size_t statistics_bytes = 0;
  MPI_Barrier(MPI_COMM_WORLD);
  t0 = MPI_Wtime();
  const auto ds = labelkit::distributed::dawid_skene(local, s.classes, MPI_COMM_WORLD, options,
                                                     {&statistics_bytes});
  const double ds_time = MPI_Wtime() - t0;
  gather_times(ds_time);
  print_rates("Dawid-Skene (answers x iterations)", answers / size * ds.iterations);
  if (rank == 0) {
    std::printf(
        "   Dawid-Skene: %d iterations; per iteration each rank sends %zu bytes (M-step "
        "statistics) to each of the %d others and receives as much from each\n",
        ds.iterations, statistics_bytes, size - 1);
  }
  const std::uint64_t mine[2] = {rows_hash(vote, 0, vote.items.size()),
                                 rows_hash(ds, 0, ds.items.size())};
  std::vector<std::uint64_t> hashes(static_cast<std::size_t>(2 * size));
  MPI_Gather(mine, 2, MPI_UINT64_T, hashes.data(), 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    const auto all = crowd(s, 0, s.items);
    double t = MPI_Wtime();
    const auto vote1 = labelkit::quality::majority_vote(all, s.classes);
    const double vote1_time = MPI_Wtime() - t;
    t = MPI_Wtime();
    const auto ds1 = labelkit::quality::dawid_skene(all, s.classes, options);
    const double ds1_time = MPI_Wtime() - t;
    bool same = vote.annotators == vote1.annotators && ds.priors == ds1.priors &&
                ds.log_likelihood == ds1.log_likelihood && ds.confusion == ds1.confusion;
    for (int r = 0; r < size; ++r) {
      // Items 0..n-1 are rows 0..n-1 of the serial results (every item has answers).
      const auto b = static_cast<std::size_t>(shard_begin(s.items, r, size));
      const auto n = static_cast<std::size_t>(shard_begin(s.items, r + 1, size)) - b;
      same = same && hashes[static_cast<std::size_t>(2 * r)] == rows_hash(vote1, b, n) &&
             hashes[static_cast<std::size_t>(2 * r + 1)] == rows_hash(ds1, b, n);
    }
    std::printf(
        "   one process: majority vote %.2f s (%.2f M answers/s), Dawid-Skene %.2f s "
        "(%.2f M answers x iterations/s)\n",
        vote1_time, answers / vote1_time / 1e6, ds1_time,
        answers * ds1.iterations / ds1_time / 1e6);
    std::printf("   check against one process, to the last bit: %s (objective %.10g)\n",
                same ? "equal" : "DIFFERENT", ds1.log_likelihood.back());
    ok = ok && same;
  }
  // ---- Part 2: pool --------------------------------------------------------------------------
  Eigen::MatrixXd p;
  std::vector<int> labels;
  const std::int64_t pool_begin = shard_begin(s.pool, rank, size);
  pool(s, pool_begin, shard_begin(s.pool, rank + 1, size), p, labels);
  if (rank == 0) {
    std::printf("== pool: %lld items x %d classes, confident learning on %d ranks\n",
                static_cast<long long>(s.pool), s.classes, size);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  t0 = MPI_Wtime();
  const Eigen::MatrixXd joint =
      labelkit::distributed::confident_joint(std::span<const int>(labels), p, MPI_COMM_WORLD);
  gather_times(MPI_Wtime() - t0);
  print_rates("confident joint (items)", static_cast<double>(s.pool) / size);
  if (rank == 0) {
    std::printf(
        "   each rank sends %zu + %zu bytes (threshold state, joint state) to each other "
        "rank\n",
        labelkit::quality::ThresholdState(s.classes).to_bytes().size(),
        labelkit::quality::ConfidentJointState(s.classes).to_bytes().size());
    p.resize(0, 0);
    pool(s, 0, s.pool, p, labels);
    const double t = MPI_Wtime();
    const Eigen::MatrixXd joint1 =
        labelkit::quality::confident_joint(std::span<const int>(labels), p);
    const double joint1_time = MPI_Wtime() - t;
    const bool same = joint == joint1;
    std::printf("   one process: %.2f s (%.2f M items/s)\n", joint1_time,
                static_cast<double>(s.pool) / joint1_time / 1e6);
    std::printf("   check against one process, to the last bit: %s\n",
                same ? "equal" : "DIFFERENT");
    ok = ok && same;
  }
  int flag = ok ? 1 : 0;
  MPI_Bcast(&flag, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return flag == 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  Settings s;
  if (!parse(argc, argv, s)) {
    if (rank == 0) {
      std::fprintf(stderr,
                   "usage: mpi_sharded_aggregation [--items N] [--answers-per-item A <= 16] "
                   "[--annotators J] [--iterations T] [--pool N]\n");
    }
    MPI_Finalize();
    return 2;
  }
  bool ok = false;
  try {
    ok = run(s, rank, size);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return ok ? 0 : 1;
}
