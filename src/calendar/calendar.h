/* SPDX-License-Identifier: MIT */
/* Calendar and appointments (SPEC §4 calendar_connections and appointments, §5 Calendar and
 * appointments). The pure parts need no database, no network and no clock (the caller
 * passes "now"):
 *   calendar_slots.c   free slots in the tenant's zone and the bookability check;
 *   calendar_ics.c     iCalendar (RFC 5545): a writer for the feed and CalDAV PUT, and a
 *                      bounded reader for CalDAV REPORT results (untrusted input).
 * The built-in calendar (always on) is layered as every domain:
 *   calendar_valid.c    request JSON and query text -> booking input (pure);
 *   calendar_service.c  transactions: booking, rescheduling, availability, events, the feed
 *                       token, the provider seam (calendar_push_enqueue);
 *   calendar_store.c    all SQL (calendar_store.h, folder-private);
 *   calendar_json.c     appointments, events and slots as the SPEC's JSON;
 *   calendar_http.c     /appointments and /calendar/... handlers, the feed token
 *                       authenticator.
 * Another tenant's appointment or rental is always APP_E_NOTFOUND. The external calendars
 * (Outlook, Google, CalDAV; folder-private calendar_remote.h) plug in at three places: they
 * fill calendar_connections and the calendar_busy mirror (availability and GET
 * /calendar/events read both), and calendar_push_enqueue enqueues their push job:
 *   calendar_oauth.c, calendar_connect.c, calendar_connect_http.c   connecting;
 *   calendar_remote.c, calendar_graph.c, calendar_google.c, calendar_caldav.c   the wire;
 *   calendar_sync.c     the jobs calendar_sync and calendar_push, the live re-check;
 *   calendar_store_conn.c   their SQL. */
#ifndef PETE_CALENDAR_CALENDAR_H
#define PETE_CALENDAR_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/app.h"
#include "core/db.h"
#include "core/err.h"
#include "core/http.h"
#include "core/jsonw.h"
#include "core/tz.h"
#include "core/valid.h"
#include "jobs/jobs.h"
#include "users/users.h"

/* ==== Availability (calendar_slots.c) ================================================== */

/* At most this many slots are returned (the earliest ones; the list says it was cut).
 * 14 days of 30-minute slots over 09:00-17:00 are 224; only 5-minute slots over long
 * horizons come near it, and no caller reads a thousand slots to a person. */
#define CALENDAR_SLOTS_MAX 1000
#define CALENDAR_DAY_NAME_SIZE 10 /* "Wednesday" */

/* A tenant's booking rules (SPEC §4 user_settings). Values outside the settings' bounds
 * (slot 5-240, buffer 0-240, notice 0-10080 minutes, horizon 1-365 days) are refused. */
struct calendar_rules {
    const char *timezone;      /* IANA name (borrowed) */
    struct users_day hours[7]; /* [0] = Monday; minutes since local midnight */
    int slot_minutes;
    int buffer_minutes;
    int min_notice_minutes;
    int booking_horizon_days;
};

/* Fills *out from settings s; out->timezone borrows s->timezone. */
void calendar_rules_from_settings(const struct user_settings *s, struct calendar_rules *out);

/* GET /calendar/availability (and the voice tool). */
struct calendar_query {
    int64_t now;    /* Unix seconds */
    int days_ahead; /* >= 1; the horizon used is min(days_ahead, booking_horizon_days) */
    int start_hour; /* -1 = not given, else 0-23: slots starting before start_hour:00 go */
    int end_hour;   /* -1 = not given, else 1-24: slots ending after end_hour:00 go */
};

/* A busy time in UTC, [start, end). The caller has already left out what does not block
 * (provider events marked free or cancelled, appointments not confirmed). */
struct calendar_busy {
    int64_t start;
    int64_t end;
};

/* One free slot. day is the local weekday name ("Tuesday"): the word a person groups slots
 * by and the voice assistant says, matching the first word of formatted_time; the local
 * date is in date for callers that need the day itself (the horizon can exceed a week). */
struct calendar_slot {
    int64_t start; /* UTC */
    int64_t end;   /* start + duration_minutes */
    int duration_minutes;
    char formatted_time[CIVIL_WHEN_SIZE]; /* "Tuesday, March 03 at 02:30 PM", local */
    char day[CALENDAR_DAY_NAME_SIZE];     /* "Tuesday", local */
    char date[CIVIL_DATE_SIZE];           /* "2026-03-03", local */
};

