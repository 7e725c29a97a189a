/* SPDX-License-Identifier: MIT */
/* The durable job queue: background work of one tenant (a scrape, a calendar push) stored as
 * a row of `jobs` and run by worker threads, in `peterental serve` or in any number of
 * `peterental worker` processes sharing one database.
 *
 * A job is enqueued inside the caller's own tenant transaction, so the row that needs the
 * work and the job commit or roll back together. Workers claim due jobs with a lease
 * (PostgreSQL: FOR UPDATE SKIP LOCKED through the SECURITY DEFINER function jobs_claim;
 * SQLite: one write transaction); the handler then works in the job's tenant, through the
 * same services (and, on PostgreSQL, the same row-level security) as a request. A finished
 * attempt is recorded only by the worker that still holds the lease. A worker that dies
 * loses nothing: its lease runs out and another worker runs the job again, so handlers are
 * written to be idempotent.
 *
 *   jobs_service.c  enqueue, claim, finish, reads for the API, cursors, backoff
 *   jobs_store.c    all SQL for jobs, both dialects
 *   jobs_worker.c   the worker threads: claim, run, finish, drain on stop
 *   jobs_http.c     GET /jobs and GET /jobs/{id}
 *   jobs_metrics.c  queue depth, durations and failures for /metrics
 *   jobs_noop.c     the diagnostic kind "noop"
 *   jobs_cli.c      `peterental worker` and the worker settings
 * Kinds are registered in one table, src/kinds.c; this folder includes no domain header. */
#ifndef PETE_JOBS_JOBS_H
#define PETE_JOBS_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/app.h"
#include "core/db.h"
#include "core/err.h"
#include "core/http.h"

#define JOBS_KIND_MAX 64        /* bytes of a kind name: [a-z0-9_] */
#define JOBS_DEDUP_MAX 200      /* bytes of a dedup key */
#define JOBS_PAYLOAD_MAX 65536  /* bytes of a payload's compact JSON */
#define JOBS_RESULT_MAX 65536   /* bytes of a result's compact JSON */
#define JOBS_ERROR_MAX 1000     /* bytes of last_error (cut on a UTF-8 boundary) */
#define JOBS_WORKER_ID_MAX 128  /* bytes of a worker id */
#define JOBS_SLEEP_MAX_MS 60000 /* the noop kind's longest sleep */

/* ---- kinds ---------------------------------------------------------------------------- */

/* What a handler reports for one attempt. */
typedef enum {
    JOBS_DONE = 0,   /* succeeded: run->j_result (may stay NULL) becomes the job's result */
    JOBS_RETRY,      /* this attempt failed (run->error says why): queued again after a
                      * backoff while attempts remain, else failed */
    JOBS_FAIL,       /* failed for good (a payload no attempt can run): failed now */
    JOBS_INTERRUPTED /* gave up because the worker is stopping (jobs_stopping()): the lease is
                      * released, the job is queued again and this attempt is not counted */
} jobs_outcome;

/* One attempt of one job, as its handler sees it. */
struct jobs_run {
    struct app *app;          /* the process context (pool, master key, config) */
    int64_t job_id, user_id;  /* user_id: the tenant whose services the handler calls */
    const char *kind;
    const json_t *j_payload;  /* borrowed: the payload object */
    int attempt;              /* 1 for the first run */
    int max_attempts;
    const char *worker_id;
    int64_t deadline_ms;      /* mono_ms() by which to return: the kind's timeout, always
                               * within the lease (see jobs_run_ms_left) */
    json_t *j_result;         /* out, on JOBS_DONE: a new reference the worker decrefs */
    char error[JOBS_ERROR_MAX + 1]; /* out, on JOBS_RETRY and JOBS_FAIL: why, for last_error */
};

/* A kind's handler: runs one attempt. Called on a worker thread, never on a request thread;
 * it may block (network, database) but returns by run->deadline_ms. */
typedef jobs_outcome (*jobs_run_fn)(struct jobs_run *run);

