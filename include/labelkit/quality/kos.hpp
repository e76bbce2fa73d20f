#pragma once
/// @file
/// KOS (Karger, Oh & Shah 2011, "Iterative learning for reliable crowdsourcing systems"): binary
/// aggregation by message passing between items and annotators.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of kos().
struct KosOptions {
  int max_iterations = 100;  ///< Message-passing rounds (crowd-kit's n_iter), >= 0.
  /// Start every annotator-to-item message at 1 + N(0, 1) noise drawn with `seed` (crowd-kit
  /// draws N(1, 1)); false (the default): start them all at 1, the mean, so that the result
  /// needs no seed.
  bool random_start = false;
  std::uint64_t seed = 0;  ///< Seed of the random start (labelkit::Random).
};

/// Result of kos(): the shared Aggregation (items in ascending id, labels, annotators, lookup by
/// id) and each item's score. KOS estimates no probabilities: the posterior is one-hot on the
/// label, or uniform where the score is 0 (label 0).
struct KosResult : Aggregation {
  /// sum over the item's answers of s(answer) · y (annotator -> item message), with s = +1 for
  /// label 0 and -1 for label 1: > 0 gives label 0, < 0 label 1. Scaled by an arbitrary
  /// positive factor (the messages are rescaled each round).
  Eigen::VectorXd scores;
};

/// KOS, binary (Karger, Oh & Shah 2011; crowd-kit's KOS). With A = +1 for an answer 0 and -1
/// for an answer 1 on edge (item i, annotator j), messages y_{j->i} start at 1 (or 1 + noise) and
/// each round sets x_{i->j} = sum over i's other answers (j') of A_ij' y_{j'->i}, then
/// y_{j->i} = sum over j's other answers (i') of A_i'j x_{i'->j}. The label of item i is the
/// sign of sum_j A_ij y_{j->i}. The messages grow geometrically; each round divides them by their
/// largest magnitude, which changes no sign (crowd-kit instead stops once a sum exceeds 1e300).
/// Repeated answers are separate edges. No annotations give an empty result.
///
/// The random start is not crowd-kit's numpy stream, so with random_start the labels can
/// differ from crowd-kit's on small or ambiguous crowds; from the constant start they equal
/// crowd-kit's run with its start set to 1 (tests/quality/kos_test.cpp).
///
/// Complexity O(T·N) for T rounds and N answers.
/// @throws labelkit::invalid_argument unless n_classes == 2, for bad annotations (naming the
///   record) or max_iterations < 0.
/// @tparam Scalar the scalar of the messages (double; a template parameter so that the function
///   is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] KosResult kos(std::span<const Annotation> annotations, int n_classes,
                            KosOptions options = {}) {
  constexpr const char* function = "kos";
  if (n_classes != 2) {
    detail::fail(function, "KOS is for two classes only (got n_classes = ", n_classes, ")");
  }
  if (options.max_iterations < 0) {
    detail::fail(function, "'options.max_iterations' must be >= 0 (got ", options.max_iterations,
                 ")");
  }
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  const auto n = static_cast<std::size_t>(crowd.size());
  detail::check_tables(3, crowd.size(), 1, function, "the messages");
  std::vector<Scalar> sign(n);
  std::vector<Scalar> y(n, Scalar(1));
  std::vector<Scalar> x(n);
  for (std::size_t a = 0; a < n; ++a) sign[a] = crowd.label[a] == 0 ? Scalar(1) : Scalar(-1);
  if (options.random_start) {
    Random random(options.seed);
    for (std::size_t a = 0; a < n; ++a) y[a] += static_cast<Scalar>(random.normal());
  }
  std::vector<Scalar> annotator_sum(static_cast<std::size_t>(crowd.n_annotators()));
  for (int round = 0; round < options.max_iterations; ++round) {
    for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
      Scalar s = 0;
      for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
        s += sign[static_cast<std::size_t>(a)] * y[static_cast<std::size_t>(a)];
      }
      for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
        const auto e = static_cast<std::size_t>(a);
        x[e] = s - sign[e] * y[e];
      }
    }
    std::fill(annotator_sum.begin(), annotator_sum.end(), Scalar(0));
    for (std::size_t a = 0; a < n; ++a) {
      annotator_sum[static_cast<std::size_t>(crowd.annotator[a])] += sign[a] * x[a];
    }
    Scalar largest = 0;
    for (std::size_t a = 0; a < n; ++a) {
      y[a] = annotator_sum[static_cast<std::size_t>(crowd.annotator[a])] - sign[a] * x[a];
      largest = std::max(largest, std::abs(y[a]));
    }
    if (largest > 0) {
      for (Scalar& v : y) v /= largest;
    }
  }
  KosResult result;
  result.items = crowd.items.ids();
  result.annotators = crowd.annotators.ids();
  result.scores.resize(crowd.n_items());
  result.posterior.resize(crowd.n_items(), 2);
  result.labels.resize(static_cast<std::size_t>(crowd.n_items()));
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    Scalar s = 0;
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      s += sign[static_cast<std::size_t>(a)] * y[static_cast<std::size_t>(a)];
    }
    result.scores(i) = static_cast<double>(s);
    const int label = s < 0 ? 1 : 0;
    result.labels[static_cast<std::size_t>(i)] = label;
    if (s == 0) {
      result.posterior.row(i).setConstant(0.5);
    } else {
      result.posterior.row(i).setZero();
      result.posterior(i, label) = 1;
    }
  }
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
