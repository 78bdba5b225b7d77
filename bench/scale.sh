#!/usr/bin/env bash
# Simulator speed at scale: runs `ringlab-sim demo` for clusters of growing size and prints, for each, the median over
# REPEATS runs of virtual/real time, events and delivered messages per wall-clock second, gossip bytes, wall time and
# peak RSS. A benchmark, not a test: it prints figures and asserts nothing.
#
# Usage: bench/scale.sh [SIM] [REPEATS]   (defaults: build/release/app/ringlab-sim, 3)
# Cases: "NODES:RATE[:DETECTOR]" in $SCALE_CASES (default: the cases of docs/PERFORMANCE.md); DETECTOR is
# phi_accrual (the default) or swim.
set -euo pipefail

sim=${1:-build/release/app/ringlab-sim}
repeats=${2:-3}
cases=${SCALE_CASES:-"5:10000 100:100 200:100 400:100 1000:100 500:10000 1000:10000 1000:100:swim 1000:10000:swim 10000:100:swim"}
seconds=${SCALE_SECONDS:-5}

if [[ ! -x $sim ]]; then
  echo "scale.sh: $sim is not an executable; build it first (cmake --build --preset release --target ringlab-sim)" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "scale.sh: /usr/bin/time is needed for peak RSS (apt-get install time)" >&2
  exit 2
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-6s %-7s %-11s %10s %12s %12s %14s %9s %9s\n' nodes ops/s detector virt/real events/s msgs/s gossip-bytes wall-s rss-MB
for c in $cases; do
  IFS=: read -r nodes rate detector <<<"$c"
  detector=${detector:-phi_accrual}
  : >/tmp/scale.$$.rows
  for ((i = 0; i < repeats; i++)); do
    out=$(/usr/bin/time -f 'TIME %e %M' "$sim" demo --seconds "$seconds" --rate "$rate" --nodes "$nodes" --detector "$detector" 2>&1)
    speed=$(grep '^Simulation speed:' <<<"$out")
    events=$(sed -E 's/.*: ([0-9.]+)([kM]?) events.*/\1 \2/' <<<"$speed")
    msgs=$(sed -E 's/.*, ([0-9.]+)([kM]?) messages\/s.*/\1 \2/' <<<"$speed")
    ratio=$(sed -E 's/.*, ([0-9.]+)x real time.*/\1/' <<<"$speed")
    # Gossip bytes: the last column of the message table's gossip and probe rows, in bytes.
    gossip=$(awk '/^(gossip|probe)/ {v=$NF; m=1; if (v ~ /k$/) m=1e3; if (v ~ /M$/) m=1e6; if (v ~ /G$/) m=1e9; sub(/[kMG]$/, "", v); s+=v*m} END {printf "%.0f", s}' <<<"$out")
    read -r _ wall rss < <(grep '^TIME' <<<"$out")
    scale() { awk -v v="$1" -v u="${2:-}" 'BEGIN {m=1; if (u=="k") m=1e3; if (u=="M") m=1e6; printf "%.0f", v*m}'; }
    echo "$ratio $(scale $events) $(scale $msgs) $gossip $wall $((rss / 1024))" >>/tmp/scale.$$.rows
  done
  cols=()
  for k in 1 2 3 4 5 6; do cols+=("$(cut -d' ' -f$k /tmp/scale.$$.rows | median)"); done
  printf '%-6s %-7s %-11s %9sx %12s %12s %14s %9s %9s\n' "$nodes" "$rate" "$detector" "${cols[@]}"
done
rm -f /tmp/scale.$$.rows
