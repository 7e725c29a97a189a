/* SPDX-License-Identifier: MIT */
/* The built-in calendar's service and store on the backend named by PETE_BACKEND (sqlite or
 * postgres, serving as the unprivileged role after db_restrict_role): booking, the overlap
 * check with the buffer and the busy mirror (blocking, free and cancelled rows), the booking
 * rules' refusals, rental_id ownership, reschedule and status moves, the provider seam's
 * sync_status, concurrent bookings of one slot, the feed token, the calendar change counter,
 * erasure, and that tenant B never reaches tenant A's appointments. Times are chosen
 * relative to the real clock (the product has no clock hook): whole hours a day or more
 * ahead, with every day open around the clock. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar_store.h"
#include "core/migrate.h"
#include "core/respcache.h"
#include "core/versions.h"
#include "rentals/rentals.h"
#include "users/users.h"

#define HOUR 3600
#define DAY 86400
#define RACERS 20

struct fx {
    struct tu_db t;
    struct app app;
    int64_t a, b;
    int64_t base; /* 10:00 UTC, two days ahead */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_db_open_serving(&f->t);
    f->app.db = f->t.d;
    f->a = tu_make_user(f->t.d, "cal-a");
    f->b = tu_make_user(f->t.d, "cal-b");
    int64_t now = (int64_t)time(NULL);
    f->base = now - now % DAY + 2 * DAY + 10 * HOUR; /* 10:00 UTC: the tests stay in its day */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_db_close(&f->t);
    free(f);
    return 0;
}

/* Every day open 00:00-24:00 in UTC, with the given buffer and notice. */
static void open_all_day(struct fx *f, int64_t user, int buffer, int notice)
{
    struct user_settings s;
    users_settings_defaults(&s);
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    for (int d = 0; d < 7; d++)
        s.hours[d] = (struct users_day){1, {{0, 24 * 60}}};
    s.buffer_minutes = buffer;
    s.min_notice_minutes = notice;
    db_conn *c = tu_tx(f->t.d, user);
    assert_int_equal(users_store_settings_put(c, user, &s), APP_OK);
    tu_commit(c);
}

static struct calendar_booking booking(int64_t start, int64_t end)
{
    return (struct calendar_booking){.property_address = "1 Test St", .start = start,
                                     .end = end, .attendee_name = "Pat Caller",
                                     .attendee_email = "pat@example.com", .source = "api"};
}

/* Books b for user; returns the outcome, with the refusal code into code (or ""). */
static app_err book(struct fx *f, int64_t user, const struct calendar_booking *b,
                    int64_t *id, const char **code)
{
    struct calendar_appt out = {0};
    struct calendar_refusal why;
    struct vcheck v;
    vcheck_init(&v);
    app_err e = calendar_book(&f->app, user, b, &v, &out, &why);
    if (code)
        *code = e == APP_OK ? "" : why.code ? why.code : "?";
    if (id)
        *id = out.id;
    if (e == APP_OK) {
        assert_int_equal(out.user_id, user);
        assert_string_equal(out.status, "confirmed");
    }
    calendar_appt_cleanup(&out);
    vcheck_cleanup(&v);
    return e;
}

