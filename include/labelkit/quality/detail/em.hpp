#pragma once
/// @file
/// The EM skeleton shared by the aggregators with a hidden true class per item (Dawid-Skene,
/// one-coin, GLAD, MACE): one driver, one model policy per aggregator, one progress protocol.
///
/// The driver lays the answers out once (grouped by item, see Crowd), starts from the
/// majority-vote posterior with gold items clamped (restricted to their gold labels when an item
/// has several), and then runs iterations of
///   1. M-step: the model's parameters from its expected counts (model.m_step);
///   2. E-step fused with the next expected counts, one pass over the answers: per item, the
///      model writes log pi_k + sum over the item's answers of log P(answer | k) into a row
///      (model.log_joint), the driver normalises it with log-sum-exp (or clamps a gold item) and
///      hands the posterior row back (model.accumulate).
/// The objective is the model's parameter term (from m_step) plus the sum over items of the
/// log evidence (log P(true class in the gold labels, answers) for a gold item). No allocation
/// happens inside the iterations: every buffer is sized before the first one.
///
/// Models whose expected counts live in an EmStatistics (Dawid–Skene, one-coin) are mergeable:
/// their counts and the log evidence are fixed-point sums (detail::UnitSum for the counts,
/// detail::FixedSum for the evidence), so a pass over the items in shards, merged in any order,
/// gives the same bits as one pass over all of them. run_em() hands the statistics to a `reduce`
/// step after every pass: nothing for one process, an allreduce across ranks for
/// distributed::dawid_skene. Every rank then runs the same M-step on the same numbers, and takes
/// the same convergence decision.
///
/// Every function here that uses Eigen is a template (the models are class templates on the
/// scalar of their tables, always double), so that the EM code is compiled only in translation
/// units that call an aggregator, not in every one that includes its header.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Posteriors during EM: row-major, so one item's C values are contiguous in the hot loops.
using PosteriorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Replaces v[0..n) by softmax(v) in place and returns log(sum(exp(v))), computing each
/// exponential once. All -inf (impossible under every class) cannot occur for the EM models
/// here (see dawid_skene()); it would yield NaN, not a silent value.
inline double softmax_in_place(double* v, int n) {
  double m = v[0];
  for (int k = 1; k < n; ++k) m = v[k] > m ? v[k] : m;
  double s = 0;
  for (int k = 0; k < n; ++k) {
    v[k] = std::exp(v[k] - m);
    s += v[k];
  }
  const double inverse = 1.0 / s;
  for (int k = 0; k < n; ++k) v[k] *= inverse;
  return m + std::log(s);
}

/// Class priors pi_k = (mass_k + alpha) / (n_items + C·alpha) from the expected class counts;
/// writes their logs and returns the log-prior term alpha · sum_k log pi_k (0 when alpha = 0).
template <class Vector>
double update_priors(const Vector& mass, Eigen::Index n_items, double alpha, Vector& log_prior) {
  const Eigen::Index c = mass.size();
  const double denominator = static_cast<double>(n_items) + alpha * static_cast<double>(c);
  double term = 0;
  for (Eigen::Index k = 0; k < c; ++k) {
    log_prior(k) = std::log(mass(k) + alpha) - std::log(denominator);
    if (alpha > 0) term += alpha * log_prior(k);
  }
  return term;
}

/// Restricts a posterior row to an item's gold labels gl[0..n): the row becomes the row's
/// shares among those labels (uniform over them if they have no mass), 0 elsewhere. With one
/// gold label it is the one-hot row of that label.
template <class Row>
void restrict_to_gold(Row& row, const int* gl, Eigen::Index n) {
  double mass = 0;
  for (Eigen::Index g = 0; g < n; ++g) mass += row(gl[g]);
  const double uniform = 1.0 / static_cast<double>(n);
  std::vector<double> kept(static_cast<std::size_t>(n));
  for (Eigen::Index g = 0; g < n; ++g) {
    kept[static_cast<std::size_t>(g)] = mass > 0 ? row(gl[g]) / mass : uniform;
  }
  row.setZero();
  for (Eigen::Index g = 0; g < n; ++g) row(gl[g]) = kept[static_cast<std::size_t>(g)];
}

