# SPDX-License-Identifier: MIT
"""Tenant isolation for every rentals and sources endpoint and verb (SPEC §3): tenant B using
tenant A's ids gets exactly the 404 a truly missing id gets, and A's data is unchanged
afterwards; lists, filters, pages, status figures and every /database view count only the
caller's rows; the same address or source URL in two tenants are two separate objects.
Runs on SQLite and PostgreSQL (where the database's row-level security is checked too)."""

import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

MISSING_ID = 987654321


class Isolation(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.ta = srv.token("iso-rentals-a", email="a@example.com")
        cls.tb = srv.token("iso-rentals-b", email="b@example.com")
        cls.a_rentals = []
        for i, (site, price) in enumerate((("manual", 900), ("a-only.example", 1500),
                                           ("shared.example", 2000))):
            r = srv.request("POST", "/rentals", token=cls.ta, body={
                "property_address": "%d Secret Ave" % i, "price": price, "bedrooms": 2,
                "city": "Alphaville", "website": site, "description": "tenant A listing",
                "available_date": "2026-01-01"})
            assert r.status == 201, r.body
            cls.a_rentals.append(r.json())
        r = srv.request("POST", "/database/sources", token=cls.ta,
                        body={"url": "https://a-only.example/listings"})
        assert r.status == 201, r.body
        cls.a_source = r.json()
        r = srv.request("POST", "/rentals", token=cls.tb, body={
            "property_address": "1 Bravo St", "price": 1000, "bedrooms": 2,
            "website": "shared.example"})
        assert r.status == 201, r.body
        cls.b_rental = r.json()

    def snapshot_a(self):
        """Everything tenant A can see, for before/after comparison."""
        out = {"rentals": self.get("/rentals?limit=200", token=self.ta).json(),
               "sources": self.get("/database/sources", token=self.ta).json(),
               "status": self.get("/database/status", token=self.ta).json(),
               "available": self.get("/database/available", token=self.ta).json()}
        for x in self.a_rentals:
            out[x["id"]] = self.get("/rentals/%d" % x["id"], token=self.ta).json()
        return out

    def assert_missing(self, method, path, a_id, missing_id, body=None):
        """B's request on A's id answers exactly as on an id that does not exist."""
        foreign = self.request(method, path % a_id, token=self.tb, body=body)
        missing = self.request(method, path % missing_id, token=self.tb, body=body)
        assert_error(self, foreign, 404, "not_found")
        self.assertEqual(foreign.status, missing.status)
        self.assertEqual(foreign.body, missing.body)
        self.assertEqual(foreign.headers.get("content-type"), missing.headers.get("content-type"))

    def test_foreign_ids_are_missing_ids_and_change_nothing(self):
        before = self.snapshot_a()
        for x in self.a_rentals:
            self.assert_missing("GET", "/rentals/%d", x["id"], MISSING_ID)
            self.assert_missing("PATCH", "/rentals/%d", x["id"], MISSING_ID,
                                body={"price": 1, "available": False})
            self.assert_missing("PATCH", "/rentals/%d", x["id"], MISSING_ID,
                                body={"property_address": "hijacked"})
            self.assert_missing("DELETE", "/rentals/%d", x["id"], MISSING_ID)
        self.assert_missing("DELETE", "/database/sources/%d", self.a_source["id"], MISSING_ID)
        after = self.snapshot_a()
        self.assertEqual(after, before)
        # and A still reaches everything
        for x in self.a_rentals:
            self.assertEqual(self.get("/rentals/%d" % x["id"], token=self.ta).status, 200)

    def test_lists_and_filters_show_only_own_rows(self):
        queries = ("", "?limit=200", "?q=secret", "?q=alphaville", "?website=a-only.example",
                   "?website=shared.example", "?min_price=0", "?bedrooms=2",
                   "?available=true", "?min_bedrooms=1&max_price=5000")
        a_ids = {x["id"] for x in self.a_rentals}
        for q in queries:
            with self.subTest(query=q):
                r = self.get("/rentals" + q, token=self.tb)
                self.assertEqual(r.status, 200, r.body)
                got = r.json()["rentals"]
                self.assertFalse(a_ids & {x["id"] for x in got})
                for x in got:
                    self.assertEqual(x["user_id"], self.b_rental["user_id"])
        self.assertEqual([x["id"] for x in self.get("/rentals", token=self.tb).json()["rentals"]],
                         [self.b_rental["id"]])

    def test_cursor_from_another_tenant_reveals_nothing(self):
        page = self.get("/rentals?limit=1", token=self.ta).json()
        cursor = page["next_cursor"]
        self.assertIsNotNone(cursor)
        r = self.get("/rentals?limit=50&cursor=" + urllib.parse.quote(cursor), token=self.tb)
        self.assertEqual(r.status, 200, r.body)
        for x in r.json()["rentals"]:
            self.assertEqual(x["user_id"], self.b_rental["user_id"])

    def test_database_views_count_only_own_rows(self):
        st = self.get("/database/status", token=self.tb).json()
        self.assertEqual(st["user_email"], "b@example.com")
        self.assertEqual(st["database_stats"]["total_rentals"], 1)
        self.assertEqual(st["database_stats"]["available_rentals"], 1)
        self.assertEqual(st["database_stats"]["websites_tracked"], 1)
        self.assertEqual(st["database_stats"]["websites"],
                         {"shared.example": {"rental_count": 1, "last_scraped": None}})
        sa = self.get("/database/status", token=self.ta).json()["database_stats"]
        self.assertEqual((sa["total_rentals"], sa["websites_tracked"]), (3, 3))
        self.assertEqual(sa["websites"]["shared.example"]["rental_count"], 1)

        for site, b_count in (("a-only.example", 0), ("shared.example", 1), ("manual", 0)):
            with self.subTest(website=site):
                j = self.get("/database/rentals/" + site, token=self.tb).json()
                self.assertEqual(j["rental_count"], b_count)
                self.assertEqual([x["id"] for x in j["rentals"]],
                                 [self.b_rental["id"]] if b_count else [])
        av = self.get("/database/available", token=self.tb).json()
        self.assertEqual(av["total_available"], 1)
        self.assertEqual([x["id"] for x in av["rentals"]], [self.b_rental["id"]])
        self.assertEqual(self.get("/database/sources", token=self.tb).json(), [])

    def test_same_address_and_url_are_separate_objects(self):
        r = self.post("/rentals", token=self.tb, body={"property_address": "0 Secret Ave"})
        self.assertEqual(r.status, 201, r.body)
        mine = r.json()
        self.assertNotIn(mine["id"], [x["id"] for x in self.a_rentals])
        s = self.post("/database/sources", token=self.tb,
                      body={"url": "https://a-only.example/listings"})
        self.assertEqual(s.status, 201, s.body)
        self.assertNotEqual(s.json()["id"], self.a_source["id"])
        self.assertEqual(s.json()["rental_count"], 0)  # A's a-only.example rental not counted
        # clean up so other tests keep their counts
        self.assertEqual(self.delete("/rentals/%d" % mine["id"], token=self.tb).status, 204)
        self.assertEqual(self.delete("/database/sources/%d" % s.json()["id"], token=self.tb).status,
                         204)
        self.assertEqual(len(self.get("/rentals", token=self.ta).json()["rentals"]), 3)
        self.assertEqual(len(self.get("/database/sources", token=self.ta).json()), 1)

    def test_user_id_in_body_or_query_is_ignored(self):
        a_user = self.a_rentals[0]["user_id"]
        r = self.post("/rentals?user_id=%d" % a_user, token=self.tb,
                      body={"property_address": "9 Planted St", "user_id": a_user})
        self.assertEqual(r.status, 201, r.body)
        planted = r.json()
        self.assertEqual(planted["user_id"], self.b_rental["user_id"])
        ids_a = [x["id"] for x in self.get("/rentals?limit=200&user_id=%d" % a_user,
                                           token=self.ta).json()["rentals"]]
        self.assertNotIn(planted["id"], ids_a)
        self.assertEqual(self.delete("/rentals/%d" % planted["id"], token=self.tb).status, 204)

    def sql_rows(self, sql):
        """Rows of a read-only query on the server's database (as the admin), as strings."""
        if harness.is_postgres():
            return [line.split("|") for line in self.server.psql(sql).splitlines() if line]
        con = sqlite3.connect(os.path.join(self.server.data_dir, "peterental.db"), timeout=10)
        try:
            return [[str(v) for v in row] for row in con.execute(sql)]
        finally:
            con.close()

    def test_database_rows_carry_the_right_owner(self):
        a_user = self.a_rentals[0]["user_id"]
        counts = dict(self.sql_rows("SELECT user_id, count(*) FROM rentals GROUP BY user_id"))
        self.assertEqual(counts, {str(a_user): "3", str(self.b_rental["user_id"]): "1"})
        srcs = self.sql_rows("SELECT user_id, url FROM rental_sources")
        self.assertEqual(srcs, [[str(a_user), "https://a-only.example/listings"]])
        if harness.is_postgres():
            # Every public table with a user_id column (found in the catalog, not listed by
            # hand) enables and forces row-level security and has a policy. Allow-list:
            # credentials, which the serving role cannot touch at all instead.
            tables = ("FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace "
                      "WHERE n.nspname = 'public' AND k.relkind IN ('r', 'p') "
                      "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.oid "
                      "AND a.attname = 'user_id' AND a.attnum > 0 AND NOT a.attisdropped) "
                      "AND k.relname NOT IN ('credentials') ")
            covered = [r[0] for r in self.sql_rows("SELECT k.relname " + tables)]
            self.assertTrue({"rentals", "rental_sources"} <= set(covered), covered)
            bare = self.sql_rows("SELECT k.relname " + tables +
                                 "AND NOT (k.relrowsecurity AND k.relforcerowsecurity AND "
                                 "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = k.oid))")
            self.assertEqual(bare, [])
            privs = self.sql_rows(
                "SELECT has_table_privilege('peterental_app', 'credentials', 'SELECT'), "
                "has_table_privilege('peterental_app', 'schema_migrations', 'UPDATE')")
            self.assertEqual(privs, [["f", "f"]])

if __name__ == "__main__":
    harness.run()
