/* SPDX-License-Identifier: MIT */
/* The calendar's request input without a database: times (RFC 3339 with an offset, local
 * wall-clock times in the tenant's zone including a DST gap and overlap, dates and their end
 * of day), the POST /appointments and POST /calendar/events bodies (required fields, each
 * class of bad value, wrong types as 400s, unknown and read-only keys), PATCH bodies
 * (set, clear, keep the duration) and the keyset cursors. Expected instants are written out
 * in UTC. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "calendar/calendar.h"

#define NY "America/New_York"

static void test_times(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(calendar_parse_time("2026-03-02T15:30:00Z", NY, false, false, &t));
    assert_int_equal(t, 1772465400);
    assert_true(calendar_parse_time("2026-03-02T10:30:00-05:00", NY, false, false, &t));
    assert_int_equal(t, 1772465400);
    /* local: 10:30 EST is 15:30Z; the seconds may be left out */
    assert_true(calendar_parse_time("2026-03-02T10:30:00", NY, false, false, &t));
    assert_int_equal(t, 1772465400);
    assert_true(calendar_parse_time("2026-03-02T10:30", NY, false, false, &t));
    assert_int_equal(t, 1772465400);
    /* 2026-03-08 02:30 does not exist in New York; 01:30 on 2026-11-01 is the first one */
    assert_false(calendar_parse_time("2026-03-08T02:30:00", NY, false, false, &t));
    assert_true(calendar_parse_time("2026-11-01T01:30:00", NY, false, false, &t));
    assert_int_equal(t, 1793511000); /* 05:30Z (EDT) */
    /* dates only where allowed: local midnight, or the midnight that ends the day */
    assert_false(calendar_parse_time("2026-03-02", NY, false, false, &t));
    assert_true(calendar_parse_time("2026-03-02", NY, true, false, &t));
    assert_int_equal(t, 1772427600); /* 05:00Z */
    assert_true(calendar_parse_time("2026-03-07", NY, true, true, &t));
    assert_int_equal(t, 1772946000); /* 2026-03-08 05:00Z, before the change at 07:00Z */
    const char *bad[] = {"", "tomorrow", "2026-02-30T10:00:00Z", "2026-03-02T25:00:00Z",
                         "2026-03-02T10:00:00+5", "2026-03-02T10:00Z", "1772465400",
                         "2026-03-02T10:00:00Z trailing", NULL};
    for (int i = 0; bad[i]; i++)
        if (calendar_parse_time(bad[i], NY, true, false, &t))
            fail_msg("accepted %s", bad[i]);
    assert_false(calendar_parse_time("2026-03-02T10:30:00", "Mars/Olympus", false, false, &t));
    char longer[64];
    memset(longer, '1', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_false(calendar_parse_time(longer, NY, true, false, &t));
}

/* Reads text with the POST /appointments rules; returns the number of 422 problems and
 * whether a type error (400) was recorded, with the first problem's field into field. The
 * strings of *b die with the JSON here: only its numbers and NULLs are read after. */
static char last_source[16];
static int booking_problems(const char *text, struct calendar_booking *b, bool *type_error,
                            char *field, size_t len)
{
    struct vcheck v;
    json_t *j = json_loads(text, 0, NULL);
    if (!j)
        fail_msg("bad test JSON: %s", text);
    vcheck_init(&v);
    calendar_booking_from_json(&v, j, NY, b);
    snprintf(last_source, sizeof last_source, "%s", b->source);
    int n = (int)json_array_size(v.j_errors);
    *type_error = v.type_field[0] != '\0';
    snprintf(field, len, "%s",
             *type_error ? v.type_field
             : n        ? json_string_value(json_object_get(json_array_get(v.j_errors, 0),
                                                           "field"))
                        : "");
    vcheck_cleanup(&v);
    json_decref(j);
    return n;
}

static void expect_field(const char *text, const char *want_field, bool want_type)
{
    struct calendar_booking b;
    bool type_error = false;
    char field[96];
    int n = booking_problems(text, &b, &type_error, field, sizeof field);
    if ((n == 0 && !type_error) || type_error != want_type || strcmp(field, want_field) != 0)
        fail_msg("%s: got %d problems, type %d, field '%s'; want '%s'", text, n, type_error,
                 field, want_field);
}