/// The majority-vote posterior (vote shares), with gold items restricted to their gold labels
/// (clamped to the label when there is one).
template <class Scalar>
void initial_posterior(const Crowd& crowd, const GoldLabelSets& gold,
                       Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& t) {
  t = normalise_rows(vote_counts<Scalar>(crowd));
  for (Eigen::Index i = 0; i < t.rows(); ++i) {
    const Eigen::Index first = gold.start[static_cast<std::size_t>(i)];
    const Eigen::Index n = gold.start[static_cast<std::size_t>(i) + 1] - first;
    if (n > 0) {
      auto row = t.row(i);
      restrict_to_gold(row, gold.label.data() + first, n);
    }
  }
}

/// The tolerance test: the objective rose by less than tolerance · max(1, |objective|).
inline bool em_converged(const std::vector<double>& objective, double tolerance) {
  if (tolerance <= 0 || objective.size() < 2) return false;
  const double now = objective.back();
  const double before = objective[objective.size() - 2];
  return now - before < tolerance * std::max(1.0, std::abs(now));
}

/// Throws unless max_iterations >= 1 and tolerance and smoothing are finite and >= 0.
inline void check_em_options(int max_iterations, double tolerance, double smoothing,
                             std::string_view function) {
  if (max_iterations < 1) {
    fail(function, "'options.max_iterations' must be at least 1 (got ", max_iterations, ")");
  }
  check_nonnegative(tolerance, function, "options.tolerance");
  check_nonnegative(smoothing, function, "options.smoothing");
}

/// One EM model (the policy of run_em()).
///
/// - `accumulate(i, row)`: adds item i's posterior row (and, through the crowd, its answers) to
///   the model's expected counts.
/// - `m_step(t)`: sets the parameters from the expected counts (t is the current posterior),
///   clears the counts for the next pass, and returns the objective's parameter term (the log
///   prior of the parameters; 0 without smoothing).
/// - `log_joint(i, row)`: writes log P(z_i = k) + sum over i's answers of log P(answer | k),
///   for k = 0..C-1, under the current parameters.
template <class Model>
concept EmModel = requires(Model& m, Eigen::Index i, double* row, const PosteriorMatrix& t) {
  m.accumulate(i, static_cast<const double*>(row));
  { m.m_step(t) } -> std::convertible_to<double>;
  m.log_joint(i, row);
};

/// Options every EM aggregator shares, as the driver reads them.
struct EmControl {
  int max_iterations = 100;  ///< >= 1.
  double tolerance = 0;      ///< 0: run every iteration.
  /// Called once per iteration, after its E-step, with the 1-based iteration and the objective.
  const std::function<void(const quality::EmProgress&)>* progress = nullptr;
  /// How the passes of a ChunkedEmModel run (serial when null or without an executor).
  const Parallel* parallel = nullptr;
};

/// The run of run_em(): the final posterior and the objective after each iteration.
struct EmRun {
  PosteriorMatrix posterior;           ///< items x classes (ascending item id).
  std::vector<double> log_likelihood;  ///< Objective after each iteration.
  int iterations = 0;                  ///< Iterations run.
  bool converged = false;              ///< Whether the tolerance test stopped EM.
};

/// The M-step statistics of a mergeable EM model: a fixed number of fixed-point sums (UnitSum:
/// the model's expected counts, in the model's layout), the fixed-point sum of the items' log
/// evidence (FixedSum) and the number of items passed. Satisfies labelkit::MergeableState. Merging
/// adds exactly, so the statistics of a pass are the same bits for any partition of the items and
/// any merge order.
class EmStatistics {
 public:
  /// Statistics of `n_sums` zero sums.
  explicit EmStatistics(std::size_t n_sums = 0) : sums_(n_sums) {}

  /// Adds x, a posterior mass in [-2, 2], to sum k. @throws as UnitSum::add.
  void add(std::size_t k, double x) { sums_[k].add(x); }
  /// Adds an item's log evidence and counts the item.
  void add_evidence(double x) {
    evidence_.add(x);
    ++items_;
  }
  /// Adds the evidence sum of `items` items gathered elsewhere (an EmAccumulator).
  /// @throws labelkit::numerical_error as FixedSum::merge or if the item count overflows.
  void add_evidence(const FixedSum& evidence, std::int64_t items) {
    evidence_.merge(evidence);
    items_ = add_counts(items_, items, "EmStatistics::add_evidence");
  }
  /// The sums, for UnitSumBuffer::flush_into().
  [[nodiscard]] std::span<UnitSum> sums() noexcept { return sums_; }
  /// Sum k rounded to the nearest double.
  [[nodiscard]] double value(std::size_t k) const { return sums_[k].value(); }
  /// The log evidence rounded to the nearest double.
  [[nodiscard]] double evidence() const { return evidence_.value(); }
  /// Items whose evidence was added.
  [[nodiscard]] std::int64_t items() const noexcept { return items_; }
  /// Number of sums.
  [[nodiscard]] std::size_t size() const noexcept { return sums_.size(); }
  /// Back to zero, same size.
  void clear() {
    std::fill(sums_.begin(), sums_.end(), UnitSum{});
    evidence_ = FixedSum{};
    items_ = 0;
  }

