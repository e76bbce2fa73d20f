#pragma once
/// @file
/// Streaming and sharded top-k selection: `TopKAccumulator` consumes scores chunk by chunk (each
/// chunk with the global item id of its first row), merges with other accumulators, and
/// serialises to a flat array of (score, id) pairs, so that a pool larger than memory, or split
/// across threads, processes or machines, is queried with exactly the result of one `top_k`
/// over all the scores.
///
///     labelkit::query::TopKAccumulator<float> best(100);
///     for (Eigen::Index offset = 0; offset < n; offset += chunk)
///       best.add(labelkit::query::entropy(probabilities_of_rows(offset, chunk)), offset);
///     // elsewhere: best.merge(TopKAccumulator<float>::from_pairs(received, 100));
///     const std::vector<Eigen::Index> ask = best.ids();  // highest score first

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/select.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// The k best (score, item id) pairs seen so far, in labelkit's one selection order (higher
/// score first, then the lower id: `detail::ranks_before`), kept in a bounded heap.
///
/// Invariant: after any sequence of `add` and `merge` calls whose items have distinct ids, `ids()`
/// equals `top_k(s, k)` where s holds every score seen, at its id. Merging is associative and
/// commutative (the k best of a union are among the k best of each part, and the order is a
/// strict total order on distinct ids), so shards may be reduced in any tree shape, e.g. by an
/// MPI reduction over `to_pairs()` buffers.
///
/// Precondition, not checked (it would need O(n) memory): an id is offered at most once over
/// all chunks and all merged accumulators. Overlapping shards would keep duplicates.
///
/// Cost: `add` of n scores is O(n + r log k) with r the heap replacements (about k ln(n/k)
/// for scores in random order); `merge` is O(k log k); memory O(k).
///
/// @tparam Scalar float or double (the score type).
template <class Scalar>
class TopKAccumulator {
 public:
  using Pair = detail::ScoredIndex<Scalar>;  ///< A kept (score, index) pair.

  /// An empty accumulator keeping the k best pairs. Memory grows with the pairs kept
  /// (min(k, items offered)), so any k >= 0 is accepted, e.g. INT64_MAX for "keep everything".
  /// @throws labelkit::invalid_argument if k < 0.
  explicit TopKAccumulator(Eigen::Index k) : heap_(checked_capacity(k)) {}

  /// Offers a chunk of scores; entry i is item `offset + i`. `scores` is any Eigen dense vector
  /// expression of this Scalar (or convertible to it).
  /// @throws labelkit::invalid_argument if offset < 0, scores is not a vector, the last id
  ///         `offset + size - 1` would exceed INT64_MAX, or a score is NaN (naming its item id).
  ///         Nothing is kept when it throws.
  template <class Derived>
  void add(const Eigen::DenseBase<Derived>& scores, Eigen::Index offset) {
    if (offset < 0) {
      labelkit::detail::fail("TopKAccumulator::add", "'offset' is negative (got ", offset, ")");
    }
    if (scores.rows() != 1 && scores.cols() != 1 && scores.size() != 0) {
      labelkit::detail::fail("TopKAccumulator::add", "'scores' must be a vector (got ",
                             scores.rows(), " x ", scores.cols(), ")");
    }
    const auto& s = scores.derived();
    const Eigen::Index n = s.size();
    if (n > 0 && offset > std::numeric_limits<Eigen::Index>::max() - (n - 1)) {
      labelkit::detail::fail(
          "TopKAccumulator::add", "'offset' + ", n - 1, " overflows the item id type (got offset ",
          offset, ", expected offset <= ", std::numeric_limits<Eigen::Index>::max() - (n - 1), ")");
    }
    if (s.array().isNaN().any()) {
      for (Eigen::Index i = 0; i < n; ++i) {
        if (std::isnan(s(i))) {
          labelkit::detail::fail("TopKAccumulator::add", "'scores' has NaN at position ", i,
                                 " (item id ", offset + i, ")");
        }
      }
    }
    for (Eigen::Index i = 0; i < n; ++i) heap_.offer(static_cast<Scalar>(s(i)), offset + i);
  }

