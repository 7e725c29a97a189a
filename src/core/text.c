/* SPDX-License-Identifier: MIT */
/* UTF-8 well-formedness, per RFC 3629 (Unicode table 3-7), and cutting text at a character
 * boundary. */
#include "core/text.h"

#include <string.h>

static bool cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t text_utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF)
        return cont(s[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return (s[1] >= lo && s[1] <= hi && cont(s[2])) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return (s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3])) ? 4 : 0;
    }
    return 0;
}

size_t text_utf8_seq_n(const unsigned char *s, size_t avail)
{
    unsigned char buf[4] = {0, 0, 0, 0};
    if (avail == 0)
        return 0;
    memcpy(buf, s, avail < 4 ? avail : 4);
    size_t n = text_utf8_seq(buf);
    return n <= avail ? n : 0;
}

bool text_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = text_utf8_seq(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

size_t text_copy_utf8(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t n = 0;
    while (s[n]) {
        size_t k = text_utf8_seq(s + n);
        if (k == 0)
            k = 1;
        if (n + k > cap - 1)
            break;
        n += k;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}
