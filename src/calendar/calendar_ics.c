/* SPDX-License-Identifier: MIT */
/* iCalendar (RFC 5545) without libical: a writer for the tenant's feed and for the object a
 * CalDAV PUT stores, and a small reader for the VEVENTs of CalDAV REPORT results, which
 * come from a server we do not control. The reader is a loop over content lines with fixed
 * buffers and counters: no recursion, no allocation but the result list, every length and
 * count bounded (calendar.h). Time zones come from core/tz.h by IANA name; VTIMEZONE
 * components are not read, and RRULE is not expanded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendar/calendar.h"
#include "core/mem.h"
#include "core/text.h"

#define DAY 86400
#define T_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define T_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define FOLD 75                /* octets per line, CRLF excluded */
#define PRODID "-//PeteRental//Calendar//EN"

/* ---- output -------------------------------------------------------------------------- */

struct obuf {
    char *p; /* NUL-terminated */
    size_t len, cap;
};

static void put(struct obuf *b, const char *s, size_t n)
{
    b->p = mem_grow(b->p, &b->cap, b->len + n + 1, 512);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct obuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Appends a content line, folded: at most FOLD octets per physical line (the leading space
 * of a continuation counts), cut only before the first byte of a UTF-8 sequence. */
static void put_folded(struct obuf *out, const char *line, size_t n)
{
    size_t at = 0, room = FOLD;
    while (n - at > room) {
        size_t cut = at + room;
        while (cut > at && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        put(out, line + at, cut - at);
        put(out, "\r\n ", 3);
        at = cut;
        room = FOLD - 1;
    }
    put(out, line + at, n - at);
    put(out, "\r\n", 2);
}

/* Moves the line built in *line to out, folded. */
static void emit(struct obuf *out, struct obuf *line)
{
    put_folded(out, line->p ? line->p : "", line->len);
    line->len = 0;
}

static void emit_str(struct obuf *out, struct obuf *line, const char *s)
{
    puts_(line, s);
    emit(out, line);
}

/* Appends s as UTF-8 with invalid bytes as U+FFFD and control characters dropped; in TEXT
 * (quoted false) backslash, semicolon and comma are escaped and line breaks become \n; in
 * a quoted parameter value (quoted true) double quotes and line breaks are dropped. */
static void put_text(struct obuf *b, const char *s, bool quoted)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '\r' || c == '\n') {
            if (!quoted)
                put(b, "\\n", 2);
            p += (c == '\r' && p[1] == '\n') ? 2 : 1;
        } else if (!quoted && (c == '\\' || c == ';' || c == ',')) {
            char esc[2] = {'\\', (char)c};
            put(b, esc, 2);
            p++;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f || (quoted && c == '"')) {
            p++;
        } else if (c < 0x80) {
            put(b, (const char *)p++, 1);
        } else {
            size_t n = text_utf8_seq(p);
            put(b, n ? (const char *)p : "\xEF\xBF\xBD", n ? n : 3);
            p += n ? n : 1;
        }
    }
}

static void put_utc(struct obuf *b, int64_t t)
{
    char buf[CIVIL_RFC3339_SIZE], out[17];
    civil_format_rfc3339(t, buf, sizeof buf); /* 2026-03-02T15:30:00Z */
    snprintf(out, sizeof out, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", buf, buf + 5, buf + 8, buf + 11,
             buf + 14, buf + 17);
    puts_(b, out);
}

/* An address safe to write after mailto: unquoted. */
static bool email_ok(const char *s)
{
    if (!s || !*s || !strchr(s, '@') || strlen(s) > 254)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"\\,;", *p))
            return false;
    return true;
}

static bool in_range(int64_t t)
{
    return t >= T_MIN && t <= T_MAX;
}

static bool event_ok(const struct calendar_ics_event *ev)
{
    if (!ev || !ev->uid || !*ev->uid || !in_range(ev->start) || !in_range(ev->end) ||
        !in_range(ev->stamp) || ev->end < ev->start || ev->sequence < 0)
        return false;
    return !ev->status || strcmp(ev->status, "CONFIRMED") == 0 ||
           strcmp(ev->status, "TENTATIVE") == 0 || strcmp(ev->status, "CANCELLED") == 0;
}

static void put_prop_text(struct obuf *out, struct obuf *line, const char *name, const char *v)
{
    if (!v || !*v)
        return;
    puts_(line, name);
    put(line, ":", 1);
    put_text(line, v, false);
    emit(out, line);
}

