#pragma once
/// @file
/// Uncertainty scores over predicted class probabilities (Settles 2009, "Active Learning
/// Literature Survey", section 3.1). Each function takes an n x C matrix of probabilities (rows
/// are items, float or double, row- or column-major, any Eigen dense expression) and returns one
/// score per row as a column vector of the same scalar type. A higher score means "ask for this
/// item first", so every score feeds `labelkit::query::top_k` directly.
///
/// All four run in one pass over the matrix, O(n*C) time, with the validation folded into the
/// same pass (the matrix is read from memory once), and allocate only the result. The fused
/// `*_top_k` functions score and select the k best rows in the same pass, without an n-vector of
/// scores. Every function takes an optional `labelkit::Parallel` (labelkit/core/parallel.hpp):
/// fixed chunks of rows run through the host's executor, with results bit-identical to the
/// serial call. The pass runs
/// on the widest instruction set the CPU has (SSE2, AVX2 or AVX-512, chosen at run time, see
/// labelkit/core/simd/dispatch.hpp), reads row-major and column-major matrices in place, and
/// gives every row the same arithmetic whatever the layout or the row's position. Expressions
/// without direct memory access (products, casts...) are evaluated into a temporary first.
/// The entropy's logarithm has the error bound stated in labelkit/query/detail/score_kernels.hpp
/// (1e-14 absolute for double, about 3e-7 for float, per unit of probability mass).
///
/// @throws labelkit::invalid_argument if the matrix is empty, has NaN, values outside [0, 1], or
///         a row that does not sum to 1 (tolerance 1e-6 for double, 1e-3 for float).

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/simd/dispatch.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/detail/score_kernels.hpp"
#include "labelkit/query/select.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// True for expressions the kernels can read in place (strided memory with direct access).
template <class Derived>
inline constexpr bool has_direct_access = (Derived::Flags & Eigen::DirectAccessBit) != 0;

/// Default rows per chunk of a parallel uncertainty pass: about 256 KiB of input.
template <class Scalar>
[[nodiscard]] std::size_t uncertainty_grain(Eigen::Index cols) noexcept {
  return default_grain(sizeof(Scalar) * static_cast<std::size_t>(std::max<Eigen::Index>(cols, 1)));
}

/// One uncertainty score per row: validates the shape, runs the dispatched one-pass kernel over
/// the matrix in place (serially, or on fixed chunks of rows through `parallel.executor`, each
/// chunk writing its own slice of the scores) and, if the kernel saw an invalid row, re-scans to
/// name it and throws. A row's score does not depend on where its chunk starts, so the scores are
/// the serial ones for every executor and grain.
template <UncertaintyScore Kind, class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> score_uncertainty(
    const Eigen::MatrixBase<Derived>& probabilities, const char* function,
    const Parallel& parallel) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "labelkit: uncertainty scores take float or double probabilities");
  if constexpr (!has_direct_access<Derived>) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> evaluated = probabilities;
    return score_uncertainty<Kind>(evaluated, function, parallel);
  } else {
    check_probability_shape(probabilities, function, "probabilities");
    const Derived& p = probabilities.derived();
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(p.rows());
    const SimdLevel level = simd_level();
    const auto rows = static_cast<std::ptrdiff_t>(p.rows());
    const auto cols = static_cast<std::ptrdiff_t>(p.cols());
    const auto row_stride = static_cast<std::ptrdiff_t>(p.rowStride());
    const auto col_stride = static_cast<std::ptrdiff_t>(p.colStride());
    bool valid = true;
    if (!parallel.enabled()) {
      valid = uncertainty_rows<Kind>(level, p.data(), rows, cols, row_stride, col_stride,
                                     scores.data());
    } else {
      const std::size_t grain = grain_of(parallel, uncertainty_grain<Scalar>(p.cols()));
      std::vector<char> ok(chunk_count(static_cast<std::size_t>(rows), grain), 1);
      for_each_chunk(parallel, static_cast<std::size_t>(rows), grain,
                     [&](std::size_t c, std::size_t begin, std::size_t end) {
                       const auto first = static_cast<std::ptrdiff_t>(begin);
                       ok[c] =
                           uncertainty_rows<Kind>(level, p.data() + first * row_stride,
                                                  static_cast<std::ptrdiff_t>(end) - first, cols,
                                                  row_stride, col_stride, scores.data() + first)
                               ? 1
                               : 0;
                     });
      valid = std::find(ok.begin(), ok.end(), char{0}) == ok.end();
    }
    if (!valid) check_probabilities(p, function, "probabilities");  // names the entry, throws
    return scores;
  }
}

