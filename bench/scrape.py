#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scraping (issue 12), Python 3 standard library plus psql for PostgreSQL:

  bench/scrape.py [--bin PATH] [--backends sqlite,postgres] [--cards 500] [--runs 20]
                  [--rounds 3] [--out DIR]

(a) Extraction: a generated AppFolio-style index page of --cards complete cards (about 1 MiB
    for 500) is extracted by `peterental scrape --file PAGE --repeat N URL` (N = --runs, in
    one process): the median time per page is the program's own measurement of
    scrape_extract alone; peak RSS is the process's (wait4's ru_maxrss), next to the same
    command on a page without listings (what the process needs before any page).
(b) Sync: for each backend, `peterental serve` (fresh DATA_DIR; PostgreSQL: a throwaway cluster
    from scripts/pg-cluster) and the loopback listing-site stand-in serving that page. Each
    round is a new tenant and source: its first sync creates the listings, then every rent is
    changed and it is synced again, then synced once more unchanged. Reported per kind of
    sync (median of --rounds): the job's own timing (fetch, extract, store: the rentals
    transaction) and the wall time from POST /database/sources/{id}/scrape to the job's
    success as GET /jobs/{id} shows it (polled every 20 ms; robots.txt is cached after the
    first round, and a sync waits its host's turn: one request per second).

--bin defaults to build-bench/peterental (bench/run builds it) and then build/peterental."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "http"))
sys.path.insert(0, os.path.join(ROOT, "tests", "standins"))

import harness  # noqa: E402
from listing_site import ListingSite  # noqa: E402

STREETS = ("N Classen Blvd", "NW 13th St", "Kickingbird Rd", "Memorial Dr", "S Walker Ave",
           "NE 23rd St", "W Britton Rd", "Lincoln Blvd", "N Hudson Ave", "SE 29th St")


def default_bin():
    for rel in ("build-bench/peterental", "build/peterental"):
        path = os.path.join(ROOT, rel)
        if os.access(path, os.X_OK):
            return path
    sys.exit("no peterental binary: build it or pass --bin")


def card(i, bump):
    """One AppFolio-style card with every field (so no detail page is followed)."""
    uid = "%08x-5a5a-4b4b-8c8c-%012x" % (i * 7919, i)
    street = "%d %s" % (100 + i, STREETS[i % len(STREETS)])
    unit = "%d%s" % (1 + i % 4, "ABCD"[i % 4])
    rent = "{:,}".format(650 + (i * 37) % 1900 + bump)
    beds, baths, sqft = i % 4, 1 + (i % 3) * 0.5, 450 + (i * 13) % 1600
    avail = "%d/%d/27" % (1 + i % 12, 1 + i % 28)
    return (
        '<div class="listing-item result js-listing-item" id="listing_%d">\n'
        '<div class="listing-item__figure-container"><a href="/listings/detail/%s">'
        '<div class="listing-item__figure"><img class="listing-item__image lazy '
        'js-listing-image" src="/assets/place_holder-blank.png" data-original="https://images.'
        'cdn.example/bench/%s/medium.jpg" alt="%s - %s"><div class="listing-item__blurb">'
        '<div class="js-listing-blurb-rent">$%s</div><span class="js-listing-blurb-bed-bath">'
        '%d bd / %g ba</span></div></div></a></div>\n'
        '<div class="listing-item__body"><h2 class="listing-item__title js-listing-title">'
        '<a href="/listings/detail/%s">Bright %d bed home on %s</a></h2>\n'
        '<p><span class="js-listing-address">%s - %s, Oklahoma City, OK 731%02d</span></p>\n'
        '<div class="detail-box js-listing-quick-facts"><dl>'
        '<div class="detail-box__item"><dt class="detail-box__label">RENT</dt>'
        '<dd class="detail-box__value">$%s</dd></div>'
        '<div class="detail-box__item"><dt class="detail-box__label">Square Feet</dt>'
        '<dd class="detail-box__value">{:,}</dd></div>'
        '<div class="detail-box__item"><dt class="detail-box__label">Bed / Bath</dt>'
        '<dd class="detail-box__value">%d bd / %g ba</dd></div>'
        '<div class="detail-box__item"><dt class="detail-box__label">Available</dt>'
        '<dd class="detail-box__value js-listing-available">%s</dd></div></dl></div>\n'
        '<p class="js-listing-description">Second-floor unit with new flooring, quartz '
        'counters, a stacked washer and dryer and a covered parking space. Walk to the shops '
        'and restaurants of the district; water, trash and sewer are billed back monthly. '
        'Small pets welcome with a deposit. Card %d of the benchmark page.</p></div>\n'
        '<div class="listing-item__actions"><a class="btn js-link-to-detail" '
        'href="/listings/detail/%s">View Details</a> <a class="btn js-listing-apply" '
        'href="/listings/rental_applications/new?listable_uid=%s">Apply Now</a></div>\n'
        '</div>\n'
        % (i, uid, uid, street, unit, rent, beds, baths, uid, beds, STREETS[i % len(STREETS)],
           street, unit, i % 100, rent, beds, baths, avail, i, uid, uid)).format(sqft)


def page(cards, bump=0):
    head = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Available Rentals | '
            'Bench Property Management</title></head><body class="listings">\n'
            '<div id="result_container" class="listings js-listings-container">\n')
    return head + "".join(card(i, bump) for i in range(cards)) + "</div></body></html>\n"