static void put_time(struct obuf *out, struct obuf *line, const char *name, int64_t t)
{
    puts_(line, name);
    put(line, ":", 1);
    put_utc(line, t);
    emit(out, line);
}

/* ORGANIZER or ATTENDEE: name[;CN="cn"]extra:mailto:email; nothing without a safe email. */
static void put_address(struct obuf *out, struct obuf *line, const char *name, const char *cn,
                        const char *extra, const char *email)
{
    if (!email_ok(email))
        return;
    puts_(line, name);
    if (cn && *cn) {
        puts_(line, ";CN=\"");
        put_text(line, cn, true);
        put(line, "\"", 1);
    }
    puts_(line, extra);
    puts_(line, ":mailto:");
    puts_(line, email);
    emit(out, line);
}

static void put_event(struct obuf *out, struct obuf *line, const struct calendar_ics_event *ev)
{
    emit_str(out, line, "BEGIN:VEVENT");
    put_prop_text(out, line, "UID", ev->uid);
    put_time(out, line, "DTSTAMP", ev->stamp);
    put_time(out, line, "DTSTART", ev->start);
    put_time(out, line, "DTEND", ev->end);
    if (ev->sequence > 0) {
        char seq[32];
        snprintf(seq, sizeof seq, "SEQUENCE:%d", ev->sequence);
        emit_str(out, line, seq);
    }
    put_prop_text(out, line, "SUMMARY", ev->summary);
    put_prop_text(out, line, "LOCATION", ev->location);
    put_prop_text(out, line, "DESCRIPTION", ev->description);
    if (ev->status) {
        puts_(line, "STATUS:");
        emit_str(out, line, ev->status);
    }
    put_address(out, line, "ORGANIZER", ev->organizer_name, "", ev->organizer_email);
    put_address(out, line, "ATTENDEE", ev->attendee_name,
                ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE", ev->attendee_email);
    emit_str(out, line, "END:VEVENT");
}

/* The VCALENDAR around events; NULL when one is not writable. */
static char *write_calendar(const struct calendar_ics_event *events, size_t n, bool feed,
                            const char *name, size_t *len)
{
    struct obuf out = {0}, line = {0};
    for (size_t i = 0; i < n; i++)
        if (!event_ok(&events[i]))
            return NULL;
    emit_str(&out, &line, "BEGIN:VCALENDAR");
    emit_str(&out, &line, "VERSION:2.0");
    emit_str(&out, &line, "PRODID:" PRODID);
    emit_str(&out, &line, "CALSCALE:GREGORIAN");
    if (feed)
        emit_str(&out, &line, "METHOD:PUBLISH");
    put_prop_text(&out, &line, "X-WR-CALNAME", name);
    for (size_t i = 0; i < n; i++)
        put_event(&out, &line, &events[i]);
    emit_str(&out, &line, "END:VCALENDAR");
    free(line.p);
    if (len)
        *len = out.len;
    return out.p;
}

char *calendar_ics_feed(const struct calendar_ics_event *events, size_t n, const char *name,
                        size_t *len)
{
    if (n > 0 && !events)
        return NULL;
    return write_calendar(events, n, true, name, len);
}

char *calendar_ics_object(const struct calendar_ics_event *ev, size_t *len)
{
    return ev ? write_calendar(ev, 1, false, NULL, len) : NULL;
}

/* ---- reader: values ------------------------------------------------------------------ */

/* One DTSTART or DTEND as read: local seconds in zone (or UTC seconds when utc). */
struct when {
    bool set, ok;
    bool date, utc, floating, zone_unknown;
    int64_t secs;
    const struct tz_zone *zone;
};

/* A content line split up: the name, the two parameters we read, and the value. */
struct cline {
    char name[32];
    char value_type[16]; /* VALUE=..., "" when absent */
    char tzid[TZ_NAME_MAX]; /* TZID=..., "" when absent */
    bool tzid_bad;          /* longer than any zone name */
    const char *value;
};

struct pending {
    struct when start, end;
    bool has_duration, duration_ok;
    int64_t dur_days, dur_secs;
    char uid[CALENDAR_ICS_UID_SIZE];
    bool transparent, cancelled, recurring;
};

struct zone_slot {
    char name[TZ_NAME_MAX];
    struct tz_zone *z; /* NULL: not in tzdata */
};

struct reader {
    const struct tz_zone *deflt;
    struct zone_slot zones[CALENDAR_ICS_MAX_ZONES];
    size_t nzones;
    struct calendar_ics_list *out;
    size_t cap;
    bool in_event;
    size_t depth; /* components open inside the current VEVENT */
    struct pending ev;
    bool stop;
};

/* n digits at s; -1 when one is not a digit. */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The zone named tzid, loaded once per read; NULL when unknown or past the zone cap. */
static const struct tz_zone *zone_get(struct reader *r, const char *tzid)
{
    for (size_t i = 0; i < r->nzones; i++)
        if (strcmp(r->zones[i].name, tzid) == 0)
            return r->zones[i].z;
    if (r->nzones == CALENDAR_ICS_MAX_ZONES)
        return NULL;
    struct zone_slot *s = &r->zones[r->nzones++];
    snprintf(s->name, sizeof s->name, "%s", tzid);
    s->z = tz_load(tzid);
    return s->z;
}

/* DATE "YYYYMMDD" or DATE-TIME "YYYYMMDDTHHMMSS[Z]" of line l into *w. */
static void parse_when(struct reader *r, const struct cline *l, struct when *w)
{
    const char *s = l->value;
    size_t n = strlen(s);
    bool want_date = strcasecmp(l->value_type, "DATE") == 0;
    bool want_time = strcasecmp(l->value_type, "DATE-TIME") == 0;
    w->set = true;
    w->ok = false;
    w->date = n == 8;
    w->utc = n == 16 && s[15] == 'Z';
    if (!(w->date || ((n == 15 || w->utc) && s[8] == 'T')) || (w->date && want_time) ||
        (!w->date && want_date))
        return;
    int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
    int hh = w->date ? 0 : num(s + 9, 2), mi = w->date ? 0 : num(s + 11, 2);
    int ss = w->date ? 0 : num(s + 13, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > civil_days_in_month(y, m) || hh < 0 ||
        hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
        return;
    w->secs = civil_days_from_ymd(y, m, d) * DAY + hh * 3600 + mi * 60 + ss;
    w->zone = r->deflt;
    if (!w->utc && !w->date && (l->tzid[0] || l->tzid_bad)) {
        const struct tz_zone *z = l->tzid_bad ? NULL : zone_get(r, l->tzid);
        w->zone_unknown = !z;
        w->zone = z ? z : r->deflt;
    } else if (!w->utc && !w->date) {
        w->floating = true;
    }
    w->ok = true;
}

static int64_t when_utc(const struct when *w)
{
    return w->utc ? w->secs : tz_to_utc(w->zone, w->secs, NULL);
}

/* RFC 5545 dur-value: [+]P then nW alone, or [nD][T[nH][nM][nS]] with the units in that
 * order, each once, numbers of at most 9 digits. A negative duration is refused (it would
 * put the end before the start). */
static bool parse_duration(const char *s, int64_t *days, int64_t *secs)
{
    static const char units[] = "WDHMS";
    static const int64_t size[] = {7 * DAY, DAY, 3600, 60, 1};
    int64_t total[2] = {0, 0}; /* calendar days, seconds */
    int last = -1;
    bool in_time = false, time_unit = false;
    if (*s == '+')
        s++;
    if (*s++ != 'P')
        return false;
    while (*s) {
        if (*s == 'T' && !in_time && last < 2) {
            in_time = true;
            s++;
            continue;
        }
        int64_t v = 0;
        int nd = 0;
        while (*s >= '0' && *s <= '9' && nd < 10) {
            v = v * 10 + (*s++ - '0');
            nd++;
        }
        const char *u = *s ? strchr(units, *s++) : NULL;
        int rank = u ? (int)(u - units) : -1;
        if (nd == 0 || nd > 9 || rank <= last || last == 0 || (rank >= 2) != in_time)
            return false;
        if (rank < 2)
            total[0] += v * (size[rank] / DAY);
        else
            total[1] += v * size[rank];
        time_unit = time_unit || rank >= 2;
        last = rank;
    }
    if (last < 0 || (in_time && !time_unit))
        return false;
    *days = total[0];
    *secs = total[1];
    return true;
}

/* Copies an escaped TEXT value into dst (cap bytes): unescaped, control characters
 * dropped, a byte that is not UTF-8 as '?', cut at a character boundary. */
static void unescape_into(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n + 1 < cap) {
        unsigned char c = *p;
        size_t len = c < 0x80 ? 1 : text_utf8_seq(p);
        if (c == '\\' && p[1]) {
            c = p[1] == 'n' || p[1] == 'N' ? '\n' : p[1];
            p += 2;
            if (c >= 0x20 && c < 0x7f)
                dst[n++] = (char)c;
            continue;
        }
        if (len == 0) {
            dst[n++] = '?';
            p++;
        } else if (len > 1) {
            if (n + len >= cap)
                break;
            memcpy(dst + n, p, len);
            n += len;
            p += len;
        } else {
            if (c >= 0x20 && c != 0x7f)
                dst[n++] = (char)c;
            p++;
        }
    }
    dst[n] = '\0';
}

/* ---- reader: content lines ----------------------------------------------------------- */

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-';
}