  /// Adds another shard's statistics.
  /// @throws labelkit::dimension_mismatch if the sizes differ; labelkit::numerical_error if a
  ///   sum leaves (-2^127, 2^127).
  template <class = void>
  void merge(const EmStatistics& other) {
    constexpr const char* function = "EmStatistics::merge";
    if (other.sums_.size() != sums_.size()) {
      fail<dimension_mismatch>(function, "the statistics have ", sums_.size(), " and ",
                               other.sums_.size(), " sums");
    }
    EmStatistics sum = *this;
    for (std::size_t k = 0; k < sums_.size(); ++k) sum.sums_[k].merge(other.sums_[k]);
    sum.evidence_.merge(other.evidence_);
    sum.items_ = add_counts(items_, other.items_, function);
    *this = std::move(sum);
  }

  /// Tag "LKEMSTAT", version 2, then the number of sums, the sums (two 64-bit words each), the
  /// evidence (three), the evidence and the item count.
  template <class = void>
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    ByteWriter w("LKEMSTAT", 2);
    w.u64(sums_.size());
    for (const UnitSum& x : sums_) x.write(w);
    evidence_.write(w);
    w.i64(items_);
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, more sums than the buffer holds
  ///   or than max_allocation_bytes allows, a sum out of range, a negative item count, or
  ///   trailing bytes.
  template <class = void>
  [[nodiscard]] static EmStatistics from_bytes(std::span<const std::byte> bytes) {
    ByteReader r(bytes, "LKEMSTAT", 2, "EmStatistics::from_bytes");
    const std::size_t n = r.count(16, max_allocation_bytes / sizeof(UnitSum), "the number of sums");
    EmStatistics s(n);
    for (auto& x : s.sums_) x = UnitSum::read(r);
    s.evidence_ = FixedSum::read(r);
    s.items_ = r.non_negative(std::numeric_limits<std::int64_t>::max(), "the item count");
    r.finish();
    return s;
  }

  /// Equal statistics.
  friend bool operator==(const EmStatistics&, const EmStatistics&) = default;

 private:
  std::vector<UnitSum> sums_;
  FixedSum evidence_;
  std::int64_t items_ = 0;
};

/// An EM model whose expected counts and evidence are an EmStatistics (see the file comment):
/// `statistics()` gives them, `total_items()` the number of items over every shard.
template <class Model>
concept MergeableEmModel = requires(Model& m) {
  { m.statistics() } -> std::same_as<EmStatistics&>;
  { m.total_items() } -> std::convertible_to<Eigen::Index>;
};

/// One chunk's share of an EM pass over the items of a ChunkedEmModel: the model's expected
/// counts in a UnitSumBuffer (laid out as the model's EmStatistics), the chunk's log evidence and
/// item count, and the buffers of one item (its log joint / posterior row and that row's split
/// units). All allocated once; a pass only adds integers into it.
struct EmAccumulator {
  /// An accumulator for `n_sums` sums and `n_classes` classes.
  EmAccumulator(std::size_t n_sums, int n_classes)
      : counts(n_sums),
        row(static_cast<std::size_t>(n_classes)),
        restricted(static_cast<std::size_t>(n_classes)),
        units(2 * static_cast<std::size_t>(n_classes)) {}

  UnitSumBuffer counts;              ///< Expected counts (split units).
  FixedSum evidence;                 ///< Sum of the items' log evidence.
  std::int64_t items = 0;            ///< Items whose evidence was added.
  std::int64_t pending = 0;          ///< Bound on the additions into any one sum since a flush.
  std::vector<double> row;           ///< The current item's row.
  std::vector<double> restricted;    ///< Its entries at its gold labels.
  std::vector<std::uint64_t> units;  ///< The row's split units (UnitSumBuffer::split).

