/* SPDX-License-Identifier: MIT */
/* The worker threads in-process on the backend named by PETE_BACKEND: noop jobs of two
 * tenants all run once (result from this worker, attempts 1), a job enqueued while the
 * threads idle runs, a failing job retries with backoff and ends failed with its error, a bad
 * payload fails at once, stopping lets a short job finish and interrupts a long one (released
 * to queued, the attempt not counted), start refuses bad arguments and a second worker, and
 * the worker settings are read and checked. Waits are bounded (10-20 s) and end as soon as
 * the state is reached; nothing measures speed. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/migrate.h"
#include "core/mono.h"
#include "jobs/jobs_internal.h"

struct fx {
    struct tu_db t;
    struct app app;
    int64_t a, b;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_db_open_serving(&f->t);
    f->app.db = f->t.d;
    f->a = tu_make_user(f->t.d, "worker-a");
    f->b = tu_make_user(f->t.d, "worker-b");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    jobs_worker_stop(0); /* a failed test may leave it running */
    tu_db_close(&f->t);
    free(f);
    return 0;
}

static int64_t enqueue(struct fx *f, int64_t user, const char *payload)
{
    json_t *j_payload = payload ? json_loads(payload, 0, NULL) : NULL;
    db_conn *c = NULL;
    int64_t id = 0;
    assert_int_equal(db_acquire(f->t.d, &c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, user), DB_OK);
    assert_int_equal(jobs_enqueue(c, user, "noop", NULL, j_payload, 0, &id, NULL), APP_OK);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
    json_decref(j_payload);
    jobs_wake(); /* after the commit: start at once */
    return id;
}

static void nap(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to limit_ms until job id of user is in state; fills *out (cleanup by caller)
 * and fails the test when it never gets there. */
static void wait_state(struct fx *f, int64_t user, int64_t id, const char *state, int limit_ms,
                       struct jobs_job *out)
{
    int64_t end = mono_ms() + limit_ms;
    for (;;) {
        assert_int_equal(jobs_get(&f->app, user, id, out), APP_OK);
        if (!strcmp(out->state, state))
            return;
        if (mono_ms() > end)
            fail_msg("job %lld is %s, not %s, after %d ms", (long long)id, out->state, state,
                     limit_ms);
        jobs_job_cleanup(out);
        nap(20);
    }
}

static void test_runs_every_job_once(void **state)
{
    struct fx *f = *state;
    enum { N = 24 };
    int64_t ids[N];
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 3, "test-worker"), 0);
    for (int i = 0; i < N; i++)
        ids[i] = enqueue(f, i % 2 ? f->a : f->b, i % 3 ? NULL : "{\"sleep_ms\":10}");
    for (int i = 0; i < N; i++) {
        struct jobs_job job;
        wait_state(f, i % 2 ? f->a : f->b, ids[i], "succeeded", 20000, &job);
        assert_int_equal(job.attempts, 1);
        json_t *j_result = json_loads(job.result, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(j_result, "worker")),
                            "test-worker");
        assert_int_equal(json_integer_value(json_object_get(j_result, "slept_ms")),
                         i % 3 ? 0 : 10);
        json_decref(j_result);
        jobs_job_cleanup(&job);
    }
    /* idle now; a new job still runs */
    nap(300);
    int64_t late = enqueue(f, f->a, NULL);
    struct jobs_job job;
    wait_state(f, f->a, late, "succeeded", 10000, &job);
    jobs_job_cleanup(&job);
    jobs_worker_stop(5);
}

static void test_failures_retry_then_fail(void **state)
{
    struct fx *f = *state;
    struct jobs_job job;
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 2, NULL), 0);
    int64_t boom = enqueue(f, f->a, "{\"fail\":\"the listing site said no\"}");
    int64_t bad = enqueue(f, f->a, "{\"sleep_ms\":\"long\"}");
    wait_state(f, f->a, bad, "failed", 10000, &job);
    assert_int_equal(job.attempts, 1); /* a bad payload is not retried */
    assert_non_null(strstr(job.last_error, "sleep_ms"));
    jobs_job_cleanup(&job);
    /* noop: 3 attempts with a 1 s backoff base: about 1 + 2 s */
    wait_state(f, f->a, boom, "failed", 20000, &job);
    assert_int_equal(job.attempts, jobs_kinds[0].max_attempts);
    assert_string_equal(job.last_error, "the listing site said no");
    assert_null(job.result);
    jobs_job_cleanup(&job);
    jobs_worker_stop(5);
}

