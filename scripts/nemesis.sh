#!/usr/bin/env bash
# The real-node nemesis: a cluster of ringlabd processes, each in its own network namespace, under a recording client
# load while faults are applied at random; at the end everything is healed and the recorded history is checked
# against what every node holds (lost acknowledged writes, values nobody wrote, stale reads, divergence).
# See docs/NEMESIS.md.
#
#   sudo scripts/nemesis.sh [--seconds 120] [--seed N] [--faults kill,pause,partition,cut,clock,disk]
#                           [--inject-bug NAME] [--clients 4] [--keys 40] [--keep DIR]
#                           [--ringlabd PATH] [--ringlab-sim PATH]
#
# Needs root (network namespaces) and iproute2, curl; exits 77 where namespaces cannot be made.
# Exit status: 0 the checker found no anomaly; 1 it found one (or the cluster did not form); 2 usage error.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
seconds=120
seed=$(( $(date +%s) % 100000 ))
faults=kill,pause,partition,cut,clock,disk
bug=none
clients=4
keys=40
keep=""
ringlabd="$here/build/dev/app/ringlabd"
sim="$here/build/dev/app/ringlab-sim"
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --seed) seed=${2:?--seed needs a value}; shift 2 ;;
    --faults) faults=${2:?--faults needs a value}; shift 2 ;;
    --inject-bug) bug=${2:?--inject-bug needs a value}; shift 2 ;;
    --clients) clients=${2:?--clients needs a value}; shift 2 ;;
    --keys) keys=${2:?--keys needs a value}; shift 2 ;;
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --ringlabd) ringlabd=${2:?--ringlabd needs a path}; shift 2 ;;
    --ringlab-sim) sim=${2:?--ringlab-sim needs a path}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "nemesis.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "nemesis.sh: --seconds: expected whole seconds, got '$seconds'" >&2; exit 2 ;; esac
case "$seed" in ''|*[!0-9]*) echo "nemesis.sh: --seed: expected a number, got '$seed'" >&2; exit 2 ;; esac
[ "$seconds" -ge 10 ] || { echo "nemesis.sh: --seconds: at least 10" >&2; exit 2; }
IFS=, read -r -a fault_list <<<"$faults"
for f in "${fault_list[@]}"; do
  case "$f" in kill|pause|partition|cut|clock|disk) ;;
    *) echo "nemesis.sh: --faults: '$f' is not one of kill, pause, partition, cut, clock, disk" >&2; exit 2 ;;
  esac
done
[ -x "$ringlabd" ] || { echo "nemesis.sh: $ringlabd is not a program (build first, or give --ringlabd)" >&2; exit 2; }
[ -x "$sim" ] || { echo "nemesis.sh: $sim is not a program (build first, or give --ringlab-sim)" >&2; exit 2; }
skip() { echo "SKIPPED: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v curl >/dev/null || skip "curl is not installed"
command -v redis-cli >/dev/null || skip "redis-cli (redis-tools) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

RANDOM=$seed
nodes=3
tag="rn$$"
net="10.$((200 + RANDOM % 50)).$((RANDOM % 250)).0"
prefix="${net%.0}"
hub="$tag-hub"
if [ -n "$keep" ]; then
  if [ -d "$keep" ] && [ -n "$(ls -A "$keep")" ]; then
    echo "nemesis.sh: --keep: $keep is not empty (a new run needs an empty directory)" >&2
    exit 2
  fi
  mkdir -p "$keep"
  work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d /tmp/ringlab-nemesis-XXXXXX)
