#pragma once
/// @file
/// An exactly mergeable sum of doubles: a fixed-point accumulator whose additions are integer
/// additions, so that the sum of a set of values is the same bits whatever their order, their
/// grouping into shards and the tree of merges. The floating-point statistics of labelkit's
/// mergeable states (posterior mass, probability sums, calibration sums) use it, serial and
/// distributed alike.
///
/// Representation: a 384-bit two's-complement integer in units of 2^-256 (six 64-bit limbs), so
/// it holds any sum of magnitude below 2^127 with 256 fractional bits. Each addend is first
/// rounded to the nearest multiple of 2^-256 (ties to even); values of magnitude at least 2^-204
/// are represented exactly (their 53-bit significand fits), smaller ones lose absolute accuracy
/// below 2^-257, far below anything a probability sum can show. After that rounding every
/// addition is exact, so the accumulated value is a function of the multiset of addends only.
/// value() rounds the exact sum to the nearest double (ties to even): the correctly rounded sum
/// of the (rounded) addends, more accurate than any floating-point summation order.
///
/// Cost: add() splits the double (frexp/ldexp) and carries through six limbs, about 65 ns on the
/// project's machine; 48 bytes per sum. FixedSum below is the cheap form for addends below 2^53.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/mergeable.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// The exact, order-independent sum of doubles described in exact_sum.hpp.
class ExactSum {
 public:
  /// Number of 64-bit limbs (least significant first).
  static constexpr int limbs = 6;
  /// Weight of the least significant bit: 2^-fraction_bits.
  static constexpr int fraction_bits = 256;
  /// Largest magnitude an addend or the sum may reach: 2^127 (exclusive).
  static constexpr double max_magnitude = 0x1p127;

  /// Zero.
  constexpr ExactSum() = default;

  /// Adds x. O(limbs).
  /// @throws labelkit::invalid_argument if x is NaN, infinite or |x| >= 2^127;
  ///         labelkit::numerical_error if the sum leaves (-2^127, 2^127).
  void add(double x) {
    if (!(std::abs(x) < max_magnitude)) {
      fail("ExactSum::add", "the value ", x, " is not finite or not below 2^127 in magnitude");
    }
    if (x == 0.0) return;
    Limbs v = from_double(std::abs(x));
    if (x < 0) negate(v);
    add_limbs(v);
  }

  /// Adds another sum (exact).
  /// @throws labelkit::numerical_error if the sum leaves (-2^127, 2^127).
  void merge(const ExactSum& other) { add_limbs(other.v_); }

  /// The exact sum rounded to the nearest double (ties to even).
  [[nodiscard]] double value() const {
    Limbs m = v_;
    const bool negative = is_negative(m);
    if (negative) negate(m);
    int top = -1;  // index of the highest set bit
    for (int i = limbs - 1; i >= 0; --i) {
      if (m[static_cast<std::size_t>(i)] != 0) {
        top = 64 * i + 63 - std::countl_zero(m[static_cast<std::size_t>(i)]);
        break;
      }
    }
    if (top < 0) return 0.0;
    // Keep 53 bits: the significand is bits [top - 52, top]; round on the bits below.
    const int low = top - 52;
    std::uint64_t significand = 0;
    bool round_up = false;
    if (low <= 0) {
      significand = extract(m, 0, top + 1);  // exact: fewer than 53 bits
    } else {
      significand = extract(m, low, 53);
      const bool half = bit(m, low - 1);
      const bool sticky = any_below(m, low - 1);
      round_up = half && (sticky || (significand & 1U) != 0);
    }
    double result = std::ldexp(static_cast<double>(significand), std::max(low, 0) - fraction_bits);
    if (round_up) result = std::ldexp(static_cast<double>(significand + 1), low - fraction_bits);
    return negative ? -result : result;
  }

  /// The limbs (least significant first), for serialisation.
  [[nodiscard]] const std::array<std::uint64_t, limbs>& limbs_view() const noexcept { return v_; }

