#pragma once
/// @file
/// Dawid–Skene aggregation (Dawid & Skene 1979): EM over per-annotator confusion matrices, and
/// its one-coin variant (one accuracy per annotator). Both in log space, both with optional gold
/// items clamped during EM.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/detail/em.hpp"
#include "labelkit/quality/gold_label.hpp"
#include "labelkit/quality/majority_vote.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// One annotator's confusion matrix, as prior knowledge (e.g. from earlier campaigns).
struct AnnotatorConfusion {
  Eigen::Index annotator = 0;  ///< Annotator id, as in Annotation::annotator.
  /// C x C, row = true class k, column = answer l: counts of answering l when the truth was k
  /// (or, for InitialErrorStrategy::assign, probabilities). Finite, >= 0.
  Eigen::MatrixXd matrix;
};

/// How dawid_skene() uses DawidSkeneOptions::initial_error in its first M-step (crowd-kit's
/// DawidSkene(initial_error_strategy=...)).
enum class InitialErrorStrategy {
  /// Add the matrices to the expected counts from the majority-vote start; annotators without
  /// one keep their counts (crowd-kit's "addition").
  addition,
  /// Replace the expected counts by the matrices; every annotator must have one, each row with a
  /// positive sum (crowd-kit's "assign").
  assign,
};

/// Options of dawid_skene() and one_coin_dawid_skene().
struct DawidSkeneOptions {
  /// Upper bound on EM iterations (one iteration = M-step then E-step); >= 1.
  int max_iterations = 100;
  /// Stop once the objective rises by less than tolerance · max(1, |objective|) in one
  /// iteration. 0 runs all max_iterations.
  double tolerance = 1e-8;
  /// Dirichlet pseudo-count added to every confusion count (and class-prior count): the M-step
  /// is then the MAP estimate under a symmetric Dirichlet(smoothing + 1) prior. >= 0.
  double smoothing = 0.01;
  /// Items whose true label is known: their posterior is clamped to it during EM. An item may
  /// have several gold labels (several records): its true class is then known to be one of
  /// them, and its posterior is restricted to them (normalised over them, 0 elsewhere). Gold
  /// records for items without annotations are ignored.
  std::vector<GoldLabel> gold = {};
  /// Optional progress callback (empty by default), e.g. to print a progress line: called once
  /// per EM iteration, after its M-step and E-step, with an EmProgress: the 1-based iteration
  /// number and that iteration's objective (the value appended to log_likelihood). It
  /// does not change any result; an exception it throws propagates out of the aggregator.
  std::function<void(const EmProgress&)> progress = {};
  /// Initial confusion matrices for dawid_skene() (not one_coin_dawid_skene()): used by the first
  /// M-step only, as `initial_error_strategy` says; EM then runs as usual. Entries for
  /// annotators without annotations are ignored. Empty (the default): the majority-vote start.
  std::vector<AnnotatorConfusion> initial_error = {};
  /// How `initial_error` enters the first M-step.
  InitialErrorStrategy initial_error_strategy = InitialErrorStrategy::addition;
};

/// Result of dawid_skene() and one_coin_dawid_skene(): the shared Aggregation (items in
/// ascending id, posterior, labels, annotators, lookup by id) and EmTrace (the objective after
/// each iteration: the log-likelihood of the answers, plus the log of the gold labels'
/// probability, plus the log prior when smoothing > 0; never decreases up to rounding).
struct DawidSkeneResult : Aggregation, EmTrace {
  /// One C x C row-stochastic matrix per annotator (ascending annotator id): entry (k, l) is
  /// P(annotator answers l | true class k).
  std::vector<Eigen::MatrixXd> confusion;
  Eigen::VectorXd priors;  ///< Class priors P(true class = k).
};

}  // namespace quality
namespace detail {

/// The EM model of dawid_skene(): one C x C confusion matrix per annotator and class priors.
/// `Scalar` is the scalar of its tables (double).
template <class Scalar>
class DawidSkeneModel {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  /// The model of `crowd` (this shard's items, every shard's annotators), whose items number
  /// `total_items` over every shard.
  DawidSkeneModel(const Crowd& crowd, const quality::DawidSkeneOptions& options,
                  Eigen::Index total_items)
      : crowd_(&crowd),
        c_(crowd.n_classes),
        alpha_(options.smoothing),
        total_items_(total_items),
        initial_(&options),
        code_(crowd.record.size()),
        log_theta_(c_, crowd.n_annotators() * c_),
        counts_(Matrix::Zero(c_, crowd.n_annotators() * c_)),
        log_prior_(Vector::Constant(c_, -std::log(static_cast<double>(c_)))),
        mass_(Vector::Zero(c_)),
        statistics_(static_cast<std::size_t>((crowd.n_annotators() * c_ + 1) * c_)),
        mass_at_(static_cast<std::size_t>(crowd.n_annotators() * c_ * c_)) {
    // Answer a's code j·C + l, times C: the offset of its C-long column of log_theta_
    // (log theta_j(., l)) and of its C sums in the statistics.
    const auto c = static_cast<std::size_t>(c_);
    for (std::size_t a = 0; a < code_.size(); ++a) {
      code_[a] = (static_cast<std::size_t>(crowd.annotator[a]) * c +
                  static_cast<std::size_t>(crowd.label[a])) *
                 c;
    }
  }

