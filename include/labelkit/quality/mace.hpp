#pragma once
/// @file
/// MACE (Hovy, Berg-Kirkpatrick, Vaswani & Hovy 2013, "Learning whom to trust with MACE"):
/// each annotator either knows the answer or spams from a personal label distribution.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/detail/em.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// How mace() estimates its parameters.
enum class MaceMethod {
  em,  ///< EM with MAP M-steps (Beta / Dirichlet(smoothing + 1) priors): the default.
  /// Variational Bayes (Hovy et al. 2013, section 2.2; crowd-kit's method="vb"): the M-step sets
  /// each parameter to exp(digamma(count + prior) - digamma(total + prior total)), with
  /// Beta(spam_prior_knows, spam_prior_spams)-style priors on competence and a symmetric
  /// Dirichlet(strategy_prior) on the spam distribution.
  variational_bayes,
};

/// Options of mace().
struct MaceOptions {
  int max_iterations = 100;  ///< EM iterations, >= 1.
  double tolerance = 1e-8;   ///< Relative change of the objective that stops EM (0: never).
  /// Pseudo-count added to the expected counts of both competence outcomes and of every spam
  /// label (MAP under Beta / Dirichlet(smoothing + 1) priors). >= 0.
  double smoothing = 0.5;
  /// Items clamped to a known label during EM (restricted to their labels if an item has
  /// several, as DawidSkeneOptions::gold).
  std::vector<GoldLabel> gold = {};
  /// Optional progress callback (empty by default): called once per EM iteration, after its
  /// M-step and E-step, with the 1-based iteration and that iteration's objective (the value
  /// appended to MaceResult::log_likelihood). It does not change any result; an exception it
  /// throws propagates out of mace().
  std::function<void(const EmProgress&)> progress = {};
  MaceMethod method = MaceMethod::em;  ///< EM (MAP) or variational Bayes.
  /// Variational Bayes: prior pseudo-count of "knows" (crowd-kit's beta), > 0.
  double prior_knows = 0.5;
  /// Variational Bayes: prior pseudo-count of "spams" (crowd-kit's alpha), > 0.
  double prior_spams = 0.5;
  /// Variational Bayes: Dirichlet pseudo-count of every spam label (crowd-kit: 10), > 0.
  double strategy_prior = 10.0;
  /// Runs of the fit; the one with the highest final objective is kept (ties: the earlier).
  /// Run 0 starts from the majority-vote posterior (unless majority_vote_start is false); the
  /// others from random parameters (crowd-kit's n_restarts). >= 1.
  int restarts = 1;
  /// Whether run 0 starts from the majority-vote posterior (true, the default) or, like every
  /// run of crowd-kit, from random parameters.
  bool majority_vote_start = true;
  std::uint64_t seed = 0;  ///< Seed of the random starts (labelkit::Random).
  /// Random starts draw competence and spam weights from U[1, 1 + start_noise] and normalise
  /// them, as crowd-kit's default_noise. >= 0.
  double start_noise = 0.5;
};

/// Result of mace(): the shared Aggregation (items in ascending id, posterior, labels,
/// annotators, lookup by id) and EmTrace (objective per iteration; never decreases).
struct MaceResult : Aggregation, EmTrace {
  Eigen::VectorXd competence;  ///< theta_j: probability of not spamming.
  Eigen::MatrixXd spam;        ///< annotators x classes spam distributions xi_j.
  int restart = 0;             ///< Which run (of options.restarts) was kept.
};

}  // namespace quality
namespace detail {

/// The digamma function psi(x) for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 6,
/// then the asymptotic series (error below 1e-12 there). A template so that it is compiled only
/// where it is used.
template <class Scalar = double>
[[nodiscard]] Scalar digamma(Scalar x) {
  Scalar result = 0;
  while (x < Scalar(6)) {
    result -= Scalar(1) / x;
    x += Scalar(1);
  }
  const Scalar f = Scalar(1) / (x * x);
  result += std::log(x) - Scalar(0.5) / x -
            f * (Scalar(1) / 12 -
                 f * (Scalar(1) / 120 -
                      f * (Scalar(1) / 252 - f * (Scalar(1) / 240 - f * Scalar(1) / 132))));
  return result;
}

/// The EM model of mace(): competence theta_j and spam distribution xi_j per annotator, a
/// uniform class prior. `Scalar` is the scalar of its tables (double).
template <class Scalar>
class MaceModel {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  MaceModel(const Crowd& crowd, const quality::MaceOptions& options, Random* random_start)
      : crowd_(&crowd),
        options_(&options),
        c_(crowd.n_classes),
        s_(options.smoothing),
        log_uniform_(-std::log(static_cast<double>(crowd.n_classes))),
        theta_(Vector::Constant(crowd.n_annotators(), 0.5)),
        spams_(Vector::Constant(crowd.n_annotators(), 0.5)),
        xi_(Matrix::Constant(crowd.n_annotators(), c_, 1.0 / static_cast<double>(c_))),
        log_hit_(crowd.n_annotators(), c_),
        log_miss_(crowd.n_annotators(), c_),
        log_theta_(crowd.n_annotators()),
        not_spam_(Vector::Zero(crowd.n_annotators())),
        spam_counts_(Matrix::Zero(crowd.n_annotators(), c_)) {
    if (random_start != nullptr) {
      // Random parameters, kept by the first M-step: U[1, 1 + noise] weights, normalised.
      const double noise = options.start_noise;
      for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
        const double spams = 1 + noise * random_start->uniform01();
        const double knows = 1 + noise * random_start->uniform01();
        theta_(j) = knows / (knows + spams);
        spams_(j) = 1 - theta_(j);
        double total = 0;
        for (Eigen::Index l = 0; l < c_; ++l) {
          xi_(j, l) = 1 + noise * random_start->uniform01();
          total += xi_(j, l);
        }
        xi_.row(j) /= total;
      }
      keep_start_ = true;
    }
    refresh_logs();
  }