/* One row of the kinds table. */
struct jobs_kind {
    const char *name;    /* [a-z0-9_], 1..JOBS_KIND_MAX bytes, unique; NULL ends a table */
    jobs_run_fn run;
    int max_attempts;    /* 1..100: runs before the job is failed */
    int lease_seconds;   /* 1..86400: how long a claim holds the job; a worker that died is
                          * noticed this long after it claimed */
    int timeout_seconds; /* 1..lease_seconds: how long one attempt may run */
    int backoff_seconds; /* >= 1: base of the retry delay (jobs_backoff_seconds) */
};

/* The kinds this program runs (src/kinds.c), read top to bottom; ends with {NULL}. */
extern const struct jobs_kind jobs_kinds[];

/* A periodic task of the worker (cross-tenant housekeeping that enqueues jobs, such as the
 * daily refresh of listing sources): run on one of the worker's threads soon after it
 * starts, then every period_seconds, between jobs. It must be quick (a query, a few
 * enqueues), must not block on the network, and reports its own failures. Every worker
 * process runs it, so it must be harmless to run twice (enqueue with a dedup key). */
struct jobs_tick {
    const char *name;      /* NULL ends a table */
    void (*run)(struct app *a);
    int period_seconds;    /* >= 1 */
};
/* The ticks this program runs (src/kinds.c); ends with {NULL}. */
extern const struct jobs_tick jobs_ticks[];

/* The row of kinds named name, or NULL. */
const struct jobs_kind *jobs_kind_find(const struct jobs_kind *kinds, const char *name);
/* NULL when every row of kinds is well formed (names, bounds, no duplicate), else a static
 * sentence naming the first bad row's problem. */
const char *jobs_kinds_check(const struct jobs_kind *kinds);

/* Milliseconds the running handler has left (<= 0: return now). It is the time to
 * run->deadline_ms, shortened to the drain bound once the worker is stopping. */
int64_t jobs_run_ms_left(const struct jobs_run *run);
/* True once jobs_worker_stop has begun: a handler whose time ran out because of it returns
 * JOBS_INTERRUPTED. */
bool jobs_stopping(void);

/* ---- enqueue -------------------------------------------------------------------------- */

/* Enqueues a job of kind for user_id inside the caller's open tenant WRITE transaction on c
 * (db_begin_tenant_write(c, user_id)): it commits or rolls back with the caller's other rows.
 * j_payload: a JSON object (NULL: {}), at most JOBS_PAYLOAD_MAX bytes compact; borrowed.
 * dedup_key (NULL: none): while a job of (user, kind, dedup_key) is queued or running, this
 * returns that job's id with *created false instead of adding one (race-safe: a unique index
 * and ON CONFLICT). run_after: unix seconds when the job becomes due, 0 = now.
 * *id_out and *created (either may be NULL) are set on APP_OK.
 * Errors: APP_E_PARAM (kind not in jobs_kinds, bad key, payload or time; logged),
 * APP_E_UNAVAILABLE, APP_E_DB. On an error the caller's transaction must be rolled back. */
app_err jobs_enqueue(db_conn *c, int64_t user_id, const char *kind, const char *dedup_key,
                     const json_t *j_payload, int64_t run_after, int64_t *id_out,
                     bool *created);
/* Wakes this process's idle worker threads (jobs_enqueue does; call it again after the
 * enqueuing transaction commits to start the job without waiting for the next poll). */
void jobs_wake(void);

/* The delay before attempt + 1 after attempt (1-based) failed, in seconds, with rnd a
 * uniform random number: d = min(base * 2^(attempt - 1), 3600), then
 * delay = ceil(d / 2) + rnd mod (floor(d / 2) + 1), so between d/2 and d ("equal jitter"). */
int64_t jobs_backoff_seconds(int base, int attempt, uint32_t rnd);

/* ---- worker --------------------------------------------------------------------------- */


/* Starts threads worker threads that claim and run jobs of the kinds in kinds (a table like
 * jobs_kinds, which must outlive the worker) with the pool of a. worker_id (NULL: made from
 * the host name, process id and a random tag) names this worker in locked_by; at most
 * JOBS_WORKER_ID_MAX bytes. One worker per process. Returns 0, or -1 (logged) on bad
 * arguments, a bad kinds table, or a worker already running. */
