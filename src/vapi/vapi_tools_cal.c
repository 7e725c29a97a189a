/* SPDX-License-Identifier: MIT */
/* The viewing tools of the voice assistant (SPEC §6): get_availability, set_appointment and
 * cancel_appointment, for the agent's tenant only. They go through the calendar's service,
 * the same code as GET /calendar/availability, POST /appointments and PATCH
 * /appointments/{id}: one booking check, no double booking. Times are spoken in the
 * tenant's zone ("Tuesday, March 3 at 2:30 PM"); times a caller gives without an offset are
 * read in that zone too. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "calendar/calendar.h"
#include "core/app.h"
#include "core/tz.h"
#include "users/users.h"
#include "vapi/vapi_tools.h"

#define DAYS_DEFAULT 7
#define DAYS_MAX 14
#define OFFERS 3           /* times offered in one answer */
#define NEAREST_WINDOW 7   /* days around a refused time searched for the nearest free ones */
#define CANCEL_SCAN 200    /* upcoming appointments looked through for a caller's booking */

/* ---- speaking times -------------------------------------------------------------------- */

/* "Tuesday, March 3 at 2:30 PM" for instant t in zone z. */
static void speak_when(const struct tz_zone *z, int64_t t, const struct vapi_date *today,
                       char *out, size_t cap)
{
    int64_t local = tz_local(z, t), y;
    int m, d;
    civil_ymd_from_days(civil_day_of(local), &y, &m, &d);
    int64_t secs = local - civil_day_of(local) * 86400;
    struct tm tm = {.tm_year = (int)(y - 1900), .tm_mon = m - 1, .tm_mday = d,
                    .tm_hour = (int)(secs / 3600), .tm_min = (int)(secs % 3600 / 60)};
    vapi_speak_time(out, cap, &tm, today);
}

/* "A, B, or C" of the slots picked (idx into l), spoken in zone z. */
static void speak_offers(const struct tz_zone *z, const struct calendar_slot_list *l,
                         const size_t *idx, size_t n, const struct vapi_date *today, char *out,
                         size_t cap)
{
    char when[OFFERS][96];
    const char *items[OFFERS];
    for (size_t i = 0; i < n && i < OFFERS; i++) {
        speak_when(z, l->items[idx[i]].start, today, when[i], sizeof when[i]);
        items[i] = when[i];
    }
    vapi_speak_choices(out, cap, items, n < OFFERS ? n : OFFERS);
}

/* Morning (before noon), afternoon (before five), evening: local hour of slot s. */
static int part_of_day(const struct tz_zone *z, const struct calendar_slot *s)
{
    int64_t local = tz_local(z, s->start);
    int64_t hour = (local - civil_day_of(local) * 86400) / 3600;
    return hour < 12 ? 0 : hour < 17 ? 1 : 2;
}

/* Up to OFFERS slots spread over days and times of day: the first free day's earliest
 * slot, then on each following day the first slot in another part of the day than the
 * last pick (else that day's first); with one day only, one slot per part of the day. */
static size_t pick_spread(const struct tz_zone *z, const struct calendar_slot_list *l,
                          size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n && n < OFFERS; i++) {
        if (n > 0 && strcmp(l->items[i].date, l->items[idx[n - 1]].date) == 0)
            continue; /* this day already has its offer */
        size_t pick = i;
        int last = n > 0 ? part_of_day(z, &l->items[idx[n - 1]]) : -1;
        for (size_t j = i; j < l->n && strcmp(l->items[j].date, l->items[i].date) == 0; j++)
            if (part_of_day(z, &l->items[j]) != last) {
                pick = j;
                break;
            }
        idx[n++] = pick;
    }
    if (n == 1) /* a single day: one slot per part of it */
        for (size_t i = idx[0] + 1; i < l->n && n < OFFERS; i++) {
            bool seen = false;
            for (size_t k = 0; k < n; k++)
                seen |= part_of_day(z, &l->items[i]) == part_of_day(z, &l->items[idx[k]]);
            if (!seen)
                idx[n++] = i;
        }
    return n;
}