static void busy_row(struct fx *f, int64_t user, const char *ext, int64_t s, int64_t e,
                     bool transparent, bool cancelled)
{
    char a[CIVIL_RFC3339_SIZE], b[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(s, a, sizeof a);
    civil_format_rfc3339(e, b, sizeof b);
    const char *sa = a, *sb = b;
    db_param p[6] = {DB_INT(user), DB_TEXT(ext), DB_TEXT(sa), DB_TEXT(sb), DB_BOOL(transparent),
                     DB_BOOL(cancelled)};
    db_conn *c = tu_tx(f->t.d, user);
    assert_int_equal(db_exec(c, "INSERT INTO calendar_busy (user_id, source, external_id, "
                                "start_time, end_time, transparent, cancelled) "
                                "VALUES ($1, 'google', $2, $3, $4, $5, $6)",
                             p, 6, NULL),
                     DB_OK);
    tu_commit(c);
}

static void test_book_get_list_and_isolation(void **state)
{
    struct fx *f = *state;
    int64_t id1 = 0, id2 = 0;
    const char *code;
    open_all_day(f, f->a, 0, 0);
    struct calendar_booking b = booking(f->base, 0);
    assert_int_equal(book(f, f->a, &b, &id1, &code), APP_OK);
    b = booking(f->base + 2 * HOUR, f->base + 3 * HOUR);
    b.notes = "gate code 1234";
    assert_int_equal(book(f, f->a, &b, &id2, &code), APP_OK);

    struct calendar_appt got = {0};
    assert_int_equal(calendar_appt_get(&f->app, f->a, id1, &got), APP_OK);
    assert_int_equal(got.start, f->base);
    assert_int_equal(got.end, f->base + 30 * 60); /* the default slot_minutes */
    assert_string_equal(got.property_address, "1 Test St");
    assert_string_equal(got.sync_status, "none");
    assert_string_equal(got.source, "api");
    assert_null(got.notes);
    calendar_appt_cleanup(&got);
    /* tenant B: A's id is missing, B's lists are empty */
    assert_int_equal(calendar_appt_get(&f->app, f->b, id1, &got), APP_E_NOTFOUND);
    struct calendar_filter flt = {.limit = 50};
    struct calendar_appt_list l = {0};
    assert_int_equal(calendar_appt_list(&f->app, f->b, &flt, &l), APP_OK);
    assert_int_equal(l.n, 0);
    /* A's list in time order, one per page */
    flt.limit = 1;
    assert_int_equal(calendar_appt_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].id, id1);
    assert_int_equal(l.next_id, id1);
    flt.after_start = l.next_start;
    flt.after_id = l.next_id;
    calendar_appt_list_cleanup(&l);
    assert_int_equal(calendar_appt_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].id, id2);
    assert_string_equal(l.items[0].notes, "gate code 1234");
    assert_int_equal(l.next_id, 0);
    calendar_appt_list_cleanup(&l);
    /* window filter: only the second overlaps [base + 1h, base + 4h) */
    struct calendar_filter win = {.from = f->base + HOUR, .to = f->base + 4 * HOUR, .limit = 50};
    assert_int_equal(calendar_appt_list(&f->app, f->a, &win, &l), APP_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].id, id2);
    calendar_appt_list_cleanup(&l);
}

static void test_overlap_buffer_and_busy_mirror(void **state)
{
    struct fx *f = *state;
    const char *code;
    open_all_day(f, f->a, 0, 0);
    struct calendar_booking b = booking(f->base, f->base + HOUR);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_OK);
    b = booking(f->base + 30 * 60, f->base + 90 * 60); /* overlaps the end */
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "slot_taken");
    b = booking(f->base + HOUR, f->base + 2 * HOUR); /* adjacent: fine without a buffer */
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_OK);
    /* the other tenant's calendar is its own */
    open_all_day(f, f->b, 0, 0);
    b = booking(f->base, f->base + HOUR);
    assert_int_equal(book(f, f->b, &b, NULL, &code), APP_OK);

    open_all_day(f, f->a, 15, 0); /* 15 minutes around every appointment */
    b = booking(f->base + 2 * HOUR, f->base + 3 * HOUR);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "slot_taken");
    b = booking(f->base + 2 * HOUR + 15 * 60, f->base + 3 * HOUR);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_OK);

    /* the mirror: a busy event blocks, a free or cancelled one does not */
    open_all_day(f, f->a, 0, 0);
    int64_t t = f->base + 6 * HOUR;
    busy_row(f, f->a, "busy-1", t, t + HOUR, false, false);
    busy_row(f, f->a, "free-1", t + 2 * HOUR, t + 3 * HOUR, true, false);
    busy_row(f, f->a, "gone-1", t + 4 * HOUR, t + 5 * HOUR, false, true);
    b = booking(t + 30 * 60, 0);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    b = booking(t + 2 * HOUR, 0);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_OK);
    b = booking(t + 4 * HOUR, 0);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_OK);
    /* B is not blocked by A's mirror */
    b = booking(t + 30 * 60, 0);
    assert_int_equal(book(f, f->b, &b, NULL, &code), APP_OK);

    /* availability leaves out the busy hour and the booked slots, keeps the free event's */
    struct calendar_query q = {.days_ahead = 14, .start_hour = -1, .end_hour = -1};
    struct calendar_slot_list sl = {0};
    char zone[TZ_NAME_MAX];
    assert_int_equal(calendar_availability(&f->app, f->a, &q, &sl, zone), APP_OK);
    assert_string_equal(zone, "UTC");
    bool busy_free = true, after_busy = false, offered_booked = false;
    for (size_t i = 0; i < sl.n; i++) {
        if (sl.items[i].start < t + HOUR && sl.items[i].end > t)
            busy_free = false;
        if (sl.items[i].start == t + HOUR)
            after_busy = true;
        if (sl.items[i].start == t + 2 * HOUR)
            offered_booked = true;
    }
    assert_true(busy_free && after_busy);
    assert_false(offered_booked); /* it is booked now */
    calendar_slot_list_cleanup(&sl);
}