struct calendar_slot_list {
    struct calendar_slot *items;
    size_t n;
    bool truncated; /* more slots existed past CALENDAR_SLOTS_MAX */
};

/* Releases l's items and zeroes it; accepts a zeroed list. */
void calendar_slot_list_cleanup(struct calendar_slot_list *l);

/* The free slots, sorted by start, into *out (zeroed by the caller; on success it owns
 * items, released with calendar_slot_list_cleanup).
 *
 * Candidates: for each local day from today to the horizon, each business-hours range of its
 * weekday gives slots of slot_minutes whose wall-clock starts step from the range's start
 * (09:00, 09:30, ... for 30 minutes), as long as the slot ends by the range's end. Ranges are
 * wall-clock hours on every day, DST or not. Each start is converted with tz_to_utc: a start
 * the clocks skip (spring forward) is not offered; a start they show twice (autumn) is the
 * first one; a slot lasts slot_minutes of real time and must end by the range's end instant.
 * start_hour/end_hour filter these candidates (they do not move the grid).
 * Window: start >= now + min_notice (so never in the past) and end <= the horizon, which is
 * the same local wall-clock time as now, N = min(days_ahead, booking_horizon_days) local days
 * later (now 10:00 Monday, N 1: a slot ending by 10:00 Tuesday is in, 10:00-10:30 is not).
 * Busy: a slot overlapping any busy interval widened by buffer_minutes on both sides is not
 * free (intervals are half-open: a slot may start when a widened interval ends).
 * Errors: APP_E_PARAM for a query out of range (days_ahead < 1, bad hours, start_hour >=
 * end_hour); APP_E_INTERNAL for rules out of range or a zone tz_load cannot read. busy may be
 * NULL when nbusy is 0; intervals with end <= start are ignored. */
app_err calendar_slots(const struct calendar_rules *r, const struct calendar_query *q,
                       const struct calendar_busy *busy, size_t nbusy,
                       struct calendar_slot_list *out);

/* Why an appointment cannot be booked (the rules only; overlaps are the store's check). */
enum calendar_bookable {
    CALENDAR_BOOKABLE = 0,
    CALENDAR_BAD_TIMES,       /* end not after start, or longer than a day: bad input (422) */
    CALENDAR_IN_PAST,         /* start before now (409, as all below) */
    CALENDAR_TOO_SOON,        /* start before now + min_notice_minutes */
    CALENDAR_BEYOND_HORIZON,  /* end after the horizon of booking_horizon_days (as above) */
    CALENDAR_OUTSIDE_HOURS,   /* not inside one business-hours range of its local day */
};

/* Whether [start, end) (UTC) may be booked at instant now under r: *reason receives
 * CALENDAR_BOOKABLE or the first rule broken, in the enum's order. The appointment need not
 * be slot-aligned or last slot_minutes: every offered slot passes, and so does any other time
 * inside the hours (a caller asking for 10:15 when the manager is free then is not refused
 * for being off the grid). Range containment uses the same instants as calendar_slots, so
 * DST days agree. Errors as calendar_slots for rules (*reason untouched). */
app_err calendar_check_bookable(const struct calendar_rules *r, int64_t start, int64_t end,
                                int64_t now, enum calendar_bookable *reason);

/* A sentence for the 409 (or 422) body and the voice assistant, e.g. "Appointments must be
 * booked at least 60 minutes ahead."; written into buf (NUL-terminated, truncated to len). */
void calendar_bookable_message(enum calendar_bookable reason, const struct calendar_rules *r,
                               char *buf, size_t len);

/* ==== iCalendar (calendar_ics.c) ======================================================= */

/* One event to write. Strings are UTF-8 (invalid bytes become U+FFFD, control characters
 * other than line breaks are dropped) and borrowed; NULL or "" leaves a property out. */
struct calendar_ics_event {
    const char *uid;         /* required */
    int64_t stamp;           /* DTSTAMP: when this version was written (UTC) */
    int64_t start, end;      /* UTC, years 0001-9999, end >= start */
    int sequence;            /* SEQUENCE, written when > 0 (raise it on each reschedule) */
    const char *summary;
    const char *location;
    const char *description;
    const char *status;      /* "CONFIRMED", "TENTATIVE", "CANCELLED" or NULL */
    const char *attendee_name;   /* CN of the ATTENDEE */
    const char *attendee_email;  /* mailto: of the ATTENDEE; no ATTENDEE without it */
    const char *organizer_name;
    const char *organizer_email; /* ORGANIZER, written only with an email */
};

