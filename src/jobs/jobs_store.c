/* SPDX-License-Identifier: MIT */
/* All SQL for jobs, in both dialects: static statements with bound parameters. PostgreSQL
 * statements cast every parameter and format times as RFC 3339 UTC text (SQLite stores that
 * text already, to the second). The claim crosses tenants: on PostgreSQL it is the SECURITY
 * DEFINER function jobs_claim of migration 0006; on SQLite the same three steps run here in
 * the caller's write transaction. Every other statement names the tenant (user_id) and, on
 * PostgreSQL, runs under row-level security as well. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "jobs/jobs_internal.h"

/* ---- statements ----------------------------------------------------------------------- */

#define SL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
/* run_after and locked_until schedule: milliseconds, so a 1 s backoff or lease is not cut to
 * whatever remains of the current second. */
#define SL_NOW_MS "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
#define SL_MS_AFTER(secs) "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+' || " secs " || ' seconds')"
#define PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define PENDING "state IN ('queued', 'running')"

/* $1 user, $2 kind, $3 dedup key, $4 payload, $5 run_after (unix s, 0 = now),
 * $6 max attempts, $7 lease seconds. */
static const char SL_INSERT[] =
    "INSERT INTO jobs (user_id, kind, dedup_key, payload, run_after, max_attempts, "
    "lease_seconds) VALUES ($1, $2, $3, $4, CASE WHEN $5 = 0 THEN " SL_NOW_MS " ELSE "
    "strftime('%Y-%m-%dT%H:%M:%fZ', $5, 'unixepoch') END, $6, $7) "
    "ON CONFLICT (user_id, kind, dedup_key) WHERE " PENDING " DO NOTHING RETURNING id";
static const char PG_INSERT[] =
    "INSERT INTO jobs (user_id, kind, dedup_key, payload, run_after, max_attempts, "
    "lease_seconds) VALUES (CAST($1 AS bigint), CAST($2 AS text), CAST($3 AS text), "
    "CAST($4 AS jsonb), CASE WHEN CAST($5 AS bigint) = 0 THEN now() "
    "ELSE to_timestamp(CAST($5 AS bigint)) END, CAST($6 AS integer), CAST($7 AS integer)) "
    "ON CONFLICT (user_id, kind, dedup_key) WHERE " PENDING " DO NOTHING RETURNING id";
static const char SL_PENDING[] =
    "SELECT id FROM jobs WHERE user_id = $1 AND kind = $2 AND dedup_key = $3 AND " PENDING;
static const char PG_PENDING[] =
    "SELECT id FROM jobs WHERE user_id = CAST($1 AS bigint) AND kind = CAST($2 AS text) "
    "AND dedup_key = CAST($3 AS text) AND " PENDING;

/* SQLite claim, three steps in one write transaction (PostgreSQL: jobs_claim). */
#define SL_KINDS "kind IN (SELECT value FROM json_each($2))"
#define SL_EXPIRED "state = 'running' AND locked_until < " SL_NOW_MS
#define SL_CLAIM_SET                                                                      \
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, "          \
    "locked_until = " SL_MS_AFTER("lease_seconds") ", updated_at = " SL_NOW " "
#define CLAIM_COLS "id, user_id, kind, payload, attempts, max_attempts, lease_seconds"
static const char SL_FAIL_EXPIRED[] =
    "UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, "
    "last_error = 'the worker running its last attempt stopped (lease expired)', "
    "updated_at = " SL_NOW " WHERE " SL_EXPIRED " AND attempts >= max_attempts";
static const char SL_RECLAIM[] =
    SL_CLAIM_SET "WHERE id = (SELECT id FROM jobs WHERE " SL_EXPIRED " AND "
    "attempts < max_attempts AND " SL_KINDS " ORDER BY locked_until LIMIT 1) "
    "RETURNING " CLAIM_COLS;
static const char SL_CLAIM_QUEUED[] =
    SL_CLAIM_SET "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND "
    "run_after <= " SL_NOW_MS " AND " SL_KINDS " ORDER BY run_after, id LIMIT 1) "
    "RETURNING " CLAIM_COLS;
static const char SL_MAYBE_DUE[] =
    "SELECT EXISTS (SELECT 1 FROM jobs WHERE state = 'queued' AND run_after <= " SL_NOW_MS
    " AND kind IN (SELECT value FROM json_each($1))) OR EXISTS (SELECT 1 FROM jobs WHERE "
    "state = 'running' AND locked_until < " SL_NOW_MS ")";
static const char PG_CLAIM[] = "SELECT job_id, job_user_id, job_kind, job_payload, "
                               "job_attempts, job_max_attempts, job_lease_seconds "
                               "FROM jobs_claim(CAST($1 AS text), CAST($2 AS jsonb))";

