# SPDX-License-Identifier: MIT
"""POST /vapi/webhook (SPEC §6) as Vapi calls it: every sample in tests/fixtures/vapi/ gets the
reply its type calls for; the agent's secret is accepted as X-Vapi-Secret, a bearer or an
HMAC-SHA256 signature (optionally over "timestamp.body", fresh within 5 minutes, header names
configurable per agent), and anything else is a 401 after which nothing has run;
search_rentals and get_rental_details answer from the agent's tenant's own rentals in short
speakable sentences, matching addresses forgivingly and failing one call without failing the
others; tool arguments never reach another tenant; bad bodies get the error shape."""

import copy
import hashlib
import hmac
import json
import os
import re
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures", "vapi")
FIXTURE_ASSISTANT = "24464697-8f45-4b38-b43a-d337f50c370e"
IMPLEMENTED = ("search_rentals", "get_rental_details", "get_availability", "set_appointment",
               "cancel_appointment")
MAX_BODY = 1048576


def fixture_names():
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith(".json"))


def fixture_bytes(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def fixture(name):
    return json.loads(fixture_bytes(name).decode("utf-8"))


def new_assistant_id():
    return str(uuid.uuid4())


def sign(secret, raw, ts=None):
    """Hex HMAC-SHA256 keyed with the secret over the body, or over "ts.body"."""
    msg = raw if ts is None else ts.encode() + b"." + raw
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def expected_calls(message):
    """(toolCallId, tool name) of the calls a message carries, from the one list Vapi's
    reader takes (toolCallList, else toolWithToolCallList, else toolCalls)."""
    for key in ("toolCallList", "toolWithToolCallList", "toolCalls"):
        entries = message.get(key) or []
        if entries:
            out = []
            for e in entries:
                c = e["toolCall"] if key == "toolWithToolCallList" else e
                name = (c.get("function") or {}).get("name") or c.get("name")
                out.append((c["id"], name))
            return out
    return []


def call(cid, name, args):
    """A toolCallList entry in the OpenAI style Vapi sends."""
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}


def report(assistant_id, call_id):
    body = fixture("end-of-call-report.json")
    body["message"]["call"]["assistantId"] = assistant_id
    body["message"]["call"]["id"] = call_id
    return body


class WebhookBase(harness.ServerTestCase):

    def tenant(self, suffix=""):
        return self.server.token("hook-%s%s" % (self._testMethodName, suffix))

    def new_agent(self, tok, assistant_id=None, **fields):
        fields.setdefault("agent_name", "Leasing line")
        fields["vapi_assistant_id"] = assistant_id or new_assistant_id()
        r = self.post("/agents", token=tok, body=fields)
        self.assertEqual(r.status, 201, r.body)
        return r.json()

    def rental(self, tok, **fields):
        r = self.post("/rentals", token=tok, body=fields)
        self.assertEqual(r.status, 201, r.body)
        return r.json()

    def send(self, body, headers):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers)
        return self.post("/vapi/webhook", raw=raw, headers=h)

    def hook(self, agent, message, secret=None):
        """Posts {"message": message} for the agent's assistant with its secret."""
        message = dict(message)
        message.setdefault("call", {"id": "call-" + uuid.uuid4().hex})
        message["call"] = dict(message["call"], assistantId=agent["vapi_assistant_id"])
        return self.send({"message": message},
                         {"X-Vapi-Secret": secret or agent["webhook_secret"]})

    def tools(self, agent, calls):
        """Sends one tool-calls message; returns its results, checked for shape and order."""
        r = self.hook(agent, {"type": "tool-calls", "toolCallList": calls})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertEqual(set(j), {"results"})
        self.assertEqual([x["toolCallId"] for x in j["results"]], [c.get("id", "") for c in calls])
        for x in j["results"]:
            self.assertEqual(len(set(x) & {"result", "error"}), 1, x)
            self.assert_speakable(x.get("result", x.get("error")))
        return j["results"]

    def result(self, agent, name, args):
        """The answer of one call that must succeed."""
        entry = self.tools(agent, [call("only", name, args)])[0]
        self.assertIn("result", entry, entry)
        return entry["result"]

    def error(self, agent, name, args):
        entry = self.tools(agent, [call("only", name, args)])[0]
        self.assertIn("error", entry, entry)
        return entry["error"]

    def assert_speakable(self, text):
        self.assertIsInstance(text, str)
        self.assertTrue(text.strip())
        for bad in ("\n", "\r", "\t", "*", "`", "](", "# "):
            self.assertNotIn(bad, text)
        self.assertFalse(text.startswith("#"), text)

    def calls_of(self, tok):
        r = self.get("/calls?limit=100", token=tok)
        self.assertEqual(r.status, 200, r.body)
        return [c["vapi_call_id"] for c in r.json()["calls"]]