  /// Writes the six limbs.
  void write(ByteWriter& w) const {
    for (const std::uint64_t limb : v_) w.u64(limb);
  }

  /// Reads six limbs written by write().
  /// @throws labelkit::parse_error if the value is outside (-2^127, 2^127).
  static ExactSum read(ByteReader& r) {
    ExactSum s;
    for (auto& limb : s.v_) limb = r.u64();
    if (!in_range(s.v_)) r.fail_at("an exact sum is outside (-2^127, 2^127)");
    return s;
  }

  /// Equal exact values.
  friend bool operator==(const ExactSum&, const ExactSum&) = default;

 private:
  using Limbs = std::array<std::uint64_t, limbs>;

  // |x| in [2^-1074, 2^127) as a multiple of 2^-256, rounded to nearest (ties to even).
  static Limbs from_double(double x) {
    int exponent = 0;
    const double fraction = std::frexp(x, &exponent);  // x = fraction * 2^exponent, [0.5, 1)
    auto significand = static_cast<std::uint64_t>(std::ldexp(fraction, 53));  // exact, 53 bits
    int shift = exponent - 53 + fraction_bits;  // x = significand * 2^(shift - 256)
    Limbs v{};
    if (shift < 0) {
      // Round significand * 2^shift to an integer (ties to even).
      if (shift < -54) return v;  // below half a unit: rounds to 0
      const int drop = -shift;
      const std::uint64_t kept = drop >= 64 ? 0 : significand >> drop;
      const std::uint64_t rest =
          drop >= 64 ? significand : significand & ((std::uint64_t{1} << drop) - 1);
      const std::uint64_t half = std::uint64_t{1} << (drop - 1);
      std::uint64_t q = kept;
      if (rest > half || (rest == half && (kept & 1U) != 0)) ++q;
      v[0] = q;
      return v;
    }
    const int limb = shift / 64;
    const int offset = shift % 64;
    v[static_cast<std::size_t>(limb)] = significand << offset;
    if (offset != 0 && limb + 1 < limbs)
      v[static_cast<std::size_t>(limb) + 1] = significand >> (64 - offset);
    return v;
  }

  static bool is_negative(const Limbs& v) { return (v[limbs - 1] >> 63) != 0; }

  static void negate(Limbs& v) {
    std::uint64_t carry = 1;
    for (auto& limb : v) {
      limb = ~limb;
      const std::uint64_t s = limb + carry;
      carry = (carry != 0 && s == 0) ? 1 : 0;
      limb = s;
    }
  }

  // Every 384-bit pattern is a value in [-2^127, 2^127) except that -2^127 itself has no
  // positive counterpart; it is never produced by add() and refused on reading.
  static bool in_range(const Limbs& v) {
    for (int i = 0; i < limbs - 1; ++i)
      if (v[static_cast<std::size_t>(i)] != 0) return true;
    return v[limbs - 1] != (std::uint64_t{1} << 63);
  }

  void add_limbs(const Limbs& add) {
    Limbs r{};
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < limbs; ++i) {
      const std::uint64_t s = v_[i] + add[i];
      const std::uint64_t c1 = s < v_[i] ? 1 : 0;
      const std::uint64_t t = s + carry;
      const std::uint64_t c2 = t < s ? 1 : 0;
      r[i] = t;
      carry = c1 | c2;
    }
    // Overflow of the signed 384-bit value: both operands of one sign, result of the other.
    const bool a_neg = is_negative(v_);
    const bool b_neg = is_negative(add);
    if ((a_neg == b_neg && is_negative(r) != a_neg) || !in_range(r)) {
      fail<numerical_error>("ExactSum", "the exact sum overflows 2^127 in magnitude");
    }
    v_ = r;
  }

  static bool bit(const Limbs& v, int i) {
    return ((v[static_cast<std::size_t>(i / 64)] >> (i % 64)) & 1U) != 0;
  }

  static bool any_below(const Limbs& v, int i) {  // any bit in [0, i)
    for (int limb = 0; limb < i / 64; ++limb)
      if (v[static_cast<std::size_t>(limb)] != 0) return true;
    const int rest = i % 64;
    return rest != 0 &&
           (v[static_cast<std::size_t>(i / 64)] & ((std::uint64_t{1} << rest) - 1)) != 0;
  }

  static std::uint64_t extract(const Limbs& v, int low, int count) {  // bits [low, low + count)
    std::uint64_t out = 0;
    for (int b = 0; b < count; ++b)
      if (bit(v, low + b)) out |= std::uint64_t{1} << b;
    return out;
  }

  Limbs v_{};
};