  /// Converts the posterior row t[0..units.size() / 2) to split units, once per item.
  /// @throws labelkit::invalid_argument as UnitSum::add for an entry outside [0, 2] or NaN.
  void set_units(const double* t) {
    const std::size_t c = units.size() / 2;
    for (std::size_t k = 0; k < c; ++k) {
      const std::int64_t q = UnitSum::units(t[k]);
      if (q < 0) fail("UnitSum::add", "the posterior entry ", t[k], " is negative");
      UnitSumBuffer::split(q, units.data() + 2 * k);
    }
  }

  /// Adds everything into `statistics` and returns to zero.
  /// @throws labelkit::numerical_error as EmStatistics::add_evidence.
  void flush_into(EmStatistics& statistics) {
    counts.flush_into(statistics.sums());
    if (items != 0) statistics.add_evidence(evidence, items);
    evidence = FixedSum{};
    items = 0;
    pending = 0;
  }
};

/// The accumulators of the chunks running at one time: a chunk takes one (a new one only when
/// every existing one is in use, so the pool grows to the number of threads in the first pass
/// and allocates nothing afterwards) and gives it back. Since the statistics are exact integer
/// sums, which chunks shared an accumulator does not change the flushed total.
class EmAccumulatorPool {
 public:
  /// A pool of accumulators for `n_sums` sums and `n_classes` classes.
  EmAccumulatorPool(std::size_t n_sums, int n_classes) : n_sums_(n_sums), n_classes_(n_classes) {}

  /// An accumulator no other chunk holds.
  template <class = void>
  EmAccumulator& acquire() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) {
      all_.push_back(std::make_unique<EmAccumulator>(n_sums_, n_classes_));
      free_.reserve(all_.size());
      return *all_.back();
    }
    EmAccumulator* a = free_.back();
    free_.pop_back();
    return *a;
  }

  /// Gives `a` back (never allocates: free_ has room for every accumulator).
  template <class = void>
  void release(EmAccumulator& a) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(&a);
  }

  /// Flushes `a` into `statistics` while other chunks run (when its buffer is full).
  void spill(EmAccumulator& a, EmStatistics& statistics) {
    const std::lock_guard<std::mutex> lock(mutex_);
    a.flush_into(statistics);
  }

  /// Flushes every accumulator into `statistics`; called between passes, when no chunk runs.
  void flush_into(EmStatistics& statistics) {
    for (const auto& a : all_) a->flush_into(statistics);
  }

 private:
  std::size_t n_sums_;
  int n_classes_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<EmAccumulator>> all_;
  std::vector<EmAccumulator*> free_;
};

/// A MergeableEmModel whose pass runs in chunks of items (in parallel when asked): both members
/// are const and touch only item i's data and the accumulator, so chunks can run concurrently.
/// - `accumulate(acc, i)`: adds item i's posterior row, given as `acc.units`, once for the class
///   mass and once for each of i's answers, into acc.counts (the EmStatistics layout).
/// - `log_joint(i, row)`: as EmModel's.
template <class Model>
concept ChunkedEmModel = MergeableEmModel<Model> &&
    requires(const Model& m, EmAccumulator& acc, Eigen::Index i, double* row) {
  m.accumulate(acc, i);
  m.log_joint(i, row);
};

/// The shard policy of one process: its local work needs no agreement, and its statistics are
/// already those of every item.
struct OneShard {
  /// Runs the shard's local work (validation, layout) and returns its result.
  template <class Work>
  auto local(Work&& work) const {
    return work();
  }
  /// The reduce step: leaves the statistics as they are.
  void operator()(EmStatistics& /*statistics*/) const noexcept {}
};

/// The E-step of item i into `row` (C values): the posterior row (restricted to i's gold labels
/// when it has any), returning the log evidence. `restricted` holds at least C values.
template <class Model>
double e_step(const Model& model, const GoldLabelSets& gold, Eigen::Index i, int c, double* row,
              double* restricted) {
  model.log_joint(i, row);
  const Eigen::Index first = gold.start[static_cast<std::size_t>(i)];
  const auto n_gold = static_cast<int>(gold.start[static_cast<std::size_t>(i) + 1] - first);
  if (n_gold == 0) return softmax_in_place(row, c);
  // The true class is one of the gold labels: normalise over them, 0 elsewhere.
  const int* gl = gold.label.data() + first;
  for (int g = 0; g < n_gold; ++g) restricted[g] = row[gl[g]];
  const double evidence = softmax_in_place(restricted, n_gold);
  std::fill(row, row + c, 0.0);
  for (int g = 0; g < n_gold; ++g) row[gl[g]] = restricted[g];
  return evidence;
}

