#pragma once
/// @file
/// The walk over Krippendorff reliability data behind every alpha pass: the value index (dense
/// slot of each value) and the per-unit visitors over annotators x items data and over value
/// count tables. Internal; the API is in labelkit/agreement/krippendorff.hpp.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Sorted values of one or two matrices (NaN skipped) with fast lookup. Three layouts:
/// - `range` (alpha's default for integer codes in a compact range lo..hi, hi - lo <= 4N + 1024):
///   the index of v is v - lo, values absent from the data keep a zero total and drop out of
///   every sum; one scan, no table;
/// - `table` (same data when gaps are not wanted, e.g. the coincidence matrix): a direct table
///   from v - lo to the dense index of v among the distinct values;
/// - `search`: sorted distinct values and a binary search (real values, sparse codes).
class ValueIndex {
 public:
  template <class A, class B = A>
  static ValueIndex build(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>* b = nullptr,
                          bool allow_gaps = true) {
    ValueIndex index;
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool integral = true;
    std::size_t count = 0;
    // One branch-free pass: NaN-ignoring extremes, the number of present values, and whether
    // every present value is whole. (|v| + 2^52) - 2^52 == |v| holds exactly for whole |v| <
    // 2^52 under round-to-nearest; larger values fail the test and take the `search` layout.
    auto scan = [&](const auto& m) {
      constexpr double two52 = 4503599627370496.0;
      double local_lo = lo;
      double local_hi = hi;
      bool whole = true;
      std::size_t present_count = 0;
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
          const double v = static_cast<double>(m(i, j));
          const bool present = v == v;
          const double x = present ? v : 0.0;
          local_lo = present && v < local_lo ? v : local_lo;
          local_hi = present && v > local_hi ? v : local_hi;
          const double ax = std::abs(x);
          whole = whole & ((ax + two52) - two52 == ax);
          present_count += present ? 1 : 0;
        }
      }
      lo = local_lo;
      hi = local_hi;
      integral = integral && whole;
      count += present_count;
    };
    scan(a);
    if (b) scan(*b);
    if (count == 0) return index;
    const double range = hi - lo;
    if (integral && range <= 4.0 * static_cast<double>(count) + 1024.0) {
      index.offset_ = lo;
      const auto size = static_cast<std::size_t>(range) + 1;
      if (allow_gaps) {
        index.layout_ = Layout::range;
        index.values_.resize(size);
        for (std::size_t k = 0; k < size; ++k) index.values_[k] = lo + static_cast<double>(k);
        return index;
      }
      index.layout_ = Layout::table;
      index.table_.assign(size, -1);
      auto mark = [&](const auto& m) {
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
          for (Eigen::Index i = 0; i < m.rows(); ++i) {
            const double v = static_cast<double>(m(i, j));
            if (v == v) index.table_[static_cast<std::size_t>(v - lo)] = 0;
          }
        }
      };
      mark(a);
      if (b) mark(*b);
      for (std::size_t k = 0; k < index.table_.size(); ++k) {
        if (index.table_[k] == 0) {
          index.table_[k] = static_cast<std::int32_t>(index.values_.size());
          index.values_.push_back(lo + static_cast<double>(k));
        }
      }
      return index;
    }
    index.layout_ = Layout::search;
    index.values_.reserve(count);
    auto collect = [&](const auto& m) {
      for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
          const double v = static_cast<double>(m(i, j));
          if (v == v) index.values_.push_back(v);
        }
      }
    };
    collect(a);
    if (b) collect(*b);
    std::sort(index.values_.begin(), index.values_.end());
    index.values_.erase(std::unique(index.values_.begin(), index.values_.end()),
                        index.values_.end());
    return index;
  }

  /// True for the `range` layout (slot = v - smallest value).
  [[nodiscard]] bool is_range() const noexcept { return layout_ == Layout::range; }

  /// Number of value slots (distinct values, plus gaps in the `range` layout).
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(values_.size());
  }
  /// Value of each slot, ascending.
  [[nodiscard]] const std::vector<double>& values() const noexcept { return values_; }

  /// Slot of a value known to be present.
  [[nodiscard]] Eigen::Index operator()(double v) const noexcept {
    switch (layout_) {
      case Layout::range:
        return static_cast<Eigen::Index>(v - offset_);
      case Layout::table:
        return table_[static_cast<std::size_t>(v - offset_)];
      case Layout::search:
        break;
    }
    return std::lower_bound(values_.begin(), values_.end(), v) - values_.begin();
  }

 private:
  enum class Layout { range, table, search };
  Layout layout_ = Layout::search;
  std::vector<double> values_;
  std::vector<std::int32_t> table_;
  double offset_ = 0;
};

