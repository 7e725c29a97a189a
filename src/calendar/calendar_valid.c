/* SPDX-License-Identifier: MIT */
/* Request input of the calendar, without a database: times as clients send them (RFC 3339,
 * a local wall-clock time read in the tenant's zone, or a date), the bodies of POST
 * /appointments, POST /calendar/events and PATCH /appointments/{id}, and the keyset cursors
 * of GET /appointments. Wrong JSON types are 400s, broken rules 422s (core/valid.h): all
 * problems of one body are reported together. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "core/cursor.h"
#include "core/mem.h"
#include "core/text.h"

#define DAY 86400
#define TIME_MSG "must be an RFC 3339 date-time such as 2026-03-02T15:30:00Z"

/* ---- times ------------------------------------------------------------------------------ */

bool calendar_parse_time(const char *s, const char *zone, bool date_ok, bool end_of_day,
                         int64_t *out)
{
    char buf[40];
    int64_t t = 0, days = 0;
    bool zoned = false;
    size_t n = s ? strnlen(s, sizeof buf) : sizeof buf;
    if (n >= sizeof buf)
        return false;
    if (date_ok && n == 10 && civil_parse_date(s, &days)) {
        t = (days + (end_of_day ? 1 : 0)) * DAY; /* local midnight */
    } else {
        memcpy(buf, s, n + 1);
        if (n == 16) /* "2026-03-03T14:30": the seconds are optional for local times */
            memcpy(buf + 16, ":00", 4);
        if (!civil_parse_rfc3339(buf, &t, &zoned))
            return false;
        if (zoned) {
            *out = t;
            return true;
        }
    }
    struct tz_zone *z = tz_load(zone);
    enum tz_local_kind kind = TZ_LOCAL_UNIQUE;
    int64_t utc = z ? tz_to_utc(z, t, &kind) : 0;
    tz_free(z);
    /* a wall-clock time the clocks skip names no instant; a date's midnight that is skipped
     * starts the day at the first instant there is */
    if (!z || (kind == TZ_LOCAL_GAP && n != 10))
        return false;
    *out = utc;
    return true;
}

/* ---- fields ----------------------------------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* Control characters: none in a one-line field; tab and line breaks in a text. */
static bool clean(const char *s, bool multiline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 || *p == 0x7f) && !(multiline && (*p == '\n' || *p == '\r' || *p == '\t')))
            return false;
    return true;
}

/* A text field: true with *out when present and valid. "" is "not given" when blank_none
 * (optional fields), else a rule error as a missing required field is. */
static bool get_text(struct vcheck *v, const json_t *j, const char *key, size_t max,
                     bool multiline, bool blank_none, const char **out)
{
    const char *s = NULL;
    char msg[96];
    if (!vget_str(v, j, key, &s) || (blank_none && !*s))
        return false;
    if (!*s) {
        vcheck_fail(v, key, "must not be empty");
    } else if (utf8_chars(s) > max) {
        snprintf(msg, sizeof msg, "must be at most %zu characters", max);
        vcheck_fail(v, key, msg);
    } else if (!clean(s, multiline)) {
        vcheck_fail(v, key, multiline ? "must not contain control characters other than "
                                        "line breaks and tabs"
                                      : "must be one line without control characters");
    } else {
        *out = s;
        return true;
    }
    return false;
}

static bool phone_ok(const char *s)
{
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr("+-(). ", *p))
            return false;
    }
    return digits >= 3;
}

/* attendee_email and attendee_phone (optional). */
static void get_contact(struct vcheck *v, const json_t *j, const char *email_key,
                        const char **email, const char **phone)
{
    const char *s = NULL;
    if (get_text(v, j, email_key, CALENDAR_EMAIL_MAX, false, true, &s)) {
        if (users_email_plausible(s))
            *email = s;
        else
            vcheck_fail(v, email_key, "must be an email address");
    }
    if (phone && get_text(v, j, "attendee_phone", CALENDAR_PHONE_MAX, false, true, &s)) {
        if (phone_ok(s))
            *phone = s;
        else
            vcheck_fail(v, "attendee_phone", "must be a phone number (digits, spaces, + - ( ) .)");
    }
}

/* A time field read in zone: true with *out when present and valid. */
static bool get_time(struct vcheck *v, const json_t *j, const char *key, const char *zone,
                     int64_t *out)
{
    const char *s = NULL;
    if (!vget_str(v, j, key, &s))
        return false;
    if (calendar_parse_time(s, zone, false, false, out))
        return true;
    vcheck_fail(v, key, TIME_MSG " (a time without an offset is read in your time zone and "
                        "must exist there)");
    return false;
}

/* end after start, within a day; the problem is the end's (or the start's: field). */
static void check_span(struct vcheck *v, int64_t start, int64_t end, const char *field)
{
    if (end <= start)
        vcheck_fail(v, field, "must be after start_time");
    else if (end - start > DAY)
        vcheck_fail(v, field, "must be at most 24 hours after start_time");
}

/* Not given at all, or null. */
static bool absent(const json_t *j, const char *key)
{
    const json_t *j_val = json_object_get(j, key);
    return !j_val || json_is_null(j_val);
}

