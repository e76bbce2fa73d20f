#pragma once
/// @file
/// MACE (Hovy, Berg-Kirkpatrick, Vaswani & Hovy 2013, "Learning whom to trust with MACE"):
/// each annotator either knows the answer or spams from a personal label distribution.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
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

/// Options of mace().
struct MaceOptions {
  int max_iterations = 100;  ///< EM iterations, >= 1.
  double tolerance = 1e-8;   ///< Relative change of the objective that stops EM (0: never).
  /// Pseudo-count added to the expected counts of both competence outcomes and of every spam
  /// label (MAP under Beta / Dirichlet(smoothing + 1) priors). >= 0.
  double smoothing = 0.5;
  std::vector<GoldLabel> gold = {};  ///< Items clamped to a known label during EM.
  /// Optional progress callback (empty by default): called once per EM iteration, after its
  /// M-step and E-step, with the 1-based iteration and that iteration's objective (the value
  /// appended to MaceResult::log_likelihood). It does not change any result; an exception it
  /// throws propagates out of mace().
  std::function<void(int iteration, double objective)> progress = {};
};

/// Result of mace(). Rows are items in ascending item id.
struct MaceResult {
  std::vector<Eigen::Index> items;       ///< Distinct item ids, ascending.
  Eigen::MatrixXd posterior;             ///< items x classes.
  std::vector<int> labels;               ///< Row-wise argmax (ties to the lower label).
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.
  Eigen::VectorXd competence;            ///< theta_j: probability of not spamming.
  Eigen::MatrixXd spam;                  ///< annotators x classes spam distributions xi_j.
  std::vector<double> log_likelihood;    ///< Objective per iteration; never decreases.
  int iterations = 0;                    ///< EM iterations run.
  bool converged = false;                ///< Whether the tolerance test stopped EM.
};

