/* SPDX-License-Identifier: MIT */
/* Settings validation without a database (src/users/users_settings.c): defaults, each rule,
 * several problems reported together, wrong JSON types naming the field, PATCH merge versus
 * PUT replace, null restoring defaults, the stored business-hours form, time zone lookup
 * (also through TZDIR) and the email plausibility check. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/text.h"
#include "core/tz.h"
#include "users/users.h"

struct run {
    struct vcheck v;
    struct user_settings s;
    const char *vapi_key;
    json_t *j_body;
};

/* Applies JSON text onto defaults (or onto *base when given). */
static void apply(struct run *r, const char *json, bool replace, const struct user_settings *base)
{
    json_error_t err;
    r->j_body = json_loads(json, 0, &err);
    if (!r->j_body)
        fail_msg("bad test JSON: %s (%s)", json, err.text);
    if (base)
        r->s = *base;
    else
        users_settings_defaults(&r->s);
    vcheck_init(&r->v);
    users_settings_apply(r->j_body, replace, &r->s, &r->vapi_key, &r->v);
}

static void done(struct run *r)
{
    vcheck_cleanup(&r->v);
    json_decref(r->j_body);
}

static bool has_error(const struct run *r, const char *field)
{
    size_t i;
    const json_t *j_e;
    json_array_foreach(r->v.j_errors, i, j_e) {
        if (strcmp(json_string_value(json_object_get(j_e, "field")), field) == 0)
            return true;
    }
    return false;
}

static void expect_rule_error(const char *json, const char *field)
{
    struct run r;
    apply(&r, json, false, NULL);
    assert_string_equal(r.v.type_field, "");
    if (!has_error(&r, field))
        fail_msg("%s: expected a problem on %s", json, field);
    assert_false(vcheck_ok(&r.v));
    done(&r);
}

static void expect_type_error(const char *json, const char *field)
{
    struct run r;
    apply(&r, json, false, NULL);
    assert_string_equal(r.v.type_field, field);
    done(&r);
}

static void expect_ok(const char *json)
{
    struct run r;
    apply(&r, json, false, NULL);
    if (!vcheck_ok(&r.v)) {
        char *dump = json_dumps(r.v.j_errors, 0);
        fail_msg("%s rejected: type '%s' rules %s", json, r.v.type_field, dump);
    }
    done(&r);
}

static void test_defaults(void **state)
{
    (void)state;
    struct user_settings s;
    users_settings_defaults(&s);
    json_t *j = users_settings_to_json(&s);
    json_t *j_want = json_loads(
        "{\"timezone\":\"America/Chicago\",\"theme\":\"system\","
        "\"notifications\":{\"email\":true,\"sms\":false},\"notification_email\":null,"
        "\"business_hours\":{\"monday\":[\"09:00-17:00\"],\"tuesday\":[\"09:00-17:00\"],"
        "\"wednesday\":[\"09:00-17:00\"],\"thursday\":[\"09:00-17:00\"],"
        "\"friday\":[\"09:00-17:00\"],\"saturday\":[],\"sunday\":[]},"
        "\"slot_minutes\":30,\"buffer_minutes\":0,\"min_notice_minutes\":60,"
        "\"booking_horizon_days\":14,\"vapi_api_key_set\":false,\"vapi_api_key_last4\":null,"
        "\"updated_at\":null}", 0, NULL);
    assert_non_null(j_want);
    assert_true(json_equal(j, j_want));
    json_decref(j);
    json_decref(j_want);
}

static void test_valid_full_body(void **state)
{
    (void)state;
    struct run r;
    apply(&r,
          "{\"timezone\":\"Europe/Berlin\",\"theme\":\"dark\","
          "\"notifications\":{\"email\":false,\"sms\":true},"
          "\"notification_email\":\"ops@example.com\","
          "\"business_hours\":{\"monday\":[\"13:00-17:00\",\"08:00-12:00\"],"
          "\"saturday\":[\"10:00-14:00\"],\"sunday\":[]},"
          "\"slot_minutes\":45,\"buffer_minutes\":15,\"min_notice_minutes\":120,"
          "\"booking_horizon_days\":30,\"vapi_api_key\":\"sk-test-12345678\"}",
          true, NULL);
    assert_true(vcheck_ok(&r.v));
    assert_string_equal(r.s.timezone, "Europe/Berlin");
    assert_string_equal(r.s.theme, "dark");
    assert_false(r.s.notify_email);
    assert_true(r.s.notify_sms);
    assert_string_equal(r.s.notification_email, "ops@example.com");
    /* sorted by start; days not named in a PUT are closed */
    assert_int_equal(r.s.hours[0].n, 2);
    assert_int_equal(r.s.hours[0].r[0].start, 8 * 60);
    assert_int_equal(r.s.hours[0].r[1].end, 17 * 60);
    assert_int_equal(r.s.hours[1].n, 0);
    assert_int_equal(r.s.hours[5].n, 1);
    assert_int_equal(r.s.slot_minutes, 45);
    assert_int_equal(r.s.buffer_minutes, 15);
    assert_int_equal(r.s.min_notice_minutes, 120);
    assert_int_equal(r.s.booking_horizon_days, 30);
    assert_string_equal(r.vapi_key, "sk-test-12345678");
    done(&r);
}

