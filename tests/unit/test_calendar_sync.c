/* SPDX-License-Identifier: MIT */
/* The external calendar's jobs and pieces on the backend named by PETE_BACKEND, run directly
 * (no worker, no server) against a provider that refuses every connection (a closed loopback
 * port): a push that fails stays "pending" and asks for a retry, and on its kind's last
 * attempt marks the appointment "failed"; the booking itself always stands; a failed sync
 * records its error on the connection and keeps the chain going; a sync without a connection
 * ends the chain; a disconnect removes the connection and the mirror; the stored secret is
 * sealed (never the token in clear); the live re-check without an answer leaves the verdict
 * unknown; calendar_remote_time reads RFC 3339 times, zone-less times and dates. */
#include "testutil.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar_store.h"
#include "core/migrate.h"
#include "core/mono.h"
#include "users/users.h"

#define HOUR 3600
#define DAY 86400
#define CLOSED "http://127.0.0.1:1"

struct fx {
    struct tu_db t;
    struct config cfg;
    struct app app;
    int64_t a, b;
    int64_t base;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_db_open_serving(&f->t);
    f->cfg = (struct config){.public_url = "http://pete.test", .frontend_url =
                                 "http://pete.test/app",
                             .google_client_id = "id", .google_client_secret = "secret",
                             .google_auth_url = CLOSED, .google_token_url = CLOSED "/token",
                             .google_api_url = CLOSED, .microsoft_tenant_id = "common"};
    f->app.cfg = &f->cfg;
    f->app.db = f->t.d;
    for (size_t i = 0; i < sizeof f->app.master_key; i++)
        f->app.master_key[i] = (unsigned char)(i * 7 + 1);
    f->app.out = outbound_new(&(struct outbound_setup){.connect_timeout_ms = 2000});
    assert_non_null(f->app.out);
    f->a = tu_make_user(f->t.d, "sync-a");
    f->b = tu_make_user(f->t.d, "sync-b");
    int64_t now = (int64_t)time(NULL);
    f->base = now - now % DAY + 2 * DAY + 10 * HOUR;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    outbound_free(f->app.out);
    tu_db_close(&f->t);
    free(f);
    return 0;
}

static void open_all_day(struct fx *f, int64_t user)
{
    struct user_settings s;
    users_settings_defaults(&s);
    snprintf(s.timezone, sizeof s.timezone, "UTC");
    for (int d = 0; d < 7; d++)
        s.hours[d] = (struct users_day){1, {{0, 24 * 60}}};
    s.min_notice_minutes = 0;
    db_conn *c = NULL;
    assert_int_equal(db_tx_begin(f->t.d, user, true, &c), APP_OK);
    assert_int_equal(db_tx_end(c, users_store_settings_put(c, user, &s)), APP_OK);
}

/* Connects user to the (unreachable) Google of the fixture. */
static void connect_google(struct fx *f, int64_t user)
{
    struct calendar_account acct = {.user = user, .expires_at = (int64_t)time(NULL) + DAY};
    snprintf(acct.provider, sizeof acct.provider, "google");
    acct.account_email = strdup("owner@example.com");
    acct.calendar_id = strdup("owner@example.com");
    acct.access_token = strdup("at-secret-access");
    acct.refresh_token = strdup("rt-secret-refresh");
    assert_int_equal(calendar_connection_save(&f->app, &acct), APP_OK);
    calendar_account_cleanup(&acct);
}

static int64_t book(struct fx *f, int64_t user, int64_t start)
{
    struct calendar_booking b = {.property_address = "1 Test St", .start = start,
                                 .attendee_name = "Pat", .attendee_email = "pat@example.com",
                                 .source = "api"};
    struct calendar_appt out = {0};
    struct calendar_refusal why;
    struct vcheck v;
    vcheck_init(&v);
    assert_int_equal(calendar_book(&f->app, user, &b, &v, &out, &why), APP_OK);
    int64_t id = out.id;
    assert_string_equal(out.sync_status, "pending");
    calendar_appt_cleanup(&out);
    vcheck_cleanup(&v);
    return id;
}

static struct jobs_run run_of(struct fx *f, int64_t user, json_t *j_payload, int attempt)
{
    return (struct jobs_run){.app = &f->app, .user_id = user, .kind = "calendar_push",
                             .j_payload = j_payload, .attempt = attempt, .max_attempts = 5,
                             .worker_id = "test", .deadline_ms = mono_ms() + 10000};
}

static void test_push_retries_then_fails_on_the_last_attempt(void **state)
{
    struct fx *f = *state;
    struct calendar_appt got = {0};
    open_all_day(f, f->a);
    connect_google(f, f->a);
    int64_t id = book(f, f->a, f->base);
    json_t *j = json_pack("{s:I, s:s}", "appointment_id", (json_int_t)id, "op", "create");
    struct jobs_run run = run_of(f, f->a, j, 1);
    assert_int_equal(calendar_push_run(&run), JOBS_RETRY);
    assert_non_null(strstr(run.error, "could not be reached"));
    assert_int_equal(calendar_appt_get(&f->app, f->a, id, &got), APP_OK);
    assert_string_equal(got.sync_status, "pending");
    assert_string_equal(got.status, "confirmed"); /* the booking stands */
    calendar_appt_cleanup(&got);
    run = run_of(f, f->a, j, 5);
    assert_int_equal(calendar_push_run(&run), JOBS_RETRY);
    assert_int_equal(calendar_appt_get(&f->app, f->a, id, &got), APP_OK);
    assert_string_equal(got.sync_status, "failed");
    assert_null(got.external_event_id);
    calendar_appt_cleanup(&got);
    /* a payload no attempt can run fails for good; B's push cannot reach A's appointment */
    json_t *j_bad = json_pack("{s:s}", "appointment_id", "x");
    run = run_of(f, f->a, j_bad, 1);
    assert_int_equal(calendar_push_run(&run), JOBS_FAIL);
    run = run_of(f, f->b, j, 1);
    assert_int_equal(calendar_push_run(&run), JOBS_DONE); /* B has no connection */
    json_decref(j_bad);
    json_decref(j);
}

