# SPDX-License-Identifier: MIT
"""A stand-in for Microsoft's identity platform and Graph (Python 3 standard library), on
127.0.0.1: what the server calls, as Microsoft documents it. MICROSOFT_AUTH_URL is s.url (token
endpoint /{tenant}/oauth2/v2.0/token; refresh tokens rotate as Microsoft's do) and
MICROSOFT_GRAPH_URL is s.url + "/v1.0":
  GET  /v1.0/me                              mail, userPrincipalName
  GET  /v1.0/me/calendar                     id, name
  GET  /v1.0/me/calendar/calendarView        startDateTime, endDateTime; pages of
                                             CalendarStandin.page_size with @odata.nextLink
  POST /v1.0/me/calendar/events              201 with the new event's id
  PATCH, DELETE /v1.0/me/events/{id}         404 for an unknown id
Controls: see calendar_standin.py."""

import secrets
import urllib.parse

from calendar_standin import CalendarStandin


def _graph_time(iso):
    return {"dateTime": iso[:19] + ".0000000", "timeZone": "UTC"}


def _from_graph(obj):
    dt = (obj or {}).get("dateTime", "")
    return dt[:19] + "Z" if (obj or {}).get("timeZone") == "UTC" else None


class GraphStandin(CalendarStandin):
    consent_path = "/oauth2/v2.0/authorize"
    rotates_refresh_tokens = True

    def _as_graph(self, e):
        return {"id": e["id"], "subject": e["subject"], "start": _graph_time(e["start"]),
                "end": _graph_time(e["end"]), "showAs": "free" if e["free"] else "busy",
                "isCancelled": e["cancelled"],
                "location": {"displayName": e["location"] or ""}}

    def _store(self, eid, body, created):
        start, end = _from_graph(body.get("start")), _from_graph(body.get("end"))
        if not start or not end or not body.get("subject"):
            return None
        with self.lock:
            old = self.events.get(eid, {})
            self.events[eid] = {
                "id": eid, "start": start, "end": end, "subject": body["subject"],
                "free": body.get("showAs") == "free", "cancelled": False,
                "location": (body.get("location") or {}).get("displayName"),
                "attendees": [a["emailAddress"]["address"] for a in body.get("attendees", [])],
                "body": (body.get("body") or {}).get("content"),
                "transaction_id": body.get("transactionId", old.get("transaction_id")),
                "created_by_api": True if created else old.get("created_by_api", True)}
            return self._as_graph(self.events[eid])

    def route(self, method, path, query, body, email, headers):
        if not path.startswith("/v1.0/"):
            return 404, {"error": {"code": "NotFound", "message": "no such path"}}
        p = path[len("/v1.0"):]
        if method == "GET" and p == "/me":
            return 200, {"mail": email, "userPrincipalName": email, "displayName": "Owner"}
        if method == "GET" and p == "/me/calendar":
            return 200, {"id": "AAMk-calendar-1", "name": "Calendar"}
        if method == "GET" and p == "/me/calendar/calendarView":
            s, e = query.get("startDateTime"), query.get("endDateTime")
            if not s or not e:
                return 400, {"error": {"code": "ErrorInvalidParameter",
                                       "message": "startDateTime and endDateTime required"}}
            items = self._listed(s, e)
            chunk, nxt = self._page(items, int(query.get("$skip", "0")))
            out = {"value": [self._as_graph(x) for x in chunk]}
            if nxt is not None:
                q = dict(query, **{"$skip": str(nxt)})
                out["@odata.nextLink"] = "%s/v1.0/me/calendar/calendarView?%s" % (
                    self.url, urllib.parse.urlencode(q))
            return 200, out
        if method == "POST" and p == "/me/calendar/events":
            with self.lock:
                for ev in self.events.values():  # transactionId: a retried create
                    if body.get("transactionId") and \
                            ev.get("transaction_id") == body.get("transactionId"):
                        return 201, self._as_graph(ev)
            out = self._store("AAMk-" + secrets.token_hex(8), body or {}, True)
            return (201, out) if out else (400, {"error": {"message": "bad event"}})
        if p.startswith("/me/events/") and method in ("PATCH", "DELETE"):
            eid = urllib.parse.unquote(p[len("/me/events/"):])
            with self.lock:
                known = eid in self.events
            if not known:
                return 404, {"error": {"code": "ErrorItemNotFound",
                                       "message": "The specified object was not found."}}
            if method == "DELETE":
                with self.lock:
                    del self.events[eid]
                return 204, None
            out = self._store(eid, body or {}, False)
            return (200, out) if out else (400, {"error": {"message": "bad event"}})
        return 404, {"error": {"code": "NotFound", "message": "no such path"}}
