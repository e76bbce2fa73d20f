#pragma once
/// @file
/// Internals shared by the label-quality functions: validation of `Annotation` records and their
/// dense, item-grouped layout (compressed rows), built once per call in O(N) for compact ids.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/limits.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

using labelkit::detail::fail;

/// Throws unless 2 <= n_classes <= labelkit::max_classes.
inline void check_n_classes(int n_classes, std::string_view function) {
  if (n_classes < 2) {
    fail(function, "'n_classes' must be at least 2 (got ", n_classes, ")");
  }
  check_class_count(n_classes, function);
}

/// Throws unless `tables` tables of rows x cols doubles fit in labelkit::max_allocation_bytes.
/// Called before a function allocates tables sized from its input (item, annotator and class
/// counts), so that one large label or id count is refused instead of zero-filling gigabytes.
inline void check_tables(Eigen::Index tables, Eigen::Index rows, Eigen::Index cols,
                         std::string_view function, std::string_view what) {
  check_allocation({static_cast<std::size_t>(tables), static_cast<std::size_t>(rows),
                    static_cast<std::size_t>(cols)},
                   sizeof(double), function, what);
}

/// Whether a function accepts no annotations at all (the aggregators: an empty result) or
/// refuses them (the reports and checks, which have nothing to say about no data).
enum class EmptyInput { refuse, accept };

/// Validates every record: non-empty input (unless `empty` is accept), non-negative ids, labels
/// in [0, n_classes).
/// @throws labelkit::invalid_argument naming the first offending record.
template <class = void>
inline void check_annotations(std::span<const Annotation> annotations, int n_classes,
                              std::string_view function, EmptyInput empty = EmptyInput::refuse) {
  check_n_classes(n_classes, function);
  if (annotations.empty() && empty == EmptyInput::refuse) {
    fail(function, "'annotations' is empty (expected at least one record)");
  }
  for (std::size_t r = 0; r < annotations.size(); ++r) {
    const Annotation& a = annotations[r];
    if (a.item < 0) {
      fail(function, "'annotations' record ", r, " has a negative item id (got ", a.item, ")");
    }
    if (a.annotator < 0) {
      fail(function, "'annotations' record ", r, " has a negative annotator id (got ", a.annotator,
           ")");
    }
    if (a.label < 0 || a.label >= n_classes) {
      fail(function, "'annotations' record ", r, " has a label outside [0, ", n_classes, ") (got ",
           a.label, ")");
    }
  }
}

/// Annotations mapped to dense item and annotator indices and grouped by item (stable: records
/// of one item keep their input order). Record a of item i sits at positions
/// [item_start[i], item_start[i + 1]).
struct Crowd {
  int n_classes = 0;
  IdMap items;                                      ///< item id <-> dense item index
  IdMap annotators;                                 ///< annotator id <-> dense annotator index
  std::vector<Eigen::Index> item_start;             ///< n_items + 1 offsets
  std::vector<Eigen::Index> record;                 ///< original record index, grouped by item
  std::vector<Eigen::Index> annotator;              ///< dense annotator index, grouped by item
  std::vector<int> label;                           ///< label, grouped by item
  std::vector<Eigen::Index> answers_per_annotator;  ///< records per dense annotator

  [[nodiscard]] Eigen::Index n_items() const noexcept { return items.size(); }
  [[nodiscard]] Eigen::Index n_annotators() const noexcept { return annotators.size(); }
  /// First grouped position of dense item i's answers.
  [[nodiscard]] Eigen::Index begin(Eigen::Index i) const {
    return item_start[static_cast<std::size_t>(i)];
  }
  /// One past the last grouped position of dense item i's answers.
  [[nodiscard]] Eigen::Index end(Eigen::Index i) const {
    return item_start[static_cast<std::size_t>(i) + 1];
  }
  [[nodiscard]] Eigen::Index size() const noexcept {
    return static_cast<Eigen::Index>(record.size());
  }
};

/// A range adaptor over one member of the annotations, for IdMap::from_ids.
template <Eigen::Index Annotation::*Member>
struct MemberRange {
  std::span<const Annotation> annotations;
  struct iterator {
    const Annotation* p;
    Eigen::Index operator*() const noexcept { return p->*Member; }
    iterator& operator++() noexcept {
      ++p;
      return *this;
    }
    bool operator!=(const iterator& other) const noexcept { return p != other.p; }
  };
  [[nodiscard]] iterator begin() const noexcept { return {annotations.data()}; }
  [[nodiscard]] iterator end() const noexcept { return {annotations.data() + annotations.size()}; }
};