fi
token="nemesis-$$"
declare -A pid
cleanup() {
  local all=()
  for i in $(seq 1 $nodes); do [ -n "${pid[$i]:-}" ] && all+=("${pid[$i]}"); done
  [ -n "${load_pid:-}" ] && all+=("$load_pid")
  if [ ${#all[@]} -gt 0 ]; then
    kill -CONT "${all[@]}" 2>/dev/null || true
    kill -TERM "${all[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${all[@]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${all[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  for i in $(seq 1 $nodes); do ip netns del "$tag-n$i" 2>/dev/null || true; done
  ip netns del "$hub" 2>/dev/null || true
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
ip netns add "$hub" 2>/dev/null || skip "cannot create network namespaces here"
ip netns exec "$hub" ip link add br0 type bridge || skip "cannot create a bridge in a namespace"
ip netns exec "$hub" ip addr add "$prefix.254/24" dev br0
ip netns exec "$hub" ip link set br0 up
ip netns exec "$hub" ip link set lo up
for i in $(seq 1 $nodes); do
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

log() { printf '%6ss  %s\n' "$(( $(date +%s) - start ))" "$*"; }
# n3 syncs its log never (appendfsync no): the node whose disk the nemesis may lose.
start_node() { # index [clock offset ms]
  local i=$1 offset=${2:-0} sync=everysec
  [ "$i" = 3 ] && sync=no
  ip netns exec "$tag-n$i" env RINGLAB_ADMIN_TOKEN="$token" RINGLAB_CLUSTER_SECRET="$token" "$ringlabd" \
    --node-id "n$i" --bind "$prefix.$i" --client-port 6379 --peer-port 7379 --admin-port 8379 \
    --seeds "$prefix.1:7379,$prefix.2:7379" --storage rocksdb --data-dir "$work/n$i.data" --appendfsync "$sync" \
    --n 3 --r 2 --w 2 --gossip-interval-ms 500 --request-timeout-ms 500 --allow-fault-injection \
    --clock-offset-ms "$offset" --inject-bug "$bug" >>"$work/n$i.log" 2>&1 &
  pid[$i]=$!
}
admin() { # index json: returns non-zero (and says so) when the node did not take the rule
  local answer
  if ! answer=$(ip netns exec "$hub" curl -fsS -m 2 -H "Authorization: Bearer $token" -X POST \
      "http://$prefix.$1:8379/fault" -d "$2" 2>&1); then
    log "n$1 did not take $2: $answer"
    return 1
  fi
}
# Sends a signal to node `index`; a node that is not running is reported, not fatal.
signal_node() { # signal index
  kill "-$1" "${pid[$2]}" 2>/dev/null || log "n$2 was not running (SIG$1 not delivered): see $work/n$2.log"
}
stop_node() { # index: kill -9 and reap
  signal_node KILL "$1"
  wait "${pid[$1]}" 2>/dev/null || true
}
mono_us() { python3 -c 'import time; print(int(time.monotonic() * 1e6))'; }
info() { ip netns exec "$hub" redis-cli -h "$prefix.$1" -p 6379 info everything 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }
formed() { for i in $(seq 1 $nodes); do [ "$(info "$i" ring_members_up)" = $nodes ] || return 1; done; }

start=$(date +%s)
for i in $(seq 1 $nodes); do start_node "$i"; done
for _ in $(seq 1 200); do formed && break; sleep 0.1; done
if ! formed; then
  echo "FAILED: the cluster did not form" >&2
  for i in $(seq 1 $nodes); do echo "--- n$i log:" >&2; tail -15 "$work/n$i.log" >&2; done
  exit 1
fi
log "cluster of $nodes nodes formed on $prefix.0/24 (seed $seed, faults $faults, injected bug $bug)"

endpoints=$(for i in $(seq 1 $nodes); do printf '%s:6379,' "$prefix.$i"; done)
endpoints=${endpoints%,}
ip netns exec "$hub" "$sim" load --nodes "$endpoints" --history "$work/history.jsonl" --seconds "$seconds" \
  --clients "$clients" --keys "$keys" --seed "$seed" --timeout-ms 2000 >"$work/load.log" 2>&1 &
load_pid=$!

# One fault at a time, each held for a few seconds, until a few seconds before the load ends.
applied=()
disk_lost_at=""
# pick sets `picked` rather than printing: a $(...) subshell would draw from a reseeded RANDOM, not from --seed's.
pick() { picked=$(( $1 + RANDOM % ($2 - $1 + 1) )); }
hold() { pick "$1" "$2"; sleep "$picked"; }
while [ $(( $(date +%s) - start )) -lt $(( seconds - 8 )) ]; do
  hold 1 3
  fault=${fault_list[$((RANDOM % ${#fault_list[@]}))]}
  pick 1 $nodes
  n=$picked
  case "$fault" in
    kill)
      log "kill -9 n$n"
      stop_node "$n"
      hold 1 4
      log "restart n$n"
      start_node "$n" ;;
    clock)
      pick 50 1500
      offset=$(( (RANDOM % 2 ? 1 : -1) * picked ))
      log "kill -9 n$n, restart it with its clock off by ${offset} ms"
      stop_node "$n"
      hold 1 2
      start_node "$n" "$offset" ;;
    pause)
      log "SIGSTOP n$n"
      signal_node STOP "$n"
      hold 1 4
      log "SIGCONT n$n"
      signal_node CONT "$n" ;;
    partition)
      log "partition: n$n cut off from the others and the clients"
      ip netns exec "$hub" ip link set "$tag-h$n" down
      hold 2 6
      log "heal the partition of n$n"
      ip netns exec "$hub" ip link set "$tag-h$n" up ;;
    cut)
      m=$(( n % nodes + 1 ))
      log "one-way cut: n$n's messages to n$m are dropped"
      admin "$n" "{\"action\":\"drop\",\"peers\":[\"n$m\"]}" || true
      hold 2 6
      log "heal the cut n$n -> n$m"
      admin "$n" '{"action":"heal"}' || true ;;
    disk)
      log "disk loss: kill -9 n3 (appendfsync no), wipe its data directory, restart it empty"
      stop_node 3
      rm -rf "$work/n3.data"
      [ -n "$disk_lost_at" ] || disk_lost_at=$(mono_us)
      hold 1 3
      start_node 3 ;;
  esac
  applied+=("$fault")
done

log "healing: every link up, every rule removed, every node running"
for i in $(seq 1 $nodes); do
  ip netns exec "$hub" ip link set "$tag-h$i" up
  kill -CONT "${pid[$i]}" 2>/dev/null || true
  kill -0 "${pid[$i]}" 2>/dev/null || { log "n$i is not running: restarting it"; start_node "$i"; }
done
for i in $(seq 1 $nodes); do
  for _ in $(seq 1 20); do admin "$i" '{"action":"heal"}' && break; sleep 0.5; done
done
wait "$load_pid" || { echo "FAILED: the load stopped: $(tail -3 "$work/load.log")" >&2; exit 1; }
load_pid=""
tail -1 "$work/load.log"
if [ ${#applied[@]} -gt 0 ]; then
  log "faults applied: $(printf '%s\n' "${applied[@]}" | sort | uniq -c | awk '{printf "%s%s %s", (NR>1?", ":""), $2, $1}')"
else
  log "faults applied: none"
fi

stale=()
[ -n "$disk_lost_at" ] && stale=(--allow-stale-reads-from "$disk_lost_at")
log "checking the history against every node"
set +e
ip netns exec "$hub" "$sim" check-history --nodes "$endpoints" --history "$work/history.jsonl" --settle 60 \
  "${stale[@]}" | tee "$work/check.log"
status=${PIPESTATUS[0]}
set -e
[ -n "$keep" ] && log "logs, the history and the check report are in $work"
exit "$status"
