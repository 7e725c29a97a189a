/* SPDX-License-Identifier: MIT */
/* "Today" in a tenant's IANA time zone, read straight from the system tzdata (TZif files,
 * RFC 8536, with the POSIX TZ footer for instants past the last transition).
 *
 * Why not libc or libical: localtime_r follows the process-wide TZ, and libical 3.0's
 * built-in zone table is not thread-safe (icaltimezone_get_builtin_timezone reads zone
 * names another thread may be freeing while it loads a zone; ASan caught it under load).
 * This reader keeps no shared state: each call reads and parses one small file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rentals/rentals.h"

#define TZIF_MAX (256 * 1024)
#define HEADER 44

struct tzif {
    const unsigned char *trans; /* timecnt big-endian times of tsize bytes */
    const unsigned char *idx;   /* timecnt type indexes */
    const unsigned char *types; /* typecnt 6-byte records: utoff, isdst, desigidx */
    uint32_t timecnt, typecnt;
    int tsize;
    const char *footer; /* POSIX TZ string, NUL-terminated copy in the caller's buffer */
};

static int64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    if (n < 8 && (p[0] & 0x80))
        v |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    return (int64_t)v;
}

/* Reads /usr/share/zoneinfo/<name> (or $TZDIR); refuses names that could leave it. */
static unsigned char *read_zone(const char *name, size_t *len)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    if (!name || !*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 128)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    unsigned char *buf = malloc(TZIF_MAX + 1);
    size_t n = 0;
    ssize_t got;
    while (buf && n < TZIF_MAX &&
           ((got = read(fd, buf + n, TZIF_MAX - n)) > 0 || (got < 0 && errno == EINTR)))
        n += got > 0 ? (size_t)got : 0;
    close(fd);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* Block size of one data block for the counts at h (time size tsize). */
static size_t block_size(const unsigned char *h, int tsize, uint32_t *timecnt, uint32_t *typecnt)
{
    uint32_t isut = (uint32_t)be(h + 20, 4), isstd = (uint32_t)be(h + 24, 4);
    uint32_t leap = (uint32_t)be(h + 28, 4), tc = (uint32_t)be(h + 32, 4);
    uint32_t ty = (uint32_t)be(h + 36, 4), ch = (uint32_t)be(h + 40, 4);
    if (tc > 100000 || ty > 256 || ty == 0 || ch > 65536 || leap > 10000 || isut > 256 ||
        isstd > 256)
        return 0;
    *timecnt = tc;
    *typecnt = ty;
    return (size_t)tc * (size_t)(tsize + 1) + (size_t)ty * 6 + ch +
           (size_t)leap * (size_t)(tsize + 4) + isstd + isut;
}

static bool parse(unsigned char *b, size_t len, struct tzif *z)
{
    uint32_t tc = 0, ty = 0;
    if (len < HEADER || memcmp(b, "TZif", 4) != 0)
        return false;
    size_t size = block_size(b, 4, &tc, &ty);
    size_t at = HEADER;
    z->tsize = 4;
    z->footer = NULL;
    if (ty == 0)
        return false;
    if (b[4] >= '2') {
        at += size;
        if (at + HEADER > len || memcmp(b + at, "TZif", 4) != 0)
            return false;
        size = block_size(b + at, 8, &tc, &ty);
        at += HEADER;
        z->tsize = 8;
        if (ty == 0)
            return false;
        if (at + size < len && b[at + size] == '\n') {
            char *f = (char *)b + at + size + 1;
            char *nl = strchr(f, '\n');
            if (nl) {
                *nl = '\0';
                z->footer = f;
            }
        }
    }
    if (at + size > len)
        return false;
    z->timecnt = tc;
    z->typecnt = ty;
    z->trans = b + at;
    z->idx = z->trans + (size_t)tc * (size_t)z->tsize;
    z->types = z->idx + tc;
    return true;
}

/* ---- POSIX TZ strings ("CST6CDT,M3.2.0,M11.1.0") ------------------------------------ */

static const char *skip_name(const char *s)
{
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e ? e + 1 : NULL;
    }
    const char *p = s;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] in seconds; *s advanced. */
static bool hms(const char **s, long *out)
{
    const char *p = *s;
    long sign = 1, v[3] = {0, 0, 0};
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return false;
        char *end;
        v[i] = strtol(p, &end, 10);
        /* RFC 8536: hours up to 167, minutes and seconds up to 59; no overlong runs */
        if (end - p > 3 || v[i] > (i == 0 ? 167 : 59))
            return false;
        p = end;
        if (*p != ':' || i == 2)
            break;
        p++;
    }
    *s = p;
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return true;
}

