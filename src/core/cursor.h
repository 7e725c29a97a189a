/* SPDX-License-Identifier: MIT */
/* Keyset-pagination cursors, once for every list: "tag:v1[:v2]" (a short tag naming the
 * list and the format, then the position's values in decimal) in unpadded base64url, so a
 * client treats it as opaque. Values have at most 18 digits; the last one (a row id) is above
 * 0, the others (a time, a price) may be negative. */
#ifndef PETE_CORE_CURSOR_H
#define PETE_CORE_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#define CURSOR_VALUES_MAX 2

/* The cursor of the n (1..CURSOR_VALUES_MAX) values v under tag ([a-z0-9], 1..8 bytes): a
 * new string (free()); NULL for arguments out of range. */
char *cursor_encode(const char *tag, const int64_t *v, int n);
/* Reads exactly n values of a cursor of tag from s into v; false for anything else (another
 * tag, a value count, sign, length or character of its own), v untouched then. */
bool cursor_decode(const char *tag, const char *s, int64_t *v, int n);

#endif
