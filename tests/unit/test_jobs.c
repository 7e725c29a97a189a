/* SPDX-License-Identifier: MIT */
/* The job queue's store and service on the backend named by PETE_BACKEND (sqlite or
 * postgres, serving as the unprivileged role after db_restrict_role, so the claim goes
 * through jobs_claim and everything else through row-level security): enqueue in the
 * caller's transaction (a rollback leaves no job), dedup while pending, input checks, claim
 * order and run_after, claims across tenants and by kind, lease ownership on finish, an
 * expired lease claimed again, retries with backoff until failed, a last attempt whose
 * worker died, release on interrupt, concurrent claims taking each job once, GET /jobs pages,
 * queue depth, cursors, the backoff formula and the kinds table checks. On PostgreSQL also a
 * database whose unprivileged owner serves requests itself: claims still cross tenants, its
 * own statements do not. */
#include "testutil.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/migrate.h"
#include "jobs/jobs_internal.h"

#define KINDS "[\"noop\"]"

struct fx {
    struct tu_db t;
    struct app app;
    int64_t a, b; /* two tenants */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_db_open_serving(&f->t);
    f->app.db = f->t.d;
    f->a = tu_make_user(f->t.d, "jobs-a");
    f->b = tu_make_user(f->t.d, "jobs-b");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_db_close(&f->t);
    free(f);
    return 0;
}

/* Enqueues one noop job in its own transaction; returns its id. */
static int64_t enqueue(struct fx *f, int64_t user, const char *dedup, const char *payload,
                       int64_t run_after, bool *created)
{
    json_t *j_payload = payload ? json_loads(payload, 0, NULL) : NULL;
    int64_t id = 0;
    bool fresh = false;
    db_conn *c = tu_tx(f->t.d, user);
    assert_int_equal(jobs_enqueue(c, user, "noop", dedup, j_payload, run_after, &id, &fresh),
                     APP_OK);
    tu_commit(c);
    json_decref(j_payload);
    if (created)
        *created = fresh;
    assert_true(id > 0);
    return id;
}

/* Runs one statement on a job of user (tenant write transaction; $1 is the job id). */
static void poke(struct fx *f, int64_t user, const char *sql, int64_t id)
{
    db_param p[] = {DB_INT(id)};
    db_res *r = NULL;
    db_conn *c = tu_tx(f->t.d, user);
    if (db_exec(c, sql, p, 1, &r) != DB_OK)
        fail_msg("%s: %s", sql, db_errmsg(c));
    assert_int_equal(db_res_affected(r), 1);
    db_res_free(r);
    tu_commit(c);
}

#define EXPIRE_LEASE "UPDATE jobs SET locked_until = '2000-01-01T00:00:00.000Z' WHERE id = $1"
#define MAKE_DUE "UPDATE jobs SET run_after = '2000-01-01T00:00:00.000Z' WHERE id = $1"

static app_err claim(struct fx *f, const char *worker, const char *kinds, struct jobs_claim *out)
{
    memset(out, 0, sizeof *out);
    return jobs_claim_next(f->t.d, worker, kinds, out);
}

static app_err finish(struct fx *f, const struct jobs_claim *j, const char *worker,
                      jobs_outcome o, const char *text, char *state)
{
    struct jobs_end end = {.outcome = o, .delay_s = 1};
    if (o == JOBS_DONE)
        end.result = text;
    else
        end.error = text;
    return jobs_finish(f->t.d, j, worker, &end, state);
}

static void get(struct fx *f, int64_t user, int64_t id, struct jobs_job *out)
{
    assert_int_equal(jobs_get(&f->app, user, id, out), APP_OK);
}

/* ---- enqueue -------------------------------------------------------------------------- */

