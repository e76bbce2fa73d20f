# labelkit_project_target(<target>): the flags for labelkit's own tests, examples and
# benchmarks. Consumers of labelkit::labelkit never see these.
function(labelkit_project_target target)
  target_link_libraries(${target} PRIVATE labelkit::labelkit)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /WX /permissive-)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  endif()
endfunction()
