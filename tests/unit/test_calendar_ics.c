/* SPDX-License-Identifier: MIT */
/* iCalendar writer and reader (calendar_ics.c): escaping, folding at 75 octets without
 * splitting UTF-8, CRLF, attendees, the PUT object, a writer -> reader round trip, time
 * forms the reader understands (UTC, TZID in gaps and overlaps, unknown zones, floating,
 * all-day, nominal and exact durations), what it reports (free, cancelled, recurring), and
 * hostile input: truncated, unterminated, 100,000 events, absurd dates and durations, long
 * and NUL-bearing lines, deep nesting, oversized input. Instants are written out in UTC. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"
#include "core/text.h"

/* 2026-03-02T15:30:00Z */
#define T0 1772465400LL

static struct calendar_ics_event event(const char *uid, int64_t start, int64_t end)
{
    struct calendar_ics_event e;
    memset(&e, 0, sizeof e);
    e.uid = uid;
    e.stamp = T0;
    e.start = start;
    e.end = end;
    return e;
}

/* Removes CRLF + one space or tab (RFC 5545 unfolding); a new string. */
static char *unfold(const char *s)
{
    char *out = strdup(s), *w = out;
    assert_non_null(out);
    for (const char *p = s; *p;) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
            p += 3;
            continue;
        }
        *w++ = *p++;
    }
    *w = '\0';
    return out;
}

/* Checks every physical line: CRLF-terminated, at most 75 octets, valid UTF-8 alone. */
static void check_lines(const char *s)
{
    const char *p = s;
    while (*p) {
        const char *cr = strstr(p, "\r\n");
        assert_non_null(cr);
        size_t n = (size_t)(cr - p);
        if (n > 75)
            fail_msg("line of %zu octets: %.*s", n, (int)n, p);
        char line[80];
        memcpy(line, p, n);
        line[n] = '\0';
        assert_null(memchr(line, '\n', n));
        assert_null(memchr(line, '\r', n));
        assert_true(text_utf8_valid(line));
        p = cr + 2;
    }
}

/* Whether the unfolded text has exactly this content line. */
static bool has_line(const char *ics, const char *line)
{
    char *u = unfold(ics);
    char want[1024];
    snprintf(want, sizeof want, "\r\n%s\r\n", line);
    bool found = strstr(u, want) != NULL;
    free(u);
    return found;
}

static void test_escaping(void **state)
{
    (void)state;
    struct calendar_ics_event e = event("a,b;c@pete", T0, T0 + 1800);
    e.summary = "Viewing: 12 Oak St, Unit 3; bring ID\\card\nthanks";
    e.location = "line\r\nbreak\rand\x01 control\x7f and bad \xff byte";
    e.description = "";
    e.status = "CONFIRMED";
    e.sequence = 2;
    char *ics = calendar_ics_object(&e, NULL);
    assert_non_null(ics);
    check_lines(ics);
    assert_true(has_line(ics, "SUMMARY:Viewing: 12 Oak St\\, Unit 3\\; bring ID\\\\card\\nthanks"));
    assert_true(has_line(ics, "LOCATION:line\\nbreak\\nand control and bad \xEF\xBF\xBD byte"));
    assert_true(has_line(ics, "UID:a\\,b\\;c@pete"));
    assert_true(has_line(ics, "DTSTAMP:20260302T153000Z"));
    assert_true(has_line(ics, "DTSTART:20260302T153000Z"));
    assert_true(has_line(ics, "DTEND:20260302T160000Z"));
    assert_true(has_line(ics, "STATUS:CONFIRMED"));
    assert_true(has_line(ics, "SEQUENCE:2"));
    assert_null(strstr(ics, "DESCRIPTION")); /* "" leaves it out */
    assert_null(strstr(ics, "METHOD"));       /* a CalDAV object has none */
    assert_int_equal(strncmp(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30), 0);
    size_t n = strlen(ics);
    assert_true(n > 15 && strcmp(ics + n - 15, "END:VCALENDAR\r\n") == 0);
    free(ics);
}

