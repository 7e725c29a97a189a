# SPDX-License-Identifier: MIT
"""A CalDAV calendar (SPEC §5 POST /calendar/caldav/connect; issue 10 item 5) against a real
Radicale on 127.0.0.1, on SQLite and PostgreSQL: the connect checks the collection with the
credentials (wrong password: 422 "wrong username or password"; not a calendar, nothing
listening, bad input: 422 or 400) and stores the password encrypted (never shown); the mirror
holds the collection's events through a calendar-query REPORT (TRANSP:TRANSPARENT and
STATUS:CANCELLED do not block); a booking is PUT as an iCalendar object at <url><uid>.ics with
its ATTENDEE, rescheduled in place, DELETEd on cancel; the live re-check refuses a time
Radicale has and the mirror does not; two tenants stay apart. Without SCRAPE_ALLOW_PRIVATE the
address guard refuses a loopback CalDAV URL."""

import datetime as dt
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))
import harness  # noqa: E402
import test_calendar as cal  # noqa: E402
from harness import assert_error, wait_for  # noqa: E402
from radicale_server import Radicale  # noqa: E402

USERS = {"alice": "secret-a", "bob": "secret-b"}


class CalDAV(cal.CalendarBase):
    server_env = dict(cal.CalendarBase.server_env, SCRAPE_ALLOW_PRIVATE="true")

    @classmethod
    def setUpClass(cls):
        cls.dav = Radicale(USERS).start()
        try:
            super().setUpClass()
        except BaseException:
            cls.dav.stop()
            raise
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.dav.stop()

    def new_calendar(self, user="alice"):
        CalDAV.n += 1
        path = "/%s/cal%d/" % (user, CalDAV.n)
        self.dav.mkcalendar(user, USERS[user], path)
        return path

    def connect(self, tok, path, user="alice", password=None):
        return self.post("/calendar/caldav/connect", token=tok, body={
            "url": self.dav.url + path, "username": user,
            "password": password or USERS[user]})

    def jobs(self, tok, kind):
        return self.get("/jobs?kind=%s&limit=200" % kind, token=tok).json()["jobs"]

    def wait_synced(self, tok, count=1):
        return wait_for(lambda: (lambda js: js if len(js) >= count else None)(
            [j for j in self.jobs(tok, "calendar_sync") if j["state"] == "succeeded"]),
            "the sync")

    def appt(self, tok, aid):
        return self.get("/appointments/%d" % aid, token=tok).json()

    def wait_appt(self, tok, aid, pred, what):
        return wait_for(lambda: (lambda a: a if pred(a) else None)(self.appt(tok, aid)), what)

    def day(self, days, hour):
        return (cal.now_utc().replace(hour=hour, minute=0, second=0, microsecond=0) +
                dt.timedelta(days=days))

    # ---- connect ----

    def test_connect_verifies_and_stores_without_showing_the_password(self):
        tok = self.tenant("dav-ok")
        path = self.new_calendar()
        r = self.connect(tok, path)
        j = self.check(r, "POST", "/calendar/caldav/connect", 200)
        self.assertEqual((j["authorized"], j["provider"], j["calendar_verified"]),
                         (True, "caldav", True))
        self.assertEqual(j["calendar_link"], self.dav.url + path)
        self.assertNotIn(USERS["alice"], r.text)
        st = self.get("/calendar/auth/status", token=tok)
        self.assertNotIn(USERS["alice"], st.text)
        self.assertEqual(st.json()["provider"], "caldav")
        self.assertNotIn(USERS["alice"], self.server.log_text())
        # the URL without its final slash is the same collection
        j = self.check(self.connect(tok, path.rstrip("/")), "POST",
                       "/calendar/caldav/connect", 200)
        self.assertEqual(j["calendar_link"], self.dav.url + path)

    def test_wrong_password_is_422(self):
        tok = self.tenant("dav-wrong")
        path = self.new_calendar()
        r = self.connect(tok, path, password="not-it")
        j = self.check(r, "POST", "/calendar/caldav/connect", 422)
        self.assertIn("wrong username or password", j["errors"][0]["message"])
        self.assertEqual(self.get("/calendar/auth/status", token=tok).json()["provider"], None)

    def test_not_a_calendar_or_unreachable_is_422(self):
        tok = self.tenant("dav-notcal")
        self.new_calendar()
        for url in (self.dav.url + "/alice/", self.dav.url + "/alice/nothing-here/",
                    "http://127.0.0.1:9/cal/"):
            with self.subTest(url=url):
                r = self.post("/calendar/caldav/connect", token=tok,
                              body={"url": url, "username": "alice",
                                    "password": USERS["alice"]})
                j = self.check(r, "POST", "/calendar/caldav/connect", 422)
                self.assertTrue(j["errors"][0]["message"])
        self.assertIsNone(self.get("/calendar/auth/status", token=tok).json()["provider"])

    def test_bad_bodies(self):
        tok = self.tenant("dav-bad")
        good = {"url": self.dav.url + "/alice/x/", "username": "alice", "password": "p"}
        cases = [
            ({}, 422), (dict(good, url="ftp://x/"), 422), (dict(good, url=""), 422),
            (dict(good, username=5), 400), (dict(good, extra=1), 422),
            (dict(good, password="a" * 1025), 422), (dict(good, url="http://x/" + "a" * 2100), 422),
        ]
        for body, status in cases:
            with self.subTest(body=str(body)[:80]):
                r = self.post("/calendar/caldav/connect", token=tok, body=body)
                self.check(r, "POST", "/calendar/caldav/connect", status)
        r = self.post("/calendar/caldav/connect", token=tok, raw="{nope",
                      headers={"Content-Type": "application/json"})
        assert_error(self, r, 400)

    # ---- busy times and events ----

    def test_mirror_push_reschedule_cancel_and_live_check(self):
        tok = self.tenant("dav-flow")
        path = self.new_calendar()
        d = self.day(3, 0)
        a, p = "alice", USERS["alice"]
        self.dav.put_event(a, p, path, "busy-1", d + dt.timedelta(hours=9),
                           d + dt.timedelta(hours=10), "Dentist")
        self.dav.put_event(a, p, path, "free-1", d + dt.timedelta(hours=11),
                           d + dt.timedelta(hours=12), transparent=True)
        self.dav.put_event(a, p, path, "off-1", d + dt.timedelta(hours=13),
                           d + dt.timedelta(hours=14), cancelled=True)
        self.check(self.connect(tok, path), "POST", "/calendar/caldav/connect", 200)
        self.wait_synced(tok)
        starts = set(cal.starts(cal.slots(self.server, tok, "?days_ahead=7")))
        for h, free in ((9, False), (11, True), (13, True), (15, True)):
            self.assertEqual(d + dt.timedelta(hours=h) in starts, free, h)
        ev = self.get("/calendar/events?days_ahead=7", token=tok).json()["events"]
        self.assertEqual(sorted(e["start_time"] for e in ev),
                         [cal.iso(d + dt.timedelta(hours=9)), cal.iso(d + dt.timedelta(hours=11))])
        # a booking is PUT into the collection, with its attendee
        start = d + dt.timedelta(hours=15)
        r = cal.book(self.server, tok, start, property_address="4 Pine Rd",
                     attendee_name="Rita", attendee_email="rita@example.com")
        self.assertEqual(r.status, 201, r.body)
        appt = self.wait_appt(tok, r.json()["id"], lambda x: x["sync_status"] == "synced",
                              "the push")
        uid = appt["external_event_id"]
        self.assertTrue(uid.startswith("appointment-%d@" % appt["id"]), uid)
        status, text = self.dav.get(a, p, path + uid + ".ics")
        self.assertEqual(status, 200, text)
        flat = text.replace("\r\n ", "")
        self.assertIn("SUMMARY:Property Viewing: 4 Pine Rd", flat)
        self.assertIn("mailto:rita@example.com", flat)
        self.assertIn("DTSTART:" + start.strftime("%Y%m%dT%H%M%SZ"), flat)
        # rescheduled in place
        moved = start + dt.timedelta(minutes=30)
        r = self.patch("/appointments/%d" % appt["id"], token=tok,
                       body={"start_time": cal.iso(moved)})
        self.assertEqual(r.status, 200, r.body)
        wait_for(lambda: "DTSTART:" + moved.strftime("%Y%m%dT%H%M%SZ") in
                 self.dav.get(a, p, path + uid + ".ics")[1].replace("\r\n ", ""),
                 "the reschedule's PUT")
        # a time Radicale has and the mirror does not yet: the live check refuses it
        later = d + dt.timedelta(hours=18)
        self.dav.put_event(a, p, path, "new-1", later, later + dt.timedelta(hours=1))
        assert_error(self, cal.book(self.server, tok, later), 409, "slot_taken")
        # cancelled: the resource is deleted
        r = self.patch("/appointments/%d" % appt["id"], token=tok, body={"status": "cancelled"})
        self.assertEqual(r.status, 200, r.body)
        self.wait_appt(tok, appt["id"], lambda x: x["sync_status"] == "synced" and
                       x["external_event_id"] is None, "the DELETE")
        self.assertEqual(self.dav.get(a, p, path + uid + ".ics")[0], 404)

    def test_two_tenants(self):
        ta = self.tenant("dav-iso-a")
        tb = self.tenant("dav-iso-b")
        pa = self.new_calendar("alice")
        pb = self.new_calendar("bob")
        d = self.day(4, 8)
        self.dav.put_event("alice", USERS["alice"], pa, "a-only", d, d + dt.timedelta(hours=1),
                           "A's secret")
        self.check(self.connect(ta, pa), "POST", "/calendar/caldav/connect", 200)
        self.check(self.connect(tb, pb, user="bob"), "POST", "/calendar/caldav/connect", 200)
        self.wait_synced(ta)
        self.wait_synced(tb)
        self.assertEqual(self.get("/calendar/events?days_ahead=7", token=tb).json()["events"],
                         [])
        self.assertIn(d, set(cal.starts(cal.slots(self.server, tb, "?days_ahead=7"))))
        self.assertNotIn(d, set(cal.starts(cal.slots(self.server, ta, "?days_ahead=7"))))
        sa = self.get("/calendar/auth/status", token=ta).json()
        sb = self.get("/calendar/auth/status", token=tb).json()
        self.assertEqual(sa["calendar_link"], self.dav.url + pa)
        self.assertEqual(sb["calendar_link"], self.dav.url + pb)
        # B's booking goes to B's collection only
        r = cal.book(self.server, tb, d + dt.timedelta(hours=2), attendee_name="B's caller")
        appt = self.wait_appt(tb, r.json()["id"], lambda x: x["sync_status"] == "synced", "push")
        uid = appt["external_event_id"]
        self.assertEqual(self.dav.get("bob", USERS["bob"], pb + uid + ".ics")[0], 200)
        self.assertEqual(self.dav.get("alice", USERS["alice"], pa + uid + ".ics")[0], 404)
        # B disconnecting leaves A connected
        self.assertIs(self.delete("/calendar/auth/disconnect", token=tb).json()["success"], True)
        self.assertEqual(self.get("/calendar/auth/status", token=ta).json()["provider"],
                         "caldav")


class GuardedCalDAV(cal.CalendarBase):
    """SCRAPE_ALLOW_PRIVATE off (the default): a tenant's CalDAV URL on loopback is refused
    by the address guard before any credential is sent."""

    @classmethod
    def setUpClass(cls):
        cls.dav = Radicale(USERS).start()
        try:
            super().setUpClass()
        except BaseException:
            cls.dav.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.dav.stop()

    def test_loopback_url_is_refused(self):
        tok = self.tenant("dav-guard")
        self.dav.mkcalendar("alice", USERS["alice"], "/alice/g/")
        for url in (self.dav.url + "/alice/g/", "http://169.254.169.254/latest/",
                    "http://[::1]:%d/alice/g/" % self.dav.port):
            with self.subTest(url=url):
                r = self.post("/calendar/caldav/connect", token=tok,
                              body={"url": url, "username": "alice",
                                    "password": USERS["alice"]})
                j = self.check(r, "POST", "/calendar/caldav/connect", 422)
                self.assertIn("not allowed", j["errors"][0]["message"])


if __name__ == "__main__":
    harness.run()
