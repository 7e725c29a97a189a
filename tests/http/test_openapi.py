# SPDX-License-Identifier: MIT
"""GET /openapi.json and GET /docs (SPEC §5 Service): the description is complete and
accurate. Every row of the route table (src/routes.c, parsed here) is an operation of the
document and nothing else is; path parameters are declared with their types; security follows
each row's authenticator (HTTP_AUTH_BEARER / HTTP_AUTH_VAPI / HTTP_AUTH_OAUTH / HTTP_AUTH_FEED /
HTTP_AUTH_PUBLIC). Real responses of the main endpoints, success and
error, are validated against the schema documented for their status code by the small
OpenAPI 3.0 schema validator below (type, nullable, enum, required, properties,
additionalProperties, items, bounds, pattern, $ref), and documented limits are probed at the
boundary. /docs is an offline page (no other host referenced) that loads /openapi.json."""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES_C = os.path.normpath(os.path.join(HERE, "..", "..", "src", "routes.c"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
AUTH_SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]
VAPI_SECURITY = [{"vapiSecret": []}, {"vapiBearer": []}, {"vapiSignature": []}]
MAX_BODY = 16384

_ROUTE_ROW = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(HTTP_AUTH_\w+)\s*\}')
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def route_table():
    """[(METHOD, pattern, handler, flag)] from src/routes.c. A pattern's final "*" (the rest
    of the path) is the OpenAPI path parameter {path}."""
    with open(ROUTES_C, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r'/\*(?!").*?\*/', "", text, flags=re.S)  # comments, not "/app/*"
    return [(m, re.sub(r"\*$", "{path}", p), h, f) for m, p, h, f in _ROUTE_ROW.findall(text)]


# ---- a small OpenAPI 3.0 schema validator -------------------------------------------------

