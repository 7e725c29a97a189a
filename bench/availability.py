#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The calendar's benchmarks (issue 10), Python 3 standard library plus wrk, nginx and psql:

  bench/availability.py [--bin PATH] [--backends sqlite,postgres] [--tenants N] [--seconds S]
                    [--rounds R] [--connections C] [--threads T] [--races K] [--client py]

1. GET /calendar/availability?days_ahead=14 with 200 appointments and 500 mirrored busy
   times per tenant (every day open 08:00-20:00 UTC, 30-minute slots, a 14-day horizon):
   the appointments are booked through POST /appointments, the busy rows written into
   calendar_busy as the provider sync will. Measured with `wrk -c C -t T --latency` and
   bench/wrk.lua (tokens rotating over the tenants), against nginx serving a static 2-byte
   body on the same machine in the same run (the SPEC §8 yardstick): the median req/s and p99
   of R rounds of S seconds after a warm-up, and the ratio to nginx's median. Without wrk (or
   with --client py) a Python keep-alive client with C connections measures instead (it is
   slower than the server: its figures are a floor, and there is no nginx ratio).
2. The 50-way booking race: 50 clients released together book one slot; the time from their
   release to the last answer, the median of K races; every race must give exactly one 201.

SQLite runs on a fresh DATA_DIR, PostgreSQL on a throwaway cluster from scripts/pg-cluster.
CACHE_MB=0 in the environment measures availability without the response cache (every
request reads the settings and the busy times).
Prints a Markdown table. --bin defaults to build-bench/peterental, then build/peterental."""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BENCH = os.path.join(ROOT, "bench")
APPOINTMENTS = 200
BUSY = 500
RACERS = 50
TARGET = "/calendar/availability?days_ahead=14"
UTC = dt.timezone.utc


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def default_bin():
    for rel in ("build-bench/peterental", "build/peterental"):
        path = os.path.join(ROOT, rel)
        if os.access(path, os.X_OK):
            return path
    sys.exit("no peterental binary: build it or pass --bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, text):
    p = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", text],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("psql: %s" % p.stderr)
    return p.stdout.strip()


def with_db(url, name):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def wait_http(port, proc, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("process exited with %s during start-up" % proc.returncode)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/health" if proc.args[-1] == "serve" else "/")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("no answer on port %d" % port)


def request(port, method, path, token=None, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Authorization": "Bearer " + token} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- nginx, the yardstick ---------------------------------------------------------------------

def start_nginx(work):
    d = os.path.join(work, "nginx")
    os.makedirs(os.path.join(d, "logs"))
    os.makedirs(os.path.join(d, "tmp"))
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes %d;
daemon off;
pid %s/nginx.pid;
error_log %s/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %s/tmp/body;
    proxy_temp_path %s/tmp/proxy;
    fastcgi_temp_path %s/tmp/fastcgi;
    uwsgi_temp_path %s/tmp/uwsgi;
    scgi_temp_path %s/tmp/scgi;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:%d;
        location / { default_type text/plain; return 200 "ok"; }
    }
}
""" % ((os.cpu_count() or 1,) + (d,) * 7 + (port,)))
    proc = subprocess.Popen(["nginx", "-p", d, "-e", os.path.join(d, "logs", "error.log"),
                             "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(port, proc)
    return proc, port


# ---- the server and its data -----------------------------------------------------------------

class Server:
    def __init__(self, binary, backend, work, admin_url):
        self.binary = binary
        self.dir = os.path.join(work, "data-" + backend)
        os.makedirs(self.dir, mode=0o700)
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "CORS_ORIGINS", "MAX_BODY_BYTES")}
        self.env.update(HOST="127.0.0.1", PORT=str(self.port), DATA_DIR=self.dir,
                        LOG_FORMAT="json", LOG_LEVEL="warn")
        self.db_url = None
        if backend == "postgres":
            psql(admin_url, 'CREATE DATABASE "pete_cal_bench"')
            self.db_url = with_db(admin_url, "pete_cal_bench")
            self.env["DATABASE_URL"] = self.db_url
        self.log = open(os.path.join(work, "server-%s.log" % backend), "wb")
        self.proc = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_http(self.port, self.proc)

    def token(self, sub):
        p = subprocess.run([self.binary, "token", "--sub", sub, "--email", sub + "@bench.example",
                            "--ttl", "86400"], env=self.env, capture_output=True, text=True,
                           check=True)
        return p.stdout.strip()

    def sql_many(self, statement, rows):
        if self.db_url:
            values = ",".join("(%s)" % ",".join(
                str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else
                ("true" if v else "false") if isinstance(v, bool) else "'%s'" % v for v in r)
                for r in rows)
            psql(self.db_url, statement + " VALUES " + values)
            return
        con = sqlite3.connect(os.path.join(self.dir, "peterental.db"), timeout=30)
        try:
            with con:
                con.executemany(statement + " VALUES (%s)" % ",".join("?" * len(rows[0])), rows)
        finally:
            con.close()

    def peak_rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        stop(self.proc)
        self.log.close()


