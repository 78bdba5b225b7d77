#!/usr/bin/env bash
# Command-line behaviour of ringlab-sim: exit codes, clear errors for bad scenario files, the shipped list.
# Usage: cli_test.sh PATH_TO_RINGLAB_SIM
set -u
sim="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0

check() {  # name expected_exit expected_text command...
  local name="$1" want="$2" text="$3"
  shift 3
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, expected $want"; echo "$out" | head -5; failures=$((failures + 1)); return
  fi
  if [ -n "$text" ] && ! grep -qF -- "$text" <<<"$out"; then
    echo "FAIL $name: output lacks '$text'"; echo "$out" | head -5; failures=$((failures + 1)); return
  fi
  passes=$((passes + 1))
}

scenario() {  # file content
  printf '%s\n' "$2" >"$work/$1"
}

check "help" 0 "Commands:" "$sim" --help
check "version" 0 "ringlab-sim" "$sim" --version
check "unknown command" 2 "unknown command 'frobnicate'" "$sim" frobnicate
check "run without file" 2 "expected exactly one scenario FILE" "$sim" run
check "list" 0 "steady-state" "$sim" list
check "campaign replay" 0 "PASS  lost_writes = 0" "$sim" campaign --seed 3 --quiet
check "campaign needs a seed" 2 "expected --seed N" "$sim" campaign
check "missing file" 2 "cannot read" "$sim" run "$work/nope.yaml"

scenario empty.yaml ""
check "empty file" 2 "empty.yaml" "$sim" check "$work/empty.yaml"

scenario types.yaml $'name: t\nduration: 10s\ncluster:\n  nodes: five'
check "wrong type" 2 "types.yaml:4:10" "$sim" check "$work/types.yaml"

scenario unknown.yaml $'name: t\nduration: 10s\nclustre: {nodes: 3}'
check "unknown key" 2 "clustre" "$sim" check "$work/unknown.yaml"

scenario node.yaml $'name: t\nduration: 10s\ncluster: {nodes: 3}\ntimeline:\n  - {at: 1s, crash: n7}'
check "unknown node" 2 "n7" "$sim" check "$work/node.yaml"

scenario quorum.yaml $'name: t\nduration: 10s\ncluster:\n  nodes: 5\n  replication: {n: 3, r: 4, w: 2}'
check "R > N" 2 "quorum.yaml:5" "$sim" check "$work/quorum.yaml"

scenario negative.yaml $'name: t\nduration: -5s'
check "negative duration" 2 "negative.yaml:2" "$sim" check "$work/negative.yaml"

scenario huge.yaml $'name: t\nduration: 10s\nworkload:\n  value_size: 10GB'
check "10 GB values" 2 "huge.yaml:4" "$sim" check "$work/huge.yaml"

scenario syntax.yaml $'name: t\nduration: 10s\ncluster: {nodes: 3'
check "YAML syntax" 2 "syntax.yaml:" "$sim" check "$work/syntax.yaml"

scenario ok.yaml $'name: Tiny\nduration: 2s\ncluster: {nodes: 3, replication: {n: 3, r: 2, w: 2}}\nworkload: {rate: 200/s}\nexpect: {lost_writes: 0, availability: 1.0}'
check "check ok" 0 "ok:" "$sim" check "$work/ok.yaml"
check "run passes" 0 "PASS" "$sim" run "$work/ok.yaml" --quiet --report "$work/r.json" --csv "$work/m.csv" --trace "$work/t.json"
for f in r.json m.csv t.json; do
  if [ -s "$work/$f" ]; then passes=$((passes + 1)); else echo "FAIL output file $f missing or empty"; failures=$((failures + 1)); fi
done
check "report is JSON" 0 "" python3 -c "import json,sys; d=json.load(open('$work/r.json')); sys.exit(0 if d['passed'] else 1)"
check "trace is JSON" 0 "" python3 -c "import json; json.load(open('$work/t.json'))"
check "gzipped trace" 0 "PASS" "$sim" run "$work/ok.yaml" --quiet --trace "$work/t.json.gz" --trace-from 500ms --trace-to 1500ms --trace-sample 0.5
check "gzipped trace is JSON" 0 "" python3 -c "import gzip, json; json.load(gzip.open('$work/t.json.gz', 'rt'))"
check "trace window backwards" 2 "--trace-to: expected a time after --trace-from" "$sim" run "$work/ok.yaml" --trace "$work/t2.json" --trace-from 2s --trace-to 1s
check "trace sample out of range" 2 "--trace-sample" "$sim" run "$work/ok.yaml" --trace "$work/t2.json" --trace-sample 0
check "trace options need a trace" 2 "need --trace FILE" "$sim" run "$work/ok.yaml" --trace-sample 0.5

scenario faults.yaml $'name: Faults\nduration: 2s\ncluster: {nodes: 3}\ntimeline:\n  - {at: 500ms, heal: true}\n  - {at: 1s, crash: n2}'
check "check warns about a heal with nothing cut" 0 "faults.yaml:5:23: warning: timeline[0].heal: nothing is cut" "$sim" check "$work/faults.yaml"
check "run warns too" 0 "faults.yaml:5:23: warning:" "$sim" run "$work/faults.yaml"
check "run prints actions without narration" 0 "    1.000s  crash n2" "$sim" run "$work/faults.yaml"
printf 'name: t\nduration: 10s\ncluster:\n\tnodes: 3\n' >"$work/tab.yaml"
check "a tab is explained" 2 "tab.yaml:4:" "$sim" check "$work/tab.yaml"
check "a tab is explained in words" 2 "line 4 is indented with a tab; YAML indents with spaces only" "$sim" check "$work/tab.yaml"
head -c 200 "$sim" >"$work/binary.yaml"
check "a binary file is named as such" 2 "this is not a text file" "$sim" check "$work/binary.yaml"

scenario fails.yaml $'name: Impossible\nduration: 2s\ncluster: {nodes: 3}\nworkload: {rate: 200/s}\nexpect: {get_p50: {max: 1ns}}'
check "failed expectation exits 1" 1 "FAIL" "$sim" run "$work/fails.yaml" --quiet
check "bad duration flag" 2 "--duration" "$sim" run "$work/ok.yaml" --duration banana

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
