#pragma once
/// @file
/// Krippendorff's alpha as a mergeable state (see labelkit/core/mergeable.hpp): the exact
/// sufficient statistic of alpha at every level, built on shards of the items, merged in any
/// order, and carried as bytes.
///
/// Alpha depends on the data only through the coincidence matrix o_ck and its row sums n_c
/// (krippendorff.hpp). o_ck = sum_u n_uc (n_uk - [c = k]) / (m_u - 1) is a sum of fractions, so
/// summing it in floating point would make the result depend on the order of the items. The
/// state keeps instead, for each unit size m (values in a pairable item) and each pair of values
/// c <= k, the integer count P^(m)_ck = sum_{u: m_u = m} n_uc (n_uk - [c = k]), and the integer
/// totals n_c. Counts add exactly, so a merged state is the same whatever the partition and the
/// order of merges, and alpha is then computed once, in a fixed order:
///
///   o_ck = sum_m P^(m)_ck / (m - 1), m ascending;
///   D_o = sum_{c<k} 2 o_ck d2_ck / n,  D_e = sum_{c != k} n_c n_k d2_ck / (n (n - 1)).
///
/// Relation to krippendorff_alpha(): the same alpha, summed in another order. The two agree to
/// a few units in the last place (tested to 1e-13); the state's value is bit-identical for any
/// partition of the items into shards, which is what distributed runs need.
///
/// Memory: one count per (unit size, value pair) that occurs: at most M V (V + 1) / 2 for V
/// values and M distinct unit sizes (numbers of annotators per item).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/detail/krippendorff_passes.hpp"
#include "labelkit/agreement/krippendorff_types.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// The mergeable state of Krippendorff's alpha: integer coincidence counts per unit size and
/// integer value totals over the pairable items seen so far. Default-constructed, it is the
/// state of no items. Satisfies labelkit::MergeableState.
///
///     AlphaState state;                       // per shard, any number of add() calls
///     state.add(shard);                       // annotators x items, NaN = missing
///     state.merge(AlphaState::from_bytes(received));
///     double a = state.alpha(Level::interval);
class AlphaState {
 public:
  /// The empty state (no items).
  AlphaState() = default;

  /// The state of annotators x items reliability data (NaN = missing), the layout of
  /// krippendorff_alpha().
  /// @throws labelkit::invalid_argument for an infinite value (naming its position).
  template <class Derived>
  [[nodiscard]] static AlphaState of(const Eigen::MatrixBase<Derived>& data) {
    AlphaState s;
    s.add(data);
    return s;
  }

  /// The state of a RatingTable (items x annotators with ids), read as annotators x items.
  /// @throws as the matrix overload.
  template <std::same_as<RatingTable> Table>
  [[nodiscard]] static AlphaState of(const Table& table) {
    return of(table.annotators_by_items());
  }

  /// Adds the items (columns) of annotators x items data to the state. Items with fewer than two
  /// values are not pairable and change nothing. O(annotators x items x log annotators). Data
  /// with an infinite value are refused before anything is added.
  /// @throws labelkit::invalid_argument for an infinite value (naming its position).
  template <class Derived>
  void add(const Eigen::MatrixBase<Derived>& data) {
    detail::check_no_infinity(data, "AlphaState::add");
    std::vector<double> column;
    column.reserve(static_cast<std::size_t>(data.rows()));
    for (Eigen::Index u = 0; u < data.cols(); ++u) {
      column.clear();
      for (Eigen::Index a = 0; a < data.rows(); ++a) {
        const double v = static_cast<double>(data(a, u));
        if (v == v) column.push_back(v == 0.0 ? 0.0 : v);  // -0 and +0 are one value
      }
      add_unit(column);
    }
  }

  /// Merges the state of other items into this one (exact integer addition).
  /// @throws labelkit::numerical_error if a count would overflow int64.
  template <class = void>
  void merge(const AlphaState& other) {
    constexpr const char* fn = "AlphaState::merge";
    AlphaState result = *this;
    result.units_ = detail::add_counts(result.units_, other.units_, fn);
    for (const auto& [value, count] : other.totals_)
      result.totals_[value] = detail::add_counts(result.totals_[value], count, fn);
    for (const auto& [m, pairs] : other.pairs_) {
      auto& mine = result.pairs_[m];
      for (const auto& [key, count] : pairs) mine[key] = detail::add_counts(mine[key], count, fn);
    }
    *this = std::move(result);
  }

