/* SPDX-License-Identifier: MIT */
/* Availability (calendar_slots) and the bookability check: DST weeks of New York, a +05:30
 * zone, a slot across midnight UTC, full days, buffers, min notice, the horizon edge (also
 * across a DST change), start_hour/end_hour, several ranges, closed days, partial overlaps,
 * the output cap and bad input. Expected instants are written out in UTC (computed with
 * Python's zoneinfo from the local times in the comments), never by the code under test. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "calendar/calendar.h"

#define MIN 60
#define HOUR 3600
#define NY "America/New_York"
#define CHI "America/Chicago"

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

/* Rules with every day closed, 30-minute slots, no buffer, no notice, 14 days. */
static struct calendar_rules rules(const char *zone)
{
    struct calendar_rules r;
    memset(&r, 0, sizeof r);
    r.timezone = zone;
    r.slot_minutes = 30;
    r.booking_horizon_days = 14;
    return r;
}

/* Opens day wd from h1:m1 to h2:m2 (appends a range). */
static void open_day(struct calendar_rules *r, int wd, int h1, int m1, int h2, int m2)
{
    struct users_day *d = &r->hours[wd];
    d->r[d->n++] = (struct users_range){h1 * 60 + m1, h2 * 60 + m2};
}

static void weekdays(struct calendar_rules *r, int h1, int h2)
{
    for (int wd = MON; wd <= FRI; wd++)
        open_day(r, wd, h1, 0, h2, 0);
}

static struct calendar_query query(int64_t now, int days)
{
    return (struct calendar_query){.now = now, .days_ahead = days, .start_hour = -1,
                                   .end_hour = -1};
}

/* Runs calendar_slots and checks the starts (and that each slot lasts its duration). */
static void expect(const struct calendar_rules *r, const struct calendar_query *q,
                   const struct calendar_busy *busy, size_t nbusy, const int64_t *want,
                   size_t nwant)
{
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(r, q, busy, nbusy, &l), APP_OK);
    for (size_t i = 0; i < l.n && i < nwant; i++) {
        if (l.items[i].start != want[i])
            fail_msg("slot %zu starts at %lld (%s), want %lld", i, (long long)l.items[i].start,
                     l.items[i].formatted_time, (long long)want[i]);
        assert_int_equal(l.items[i].duration_minutes, r->slot_minutes);
        assert_int_equal(l.items[i].end - l.items[i].start, r->slot_minutes * MIN);
    }
    if (l.n != nwant)
        fail_msg("%zu slots, want %zu", l.n, nwant);
    assert_false(l.truncated);
    calendar_slot_list_cleanup(&l);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Spring forward, New York 2026-03-08 02:00 EST -> 03:00 EDT. Weekday hours stay 09:00-17:00
 * local: 14:00Z on Friday, 13:00Z on Monday. Sunday 00:00-04:00 loses the skipped hour. */
static void test_new_york_spring(void **state)
{
    (void)state;
    struct calendar_rules r = rules(NY);
    r.slot_minutes = 60;
    weekdays(&r, 9, 17);
    open_day(&r, SUN, 0, 0, 4, 0);
    /* now Friday 2026-03-06 12:00Z (07:00 EST); 4 days: until Tuesday 07:00 EDT (11:00Z) */
    struct calendar_query q = query(1772798400, 4);
    const int64_t fri = 1772805600; /* Fri 09:00 EST = 14:00Z */
    const int64_t sun = 1772946000; /* Sun 00:00 EST = 05:00Z */
    const int64_t mon = 1773061200; /* Mon 09:00 EDT = 13:00Z */
    const int64_t want[] = {
        fri, fri + HOUR, fri + 2 * HOUR, fri + 3 * HOUR, fri + 4 * HOUR, fri + 5 * HOUR,
        fri + 6 * HOUR, fri + 7 * HOUR,
        sun, sun + HOUR, sun + 2 * HOUR, /* 00:00, 01:00 EST, 03:00 EDT; 02:00 does not exist */
        mon, mon + HOUR, mon + 2 * HOUR, mon + 3 * HOUR, mon + 4 * HOUR, mon + 5 * HOUR,
        mon + 6 * HOUR, mon + 7 * HOUR,
    };
    expect(&r, &q, NULL, 0, want, N(want));

    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_string_equal(l.items[0].formatted_time, "Friday, March 06 at 09:00 AM");
    assert_string_equal(l.items[10].formatted_time, "Sunday, March 08 at 03:00 AM");
    assert_string_equal(l.items[11].formatted_time, "Monday, March 09 at 09:00 AM");
    assert_string_equal(l.items[11].day, "Monday");
    assert_string_equal(l.items[11].date, "2026-03-09");
    /* every offered slot passes the bookability check */
    for (size_t i = 0; i < l.n; i++) {
        enum calendar_bookable why = CALENDAR_BAD_TIMES;
        assert_int_equal(
            calendar_check_bookable(&r, l.items[i].start, l.items[i].end, q.now, &why), APP_OK);
        assert_int_equal(why, CALENDAR_BOOKABLE);
    }
    calendar_slot_list_cleanup(&l);
}

