#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns bench/run's raw results into the Markdown table (medians over rounds, ratio to the
nginx median of the same backend phase, SPEC §8 bars with PASS/FAIL).
Optional METRICS files (metrics-BACKEND.prom, the server's /metrics after its rounds) add
a table of how long the server itself took per GET route.
SERVER.tsv (backend, target, round, p99 µs) holds the server's own p99 of the POST targets'
measured rounds, which `report.py --p99 BEFORE AFTER METHOD ROUTE` computes from two
/metrics snapshots taken around a round (Prometheus' histogram_quantile over the difference).
usage: report.py RESULTS.tsv TARGETS.tsv RSS.tsv SERVER.tsv [METRICS...]
       report.py --p99 BEFORE.prom AFTER.prom METHOD ROUTE"""

import os
import re
import statistics
import sys

P99_BAR_MS = 10.0
RSS_BAR_MIB = 50.0


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def main(results_path, targets_path, rss_path):
    runs = {}
    for backend, target, _rnd, rps, p99_us, non2xx, sock in read_tsv(results_path):
        runs.setdefault((backend, target), []).append(
            (float(rps), int(p99_us), int(non2xx), int(sock)))
    targets = read_tsv(targets_path)  # backend, target, bar ratio ("" = yardstick), note
    rss = [(b, int(k)) for b, k in read_tsv(rss_path)]

    print("| target | backend | req/s (median) | ratio to nginx | p99 ms | bar | result |")
    print("|---|---|---:|---:|---:|---|---|")
    all_pass = True
    for backend, target, bar, note in targets:
        samples = runs.get((backend, target))
        if not samples:
            print("| %s | %s | - | - | - | >= %d%% | SKIPPED (%s) |"
                  % (target, backend, round(float(bar) * 100), note))
            continue
        rps = statistics.median(s[0] for s in samples)
        p99_ms = statistics.median(s[1] for s in samples) / 1000.0
        bad = sum(s[2] + s[3] for s in samples)
        nginx = runs.get((backend, "nginx static"))
        ratio = rps / statistics.median(s[0] for s in nginx) if nginx else float("nan")
        if not bar:
            print("| %s | %s | %.0f | 1.00 | %.2f | yardstick | - |" % (target, backend, rps, p99_ms))
            continue
        want = float(bar)
        ok = ratio >= want and p99_ms < P99_BAR_MS and bad == 0
        all_pass &= ok
        why = []
        if ratio < want:
            why.append("ratio")
        if p99_ms >= P99_BAR_MS:
            why.append("p99")
        if bad:
            why.append("%d errors/non-2xx" % bad)
        print("| %s | %s | %.0f | %.2f | %.2f | >= %d%%, p99 < %g ms | %s |"
              % (target, backend, rps, ratio, p99_ms, round(want * 100), P99_BAR_MS,
                 "PASS" if ok else "FAIL (" + ", ".join(why) + ")"))
    for backend, kib in rss:
        mib = kib / 1024.0
        ok = mib < RSS_BAR_MIB
        all_pass &= ok
        print("| peak RSS (VmHWM) | %s | - | - | - | %.1f MiB < %g MiB | %s |"
              % (backend, mib, RSS_BAR_MIB, "PASS" if ok else "FAIL"))
    return 0 if all_pass else 1


BUCKET = re.compile(r'^peterental_http_request_duration_seconds_bucket\{method="([^"]*)",'
                    r'route="([^"]*)",le="([^"]*)"\} ([0-9]+)$')


def server_side(prom_paths):
    """(backend, route, requests, over 1 ms, over 10 ms) per GET route, from the /metrics
    histogram bench/run scrapes after a backend's rounds (warm-up included): tells a slow
    server apart from a slow client or a busy machine."""
    rows = []
    for path in prom_paths:
        backend = os.path.basename(path)[len("metrics-"):].split(".")[0]
        routes = {}
        with open(path) as f:
            for line in f:
                m = BUCKET.match(line.strip())
                if m and m.group(1) == "GET":
                    routes.setdefault(m.group(2), {})[m.group(3)] = int(m.group(4))
        for route, b in sorted(routes.items()):
            total = b.get("+Inf", 0)
            if total:
                rows.append((backend, route, total, total - b["0.001"], total - b["0.01"]))
    return rows


def print_server_side(prom_paths):
    rows = server_side(prom_paths)
    if not rows:
        return
    print()
    print("Server side (the server's own /metrics histogram, every GET of the run):")
    print()
    print("| backend | route | requests | over 1 ms | over 10 ms |")
    print("|---|---|---:|---:|---:|")
    for backend, route, total, over1, over10 in rows:
        print("| %s | %s | %d | %d (%.3f%%) | %d (%.4f%%) |"
              % (backend, route, total, over1, 100.0 * over1 / total, over10,
                 100.0 * over10 / total))


def buckets(path, method, route):
    """{le: cumulative count} of one route's latency histogram in a /metrics snapshot."""
    out = {}
    with open(path) as f:
        for line in f:
            m = BUCKET.match(line.strip())
            if m and m.group(1) == method and m.group(2) == route:
                out[float(m.group(3))] = int(m.group(4))
    return out


def p99_between(before, after, method, route):
    """The p99 in microseconds of the requests between two snapshots, interpolated inside
    its bucket as Prometheus' histogram_quantile does; -1 without requests."""
    b, a = buckets(before, method, route), buckets(after, method, route)
    les = sorted(a)
    counts = [a[le] - b.get(le, 0) for le in les]
    if not les or counts[-1] <= 0:
        return -1
    rank = 0.99 * counts[-1]
    prev_le, prev_count = 0.0, 0
    for le, c in zip(les, counts):
        if c >= rank:
            if le == float("inf"):
                return int(prev_le * 1e6)
            frac = (rank - prev_count) / (c - prev_count) if c > prev_count else 1.0
            return int((prev_le + (le - prev_le) * frac) * 1e6)
        prev_le, prev_count = le, c
    return -1


def print_server_p99(server_path):
    rows = {}
    for backend, target, _rnd, p99 in read_tsv(server_path):
        if int(p99) >= 0:
            rows.setdefault((backend, target), []).append(int(p99))
    if not rows:
        return
    print()
    print("Server side p99 of the POST targets (its /metrics histogram, before and after each "
          "measured round; interpolated inside the 5-10 ms, 2.5-5 ms... buckets):")
    print()
    print("| target | backend | server p99 ms (median of rounds) | rounds |")
    print("|---|---|---:|---|")
    for (backend, target), v in sorted(rows.items()):
        print("| %s | %s | %.2f | %s |" % (target, backend, statistics.median(v) / 1000.0,
                                          ", ".join("%.2f" % (x / 1000.0) for x in v)))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--p99":
        print(p99_between(*sys.argv[2:6]))
        sys.exit(0)
    rc = main(*sys.argv[1:4])
    print_server_p99(sys.argv[4])
    print_server_side([p for p in sys.argv[5:] if os.path.isfile(p)])
    sys.exit(rc)
