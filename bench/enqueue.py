#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What enqueuing a job adds to a request (issue 9), Python 3 standard library plus wrk:

  bench/enqueue.py --bin NEW --old-bin OLD [--backends sqlite,postgres] [--seconds 10]
                   [--rounds 3] [--tenants 10]

POST /database/sources creates a source; since issue 12 the same transaction also enqueues
the source's first sync (jobs_enqueue). OLD is a build from before that (the same request
without the job), NEW one with it. Each round starts each build on a fresh database with
WORKER=off (queued jobs stay queued, so no worker competes for the two cores) and runs
`wrk -t2 -c32 -dS --latency -s bench/wrk_sources.lua` (a new URL every request, tenants
rotating); the builds alternate within a round. Reported: median req/s, wrk's p99 and the
server's own p99 for the route (its /metrics histogram before and after, as bench/run
does), and the difference NEW - OLD. PostgreSQL runs on a throwaway cluster
(scripts/pg-cluster)."""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BENCH = os.path.join(ROOT, "bench")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, text):
    subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", text], check=True,
                   capture_output=True, timeout=120)


def get(url, token=None, timeout=10):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token
                                 else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


class Server:
    def __init__(self, binary, backend, admin_url, tenants):
        self.dir = tempfile.mkdtemp(prefix="pete-enqueue-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), WORKER="off",
                        DATA_DIR=os.path.join(self.dir, "data"), LOG_LEVEL="warn",
                        LOG_FORMAT="json")
        self.env.pop("DATABASE_URL", None)
        self.admin, self.db = admin_url, None
        if backend == "postgres":
            self.db = "pete_enqueue_%d" % self.port
            psql(admin_url, 'CREATE DATABASE "%s"' % self.db)
            u = urllib.parse.urlsplit(admin_url)
            self.env["DATABASE_URL"] = urllib.parse.urlunsplit(
                (u.scheme, u.netloc, "/" + self.db, u.query, u.fragment))
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                get(self.url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start; see %s" % self.dir)
        self.tokens = os.path.join(self.dir, "tokens.txt")
        with open(self.tokens, "w") as f:
            for i in range(tenants):
                tok = subprocess.run([binary, "token", "--sub", "enqueue-%d" % i], env=self.env,
                                     check=True, capture_output=True, text=True).stdout.strip()
                get(self.url + "/users/me", tok)
                f.write(tok + "\n")
        with open(self.tokens) as f:
            self.first = f.readline().strip()

    def metrics(self, path):
        with open(path, "wb") as f:
            f.write(get(self.url + "/metrics", self.first))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        if self.db:
            psql(self.admin, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.db)
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(srv, seconds):
    before, after = (os.path.join(srv.dir, n) for n in ("before.prom", "after.prom"))
    srv.metrics(before)
    out = subprocess.run(["wrk", "-t2", "-c32", "-d%ds" % seconds, "--latency", "-s",
                          os.path.join(BENCH, "wrk_sources.lua"), srv.url],
                         env=dict(os.environ, BENCH_TOKENS=srv.tokens), capture_output=True,
                         text=True, timeout=seconds + 60).stdout
    srv.metrics(after)
    line = re.search(r"^BENCH (.*)$", out, re.M)
    if not line:
        raise RuntimeError("no summary from wrk:\n" + out)
    v = dict(kv.split("=") for kv in line.group(1).split())
    server = int(subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), "--p99",
                                 before, after, "POST", "/database/sources"],
                                capture_output=True, text=True, check=True).stdout)
    return float(v["rps"]), int(v["p99_us"]) / 1000.0, server / 1000.0, int(v["non2xx"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--old-bin", required=True)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tenants", type=int, default=10)
    args = ap.parse_args()
    pg_dir, admin = None, None
    rows = []
    try:
        for backend in args.backends.split(","):
            if backend == "postgres" and not admin:
                pg_dir = tempfile.mkdtemp(prefix="pete-enqueue-pg-")
                os.chmod(pg_dir, 0o755)
                admin = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start",
                                        pg_dir], check=True, capture_output=True,
                                       text=True).stdout.strip().splitlines()[-1]
            got = {"old": [], "new": []}
            for r in range(args.rounds):
                for name, binary in (("old", args.old_bin), ("new", args.bin)):
                    srv = Server(binary, backend, admin, args.tenants)
                    try:
                        got[name].append(measure(srv, args.seconds))
                    finally:
                        srv.stop()
                    print("# %s %s round %d: %s" % (backend, name, r + 1, got[name][-1]),
                          file=sys.stderr, flush=True)
            med = {k: [statistics.median(x[i] for x in v) for i in range(3)]
                   for k, v in got.items()}
            bad = sum(x[3] for v in got.values() for x in v)
            rows.append((backend, med, bad))
    finally:
        if pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", pg_dir],
                           capture_output=True)
    print("| backend | without the job: req/s / wrk p99 ms / server p99 ms | with it | "
          "added wrk p99 ms | added server p99 ms | non-2xx |")
    print("|---|---|---|---:|---:|---:|")
    for backend, m, bad in rows:
        print("| %s | %.0f / %.2f / %.2f | %.0f / %.2f / %.2f | %+.2f | %+.2f | %d |" % (
            backend, *m["old"], *m["new"], m["new"][1] - m["old"][1],
            m["new"][2] - m["old"][2], bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