static void test_each_rule(void **state)
{
    (void)state;
    expect_rule_error("{\"timezone\":\"Mars/Olympus_Mons\"}", "timezone");
    expect_rule_error("{\"timezone\":\"../../etc/passwd\"}", "timezone");
    expect_rule_error("{\"timezone\":\"/etc/passwd\"}", "timezone");
    expect_rule_error("{\"timezone\":\"America\"}", "timezone"); /* a directory */
    expect_rule_error("{\"timezone\":\"zone.tab\"}", "timezone");
    expect_rule_error("{\"timezone\":\"\"}", "timezone");
    expect_rule_error("{\"theme\":\"blue\"}", "theme");
    expect_rule_error("{\"notification_email\":\"not an email\"}", "notification_email");
    expect_rule_error("{\"notification_email\":\"a@b\"}", "notification_email");
    expect_rule_error("{\"slot_minutes\":4}", "slot_minutes");
    expect_rule_error("{\"slot_minutes\":241}", "slot_minutes");
    expect_rule_error("{\"buffer_minutes\":-1}", "buffer_minutes");
    expect_rule_error("{\"buffer_minutes\":241}", "buffer_minutes");
    expect_rule_error("{\"min_notice_minutes\":10081}", "min_notice_minutes");
    expect_rule_error("{\"booking_horizon_days\":0}", "booking_horizon_days");
    expect_rule_error("{\"booking_horizon_days\":366}", "booking_horizon_days");
    expect_rule_error("{\"business_hours\":{\"monday\":[\"9:00-17:00\"]}}",
                      "business_hours.monday[0]");
    expect_rule_error("{\"business_hours\":{\"monday\":[\"09:00-25:00\"]}}",
                      "business_hours.monday[0]");
    expect_rule_error("{\"business_hours\":{\"monday\":[\"09:60-17:00\"]}}",
                      "business_hours.monday[0]");
    expect_rule_error("{\"business_hours\":{\"monday\":[\"17:00-09:00\"]}}",
                      "business_hours.monday[0]");
    expect_rule_error("{\"business_hours\":{\"monday\":[\"09:00-09:00\"]}}",
                      "business_hours.monday[0]");
    expect_rule_error("{\"business_hours\":{\"tuesday\":[\"09:00-12:00\",\"11:00-13:00\"]}}",
                      "business_hours.tuesday");
    expect_rule_error("{\"business_hours\":{\"funday\":[\"09:00-12:00\"]}}",
                      "business_hours.funday");
    expect_rule_error("{\"business_hours\":{\"Monday\":[]}}", "business_hours.Monday");
    expect_rule_error("{\"vapi_api_key\":\"short\"}", "vapi_api_key");
    expect_rule_error("{\"vapi_api_key\":\"has a space in it\"}", "vapi_api_key");
    expect_rule_error("{\"notifications\":{\"push\":true}}", "notifications.push");
    expect_rule_error("{\"colour\":\"red\"}", "colour");
}

static void test_edges_accepted(void **state)
{
    (void)state;
    expect_ok("{\"timezone\":\"UTC\"}");
    expect_ok("{\"timezone\":\"America/Argentina/Buenos_Aires\"}");
    expect_ok("{\"timezone\":\"Etc/GMT+5\"}");
    expect_ok("{\"slot_minutes\":5,\"buffer_minutes\":240,\"min_notice_minutes\":10080,"
              "\"booking_horizon_days\":365}");
    expect_ok("{\"slot_minutes\":240,\"buffer_minutes\":0,\"min_notice_minutes\":0,"
              "\"booking_horizon_days\":1}");
    expect_ok("{\"slot_minutes\":30.0}");
    expect_ok("{\"business_hours\":{\"monday\":[\"00:00-12:00\",\"12:00-24:00\"]}}");
    expect_ok("{\"notification_email\":null,\"vapi_api_key\":null}");
    expect_ok("{\"notification_email\":\"\"}");
    /* output-only fields a client echoes back are ignored */
    expect_ok("{\"user_id\":9,\"vapi_api_key_set\":true,\"vapi_api_key_last4\":\"abcd\","
              "\"updated_at\":\"2026-01-01T00:00:00Z\"}");
}