/* Finishing: $1 user, $2 id, $3 worker, $4 attempt, then per statement. The lease must still
 * be this worker's. */
#define SL_OWNED \
    "WHERE user_id = $1 AND id = $2 AND state = 'running' AND locked_by = $3 AND attempts = $4"
#define PG_OWNED                                                                          \
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint) AND state = 'running' " \
    "AND locked_by = CAST($3 AS text) AND attempts = CAST($4 AS integer)"
#define UNLOCK "locked_by = NULL, locked_until = NULL"
/* $5 result */
static const char SL_SUCCEED[] =
    "UPDATE jobs SET state = 'succeeded', result = $5, last_error = NULL, " UNLOCK ", "
    "updated_at = " SL_NOW " " SL_OWNED " RETURNING state";
static const char PG_SUCCEED[] =
    "UPDATE jobs SET state = 'succeeded', result = CAST($5 AS jsonb), last_error = NULL, "
    UNLOCK ", updated_at = now() " PG_OWNED " RETURNING state";
/* $5 error, $6 delay seconds, $7 1 = no further attempt */
static const char SL_FAIL[] =
    "UPDATE jobs SET state = CASE WHEN $7 = 1 OR attempts >= max_attempts THEN 'failed' "
    "ELSE 'queued' END, run_after = CASE WHEN $7 = 1 OR attempts >= max_attempts "
    "THEN run_after ELSE " SL_MS_AFTER("$6") " END, "
    "last_error = $5, " UNLOCK ", updated_at = " SL_NOW " " SL_OWNED " RETURNING state";
static const char PG_FAIL[] =
    "UPDATE jobs SET state = CASE WHEN CAST($7 AS integer) = 1 OR attempts >= max_attempts "
    "THEN 'failed' ELSE 'queued' END, run_after = CASE WHEN CAST($7 AS integer) = 1 OR "
    "attempts >= max_attempts THEN run_after ELSE now() + make_interval(secs => "
    "CAST($6 AS bigint)) END, last_error = CAST($5 AS text), " UNLOCK ", updated_at = now() "
    PG_OWNED " RETURNING state";
static const char SL_RELEASE[] =
    "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_after = " SL_NOW_MS ", "
    UNLOCK ", updated_at = " SL_NOW " " SL_OWNED " RETURNING state";
static const char PG_RELEASE[] =
    "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_after = now(), " UNLOCK
    ", updated_at = now() " PG_OWNED " RETURNING state";

/* Reads for the API; column order read by row_to_job. */
#define SL_COLS                                                                           \
    "id, kind, state, attempts, max_attempts, substr(run_after, 1, 19) || 'Z', "          \
    "created_at, updated_at, last_error, result"
#define PG_COLS                                                                           \
    "id, kind, state, attempts, max_attempts, " PG_TS("run_after") ", " PG_TS("created_at") \
    ", " PG_TS("updated_at") ", last_error, result::text"
static const char SL_GET[] = "SELECT " SL_COLS " FROM jobs WHERE user_id = $1 AND id = $2";
static const char PG_GET[] = "SELECT " PG_COLS " FROM jobs WHERE user_id = CAST($1 AS bigint) "
                             "AND id = CAST($2 AS bigint)";
/* $1 user, $2 before id (0: none), $3 state, $4 kind, $5 limit */
static const char SL_LIST[] =
    "SELECT " SL_COLS " FROM jobs WHERE user_id = $1 AND ($2 = 0 OR id < $2) "
    "AND ($3 IS NULL OR state = $3) AND ($4 IS NULL OR kind = $4) ORDER BY id DESC LIMIT $5";
static const char PG_LIST[] =
    "SELECT " PG_COLS " FROM jobs WHERE user_id = CAST($1 AS bigint) "
    "AND (CAST($2 AS bigint) = 0 OR id < CAST($2 AS bigint)) "
    "AND (CAST($3 AS text) IS NULL OR state = CAST($3 AS text)) "
    "AND (CAST($4 AS text) IS NULL OR kind = CAST($4 AS text)) "
    "ORDER BY id DESC LIMIT CAST($5 AS integer)";

static const char SL_DEPTH[] = "SELECT kind, state, count(*) FROM jobs WHERE " PENDING
                               " GROUP BY kind, state ORDER BY kind, state";
static const char PG_DEPTH[] =
    "SELECT job_kind, job_state, job_count FROM jobs_depth() ORDER BY 1, 2";

static bool is_pg(const db_conn *c) { return db_conn_dialect(c) == DB_POSTGRES; }
#define SQL(c, name) (is_pg(c) ? PG_##name : SL_##name)

/* ---- helpers -------------------------------------------------------------------------- */