/// Validates the annotations and builds the item-grouped layout. O(N) for compact ids,
/// O(N log N) otherwise. No annotations (when `empty` is accept) give a crowd of no items and no
/// annotators. @throws labelkit::invalid_argument as check_annotations.
template <class = void>
Crowd make_crowd(std::span<const Annotation> annotations, int n_classes, std::string_view function,
                 EmptyInput empty = EmptyInput::refuse) {
  check_annotations(annotations, n_classes, function, empty);
  const std::string name(function);
  Crowd crowd;
  crowd.n_classes = n_classes;
  crowd.items =
      IdMap::from_ids(MemberRange<&Annotation::item>{annotations}, name.c_str(), "annotations");
  crowd.annotators = IdMap::from_ids(MemberRange<&Annotation::annotator>{annotations}, name.c_str(),
                                     "annotations");
  const auto n_items = static_cast<std::size_t>(crowd.items.size());
  const std::size_t n = annotations.size();
  std::vector<Eigen::Index> dense_item(n);
  crowd.item_start.assign(n_items + 1, 0);
  crowd.answers_per_annotator.assign(static_cast<std::size_t>(crowd.annotators.size()), 0);
  for (std::size_t r = 0; r < n; ++r) {
    dense_item[r] = crowd.items.find(annotations[r].item);
    ++crowd.item_start[static_cast<std::size_t>(dense_item[r]) + 1];
  }
  for (std::size_t i = 0; i < n_items; ++i) crowd.item_start[i + 1] += crowd.item_start[i];
  std::vector<Eigen::Index> next(crowd.item_start.begin(), crowd.item_start.end() - 1);
  crowd.record.resize(n);
  crowd.annotator.resize(n);
  crowd.label.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto slot = static_cast<std::size_t>(next[static_cast<std::size_t>(dense_item[r])]++);
    const Eigen::Index j = crowd.annotators.find(annotations[r].annotator);
    crowd.record[slot] = static_cast<Eigen::Index>(r);
    crowd.annotator[slot] = j;
    crowd.label[slot] = annotations[r].label;
    ++crowd.answers_per_annotator[static_cast<std::size_t>(j)];
  }
  return crowd;
}

/// Index of the largest entry of a row; ties go to the lowest index.
template <class Row>
[[nodiscard]] int argmax_lowest(const Row& row) {
  int best = 0;
  for (Eigen::Index k = 1; k < row.size(); ++k) {
    if (row(k) > row(best)) best = static_cast<int>(k);
  }
  return best;
}

/// Row-wise argmax (ties to the lower column).
template <class Matrix>
[[nodiscard]] std::vector<int> argmax_rows(const Matrix& m) {
  std::vector<int> labels(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    labels[static_cast<std::size_t>(i)] = argmax_lowest(m.row(i));
  }
  return labels;
}

/// Majority-vote counts per dense item (n_items x C). Like every helper here that uses Eigen,
/// a template (on the scalar, double), so that its Eigen code is compiled only where it is used.
template <class Scalar = double>
[[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> vote_counts(
    const Crowd& crowd) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Matrix votes = Matrix::Zero(crowd.n_items(), crowd.n_classes);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      votes(i, crowd.label[static_cast<std::size_t>(a)]) += Scalar(1);
    }
  }
  return votes;
}

/// Rows normalised to sum to 1; an all-zero row becomes uniform. Writes into a fresh matrix
/// in one row pass (no intermediate copy).
template <class Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>
normalise_rows(const Eigen::MatrixBase<Derived>& m) {
  using Scalar = typename Derived::Scalar;
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> p(m.rows(), m.cols());
  const Scalar uniform = Scalar(1) / static_cast<Scalar>(m.cols());
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    Scalar s = 0;
    for (Eigen::Index k = 0; k < m.cols(); ++k) s += m(i, k);
    if (s > 0) {
      const Scalar inverse = Scalar(1) / s;
      for (Eigen::Index k = 0; k < m.cols(); ++k) p(i, k) = m(i, k) * inverse;
    } else {
      for (Eigen::Index k = 0; k < m.cols(); ++k) p(i, k) = uniform;
    }
  }
  return p;
}

/// log(sum(exp(v))) over a buffer, stable; -inf if every entry is -inf.
[[nodiscard]] inline double log_sum_exp(const double* v, int n) {
  double m = v[0];
  for (int k = 1; k < n; ++k) m = v[k] > m ? v[k] : m;
  if (std::isinf(m) && m < 0) return m;
  double s = 0;
  for (int k = 0; k < n; ++k) s += std::exp(v[k] - m);
  return m + std::log(s);
}

/// Throws unless the option is finite and >= 0.
inline void check_nonnegative(double value, std::string_view function, std::string_view name) {
  if (!(value >= 0) || std::isinf(value)) {
    fail(function, "'", name, "' must be finite and >= 0 (got ", value, ")");
  }
}

}  // namespace detail
LABELKIT_END_NAMESPACE