static void test_many_errors_together(void **state)
{
    (void)state;
    struct run r;
    apply(&r,
          "{\"timezone\":\"Nowhere/Land\",\"theme\":\"neon\",\"slot_minutes\":1,"
          "\"booking_horizon_days\":1000,\"business_hours\":{\"monday\":[\"10:00-09:00\"],"
          "\"someday\":[]},\"bogus\":1}",
          false, NULL);
    assert_string_equal(r.v.type_field, "");
    assert_int_equal(json_array_size(r.v.j_errors), 7);
    const char *fields[] = {"timezone", "theme", "slot_minutes", "booking_horizon_days",
                            "business_hours.monday[0]", "business_hours.someday", "bogus"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        assert_true(has_error(&r, fields[i]));
    /* nothing partially applied from a failing field */
    assert_string_equal(r.s.timezone, "America/Chicago");
    assert_int_equal(r.s.slot_minutes, 30);
    assert_int_equal(r.s.hours[0].n, 1);
    done(&r);
}

static void test_type_errors_name_field(void **state)
{
    (void)state;
    expect_type_error("{\"slot_minutes\":\"thirty\"}", "slot_minutes");
    expect_type_error("{\"slot_minutes\":30.5}", "slot_minutes");
    expect_type_error("{\"theme\":7}", "theme");
    expect_type_error("{\"timezone\":[]}", "timezone");
    expect_type_error("{\"notifications\":true}", "notifications");
    expect_type_error("{\"notifications\":{\"email\":\"yes\"}}", "notifications.email");
    expect_type_error("{\"notification_email\":5}", "notification_email");
    expect_type_error("{\"business_hours\":[]}", "business_hours");
    expect_type_error("{\"business_hours\":{\"monday\":\"09:00-17:00\"}}",
                      "business_hours.monday");
    expect_type_error("{\"business_hours\":{\"monday\":[900]}}", "business_hours.monday[0]");
    expect_type_error("{\"vapi_api_key\":12345678}", "vapi_api_key");
}

static void test_patch_merges_put_replaces(void **state)
{
    (void)state;
    struct run r, r2, r3;
    apply(&r, "{\"notifications\":{\"email\":false},\"business_hours\":{\"saturday\":"
              "[\"10:00-12:00\"]},\"theme\":\"dark\"}", false, NULL);
    assert_true(vcheck_ok(&r.v));
    /* PATCH: other notification flag, other days and other fields keep their values */
    apply(&r2, "{\"notifications\":{\"sms\":true},\"business_hours\":{\"monday\":[]}}", false,
          &r.s);
    assert_true(vcheck_ok(&r2.v));
    assert_false(r2.s.notify_email);
    assert_true(r2.s.notify_sms);
    assert_string_equal(r2.s.theme, "dark");
    assert_int_equal(r2.s.hours[0].n, 0);
    assert_int_equal(r2.s.hours[1].n, 1);
    assert_int_equal(r2.s.hours[5].n, 1);
    assert_null(r2.vapi_key);
    /* PUT (caller starts from defaults): a given week is the whole week */
    apply(&r3, "{\"business_hours\":{\"sunday\":[\"08:00-09:00\"]}}", true, NULL);
    assert_true(vcheck_ok(&r3.v));
    for (int d = 0; d < 6; d++)
        assert_int_equal(r3.s.hours[d].n, 0);
    assert_int_equal(r3.s.hours[6].n, 1);
    done(&r);
    done(&r2);
    done(&r3);
}

static void test_null_restores_default(void **state)
{
    (void)state;
    struct run r, r2;
    apply(&r, "{\"timezone\":\"Asia/Tokyo\",\"theme\":\"light\",\"slot_minutes\":60,"
              "\"notification_email\":\"x@example.org\",\"business_hours\":{\"monday\":[]},"
              "\"notifications\":{\"email\":false}}", false, NULL);
    assert_true(vcheck_ok(&r.v));
    apply(&r2, "{\"timezone\":null,\"theme\":null,\"slot_minutes\":null,"
               "\"notification_email\":null,\"business_hours\":null,\"notifications\":null,"
               "\"vapi_api_key\":null}", false, &r.s);
    assert_true(vcheck_ok(&r2.v));
    assert_string_equal(r2.s.timezone, "America/Chicago");
    assert_string_equal(r2.s.theme, "system");
    assert_int_equal(r2.s.slot_minutes, 30);
    assert_string_equal(r2.s.notification_email, "");
    assert_int_equal(r2.s.hours[0].n, 1);
    assert_true(r2.s.notify_email);
    assert_string_equal(r2.vapi_key, ""); /* clear */
    done(&r);
    done(&r2);
}

static void test_hours_roundtrip(void **state)
{
    (void)state;
    struct run r;
    struct user_settings back;
    apply(&r, "{\"business_hours\":{\"wednesday\":[\"14:30-18:45\",\"07:05-08:00\"],"
              "\"sunday\":[\"12:00-24:00\"]}}", false, NULL);
    assert_true(vcheck_ok(&r.v));
    char *text = users_hours_dump(&r.s);
    assert_non_null(text);
    users_settings_defaults(&back);
    assert_int_equal(users_hours_load(&back, text), 0);
    assert_memory_equal(back.hours, r.s.hours, sizeof back.hours);
    assert_non_null(strstr(text, "\"wednesday\":[\"07:05-08:00\",\"14:30-18:45\"]"));
    assert_non_null(strstr(text, "\"sunday\":[\"12:00-24:00\"]"));
    free(text);
    assert_int_equal(users_hours_load(&back, "{\"monday\":[\"nope\"]}"), -1);
    assert_int_equal(users_hours_load(&back, "[]"), -1);
    assert_int_equal(users_hours_load(&back, NULL), -1);
    done(&r);
}

static void test_tzdir_override(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char path[512];
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    snprintf(path, sizeof path, "%s/Test", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/Test/Zone", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("TZif2 fake", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/Test/NotZone", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    setenv("TZDIR", dir, 1);
    assert_true(tz_valid("Test/Zone"));
    assert_false(tz_valid("Test/NotZone")); /* not a TZif file */
    assert_false(tz_valid("Test"));         /* a directory */
    assert_false(tz_valid("America/Chicago"));
    if (saved)
        setenv("TZDIR", saved, 1);
    else
        unsetenv("TZDIR");
    free(saved);
    assert_true(tz_valid("America/Chicago"));
    tu_rmtree(dir);
    free(dir);
}

static void test_email_plausible(void **state)
{
    (void)state;
    assert_true(users_email_plausible("pete@example.com"));
    assert_true(users_email_plausible("first.last+tag@sub.example.co.uk"));
    assert_false(users_email_plausible(""));
    assert_false(users_email_plausible("pete"));
    assert_false(users_email_plausible("@example.com"));
    assert_false(users_email_plausible("pete@"));
    assert_false(users_email_plausible("pete@example"));
    assert_false(users_email_plausible("pete@example."));
    assert_false(users_email_plausible("pete@.example.com"));
    assert_false(users_email_plausible("pe te@example.com"));
    assert_false(users_email_plausible("a@b@example.com"));
    assert_false(users_email_plausible("pete@exa..mple.com"));
    assert_false(users_email_plausible(NULL));
}

/* Profile names are bounded with text_copy_utf8 (core/text.h): never half a character. */
static void test_text_copy_utf8(void **state)
{
    (void)state;
    char buf[6];
    assert_int_equal(text_copy_utf8(buf, sizeof buf, "abc"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(text_copy_utf8(buf, sizeof buf, "abcdefg"), 5);
    assert_string_equal(buf, "abcde");
    /* "a" + three 2-byte characters = 7 bytes; 5 fit only as "a" + two */
    assert_int_equal(text_copy_utf8(buf, sizeof buf, "a\xc3\xa9\xc3\xa9\xc3\xa9"), 5);
    assert_string_equal(buf, "a\xc3\xa9\xc3\xa9");
    /* a 4-byte character that does not fit is left out whole */
    assert_int_equal(text_copy_utf8(buf, sizeof buf, "ab\xf0\x9f\x8f\xa0"), 2);
    assert_string_equal(buf, "ab");
    assert_true(text_utf8_valid(buf));
    assert_int_equal(text_copy_utf8(buf, 1, "abc"), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_valid_full_body),
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_edges_accepted),
        cmocka_unit_test(test_many_errors_together),
        cmocka_unit_test(test_type_errors_name_field),
        cmocka_unit_test(test_patch_merges_put_replaces),
        cmocka_unit_test(test_null_restores_default),
        cmocka_unit_test(test_hours_roundtrip),
        cmocka_unit_test(test_tzdir_override),
        cmocka_unit_test(test_email_plausible),
        cmocka_unit_test(test_text_copy_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
