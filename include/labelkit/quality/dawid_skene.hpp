#pragma once
/// @file
/// Dawid–Skene aggregation (Dawid & Skene 1979): EM over per-annotator confusion matrices, and
/// its one-coin variant (one accuracy per annotator). Both in log space, both with optional gold
/// items clamped during EM.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/detail/em.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

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
  /// Items whose true label is known: their posterior is clamped to it during EM. Gold records
  /// for items without annotations are ignored.
  std::vector<GoldLabel> gold = {};
  /// Optional progress callback (empty by default), e.g. to print a progress line: called once
  /// per EM iteration, after its M-step and E-step, with the 1-based iteration number and that
  /// iteration's objective, i.e. the value appended to DawidSkeneResult::log_likelihood. It
  /// does not change any result; an exception it throws propagates out of the aggregator.
  std::function<void(int iteration, double objective)> progress = {};
};

/// Result of dawid_skene() and one_coin_dawid_skene(). Rows are items in ascending item id.
struct DawidSkeneResult {
  std::vector<Eigen::Index> items;       ///< Distinct item ids, ascending.
  Eigen::MatrixXd posterior;             ///< items x classes, P(true class | answers).
  std::vector<int> labels;               ///< Row-wise argmax of posterior (ties to lower label).
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.
  /// One C x C row-stochastic matrix per annotator (ascending annotator id): entry (k, l) is
  /// P(annotator answers l | true class k).
  std::vector<Eigen::MatrixXd> confusion;
  Eigen::VectorXd priors;  ///< Class priors P(true class = k).
  /// The objective EM maximises, after each iteration: the log-likelihood of the answers (plus
  /// the log of the gold labels' probability), plus the log prior when smoothing > 0. Never
  /// decreases (up to rounding).
  std::vector<double> log_likelihood;
  int iterations = 0;      ///< EM iterations run.
  bool converged = false;  ///< Whether the tolerance test stopped EM.
};

}  // namespace quality
namespace detail {

inline void check_em_options(const quality::DawidSkeneOptions& options, std::string_view function) {
  if (options.max_iterations < 1) {
    fail(function, "'options.max_iterations' must be at least 1 (got ", options.max_iterations,
         ")");
  }
  check_nonnegative(options.tolerance, function, "options.tolerance");
  check_nonnegative(options.smoothing, function, "options.smoothing");
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
/// Gold items have T clamped to their label. A confusion row with no mass (possible only when
/// smoothing = 0) is set uniform; it does not change the objective.
///
/// Complexity: each iteration is one pass over the records, O(N·C), plus O(J·C² + I·C) for J
/// annotators and I items; all buffers are allocated once, before the first iteration.
/// @throws labelkit::invalid_argument if `annotations` is empty, n_classes < 2, a record has a
///   negative id or a label outside [0, n_classes) (naming the record), an option is out of
///   range, or a gold record is invalid.
[[nodiscard]] inline DawidSkeneResult dawid_skene(std::span<const Annotation> annotations,
                                                  int n_classes, DawidSkeneOptions options = {}) {
  constexpr const char* function = "dawid_skene";
  detail::check_em_options(options, function);
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(3 * crowd.n_annotators(), n_classes, n_classes, function,
                       "the annotators x classes x classes confusion matrices");
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  const auto gold = detail::dense_gold(options.gold, crowd.items, n_classes, function);
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index n_annotators = crowd.n_annotators();
  const Eigen::Index c = n_classes;
  const double alpha = options.smoothing;
  const auto cs = static_cast<std::size_t>(c);

  // Codes j·C + l index the C-long rows of `log_theta` (log theta_j(., l)) and `counts`.
  std::vector<Eigen::Index> code(crowd.record.size());
  for (std::size_t a = 0; a < code.size(); ++a) code[a] = crowd.annotator[a] * c + crowd.label[a];
  // Layout [j][l][k]: for one answer (j, l), the C values over true class k are contiguous.
  Eigen::MatrixXd log_theta(c, n_annotators * c);  // column j·C + l holds k = 0..C-1
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(c, n_annotators * c);
  Eigen::VectorXd log_prior(c);
  detail::PosteriorMatrix t(n_items, c);  // posteriors (and, mid-E-step, log-likelihood rows)
  std::vector<double> buffer(cs);

  auto accumulate_counts = [&]() {
    counts.setZero();
    for (Eigen::Index i = 0; i < n_items; ++i) {
      const auto begin = crowd.item_start[static_cast<std::size_t>(i)];
      const auto end = crowd.item_start[static_cast<std::size_t>(i) + 1];
      for (Eigen::Index a = begin; a < end; ++a) {
        counts.col(code[static_cast<std::size_t>(a)]) += t.row(i).transpose();
      }
    }
  };
  // M-step for the confusion matrices; returns the log-prior term alpha · sum log theta.
  auto update_confusion = [&]() {
    double term = 0;
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      for (Eigen::Index k = 0; k < c; ++k) {
        double row_total = 0;
        for (Eigen::Index l = 0; l < c; ++l) row_total += counts(k, j * c + l);
        const double denominator = row_total + alpha * static_cast<double>(c);
        for (Eigen::Index l = 0; l < c; ++l) {
          const double v = denominator > 0
                               ? std::log(counts(k, j * c + l) + alpha) - std::log(denominator)
                               : -std::log(static_cast<double>(c));
          log_theta(k, j * c + l) = v;
          if (alpha > 0) term += alpha * v;
        }
      }
    }
    return term;
  };

  DawidSkeneResult result;
  result.log_likelihood.reserve(static_cast<std::size_t>(options.max_iterations));
  Eigen::VectorXd mass(c);  // expected class counts, sum_i T_ik
  detail::initial_posterior(crowd, gold, t);
  accumulate_counts();
  detail::column_sums(t, mass);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    // M-step.
    double objective = update_confusion();
    objective += detail::update_priors(mass, n_items, alpha, log_prior);
    mass.setZero();
    counts.setZero();  // refilled from the new posteriors during the E-step pass
    // E-step, and the counts for the next M-step, in one pass over the records.
    for (Eigen::Index i = 0; i < n_items; ++i) {
      const auto begin = crowd.item_start[static_cast<std::size_t>(i)];
      const auto end = crowd.item_start[static_cast<std::size_t>(i) + 1];
      for (Eigen::Index k = 0; k < c; ++k) buffer[static_cast<std::size_t>(k)] = log_prior(k);
      for (Eigen::Index a = begin; a < end; ++a) {
        const double* column = log_theta.col(code[static_cast<std::size_t>(a)]).data();
        for (std::size_t k = 0; k < cs; ++k) buffer[k] += column[k];
      }
      const int g = gold[static_cast<std::size_t>(i)];
      double* row_buffer = buffer.data();
      if (g >= 0) {
        objective += row_buffer[g];
        for (std::size_t k = 0; k < cs; ++k) row_buffer[k] = 0;
        row_buffer[g] = 1;
      } else {
        objective += detail::softmax_in_place(row_buffer, n_classes);
      }
      double* t_row = t.row(i).data();
      for (std::size_t k = 0; k < cs; ++k) {
        t_row[k] = row_buffer[k];
        mass(static_cast<Eigen::Index>(k)) += row_buffer[k];
      }
      for (Eigen::Index a = begin; a < end; ++a) {
        double* column = counts.col(code[static_cast<std::size_t>(a)]).data();
        for (std::size_t k = 0; k < cs; ++k) column[k] += row_buffer[k];
      }
    }
    result.log_likelihood.push_back(objective);
    result.iterations = iteration + 1;
    if (options.progress) options.progress(result.iterations, objective);
    if (detail::em_converged(result.log_likelihood, options.tolerance)) {
      result.converged = true;
      break;
    }
  }
  // The posterior T is the E-step under the confusion matrices and priors reported below.
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.posterior = t;
  result.labels = detail::argmax_rows(result.posterior);
  result.priors = log_prior.array().exp().matrix();
  result.confusion.reserve(static_cast<std::size_t>(n_annotators));
  for (Eigen::Index j = 0; j < n_annotators; ++j) {
    result.confusion.emplace_back(log_theta.middleCols(j * c, c).array().exp().matrix());
  }
  return result;
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
/// Complexity: O(N·C) per iteration, no allocation inside the iterations.
/// @throws labelkit::invalid_argument as dawid_skene().
[[nodiscard]] inline DawidSkeneResult one_coin_dawid_skene(std::span<const Annotation> annotations,
                                                           int n_classes,
                                                           DawidSkeneOptions options = {}) {
  constexpr const char* function = "one_coin_dawid_skene";
  detail::check_em_options(options, function);
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(crowd.n_annotators(), n_classes, n_classes, function,
                       "the annotators x classes x classes confusion matrices");
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  const auto gold = detail::dense_gold(options.gold, crowd.items, n_classes, function);
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index n_annotators = crowd.n_annotators();
  const Eigen::Index c = n_classes;
  const auto cs = static_cast<std::size_t>(c);
  const double alpha = options.smoothing;
  const double log_spread = std::log(static_cast<double>(c - 1));

  Eigen::VectorXd correct(n_annotators);   // expected correct answers per annotator
  Eigen::VectorXd log_hit(n_annotators);   // log p_j
  Eigen::VectorXd log_miss(n_annotators);  // log((1 - p_j) / (C - 1))
  Eigen::VectorXd log_prior(c);
  detail::PosteriorMatrix t(n_items, c);
  std::vector<double> buffer(cs);

  auto accumulate_correct = [&]() {
    correct.setZero();
    for (Eigen::Index i = 0; i < n_items; ++i) {
      for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
           a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
        const auto s = static_cast<std::size_t>(a);
        correct(crowd.annotator[s]) += t(i, crowd.label[s]);
      }
    }
  };

