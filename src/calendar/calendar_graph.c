/* SPDX-License-Identifier: MIT */
/* Outlook through Microsoft Graph (MICROSOFT_GRAPH_URL): the connected account's default
 * calendar. Busy times come from /me/calendar/calendarView over the window, in UTC (the
 * Prefer: outlook.timezone header), every page (@odata.nextLink, followed only while it
 * stays under the configured Graph URL); an event whose showAs is "free" does not block,
 * nor one with isCancelled. A push creates /me/calendar/events (transactionId = the
 * appointment's UID, so a create retried after a lost answer is not doubled), updates or
 * deletes /me/events/{id}; Graph invites attendees itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar_remote.h"
#include "core/mem.h"

#define PAGE_SIZE "100"
static const char *const utc_pref[] = {"Prefer: outlook.timezone=\"UTC\"", NULL};

/* A Graph dateTimeTimeZone ({"dateTime": "2026-03-03T14:00:00.0000000", "timeZone": "UTC"})
 * as an instant; zone: the tenant's, for a time zone name tzdata does not know. */
static bool graph_time(const json_t *j, const char *zone, int64_t *t)
{
    const char *dt = json_string_value(json_object_get(j, "dateTime"));
    const char *tz = json_string_value(json_object_get(j, "timeZone"));
    if (!dt)
        return false;
    if (tz && (!strcmp(tz, "UTC") || !strcmp(tz, "tzone://Microsoft/Utc")))
        return calendar_remote_time(dt, "UTC", t);
    return calendar_remote_time(dt, tz && tz_valid(tz) ? tz : zone, t);
}

/* Adds the events of one page; false when the list is full. */
static bool take_page(const json_t *j_page, const char *zone, struct calendar_remote_list *out)
{
    size_t i;
    const json_t *j_ev;
    json_array_foreach(json_object_get(j_page, "value"), i, j_ev) {
        int64_t s = 0, e = 0;
        if (!graph_time(json_object_get(j_ev, "start"), zone, &s) ||
            !graph_time(json_object_get(j_ev, "end"), zone, &e))
            continue;
        const char *show = json_string_value(json_object_get(j_ev, "showAs"));
        const json_t *j_loc = json_object_get(j_ev, "location");
        if (!calendar_remote_list_add(
                out, json_string_value(json_object_get(j_ev, "id")), s, e,
                show && !strcmp(show, "free"),
                json_is_true(json_object_get(j_ev, "isCancelled")),
                json_string_value(json_object_get(j_ev, "subject")),
                json_string_value(json_object_get(j_loc, "displayName"))))
            return false;
    }
    return true;
}

bool calendar_graph_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                         int64_t to, const char *zone, struct calendar_remote_list *out)
{
    const char *base = k->app->cfg->microsoft_graph_url;
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(from, s, sizeof s);
    civil_format_rfc3339(to, e, sizeof e);
    size_t n = strlen(base) + 256;
    char *url = mem_alloc(n);
    snprintf(url, n,
             "%s/me/calendar/calendarView?startDateTime=%s&endDateTime=%s&$top=" PAGE_SIZE
             "&$select=id,subject,start,end,showAs,isCancelled,location",
             base, s, e);
    bool ok = true;
    for (int page = 0; ok && url; page++) {
        json_t *j = NULL;
        if (page >= CALENDAR_REMOTE_PAGES_MAX) {
            out->truncated = true;
            break;
        }
        ok = calendar_remote_json(k, acct, "GET", url, NULL, utc_pref, &j);
        free(url);
        url = NULL;
        if (ok && !json_is_array(json_object_get(j, "value"))) {
            calendar_call_fail(k, "Microsoft answered the calendar view without a list of "
                                  "events.");
            ok = false;
        }
        if (ok && take_page(j, zone, out)) {
            const char *next = json_string_value(json_object_get(j, "@odata.nextLink"));
            if (next && !strncmp(next, base, strlen(base)) && strlen(next) < OUTBOUND_MAX_URL)
                url = mem_strdup(next);
        }
        json_decref(j);
    }
    free(url);
    return ok;
}

static json_t *graph_when(int64_t t)
{
    char buf[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(t, buf, sizeof buf);
    buf[19] = '\0'; /* without the Z: the zone is named beside it */
    return json_pack("{s:s, s:s}", "dateTime", buf, "timeZone", "UTC");
}

/* The event of p as Graph's JSON (a new reference). */
static json_t *graph_event(const struct calendar_remote_push *p, bool create)
{
    const struct calendar_appt *a = p->appt;
    json_t *j = json_pack("{s:s, s:{s:s, s:s}, s:o, s:o, s:{s:s}, s:s}", "subject", p->subject,
                          "body", "contentType", "text", "content", p->body ? p->body : "",
                          "start", graph_when(a->start), "end", graph_when(a->end), "location",
                          "displayName", a->property_address ? a->property_address : "",
                          "showAs", "busy");
    json_t *j_att = json_array();
    if (a->attendee_email && *a->attendee_email)
        json_array_append_new(
            j_att, json_pack("{s:{s:s, s:s}, s:s}", "emailAddress", "address", a->attendee_email,
                             "name", a->attendee_name ? a->attendee_name : a->attendee_email,
                             "type", "required"));
    json_object_set_new(j, "attendees", j_att);
    if (create)
        json_object_set_new(j, "transactionId", json_string(p->uid));
    return j;
}

bool calendar_graph_push(struct calendar_call *k, struct calendar_account *acct,
                         const struct calendar_remote_push *p, bool remove, char **ext_id)
{
    const char *base = k->app->cfg->microsoft_graph_url;
    char *item = NULL;
    if (*ext_id) {
        char *id = calendar_remote_escape(*ext_id);
        size_t n = strlen(base) + strlen(id) + 16;
        item = mem_alloc(n);
        snprintf(item, n, "%s/me/events/%s", base, id);
        free(id);
    }
    size_t n = strlen(base) + 32;
    char *list = mem_alloc(n);
    snprintf(list, n, "%s/me/calendar/events", base);
    bool ok = calendar_remote_json_push(k, acct, p, graph_event, "Microsoft", item, list,
                                        remove, ext_id);
    free(item);
    free(list);
    return ok;
}
