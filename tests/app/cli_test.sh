#!/usr/bin/env bash
# Command-line behaviour of ringlab-sim: help and usage errors in the shared style, exit codes, output paths checked
# before a run, clear errors for bad scenario files, the shipped list, campaigns over seed ranges, their shards and
# the merge of shards' results.
# Usage: cli_test.sh PATH_TO_RINGLAB_SIM
set -u
sim="$1"
. "$(dirname "$0")/check_lib.sh"

scenario() {  # file content
  printf '%s\n' "$2" >"$work/$1"
}

check_help() {  # name command...: exits 0, prints "Usage:" first and documents the exit statuses
  local name="$1"
  shift
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [ "$got" != 0 ] || [ "$(head -1 <<<"$out" | cut -c1-6)" != "Usage:" ] || ! grep -q '^Exit status:' <<<"$out"; then
    echo "FAIL $name: exit $got, expected 0 and a help that starts with 'Usage:' and has 'Exit status:'"
    echo "$out" | head -3; failures=$((failures + 1)); return
  fi
  passes=$((passes + 1))
}

check_usage() {  # name prefix flag_text command...: exit 2, nothing on stdout, one message naming the program (and
                 # command) and the flag, then "Try 'PREFIX --help'"
  local name="$1" prefix="$2" text="$3"
  shift 3
  local out err
  out=$("$@" 2>"$work/stderr")
  local got=$?
  err=$(cat "$work/stderr")
  local want_err
  want_err=$(printf "%s: %s\nTry '%s --help' for more information." "$prefix" "$text" "$prefix")
  if [ "$got" != 2 ] || [ -n "$out" ] || [ "$(wc -l <<<"$err")" != 2 ] || [ "$(head -1 <<<"$err" | cut -c1-$((${#prefix} + 2)))" != "$prefix: " ] ||
     ! grep -qF -- "$text" <<<"$err" || [ "$(tail -1 <<<"$err")" != "Try '$prefix --help' for more information." ]; then
    echo "FAIL $name: exit $got; expected exit 2 and on stderr only:"; echo "$want_err"; echo "got stdout:"; echo "$out" | head -3
    echo "got stderr:"; echo "$err" | head -5; failures=$((failures + 1)); return
  fi
  passes=$((passes + 1))
}

check "help" 0 "Commands:" "$sim" --help
check "version" 0 "ringlab-sim" "$sim" --version
check "run without file" 2 "expected exactly one scenario FILE" "$sim" run
check "list" 0 "steady-state" "$sim" list
check "campaign replay" 0 "PASS  unexplained_lost_writes = 0" "$sim" campaign --seed 3 --quiet
check "campaign needs a seed" 2 "expected --seed N" "$sim" campaign
check "campaign names the faults it drew" 0 "Faults drawn: " "$sim" campaign --seed 3
check "campaign refuses an unknown bug" 2 "--inject-bug: 'ack-before-stor' (expected none, ack-before-store" \
  "$sim" campaign --seed 3 --inject-bug ack-before-stor
check "an injected bug is caught and the faults named" 1 "faults drawn: " \
  "$sim" campaign --seed 2 --inject-bug read-keeps-oldest --quiet
check "a failing seed shrinks to a file" 1 "Wrote $work/shrunk.yaml" \
  "$sim" campaign --seed 1 --inject-bug drop-anti-entropy-records --shrink --shrink-to "$work/shrunk.yaml"
check "the shrunk scenario fails with the bug" 1 "divergent_keys" \
  "$sim" run "$work/shrunk.yaml" --inject-bug drop-anti-entropy-records --quiet
check "the shrunk scenario passes without it" 0 "PASS  divergent_keys = 0" "$sim" run "$work/shrunk.yaml" --quiet
check "a passing seed has nothing to shrink" 0 "nothing to shrink" "$sim" campaign --seed 3 --shrink
check "shrink needs one seed" 2 "--shrink: shrinks one seed" "$sim" campaign --seeds 1..2 --shrink
check "an injected bug reaches every worker" 1 "2 seeds run: 0 passed, 2 failed" \
  "$sim" campaign --seeds 1..2 --jobs 2 --inject-bug drop-anti-entropy-records

