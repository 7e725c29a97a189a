#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns bench/run's raw results into the Markdown table (medians over rounds, ratio to the
nginx median of the same backend phase, SPEC §8 bars with PASS/FAIL).
usage: report.py RESULTS.tsv TARGETS.tsv RSS.tsv"""

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


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
