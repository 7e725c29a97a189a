#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A misbehaving web server for the outbound client's tests (Python 3 standard library only).

It listens on 127.0.0.1 and 127.0.0.2 on the same ephemeral port (and, given --tls-cert and
--tls-key, on 127.0.0.1 over TLS on a second port), prints "PORT <n> TLS <n|0>" on stdout, and
exits when stdin closes or after --lifetime seconds, whichever comes first, so a test that
dies leaves nothing behind. One request per connection (HTTP/1.0), so every redirect hop makes
a new connection, as the rebinding test needs.

Paths:
  /json                 200 {"ok": true, "path": ..., "via": <local address>}
  /echo                 200 JSON of the request: method, path, headers, body
  /delay?s=N            sleeps N seconds, then 200 JSON
  /status?code=N        N with a JSON body
  /notjson              200 text/html
  /empty?code=N         N with no body (204 by default)
  /drop                 promises 100000 bytes, sends 1000, closes
  /big?bytes=N&length=0|1   N bytes of "a", with Content-Length unless length=0
  /gzip?bytes=N         N zero bytes gzip-compressed (a bomb for N > the cap)
  /gzip-json            a small gzip-compressed JSON document
  /loop                 302 to /loop
  /chain?n=K            302 to /chain?n=K-1; /chain?n=0 answers 200 JSON (K redirects in all)
  /redirect?to=U&code=C C (302) to U
  /to-loopback          302 to http://127.0.0.1:<port>/json
"""
import argparse
import gzip
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse

PORT = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "standin"

    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="application/json", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, code, obj):
        self.send(code, json.dumps(obj).encode())

    def redirect(self, to, code=302):
        self.send(code, b"moved", "text/plain", [("Location", to)])

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def route(self):
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        p = u.path
        if p == "/json":
            self.send_json(200, {"ok": True, "path": self.path,
                                 "via": self.connection.getsockname()[0]})
        elif p == "/echo":
            self.send_json(200, {"method": self.command, "path": self.path,
                                 "headers": {k.lower(): v for k, v in self.headers.items()},
                                 "body": body.decode("utf-8", "replace")})
        elif p == "/delay":
            time.sleep(float(q.get("s", "1")))
            self.send_json(200, {"ok": True, "delayed": q.get("s", "1")})
        elif p == "/status":
            code = int(q.get("code", "500"))
            self.send_json(code, {"status": code})
        elif p == "/notjson":
            self.send(200, b"<html><body>not json</body></html>", "text/html")
        elif p == "/empty":
            self.send_response(int(q.get("code", "204")))
            self.end_headers()
        elif p == "/drop":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif p == "/big":
            self.big(int(q.get("bytes", str(6 << 20))), q.get("length", "1") == "1")
        elif p == "/gzip":
            data = gzip.compress(b"\0" * int(q.get("bytes", str(8 << 20))), 9)
            self.send(200, data, "application/octet-stream", [("Content-Encoding", "gzip")])
        elif p == "/gzip-json":
            data = gzip.compress(json.dumps({"ok": True, "gzip": True}).encode())
            self.send(200, data, "application/json", [("Content-Encoding", "gzip")])
        elif p == "/loop":
            self.redirect("/loop")
        elif p == "/chain":
            k = int(q.get("n", "0"))
            if k > 0:
                self.redirect("/chain?n=%d" % (k - 1))
            else:
                self.send_json(200, {"ok": True, "path": self.path})
        elif p == "/redirect":
            self.redirect(q.get("to", "/json"), int(q.get("code", "302")))
        elif p == "/to-loopback":
            self.redirect("http://127.0.0.1:%d/json" % PORT)
        else:
            self.send_json(404, {"error": "no such path"})

    def big(self, total, length):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if length:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        chunk = b"a" * 65536
        while total > 0:
            self.wfile.write(chunk[:min(total, len(chunk))])
            total -= min(total, len(chunk))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False


def bind_pair():
    """Two servers, 127.0.0.1 and 127.0.0.2, on one ephemeral port."""
    for _ in range(50):
        first = Server(("127.0.0.1", 0), Handler)
        try:
            return first, Server(("127.0.0.2", first.server_address[1]), Handler)
        except OSError:
            first.server_close()
    sys.exit("standin: no port free on both 127.0.0.1 and 127.0.0.2")


def main():
    global PORT
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    servers = list(bind_pair())
    PORT = servers[0].server_address[1]
    tls_port = 0
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        tls = Server(("127.0.0.1", 0), Handler)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        tls_port = tls.server_address[1]
        servers.append(tls)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("PORT %d TLS %d" % (PORT, tls_port), flush=True)
    # ends when the test closes our stdin (or dies), or at the end of our lifetime
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    time.sleep(args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
