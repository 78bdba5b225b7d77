#!/usr/bin/env bash
# Installs the Debian 12 packages RingLab needs to build, test and run. Idempotent: only missing packages are
# installed, and nothing is done when everything is present. Uses sudo when not run as root.
#
#   scripts/install-deps.sh            everything (GUI included)
#   scripts/install-deps.sh --no-gui   without Qt (headless tools only)
set -euo pipefail

want_gui=1
for arg in "$@"; do
  case "$arg" in
    --no-gui) want_gui=0 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --no-gui or --help)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-fiber1.81-dev libboost-context1.81-dev libboost-json1.81-dev
  libboost-program-options1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libxxhash-dev zlib1g-dev
  libboost-system1.81-dev libssl-dev librocksdb-dev libjemalloc-dev
  redis-tools redis-server curl iproute2 clang-14 libclang-rt-14-dev jq desktop-file-utils appstream
  groff-base man-db zsh nftables python3
)
if [ "$want_gui" = 1 ]; then
  packages+=(qt6-base-dev qt6-charts-dev libqt6opengl6-dev libqt6svg6-dev libgl-dev libglx-dev xvfb xauth fonts-dejavu-core)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps.sh: missing packages (${missing[*]}) and not root, and sudo is not available" >&2; exit 1
  fi
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
