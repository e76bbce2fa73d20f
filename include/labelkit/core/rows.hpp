#pragma once
/// @file
/// The one customization point through which labelkit takes rows (items) of a user's feature
/// type: `labelkit::row_count(x)` and `labelkit::select_rows(x, indices)`.
///
/// Built in: Eigen dense matrices (rows are items) and `std::vector<T>` (elements are items).
/// Any other feature type plugs in by declaring, in its own namespace (found by ADL),
///
///     Eigen::Index labelkit_row_count(const MyData&);
///     MyData labelkit_select_rows(const MyData&, std::span<const Eigen::Index>);

#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/eigen.hpp"

LABELKIT_BEGIN_NAMESPACE

namespace detail {

template <class T>
concept EigenDense =
    std::derived_from<std::remove_cvref_t<T>, Eigen::DenseBase<std::remove_cvref_t<T>>>;

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class X>
concept HasAdlRowCount = requires(const X& x) {
  { labelkit_row_count(x) } -> std::convertible_to<Eigen::Index>;
};

template <class X>
concept HasAdlSelectRows = requires(const X& x, std::span<const Eigen::Index> idx) {
  labelkit_select_rows(x, idx);
};

struct RowCountFn {
  template <class X>
  requires HasAdlRowCount<X> || EigenDense<X> ||
      is_std_vector<std::remove_cvref_t<X>>::value Eigen::Index
      operator()(const X& x) const {
    if constexpr (HasAdlRowCount<X>) {
      return static_cast<Eigen::Index>(labelkit_row_count(x));
    } else if constexpr (EigenDense<X>) {
      return x.rows();
    } else {
      return static_cast<Eigen::Index>(x.size());
    }
  }
};

struct SelectRowsFn {
  template <class X>
  requires HasAdlSelectRows<X> || EigenDense<X> || is_std_vector<std::remove_cvref_t<X>>::value auto
  operator()(const X& x, std::span<const Eigen::Index> indices) const {
    if constexpr (HasAdlSelectRows<X>) {
      return labelkit_select_rows(x, indices);
    } else if constexpr (EigenDense<X>) {
      using Plain = typename std::remove_cvref_t<X>::PlainObject;
      Plain out(static_cast<Eigen::Index>(indices.size()), x.cols());
      for (std::size_t r = 0; r < indices.size(); ++r) {
        out.row(static_cast<Eigen::Index>(r)) = x.row(indices[r]);
      }
      return out;
    } else {
      std::remove_cvref_t<X> out;
      out.reserve(indices.size());
      for (const Eigen::Index i : indices) out.push_back(x[static_cast<std::size_t>(i)]);
      return out;
    }
  }
};

}  // namespace detail

/// Number of items (rows) in a feature container.
inline constexpr detail::RowCountFn row_count{};

/// The items at `indices`, in that order, as a new container of the same kind (a plain Eigen
/// matrix for Eigen expressions). Indices are not checked here; callers validate them.
inline constexpr detail::SelectRowsFn select_rows{};

/// A feature type whose rows labelkit can count and select.
template <class X>
concept RowSelectable = requires(const X& x, std::span<const Eigen::Index> idx) {
  { row_count(x) } -> std::convertible_to<Eigen::Index>;
  select_rows(x, idx);
};

LABELKIT_END_NAMESPACE