static void test_folding_utf8(void **state)
{
    (void)state;
    char summary[301];
    size_t n = 0;
    while (n < 300) { /* 1, 2, 3 and 4-byte characters: 10 bytes a round */
        memcpy(summary + n, "a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\x98\x80", 10);
        n += 10;
    }
    summary[300] = '\0';
    for (size_t shift = 0; shift < 4; shift++) { /* cuts fall at every offset in a sequence */
        char uid[8];
        snprintf(uid, sizeof uid, "u%.*s", (int)shift, "xyz");
        struct calendar_ics_event e = event(uid, T0, T0 + 1800);
        e.summary = summary;
        size_t len = 0;
        char *ics = calendar_ics_feed(&e, 1, "Pete's calendar", &len);
        assert_non_null(ics);
        assert_int_equal(len, strlen(ics));
        check_lines(ics);
        char want[320];
        snprintf(want, sizeof want, "SUMMARY:%s", summary);
        assert_true(has_line(ics, want));
        assert_non_null(strstr(ics, "\r\n ")); /* it was folded */
        assert_true(has_line(ics, "METHOD:PUBLISH"));
        assert_true(has_line(ics, "X-WR-CALNAME:Pete's calendar"));
        free(ics);
    }
}

static void test_attendees(void **state)
{
    (void)state;
    struct calendar_ics_event e = event("att@pete", T0, T0 + 1800);
    e.attendee_name = "Jane Doe";
    e.attendee_email = "jane@example.com";
    e.organizer_name = "Pete";
    e.organizer_email = "pete@example.com";
    char *ics = calendar_ics_object(&e, NULL);
    assert_true(has_line(ics, "ATTENDEE;CN=\"Jane Doe\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                              "RSVP=TRUE:mailto:jane@example.com"));
    assert_true(has_line(ics, "ORGANIZER;CN=\"Pete\":mailto:pete@example.com"));
    free(ics);
    /* a quote or line break in a name is dropped; no name, no CN */
    e.attendee_name = "Ja\"ne\r\nDoe";
    e.organizer_name = NULL;
    ics = calendar_ics_object(&e, NULL);
    assert_true(has_line(ics, "ATTENDEE;CN=\"JaneDoe\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                              "RSVP=TRUE:mailto:jane@example.com"));
    assert_true(has_line(ics, "ORGANIZER:mailto:pete@example.com"));
    free(ics);
    /* an address that could break the line is left out, with its property */
    static const char *const bad[] = {"x@y.com\r\nATTENDEE:mailto:evil@x.com", "no-at-sign",
                                      "a b@c.com", "a\"@c.com", "a;b@c.com", "",
                                      "\xC3\xA9@c.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.attendee_email = bad[i];
        e.organizer_email = bad[i];
        ics = calendar_ics_object(&e, NULL);
        assert_non_null(ics);
        assert_null(strstr(ics, "ATTENDEE"));
        assert_null(strstr(ics, "ORGANIZER"));
        assert_null(strstr(ics, "evil"));
        free(ics);
    }
    /* a name without an email writes no attendee */
    e.attendee_email = NULL;
    ics = calendar_ics_object(&e, NULL);
    assert_null(strstr(ics, "ATTENDEE"));
    free(ics);
}

static void test_writer_refuses(void **state)
{
    (void)state;
    struct calendar_ics_event ok = event("ok@pete", T0, T0);
    struct calendar_ics_event bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = ok;
    bad[0].uid = NULL;
    bad[1].uid = "";
    bad[2].end = T0 - 1;
    bad[3].end = 253402300800LL; /* year 10000 */
    bad[4].status = "MAYBE";
    bad[5].start = -62135596801LL; /* year 0 */
    for (int i = 0; i < 6; i++) {
        struct calendar_ics_event two[2] = {ok, bad[i]};
        if (calendar_ics_object(&bad[i], NULL) || calendar_ics_feed(two, 2, NULL, NULL))
            fail_msg("event %d was written", i);
    }
    assert_null(calendar_ics_object(NULL, NULL));
    assert_null(calendar_ics_feed(NULL, 1, NULL, NULL));
    char *empty = calendar_ics_feed(NULL, 0, NULL, NULL); /* a feed with no events is fine */
    assert_non_null(empty);
    assert_null(strstr(empty, "VEVENT"));
    free(empty);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct calendar_ics_event ev[3] = {
        event("one,1;x@pete", T0, T0 + 1800),
        event("two@pete", T0 + 86400, T0 + 86400 + 3600),
        event("three@pete", -62135596800LL, 253402300799LL),
    };
    ev[0].summary = "Property Viewing: 12 Oak St, Unit 3";
    ev[1].status = "CANCELLED";
    ev[1].attendee_email = "jane@example.com";
    size_t len = 0;
    char *ics = calendar_ics_feed(ev, 3, "feed", &len);
    assert_non_null(ics);
    struct calendar_ics_list l = {0};
    assert_int_equal(calendar_ics_read(ics, len, "UTC", &l), APP_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.skipped, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(l.items[i].uid, ev[i].uid);
        assert_int_equal(l.items[i].start, ev[i].start);
        assert_int_equal(l.items[i].end, ev[i].end);
        assert_false(l.items[i].floating || l.items[i].all_day || l.items[i].transparent);
    }
    assert_false(l.items[0].cancelled);
    assert_true(l.items[1].cancelled);
    calendar_ics_list_cleanup(&l);
    free(ics);
}

static struct calendar_ics_list read_ok(const char *text)
{
    struct calendar_ics_list l = {0};
    assert_int_equal(calendar_ics_read(text, strlen(text), "America/Chicago", &l), APP_OK);
    return l;
}

#define VEV(body) "BEGIN:VEVENT\r\n" body "END:VEVENT\r\n"

static void test_reader_times(void **state)
{
    (void)state;
    const char *text =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        /* 0: UTC */
        VEV("UID:utc\r\nDTSTART:20260302T153000Z\r\nDTEND:20260302T160000Z\r\n")
        /* 1: New York 02:30 on 2026-03-08 does not exist: read as 03:30 EDT = 07:30Z */
        VEV("UID:gap\r\nDTSTART;TZID=America/New_York:20260308T023000\r\nDURATION:PT1H\r\n")
        /* 2: 01:30 on 2026-11-01 happens twice: the first, 05:30Z; DTEND 02:00 EST = 07:00Z */
        VEV("UID:overlap\r\nDTSTART;TZID=\"America/New_York\":20261101T013000\r\n"
            "DTEND;TZID=America/New_York:20261101T020000\r\n")
        /* 3: unknown zone: the default (Chicago) 09:00 CST = 15:00Z */
        VEV("UID:mars\r\nDTSTART;TZID=Mars/Olympus:20260302T090000\r\nDURATION:PT30M\r\n")
        /* 4: floating: the default zone */
        VEV("UID:float\r\nDTSTART:20260302T090000\r\n")
        /* 5: all day 2026-03-08 in Chicago: 06:00Z to 05:00Z (a 23-hour day) */
        VEV("UID:allday\r\nDTSTART;VALUE=DATE:20260308\r\n")
        /* 6: two days, DTEND a DATE */
        VEV("UID:twodays\r\nDTSTART;VALUE=DATE:20260308\r\nDTEND;VALUE=DATE:20260310\r\n")
        /* 7: P1D is a calendar day: 12:00 CST -> 12:00 CDT = 17:00Z */
        VEV("UID:nominal\r\nDTSTART;TZID=America/Chicago:20260307T120000\r\nDURATION:P1D\r\n")
        /* 8: PT24H is exact: 18:00Z */
        VEV("UID:exact\r\nDTSTART;TZID=America/Chicago:20260307T120000\r\nDURATION:PT24H\r\n")
        /* 9: weeks, and a UTC start */
        VEV("UID:week\r\nDTSTART:20260302T153000Z\r\nDURATION:+P1W\r\n")
        "END:VCALENDAR\r\n";
    static const struct {
        const char *uid;
        int64_t start, end;
    } want[] = {
        {"utc", T0, T0 + 1800},
        {"gap", 1772955000, 1772955000 + 3600},
        {"overlap", 1793511000, 1793516400},
        {"mars", 1772463600, 1772463600 + 1800},
        {"float", 1772463600, 1772463600},
        {"allday", 1772949600, 1773032400},
        {"twodays", 1772949600, 1773118800},
        {"nominal", 1772906400, 1772989200},
        {"exact", 1772906400, 1772992800},
        {"week", T0, T0 + 7 * 86400},
    };
    struct calendar_ics_list l = read_ok(text);
    assert_int_equal(l.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < l.n; i++) {
        assert_string_equal(l.items[i].uid, want[i].uid);
        if (l.items[i].start != want[i].start || l.items[i].end != want[i].end)
            fail_msg("%s: %lld-%lld, want %lld-%lld", want[i].uid,
                     (long long)l.items[i].start, (long long)l.items[i].end,
                     (long long)want[i].start, (long long)want[i].end);
    }
    assert_true(l.items[3].zone_unknown);
    assert_false(l.items[1].zone_unknown);
    assert_true(l.items[4].floating);
    assert_false(l.items[1].floating);
    assert_true(l.items[5].all_day);
    assert_false(l.items[0].all_day);
    calendar_ics_list_cleanup(&l);
}

static void test_reader_flags_and_syntax(void **state)
{
    (void)state;
    /* LF line ends, lower-case names, a folded UID (space and tab), a VALARM with its own
     * DTSTART before the event's, free/cancelled/recurring events */
    const char *text =
        "begin:vcalendar\n"
        "begin:vevent\n"
        "uid:folded-\n line-\n\tuid\\,ok\n"
        "BEGIN:VALARM\nDTSTART:19990101T000000Z\nTRIGGER:-PT15M\nEND:VALARM\n"
        "dtstart:20260302T153000Z\n"
        "transp:TRANSPARENT\n"
        "end:vevent\n"
        "BEGIN:VEVENT\nUID:cancelled\nSTATUS:CANCELLED\nDTSTART:20260302T153000Z\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:busy\nTRANSP:OPAQUE\nSTATUS:CONFIRMED\nDTSTART:20260302T153000Z\n"
        "DESCRIPTION;LANGUAGE=en;X-A=\"a;b:c\",d:x\nEND:VEVENT\n";
    struct calendar_ics_list l = read_ok(text);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].uid, "folded-line-uid,ok");
    assert_int_equal(l.items[0].start, T0);
    assert_true(l.items[0].transparent);
    assert_false(l.items[0].cancelled);
    assert_true(l.items[1].cancelled);
    assert_true(l.items[1].recurring);
    assert_false(l.items[1].transparent);
    assert_false(l.items[2].transparent || l.items[2].cancelled || l.items[2].recurring);
    calendar_ics_list_cleanup(&l);
}

static void test_hostile_structure(void **state)
{
    (void)state;
    /* cut off inside the event: nothing, one skipped */
    struct calendar_ics_list l = read_ok(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260302T153000Z\r\nDTEND:2026");
    assert_int_equal(l.n, 0);
    assert_int_equal(l.skipped, 1);
    calendar_ics_list_cleanup(&l);
    /* no END:VCALENDAR: the finished event stands */
    l = read_ok("BEGIN:VCALENDAR\r\n" VEV("DTSTART:20260302T153000Z\r\n"));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].uid, "");
    calendar_ics_list_cleanup(&l);
    /* END:VCALENDAR inside an event drops it */
    l = read_ok("BEGIN:VEVENT\r\nDTSTART:20260302T153000Z\r\nEND:VCALENDAR\r\n"
                VEV("DTSTART:20260302T153000Z\r\n"));
    assert_int_equal(l.n, 1);
    assert_int_equal(l.skipped, 1);
    calendar_ics_list_cleanup(&l);
    /* only the given length is read (no terminator needed) */
    const char *two = VEV("UID:a\r\nDTSTART:20260302T153000Z\r\n")
        VEV("UID:b\r\nDTSTART:20260302T153000Z\r\n");
    assert_int_equal(calendar_ics_read(two, strlen(two) / 2, "UTC", &l), APP_OK);
    assert_int_equal(l.n, 1);
    calendar_ics_list_cleanup(&l);
    /* garbage and empty input: no events, no error */
    l = read_ok("");
    assert_int_equal(l.n, 0);
    calendar_ics_list_cleanup(&l);
    l = read_ok(":::;;;\r\n \r\n\t\r\nBEGIN\r\nEND:\r\n;x=y:z\r\nBEGIN:VEVENT;X=\"unterminated:\r\n");
    assert_int_equal(l.n, 0);
    calendar_ics_list_cleanup(&l);
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    static const char one[] = VEV("DTSTART:20260302T153000Z\r\n");
    size_t n1 = strlen(one), count = 100000;
    char *big = malloc(n1 * count + 1);
    assert_non_null(big);
    for (size_t i = 0; i < count; i++)
        memcpy(big + i * n1, one, n1);
    big[n1 * count] = '\0';
    struct calendar_ics_list l = {0};
    assert_int_equal(calendar_ics_read(big, n1 * count, "UTC", &l), APP_OK);
    assert_int_equal(l.n, CALENDAR_ICS_MAX_EVENTS);
    assert_true(l.truncated);
    calendar_ics_list_cleanup(&l);
    /* 100,000 nested BEGINs inside one event: a counter, not recursion */
    const char *nest = "BEGIN:VALARM\r\n";
    size_t nn = strlen(nest);
    memcpy(big, "BEGIN:VEVENT\r\n", 14);
    size_t at = 14;
    for (size_t i = 0; i < count && at + nn < n1 * count; i++, at += nn)
        memcpy(big + at, nest, nn);
    assert_int_equal(calendar_ics_read(big, at, "UTC", &l), APP_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.skipped, 1);
    calendar_ics_list_cleanup(&l);
    free(big);
    /* over the input cap: refused before reading */
    assert_int_equal(calendar_ics_read(one, CALENDAR_ICS_MAX_INPUT + 1, "UTC", &l),
                     APP_E_PARAM);
    assert_int_equal(calendar_ics_read(NULL, 0, "UTC", &l), APP_E_PARAM);
    assert_int_equal(calendar_ics_read(one, n1, "Not/AZone", &l), APP_E_INTERNAL);
    assert_null(l.items);

    /* a 10,000-byte folded DESCRIPTION is dropped, the event is not */
    size_t dlen = 10000;
    char *desc = malloc(dlen * 2 + 200);
    assert_non_null(desc);
    at = (size_t)sprintf(desc, "BEGIN:VEVENT\r\nDTSTART:20260302T153000Z\r\nDESCRIPTION:");
    for (size_t i = 0; i < dlen; i++) {
        desc[at++] = 'x';
        if (i % 70 == 69)
            at += (size_t)sprintf(desc + at, "\r\n ");
    }
    at += (size_t)sprintf(desc + at, "\r\nUID:kept\r\nEND:VEVENT\r\n");
    l = read_ok(desc);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].uid, "kept");
    calendar_ics_list_cleanup(&l);
    free(desc);

    /* a NUL byte inside DTSTART drops that line, so the event has no start */
    static const char nul[] = "BEGIN:VEVENT\r\nDTSTART:2026\00030302T153000Z\r\nEND:VEVENT\r\n";
    assert_int_equal(calendar_ics_read(nul, sizeof nul - 1, "UTC", &l), APP_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.skipped, 1);
    calendar_ics_list_cleanup(&l);
}

