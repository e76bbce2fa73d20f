#pragma once
/// @file
/// The one-pass scoring kernels behind labelkit/query/uncertainty.hpp and committee.hpp,
/// compiled once per instruction set and chosen at run time (labelkit/core/simd/dispatch.hpp).
///
/// The kernels read raw strided memory: entry (i, j) at data[i * row_stride + j * col_stride].
/// Lanes are rows, so each vector holds one column of consecutive rows: one load for
/// column-major input; for row-major input, 16-byte segments of the group's rows transposed in
/// registers (rows are read in place, never copied; a gather per column only for rows narrower
/// than 16 bytes or non-contiguous rows), and every per-row sum runs over the columns in the same
/// order whatever the path, the layout, or the row's position (a partial last group is padded, not
/// handled by a scalar tail).
///
/// Logarithm. ln x is computed from the exponent and mantissa bits and a polynomial (no
/// division, no table, no special-value handling: see Simd::log_positive in
/// score_kernels_body.inc). For positive normal x its absolute error, measured against
/// std::log in long double on every path (tests/query/kernels_log_test.cpp), is at most
///   double: 1e-14 + 4e-16 |ln x|,   float: 3e-7 + 2e-7 |ln x|.
/// x ln x takes ln of max(x, smallest normal), so 0 ln 0 = 0 exactly. An entropy or a KL sum
/// over a probability row moves by at most that bound (the weights p sum to 1), plus the
/// summation's rounding.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/simd/dispatch.hpp"
#include "labelkit/core/validate.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Which uncertainty score a kernel computes.
enum class UncertaintyScore { least_confidence, margin, ratio, entropy };
/// Which committee score a kernel computes.
enum class CommitteeScore { vote_entropy, consensus_entropy, mean_kl, max_kl, bald };

}  // namespace detail
LABELKIT_END_NAMESPACE

// The kernels' per-column visitors must inline into their group loop so that their
// accumulators stay in registers.
#if defined(__GNUC__) || defined(__clang__)
#define LABELKIT_SCORE_KERNELS_INLINE inline __attribute__((always_inline))
#else
#define LABELKIT_SCORE_KERNELS_INLINE inline
#endif

// Vector-extension types wider than the translation unit's baseline are only ever used inside
// functions compiled for them; GCC's ABI note about passing them is about other callers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

// One value at a time: the reference every other path is tested against, and the fallback for
// compilers without vector extensions.
#define LABELKIT_SCORE_KERNELS_NS simd_scalar
#define LABELKIT_SCORE_KERNELS_BYTES 0
#define LABELKIT_SCORE_KERNELS_GATHER 0
#define LABELKIT_SCORE_KERNELS_TRANSPOSE 0
#include "labelkit/query/detail/score_kernels_body.inc"

#if defined(__GNUC__) || defined(__clang__)
#define LABELKIT_SCORE_KERNELS_HAVE_VECTORS 1
// The translation unit's own 16-byte vectors (SSE2 on x86-64 without -march, NEON on Arm).
#define LABELKIT_SCORE_KERNELS_NS simd_baseline
#define LABELKIT_SCORE_KERNELS_BYTES 16
#define LABELKIT_SCORE_KERNELS_GATHER 0
#define LABELKIT_SCORE_KERNELS_TRANSPOSE LABELKIT_SIMD_DISPATCH
#include "labelkit/query/detail/score_kernels_body.inc"
#else
#define LABELKIT_SCORE_KERNELS_HAVE_VECTORS 0
#endif

#if LABELKIT_SIMD_DISPATCH
// AVX2 + FMA, 32-byte vectors.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define LABELKIT_SCORE_KERNELS_NS simd_avx2
#define LABELKIT_SCORE_KERNELS_BYTES 32
#define LABELKIT_SCORE_KERNELS_GATHER 2
#define LABELKIT_SCORE_KERNELS_TRANSPOSE 1
#include "labelkit/query/detail/score_kernels_body.inc"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

