# Debian packages with CPack (scripts/package.sh builds them):
#   ringlabd  the real node: the program, /etc/ringlab/ringlabd.yaml (a conffile), a systemd unit, a system user
#             `ringlab` owning /var/lib/ringlab, the Grafana dashboard. No Qt.
#   ringlab   the desktop app and ringlab-sim, the shipped scenarios, the desktop entry, icons, AppStream metadata
#             and the documentation.
# Dependencies on shared libraries are computed with dpkg-shlibdeps.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ringlab)
set(CPACK_PACKAGE_VENDOR "RingLab")
set(CPACK_PACKAGE_CONTACT "RingLab maintainers <maintainers@ringlab.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ringlabd)
if(RINGLAB_BUILD_GUI)
  list(APPEND CPACK_COMPONENTS_ALL ringlab)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://ringlab.invalid/")

set(CPACK_DEBIAN_RINGLABD_PACKAGE_NAME ringlabd)
set(CPACK_DEBIAN_RINGLABD_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RINGLABD_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_RINGLABD_PACKAGE_SUGGESTS "redis-tools")
set(CPACK_COMPONENT_RINGLABD_DESCRIPTION
    "RingLab storage node\n A Dynamo-style replicated key-value store node: Redis clients talk to it, peers replicate\n over an authenticated binary protocol, and an HTTP endpoint serves Prometheus metrics and admin actions.")
set(debian ${PROJECT_SOURCE_DIR}/resources/debian/ringlabd)
set(CPACK_DEBIAN_RINGLABD_PACKAGE_CONTROL_EXTRA "${debian}/conffiles;${debian}/postinst;${debian}/prerm;${debian}/postrm")
set(CPACK_DEBIAN_RINGLABD_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RINGLAB_PACKAGE_NAME ringlab)
set(CPACK_DEBIAN_RINGLAB_PACKAGE_SECTION education)
set(CPACK_COMPONENT_RINGLAB_DESCRIPTION
    "RingLab desktop app and scenario runner\n Watch a Dynamo-style replicated key-value store: the hash ring, replication traffic, fiber scheduling\n and live charts, in a deterministic simulation or connected to real ringlabd nodes. Includes ringlab-sim,\n the headless scenario runner, and narrated scenarios for teaching.")

include(CPack)