/* Fall back, New York 2026-11-01 02:00 EDT -> 01:00 EST. Sunday 00:00-04:00 shows each wall
 * time once (the first 01:00 and 01:30), and the repeated hour 06:00Z-07:00Z gets none. */
static void test_new_york_autumn(void **state)
{
    (void)state;
    struct calendar_rules r = rules(NY);
    open_day(&r, FRI, 9, 0, 10, 0);
    open_day(&r, MON, 9, 0, 10, 0);
    open_day(&r, SUN, 0, 0, 4, 0);
    /* now Friday 2026-10-30 12:00Z (08:00 EDT), 4 days */
    struct calendar_query q = query(1793361600, 4);
    const int64_t fri = 1793365200; /* Fri 09:00 EDT = 13:00Z */
    const int64_t sun = 1793505600; /* Sun 00:00 EDT = 04:00Z */
    const int64_t est = 1793516400; /* Sun 02:00 EST = 07:00Z */
    const int64_t mon = 1793628000; /* Mon 09:00 EST = 14:00Z */
    const int64_t want[] = {
        fri, fri + 30 * MIN,
        sun, sun + 30 * MIN, sun + HOUR, sun + 90 * MIN, /* 00:00 00:30 01:00 01:30 EDT */
        est, est + 30 * MIN, est + HOUR, est + 90 * MIN, /* 02:00 02:30 03:00 03:30 EST */
        mon, mon + 30 * MIN,
    };
    expect(&r, &q, NULL, 0, want, N(want));
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_string_equal(l.items[5].formatted_time, "Sunday, November 01 at 01:30 AM");
    assert_string_equal(l.items[6].formatted_time, "Sunday, November 01 at 02:00 AM");
    calendar_slot_list_cleanup(&l);
}

static void test_kolkata(void **state)
{
    (void)state;
    struct calendar_rules r = rules("Asia/Kolkata");
    open_day(&r, TUE, 10, 0, 12, 0);
    /* now 2026-03-03 00:00Z (05:30 IST, a Tuesday); Tuesday 10:00 IST = 04:30Z */
    struct calendar_query q = query(1772496000, 1);
    const int64_t t = 1772512200;
    const int64_t want[] = {t, t + 30 * MIN, t + HOUR, t + 90 * MIN};
    expect(&r, &q, NULL, 0, want, N(want));
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_string_equal(l.items[0].formatted_time, "Tuesday, March 03 at 10:00 AM");
    assert_string_equal(l.items[3].formatted_time, "Tuesday, March 03 at 11:30 AM");
    calendar_slot_list_cleanup(&l);
}

/* Los Angeles, Tuesday 2026-03-03 15:30-17:30 PST: 23:30Z-00:30Z and 00:30Z-01:30Z, both on
 * the local Tuesday though they end on Wednesday in UTC. */
static void test_across_midnight_utc(void **state)
{
    (void)state;
    struct calendar_rules r = rules("America/Los_Angeles");
    r.slot_minutes = 60;
    open_day(&r, TUE, 15, 30, 17, 30);
    struct calendar_query q = query(1772539200, 1); /* 2026-03-03 12:00Z */
    const int64_t first = 1772580600;               /* 23:30Z */
    const int64_t want[] = {first, first + HOUR};
    expect(&r, &q, NULL, 0, want, N(want));
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_string_equal(l.items[1].formatted_time, "Tuesday, March 03 at 04:30 PM");
    assert_string_equal(l.items[1].day, "Tuesday");
    assert_string_equal(l.items[1].date, "2026-03-03");
    calendar_slot_list_cleanup(&l);
    /* busy 00:00Z-00:15Z on Wednesday blocks the first slot only */
    const struct calendar_busy busy[] = {{1772582400, 1772582400 + 15 * MIN}};
    const int64_t rest[] = {first + HOUR};
    expect(&r, &q, busy, N(busy), rest, N(rest));
}

/* Chicago, Monday 2026-03-02; 09:00 CST = 15:00Z. */
#define MON_9 1772463600LL
#define TUE_9 1772550000LL

