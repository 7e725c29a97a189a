/* SPDX-License-Identifier: MIT */
/* Calendar rules: each operation is one tenant transaction, preceded by the tenant's
 * settings (users service) and, for a rental_id, the rental (rentals service), both read
 * before the transaction opens so a request never holds two pooled connections. A writer
 * takes the tenant's calendar counter first (versions_bump): writers of one tenant queue
 * there, so the overlap check and the write that follows it see every committed booking
 * (SQLite's write transaction serialises anyway; PostgreSQL's exclusion constraint stands
 * behind the check). "Now" is the system clock, read once per operation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar_store.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/respcache.h"
#include "core/versions.h"
#include "rentals/rentals.h"

#define DAY 86400
#define FEED_SECRET_BYTES 32
#define FEED_SECRET_CHARS 43 /* base64url of 32 bytes */

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---- the calendar's one call into rentals ----------------------------------------------- */

/* The address of the tenant's rental rental_id into *address (new string, free()):
 * APP_E_NOTFOUND when it is missing or another tenant's. Through the rentals service, which
 * opens its own transaction: call it before the calendar's. */
static app_err rental_address(struct app *a, int64_t user, int64_t rental_id, char **address)
{
    struct rental r;
    rentals_init(&r);
    app_err rc = rentals_get(a, user, rental_id, &r);
    if (rc == APP_OK)
        *address = mem_strdup(r.address ? r.address : "");
    rentals_cleanup(&r);
    return rc;
}

/* ---- helpers ---------------------------------------------------------------------------- */

void calendar_appt_cleanup(struct calendar_appt *a)
{
    free(a->property_address);
    free(a->attendee_name);
    free(a->attendee_email);
    free(a->attendee_phone);
    free(a->notes);
    free(a->vapi_call_id);
    free(a->external_event_id);
    memset(a, 0, sizeof *a);
}

void calendar_appt_list_cleanup(struct calendar_appt_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        calendar_appt_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void calendar_mirror_list_cleanup(struct calendar_mirror_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].external_id);
        free(l->items[i].subject);
        free(l->items[i].location);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void calendar_events_cleanup(struct calendar_events *e)
{
    calendar_appt_list_cleanup(&e->appts);
    calendar_mirror_list_cleanup(&e->mirror);
}

void calendar_connection_cleanup(struct calendar_connection *c)
{
    free(c->account_email);
    free(c->calendar_id);
    free(c->calendar_name);
    free(c->calendar_url);
    free(c->last_error);
    memset(c, 0, sizeof *c);
}

static char *dup_or_null(const char *s)
{
    return s ? mem_strdup(s) : NULL;
}

static app_err refuse(struct calendar_refusal *why, app_err e, const char *code, const char *msg)
{
    why->code = code;
    snprintf(why->message, sizeof why->message, "%s", msg);
    return e;
}

/* The tenant's settings and the booking rules over them (r borrows s). */
static app_err load_rules(struct app *a, int64_t user, struct user_settings *s,
                          struct calendar_rules *r)
{
    app_err rc = users_settings_get(a, user, s);
    if (rc == APP_OK)
        calendar_rules_from_settings(s, r);
    return rc;
}

/* A read transaction of one statement (PostgreSQL commits in its round trip). */
static app_err begin_read(struct app *a, int64_t user, bool one_statement, db_conn **out)
{
    app_err rc = db_tx_begin(a->db, user, false, out);
    if (rc == APP_OK && one_statement)
        db_last_statement(*out);
    return rc;
}

/* A write transaction holding the tenant's calendar counter. No counter: the tenant was
 * erased (through another instance, whose token cache has not caught up): 401. */
static app_err begin_write(struct app *a, int64_t user, db_conn **out)
{
    app_err rc = calendar_store_begin_write(a->db, user, out);
    return rc == APP_E_NOTFOUND ? APP_E_AUTH : rc;
}

