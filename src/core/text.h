/* SPDX-License-Identifier: MIT */
/* Small text checks shared by every layer. */
#ifndef PETE_CORE_TEXT_H
#define PETE_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence starting at s, or 0 when it is not one
 * (overlongs, surrogates and code points above U+10FFFF are not well-formed). */
size_t text_utf8_seq(const unsigned char *s);
/* true when the NUL-terminated s is well-formed UTF-8. */
bool text_utf8_valid(const char *s);

#endif