static void test_rules_refuse_with_reasons(void **state)
{
    struct fx *f = *state;
    const char *code;
    int64_t now = (int64_t)time(NULL);
    open_all_day(f, f->a, 0, 120);
    struct calendar_booking b = booking(now - HOUR, 0);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "in_past");
    b = booking(now + HOUR, 0); /* notice is two hours */
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "too_soon");
    b = booking(now + 15 * DAY, 0); /* the horizon is 14 days */
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "beyond_horizon");
    struct user_settings s;
    users_settings_defaults(&s); /* Mon-Fri 09:00-17:00 Chicago */
    s.min_notice_minutes = 0;
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(users_store_settings_put(c, f->a, &s), APP_OK);
    tu_commit(c);
    /* 03:00 UTC is 21:00 or 22:00 in Chicago: never inside the hours */
    int64_t night = f->base - f->base % DAY + 3 * HOUR + DAY;
    b = booking(night, 0);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_string_equal(code, "outside_business_hours");
    /* a span over a day is bad input, not a conflict */
    struct calendar_appt out = {0};
    struct calendar_refusal why;
    struct vcheck v;
    vcheck_init(&v);
    b = booking(f->base, f->base + DAY + HOUR);
    assert_int_equal(calendar_book(&f->app, f->a, &b, &v, &out, &why), APP_E_VALIDATION);
    assert_false(vcheck_ok(&v));
    vcheck_cleanup(&v);
}

/* A rental of user through the rentals service; returns its id. */
static int64_t make_rental(struct fx *f, int64_t user, const char *address)
{
    struct rental out;
    struct vcheck v;
    rentals_init(&out);
    vcheck_init(&v);
    json_t *j = json_pack("{s:s}", "property_address", address);
    assert_int_equal(rentals_create(&f->app, user, j, &v, &out), APP_OK);
    json_decref(j);
    vcheck_cleanup(&v);
    int64_t id = out.id;
    rentals_cleanup(&out);
    return id;
}

static void test_rental_must_be_the_tenants(void **state)
{
    struct fx *f = *state;
    struct calendar_appt out = {0};
    struct calendar_refusal why;
    struct vcheck v;
    open_all_day(f, f->a, 0, 0);
    open_all_day(f, f->b, 0, 0);
    int64_t ra = make_rental(f, f->a, "12 Oak Ave");
    int64_t rb = make_rental(f, f->b, "99 Elm St");
    struct calendar_booking b = booking(f->base, 0);
    b.property_address = NULL;
    b.rental_id = ra;
    vcheck_init(&v);
    assert_int_equal(calendar_book(&f->app, f->a, &b, &v, &out, &why), APP_OK);
    assert_int_equal(out.rental_id, ra);
    assert_string_equal(out.property_address, "12 Oak Ave"); /* the rental's */
    int64_t appt = out.id;
    calendar_appt_cleanup(&out);
    /* B's rental, and one that does not exist: the same answer */
    b.rental_id = rb;
    b.start = f->base + 2 * HOUR;
    assert_int_equal(calendar_book(&f->app, f->a, &b, &v, &out, &why), APP_E_NOTFOUND);
    assert_string_equal(why.message, "Rental not found.");
    b.rental_id = rb + 1000;
    assert_int_equal(calendar_book(&f->app, f->a, &b, &v, &out, &why), APP_E_NOTFOUND);
    assert_string_equal(why.message, "Rental not found.");
    /* PATCH naming B's rental: the same 404, nothing changes */
    json_t *j = json_pack("{s:I}", "rental_id", (json_int_t)rb);
    assert_int_equal(calendar_appt_patch(&f->app, f->a, appt, j, "UTC", &v, &out, &why),
                     APP_E_NOTFOUND);
    assert_string_equal(why.message, "Rental not found.");
    json_decref(j);
    /* deleting the rental leaves the appointment without it */
    assert_int_equal(rentals_delete(&f->app, f->a, ra), APP_OK);
    assert_int_equal(calendar_appt_get(&f->app, f->a, appt, &out), APP_OK);
    assert_int_equal(out.rental_id, 0);
    assert_string_equal(out.property_address, "12 Oak Ave");
    calendar_appt_cleanup(&out);
    vcheck_cleanup(&v);
}

