/* SPDX-License-Identifier: MIT */
/* Civil (zone-less) calendar arithmetic for core/tz.h: day numbers to and from the
 * proleptic Gregorian calendar (Howard Hinnant's days_from_civil and civil_from_days
 * algorithms, exact over eras of 400 years), weekdays, and the date formats the API speaks:
 * "YYYY-MM-DD", RFC 3339 UTC, "November 27, 2026", "Tuesday, March 03 at 02:30 PM". */
#include "core/tz.h"

#include <stdio.h>
#include <string.h>

static const char *const weekdays[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
static const char *const months[12] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t civil_days_from_ymd(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (int64_t)(m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_ymd_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t civil_day_of(int64_t t)
{
    return floor_div(t, 86400);
}

int civil_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0) */
    return (int)(((days % 7) + 7 + 3) % 7);
}

const char *civil_weekday_name(int weekday)
{
    return weekday >= 0 && weekday < 7 ? weekdays[weekday] : "";
}

const char *civil_month_name(int m)
{
    return m >= 1 && m <= 12 ? months[m - 1] : "";
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int civil_days_in_month(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return mdays[m - 1] + (m == 2 && leap(y));
}

/* ---- parsing ------------------------------------------------------------------------- */

/* n decimal digits at s into *v; false when one is not a digit. */
static bool digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

/* "YYYY-MM-DD" at s (no terminator check) into a day number. */
static bool date_at(const char *s, int64_t *days)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    if (y < 1 || d < 1 || d > civil_days_in_month(y, m))
        return false;
    *days = civil_days_from_ymd(y, m, d);
    return true;
}

bool civil_parse_date(const char *s, int64_t *days)
{
    return s && strnlen(s, 11) == 10 && date_at(s, days);
}

int64_t civil_date_days(const char *date)
{
    int64_t days = 0;
    return civil_parse_date(date, &days) ? days : 0;
}

bool civil_parse_rfc3339(const char *s, int64_t *t, bool *zoned)
{
    int64_t days;
    int hh, mi, ss, oh = 0, om = 0;
    if (!s || strnlen(s, 20) < 19 || !date_at(s, &days))
        return false;
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &hh) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &ss))
        return false;
    if (hh > 23 || mi > 59 || ss > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        while (p[1 + n] >= '0' && p[1 + n] <= '9' && n < 10)
            n++;
        if (n == 0 || n == 10)
            return false;
        p += 1 + n;
    }
    bool has_off = *p != '\0';
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return false;
        if (*p == '-') {
            oh = -oh;
            om = -om;
        }
        p += 6;
    }
    if (*p != '\0')
        return false;
    *t = days * 86400 + hh * 3600 + mi * 60 + ss - (oh * 3600 + om * 60);
    *zoned = has_off;
    return true;
}

/* ---- writing ------------------------------------------------------------------------- */

void civil_format_date(int64_t days, char *buf, size_t len)
{
    int64_t y;
    int m, d;
    civil_ymd_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02d-%02d", (long long)y, m, d);
}

void civil_format_rfc3339(int64_t t, char *buf, size_t len)
{
    int64_t days = civil_day_of(t);
    int64_t secs = t - days * 86400;
    int64_t y;
    int m, d;
    civil_ymd_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void civil_format_day(int64_t days, char *buf, size_t len)
{
    int64_t y;
    int m, d;
    civil_ymd_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%s %02d, %lld", months[m - 1], d, (long long)y);
}

void civil_format_when(int64_t local, char *buf, size_t len)
{
    int64_t days = civil_day_of(local);
    int secs = (int)(local - days * 86400);
    int64_t y;
    int m, d, h = secs / 3600;
    civil_ymd_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%s, %s %02d at %02d:%02d %s", weekdays[civil_weekday(days)],
             months[m - 1], d, h % 12 == 0 ? 12 : h % 12, secs / 60 % 60, h < 12 ? "AM" : "PM");
}
