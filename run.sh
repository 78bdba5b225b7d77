#!/usr/bin/env bash
# RingLab quick start, step 1: installs what is missing, builds (Release) and runs the main job.
# Until the desktop app lands this runs the default 5-node in-process cluster headless for a few seconds of
# virtual time and prints a summary. Arguments are passed to `ringlab-sim demo` (try --help).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/app/ringlab-sim demo "$@"