/* PATCH j (JSON text) on appointment id; the refusal code into code. */
static app_err patch(struct fx *f, int64_t id, const char *text, struct calendar_appt *out,
                     const char **code)
{
    struct calendar_refusal why;
    struct vcheck v;
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    vcheck_init(&v);
    memset(out, 0, sizeof *out);
    app_err e = calendar_appt_patch(&f->app, f->a, id, j, "UTC", &v, out, &why);
    *code = e == APP_E_CONFLICT || e == APP_E_NOTFOUND ? why.code : e == APP_OK ? "" : "?";
    vcheck_cleanup(&v);
    json_decref(j);
    return e;
}

static void test_reschedule_and_status_moves(void **state)
{
    struct fx *f = *state;
    struct calendar_appt out;
    const char *code;
    char text[256], when[CIVIL_RFC3339_SIZE];
    int64_t id = 0, other = 0;
    open_all_day(f, f->a, 0, 0);
    struct calendar_booking b = booking(f->base, f->base + HOUR);
    assert_int_equal(book(f, f->a, &b, &id, &code), APP_OK);
    b = booking(f->base + 3 * HOUR, f->base + 4 * HOUR);
    assert_int_equal(book(f, f->a, &b, &other, &code), APP_OK);

    /* a new start keeps the length; the sequence rises */
    civil_format_rfc3339(f->base + HOUR, when, sizeof when);
    snprintf(text, sizeof text, "{\"start_time\":\"%s\"}", when);
    assert_int_equal(patch(f, id, text, &out, &code), APP_OK);
    assert_int_equal(out.start, f->base + HOUR);
    assert_int_equal(out.end, f->base + 2 * HOUR);
    assert_int_equal(out.sequence, 1);
    calendar_appt_cleanup(&out);
    /* onto the other appointment: taken (itself is not in the way) */
    civil_format_rfc3339(f->base + 150 * 60, when, sizeof when);
    snprintf(text, sizeof text, "{\"start_time\":\"%s\"}", when);
    assert_int_equal(patch(f, id, text, &out, &code), APP_E_CONFLICT);
    assert_string_equal(code, "slot_taken");
    civil_format_rfc3339(f->base + 90 * 60, when, sizeof when);
    snprintf(text, sizeof text, "{\"start_time\":\"%s\", \"notes\": \"moved\"}", when);
    if (patch(f, id, text, &out, &code) != APP_OK) /* overlaps only itself */
        fail_msg("moving within itself: %s", code);
    assert_string_equal(out.notes, "moved");
    calendar_appt_cleanup(&out);
    /* not started yet: cannot be completed */
    assert_int_equal(patch(f, id, "{\"status\":\"completed\"}", &out, &code), APP_E_CONFLICT);
    assert_string_equal(code, "not_started");
    /* cancel, then the slot is free for another */
    assert_int_equal(patch(f, id, "{\"status\":\"cancelled\"}", &out, &code), APP_OK);
    assert_string_equal(out.status, "cancelled");
    calendar_appt_cleanup(&out);
    assert_int_equal(patch(f, id, "{\"start_time\":\"2030-01-01T10:00:00Z\"}", &out, &code),
                     APP_E_CONFLICT);
    assert_string_equal(code, "invalid_transition");
    assert_int_equal(patch(f, id, "{\"status\":\"no_show\"}", &out, &code), APP_E_CONFLICT);
    assert_string_equal(code, "invalid_transition");
    b = booking(f->base + 90 * 60, f->base + 150 * 60);
    int64_t taker = 0;
    assert_int_equal(book(f, f->a, &b, &taker, &code), APP_OK);
    /* confirming the cancelled one again: its slot is taken now */
    assert_int_equal(patch(f, id, "{\"status\":\"confirmed\"}", &out, &code), APP_E_CONFLICT);
    assert_string_equal(code, "slot_taken");
    civil_format_rfc3339(f->base + 5 * HOUR, when, sizeof when);
    snprintf(text, sizeof text, "{\"status\":\"confirmed\",\"start_time\":\"%s\"}", when);
    assert_int_equal(patch(f, id, text, &out, &code), APP_OK);
    assert_string_equal(out.status, "confirmed");
    calendar_appt_cleanup(&out);
    /* validation and a missing id */
    assert_int_equal(patch(f, id, "{\"status\":\"maybe\"}", &out, &code), APP_E_VALIDATION);
    assert_int_equal(patch(f, id, "{\"end_time\":\"2000-01-01T00:00:00Z\"}", &out, &code),
                     APP_E_VALIDATION);
    assert_int_equal(patch(f, id + 1000, "{\"notes\":\"x\"}", &out, &code), APP_E_NOTFOUND);
    assert_string_equal(code, "not_found");
}