/* The OFFERS free slots nearest to instant t (by distance, then earlier first), in time
 * order. */
static size_t pick_nearest(const struct calendar_slot_list *l, int64_t t, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        int64_t d = llabs(l->items[i].start - t);
        size_t k = n < OFFERS ? n++ : OFFERS;
        while (k > 0 && llabs(l->items[idx[k - 1]].start - t) > d) {
            if (k < OFFERS)
                idx[k] = idx[k - 1];
            k--;
        }
        if (k < OFFERS)
            idx[k] = i;
    }
    for (size_t i = 1; i < n; i++) /* time order for speaking */
        for (size_t k = i; k > 0 && idx[k - 1] > idx[k]; k--) {
            size_t tmp = idx[k];
            idx[k] = idx[k - 1];
            idx[k - 1] = tmp;
        }
    return n;
}

/* ---- get_availability ------------------------------------------------------------------ */

/* The listing an optional property_address names: 1 found or not asked (*r NULL), 0 a
 * sentence in out (none or which one), -1 the listings could not be read. */
static int optional_listing(const struct vapi_tool_ctx *ctx, const char *addr,
                            struct vapi_listings *L, const struct rentals_place **r, char *out,
                            size_t cap)
{
    *r = NULL;
    if (!addr || !*addr)
        return 1;
    if (vapi_listings_load(ctx, addr, L) != APP_OK)
        return -1;
    *r = vapi_listing_named(L, addr, out, cap);
    return *r ? 1 : 0;
}

/* "2027-03-15", or the date of "2027-03-15T14:00..." (the day a model means). */
static bool date_prefix(const char *s, int64_t *d)
{
    char buf[CIVIL_DATE_SIZE];
    if (strlen(s) > 10 && s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    snprintf(buf, sizeof buf, "%.10s", s);
    return civil_parse_date(buf, d);
}

/* days_ahead and date of get_availability: the query's days, and the one local date asked
 * for (0: none); false with a sentence. */
static bool availability_args(const json_t *j, const char *zone, int *days, int64_t *date,
                              char *out, size_t cap)
{
    double v = 0;
    bool bad = false;
    int got = vapi_arg_num(j, "days_ahead", &v);
    if (got < 0 || (got > 0 && (v < 1 || v > 365)))
        return vapi_tool_fail(out, cap, "The number of days ahead must be a number from 1 to "
                                        "14.");
    *days = got > 0 ? (int)v : DAYS_DEFAULT;
    if (*days > DAYS_MAX)
        *days = DAYS_MAX;
    *date = 0;
    const char *s = vapi_arg_str(j, "date", &bad);
    if (bad)
        return vapi_tool_fail(out, cap, "The date must be given as text, like 2027-03-15.");
    if (s && *s) {
        int64_t today = tz_today(zone), d = 0;
        if (strcasecmp(s, "today") == 0)
            d = today;
        else if (strcasecmp(s, "tomorrow") == 0)
            d = today + 1;
        else if (!date_prefix(s, &d))
            return vapi_tool_fail(out, cap, "The date must be a date like 2027-03-15.");
        if (d < today)
            return vapi_tool_fail(out, cap, "That date has already passed.");
        *date = d;
        *days = (int)(d - today) + 1;
        if (*days > 365)
            *days = 365;
    }
    return true;
}

/* The slots of local date d within l (they are contiguous: l is sorted by start). */
static struct calendar_slot_list day_view(const struct calendar_slot_list *l, int64_t d)
{
    char date[CIVIL_DATE_SIZE];
    struct calendar_slot_list v = {0};
    civil_format_date(d, date, sizeof date);
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].date, date) == 0) {
            if (!v.items)
                v.items = &l->items[i];
            v.n++;
        }
    return v;
}

