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
import sys

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


if __name__ == "__main__":
    harness.run()