/* The feed: one VCALENDAR (METHOD:PUBLISH, X-WR-CALNAME name when given) with a VEVENT per
 * event. Lines end in CRLF and are folded at 75 octets, never inside a UTF-8 sequence; TEXT
 * values are escaped (backslash, semicolon, comma, newline). An email that is not plain
 * printable ASCII with an '@' (no space, quote, comma, semicolon or backslash) leaves its
 * ATTENDEE or ORGANIZER out rather than risk the line. Returns a new NUL-terminated string
 * (free()) with its length in *len (may be NULL), or NULL when an event breaks the rules
 * above (no uid, times out of range, end before start, unknown status). */
char *calendar_ics_feed(const struct calendar_ics_event *events, size_t n, const char *name,
                        size_t *len);
/* One event as the VCALENDAR object a CalDAV PUT stores (RFC 4791 4.1: no METHOD).
 * As calendar_ics_feed otherwise. */
char *calendar_ics_object(const struct calendar_ics_event *ev, size_t *len);

/* Reader bounds: a larger input is refused; events past the cap are not read (the list
 * says so); an unfolded content line longer than the cap is ignored as if absent. */
#define CALENDAR_ICS_MAX_INPUT (8u * 1024 * 1024)
#define CALENDAR_ICS_MAX_EVENTS 5000
#define CALENDAR_ICS_MAX_LINE 4096
#define CALENDAR_ICS_UID_SIZE 256
#define CALENDAR_ICS_MAX_ZONES 16 /* distinct TZIDs per input; more read as zone_unknown */

/* One VEVENT as read. Times are UTC instants. */
struct calendar_ics_vevent {
    char uid[CALENDAR_ICS_UID_SIZE]; /* unescaped, cut at a character boundary; "" if none */
    int64_t start;
    int64_t end;       /* DTEND, else DTSTART + DURATION, else a day (dates) or start */
    bool all_day;      /* DTSTART is a DATE: local midnights of the default zone */
    bool floating;     /* a DATE-TIME without Z or TZID: read in the default zone */
    bool zone_unknown; /* TZID not in tzdata (or past the zone cap): read in the default zone */
    bool transparent;  /* TRANSP:TRANSPARENT (free): does not block */
    bool cancelled;    /* STATUS:CANCELLED: does not block */
    bool recurring;    /* RRULE or RDATE present: NOT expanded, only the first instance is
                        * here; ask the CalDAV server to expand (calendar-query <C:expand>) */
};

struct calendar_ics_list {
    struct calendar_ics_vevent *items;
    size_t n;
    size_t skipped;  /* VEVENTs dropped: no or unreadable DTSTART, bad DTEND/DURATION, end
                      * before start, a date outside 0001-9999 */
    bool truncated;  /* more than CALENDAR_ICS_MAX_EVENTS VEVENTs */
};

/* Reads the VEVENTs of text (len bytes, need not be NUL-terminated; CRLF or LF line ends;
 * folded lines joined; VEVENTs found at any depth, components nested in them such as VALARM
 * ignored; a VEVENT without its END is dropped). DTSTART/DTEND/DURATION as RFC 5545 3.3.5
 * and 3.3.6: "Z" is UTC, TZID=<IANA zone> goes through core/tz.h (a time the clocks skip is
 * moved forward by the gap, an ambiguous one is the first), floating times and DATEs use
 * default_zone; days and weeks of a DURATION are calendar days in the start's zone, hours,
 * minutes and seconds are exact. No recursion; work and memory are linear in len.
 * *out (zeroed by the caller) owns items on success (calendar_ics_list_cleanup).
 * Errors: APP_E_PARAM when text is NULL or len > CALENDAR_ICS_MAX_INPUT; APP_E_INTERNAL when
 * default_zone cannot be loaded. Malformed content is never an error: it is skipped. */
app_err calendar_ics_read(const char *text, size_t len, const char *default_zone,
                          struct calendar_ics_list *out);
/* Releases l's items and zeroes it; accepts a zeroed list. */
void calendar_ics_list_cleanup(struct calendar_ics_list *l);

