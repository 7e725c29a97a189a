# SPDX-License-Identifier: MIT
"""Tenant isolation of the calendar (SPEC §3), on SQLite and PostgreSQL: tenant B using
tenant A's appointment ids (GET, PATCH with every kind of body) gets exactly the 404 a missing
id gets and A's appointments are unchanged; a booking or a PATCH naming A's rental_id gets
exactly the 404 of a rental that does not exist; B's lists, events, availability and feed
show nothing of A (and A's bookings leave B's slots free); A's feed token shows only A's
appointments, and A's secret under B's id opens nothing; erasing A removes A's calendar."""

import datetime as dt
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_calendar as cal  # noqa: E402
from harness import assert_error  # noqa: E402

MISSING_ID = 987654321


class CalendarIsolation(cal.CalendarBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.ta = srv.token("cal-iso-a", email="a@example.com")
        cls.tb = srv.token("cal-iso-b", email="b@example.com")
        for tok in (cls.ta, cls.tb):
            cal.put_settings(srv, tok, "UTC", cal.every_day("00:00-24:00"))
        r = srv.request("POST", "/rentals", token=cls.ta,
                        body={"property_address": "1 Secret Ave"})
        assert r.status == 201, r.body
        cls.a_rental = r.json()
        base = cal.now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
        cls.base = base
        cls.a_appts = []
        for i in range(3):
            r = cal.book(srv, cls.ta, base + dt.timedelta(hours=i), rental_id=cls.a_rental["id"],
                         attendee_name="A's caller %d" % i, attendee_email="caller@a.example",
                         notes="A private note")
            assert r.status == 201, r.body
            cls.a_appts.append(r.json())
        r = cal.book(srv, cls.tb, base + dt.timedelta(hours=5), property_address="9 Bravo St")
        assert r.status == 201, r.body
        cls.b_appt = r.json()

    def snapshot_a(self):
        return {"list": self.get("/appointments?limit=200", token=self.ta).json(),
                "events": self.get("/calendar/events", token=self.ta).json(),
                "one": [self.get("/appointments/%d" % a["id"], token=self.ta).json()
                        for a in self.a_appts]}

    def assert_same_404(self, method, path_a, path_missing, body=None):
        foreign = self.request(method, path_a, token=self.tb, body=body)
        missing = self.request(method, path_missing, token=self.tb, body=body)
        assert_error(self, foreign, 404, "not_found")
        self.assertEqual(foreign.status, missing.status)
        self.assertEqual(foreign.body, missing.body)
        self.assertEqual(foreign.headers.get("content-type"), missing.headers.get("content-type"))
        return foreign

    def test_foreign_appointment_ids_are_missing_ids(self):
        before = self.snapshot_a()
        later = cal.iso(self.base + dt.timedelta(hours=8))
        bodies = ({"status": "cancelled"}, {"start_time": later}, {"notes": "hijacked"},
                  {"status": "confirmed"}, {}, {"attendee_name": "B"},
                  {"rental_id": None}, {"status": "completed"})
        for a in self.a_appts:
            r = self.assert_same_404("GET", "/appointments/%d" % a["id"],
                                     "/appointments/%d" % MISSING_ID)
            self.check(r, "GET", "/appointments/{id}", 404)
            for body in bodies:
                with self.subTest(id=a["id"], body=body):
                    r = self.assert_same_404("PATCH", "/appointments/%d" % a["id"],
                                             "/appointments/%d" % MISSING_ID, body)
                    self.check(r, "PATCH", "/appointments/{id}", 404)
        self.assertEqual(self.snapshot_a(), before)

    def test_foreign_rental_id_is_a_missing_rental(self):
        start = self.base + dt.timedelta(hours=10)
        def body(rid):
            return {"rental_id": rid, "start_time": cal.iso(start), "attendee_name": "B"}

        foreign = self.post("/appointments", token=self.tb, body=body(self.a_rental["id"]))
        missing = self.post("/appointments", token=self.tb, body=body(MISSING_ID))
        assert_error(self, foreign, 404, "not_found")
        self.assertEqual(foreign.body, missing.body)
        self.assertEqual(foreign.json()["message"], "Rental not found.")
        self.check(foreign, "POST", "/appointments", 404)
        # PATCH of B's own appointment naming A's rental
        path = "/appointments/%d" % self.b_appt["id"]
        foreign = self.patch(path, token=self.tb, body={"rental_id": self.a_rental["id"]})
        missing = self.patch(path, token=self.tb, body={"rental_id": MISSING_ID})
        assert_error(self, foreign, 404, "not_found")
        self.assertEqual(foreign.body, missing.body)
        got = self.get(path, token=self.tb).json()
        self.assertIsNone(got["rental_id"])
        self.assertEqual(got["property_address"], "9 Bravo St")
        # and nothing was booked for B
        lst = self.get("/appointments", token=self.tb).json()["appointments"]
        self.assertEqual([a["id"] for a in lst], [self.b_appt["id"]])

    def test_lists_events_and_availability_show_only_own(self):
        a_ids = {a["id"] for a in self.a_appts}
        for q in ("", "?limit=200", "?status=confirmed",
                  "?from=%s" % (self.base.date().isoformat())):
            with self.subTest(query=q):
                got = self.get("/appointments" + q, token=self.tb).json()["appointments"]
                self.assertEqual([a["id"] for a in got], [self.b_appt["id"]])
                self.assertEqual({a["user_id"] for a in got}, {self.b_appt["user_id"]})
        ev = self.get("/calendar/events", token=self.tb).json()["events"]
        self.assertEqual([e["appointment_id"] for e in ev], [self.b_appt["id"]])
        self.assertNotIn("A private note", self.get("/calendar/events", token=self.tb).text)
        # A's bookings do not take B's slots
        b_free = cal.starts(cal.slots(self.server, self.tb, "?days_ahead=3"))
        for a in self.a_appts:
            self.assertIn(cal.parse_iso(a["start_time"]), b_free)
        a_free = cal.starts(cal.slots(self.server, self.ta, "?days_ahead=3"))
        for a in self.a_appts:
            self.assertNotIn(cal.parse_iso(a["start_time"]), a_free)
        self.assertEqual({a["id"] for a in
                          self.get("/appointments", token=self.ta).json()["appointments"]}, a_ids)
        st = self.get("/calendar/auth/status", token=self.tb).json()
        self.assertEqual((st["user_email"], st["user_id"]), ("b@example.com",
                                                             self.b_appt["user_id"]))

    def test_feed_tokens_show_only_their_tenant(self):
        ta = self.post("/calendar/feed-token", token=self.ta).json()["token"]
        tb = self.post("/calendar/feed-token", token=self.tb).json()["token"]
        fa = cal.parse_ics(self.get("/calendar/feed.ics?token=" + ta).text)
        fb = cal.parse_ics(self.get("/calendar/feed.ics?token=" + tb).text)
        self.assertEqual(sorted(e["UID"][1].split("@")[0] for e in fa),
                         sorted("appointment-%d" % a["id"] for a in self.a_appts))
        self.assertEqual([e["UID"][1].split("@")[0] for e in fb],
                         ["appointment-%d" % self.b_appt["id"]])
        self.assertNotIn("Secret", self.get("/calendar/feed.ics?token=" + tb).text)
        # A's secret under B's id, and B's under A's: nothing
        a_id, a_secret = ta.split(".", 1)
        b_id, b_secret = tb.split(".", 1)
        missing = self.get("/calendar/feed.ics?token=%s.%s" % (MISSING_ID, a_secret))
        for forged in ("%s.%s" % (b_id, a_secret), "%s.%s" % (a_id, b_secret)):
            r = self.get("/calendar/feed.ics?token=" + forged)
            assert_error(self, r, 404, "not_found")
            self.assertEqual(r.body, missing.body)
        # B rotating its token does not touch A's
        self.post("/calendar/feed-token", token=self.tb)
        self.assertEqual(self.get("/calendar/feed.ics?token=" + ta).status, 200)
        self.assertEqual(self.get("/calendar/feed.ics?token=" + tb).status, 404)

    def test_user_id_in_body_or_query_is_ignored(self):
        a_user = self.a_appts[0]["user_id"]
        start = self.base + dt.timedelta(hours=12)
        r = self.post("/appointments?user_id=%d" % a_user, token=self.tb, body={
            "property_address": "7 Planted St", "start_time": cal.iso(start),
            "attendee_name": "B", "user_id": a_user})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json()["user_id"], self.b_appt["user_id"])
        self.assertNotIn(r.json()["id"], [a["id"] for a in self.get(
            "/appointments?limit=200", token=self.ta).json()["appointments"]])
        self.assertEqual(self.patch("/appointments/%d" % r.json()["id"], token=self.tb,
                                    body={"status": "cancelled"}).status, 200)


