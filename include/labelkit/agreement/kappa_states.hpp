#pragma once
/// @file
/// Cohen's and Fleiss' kappa as mergeable states (see labelkit/core/mergeable.hpp). Both
/// coefficients depend on the data only through integer tables, which add exactly:
/// - Cohen: the C x C contingency table of two annotators;
/// - Fleiss: the number of items, the common number of annotators per item, the category
///   totals sum_i n_ij and the sum of squares sum_ij n_ij^2.
/// A state built on shards of the items and merged in any order is therefore identical to the
/// state of all the items, and the coefficient computed from it is the same to the last bit as
/// the one computed on one machine: the value goes through the same function as the serial
/// overloads (cohens_kappa_estimate on a table; Fleiss' P and P_e from the same sums).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/detail/chance_corrected.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// The mergeable state of Cohen's kappa: the contingency table of two annotators over the label
/// codes 0..C-1 (rows: annotator a, columns: annotator b). Weighted kappa weighs categories by
/// their code, so it equals cohens_kappa(a, b, w) when every code 0..C-1 occurs (that overload
/// indexes by the codes observed). Satisfies labelkit::MergeableState.
class CohenState {
 public:
  /// An empty table of C categories.
  /// @throws labelkit::invalid_argument unless 1 <= C <= labelkit::max_classes.
  explicit CohenState(int n_categories) {
    detail::check_class_count(n_categories, "CohenState", "n_categories");
    c_ = n_categories;
    table_.assign(static_cast<std::size_t>(c_) * static_cast<std::size_t>(c_), 0);
  }

  /// Adds items: a[i] and b[i] are the two annotators' labels for item i.
  /// @throws labelkit::dimension_mismatch if the lengths differ; labelkit::invalid_argument for
  ///         a code outside [0, C) (naming the item). Nothing is added when it throws.
  void add(std::span<const int> a, std::span<const int> b) {
    constexpr const char* fn = "CohenState::add";
    if (a.size() != b.size()) {
      detail::fail<dimension_mismatch>(fn, "'a' has ", a.size(), " labels but 'b' has ", b.size());
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] < 0 || a[i] >= c_ || b[i] < 0 || b[i] >= c_) {
        detail::fail(fn, "item ", i, " has labels (", a[i], ", ", b[i], "); codes must be in [0, ",
                     c_, ")");
      }
    }
    for (std::size_t i = 0; i < a.size(); ++i) ++table_[index(a[i], b[i])];
  }

  /// Merges another shard's table.
  /// @throws labelkit::dimension_mismatch if the category counts differ;
  ///         labelkit::numerical_error if the merged table would hold more than 2^53 items (the
  ///         largest count its double table() keeps exact).
  void merge(const CohenState& other) {
    constexpr const char* fn = "CohenState::merge";
    if (other.c_ != c_) {
      detail::fail<dimension_mismatch>(fn, "the states have ", c_, " and ", other.c_,
                                       " categories");
    }
    std::vector<std::int64_t> sum = table_;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < sum.size(); ++i) {
      sum[i] = detail::add_counts(sum[i], other.table_[i], fn);
      total = detail::add_counts(total, sum[i], fn);
    }
    if (total > max_items) {
      detail::fail<numerical_error>(fn, "the merged table holds ", total, " items, more than 2^53");
    }
    table_ = std::move(sum);
  }

  /// The contingency table as doubles (exact below 2^53 items per cell).
  template <class = void>
  [[nodiscard]] Eigen::MatrixXd table() const {
    Eigen::MatrixXd t(c_, c_);
    for (int i = 0; i < c_; ++i)
      for (int j = 0; j < c_; ++j) t(i, j) = static_cast<double>(table_[index(i, j)]);
    return t;
  }

  /// Cohen's kappa with inference: cohens_kappa_estimate(table(), w, confidence, zero_division).
  /// @throws as that overload (e.g. labelkit::invalid_argument for a table with no items).
  template <class = void>
  [[nodiscard]] Estimate estimate(Weights w = Weights::none, double confidence = 0.95,
                                  ZeroDivision zero_division = ZeroDivision::one) const {
    return cohens_kappa_estimate(table(), w, confidence, zero_division);
  }

  /// Cohen's kappa: estimate(w).value.
  template <class = void>
  [[nodiscard]] double kappa(Weights w = Weights::none,
                             ZeroDivision zero_division = ZeroDivision::one) const {
    return estimate(w, 0.95, zero_division).value;
  }

  /// The number of categories C.
  [[nodiscard]] int n_categories() const { return c_; }

  /// Tag "LKCOHEN1", version 1, then C and the C x C counts, row by row.
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKCOHEN1", 1);
    w.i64(c_);
    for (const std::int64_t v : table_) w.i64(v);
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, C outside [1, max_classes], C^2
  ///         counts that the buffer does not hold, a negative count, counts summing beyond
  ///         2^53, or trailing bytes.
  [[nodiscard]] static CohenState from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* fn = "CohenState::from_bytes";
    detail::ByteReader r(bytes, "LKCOHEN1", 1, fn);
    const std::int64_t c = r.i64();
    if (c < 1 || c > labelkit::max_classes)
      r.fail_at("the category count is outside [1, max_classes]");
    const auto cells = static_cast<std::size_t>(c) * static_cast<std::size_t>(c);
    if ((bytes.size() - r.position()) / 8 < cells)
      r.fail_at("the buffer is shorter than C^2 counts");
    CohenState s(static_cast<int>(c));
    std::int64_t total = 0;
    for (std::size_t i = 0; i < cells; ++i) {
      s.table_[i] = r.non_negative(max_items - total, "a table count");
      total += s.table_[i];  // at most max_items
    }
    r.finish();
    return s;
  }

  /// Equal tables.
  friend bool operator==(const CohenState&, const CohenState&) = default;

 private:
  static constexpr std::int64_t max_items = std::int64_t{1} << 53;
  [[nodiscard]] std::size_t index(int i, int j) const {
    return static_cast<std::size_t>(i) * static_cast<std::size_t>(c_) + static_cast<std::size_t>(j);
  }
  int c_ = 1;
  std::vector<std::int64_t> table_;
};