static bool listed(const char *key, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(key, *names) == 0)
            return true;
    return false;
}

/* Every key of j must be in known or ignored. */
static void only_keys(struct vcheck *v, const json_t *j, const char *const *known,
                      const char *const *ignored)
{
    const char *key;
    const json_t *j_val;
    json_object_foreach((json_t *)j, key, j_val)
    {
        if (!listed(key, known) && !(ignored && listed(key, ignored)))
            vcheck_fail(v, key, "is not a field of this request");
    }
}

/* Keys of the Appointment JSON that only the server writes: a client may send them back. */
static const char *const READ_ONLY[] = {"id", "user_id", "vapi_call_id", "external_event_id",
                                        "sync_status", "created_at", "updated_at", NULL};

static bool is_status(const char *s)
{
    return !strcmp(s, "confirmed") || !strcmp(s, "cancelled") || !strcmp(s, "completed") ||
           !strcmp(s, "no_show");
}

/* ---- POST /appointments ---------------------------------------------------------------- */

void calendar_booking_from_json(struct vcheck *v, const json_t *j_body, const char *zone,
                                struct calendar_booking *out)
{
    static const char *const known[] = {"rental_id", "property_address", "start_time",
                                        "end_time", "attendee_name", "attendee_email",
                                        "attendee_phone", "notes", "source", "status", NULL};
    const char *s = NULL;
    memset(out, 0, sizeof *out);
    out->source = "api";
    only_keys(v, j_body, known, READ_ONLY);
    if (vget_int(v, j_body, "rental_id", &out->rental_id) && out->rental_id <= 0)
        vcheck_fail(v, "rental_id", "must be a positive integer (a rental's id)");
    get_text(v, j_body, "property_address", CALENDAR_ADDRESS_MAX, false, false,
             &out->property_address);
    if (!out->property_address && !out->rental_id && absent(j_body, "property_address"))
        vcheck_fail(v, "property_address", "is required (or give rental_id)");
    bool has_start = get_time(v, j_body, "start_time", zone, &out->start);
    if (!has_start && absent(j_body, "start_time"))
        vcheck_fail(v, "start_time", "is required");
    if (get_time(v, j_body, "end_time", zone, &out->end) && has_start)
        check_span(v, out->start, out->end, "end_time");
    if (!get_text(v, j_body, "attendee_name", CALENDAR_NAME_MAX, false, false,
                  &out->attendee_name) &&
        absent(j_body, "attendee_name"))
        vcheck_fail(v, "attendee_name", "is required");
    get_contact(v, j_body, "attendee_email", &out->attendee_email, &out->attendee_phone);
    get_text(v, j_body, "notes", CALENDAR_NOTES_MAX, true, true, &out->notes);
    if (vget_str(v, j_body, "source", &s)) {
        if (!strcmp(s, "api") || !strcmp(s, "dashboard"))
            out->source = s;
        else
            vcheck_fail(v, "source", "must be api or dashboard (vapi bookings come from the "
                                     "voice assistant)");
    }
    if (vget_str(v, j_body, "status", &s) && strcmp(s, "confirmed") != 0)
        vcheck_fail(v, "status", "a new appointment is confirmed; cancel it with PATCH");
}

/* ---- POST /calendar/events -------------------------------------------------------------- */

void calendar_event_from_json(struct vcheck *v, const json_t *j_body, const char *zone,
                              struct calendar_booking *out)
{
    static const char *const known[] = {"subject", "start_time", "end_time", "body",
                                        "attendee_email", "attendee_name", "location", NULL};
    const char *subject = NULL, *location = NULL;
    memset(out, 0, sizeof *out);
    out->source = "dashboard";
    only_keys(v, j_body, known, NULL);
    if (!get_text(v, j_body, "subject", CALENDAR_SUBJECT_MAX, false, false, &subject) &&
        absent(j_body, "subject"))
        vcheck_fail(v, "subject", "is required");
    get_text(v, j_body, "location", CALENDAR_ADDRESS_MAX, false, true, &location);
    size_t plen = strlen(CALENDAR_SUBJECT_PREFIX);
    if (location)
        out->property_address = location;
    else if (subject && strncmp(subject, CALENDAR_SUBJECT_PREFIX, plen) == 0 && subject[plen])
        out->property_address = subject + plen;
    else
        out->property_address = subject;
    bool has_start = get_time(v, j_body, "start_time", zone, &out->start);
    if (!has_start && absent(j_body, "start_time"))
        vcheck_fail(v, "start_time", "is required");
    if (get_time(v, j_body, "end_time", zone, &out->end) && has_start)
        check_span(v, out->start, out->end, "end_time");
    get_contact(v, j_body, "attendee_email", &out->attendee_email, NULL);
    get_text(v, j_body, "attendee_name", CALENDAR_NAME_MAX, false, true, &out->attendee_name);
    if (!out->attendee_name) /* an email too long for a name is not one */
        out->attendee_name = out->attendee_email &&
                                     utf8_chars(out->attendee_email) <= CALENDAR_NAME_MAX
                                 ? out->attendee_email
                                 : "Guest";
    get_text(v, j_body, "body", CALENDAR_NOTES_MAX, true, true, &out->notes);
}