# Many seeds on worker processes: one summary; shards that split the range; JSON results that merge.
check "campaign range on two jobs" 0 "4 seeds run: 4 passed, 0 failed" "$sim" campaign --seeds 2000..2003 --jobs 2
check "campaign range siblings" 0 "conflicts siblings, 1 job" "$sim" campaign --seeds 2000..2001 --jobs 1 --conflicts siblings
# A bound no run can meet (a median get faster than a nanosecond) makes every seed fail in its own worker, measured:
# each failure names its seed and the expectation with the figure that seed measured.
check "failed seeds are named with the expectation" 1 "2001  get_p50 = " \
  "$sim" campaign --seeds 2000..2002 --jobs 2 --expect 'get_p50<=1ns'
check "failed campaign names how to replay" 1 "Replay one with: ringlab-sim campaign --seed 2000 --expect 'get_p50<=1ns'" \
  "$sim" campaign --seeds 2000..2002 --jobs 2 --expect 'get_p50<=1ns'
check "the single replay takes --expect too" 1 "get_p50 = " "$sim" campaign --seed 2001 --quiet --expect 'get_p50<=1ns'
"$sim" campaign --seeds 2000..2006 --jobs 2 --expect 'get_p50<=1ns' --json >"$work/all.json"
for i in 1 2 3; do
  "$sim" campaign --seeds 2000..2006 --shard "$i/3" --jobs 2 --expect 'get_p50<=1ns' --json >"$work/shard$i.json"
done
check "shards are disjoint, cover the range and agree with the whole run" 0 "" python3 -c "
import json
whole = json.load(open('$work/all.json'))
shards = [json.load(open('$work/shard%d.json' % i)) for i in (1, 2, 3)]
seen = [f['seed'] for s in shards for f in s['failures']]
assert sorted(seen) == list(range(2000, 2007)), seen
assert len(set(seen)) == len(seen), seen
for i, s in enumerate(shards, 1):
    assert s['shard'] == {'index': i, 'count': 3}, s['shard']
    assert all((f['seed'] - 2000) % 3 == i - 1 for f in s['failures']), s
    assert s['seeds_run'] == len(s['failures']) and s['passed'] == 0
reasons = {f['seed']: f['reason'] for s in shards for f in s['failures']}
assert reasons == {f['seed']: f['reason'] for f in whole['failures']}
assert whole['format'] == 'ringlab-campaign-result' and whole['version'] == 1 and whole['seeds'] == {'first': 2000, 'last': 2006}
assert whole['conflicts'] == 'lww' and whole['options'] == ['--expect', 'get_p50<=1ns'] and whole['wall_seconds'] > 0
"
check "merge combines the shards" 1 "7 seeds run: 0 passed, 7 failed" \
  "$sim" campaign-merge "$work/shard1.json" "$work/shard2.json" "$work/shard3.json"
"$sim" campaign-merge --json "$work/shard3.json" "$work/shard1.json" "$work/shard2.json" >"$work/merged.json"
check "merged JSON equals the whole run's" 0 "" python3 -c "
import json
a, b = json.load(open('$work/merged.json')), json.load(open('$work/all.json'))
for d in (a, b): d.pop('wall_seconds')
assert a == b, (a, b)
"
check "merge names a missing shard" 1 "missing shard(s) 2" "$sim" campaign-merge "$work/shard1.json" "$work/shard3.json"
"$sim" campaign --seeds 2000..2001 --json >"$work/pass.json"
check "merge of passing seeds" 0 "2 seeds run: 2 passed, 0 failed" "$sim" campaign-merge "$work/pass.json"
printf '{"format": "ringlab-campaign-result", "version": 1, "seeds": {"first": 2000' >"$work/cut.json"
check "merge names a cut file" 2 "cut.json: not JSON" "$sim" campaign-merge "$work/shard1.json" "$work/cut.json"
printf '[1, 2]' >"$work/array.json"
check "merge names a file that is no result" 2 "array.json: expected a JSON object" "$sim" campaign-merge "$work/array.json"
python3 -c "
import json
d = json.load(open('$work/shard2.json')); del d['seeds_run']; json.dump(d, open('$work/nocount.json', 'w'))
d = json.load(open('$work/shard2.json')); d['failures'][0]['seed'] = 2000; json.dump(d, open('$work/wrongseed.json', 'w'))
d = json.load(open('$work/shard2.json')); d['options'] = []; json.dump(d, open('$work/otheroptions.json', 'w'))
"
check "merge names a missing field" 2 "nocount.json: missing 'seeds_run'" "$sim" campaign-merge "$work/nocount.json"
check "merge names a seed outside its shard" 2 "wrongseed.json: 'failures[0].seed' 2000 is not in shard 2/3" \
  "$sim" campaign-merge "$work/wrongseed.json"
