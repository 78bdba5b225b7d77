#!/usr/bin/env bash
# Command-line behaviour of the desktop app without a display: --help and --version work, --screenshot renders
# offscreen, bad flags and a missing display get clear messages and the documented exit codes (usage errors in the
# style the three programs share).
# Usage: ringlab_cli_test.sh PATH_TO_RINGLAB
set -u
app="$1"
. "$(dirname "$0")/check_lib.sh"
unset DISPLAY WAYLAND_DISPLAY QT_QPA_PLATFORM

check_usage() {  # name flag_text args...: exit 2, nothing on stdout, on stderr only the message and the "Try" line
  local name="$1" text="$2"
  shift 2
  local out err
  out=$("$app" "$@" 2>"$work/stderr")
  local got=$?
  err=$(cat "$work/stderr")
  if [ "$got" != 2 ] || [ -n "$out" ] || [ "$(wc -l <<<"$err")" != 2 ] || [ "$(head -1 <<<"$err" | cut -c1-9)" != "ringlab: " ] ||
     ! grep -qF -- "$text" <<<"$err" || [ "$(tail -1 <<<"$err")" != "Try 'ringlab --help' for more information." ]; then
    echo "FAIL $name: exit $got; expected exit 2 and on stderr only 'ringlab: ...$text' and the Try line"
    echo "got stdout:"; echo "$out" | head -3; echo "got stderr:"; echo "$err" | head -5; failures=$((failures + 1)); return
  fi
  passes=$((passes + 1))
}

out=$("$app" --help 2>&1)
if [ $? = 0 ] && [ "$(head -1 <<<"$out")" = "Usage: ringlab [OPTION]..." ] && grep -q '^Exit status:' <<<"$out" &&
   grep -qF -- "--size WxH" <<<"$out" && grep -qF "(default: 1600x1000)" <<<"$out"; then
  passes=$((passes + 1))
else
  echo "FAIL --help: expected exit 0, a Usage line, options with defaults and the exit statuses"; echo "$out" | head -5
  failures=$((failures + 1))
fi
check "help without a display" 0 "--screenshot" "$app" --help
check "version without a display" 0 "ringlab" "$app" --version
check "no display" 1 "no display to open a window on" "$app"
check "unknown view" 2 "--view: unknown view 'nope'" "$app" --screenshot "$work/x.png" --view nope
check "bad size" 2 "--size: expected WIDTHxHEIGHT" "$app" --screenshot "$work/x.png" --size 10x10
check "screenshot offscreen" 0 "Saved $work/ring.png" "$app" --screenshot "$work/ring.png" --view ring --run-to 1s
[ -s "$work/ring.png" ] && passes=$((passes + 1)) || { echo "FAIL screenshot file is empty"; failures=$((failures + 1)); }

check "connect: bad address" 2 "--connect: expected HOST:PORT" "$app" --connect nonsense --screenshot "$work/x.png"
check "connect: nobody there" 1 "no cluster answered at 127.0.0.1:1" "$app" --connect 127.0.0.1:1 --screenshot "$work/x.png" --after 1s
check "connect: no scenario flags" 2 "do not apply" "$app" --connect 127.0.0.1:1 --scenario steady-state --screenshot "$work/x.png"
printf 'not json\n' >"$work/bad.ringlab"
check "recording: not a recording" 2 "bad.ringlab:1: not a JSON object" "$app" --recording "$work/bad.ringlab" --screenshot "$work/x.png"
check "recording: missing" 2 "cannot read" "$app" --recording "$work/none.ringlab" --screenshot "$work/x.png"

# Usage errors exit 2 in the shared style, with or without a display, and before anything is rendered.
check_usage "unknown flag without a display" "unrecognised option '--bogus'" --bogus
check_usage "unknown flag with --screenshot" "unrecognised option '--bogus'" --screenshot "$work/x.png" --bogus
check_usage "missing value" "missing value after '--seed'" --screenshot "$work/x.png" --seed
check_usage "stray argument" "unexpected argument 'steady-state'" steady-state
check_usage "negative seed" "--seed: expected a non-negative integer, got '-1'" --screenshot "$work/x.png" --seed -1
check_usage "screenshot into a missing directory" "--screenshot: cannot write '/nonexistent/x.png': no directory '/nonexistent'" \
  --screenshot /nonexistent/x.png --run-to 1s
check_usage "screenshot onto a directory" "--screenshot: cannot write '$work': it is a directory" --screenshot "$work"
check_usage "record into a missing directory" "--record: cannot write '/nonexistent/s.ringlab': no directory '/nonexistent'" \
  --connect 127.0.0.1:1 --record /nonexistent/s.ringlab --screenshot "$work/x.png"

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
