#!/usr/bin/env bash
# Compares ringlabd with redis-server on this machine, in one run (a benchmark, not a test):
#   1. redis-benchmark -t set,get -n REQUESTS -c 50, without pipelining and with -P 16, against redis-server
#      (no persistence), a single ringlabd (N=1, memory storage) and a 3-node ringlabd cluster (N=3, R=W=2, memory
#      storage; the benchmark talks to n1, which coordinates every request);
#   2. memory per key: 1,000,000 SETs of 3-byte values under 14-byte keys (loaded with redis-cli --pipe), resident
#      memory growth divided by the key count, redis-server against a single ringlabd.
# Prints a Markdown table (requests/s, p50, p99, ratio to Redis) ready for docs/PERFORMANCE.md.
#
#   bench/redis_compare.sh [--requests N] [--keys K] [--bin PATH] [--storage memory|rocksdb]
set -euo pipefail
cd "$(dirname "$0")/.."

requests=200000 keys=1000000 bin="" storage=memory
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --storage) storage="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "redis_compare.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "redis_compare.sh: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
if [ -z "$bin" ]; then
  bin=$(ls -t build/release/app/ringlabd build/headless/app/ringlabd build/dev/app/ringlabd 2>/dev/null | head -1 || true)
  [ -n "$bin" ] || { echo "redis_compare.sh: build ringlabd first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
fi
work=$(mktemp -d /tmp/ringlab-compare-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { # a port nobody listens on, from a range unlikely to be in use
  local p
  while :; do
    p=$(( 20000 + RANDOM % 30000 ))
    ss -ltn "sport = :$p" 2>/dev/null | grep -q LISTEN || { echo "$p"; return; }
  done
}
wait_ping() { for _ in $(seq 1 200); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return; sleep 0.05; done; echo "no answer on $1" >&2; exit 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_redis() {
  local port=$1
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis-$port.log" 2>&1 &
  pids+=($!); last_pid=$!
  wait_ping "$port"
}
start_node() { # name client peer admin seeds n r w
  "$bin" --node-id "$1" --client-port "$2" --peer-port "$3" --admin-port "$4" --seeds "$5" --n "$6" --r "$7" --w "$8" \
    --storage "$storage" --data-dir "$work/$1-$2" --cluster-secret bench --log-level warn >"$work/$1-$2.log" 2>&1 &
  pids+=($!); last_pid=$!
  wait_ping "$2"
}

declare -A rps p50 p99
run_bench() { # label port
  local label=$1 port=$2 mode
  for mode in 1 16; do
    redis-benchmark -p "$port" -t set,get -n "$requests" -c 50 -P "$mode" --csv 2>/dev/null | tr -d '"' |
      awk -F, -v l="$label" -v m="$mode" '$1=="SET"||$1=="GET" {print l, m, $1, $2, $5, $7}' >>"$work/results"
  done
}

echo "redis-benchmark: $requests requests, 50 clients; storage for ringlabd: $storage; binary: $bin" >&2
: >"$work/results"
port=$(free_port); start_redis "$port"; run_bench redis "$port"
redis_port=$port redis_pid=$last_pid

c1=$(free_port) p1=$(free_port) a1=$(free_port)
start_node n1 "$c1" "$p1" "$a1" "" 1 1 1; single_pid=$last_pid
run_bench single "$c1"

cc=(); cp=()
for i in 1 2 3; do cc+=("$(free_port)"); cp+=("$(free_port)"); done
for i in 0 1 2; do start_node "n$((i + 1))" "${cc[$i]}" "${cp[$i]}" 0 "127.0.0.1:${cp[0]}" 3 2 2; done
for _ in $(seq 1 200); do
  [ "$(redis-cli -p "${cc[0]}" info ring | tr -d '\r' | sed -n 's/^ring_members_up://p')" = 3 ] && break; sleep 0.05
done
run_bench cluster "${cc[0]}"

echo
echo "| target | pipeline | test | requests/s | p50 ms | p99 ms | ratio to Redis |"
echo "|---|---:|---|---:|---:|---:|---:|"
while read -r label mode test r q50 q99; do
  base=$(awk -v m="$mode" -v t="$test" '$1=="redis" && $2==m && $3==t {print $4}' "$work/results")
  ratio=$(awk -v a="$r" -v b="$base" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  case "$label" in
    redis) name="redis-server" ;;
    single) name="ringlabd, 1 node (N=1)" ;;
    cluster) name="ringlabd, 3 nodes (N=3, R=W=2)" ;;
  esac
  echo "| $name | $([ "$mode" = 1 ] && echo none || echo "-P $mode") | $test | $r | $q50 | $q99 | $ratio |"
done <"$work/results"

# Memory per key: the same keys and values into redis-server and the single node.
awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) { k = sprintf("key:%010d", i); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n", length(k), k } }' >"$work/load.resp"
measure() { # pid port
  local before after
  redis-cli -p "$2" flushall >/dev/null 2>&1 || true
  before=$(rss_kb "$1")
  redis-cli -p "$2" --pipe <"$work/load.resp" >/dev/null
  after=$(rss_kb "$1")
  awk -v a="$after" -v b="$before" -v n="$keys" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }'
}
kill -TERM "${pids[@]:2}" 2>/dev/null || true  # the cluster is done
r_bytes=$(measure "$redis_pid" "$redis_port")
s_bytes=$(measure "$single_pid" "$c1")
echo
echo "| memory per key ($keys keys, 14-byte keys, 3-byte values) | bytes/key | ratio to Redis |"
echo "|---|---:|---:|"
echo "| redis-server | $r_bytes | 1.00x |"
echo "| ringlabd, 1 node, $storage storage | $s_bytes | $(awk -v a="$s_bytes" -v b="$r_bytes" 'BEGIN { printf "%.2fx", a / b }') |"
