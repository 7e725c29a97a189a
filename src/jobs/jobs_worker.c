/* SPDX-License-Identifier: MIT */
/* The worker: a few threads that each claim one job, run its kind's handler, and record how
 * it ended, until stopped. Idle threads poll the queue every POLL_MS and are woken at once by
 * a local enqueue (a condition variable). One worker per process: its state is this file's.
 *
 * Stopping: no new claims; running handlers keep going until the drain bound, after which
 * jobs_run_ms_left() tells them to return (JOBS_INTERRUPTED releases the job back to
 * queued); handlers still running STOP_GRACE_MS later have their leases released here, and
 * the stop returns when every thread has been joined. A finished attempt is recorded only
 * while its lease is still this worker's, so a released or expired lease is never
 * overwritten.
 *
 * Ticks (jobs_worker_ticks): periodic tasks run between jobs by whichever thread finds one
 * due first (the due time moves on before it runs, so two threads never run one at once). */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"
#include "core/text.h"
#include "jobs/jobs_internal.h"

#define POLL_MS 250        /* an idle thread looks for due jobs this often */
#define ERROR_PAUSE_MS 1000 /* ...and this long after the database failed */
#define STOP_GRACE_MS 2000 /* past the drain bound, before leases are released */
#define FINISH_TRIES 3     /* a finish that meets an unreachable database is tried again */
#define MAX_THREADS 64
#define MAX_TICKS 8

struct slot {
    pthread_t t;
    bool started;
    bool busy;            /* under wk.mu: running job below */
    struct jobs_claim job; /* id, user and attempt valid while busy */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;   /* idle threads wait here: enqueue and stop signal it */
    pthread_cond_t done;   /* a job ended: stop waits here */
    bool running;          /* under mu */
    unsigned long wakes;   /* under mu: jobs_wake calls */
    int busy;              /* under mu: slots running a job */
    struct app *app;
    const struct jobs_kind *kinds;
    char *kinds_json;
    char worker_id[JOBS_WORKER_ID_MAX + 1];
    int nthreads;
    struct slot *slots;
    const struct jobs_tick *ticks; /* set before start */
    int64_t tick_due[MAX_TICKS];   /* under mu: mono ms when each tick next runs */
} wk = {.mu = PTHREAD_MUTEX_INITIALIZER};

static atomic_bool stopping;
static atomic_llong drain_deadline; /* mono ms; meaningful while stopping */

bool jobs_stopping(void) { return atomic_load(&stopping); }

int64_t jobs_run_ms_left(const struct jobs_run *run)
{
    int64_t now = mono_ms(), left = run->deadline_ms - now;
    if (atomic_load(&stopping)) {
        int64_t drain = (int64_t)atomic_load(&drain_deadline) - now;
        if (drain < left)
            left = drain;
    }
    return left;
}

void jobs_wake(void)
{
    pthread_mutex_lock(&wk.mu);
    if (wk.running) {
        wk.wakes++;
        pthread_cond_broadcast(&wk.wake);
    }
    pthread_mutex_unlock(&wk.mu);
}

/* Waits up to ms for a wake (one since *seen) or the stop. */
static void idle_wait(unsigned long *seen, int64_t ms)
{
    struct timespec until = mono_deadline(ms);
    pthread_mutex_lock(&wk.mu);
    while (wk.wakes == *seen && !atomic_load(&stopping))
        if (pthread_cond_timedwait(&wk.wake, &wk.mu, &until) != 0)
            break;
    *seen = wk.wakes;
    pthread_mutex_unlock(&wk.mu);
}

/* ---- one job -------------------------------------------------------------------------- */

/* Runs k's handler on job into *run (run->j_result and run->error hold what it reported) and
 * returns the outcome; a payload that is not an object fails for good without a run. */
