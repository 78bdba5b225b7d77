#!/usr/bin/env bash
# Compares ringlabd with redis-server on this machine, in one run (a benchmark, not a test). Every target runs in
# the same invocation so the ratios compare like with like:
#   redis-benchmark -t set,get against redis-server and ringlabd, for each client count (--clients, default 50,200)
#   and each pipeline depth (--pipelines, default 1,16);
#   targets: "memory"  redis-server without persistence  against ringlabd N=1 with memory storage;
#            "rocksdb" redis-server with appendonly yes and appendfsync FSYNC  against ringlabd N=1 with RocksDB
#                      storage and --appendfsync FSYNC;
#            "cluster" three ringlabd (N=3, R=W=2, memory storage) against one redis-server without persistence;
#                      the load goes through n1 ("cluster-n1") and, with --all-nodes, through all three nodes at
#                      once ("cluster-all": three redis-benchmark processes, clients split evenly, figures summed);
#   bulk load: redis-cli --pipe of KEYS SETs (--bulk), the wall time of the load, for the "memory" and "rocksdb"
#              targets, against the matching redis-server;
#   memory per key: resident memory growth over the bulk load divided by KEYS, memory target.
# Prints a Markdown table per run (requests/s, p50, p99, ratio to Redis, and the servers' CPU time per request with its
# ratio: user plus system time of every server process of the target over the requests it served, which moves far
# less than throughput when other work shares the machine) and, with --runs R > 1, the medians.
#
#   bench/redis_compare.sh [--requests N] [--keys K] [--bin PATH] [--targets memory,rocksdb,cluster]
#                          [--fsync always|everysec|no] [--clients 50,200] [--pipelines 1,16] [--tests set,get]
#                          [--runs R] [--all-nodes] [--no-bulk]
set -euo pipefail
cd "$(dirname "$0")/.."

requests=200000 keys=1000000 bin="" targets=memory,rocksdb,cluster fsync=everysec clients=50,200 pipelines=1,16
tests=set,get runs=1 all_nodes=0 bulk=1
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --fsync) fsync="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --pipelines) pipelines="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --all-nodes) all_nodes=1; shift ;;
    --no-bulk) bulk=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "redis_compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$fsync" in always|everysec|no) ;; *) echo "redis_compare.sh: --fsync '$fsync' (expected always, everysec or no)" >&2; exit 2 ;; esac