class Fixtures(WebhookBase):
    """The samples of tests/fixtures/vapi/, sent as they are, to the assistant they name."""

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.new_agent(self.tok, FIXTURE_ASSISTANT)
        self.addCleanup(self.delete, "/agents/%d" % self.agent["agent_id"], token=self.tok)
        self.rental(self.tok, property_address="1000 Rambling Oaks - 6", city="Norman",
                    price=1250, bedrooms=2, bathrooms=1.5)
        self.rental(self.tok, property_address="412 W Oak Ave", price=1600, bedrooms=3,
                    bathrooms=2)

    def test_every_fixture_file(self):
        names = fixture_names()
        self.assertGreaterEqual(len(names), 6)
        for name in names:
            with self.subTest(fixture=name):
                raw = fixture_bytes(name)
                message = json.loads(raw)["message"]
                r = self.send(raw, {"X-Vapi-Secret": self.agent["webhook_secret"]})
                self.assertEqual(r.status, 200, r.body)
                self.assertTrue(r.headers["content-type"].startswith("application/json"))
                j = r.json()
                kind = message.get("type") or ("tool-calls" if expected_calls(message) else "")
                if kind == "tool-calls":
                    self.check_tool_results(j, expected_calls(message))
                elif kind == "function-call":  # get_availability at an unknown address
                    self.assertEqual(set(j), {"result"})
                    self.assert_speakable(j["result"])
                    self.assertIn("couldn't find a listing at 123 Main Street", j["result"])
                elif kind == "end-of-call-report":
                    self.assertEqual(j, {})
                    self.assertIn(message["call"]["id"], self.calls_of(self.tok))
                else:
                    self.assertEqual(kind, "status-update")
                    self.assertEqual(j, {})

    def check_tool_results(self, j, calls):
        self.assertEqual(set(j), {"results"})
        self.assertEqual([x["toolCallId"] for x in j["results"]], [cid for cid, _ in calls])
        for entry, (_, tool) in zip(j["results"], calls):
            self.assertEqual(len(set(entry) & {"result", "error"}), 1, entry)
            if tool in IMPLEMENTED:
                self.assertIn("result", entry, entry)
                self.assert_speakable(entry["result"])
            if tool == "search_rentals":  # bedrooms 2, max_price 1500
                self.assertIn("1000 Rambling Oaks", entry["result"])
                self.assertIn("$1,250 a month", entry["result"])
                self.assertNotIn("412 W Oak", entry["result"])
            if tool == "get_rental_details":  # 412 W Oak Ave
                self.assertIn("412 W Oak Ave", entry["result"])
                self.assertIn("$1,600 a month", entry["result"])
            if tool == "get_availability":  # 1000 Rambling Oaks - 6, 5 days
                self.assertTrue(entry["result"].startswith("For 1000 Rambling Oaks, unit 6, "),
                                entry["result"])
            if tool == "set_appointment":  # March 3, 2026: gone by now
                self.assertTrue(entry["result"].startswith("That time has already passed."),
                                entry["result"])

    def test_each_call_list_shape(self):
        """The same question in every shape Vapi has used gets the same answer."""
        docs = fixture("tool-calls.docs-flat.json")["message"]
        docs["call"]["id"] = "shape-" + uuid.uuid4().hex
        only_wrapped = copy.deepcopy(docs)
        del only_wrapped["toolCallList"]
        name_on_tool = copy.deepcopy(only_wrapped)
        del name_on_tool["toolWithToolCallList"][0]["toolCall"]["function"]["name"]
        flat = copy.deepcopy(docs)
        del flat["toolWithToolCallList"]
        legacy = {"toolCalls": [{"id": "legacy-1", "function": {
            "name": "get_rental_details",
            "arguments": json.dumps({"property_address": "412 W Oak Ave"})}}],
            "call": docs["call"]}
        shapes = {"toolCallList and toolWithToolCallList": (docs, docs["toolCallList"][0]["id"]),
                  "toolWithToolCallList only": (only_wrapped, docs["toolCallList"][0]["id"]),
                  "name on the tool definition": (name_on_tool, docs["toolCallList"][0]["id"]),
                  "flat toolCallList": (flat, docs["toolCallList"][0]["id"]),
                  "legacy toolCalls, string arguments": (legacy, "legacy-1")}
        for label, (message, cid) in shapes.items():
            with self.subTest(label):
                r = self.send({"message": message},
                              {"X-Vapi-Secret": self.agent["webhook_secret"]})
                self.assertEqual(r.status, 200, r.body)
                results = r.json()["results"]
                self.assertEqual([x["toolCallId"] for x in results], [cid])
                self.assertIn("$1,600 a month", results[0]["result"])

    def test_legacy_function_calls(self):
        secret = {"X-Vapi-Secret": self.agent["webhook_secret"]}
        fc = {"name": "search_rentals", "parameters": {"bedrooms": 2, "max_price": 1500}}
        bodies = {
            "message.functionCall": {"message": {"type": "function-call", "functionCall": fc,
                                                 "call": {"assistantId": FIXTURE_ASSISTANT}}},
            "top-level functionCall": {"functionCall": fc,
                                       "call": {"assistantId": FIXTURE_ASSISTANT}},
            "string arguments": {"message": {"type": "function-call", "functionCall": {
                "name": "search_rentals", "arguments": json.dumps(fc["parameters"])},
                "call": {"assistantId": FIXTURE_ASSISTANT}}},
        }
        for label, body in bodies.items():
            with self.subTest(label):
                r = self.send(body, secret)
                self.assertEqual(r.status, 200, r.body)
                j = r.json()
                self.assertEqual(set(j), {"result"})
                self.assertIn("$1,250 a month", j["result"])
        r = self.send({"message": {"type": "function-call", "functionCall": {"name": "nope"},
                                   "call": {"assistantId": FIXTURE_ASSISTANT}}}, secret)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(set(r.json()), {"result"})

    def test_a_call_listed_twice_is_answered_once(self):
        twice = [call("dup", "get_rental_details", {"property_address": "412 W Oak Ave"}),
                 call("dup", "get_rental_details", {"property_address": "412 W Oak Ave"}),
                 call("other", "search_rentals", {"bedrooms": 3})]
        r = self.hook(self.agent, {"type": "tool-calls", "toolCallList": twice})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([x["toolCallId"] for x in r.json()["results"]], ["dup", "other"])

    def test_no_calls_and_other_message_types(self):
        r = self.hook(self.agent, {"type": "tool-calls", "toolCallList": []})
        self.assertEqual((r.status, r.json()), (200, {"results": []}))
        for kind in ("hang", "speech-update", "transcript", "conversation-update",
                     "user-interrupted", "something-new"):
            with self.subTest(type=kind):
                r = self.hook(self.agent, {"type": kind, "status": "started"})
                self.assertEqual((r.status, r.json()), (200, {}))
        r = self.hook(self.agent, {"type": "assistant-request"})
        self.assertEqual(r.status, 200, r.body)
        j = r.json()
        self.assertIsInstance(j, dict)
        self.assertTrue({"assistant", "assistantId", "error"} & set(j), j)
        if "assistantId" in j:
            self.assertEqual(j["assistantId"], FIXTURE_ASSISTANT)


