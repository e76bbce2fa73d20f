#pragma once
/// @file
/// GLAD (Whitehill, Ruvolo, Wu, Bergsma & Movellan 2009, "Whose vote should count more"):
/// aggregation with an ability per annotator and a difficulty per item.

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

/// Options of glad().
struct GladOptions {
  int max_iterations = 100;    ///< EM iterations, >= 1.
  double tolerance = 1e-7;     ///< Relative change of the objective that stops EM (0: never).
  int gradient_steps = 5;      ///< Gradient-ascent steps per M-step, >= 1.
  double learning_rate = 1.0;  ///< Step size, scaled by 1 / (answers of the parameter + 1); > 0.
  double smoothing = 0.01;     ///< Pseudo-count on the class priors, >= 0.
  std::vector<GoldLabel> gold = {};  ///< Items clamped to a known label during EM.
  /// Optional progress callback (empty by default): called once per EM iteration, after its
  /// M-step and E-step, with the 1-based iteration and that iteration's objective (the value
  /// appended to GladResult::log_likelihood). It does not change any result; an exception it
  /// throws propagates out of glad().
  std::function<void(int iteration, double objective)> progress = {};
};

/// Result of glad(). Rows are items in ascending item id.
struct GladResult {
  std::vector<Eigen::Index> items;       ///< Distinct item ids, ascending.
  Eigen::MatrixXd posterior;             ///< items x classes.
  std::vector<int> labels;               ///< Row-wise argmax (ties to the lower label).
  std::vector<Eigen::Index> annotators;  ///< Distinct annotator ids, ascending.
  Eigen::VectorXd ability;               ///< alpha_j per annotator (> 0 better than chance).
  Eigen::VectorXd difficulty;            ///< 1 / beta_i per item (larger = harder).
  Eigen::VectorXd priors;                ///< Class priors.
  std::vector<double> log_likelihood;    ///< Objective per iteration (log-lik + log priors).
  int iterations = 0;                    ///< EM iterations run.
  bool converged = false;                ///< Whether the tolerance test stopped EM.
};

}  // namespace quality
namespace detail {

/// log sigma(x), stable for large |x|.
[[nodiscard]] inline double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

}  // namespace detail
namespace quality {

/// GLAD, multi-class as in crowd-kit: annotator j answers item i correctly with probability
/// sigma(alpha_j · beta_i), and otherwise picks one of the C - 1 wrong labels uniformly.
/// alpha_j is the ability (negative = adversarial), beta_i = exp(b_i) > 0 the inverse
/// difficulty. Priors: alpha ~ N(1, 1), b ~ N(0, 1), as in the paper.
///
/// EM: the E-step is exact (log space); the M-step takes `gradient_steps` steps of gradient
/// ascent on the expected complete-data log posterior, each scaled by 1 / (n + 1) for a
/// parameter seen in n answers, so the objective usually, but not provably, increases.
/// Complexity O(N·(C + gradient_steps)) per iteration; no allocation inside the iterations.
/// @throws labelkit::invalid_argument for bad annotations (naming the record), bad options or
///   a bad gold record.
[[nodiscard]] inline GladResult glad(std::span<const Annotation> annotations, int n_classes,
                                     GladOptions options = {}) {
  constexpr const char* function = "glad";
  if (options.max_iterations < 1 || options.gradient_steps < 1) {
    detail::fail(function,
                 "'options.max_iterations' and 'options.gradient_steps' must be at "
                 "least 1 (got ",
                 options.max_iterations, " and ", options.gradient_steps, ")");
  }
  detail::check_nonnegative(options.tolerance, function, "options.tolerance");
  detail::check_nonnegative(options.smoothing, function, "options.smoothing");
  if (!(options.learning_rate > 0) || std::isinf(options.learning_rate)) {
    detail::fail(function, "'options.learning_rate' must be finite and > 0 (got ",
                 options.learning_rate, ")");
  }
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  const auto gold = detail::dense_gold(options.gold, crowd.items, n_classes, function);
  const Eigen::Index n_items = crowd.n_items();
  const Eigen::Index n_annotators = crowd.n_annotators();
  const Eigen::Index c = n_classes;
  const auto cs = static_cast<std::size_t>(c);
  const double log_spread = std::log(static_cast<double>(c - 1));

  Eigen::VectorXd alpha = Eigen::VectorXd::Ones(n_annotators);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n_items);  // log beta
  Eigen::VectorXd grad_alpha(n_annotators);
  Eigen::VectorXd grad_b(n_items);
  Eigen::VectorXd log_prior(c);
  detail::PosteriorMatrix t(n_items, c);
  std::vector<double> buffer(cs);

  auto m_step = [&]() {
    for (int step = 0; step < options.gradient_steps; ++step) {
      grad_alpha = -(alpha.array() - 1.0).matrix();
      grad_b = -b;
      for (Eigen::Index i = 0; i < n_items; ++i) {
        const double beta = std::exp(b(i));
        for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
             a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
          const auto s = static_cast<std::size_t>(a);
          const Eigen::Index j = crowd.annotator[s];
          const double x = alpha(j) * beta;
          const double g = t(i, crowd.label[s]) - std::exp(detail::log_sigmoid(x));
          grad_alpha(j) += g * beta;
          grad_b(i) += g * x;
        }
      }
      for (Eigen::Index j = 0; j < n_annotators; ++j) {
        const auto n =
            static_cast<double>(crowd.answers_per_annotator[static_cast<std::size_t>(j)]);
        alpha(j) += options.learning_rate * grad_alpha(j) / (n + 1);
      }
      for (Eigen::Index i = 0; i < n_items; ++i) {
        const auto n = static_cast<double>(crowd.item_start[static_cast<std::size_t>(i) + 1] -
                                           crowd.item_start[static_cast<std::size_t>(i)]);
        b(i) += options.learning_rate * grad_b(i) / (n + 1);
      }
    }
  };

  GladResult result;
  result.log_likelihood.reserve(static_cast<std::size_t>(options.max_iterations));
  Eigen::VectorXd mass(c);
  detail::initial_posterior(crowd, gold, t);
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    detail::column_sums(t, mass);
    double objective = detail::update_priors(mass, n_items, options.smoothing, log_prior);
    m_step();
    objective -= 0.5 * ((alpha.array() - 1.0).square().sum() + b.squaredNorm());
    for (Eigen::Index i = 0; i < n_items; ++i) {
      const double beta = std::exp(b(i));
      for (std::size_t k = 0; k < cs; ++k) buffer[k] = log_prior(static_cast<Eigen::Index>(k));
      for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
           a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
        const auto s = static_cast<std::size_t>(a);
        const double x = alpha(crowd.annotator[s]) * beta;
        const double hit = detail::log_sigmoid(x);
        const double miss = detail::log_sigmoid(-x) - log_spread;
        const auto l = static_cast<std::size_t>(crowd.label[s]);
        for (std::size_t k = 0; k < cs; ++k) buffer[k] += k == l ? hit : miss;
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
  result.ability = alpha;
  result.difficulty = (-b.array()).exp().matrix();
  result.priors = log_prior.array().exp().matrix();
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