/// The mergeable state of Fleiss' kappa over items x categories count tables (every item rated
/// by the same number of annotators n, as fleiss_kappa requires): the item count, n, the
/// category totals and the sum of squared counts. kappa() equals fleiss_kappa() of the stacked
/// tables to the last bit. Satisfies labelkit::MergeableState.
class FleissState {
 public:
  /// An empty state over C categories.
  /// @throws labelkit::invalid_argument unless 1 <= C <= labelkit::max_classes.
  explicit FleissState(int n_categories) {
    detail::check_class_count(n_categories, "FleissState", "n_categories");
    totals_.assign(static_cast<std::size_t>(n_categories), 0);
  }

  /// Adds the items (rows) of an items x categories count table of whole numbers (a table with
  /// no rows, an empty shard, adds nothing).
  /// @throws labelkit::invalid_argument as fleiss_kappa for the table (unequal rows, fewer than
  ///         2 annotators, negative or non-finite counts), a count that is not a whole number,
  ///         more than 2^31 - 1 annotators per item, or annotators per item that differ from
  ///         the items already added;
  ///         labelkit::dimension_mismatch for another number of categories. Nothing is added
  ///         when it throws.
  template <class Derived>
  void add(const Eigen::MatrixBase<Derived>& counts) {
    constexpr const char* fn = "FleissState::add";
    if (counts.cols() != static_cast<Eigen::Index>(totals_.size())) {
      detail::fail<dimension_mismatch>(fn, "'counts' has ", counts.cols(),
                                       " columns but the state has ", totals_.size(),
                                       " categories");
    }
    if (counts.rows() == 0) return;  // an empty shard
    const double n = detail::check_fleiss_table(counts, fn);
    if (n > 2147483647.0) detail::fail(fn, "items have ", n, " annotators each (at most 2^31 - 1)");
    if (raters_ != 0 && n != static_cast<double>(raters_)) {
      detail::fail(fn, "items have ", n, " annotators each but the state's items have ", raters_);
    }
    for (Eigen::Index i = 0; i < counts.rows(); ++i) {
      for (Eigen::Index j = 0; j < counts.cols(); ++j) {
        const double v = static_cast<double>(counts(i, j));
        if (v != std::floor(v))
          detail::fail(fn, "counts(", i, ", ", j, ") = ", v, " is not a whole number");
      }
    }
    FleissState next = *this;
    next.raters_ = static_cast<std::int64_t>(n);
    next.items_ = detail::add_counts(next.items_, static_cast<std::int64_t>(counts.rows()), fn);
    for (Eigen::Index i = 0; i < counts.rows(); ++i) {
      for (Eigen::Index j = 0; j < counts.cols(); ++j) {
        const auto v = static_cast<std::int64_t>(counts(i, j));
        auto& total = next.totals_[static_cast<std::size_t>(j)];
        total = detail::add_counts(total, v, fn);
        next.sum_of_squares_ = detail::add_counts(next.sum_of_squares_, v * v, fn);
      }
    }
    *this = std::move(next);
  }

