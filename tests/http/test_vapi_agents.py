# SPDX-License-Identifier: MIT
"""The voice assistant's management API (SPEC §5 "Agents and Vapi"): /agents with its webhook
secret (shown at creation and rotation only), validation that leaves nothing behind, one agent
per Vapi assistant id across all tenants, variables and functions (added or replaced by name),
POST /agents/{id}/sync against a Vapi stand-in (tests/standins/vapi_api.py), the call log
/calls fed by end-of-call reports, and tenant isolation on every id endpoint (another
tenant's id is the same 404 as a missing one, and the owner's data is untouched)."""

import json
import os
import re
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "standins"))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402
from vapi_api import VapiStandin  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures", "vapi")
PUBLIC_URL = "https://voice.pete.example"
WEBHOOK_URL = PUBLIC_URL + "/vapi/webhook"
AGENT_KEYS = {"agent_id", "user_id", "vapi_assistant_id", "agent_name", "is_active", "config",
              "webhook_url", "created_at", "updated_at"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
OUR_TOOLS = ["search_rentals", "get_rental_details", "get_availability", "set_appointment",
             "cancel_appointment"]
MISSING_ID = 987654321


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def new_assistant_id():
    return str(uuid.uuid4())


def report(assistant_id, call_id, **changes):
    """The end-of-call-report fixture for another assistant and call id."""
    body = fixture("end-of-call-report.json")
    body["message"]["call"]["assistantId"] = assistant_id
    body["message"]["call"]["id"] = call_id
    body["message"].update(changes)
    return body


def status_update(assistant_id):
    body = fixture("status-update.json")
    body["message"]["call"]["assistantId"] = assistant_id
    return body


class AgentsBase(harness.ServerTestCase):
    server_env = {"PUBLIC_URL": PUBLIC_URL}

    def tenant(self, suffix=""):
        return self.server.token("agents-%s%s" % (self._testMethodName, suffix))

    def create_agent(self, tok, **fields):
        fields.setdefault("agent_name", "Leasing line")
        r = self.post("/agents", token=tok, body=fields)
        self.assertEqual(r.status, 201, r.body)
        return r.json()

    def hook(self, body, secret):
        return self.post("/vapi/webhook", body=body, headers={"X-Vapi-Secret": secret})

    def agents(self, tok):
        r = self.get("/agents", token=tok)
        self.assertEqual(r.status, 200, r.body)
        return r.json()


class AgentsCrud(AgentsBase):

    def test_create_shows_the_secret_once(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, agent_name="Front desk", vapi_assistant_id=aid)
        self.assertEqual(set(j), AGENT_KEYS | {"webhook_secret"})
        self.assertTrue(j["webhook_secret"].startswith("vwhs_"), j["webhook_secret"])
        self.assertGreaterEqual(len(j["webhook_secret"]), 5 + 32)
        self.assertIsInstance(j["agent_id"], int)
        self.assertEqual(j["user_id"], self.get("/users/me", token=tok).json()["user_id"])
        self.assertEqual((j["vapi_assistant_id"], j["agent_name"], j["is_active"], j["config"]),
                         (aid, "Front desk", True, {}))
        self.assertEqual(j["webhook_url"], WEBHOOK_URL)
        self.assertRegex(j["created_at"], RFC3339)
        self.assertRegex(j["updated_at"], RFC3339)
        listed = self.get("/agents", token=tok)
        self.assertEqual(listed.status, 200)
        self.assertIsInstance(listed.json(), list)
        expected = {k: v for k, v in j.items() if k != "webhook_secret"}
        self.assertEqual(listed.json(), [expected])
        one = self.get("/agents/%d" % j["agent_id"], token=tok)
        self.assertEqual(one.status, 200)
        self.assertEqual(one.json(), expected)
        for r in (listed, one):
            self.assertNotIn("webhook_secret", r.text)
            self.assertNotIn(j["webhook_secret"], r.text)
        # the secret shown works at once
        self.assertEqual(self.hook(status_update(aid), j["webhook_secret"]).status, 200)

    def test_minimal_agent_and_the_list(self):
        tok = self.tenant()
        self.assertEqual(self.agents(tok), [])
        a = self.create_agent(tok, agent_name="First")
        b = self.create_agent(tok, agent_name="Second", is_active=False,
                              config={"voice": "calm", "n": [1, 2]})
        self.assertIsNone(a["vapi_assistant_id"])
        self.assertEqual((b["is_active"], b["config"]), (False, {"voice": "calm", "n": [1, 2]}))
        self.assertNotEqual(a["webhook_secret"], b["webhook_secret"])
        listed = self.agents(tok)
        self.assertEqual([x["agent_id"] for x in listed], [a["agent_id"], b["agent_id"]])
        for x in listed:
            self.assertEqual(set(x), AGENT_KEYS)

    def test_output_fields_sent_back_are_ignored(self):
        tok = self.tenant()
        j = self.create_agent(tok, agent_name="Echo", agent_id=5555, user_id=4444,
                              webhook_url="https://evil.example/hook",
                              created_at="2000-01-01T00:00:00Z")
        self.assertNotEqual(j["agent_id"], 5555)
        self.assertNotEqual(j["user_id"], 4444)
        self.assertEqual(j["webhook_url"], WEBHOOK_URL)
        self.assertNotEqual(j["created_at"], "2000-01-01T00:00:00Z")

    def test_patch_changes_only_what_is_sent(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, agent_name="Before", vapi_assistant_id=aid,
                              config={"a": 1})
        path = "/agents/%d" % j["agent_id"]
        r = self.patch(path, token=tok, body={"agent_name": "After", "is_active": False})
        self.assertEqual(r.status, 200, r.body)
        got = r.json()
        self.assertEqual(set(got), AGENT_KEYS)
        self.assertEqual((got["agent_name"], got["is_active"], got["vapi_assistant_id"],
                          got["config"], got["agent_id"], got["created_at"]),
                         ("After", False, aid, {"a": 1}, j["agent_id"], j["created_at"]))
        self.assertEqual(self.get(path, token=tok).json(), got)
        r = self.patch(path, token=tok, body={"config": {"b": [True]}})
        self.assertEqual(r.json()["config"], {"b": [True]})
        r = self.patch(path, token=tok, body={"config": None})
        self.assertEqual(r.json()["config"], {})
        self.assertEqual(self.get(path, token=tok).json()["agent_name"], "After")

    def test_patch_null_unlinks_the_assistant(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, vapi_assistant_id=aid)
        self.assertEqual(self.hook(status_update(aid), j["webhook_secret"]).status, 200)
        r = self.patch("/agents/%d" % j["agent_id"], token=tok,
                       body={"vapi_assistant_id": None})
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNone(r.json()["vapi_assistant_id"])
        self.assertIsNone(self.get("/agents/%d" % j["agent_id"], token=tok)
                          .json()["vapi_assistant_id"])
        # the assistant no longer reaches this agent, and another agent may take it
        assert_error(self, self.hook(status_update(aid), j["webhook_secret"]), 401)
        other = self.create_agent(tok, agent_name="Other", vapi_assistant_id=aid)
        self.assertEqual(other["vapi_assistant_id"], aid)
        # relinking the first one is now a conflict
        r = self.patch("/agents/%d" % j["agent_id"], token=tok, body={"vapi_assistant_id": aid})
        assert_error(self, r, 409)

    def test_delete_then_404(self):
        tok = self.tenant()
        aid = new_assistant_id()
        keep = self.create_agent(tok, agent_name="Keep")
        j = self.create_agent(tok, agent_name="Gone", vapi_assistant_id=aid)
        path = "/agents/%d" % j["agent_id"]
        self.post(path + "/variables", token=tok, body={"name": "greeting", "value": "Hi"})
        r = self.delete(path, token=tok)
        self.assertEqual(r.status, 204)
        self.assertEqual(r.body, b"")
        for method in ("GET", "PATCH", "DELETE"):
            with self.subTest(method=method):
                body = {"agent_name": "x"} if method == "PATCH" else None
                assert_error(self, self.request(method, path, token=tok, body=body), 404,
                             "not_found")
        assert_error(self, self.get(path + "/variables", token=tok), 404, "not_found")
        self.assertEqual([x["agent_id"] for x in self.agents(tok)], [keep["agent_id"]])
        assert_error(self, self.hook(status_update(aid), j["webhook_secret"]), 401)

    def test_requires_a_token(self):
        for method, path in (("GET", "/agents"), ("POST", "/agents"), ("GET", "/agents/1"),
                             ("PATCH", "/agents/1"), ("DELETE", "/agents/1"),
                             ("POST", "/agents/1/rotate-secret"), ("POST", "/agents/1/sync"),
                             ("GET", "/agents/1/variables"), ("POST", "/agents/1/variables"),
                             ("GET", "/agents/1/functions"), ("POST", "/agents/1/functions"),
                             ("GET", "/calls"), ("GET", "/calls/1")):
            with self.subTest(method=method, path=path):
                r = self.request(method, path, body={} if method in ("POST", "PATCH") else None)
                assert_error(self, r, 401)
                self.assertIn("Bearer", r.headers.get("www-authenticate", ""))

    def test_secret_never_in_the_log(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, vapi_assistant_id=aid)
        self.hook(status_update(aid), j["webhook_secret"])
        self.hook(status_update(aid), j["webhook_secret"] + "x")
        rot = self.post("/agents/%d/rotate-secret" % j["agent_id"], token=tok).json()
        self.hook(status_update(aid), rot["webhook_secret"])
        log = self.server.log_text()
        self.assertNotIn(j["webhook_secret"], log)
        self.assertNotIn(rot["webhook_secret"], log)


class AgentsValidation(AgentsBase):

    def setUp(self):
        self.tok = self.tenant()
        self.existing = self.create_agent(self.tok, agent_name="Existing",
                                          vapi_assistant_id=new_assistant_id())
        self.before = self.agents(self.tok)

    def assert_unchanged(self):
        self.assertEqual(self.agents(self.tok), self.before)

    def test_missing_name_is_422_naming_it(self):
        for body in ({}, {"vapi_assistant_id": new_assistant_id()}, {"agent_name": None}):
            with self.subTest(body=body):
                j = assert_error(self, self.post("/agents", token=self.tok, body=body), 422)
                self.assertIn("agent_name", j["message"])
                self.assertIn("agent_name", [e["field"] for e in j["errors"]])
                self.assert_unchanged()

    def test_bad_values_are_422(self):
        cases = {
            "empty name": ({"agent_name": ""}, "agent_name"),
            "name too long": ({"agent_name": "n" * 201}, "agent_name"),
            "name with a newline": ({"agent_name": "two\nlines"}, "agent_name"),
            "unknown key": ({"agent_name": "x", "colour": "red"}, "colour"),
            "config over 16 KiB": ({"agent_name": "x", "config": {"n": "x" * 16400}},
                                   "config"),
            "bad signature header name": ({"agent_name": "x",
                                           "config": {"signature_header": "Bad Header:"}},
                                          "config"),
            "empty assistant id": ({"agent_name": "x", "vapi_assistant_id": ""},
                                   "vapi_assistant_id"),
            "assistant id with a space": ({"agent_name": "x", "vapi_assistant_id": "ab cd"},
                                          "vapi_assistant_id"),
            "assistant id with a slash": ({"agent_name": "x", "vapi_assistant_id": "../x"},
                                          "vapi_assistant_id"),
            "assistant id with a quote": ({"agent_name": "x", "vapi_assistant_id": "a'b"},
                                          "vapi_assistant_id"),
            "assistant id too long": ({"agent_name": "x", "vapi_assistant_id": "a" * 101},
                                      "vapi_assistant_id"),
        }
        for label, (body, field) in cases.items():
            with self.subTest(label):
                j = assert_error(self, self.post("/agents", token=self.tok, body=body), 422)
                self.assertIn(field, [e["field"] for e in j["errors"]])
                self.assertIn(field, j["message"])
                self.assert_unchanged()

    def test_limits_themselves_are_accepted(self):
        cfg = {"n": ""}
        cfg["n"] = "x" * (16384 - len(json.dumps(cfg, separators=(",", ":"))))
        j = self.create_agent(self.tok, agent_name="n" * 200,
                              vapi_assistant_id="A_" + "b" * 98, config=cfg)
        self.assertEqual((len(j["agent_name"]), len(j["vapi_assistant_id"])), (200, 100))
        self.assertEqual(j["config"], cfg)

    def test_wrong_types_are_400(self):
        cases = {
            "agent_name": {"agent_name": 5},
            "is_active": {"agent_name": "x", "is_active": "yes"},
            "vapi_assistant_id": {"agent_name": "x", "vapi_assistant_id": 123},
            "config": {"agent_name": "x", "config": ["not", "an", "object"]},
        }
        for field, body in cases.items():
            with self.subTest(field=field):
                j = assert_error(self, self.post("/agents", token=self.tok, body=body), 400,
                                 "invalid_field_type")
                self.assertIn(field, j["message"])
                self.assert_unchanged()
        for cfg in ("text", 7, True):
            with self.subTest(config=cfg):
                r = self.post("/agents", token=self.tok, body={"agent_name": "x", "config": cfg})
                self.assertIn("config", assert_error(self, r, 400, "invalid_field_type")
                              ["message"])
                self.assert_unchanged()

    def test_bodies_that_are_not_a_json_object(self):
        cases = {
            "invalid JSON": ("{not json", "application/json", 400, "invalid_json"),
            "empty body": ("", "application/json", 400, "invalid_json"),
            "an array": ('[{"agent_name": "x"}]', "application/json", 400, "invalid_json"),
            "duplicate key": ('{"agent_name": "a", "agent_name": "b"}', "application/json",
                              400, "invalid_json"),
            "plain text": ('{"agent_name": "x"}', "text/plain", 415, None),
            "form": ("agent_name=x", "application/x-www-form-urlencoded", 415, None),
        }
        for label, (raw, ctype, status, code) in cases.items():
            with self.subTest(label):
                r = self.post("/agents", token=self.tok, raw=raw,
                              headers={"Content-Type": ctype})
                assert_error(self, r, status, code)
                self.assert_unchanged()

    def test_bad_patch_changes_nothing(self):
        path = "/agents/%d" % self.existing["agent_id"]
        cases = {
            "empty name": ({"agent_name": ""}, 422),
            "unknown key": ({"webhook_secret": "vwhs_mine"}, 422),
            "bad assistant id": ({"agent_name": "New", "vapi_assistant_id": "a b"}, 422),
            "wrong type": ({"agent_name": "New", "is_active": 1}, 400),
            "config not an object": ({"config": "x"}, 400),
        }
        for label, (body, status) in cases.items():
            with self.subTest(label):
                assert_error(self, self.patch(path, token=self.tok, body=body), status)
                self.assert_unchanged()
        assert_error(self, self.patch(path, token=self.tok, raw="{",
                                      headers={"Content-Type": "application/json"}), 400,
                     "invalid_json")
        assert_error(self, self.patch(path, token=self.tok, raw="{}",
                                      headers={"Content-Type": "text/plain"}), 415)
        self.assert_unchanged()


class AssistantIdUnique(AgentsBase):

    def test_one_agent_per_assistant_across_tenants(self):
        ta, tb = self.tenant("-a"), self.tenant("-b")
        aid = new_assistant_id()
        a = self.create_agent(ta, agent_name="A line", vapi_assistant_id=aid)
        a_before = self.get("/agents/%d" % a["agent_id"], token=ta).json()
        r = self.post("/agents", token=tb, body={"agent_name": "B line",
                                                 "vapi_assistant_id": aid})
        j = assert_error(self, r, 409, "conflict")
        self.assertIn("vapi_assistant_id", j["message"])
        self.assertNotIn("webhook_secret", r.text)
        self.assertEqual(self.agents(tb), [])
        # nor by PATCH, nor twice in one tenant
        b = self.create_agent(tb, agent_name="B line", vapi_assistant_id=new_assistant_id())
        assert_error(self, self.patch("/agents/%d" % b["agent_id"], token=tb,
                                      body={"vapi_assistant_id": aid}), 409, "conflict")
        assert_error(self, self.post("/agents", token=ta, body={"agent_name": "Again",
                                                                "vapi_assistant_id": aid}),
                     409, "conflict")
        self.assertEqual(self.get("/agents/%d" % a["agent_id"], token=ta).json(), a_before)
        self.assertEqual(len(self.agents(ta)), 1)
        # A's assistant still reaches A, with A's secret only
        self.assertEqual(self.hook(status_update(aid), a["webhook_secret"]).status, 200)
        assert_error(self, self.hook(status_update(aid), b["webhook_secret"]), 401)


class RotateSecret(AgentsBase):

    def test_rotation_replaces_the_secret(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, vapi_assistant_id=aid)
        old = j["webhook_secret"]
        self.assertEqual(self.hook(status_update(aid), old).status, 200)
        r = self.post("/agents/%d/rotate-secret" % j["agent_id"], token=tok)
        self.assertEqual(r.status, 200, r.body)
        rot = r.json()
        self.assertEqual(set(rot), AGENT_KEYS | {"webhook_secret"})
        new = rot["webhook_secret"]
        self.assertTrue(new.startswith("vwhs_"))
        self.assertNotEqual(new, old)
        self.assertEqual((rot["agent_id"], rot["vapi_assistant_id"], rot["agent_name"]),
                         (j["agent_id"], aid, j["agent_name"]))
        j_old = assert_error(self, self.hook(status_update(aid), old), 401)
        self.assertNotIn(old, json.dumps(j_old))
        ok = self.hook(status_update(aid), new)
        self.assertEqual(ok.status, 200, ok.body)
        self.assertEqual(ok.json(), {})
        # the old secret cannot store a call either
        assert_error(self, self.hook(report(aid, "rot-old-" + aid), old), 401)
        self.assertEqual(self.get("/calls", token=tok).json()["calls"], [])
        self.assertNotIn(new, self.get("/agents/%d" % j["agent_id"], token=tok).text)


class VariablesAndFunctions(AgentsBase):

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.create_agent(self.tok)
        self.base = "/agents/%d" % self.agent["agent_id"]

    def test_variables_add_and_replace_by_name(self):
        r = self.get(self.base + "/variables", token=self.tok)
        self.assertEqual((r.status, r.json()), (200, {"variables": []}))
        r = self.post(self.base + "/variables", token=self.tok,
                      body={"name": "office_hours", "value": "9 to 5"})
        self.assertEqual(r.status, 200, r.body)
        v = r.json()["variable"]
        self.assertEqual(set(v), {"id", "agent_id", "name", "value", "created_at",
                                  "updated_at"})
        self.assertEqual((v["name"], v["value"], v["agent_id"]),
                         ("office_hours", "9 to 5", self.agent["agent_id"]))
        self.post(self.base + "/variables", token=self.tok,
                  body={"name": "greeting", "value": "Hello"})
        r = self.post(self.base + "/variables", token=self.tok,
                      body={"name": "office_hours", "value": "10 to 6"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json()["variable"]["id"], r.json()["variable"]["value"]),
                         (v["id"], "10 to 6"))
        items = self.get(self.base + "/variables", token=self.tok).json()["variables"]
        by_name = {x["name"]: x["value"] for x in items}
        self.assertEqual(by_name, {"office_hours": "10 to 6", "greeting": "Hello"})
        self.assertEqual(len(items), 2)
        long_ok = self.post(self.base + "/variables", token=self.tok,
                            body={"name": "v" * 100, "value": "é" * 2000})
        self.assertEqual(long_ok.status, 200, long_ok.body)

    def test_variable_validation(self):
        self.post(self.base + "/variables", token=self.tok, body={"name": "keep", "value": "1"})
        before = self.get(self.base + "/variables", token=self.tok).json()
        cases = {
            "name starts with a digit": ({"name": "1abc", "value": "x"}, 422, "name"),
            "name with a space": ({"name": "bad name", "value": "x"}, 422, "name"),
            "name with a dash": ({"name": "bad-name", "value": "x"}, 422, "name"),
            "empty name": ({"name": "", "value": "x"}, 422, "name"),
            "name too long": ({"name": "v" * 101, "value": "x"}, 422, "name"),
            "no name": ({"value": "x"}, 422, "name"),
            "no value": ({"name": "keep"}, 422, "value"),
            "value too long": ({"name": "keep", "value": "x" * 4001}, 422, "value"),
            "unknown key": ({"name": "keep", "value": "x", "scope": "all"}, 422, "scope"),
            "name not a string": ({"name": 5, "value": "x"}, 400, "name"),
            "value not a string": ({"name": "keep", "value": 5}, 400, "value"),
        }
        for label, (body, status, field) in cases.items():
            with self.subTest(label):
                r = self.post(self.base + "/variables", token=self.tok, body=body)
                j = assert_error(self, r, status)
                self.assertIn(field, j["message"])
                self.assertEqual(self.get(self.base + "/variables", token=self.tok).json(),
                                 before)
        assert_error(self, self.post(self.base + "/variables", token=self.tok, raw="[",
                                     headers={"Content-Type": "application/json"}), 400,
                     "invalid_json")
        assert_error(self, self.post(self.base + "/variables", token=self.tok, raw="{}",
                                     headers={"Content-Type": "text/plain"}), 415)

    def test_functions_add_and_replace_by_name(self):
        r = self.get(self.base + "/functions", token=self.tok)
        self.assertEqual((r.status, r.json()), (200, {"functions": []}))
        params = {"type": "object", "properties": {"ticket": {"type": "string"}}}
        r = self.post(self.base + "/functions", token=self.tok,
                      body={"name": "open_ticket", "description": "Opens a ticket",
                            "parameters": params})
        self.assertEqual(r.status, 200, r.body)
        f = r.json()["function"]
        self.assertEqual(set(f), {"id", "agent_id", "name", "description", "parameters",
                                  "is_enabled", "created_at", "updated_at"})
        self.assertEqual((f["name"], f["description"], f["parameters"], f["is_enabled"]),
                         ("open_ticket", "Opens a ticket", params, True))
        r = self.post(self.base + "/functions", token=self.tok,
                      body={"name": "open_ticket", "description": "Opens a repair ticket",
                            "parameters": {"type": "object"}, "is_enabled": False})
        self.assertEqual(r.status, 200, r.body)
        g = r.json()["function"]
        self.assertEqual((g["id"], g["description"], g["parameters"], g["is_enabled"]),
                         (f["id"], "Opens a repair ticket", {"type": "object"}, False))
        self.post(self.base + "/functions", token=self.tok, body={"name": "transfer"})
        items = self.get(self.base + "/functions", token=self.tok).json()["functions"]
        self.assertEqual(sorted(x["name"] for x in items), ["open_ticket", "transfer"])
        only = [x for x in items if x["name"] == "open_ticket"]
        self.assertEqual(len(only), 1)
        self.assertEqual(only[0]["description"], "Opens a repair ticket")
        bare = [x for x in items if x["name"] == "transfer"][0]
        self.assertEqual((bare["parameters"], bare["is_enabled"]), ({}, True))

    def test_function_validation(self):
        self.post(self.base + "/functions", token=self.tok, body={"name": "keep"})
        before = self.get(self.base + "/functions", token=self.tok).json()
        cases = {
            "name with a space": ({"name": "open ticket"}, 422, "name"),
            "name starts with _": ({"name": "_x"}, 422, "name"),
            "name too long": ({"name": "f" * 65}, 422, "name"),
            "no name": ({"description": "x"}, 422, "name"),
            "description too long": ({"name": "keep", "description": "d" * 1001}, 422,
                                     "description"),
            "unknown key": ({"name": "keep", "server": {}}, 422, "server"),
            "parameters a list": ({"name": "keep", "parameters": []}, 400, "parameters"),
            "parameters a string": ({"name": "keep", "parameters": "{}"}, 400, "parameters"),
            "is_enabled a string": ({"name": "keep", "is_enabled": "no"}, 400, "is_enabled"),
        }
        for label, (body, status, field) in cases.items():
            with self.subTest(label):
                r = self.post(self.base + "/functions", token=self.tok, body=body)
                j = assert_error(self, r, status)
                self.assertIn(field, j["message"])
                self.assertEqual(self.get(self.base + "/functions", token=self.tok).json(),
                                 before)

    def test_deleting_the_agent_takes_them_along(self):
        self.post(self.base + "/variables", token=self.tok, body={"name": "a", "value": "1"})
        self.post(self.base + "/functions", token=self.tok, body={"name": "f"})
        self.assertEqual(self.delete(self.base, token=self.tok).status, 204)
        again = self.create_agent(self.tok)
        base = "/agents/%d" % again["agent_id"]
        self.assertEqual(self.get(base + "/variables", token=self.tok).json(),
                         {"variables": []})
        self.assertEqual(self.get(base + "/functions", token=self.tok).json(),
                         {"functions": []})


class SyncBase(AgentsBase):
    vapi_env = {}

    @classmethod
    def setUpClass(cls):
        cls.api = VapiStandin(key="vk_operator", keys=["vk_tenant"]).start()
        cls.server_env = dict({"PUBLIC_URL": PUBLIC_URL, "VAPI_API_URL": cls.api.url},
                              **cls.vapi_env)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.api.stop()

    def setUp(self):
        self.api.fail_with = None
        self.api.delay = 0.0
        with self.api.lock:
            self.api.requests.clear()
            self.api.seen_keys.clear()
            self.api.assistants = {}

    def calls_to_vapi(self):
        with self.api.lock:
            return [(m, p) for m, p, _ in self.api.requests]


def tool_names(assistant):
    return [t.get("function", {}).get("name") for t in assistant["model"]["tools"]]


class Sync(SyncBase):
    vapi_env = {"VAPI_API_KEY": "vk_operator"}

    def assert_our_tools(self, assistant, secret):
        names = tool_names(assistant)
        for name in OUR_TOOLS:
            self.assertEqual(names.count(name), 1, names)
        for t in assistant["model"]["tools"]:
            if t.get("function", {}).get("name") in OUR_TOOLS:
                self.assertEqual(t["type"], "function")
                self.assertEqual(t["server"]["url"], WEBHOOK_URL)
                self.assertEqual(t["server"]["headers"]["X-Vapi-Secret"], secret)
                self.assertIsInstance(t["function"]["parameters"], dict)
                self.assertTrue(t["function"]["description"])

    def test_sync_creates_the_assistant(self):
        tok = self.tenant()
        j = self.create_agent(tok, agent_name="New line")
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        self.assertEqual(r.status, 200, r.body)
        out = r.json()
        self.assertEqual((out["status"], out["created"]), ("success", True))
        new_id = out["agent"]["vapi_assistant_id"]
        self.assertTrue(new_id)
        self.assertEqual(out["assistant"]["id"], new_id)
        self.assertNotIn("webhook_secret", out["agent"])
        self.assertEqual(self.get("/agents/%d" % j["agent_id"], token=tok)
                         .json()["vapi_assistant_id"], new_id)
        self.assertEqual(self.calls_to_vapi(), [("POST", "/assistant")])
        self.assertEqual(self.api.seen_keys, ["vk_operator"])
        stored = self.api.assistants[new_id]
        self.assert_our_tools(stored, j["webhook_secret"])
        self.assertEqual(stored["server"]["url"], WEBHOOK_URL)
        # Vapi, calling the webhook as configured, reaches this agent
        ok = self.hook(status_update(new_id),
                       stored["model"]["tools"][0]["server"]["headers"]["X-Vapi-Secret"])
        self.assertEqual(ok.status, 200, ok.body)

    def test_sync_updates_an_existing_assistant(self):
        tok = self.tenant()
        aid = new_assistant_id()
        transfer = {"type": "function", "function": {"name": "transfer"}}
        stale = {"type": "function", "function": {"name": "search_rentals"},
                 "server": {"url": "https://old.example/hook"}}
        self.api.assistants[aid] = {"id": aid, "name": "Existing",
                                    "model": {"provider": "anthropic", "model": "claude",
                                              "tools": [transfer, stale]}}
        j = self.create_agent(tok, vapi_assistant_id=aid)
        for round_ in (1, 2):
            with self.subTest(round=round_):
                with self.api.lock:
                    self.api.requests.clear()
                r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
                self.assertEqual(r.status, 200, r.body)
                out = r.json()
                self.assertEqual((out["status"], out["created"]), ("success", False))
                self.assertEqual(out["agent"]["vapi_assistant_id"], aid)
                self.assertEqual(self.calls_to_vapi(),
                                 [("GET", "/assistant/" + aid), ("PATCH", "/assistant/" + aid)])
                stored = self.api.assistants[aid]
                self.assertEqual(tool_names(stored).count("transfer"), 1)
                self.assertIn(transfer, stored["model"]["tools"])
                self.assertEqual(len(stored["model"]["tools"]), 6)
                self.assertEqual((stored["name"], stored["model"]["provider"]),
                                 ("Existing", "anthropic"))
                self.assert_our_tools(stored, j["webhook_secret"])
        self.assertEqual(len(self.api.assistants), 1)

    def test_sync_after_rotation_sends_the_new_secret(self):
        tok = self.tenant()
        j = self.create_agent(tok)
        first = self.post("/agents/%d/sync" % j["agent_id"], token=tok).json()
        aid = first["agent"]["vapi_assistant_id"]
        rot = self.post("/agents/%d/rotate-secret" % j["agent_id"], token=tok).json()
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        self.assertEqual(r.status, 200, r.body)
        self.assertIs(r.json()["created"], False)
        self.assert_our_tools(self.api.assistants[aid], rot["webhook_secret"])

    def test_the_tenants_own_key_is_used(self):
        tok = self.tenant()
        s = self.patch("/users/me/settings", token=tok, body={"vapi_api_key": "vk_tenant"})
        self.assertEqual(s.status, 200, s.body)
        j = self.create_agent(tok)
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.api.seen_keys, ["vk_tenant"])

    def test_vapi_failure_is_502_and_changes_nothing(self):
        tok = self.tenant()
        j = self.create_agent(tok)
        path = "/agents/%d" % j["agent_id"]
        before = self.get(path, token=tok).json()
        self.api.fail_with = 500
        r = self.post(path + "/sync", token=tok)
        body = assert_error(self, r, 502, "vapi_error")
        self.assertIn("500", body["message"])
        self.assertNotIn("vk_operator", r.text)
        self.assertNotIn(j["webhook_secret"], r.text)
        self.assertEqual(self.get(path, token=tok).json(), before)

    def test_unknown_assistant_at_vapi_is_502(self):
        tok = self.tenant()
        aid = new_assistant_id()
        j = self.create_agent(tok, vapi_assistant_id=aid)
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        body = assert_error(self, r, 502, "vapi_error")
        self.assertIn("404", body["message"])
        self.assertEqual(self.calls_to_vapi(), [("GET", "/assistant/" + aid)])
        self.assertNotIn(aid, self.api.assistants)
        self.assertEqual(self.get("/agents/%d" % j["agent_id"], token=tok)
                         .json()["vapi_assistant_id"], aid)

    def test_a_rejected_key_is_502(self):
        tok = self.tenant()
        self.patch("/users/me/settings", token=tok, body={"vapi_api_key": "vk_revoked"})
        j = self.create_agent(tok)
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        body = assert_error(self, r, 502, "vapi_error")
        self.assertIn("401", body["message"])
        self.assertNotIn("vk_revoked", r.text)
        self.assertIsNone(self.get("/agents/%d" % j["agent_id"], token=tok)
                          .json()["vapi_assistant_id"])


