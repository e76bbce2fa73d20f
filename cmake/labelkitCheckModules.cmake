# cmake -DINCLUDE_DIR=<dir> -P labelkitCheckModules.cmake
#
# Checks that every area directory include/labelkit/<area>/ has a module header
# include/labelkit/<area>.hpp that includes each of the area's public headers (<area>/*.hpp, not
# detail/), and that the umbrella labelkit.hpp includes every module header. Run by CTest, so a
# header added to an area without its module line fails the tests instead of going missing from
# the umbrella.
if(NOT INCLUDE_DIR)
  message(FATAL_ERROR "labelkitCheckModules: set -DINCLUDE_DIR=<project>/include")
endif()
set(_root "${INCLUDE_DIR}/labelkit")
file(READ "${_root}/labelkit.hpp" _umbrella)
file(GLOB _entries LIST_DIRECTORIES true RELATIVE "${_root}" "${_root}/*")
set(_missing "")
foreach(area IN LISTS _entries)
  # labelkit/distributed/ holds optional engines (MPI) that need their own dependency: they are
  # included on purpose, never through the umbrella.
  if(NOT IS_DIRECTORY "${_root}/${area}" OR area STREQUAL "detail" OR area STREQUAL "distributed")
    continue()
  endif()
  if(NOT EXISTS "${_root}/${area}.hpp")
    list(APPEND _missing "labelkit/${area}.hpp (module header of labelkit/${area}/) does not exist")
    continue()
  endif()
  string(FIND "${_umbrella}" "#include \"labelkit/${area}.hpp\"" _at)
  if(_at EQUAL -1)
    list(APPEND _missing "labelkit/labelkit.hpp does not include labelkit/${area}.hpp")
  endif()
  file(READ "${_root}/${area}.hpp" _module)
  file(GLOB _headers RELATIVE "${_root}" "${_root}/${area}/*.hpp")
  foreach(header IN LISTS _headers)
    string(FIND "${_module}" "#include \"labelkit/${header}\"" _at)
    if(_at EQUAL -1)
      list(APPEND _missing "labelkit/${area}.hpp does not include labelkit/${header}")
    endif()
  endforeach()
endforeach()
if(_missing)
  list(JOIN _missing "\n  " _text)
  message(FATAL_ERROR "labelkit module headers are incomplete:\n  ${_text}")
endif()
message(STATUS "labelkit module headers: complete")
