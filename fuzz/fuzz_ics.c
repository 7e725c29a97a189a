/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the iCalendar reader (src/calendar/calendar_ics.c), which reads what
 * a CalDAV server answers to a REPORT: the bytes go to calendar_ics_read with the default
 * zone America/Chicago (from the system tzdata). Every event read must then survive the
 * writer: written back as a one-event object (UTC times) and read again, it must give the
 * same instants, and no written line may exceed 75 octets. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rewrite(const struct calendar_ics_vevent *v)
{
    struct calendar_ics_event e;
    struct calendar_ics_list back = {0};
    size_t len = 0;
    memset(&e, 0, sizeof e);
    e.uid = v->uid[0] ? v->uid : "fuzz";
    e.stamp = v->start;
    e.start = v->start;
    e.end = v->end;
    e.summary = v->uid;
    e.status = v->cancelled ? "CANCELLED" : NULL;
    char *ics = calendar_ics_object(&e, &len);
    if (!ics)
        abort(); /* the reader only returns writable events */
    for (const char *p = ics, *cr; (cr = strstr(p, "\r\n")); p = cr + 2)
        if (cr - p > 75)
            abort();
    if (calendar_ics_read(ics, len, "UTC", &back) != APP_OK || back.n != 1 ||
        back.items[0].start != v->start || back.items[0].end != v->end ||
        back.items[0].cancelled != v->cancelled)
        abort();
    calendar_ics_list_cleanup(&back);
    free(ics);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct calendar_ics_list l = {0};
    if (calendar_ics_read((const char *)data, size, "America/Chicago", &l) != APP_OK)
        return 0;
    for (size_t i = 0; i < l.n && i < 8; i++)
        rewrite(&l.items[i]);
    calendar_ics_list_cleanup(&l);
    return 0;
}