  DawidSkeneResult result;
  result.log_likelihood.reserve(static_cast<std::size_t>(options.max_iterations));
  Eigen::VectorXd mass(c);
  detail::initial_posterior(crowd, gold, t);
  accumulate_correct();
  detail::column_sums(t, mass);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    double objective = detail::update_priors(mass, n_items, alpha, log_prior);
    mass.setZero();
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      const auto n_j =
          static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
      const double denominator = std::log(n_j + 2 * alpha);
      // min() guards against rounding pushing the expected count a hair above n_j.
      const double hit = std::min(correct(j), n_j);
      log_hit(j) = std::log(hit + alpha) - denominator;
      const double log_wrong = std::log(n_j - hit + alpha) - denominator;
      log_miss(j) = log_wrong - log_spread;
      if (alpha > 0) objective += alpha * (log_hit(j) + log_wrong);
    }
    correct.setZero();
    for (Eigen::Index i = 0; i < n_items; ++i) {
      const auto begin = crowd.item_start[static_cast<std::size_t>(i)];
      const auto end = crowd.item_start[static_cast<std::size_t>(i) + 1];
      for (std::size_t k = 0; k < cs; ++k) buffer[k] = log_prior(static_cast<Eigen::Index>(k));
      for (Eigen::Index a = begin; a < end; ++a) {
        const auto s = static_cast<std::size_t>(a);
        const Eigen::Index j = crowd.annotator[s];
        const auto l = static_cast<std::size_t>(crowd.label[s]);
        for (std::size_t k = 0; k < cs; ++k) buffer[k] += k == l ? log_hit(j) : log_miss(j);
      }
      const int g = gold[static_cast<std::size_t>(i)];
      if (g >= 0) {
        objective += buffer[static_cast<std::size_t>(g)];
        std::fill(buffer.begin(), buffer.end(), 0.0);
        buffer[static_cast<std::size_t>(g)] = 1;
      } else {
        objective += detail::softmax_in_place(buffer.data(), n_classes);
      }
      for (std::size_t k = 0; k < cs; ++k) {
        t(i, static_cast<Eigen::Index>(k)) = buffer[k];
        mass(static_cast<Eigen::Index>(k)) += buffer[k];
      }
      for (Eigen::Index a = begin; a < end; ++a) {
        const auto s = static_cast<std::size_t>(a);
        correct(crowd.annotator[s]) += buffer[static_cast<std::size_t>(crowd.label[s])];
      }
    }
    result.log_likelihood.push_back(objective);
    result.iterations = iteration + 1;
    if (options.progress) options.progress(result.iterations, objective);
    if (detail::em_converged(result.log_likelihood, options.tolerance)) {
      result.converged = true;
      break;
    }
  }
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.posterior = t;
  result.labels = detail::argmax_rows(result.posterior);
  result.priors = log_prior.array().exp().matrix();
  result.confusion.reserve(static_cast<std::size_t>(n_annotators));
  for (Eigen::Index j = 0; j < n_annotators; ++j) {
    Eigen::MatrixXd m = Eigen::MatrixXd::Constant(c, c, std::exp(log_miss(j)));
    m.diagonal().setConstant(std::exp(log_hit(j)));
    result.confusion.push_back(std::move(m));
  }
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
