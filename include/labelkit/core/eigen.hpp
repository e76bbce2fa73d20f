#pragma once
/// @file
/// Eigen's core module, plus the check that `labelkit::Index` is `Eigen::Index`. labelkit headers
/// that need Eigen include this header rather than `<Eigen/Core>` directly.

#include <Eigen/Core>
#include <type_traits>

#include "labelkit/config.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

static_assert(std::is_same_v<Index, Eigen::Index>,
              "labelkit: labelkit::Index differs from Eigen::Index; define "
              "EIGEN_DEFAULT_DENSE_INDEX_TYPE before the first labelkit or Eigen include, in every "
              "translation unit");

LABELKIT_END_NAMESPACE