/// An order-independent sum in fixed point for the many addends of an EM pass (posterior masses,
/// log evidence): each addend x, |x| < 2^53, is split exactly into its integer part and its
/// fraction; the fraction is rounded once to a multiple of 2^-62 (half a unit away from zero), and
/// the addend is added as a signed 192-bit integer in units of 2^-62. The sum is a function of
/// the multiset of addends only, as ExactSum's is, for a few integer additions instead of
/// ExactSum's 65 ns of limb arithmetic per addend. Each addend is off by at most 2^-63, so n
/// addends are off their exact sum by at most n · 2^-63 (10^-10 for 10^9 addends), whatever
/// their magnitude. Sums must stay below 2^65 in magnitude (add() and merge() check).
class FixedSum {
 public:
  /// Addends must be below this in magnitude.
  static constexpr double max_addend = 0x1p53;

  constexpr FixedSum() = default;

  /// Adds x. @throws labelkit::invalid_argument if x is NaN or |x| >= 2^53;
  ///   labelkit::numerical_error if the sum leaves 2^65 (the sum is then unusable).
  void add(double x) {
    if (!(std::abs(x) < max_addend)) {
      fail("FixedSum::add", "the value ", x, " is not finite or not below 2^53 in magnitude");
    }
    const auto whole = static_cast<std::int64_t>(x);         // truncation: exact
    const double fraction = x - static_cast<double>(whole);  // exact, |fraction| < 1
    const double scaled = fraction * 0x1p62;                 // exact: a power of two
    const auto units = static_cast<std::int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    // whole · 2^62 as a signed 192-bit value, then the fraction's units, sign-extended.
    add_words(static_cast<std::uint64_t>(whole) << 62, static_cast<std::uint64_t>(whole >> 2),
              whole < 0 ? ~std::uint64_t{0} : 0);
    const std::uint64_t extend = units < 0 ? ~std::uint64_t{0} : 0;
    add_words(static_cast<std::uint64_t>(units), extend, extend);
    if (!in_range()) fail<numerical_error>("FixedSum::add", "the sum overflows 2^65");
  }

  /// Adds another sum. @throws labelkit::numerical_error if the total overflows 2^65 (this sum
  ///   is then unchanged).
  void merge(const FixedSum& other) {
    FixedSum sum = *this;
    sum.add_words(other.w_[0], other.w_[1], other.w_[2]);
    if (!sum.in_range()) fail<numerical_error>("FixedSum::merge", "the sum overflows 2^65");
    *this = sum;
  }

  /// The sum as a double (a function of the integer only: magnitude words converted and added
  /// from the top, then scaled by 2^-62).
  [[nodiscard]] double value() const noexcept {
    std::array<std::uint64_t, 3> m = w_;
    const bool negative = (m[2] >> 63) != 0;
    if (negative) {
      std::uint64_t carry = 1;
      for (auto& word : m) {
        word = ~word + carry;
        carry = (carry != 0 && word == 0) ? 1 : 0;
      }
    }
    const double magnitude = std::ldexp(static_cast<double>(m[2]), 128 - 62) +
                             std::ldexp(static_cast<double>(m[1]), 64 - 62) +
                             std::ldexp(static_cast<double>(m[0]), -62);
    return negative ? -magnitude : magnitude;
  }

  /// Appends the three 64-bit words (low first).
  void write(ByteWriter& w) const {
    for (const std::uint64_t word : w_) w.u64(word);
  }

