/* SPDX-License-Identifier: MIT */
/* The calendar's handlers: /appointments and /calendar/... (availability, events, the
 * connection status, the iCalendar feed and its token), and the feed token authenticator.
 * Each parses, calls one service function and replies. A non-numeric, missing and another
 * tenant's appointment id all get the same 404 body; so do a missing and another tenant's
 * rental_id. Local times in requests are read in the tenant's time zone. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "core/log.h"
#include "core/mem.h"

#define NOT_FOUND_MSG "Appointment not found."
#define FEED_NOT_FOUND_MSG "Calendar feed not found."
#define JSON_CT "application/json; charset=utf-8"

/* ---- shared ----------------------------------------------------------------------------- */

/* The zone local times of the request are read in: the tenant's, else the settings' default. */
static const char *tenant_zone(const http_req *r, struct user_settings *dflt)
{
    if (r->tenant.zone[0])
        return r->tenant.zone;
    users_settings_defaults(dflt);
    return dflt->timezone;
}

static int reply_param(http_req *r, const char *name, const char *what)
{
    char msg[192];
    snprintf(msg, sizeof msg, "Query parameter '%s' must be %s.", name, what);
    return http_reply_error(r, 400, "invalid_parameter", msg);
}

/* s as a whole number in lo..hi. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || isspace((unsigned char)*s) || *s == '+' || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Optional integer query parameter name into *out (left alone when absent); false after
 * answering 400. */
static bool query_int(http_req *r, const char *name, long lo, long hi, long *out)
{
    char what[64];
    const char *s = http_query(r, name);
    if (!s || parse_int(s, lo, hi, out))
        return true;
    snprintf(what, sizeof what, "a whole number from %ld to %ld", lo, hi);
    reply_param(r, name, what);
    return false;
}

static int reply_writer(http_req *r, unsigned status, struct jsonw *w)
{
    size_t len = 0;
    char *body = jsonw_take(w, &len);
    return http_reply_text_owned(r, status, JSON_CT, body, len);
}

static int reply_appt(http_req *r, unsigned status, const struct calendar_appt *a)
{
    struct jsonw w = {0};
    calendar_write_appt(&w, a);
    return reply_writer(r, status, &w);
}

/* Answers a failed booking or change. */
static int reply_refusal(http_req *r, app_err e, const struct calendar_refusal *why,
                         struct vcheck *v)
{
    if (e == APP_E_VALIDATION && http_reply_vcheck(r, v))
        return 0;
    if (e == APP_E_CONFLICT && why->code)
        return http_reply_error(r, 409, why->code, why->message);
    if (e == APP_E_NOTFOUND)
        return http_reply_error(r, 404, "not_found", why->code ? why->message : NOT_FOUND_MSG);
    return http_reply_err(r, e, NULL);
}

/* ---- /appointments ---------------------------------------------------------------------- */

/* Reads the GET /appointments parameters into f; false after answering 400. */
static bool parse_filter_or_reply(http_req *r, struct calendar_filter *f)
{
    struct user_settings dflt;
    const char *zone = tenant_zone(r, &dflt), *s;
    long limit = CALENDAR_LIMIT_DEFAULT;
    memset(f, 0, sizeof *f);
    if ((s = http_query(r, "from")) && *s && !calendar_parse_time(s, zone, true, false, &f->from))
        return reply_param(r, "from", "an RFC 3339 date-time or a date (YYYY-MM-DD)"), false;
    if ((s = http_query(r, "to")) && *s && !calendar_parse_time(s, zone, true, true, &f->to))
        return reply_param(r, "to", "an RFC 3339 date-time or a date (YYYY-MM-DD)"), false;
    if ((s = http_query(r, "status")) && *s) {
        if (strcmp(s, "confirmed") && strcmp(s, "cancelled") && strcmp(s, "completed") &&
            strcmp(s, "no_show"))
            return reply_param(r, "status", "confirmed, cancelled, completed or no_show"), false;
        f->status = s;
    }
    if (!query_int(r, "limit", 1, CALENDAR_LIMIT_MAX, &limit))
        return false;
    f->limit = (int)limit;
    if ((s = http_query(r, "cursor")) && *s &&
        !calendar_cursor_decode(s, &f->after_start, &f->after_id)) {
        http_reply_error(r, 400, "invalid_cursor", "The cursor is not valid; start again "
                                                   "without one.");
        return false;
    }
    return true;
}

