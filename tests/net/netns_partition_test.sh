#!/usr/bin/env bash
# Three ringlabd nodes in three network namespaces, each with its own address on a bridge. The test cuts n3's link
# (a partition: {n1, n2} | {n3}), writes on both sides, heals the link, and checks that every node ends up with every
# key and that a key written on both sides resolves to the same value everywhere.
#
#   tests/net/netns_partition_test.sh RINGLABD
#
# Needs root and `ip netns`; exits 77 (reported as skipped) with a message where they are not available.
set -euo pipefail
bin="${1:?usage: netns_partition_test.sh RINGLABD}"
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v redis-cli >/dev/null || skip "redis-cli is not installed"

tag="rl$$"
net="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"
prefix="${net%.0}"
hub="$tag-hub"
work=$(mktemp -d /tmp/ringlab-netns-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in 1 2 3; do ip netns del "$tag-n$i" 2>/dev/null || true; done
  ip netns del "$hub" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$hub" 2>/dev/null || skip "cannot create network namespaces here"
ip netns exec "$hub" ip link add br0 type bridge || skip "cannot create a bridge in a namespace"
ip netns exec "$hub" ip link set br0 up
for i in 1 2 3; do
  ns="$tag-n$i"
  ip netns add "$ns"
  ip link add "$tag-v$i" type veth peer name "$tag-h$i" || skip "cannot create veth pairs"
  ip link set "$tag-v$i" netns "$ns"
  ip link set "$tag-h$i" netns "$hub"
  ip netns exec "$hub" ip link set "$tag-h$i" master br0 up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$prefix.$i/24" dev "$tag-v$i"
  ip netns exec "$ns" ip link set "$tag-v$i" up
done

cli() { # node args...
  local i=$1; shift
  ip netns exec "$tag-n$i" redis-cli -h "$prefix.$i" -p 6379 "$@" 2>&1
}
info() { cli "$1" info everything | tr -d '\r' | sed -n "s/^$2://p"; }
keys() { info "$1" db0 | sed -n 's/^keys=\([0-9]*\).*/\1/p'; }
eventually() { # seconds command...
  local limit=$1; shift
  for _ in $(seq 1 $((limit * 10))); do "$@" && return 0; sleep 0.1; done
  "$@"
}
fail() { echo "FAILED: $*" >&2; for i in 1 2 3; do echo "--- n$i log:" >&2; tail -15 "$work/n$i.log" >&2; done; exit 1; }

for i in 1 2 3; do
  ip netns exec "$tag-n$i" "$bin" --node-id "n$i" --bind "$prefix.$i" --client-port 6379 --peer-port 7379 \
    --admin-port 0 --seeds "$prefix.1:7379" --storage memory --n 3 --r 1 --w 1 --cluster-secret netns \
    >"$work/n$i.log" 2>&1 &
  pids+=($!)
done
# Formed: every node has had gossip from every other (a member only heard named is never judged down).
all_up() {
  for i in 1 2 3; do
    [ "$(info "$i" ring_members_up)" = 3 ] && [ "$(info "$i" ring_members_heard)" = 3 ] || return 1
  done
}
eventually 20 all_up || fail "the cluster did not form"
[ "$(cli 1 set before ok)" = OK ] || fail "write before the partition"

echo "cutting n3 off" >&2
ip netns exec "$hub" ip link set "$tag-h3" down
n3_sees_down() { [ "$(info 3 ring_members_up)" = 1 ]; }
majority_sees_down() { [ "$(info 1 ring_members_up)" = 2 ] && [ "$(info 2 ring_members_up)" = 2 ]; }
eventually 30 n3_sees_down || fail "n3 did not notice the partition"
eventually 30 majority_sees_down || fail "n1 and n2 did not notice the partition"
for k in $(seq 1 50); do
  [ "$(cli 1 set "left:$k" "$k")" = OK ] || fail "write left:$k on the majority side"
  [ "$(cli 3 set "right:$k" "$k")" = OK ] || fail "write right:$k on n3's side"
done
[ "$(cli 2 set shared from-majority)" = OK ] || fail "write shared on the majority side"
sleep 0.01
[ "$(cli 3 set shared from-n3)" = OK ] || fail "write shared on n3's side"

echo "healing" >&2
ip netns exec "$hub" ip link set "$tag-h3" up
converged() {
  for i in 1 2 3; do [ "$(keys "$i")" = 102 ] || return 1; done
}
eventually 60 converged || fail "replicas did not converge: keys $(keys 1) $(keys 2) $(keys 3) (expected 102)"
shared_agrees() {
  local a b c
  a=$(cli 1 get shared) b=$(cli 2 get shared) c=$(cli 3 get shared)
  [ "$a" = from-n3 ] && [ "$b" = "$a" ] && [ "$c" = "$a" ]
}
eventually 20 shared_agrees || fail "the key written on both sides differs: $(cli 1 get shared) $(cli 2 get shared) $(cli 3 get shared)"
echo "PASSED: partition healed; every node holds all 102 keys and agrees on the concurrently written key" >&2