class Auth(WebhookBase):

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.new_agent(self.tok)
        self.secret = self.agent["webhook_secret"]
        self.aid = self.agent["vapi_assistant_id"]

    def report_raw(self, assistant_id=None):
        cid = "auth-" + uuid.uuid4().hex
        return cid, json.dumps(report(assistant_id or self.aid, cid)).encode()

    def assert_stored(self, headers_for, label):
        cid, raw = self.report_raw()
        r = self.send(raw, headers_for(raw))
        self.assertEqual(r.status, 200, "%s: %r" % (label, r.body))
        self.assertEqual(r.json(), {})
        self.assertIn(cid, self.calls_of(self.tok))

    def assert_refused(self, headers_for, assistant_id=None):
        cid, raw = self.report_raw(assistant_id)
        r = self.send(raw, headers_for(raw))
        j = assert_error(self, r, 401)
        self.assertNotIn(self.secret, r.text)
        self.assertNotIn(cid, self.calls_of(self.tok))
        return j

    def test_accepted_credentials(self):
        s = self.secret
        now = int(time.time())
        forms = {
            "X-Vapi-Secret": lambda raw: {"X-Vapi-Secret": s},
            "Authorization: Bearer": lambda raw: {"Authorization": "Bearer " + s},
            "lower-case bearer": lambda raw: {"Authorization": "bearer " + s},
            "signature over the body": lambda raw: {"X-Vapi-Signature": sign(s, raw)},
            "upper-case hex signature": lambda raw: {"X-Vapi-Signature": sign(s, raw).upper()},
            "sha256= prefix": lambda raw: {"X-Vapi-Signature": "sha256=" + sign(s, raw)},
            "timestamp in seconds": lambda raw: {
                "X-Vapi-Timestamp": str(now), "X-Vapi-Signature": sign(s, raw, str(now))},
            "timestamp in milliseconds": lambda raw: {
                "X-Vapi-Timestamp": str(now * 1000),
                "X-Vapi-Signature": sign(s, raw, str(now * 1000))},
            "timestamp four minutes old": lambda raw: {
                "X-Vapi-Timestamp": str(now - 240),
                "X-Vapi-Signature": sign(s, raw, str(now - 240))},
        }
        for label, headers_for in forms.items():
            with self.subTest(label):
                self.assert_stored(headers_for, label)

    def test_refused_credentials(self):
        s, other = self.secret, self.new_agent(self.tok)["webhook_secret"]
        now = int(time.time())
        old, future = str(now - 600), str(now + 600)
        forms = {
            "no credentials": lambda raw: {},
            "wrong X-Vapi-Secret": lambda raw: {"X-Vapi-Secret": other},
            "secret with a character more": lambda raw: {"X-Vapi-Secret": s + "x"},
            "secret cut short": lambda raw: {"X-Vapi-Secret": s[:-1]},
            "empty X-Vapi-Secret": lambda raw: {"X-Vapi-Secret": ""},
            "wrong bearer": lambda raw: {"Authorization": "Bearer " + other},
            "the secret as Basic": lambda raw: {"Authorization": "Basic " + s},
            "the tenant's own JWT": lambda raw: {"Authorization": "Bearer " + self.tok},
            "signature with another secret": lambda raw: {"X-Vapi-Signature": sign(other, raw)},
            "signature of another body": lambda raw: {
                "X-Vapi-Signature": sign(s, raw + b" ")},
            "signature not hex": lambda raw: {"X-Vapi-Signature": "z" * 64},
            "signature too short": lambda raw: {"X-Vapi-Signature": sign(s, raw)[:40]},
            "the secret as the signature": lambda raw: {"X-Vapi-Signature": s},
            "timestamp ten minutes old": lambda raw: {
                "X-Vapi-Timestamp": old, "X-Vapi-Signature": sign(s, raw, old)},
            "timestamp ten minutes ahead": lambda raw: {
                "X-Vapi-Timestamp": future, "X-Vapi-Signature": sign(s, raw, future)},
            "old timestamp in milliseconds": lambda raw: {
                "X-Vapi-Timestamp": old + "000", "X-Vapi-Signature": sign(s, raw, old + "000")},
            "body-only signature with a timestamp": lambda raw: {
                "X-Vapi-Timestamp": str(now), "X-Vapi-Signature": sign(s, raw)},
            "timestamp signed but not sent": lambda raw: {
                "X-Vapi-Signature": sign(s, raw, str(now))},
            "timestamp not a number": lambda raw: {
                "X-Vapi-Timestamp": "soon", "X-Vapi-Signature": sign(s, raw, "soon")},
        }
        bodies = []
        for label, headers_for in forms.items():
            with self.subTest(label):
                bodies.append(self.assert_refused(headers_for))
        # one answer for every reason: the reply is no oracle for which check failed
        self.assertEqual(len({json.dumps(b, sort_keys=True) for b in bodies}), 1, bodies)

    def test_unknown_missing_or_inactive_assistant(self):
        s = self.secret
        with self.subTest("unknown assistant id"):
            self.assert_refused(lambda raw: {"X-Vapi-Secret": s}, new_assistant_id())
        with self.subTest("unknown assistant id, signed"):
            self.assert_refused(lambda raw: {"X-Vapi-Signature": sign(s, raw)},
                                new_assistant_id())
        with self.subTest("no assistant id"):
            body = report(self.aid, "auth-none-" + uuid.uuid4().hex)
            del body["message"]["call"]["assistantId"]
            assert_error(self, self.send(body, {"X-Vapi-Secret": s}), 401)
            self.assertNotIn(body["message"]["call"]["id"], self.calls_of(self.tok))
        with self.subTest("assistant id from message.assistant.id"):
            body = report(self.aid, "auth-alt-" + uuid.uuid4().hex)
            del body["message"]["call"]["assistantId"]
            body["message"]["assistant"] = {"id": self.aid}
            self.assertEqual(self.send(body, {"X-Vapi-Secret": s}).status, 200)
            self.assertIn(body["message"]["call"]["id"], self.calls_of(self.tok))
        path = "/agents/%d" % self.agent["agent_id"]
        with self.subTest("inactive agent"):
            r = self.patch(path, token=self.tok, body={"is_active": False})
            self.assertEqual(r.status, 200, r.body)
            self.assert_refused(lambda raw: {"X-Vapi-Secret": s})
            r = self.hook(self.agent, {"type": "tool-calls", "toolCallList": [
                call("t1", "search_rentals", {"bedrooms": 1})]})
            assert_error(self, r, 401)
        with self.subTest("active again"):
            self.patch(path, token=self.tok, body={"is_active": True})
            self.assert_stored(lambda raw: {"X-Vapi-Secret": s}, "reactivated")

    def test_configured_header_names(self):
        r = self.patch("/agents/%d" % self.agent["agent_id"], token=self.tok,
                       body={"config": {"signature_header": "X-My-Sig",
                                        "timestamp_header": "X-My-Ts"}})
        self.assertEqual(r.status, 200, r.body)
        s = self.secret
        now = str(int(time.time()))
        old = str(int(time.time()) - 600)
        self.assert_stored(lambda raw: {"X-My-Sig": sign(s, raw)}, "X-My-Sig")
        self.assert_stored(lambda raw: {"X-My-Ts": now, "X-My-Sig": sign(s, raw, now)},
                           "X-My-Sig with X-My-Ts")
        self.assert_stored(lambda raw: {"X-Vapi-Secret": s}, "the secret still works")
        with self.subTest("old X-My-Ts"):
            self.assert_refused(lambda raw: {"X-My-Ts": old, "X-My-Sig": sign(s, raw, old)})
        with self.subTest("body-only X-My-Sig with X-My-Ts"):
            self.assert_refused(lambda raw: {"X-My-Ts": now, "X-My-Sig": sign(s, raw)})
        with self.subTest("X-My-Sig of another secret"):
            other = self.new_agent(self.tok)["webhook_secret"]
            self.assert_refused(lambda raw: {"X-My-Sig": sign(other, raw)})


