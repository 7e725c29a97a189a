# SPDX-License-Identifier: MIT
"""A real CalDAV server for tests: Debian's Radicale (scripts/deps --test installs it), started
on 127.0.0.1 on a free port with a temporary storage folder and plain htpasswd users, and a
few WebDAV requests the tests make as another client would (Python 3 standard library).

  r = Radicale({"alice": "secret"}).start()  # waits until it answers (at most 20 s)
  r.url                                      # http://127.0.0.1:PORT
  r.mkcalendar("alice", "secret", "/alice/cal/")
  r.put_event("alice", "secret", "/alice/cal/", uid, start, end, transparent=False,
              cancelled=False)             # start/end: aware datetimes
  r.get("alice", "secret", path) -> (status, text)
  r.stop()
"""

import base64
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time

START_TIMEOUT_S = 20.0


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ical_time(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


class Radicale:
    def __init__(self, users):
        self.users = dict(users)
        self.dir = None
        self.proc = None
        self.port = None
        self.url = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="pete-radicale-")
        with open(os.path.join(self.dir, "users"), "w") as f:
            for u, p in self.users.items():
                f.write("%s:%s\n" % (u, p))
        self.port = _free_port()
        conf = os.path.join(self.dir, "config")
        with open(conf, "w") as f:
            f.write("[server]\nhosts = 127.0.0.1:%d\n"
                    "[auth]\ntype = htpasswd\nhtpasswd_filename = %s\n"
                    "htpasswd_encryption = plain\n"
                    "[rights]\ntype = owner_only\n"
                    "[storage]\nfilesystem_folder = %s\n"
                    "[logging]\nlevel = warning\n[web]\ntype = none\n"
                    % (self.port, os.path.join(self.dir, "users"),
                       os.path.join(self.dir, "collections")))
        exe = shutil.which("radicale") or "/usr/bin/radicale"
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen([exe, "--config", conf], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % self.port
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("radicale did not start")

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            self.proc = None
            self.log.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def request(self, user, password, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
            h = {"Authorization": "Basic " + auth}
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def mkcalendar(self, user, password, path):
        status, text = self.request(user, password, "MKCALENDAR", path)
        if status != 201:
            raise RuntimeError("MKCALENDAR %s: %d %s" % (path, status, text))

    def put_event(self, user, password, collection, uid, start, end, summary="Busy",
                  transparent=False, cancelled=False):
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT",
                 "UID:" + uid, "DTSTAMP:" + _ical_time(start), "DTSTART:" + _ical_time(start),
                 "DTEND:" + _ical_time(end), "SUMMARY:" + summary]
        if transparent:
            lines.append("TRANSP:TRANSPARENT")
        if cancelled:
            lines.append("STATUS:CANCELLED")
        lines += ["END:VEVENT", "END:VCALENDAR", ""]
        status, text = self.request(user, password, "PUT", collection + uid + ".ics",
                                    body="\r\n".join(lines).encode(),
                                    headers={"Content-Type": "text/calendar; charset=utf-8"})
        if status not in (201, 204):
            raise RuntimeError("PUT %s: %d %s" % (uid, status, text))

    def get(self, user, password, path):
        return self.request(user, password, "GET", path)
