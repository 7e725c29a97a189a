/* SPDX-License-Identifier: MIT */
/* The JSON writer: text appended straight into one buffer, for the responses written on every
 * request (rental pages, /users/me) and for log lines, where building and dumping a Jansson
 * tree costs more than the rest of the work. Strings are escaped as Jansson's compact dump
 * escapes them (", \ and control characters; UTF-8 passes through) and a byte that is not
 * well-formed UTF-8 (core/text.h) becomes U+FFFD, so the output is always valid JSON.
 * Commas and structure are the caller's: jsonw_key() writes the comma a key needs.
 *
 * A writer either grows on the heap (zero-initialise it; jsonw_free() or jsonw_take()
 * after) or writes into the caller's buffer (jsonw_fixed()): then nothing is allocated, and
 * whatever does not fit is dropped whole with `overflow` set. */
#ifndef PETE_CORE_JSONW_H
#define PETE_CORE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
    char *p;       /* NUL-terminated text (NULL while a heap writer is empty) */
    size_t len, cap;
    bool fixed;    /* p is the caller's buffer of cap bytes */
    bool overflow; /* fixed: a piece did not fit and was left out */
};

/* A writer into buf[cap] (cap >= 1); starts empty. */
void jsonw_fixed(struct jsonw *w, char *buf, size_t cap);
/* Makes room for n more bytes at once (a whole page in one allocation). */
void jsonw_reserve(struct jsonw *w, size_t n);
void jsonw_raw(struct jsonw *w, const char *s, size_t n);
#define JSONW_LIT(w, lit) jsonw_raw((w), (lit), sizeof(lit) - 1)
/* s as a JSON string; NULL writes null. */
void jsonw_str(struct jsonw *w, const char *s);
/* The first n bytes of s as a JSON string. */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, int64_t v);
/* v as "%.15g" prints it (amounts with at most two decimals without printf); not finite:
 * null. */
void jsonw_num(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* "key": preceded by a comma unless it is the first member ('{' just written). key is
 * written as given (a static name: no escaping). */
void jsonw_key(struct jsonw *w, const char *key);
/* Hands the heap text over (the caller free()s it) with its length; the writer is empty
 * afterwards. An empty writer gives "" (a new allocation). */
char *jsonw_take(struct jsonw *w, size_t *len);
void jsonw_free(struct jsonw *w);

#endif
