/* SPDX-License-Identifier: MIT */
/* Keyset cursors (cursor.h): the text form written by snprintf, read back by a strict
 * parser; base64url through libsodium. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/cursor.h"
#include "core/mem.h"

#define TAG_MAX 8
#define DIGITS_MAX 18
#define LIMIT 1000000000000000000LL /* 10^18: values have at most DIGITS_MAX digits */
#define RAW_MAX (TAG_MAX + CURSOR_VALUES_MAX * (DIGITS_MAX + 2) + 1)

static bool tag_ok(const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;
    return n >= 1 && n <= TAG_MAX && strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

char *cursor_encode(const char *tag, const int64_t *v, int n)
{
    char raw[RAW_MAX + 1];
    if (!tag_ok(tag) || n < 1 || n > CURSOR_VALUES_MAX)
        return NULL;
    size_t len = (size_t)snprintf(raw, sizeof raw, "%s", tag);
    for (int i = 0; i < n; i++) {
        if ((i == n - 1 && v[i] <= 0) /* the row id */ || v[i] >= LIMIT || v[i] <= -LIMIT)
            return NULL;
        len += (size_t)snprintf(raw + len, sizeof raw - len, ":%lld", (long long)v[i]);
    }
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = mem_alloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)raw, len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* One decimal value of 1..DIGITS_MAX digits at *p (a leading '-' when signed), up to ':'
 * or the end; advances *p. */
static bool read_value(const char **p, bool is_signed, int64_t *out)
{
    int64_t v = 0;
    size_t k = 0;
    bool minus = is_signed && **p == '-';
    if (minus)
        (*p)++;
    for (; (*p)[k] >= '0' && (*p)[k] <= '9'; k++) {
        if (k == DIGITS_MAX)
            return false;
        v = v * 10 + ((*p)[k] - '0');
    }
    if (k == 0)
        return false;
    *p += k;
    *out = minus ? -v : v;
    return true;
}

bool cursor_decode(const char *tag, const char *s, int64_t *v, int n)
{
    unsigned char raw[RAW_MAX + 1];
    size_t got = 0, len = s ? strlen(s) : 0;
    int64_t tmp[CURSOR_VALUES_MAX];
    if (!tag_ok(tag) || n < 1 || n > CURSOR_VALUES_MAX || len == 0 ||
        len > sodium_base64_ENCODED_LEN(RAW_MAX, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        sodium_base642bin(raw, RAW_MAX, s, len, NULL, &got, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    raw[got] = '\0';
    const char *p = (const char *)raw;
    size_t tl = strlen(tag);
    if (strlen(p) != got || strncmp(p, tag, tl) != 0)
        return false;
    p += tl;
    for (int i = 0; i < n; i++)
        if (*p++ != ':' || !read_value(&p, i < n - 1, &tmp[i]))
            return false;
    if (*p != '\0' || tmp[n - 1] <= 0)
        return false;
    memcpy(v, tmp, (size_t)n * sizeof *v);
    return true;
}
