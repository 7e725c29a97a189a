# SPDX-License-Identifier: MIT
"""The built-in calendar over HTTP (SPEC §5 Calendar and appointments), on SQLite and
PostgreSQL: GET /calendar/availability in the tenant's zone (the next spring and autumn DST
changes of America/New_York, Asia/Kolkata at +05:30, a slot across midnight UTC, a fully
booked day, buffers, min notice, the horizon edge, start_hour/end_hour, a busy time of the
connected calendar's mirror that blocks and ones that do not, a cancelled appointment that
does not); GET and POST /calendar/events (the web client's exact request: query parameters,
a JSON content type and an empty body); GET /calendar/auth/status; the iCalendar feed, parsed
back here (unfolded, unescaped) after a reschedule and a cancel, and its token's rotation and
revocation. "Now" is the real clock: expected slots are computed here with zoneinfo from dates
chosen relative to it. Responses are checked against the OpenAPI document too.

Other calendar test files import the helpers of this module."""

import datetime as dt
import os
import sqlite3
import sys
import urllib.parse
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_openapi  # noqa: E402
from harness import assert_error  # noqa: E402

UTC = dt.timezone.utc
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# ---- helpers (also used by test_appointments*.py and test_calendar_isolation.py) ----------

def iso(t):
    """An aware datetime as the server writes it: RFC 3339 UTC with Z."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def now_utc():
    return dt.datetime.now(UTC)


def hours(ranges_by_day):
    """business_hours for PUT /users/me/settings: {day index: ["HH:MM-HH:MM", ...]}."""
    return {DAYS[d]: r for d, r in ranges_by_day.items()}


def every_day(*ranges):
    return hours({d: list(ranges) for d in range(7)})


def put_settings(srv, tok, zone, business_hours, slot=30, buffer=0, notice=0, horizon=14):
    r = srv.request("PUT", "/users/me/settings", token=tok, body={
        "timezone": zone, "business_hours": business_hours, "slot_minutes": slot,
        "buffer_minutes": buffer, "min_notice_minutes": notice,
        "booking_horizon_days": horizon})
    assert r.status == 200, r.body
    return r.json()


def user_id(srv, tok):
    return srv.request("GET", "/users/me", token=tok).json()["user_id"]


def sql(srv, statement, params=()):
    """Runs one statement on the server's database as the operator would (the mirror of a
    connected calendar is written by the provider sync, which does not exist yet)."""
    if harness.is_postgres():
        text = statement
        for p in params:  # test values only: booleans, numbers and simple strings
            if isinstance(p, bool):
                lit = "true" if p else "false"
            elif isinstance(p, (int, float)):
                lit = str(p)
            else:
                lit = "'%s'" % str(p).replace("'", "''")
            text = text.replace("?", lit, 1)
        return srv.psql(text)
    con = sqlite3.connect(os.path.join(srv.data_dir, "peterental.db"), timeout=10)
    try:
        with con:
            con.execute(statement, params)
    finally:
        con.close()
    return ""


def busy_row(srv, uid, ext, start, end, transparent=False, cancelled=False, subject=None):
    sql(srv, "INSERT INTO calendar_busy (user_id, source, external_id, start_time, end_time, "
             "transparent, cancelled, subject) VALUES (?, 'google', ?, ?, ?, ?, ?, ?)",
        (uid, ext, iso(start), iso(end), bool(transparent), bool(cancelled),
         subject or "Dentist"))


def slots(srv, tok, query=""):
    r = srv.request("GET", "/calendar/availability" + query, token=tok)
    assert r.status == 200, r.body
    return r.json()


def starts(avail):
    return [parse_iso(s["start_time"]) for s in avail["available_slots"]]


def book(srv, tok, start, end=None, **fields):
    body = {"property_address": fields.pop("property_address", "1 Test St"),
            "start_time": iso(start), "attendee_name": fields.pop("attendee_name", "Pat")}
    if end is not None:
        body["end_time"] = iso(end)
    body.update(fields)
    return srv.request("POST", "/appointments", token=tok, body=body)


def next_dst_changes(zone, days=364):
    """The local dates (from tomorrow, within `days`) on which zone's UTC offset changes:
    (spring, autumn), each the first such date, or None."""
    z = ZoneInfo(zone)
    today = now_utc().astimezone(z).date()
    spring = autumn = None
    for i in range(1, days):
        d = today + dt.timedelta(days=i)
        before = dt.datetime.combine(d - dt.timedelta(days=1), dt.time(12), z).utcoffset()
        after = dt.datetime.combine(d, dt.time(12), z).utcoffset()
        if after > before and spring is None:
            spring = d
        if after < before and autumn is None:
            autumn = d
    return spring, autumn


def wall_slots(zone, day, first_hour, last_hour, minutes):
    """Expected slot starts (UTC) on local date day for hours [first, last), as the SPEC
    says: wall-clock steps, a start the clocks skip left out, an ambiguous one the first,
    and each slot must end (minutes of real time later) by the range's end instant."""
    z = ZoneInfo(zone)
    close = dt.datetime.combine(day, dt.time(0), z) + dt.timedelta(hours=last_hour) \
        if last_hour < 24 else dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), z)
    close = close.astimezone(UTC)
    out = []
    t = first_hour * 60
    while t + minutes <= last_hour * 60:
        local = dt.datetime.combine(day, dt.time(t // 60, t % 60), z)
        u = local.astimezone(UTC)
        if u.astimezone(z).replace(tzinfo=None) == local.replace(tzinfo=None):  # not in a gap
            if u + dt.timedelta(minutes=minutes) <= close:
                out.append(u)
        t += minutes
    return out


def local_date(s, zone):
    return parse_iso(s).astimezone(ZoneInfo(zone)).date()


def parse_ics(text):
    """iCalendar text -> list of VEVENT dicts {NAME: (params, value)} with lines unfolded and
    TEXT values unescaped (RFC 5545 3.1, 3.3.11). Also checks the line rules."""
    assert text.endswith("\r\n"), "lines end in CRLF"
    raw = text.split("\r\n")[:-1]
    for line in raw:
        assert len(line.encode("utf-8")) <= 75, "line longer than 75 octets: %r" % line
        assert "\n" not in line and "\r" not in line
    lines = []
    for line in raw:
        if line.startswith((" ", "\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    events, cur, depth = [], None, []
    for line in lines:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            depth.append(value)
            if value == "VEVENT":
                cur = {}
            continue
        if name == "END":
            assert depth and depth[-1] == value, "unbalanced END:%s" % value
            depth.pop()
            if value == "VEVENT":
                events.append(cur)
                cur = None
            continue
        if cur is not None:
            cur[name] = (params, unescape(value) if name in
                         ("SUMMARY", "LOCATION", "DESCRIPTION", "UID") else value)
    assert depth == [], "unclosed components %r" % depth
    return events


def unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            n = v[i + 1]
            out.append("\n" if n in "nN" else n)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def ics_time(v):
    return dt.datetime.strptime(v, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


class CalendarBase(test_openapi.OpenApiBase):
    """A server per class, the OpenAPI document at hand (self.check)."""

    def tenant(self, name, zone="UTC", business_hours=None, **kw):
        tok = self.server.token("cal-%s-%s" % (self.__class__.__name__, name),
                                email="%s@example.com" % name)
        put_settings(self.server, tok, zone, business_hours or every_day("00:00-24:00"), **kw)
        return tok


# ---- availability ---------------------------------------------------------------------------

class Availability(CalendarBase):

    def test_new_york_spring_and_autumn_changes(self):
        # Both changes lie within the longest horizon (365 days) on every day of the year but
        # the few after a change whose successor comes 371 days later (the second Sunday of
        # March and the first of November move by weekday): then only the other one is
        # reachable here (test_calendar_slots covers both with a fixed clock).
        spring, autumn = next_dst_changes("America/New_York")
        self.assertTrue(spring or autumn)
        for day in (d for d in (spring, autumn) if d is not None):
            with self.subTest(day=str(day)):
                # only that weekday, 00:00-05:00, hourly slots: a year of them is few
                wd = day.weekday()
                tok = self.tenant("ny-%s" % day, "America/New_York",
                                  hours({wd: ["00:00-05:00"]}), slot=60, horizon=365)
                j = self.check(self.get("/calendar/availability?days_ahead=365", token=tok),
                               "GET", "/calendar/availability", 200)
                self.assertEqual(j["timezone"], "America/New_York")
                got = [parse_iso(s["start_time"]) for s in j["available_slots"]
                       if local_date(s["start_time"], "America/New_York") == day]
                want = wall_slots("America/New_York", day, 0, 5, 60)
                self.assertEqual(got, want)
                self.assertEqual(len(want), 4 if day == spring else 5)
                for s in j["available_slots"]:
                    self.assertEqual(parse_iso(s["end_time"]) - parse_iso(s["start_time"]),
                                     dt.timedelta(hours=1))
                    self.assertEqual(s["duration_minutes"], 60)
                    local = parse_iso(s["start_time"]).astimezone(ZoneInfo("America/New_York"))
                    self.assertEqual(s["day"], local.strftime("%A"))
                    self.assertEqual(s["formatted_time"], local.strftime("%A, %B %d at %I:%M %p"))

    def test_kolkata_half_hour_offset(self):
        tok = self.tenant("kolkata", "Asia/Kolkata", every_day("09:00-17:00"))
        j = slots(self.server, tok, "?days_ahead=7")
        z = ZoneInfo("Asia/Kolkata")
        day = (now_utc().astimezone(z) + dt.timedelta(days=2)).date()
        got = [parse_iso(s["start_time"]) for s in j["available_slots"]
               if local_date(s["start_time"], "Asia/Kolkata") == day]
        self.assertEqual(got, wall_slots("Asia/Kolkata", day, 9, 17, 30))
        self.assertEqual(got[0].strftime("%H:%M"), "03:30")  # 09:00 IST
        first = [s for s in j["available_slots"] if parse_iso(s["start_time"]) == got[0]][0]
        self.assertTrue(first["formatted_time"].endswith("at 09:00 AM"), first)

    def test_slot_across_midnight_utc(self):
        # 05:00-06:00 in Kolkata is 23:30-00:30 UTC
        tok = self.tenant("midnight", "Asia/Kolkata", every_day("05:00-06:00"), slot=60)
        j = slots(self.server, tok, "?days_ahead=7")
        self.assertTrue(j["available_slots"])
        for s in j["available_slots"]:
            a, b = parse_iso(s["start_time"]), parse_iso(s["end_time"])
            self.assertEqual((a.hour, a.minute, b.hour, b.minute), (23, 30, 0, 30))
            self.assertNotEqual(a.date(), b.date())
            self.assertEqual(s["day"], a.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%A"))
        # and it books as offered
        s0 = parse_iso(j["available_slots"][0]["start_time"])
        self.assertEqual(book(self.server, tok, s0).status, 201)
        self.assertNotIn(s0, starts(slots(self.server, tok, "?days_ahead=7")))

    def test_fully_booked_day(self):
        tok = self.tenant("full", "UTC", every_day("09:00-10:00"))
        day = (now_utc() + dt.timedelta(days=2)).date()
        before = starts(slots(self.server, tok))
        on_day = [t for t in before if t.date() == day]
        self.assertEqual(len(on_day), 2)
        for t in on_day:
            self.assertEqual(book(self.server, tok, t).status, 201)
        after = starts(slots(self.server, tok))
        self.assertEqual([t for t in after if t.date() == day], [])
        self.assertEqual([t for t in after if t.date() != day],
                         [t for t in before if t.date() != day])

    def test_buffer_widens_appointments(self):
        tok = self.tenant("buffer", "UTC", every_day("09:00-12:00"), buffer=15)
        day = (now_utc() + dt.timedelta(days=2)).date()
        ten = dt.datetime.combine(day, dt.time(10), UTC)
        self.assertEqual(book(self.server, tok, ten).status, 201)
        got = [t for t in starts(slots(self.server, tok)) if t.date() == day]
        # 09:45-10:45 is taken with the buffer: 09:30 and 10:30 go, 09:00, 11:00, 11:30 stay
        self.assertEqual([t.strftime("%H:%M") for t in got], ["09:00", "11:00", "11:30"])
        # a booking inside the buffer is refused like an overlap
        r = book(self.server, tok, ten + dt.timedelta(minutes=40))
        assert_error(self, r, 409, "slot_taken")
        self.check(r, "POST", "/appointments", 409)

    def test_min_notice(self):
        tok = self.tenant("notice", "UTC", every_day("00:00-24:00"), notice=2880)
        got = starts(slots(self.server, tok, "?days_ahead=7"))
        now = now_utc()
        self.assertGreaterEqual(got[0], now + dt.timedelta(days=2) - dt.timedelta(seconds=5))
        self.assertLessEqual(got[0], now + dt.timedelta(days=2, minutes=31))
        r = book(self.server, tok, now.replace(minute=0, second=0, microsecond=0)
                 + dt.timedelta(days=1))
        assert_error(self, r, 409, "too_soon")
        self.assertIn("2 days", r.json()["message"])
        r = book(self.server, tok, now - dt.timedelta(hours=1))
        assert_error(self, r, 409, "in_past")

    def test_horizon_edge(self):
        tok = self.tenant("horizon", "UTC", every_day("00:00-24:00"), horizon=2)
        got = slots(self.server, tok, "?days_ahead=7")["available_slots"]
        last_end = parse_iso(got[-1]["end_time"])
        edge = now_utc() + dt.timedelta(days=2)
        self.assertLessEqual(last_end, edge + dt.timedelta(seconds=5))
        self.assertGreater(last_end, edge - dt.timedelta(minutes=31))
        # days_ahead below the horizon wins
        one = slots(self.server, tok, "?days_ahead=1")["available_slots"]
        self.assertLessEqual(parse_iso(one[-1]["end_time"]),
                             now_utc() + dt.timedelta(days=1, seconds=5))
        past_edge = (edge + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        r = book(self.server, tok, past_edge)
        assert_error(self, r, 409, "beyond_horizon")
        self.assertEqual(book(self.server, tok, parse_iso(got[-1]["start_time"])).status, 201)

    def test_start_and_end_hour(self):
        tok = self.tenant("hours", "America/Chicago", every_day("08:00-18:00"))
        j = slots(self.server, tok, "?days_ahead=3&start_hour=10&end_hour=12")
        self.assertTrue(j["available_slots"])
        z = ZoneInfo("America/Chicago")
        for s in j["available_slots"]:
            a = parse_iso(s["start_time"]).astimezone(z)
            b = parse_iso(s["end_time"]).astimezone(z)
            self.assertGreaterEqual(a.hour, 10)
            self.assertLessEqual((b.hour, b.minute), (12, 0))
        full = slots(self.server, tok, "?days_ahead=3")
        self.assertGreater(len(full["available_slots"]), len(j["available_slots"]))
        for q in ("?start_hour=12&end_hour=10", "?start_hour=24", "?end_hour=0",
                  "?days_ahead=0", "?days_ahead=366", "?days_ahead=x", "?start_hour=1.5",
                  "?days_ahead=%2B3"):
            with self.subTest(query=q):
                r = self.get("/calendar/availability" + q, token=tok)
                assert_error(self, r, 400, "invalid_parameter")
                self.check(r, "GET", "/calendar/availability", 400)

    def test_mirror_busy_blocks_free_and_cancelled_do_not(self):
        tok = self.tenant("mirror", "UTC", every_day("09:00-17:00"))
        uid = user_id(self.server, tok)
        day = (now_utc() + dt.timedelta(days=2)).date()
        at = lambda h, m=0: dt.datetime.combine(day, dt.time(h, m), UTC)  # noqa: E731
        busy_row(self.server, uid, "busy", at(10), at(11))
        busy_row(self.server, uid, "free", at(12), at(13), transparent=True)
        busy_row(self.server, uid, "gone", at(14), at(15), cancelled=True)
        got = {t for t in starts(slots(self.server, tok)) if t.date() == day}
        self.assertNotIn(at(10), got)
        self.assertNotIn(at(10, 30), got)
        for t in (at(9, 30), at(11), at(12), at(12, 30), at(14), at(14, 30)):
            self.assertIn(t, got)
        assert_error(self, book(self.server, tok, at(10, 15)), 409, "slot_taken")
        self.assertEqual(book(self.server, tok, at(12)).status, 201)
        # the events list shows the mirror's free event, not the cancelled one
        ev = self.check(self.get("/calendar/events?days_ahead=7", token=tok), "GET",
                        "/calendar/events", 200)["events"]
        ids = [e["id"] for e in ev]
        self.assertIn("google:busy", ids)
        self.assertIn("google:free", ids)
        self.assertNotIn("google:gone", ids)
        self.assertEqual([parse_iso(e["start_time"]) for e in ev],
                         sorted(parse_iso(e["start_time"]) for e in ev))

    def test_cancelled_appointment_does_not_block(self):
        tok = self.tenant("cancel", "UTC", every_day("09:00-11:00"))
        day = (now_utc() + dt.timedelta(days=3)).date()
        t = dt.datetime.combine(day, dt.time(9, 30), UTC)
        r = book(self.server, tok, t)
        self.assertEqual(r.status, 201)
        self.assertNotIn(t, starts(slots(self.server, tok)))
        p = self.patch("/appointments/%d" % r.json()["id"], token=tok,
                       body={"status": "cancelled"})
        self.assertEqual(p.status, 200, p.body)
        self.assertIn(t, starts(slots(self.server, tok)))
        self.assertEqual(book(self.server, tok, t).status, 201)

    def test_default_settings_and_requires_a_token(self):
        tok = self.server.token("cal-defaults")
        j = self.check(self.get("/calendar/availability", token=tok), "GET",
                       "/calendar/availability", 200)
        self.assertEqual(j["timezone"], "America/Chicago")
        z = ZoneInfo("America/Chicago")
        for s in j["available_slots"]:  # Mon-Fri 09:00-17:00, 30 minutes
            a = parse_iso(s["start_time"]).astimezone(z)
            self.assertLess(a.weekday(), 5)
            self.assertTrue(9 <= a.hour < 17)
        r = self.get("/calendar/availability")
        assert_error(self, r, 401)
        self.check(r, "GET", "/calendar/availability", 401)


# ---- events ----------------------------------------------------------------------------------

class Events(CalendarBase):

    def test_web_client_request_books_with_an_empty_json_body(self):
        tok = self.tenant("web", "America/New_York", every_day("08:00-20:00"))
        z = ZoneInfo("America/New_York")
        day = (now_utc().astimezone(z) + dt.timedelta(days=2)).date()
        start = dt.datetime.combine(day, dt.time(14, 30), z)
        q = urllib.parse.urlencode({
            "subject": "Property Viewing: 12 Oak Ave, Unit 3", "start_time": iso(start),
            "end_time": iso(start + dt.timedelta(minutes=45)), "body": "Bring ID; parking, rear",
            "attendee_email": "lee@example.com"})
        # exactly what the web client sends: Content-Type JSON, no body at all
        r = self.server.request("POST", "/calendar/events?" + q, token=tok,
                                headers={"Content-Type": "application/json"})
        j = self.check(r, "POST", "/calendar/events", 201)
        self.assertEqual(j["status"], "success")
        ev = j["event"]
        self.assertEqual(ev["subject"], "Property Viewing: 12 Oak Ave, Unit 3")
        self.assertEqual(ev["location"], "12 Oak Ave, Unit 3")
        self.assertEqual(ev["start_time"], iso(start))
        self.assertEqual(ev["end_time"], iso(start + dt.timedelta(minutes=45)))
        self.assertEqual(ev["body"], "Bring ID; parking, rear")
        self.assertEqual(ev["attendees"], [{"name": "lee@example.com",
                                            "email": "lee@example.com", "status": "accepted"}])
        self.assertIs(ev["is_online_meeting"], False)
        self.assertEqual(ev["web_link"], "")
        appt = self.get("/appointments/%d" % ev["appointment_id"], token=tok).json()
        self.assertEqual(appt["source"], "dashboard")
        self.assertEqual(appt["property_address"], "12 Oak Ave, Unit 3")
        self.assertEqual(appt["notes"], "Bring ID; parking, rear")
        # the same with Content-Length: 0 spelled out, and with no content type at all
        for hdrs in ({"Content-Type": "application/json", "Content-Length": "0"}, {}):
            q2 = urllib.parse.urlencode({"subject": "Showing",
                                         "start_time": iso(start + dt.timedelta(hours=2))})
            start += dt.timedelta(hours=2)
            r = self.server.request("POST", "/calendar/events?" + q2, token=tok, headers=hdrs)
            self.assertEqual(r.status, 201, r.body)
            self.assertEqual(r.json()["event"]["location"], "Showing")
            self.assertEqual(r.json()["event"]["attendees"][0]["name"], "Guest")

    def test_json_body_and_errors(self):
        tok = self.tenant("webjson", "UTC", every_day("08:00-20:00"))
        day = (now_utc() + dt.timedelta(days=2)).date()
        start = dt.datetime.combine(day, dt.time(9), UTC)
        r = self.post("/calendar/events", token=tok, body={
            "subject": "Viewing", "location": "9 Elm St", "start_time": iso(start),
            "attendee_name": "Kim", "attendee_email": "kim@example.com"})
        j = self.check(r, "POST", "/calendar/events", 201)
        self.assertEqual(j["event"]["location"], "9 Elm St")
        self.assertEqual(j["event"]["attendees"][0]["name"], "Kim")
        self.assertEqual(parse_iso(j["event"]["end_time"]) - start, dt.timedelta(minutes=30))
        # a body field wins over the same query parameter
        r = self.post("/calendar/events?subject=FromQuery&start_time=%s" % iso(start),
                      token=tok, body={"start_time": iso(start + dt.timedelta(hours=1))})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(r.json()["event"]["start_time"], iso(start + dt.timedelta(hours=1)))
        self.assertEqual(r.json()["event"]["location"], "FromQuery")
        # the same slot again: taken
        r = self.post("/calendar/events?subject=X&start_time=%s" % iso(start), token=tok)
        assert_error(self, r, 409, "slot_taken")
        self.check(r, "POST", "/calendar/events", 409)
        # missing subject and start, unknown key, bad time, wrong type, bad JSON, not JSON
        j = self.check(self.post("/calendar/events", token=tok, body={"colour": "red"}),
                       "POST", "/calendar/events", 422)
        self.assertEqual(sorted(e["field"] for e in j["errors"]),
                         ["colour", "start_time", "subject"])
        r = self.post("/calendar/events?subject=X&start_time=tomorrow", token=tok)
        self.assertEqual([e["field"] for e in self.check(r, "POST", "/calendar/events", 422)
                          ["errors"]], ["start_time"])
        self.check(self.post("/calendar/events", token=tok, body={"subject": 5}), "POST",
                   "/calendar/events", 400)
        self.check(self.post("/calendar/events", token=tok, raw="{nope",
                             headers={"Content-Type": "application/json"}),
                   "POST", "/calendar/events", 400)
        self.check(self.post("/calendar/events?subject=X", token=tok, raw="subject=x",
                             headers={"Content-Type": "text/plain"}),
                   "POST", "/calendar/events", 415)

    def test_events_list(self):
        tok = self.tenant("list", "UTC", every_day("00:00-24:00"))
        base = now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        a = book(self.server, tok, base, attendee_email="a@example.com",
                 attendee_phone="555-0100", notes="Ring twice").json()
        b = book(self.server, tok, base + dt.timedelta(hours=2), property_address="2 B St").json()
        c = book(self.server, tok, base + dt.timedelta(days=10)).json()
        d = book(self.server, tok, base + dt.timedelta(hours=4)).json()
        self.patch("/appointments/%d" % d["id"], token=tok, body={"status": "cancelled"})
        ev = self.check(self.get("/calendar/events?days_ahead=3", token=tok), "GET",
                        "/calendar/events", 200)["events"]
        self.assertEqual([e["appointment_id"] for e in ev], [a["id"], b["id"]])
        e = ev[0]
        self.assertEqual(e["id"], "appointment-%d" % a["id"])
        self.assertEqual(e["subject"], "Property Viewing: 1 Test St")
        self.assertEqual(e["body"], "Ring twice\nPhone: 555-0100")
        self.assertEqual(e["attendees"][0]["email"], "a@example.com")
        self.assertEqual(ev[1]["attendees"][0]["email"], "")  # never null
        for x in ev:
            self.assertIsInstance(x["location"], str)
            self.assertIsInstance(x["web_link"], str)
            self.assertIs(x["is_online_meeting"], False)
        ev14 = self.get("/calendar/events", token=tok).json()["events"]
        self.assertEqual([x["appointment_id"] for x in ev14], [a["id"], b["id"], c["id"]])
        assert_error(self, self.get("/calendar/events?days_ahead=0", token=tok), 400,
                     "invalid_parameter")

    def test_auth_status_is_the_builtin_calendar(self):
        tok = self.tenant("status", "UTC")
        j = self.check(self.get("/calendar/auth/status", token=tok), "GET",
                       "/calendar/auth/status", 200)
        self.assertEqual(j["user_id"], user_id(self.server, tok))
        self.assertEqual(j["user_email"], "status@example.com")
        self.assertIs(j["authorized"], False)
        self.assertIsNone(j["provider"])
        for k in ("calendar_email", "calendar_name", "calendar_id", "calendar_link",
                  "calendar_error", "expires_at", "expires_at_formatted"):
            self.assertIsNone(j[k], k)
        self.assertIs(j["token_valid"], False)
        self.assertIs(j["calendar_verified"], False)


# ---- the iCalendar feed ----------------------------------------------------------------------

class Feed(CalendarBase):

    def test_feed_parses_back(self):
        tok = self.tenant("feed", "UTC", every_day("00:00-24:00"))
        base = now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        tricky = "12 Oak Ave, Unit 3; rear door \\ gate"
        long_note = "Ünïcödé " * 30 + "\nsecond line, with; punctuation"
        a = book(self.server, tok, base, property_address=tricky, notes=long_note,
                 attendee_name="Zoë Q", attendee_email="zoe@example.com").json()
        b = book(self.server, tok, base + dt.timedelta(hours=3)).json()
        c = book(self.server, tok, base + dt.timedelta(hours=5)).json()
        self.patch("/appointments/%d" % b["id"], token=tok,
                   body={"start_time": iso(base + dt.timedelta(hours=8))})
        self.patch("/appointments/%d" % c["id"], token=tok, body={"status": "cancelled"})
        r = self.check(self.post("/calendar/feed-token", token=tok), "POST",
                       "/calendar/feed-token", 201)
        self.assertTrue(r["feed_url"].startswith(self.server.url + "/calendar/feed.ics?token="))
        path = r["feed_url"][len(self.server.url):]
        resp = self.get(path)
        self.check(resp, "GET", "/calendar/feed.ics", 200)
        self.assertEqual(resp.headers["content-type"], "text/calendar; charset=utf-8")
        text = resp.body.decode("utf-8")
        self.assertTrue(text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        events = {e["UID"][1]: e for e in parse_ics(text)}
        self.assertEqual(len(events), 3)
        ea = [e for u, e in events.items() if u.startswith("appointment-%d@" % a["id"])][0]
        self.assertEqual(ea["SUMMARY"][1], "Property Viewing: " + tricky)
        self.assertEqual(ea["LOCATION"][1], tricky)
        self.assertEqual(ea["DESCRIPTION"][1], long_note)
        self.assertEqual(ics_time(ea["DTSTART"][1]), base)
        self.assertEqual(ics_time(ea["DTEND"][1]), base + dt.timedelta(minutes=30))
        self.assertEqual(ea["STATUS"][1], "CONFIRMED")
        self.assertIn("mailto:zoe@example.com", ea["ATTENDEE"][1])
        eb = [e for u, e in events.items() if u.startswith("appointment-%d@" % b["id"])][0]
        self.assertEqual(ics_time(eb["DTSTART"][1]), base + dt.timedelta(hours=8))
        self.assertEqual(eb["SEQUENCE"][1], "1")
        ec = [e for u, e in events.items() if u.startswith("appointment-%d@" % c["id"])][0]
        self.assertEqual(ec["STATUS"][1], "CANCELLED")

    def test_token_rotation_and_revocation(self):
        tok = self.tenant("rotate", "UTC")
        t1 = self.post("/calendar/feed-token", token=tok).json()["token"]
        self.assertEqual(self.get("/calendar/feed.ics?token=" + t1).status, 200)
        t2 = self.post("/calendar/feed-token", token=tok).json()["token"]
        self.assertNotEqual(t1, t2)
        missing = self.get("/calendar/feed.ics?token=" + t1)
        self.check(missing, "GET", "/calendar/feed.ics", 404)
        assert_error(self, missing, 404, "not_found")
        self.assertEqual(self.get("/calendar/feed.ics?token=" + t2).status, 200)
        r = self.delete("/calendar/feed-token", token=tok)
        self.check(r, "DELETE", "/calendar/feed-token", 204)
        self.assertEqual(self.get("/calendar/feed.ics?token=" + t2).body, missing.body)
        for bad in ("", "?token=", "?token=abc", "?token=1.%s" % ("A" * 43), "?token=%C3%28"):
            with self.subTest(query=bad):
                r = self.get("/calendar/feed.ics" + bad)
                self.assertEqual(r.status, 404, r.body)
                self.assertEqual(r.body, missing.body)
        # a bearer token is not a feed token
        self.assertEqual(self.get("/calendar/feed.ics", token=tok).status, 404)
        r = self.post("/calendar/feed-token")
        self.check(r, "POST", "/calendar/feed-token", 401)


if __name__ == "__main__":
    harness.run()
