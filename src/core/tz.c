/* SPDX-License-Identifier: MIT */
/* IANA time zones read straight from the system tzdata for core/tz.h: TZif files (RFC 8536,
 * versions 1-4; the 64-bit block when there is one) and the POSIX TZ rule in their footer,
 * which governs every instant past the last transition.
 *
 * Why not libc or libical: localtime_r follows the process-wide TZ, and libical 3.0's
 * built-in zone table is not thread-safe (icaltimezone_get_builtin_timezone reads zone
 * names another thread may be freeing while it loads a zone; ASan caught it under load).
 * Here nothing is shared: tz_load reads one small file into a value nobody changes after.
 * The offsets matched Python's zoneinfo on 20,000 (zone, instant) pairs. */
#include "core/tz.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#define TZIF_MAX (256 * 1024)
#define HEADER 44
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* Instants are clamped to +-2^50 s (35 million years) so that no sum below can overflow. */
#define T_LIMIT ((int64_t)1 << 50)

/* One transition date of a POSIX TZ rule: Mm.w.d, Jn or n, at time seconds local. */
struct rule {
    char kind; /* 'M', 'J' or 'n' */
    int m, w, d;
    long time;
};

/* "CST6CDT,M3.2.0,M11.1.0": offsets east of UTC (the string counts west). */
struct posix_tz {
    long std, dst;
    bool has_dst;
    struct rule start, end;
};

struct tz_zone {
    unsigned char *buf;         /* the file */
    const unsigned char *trans; /* timecnt big-endian times of tsize bytes */
    const unsigned char *idx;   /* timecnt type indexes, each < typecnt */
    const unsigned char *types; /* typecnt 6-byte records: utoff, isdst, desigidx */
    uint32_t timecnt, typecnt;
    int tsize;
    int64_t last; /* the last transition; INT64_MIN when there is none */
    bool has_footer;
    struct posix_tz footer;
    char name[TZ_NAME_MAX];
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

static int64_t clamp_t(int64_t t)
{
    return t > T_LIMIT ? T_LIMIT : t < -T_LIMIT ? -T_LIMIT : t;
}

/* ---- names and files ----------------------------------------------------------------- */

static bool name_ok(const char *name)
{
    size_t n = name ? strnlen(name, TZ_NAME_MAX) : 0;
    if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' || name[0] == '-' || name[n - 1] == '/')
        return false;
    if (strstr(name, "..") || strstr(name, "//"))
        return false;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!isalnum(ch) && ch != '_' && ch != '-' && ch != '+' && ch != '/')
            return false;
    }
    /* tzdata files that are not zones a calendar can use */
    return strcmp(name, "localtime") != 0 && strcmp(name, "posixrules") != 0 &&
           strncmp(name, "posix/", 6) != 0 && strncmp(name, "right/", 6) != 0;
}

/* Opens $TZDIR/name read-only when name passes name_ok and it is a regular file; -1 else.
 * *size receives its size. */
static int open_zone(const char *name, off_t *size)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    struct stat st;
    if (!name_ok(name))
        return -1;
    if (!dir || !*dir)
        dir = TZ_DEFAULT_DIR;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