/* The rules for [start, end) now: APP_OK, APP_E_VALIDATION (v) or APP_E_CONFLICT (why). */
static app_err check_rules(const struct calendar_rules *r, int64_t start, int64_t end,
                           struct vcheck *v, struct calendar_refusal *why)
{
    static const char *const codes[] = {
        [CALENDAR_IN_PAST] = "in_past",
        [CALENDAR_TOO_SOON] = "too_soon",
        [CALENDAR_BEYOND_HORIZON] = "beyond_horizon",
        [CALENDAR_OUTSIDE_HOURS] = "outside_business_hours",
    };
    enum calendar_bookable reason = CALENDAR_BOOKABLE;
    char msg[200];
    app_err rc = calendar_check_bookable(r, start, end, now_s(), &reason);
    if (rc != APP_OK || reason == CALENDAR_BOOKABLE)
        return rc;
    calendar_bookable_message(reason, r, msg, sizeof msg);
    if (reason == CALENDAR_BAD_TIMES) {
        vcheck_fail(v, "end_time", msg);
        return APP_E_VALIDATION;
    }
    return refuse(why, APP_E_CONFLICT, codes[reason], msg);
}

/* No confirmed appointment (but except) or blocking busy time within the buffer. */
static app_err check_free(db_conn *c, int64_t user, const struct calendar_rules *r,
                          int64_t start, int64_t end, int64_t except,
                          struct calendar_refusal *why)
{
    int64_t pad = (int64_t)r->buffer_minutes * 60;
    bool taken = false;
    app_err rc = calendar_store_taken(c, user, start - pad, end + pad, except, &taken);
    if (rc == APP_OK && taken)
        rc = refuse(why, APP_E_CONFLICT, "slot_taken",
                    "That time is already booked; choose another time.");
    return rc;
}

/* ---- the provider seam ------------------------------------------------------------------ */

/* calendar_push_enqueue, also saying what sync_status became ("" when untouched). */
static app_err push(db_conn *c, int64_t user, int64_t id, const char *op, char sync[16])
{
    struct calendar_connection conn;
    sync[0] = '\0';
    if (!op || (strcmp(op, "create") && strcmp(op, "update") && strcmp(op, "cancel"))) {
        LOG_E("calendar push: unknown operation");
        return APP_E_PARAM;
    }
    app_err rc = calendar_store_connection(c, user, &conn);
    if (rc != APP_OK || !conn.has)
        return rc;
    /* the push job commits with the appointment (calendar_sync.c) */
    rc = calendar_push_job(c, user, id, op);
    if (rc == APP_OK)
        rc = calendar_store_set_sync(c, user, id, "pending");
    if (rc == APP_OK)
        snprintf(sync, 16, "pending");
    calendar_connection_cleanup(&conn);
    return rc;
}

app_err calendar_push_enqueue(db_conn *c, int64_t user, int64_t appointment_id, const char *op)
{
    char sync[16];
    return push(c, user, appointment_id, op, sync);
}

/* ---- booking ---------------------------------------------------------------------------- */

/* The row to insert for in under r; its strings are owned (calendar_appt_cleanup). address
 * (owned, may be NULL) is the rental's, taken over. */
static void booking_row(const struct calendar_booking *in, const struct calendar_rules *r,
                        char *address, struct calendar_appt *row)
{
    memset(row, 0, sizeof *row);
    row->rental_id = in->rental_id;
    row->property_address = in->property_address ? mem_strdup(in->property_address) : address;
    if (in->property_address)
        free(address);
    row->start = in->start;
    row->end = in->end ? in->end : in->start + (int64_t)r->slot_minutes * 60;
    row->attendee_name = dup_or_null(in->attendee_name);
    row->attendee_email = dup_or_null(in->attendee_email);
    row->attendee_phone = dup_or_null(in->attendee_phone);
    row->notes = dup_or_null(in->notes);
    row->vapi_call_id = dup_or_null(in->vapi_call_id);
    snprintf(row->status, sizeof row->status, "confirmed");
    snprintf(row->source, sizeof row->source, "%s", in->source ? in->source : "api");
    snprintf(row->sync_status, sizeof row->sync_status, "none");
}

/* The transaction of a booking: the slot is free, the row goes in, the push seam runs. */
static app_err book_tx(struct app *a, int64_t user, const struct calendar_rules *r,
                       const struct calendar_appt *row, struct calendar_appt *out,
                       struct calendar_refusal *why)
{
    db_conn *c = NULL;
    char sync[16];
    app_err rc = begin_write(a, user, &c);
    if (rc != APP_OK)
        return rc;
    rc = check_free(c, user, r, row->start, row->end, 0, why);
    if (rc == APP_OK) {
        rc = calendar_store_insert(c, user, row, out);
        if (rc == APP_E_CONFLICT) /* the exclusion constraint */
            refuse(why, rc, "slot_taken", "That time is already booked; choose another time.");
        else if (rc == APP_E_NOTFOUND)
            refuse(why, rc, "not_found", "Rental not found.");
    }
    if (rc == APP_OK && (rc = push(c, user, out->id, "create", sync)) == APP_OK && sync[0])
        snprintf(out->sync_status, sizeof out->sync_status, "%s", sync);
    rc = db_tx_end(c, rc);
    if (rc != APP_OK)
        calendar_appt_cleanup(out);
    return rc;
}

