# SPDX-License-Identifier: MIT
"""A stand-in for Vapi's API (Python 3 standard library), run by tests in their own process on
127.0.0.1. It implements what the server calls, as Vapi documents it: bearer-key
authentication and the assistant endpoints (list, create, update).

  api = VapiStandin(key="vk_test").start()   # api.url: the server's VAPI_API_URL
  api.delay = 3.0        # every answer waits this long first
  api.fail_with = 500    # every answer is this status (None: normal)
  api.in_flight          # requests being answered now; api.seen_keys: bearer keys received
  api.assistants         # {id: assistant object}
  api.stop()
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class VapiStandin:
    def __init__(self, key="vk_test", keys=None):
        self.keys = set(keys or []) | {key}
        self.delay = 0.0
        self.fail_with = None
        self.in_flight = 0
        self.peak = 0
        self.seen_keys = []
        self.assistants = {}
        self.requests = []  # (method, path, body)
        self.lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with standin.lock:
                    standin.in_flight += 1
                    standin.peak = max(standin.peak, standin.in_flight)
                try:
                    if standin.delay:
                        time.sleep(standin.delay)
                    auth = self.headers.get("Authorization", "")
                    key = auth[7:] if auth.startswith("Bearer ") else ""
                    with standin.lock:
                        standin.seen_keys.append(key)
                        standin.requests.append((method, self.path, raw))
                    if standin.fail_with:
                        return self._answer(standin.fail_with, {"message": "stand-in failure"})
                    if key not in standin.keys:
                        return self._answer(401, {"message": "Invalid Key. Hot tip, you may be "
                                                             "using the private key instead of "
                                                             "the public key, or vice versa."})
                    body = json.loads(raw) if raw else None
                    return self._route(method, body)
                finally:
                    with standin.lock:
                        standin.in_flight -= 1

            def _route(self, method, body):
                path = self.path.split("?")[0].rstrip("/")
                with standin.lock:
                    if method == "GET" and path == "/assistant":
                        return self._answer(200, list(standin.assistants.values()))
                    if method == "POST" and path == "/assistant":
                        a = dict(body or {}, id=str(uuid.uuid4()), orgId="org-standin")
                        standin.assistants[a["id"]] = a
                        return self._answer(201, a)
                    if path.startswith("/assistant/"):
                        aid = path.split("/")[2]
                        if aid not in standin.assistants:
                            return self._answer(404, {"message": "Couldn't Find Assistant"})
                        if method == "GET":
                            return self._answer(200, standin.assistants[aid])
                        if method == "PATCH":
                            standin.assistants[aid].update(body or {})
                            return self._answer(200, standin.assistants[aid])
                return self._answer(404, {"message": "Cannot %s %s" % (method, path)})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def start(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
