# SPDX-License-Identifier: MIT
"""HTTP test harness: starts a real `peterental serve` per test class and talks to it.

Python 3 standard library only. Environment:
  PETE_BIN          the peterental binary (default: build/peterental next to this tree)
  PETE_BACKEND      "sqlite" (default) or "postgres"
  PETE_TEST_PG_URL  admin URL of a throwaway PostgreSQL cluster (postgres backend only)

Every test file ends with
    if __name__ == "__main__":
        harness.run()
and imports this module through its own directory (see the sys.path lines in test files).

API (see the SPEC and tests/http/test_service.py for use):
  Server(extra_env=None, share_with=None, wrapper=None): .start(), .stop(), .url, .data_dir, .env,
      .database_url, .token(sub, email=None, name=None, ttl=None), .request(method, path, ...),
      .psql(sql), .log_text(), .log_records()
      share_with=<a started Server>: a second instance on the first one's storage (same
      DATA_DIR, so the same SQLite file, issuer key and master key; on PostgreSQL also the
      same database). Stopping it leaves that storage alone; stop it before the first.
      wrapper=[argv...]: a command the server runs under (valgrind); start-up may then take
      up to WRAPPED_START_TIMEOUT_S.
  sanitized(): True when PETE_BIN is the ASan+UBSan build (scripts/test sets PETE_SANITIZE).
  ServerTestCase: one Server per class; self.get/post/put/patch/delete/options.
  assert_error(testcase, resp, status, code=None)
  run()
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

START_TIMEOUT_S = 20.0
WRAPPED_START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 10.0

# Configuration keys the server reads (SPEC §2): removed from the inherited environment so a
# developer's shell cannot change what a test sees. Tests pass what they need in extra_env.
_CONFIG_KEYS = (
    "HOST", "PORT", "DATA_DIR", "DATABASE_URL", "PUBLIC_URL", "FRONTEND_URL", "CORS_ORIGINS",
    "AUTH_ISSUERS", "CLERK_JWKS_URL", "CLERK_JWT_KEY", "CLERK_ISSUER",
    "CLERK_AUTHORIZED_PARTIES", "CLERK_WEBHOOK_SECRET", "SIGNUP", "MASTER_KEY",
    "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET", "MICROSOFT_TENANT_ID",
    "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "MICROSOFT_AUTH_URL", "MICROSOFT_GRAPH_URL",
    "GOOGLE_AUTH_URL", "GOOGLE_API_URL", "VAPI_API_URL", "VAPI_API_KEY",
    "SCRAPE_ALLOW_PRIVATE", "LOG_LEVEL", "LOG_FORMAT", "MAX_BODY_BYTES", "CACHE_MB",
)

# Markers of a sanitizer report in the server's output: a report is a test failure.
_SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                      "ThreadSanitizer", "UndefinedBehaviorSanitizer")


def backend():
    return os.environ.get("PETE_BACKEND", "sqlite") or "sqlite"


def is_postgres():
    return backend() == "postgres"


def sanitized():
    return os.environ.get("PETE_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")


def pete_bin():
    b = os.environ.get("PETE_BIN")
    if b:
        return b
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "build", "peterental"))


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_url_with_db(url, dbname):
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, "/" + dbname, p.query, p.fragment))


def _run_psql(url, sql, check=True):
    cmd = ["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError("psql failed (%d): %s\n%s" % (p.returncode, sql, p.stderr))
    return p.stdout


class Response:
    """An HTTP response: status, headers (lower-case names; repeated headers joined by ", "
    except set-cookie, kept in .header_list), body bytes."""

    def __init__(self, status, header_list, body):
        self.status = status
        self.header_list = [(k.lower(), v) for k, v in header_list]
        self.headers = {}
        for k, v in self.header_list:
            if k in self.headers:
                self.headers[k] = self.headers[k] + ", " + v
            else:
                self.headers[k] = v
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header_values(self, name):
        name = name.lower()
        return [v for k, v in self.header_list if k == name]

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:300])


def exchange(host, port, method, path, body, headers, timeout=REQUEST_TIMEOUT_S,
             encode_chunked=False):
    """One request on a fresh connection. A server may answer (e.g. 413) and close before
    the whole body is sent: the answer is still read."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=body, headers=headers,
                         encode_chunked=encode_chunked)
        except (BrokenPipeError, ConnectionResetError) as e:
            try:
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException):
                raise e
        else:
            resp = conn.getresponse()
        payload = resp.read()
        return Response(resp.status, resp.getheaders(), payload)
    finally:
        conn.close()


