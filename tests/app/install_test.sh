#!/usr/bin/env bash
# `cmake --install` into a temporary prefix: the programs, scenarios, icons, desktop entry, AppStream metadata,
# example configuration, systemd unit, dashboard, man pages and shell completions land where a Linux system looks for them; the installed programs
# find their own scenarios (relative to their location) before the source tree's; the example configuration starts
# a node.
#
#   install_test.sh BUILD_DIR
set -uo pipefail
build=$1
prefix=$(mktemp -d /tmp/ringlab-install-test-XXXXXX)
node=""
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; wait 2>/dev/null; rm -rf "$prefix"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! out=$(cmake --install "$build" --prefix "$prefix" 2>&1); then
  echo "FAIL: cmake --install failed:"; echo "$out"; exit 1
fi

for f in bin/ringlab-sim share/ringlab/scenarios/steady-state.yaml share/doc/RingLab/LICENSE \
         share/doc/RingLab/SCENARIOS.md share/man/man1/ringlab-sim.1 share/bash-completion/completions/ringlab-sim \
         share/zsh/site-functions/_ringlab-sim; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
# man finds the installed page through the prefix's share/man.
page=$(MANPATH="$prefix/share/man" man -w ringlab-sim 2>&1)
[ "$page" = "$prefix/share/man/man1/ringlab-sim.1" ] || fail "man -w ringlab-sim found: $page"
if [ -e "$build/app/ringlabd" ]; then
  for f in bin/ringlabd share/ringlab/examples/ringlabd.yaml lib/systemd/system/ringlabd.service \
           share/ringlab/grafana/ringlab-dashboard.json share/ringlab/prometheus/ringlab-scrape.yml \
           share/man/man8/ringlabd.8 \
           share/bash-completion/completions/ringlabd share/zsh/site-functions/_ringlabd; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
  done
fi
if [ -e "$build/app/ringlab" ]; then
  for f in bin/ringlab share/applications/ringlab.desktop share/metainfo/io.github.ringlab.RingLab.metainfo.xml \
           share/icons/hicolor/scalable/apps/ringlab.svg share/icons/hicolor/48x48/apps/ringlab.png \
           share/icons/hicolor/256x256/apps/ringlab.png share/man/man1/ringlab.1 \
           share/bash-completion/completions/ringlab share/zsh/site-functions/_ringlab; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
  done
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$prefix/share/applications/ringlab.desktop" || fail "the desktop entry does not validate"
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$prefix/share/metainfo/io.github.ringlab.RingLab.metainfo.xml" >/dev/null ||
      fail "the AppStream metadata does not validate"
  fi
fi

# The installed program looks beside itself first: a scenario only the prefix has is found, and a shipped name
# resolves to the installed copy.
sed 's/^name: .*/name: Installed only/' "$prefix/share/ringlab/scenarios/steady-state.yaml" \
  >"$prefix/share/ringlab/scenarios/installed-only.yaml"
out=$("$prefix/bin/ringlab-sim" check installed-only 2>&1) || fail "check installed-only: $out"
case "$out" in "$prefix"/share/ringlab/scenarios/installed-only.yaml*) ;; *) fail "installed-only resolved to: $out" ;; esac
out=$("$prefix/bin/ringlab-sim" check steady-state 2>&1) || fail "check steady-state: $out"
case "$out" in "$prefix"/share/ringlab/scenarios/steady-state.yaml*) ;; *) fail "steady-state resolved outside the prefix: $out" ;; esac
"$prefix/bin/ringlab-sim" list | grep -q "installed-only" || fail "list does not show the installed-only scenario"
# The course is installed beside the scenarios and found from the prefix.
[ -e "$prefix/share/ringlab/scenarios/course/01-consistent-hashing.yaml" ] || fail "the course is not installed"
out=$("$prefix/bin/ringlab-sim" course list 2>&1) || fail "course list from the prefix: $out"
grep -q "$prefix/share/ringlab/scenarios/course/01-consistent-hashing.yaml" <<<"$out" ||
  fail "course list did not use the installed course: $out"

# The example configuration starts a node (ports and data directory moved out of the way).
if [ -e "$prefix/bin/ringlabd" ] && command -v redis-cli >/dev/null; then
  port=$((24000 + $$ % 500))
  "$prefix/bin/ringlabd" --config "$prefix/share/ringlab/examples/ringlabd.yaml" --client-port "$port" \
    --peer-port $((port + 1000)) --admin-port $((port + 2000)) --data-dir "$prefix/data" >"$prefix/node.log" 2>&1 &
  node=$!
  up=0
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && { up=1; break; }
    kill -0 "$node" 2>/dev/null || break
    sleep 0.1
  done
  [ "$up" = 1 ] || { fail "ringlabd with the example configuration did not answer PING:"; tail -5 "$prefix/node.log"; }
fi

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "install: files, scenario lookup from the prefix and the example configuration checked"
