#!/usr/bin/env python3
"""Attacks on one ringlabd, with figures: what each costs the node and the clients that are not attacking.

Starts a node (memory storage, loopback, kernel-picked ports), runs each attack of docs/LIMITS.md against it while a
bystander client sends PING every 20 ms on a connection of its own, and prints one Markdown table row per attack:
the node's resident size before, at its peak and a few seconds after; the bystander's median and worst round trip;
and how the node ended the attack (the INFO counters it moved). The node is restarted for every attack.

  bench/attacks.py [--ringlabd build/release/app/ringlabd] [--only NAME]...

Figures depend on the build (use the Release one) and the machine; docs/LIMITS.md has a run's table.
"""
import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def connect(port, timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_reply(sock):
    """Reads one RESP reply (enough for PING, OK, INFO); returns its bytes."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    if data[:1] == b"$":
        size = int(data[1:data.index(b"\r\n")])
        need = data.index(b"\r\n") + 2 + size + 2
        while len(data) < need:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
    return data


class Node:
    def __init__(self, binary, extra):
        self.dir = tempfile.mkdtemp(prefix="ringlab-attack-")
        port_file = os.path.join(self.dir, "ports")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--node-id", "n1", "--storage", "memory", "--n", "1", "--r", "1", "--w", "1",
             "--client-port", "0", "--peer-port", "0", "--admin-port", "auto", "--cluster-secret", "attack-bench",
             "--port-file", port_file, "--data-dir", os.path.join(self.dir, "data")] + extra,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(port_file):
                ports = dict(line.split("=", 1) for line in open(port_file).read().split() if "=" in line)
                if "client_port" in ports and "admin_port" in ports:
                    self.client, self.admin = int(ports["client_port"]), int(ports["admin_port"])
                    time.sleep(0.2)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("ringlabd did not start; see " + self.log.name)

    def rss_mb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def info(self):
        s = connect(self.client)
        s.sendall(resp("INFO", "everything"))
        text = read_reply(s).decode(errors="replace")
        s.close()
        fields = {}
        for line in text.split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k] = v
        return fields

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Bystander(threading.Thread):
    """PINGs every 20 ms on its own connection and records round trips and the node's peak resident size."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node, self.stop_flag = node, threading.Event()
        self.rtts, self.failures, self.peak = [], 0, node.rss_mb()
        self.sock = connect(node.client)

    def run(self):
        while not self.stop_flag.is_set():
            start = time.monotonic()
            try:
                self.sock.sendall(resp("PING"))
                read_reply(self.sock)
                self.rtts.append((time.monotonic() - start) * 1000)
            except (OSError, ConnectionError):
                self.failures += 1
                try:
                    self.sock = connect(self.node.client)
                except OSError:
                    pass
            self.peak = max(self.peak, self.node.rss_mb())
            time.sleep(0.02)

    def finish(self):
        self.stop_flag.set()
        self.join()


def drain_closed(sock, limit):
    sock.settimeout(0.2)
    end = time.time() + limit
    while time.time() < end:
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def big_gets(node):
    s = connect(node.client)
    s.sendall(resp("SET", "big", b"x" * (1 << 20)))
    read_reply(s)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    pipeline = resp("GET", "big") * 20000
    threading.Thread(target=lambda: _send_quietly(s, pipeline), daemon=True).start()
    start = time.monotonic()
    limits = ["clients_disconnected_output_" + kind for kind in ("hard", "soft", "total")]
    while time.monotonic() - start < 30:  # the replies are never read: only INFO says when the node let go
        info = node.info()
        if any(info.get(c, "0") != "0" for c in limits):
            return "disconnected after %.1f s" % (time.monotonic() - start)
        time.sleep(0.1)
    return "still connected after 30 s"


def _send_quietly(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass


def admin_flood(node):
    socks = []
    for _ in range(20000):
        try:
            socks.append(socket.create_connection(("127.0.0.1", node.admin), timeout=2))
        except OSError:
            break
    time.sleep(1)
    opened = len(socks)
    for s in socks:
        s.close()
    return "%d connections opened" % opened


def idle_clients(node):
    socks = []
    for _ in range(10000):
        try:
            socks.append(socket.create_connection(("127.0.0.1", node.client), timeout=2))
        except OSError:
            break
    time.sleep(2)
    held = node.rss_mb()
    for s in socks:
        s.close()
    return "%d connections held (RSS %.0f MB while held)" % (len(socks), held)


def half_sent_values(node):
    socks = []
    head = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n"
    for _ in range(1000):
        try:
            s = socket.create_connection(("127.0.0.1", node.client), timeout=2)
            s.sendall(head + b"x" * 1000000)
            socks.append(s)
        except OSError:
            break
    time.sleep(2)
    for s in socks:
        s.close()
    return "%d clients sent 1 MB of a 1 MiB value" % len(socks)


def auth_guessing(node):
    s = connect(node.client)
    s.sendall(b"".join(resp("AUTH", "guess%d" % i) for i in range(1000)))
    answered, start = 0, time.monotonic()
    s.settimeout(15)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    answered = data.count(b"WRONGPASS")
    return "%d guesses answered in %.1f s, then closed" % (answered, time.monotonic() - start)


ATTACKS = [
    ("big-gets", "20,000 pipelined GETs of a 1 MiB value, replies never read", big_gets, []),
    ("admin-flood", "20,000 connections to the admin port, held 1 s", admin_flood, []),
    ("idle-clients", "10,000 idle client connections, then closed", idle_clients, []),
    ("half-sent", "1,000 clients each send 1 MB of a 1 MiB value and stop", half_sent_values, []),
    ("auth", "1,000 pipelined wrong passwords", auth_guessing, ["--requirepass", "right"]),
]

COUNTERS = ["clients_disconnected_output_hard", "clients_disconnected_output_soft", "clients_disconnected_output_total",
            "clients_disconnected_partial_command", "clients_disconnected_input_total", "rejected_connections",
            "rejected_admin_connections", "auth_failures"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ringlabd", default="build/release/app/ringlabd")
    parser.add_argument("--only", action="append", choices=[a[0] for a in ATTACKS])
    args = parser.parse_args()
    if not os.access(args.ringlabd, os.X_OK):
        sys.exit("bench/attacks.py: %s is not an executable ringlabd (build it, or pass --ringlabd PATH)" %
                 args.ringlabd)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    print("| attack | RSS before / peak / after (MB) | bystander PING median / worst (ms) | failed PINGs | outcome |")
    print("|---|---|---|---|---|")
    for name, title, attack, flags in ATTACKS:
        if args.only and name not in args.only:
            continue
        node = Node(args.ringlabd, flags)
        try:
            before_info = node.info() if not flags else {}
            before = node.rss_mb()
            bystander = Bystander(node)
            if flags:  # the bystander must authenticate first
                bystander.sock.sendall(resp("AUTH", "right"))
                read_reply(bystander.sock)
            bystander.start()
            outcome = attack(node)
            time.sleep(3)
            bystander.finish()
            after = node.rss_mb()
            if flags:
                s = connect(node.client)
                s.sendall(resp("AUTH", "right"))
                read_reply(s)
                s.sendall(resp("INFO", "everything"))
                text = read_reply(s).decode(errors="replace")
                info = dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)
            else:
                info = node.info()
            moved = ["%s %s" % (c, info[c]) for c in COUNTERS
                     if c in info and info[c] != before_info.get(c, "0")]
            rtts = bystander.rtts or [float("nan")]
            print("| %s | %.0f / %.0f / %.0f | %.1f / %.0f | %d | %s; %s |" % (
                title, before, bystander.peak, after, statistics.median(rtts), max(rtts), bystander.failures,
                outcome, ", ".join(moved) or "no limit counter moved"), flush=True)
        finally:
            node.stop()


if __name__ == "__main__":
    main()
