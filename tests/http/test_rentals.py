# SPDX-License-Identifier: MIT
"""HTTP behaviour of /rentals and /database/* (SPEC §4-5): the exact Rental JSON, manual
defaults, GET/PATCH/DELETE by id (non-numeric ids are a 404), one 422 listing every bad field,
every GET /rentals filter combined with AND, keyset pages that stay stable while rows are
inserted, 400 for bad query parameters and cursors, the /database status, website and
available views (dates in the tenant's time zone) and listing sources."""

import datetime
import os
import re
import sys
import urllib.parse
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RENTAL_KEYS = {"id", "user_id", "property_address", "unit", "city", "state", "zip", "price",
               "bedrooms", "bathrooms", "square_feet", "property_type", "available_date",
               "available", "description", "contact_info", "amenities", "images", "website",
               "url", "source_type", "created_at", "updated_at", "scraped_at"}
SOURCE_KEYS = {"id", "user_id", "website", "url", "is_active", "last_scraped_at",
               "last_status", "last_error", "rental_count", "created_at"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def spoken_date(d):
    return "%s %02d, %d" % (MONTHS[d.month - 1], d.day, d.year)


class RentalsBase(harness.ServerTestCase):

    def setUp(self):
        # one tenant per test: tests never see each other's rows
        self.tok = self.server.token("rentals-" + self._testMethodName,
                                     email=self._testMethodName + "@example.com")

    def create(self, tok=None, **fields):
        r = self.post("/rentals", token=tok or self.tok, body=fields)
        self.assertEqual(r.status, 201, r.body)
        return r.json()

    def ids(self, query, tok=None):
        r = self.get("/rentals" + query, token=tok or self.tok)
        self.assertEqual(r.status, 200, r.body)
        return [x["id"] for x in r.json()["rentals"]]


class RentalsCrud(RentalsBase):

    def test_create_returns_the_spec_shape(self):
        j = self.create(property_address="  12 Oak Ave, Austin, TX 78701 ", price=1250,
                        bedrooms=2, bathrooms=1.5, square_feet=850, city="Austin", state="TX",
                        zip="78701", unit="2B", property_type="Apartment",
                        available_date="2026-03-02", description="Bright corner unit",
                        contact_info="555-0100", amenities=["pool", "gym"],
                        images=["https://img.example/1.jpg"], url="https://listings.example/1")
        self.assertEqual(set(j), RENTAL_KEYS)
        self.assertIsInstance(j["id"], int)
        self.assertIsInstance(j["user_id"], int)
        self.assertEqual(j["property_address"], "12 Oak Ave, Austin, TX 78701")
        self.assertEqual((j["price"], j["bedrooms"], j["bathrooms"], j["square_feet"]),
                         (1250, 2, 1.5, 850))
        self.assertEqual(j["property_type"], "apartment")
        self.assertEqual(j["available_date"], "2026-03-02")
        self.assertIs(j["available"], True)
        self.assertEqual((j["website"], j["source_type"], j["scraped_at"]),
                         ("manual", "manual", None))
        self.assertEqual(j["amenities"], ["pool", "gym"])
        self.assertEqual(j["images"], ["https://img.example/1.jpg"])
        self.assertEqual(j["url"], "https://listings.example/1")
        self.assertRegex(j["created_at"], RFC3339)
        self.assertRegex(j["updated_at"], RFC3339)
        me = self.get("/users/me", token=self.tok).json()
        self.assertEqual(j["user_id"], me["user_id"])
        got = self.get("/rentals/%d" % j["id"], token=self.tok)
        self.assertEqual(got.status, 200)
        self.assertEqual(got.json(), j)

    def test_minimal_body_and_client_fields_ignored(self):
        j = self.create(property_address="1 Min St", id=999, user_id=999,
                        source_type="scraped", created_at="2000-01-01T00:00:00Z")
        self.assertNotEqual(j["id"], 999)
        self.assertNotEqual(j["user_id"], 999)
        self.assertEqual(j["source_type"], "manual")
        self.assertEqual((j["price"], j["bedrooms"], j["available_date"]), (None, None, None))
        self.assertEqual((j["amenities"], j["images"]), ([], []))
        self.assertIs(j["available"], True)
        j2 = self.create(property_address="2 Min St", available=False, website="Zillow.com")
        self.assertIs(j2["available"], False)
        self.assertEqual(j2["website"], "zillow.com")

    def test_patch_updates_and_guards_the_address(self):
        j = self.create(property_address="5 Patch Rd", price=1000, unit="1A", bedrooms=1)
        r = self.patch("/rentals/%d" % j["id"], token=self.tok,
                       body={"price": 1100.5, "unit": None, "available": False,
                             "property_address": "5 Patch Rd"})
        self.assertEqual(r.status, 200, r.body)
        p = r.json()
        self.assertEqual((p["price"], p["unit"], p["available"], p["bedrooms"]),
                         (1100.5, None, False, 1))
        self.assertEqual((p["id"], p["created_at"]), (j["id"], j["created_at"]))
        self.assertEqual(self.get("/rentals/%d" % j["id"], token=self.tok).json(), p)
        r = self.patch("/rentals/%d" % j["id"], token=self.tok,
                       body={"property_address": "6 Other Rd", "price": 5})
        body = assert_error(self, r, 422)
        self.assertEqual([e["field"] for e in body["errors"]], ["property_address"])
        self.assertEqual(self.get("/rentals/%d" % j["id"], token=self.tok).json()["price"],
                         1100.5)
        r = self.patch("/rentals/%d" % j["id"], token=self.tok, body={"price": "cheap"})
        self.assertIn("price", assert_error(self, r, 400)["message"])

    def test_delete(self):
        j = self.create(property_address="7 Gone Way")
        r = self.delete("/rentals/%d" % j["id"], token=self.tok)
        self.assertEqual(r.status, 204)
        self.assertEqual(r.body, b"")
        assert_error(self, self.get("/rentals/%d" % j["id"], token=self.tok), 404, "not_found")
        assert_error(self, self.delete("/rentals/%d" % j["id"], token=self.tok), 404)

    def test_duplicate_address_is_409(self):
        self.create(property_address="8 Twin Ct")
        r = self.post("/rentals", token=self.tok, body={"property_address": " 8 Twin Ct"})
        assert_error(self, r, 409)
        self.create(property_address="8 Twin Ct", website="other.example")

    def test_non_numeric_and_unknown_ids_are_404(self):
        missing = self.get("/rentals/987654321", token=self.tok)
        assert_error(self, missing, 404, "not_found")
        for bad in ("abc", "0", "-1", "1.5", "99999999999999999999999", "1e3", "%20"):
            for method in ("GET", "PATCH", "DELETE"):
                with self.subTest(id=bad, method=method):
                    r = self.request(method, "/rentals/" + bad, token=self.tok,
                                     body={"price": 1} if method == "PATCH" else None)
                    assert_error(self, r, 404, "not_found")
                    self.assertEqual(r.body, missing.body)
        r = self.delete("/database/sources/abc", token=self.tok)
        assert_error(self, r, 404, "not_found")

    def test_requires_a_token(self):
        for method, path in (("GET", "/rentals"), ("POST", "/rentals"), ("GET", "/rentals/1"),
                             ("GET", "/database/status"), ("GET", "/database/available"),
                             ("GET", "/database/sources"), ("DELETE", "/database/sources/1")):
            with self.subTest(path=path, method=method):
                assert_error(self, self.request(method, path), 401)


class RentalsValidation(RentalsBase):

    def test_one_422_lists_every_bad_field(self):
        r = self.post("/rentals", token=self.tok, body={
            "property_address": "   ", "price": -1, "bedrooms": 21, "bathrooms": 1.25,
            "square_feet": 0, "available_date": "2026-02-30", "property_type": "castle",
            "url": "ftp://files.example/x", "images": ["javascript:alert(1)"],
            "description": "x" * 10001, "amenities": ["  "]})
        body = assert_error(self, r, 422)
        fields = {e["field"] for e in body["errors"]}
        self.assertEqual(fields, {"property_address", "price", "bedrooms", "bathrooms",
                                  "square_feet", "available_date", "property_type", "url",
                                  "images", "description", "amenities"})
        for e in body["errors"]:
            self.assertTrue(e["message"])
        self.assertEqual(self.ids(""), [])

    def test_bounds(self):
        cases = [({"price": 1000000}, "price"), ({"price": 999999.99}, None),
                 # checked after rounding to cents, as stored: not a 500 from the CHECK
                 ({"price": 999999.996}, "price"), ({"price": 999999.995}, "price"),
                 ({"price": 999999.994}, None), ({"price": -0.004}, None),
                 ({"price": 0}, None), ({"bedrooms": 2.5}, "bedrooms"),
                 ({"bedrooms": 20}, None), ({"bathrooms": 20.5}, "bathrooms"),
                 ({"bathrooms": 2.5}, None), ({"square_feet": -5}, "square_feet"),
                 ({"available_date": "2028-02-29"}, None),
                 ({"available_date": "2026-13-01"}, "available_date"),
                 ({"available_date": "03/02/2026"}, "available_date"),
                 ({"property_type": "CONDO"}, None), ({"url": "http://ok.example/"}, None),
                 ({"url": "mailto:x@example.com"}, "url"),
                 ({"zip": "1" * 21}, "zip"), ({"city": "c" * 101}, "city")]
        for n, (extra, bad) in enumerate(cases):
            with self.subTest(body=extra):
                body = dict(extra, property_address="%d Bound St" % n)
                r = self.post("/rentals", token=self.tok, body=body)
                if bad is None:
                    self.assertEqual(r.status, 201, r.body)
                else:
                    j = assert_error(self, r, 422)
                    self.assertEqual([e["field"] for e in j["errors"]], [bad])

    def test_column_check_boundaries(self):
        # Each CHECK of migrations/*/0002_rentals.sql at its edge: what passes validation must
        # be stored (201), the value just past it is a 422 naming the field, never a 500.
        host253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57]) + ".com"
        self.assertEqual(len(host253), 253)
        cases = [({"website": "w" * 255}, None), ({"website": "w" * 256}, "website"),
                 ({"property_address": "\u00e9" * 300}, None),
                 ({"property_address": "\u00e9" * 301}, "property_address"),
                 ({"bedrooms": 0}, None), ({"bedrooms": 21}, "bedrooms"),
                 ({"bathrooms": 0}, None), ({"bathrooms": 20}, None),
                 ({"square_feet": 1}, None), ({"square_feet": 0}, "square_feet"),
                 ({"square_feet": 10000000}, None), ({"price": -0.01}, "price"),
                 ({"price": 999999.99}, None), ({"price": 999999.995}, "price"),
                 ({"url": "http://%s/" % host253}, None),
                 ({"url": "http://x%s/" % host253}, "url"),
                 ({"url": "http://%s.com/" % ("a" * 300)}, "url"),
                 ({"url": "https://%s.example/" % ("l" * 64)}, "url"),
                 ({"images": ["http://%s/1.jpg" % host253]}, None),
                 ({"images": ["http://%s.com/1.jpg" % ("a" * 300)]}, "images")]
        for n, (extra, bad) in enumerate(cases):
            with self.subTest(body={k: str(v)[:40] for k, v in extra.items()}):
                body = dict({"property_address": "%d Check St" % n}, **extra)
                r = self.post("/rentals", token=self.tok, body=body)
                if bad is None:
                    self.assertEqual(r.status, 201, r.body)
                    for k, v in extra.items():
                        self.assertEqual(r.json()[k], v)
                else:
                    j = assert_error(self, r, 422)
                    self.assertEqual([e["field"] for e in j["errors"]], [bad])

    def test_unknown_fields_are_422(self):
        r = self.post("/rentals", token=self.tok,
                      body={"property_address": "1 Typo St", "bedroom": 2, "sqft": 900})
        j = assert_error(self, r, 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["bedroom", "sqft"])
        self.assertEqual(self.ids(""), [])
        x = self.create(property_address="2 Typo St", bedrooms=1, available_date="2020-01-01")
        r = self.patch("/rentals/%d" % x["id"], token=self.tok, body={"bedroom": 3})
        self.assertEqual([e["field"] for e in assert_error(self, r, 422)["errors"]],
                         ["bedroom"])
        self.assertEqual(self.get("/rentals/%d" % x["id"], token=self.tok).json()["bedrooms"], 1)
        # what the API answered can be sent back: every Rental key, plus the two that
        # GET /database/available adds, is accepted (read-only ones are ignored)
        got = self.get("/database/available", token=self.tok).json()["rentals"][0]
        self.assertIn("days_until_available", got)
        got["bedrooms"] = 2
        r = self.patch("/rentals/%d" % x["id"], token=self.tok, body=got)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["bedrooms"], 2)
        self.assertEqual(r.json()["id"], x["id"])
        again = dict(r.json(), property_address="3 Typo St", id=1, user_id=1)
        r = self.post("/rentals", token=self.tok, body=again)
        self.assertEqual(r.status, 201, r.body)
        self.assertNotEqual(r.json()["id"], x["id"])

    def test_address_required_and_bounded(self):
        j = assert_error(self, self.post("/rentals", token=self.tok, body={"price": 5}), 422)
        self.assertEqual([e["field"] for e in j["errors"]], ["property_address"])
        r = self.post("/rentals", token=self.tok, body={"property_address": "a" * 301})
        assert_error(self, r, 422)
        self.create(property_address="a" * 300)

    def test_wrong_types_are_400(self):
        for field, value in (("price", "12"), ("property_address", 5), ("available", "yes"),
                             ("city", ["x"]), ("amenities", "pool"), ("images", [1]),
                             ("amenities", ["gym", None]), ("images", {"a": "b"})):
            with self.subTest(field=field, value=value):
                body = {"property_address": "1 Type St", field: value}
                j = assert_error(self, self.post("/rentals", token=self.tok, body=body), 400)
                self.assertIn(field, j["message"])
        rid = self.create(property_address="2 Type St")["id"]
        for field, value in (("amenities", "pool"), ("images", [1])):
            with self.subTest(patch=field):
                r = self.patch("/rentals/%d" % rid, token=self.tok, body={field: value})
                self.assertIn(field, assert_error(self, r, 400)["message"])
        assert_error(self, self.post("/rentals", token=self.tok, raw="{not json",
                                     headers={"Content-Type": "application/json"}), 400)