/* ==== Appointments: types ============================================================== */

/* Bounds of the stored text, in characters (also the schema's CHECKs, in 0007). */
#define CALENDAR_ADDRESS_MAX 300
#define CALENDAR_NAME_MAX 200
#define CALENDAR_EMAIL_MAX 254
#define CALENDAR_PHONE_MAX 40
#define CALENDAR_NOTES_MAX 2000
#define CALENDAR_SUBJECT_MAX 300
#define CALENDAR_LIMIT_DEFAULT 50
#define CALENDAR_LIMIT_MAX 200
#define CALENDAR_DAYS_MAX 365          /* days_ahead of availability and events */
#define CALENDAR_EVENTS_MAX 1000       /* events one GET /calendar/events returns at most */
#define CALENDAR_FEED_DAYS_BACK 90     /* the feed holds appointments from this long ago on */
#define CALENDAR_FEED_MAX 2000         /* ... and at most this many, the earliest first */
#define CALENDAR_SUBJECT_PREFIX "Property Viewing: "

/* One appointment. Strings are owned (NULL = none) and released by calendar_appt_cleanup;
 * times are UTC instants. */
struct calendar_appt {
    int64_t id, user_id;
    int64_t rental_id; /* 0 = none */
    char *property_address;
    int64_t start, end;
    char *attendee_name;
    char *attendee_email;
    char *attendee_phone;
    char *notes;
    char status[16];      /* confirmed | cancelled | completed | no_show */
    char source[16];      /* api | vapi | dashboard */
    char *vapi_call_id;
    char *external_event_id;
    char sync_status[16]; /* none (no provider connected) | pending | synced | failed */
    int sequence;         /* raised on each reschedule or status change (iCalendar SEQUENCE) */
    char created_at[32], updated_at[32]; /* RFC 3339 UTC */
};
/* Frees what a owns and zeroes it; accepts a zeroed struct. */
void calendar_appt_cleanup(struct calendar_appt *a);

struct calendar_appt_list {
    struct calendar_appt *items;
    size_t n;
    /* keyset position of the next page (start, id of the last item); next_id 0: last page */
    int64_t next_start, next_id;
};
void calendar_appt_list_cleanup(struct calendar_appt_list *l);

/* GET /appointments filters (and the feed's read). 0 / NULL: not given. */
struct calendar_filter {
    int64_t from;        /* appointments ending after from ... */
    int64_t to;          /* ... and starting before to */
    const char *status;  /* one of the four, borrowed */
    bool active_only;    /* leave cancelled appointments out */
    const char *vapi_call_id; /* only those booked during this Vapi call, borrowed */
    int64_t after_start, after_id; /* keyset: (start, id) > (after_start, after_id) */
    int limit;           /* 1..CALENDAR_LIMIT_MAX (the feed: CALENDAR_FEED_MAX) */
};

/* A booking as the service takes it, validated for shape (calendar_valid.c); strings
 * borrowed. */
struct calendar_booking {
    int64_t rental_id;            /* 0 = none; must be the tenant's */
    const char *property_address; /* NULL: the rental's address (rental_id required then) */
    int64_t start;
    int64_t end;                  /* 0: start + the tenant's slot_minutes */
    const char *attendee_name;
    const char *attendee_email;   /* NULL = none (as the three below) */
    const char *attendee_phone;
    const char *notes;
    const char *source;           /* "api", "dashboard" or "vapi" */
    const char *vapi_call_id;
};

/* Why a write was refused (APP_E_CONFLICT, and which object APP_E_NOTFOUND means): code is
 * the error body's code, message its sentence. */
struct calendar_refusal {
    const char *code; /* slot_taken, in_past, too_soon, beyond_horizon, outside_business_hours,
                       * not_started, invalid_transition; for APP_E_NOTFOUND: not_found */
    char message[200];
};

/* A mirrored busy row of the connected provider (calendar_busy), as an event. */
struct calendar_mirror {
    char source[16];
    char *external_id;
    int64_t start, end;
    bool transparent;
    char *subject;  /* NULL when the provider gave none */
    char *location;
};
struct calendar_mirror_list {
    struct calendar_mirror *items;
    size_t n;
};
void calendar_mirror_list_cleanup(struct calendar_mirror_list *l);

/* GET /calendar/events: the window's appointments (not cancelled) and mirrored events (not
 * cancelled), each list sorted by start; the JSON writer merges them. */