static void test_fully_booked_day(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    weekdays(&r, 9, 17);
    struct calendar_query q = query(1772452800, 2); /* Mon 06:00 CST */
    const struct calendar_busy busy[] = {
        {MON_9, MON_9 + 3 * HOUR}, {MON_9 + 2 * HOUR, MON_9 + 8 * HOUR}, /* 09:00-17:00 */
    };
    int64_t want[16];
    for (int i = 0; i < 16; i++)
        want[i] = TUE_9 + i * 30 * MIN; /* Tuesday 09:00-16:30 CST */
    expect(&r, &q, busy, N(busy), want, N(want));
}

static void test_buffers(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    open_day(&r, MON, 9, 0, 12, 0);
    struct calendar_query q = query(1772452800, 1);
    const struct calendar_busy busy[] = {{MON_9 + HOUR, MON_9 + 90 * MIN}}; /* 10:00-10:30 */
    /* no buffer: 10:30 may start when the busy time ends */
    const int64_t plain[] = {MON_9, MON_9 + 30 * MIN, MON_9 + 90 * MIN, MON_9 + 2 * HOUR,
                             MON_9 + 150 * MIN};
    expect(&r, &q, busy, N(busy), plain, N(plain));
    /* 15 minutes: 09:45-10:45 is blocked, so 09:30, 10:00 and 10:30 go */
    r.buffer_minutes = 15;
    const int64_t padded[] = {MON_9, MON_9 + 2 * HOUR, MON_9 + 150 * MIN};
    expect(&r, &q, busy, N(busy), padded, N(padded));
}

static void test_min_notice_and_past(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    open_day(&r, MON, 9, 0, 12, 0);
    struct calendar_query q = query(1772464200, 1); /* Mon 09:10 CST */
    /* no notice: never in the past, so 09:00 goes and 09:30 is first */
    const int64_t now_on[] = {MON_9 + 30 * MIN, MON_9 + HOUR, MON_9 + 90 * MIN,
                              MON_9 + 2 * HOUR, MON_9 + 150 * MIN};
    expect(&r, &q, NULL, 0, now_on, N(now_on));
    /* 60 minutes: from 10:10, so 10:30 is first */
    r.min_notice_minutes = 60;
    const int64_t later[] = {MON_9 + 90 * MIN, MON_9 + 2 * HOUR, MON_9 + 150 * MIN};
    expect(&r, &q, NULL, 0, later, N(later));
}

static void test_horizon_edge(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    weekdays(&r, 9, 12);
    /* now Mon 10:00 CST, 1 day: slots ending by Tue 10:00 (16:00Z) */
    struct calendar_query q = query(MON_9 + HOUR, 1);
    const int64_t want[] = {MON_9 + HOUR, MON_9 + 90 * MIN, MON_9 + 2 * HOUR,
                            MON_9 + 150 * MIN, TUE_9, TUE_9 + 30 * MIN};
    expect(&r, &q, NULL, 0, want, N(want));
    /* the tenant's horizon wins over a longer days_ahead */
    r.booking_horizon_days = 1;
    q.days_ahead = 7;
    expect(&r, &q, NULL, 0, want, N(want));
    /* across spring forward (Chicago 2026-03-08): now Fri 03-06 10:00 CST, 3 days ends at
     * Mon 03-09 10:00 CDT = 15:00Z, not 16:00Z */
    r.booking_horizon_days = 14;
    r.hours[MON].n = 0;
    r.hours[TUE].n = 0;
    r.hours[WED].n = 0;
    r.hours[THU].n = 0;
    r.hours[FRI].n = 0;
    open_day(&r, MON, 9, 0, 12, 0);
    q = query(1772812800, 3);
    const int64_t mon_cdt = 1773064800; /* Mon 09:00 CDT = 14:00Z */
    const int64_t dst[] = {mon_cdt, mon_cdt + 30 * MIN};
    expect(&r, &q, NULL, 0, dst, N(dst));
}

static void test_start_end_hour(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    r.slot_minutes = 60;
    open_day(&r, MON, 9, 0, 17, 0);
    struct calendar_query q = query(1772452800, 1);
    q.start_hour = 10;
    q.end_hour = 12;
    const int64_t want[] = {MON_9 + HOUR, MON_9 + 2 * HOUR};
    expect(&r, &q, NULL, 0, want, N(want));
    /* the grid stays the range's: 09:30-17:00 narrowed to 10-13 gives 10:30 and 11:30 */
    r.hours[MON].r[0].start = 9 * 60 + 30;
    q.end_hour = 13;
    const int64_t grid[] = {MON_9 + 90 * MIN, MON_9 + 150 * MIN};
    expect(&r, &q, NULL, 0, grid, N(grid));
    /* only one bound */
    q.start_hour = -1;
    q.end_hour = 11;
    const int64_t early[] = {MON_9 + 30 * MIN};
    expect(&r, &q, NULL, 0, early, N(early));
}