/// Visits every pairable item of annotators x items data as (distinct value slots, their counts,
/// m_u). Branch-free inner loop: per-slot counts are stamped with the item that last wrote them
/// (no reset pass, no "first time in this item?" branch) and missing values add 0. Scratch
/// memory O(V + annotators); no allocation per item.
template <class Derived>
class DataUnits {
 public:
  DataUnits(const Eigen::MatrixBase<Derived>& data, const ValueIndex& index)
      : data_(data),
        index_(index),
        count_(static_cast<std::size_t>(index.size()), 0.0),
        stamp_(static_cast<std::size_t>(index.size()), -1),
        touched_(static_cast<std::size_t>(std::max(data.rows(), small_domain)) + 1),
        counts_(static_cast<std::size_t>(std::max(data.rows(), small_domain)) + 1) {}

  template <class F>
  void operator()(F&& f) {
    if (index_.size() == 0) return;
    std::fill(stamp_.begin(), stamp_.end(), Eigen::Index{-1});  // a new pass over the units
    if (index_.is_range() && index_.size() <= small_domain) {
      run_small(f);
    } else if (index_.is_range()) {
      const double offset = index_.values().front();
      run([offset](double v) { return static_cast<std::size_t>(v - offset); }, f);
    } else {
      const ValueIndex& index = index_;
      run([&index](double v) { return static_cast<std::size_t>(index(v)); }, f);
    }
  }

 private:
  /// Domains of at most this many slots (rating scales) count each item in a local array.
  static constexpr Eigen::Index small_domain = 16;

  template <class F>
  void run_small(F& f) {
    const Eigen::Index coders = data_.rows();
    const Eigen::Index units = data_.cols();
    const auto v = static_cast<std::size_t>(index_.size());
    const double offset = index_.values().front();
    Eigen::Index* touched = touched_.data();
    double* counts = counts_.data();
    const Derived& data = data_.derived();
    for (Eigen::Index u = 0; u < units; ++u) {
      double local[small_domain] = {};
      double m = 0;
      for (Eigen::Index c = 0; c < coders; ++c) {
        const double raw = static_cast<double>(data(c, u));
        const bool present = raw == raw;
        local[static_cast<std::size_t>((present ? raw : offset) - offset)] += present ? 1.0 : 0.0;
        m += present ? 1.0 : 0.0;
      }
      if (m < 2) continue;
      std::size_t distinct = 0;
      for (std::size_t k = 0; k < v; ++k) {
        touched[distinct] = static_cast<Eigen::Index>(k);
        counts[distinct] = local[k];
        distinct += local[k] > 0 ? 1 : 0;
      }
      f(std::span<const Eigen::Index>(touched, distinct), std::span<const double>(counts, distinct),
        m);
    }
  }

  template <class Lookup, class F>
  void run(Lookup lookup, F& f) {
    const Eigen::Index coders = data_.rows();
    const Eigen::Index units = data_.cols();
    const double filler = index_.values().front();  // stands in for a missing value, with weight 0
    double* count = count_.data();
    Eigen::Index* stamp = stamp_.data();
    Eigen::Index* touched = touched_.data();
    double* counts = counts_.data();
    const Derived& data = data_.derived();
    for (Eigen::Index u = 0; u < units; ++u) {
      std::size_t distinct = 0;
      double m = 0;
      for (Eigen::Index c = 0; c < coders; ++c) {
        const double raw = static_cast<double>(data(c, u));
        const bool present = raw == raw;
        const std::size_t k = lookup(present ? raw : filler);
        const double before = stamp[k] == u ? count[k] : 0.0;
        const double add = present ? 1.0 : 0.0;
        count[k] = before + add;
        stamp[k] = present ? u : stamp[k];
        touched[distinct] = static_cast<Eigen::Index>(k);
        distinct += (present & (before == 0.0)) ? 1 : 0;
        m += add;
      }
      if (m < 2) continue;
      for (std::size_t t = 0; t < distinct; ++t)
        counts[t] = count[static_cast<std::size_t>(touched[t])];
      f(std::span<const Eigen::Index>(touched, distinct), std::span<const double>(counts, distinct),
        m);
    }
  }

  const Eigen::MatrixBase<Derived>& data_;
  const ValueIndex& index_;
  std::vector<double> count_;
  std::vector<Eigen::Index> stamp_;
  std::vector<Eigen::Index> touched_;
  std::vector<double> counts_;
};

/// Visits every pairable row of an items x values count table.
template <class Derived>
class CountUnits {
 public:
  explicit CountUnits(const Eigen::MatrixBase<Derived>& counts) : counts_(counts) {}

  template <class F>
  void operator()(F&& f) {
    std::vector<Eigen::Index> touched;
    std::vector<double> values;
    for (Eigen::Index u = 0; u < counts_.rows(); ++u) {
      touched.clear();
      values.clear();
      double m = 0;
      for (Eigen::Index k = 0; k < counts_.cols(); ++k) {
        const double x = static_cast<double>(counts_(u, k));
        if (x > 0) {
          touched.push_back(k);
          values.push_back(x);
          m += x;
        }
      }
      if (m >= 2) f(std::span<const Eigen::Index>(touched), std::span<const double>(values), m);
    }
  }

 private:
  const Eigen::MatrixBase<Derived>& counts_;
};
}  // namespace detail
LABELKIT_END_NAMESPACE