  // Statistics layout: the counts n_jkl at code (j·C + l)·C + k, then the class mass at
  // J·C·C + k. The item's row, as split units, is added once per answer into its code's C sums.
  void accumulate(EmAccumulator& acc, Eigen::Index i) const {
    const auto c = static_cast<std::size_t>(c_);
    const std::uint64_t* units = acc.units.data();
    acc.counts.add(mass_at_, units, c);
    const std::size_t* code = code_.data();
    for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
      acc.counts.add(code[a], units, c);
    }
  }

  EmStatistics& statistics() noexcept { return statistics_; }
  [[nodiscard]] Eigen::Index total_items() const noexcept { return total_items_; }

  double m_step(const PosteriorMatrix& /*t*/) {
    const auto c = static_cast<std::size_t>(c_);
    for (Eigen::Index col = 0; col < counts_.cols(); ++col)
      for (Eigen::Index k = 0; k < c_; ++k)
        counts_(k, col) =
            statistics_.value(static_cast<std::size_t>(col) * c + static_cast<std::size_t>(k));
    const std::size_t mass_at = static_cast<std::size_t>(counts_.cols()) * c;
    for (Eigen::Index k = 0; k < c_; ++k)
      mass_(k) = statistics_.value(mass_at + static_cast<std::size_t>(k));
    statistics_.clear();
    if (initial_ != nullptr) apply_initial_error();
    double objective = 0;
    const Eigen::Index n_annotators = crowd_->n_annotators();
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      for (Eigen::Index k = 0; k < c_; ++k) {
        double row_total = 0;
        for (Eigen::Index l = 0; l < c_; ++l) row_total += counts_(k, j * c_ + l);
        const double denominator = row_total + alpha_ * static_cast<double>(c_);
        for (Eigen::Index l = 0; l < c_; ++l) {
          const double v = denominator > 0
                               ? std::log(counts_(k, j * c_ + l) + alpha_) - std::log(denominator)
                               : -std::log(static_cast<double>(c_));
          log_theta_(k, j * c_ + l) = v;
          if (alpha_ > 0) objective += alpha_ * v;
        }
      }
    }
    objective += update_priors(mass_, total_items_, alpha_, log_prior_);
    return objective;
  }

  void log_joint(Eigen::Index i, double* row) const {
    // Per class, the prior then the answers in order, summed in a register (four classes at a
    // time) rather than through row[] in memory.
    const double* prior = log_prior_.data();
    const double* theta = log_theta_.data();
    const std::size_t* code = code_.data();
    const Eigen::Index first = crowd_->begin(i);
    const Eigen::Index last = crowd_->end(i);
    Eigen::Index k = 0;
    for (; k + 4 <= c_; k += 4) {
      double s0 = prior[k], s1 = prior[k + 1], s2 = prior[k + 2], s3 = prior[k + 3];
      for (Eigen::Index a = first; a < last; ++a) {
        const double* column = theta + code[a] + k;
        s0 += column[0];
        s1 += column[1];
        s2 += column[2];
        s3 += column[3];
      }
      row[k] = s0;
      row[k + 1] = s1;
      row[k + 2] = s2;
      row[k + 3] = s3;
    }
    for (; k < c_; ++k) {
      double sum = prior[k];
      for (Eigen::Index a = first; a < last; ++a)
        sum += theta[code[a] + static_cast<std::size_t>(k)];
      row[k] = sum;
    }
  }

  /// The confusion matrices (ascending annotator id) and the priors, into `result`.
  void fill(quality::DawidSkeneResult& result) const {
    result.priors = log_prior_.array().exp().matrix();
    result.confusion.reserve(static_cast<std::size_t>(crowd_->n_annotators()));
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      result.confusion.emplace_back(log_theta_.middleCols(j * c_, c_).array().exp().matrix());
    }
  }

 private:
  // The first M-step's counts: the majority-vote counts plus, or replaced by, the initial
  // matrices (validated by check_initial_error()).
  void apply_initial_error() {
    const bool assign = initial_->initial_error_strategy == quality::InitialErrorStrategy::assign;
    for (const quality::AnnotatorConfusion& e : initial_->initial_error) {
      const Eigen::Index j = crowd_->annotators.find(e.annotator);
      if (j < 0) continue;
      for (Eigen::Index k = 0; k < c_; ++k) {
        for (Eigen::Index l = 0; l < c_; ++l) {
          double& count = counts_(k, j * c_ + l);
          count = assign ? e.matrix(k, l) : count + e.matrix(k, l);
        }
      }
    }
    initial_ = nullptr;
  }

  const Crowd* crowd_;
  Eigen::Index c_;
  double alpha_;
  Eigen::Index total_items_;
  const quality::DawidSkeneOptions* initial_;  // until the first M-step has used it
  std::vector<std::size_t> code_;              // per grouped answer: (j·C + l)·C
  Matrix log_theta_;  // layout [k][j·C + l]: one answer's C values are contiguous
  Matrix counts_;     // expected counts n_jkl of the last pass, same layout
  Vector log_prior_;
  Vector mass_;              // expected class counts of the last pass, sum_i T_ik
  EmStatistics statistics_;  // the pass being accumulated (exact)
  std::size_t mass_at_;      // first sum of the class mass: J·C·C
};