def seed_tenant(srv, tok, rnd):
    """Settings, 200 appointments through the API, 500 busy rows through SQL."""
    st, body = request(srv.port, "PUT", "/users/me/settings", tok, {
        "timezone": "UTC", "slot_minutes": 30, "buffer_minutes": 0, "min_notice_minutes": 0,
        "booking_horizon_days": 14,
        "business_hours": {d: ["08:00-20:00"] for d in
                           ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                            "sunday")}})
    if st != 200:
        raise RuntimeError("settings: %d %s" % (st, body[:200]))
    uid = json.loads(request(srv.port, "GET", "/users/me", tok)[1])["user_id"]
    day0 = dt.datetime.now(UTC).date() + dt.timedelta(days=1)
    starts = [dt.datetime.combine(day0 + dt.timedelta(days=d), dt.time(8), UTC)
              + dt.timedelta(minutes=30 * s) for d in range(12) for s in range(24)]
    for t in sorted(rnd.sample(starts, APPOINTMENTS)):
        st, body = request(srv.port, "POST", "/appointments", tok, {
            "property_address": "%d Bench St" % rnd.randrange(1, 999), "start_time": iso(t),
            "attendee_name": "Bench Caller"})
        if st != 201:
            raise RuntimeError("booking: %d %s" % (st, body[:200]))
    rows = []
    for i in range(BUSY):
        s = dt.datetime.combine(day0, dt.time(0), UTC) + dt.timedelta(
            minutes=rnd.randrange(0, 13 * 24 * 60 // 15) * 15)
        e = s + dt.timedelta(minutes=rnd.choice((15, 30, 45, 60, 90)))
        rows.append((uid, "google", "bench-%d" % i, iso(s), iso(e), i % 10 == 0, i % 25 == 0))
    srv.sql_many("INSERT INTO calendar_busy (user_id, source, external_id, start_time, "
                 "end_time, transparent, cancelled)", rows)


# ---- load ---------------------------------------------------------------------------------------

def run_wrk(url, tokens_file, args, seconds):
    env = dict(os.environ, BENCH_TOKENS=tokens_file or "")
    p = subprocess.run(["wrk", "-t%d" % args.threads, "-c%d" % args.connections,
                        "-d%ds" % seconds, "--latency", "-s", os.path.join(BENCH, "wrk.lua"),
                        url], env=env, capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^BENCH (.*)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError("wrk failed: %s %s" % (p.stdout, p.stderr))
    f = dict(kv.split("=") for kv in m.group(1).split())
    return float(f["rps"]), int(f["p99_us"]) / 1000.0, int(f["non2xx"]) + int(f["socket_errors"])


def run_py(port, path, tokens, args, seconds):
    """C keep-alive connections, one thread each, for `seconds`."""
    lat, bad, stop_at = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, i = [], k
        while time.monotonic() < stop_at:
            i += 1
            t0 = time.perf_counter()
            c.request("GET", path, headers={"Authorization": "Bearer " + tokens[i % len(tokens)]})
            r = c.getresponse()
            r.read()
            mine.append(time.perf_counter() - t0)
            if r.status != 200:
                with lock:
                    bad[0] += 1
        c.close()
        with lock:
            lat.extend(mine)

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(args.connections)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lat.sort()
    return len(lat) / (time.monotonic() - t0), lat[int(len(lat) * 0.99)] * 1000.0, bad[0]


def race(srv, tok, start):
    """50 clients book start together: (seconds from release to the last answer, statuses)."""
    barrier = threading.Barrier(RACERS + 1)
    out = [None] * RACERS

    def one(i):
        body = json.dumps({"property_address": "1 Race St", "start_time": iso(start),
                           "attendee_name": "Racer %d" % i}).encode()
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        c.connect()
        barrier.wait()
        c.request("POST", "/appointments", body=body, headers={
            "Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        out[i] = (r.status, time.perf_counter())
        c.close()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(RACERS)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in ts:
        t.join()
    return max(t for _, t in out) - t0, [s for s, _ in out]


# ---- one backend --------------------------------------------------------------------------------

def bench_backend(binary, backend, args, work, nginx_port, admin_url, use_wrk):
    srv = Server(binary, backend, work, admin_url)
    try:
        rnd = random.Random(10)
        tokens = [srv.token("cal-bench-%d" % i) for i in range(args.tenants)]
        tokens_file = os.path.join(work, "tokens-%s.txt" % backend)
        with open(tokens_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        log("%s: seeding %d tenants x %d appointments + %d busy rows" % (
            backend, args.tenants, APPOINTMENTS, BUSY))
        for tok in tokens:
            seed_tenant(srv, tok, rnd)
        st, body = request(srv.port, "GET", TARGET, tokens[0])
        n_slots = len(json.loads(body)["available_slots"])
        log("%s: %d free slots in the answer, %d bytes" % (backend, n_slots, len(body)))
        url = "http://127.0.0.1:%d%s" % (srv.port, TARGET)
        nginx_url = "http://127.0.0.1:%d/" % nginx_port
        res = {"nginx": [], "avail": []}
        if use_wrk:
            run_wrk(nginx_url, None, args, args.warmup)
            run_wrk(url, tokens_file, args, args.warmup)
        else:
            run_py(srv.port, TARGET, tokens, args, args.warmup)
        for r in range(args.rounds):
            if use_wrk:
                res["nginx"].append(run_wrk(nginx_url, None, args, args.seconds))
                res["avail"].append(run_wrk(url, tokens_file, args, args.seconds))
            else:
                res["avail"].append(run_py(srv.port, TARGET, tokens, args, args.seconds))
            load = os.getloadavg()[0]
            log("%s round %d: availability %.0f req/s p99 %.2f ms%s (load average %.1f)" % (
                backend, r + 1, res["avail"][-1][0], res["avail"][-1][1],
                "; nginx %.0f req/s p99 %.2f ms" % res["nginx"][-1][:2] if res["nginx"] else "",
                load))
        race_tok = srv.token("cal-bench-race")
        seed_race = request(srv.port, "PUT", "/users/me/settings", race_tok, {
            "timezone": "UTC", "min_notice_minutes": 0,
            "business_hours": {d: ["00:00-24:00"] for d in
                               ("monday", "tuesday", "wednesday", "thursday", "friday",
                                "saturday", "sunday")}})
        if seed_race[0] != 200:
            raise RuntimeError("race settings: %r" % (seed_race,))
        base = dt.datetime.combine(dt.datetime.now(UTC).date() + dt.timedelta(days=2),
                                   dt.time(0), UTC)
        times = []
        for k in range(args.races):
            secs, statuses = race(srv, race_tok, base + dt.timedelta(minutes=30 * k))
            if statuses.count(201) != 1 or statuses.count(409) != RACERS - 1:
                raise RuntimeError("race %d: statuses %r" % (k, sorted(statuses)))
            times.append(secs)
        return res, times, srv.peak_rss_kib(), n_slots
    finally:
        srv.stop()


def median(rows, i):
    return statistics.median(r[i] for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=None)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--races", type=int, default=5)
    ap.add_argument("--client", choices=("wrk", "py"), default="wrk")
    args = ap.parse_args()
    binary = args.bin or default_bin()
    use_wrk = args.client == "wrk" and shutil.which("wrk") and shutil.which("nginx")
    if args.client == "wrk" and not use_wrk:
        log("wrk or nginx missing (scripts/deps --bench): the Python client measures instead")
    backends = [b for b in args.backends.split(",") if b]
    work = tempfile.mkdtemp(prefix="pete-cal-bench-")
    pgdir = admin = None
    nginx = None
    rows, races = [], []
    try:
        nginx_port = 0
        if use_wrk:
            nginx, nginx_port = start_nginx(work)
        if "postgres" in backends:
            pgdir = tempfile.mkdtemp(prefix="pete-cal-pg-")  # outside work: postgres enters it
            os.rmdir(pgdir)
            admin = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", pgdir],
                                   check=True, capture_output=True, text=True).stdout.strip()
            admin = admin.splitlines()[-1]
        for backend in backends:
            res, times, rss, n_slots = bench_backend(binary, backend, args, work, nginx_port,
                                                     admin, use_wrk)
            rows.append((backend, res, rss, n_slots))
            races.append((backend, times))
    finally:
        if pgdir:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", pgdir],
                           capture_output=True)
        stop(nginx)
        shutil.rmtree(work, ignore_errors=True)
    client = ("wrk -t%d -c%d, %d x %d s" % (args.threads, args.connections, args.rounds,
                                            args.seconds)) if use_wrk else \
        ("Python client, %d connections, %d x %d s" % (args.connections, args.rounds,
                                                       args.seconds))
    print("\n`GET %s`, %d tenants (tokens rotating), each %d appointments + %d busy rows; %s; "
          "medians\n" % (TARGET, args.tenants, APPOINTMENTS, BUSY, client))
    print("| backend | target | req/s | ratio to nginx | p99 ms | bar (>= 5%, p99 < 10 ms) | "
          "errors | slots | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for backend, res, rss, n_slots in rows:
        avail = median(res["avail"], 0)
        p99 = median(res["avail"], 1)
        errors = sum(r[2] for r in res["avail"])
        if res["nginx"]:
            ng = median(res["nginx"], 0)
            print("| %s | nginx static | %.0f | 100%% | %.2f | | %d | | |" % (
                backend, ng, median(res["nginx"], 1), sum(r[2] for r in res["nginx"])))
            ratio = avail / ng
            verdict = "PASS" if ratio >= 0.05 and p99 < 10 and errors == 0 else "FAIL"
            ratio_s = "%.1f%%" % (100 * ratio)
        else:
            ratio_s, verdict = "n/a", "n/a (no wrk)"
        print("| %s | availability | %.0f | %s | %.2f | %s | %d | %d | %.1f |" % (
            backend, avail, ratio_s, p99, verdict, errors, n_slots, rss / 1024.0))
    print("\nThe %d-way booking race (one slot, clients released together; exactly one 201 "
          "each time), %d races\n" % (RACERS, args.races))
    print("| backend | median ms | min ms | max ms |")
    print("|---|---|---|---|")
    for backend, times in races:
        print("| %s | %.1f | %.1f | %.1f |" % (backend, 1000 * statistics.median(times),
                                               1000 * min(times), 1000 * max(times)))


if __name__ == "__main__":
    main()
