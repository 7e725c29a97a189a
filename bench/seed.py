#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeds rentals for bench/run through the HTTP API (POST /rentals), one keep-alive
connection per worker thread. Every tenant (one JWT per line in --tokens) gets --per-tenant
rentals, the first --available of them available (dates: none, past, future), the rest not.
Stops at the first unexpected answer and exits 1 with it."""

import argparse
import datetime
import http.client
import json
import sys
import threading
import urllib.parse


def rental(i, available, today):
    if available:
        kind = i % 4
        date = None if kind == 0 else today + datetime.timedelta(days=(-(i % 30) if kind == 1 else i % 60))
    else:
        date = today + datetime.timedelta(days=30 + i % 90)
    return {
        "property_address": "%d Bench Street Unit %d, Austin, TX 787%02d" % (100 + i, i, i % 50),
        "unit": str(i),
        "city": "Austin",
        "state": "TX",
        "zip": "787%02d" % (i % 50),
        "price": 800 + (i * 37) % 2000,
        "bedrooms": i % 5,
        "bathrooms": 1 + (i % 3) * 0.5,
        "square_feet": 450 + i * 7,
        "property_type": "apartment" if i % 3 else "house",
        "available": available,
        "available_date": date.isoformat() if date else None,
        "description": "Bright unit %d near transit, laundry on site." % i,
        "amenities": ["parking", "laundry"] if i % 2 else ["pool"],
    }


def worker(url, tokens, per_tenant, n_available, errors):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    today = datetime.date.today()
    try:
        for tok in tokens:
            hdrs = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
            for i in range(per_tenant):
                if errors:
                    return
                body = json.dumps(rental(i, i < n_available, today))
                conn.request("POST", "/rentals", body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                if resp.status != 201:
                    errors.append("POST /rentals -> %d %s" % (resp.status, data[:300]))
                    return
    except OSError as e:
        errors.append("POST /rentals: %s" % e)
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--per-tenant", type=int, default=200)
    ap.add_argument("--available", type=int, default=100)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()
    with open(a.tokens) as f:
        tokens = [line.strip() for line in f if line.strip()]
    errors = []
    parts = [tokens[k::a.threads] for k in range(a.threads)]
    threads = [threading.Thread(target=worker, args=(a.url, p, a.per_tenant, a.available, errors))
               for p in parts if p]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("seed failed: %s" % errors[0], file=sys.stderr)
        return 1
    print("seeded %d tenants x %d rentals (%d available)"
          % (len(tokens), a.per_tenant, a.available))
    return 0


if __name__ == "__main__":
    sys.exit(main())
