# SPDX-License-Identifier: MIT
"""The voice assistant's viewing tools (SPEC §6) through POST /vapi/webhook, on the built-in
calendar: get_availability offers free times spread over days and times of day, spoken in the
tenant's zone; set_appointment books through the same code as POST /appointments (source
vapi, Vapi's call id kept, one booking when many callers want one slot) and offers the
nearest free times when a time cannot be had; cancel_appointment finds the caller's viewing
by phone or email; the call log shows what a call booked; nothing reaches another tenant.
Expected times are computed here from GET /calendar/availability with zoneinfo."""

import concurrent.futures
import datetime as dt
import os
import re
import sys
import uuid
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from test_calendar import every_day, put_settings, parse_iso  # noqa: E402
from test_vapi_webhook import WebhookBase, call, report  # noqa: E402

ZONE = "America/New_York"
SPOKEN = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
                    r"([A-Z][a-z]+ \d{1,2}(?:, \d{4})?) at (\d{1,2}(?::\d\d)? [AP]M)")


def spoken(start, zone=ZONE):
    """A slot's start as the assistant says it: "Tuesday, March 3 at 2:30 PM"."""
    t = start.astimezone(ZoneInfo(zone))
    clock = "%d%s %s" % (t.hour % 12 or 12, ":%02d" % t.minute if t.minute else "",
                         "AM" if t.hour < 12 else "PM")
    day = "%s %d" % (t.strftime("%B"), t.day)
    if t.year != dt.datetime.now(ZoneInfo(zone)).year:
        day += ", %d" % t.year
    return "%s, %s at %s" % (t.strftime("%A"), day, clock)


def offers(text):
    """The times an answer names, as spoken."""
    return ["%s, %s at %s" % m for m in SPOKEN.findall(text)]


