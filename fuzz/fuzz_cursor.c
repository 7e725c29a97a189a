/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the GET /rentals pagination cursor (rentals_cursor_decode in
 * src/rentals/rentals_service.c): the input is the ?cursor= value. A cursor that decodes
 * must name a positive id and encode back to a cursor naming the same id; and the first
 * eight input bytes, read as an id below 10^18, must survive encode then decode (the format
 * holds at most 18 digits; ids that large do not occur). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rentals/rentals.h"

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

static void round_trip(int64_t id)
{
    int64_t back = 0;
    char *c = rentals_cursor_encode(id);
    if (!rentals_cursor_decode(c, &back) || back != id)
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
    int64_t id = 0;
    if (rentals_cursor_decode(cursor, &id)) {
        if (id <= 0)
            abort();
        round_trip(id);
    }
    free(cursor);
    if (size >= 8) {
        uint64_t u;
        memcpy(&u, data, sizeof u);
        id = (int64_t)(u % 1000000000000000000ULL);
        if (id > 0)
            round_trip(id);
    }
    return 0;
}
