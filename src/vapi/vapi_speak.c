/* SPDX-License-Identifier: MIT */
/* Sentences for a voice: what the assistant reads to a caller must survive text-to-speech, so
 * money has a currency and a period ("$1,250 a month"), small counts are words, dates and
 * times are spelled the way people say them, and free text loses its Markdown and line
 * breaks. Every writer fills a caller's buffer, never cuts a UTF-8 character and allocates
 * nothing. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "vapi/vapi.h"

/* ---- a bounded writer --------------------------------------------------------------------- */

struct sw {
    char *p;
    size_t cap, n;
    bool full;
};

static void sw_init(struct sw *w, char *dst, size_t cap)
{
    w->p = dst;
    w->cap = cap;
    w->n = 0;
    w->full = false;
    dst[0] = '\0';
}

static void sw_putn(struct sw *w, const char *s, size_t len)
{
    if (w->full)
        return;
    size_t room = w->cap - 1 - w->n;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
        w->full = true;
    }
    memcpy(w->p + w->n, s, len);
    w->n += len;
    w->p[w->n] = '\0';
}

static void sw_put(struct sw *w, const char *s)
{
    sw_putn(w, s, strlen(s));
}

/* For short formats (numbers, dates): text longer than 127 bytes is cut, and then the cut
 * never leaves half a character. Arbitrary strings go through sw_put. */
__attribute__((format(printf, 2, 3))) static void sw_printf(struct sw *w, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    if ((size_t)n >= sizeof buf) {
        size_t start = len;
        while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
            start--;
        if (start > 0 && (unsigned char)buf[start - 1] >= 0xC0)
            len = start - 1; /* the last character lost its tail */
    }
    sw_putn(w, buf, len);
}

/* ---- numbers ------------------------------------------------------------------------------ */

static const char *const small_words[] = {"zero", "one", "two", "three", "four", "five",
                                          "six",  "seven", "eight", "nine", "ten"};

/* v with thousands separators: 1250 -> "1,250". */
static void put_grouped(struct sw *w, unsigned long long v)
{
    char digits[32], out[48];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    sw_putn(w, out, o);
}

/* A count as said: words up to ten, grouped digits above. */
static void put_count(struct sw *w, unsigned long long v)
{
    if (v <= 10)
        sw_put(w, small_words[v]);
    else
        put_grouped(w, v);
}

size_t vapi_speak_count(char *dst, size_t cap, int64_t n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (n >= 0)
        put_count(&w, (unsigned long long)n);
    return w.n;
}

size_t vapi_speak_money(char *dst, size_t cap, double dollars, bool monthly)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (!isfinite(dollars) || dollars < 0 || dollars > 1e12)
        return 0;
    long long cents = llround(dollars * 100.0);
    sw_put(&w, "$");
    put_grouped(&w, (unsigned long long)(cents / 100));
    if (cents % 100)
        sw_printf(&w, ".%02lld", cents % 100);
    if (monthly)
        sw_put(&w, " a month");
    return w.n;
}

size_t vapi_speak_bedrooms(char *dst, size_t cap, int64_t n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (n < 0)
        return 0;
    if (n == 0) {
        sw_put(&w, "a studio");
        return w.n;
    }
    put_count(&w, (unsigned long long)n);
    sw_put(&w, n == 1 ? " bedroom" : " bedrooms");
    return w.n;
}

size_t vapi_speak_baths(char *dst, size_t cap, double n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (!isfinite(n) || n < 0 || n > 1000)
        return 0;
    long long halves = llround(n * 2.0);
    long long whole = halves / 2;
    bool half = halves % 2 != 0;
    if (halves == 0)
        return 0;
    if (whole == 0) {
        sw_put(&w, "a half bath");
        return w.n;
    }
    put_count(&w, (unsigned long long)whole);
    if (half)
        sw_put(&w, " and a half");
    sw_put(&w, whole == 1 && !half ? " bath" : " baths");
    return w.n;
}

size_t vapi_speak_sqft(char *dst, size_t cap, int64_t n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (n <= 0)
        return 0;
    put_count(&w, (unsigned long long)n);
    sw_put(&w, n == 1 ? " square foot" : " square feet");
    return w.n;
}

/* ---- dates -------------------------------------------------------------------------------- */

static const char *const month_names[] = {"January", "February", "March",     "April",
                                          "May",     "June",     "July",      "August",
                                          "September", "October", "November", "December"};
