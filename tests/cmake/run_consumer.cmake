# Builds and runs a tiny consumer project against labelkit, in one of three ways:
#   MODE=find_package      install labelkit into a temporary prefix, then find_package(labelkit CONFIG)
#   MODE=add_subdirectory  add_subdirectory(<labelkit source tree>)
#   MODE=fetchcontent      FetchContent_Declare(labelkit SOURCE_DIR <labelkit source tree>)
#   MODE=pkg_config        install, then compile with the flags of `pkg-config --cflags labelkit`
cmake_minimum_required(VERSION 3.24)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "command failed (${result}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

set(consumer_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DLABELKIT_CONSUMER_MODE=${MODE}
                  -DLABELKIT_SOURCE_DIR=${LABELKIT_SOURCE_DIR})
if(MODE STREQUAL "find_package" OR MODE STREQUAL "pkg_config")
  run(${CMAKE_COMMAND} -S "${LABELKIT_SOURCE_DIR}" -B "${WORK_DIR}/labelkit-build"
      -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix
      -DLABELKIT_BUILD_TESTS=OFF -DLABELKIT_BUILD_EXAMPLES=OFF -DLABELKIT_BUILD_BENCHMARKS=OFF)
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/labelkit-build")
  list(APPEND consumer_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
endif()
if(MODE STREQUAL "pkg_config")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${WORK_DIR}/prefix/share/pkgconfig")
  execute_process(COMMAND ${PKG_CONFIG} --cflags labelkit RESULT_VARIABLE result
                  OUTPUT_VARIABLE cflags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags labelkit failed: ${err}")
  endif()
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run(${CXX_COMPILER} ${cflags} "${CMAKE_CURRENT_LIST_DIR}/consumer/main.cpp" -o "${WORK_DIR}/consumer")
  run("${WORK_DIR}/consumer")
  message(STATUS "consumer (pkg-config) built and ran")
  return()
endif()
run(${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/consumer" -B "${WORK_DIR}/consumer-build"
    ${consumer_args})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer-build")
run("${WORK_DIR}/consumer-build/consumer")
message(STATUS "consumer (${MODE}) built and ran")