static jobs_outcome run_handler(const struct jobs_kind *k, const struct jobs_claim *job,
                                int64_t claimed_at, struct jobs_run *run)
{
    json_error_t jerr;
    json_t *j_payload = json_loads(job->payload, JSON_REJECT_DUPLICATES, &jerr);
    int64_t budget_s = k->timeout_seconds < job->lease_seconds ? k->timeout_seconds
                                                               : job->lease_seconds;
    *run = (struct jobs_run){.app = wk.app, .job_id = job->id, .user_id = job->user_id,
                             .kind = k->name, .j_payload = j_payload, .attempt = job->attempt,
                             .max_attempts = job->max_attempts, .worker_id = wk.worker_id,
                             /* within the lease: it began after claimed_at */
                             .deadline_ms = claimed_at + budget_s * 1000};
    jobs_outcome o;
    if (!json_is_object(j_payload)) {
        snprintf(run->error, sizeof run->error, "the payload is not a JSON object");
        o = JOBS_FAIL;
    } else {
        o = k->run(run);
    }
    if (o == JOBS_INTERRUPTED && !atomic_load(&stopping)) {
        snprintf(run->error, sizeof run->error, "interrupted while the worker was not stopping");
        o = JOBS_RETRY;
    }
    if ((o == JOBS_RETRY || o == JOBS_FAIL) && !run->error[0])
        snprintf(run->error, sizeof run->error, "failed (the handler gave no reason)");
    json_decref(j_payload);
    run->j_payload = NULL;
    return o;
}