  /// Offers one (score, id) pair.
  /// @throws labelkit::invalid_argument if id < 0 or score is NaN.
  void add(Scalar score, Eigen::Index id) {
    if (id < 0) labelkit::detail::fail("TopKAccumulator::add", "'id' is negative (got ", id, ")");
    if (std::isnan(score)) {
      labelkit::detail::fail("TopKAccumulator::add", "'score' is NaN (item id ", id, ")");
    }
    heap_.offer(score, id);
  }

  /// Absorbs the pairs of `other` (which saw other items). O(k log k).
  /// @throws labelkit::invalid_argument if the two keep different k.
  void merge(const TopKAccumulator& other) {
    if (other.k() != k()) {
      labelkit::detail::fail("TopKAccumulator::merge", "'other' keeps k = ", other.k(),
                             " but this accumulator keeps k = ", k());
    }
    for (const Pair& pair : other.pairs()) heap_.offer(pair.score, pair.index);
  }

  /// The kept pairs, best first. O(k log k).
  [[nodiscard]] std::vector<Pair> pairs() const {
    auto copy = heap_;
    return copy.take_sorted();
  }

  /// The kept item ids, best first: `top_k` over everything offered so far.
  [[nodiscard]] std::vector<Eigen::Index> ids() const {
    std::vector<Eigen::Index> result;
    result.reserve(heap_.size());
    for (const Pair& pair : pairs()) result.push_back(pair.index);
    return result;
  }

