#pragma once
/// @file
/// The input shapes of the agreement module and the conversions between them:
/// - long records (item, annotator, label): `labelkit::Annotation`, or parallel ranges of
///   arbitrary ids and labels (ints or strings), mapped to dense indices for the user;
/// - the RatingTable: items x annotators with the ids of both and the layout in its type, built
///   by wide_ratings() from records; the wide matrix inside is reachable only through accessors
///   that name its layout;
/// - wide matrices: items x annotators (rows are items), NaN = missing (other libraries say
///   raters or coders for annotators, subjects or units for items);
/// - count tables: an items x categories matrix of how many annotators put each item in each
///   category (Fleiss 1971's layout; rows are items).
/// Repeated answers of one annotator to one item follow labelkit::DuplicateAnswers.
/// A missing rating is absent: it is never turned into a category.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/estimate.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/duplicates.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace agreement {

/// Items x categories counts with the category codes they stand for (ascending).
struct CountTable {
  Eigen::MatrixXd counts;          ///< counts(i, k): annotators who put item i in category k.
  std::vector<double> categories;  ///< Code of each column, ascending.
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
    const long long n = static_cast<long long>(a.size()) + static_cast<long long>(b.size());
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

/// Throws unless the two annotators' sequences have the same, non-zero length.
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
         ", expected items x annotators)");
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

/// Counts wide ratings (items x annotators, rows are items, NaN = missing) into an items x
/// categories table over the sorted distinct codes. Missing entries are skipped.
/// O(items * annotators * log C).
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

/// Anything that converts to `std::span<const labelkit::Annotation>`: a `std::vector`,
/// `std::array` or span of records. The record-based entry points of the agreement module take
/// such a range, so they are templates instantiated only where they are used.
template <class Records>
concept AnnotationRecords = std::convertible_to<const Records&, std::span<const Annotation>>;

/// Ratings of items by annotators, with the layout in the type: row i is item `item_ids()[i]`,
/// column j is annotator `annotator_ids()[j]`, and the entry is that annotator's label for that
/// item (NaN when the annotator did not label the item). Ids are ascending, so a result indexed
/// by row or column maps back to ids through `item_ids()` and `annotator_ids()`.
///
/// A RatingTable is deliberately *not* an Eigen expression and converts to no matrix: it cannot
/// be passed where a function reads a matrix in another orientation (such as the annotators x
/// items `krippendorff_alpha(matrix, Level)`). Every coefficient of the module takes it directly
/// (see agreement/records.hpp and krippendorff.hpp) and reads it the right way round. The matrix
/// is reachable only through the accessors that name its layout, `items_by_annotators()` and
/// `annotators_by_items()`.
class RatingTable {
 public:
  /// An empty table (no item, no annotator).
  RatingTable() = default;

  /// A table over an items x annotators matrix (rows are items, NaN = missing) with the ids of
  /// its rows and columns; an empty id list stands for 0..n-1. O(items * annotators).
  /// @throws labelkit::invalid_argument for an empty matrix, an infinite entry, or ids that are
  ///         negative or not strictly increasing; labelkit::dimension_mismatch if an id list does
  ///         not have one id per row / column.
  // The id lists are taken by value and moved into ids_or_positions, which keeps them.
  // NOLINTBEGIN(performance-unnecessary-value-param)
  template <class Derived>
  [[nodiscard]] static RatingTable from_items_by_annotators(
      const Eigen::MatrixBase<Derived>& ratings, std::vector<Index> item_ids = {},
      std::vector<Index> annotator_ids = {}) {
    const char* function = "RatingTable::from_items_by_annotators";
    detail::check_ratings(ratings, function);
    RatingTable t;
    t.ratings_ = ratings.template cast<double>();
    t.item_ids_ = ids_or_positions(std::move(item_ids), ratings.rows(), function, "item_ids");
    t.annotator_ids_ =
        ids_or_positions(std::move(annotator_ids), ratings.cols(), function, "annotator_ids");
    return t;
  }
  // NOLINTEND(performance-unnecessary-value-param)

  /// A table over an annotators x items matrix, the layout of Krippendorff's reliability data
  /// (his coders x units) and of the `krippendorff_alpha(matrix, Level)` overloads; stored
  /// transposed. See from_items_by_annotators().
  template <class Derived>
  [[nodiscard]] static RatingTable from_annotators_by_items(const Eigen::MatrixBase<Derived>& data,
                                                            std::vector<Index> annotator_ids = {},
                                                            std::vector<Index> item_ids = {}) {
    return from_items_by_annotators(data.transpose(), std::move(item_ids),
                                    std::move(annotator_ids));
  }