/// Items per chunk of a chunked pass when Parallel::grain is 0: about 256 KiB of answers and
/// posterior rows per chunk.
inline std::size_t em_default_grain(const Crowd& crowd) {
  const auto n_items = static_cast<std::size_t>(crowd.n_items());
  if (n_items == 0) return 1;
  const std::size_t bytes = static_cast<std::size_t>(crowd.size()) * 24 +
                            n_items * 8 * static_cast<std::size_t>(crowd.n_classes);
  const std::size_t per_item = std::max<std::size_t>(1, bytes / n_items);
  return std::max<std::size_t>(1, (std::size_t{1} << 18) / per_item);
}

/// One pass of a ChunkedEmModel over the items, in fixed chunks through `parallel`: with
/// `e_step_first` each item's E-step (posterior row written to `posterior`, evidence added),
/// then every item's row added to the counts; the pool is then flushed into the model's
/// statistics. Bit-identical for any executor and grain: every sum is an integer sum.
template <class Model>
void chunked_pass(Model& model, const Crowd& crowd, const GoldLabelSets& gold,
                  PosteriorMatrix& posterior, EmAccumulatorPool& pool, const Parallel& parallel,
                  bool e_step_first) {
  const int c = crowd.n_classes;
  const auto cs = static_cast<std::size_t>(c);
  const Model& m = model;
  EmStatistics& statistics = model.statistics();
  const auto n_items = static_cast<std::size_t>(crowd.n_items());
  for_each_chunk(parallel, n_items, grain_of(parallel, em_default_grain(crowd)),
                 [&](std::size_t /*chunk*/, std::size_t begin, std::size_t end) {
                   EmAccumulator& acc = pool.acquire();
                   struct Release {
                     EmAccumulatorPool& pool;
                     EmAccumulator& acc;
                     ~Release() { pool.release(acc); }
                   } release{pool, acc};
                   for (std::size_t s = begin; s < end; ++s) {
                     const auto i = static_cast<Eigen::Index>(s);
                     double* t = posterior.row(i).data();
                     if (e_step_first) {
                       double* row = acc.row.data();
                       const double evidence = e_step(m, gold, i, c, row, acc.restricted.data());
                       acc.evidence.add(evidence);
                       ++acc.items;
                       for (std::size_t k = 0; k < cs; ++k) t[k] = row[k];
                     }
                     // Each sum receives at most one addition per answer of the item plus one (its
                     // mass).
                     const std::int64_t additions = crowd.end(i) - crowd.begin(i) + 1;
                     if (acc.pending + additions > UnitSumBuffer::capacity) {
                       if (additions > UnitSumBuffer::capacity) {
                         fail<numerical_error>("EM pass", "item ", crowd.items.id(i),
                                               " has more than 2^32 ", "answers");
                       }
                       pool.spill(acc, statistics);
                     }
                     acc.pending += additions;
                     acc.set_units(t);
                     m.accumulate(acc, i);
                   }
                 });
  pool.flush_into(statistics);
}

/// Records an iteration's objective in `run`, reports it to `control.progress`, and says whether
/// EM has converged (then `run.converged` is set).
template <class = void>
bool end_iteration(EmRun& run, double objective, const EmControl& control) {
  run.log_likelihood.push_back(objective);
  run.iterations = static_cast<int>(run.log_likelihood.size());
  if (control.progress != nullptr && *control.progress) {
    (*control.progress)(quality::EmProgress{run.iterations, objective});
  }
  run.converged = em_converged(run.log_likelihood, control.tolerance);
  return run.converged;
}

/// The driver for a ChunkedEmModel: as run_serial_em(), each pass a chunked_pass().
template <ChunkedEmModel Model, class Reduce>
EmRun run_chunked_em(const Crowd& crowd, const GoldLabelSets& gold, const EmControl& control,
                     Model& model, Reduce&& reduce) {
  EmRun run;
  initial_posterior(crowd, gold, run.posterior);
  if (model.total_items() == 0) {
    run.converged = true;
    return run;
  }
  const Parallel serial;
  const Parallel& parallel = control.parallel != nullptr ? *control.parallel : serial;
  EmAccumulatorPool pool(model.statistics().size(), crowd.n_classes);
  chunked_pass(model, crowd, gold, run.posterior, pool, parallel, false);
  reduce(model.statistics());
  run.log_likelihood.reserve(static_cast<std::size_t>(control.max_iterations));
  for (int iteration = 0; iteration < control.max_iterations; ++iteration) {
    double objective = model.m_step(run.posterior);
    chunked_pass(model, crowd, gold, run.posterior, pool, parallel, true);
    reduce(model.statistics());
    objective += model.statistics().evidence();
    if (end_iteration(run, objective, control)) break;
  }
  return run;
}

