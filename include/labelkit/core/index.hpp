#pragma once
/// @file
/// `labelkit::Index`, the signed integer type of sizes, positions and ids, without Eigen.
///
/// Record types (`Annotation`) and forward declarations need an index type but not Eigen's 90,000
/// lines, so this header spells the type Eigen uses for `Eigen::Index`: `std::ptrdiff_t`, or
/// `EIGEN_DEFAULT_DENSE_INDEX_TYPE` when the program defines it (Eigen requires that macro to be
/// the same in every translation unit, before any Eigen include; it must then also come before
/// this header). Every labelkit header that includes Eigen checks that the two types are the same
/// (labelkit/core/eigen.hpp), so an `Index` can be passed wherever an `Eigen::Index` is expected.

#include <cstddef>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE

#ifdef EIGEN_DEFAULT_DENSE_INDEX_TYPE
/// Signed size and index type, the same type as `Eigen::Index`.
using Index = EIGEN_DEFAULT_DENSE_INDEX_TYPE;
#else
/// Signed size and index type, the same type as `Eigen::Index` (`std::ptrdiff_t`).
using Index = std::ptrdiff_t;
#endif

LABELKIT_END_NAMESPACE
