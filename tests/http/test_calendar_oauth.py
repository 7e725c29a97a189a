# SPDX-License-Identifier: MIT
"""The OAuth consent's guards and tenant isolation of the external-calendar routes (SPEC §3:
OAuth callbacks are public and carry a signed state; issue 10 items 4 and 8), on SQLite and
PostgreSQL, against the Graph and Google stand-ins: a state that is altered (signature, tenant,
expiry, nonce), expired in the database, used once already, or never made connects nothing and
sends the browser to FRONTEND_URL/users?auth=error; a state minted for tenant A cannot connect
a calendar for tenant B, nor complete while B is signed in on the browser; a provider's
error= and a code the provider refuses end in the error redirect of the consent's
redirect_url; redirect_url must be of an allowed origin; an unconfigured provider is 503.
Every new route is tried by two tenants: B never sees, changes or removes A's connection."""

import datetime as dt
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))
import harness  # noqa: E402
import test_calendar as cal  # noqa: E402
import test_calendar_providers as prov  # noqa: E402
from harness import assert_error  # noqa: E402

FRONT = prov.FRONT


class OAuthGuards(prov.ProviderBase):
    provider = "microsoft"
    callback = "/calendar/auth/callback"

    def frontend(self):
        return self.server.url + "/app"

    def assert_refused(self, r, base=None):
        self.check(r, "GET", self.callback, 307)
        loc = r.headers["location"]
        self.assertTrue(loc.startswith((base or self.frontend()) + "/users?auth=error&message="),
                        loc)
        self.assertTrue(prov.query_of(loc)["message"])
        return prov.query_of(loc)["message"]

    def assert_not_connected(self, tok):
        st = self.status(tok)
        self.assertEqual((st["authorized"], st["provider"]), (False, None))

    def consent(self, tok):
        loc = self.start_consent(tok)
        q = prov.query_of(loc)
        return q["state"], self.standin.issue_code(q["code_challenge"])

    def call(self, state, code, **kw):
        return self.get(self.callback + "?" + urllib.parse.urlencode(
            {"code": code, "state": state}), **kw)

    # ---- the state ----

    def test_altered_states_connect_nothing(self):
        tok = self.tenant("altered")
        other = self.tenant("altered-other")
        state, code = self.consent(tok)
        user, exp, nonce, sig = state.split(".")
        flip = lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1]  # noqa: E731
        forged = [
            ".".join([user, exp, nonce, flip(sig)]),                  # signature
            ".".join([str(cal.user_id(self.server, other)), exp, nonce, sig]),  # tenant
            ".".join([user, str(int(exp) + 3600), nonce, sig]),       # expiry
            ".".join([user, exp, flip(nonce), sig]),                  # nonce
            state + ".x", state[:-1], "", "not-a-state", "1.2.3.4",
            "%s.%s.%s" % (user, exp, nonce),
        ]
        for f in forged:
            with self.subTest(state=f):
                self.assert_refused(self.call(f, code))
        self.assert_not_connected(tok)
        self.assert_not_connected(other)
        # the untouched state still works, once
        r = self.call(state, code)
        self.assertEqual(r.headers["location"], FRONT + "/users?auth=success")
        self.assertEqual(self.status(tok)["provider"], "microsoft")
        self.assert_refused(self.call(state, self.standin.issue_code("x")))
        self.assertTrue(any("Security - calendar OAuth" in rec.get("msg", "")
                            for rec in self.server.log_records()))

    def test_a_state_is_single_use(self):
        tok = self.tenant("once")
        state, code = self.consent(tok)
        self.assertEqual(self.call(state, code).headers["location"],
                         FRONT + "/users?auth=success")
        self.server.request("DELETE", "/calendar/auth/disconnect", token=tok)
        code2 = self.standin.issue_code("unused")
        self.assert_refused(self.call(state, code2))
        self.assert_not_connected(tok)

    def test_an_expired_state_is_refused(self):
        tok = self.tenant("expired")
        state, code = self.consent(tok)
        past = cal.iso(cal.now_utc() - dt.timedelta(minutes=1))
        cal.sql(self.server, "UPDATE oauth_states SET expires_at = ?", (past,))
        self.assert_refused(self.call(state, code))
        self.assert_not_connected(tok)

    def test_the_state_lives_ten_minutes(self):
        tok = self.tenant("ttl")
        state, _code = self.consent(tok)
        exp = int(state.split(".")[1])
        now = cal.now_utc().timestamp()
        self.assertTrue(590 <= exp - now <= 601, exp - now)

    def test_a_state_of_tenant_a_never_connects_tenant_b(self):
        ta = self.tenant("xa")
        tb = self.tenant("xb")
        state, code = self.consent(ta)
        # B signed in on the browser that completes A's consent: refused, nobody connected
        msg = self.assert_refused(self.call(state, code, token=tb))
        self.assertIn("another user", msg)
        self.assert_not_connected(ta)
        self.assert_not_connected(tb)
        # the same with B's session cookie
        state, code = self.consent(ta)
        self.assert_refused(self.call(state, code, cookies={"session": tb}))
        self.assert_not_connected(ta)
        self.assert_not_connected(tb)
        # with A signed in (or nobody), A's consent connects A only
        state, code = self.consent(ta)
        r = self.call(state, code, token=ta)
        self.assertEqual(r.headers["location"], FRONT + "/users?auth=success")
        self.assertEqual(self.status(ta)["provider"], "microsoft")
        self.assert_not_connected(tb)
        # A's state with B's id put in it fails the signature
        state, code = self.consent(ta)
        parts = state.split(".")
        parts[0] = str(cal.user_id(self.server, tb))
        self.assert_refused(self.call(".".join(parts), code))
        self.assert_not_connected(tb)

    def test_a_stale_or_foreign_token_on_the_callback_is_not_the_signer(self):
        tok = self.tenant("junk-token")
        state, code = self.consent(tok)
        r = self.call(state, code, token="not.a.jwt")
        self.assertEqual(r.headers["location"], FRONT + "/users?auth=success")

    # ---- what the provider says ----

    def test_provider_error_is_shown_on_the_redirect_url(self):
        tok = self.tenant("denied")
        loc = self.start_consent(tok)
        state = prov.query_of(loc)["state"]
        r = self.get(self.callback + "?" + urllib.parse.urlencode(
            {"state": state, "error": "access_denied",
             "error_description": "The user declined"}))
        msg = self.assert_refused(r, FRONT)
        self.assertIn("access_denied", msg)
        self.assertIn("The user declined", msg)
        self.assert_not_connected(tok)

    def test_a_refused_code_is_an_error_redirect(self):
        tok = self.tenant("badcode")
        state, _code = self.consent(tok)
        msg = self.assert_refused(self.call(state, "code-never-issued"), FRONT)
        self.assertIn("invalid_grant", msg)
        self.assert_not_connected(tok)

    def test_the_token_endpoint_down_is_an_error_redirect(self):
        tok = self.tenant("tokdown")
        state, code = self.consent(tok)
        self.standin.fail("/token", "500", times=1)
        self.assert_refused(self.call(state, code), FRONT)
        self.assert_not_connected(tok)

    def test_without_redirect_url_the_browser_goes_to_the_frontend(self):
        tok = self.tenant("noredir")
        loc = self.start_consent(tok, redirect_url=None)
        q = prov.query_of(loc)
        code = self.standin.issue_code(q["code_challenge"])
        r = self.call(q["state"], code)
        self.assertEqual(r.headers["location"], self.frontend() + "/users?auth=success")

    # ---- start's input ----

    def test_start_checks_its_parameters(self):
        tok = self.tenant("params")
        bad = urllib.parse.quote("https://evil.example/steal", safe="")
        r = self.get("/calendar/auth/start?provider=microsoft&redirect_url=" + bad, token=tok)
        self.check(r, "GET", "/calendar/auth/start", 422)
        assert_error(self, r, 422, "invalid_redirect_url")
        for u in ("javascript:alert(1)", FRONT + "?x=1", "http://user@app.example.test",
                  FRONT + ".evil.example"):
            with self.subTest(url=u):
                r = self.get("/calendar/auth/start?provider=google&redirect_url=" +
                             urllib.parse.quote(u, safe=""), token=tok)
                assert_error(self, r, 422, "invalid_redirect_url")
        for p in ("", "yahoo", "caldav"):
            with self.subTest(provider=p):
                r = self.get("/calendar/auth/start?provider=" + p, token=tok)
                self.check(r, "GET", "/calendar/auth/start", 400)
        r = self.get("/calendar/auth/start", token=tok)
        assert_error(self, r, 400, "invalid_parameter")
        r = self.get("/calendar/google/auth/start?provider=microsoft", token=tok)
        assert_error(self, r, 400, "invalid_parameter")
        # PUBLIC_URL's own origin is allowed
        r = self.get("/calendar/auth/start?provider=google&redirect_url=" +
                     urllib.parse.quote(self.server.url + "/app", safe=""), token=tok)
        self.assertEqual(r.status, 307, r.body)
        harness.assert_error(self, self.get("/calendar/auth/start?provider=google"), 401)

    # ---- two tenants on every new route ----

    def test_two_tenants_on_every_route(self):
        ta = self.tenant("iso-a")
        tb = self.tenant("iso-b")
        day = self.slot(days=3, hour=7)
        self.standin.add_event(prov.utc(day), prov.utc(day + dt.timedelta(hours=1)),
                               "A's private dentist")
        self.connect(ta, email="a-owner@example.com")
        self.wait_synced(ta)
        a_status = self.status(ta)
        # B: status, Google status, events, availability see nothing of A
        for path in ("/calendar/auth/status", "/calendar/google/auth/status"):
            j = self.get(path, token=tb).json()
            self.assertEqual((j["authorized"], j["provider"], j["calendar_email"]),
                             (False, None, None), path)
        ev = self.get("/calendar/events?days_ahead=7", token=tb).json()["events"]
        self.assertEqual(ev, [])
        self.assertIn(day, set(cal.starts(cal.slots(self.server, tb, "?days_ahead=7"))))
        # B's disconnects remove nothing of A's
        for path in ("/calendar/auth/disconnect", "/calendar/google/auth/disconnect"):
            j = self.delete(path, token=tb).json()
            self.assertIs(j["success"], False, path)
        self.assertEqual(self.status(ta), a_status)
        # B's start makes B's own consent; completing it connects B, A unchanged
        state, code = self.consent(tb)
        self.assertEqual(state.split(".")[0], str(cal.user_id(self.server, tb)))
        self.call(state, code)
        self.assertEqual(self.status(tb)["provider"], "microsoft")
        self.assertEqual(self.status(ta), a_status)
        # B's CalDAV connect (refused here: nothing listens) leaves A alone
        r = self.post("/calendar/caldav/connect", token=tb,
                      body={"url": "http://127.0.0.1:9/cal/", "username": "b",
                            "password": "pw-b"})
        self.check(r, "POST", "/calendar/caldav/connect", 422)
        self.assertEqual(self.status(ta), a_status)
        # A's jobs are not B's
        a_jobs = {j["id"] for j in self.jobs(ta, "calendar_sync")}
        b_jobs = {j["id"] for j in self.jobs(tb, "calendar_sync")}
        self.assertFalse(a_jobs & b_jobs)
        for jid in a_jobs:
            self.assertEqual(self.get("/jobs/%d" % jid, token=tb).status, 404)
        # A's booking is pushed to A's calendar only; B's appointment ids stay B's
        r = cal.book(self.server, ta, self.slot(days=2, hour=15), attendee_name="For A")
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(self.get("/appointments/%d" % r.json()["id"], token=tb).status, 404)
        # every new bearer route refuses a request without a token
        for m, path in (("GET", "/calendar/auth/start?provider=google"),
                        ("GET", "/calendar/google/auth/start"),
                        ("GET", "/calendar/google/auth/status"),
                        ("DELETE", "/calendar/auth/disconnect"),
                        ("DELETE", "/calendar/google/auth/disconnect"),
                        ("POST", "/calendar/caldav/connect")):
            with self.subTest(route=path):
                assert_error(self, self.request(m, path, body={} if m == "POST" else None), 401)


class NotConfigured(cal.CalendarBase):
    """No client id or secret: the start says so (503) and nothing is stored."""

    def test_unconfigured_providers_answer_503(self):
        tok = self.tenant("unconf")
        for p in ("microsoft", "google"):
            with self.subTest(provider=p):
                r = self.get("/calendar/auth/start?provider=" + p, token=tok)
                self.check(r, "GET", "/calendar/auth/start", 503)
                assert_error(self, r, 503, "provider_not_configured")
        r = self.get("/calendar/google/auth/start", token=tok)
        assert_error(self, r, 503, "provider_not_configured")


if __name__ == "__main__":
    harness.run()