app_err calendar_book(struct app *a, int64_t user, const struct calendar_booking *in,
                      struct vcheck *v, struct calendar_appt *out, struct calendar_refusal *why)
{
    struct user_settings s;
    struct calendar_rules r;
    struct calendar_appt row = {0};
    char *address = NULL;
    memset(why, 0, sizeof *why);
    app_err rc = load_rules(a, user, &s, &r);
    if (rc == APP_OK && in->rental_id > 0) {
        rc = rental_address(a, user, in->rental_id, &address);
        if (rc == APP_E_NOTFOUND)
            refuse(why, rc, "not_found", "Rental not found.");
    }
    if (rc != APP_OK)
        return rc;
    booking_row(in, &r, address, &row);
    rc = check_rules(&r, row.start, row.end, v, why);
    if (rc == APP_OK)
        rc = book_tx(a, user, &r, &row, out, why);
    calendar_appt_cleanup(&row);
    return rc;
}

app_err calendar_appt_get(struct app *a, int64_t user, int64_t id, struct calendar_appt *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read(a, user, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, calendar_store_get(c, user, id, out));
    if (rc != APP_OK)
        calendar_appt_cleanup(out);
    return rc;
}

app_err calendar_appt_list(struct app *a, int64_t user, const struct calendar_filter *f,
                           struct calendar_appt_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read(a, user, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, calendar_store_list(c, user, f, out));
    if (rc != APP_OK)
        calendar_appt_list_cleanup(out);
    return rc;
}

/* ---- changes ---------------------------------------------------------------------------- */

/* Whether status may move from `from` to `to` (the same is always allowed). */
static bool move_allowed(const char *from, const char *to)
{
    if (!strcmp(from, to))
        return true;
    if (!strcmp(from, "confirmed"))
        return true;
    if (!strcmp(from, "cancelled"))
        return !strcmp(to, "confirmed");
    return !strcmp(to, "completed") || !strcmp(to, "no_show"); /* corrections */
}

/* The rental a PATCH body names (an integral rental_id > 0), else 0: it is looked up before
 * the transaction. */
static int64_t body_rental_id(const json_t *j_body)
{
    const json_t *j = json_object_get(j_body, "rental_id");
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    if (json_is_real(j) && json_real_value(j) >= 1 && json_real_value(j) < 9e15 &&
        json_real_value(j) == (double)(int64_t)json_real_value(j))
        return (int64_t)json_real_value(j);
    return 0;
}

/* What the patched row old -> cur asks of the checks, and the push operation (NULL: none).
 * APP_E_CONFLICT (why) for a move the rules forbid. */
static app_err judge_change(const struct calendar_appt *old, struct calendar_appt *cur,
                            bool *check, const char **op, struct calendar_refusal *why)
{
    bool moved = cur->start != old->start || cur->end != old->end;
    bool restated = strcmp(cur->status, old->status) != 0;
    char msg[200];
    if (!move_allowed(old->status, cur->status)) {
        snprintf(msg, sizeof msg, "An appointment that is %s cannot become %s.", old->status,
                 cur->status);
        return refuse(why, APP_E_CONFLICT, "invalid_transition", msg);
    }
    if (moved && strcmp(cur->status, "confirmed") != 0)
        return refuse(why, APP_E_CONFLICT, "invalid_transition",
                      "Only a confirmed appointment can be rescheduled.");
    if (restated && (!strcmp(cur->status, "completed") || !strcmp(cur->status, "no_show")) &&
        cur->start > now_s())
        return refuse(why, APP_E_CONFLICT, "not_started",
                      "An appointment can be marked completed or no_show once it has started.");
    *check = !strcmp(cur->status, "confirmed") && (moved || restated);
    if (moved || restated)
        cur->sequence = old->sequence + 1;
    if (restated && !strcmp(cur->status, "cancelled"))
        *op = "cancel";
    else if (restated && !strcmp(cur->status, "confirmed"))
        *op = "create";
    else if (!strcmp(cur->status, "confirmed"))
        *op = "update";
    else
        *op = NULL;
    return APP_OK;
}

