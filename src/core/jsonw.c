/* SPDX-License-Identifier: MIT */
/* The JSON writer (jsonw.h). */
#include "core/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/text.h"

void jsonw_fixed(struct jsonw *w, char *buf, size_t cap)
{
    *w = (struct jsonw){.p = buf, .cap = cap, .fixed = true};
    buf[0] = '\0';
}

/* Whether n more bytes fit (growing a heap writer as needed). */
static bool room(struct jsonw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return true;
    if (w->fixed) {
        w->overflow = true;
        return false;
    }
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n + 1)
        cap *= 2;
    w->p = mem_realloc(w->p, cap);
    w->cap = cap;
    return true;
}

void jsonw_reserve(struct jsonw *w, size_t n)
{
    if (!w->fixed && w->len + n + 1 > w->cap) {
        w->p = mem_realloc(w->p, w->len + n + 1);
        w->cap = w->len + n + 1;
    }
}

void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
    if (!room(w, n))
        return;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

/* True for bytes copied as they are: printable ASCII other than " and \. */
static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The length of the run of bytes at p (within end) that need no escaping. */
static size_t clean_run(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *q = p;
    while (q < end) {
        size_t n;
        if (plain(*q))
            q++;
        else if (*q >= 0x80 && (n = text_utf8_seq_n(q, (size_t)(end - q))) > 0)
            q += n;
        else
            break;
    }
    return (size_t)(q - p);
}

void jsonw_strn(struct jsonw *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t start = w->len;
    JSONW_LIT(w, "\"");
    while (p < end && !w->overflow) {
        size_t n = clean_run(p, end);
        jsonw_raw(w, (const char *)p, n);
        p += n;
        if (p == end)
            break;
        char esc[6] = {'\\', (char)*p, 0, 0, 0, 0};
        size_t k = 2;
        switch (*p) {
        case '"': case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            if (*p < 0x20) {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[*p >> 4];
                esc[5] = hex[*p & 15];
                k = 6;
            } else { /* a byte that starts no well-formed UTF-8 sequence */
                memcpy(esc, "\xEF\xBF\xBD", 3);
                k = 3;
            }
        }
        jsonw_raw(w, esc, k);
        p++;
    }
    JSONW_LIT(w, "\"");
    if (w->overflow) { /* a fixed writer keeps no half string */
        w->len = start;
        w->p[start] = '\0';
    }
}

void jsonw_str(struct jsonw *w, const char *s)
{
    if (s)
        jsonw_strn(w, s, strlen(s));
    else
        jsonw_null(w);
}

/* Decimal digits of v into the end of buf[24]; returns the first character. */
static char *int_text(int64_t v, char buf[24])
{
    char *p = buf + 24;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    char num[24];
    char *p = int_text(v, num);
    jsonw_raw(w, p, (size_t)(num + sizeof num - p));
}

void jsonw_num(struct jsonw *w, double v)
{
    char num[40];
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    if (fabs(v) < 1e12 && v != 0.0) { /* money and baths: at most two decimals, no printf */
        double cents = nearbyint(v * 100.0);
        int64_t c = (int64_t)cents;
        if (cents / 100.0 == v) {
            int64_t whole = (c < 0 ? -c : c) / 100, frac = (c < 0 ? -c : c) % 100;
            char *p = int_text(whole, num);
            if (c < 0)
                JSONW_LIT(w, "-");
            jsonw_raw(w, p, (size_t)(num + 24 - p));
            if (frac) {
                char f[3] = {'.', (char)('0' + frac / 10), (char)('0' + frac % 10)};
                jsonw_raw(w, f, frac % 10 ? 3 : 2);
            }
            return;
        }
    }
    int n = snprintf(num, sizeof num, "%.15g", v);
    jsonw_raw(w, num, (size_t)n);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    if (v)
        JSONW_LIT(w, "true");
    else
        JSONW_LIT(w, "false");
}

void jsonw_null(struct jsonw *w)
{
    JSONW_LIT(w, "null");
}

void jsonw_key(struct jsonw *w, const char *key)
{
    size_t n = strlen(key);
    bool first = w->len > 0 && w->p[w->len - 1] == '{';
    if (!room(w, n + 4))
        return;
    if (!first)
        w->p[w->len++] = ',';
    w->p[w->len++] = '"';
    memcpy(w->p + w->len, key, n);
    w->len += n;
    w->p[w->len++] = '"';
    w->p[w->len++] = ':';
    w->p[w->len] = '\0';
}

char *jsonw_take(struct jsonw *w, size_t *len)
{
    char *p = w->p ? w->p : mem_strdup("");
    if (len)
        *len = w->len;
    *w = (struct jsonw){0};
    return p;
}

void jsonw_free(struct jsonw *w)
{
    if (!w->fixed)
        free(w->p);
    *w = (struct jsonw){0};
}
