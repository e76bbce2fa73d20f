#pragma once
/// @file
/// Selecting the k highest scores: `top_k`, deterministic (ties go to the lower index) and
/// O(n) on average, never a full sort of n; or, as an option, with ties broken by a seeded
/// random permutation (modAL's `shuffled_argmax`).

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// "a ranks before b": higher score first, then lower index. The one ordering every selection
/// in labelkit uses, so that results never depend on the algorithm that produced them.
template <class Scalar>
struct ScoredIndex {
  Scalar score;
  Eigen::Index index;

  friend constexpr bool ranks_before(const ScoredIndex& a, const ScoredIndex& b) noexcept {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  }
};

/// A bounded min-heap of the k best (score, index) pairs seen so far; the worst kept pair sits
/// at the top so a new pair is compared against it in O(1). Offering n pairs costs
/// O(n + r log k), r being the number of replacements (about k ln(n/k) for scores in random
/// order).
template <class Scalar>
class TopKHeap {
 public:
  /// Keeps at most k pairs. Memory grows with the pairs actually kept, so a huge k (a caller's
  /// "keep everything") allocates nothing up front.
  explicit TopKHeap(std::size_t k) : k_(k) { heap_.reserve(std::min(k, initial_reserve)); }

  /// Offers one pair; keeps it if it ranks among the k best so far.
  void offer(Scalar score, Eigen::Index index) {
    if (k_ == 0) return;
    const ScoredIndex<Scalar> candidate{score, index};
    if (heap_.size() < k_) {
      heap_.push_back(candidate);
      std::push_heap(heap_.begin(), heap_.end(), ranks_before_fn);
    } else if (ranks_before(candidate, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), ranks_before_fn);
      heap_.back() = candidate;
      std::push_heap(heap_.begin(), heap_.end(), ranks_before_fn);
    }
  }

  /// The kept pairs, best first (the heap is consumed).
  [[nodiscard]] std::vector<ScoredIndex<Scalar>> take_sorted() {
    std::sort_heap(heap_.begin(), heap_.end(), ranks_before_fn);
    return std::move(heap_);
  }

  /// The score of the worst kept pair (the one a new pair must beat); only when size() > 0.
  [[nodiscard]] Scalar worst_score() const noexcept { return heap_.front().score; }

  [[nodiscard]] std::size_t capacity() const noexcept { return k_; }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

 private:
  static bool ranks_before_fn(const ScoredIndex<Scalar>& a, const ScoredIndex<Scalar>& b) {
    return ranks_before(a, b);
  }

  static constexpr std::size_t initial_reserve = 1024;

  std::size_t k_;
  std::vector<ScoredIndex<Scalar>> heap_;
};

/// Offers the scores `block[0, count)`, belonging to items `first, first + 1, ...`, to `heap`,
/// except scores below `floor`. A run of 64 scores whose largest is below `floor`, or (once the
/// heap is full) does not beat the worst kept score, is skipped after one vectorised max: the
/// items come in increasing order and a later index never wins a tie, so this is exact. `floor`
/// is a score known to be at most the k-th best of the whole pool (another chunk's full heap's
/// worst score), so nothing below it can be selected.
template <class Scalar>
void offer_block(TopKHeap<Scalar>& heap, const Scalar* block, Eigen::Index count,
                 Eigen::Index first, Scalar floor = -std::numeric_limits<Scalar>::infinity()) {
  constexpr Eigen::Index run = 64;
  if (heap.capacity() == 0) return;
  Eigen::Index i = 0;
  for (; i + run <= count; i += run) {
    const Scalar largest = Eigen::Map<const Eigen::Matrix<Scalar, run, 1>>(block + i).maxCoeff();
    if (largest < floor) continue;
    if (heap.size() == heap.capacity() && !(largest > heap.worst_score())) continue;
    for (Eigen::Index j = i; j < i + run; ++j)
      if (!(block[j] < floor)) heap.offer(block[j], first + j);
  }
  for (; i < count; ++i)
    if (!(block[i] < floor)) heap.offer(block[i], first + i);
}