/* The place part of an answer: "For 1000 Rambling Oaks, unit 6, " or "". */
static void speak_for(const struct rentals_place *r, char *out, size_t cap)
{
    char addr[200];
    out[0] = '\0';
    if (r) {
        vapi_speak_address(addr, sizeof addr, r->address, r->unit, NULL);
        snprintf(out, cap, "For %s, ", addr);
    }
}

bool vapi_tool_get_availability(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                             size_t cap)
{
    struct vapi_listings L = {0};
    struct calendar_slot_list slots = {0};
    const struct rentals_place *r = NULL;
    char zone[TZ_NAME_MAX] = "UTC", lead[240], offers[400];
    bool bad = false, ok = true;
    int days = DAYS_DEFAULT;
    int64_t date = 0;
    const char *addr = vapi_arg_str(j, "property_address", &bad);
    struct user_settings st;
    if (users_settings_get(ctx->app, ctx->tenant, &st) == APP_OK)
        snprintf(zone, sizeof zone, "%s", st.timezone);
    if (bad)
        return vapi_tool_fail(out, cap, "The address must be given as text.");
    if (!availability_args(j, zone, &days, &date, out, cap))
        return false;
    int found = optional_listing(ctx, addr, &L, &r, out, cap);
    if (found <= 0) {
        vapi_listings_free(&L);
        return found == 0 ? true : vapi_tool_fail(out, cap, "I can't look at the calendar "
                                                            "right now.");
    }
    struct calendar_query q = {.now = (int64_t)time(NULL), .days_ahead = days,
                               .start_hour = -1, .end_hour = -1};
    struct tz_zone *z = NULL;
    if (calendar_availability(ctx->app, ctx->tenant, &q, &slots, zone) != APP_OK ||
        !(z = tz_load(zone))) {
        ok = vapi_tool_fail(out, cap, "I can't look at the calendar right now.");
        goto out;
    }
    struct calendar_slot_list view = date ? day_view(&slots, date) : slots;
    size_t idx[OFFERS];
    size_t n = pick_spread(z, &view, idx);
    struct vapi_date today = vapi_date_from_days(tz_today(zone));
    speak_for(r, lead, sizeof lead);
    if (n == 0) {
        snprintf(out, cap, "%sI don't have any open viewing times %s. Would another day work?",
                 lead, date ? "that day" : "in the next few days");
    } else {
        speak_offers(z, &view, idx, n, &today, offers, sizeof offers);
        snprintf(out, cap, "%sI can offer %s. Which works best?", lead, offers);
        if (!r)
            out[0] = (char)toupper((unsigned char)out[0]);
    }
out:
    tz_free(z);
    calendar_slot_list_cleanup(&slots);
    vapi_listings_free(&L);
    return ok;
}

/* ---- set_appointment ------------------------------------------------------------------- */

/* After a refusal: "That time isn't available. The nearest open times are A, B, or C.
 * Would one of those work?" */
static void offer_nearest(const struct vapi_tool_ctx *ctx, const char *why, int64_t t,
                          char *out, size_t cap)
{
    struct calendar_slot_list slots = {0};
    char zone[TZ_NAME_MAX] = "UTC", offers[400];
    int64_t now = (int64_t)time(NULL);
    int64_t ahead = (t > now ? (t - now) / 86400 : 0) + NEAREST_WINDOW / 2 + 1;
    struct calendar_query q = {.now = now, .days_ahead = (int)(ahead > 365 ? 365 : ahead),
                               .start_hour = -1, .end_hour = -1};
    struct tz_zone *z = NULL;
    size_t idx[OFFERS], n = 0;
    if (calendar_availability(ctx->app, ctx->tenant, &q, &slots, zone) == APP_OK &&
        (z = tz_load(zone)))
        n = pick_nearest(&slots, t, idx);
    if (n == 0) {
        snprintf(out, cap, "%s I don't have any open viewing times near then.", why);
    } else {
        struct vapi_date today = vapi_date_from_days(tz_today(zone));
        speak_offers(z, &slots, idx, n, &today, offers, sizeof offers);
        snprintf(out, cap, "%s The nearest open %s %s. Would %s work?", why,
                 n == 1 ? "time is" : "times are", offers, n == 1 ? "that" : "one of those");
    }
    tz_free(z);
    calendar_slot_list_cleanup(&slots);
}

