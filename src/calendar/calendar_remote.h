/* SPDX-License-Identifier: MIT */
/* What the calendar folder shares about external calendars (Outlook through Microsoft Graph,
 * Google Calendar, CalDAV), never included outside src/calendar/:
 *   calendar_remote.c   accounts (a connection with its opened secrets), the bearer call
 *                       with its one refresh-and-retry, and the provider dispatch;
 *   calendar_oauth.c    the OAuth consent: signed single-use state, PKCE, the code exchange,
 *                       the refresh, the account's email and calendar;
 *   calendar_graph.c, calendar_google.c, calendar_caldav.c   each provider's wire format;
 *   calendar_sync.c     the jobs calendar_sync and calendar_push, the live re-check.
 * Every function here that talks to a provider blocks on the network: call it on a worker
 * or outbound pool thread, never on a request thread. Secrets (tokens, passwords) live only
 * in struct calendar_account, are wiped when it is cleaned, and never reach a log line or an
 * error sentence. */
#ifndef PETE_CALENDAR_REMOTE_H
#define PETE_CALENDAR_REMOTE_H

#include "calendar/calendar.h"
#include "outbound/outbound.h"

#define CALENDAR_SYNC_DAYS_BACK 1     /* the mirror starts this long before now ... */
#define CALENDAR_SYNC_DAYS_MAX 60     /* ... and ends at the horizon + 1 day, at most this */
#define CALENDAR_SYNC_EVERY_S 300     /* the periodic refresh of a connected calendar */
#define CALENDAR_REMOTE_EVENTS_MAX 5000 /* events one sync reads at most */
#define CALENDAR_REMOTE_PAGES_MAX 100 /* pages one sync follows at most */
#define CALENDAR_REFRESH_AHEAD_S 300  /* an access token is refreshed this long before expiry */
#define CALENDAR_LIVE_TIMEOUT_MS 2000 /* a booking waits this long for the live re-check */
#define CALENDAR_ERROR_SIZE 300

/* A connection with its credentials opened (calendar_account_load). Strings owned. */
struct calendar_account {
    int64_t user;
    char provider[16];   /* microsoft | google | caldav */
    char *account_email, *calendar_id, *calendar_name, *calendar_url, *username;
    char *access_token, *refresh_token, *password; /* secrets */
    int64_t expires_at;  /* the access token's, Unix seconds; 0 unknown */
};
/* Wipes the secrets and frees everything; accepts a zeroed struct. */
void calendar_account_cleanup(struct calendar_account *acct);

/* One event as a provider listed it (times UTC). */
struct calendar_remote_event {
    char *id;            /* the provider's id (CalDAV: the UID) */
    int64_t start, end;
    bool transparent;    /* marked free */
    bool cancelled;
    char *subject, *location; /* NULL when none */
};
struct calendar_remote_list {
    struct calendar_remote_event *items;
    size_t n, cap;
    bool truncated;      /* more than CALENDAR_REMOTE_EVENTS_MAX or pages */
};
void calendar_remote_list_cleanup(struct calendar_remote_list *l);
/* Appends a copy of the strings given (NULL or "" leaves subject/location NULL); false when
 * the list is full (truncated set). */
bool calendar_remote_list_add(struct calendar_remote_list *l, const char *id, int64_t start,
                              int64_t end, bool transparent, bool cancelled,
                              const char *subject, const char *location);

/* One provider operation in progress: the process context, a deadline for all its requests,
 * and what went wrong. */
struct calendar_call {
    struct app *app;
    int64_t deadline_ms;          /* mono_ms() by which every request has ended */
    long status;                  /* the last HTTP status received */
    bool timed_out;               /* a request ran out of time */
    bool auth_failed;             /* the provider refused the credentials for good */
    bool gone;                    /* the last request's object no longer exists (404/410) */
    char error[CALENDAR_ERROR_SIZE]; /* a sentence for last_error and logs; never a secret */
};
/* Milliseconds left before k->deadline_ms (at least 1 when any remain, 0 when none). */
long calendar_call_ms_left(const struct calendar_call *k);
/* Sets k->error from fmt (printf-style) unless already set. */
void calendar_call_fail(struct calendar_call *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- accounts (calendar_remote.c) ----------------------------------------------------- */

/* The tenant's connection with its secret opened into *out (zeroed by the caller).
 * APP_E_NOTFOUND without a connection (or with a secret the master key cannot open:
 * logged), else as the database. The caller cleans *out. */
app_err calendar_account_load(struct app *a, int64_t user, struct calendar_account *out);
/* Stores acct's tokens back, sealed, with their expiry (after a refresh). */
app_err calendar_account_save_tokens(struct app *a, const struct calendar_account *acct);
/* The sealed secret of acct (tokens or password) as the connection stores it: a new string
 * (free()) or NULL when sealing failed. */
char *calendar_account_seal(const struct app *a, const struct calendar_account *acct);

/* An outbound JSON call with the account's bearer token: refreshes the token first when it
 * expires within CALENDAR_REFRESH_AHEAD_S, and once more (then retries once) when the
 * provider answers 401. headers: extra "Name: value" lines (NULL-terminated, may be NULL).
 * On true, *j_out holds the answer (new reference or NULL for an empty body) of a 2xx; on
 * false k says why (k->gone for 404 and 410). */
bool calendar_remote_json(struct calendar_call *k, struct calendar_account *acct,
                          const char *method, const char *url, const json_t *j_body,
                          const char *const *headers, json_t **j_out);

/* The events of [from, to) of acct's calendar, every page, into *out (zeroed). zone: the
 * tenant's time zone (all-day and floating times). false with k->error on failure (*out
 * then cleaned). */
bool calendar_remote_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out);

