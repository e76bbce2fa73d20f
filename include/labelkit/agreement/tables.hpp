#pragma once
/// @file
/// The three input shapes of the agreement module and the conversions between them:
/// - long records (item, annotator, label): `labelkit::Annotation`, or parallel ranges of
///   arbitrary ids and labels (ints or strings), mapped to dense indices for the user;
/// - wide ratings: an items x raters matrix (rows are items), NaN = missing;
/// - count tables: an items x categories matrix of how many raters put each item in each
///   category (Fleiss 1971's layout; rows are items).
/// A missing rating is absent: it is never turned into a category.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <span>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Items x categories counts with the category codes they stand for (ascending).
struct CountTable {
  Eigen::MatrixXd counts;          ///< counts(i, k): raters who put item i in category k.
  std::vector<double> categories;  ///< Code of each column, ascending.
};

/// Wide ratings (items x raters, NaN = missing) with the ids behind rows and columns.
struct WideRatings {
  Eigen::MatrixXd ratings;              ///< ratings(i, r): label code, NaN when r did not rate i.
  std::vector<Eigen::Index> item_ids;   ///< Item id of each row, ascending.
  std::vector<Eigen::Index> rater_ids;  ///< Annotator id of each column, ascending.
};

}  // namespace agreement
namespace detail {

/// Dense index of arbitrary int codes: the sorted distinct codes, with O(1) lookup through a
/// direct table when the codes span a small range (<= 4n + 1024) and O(log C) otherwise.
class CodeIndex {
 public:
  CodeIndex() = default;

  /// Indexes the union of the codes in `a` and `b`. O(n) for compact codes, O(n log n) else.
  CodeIndex(std::span<const int> a, std::span<const int> b) {
    if (a.empty() && b.empty()) return;
    int lo = std::numeric_limits<int>::max();
    int hi = std::numeric_limits<int>::min();
    for (const int v : a) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    for (const int v : b) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const long long range = static_cast<long long>(hi) - lo;
    const long long n = static_cast<long long>(a.size() + b.size());
    if (range <= 4 * n + 1024) {
      offset_ = lo;
      table_.assign(static_cast<std::size_t>(range) + 1, -1);
      for (const int v : a) table_[static_cast<std::size_t>(static_cast<long long>(v) - lo)] = 0;
      for (const int v : b) table_[static_cast<std::size_t>(static_cast<long long>(v) - lo)] = 0;
      for (std::size_t i = 0; i < table_.size(); ++i) {
        if (table_[i] == 0) {
          table_[i] = static_cast<int>(codes_.size());
          codes_.push_back(static_cast<int>(static_cast<long long>(i) + lo));
        }
      }
    } else {
      codes_.assign(a.begin(), a.end());
      codes_.insert(codes_.end(), b.begin(), b.end());
      std::sort(codes_.begin(), codes_.end());
      codes_.erase(std::unique(codes_.begin(), codes_.end()), codes_.end());
    }
  }

  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(codes_.size());
  }
  [[nodiscard]] const std::vector<int>& codes() const noexcept { return codes_; }

  /// Dense index of a code known to be present.
  [[nodiscard]] Eigen::Index operator()(int code) const noexcept {
    if (!table_.empty()) {
      return table_[static_cast<std::size_t>(static_cast<long long>(code) - offset_)];
    }
    return std::lower_bound(codes_.begin(), codes_.end(), code) - codes_.begin();
  }

 private:
  std::vector<int> codes_;
  std::vector<int> table_;
  int offset_ = 0;
};

/// Throws unless the two raters' sequences have the same, non-zero length.
inline void check_pair(std::span<const int> a, std::span<const int> b, const char* function) {
  if (a.size() != b.size()) {
    fail<dimension_mismatch>(function, "'a' and 'b' have different lengths (got ", a.size(),
                             " and ", b.size(), "; each position is one item rated by both)");
  }
  if (a.empty()) fail(function, "'a' and 'b' are empty (expected at least one item)");
}

/// Throws unless `q` categories fit labelkit::max_classes and the q x q weight matrix that the
/// coefficients build from them fits labelkit::max_allocation_bytes.
inline void check_category_count(Eigen::Index q, const char* function,
                                 const char* argument = "categories") {
  check_class_count(q, function, argument);
  check_allocation({static_cast<std::size_t>(q), static_cast<std::size_t>(q)}, sizeof(double),
                   function, "the categories x categories weight matrix");
}