/* The patch inside the write transaction c. address: the body's rental's (owned here). */
static app_err patch_tx(db_conn *c, int64_t user, int64_t id, const json_t *j_body,
                        const char *zone, const struct calendar_rules *r, char *address,
                        struct vcheck *v, struct calendar_appt *out, struct calendar_refusal *why)
{
    struct calendar_appt cur = {0}, old = {0};
    struct calendar_patch_info info;
    const char *op = NULL;
    bool check = false;
    char sync[16];
    app_err rc = calendar_store_get(c, user, id, &cur);
    if (rc == APP_E_NOTFOUND)
        refuse(why, rc, "not_found", "Appointment not found.");
    if (rc != APP_OK)
        goto out;
    old = (struct calendar_appt){.start = cur.start, .end = cur.end, .sequence = cur.sequence};
    snprintf(old.status, sizeof old.status, "%s", cur.status);
    calendar_patch_apply(v, j_body, zone, &cur, &info);
    if (!vcheck_ok(v)) {
        rc = APP_E_VALIDATION;
        goto out;
    }
    if (info.rental_changed && !info.address_given && address) {
        free(cur.property_address);
        cur.property_address = address;
        address = NULL;
    }
    rc = judge_change(&old, &cur, &check, &op, why);
    if (rc == APP_OK && check && (rc = check_rules(r, cur.start, cur.end, v, why)) == APP_OK)
        rc = check_free(c, user, r, cur.start, cur.end, cur.id, why);
    if (rc == APP_OK) {
        rc = calendar_store_update(c, user, &cur, out);
        if (rc == APP_E_CONFLICT)
            refuse(why, rc, "slot_taken", "That time is already booked; choose another time.");
        else if (rc == APP_E_NOTFOUND)
            refuse(why, rc, "not_found", "Rental not found.");
    }
    if (rc == APP_OK && op && (rc = push(c, user, id, op, sync)) == APP_OK && sync[0])
        snprintf(out->sync_status, sizeof out->sync_status, "%s", sync);
out:
    free(address);
    calendar_appt_cleanup(&cur);
    return rc;
}

app_err calendar_appt_patch(struct app *a, int64_t user, int64_t id, const json_t *j_body,
                            const char *zone, struct vcheck *v, struct calendar_appt *out,
                            struct calendar_refusal *why)
{
    struct user_settings s;
    struct calendar_rules r;
    char *address = NULL;
    db_conn *c = NULL;
    memset(why, 0, sizeof *why);
    app_err rc = load_rules(a, user, &s, &r);
    int64_t rental = body_rental_id(j_body);
    if (rc == APP_OK && rental > 0) {
        rc = rental_address(a, user, rental, &address);
        if (rc == APP_E_NOTFOUND)
            refuse(why, rc, "not_found", "Rental not found.");
    }
    if (rc == APP_OK)
        rc = begin_write(a, user, &c);
    if (rc != APP_OK) {
        free(address);
        return rc;
    }
    rc = db_tx_end(c, patch_tx(c, user, id, j_body, zone, &r, address, v, out, why));
    if (rc != APP_OK)
        calendar_appt_cleanup(out);
    return rc;
}

/* ---- availability and events ------------------------------------------------------------ */

/* What availability reads from the database: the rules' values and the busy intervals of a
 * window of whole UTC days wide enough for any query during the day it was read (from the
 * day before today to horizon + 3 days after today's start). The response cache keeps it as
 * this head followed by n intervals, stamped with the tenant's calendar and profile counters:
 * a hit costs one statement instead of the settings and the busy times, and the slots are
 * still computed for the moment of each request. */
struct avail_head {
    char zone[TZ_NAME_MAX];
    struct users_day hours[7];
    int slot, buffer, notice, horizon;
    int64_t from, to;
    size_t n;
};

struct avail_inputs {
    struct avail_head h;
    struct calendar_busy *busy; /* owned */
};

#define AVAIL_KEY "availability inputs"

/* The stamp of the tenant's calendar and profile counters (32 bits each), or -1 when caching
 * is off or they cannot be read. */
static int64_t avail_version(struct app *a, int64_t user)
{
    static const char *const families[] = {VERSIONS_CALENDAR, VERSIONS_PROFILE};
    int64_t v[2];
    db_conn *c = NULL;
    if (!a->cache || begin_read(a, user, true, &c) != APP_OK)
        return -1;
    if (db_tx_end(c, versions_read(c, user, families, 2, v)) != APP_OK)
        return -1;
    return (int64_t)(((uint64_t)v[0] << 32) | ((uint64_t)v[1] & 0xffffffffu)) & INT64_MAX;
}