class RentalsList(RentalsBase):

    def test_filters_combine_with_and(self):
        a = self.create(property_address="1 Oak Ave", city="Austin", price=900, bedrooms=1,
                        description="Sunny, 100% quiet")["id"]
        b = self.create(property_address="2 Elm St", city="Dallas", price=1500, bedrooms=2,
                        description="Near OAK park, asap, 10 min to downtown")["id"]
        c = self.create(property_address="3 Pine Rd", city="AUSTIN", price=2100, bedrooms=3,
                        website="zillow.com")["id"]
        d = self.create(property_address="4 Birch Ln", city="Houston", price=1200, bedrooms=2,
                        website="zillow.com", description="has_pool", available=False)["id"]
        e = self.create(property_address="5 Maple Dr")["id"]
        self.assertEqual(self.ids(""), [a, b, c, d, e])
        self.assertEqual(self.ids("?available=true"), [a, b, c, e])
        self.assertEqual(self.ids("?available=false"), [d])
        self.assertEqual(self.ids("?min_price=1000&max_price=1500"), [b, d])
        self.assertEqual(self.ids("?min_price=1200.5"), [b, c])
        self.assertEqual(self.ids("?bedrooms=2"), [b, d])
        self.assertEqual(self.ids("?min_bedrooms=2&available=true"), [b, c])
        self.assertEqual(self.ids("?website=zillow.com"), [c, d])
        self.assertEqual(self.ids("?website=ZILLOW.COM&bedrooms=3"), [c])
        self.assertEqual(self.ids("?q=oak"), [a, b])
        self.assertEqual(self.ids("?q=austin"), [a, c])
        self.assertEqual(self.ids("?q=" + urllib.parse.quote("0%")), [a])
        self.assertEqual(self.ids("?q=s_p"), [d])
        self.assertEqual(self.ids("?q=austin&max_price=1000"), [a])
        self.assertEqual(self.ids("?q=nowhere"), [])

    def test_keyset_pages_are_stable_while_inserting(self):
        made = [self.create(property_address="%d Page St" % i)["id"] for i in range(7)]
        r = self.get("/rentals?limit=3", token=self.tok).json()
        seen = [x["id"] for x in r["rentals"]]
        self.assertEqual(seen, made[:3])
        cursor = r["next_cursor"]
        self.assertIsInstance(cursor, str)
        self.assertNotIn(str(made[2]), cursor)  # opaque
        made.append(self.create(property_address="7 Page St")["id"])
        pages = 0
        while cursor and pages < 10:
            r = self.get("/rentals?limit=3&cursor=" + urllib.parse.quote(cursor), token=self.tok)
            self.assertEqual(r.status, 200, r.body)
            seen += [x["id"] for x in r.json()["rentals"]]
            cursor = r.json()["next_cursor"]
            pages += 1
        self.assertEqual(seen, made)
        self.assertEqual(pages, 2)
        full = self.get("/rentals?limit=8", token=self.tok).json()
        self.assertIsNone(full["next_cursor"])
        self.assertEqual(len(full["rentals"]), 8)

    def test_limit_default_and_cap(self):
        for i in range(52):
            self.create(property_address="%d Many St" % i)
        r = self.get("/rentals", token=self.tok).json()
        self.assertEqual(len(r["rentals"]), 50)
        self.assertIsNotNone(r["next_cursor"])
        r = self.get("/rentals?limit=200", token=self.tok).json()
        self.assertEqual(len(r["rentals"]), 52)
        self.assertIsNone(r["next_cursor"])

    def test_bad_parameters_are_400(self):
        for query, param in (("min_price=abc", "min_price"), ("max_price=", "max_price"),
                             ("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"),
                             ("available=yes", "available"), ("bedrooms=two", "bedrooms"),
                             ("min_bedrooms=1.5", "min_bedrooms")):
            with self.subTest(query=query):
                j = assert_error(self, self.get("/rentals?" + query, token=self.tok), 400)
                self.assertIn(param, j["message"])
        for cursor in ("garbage", "YzE6LTE", "MTIz", "YzE6MQ%3D%3D"):
            with self.subTest(cursor=cursor):
                r = self.get("/rentals?cursor=" + cursor, token=self.tok)
                assert_error(self, r, 400, "invalid_cursor")


