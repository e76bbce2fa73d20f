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
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/mergeable.hpp"
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

/// The EM driver (see the file comment). `reduce(statistics)` runs after every pass over the
/// items of a MergeableEmModel (OneShard for one process). `gold` holds each dense item's gold
/// labels (none, one: the item is clamped to it, or several: its posterior is restricted to them,
/// and its evidence term is the log of the probability that the true class is one of them). A crowd
/// of no items runs no iteration and counts as converged (the model keeps the parameters it was
/// constructed with, which must then be well defined: uniform priors). Complexity per iteration:
/// one pass over the answers plus the model's M-step.
template <EmModel Model, class Reduce>
EmRun run_em(const Crowd& crowd, const GoldLabelSets& gold, const EmControl& control, Model& model,
             Reduce&& reduce) {
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
      model.log_joint(i, row.data());
      const Eigen::Index first = gold.start[static_cast<std::size_t>(i)];
      const auto n_gold = static_cast<int>(gold.start[static_cast<std::size_t>(i) + 1] - first);
      double evidence = 0;
      if (n_gold == 0) {
        evidence = softmax_in_place(row.data(), c);
      } else {
        // The true class is one of the gold labels: normalise over them, 0 elsewhere.
        const int* gl = gold.label.data() + first;
        for (int g = 0; g < n_gold; ++g) restricted[static_cast<std::size_t>(g)] = row[gl[g]];
        evidence = softmax_in_place(restricted.data(), n_gold);
        std::fill(row.begin(), row.end(), 0.0);
        for (int g = 0; g < n_gold; ++g) row[gl[g]] = restricted[static_cast<std::size_t>(g)];
      }
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
    run.log_likelihood.push_back(objective);
    run.iterations = iteration + 1;
    if (control.progress != nullptr && *control.progress) {
      (*control.progress)(quality::EmProgress{run.iterations, objective});
    }
    if (em_converged(run.log_likelihood, control.tolerance)) {
      run.converged = true;
      break;
    }
  }
  return run;
}

/// run_em() on one process (every item in `crowd`).
template <EmModel Model>
EmRun run_em(const Crowd& crowd, const GoldLabelSets& gold, const EmControl& control,
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