static const char *const weekday_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct vapi_date vapi_date_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    struct vapi_date d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

static bool date_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

bool vapi_date_parse(const char *s, struct vapi_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (!date_valid(y, m, d))
        return false;
    out->year = y;
    out->month = m;
    out->day = d;
    return true;
}

static int date_cmp(const struct vapi_date *a, const struct vapi_date *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return a->day < b->day ? -1 : a->day > b->day;
}

/* "March 3", plus ", 2027" when the year is not today's. */
static void put_day(struct sw *w, int y, int m, int d, const struct vapi_date *today)
{
    sw_printf(w, "%s %d", month_names[m - 1], d);
    if (today && today->year != y)
        sw_printf(w, ", %d", y);
}

size_t vapi_speak_available(char *dst, size_t cap, const struct vapi_date *date,
                            const struct vapi_date *today)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (!date || !date_valid(date->year, date->month, date->day) ||
        (today && date_cmp(date, today) <= 0)) {
        sw_put(&w, "available now");
        return w.n;
    }
    sw_put(&w, "available ");
    put_day(&w, date->year, date->month, date->day, today);
    return w.n;
}

size_t vapi_speak_time(char *dst, size_t cap, const struct tm *t, const struct vapi_date *today)
{
    struct sw w;
    sw_init(&w, dst, cap);
    if (!t || t->tm_year < -1899 || t->tm_year > 8099)
        return 0;
    int y = t->tm_year + 1900, m = t->tm_mon + 1, d = t->tm_mday;
    if (!date_valid(y, m, d) || t->tm_hour < 0 || t->tm_hour > 23 || t->tm_min < 0 ||
        t->tm_min > 59)
        return 0;
    int64_t wd = (days_from_civil(y, m, d) % 7 + 11) % 7; /* 1970-01-01 was a Thursday */
    sw_printf(&w, "%s, ", weekday_names[wd]);
    put_day(&w, y, m, d, today);
    int h12 = t->tm_hour % 12 == 0 ? 12 : t->tm_hour % 12;
    const char *ampm = t->tm_hour < 12 ? "AM" : "PM";
    if (t->tm_min)
        sw_printf(&w, " at %d:%02d %s", h12, t->tm_min, ampm);
    else
        sw_printf(&w, " at %d %s", h12, ampm);
    return w.n;
}

/* ---- lists -------------------------------------------------------------------------------- */

/* Non-empty items joined with ", " and last before the final one (NULL: choices). */
static void put_join(struct sw *w, const char *const *items, size_t n, const char *last)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        total += items[i] && *items[i];
    for (size_t i = 0; i < n; i++) {
        if (!items[i] || !*items[i])
            continue;
        if (k > 0)
            sw_put(w, k < total - 1 ? ", " : last ? last : total > 2 ? ", or " : " or ");
        sw_put(w, items[i]);
        k++;
    }
}

size_t vapi_speak_join(char *dst, size_t cap, const char *const *items, size_t n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    put_join(&w, items, n, " and ");
    return w.n;
}

size_t vapi_speak_choices(char *dst, size_t cap, const char *const *items, size_t n)
{
    struct sw w;
    sw_init(&w, dst, cap);
    put_join(&w, items, n, NULL); /* "or", with a comma before it after two or more */
    return w.n;
}

/* ---- addresses ---------------------------------------------------------------------------- */

/* A unit marker word at s (case-insensitive, then a space, '.' or '#'): its length, and the
 * word to say. */
static size_t unit_word(const char *s, const char **say)
{
    static const struct {
        const char *word, *say;
    } words[] = {{"unit", "unit"},   {"apt", "unit"},   {"apartment", "unit"},
                 {"suite", "suite"}, {"ste", "suite"},  {"room", "room"},
                 {"lot", "lot"}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (strncasecmp(s, words[i].word, n) == 0 && (s[n] == ' ' || s[n] == '.' || s[n] == '#')) {
            *say = words[i].say;
            return n;
        }
    }
    return 0;
}

/* The length of a unit marker at s ("#", "Unit", "Apt." ..., or a spaced "- " optionally
 * followed by one of those), setting *say; 0 when there is none. */
static size_t unit_marker(const char *s, const char **say)
{
    *say = "unit";
    if (s[0] == '#')
        return 1;
    if (s[0] == '-' && s[1] == ' ') {
        size_t k = 1 + strspn(s + 1, " ");
        size_t more = s[k] == '#' ? 1 : unit_word(s + k, say);
        return k + more;
    }
    return unit_word(s, say);
}

