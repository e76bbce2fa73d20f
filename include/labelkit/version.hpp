#pragma once
/// @file
/// The one source of labelkit's version number.

#define LABELKIT_VERSION_MAJOR 0
#define LABELKIT_VERSION_MINOR 1
#define LABELKIT_VERSION_PATCH 0
#define LABELKIT_VERSION_STRING "0.1.0"

namespace labelkit {
inline namespace v0 {

/// The library version as a struct, for run-time checks and reports.
struct Version {
  int major;
  int minor;
  int patch;
};

/// The version of the headers this translation unit was compiled against.
inline constexpr Version version{LABELKIT_VERSION_MAJOR, LABELKIT_VERSION_MINOR,
                                 LABELKIT_VERSION_PATCH};

}  // namespace v0
}  // namespace labelkit