static void test_push_seam_marks_pending_only_with_a_connection(void **state)
{
    struct fx *f = *state;
    struct calendar_appt out = {0};
    const char *code;
    int64_t id = 0;
    open_all_day(f, f->a, 0, 0);
    struct calendar_booking b = booking(f->base, 0);
    assert_int_equal(book(f, f->a, &b, &id, &code), APP_OK);
    assert_int_equal(calendar_appt_get(&f->app, f->a, id, &out), APP_OK);
    assert_string_equal(out.sync_status, "none");
    calendar_appt_cleanup(&out);
    db_param p[1] = {DB_INT(f->a)};
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(db_exec(c, "INSERT INTO calendar_connections (user_id, provider) "
                                "VALUES ($1, 'caldav')", p, 1, NULL),
                     DB_OK);
    tu_commit(c);
    struct calendar_connection conn = {0};
    assert_int_equal(calendar_connection_get(&f->app, f->a, &conn), APP_OK);
    assert_true(conn.has);
    assert_string_equal(conn.provider, "caldav");
    calendar_connection_cleanup(&conn);
    b = booking(f->base + 2 * HOUR, 0);
    struct calendar_refusal why;
    struct vcheck v;
    vcheck_init(&v);
    assert_int_equal(calendar_book(&f->app, f->a, &b, &v, &out, &why), APP_OK);
    assert_string_equal(out.sync_status, "pending");
    calendar_appt_cleanup(&out);
    vcheck_cleanup(&v);
    c = tu_tx(f->t.d, f->a);
    assert_int_equal(calendar_push_enqueue(c, f->a, id, "delete"), APP_E_PARAM);
    db_release(c);
    assert_int_equal(calendar_connection_get(&f->app, f->b, &conn), APP_OK);
    assert_false(conn.has);
}

struct racer {
    struct fx *f;
    app_err e;
    const char *code;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct calendar_booking b = booking(r->f->base + 4 * HOUR, 0);
    r->e = book(r->f, r->f->a, &b, NULL, &r->code);
    return NULL;
}

static void test_concurrent_bookings_of_one_slot(void **state)
{
    struct fx *f = *state;
    pthread_t t[RACERS];
    struct racer r[RACERS];
    open_all_day(f, f->a, 0, 0);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){f, APP_E_INTERNAL, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int ok = 0, taken = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        if (r[i].e == APP_OK)
            ok++;
        else if (r[i].e == APP_E_CONFLICT && !strcmp(r[i].code, "slot_taken"))
            taken++;
        else
            fail_msg("racer %d: error %d (%s)", i, r[i].e, r[i].code ? r[i].code : "");
    }
    assert_int_equal(ok, 1);
    assert_int_equal(taken, RACERS - 1);
}

/* Behind the service's check. PostgreSQL: the exclusion constraint refuses a second
 * confirmed row over the same time even from a writer that skips the check, and lets a
 * cancelled one overlap. SQLite: the check and the insert share one write transaction, so
 * the check sees the first row. */