static void test_enqueue_dedups_while_pending(void **state)
{
    struct fx *f = *state;
    bool created = false;
    int64_t id = 0, again = 0;
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", "source:7", NULL, 0, &id, &created), APP_OK);
    assert_true(created);
    /* the same transaction, then another one: the pending job's id */
    assert_int_equal(jobs_enqueue(c, f->a, "noop", "source:7", NULL, 0, &again, &created),
                     APP_OK);
    assert_false(created);
    assert_int_equal(again, id);
    tu_commit(c);
    assert_int_equal(enqueue(f, f->a, "source:7", NULL, 0, &created), id);
    assert_false(created);
    /* another key, no key, another tenant: new jobs */
    assert_int_not_equal(enqueue(f, f->a, "source:8", NULL, 0, &created), id);
    assert_true(created);
    int64_t n1 = enqueue(f, f->a, NULL, NULL, 0, &created), n2 = enqueue(f, f->a, NULL, NULL, 0,
                                                                         &created);
    assert_int_not_equal(n1, n2);
    int64_t b = enqueue(f, f->b, "source:7", NULL, 0, &created);
    assert_true(created);
    assert_int_not_equal(b, id);
    /* while running it still dedups; once it ended a new one is queued */
    struct jobs_claim j;
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK); /* the oldest due job */
    assert_int_equal(j.id, id);
    assert_int_equal(enqueue(f, f->a, "source:7", NULL, 0, &created), id);
    assert_false(created);
    assert_int_equal(finish(f, &j, "w1", JOBS_DONE, "{}", NULL), APP_OK);
    jobs_claim_cleanup(&j);
    assert_int_not_equal(enqueue(f, f->a, "source:7", NULL, 0, &created), id);
    assert_true(created);
}

static void test_enqueue_rolled_back_leaves_no_job(void **state)
{
    struct fx *f = *state;
    struct jobs_list l;
    struct jobs_filter flt = {.limit = 50};
    int64_t id = 0;
    db_conn *c = tu_tx(f->t.d, f->a);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", "gone", NULL, 0, &id, NULL), APP_OK);
    assert_true(id > 0);
    assert_int_equal(db_rollback(c), DB_OK);
    db_release(c);
    assert_int_equal(jobs_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 0);
    jobs_list_cleanup(&l);
    struct jobs_job job;
    assert_int_equal(jobs_get(&f->app, f->a, id, &job), APP_E_NOTFOUND);
    struct jobs_claim j;
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_E_NOTFOUND);
    /* and the dedup key is free again */
    bool created = false;
    enqueue(f, f->a, "gone", NULL, 0, &created);
    assert_true(created);
}

static void test_enqueue_refuses_bad_input(void **state)
{
    struct fx *f = *state;
    char long_key[JOBS_DEDUP_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    json_t *j_array = json_array(), *j_big = json_object();
    char *filler = calloc(1, JOBS_PAYLOAD_MAX + 1);
    assert_non_null(filler);
    memset(filler, 'x', JOBS_PAYLOAD_MAX);
    json_object_set_new(j_big, "x", json_string(filler));
    free(filler);
    db_conn *c = tu_tx(f->t.d, f->a);
    int64_t id = 0;
    assert_int_equal(jobs_enqueue(c, f->a, "no_such_kind", NULL, NULL, 0, &id, NULL),
                     APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, NULL, NULL, NULL, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", NULL, j_array, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", NULL, j_big, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", "", NULL, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", long_key, NULL, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", "\xff", NULL, 0, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, f->a, "noop", NULL, NULL, -1, &id, NULL), APP_E_PARAM);
    assert_int_equal(jobs_enqueue(c, 0, "noop", NULL, NULL, 0, &id, NULL), APP_E_PARAM);
    db_release(c);
    json_decref(j_array);
    json_decref(j_big);
}

/* ---- claim ---------------------------------------------------------------------------- */

static void test_claim_due_jobs_oldest_first(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j;
    int64_t first = enqueue(f, f->a, NULL, "{\"sleep_ms\":5}", 0, NULL);
    int64_t later = enqueue(f, f->a, NULL, NULL, (int64_t)time(NULL) + 3600, NULL);
    int64_t other = enqueue(f, f->b, NULL, NULL, 0, NULL); /* another tenant: one queue */
    assert_int_equal(claim(f, "w1", "[\"other_kind\"]", &j), APP_E_NOTFOUND);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    assert_int_equal(j.id, first);
    assert_int_equal(j.user_id, f->a);
    assert_string_equal(j.kind, "noop");
    json_t *j_payload = json_loads(j.payload, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j_payload, "sleep_ms")), 5);
    json_decref(j_payload);
    assert_int_equal(j.attempt, 1);
    assert_int_equal(j.max_attempts, jobs_kinds[0].max_attempts);
    assert_int_equal(j.lease_seconds, jobs_kinds[0].lease_seconds);
    jobs_claim_cleanup(&j);
    assert_int_equal(claim(f, "w2", KINDS, &j), APP_OK);
    assert_int_equal(j.id, other);
    assert_int_equal(j.user_id, f->b);
    jobs_claim_cleanup(&j);
    assert_int_equal(claim(f, "w2", KINDS, &j), APP_E_NOTFOUND); /* `later` is not due */
    struct jobs_job job;
    get(f, f->a, first, &job);
    assert_string_equal(job.state, "running");
    assert_int_equal(job.attempts, 1);
    jobs_job_cleanup(&job);
    get(f, f->a, later, &job);
    assert_string_equal(job.state, "queued");
    assert_int_equal(job.attempts, 0);
    jobs_job_cleanup(&job);
    poke(f, f->a, MAKE_DUE, later);
    assert_int_equal(claim(f, "w2", KINDS, &j), APP_OK);
    assert_int_equal(j.id, later);
    jobs_claim_cleanup(&j);
}

