/* SPDX-License-Identifier: MIT */
/* Calendar and appointments (SPEC §4 calendar_connections and appointments, §5 Calendar and
 * appointments). For now this header holds the pure parts, which need no database, no
 * network and no clock (the caller passes "now"):
 *   calendar_slots.c   free slots in the tenant's zone and the bookability check;
 *   calendar_ics.c     iCalendar (RFC 5545): a writer for the feed and CalDAV PUT, and a
 *                      bounded reader for CalDAV REPORT results (untrusted input).
 * The service, store and handlers join this folder later, each in its own section. */
#ifndef PETE_CALENDAR_CALENDAR_H
#define PETE_CALENDAR_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/tz.h"
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

#endif