static void test_absurd_values(void **state)
{
    (void)state;
    static const char *const events[] = {
        VEV("DTSTART:00000101T000000Z\r\n"),
        VEV("DTSTART:20261301T000000Z\r\n"),
        VEV("DTSTART:20260230T000000Z\r\n"),
        VEV("DTSTART:20260302T250000Z\r\n"),
        VEV("DTSTART:20260302T156000Z\r\n"),
        VEV("DTSTART:2026030T153000Z\r\n"),
        VEV("DTSTART:99999999T999999Z\r\n"),
        VEV("DTSTART:20260302T153000X\r\n"),
        VEV("DTSTART:-2026030T153000Z\r\n"),
        VEV("DTSTART:\r\n"),
        VEV("DTSTART;VALUE=DATE:20260302T153000Z\r\n"),
        VEV("DTSTART;VALUE=DATE-TIME:20260302\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDTEND:20260302T150000Z\r\n"), /* end first */
        VEV("DTSTART:20260302T153000Z\r\nDTEND:20261402T150000Z\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:P\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:PT\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:-PT1H\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:P1W1D\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:PT1H1H\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:PT1M1H\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:P1H\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:P1DT\r\n"),
        VEV("DTSTART:20260302T153000Z\r\nDURATION:P9999999999D\r\n"),
        VEV("DTSTART:99991231T230000Z\r\nDURATION:PT2H\r\n"), /* past year 9999 */
        VEV("DTSTART:99991231T230000Z\r\nDURATION:P999999999W\r\n"),
        VEV("DTSTART;TZID=Etc/GMT-14:00010101T000000\r\n"), /* before year 1 in UTC */
    };
    size_t n = sizeof events / sizeof events[0];
    for (size_t i = 0; i < n; i++) {
        struct calendar_ics_list l = read_ok(events[i]);
        if (l.n != 0 || l.skipped != 1)
            fail_msg("event %zu: read %zu, skipped %zu: %s", i, l.n, l.skipped, events[i]);
        calendar_ics_list_cleanup(&l);
    }
    /* the same rules at their edges are read */
    struct calendar_ics_list l = read_ok(
        VEV("DTSTART:99991231T000000Z\r\nDURATION:PT23H59M59S\r\n")
        VEV("DTSTART:00010101T000000Z\r\nDURATION:P0D\r\n")
        VEV("DTSTART:20260302T153060Z\r\n")); /* a leap second */
    assert_int_equal(l.n, 3);
    assert_int_equal(l.items[0].end, 253402300799LL);
    assert_int_equal(l.items[1].start, -62135596800LL);
    assert_int_equal(l.items[2].start, T0 + 60);
    calendar_ics_list_cleanup(&l);
    /* a TZID longer than any zone name, or empty, reads in the default zone (Chicago) */
    l = read_ok(VEV("DTSTART;TZID=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                    ":20260302T090000\r\n") VEV("DTSTART;TZID=:20260302T090000\r\n"));
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].start, 1772463600);
    assert_true(l.items[0].zone_unknown && l.items[1].zone_unknown);
    calendar_ics_list_cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_folding_utf8),
        cmocka_unit_test(test_attendees),
        cmocka_unit_test(test_writer_refuses),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_reader_times),
        cmocka_unit_test(test_reader_flags_and_syntax),
        cmocka_unit_test(test_hostile_structure),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_absurd_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