def run_extract(binary, path, runs):
    """(median ms, listings, peak RSS KiB) of `peterental scrape --file`, as the process
    reports them (its RSS from /proc/self/status: a child's rusage would count the forking
    Python process too)."""
    p = subprocess.run([binary, "scrape", "--file", path, "--repeat", str(runs),
                        "http://bench.example/listings"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("scrape --file failed: %s" % p.stderr)
    m = re.search(r"(\d+) listings, median ([\d.]+) ms.*peak RSS (\d+) KiB", p.stderr)
    return float(m.group(2)), int(m.group(1)), int(m.group(3))


def bench_extract(binary, cards, runs, out_dir):
    path = os.path.join(out_dir, "bench-page.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page(cards))
    empty = os.path.join(out_dir, "empty-page.html")
    with open(empty, "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><html><body><p>No listings.</p></body></html>")
    size = os.path.getsize(path)
    ms, n, rss = run_extract(binary, path, runs)
    _, _, base = run_extract(binary, empty, 1)
    if n != cards:
        raise RuntimeError("extracted %d listings of %d" % (n, cards))
    return size, ms, n, rss, base


def wait_job(srv, tok, job_id, limit=120.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        j = srv.request("GET", "/jobs/%d" % job_id, token=tok).json()
        if j["state"] in ("succeeded", "failed"):
            return j
        time.sleep(0.02)
    raise RuntimeError("job %d not done in %.0f s" % (job_id, limit))


def sync_once(srv, tok, source_id, want):
    t0 = time.monotonic()
    r = srv.request("POST", "/database/sources/%d/scrape" % source_id, token=tok)
    if r.status != 202:
        raise RuntimeError("scrape: %d %r" % (r.status, r.body[:200]))
    j = wait_job(srv, tok, r.json()["job_id"])
    wall = (time.monotonic() - t0) * 1000.0
    if j["state"] != "succeeded":
        raise RuntimeError("sync failed: %s" % j["last_error"])
    res = j["result"]
    for k, v in want.items():
        if res[k] != v:
            raise RuntimeError("sync: %s is %r, not %r" % (k, res[k], v))
    t = res["timing_ms"]
    return {"fetch": t["fetch"], "extract": t["extract"], "store": t["store"], "wall": wall}


def bench_sync(binary, backend, admin, cards, rounds):
    os.environ["PETE_BIN"] = binary
    os.environ["PETE_BACKEND"] = backend
    if admin:
        os.environ["PETE_TEST_PG_URL"] = admin
    # WORKER_THREADS 1: the rounds run one sync at a time anyway
    srv = harness.Server({"SCRAPE_ALLOW_PRIVATE": "true", "LOG_LEVEL": "warn",
                          "WORKER_THREADS": "1"}).start()
    site = ListingSite().start()
    kinds = {"create": [], "change": [], "unchanged": []}
    try:
        for r in range(rounds):
            tok = srv.token("bench-%d" % r)
            site.put("/listings", page(cards))
            site.hold()  # the source's own first sync is the one clicked (and timed below)
            s = srv.request("POST", "/database/sources", token=tok,
                            body={"url": site.url("/listings")}).json()
            t0 = time.monotonic()
            job = srv.request("POST", "/database/sources/%d/scrape" % s["id"],
                              token=tok).json()["job_id"]
            site.release()
            j = wait_job(srv, tok, job)
            t = j["result"]["timing_ms"]
            if j["result"]["created"] != cards:
                raise RuntimeError("first sync created %r" % j["result"]["created"])
            kinds["create"].append({"fetch": t["fetch"], "extract": t["extract"],
                                    "store": t["store"],
                                    "wall": (time.monotonic() - t0) * 1000.0})
            site.put("/listings", page(cards, bump=10))
            kinds["change"].append(sync_once(srv, tok, s["id"], {"changed": cards}))
            kinds["unchanged"].append(sync_once(srv, tok, s["id"], {"unchanged": cards}))
    finally:
        site.stop()
        srv.stop()
    return {k: {m: statistics.median(x[m] for x in v) for m in ("fetch", "extract", "store",
                                                                  "wall")}
            for k, v in kinds.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=None)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--cards", type=int, default=500)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    binary = os.path.abspath(args.bin or default_bin())
    out_dir = args.out or tempfile.mkdtemp(prefix="pete-scrape-bench-")
    os.makedirs(out_dir, exist_ok=True)
    size, ms, n, rss, base = bench_extract(binary, args.cards, args.runs, out_dir)
    print("Extraction: %d cards, %d bytes (%.2f MiB), %d runs in one process\n"
          % (n, size, size / 1048576.0, args.runs))
    print("| page | median ms per page | peak RSS MiB | peak RSS without a page MiB |")
    print("|---|---:|---:|---:|")
    print("| %d cards, %.2f MiB | %.1f | %.1f | %.1f |\n"
          % (n, size / 1048576.0, ms, rss / 1024.0, base / 1024.0))
    backends = [b for b in args.backends.split(",") if b]
    pgdir = admin = None
    rows = []
    try:
        if "postgres" in backends:
            pgdir = tempfile.mkdtemp(prefix="pete-scrape-pg-")
            os.rmdir(pgdir)
            admin = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", pgdir],
                                   check=True, capture_output=True, text=True).stdout.strip()
        for backend in backends:
            res = bench_sync(binary, backend, admin, args.cards, args.rounds)
            for kind in ("create", "change", "unchanged"):
                rows.append((backend, kind, res[kind]))
                print("# %s %s: %r" % (backend, kind, res[kind]), file=sys.stderr)
    finally:
        if pgdir:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", pgdir],
                           capture_output=True)
    print("Sync of %d listings (medians of %d rounds; ms)\n" % (args.cards, args.rounds))
    print("| backend | sync | fetch | extract | store (one transaction) | click to job done |")
    print("|---|---|---:|---:|---:|---:|")
    for backend, kind, m in rows:
        print("| %s | %s %d | %.0f | %.0f | %.0f | %.0f |"
              % (backend, {"create": "creates", "change": "changes",
                           "unchanged": "leaves unchanged"}[kind], args.cards,
                 m["fetch"], m["extract"], m["store"], m["wall"]))


if __name__ == "__main__":
    main()