/* What a push writes: the appointment as an event. */
struct calendar_remote_push {
    const struct calendar_appt *appt;
    const char *uid;       /* "appointment-<id>@<host>": the iCalendar UID (CalDAV) */
    const char *subject;   /* "Property Viewing: <address>" */
    const char *body;      /* notes and phone */
    const char *organizer_email; /* the connected account's, may be NULL */
};
/* Creates (*ext_id NULL) or updates (*ext_id set) the event of p on acct's calendar, or
 * deletes it (remove; *ext_id then becomes NULL, also when the provider no longer had it).
 * An update of an event the provider no longer has creates it again. *ext_id is owned
 * (free()) and replaced on success. false with k->error on failure. */
bool calendar_remote_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id);

/* ---- providers ------------------------------------------------------------------------ */

/* Makes the event JSON of p for a JSON provider: for its creation (create) or an update. */
typedef json_t *(*calendar_event_json)(const struct calendar_remote_push *p, bool create);
/* The push of a JSON provider (Graph, Google), as calendar_remote_push: with *ext_id, PATCH
 * (or DELETE, with remove) item_url; an event the provider no longer has is made again by a
 * POST to list_url (nothing when remove), whose answer's "id" replaces *ext_id. title names
 * the provider in errors; item_url may be NULL when *ext_id is. */
bool calendar_remote_json_push(struct calendar_call *k, struct calendar_account *acct,
                               const struct calendar_remote_push *p, calendar_event_json event,
                               const char *title, const char *item_url, const char *list_url,
                               bool remove, char **ext_id);

bool calendar_graph_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                         int64_t to, const char *zone, struct calendar_remote_list *out);
bool calendar_graph_push(struct calendar_call *k, struct calendar_account *acct,
                         const struct calendar_remote_push *p, bool remove, char **ext_id);
bool calendar_google_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out);
bool calendar_google_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id);
bool calendar_caldav_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out);
bool calendar_caldav_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id);
/* Adds the events of a REPORT's multistatus XML (len bytes, untrusted) to *out: each
 * DAV:response's calendar-data read by calendar_ics_read in zone (ids: the UID, or the href;
 * a repeated id becomes "<id>/<start>"). false when the text is not XML with a root. */
bool calendar_caldav_multistatus(const char *xml, size_t len, const char *zone,
                                 struct calendar_remote_list *out);
/* Checks that acct->calendar_url is a calendar collection acct->username/password may read
 * (PROPFIND Depth 0): true and acct->calendar_name set (the displayname, or NULL) when it is.
 * false with k->error: k->auth_failed for 401/403, else "not a calendar" or the failure. */
bool calendar_caldav_check(struct calendar_call *k, struct calendar_account *acct);

/* Reads an RFC 3339 time ("2026-03-03T14:30:00Z", an offset, or none: then in zone) or a
 * date ("2026-03-03": local midnight in zone) into *t; false when it is neither. */
bool calendar_remote_time(const char *s, const char *zone, int64_t *t);
/* The percent-encoding of s for a URL query or path segment (unreserved characters kept):
 * a new string (free()). */
char *calendar_remote_escape(const char *s);

/* ---- connections and jobs (calendar_connect.c, calendar_sync.c) ----------------------- */

/* Saves acct as the tenant's connection (sealed secrets; replacing any other provider's),
 * clears the busy mirror and enqueues the first sync, in one tenant transaction. */
app_err calendar_connection_save(struct app *a, const struct calendar_account *acct);
/* Enqueues a calendar_sync of the tenant in the caller's write transaction c: due at once
 * (dedup key "now"), so a sync already waiting is not doubled. */
app_err calendar_sync_enqueue(db_conn *c, int64_t user);
/* Enqueues the calendar_push of appointment id (dedup per appointment) in c. */
app_err calendar_push_job(db_conn *c, int64_t user, int64_t id, const char *op);

/* ---- OAuth (calendar_oauth.c) --------------------------------------------------------- */

/* Refreshes acct's access token with its refresh token (the provider's token endpoint) and
 * stores the new tokens back. false with k->error; k->auth_failed when the provider refused
 * the refresh token (invalid_grant): the user must connect again. */
bool calendar_oauth_refresh(struct calendar_call *k, struct calendar_account *acct);

#endif