class Tools(WebhookBase):

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.new_agent(self.tok)
        self.oaks = self.rental(
            self.tok, property_address="1000 Rambling Oaks - 6", city="Norman", price=1250,
            bedrooms=2, bathrooms=1.5, square_feet=900,
            description="**Bright** corner unit.\n\n# Features\n- Washer and dryer\n"
                        "- *Covered* parking\n`Pets welcome`")
        self.main = self.rental(self.tok, property_address="412 Main Street", price=3000,
                                bedrooms=4, bathrooms=2, available_date="2030-05-01")
        self.elm1 = self.rental(self.tok, property_address="200 Elm St Unit 1", price=900,
                                bedrooms=1, bathrooms=1)
        self.elm2 = self.rental(self.tok, property_address="200 Elm St Unit 2", price=950,
                                bedrooms=1, bathrooms=1)
        self.hidden = self.rental(self.tok, property_address="9 Hidden Way", price=1100,
                                  bedrooms=2, bathrooms=1, available=False)
        self.fifth = self.rental(self.tok, property_address="55 N Fifth Street Unit 3, Norman, "
                                 "OK 73069", price=1475, bedrooms=3, bathrooms=2,
                                 city="Norman", state="OK", zip="73069")

    def test_details_are_spoken_sentences(self):
        text = self.result(self.agent, "get_rental_details",
                           {"property_address": "1000 Rambling Oaks - 6"})
        for words in ("1000 Rambling Oaks", "unit 6", "$1,250 a month", "two bedrooms",
                      "one and a half baths", "900 square feet", "Bright corner unit",
                      "Washer and dryer", "Covered parking"):
            self.assertIn(words, text)
        text = self.result(self.agent, "get_rental_details",
                           {"property_address": "412 Main Street"})
        for words in ("$3,000 a month", "four bedrooms", "two baths", "2030"):
            self.assertIn(words, text)

    def test_search_reads_each_match(self):
        text = self.result(self.agent, "search_rentals", {"bedrooms": 1})
        for words in ("1000 Rambling Oaks", "$1,250 a month", "two bedrooms",
                      "one and a half baths", "200 Elm St", "$900 a month", "$950 a month",
                      "one bedroom", "412 Main Street", "$3,000 a month"):
            self.assertIn(words, text)
        self.assertNotIn("Hidden", text)
        self.assertLess(text.index("$900"), text.index("$1,250"))

    def test_search_filters(self):
        text = self.result(self.agent, "search_rentals", {"bedrooms": 2})
        self.assertIn("1000 Rambling Oaks", text)
        self.assertIn("412 Main Street", text)
        self.assertNotIn("Elm", text)
        self.assertNotIn("Hidden", text)  # not available
        self.assertLess(text.index("Rambling"), text.index("Main"))  # exact count first
        text = self.result(self.agent, "search_rentals", {"bedrooms": 4})
        self.assertIn("412 Main Street", text)
        self.assertNotIn("Rambling", text)
        text = self.result(self.agent, "search_rentals", {"bedrooms": 2, "max_price": 2000})
        self.assertIn("Rambling", text)
        self.assertNotIn("Main", text)
        text = self.result(self.agent, "search_rentals", {"bedrooms": 1, "min_price": 940,
                                                          "max_price": "$1300"})
        self.assertIn("$950 a month", text)
        self.assertIn("$1,250 a month", text)
        self.assertNotIn("$900", text)
        self.assertNotIn("$3,000", text)
        text = self.result(self.agent, "search_rentals", {"bedrooms": 9})
        self.assertNotIn("$", text)

    def test_search_without_a_bedroom_count(self):
        """What a caller asks most: no bedroom count, maybe a budget."""
        text = self.result(self.agent, "search_rentals", {})
        for words in ("Rambling", "Main", "Elm"):
            self.assertIn(words, text)
        text = self.result(self.agent, "search_rentals", {"max_price": 1000})
        self.assertIn("$900 a month", text)
        self.assertIn("$950 a month", text)
        self.assertNotIn("Rambling", text)
        self.assertNotIn("Main", text)
        text = self.result(self.agent, "search_rentals", {"min_price": 2000})
        self.assertIn("412 Main Street", text)
        self.assertNotIn("Elm", text)
        text = self.result(self.agent, "search_rentals", {"location": "Norman"})
        self.assertIn("Rambling", text)
        self.assertNotIn("Elm", text)
        # the caller narrows a first search down: both answered
        results = self.tools(self.agent, [
            call("wide", "search_rentals", {"bedrooms": 1, "max_price": 1500}),
            call("narrow", "search_rentals", {"max_price": 1000})])
        self.assertEqual([set(x) for x in results], [{"toolCallId", "result"}] * 2, results)
        self.assertIn("$900 a month", results[1]["result"])
        self.assertNotIn("Rambling", results[1]["result"])

    def test_arguments_as_a_json_string(self):
        text = self.result(self.agent, "search_rentals", json.dumps({"bedrooms": 4}))
        self.assertIn("412 Main Street", text)
        self.assertNotIn("Elm", text)
        text = self.result(self.agent, "get_rental_details",
                           json.dumps({"property_address": "200 Elm St Unit 2"}))
        self.assertIn("$950 a month", text)

    def test_several_calls_answered_in_order(self):
        results = self.tools(self.agent, [
            call("c-3", "get_rental_details", {"property_address": "200 Elm St Unit 2"}),
            call("c-1", "search_rentals", {"bedrooms": 4}),
            call("c-2", "get_rental_details", {"property_address": "1000 Rambling Oaks - 6"}),
            {"id": "c-0", "name": "get_rental_details",
             "arguments": {"property_address": "200 Elm St Unit 1"}},
        ])
        self.assertIn("$950 a month", results[0]["result"])
        self.assertIn("412 Main Street", results[1]["result"])
        self.assertIn("$1,250 a month", results[2]["result"])
        self.assertIn("$900 a month", results[3]["result"])

    def test_a_failing_call_fails_alone(self):
        good = call("good", "search_rentals", {"bedrooms": 4})
        bad_calls = {
            "unknown tool": call("bad", "book_flight", {"to": "Paris"}),
            "details without an address": call("bad", "get_rental_details", {}),
            "address not text": call("bad", "get_rental_details", {"property_address": 5}),
            "blank address": call("bad", "get_rental_details", {"property_address": ""}),
            "bedrooms a word": call("bad", "search_rentals", {"bedrooms": "many"}),
            "bedrooms an object": call("bad", "search_rentals", {"bedrooms": {"n": 2}}),
            "bedrooms negative": call("bad", "search_rentals", {"bedrooms": -1}),
            "bedrooms a fraction": call("bad", "search_rentals", {"bedrooms": 2.5}),
            "max_price a word": call("bad", "search_rentals", {"bedrooms": 1,
                                                               "max_price": "cheap"}),
            "location not text": call("bad", "search_rentals", {"bedrooms": 1,
                                                                "location": ["x"]}),
            "available_by not a date": call("bad", "search_rentals", {"bedrooms": 1,
                                                                      "available_by": "soon"}),
            "arguments not JSON": call("bad", "search_rentals", "{bedrooms: 2"),
            "arguments a JSON list": call("bad", "search_rentals", "[2]"),
            "arguments a number": call("bad", "search_rentals", 7),
            "no tool name": {"id": "bad", "arguments": {}},
        }
        for label, bad in bad_calls.items():
            with self.subTest(label):
                for calls in ([bad, good], [good, bad]):
                    results = self.tools(self.agent, calls)
                    by_id = {x["toolCallId"]: x for x in results}
                    self.assertIn("error", by_id["bad"], by_id["bad"])
                    self.assertIn("result", by_id["good"], by_id["good"])
                    self.assertIn("412 Main Street", by_id["good"]["result"])

    def test_unknown_tool_names_no_listing(self):
        text = self.error(self.agent, "book_flight", {})
        self.assertNotIn("$", text)

    def test_addresses_are_matched_forgivingly(self):
        cases = {
            "1000 rambling oaks unit 6": "$1,250 a month",
            "1000 Rambling Oaks #6": "$1,250 a month",
            "1000 RAMBLING OAKS Apt 6": "$1,250 a month",
            "1000 Rambling Oak - 6": "$1,250 a month",
            "55 North 5th St unit 3": "$1,475 a month",
            "55 n fifth street #3, norman oklahoma": "$1,475 a month",
            "55 N Fifth Street Unit 3, Norman, OK 73069": "$1,475 a month",
            "412 Main St": "$3,000 a month",
            "412 main street": "$3,000 a month",
            "412 Main St.": "$3,000 a month",
            "200 Elm Street, Unit 2": "$950 a month",
            "200 elm st apartment 1": "$900 a month",
        }
        for said, price in cases.items():
            with self.subTest(said=said):
                self.assertIn(price, self.result(self.agent, "get_rental_details",
                                                 {"property_address": said}))

    def test_the_city_of_a_listing_entered_by_hand(self):
        """The manager typed the city into its own field; the caller says it too."""
        for said in ("1000 Rambling Oaks - 6, Norman", "1000 Rambling Oaks unit 6, Norman, OK"):
            with self.subTest(said=said):
                self.assertIn("$1,250 a month", self.result(
                    self.agent, "get_rental_details", {"property_address": said}))

    def test_ambiguous_address_asks_which(self):
        text = self.result(self.agent, "get_rental_details",
                           {"property_address": "200 Elm Street"})
        self.assertIn("unit 1", text)
        self.assertIn("unit 2", text)
        self.assertIn("?", text)
        self.assertNotIn("$", text)

    def test_house_numbers_that_share_digits_and_addresses_without_one(self):
        """A caller's house number narrows the listings read to those that can have it;
        a listing whose address starts with no number is always considered."""
        self.rental(self.tok, property_address="10000 Rambling Oaks", price=2222, bedrooms=3,
                    bathrooms=2)
        self.rental(self.tok, property_address="Lakeside Lofts Unit 12", price=1333,
                    bedrooms=1, bathrooms=1)
        for said, price in (("1000 Rambling Oaks #6", "$1,250 a month"),
                            ("10000 Rambling Oaks", "$2,222 a month"),
                            ("lakeside lofts unit 12", "$1,333 a month"),
                            ("  1000 rambling oaks - 6", "$1,250 a month")):
            with self.subTest(said=said):
                self.assertIn(price, self.result(self.agent, "get_rental_details",
                                                 {"property_address": said}))

    def test_unknown_address_is_an_answer(self):
        text = self.result(self.agent, "get_rental_details",
                           {"property_address": "5 Nowhere Road"})
        self.assertNotIn("$", text)
        self.assertIn("5 Nowhere Road", text)