/* ---- PATCH /appointments/{id} ----------------------------------------------------------- */

/* Replaces the owned string *dst with a copy of src (NULL clears). */
static void set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? mem_strdup(src) : NULL;
}

/* An optional text the body may set or clear (null or ""). */
static void patch_optional(struct vcheck *v, const json_t *j, const char *key, size_t max,
                           bool multiline, char **dst)
{
    const json_t *j_val = json_object_get(j, key);
    const char *s = NULL;
    if (!j_val)
        return;
    if (json_is_null(j_val) || (json_is_string(j_val) && !*json_string_value(j_val)))
        set_str(dst, NULL);
    else if (get_text(v, j, key, max, multiline, true, &s))
        set_str(dst, s);
}

static void patch_times(struct vcheck *v, const json_t *j, const char *zone,
                        struct calendar_appt *a)
{
    int64_t start = a->start, end = a->end;
    bool has_start = false, has_end = false;
    if (json_object_get(j, "start_time")) {
        has_start = get_time(v, j, "start_time", zone, &start);
        if (!has_start && vhas_null(j, "start_time"))
            vcheck_fail(v, "start_time", "cannot be null");
    }
    if (json_object_get(j, "end_time")) {
        has_end = get_time(v, j, "end_time", zone, &end);
        if (!has_end && vhas_null(j, "end_time"))
            vcheck_fail(v, "end_time", "cannot be null");
    }
    if (has_start && !has_end)
        end = start + (a->end - a->start); /* moved, same length */
    if (has_start || has_end) {
        check_span(v, start, end, "end_time");
        a->start = start;
        a->end = end;
    }
}

void calendar_patch_apply(struct vcheck *v, const json_t *j_body, const char *zone,
                          struct calendar_appt *a, struct calendar_patch_info *info)
{
    static const char *const known[] = {"rental_id", "property_address", "start_time",
                                        "end_time", "attendee_name", "attendee_email",
                                        "attendee_phone", "notes", "status", NULL};
    static const char *const ignored[] = {"id", "user_id", "vapi_call_id", "external_event_id",
                                          "sync_status", "created_at", "updated_at", "source",
                                          NULL};
    const char *s = NULL, *email = NULL, *phone = NULL;
    int64_t rid = 0;
    memset(info, 0, sizeof *info);
    only_keys(v, j_body, known, ignored);
    if (vhas_null(j_body, "rental_id")) {
        a->rental_id = 0;
    } else if (vget_int(v, j_body, "rental_id", &rid)) {
        if (rid <= 0)
            vcheck_fail(v, "rental_id", "must be a positive integer (a rental's id) or null");
        else if (rid != a->rental_id) {
            info->rental_changed = true;
            a->rental_id = rid;
        }
    }
    if (get_text(v, j_body, "property_address", CALENDAR_ADDRESS_MAX, false, false, &s)) {
        set_str(&a->property_address, s);
        info->address_given = true;
    } else if (vhas_null(j_body, "property_address")) {
        vcheck_fail(v, "property_address", "cannot be null");
    }
    if (get_text(v, j_body, "attendee_name", CALENDAR_NAME_MAX, false, false, &s))
        set_str(&a->attendee_name, s);
    else if (vhas_null(j_body, "attendee_name"))
        vcheck_fail(v, "attendee_name", "cannot be null");
    get_contact(v, j_body, "attendee_email", &email, &phone);
    if (email || vhas_null(j_body, "attendee_email") ||
        (json_is_string(json_object_get(j_body, "attendee_email")) &&
         !*json_string_value(json_object_get(j_body, "attendee_email"))))
        set_str(&a->attendee_email, email);
    if (phone || vhas_null(j_body, "attendee_phone") ||
        (json_is_string(json_object_get(j_body, "attendee_phone")) &&
         !*json_string_value(json_object_get(j_body, "attendee_phone"))))
        set_str(&a->attendee_phone, phone);
    patch_optional(v, j_body, "notes", CALENDAR_NOTES_MAX, true, &a->notes);
    patch_times(v, j_body, zone, a);
    if (vget_str(v, j_body, "status", &s)) {
        if (is_status(s))
            snprintf(a->status, sizeof a->status, "%s", s);
        else
            vcheck_fail(v, "status", "must be confirmed, cancelled, completed or no_show");
    } else if (vhas_null(j_body, "status")) {
        vcheck_fail(v, "status", "cannot be null");
    }
}

/* ---- cursors ---------------------------------------------------------------------------- */

#define CURSOR_TAG "a1" /* core/cursor.h */

char *calendar_cursor_encode(int64_t start, int64_t id)
{
    int64_t v[2] = {start, id};
    return cursor_encode(CURSOR_TAG, v, 2);
}

bool calendar_cursor_decode(const char *s, int64_t *start, int64_t *id)
{
    int64_t v[2];
    if (!cursor_decode(CURSOR_TAG, s, v, 2))
        return false;
    *start = v[0];
    *id = v[1];
    return true;
}
