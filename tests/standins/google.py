# SPDX-License-Identifier: MIT
"""A stand-in for Google's OAuth and Calendar API v3 (Python 3 standard library), on
127.0.0.1: what the server calls, as Google documents it. GOOGLE_AUTH_URL and GOOGLE_API_URL
are s.url (the token endpoint is s.url + "/token"; refresh tokens do not rotate):
  GET  /oauth2/v3/userinfo                          email
  GET  /calendar/v3/calendars/primary               id (the email), summary
  GET  /calendar/v3/calendars/{id}/events           timeMin, timeMax, singleEvents, pageToken;
                                                    pages with nextPageToken
  POST /calendar/v3/calendars/{id}/events           sendUpdates recorded per event
  PATCH, DELETE /calendar/v3/calendars/{id}/events/{eventId}   410 for an unknown id
Controls: see calendar_standin.py."""

import secrets
import urllib.parse

from calendar_standin import CalendarStandin


class GoogleStandin(CalendarStandin):
    consent_path = "/o/oauth2/v2/auth"

    def _as_google(self, e):
        return {"id": e["id"], "summary": e["subject"], "start": {"dateTime": e["start"]},
                "end": {"dateTime": e["end"]},
                "transparency": "transparent" if e["free"] else "opaque",
                "status": "cancelled" if e["cancelled"] else "confirmed",
                "location": e["location"] or ""}

    def _store(self, eid, body, query, created):
        start = (body.get("start") or {}).get("dateTime")
        end = (body.get("end") or {}).get("dateTime")
        if not start or not end or not body.get("summary"):
            return None
        with self.lock:
            old = self.events.get(eid, {})
            self.events[eid] = {
                "id": eid, "start": start, "end": end, "subject": body["summary"],
                "free": body.get("transparency") == "transparent", "cancelled": False,
                "location": body.get("location"),
                "attendees": [a["email"] for a in body.get("attendees", [])],
                "body": body.get("description"), "send_updates": query.get("sendUpdates"),
                "created_by_api": True if created else old.get("created_by_api", True)}
            return self._as_google(self.events[eid])

    def route(self, method, path, query, body, email, headers):
        if method == "GET" and path == "/oauth2/v3/userinfo":
            return 200, {"sub": "1234", "email": email, "email_verified": True}
        if method == "GET" and path == "/calendar/v3/calendars/primary":
            return 200, {"id": email, "summary": email, "timeZone": "UTC"}
        prefix = "/calendar/v3/calendars/"
        if not path.startswith(prefix):
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        rest = path[len(prefix):].split("/")
        if len(rest) < 2 or rest[1] != "events" or urllib.parse.unquote(rest[0]) != email:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        if len(rest) == 2 and method == "GET":
            s, e = query.get("timeMin"), query.get("timeMax")
            if not s or not e or query.get("singleEvents") != "true":
                return 400, {"error": {"code": 400, "message": "timeMin, timeMax, singleEvents"}}
            items = self._listed(s, e)
            chunk, nxt = self._page(items, int(query.get("pageToken", "0") or 0))
            out = {"kind": "calendar#events", "items": [self._as_google(x) for x in chunk]}
            if nxt is not None:
                out["nextPageToken"] = str(nxt)
            return 200, out
        if len(rest) == 2 and method == "POST":
            out = self._store("g" + secrets.token_hex(8), body or {}, query, True)
            return (200, out) if out else (400, {"error": {"code": 400, "message": "bad event"}})
        if len(rest) == 3 and method in ("PATCH", "DELETE"):
            eid = urllib.parse.unquote(rest[2])
            with self.lock:
                known = eid in self.events
            if not known:
                return 410, {"error": {"code": 410, "message": "Resource has been deleted"}}
            if method == "DELETE":
                with self.lock:
                    ev = self.events.pop(eid)
                    ev["deleted_send_updates"] = query.get("sendUpdates")
                    self.deleted = getattr(self, "deleted", []) + [ev]
                return 204, None
            out = self._store(eid, body or {}, query, False)
            return (200, out) if out else (400, {"error": {"code": 400, "message": "bad event"}})
        return 404, {"error": {"code": 404, "message": "Not Found"}}
