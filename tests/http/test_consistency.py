# SPDX-License-Identifier: MIT
"""Read-after-write consistency across instances (SPEC §1 scale-out, §5 rentals): two
`peterental serve` processes on one database, as behind a load balancer. Whatever one
instance (or an operator editing the database directly) writes, the very next read through
the other shows it, on every rentals view: GET /rentals (whole list, a filter, keyset pages),
GET /rentals/{id}, /database/available (dates in the tenant's time zone), /database/rentals/
{website}, /database/status and /database/sources; that includes an operator moving a row
to another tenant or emptying the rentals table (TRUNCATE on PostgreSQL). /database/available
moves to the next day at the tenant's midnight although no data changed (a test-written zone
file makes midnight come on cue). Identical URLs asked by two tenants always answer each with
its own rows only; a page walk stays right while rows are inserted or deleted between pages;
an erased tenant's data is gone everywhere at once and its old token stops working on the
other instance too.

Every view is read twice before a write, so a server-side cache of responses would be warm:
these tests hold with or without one. Runs on SQLite (shared DATA_DIR) and PostgreSQL
(shared database)."""

import datetime
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

# Both instances are one deployment: one public URL, hence one token issuer.
PUBLIC_URL = "http://pete-lb.example"
# Pacific/Kiritimati (UTC+14) and Pacific/Pago_Pago (UTC-11) are 25 hours apart: at every
# instant their dates differ, so switching between them changes current_date and the days.
EAST = "Pacific/Kiritimati"
WEST = "Pacific/Pago_Pago"
DEFAULT_TZ = "America/Chicago"
# A zone the tests write themselves (into the servers' TZDIR, next to the system zones): its
# midnight comes when a test says so.
TEST_ZONE = "PeteTest/Midnight"
SYSTEM_TZDIR = "/usr/share/zoneinfo"
# An erased tenant's old token may keep resolving on another instance for the server's
# resolved-tenant cache lifetime (src/users/users.h USERS_CACHE_MS, 1 s); it must be refused
# within this bound, and must never show the erased data meanwhile.
ERASE_VISIBLE_S = 3.0
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAY = datetime.timedelta(days=1)


def spoken(d):
    return "%s %02d, %d" % (MONTHS[d.month - 1], d.day, d.year)


