/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the keyset cursors of every list (core/cursor.c, behind
 * rentals_cursor_decode, jobs', calls' and appointments'): the input is a ?cursor= value,
 * read as one value and as two. A cursor that decodes must name a positive id and encode
 * back to a cursor naming the same values; and the first sixteen input bytes, read as two
 * values below 10^18 (the first signed), must survive encode then decode. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/cursor.h"

#define LIMIT 1000000000000000000ULL

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    return 0;
}

static void round_trip(const int64_t *v, int n)
{
    int64_t back[CURSOR_VALUES_MAX] = {0, 0};
    char *c = cursor_encode("a1", v, n);
    if (!c || !cursor_decode("a1", c, back, n) || memcmp(back, v, (size_t)n * sizeof *v) != 0)
        abort();
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *cursor = strndup((const char *)data, size);
    if (!cursor)
        abort();
    int64_t v[CURSOR_VALUES_MAX];
    for (int n = 1; n <= CURSOR_VALUES_MAX; n++)
        if (cursor_decode("a1", cursor, v, n)) {
            if (v[n - 1] <= 0)
                abort();
            round_trip(v, n);
        }
    free(cursor);
    if (size >= 16) {
        uint64_t u[2];
        memcpy(u, data, sizeof u);
        v[0] = (int64_t)(u[0] % LIMIT) * ((u[0] >> 63) ? -1 : 1);
        v[1] = (int64_t)(u[1] % LIMIT);
        if (v[1] > 0) {
            round_trip(v + 1, 1);
            round_trip(v, 2);
        }
    }
    return 0;
}