/// The k rows with the highest uncertainty score, with their scores: the rows are scored block by
/// block (1024 rows, so the block's scores stay in cache) with the dispatched kernel and offered
/// to a bounded heap; no n-vector of scores is formed. With `parallel.executor`, fixed chunks of
/// rows each keep their own k best and the chunks' picks are merged by (higher score, lower
/// index): the same rows and the same score bits as the serial run.
template <UncertaintyScore Kind, class Derived>
[[nodiscard]] query::TopKResult<typename Derived::Scalar> uncertainty_top_k(
    const Eigen::MatrixBase<Derived>& probabilities, Eigen::Index k, const char* function,
    const Parallel& parallel) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "labelkit: uncertainty scores take float or double probabilities");
  if constexpr (!has_direct_access<Derived>) {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> evaluated = probabilities;
    return uncertainty_top_k<Kind>(evaluated, k, function, parallel);
  } else {
    check_k(k, function);
    check_probability_shape(probabilities, function, "probabilities");
    const Derived& p = probabilities.derived();
    const SimdLevel level = simd_level();
    const auto n = static_cast<std::size_t>(p.rows());
    const auto cols = static_cast<std::ptrdiff_t>(p.cols());
    const auto row_stride = static_cast<std::ptrdiff_t>(p.rowStride());
    const auto col_stride = static_cast<std::ptrdiff_t>(p.colStride());
    const std::size_t grain =
        parallel.enabled() ? grain_of(parallel, uncertainty_grain<Scalar>(p.cols())) : n;
    const std::size_t chunks = chunk_count(n, grain);
    std::vector<std::vector<ScoredIndex<Scalar>>> parts(chunks);
    std::vector<char> ok(chunks, 1);
    SharedFloor<Scalar> floor;
    for_each_chunk(parallel, n, grain, [&](std::size_t c, std::size_t begin, std::size_t end) {
      constexpr std::ptrdiff_t block = 1024;
      const auto last = static_cast<std::ptrdiff_t>(end);
      std::vector<Scalar> buffer(
          static_cast<std::size_t>(std::min<std::ptrdiff_t>(block, last - std::ptrdiff_t(begin))));
      TopKHeap<Scalar> heap(std::min(static_cast<std::size_t>(k), end - begin));
      for (auto first = static_cast<std::ptrdiff_t>(begin); first < last; first += block) {
        const std::ptrdiff_t count = std::min(block, last - first);
        if (!uncertainty_rows<Kind>(level, p.data() + first * row_stride, count, cols, row_stride,
                                    col_stride, buffer.data())) {
          ok[c] = 0;
          return;
        }
        offer_block(heap, buffer.data(), count, first, floor.get());
        floor.raise(heap, static_cast<std::size_t>(k));
      }
      parts[c] = heap.take_sorted();
    });
    if (std::find(ok.begin(), ok.end(), char{0}) != ok.end()) {
      check_probabilities(p, function, "probabilities");  // names the entry, throws
      fail<state_error>(function, "the scoring kernel refused a row the validation accepts");
    }
    std::vector<ScoredIndex<Scalar>> best =
        chunks == 1 ? std::move(parts[0]) : merge_top_k(parts, static_cast<std::size_t>(k));
    query::TopKResult<Scalar> result;
    result.indices.reserve(best.size());
    result.scores.reserve(best.size());
    for (const auto& pair : best) {
      result.indices.push_back(pair.index);
      result.scores.push_back(pair.score);
    }
    return result;
  }
}

}  // namespace detail
namespace query {

/// Least confidence: 1 - max_c P(i, c). In [0, 1 - 1/C]. With `parallel` (an executor, see
/// labelkit/core/parallel.hpp), fixed chunks of rows are scored concurrently; the scores are the
/// serial ones, bit for bit.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> least_confidence(
    const Eigen::MatrixBase<Derived>& probabilities, const Parallel& parallel = {}) {
  return detail::score_uncertainty<detail::UncertaintyScore::least_confidence>(
      probabilities, "least_confidence", parallel);
}