int jobs_worker_start(struct app *a, const struct jobs_kind *kinds, int threads,
                      const char *worker_id);
/* Sets the periodic tasks of the next jobs_worker_start (NULL or an empty table: none; the
 * table must outlive the worker). Call before starting it. */
void jobs_worker_ticks(const struct jobs_tick *ticks);
/* Stops the worker: no new claims; running jobs get drain_seconds to finish, then their
 * handlers are told to stop (jobs_stopping) and, a moment later, the leases of any still
 * running are released back to queued. Returns when every thread is joined. No-op when no
 * worker runs. */
void jobs_worker_stop(int drain_seconds);

/* The arguments of `peterental worker [--threads N]` (argv[0] is "worker"): *threads is
 * set when --threads is given. 0 to go on; -1 after printing --help; 2 on a usage error
 * (printed). */
int jobs_cli_args(int argc, char **argv, int *threads);

/* ---- reads for the API ---------------------------------------------------------------- */

#define JOBS_LIMIT_DEFAULT 50
#define JOBS_LIMIT_MAX 200

/* A job as GET /jobs shows it. Strings are owned (jobs_job_cleanup). */
struct jobs_job {
    int64_t id;
    char kind[JOBS_KIND_MAX + 1];
    char state[16];      /* queued | running | succeeded | failed */
    int attempts, max_attempts;
    char run_after[32], created_at[32], updated_at[32]; /* RFC 3339 UTC */
    char *last_error;    /* NULL when none */
    char *result;        /* compact JSON text, NULL when none */
};
void jobs_job_cleanup(struct jobs_job *j);

/* GET /jobs filters; NULL strings mean any. Pages are newest first. */
struct jobs_filter {
    const char *state;
    const char *kind;
    int limit;           /* 1..JOBS_LIMIT_MAX */
    int64_t before_id;   /* 0: from the newest */
};
struct jobs_list {
    struct jobs_job *items; /* n items, NULL when none */
    int n;
    int64_t next_before; /* > 0: the cursor of the next page; 0: this was the last */
};
void jobs_list_cleanup(struct jobs_list *l);

/* The tenant's job id into *out: APP_E_NOTFOUND when missing or another tenant's;
 * APP_E_UNAVAILABLE, APP_E_DB. */
app_err jobs_get(struct app *a, int64_t user_id, int64_t id, struct jobs_job *out);
/* One page of the tenant's jobs into *out (jobs_list_cleanup, also on error). */
app_err jobs_list(struct app *a, int64_t user_id, const struct jobs_filter *f,
                  struct jobs_list *out);

/* Opaque page cursor for "jobs before id": a new string the caller free()s. */
char *jobs_cursor_encode(int64_t before_id);
/* Decodes a cursor; false when it is not one of ours. */
bool jobs_cursor_decode(const char *cursor, int64_t *before_id);

/* The job as GET /jobs/{id} shows it: a new reference the caller decrefs. */
json_t *jobs_job_json(const struct jobs_job *j);

/* Handlers (src/routes.c). */
int jobs_http_get(http_req *r);
int jobs_http_list(http_req *r);

/* Writes the job families to /metrics: queue depth by kind and state (every tenant, counted
 * in the database), and this process's job durations and failures by kind. */
void jobs_metrics_write(FILE *out, struct app *a);

/* ---- the diagnostic kind -------------------------------------------------------------- */

/* "noop": payload {"sleep_ms": 0..JOBS_SLEEP_MAX_MS, "fail": "message"}, both optional.
 * Sleeps sleep_ms (in steps, giving up when its time runs out: a retry after a timeout, or
 * JOBS_INTERRUPTED when the worker stops), then fails with the message when fail is given,
 * else succeeds with {"slept_ms", "attempt", "worker"}. Other members or types: JOBS_FAIL. */
jobs_outcome jobs_noop_run(struct jobs_run *run);

#endif
