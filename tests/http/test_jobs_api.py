#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""GET /jobs and GET /jobs/{id} (SPEC §4 jobs, §5): a tenant reads its own jobs, newest first
in keyset pages, filtered by state and kind; another tenant's job is a 404 byte-identical to a
missing one and absent from lists; bad parameters are a 400 naming them; /metrics counts the
queue by kind and state. Jobs are inserted straight into the database (the queue's own C API
is tested in tests/unit/test_jobs.c); one class runs them with serve's in-process worker."""
import json
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FIELDS = {"id", "kind", "state", "attempts", "max_attempts", "run_after", "created_at",
          "updated_at", "last_error", "result"}


def insert_job(server, user_id, kind="noop", payload="{}", state="queued", attempts=0,
               max_attempts=3, lease_seconds=60, last_error=None, result=None):
    """Inserts one job row as the database owner; returns its id. Text values are test
    constants without quotes."""
    cols = "user_id, kind, payload, state, attempts, max_attempts, lease_seconds"
    vals = "%d, '%s', '%s', '%s', %d, %d, %d" % (user_id, kind, payload, state, attempts,
                                                 max_attempts, lease_seconds)
    if last_error is not None:
        cols += ", last_error"
        vals += ", '%s'" % last_error
    if result is not None:
        cols += ", result"
        vals += ", '%s'" % result
    sql = "INSERT INTO jobs (%s) VALUES (%s) RETURNING id" % (cols, vals)
    if harness.is_postgres():
        return int(server.psql(sql).strip())
    with sqlite3.connect(os.path.join(server.data_dir, "peterental.db"), timeout=10) as db:
        return db.execute(sql).fetchone()[0]


def metric(text, name, **labels):
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            got = ",".join(sorted(line[len(name) + 1:line.index("}")].split(",")))
            if got == want:
                return float(line.rsplit(" ", 1)[1])
    return None


