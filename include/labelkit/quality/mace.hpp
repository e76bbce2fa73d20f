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
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/aggregation.hpp"
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
  /// Items clamped to a known label during EM (restricted to their labels if an item has
  /// several, as DawidSkeneOptions::gold).
  std::vector<GoldLabel> gold = {};
  /// Optional progress callback (empty by default): called once per EM iteration, after its
  /// M-step and E-step, with the 1-based iteration and that iteration's objective (the value
  /// appended to MaceResult::log_likelihood). It does not change any result; an exception it
  /// throws propagates out of mace().
  std::function<void(const EmProgress&)> progress = {};
};

/// Result of mace(): the shared Aggregation (items in ascending id, posterior, labels,
/// annotators, lookup by id) and EmTrace (objective per iteration; never decreases).
struct MaceResult : Aggregation, EmTrace {
  Eigen::VectorXd competence;  ///< theta_j: probability of not spamming.
  Eigen::MatrixXd spam;        ///< annotators x classes spam distributions xi_j.
};

}  // namespace quality
namespace detail {

/// The EM model of mace(): competence theta_j and spam distribution xi_j per annotator, a
/// uniform class prior. `Scalar` is the scalar of its tables (double).
template <class Scalar>
class MaceModel {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

 public:
  MaceModel(const Crowd& crowd, double smoothing)
      : crowd_(&crowd),
        c_(crowd.n_classes),
        s_(smoothing),
        log_uniform_(-std::log(static_cast<double>(crowd.n_classes))),
        theta_(Vector::Constant(crowd.n_annotators(), 0.5)),
        xi_(Matrix::Constant(crowd.n_annotators(), c_, 1.0 / static_cast<double>(c_))),
        log_hit_(crowd.n_annotators(), c_),
        log_miss_(crowd.n_annotators(), c_),
        log_theta_(crowd.n_annotators()),
        not_spam_(Vector::Zero(crowd.n_annotators())),
        spam_counts_(Matrix::Zero(crowd.n_annotators(), c_)) {
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
  void refresh_logs() {
    for (Eigen::Index j = 0; j < crowd_->n_annotators(); ++j) {
      log_theta_(j) = std::log(theta_(j));
      for (Eigen::Index l = 0; l < c_; ++l) {
        log_hit_(j, l) = std::log(theta_(j) + (1 - theta_(j)) * xi_(j, l));
        log_miss_(j, l) = std::log((1 - theta_(j)) * xi_(j, l));
      }
    }
  }
  const Crowd* crowd_;
  Eigen::Index c_;
  double s_;
  double log_uniform_;
  Vector theta_;
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
/// iterations. The paper's variational-Bayes variant and random restarts are not included.
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
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  detail::check_tables(2, crowd.n_items(), n_classes, function, "the items x classes posterior");
  detail::check_tables(4, crowd.n_annotators(), n_classes, function,
                       "the annotators x classes spam tables");
  const auto gold = detail::gold_label_sets(options.gold, crowd.items, n_classes, function);
  detail::MaceModel<Scalar> model(crowd, options.smoothing);
  auto run = detail::run_em(crowd, gold,
                            {options.max_iterations, options.tolerance, &options.progress}, model);
  MaceResult result;
  detail::fill_em_result(crowd, std::move(run), result);
  model.fill(result);
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
