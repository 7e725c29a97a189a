#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prepares the Vapi webhook targets of bench/run (Python 3 standard library). For every
tenant (one JWT per line in --tokens, rentals already seeded by bench/seed.py): opening hours
every day 08:00-20:00 in America/Chicago with no notice, so there are slots to offer, and one
agent (POST /agents). Writes one "secret<TAB>body" line per tenant into --search (a
tool-calls message with one search_rentals call) and --availability (one get_availability
call naming one of the tenant's listings). Exits 1 at the first unexpected answer."""

import argparse
import http.client
import json
import sys
import urllib.parse


def request(conn, method, path, token, body):
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status not in (200, 201):
        sys.exit("%s %s answered %d: %s" % (method, path, r.status, data[:300]))
    return json.loads(data)


def message(assistant, n, name, args):
    return json.dumps({"message": {
        "type": "tool-calls",
        "call": {"id": "bench-call-%d" % n, "assistantId": assistant},
        "toolCallList": [{"id": "bench-tool-%d" % n, "type": "function",
                          "function": {"name": name, "arguments": args}}]}},
        separators=(",", ":"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--search", required=True)
    p.add_argument("--availability", required=True)
    args = p.parse_args()
    u = urllib.parse.urlsplit(args.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    with open(args.tokens) as f:
        tokens = [t.strip() for t in f if t.strip()]
    week = {d: ["08:00-20:00"] for d in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday", "sunday")}
    with open(args.search, "w") as fs, open(args.availability, "w") as fa:
        for n, tok in enumerate(tokens):
            request(conn, "PATCH", "/users/me/settings", tok,
                    {"timezone": "America/Chicago", "business_hours": week,
                     "min_notice_minutes": 0, "slot_minutes": 30})
            assistant = "bench-assistant-%d" % n
            agent = request(conn, "POST", "/agents", tok,
                            {"agent_name": "Bench line %d" % n, "vapi_assistant_id": assistant})
            listing = request(conn, "GET", "/rentals?limit=1&available=true", tok, None)
            address = listing["rentals"][0]["property_address"]
            fs.write("%s\t%s\n" % (agent["webhook_secret"], message(
                assistant, n, "search_rentals", {"bedrooms": 2, "max_price": 2500})))
            fa.write("%s\t%s\n" % (agent["webhook_secret"], message(
                assistant, n, "get_availability", {"property_address": address,
                                                   "days_ahead": 7})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