  /// Merges another shard's state.
  /// @throws labelkit::dimension_mismatch for another number of categories;
  ///         labelkit::invalid_argument if both have items with different annotators per item;
  ///         labelkit::numerical_error if a count would overflow int64.
  void merge(const FleissState& other) {
    constexpr const char* fn = "FleissState::merge";
    if (other.totals_.size() != totals_.size()) {
      detail::fail<dimension_mismatch>(fn, "the states have ", totals_.size(), " and ",
                                       other.totals_.size(), " categories");
    }
    if (raters_ != 0 && other.raters_ != 0 && raters_ != other.raters_) {
      detail::fail(fn, "the states' items have ", raters_, " and ", other.raters_,
                   " annotators each");
    }
    FleissState next = *this;
    if (next.raters_ == 0) next.raters_ = other.raters_;
    next.items_ = detail::add_counts(next.items_, other.items_, fn);
    next.sum_of_squares_ = detail::add_counts(next.sum_of_squares_, other.sum_of_squares_, fn);
    for (std::size_t j = 0; j < totals_.size(); ++j)
      next.totals_[j] = detail::add_counts(next.totals_[j], other.totals_[j], fn);
    *this = std::move(next);
  }

  /// Fleiss' kappa of every item added or merged, (P - P_e) / (1 - P_e).
  /// @throws labelkit::invalid_argument for a state with no items; the policy decides P_e = 1.
  template <class = void>
  [[nodiscard]] double kappa(ZeroDivision zero_division = ZeroDivision::one) const {
    if (items_ == 0) detail::fail("FleissState::kappa", "the state has no items");
    Eigen::VectorXd totals(static_cast<Eigen::Index>(totals_.size()));
    for (std::size_t j = 0; j < totals_.size(); ++j)
      totals(static_cast<Eigen::Index>(j)) = static_cast<double>(totals_[j]);
    const auto parts =
        detail::fleiss_parts_from_sums(static_cast<double>(items_), static_cast<double>(raters_),
                                       totals, static_cast<double>(sum_of_squares_));
    return detail::chance_corrected(parts.p_bar, parts.p_e, zero_division, "FleissState::kappa");
  }

  /// Items added or merged so far.
  [[nodiscard]] std::int64_t items() const { return items_; }

  /// Tag "LKFLEIS1", version 1, then C, items, annotators per item, the sum of squares and the C
  /// category totals.
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKFLEIS1", 1);
    w.i64(static_cast<std::int64_t>(totals_.size()));
    w.i64(items_);
    w.i64(raters_);
    w.i64(sum_of_squares_);
    for (const std::int64_t v : totals_) w.i64(v);
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, C outside [1, max_classes],
  ///         negative counts, items without annotators (or annotators without items), category
  ///         totals that do not add up to items x annotators, or trailing bytes.
  [[nodiscard]] static FleissState from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* fn = "FleissState::from_bytes";
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    detail::ByteReader r(bytes, "LKFLEIS1", 1, fn);
    const std::int64_t c = r.i64();
    if (c < 1 || c > labelkit::max_classes)
      r.fail_at("the category count is outside [1, max_classes]");
    if ((bytes.size() - r.position()) / 8 < static_cast<std::size_t>(c) + 3)
      r.fail_at("the buffer is shorter than the state");
    FleissState s(static_cast<int>(c));
    s.items_ = r.non_negative(max, "the item count");
    s.raters_ = r.non_negative(max, "the annotators per item");
    s.sum_of_squares_ = r.non_negative(max, "the sum of squares");
    if ((s.items_ == 0) != (s.raters_ == 0) || s.raters_ == 1)
      r.fail_at("items and annotators per item must both be 0, or >= 1 and >= 2");
    long double sum = 0;
    for (auto& v : s.totals_) {
      v = r.non_negative(max, "a category total");
      sum += static_cast<long double>(v);
    }
    if (sum != static_cast<long double>(s.items_) * static_cast<long double>(s.raters_))
      r.fail_at("the category totals do not add up to items x annotators per item");
    r.finish();
    return s;
  }

  /// Equal states.
  friend bool operator==(const FleissState&, const FleissState&) = default;

 private:
  std::int64_t items_ = 0;
  std::int64_t raters_ = 0;  // 0 while empty
  std::int64_t sum_of_squares_ = 0;
  std::vector<std::int64_t> totals_;
};

}  // namespace agreement
LABELKIT_END_NAMESPACE