  /// Alpha with D_o, D_e and the numbers of pairable values and items.
  /// @throws labelkit::invalid_argument if no item is pairable (as krippendorff_alpha) or a
  ///         value is negative at the ratio level; the ZeroDivision policy decides D_e = 0.
  template <class = void>
  [[nodiscard]] AlphaParts alpha_parts(Level level,
                                       ZeroDivision zero_division = ZeroDivision::one) const {
    constexpr const char* fn = "AlphaState::alpha_parts";
    const ValueTable table = value_table();
    const std::vector<double>& values = table.values;
    if (level == Level::ratio) detail::check_ratio_values(values, fn);
    detail::AlphaSums s;
    s.totals = table.totals;
    s.n = s.totals.sum();
    s.units = static_cast<Eigen::Index>(units_);
    const Eigen::VectorXd positions =
        level == Level::ordinal ? detail::ordinal_positions(s.totals) : s.totals;
    const auto d2 = [&](double c, double k) -> double {
      switch (level) {
        case Level::nominal:
          return c == k ? 0.0 : 1.0;
        case Level::interval:
          return (c - k) * (c - k);
        case Level::ordinal: {
          const double d = positions(table.slot(k)) - positions(table.slot(c));
          return d * d;
        }
        case Level::ratio:
          return detail::ratio_metric(c, k);
      }
      return 0.0;
    };
    // sum_{c<k} 2 o_ck d2_ck, with o_ck summed over unit sizes in ascending order.
    std::map<std::pair<double, double>, double> coincidence;
    for (const auto& [m, pairs] : pairs_) {
      for (const auto& [key, count] : pairs) {
        if (key.first != key.second)
          coincidence[key] += static_cast<double>(count) / static_cast<double>(m - 1);
      }
    }
    for (const auto& [key, o] : coincidence) s.observed += 2.0 * o * d2(key.first, key.second);
    const double expected = detail::level_expected(level, s.totals, values, positions);
    return detail::finish_alpha(s, expected, s.n, zero_division, fn);
  }

  /// Krippendorff's alpha of every item added or merged so far.
  /// @throws as alpha_parts().
  template <class = void>
  [[nodiscard]] double alpha(Level level, ZeroDivision zero_division = ZeroDivision::one) const {
    return alpha_parts(level, zero_division).alpha;
  }

  /// The coincidence matrix o_ck over the values of the pairable items (ascending), with its row
  /// sums n_c, as coincidence_matrix() returns it.
  /// @throws labelkit::invalid_argument if the V x V matrix would exceed
  ///         labelkit::max_allocation_bytes.
  template <class = void>
  [[nodiscard]] Coincidences coincidences() const {
    ValueTable table = value_table();
    const auto v = static_cast<Eigen::Index>(table.values.size());
    detail::check_allocation({table.values.size(), table.values.size()}, sizeof(double),
                             "AlphaState::coincidences", "the coincidence matrix");
    Coincidences c;
    c.matrix = Eigen::MatrixXd::Zero(v, v);
    for (const auto& [m, pairs] : pairs_) {
      for (const auto& [key, count] : pairs) {
        const double o = static_cast<double>(count) / static_cast<double>(m - 1);
        const Eigen::Index a = table.slot(key.first);
        const Eigen::Index b = table.slot(key.second);
        c.matrix(a, b) += o;
        if (a != b) c.matrix(b, a) += o;
      }
    }
    c.values = std::move(table.values);
    c.totals = std::move(table.totals);
    return c;
  }

  /// Items with two or more values seen so far.
  [[nodiscard]] std::int64_t pairable_items() const { return units_; }

