# SPDX-License-Identifier: MIT
"""HTTP behaviour of the foundation (SPEC §2, §3, §5): service endpoints, the error body for
every class of bad input, authentication failures, CORS, request ids and the access log.
/users/me (protected) and /users/me/settings (PUT with JSON) serve as the JSON endpoints."""

import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

ORIGIN = "http://app.example"
OTHER_ORIGIN = "http://evil.example"


def raw_exchange(port, head, parts, timeout=10):
    """Sends head, then parts one by one, stopping early when the server has answered (as a
    careful client does); returns the parsed Response, or None when none came in time."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        for part in parts:
            if select.select([s], [], [], 0.05)[0]:
                break
            try:
                s.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        data = b""
        while time.monotonic() < deadline:
            if b"\r\n\r\n" in data:
                hdr, _, rest = data.partition(b"\r\n\r\n")
                m = re.search(rb"(?im)^content-length:\s*(\d+)", hdr)
                if m and len(rest) >= int(m.group(1)):
                    break
            if not select.select([s], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            try:
                more = s.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            data += more
    if b"\r\n\r\n" not in data:
        return None
    hdr, _, rest = data.partition(b"\r\n\r\n")
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    m = re.search(rb"(?im)^content-length:\s*(\d+)", hdr)
    body = rest[:int(m.group(1))] if m else rest
    return harness.Response(status, headers, body)


def allow_set(resp):
    return {m.strip().upper() for m in resp.headers.get("allow", "").split(",") if m.strip()}


def csv_lower(value):
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


class ServiceEndpoints(harness.ServerTestCase):
    """GET /, /health, /ready, JWKS."""

    def test_root_shape(self):
        r = self.get("/")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        j = r.json()
        self.assertEqual(j["service"], "PeteRental")
        self.assertEqual(j["status"], "running")
        self.assertIsInstance(j["version"], str)
        self.assertTrue(j["version"])
        self.assertIsInstance(j["features"], list)
        self.assertTrue(all(isinstance(f, str) and f for f in j["features"]))
        self.assertEqual(j["links"], {"api_docs": "/docs", "health": "/health", "app": "/app/"})

    def test_health_body_exact(self):
        r = self.get("/health")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        self.assertEqual(r.json(), {"status": "healthy", "service": "peterental"})

    def test_ready_ok(self):
        r = self.get("/ready")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))

    def test_jwks_has_public_keys_only(self):
        r = self.get("/.well-known/jwks.json")
        self.assertEqual(r.status, 200)
        j = r.json()
        self.assertIsInstance(j.get("keys"), list)
        self.assertGreaterEqual(len(j["keys"]), 1)
        for k in j["keys"]:
            self.assertTrue(k.get("kid"), k)
            self.assertIn(k.get("alg"), ("RS256", "ES256", "EdDSA"), k)
            self.assertIn("kty", k)
            for private in ("d", "p", "q", "dp", "dq", "qi"):
                self.assertNotIn(private, k, "JWKS leaks a private key part")

    def test_token_verifies_against_served_key(self):
        tok = self.server.token("svc-jwks-user", email="jwks@example.com")
        r = self.get("/users/me", token=tok)
        self.assertEqual(r.status, 200, r.body)


class StaticFiles(harness.ServerTestCase):
    """GET /app/...: the embedded web/ folder, with its ETags and headers."""

    def test_index_with_headers_and_etag(self):
        for path in ("/app/", "/app/index.html"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 200, r.body[:200])
                self.assertTrue(r.headers["content-type"].startswith("text/html"))
                self.assertIn(b"<!doctype html>", r.body.lower())
                csp = r.headers.get("content-security-policy", "")
                self.assertIn("script-src 'self'", csp)
                self.assertNotIn("unsafe-inline", csp)
                self.assertEqual(r.headers.get("x-content-type-options"), "nosniff")
                etag = r.headers.get("etag", "")
                self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
                again = self.get(path, headers={"If-None-Match": etag})
                self.assertEqual(again.status, 304)
                self.assertEqual(again.body, b"")
                self.assertEqual(again.headers.get("etag"), etag)
                other = self.get(path, headers={"If-None-Match": '"0000000000000000"'})
                self.assertEqual(other.status, 200)

    def test_oauth_return_page_is_the_dashboard(self):
        index = self.get("/app/")
        r = self.get("/app/users?auth=error&message=Consent%20denied")
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertTrue(r.headers["content-type"].startswith("text/html"))
        self.assertEqual(r.body, index.body)
        self.assertIn("script-src 'self'", r.headers.get("content-security-policy", ""))
        harness.assert_error(self, self.get("/app/users/x"), 404)

    def test_missing_files_and_escapes_are_404(self):
        for path in ("/app/nope.js", "/app/../README.md", "/app/%2e%2e/README.md",
                     "/app/index.html/", "/app//etc/passwd", "/app/" + "a" * 600):
            with self.subTest(path=path):
                harness.assert_error(self, self.get(path), 404)

    def test_head_and_other_methods(self):
        r = self.request("HEAD", "/app/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        r = self.post("/app/", body={})
        harness.assert_error(self, r, 405)
        self.assertIn("GET", r.headers.get("allow", ""))


class DatabaseDown(harness.ServerTestCase):
    """/health never touches the database; /ready does, and answers 503 while it is down
    and 200 again once it is back, without a restart."""

    def test_ready_and_health_follow_database(self):
        self.assertEqual(self.get("/ready").status, 200)
        self.assertEqual(self.get("/health").status, 200)
        if not harness.is_postgres():
            return  # SQLite is a file in DATA_DIR: it cannot become unreachable.
        tok = self.server.token("svc-dbdown", email="down@example.com")
        self.assertEqual(self.get("/users/me", token=tok).status, 200)
        self.server.pg_block()
        try:
            h = self.get("/health")
            self.assertEqual(h.status, 200)
            self.assertEqual(h.json(), {"status": "healthy", "service": "peterental"})
            assert_error(self, self.get("/ready"), 503)
            assert_error(self, self.get("/ready"), 503)
            down = self.get("/users/me", token=tok)
            assert_error(self, down, 503)
            # what the server logged about it is tied to that request
            rid = down.headers["x-request-id"]
            deadline = time.monotonic() + 5
            tied = []
            while not tied and time.monotonic() < deadline:
                tied = [x for x in self.server.log_records()
                        if x.get("request_id") == rid and x.get("level") in ("warn", "error")]
                time.sleep(0.05)
            self.assertTrue(tied, "no warning or error logged with request id %s" % rid)
        finally:
            self.server.pg_unblock()
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline:
            status = self.get("/ready").status
            if status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200, "server did not recover after the database came back")
        self.assertEqual(self.get("/users/me", token=tok).status, 200)


class Errors(harness.ServerTestCase):
    """One test per class of bad input (SPEC §5)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = cls.server.token("svc-errors", email="errors@example.com", name="Err Ors")

    def test_unknown_path_404(self):
        for path in ("/no/such/path", "/users/me/nothing-here", "/health/extra", "/nope?x=1"):
            with self.subTest(path=path):
                assert_error(self, self.get(path, token=self.tok), 404, "not_found")

    def test_wrong_method_405_with_allow(self):
        r = self.delete("/health")
        assert_error(self, r, 405)
        self.assertIn("GET", allow_set(r))
        self.assertNotIn("DELETE", allow_set(r))
        r = self.post("/users/me/settings", token=self.tok, body={"theme": "dark"})
        assert_error(self, r, 405)
        self.assertTrue({"GET", "PUT", "PATCH"} <= allow_set(r), r.headers.get("allow"))
        self.assertNotIn("POST", allow_set(r))

    def test_malformed_json_400(self):
        for raw in (b'{"theme": ', b'{"theme": "dark",}', b"not json", b'{"a":1} trailing'):
            with self.subTest(raw=raw):
                r = self.put("/users/me/settings", token=self.tok, raw=raw,
                             headers={"Content-Type": "application/json"})
                assert_error(self, r, 400, "invalid_json")

    def test_json_not_an_object_400(self):
        for raw in (b"[1, 2, 3]", b'"dark"', b"42", b""):
            with self.subTest(raw=raw):
                r = self.put("/users/me/settings", token=self.tok, raw=raw,
                             headers={"Content-Type": "application/json"})
                assert_error(self, r, 400)

    def test_wrong_field_type_400_names_field(self):
        r = self.put("/users/me/settings", token=self.tok, body={"slot_minutes": "thirty"})
        j = assert_error(self, r, 400)
        self.assertIn("slot_minutes", j["message"])
        r = self.put("/users/me/settings", token=self.tok, body={"theme": 7})
        j = assert_error(self, r, 400)
        self.assertIn("theme", j["message"])

    def test_wrong_content_type_415(self):
        body = json.dumps({"theme": "dark"}).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
            with self.subTest(ctype=ctype):
                headers = {"Content-Type": ctype} if ctype else {}
                r = self.put("/users/me/settings", token=self.tok, raw=body, headers=headers)
                assert_error(self, r, 415)

    def test_json_with_charset_is_accepted(self):
        r = self.put("/users/me/settings", token=self.tok, raw=b'{"theme": "dark"}',
                     headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertNotIn(r.status, (400, 415), r.body)
        self.assertLess(r.status, 500, r.body)

    def test_error_body_has_no_internals(self):
        r = self.put("/users/me/settings", token=self.tok, raw=b'{"theme": ',
                     headers={"Content-Type": "application/json"})
        text = r.text.lower()
        for leak in ("traceback", "segmentation", ".c:", "sqlite", "pq_", "stack"):
            self.assertNotIn(leak, text)


class BodyLimit(harness.ServerTestCase):
    """MAX_BODY_BYTES: larger bodies get 413, however they arrive."""

    server_env = {"MAX_BODY_BYTES": "1024"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = cls.server.token("svc-limit", email="limit@example.com")

    def test_over_limit_413(self):
        body = {"notification_email": "x" * 2000 + "@example.com"}
        assert_error(self, self.put("/users/me/settings", token=self.tok, body=body), 413)

    def test_under_limit_not_413(self):
        raw = b'{"theme": "dark"}' + b" " * 900
        r = self.put("/users/me/settings", token=self.tok, raw=raw,
                     headers={"Content-Type": "application/json"})
        self.assertNotEqual(r.status, 413, r.body)
        self.assertLess(r.status, 500, r.body)

    def test_chunked_over_limit_413(self):
        head = ("PUT /users/me/settings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" % self.tok).encode()
        chunks = [b'{"notification_email": "'] + [b"y" * 256] * 8 + [b'@example.com"}']
        framed = [b"%x\r\n%s\r\n" % (len(c), c) for c in chunks] + [b"0\r\n\r\n"]
        assert_error(self, raw_exchange(self.server.port, head, framed), 413)

    def test_declared_length_rejected_without_waiting_for_body(self):
        # A client announcing 10 MB gets 413 at once; the server does not wait for the body.
        head = ("PUT /users/me/settings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: 10000000\r\n\r\n" % self.tok).encode()
        r = raw_exchange(self.server.port, head, [b'{"theme":'], timeout=5)
        self.assertIsNotNone(r, "no answer within 5 s to an oversized Content-Length")
        assert_error(self, r, 413)


class Auth(harness.ServerTestCase):
    """401 with WWW-Authenticate: Bearer for every kind of missing or bad credential."""

    def assert_401(self, r):
        assert_error(self, r, 401)
        values = r.header_values("www-authenticate")
        self.assertEqual(len(values), 1, "WWW-Authenticate headers: %r" % values)
        self.assertTrue(values[0].startswith("Bearer"), values)

    def test_missing_token_401(self):
        self.assert_401(self.get("/users/me"))

    def test_garbage_tokens_401(self):
        good = self.server.token("svc-auth", email="auth@example.com")
        head, payload, sig = good.split(".")
        tampered_sig = sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")
        cases = {
            "garbage": {"Authorization": "Bearer garbage"},
            "three_dots": {"Authorization": "Bearer a.b.c"},
            "empty": {"Authorization": "Bearer "},
            "basic": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
            "no_scheme": {"Authorization": good},
            "bad_signature": {"Authorization": "Bearer %s.%s.%s" % (head, payload, tampered_sig)},
            "alg_none": {"Authorization": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.%s." % payload},
        }
        for name, headers in cases.items():
            with self.subTest(case=name):
                self.assert_401(self.get("/users/me", headers=headers))
        self.assertEqual(self.get("/users/me", token=good).status, 200)

    def test_token_from_another_key_401(self):
        other = tempfile.mkdtemp(prefix="pete-otherkey-")
        try:
            env = dict(self.server.env)
            env["DATA_DIR"] = other
            p = subprocess.run([harness.pete_bin(), "token", "--sub", "svc-intruder"], env=env,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            foreign = p.stdout.strip()
        finally:
            shutil.rmtree(other, ignore_errors=True)
        self.assert_401(self.get("/users/me", token=foreign))

    def test_public_endpoints_need_no_token(self):
        for path in ("/", "/health", "/ready", "/.well-known/jwks.json"):
            with self.subTest(path=path):
                self.assertEqual(self.get(path).status, 200)


class Cors(harness.ServerTestCase):
    """CORS allow-list (CORS_ORIGINS) with preflight answers."""

    server_env = {"CORS_ORIGINS": ORIGIN}

    def preflight(self, origin, method="PUT", req_headers="authorization, content-type"):
        return self.options("/users/me/settings", headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": req_headers,
        })

    def test_preflight_allowed_origin(self):
        r = self.preflight(ORIGIN)
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
        methods = {m.upper() for m in csv_lower(r.headers.get("access-control-allow-methods"))}
        self.assertTrue({"GET", "PUT", "PATCH"} <= methods, methods)
        allowed = csv_lower(r.headers.get("access-control-allow-headers"))
        self.assertTrue({"authorization", "content-type"} <= allowed, allowed)
        self.assertIn("origin", csv_lower(r.headers.get("vary")))

    def test_preflight_other_origin_refused(self):
        r = self.preflight(OTHER_ORIGIN)
        self.assertEqual(r.status, 403, r.body)
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertNotIn("access-control-allow-credentials", r.headers)

    def test_preflight_origin_prefix_is_not_a_match(self):
        for origin in (ORIGIN + ".evil.example", ORIGIN + ":8080", "https://app.example"):
            with self.subTest(origin=origin):
                r = self.preflight(origin)
                self.assertNotIn("access-control-allow-origin", r.headers)

    def test_simple_get_allowed_origin(self):
        r = self.get("/health", headers={"Origin": ORIGIN})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)
        self.assertIn("origin", csv_lower(r.headers.get("vary")))

    def test_error_responses_carry_cors_headers(self):
        # A browser app must be able to read a 401 to send the user to the login page.
        r = self.get("/users/me", headers={"Origin": ORIGIN})
        assert_error(self, r, 401)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ORIGIN)

    def test_simple_get_other_origin(self):
        r = self.get("/health", headers={"Origin": OTHER_ORIGIN})
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertNotEqual(r.headers.get("access-control-allow-origin"), "*")


class NoCorsByDefault(harness.ServerTestCase):
    """Without CORS_ORIGINS only same-origin requests work: no ACAO header for anyone."""

    def test_no_acao_without_configuration(self):
        r = self.get("/health", headers={"Origin": ORIGIN})
        self.assertEqual(r.status, 200)
        self.assertNotIn("access-control-allow-origin", r.headers)
        r = self.options("/users/me/settings", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "PUT"})
        self.assertNotIn("access-control-allow-origin", r.headers)