/* Finds a unit in a street line (not at its start): *cut is where the street ends, *unit where
 * the unit starts, *say the word to say. false when there is none. */
static bool find_unit(const char *s, size_t *cut, const char **unit, const char **say)
{
    if (!s[0])
        return false;
    for (size_t i = 1; s[i]; i++) {
        if (s[i - 1] != ' ')
            continue;
        size_t k = unit_marker(s + i, say);
        if (k == 0)
            continue;
        const char *u = s + i + k;
        u += strspn(u, " .#");
        if (*u) {
            *cut = i;
            *unit = u;
            return true;
        }
    }
    return false;
}

static size_t trim_end(const char *s, size_t n, const char *chars)
{
    while (n > 0 && strchr(chars, s[n - 1]))
        n--;
    return n;
}

size_t vapi_speak_address(char *dst, size_t cap, const char *property_address,
                          const char *unit, const char *city)
{
    struct sw w;
    char line[256], extra[64];
    sw_init(&w, dst, cap);
    vapi_speak_sanitize(line, sizeof line, property_address ? property_address : "");
    char *comma = strchr(line, ','), *after = NULL;
    if (comma) {
        *comma = '\0';
        after = comma + 1 + strspn(comma + 1, " ");
    }
    size_t cut = 0, k = 0;
    const char *u = NULL, *say = "unit";
    bool has_unit = find_unit(line, &cut, &u, &say);
    if (!has_unit && after && (k = unit_marker(after, &say)) > 0) {
        /* "123 Main St, Apt 4B, Norman": the unit after the first comma */
        char *v = after + k + strspn(after + k, " .#");
        v[strcspn(v, ",")] = '\0';
        if (*v) {
            has_unit = true;
            cut = strlen(line);
            u = v;
        }
    }
    if (has_unit) {
        sw_putn(&w, line, trim_end(line, cut, " ,-"));
    } else {
        sw_putn(&w, line, trim_end(line, strlen(line), " ,-"));
        vapi_speak_sanitize(extra, sizeof extra, unit ? unit : "");
        u = extra + strspn(extra, "# ");
        has_unit = *u && w.n > 0;
    }
    if (has_unit) {
        sw_put(&w, ", ");
        sw_put(&w, say);
        sw_put(&w, " ");
        sw_put(&w, u);
    }
    vapi_speak_sanitize(extra, sizeof extra, city ? city : "");
    if (*extra && w.n > 0) {
        sw_put(&w, has_unit ? ", in " : " in ");
        sw_put(&w, extra);
    }
    return w.n;
}

/* ---- a listing ---------------------------------------------------------------------------- */

size_t vapi_speak_rental(char *dst, size_t cap, const struct rental *r,
                         const struct vapi_date *today)
{
    struct sw w;
    char addr[200], beds[40], baths[40], sqft[40], price[48];
    sw_init(&w, dst, cap);
    if (!vapi_speak_address(addr, sizeof addr, r->address, r->unit, r->city))
        snprintf(addr, sizeof addr, "This listing");
    beds[0] = baths[0] = sqft[0] = price[0] = '\0';
    bool studio = r->has_bedrooms && r->bedrooms == 0;
    if (r->has_bedrooms && r->bedrooms > 0)
        vapi_speak_bedrooms(beds, sizeof beds, r->bedrooms);
    if (r->has_bathrooms)
        vapi_speak_baths(baths, sizeof baths, r->bathrooms);
    if (r->has_square_feet)
        vapi_speak_sqft(sqft, sizeof sqft, r->square_feet);
    if (r->has_price && r->price > 0)
        vapi_speak_money(price, sizeof price, r->price, true);
    const char *parts[] = {beds, baths, sqft};
    sw_put(&w, addr);
    if (studio) {
        sw_put(&w, " is a studio");
        if (*baths || *sqft)
            sw_put(&w, " with ");
        put_join(&w, parts + 1, 2, " and ");
    } else if (*beds || *baths || *sqft) {
        sw_put(&w, " has ");
        put_join(&w, parts, 3, " and ");
    }
    bool rooms = studio || *beds || *baths || *sqft;
    if (*price) {
        sw_put(&w, rooms ? ", for " : " rents for ");
        sw_put(&w, price);
    }
    else if (!rooms)
        sw_put(&w, " is listed");
    struct vapi_date d;
    bool dated = r->available_date && vapi_date_parse(r->available_date, &d);
    char avail[48];
    if (!r->available)
        snprintf(avail, sizeof avail, "not available right now");
    else
        vapi_speak_available(avail, sizeof avail, dated ? &d : NULL, today);
    sw_put(&w, ", ");
    sw_put(&w, avail);
    sw_put(&w, ".");
    return w.n;
}