check "merge refuses overlapping shards" 2 "shard1.json: shard 1/3 is also in $work/shard1.json" \
  "$sim" campaign-merge "$work/shard1.json" "$work/shard1.json"
"$sim" campaign --seeds 2000..2006 --shard 1/2 --expect 'get_p50<=1ns' --json >"$work/othercount.json"
check "merge refuses another slicing" 2 "othercount.json: 2 shards, but $work/shard1.json has 3" \
  "$sim" campaign-merge "$work/shard1.json" "$work/othercount.json"
check "merge refuses other options" 2 "otheroptions.json: options '', but" \
  "$sim" campaign-merge "$work/shard1.json" "$work/otheroptions.json"
check "merge names an unreadable file" 2 "$work/nope.json: cannot read" "$sim" campaign-merge "$work/nope.json"
check "merge of the program itself" 2 "not JSON" "$sim" campaign-merge "$sim"
# scripts/campaign-ssh.sh, with a stand-in ssh that runs the command here: a shard per host, merged.
mkdir -p "$work/bin" "$work/ssh"
ln -s "$(realpath "$sim")" "$work/bin/ringlab-sim"
printf '#!/usr/bin/env bash\n[ "$1" = -n ] && shift\nshift\nexec bash -c "$*"\n' >"$work/bin/ssh"
chmod +x "$work/bin/ssh"
printf 'n1\n# a comment\nn2\n' >"$work/ssh/hosts"
check "campaign over ssh merges a shard per host" 1 "3 seeds run: 0 passed, 3 failed" \
  env -C "$work/ssh" PATH="$work/bin:$PATH" bash "$(cd "$(dirname "$0")/../.." && pwd)/scripts/campaign-ssh.sh" hosts 2000..2002 \
  --expect 'get_p50<=1ns' --jobs 1
check "campaign over ssh: two shards" 0 "" test -s "$work/ssh/campaign-results/shard-2.json" -a ! -e "$work/ssh/campaign-results/shard-3.json"
check "tie options exclude each other" 2 "exclude each other" "$sim" campaign --seed 3 --tie-seed 1 --fifo-ties
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
check "duration flag above the 24h cap" 2 "at most 24h" "$sim" run "$work/ok.yaml" --duration 25h
check "CSV has the stale-read columns" 0 "" grep -q "dropped_s,stale_reads_s,stale_read_share$" "$work/m.csv"
check "staleness bands flag" 0 "10ms+ " "$sim" run "$work/ok.yaml" --quiet --staleness-bands 2ms,10ms
check "bad staleness bands flag" 2 "--staleness-bands: band edge 2 (1.00ms) is not above" \
  "$sim" run "$work/ok.yaml" --staleness-bands 5ms,1ms
check "report has the 99.9% time and phases" 0 "" python3 -c \
  "import json; c=json.load(open('$work/r.json'))['consistency']; assert 'fresh_999_after_ms' in c and len(c['phases']) == 1"

scenario bands.yaml $'name: t\nduration: 10s\nstaleness_bands: [5ms, 1ms]'
check "bad staleness bands key" 2 "bands.yaml:3:24: staleness_bands[1]" "$sim" check "$work/bands.yaml"

check "ring with more replicas than nodes" 2 "--replicas (N = 3) exceeds the node count (2)" \
  "$sim" ring --nodes 2 --replicas 3
check "ring with as many replicas as nodes" 0 "100.000%" "$sim" ring --nodes 3 --replicas 3

# One help style and one usage-error style for the program and every command.
check_help "help" "$sim" --help
check_help "help command" "$sim" help run
for command in run campaign campaign-merge check list demo ring; do
  check_help "$command --help" "$sim" "$command" --help
  check_usage "$command: unknown flag" "ringlab-sim $command" "unrecognised option '--bogus'" "$sim" "$command" --bogus