class RequestIdAndAccessLog(harness.ServerTestCase):
    """X-Request-Id on every response; one access-log line per request, without query
    strings or tokens (even at debug level)."""

    server_env = {"LOG_LEVEL": "debug"}

    def wait_access(self, request_ids, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            recs = [x for x in self.server.log_records() if x.get("event") == "access"]
            by_id = {}
            for rec in recs:
                by_id.setdefault(rec.get("request_id"), []).append(rec)
            if all(i in by_id for i in request_ids) or time.monotonic() > deadline:
                return by_id
            time.sleep(0.05)

    def test_request_id_on_every_response(self):
        tok = self.server.token("svc-reqid")
        responses = [
            self.get("/health"),
            self.get("/users/me", token=tok),
            self.get("/no/such/path"),
            self.delete("/health"),
            self.get("/users/me"),
            self.put("/users/me/settings", token=tok, raw=b"{", headers={"Content-Type": "application/json"}),
            self.options("/users/me", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}),
        ]
        ids = []
        for r in responses:
            rid = r.headers.get("x-request-id")
            self.assertTrue(rid, "no X-Request-Id on a %d response" % r.status)
            self.assertLessEqual(len(rid), 64)
            self.assertNotIn(" ", rid)
            ids.append(rid)
        self.assertEqual(len(set(ids)), len(ids), "request ids repeat: %r" % ids)

    def test_access_log_one_line_per_request(self):
        tok = self.server.token("svc-accesslog", email="log@example.com")
        me = self.get("/users/me", token=tok)
        self.assertEqual(me.status, 200, me.body)
        uid = me.json()["user_id"]
        bad_token = "garbage-token-TEXT-7d1f"
        reqs = [
            ("GET", "/health?secret=QS-SECRET-1", {}, 200, "/health", 0),
            ("GET", "/users/me?access_token=QS-SECRET-2", {"token": tok}, 200, "/users/me", uid),
            ("GET", "/no/such/path?QS-SECRET-3=1", {}, 404, "/no/such/path", 0),
            ("GET", "/users/me", {"headers": {"Authorization": "Bearer " + bad_token}}, 401,
             "/users/me", 0),
            ("DELETE", "/health", {}, 405, "/health", 0),
        ]
        seen = []
        for method, path, kw, status, logged_path, user in reqs:
            r = self.request(method, path, **kw)
            self.assertEqual(r.status, status, (path, r.body))
            seen.append((r.headers["x-request-id"], method, logged_path, status, user))
        by_id = self.wait_access([s[0] for s in seen])
        for rid, method, logged_path, status, user in seen:
            with self.subTest(request_id=rid, path=logged_path):
                lines = by_id.get(rid, [])
                self.assertEqual(len(lines), 1, "access lines for %s: %r" % (rid, lines))
                rec = lines[0]
                self.assertEqual(rec.get("method"), method)
                self.assertEqual(rec.get("path"), logged_path)
                self.assertEqual(rec.get("status"), status)
                self.assertIsInstance(rec.get("micros"), int)
                self.assertGreaterEqual(rec["micros"], 0)
                self.assertIn(rec.get("user_id"), (user,) if user else (0, None))
        text = self.server.log_text()
        for secret in (tok, tok.split(".")[2], bad_token, "QS-SECRET", "access_token"):
            self.assertNotIn(secret, text, "the log contains %r" % secret[:20])

    def test_access_log_keeps_long_and_odd_paths(self):
        long_path = "/x" + "%01" * 1500
        r = self.get(long_path)
        self.assertEqual(r.status, 404)
        lines = self.wait_access([r.headers["x-request-id"]])[r.headers["x-request-id"]]
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0]["path"].startswith("/x\x01"), lines[0]["path"][:20])
        self.assertEqual(lines[0]["status"], 404)


class TextInput(harness.ServerTestCase):
    """Query parameters and path variables that are not UTF-8 never reach SQL or JSON."""

    def test_query_not_utf8_400(self):
        tok = self.server.token("svc-utf8", email="utf8@example.com")
        for path in ("/rentals?q=%ff", "/rentals?website=%c3%28", "/rentals?%ff=1"):
            with self.subTest(path=path):
                harness.assert_error(self, self.get(path, token=tok), 400, "invalid_parameter")

    def test_path_variable_not_utf8_404(self):
        tok = self.server.token("svc-utf8b", email="utf8b@example.com")
        for path in ("/database/rentals/%ff", "/rentals/%ed%a0%80"):
            with self.subTest(path=path):
                harness.assert_error(self, self.get(path, token=tok), 404, "not_found")


if __name__ == "__main__":
    harness.run()