/* ---- finish and leases ---------------------------------------------------------------- */

static void test_finish_needs_the_lease(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j, wrong;
    char st[16] = "";
    int64_t id = enqueue(f, f->a, NULL, NULL, 0, NULL);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    assert_int_equal(finish(f, &j, "w2", JOBS_DONE, "{\"by\":\"w2\"}", st), APP_E_NOTFOUND);
    wrong = j;
    wrong.attempt = 2;
    assert_int_equal(finish(f, &wrong, "w1", JOBS_DONE, "{}", st), APP_E_NOTFOUND);
    wrong = j;
    wrong.user_id = f->b; /* the job's tenant only */
    assert_int_equal(finish(f, &wrong, "w1", JOBS_DONE, "{}", st), APP_E_NOTFOUND);
    assert_int_equal(finish(f, &j, "w1", JOBS_DONE, "{\"by\":\"w1\"}", st), APP_OK);
    assert_string_equal(st, "succeeded");
    assert_int_equal(finish(f, &j, "w1", JOBS_RETRY, "late", st), APP_E_NOTFOUND);
    jobs_claim_cleanup(&j);
    struct jobs_job job;
    get(f, f->a, id, &job);
    assert_string_equal(job.state, "succeeded");
    assert_int_equal(job.attempts, 1);
    assert_null(job.last_error);
    assert_non_null(job.result);
    json_t *j_result = json_loads(job.result, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j_result, "by")), "w1");
    json_decref(j_result);
    jobs_job_cleanup(&job);
}

static void test_expired_lease_is_claimed_again(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j1, j2, none;
    int64_t id = enqueue(f, f->a, NULL, NULL, 0, NULL);
    assert_int_equal(claim(f, "w1", KINDS, &j1), APP_OK);
    assert_int_equal(claim(f, "w2", KINDS, &none), APP_E_NOTFOUND); /* leased */
    int64_t queued = enqueue(f, f->b, NULL, NULL, 0, NULL);
    poke(f, f->a, EXPIRE_LEASE, id); /* as if w1 died */
    assert_int_equal(claim(f, "w2", KINDS, &j2), APP_OK);
    assert_int_equal(j2.id, id); /* the lost lease first, and only it */
    assert_int_equal(j2.attempt, 2);
    struct jobs_job other;
    get(f, f->b, queued, &other);
    assert_string_equal(other.state, "queued");
    assert_int_equal(other.attempts, 0);
    jobs_job_cleanup(&other);
    /* w1 comes back late: its lease is gone and it cannot overwrite w2's */
    assert_int_equal(finish(f, &j1, "w1", JOBS_DONE, "{\"by\":\"w1\"}", NULL), APP_E_NOTFOUND);
    assert_int_equal(finish(f, &j1, "w1", JOBS_RETRY, "late", NULL), APP_E_NOTFOUND);
    assert_int_equal(finish(f, &j2, "w2", JOBS_DONE, "{\"by\":\"w2\"}", NULL), APP_OK);
    struct jobs_job job;
    get(f, f->a, id, &job);
    assert_string_equal(job.state, "succeeded");
    assert_int_equal(job.attempts, 2);
    assert_non_null(strstr(job.result, "w2"));
    jobs_job_cleanup(&job);
    jobs_claim_cleanup(&j1);
    jobs_claim_cleanup(&j2);
}

