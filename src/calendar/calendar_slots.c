/* SPDX-License-Identifier: MIT */
/* Availability without a database (SPEC §5, the availability algorithm): free slots of a
 * tenant's business hours in its zone, minus busy times widened by the buffer, within min
 * notice and the booking horizon; and the same rules as a yes/no (with a reason) for one
 * requested appointment. Wall-clock hours go through core/tz.h, so DST days keep them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "core/mem.h"

#define DAY 86400
/* Instants outside years 0001-9999 are no appointment's. */
#define T_MIN (-62135596800LL)
#define T_MAX 253402300799LL

struct ctx {
    const struct calendar_rules *r;
    const struct tz_zone *z;
    int64_t earliest; /* first allowed start */
    int64_t horizon;  /* last allowed end */
    int lo_min, hi_min; /* start_hour/end_hour window in local minutes */
    struct calendar_busy *busy; /* widened, sorted, merged */
    size_t nbusy;
    struct calendar_slot_list *out;
    size_t cap;
};

/* ---- rules --------------------------------------------------------------------------- */

void calendar_rules_from_settings(const struct user_settings *s, struct calendar_rules *out)
{
    out->timezone = s->timezone;
    memcpy(out->hours, s->hours, sizeof out->hours);
    out->slot_minutes = s->slot_minutes;
    out->buffer_minutes = s->buffer_minutes;
    out->min_notice_minutes = s->min_notice_minutes;
    out->booking_horizon_days = s->booking_horizon_days;
}

/* Validates r and loads its zone into *z (tz_free). */
static app_err open_rules(const struct calendar_rules *r, struct tz_zone **z)
{
    if (!r || r->slot_minutes < 5 || r->slot_minutes > 240 || r->buffer_minutes < 0 ||
        r->buffer_minutes > 240 || r->min_notice_minutes < 0 || r->min_notice_minutes > 10080 ||
        r->booking_horizon_days < 1 || r->booking_horizon_days > 365)
        return APP_E_INTERNAL;
    *z = tz_load(r->timezone);
    return *z ? APP_OK : APP_E_INTERNAL;
}

/* The usable ranges of one weekday, sorted: ranges outside 00:00-24:00, empty, or
 * overlapping an earlier one are dropped (settings never hold them; the rules are not
 * trusted to). Returns their number. */
static int day_ranges(const struct users_day *d, struct users_range out[USERS_MAX_RANGES])
{
    struct users_range tmp[USERS_MAX_RANGES];
    int n = 0, cnt = d->n < 0 ? 0 : d->n > USERS_MAX_RANGES ? USERS_MAX_RANGES : d->n;
    for (int i = 0; i < cnt; i++) {
        struct users_range x = d->r[i];
        if (x.start < 0 || x.end > 24 * 60 || x.start >= x.end)
            continue;
        int j = n++;
        for (; j > 0 && tmp[j - 1].start > x.start; j--)
            tmp[j] = tmp[j - 1];
        tmp[j] = x;
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || tmp[i].start >= out[kept - 1].end)
            out[kept++] = tmp[i];
    return kept;
}

/* The instant whose wall clock reads as now's, days local days later. */
static int64_t horizon_at(const struct tz_zone *z, int64_t now, int days)
{
    return tz_to_utc(z, tz_local(z, now) + (int64_t)days * DAY, NULL);
}

/* The instants at which range x of local day opens and closes. */
static void range_utc(const struct tz_zone *z, int64_t day, const struct users_range *x,
                      int64_t *open, int64_t *close)
{
    *open = tz_to_utc(z, day * DAY + x->start * 60, NULL);
    *close = tz_to_utc(z, day * DAY + x->end * 60, NULL);
}

/* ---- busy times ---------------------------------------------------------------------- */