/* ---- the sanitiser ------------------------------------------------------------------------ */

enum { SEP_NONE, SEP_SPACE, SEP_COMMA, SEP_PERIOD };

struct clean {
    struct sw w;
    int sep;        /* separator owed before the next visible character */
    int newlines;   /* line breaks in the current run of whitespace */
    bool line_start;
};

static bool alnum_at(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Writes the owed separator, then len bytes of s. */
static void emit(struct clean *c, const char *s, size_t len)
{
    if (c->sep != SEP_NONE && c->w.n > 0) {
        char last = c->w.p[c->w.n - 1];
        if (c->sep == SEP_SPACE || strchr(".!?:;,", last))
            sw_put(&c->w, " ");
        else
            sw_put(&c->w, c->sep == SEP_PERIOD ? ". " : ", ");
    }
    c->sep = SEP_NONE;
    c->newlines = 0;
    c->line_start = false;
    sw_putn(&c->w, s, len);
}

static void owe(struct clean *c, int sep)
{
    if (sep > c->sep)
        c->sep = sep;
}

/* At the start of a line: the length of a heading, quote or list marker at s (with the
 * spaces after it), else 0. */
static size_t line_marker(const char *s)
{
    size_t k = 0;
    if (s[0] == '#' || s[0] == '>') {
        k = strspn(s, s[0] == '#' ? "#" : ">");
        return s[k] == ' ' || s[k] == '\0' ? k + strspn(s + k, " ") : 0;
    }
    if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ')
        return 1 + strspn(s + 1, " ");
    if (strncmp(s, "\xe2\x80\xa2", 3) == 0) /* a bullet character */
        return 3 + strspn(s + 3, " ");
    k = strspn(s, "0123456789");
    if (k > 0 && k < 4 && (s[k] == '.' || s[k] == ')') && s[k + 1] == ' ')
        return k + 1 + strspn(s + k + 1, " ");
    return 0;
}

/* One step over src at *p; returns how many bytes were consumed. */
static size_t clean_step(struct clean *c, const char *p)
{
    unsigned char ch = (unsigned char)*p;
    if (c->line_start) {
        size_t k = line_marker(p);
        if (k) {
            c->line_start = false;
            return k;
        }
    }
    if (ch == '\n') {
        c->newlines++;
        c->line_start = true;
        owe(c, c->newlines >= 2 ? SEP_PERIOD : SEP_COMMA);
        return 1;
    }
    if (ch < 0x20 || ch == 0x7f || ch == ' ' || ch == '|') {
        owe(c, SEP_SPACE);
        return 1;
    }
    if (strncmp(p, "\xc2\xa0", 2) == 0) { /* no-break space */
        owe(c, SEP_SPACE);
        return 2;
    }
    if (ch == ']' && p[1] == '(') { /* "[text](target)": the target is not said */
        size_t k = 2 + strcspn(p + 2, ")\n");
        if (p[k] == ')')
            return k + 1;
    }
    if (ch == '*' || ch == '`' || ch == '~' || ch == '[' || ch == ']')
        return 1;
    if (ch == '_' && (c->w.n == 0 || !alnum_at(c->w.p + c->w.n - 1) || !alnum_at(p + 1)))
        return 1;
    size_t k = text_utf8_seq((const unsigned char *)p);
    if (k == 0)
        return 1; /* a malformed byte is dropped */
    emit(c, p, k);
    return k;
}

size_t vapi_speak_sanitize(char *dst, size_t cap, const char *src)
{
    struct clean c = {.sep = SEP_NONE, .newlines = 0, .line_start = true};
    sw_init(&c.w, dst, cap);
    for (const char *p = src ? src : ""; *p && !c.w.full;)
        p += clean_step(&c, p);
    size_t n = c.w.n;
    if (c.w.full) {
        /* cut at the last space when one is near the end, so no word is left half-said */
        char *sp = strrchr(dst, ' ');
        if (sp && (size_t)(sp - dst) + 40 >= n)
            n = (size_t)(sp - dst);
    }
    n = trim_end(dst, n, " ,;:");
    dst[n] = '\0';
    return n;
}
