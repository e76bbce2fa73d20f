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
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/aggregation.hpp"
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
  /// Keep the class priors fixed at uniform instead of learning them (crowd-kit's GLAD does:
  /// its priors are uniform over the labels unless given). `smoothing` is then unused.
  bool fixed_priors = false;
  /// Prior mean m of the log inverse difficulty, b ~ N(m, 1), and b's starting value: 0 by
  /// default; crowd-kit's GLAD uses 1 (finite).
  double log_difficulty_mean = 0.0;
  /// Items clamped to a known label during EM (restricted to their labels if an item has
  /// several, as DawidSkeneOptions::gold).
  std::vector<GoldLabel> gold = {};
  /// Optional progress callback (empty by default): called once per EM iteration, after its
  /// M-step and E-step, with the 1-based iteration and that iteration's objective (the value
  /// appended to GladResult::log_likelihood). It does not change any result; an exception it
  /// throws propagates out of glad().
  std::function<void(const EmProgress&)> progress = {};
};

/// Result of glad(): the shared Aggregation (items in ascending id, posterior, labels,
/// annotators, lookup by id) and EmTrace (objective per iteration: log-likelihood + log priors).
struct GladResult : Aggregation, EmTrace {
  Eigen::VectorXd ability;     ///< alpha_j per annotator (> 0 better than chance).
  Eigen::VectorXd difficulty;  ///< 1 / beta_i per item (larger = harder).
  Eigen::VectorXd priors;      ///< Class priors.
};

}  // namespace quality
namespace detail {

/// log sigma(x), stable for large |x|.
[[nodiscard]] inline double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

/// The EM model of glad(): ability alpha_j per annotator, log inverse difficulty b_i per item,
/// class priors. `Scalar` is the scalar of its tables (double).
template <class Scalar>
class GladModel {
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  GladModel(const Crowd& crowd, const quality::GladOptions& options)
      : crowd_(&crowd),
        c_(crowd.n_classes),
        options_(&options),
        log_spread_(std::log(static_cast<double>(crowd.n_classes - 1))),
        alpha_(Vector::Ones(crowd.n_annotators())),
        b_(Vector::Constant(crowd.n_items(), options.log_difficulty_mean)),
        grad_alpha_(crowd.n_annotators()),
        grad_b_(crowd.n_items()),
        log_prior_(Vector::Constant(c_, -std::log(static_cast<double>(c_)))),
        mass_(Vector::Zero(c_)) {}

  void accumulate(Eigen::Index /*i*/, const double* row) {
    for (Eigen::Index k = 0; k < c_; ++k) mass_(k) += row[k];
  }