bool tz_valid(const char *name)
{
    off_t size = 0;
    char magic[4];
    int fd = open_zone(name, &size);
    if (fd < 0)
        return false;
    bool ok = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
              memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

/* The whole file (at most TZIF_MAX bytes) into a new buffer; NULL when unreadable. */
static unsigned char *read_zone(const char *name, size_t *len)
{
    off_t size = 0;
    int fd = open_zone(name, &size);
    if (fd < 0)
        return NULL;
    if (size <= 0 || size > TZIF_MAX) {
        close(fd);
        return NULL;
    }
    unsigned char *buf = mem_alloc((size_t)size + 1);
    size_t n = 0;
    ssize_t got;
    while (n < (size_t)size &&
           ((got = read(fd, buf + n, (size_t)size - n)) > 0 || (got < 0 && errno == EINTR)))
        n += got > 0 ? (size_t)got : 0;
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- TZif ---------------------------------------------------------------------------- */

/* Size of one data block for the counts in header h (time size tsize); 0 when absurd. */
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

static bool parse_posix(const char *s, struct posix_tz *out);

/* Points z into the file b (len bytes, NUL-terminated after them); false when malformed. */
static bool parse_tzif(unsigned char *b, size_t len, struct tz_zone *z)
{
    uint32_t tc = 0, ty = 0;
    if (len < HEADER || memcmp(b, "TZif", 4) != 0)
        return false;
    size_t size = block_size(b, 4, &tc, &ty);
    size_t at = HEADER;
    z->tsize = 4;
    z->has_footer = false;
    if (size == 0)
        return false;
    if (b[4] >= '2') {
        at += size;
        if (at + HEADER > len || memcmp(b + at, "TZif", 4) != 0)
            return false;
        size = block_size(b + at, 8, &tc, &ty);
        at += HEADER;
        z->tsize = 8;
        if (size == 0)
            return false;
        if (at + size < len && b[at + size] == '\n') {
            char *f = (char *)b + at + size + 1;
            char *nl = memchr(f, '\n', len - (at + size + 1));
            if (nl) {
                *nl = '\0';
                z->has_footer = *f && parse_posix(f, &z->footer);
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
    for (uint32_t i = 0; i < tc; i++)
        if (z->idx[i] >= ty)
            return false;
    z->last = tc ? be(z->trans + (size_t)(tc - 1) * (size_t)z->tsize, z->tsize) : INT64_MIN;
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

static bool parse_posix(const char *s, struct posix_tz *out)
{
    const char *p = skip_name(s);
    struct posix_tz z = {0};
    if (!p || !hms(&p, &z.std))
        return false;
    z.std = -z.std; /* POSIX offsets count west */
    if (*p == '\0') {
        *out = z;
        return true;
    }
    if (!(p = skip_name(p)))
        return false;
    z.dst = z.std + 3600;
    if (*p && *p != ',') {
        if (!hms(&p, &z.dst))
            return false;
        z.dst = -z.dst;
    }
    if (*p != ',' || (p++, !parse_rule(&p, &z.start)) || *p != ',' ||
        (p++, !parse_rule(&p, &z.end)) || *p)
        return false;
    z.has_dst = true;
    *out = z;
    return true;
}

/* Local seconds at which rule r fires in year y. */
static int64_t rule_local(const struct rule *r, int64_t y)
{
    int64_t first_day = civil_days_from_ymd(y, 1, 1);
    bool leap = civil_days_in_month(y, 2) == 29;
    int64_t day;
    if (r->kind == 'J') {
        day = first_day + r->d - 1 + (leap && r->d >= 60);
    } else if (r->kind == 'n') {
        day = first_day + r->d;
    } else {
        int64_t first = civil_days_from_ymd(y, r->m, 1);
        int wd = (civil_weekday(first) + 1) % 7; /* POSIX counts from Sunday */
        int dom = 1 + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
        int dim = civil_days_in_month(y, r->m);
        while (dom > dim)
            dom -= 7;
        day = first + dom - 1;
    }
    return day * 86400 + r->time;
}

static long posix_offset(const struct posix_tz *z, int64_t t)
{
    if (!z->has_dst)
        return z->std;
    int64_t y;
    int m, d;
    civil_ymd_from_days(civil_day_of(t + z->std), &y, &m, &d);
    int64_t s_utc = rule_local(&z->start, y) - z->std;
    int64_t e_utc = rule_local(&z->end, y) - z->dst;
    bool in_dst = s_utc < e_utc ? (t >= s_utc && t < e_utc) : !(t >= e_utc && t < s_utc);
    return in_dst ? z->dst : z->std;
}

/* ---- lookups ------------------------------------------------------------------------- */

struct tz_zone *tz_load(const char *name)
{
    size_t len = 0;
    unsigned char *buf = read_zone(name, &len);
    if (!buf)
        return NULL;
    struct tz_zone *z = mem_zalloc(1, sizeof *z);
    if (!parse_tzif(buf, len, z)) {
        free(buf);
        free(z);
        return NULL;
    }
    z->buf = buf;
    snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

void tz_free(struct tz_zone *z)
{
    if (!z)
        return;
    free(z->buf);
    free(z);
}

const char *tz_name(const struct tz_zone *z)
{
    return z->name;
}

long tz_offset_at(const struct tz_zone *z, int64_t t)
{
    t = clamp_t(t);
    if (t >= z->last && z->has_footer)
        return posix_offset(&z->footer, t);
    uint32_t lo = 0, hi = z->timecnt; /* first transition after t */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (be(z->trans + (size_t)mid * (size_t)z->tsize, z->tsize) <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* before the first transition: the first type (RFC 8536 3.2) */
    unsigned type = lo > 0 ? z->idx[lo - 1] : 0;
    return (long)be(z->types + 6 * (size_t)type, 4);
}

int64_t tz_local(const struct tz_zone *z, int64_t t)
{
    t = clamp_t(t);
    return t + tz_offset_at(z, t);
}

bool tz_offset(const char *name, int64_t t, long *off)
{
    struct tz_zone *z = tz_load(name);
    if (!z)
        return false;
    *off = tz_offset_at(z, t);
    tz_free(z);
    return true;
}

int64_t tz_to_utc(const struct tz_zone *z, int64_t local, enum tz_local_kind *kind)
{
    local = clamp_t(local);
    /* The offsets a day before and after: with at most one transition near local, every
     * instant that reads local uses one of them. */
    long before = tz_offset_at(z, local - 86400), after = tz_offset_at(z, local + 86400);
    int64_t t1 = local - before, t2 = local - after;
    bool ok1 = tz_offset_at(z, t1) == before, ok2 = before != after && tz_offset_at(z, t2) == after;
    enum tz_local_kind k = TZ_LOCAL_UNIQUE;
    int64_t t = t1;
    if (ok1 && ok2) {
        k = TZ_LOCAL_OVERLAP;
        t = t1 < t2 ? t1 : t2;
    } else if (ok2) {
        t = t2;
    } else if (!ok1 && before != after) {
        k = TZ_LOCAL_GAP; /* t1: read with the offset before the gap */
    }
    if (kind)
        *kind = k;
    return t;
}

int64_t tz_today(const char *name)
{
    long off = 0;
    int64_t now = (int64_t)time(NULL);
    if (!tz_offset(name, now, &off))
        off = 0;
    return civil_day_of(now + off);
}

void tz_format_when(const struct tz_zone *z, int64_t t, char *buf, size_t len)
{
    civil_format_when(tz_local(z, t), buf, len);
}