class JobsApi(harness.ServerTestCase):
    server_env = {"WORKER": "off"}  # the rows stay as inserted

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok_a = cls.server.token("jobs-api-a", email="a@example.com")
        cls.tok_b = cls.server.token("jobs-api-b", email="b@example.com")
        cls.user_a = cls.server.request("GET", "/users/me", token=cls.tok_a).json()["user_id"]
        cls.user_b = cls.server.request("GET", "/users/me", token=cls.tok_b).json()["user_id"]
        s = cls.server
        cls.queued = insert_job(s, cls.user_a, payload='{"sleep_ms": 5}')
        cls.done = insert_job(s, cls.user_a, state="succeeded", attempts=1,
                              result='{"slept_ms": 0, "note": "ok"}')
        cls.failed = insert_job(s, cls.user_a, kind="scrape_source", state="failed",
                                attempts=3, last_error="the site answered 500")
        cls.other = insert_job(s, cls.user_b, payload='{"secret": "b-only"}')

    def test_get_shows_state_attempts_error_and_result(self):
        r = self.get("/jobs/%d" % self.done, token=self.tok_a)
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        j = r.json()
        self.assertEqual(set(j), FIELDS)
        self.assertEqual((j["id"], j["kind"], j["state"], j["attempts"], j["max_attempts"]),
                         (self.done, "noop", "succeeded", 1, 3))
        self.assertEqual(j["result"], {"slept_ms": 0, "note": "ok"})
        self.assertIsNone(j["last_error"])
        for k in ("run_after", "created_at", "updated_at"):
            self.assertRegex(j[k], RFC3339)
        j = self.get("/jobs/%d" % self.failed, token=self.tok_a).json()
        self.assertEqual((j["state"], j["attempts"], j["last_error"], j["result"]),
                         ("failed", 3, "the site answered 500", None))
        j = self.get("/jobs/%d" % self.queued, token=self.tok_a).json()
        self.assertEqual((j["state"], j["attempts"], j["result"]), ("queued", 0, None))
        self.assertNotIn("payload", j)

    def test_another_tenants_job_is_the_same_404_as_a_missing_one(self):
        theirs = self.get("/jobs/%d" % self.other, token=self.tok_a)
        missing = self.get("/jobs/%d" % (self.other + 100000), token=self.tok_a)
        garbage = self.get("/jobs/abc", token=self.tok_a)
        zero = self.get("/jobs/0", token=self.tok_a)
        assert_error(self, theirs, 404, "not_found")
        for r in (missing, garbage, zero):
            self.assertEqual(r.status, 404)
            self.assertEqual(r.body, theirs.body)
        self.assertNotIn(b"b-only", theirs.body)
        # and the other way round
        r = self.get("/jobs/%d" % self.done, token=self.tok_b)
        self.assertEqual((r.status, r.body), (404, theirs.body))
        self.assertEqual(self.get("/jobs/%d" % self.other, token=self.tok_b).status, 200)

    def test_lists_hold_the_tenants_jobs_newest_first(self):
        j = self.get("/jobs", token=self.tok_a).json()
        self.assertEqual(set(j), {"jobs", "next_cursor"})
        ids = [x["id"] for x in j["jobs"]]
        self.assertEqual(ids, sorted([self.queued, self.done, self.failed], reverse=True))
        self.assertIsNone(j["next_cursor"])
        for x in j["jobs"]:
            self.assertEqual(set(x), FIELDS)
        j = self.get("/jobs", token=self.tok_b).json()
        self.assertEqual([x["id"] for x in j["jobs"]], [self.other])
        for query in ("?state=succeeded", "?kind=noop", "?limit=200", "?state=queued&kind=noop"):
            ids = [x["id"] for x in self.get("/jobs" + query, token=self.tok_b).json()["jobs"]]
            self.assertNotIn(self.done, ids, query)

    def test_filters_and_pages(self):
        def ids(query):
            r = self.get("/jobs" + query, token=self.tok_a)
            self.assertEqual(r.status, 200, r.body)
            return [x["id"] for x in r.json()["jobs"]]
        self.assertEqual(ids("?state=succeeded"), [self.done])
        self.assertEqual(ids("?state=failed"), [self.failed])
        self.assertEqual(ids("?state=running"), [])
        self.assertEqual(ids("?kind=scrape_source"), [self.failed])
        self.assertEqual(ids("?kind=noop&state=queued"), [self.queued])
        self.assertEqual(ids("?state=&kind="), ids(""))  # empty means any
        # pages of one, following next_cursor to the end
        seen, cursor = [], None
        for _ in range(10):
            q = "?limit=1" + ("&cursor=" + cursor if cursor else "")
            j = self.get("/jobs" + q, token=self.tok_a).json()
            self.assertLessEqual(len(j["jobs"]), 1)
            seen += [x["id"] for x in j["jobs"]]
            cursor = j["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, sorted([self.queued, self.done, self.failed], reverse=True))

    def test_bad_parameters_are_named(self):
        for query, name in (("state=done", "state"), ("state=QUEUED", "state"),
                            ("kind=No-Such", "kind"), ("kind=" + "k" * 65, "kind"),
                            ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"),
                            ("limit=", "limit"), ("limit=-1", "limit"), ("limit=1.5", "limit")):
            with self.subTest(query=query):
                j = assert_error(self, self.get("/jobs?" + query, token=self.tok_a), 400,
                                 "invalid_parameter")
                self.assertIn("'%s'" % name, j["message"])
        for cursor in ("abc", "bm90LWEtY3Vyc29y", "YzE6MTI"):
            assert_error(self, self.get("/jobs?cursor=" + cursor, token=self.tok_a), 400,
                         "invalid_cursor")

    def test_needs_a_token(self):
        for path in ("/jobs", "/jobs/%d" % self.done):
            r = self.get(path)
            assert_error(self, r, 401)
            self.assertIn("Bearer", r.headers.get("www-authenticate", ""))

    def test_metrics_count_the_queue_by_kind_and_state(self):
        r = self.get("/metrics", token=self.tok_a)
        self.assertEqual(r.status, 200)
        text = r.text
        self.assertIn("# TYPE peterental_jobs_queue_depth gauge", text)
        self.assertIn("# TYPE peterental_jobs_failures_total counter", text)
        self.assertIn("# TYPE peterental_jobs_duration_seconds histogram", text)
        # A's queued noop and B's; nothing runs (WORKER=off)
        self.assertEqual(metric(text, "peterental_jobs_queue_depth", kind="noop",
                                state="queued"), 2)
        self.assertEqual(metric(text, "peterental_jobs_queue_depth", kind="noop",
                                state="running"), 0)
        self.assertEqual(metric(text, "peterental_jobs_failures_total", kind="noop"), 0)
        self.assertNotIn("b-only", text)


class JobsInServe(harness.ServerTestCase):
    """serve runs a worker in-process by default."""
    server_env = {"WORKER_THREADS": "2"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = cls.server.token("jobs-serve")
        cls.user = cls.server.request("GET", "/users/me", token=cls.tok).json()["user_id"]

    def wait_for(self, job_id, states, limit=20.0):
        end = time.monotonic() + limit
        while True:
            r = self.get("/jobs/%d" % job_id, token=self.tok)
            self.assertEqual(r.status, 200, r.body)
            j = r.json()
            if j["state"] in states or time.monotonic() > end:
                return j
            time.sleep(0.05)

    def test_a_noop_job_runs_and_succeeds(self):
        job = insert_job(self.server, self.user, payload='{"sleep_ms": 20}')
        j = self.wait_for(job, ("succeeded", "failed"))
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(j["attempts"], 1)
        self.assertEqual(j["result"]["slept_ms"], 20)
        self.assertEqual(j["result"]["attempt"], 1)
        self.assertIsInstance(j["result"]["worker"], str)

    def test_a_failing_job_backs_off_then_fails_with_its_error(self):
        before = self.get("/metrics", token=self.tok).text
        job = insert_job(self.server, self.user, payload='{"fail": "no listings today"}',
                         max_attempts=2)
        j = self.wait_for(job, ("failed",))
        self.assertEqual((j["state"], j["attempts"]), ("failed", 2), j)
        self.assertEqual(j["last_error"], "no listings today")
        self.assertIsNone(j["result"])
        after = self.get("/metrics", token=self.tok).text
        failures = (metric(after, "peterental_jobs_failures_total", kind="noop")
                    - metric(before, "peterental_jobs_failures_total", kind="noop"))
        self.assertEqual(failures, 2)
        count = metric(after, "peterental_jobs_duration_seconds_count", kind="noop")
        self.assertGreaterEqual(count, 2)
        self.assertEqual(metric(after, "peterental_jobs_duration_seconds_bucket", kind="noop",
                                le="+Inf"), count)

    def test_a_bad_payload_fails_at_once(self):
        job = insert_job(self.server, self.user, payload='{"sleep_ms": -5}')
        j = self.wait_for(job, ("failed", "succeeded"))
        self.assertEqual((j["state"], j["attempts"]), ("failed", 1), j)
        self.assertIn("sleep_ms", j["last_error"])


if __name__ == "__main__":
    harness.run()
