#pragma once
/// @file
/// A small, portable pseudo-random generator. Every random choice in labelkit takes a seed and
/// goes through this type, so that results are identical across compilers and standard libraries
/// (the distributions of the standard `<random>` header are not specified bit-for-bit).

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64. Satisfies
/// std::uniform_random_bit_generator, so it can also drive `<random>` where portability does not
/// matter.
class Random {
 public:
  using result_type = std::uint64_t;  ///< 64 random bits per call.

  /// Seeds the four state words from `seed` with splitmix64 (any seed, 0 included, is valid).
  explicit Random(std::uint64_t seed = 0) noexcept {
    for (auto& word : state_) word = splitmix64(seed);
  }

  /// Smallest value operator() returns.
  static constexpr result_type min() noexcept { return 0; }
  /// Largest value operator() returns.
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  /// The next 64 random bits.
  result_type operator()() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Uniform integer in [0, n), unbiased (rejection of the short top range). Requires n > 0.
  std::uint64_t uniform_index(std::uint64_t n) noexcept {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: draws below it are biased
    std::uint64_t r = (*this)();
    while (r < threshold) r = (*this)();
    return r % n;
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform01() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Standard normal deviate (Box-Muller; one of the pair is discarded for simplicity).
  double normal() noexcept {
    double u1 = uniform01();
    while (u1 <= 0.0) u1 = uniform01();
    const double u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// Fisher-Yates shuffle in place.
  template <class T>
  void shuffle(std::span<T> values) noexcept {
    for (std::size_t i = values.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(uniform_index(i));
      std::swap(values[i - 1], values[j]);
    }
  }

  /// A derived generator for a sub-task, so that adding draws to one task does not shift the
  /// stream of another (e.g. one stream per bootstrap member or per simulation seed).
  [[nodiscard]] Random split() noexcept { return Random((*this)()); }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4]{};
};

/// `k` distinct indices drawn uniformly from [0, n), in the order drawn (a partial Fisher-Yates
/// shuffle). O(n) memory and O(n + k) time.
/// @throws labelkit::invalid_argument if n < 0, k < 0 or k > n.
template <class = void>
[[nodiscard]] inline std::vector<Index> sample_without_replacement(Index n, Index k,
                                                                   Random& random) {
  if (n < 0) detail::fail("sample_without_replacement", "'n' is negative (got ", n, ")");
  if (k < 0 || k > n) {
    detail::fail("sample_without_replacement", "'k' is out of range (got ", k,
                 ", expected 0 <= k <= n = ", n, ")");
  }
  std::vector<Index> pool(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) pool[static_cast<std::size_t>(i)] = i;
  for (Index i = 0; i < k; ++i) {
    const auto j = i + static_cast<Index>(random.uniform_index(static_cast<std::uint64_t>(n - i)));
    std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
  }
  pool.resize(static_cast<std::size_t>(k));
  return pool;
}

LABELKIT_END_NAMESPACE
