#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (Debian's clang-14) and runs each for a while.
#
#   scripts/fuzz.sh [SECONDS]     build, then run every target SECONDS seconds (default 25) from its seed corpus
#
# Targets: resp_parser_fuzz (the RESP codec's command and reply parsers), peer_codec_fuzz (peer frames and handshake
# messages), admin_request_fuzz (admin HTTP requests: reading, routing, every body and query parser) and
# scenario_parser_fuzz (the scenario format, written back and read again; seeded with scenarios/). Builds go
# to build/fuzz/; corpora grow in build/fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/). A crash leaves
# its input in build/fuzz/ and makes the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-25}"
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number (got '$seconds')" >&2; exit 2 ;; esac

cxx="$(command -v clang++-14 || command -v clang++ || true)"
if [ -z "$cxx" ]; then echo "fuzz.sh: clang++ not found (install clang-14 and libclang-rt-14-dev)" >&2; exit 1; fi

out=build/fuzz
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Iengine/include -Iengine/net/include -Isim/include)
engine_sources=(engine/src/causal.cpp engine/src/codec.cpp engine/src/message.cpp engine/src/status.cpp engine/src/types.cpp
                engine/src/version.cpp engine/src/ring.cpp engine/src/random.cpp engine/src/hash.cpp)

build() {
  local target="$1"; shift
  if [ "$out/$target" -nt "fuzz/$target.cpp" ] &&
     [ -z "$(find engine/src engine/net/src sim/src -newer "$out/$target" -name '*.cpp' | head -1)" ]; then
    return
  fi
  echo "== building $target" >&2
  # Sources compile two at a time into objects of this target's own; libraries (-l...) go to the link.
  local objects=() sources=() libraries=()
  for arg in "fuzz/$target.cpp" "$@"; do
    case "$arg" in *.cpp) sources+=("$arg") ;; *) libraries+=("$arg") ;; esac
  done
  mkdir -p "$out/obj/$target"
  for source in "${sources[@]}"; do objects+=("$out/obj/$target/$(echo "$source" | tr / _).o"); done
  printf '%s\n' "${sources[@]}" | xargs -P 2 -I{} sh -c \
    'o="$1/$(echo "$2" | tr / _).o"; shift 2; exec "$@" -c "$0" -o "$o"' {} "$out/obj/$target" {} "$cxx" "${flags[@]}"
  "$cxx" "${flags[@]}" "${objects[@]}" "${libraries[@]}" -o "$out/$target"
}
build resp_parser_fuzz engine/src/resp.cpp
build peer_codec_fuzz engine/net/src/handshake.cpp "${engine_sources[@]}" -lxxhash -lcrypto
build admin_request_fuzz engine/net/src/admin_request.cpp engine/net/src/host_port.cpp engine/src/events.cpp \
  engine/src/status.cpp engine/src/types.cpp -lboost_url -lboost_json -lcrypto
build scenario_parser_fuzz engine/src/*.cpp sim/src/*.cpp -lyaml-cpp -lfmt -lboost_json -lboost_fiber \
  -lboost_context -lxxhash -lz

status=0
for target in resp_parser_fuzz peer_codec_fuzz admin_request_fuzz scenario_parser_fuzz; do
  corpus="$out/corpus/$target"
  mkdir -p "$corpus"
  seeds="../../fuzz/seeds/$target"
  [ "$target" = scenario_parser_fuzz ] && seeds="../../scenarios"
  echo "== $target for ${seconds}s" >&2
  # -timeout: an input that runs 10 s is a hang and a failure. -max_total_time is only checked between inputs, and
  # libFuzzer itself can stall while reporting an out-of-memory input, so the whole run is also bounded from outside.
  if ! (cd "$out" && timeout --kill-after=10 "$((seconds + 120))" \
          "./$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
          -malloc_limit_mb=1024 -print_final_stats=1 "corpus/$target" "$seeds" 2>"$target.log"); then
    echo "fuzz.sh: $target found a failure (or ran past its time); see $out/$target.log and the" \
         "crash-*, oom-*, timeout-* input in $out" >&2
    tail -30 "$out/$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$out/$target.log" | tail -2 >&2 || true
  fi
done
exit $status
