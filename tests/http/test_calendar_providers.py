# SPDX-License-Identifier: MIT
"""Outlook (Microsoft Graph) and Google Calendar connected through OAuth (SPEC §5 Calendar and
appointments; issue 10 items 3, 4, 6), against loopback stand-ins of both providers
(tests/standins/graph.py, google.py), on SQLite and PostgreSQL. Each provider runs the same
suite: the consent URL (PKCE S256, scopes, the signed state), the callback storing the account
and mirroring busy times of every page (free and cancelled events do not block), the status, a
push per booking (attendee invited, subject "Property Viewing: ..."), rescheduling and
cancelling, a provider outage during a push then its recovery, an access token refused (401:
one refresh, one retry) or about to expire (refreshed first), a refresh token revoked (the
connection is expired), the sync's failure modes (500, malformed JSON, a provider slower than a
request's deadline), the live re-check of a booking (a busy event the mirror does not know yet:
409; a provider that does not answer within 2 s: the booking stands), the periodic refresh
scheduled, and the disconnect."""

import datetime as dt
import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))
import harness  # noqa: E402
import test_calendar as cal  # noqa: E402
from calendar_standin import CLIENT_ID, CLIENT_SECRET, utc  # noqa: E402
from google import GoogleStandin  # noqa: E402
from graph import GraphStandin  # noqa: E402
from harness import assert_error, wait_for  # noqa: E402

FRONT = "http://app.example.test"


