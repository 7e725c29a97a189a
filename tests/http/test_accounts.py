# SPDX-License-Identifier: MIT
"""HTTP behaviour of built-in accounts (SPEC §5 Auth): sign-up, login and logout with the
`session` cookie, validation, duplicate emails, Argon2id storage, the same answer for a wrong
password and an unknown email, failed-login limits per email and per address (429 with
Retry-After, kept in the database), and SIGNUP=closed."""

import os
import sqlite3
import statistics
import sys
import time

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

    def signup(self, email, password=PASSWORD, first="Pete", last="Renter"):
        return self.post("/auth/signup", body={"email": email, "password": password,
                                               "first_name": first, "last_name": last})

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
        rows = sql_rows(self.server, "SELECT count FROM login_failures "
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

    def test_failures_per_address_are_limited(self):
        for i in range(20):
            r = self.post("/auth/login", body={"email": "probe%d@example.com" % i,
                                               "password": "guess guess"})
            assert_error(self, r, 401, "invalid_credentials")
        r = self.post("/auth/login", body={"email": "fresh@example.com",
                                           "password": "guess guess"})
        assert_error(self, r, 429)
        self.assertTrue(int(r.headers["retry-after"]) > 0)


class LoginTiming(harness.ServerTestCase):

    def test_unknown_email_costs_a_password_check(self):
        r = self.post("/auth/signup", body={"email": "timed@example.com", "password": PASSWORD})
        self.assertEqual(r.status, 201)

        def took(email):
            t = time.monotonic()
            self.post("/auth/login", body={"email": email, "password": "wrong password"})
            return time.monotonic() - t

        took("warmup@example.com")
        known = statistics.median(took("timed@example.com") for _ in range(3))
        unknown = statistics.median(took("nobody%d@example.com" % i) for i in range(3))
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
