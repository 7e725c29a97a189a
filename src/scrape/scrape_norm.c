/* SPDX-License-Identifier: MIT */
/* The SPEC §7 normalisers for what listing pages print: rents ("$1,250/mo", ranges, "1,229.00"),
 * bedrooms, bathrooms and sizes ("2 bd / 1½ ba | 1,086 sq ft", "Square Feet: 1,086", "Studio"),
 * and availability dates ("Available Now", "3/15", "03/15/2027", "January 15, 2027", ISO), a
 * year-less date becoming the first such day on or after the tenant's today. Addresses are in
 * scrape_addr.c. Every scan is one pass over the text. */
#include <math.h>
#include <string.h>

#include "scrape/scrape_internal.h"

#define PRICE_LIMIT 1000000.0
#define BEDROOMS_MAX 20
#define BATHROOMS_MAX 20.0
#define SQFT_MAX 10000000.0

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_digit(c) || is_alpha(c);
}

/* A number at s: digits with thousands commas ("1,086"), optional decimals. Returns the bytes
 * read, 0 when s does not start with a digit. */
static size_t read_num(const char *s, double *out)
{
    size_t i = 0;
    double v = 0;
    while (is_digit(s[i]) || (s[i] == ',' && i > 0 && is_digit(s[i + 1]) && is_digit(s[i + 2]) &&
                              is_digit(s[i + 3]) && !is_digit(s[i + 4]))) {
        if (s[i] != ',')
            v = v * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0)
        return 0;
    if (s[i] == '.' && is_digit(s[i + 1])) {
        double f = 0.1;
        for (i++; is_digit(s[i]); i++, f /= 10)
            v += (s[i] - '0') * f;
    }
    *out = v;
    return i;
}

/* true when s is one number and nothing else but spaces. */
static bool bare_number(const char *s, double *out)
{
    while (*s == ' ')
        s++;
    size_t n = read_num(s, out);
    if (n == 0)
        return false;
    for (s += n; *s == ' '; s++)
        ;
    return *s == '\0';
}

bool scrape_norm_price(const char *s, double *out)
{
    if (!s)
        return false;
    bool found = false;
    double best = 0, v = 0;
    for (const char *p = strchr(s, '$'); p; p = strchr(p + 1, '$')) {
        const char *q = p + 1;
        while (*q == ' ')
            q++;
        if (read_num(q, &v) && v > 0 && v < PRICE_LIMIT && (!found || v < best)) {
            best = v;
            found = true;
        }
    }
    if (!found) {
        const char *p = s;
        while (*p && !is_digit(*p))
            p++;
        if (*p && (p == s || !is_alnum(p[-1])) && read_num(p, &v) && v > 0 && v < PRICE_LIMIT) {
            best = v;
            found = true;
        }
    }
    if (found)
        *out = floor(best * 100 + 0.5) / 100;
    return found;
}

/* ---- beds, baths, size -------------------------------------------------------------------- */

enum fact { F_NONE, F_BEDS, F_BATHS, F_SQFT, F_SQ };

/* Reads a word (letters and dots, dots dropped, lower-cased) at s into w. Returns bytes read. */
static size_t read_word(const char *s, char *w, size_t cap)
{
    size_t i = 0, k = 0;
    while (is_alpha(s[i]) || s[i] == '.') {
        if (s[i] != '.' && k + 1 < cap)
            w[k++] = (char)(s[i] | 0x20);
        i++;
    }
    w[k] = '\0';
    return i;
}

static bool word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(w, *list) == 0)
            return true;
    return false;
}

static enum fact classify(const char *w)
{
    static const char *const beds[] = {"bd",    "bds",   "bed",  "beds",  "bedroom", "bedrooms",
                                       "br",    "brs",   "bdrm", "bdrms", "bdr",     "bedrm",
                                       "bedrms", NULL};
    static const char *const baths[] = {"ba",       "bas",       "bath", "baths", "bathroom",
                                        "bathrooms", "bth",      "bths", "bathrm", "bathrms", NULL};
    static const char *const sqft[] = {"sqft", "sf", "sqfeet", "sqfoot", NULL};
    static const char *const sq[] = {"sq", "square", NULL};
    if (word_in(w, beds))
        return F_BEDS;
    if (word_in(w, baths))
        return F_BATHS;
    if (word_in(w, sqft))
        return F_SQFT;
    return word_in(w, sq) ? F_SQ : F_NONE;
}

/* After "sq"/"square": true when the next word is ft/feet/foot; *n gets the bytes read. */
static bool feet_follow(const char *s, size_t *n)
{
    static const char *const feet[] = {"ft", "feet", "foot", NULL};
    size_t i = 0;
    while (s[i] == ' ')
        i++;
    char w[16];
    size_t k = read_word(s + i, w, sizeof w);
    if (k && word_in(w, feet)) {
        *n = i + k;
        return true;
    }
    return false;
}