for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "redis_compare.sh: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
if [ -z "$bin" ]; then
  bin=$(ls -t build/release/app/ringlabd build/headless/app/ringlabd build/dev/app/ringlabd 2>/dev/null | head -1 || true)
  [ -n "$bin" ] || { echo "redis_compare.sh: build ringlabd first (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
fi
work=$(mktemp -d /tmp/ringlab-compare-XXXXXX)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# A port nobody uses, below the kernel's ephemeral range (the benchmark's own connections take ports from that
# range), and not handed out before in this run.
ephemeral_low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
used_ports=" "
take_ports() { # VAR... : sets each VAR to a fresh port (not in a subshell, so the run remembers what it handed out)
  local _var _port
  for _var in "$@"; do
    while :; do
      _port=$(( 10000 + RANDOM % (ephemeral_low - 10000) ))
      case "$used_ports" in *" $_port "*) continue ;; esac
      ss -tan "sport = :$_port" 2>/dev/null | grep -q ":$_port" && continue
      used_ports+="$_port "
      printf -v "$_var" '%s' "$_port"
      break
    done
  done
}
wait_ping() { # port pid log
  for _ in $(seq 1 1200); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "redis_compare.sh: no answer on port $1; the server's log ($3):" >&2; tail -20 "$3" >&2; exit 1
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_ticks() { # pid... : user + system clock ticks, summed (fields 14 and 15 of /proc/PID/stat; the name may hold spaces)
  local pid total=0 fields
  for pid in "$@"; do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    set -- $fields
    total=$(( total + ${12} + ${13} ))
  done
  echo "$total"
}

start_redis() { # port aof(yes|no)
  local port=$1 aof=$2 dir="$work/redis-$1"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly "$aof" --appendfsync "$fsync" --dir "$dir" \
    >"$dir.log" 2>&1 &
  pids+=($!); last_pid=$!
  wait_ping "$port" "$last_pid" "$dir.log"
}
start_node() { # name client peer seeds n r w storage
  "$bin" --node-id "$1" --client-port "$2" --peer-port "$3" --admin-port 0 --seeds "$4" --n "$5" --r "$6" --w "$7" \
    --storage "$8" --appendfsync "$fsync" --data-dir "$work/$1-$2" --cluster-secret bench --log-level warn \
    >"$work/$1-$2.log" 2>&1 &
  pids+=($!); last_pid=$!
  wait_ping "$2" "$last_pid" "$work/$1-$2.log"
}

has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

# One redis-benchmark row set: "label clients pipeline TEST rps p50 p99 cpu-us-per-request" lines appended to
# $work/results. Each test runs on its own, so that the servers' CPU time can be charged to it.
run_bench() { # label clients pipeline port...
  local label=$1 c=$2 p=$3; shift 3
  local ports=("$@") n=${#ports[@]} i t bench=() ticks0 ticks1
  for t in ${tests//,/ }; do
    bench=()
    ticks0=$(cpu_ticks "${pids[@]}")
    for i in "${!ports[@]}"; do
      redis-benchmark -p "${ports[$i]}" -t "$t" -n $(( requests / n )) -c $(( c / n )) -P "$p" -r 100000 --csv \
        2>/dev/null >"$work/bench-$i.csv" &
      bench+=($!)
    done
    for i in "${bench[@]}"; do wait "$i" || true; done
    ticks1=$(cpu_ticks "${pids[@]}")
    sed -i 's/"//g' "$work"/bench-*.csv
    # Sum the throughput over the benchmark processes; the latencies are the worst of them.
    cat "$work"/bench-*.csv | awk -F, -v l="$label" -v c="$c" -v p="$p" -v cpu="$(( ticks1 - ticks0 ))" \
      -v hz="$clk_tck" -v reqs="$(( requests / n * n ))" '
      $1=="SET"||$1=="GET" { r[$1]+=$2; if ($5>q50[$1]) q50[$1]=$5; if ($7>q99[$1]) q99[$1]=$7; order[$1]=1 }
      END { for (t in order) printf "%s %s %s %s %s %s %s %.2f\n", l, c, p, t, r[t], q50[t], q99[t], cpu / hz * 1e6 / reqs }' \
      >>"$work/results"
    rm -f "$work"/bench-*.csv
  done
}
bench_all() { # label port...
  local label=$1; shift
  local c p
  for c in ${clients//,/ }; do
    for p in ${pipelines//,/ }; do run_bench "$label" "$c" "$p" "$@"; done
  done
}

awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) { k = sprintf("key:%010d", i); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n", length(k), k } }' >"$work/load.resp"
# Bulk load into a fresh server: "label seconds bytes-per-key" appended to $work/bulk.
bulk_load() { # label pid port
  local before after t0 t1
  before=$(rss_kb "$2")
  t0=$(date +%s.%N)
  redis-cli -p "$3" --pipe <"$work/load.resp" >"$work/pipe.out" 2>&1 || { cat "$work/pipe.out" >&2; }
  t1=$(date +%s.%N)
  sleep 0.2
  after=$(rss_kb "$2")
  awk -v l="$1" -v a="$after" -v b="$before" -v n="$keys" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%s %.2f %.1f\n", l, t1 - t0, (a - b) * 1024 / n }' >>"$work/bulk"
}

one_run() {
  : >"$work/results"; : >"$work/bulk"
  local port c1 p1 cc cp i c p
  if has "$targets" memory || has "$targets" cluster; then
    take_ports port; start_redis "$port" no; bench_all redis-mem "$port"
    [ "$bulk" = 1 ] && has "$targets" memory && { redis-cli -p "$port" flushall >/dev/null; bulk_load redis-mem "$last_pid" "$port"; }
    stop_all
  fi
  if has "$targets" memory; then
    take_ports c1 p1
    start_node n1 "$c1" "$p1" "" 1 1 1 memory; bench_all memory "$c1"
    stop_all
    if [ "$bulk" = 1 ]; then # a fresh node, so the resident growth is the keys alone
      take_ports c1 p1
      start_node n1 "$c1" "$p1" "" 1 1 1 memory; bulk_load memory "$last_pid" "$c1"; stop_all
    fi
  fi
  if has "$targets" rocksdb; then
    take_ports port; start_redis "$port" yes; bench_all redis-aof "$port"
    [ "$bulk" = 1 ] && { redis-cli -p "$port" flushall >/dev/null; bulk_load redis-aof "$last_pid" "$port"; }
    stop_all
    take_ports c1 p1
    start_node n1 "$c1" "$p1" "" 1 1 1 rocksdb; bench_all rocksdb "$c1"; stop_all
    if [ "$bulk" = 1 ]; then
      take_ports c1 p1
      start_node n1 "$c1" "$p1" "" 1 1 1 rocksdb; bulk_load rocksdb "$last_pid" "$c1"; stop_all
    fi
  fi
  if has "$targets" cluster; then
    cc=(); cp=()
    for i in 1 2 3; do take_ports c p; cc+=("$c"); cp+=("$p"); done
    for i in 0 1 2; do start_node "n$((i + 1))" "${cc[$i]}" "${cp[$i]}" "127.0.0.1:${cp[0]}" 3 2 2 memory; done
    for _ in $(seq 1 400); do
      [ "$(redis-cli -p "${cc[0]}" info ring | tr -d '\r' | sed -n 's/^ring_members_up://p')" = 3 ] && break; sleep 0.05
    done
    bench_all cluster-n1 "${cc[0]}"
    [ "$all_nodes" = 1 ] && bench_all cluster-all "${cc[@]}"
    stop_all
  fi
}

baseline_of() { case "$1" in rocksdb) echo redis-aof ;; redis-*) echo "$1" ;; *) echo redis-mem ;; esac; }
name_of() {
  case "$1" in
    redis-mem) echo "redis-server, no persistence" ;;
    redis-aof) echo "redis-server, AOF appendfsync $fsync" ;;
    memory) echo "ringlabd, 1 node, memory" ;;
    rocksdb) echo "ringlabd, 1 node, RocksDB appendfsync $fsync" ;;
    cluster-n1) echo "ringlabd, 3 nodes N=3 R=W=2, load via n1" ;;
    cluster-all) echo "ringlabd, 3 nodes N=3 R=W=2, load via all 3" ;;
  esac
}
report() { # results-file bulk-file title
  echo
  echo "$3"
  echo
  echo "| target | clients | pipeline | test | requests/s | p50 ms | p99 ms | ratio to Redis | server CPU us/request | CPU ratio (Redis/this) |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
  while read -r label c p test r q50 q99 cpu; do
    base=$(awk -v b="$(baseline_of "$label")" -v c="$c" -v p="$p" -v t="$test" \
      '$1==b && $2==c && $3==p && $4==t {print $5, $8}' "$1")
    ratio=$(awk -v a="$r" -v b="${base%% *}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    cpuRatio=$(awk -v a="$cpu" -v b="${base##* }" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", b / a; else print "-" }')
    echo "| $(name_of "$label") | $c | $([ "$p" = 1 ] && echo none || echo "-P $p") | $test | $r | $q50 | $q99 | $ratio | $cpu | $cpuRatio |"
  done <"$1"
  if [ -s "$2" ]; then
    echo
    echo "| bulk load, redis-cli --pipe of $keys SETs | seconds | ratio to Redis (speed) | resident bytes/key | ratio to Redis |"
    echo "|---|---:|---:|---:|---:|"
    while read -r label secs bpk; do
      b=$(awk -v b="$(baseline_of "$label")" '$1==b {print $2, $3}' "$2")
      echo "$(name_of "$label") $secs $bpk $b" | awk '{ n = NF; printf "| %s", $1; for (i = 2; i <= n - 4; i++) printf " %s", $i;
        s = $(n-3); m = $(n-2); bs = $(n-1); bm = $n;
        printf " | %s | %.2fx | %s | %.2fx |\n", s, (s > 0 ? bs / s : 0), m, (bm > 0 ? m / bm : 0) }'
    done <"$2"
  fi
}

echo "ringlabd: $bin; targets $targets; appendfsync $fsync; $requests requests; clients $clients; pipelines $pipelines; tests $tests; $runs run(s)" >&2
for run in $(seq 1 "$runs"); do
  one_run
  cp "$work/results" "$work/results.$run"; cp "$work/bulk" "$work/bulk.$run"
  report "$work/results.$run" "$work/bulk.$run" "Run $run of $runs"
done
if [ "$runs" -gt 1 ]; then
  # Medians over the runs, row by row (rows keep their order in every run).
  # POSIX awk (Debian's default is mawk, without gawk's asort): an insertion sort of the R values.
  median_awk='function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t } return a[int((n + 1) / 2)] }'
  paste -d' ' "$work"/results.* | awk -v R="$runs" "$median_awk"'{
      printf "%s %s %s %s", $1, $2, $3, $4
      for (col = 5; col <= 8; col++) { for (k = 0; k < R; k++) v[k + 1] = $(k * 8 + col); printf " %s", med(v, R) }
      printf "\n" }' >"$work/results.median"
  paste -d' ' "$work"/bulk.* | awk -v R="$runs" "$median_awk"'NF { printf "%s", $1
      for (col = 2; col <= 3; col++) { for (k = 0; k < R; k++) v[k + 1] = $(k * 3 + col); printf " %s", med(v, R) }
      printf "\n" }' >"$work/bulk.median"
  report "$work/results.median" "$work/bulk.median" "Medians of $runs runs"
fi