  // Expected counts from the posterior row of item i.
  void accumulate(Eigen::Index i, const double* row) {
    for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
      const auto q = static_cast<std::size_t>(a);
      const Eigen::Index j = crowd_->annotator[q];
      const int l = crowd_->label[q];
      const double hit = log_hit_(j, l);
      const double knows = std::isinf(hit) ? 0.0 : row[l] * std::exp(log_theta_(j) - hit);
      not_spam_(j) += knows;
      spam_counts_(j, l) += 1 - knows;
    }
  }

  double m_step(const PosteriorMatrix& /*t*/) {
    double objective = 0;
    if (keep_start_) {
      keep_start_ = false;
    } else if (options_->method == quality::MaceMethod::variational_bayes) {
      variational_m_step();
    } else {
      objective = map_m_step();
    }
    refresh_logs();
    not_spam_.setZero();
    spam_counts_.setZero();
    return objective;
  }

  void log_joint(Eigen::Index i, double* row) const {
    for (Eigen::Index k = 0; k < c_; ++k) row[k] = log_uniform_;
    for (Eigen::Index a = crowd_->begin(i); a < crowd_->end(i); ++a) {
      const auto q = static_cast<std::size_t>(a);
      const Eigen::Index j = crowd_->annotator[q];
      const auto l = static_cast<Eigen::Index>(crowd_->label[q]);
      const double hit = log_hit_(j, l);
      const double miss = log_miss_(j, l);
      for (Eigen::Index k = 0; k < c_; ++k) row[k] += k == l ? hit : miss;
    }
  }

  /// Competences and spam distributions, into `result`.
  void fill(quality::MaceResult& result) const {
    result.competence = theta_;
    result.spam = xi_;
  }

 private:
  // Variational Bayes: sub-normalised weights exp(E[log parameter]) under the Dirichlet posterior.
  void variational_m_step() {
    const double a = options_->prior_spams;
    const double b = options_->prior_knows;
    const double g = options_->strategy_prior;
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      const double knows = not_spam_(j);
      const double spams = spam_counts_.row(j).sum();
      const double total = digamma(knows + spams + a + b);
      theta_(j) = std::exp(digamma(knows + b) - total);
      spams_(j) = std::exp(digamma(spams + a) - total);
      const double strategy_total = digamma(spams + g * static_cast<double>(c_));
      for (Eigen::Index l = 0; l < c_; ++l) {
        xi_(j, l) = std::exp(digamma(spam_counts_(j, l) + g) - strategy_total);
      }
    }
  }

  double map_m_step() {
    double objective = 0;
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      const auto n_j =
          static_cast<double>(crowd_->answers_per_annotator[static_cast<std::size_t>(j)]);
      const double knows = std::min(not_spam_(j), n_j);
      theta_(j) = (knows + s_) / (n_j + 2 * s_);
      const double spam_total = spam_counts_.row(j).sum();
      const double denominator = spam_total + static_cast<double>(c_) * s_;
      for (Eigen::Index l = 0; l < c_; ++l) {
        xi_(j, l) = denominator > 0 ? (spam_counts_(j, l) + s_) / denominator
                                    : 1.0 / static_cast<double>(c_);
        if (s_ > 0) objective += s_ * std::log(xi_(j, l));
      }
      if (s_ > 0) objective += s_ * (std::log(theta_(j)) + std::log(1 - theta_(j)));
      spams_(j) = 1 - theta_(j);
    }
    return objective;
  }

  void refresh_logs() {
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      log_theta_(j) = std::log(theta_(j));
      for (Eigen::Index l = 0; l < c_; ++l) {
        log_hit_(j, l) = std::log(theta_(j) + spams_(j) * xi_(j, l));
        log_miss_(j, l) = std::log(spams_(j) * xi_(j, l));
      }
    }
  }
  const Crowd* crowd_;
  const quality::MaceOptions* options_;
  Eigen::Index c_;
  double s_;
  double log_uniform_;
  bool keep_start_ = false;  // a random start: the first M-step keeps the drawn parameters
  Vector theta_;             // knows weight (competence)
  Vector spams_;             // spams weight: 1 - theta_ for EM, its own value for VB
  Matrix xi_;
  Matrix log_hit_;   // log(theta + (1 - theta) xi_l)
  Matrix log_miss_;  // log((1 - theta) xi_l)
  Vector log_theta_;
  Vector not_spam_;
  Matrix spam_counts_;
};

}  // namespace detail
namespace quality {

/// MACE by EM. The true label is uniform over the C classes; annotator j answers it with
/// probability theta_j and otherwise draws a label from xi_j, so
/// P(answer l | true k) = theta_j [l = k] + (1 - theta_j) xi_j(l).
///
/// EM starts from majority-vote posteriors (theta = 0.5, xi uniform for the first expected
/// counts). M-step: theta_j = (E[not spam] + s) / (n_j + 2s), xi_j(l) = (E[spam with l] + s) /
/// (E[spam] + C·s), with s = options.smoothing; the objective (log-likelihood plus the log
/// priors) never decreases. Complexity O(N·C) per iteration, no allocation inside the
/// iterations.
///
/// options.method = variational_bayes replaces the M-step by the variational one (Hovy et al.
/// 2013; crowd-kit's MACE(method="vb")): competence weight exp(psi(E[knows] + prior_knows) -
/// psi(n_j + prior_knows + prior_spams)), spam weight likewise, spam distribution
/// exp(psi(E[spam with l] + strategy_prior) - psi(E[spam] + C·strategy_prior)), sub-normalised
/// weights used as such in the E-step; its objective (the log evidence under these weights) is
/// not guaranteed to rise. options.restarts > 1 runs the fit again from random parameters
/// (seeded by options.seed) and keeps the run with the highest final objective, as crowd-kit's
/// n_restarts; run 0 starts from majority vote, where crowd-kit's runs all start at random (and,
/// as crowd-kit 1.4.1 seeds every run with the same random_state, are all the same run).
/// No annotations give an empty result (no items, no annotators, no iterations).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), bad options or
///   a bad gold record.
/// @tparam Scalar the scalar of the EM tables (double; a template parameter so that the EM code
///   is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] MaceResult mace(std::span<const Annotation> annotations, int n_classes,
                              MaceOptions options = {}) {
  constexpr const char* function = "mace";
  detail::check_em_options(options.max_iterations, options.tolerance, options.smoothing, function);
  if (options.restarts < 1) {
    detail::fail(function, "'options.restarts' must be at least 1 (got ", options.restarts, ")");
  }
  detail::check_nonnegative(options.start_noise, function, "options.start_noise");
  for (const double prior : {options.prior_knows, options.prior_spams, options.strategy_prior}) {
    if (!(prior > 0) || std::isinf(prior)) {
      detail::fail(function,
                   "'options.prior_knows', 'options.prior_spams' and 'options.strategy_prior' "
                   "must be finite and > 0 (got ",
                   prior, ")");
    }
  }
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  detail::check_tables(4, crowd.n_annotators(), n_classes, function,
                       "the annotators x classes spam tables");
  const auto gold = detail::gold_label_sets(options.gold, crowd.items, n_classes, function);
  Random random(options.seed);
  MaceResult result;
  double best = -std::numeric_limits<double>::infinity();
  for (int r = 0; r < options.restarts; ++r) {
    detail::MaceModel<Scalar> model(crowd, options,
                                    r == 0 && options.majority_vote_start ? nullptr : &random);
    auto run = detail::run_em(
        crowd, gold, {options.max_iterations, options.tolerance, &options.progress}, model);
    const double objective = run.log_likelihood.empty() ? 0.0 : run.log_likelihood.back();
    if (r > 0 && !(objective > best)) continue;
    best = objective;
    result = MaceResult{};
    detail::fill_em_result(crowd, std::move(run), result);
    model.fill(result);
    result.restart = r;
  }
  return result;
}

/// MACE over an AnswerSet, its gold labels clamped during EM (see dawid_skene(AnswerSet)).
/// @tparam Scalar as mace(annotations, n_classes, options).
template <class Scalar = double>
[[nodiscard]] MaceResult mace(const AnswerSet& answers, MaceOptions options = {}) {
  detail::check_answer_set(answers, "mace");
  options.gold = detail::merged_gold(answers, options.gold);
  return mace<Scalar>(answers.answers, answers.n_classes(), std::move(options));
}

}  // namespace quality
LABELKIT_END_NAMESPACE