/* Keeps the parameters the reader uses (the first value of each). */
static void record_param(struct cline *l, const char *name, size_t nlen, const char *v,
                         size_t vlen)
{
    if (nlen == 5 && strncasecmp(name, "VALUE", 5) == 0) {
        if (vlen < sizeof l->value_type)
            snprintf(l->value_type, sizeof l->value_type, "%.*s", (int)vlen, v);
        else
            snprintf(l->value_type, sizeof l->value_type, "?");
    } else if (nlen == 4 && strncasecmp(name, "TZID", 4) == 0) {
        l->tzid_bad = vlen == 0 || vlen >= sizeof l->tzid;
        if (!l->tzid_bad)
            snprintf(l->tzid, sizeof l->tzid, "%.*s", (int)vlen, v);
    }
}

/* name *(";" param) ":" value; params are name=value("," value)*, values quoted or not. */
static bool parse_cline(const char *line, struct cline *l)
{
    const char *p = line;
    memset(l, 0, sizeof *l);
    while (name_char(*p))
        p++;
    if (p == line || (size_t)(p - line) >= sizeof l->name)
        return false;
    memcpy(l->name, line, (size_t)(p - line));
    while (*p == ';') {
        const char *pn = ++p;
        while (name_char(*p))
            p++;
        size_t nlen = (size_t)(p - pn);
        if (nlen == 0 || *p++ != '=')
            return false;
        for (bool first = true;; first = false) {
            const char *v = p;
            size_t vlen;
            if (*p == '"') {
                const char *q = strchr(++v, '"');
                if (!q)
                    return false;
                vlen = (size_t)(q - v);
                p = q + 1;
            } else {
                while (*p && *p != ';' && *p != ':' && *p != ',' && *p != '"')
                    p++;
                vlen = (size_t)(p - v);
            }
            if (first)
                record_param(l, pn, nlen, v, vlen);
            if (*p != ',')
                break;
            p++;
        }
    }
    if (*p != ':')
        return false;
    l->value = p + 1;
    return true;
}