/* The result's text, or NULL (no result, or over the cap: logged). Caller free()s. */
static char *result_text(const struct jobs_run *run)
{
    if (!run->j_result)
        return NULL;
    char *s = json_dumps(run->j_result, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (s && strlen(s) > JOBS_RESULT_MAX) {
        LOG_W("job %lld: result over %d bytes, not stored", (long long)run->job_id,
              JOBS_RESULT_MAX);
        free(s);
        s = NULL;
    }
    return s;
}

/* Records the end, trying again while the database is unreachable (the lease still runs). */
static app_err record(const struct jobs_claim *job, const struct jobs_end *end, char *state)
{
    app_err e = APP_E_UNAVAILABLE;
    for (int i = 0; i < FINISH_TRIES && e == APP_E_UNAVAILABLE; i++) {
        if (i)
            usleep(500000);
        e = jobs_finish(wk.app->db, job, wk.worker_id, end, state);
    }
    return e;
}

/* One log line on how the attempt ended (successes at debug level: one per job). */
static void report(const struct jobs_claim *job, jobs_outcome o, app_err recorded,
                   const char *error, const char *state, int64_t took_us)
{
    if (recorded == APP_E_NOTFOUND)
        LOG_W("job %lld (%s) attempt %d: the lease was lost (expired or released), the "
              "outcome is dropped", (long long)job->id, job->kind, job->attempt);
    else if (recorded != APP_OK)
        LOG_E("job %lld (%s) attempt %d: could not record the outcome; it runs again when "
              "the lease expires", (long long)job->id, job->kind, job->attempt);
    else if (o == JOBS_RETRY || o == JOBS_FAIL)
        LOG_W("job %lld (%s) attempt %d/%d failed: %s; now %s", (long long)job->id, job->kind,
              job->attempt, job->max_attempts, error, state);
    else
        LOG_D("job %lld (%s) attempt %d/%d %s in %.3f s by %s", (long long)job->id, job->kind,
              job->attempt, job->max_attempts, o == JOBS_DONE ? "succeeded" : "released",
              (double)took_us / 1e6, wk.worker_id);
}

static void run_one(struct slot *s, int64_t claimed_at)
{
    struct jobs_claim *job = &s->job;
    /* Claims name only the table's kinds; a row renamed under us fails for good. */
    static const struct jobs_kind unknown = {.name = "unknown", .backoff_seconds = 1};
    const struct jobs_kind *k = jobs_kind_find(wk.kinds, job->kind);
    struct jobs_run run;
    char req[32], error[JOBS_ERROR_MAX + 1], state[16] = "";
    snprintf(req, sizeof req, "job-%lld", (long long)job->id);
    log_set_request(req, job->user_id);
    int64_t t0 = mono_us();
    jobs_outcome o = JOBS_FAIL;
    if (k) {
        o = run_handler(k, job, claimed_at, &run);
    } else {
        run = (struct jobs_run){.j_result = NULL};
        snprintf(run.error, sizeof run.error, "this worker has no kind of that name");
        k = &unknown;
    }
    int64_t took = mono_us() - t0;
    char *result = o == JOBS_DONE ? result_text(&run) : NULL;
    json_decref(run.j_result);
    text_copy_utf8(error, sizeof error, run.error);
    struct jobs_end end = {.outcome = o, .result = result, .error = error,
                           .delay_s = jobs_backoff_seconds(k->backoff_seconds, job->attempt,
                                                           randombytes_random())};
    app_err e = record(job, &end, state);
    free(result);
    jobs_metrics_observe(k->name, o, took);
    report(job, o, e, error, state, took);
    log_set_request(NULL, 0);
}

void jobs_worker_ticks(const struct jobs_tick *ticks)
{
    pthread_mutex_lock(&wk.mu);
    wk.ticks = ticks;
    pthread_mutex_unlock(&wk.mu);
}

/* Runs the first tick that is due, if any (its next run is set first). */
static void run_due_tick(void)
{
    const struct jobs_tick *due = NULL;
    int64_t now = mono_ms();
    pthread_mutex_lock(&wk.mu);
    for (int i = 0; wk.ticks && i < MAX_TICKS && wk.ticks[i].name && !due; i++) {
        if (wk.tick_due[i] <= now) {
            due = &wk.ticks[i];
            int64_t period = due->period_seconds > 0 ? due->period_seconds : 1;
            wk.tick_due[i] = now + period * 1000;
        }
    }
    pthread_mutex_unlock(&wk.mu);
    if (due && !atomic_load(&stopping))
        due->run(wk.app);
}

static void *thread_main(void *arg)
{
    struct slot *s = arg;
    unsigned long seen = 0;
    while (!atomic_load(&stopping)) {
        run_due_tick();
        struct jobs_claim job = {0};
        int64_t claimed_at = mono_ms();
        app_err e = jobs_claim_next(wk.app->db, wk.worker_id, wk.kinds_json, &job);
        if (e != APP_OK) {
            if (e != APP_E_NOTFOUND)
                LOG_W("worker %s: claiming a job failed; trying again", wk.worker_id);
            idle_wait(&seen, e == APP_E_NOTFOUND ? POLL_MS : ERROR_PAUSE_MS);
            continue;
        }
        pthread_mutex_lock(&wk.mu);
        s->job = job;
        s->busy = true;
        wk.busy++;
        pthread_mutex_unlock(&wk.mu);
        run_one(s, claimed_at);
        pthread_mutex_lock(&wk.mu);
        s->busy = false;
        wk.busy--;
        jobs_claim_cleanup(&s->job);
        pthread_cond_broadcast(&wk.done);
        pthread_mutex_unlock(&wk.mu);
    }
    return NULL;
}

/* ---- start and stop ------------------------------------------------------------------- */

static char *kinds_json(const struct jobs_kind *kinds)
{
    json_t *j_names = json_array();
    for (const struct jobs_kind *k = kinds; k->name; k++)
        json_array_append_new(j_names, json_string(k->name));
    char *s = json_dumps(j_names, JSON_COMPACT);
    json_decref(j_names);
    if (!s)
        mem_oom();
    return s;
}

static void default_id(char *out, size_t cap)
{
    char host[65] = "host";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(out, cap, "%s:%ld:%08x", host, (long)getpid(), (unsigned)randombytes_random());
}

static void init_conds(void)
{
    if (mono_cond_init(&wk.wake) != 0 || mono_cond_init(&wk.done) != 0)
        abort(); /* as running out of memory: nothing to do but stop */
}

int jobs_worker_start(struct app *a, const struct jobs_kind *kinds, int threads,
                      const char *worker_id)
{
    const char *bad = jobs_kinds_check(kinds);
    if (bad || !a || !a->db || threads < 1 || threads > MAX_THREADS ||
        (worker_id && (!*worker_id || strlen(worker_id) > JOBS_WORKER_ID_MAX))) {
        LOG_E("worker: cannot start: %s", bad ? bad : "bad threads or worker id");
        return -1;
    }
    pthread_mutex_lock(&wk.mu);
    if (wk.running) {
        pthread_mutex_unlock(&wk.mu);
        LOG_E("worker: already running in this process");
        return -1;
    }
    init_conds();
    atomic_store(&stopping, false);
    wk.app = a;
    wk.kinds = kinds;
    wk.kinds_json = kinds_json(kinds);
    if (worker_id)
        snprintf(wk.worker_id, sizeof wk.worker_id, "%s", worker_id);
    else
        default_id(wk.worker_id, sizeof wk.worker_id);
    wk.slots = mem_zalloc((size_t)threads, sizeof *wk.slots);
    wk.nthreads = threads;
    wk.busy = 0;
    for (int i = 0; i < MAX_TICKS; i++)
        wk.tick_due[i] = 0; /* due at once */
    wk.running = true;
    for (int i = 0; i < threads; i++)
        wk.slots[i].started = pthread_create(&wk.slots[i].t, NULL, thread_main, &wk.slots[i]) == 0;
    pthread_mutex_unlock(&wk.mu);
    LOG_I("worker %s: %d threads, kinds %s", wk.worker_id, threads, wk.kinds_json);
    return 0;
}

/* Releases the leases of jobs still running (their handlers ignored the drain bound). */
static void release_stragglers(void)
{
    struct jobs_claim held[MAX_THREADS];
    int n = 0;
    pthread_mutex_lock(&wk.mu);
    for (int i = 0; i < wk.nthreads; i++)
        if (wk.slots[i].busy) {
            held[n] = wk.slots[i].job;
            held[n++].payload = NULL; /* the slot keeps its own */
        }
    pthread_mutex_unlock(&wk.mu);
    for (int i = 0; i < n; i++) {
        struct jobs_end end = {.outcome = JOBS_INTERRUPTED};
        app_err e = jobs_finish(wk.app->db, &held[i], wk.worker_id, &end, NULL);
        LOG_W("worker %s: job %lld still running after the drain bound; lease %s",
              wk.worker_id, (long long)held[i].id, e == APP_OK ? "released" : "not released");
    }
}

void jobs_worker_stop(int drain_seconds)
{
    pthread_mutex_lock(&wk.mu);
    if (!wk.running) {
        pthread_mutex_unlock(&wk.mu);
        return;
    }
    int64_t drain_end = mono_ms() + (int64_t)(drain_seconds > 0 ? drain_seconds : 0) * 1000;
    atomic_store(&drain_deadline, (long long)drain_end);
    atomic_store(&stopping, true);
    pthread_cond_broadcast(&wk.wake);
    struct timespec until = mono_deadline(drain_end + STOP_GRACE_MS - mono_ms());
    while (wk.busy > 0)
        if (pthread_cond_timedwait(&wk.done, &wk.mu, &until) != 0)
            break;
    int left = wk.busy;
    pthread_mutex_unlock(&wk.mu);
    if (left > 0)
        release_stragglers();
    for (int i = 0; i < wk.nthreads; i++)
        if (wk.slots[i].started)
            pthread_join(wk.slots[i].t, NULL);
    pthread_mutex_lock(&wk.mu);
    free(wk.slots);
    wk.slots = NULL;
    free(wk.kinds_json);
    wk.kinds_json = NULL;
    wk.nthreads = 0;
    wk.running = false;
    pthread_cond_destroy(&wk.wake);
    pthread_cond_destroy(&wk.done);
    pthread_mutex_unlock(&wk.mu);
    LOG_I("worker %s: stopped", wk.worker_id);
}
