#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No-op jobs per second (issue 9), Python 3 standard library plus psql for PostgreSQL:

  bench/jobs.py [--bin PATH] [--backends sqlite,postgres] [--jobs N] [--threads T]
                [--workers 1,2] [--rounds R]

For each backend and worker count: a fresh database (SQLite file, or a database on a throwaway
cluster from scripts/pg-cluster), migrated by `peterental migrate`; W `peterental worker`
processes with T threads each are started and left idle until ready; then N noop jobs ({}, no
sleep) of one tenant are inserted in one transaction. Jobs per second are (N - 1) divided by
the time from the first job's success to the last one's, read from the workers' own log lines
(LOG_LEVEL=debug: one line per job with a millisecond timestamp), so the idle threads' poll
interval before the first claim does not count. The median of R rounds is reported as a
Markdown table. Every job is checked to have succeeded on its first claim.

--bin defaults to build-bench/peterental (bench/run builds it) and then build/peterental."""

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def default_bin():
    for rel in ("build-bench/peterental", "build/peterental"):
        path = os.path.join(ROOT, rel)
        if os.access(path, os.X_OK):
            return path
    sys.exit("no peterental binary: build it or pass --bin")


def psql(url, sql):
    p = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


def with_db(url, name):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


class Store:
    """One fresh database: SQL helpers for the owner, and the environment for peterental."""

    def __init__(self, backend, admin_url, tag):
        self.dir = tempfile.mkdtemp(prefix="pete-jobs-bench-")
        self.env = dict(os.environ, DATA_DIR=os.path.join(self.dir, "data"),
                        LOG_FORMAT="json", LOG_LEVEL="debug")
        self.env.pop("DATABASE_URL", None)
        self.pg = backend == "postgres"
        if self.pg:
            self.name = "pete_jobs_bench_%s" % tag
            self.admin = admin_url
            psql(admin_url, 'DROP DATABASE IF EXISTS "%s"' % self.name)
            psql(admin_url, 'CREATE DATABASE "%s"' % self.name)
            self.url = with_db(admin_url, self.name)
            self.env["DATABASE_URL"] = self.url

    def sql(self, text):
        if self.pg:
            return psql(self.url, text)
        with sqlite3.connect(os.path.join(self.dir, "data", "peterental.db"), timeout=30) as db:
            rows = db.execute(text).fetchall()
        return "\n".join("|".join(str(v) for v in r) for r in rows)

    def close(self):
        if self.pg:
            psql(self.admin, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_worker(binary, env, threads, log_dir, i):
    log = open(os.path.join(log_dir, "worker-%d.log" % i), "wb")
    env = dict(env, WORKER_THREADS=str(threads))
    proc = subprocess.Popen([binary, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def wait_ready(path, proc, limit=60.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with open(path, "rb") as f:
            if b"threads, kinds" in f.read():
                return
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("worker did not start: see %s" % path)


def success_times(log_dir, workers):
    """Timestamps (epoch seconds) of the workers' job success lines."""
    out = []
    for i in range(workers):
        with open(os.path.join(log_dir, "worker-%d.log" % i), "rb") as f:
            for line in f:
                if b"succeeded in" not in line:
                    continue
                t = json.loads(line)["time"]
                out.append(datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
                           .replace(tzinfo=datetime.timezone.utc).timestamp())
    return sorted(out)


def one_round(binary, backend, admin_url, workers, threads, jobs, tag):
    store = Store(backend, admin_url, tag)
    procs = []
    try:
        subprocess.run([binary, "migrate"], env=store.env, check=True, capture_output=True,
                       timeout=120)
        user = int(store.sql("INSERT INTO users (issuer, subject, created_at, updated_at) "
                             "VALUES ('bench', 'bench', '2026-01-01T00:00:00Z', "
                             "'2026-01-01T00:00:00Z') RETURNING id").split()[0])
        for i in range(workers):
            procs.append(start_worker(binary, store.env, threads, store.dir, i))
        for i, (proc, _) in enumerate(procs):
            wait_ready(os.path.join(store.dir, "worker-%d.log" % i), proc)
        if store.pg:
            store.sql("INSERT INTO jobs (user_id, kind, payload) SELECT %d, 'noop', '{}' "
                      "FROM generate_series(1, %d)" % (user, jobs))
        else:
            store.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                      "WHERE i < %d) INSERT INTO jobs (user_id, kind, payload) "
                      "SELECT %d, 'noop', '{}' FROM n" % (jobs, user))
        t0 = time.monotonic()
        while True:
            done = int(store.sql("SELECT count(*) FROM jobs WHERE state = 'succeeded'"))
            if done >= jobs:
                break
            if time.monotonic() - t0 > 600:
                raise RuntimeError("only %d of %d jobs done after 600 s" % (done, jobs))
            time.sleep(0.05)
        bad = int(store.sql("SELECT count(*) FROM jobs WHERE state <> 'succeeded' "
                            "OR attempts <> 1"))
        if bad:
            raise RuntimeError("%d jobs did not succeed on their first claim" % bad)
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            if proc.wait(timeout=60) != 0:
                raise RuntimeError("a worker exited with %d" % proc.returncode)
        times = success_times(store.dir, workers)
        if len(times) != jobs:
            raise RuntimeError("%d success lines for %d jobs" % (len(times), jobs))
        return times[-1] - times[0]
    finally:
        for proc, log in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
        store.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=None)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    binary = args.bin or default_bin()
    backends = [b for b in args.backends.split(",") if b]
    pgdir = admin = None
    rows = []
    try:
        if "postgres" in backends:
            pgdir = tempfile.mkdtemp(prefix="pete-jobs-pg-")
            os.rmdir(pgdir)
            admin = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", pgdir],
                                   check=True, capture_output=True, text=True).stdout.strip()
        for backend in backends:
            for workers in [int(w) for w in args.workers.split(",")]:
                times = []
                for r in range(args.rounds):
                    tag = "%s_%d_%d_%d" % (backend, workers, r, os.getpid())
                    times.append(one_round(binary, backend, admin, workers, args.threads,
                                           args.jobs, tag))
                    print("# %s, %d worker(s), round %d: %.2f s" % (backend, workers, r + 1,
                                                                   times[-1]), file=sys.stderr)
                med = statistics.median(times)
                n = args.jobs - 1
                rows.append((backend, workers, args.threads, args.jobs, med, n / med,
                             n / max(times), n / min(times)))
    finally:
        if pgdir:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", pgdir],
                           capture_output=True)
    print("| backend | worker processes | threads each | jobs | first to last success, median s "
          "| jobs/s (median) "
          "| jobs/s (min-max) |")
    print("|---|---|---|---|---|---|---|")
    for b, w, t, n, med, rate, lo, hi in rows:
        print("| %s | %d | %d | %d | %.2f | %.0f | %.0f-%.0f |" % (b, w, t, n, med, rate, lo, hi))


if __name__ == "__main__":
    main()