class DatabaseViews(RentalsBase):

    def test_status(self):
        self.create(property_address="1 S St", price=1)
        self.create(property_address="2 S St", website="foo.example", available=False)
        self.create(property_address="3 S St", website="foo.example")
        r = self.get("/database/status", token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(set(j), {"status", "user_email", "database_stats"})
        self.assertEqual(j["status"], "success")
        self.assertEqual(j["user_email"], "test_status@example.com")
        st = j["database_stats"]
        self.assertEqual(set(st), {"total_rentals", "available_rentals", "websites_tracked",
                                   "last_updated", "websites"})
        self.assertEqual((st["total_rentals"], st["available_rentals"], st["websites_tracked"]),
                         (3, 2, 2))
        self.assertRegex(st["last_updated"], RFC3339)
        self.assertEqual(st["websites"], {
            "foo.example": {"rental_count": 2, "last_scraped": None},
            "manual": {"rental_count": 1, "last_scraped": None}})

    def test_status_when_empty(self):
        j = self.get("/database/status", token=self.tok).json()
        self.assertEqual(j["database_stats"], {"total_rentals": 0, "available_rentals": 0,
                                               "websites_tracked": 0, "last_updated": None,
                                               "websites": {}})

    def test_rentals_by_website(self):
        a = self.create(property_address="1 W St", website="foo.example")
        self.create(property_address="2 W St")
        r = self.get("/database/rentals/Foo.Example", token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(set(j), {"status", "user_email", "website", "rental_count", "rentals"})
        self.assertEqual((j["status"], j["website"], j["rental_count"]),
                         ("success", "foo.example", 1))
        self.assertEqual(j["rentals"], [a])
        j = self.get("/database/rentals/nobody.example", token=self.tok).json()
        self.assertEqual((j["rental_count"], j["rentals"]), (0, []))

    def _available_in_zone(self, tz):
        r = self.patch("/users/me/settings", token=self.tok, body={"timezone": tz})
        self.assertEqual(r.status, 200, r.body)
        today = datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date()
        day = datetime.timedelta(days=1)
        later = self.create(property_address="1 Later St", price=500,
                            available_date=(today + 5 * day).isoformat())
        cheap_later = self.create(property_address="2 Later St", price=400,
                                  available_date=(today + 5 * day).isoformat())
        past = self.create(property_address="3 Past St", price=900,
                           available_date=(today - 3 * day).isoformat())
        undated = self.create(property_address="4 Now St", price=800)
        tomorrow = self.create(property_address="5 Soon St", price=100,
                               available_date=(today + day).isoformat())
        today_row = self.create(property_address="6 Today St", price=850,
                                available_date=today.isoformat())
        self.create(property_address="7 Taken St", price=1, available=False)
        r = self.get("/database/available", token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(set(j), {"status", "user_email", "total_available", "current_date",
                                  "rentals"})
        self.assertEqual(j["status"], "success")
        self.assertEqual(j["current_date"], spoken_date(today))
        self.assertEqual(j["total_available"], 6)
        got = [(x["id"], x["days_until_available"], x["availability_status"])
               for x in j["rentals"]]
        now = "Available Now"
        self.assertEqual(got, [
            (undated["id"], 0, now), (today_row["id"], 0, now), (past["id"], 0, now),
            (tomorrow["id"], 1, "Available " + spoken_date(today + day)),
            (cheap_later["id"], 5, "Available " + spoken_date(today + 5 * day)),
            (later["id"], 5, "Available " + spoken_date(today + 5 * day))])
        self.assertEqual(set(j["rentals"][0]), RENTAL_KEYS | {"availability_status",
                                                              "days_until_available"})

    def test_available_far_east(self):
        self._available_in_zone("Pacific/Kiritimati")

    def test_available_far_west(self):
        self._available_in_zone("Etc/GMT+12")

    def test_available_default_zone(self):
        j = self.get("/database/available", token=self.tok).json()
        today = datetime.datetime.now(zoneinfo.ZoneInfo("America/Chicago")).date()
        self.assertEqual((j["current_date"], j["total_available"], j["rentals"]),
                         (spoken_date(today), 0, []))


class Sources(RentalsBase):

    def test_add_list_delete(self):
        r = self.post("/database/sources", token=self.tok,
                      body={"url": " https://www.Apts.Example/austin?page=1 "})
        self.assertEqual(r.status, 201, r.body)
        s = r.json()
        self.assertEqual(set(s), SOURCE_KEYS)
        me = self.get("/users/me", token=self.tok).json()["user_id"]
        self.assertEqual(s["user_id"], me)
        self.assertEqual((s["website"], s["url"], s["is_active"], s["rental_count"]),
                         ("apts.example", "https://www.Apts.Example/austin?page=1", True, 0))
        self.assertEqual((s["last_scraped_at"], s["last_status"], s["last_error"]),
                         (None, None, None))
        self.assertRegex(s["created_at"], RFC3339)
        named = self.post("/database/sources", token=self.tok,
                          body={"url": "http://x.example/", "website": "Custom.Example"})
        self.assertEqual(named.status, 201, named.body)
        self.assertEqual(named.json()["website"], "custom.example")
        self.create(property_address="1 Src St", website="apts.example")
        lst = self.get("/database/sources", token=self.tok)
        self.assertEqual(lst.status, 200)
        self.assertEqual([(x["id"], x["user_id"], x["rental_count"]) for x in lst.json()],
                         [(s["id"], me, 1), (named.json()["id"], me, 0)])
        dup = self.post("/database/sources", token=self.tok,
                        body={"url": "https://www.Apts.Example/austin?page=1"})
        assert_error(self, dup, 409)
        self.assertEqual(self.delete("/database/sources/%d" % s["id"], token=self.tok).status,
                         204)
        assert_error(self, self.delete("/database/sources/%d" % s["id"], token=self.tok), 404)
        self.assertEqual([x["id"] for x in self.get("/database/sources", token=self.tok).json()],
                         [named.json()["id"]])

    def test_bad_sources(self):
        for body, field in (({}, "url"), ({"url": "ftp://x.example/"}, "url"),
                            ({"url": "https://"}, "url"), ({"url": "javascript:alert(1)"}, "url"),
                            ({"url": "https://ok.example/", "website": "a/b"}, "website"),
                            ({"url": "https://ok.example/", "webiste": "ok.example"}, "webiste")):
            with self.subTest(body=body):
                j = assert_error(self, self.post("/database/sources", token=self.tok, body=body),
                                 422)
                self.assertEqual([e["field"] for e in j["errors"]], [field])
        assert_error(self, self.post("/database/sources", token=self.tok, body={"url": 5}), 400)
        self.assertEqual(self.get("/database/sources", token=self.tok).json(), [])

    def test_source_read_only_keys_sent_back_are_ignored(self):
        # a client may post back what it read; the output-only keys change nothing
        body = {"url": "https://echo.example/list", "id": 999999, "user_id": 999999,
                "is_active": False,
                "rental_count": 7, "last_status": "ok", "last_error": None,
                "last_scraped_at": "2026-01-01T00:00:00Z", "created_at": "2020-01-01T00:00:00Z"}
        r = self.post("/database/sources", token=self.tok, body=body)
        self.assertEqual(r.status, 201, r.body)
        j = r.json()
        self.assertNotEqual(j["id"], 999999)
        self.assertEqual(j["user_id"], self.get("/users/me", token=self.tok).json()["user_id"])
        self.assertEqual((j["is_active"], j["rental_count"], j["last_status"]), (True, 0, None))
        self.assertNotEqual(j["created_at"], "2020-01-01T00:00:00Z")
        self.assertEqual(self.delete("/database/sources/%d" % j["id"], token=self.tok).status, 204)

    def test_source_column_check_boundaries(self):
        # rental_sources CHECKs: website 1-255, url 1-2048; the website derived from the url
        # must fit too (a 300-character host was a 500).
        host253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57]) + ".com"
        long_path = "https://long.example/" + "p" * (2048 - len("https://long.example/"))
        ok = [({"url": "http://%s/" % host253}, host253),
              ({"url": long_path}, "long.example"),
              ({"url": "https://w.example/", "website": "w" * 255}, "w" * 255)]
        for body, website in ok:
            with self.subTest(body={k: v[:40] for k, v in body.items()}):
                r = self.post("/database/sources", token=self.tok, body=body)
                self.assertEqual(r.status, 201, r.body)
                self.assertEqual((r.json()["url"], r.json()["website"]), (body["url"], website))
        bad = [({"url": "http://%s.com/" % ("a" * 300)}, "url"),
               ({"url": "http://x%s/" % host253}, "url"),
               ({"url": "http://%s.example/" % ("l" * 64)}, "url"),
               ({"url": long_path + "p"}, "url"),
               ({"url": "https://w2.example/", "website": "w" * 256}, "website")]
        for body, field in bad:
            with self.subTest(body={k: v[:40] for k, v in body.items()}):
                j = assert_error(self, self.post("/database/sources", token=self.tok, body=body),
                                 422)
                self.assertEqual([e["field"] for e in j["errors"]], [field])
        self.assertEqual(len(self.get("/database/sources", token=self.tok).json()), 3)


if __name__ == "__main__":
    harness.run()