static int busy_cmp(const void *pa, const void *pb)
{
    const struct calendar_busy *a = pa, *b = pb;
    return a->start < b->start ? -1 : a->start > b->start;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Copies the intervals that matter to [lo, hi], widened by pad seconds, sorted and merged
 * into c->busy. */
static void prepare_busy(struct ctx *c, const struct calendar_busy *in, size_t n, int64_t pad)
{
    int64_t lo = c->earliest - pad - DAY, hi = c->horizon + pad + DAY;
    c->busy = mem_reallocarray(NULL, n ? n : 1, sizeof *c->busy);
    c->nbusy = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].end <= in[i].start || in[i].end <= lo || in[i].start >= hi)
            continue;
        c->busy[c->nbusy++] = (struct calendar_busy){clamp(in[i].start, lo, hi) - pad,
                                                     clamp(in[i].end, lo, hi) + pad};
    }
    bool sorted = true; /* the callers' busy times usually come sorted (and merged) */
    for (size_t i = 1; i < c->nbusy && sorted; i++)
        sorted = c->busy[i - 1].start <= c->busy[i].start;
    if (!sorted)
        qsort(c->busy, c->nbusy, sizeof *c->busy, busy_cmp);
    size_t m = 0;
    for (size_t i = 0; i < c->nbusy; i++) {
        if (m > 0 && c->busy[i].start <= c->busy[m - 1].end) {
            if (c->busy[i].end > c->busy[m - 1].end)
                c->busy[m - 1].end = c->busy[i].end;
        } else {
            c->busy[m++] = c->busy[i];
        }
    }
    c->nbusy = m;
}

/* Whether [s, e) overlaps a merged busy interval. */
static bool blocked(const struct ctx *c, int64_t s, int64_t e)
{
    size_t lo = 0, hi = c->nbusy; /* the first interval ending after s */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->busy[mid].end <= s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nbusy && c->busy[lo].start < e;
}

/* ---- slots --------------------------------------------------------------------------- */

/* Appends the slot starting at instant s, which reads local (local seconds: the wall-clock
 * start fill_day converted, so no zone lookup is needed again); false once the list is full
 * (and marked so). */
static bool add_slot(struct ctx *c, int64_t s, int64_t local)
{
    struct calendar_slot_list *l = c->out;
    if (l->n == CALENDAR_SLOTS_MAX) {
        l->truncated = true;
        return false;
    }
    if (l->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        l->items = mem_reallocarray(l->items, c->cap, sizeof *l->items);
    }
    struct calendar_slot *x = &l->items[l->n++];
    int64_t local_day = civil_day_of(local);
    memset(x, 0, sizeof *x);
    x->start = s;
    x->duration_minutes = c->r->slot_minutes;
    x->end = s + (int64_t)x->duration_minutes * 60;
    civil_format_when(local, x->formatted_time, sizeof x->formatted_time);
    snprintf(x->day, sizeof x->day, "%s", civil_weekday_name(civil_weekday(local_day)));
    civil_format_date(local_day, x->date, sizeof x->date);
    return true;
}

/* The slots of local day day; false when the list filled up. */
static bool fill_day(struct ctx *c, int64_t day)
{
    struct users_range ranges[USERS_MAX_RANGES];
    int n = day_ranges(&c->r->hours[civil_weekday(day)], ranges);
    int slot = c->r->slot_minutes;
    for (int i = 0; i < n; i++) {
        int64_t open, close;
        range_utc(c->z, day, &ranges[i], &open, &close);
        for (int w = ranges[i].start; w + slot <= ranges[i].end; w += slot) {
            if (w < c->lo_min || w + slot > c->hi_min)
                continue;
            enum tz_local_kind kind;
            int64_t local = day * DAY + w * 60;
            int64_t s = tz_to_utc(c->z, local, &kind);
            int64_t e = s + (int64_t)slot * 60;
            if (kind == TZ_LOCAL_GAP || s < open || e > close || s < c->earliest ||
                e > c->horizon || blocked(c, s, e))
                continue;
            if (!add_slot(c, s, local))
                return false;
        }
    }
    return true;
}

