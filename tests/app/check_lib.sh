# Shared by the command-line tests (source it): a scratch directory in $work, pass and failure counts, and
#   check NAME EXPECTED_EXIT EXPECTED_TEXT COMMAND...
# which runs COMMAND, and passes when it exits EXPECTED_EXIT and (unless EXPECTED_TEXT is empty) its output, stdout
# and stderr together, contains EXPECTED_TEXT.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0

check() {
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