/// The EM model of one_coin_dawid_skene(): one accuracy per annotator and class priors.
/// `Scalar` is the scalar of its tables (double).
template <class Scalar>
class OneCoinModel {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  /// The model of `crowd` (this shard's items, every shard's annotators, answers_per_annotator
  /// over every shard), whose items number `total_items` over every shard.
  OneCoinModel(const Crowd& crowd, const quality::DawidSkeneOptions& options,
               Eigen::Index total_items)
      : crowd_(&crowd),
        c_(crowd.n_classes),
        alpha_(options.smoothing),
        total_items_(total_items),
        log_spread_(std::log(static_cast<double>(crowd.n_classes - 1))),
        correct_(Vector::Zero(crowd.n_annotators())),
        log_hit_(crowd.n_annotators()),
        log_miss_(crowd.n_annotators()),
        log_prior_(Vector::Constant(c_, -std::log(static_cast<double>(c_)))),
        mass_(Vector::Zero(c_)),
        statistics_(static_cast<std::size_t>(crowd.n_annotators() + c_)) {}

  // Statistics layout: the expected correct answers of annotator j at j, then the class mass
  // at J + k. Each answer (j, l) adds the row's entry l into sum j.
  void accumulate(EmAccumulator& acc, Eigen::Index i) const {
    const std::uint64_t* units = acc.units.data();
    acc.counts.add(static_cast<std::size_t>(crowd_->n_annotators()), units,
                   static_cast<std::size_t>(c_));
    const Eigen::Index* annotator = crowd_->annotator.data();
    const int* label = crowd_->label.data();
    for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
      acc.counts.add(static_cast<std::size_t>(annotator[a]),
                     units + 2 * static_cast<std::size_t>(label[a]), 1);
    }
  }

  EmStatistics& statistics() noexcept { return statistics_; }
  [[nodiscard]] Eigen::Index total_items() const noexcept { return total_items_; }

  double m_step(const PosteriorMatrix& /*t*/) {
    const auto mass_at = static_cast<std::size_t>(crowd_->n_annotators());
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j)
      correct_(j) = statistics_.value(static_cast<std::size_t>(j));
    for (Eigen::Index k = 0; k < c_; ++k)
      mass_(k) = statistics_.value(mass_at + static_cast<std::size_t>(k));
    statistics_.clear();
    double objective = update_priors(mass_, total_items_, alpha_, log_prior_);
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      const auto n_j =
          static_cast<double>(crowd_->answers_per_annotator[static_cast<std::size_t>(j)]);
      const double denominator = std::log(n_j + 2 * alpha_);
      // min() guards against rounding pushing the expected count a hair above n_j.
      const double hit = std::min(correct_(j), n_j);
      log_hit_(j) = std::log(hit + alpha_) - denominator;
      const double log_wrong = std::log(n_j - hit + alpha_) - denominator;
      log_miss_(j) = log_wrong - log_spread_;
      if (alpha_ > 0) objective += alpha_ * (log_hit_(j) + log_wrong);
    }
    return objective;
  }

  void log_joint(Eigen::Index i, double* row) const {
    // Per class, the prior then the answers in order, summed in a register.
    const Eigen::Index* annotator = crowd_->annotator.data();
    const int* label = crowd_->label.data();
    const double* hit = log_hit_.data();
    const double* miss = log_miss_.data();
    const Eigen::Index first = crowd_->begin(i);
    const Eigen::Index last = crowd_->end(i);
    for (Eigen::Index k = 0; k < c_; ++k) {
      double sum = log_prior_(k);
      for (Eigen::Index a = first; a < last; ++a) {
        const Eigen::Index j = annotator[a];
        sum += k == label[a] ? hit[j] : miss[j];
      }
      row[k] = sum;
    }
  }

  /// The implied confusion matrices (diagonal p_j) and the priors, into `result`.
  void fill(quality::DawidSkeneResult& result) const {
    result.priors = log_prior_.array().exp().matrix();
    result.confusion.reserve(static_cast<std::size_t>(crowd_->n_annotators()));
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      Matrix m = Matrix::Constant(c_, c_, std::exp(log_miss_(j)));
      m.diagonal().setConstant(std::exp(log_hit_(j)));
      result.confusion.push_back(std::move(m));
    }
  }

 private:
  const Crowd* crowd_;
  Eigen::Index c_;
  double alpha_;
  Eigen::Index total_items_;
  double log_spread_;  // log(C - 1)
  Vector correct_;     // expected correct answers per annotator, of the last pass
  Vector log_hit_;     // log p_j
  Vector log_miss_;    // log((1 - p_j) / (C - 1))
  Vector log_prior_;
  Vector mass_;              // expected class counts, of the last pass
  EmStatistics statistics_;  // the pass being accumulated (exact)
};