/* The spoken reason a booking was refused (why->code of calendar_book). */
static const char *refusal_words(const char *code)
{
    if (code && strcmp(code, "in_past") == 0)
        return "That time has already passed.";
    if (code && strcmp(code, "too_soon") == 0)
        return "That is too soon to set up a viewing.";
    if (code && strcmp(code, "beyond_horizon") == 0)
        return "That is further ahead than I can book.";
    if (code && strcmp(code, "outside_business_hours") == 0)
        return "That is outside our viewing hours.";
    return "That time is already taken.";
}

struct booking_args {
    const char *addr, *when, *name, *email, *phone;
};

static bool booking_args(const json_t *j, struct booking_args *b, char *out, size_t cap)
{
    bool bad = false;
    b->addr = vapi_arg_str(j, "property_address", &bad);
    b->when = vapi_arg_str(j, "start_time", &bad);
    b->name = vapi_arg_str(j, "attendee_name", &bad);
    b->email = vapi_arg_str(j, "attendee_email", &bad);
    b->phone = vapi_arg_str(j, "attendee_phone", &bad);
    if (bad)
        return vapi_tool_fail(out, cap, "The address, time, name, email and phone must be "
                                        "given as text.");
    if (!b->addr || !*b->addr)
        return vapi_tool_fail(out, cap, "I need the address of the home to book a viewing.");
    if (!b->when || !*b->when)
        return vapi_tool_fail(out, cap, "I need the day and time of the viewing.");
    if (!b->name || !*b->name)
        return vapi_tool_fail(out, cap, "I need the name of the person coming to the viewing.");
    if (b->email && !*b->email)
        b->email = NULL;
    if (b->phone && !*b->phone)
        b->phone = NULL;
    return true;
}

/* The answer to a booking the service made. */
static void booked(const struct calendar_appt *ap, const struct rentals_place *r, const char *zone,
                   char *out, size_t cap)
{
    char addr[200], when[96], name[120];
    struct tz_zone *z = tz_load(zone);
    struct vapi_date today = vapi_date_from_days(tz_today(zone));
    vapi_speak_address(addr, sizeof addr, r->address, r->unit, NULL);
    if (z)
        speak_when(z, ap->start, &today, when, sizeof when);
    else
        civil_format_rfc3339(ap->start, when, sizeof when);
    vapi_speak_sanitize(name, sizeof name, ap->attendee_name);
    snprintf(out, cap, "You're all set: a viewing of %s on %s, under the name %s.", addr, when,
             name);
    tz_free(z);
}