struct calendar_events {
    struct calendar_appt_list appts;
    struct calendar_mirror_list mirror;
};
void calendar_events_cleanup(struct calendar_events *e);

/* The provider connection as GET /calendar/auth/status shows it; has false when only the
 * built-in calendar is in use. Never holds a secret. */
struct calendar_connection {
    bool has;
    char provider[16];
    char *account_email, *calendar_id, *calendar_name, *calendar_url;
    char status[16];    /* active | error | expired */
    char *last_error;
    int64_t expires_at; /* 0 = unknown */
};
void calendar_connection_cleanup(struct calendar_connection *c);

/* ==== Appointments: validation (calendar_valid.c; pure) ================================ */

/* A time of a request: RFC 3339 with an offset, or a local wall-clock time ("2026-03-03T14:30",
 * seconds optional) read in zone, where a time the clocks skip is refused. date_ok also takes
 * a date "YYYY-MM-DD": the local midnight that starts it (end_of_day: that ends it). false
 * when s is none of these (*out untouched). */
bool calendar_parse_time(const char *s, const char *zone, bool date_ok, bool end_of_day,
                         int64_t *out);

/* Reads a POST /appointments body into *out (strings borrowed from j_body): rental_id,
 * property_address (required unless rental_id), start_time, end_time, attendee_name
 * (required), attendee_email, attendee_phone, notes, source ("api" default, or "dashboard"),
 * status ("confirmed" only). Local times are read in zone. The read-only keys of the
 * Appointment JSON are accepted and ignored; any other key is a rule error. Problems go to
 * v (wrong types 400, rules 422). */
void calendar_booking_from_json(struct vcheck *v, const json_t *j_body, const char *zone,
                                struct calendar_booking *out);
/* The same for POST /calendar/events: subject (required; the property address, less a
 * leading "Property Viewing: ", unless location is given), start_time, end_time, body (the
 * notes), attendee_email, attendee_name (default: the email, else "Guest"), location.
 * Source "dashboard". Unknown keys are rule errors. */
void calendar_event_from_json(struct vcheck *v, const json_t *j_body, const char *zone,
                              struct calendar_booking *out);

/* What a PATCH body said besides the new values. */
struct calendar_patch_info {
    bool rental_changed; /* rental_id names another rental: the service checks it is the
                          * tenant's (and takes its address unless address_given) */
    bool address_given;
};
/* A PATCH /appointments/{id} body applied to a (the stored row, owned strings replaced):
 * fields present change (null clears the optional ones: rental_id, attendee_email,
 * attendee_phone, notes); start_time alone keeps the duration. The read-only keys of the
 * Appointment JSON are accepted and ignored. Problems go to v. */
void calendar_patch_apply(struct vcheck *v, const json_t *j_body, const char *zone,
                          struct calendar_appt *a, struct calendar_patch_info *info);

/* Keyset cursors of GET /appointments: a new string (free()); decode false when s is not
 * one of ours. */
char *calendar_cursor_encode(int64_t start, int64_t id);
bool calendar_cursor_decode(const char *s, int64_t *start, int64_t *id);

/* ==== Appointments and calendar: service (calendar_service.c) ========================= */
/* Each call is one tenant transaction (plus, before it, the tenant's settings and, for a
 * rental_id, the rental through their services). *out starts zeroed and is filled only on
 * APP_OK (the caller then cleans it). Errors: APP_E_NOTFOUND (why->code "not_found",
 * message naming the appointment or the rental; another tenant's is the same),
 * APP_E_VALIDATION (problems in v), APP_E_CONFLICT (why), APP_E_AUTH (the tenant was
 * erased meanwhile), APP_E_UNAVAILABLE, APP_E_DB. */

/* Books in for the tenant at the system clock's now: the rules of the tenant's settings
 * (calendar_check_bookable), then, in one write transaction, no confirmed appointment or
 * blocking busy time within buffer_minutes of it (slot_taken), the insert and the push seam.
 * Concurrent bookings of one slot: exactly one succeeds (PostgreSQL: the exclusion
 * constraint stands behind the check). */
app_err calendar_book(struct app *a, int64_t user, const struct calendar_booking *in,
                      struct vcheck *v, struct calendar_appt *out, struct calendar_refusal *why);