  double m_step(const PosteriorMatrix& t) {
    double objective = options_->fixed_priors ? 0.0
                                              : update_priors(mass_, crowd_->n_items(),
                                                              options_->smoothing, log_prior_);
    mass_.setZero();
    const double mean = options_->log_difficulty_mean;
    const double rate = options_->learning_rate;
    for (int step = 0; step < options_->gradient_steps; ++step) {
      grad_alpha_ = -(alpha_.array() - 1.0).matrix();
      grad_b_ = -(b_.array() - mean).matrix();
      for (Eigen::Index i = 0; i < crowd_->n_items(); ++i) {
        const double beta = std::exp(b_(i));
        for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
          const auto s = static_cast<std::size_t>(a);
          const Eigen::Index j = crowd_->annotator[s];
          const double x = alpha_(j) * beta;
          const double g = t(i, crowd_->label[s]) - std::exp(log_sigmoid(x));
          grad_alpha_(j) += g * beta;
          grad_b_(i) += g * x;
        }
      }
      for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
        const auto n =
            static_cast<double>(crowd_->answers_per_annotator[static_cast<std::size_t>(j)]);
        alpha_(j) += rate * grad_alpha_(j) / (n + 1);
      }
      for (Eigen::Index i = 0; i < crowd_->n_items(); ++i) {
        const auto n = static_cast<double>(crowd_->end(i) - crowd_->begin(i));
        b_(i) += rate * grad_b_(i) / (n + 1);
      }
    }
    objective -= 0.5 * ((alpha_.array() - 1.0).square().sum() + (b_.array() - mean).square().sum());
    return objective;
  }

  void log_joint(Eigen::Index i, double* row) const {
    const double beta = std::exp(b_(i));
    for (Eigen::Index k = 0; k < c_; ++k) row[k] = log_prior_(k);
    for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      const double x = alpha_(crowd_->annotator[s]) * beta;
      const double hit = log_sigmoid(x);
      const double miss = log_sigmoid(-x) - log_spread_;
      const Eigen::Index l = crowd_->label[s];
      for (Eigen::Index k = 0; k < c_; ++k) row[k] += k == l ? hit : miss;
    }
  }

  /// Abilities, difficulties and priors, into `result`.
  void fill(quality::GladResult& result) const {
    result.ability = alpha_;
    result.difficulty = (-b_.array()).exp().matrix();
    result.priors = log_prior_.array().exp().matrix();
  }

 private:
  const Crowd* crowd_;
  Eigen::Index c_;
  const quality::GladOptions* options_;
  double log_spread_;
  Vector alpha_;
  Vector b_;  // log beta
  Vector grad_alpha_;
  Vector grad_b_;
  Vector log_prior_;
  Vector mass_;
};

}  // namespace detail
namespace quality {

/// GLAD, multi-class (the model crowd-kit uses): annotator j answers item i correctly with
/// probability sigma(alpha_j · beta_i), and otherwise picks one of the C - 1 wrong labels
/// uniformly. alpha_j is the ability (negative = adversarial), beta_i = exp(b_i) > 0 the inverse
/// difficulty. Priors: alpha ~ N(1, 1), b ~ N(0, 1), as in the paper.
///
/// EM: the E-step is exact (log space); the M-step takes `gradient_steps` steps of gradient
/// ascent on the expected complete-data log posterior, each scaled by 1 / (n + 1) for a
/// parameter seen in n answers, so the objective usually, but not provably, increases.
///
/// The model is crowd-kit's, the fit is not, and the labels can differ. crowd-kit's GLAD
/// (crowdkit/aggregation/classification/glad.py) keeps the class priors fixed (uniform over
/// the labels seen, unless given) where labelkit by default learns them (smoothed by
/// options.smoothing); it uses the prior b ~ N(1, 1) and starts from alpha = 1, b = 1, where
/// labelkit by default uses b ~ N(0, 1) and starts from b = 0. `fixed_priors = true` and
/// `log_difficulty_mean = 1` set both as crowd-kit has them (on crowd-kit's `simple` fixture
/// this gives crowd-kit's labels, 10 of 10 right, where the defaults give 9). What remains
/// different: crowd-kit's first E-step is uniform where labelkit starts from the majority-vote
/// posterior; its M-step is scipy's conjugate gradient (at most 25 steps, tolerance 0.01) where
/// labelkit takes `gradient_steps` scaled gradient steps; and it stops when the objective divided
/// by the number of answers rises by less than 1e-5. So abilities and posteriors agree only
/// roughly (within 0.2 and 0.15 on crowd-kit's toy and simple fixtures).
///
/// Complexity O(N·(C + gradient_steps)) per iteration; no allocation inside the iterations.
/// No annotations give an empty result (no items, no annotators, uniform priors, no iterations).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), bad options or
///   a bad gold record.
/// @tparam Scalar the scalar of the EM tables (double; a template parameter so that the EM code
///   is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] GladResult glad(std::span<const Annotation> annotations, int n_classes,
                              GladOptions options = {}) {
  constexpr const char* function = "glad";
  if (options.max_iterations < 1 || options.gradient_steps < 1) {
    detail::fail(function,
                 "'options.max_iterations' and 'options.gradient_steps' must be at "
                 "least 1 (got ",
                 options.max_iterations, " and ", options.gradient_steps, ")");
  }
  detail::check_em_options(options.max_iterations, options.tolerance, options.smoothing, function);
  if (!std::isfinite(options.log_difficulty_mean)) {
    detail::fail(function, "'options.log_difficulty_mean' must be finite (got ",
                 options.log_difficulty_mean, ")");
  }
  if (!(options.learning_rate > 0) || std::isinf(options.learning_rate)) {
    detail::fail(function, "'options.learning_rate' must be finite and > 0 (got ",
                 options.learning_rate, ")");
  }
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  const auto gold = detail::gold_label_sets(options.gold, crowd.items, n_classes, function);
  detail::GladModel<Scalar> model(crowd, options);
  auto run = detail::run_em(crowd, gold,
                            {options.max_iterations, options.tolerance, &options.progress}, model);
  GladResult result;
  detail::fill_em_result(crowd, std::move(run), result);
  model.fill(result);
  return result;
}

/// GLAD over an AnswerSet, its gold labels clamped during EM (see dawid_skene(AnswerSet)).
/// @tparam Scalar as glad(annotations, n_classes, options).
template <class Scalar = double>
[[nodiscard]] GladResult glad(const AnswerSet& answers, GladOptions options = {}) {
  detail::check_answer_set(answers, "glad");
  options.gold = detail::merged_gold(answers, options.gold);
  return glad<Scalar>(answers.answers, answers.n_classes(), std::move(options));
}

}  // namespace quality
LABELKIT_END_NAMESPACE
