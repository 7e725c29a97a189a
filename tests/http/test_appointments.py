# SPDX-License-Identifier: MIT
"""/appointments over HTTP (SPEC §5), on SQLite and PostgreSQL: the Appointment shape and
its defaults, local times read in the tenant's zone, rental_id (its address taken, a rental
deleted later), every class of bad input with its status (400 wrong type or malformed JSON,
415, 422 listing every field: missing, too long, bad times, end before start, unknown keys,
unknown status; 409 for the past and the other booking rules), list filters and keyset pages
in time order, PATCH (reschedule keeping the length, cancel, confirm again, completed before
the start, invalid moves), and 50 concurrent bookings of one slot giving exactly one 201 and
49 409s. Responses are checked against the OpenAPI document."""

import datetime as dt
import os
import sys
import threading
import urllib.parse
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_calendar as cal  # noqa: E402
from harness import assert_error  # noqa: E402

RACERS = 50


def day_at(days, hour, minute=0, zone="UTC"):
    z = ZoneInfo(zone)
    d = (cal.now_utc().astimezone(z) + dt.timedelta(days=days)).date()
    return dt.datetime.combine(d, dt.time(hour, minute), z)


class Appointments(cal.CalendarBase):

    def setUp(self):
        self.tok = self.tenant(self._testMethodName, "America/New_York",
                               cal.every_day("08:00-20:00"))

    def create(self, want=201, **body):
        r = self.post("/appointments", token=self.tok, body=body)
        return self.check(r, "POST", "/appointments", want)

    def test_create_get_and_defaults(self):
        start = day_at(2, 10, zone="America/New_York")
        a = self.create(property_address="12 Oak Ave", start_time=cal.iso(start),
                        attendee_name="Ann Lee", attendee_email="ann@example.com",
                        attendee_phone="+1 (555) 010-0100", notes="Gate code 1234")
        self.assertEqual(a["start_time"], cal.iso(start))
        self.assertEqual(a["end_time"], cal.iso(start + dt.timedelta(minutes=30)))
        self.assertEqual((a["status"], a["source"], a["sync_status"]),
                         ("confirmed", "api", "none"))
        self.assertIsNone(a["rental_id"])
        self.assertIsNone(a["vapi_call_id"])
        self.assertIsNone(a["external_event_id"])
        self.assertEqual(a["user_id"], cal.user_id(self.server, self.tok))
        got = self.check(self.get("/appointments/%d" % a["id"], token=self.tok), "GET",
                         "/appointments/{id}", 200)
        self.assertEqual(got, a)
        # a local time (no offset) is the tenant's wall clock; dashboard source; end given
        b = self.create(property_address="2 Elm", attendee_name="Bo", source="dashboard",
                        start_time=start.strftime("%Y-%m-%dT") + "15:00",
                        end_time=start.strftime("%Y-%m-%dT") + "16:15:00")
        self.assertEqual(b["start_time"], cal.iso(start.replace(hour=15)))
        self.assertEqual(b["end_time"], cal.iso(start.replace(hour=16, minute=15)))
        self.assertEqual(b["source"], "dashboard")
        # a GET result sent back as a new booking at another time: read-only keys ignored
        again = dict(got)
        for k in ("rental_id", "attendee_phone", "notes"):
            again.pop(k)
        again["start_time"] = cal.iso(start + dt.timedelta(hours=2))
        again["end_time"] = cal.iso(start + dt.timedelta(hours=2, minutes=30))
        again.pop("source")
        c = self.create(**again)
        self.assertNotEqual(c["id"], a["id"])

    def test_rental_id(self):
        r = self.post("/rentals", token=self.tok, body={"property_address": "77 Rental Rd"})
        self.assertEqual(r.status, 201, r.body)
        rental = r.json()
        start = day_at(2, 11, zone="America/New_York")
        a = self.create(rental_id=rental["id"], start_time=cal.iso(start), attendee_name="R")
        self.assertEqual(a["rental_id"], rental["id"])
        self.assertEqual(a["property_address"], "77 Rental Rd")
        b = self.create(rental_id=rental["id"], property_address="Side door, 77 Rental Rd",
                        start_time=cal.iso(start + dt.timedelta(hours=1)), attendee_name="R")
        self.assertEqual(b["property_address"], "Side door, 77 Rental Rd")
        r = self.post("/appointments", token=self.tok, body={
            "rental_id": rental["id"] + 100000, "start_time": cal.iso(start),
            "attendee_name": "R"})
        self.check(r, "POST", "/appointments", 404)
        self.assertEqual(r.json()["message"], "Rental not found.")
        # PATCH to another rental of the tenant takes its address (unless one is given)
        r2 = self.post("/rentals", token=self.tok, body={"property_address": "88 Other Ave"})
        p = self.check(self.patch("/appointments/%d" % b["id"], token=self.tok,
                                  body={"rental_id": r2.json()["id"]}),
                       "PATCH", "/appointments/{id}", 200)
        self.assertEqual((p["rental_id"], p["property_address"]),
                         (r2.json()["id"], "88 Other Ave"))
        p = self.patch("/appointments/%d" % b["id"], token=self.tok, body={"rental_id": None})
        self.assertEqual((p.json()["rental_id"], p.json()["property_address"]),
                         (None, "88 Other Ave"))
        # deleting the rental keeps the appointment, without the link
        self.assertEqual(self.delete("/rentals/%d" % rental["id"], token=self.tok).status, 204)
        got = self.get("/appointments/%d" % a["id"], token=self.tok).json()
        self.assertIsNone(got["rental_id"])
        self.assertEqual(got["property_address"], "77 Rental Rd")

    def test_bad_input_classes(self):
        start = cal.iso(day_at(2, 10))
        ok = {"property_address": "1 A St", "start_time": start, "attendee_name": "A"}

        def with_(**kw):
            b = dict(ok)
            b.update(kw)
            return {k: v for k, v in b.items() if v is not ...}

        cases_422 = [
            ({}, ["attendee_name", "property_address", "start_time"]),
            (with_(property_address=...), ["property_address"]),
            (with_(property_address="x" * 301), ["property_address"]),
            (with_(attendee_name=""), ["attendee_name"]),
            (with_(attendee_name="two\nlines"), ["attendee_name"]),
            (with_(start_time="next tuesday"), ["start_time"]),
            (with_(start_time="2026-02-30T10:00:00Z"), ["start_time"]),
            (with_(end_time=start.replace("10:00", "09:00")), ["end_time"]),
            (with_(end_time=start), ["end_time"]),
            (with_(attendee_email="nobody"), ["attendee_email"]),
            (with_(attendee_phone="ask for Bob"), ["attendee_phone"]),
            (with_(notes="n" * 2001), ["notes"]),
            (with_(rental_id=0), ["rental_id"]),
            (with_(source="vapi"), ["source"]),
            (with_(status="cancelled"), ["status"]),
            (with_(colour="red", bedroom=2), ["bedroom", "colour"]),
        ]
        for body, fields in cases_422:
            with self.subTest(body=body):
                j = self.create(want=422, **body)
                self.assertEqual(sorted(e["field"] for e in j["errors"]), fields)
        for body, field in ((with_(start_time=1772465400), "start_time"),
                            (with_(rental_id="7"), "rental_id"),
                            (with_(notes=["a"]), "notes"),
                            (with_(attendee_name=True), "attendee_name")):
            with self.subTest(body=body):
                j = self.create(want=400, **body)
                self.assertEqual(j["code"], "invalid_field_type")
                self.assertIn("'%s'" % field, j["message"])
        self.check(self.post("/appointments", token=self.tok, raw="{nope",
                             headers={"Content-Type": "application/json"}),
                   "POST", "/appointments", 400)
        self.check(self.post("/appointments", token=self.tok, raw="[1]",
                             headers={"Content-Type": "application/json"}),
                   "POST", "/appointments", 400)
        self.check(self.post("/appointments", token=self.tok, raw="a=b",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   "POST", "/appointments", 415)
        # the booking rules are conflicts, each with its code
        past = cal.iso(cal.now_utc() - dt.timedelta(days=1))
        for body, code in ((with_(start_time=past), "in_past"),
                           (with_(start_time=cal.iso(day_at(20, 10))), "beyond_horizon"),
                           (with_(start_time=cal.iso(day_at(2, 21, zone="America/New_York"))),
                            "outside_business_hours"),
                           (with_(start_time=cal.iso(day_at(2, 19, 45, "America/New_York"))),
                            "outside_business_hours")):
            with self.subTest(code=code):
                j = self.create(want=409, **body)
                self.assertEqual(j["code"], code)
        # a time the clocks skip in the tenant's zone, written without an offset
        spring, _ = cal.next_dst_changes("America/New_York", days=400)
        j = self.create(want=422, **with_(start_time="%sT02:30:00" % spring))
        self.assertEqual([e["field"] for e in j["errors"]], ["start_time"])

    def test_list_filters_and_pages(self):
        base = day_at(2, 9, zone="America/New_York")
        ids = []
        for i in (3, 0, 2, 1, 4):  # created out of order
            ids.append((i, self.create(property_address="%d Page St" % i,
                                       start_time=cal.iso(base + dt.timedelta(hours=i)),
                                       attendee_name="P")["id"]))
        in_time_order = [x for _, x in sorted(ids)]
        cancel = in_time_order[4]
        self.patch("/appointments/%d" % cancel, token=self.tok, body={"status": "cancelled"})
        seen, cursor = [], None
        while True:
            q = "?limit=2" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            j = self.check(self.get("/appointments" + q, token=self.tok), "GET",
                           "/appointments", 200)
            self.assertLessEqual(len(j["appointments"]), 2)
            seen += [a["id"] for a in j["appointments"]]
            cursor = j["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, in_time_order)
        j = self.get("/appointments?status=cancelled", token=self.tok).json()
        self.assertEqual([a["id"] for a in j["appointments"]], [cancel])
        j = self.get("/appointments?status=confirmed", token=self.tok).json()
        self.assertEqual([a["id"] for a in j["appointments"]], in_time_order[:4])
        # a window: overlapping [base+1h15, base+3h) -> the ones at +1h and +2h
        q = urllib.parse.urlencode({"from": cal.iso(base + dt.timedelta(minutes=75)),
                                    "to": cal.iso(base + dt.timedelta(hours=3))})
        j = self.get("/appointments?" + q, token=self.tok).json()
        self.assertEqual([a["id"] for a in j["appointments"]], in_time_order[1:3])
        # dates are whole local days
        d = base.date().isoformat()
        j = self.get("/appointments?from=%s&to=%s" % (d, d), token=self.tok).json()
        self.assertEqual([a["id"] for a in j["appointments"]], in_time_order)
        nxt = (base.date() + dt.timedelta(days=1)).isoformat()
        self.assertEqual(self.get("/appointments?from=" + nxt, token=self.tok)
                         .json()["appointments"], [])
        for q in ("?limit=0", "?limit=201", "?limit=x", "?status=maybe", "?from=yesterday",
                  "?to=2026-13-01"):
            with self.subTest(query=q):
                r = self.get("/appointments" + q, token=self.tok)
                assert_error(self, r, 400, "invalid_parameter")
                self.check(r, "GET", "/appointments", 400)
        r = self.get("/appointments?cursor=garbage", token=self.tok)
        assert_error(self, r, 400, "invalid_cursor")

    def test_patch_moves(self):
        start = day_at(2, 10, zone="America/New_York")
        a = self.create(property_address="1 Move St", start_time=cal.iso(start),
                        end_time=cal.iso(start + dt.timedelta(minutes=45)), attendee_name="M")
        other = self.create(property_address="2 Move St",
                            start_time=cal.iso(start + dt.timedelta(hours=2)),
                            attendee_name="O")
        path = "/appointments/%d" % a["id"]

        def patch(body, want):
            return self.check(self.patch(path, token=self.tok, body=body), "PATCH",
                              "/appointments/{id}", want)

        p = patch({"start_time": cal.iso(start + dt.timedelta(hours=1))}, 200)
        self.assertEqual(p["end_time"], cal.iso(start + dt.timedelta(hours=1, minutes=45)))
        self.assertGreaterEqual(p["updated_at"], a["updated_at"])
        j = patch({"start_time": cal.iso(start + dt.timedelta(hours=2, minutes=15))}, 409)
        self.assertEqual(j["code"], "slot_taken")
        j = patch({"start_time": cal.iso(start.replace(hour=19, minute=30))}, 409)
        self.assertEqual(j["code"], "outside_business_hours")
        j = patch({"status": "completed"}, 409)
        self.assertEqual(j["code"], "not_started")
        p = patch({"notes": "call first", "attendee_email": "m@example.com"}, 200)
        self.assertEqual((p["notes"], p["attendee_email"]), ("call first", "m@example.com"))
        p = patch({"notes": None, "attendee_email": ""}, 200)
        self.assertEqual((p["notes"], p["attendee_email"]), (None, None))
        p = patch({"status": "cancelled"}, 200)
        self.assertEqual(p["status"], "cancelled")
        j = patch({"status": "no_show"}, 409)
        self.assertEqual(j["code"], "invalid_transition")
        j = patch({"start_time": cal.iso(start)}, 409)
        self.assertEqual(j["code"], "invalid_transition")
        # another booking takes the freed time; confirming again there is refused
        self.create(property_address="3 Move St", start_time=p["start_time"], attendee_name="T")
        j = patch({"status": "confirmed"}, 409)
        self.assertEqual(j["code"], "slot_taken")
        p = patch({"status": "confirmed", "start_time": cal.iso(start + dt.timedelta(hours=5))},
                  200)
        self.assertEqual(p["status"], "confirmed")
        # the whole GET result sent back changes nothing
        got = self.get(path, token=self.tok).json()
        self.assertEqual(patch(dict(got), 200)["start_time"], got["start_time"])
        # bad bodies
        j = patch({"status": "postponed", "start_time": "soon", "id2": 1}, 422)
        self.assertEqual(sorted(e["field"] for e in j["errors"]), ["id2", "start_time", "status"])
        j = patch({"end_time": p["start_time"]}, 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["end_time"])
        j = patch({"attendee_name": None}, 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["attendee_name"])
        self.assertEqual(patch({"status": 3}, 400)["code"], "invalid_field_type")
        for bad in ("/appointments/0", "/appointments/abc", "/appointments/%d" % (other["id"] + 999)):
            r = self.patch(bad, token=self.tok, body={"notes": "x"})
            self.check(r, "PATCH", "/appointments/{id}", 404)
            self.assertEqual(r.json()["message"], "Appointment not found.")

    def test_completed_after_the_start(self):
        # an appointment that has started: booked by the operator in the past (the API
        # refuses past times), then marked no_show and corrected to completed
        uid = cal.user_id(self.server, self.tok)
        start = cal.now_utc().replace(microsecond=0) - dt.timedelta(hours=3)
        cal.sql(self.server, "INSERT INTO appointments (user_id, property_address, start_time, "
                             "end_time, attendee_name) VALUES (?, 'Past St', ?, ?, 'P')",
                (uid, cal.iso(start), cal.iso(start + dt.timedelta(minutes=30))))
        a = [x for x in self.get("/appointments", token=self.tok).json()["appointments"]
             if x["property_address"] == "Past St"][0]
        path = "/appointments/%d" % a["id"]
        self.assertEqual(self.patch(path, token=self.tok, body={"status": "no_show"}).json()
                         ["status"], "no_show")
        self.assertEqual(self.patch(path, token=self.tok, body={"status": "completed"}).json()
                         ["status"], "completed")
        r = self.patch(path, token=self.tok, body={"status": "confirmed"})
        assert_error(self, r, 409, "invalid_transition")

    def test_requires_a_token(self):
        for m, p in (("GET", "/appointments"), ("POST", "/appointments"),
                     ("GET", "/appointments/1"), ("PATCH", "/appointments/1")):
            r = self.request(m, p, body={} if m in ("POST", "PATCH") else None)
            assert_error(self, r, 401)


class Race(cal.CalendarBase):
    """50 clients book one slot at the same moment: exactly one 201, 49 409 slot_taken, and
    the calendar holds one appointment there."""

    def test_fifty_concurrent_bookings_of_one_slot(self):
        tok = self.tenant("race", "UTC", cal.every_day("00:00-24:00"))
        start = day_at(3, 12)
        barrier = threading.Barrier(RACERS)
        results = [None] * RACERS

        def run(i):
            barrier.wait(timeout=10)
            r = cal.book(self.server, tok, start, attendee_name="Racer %d" % i)
            results[i] = (r.status, r.json().get("code") if r.status != 201 else None)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(s for s, _ in results)
        self.assertEqual(statuses.count(201), 1, results)
        self.assertEqual(statuses.count(409), RACERS - 1, results)
        self.assertTrue(all(c == "slot_taken" for s, c in results if s == 409), results)
        j = self.get("/appointments?status=confirmed", token=tok).json()
        self.assertEqual([a["start_time"] for a in j["appointments"]], [cal.iso(start)])


if __name__ == "__main__":
    harness.run()
