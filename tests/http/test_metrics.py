#!/usr/bin/env python3
"""GET /metrics: Prometheus text an operator can scrape. It needs a token like every
non-public endpoint, counts requests by route pattern and status code exactly, keeps its
histograms consistent, reports the pool and caches, and names no tenant, path id or token."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

ROUTES_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "routes.c")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})?'
                    r' (-?[0-9.eE+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def route_table():
    """(method, pattern) pairs of the route table, read from its source."""
    with open(ROUTES_C, encoding="utf-8") as f:
        return set(re.findall(r'\{"([A-Z]+)", "([^"]+)",', f.read()))


def parse(text):
    """{family: type} and [(name, labels dict, value)], asserting the text format on the way:
    every sample line parses, and belongs to a family declared before it."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert name not in types, "family declared twice: " + name
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, raw_labels, value = m.group(1), m.group(2) or "", m.group(3)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, "sample without a # TYPE before it: %r" % line
        labels = dict(LABEL.findall(raw_labels))
        samples.append((name, labels, float(value)))
    return types, samples


class Metrics(harness.ServerTestCase):
    server_env = {"DB_POOL": "5"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ops = cls.server.token("metrics-ops", email="ops@example.com")

    def scrape(self):
        r = self.get("/metrics", token=self.ops)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        return parse(r.text)

    def value(self, samples, name, **labels):
        """The sample's value; 0 for a series not yet written (counters start at zero)."""
        hits = [v for n, l, v in samples
                if n == name and l == {k: str(w) for k, w in labels.items()}]
        self.assertLessEqual(len(hits), 1, "%s %r is not one series" % (name, labels))
        return hits[0] if hits else 0.0

    def test_needs_a_token(self):
        r = self.get("/metrics")
        assert_error(self, r, 401)
        self.assertTrue(r.headers.get("www-authenticate", "").startswith("Bearer"))
        r = self.get("/metrics", headers={"Authorization": "Bearer not.a.token"})
        assert_error(self, r, 401)

    def test_counts_requests_by_route_and_code_exactly(self):
        tenant = self.server.token("metrics-counted", email="counted@example.com")
        _, before = self.scrape()
        for _ in range(3):
            assert_error(self, self.get("/rentals/999999", token=tenant), 404)
        for path in ("/no/such/path", "/rentals/1/2"):
            assert_error(self, self.get(path, token=tenant), 404)
        assert_error(self, self.post("/rentals", body={"property_address": ""}, token=tenant), 422)
        assert_error(self, self.put("/health"), 405)
        assert_error(self, self.get("/database/status"), 401)
        _, after = self.scrape()

        def delta(name, **labels):
            return self.value(after, name, **labels) - self.value(before, name, **labels)

        total = "peterental_http_requests_total"
        self.assertEqual(delta(total, method="GET", route="/rentals/{id}", code="404"), 3)
        self.assertEqual(delta(total, method="POST", route="/rentals", code="422"), 1)
        self.assertEqual(delta(total, method="GET", route="/database/status", code="401"), 1)
        self.assertEqual(delta(total, method="other", route="unmatched", code="404"), 2)
        self.assertEqual(delta(total, method="other", route="unmatched", code="405"), 1)
        self.assertEqual(delta(total, method="GET", route="/metrics", code="200"), 1)
        self.assertEqual(delta("peterental_http_request_duration_seconds_count",
                               method="GET", route="/rentals/{id}"), 3)

    def test_histograms_are_consistent(self):
        tenant = self.server.token("metrics-hist")
        for _ in range(4):
            self.assertEqual(self.get("/users/me", token=tenant).status, 200)
        types, samples = self.scrape()
        self.assertEqual(types["peterental_http_request_duration_seconds"], "histogram")
        series = {}
        for name, labels, value in samples:
            if name.startswith("peterental_http_request_duration_seconds_"):
                key = (labels["method"], labels["route"])
                series.setdefault(key, {"buckets": []})
                if name.endswith("_bucket"):
                    le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
                    series[key]["buckets"].append((le, value))
                else:
                    series[key][name.rsplit("_", 1)[1]] = value
        self.assertGreaterEqual(series[("GET", "/users/me")]["count"], 4)
        for key, s in series.items():
            with self.subTest(series=key):
                les = [le for le, _ in s["buckets"]]
                self.assertEqual(les, sorted(les))
                self.assertEqual(les[-1], float("inf"))
                counts = [c for _, c in s["buckets"]]
                self.assertEqual(counts, sorted(counts), "buckets must be cumulative")
                self.assertEqual(counts[-1], s["count"])
                self.assertGreaterEqual(s["sum"], 0)
                self.assertLess(s["sum"], s["count"] * 60, "seconds, not microseconds")

    def test_labels_name_routes_never_tenants(self):
        tenant = self.server.token("metrics-secret-subject", email="secret.person@example.com")
        r = self.post("/rentals", body={"property_address": "77 Hidden Lane", "price": 1234},
                      token=tenant)
        self.assertEqual(r.status, 201, r.body)
        rid = r.json()["id"]
        self.assertEqual(self.get("/rentals/%d" % rid, token=tenant).status, 200)
        r = self.get("/metrics", token=self.ops)
        text = r.text
        for secret in ("metrics-secret-subject", "secret.person@example.com", "Hidden Lane",
                       "/rentals/%d\"" % rid, tenant, self.ops):
            self.assertNotIn(secret, text)
        table = route_table()
        _, samples = parse(text)
        for name, labels, _ in samples:
            if "route" in labels:
                pair = (labels["method"], labels["route"])
                self.assertTrue(pair in table or pair == ("other", "unmatched"), pair)

    def test_pool_caches_and_process(self):
        tenant = self.server.token("metrics-cache")
        r = self.post("/rentals", body={"property_address": "1 Cache Street"}, token=tenant)
        self.assertEqual(r.status, 201, r.body)
        _, before = self.scrape()
        for _ in range(3):
            self.assertEqual(self.get("/rentals", token=tenant).status, 200)
        _, after = self.scrape()

        def delta(name):
            return self.value(after, name) - self.value(before, name)

        # the first list after the write renders; the next two are served from the cache
        self.assertEqual(delta("peterental_response_cache_misses_total"), 1)
        self.assertEqual(delta("peterental_response_cache_hits_total"), 2)
        self.assertGreaterEqual(self.value(after, "peterental_response_cache_entries"), 1)
        self.assertGreater(self.value(after, "peterental_response_cache_bytes"), 0)
        self.assertGreaterEqual(delta("peterental_tenant_cache_hits_total")
                                + delta("peterental_tenant_cache_misses_total"), 4)

        self.assertEqual(self.value(after, "peterental_db_pool_connections"), 5)
        in_use = self.value(after, "peterental_db_pool_connections_in_use")
        self.assertTrue(0 <= in_use <= 5, in_use)
        self.assertEqual(self.value(after, "peterental_db_pool_exhausted_total"), 0)
        self.assertGreaterEqual(self.value(after, "peterental_http_requests_in_flight"), 1)

        db = "postgresql" if harness.is_postgres() else "sqlite"
        info = [l for n, l, v in after if n == "peterental_build_info" and v == 1]
        self.assertEqual(len(info), 1)
        self.assertEqual(info[0]["database"], db)
        self.assertEqual(info[0]["version"], self.get("/").json()["version"])
        started = self.value(after, "peterental_process_start_time_seconds")
        self.assertTrue(time.time() - 3600 < started <= time.time() + 1, started)
        self.assertGreater(self.value(after, "peterental_process_resident_memory_bytes"), 1 << 20)


if __name__ == "__main__":
    harness.run()