/// Margin: 1 - (P(i,(1)) - P(i,(2))), the gap between the two largest probabilities turned into
/// an uncertainty (Scheffer et al. 2001). In [0, 1]; with a single class the runner-up is 0.
/// `parallel` as in `least_confidence`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> margin(
    const Eigen::MatrixBase<Derived>& probabilities, const Parallel& parallel = {}) {
  return detail::score_uncertainty<detail::UncertaintyScore::margin>(probabilities, "margin",
                                                                     parallel);
}

/// Ratio: P(i,(2)) / P(i,(1)), the runner-up over the winner. In [0, 1]. `parallel` as in
/// `least_confidence`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> ratio(
    const Eigen::MatrixBase<Derived>& probabilities, const Parallel& parallel = {}) {
  return detail::score_uncertainty<detail::UncertaintyScore::ratio>(probabilities, "ratio",
                                                                    parallel);
}

/// Shannon entropy in nats: -sum_c P(i,c) ln P(i,c), with 0 ln 0 = 0 exactly (no epsilon). In
/// [0, ln C]. `parallel` as in `least_confidence`.
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> entropy(
    const Eigen::MatrixBase<Derived>& probabilities, const Parallel& parallel = {}) {
  return detail::score_uncertainty<detail::UncertaintyScore::entropy>(probabilities, "entropy",
                                                                      parallel);
}

/// The k rows of highest least confidence with their scores, best first (ties to the lower row):
/// the same rows and score bits as `top_k(least_confidence(p), k)` with the scores looked up, in
/// one pass that forms no n-vector of scores. k >= n returns every row. With `parallel`, fixed
/// chunks of rows are scored and selected concurrently, each keeping its own k best, merged by
/// (higher score, lower row): the result is the serial one, bit for bit, for every executor and
/// grain. O(n*C + n log k) worst case, O(n*C) for scores in random order; O(k) memory per chunk.
/// @throws labelkit::invalid_argument if k < 0, or as `least_confidence` (the same message as
///         the serial run: the first invalid entry).
template <class Derived>
[[nodiscard]] TopKResult<typename Derived::Scalar> least_confidence_top_k(
    const Eigen::MatrixBase<Derived>& probabilities, Eigen::Index k,
    const Parallel& parallel = {}) {
  return detail::uncertainty_top_k<detail::UncertaintyScore::least_confidence>(
      probabilities, k, "least_confidence_top_k", parallel);
}

/// The k rows of highest margin score with their scores; see `least_confidence_top_k`.
/// @throws labelkit::invalid_argument if k < 0, or as `margin`.
template <class Derived>
[[nodiscard]] TopKResult<typename Derived::Scalar> margin_top_k(
    const Eigen::MatrixBase<Derived>& probabilities, Eigen::Index k,
    const Parallel& parallel = {}) {
  return detail::uncertainty_top_k<detail::UncertaintyScore::margin>(probabilities, k,
                                                                     "margin_top_k", parallel);
}

/// The k rows of highest ratio score with their scores; see `least_confidence_top_k`.
/// @throws labelkit::invalid_argument if k < 0, or as `ratio`.
template <class Derived>
[[nodiscard]] TopKResult<typename Derived::Scalar> ratio_top_k(
    const Eigen::MatrixBase<Derived>& probabilities, Eigen::Index k,
    const Parallel& parallel = {}) {
  return detail::uncertainty_top_k<detail::UncertaintyScore::ratio>(probabilities, k, "ratio_top_k",
                                                                    parallel);
}

/// The k rows of highest entropy with their scores; see `least_confidence_top_k`.
/// @throws labelkit::invalid_argument if k < 0, or as `entropy`.
template <class Derived>
[[nodiscard]] TopKResult<typename Derived::Scalar> entropy_top_k(
    const Eigen::MatrixBase<Derived>& probabilities, Eigen::Index k,
    const Parallel& parallel = {}) {
  return detail::uncertainty_top_k<detail::UncertaintyScore::entropy>(probabilities, k,
                                                                      "entropy_top_k", parallel);
}

}  // namespace query
LABELKIT_END_NAMESPACE