class Server:
    """One `peterental serve` process with its own DATA_DIR (and database on PostgreSQL),
    or, with share_with, on the DATA_DIR and database of another, already started Server."""

    def __init__(self, extra_env=None, share_with=None, wrapper=None):
        self.extra_env = dict(extra_env or {})
        self.share_with = share_with
        self.wrapper = list(wrapper or [])
        self.url = None
        self.port = None
        self.host = "127.0.0.1"
        self.data_dir = None
        self.env = None
        self.database_url = None
        self.db_name = None
        self.admin_url = None
        self.proc = None
        self.exit_code = None
        self._root = None
        self._log_path = None
        self._log_file = None
        self._final_log = None
        self.stopped = False  # stop() was called (the process did not die on its own)

    # ---- life cycle ----

    def start(self):
        try:
            self._start()
        except BaseException:
            log = self.log_text()
            self.stop()
            self._final_log = log
            raise
        return self

    def _start(self):
        self._root = tempfile.mkdtemp(prefix="pete-http-")
        self._log_path = os.path.join(self._root, "server.log")
        env = {k: v for k, v in os.environ.items() if k not in _CONFIG_KEYS}
        owner = self.share_with
        if owner is not None:
            # Shared storage: the owner's DATA_DIR and database, never created or removed here
            # (self.db_name stays None, so stop() drops nothing; _root holds only the log).
            if owner.data_dir is None:
                raise RuntimeError("share_with needs a started Server")
            self.data_dir = owner.data_dir
            if owner.database_url:
                self.admin_url = owner.admin_url
                self.database_url = owner.database_url
                env["DATABASE_URL"] = self.database_url
        else:
            self.data_dir = os.path.join(self._root, "data")
            os.mkdir(self.data_dir)

        if is_postgres() and owner is None:
            admin = os.environ.get("PETE_TEST_PG_URL")
            if not admin:
                raise RuntimeError("PETE_BACKEND=postgres needs PETE_TEST_PG_URL")
            self.admin_url = admin
            self.db_name = "pete_t_" + secrets.token_hex(6)
            _run_psql(admin, 'CREATE DATABASE "%s"' % self.db_name)
            self.database_url = _pg_url_with_db(admin, self.db_name)
            env["DATABASE_URL"] = self.database_url

        last_error = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            run_env = dict(env)
            run_env.update({
                "HOST": self.host,
                "PORT": str(self.port),
                "DATA_DIR": self.data_dir,
                "LOG_FORMAT": "json",
            })
            run_env.update({k: str(v) for k, v in self.extra_env.items()})
            if "DATABASE_URL" in self.extra_env:
                self.database_url = self.extra_env["DATABASE_URL"] or None
            self.env = run_env
            self.url = "http://%s:%d" % (self.host, self.port)
            self._log_file = open(self._log_path, "ab")
            self.proc = subprocess.Popen(self.wrapper + [pete_bin(), "serve"], env=run_env,
                                         stdin=subprocess.DEVNULL, stdout=self._log_file,
                                         stderr=subprocess.STDOUT)
            try:
                self._wait_healthy()
                return
            except RuntimeError as e:
                last_error = e
                self._kill()
                if "in use" not in self.log_text().lower():
                    break
        raise last_error

    def _wait_healthy(self):
        deadline = time.monotonic() + (WRAPPED_START_TIMEOUT_S if self.wrapper
                                       else START_TIMEOUT_S)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("peterental serve exited with %s during start-up; log:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            try:
                r = self.request("GET", "/health", timeout=1.0)
                if r.status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError("peterental serve not healthy in time; log:\n%s"
                           % self.log_text())

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=WRAPPED_START_TIMEOUT_S if self.wrapper
                               else STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT_S)
        if self.proc is not None:
            self.exit_code = self.proc.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, bounded wait, kill; removes DATA_DIR and drops the test database.
        Returns the server's exit code (None if it never started)."""
        if self.alive():
            self.stopped = True
        self._kill()
        if self._final_log is None and self._log_path and os.path.exists(self._log_path):
            self._final_log = self.log_text()
        if self.db_name and self.admin_url:
            try:
                _run_psql(self.admin_url,
                          'ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % self.db_name, check=False)
                _run_psql(self.admin_url,
                          'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.db_name, check=False)
            finally:
                self.db_name = None
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
        return self.exit_code

    def log_text(self):
        """Everything the server printed (stdout and stderr), also after stop()."""
        if self._log_path and os.path.exists(self._log_path):
            if self._log_file is not None:
                self._log_file.flush()
            with open(self._log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        return self._final_log or ""

    def log_records(self):
        """The JSON log lines as dicts (lines that are not JSON objects are skipped)."""
        out = []
        for line in self.log_text().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out

    def sanitizer_report(self):
        """The first sanitizer report line in the log, or None."""
        for line in self.log_text().splitlines():
            if any(m in line for m in _SANITIZER_MARKERS):
                return line
        return None

    # ---- helpers ----

    def token(self, sub, email=None, name=None, ttl=None):
        """A JWT from `peterental token` (the built-in issuer of this server)."""
        cmd = [pete_bin(), "token", "--sub", str(sub)]
        if email is not None:
            cmd += ["--email", email]
        if name is not None:
            cmd += ["--name", name]
        if ttl is not None:
            cmd += ["--ttl", str(ttl)]
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("peterental token failed (%d): %s" % (p.returncode, p.stderr))
        return p.stdout.strip()

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                cookies=None, timeout=REQUEST_TIMEOUT_S):
        """Sends one request on a fresh connection. body (dict/list/str/number) is sent as
        JSON; raw (bytes or str) as is. Never raises on HTTP error statuses."""
        hdrs = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw.encode("utf-8") if isinstance(raw, str) else raw
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % (k, v) for k, v in cookies.items())
        # Caller headers win (case-insensitively).
        for k, v in (headers or {}).items():
            for existing in [e for e in hdrs if e.lower() == k.lower()]:
                del hdrs[existing]
            hdrs[k] = v
        return exchange(self.host, self.port, method, path, data, hdrs, timeout=timeout)

    def psql(self, sql):
        """Runs SQL as the admin on this server's test database (PostgreSQL only);
        returns psql's stdout (unaligned, tuples only: one row per line, '|' between
        columns)."""
        db_name = self.db_name
        if not db_name and self.share_with is not None:
            db_name = self.share_with.db_name
        if not db_name:
            raise RuntimeError("psql() needs the postgres backend")
        return _run_psql(_pg_url_with_db(self.admin_url, db_name), sql)

    def psql_admin(self, sql):
        """Runs SQL as the admin on the cluster's maintenance database (PostgreSQL only)."""
        if not self.admin_url:
            raise RuntimeError("psql_admin() needs the postgres backend")
        return _run_psql(self.admin_url, sql)

    def pg_block(self):
        """Makes the test database unreachable: refuses new connections and ends the
        existing ones (PostgreSQL only). Undo with pg_unblock()."""
        self.psql_admin('ALTER DATABASE "%s" ALLOW_CONNECTIONS false' % self.db_name)
        self.psql_admin("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = '%s'" % self.db_name)

    def pg_unblock(self):
        self.psql_admin('ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % self.db_name)


class ServerTestCase(unittest.TestCase):
    """One server per test class, started with the class attribute server_env. Tearing down
    fails the class when the server died early, printed a sanitizer report, or did not exit
    0 on SIGTERM."""

    server_env = {}
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(dict(cls.server_env)).start()

    @classmethod
    def tearDownClass(cls):
        srv = cls.server
        cls.server = None
        if srv is not None:
            crashed = not srv.alive() and not srv.stopped
            srv.stop()
            report = srv.sanitizer_report()
            if crashed:
                raise AssertionError("server died during the tests (exit %s); log tail:\n%s"
                                     % (srv.exit_code, srv.log_text()[-4000:]))
            if report:
                raise AssertionError("sanitizer report in server log: %s\n%s"
                                     % (report, srv.log_text()[-8000:]))
            if srv.exit_code != 0:
                raise AssertionError("server exited with %s on SIGTERM (want 0: drain and exit);"
                                     " log tail:\n%s" % (srv.exit_code, srv.log_text()[-4000:]))
        super().tearDownClass()

    def request(self, method, path, **kw):
        return self.server.request(method, path, **kw)

    def get(self, path, **kw):
        return self.server.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.server.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.server.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.server.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.server.request("DELETE", path, **kw)

    def options(self, path, **kw):
        return self.server.request("OPTIONS", path, **kw)


_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def wait_for(pred, what, timeout=30.0):
    """pred()'s first true value, asked every 0.1 s; AssertionError naming what after timeout
    seconds (a generous bound: the worker and outside stand-ins share a loaded machine)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def assert_error(testcase, resp, status, code=None):
    """Checks a SPEC §5 error: status, JSON content type, {"status":"error","code","message"}.
    Returns the parsed body."""
    testcase.assertEqual(resp.status, status, "status; body: %r" % resp.body[:500])
    ctype = resp.headers.get("content-type", "")
    testcase.assertTrue(ctype.startswith("application/json"),
                        "content-type %r for an error" % ctype)
    try:
        j = resp.json()
    except ValueError:
        testcase.fail("error body is not JSON: %r" % resp.body[:500])
    testcase.assertIsInstance(j, dict, "error body is not an object")
    testcase.assertEqual(j.get("status"), "error", "error body: %r" % j)
    testcase.assertIsInstance(j.get("code"), str, "error body: %r" % j)
    testcase.assertRegex(j["code"], _SNAKE, "code is not snake_case")
    if code is not None:
        testcase.assertEqual(j["code"], code, "error body: %r" % j)
    testcase.assertIsInstance(j.get("message"), str, "error body: %r" % j)
    testcase.assertTrue(j["message"].strip(), "empty error message")
    return j


class _CountingResult(unittest.TextTestResult):
    """Counts passed/failed per test id; errors, failed subtests and unexpected successes
    count as failed; a class set-up error counts as one failure."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcome = {}

    def _mark(self, test, ok):
        key = test.id()
        if not ok:
            self.outcome[key] = False
        else:
            self.outcome.setdefault(key, True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._mark(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mark(test, False)

    def addError(self, test, err):
        super().addError(test, err)
        self._mark(test, False)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._mark(test, False)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._mark(test, False)


def run():
    """Runs the calling module's tests (verbosity 2), prints `N passed, N failed`, exits 0
    only when every test passed. Arguments: -v (ignored), -k PATTERN (repeatable), or test
    names (Class or Class.test_name)."""
    args = sys.argv[1:]
    patterns, names = [], []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-k" and i + 1 < len(args):
            patterns.append(args[i + 1])
            i += 2
            continue
        if not a.startswith("-"):
            names.append(a)
        i += 1
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = ["*%s*" % p if "*" not in p else p for p in patterns]
    main = sys.modules["__main__"]
    if names:
        suite = loader.loadTestsFromNames(names, main)
    else:
        suite = loader.loadTestsFromModule(main)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=_CountingResult, stream=sys.stdout)
    result = runner.run(suite)
    passed = sum(1 for ok in result.outcome.values() if ok)
    failed = sum(1 for ok in result.outcome.values() if not ok)
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    sys.exit(0 if failed == 0 and passed > 0 else 1)