static void set_fact(struct scrape_facts *f, enum fact kind, double v)
{
    if (kind == F_BEDS && !f->has_bedrooms && v == floor(v) && v >= 0 && v <= BEDROOMS_MAX) {
        f->has_bedrooms = true;
        f->bedrooms = (int64_t)v;
    } else if (kind == F_BATHS && !f->has_bathrooms && v >= 0 && v <= BATHROOMS_MAX) {
        f->has_bathrooms = true;
        f->bathrooms = floor(v * 2) / 2;
    } else if (kind == F_SQFT && !f->has_square_feet && v >= 1 && v <= SQFT_MAX) {
        f->has_square_feet = true;
        f->square_feet = (int64_t)floor(v + 0.5);
    }
}

/* A figure at s ("2", "1.5", "1½", "1 1/2", "½"); returns bytes read or 0. */
static size_t read_figure(const char *s, double *v)
{
    if (s[0] == '\xc2' && s[1] == '\xbd') {
        *v = 0.5;
        return 2;
    }
    size_t n = read_num(s, v);
    if (n == 0)
        return 0;
    if (s[n] == '\xc2' && s[n + 1] == '\xbd') {
        *v += 0.5;
        return n + 2;
    }
    if ((s[n] == ' ' || s[n] == '-') && s[n + 1] == '1' && s[n + 2] == '/' && s[n + 3] == '2' &&
        !is_digit(s[n + 4])) {
        *v += 0.5;
        return n + 4;
    }
    return n;
}

/* The fact named by the word(s) at s; *n gets the bytes read. */
static enum fact fact_word(const char *s, size_t *n)
{
    char w[16];
    size_t k = read_word(s, w, sizeof w);
    *n = k;
    if (k == 0)
        return F_NONE;
    enum fact kind = classify(w);
    if (kind == F_SQ) {
        size_t more = 0;
        if (!feet_follow(s + k, &more))
            return F_NONE;
        *n = k + more;
        return F_SQFT;
    }
    return kind;
}

void scrape_norm_facts(const char *s, struct scrape_facts *f)
{
    memset(f, 0, sizeof *f);
    if (!s)
        return;
    const char *p = s;
    while (*p) {
        bool start = p == s || !is_alnum(p[-1]);
        double v = 0;
        size_t n = start ? read_figure(p, &v) : 0;
        if (n) {
            const char *q = p + n;
            while (*q == ' ' || *q == '-')
                q++;
            size_t k = 0;
            enum fact kind = fact_word(q, &k);
            set_fact(f, kind, v);
            p = kind != F_NONE ? q + k : p + n;
            continue;
        }
        if (start && is_alpha(*p)) {
            size_t k = 0;
            enum fact kind = fact_word(p, &k);
            char w[16];
            read_word(p, w, sizeof w);
            if (strcmp(w, "studio") == 0 || strcmp(w, "efficiency") == 0)
                set_fact(f, F_BEDS, 0);
            const char *q = p + (k ? k : 1);
            if (kind != F_NONE) { /* "Square Feet: 1,086", "Bedrooms: 2" */
                while (*q == ' ' || *q == ':')
                    q++;
                size_t m = read_figure(q, &v);
                if (m) {
                    set_fact(f, kind, v);
                    q += m;
                }
            }
            p = q;
            continue;
        }
        p++;
    }
}

bool scrape_norm_bedrooms(const char *s, int64_t *out)
{
    struct scrape_facts f;
    double v;
    scrape_norm_facts(s, &f);
    if (!f.has_bedrooms && s && bare_number(s, &v))
        set_fact(&f, F_BEDS, v);
    if (f.has_bedrooms)
        *out = f.bedrooms;
    return f.has_bedrooms;
}

bool scrape_norm_bathrooms(const char *s, double *out)
{
    struct scrape_facts f;
    double v;
    scrape_norm_facts(s, &f);
    if (!f.has_bathrooms && s && bare_number(s, &v))
        set_fact(&f, F_BATHS, v);
    if (f.has_bathrooms)
        *out = f.bathrooms;
    return f.has_bathrooms;
}

bool scrape_norm_square_feet(const char *s, int64_t *out)
{
    struct scrape_facts f;
    double v;
    scrape_norm_facts(s, &f);
    if (!f.has_square_feet && s && bare_number(s, &v))
        set_fact(&f, F_SQFT, v);
    if (f.has_square_feet)
        *out = f.square_feet;
    return f.has_square_feet;
}

