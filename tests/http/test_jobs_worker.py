#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`peterental worker` processes sharing one database with a serve (WORKER=off): a worker
killed with SIGKILL in the middle of a job loses nothing (once its lease runs out another
worker runs the job, which then succeeds exactly once); 500 jobs of two tenants and two
worker processes (on PostgreSQL one database, on SQLite two processes on one file): every job
succeeds, each run exactly once (attempts 1, one success line in the two workers' logs); a
failing job backs off and ends failed with its error; SIGTERM drains (exit 0, a short job
finishes, a long one is released back to queued, no job left running). Jobs are inserted
straight into the database with a short lease where a test needs one. Every wait is bounded
and ends as soon as its state is reached; nothing measures speed."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SUCCEEDED = re.compile(r"job (\d+) \(noop\) attempt \d+/\d+ succeeded")
WORKER_ID = re.compile(r"worker (\S+): \d+ threads")
START_TIMEOUT_S = 60.0 if harness.sanitized() else 20.0


class Db:
    """The test database as its owner: SQLite file or the server's PostgreSQL database.
    SQL here holds integers and test constants only."""

    def __init__(self, server):
        self.server = server

    def rows(self, sql):
        if harness.is_postgres():
            out = self.server.psql(sql)
            return [tuple(line.split("|")) for line in out.splitlines() if line]
        path = os.path.join(self.server.data_dir, "peterental.db")
        with sqlite3.connect(path, timeout=10) as db:
            return [tuple("" if v is None else str(v) for v in row)
                    for row in db.execute(sql).fetchall()]

    def run(self, sql):
        if harness.is_postgres():
            self.server.psql(sql)
            return
        path = os.path.join(self.server.data_dir, "peterental.db")
        with sqlite3.connect(path, timeout=10) as db:
            db.execute(sql)

    def insert(self, user_id, payload, count=1, lease_seconds=60, max_attempts=3):
        """Inserts count noop jobs; returns their ids in order."""
        if harness.is_postgres():
            sql = ("INSERT INTO jobs (user_id, kind, payload, lease_seconds, max_attempts) "
                   "SELECT %d, 'noop', '%s', %d, %d FROM generate_series(1, %d) "
                   "RETURNING id" % (user_id, payload, lease_seconds, max_attempts, count))
            return sorted(int(line) for line in self.server.psql(sql).split())
        path = os.path.join(self.server.data_dir, "peterental.db")
        with sqlite3.connect(path, timeout=10) as db:
            cur = db.executemany(
                "INSERT INTO jobs (user_id, kind, payload, lease_seconds, max_attempts) "
                "VALUES (?, 'noop', ?, ?, ?)",
                [(user_id, payload, lease_seconds, max_attempts)] * count)
            last = db.execute("SELECT max(id) FROM jobs").fetchone()[0]
            return list(range(last - cur.rowcount + 1, last + 1))

    def job(self, job_id):
        """(state, attempts, locked_by, last_error, result) of a job."""
        rows = self.rows("SELECT state, attempts, locked_by, last_error, result FROM jobs "
                         "WHERE id = %d" % job_id)
        state, attempts, locked_by, last_error, result = rows[0]
        return state, int(attempts), locked_by, last_error, result


class Worker:
    """One `peterental worker` process on the storage of server."""

    def __init__(self, server, **env):
        self.dir = tempfile.mkdtemp(prefix="pete-worker-")
        self.log_path = os.path.join(self.dir, "worker.log")
        run_env = dict(server.env)
        run_env.update({"LOG_LEVEL": "debug", "WORKER_THREADS": "2"})
        run_env.update({k: str(v) for k, v in env.items()})
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([harness.pete_bin(), "worker"], env=run_env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.id = None

    def text(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_ready(self):
        end = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < end:
            m = WORKER_ID.search(self.text())
            if m:
                self.id = m.group(1)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("worker did not start; log:\n" + self.text()[-4000:])

    def succeeded(self):
        return [int(x) for x in SUCCEEDED.findall(self.text())]

    def stop(self, timeout=30.0):
        """SIGTERM and the exit code (None when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                return None
        return self.proc.returncode

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)

    def sanitizer_report(self):
        for line in self.text().splitlines():
            if any(m in line for m in harness._SANITIZER_MARKERS):
                return line
        return None


class WorkerProcesses(harness.ServerTestCase):
    server_env = {"WORKER": "off"}  # only the worker processes run jobs

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = Db(cls.server)
        tok_a = cls.server.token("worker-a")
        tok_b = cls.server.token("worker-b")
        cls.user_a = cls.server.request("GET", "/users/me", token=tok_a).json()["user_id"]
        cls.user_b = cls.server.request("GET", "/users/me", token=tok_b).json()["user_id"]

    def setUp(self):
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            report = w.sanitizer_report()
            w.close()
            self.assertIsNone(report, "sanitizer report in a worker's log")

    def worker(self, **env):
        w = Worker(self.server, **env)
        self.workers.append(w)
        return w.wait_ready()

    def wait_job(self, job_id, pred, limit=20.0):
        end = time.monotonic() + limit
        while True:
            job = self.db.job(job_id)
            if pred(job) or time.monotonic() > end:
                return job
            time.sleep(0.05)

    def test_killed_worker_loses_nothing(self):
        # a 5 s job with a 6 s lease; the worker dies as soon as the job is seen running
        # (long enough that a loaded machine cannot finish it before the kill)
        [job] = self.db.insert(self.user_a, '{"sleep_ms": 5000}', lease_seconds=6)
        first = self.worker()
        state = self.wait_job(job, lambda j: j[0] == "running")
        self.assertEqual((state[0], state[1], state[2]), ("running", 1, first.id))
        first.kill9()
        self.assertEqual(self.db.job(job)[0], "running")  # nobody finished it
        second = self.worker()
        state = self.wait_job(job, lambda j: j[0] in ("succeeded", "failed"), limit=40.0)
        self.assertEqual(state[0], "succeeded", state)
        self.assertEqual(state[1], 2)  # the lost attempt, then the one that succeeded
        self.assertIsNone(state[3] or None)
        self.assertIn('"worker"', state[4])
        self.assertIn(second.id, state[4])
        self.assertEqual(first.succeeded(), [])
        self.assertEqual(second.succeeded(), [job])
        self.assertEqual(second.stop(), 0)

    def test_500_jobs_two_workers_each_job_once(self):
        ids = (self.db.insert(self.user_a, "{}", count=250)
               + self.db.insert(self.user_b, "{}", count=250))
        self.assertEqual(len(set(ids)), 500)
        workers = [self.worker(), self.worker()]
        self.assertNotEqual(workers[0].id, workers[1].id)
        lo, hi = min(ids), max(ids)
        end = time.monotonic() + 120.0
        while time.monotonic() < end:
            [(done,)] = self.db.rows("SELECT count(*) FROM jobs WHERE state = 'succeeded' "
                                     "AND id BETWEEN %d AND %d" % (lo, hi))
            if int(done) == 500:
                break
            time.sleep(0.1)
        for w in workers:
            self.assertEqual(w.stop(), 0)
        rows = self.db.rows("SELECT id, state, attempts FROM jobs WHERE id BETWEEN %d AND %d"
                            % (lo, hi))
        self.assertEqual(len(rows), 500, "no job lost")
        not_once = [r for r in rows if r[1] != "succeeded" or int(r[2]) != 1]
        self.assertEqual(not_once, [], "every job succeeded on its first and only claim")
        runs = workers[0].succeeded() + workers[1].succeeded()
        self.assertEqual(sorted(runs), sorted(ids), "each job ran exactly once")

    def test_failing_job_backs_off_and_ends_failed(self):
        [job] = self.db.insert(self.user_b, '{"fail": "the site is down"}', max_attempts=3)
        self.worker()
        seen_backoff = False
        end = time.monotonic() + 30.0
        while time.monotonic() < end:
            state, attempts, _, last_error, _ = self.db.job(job)
            if state == "queued" and attempts >= 1:
                seen_backoff = True
                self.assertEqual(last_error, "the site is down")
            if state == "failed":
                break
            time.sleep(0.02)
        state, attempts, locked_by, last_error, result = self.db.job(job)
        self.assertEqual((state, attempts, last_error), ("failed", 3, "the site is down"))
        self.assertEqual((locked_by, result), ("", ""))
        self.assertTrue(seen_backoff, "queued again between attempts")

    def test_sigterm_drains(self):
        # a short job finishes within the drain bound
        [short] = self.db.insert(self.user_a, '{"sleep_ms": 1500}')
        w = self.worker(WORKER_DRAIN_SECONDS=10)
        self.wait_job(short, lambda j: j[0] == "running")
        self.assertEqual(w.stop(), 0)
        self.assertEqual(self.db.job(short)[:2], ("succeeded", 1))
        self.assertEqual(w.succeeded(), [short])
        # a long one is interrupted at the bound and released, its attempt not counted
        [long_job] = self.db.insert(self.user_a, '{"sleep_ms": 30000}')
        w = self.worker(WORKER_DRAIN_SECONDS=1)
        self.wait_job(long_job, lambda j: j[0] == "running")
        self.assertEqual(w.stop(timeout=20.0), 0)
        state, attempts, locked_by, _, _ = self.db.job(long_job)
        self.assertEqual((state, attempts, locked_by), ("queued", 0, ""))
        [(running,)] = self.db.rows("SELECT count(*) FROM jobs WHERE state = 'running'")
        self.assertEqual(int(running), 0, "no job left running")
        self.db.run("DELETE FROM jobs WHERE id = %d" % long_job)


class WorkerSettings(harness.ServerTestCase):
    """Bad worker settings stop the program with a sentence naming them."""

    def run_cmd(self, args, **env):
        run_env = dict(self.server.env)
        run_env.update(env)
        return subprocess.run([harness.pete_bin()] + args, env=run_env, capture_output=True,
                              text=True, timeout=60)

    def test_bad_settings_are_named(self):
        for args, env, name in ((["worker", "--threads", "0"], {}, "--threads"),
                                (["worker", "--threads", "65"], {}, "--threads"),
                                (["worker", "--bogus"], {}, "unknown option"),
                                (["worker"], {"WORKER_THREADS": "0"}, "WORKER_THREADS"),
                                (["worker"], {"WORKER_DRAIN_SECONDS": "x"}, "WORKER_DRAIN_SECONDS"),
                                (["serve"], {"WORKER": "maybe"}, "WORKER")):
            with self.subTest(args=args, env=env):
                p = self.run_cmd(args, **env)
                self.assertEqual(p.returncode, 2, p.stderr)  # a configuration error: 2
                self.assertIn(name, p.stderr)

    def test_help(self):
        p = self.run_cmd(["worker", "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: peterental worker", p.stdout)
        self.assertIn("--threads", p.stdout)
        p = self.run_cmd(["--help"])
        self.assertIn("worker", p.stdout)


if __name__ == "__main__":
    harness.run()