  /// Reads write()'s output. @throws labelkit::parse_error (through `r`) for a sum outside the
  ///   range (2^65 in magnitude).
  static FixedSum read(ByteReader& r) {
    FixedSum s;
    for (auto& word : s.w_) word = r.u64();
    if (!s.in_range()) r.fail_at("a fixed-point sum is not below 2^65 in magnitude");
    return s;
  }

  /// Same integer.
  friend bool operator==(const FixedSum&, const FixedSum&) = default;

 private:
  // In range: the sum fits in 128 bits of units (|sum| < 2^127 · 2^-62 = 2^65), so the top
  // word only extends the sign of word 1. Any carry into it beyond that is an overflow.
  [[nodiscard]] bool in_range() const noexcept {
    const bool top_negative = (w_[1] >> 63) != 0;
    return w_[2] == (top_negative ? ~std::uint64_t{0} : 0);
  }
  void add_words(std::uint64_t a0, std::uint64_t a1, std::uint64_t a2) noexcept {
    w_[0] += a0;
    const std::uint64_t c0 = w_[0] < a0 ? 1U : 0U;
    const std::uint64_t s1 = w_[1] + a1;
    const std::uint64_t c1 = s1 < a1 ? 1U : 0U;
    w_[1] = s1 + c0;
    const std::uint64_t c2 = w_[1] < s1 ? 1U : 0U;
    w_[2] += a2 + c1 + c2;
  }

  std::array<std::uint64_t, 3> w_{};  // two's complement, low word first
};

/// FixedSum's fast form for probabilities and posterior masses, addends in [-2, 2]: each addend
/// is rounded once to a multiple of 2^-61 and added into a signed 128-bit integer (two integer
/// additions, about 2 ns), so the sum again depends only on the multiset of addends, off the exact
/// sum by at most n · 2^-62 for n addends. Sums must stay below 2^66 in magnitude (merge()
/// checks; add() would need 2^65 calls to get there). Dawid–Skene adds every posterior entry of
/// every answer into these.
class UnitSum {
 public:
  /// Addends must be at most this in magnitude.
  static constexpr double max_addend = 2.0;

  constexpr UnitSum() = default;

  /// Adds x. @throws labelkit::invalid_argument if x is NaN or |x| > 2.
  void add(double x) {
    const std::int64_t q = units(x);
    add_words(static_cast<std::uint64_t>(q), q < 0 ? ~std::uint64_t{0} : 0);
  }

  /// x rounded to a multiple of 2^-61, in units of 2^-61: the integer add(x) adds.
  /// @throws labelkit::invalid_argument if x is NaN or |x| > 2.
  [[nodiscard]] static std::int64_t units(double x) {
    if (!(std::abs(x) <= max_addend)) {
      fail("UnitSum::add", "the value ", x, " is not in [-2, 2]");
    }
    const double scaled = x * 0x1p61;  // exact: a power of two
    return static_cast<std::int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  }

  /// Adds a signed 128-bit two's-complement integer (low word, high word) in units of 2^-61:
  /// the exact sum of several add() calls' units, gathered elsewhere (UnitSumBuffer).
  void add_units(std::uint64_t low, std::uint64_t high) noexcept { add_words(low, high); }

  /// Adds another sum. @throws labelkit::numerical_error if the total overflows 2^66 (this sum
  ///   is then unchanged).
  void merge(const UnitSum& other) {
    UnitSum sum = *this;
    sum.add_words(other.lo_, other.hi_);
    const bool a = (hi_ >> 63) != 0;
    const bool b = (other.hi_ >> 63) != 0;
    if (a == b && ((sum.hi_ >> 63) != 0) != a) {
      fail<numerical_error>("UnitSum::merge", "the sum overflows 2^66");
    }
    *this = sum;
  }