class MoveInDate(WebhookBase):
    """search_rentals with available_by, in a class (and server) of its own."""

    def test_available_by_keeps_listings_free_by_then(self):
        tok = self.tenant()
        agent = self.new_agent(tok)
        self.rental(tok, property_address="1 Soon Ct", price=1000, bedrooms=2,
                    available_date="2029-06-01")
        self.rental(tok, property_address="2 Later Ct", price=1000, bedrooms=2,
                    available_date="2031-06-01")
        self.rental(tok, property_address="3 Now Ct", price=1000, bedrooms=2)
        text = self.result(agent, "search_rentals", {"bedrooms": 2,
                                                     "available_by": "2029-12-31"})
        self.assertIn("1 Soon Ct", text)
        self.assertIn("3 Now Ct", text)
        self.assertNotIn("Later", text)


class ManyMatches(WebhookBase):
    """search_rentals over more listings than it speaks: the count, the best five in order,
    and pets, each in a class (and server) of its own."""

    def test_counts_all_and_speaks_the_best_five(self):
        tok = self.tenant()
        agent = self.new_agent(tok)
        # seven two-bedroom homes and two three-bedroom ones, one of them unpriced
        for i, price in enumerate((1700, 1100, 1500, 1900, 1300, 2100, 1200)):
            self.rental(tok, property_address="%d Birch Lane" % (10 + i), price=price,
                        bedrooms=2)
        self.rental(tok, property_address="90 Cedar Court", price=1000, bedrooms=3)
        self.rental(tok, property_address="91 Cedar Court", bedrooms=3)
        self.rental(tok, property_address="92 Gone Way", price=900, bedrooms=2,
                    available=False)
        text = self.result(agent, "search_rentals", {"bedrooms": 2})
        self.assertTrue(text.startswith("I have nine homes that fit. "), text)
        self.assertTrue(text.endswith(" Those are the best 5."), text)
        spoken = re.findall(r"\$[\d,]+ a month", text)
        # exactly two bedrooms first, cheapest first; the three-bedroom ones do not make it
        self.assertEqual(spoken, ["$1,100 a month", "$1,200 a month", "$1,300 a month",
                                  "$1,500 a month", "$1,700 a month"], text)
        self.assertNotIn("Cedar", text)
        self.assertNotIn("Gone", text)
        text = self.result(agent, "search_rentals", {"bedrooms": 3})
        self.assertTrue(text.startswith("I have two homes that fit. "), text)
        self.assertLess(text.index("90 Cedar Court"), text.index("91 Cedar Court"))  # unpriced last
        self.assertNotIn("Those are the best", text)

    def test_pets_keeps_listings_that_mention_them(self):
        tok = self.tenant()
        agent = self.new_agent(tok)
        self.rental(tok, property_address="1 Paw Street", price=1000, bedrooms=1,
                    description="Small DOGS welcome.")
        self.rental(tok, property_address="2 Whisker Way", price=1000, bedrooms=1,
                    amenities=["Cat friendly", "Laundry"])
        self.rental(tok, property_address="3 Quiet Row", price=1000, bedrooms=1,
                    description="No smoking.")
        text = self.result(agent, "search_rentals", {"pets": True})
        self.assertTrue(text.startswith("I have two homes that fit. "), text)
        self.assertIn("1 Paw Street", text)
        self.assertIn("2 Whisker Way", text)
        self.assertNotIn("Quiet", text)
        text = self.result(agent, "search_rentals", {"pets": False})
        self.assertTrue(text.startswith("I have three homes that fit. "), text)


