#!/usr/bin/env bash
# Command-line behaviour of ringlabd: help, version, and usage errors in the shared style (one message naming the
# flag, then "Try 'ringlabd --help'", exit 2) before anything starts or is logged.
# Usage: ringlabd_cli_test.sh PATH_TO_RINGLABD
set -u
node="$1"
. "$(dirname "$0")/check_lib.sh"

check_usage() {  # name flag_text args...: exit 2 at once (a node that starts would be stopped by timeout and fail),
                 # nothing on stdout, on stderr exactly the message and the "Try" line
  local name="$1" text="$2"
  shift 2
  local out err
  out=$(timeout 20 "$node" "$@" 2>"$work/stderr")
  local got=$?
  err=$(cat "$work/stderr")
  if [ "$got" != 2 ] || [ -n "$out" ] || [ "$(wc -l <<<"$err")" != 2 ] || [ "$(head -1 <<<"$err" | cut -c1-10)" != "ringlabd: " ] ||
     ! grep -qF -- "$text" <<<"$err" || [ "$(tail -1 <<<"$err")" != "Try 'ringlabd --help' for more information." ]; then
    echo "FAIL $name: exit $got; expected exit 2 and on stderr only 'ringlabd: ...$text' and the Try line"
    echo "got stdout:"; echo "$out" | head -3; echo "got stderr:"; echo "$err" | head -5; failures=$((failures + 1)); return
  fi
  passes=$((passes + 1))
}

out=$("$node" --help)
if [ $? = 0 ] && [ "$(head -1 <<<"$out")" = "Usage: ringlabd [OPTION]..." ] && grep -q '^Exit status:' <<<"$out" &&
   grep -qF -- "--client-port PORT" <<<"$out" && grep -qF "(default: 6380)" <<<"$out"; then
  passes=$((passes + 1))
else
  echo "FAIL --help: expected exit 0, a Usage line, options with defaults and the exit statuses"; echo "$out" | head -5
  failures=$((failures + 1))
fi
check "-h" 0 "Usage: ringlabd" "$node" -h
check "--version" 0 "ringlabd " "$node" --version

check_usage "unknown flag" "unrecognised option '--bogus'" --bogus
check_usage "stray argument does not start a node" "unexpected argument 'extra-positional'" extra-positional
check_usage "stray argument after flags" "unexpected argument 'n2'" --storage memory n2
check_usage "R above N is reported once" "--n, --r, --w: R (5) must be between 1 and N (3)" --r 5 --n 3
check_usage "W above N" "W (4) must be between 1 and N (3)" --w 4
check_usage "bad node name" "--node-id: 'bob' is not a node name" --node-id bob
check_usage "port out of range" "--client-port: 99999 is not a port" --client-port 99999
check_usage "missing value" "--seeds" --seeds
printf 'node-id: n2\nclient-prot: 7000\n' >"$work/node.yaml"
check_usage "config file typo" "$work/node.yaml:2: unknown option 'client-prot'" --config "$work/node.yaml"
check_usage "config file missing" "--config: cannot read '$work/none.yaml'" --config "$work/none.yaml"
check_usage "admin port not a number" "--admin-port: 'soon' is not a port (1-65535, 0 for no admin endpoint, or auto)" --admin-port soon
check_usage "unknown log format" "--log-format: 'xml' (expected text or json)" --log-format xml

# --log-format json: every line a node logs at start-up is one JSON object with time, level and message, and the
# start-up lines say which storage and quorum the node uses.
timeout 2 "$node" --log-format json --storage memory --client-port 0 --peer-port 0 --admin-port 0 >"$work/json.log" 2>&1
if python3 -c 'import json,sys
lines=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]  # sanitizer notes may interleave
assert len(lines) >= 2 and all({"time","level","message"} <= set(l) for l in lines), lines
assert any("storage memory" in l["message"] and "N=3 R=2 W=2" in l["message"] for l in lines), lines' "$work/json.log"; then
  passes=$((passes + 1))
else
  echo "FAIL json log lines:"; head -5 "$work/json.log"; failures=$((failures + 1))
fi

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