static app_err fail(db_conn *c, db_err e, const char *what)
{
    LOG_E("%s: %s", what, db_errmsg(c));
    return db_app_err(e);
}

static void copy_cell(const db_res *res, int row, int col, char *dst, size_t cap)
{
    const char *s = db_res_text(res, row, col);
    snprintf(dst, cap, "%s", s ? s : "");
}

static char *dup_cell(const db_res *res, int row, int col)
{
    const char *s = db_res_text(res, row, col);
    return s ? mem_strdup(s) : NULL;
}

void jobs_claim_cleanup(struct jobs_claim *j)
{
    if (!j)
        return;
    free(j->payload);
    j->payload = NULL;
}

/* ---- enqueue -------------------------------------------------------------------------- */

app_err jobs_store_insert(db_conn *c, int64_t user_id, const char *kind, const char *dedup_key,
                          const char *payload, int64_t run_after, int max_attempts,
                          int lease_seconds, int64_t *id, bool *created)
{
    db_param p[] = {DB_INT(user_id),    DB_TEXT(kind),          DB_TEXT(dedup_key),
                    DB_TEXT(payload),   DB_INT(run_after),      DB_INT(max_attempts),
                    DB_INT(lease_seconds)};
    /* Insert first; on a conflict read the pending job. Between the two, that job may end
     * (then the insert succeeds on the next round), so a few rounds settle it. */
    for (int round = 0; round < 3; round++) {
        db_res *r = NULL;
        db_err e = db_exec(c, SQL(c, INSERT), p, 7, &r);
        if (e != DB_OK)
            return fail(c, e, "enqueue");
        if (db_res_rows(r) == 1) {
            *id = db_res_int(r, 0, 0);
            *created = true;
            db_res_free(r);
            return APP_OK;
        }
        db_res_free(r);
        if (!dedup_key)
            break;
        e = db_exec(c, SQL(c, PENDING), p, 3, &r);
        if (e != DB_OK)
            return fail(c, e, "enqueue: pending job");
        bool found = db_res_rows(r) == 1;
        if (found) {
            *id = db_res_int(r, 0, 0);
            *created = false;
        }
        db_res_free(r);
        if (found)
            return APP_OK;
    }
    LOG_E("enqueue: no row inserted and no pending job found for kind %s", kind);
    return APP_E_DB;
}

/* ---- claim ---------------------------------------------------------------------------- */

app_err jobs_store_maybe_due(db_conn *c, const char *kinds_json, bool *due)
{
    if (is_pg(c)) {
        *due = true;
        return APP_OK;
    }
    db_param p[] = {DB_TEXT(kinds_json)};
    db_res *r = NULL;
    db_err e = db_exec(c, SL_MAYBE_DUE, p, 1, &r);
    if (e != DB_OK)
        return fail(c, e, "claim: due check");
    *due = db_res_rows(r) == 1 && db_res_bool(r, 0, 0);
    db_res_free(r);
    return APP_OK;
}

/* Fills out from a claimed row; APP_E_NOTFOUND when r has none. */
static app_err claimed(const db_res *r, struct jobs_claim *out)
{
    if (db_res_rows(r) < 1)
        return APP_E_NOTFOUND;
    out->id = db_res_int(r, 0, 0);
    out->user_id = db_res_int(r, 0, 1);
    copy_cell(r, 0, 2, out->kind, sizeof out->kind);
    out->payload = mem_strdup(db_res_text(r, 0, 3) ? db_res_text(r, 0, 3) : "");
    out->attempt = (int)db_res_int(r, 0, 4);
    out->max_attempts = (int)db_res_int(r, 0, 5);
    out->lease_seconds = (int)db_res_int(r, 0, 6);
    return APP_OK;
}

app_err jobs_store_claim(db_conn *c, const char *worker_id, const char *kinds_json,
                         struct jobs_claim *out)
{
    db_param p[] = {DB_TEXT(worker_id), DB_TEXT(kinds_json)};
    db_res *r = NULL;
    db_err e;
    if (is_pg(c)) {
        db_last_statement(c);
        e = db_exec(c, PG_CLAIM, p, 2, &r);
    } else {
        e = db_exec(c, SL_FAIL_EXPIRED, NULL, 0, NULL);
        if (e == DB_OK)
            e = db_exec(c, SL_RECLAIM, p, 2, &r);
        if (e == DB_OK && db_res_rows(r) == 0) {
            db_res_free(r);
            r = NULL;
            e = db_exec(c, SL_CLAIM_QUEUED, p, 2, &r);
        }
    }
    if (e != DB_OK) {
        db_res_free(r);
        return fail(c, e, "claim");
    }
    app_err rc = claimed(r, out);
    db_res_free(r);
    return rc;
}

/* ---- finish --------------------------------------------------------------------------- */

