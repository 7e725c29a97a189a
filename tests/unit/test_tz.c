/* SPDX-License-Identifier: MIT */
/* core/tz.h: offsets read from the system tzdata (DST in both hemispheres, half-hour zones,
 * the POSIX footer past 2037), local wall-clock time to UTC in DST gaps and overlaps, zone
 * names refused, "today" in zones a day apart, and the civil calendar (day numbers, weekdays,
 * RFC 3339 and the spoken formats). Expected values were computed with Python's zoneinfo and
 * datetime on the same tzdata and are written out. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

/* Local seconds of a wall-clock reading on day number day (days since 1970-01-01). */
static int64_t wall(int64_t day, int h, int m)
{
    return day * 86400 + h * 3600 + m * 60;
}

static struct tz_zone *load(const char *name)
{
    struct tz_zone *z = tz_load(name);
    if (!z)
        fail_msg("zone %s not in tzdata", name);
    return z;
}

/* Expected offsets; years past 2037 exercise the POSIX TZ footer (northern and southern DST,
 * <-04> names, /24 times). */
static void test_zone_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *zone;
        long long t;
        long off;
    } cases[] = {
        {"America/Chicago", 1782907200LL, -18000},   {"America/Chicago", 1768478400LL, -21600},
        {"America/Chicago", 2382523200LL, -18000},   {"America/Chicago", 2395742400LL, -21600},
        {"Australia/Sydney", 2367619200LL, 39600},   {"Australia/Sydney", 2383257600LL, 36000},
        {"Europe/Paris", 1774745999LL, 3600},        {"Europe/Paris", 1774746000LL, 7200},
        {"Europe/Paris", 2424301199LL, 7200},        {"Europe/Paris", 2424301200LL, 3600},
        {"Asia/Kolkata", 1777939200LL, 19800},       {"Etc/GMT+12", 1777939200LL, -43200},
        {"Pacific/Kiritimati", 1777939200LL, 50400}, {"America/Sao_Paulo", 1767225600LL, -10800},
        {"UTC", 1767225600LL, 0},                    {"America/Chicago", -3786825600LL, -21036},
        {"America/Santiago", 2399155200LL, -10800},  {"America/Santiago", 2414793600LL, -14400},
        /* New York around both 2026 changes: 07:00Z on March 8, 06:00Z on November 1 */
        {"America/New_York", 1772953199LL, -18000},  {"America/New_York", 1772953200LL, -14400},
        {"America/New_York", 1793512799LL, -14400},  {"America/New_York", 1793512800LL, -18000},
        /* Lord Howe: +11 in summer, +10:30 in winter, changes at 15:00Z and 15:30Z */
        {"Australia/Lord_Howe", 1775314799LL, 39600}, {"Australia/Lord_Howe", 1775314800LL, 37800},
        {"Australia/Lord_Howe", 1791041399LL, 37800}, {"Australia/Lord_Howe", 1791041400LL, 39600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long off = 12345;
        if (!tz_offset(cases[i].zone, cases[i].t, &off) || off != cases[i].off)
            fail_msg("%s at %lld: got %ld, want %ld", cases[i].zone, cases[i].t, off,
                     cases[i].off);
    }
}

static void test_names_refused(void **state)
{
    (void)state;
    long off = 77;
    static const char *const bad[] = {"Not/AZone", "../../etc/passwd", "/etc/passwd", "",
                                      "posix/America/Chicago", "right/UTC", "localtime",
                                      "America//Chicago", "America/Chicago/", "-UTC",
                                      "America/Chi cago", "America"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tz_offset(bad[i], 0, &off) || tz_valid(bad[i]) || tz_load(bad[i]))
            fail_msg("zone name \"%s\" was accepted", bad[i]);
    }
    assert_int_equal(off, 77);
    assert_false(tz_valid(NULL));
    assert_null(tz_load(NULL));
    char longname[80];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(tz_valid(longname));
    assert_true(tz_valid("America/New_York"));
    assert_true(tz_valid("Etc/GMT+12"));
    tz_free(NULL);
}

static void test_today_in_zones(void **state)
{
    (void)state;
    /* UTC+14 and UTC-12 are always 26 hours apart: 1 or 2 calendar days. */
    int64_t east = tz_today("Pacific/Kiritimati");
    int64_t west = tz_today("Etc/GMT+12");
    assert_true(east - west == 1 || east - west == 2);
    int64_t utc = tz_today("UTC");
    assert_int_equal(tz_today("Not/AZone"), utc);
    assert_true(utc >= west && utc <= east);
}

