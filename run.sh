#!/usr/bin/env bash
# RingLab quick start, step 1: installs what is missing, builds (Release) and opens the desktop app on the default
# scenario in the embedded cluster. Arguments go to the app (try --help).
#
# Without a display (no DISPLAY or WAYLAND_DISPLAY, e.g. over ssh) it runs the headless demo instead: a 5-node
# in-process cluster for a few seconds of virtual time, then a summary; its arguments then go to 'ringlab-sim demo'
# (so --help shows the demo's options, and says so). RINGLAB_HEADLESS=1 forces that.
set -euo pipefail
cd "$(dirname "$0")"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${RINGLAB_HEADLESS:-0}" != 1 ]; then
  scripts/install-deps.sh
  cmake --preset release >/dev/null
  cmake --build --preset release --target ringlab
  exec build/release/app/ringlab "$@"
fi

echo "run.sh: no display found; running the headless demo (the desktop app needs a display)." >&2
for arg in "$@"; do
  if [ "$arg" = --help ] || [ "$arg" = -h ]; then
    echo "run.sh: without a display, arguments go to 'ringlab-sim demo': the options below are the demo's." >&2
    echo "        The desktop app's options: build/release/app/ringlab --help (it prints them without a display)." >&2
  fi
done
scripts/install-deps.sh --no-gui
cmake --preset headless >/dev/null
cmake --build --preset headless --target ringlab-sim
exec build/headless/app/ringlab-sim demo "$@"
