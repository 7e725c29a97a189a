/* SPDX-License-Identifier: MIT */
/* The calendar's responses as the SPEC's JSON (core/jsonw.h: text straight into one buffer):
 * appointments, GET /calendar/events events (built-in appointments and mirrored provider
 * events merged by start; the fields the web client reads without a null check, location,
 * web_link and is_online_meeting, are never null), availability slots and the connection
 * status; and the iCalendar feed through the ICS writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar.h"
#include "core/mem.h"

/* ---- appointments ----------------------------------------------------------------------- */

static void key_time(struct jsonw *w, const char *key, int64_t t)
{
    char buf[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(t, buf, sizeof buf);
    jsonw_key(w, key);
    jsonw_str(w, buf);
}

static void key_str(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_str(w, s);
}

void calendar_write_appt(struct jsonw *w, const struct calendar_appt *a)
{
    JSONW_LIT(w, "{");
    jsonw_key(w, "id");
    jsonw_int(w, a->id);
    jsonw_key(w, "user_id");
    jsonw_int(w, a->user_id);
    jsonw_key(w, "rental_id");
    if (a->rental_id > 0)
        jsonw_int(w, a->rental_id);
    else
        jsonw_null(w);
    key_str(w, "property_address", a->property_address);
    key_time(w, "start_time", a->start);
    key_time(w, "end_time", a->end);
    key_str(w, "attendee_name", a->attendee_name);
    key_str(w, "attendee_email", a->attendee_email);
    key_str(w, "attendee_phone", a->attendee_phone);
    key_str(w, "notes", a->notes);
    key_str(w, "status", a->status);
    key_str(w, "source", a->source);
    key_str(w, "vapi_call_id", a->vapi_call_id);
    key_str(w, "external_event_id", a->external_event_id);
    key_str(w, "sync_status", a->sync_status);
    key_str(w, "created_at", a->created_at);
    key_str(w, "updated_at", a->updated_at);
    JSONW_LIT(w, "}");
}

/* ---- events ----------------------------------------------------------------------------- */

/* The event text of an appointment: its notes, then the attendee's phone. New string. */
static char *appt_body(const struct calendar_appt *a)
{
    const char *notes = a->notes ? a->notes : "";
    const char *phone = a->attendee_phone;
    size_t n = strlen(notes) + (phone ? strlen(phone) + 16 : 0) + 1;
    char *s = mem_alloc(n);
    snprintf(s, n, "%s%s%s%s", notes, phone && *notes ? "\n" : "", phone ? "Phone: " : "",
             phone ? phone : "");
    return s;
}

void calendar_write_appt_event(struct jsonw *w, const struct calendar_appt *a)
{
    char id[40];
    const char *addr = a->property_address ? a->property_address : "";
    size_t sn = strlen(CALENDAR_SUBJECT_PREFIX) + strlen(addr) + 1;
    char *subject = mem_alloc(sn), *body = appt_body(a);
    snprintf(subject, sn, "%s%s", CALENDAR_SUBJECT_PREFIX, addr);
    snprintf(id, sizeof id, "appointment-%lld", (long long)a->id);
    JSONW_LIT(w, "{");
    key_str(w, "id", id);
    jsonw_key(w, "appointment_id");
    jsonw_int(w, a->id);
    key_str(w, "subject", subject);
    key_time(w, "start_time", a->start);
    key_time(w, "end_time", a->end);
    key_str(w, "location", addr);
    JSONW_LIT(w, ",\"attendees\":[{");
    key_str(w, "name", a->attendee_name ? a->attendee_name : "");
    key_str(w, "email", a->attendee_email ? a->attendee_email : "");
    key_str(w, "status", "accepted");
    JSONW_LIT(w, "}],\"is_online_meeting\":false,\"web_link\":\"\"");
    key_str(w, "body", body);
    key_str(w, "source", "builtin");
    key_str(w, "status", a->status);
    JSONW_LIT(w, "}");
    free(subject);
    free(body);
}

/* A mirrored provider event. */
static void write_mirror_event(struct jsonw *w, const struct calendar_mirror *m)
{
    size_t n = strlen(m->source) + strlen(m->external_id ? m->external_id : "") + 2;
    char *id = mem_alloc(n);
    snprintf(id, n, "%s:%s", m->source, m->external_id ? m->external_id : "");
    JSONW_LIT(w, "{");
    key_str(w, "id", id);
    JSONW_LIT(w, ",\"appointment_id\":null");
    key_str(w, "subject", m->subject ? m->subject : (m->transparent ? "Free" : "Busy"));
    key_time(w, "start_time", m->start);
    key_time(w, "end_time", m->end);
    key_str(w, "location", m->location ? m->location : "");
    JSONW_LIT(w, ",\"attendees\":[],\"is_online_meeting\":false,\"web_link\":\"\",\"body\":\"\"");
    key_str(w, "source", m->source);
    key_str(w, "status", m->transparent ? "free" : "busy");
    JSONW_LIT(w, "}");
    free(id);
}

void calendar_write_events(struct jsonw *w, const struct calendar_events *e)
{
    size_t i = 0, j = 0;
    jsonw_reserve(w, 64 + (e->appts.n + e->mirror.n) * 512);
    JSONW_LIT(w, "{\"status\":\"success\",\"events\":[");
    while (i < e->appts.n || j < e->mirror.n) {
        if (i + j > 0)
            JSONW_LIT(w, ",");
        if (j == e->mirror.n ||
            (i < e->appts.n && e->appts.items[i].start <= e->mirror.items[j].start))
            calendar_write_appt_event(w, &e->appts.items[i++]);
        else
            write_mirror_event(w, &e->mirror.items[j++]);
    }
    JSONW_LIT(w, "]}");
}

/* ---- slots and status ------------------------------------------------------------------- */

void calendar_write_slots(struct jsonw *w, const char *zone, const struct calendar_slot_list *l)
{
    jsonw_reserve(w, 96 + l->n * 160);
    JSONW_LIT(w, "{\"status\":\"success\"");
    key_str(w, "timezone", zone);
    JSONW_LIT(w, ",\"available_slots\":[");
    for (size_t i = 0; i < l->n; i++) {
        const struct calendar_slot *s = &l->items[i];
        if (i)
            JSONW_LIT(w, ",");
        JSONW_LIT(w, "{");
        key_time(w, "start_time", s->start);
        key_time(w, "end_time", s->end);
        jsonw_key(w, "duration_minutes");
        jsonw_int(w, s->duration_minutes);
        key_str(w, "formatted_time", s->formatted_time);
        key_str(w, "day", s->day);
        JSONW_LIT(w, "}");
    }
    JSONW_LIT(w, "]}");
}

void calendar_write_auth_status(struct jsonw *w, int64_t user, const char *email,
                                const struct calendar_connection *c)
{
    /* authorized: connected and usable (a sync that failed for a moment does not end that;
     * refused credentials do); verified: the last sync or check went through */
    bool active = c->has && !strcmp(c->status, "active");
    bool usable = c->has && strcmp(c->status, "expired") != 0;
    bool fresh = usable && (c->expires_at == 0 || c->expires_at > (int64_t)time(NULL));
    char when[CIVIL_WHEN_SIZE + 8];
    JSONW_LIT(w, "{");
    jsonw_key(w, "user_id");
    jsonw_int(w, user);
    key_str(w, "user_email", email && *email ? email : NULL);
    jsonw_key(w, "authorized");
    jsonw_bool(w, usable);
    key_str(w, "provider", c->has ? c->provider : NULL);
    key_str(w, "calendar_email", c->account_email);
    key_str(w, "calendar_name", c->calendar_name);
    key_str(w, "calendar_id", c->calendar_id);
    key_str(w, "calendar_link", c->calendar_url);
    jsonw_key(w, "calendar_verified");
    jsonw_bool(w, active);
    key_str(w, "calendar_error", c->last_error);
    jsonw_key(w, "token_valid");
    jsonw_bool(w, fresh);
    if (c->has && c->expires_at) {
        key_time(w, "expires_at", c->expires_at);
        civil_format_when(c->expires_at, when, CIVIL_WHEN_SIZE);
        strcat(when, " UTC");
        key_str(w, "expires_at_formatted", when);
    } else {
        JSONW_LIT(w, ",\"expires_at\":null,\"expires_at_formatted\":null");
    }
    JSONW_LIT(w, "}");
}

/* ---- the iCalendar feed ----------------------------------------------------------------- */

char *calendar_feed_text(const struct calendar_appt_list *l, const char *uid_host, size_t *len)
{
    struct calendar_ics_event *ev = mem_zalloc(l->n ? l->n : 1, sizeof *ev);
    char **strings = mem_zalloc(l->n ? l->n * 3 : 1, sizeof *strings);
    for (size_t i = 0; i < l->n; i++) {
        const struct calendar_appt *a = &l->items[i];
        const char *addr = a->property_address ? a->property_address : "";
        size_t un = strlen(uid_host) + 32, sn = strlen(CALENDAR_SUBJECT_PREFIX) + strlen(addr) + 1;
        char *uid = strings[3 * i] = mem_alloc(un);
        char *summary = strings[3 * i + 1] = mem_alloc(sn);
        snprintf(uid, un, "appointment-%lld@%s", (long long)a->id, uid_host);
        snprintf(summary, sn, "%s%s", CALENDAR_SUBJECT_PREFIX, addr);
        strings[3 * i + 2] = appt_body(a);
        int64_t stamp = 0;
        bool zoned = false;
        if (!civil_parse_rfc3339(a->updated_at, &stamp, &zoned))
            stamp = (int64_t)time(NULL);
        ev[i] = (struct calendar_ics_event){
            .uid = uid, .stamp = stamp, .start = a->start, .end = a->end,
            .sequence = a->sequence, .summary = summary, .location = addr,
            .description = strings[3 * i + 2],
            .status = strcmp(a->status, "cancelled") ? "CONFIRMED" : "CANCELLED",
            .attendee_name = a->attendee_name, .attendee_email = a->attendee_email};
    }
    char *text = calendar_ics_feed(ev, l->n, "PeteRental viewings", len);
    for (size_t i = 0; i < l->n * 3; i++)
        free(strings[i]);
    free(strings);
    free(ev);
    return text;
}
