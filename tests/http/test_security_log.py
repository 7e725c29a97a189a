# SPDX-License-Identifier: MIT
"""The security log (issue 8 item 9): every refused credential — a bearer token, a session
cookie from another site, a Clerk (Svix) signature, a Vapi webhook secret, a calendar feed
token — is one `info` line "Security - ... refused: <reason>" carrying the request id the
client got back (X-Request-Id), and never the credential itself; a flood of refusals is
summarised instead of written line by line."""

import base64
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET_BYTES = b"security-log-test-key-32-bytes!!"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()


class SecurityLog(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.clerk = harness.Server().start()  # a stand-in issuer (its JWKS) for the Clerk keys
        cls.server_env = {"CLERK_WEBHOOK_SECRET": SECRET, "CLERK_ISSUER": cls.clerk.url,
                          "CLERK_JWKS_URL": cls.clerk.url + "/.well-known/jwks.json"}
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

    def security_lines(self, request_id, limit=10.0):
        """The security lines of one request (the log is written by another process: waited
        for, up to limit seconds)."""
        deadline = time.monotonic() + limit
        while True:
            lines = [r for r in self.server.log_records()
                     if r.get("request_id") == request_id
                     and str(r.get("msg", "")).startswith("Security - ")]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)

    def check(self, resp, status, words, secret):
        self.assertEqual(resp.status, status, resp.body)
        rid = resp.headers.get("x-request-id")
        self.assertTrue(rid, "no X-Request-Id")
        [line] = self.security_lines(rid)
        self.assertEqual(line["level"], "info")
        self.assertIn(words, line["msg"])
        self.assertNotIn(secret, self.server.log_text())

    def test_a_bad_bearer_token(self):
        forged = self.server.token("sec-log")[:-6] + "AAAAAA"
        r = self.get("/users/me", token=forged)
        self.check(r, 401, "credentials refused", forged.split(".")[2])
        self.check(self.get("/users/me", token="not.a.jwt"), 401, "credentials refused",
                   "not.a.jwt")

    def test_a_cookie_from_another_site(self):
        tok = self.server.token("sec-log-cookie")
        r = self.post("/rentals", body={"property_address": "1 Cookie Way"},
                      headers={"Cookie": "session=" + tok, "Origin": "https://evil.example",
                               "Sec-Fetch-Site": "cross-site"})
        self.check(r, 403, "session cookie refused", tok.split(".")[2])

    def test_a_bad_clerk_signature(self):
        sig = "v1," + base64.b64encode(b"x" * 32).decode()
        r = self.post("/webhooks/clerk", body={"type": "user.created", "data": {}},
                      headers={"svix-id": "msg_sec", "svix-timestamp": str(int(time.time())),
                               "svix-signature": sig})
        self.check(r, 401, "Clerk webhook refused: no signature matches", sig[3:])
        r = self.post("/webhooks/clerk", body={"type": "user.created", "data": {}},
                      headers={"svix-id": "msg_sec2", "svix-timestamp": "1",
                               "svix-signature": sig})
        self.check(r, 401, "outside the tolerance", sig[3:])

    def test_a_bad_vapi_secret(self):
        tok = self.server.token("sec-log-vapi")
        agent = self.post("/agents", token=tok, body={"agent_name": "Sec",
                                                      "vapi_assistant_id": "sec-log-asst"})
        self.assertEqual(agent.status, 201, agent.body)
        wrong = "vwhs_wrong-secret-value-for-the-log-test"
        r = self.post("/vapi/webhook", body={"message": {"type": "status-update", "call": {
            "id": "c1", "assistantId": "sec-log-asst"}}}, headers={"X-Vapi-Secret": wrong})
        self.check(r, 401, "Vapi webhook refused", wrong)

    def test_a_bad_feed_token(self):
        fake = "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        r = self.get("/calendar/feed.ics?token=" + fake)
        self.check(r, 404, "calendar feed token refused", fake)

    def test_a_flood_is_summarised(self):
        for i in range(40):
            self.get("/users/me", token="flood.%d.x" % i)
        deadline = time.monotonic() + 10
        summary = []
        while time.monotonic() < deadline and not summary:
            time.sleep(0.3)
            lines = [r["msg"] for r in self.server.log_records()
                     if "credentials refused" in str(r.get("msg", ""))]
            summary = [m for m in lines if "repeated" in m]
        self.assertTrue(summary, "no summary line")
        self.assertLess(len(lines), 40, "every refusal was written")


if __name__ == "__main__":
    harness.run()
