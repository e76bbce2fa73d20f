#pragma once
/// @file
/// How the diversity strategies (core-set, k-means, BADGE, expected gradient length) get an
/// embedding of pool items: `model.embed(rows)` when the model is a labelkit::EmbeddingModel,
/// else the raw features when they are an Eigen matrix, else a compile-time error that says what
/// to add.

#include <Eigen/Core>
#include <type_traits>

#include "labelkit/config.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

template <class...>
inline constexpr bool always_false_embedding = false;

/// True when `strategy_embeddings<M, X>` can produce embeddings.
template <class M, class X>
inline constexpr bool has_strategy_embeddings =
    EmbeddingModel<M, X> || labelkit::detail::EigenDense<X>;

/// The embedding (n x d, rows are items) of `rows`, a selection of the pool's features of type
/// X, as a plain Eigen matrix: `model.embed(rows)` if available, else the features themselves.
template <class M, class X, class Rows>
[[nodiscard]] auto strategy_embeddings(M& model, const Rows& rows) {
  if constexpr (EmbeddingModel<M, X>) {
    using Result = std::remove_cvref_t<decltype(model.embed(rows))>;
    return typename Result::PlainObject(model.embed(rows));
  } else if constexpr (labelkit::detail::EigenDense<X>) {
    return typename std::remove_cvref_t<Rows>::PlainObject(rows);
  } else {
    static_assert(always_false_embedding<M, X>,
                  "labelkit: this strategy (core-set, k-means, BADGE or expected gradient length) "
                  "needs embeddings: give the model `embed(const X&)` returning an n x d Eigen "
                  "matrix (labelkit::EmbeddingModel), or use Eigen matrix features");
    return Eigen::MatrixXd();
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