bool vapi_tool_set_appointment(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                            size_t cap)
{
    struct booking_args b;
    struct vapi_listings L = {0};
    struct user_settings st;
    char zone[TZ_NAME_MAX] = USERS_DEFAULT_ZONE;
    int64_t t = 0;
    if (!booking_args(j, &b, out, cap))
        return false;
    if (users_settings_get(ctx->app, ctx->tenant, &st) == APP_OK)
        snprintf(zone, sizeof zone, "%s", st.timezone);
    if (!calendar_parse_time(b.when, zone, false, false, &t))
        return vapi_tool_fail(out, cap, "I need the time as a date and a time of day, like "
                                        "2027-03-03T14:00.");
    if (vapi_listings_load(ctx, b.addr, &L) != APP_OK)
        return vapi_tool_fail(out, cap, "I can't book viewings right now.");
    const struct rentals_place *r = vapi_listing_named(&L, b.addr, out, cap);
    bool ok = true;
    if (r) {
        struct calendar_booking in = {
            .rental_id = r->id, .property_address = r->address, .start = t,
            .attendee_name = b.name, .attendee_email = b.email, .attendee_phone = b.phone,
            .source = "vapi", .vapi_call_id = ctx->call_id};
        struct calendar_appt ap = {0};
        struct calendar_refusal why = {0};
        struct vcheck v;
        vcheck_init(&v);
        app_err e = ctx->live == CALENDAR_LIVE_BUSY /* the connected calendar has it */
                        ? APP_E_CONFLICT
                        : calendar_book(ctx->app, ctx->tenant, &in, &v, &ap, &why);
        if (e == APP_OK)
            booked(&ap, r, zone, out, cap);
        else if (e == APP_E_CONFLICT)
            offer_nearest(ctx, refusal_words(why.code), t, out, cap);
        else if (e == APP_E_VALIDATION)
            ok = vapi_tool_fail(out, cap, "I couldn't book that: the name, email or phone "
                                          "number is not one I can use.");
        else
            ok = vapi_tool_fail(out, cap, "I can't book viewings right now.");
        vcheck_cleanup(&v);
        calendar_appt_cleanup(&ap);
    }
    vapi_listings_free(&L);
    return ok;
}

/* ---- cancel_appointment ---------------------------------------------------------------- */

/* The digits of a phone number, the last 10 when longer (a leading +1 dropped). */
static void phone_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; s && *s && n + 1 < cap; s++)
        if (isdigit((unsigned char)*s))
            out[n++] = *s;
    out[n] = '\0';
    if (n > 10)
        memmove(out, out + n - 10, 11);
}

struct cancel_want {
    char phone[24];
    const char *email;
    bool has_time;
    int64_t when;        /* an instant, or with by_day the local day number */
    bool by_day;
    struct tz_zone *zone;
};

static bool cancel_matches(const struct cancel_want *w, const struct calendar_appt *a)
{
    char phone[24];
    phone_key(a->attendee_phone, phone, sizeof phone);
    bool who = (w->phone[0] && phone[0] && strcmp(w->phone, phone) == 0) ||
               (w->email && a->attendee_email && strcasecmp(w->email, a->attendee_email) == 0);
    if (!who || !w->has_time)
        return who;
    if (w->by_day)
        return civil_day_of(tz_local(w->zone, a->start)) == w->when;
    return a->start == w->when;
}

/* The caller's upcoming confirmed viewings (at most OFFERS + 1 kept, *total counts all). */
static app_err find_bookings(const struct vapi_tool_ctx *ctx, const struct cancel_want *w,
                             int64_t *ids, int64_t *starts, size_t *total)
{
    struct calendar_filter f = {.from = (int64_t)time(NULL), .status = "confirmed",
                                .limit = CALENDAR_LIMIT_MAX};
    size_t seen = 0;
    *total = 0;
    do {
        struct calendar_appt_list l = {0};
        app_err e = calendar_appt_list(ctx->app, ctx->tenant, &f, &l);
        if (e != APP_OK)
            return e;
        for (size_t i = 0; i < l.n; i++)
            if (cancel_matches(w, &l.items[i])) {
                if (*total <= OFFERS) {
                    ids[*total] = l.items[i].id;
                    starts[*total] = l.items[i].start;
                }
                (*total)++;
            }
        seen += l.n;
        f.after_start = l.next_start;
        f.after_id = l.next_id;
        calendar_appt_list_cleanup(&l);
    } while (f.after_id > 0 && seen < CANCEL_SCAN);
    return APP_OK;
}

