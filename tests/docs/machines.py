"""Machines for a deployment guide's code blocks: each a network namespace with its own address on one bridge, its own
/etc, /var/lib and /var/backups (paths are rewritten into a scratch directory), and an emulated `systemctl` that
starts ringlabd the way the shipped systemd unit does (its ExecStart and EnvironmentFile lines, read from
resources/ringlabd.service). A guide declares its machines once, anywhere in the file:

    <!-- doc-test-machines: n1=10.0.0.11 n2=10.0.0.12 desk=10.0.0.100 -->

and then marks blocks with `on=n1` (or `on=n1,n2`). Needs root and `ip netns`; the addresses exist only inside the
namespaces made here, which are removed at the end.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

DECLARATION = re.compile(r"<!--\s*doc-test-machines:(.*?)-->")
# Absolute paths a guide may name, kept per machine.
MACHINE_PATHS = ("/etc/ringlab", "/etc/default/ringlabd", "/var/lib/ringlab", "/var/backups", "/var/log/ringlab")


def declared_machines(text):
    m = DECLARATION.search(text)
    if not m:
        return None
    machines = {}
    for item in m.group(1).split():
        name, _, address = item.partition("=")
        machines[name] = address
    return machines


class Machines:
    def __init__(self, addresses, source, bindir, env):
        self.addresses, self.source, self.bindir = addresses, source, bindir
        self.env = dict(env)
        self.tag = f"rd{os.getpid() % 100000}"
        self.root = tempfile.mkdtemp(prefix="ringlab-doc-machines-")
        self.services = {}  # machine -> Popen of its ringlabd
        self.created = []
        unit = open(os.path.join(source, "resources", "ringlabd.service"), encoding="utf-8").read()
        self.exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1).strip()
        env_file = re.search(r"^EnvironmentFile=-?(.*)$", unit, re.M)
        self.environment_file = env_file.group(1).strip() if env_file else None

    # --- set-up and tear-down ------------------------------------------------------------------------------------
    def problem_running_here(self):
        if os.geteuid() != 0:
            return "the deployment guide's machines are network namespaces, which need root"
        if shutil.which("ip") is None:
            return "iproute2 (ip) is not installed"
        return None

    def ip(self, *args, namespace=None):
        command = (["ip", "netns", "exec", namespace] if namespace else []) + ["ip"] + list(args)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self):
        hub = f"{self.tag}-hub"
        self.ip("netns", "add", hub)
        self.created.append(hub)
        self.ip("link", "add", "br0", "type", "bridge", namespace=hub)
        self.ip("link", "set", "br0", "up", namespace=hub)
        for i, (name, address) in enumerate(self.addresses.items()):
            ns = self.namespace(name)
            self.ip("netns", "add", ns)
            self.created.append(ns)
            inner, outer = f"{self.tag}v{i}", f"{self.tag}h{i}"
            self.ip("link", "add", inner, "type", "veth", "peer", "name", outer)
            self.ip("link", "set", inner, "netns", ns)
            self.ip("link", "set", outer, "netns", hub)
            self.ip("link", "set", outer, "master", "br0", "up", namespace=hub)
            self.ip("link", "set", "lo", "up", namespace=ns)
            self.ip("addr", "add", f"{address}/24", "dev", inner, namespace=ns)
            self.ip("link", "set", inner, "up", namespace=ns)
            # What the package installs: the commented example configuration, and the data directory.
            os.makedirs(self.path(name, "/etc/ringlab"), exist_ok=True)
            shutil.copy(os.path.join(self.source, "resources", "ringlabd.yaml"), self.path(name, "/etc/ringlab"))
            for directory in ("/var/lib/ringlab", "/var/backups", "/etc/default", "/var/log"):
                os.makedirs(self.path(name, directory), exist_ok=True)

    def stop(self):
        for name in list(self.services):
            self.stop_service(name)
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- paths and commands --------------------------------------------------------------------------------------
    def namespace(self, name):
        return f"{self.tag}-{name}"

    def path(self, name, absolute):
        return os.path.join(self.root, name) + absolute

    def rewrite(self, name, text):
        """Points the machine paths a command or file names at this machine's own directory."""
        for prefix in MACHINE_PATHS:
            text = re.sub(r"(?<![\w/.])" + re.escape(prefix) + r"(?=[/\s'\":]|$)",
                          os.path.join(self.root, name) + prefix, text, flags=re.M)
        return text

    def names(self, option_text):
        m = re.search(r"on=(\S+)", option_text)
        if not m:
            return None
        names = m.group(1).split(",")
        unknown = [n for n in names if n not in self.addresses]
        if unknown:
            raise ValueError(f"on={m.group(1)}: no machine {', '.join(unknown)} is declared")
        return names

    def sh(self, name, command, cwd, timeout=120, env=None):
        env = dict(env if env is not None else self.env)
        wrapped = ["ip", "netns", "exec", self.namespace(name), "/bin/bash", "-c", command]
        return subprocess.run(wrapped, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)

    # --- systemctl and journalctl, as the shipped unit would behave ------------------------------------------------
    def service_environment(self, name):
        env = dict(self.env)
        if self.environment_file:
            path = self.path(name, self.environment_file)
            if os.path.exists(path):
                for line in open(path, encoding="utf-8"):
                    line = line.strip()
                    if line and not line.startswith("#") and "=" in line:
                        key, _, value = line.partition("=")
                        env[key.strip()] = value.strip().strip('"')
        return env

    def client_port(self, name):
        config = open(self.path(name, "/etc/ringlab/ringlabd.yaml"), encoding="utf-8").read()
        m = re.search(r"^client-port:\s*(\d+)", config, re.M)
        return int(m.group(1)) if m else 6380

    def start_service(self, name):
        if name in self.services and self.services[name].poll() is None:
            return None
        words = shlex.split(self.exec_start)
        program = os.path.join(self.bindir, os.path.basename(words[0]))
        command = [program] + [self.rewrite(name, w) for w in words[1:]]
        log = open(self.path(name, "/var/log/ringlabd.log"), "a")
        proc = subprocess.Popen(["ip", "netns", "exec", self.namespace(name)] + command,
                                env=self.service_environment(name), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.services[name] = proc
        port = self.client_port(name)
        ping_env = dict(self.env)
        password = self.service_environment(name).get("RINGLAB_REQUIREPASS")
        if password:
            ping_env["REDISCLI_AUTH"] = password
        deadline = time.time() + 30
        while time.time() < deadline:
            ping = self.sh(name, f"redis-cli -h {self.addresses[name]} -p {port} ping", self.root, timeout=10,
                           env=ping_env)
            if ping.stdout.strip() == "PONG":
                return None
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        return f"ringlabd on {name} did not answer PING; its log:\n" + self.journal(name, 20)

    def stop_service(self, name):
        proc = self.services.pop(name, None)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def journal(self, name, lines):
        path = self.path(name, "/var/log/ringlabd.log")
        if not os.path.exists(path):
            return ""
        return "".join(open(path, encoding="utf-8", errors="replace").readlines()[-lines:])

    def diagnostics(self):
        """What each machine's node was doing, for a failure message: running or not, and the end of its log."""
        text = ""
        for name in sorted(self.addresses):
            if not os.path.exists(self.path(name, "/var/log/ringlabd.log")):
                continue
            proc = self.services.get(name)
            state = "running" if proc and proc.poll() is None else "not running"
            text += f"\n--- {name} ({state}), the end of its log:\n" + self.journal(name, 15)
            if state == "running":
                env = dict(self.env)
                password = self.service_environment(name).get("RINGLAB_REQUIREPASS")
                if password:
                    env["REDISCLI_AUTH"] = password
                ring = self.sh(name, f"redis-cli -h {self.addresses[name]} -p {self.client_port(name)} info ring",
                               self.root, timeout=10, env=env)
                text += f"--- {name}'s INFO ring:\n" + ring.stdout
        return text

    def emulate(self, name, words):
        """systemctl and journalctl for the ringlabd unit. Returns (handled, problem, output)."""
        if words[:1] == ["systemctl"]:
            verbs = [w for w in words[1:] if not w.startswith("-")]
            if verbs[-1:] != ["ringlabd"]:
                return True, f"only the ringlabd unit is emulated: {' '.join(words)}", ""
            verb, now = verbs[0], "--now" in words
            if verb in ("start", "restart") or (verb == "enable" and now):
                if verb == "restart":
                    self.stop_service(name)
                return True, self.start_service(name), ""
            if verb == "stop" or (verb == "disable" and now):
                self.stop_service(name)
                return True, None, ""
            if verb in ("enable", "disable", "daemon-reload"):
                return True, None, ""
            if verb == "is-active":
                running = name in self.services and self.services[name].poll() is None
                return True, None if running else "ringlabd is not active", "active\n" if running else "inactive\n"
            return True, f"systemctl {verb} is not emulated", ""
        if words[:1] == ["journalctl"]:
            count = 10
            if "-n" in words:
                count = int(words[words.index("-n") + 1])
            return True, None, self.journal(name, count)
        return False, None, ""