app_err calendar_appt_get(struct app *a, int64_t user, int64_t id, struct calendar_appt *out);
/* Changes appointment id as j_body says (calendar_patch_apply). New times, or a cancelled
 * appointment confirmed again, pass the booking's checks (itself excluded). Status moves:
 * confirmed -> cancelled | completed | no_show, cancelled -> confirmed, completed <-> no_show;
 * completed and no_show only once the start has passed (not_started); only a confirmed
 * appointment moves in time (invalid_transition). */
app_err calendar_appt_patch(struct app *a, int64_t user, int64_t id, const json_t *j_body,
                            const char *zone, struct vcheck *v, struct calendar_appt *out,
                            struct calendar_refusal *why);
/* One page in time order ((start, id) ascending). */
app_err calendar_appt_list(struct app *a, int64_t user, const struct calendar_filter *f,
                           struct calendar_appt_list *out);

/* Free slots for the tenant at the system clock's now (calendar_slots with the tenant's
 * settings, minus confirmed appointments and blocking mirrored busy times); zone receives
 * the tenant's time zone. With the response cache on (a->cache), the settings and busy times
 * read are kept for the rest of the UTC day, stamped with the tenant's calendar and profile
 * counters (core/versions.h): a request then reads one counter row instead, and any
 * committed change to either family is seen by the next request. APP_E_PARAM for a query
 * out of range. */
app_err calendar_availability(struct app *a, int64_t user, const struct calendar_query *q,
                              struct calendar_slot_list *out, char zone[TZ_NAME_MAX]);
/* The events from the start of today (tenant's zone) to days_ahead days after now. */
app_err calendar_events_list(struct app *a, int64_t user, int days_ahead,
                             struct calendar_events *out);

/* A new feed token for the tenant, replacing any other (only its hash is stored): a new
 * string (free()) "<user id>.<43 base64url characters>". */
app_err calendar_feed_rotate(struct app *a, int64_t user, char **token);
/* Removes the tenant's feed token: the feed answers 404 until a new one is made. */
app_err calendar_feed_revoke(struct app *a, int64_t user);
/* Whether token is the current feed token of the tenant it names: *user set on APP_OK;
 * APP_E_NOTFOUND for anything else (malformed, revoked, another tenant's). */
app_err calendar_feed_check(struct app *a, const char *token, int64_t *user);
/* The feed's appointments: from CALENDAR_FEED_DAYS_BACK days ago, at most CALENDAR_FEED_MAX,
 * cancelled ones included (subscribers remove them). */
app_err calendar_feed_appts(struct app *a, int64_t user, struct calendar_appt_list *out);

/* The tenant's provider connection (out->has false without one). */
app_err calendar_connection_get(struct app *a, int64_t user, struct calendar_connection *out);

/* The provider seam. Called by every booking, reschedule and cancel inside its write
 * transaction c, after the appointment row is written; op is "create", "update" or
 * "cancel". Without a provider connection it does nothing (sync_status stays "none"). With
 * one it marks the appointment "pending"; the provider work enqueues its push job here
 * (jobs_enqueue in c, so the appointment and its push commit together). */
app_err calendar_push_enqueue(db_conn *c, int64_t user, int64_t appointment_id, const char *op);

/* ==== External calendars (calendar_oauth.c, calendar_connect.c, calendar_sync.c) ====== */
/* Outlook (Microsoft Graph), Google Calendar and CalDAV. One at a time per tenant: connecting
 * one replaces another. A connected calendar's busy times are mirrored into calendar_busy by
 * the job "calendar_sync" (on connect, every CALENDAR_SYNC_EVERY_S seconds while connected,
 * after each push); every booking, reschedule and cancel enqueues "calendar_push", which
 * writes the appointment to the provider. Functions marked (network) block on a provider:
 * run them on the outbound pool (core/http.h http_defer) or a worker, never on a request
 * thread; the others read or write the database only. */

#define CALENDAR_OAUTH_STATE_TTL 600 /* seconds a consent may take */

/* GET /calendar/auth/start: a consent in flight for the tenant, and the provider's consent
 * page to send the browser to (*url, a new string, free()). provider: "microsoft" or
 * "google". redirect_url (NULL or "": FRONTEND_URL) is where the browser comes back to; it
 * must be an http(s) URL without query of PUBLIC_URL's, FRONTEND_URL's or a CORS_ORIGINS
 * origin. Errors (why filled): APP_E_PARAM (provider), APP_E_VALIDATION (redirect_url),
 * APP_E_UNAVAILABLE (the provider's client id or secret is not configured), else as the
 * database. */