done
check_usage "unknown flag without a command" "ringlab-sim" "unrecognised option '--bogus'" "$sim" --bogus
check_usage "unknown command names the program" "ringlab-sim" "unknown command 'frobnicate'" "$sim" frobnicate
check_usage "list takes no argument" "ringlab-sim list" "unexpected argument 'extra'" "$sim" list extra
check_usage "campaign takes no FILE" "ringlab-sim campaign" "unexpected argument 'steady-state'" "$sim" campaign --seed 1 steady-state
check_usage "campaign: --seed and --seeds" "ringlab-sim campaign" "--seed and --seeds exclude each other" "$sim" campaign --seed 1 --seeds 1..3
check_usage "campaign: --seeds backwards" "ringlab-sim campaign" "--seeds: expected A..B, two seeds with A <= B" "$sim" campaign --seeds 5..3
check_usage "campaign: every seed there is" "ringlab-sim campaign" "--seeds: at most 18446744073709551615 seeds at once" "$sim" campaign --seeds 0..18446744073709551615
check_usage "campaign: --seeds without .." "ringlab-sim campaign" "--seeds: expected A..B" "$sim" campaign --seeds 5
check_usage "campaign: --shard 0/3" "ringlab-sim campaign" "--shard: expected I/K with 1 <= I <= K, such as 2/8, got '0/3'" "$sim" campaign --seeds 1..3 --shard 0/3
check_usage "campaign: --shard 4/3" "ringlab-sim campaign" "--shard: expected I/K with 1 <= I <= K, such as 2/8, got '4/3'" "$sim" campaign --seeds 1..3 --shard 4/3
check_usage "campaign: --jobs 0" "ringlab-sim campaign" "--jobs: expected 1 to 4096, got 0" "$sim" campaign --seeds 1..3 --jobs 0
check_usage "campaign: --jobs needs --seeds" "ringlab-sim campaign" "--jobs: needs --seeds A..B" "$sim" campaign --seed 1 --jobs 2
check_usage "campaign: --report with --seeds" "ringlab-sim campaign" "--report: writes one seed's run" "$sim" campaign --seeds 1..3 --report "$work/r.json"
check_usage "campaign: --expect unknown metric" "ringlab-sim campaign" "--expect: unknown metric 'p50'" "$sim" campaign --seeds 1..3 --expect 'p50<=1ms'
check_usage "campaign: --expect bad duration" "ringlab-sim campaign" "--expect: expected a duration such as 50ms after 'get_p99<=', got '5'" "$sim" campaign --seed 1 --expect 'get_p99<=5'
check_usage "campaign-merge needs files" "ringlab-sim campaign-merge" "expected the result FILEs" "$sim" campaign-merge
check_usage "run takes one FILE" "ringlab-sim run" "expected exactly one scenario FILE, got 2" "$sim" run "$work/ok.yaml" "$work/ok.yaml"

# The rule and its message agree: 0 seconds is refused and the message does not call it allowed.
check_usage "demo --seconds 0" "ringlab-sim demo" "--seconds: expected more than 0 and at most 3600, got 0" "$sim" demo --seconds 0
check_usage "demo --seconds 3601" "ringlab-sim demo" "--seconds: expected more than 0" "$sim" demo --seconds 3601
check "demo --seconds 0.1" 0 "Trace hash" "$sim" demo --seconds 0.1 --rate 100

# Negative numbers for unsigned options are refused rather than wrapped to 2^64 - 1.
check_usage "run --seed -1" "ringlab-sim run" "--seed: expected a non-negative integer, got '-1'" "$sim" run "$work/ok.yaml" --seed -1
check_usage "run --seed=-1" "ringlab-sim run" "--seed: expected a non-negative integer, got '-1'" "$sim" run "$work/ok.yaml" --seed=-1
check_usage "campaign --seed -5" "ringlab-sim campaign" "--seed: expected a non-negative integer, got '-5'" "$sim" campaign --seed -5
check_usage "demo --nodes -3" "ringlab-sim demo" "--nodes: expected a non-negative integer, got '-3'" "$sim" demo --nodes -3
check_usage "ring --vnodes -1" "ringlab-sim ring" "--vnodes: expected a non-negative integer, got '-1'" "$sim" ring --vnodes -1
check_usage "run --seed 5x" "ringlab-sim run" "--seed: expected an integer from 0 to 18446744073709551615, got '5x'" "$sim" run "$work/ok.yaml" --seed 5x
check_usage "run --seed too large" "ringlab-sim run" "--seed: expected an integer from 0" "$sim" run "$work/ok.yaml" --seed 18446744073709551616
check "run --seed max" 0 "PASS" "$sim" run "$work/ok.yaml" --quiet --seed 18446744073709551615

