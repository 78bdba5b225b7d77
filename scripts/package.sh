#!/usr/bin/env bash
# Builds the Debian packages `ringlabd` (the node, no Qt) and `ringlab` (the desktop app and ringlab-sim) with CPack,
# into dist/. A Release build in build/package, with the packaging layout (/etc/ringlab, /lib/systemd/system).
#
#   scripts/package.sh            both packages
#   scripts/package.sh --no-gui   only ringlabd (a machine without Qt)
#
# Then: scripts/test-packages.sh installs them into a bare Debian 12 root and checks the node starts.
set -euo pipefail
cd "$(dirname "$0")/.."

gui=ON
for arg in "$@"; do
  case "$arg" in
    --no-gui) gui=OFF ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown option '$arg' (expected --no-gui or --help)" >&2; exit 2 ;;
  esac
done
if [ "$gui" = ON ]; then scripts/install-deps.sh; else scripts/install-deps.sh --no-gui; fi
command -v dpkg-shlibdeps >/dev/null || { echo "package.sh: dpkg-shlibdeps is missing (apt-get install dpkg-dev)" >&2; exit 1; }

cmake -S . -B build/package -G Ninja -DCMAKE_BUILD_TYPE=Release -DRINGLAB_PACKAGING=ON -DRINGLAB_BUILD_GUI=$gui \
  -DRINGLAB_BUILD_TESTS=OFF -DRINGLAB_BUILD_BENCH=OFF >/dev/null
cmake --build build/package -j2
(cd build/package && cpack -G DEB >/dev/null)
mkdir -p dist
cp build/package/*.deb dist/
echo "Packages in dist/:"
for deb in build/package/*.deb; do
  printf '  %s  (%s)\n' "$(basename "$deb")" "$(dpkg-deb -f "$deb" Depends | cut -c1-100)"
done