  /// The flat serialisation: tag "LKALPHA1", version 1, then the unit count, the totals (value,
  /// count) in ascending value, and per unit size m ascending its (c, k, count) entries in
  /// ascending (c, k).
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKALPHA1", 1);
    w.i64(units_);
    w.u64(totals_.size());
    for (const auto& [value, count] : totals_) {
      w.f64(value);
      w.i64(count);
    }
    w.u64(pairs_.size());
    for (const auto& [m, pairs] : pairs_) {
      w.i64(m);
      w.u64(pairs.size());
      for (const auto& [key, count] : pairs) {
        w.f64(key.first);
        w.f64(key.second);
        w.i64(count);
      }
    }
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, truncated or trailing bytes, a
  ///         non-finite or unsorted value, a count <= 0, a unit size < 2, or a pair whose values
  ///         have no total.
  template <class = void>
  [[nodiscard]] static AlphaState from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* fn = "AlphaState::from_bytes";
    constexpr std::int64_t max_count = std::numeric_limits<std::int64_t>::max();
    detail::ByteReader r(bytes, "LKALPHA1", 1, fn);
    AlphaState s;
    s.units_ = r.non_negative(max_count, "the pairable item count");
    const std::size_t n_values = r.count(16, max_count, "the number of values");
    double previous = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n_values; ++i) {
      const double value = r.f64();
      if (!std::isfinite(value) || (i > 0 && !(value > previous)) ||
          (value == 0.0 && std::signbit(value)))
        r.fail_at("a value is not finite, or the values are not strictly ascending");
      const std::int64_t count = r.non_negative(max_count, "a value's total");
      if (count == 0) r.fail_at("a value's total is 0");
      s.totals_.emplace_hint(s.totals_.end(), value, count);
      previous = value;
    }
    const std::size_t n_sizes = r.count(16, max_count, "the number of unit sizes");
    std::int64_t previous_m = 1;
    for (std::size_t j = 0; j < n_sizes; ++j) {
      const std::int64_t m = r.non_negative(max_count, "a unit size");
      if (m <= previous_m) r.fail_at("unit sizes must be at least 2 and strictly ascending");
      previous_m = m;
      auto& pairs = s.pairs_[m];
      const std::size_t n_pairs = r.count(24, max_count, "the number of value pairs");
      std::pair<double, double> last{-std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity()};
      for (std::size_t p = 0; p < n_pairs; ++p) {
        const std::pair<double, double> key{r.f64(), r.f64()};
        if (!(key.first <= key.second) || !s.totals_.contains(key.first) ||
            !s.totals_.contains(key.second) || (p > 0 && !(last < key)))
          r.fail_at("a value pair is unsorted, not c <= k, or names a value without a total");
        const std::int64_t count = r.non_negative(max_count, "a pair count");
        if (count == 0) r.fail_at("a pair count is 0");
        pairs.emplace_hint(pairs.end(), key, count);
        last = key;
      }
    }
    r.finish();
    return s;
  }

  /// States are equal when their counts are (then every alpha they give is equal).
  friend bool operator==(const AlphaState&, const AlphaState&) = default;

 private:
  // One item's present values.
  template <class = void>
  void add_unit(std::vector<double>& values) {
    if (values.size() < 2) return;
    std::sort(values.begin(), values.end());
    const auto m = static_cast<std::int64_t>(values.size());
    std::vector<std::pair<double, std::int64_t>> runs;
    for (std::size_t i = 0; i < values.size();) {
      std::size_t j = i;
      while (j < values.size() && values[j] == values[i]) ++j;
      runs.emplace_back(values[i], static_cast<std::int64_t>(j - i));
      i = j;
    }
    constexpr const char* fn = "AlphaState::add";
    ++units_;
    auto& pairs = pairs_[m];
    for (std::size_t a = 0; a < runs.size(); ++a) {
      totals_[runs[a].first] += runs[a].second;
      if (runs[a].second > 1) {  // ordered pairs of equal values within the item
        auto& same = pairs[{runs[a].first, runs[a].first}];
        same = detail::add_counts(same, runs[a].second * (runs[a].second - 1), fn);
      }
      for (std::size_t b = a + 1; b < runs.size(); ++b) {
        auto& cross = pairs[{runs[a].first, runs[b].first}];
        cross = detail::add_counts(cross, runs[a].second * runs[b].second, fn);
      }
    }
  }

  // The pairable values ascending with their totals n_c, and where a value stands among them.
  struct ValueTable {
    std::vector<double> values;
    Eigen::VectorXd totals;
    [[nodiscard]] Eigen::Index slot(double v) const {
      return static_cast<Eigen::Index>(std::lower_bound(values.begin(), values.end(), v) -
                                       values.begin());
    }
  };
  template <class = void>
  [[nodiscard]] ValueTable value_table() const {
    ValueTable t;
    t.values.reserve(totals_.size());
    t.totals.resize(static_cast<Eigen::Index>(totals_.size()));
    for (const auto& [value, count] : totals_) {
      t.totals(static_cast<Eigen::Index>(t.values.size())) = static_cast<double>(count);
      t.values.push_back(value);
    }
    return t;
  }

  std::int64_t units_ = 0;                 // pairable items
  std::map<double, std::int64_t> totals_;  // n_c over pairable values
  // P^(m)_ck for c <= k, per unit size m.
  std::map<std::int64_t, std::map<std::pair<double, double>, std::int64_t>> pairs_;
};

}  // namespace agreement
LABELKIT_END_NAMESPACE
