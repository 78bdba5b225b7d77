#!/usr/bin/env bash
# Runs one fault campaign over several machines reached by ssh: shard i of K on the i-th machine (on all its cores),
# each shard's JSON result copied back, then one merged summary.
#
#   scripts/campaign-ssh.sh HOSTS_FILE A..B [CAMPAIGN OPTION]...
#
# HOSTS_FILE names one machine a line, as ssh takes it (user@host); each must have ringlab-sim on its PATH. The
# options (--conflicts siblings, --expect ..., --jobs K) go to every shard. Results are kept in
# campaign-results/shard-I.json; the exit status is campaign-merge's: 0 when every seed passed, 1 when a seed failed
# or a shard is missing, 2 when a shard's result is unusable (its ssh failed: see campaign-results/shard-I.err).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 HOSTS_FILE A..B [CAMPAIGN OPTION]..." >&2
  exit 2
fi
hosts_file="$1" seeds="$2"
shift 2
mapfile -t hosts < <(grep -v '^[[:space:]]*\(#\|$\)' "$hosts_file")
k=${#hosts[@]}
if [ "$k" = 0 ]; then
  echo "$0: $hosts_file names no machine" >&2
  exit 2
fi
mkdir -p campaign-results
rm -f campaign-results/shard-*.json
# ssh hands the remote shell one string: quote every argument for it.
options=$(printf ' %q' "$@")
for i in $(seq 1 "$k"); do
  ssh -n "${hosts[$((i - 1))]}" "ringlab-sim campaign --seeds $(printf %q "$seeds") --shard $i/$k --json$options" \
    >"campaign-results/shard-$i.json" 2>"campaign-results/shard-$i.err" &
done
wait || true  # a shard with failed seeds exits 1; its result says which
exec ringlab-sim campaign-merge campaign-results/shard-*.json