static void test_stop_drains_short_jobs(void **state)
{
    struct fx *f = *state;
    struct jobs_job job;
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 2, "drainer"), 0);
    int64_t id = enqueue(f, f->b, "{\"sleep_ms\":500}");
    wait_state(f, f->b, id, "running", 10000, &job);
    jobs_job_cleanup(&job);
    jobs_worker_stop(10);
    assert_true(jobs_stopping());
    assert_int_equal(jobs_get(&f->app, f->b, id, &job), APP_OK);
    assert_string_equal(job.state, "succeeded");
    jobs_job_cleanup(&job);
}

static void test_stop_interrupts_long_jobs(void **state)
{
    struct fx *f = *state;
    struct jobs_job job;
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, "interrupted"), 0);
    int64_t id = enqueue(f, f->a, "{\"sleep_ms\":30000}");
    wait_state(f, f->a, id, "running", 10000, &job);
    jobs_job_cleanup(&job);
    int64_t t0 = mono_ms();
    jobs_worker_stop(0);
    assert_true(mono_ms() - t0 < 20000); /* bounded by the drain, not by the job */
    assert_int_equal(jobs_get(&f->app, f->a, id, &job), APP_OK);
    assert_string_equal(job.state, "queued");
    assert_int_equal(job.attempts, 0);
    jobs_job_cleanup(&job);
    /* a later worker picks it up again */
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, "second"), 0);
    wait_state(f, f->a, id, "running", 10000, &job);
    assert_int_equal(job.attempts, 1);
    jobs_job_cleanup(&job);
    jobs_worker_stop(0);
}

static void test_start_refuses_bad_arguments(void **state)
{
    struct fx *f = *state;
    char long_id[JOBS_WORKER_ID_MAX + 2];
    memset(long_id, 'w', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const struct jobs_kind none[] = {{NULL, NULL, 0, 0, 0, 0}};
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 0, NULL), -1);
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 65, NULL), -1);
    assert_int_equal(jobs_worker_start(&f->app, none, 1, NULL), -1);
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, ""), -1);
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, long_id), -1);
    assert_int_equal(jobs_worker_start(NULL, jobs_kinds, 1, NULL), -1);
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, NULL), 0);
    assert_int_equal(jobs_worker_start(&f->app, jobs_kinds, 1, NULL), -1); /* one per process */
    jobs_worker_stop(0);
    jobs_worker_stop(0); /* a second stop is a no-op */
}

/* The worker's settings come from the configuration table (core/config.c). */
static void test_settings(void **state)
{
    (void)state;
    struct config cfg;
    static const char *const keys[] = {"WORKER", "WORKER_THREADS", "WORKER_DRAIN_SECONDS"};
    for (size_t k = 0; k < 3; k++)
        unsetenv(keys[k]);
    assert_int_equal(config_load(&cfg, NULL), 0);
    assert_true(cfg.worker);
    assert_int_equal(cfg.worker_threads, 2);
    assert_int_equal(cfg.worker_drain_seconds, 10);
    config_cleanup(&cfg);
    setenv("WORKER", "off", 1);
    setenv("WORKER_THREADS", "8", 1);
    setenv("WORKER_DRAIN_SECONDS", "0", 1);
    assert_int_equal(config_load(&cfg, NULL), 0);
    assert_false(cfg.worker);
    assert_int_equal(cfg.worker_threads, 8);
    assert_int_equal(cfg.worker_drain_seconds, 0);
    config_cleanup(&cfg);
    static const char *const bad[][2] = {
        {"WORKER", "maybe"},          {"WORKER", "ON"},          {"WORKER_THREADS", "0"},
        {"WORKER_THREADS", "65"},     {"WORKER_THREADS", "2x"},  {"WORKER_THREADS", "-1"},
        {"WORKER_THREADS", " 2"},     {"WORKER_DRAIN_SECONDS", "3601"},
        {"WORKER_DRAIN_SECONDS", "1e3"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t k = 0; k < 3; k++)
            unsetenv(keys[k]);
        setenv(bad[i][0], bad[i][1], 1);
        if (config_load(&cfg, NULL) != -1)
            fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
        config_cleanup(&cfg);
    }
    for (size_t k = 0; k < 3; k++)
        unsetenv(keys[k]);
}

int main(void)
{
    /* PETE_BACKEND selects sqlite or postgres (see testutil.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_every_job_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_retry_then_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_drains_short_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_interrupts_long_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_refuses_bad_arguments, setup, teardown),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