int calendar_http_appts_list(http_req *r)
{
    struct calendar_filter f;
    struct calendar_appt_list l = {0};
    struct jsonw w = {0};
    if (!parse_filter_or_reply(r, &f))
        return 0;
    app_err e = calendar_appt_list(r->app, r->tenant.id, &f, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    jsonw_reserve(&w, 64 + l.n * 640);
    JSONW_LIT(&w, "{\"appointments\":[");
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            JSONW_LIT(&w, ",");
        calendar_write_appt(&w, &l.items[i]);
    }
    JSONW_LIT(&w, "],\"next_cursor\":");
    char *cursor = l.next_id > 0 ? calendar_cursor_encode(l.next_start, l.next_id) : NULL;
    jsonw_str(&w, cursor);
    JSONW_LIT(&w, "}");
    free(cursor);
    calendar_appt_list_cleanup(&l);
    return reply_writer(r, 200, &w);
}

/* Books b (already read into v) and replies: the appointment, or as an event. */
static int book_and_reply(http_req *r, const struct calendar_booking *b, struct vcheck *v,
                          bool as_event)
{
    struct calendar_appt a = {0};
    struct calendar_refusal why;
    struct jsonw w = {0};
    app_err e = calendar_book(r->app, r->tenant.id, b, v, &a, &why);
    if (e != APP_OK)
        return reply_refusal(r, e, &why, v);
    if (as_event) {
        JSONW_LIT(&w, "{\"status\":\"success\",\"event\":");
        calendar_write_appt_event(&w, &a);
        JSONW_LIT(&w, "}");
    } else {
        calendar_write_appt(&w, &a);
    }
    calendar_appt_cleanup(&a);
    return reply_writer(r, 201, &w);
}

/* ---- the live re-check before a write ----------------------------------------------------
 * A tenant with a connected calendar has the booking's window checked against the provider
 * itself (calendar_live_*) before the write: the request's connection waits on the
 * outbound pool, not on a server thread; the write then runs as without a calendar. A
 * provider that does not answer in time leaves the mirror's word standing. */

enum pending_kind { PENDING_APPOINTMENT, PENDING_EVENT, PENDING_PATCH };

struct pending {
    enum pending_kind kind;
    json_t *j_body;             /* owned: b borrows its strings */
    struct calendar_booking b;
    struct vcheck v;
    int64_t id;                 /* PENDING_PATCH: the appointment */
    char zone[TZ_NAME_MAX];
    struct calendar_live *live;
};

static struct pending *pending_new(http_req *r, enum pending_kind kind, json_t *j_body)
{
    struct user_settings dflt;
    struct pending *p = mem_zalloc(1, sizeof *p);
    p->kind = kind;
    p->j_body = j_body;
    vcheck_init(&p->v);
    snprintf(p->zone, sizeof p->zone, "%s", tenant_zone(r, &dflt));
    return p;
}

static void pending_free(struct pending *p)
{
    calendar_live_free(p->live);
    vcheck_cleanup(&p->v);
    json_decref(p->j_body);
    free(p);
}

static int patch_and_reply(http_req *r, struct pending *p)
{
    struct calendar_appt a = {0};
    struct calendar_refusal why;
    app_err e = calendar_appt_patch(r->app, r->tenant.id, p->id, p->j_body, p->zone, &p->v, &a,
                                    &why);
    if (e != APP_OK)
        reply_refusal(r, e, &why, &p->v);
    else
        reply_appt(r, 200, &a);
    calendar_appt_cleanup(&a);
    return 0;
}

/* The write itself, on a server thread; p is freed. */
static int pending_write(http_req *r, void *arg)
{
    struct pending *p = arg;
    if (calendar_live_busy(p->live) == CALENDAR_LIVE_BUSY)
        http_reply_error(r, 409, "slot_taken", "That time is taken in the connected calendar; "
                                               "choose another time.");
    else if (p->kind == PENDING_PATCH)
        patch_and_reply(r, p);
    else
        book_and_reply(r, &p->b, &p->v, p->kind == PENDING_EVENT);
    pending_free(p);
    return 0;
}

static void pending_check(void *arg)
{
    struct pending *p = arg;
    calendar_live_perform(p->live);
}

/* Checks [start, end) live when the tenant has a calendar (end 0: the slot length), then
 * writes; without one, writes at once. p is the callee's. */