app_err jobs_store_finish(db_conn *c, const struct jobs_claim *job, const char *worker_id,
                          const struct jobs_end *end, char *state_out)
{
    db_param p[7] = {DB_INT(job->user_id), DB_INT(job->id), DB_TEXT(worker_id),
                     DB_INT(job->attempt)};
    const char *sql;
    int n = 4;
    switch (end->outcome) {
    case JOBS_DONE:
        sql = SQL(c, SUCCEED);
        p[n++] = DB_TEXT(end->result);
        break;
    case JOBS_INTERRUPTED:
        sql = SQL(c, RELEASE);
        break;
    case JOBS_RETRY:
    case JOBS_FAIL:
    default:
        sql = SQL(c, FAIL);
        p[n++] = DB_TEXT(end->error ? end->error : "failed");
        p[n++] = DB_INT(end->delay_s > 0 ? end->delay_s : 1);
        p[n++] = DB_INT(end->outcome == JOBS_RETRY ? 0 : 1);
        break;
    }
    db_res *r = NULL;
    db_err e = db_exec(c, sql, p, n, &r);
    if (e != DB_OK)
        return fail(c, e, "finish");
    app_err rc = db_res_rows(r) == 1 ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK && state_out)
        copy_cell(r, 0, 0, state_out, 16);
    db_res_free(r);
    return rc;
}

/* ---- reads ---------------------------------------------------------------------------- */

void jobs_job_cleanup(struct jobs_job *j)
{
    if (!j)
        return;
    free(j->last_error);
    free(j->result);
    j->last_error = j->result = NULL;
}

void jobs_list_cleanup(struct jobs_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        jobs_job_cleanup(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static void row_to_job(const db_res *r, int row, struct jobs_job *out)
{
    out->id = db_res_int(r, row, 0);
    copy_cell(r, row, 1, out->kind, sizeof out->kind);
    copy_cell(r, row, 2, out->state, sizeof out->state);
    out->attempts = (int)db_res_int(r, row, 3);
    out->max_attempts = (int)db_res_int(r, row, 4);
    copy_cell(r, row, 5, out->run_after, sizeof out->run_after);
    copy_cell(r, row, 6, out->created_at, sizeof out->created_at);
    copy_cell(r, row, 7, out->updated_at, sizeof out->updated_at);
    out->last_error = dup_cell(r, row, 8);
    out->result = dup_cell(r, row, 9);
}

app_err jobs_store_get(db_conn *c, int64_t user_id, int64_t id, struct jobs_job *out)
{
    db_param p[] = {DB_INT(user_id), DB_INT(id)};
    db_res *r = NULL;
    db_err e = db_exec(c, SQL(c, GET), p, 2, &r);
    if (e != DB_OK)
        return fail(c, e, "job");
    app_err rc = db_res_rows(r) == 1 ? APP_OK : APP_E_NOTFOUND;
    if (rc == APP_OK)
        row_to_job(r, 0, out);
    db_res_free(r);
    return rc;
}

app_err jobs_store_list(db_conn *c, int64_t user_id, const struct jobs_filter *f,
                        struct jobs_list *out)
{
    /* One row more than the page: whether a next page exists. */
    db_param p[] = {DB_INT(user_id), DB_INT(f->before_id), DB_TEXT(f->state),
                    DB_TEXT(f->kind), DB_INT(f->limit + 1)};
    db_res *r = NULL;
    memset(out, 0, sizeof *out);
    db_err e = db_exec(c, SQL(c, LIST), p, 5, &r);
    if (e != DB_OK)
        return fail(c, e, "jobs");
    int rows = db_res_rows(r);
    int n = rows > f->limit ? f->limit : rows;
    out->items = n ? mem_zalloc((size_t)n, sizeof *out->items) : NULL;
    for (int i = 0; i < n; i++)
        row_to_job(r, i, &out->items[i]);
    out->n = n;
    out->next_before = rows > f->limit && n > 0 ? out->items[n - 1].id : 0;
    db_res_free(r);
    return APP_OK;
}

app_err jobs_store_depth(db_conn *c, struct jobs_depth_row *rows, int *n)
{
    db_res *r = NULL;
    db_err e = db_exec(c, SQL(c, DEPTH), NULL, 0, &r);
    *n = 0;
    if (e != DB_OK)
        return fail(c, e, "queue depth");
    for (int i = 0; i < db_res_rows(r) && *n < JOBS_DEPTH_ROWS; i++) {
        struct jobs_depth_row *d = &rows[(*n)++];
        copy_cell(r, i, 0, d->kind, sizeof d->kind);
        copy_cell(r, i, 1, d->state, sizeof d->state);
        d->count = db_res_int(r, i, 2);
    }
    db_res_free(r);
    return APP_OK;
}
