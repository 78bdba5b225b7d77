#!/usr/bin/env bash
# The man pages and shell completions the programs print (--man-page, --completion SHELL):
#   documentation_test.sh PROGRAM...   (the ringlab-sim, ringlabd and ringlab that were built)
# Each man page must format without a warning and name every option --help lists; the bash completion must complete
# commands, options and option values when bash runs it; the zsh completion must parse and register with compinit.
set -u
source "$(dirname "$0")/check_lib.sh"

unset QT_QPA_PLATFORM
unset DISPLAY WAYLAND_DISPLAY
programs=("$@")
has() { for program in "${programs[@]}"; do [ "$(basename "$program")" = "$1" ] && return 0; done; return 1; }

# Every long option of a --help text (also of each ringlab-sim command's help).
help_options() {
  local program="$1"
  "$program" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+'
  if [ "$(basename "$program")" = ringlab-sim ]; then
    for command in run campaign campaign-merge check list demo ring; do
      "$program" "$command" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+'
    done
  fi
}

for program in "${programs[@]}"; do
  name=$(basename "$program")
  page="$work/$name.man"
  if ! "$program" --man-page >"$page" 2>"$work/err"; then
    echo "FAIL $name --man-page: exit $?"; cat "$work/err"; failures=$((failures + 1)); continue
  fi
  warnings=$(groff -man -ww -z "$page" 2>&1)
  if [ -n "$warnings" ]; then
    echo "FAIL $name man page: groff warns"; echo "$warnings" | head -5; failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
  rendered=$(MANWIDTH=200 man -l "$page" 2>/dev/null | sed 's/\x08.//g')
  missing=""
  for option in $(help_options "$program" | sort -u); do
    grep -qF -- "$option" <<<"$rendered" || missing="$missing $option"
  done
  if [ -n "$missing" ]; then
    echo "FAIL $name man page lacks options --help lists:$missing"; failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
  check "$name --completion fish is a usage error" 2 "expected bash or zsh, got 'fish'" "$program" --completion fish
done

# Runs the bash completion of PROGRAM for the words given (the last one is being completed) and prints COMPREPLY.
complete_words() {
  local program="$1"
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    function_name=$(complete -p "$1" | grep -oE -- "-F [^ ]+" | cut -d" " -f2)
    "$function_name"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$work/$(basename "$program").bash" "$@"
}

# completion_offers NAME WANT|!UNWANTED WORDS...: the completion of WORDS offers WANT (or, with a leading !, does not
# offer UNWANTED).
completion_offers() {
  local name="$1" word="$2" unwanted=0 got
  shift 2
  case "$word" in "!"*) unwanted=1; word="${word#!}" ;; esac
  got=$(cd "$work/files" && complete_words "$@" | tr '\n' ' ')
  if grep -qwF -- "$word" <<<"$got"; then offered=1; else offered=0; fi
  if [ "$offered" != "$unwanted" ]; then
    passes=$((passes + 1))
  else
    echo "FAIL bash completion $name: '$word' $([ "$unwanted" = 1 ] && echo offered || echo "not among"): $got"
    failures=$((failures + 1))
  fi
}
expect_completion() { completion_offers "$1" "$2" "${@:3}"; }
reject_completion() { completion_offers "$1" "!$2" "${@:3}"; }

mkdir -p "$work/files/scenarios"
touch "$work/files/scenarios/partition.yaml" "$work/files/notes.txt" "$work/files/shard-1.json"
for program in "${programs[@]}"; do
  "$program" --completion bash >"$work/$(basename "$program").bash"
  "$program" --completion zsh >"$work/_$(basename "$program")"
done

if has ringlab-sim; then
  expect_completion "sim commands" run ringlab-sim r
  expect_completion "sim command options" --trace-from ringlab-sim run --trace
  reject_completion "sim options belong to their command" --crash ringlab-sim run --cr
  expect_completion "sim demo options" --crash ringlab-sim demo --cr
  expect_completion "sim scenario files" scenarios ringlab-sim run sc
  expect_completion "sim scenario yaml" scenarios/partition.yaml ringlab-sim run scenarios/
  reject_completion "sim scenario files are YAML" notes.txt ringlab-sim check no
  expect_completion "sim merge files are campaign results" shard-1.json ringlab-sim campaign-merge sh
  reject_completion "sim merge files are not scenarios" scenarios/partition.yaml ringlab-sim campaign-merge scenarios/
  reject_completion "sim scenario files are not results" shard-1.json ringlab-sim run sh
  expect_completion "sim report path" notes.txt ringlab-sim run --report no
fi
if has ringlabd; then
  expect_completion "daemon options" --appendfsync ringlabd --append
  expect_completion "daemon storage values" memory ringlabd --storage ""
  expect_completion "daemon fsync values" everysec ringlabd --appendfsync e
  expect_completion "daemon data dir" scenarios ringlabd --data-dir sc
  reject_completion "daemon data dir is a directory" notes.txt ringlabd --data-dir no
fi
if has ringlab; then
  expect_completion "app views" ring ringlab --view r
  expect_completion "app themes" dark ringlab --theme d
  expect_completion "app options" --presentation ringlab --pres
fi

if ! command -v zsh >/dev/null; then
  echo "FAIL zsh is not installed (scripts/install-deps.sh installs it): its completions cannot be checked"
  failures=$((failures + 1))
else
  for program in "${programs[@]}"; do
    name=$(basename "$program")
    if ! errors=$(zsh -n "$work/_$name" 2>&1); then
      echo "FAIL zsh completion of $name does not parse"; echo "$errors" | head -5; failures=$((failures + 1)); continue
    fi
    registered=$(zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -d "$1/zcompdump"; print -r -- ${_comps[$2]}' \
      _ "$work" "$name" 2>&1)
    if [ "$registered" = "_$name" ]; then
      passes=$((passes + 1))
    else
      echo "FAIL zsh completion of $name: compinit registered '$registered'"; failures=$((failures + 1))
    fi
  done
fi

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
