#!/usr/bin/env bash
# scripts/local-cluster.sh starts reliably: it is started and stopped many times in a row, and each start must report
# the cluster up (every node answering and seeing all members) and each stop must leave no node running. Also checks
# that a node that cannot start is named in a clear message.
#
#   local_cluster_test.sh RINGLABD [STARTS]
set -uo pipefail
bin=$1
starts=${2:-20}
here=$(cd "$(dirname "$0")/../.." && pwd)
script="$here/scripts/local-cluster.sh"
command -v redis-cli >/dev/null || { echo "SKIP: redis-cli not installed"; exit 77; }

work=$(mktemp -d /tmp/ringlab-local-cluster-test-XXXXXX)
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A base port in a range other tests do not use, different per run of this test.
base=$((21000 + ($$ % 200) * 10))

for run in $(seq 1 "$starts"); do
  out="$work/run$run.out"
  "$script" -k 3 --memory --bin "$bin" --client-port "$base" --dir "$work/data$run" --ready-timeout 30 >"$out" 2>&1 &
  pid=$!
  up=0
  for _ in $(seq 1 400); do
    if grep -q "is up" "$out"; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" != 1 ]; then
    fail "start $run: the cluster did not come up; the script printed:"; sed 's/^/    /' "$out"
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
    continue
  fi
  # Every node answers and sees the whole ring.
  for i in 1 2 3; do
    members=$(redis-cli -p $((base + i - 1)) info ring 2>/dev/null | tr -d '\r' | sed -n 's/^ring_members://p')
    [ "$members" = 3 ] || fail "start $run: n$i sees '${members}' members, expected 3"
  done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null; pid=""
  for i in 1 2 3; do
    if redis-cli -p $((base + i - 1)) ping >/dev/null 2>&1; then fail "start $run: n$i still answers after the script stopped"; fi
  done
done
echo "$starts starts done"

# A node that exits at start-up, and one that never becomes ready, are named, and the script exits 1 instead of
# hanging. Stand-ins for ringlabd play the two parts.
printf '#!/bin/sh\necho "cannot bind 127.0.0.1: address in use" >&2\nexit 1\n' >"$work/exits"
printf '#!/bin/sh\nexec sleep 60\n' >"$work/hangs"
chmod +x "$work/exits" "$work/hangs"
timeout 60 "$script" -k 2 --bin "$work/exits" --client-port "$base" --dir "$work/exits.d" >"$work/exits.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a node that exits at start-up: exit status $rc, expected 1"
grep -q "n1 (client port $base) exited during start-up" "$work/exits.out" && grep -q "address in use" "$work/exits.out" ||
  { fail "a node that exits at start-up is not named with its log:"; sed 's/^/    /' "$work/exits.out"; }
timeout 60 "$script" -k 2 --bin "$work/hangs" --client-port "$base" --dir "$work/hangs.d" --ready-timeout 2 \
  >"$work/hangs.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a node that never becomes ready: exit status $rc, expected 1"
grep -q "n1 (client port $base) was not ready after 2s" "$work/hangs.out" ||
  { fail "a node that never becomes ready is not named:"; sed 's/^/    /' "$work/hangs.out"; }

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "local-cluster.sh: $starts starts, and the messages for a node that exits or never becomes ready, checked"
