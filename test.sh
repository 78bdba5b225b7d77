#!/usr/bin/env bash
# RingLab quick start, step 2: installs what is missing, builds, and runs the whole test suite with ctest.
# Exits non-zero on any failure. Arguments are passed to ctest (for example -R Ring to run some tests).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev "$@"
