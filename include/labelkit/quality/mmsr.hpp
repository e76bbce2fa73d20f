#pragma once
/// @file
/// M-MSR (Ma & Olshevsky 2020, "Adversarial crowdsourcing through robust rank-one matrix
/// completion"): annotator skills from a robust rank-one completion of the annotators'
/// agreement matrix, then a skill-weighted vote, as crowd-kit's MMSR runs it.

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of mmsr(); the defaults are crowd-kit's, except the start (see `random_start`).
struct MmsrOptions {
  int max_iterations = 10000;  ///< MSR rounds (crowd-kit's n_iter), >= 0.
  /// Stop once ||u v^T - u' v'^T||_F of one round is below this (crowd-kit's tol), finite, >= 0.
  double tolerance = 1e-10;
  /// Start u = v at values drawn uniformly from [0, 1) with `seed` (crowd-kit draws them with
  /// numpy's generator, so its stream differs); false (the default): u = v = 1, which needs no
  /// seed. Ignored when `start` is given.
  bool random_start = false;
  std::uint64_t seed = 0;  ///< Seed of the random start (labelkit::Random).
  /// The start of u = v, one value per annotator in ascending annotator id, each finite and
  /// > 0; empty (the default): see `random_start`.
  std::vector<double> start{};
};

/// Result of mmsr(): the shared Aggregation (items in ascending id, labels, annotators, lookup
/// by id), each annotator's skill, crowd-kit's scores and the MSR trace.
struct MmsrResult : Aggregation {
  /// One per annotator of `annotators` (same order): the vote weight
  /// log((M - 1) p_j / (1 - p_j)), with p_j the estimated probability of a correct answer
  /// (crowd-kit's skills_). Negative for annotators worse than chance.
  Eigen::VectorXd skills;
  /// items x classes: sum of the skills of the annotators who gave the label.
  Eigen::MatrixXd votes;
  /// items x classes: `votes` divided by their row sum (crowd-kit's scores_; entries can be
  /// negative or above 1 since skills can be negative); a row whose sum is 0 is 0.
  Eigen::MatrixXd scores;
  std::vector<double> loss;  ///< ||u v^T - u' v'^T||_F after each MSR round.
  int iterations = 0;        ///< MSR rounds run.
  bool converged = false;    ///< Whether the tolerance test stopped the rounds.
};

}  // namespace quality
namespace detail {

/// crowd-kit's trimming of one MSR update: `values` (sorted ascending in place) around the
/// current value `a`; F may be -1 (then only the largest value is kept, as numpy's y[-1:]).
/// Returns the mean of what is left, or `a` if nothing is left.
template <class Scalar>
Scalar mmsr_trimmed_mean(std::vector<Scalar>& values, int F, Scalar a, Scalar lone_zero) {
  std::sort(values.begin(), values.end());
  std::size_t lo = 0;
  std::size_t hi = values.size();
  const auto below = static_cast<std::ptrdiff_t>(
      std::count_if(values.begin(), values.end(), [&](Scalar x) { return x < a; }));
  if (below < F) {
    lo = static_cast<std::size_t>(below);  // keep the values >= a
  } else if (F >= 0) {
    lo = static_cast<std::size_t>(F);
  } else if (hi > 0) {
    lo = hi - 1;
  }
  const auto above = static_cast<std::ptrdiff_t>(std::count_if(
      values.begin() + static_cast<std::ptrdiff_t>(lo),
      values.begin() + static_cast<std::ptrdiff_t>(hi), [&](Scalar x) { return x > a; }));
  if (above < F) {
    hi -= static_cast<std::size_t>(above);  // keep the values <= a
  } else if (F >= 0) {
    hi -= static_cast<std::size_t>(F);
  }
  if (hi <= lo) return a;
  if (hi - lo == 1 && values[lo] == 0) return lone_zero;
  Scalar sum = 0;
  for (std::size_t t = lo; t < hi; ++t) sum += values[t];
  return sum / static_cast<Scalar>(hi - lo);
}

/// crowd-kit's sign determination: the signs of the annotators' accuracies from the signs of
/// the agreement matrix C, by the eigenvector of the smallest eigenvalue of the random-walk
/// matrix of a signed graph (negative entries of C are edges between opposite signs, positive
/// ones are split by a new node so that their ends share a sign). Rows of C that sum to 0 get
/// sign 0. Returns one sign (-1, 0, +1) per annotator.
template <class Scalar>
std::vector<int> mmsr_signs(const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& C,
                            std::string_view function) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index n = C.rows();
  std::vector<Eigen::Index> valid;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (C.row(i).sum() != 0) valid.push_back(i);
  }
  const auto k = static_cast<Eigen::Index>(valid.size());
  std::vector<std::pair<Eigen::Index, Eigen::Index>> positive;
  for (Eigen::Index a = 0; a < k; ++a) {
    for (Eigen::Index b = a; b < k; ++b) {
      if (C(valid[static_cast<std::size_t>(a)], valid[static_cast<std::size_t>(b)]) > 0) {
        positive.emplace_back(a, b);
      }
    }
  }
  const Eigen::Index size = k + static_cast<Eigen::Index>(positive.size());
  check_tables(1, size, size, function, "the sign graph (annotators + agreeing pairs)^2");
  Matrix A = Matrix::Zero(size, size);
  for (Eigen::Index a = 0; a < k; ++a) {
    for (Eigen::Index b = 0; b < k; ++b) {
      if (C(valid[static_cast<std::size_t>(a)], valid[static_cast<std::size_t>(b)]) < 0) {
        A(a, b) = 1;
      }
    }
  }
  for (std::size_t e = 0; e < positive.size(); ++e) {
    const Eigen::Index node = k + static_cast<Eigen::Index>(e);
    for (const Eigen::Index end : {positive[e].first, positive[e].second}) {
      A(node, end) += 1;
      A(end, node) += 1;
    }
  }
  std::vector<int> signs(static_cast<std::size_t>(n), 0);
  if (k == 0) return signs;
  // W = D^-1 A is similar to D^-1/2 A D^-1/2, whose eigenvectors have the same signs.
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scale =
      A.rowwise().sum().cwiseSqrt().cwiseInverse();
  const Matrix normalised = scale.asDiagonal() * A * scale.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<Matrix> solver(normalised);
  const auto v = solver.eigenvectors().col(0).head(k);
  const Scalar small = Scalar(1e-9) * v.cwiseAbs().maxCoeff();
  int total = 0;
  std::vector<int> sign(static_cast<std::size_t>(k));
  for (Eigen::Index a = 0; a < k; ++a) {
    const auto s = static_cast<std::size_t>(a);
    sign[s] = v(a) > small ? 1 : (v(a) < -small ? -1 : 0);
    total += sign[s];
  }
  const int flip = total > 0 ? 1 : (total < 0 ? -1 : 0);
  for (Eigen::Index a = 0; a < k; ++a) {
    signs[static_cast<std::size_t>(valid[static_cast<std::size_t>(a)])] =
        flip * sign[static_cast<std::size_t>(a)];
  }
  return signs;
}

}  // namespace detail
namespace quality {

/// M-MSR, as crowd-kit's MMSR (crowdkit/aggregation/classification/m_msr.py; Ma & Olshevsky
/// 2020). With M the number of distinct labels among the answers and each annotator's last
/// answer per item:
/// 1. C_jk = (M / (M - 1)) · agree_jk / common_jk - 1 / (M - 1) for annotators j != k sharing
///    common_jk items (agree_jk of them with equal answers), and -1 / (M - 1) elsewhere
///    (the diagonal too). E[C] = s s^T off the diagonal, s_j = (M p_j - 1) / (M - 1).
/// 2. MSR: with X = |C|, F = floor(d / 2) - 1 (d the fewest annotators any annotator shares an
///    item with) and u = v = start, each round sets v_k to the trimmed mean of X_jk / u_j over the
///    j sharing an item with k (the F largest values above v_k and the F smallest below it are
///    dropped; a lone 0 becomes 1 / sqrt(I)), then u_j likewise from X_jk / v_k; it stops once
///    ||u v^T - u' v'^T||_F < tolerance. |s| = u · sqrt(||v|| / ||u||).
/// 3. Signs from the signed graph of C (detail::mmsr_signs), majority positive; s is clamped to
///    [-1 / (M - 1) + 1 / sqrt(I), 1 - 1 / sqrt(I)] (I items), p_j = s_j (M - 1) / M + 1 / M and
///    the skill is log((M - 1) p_j / (1 - p_j)).
/// 4. `votes` sums the skills per item and label over every answer; the label is the largest
///    vote (ties to the lower label) and the posterior the softmax of the votes (the one-coin
///    posterior for those weights under a uniform prior).
///
/// Where crowd-kit would divide by 0 labelkit does not: an entry X_jk / 0 is left out of its
/// trimmed mean, and M = 1 (one label seen) gives skills 0, `votes` counting each answer once
/// and that label for every item.
/// crowd-kit takes the label from `scores`, which equals the largest vote whenever the item's
/// votes sum to more than 0. The eigenvector is the symmetric solver's (crowd-kit uses ARPACK),
/// so signs can differ where the smallest eigenvalue is repeated; entries within 1e-9 of 0
/// (relative) have sign 0. With the same start, the skills equal crowd-kit's to rounding
/// (tests/quality/mmsr_test.cpp). No annotations give an empty result.
///
/// Complexity O(N + sum_i r_i^2 + T·J^2 log J + (J + P)^3) for N answers, r_i answers on item i,
/// T rounds, J annotators and P agreeing annotator pairs (the sign graph is dense, as
/// crowd-kit's).
/// @throws labelkit::invalid_argument for bad annotations (naming the record), options, or
///   tables beyond labelkit::max_allocation_bytes.
/// @tparam Scalar the scalar of the matrices (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] MmsrResult mmsr(std::span<const Annotation> annotations, int n_classes,
                              MmsrOptions options = {}) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  constexpr const char* function = "mmsr";
  if (options.max_iterations < 0) {
    detail::fail(function, "'options.max_iterations' must be >= 0 (got ", options.max_iterations,
                 ")");
  }
  detail::check_nonnegative(options.tolerance, function, "options.tolerance");
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  const Eigen::Index J = crowd.n_annotators();
  const Eigen::Index I = crowd.n_items();
  if (!options.start.empty()) {
    if (static_cast<Eigen::Index>(options.start.size()) != J) {
      detail::fail(function, "'options.start' needs one value per annotator (got ",
                   options.start.size(), ", expected ", J, ")");
    }
    for (std::size_t j = 0; j < options.start.size(); ++j) {
      if (!(options.start[j] > 0) || std::isinf(options.start[j])) {
        detail::fail(function, "'options.start[", j, "]' must be finite and > 0 (got ",
                     options.start[j], ")");
      }
    }
  }
  detail::check_tables(4, J, J, function, "the annotators x annotators tables");
  detail::check_tables(3, I, n_classes, function, "the items x classes tables");
  MmsrResult result;
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.skills = Eigen::VectorXd::Zero(J);
  std::vector<char> seen(static_cast<std::size_t>(n_classes), 0);
  int M = 0;
  for (const int l : crowd.label) {
    if (seen[static_cast<std::size_t>(l)] == 0) ++M;
    seen[static_cast<std::size_t>(l)] = 1;
  }
  if (M >= 2) {
    // Agreement counts over each annotator's last answer per item.
    Matrix common = Matrix::Zero(J, J);
    Matrix agree = Matrix::Zero(J, J);
    std::vector<std::pair<Eigen::Index, int>> last;  // (annotator, label) on one item
    for (Eigen::Index i = 0; i < I; ++i) {
      last.clear();
      for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
        const auto s = static_cast<std::size_t>(a);
        last.emplace_back(crowd.annotator[s], crowd.label[s]);
      }
      // Records are in input order within an item: a stable sort keeps the last one last.
      std::stable_sort(last.begin(), last.end(),
                       [](const auto& x, const auto& y) { return x.first < y.first; });
      std::size_t kept = 0;
      for (std::size_t t = 0; t < last.size(); ++t) {
        if (t + 1 < last.size() && last[t + 1].first == last[t].first) continue;
        last[kept++] = last[t];
      }
      last.resize(kept);
      for (std::size_t x = 0; x < last.size(); ++x) {
        for (std::size_t y = x + 1; y < last.size(); ++y) {
          const Scalar same = last[x].second == last[y].second ? Scalar(1) : Scalar(0);
          common(last[x].first, last[y].first) += 1;
          common(last[y].first, last[x].first) += 1;
          agree(last[x].first, last[y].first) += same;
          agree(last[y].first, last[x].first) += same;
        }
      }
    }
    const auto Ms = static_cast<Scalar>(M);
    Matrix C = Matrix::Constant(J, J, Scalar(-1) / (Ms - 1));
    Eigen::Index sparsity = J > 0 ? J : 0;
    for (Eigen::Index k = 0; k < J; ++k) {
      Eigen::Index shared = 0;
      for (Eigen::Index j = 0; j < J; ++j) {
        if (common(j, k) > 0) {
          ++shared;
          C(j, k) = Ms / (Ms - 1) * (agree(j, k) / common(j, k)) - Scalar(1) / (Ms - 1);
        }
      }
      sparsity = std::min(sparsity, shared);
    }
    const int F = static_cast<int>(sparsity / 2) - 1;
    const Matrix X = C.cwiseAbs();
    const Scalar lone_zero = Scalar(1) / std::sqrt(static_cast<Scalar>(I));
    Vector u(J);
    if (!options.start.empty()) {
      for (Eigen::Index j = 0; j < J; ++j) {
        u(j) = static_cast<Scalar>(options.start[static_cast<std::size_t>(j)]);
      }
    } else if (options.random_start) {
      Random random(options.seed);
      for (Eigen::Index j = 0; j < J; ++j) u(j) = static_cast<Scalar>(random.uniform01());
    } else {
      u.setOnes();
    }
    Vector v = u;
    std::vector<Scalar> values;
    values.reserve(static_cast<std::size_t>(J));
    const auto update = [&](Vector& target, const Vector& other) {
      for (Eigen::Index k = 0; k < J; ++k) {
        values.clear();
        for (Eigen::Index j = 0; j < J; ++j) {
          if (common(j, k) > 0 && other(j) != 0) values.push_back(X(j, k) / other(j));
        }
        target(k) = detail::mmsr_trimmed_mean(values, F, target(k), lone_zero);
      }
    };
    for (int round = 0; round < options.max_iterations; ++round) {
      const Vector u_prev = u;
      const Vector v_prev = v;
      update(v, u);
      update(u, v);
      const Scalar change = (u * v.transpose() - u_prev * v_prev.transpose()).norm();
      result.loss.push_back(static_cast<double>(change));
      result.iterations = round + 1;
      if (change < static_cast<Scalar>(options.tolerance)) {
        result.converged = true;
        break;
      }
    }
    const Scalar nu = u.norm();
    const Scalar nv = v.norm();
    const Vector magnitude = nu > 0 && nv > 0 ? Vector(u * std::sqrt(nv / nu)) : u;
    const auto signs = detail::mmsr_signs(C, function);
    const Scalar top = Scalar(1) - lone_zero;
    const Scalar bottom = Scalar(-1) / (Ms - 1) + lone_zero;
    for (Eigen::Index j = 0; j < J; ++j) {
      Scalar s = static_cast<Scalar>(signs[static_cast<std::size_t>(j)]) * magnitude(j);
      s = std::max(std::min(s, top), bottom);
      const Scalar p = s * (Ms - 1) / Ms + Scalar(1) / Ms;
      result.skills(j) = static_cast<double>(std::log(p * (Ms - 1) / (1 - p)));
    }
  }
  result.votes = Eigen::MatrixXd::Zero(I, n_classes);
  for (Eigen::Index i = 0; i < I; ++i) {
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      result.votes(i, crowd.label[s]) += M >= 2 ? result.skills(crowd.annotator[s]) : 1.0;
    }
  }
  result.scores = Eigen::MatrixXd::Zero(I, n_classes);
  result.posterior.resize(I, n_classes);
  result.labels.resize(static_cast<std::size_t>(I));
  for (Eigen::Index i = 0; i < I; ++i) {
    const double total = result.votes.row(i).sum();
    if (total != 0) result.scores.row(i) = result.votes.row(i) / total;
    const int label = detail::argmax_lowest(result.votes.row(i));
    result.labels[static_cast<std::size_t>(i)] = label;
    const double top = result.votes(i, label);
    result.posterior.row(i) = (result.votes.row(i).array() - top).exp().matrix();
    result.posterior.row(i) /= result.posterior.row(i).sum();
  }
  return result;
}

/// M-MSR over an AnswerSet: every answer counts, and gold items are restricted to their gold
/// labels afterwards (as majority_vote(AnswerSet)).
/// @tparam Scalar as mmsr(annotations, n_classes, options).
template <class Scalar = double>
[[nodiscard]] MmsrResult mmsr(const AnswerSet& answers, MmsrOptions options = {}) {
  detail::check_answer_set(answers, "mmsr");
  auto result = mmsr<Scalar>(answers.answers, answers.n_classes(), std::move(options));
  (void)detail::gold_label_sets(answers.gold, IdMap{}, answers.n_classes(), "mmsr");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
