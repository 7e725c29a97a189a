# SPDX-License-Identifier: MIT
"""`peterental user` (SPEC §1): the operator creates a built-in account (also with
SIGNUP=closed), looks it up and erases it, on the database of a running server; the server
sees each change: the new account signs in, the erased one no longer does. Bad input is a
clear message and a non-zero exit, and changes nothing."""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import assert_error  # noqa: E402

PASSWORD = "correct horse battery"


class UserCommand(harness.ServerTestCase):

    def cli(self, *args, stdin="", **env):
        run_env = dict(self.server.env, **env)
        p = subprocess.run([harness.pete_bin(), "user"] + list(args), input=stdin, env=run_env,
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def login(self, email, password=PASSWORD):
        return self.post("/auth/login", body={"email": email, "password": password})

    def test_add_show_delete(self):
        rc, out, err = self.cli("add", "--email", "Op.Made@Example.com", "--first", "Opal",
                                "--last", "Made", stdin=PASSWORD + "\n", SIGNUP="closed")
        self.assertEqual(rc, 0, err)
        made = json.loads(out)
        self.assertEqual((made["email"], made["full_name"]), ("op.made@example.com", "Opal Made"))
        r = self.login("op.made@example.com")
        self.assertEqual(r.status, 200, r.body)
        token = r.json()["token"]
        self.assertEqual(self.get("/users/me", token=token).json()["user_id"], made["user_id"])

        for how in (("--email", "OP.MADE@example.com"), ("--id", str(made["user_id"]))):
            with self.subTest(show=how):
                rc, out, err = self.cli("show", *how)
                self.assertEqual(rc, 0, err)
                self.assertEqual(json.loads(out)["user_id"], made["user_id"])

        rc, out, err = self.cli("delete", "--email", "op.made@example.com")
        self.assertEqual(rc, 0, err)
        self.assertIn("erased user %d" % made["user_id"], out)
        assert_error(self, self.login("op.made@example.com"), 401)
        # the server's tenant cache learns of the erasure from the database within a second
        deadline = time.monotonic() + 10
        while self.get("/users/me", token=token).status == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert_error(self, self.get("/users/me", token=token), 401)
        rc, _out, err = self.cli("show", "--id", str(made["user_id"]))
        self.assertEqual(rc, 1)
        self.assertIn("no such user", err)

    def test_bad_input_changes_nothing(self):
        rc, _out, err = self.cli("add", "--email", "taken@example.com", stdin=PASSWORD + "\n")
        self.assertEqual(rc, 0, err)
        cases = [
            (("add", "--email", "taken@example.com"), PASSWORD + "\n", 1, "exists"),
            (("add", "--email", "short@example.com"), "short\n", 1, "at least 10"),
            (("add", "--email", "nopass@example.com"), "", 2, "password on stdin"),
            (("add", "--email", "not-an-email"), PASSWORD + "\n", 1, "email"),
            (("add",), PASSWORD + "\n", 2, "Usage"),
            (("show", "--id", "zero"), "", 2, "--id"),
            (("show",), "", 2, "Usage"),
            (("frob", "--id", "1"), "", 2, "Usage"),
            (("delete", "--email", "nobody@example.com"), "", 1, "no such user"),
        ]
        for args, stdin, want_rc, words in cases:
            with self.subTest(args=args):
                rc, out, err = self.cli(*args, stdin=stdin)
                self.assertEqual(rc, want_rc, (out, err))
                self.assertIn(words, err)
        for email in ("short@example.com", "nopass@example.com"):
            assert_error(self, self.login(email), 401)
        self.assertEqual(self.login("taken@example.com").status, 200)

    def test_help(self):
        rc, out, _err = self.cli("--help")
        self.assertEqual(rc, 0)
        self.assertIn("user add --email", out)


if __name__ == "__main__":
    harness.run()