class TestZones:
    """A TZDIR holding every system zone (symbolic links) plus TEST_ZONE."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pete-tz-")
        system = os.environ.get("TZDIR") or SYSTEM_TZDIR
        for name in os.listdir(system):
            os.symlink(os.path.join(system, name), os.path.join(self.dir, name))
        os.mkdir(os.path.join(self.dir, os.path.dirname(TEST_ZONE)))

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_jump(self, at):
        """TEST_ZONE: UTC-12 before the instant `at` (epoch seconds), UTC+12 from then on,
        so the local date moves one day forward at `at` (TZif version 2, RFC 8536).
        Replaced atomically: a reader sees the old or the new file."""
        chars = b"-12\0+12\0"

        def block(fmt):
            return (b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 1, 2, len(chars)) +
                    struct.pack(fmt, at) + b"\x01" + struct.pack(">lBB", -43200, 0, 0) +
                    struct.pack(">lBB", 43200, 0, 4) + chars)

        tmp = self.path(TEST_ZONE + ".tmp")
        with open(tmp, "wb") as f:
            f.write(block(">l") + block(">q") + b"\n<+12>-12\n")
        os.replace(tmp, self.path(TEST_ZONE))

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


ZONES = None  # the TestZones of the running class


def today_in(tz):
    if tz == TEST_ZONE:
        with open(ZONES.path(TEST_ZONE), "rb") as f:
            zone = zoneinfo.ZoneInfo.from_file(f)
    else:
        zone = zoneinfo.ZoneInfo(tz)
    return datetime.datetime.now(zone).date()


def quote(s):
    return urllib.parse.quote(s, safe="")


class Tenant:
    """What the test knows a tenant should see: its rentals by id (the last JSON the API
    returned for each), sources, time zone and email."""

    def __init__(self, token, email, tz=DEFAULT_TZ, sub=None):
        self.token = token
        self.sub = sub
        self.email = email
        self.tz = tz
        self.rentals = {}
        self.sources = []
        self.user_id = None

    def ordered(self, pred=None):
        return [self.rentals[i] for i in sorted(self.rentals)
                if pred is None or pred(self.rentals[i])]


def expected_available(t, today):
    """The /database/available rentals of tenant t on day `today` (SPEC §5: days until
    available, "Available Now" for today/past/undated, sorted by days then price)."""
    out = []
    for x in t.ordered(lambda x: x["available"]):
        days = 0
        if x["available_date"] is not None:
            days = max(0, (datetime.date.fromisoformat(x["available_date"]) - today).days)
        status = "Available Now" if days == 0 else \
            "Available " + spoken(datetime.date.fromisoformat(x["available_date"]))
        out.append(dict(x, availability_status=status, days_until_available=days))
    out.sort(key=lambda x: (x["days_until_available"], x["price"] is None,
                            x["price"] or 0, x["id"]))
    return out


class TwoInstances(unittest.TestCase):
    """S1 and S2: two servers on one database (one DATA_DIR on SQLite)."""

    s1 = None
    s2 = None

    @classmethod
    def setUpClass(cls):
        global ZONES
        super().setUpClass()
        ZONES = TestZones()
        ZONES.write_jump(int(time.time()) + 3600)
        env = {"PUBLIC_URL": PUBLIC_URL, "TZDIR": ZONES.dir}
        try:
            cls.s1 = harness.Server(env).start()
            cls.s2 = harness.Server(env, share_with=cls.s1).start()
        except BaseException:
            if cls.s1 is not None:
                cls.s1.stop()
            ZONES.remove()
            raise

    @classmethod
    def tearDownClass(cls):
        problems = []
        # the second instance first: the first one owns (and removes) the shared storage
        for name in ("s2", "s1"):
            srv = getattr(cls, name)
            setattr(cls, name, None)
            if srv is None:
                continue
            crashed = not srv.alive() and not srv.stopped
            srv.stop()
            report = srv.sanitizer_report()
            if crashed:
                problems.append("%s died during the tests (exit %s); log tail:\n%s"
                                % (name, srv.exit_code, srv.log_text()[-4000:]))
            elif report:
                problems.append("%s: sanitizer report: %s\n%s"
                                % (name, report, srv.log_text()[-8000:]))
            elif srv.exit_code != 0:
                problems.append("%s exited with %s on SIGTERM; log tail:\n%s"
                                % (name, srv.exit_code, srv.log_text()[-4000:]))
        ZONES.remove()
        super().tearDownClass()
        if problems:
            raise AssertionError("\n".join(problems))

    # ---- set-up helpers -------------------------------------------------------------------

    def tenant(self, tag, tz=None):
        sub = "cons-%s-%s" % (self._testMethodName, tag)
        email = "%s.%s@example.com" % (self._testMethodName.replace("_", "-"), tag)
        t = Tenant(self.s1.token(sub, email=email), email, sub=sub)
        r = self.s1.request("GET", "/users/me", token=t.token)
        self.assertEqual(r.status, 200, r.body)
        t.user_id = r.json()["user_id"]
        if tz is not None:
            self.set_tz(self.s1, t, tz)
        return t

    def set_tz(self, srv, t, tz):
        r = srv.request("PATCH", "/users/me/settings", token=t.token, body={"timezone": tz})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["timezone"], tz)
        t.tz = tz

    def create(self, srv, t, **fields):
        r = srv.request("POST", "/rentals", token=t.token, body=fields)
        self.assertEqual(r.status, 201, r.body)
        j = r.json()
        self.assertEqual(j["user_id"], t.user_id)
        t.rentals[j["id"]] = j
        return j

    def patch(self, srv, t, rid, **fields):
        r = srv.request("PATCH", "/rentals/%d" % rid, token=t.token, body=fields)
        self.assertEqual(r.status, 200, r.body)
        t.rentals[rid] = r.json()
        return r.json()

    def remove(self, srv, t, rid):
        r = srv.request("DELETE", "/rentals/%d" % rid, token=t.token)
        self.assertEqual(r.status, 204, r.body)
        del t.rentals[rid]

    def operator_sql(self, sql, rows=1):
        """Runs one statement directly on the shared database, as an operator would; on
        SQLite checks it changed `rows` rows (None: any number)."""
        if harness.is_postgres():
            self.s1.psql(sql)
            return
        con = sqlite3.connect(os.path.join(self.s1.data_dir, "peterental.db"), timeout=10)
        try:
            with con:
                n = con.execute(sql).rowcount
            if rows is not None:
                self.assertEqual(n, rows, sql)
        finally:
            con.close()

    # ---- reading and checking views -------------------------------------------------------

    def read(self, srv, path, t):
        r = srv.request("GET", path, token=t.token)
        self.assertEqual(r.status, 200, "%s %s: %r" % (srv.url, path, r))
        return r.json()

    def walk(self, srv, t, limit, first_cursor=None, max_pages=50):
        """GET /rentals?limit=N from the start (or first_cursor) to the end: the rentals
        and the number of pages."""
        got, pages, cursor = [], 0, first_cursor
        while True:
            path = "/rentals?limit=%d" % limit
            if cursor is not None:
                path += "&cursor=" + quote(cursor)
            j = self.read(srv, path, t)
            pages += 1
            self.assertLessEqual(len(j["rentals"]), limit)
            got += j["rentals"]
            cursor = j["next_cursor"]
            if cursor is None:
                return got, pages
            self.assertIsInstance(cursor, str)
            self.assertEqual(len(j["rentals"]), limit, "a short page with a next_cursor")
            self.assertLess(pages, max_pages, "page walk does not end")

    def read_available(self, srv, t):
        """GET /database/available and the tenant's date it was answered on (retried when
        the tenant's midnight passes during the request)."""
        for _ in range(3):
            before = today_in(t.tz)
            j = self.read(srv, "/database/available", t)
            if today_in(t.tz) == before:
                return j, before
        self.fail("midnight kept passing")

    def check_views(self, srv, t, where):
        """Every rentals view of tenant t through srv equals what the test expects."""
        msg = "%s via %s" % (where, "S1" if srv is self.s1 else "S2")
        want = t.ordered()
        self.assertLessEqual(len(want), 50)
        j = self.read(srv, "/rentals?limit=50", t)
        self.assertEqual(j, {"rentals": want, "next_cursor": None}, msg + ": /rentals")

        got, pages = self.walk(srv, t, 2)
        self.assertEqual(got, want, msg + ": /rentals?limit=2 pages")
        self.assertEqual(pages, max(1, (len(want) + 1) // 2), msg + ": page count")

        j = self.read(srv, "/rentals?available=true&limit=50", t)
        self.assertEqual(j["rentals"], t.ordered(lambda x: x["available"]),
                         msg + ": /rentals?available=true")

        j, today = self.read_available(srv, t)
        avail = expected_available(t, today)
        self.assertEqual(j, {"status": "success", "user_email": t.email,
                             "total_available": len(avail), "current_date": spoken(today),
                             "rentals": avail}, msg + ": /database/available")

        manual = t.ordered(lambda x: x["website"] == "manual")
        j = self.read(srv, "/database/rentals/manual", t)
        self.assertEqual(j, {"status": "success", "user_email": t.email, "website": "manual",
                             "rental_count": len(manual), "rentals": manual},
                         msg + ": /database/rentals/manual")

        j = self.read(srv, "/database/status", t)
        sites = {}
        for x in want:
            sites.setdefault(x["website"], {"rental_count": 0, "last_scraped": None})
            sites[x["website"]]["rental_count"] += 1
        for s in t.sources:
            sites.setdefault(s["website"], {"rental_count": 0, "last_scraped": None})
        self.assertEqual(j, {"status": "success", "user_email": t.email, "database_stats": {
            "total_rentals": len(want),
            "available_rentals": sum(1 for x in want if x["available"]),
            "websites_tracked": len(sites),
            "last_updated": max((x["updated_at"] for x in want), default=None),
            "websites": sites}}, msg + ": /database/status")

        j = self.read(srv, "/database/sources", t)
        self.assertEqual([(s["id"], s["url"], s["website"]) for s in j],
                         [(s["id"], s["url"], s["website"]) for s in t.sources],
                         msg + ": /database/sources")

        for x in want:
            self.assertEqual(self.read(srv, "/rentals/%d" % x["id"], t), x,
                             msg + ": /rentals/%d" % x["id"])

    def check_gone(self, srv, t, rid, where):
        r = srv.request("GET", "/rentals/%d" % rid, token=t.token)
        self.assertEqual(r.status, 404, "%s: /rentals/%d: %r" % (where, rid, r))
        assert_error(self, r, 404, "not_found")

    def warm(self, srv, t, where):
        for n in range(2):
            self.check_views(srv, t, "%s (read %d)" % (where, n + 1))

    # ---- 1. writes through one instance, reads through the other --------------------------

    def test_writes_through_one_instance_are_read_through_the_other(self):
        a = self.tenant("a", tz=WEST)
        east = today_in(EAST)
        r1 = self.create(self.s1, a, property_address="1 First St", price=1000, bedrooms=1,
                         description="first", available_date=east.isoformat())
        r2 = self.create(self.s1, a, property_address="2 Second St", price=1100, bedrooms=2,
                         available_date=(east - 3 * DAY).isoformat())
        r3 = self.create(self.s1, a, property_address="3 Third St", price=900, bedrooms=3)
        self.create(self.s1, a, property_address="4 Fourth St", price=1500, bedrooms=2,
                    website="zillow.com", available_date=(east + 4 * DAY).isoformat())
        self.create(self.s1, a, property_address="5 Fifth St", price=1200,
                    available_date=(east + 2 * DAY).isoformat())
        self.warm(self.s2, a, "before writes")
        self.warm(self.s1, a, "before writes")

        self.patch(self.s1, a, r1["id"], price=1234.5)
        self.check_views(self.s2, a, "after PATCH price")
        self.remove(self.s1, a, r2["id"])
        self.check_gone(self.s2, a, r2["id"], "after DELETE")
        self.check_views(self.s2, a, "after DELETE")
        self.create(self.s1, a, property_address="6 Sixth St", price=800,
                    available_date=(east + 1 * DAY).isoformat())
        self.check_views(self.s2, a, "after POST")
        self.patch(self.s1, a, r3["id"], available=False)
        self.check_views(self.s2, a, "after PATCH available=false")

        # the time zone moves every date-dependent field of /database/available
        before, west_day = self.read_available(self.s2, a)
        self.set_tz(self.s1, a, EAST)
        after, east_day = self.read_available(self.s2, a)
        self.assertEqual(after["current_date"], spoken(east_day), "S2 kept the old time zone")
        self.assertNotEqual(after["current_date"], before["current_date"])
        was = {x["id"]: x for x in before["rentals"]}[r1["id"]]
        now = {x["id"]: x for x in after["rentals"]}[r1["id"]]
        self.assertEqual((now["days_until_available"], now["availability_status"]),
                         (0, "Available Now"), "S2 kept the old time zone")
        if west_day < east:  # always, unless Kiritimati's midnight passed meanwhile
            self.assertEqual((was["days_until_available"], was["availability_status"]),
                             ((east - west_day).days, "Available " + spoken(east)))
        self.check_views(self.s2, a, "after timezone change")

        r = self.s1.request("POST", "/database/sources", token=a.token,
                            body={"url": "https://listings.example/city"})
        self.assertEqual(r.status, 201, r.body)
        a.sources.append(r.json())
        self.check_views(self.s2, a, "after POST /database/sources")
        self.patch(self.s1, a, r1["id"], available_date=(east + 9 * DAY).isoformat(),
                   description="moved out later")
        self.check_views(self.s2, a, "after PATCH available_date")

        # and the other way round, with the first instance warm
        self.warm(self.s1, a, "S1 warm")
        self.create(self.s2, a, property_address="7 Seventh St", price=700)
        self.patch(self.s2, a, r1["id"], price=999)
        self.set_tz(self.s2, a, WEST)
        self.check_views(self.s1, a, "after writes through S2")
        r = self.s2.request("DELETE", "/database/sources/%d" % a.sources[0]["id"], token=a.token)
        self.assertEqual(r.status, 204, r.body)
        a.sources.clear()
        self.check_views(self.s1, a, "after DELETE /database/sources through S2")
        self.check_views(self.s2, a, "end")

    # ---- 2. an operator's direct database edit --------------------------------------------

    def test_direct_database_edits_are_read_at_once(self):
        a = self.tenant("a", tz=DEFAULT_TZ)
        today = today_in(DEFAULT_TZ)
        x = self.create(self.s1, a, property_address="1 Edit St", price=1000,
                        description="before the edit", available_date=today.isoformat())
        y = self.create(self.s1, a, property_address="2 Edit St", price=1500)
        z = self.create(self.s1, a, property_address="3 Edit St", price=500,
                        available_date=(today + 3 * DAY).isoformat())
        self.warm(self.s1, a, "before edits")
        self.warm(self.s2, a, "before edits")

        self.operator_sql("UPDATE rentals SET price = 2750.25, description = 'edited by hand' "
                          "WHERE id = %d" % x["id"])
        a.rentals[x["id"]] = dict(x, price=2750.25, description="edited by hand")
        self.check_views(self.s1, a, "after UPDATE price, description")
        self.check_views(self.s2, a, "after UPDATE price, description")

        self.operator_sql("DELETE FROM rentals WHERE id = %d" % y["id"])
        del a.rentals[y["id"]]
        self.check_gone(self.s1, a, y["id"], "after DELETE row")
        self.check_views(self.s1, a, "after DELETE row")
        self.check_views(self.s2, a, "after DELETE row")

        a.email = "renamed.%s@example.com" % self._testMethodName.replace("_", "-")
        self.operator_sql("UPDATE users SET email = '%s' WHERE id = %d" % (a.email, a.user_id))
        self.check_views(self.s1, a, "after UPDATE users.email")
        self.check_views(self.s2, a, "after UPDATE users.email")

        # a settings row exists (tenant() saved the zone): move it by hand
        self.operator_sql("UPDATE user_settings SET timezone = '%s' WHERE user_id = %d"
                          % (EAST, a.user_id))
        a.tz = EAST
        self.check_views(self.s1, a, "after UPDATE user_settings.timezone")
        self.check_views(self.s2, a, "after UPDATE user_settings.timezone")

        # a row handed to another tenant leaves one tenant's pages and enters the other's
        b = self.tenant("b", tz=WEST)
        self.create(self.s1, b, property_address="1 Other St", price=300)
        self.warm(self.s1, b, "B before the move")
        self.warm(self.s2, b, "B before the move")
        self.operator_sql("UPDATE rentals SET user_id = %d WHERE id = %d"
                          % (b.user_id, z["id"]))
        b.rentals[z["id"]] = dict(a.rentals.pop(z["id"]), user_id=b.user_id)
        for srv in (self.s1, self.s2):
            self.check_views(srv, a, "A after a row moved to B")
            self.check_views(srv, b, "B after a row moved from A")

    def test_emptying_the_table_by_hand_is_read_at_once(self):
        # the quickest way an operator wipes listings: TRUNCATE on PostgreSQL, an
        # unqualified DELETE on SQLite (which SQLite may run as a truncation too)
        a = self.tenant("a")
        b = self.tenant("b", tz=EAST)
        for i in range(3):
            self.create(self.s1, a, property_address="%d Wipe St" % i, price=10 + i)
        self.create(self.s1, b, property_address="1 Wipe St", price=20)
        for t in (a, b):
            self.warm(self.s1, t, "before the wipe")
            self.warm(self.s2, t, "before the wipe")
        if harness.is_postgres():
            self.operator_sql("TRUNCATE rentals CASCADE")
        else:
            self.operator_sql("DELETE FROM rentals", rows=None)
        for t in (a, b):
            t.rentals.clear()
            for srv in (self.s1, self.s2):
                self.check_views(srv, t, "after emptying the rentals table")

    # ---- the tenant's midnight ---------------------------------------------------------------

    def test_available_is_rendered_afresh_at_the_tenants_midnight(self):
        # Nothing in the database changes at midnight, yet current_date and every
        # days_until_available do. TEST_ZONE's clock jumps a whole day at an instant the test
        # picks (the servers read zone files on use), so no test has to wait for a real one.
        e = self.tenant("e", tz=TEST_ZONE)
        day0 = today_in(TEST_ZONE)
        soon = self.create(self.s1, e, property_address="1 Tomorrow Rd", price=100,
                           available_date=(day0 + DAY).isoformat())
        self.create(self.s1, e, property_address="2 Undated Rd", price=200)
        self.create(self.s1, e, property_address="3 Later Rd", price=300,
                    available_date=(day0 + 3 * DAY).isoformat())
        self.warm(self.s1, e, "before midnight")
        self.warm(self.s2, e, "before midnight")

        jump = int(time.time()) + 1
        ZONES.write_jump(jump)
        while time.time() < jump + 0.05:  # bounded: about a second
            time.sleep(0.05)
        for srv in (self.s2, self.s1):
            j, day = self.read_available(srv, e)
            self.assertGreaterEqual(day, day0 + DAY)
            self.assertEqual(j["current_date"], spoken(day), "served the day before's page")
            first = j["rentals"][0]
            self.assertEqual((first["id"], first["days_until_available"],
                              first["availability_status"]),
                             (soon["id"], 0, "Available Now"))
            self.check_views(srv, e, "after midnight")

    # ---- 3. identical URLs, different tenants ---------------------------------------------

    def test_identical_requests_answer_each_tenant_with_its_own_rows(self):
        # The two tenants make the same number of the same kinds of writes, so anything
        # that counts their changes counts alike: a cached page stamped for one could match
        # the other if the tenant were missing from its key.
        a = self.tenant("a", tz=EAST)
        b = self.tenant("b", tz=WEST)
        for i in range(3):
            self.create(self.s1, a, property_address="%d Alpha Rd" % i, price=1000 + i,
                        description="tenant A")
            self.create(self.s1, b, property_address="%d Bravo Rd" % i, price=2000 + i,
                        description="tenant B", available_date="2020-01-01")
        # the same address in both tenants is two rows, not one shared answer
        self.create(self.s1, a, property_address="9 Same St", price=3000)
        self.create(self.s1, b, property_address="9 Same St", price=3001)
        a_first = self.read(self.s1, "/rentals?limit=1", a)
        a_cursor = a_first["next_cursor"]
        self.assertIsInstance(a_cursor, str)

        paths = ["/rentals?limit=50", "/rentals?limit=1",
                 "/rentals?limit=1&cursor=" + quote(a_cursor), "/database/available",
                 "/database/rentals/manual", "/database/status"]

        def expect(t, path):
            rows = t.ordered()
            if path == "/rentals?limit=50":
                return {"ids": [x["id"] for x in rows]}
            if path == "/rentals?limit=1":
                return {"ids": [rows[0]["id"]]}
            if path.startswith("/rentals?limit=1&cursor="):
                after = a_first["rentals"][0]["id"]
                return {"ids": [x["id"] for x in rows if x["id"] > after][:1]}
            if path == "/database/status":
                return {"total": len(rows), "email": t.email}
            return {"ids": sorted(x["id"] for x in rows), "email": t.email}

        def seen(t, path, j):
            if path == "/database/status":
                return {"total": j["database_stats"]["total_rentals"], "email": j["user_email"]}
            for x in j["rentals"]:
                self.assertEqual(x["user_id"], t.user_id, "%s: foreign row %r" % (path, x))
                self.assertIn(x["id"], t.rentals, "%s: foreign row %r" % (path, x))
            ids = [x["id"] for x in j["rentals"]]
            if path.startswith("/database/"):
                self.assertEqual(j["user_email"], t.email, path)
                return {"ids": sorted(ids), "email": j["user_email"]}
            return {"ids": ids}

        def round_trip(srv, rounds):
            for n in range(rounds):
                for path in paths:
                    for t in ((a, b) if n % 2 == 0 else (b, a)):
                        j = self.read(srv, path, t)
                        self.assertEqual(seen(t, path, j), expect(t, path),
                                         "round %d %s for %s" % (n, path, t.email))

        round_trip(self.s1, 6)
        round_trip(self.s2, 2)
        b_before = {p: self.read(self.s1, p, b) for p in paths if p != "/database/available"}
        b_avail, _ = self.read_available(self.s1, b)

        # A writes; B's answers do not move, A's do
        self.create(self.s1, a, property_address="10 Alpha Rd", price=10)
        self.patch(self.s2, a, min(a.rentals), price=11, description="tenant A, changed")
        self.set_tz(self.s1, a, WEST)
        for srv in (self.s1, self.s2):
            for p, j in b_before.items():
                self.assertEqual(self.read(srv, p, b), j, "B's %s changed after A wrote" % p)
            j, day = self.read_available(srv, b)
            if spoken(day) == b_avail["current_date"]:
                self.assertEqual(j, b_avail, "B's /database/available changed after A wrote")
        round_trip(self.s1, 2)
        round_trip(self.s2, 2)
        self.check_views(self.s2, a, "A after its writes")
        self.check_views(self.s2, b, "B after A's writes")

        # the same, many requests at once on both instances
        errors = []

        def worker(k):
            try:
                for n in range(12):
                    t = (a, b)[(k + n) % 2]
                    srv = (self.s1, self.s2)[(k // 2 + n) % 2]
                    path = paths[(k + n) % len(paths)]
                    r = srv.request("GET", path, token=t.token)
                    if r.status != 200:
                        errors.append("%s %s: %r" % (t.email, path, r))
                        continue
                    got = seen(t, path, r.json())
                    if got != expect(t, path):
                        errors.append("%s %s: got %r want %r"
                                      % (t.email, path, got, expect(t, path)))
            except Exception as e:  # reported below, on the test's thread
                errors.append("%s: %r" % (k, e))

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        self.assertFalse(any(th.is_alive() for th in threads), "requests hang")
        self.assertEqual(errors, [])

    # ---- 4. keyset pages across instances while rows change -------------------------------

    def test_pages_stay_right_when_rows_change_between_pages(self):
        c = self.tenant("c")
        for i in range(5):
            self.create(self.s1, c, property_address="%d Page Ln" % i, price=100 + i)
        old = sorted(c.rentals)
        for _ in range(2):  # every page, warm
            got, pages = self.walk(self.s2, c, 2)
            self.assertEqual(([x["id"] for x in got], pages), (old, 3))

        # insert between page 1 and page 2: old rows once each, the new row at the end
        p1 = self.read(self.s2, "/rentals?limit=2", c)
        self.assertEqual([x["id"] for x in p1["rentals"]], old[:2])
        new = self.create(self.s1, c, property_address="5 Page Ln", price=105)["id"]
        rest, pages = self.walk(self.s2, c, 2, first_cursor=p1["next_cursor"])
        ids = [x["id"] for x in p1["rentals"] + rest]
        self.assertEqual(ids, old + [new], "rows missing or repeated across pages")
        self.assertEqual(p1["rentals"] + rest, c.ordered())
        self.assertEqual(pages, 2)

        # the last page, read before the insert, had no next_cursor: now it has one more row
        p2 = self.read(self.s2, "/rentals?limit=2&cursor=" + quote(p1["next_cursor"]), c)
        last = self.read(self.s2, "/rentals?limit=2&cursor=" + quote(p2["next_cursor"]), c)
        self.assertEqual([x["id"] for x in last["rentals"]], [old[4], new])
        self.assertIsNone(last["next_cursor"])
        newer = self.create(self.s1, c, property_address="6 Page Ln", price=106)["id"]
        last = self.read(self.s2, "/rentals?limit=2&cursor=" + quote(p2["next_cursor"]), c)
        self.assertEqual([x["id"] for x in last["rentals"]], [old[4], new])
        self.assertIsInstance(last["next_cursor"], str, "no next page after an insert")
        tail = self.read(self.s2, "/rentals?limit=2&cursor=" + quote(last["next_cursor"]), c)
        self.assertEqual(([x["id"] for x in tail["rentals"]], tail["next_cursor"]),
                         ([newer], None))

        # delete a row of the next page between pages: it is skipped, nothing else is
        p1 = self.read(self.s2, "/rentals?limit=2", c)
        self.remove(self.s1, c, old[2])
        rest, _ = self.walk(self.s2, c, 2, first_cursor=p1["next_cursor"])
        self.assertEqual([x["id"] for x in p1["rentals"] + rest], sorted(c.rentals))
        # and a row of the page already read changes: the next page does not repeat it
        p1 = self.read(self.s2, "/rentals?limit=2", c)
        self.patch(self.s1, c, old[0], price=1)
        rest, _ = self.walk(self.s2, c, 2, first_cursor=p1["next_cursor"])
        self.assertEqual([x["id"] for x in p1["rentals"] + rest], sorted(c.rentals))
        self.check_views(self.s2, c, "after page edits")

    # ---- 5. erasing a tenant through one instance -----------------------------------------

    def test_erasure_through_one_instance_is_seen_by_the_other(self):
        d = self.tenant("d", tz=EAST)
        other = self.tenant("other")
        for i in range(3):
            self.create(self.s1, d, property_address="%d Erased Ct" % i, price=500 + i)
        r = self.s1.request("POST", "/database/sources", token=d.token,
                            body={"url": "https://erased.example/list"})
        self.assertEqual(r.status, 201, r.body)
        d.sources.append(r.json())
        self.create(self.s1, other, property_address="1 Survivor Ct", price=42)
        self.warm(self.s2, d, "before erasure")
        self.warm(self.s2, other, "before erasure")
        old_ids = sorted(d.rentals)
        paths = ["/rentals?limit=50", "/rentals?limit=2", "/database/available",
                 "/database/rentals/manual", "/database/status", "/database/sources"] + \
            ["/rentals/%d" % i for i in old_ids]

        r = self.s1.request("DELETE", "/users/me", token=d.token)
        self.assertEqual(r.status, 204, r.body)
        erased_at = time.time()

        # at once: S2 shows none of the erased data, whatever it answers
        for p in paths:
            r = self.s2.request("GET", p, token=d.token)
            if r.status == 200:
                self.assert_no_trace(r.json(), d, p)
            else:
                self.assertIn(r.status, (401, 404), "%s right after erasure: %r" % (p, r))
        # writes with the old token do not bring the tenant back: 401 at once, even while
        # S2's resolved-tenant cache still knows the token (the write finds no tenant row)
        for method, path, body in (("POST", "/rentals", {"property_address": "9 Ghost Ct"}),
                                   ("PATCH", "/rentals/%d" % old_ids[0], {"price": 1}),
                                   ("DELETE", "/rentals/%d" % old_ids[0], None),
                                   ("POST", "/database/sources",
                                    {"url": "https://ghost.example/list"})):
            r = self.s2.request(method, path, token=d.token, body=body)
            assert_error(self, r, 401)

        # soon (the resolved-tenant cache bound), the old token is refused on S2 too
        deadline = time.monotonic() + ERASE_VISIBLE_S
        while True:
            r = self.s2.request("GET", "/rentals?limit=50", token=d.token)
            if r.status == 401:
                break
            self.assertEqual(r.status, 200, r)
            self.assert_no_trace(r.json(), d, "/rentals?limit=50")
            self.assertLess(time.monotonic(), deadline,
                            "S2 still accepts an erased tenant's token %.1f s after the "
                            "erasure" % ERASE_VISIBLE_S)
            time.sleep(0.05)
        for srv in (self.s2, self.s1):
            for p in paths + ["/users/me", "/users/me/settings"]:
                assert_error(self, srv.request("GET", p, token=d.token), 401)

        # the other tenant is untouched
        self.check_views(self.s2, other, "other tenant after erasure")

        # a token minted after the erasure (a later second: iat > tombstone) is a new, empty
        # tenant on both instances, with the default settings
        time.sleep(max(0.0, 1.05 - (time.time() - int(erased_at))))
        fresh = Tenant(self.s1.token(d.sub, email=d.email), d.email, sub=d.sub)
        for srv in (self.s2, self.s1):
            r = srv.request("GET", "/users/me", token=fresh.token)
            self.assertEqual(r.status, 200, r.body)
            self.assertNotEqual(r.json()["user_id"], d.user_id)
            fresh.user_id = r.json()["user_id"]
            self.assertEqual(self.read(srv, "/users/me/settings", fresh)["timezone"],
                             DEFAULT_TZ)
            self.check_views(srv, fresh, "fresh tenant after erasure")
            for i in old_ids:
                assert_error(self, srv.request("GET", "/rentals/%d" % i, token=fresh.token),
                             404, "not_found")
        assert_error(self, self.s2.request("GET", "/rentals", token=d.token), 401)

    def assert_no_trace(self, j, t, path):
        """j (a 200 answer to the erased tenant's old token) holds none of t's data."""
        text = repr(j)
        for x in t.rentals.values():
            self.assertNotIn(x["property_address"], text, "%s: erased row %r" % (path, j))
        for s in t.sources:
            self.assertNotIn(s["url"], text, "%s: erased source %r" % (path, j))
        if isinstance(j, dict) and isinstance(j.get("rentals"), list):
            self.assertEqual(j["rentals"], [], path)


if __name__ == "__main__":
    harness.run()