def query_of(url):
    return {k: v[-1] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def env_for(graph, google):
    return {"MICROSOFT_CLIENT_ID": CLIENT_ID, "MICROSOFT_CLIENT_SECRET": CLIENT_SECRET,
            "MICROSOFT_AUTH_URL": graph.url, "MICROSOFT_GRAPH_URL": graph.url + "/v1.0",
            "GOOGLE_CLIENT_ID": CLIENT_ID, "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_AUTH_URL": google.url, "GOOGLE_API_URL": google.url,
            "CORS_ORIGINS": FRONT}


class ProviderBase(cal.CalendarBase):
    """One server and both stand-ins per class; subclasses name the provider under test."""

    provider = None
    callback = None

    @classmethod
    def setUpClass(cls):
        cls.graph = GraphStandin().start()
        cls.google = GoogleStandin().start()
        cls.standin = cls.graph if cls.provider == "microsoft" else cls.google
        cls.server_env = dict(cal.CalendarBase.server_env, **env_for(cls.graph, cls.google))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.graph.stop()
            cls.google.stop()

    def setUp(self):
        super().setUp()
        for s in (self.graph, self.google):
            s.clear_failures()
            s.expires_in = 3600
            s.slow_s = 4.0

    # ---- helpers ----

    def start_consent(self, tok, redirect_url=FRONT):
        q = "?provider=%s" % self.provider
        if redirect_url:
            q += "&redirect_url=" + urllib.parse.quote(redirect_url, safe="")
        r = self.get("/calendar/auth/start" + q, token=tok)
        self.check(r, "GET", "/calendar/auth/start", 307)
        return r.headers["location"]

    def callback_for(self, location, email=None, **extra):
        q = query_of(location)
        code = self.standin.issue_code(q["code_challenge"], email)
        params = dict({"code": code, "state": q["state"]}, **extra)
        return self.get(self.callback + "?" + urllib.parse.urlencode(params))

    def connect(self, tok, email=None):
        r = self.callback_for(self.start_consent(tok), email)
        self.check(r, "GET", self.callback, 307)
        self.assertEqual(r.headers["location"], FRONT + "/users?auth=success", r.headers)
        return r

    def jobs(self, tok, kind):
        r = self.get("/jobs?kind=%s&limit=200" % kind, token=tok)
        self.assertEqual(r.status, 200, r.body)
        return r.json()["jobs"]

    def wait_synced(self, tok, count=1):
        """Until count calendar_sync jobs of the tenant have ended; returns them."""
        def done():
            js = [j for j in self.jobs(tok, "calendar_sync")
                  if j["state"] in ("succeeded", "failed") or
                  (j["state"] == "queued" and j["attempts"] > 0)]
            return js if len(js) >= count else None
        return wait_for(done, "the calendar sync")

    def appt(self, tok, aid):
        return self.get("/appointments/%d" % aid, token=tok).json()

    def wait_appt(self, tok, aid, pred, what):
        return wait_for(lambda: (lambda a: a if pred(a) else None)(self.appt(tok, aid)), what)

    def status(self, tok):
        r = self.get("/calendar/auth/status", token=tok)
        self.check(r, "GET", "/calendar/auth/status", 200)
        return r.json()

    def slot(self, days=2, hour=10):
        return (cal.now_utc().replace(hour=hour, minute=0, second=0, microsecond=0) +
                dt.timedelta(days=days))



class ProviderTests:
    """The suite each provider runs (mixed into a ProviderBase subclass)."""

    # ---- the consent ----

    def test_consent_url_names_client_scopes_pkce_and_a_signed_state(self):
        tok = self.tenant("consent")
        loc = self.start_consent(tok)
        q = query_of(loc)
        if self.provider == "microsoft":
            self.assertTrue(loc.startswith(self.graph.url + "/common/oauth2/v2.0/authorize?"))
            self.assertEqual(q["scope"].split(), ["offline_access", "Calendars.ReadWrite",
                                                  "User.Read"])
            self.assertEqual(q["redirect_uri"], self.server.url + "/calendar/auth/callback")
        else:
            self.assertTrue(loc.startswith(self.google.url + "/o/oauth2/v2/auth?"))
            self.assertIn("https://www.googleapis.com/auth/calendar.events", q["scope"].split())
            self.assertIn("email", q["scope"].split())
            self.assertEqual((q["access_type"], q["prompt"]), ("offline", "consent"))
            self.assertEqual(q["redirect_uri"],
                             self.server.url + "/calendar/google/auth/callback")
        self.assertEqual((q["client_id"], q["response_type"], q["code_challenge_method"]),
                         (CLIENT_ID, "code", "S256"))
        self.assertRegex(q["code_challenge"], r"^[A-Za-z0-9_-]{43}$")
        self.assertRegex(q["state"], r"^\d+\.\d+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
        self.assertNotIn(CLIENT_SECRET, loc)
        # two consents never share a state or a challenge
        q2 = query_of(self.start_consent(tok))
        self.assertNotEqual(q["state"], q2["state"])
        self.assertNotEqual(q["code_challenge"], q2["code_challenge"])

    # ---- connect, mirror, status ----

    def test_reconnecting_while_the_mirror_refreshes_saves_every_time(self):
        """Each connect starts a refresh; the next connect lands while it writes the mirror.
        Both writers queue on the tenant's calendar counter, so no save is refused (on
        PostgreSQL they once took their row locks in opposite orders and deadlocked)."""
        tok = self.tenant("reconnect")
        day = self.slot(days=4, hour=0)
        for h in range(8, 18):
            self.standin.add_event(utc(day + dt.timedelta(hours=h)),
                                   utc(day + dt.timedelta(hours=h, minutes=30)), "Busy %d" % h)
        for _ in range(8):
            self.connect(tok)
        def mirrored():
            ev = self.get("/calendar/events?days_ahead=7", token=tok).json()["events"]
            n = len([e for e in ev if e["subject"].startswith("Busy ")])
            return n if n == 10 else None
        self.assertEqual(wait_for(mirrored, "the mirror after the last connect"), 10)
        st = self.status(tok)
        self.assertEqual((st["provider"], st["token_valid"]), (self.provider, True))

    def test_connect_mirrors_every_page_and_free_or_cancelled_do_not_block(self):
        tok = self.tenant("mirror", slot=60)
        day = self.slot(days=3, hour=0)
        s = self.standin
        busy = s.add_event(utc(day + dt.timedelta(hours=9)), utc(day + dt.timedelta(hours=10)),
                           "Dentist", location="Main St")
        s.add_event(utc(day + dt.timedelta(hours=11)), utc(day + dt.timedelta(hours=12)),
                    "Lunch (free)", free=True)
        s.add_event(utc(day + dt.timedelta(hours=13)), utc(day + dt.timedelta(hours=14)),
                    "Called off", cancelled=True)
        late = s.add_event(utc(day + dt.timedelta(hours=15)),
                           utc(day + dt.timedelta(hours=16)), "School run")
        before = s.count("GET", "calendarView" if self.provider == "microsoft" else "/events")
        self.connect(tok, email="mirror-owner@example.com")
        jobs = self.wait_synced(tok)
        self.assertEqual(jobs[0]["state"], "succeeded", jobs)
        pages = s.count("GET", "calendarView" if self.provider == "microsoft" else "/events")
        self.assertGreaterEqual(pages - before, 2, "the second page was not read")
        ev = self.get("/calendar/events?days_ahead=7", token=tok).json()["events"]
        subjects = {e["subject"] for e in ev}
        self.assertIn("Dentist", subjects)
        self.assertIn("School run", subjects)  # on the second page
        self.assertIn("Lunch (free)", subjects)
        self.assertNotIn("Called off", subjects)
        starts = set(cal.starts(cal.slots(self.server, tok, "?days_ahead=7")))
        for h, free in ((9, False), (11, True), (13, True), (15, False)):
            self.assertEqual(day + dt.timedelta(hours=h) in starts, free, h)
        st = self.status(tok)
        self.assertEqual((st["authorized"], st["provider"], st["calendar_email"],
                          st["token_valid"], st["calendar_verified"]),
                         (True, self.provider, "mirror-owner@example.com", True, True))
        self.assertIsNotNone(st["calendar_id"])
        self.assertIsNone(st["calendar_error"])
        self.assertIsNotNone(st["expires_at"])
        self.assertTrue(st["expires_at_formatted"].endswith("UTC"))
        self.assertNotIn("at-", str(st))  # no token in the status
        del busy, late

    def test_the_next_refresh_is_scheduled_five_minutes_out(self):
        tok = self.tenant("tick")
        self.connect(tok)
        self.wait_synced(tok)
        queued = wait_for(lambda: [j for j in self.jobs(tok, "calendar_sync")
                                   if j["state"] == "queued" and j["attempts"] == 0],
                          "the next refresh")
        self.assertEqual(len(queued), 1, queued)
        due = cal.parse_iso(queued[0]["run_after"])
        ahead = (due - cal.now_utc()).total_seconds()
        self.assertTrue(200 < ahead <= 301, ahead)

    # ---- pushes ----

    def test_booking_is_pushed_with_subject_and_attendee(self):
        tok = self.tenant("push")
        self.connect(tok)
        self.wait_synced(tok)
        start = self.slot(days=2, hour=14)
        r = cal.book(self.server, tok, start, property_address="12 Oak Ave",
                     attendee_name="Ann Renter", attendee_email="ann@example.com")
        self.assertEqual(r.status, 201, r.body)
        a = r.json()
        self.assertEqual(a["sync_status"], "pending")
        a = self.wait_appt(tok, a["id"], lambda x: x["sync_status"] == "synced", "the push")
        ev = self.standin.api_events()[a["external_event_id"]]
        self.assertEqual(ev["subject"], "Property Viewing: 12 Oak Ave")
        self.assertEqual((ev["start"], ev["end"]), (cal.iso(start),
                                                    cal.iso(start + dt.timedelta(minutes=30))))
        self.assertEqual(ev["attendees"], ["ann@example.com"])
        self.assertEqual(ev["location"], "12 Oak Ave")
        if self.provider == "google":
            self.assertEqual(ev["send_updates"], "all")
        # its own event, mirrored by the sync after the push, does not block it or show twice
        self.wait_synced(tok, 2)
        ev_list = self.get("/calendar/events?days_ahead=7", token=tok).json()["events"]
        self.assertEqual(sum(1 for e in ev_list if e["start_time"] == cal.iso(start)), 1)
        r = self.patch("/appointments/%d" % a["id"], token=tok,
                       body={"start_time": cal.iso(start + dt.timedelta(minutes=15))})
        self.assertEqual(r.status, 200, r.body)
        moved = cal.iso(start + dt.timedelta(minutes=15))
        b = self.wait_appt(tok, a["id"], lambda x: x["sync_status"] == "synced" and
                           self.standin.api_events().get(x["external_event_id"], {})
                           .get("start") == moved, "the reschedule's push")
        self.assertEqual(b["external_event_id"], a["external_event_id"])  # updated, not new

    def test_without_attendee_email_nobody_is_invited(self):
        tok = self.tenant("noinvite")
        self.connect(tok)
        r = cal.book(self.server, tok, self.slot(days=2, hour=9))
        a = self.wait_appt(tok, r.json()["id"], lambda x: x["sync_status"] == "synced", "push")
        ev = self.standin.api_events()[a["external_event_id"]]
        self.assertEqual(ev["attendees"], [])
        if self.provider == "google":
            self.assertEqual(ev["send_updates"], "none")

    def test_cancel_deletes_the_external_event(self):
        tok = self.tenant("cancel")
        self.connect(tok)
        r = cal.book(self.server, tok, self.slot(days=2, hour=16), attendee_email="c@x.example")
        a = self.wait_appt(tok, r.json()["id"], lambda x: x["sync_status"] == "synced", "push")
        eid = a["external_event_id"]
        self.assertIn(eid, self.standin.api_events())
        r = self.patch("/appointments/%d" % a["id"], token=tok, body={"status": "cancelled"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["sync_status"], "pending")
        a = self.wait_appt(tok, a["id"], lambda x: x["sync_status"] == "synced", "the delete")
        self.assertIsNone(a["external_event_id"])
        self.assertNotIn(eid, self.standin.api_events())

    def test_outage_then_recovery_the_booking_stands_and_is_pushed(self):
        tok = self.tenant("outage")
        self.connect(tok)
        self.wait_synced(tok)
        create = "/me/calendar/events" if self.provider == "microsoft" else "/events"
        self.standin.fail(create, "500", times=2, method="POST")
        r = cal.book(self.server, tok, self.slot(days=3, hour=11), attendee_email="o@x.example")
        self.assertEqual(r.status, 201, r.body)
        aid = r.json()["id"]
        job = wait_for(lambda: [j for j in self.jobs(tok, "calendar_push")
                                if j["attempts"] >= 1 and j["last_error"]], "a failed push")
        self.assertIn("500", job[0]["last_error"])
        self.assertEqual(self.appt(tok, aid)["sync_status"], "pending")
        a = self.wait_appt(tok, aid, lambda x: x["sync_status"] == "synced", "the recovery",
                           )
        self.assertIn(a["external_event_id"], self.standin.api_events())
        done = [j for j in self.jobs(tok, "calendar_push") if j["state"] == "succeeded"]
        self.assertTrue(done and done[0]["attempts"] >= 2, done)  # other tenants' pushes
        # may have met the second failure

    # ---- tokens ----

    def test_a_refused_access_token_is_refreshed_once_and_the_call_retried(self):
        tok = self.tenant("refresh401")
        self.connect(tok)
        self.wait_synced(tok)
        refreshes = self.standin.token_calls.count("refresh_token")
        self.standin.expire_access_tokens()
        r = cal.book(self.server, tok, self.slot(days=2, hour=12))
        a = self.wait_appt(tok, r.json()["id"], lambda x: x["sync_status"] == "synced", "push")
        self.assertIn(a["external_event_id"], self.standin.api_events())
        self.assertEqual(self.standin.token_calls.count("refresh_token"), refreshes + 1)
        self.assertTrue(self.status(tok)["token_valid"])

    def test_a_token_about_to_expire_is_refreshed_before_use(self):
        tok = self.tenant("ahead")
        self.standin.expires_in = 120  # within the 5 minutes
        refused = self.standin.unauthorized
        refreshes = self.standin.token_calls.count("refresh_token")
        self.connect(tok)
        self.wait_synced(tok)
        self.assertGreater(self.standin.token_calls.count("refresh_token"), refreshes)
        self.assertEqual(self.standin.unauthorized, refused, "a request went out with an "
                                                             "expiring token")

    def test_a_revoked_refresh_token_expires_the_connection(self):
        tok = self.tenant("revoked")
        other = self.tenant("revoked-other")
        self.connect(other)
        self.connect(tok)
        self.wait_synced(tok)
        self.standin.expire_access_tokens()
        saved = dict(self.standin.refresh)
        self.standin.revoke_refresh_tokens()
        try:
            r = cal.book(self.server, tok, self.slot(days=2, hour=13))
            self.assertEqual(r.status, 201, r.body)  # the booking stands
            st = wait_for(lambda: (lambda s: s if not s["authorized"] else None)(
                self.status(tok)), "the connection to expire")
            self.assertFalse(st["token_valid"])
            self.assertIn("connect", st["calendar_error"])
            self.assertEqual(st["provider"], self.provider)
        finally:
            self.standin.refresh.update(saved)

    # ---- sync failure modes ----

    def sync_fails_with(self, name, mode, expect):
        tok = self.tenant(name)
        listing = "calendarView" if self.provider == "microsoft" else "/events"
        self.standin.fail(listing, mode, times=1, method="GET")
        self.connect(tok)
        job = wait_for(lambda: [j for j in self.jobs(tok, "calendar_sync") if j["last_error"]],
                       "the failed sync")[0]
        self.assertIn(expect, job["last_error"])
        st = self.status(tok)
        self.assertTrue(st["authorized"])
        self.assertFalse(st["calendar_verified"])
        self.assertIn(expect, st["calendar_error"])
        return tok

    def test_sync_error_500(self):
        self.sync_fails_with("s500", "500", "HTTP 500")

    def test_sync_error_malformed_json(self):
        self.sync_fails_with("sjson", "malformed", "malformed JSON")

    def test_sync_error_timeout(self):
        self.standin.slow_s = 11.5  # past one request's 10 s deadline
        self.sync_fails_with("slow", "timeout", "did not answer in time")

    # ---- the live re-check ----

    def test_live_recheck_refuses_a_time_the_mirror_does_not_know_yet(self):
        tok = self.tenant("live")
        self.connect(tok)
        self.wait_synced(tok)
        start = self.slot(days=4, hour=10)
        self.standin.add_event(utc(start), utc(start + dt.timedelta(hours=1)), "Surprise")
        self.assertTrue(start in set(cal.starts(cal.slots(self.server, tok, "?days_ahead=7"))),
                        "the mirror already knows the event")
        r = cal.book(self.server, tok, start)
        assert_error(self, r, 409, "slot_taken")
        r = self.post("/calendar/events", token=tok, body={
            "subject": "9 Elm St", "start_time": cal.iso(start),
            "end_time": cal.iso(start + dt.timedelta(minutes=30))})
        assert_error(self, r, 409, "slot_taken")
        ok = cal.book(self.server, tok, start + dt.timedelta(hours=2))
        self.assertEqual(ok.status, 201, ok.body)
        r = self.patch("/appointments/%d" % ok.json()["id"], token=tok,
                       body={"start_time": cal.iso(start + dt.timedelta(minutes=30))})
        assert_error(self, r, 409, "slot_taken")
        # a reschedule within its own (pushed) event's time is not refused by that event
        self.wait_appt(tok, ok.json()["id"], lambda x: x["sync_status"] == "synced", "push")
        r = self.patch("/appointments/%d" % ok.json()["id"], token=tok,
                       body={"start_time": cal.iso(start + dt.timedelta(hours=2, minutes=15))})
        self.assertEqual(r.status, 200, r.body)

    def test_live_recheck_without_answer_in_time_lets_the_booking_stand(self):
        tok = self.tenant("liveslow")
        self.connect(tok)
        self.wait_synced(tok)
        start = self.slot(days=5, hour=10)
        self.standin.add_event(utc(start), utc(start + dt.timedelta(hours=1)), "Not mirrored")
        listing = "calendarView" if self.provider == "microsoft" else "/events"
        self.standin.fail(listing, "timeout", times=1, method="GET")
        t0 = time.monotonic()
        r = cal.book(self.server, tok, start)
        self.assertEqual(r.status, 201, r.body)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertTrue(any("live check" in rec.get("msg", rec.get("message", ""))
                            for rec in self.server.log_records()))

    def test_the_voice_assistant_books_through_the_live_recheck(self):
        """set_appointment over the webhook asks the connected calendar as POST /appointments
        does: a time the mirror does not know is busy yet is refused with other times."""
        tok = self.tenant("voice")
        self.connect(tok)
        self.wait_synced(tok)
        r = self.post("/rentals", token=tok, body={"property_address": "12 Voice Lane"})
        self.assertEqual(r.status, 201, r.body)
        agent = self.post("/agents", token=tok, body={"agent_name": "Line",
                                                      "vapi_assistant_id": "live-" + tok[-12:]})
        self.assertEqual(agent.status, 201, agent.body)
        agent = agent.json()
        start = self.slot(days=3, hour=10)
        self.standin.add_event(utc(start), utc(start + dt.timedelta(hours=1)), "Dentist")

        def book(when, call_id):
            body = {"message": {"type": "tool-calls", "call": {
                "id": call_id, "assistantId": agent["vapi_assistant_id"]},
                "toolCallList": [{"id": "t1", "type": "function", "function": {
                    "name": "set_appointment", "arguments": {
                        "property_address": "12 Voice Lane", "start_time": cal.iso(when),
                        "attendee_name": "Caller"}}}]}}
            r = self.post("/vapi/webhook", body=body,
                          headers={"X-Vapi-Secret": agent["webhook_secret"]})
            self.assertEqual(r.status, 200, r.body)
            return r.json()["results"][0]["result"]

        text = book(start, "call-busy")
        self.assertTrue(text.startswith("That time is already taken."), text)
        self.assertEqual(self.get("/appointments", token=tok).json()["appointments"], [])
        text = book(start + dt.timedelta(hours=2), "call-free")
        self.assertTrue(text.startswith("You're all set"), text)
        [a] = self.get("/appointments", token=tok).json()["appointments"]
        self.assertEqual((a["source"], a["vapi_call_id"]), ("vapi", "call-free"))
        self.wait_appt(tok, a["id"], lambda x: x["sync_status"] == "synced", "the push")

    # ---- disconnect ----

    def test_disconnect_removes_the_connection_and_its_mirror(self):
        tok = self.tenant("bye")
        day = self.slot(days=6, hour=8)
        self.standin.add_event(utc(day), utc(day + dt.timedelta(hours=1)), "Mirrored once")
        self.connect(tok)
        self.wait_synced(tok)
        ev = self.get("/calendar/events?days_ahead=8", token=tok).json()["events"]
        self.assertIn("Mirrored once", [e["subject"] for e in ev])
        path = "/calendar/auth/disconnect"
        r = self.delete(path, token=tok)
        j = self.check(r, "DELETE", path, 200)
        self.assertIs(j["success"], True)
        self.assertTrue(j["message"])
        st = self.status(tok)
        self.assertEqual((st["authorized"], st["provider"]), (False, None))
        ev = self.get("/calendar/events?days_ahead=8", token=tok).json()["events"]
        self.assertNotIn("Mirrored once", [e["subject"] for e in ev])
        j = self.check(self.delete(path, token=tok), "DELETE", path, 200)
        self.assertIs(j["success"], False)
        # a booking now stays with the built-in calendar
        a = cal.book(self.server, tok, self.slot(days=2, hour=17)).json()
        self.assertEqual(a["sync_status"], "none")


class Outlook(ProviderTests, ProviderBase):
    provider = "microsoft"
    callback = "/calendar/auth/callback"


class Google(ProviderTests, ProviderBase):
    provider = "google"
    callback = "/calendar/google/auth/callback"

    def test_google_routes_show_and_remove_only_google(self):
        tok = self.tenant("galias")
        r = self.get("/calendar/google/auth/start?redirect_url=" +
                     urllib.parse.quote(FRONT, safe=""), token=tok)
        self.check(r, "GET", "/calendar/google/auth/start", 307)
        self.assertTrue(r.headers["location"].startswith(self.google.url + "/o/oauth2/v2/auth"))
        code = self.google.issue_code(query_of(r.headers["location"])["code_challenge"])
        r = self.get("/calendar/google/auth/callback?" + urllib.parse.urlencode(
            {"code": code, "state": query_of(r.headers["location"])["state"]}))
        self.assertEqual(r.headers["location"], FRONT + "/users?auth=success")
        j = self.check(self.get("/calendar/google/auth/status", token=tok), "GET",
                       "/calendar/google/auth/status", 200)
        self.assertEqual((j["authorized"], j["provider"]), (True, "google"))
        # connecting Outlook replaces Google: the Google status then shows nothing
        loc = self.get("/calendar/auth/start?provider=microsoft", token=tok).headers["location"]
        code = self.graph.issue_code(query_of(loc)["code_challenge"])
        r = self.get("/calendar/auth/callback?" + urllib.parse.urlencode(
            {"code": code, "state": query_of(loc)["state"]}))
        self.assertTrue(r.headers["location"].endswith("/users?auth=success"), r.headers)
        self.assertEqual(self.status(tok)["provider"], "microsoft")
        j = self.get("/calendar/google/auth/status", token=tok).json()
        self.assertEqual((j["authorized"], j["provider"]), (False, None))
        j = self.check(self.delete("/calendar/google/auth/disconnect", token=tok), "DELETE",
                       "/calendar/google/auth/disconnect", 200)
        self.assertIs(j["success"], False)
        self.assertEqual(self.status(tok)["provider"], "microsoft")


if __name__ == "__main__":
    harness.run()