  /// The kept scores, best first (aligned with `ids()`).
  [[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores() const {
    const auto sorted = pairs();
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> result(static_cast<Eigen::Index>(sorted.size()));
    for (std::size_t r = 0; r < sorted.size(); ++r) {
      result(static_cast<Eigen::Index>(r)) = sorted[r].score;
    }
    return result;
  }

  /// How many pairs are kept at most.
  [[nodiscard]] Eigen::Index k() const noexcept {
    return static_cast<Eigen::Index>(heap_.capacity());
  }
  /// How many pairs are kept now (min(k, items offered)).
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(heap_.size());
  }

  /// The kept pairs as a flat array [score_0, id_0, score_1, id_1, ...], best first, for
  /// shipping between processes (e.g. MPI_DOUBLE buffers). Doubles hold every float and double
  /// score exactly and every id below 2^53 exactly.
  [[nodiscard]] std::vector<double> to_pairs() const {
    std::vector<double> flat;
    flat.reserve(2 * heap_.size());
    for (const Pair& pair : pairs()) {
      flat.push_back(static_cast<double>(pair.score));
      flat.push_back(static_cast<double>(pair.index));
    }
    return flat;
  }

  /// Rebuilds an accumulator keeping k pairs from a `to_pairs()` array (in any pair order).
  /// @throws labelkit::invalid_argument if k < 0, the array has odd length or more than k
  ///         pairs, a score is NaN (or not representable in Scalar), an id is negative, not an
  ///         integer, at least 2^53, or repeated (naming the pair).
  [[nodiscard]] static TopKAccumulator from_pairs(std::span<const double> flat, Eigen::Index k) {
    TopKAccumulator result(k);
    if (flat.size() % 2 != 0) {
      labelkit::detail::fail("TopKAccumulator::from_pairs", "'flat' has odd length ", flat.size(),
                             " (expected score, id pairs)");
    }
    const std::size_t count = flat.size() / 2;
    if (static_cast<Eigen::Index>(count) > k) {
      labelkit::detail::fail("TopKAccumulator::from_pairs", "'flat' holds ", count,
                             " pairs but k = ", k);
    }
    constexpr double id_limit = 9007199254740992.0;  // 2^53
    std::vector<Eigen::Index> seen;
    seen.reserve(count);
    for (std::size_t r = 0; r < count; ++r) {
      const double score = flat[2 * r];
      const double id = flat[2 * r + 1];
      if (std::isnan(score) || static_cast<double>(static_cast<Scalar>(score)) != score) {
        labelkit::detail::fail("TopKAccumulator::from_pairs", "'flat' pair ", r,
                               " has a score that is NaN or not a ",
                               sizeof(Scalar) == 4 ? "float" : "double", " (got ", score, ")");
      }
      if (!(id >= 0.0 && id < id_limit) || std::floor(id) != id) {
        labelkit::detail::fail("TopKAccumulator::from_pairs", "'flat' pair ", r,
                               " has an invalid id (got ", id,
                               ", expected an integer in [0, 2^53))");
      }
      seen.push_back(static_cast<Eigen::Index>(id));
      result.heap_.offer(static_cast<Scalar>(score), static_cast<Eigen::Index>(id));
    }
    std::sort(seen.begin(), seen.end());
    const auto repeated = std::adjacent_find(seen.begin(), seen.end());
    if (repeated != seen.end()) {
      labelkit::detail::fail("TopKAccumulator::from_pairs", "'flat' repeats item id ", *repeated);
    }
    return result;
  }

  /// The flat byte serialisation (labelkit::MergeableState): tag "LKTOPK01", version 1, then k,
  /// the pair count, and the pairs best first as (score as a double, id as int64).
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    labelkit::detail::ByteWriter w("LKTOPK01", 1);
    w.i64(k());
    const auto sorted = pairs();
    w.u64(sorted.size());
    for (const Pair& pair : sorted) {
      w.f64(static_cast<double>(pair.score));
      w.i64(pair.index);
    }
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, truncated or trailing bytes, a
  ///         negative k, more pairs than k, or a pair from_pairs() refuses (NaN score, a score
  ///         that is not a Scalar, an id outside [0, 2^53), a repeated id).
  [[nodiscard]] static TopKAccumulator from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* fn = "TopKAccumulator::from_bytes";
    labelkit::detail::ByteReader r(bytes, "LKTOPK01", 1, fn);
    const std::int64_t k = r.non_negative(std::numeric_limits<std::int64_t>::max(), "k");
    const std::size_t count = r.count(16, static_cast<std::uint64_t>(k), "the pair count");
    std::vector<double> flat;
    flat.reserve(2 * count);
    for (std::size_t i = 0; i < count; ++i) {
      flat.push_back(r.f64());
      const std::int64_t id = r.i64();
      if (id < 0 || id >= (std::int64_t{1} << 53)) r.fail_at("an item id is outside [0, 2^53)");
      flat.push_back(static_cast<double>(id));
    }
    r.finish();
    try {
      return from_pairs(flat, static_cast<Eigen::Index>(k));
    } catch (const labelkit::invalid_argument& e) {
      labelkit::detail::fail<labelkit::parse_error>(fn, e.what());
    }
  }

  /// Equal kept pairs and equal k.
  friend bool operator==(const TopKAccumulator& a, const TopKAccumulator& b) {
    if (a.k() != b.k()) return false;
    const auto x = a.pairs();
    const auto y = b.pairs();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].index != y[i].index || !(x[i].score == y[i].score)) return false;
    }
    return true;
  }

 private:
  static std::size_t checked_capacity(Eigen::Index k) {
    labelkit::detail::check_k(k, "TopKAccumulator");
    return static_cast<std::size_t>(k);
  }

  detail::TopKHeap<Scalar> heap_;
};

/// The union of two accumulators' pairs, k best kept: `a.merge(b)` without touching either.
/// @throws labelkit::invalid_argument if they keep different k.
template <class Scalar>
[[nodiscard]] TopKAccumulator<Scalar> merged(TopKAccumulator<Scalar> a,
                                             const TopKAccumulator<Scalar>& b) {
  a.merge(b);
  return a;
}

}  // namespace query
LABELKIT_END_NAMESPACE