/// Throws unless options.initial_error is usable: not for one-coin, one matrix per annotator at
/// most, each C x C, finite and >= 0; for assign, one for every annotator of the crowd with every
/// row summing to more than 0.
/// A template (on the options type) so that its Eigen code is compiled only where it is used.
template <class Options>
void check_initial_error(const Options& options, const Crowd& crowd, bool one_coin,
                         std::string_view function) {
  const auto& initial = options.initial_error;
  if (initial.empty()) return;
  if (one_coin) {
    fail(function, "'options.initial_error' is not used by the one-coin model (got ",
         initial.size(), " matrices, expected none)");
  }
  const Eigen::Index c = crowd.n_classes;
  std::vector<char> seen(static_cast<std::size_t>(crowd.n_annotators()), 0);
  for (std::size_t r = 0; r < initial.size(); ++r) {
    const auto& m = initial[r].matrix;
    if (m.rows() != c || m.cols() != c) {
      fail<dimension_mismatch>(function, "'options.initial_error' record ", r, " is ", m.rows(),
                               " x ", m.cols(), " (expected ", c, " x ", c, ")");
    }
    for (Eigen::Index k = 0; k < c; ++k) {
      double row_sum = 0;
      for (Eigen::Index l = 0; l < c; ++l) {
        if (!(m(k, l) >= 0) || std::isinf(m(k, l))) {
          fail(function, "'options.initial_error' record ", r, " has entry (", k, ", ", l,
               ") negative or not finite (got ", m(k, l), ")");
        }
        row_sum += m(k, l);
      }
      if (options.initial_error_strategy == quality::InitialErrorStrategy::assign &&
          !(row_sum > 0)) {
        fail(function, "'options.initial_error' record ", r, " has row ", k,
             " summing to 0 (every row of an assigned matrix needs mass)");
      }
    }
    const Eigen::Index j = crowd.annotators.find(initial[r].annotator);
    if (j < 0) continue;
    if (seen[static_cast<std::size_t>(j)] != 0) {
      fail(function, "'options.initial_error' record ", r, " repeats annotator ",
           initial[r].annotator);
    }
    seen[static_cast<std::size_t>(j)] = 1;
  }
  if (options.initial_error_strategy == quality::InitialErrorStrategy::assign) {
    for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
      if (seen[static_cast<std::size_t>(j)] == 0) {
        fail(function, "annotator ", crowd.annotators.id(j),
             " has no matrix in 'options.initial_error' (InitialErrorStrategy::assign needs one "
             "for every annotator)");
      }
    }
  }
}