/// Throws unless the count table is non-empty, finite and non-negative, with a category count
/// (columns) within check_category_count's limits.
template <class Derived>
void check_counts(const Eigen::MatrixBase<Derived>& counts, const char* function) {
  if (counts.rows() == 0 || counts.cols() == 0) {
    fail(function, "'counts' is empty (got ", counts.rows(), " x ", counts.cols(),
         ", expected items x categories)");
  }
  check_category_count(counts.cols(), function, "counts.cols()");
  for (Eigen::Index j = 0; j < counts.cols(); ++j) {
    for (Eigen::Index i = 0; i < counts.rows(); ++i) {
      const double v = static_cast<double>(counts(i, j));
      if (!(v >= 0) || std::isinf(v)) {
        fail(function, "'counts' has an invalid count at row ", i, ", column ", j, " (got ", v,
             ", expected a finite non-negative number)");
      }
    }
  }
}

/// Throws unless a CountTable is consistent: valid counts (check_counts), one category code per
/// column, codes finite and strictly increasing, and a category count within the limits.
/// Every public function that takes a CountTable calls this first: its columns and its
/// categories size the weight matrix, so a mismatch would read out of bounds.
template <class Table>
void check_count_table(const Table& table, const char* function) {
  check_counts(table.counts, function);
  const auto q = static_cast<Eigen::Index>(table.categories.size());
  if (q != table.counts.cols()) {
    fail<dimension_mismatch>(function, "'table.categories' has ", q,
                             " codes but 'table.counts' has ", table.counts.cols(),
                             " columns (expected one category code per column)");
  }
  check_category_count(q, function, "table.categories.size()");
  for (std::size_t k = 0; k < table.categories.size(); ++k) {
    const double c = table.categories[k];
    if (!std::isfinite(c) || (k > 0 && !(c > table.categories[k - 1]))) {
      fail(function, "'table.categories' must be finite and strictly increasing (got ", c,
           " at position ", k, ")");
    }
  }
}

/// Throws unless every entry of wide ratings is finite or NaN (missing).
template <class Derived>
void check_ratings(const Eigen::MatrixBase<Derived>& ratings, const char* function) {
  if (ratings.rows() == 0 || ratings.cols() == 0) {
    fail(function, "'ratings' is empty (got ", ratings.rows(), " x ", ratings.cols(),
         ", expected items x raters)");
  }
  for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
    for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
      if (std::isinf(static_cast<double>(ratings(i, j)))) {
        fail(function, "'ratings' has an infinite value at row ", i, ", column ", j,
             " (NaN marks a missing rating; infinity is not a label)");
      }
    }
  }
}

}  // namespace detail
namespace agreement {

/// Counts wide ratings (items x raters, rows are items, NaN = missing) into an items x categories
/// table over the sorted distinct codes. Missing entries are skipped. O(items * raters * log C).
/// @throws labelkit::invalid_argument if `ratings` is empty or holds an infinite value.
template <class Derived>
[[nodiscard]] CountTable count_table(const Eigen::MatrixBase<Derived>& ratings) {
  detail::check_ratings(ratings, "count_table");
  CountTable table;
  for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
    for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
      const double v = static_cast<double>(ratings(i, j));
      if (!std::isnan(v)) table.categories.push_back(v);
    }
  }
  std::sort(table.categories.begin(), table.categories.end());
  table.categories.erase(std::unique(table.categories.begin(), table.categories.end()),
                         table.categories.end());
  detail::check_category_count(static_cast<Eigen::Index>(table.categories.size()), "count_table",
                               "distinct values in 'ratings'");
  detail::check_allocation({static_cast<std::size_t>(ratings.rows()), table.categories.size()},
                           sizeof(double), "count_table", "the items x categories table");
  table.counts =
      Eigen::MatrixXd::Zero(ratings.rows(), static_cast<Eigen::Index>(table.categories.size()));
  for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
    for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
      const double v = static_cast<double>(ratings(i, j));
      if (std::isnan(v)) continue;
      const auto k = std::lower_bound(table.categories.begin(), table.categories.end(), v) -
                     table.categories.begin();
      table.counts(i, static_cast<Eigen::Index>(k)) += 1.0;
    }
  }
  return table;
}

