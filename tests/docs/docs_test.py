#!/usr/bin/env python3
"""Runs the code blocks of README.md and docs/*.md, so that the documentation cannot drift from the programs.

Every fenced code block must be introduced by a marker comment on the line just before its opening fence:

    <!-- doc-test: KIND [OPTIONS] -->

KIND says what the block is and how it is proved:
  run                 shell commands, run one by one from a scratch directory; each must exit 0. `build/<preset>/`
                      paths point at the build under test and `scripts/`, `bench/`, `scenarios/` at the source tree.
                      Builds (`cmake`, `ctest`, `./run.sh`, `./test.sh`, `scripts/install-deps.sh`) are what CI runs
                      itself: their presets and scripts must exist. `scripts/local-cluster.sh` starts in the
                      background and is stopped at the end of the block; `ringlab` takes a screenshot offscreen.
                      Benchmarks only list their cases. Option `expect-exit=N` expects exit status N for every line;
                      option `cluster="ARGS"` starts `scripts/local-cluster.sh ARGS` for the block to talk to;
                      option `needs-root` skips the block when not run as root (network namespaces).
  scenario            a whole scenario file: `ringlab-sim check` must accept it.
  scenario-run        a whole scenario file: it must check, run, and meet every expectation.
  scenario-fragment   part of a scenario: its top-level keys are added to a minimal valid file, which must check.
                      Option `alternatives-under=KEY`: each top-level entry is an alternative, checked on its own
                      under KEY (e.g. `network`).
  output CMD...       what CMD prints: every line of the block but `...` must appear in CMD's output, in order, with
                      numbers free to differ.
  session             a terminal transcript: each `$ CMD` line is run, and the lines after it must appear in what it
                      prints (stdout and stderr), as for `output`; the exit status is not checked.
  json                must parse as JSON (one value, or several in a row, as in JSON lines).
  diagram             a picture drawn in text; nothing to run (only for blocks without a language).
  file                a file's content. Option `same-as=PATH`: must equal that file of the source tree. Option
                      `path=ABSOLUTE on=MACHINES`: written to that path on each machine (see below).
  package-install     commands that install the Debian packages: run by scripts/test-packages.sh in a bare Debian
                      root (it reads them from this file), so here only that script's reading them is checked.

Machines (docs/DEPLOY.md): a file that declares `<!-- doc-test-machines: n1=10.0.0.11 ... -->` gets one network
namespace per machine on a shared bridge (tests/docs/machines.py), and its `run`, `session` and `file` blocks take
`on=n1,n2`: commands run on each named machine, `sudo` is dropped, `/etc/ringlab`, `/etc/default/ringlabd`,
`/var/lib/ringlab` and `/var/backups` are that machine's own, `systemctl ... ringlabd` starts and stops the node as
the shipped unit does, and `export NAME=VALUE` lines hold for the machine's later commands. Needs root; without it
those blocks are reported as skipped.

Usage: docs_test.py SOURCE_DIR BIN_DIR     (BIN_DIR holds ringlab-sim, ringlabd and, when built, ringlab)
Prints one line per block and 'N passed, N failed' at the end; exits 1 if any block failed.
"""
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machines import Machines, declared_machines  # noqa: E402

MARKER = re.compile(r"^<!--\s*doc-test:\s*(\S+)(.*?)-->\s*$")
BUILD_COMMANDS = ("cmake", "ctest", "./run.sh", "./test.sh", "scripts/install-deps.sh")


class Block:
    def __init__(self, path, line, lang, text, kind, options):
        self.path, self.line, self.lang, self.text, self.kind, self.options = path, line, lang, text, kind, options

    def where(self):
        return f"{self.path}:{self.line}"