/// Gives a shard's crowd the annotators of every shard (`all`, the merged CrowdState): dense
/// annotator indices into all.annotators() and answers per annotator over every shard.
template <class = void>
void rebase_annotators(Crowd& crowd, const quality::CrowdState& all, std::string_view function) {
  const std::string name(function);
  IdMap global = IdMap::from_ids(all.annotators(), name.c_str(), "the merged annotators");
  for (auto& j : crowd.annotator) j = global.find(crowd.annotators.id(j));
  crowd.annotators = std::move(global);
  crowd.answers_per_annotator.assign(all.answers_per_annotator().begin(),
                                     all.answers_per_annotator().end());
}

/// Validation, layout and the EM run shared by dawid_skene() and one_coin_dawid_skene(), serial
/// and distributed: `shards` is OneShard for one process, or a policy with the same members
/// plus merge_crowd(CrowdState) that agrees on local work, merges the crowd states and reduces
/// the M-step statistics across shards (distributed::dawid_skene). The result holds this
/// shard's items and every shard's annotators.
template <class Model, class Shards = OneShard>
quality::DawidSkeneResult run_dawid_skene(std::span<const Annotation> annotations, int n_classes,
                                          const quality::DawidSkeneOptions& options,
                                          Eigen::Index confusion_tables, std::string_view function,
                                          Shards&& shards = {}, const Parallel& parallel = {}) {
  auto [crowd, gold] = shards.local([&] {
    check_em_options(options.max_iterations, options.tolerance, options.smoothing, function);
    auto local = make_crowd(annotations, n_classes, function, EmptyInput::accept);
    check_tables(2, local.n_items(), n_classes, function, "the items x classes posterior");
    auto sets = gold_label_sets(options.gold, local.items, n_classes, function);
    return std::pair{std::move(local), std::move(sets)};
  });
  Eigen::Index total_items = crowd.n_items();
  if constexpr (!std::is_same_v<std::remove_cvref_t<Shards>, OneShard>) {
    const auto all =
        shards.merge_crowd(CrowdStateAccess::of_checked(annotations, n_classes, crowd.n_items()));
    rebase_annotators(crowd, all, function);
    total_items = static_cast<Eigen::Index>(all.n_items());
  }
  // Log confusion, its counts and their exact sums (six limbs): eight tables per matrix.
  check_tables(confusion_tables * crowd.n_annotators(), n_classes, n_classes, function,
               "the annotators x classes x classes confusion matrices");
  check_initial_error(options, crowd, confusion_tables == 1, function);
  Model model(crowd, options, total_items);
  auto run =
      run_em(crowd, gold, {options.max_iterations, options.tolerance, &options.progress, &parallel},
             model, shards);
  quality::DawidSkeneResult result;
  fill_em_result(crowd, std::move(run), result);
  model.fill(result);
  return result;
}

}  // namespace detail
namespace quality {

/// Dawid–Skene aggregation (Dawid & Skene 1979, "Maximum likelihood estimation of observer
/// error-rates using the EM algorithm").
///
/// Model: item i has a hidden true class z_i ~ pi; annotator j answers l with probability
/// theta_j(z_i, l), independently. EM starts from majority-vote proportions, then alternates
/// the M-step theta_j(k, l) = (n_jkl + s) / (sum_l n_jkl + C·s), pi_k = (sum_i T_ik + s) /
/// (I + C·s), with n_jkl = sum over j's answers l of T_ik and s = options.smoothing, and the
/// E-step T_ik ∝ pi_k prod_{answers (j, l) of i} theta_j(k, l), computed in log space with
/// log-sum-exp. Repeated answers by one annotator on one item each count, as in the paper.
/// options.initial_error (crowd-kit's DawidSkene(initial_error=...)) seeds the first M-step: its
/// matrices are added to the majority-vote expected counts (InitialErrorStrategy::addition) or
/// replace them (assign), before smoothing and normalisation.
/// Gold items have T clamped to their label (restricted to their labels if several). A confusion
/// row with no mass (possible only when smoothing = 0) is set uniform; it does not change the
/// objective. The expected counts n_jkl, the class mass and the objective's sum over items are
/// exact sums (detail::EmStatistics), rounded once: this is the one-shard case of
/// distributed::dawid_skene, which gives the same bits on any sharding of the items.
///
/// Complexity: each iteration is one pass over the records, O(N·C), plus O(J·C² + I·C) for J
/// annotators and I items; all buffers are allocated once, before the first iteration (with an
/// executor, one O(J·C²) count buffer per concurrently running chunk, in the first pass).
/// `parallel` (opt-in, serial by default) runs each pass in fixed chunks of items on its
/// executor, each chunk adding into its own exact integer counts: the result is bit-identical
/// to the serial run for any executor, thread count and grain.
/// No annotations give an empty result, as in crowd-kit: no items, no annotators, a
/// 0 x n_classes posterior, no confusion matrices, uniform priors, no iterations (converged).
/// @throws labelkit::invalid_argument if n_classes < 2 or above
///   labelkit::max_classes, the confusion matrices or posterior would exceed
///   labelkit::max_allocation_bytes, a record has a negative id or a label outside
///   [0, n_classes) (naming the record), an option is out of range, or a gold record is invalid;
///   labelkit::dimension_mismatch if an initial_error matrix is not n_classes x n_classes.
/// @tparam Scalar the scalar of the EM tables (double; a template parameter so that the EM code
///   is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] DawidSkeneResult dawid_skene(std::span<const Annotation> annotations, int n_classes,
                                           DawidSkeneOptions options = {},
                                           const Parallel& parallel = {}) {
  return detail::run_dawid_skene<detail::DawidSkeneModel<Scalar>>(
      annotations, n_classes, options, 8, "dawid_skene", detail::OneShard{}, parallel);
}

