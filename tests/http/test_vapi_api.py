# SPDX-License-Identifier: MIT
"""GET /vapi/assistants (SPEC §5): the tenant's Vapi account through Vapi's API, a stand-in
here (tests/standins/vapi_api.py). The call is made on the outbound pool with the request's
connection suspended, so a slow Vapi holds no server thread (issue 9: "no server thread ever
waits on the network"): 64 requests held by a Vapi that answers after 3 s leave /health
answering."""

import concurrent.futures
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))
import harness  # noqa: E402
from vapi_api import VapiStandin  # noqa: E402


class Assistants(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.api = VapiStandin(key="vk_operator", keys=["vk_tenant"]).start()
        cls.server_env = {"VAPI_API_URL": cls.api.url, "VAPI_API_KEY": "vk_operator",
                          "THREADS": "4", "OUTBOUND_THREADS": "64",
                          "MAX_CONNECTIONS_PER_IP": "200"}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.api.stop()

    def setUp(self):
        self.api.delay = 0.0
        self.api.fail_with = None
        self.api.assistants = {"a1": {"id": "a1", "name": "Front desk"}}

    def test_lists_with_the_operator_key_then_the_tenants_own(self):
        tok = self.server.token("owner-1")
        r = self.get("/vapi/assistants", token=tok)
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual((j["status"], j["count"]), ("success", 1))
        self.assertEqual(j["assistants"], [{"id": "a1", "name": "Front desk"}])
        self.assertEqual(self.api.seen_keys[-1], "vk_operator")
        s = self.patch("/users/me/settings", token=tok, body={"vapi_api_key": "vk_tenant"})
        self.assertEqual(s.status, 200, s.body)
        self.assertEqual(self.get("/vapi/assistants", token=tok).status, 200)
        self.assertEqual(self.api.seen_keys[-1], "vk_tenant")

    def test_vapi_errors_are_502_with_what_vapi_said(self):
        tok = self.server.token("owner-2")
        self.patch("/users/me/settings", token=tok, body={"vapi_api_key": "vk_wrong_key"})
        r = self.get("/vapi/assistants", token=tok)
        body = harness.assert_error(self, r, 502, "vapi_error")
        self.assertIn("401", body["message"])
        self.assertNotIn("vk_wrong_key", r.text)
        self.api.fail_with = 500
        harness.assert_error(self, self.get("/vapi/assistants", token=tok), 502, "vapi_error")

    def test_needs_a_token(self):
        harness.assert_error(self, self.get("/vapi/assistants"), 401)

    def test_slow_vapi_holds_no_server_thread(self):
        """4 server threads, 64 requests each waiting 3 s on Vapi: /health keeps answering
        while they wait, and every one of them gets its answer."""
        tok = self.server.token("owner-3")
        self.api.delay = 3.0
        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            held = [pool.submit(self.get, "/vapi/assistants", token=tok, timeout=60)
                    for _ in range(64)]
            deadline = time.monotonic() + 10
            while self.api.in_flight < 32 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(self.api.in_flight, 32, "requests did not reach Vapi")
            answered_while_held = 0
            for _ in range(20):
                if self.api.in_flight < 32:
                    break
                r = self.get("/health", timeout=10)
                self.assertEqual(r.status, 200)
                answered_while_held += 1
            self.assertGreater(answered_while_held, 0)
            statuses = [f.result().status for f in held]
        self.assertEqual(statuses, [200] * 64)
        self.assertGreaterEqual(self.api.peak, 32)


class NoKey(harness.ServerTestCase):

    def test_without_any_key_is_400(self):
        r = self.get("/vapi/assistants", token=self.server.token("nokey"))
        harness.assert_error(self, r, 400, "vapi_key_missing")


if __name__ == "__main__":
    harness.run()