# Every output path is checked before the run starts: the error names the flag and the path, and nothing ran.
for flag in report csv trace; do
  check_usage "--$flag in a missing directory" "ringlab-sim run" "--$flag: cannot write '/nonexistent/out': no directory '/nonexistent'" \
    "$sim" run "$work/ok.yaml" --quiet "--$flag" /nonexistent/out
  check_usage "--$flag is a directory" "ringlab-sim run" "--$flag: cannot write '$work': it is a directory" \
    "$sim" run "$work/ok.yaml" --quiet "--$flag" "$work"
done
check_usage "campaign --report below a file" "ringlab-sim campaign" "--report: cannot write '$work/ok.yaml/r.json': '$work/ok.yaml' is not a directory" \
  "$sim" campaign --seed 1 --quiet --report "$work/ok.yaml/r.json"
check_usage "--report empty" "ringlab-sim run" "--report: expected a file path" "$sim" run "$work/ok.yaml" --report ""

# Lessons: questions and reveals printed as the run goes, answers graded, challenges graded with --set.
lesson="$(dirname "$0")/../../scenarios/course/04-quorums-and-staleness.yaml"
check "a lesson prints its question" 0 "? [stale-share] Over the next 10 seconds, what share of reads" "$sim" run "$lesson"
check "a lesson reveals what it measured" 0 "! [stale-share] Measured: 2.7 % of reads were stale (284 of 10,561)" "$sim" run "$lesson"
printf 'stale-share: 3\nstale-after: 1\n' >"$work/right.yaml"
check "right answers are graded right" 0 "2 of 2 answers right" "$sim" run "$lesson" --quiet --answers "$work/right.yaml"
printf 'stale-share: 40%%\nstale-after: 3\n' >"$work/wrong.yaml"
check "wrong answers fail the run" 1 "0 of 2 answers right" "$sim" run "$lesson" --quiet --answers "$work/wrong.yaml"
printf 'stale-shar: 3\n' >"$work/typo.yaml"
check "an unknown question id is named" 2 "$work/typo.yaml:1:1: no question has the id 'stale-shar'" \
  "$sim" run "$lesson" --quiet --answers "$work/typo.yaml"
check "a challenge is graded with --set" 0 "Challenge met." \
  "$sim" run "$lesson" --quiet --set cluster.replication.r=2 --set cluster.replication.w=2
check "a failed goal says where to look" 1 "look at the first stale read, at " \
  "$sim" run "$lesson" --quiet --set cluster.replication.r=1 --set cluster.replication.w=2
check "a knob outside its range is not an answer" 1 "NOT ALLOWED cluster.replication.r: 4 is above" \
  "$sim" run "$lesson" --quiet --set cluster.replication.r=4 --set cluster.replication.w=2 --set cluster.nodes=6 --set cluster.replication.n=4
check "a bad --set value names the override" 2 "--set cluster.replication.w=9: cluster.replication.w: W (9) must be between 1 and N (3)" \
  "$sim" run "$lesson" --quiet --set cluster.replication.w=9
check_usage "--set without a value" "ringlab-sim run" "--set: expected PATH=VALUE such as cluster.replication.r=2, got 'cluster.replication.r'" \
  "$sim" run "$lesson" --set cluster.replication.r
check "course list" 0 "14. Grey failure and tail latency" "$sim" course list
check_usage "course without a verb" "ringlab-sim course" "expected list or check" "$sim" course
check "course of a missing folder" 2 "cannot read the course folder '$work/nowhere'" "$sim" course list "$work/nowhere"

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