/// A score floor shared by the chunks of a parallel selection of the k best: a chunk whose heap
/// holds k scores raises it to its worst kept score (the k-th best of the pool is at least that),
/// and every chunk skips the scores below it. Which chunks see which floor depends on timing;
/// the selection does not (see offer_block).
template <class Scalar>
class SharedFloor {
 public:
  [[nodiscard]] Scalar get() const noexcept { return value_.load(std::memory_order_relaxed); }
  /// Raises the floor to `heap`'s worst score if the heap holds `k` scores.
  void raise(const TopKHeap<Scalar>& heap, std::size_t k) noexcept {
    if (k == 0 || heap.size() < k) return;
    const Scalar candidate = heap.worst_score();
    Scalar seen = value_.load(std::memory_order_relaxed);
    while (seen < candidate &&
           !value_.compare_exchange_weak(seen, candidate, std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<Scalar> value_{-std::numeric_limits<Scalar>::infinity()};
};

/// The k best of the union of `parts` (each part's pairs, any order), best first. The order
/// (higher score, then lower index) is total over distinct indices, so the result does not depend
/// on how the items were split into parts or in which order the parts come.
template <class Scalar>
[[nodiscard]] std::vector<ScoredIndex<Scalar>> merge_top_k(
    const std::vector<std::vector<ScoredIndex<Scalar>>>& parts, std::size_t k) {
  TopKHeap<Scalar> heap(k);
  for (const auto& part : parts)
    for (const auto& pair : part) heap.offer(pair.score, pair.index);
  return heap.take_sorted();
}

/// Default chunk of a parallel pass over `bytes_per_item`-byte items: about 256 KiB of input, a
/// multiple of 64 items.
template <class = void>
[[nodiscard]] constexpr std::size_t default_grain(std::size_t bytes_per_item) noexcept {
  const std::size_t items = (std::size_t{256} << 10) / std::max<std::size_t>(bytes_per_item, 1);
  return std::max<std::size_t>(64, (items + 63) / 64 * 64);
}

/// Throws unless k >= 0 and `scores` is a vector without NaN (naming the position); `function`
/// names the caller. A finite (or infinite) sum proves there is no NaN, since NaN propagates
/// through it; only a NaN sum (a NaN, or +inf and -inf together) pays for the scan.
template <class Derived>
void check_top_k_input(const Eigen::DenseBase<Derived>& scores, Eigen::Index k,
                       const char* function) {
  check_k(k, function);
  if (scores.rows() != 1 && scores.cols() != 1 && scores.size() != 0) {
    fail(function, "'scores' must be a vector (got ", scores.rows(), " x ", scores.cols(), ")");
  }
  const Eigen::Index n = scores.size();
  const auto& s = scores.derived();
  if (n > 0 && std::isnan(s.sum())) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::isnan(s(i))) fail(function, "'scores' has NaN at position ", i);
    }
  }
}

}  // namespace detail
namespace query {

/// Indices of the k highest scores, in descending order of score; equal scores go to the lower
/// index, so the result is deterministic. k >= n returns all n indices sorted.
///
/// `scores` is any Eigen dense vector expression (float or double). Small k uses a bounded heap
/// (one pass, O(n + k log k log n) for scores in random order); large k uses nth_element then a
/// sort of the first k (O(n + k log k)).
///
/// @throws labelkit::invalid_argument if k < 0, scores is not a vector, or a score is NaN
///         (naming its position).
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> top_k(const Eigen::DenseBase<Derived>& scores,
                                              Eigen::Index k) {
  using Scalar = typename Derived::Scalar;
  detail::check_top_k_input(scores, k, "top_k");
  const Eigen::Index n = scores.size();
  const auto& s = scores.derived();
  const Eigen::Index kept = std::min(k, n);
  std::vector<Eigen::Index> result;
  result.reserve(static_cast<std::size_t>(kept));
  if (kept == 0) return result;

  // The heap wins while k is a small fraction of n: it touches each score once and allocates
  // only k pairs.
  if (kept <= n / 16) {
    detail::TopKHeap<Scalar> heap(static_cast<std::size_t>(kept));
    Eigen::Index i = 0;
    for (; i < kept; ++i) heap.offer(s(i), i);
    // Once the heap is full, a chunk whose largest score does not beat the worst kept score is
    // skipped after one vectorised max: a later index never wins a tie, so this is exact.
    if constexpr (Derived::IsVectorAtCompileTime) {
      constexpr Eigen::Index chunk = 64;
      for (; i + chunk <= n; i += chunk) {
        if (!(s.segment(i, chunk).maxCoeff() > heap.worst_score())) continue;
        for (Eigen::Index j = i; j < i + chunk; ++j) heap.offer(s(j), j);
      }
    }
    for (; i < n; ++i) heap.offer(s(i), i);
    for (const auto& pair : heap.take_sorted()) result.push_back(pair.index);
    return result;
  }
  std::vector<detail::ScoredIndex<Scalar>> pairs(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) pairs[static_cast<std::size_t>(i)] = {s(i), i};
  const auto by_rank = [](const auto& a, const auto& b) { return ranks_before(a, b); };
  const auto middle = pairs.begin() + kept;
  if (kept < n) std::nth_element(pairs.begin(), middle - 1, pairs.end(), by_rank);
  std::sort(pairs.begin(), middle, by_rank);
  for (auto it = pairs.begin(); it != middle; ++it) result.push_back(it->index);
  return result;
}

/// The k highest scores of a pool, best first: `indices[r]` is the row (item) of the r-th best and
/// `scores[r]` its score. Returned by the fused score + select functions (`entropy_top_k`, ...).
template <class Scalar>
struct TopKResult {
  std::vector<Eigen::Index> indices;  ///< Rows, best first (ties to the lower index).
  std::vector<Scalar> scores;         ///< The score of each row in `indices`.
};

/// `top_k(scores, k)` with the pass over the scores split into fixed chunks run by
/// `parallel.executor` (see labelkit/core/parallel.hpp): each chunk keeps its own k best, and the
/// chunks' picks are merged by (higher score, lower index), so the result is the serial one
/// whatever the executor, the order the chunks run in, or the grain (default: 64 Ki scores per
/// chunk). With no executor, or when k > n / 16 (where the serial selection is a partition, not a
/// heap), this is `top_k(scores, k)`. O(n + chunks * k log k).
/// @throws labelkit::invalid_argument as `top_k(scores, k)` (the same message: the first NaN).
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> top_k(const Eigen::DenseBase<Derived>& scores,
                                              Eigen::Index k, const Parallel& parallel) {
  using Scalar = typename Derived::Scalar;
  const Eigen::Index n = scores.size();
  if (!parallel.enabled() || k < 0 || std::min(k, n) > n / 16 ||
      (scores.rows() != 1 && scores.cols() != 1)) {
    return top_k(scores, k);
  }
  const auto& s = scores.derived();
  const std::size_t grain = labelkit::detail::grain_of(parallel, std::size_t{64} << 10);
  const std::size_t chunks = labelkit::detail::chunk_count(static_cast<std::size_t>(n), grain);
  std::vector<std::vector<detail::ScoredIndex<Scalar>>> parts(chunks);
  std::vector<char> has_nan(chunks, 0);
  detail::SharedFloor<Scalar> floor;
  labelkit::detail::for_each_chunk(
      parallel, static_cast<std::size_t>(n), grain,
      [&](std::size_t c, std::size_t begin, std::size_t end) {
        const auto first = static_cast<Eigen::Index>(begin);
        const auto count = static_cast<Eigen::Index>(end - begin);
        if (std::isnan(s.segment(first, count).sum())) {
          has_nan[c] = 1;
          return;
        }
        detail::TopKHeap<Scalar> heap(static_cast<std::size_t>(std::min(k, count)));
        if constexpr ((Derived::Flags & Eigen::DirectAccessBit) != 0 &&
                      Derived::IsVectorAtCompileTime) {
          if (s.innerStride() == 1) {
            constexpr Eigen::Index block = 4096;
            for (Eigen::Index b = first; b < first + count; b += block) {
              detail::offer_block(heap, s.data() + b, std::min(block, first + count - b), b,
                                  floor.get());
              floor.raise(heap, static_cast<std::size_t>(k));
            }
            parts[c] = heap.take_sorted();
            return;
          }
        }
        for (Eigen::Index i = first; i < first + count; ++i) heap.offer(s(i), i);
        parts[c] = heap.take_sorted();
      });
  if (std::find(has_nan.begin(), has_nan.end(), char{1}) != has_nan.end()) {
    detail::check_top_k_input(scores, k, "top_k");  // names the first NaN, throws
  }
  std::vector<Eigen::Index> result;
  result.reserve(static_cast<std::size_t>(std::min(k, n)));
  for (const auto& pair : detail::merge_top_k(parts, static_cast<std::size_t>(k)))
    result.push_back(pair.index);
  return result;
}

/// How `top_k` orders equal scores.
enum class TieBreak {
  lower_index,  ///< The lower index first (labelkit's default; deterministic without a seed).
  random,       ///< A uniformly random order drawn from a seed (modAL's `random_tie_break`).
};

/// Indices of the k highest scores, in descending order of score, with equal scores ordered by
/// `tie_break`: `TieBreak::lower_index` is `top_k(scores, k)`; `TieBreak::random` orders each
/// group of equal scores by a uniformly random permutation of the n indices drawn from `seed`
/// (Fisher-Yates with labelkit::Random), as modAL's `shuffled_argmax` does with numpy's global
/// generator: the same set of scores is returned, every tied subset equally likely, and the
/// same seed gives the same result. Distinct scores are never reordered. O(n + k log k) time,
/// O(n) memory for the random order.
/// @throws labelkit::invalid_argument as `top_k(scores, k)`.
template <class Derived>
[[nodiscard]] std::vector<Eigen::Index> top_k(const Eigen::DenseBase<Derived>& scores,
                                              Eigen::Index k, TieBreak tie_break,
                                              std::uint64_t seed) {
  using Scalar = typename Derived::Scalar;
  if (tie_break == TieBreak::lower_index) return top_k(scores, k);
  detail::check_top_k_input(scores, k, "top_k");
  const Eigen::Index n = scores.size();
  const auto& s = scores.derived();
  // position[i]: where item i lands in a uniform random permutation; ties follow it.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  Random random(seed);
  random.shuffle(std::span<Eigen::Index>(order));
  std::vector<Eigen::Index> position(static_cast<std::size_t>(n));
  for (std::size_t r = 0; r < order.size(); ++r)
    position[static_cast<std::size_t>(order[r])] = static_cast<Eigen::Index>(r);
  const Eigen::Index kept = std::min(k, n);
  std::vector<detail::ScoredIndex<Scalar>> pairs(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) pairs[static_cast<std::size_t>(i)] = {s(i), i};
  const auto by_rank = [&](const detail::ScoredIndex<Scalar>& a,
                           const detail::ScoredIndex<Scalar>& b) {
    if (a.score != b.score) return a.score > b.score;
    return position[static_cast<std::size_t>(a.index)] <
           position[static_cast<std::size_t>(b.index)];
  };
  const auto middle = pairs.begin() + kept;
  if (kept > 0 && kept < n) std::nth_element(pairs.begin(), middle - 1, pairs.end(), by_rank);
  std::sort(pairs.begin(), middle, by_rank);
  std::vector<Eigen::Index> result;
  result.reserve(static_cast<std::size_t>(kept));
  for (auto it = pairs.begin(); it != middle; ++it) result.push_back(it->index);
  return result;
}

}  // namespace query
LABELKIT_END_NAMESPACE