void calendar_slot_list_cleanup(struct calendar_slot_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

static bool query_ok(const struct calendar_query *q)
{
    if (!q || q->days_ahead < 1 || q->now < T_MIN || q->now > T_MAX)
        return false;
    if (q->start_hour != -1 && (q->start_hour < 0 || q->start_hour > 23))
        return false;
    if (q->end_hour != -1 && (q->end_hour < 1 || q->end_hour > 24))
        return false;
    return q->start_hour == -1 || q->end_hour == -1 || q->start_hour < q->end_hour;
}

app_err calendar_slots(const struct calendar_rules *r, const struct calendar_query *q,
                       const struct calendar_busy *busy, size_t nbusy,
                       struct calendar_slot_list *out)
{
    struct tz_zone *z = NULL;
    if (!query_ok(q))
        return APP_E_PARAM;
    app_err rc = open_rules(r, &z);
    if (rc != APP_OK)
        return rc;
    int days = q->days_ahead < r->booking_horizon_days ? q->days_ahead : r->booking_horizon_days;
    struct ctx c = {
        .r = r,
        .z = z,
        .earliest = q->now + (int64_t)r->min_notice_minutes * 60,
        .horizon = horizon_at(z, q->now, days),
        .lo_min = q->start_hour == -1 ? 0 : q->start_hour * 60,
        .hi_min = q->end_hour == -1 ? 24 * 60 : q->end_hour * 60,
        .out = out,
    };
    prepare_busy(&c, busy, busy ? nbusy : 0, (int64_t)r->buffer_minutes * 60);
    int64_t last = civil_day_of(tz_local(z, c.horizon));
    for (int64_t day = civil_day_of(tz_local(z, c.earliest)); day <= last; day++)
        if (!fill_day(&c, day))
            break;
    free(c.busy);
    tz_free(z);
    return APP_OK;
}

/* ---- one appointment ----------------------------------------------------------------- */

/* Whether [start, end) lies inside one business-hours range of start's local day. */
static bool inside_hours(const struct calendar_rules *r, const struct tz_zone *z, int64_t start,
                         int64_t end)
{
    struct users_range ranges[USERS_MAX_RANGES];
    int64_t day = civil_day_of(tz_local(z, start));
    int n = day_ranges(&r->hours[civil_weekday(day)], ranges);
    for (int i = 0; i < n; i++) {
        int64_t open, close;
        range_utc(z, day, &ranges[i], &open, &close);
        if (open <= start && end <= close)
            return true;
    }
    return false;
}

app_err calendar_check_bookable(const struct calendar_rules *r, int64_t start, int64_t end,
                                int64_t now, enum calendar_bookable *reason)
{
    struct tz_zone *z = NULL;
    app_err rc = open_rules(r, &z);
    if (rc != APP_OK)
        return rc;
    enum calendar_bookable why = CALENDAR_BOOKABLE;
    now = clamp(now, T_MIN, T_MAX);
    if (start < T_MIN || end > T_MAX || end <= start || end - start > DAY)
        why = CALENDAR_BAD_TIMES;
    else if (start < now)
        why = CALENDAR_IN_PAST;
    else if (start < now + (int64_t)r->min_notice_minutes * 60)
        why = CALENDAR_TOO_SOON;
    else if (end > horizon_at(z, now, r->booking_horizon_days))
        why = CALENDAR_BEYOND_HORIZON;
    else if (!inside_hours(r, z, start, end))
        why = CALENDAR_OUTSIDE_HOURS;
    tz_free(z);
    *reason = why;
    return APP_OK;
}

/* "45 minutes", "1 hour", "2 hours", "1 day", "14 days". */
static void amount(char *buf, size_t len, int minutes)
{
    if (minutes >= 24 * 60 && minutes % (24 * 60) == 0)
        snprintf(buf, len, "%d day%s", minutes / (24 * 60), minutes == 24 * 60 ? "" : "s");
    else if (minutes >= 60 && minutes % 60 == 0)
        snprintf(buf, len, "%d hour%s", minutes / 60, minutes == 60 ? "" : "s");
    else
        snprintf(buf, len, "%d minute%s", minutes, minutes == 1 ? "" : "s");
}

void calendar_bookable_message(enum calendar_bookable reason, const struct calendar_rules *r,
                               char *buf, size_t len)
{
    char n[32];
    switch (reason) {
    case CALENDAR_BOOKABLE:
        snprintf(buf, len, "That time is available to book.");
        break;
    case CALENDAR_BAD_TIMES:
        snprintf(buf, len, "The end time must be after the start time, within one day.");
        break;
    case CALENDAR_IN_PAST:
        snprintf(buf, len, "That time has already passed.");
        break;
    case CALENDAR_TOO_SOON:
        amount(n, sizeof n, r->min_notice_minutes);
        snprintf(buf, len, "Appointments must be booked at least %s ahead.", n);
        break;
    case CALENDAR_BEYOND_HORIZON:
        amount(n, sizeof n, r->booking_horizon_days * 24 * 60);
        snprintf(buf, len, "Appointments can be booked at most %s ahead.", n);
        break;
    case CALENDAR_OUTSIDE_HOURS:
    default:
        snprintf(buf, len, "That time is outside business hours.");
        break;
    }
}