/// Dawid–Skene over an AnswerSet (e.g. `queue.answer_set()`): its gold labels (and any in
/// `options.gold`) are clamped during EM, and its label set gives the class count.
/// @throws as dawid_skene(annotations, n_classes, options).
/// @tparam Scalar as dawid_skene(annotations, n_classes, options).
template <class Scalar = double>
[[nodiscard]] DawidSkeneResult dawid_skene(const AnswerSet& answers, DawidSkeneOptions options = {},
                                           const Parallel& parallel = {}) {
  detail::check_answer_set(answers, "dawid_skene");
  options.gold = detail::merged_gold(answers, options.gold);
  return dawid_skene<Scalar>(answers.answers, answers.n_classes(), std::move(options), parallel);
}

/// One-coin Dawid–Skene: each annotator j has one accuracy p_j and spreads errors evenly, so
/// theta_j(k, l) = p_j if l = k, else (1 - p_j) / (C - 1). Fewer parameters (J instead of
/// J·C·(C - 1)), hence steadier on sparse crowds.
///
/// EM as in dawid_skene() (majority-vote start, log space, gold clamping, same objective
/// bookkeeping); the M-step is p_j = (c_j + s) / (n_j + 2s) with c_j = sum over j's answers l
/// on items i of T_il, n_j the number of j's answers and s = options.smoothing (a Beta(s + 1,
/// s + 1) prior; its log density up to a constant is added to the objective). The result's
/// `confusion` holds the implied matrices; their diagonal is p_j.
///
/// Complexity: O(N·C) per iteration, no allocation inside the iterations. No annotations give an
/// empty result, as dawid_skene(). `parallel` as in dawid_skene(): bit-identical to serial.
/// @throws labelkit::invalid_argument as dawid_skene(), and if options.initial_error is not empty.
/// @tparam Scalar as dawid_skene().
template <class Scalar = double>
[[nodiscard]] DawidSkeneResult one_coin_dawid_skene(std::span<const Annotation> annotations,
                                                    int n_classes, DawidSkeneOptions options = {},
                                                    const Parallel& parallel = {}) {
  return detail::run_dawid_skene<detail::OneCoinModel<Scalar>>(
      annotations, n_classes, options, 1, "one_coin_dawid_skene", detail::OneShard{}, parallel);
}

/// One-coin Dawid–Skene over an AnswerSet, its gold labels clamped (see dawid_skene(AnswerSet)).
/// @tparam Scalar as dawid_skene().
template <class Scalar = double>
[[nodiscard]] DawidSkeneResult one_coin_dawid_skene(const AnswerSet& answers,
                                                    DawidSkeneOptions options = {},
                                                    const Parallel& parallel = {}) {
  detail::check_answer_set(answers, "one_coin_dawid_skene");
  options.gold = detail::merged_gold(answers, options.gold);
  return one_coin_dawid_skene<Scalar>(answers.answers, answers.n_classes(), std::move(options),
                                      parallel);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
