# SPDX-License-Identifier: MIT
"""HTTP behaviour of /users/me and /users/me/settings (SPEC §3-5): tenants created from token
claims, isolation between tenants, settings defaults, PUT replace and PATCH merge, one 422
listing every problem, 400 naming a mistyped field, the write-only Vapi key (never echoed,
stored sealed), and DELETE /users/me erasing the tenant so its old token stops working."""

import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

DEFAULT_HOURS = {
    "monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"], "wednesday": ["09:00-17:00"],
    "thursday": ["09:00-17:00"], "friday": ["09:00-17:00"], "saturday": [], "sunday": [],
}


def sql_rows(server, sql):
    """Rows of a read-only query on the server's database, as lists of strings."""
    if harness.is_postgres():
        out = server.psql(sql)
        return [line.split("|") for line in out.splitlines() if line]
    con = sqlite3.connect(os.path.join(server.data_dir, "peterental.db"), timeout=10)
    try:
        return [["" if v is None else str(v) for v in row] for row in con.execute(sql)]
    finally:
        con.close()


class UsersMe(harness.ServerTestCase):

    def test_first_sight_creates_user_from_claims(self):
        tok = self.server.token("me_first", email="pat@example.com", name="Pat Lee")
        r = self.get("/users/me", token=tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(set(j), {"user_id", "clerk_user_id", "email", "first_name",
                                  "last_name", "full_name", "created_at", "updated_at"})
        self.assertIsInstance(j["user_id"], int)
        self.assertEqual(j["clerk_user_id"], "me_first")
        self.assertEqual(j["email"], "pat@example.com")
        self.assertEqual((j["first_name"], j["last_name"], j["full_name"]),
                         ("Pat", "Lee", "Pat Lee"))
        self.assertRegex(j["created_at"], RFC3339)
        self.assertRegex(j["updated_at"], RFC3339)
        again = self.get("/users/me", token=tok).json()
        self.assertEqual(again, j)

    def test_two_tenants_see_only_their_own(self):
        a = self.server.token("iso_a", email="a@example.com")
        b = self.server.token("iso_b", email="b@example.com")
        ja = self.get("/users/me", token=a).json()
        jb = self.get("/users/me", token=b).json()
        self.assertNotEqual(ja["user_id"], jb["user_id"])
        self.assertEqual((ja["clerk_user_id"], ja["email"]), ("iso_a", "a@example.com"))
        self.assertEqual((jb["clerk_user_id"], jb["email"]), ("iso_b", "b@example.com"))
        r = self.patch("/users/me/settings", token=a,
                       body={"theme": "dark", "timezone": "Europe/Paris"})
        self.assertEqual(r.status, 200, r.body)
        sa = self.get("/users/me/settings", token=a).json()
        sb = self.get("/users/me/settings", token=b).json()
        self.assertEqual((sa["theme"], sa["timezone"]), ("dark", "Europe/Paris"))
        self.assertEqual((sb["theme"], sb["timezone"]), ("system", "America/Chicago"))
        self.assertEqual(sa["user_id"], ja["user_id"])
        self.assertEqual(sb["user_id"], jb["user_id"])

    def test_user_id_never_from_query_or_body(self):
        a = self.server.token("iso_c")
        b = self.server.token("iso_d")
        jb = self.get("/users/me", token=b).json()
        ja = self.get("/users/me?user_id=%d" % jb["user_id"], token=a).json()
        self.assertEqual(ja["clerk_user_id"], "iso_c")
        r = self.patch("/users/me/settings", token=a, body={"user_id": jb["user_id"],
                                                             "theme": "light"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["user_id"], ja["user_id"])
        self.assertEqual(self.get("/users/me/settings", token=b).json()["theme"], "system")


class Settings(harness.ServerTestCase):

    def setUp(self):
        self.tok = self.server.token("set_" + self.id().rsplit(".", 1)[-1])

    def test_defaults(self):
        r = self.get("/users/me/settings", token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["timezone"], "America/Chicago")
        self.assertEqual(j["theme"], "system")
        self.assertEqual(j["notifications"], {"email": True, "sms": False})
        self.assertIsNone(j["notification_email"])
        self.assertEqual(j["business_hours"], DEFAULT_HOURS)
        self.assertEqual((j["slot_minutes"], j["buffer_minutes"], j["min_notice_minutes"],
                          j["booking_horizon_days"]), (30, 0, 60, 14))
        self.assertIs(j["vapi_api_key_set"], False)
        self.assertIsNone(j["vapi_api_key_last4"])

    def test_put_replaces_missing_fields_with_defaults(self):
        r = self.put("/users/me/settings", token=self.tok, body={
            "timezone": "Asia/Tokyo", "theme": "dark", "slot_minutes": 45,
            "notifications": {"sms": True}, "notification_email": "ops@example.com",
            "business_hours": {"saturday": ["10:00-14:00"], "monday": ["13:00-17:00",
                                                                        "08:00-12:00"]}})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["timezone"], "Asia/Tokyo")
        self.assertEqual(j["notifications"], {"email": True, "sms": True})
        self.assertEqual(j["notification_email"], "ops@example.com")
        self.assertEqual(j["business_hours"]["monday"], ["08:00-12:00", "13:00-17:00"])
        self.assertEqual(j["business_hours"]["tuesday"], [])
        self.assertEqual(j["business_hours"]["saturday"], ["10:00-14:00"])
        self.assertRegex(j["updated_at"], RFC3339)
        self.assertEqual(self.get("/users/me/settings", token=self.tok).json(), j)
        # a second PUT with one field resets everything else
        j2 = self.put("/users/me/settings", token=self.tok, body={"theme": "light"}).json()
        self.assertEqual(j2["theme"], "light")
        self.assertEqual(j2["timezone"], "America/Chicago")
        self.assertEqual(j2["slot_minutes"], 30)
        self.assertIsNone(j2["notification_email"])
        self.assertEqual(j2["business_hours"], DEFAULT_HOURS)

    def test_patch_merges(self):
        self.put("/users/me/settings", token=self.tok, body={
            "theme": "dark", "notifications": {"email": False},
            "business_hours": {"monday": ["09:00-12:00"], "friday": ["09:00-12:00"]}})
        r = self.patch("/users/me/settings", token=self.tok, body={
            "notifications": {"sms": True}, "business_hours": {"friday": []},
            "buffer_minutes": 10})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(j["theme"], "dark")
        self.assertEqual(j["notifications"], {"email": False, "sms": True})
        self.assertEqual(j["business_hours"]["monday"], ["09:00-12:00"])
        self.assertEqual(j["business_hours"]["friday"], [])
        self.assertEqual(j["buffer_minutes"], 10)
        # null restores a default
        j = self.patch("/users/me/settings", token=self.tok,
                       body={"theme": None, "business_hours": None}).json()
        self.assertEqual(j["theme"], "system")
        self.assertEqual(j["business_hours"], DEFAULT_HOURS)
        self.assertEqual(j["notifications"], {"email": False, "sms": True})

    def test_validation_lists_every_problem(self):
        before = self.get("/users/me/settings", token=self.tok).json()
        r = self.put("/users/me/settings", token=self.tok, body={
            "timezone": "Mars/Olympus", "theme": "neon", "slot_minutes": 1,
            "buffer_minutes": 500, "min_notice_minutes": -5, "booking_horizon_days": 400,
            "notification_email": "nope",
            "business_hours": {"monday": ["09:00-12:00", "11:00-13:00"],
                               "tuesday": ["17:00-09:00"], "wednesday": ["9-5"],
                               "caturday": []},
            "favourite_colour": "green"})
        j = assert_error(self, r, 422, "validation_failed")
        fields = {e["field"] for e in j["errors"]}
        self.assertEqual(fields, {
            "timezone", "theme", "slot_minutes", "buffer_minutes", "min_notice_minutes",
            "booking_horizon_days", "notification_email", "business_hours.monday",
            "business_hours.tuesday[0]", "business_hours.wednesday[0]",
            "business_hours.caturday", "favourite_colour"})
        for e in j["errors"]:
            self.assertIsInstance(e["message"], str)
            self.assertTrue(e["message"])
        self.assertIn("favourite_colour", j["message"])
        # nothing was saved
        self.assertEqual(self.get("/users/me/settings", token=self.tok).json(), before)

    def test_unknown_time_zone(self):
        for tz in ("Nowhere/City", "../../../etc/passwd", "America/", "zone.tab", "posixrules"):
            with self.subTest(tz=tz):
                j = assert_error(self, self.patch("/users/me/settings", token=self.tok,
                                                  body={"timezone": tz}), 422)
                self.assertEqual([e["field"] for e in j["errors"]], ["timezone"])
        r = self.patch("/users/me/settings", token=self.tok,
                       body={"timezone": "America/New_York"})
        self.assertEqual(r.json()["timezone"], "America/New_York")

    def test_wrong_types_are_400_naming_the_field(self):
        cases = [
            ({"slot_minutes": "30"}, "slot_minutes"),
            ({"slot_minutes": 30.5}, "slot_minutes"),
            ({"theme": True}, "theme"),
            ({"notifications": {"email": "yes"}}, "notifications.email"),
            ({"notifications": []}, "notifications"),
            ({"business_hours": {"monday": "09:00-17:00"}}, "business_hours.monday"),
            ({"business_hours": {"monday": [9]}}, "business_hours.monday[0]"),
            ({"vapi_api_key": 1234567890}, "vapi_api_key"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                j = assert_error(self, self.patch("/users/me/settings", token=self.tok,
                                                  body=body), 400)
                self.assertIn(field, j["message"])

    def test_vapi_key_is_write_only(self):
        key = "vk_live_7f3a9c2e55d14b0b9a8e"
        r = self.patch("/users/me/settings", token=self.tok, body={"vapi_api_key": key})
        self.assertEqual(r.status, 200, r.body)
        self.assertNotIn(key.encode(), r.body)
        j = r.json()
        self.assertNotIn("vapi_api_key", j)
        self.assertIs(j["vapi_api_key_set"], True)
        self.assertEqual(j["vapi_api_key_last4"], "9a8e")
        g = self.get("/users/me/settings", token=self.tok)
        self.assertNotIn(key.encode(), g.body)
        self.assertIs(g.json()["vapi_api_key_set"], True)
        # stored sealed, not in clear
        uid = j["user_id"]
        rows = sql_rows(self.server, "SELECT vapi_api_key_sealed FROM user_settings "
                                     "WHERE user_id = %d" % uid)
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows[0][0])
        self.assertNotIn(key, rows[0][0])
        self.assertNotIn(key, self.server.log_text())
        # a PUT without the key keeps it (it cannot be sent back); null clears it
        j = self.put("/users/me/settings", token=self.tok, body={"theme": "dark"}).json()
        self.assertIs(j["vapi_api_key_set"], True)
        j = self.patch("/users/me/settings", token=self.tok, body={"vapi_api_key": None}).json()
        self.assertIs(j["vapi_api_key_set"], False)
        self.assertIsNone(j["vapi_api_key_last4"])

    def test_output_fields_sent_back_are_accepted(self):
        cur = self.get("/users/me/settings", token=self.tok).json()
        cur["theme"] = "light"
        r = self.put("/users/me/settings", token=self.tok, body=cur)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["theme"], "light")


class DeleteMe(harness.ServerTestCase):

    def test_delete_erases_tenant_and_old_token(self):
        tok = self.server.token("del_me", email="gone@example.com")
        me = self.get("/users/me", token=tok).json()
        self.assertEqual(self.patch("/users/me/settings", token=tok,
                                    body={"theme": "dark"}).status, 200)
        other = self.server.token("del_other")
        other_id = self.get("/users/me", token=other).json()["user_id"]

        r = self.delete("/users/me", token=tok)
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.body, b"")
        self.assertEqual(sql_rows(self.server, "SELECT count(*) FROM user_settings WHERE "
                                               "user_id = %d" % me["user_id"]), [["0"]])
        # the token issued before the deletion no longer works, on any route
        assert_error(self, self.get("/users/me", token=tok), 401)
        assert_error(self, self.get("/users/me/settings", token=tok), 401)
        # another tenant is untouched
        self.assertEqual(self.get("/users/me", token=other).json()["user_id"], other_id)

        # a token minted after the deletion starts a new, empty tenant
        time.sleep(max(0.0, 1.05 - (time.time() % 1.0)))
        fresh = self.server.token("del_me", email="gone@example.com")
        r = self.get("/users/me", token=fresh)
        self.assertEqual(r.status, 200, r.body)
        self.assertNotEqual(r.json()["user_id"], me["user_id"])
        self.assertEqual(self.get("/users/me/settings", token=fresh).json()["theme"], "system")
        assert_error(self, self.get("/users/me", token=tok), 401)


if __name__ == "__main__":
    harness.run()
