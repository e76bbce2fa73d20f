#pragma once
/// @file
/// The one source of labelkit's version number.

/// Major version: incremented for incompatible API changes.
#define LABELKIT_VERSION_MAJOR 0
/// Minor version: incremented for compatible additions.
#define LABELKIT_VERSION_MINOR 1
/// Patch version: incremented for fixes.
#define LABELKIT_VERSION_PATCH 0
/// The version as "major.minor.patch".
#define LABELKIT_VERSION_STRING "0.1.0"

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE

/// The library version as a struct, for run-time checks and reports.
struct Version {
  int major;  ///< LABELKIT_VERSION_MAJOR
  int minor;  ///< LABELKIT_VERSION_MINOR
  int patch;  ///< LABELKIT_VERSION_PATCH
};

/// The version of the headers this translation unit was compiled against.
inline constexpr Version version{LABELKIT_VERSION_MAJOR, LABELKIT_VERSION_MINOR,
                                 LABELKIT_VERSION_PATCH};

LABELKIT_END_NAMESPACE