/* ---- reader: components -------------------------------------------------------------- */

static void push(struct reader *r, const struct calendar_ics_vevent *v)
{
    struct calendar_ics_list *l = r->out;
    if (l->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        l->items = mem_reallocarray(l->items, r->cap, sizeof *l->items);
    }
    l->items[l->n++] = *v;
}

/* END:VEVENT: the event's instants, or a skip. */
static void finish(struct reader *r)
{
    const struct pending *e = &r->ev;
    struct calendar_ics_vevent v;
    if (!e->start.set || !e->start.ok || (e->end.set && !e->end.ok) ||
        (!e->end.set && e->has_duration && !e->duration_ok)) {
        r->out->skipped++;
        return;
    }
    memset(&v, 0, sizeof v);
    v.start = when_utc(&e->start);
    if (e->end.set)
        v.end = when_utc(&e->end);
    else if (e->has_duration && e->start.utc)
        v.end = v.start + e->dur_days * DAY + e->dur_secs;
    else if (e->has_duration)
        v.end = tz_to_utc(e->start.zone, e->start.secs + e->dur_days * DAY, NULL) + e->dur_secs;
    else if (e->start.date)
        v.end = tz_to_utc(e->start.zone, e->start.secs + DAY, NULL);
    else
        v.end = v.start;
    if (v.end < v.start || !in_range(v.start) || !in_range(v.end)) {
        r->out->skipped++;
        return;
    }
    snprintf(v.uid, sizeof v.uid, "%s", e->uid);
    v.all_day = e->start.date;
    v.floating = e->start.floating;
    v.zone_unknown = e->start.zone_unknown || (e->end.set && e->end.zone_unknown);
    v.transparent = e->transparent;
    v.cancelled = e->cancelled;
    v.recurring = e->recurring;
    push(r, &v);
}