static bool avail_window_ok(const struct avail_head *h, int64_t now, int days)
{
    return h->from <= now - DAY && h->to >= now + (int64_t)(days + 2) * DAY;
}

/* The cached inputs for version when they cover a query of days at now. */
static bool avail_cached(struct app *a, int64_t user, int64_t version, int64_t now, int days,
                         struct avail_inputs *in)
{
    size_t len = 0;
    char *body = respcache_get(a->cache, user, AVAIL_KEY, version, &len, NULL, 0);
    bool ok = body && len >= sizeof in->h;
    if (ok) {
        memcpy(&in->h, body, sizeof in->h);
        ok = in->h.n <= (len - sizeof in->h) / sizeof *in->busy &&
             len == sizeof in->h + in->h.n * sizeof *in->busy &&
             avail_window_ok(&in->h, now, days < in->h.horizon ? days : in->h.horizon);
    }
    if (ok) {
        in->busy = mem_zalloc(in->h.n ? in->h.n : 1, sizeof *in->busy);
        memcpy(in->busy, body + sizeof in->h, in->h.n * sizeof *in->busy);
    }
    free(body);
    return ok;
}

static void avail_keep(struct app *a, int64_t user, int64_t version, const struct avail_inputs *in)
{
    size_t len = sizeof in->h + in->h.n * sizeof *in->busy;
    char *body = mem_alloc(len);
    memcpy(body, &in->h, sizeof in->h);
    memcpy(body + sizeof in->h, in->busy, in->h.n * sizeof *in->busy);
    respcache_put(a->cache, user, AVAIL_KEY, version, NULL, body, len);
    free(body);
}

static int busy_cmp(const void *pa, const void *pb)
{
    const struct calendar_busy *x = pa, *y = pb;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts and merges the intervals (each request's calendar_slots then sorts fewer, already in
 * order); empty ones go. */
static void avail_merge(struct avail_inputs *in)
{
    size_t m = 0;
    qsort(in->busy, in->h.n, sizeof *in->busy, busy_cmp);
    for (size_t i = 0; i < in->h.n; i++) {
        struct calendar_busy b = in->busy[i];
        if (b.end <= b.start)
            continue;
        if (m > 0 && b.start <= in->busy[m - 1].end) {
            if (b.end > in->busy[m - 1].end)
                in->busy[m - 1].end = b.end;
        } else {
            in->busy[m++] = b;
        }
    }
    in->h.n = m;
}

/* Reads the inputs for the day of now: the settings, then the busy times of the window. */
static app_err avail_read(struct app *a, int64_t user, int64_t now, struct avail_inputs *in)
{
    struct user_settings s;
    db_conn *c = NULL;
    app_err rc = users_settings_get(a, user, &s);
    if (rc != APP_OK)
        return rc;
    memset(&in->h, 0, sizeof in->h);
    snprintf(in->h.zone, sizeof in->h.zone, "%s", s.timezone);
    memcpy(in->h.hours, s.hours, sizeof in->h.hours);
    in->h.slot = s.slot_minutes;
    in->h.buffer = s.buffer_minutes;
    in->h.notice = s.min_notice_minutes;
    in->h.horizon = s.booking_horizon_days;
    int64_t day0 = civil_day_of(now) * DAY;
    in->h.from = day0 - DAY;
    in->h.to = day0 + (int64_t)(in->h.horizon + 3) * DAY;
    if ((rc = begin_read(a, user, true, &c)) != APP_OK)
        return rc;
    rc = db_tx_end(c, calendar_store_busy(c, user, in->h.from, in->h.to, &in->busy, &in->h.n));
    if (rc == APP_OK)
        avail_merge(in);
    return rc;
}

app_err calendar_availability(struct app *a, int64_t user, const struct calendar_query *q,
                              struct calendar_slot_list *out, char zone[TZ_NAME_MAX])
{
    struct avail_inputs in = {0};
    struct calendar_query at = *q;
    at.now = now_s();
    int64_t version = avail_version(a, user);
    app_err rc = APP_OK;
    if (version < 0 || !avail_cached(a, user, version, at.now, q->days_ahead, &in)) {
        rc = avail_read(a, user, at.now, &in);
        if (rc == APP_OK && version >= 0)
            avail_keep(a, user, version, &in);
    }
    if (rc == APP_OK) {
        struct calendar_rules r = {.timezone = in.h.zone,
                                   .slot_minutes = in.h.slot,
                                   .buffer_minutes = in.h.buffer,
                                   .min_notice_minutes = in.h.notice,
                                   .booking_horizon_days = in.h.horizon};
        memcpy(r.hours, in.h.hours, sizeof r.hours);
        rc = calendar_slots(&r, &at, in.busy, in.h.n, out);
        snprintf(zone, TZ_NAME_MAX, "%s", in.h.zone);
    }
    free(in.busy);
    return rc;
}

/* The instant today began in zone (now's local date at 00:00). */
static int64_t start_of_today(const char *zone, int64_t now)
{
    struct tz_zone *z = tz_load(zone);
    if (!z)
        return now - now % DAY;
    int64_t t = tz_to_utc(z, civil_day_of(tz_local(z, now)) * DAY, NULL);
    tz_free(z);
    return t;
}

app_err calendar_events_list(struct app *a, int64_t user, int days_ahead,
                             struct calendar_events *out)
{
    struct user_settings s;
    db_conn *c = NULL;
    int64_t now = now_s();
    app_err rc = users_settings_get(a, user, &s);
    if (rc == APP_OK)
        rc = begin_read(a, user, false, &c);
    if (rc != APP_OK)
        return rc;
    struct calendar_filter f = {.from = start_of_today(s.timezone, now),
                                .to = now + (int64_t)days_ahead * DAY,
                                .active_only = true,
                                .limit = CALENDAR_EVENTS_MAX};
    rc = calendar_store_list(c, user, &f, &out->appts);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = calendar_store_mirror(c, user, f.from, f.to, CALENDAR_EVENTS_MAX, &out->mirror);
    }
    rc = db_tx_end(c, rc);
    if (rc != APP_OK)
        calendar_events_cleanup(out);
    return rc;
}