/// The driver for an EmModel that is not chunked: one serial pass per iteration.
template <EmModel Model, class Reduce>
EmRun run_serial_em(const Crowd& crowd, const GoldLabelSets& gold, const EmControl& control,
                    Model& model, Reduce&& reduce) {
  constexpr bool mergeable = MergeableEmModel<Model>;
  const Eigen::Index n_items = crowd.n_items();
  const int c = crowd.n_classes;
  const auto cs = static_cast<std::size_t>(c);
  EmRun run;
  initial_posterior(crowd, gold, run.posterior);
  Eigen::Index total_items = n_items;
  if constexpr (mergeable) total_items = model.total_items();
  if (total_items == 0) {
    // Nothing to estimate: no iterations, and the model keeps its starting parameters.
    run.converged = true;
    return run;
  }
  for (Eigen::Index i = 0; i < n_items; ++i) model.accumulate(i, run.posterior.row(i).data());
  if constexpr (mergeable) reduce(model.statistics());
  std::vector<double> row(cs);
  std::vector<double> restricted(cs);
  run.log_likelihood.reserve(static_cast<std::size_t>(control.max_iterations));
  for (int iteration = 0; iteration < control.max_iterations; ++iteration) {
    double objective = model.m_step(run.posterior);
    for (Eigen::Index i = 0; i < n_items; ++i) {
      const double evidence = e_step(model, gold, i, c, row.data(), restricted.data());
      if constexpr (mergeable) {
        model.statistics().add_evidence(evidence);
      } else {
        objective += evidence;
      }
      double* t = run.posterior.row(i).data();
      for (std::size_t k = 0; k < cs; ++k) t[k] = row[k];
      model.accumulate(i, row.data());
    }
    if constexpr (mergeable) {
      reduce(model.statistics());
      objective += model.statistics().evidence();
    }
    if (end_iteration(run, objective, control)) break;
  }
  return run;
}

/// The EM driver (see the file comment). `reduce(statistics)` runs after every pass over the
/// items of a MergeableEmModel (OneShard for one process). `gold` holds each dense item's gold
/// labels (none, one: the item is clamped to it, or several: its posterior is restricted to them,
/// and its evidence term is the log of the probability that the true class is one of them). A crowd
/// of no items runs no iteration and counts as converged (the model keeps the parameters it was
/// constructed with, which must then be well defined: uniform priors). Complexity per iteration:
/// one pass over the answers plus the model's M-step. A ChunkedEmModel's passes run in fixed
/// chunks through `control.parallel` (bit-identical to serial: the statistics are integer sums).
template <class Model, class Reduce>
requires EmModel<Model> || ChunkedEmModel<Model> EmRun run_em(const Crowd& crowd,
                                                              const GoldLabelSets& gold,
                                                              const EmControl& control,
                                                              Model& model, Reduce&& reduce) {
  if constexpr (ChunkedEmModel<Model>) {
    return run_chunked_em(crowd, gold, control, model, reduce);
  } else {
    return run_serial_em(crowd, gold, control, model, reduce);
  }
}

/// run_em() on one process (every item in `crowd`).
template <class Model>
requires EmModel<Model> || ChunkedEmModel<Model> EmRun run_em(const Crowd& crowd,
                                                              const GoldLabelSets& gold,
                                                              const EmControl& control,
                                                              Model& model) {
  return run_em(crowd, gold, control, model, OneShard{});
}

/// Moves the fields every EM result shares (items, annotators, posterior, labels,
/// log_likelihood, iterations, converged) from a run into `result`.
template <class Result>
void fill_em_result(const Crowd& crowd, EmRun&& run, Result& result) {
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.posterior = run.posterior;
  result.labels = argmax_rows(result.posterior);
  result.log_likelihood = std::move(run.log_likelihood);
  result.iterations = run.iterations;
  result.converged = run.converged;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
