/* SPDX-License-Identifier: MIT */
/* What only src/jobs/ (and its tests) call: the store (all SQL, jobs_store.c), the claim and
 * finish steps the worker runs (jobs_service.c), and the worker's metrics counters
 * (jobs_metrics.c). */
#ifndef PETE_JOBS_INTERNAL_H
#define PETE_JOBS_INTERNAL_H

#include "jobs/jobs.h"

/* A claimed job: what the worker needs to run and finish it. */
struct jobs_claim {
    int64_t id, user_id;
    char kind[JOBS_KIND_MAX + 1];
    char *payload; /* JSON text, owned (jobs_claim_cleanup) */
    int attempt;   /* attempts after this claim: with the worker id, the lease's identity */
    int max_attempts;
    int lease_seconds;
};
void jobs_claim_cleanup(struct jobs_claim *j);

/* How an attempt ended, as the store records it. */
struct jobs_end {
    jobs_outcome outcome;
    const char *result; /* JOBS_DONE: compact JSON text or NULL */
    const char *error;  /* JOBS_RETRY, JOBS_FAIL: at most JOBS_ERROR_MAX bytes */
    int64_t delay_s;    /* JOBS_RETRY: seconds until the next attempt is due */
};

/* ---- store (the caller holds the transaction named) ----------------------------------- */

/* Inserts a job (tenant write transaction of user_id) or finds the pending one with the same
 * (user, kind, dedup_key): *created says which. run_after: unix seconds, 0 = now. */
app_err jobs_store_insert(db_conn *c, int64_t user_id, const char *kind, const char *dedup_key,
                          const char *payload, int64_t run_after, int max_attempts,
                          int lease_seconds, int64_t *id, bool *created);
/* Whether a claim could find a job of kinds_json (a JSON array of names), read without
 * taking the write lock (no transaction needed). SQLite looks; PostgreSQL answers true
 * without a query (its claim takes no table lock, and the serving role sees one tenant). */
app_err jobs_store_maybe_due(db_conn *c, const char *kinds_json, bool *due);
/* Claims one due job of kinds_json for worker_id into *out (plain write transaction,
 * db_begin): first fails jobs whose lease ran out on their last attempt, then takes a job
 * whose lease ran out, else the oldest due queued job. APP_E_NOTFOUND when none. On
 * PostgreSQL it is one statement (the function jobs_claim), marked the transaction's last
 * (db_last_statement: it commits in its round trip; db_commit reports); on SQLite three. */
app_err jobs_store_claim(db_conn *c, const char *worker_id, const char *kinds_json,
                         struct jobs_claim *out);
/* Records how job's attempt ended (tenant write transaction of job->user_id), only while the
 * lease is still this worker's (state running, locked_by = worker_id, attempts =
 * job->attempt): APP_E_NOTFOUND otherwise. state_out (16 bytes, may be NULL) receives the
 * new state. JOBS_INTERRUPTED releases the lease and takes the attempt back. */
app_err jobs_store_finish(db_conn *c, const struct jobs_claim *job, const char *worker_id,
                          const struct jobs_end *end, char *state_out);
/* The tenant's job id (tenant transaction). */
app_err jobs_store_get(db_conn *c, int64_t user_id, int64_t id, struct jobs_job *out);
/* One page of the tenant's jobs, newest first (tenant transaction). */
app_err jobs_store_list(db_conn *c, int64_t user_id, const struct jobs_filter *f,
                        struct jobs_list *out);

/* Pending jobs of every tenant by kind and state. */
struct jobs_depth_row {
    char kind[JOBS_KIND_MAX + 1];
    char state[16];
    int64_t count;
};
#define JOBS_DEPTH_ROWS 128 /* rows beyond this many (kinds x states) are not reported */
/* Fills rows (JOBS_DEPTH_ROWS) and *n; no transaction needed. */
app_err jobs_store_depth(db_conn *c, struct jobs_depth_row *rows, int *n);

/* ---- service steps of the worker ------------------------------------------------------ */

/* Borrows a connection and claims one job (jobs_store_claim in its transaction). */
app_err jobs_claim_next(db *d, const char *worker_id, const char *kinds_json,
                        struct jobs_claim *out);
/* Records the end of an attempt in the job's tenant transaction (jobs_store_finish). */
app_err jobs_finish(db *d, const struct jobs_claim *job, const char *worker_id,
                    const struct jobs_end *end, char *state_out);
/* Queue depth (jobs_store_depth) with a borrowed connection. */
app_err jobs_queue_depth(db *d, struct jobs_depth_row *rows, int *n);

/* ---- metrics (jobs_metrics.c) --------------------------------------------------------- */

/* Records one finished attempt of kind (a name in jobs_kinds; others are not counted):
 * its run time, and whether it failed (JOBS_RETRY or JOBS_FAIL). */
void jobs_metrics_observe(const char *kind, jobs_outcome outcome, int64_t micros);

#endif