class Validator:
    def __init__(self, doc):
        self.doc = doc

    def resolve(self, node):
        """node with its $ref chain followed (JSON pointer inside this document)."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise AssertionError("external $ref %r" % ref)
            cur = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(cur, dict) or part not in cur:
                    raise AssertionError("$ref %r does not resolve" % ref)
                cur = cur[part]
            node = cur
            seen += 1
            if seen > 32:
                raise AssertionError("$ref loop at %r" % ref)
        return node

    @staticmethod
    def _type_ok(v, t):
        if t == "object":
            return isinstance(v, dict)
        if t == "array":
            return isinstance(v, list)
        if t == "string":
            return isinstance(v, str)
        if t == "boolean":
            return isinstance(v, bool)
        if t == "integer":
            return isinstance(v, int) and not isinstance(v, bool)
        if t == "number":
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        raise AssertionError("unknown schema type %r" % t)

    def errors(self, v, schema, where="$"):
        """Every way v fails schema, as 'where: problem' strings."""
        s = self.resolve(schema)
        out = []
        if v is None:
            if s.get("nullable") or not s or ("type" not in s and "enum" not in s):
                return out
            if "enum" in s and None in s["enum"]:
                return out
            return ["%s: null where the schema is not nullable" % where]
        for sub in s.get("allOf", []):
            out += self.errors(v, sub, where)
        for key in ("anyOf", "oneOf"):
            if key in s:
                n = sum(1 for sub in s[key] if not self.errors(v, sub, where))
                if n == 0 or (key == "oneOf" and n > 1):
                    out.append("%s: %d %s alternatives match" % (where, n, key))
        t = s.get("type")
        if t is not None and not self._type_ok(v, t):
            return out + ["%s: %r is not of type %s" % (where, v, t)]
        if "enum" in s and v not in s["enum"]:
            out.append("%s: %r not in enum %r" % (where, v, s["enum"]))
        if isinstance(v, str):
            if "maxLength" in s and len(v) > s["maxLength"]:
                out.append("%s: longer than %d" % (where, s["maxLength"]))
            if "minLength" in s and len(v) < s["minLength"]:
                out.append("%s: shorter than %d" % (where, s["minLength"]))
            if "pattern" in s and not re.search(s["pattern"], v):
                out.append("%s: %r does not match %r" % (where, v, s["pattern"]))
            fmt = s.get("format")
            if fmt == "date-time" and not _DATE_TIME.match(v):
                out.append("%s: %r is not an RFC 3339 date-time" % (where, v))
            if fmt == "date" and not _DATE.match(v):
                out.append("%s: %r is not a date" % (where, v))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in s and v < s["minimum"]:
                out.append("%s: %r below minimum %r" % (where, v, s["minimum"]))
            if "maximum" in s:
                over = v >= s["maximum"] if s.get("exclusiveMaximum") else v > s["maximum"]
                if over:
                    out.append("%s: %r above maximum %r" % (where, v, s["maximum"]))
        if isinstance(v, list):
            if "maxItems" in s and len(v) > s["maxItems"]:
                out.append("%s: more than %d items" % (where, s["maxItems"]))
            if "minItems" in s and len(v) < s["minItems"]:
                out.append("%s: fewer than %d items" % (where, s["minItems"]))
            if "items" in s:
                for i, item in enumerate(v):
                    out += self.errors(item, s["items"], "%s[%d]" % (where, i))
        if isinstance(v, dict):
            props = s.get("properties", {})
            for k in s.get("required", []):
                if k not in v:
                    out.append("%s: required key %r missing" % (where, k))
            extra = s.get("additionalProperties", True)
            for k, item in v.items():
                if k in props:
                    out += self.errors(item, props[k], "%s.%s" % (where, k))
                elif extra is False:
                    out.append("%s: key %r is not documented" % (where, k))
                elif isinstance(extra, dict):
                    out += self.errors(item, extra, "%s.%s" % (where, k))
        return out


# ---- tests --------------------------------------------------------------------------------

class OpenApiBase(harness.ServerTestCase):
    server_env = {"MAX_BODY_BYTES": str(MAX_BODY)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.server.request("GET", "/openapi.json")
        if r.status != 200:
            raise AssertionError("GET /openapi.json: %r" % r)
        cls.doc = r.json()
        cls.v = Validator(cls.doc)
        cls.routes = route_table()

    def op(self, method, pattern):
        item = self.doc["paths"].get(pattern)
        self.assertIsNotNone(item, "%s is not in the document's paths" % pattern)
        op = item.get(method.lower())
        self.assertIsNotNone(op, "%s %s is not documented" % (method, pattern))
        return item, op

    def params(self, method, pattern):
        item, op = self.op(method, pattern)
        return [self.v.resolve(p) for p in item.get("parameters", []) + op.get("parameters", [])]

    def check(self, resp, method, pattern, want=None):
        """resp's status must be listed explicitly (not only `default`) for the operation, and
        its body must match the schema documented for that status and content type. Returns
        the parsed JSON body (None for an empty or non-JSON one)."""
        if want is not None:
            self.assertEqual(resp.status, want, "%s %s: %r" % (method, pattern, resp))
        _item, op = self.op(method, pattern)
        code = str(resp.status)
        self.assertIn(code, op["responses"], "%s %s answered %d, which is not documented"
                      % (method, pattern, resp.status))
        doc_resp = self.v.resolve(op["responses"][code])
        content = doc_resp.get("content")
        if not content:
            self.assertEqual(resp.body, b"", "%s %s %s: documented without a body"
                             % (method, pattern, code))
            return None
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        self.assertIn(ctype, content, "%s %s %s: content type %r not documented (%r)"
                      % (method, pattern, code, ctype, list(content)))
        for h, hdoc in doc_resp.get("headers", {}).items():
            if self.v.resolve(hdoc).get("required"):
                self.assertIn(h.lower(), resp.headers, "%s %s %s: header %s documented as "
                              "required, missing" % (method, pattern, code, h))
        if ctype != "application/json":
            return None
        body = resp.json()
        errs = self.v.errors(body, content[ctype]["schema"])
        self.assertEqual(errs, [], "%s %s %s: body does not match the documented schema: %r"
                         % (method, pattern, code, body if len(resp.body) < 3000 else "..."))
        return body


class Coverage(OpenApiBase):
    """The document against the route table, and its own consistency."""

    def test_route_table_parses(self):
        self.assertGreaterEqual(len(self.routes), 20)
        patterns = {(m, p) for m, p, _h, _f in self.routes}
        self.assertIn(("GET", "/openapi.json"), patterns)
        self.assertIn(("GET", "/rentals/{id}"), patterns)

    def test_every_route_is_documented_and_nothing_else(self):
        table = {(m.lower(), p) for m, p, _h, _f in self.routes}
        documented = {(m, p) for p, item in self.doc["paths"].items() for m in item
                      if m in METHODS}
        self.assertEqual(sorted(table - documented), [], "routes missing from the document")
        self.assertEqual(sorted(documented - table), [], "documented operations with no route")

    def test_path_parameters_are_declared_with_types(self):
        for m, pattern, _h, _f in self.routes:
            names = re.findall(r"\{(\w+)\}", pattern)
            with self.subTest(route="%s %s" % (m, pattern)):
                params = [p for p in self.params(m, pattern) if p.get("in") == "path"]
                self.assertEqual(sorted(p["name"] for p in params), sorted(names))
                for p in params:
                    self.assertIs(p.get("required"), True)
                    want = "integer" if p["name"] == "id" else "string"
                    self.assertEqual(self.v.resolve(p["schema"]).get("type"), want, p)

    def test_security_follows_the_route_flag(self):
        schemes = self.doc["components"]["securitySchemes"]
        self.assertEqual((schemes["bearerAuth"]["type"], schemes["bearerAuth"]["scheme"]),
                         ("http", "bearer"))
        self.assertEqual((schemes["sessionCookie"]["type"], schemes["sessionCookie"]["in"],
                          schemes["sessionCookie"]["name"]), ("apiKey", "cookie", "session"))
        for m, pattern, _h, flag in self.routes:
            with self.subTest(route="%s %s" % (m, pattern)):
                _item, op = self.op(m, pattern)
                self.assertIn("security", op, "security must be explicit on every operation")
                if flag == "HTTP_AUTH_BEARER":
                    self.assertEqual(op["security"], AUTH_SECURITY)
                    self.assertIn("401", op["responses"])
                elif flag == "HTTP_AUTH_VAPI":
                    self.assertEqual(op["security"], VAPI_SECURITY)
                    self.assertIn("401", op["responses"])
                    self.assertEqual(schemes["vapiSecret"]["name"], "X-Vapi-Secret")
                    self.assertEqual(schemes["vapiSignature"]["name"], "X-Vapi-Signature")
                elif flag == "HTTP_AUTH_OAUTH":
                    self.assertEqual(op["security"], [{"oauthState": []}])
                    self.assertEqual((schemes["oauthState"]["type"], schemes["oauthState"]["in"],
                                      schemes["oauthState"]["name"]), ("apiKey", "query", "state"))
                elif flag == "HTTP_AUTH_FEED":
                    self.assertEqual(op["security"], [{"feedToken": []}])
                    self.assertEqual((schemes["feedToken"]["type"], schemes["feedToken"]["in"],
                                      schemes["feedToken"]["name"]), ("apiKey", "query", "token"))
                else:
                    self.assertEqual(flag, "HTTP_AUTH_PUBLIC")
                    self.assertEqual(op["security"], [])

    def test_every_ref_resolves_and_every_operation_is_described(self):
        def walk(node, where):
            if isinstance(node, dict):
                if "$ref" in node:
                    self.v.resolve(node)
                for k, x in node.items():
                    walk(x, where + "/" + k)
            elif isinstance(node, list):
                for i, x in enumerate(node):
                    walk(x, "%s/%d" % (where, i))
        walk(self.doc, "#")
        self.assertTrue(self.doc["openapi"].startswith("3."))
        op_ids = []
        for m, pattern, _h, _f in self.routes:
            _item, op = self.op(m, pattern)
            with self.subTest(route="%s %s" % (m, pattern)):
                self.assertTrue(op.get("summary"))
                op_ids.append(op.get("operationId"))
                # a success, or the redirect of an operation that always redirects
                self.assertTrue(any(c[0] in "23" for c in op["responses"] if c != "default"))
                for code, resp in op["responses"].items():
                    self.assertTrue(code == "default" or re.match(r"^[1-5]\d\d$", code), code)
                    self.assertTrue(self.v.resolve(resp).get("description"))
                if "requestBody" in op:
                    self.assertIn(m, ("POST", "PUT", "PATCH"))
        self.assertEqual(len(op_ids), len(set(op_ids)), "operationIds are unique")

    def test_required_schemas_exist(self):
        schemas = self.doc["components"]["schemas"]
        for name in ("Rental", "RentalInput", "RentalPatch", "Settings", "SettingsInput",
                     "User", "Source", "SourceInput", "Error", "ValidationError"):
            self.assertIn(name, schemas)
        for name in ("Rental", "Settings", "User", "Source", "Error", "ValidationError"):
            self.assertIs(schemas[name].get("additionalProperties"), False, name)

    def test_list_parameters(self):
        params = {p["name"]: p for p in self.params("GET", "/rentals") if p["in"] == "query"}
        self.assertEqual(set(params), {"available", "min_price", "max_price", "bedrooms",
                                       "min_bedrooms", "website", "q", "limit", "cursor"})
        limit = params["limit"]["schema"]
        self.assertEqual((limit["type"], limit["minimum"], limit["maximum"], limit["default"]),
                         ("integer", 1, 200, 50))


class Serving(OpenApiBase):
    """Content types, the /docs page, /metrics."""

    def test_openapi_is_json(self):
        r = self.get("/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json; charset=utf-8")
        self.assertEqual(r.json(), self.doc)
        with open(os.path.join(HERE, "..", "..", "src", "service", "openapi.json"), "rb") as f:
            self.assertEqual(r.body, f.read(), "the served document is the source file")
        self.check(r, "GET", "/openapi.json", 200)

    def test_docs_page(self):
        r = self.get("/docs")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.check(r, "GET", "/docs", 200)
        page = r.text
        self.assertIn("/openapi.json", page)
        self.assertIn("<script", page)
        self.assertNotRegex(page, r"(?i)https?://", "the page must not load anything from "
                                                    "another host")
        self.assertNotRegex(page, r"(?i)\bsrc\s*=\s*[\"']?//", "no protocol-relative loads")
        self.assertNotIn("innerHTML", page, "document text is set with textContent")
        self.assertNotIn("outerHTML", page)
        self.assertNotIn("insertAdjacentHTML", page)
        self.assertNotIn("document.write", page)
        self.assertIn("connect-src 'self'", r.headers.get("content-security-policy", ""))
        # no request to anything but this server's page is needed: HEAD works as GET
        self.assertEqual(self.request("HEAD", "/docs").status, 200)

    def test_metrics_documented_as_prometheus_text(self):
        _item, op = self.op("GET", "/metrics")
        self.assertEqual(list(op["responses"]["200"]["content"]), ["text/plain"])
        self.assertEqual(op["security"], AUTH_SECURITY)
        harness.assert_error(self, self.get("/metrics"), 401)
        self.check(self.get("/metrics"), "GET", "/metrics", 401)
        tok = self.server.token("oa-metrics")
        r = self.get("/metrics", token=tok)
        self.check(r, "GET", "/metrics", 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"))
        self.assertRegex(r.text, r"(?m)^# TYPE \w+ (counter|gauge|histogram)$")


class Responses(OpenApiBase):
    """Real responses against the documented schemas."""

    def setUp(self):
        self.tok = self.server.token("oa-" + self._testMethodName,
                                     email=self._testMethodName + "@example.com",
                                     name="Ada Lovelace")

    def rental(self, **fields):
        body = {"property_address": "1 Doc St"}
        body.update(fields)
        return self.check(self.post("/rentals", token=self.tok, body=body), "POST", "/rentals",
                          201)

    def test_service_endpoints(self):
        root = self.check(self.get("/"), "GET", "/", 200)
        self.assertEqual(root["links"]["api_docs"], "/docs")
        self.check(self.get("/health"), "GET", "/health", 200)
        self.check(self.get("/ready"), "GET", "/ready", 200)
        self.check(self.get("/.well-known/jwks.json"), "GET", "/.well-known/jwks.json", 200)

    def test_users(self):
        me = self.check(self.get("/users/me", token=self.tok), "GET", "/users/me", 200)
        self.assertEqual(me["full_name"], "Ada Lovelace")
        anon = self.server.token("oa-anonymous")
        me = self.check(self.get("/users/me", token=anon), "GET", "/users/me", 200)
        self.assertIsNone(me["email"])
        s = self.check(self.get("/users/me/settings", token=self.tok), "GET",
                       "/users/me/settings", 200)
        self.assertIsNone(s["updated_at"])
        body = {"timezone": "Europe/Paris", "theme": "dark", "vapi_api_key": "sk-test-12345678",
                "notification_email": "n@example.com",
                "business_hours": {"monday": ["08:00-12:00", "13:00-24:00"]}}
        s = self.check(self.put("/users/me/settings", token=self.tok, body=body), "PUT",
                       "/users/me/settings", 200)
        self.assertEqual(s["vapi_api_key_last4"], "5678")
        s["slot_minutes"] = 45  # a GET result sent back (output-only keys are accepted)
        s = self.check(self.patch("/users/me/settings", token=self.tok, body=s), "PATCH",
                       "/users/me/settings", 200)
        self.assertEqual(s["slot_minutes"], 45)
        bad = self.patch("/users/me/settings", token=self.tok,
                         body={"timezone": "Mars/Olympus", "slot_minutes": 1})
        j = self.check(bad, "PATCH", "/users/me/settings", 422)
        self.assertEqual(sorted(e["field"] for e in j["errors"]), ["slot_minutes", "timezone"])
        self.check(self.patch("/users/me/settings", token=self.tok, body={"theme": 5}), "PATCH",
                   "/users/me/settings", 400)
        gone = self.server.token("oa-erased")
        self.check(self.get("/users/me", token=gone), "GET", "/users/me", 200)
        self.check(self.delete("/users/me", token=gone), "DELETE", "/users/me", 204)

    def test_rentals(self):
        full = self.rental(property_address="12 Oak Ave", price=1250.5, bedrooms=2,
                           bathrooms=1.5, square_feet=850, city="Austin", state="TX",
                           zip="78701", unit="2B", property_type="Apartment",
                           available_date="2026-03-02", description="Corner unit",
                           contact_info="555-0100", amenities=["pool"],
                           images=["https://img.example/1.jpg"], url="https://l.example/1")
        bare = self.rental(property_address="13 Oak Ave")
        self.assertIsNone(bare["price"])
        got = self.check(self.get("/rentals/%d" % full["id"], token=self.tok), "GET",
                         "/rentals/{id}", 200)
        self.assertEqual(got, full)
        lst = self.check(self.get("/rentals?limit=1", token=self.tok), "GET", "/rentals", 200)
        self.assertIsInstance(lst["next_cursor"], str)
        lst = self.check(self.get("/rentals?cursor=" + lst["next_cursor"], token=self.tok),
                         "GET", "/rentals", 200)
        self.assertIsNone(lst["next_cursor"])
        got["price"] = 1300  # the whole GET result sent back: read-only keys are accepted
        p = self.check(self.patch("/rentals/%d" % full["id"], token=self.tok, body=got),
                       "PATCH", "/rentals/{id}", 200)
        self.assertEqual(p["price"], 1300)
        self.check(self.delete("/rentals/%d" % bare["id"], token=self.tok), "DELETE",
                   "/rentals/{id}", 204)

    def test_database_views(self):
        self.rental(property_address="1 View St", website="foo.example", price=900)
        self.rental(property_address="2 View St", available_date="2099-01-01", price=100)
        self.rental(property_address="3 View St", available=False)
        st = self.check(self.get("/database/status", token=self.tok), "GET",
                        "/database/status", 200)
        self.assertEqual(st["database_stats"]["total_rentals"], 3)
        w = self.check(self.get("/database/rentals/Foo.Example", token=self.tok), "GET",
                       "/database/rentals/{website}", 200)
        self.assertEqual(w["rental_count"], 1)
        a = self.check(self.get("/database/available", token=self.tok), "GET",
                       "/database/available", 200)
        self.assertEqual([x["days_until_available"] > 0 for x in a["rentals"]], [False, True])
        empty = self.server.token("oa-empty")
        st = self.check(self.get("/database/status", token=empty), "GET", "/database/status",
                        200)
        self.assertIsNone(st["user_email"])
        self.assertIsNone(st["database_stats"]["last_updated"])

    def test_sources(self):
        s = self.check(self.post("/database/sources", token=self.tok,
                                 body={"url": "https://www.Apts.Example/x", "id": 0}),
                       "POST", "/database/sources", 201)
        lst = self.check(self.get("/database/sources", token=self.tok), "GET",
                         "/database/sources", 200)
        self.assertEqual([x["id"] for x in lst], [s["id"]])
        self.check(self.post("/database/sources", token=self.tok,
                             body={"url": "https://www.Apts.Example/x"}),
                   "POST", "/database/sources", 409)
        self.check(self.post("/database/sources", token=self.tok, body={"url": "ftp://x"}),
                   "POST", "/database/sources", 422)
        self.check(self.post("/database/sources", token=self.tok,
                             body={"url": "https://b.example/", "note": "not a field"}),
                   "POST", "/database/sources", 422)
        self.check(self.delete("/database/sources/%d" % s["id"], token=self.tok), "DELETE",
                   "/database/sources/{id}", 204)
        self.check(self.delete("/database/sources/%d" % s["id"], token=self.tok), "DELETE",
                   "/database/sources/{id}", 404)

    def test_auth_endpoints(self):
        body = {"email": "oa-signup@example.com", "password": "correct horse battery",
                "first_name": "Oa", "last_name": "Doc"}
        s = self.check(self.post("/auth/signup", body=body), "POST", "/auth/signup", 201)
        self.check(self.post("/auth/signup", body=body), "POST", "/auth/signup", 409)
        self.check(self.post("/auth/signup", body={"email": "x", "password": "short"}), "POST",
                   "/auth/signup", 422)
        li = self.check(self.post("/auth/login", body={"email": body["email"],
                                                       "password": body["password"]}),
                        "POST", "/auth/login", 200)
        self.assertEqual(li["user"]["user_id"], s["user"]["user_id"])
        self.check(self.post("/auth/login", body={"email": body["email"], "password": "nope"}),
                   "POST", "/auth/login", 401)
        self.check(self.post("/auth/logout"), "POST", "/auth/logout", 204)
        # the webhook is not configured on this server: the documented 503
        self.check(self.post("/webhooks/clerk", body={"type": "user.created", "data": {}}),
                   "POST", "/webhooks/clerk", 503)


class ErrorStatuses(OpenApiBase):
    """Documented error statuses happen, with the documented bodies."""

    def setUp(self):
        self.tok = self.server.token("oa-err-" + self._testMethodName)

    def test_401_without_or_with_a_bad_token(self):
        for m, pattern, _h, flag in self.routes:
            if flag != "HTTP_AUTH_BEARER":
                continue
            path = pattern.replace("{id}", "1").replace("{website}", "x.example")
            with self.subTest(route="%s %s" % (m, pattern)):
                r = self.request(m, path, body={} if m in ("POST", "PUT", "PATCH") else None)
                harness.assert_error(self, r, 401)
                self.check(r, m, pattern, 401)
                r = self.request(m, path, token="not.a.jwt")
                self.check(r, m, pattern, 401)

    def test_404_for_another_tenants_and_non_numeric_ids(self):
        other = self.server.token("oa-err-other")
        r = self.post("/rentals", token=other, body={"property_address": "9 Else St"})
        rid = r.json()["id"]
        for m in ("GET", "PATCH", "DELETE"):
            with self.subTest(method=m):
                r = self.request(m, "/rentals/%d" % rid, token=self.tok,
                                 body={} if m == "PATCH" else None)
                self.check(r, m, "/rentals/{id}", 404)
                self.check(self.request(m, "/rentals/abc", token=self.tok,
                                        body={} if m == "PATCH" else None),
                           m, "/rentals/{id}", 404)
        self.assertEqual(self.get("/rentals/%d" % rid, token=other).status, 200)

    def test_422_and_400_on_bad_rentals(self):
        r = self.post("/rentals", token=self.tok,
                      body={"price": -1, "bedrooms": 2.5, "property_type": "castle"})
        j = self.check(r, "POST", "/rentals", 422)
        self.assertEqual(sorted(e["field"] for e in j["errors"]),
                         ["bedrooms", "price", "property_address", "property_type"])
        self.check(self.post("/rentals", token=self.tok, body={"property_address": 5}),
                   "POST", "/rentals", 400)
        self.check(self.post("/rentals", token=self.tok, raw="{nope",
                             headers={"Content-Type": "application/json"}),
                   "POST", "/rentals", 400)
        self.check(self.post("/rentals", token=self.tok, raw="property_address=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   "POST", "/rentals", 415)
        big = {"property_address": "1 Big St", "description": "x" * (MAX_BODY + 10)}
        self.check(self.post("/rentals", token=self.tok, body=big), "POST", "/rentals", 413)
        self.check(self.post("/rentals", token=self.tok, body={"property_address": "1 Dup"}),
                   "POST", "/rentals", 201)
        self.check(self.post("/rentals", token=self.tok, body={"property_address": "1 Dup"}),
                   "POST", "/rentals", 409)
        self.check(self.get("/rentals?limit=201", token=self.tok), "GET", "/rentals", 400)
        self.check(self.get("/rentals?cursor=garbage", token=self.tok), "GET", "/rentals", 400)

    def test_405_with_allow(self):
        r = self.request("PUT", "/rentals/1", token=self.tok, body={})
        harness.assert_error(self, r, 405, "method_not_allowed")
        doc_resp = self.v.resolve({"$ref": "#/components/responses/MethodNotAllowed"})
        self.assertEqual(self.v.errors(r.json(), doc_resp["content"]["application/json"]
                                       ["schema"]), [])
        self.assertIn("Allow", doc_resp["headers"])
        self.assertEqual(r.headers["allow"], "GET, PATCH, DELETE, OPTIONS")

    def test_429_on_repeated_failed_logins(self):
        _item, op = self.op("POST", "/auth/login")
        self.assertIn("429", op["responses"])
        body = {"email": "oa-limit@example.com", "password": "wrong password!"}
        seen = []
        for _ in range(8):  # the per-email limit is 5 failures
            r = self.post("/auth/login", body=body)
            seen.append(r.status)
            self.check(r, "POST", "/auth/login")
            if r.status == 429:
                self.assertIn("retry-after", r.headers)
                break
        self.assertEqual(seen[-1], 429, seen)


class DocumentedLimits(OpenApiBase):
    """The documented bounds of the input schemas are the server's: the limit itself is
    accepted and one past it is a 422 naming the field."""

    def setUp(self):
        self.tok = self.server.token("oa-lim-" + self._testMethodName)
        self.n = 0

    def post_rental(self, **fields):
        self.n += 1
        body = {"property_address": "%d Limit St" % self.n}
        body.update(fields)
        return self.post("/rentals", token=self.tok, body=body)

    def assert_field_refused(self, r, field):
        j = self.check(r, "POST", "/rentals", 422)
        self.assertEqual([e["field"] for e in j["errors"]], [field])

    def test_rental_text_lengths(self):
        schema = self.doc["components"]["schemas"]["RentalInput"]["properties"]
        checked = 0
        for name, s in schema.items():
            if s.get("type") != "string" or "maxLength" not in s or "format" in s:
                continue
            if name in ("property_address", "website"):
                continue  # unique keys, checked below
            with self.subTest(field=name):
                n = s["maxLength"]
                self.check(self.post_rental(**{name: "x" * n}), "POST", "/rentals", 201)
                self.assert_field_refused(self.post_rental(**{name: "x" * (n + 1)}), name)
                checked += 1
        self.assertGreaterEqual(checked, 6)
        n = schema["property_address"]["maxLength"]
        self.check(self.post("/rentals", token=self.tok, body={"property_address": "a" * n}),
                   "POST", "/rentals", 201)
        self.assert_field_refused(self.post("/rentals", token=self.tok,
                                            body={"property_address": "a" * (n + 1)}),
                                  "property_address")

    def test_rental_numbers(self):
        schema = self.doc["components"]["schemas"]["RentalInput"]["properties"]
        for name in ("price", "bedrooms", "bathrooms", "square_feet"):
            s = schema[name]
            with self.subTest(field=name):
                self.check(self.post_rental(**{name: s["minimum"]}), "POST", "/rentals", 201)
                self.assert_field_refused(self.post_rental(**{name: s["minimum"] - 1}), name)
                top = s["maximum"] - 0.01 if s.get("exclusiveMaximum") else s["maximum"]
                self.check(self.post_rental(**{name: top}), "POST", "/rentals", 201)
                self.assert_field_refused(self.post_rental(**{name: s["maximum"] + 1}), name)
        half = schema["bathrooms"]["multipleOf"]
        self.check(self.post_rental(bathrooms=half * 3), "POST", "/rentals", 201)
        self.assert_field_refused(self.post_rental(bathrooms=half * 3 + 0.1), "bathrooms")

    def test_rental_enums_and_unknown_keys(self):
        schema = self.doc["components"]["schemas"]["RentalInput"]
        for t in schema["properties"]["property_type"]["enum"]:
            with self.subTest(property_type=t):
                self.check(self.post_rental(property_type=t), "POST", "/rentals", 201)
        self.assert_field_refused(self.post_rental(property_type="castle"), "property_type")
        self.assertIs(schema["additionalProperties"], False)
        self.assert_field_refused(self.post_rental(bedroom=2), "bedroom")
        for key in schema["properties"]:
            if schema["properties"][key].get("description") == "Ignored.":
                with self.subTest(ignored=key):
                    self.check(self.post_rental(**{key: 1}), "POST", "/rentals", 201)
        lst = self.get("/rentals?limit=200", token=self.tok)
        self.check(lst, "GET", "/rentals", 200)

    def test_list_limit(self):
        limit = [p for p in self.params("GET", "/rentals") if p["name"] == "limit"][0]["schema"]
        for i in range(limit["default"] + 1):
            r = self.post_rental()
            self.assertEqual(r.status, 201, r.body)
        r = self.check(self.get("/rentals", token=self.tok), "GET", "/rentals", 200)
        self.assertEqual(len(r["rentals"]), limit["default"])
        self.check(self.get("/rentals?limit=%d" % limit["maximum"], token=self.tok), "GET",
                   "/rentals", 200)
        self.check(self.get("/rentals?limit=%d" % (limit["maximum"] + 1), token=self.tok),
                   "GET", "/rentals", 400)
        self.check(self.get("/rentals?limit=%d" % (limit["minimum"] - 1), token=self.tok),
                   "GET", "/rentals", 400)

    def test_settings_integers(self):
        schema = self.doc["components"]["schemas"]["SettingsInput"]["properties"]
        names = [k for k, s in schema.items() if s.get("type") == "integer"]
        self.assertEqual(len(names), 4)
        for name in names:
            s = schema[name]
            with self.subTest(field=name):
                for ok in (s["minimum"], s["maximum"]):
                    self.check(self.patch("/users/me/settings", token=self.tok,
                                          body={name: ok}), "PATCH", "/users/me/settings", 200)
                for bad in (s["minimum"] - 1, s["maximum"] + 1):
                    r = self.patch("/users/me/settings", token=self.tok, body={name: bad})
                    j = self.check(r, "PATCH", "/users/me/settings", 422)
                    self.assertEqual([e["field"] for e in j["errors"]], [name])
        theme = schema["theme"]["enum"]
        for t in theme:
            self.check(self.patch("/users/me/settings", token=self.tok, body={"theme": t}),
                       "PATCH", "/users/me/settings", 200)
        self.check(self.patch("/users/me/settings", token=self.tok, body={"nope": 1}),
                   "PATCH", "/users/me/settings", 422)


class ValidatorSelfTest(OpenApiBase):
    """The validator catches what it is meant to (a validator that passes everything proves
    nothing)."""

    def test_validator_rejects_mismatches(self):
        rental = {"$ref": "#/components/schemas/Rental"}
        tok = self.server.token("oa-selftest")
        good = self.post("/rentals", token=tok, body={"property_address": "1 Self St"}).json()
        self.assertEqual(self.v.errors(good, rental), [])
        for mutate in (lambda x: x.pop("city"), lambda x: x.update(extra=1),
                       lambda x: x.update(id="1"), lambda x: x.update(available=None),
                       lambda x: x.update(source_type="other"),
                       lambda x: x.update(amenities=[1]), lambda x: x.update(bedrooms=True),
                       lambda x: x.update(created_at="yesterday")):
            bad = dict(good)
            mutate(bad)
            self.assertNotEqual(self.v.errors(bad, rental), [], bad)
        err = {"$ref": "#/components/schemas/Error"}
        self.assertNotEqual(self.v.errors({"status": "error", "code": "X-y", "message": "m"},
                                          err), [])


if __name__ == "__main__":
    harness.run()
