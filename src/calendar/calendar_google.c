/* SPDX-License-Identifier: MIT */
/* Google Calendar API v3 (GOOGLE_API_URL): the connected account's primary calendar. Busy
 * times come from events.list over the window with recurring events expanded
 * (singleEvents=true), every page (nextPageToken); an event whose transparency is
 * "transparent" or whose status is "cancelled" does not block; all-day events (start.date)
 * are the tenant's local days. A push inserts, patches or deletes the event, with
 * sendUpdates=all when an attendee is invited (Google then mails the invitation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar_remote.h"
#include "core/mem.h"

#define PAGE_SIZE "250"

/* "{api}/calendar/v3/calendars/{calendar}/events" plus tail (a new string). */
static char *events_url(const struct calendar_call *k, const struct calendar_account *acct,
                        const char *tail)
{
    const char *base = k->app->cfg->google_api_url;
    char *cal = calendar_remote_escape(acct->calendar_id ? acct->calendar_id : "primary");
    size_t n = strlen(base) + strlen(cal) + strlen(tail) + 40;
    char *u = mem_alloc(n);
    snprintf(u, n, "%s/calendar/v3/calendars/%s/events%s", base, cal, tail);
    free(cal);
    return u;
}

static bool google_time(const json_t *j, const char *zone, int64_t *t)
{
    const char *s = json_string_value(json_object_get(j, "dateTime"));
    if (!s)
        s = json_string_value(json_object_get(j, "date"));
    return calendar_remote_time(s, zone, t);
}

static bool take_page(const json_t *j_page, const char *zone, struct calendar_remote_list *out)
{
    size_t i;
    const json_t *j_ev;
    json_array_foreach(json_object_get(j_page, "items"), i, j_ev) {
        int64_t s = 0, e = 0;
        if (!google_time(json_object_get(j_ev, "start"), zone, &s) ||
            !google_time(json_object_get(j_ev, "end"), zone, &e))
            continue;
        const char *transp = json_string_value(json_object_get(j_ev, "transparency"));
        const char *status = json_string_value(json_object_get(j_ev, "status"));
        if (!calendar_remote_list_add(out, json_string_value(json_object_get(j_ev, "id")), s,
                                      e, transp && !strcmp(transp, "transparent"),
                                      status && !strcmp(status, "cancelled"),
                                      json_string_value(json_object_get(j_ev, "summary")),
                                      json_string_value(json_object_get(j_ev, "location"))))
            return false;
    }
    return true;
}

bool calendar_google_busy(struct calendar_call *k, struct calendar_account *acct, int64_t from,
                          int64_t to, const char *zone, struct calendar_remote_list *out)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE], tail[256];
    char *token = NULL;
    bool ok = true;
    civil_format_rfc3339(from, s, sizeof s);
    civil_format_rfc3339(to, e, sizeof e);
    for (int page = 0; ok; page++) {
        json_t *j = NULL;
        if (page >= CALENDAR_REMOTE_PAGES_MAX) {
            out->truncated = true;
            break;
        }
        snprintf(tail, sizeof tail, "?timeMin=%s&timeMax=%s&singleEvents=true&maxResults="
                 PAGE_SIZE "&orderBy=startTime", s, e);
        char *url = events_url(k, acct, tail);
        if (token) {
            size_t n = strlen(url) + strlen(token) + 16;
            url = mem_realloc(url, n);
            strcat(url, "&pageToken=");
            strcat(url, token);
            free(token);
            token = NULL;
        }
        ok = calendar_remote_json(k, acct, "GET", url, NULL, NULL, &j);
        free(url);
        if (ok && !json_is_array(json_object_get(j, "items"))) {
            calendar_call_fail(k, "Google answered the event list without a list of events.");
            ok = false;
        }
        const char *next = ok ? json_string_value(json_object_get(j, "nextPageToken")) : NULL;
        bool more = ok && take_page(j, zone, out) && next && *next && strlen(next) < 2048;
        if (more)
            token = calendar_remote_escape(next);
        json_decref(j);
        if (!more)
            break;
    }
    free(token);
    return ok;
}

static json_t *google_when(int64_t t)
{
    char buf[CIVIL_RFC3339_SIZE];
    civil_format_rfc3339(t, buf, sizeof buf);
    return json_pack("{s:s}", "dateTime", buf);
}

static json_t *google_event(const struct calendar_remote_push *p, bool create)
{
    (void)create; /* the same event either way */
    const struct calendar_appt *a = p->appt;
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "summary", p->subject,
                          "description", p->body ? p->body : "", "location",
                          a->property_address ? a->property_address : "", "start",
                          google_when(a->start), "end", google_when(a->end), "transparency",
                          "opaque");
    json_t *j_att = json_array();
    if (a->attendee_email && *a->attendee_email)
        json_array_append_new(j_att, json_pack("{s:s, s:s}", "email", a->attendee_email,
                                               "displayName",
                                               a->attendee_name ? a->attendee_name
                                                                : a->attendee_email));
    json_object_set_new(j, "attendees", j_att);
    return j;
}

bool calendar_google_push(struct calendar_call *k, struct calendar_account *acct,
                          const struct calendar_remote_push *p, bool remove, char **ext_id)
{
    bool invite = p->appt->attendee_email && *p->appt->attendee_email;
    const char *send = invite ? "?sendUpdates=all" : "?sendUpdates=none";
    char *item = NULL;
    if (*ext_id) {
        char *id = calendar_remote_escape(*ext_id);
        char *tail = mem_alloc(strlen(id) + 32);
        sprintf(tail, "/%s%s", id, send);
        item = events_url(k, acct, tail);
        free(tail);
        free(id);
    }
    char *list = events_url(k, acct, send);
    bool ok = calendar_remote_json_push(k, acct, p, google_event, "Google", item, list, remove,
                                        ext_id);
    free(item);
    free(list);
    return ok;
}
