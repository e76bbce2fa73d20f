# vcpkg overlay port for labelkit, in the shape of the registry's header-only ports.
# Use from a checkout:  vcpkg install labelkit --overlay-ports=<labelkit>/cmake/vcpkg-overlay
# LABELKIT_SOURCE_PATH may point at a local tree; otherwise the release archive is fetched.
if(DEFINED ENV{LABELKIT_SOURCE_PATH})
  set(SOURCE_PATH "$ENV{LABELKIT_SOURCE_PATH}")
else()
  vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO labelkit/labelkit
    REF "v${VERSION}"
    SHA512 0  # set to the release archive's hash when the tag is published
    HEAD_REF main)
endif()

set(VCPKG_BUILD_TYPE release)  # header-only: one configuration is enough

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DLABELKIT_BUILD_TESTS=OFF
    -DLABELKIT_BUILD_EXAMPLES=OFF
    -DLABELKIT_BUILD_BENCHMARKS=OFF
    -DLABELKIT_HEADER_CHECK=OFF
    -DLABELKIT_CMAKE_INSTALL_DIR=share/labelkit)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/labelkit)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug" "${CURRENT_PACKAGES_DIR}/lib")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