  /// Number of items (rows).
  [[nodiscard]] Index items() const noexcept { return static_cast<Index>(item_ids_.size()); }

  /// Number of annotators (columns).
  [[nodiscard]] Index annotators() const noexcept {
    return static_cast<Index>(annotator_ids_.size());
  }

  /// Item id of each row, ascending.
  [[nodiscard]] const std::vector<Index>& item_ids() const noexcept { return item_ids_; }

  /// Annotator id of each column, ascending.
  [[nodiscard]] const std::vector<Index>& annotator_ids() const noexcept { return annotator_ids_; }

  /// Row of item `item`, or std::nullopt if the table has no such item. O(log items).
  [[nodiscard]] std::optional<Index> item_row(Index item) const noexcept {
    return position(item_ids_, item);
  }

  /// Column of annotator `annotator`, or std::nullopt if the table has no such annotator.
  /// O(log annotators).
  [[nodiscard]] std::optional<Index> annotator_column(Index annotator) const noexcept {
    return position(annotator_ids_, annotator);
  }

  /// The label annotator `annotator` gave item `item` (both ids), or std::nullopt if either id is
  /// absent or the annotator did not label the item. O(log items + log annotators).
  template <class = void>
  [[nodiscard]] std::optional<double> label(Index item, Index annotator) const noexcept {
    const auto row = item_row(item);
    const auto column = annotator_column(annotator);
    if (!row || !column) return std::nullopt;
    const double v = ratings_.coeff(*row, *column);
    if (std::isnan(v)) return std::nullopt;
    return v;
  }

  /// The ratings as items x annotators (rows are items, NaN = missing): the layout of
  /// count_table(), pairwise_agreement(), conger_kappa() and light_kappa() on matrices.
  [[nodiscard]] const Eigen::MatrixXd& items_by_annotators() const noexcept { return ratings_; }

  /// The ratings as annotators x items (NaN = missing), a transposed view: the layout of
  /// Krippendorff's reliability data and of the `krippendorff_alpha(matrix, Level)` overloads.
  template <class = void>
  [[nodiscard]] auto annotators_by_items() const noexcept {
    return ratings_.transpose();
  }

 private:
  static std::vector<Index> ids_or_positions(std::vector<Index> ids, Index n, const char* function,
                                             const char* argument) {
    if (ids.empty()) {
      ids.resize(static_cast<std::size_t>(n));
      for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = static_cast<Index>(k);
      return ids;
    }
    if (static_cast<Index>(ids.size()) != n) {
      detail::fail<dimension_mismatch>(function, "'", argument, "' has ", ids.size(),
                                       " ids (expected ", n, ", one per ",
                                       argument[0] == 'i' ? "row" : "column", ")");
    }
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || (k > 0 && !(ids[k] > ids[k - 1]))) {
        detail::fail(function, "'", argument,
                     "' must be non-negative and strictly increasing (got ", ids[k],
                     " at position ", k, ")");
      }
    }
    return ids;
  }

  static std::optional<Index> position(const std::vector<Index>& ids, Index id) noexcept {
    const auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) return std::nullopt;
    return static_cast<Index>(it - ids.begin());
  }

  Eigen::MatrixXd ratings_;
  std::vector<Index> item_ids_;
  std::vector<Index> annotator_ids_;
};