static void test_several_ranges_and_closed_days(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    open_day(&r, MON, 13, 15, 14, 45); /* given out of order */
    open_day(&r, MON, 9, 0, 10, 0);
    struct calendar_query q = query(1772452800, 1);
    const int64_t afternoon = 1772478900; /* 13:15 CST */
    const int64_t want[] = {MON_9, MON_9 + 30 * MIN, afternoon, afternoon + 30 * MIN,
                            afternoon + HOUR};
    expect(&r, &q, NULL, 0, want, N(want));
    /* Saturday 2026-03-07 12:00Z with only weekday hours: nothing, and no error */
    weekdays(&r, 9, 17);
    q = query(1772884800, 1);
    expect(&r, &q, NULL, 0, NULL, 0);
}

static void test_partial_overlap(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    open_day(&r, MON, 9, 0, 11, 0);
    struct calendar_query q = query(1772452800, 1);
    const struct calendar_busy busy[] = {
        {MON_9 + 40 * MIN, MON_9 + 50 * MIN}, /* 09:40-09:50 inside the 09:30 slot */
        {MON_9 + 2 * HOUR, MON_9 + HOUR},     /* backwards: ignored */
        {MON_9 - HOUR, MON_9},                /* ends as 09:00 starts */
    };
    const int64_t want[] = {MON_9, MON_9 + HOUR, MON_9 + 90 * MIN};
    expect(&r, &q, busy, N(busy), want, N(want));
}

static void test_cap(void **state)
{
    (void)state;
    struct calendar_rules r = rules("UTC");
    r.slot_minutes = 5;
    r.booking_horizon_days = 365;
    for (int wd = MON; wd <= SUN; wd++)
        open_day(&r, wd, 0, 0, 24, 0);
    struct calendar_query q = query(1767225600, 365); /* 2026-01-01 00:00Z */
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_int_equal(l.n, CALENDAR_SLOTS_MAX);
    assert_true(l.truncated);
    assert_int_equal(l.items[0].start, 1767225600);
    assert_int_equal(l.items[CALENDAR_SLOTS_MAX - 1].start, 1767225600 + 999 * 5 * MIN);
    calendar_slot_list_cleanup(&l);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    weekdays(&r, 9, 17);
    struct calendar_slot_list l = {0};
    static const int hours[][2] = {{12, 10}, {24, -1}, {-1, 0}, {-2, -1}, {-1, 25}, {10, 10}};
    for (size_t i = 0; i < N(hours); i++) {
        struct calendar_query q = query(1772452800, 1);
        q.start_hour = hours[i][0];
        q.end_hour = hours[i][1];
        assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_E_PARAM);
    }
    struct calendar_query q = query(1772452800, 0);
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_E_PARAM);
    q.days_ahead = 1;
    r.timezone = "Not/AZone";
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_E_INTERNAL);
    r.timezone = CHI;
    r.slot_minutes = 0;
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_E_INTERNAL);
    enum calendar_bookable why = CALENDAR_BOOKABLE;
    assert_int_equal(calendar_check_bookable(&r, MON_9, MON_9 + HOUR, 0, &why), APP_E_INTERNAL);
    assert_int_equal(why, CALENDAR_BOOKABLE);
    assert_null(l.items);
    /* settings ranges out of bounds are dropped, not trusted */
    r.slot_minutes = 30;
    memset(r.hours, 0, sizeof r.hours);
    open_day(&r, MON, 9, 0, 9, 0);  /* empty */
    open_day(&r, MON, 23, 0, 25, 0); /* past midnight */
    r.hours[TUE].n = 99;             /* count out of range: read as the maximum */
    expect(&r, &q, NULL, 0, NULL, 0);
}