static void on_begin(struct reader *r, const char *what)
{
    if (r->in_event) {
        r->depth++; /* VALARM and the like: their properties are not the event's */
        return;
    }
    if (strcasecmp(what, "VEVENT") != 0)
        return;
    if (r->out->n == CALENDAR_ICS_MAX_EVENTS) {
        r->out->truncated = true;
        r->stop = true;
        return;
    }
    memset(&r->ev, 0, sizeof r->ev);
    r->in_event = true;
    r->depth = 0;
}

static void on_end(struct reader *r, const char *what)
{
    if (!r->in_event)
        return;
    if (r->depth > 0) {
        r->depth--;
        return;
    }
    if (strcasecmp(what, "VEVENT") == 0)
        finish(r);
    else
        r->out->skipped++; /* e.g. END:VCALENDAR inside the event */
    r->in_event = false;
}

static void on_line(struct reader *r, const char *line)
{
    struct cline l;
    if (!parse_cline(line, &l))
        return;
    bool begin = strcasecmp(l.name, "BEGIN") == 0, end = strcasecmp(l.name, "END") == 0;
    if (begin)
        on_begin(r, l.value);
    else if (end)
        on_end(r, l.value);
    if (begin || end || !r->in_event || r->depth > 0)
        return;
    struct pending *e = &r->ev;
    if (strcasecmp(l.name, "DTSTART") == 0 && !e->start.set) {
        parse_when(r, &l, &e->start);
    } else if (strcasecmp(l.name, "DTEND") == 0 && !e->end.set) {
        parse_when(r, &l, &e->end);
    } else if (strcasecmp(l.name, "DURATION") == 0 && !e->has_duration) {
        e->has_duration = true;
        e->duration_ok = parse_duration(l.value, &e->dur_days, &e->dur_secs);
    } else if (strcasecmp(l.name, "UID") == 0 && !e->uid[0]) {
        unescape_into(e->uid, sizeof e->uid, l.value);
    } else if (strcasecmp(l.name, "TRANSP") == 0) {
        e->transparent = strcasecmp(l.value, "TRANSPARENT") == 0;
    } else if (strcasecmp(l.name, "STATUS") == 0) {
        e->cancelled = strcasecmp(l.value, "CANCELLED") == 0;
    } else if (strcasecmp(l.name, "RRULE") == 0 || strcasecmp(l.name, "RDATE") == 0) {
        e->recurring = true;
    }
}

/* Splits text into content lines (CRLF or LF; a line starting with a space or tab
 * continues the previous one) and hands each unfolded line to on_line. Lines longer than
 * CALENDAR_ICS_MAX_LINE or holding a NUL byte are dropped. */
static void read_lines(struct reader *r, const char *text, size_t len)
{
    char line[CALENDAR_ICS_MAX_LINE + 1];
    size_t n = 0, pos = 0;
    bool have = false, bad = false;
    while (pos < len && !r->stop) {
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t k = nl ? (size_t)(nl - p) : len - pos;
        pos += k + (nl ? 1 : 0);
        if (k > 0 && p[k - 1] == '\r')
            k--;
        bool cont = have && k > 0 && (p[0] == ' ' || p[0] == '\t');
        if (!cont) {
            if (have && !bad)
                on_line(r, line);
            n = 0;
            have = true;
            bad = false;
        } else {
            p++;
            k--;
        }
        if (n + k > CALENDAR_ICS_MAX_LINE || memchr(p, '\0', k)) {
            bad = true;
            continue;
        }
        memcpy(line + n, p, k);
        n += k;
        line[n] = '\0';
    }
    if (have && !bad && !r->stop)
        on_line(r, line);
}

app_err calendar_ics_read(const char *text, size_t len, const char *default_zone,
                          struct calendar_ics_list *out)
{
    if (!text || len > CALENDAR_ICS_MAX_INPUT)
        return APP_E_PARAM;
    struct tz_zone *deflt = tz_load(default_zone);
    if (!deflt)
        return APP_E_INTERNAL;
    struct reader r = {.deflt = deflt, .out = out};
    read_lines(&r, text, len);
    if (r.in_event && !r.stop)
        out->skipped++; /* no END:VEVENT: cut off */
    for (size_t i = 0; i < r.nzones; i++)
        tz_free(r.zones[i].z);
    tz_free(deflt);
    return APP_OK;
}

void calendar_ics_list_cleanup(struct calendar_ics_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}
