# SPDX-License-Identifier: MIT
"""What the Microsoft Graph and Google Calendar stand-ins (graph.py, google.py) share: an HTTP
server on 127.0.0.1 (Python 3 standard library), an OAuth token endpoint that checks the client,
the redirect URI and PKCE (S256), bearer access tokens that can be made to expire, events in
memory, and failures on demand.

  s = GraphStandin().start()              # or GoogleStandin()
  code = s.issue_code(challenge, "owner@example.com")  # what the consent page would return
  s.add_event(start, end, subject="Dentist", free=False, cancelled=False) -> id
  s.fail("calendarView", "500", times=1, method=None)  # the next requests whose path holds
                                          # the text: "500", "timeout" (answers after s.slow_s
                                          # seconds), "malformed" (not JSON), "401"
  GET {consent_path}?redirect_uri=&state=&code_challenge=   what the consent page does once
                                          the account owner allows: 302 back with a code and
                                          the state (s.deny_consent: with error=access_denied)
  s.expire_access_tokens()                # every access token given so far now gets 401
  s.revoke_refresh_tokens()               # refreshes answer invalid_grant
  s.requests: [(method, path, query dict, body bytes)]; s.events: {id: event dict}
  s.stop()
"""

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLIENT_ID = "standin-client"
CLIENT_SECRET = "standin-secret"


class CalendarStandin:
    page_size = 2  # small, so that every listing of three or more events has a second page

    def __init__(self):
        self.lock = threading.Lock()
        self.events = {}
        self.requests = []
        self.codes = {}         # code -> (challenge, email)
        self.access = {}        # access token -> email
        self.refresh = {}       # refresh token -> email
        self.failures = []      # [path part, mode, times left]
        self.slow_s = 4.0
        self.expires_in = 3600
        self.token_calls = []   # grant types seen by the token endpoint
        self.redirect_uris = []
        self.unauthorized = 0   # requests answered 401 (expired or unknown access token)
        self.account_email = "owner@example.com"
        self.deny_consent = False
        self._server = None
        self._thread = None
        self.url = None

    # ---- life cycle ----

    def start(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                standin._handle(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ---- test controls ----

    def issue_code(self, challenge, email=None):
        code = "code-" + secrets.token_hex(8)
        with self.lock:
            self.codes[code] = (challenge, email or self.account_email)
        return code

    def fail(self, path_part, mode, times=1, method=None):
        with self.lock:
            self.failures.append([path_part, mode, times, method])

    def clear_failures(self):
        with self.lock:
            self.failures = []

    def expire_access_tokens(self):
        with self.lock:
            self.access = {}

    def revoke_refresh_tokens(self):
        with self.lock:
            self.refresh = {}

    def add_event(self, start, end, subject="Busy", free=False, cancelled=False, location=None):
        eid = "ev-" + secrets.token_hex(6)
        with self.lock:
            self.events[eid] = {"id": eid, "start": start, "end": end, "subject": subject,
                                "free": free, "cancelled": cancelled, "location": location,
                                "attendees": [], "created_by_api": False}
        return eid

    def api_events(self):
        """Events made through the API (pushes), by id."""
        with self.lock:
            return {k: dict(v) for k, v in self.events.items() if v["created_by_api"]}

    def count(self, method, path_part):
        with self.lock:
            return sum(1 for m, p, _q, _b in self.requests if m == method and path_part in p)

    # ---- plumbing ----

    def _take_failure(self, method, path):
        with self.lock:
            for f in self.failures:
                if f[0] in path and f[2] > 0 and f[3] in (None, method):
                    f[2] -= 1
                    return f[1]
        return None

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        parts = urllib.parse.urlsplit(h.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query,
                                                            keep_blank_values=True).items()}
        with self.lock:
            self.requests.append((h.command, parts.path, query, raw))
        mode = self._take_failure(h.command, parts.path)
        if mode == "timeout":
            time.sleep(self.slow_s)
        if mode == "500":
            return self._send(h, 500, {"error": {"code": "InternalError",
                                                 "message": "stand-in failure"}})
        if mode == "malformed":
            return self._send(h, 200, b'{"value": [ not json')
        if mode == "401":
            return self._send(h, 401, {"error": {"code": "InvalidAuthenticationToken",
                                                 "message": "expired"}})
        if parts.path.endswith("/token"):
            return self._send(h, *self._token(raw))
        if h.command == "GET" and parts.path.endswith(self.consent_path):
            return self._consent(h, query)
        auth = h.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            email = self.access.get(token)
        if email is None:
            with self.lock:
                self.unauthorized += 1
            return self._send(h, 401, {"error": {"code": "InvalidAuthenticationToken",
                                                 "message": "Access token has expired."}})
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(h, 400, {"error": {"message": "body is not JSON"}})
        return self._send(h, *self.route(h.command, parts.path, query, body, email, h.headers))

    def _consent(self, h, q):
        back = {"state": q.get("state", "")}
        if self.deny_consent:
            back["error"] = "access_denied"
        else:
            back["code"] = self.issue_code(q.get("code_challenge", ""))
        h.send_response(302)
        h.send_header("Location", q.get("redirect_uri", "") + "?" + urllib.parse.urlencode(back))
        h.send_header("Content-Length", "0")
        h.end_headers()

    def _send(self, h, status, obj):
        data = obj if isinstance(obj, bytes) else (b"" if obj is None else
                                                   json.dumps(obj).encode())
        try:
            h.send_response(status)
            if data:
                h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server gave up waiting (a timeout test)

    def _new_tokens(self, email, rotate):
        at = "at-" + secrets.token_hex(12)
        out = {"access_token": at, "token_type": "Bearer", "expires_in": self.expires_in}
        self.access[at] = email
        if rotate:
            rt = "rt-" + secrets.token_hex(12)
            self.refresh[rt] = email
            out["refresh_token"] = rt
        return out

    def _token(self, raw):
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        grant = form.get("grant_type")
        with self.lock:
            self.token_calls.append(grant)
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return 401, {"error": "invalid_client", "error_description": "bad client"}
            if grant == "authorization_code":
                entry = self.codes.pop(form.get("code", ""), None)
                if entry is None:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "unknown or used code"}
                challenge, email = entry
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if digest != challenge:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "PKCE verification failed"}
                self.redirect_uris.append(form.get("redirect_uri"))
                return 200, self._new_tokens(email, True)
            if grant == "refresh_token":
                email = self.refresh.get(form.get("refresh_token", ""))
                if email is None:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "refresh token revoked"}
                return 200, self._new_tokens(email, self.rotates_refresh_tokens)
        return 400, {"error": "unsupported_grant_type"}

    rotates_refresh_tokens = False

    def route(self, method, path, query, body, email, headers):
        raise NotImplementedError

    # ---- events as the subclasses list them ----

    def _listed(self, start_iso, end_iso):
        """Events overlapping [start, end), by start; ISO strings compare as times (all UTC)."""
        with self.lock:
            evs = [dict(e) for e in self.events.values()
                   if e["end"] > start_iso and e["start"] < end_iso]
        return sorted(evs, key=lambda e: (e["start"], e["id"]))

    def _page(self, items, offset):
        chunk = items[offset:offset + self.page_size]
        nxt = offset + self.page_size if offset + self.page_size < len(items) else None
        return chunk, nxt


def utc(dt):
    """'2026-03-03T14:00:00Z' for an aware or UTC datetime."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def pkce_pair():
    """(verifier, challenge) as a client would make them (unused by the server tests, which
    read the challenge from the consent URL)."""
    v = secrets.token_urlsafe(32)
    c = base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()
    return v, c
