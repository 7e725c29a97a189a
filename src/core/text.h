/* SPDX-License-Identifier: MIT */
/* Small text checks shared by every layer. */
#ifndef PETE_CORE_TEXT_H
#define PETE_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence starting at s, or 0 when it is not one
 * (overlongs, surrogates and code points above U+10FFFF are not well-formed). */
size_t text_utf8_seq(const unsigned char *s);
/* As text_utf8_seq, reading at most avail bytes (s need not be NUL-terminated). */
size_t text_utf8_seq_n(const unsigned char *s, size_t avail);
/* true when the NUL-terminated s is well-formed UTF-8. */
bool text_utf8_valid(const char *s);
/* Copies into dst (cap > 0 bytes) the longest prefix of the NUL-terminated src that fits
 * in cap - 1 bytes without cutting a UTF-8 sequence, and NUL-terminates it; returns its
 * length. A malformed byte counts as a sequence of one (it is copied, not repaired). */
size_t text_copy_utf8(char *dst, size_t cap, const char *src);

#endif
