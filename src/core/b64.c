/* SPDX-License-Identifier: MIT */
/* base64url shape checks (b64.h). */
#include "core/b64.h"

/* The 6-bit value of a base64url character, or -1. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

bool b64url_canonical(const char *s, size_t n)
{
    int last = 0;
    if (n % 4 == 1)
        return false;
    for (size_t i = 0; i < n; i++) {
        last = sextet((unsigned char)s[i]);
        if (last < 0)
            return false;
    }
    /* 2 characters carry one byte (4 spare bits), 3 carry two (2 spare bits). */
    if (n % 4 == 2)
        return (last & 0x0f) == 0;
    if (n % 4 == 3)
        return (last & 0x03) == 0;
    return true;
}

size_t b64url_encoded_len(size_t bytes)
{
    return (bytes / 3) * 4 + (bytes % 3 ? bytes % 3 + 1 : 0);
}