// AVX-512 F/BW/DQ/VL, 64-byte vectors.
#if defined(__clang__)
#pragma clang attribute push( \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")
#endif
#define LABELKIT_SCORE_KERNELS_NS simd_avx512
#define LABELKIT_SCORE_KERNELS_BYTES 64
#define LABELKIT_SCORE_KERNELS_GATHER 3
#define LABELKIT_SCORE_KERNELS_TRANSPOSE 1
#include "labelkit/query/detail/score_kernels_body.inc"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // LABELKIT_SIMD_DISPATCH

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#undef LABELKIT_SCORE_KERNELS_INLINE

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Rows per vector (one group of rows) at `level` for scalar type T.
template <class T>
[[nodiscard]] constexpr std::ptrdiff_t simd_group_rows(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::avx512:
      return 64 / static_cast<std::ptrdiff_t>(sizeof(T));
    case SimdLevel::avx2:
      return 32 / static_cast<std::ptrdiff_t>(sizeof(T));
    case SimdLevel::baseline:
      return LABELKIT_SCORE_KERNELS_HAVE_VECTORS ? 16 / static_cast<std::ptrdiff_t>(sizeof(T)) : 1;
    case SimdLevel::scalar:
      break;
  }
  return 1;
}

#if LABELKIT_SIMD_DISPATCH
#define LABELKIT_SCORE_DISPATCH(level, call) \
  switch (level) {                           \
    case SimdLevel::avx512:                  \
      return simd_avx512::call;              \
    case SimdLevel::avx2:                    \
      return simd_avx2::call;                \
    case SimdLevel::baseline:                \
      return simd_baseline::call;            \
    case SimdLevel::scalar:                  \
      break;                                 \
  }                                          \
  return simd_scalar::call
#elif LABELKIT_SCORE_KERNELS_HAVE_VECTORS
#define LABELKIT_SCORE_DISPATCH(level, call)                    \
  if ((level) != SimdLevel::scalar) return simd_baseline::call; \
  return simd_scalar::call
#else
#define LABELKIT_SCORE_DISPATCH(level, call) \
  (void)(level);                             \
  return simd_scalar::call
#endif

/// One uncertainty score per row of rows [0, rows), written to out; false if a row is not a
/// probability distribution (scores are written either way).
template <UncertaintyScore Kind, class T>
bool uncertainty_rows(SimdLevel level, const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                      std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, T* out) {
  LABELKIT_SCORE_DISPATCH(level,
                          uncertainty_rows<Kind>(data, rows, cols, row_stride, col_stride, out));
}

/// The committee member pass (see MemberGroup in score_kernels_body.inc).
template <CommitteeScore Kind, class T>
bool committee_member_rows(SimdLevel level, const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                           std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, T* sum,
                           std::ptrdiff_t sum_stride, T* plogp, T* vote) {
  LABELKIT_SCORE_DISPATCH(
      level, committee_member_rows<Kind>(data, rows, cols, row_stride, col_stride, sum, sum_stride,
                                         plogp, vote));
}

/// The committee consensus step (see committee_consensus in score_kernels_body.inc).
template <CommitteeScore Kind, class T>
void committee_consensus(SimdLevel level, T* sum, std::ptrdiff_t stride, std::ptrdiff_t padded_rows,
                         std::ptrdiff_t cols, T members, const T* plogp, T* log_q, T* out,
                         std::ptrdiff_t rows) {
  LABELKIT_SCORE_DISPATCH(level, committee_consensus<Kind>(sum, stride, padded_rows, cols, members,
                                                           plogp, log_q, out, rows));
}

/// The KL scores' second look at a member's block (see KlGroup in score_kernels_body.inc).
template <CommitteeScore Kind, class T>
void committee_kl_rows(SimdLevel level, const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols,
                       std::ptrdiff_t row_stride, std::ptrdiff_t col_stride, const T* log_q,
                       std::ptrdiff_t stride, const T* self, T* acc) {
  LABELKIT_SCORE_DISPATCH(level, committee_kl_rows<Kind>(data, rows, cols, row_stride, col_stride,
                                                         log_q, stride, self, acc));
}

/// Vote entropy from the members' votes (see committee_vote_entropy).
template <class T>
void committee_vote_entropy(SimdLevel level, const T* votes, std::ptrdiff_t stride,
                            std::ptrdiff_t padded_rows, std::ptrdiff_t members, T* out,
                            std::ptrdiff_t rows) {
  LABELKIT_SCORE_DISPATCH(level,
                          committee_vote_entropy(votes, stride, padded_rows, members, out, rows));
}

/// ln x for each of x[0, n) with the kernels' logarithm at `level` (positive normal inputs;
/// for testing its error bound on every path).
template <class T>
void log_positive_values(SimdLevel level, const T* x, std::ptrdiff_t n, T* out) {
  LABELKIT_SCORE_DISPATCH(level, log_positive_values(x, n, out));
}

#undef LABELKIT_SCORE_DISPATCH

}  // namespace detail
LABELKIT_END_NAMESPACE