/// MACE by EM. The true label is uniform over the C classes; annotator j answers it with
/// probability theta_j and otherwise draws a label from xi_j, so
/// P(answer l | true k) = theta_j [l = k] + (1 - theta_j) xi_j(l).
///
/// EM starts from majority-vote posteriors (theta = 0.5, xi uniform for the first expected
/// counts). M-step: theta_j = (E[not spam] + s) / (n_j + 2s), xi_j(l) = (E[spam with l] + s) /
/// (E[spam] + C·s), with s = options.smoothing; the objective (log-likelihood plus the log
/// priors) never decreases. Complexity O(N·C) per iteration, no allocation inside the
/// iterations. The paper's variational-Bayes variant and random restarts are not included.
/// @throws labelkit::invalid_argument for bad annotations (naming the record), bad options or
///   a bad gold record.
[[nodiscard]] inline MaceResult mace(std::span<const Annotation> annotations, int n_classes,
                                     MaceOptions options = {}) {
  constexpr const char* function = "mace";
  if (options.max_iterations < 1) {
    detail::fail(function, "'options.max_iterations' must be at least 1 (got ",
                 options.max_iterations, ")");
  }
  detail::check_nonnegative(options.tolerance, function, "options.tolerance");
  detail::check_nonnegative(options.smoothing, function, "options.smoothing");
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  detail::check_tables(4, crowd.n_annotators(), n_classes, function,
                       "the annotators x classes spam tables");
  const auto gold = detail::dense_gold(options.gold, crowd.items, n_classes, function);
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index n_annotators = crowd.n_annotators();
  const Eigen::Index c = n_classes;
  const auto cs = static_cast<std::size_t>(c);
  const double s = options.smoothing;
  const double log_uniform = -std::log(static_cast<double>(c));

  Eigen::VectorXd theta = Eigen::VectorXd::Constant(n_annotators, 0.5);
  Eigen::MatrixXd xi = Eigen::MatrixXd::Constant(n_annotators, c, 1.0 / static_cast<double>(c));
  Eigen::MatrixXd log_hit(n_annotators, c);   // log(theta + (1 - theta) xi_l)
  Eigen::MatrixXd log_miss(n_annotators, c);  // log((1 - theta) xi_l)
  Eigen::VectorXd log_theta(n_annotators);
  Eigen::VectorXd not_spam(n_annotators);
  Eigen::MatrixXd spam_counts(n_annotators, c);
  detail::PosteriorMatrix t(n_items, c);
  std::vector<double> buffer(cs);

  auto refresh_logs = [&]() {
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      log_theta(j) = std::log(theta(j));
      for (Eigen::Index l = 0; l < c; ++l) {
        log_hit(j, l) = std::log(theta(j) + (1 - theta(j)) * xi(j, l));
        log_miss(j, l) = std::log((1 - theta(j)) * xi(j, l));
      }
    }
  };
  // Expected counts from the posterior row of item i (held in `row`).
  auto accumulate = [&](Eigen::Index i, const double* row) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto q = static_cast<std::size_t>(a);
      const Eigen::Index j = crowd.annotator[q];
      const int l = crowd.label[q];
      const double hit = log_hit(j, l);
      const double knows = std::isinf(hit) ? 0.0 : row[l] * std::exp(log_theta(j) - hit);
      not_spam(j) += knows;
      spam_counts(j, l) += 1 - knows;
    }
  };

  MaceResult result;
  result.log_likelihood.reserve(static_cast<std::size_t>(options.max_iterations));
  detail::initial_posterior(crowd, gold, t);
  refresh_logs();
  not_spam.setZero();
  spam_counts.setZero();
  for (Eigen::Index i = 0; i < n_items; ++i) {
    for (std::size_t k = 0; k < cs; ++k) buffer[k] = t(i, static_cast<Eigen::Index>(k));
    accumulate(i, buffer.data());
  }
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    // M-step.
    double objective = 0;
    for (Eigen::Index j = 0; j < n_annotators; ++j) {
      const auto n_j =
          static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
      const double knows = std::min(not_spam(j), n_j);
      theta(j) = (knows + s) / (n_j + 2 * s);
      const double spam_total = spam_counts.row(j).sum();
      const double denominator = spam_total + static_cast<double>(c) * s;
      for (Eigen::Index l = 0; l < c; ++l) {
        xi(j, l) =
            denominator > 0 ? (spam_counts(j, l) + s) / denominator : 1.0 / static_cast<double>(c);
        if (s > 0) objective += s * std::log(xi(j, l));
      }
      if (s > 0) objective += s * (std::log(theta(j)) + std::log(1 - theta(j)));
    }
    refresh_logs();
    not_spam.setZero();
    spam_counts.setZero();
    // E-step and expected counts, one pass.
    for (Eigen::Index i = 0; i < n_items; ++i) {
      for (std::size_t k = 0; k < cs; ++k) buffer[k] = log_uniform;
      for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
           a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
        const auto q = static_cast<std::size_t>(a);
        const Eigen::Index j = crowd.annotator[q];
        const auto l = static_cast<Eigen::Index>(crowd.label[q]);
        const double hit = log_hit(j, l);
        const double miss = log_miss(j, l);
        for (std::size_t k = 0; k < cs; ++k) {
          buffer[k] += static_cast<Eigen::Index>(k) == l ? hit : miss;
        }
      }
      const int g = gold[static_cast<std::size_t>(i)];
      if (g >= 0) {
        objective += buffer[static_cast<std::size_t>(g)];
        std::fill(buffer.begin(), buffer.end(), 0.0);
        buffer[static_cast<std::size_t>(g)] = 1;
      } else {
        objective += detail::softmax_in_place(buffer.data(), n_classes);
      }
      for (std::size_t k = 0; k < cs; ++k) t(i, static_cast<Eigen::Index>(k)) = buffer[k];
      accumulate(i, buffer.data());
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
  result.labels = detail::argmax_rows(t);
  result.competence = theta;
  result.spam = xi;
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
