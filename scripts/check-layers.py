#!/usr/bin/env python3
"""Checks that the layers of the tree include only what DESIGN.md allows them to.

  - engine/ (outside engine/net/) and sim/ include no Qt and no Asio (nor Beast, which is built on Asio);
  - observe/ includes no Qt and no Asio either: the app, the node and the tests share it;
  - ui/ includes no Asio, and no simulator internal (the simulation, the scenario runner, a node or its storage,
    membership, hints or failure detector) except through observe/. Files that still do are listed in
    KNOWN_UI_REACH_INS with the reason; the list may only shrink: a new reach-in, or a listed file that no longer
    reaches in, fails the check.

Usage: scripts/check-layers.py [SOURCE_DIR]   (default: the repository this script is in)
Prints one line per violation as path:line: what, and exits 1 when there is any.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')

QT = re.compile(r'^(Q[A-Za-z0-9]+|Qt[A-Za-z]+/.*|q[a-z]+\.h)$')
ASIO = re.compile(r'^(asio(\.hpp|/.*)|boost/asio(\.hpp|/.*)|boost/beast(\.hpp|/.*))$')
SIM_INTERNALS = {
    'ringlab/sim/simulation.h',
    'ringlab/sim/scenario_runner.h',
    'ringlab/sim/scheduler.h',
    'ringlab/sim/network.h',
    'ringlab/engine/node.h',
    'ringlab/engine/storage.h',
    'ringlab/engine/membership.h',
    'ringlab/engine/hints.h',
    'ringlab/engine/failure_detector.h',
    'ringlab/engine/reply_wait.h',
    'ringlab/engine/runtime.h',
}
# Reach-ins not yet routed through observe/ (issue 21), each (file, header).
KNOWN_UI_REACH_INS = {
    ('ui/include/ringlab/ui/simulation_feed.h', 'ringlab/sim/scenario_runner.h'),  # the feed owns the runner
}
SOURCES = ('.h', '.hpp', '.cpp', '.cc')


def includes(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1)


def files(root, folder, exclude=()):
    base = root / folder
    if not base.is_dir():
        return
    for p in sorted(base.rglob('*')):
        if p.suffix in SOURCES and p.is_file() and not any(p.is_relative_to(root / e) for e in exclude):
            yield p


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    if not (root / 'engine').is_dir():
        print(f'{root}: not a RingLab source tree (no engine/ folder)', file=sys.stderr)
        return 2
    problems = []
    pure = [('engine', ('engine/net',)), ('sim', ()), ('observe', ())]
    for folder, exclude in pure:
        for path in files(root, folder, exclude):
            for number, header in includes(path):
                rel = path.relative_to(root)
                if QT.match(header):
                    problems.append(f'{rel}:{number}: includes Qt ({header}); {folder}/ must not')
                if ASIO.match(header):
                    problems.append(f'{rel}:{number}: includes Asio ({header}); {folder}/ must not')
    seen = set()
    for path in files(root, 'ui'):
        rel = str(path.relative_to(root))
        for number, header in includes(path):
            if ASIO.match(header):
                problems.append(f'{rel}:{number}: includes Asio ({header}); ui/ must not')
            if header in SIM_INTERNALS:
                if (rel, header) in KNOWN_UI_REACH_INS:
                    seen.add((rel, header))
                else:
                    problems.append(f'{rel}:{number}: includes the simulator internal {header}; '
                                    'go through observe/ (ringlab/observe/...) instead')
    for rel, header in sorted(KNOWN_UI_REACH_INS - seen):
        problems.append(f'{rel}: no longer includes {header}: remove it from KNOWN_UI_REACH_INS in '
                        'scripts/check-layers.py')
    for p in problems:
        print(p)
    if not problems:
        print('layers: engine/, sim/ and observe/ include no Qt or Asio; ui/ reaches into the simulator only '
              f'through observe/ (and {len(KNOWN_UI_REACH_INS)} listed exceptions)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
