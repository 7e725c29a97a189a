# SPDX-License-Identifier: MIT
"""HTTP behaviour of built-in accounts (SPEC §5 Auth): sign-up, login and logout with the
`session` cookie, validation, duplicate emails, Argon2id storage, the same answer for a wrong
password and an unknown email, failed-login limits per email and per address and sign-up
limits per address (429 with Retry-After, kept in the database), the client address behind
TRUSTED_PROXIES, a sign-up burst that must not stall the server, and SIGNUP=closed."""

import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

PASSWORD = "correct horse battery"


def sql_rows(server, sql):
    if harness.is_postgres():
        return [line.split("|") for line in server.psql(sql).splitlines() if line]
    con = sqlite3.connect(os.path.join(server.data_dir, "peterental.db"), timeout=10)
    try:
        return [["" if v is None else str(v) for v in row] for row in con.execute(sql)]
    finally:
        con.close()


def post_raw(server, path, body, headers=(), source=None, timeout=30):
    """POSTs JSON with headers as (name, value) pairs (a name may repeat), from the loopback
    source address `source` when given (any 127.0.0.0/8 address works on Linux), so tests
    can play several clients without trusting any header."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        data = json.dumps(body).encode("utf-8")
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(data)))
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders(data)
        resp = conn.getresponse()
        return harness.Response(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def failure_counts(server, prefix="ip:"):
    """{key: count} of the rate_limits rows whose key starts with prefix."""
    rows = sql_rows(server, "SELECT key, count FROM rate_limits WHERE key LIKE '%s%%'"
                    % prefix)
    return {k: int(c) for k, c in rows}


def cookie_attrs(resp):
    """The session Set-Cookie of resp as (value, {attribute lower-case: value})."""
    cookies = [c for c in resp.header_values("set-cookie") if c.startswith("session=")]
    if len(cookies) != 1:
        raise AssertionError("expected one session cookie, got %r" % cookies)
    parts = [p.strip() for p in cookies[0].split(";")]
    value = parts[0][len("session="):]
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.lower()] = v
    return value, attrs


class Accounts(harness.ServerTestCase):
    """Fewer than 20 failed logins in this class: the per-address limit is tested apart."""

    _source = 0

    def signup(self, email, password=PASSWORD, first="Pete", last="Renter"):
        # each from its own loopback address: these tests are not about the per-address
        # sign-up limit (SignupLimit is)
        Accounts._source += 1
        return post_raw(self.server, "/auth/signup",
                        {"email": email, "password": password, "first_name": first,
                         "last_name": last},
                        source="127.0.6.%d" % Accounts._source)

    def test_signup_gives_token_user_and_cookie(self):
        r = self.signup("New.Owner@Example.com")
        self.assertEqual(r.status, 201, r.body)
        j = r.json()
        self.assertEqual(set(j), {"token", "user"})
        u = j["user"]
        self.assertEqual(u["email"], "new.owner@example.com")
        self.assertEqual((u["first_name"], u["last_name"], u["full_name"]),
                         ("Pete", "Renter", "Pete Renter"))
        self.assertTrue(u["clerk_user_id"].startswith("usr_"))
        self.assertIsInstance(u["user_id"], int)
        value, attrs = cookie_attrs(r)
        self.assertEqual(value, j["token"])
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite", "").lower(), "lax")
        self.assertEqual(attrs.get("path"), "/")
        self.assertEqual(attrs.get("max-age"), str(7 * 24 * 3600))
        self.assertNotIn("secure", attrs)  # PUBLIC_URL is http here
        me = self.get("/users/me", token=j["token"])
        self.assertEqual(me.status, 200, me.body)
        self.assertEqual(me.json(), u)
        by_cookie = self.get("/users/me", cookies={"session": value})
        self.assertEqual(by_cookie.status, 200, by_cookie.body)
        self.assertEqual(by_cookie.json()["user_id"], u["user_id"])

    def test_password_stored_as_argon2id(self):
        r = self.signup("hash.check@example.com")
        self.assertEqual(r.status, 201, r.body)
        rows = sql_rows(self.server, "SELECT password_hash FROM credentials WHERE "
                                     "email = 'hash.check@example.com'")
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0][0].startswith("$argon2id$"), rows[0][0][:20])
        self.assertNotIn(PASSWORD, rows[0][0])
        self.assertNotIn(PASSWORD, self.server.log_text())

    def test_signup_validation(self):
        j = assert_error(self, self.signup("someone@example.com", password="short"), 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["password"])
        j = assert_error(self, self.signup("not-an-email"), 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["email"])
        j = assert_error(self, self.signup("bad@", password="123"), 422)
        self.assertEqual({e["field"] for e in j["errors"]}, {"email", "password"})
        j = assert_error(self, self.post("/auth/signup", body={}), 422)
        self.assertEqual({e["field"] for e in j["errors"]}, {"email", "password"})
        j = assert_error(self, self.post("/auth/signup", body={"email": 5, "password": PASSWORD}),
                         400)
        self.assertIn("email", j["message"])
        # exactly ten characters is enough
        self.assertEqual(self.signup("ten.chars@example.com", password="0123456789").status,
                         201)

    def test_duplicate_email_is_409(self):
        self.assertEqual(self.signup("dup@example.com").status, 201)
        assert_error(self, self.signup("DUP@example.com", password="another password"), 409)
        # the first account still logs in with its own password
        r = self.post("/auth/login", body={"email": "dup@example.com", "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)

    def test_login_and_logout(self):
        u = self.signup("login.ok@example.com").json()["user"]
        r = self.post("/auth/login", body={"email": "Login.OK@example.com", "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["user"], u)
        value, attrs = cookie_attrs(r)
        self.assertEqual(value, j["token"])
        self.assertIn("httponly", attrs)
        self.assertEqual(self.get("/users/me", token=j["token"]).json()["user_id"], u["user_id"])
        out = self.post("/auth/logout", cookies={"session": value})
        self.assertEqual(out.status, 204, out.body)
        value, attrs = cookie_attrs(out)
        self.assertEqual(value, "")
        self.assertEqual(attrs.get("max-age"), "0")
        self.assertIn("httponly", attrs)

    def test_logout_revokes_the_session_token(self):
        j = self.signup("revoke.me@example.com").json()
        tok = j["token"]
        other = self.post("/auth/login", body={"email": "revoke.me@example.com",
                                               "password": PASSWORD}).json()["token"]
        self.assertEqual(self.get("/users/me", token=tok).status, 200)
        out = self.post("/auth/logout", token=tok)
        self.assertEqual(out.status, 204, out.body)
        for how in ({"token": tok}, {"cookies": {"session": tok}}):
            r = self.get("/users/me", **how)
            assert_error(self, r, 401)
            self.assertIn("bearer", r.headers.get("www-authenticate", "").lower())
        # the account's other session is untouched, and ends by its cookie
        self.assertEqual(self.get("/users/me", token=other).status, 200)
        self.assertEqual(self.post("/auth/logout", cookies={"session": other}).status, 204)
        assert_error(self, self.get("/users/me", token=other), 401)
        # logging out again, or with a token that never was, is harmless
        self.assertEqual(self.post("/auth/logout", token=tok).status, 204)
        self.assertEqual(self.post("/auth/logout", token="not.a.token").status, 204)
        self.assertEqual(self.post("/auth/logout").status, 204)

    def test_logout_reaches_every_instance(self):
        tok = self.signup("everywhere@example.com").json()["token"]
        same_issuer = {"PUBLIC_URL": self.server.url}
        twin = harness.Server(same_issuer, share_with=self.server).start()
        try:
            self.assertEqual(twin.request("GET", "/users/me", token=tok).status, 200)
            self.assertEqual(self.post("/auth/logout", token=tok).status, 204)
            status, deadline = 200, time.monotonic() + 10
            while status == 200 and time.monotonic() < deadline:
                time.sleep(0.2)
                status = twin.request("GET", "/users/me", token=tok).status
            self.assertEqual(status, 401, "the other instance still accepts the token")
            # an instance started later knows it too
            late = harness.Server(same_issuer, share_with=self.server).start()
            try:
                status, deadline = 200, time.monotonic() + 10
                while status == 200 and time.monotonic() < deadline:
                    status = late.request("GET", "/users/me", token=tok).status
                    time.sleep(0.1)
                self.assertEqual(status, 401)
            finally:
                late.stop()
        finally:
            twin.stop()

    def test_wrong_password_and_unknown_email_look_the_same(self):
        self.signup("same.answer@example.com")
        wrong = self.post("/auth/login", body={"email": "same.answer@example.com",
                                               "password": "wrong password!"})
        unknown = self.post("/auth/login", body={"email": "nobody.here@example.com",
                                                 "password": "wrong password!"})
        a = assert_error(self, wrong, 401, "invalid_credentials")
        b = assert_error(self, unknown, 401, "invalid_credentials")
        self.assertEqual(a, b)
        self.assertEqual(wrong.header_values("set-cookie"), [])

    def test_login_needs_both_fields(self):
        j = assert_error(self, self.post("/auth/login", body={"email": "x@example.com"}), 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["password"])
        assert_error(self, self.post("/auth/login", body={"email": "x@example.com",
                                                          "password": 12}), 400)

    def test_failures_per_email_are_limited(self):
        self.signup("limited@example.com")
        body = {"email": "limited@example.com", "password": "not the password"}
        for i in range(5):
            assert_error(self, self.post("/auth/login", body=body), 401, "invalid_credentials")
        r = self.post("/auth/login", body=body)
        assert_error(self, r, 429)
        retry = int(r.headers.get("retry-after", "0"))
        self.assertTrue(0 < retry <= 900, retry)
        # even the right password waits; the counter lives in the database
        good = {"email": "limited@example.com", "password": PASSWORD}
        assert_error(self, self.post("/auth/login", body=good), 429)
        rows = sql_rows(self.server, "SELECT count FROM rate_limits "
                                     "WHERE key = 'email:limited@example.com'")
        self.assertEqual(rows, [["5"]])
        # another account is not affected
        self.signup("unlimited@example.com")
        r = self.post("/auth/login", body={"email": "unlimited@example.com",
                                           "password": PASSWORD})
        self.assertEqual(r.status, 200, r.body)

    def test_success_clears_the_email_counter(self):
        self.signup("clears@example.com")
        bad = {"email": "clears@example.com", "password": "not the password"}
        good = {"email": "clears@example.com", "password": PASSWORD}
        for _ in range(4):
            assert_error(self, self.post("/auth/login", body=bad), 401)
        self.assertEqual(self.post("/auth/login", body=good).status, 200)
        for _ in range(4):
            assert_error(self, self.post("/auth/login", body=bad), 401)
        self.assertEqual(self.post("/auth/login", body=good).status, 200)


class AddressLimit(harness.ServerTestCase):
    """No TRUSTED_PROXIES: X-Forwarded-For is ignored, the socket peer is the client."""

    def test_failures_per_address_are_limited(self):
        for i in range(20):
            r = post_raw(self.server, "/auth/login",
                         {"email": "probe%d@example.com" % i, "password": "guess guess"},
                         headers=[("X-Forwarded-For", "203.0.113.%d" % i)])
            assert_error(self, r, 401, "invalid_credentials")
        r = post_raw(self.server, "/auth/login",
                     {"email": "fresh@example.com", "password": "guess guess"},
                     headers=[("X-Forwarded-For", "198.51.100.1")])
        assert_error(self, r, 429)
        self.assertTrue(int(r.headers["retry-after"]) > 0)
        self.assertEqual(failure_counts(self.server), {"ip:127.0.0.1": 20})


class ForwardedFor(harness.ServerTestCase):
    """Behind a load balancer at 127.0.0.1 (TRUSTED_PROXIES): the client is the right-most
    X-Forwarded-For entry that is not a trusted proxy; IPv6 clients count per /64."""
    server_env = {"TRUSTED_PROXIES": "10.9.9.9, 127.0.0.1"}

    def fail_login(self, n, xff_headers, source=None):
        return post_raw(self.server, "/auth/login",
                        {"email": "xff%d@example.com" % n, "password": "guess guess"},
                        headers=[("X-Forwarded-For", v) for v in xff_headers], source=source)

    def test_clients_behind_the_proxy_have_their_own_counters(self):
        n = 0
        for i in range(20):
            # what the client itself wrote (left) is never read
            xff = ["%d.1.1.1, 203.0.113.7" % i] if i % 2 else ["203.0.113.7"]
            assert_error(self, self.fail_login(n, xff), 401, "invalid_credentials")
            n += 1
        assert_error(self, self.fail_login(n, ["203.0.113.7"]), 429)  # (not counted)
        n += 1
        # another client behind the same proxy is not affected
        assert_error(self, self.fail_login(n, ["203.0.113.8"]), 401, "invalid_credentials")
        n += 1
        # trusted hops on the right are skipped; repeated headers are read in order
        assert_error(self, self.fail_login(n, ["198.51.100.9, 10.9.9.9"]), 401)
        n += 1
        assert_error(self, self.fail_login(n, ["6.6.6.6", "198.51.100.9", "127.0.0.1"]), 401)
        n += 1
        # IPv6 clients: one counter per /64
        assert_error(self, self.fail_login(n, ["2001:db8:1:2::1"]), 401)
        n += 1
        assert_error(self, self.fail_login(n, ["2001:DB8:1:2:ffff:0:0:9"]), 401)
        n += 1
        assert_error(self, self.fail_login(n, ["[2001:db8:1:3::1]:443"]), 401)
        n += 1
        # no header, or a peer that is not a trusted proxy: the socket address counts
        assert_error(self, self.fail_login(n, []), 401)
        n += 1
        assert_error(self, self.fail_login(n, ["192.0.2.50"], source="127.0.0.5"), 401)
        n += 1
        self.assertEqual(failure_counts(self.server), {
            "ip:203.0.113.7": 20, "ip:203.0.113.8": 1, "ip:198.51.100.9": 2,
            "ip:2001:db8:1:2::/64": 2, "ip:2001:db8:1:3::/64": 1,
            "ip:127.0.0.1": 1, "ip:127.0.0.5": 1})


class BadTrustedProxies(unittest.TestCase):

    def test_refused_at_start(self):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        with tempfile.TemporaryDirectory() as data_dir:
            env.update({"TRUSTED_PROXIES": "127.0.0.1, lb.example", "DATA_DIR": data_dir,
                        "HOST": "127.0.0.1", "PORT": str(harness.free_port())})
            p = subprocess.run([harness.pete_bin(), "serve"], env=env, capture_output=True,
                               text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("TRUSTED_PROXIES", p.stderr)


class SignupLimit(harness.ServerTestCase):

    def signup(self, email, source, password=PASSWORD):
        return post_raw(self.server, "/auth/signup", {"email": email, "password": password},
                        source=source)

    def test_signups_per_address_are_limited(self):
        src = "127.0.5.1"
        for i in range(3):  # attempts failing validation are not counted
            assert_error(self, self.signup("short%d@example.com" % i, src, password="short"),
                         422)
        for i in range(10):
            r = self.signup("many%d@example.com" % i, src)
            self.assertEqual(r.status, 201, r.body)
        r = self.signup("one.more@example.com", src)
        assert_error(self, r, 429, "too_many_attempts")
        self.assertTrue(0 < int(r.headers["retry-after"]) <= 3600, r.headers)
        # the counter lives in the database; another address is not affected
        self.assertEqual(failure_counts(self.server, "signup:"), {"signup:ip:127.0.5.1": 11})
        self.assertEqual(self.signup("one.more@example.com", "127.0.5.2").status, 201)


class SignupBurst(harness.ServerTestCase):
    """Anyone can POST /auth/signup: a burst from many addresses must not stall the server.
    Hashing runs in a few slots, a request waits for one at most a second, the overflow gets
    503 + Retry-After at once, and /health answers within a second throughout."""

    CLIENTS = 30
    PER_CLIENT = 10  # the per-address sign-up limit: this test is about the hashing slots
    POLL_SECONDS = 4.0

    def test_health_answers_during_a_signup_burst(self):
        lock = threading.Lock()
        results, errors, slow = [], [], []

        def client(t):
            for k in range(self.PER_CLIENT):
                try:
                    r = post_raw(self.server, "/auth/signup",
                                 {"email": "burst%d.%d@example.com" % (t, k),
                                  "password": PASSWORD},
                                 source="127.0.4.%d" % (t + 1), timeout=20)
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        errors.append(repr(e))
                    return
                with lock:
                    results.append((r.status, r.headers.get("retry-after"),
                                    r.json().get("code") if r.status >= 400 else None))

        threads = [threading.Thread(target=client, args=(t,), daemon=True)
                   for t in range(self.CLIENTS)]
        for th in threads:
            th.start()
        try:
            deadline = time.monotonic() + self.POLL_SECONDS
            while time.monotonic() < deadline:
                t0 = time.monotonic()
                try:
                    r = self.get("/health", timeout=1.0)
                    took = time.monotonic() - t0
                    if r.status != 200 or took > 1.0:
                        slow.append((r.status, round(took, 3)))
                except (OSError, http.client.HTTPException) as e:
                    slow.append(repr(e))
                time.sleep(0.1)
        finally:
            for th in threads:
                th.join(timeout=120)
        self.assertEqual(slow, [], "GET /health stalled during the burst")
        self.assertEqual(errors, [])
        self.assertEqual(len(results), self.CLIENTS * self.PER_CLIENT)
        for status, retry, code in results:
            self.assertIn(status, (201, 503))
            if status == 503:
                self.assertEqual((retry, code), ("1", "busy"))
        self.assertIn(201, [x[0] for x in results])
        # the server is fine afterwards
        self.assertEqual(post_raw(self.server, "/auth/signup",
                                  {"email": "after.burst@example.com", "password": PASSWORD},
                                  source="127.0.4.200").status, 201)


class LoginTiming(harness.ServerTestCase):

    def test_unknown_email_costs_a_password_check(self):
        r = self.post("/auth/signup", body={"email": "timed@example.com", "password": PASSWORD})
        self.assertEqual(r.status, 201)

        def took(email):
            t = time.monotonic()
            self.post("/auth/login", body={"email": email, "password": "wrong password"})
            return time.monotonic() - t

        took("warmup@example.com")
        # interleaved, so a burst of load on the machine hits both series alike
        known, unknown = [], []
        for i in range(4):
            known.append(took("timed@example.com"))
            unknown.append(took("nobody%d@example.com" % i))
        known, unknown = statistics.median(known), statistics.median(unknown)
        self.assertGreater(unknown, known * 0.5, (known, unknown))


class ClosedSignup(harness.ServerTestCase):
    server_env = {"SIGNUP": "closed"}

    def test_signup_refused(self):
        r = self.post("/auth/signup", body={"email": "x@example.com", "password": PASSWORD})
        assert_error(self, r, 403, "signup_closed")
        r = self.post("/auth/login", body={"email": "x@example.com", "password": PASSWORD})
        assert_error(self, r, 401, "invalid_credentials")


class SecureCookie(harness.ServerTestCase):
    server_env = {"PUBLIC_URL": "https://pete.example"}

    def test_cookie_is_secure_behind_https(self):
        r = self.post("/auth/signup", body={"email": "tls@example.com", "password": PASSWORD})
        self.assertEqual(r.status, 201, r.body)
        _, attrs = cookie_attrs(r)
        self.assertIn("secure", attrs)
        self.assertEqual(self.get("/users/me", token=r.json()["token"]).status, 200)


if __name__ == "__main__":
    harness.run()
