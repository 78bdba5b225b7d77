#!/usr/bin/env bash
# The real-node nemesis as a test: a run under every fault kind must find no anomaly, and a run whose nodes acknowledge
# writes before storing them (--inject-bug ack-before-store) must be caught.
#
#   tests/net/nemesis_test.sh RINGLABD RINGLAB_SIM [SECONDS]
#
# Needs root and network namespaces; exits 77 (skipped) where they are not available.
set -uo pipefail
ringlabd="${1:?usage: nemesis_test.sh RINGLABD RINGLAB_SIM [SECONDS]}"
sim="${2:?usage: nemesis_test.sh RINGLABD RINGLAB_SIM [SECONDS]}"
seconds="${3:-90}"
script="$(cd "$(dirname "$0")/../.." && pwd)/scripts/nemesis.sh"
out=$(mktemp /tmp/ringlab-nemesis-test-XXXXXX)
trap 'rm -f "$out"' EXIT

echo "== $seconds s under kill, pause, partition, one-way cut, clock offset and disk loss: expect no anomaly" >&2
bash "$script" --ringlabd "$ringlabd" --ringlab-sim "$sim" --seconds "$seconds" --seed 11 >"$out" 2>&1
status=$?
cat "$out" >&2
[ "$status" = 77 ] && exit 77
[ "$status" = 0 ] || { echo "FAILED: the nemesis run found an anomaly or did not run (exit $status)" >&2; exit 1; }
grep -q '^PASSED' "$out" || { echo "FAILED: the check did not report PASSED" >&2; exit 1; }
grep -Eq 'faults applied: .*(kill|pause|partition|cut|clock|disk) [0-9]' "$out" || { echo "FAILED: no fault was applied" >&2; exit 1; }

echo "== 20 s with ack-before-store injected: expect the checker to catch it" >&2
bash "$script" --ringlabd "$ringlabd" --ringlab-sim "$sim" --seconds 20 --seed 12 --faults kill,pause \
  --inject-bug ack-before-store >"$out" 2>&1
status=$?
cat "$out" >&2
[ "$status" = 1 ] || { echo "FAILED: the injected bug was not caught (exit $status, expected 1)" >&2; exit 1; }
grep -Eq '^FAILED: .*(stale reads|lost writes)' "$out" ||
  { echo "FAILED: the run failed, but not with stale reads or lost writes" >&2; exit 1; }
echo "PASSED: no anomaly without the bug; the injected bug was caught" >&2