static int write_checked(http_req *r, struct pending *p, int64_t start, int64_t end)
{
    app_err e = calendar_live_prepare(r->app, r->tenant.id, start, end, p->id, &p->live);
    if (e == APP_E_NOTFOUND)
        return pending_write(r, p);
    if (e != APP_OK) {
        pending_free(p);
        return http_reply_err(r, e, NULL);
    }
    http_defer(r, pending_check, pending_write, p);
    if (r->resp) /* turned away at once (the pool is full) */
        pending_free(p);
    return 0;
}

int calendar_http_appts_create(http_req *r)
{
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    struct pending *p = pending_new(r, PENDING_APPOINTMENT, j_body);
    calendar_booking_from_json(&p->v, j_body, p->zone, &p->b);
    if (http_reply_vcheck(r, &p->v)) {
        pending_free(p);
        return 0;
    }
    return write_checked(r, p, p->b.start, p->b.end);
}

int calendar_http_appt_get(http_req *r)
{
    struct calendar_appt a = {0};
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    app_err e = calendar_appt_get(r->app, r->tenant.id, id, &a);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    reply_appt(r, 200, &a);
    calendar_appt_cleanup(&a);
    return 0;
}

/* The window a PATCH would move appointment id to, when it moves it or confirms it again
 * (a live check is then due): false when it does neither or cannot (the patch itself then
 * answers). */
static bool patch_window(http_req *r, struct pending *p, int64_t *start, int64_t *end)
{
    struct calendar_appt a = {0};
    struct calendar_patch_info info;
    struct vcheck v;
    if (calendar_appt_get(r->app, r->tenant.id, p->id, &a) != APP_OK)
        return false;
    int64_t s0 = a.start, e0 = a.end;
    char was[16];
    snprintf(was, sizeof was, "%s", a.status);
    vcheck_init(&v);
    calendar_patch_apply(&v, p->j_body, p->zone, &a, &info);
    bool due = vcheck_ok(&v) && !strcmp(a.status, "confirmed") &&
               (a.start != s0 || a.end != e0 || strcmp(was, "confirmed") != 0);
    *start = a.start;
    *end = a.end;
    vcheck_cleanup(&v);
    calendar_appt_cleanup(&a);
    return due;
}

int calendar_http_appt_patch(http_req *r)
{
    int64_t id = http_var_id(r, 0), start = 0, end = 0;
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    struct pending *p = pending_new(r, PENDING_PATCH, j_body);
    p->id = id;
    if (!patch_window(r, p, &start, &end))
        return pending_write(r, p);
    return write_checked(r, p, start, end);
}

/* ---- /calendar: availability and events ------------------------------------------------- */

int calendar_http_availability(http_req *r)
{
    struct calendar_query q = {.days_ahead = 7, .start_hour = -1, .end_hour = -1};
    struct calendar_slot_list l = {0};
    struct jsonw w = {0};
    char zone[TZ_NAME_MAX];
    long days = q.days_ahead, sh = -1, eh = -1;
    if (!query_int(r, "days_ahead", 1, CALENDAR_DAYS_MAX, &days) ||
        !query_int(r, "start_hour", 0, 23, &sh) || !query_int(r, "end_hour", 1, 24, &eh))
        return 0;
    if (sh >= 0 && eh >= 0 && sh >= eh)
        return reply_param(r, "end_hour", "later than start_hour");
    q.days_ahead = (int)days;
    q.start_hour = (int)sh;
    q.end_hour = (int)eh;
    app_err e = calendar_availability(r->app, r->tenant.id, &q, &l, zone);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    calendar_write_slots(&w, zone, &l);
    calendar_slot_list_cleanup(&l);
    return reply_writer(r, 200, &w);
}

int calendar_http_events_list(http_req *r)
{
    struct calendar_events ev = {0};
    struct jsonw w = {0};
    long days = 14;
    if (!query_int(r, "days_ahead", 1, CALENDAR_DAYS_MAX, &days))
        return 0;
    app_err e = calendar_events_list(r->app, r->tenant.id, (int)days, &ev);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    calendar_write_events(&w, &ev);
    calendar_events_cleanup(&ev);
    return reply_writer(r, 200, &w);
}

/* POST /calendar/events: the web client sends its fields as query parameters with an empty
 * body (and a JSON content type); a JSON body may carry them instead, and wins per field. */
