# Install rules: headers, the exported target labelkit::labelkit, a package config that finds
# the dependencies again, an architecture-independent version file, and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LABELKIT_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/labelkit" CACHE STRING
    "Where labelkitConfig.cmake is installed")

install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp" PATTERN "*.inc")
install(TARGETS labelkit EXPORT labelkitTargets)
install(EXPORT labelkitTargets NAMESPACE labelkit:: DESTINATION ${LABELKIT_CMAKE_INSTALL_DIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/labelkitConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/labelkitConfig.cmake
  INSTALL_DESTINATION ${LABELKIT_CMAKE_INSTALL_DIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/labelkitConfigVersion.cmake
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/labelkitConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/labelkitConfigVersion.cmake
  DESTINATION ${LABELKIT_CMAKE_INSTALL_DIR})

configure_file(${CMAKE_CURRENT_LIST_DIR}/labelkit.pc.in ${CMAKE_CURRENT_BINARY_DIR}/labelkit.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/labelkit.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
