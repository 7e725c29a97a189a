#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Edge benchmarks of issue 7, each a bounded run that prints a Markdown row (Python 3
standard library; slowhttptest from Debian for the first):

  bench/edge.py slowloris [--bin PATH] [--seconds 30] [--connections 4500]
      slowhttptest opens CONNECTIONS slow-header connections from 127.0.0.1 (one header
      line every 5 s) while a prober asks GET /health from 127.0.0.2 every 100 ms on a new
      connection: its p50/p99 latency and failures, and what slowhttptest reports.

  bench/edge.py frozen [--bin PATH] [--seconds 30]
      The server on a throwaway PostgreSQL cluster (scripts/pg-cluster); 4 clients ask
      GET /rentals in a loop; after 5 s every PostgreSQL process gets SIGSTOP for SECONDS,
      then SIGCONT. Reported: the slowest answer during the freeze, p50/p99, statuses, and
      the time from SIGCONT to the first 200.

  bench/edge.py held [--bin PATH] [--seconds 8] [--connections 64]
      A Vapi stand-in (tests/standins/vapi_api.py) that answers after SECONDS + 0.5 s holds
      CONNECTIONS GET /vapi/assistants requests (the outbound pool's work); wrk measures
      GET /health for 5 s before they are sent and for SECONDS while they are all held.
      SECONDS is at most 8, so that Vapi answers well within the client's 10 s timeout.
      Reported: wrk's req/s, p50 and p99 in both phases, and the held requests' statuses.

--bin defaults to build-bench/peterental (bench/run builds it) and then build/peterental."""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Server:
    def __init__(self, binary, env):
        self.dir = tempfile.mkdtemp(prefix="pete-edge-")
        self.port = free_port()
        self.env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port),
                        DATA_DIR=os.path.join(self.dir, "data"), LOG_FORMAT="json",
                        LOG_LEVEL="warn", **env)
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.binary = binary
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                if self.get("/health", timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def get(self, path, token=None, timeout=30, source=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                       source_address=(source, 0) if source else None)
        try:
            c.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def request(self, method, path, body, token):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=json.dumps(body),
                      headers={"Authorization": "Bearer " + token,
                               "Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def token(self, sub):
        return subprocess.run([self.binary, "token", "--sub", sub], env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def log_lines(self):
        self.log.flush()
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode("utf-8", "replace").splitlines()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def slowloris(args):
    srv = Server(args.bin, {})
    results, stop = [], threading.Event()

    def probe():
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status = srv.get("/health", timeout=5, source="127.0.0.2")[0]
            except OSError as e:
                status = type(e).__name__
            results.append((status, time.monotonic() - t0))
            time.sleep(0.1)

    slow = subprocess.Popen(
        ["slowhttptest", "-H", "-c", str(args.connections), "-r", "1000", "-i", "5",
         "-l", str(args.seconds), "-p", "5", "-u", "http://127.0.0.1:%d/health" % srv.port],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)
    prober = threading.Thread(target=probe)
    prober.start()
    out, _ = slow.communicate(timeout=args.seconds + 60)
    stop.set()
    prober.join()
    srv.stop()
    ok = [t * 1000 for s, t in results if s == 200]
    bad = [s for s, _ in results if s != 200]
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    # slowhttptest's last status block: connected / pending / closed / service available
    last = {}
    for key in ("pending", "connected", "error", "closed", "service available"):
        m = re.findall(r"%s:\s+(\S+)" % key, out)
        peak = max((int(x) for x in m if x.isdigit()), default=None)
        if key == "connected" and peak is not None:
            last["connected at most"] = str(peak)
        if m:
            last[key] = m[-1]
    print("| %s | %d | %d | %.1f | %.1f | %d | %s |" % (
        os.path.basename(os.path.dirname(os.path.abspath(args.bin))), args.connections,
        len(results), pct(ok, 50), pct(ok, 99), len(bad),
        ", ".join("%s %s" % kv for kv in last.items())))


def pg_cluster():
    d = tempfile.mkdtemp(prefix="pete-edge-pg-")
    os.chmod(d, 0o755)
    url = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start",
                          os.path.join(d, "c")], check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    return d, url


def cluster_pids(d):
    with open(os.path.join(d, "c", "data", "postmaster.pid")) as f:
        master = int(f.readline())
    pids = [master]
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    return pids


def frozen(args):
    d, admin = pg_cluster()
    subprocess.run(["psql", admin, "-X", "-q", "-c", "CREATE DATABASE pete_edge"], check=True)
    u = urllib.parse.urlsplit(admin)
    url = urllib.parse.urlunsplit((u.scheme, u.netloc, "/pete_edge", "", ""))
    srv = Server(args.bin, {"DATABASE_URL": url})
    tok = srv.token("frozen-bench")
    srv.request("POST", "/rentals", {"property_address": "1 Bench St, Tulsa, OK 74103"}, tok)
    results, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status = srv.get("/rentals", token=tok, timeout=60)[0]
            except OSError as e:
                status = type(e).__name__
            results.append((t0, time.monotonic(), status))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(5)
    pids = cluster_pids(d)
    t_stop = time.monotonic()
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    time.sleep(args.seconds)
    for p in pids:
        os.kill(p, signal.SIGCONT)
    t_cont = time.monotonic()
    time.sleep(10)
    stop.set()
    for t in threads:
        t.join()
    warnings = sum(1 for line in srv.log_lines() if '"level":"warn"' in line
                   or '"level":"error"' in line)
    srv.stop()
    subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", os.path.join(d, "c")],
                   capture_output=True)
    shutil.rmtree(d, ignore_errors=True)
    during = [(e - s) * 1000 for s, e, _ in results if s >= t_stop and s < t_cont]
    statuses = {}
    for s, _, st in results:
        if t_stop <= s < t_cont:
            statuses[st] = statuses.get(st, 0) + 1
    first_ok = min((e for s, e, st in results if st == 200 and s >= t_cont), default=None)
    # requests already waiting on the database when it froze
    caught = [(e - s) * 1000 for s, e, _ in results if s < t_stop < e]
    print("| %s | %d s | %.0f | %.0f | %.0f | %.0f | %s | %s | %d |" % (
        os.path.basename(os.path.dirname(os.path.abspath(args.bin))), args.seconds,
        max(caught, default=float("nan")), pct(during, 50), pct(during, 99),
        max(during, default=float("nan")),
        " ".join("%s×%d" % kv for kv in sorted(statuses.items(), key=str)),
        "%.2f s" % (first_ok - t_cont) if first_ok else "none", warnings))


def wrk(port, path, seconds):
    """req/s, p50 ms, p99 ms and non-2xx count of wrk -t1 -c4 on path."""
    out = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % seconds, "--latency",
                          "http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                         text=True, timeout=seconds + 60).stdout

    def ms(label):
        m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return (float(rps.group(1)) if rps else float("nan"), ms("50"), ms("99"),
            int(bad.group(1)) if bad else 0)


def held(args):
    sys.path.insert(0, os.path.join(ROOT, "tests", "standins"))
    from vapi_api import VapiStandin
    api = VapiStandin(key="vk_bench").start()
    args.seconds = min(args.seconds, 8)
    api.delay = args.seconds + 0.5
    api.assistants = {"a1": {"id": "a1", "name": "Front desk"}}
    srv = Server(args.bin, {"VAPI_API_URL": api.url, "VAPI_API_KEY": "vk_bench",
                            "OUTBOUND_THREADS": str(args.connections),
                            "MAX_CONNECTIONS_PER_IP": str(args.connections + 64)})
    tok = srv.token("bench-held")
    before = wrk(srv.port, "/health", 5)
    statuses = []

    def one():
        try:
            statuses.append(srv.get("/vapi/assistants", token=tok,
                                    timeout=args.seconds + 60)[0])
        except OSError as e:
            statuses.append(type(e).__name__)

    threads = [threading.Thread(target=one) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for _ in range(200):  # at most 10 s for every request to reach the stand-in
        if api.in_flight >= args.connections:
            break
        time.sleep(0.05)
    reached = api.in_flight
    during = wrk(srv.port, "/health", args.seconds)
    still = api.in_flight
    for t in threads:
        t.join(timeout=args.seconds + 90)
    srv.stop()
    api.stop()
    counts = {}
    for s_ in statuses:
        counts[s_] = counts.get(s_, 0) + 1
    print("| %s | %d held (%d at the stand-in, %d still at the end) | %.0f / %.2f / %.2f | "
          "%.0f / %.2f / %.2f | %d | %s |" % (
              os.path.basename(os.path.dirname(os.path.abspath(args.bin))), args.connections,
              reached, still, before[0], before[1], before[2], during[0], during[1], during[2],
              before[3] + during[3], ", ".join("%s × %d" % kv for kv in sorted(counts.items(),
                                                                               key=str))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=("slowloris", "frozen", "held"))
    default = os.path.join(ROOT, "build-bench", "peterental")
    if not os.path.exists(default):
        default = os.path.join(ROOT, "build", "peterental")
    p.add_argument("--bin", default=default)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--connections", type=int, default=None)
    args = p.parse_args()
    if args.scenario == "held":
        args.seconds = 8 if args.seconds == 30 else args.seconds
        args.connections = args.connections or 64
        print("| build | requests held by Vapi | /health before: req/s / p50 ms / p99 ms | "
              "while held: req/s / p50 ms / p99 ms | non-2xx | held statuses |")
        print("|---|---|---|---|---|---|")
        held(args)
    elif args.scenario == "slowloris":
        args.connections = args.connections or 4500
        print("| build | slow connections | probes | /health p50 ms | p99 ms | failed | "
              "slowhttptest at the end |")
        print("|---|---|---|---|---|---|---|")
        slowloris(args)
    else:
        print("| build | freeze | caught in flight: longest ms | during: p50 ms | p99 ms | "
              "max ms | statuses during | first 200 after SIGCONT | warn/error lines |")
        print("|---|---|---|---|---|---|---|---|---|")
        frozen(args)


if __name__ == "__main__":
    sys.exit(main())
