# labelkit's dependencies: an installed package first (find_package), a pinned download as the
# fallback (FetchContent's FIND_PACKAGE_ARGS). Targets a parent project already defines are
# reused as they are.
include(FetchContent)

if(NOT TARGET Eigen3::Eigen)
  FetchContent_Declare(Eigen3
    URL https://gitlab.com/libeigen/eigen/-/archive/3.4.0/eigen-3.4.0.tar.gz
    # No version in the request: Eigen 3.4's SameMajorVersion file rejects a range such as
    # 3.4...5, and a plain 3.4 would reject Eigen 5. The floor is checked below instead.
    FIND_PACKAGE_ARGS NO_MODULE)
  set(EIGEN_BUILD_DOC OFF CACHE BOOL "" FORCE)
  set(EIGEN_BUILD_TESTING OFF CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(Eigen3)
  if(DEFINED Eigen3_VERSION AND Eigen3_VERSION VERSION_LESS 3.4)
    message(FATAL_ERROR "labelkit needs Eigen 3.4 or newer (found ${Eigen3_VERSION})")
  endif()
endif()

if(NOT TARGET nlohmann_json::nlohmann_json)
  FetchContent_Declare(nlohmann_json
    URL https://github.com/nlohmann/json/releases/download/v3.11.3/json.tar.xz
    FIND_PACKAGE_ARGS 3.10 NO_MODULE)
  FetchContent_MakeAvailable(nlohmann_json)
endif()

if(LABELKIT_BUILD_TESTS AND NOT TARGET doctest::doctest)
  FetchContent_Declare(doctest
    URL https://github.com/doctest/doctest/archive/refs/tags/v2.4.11.tar.gz
    FIND_PACKAGE_ARGS 2.4 NO_MODULE)
  FetchContent_MakeAvailable(doctest)
endif()

if(LABELKIT_BUILD_BENCHMARKS AND NOT TARGET benchmark::benchmark)
  set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
  set(BENCHMARK_ENABLE_GTEST_TESTS OFF CACHE BOOL "" FORCE)
  FetchContent_Declare(benchmark
    URL https://github.com/google/benchmark/archive/refs/tags/v1.8.3.tar.gz
    FIND_PACKAGE_ARGS 1.6 NO_MODULE)
  FetchContent_MakeAvailable(benchmark)
endif()
