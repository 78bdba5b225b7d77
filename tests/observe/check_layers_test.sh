#!/usr/bin/env bash
# scripts/check-layers.py on small fabricated trees: it must refuse each kind of violation, naming file and line.
set -euo pipefail
script="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

tree() {  # a clean tree with the known reach-ins in place
  rm -rf "$tmp/t" && mkdir -p "$tmp/t"/{engine/src,engine/net/src,sim/src,observe/src,ui/src,ui/include/ringlab/ui}
  echo '#include <boost/asio.hpp>' > "$tmp/t/engine/net/src/ok.cpp"
  echo '#include <ringlab/sim/scenario_runner.h>' > "$tmp/t/ui/include/ringlab/ui/simulation_feed.h"
}
expect() {  # expect <pattern>: the check fails and says <pattern>
  if out=$(python3 "$script" "$tmp/t"); then fail "accepted a tree that should fail ($1)"; fi
  grep -q -- "$1" <<<"$out" || fail "expected '$1' in: $out"
}

tree
python3 "$script" "$tmp/t" >/dev/null || fail "refused a clean tree"
tree; printf '// x\n#include <QString>\n' > "$tmp/t/engine/src/a.cpp"; expect 'engine/src/a.cpp:2: includes Qt'
tree; echo '#include <boost/asio/io_context.hpp>' > "$tmp/t/sim/src/b.cpp"; expect 'sim/src/b.cpp:1: includes Asio'
tree; echo '#include <QtCore/QObject>' > "$tmp/t/observe/src/c.cpp"; expect 'observe/src/c.cpp:1: includes Qt'
tree; echo '#include <ringlab/sim/simulation.h>' > "$tmp/t/ui/src/d.cpp"; expect 'ui/src/d.cpp:1: includes the simulator internal'
tree; echo '#include <boost/beast/http.hpp>' > "$tmp/t/ui/src/e.cpp"; expect 'ui/src/e.cpp:1: includes Asio'
tree; echo '' > "$tmp/t/ui/include/ringlab/ui/simulation_feed.h"; expect 'no longer includes'
echo "check-layers refuses every kind of violation"