class SyncWithoutKey(SyncBase):

    def test_no_key_is_400(self):
        tok = self.tenant()
        j = self.create_agent(tok)
        r = self.post("/agents/%d/sync" % j["agent_id"], token=tok)
        assert_error(self, r, 400, "vapi_key_missing")
        self.assertEqual(self.calls_to_vapi(), [])
        assert_error(self, self.post("/agents/%d/sync" % MISSING_ID, token=tok), 404,
                     "not_found")


class Calls(AgentsBase):

    def setUp(self):
        self.tok = self.tenant()
        self.aid = new_assistant_id()
        self.agent = self.create_agent(self.tok, vapi_assistant_id=self.aid)
        self.secret = self.agent["webhook_secret"]

    def post_report(self, call_id, **changes):
        r = self.hook(report(self.aid, call_id, **changes), self.secret)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {})

    def test_empty_log(self):
        r = self.get("/calls", token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"calls": [], "next_cursor": None})

    def test_reports_are_listed_newest_first_and_paged(self):
        ids = ["%s-call-%d" % (self.aid, i) for i in range(3)]
        for i, cid in enumerate(ids):
            self.post_report(cid, summary="Call number %d" % i)
        j = self.get("/calls", token=self.tok).json()
        self.assertEqual([c["vapi_call_id"] for c in j["calls"]], ids[::-1])
        self.assertEqual([c["summary"] for c in j["calls"]],
                         ["Call number 2", "Call number 1", "Call number 0"])
        self.assertIsNone(j["next_cursor"])
        seen, cursor, pages = [], None, 0
        while True:
            q = "/calls?limit=1" + ("&cursor=" + cursor if cursor else "")
            r = self.get(q, token=self.tok)
            self.assertEqual(r.status, 200, r.body)
            page = r.json()
            self.assertLessEqual(len(page["calls"]), 1)
            seen += [c["vapi_call_id"] for c in page["calls"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None or pages > 10:
                break
        self.assertEqual(seen, ids[::-1])
        two = self.get("/calls?limit=2", token=self.tok).json()
        self.assertEqual(len(two["calls"]), 2)
        rest = self.get("/calls?limit=2&cursor=" + two["next_cursor"], token=self.tok).json()
        self.assertEqual([c["vapi_call_id"] for c in rest["calls"]], [ids[0]])
        self.assertIsNone(rest["next_cursor"])

    def test_one_call_in_detail(self):
        cid = self.aid + "-detail"
        self.post_report(cid)
        listed = self.get("/calls", token=self.tok).json()["calls"]
        self.assertEqual(len(listed), 1)
        r = self.get("/calls/%d" % listed[0]["id"], token=self.tok)
        self.assertEqual(r.status, 200, r.body)
        c = r.json()
        msg = fixture("end-of-call-report.json")["message"]
        self.assertEqual(c.pop("appointments"), [])  # no viewing booked during this call
        self.assertEqual(c, listed[0])
        self.assertEqual(c["vapi_call_id"], cid)
        self.assertEqual(c["agent_id"], self.agent["agent_id"])
        self.assertEqual(c["summary"], msg["summary"])
        self.assertEqual(c["transcript"], msg["transcript"])
        self.assertEqual(c["cost"], 0.1375)
        self.assertEqual(c["ended_reason"], "customer-ended-call")
        self.assertEqual(c["started_at"], "2026-03-02T16:00:00Z")
        self.assertEqual(c["ended_at"], "2026-03-02T16:04:12Z")
        self.assertEqual(c["customer_number"], "+14055550123")
        self.assertEqual(c["recording_url"], msg["recordingUrl"])
        assert_error(self, self.get("/calls/%d" % MISSING_ID, token=self.tok), 404, "not_found")
        assert_error(self, self.get("/calls/abc", token=self.tok), 404, "not_found")

    def test_a_report_posted_twice_is_stored_once(self):
        cid = self.aid + "-twice"
        self.post_report(cid)
        self.post_report(cid)
        calls = self.get("/calls", token=self.tok).json()["calls"]
        self.assertEqual([c["vapi_call_id"] for c in calls], [cid])

    def test_bad_cursor_and_limit_are_400(self):
        self.post_report(self.aid + "-x")
        for cursor in ("zzz", "!!!", "YzE6LTE", "Yzk6MTA", "a" * 60):
            with self.subTest(cursor=cursor):
                assert_error(self, self.get("/calls?cursor=" + cursor, token=self.tok), 400,
                             "invalid_cursor")
        for limit in ("0", "101", "-1", "abc", "", "1.5", "99999999999999999999"):
            with self.subTest(limit=limit):
                j = assert_error(self, self.get("/calls?limit=" + limit, token=self.tok), 400)
                self.assertIn("limit", j["message"])
        self.assertEqual(len(self.get("/calls?limit=100", token=self.tok).json()["calls"]), 1)


class TwoTenants(SyncBase):
    """Tenant B aims every id endpoint at tenant A's agent and call."""
    vapi_env = {"VAPI_API_KEY": "vk_operator"}

    def setUp(self):
        super().setUp()
        self.ta, self.tb = self.tenant("-a"), self.tenant("-b")
        self.aid = new_assistant_id()
        self.a = self.create_agent(self.ta, agent_name="A line", vapi_assistant_id=self.aid,
                                   config={"owner": "a"})
        self.b = self.create_agent(self.tb, agent_name="B line",
                                   vapi_assistant_id=new_assistant_id())
        base = "/agents/%d" % self.a["agent_id"]
        self.post(base + "/variables", token=self.ta, body={"name": "v", "value": "A value"})
        self.post(base + "/functions", token=self.ta, body={"name": "f", "description": "A fn"})
        r = self.hook(report(self.aid, self.aid + "-call"), self.a["webhook_secret"])
        self.assertEqual(r.status, 200, r.body)
        self.a_call = self.get("/calls", token=self.ta).json()["calls"][0]["id"]

    def snapshot_a(self):
        base = "/agents/%d" % self.a["agent_id"]
        return {"agents": self.get("/agents", token=self.ta).json(),
                "agent": self.get(base, token=self.ta).json(),
                "variables": self.get(base + "/variables", token=self.ta).json(),
                "functions": self.get(base + "/functions", token=self.ta).json(),
                "calls": self.get("/calls", token=self.ta).json(),
                "call": self.get("/calls/%d" % self.a_call, token=self.ta).json()}

    def test_every_id_endpoint_is_404_for_another_tenant(self):
        before = self.snapshot_a()
        cases = [
            ("GET", "/agents/%s", None),
            ("PATCH", "/agents/%s", {"agent_name": "Taken over", "is_active": False}),
            ("POST", "/agents/%s/rotate-secret", None),
            ("POST", "/agents/%s/sync", None),
            ("POST", "/agents/%s/try", {"tool": "search_rentals", "arguments": {}}),
            ("GET", "/agents/%s/variables", None),
            ("POST", "/agents/%s/variables", {"name": "v", "value": "B value"}),
            ("GET", "/agents/%s/functions", None),
            ("POST", "/agents/%s/functions", {"name": "f", "description": "B fn"}),
            ("DELETE", "/agents/%s", None),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                foreign = self.request(method, path % self.a["agent_id"], token=self.tb,
                                       body=body)
                missing = self.request(method, path % MISSING_ID, token=self.tb, body=body)
                wordy = self.request(method, path % "abc", token=self.tb, body=body)
                j = assert_error(self, foreign, 404, "not_found")
                self.assertEqual(j, missing.json())
                self.assertEqual(j, wordy.json())
                self.assertEqual((missing.status, wordy.status), (404, 404))
                self.assertNotIn("A line", foreign.text)
        with self.subTest("GET /calls/{id}"):
            foreign = self.get("/calls/%d" % self.a_call, token=self.tb)
            missing = self.get("/calls/%d" % MISSING_ID, token=self.tb)
            wordy = self.get("/calls/abc", token=self.tb)
            j = assert_error(self, foreign, 404, "not_found")
            self.assertEqual(j, missing.json())
            self.assertEqual(j, wordy.json())
        self.assertEqual(self.calls_to_vapi(), [])
        self.assertEqual(self.snapshot_a(), before)
        # A's secret was not rotated: it still authenticates A's webhook
        ok = self.hook(status_update(self.aid), self.a["webhook_secret"])
        self.assertEqual(ok.status, 200, ok.body)
        # B's own view holds only B's things
        self.assertEqual([x["agent_id"] for x in self.get("/agents", token=self.tb).json()],
                         [self.b["agent_id"]])
        self.assertEqual(self.get("/calls", token=self.tb).json(),
                         {"calls": [], "next_cursor": None})
        b_base = "/agents/%d" % self.b["agent_id"]
        self.assertEqual(self.get(b_base + "/variables", token=self.tb).json(),
                         {"variables": []})
        self.assertEqual(self.get(b_base + "/functions", token=self.tb).json(),
                         {"functions": []})


class TryIt(AgentsBase):
    """POST /agents/{id}/try: the sentence a caller would hear, for the signed-in tenant."""

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.create_agent(self.tok, agent_name="Try line",
                                       vapi_assistant_id=new_assistant_id())
        r = self.post("/rentals", token=self.tok, body={
            "property_address": "1000 Rambling Oaks - 6", "price": 1250, "bedrooms": 2,
            "bathrooms": 1.5})
        self.assertEqual(r.status, 201, r.body)
        self.path = "/agents/%d/try" % self.agent["agent_id"]

    def test_the_answer_a_caller_hears(self):
        for args in ({"bedrooms": 2}, json.dumps({"bedrooms": 2})):
            with self.subTest(arguments=args):
                r = self.post(self.path, token=self.tok,
                              body={"tool": "search_rentals", "arguments": args})
                self.assertEqual(r.status, 200, r.body)
                j = r.json()
                self.assertEqual(set(j), {"tool", "result"})
                self.assertEqual(j["tool"], "search_rentals")
                self.assertIn("1000 Rambling Oaks, unit 6", j["result"])
                self.assertIn("$1,250 a month", j["result"])
        r = self.post(self.path, token=self.tok, body={"tool": "get_rental_details"})
        self.assertEqual(r.json(), {"tool": "get_rental_details",
                                    "error": "I need the address of the home to describe it."})

    def test_bad_requests_change_nothing(self):
        cases = [({}, 422), ({"tool": "dance"}, 422), ({"tool": 5}, 400),
                 ({"tool": "search_rentals", "arguments": "{not json"}, 422),
                 ({"tool": "search_rentals", "arguments": "[1]"}, 422),
                 ({"tool": "search_rentals", "arguments": [1]}, 400)]
        for body, status in cases:
            with self.subTest(body=body):
                j = assert_error(self, self.post(self.path, token=self.tok, body=body), status)
                self.assertTrue(j["message"])
        assert_error(self, self.post(self.path, token=self.tok, raw=b"{", headers={
            "Content-Type": "application/json"}), 400, "invalid_json")
        assert_error(self, self.post("/agents/999999/try", token=self.tok,
                                     body={"tool": "search_rentals"}), 404, "not_found")
        assert_error(self, self.post(self.path, body={"tool": "search_rentals"}), 401)


if __name__ == "__main__":
    harness.run()