/* New York 2026: 02:00-03:00 on March 8 does not exist; 01:00-02:00 on November 1 twice. */
static void test_local_to_utc_new_york(void **state)
{
    (void)state;
    struct tz_zone *z = load("America/New_York");
    enum tz_local_kind k;
    assert_string_equal(tz_name(z), "America/New_York");
    /* day 20520 = 2026-03-08 */
    assert_int_equal(tz_to_utc(z, wall(20520, 1, 59), &k), 1772953140); /* 06:59Z */
    assert_int_equal(k, TZ_LOCAL_UNIQUE);
    assert_int_equal(tz_to_utc(z, wall(20520, 2, 30), &k), 1772955000); /* 07:30Z = 03:30 EDT */
    assert_int_equal(k, TZ_LOCAL_GAP);
    assert_int_equal(tz_to_utc(z, wall(20520, 2, 0), &k), 1772953200); /* 07:00Z */
    assert_int_equal(k, TZ_LOCAL_GAP);
    assert_int_equal(tz_to_utc(z, wall(20520, 3, 30), &k), 1772955000);
    assert_int_equal(k, TZ_LOCAL_UNIQUE);
    /* day 20758 = 2026-11-01: the earlier of 05:30Z (EDT) and 06:30Z (EST) */
    assert_int_equal(tz_to_utc(z, wall(20758, 1, 30), &k), 1793511000);
    assert_int_equal(k, TZ_LOCAL_OVERLAP);
    assert_int_equal(tz_to_utc(z, wall(20758, 1, 0), &k), 1793509200);
    assert_int_equal(k, TZ_LOCAL_OVERLAP);
    assert_int_equal(tz_to_utc(z, wall(20758, 2, 0), &k), 1793516400); /* 07:00Z EST */
    assert_int_equal(k, TZ_LOCAL_UNIQUE);
    assert_int_equal(tz_to_utc(z, wall(20758, 0, 59), NULL), 1793509140); /* 04:59Z */
    /* and back: the wall clock of each instant */
    assert_int_equal(tz_local(z, 1793511000), wall(20758, 1, 30));
    assert_int_equal(tz_local(z, 1793514600), wall(20758, 1, 30));
    assert_int_equal(tz_local(z, 1772953200), wall(20520, 3, 0));
    tz_free(z);
}