static void test_retries_back_off_then_fail(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j;
    struct jobs_job job;
    char st[16];
    int64_t id = enqueue(f, f->a, NULL, "{\"fail\":\"boom\"}", 0, NULL);
    int max = jobs_kinds[0].max_attempts;
    for (int attempt = 1; attempt <= max; attempt++) {
        assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
        assert_int_equal(j.attempt, attempt);
        assert_int_equal(finish(f, &j, "w1", JOBS_RETRY, "boom", st), APP_OK);
        jobs_claim_cleanup(&j);
        get(f, f->a, id, &job);
        assert_string_equal(job.last_error, "boom");
        assert_int_equal(job.attempts, attempt);
        if (attempt < max) {
            assert_string_equal(st, "queued");
            assert_string_equal(job.state, "queued");
            /* backing off: not due yet */
            assert_true(strcmp(job.run_after, job.updated_at) >= 0);
            assert_int_equal(claim(f, "w1", KINDS, &j), APP_E_NOTFOUND);
            poke(f, f->a, MAKE_DUE, id);
        } else {
            assert_string_equal(st, "failed");
            assert_string_equal(job.state, "failed");
        }
        jobs_job_cleanup(&job);
    }
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_E_NOTFOUND);

    /* a failure for good ends at once */
    id = enqueue(f, f->a, NULL, NULL, 0, NULL);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    assert_int_equal(finish(f, &j, "w1", JOBS_FAIL, "bad payload", st), APP_OK);
    assert_string_equal(st, "failed");
    jobs_claim_cleanup(&j);
    get(f, f->a, id, &job);
    assert_int_equal(job.attempts, 1);
    assert_string_equal(job.last_error, "bad payload");
    jobs_job_cleanup(&job);
}

static void test_last_attempt_whose_worker_died_fails(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j;
    int64_t id = enqueue(f, f->a, NULL, NULL, 0, NULL);
    poke(f, f->a, "UPDATE jobs SET max_attempts = 1 WHERE id = $1", id);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    jobs_claim_cleanup(&j);
    poke(f, f->a, EXPIRE_LEASE, id);
    assert_int_equal(claim(f, "w2", KINDS, &j), APP_E_NOTFOUND);
    struct jobs_job job;
    get(f, f->a, id, &job);
    assert_string_equal(job.state, "failed");
    assert_int_equal(job.attempts, 1);
    assert_non_null(strstr(job.last_error, "lease expired"));
    jobs_job_cleanup(&job);
}

static void test_interrupted_attempt_is_released_uncounted(void **state)
{
    struct fx *f = *state;
    struct jobs_claim j;
    char st[16];
    int64_t id = enqueue(f, f->a, NULL, NULL, 0, NULL);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    assert_int_equal(finish(f, &j, "w1", JOBS_INTERRUPTED, NULL, st), APP_OK);
    assert_string_equal(st, "queued");
    jobs_claim_cleanup(&j);
    struct jobs_job job;
    get(f, f->a, id, &job);
    assert_string_equal(job.state, "queued");
    assert_int_equal(job.attempts, 0);
    jobs_job_cleanup(&job);
    assert_int_equal(claim(f, "w2", KINDS, &j), APP_OK);
    assert_int_equal(j.id, id);
    assert_int_equal(j.attempt, 1);
    jobs_claim_cleanup(&j);
}

/* ---- concurrent claims ---------------------------------------------------------------- */

#define RACE_JOBS 60
#define RACERS 3

