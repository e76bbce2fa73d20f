#pragma once
/// @file
/// Expected error reduction (Roy & McCallum 2001, "Toward optimal active learning through
/// sampling estimation of error reduction", ICML): ask for the item whose label, in expectation
/// over the current model's belief about it, leaves the model with the lowest expected loss on
/// the pool:
///
///     E(c) = sum_y P(y | c) * L(model refit on L + {(c, y)}),
///     L(m) = (1/|E|) sum_{u in E} loss(m, u),
///     loss = 1 - max_y' P_m(y' | u)       (expected 0/1 loss), or
///            -sum_y' P_m(y'|u) ln P_m(y'|u)  (expected log loss: the entropy),
///
/// over an evaluation set E. Both losses are invariant to the order of the classes, so a refit
/// model that reports a different class count (a label seen for the first time) is still scored
/// correctly. Classes with P(y | c) = 0 are skipped (weight 0, no refit).
///
/// Cost: the most expensive strategy in labelkit. For c candidates and C classes it performs up
/// to c * C copies and refits of the model on |L| + 1 items and c * C predictions on |E| items:
/// O(c C (fit(|L| + 1) + predict(|E|))). Hence the candidates and the evaluation set are seeded
/// random subsamples of the unlabeled pool (defaults 50 and 200; modAL and libact loop over the
/// whole pool).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/query/random.hpp"

#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// The loss that expected error reduction minimises.
enum class ErrorLoss {
  zero_one,  ///< Expected 0/1 loss: 1 - max class probability.
  log,       ///< Expected log loss: the predictive entropy (nats).
};

}  // namespace query
namespace detail {

template <class Derived>
double mean_expected_loss(const Eigen::MatrixBase<Derived>& probabilities, query::ErrorLoss loss) {
  if (loss == query::ErrorLoss::zero_one) {
    return static_cast<double>(
        query::least_confidence(probabilities).template cast<double>().mean());
  }
  return static_cast<double>(query::entropy(probabilities).template cast<double>().mean());
}

}  // namespace detail
namespace query {

/// Expected loss after labeling each candidate (see the file comment), one value per entry of
/// `candidates`, lower = ask first. `model` is fitted on (`labeled`, `labels`) and is not
/// modified (copies are refit); `features` holds the pool (rows are items) and every id refers
/// to its rows. The refit training set is the labeled items in the given order followed by the
/// candidate. O(|candidates| C (fit(|L| + 1) + predict(|evaluation|))).
/// @throws labelkit::invalid_argument if labeled, candidates or evaluation has an id out of
///         range, evaluation or candidates is empty, or a label is negative (naming the
///         position); labelkit::dimension_mismatch if labeled and labels differ in length;
///         whatever the model throws.
template <class M, class X>
requires CopyableModel<M, X>
[[nodiscard]] Eigen::VectorXd expected_error(const M& model, const X& features,
                                             std::span<const Eigen::Index> labeled,
                                             std::span<const int> labels,
                                             std::span<const Eigen::Index> candidates,
                                             std::span<const Eigen::Index> evaluation,
                                             ErrorLoss loss = ErrorLoss::zero_one) {
  constexpr const char* function = "expected_error";
  const Eigen::Index n = row_count(features);
  if (labeled.size() != labels.size()) {
    labelkit::detail::fail<dimension_mismatch>(function, "'labeled' has ", labeled.size(),
                                               " entries but 'labels' has ", labels.size());
  }
  for (std::size_t r = 0; r < labeled.size(); ++r) {
    labelkit::detail::check_index(labeled[r], n, function, "labeled", r);
    if (labels[r] < 0) {
      labelkit::detail::fail(function, "'labels' entry ", r, " is negative (got ", labels[r], ")");
    }
  }
  if (candidates.empty()) labelkit::detail::fail(function, "'candidates' is empty");
  if (evaluation.empty()) labelkit::detail::fail(function, "'evaluation' is empty");
  for (std::size_t r = 0; r < candidates.size(); ++r) {
    labelkit::detail::check_index(candidates[r], n, function, "candidates", r);
  }
  for (std::size_t r = 0; r < evaluation.size(); ++r) {
    labelkit::detail::check_index(evaluation[r], n, function, "evaluation", r);
  }
  M current = model;  // predict_proba may be non-const
  const auto beliefs = current.predict_proba(select_rows(features, candidates));
  labelkit::detail::check_probabilities(beliefs, function, "model.predict_proba(candidates)");
  const auto evaluation_rows = select_rows(features, evaluation);
  std::vector<Eigen::Index> rows(labeled.begin(), labeled.end());
  rows.push_back(0);
  std::vector<int> train_labels(labels.begin(), labels.end());
  train_labels.push_back(0);
  Eigen::VectorXd result(static_cast<Eigen::Index>(candidates.size()));
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    rows.back() = candidates[c];
    const auto train = select_rows(features, rows);
    double expected = 0.0;
    for (Eigen::Index y = 0; y < beliefs.cols(); ++y) {
      const auto weight = static_cast<double>(beliefs(static_cast<Eigen::Index>(c), y));
      if (weight == 0.0) continue;
      train_labels.back() = static_cast<int>(y);
      M refit = model;
      refit.fit(train, train_labels);
      expected += weight * detail::mean_expected_loss(refit.predict_proba(evaluation_rows), loss);
    }
    result(static_cast<Eigen::Index>(c)) = expected;
  }
  return result;
}