static void test_settings_rules(void **state)
{
    (void)state;
    struct user_settings s;
    struct calendar_rules r;
    users_settings_defaults(&s);
    calendar_rules_from_settings(&s, &r);
    assert_string_equal(r.timezone, "America/Chicago");
    assert_int_equal(r.slot_minutes, 30);
    assert_int_equal(r.min_notice_minutes, 60);
    assert_int_equal(r.booking_horizon_days, 14);
    assert_int_equal(r.hours[MON].n, 1);
    assert_int_equal(r.hours[SAT].n, 0);
    /* defaults: Mon 06:00 CST, 60 minutes' notice, Mon-Fri 09:00-17:00 */
    struct calendar_query q = query(1772452800, 1);
    struct calendar_slot_list l = {0};
    assert_int_equal(calendar_slots(&r, &q, NULL, 0, &l), APP_OK);
    assert_int_equal(l.n, 16);
    assert_int_equal(l.items[0].start, MON_9);
    calendar_slot_list_cleanup(&l);
}

static void test_bookable(void **state)
{
    (void)state;
    struct calendar_rules r = rules(CHI);
    r.min_notice_minutes = 60;
    for (int wd = MON; wd <= FRI; wd++) {
        open_day(&r, wd, 9, 0, 12, 0);
        open_day(&r, wd, 13, 0, 17, 0);
    }
    const int64_t now = 1772460000; /* Mon 2026-03-02 08:00 CST */
    static const struct {
        int64_t start, end;
        enum calendar_bookable why;
    } cases[] = {
        {1772468100, 1772468100 + 30 * MIN, CALENDAR_BOOKABLE},      /* Mon 10:15, off grid */
        {MON_9 + 7 * HOUR + 30 * MIN, MON_9 + 8 * HOUR, CALENDAR_BOOKABLE}, /* 16:30-17:00 */
        {1772473500, 1772473500 + 30 * MIN, CALENDAR_OUTSIDE_HOURS}, /* 11:45-12:15 */
        {MON_9 + 7 * HOUR + 45 * MIN, MON_9 + 8 * HOUR + 15 * MIN, CALENDAR_OUTSIDE_HOURS},
        {1772899200, 1772899200 + 30 * MIN, CALENDAR_OUTSIDE_HOURS}, /* Saturday 10:00 */
        {now + 30 * MIN, now + HOUR, CALENDAR_TOO_SOON},             /* 08:30 */
        {now - HOUR, now - 30 * MIN, CALENDAR_IN_PAST},
        {1773414000, 1773414000 + 30 * MIN, CALENDAR_BOOKABLE},      /* Fri 03-13 10:00 CDT */
        {1773673200, 1773673200 + 30 * MIN, CALENDAR_BEYOND_HORIZON}, /* Mon 03-16 10:00 */
        {MON_9 + HOUR, MON_9 + HOUR, CALENDAR_BAD_TIMES},
        {MON_9 + HOUR, MON_9, CALENDAR_BAD_TIMES},
        {MON_9, MON_9 + 25 * HOUR, CALENDAR_BAD_TIMES},
        {253402300800LL, 253402300800LL + HOUR, CALENDAR_BAD_TIMES}, /* year 10000 */
        {INT64_MIN, INT64_MAX, CALENDAR_BAD_TIMES},
    };
    for (size_t i = 0; i < N(cases); i++) {
        enum calendar_bookable why = 99;
        assert_int_equal(calendar_check_bookable(&r, cases[i].start, cases[i].end, now, &why),
                         APP_OK);
        if (why != cases[i].why)
            fail_msg("case %zu: reason %d, want %d", i, why, cases[i].why);
    }
    char msg[128];
    calendar_bookable_message(CALENDAR_TOO_SOON, &r, msg, sizeof msg);
    assert_string_equal(msg, "Appointments must be booked at least 1 hour ahead.");
    r.min_notice_minutes = 45;
    calendar_bookable_message(CALENDAR_TOO_SOON, &r, msg, sizeof msg);
    assert_string_equal(msg, "Appointments must be booked at least 45 minutes ahead.");
    calendar_bookable_message(CALENDAR_BEYOND_HORIZON, &r, msg, sizeof msg);
    assert_string_equal(msg, "Appointments can be booked at most 14 days ahead.");
    calendar_bookable_message(CALENDAR_OUTSIDE_HOURS, &r, msg, sizeof msg);
    assert_string_equal(msg, "That time is outside business hours.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_york_spring),
        cmocka_unit_test(test_new_york_autumn),
        cmocka_unit_test(test_kolkata),
        cmocka_unit_test(test_across_midnight_utc),
        cmocka_unit_test(test_fully_booked_day),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_min_notice_and_past),
        cmocka_unit_test(test_horizon_edge),
        cmocka_unit_test(test_start_end_hour),
        cmocka_unit_test(test_several_ranges_and_closed_days),
        cmocka_unit_test(test_partial_overlap),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_settings_rules),
        cmocka_unit_test(test_bookable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
