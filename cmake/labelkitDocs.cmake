# labelkit_docs: the API reference from the headers with Doxygen. Fails on any warning, so an
# undocumented public entity breaks the docs build (CI builds it).
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(LABELKIT_DOCS_OUTPUT "${PROJECT_BINARY_DIR}/docs")
  configure_file("${CMAKE_CURRENT_LIST_DIR}/Doxyfile.in" "${PROJECT_BINARY_DIR}/Doxyfile" @ONLY)
  add_custom_target(labelkit_docs
    COMMAND ${CMAKE_COMMAND} -E make_directory "${LABELKIT_DOCS_OUTPUT}"
    COMMAND Doxygen::doxygen "${PROJECT_BINARY_DIR}/Doxyfile"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    COMMENT "API reference -> ${LABELKIT_DOCS_OUTPUT}/html/index.html"
    VERBATIM)
endif()
