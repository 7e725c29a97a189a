# SPDX-License-Identifier: MIT
"""HTTP behaviour of POST /webhooks/clerk (SPEC §5): Svix signatures (good, wrong secret,
tampered body, stale or future timestamp, missing headers, several signatures), 503 without a
secret, and the effects of user.created / user.updated / user.deleted on the users registry.

A second server plays Clerk: its built-in issuer (URL and JWKS) is configured as CLERK_ISSUER /
CLERK_JWKS_URL of the server under test, so its tokens are "Clerk" tokens there."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

KEY = secrets.token_bytes(24)
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def sign(key, msg_id, ts, body):
    mac = hmac.new(key, ("%s.%s." % (msg_id, ts)).encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def sql_rows(server, sql):
    if harness.is_postgres():
        return [line.split("|") for line in server.psql(sql).splitlines() if line]
    con = sqlite3.connect(os.path.join(server.data_dir, "peterental.db"), timeout=10)
    try:
        return [["" if v is None else str(v) for v in row] for row in con.execute(sql)]
    finally:
        con.close()


def user_event(kind, uid, email="owner@example.com", first="Olive", last="Owner", extra=None):
    data = {"id": uid, "object": "user", "first_name": first, "last_name": last,
            "primary_email_address_id": "idn_primary",
            "email_addresses": [{"id": "idn_other", "email_address": "other@example.com"},
                                {"id": "idn_primary", "email_address": email}]}
    if kind == "user.deleted":
        data = {"id": uid, "object": "user", "deleted": True}
    data.update(extra or {})
    return {"type": kind, "object": "event", "data": data}


class ClerkWebhook(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.clerk = harness.Server().start()
        cls.server_env = {
            "CLERK_WEBHOOK_SECRET": SECRET,
            "CLERK_ISSUER": cls.clerk.url,
            "CLERK_JWKS_URL": cls.clerk.url + "/.well-known/jwks.json",
        }
        try:
            super().setUpClass()
        except BaseException:
            cls.clerk.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.clerk.stop()

    def deliver(self, event=None, raw=None, key=KEY, ts=None, msg_id=None, headers=None):
        body = raw if raw is not None else json.dumps(event).encode()
        ts = str(int(time.time())) if ts is None else str(ts)
        msg_id = msg_id or "msg_" + secrets.token_hex(8)
        hdrs = {"Content-Type": "application/json", "svix-id": msg_id,
                "svix-timestamp": ts, "svix-signature": sign(key, msg_id, ts, body)}
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        return self.post("/webhooks/clerk", raw=body, headers=hdrs)

    def clerk_user(self, uid):
        rows = sql_rows(self.server, "SELECT email, first_name, last_name, full_name FROM users "
                                     "WHERE issuer = '%s' AND subject = '%s'"
                        % (self.clerk.url, uid))
        return rows[0] if rows else None

    def test_bad_signatures_are_401(self):
        ev = user_event("user.created", "user_bad")
        body = json.dumps(ev).encode()
        # Well outside the 300 s window: the server's time() is a coarse clock and
        # can sit a tick behind ours, so one second past the edge is not a sure
        # refusal here. The exact edges are tested in tests/unit/test_svix.c.
        now = int(time.time())
        cases = {
            "wrong_secret": dict(key=b"not the key at all"),
            "stale": dict(ts=now - 360),
            "future": dict(ts=now + 360),
            "no_signature": dict(headers={"svix-signature": None}),
            "no_id": dict(headers={"svix-id": None}),
            "no_timestamp": dict(headers={"svix-timestamp": None}),
            "garbage_signature": dict(headers={"svix-signature": "v1,???"}),
            "tampered": dict(headers={"svix-signature": sign(KEY, "msg_x", str(now), body)},
                             msg_id="msg_x", raw=body.replace(b"user_bad", b"user_evil")),
        }
        for name, kw in cases.items():
            with self.subTest(case=name):
                kw.setdefault("event", ev)
                assert_error(self, self.deliver(**kw), 401)
        self.assertIsNone(self.clerk_user("user_bad"))
        self.assertIsNone(self.clerk_user("user_evil"))

    def test_one_valid_signature_among_several(self):
        ev = user_event("user.created", "user_multi", email="multi@example.com")
        body = json.dumps(ev).encode()
        ts = str(int(time.time()))
        good = sign(KEY, "msg_multi", ts, body)
        old = sign(b"rotated-away-key", "msg_multi", ts, body)
        r = self.deliver(raw=body, ts=ts, msg_id="msg_multi",
                         headers={"svix-signature": "%s %s" % (old, good)})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.clerk_user("user_multi")[0], "multi@example.com")

    def test_created_then_updated_then_token(self):
        r = self.deliver(user_event("user.created", "user_2life", email="olive@example.com"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.clerk_user("user_2life"),
                         ["olive@example.com", "Olive", "Owner", "Olive Owner"])
        # a redelivery changes nothing
        self.assertEqual(self.deliver(user_event("user.created", "user_2life",
                                                 email="olive@example.com")).status, 200)
        self.assertEqual(sql_rows(self.server, "SELECT count(*) FROM users WHERE subject = "
                                               "'user_2life'"), [["1"]])
        r = self.deliver(user_event("user.updated", "user_2life", email="olive.new@example.com",
                                    first="Olivia", last="Owens"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.clerk_user("user_2life"),
                         ["olive.new@example.com", "Olivia", "Owens", "Olivia Owens"])
        # the Clerk user's token reaches the same tenant
        tok = self.clerk.token("user_2life", email="olive.new@example.com")
        me = self.get("/users/me", token=tok)
        self.assertEqual(me.status, 200, me.body)
        j = me.json()
        self.assertEqual((j["clerk_user_id"], j["email"], j["full_name"]),
                         ("user_2life", "olive.new@example.com", "Olivia Owens"))

    def test_a_replayed_delivery_is_acknowledged_not_applied(self):
        first = user_event("user.updated", "user_replay", email="a@example.com", first="Ann")
        body = json.dumps(first).encode()
        ts = str(int(time.time()))
        hdrs = {"Content-Type": "application/json", "svix-id": "msg_replay_1",
                "svix-timestamp": ts, "svix-signature": sign(KEY, "msg_replay_1", ts, body)}
        r = self.post("/webhooks/clerk", raw=body, headers=hdrs)
        self.assertEqual((r.status, r.json()["status"]), (200, "ok"), r.body)
        r = self.deliver(user_event("user.updated", "user_replay", email="b@example.com",
                                    first="Bea"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.clerk_user("user_replay")[:2], ["b@example.com", "Bea"])
        # the first delivery again, byte for byte, inside the signature window
        r = self.post("/webhooks/clerk", raw=body, headers=hdrs)
        self.assertEqual((r.status, r.json()["status"]), (200, "duplicate"), r.body)
        self.assertEqual(self.clerk_user("user_replay")[:2], ["b@example.com", "Bea"])

    def test_long_names_are_cut_at_a_character_boundary(self):
        # 140 bytes of two-byte characters: a byte cut at 127 would split one
        last = "\u00e9" * 70
        r = self.deliver(user_event("user.created", "user_long", email="long@example.com",
                                    first="Ann", last=last))
        self.assertEqual(r.status, 200, r.body)
        tok = self.clerk.token("user_long", email="long@example.com")
        me = self.get("/users/me", token=tok)
        self.assertEqual(me.status, 200, me.body)
        j = me.json()
        self.assertEqual(j["last_name"], "\u00e9" * 63)
        self.assertEqual(j["full_name"], "Ann " + "\u00e9" * 63)
        self.assertEqual(self.clerk_user("user_long")[2], "\u00e9" * 63)
        # a name already stored too long (written before the bound) is cut when read
        self.sql_exec("UPDATE users SET first_name = '%s' WHERE subject = 'user_long'"
                      % ("\u00fc" * 100))
        time.sleep(1.1)  # a change made outside this server shows within USERS_CACHE_MS
        me = self.get("/users/me", token=tok)
        self.assertEqual(me.status, 200, me.body)
        self.assertEqual(me.json()["first_name"], "\u00fc" * 63)
        # an email too long to be an address is not stored (nor cut into another one)
        r = self.deliver(user_event("user.updated", "user_long",
                                    email="a" * 250 + "@example.com", first="Ann", last="Lee"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.clerk_user("user_long"), ["", "Ann", "Lee", "Ann Lee"])

    def sql_exec(self, sql):
        if harness.is_postgres():
            self.server.psql(sql)
            return
        con = sqlite3.connect(os.path.join(self.server.data_dir, "peterental.db"), timeout=10)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()

    def test_deleted_erases_tenant(self):
        tok = self.clerk.token("user_2gone", email="gone@example.com")
        me = self.get("/users/me", token=tok)
        self.assertEqual(me.status, 200, me.body)
        uid = me.json()["user_id"]
        self.assertEqual(self.patch("/users/me/settings", token=tok,
                                    body={"theme": "dark"}).status, 200)
        r = self.deliver(user_event("user.deleted", "user_2gone"))
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNone(self.clerk_user("user_2gone"))
        self.assertEqual(sql_rows(self.server, "SELECT count(*) FROM user_settings WHERE "
                                               "user_id = %d" % uid), [["0"]])
        assert_error(self, self.get("/users/me", token=tok), 401)
        # a late update for the erased user does not bring it back
        self.assertEqual(self.deliver(user_event("user.updated", "user_2gone")).status, 200)
        self.assertIsNone(self.clerk_user("user_2gone"))
        assert_error(self, self.get("/users/me", token=tok), 401)
        # deleting an unknown user is fine
        self.assertEqual(self.deliver(user_event("user.deleted", "user_never")).status, 200)

    def test_primary_email_or_first(self):
        ev = user_event("user.created", "user_first_mail",
                        extra={"primary_email_address_id": None})
        self.assertEqual(self.deliver(ev).status, 200)
        self.assertEqual(self.clerk_user("user_first_mail")[0], "other@example.com")
        ev = user_event("user.created", "user_no_mail", extra={"email_addresses": []})
        self.assertEqual(self.deliver(ev).status, 200)
        self.assertEqual(self.clerk_user("user_no_mail")[0], "")

    def test_other_events_ignored(self):
        r = self.deliver({"type": "session.created", "data": {"id": "sess_1"}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json().get("status"), "ignored")
        self.assertEqual(sql_rows(self.server, "SELECT count(*) FROM users WHERE subject = "
                                               "'sess_1'"), [["0"]])

    def test_signed_but_malformed(self):
        assert_error(self, self.deliver(raw=b"{not json"), 400)
        assert_error(self, self.deliver({"type": "user.created", "data": {}}), 400)


class ClerkWebhookUnconfigured(harness.ServerTestCase):

    def test_503_without_secret(self):
        r = self.post("/webhooks/clerk", body={"type": "user.created", "data": {"id": "u"}},
                      headers={"svix-id": "msg_1", "svix-timestamp": str(int(time.time())),
                               "svix-signature": "v1,AAAA"})
        assert_error(self, r, 503, "webhook_not_configured")


if __name__ == "__main__":
    harness.run()
