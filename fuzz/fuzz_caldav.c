/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the CalDAV multistatus reader (src/calendar/calendar_caldav.c): the
 * bytes are what a tenant's CalDAV server answers to the calendar-query REPORT. Every event
 * read must have an id of 1 to 1024 bytes, end no earlier than it starts, and the list must
 * stay within CALENDAR_REMOTE_EVENTS_MAX. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "calendar/calendar_remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct calendar_remote_list l = {0};
    if (!ready) {
        xmlInitParser();
        ready = 1;
    }
    if (size > ((size_t)1 << 20))
        return 0;
    calendar_caldav_multistatus((const char *)data, size, "America/Chicago", &l);
    if (l.n > CALENDAR_REMOTE_EVENTS_MAX)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        size_t n = strlen(l.items[i].id);
        if (n == 0 || n > 1024 || l.items[i].end < l.items[i].start)
            abort();
    }
    calendar_remote_list_cleanup(&l);
    return 0;
}
