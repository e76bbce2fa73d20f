#pragma once
/// @file
/// `detail::dependent_t<T, Tag>`: the type `T`, spelled so that it depends on a template
/// parameter `Tag`. Inside a template, an expression whose types do not depend on a template
/// parameter is checked where it is written, which instantiates the class templates it names
/// (Eigen's expression classes, their evaluators' traits) in every translation unit that
/// includes the header, whether the template is used or not. Declaring the Eigen objects of a
/// template body as `dependent_t<Eigen::MatrixXd, Tag>` (and binding members or fixed-type
/// arguments to references of such a type once, at the top of the body) defers that work to
/// the template's instantiation.
///
///     template <class Tag = void>
///     double total(const dependent_t<Eigen::MatrixXd, Tag>& m) { return m.sum(); }

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Holds `T` as a member type that depends on `Tag` (an alias template that ignored its
/// parameter would not be dependent; a member of a class template is).
template <class T, class Tag>
struct dependent {
  /// Always `T`.
  using type = T;
};

/// `T`, dependent on `Tag` (see labelkit::detail::dependent).
template <class T, class Tag>
using dependent_t = typename dependent<T, Tag>::type;

}  // namespace detail
LABELKIT_END_NAMESPACE