def blocks_of(path, rel):
    lines = open(path, encoding="utf-8").read().split("\n")
    found, problems = [], []
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            lang = lines[i][3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            marker = MARKER.match(lines[i - 1]) if i > 0 else None
            if not marker:
                problems.append(f"{rel}:{i + 1}: a ```{lang} block without a '<!-- doc-test: KIND -->' line before it")
            else:
                found.append(Block(rel, i + 1, lang, "\n".join(lines[i + 1:j]) + "\n", marker.group(1),
                                   marker.group(2).strip()))
            i = j + 1
        else:
            i += 1
    return found, problems


class Runner:
    def __init__(self, source, bindir):
        self.source, self.bindir = os.path.abspath(source), os.path.abspath(bindir)
        self.sim = os.path.join(self.bindir, "ringlab-sim")
        self.env = dict(os.environ)
        self.env["PATH"] = self.bindir + os.pathsep + self.env.get("PATH", "")
        self.env["QT_QPA_PLATFORM"] = "offscreen"
        self.machines = None  # the current file's machines, when it declares some
        self.machine_env = {}  # machine -> variables its `export` lines set
        self.presets = {p["name"] for p in json.load(open(os.path.join(source, "CMakePresets.json")))["configurePresets"]}

    # --- helpers -------------------------------------------------------------------------------------------------
    def sh(self, command, cwd, timeout=300):
        return subprocess.run(command, shell=True, cwd=cwd, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout, executable="/bin/bash")

    def localize(self, command):
        """Points build, script, bench and scenario paths of a documented command at the tree under test."""
        command = re.sub(r"(?<![\w/])build/(release|dev|headless|asan|tsan)/app/", self.bindir + "/", command)
        bench = os.path.join(os.path.dirname(self.bindir), "bench")
        command = re.sub(r"(?<![\w/])build/(release|dev|headless|asan|tsan)/bench/", bench + "/", command)
        share = os.path.join(os.path.dirname(self.bindir), "share")
        command = re.sub(r"(?<![\w/])build/(release|dev|headless|asan|tsan)/share/", share + "/", command)
        for folder in ("scripts/", "bench/", "scenarios/", "docs/"):
            command = re.sub(r"(?<![\w/.])" + re.escape(folder), os.path.join(self.source, folder), command)
        return command

    def check_scenario(self, text, cwd, run=False):
        path = os.path.join(cwd, "block.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        result = self.sh(f"{shlex.quote(self.sim)} check {shlex.quote(path)}", cwd)
        if result.returncode != 0:
            return f"ringlab-sim check failed ({result.returncode}):\n{result.stdout}"
        if run:
            result = self.sh(f"{shlex.quote(self.sim)} run {shlex.quote(path)}", cwd, timeout=600)
            if result.returncode != 0:
                return f"ringlab-sim run failed ({result.returncode}):\n{result.stdout[-3000:]}"
        return None

    # --- kinds -----------------------------------------------------------------------------------------------------
    def on_machines(self, block):
        """The machines a block runs on: None for none, or a list; raises ValueError for a bad on=."""
        if "on=" not in block.options:
            return None
        if self.machines is None:
            raise ValueError("on= needs machines declared in the file (<!-- doc-test-machines: ... -->)")
        return self.machines.names(block.options)

    def run_on(self, name, command, cwd):
        """Runs one command on a machine. Returns (exit status, output)."""
        command = command.strip()
        if command.startswith("sudo "):
            command = command[5:].strip()
        env = self.machine_env.setdefault(name, {})
        m = re.fullmatch(r"export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)", command)
        if m:
            value = self.machines.sh(name, f"printf %s {m.group(2)}", cwd).stdout
            env[m.group(1)] = value
            return 0, ""
        words = shlex.split(command)
        handled, problem, output = self.machines.emulate(name, words)
        if handled:
            return (1 if problem else 0), (problem or output)
        localized = self.machines.rewrite(name, self.localize(command))
        if os.path.basename(words[0]) == "ringlab" and "--screenshot" not in words:
            if not os.path.exists(os.path.join(self.bindir, "ringlab")):
                return 0, ""  # built without the GUI
            localized += " --screenshot " + shlex.quote(os.path.join(cwd, "shot.png"))
            if "--connect" in words:
                localized += " --after 2s"
        exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items())
        exports += f"export PATH={shlex.quote(self.env['PATH'])} QT_QPA_PLATFORM=offscreen; "
        result = self.machines.sh(name, exports + localized, cwd)
        return result.returncode, result.stdout

    def kind_run(self, block, cwd):
        names = self.on_machines(block)
        if names is not None:
            for name in names:
                for raw in block.text.splitlines():
                    line = raw.split(" #")[0].strip() if " #" in raw else raw.strip()
                    if not line or line.startswith("#"):
                        continue
                    status, output = self.run_on(name, line, cwd)
                    if status != 0:
                        return (f"on {name}: `{line}`: exit status {status}; it printed:\n{output[-3000:]}"
                                + self.machines.diagnostics())
            return None
        expect_exit = 0
        m = re.search(r"expect-exit=(\d+)", block.options)
        if m:
            expect_exit = int(m.group(1))
        background = []
        try:
            cluster = re.search(r'cluster="([^"]*)"', block.options)
            if cluster:
                problem = self.run_one("scripts/local-cluster.sh " + cluster.group(1), cwd, 0, background)
                if problem:
                    return f"starting the cluster the block talks to: {problem}"
            for raw in block.text.splitlines():
                line = raw.split(" #")[0].strip() if " #" in raw else raw.strip()
                if not line or line.startswith("#"):
                    continue
                for part in [p.strip() for p in re.split(r"\s&&\s", line)]:
                    problem = self.run_one(part, cwd, expect_exit, background)
                    if problem:
                        return f"`{part}`: {problem}"
            return None
        finally:
            for proc in background:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

    def run_one(self, command, cwd, expect_exit, background):
        words = shlex.split(command)
        first = words[0]
        if first in BUILD_COMMANDS or first.startswith(BUILD_COMMANDS):
            if first == "cmake" or first == "ctest":
                for i, w in enumerate(words):
                    if w == "--preset" and words[i + 1] not in self.presets:
                        return f"no preset '{words[i + 1]}' in CMakePresets.json"
                return None
            script = os.path.join(self.source, first)
            return None if os.access(script, os.X_OK) else f"{first} is missing or not executable"
        localized = self.localize(command)
        if first == "scripts/local-cluster.sh":
            log = open(os.path.join(cwd, "local-cluster.out"), "w")
            proc = subprocess.Popen(localized + f" --bin {shlex.quote(os.path.join(self.bindir, 'ringlabd'))}"
                                    f" --dir {shlex.quote(os.path.join(cwd, 'cluster'))}", shell=True, cwd=cwd,
                                    env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                    executable="/bin/bash")
            background.append(proc)
            deadline = time.time() + 60
            while time.time() < deadline:
                if "is up" in open(log.name).read():
                    return None
                if proc.poll() is not None:
                    return "the cluster script exited:\n" + open(log.name).read()
                time.sleep(0.1)
            return "the cluster was not up after 60 s"
        if os.path.basename(first) == "ringlab" or first.endswith("/app/ringlab"):
            if not os.path.exists(os.path.join(self.bindir, "ringlab")):
                return None  # built without the GUI
            if "--screenshot" not in words and "--help" not in words and "--version" not in words:
                localized += " --screenshot " + shlex.quote(os.path.join(cwd, "shot.png"))
                if "--connect" in words:
                    localized += " --after 1s"
        if "/bench/" in localized and not localized.rstrip().endswith(".sh") and ".sh " not in localized:
            binary = localized.split()[0] if not localized.startswith("QT_QPA") else localized.split()[1]
            if not os.path.exists(binary):
                return None  # benchmarks not built in this configuration
            localized += " --benchmark_list_tests=true"
        if re.search(r"bench/redis_compare\.sh", localized):
            localized = localized.split("redis_compare.sh")[0] + "redis_compare.sh --help"
        result = self.sh(localized, cwd)
        if result.returncode != expect_exit:
            return f"exit status {result.returncode}, expected {expect_exit}; it printed:\n{result.stdout[-3000:]}"
        return None

    def kind_scenario(self, block, cwd):
        return self.check_scenario(block.text, cwd)

    def kind_scenario_run(self, block, cwd):
        return self.check_scenario(block.text, cwd, run=True)

    def kind_scenario_fragment(self, block, cwd):
        m = re.search(r"alternatives-under=(\S+)", block.options)
        entries = [block.text]
        if m:
            entries, current = [], []
            for line in block.text.splitlines():
                if line and not line[0].isspace() and current:
                    entries.append("\n".join(current))
                    current = []
                if line.strip():
                    current.append(line)
            if current:
                entries.append("\n".join(current))
            entries = [m.group(1) + ":\n" + "\n".join("  " + l for l in e.splitlines()) + "\n" for e in entries]
        for entry in entries:
            problem = self.check_scenario("name: Fragment\nduration: 60s\n" + entry, cwd)
            if problem:
                return f"with\n{entry}\n{problem}"
        return None

    def kind_output(self, block, cwd):
        command = self.localize(block.options)
        result = self.sh(command, cwd)
        if result.returncode != 0:
            return f"`{block.options}` exited {result.returncode}:\n{result.stdout[-3000:]}"
        return self.match_output(block.text, result.stdout, block.options)

    def kind_session(self, block, cwd):
        names = self.on_machines(block)
        command, expected = None, []
        for line in block.text.splitlines() + ["$ "]:
            if line.startswith("$ "):
                if command:
                    if names is not None:
                        output = "".join(self.run_on(name, command, cwd)[1] for name in names)
                    else:
                        output = self.sh(self.localize(command), cwd).stdout
                    problem = self.match_output("\n".join(expected), output, command)
                    if problem:
                        return problem
                command, expected = line[2:].strip(), []
            else:
                expected.append(line)
        return None

    def match_output(self, text, output, command):
        number = r"[-+]?[0-9][0-9.,]*[kMG]?"
        out = output.splitlines()
        at = 0
        for expected in text.splitlines():
            if expected.strip() in ("...", ""):
                continue
            pattern = ""
            for token in re.split(r"(\s+)", expected.strip()):
                if token.isspace():
                    pattern += r"\s+"
                elif token == "...":
                    pattern += r".*"
                else:  # literal text, with every number in it free to differ
                    pieces = re.split(r"([0-9][0-9.,]*[kMG]?)", token)
                    pattern += "".join(number if i % 2 else re.escape(p) for i, p in enumerate(pieces))
            regex = re.compile(r"^\s*" + pattern + r"\s*$")
            while at < len(out) and not regex.match(out[at]):
                at += 1
            if at == len(out):
                return f"no line like '{expected}' (in order) in the output of `{command}`:\n{output[-3000:]}"
            at += 1
        return None

    def kind_file(self, block, cwd):
        same = re.search(r"same-as=(\S+)", block.options)
        if same:
            path = os.path.join(self.source, same.group(1))
            if not os.path.exists(path):
                return f"same-as={same.group(1)}: no such file in the source tree"
            if open(path, encoding="utf-8").read() != block.text:
                return f"differs from {same.group(1)} (copy the file into the block again)"
            return None
        target = re.search(r"path=(/\S+)", block.options)
        names = self.on_machines(block)
        if not target or names is None:
            return "a file block needs same-as=PATH, or path=ABSOLUTE with on=MACHINES"
        for name in names:
            path = self.machines.path(name, target.group(1))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.machines.rewrite(name, block.text))
        return None

    def kind_package_install(self, block, cwd):
        script = open(os.path.join(self.source, "scripts", "test-packages.sh"), encoding="utf-8").read()
        if "doc-test: package-install" not in script or os.path.basename(block.path) not in script:
            return f"scripts/test-packages.sh does not run the package-install blocks of {block.path}"
        return None

    def kind_json(self, block, cwd):
        decoder, text, at = json.JSONDecoder(), block.text, 0
        try:
            while text[at:].strip():
                at += len(text[at:]) - len(text[at:].lstrip())
                _, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as e:
            return f"not JSON: {e}"
        return None

    def kind_diagram(self, block, cwd):
        return None if block.lang == "" else "a diagram block must not name a language"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    source, bindir = sys.argv[1], sys.argv[2]
    runner = Runner(source, bindir)
    files = ["README.md", "CONTRIBUTING.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(source, "docs")) if f.endswith(".md"))
    only = os.environ.get("DOC_TEST_ONLY")  # e.g. docs/SCENARIOS.md, to run one file's blocks
    passed = failed = 0
    problems = []
    blocks = []
    for rel in files:
        if only and rel != only:
            continue
        found, unmarked = blocks_of(os.path.join(source, rel), rel)
        blocks += found
        problems += unmarked
    for p in problems:
        print(f"FAIL {p}")
        failed += 1
    skipped = 0
    current_file, cannot_run_machines = None, None
    try:
        for block in blocks:
            if block.path != current_file:
                current_file = block.path
                if runner.machines:
                    runner.machines.stop()
                runner.machines, runner.machine_env, cannot_run_machines = None, {}, None
                declared = declared_machines(open(os.path.join(source, block.path), encoding="utf-8").read())
                if declared:
                    runner.machines = Machines(declared, runner.source, runner.bindir, runner.env)
                    cannot_run_machines = runner.machines.problem_running_here()
                    if not cannot_run_machines:
                        try:
                            runner.machines.start()
                        except (subprocess.CalledProcessError, OSError) as e:
                            detail = getattr(e, "stderr", b"") or b""
                            cannot_run_machines = (f"cannot make the network namespaces here: {e} "
                                                   f"{detail.decode(errors='replace').strip()}")
            if "needs-root" in block.options and os.geteuid() != 0:
                skipped += 1
                print(f"skip {block.where()} [{block.kind}]: needs root (network namespaces)")
                continue
            if cannot_run_machines and "on=" in block.options:
                skipped += 1
                print(f"skip {block.where()} [{block.kind}]: {cannot_run_machines}")
                continue
            passed_block, failed_block = run_block(runner, block)
            passed += passed_block
            failed += failed_block
    finally:
        if runner.machines:
            runner.machines.stop()
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def run_block(runner, block):
    """Runs one block and prints its line. Returns (1, 0) when it passed, (0, 1) when it failed."""
    handler = getattr(runner, "kind_" + block.kind.replace("-", "_"), None)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ringlab-doc-test-") as cwd:
        if handler is None:
            problem = f"unknown doc-test kind '{block.kind}'"
        else:
            try:
                problem = handler(block, cwd)
            except subprocess.TimeoutExpired as e:
                problem = f"timed out: {e}"
            except (ValueError, OSError) as e:
                problem = f"{type(e).__name__}: {e}"
    if problem:
        print(f"FAIL {block.where()} [{block.kind}]: {problem}")
        return 0, 1
    print(f"ok   {block.where()} [{block.kind}] {time.time() - started:.1f}s")
    return 1, 0


if __name__ == "__main__":
    sys.exit(main())
