# The Debian package of the server: `cpack` in a build directory writes
# jwtd_<version>_amd64.deb (scripts/package.sh does it from a Release build).
#
# The package holds the "runtime" component only: /usr/bin/jwtd, the logout lab in
# /usr/share/jwtd/web (where /usr/bin/jwtd looks by default), the systemd unit, the
# configuration /etc/jwtd/jwtd.toml (a conffile) and the operations guide. The libraries and
# headers (`cmake --install`, find_package(jwtd)) are not in it. The unit and the configuration
# are EXCLUDE_FROM_ALL: a plain `cmake --install` into a prefix never writes to /etc.
set(JWTD_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

install(FILES ${JWTD_PACKAGING_DIR}/jwtd.service DESTINATION lib/systemd/system
        COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES ${JWTD_PACKAGING_DIR}/jwtd.toml DESTINATION /etc/jwtd
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME jwtd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "jwtd")
# A placeholder, as in SECURITY.md: the project's contact goes here.
set(CPACK_PACKAGE_CONTACT "jwtd maintainers <security@jwtd.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "JWT authentication server where logout is real")
set(CPACK_PACKAGE_DESCRIPTION
    "jwtd issues short-lived access tokens and rotating refresh tokens, and makes logout \
real: a jti/session denylist, per-user token versions and a revocation feed that \
resource servers and gateways follow. Runs as the jwtd.service systemd unit.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};jwtd;runtime;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/package)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # jwtd_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages from the binary itself (dpkg-shlibdeps), when it is there;
# else the Debian 12 packages jwtd links to, by hand. adduser: the postinst creates the user.
find_program(JWTD_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(JWTD_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "adduser, libc6, libstdc++6, libgcc-s1, libssl3, libsodium23, libsqlite3-0, libpq5, \
libhiredis0.14, libspdlog1.10, libfmt9, libtomlplusplus3, libboost-json1.81.0, \
libboost-url1.81.0")
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${JWTD_PACKAGING_DIR}/debian/conffiles ${JWTD_PACKAGING_DIR}/debian/postinst
    ${JWTD_PACKAGING_DIR}/debian/prerm ${JWTD_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