static void test_overlap_guard_below_the_service(void **state)
{
    struct fx *f = *state;
    struct calendar_appt row = {0}, out = {0};
    bool taken = false;
    row.property_address = "1 Guard St";
    row.attendee_name = "Guard";
    row.start = f->base;
    row.end = f->base + HOUR;
    snprintf(row.status, sizeof row.status, "confirmed");
    snprintf(row.source, sizeof row.source, "api");
    snprintf(row.sync_status, sizeof row.sync_status, "none");
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(calendar_store_insert(c, f->a, &row, &out), APP_OK);
    calendar_appt_cleanup(&out);
    assert_int_equal(calendar_store_taken(c, f->a, f->base + 30 * 60, f->base + 90 * 60, 0,
                                          &taken),
                     APP_OK);
    assert_true(taken);
    assert_int_equal(calendar_store_taken(c, f->b, f->base, f->base + HOUR, 0, &taken), APP_OK);
    assert_false(taken);
    tu_commit(c);
    if (strcmp(tu_backend(), "postgres") != 0)
        return;
    row.start = f->base + 30 * 60;
    row.end = f->base + 90 * 60;
    c = tu_tx(f->t.d, f->a);
    assert_int_equal(calendar_store_insert(c, f->a, &row, &out), APP_E_CONFLICT);
    db_release(c);
    snprintf(row.status, sizeof row.status, "cancelled");
    c = tu_tx(f->t.d, f->a);
    assert_int_equal(calendar_store_insert(c, f->a, &row, &out), APP_OK);
    calendar_appt_cleanup(&out);
    tu_commit(c);
}

/* Whether calendar_availability offers a slot starting at t. */
static bool offered(struct fx *f, int64_t user, int64_t t)
{
    struct calendar_query q = {.days_ahead = 14, .start_hour = -1, .end_hour = -1};
    struct calendar_slot_list sl = {0};
    char zone[TZ_NAME_MAX];
    bool found = false;
    assert_int_equal(calendar_availability(&f->app, user, &q, &sl, zone), APP_OK);
    for (size_t i = 0; i < sl.n; i++)
        found = found || sl.items[i].start == t;
    calendar_slot_list_cleanup(&sl);
    return found;
}

/* With the response cache on, availability's inputs are kept between requests, and every
 * committed change that matters (a booking, a cancellation, the settings, the busy mirror,
 * another writer's rows) is seen by the next request: the cache is stamped with the calendar
 * and profile counters. */
static void test_availability_cache_follows_changes(void **state)
{
    struct fx *f = *state;
    struct respcache_stats st;
    const char *code;
    char text[64];
    struct calendar_appt out;
    int64_t id = 0;
    f->app.cache = respcache_new(1 << 20);
    open_all_day(f, f->a, 0, 0);
    int64_t t = f->base + HOUR;
    assert_true(offered(f, f->a, t));
    assert_true(offered(f, f->a, t));
    respcache_get_stats(f->app.cache, &st);
    assert_true(st.hits >= 1);
    struct calendar_booking b = booking(t, 0);
    assert_int_equal(book(f, f->a, &b, &id, &code), APP_OK);
    assert_false(offered(f, f->a, t));
    snprintf(text, sizeof text, "{\"status\":\"cancelled\"}");
    assert_int_equal(patch(f, id, text, &out, &code), APP_OK);
    calendar_appt_cleanup(&out);
    assert_true(offered(f, f->a, t));
    busy_row(f, f->a, "cache-1", t, t + HOUR, false, false);
    assert_false(offered(f, f->a, t));
    assert_true(offered(f, f->a, t + 2 * HOUR));
    open_all_day(f, f->a, 60, 0); /* a buffer: the slot right after the busy hour goes */
    assert_false(offered(f, f->a, t + HOUR));
    assert_true(offered(f, f->a, t + 2 * HOUR));
    /* B's reads are B's */
    open_all_day(f, f->b, 0, 0);
    assert_true(offered(f, f->b, t));
    respcache_free(f->app.cache);
    f->app.cache = NULL;
}