static void test_booking_body(void **state)
{
    (void)state;
    struct calendar_booking b;
    bool type_error = false;
    char field[96];
    assert_int_equal(booking_problems("{\"property_address\":\"1 Main St\",\"start_time\":"
                                      "\"2026-03-02T15:30:00Z\",\"attendee_name\":\"Ann\","
                                      "\"attendee_email\":\"ann@example.com\","
                                      "\"attendee_phone\":\"+1 (555) 010-0100\","
                                      "\"notes\":\"line one\\nline two\",\"id\":5,"
                                      "\"created_at\":\"x\"}",
                                      &b, &type_error, field, sizeof field),
                     0);
    assert_false(type_error);
    assert_int_equal(b.start, 1772465400);
    assert_int_equal(b.end, 0);
    assert_string_equal(last_source, "api");
    /* rental_id alone stands for the address */
    assert_int_equal(booking_problems("{\"rental_id\":7,\"start_time\":\"2026-03-02T10:30\","
                                      "\"attendee_name\":\"Ann\",\"source\":\"dashboard\"}",
                                      &b, &type_error, field, sizeof field),
                     0);
    assert_int_equal(b.rental_id, 7);
    assert_null(b.property_address);
    assert_string_equal(last_source, "dashboard");
    /* every missing required field is listed */
    assert_int_equal(booking_problems("{}", &b, &type_error, field, sizeof field), 3);
    assert_int_equal(booking_problems("{\"property_address\":null,\"start_time\":null,"
                                      "\"attendee_name\":null}",
                                      &b, &type_error, field, sizeof field),
                     3);
#define OK_REST ",\"start_time\":\"2026-03-02T15:30:00Z\",\"attendee_name\":\"Ann\"}"
    expect_field("{\"property_address\":\"\"" OK_REST, "property_address", false);
    expect_field("{\"property_address\":\"a\\nb\"" OK_REST, "property_address", false);
    expect_field("{\"property_address\":5" OK_REST, "property_address", true);
    expect_field("{\"rental_id\":\"7\"" OK_REST, "rental_id", true);
    expect_field("{\"rental_id\":-1" OK_REST, "rental_id", false);
    expect_field("{\"property_address\":\"x\",\"attendee_email\":\"not-mail\"" OK_REST,
                 "attendee_email", false);
    expect_field("{\"property_address\":\"x\",\"attendee_phone\":\"call me\"" OK_REST,
                 "attendee_phone", false);
    expect_field("{\"property_address\":\"x\",\"source\":\"vapi\"" OK_REST, "source", false);
    expect_field("{\"property_address\":\"x\",\"status\":\"cancelled\"" OK_REST, "status",
                 false);
    expect_field("{\"property_address\":\"x\",\"colour\":\"red\"" OK_REST, "colour", false);
    expect_field("{\"property_address\":\"x\",\"notes\":[]" OK_REST, "notes", true);
    expect_field("{\"property_address\":\"x\",\"start_time\":\"soon\","
                 "\"attendee_name\":\"Ann\"}",
                 "start_time", false);
    expect_field("{\"property_address\":\"x\",\"start_time\":1772465400,"
                 "\"attendee_name\":\"Ann\"}",
                 "start_time", true);
    expect_field("{\"property_address\":\"x\",\"end_time\":\"2026-03-02T15:00:00Z\"" OK_REST,
                 "end_time", false);
    expect_field("{\"property_address\":\"x\",\"end_time\":\"2026-03-04T15:00:00Z\"" OK_REST,
                 "end_time", false);
    char big[400];
    memset(big, 'a', 301);
    big[301] = '\0';
    char text[600];
    snprintf(text, sizeof text, "{\"property_address\":\"%s\"" OK_REST, big);
    expect_field(text, "property_address", false);
    /* 300 characters of two bytes each fit */
    char wide[700] = "";
    for (int i = 0; i < 300; i++)
        strcat(wide, "\xc3\xa9");
    char text2[900];
    snprintf(text2, sizeof text2, "{\"property_address\":\"%s\"" OK_REST, wide);
    assert_int_equal(booking_problems(text2, &b, &type_error, field, sizeof field), 0);
#undef OK_REST
}