int calendar_http_events_create(http_req *r)
{
    static const char *const names[] = {"subject", "start_time", "end_time", "body",
                                        "attendee_email", "attendee_name", "location", NULL};
    json_t *j_in = json_object();
    for (const char *const *n = names; *n; n++) {
        const char *s = http_query(r, *n);
        if (s && *s)
            json_object_set_new(j_in, *n, json_string(s));
    }
    if (r->body && r->body_len > 0) {
        json_t *j_body = http_body_object_or_reply(r);
        if (!j_body) {
            json_decref(j_in);
            return 0;
        }
        json_object_update(j_in, j_body);
        json_decref(j_body);
    }
    struct pending *p = pending_new(r, PENDING_EVENT, j_in);
    calendar_event_from_json(&p->v, j_in, p->zone, &p->b);
    if (http_reply_vcheck(r, &p->v)) {
        pending_free(p);
        return 0;
    }
    return write_checked(r, p, p->b.start, p->b.end);
}

int calendar_http_auth_status(http_req *r)
{
    struct calendar_connection c = {0};
    struct jsonw w = {0};
    app_err e = calendar_connection_get(r->app, r->tenant.id, &c);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    calendar_write_auth_status(&w, r->tenant.id, r->tenant.email, &c);
    calendar_connection_cleanup(&c);
    return reply_writer(r, 200, &w);
}

/* ---- the feed --------------------------------------------------------------------------- */

bool calendar_http_feed_authenticate(http_req *r)
{
    const char *token = http_query(r, "token");
    int64_t user = 0;
    app_err e = token ? calendar_feed_check(r->app, token, &user) : APP_E_NOTFOUND;
    if (e == APP_OK) {
        r->tenant.id = user;
        return true;
    }
    if (e == APP_E_NOTFOUND) {
        LOG_I("Security - calendar feed token refused: %s", token ? "unknown" : "missing");
        http_reply_error(r, 404, "not_found", FEED_NOT_FOUND_MSG);
    } else {
        http_reply_err(r, e, NULL);
    }
    return false;
}

/* The host of PUBLIC_URL (no port) into buf: the UIDs' domain. */
static void public_host(const http_req *r, char *buf, size_t len)
{
    const char *u = r->app->cfg && r->app->cfg->public_url ? r->app->cfg->public_url : "";
    const char *p = strstr(u, "://");
    p = p ? p + 3 : u;
    size_t n = strcspn(p, "/?#");
    if (*p != '[') { /* an IPv6 literal keeps its brackets and colons */
        const char *colon = memchr(p, ':', n);
        if (colon)
            n = (size_t)(colon - p);
    }
    snprintf(buf, len, "%.*s", (int)(n ? n : 9), n ? p : "localhost");
}

int calendar_http_feed(http_req *r)
{
    struct calendar_appt_list l = {0};
    char host[256];
    size_t len = 0;
    app_err e = calendar_feed_appts(r->app, r->tenant.id, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    public_host(r, host, sizeof host);
    char *text = calendar_feed_text(&l, host, &len);
    calendar_appt_list_cleanup(&l);
    if (!text)
        return http_reply_err(r, APP_E_INTERNAL, NULL);
    http_reply_text_owned(r, 200, "text/calendar; charset=utf-8", text, len);
    http_add_header(r, "Cache-Control", "private, no-cache");
    return 0;
}

int calendar_http_feed_rotate(http_req *r)
{
    char *token = NULL;
    struct jsonw w = {0};
    app_err e = calendar_feed_rotate(r->app, r->tenant.id, &token);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    const char *base = r->app->cfg && r->app->cfg->public_url ? r->app->cfg->public_url : "";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    size_t n = blen + strlen(token) + 64;
    char *url = mem_alloc(n);
    snprintf(url, n, "%.*s/calendar/feed.ics?token=%s", (int)blen, base, token);
    JSONW_LIT(&w, "{\"status\":\"success\"");
    jsonw_key(&w, "token");
    jsonw_str(&w, token);
    jsonw_key(&w, "feed_url");
    jsonw_str(&w, url);
    JSONW_LIT(&w, "}");
    free(url);
    free(token);
    reply_writer(r, 201, &w);
    http_add_header(r, "Cache-Control", "no-store");
    return 0;
}

int calendar_http_feed_revoke(http_req *r)
{
    return http_reply_done(r, calendar_feed_revoke(r->app, r->tenant.id), NULL);
}