/* ---- dates -------------------------------------------------------------------------------- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool real_date(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

static bool parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(s[i]))
            return false;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return real_date(*y, *m, *d);
}

/* Writes y-m-d; y < 0 means "no year": the first such day on or after today. */
static bool put_date(char out[11], const char *today, int y, int m, int d)
{
    if (y < 0) {
        int ty, tm, td;
        if (!parse_ymd(today, &ty, &tm, &td))
            return false;
        y = -1;
        for (int cand = ty; cand <= ty + 8 && y < 0; cand++)
            if (real_date(cand, m, d) && (cand > ty || m > tm || (m == tm && d >= td)))
                y = cand;
        if (y < 0)
            return false;
    } else if (y < 100) {
        y += 2000;
    }
    if (!real_date(y, m, d))
        return false;
    const int parts[3][2] = {{y, 4}, {m, 2}, {d, 2}}; /* real_date bounds each part */
    char *o = out;
    for (int i = 0; i < 3; i++) {
        for (int w = parts[i][1], v = parts[i][0]; w-- > 0; v /= 10)
            o[w] = (char)('0' + v % 10);
        o += parts[i][1];
        *o++ = i < 2 ? '-' : '\0';
    }
    return true;
}

/* Up to max digits at s into *v; returns how many were read. */
static size_t digits(const char *s, size_t max, int *v)
{
    size_t i = 0;
    *v = 0;
    while (i < max && is_digit(s[i]))
        *v = *v * 10 + (s[i++] - '0');
    return i;
}

/* "2027-01-15" (a time after it is ignored) or "3/15/27", "03/15/2027", "3/15", "3-15-2027". */
static bool numeric_date(const char *s, const char *today, char out[11])
{
    int a, b, c;
    size_t n = digits(s, 5, &a);
    if (n == 4 && s[4] == '-' && digits(s + 5, 3, &b) == 2 && s[7] == '-' &&
        digits(s + 8, 3, &c) == 2 && !is_digit(s[10]))
        return put_date(out, today, a, b, c);
    if (n < 1 || n > 2 || (s[n] != '/' && s[n] != '-' && s[n] != '.'))
        return false;
    char sep = s[n];
    const char *p = s + n + 1;
    size_t k = digits(p, 3, &b);
    if (k < 1 || k > 2)
        return false;
    p += k;
    if (*p == sep) {
        size_t y = digits(p + 1, 5, &c);
        if ((y == 2 || y == 4) && !is_alnum(p[1 + y]))
            return put_date(out, today, c, a, b);
        return false;
    }
    return sep == '/' && !is_alnum(*p) && put_date(out, today, -1, a, b);
}

static int month_of(const char *w)
{
    static const char *const names[] = {"january", "february", "march",     "april",
                                        "may",     "june",     "july",      "august",
                                        "september", "october", "november", "december"};
    size_t n = strlen(w);
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (strncmp(names[i], w, n) == 0 && (n == 3 || n == strlen(names[i]) ||
                                             (i == 8 && n == 4)))
            return i + 1;
    return 0;
}

/* "January 15, 2027", "Jan. 15th", "Feb 1" with the month word already read as m. */
static bool named_date(const char *s, int m, const char *today, char out[11])
{
    while (*s == ' ' || *s == '.')
        s++;
    int d, y;
    size_t k = digits(s, 3, &d);
    if (k < 1 || k > 2)
        return false;
    s += k;
    char w[8];
    size_t sfx = read_word(s, w, sizeof w);
    if (sfx && (strcmp(w, "st") == 0 || strcmp(w, "nd") == 0 || strcmp(w, "rd") == 0 ||
                strcmp(w, "th") == 0))
        s += sfx;
    else if (is_alnum(*s))
        return false;
    const char *p = s;
    while (*p == ',' || *p == ' ')
        p++;
    if (digits(p, 5, &y) == 4 && !is_alnum(p[4]))
        return put_date(out, today, y, m, d);
    return put_date(out, today, -1, m, d);
}

bool scrape_norm_date(const char *s, const char *today, char out[11])
{
    if (!s)
        return false;
    for (const char *p = s; *p; p++) {
        if (p > s && is_alnum(p[-1]))
            continue;
        if (is_digit(*p) && numeric_date(p, today, out))
            return true;
        if (!is_alpha(*p))
            continue;
        char w[16];
        read_word(p, w, sizeof w);
        if (strcmp(w, "now") == 0 || strcmp(w, "immediately") == 0 ||
            strcmp(w, "immediate") == 0 || strcmp(w, "today") == 0) {
            memcpy(out, "now", 4);
            return true;
        }
        int m = month_of(w);
        size_t k = 0;
        while (is_alpha(p[k]))
            k++;
        if (m && named_date(p + k, m, today, out))
            return true;
    }
    return false;
}