  /// The sum as a double (a function of the integer only).
  [[nodiscard]] double value() const noexcept {
    const auto high = static_cast<double>(static_cast<std::int64_t>(hi_));
    return std::ldexp(high, 64 - 61) + std::ldexp(static_cast<double>(lo_), -61);
  }

  /// Appends the two 64-bit words (low first).
  void write(ByteWriter& w) const {
    w.u64(lo_);
    w.u64(hi_);
  }

  /// Reads write()'s output (every bit pattern is a valid sum).
  static UnitSum read(ByteReader& r) {
    UnitSum s;
    s.lo_ = r.u64();
    s.hi_ = r.u64();
    return s;
  }

  /// Same integer.
  friend bool operator==(const UnitSum&, const UnitSum&) = default;

 private:
  void add_words(std::uint64_t lo, std::uint64_t hi) noexcept {
    lo_ += lo;
    hi_ += hi + (lo_ < lo ? 1U : 0U);
  }

  std::uint64_t lo_ = 0;  // two's complement, low word
  std::uint64_t hi_ = 0;  // high word
};

/// Many UnitSums in their cheapest form, for the inner loop of an EM pass, where each posterior
/// entry of an item is added once per answer of the item: the caller converts each addend once
/// to its units (UnitSum::units, non-negative here) and splits them into a low half (below 2^32)
/// and a high half (units >> 32, below 2^30 for addends at most 2); add() then adds each half
/// into its own 64-bit word, two independent integer additions with no carry between them
/// (vectorisable, as a floating-point add). A word overflows only after 2^32 additions, so the
/// buffer must be flushed (flush_into) before `capacity` additions into any one sum; after the
/// flush, each UnitSum holds exactly what add() on each addend would have given.
class UnitSumBuffer {
 public:
  /// Additions into one sum allowed between two flushes.
  static constexpr std::int64_t capacity = std::int64_t{1} << 32;

  /// `n` zero sums.
  explicit UnitSumBuffer(std::size_t n = 0) : words_(2 * n, 0) {}

  /// Number of sums.
  [[nodiscard]] std::size_t size() const noexcept { return words_.size() / 2; }

  /// Splits non-negative units q (at most 2^62) into the pair add() takes.
  static void split(std::int64_t q, std::uint64_t* pair) noexcept {
    const auto u = static_cast<std::uint64_t>(q);
    pair[0] = u & 0xFFFFFFFFU;
    pair[1] = u >> 32;
  }

  /// Adds n consecutive split addends (2n words, as split() writes them) into sums
  /// [first, first + n).
  void add(std::size_t first, const std::uint64_t* pairs, std::size_t n) noexcept {
    std::uint64_t* w = words_.data() + 2 * first;
#if defined(__SSE2__)
    // One 128-bit integer add per sum (the baseline x86-64 instruction set).
    for (std::size_t t = 0; t < n; ++t) {
      auto* target = reinterpret_cast<__m128i*>(w + 2 * t);
      const __m128i addend = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pairs + 2 * t));
      _mm_storeu_si128(target, _mm_add_epi64(_mm_loadu_si128(target), addend));
    }
#else
    for (std::size_t t = 0; t < 2 * n; ++t) w[t] += pairs[t];
#endif
  }

  /// Adds every sum into `sums` (sizes equal) and sets the buffer back to zero.
  void flush_into(std::span<UnitSum> sums) noexcept {
    for (std::size_t k = 0; k < sums.size(); ++k) {
      std::uint64_t& low = words_[2 * k];
      std::uint64_t& high = words_[2 * k + 1];
      if ((low | high) == 0) continue;
      // low + high · 2^32 as a 128-bit integer.
      const std::uint64_t shifted = high << 32;
      const std::uint64_t sum = low + shifted;
      const std::uint64_t carry = sum < low ? 1U : 0U;
      sums[k].add_units(sum, (high >> 32) + carry);
      low = 0;
      high = 0;
    }
  }

 private:
  std::vector<std::uint64_t> words_;  // per sum: the low halves' total, the high halves' total
};

}  // namespace detail
LABELKIT_END_NAMESPACE