app_err calendar_oauth_begin(struct app *a, int64_t user, const char *provider,
                             const char *redirect_url, char **url, struct calendar_refusal *why);

/* One consent's callback, from its state to the saved connection (opaque). */
struct calendar_oauth_flow;
/* Checks a callback's state (shape, signature, expiry) and consumes its consent: on APP_OK
 * *out is a new flow (calendar_oauth_flow_free) of the tenant the state names. APP_E_AUTH
 * for a state that is malformed, tampered with, expired, already used or never made;
 * APP_E_UNAVAILABLE / APP_E_DB when the database fails. */
app_err calendar_oauth_resume(struct app *a, const char *state,
                              struct calendar_oauth_flow **out);
int64_t calendar_oauth_flow_user(const struct calendar_oauth_flow *f);
/* Frees a flow (wiping its secrets); NULL is fine. void * so it serves as auth_data_free. */
void calendar_oauth_flow_free(void *f);
/* The authorization code of the callback (copied). */
void calendar_oauth_flow_set_code(struct calendar_oauth_flow *f, const char *code);
/* The connection failed before the exchange (the provider's error=): message is shown. */
void calendar_oauth_flow_set_error(struct calendar_oauth_flow *f, const char *message);
/* (network) Exchanges the code (PKCE verifier, client secret) for tokens and reads the
 * account's email and calendar. Failures are kept in the flow for calendar_oauth_finish. */
void calendar_oauth_perform(void *f);
/* Saves the connection the flow obtained (replacing any other provider's, clearing the
 * mirror, enqueuing its first sync) and returns where the browser goes: "{redirect_url or
 * FRONTEND_URL}/users?auth=success", or "...?auth=error&message=<percent-encoded>" (a new
 * string, free()). */
char *calendar_oauth_finish(struct calendar_oauth_flow *f);
/* "{base or FRONTEND_URL}/users?auth=success", or with error "?auth=error&message=..."
 * (a new string, free()). */
char *calendar_oauth_return_url(const struct app *a, const char *base, const char *error);

/* DELETE /calendar/auth/disconnect: removes the tenant's connection (when provider is not
 * NULL, only a connection of that provider) and every mirrored busy time. *had says whether
 * there was one to remove. Appointments keep their external event ids. */
app_err calendar_disconnect(struct app *a, int64_t user, const char *provider, bool *had);

/* POST /calendar/caldav/connect, across threads (opaque). */
struct calendar_caldav_connect;
/* Reads {url, username, password} (problems into v: a missing or wrong-typed field, a URL
 * that is not http(s), lengths) into *out (calendar_caldav_connect_free). */
app_err calendar_caldav_prepare(struct app *a, int64_t user, const json_t *j_body,
                                struct vcheck *v, struct calendar_caldav_connect **out);
void calendar_caldav_connect_free(struct calendar_caldav_connect *cc);
/* (network) PROPFIND Depth 0 of the URL through the address guard, with the credentials. */
void calendar_caldav_perform(void *cc);
/* Saves a verified connection (as calendar_oauth_finish does). APP_OK; APP_E_VALIDATION
 * with *message (static or cc's, borrowed) for a refusal the user can fix (wrong username or
 * password, not a calendar, an address not allowed, unreachable); else the database's. */
app_err calendar_caldav_finish(struct calendar_caldav_connect *cc, const char **message);

/* The live re-check of a booking's time against the provider (calendar_sync.c). A booking
 * of a tenant with a connection asks the provider itself, with a short deadline, whether
 * anything new blocks the window the mirror does not know yet:
 *   calendar_live_prepare(a, user, start, end, except, &h)   request thread: reads the
 *       connection and the tenant's buffer; APP_E_NOTFOUND when no calendar is connected
 *       (book without a check); *h (calendar_live_free) otherwise;
 *   calendar_live_perform(h)   (network) on the outbound pool: the provider's events of
 *       [start - buffer, end + buffer), at most CALENDAR_LIVE_TIMEOUT_MS;
 *   calendar_live_busy(h)      afterwards: the verdict.
 * Events that are the tenant's own appointments (their external_event_id; except's too),
 * marked free, or cancelled do not block. The voice assistant uses the same three calls. */