struct racer {
    struct fx *f;
    char worker[16];
    int64_t got[RACE_JOBS];
    int n, errors;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int idle = 0; idle < 3 && r->n < RACE_JOBS;) {
        struct jobs_claim j = {0};
        app_err e = jobs_claim_next(r->f->t.d, r->worker, KINDS, &j);
        if (e == APP_E_NOTFOUND) {
            idle++;
            continue;
        }
        if (e != APP_OK) {
            r->errors++;
            continue;
        }
        r->got[r->n++] = j.id;
        struct jobs_end end = {.outcome = JOBS_DONE};
        if (jobs_finish(r->f->t.d, &j, r->worker, &end, NULL) != APP_OK)
            r->errors++;
        jobs_claim_cleanup(&j);
    }
    return NULL;
}

static void test_concurrent_claims_take_each_job_once(void **state)
{
    struct fx *f = *state;
    int64_t ids[RACE_JOBS];
    for (int i = 0; i < RACE_JOBS; i++)
        ids[i] = enqueue(f, i % 2 ? f->a : f->b, NULL, NULL, 0, NULL);
    struct racer r[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].f = f;
        snprintf(r[i].worker, sizeof r[i].worker, "racer-%d", i);
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    int seen[RACE_JOBS] = {0}, total = 0;
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(r[i].errors, 0);
        for (int k = 0; k < r[i].n; k++)
            for (int x = 0; x < RACE_JOBS; x++)
                seen[x] += r[i].got[k] == ids[x];
        total += r[i].n;
    }
    assert_int_equal(total, RACE_JOBS);
    for (int x = 0; x < RACE_JOBS; x++)
        assert_int_equal(seen[x], 1);
}

/* ---- reads ---------------------------------------------------------------------------- */

static void test_list_pages_filters_and_tenants(void **state)
{
    struct fx *f = *state;
    int64_t ids[5];
    struct jobs_claim j;
    for (int i = 0; i < 5; i++)
        ids[i] = enqueue(f, f->a, NULL, NULL, 0, NULL);
    enqueue(f, f->b, NULL, NULL, 0, NULL);
    /* the oldest of A runs */
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    assert_int_equal(j.id, ids[0]);
    jobs_claim_cleanup(&j);

    struct jobs_filter flt = {.limit = 2};
    struct jobs_list l;
    int64_t seen[6];
    int n = 0;
    do { /* newest first, 2 per page */
        assert_int_equal(jobs_list(&f->app, f->a, &flt, &l), APP_OK);
        assert_true(l.n <= 2);
        for (int i = 0; i < l.n; i++)
            seen[n++] = l.items[i].id;
        flt.before_id = l.next_before;
        jobs_list_cleanup(&l);
    } while (flt.before_id > 0 && n < 6);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(seen[i], ids[4 - i]);

    flt = (struct jobs_filter){.limit = 50, .state = "running"};
    assert_int_equal(jobs_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].id, ids[0]);
    assert_string_equal(l.items[0].kind, "noop");
    assert_int_equal(strlen(l.items[0].created_at), 20); /* 2026-03-02T15:30:00Z */
    assert_int_equal(strlen(l.items[0].run_after), 20);
    assert_int_equal(l.next_before, 0);
    jobs_list_cleanup(&l);
    flt = (struct jobs_filter){.limit = 50, .kind = "scrape"};
    assert_int_equal(jobs_list(&f->app, f->a, &flt, &l), APP_OK);
    assert_int_equal(l.n, 0);
    jobs_list_cleanup(&l);
    /* tenant B: its one job; A's are missing to it */
    flt = (struct jobs_filter){.limit = 50};
    assert_int_equal(jobs_list(&f->app, f->b, &flt, &l), APP_OK);
    assert_int_equal(l.n, 1);
    jobs_list_cleanup(&l);
    struct jobs_job job;
    assert_int_equal(jobs_get(&f->app, f->b, ids[0], &job), APP_E_NOTFOUND);
}