struct rule {
    char kind; /* 'M', 'J' or 'n' */
    int m, w, d;
    long time;
};

static bool parse_rule(const char **s, struct rule *r)
{
    const char *p = *s;
    char *end;
    r->time = 7200;
    if (*p == 'M') {
        r->kind = 'M';
        r->m = (int)strtol(p + 1, &end, 10);
        if (*end != '.')
            return false;
        r->w = (int)strtol(end + 1, &end, 10);
        if (*end != '.')
            return false;
        r->d = (int)strtol(end + 1, &end, 10);
        if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 || r->d > 6)
            return false;
    } else {
        r->kind = *p == 'J' ? 'J' : 'n';
        r->d = (int)strtol(p + (*p == 'J'), &end, 10);
        if (end == p + (*p == 'J') || r->d < 0 || r->d > 365)
            return false;
    }
    p = end;
    if (*p == '/') {
        p++;
        if (!hms(&p, &r->time))
            return false;
    }
    *s = p;
    return true;
}

static bool leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int64_t jan1(int64_t y)
{
    char date[40];
    snprintf(date, sizeof date, "%04lld-01-01", (long long)y);
    return rentals_date_days(date);
}

/* The calendar year holding day number days (days since 1970-01-01). */
static int64_t year_of(int64_t days)
{
    int64_t y = 1970 + days * 400 / 146097;
    while (jan1(y) > days)
        y--;
    while (jan1(y + 1) <= days)
        y++;
    return y;
}

/* Local seconds since the epoch at which rule r fires in year y. */
static int64_t rule_local(const struct rule *r, int64_t y)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char date[40];
    int64_t first_day = jan1(y);
    int64_t day;
    if (r->kind == 'J') {
        day = first_day + r->d - 1 + (leap_year(y) && r->d >= 60);
    } else if (r->kind == 'n') {
        day = first_day + r->d;
    } else {
        snprintf(date, sizeof date, "%04lld-%02d-01", (long long)y, r->m);
        int64_t first = rentals_date_days(date);
        int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        int dom = 1 + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
        int dim = mdays[r->m - 1] + (r->m == 2 && leap_year(y));
        while (dom > dim)
            dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400 + r->time;
}

/* UTC offset at t from a POSIX TZ string; false when it cannot be read. */
static bool posix_offset(const char *tz, int64_t t, long *off)
{
    const char *p = skip_name(tz);
    long std = 0, dst;
    struct rule start, end;
    if (!p || !hms(&p, &std))
        return false;
    std = -std; /* POSIX offsets count west */
    if (*p == '\0') {
        *off = std;
        return true;
    }
    if (!(p = skip_name(p)))
        return false;
    dst = std + 3600;
    if (*p && *p != ',') {
        if (!hms(&p, &dst))
            return false;
        dst = -dst;
    }
    if (*p != ',' || (p++, !parse_rule(&p, &start)) || *p != ',' ||
        (p++, !parse_rule(&p, &end)) || *p)
        return false;
    int64_t local_days = (t + std) >= 0 ? (t + std) / 86400 : ((t + std) - 86399) / 86400;
    int64_t y = year_of(local_days);
    int64_t s_utc = rule_local(&start, y) - std;
    int64_t e_utc = rule_local(&end, y) - dst;
    bool in_dst = s_utc < e_utc ? (t >= s_utc && t < e_utc) : !(t >= e_utc && t < s_utc);
    *off = in_dst ? dst : std;
    return true;
}

/* ---- lookup -------------------------------------------------------------------------- */

bool rentals_tz_offset(const char *zone, int64_t t, long *off)
{
    size_t len = 0;
    struct tzif z;
    unsigned char *buf = read_zone(zone, &len);
    bool ok = buf && parse(buf, len, &z);
    if (ok) {
        int64_t last = z.timecnt ? be(z.trans + (size_t)(z.timecnt - 1) * (size_t)z.tsize,
                                      z.tsize)
                                 : INT64_MIN;
        if (!(t >= last && z.footer && *z.footer && posix_offset(z.footer, t, off))) {
            uint32_t lo = 0, hi = z.timecnt; /* first transition after t */
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (be(z.trans + (size_t)mid * (size_t)z.tsize, z.tsize) <= t)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            unsigned type = lo > 0 ? z.idx[lo - 1] : 0;
            ok = type < z.typecnt;
            if (ok)
                *off = (long)be(z.types + 6 * (size_t)type, 4);
        }
    }
    free(buf);
    return ok;
}

int64_t rentals_today_in_zone(const char *tz)
{
    long off = 0;
    int64_t now = (int64_t)time(NULL);
    if (!rentals_tz_offset(tz, now, &off))
        off = 0;
    int64_t local = now + off;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}
