#pragma once
/// @file
/// The namespace macros every labelkit header opens and closes its namespace with.
///
/// Everything public lives in `labelkit::v0`, an inline namespace: user code names `labelkit::`,
/// while the mangled names carry the ABI version, so two incompatible copies of the library in one
/// program fail at link time instead of mixing silently. Internals live in one namespace,
/// `labelkit::detail`; no area has a nested `detail` of its own.

/// Opens `namespace labelkit { inline namespace v0 {`.
#define LABELKIT_BEGIN_NAMESPACE \
  namespace labelkit {           \
  inline namespace v0 {
/// Closes what LABELKIT_BEGIN_NAMESPACE opened.
#define LABELKIT_END_NAMESPACE \
  }                            \
  }