static void test_queue_depth_counts_every_tenant(void **state)
{
    struct fx *f = *state;
    struct jobs_depth_row rows[JOBS_DEPTH_ROWS];
    struct jobs_claim j;
    int n = -1;
    assert_int_equal(jobs_queue_depth(f->t.d, rows, &n), APP_OK);
    assert_int_equal(n, 0);
    enqueue(f, f->a, NULL, NULL, 0, NULL);
    enqueue(f, f->a, NULL, NULL, 0, NULL);
    enqueue(f, f->b, NULL, NULL, 0, NULL);
    assert_int_equal(claim(f, "w1", KINDS, &j), APP_OK);
    jobs_claim_cleanup(&j);
    assert_int_equal(jobs_queue_depth(f->t.d, rows, &n), APP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].kind, "noop");
    assert_string_equal(rows[0].state, "queued");
    assert_int_equal(rows[0].count, 2);
    assert_string_equal(rows[1].state, "running");
    assert_int_equal(rows[1].count, 1);
}

/* ---- PostgreSQL: an unprivileged owner serving requests itself ------------------------- */

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void admin_exec(PGconn *a, const char *sql)
{
    PGresult *r = PQexec(a, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(a));
    PQclear(r);
}

/* The owner of the tables logs in without any privilege (db_restrict_role keeps it): the
 * claim and the depth still see every tenant's jobs through the owner-only policy of
 * jobs_claim/jobs_depth, while the same role's own statements see one tenant's rows. */
static void owner_serves_requests(const char *url)
{
    db *d = NULL;
    struct jobs_claim j;
    assert_int_equal(db_open(url, NULL, 2, &d), DB_OK);
    assert_int_equal(migrate_run(d, NULL, NULL), APP_OK);
    assert_int_equal(db_restrict_role(d), DB_OK);
    int64_t a = tu_make_user(d, "owner-a"), b = tu_make_user(d, "owner-b");
    db_conn *c = NULL;
    for (int i = 0; i < 2; i++) {
        int64_t user = i ? b : a;
        assert_int_equal(db_acquire(d, &c), DB_OK);
        assert_int_equal(db_begin_tenant_write(c, user), DB_OK);
        assert_int_equal(jobs_enqueue(c, user, "noop", NULL, NULL, 0, NULL, NULL), APP_OK);
        assert_int_equal(db_commit(c), DB_OK);
        db_release(c);
    }
    struct jobs_depth_row rows[JOBS_DEPTH_ROWS];
    int n = 0;
    assert_int_equal(jobs_queue_depth(d, rows, &n), APP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].count, 2);
    for (int i = 0; i < 2; i++) {
        memset(&j, 0, sizeof j);
        assert_int_equal(jobs_claim_next(d, "owner-worker", KINDS, &j), APP_OK);
        assert_int_equal(j.user_id, i ? b : a);
        jobs_claim_cleanup(&j);
    }
    db_res *r = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_begin_tenant(c, a), DB_OK);
    assert_int_equal(db_exec(c, "SELECT user_id FROM jobs", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_rows(r), 1);
    assert_int_equal(db_res_int(r, 0, 0), a);
    db_res_free(r);
    db_release(c);
    db_close(d);
}

