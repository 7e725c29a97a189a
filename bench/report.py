#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns bench/run's raw results into the Markdown table (medians over rounds, ratio to the
nginx median of the same backend phase, SPEC §8 bars with PASS/FAIL).
Optional METRICS files (metrics-BACKEND.prom, the server's /metrics after its rounds) add
a table of how long the server itself took per GET route.
usage: report.py RESULTS.tsv TARGETS.tsv RSS.tsv [METRICS...]"""

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


if __name__ == "__main__":
    rc = main(*sys.argv[1:4])
    print_server_side([p for p in sys.argv[4:] if os.path.isfile(p)])
    sys.exit(rc)