/* ---- the feed --------------------------------------------------------------------------- */

app_err calendar_feed_rotate(struct app *a, int64_t user, char **token)
{
    char hash[65], prefix[24];
    db_conn *c = NULL;
    char *secret = crypto_random_token(FEED_SECRET_BYTES);
    if (!secret)
        return APP_E_INTERNAL;
    int n = snprintf(prefix, sizeof prefix, "%lld.", (long long)user);
    char *t = mem_alloc((size_t)n + strlen(secret) + 1);
    memcpy(t, prefix, (size_t)n);
    memcpy(t + n, secret, strlen(secret) + 1);
    free(secret);
    crypto_sha256_hex(t, strlen(t), hash);
    app_err rc = db_tx_begin(a->db, user, true, &c);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = db_tx_end(c, calendar_store_feed_put(c, user, hash));
    }
    if (rc != APP_OK) {
        free(t);
        return rc;
    }
    *token = t;
    return APP_OK;
}

app_err calendar_feed_revoke(struct app *a, int64_t user)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user, true, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    return db_tx_end(c, calendar_store_feed_delete(c, user));
}

/* The tenant a token names: "<id>.<43 base64url characters>"; 0 when malformed. */
static int64_t token_tenant(const char *token)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    if (!dot || dot == token || dot - token > 18 || strlen(dot + 1) != FEED_SECRET_CHARS)
        return 0;
    int64_t id = 0;
    for (const char *p = token; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        id = id * 10 + (*p - '0');
    }
    for (const char *p = dot + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return id;
}

app_err calendar_feed_check(struct app *a, const char *token, int64_t *user)
{
    char hash[65];
    db_conn *c = NULL;
    int64_t id = token_tenant(token);
    if (id <= 0)
        return APP_E_NOTFOUND;
    crypto_sha256_hex(token, strlen(token), hash);
    app_err rc = begin_read(a, id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, calendar_store_feed_check(c, id, hash));
    if (rc == APP_OK)
        *user = id;
    return rc;
}

app_err calendar_feed_appts(struct app *a, int64_t user, struct calendar_appt_list *out)
{
    struct calendar_filter f = {.from = now_s() - (int64_t)CALENDAR_FEED_DAYS_BACK * DAY,
                                .limit = CALENDAR_FEED_MAX};
    return calendar_appt_list(a, user, &f, out);
}

app_err calendar_connection_get(struct app *a, int64_t user, struct calendar_connection *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read(a, user, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, calendar_store_connection(c, user, out));
    if (rc != APP_OK)
        calendar_connection_cleanup(out);
    return rc;
}