static void test_pg_owner_without_privileges(void **state)
{
    struct fx *f = *state;
    if (strcmp(tu_backend(), "postgres") != 0) {
        assert_null(f->t.url); /* SQLite has no roles: nothing to check */
        return;
    }
    char role[48], dbname[48], sql[160], url[512];
    snprintf(role, sizeof role, "jobs_owner_%ld", (long)getpid());
    snprintf(dbname, sizeof dbname, "jobs_owner_db_%ld", (long)getpid());
    PGconn *a = PQconnectdb(f->t.url);
    assert_int_equal(PQstatus(a), CONNECTION_OK);
    PQsetNoticeProcessor(a, quiet, NULL); /* "does not exist, skipping" */
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    admin_exec(a, sql);
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s", role);
    admin_exec(a, sql);
    snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS", role);
    admin_exec(a, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER %s", dbname, role);
    admin_exec(a, sql);
    /* postgres://USER@HOST:PORT/DB from the test database's URL */
    const char *host = strchr(strstr(f->t.url, "://") + 3, '@');
    assert_non_null(host);
    snprintf(url, sizeof url, "postgres://%s@%.*s/%s", role, (int)strcspn(host + 1, "/"),
             host + 1, dbname);
    owner_serves_requests(url);
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
    admin_exec(a, sql);
    snprintf(sql, sizeof sql, "DROP ROLE %s", role);
    admin_exec(a, sql);
    PQfinish(a);
}

/* ---- pure functions ------------------------------------------------------------------- */

static void test_cursors(void **state)
{
    (void)state;
    int64_t v = 0;
    char *c = jobs_cursor_encode(123456789);
    assert_true(jobs_cursor_decode(c, &v));
    assert_int_equal(v, 123456789);
    free(c);
    static const char *const bad[] = {"", "x", "!!!!", "ajE6", "ajE6MA", "YzE6MTI",
                                      "ajE6LTE", "ajE6MWE",
                                      "ajE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (jobs_cursor_decode(bad[i], &v))
            fail_msg("cursor %s accepted", bad[i]);
}

static void test_backoff_grows_with_jitter_and_a_cap(void **state)
{
    (void)state;
    for (int attempt = 1; attempt <= 30; attempt++) {
        int64_t d = 5;
        for (int i = 1; i < attempt && d < 3600; i++)
            d *= 2;
        if (d > 3600)
            d = 3600;
        int64_t lo = jobs_backoff_seconds(5, attempt, 0);
        int64_t hi = jobs_backoff_seconds(5, attempt, 0xffffffffu);
        assert_true(lo >= (d + 1) / 2 && lo <= d);
        assert_true(hi >= lo && hi <= d);
        for (uint32_t r = 0; r < 50; r++) {
            int64_t x = jobs_backoff_seconds(5, attempt, r * 2654435761u);
            assert_true(x >= (d + 1) / 2 && x <= d);
        }
    }
    assert_int_equal(jobs_backoff_seconds(1, 1, 12345), 1);
    assert_int_equal(jobs_backoff_seconds(5, 100, 0), 1800);
    assert_true(jobs_backoff_seconds(0, 1, 7) >= 1);
}

static jobs_outcome dummy(struct jobs_run *run)
{
    (void)run;
    return JOBS_DONE;
}

static void test_kinds_table_checks(void **state)
{
    (void)state;
    assert_null(jobs_kinds_check(jobs_kinds));
    assert_non_null(jobs_kind_find(jobs_kinds, "noop"));
    assert_null(jobs_kind_find(jobs_kinds, "nope"));
    const struct jobs_kind empty[] = {{NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind bad_name[] = {{"Bad-Name", dummy, 1, 10, 5, 1}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind twice[] = {{"a", dummy, 1, 10, 5, 1}, {"a", dummy, 1, 10, 5, 1},
                                      {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind no_fn[] = {{"a", NULL, 1, 10, 5, 1}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind attempts[] = {{"a", dummy, 0, 10, 5, 1}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind lease[] = {{"a", dummy, 1, 0, 5, 1}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind timeout[] = {{"a", dummy, 1, 10, 11, 1}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind backoff[] = {{"a", dummy, 1, 10, 5, 0}, {NULL, NULL, 0, 0, 0, 0}};
    const struct jobs_kind *tables[] = {empty, bad_name, twice, no_fn, attempts, lease, timeout,
                                        backoff};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (!jobs_kinds_check(tables[i]))
            fail_msg("bad kinds table %zu accepted", i);
}

int main(void)
{
    /* PETE_BACKEND selects sqlite or postgres (see testutil.h) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enqueue_dedups_while_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_rolled_back_leaves_no_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_due_jobs_oldest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finish_needs_the_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_lease_is_claimed_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_back_off_then_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_attempt_whose_worker_died_fails, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_attempt_is_released_uncounted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_claims_take_each_job_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_pages_filters_and_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_depth_counts_every_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_owner_without_privileges, setup, teardown),
        cmocka_unit_test(test_cursors),
        cmocka_unit_test(test_backoff_grows_with_jitter_and_a_cap),
        cmocka_unit_test(test_kinds_table_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