static void test_event_body(void **state)
{
    (void)state;
    struct calendar_booking b;
    struct vcheck v;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "subject", "Property Viewing: 12 Oak Ave",
                          "start_time", "2026-03-02T15:30:00Z", "attendee_email",
                          "lee@example.com", "body", "Bring ID");
    vcheck_init(&v);
    calendar_event_from_json(&v, j, NY, &b);
    assert_true(vcheck_ok(&v));
    assert_string_equal(b.property_address, "12 Oak Ave");
    assert_string_equal(b.attendee_name, "lee@example.com");
    assert_string_equal(b.notes, "Bring ID");
    assert_string_equal(b.source, "dashboard");
    json_decref(j);
    j = json_pack("{s:s, s:s, s:s, s:s}", "subject", "Showing", "location", "9 Elm St",
                  "start_time", "2026-03-02T15:30:00Z", "attendee_email", "");
    calendar_event_from_json(&v, j, NY, &b);
    assert_true(vcheck_ok(&v));
    assert_string_equal(b.property_address, "9 Elm St");
    assert_string_equal(b.attendee_name, "Guest");
    assert_null(b.attendee_email);
    json_decref(j);
    /* an email longer than a name may be (254 > 200 characters) names nobody */
    char email[260];
    memset(email, 'a', 60);
    email[60] = '@';
    memset(email + 61, 'b', 180);
    snprintf(email + 241, sizeof email - 241, ".example"); /* 249 characters */
    j = json_pack("{s:s, s:s, s:s}", "subject", "Showing", "start_time", "2026-03-02T15:30:00Z",
                  "attendee_email", email);
    calendar_event_from_json(&v, j, NY, &b);
    assert_true(vcheck_ok(&v));
    assert_string_equal(b.attendee_email, email);
    assert_string_equal(b.attendee_name, "Guest");
    json_decref(j);
    j = json_pack("{s:s, s:s}", "start_time", "2026-03-02T15:30:00Z", "colour", "red");
    calendar_event_from_json(&v, j, NY, &b);
    assert_int_equal(json_array_size(v.j_errors), 2); /* subject missing, colour unknown */
    json_decref(j);
    vcheck_cleanup(&v);
}

static void test_patch_body(void **state)
{
    (void)state;
    struct calendar_appt a = {0};
    struct calendar_patch_info info;
    struct vcheck v;
    a.id = 3;
    a.rental_id = 4;
    a.property_address = strdup("1 Old Rd");
    a.attendee_name = strdup("Ann");
    a.attendee_email = strdup("ann@example.com");
    a.notes = strdup("n");
    a.start = 1772465400;
    a.end = a.start + 2700;
    snprintf(a.status, sizeof a.status, "confirmed");
    json_t *j = json_pack("{s:s, s:n, s:s, s:I, s:s}", "start_time", "2026-03-02T11:00",
                          "attendee_email", "notes", "", "rental_id", (json_int_t)9, "source",
                          "api");
    vcheck_init(&v);
    calendar_patch_apply(&v, j, NY, &a, &info);
    assert_true(vcheck_ok(&v));
    assert_int_equal(a.start, 1772467200); /* 16:00Z */
    assert_int_equal(a.end, 1772467200 + 2700); /* the same 45 minutes */
    assert_null(a.attendee_email);
    assert_null(a.notes);
    assert_int_equal(a.rental_id, 9);
    assert_true(info.rental_changed);
    assert_false(info.address_given);
    assert_string_equal(a.attendee_name, "Ann");
    json_decref(j);
    j = json_pack("{s:n, s:s, s:n, s:s, s:i}", "rental_id", "status", "cancelled",
                  "attendee_name", "end_time", "2026-03-02T15:59:59Z", "nope", 1);
    calendar_patch_apply(&v, j, NY, &a, &info);
    assert_int_equal(a.rental_id, 0);
    assert_string_equal(a.status, "cancelled");
    /* attendee_name null, end before start, unknown key */
    assert_int_equal(json_array_size(v.j_errors), 3);
    json_decref(j);
    vcheck_cleanup(&v);
    calendar_appt_cleanup(&a);
}

static void test_cursors(void **state)
{
    (void)state;
    int64_t s = 0, id = 0;
    char *c = calendar_cursor_encode(1772465400, 42);
    assert_true(calendar_cursor_decode(c, &s, &id));
    assert_int_equal(s, 1772465400);
    assert_int_equal(id, 42);
    free(c);
    c = calendar_cursor_encode(-86400, 1);
    assert_true(calendar_cursor_decode(c, &s, &id));
    assert_int_equal(s, -86400);
    free(c);
    /* "b1:1:2", "a1:x:1", "a1:1:0", "a1:1" */
    const char *bad[] = {"", "garbage!", "YjE6MToy", "YTE6eDox", "YTE6MTow", "YTE6MQ", NULL};
    for (int i = 0; bad[i]; i++)
        if (calendar_cursor_decode(bad[i], &s, &id))
            fail_msg("accepted cursor %s", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_booking_body),
        cmocka_unit_test(test_event_body),
        cmocka_unit_test(test_patch_body),
        cmocka_unit_test(test_cursors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
