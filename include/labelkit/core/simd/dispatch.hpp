#pragma once
/// @file
/// Runtime choice of the instruction set for labelkit's hot kernels (scoring passes).
///
/// A header-only library is compiled with the user's flags, usually `-O2` and no `-march`,
/// i.e. the x86-64 baseline (SSE2). The scoring kernels are therefore compiled several times,
/// each copy under a GCC/Clang `target` pragma (SSE2, AVX2 + FMA, AVX-512F/BW/DQ/VL), and the
/// widest copy the running CPU supports is picked at run time (`__builtin_cpu_supports`, read
/// once). Other compilers and CPUs get the portable copy (the baseline vector width of the
/// target, or plain scalar code). See docs/performance.md.
///
/// `set_simd_level_cap` lowers the level for the whole process; tests use it to run every
/// path that the CPU has against the scalar path.

#include <algorithm>
#include <atomic>

#include "labelkit/config.hpp"

/// Defined to 1 when the kernels are compiled for x86-64 with GCC or Clang, which can compile
/// functions for instruction sets beyond the translation unit's flags. Define it to 0 before
/// including labelkit to keep only the portable kernels.
#ifndef LABELKIT_SIMD_DISPATCH
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && !defined(__INTEL_COMPILER)
#define LABELKIT_SIMD_DISPATCH 1
#else
#define LABELKIT_SIMD_DISPATCH 0
#endif
#endif

LABELKIT_BEGIN_NAMESPACE

/// Instruction sets labelkit's scoring kernels are compiled for, from narrowest to widest.
enum class SimdLevel : int {
  scalar = 0,    ///< One value at a time (the reference every other path is tested against).
  baseline = 1,  ///< The translation unit's own vector width (SSE2 on x86-64 without -march).
  avx2 = 2,      ///< AVX2 + FMA, 256-bit (x86-64, GCC/Clang only).
  avx512 = 3,    ///< AVX-512 F/BW/DQ/VL, 512-bit (x86-64, GCC/Clang only).
};

namespace detail {

/// The widest level this CPU and compiler support, detected once per process.
[[nodiscard]] inline SimdLevel detected_simd_level() noexcept {
  static const SimdLevel level = [] {
#if LABELKIT_SIMD_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
      return SimdLevel::avx512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::avx2;
#endif
    return SimdLevel::baseline;
  }();
  return level;
}

/// The process-wide cap set by set_simd_level_cap (avx512 = no cap).
[[nodiscard]] inline std::atomic<int>& simd_level_cap_storage() noexcept {
  static std::atomic<int> cap{static_cast<int>(SimdLevel::avx512)};
  return cap;
}

}  // namespace detail

/// The level the scoring kernels use now: the detected level, lowered by set_simd_level_cap.
/// O(1) (one relaxed atomic load).
[[nodiscard]] inline SimdLevel simd_level() noexcept {
  const int cap = detail::simd_level_cap_storage().load(std::memory_order_relaxed);
  return static_cast<SimdLevel>(std::min(cap, static_cast<int>(detail::detected_simd_level())));
}

/// Caps the kernels' instruction set for the whole process (never raises it above what the CPU
/// has): for testing a lower path on a wide CPU, or for comparing paths. Returns the previous
/// cap. Thread-safe; calls already running keep the level they started with.
inline SimdLevel set_simd_level_cap(SimdLevel cap) noexcept {
  return static_cast<SimdLevel>(
      detail::simd_level_cap_storage().exchange(static_cast<int>(cap), std::memory_order_relaxed));
}

LABELKIT_END_NAMESPACE