static void test_half_hour_zones(void **state)
{
    (void)state;
    struct tz_zone *z = load("Asia/Kolkata");
    enum tz_local_kind k;
    /* 2026-03-03 (day 20515) 14:30 IST = 09:00Z */
    assert_int_equal(tz_to_utc(z, wall(20515, 14, 30), &k), 1772528400);
    assert_int_equal(k, TZ_LOCAL_UNIQUE);
    assert_int_equal(tz_offset_at(z, 1772528400), 19800);
    char buf[CIVIL_WHEN_SIZE];
    tz_format_when(z, 1772528400, buf, sizeof buf);
    assert_string_equal(buf, "Tuesday, March 03 at 02:30 PM");
    tz_free(z);

    /* Lord Howe: 30-minute DST. 2026-04-05 (day 20548) 01:45 happens at 14:45Z and 15:15Z;
     * 2026-10-04 (day 20730) 02:15 does not happen (02:00 -> 02:30) */
    z = load("Australia/Lord_Howe");
    assert_int_equal(tz_to_utc(z, wall(20548, 1, 45), &k), 1775313900);
    assert_int_equal(k, TZ_LOCAL_OVERLAP);
    assert_int_equal(tz_to_utc(z, wall(20730, 2, 15), &k), 1791042300);
    assert_int_equal(k, TZ_LOCAL_GAP);
    assert_int_equal(tz_to_utc(z, wall(20730, 2, 45), &k), 1791042300);
    assert_int_equal(k, TZ_LOCAL_UNIQUE);
    /* 2026-07-01 (day 20635) 12:00 +10:30; 2026-12-01 (day 20788) 12:00 +11 */
    assert_int_equal(tz_to_utc(z, wall(20635, 12, 0), NULL), 1782869400);
    assert_int_equal(tz_to_utc(z, wall(20788, 12, 0), NULL), 1796086800);
    tz_free(z);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Every day from -100,000 (1696-03-17, a Saturday) to +100,000 (2243-10-17, a Tuesday),
 * walked with the test's own month lengths. */
static void test_civil_round_trip(void **state)
{
    (void)state;
    static const int mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y = 1696;
    int m = 3, d = 17, wd = 5;
    for (int64_t day = -100000; day <= 100000; day++) {
        int64_t gy;
        int gm, gd;
        civil_ymd_from_days(day, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d || civil_days_from_ymd(y, m, d) != day ||
            civil_weekday(day) != wd)
            fail_msg("day %lld: got %lld-%d-%d weekday %d, want %lld-%d-%d weekday %d",
                     (long long)day, (long long)gy, gm, gd, civil_weekday(day), (long long)y, m,
                     d, wd);
        wd = (wd + 1) % 7;
        if (++d > mlen[m - 1] + (m == 2 && is_leap(y))) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(y, 2243);
    assert_int_equal(m, 10);
    assert_int_equal(d, 18);
}

static void test_weekdays_and_days(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        int64_t days;
        const char *weekday;
    } cases[] = {
        {"1970-01-01", 0, "Thursday"},      {"1969-12-31", -1, "Wednesday"},
        {"2000-01-01", 10957, "Saturday"},  {"2026-03-08", 20520, "Sunday"},
        {"1600-03-01", -135080, "Wednesday"}, {"2024-02-29", 19782, "Thursday"},
        {"2026-11-27", 20784, "Friday"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t days = 99;
        assert_true(civil_parse_date(cases[i].date, &days));
        assert_int_equal(days, cases[i].days);
        assert_int_equal(civil_date_days(cases[i].date), cases[i].days);
        assert_string_equal(civil_weekday_name(civil_weekday(days)), cases[i].weekday);
        char back[CIVIL_DATE_SIZE];
        civil_format_date(days, back, sizeof back);
        assert_string_equal(back, cases[i].date);
    }
    assert_int_equal(civil_date_days("2026-03-02") - civil_date_days("2026-02-27"), 3);
    assert_int_equal(civil_date_days("2025-01-01") - civil_date_days("2024-01-01"), 366);
    static const char *const bad[] = {"2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01",
                                      "2026-00-10", "2026-1-01", "0000-01-01", "2026-01-01T",
                                      "tomorrow", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t days = 99;
        if (civil_parse_date(bad[i], &days) || days != 99)
            fail_msg("\"%s\" parsed as a date", bad[i]);
    }
    assert_int_equal(civil_date_days("nonsense"), 0);
    assert_int_equal(civil_day_of(-1), -1);
    assert_int_equal(civil_day_of(-86400), -1);
    assert_int_equal(civil_day_of(-86401), -2);
    assert_int_equal(civil_day_of(86399), 0);
    assert_string_equal(civil_weekday_name(7), "");
    assert_string_equal(civil_month_name(0), "");
    assert_string_equal(civil_month_name(12), "December");
    assert_int_equal(civil_days_in_month(2000, 2), 29);
    assert_int_equal(civil_days_in_month(2100, 2), 28);
    assert_int_equal(civil_days_in_month(2026, 13), 0);
}

static void test_formats(void **state)
{
    (void)state;
    char buf[CIVIL_WHEN_SIZE];
    civil_format_day(20784, buf, sizeof buf);
    assert_string_equal(buf, "November 27, 2026");
    civil_format_day(civil_date_days("2026-03-02"), buf, sizeof buf);
    assert_string_equal(buf, "March 02, 2026");
    civil_format_rfc3339(1772465400, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-02T15:30:00Z");
    civil_format_rfc3339(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    /* local seconds of 2026-03-03 (day 20515) at 14:30, 00:05 and 12:00 */
    civil_format_when(wall(20515, 14, 30), buf, sizeof buf);
    assert_string_equal(buf, "Tuesday, March 03 at 02:30 PM");
    civil_format_when(wall(20515, 0, 5), buf, sizeof buf);
    assert_string_equal(buf, "Tuesday, March 03 at 12:05 AM");
    civil_format_when(wall(20515, 12, 0), buf, sizeof buf);
    assert_string_equal(buf, "Tuesday, March 03 at 12:00 PM");
    char small[8];
    civil_format_when(wall(20515, 12, 0), small, sizeof small);
    assert_string_equal(small, "Tuesday");
}

static void test_rfc3339_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t t;
        bool zoned;
    } good[] = {
        {"2026-03-02T15:30:00Z", 1772465400, true},
        {"2026-03-02t15:30:00z", 1772465400, true},
        {"2026-03-02 15:30:00Z", 1772465400, true},
        {"2026-03-02T15:30:00.123456Z", 1772465400, true},
        {"2026-03-02T10:30:00-05:00", 1772465400, true},
        {"2026-03-02T21:00:00+05:30", 1772465400, true},
        {"2026-03-02T15:30:00", 1772465400, false}, /* wall clock: the caller's zone */
        {"2026-03-02T15:29:60Z", 1772465400, true},
        {"0001-01-01T00:00:00Z", -62135596800LL, true},
        {"9999-12-31T23:59:59Z", 253402300799LL, true},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t t = 0;
        bool zoned = !good[i].zoned;
        if (!civil_parse_rfc3339(good[i].s, &t, &zoned) || t != good[i].t ||
            zoned != good[i].zoned)
            fail_msg("%s: got %lld zoned %d", good[i].s, (long long)t, zoned);
    }
    static const char *const bad[] = {
        "2026-03-02",          "2026-03-02T15:30Z",         "2026-03-02T24:00:00Z",
        "2026-02-30T10:00:00Z", "2026-03-02T15:30:00+5:30", "2026-03-02T15:30:00+24:00",
        "2026-03-02T15:30:00.Z", "2026-03-02T15:30:00Zjunk", "2026-03-02X15:30:00Z",
        "0000-12-31T00:00:00Z", "",                          "2026-03-02T15:30:00.12345678901Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        bool zoned = false;
        if (civil_parse_rfc3339(bad[i], &t, &zoned) || t != 42)
            fail_msg("\"%s\" was accepted", bad[i]);
    }
    int64_t t = 0;
    bool zoned = false;
    assert_false(civil_parse_rfc3339(NULL, &t, &zoned));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_offsets),
        cmocka_unit_test(test_names_refused),
        cmocka_unit_test(test_today_in_zones),
        cmocka_unit_test(test_local_to_utc_new_york),
        cmocka_unit_test(test_half_hour_zones),
        cmocka_unit_test(test_civil_round_trip),
        cmocka_unit_test(test_weekdays_and_days),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_rfc3339_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
