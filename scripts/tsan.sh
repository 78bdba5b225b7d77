#!/usr/bin/env bash
# Runs the real runtime's tests under ThreadSanitizer: the loop thread, the RocksDB writer thread and the signal
# handling of ringlabd, in-process (storage tests) and in the ringlabd processes the tests start.
#
#   scripts/tsan.sh [CTEST_REGEX]      build the tsan preset (no GUI) and run the engine/net tests, or those matching
#
# The output-limit attacks (OutputLimitsTest) are left out: they move hundreds of megabytes of replies, which
# ThreadSanitizer's checks on every byte copied slow past the time their bystanders allow.
#
# Reports of ringlabd processes go to their own files (TSAN_OPTIONS log_path), which this script reads at the end: a
# test can pass while a node it started reported a race, so the script fails when any report was written. Not part of
# .ci/run, which must stay under 30 minutes on two cores: a ThreadSanitizer build of the net library and its tests
# takes about 15 minutes there, and the tests run about five times slower.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
regex="${1:-Admin|Cluster|Handshake|Limits|Flood|Poison|Secure|Truthful|Robust|Rocks|Pipelined|Metrics|Service|LogLimiter|LogFormat|ProcessStats}"
jobs="${RINGLAB_JOBS:-2}"

cmake --preset tsan -DRINGLAB_BUILD_GUI=OFF >/dev/null
targets=(ringlabd)
for source in tests/net/*_test.cpp; do
  name="$(basename "$source" .cpp)"
  targets+=("net_$name")
done
cmake --build build/tsan -j "$jobs" --target "${targets[@]}"

root="$PWD"
logs="$(mktemp -d /tmp/ringlab-tsan.XXXXXX)"
status=0
(cd build/tsan && TSAN_OPTIONS="log_path=$logs/tsan second_deadlock_stack=1 suppressions=$root/tests/tsan.supp ${TSAN_OPTIONS:-}" \
   ctest -j 1 --timeout 300 --output-on-failure -R "$regex" -E "OutputLimitsTest") || status=$?

if compgen -G "$logs/tsan.*" >/dev/null; then
  echo "tsan.sh: ThreadSanitizer reports (one file per process) in $logs:" >&2
  for report in "$logs"/tsan.*; do
    echo "== $report" >&2
    grep -E "^WARNING: ThreadSanitizer|^SUMMARY" "$report" >&2 || true
  done
  status=1
else
  echo "tsan.sh: no ThreadSanitizer report from any test or node"
  rmdir "$logs"
fi
exit $status