struct calendar_live;
enum calendar_live_verdict {
    CALENDAR_LIVE_FREE = 0, /* the provider has nothing blocking the window */
    CALENDAR_LIVE_BUSY,     /* the provider has a blocking event there: refuse (slot_taken) */
    CALENDAR_LIVE_UNKNOWN   /* no answer in time, or an error: the mirror's word stands */
};
app_err calendar_live_prepare(struct app *a, int64_t user, int64_t start, int64_t end,
                              int64_t except_appointment, struct calendar_live **out);
void calendar_live_perform(void *h);
enum calendar_live_verdict calendar_live_busy(const struct calendar_live *h);
void calendar_live_free(struct calendar_live *h);

/* The job kinds (src/kinds.c). calendar_sync: payload {} ; refreshes the mirror of the
 * connected calendar (from CALENDAR_SYNC_DAYS_BACK before now to the booking horizon + 1 day,
 * at most CALENDAR_SYNC_DAYS_MAX), records the outcome on the connection (status,
 * last_error, busy_synced_at), re-enqueues pushes left pending, and schedules the next
 * refresh; without a connection it ends and schedules nothing. calendar_push: payload
 * {"appointment_id", "op"}: writes the appointment's current state to the provider (create,
 * update, delete), stores external_event_id and sync_status synced, or failed after the last
 * attempt; then asks for a sync. */
jobs_outcome calendar_sync_run(struct jobs_run *run);
jobs_outcome calendar_push_run(struct jobs_run *run);

/* ==== JSON (calendar_json.c) =========================================================== */

/* The Appointment JSON object. */
void calendar_write_appt(struct jsonw *w, const struct calendar_appt *a);
/* An appointment as a GET /calendar/events event. */
void calendar_write_appt_event(struct jsonw *w, const struct calendar_appt *a);
/* {"status":"success","events":[...]}: both lists merged by start. */
void calendar_write_events(struct jsonw *w, const struct calendar_events *e);
/* {"status":"success","timezone":zone,"available_slots":[...]}. */
void calendar_write_slots(struct jsonw *w, const char *zone,
                          const struct calendar_slot_list *l);
/* GET /calendar/auth/status for the tenant (user id and email as resolved). */
void calendar_write_auth_status(struct jsonw *w, int64_t user, const char *email,
                                const struct calendar_connection *c);
/* The iCalendar feed of l (new string, free(); length in *len), or NULL when it cannot be
 * written. uid_host names the server in UIDs ("<id>@<uid_host>"). */
char *calendar_feed_text(const struct calendar_appt_list *l, const char *uid_host, size_t *len);

/* ==== Handlers (calendar_http.c) ======================================================= */

int calendar_http_appts_list(http_req *r);
int calendar_http_appts_create(http_req *r);
int calendar_http_appt_get(http_req *r);
int calendar_http_appt_patch(http_req *r);
int calendar_http_availability(http_req *r);
int calendar_http_events_list(http_req *r);
int calendar_http_events_create(http_req *r);
int calendar_http_auth_status(http_req *r);
int calendar_http_google_auth_status(http_req *r);
int calendar_http_auth_start(http_req *r);
int calendar_http_google_auth_start(http_req *r);
int calendar_http_auth_callback(http_req *r);
int calendar_http_auth_disconnect(http_req *r);
int calendar_http_google_auth_disconnect(http_req *r);
int calendar_http_caldav_connect(http_req *r);
/* The OAuth callbacks' authenticator (HTTP_AUTH_OAUTH): the state query parameter must be a
 * consent in flight (calendar_oauth_resume, which consumes it); r->tenant.id is then its
 * tenant and r->auth_data the flow. A request that also carries a valid token or session of
 * another tenant is refused. A refusal sends the browser to FRONTEND_URL/users?auth=error. */
bool calendar_http_oauth_authenticate(http_req *r);
int calendar_http_feed(http_req *r);
int calendar_http_feed_rotate(http_req *r);
int calendar_http_feed_revoke(http_req *r);
/* The feed authenticator (HTTP_AUTH_FEED): the token query parameter must be a tenant's
 * current feed token; r->tenant.id is then that tenant. Anything else is answered 404 (a
 * feed URL is a secret address: nothing says whether a tenant or feed exists). */
bool calendar_http_feed_authenticate(http_req *r);

#endif