class Erasure(cal.CalendarBase):

    def test_erasing_a_tenant_removes_its_calendar(self):
        tok = self.tenant("erase", "UTC")
        other = self.tenant("keep", "UTC")
        r = self.post("/rentals", token=tok, body={"property_address": "3 Gone Rd"})
        rental = r.json()
        start = cal.now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
        a = cal.book(self.server, tok, start, rental_id=rental["id"]).json()
        kept = cal.book(self.server, other, start).json()
        uid = cal.user_id(self.server, tok)
        cal.busy_row(self.server, uid, "e1", start, start + dt.timedelta(hours=1))
        feed = self.post("/calendar/feed-token", token=tok).json()["token"]
        self.assertEqual(self.delete("/users/me", token=tok).status, 204)
        self.assertEqual(self.get("/calendar/feed.ics?token=" + feed).status, 404)
        self.assertEqual([x["id"] for x in self.get("/appointments", token=other)
                          .json()["appointments"]], [kept["id"]])
        if harness.is_postgres():
            n = self.server.psql("SELECT (SELECT count(*) FROM appointments WHERE user_id = %d)"
                                 " + (SELECT count(*) FROM calendar_busy WHERE user_id = %d)"
                                 " + (SELECT count(*) FROM calendar_feeds WHERE user_id = %d)"
                                 % (uid, uid, uid))
            self.assertEqual(n.strip(), "0")
        else:
            con = sqlite3.connect(os.path.join(self.server.data_dir, "peterental.db"))
            try:
                n = con.execute("SELECT (SELECT count(*) FROM appointments WHERE user_id = ?) + "
                                "(SELECT count(*) FROM calendar_busy WHERE user_id = ?) + "
                                "(SELECT count(*) FROM calendar_feeds WHERE user_id = ?)",
                                (uid, uid, uid)).fetchone()[0]
            finally:
                con.close()
            self.assertEqual(n, 0)
        self.assertNotEqual(a["id"], kept["id"])


if __name__ == "__main__":
    harness.run()
