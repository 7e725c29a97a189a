# SPDX-License-Identifier: MIT
"""A stand-in for a property manager's listing site (Python 3 standard library), run by tests
in their own process on a loopback address. Each site gets its own address (127.0.0.2,
127.0.0.3, ...) unless told otherwise, so sites do not share the scraper's per-host spacing,
and its own port, so they do not share a robots.txt.

  site = ListingSite().start()          # site.origin: "http://127.0.0.N:PORT"
  site.put("/listings", html)           # str or bytes, served as text/html; charset=utf-8
  site.put("/old.htm", raw, ctype="text/html")                  # no charset parameter
  site.put("/down", "", status=500)     # any status; delay=SECONDS waits first
  site.robots = "User-agent: *\\nDisallow: /private\\n"         # None: /robots.txt is a 404
  site.hold()  / site.release()         # requests wait (bounded) until released
  site.count("/listings"), site.times("/listings"), site.log    # (monotonic time, path)
  site.url("/listings"); site.stop()
Paths are matched with their query string; anything not put is a 404.
"""

import itertools
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOLD_LIMIT_S = 20.0  # a held request is answered after this long even if never released

_next_host = itertools.count(2)
_host_lock = threading.Lock()


def next_loopback():
    """A loopback address not handed out before by this process (127.0.0.2 ... .254)."""
    with _host_lock:
        n = next(_next_host)
    return "127.0.0.%d" % (2 + (n - 2) % 253)


class ListingSite:
    def __init__(self, host=None):
        self.host = host or next_loopback()
        self.pages = {}
        self.robots = None
        self.log = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.released.set()
        self.httpd = None
        self.thread = None
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                with site.lock:
                    site.log.append((time.monotonic(), self.path))
                site.released.wait(HOLD_LIMIT_S)
                if self.path == "/robots.txt" and site.robots is not None:
                    page = {"body": site.robots.encode("utf-8"), "status": 200,
                            "ctype": "text/plain", "delay": 0}
                else:
                    with site.lock:
                        page = site.pages.get(self.path)
                if page is None:
                    page = {"body": b"<html><body>Not found</body></html>", "status": 404,
                            "ctype": "text/html", "delay": 0}
                if page["delay"]:
                    time.sleep(page["delay"])
                self.send_response(page["status"])
                self.send_header("Content-Type", page["ctype"])
                self.send_header("Content-Length", str(len(page["body"])))
                self.end_headers()
                self.wfile.write(page["body"])

        self.handler = Handler

    def start(self):
        self.httpd = ThreadingHTTPServer((self.host, 0), self.handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = "http://%s:%d" % (self.host, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def url(self, path):
        return self.origin + path

    def put(self, path, body, status=200, ctype="text/html; charset=utf-8", delay=0):
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.pages[path] = {"body": body, "status": status, "ctype": ctype, "delay": delay}

    def remove(self, path):
        with self.lock:
            self.pages.pop(path, None)

    def hold(self):
        self.released.clear()

    def release(self):
        self.released.set()

    def times(self, path=None):
        with self.lock:
            return [t for t, p in self.log if path is None or p == path]

    def count(self, path=None):
        return len(self.times(path))

    def paths(self):
        with self.lock:
            return [p for _, p in self.log]