class TenantIsolation(WebhookBase):

    def setUp(self):
        self.ta, self.tb = self.tenant("-a"), self.tenant("-b")
        self.a = self.new_agent(self.ta, agent_name="A line")
        self.b = self.new_agent(self.tb, agent_name="B line")
        self.b_user = self.get("/users/me", token=self.tb).json()["user_id"]
        self.rental(self.ta, property_address="10 Alpha Road", price=1111, bedrooms=2)
        self.rental(self.ta, property_address="5 Shared St", price=1000, bedrooms=3)
        self.rental(self.tb, property_address="77 Secret Lane", price=4321, bedrooms=2,
                    description="Marble kitchen only tenant B has.")
        self.rental(self.tb, property_address="5 Shared St", price=2000, bedrooms=3,
                    description="Tenant B rooftop.")

    def assert_no_b(self, text):
        for b_words in ("4,321", "Marble", "2,000", "rooftop", "Secret Lane has"):
            self.assertNotIn(b_words, text)

    def test_tools_answer_from_the_agents_tenant_only(self):
        results = self.tools(self.a, [
            call("s", "search_rentals", {"bedrooms": 2}),
            call("d1", "get_rental_details", {"property_address": "77 Secret Lane"}),
            call("d2", "get_rental_details", {"property_address": "5 Shared St"}),
            call("u", "search_rentals", {"bedrooms": 2, "user_id": self.b_user}),
            call("u2", "get_rental_details", {"property_address": "77 Secret Lane",
                                              "user_id": self.b_user,
                                              "tenant": self.b_user}),
        ])
        for entry in results:
            self.assert_no_b(json.dumps(entry))
        self.assertIn("$1,111 a month", results[0]["result"])
        self.assertIn("$1,000 a month", results[2]["result"])
        self.assertEqual(results[3]["result"], results[0]["result"])
        # and B's agent answers from B's listings
        text = self.result(self.b, "get_rental_details", {"property_address": "5 Shared St"})
        self.assertIn("$2,000 a month", text)
        self.assertNotIn("1,000", text)

    def test_another_tenants_secret_is_refused(self):
        for label, (agent, secret) in {
                "B's secret on A's assistant": (self.a, self.b["webhook_secret"]),
                "A's secret on B's assistant": (self.b, self.a["webhook_secret"])}.items():
            with self.subTest(label):
                cid = "iso-" + uuid.uuid4().hex
                r = self.send(report(agent["vapi_assistant_id"], cid), {"X-Vapi-Secret": secret})
                assert_error(self, r, 401)
                r = self.hook(agent, {"type": "tool-calls", "toolCallList": [
                    call("s", "search_rentals", {"bedrooms": 2})]}, secret=secret)
                assert_error(self, r, 401)
                self.assertNotIn("a month", r.text)
                self.assertNotIn(cid, self.calls_of(self.ta))
                self.assertNotIn(cid, self.calls_of(self.tb))

    def test_reports_land_in_the_agents_tenant(self):
        cid = "iso-a-" + uuid.uuid4().hex
        body = report(self.a["vapi_assistant_id"], cid)
        body["message"]["user_id"] = self.b_user
        r = self.send(body, {"X-Vapi-Secret": self.a["webhook_secret"]})
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(cid, self.calls_of(self.ta))
        self.assertNotIn(cid, self.calls_of(self.tb))