static bool cancel_args(const json_t *j, const char *zone, struct cancel_want *w, char *out,
                        size_t cap)
{
    bool bad = false;
    const char *phone = vapi_arg_str(j, "attendee_phone", &bad);
    w->email = vapi_arg_str(j, "attendee_email", &bad);
    const char *when = vapi_arg_str(j, "start_time", &bad);
    if (bad)
        return vapi_tool_fail(out, cap, "The phone, email and time must be given as text.");
    phone_key(phone, w->phone, sizeof w->phone);
    if (w->email && !*w->email)
        w->email = NULL;
    if (!w->phone[0] && !w->email)
        return vapi_tool_fail(out, cap, "I need the phone number or the email the viewing "
                                        "was booked with.");
    if (when && *when) {
        w->has_time = true;
        if (calendar_parse_time(when, zone, false, false, &w->when))
            w->by_day = false;
        else if (date_prefix(when, &w->when))
            w->by_day = true;
        else
            return vapi_tool_fail(out, cap, "I need the time as a date and a time of day, like "
                                            "2027-03-03T14:00.");
    }
    return true;
}

/* One match: cancels it through the same code as PATCH /appointments/{id}. */
static bool cancel_one(const struct vapi_tool_ctx *ctx, int64_t id, const char *zone,
                       const struct tz_zone *z, char *out, size_t cap)
{
    struct calendar_appt ap = {0};
    struct calendar_refusal why = {0};
    struct vcheck v;
    vcheck_init(&v);
    json_t *j_patch = json_pack("{s:s}", "status", "cancelled");
    app_err e = calendar_appt_patch(ctx->app, ctx->tenant, id, j_patch, zone, &v, &ap, &why);
    json_decref(j_patch);
    vcheck_cleanup(&v);
    bool ok = e == APP_OK;
    if (ok) {
        char addr[200], when[96];
        struct vapi_date today = vapi_date_from_days(tz_today(zone));
        vapi_speak_address(addr, sizeof addr, ap.property_address, NULL, NULL);
        speak_when(z, ap.start, &today, when, sizeof when);
        snprintf(out, cap, "Done: the viewing of %s on %s is cancelled.", addr, when);
    } else {
        vapi_tool_fail(out, cap, "I can't cancel viewings right now.");
    }
    calendar_appt_cleanup(&ap);
    return ok;
}

bool vapi_tool_cancel_appointment(const struct vapi_tool_ctx *ctx, const json_t *j, char *out,
                               size_t cap)
{
    struct cancel_want w = {0};
    struct user_settings st;
    char zone[TZ_NAME_MAX] = USERS_DEFAULT_ZONE;
    if (users_settings_get(ctx->app, ctx->tenant, &st) == APP_OK)
        snprintf(zone, sizeof zone, "%s", st.timezone);
    if (!cancel_args(j, zone, &w, out, cap))
        return false;
    if (!(w.zone = tz_load(zone)))
        return vapi_tool_fail(out, cap, "I can't cancel viewings right now.");
    int64_t ids[OFFERS + 1], starts[OFFERS + 1];
    size_t total = 0;
    bool ok = true;
    if (find_bookings(ctx, &w, ids, starts, &total) != APP_OK) {
        ok = vapi_tool_fail(out, cap, "I can't cancel viewings right now.");
    } else if (total == 0) {
        snprintf(out, cap, "I couldn't find an upcoming viewing booked under that %s%s.",
                 w.phone[0] ? "phone number" : "email", w.has_time ? " at that time" : "");
    } else if (total == 1) {
        ok = cancel_one(ctx, ids[0], zone, w.zone, out, cap);
    } else {
        char when[OFFERS][96], list[400];
        const char *items[OFFERS];
        struct vapi_date today = vapi_date_from_days(tz_today(zone));
        size_t shown = total < OFFERS ? total : OFFERS;
        for (size_t i = 0; i < shown; i++) {
            speak_when(w.zone, starts[i], &today, when[i], sizeof when[i]);
            items[i] = when[i];
        }
        vapi_speak_choices(list, sizeof list, items, shown);
        char count[32];
        vapi_speak_count(count, sizeof count, (int64_t)total);
        snprintf(out, cap, "I found %s viewings under that %s: %s. Which one should I cancel?",
                 count, w.phone[0] ? "phone number" : "email", list);
    }
    tz_free(w.zone);
    return ok;
}