static void test_feed_token(void **state)
{
    struct fx *f = *state;
    char *t1 = NULL, *t2 = NULL;
    int64_t who = 0;
    assert_int_equal(calendar_feed_rotate(&f->app, f->a, &t1), APP_OK);
    assert_int_equal(calendar_feed_check(&f->app, t1, &who), APP_OK);
    assert_int_equal(who, f->a);
    /* only the hash is stored */
    db_conn *c = tu_tx(f->t.d, f->a);
    db_res *res = NULL;
    assert_int_equal(db_exec(c, "SELECT token_hash FROM calendar_feeds", NULL, 0, &res), DB_OK);
    assert_int_equal(db_res_rows(res), 1);
    assert_null(strstr(t1, db_res_text(res, 0, 0)));
    assert_int_equal(strlen(db_res_text(res, 0, 0)), 64);
    db_res_free(res);
    db_release(c);
    /* the same secret under B's id, a changed secret, garbage: not found */
    char forged[128];
    snprintf(forged, sizeof forged, "%lld%s", (long long)f->b, strchr(t1, '.'));
    assert_int_equal(calendar_feed_check(&f->app, forged, &who), APP_E_NOTFOUND);
    snprintf(forged, sizeof forged, "%s", t1);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(calendar_feed_check(&f->app, forged, &who), APP_E_NOTFOUND);
    assert_int_equal(calendar_feed_check(&f->app, "", &who), APP_E_NOTFOUND);
    assert_int_equal(calendar_feed_check(&f->app, "1.x", &who), APP_E_NOTFOUND);
    assert_int_equal(calendar_feed_check(&f->app, "abc", &who), APP_E_NOTFOUND);
    /* rotation retires the old token; revocation retires all */
    assert_int_equal(calendar_feed_rotate(&f->app, f->a, &t2), APP_OK);
    assert_string_not_equal(t1, t2);
    assert_int_equal(calendar_feed_check(&f->app, t1, &who), APP_E_NOTFOUND);
    assert_int_equal(calendar_feed_check(&f->app, t2, &who), APP_OK);
    assert_int_equal(calendar_feed_revoke(&f->app, f->a), APP_OK);
    assert_int_equal(calendar_feed_check(&f->app, t2, &who), APP_E_NOTFOUND);
    free(t1);
    free(t2);
}

static int64_t calendar_version(struct fx *f, int64_t user)
{
    static const char *const fam[] = {VERSIONS_CALENDAR};
    int64_t v = -1;
    db_conn *c = tu_tx(f->t.d, user);
    assert_int_equal(versions_read(c, user, fam, 1, &v), APP_OK);
    tu_commit(c);
    return v;
}

static void test_counter_moves_and_erasure_cascades(void **state)
{
    struct fx *f = *state;
    const char *code;
    int64_t id = 0;
    open_all_day(f, f->a, 0, 0);
    int64_t v0 = calendar_version(f, f->a), vb = calendar_version(f, f->b);
    int64_t ra = make_rental(f, f->a, "5 Gone Rd");
    struct calendar_booking b = booking(f->base, 0);
    b.rental_id = ra;
    assert_int_equal(book(f, f->a, &b, &id, &code), APP_OK);
    int64_t v1 = calendar_version(f, f->a);
    assert_true(v1 > v0);
    assert_int_equal(calendar_version(f, f->b), vb);
    busy_row(f, f->a, "x", f->base + DAY, f->base + DAY + HOUR, false, false);
    assert_true(calendar_version(f, f->a) > v1);
    /* a refused booking moves nothing */
    int64_t v2 = calendar_version(f, f->a);
    assert_int_equal(book(f, f->a, &b, NULL, &code), APP_E_CONFLICT);
    assert_int_equal(calendar_version(f, f->a), v2);
    /* erasing A removes its calendar rows (and its rental, which they referenced) */
    db_param p[1] = {DB_INT(f->a)};
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(db_exec(c, "DELETE FROM users WHERE id = $1", p, 1, NULL), DB_OK);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
    c = tu_tx(f->t.d, f->a);
    db_res *res = NULL;
    assert_int_equal(db_exec(c, "SELECT (SELECT count(*) FROM appointments) + "
                                "(SELECT count(*) FROM calendar_busy)", NULL, 0, &res),
                     DB_OK);
    assert_int_equal(db_res_int(res, 0, 0), 0);
    db_res_free(res);
    db_release(c);
}

int main(void)
{
    /* PETE_BACKEND selects sqlite or postgres (see testutil.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_book_get_list_and_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_buffer_and_busy_mirror, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_refuse_with_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rental_must_be_the_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reschedule_and_status_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_push_seam_marks_pending_only_with_a_connection,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_bookings_of_one_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_guard_below_the_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_availability_cache_follows_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_feed_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_moves_and_erasure_cascades, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
