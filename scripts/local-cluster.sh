#!/usr/bin/env bash
# Starts a local RingLab cluster of K ringlabd nodes on loopback for demos, prints how to reach it, and stops every
# node on Ctrl-C (or when the script is killed).
#
#   scripts/local-cluster.sh [-k K] [--n N --r R --w W] [--conflicts lww|siblings] [--memory] [--faults] [--dir DIR]
#                            [--client-port P] [--bin PATH]
#                            [--ready-timeout SECONDS]
#
# Node i (1..K) listens for clients on P+i-1 (default 6380), for peers on P+1000+i-1 and for admin requests on
# P+2000+i-1; all nodes seed from n1. Data lives in DIR/n<i> (default: a new temporary directory), logs in
# DIR/n<i>.log. Without --bin, the newest of build/{release,headless,dev}/app/ringlabd is used. --faults starts the
# nodes with --allow-fault-injection, so that the desktop app (ringlab --connect 127.0.0.1:P+2000) can break them.
# Start-up waits until every node answers and sees all K members, at most --ready-timeout seconds (default 30); a
# node that exits or is not ready by then is named, with the end of its log, and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

k=3 n=3 r=2 w=2 conflicts=lww storage=rocksdb dir="" base=6380 bin="" faults=() ready_timeout=30
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    -k) k="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --r) r="$2"; shift 2 ;;
    --conflicts) conflicts="$2"; shift 2 ;;
    --w) w="$2"; shift 2 ;;
    --memory) storage=memory; shift ;;
    --faults) faults=(--allow-fault-injection); shift ;;
    --dir) dir="$2"; shift 2 ;;
    --client-port) base="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --ready-timeout) ready_timeout="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "local-cluster.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for v in "$k" "$n" "$r" "$w" "$base" "$ready_timeout"; do
  case "$v" in ''|*[!0-9]*) echo "local-cluster.sh: '$v' is not a whole number" >&2; exit 2 ;; esac
done
[ "$k" -ge 1 ] && [ "$k" -le 50 ] || { echo "local-cluster.sh: -k must be between 1 and 50" >&2; exit 2; }
if [ -z "$bin" ]; then
  bin=$(ls -t build/release/app/ringlabd build/headless/app/ringlabd build/dev/app/ringlabd 2>/dev/null | head -1 || true)
  [ -n "$bin" ] || { echo "local-cluster.sh: no ringlabd built yet (cmake --preset headless && cmake --build --preset headless)" >&2; exit 1; }
fi
[ -n "$dir" ] || dir=$(mktemp -d /tmp/ringlab-cluster-XXXXXX)
mkdir -p "$dir"
secret="${RINGLAB_CLUSTER_SECRET:-local-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}"

pids=()
stop() {
  echo; echo "stopping ${#pids[@]} nodes" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

seed="127.0.0.1:$((base + 1000))"
for i in $(seq 1 "$k"); do
  RINGLAB_CLUSTER_SECRET="$secret" "$bin" --node-id "n$i" --cluster local \
    --client-port $((base + i - 1)) --peer-port $((base + 1000 + i - 1)) --admin-port $((base + 2000 + i - 1)) \
    --seeds "$seed" --storage "$storage" --data-dir "$dir/n$i" --n "$n" --r "$r" --w "$w" --conflicts "$conflicts" ${faults[@]+"${faults[@]}"} \
    >>"$dir/n$i.log" 2>&1 &
  pids+=($!)
done

# Wait until every node answers and sees the whole ring. A node that is still starting refuses connections, so a
# failed probe only means "not yet"; a node that exited, or is not ready by the deadline, ends the start-up.
command -v redis-cli >/dev/null || { echo "local-cluster.sh: redis-cli is needed to check that nodes are up (apt-get install redis-tools)" >&2; exit 1; }
ringMembers() { # port -> the member count the node reports, or nothing
  { redis-cli -p "$1" info ring 2>/dev/null || true; } | tr -d '\r' | sed -n 's/^ring_members://p'
}
deadline=$(( $(date +%s) + ready_timeout ))
for i in $(seq 1 "$k"); do
  port=$((base + i - 1))
  while :; do
    members=$(ringMembers "$port")
    [ "$members" = "$k" ] && break
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "local-cluster.sh: n$i (client port $port) exited during start-up; its log ($dir/n$i.log) ends with:" >&2
      tail -5 "$dir/n$i.log" >&2
      exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "local-cluster.sh: n$i (client port $port) was not ready after ${ready_timeout}s:" \
        "it ${members:+sees $members of $k members}${members:-does not answer redis-cli}; its log ($dir/n$i.log) ends with:" >&2
      tail -5 "$dir/n$i.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done

cat <<INFO
RingLab cluster 'local' of $k nodes (N=$n R=$r W=$w, storage $storage) is up. Data and logs: $dir

  node  clients (redis-cli -p)  peers  admin (http://127.0.0.1:PORT/cluster, /metrics, /events)
INFO
for i in $(seq 1 "$k"); do
  printf '  n%-3s %-23s %-6s %s\n' "$i" $((base + i - 1)) $((base + 1000 + i - 1)) $((base + 2000 + i - 1))
done
cat <<INFO

Try:  redis-cli -p $base SET hello world && redis-cli -p $((base + k - 1)) GET hello
      curl -s http://127.0.0.1:$((base + 2000))/cluster
      redis-benchmark -p $base -t set,get -n 100000 -q
Press Ctrl-C to stop the cluster.
INFO
wait