class Bodies(WebhookBase):

    def setUp(self):
        self.tok = self.tenant()
        self.agent = self.new_agent(self.tok)
        self.auth = {"X-Vapi-Secret": self.agent["webhook_secret"]}

    def test_body_size_limit(self):
        head = json.dumps({"message": {"type": "status-update",
                                       "call": {"assistantId": self.agent["vapi_assistant_id"]}}})
        at_limit = head.encode() + b" " * (MAX_BODY - len(head))
        self.assertEqual(len(at_limit), MAX_BODY)
        r = self.send(at_limit, self.auth)
        self.assertEqual((r.status, r.json()), (200, {}))
        over = at_limit + b" "
        assert_error(self, self.send(over, self.auth), 413, "payload_too_large")
        assert_error(self, self.send(over, {}), 413)
        # the server is fine afterwards
        self.assertEqual(self.send(head.encode(), self.auth).status, 200)

    def test_invalid_json_is_400(self):
        aid = self.agent["vapi_assistant_id"]
        cases = {
            "truncated": b'{"message": {"type": "status-update"',
            "not JSON": b"hello",
            "empty": b"",
            "duplicate keys": ('{"message": {"type": "status-update", "call": {"assistantId":'
                               ' "%s"}}, "message": {}}' % aid).encode(),
            "bad UTF-8": b'{"message": {"type": "\xff\xfe"}}',
        }
        for label, raw in cases.items():
            with self.subTest(label):
                assert_error(self, self.send(raw, self.auth), 400, "invalid_json")

    def test_json_that_is_not_a_message_is_400(self):
        cases = {
            "an array": [{"message": {"type": "status-update"}}],
            "a string": "message",
            "a number": 7,
            "null": None,
            "no message": {"type": "status-update",
                           "call": {"assistantId": self.agent["vapi_assistant_id"]}},
            "message a string": {"message": "status-update"},
            "message a list": {"message": []},
        }
        for label, body in cases.items():
            with self.subTest(label):
                raw = json.dumps(body).encode()
                j = assert_error(self, self.send(raw, self.auth), 400)
                self.assertIn("message", j["message"])


if __name__ == "__main__":
    harness.run()