/// Options of `ExpectedErrorReduction`.
struct ExpectedErrorOptions {
  Eigen::Index candidates = 50;   ///< Unlabeled items scored per round (seeded subsample).
  Eigen::Index evaluation = 200;  ///< Unlabeled items the loss is measured on (seeded subsample).
  ErrorLoss loss = ErrorLoss::zero_one;  ///< Loss whose expectation is minimised.
};

/// Expected error reduction as a strategy value for `CopyableModel`s: scores a seeded random
/// subsample of `options.candidates` unlabeled items by `expected_error` on a seeded random
/// subsample of `options.evaluation` unlabeled items, and returns the k with the lowest expected
/// loss (ties to the lower item id). A batch of k is the k best single picks (no joint
/// reasoning). Needs the labels of the labeled items from the context (`context.labels`).
struct ExpectedErrorReduction {
  ExpectedErrorOptions options{};  ///< Subsample sizes and loss.

  /// Returns the k unlabeled item ids with the lowest expected loss; see `select`.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    return select(context.model, context.features, context.unlabeled, context.labeled,
                  context.labels, k, context.seed);
  }

  /// The strategy's work without a context (custom loops): scores a seeded subsample of
  /// `unlabeled` (ids into `features`) and returns the k with the lowest expected loss, ties to
  /// the lower item id. `labels` are the labels of `labeled`, in order.
  /// @throws as `expected_error`; labelkit::invalid_argument if k < 0.
  template <class M, class X>
  [[nodiscard]] std::vector<Eigen::Index> select(const M& model, const X& features,
                                                 std::span<const Eigen::Index> unlabeled,
                                                 std::span<const Eigen::Index> labeled,
                                                 std::span<const int> labels, Eigen::Index k,
                                                 std::uint64_t seed) const {
    static_assert(CopyableModel<M, X>,
                  "labelkit: expected error reduction refits copies of the model: make it "
                  "copy-constructible (labelkit::CopyableModel)");
    labelkit::detail::check_k(k, "ExpectedErrorReduction");
    if (options.candidates < 1 || options.evaluation < 1) {
      labelkit::detail::fail("ExpectedErrorReduction",
                             "'candidates' and 'evaluation' must be at "
                             "least 1 (got ",
                             options.candidates, " and ", options.evaluation, ")");
    }
    const auto n = static_cast<Eigen::Index>(unlabeled.size());
    if (n == 0 || k == 0) return {};
    Random random(seed);
    const auto draw = [&](Eigen::Index count) {
      std::vector<Eigen::Index> picks = sample_without_replacement(n, std::min(count, n), random);
      std::sort(picks.begin(), picks.end());
      for (auto& p : picks) p = unlabeled[static_cast<std::size_t>(p)];
      return picks;
    };
    const std::vector<Eigen::Index> candidates = draw(options.candidates);
    const std::vector<Eigen::Index> evaluation = draw(options.evaluation);
    const Eigen::VectorXd loss =
        expected_error(model, features, labeled, labels, candidates, evaluation, options.loss);
    return to_item_ids(top_k((-loss).eval(), k), candidates);
  }
};

}  // namespace query
LABELKIT_END_NAMESPACE