static void test_sync_records_errors_and_ends_without_connection(void **state)
{
    struct fx *f = *state;
    struct calendar_connection conn = {0};
    open_all_day(f, f->a);
    struct jobs_run run = run_of(f, f->b, NULL, 1);
    json_t *j_empty = json_object();
    run.j_payload = j_empty;
    run.kind = "calendar_sync";
    assert_int_equal(calendar_sync_run(&run), JOBS_DONE);
    assert_true(json_is_false(json_object_get(run.j_result, "connected")));
    json_decref(run.j_result);
    connect_google(f, f->a);
    run = run_of(f, f->a, j_empty, 1);
    run.kind = "calendar_sync";
    assert_int_equal(calendar_sync_run(&run), JOBS_RETRY);
    assert_int_equal(calendar_connection_get(&f->app, f->a, &conn), APP_OK);
    assert_string_equal(conn.status, "error");
    assert_non_null(conn.last_error);
    assert_non_null(strstr(conn.last_error, "Google"));
    calendar_connection_cleanup(&conn);
    json_decref(j_empty);
}

static void test_secret_is_sealed_and_disconnect_clears(void **state)
{
    struct fx *f = *state;
    struct calendar_conn_row row = {0};
    struct calendar_account acct = {0};
    connect_google(f, f->a);
    db_conn *c = NULL;
    assert_int_equal(db_tx_begin(f->t.d, f->a, false, &c), APP_OK);
    assert_int_equal(calendar_store_conn_read(c, f->a, &row), APP_OK);
    db_tx_end(c, APP_OK);
    assert_non_null(row.secret_sealed);
    assert_null(strstr(row.secret_sealed, "at-secret-access"));
    assert_null(strstr(row.secret_sealed, "rt-secret-refresh"));
    calendar_conn_row_cleanup(&row);
    assert_int_equal(calendar_account_load(&f->app, f->a, &acct), APP_OK);
    assert_string_equal(acct.access_token, "at-secret-access");
    assert_string_equal(acct.refresh_token, "rt-secret-refresh");
    calendar_account_cleanup(&acct);
    assert_int_equal(calendar_account_load(&f->app, f->b, &acct), APP_E_NOTFOUND);
    bool had = false;
    assert_int_equal(calendar_disconnect(&f->app, f->b, NULL, &had), APP_OK);
    assert_false(had);
    assert_int_equal(calendar_disconnect(&f->app, f->a, "microsoft", &had), APP_OK);
    assert_false(had);
    assert_int_equal(calendar_disconnect(&f->app, f->a, NULL, &had), APP_OK);
    assert_true(had);
    assert_int_equal(calendar_account_load(&f->app, f->a, &acct), APP_E_NOTFOUND);
}

static void test_live_check_without_answer_is_unknown(void **state)
{
    struct fx *f = *state;
    struct calendar_live *h = NULL;
    open_all_day(f, f->a);
    assert_int_equal(calendar_live_prepare(&f->app, f->a, f->base, 0, 0, &h), APP_E_NOTFOUND);
    connect_google(f, f->a);
    assert_int_equal(calendar_live_prepare(&f->app, f->a, f->base, 0, 0, &h), APP_OK);
    calendar_live_perform(h);
    assert_int_equal(calendar_live_busy(h), CALENDAR_LIVE_UNKNOWN);
    calendar_live_free(h);
}

static void test_remote_time(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_true(calendar_remote_time("2026-03-03T14:30:00Z", NULL, &t));
    assert_int_equal(t, 1772548200);
    assert_true(calendar_remote_time("2026-03-03T14:30:00.0000000", "UTC", &t));
    assert_int_equal(t, 1772548200);
    assert_true(calendar_remote_time("2026-03-03T09:30:00-05:00", "UTC", &t));
    assert_int_equal(t, 1772548200);
    assert_true(calendar_remote_time("2026-03-03T08:30:00", "America/Chicago", &t));
    assert_int_equal(t, 1772548200);
    assert_true(calendar_remote_time("2026-03-03", "America/Chicago", &t));
    assert_int_equal(t, 1772517600); /* local midnight, UTC-6 */
    assert_false(calendar_remote_time("tomorrow", "UTC", &t));
    assert_false(calendar_remote_time(NULL, "UTC", &t));
    char *e = calendar_remote_escape("a b/c@d~e_f.g-h");
    assert_string_equal(e, "a%20b%2Fc%40d~e_f.g-h");
    free(e);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_retries_then_fails_on_the_last_attempt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_records_errors_and_ends_without_connection,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_is_sealed_and_disconnect_clears, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_check_without_answer_is_unknown, setup,
                                        teardown),
        cmocka_unit_test(test_remote_time),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