/// Builds wide ratings (items x annotators, NaN = missing) from long records. Item and annotator
/// ids are mapped to rows/columns in ascending id order; the label code is kept as is. If an
/// annotator answered an item more than once, the last record wins (deduplicate upstream if
/// that is not what you want). O(N) for compact ids, O(N log N) otherwise.
/// @throws labelkit::invalid_argument for an empty input or a negative id (naming the record).
[[nodiscard]] inline WideRatings wide_ratings(std::span<const Annotation> records) {
  if (records.empty())
    detail::fail("wide_ratings", "'records' is empty (expected at least one record)");
  std::vector<Eigen::Index> items(records.size());
  std::vector<Eigen::Index> raters(records.size());
  for (std::size_t r = 0; r < records.size(); ++r) {
    items[r] = records[r].item;
    raters[r] = records[r].annotator;
  }
  const IdMap item_map = IdMap::from_ids(items, "wide_ratings", "records.item");
  const IdMap rater_map = IdMap::from_ids(raters, "wide_ratings", "records.annotator");
  detail::check_allocation(
      {static_cast<std::size_t>(item_map.size()), static_cast<std::size_t>(rater_map.size())},
      sizeof(double), "wide_ratings", "the items x annotators matrix");
  WideRatings out;
  out.ratings = Eigen::MatrixXd::Constant(item_map.size(), rater_map.size(),
                                          std::numeric_limits<double>::quiet_NaN());
  for (const Annotation& a : records) {
    out.ratings(item_map.find(a.item), rater_map.find(a.annotator)) = static_cast<double>(a.label);
  }
  out.item_ids = item_map.ids();
  out.rater_ids = rater_map.ids();
  return out;
}

/// Wide ratings with the original keys, for long records whose ids and labels are arbitrary
/// ordered values (ints, strings, ...). Labels become codes 0..L-1 in ascending label order.
template <class Item, class Rater, class Label>
struct KeyedWideRatings {
  Eigen::MatrixXd ratings;    ///< items x raters label codes, NaN = missing.
  std::vector<Item> items;    ///< Key of each row (ascending).
  std::vector<Rater> raters;  ///< Key of each column (ascending).
  std::vector<Label> labels;  ///< Label of each code (ascending).
};

/// Builds wide ratings from three parallel ranges (item key, rater key, label) of any ordered
/// types, e.g. `std::vector<std::string>`. O(N log N).
/// @throws labelkit::dimension_mismatch if the ranges differ in length;
///         labelkit::invalid_argument if they are empty.
template <class Item, class Rater, class Label>
[[nodiscard]] KeyedWideRatings<Item, Rater, Label> wide_ratings(std::span<const Item> items,
                                                                std::span<const Rater> raters,
                                                                std::span<const Label> labels) {
  if (items.size() != raters.size() || items.size() != labels.size()) {
    detail::fail<dimension_mismatch>("wide_ratings",
                                     "'items', 'raters' and 'labels' differ in length (got ",
                                     items.size(), ", ", raters.size(), ", ", labels.size(), ")");
  }
  if (items.empty()) detail::fail("wide_ratings", "the records are empty (expected at least one)");
  KeyedWideRatings<Item, Rater, Label> out;
  auto sorted_unique = [](auto values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  };
  out.items = sorted_unique(std::vector<Item>(items.begin(), items.end()));
  out.raters = sorted_unique(std::vector<Rater>(raters.begin(), raters.end()));
  out.labels = sorted_unique(std::vector<Label>(labels.begin(), labels.end()));
  auto position = [](const auto& sorted, const auto& key) {
    return static_cast<Eigen::Index>(std::lower_bound(sorted.begin(), sorted.end(), key) -
                                     sorted.begin());
  };
  detail::check_allocation({out.items.size(), out.raters.size()}, sizeof(double), "wide_ratings",
                           "the items x annotators matrix");
  out.ratings = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(out.items.size()),
                                          static_cast<Eigen::Index>(out.raters.size()),
                                          std::numeric_limits<double>::quiet_NaN());
  for (std::size_t r = 0; r < items.size(); ++r) {
    out.ratings(position(out.items, items[r]), position(out.raters, raters[r])) =
        static_cast<double>(position(out.labels, labels[r]));
  }
  return out;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