class Viewings(WebhookBase):

    def setUp(self):
        self.tok = self.tenant()
        put_settings(self.server, self.tok, ZONE, every_day("09:00-17:00"), slot=30, notice=0,
                     horizon=14)
        self.agent = self.new_agent(self.tok)
        self.oaks = self.rental(self.tok, property_address="1000 Rambling Oaks - 6",
                                city="Norman", price=1250, bedrooms=2, bathrooms=1.5)
        self.call_id = "call-" + uuid.uuid4().hex

    def free(self, query="?days_ahead=14"):
        r = self.get("/calendar/availability" + query, token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        return [parse_iso(s["start_time"]) for s in r.json()["available_slots"]]

    def run_tool(self, name, args, call_id=None, agent=None):
        """One tool call in its own message of call call_id; returns the entry."""
        agent = agent or self.agent
        r = self.hook(agent, {"type": "tool-calls", "call": {"id": call_id or self.call_id},
                              "toolCallList": [call("t1", name, args)]})
        self.assertEqual(r.status, 200, r.body)
        entry = r.json()["results"][0]
        self.assert_speakable(entry.get("result", entry.get("error")))
        return entry

    def said(self, name, args, **kw):
        entry = self.run_tool(name, args, **kw)
        self.assertIn("result", entry, entry)
        return entry["result"]

    def appointments(self, tok=None):
        r = self.get("/appointments", token=tok or self.tok)
        self.assertEqual(r.status, 200, r.body)
        return r.json()["appointments"]

    # ---- get_availability ----------------------------------------------------------------

    def test_offers_spread_over_days_and_times_of_day(self):
        text = self.said("get_availability", {"property_address": "1000 Rambling Oaks unit 6"})
        self.assertTrue(text.startswith("For 1000 Rambling Oaks, unit 6, I can offer "), text)
        named = offers(text)
        self.assertEqual(len(named), 3, text)
        free = {spoken(s) for s in self.free()}
        for o in named:
            self.assertIn(o, free, "offered a time that is not free: " + o)
        self.assertEqual(len({o.split(",")[0] for o in named}), 3, "three different days")
        hours = [int(o.split(" at ")[1].split(":")[0].split(" ")[0]) % 12 +
                 (12 if o.endswith("PM") else 0) for o in named]
        self.assertGreater(len({h < 12 for h in hours}), 1, "mornings and afternoons")
        self.assertIn(", or ", text)

    def test_a_date_keeps_the_offers_on_that_day(self):
        free = self.free()  # a day in the middle of the horizon has all its hours
        day = free[len(free) // 2].astimezone(ZoneInfo(ZONE)).date()
        text = self.said("get_availability", {"date": day.isoformat()})
        named = offers(text)
        self.assertGreaterEqual(len(named), 2, text)
        for o in named:
            self.assertTrue(o.startswith(day.strftime("%A, %B ") + str(day.day)), o)

    def test_no_free_time_is_said(self):
        put_settings(self.server, self.tok, ZONE, every_day(), notice=0)
        text = self.said("get_availability", {})
        self.assertIn("don't have any open viewing times", text)
        self.assertEqual(offers(text), [])

    def test_availability_arguments(self):
        for args in ({"days_ahead": "many"}, {"days_ahead": 0}, {"date": "someday"},
                     {"date": 20270101}, {"property_address": ["1000"]}):
            with self.subTest(args=args):
                self.assertIn("error", self.run_tool("get_availability", args))
        text = self.said("get_availability", {"property_address": "9 Nowhere Rd"})
        self.assertIn("couldn't find a listing", text)
        self.assertEqual(offers(text), [])

    # ---- set_appointment -----------------------------------------------------------------

    def test_booking_through_the_calendar(self):
        slot = self.free()[2]
        text = self.said("set_appointment", {
            "property_address": "1000 rambling oaks #6", "start_time": harness_iso(slot),
            "attendee_name": "John Doe", "attendee_phone": "(405) 555-0123",
            "attendee_email": "john@example.com"})
        self.assertIn("You're all set", text)
        self.assertIn(spoken(slot), text)
        [a] = self.appointments()
        self.assertEqual((a["source"], a["vapi_call_id"], a["rental_id"], a["status"]),
                         ("vapi", self.call_id, self.oaks["id"], "confirmed"))
        self.assertEqual((a["attendee_name"], a["attendee_email"], a["attendee_phone"]),
                         ("John Doe", "john@example.com", "(405) 555-0123"))
        self.assertEqual(parse_iso(a["start_time"]), slot)
        self.assertEqual(a["property_address"], "1000 Rambling Oaks - 6")
        self.assertNotIn(slot, self.free(), "the booked slot is no longer offered")

    def test_a_local_time_is_read_in_the_tenants_zone(self):
        slot = self.free()[4]
        local = slot.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")
        self.said("set_appointment", {"property_address": "1000 Rambling Oaks - 6",
                                      "start_time": local, "attendee_name": "Pat"})
        [a] = self.appointments()
        self.assertEqual(parse_iso(a["start_time"]), slot)

    def test_a_taken_time_offers_the_nearest_free_ones(self):
        slot = self.free()[5]
        args = {"property_address": "1000 Rambling Oaks - 6", "start_time": harness_iso(slot),
                "attendee_name": "First"}
        self.said("set_appointment", args)
        text = self.said("set_appointment", dict(args, attendee_name="Second"))
        self.assertTrue(text.startswith("That time is already taken."), text)
        named = offers(text)
        self.assertEqual(len(named), 3, text)
        free = self.free()
        nearest = sorted(free, key=lambda s: (abs((s - slot).total_seconds()), s))[:3]
        self.assertEqual(named, [spoken(s) for s in sorted(nearest)])
        self.assertEqual(len(self.appointments()), 1)

    def test_one_slot_many_callers_one_booking(self):
        slot = self.free()[6]

        def one(i):
            return self.said("set_appointment", {
                "property_address": "1000 Rambling Oaks - 6", "start_time": harness_iso(slot),
                "attendee_name": "Caller %d" % i}, call_id="race-%d" % i)

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(one, range(10)))
        self.assertEqual(sum(a.startswith("You're all set") for a in answers), 1, answers)
        self.assertEqual(sum(a.startswith("That time is already taken.") for a in answers), 9)
        self.assertEqual(len(self.appointments()), 1)

    def test_times_that_cannot_be_booked(self):
        base = {"property_address": "1000 Rambling Oaks - 6", "attendee_name": "Pat"}
        tomorrow = (dt.datetime.now(ZoneInfo(ZONE)) + dt.timedelta(days=1)).date()
        night = "%sT22:00" % tomorrow.isoformat()
        cases = {"2020-01-01T10:00:00Z": "That time has already passed.",
                 night: "That is outside our viewing hours.",
                 "%sT10:00" % (tomorrow + dt.timedelta(days=40)).isoformat():
                     "That is further ahead than I can book."}
        for when, words in cases.items():
            with self.subTest(when=when):
                text = self.said("set_appointment", dict(base, start_time=when))
                self.assertTrue(text.startswith(words), text)
                self.assertTrue(offers(text) or "near then" in text, text)
        self.assertEqual(self.appointments(), [])

    def test_booking_arguments(self):
        slot = harness_iso(self.free()[0])
        good = {"property_address": "1000 Rambling Oaks - 6", "start_time": slot,
                "attendee_name": "Pat"}
        for drop in ("property_address", "start_time", "attendee_name"):
            with self.subTest(missing=drop):
                args = dict(good)
                del args[drop]
                self.assertIn("error", self.run_tool("set_appointment", args))
        for key, value in (("start_time", "next tuesday"), ("start_time", 1772467200),
                           ("attendee_name", {"first": "Pat"}), ("attendee_email", 5)):
            with self.subTest(key=key, value=value):
                self.assertIn("error", self.run_tool("set_appointment", dict(good, **{key: value})))
        text = self.said("set_appointment", dict(good, property_address="77 Elsewhere Ave"))
        self.assertIn("couldn't find a listing", text)
        self.assertEqual(self.appointments(), [])

    # ---- cancel_appointment ----------------------------------------------------------------

    def book(self, slot, **fields):
        args = {"property_address": "1000 Rambling Oaks - 6", "start_time": harness_iso(slot),
                "attendee_name": "Pat"}
        args.update(fields)
        self.assertIn("You're all set", self.said("set_appointment", args))

    def test_cancel_by_phone_or_email(self):
        free = self.free()
        self.book(free[1], attendee_phone="+1 405-555-0199")
        self.book(free[8], attendee_email="Pat@Example.com")
        text = self.said("cancel_appointment", {"attendee_phone": "(405) 555 0199"})
        self.assertTrue(text.startswith("Done: the viewing of 1000 Rambling Oaks, unit 6 on %s "
                                        "is cancelled." % spoken(free[1])), text)
        text = self.said("cancel_appointment", {"attendee_email": "pat@example.com"})
        self.assertIn(spoken(free[8]), text)
        self.assertEqual({a["status"] for a in self.appointments()}, {"cancelled"})
        text = self.said("cancel_appointment", {"attendee_phone": "405-555-0199"})
        self.assertIn("couldn't find an upcoming viewing", text)

    def test_two_viewings_ask_which_unless_the_time_is_given(self):
        free = self.free()
        self.book(free[1], attendee_phone="4055550177")
        self.book(free[9], attendee_phone="4055550177")
        text = self.said("cancel_appointment", {"attendee_phone": "405 555 0177"})
        self.assertIn("I found two viewings", text)
        self.assertEqual(offers(text), [spoken(free[1]), spoken(free[9])])
        self.assertEqual({a["status"] for a in self.appointments()}, {"confirmed"})
        self.said("cancel_appointment", {"attendee_phone": "405 555 0177",
                                         "start_time": harness_iso(free[9])})
        status = {parse_iso(a["start_time"]): a["status"] for a in self.appointments()}
        self.assertEqual(status, {free[1]: "confirmed", free[9]: "cancelled"})

    def test_cancel_needs_a_phone_or_an_email(self):
        for args in ({}, {"attendee_phone": ""}, {"attendee_phone": 4055550123},
                     {"attendee_email": "a@b.c", "start_time": "whenever"}):
            with self.subTest(args=args):
                self.assertIn("error", self.run_tool("cancel_appointment", args))

    # ---- the call log and other tenants ----------------------------------------------------

    def test_the_call_log_shows_what_the_call_booked(self):
        slot = self.free()[3]
        self.book(slot, attendee_name="Logged Caller")
        r = self.hook(self.agent, report(self.agent["vapi_assistant_id"], self.call_id)["message"])
        self.assertEqual(r.status, 200, r.body)
        [c] = self.get("/calls", token=self.tok).json()["calls"]
        detail = self.get("/calls/%d" % c["id"], token=self.tok).json()
        [a] = detail["appointments"]
        self.assertEqual((a["attendee_name"], a["vapi_call_id"], parse_iso(a["start_time"])),
                         ("Logged Caller", self.call_id, slot))

    def test_another_tenants_viewings_are_out_of_reach(self):
        tok_b = self.tenant("-b")
        put_settings(self.server, tok_b, ZONE, every_day("09:00-17:00"), notice=0)
        agent_b = self.new_agent(tok_b)
        self.rental(tok_b, property_address="55 Tenant B Street", price=999)
        slot_b = self.free()[2]
        self.said("set_appointment", {"property_address": "55 Tenant B Street",
                                      "start_time": harness_iso(slot_b),
                                      "attendee_name": "B Caller",
                                      "attendee_phone": "4055550111"}, agent=agent_b)
        # A's assistant with B's address, B's caller's phone and B's user id
        uid_b = self.get("/users/me", token=tok_b).json()["user_id"]
        text = self.said("set_appointment", {"property_address": "55 Tenant B Street",
                                             "start_time": harness_iso(slot_b),
                                             "attendee_name": "Intruder", "user_id": uid_b})
        self.assertIn("couldn't find a listing", text)
        text = self.said("cancel_appointment", {"attendee_phone": "4055550111",
                                                "user_id": uid_b})
        self.assertIn("couldn't find an upcoming viewing", text)
        self.assertEqual(self.appointments(), [])
        [b] = self.appointments(tok_b)
        self.assertEqual((b["status"], b["attendee_name"]), ("confirmed", "B Caller"))


def harness_iso(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    harness.run()
