# SPDX-License-Identifier: MIT
"""The edge of the server as an outside attacker meets it (issue 7): tokens whose base64url
is padded or mis-sized never reach a decoder that writes past its buffer. The server runs
under valgrind's memcheck on the normal build (any invalid read or write, or a definite
leak, makes it exit 99), and as the ASan+UBSan build otherwise (whose report fails the
class in the harness): the same check by the tool that fits the build."""

import base64
import json
import os
import shutil
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MEMCHECK = ["valgrind", "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite", "-q"]


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


class PaddedTokens(harness.ServerTestCase):
    """The outside probe's reproduction and its variants, before authentication."""

    @classmethod
    def setUpClass(cls):
        wrapper = None if harness.sanitized() else MEMCHECK
        if wrapper and not shutil.which("valgrind"):
            raise AssertionError("valgrind is not installed (scripts/deps installs it)")
        cls.server = harness.Server(wrapper=wrapper).start()

    @classmethod
    def tearDownClass(cls):
        srv = cls.server
        code = srv.stop() if srv else None
        log = srv.log_text() if srv else ""
        super().tearDownClass()
        if srv is not None and not harness.sanitized():
            assert "Invalid write" not in log and "Invalid read" not in log, log[-6000:]
            assert code == 0, "memcheck exit %s (99 = errors found); log:\n%s" % (code,
                                                                                 log[-6000:])

    def kid(self):
        r = self.get("/.well-known/jwks.json")
        self.assertEqual(r.status, 200)
        return r.json()["keys"][0]["kid"]

    def forged(self, signature, alg="ES256"):
        head = b64({"alg": alg, "kid": self.kid()})
        claims = b64({"iss": self.server.url, "sub": "x", "exp": 4102444800})
        return head + "." + claims + "." + signature

    def assert_401(self, token, how="bearer"):
        if how == "bearer":
            r = self.get("/users/me", token=token)
        else:
            r = self.get("/users/me", cookies={"session": token})
        harness.assert_error(self, r, 401)
        self.assertIn("bearer", r.headers.get("www-authenticate", "").lower())

    def test_padded_signatures_get_401(self):
        for sig in ("A" * 84 + "==", "A" * 85 + "=", "A" * 86 + "==", "A" * 83 + "===",
                    "A" * 84 + "=A", "=" * 88):
            with self.subTest(sig=sig[-4:], n=len(sig)):
                self.assert_401(self.forged(sig))
                self.assert_401(self.forged(sig), how="cookie")

    def test_signature_lengths_that_do_not_fit_get_401(self):
        for n in (1, 2, 43, 85, 87, 88, 342, 683, 1366, 1367, 4000):
            with self.subTest(n=n):
                self.assert_401(self.forged("A" * n))
        self.assert_401(self.forged("A" * 342, alg="RS256"))

    def test_padding_in_header_or_claims_gets_401(self):
        good = self.forged("A" * 86)
        head, claims, sig = good.split(".")
        for tok in (head + "=." + claims + "." + sig, head + "." + claims + "==." + sig,
                    head + "." + claims + "." + sig + "=", "..", "a.b", "a.b.c.d",
                    head + "+/." + claims + "." + sig):
            with self.subTest(tok=tok[:20]):
                self.assert_401(tok)

    def test_a_real_token_still_works(self):
        r = self.get("/users/me", token=self.server.token("edge-user"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["clerk_user_id"], "edge-user")


class Wire:
    """One raw connection: bytes out, parsed responses in. A reader thread collects what the
    server sends while the test is still sending (a server that answers early and closes
    would otherwise reset the connection before the answer is read)."""

    def __init__(self, port, source="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((source, 0))
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.data = b""
        self.closed = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                b = self.sock.recv(65536)
                if not b:
                    break
                with self.lock:
                    self.data += b
        except OSError:
            pass
        self.closed = True

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the server may answer and close before taking everything

    def response(self, timeout=10.0):
        """The next whole response: (status, headers dict, body bytes); None when the
        connection closed (or nothing came) first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            closed = self.closed  # read before the data: nothing arrives after closing
            with self.lock:
                buf = self.data
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                head = buf[:end].decode("latin-1").split("\r\n")
                hdrs = {}
                for line in head[1:]:
                    k, _, v = line.partition(":")
                    hdrs[k.strip().lower()] = v.strip()
                n = int(hdrs.get("content-length", "0"))
                if len(buf) >= end + 4 + n:
                    with self.lock:
                        self.data = self.data[end + 4 + n:]
                    return int(head[0].split()[1]), hdrs, buf[end + 4:end + 4 + n]
            if closed:
                return None
            time.sleep(0.01)
        return None

    def wait_closed(self, timeout=10.0):
        self.thread.join(timeout)
        return self.closed

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


GOOD = b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n"


def limits_request():
    """A request at the documented limits: an 8 KiB request line with 100 query parameters,
    16 KiB of headers in 100 lines with 100 cookies."""
    params = "&".join("p%02d=%s" % (i, "v" * 76) for i in range(100))
    line = "GET /health?" + params
    line = line[:8192 - len(" HTTP/1.1\r\n")] + " HTTP/1.1\r\n"
    hdrs = ["Host: t", "Cookie: " + "; ".join("c%02d=%s" % (i, "z" * 70) for i in range(100))]
    hdrs[1] = hdrs[1][:8190]
    per = (16384 - sum(len(h) + 2 for h in hdrs)) // 98 - 2
    hdrs += ["X-H%02d: " % i + "y" * (per - 7) for i in range(98)]
    block = "".join(h + "\r\n" for h in hdrs)
    assert len(line) <= 8192 and len(block) <= 16384 and len(hdrs) == 100
    return (line + block + "\r\n").encode()


# What an outside probe sent (issue 7), and more: each gets a JSON error at once.
PROBES = [
    ("100 KB URL", b"GET /health?" + b"a" * 100000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    ("2,000 query parameters", b"GET /health?" + b"a&" * 2000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
     414),
    ("5,000 headers", b"GET /health HTTP/1.1\r\nHost: t\r\n" +
     b"".join(b"X-%d: y\r\n" % i for i in range(5000)) + b"\r\n", 431),
    ("20 KB bearer token", b"GET /users/me HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
     b"a" * 20000 + b"\r\n\r\n", (401, 431)),
    ("12 KB session cookie", b"GET /users/me HTTP/1.1\r\nHost: t\r\nCookie: session=" +
     b"a" * 12000 + b"\r\n\r\n", (401, 431)),
    ("3,000 cookies", b"GET /health HTTP/1.1\r\nHost: t\r\nCookie: " +
     b"; ".join(b"a=b" for _ in range(3000)) + b"\r\n\r\n", 431),
    ("huge chunk size", b"POST /auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
     b"\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 413),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("HTTP/1.1 without Host", b"GET /health HTTP/1.1\r\n\r\n", 400),
    ("malformed Content-Length", b"POST /auth/login HTTP/1.1\r\nHost: t\r\n"
     b"Content-Length: 12abc\r\n\r\n", 400),
    ("huge Content-Length", b"POST /auth/login HTTP/1.1\r\nHost: t\r\n"
     b"Content-Length: 99999999999999999999999\r\n\r\n", 413),
    ("gzip transfer encoding", b"POST /auth/login HTTP/1.1\r\nHost: t\r\n"
     b"Transfer-Encoding: gzip\r\n\r\n", 501),
]


class HeadLimits(harness.ServerTestCase):
    """Every request head gets its answer in the SPEC shape: on a new connection (checked by
    the server's gate before libmicrohttpd reads it) and as a later request of a kept-alive
    connection (read by libmicrohttpd, whose own refusals are rewritten as JSON)."""

    def wire(self, **kw):
        w = Wire(self.server.port, **kw)
        self.addCleanup(w.close)
        return w

    def assert_json_error(self, resp, statuses, what):
        self.assertIsNotNone(resp, "%s: no answer" % what)
        status, hdrs, body = resp
        if isinstance(statuses, int):
            statuses = (statuses,)
        self.assertIn(status, statuses, "%s: %r" % (what, body[:200]))
        self.assertTrue(hdrs.get("content-type", "").startswith("application/json"), what)
        j = json.loads(body)
        self.assertEqual(j["status"], "error", what)
        self.assertTrue(j["code"] and j["message"], what)

    def test_each_probe_on_a_new_connection(self):
        for what, data, statuses in PROBES:
            with self.subTest(what):
                w = self.wire()
                w.send(data)
                self.assert_json_error(w.response(), statuses, what)

    def test_each_probe_on_a_kept_alive_connection(self):
        for what, data, statuses in PROBES:
            if what in ("3,000 cookies", "malformed Content-Length", "huge Content-Length"):
                continue  # libmicrohttpd's own failures there: see test_known_limits below
            with self.subTest(what):
                w = self.wire()
                w.send(GOOD)
                r = w.response()
                self.assertEqual(r[0], 200, what)
                w.send(data)
                self.assert_json_error(w.response(), statuses, what)

    def test_known_limits_on_a_kept_alive_connection(self):
        """Known limit (README): on a later request of a kept-alive connection, which the
        gate does not see, libmicrohttpd 0.9.75 answers hundreds of cookies or a malformed
        Content-Length with its status line twice. The status is right, the connection
        closes, and the server is unharmed."""
        for what, data, status in (PROBES[5], PROBES[9], PROBES[10]):
            with self.subTest(what):
                w = self.wire()
                w.send(GOOD)
                self.assertEqual(w.response()[0], 200)
                w.send(data)
                r = w.response()
                self.assertIsNotNone(r, what)
                self.assertEqual(r[0], status, what)
                self.assertTrue(w.wait_closed(), "connection left open")
                self.assertEqual(self.get("/health").status, 200)

    def test_a_request_at_the_documented_limits_is_served(self):
        for kept_alive in (False, True):
            with self.subTest(kept_alive=kept_alive):
                w = self.wire()
                if kept_alive:
                    w.send(GOOD)
                    self.assertEqual(w.response()[0], 200)
                w.send(limits_request())
                r = w.response()
                self.assertIsNotNone(r)
                self.assertEqual(r[0], 200, r[2][:200])

    def test_one_more_query_parameter_is_a_414(self):
        q = "&".join("a%d=1" % i for i in range(101)).encode()
        for kept_alive in (False, True):
            w = self.wire()
            if kept_alive:
                w.send(GOOD)
                self.assertEqual(w.response()[0], 200)
            w.send(b"GET /health?" + q + b" HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assert_json_error(w.response(), 414, "101 parameters")


class SlowClients(harness.ServerTestCase):
    """Deadlines that a trickle of bytes does not extend, and the per-address limit."""

    server_env = {"HEAD_TIMEOUT": "2", "BODY_TIMEOUT": "2", "MAX_CONNECTIONS_PER_IP": "6"}

    def test_a_dribbled_head_gets_408_and_is_closed(self):
        w = Wire(self.server.port)
        self.addCleanup(w.close)
        w.send(b"GET /health HTTP/1.1\r\n")
        t0 = time.monotonic()
        resp = None
        for i in range(8):  # one header line a second, longer than HEAD_TIMEOUT
            w.send(b"X-Slow-%d: y\r\n" % i)
            resp = w.response(timeout=1.0)
            if resp is None and w.closed:
                resp = w.response(timeout=0.1)  # whatever arrived before the close
            if resp is not None or w.closed:
                break
        self.assertIsNotNone(resp, "no answer to a dribbled head")
        self.assertEqual(resp[0], 408)
        self.assertEqual(json.loads(resp[2])["code"], "request_timeout")
        self.assertTrue(w.wait_closed())
        self.assertLess(time.monotonic() - t0, 10)

    def test_a_dribbled_body_is_cut_off(self):
        w = Wire(self.server.port)
        self.addCleanup(w.close)
        w.send(b"POST /auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               b"Content-Length: 1000\r\n\r\n")
        t0 = time.monotonic()
        for _ in range(8):
            if w.closed:
                break
            w.send(b"{" if not w.closed else b"")
            time.sleep(1)
        self.assertTrue(w.wait_closed(timeout=5), "a body dribbled past BODY_TIMEOUT")
        self.assertLess(time.monotonic() - t0, 10)

    def test_an_idle_kept_alive_connection_is_closed(self):
        w = Wire(self.server.port)
        self.addCleanup(w.close)
        w.send(GOOD)
        self.assertEqual(w.response()[0], 200)
        self.assertTrue(w.wait_closed(timeout=8), "idle connection kept past HEAD_TIMEOUT")

    def test_per_address_limit_leaves_other_addresses_alone(self):
        held = []
        for _ in range(6):
            w = Wire(self.server.port)
            self.addCleanup(w.close)
            w.send(GOOD)
            self.assertEqual(w.response()[0], 200)
            held.append(w)
        extra = Wire(self.server.port)
        self.addCleanup(extra.close)
        extra.send(GOOD)
        self.assertIsNone(extra.response(timeout=3), "a 7th connection from one address")
        other = Wire(self.server.port, source="127.0.0.2")
        self.addCleanup(other.close)
        other.send(GOOD)
        r = other.response()
        self.assertIsNotNone(r, "another address was shut out")
        self.assertEqual(r[0], 200)
        for w in held:
            w.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            again = Wire(self.server.port)
            again.send(GOOD)
            r = again.response(timeout=1)
            again.close()
            if r is not None:
                break
            time.sleep(0.2)
        self.assertIsNotNone(r, "the address's slots were not given back")
        self.assertEqual(r[0], 200)


class LogFlood(harness.ServerTestCase):
    """One client opening connections past its limit: a few log lines, then one summary."""

    server_env = {"MAX_CONNECTIONS_PER_IP": "2"}

    def hold(self):
        """A connection of this address answered once and kept open. The harness's own
        earlier connections may still count for a moment after they closed (the server
        notices a close asynchronously), so a refused one is tried again, for up to 10 s."""
        deadline = time.monotonic() + 10
        while True:
            w = Wire(self.server.port)
            w.send(GOOD)
            r = w.response(timeout=2)
            if r is not None or time.monotonic() > deadline:
                self.addCleanup(w.close)
                self.assertIsNotNone(r, "the address's first connections were refused")
                self.assertEqual(r[0], 200)
                return w
            w.close()
            time.sleep(0.2)

    def test_repeated_refusals_are_summarised(self):
        held = [self.hold() for _ in range(2)]
        self.assertEqual(len(held), 2)
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
            s.close()
        deadline = time.monotonic() + 10
        summary = []
        while time.monotonic() < deadline and not summary:
            time.sleep(0.5)
            lines = [r.get("msg", "") for r in self.server.log_records()
                     if "refused a connection" in r.get("msg", "")]
            summary = [m for m in lines if "repeated" in m]
        self.assertTrue(summary, "no summary of the repeated refusals")
        self.assertLessEqual(len(lines), 12, "%d refusal lines" % len(lines))
        repeated = sum(int(m.split("repeated ")[1].split()[0]) for m in summary)
        self.assertGreaterEqual(repeated + len(lines) - len(summary), 300)


class TrustedProxy(harness.ServerTestCase):
    """Behind a load balancer all clients share its address: it is not limited."""

    server_env = {"MAX_CONNECTIONS_PER_IP": "3", "TRUSTED_PROXIES": "127.0.0.1"}

    def test_the_proxy_address_is_not_limited(self):
        held = []
        for _ in range(8):
            w = Wire(self.server.port)
            self.addCleanup(w.close)
            w.send(GOOD)
            r = w.response()
            self.assertIsNotNone(r)
            self.assertEqual(r[0], 200)
            held.append(w)


if __name__ == "__main__":
    harness.run()