/// Two annotators' labels on the items both labelled, in ascending item id: the input of every
/// two-annotator function (`cohens_kappa(pair.a, pair.b)`, `gwet_ac1_estimate(pair.a, pair.b)`,
/// ...), with the item ids to map results back.
struct AnnotatorPair {
  Index annotator_a = 0;     ///< Id of the first annotator.
  Index annotator_b = 0;     ///< Id of the second annotator.
  std::vector<Index> items;  ///< Ids of the items both labelled, ascending.
  std::vector<int> a;        ///< annotator_a's label of each item in `items`.
  std::vector<int> b;        ///< annotator_b's label of each item in `items`.
};

}  // namespace agreement
namespace detail {

/// Throws unless `value` (a label of a RatingTable) is an integer that fits an int.
inline int integer_label(double value, Index item, Index annotator, const char* function) {
  if (!(value >= static_cast<double>(std::numeric_limits<int>::min()) &&
        value <= static_cast<double>(std::numeric_limits<int>::max()) &&
        value == std::floor(value))) {
    fail(function, "annotator ", annotator, "'s label for item ", item, " is not an int (got ",
         value, "; two-annotator coefficients read integer label codes)");
  }
  return static_cast<int>(value);
}

/// Throws when `policy` is keep_all, which leaves several labels for one (item, annotator) cell.
inline void check_one_label_per_cell(DuplicateAnswers policy, const char* function) {
  if (policy == DuplicateAnswers::keep_all) {
    fail(function,
         "DuplicateAnswers::keep_all keeps several labels for one item and annotator, but this "
         "function reads one label per item and annotator (expected reject, keep_first or "
         "keep_last; keep_all suits the count-based coefficients: fleiss_kappa, gwet_ac2, "
         "percent_agreement, brennan_prediger, randolph_kappa, krippendorff_alpha)");
  }
}

/// The records that survive `policy`, refused when empty.
template <class Records>
std::vector<Annotation> checked_records(const Records& records, DuplicateAnswers policy,
                                        const char* function) {
  const std::span<const Annotation> all = records;
  if (all.empty()) fail(function, "'records' is empty (expected at least one record)");
  return apply_duplicate_policy(all, policy, function);
}

}  // namespace detail
namespace agreement {

/// Builds the RatingTable (items x annotators, NaN = missing) of long records. Item and
/// annotator ids become rows and columns in ascending id order; labels are kept as they are.
/// Repeated answers of one annotator to one item follow `duplicates` (labelkit::DuplicateAnswers;
/// default `reject`). O(N log N).
/// @throws labelkit::invalid_argument for empty records, a negative id (naming the record), a
///         repeated answer under `reject`, or `keep_all` (a cell holds one label).
template <AnnotationRecords Records>
[[nodiscard]] RatingTable wide_ratings(const Records& records,
                                       DuplicateAnswers duplicates = DuplicateAnswers::reject) {
  const char* function = "wide_ratings";
  detail::check_one_label_per_cell(duplicates, function);
  const std::vector<Annotation> kept = detail::checked_records(records, duplicates, function);
  std::vector<Index> items(kept.size());
  std::vector<Index> annotators(kept.size());
  for (std::size_t r = 0; r < kept.size(); ++r) {
    items[r] = kept[r].item;
    annotators[r] = kept[r].annotator;
  }
  const IdMap item_map = IdMap::from_ids(items, function, "records.item");
  const IdMap annotator_map = IdMap::from_ids(annotators, function, "records.annotator");
  detail::check_allocation(
      {static_cast<std::size_t>(item_map.size()), static_cast<std::size_t>(annotator_map.size())},
      sizeof(double), function, "the items x annotators matrix");
  Eigen::MatrixXd ratings = Eigen::MatrixXd::Constant(item_map.size(), annotator_map.size(),
                                                      std::numeric_limits<double>::quiet_NaN());
  for (const Annotation& a : kept) {
    ratings(item_map.find(a.item), annotator_map.find(a.annotator)) = static_cast<double>(a.label);
  }
  return RatingTable::from_items_by_annotators(ratings, item_map.ids(), annotator_map.ids());
}

/// The labels two annotators (by id) gave the items both labelled, in ascending item id.
/// O(items + log annotators).
/// @throws labelkit::invalid_argument if an id is not a column of the table, the two ids are
///         equal, the annotators share no item, or a shared label is not an integer.
template <std::same_as<RatingTable> Table>
[[nodiscard]] AnnotatorPair annotator_pair(const Table& table, Index annotator_a,
                                           Index annotator_b) {
  const char* function = "annotator_pair";
  const auto ca = table.annotator_column(annotator_a);
  const auto cb = table.annotator_column(annotator_b);
  if (!ca || !cb) {
    detail::fail(function, "annotator ", ca ? annotator_b : annotator_a,
                 " has no label in the table (expected one of its ", table.annotators(),
                 " annotator ids)");
  }
  if (annotator_a == annotator_b) {
    detail::fail(function, "the two annotators are the same (got ", annotator_a,
                 " twice; expected two different annotator ids)");
  }
  AnnotatorPair pair;
  pair.annotator_a = annotator_a;
  pair.annotator_b = annotator_b;
  const Eigen::MatrixXd& r = table.items_by_annotators();
  for (Index i = 0; i < table.items(); ++i) {
    const double x = r(i, *ca);
    const double y = r(i, *cb);
    if (std::isnan(x) || std::isnan(y)) continue;
    const Index item = table.item_ids()[static_cast<std::size_t>(i)];
    pair.items.push_back(item);
    pair.a.push_back(detail::integer_label(x, item, annotator_a, function));
    pair.b.push_back(detail::integer_label(y, item, annotator_b, function));
  }
  if (pair.items.empty()) {
    detail::fail(function, "annotators ", annotator_a, " and ", annotator_b,
                 " labelled no item in common (expected at least one shared item)");
  }
  return pair;
}

/// The items x categories count table of a RatingTable (rows follow `table.item_ids()`).
/// @throws as count_table on a matrix.
template <std::same_as<RatingTable> Table>
[[nodiscard]] CountTable count_table(const Table& table) {
  return count_table(table.items_by_annotators());
}

/// The items x categories count table of long records (rows: items in ascending id; columns: the
/// distinct labels, ascending). Under `DuplicateAnswers::keep_all` every record counts, so an
/// annotator who answered an item twice adds two answers to it. O(N log N).
/// @throws labelkit::invalid_argument for empty records, a negative item id, or a repeated
///         answer under `reject`.
template <AnnotationRecords Records>
[[nodiscard]] CountTable count_table(const Records& records,
                                     DuplicateAnswers duplicates = DuplicateAnswers::reject) {
  const char* function = "count_table";
  const std::vector<Annotation> kept = detail::checked_records(records, duplicates, function);
  std::vector<Index> items(kept.size());
  for (std::size_t r = 0; r < kept.size(); ++r) items[r] = kept[r].item;
  const IdMap item_map = IdMap::from_ids(items, function, "records.item");
  CountTable table;
  for (const Annotation& a : kept) table.categories.push_back(static_cast<double>(a.label));
  std::sort(table.categories.begin(), table.categories.end());
  table.categories.erase(std::unique(table.categories.begin(), table.categories.end()),
                         table.categories.end());
  detail::check_category_count(static_cast<Eigen::Index>(table.categories.size()), function,
                               "distinct labels in 'records'");
  detail::check_allocation({static_cast<std::size_t>(item_map.size()), table.categories.size()},
                           sizeof(double), function, "the items x categories table");
  table.counts =
      Eigen::MatrixXd::Zero(item_map.size(), static_cast<Eigen::Index>(table.categories.size()));
  for (const Annotation& a : kept) {
    const auto k = std::lower_bound(table.categories.begin(), table.categories.end(),
                                    static_cast<double>(a.label)) -
                   table.categories.begin();
    table.counts(item_map.find(a.item), static_cast<Eigen::Index>(k)) += 1.0;
  }
  return table;
}

/// Wide ratings with the original keys, for long records whose ids and labels are arbitrary
/// ordered values (ints, strings, ...). Labels become codes 0..L-1 in ascending label order.
template <class Item, class Annotator, class Label>
struct KeyedWideRatings {
  Eigen::MatrixXd ratings;            ///< items x annotators label codes, NaN = missing.
  std::vector<Item> items;            ///< Key of each row (ascending).
  std::vector<Annotator> annotators;  ///< Key of each column (ascending).
  std::vector<Label> labels;          ///< Label of each code (ascending).
};

/// Builds wide ratings from three parallel ranges (item key, annotator key, label) of any ordered
/// types, e.g. `std::vector<std::string>`. O(N log N).
/// @throws labelkit::dimension_mismatch if the ranges differ in length;
///         labelkit::invalid_argument if they are empty.
template <class Item, class Annotator, class Label>
[[nodiscard]] KeyedWideRatings<Item, Annotator, Label> wide_ratings(
    std::span<const Item> items, std::span<const Annotator> annotators,
    std::span<const Label> labels) {
  if (items.size() != annotators.size() || items.size() != labels.size()) {
    detail::fail<dimension_mismatch>(
        "wide_ratings", "'items', 'annotators' and 'labels' differ in length (got ", items.size(),
        ", ", annotators.size(), ", ", labels.size(), ")");
  }
  if (items.empty()) detail::fail("wide_ratings", "the records are empty (expected at least one)");
  KeyedWideRatings<Item, Annotator, Label> out;
  auto sorted_unique = [](auto values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
  };
  out.items = sorted_unique(std::vector<Item>(items.begin(), items.end()));
  out.annotators = sorted_unique(std::vector<Annotator>(annotators.begin(), annotators.end()));
  out.labels = sorted_unique(std::vector<Label>(labels.begin(), labels.end()));
  auto position = [](const auto& sorted, const auto& key) {
    return static_cast<Eigen::Index>(std::lower_bound(sorted.begin(), sorted.end(), key) -
                                     sorted.begin());
  };
  detail::check_allocation({out.items.size(), out.annotators.size()}, sizeof(double),
                           "wide_ratings", "the items x annotators matrix");
  out.ratings = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(out.items.size()),
                                          static_cast<Eigen::Index>(out.annotators.size()),
                                          std::numeric_limits<double>::quiet_NaN());
  for (std::size_t r = 0; r < items.size(); ++r) {
    out.ratings(position(out.items, items[r]), position(out.annotators, annotators[r])) =
        static_cast<double>(position(out.labels, labels[r]));
  }
  return out;
}

}  // namespace agreement
LABELKIT_END_NAMESPACE
