/* SPDX-License-Identifier: MIT */
/* Jobs rules: validating and enqueueing in the caller's transaction, the kinds table checks,
 * the retry backoff, the transactions of the worker's claim and finish steps and of the API
 * reads, and the page cursors. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/cursor.h"
#include "core/mem.h"
#include "core/text.h"
#include "jobs/jobs_internal.h"

/* ---- kinds ---------------------------------------------------------------------------- */

const struct jobs_kind *jobs_kind_find(const struct jobs_kind *kinds, const char *name)
{
    for (const struct jobs_kind *k = kinds; k && k->name && name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > JOBS_KIND_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

const char *jobs_kinds_check(const struct jobs_kind *kinds)
{
    if (!kinds || !kinds->name)
        return "the kinds table is empty";
    for (const struct jobs_kind *k = kinds; k->name; k++) {
        if (!name_ok(k->name))
            return "a kind name is not 1-64 characters of a-z, 0-9 and _";
        if (jobs_kind_find(kinds, k->name) != k)
            return "a kind name appears twice";
        if (!k->run)
            return "a kind has no run function";
        if (k->max_attempts < 1 || k->max_attempts > 100)
            return "a kind's max_attempts is not 1..100";
        if (k->lease_seconds < 1 || k->lease_seconds > 86400)
            return "a kind's lease_seconds is not 1..86400";
        if (k->timeout_seconds < 1 || k->timeout_seconds > k->lease_seconds)
            return "a kind's timeout_seconds is not 1..lease_seconds";
        if (k->backoff_seconds < 1 || k->backoff_seconds > 3600)
            return "a kind's backoff_seconds is not 1..3600";
    }
    return NULL;
}

/* ---- enqueue -------------------------------------------------------------------------- */

#define RUN_AFTER_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

app_err jobs_enqueue(db_conn *c, int64_t user_id, const char *kind, const char *dedup_key,
                     const json_t *j_payload, int64_t run_after, int64_t *id_out,
                     bool *created)
{
    const struct jobs_kind *k = jobs_kind_find(jobs_kinds, kind);
    if (!k) {
        LOG_E("enqueue: unknown job kind (not in src/kinds.c)");
        return APP_E_PARAM;
    }
    if (user_id <= 0 || run_after < 0 || run_after > RUN_AFTER_MAX ||
        (j_payload && !json_is_object(j_payload))) {
        LOG_E("enqueue %s: bad tenant, run_after or payload (not an object)", kind);
        return APP_E_PARAM;
    }
    if (dedup_key && (!*dedup_key || strlen(dedup_key) > JOBS_DEDUP_MAX ||
                      !text_utf8_valid(dedup_key))) {
        LOG_E("enqueue %s: the dedup key is empty, too long or not UTF-8", kind);
        return APP_E_PARAM;
    }
    json_t *j_empty = j_payload ? NULL : json_object();
    char *payload = json_dumps(j_payload ? j_payload : j_empty, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j_empty);
    if (!payload)
        mem_oom();
    app_err rc = APP_E_PARAM;
    int64_t id = 0;
    bool fresh = false;
    if (strlen(payload) > JOBS_PAYLOAD_MAX)
        LOG_E("enqueue %s: the payload is over %d bytes", kind, JOBS_PAYLOAD_MAX);
    else
        rc = jobs_store_insert(c, user_id, kind, dedup_key, payload, run_after,
                               k->max_attempts, k->lease_seconds, &id, &fresh);
    free(payload);
    if (rc != APP_OK)
        return rc;
    if (id_out)
        *id_out = id;
    if (created)
        *created = fresh;
    if (fresh)
        jobs_wake();
    return APP_OK;
}

int64_t jobs_backoff_seconds(int base, int attempt, uint32_t rnd)
{
    int64_t d = base < 1 ? 1 : base;
    for (int i = 1; i < attempt && d < 3600; i++)
        d *= 2;
    if (d > 3600)
        d = 3600;
    int64_t half = d / 2;
    return (d - half) + (int64_t)(rnd % (uint32_t)(half + 1));
}

/* ---- the worker's steps --------------------------------------------------------------- */

app_err jobs_claim_next(db *d, const char *worker_id, const char *kinds_json,
                        struct jobs_claim *out)
{
    db_conn *c = NULL;
    bool due = false;
    db_err e = db_acquire(d, &c);
    if (e != DB_OK)
        return db_app_err(e);
    app_err rc = jobs_store_maybe_due(c, kinds_json, &due);
    if (rc == APP_OK && !due)
        rc = APP_E_NOTFOUND;
    if (rc == APP_OK) {
        e = db_begin(c);
        rc = e == DB_OK ? jobs_store_claim(c, worker_id, kinds_json, out) : db_app_err(e);
        /* also without a job: the claim may have failed jobs whose last lease expired */
        if ((rc == APP_OK || rc == APP_E_NOTFOUND) && (e = db_commit(c)) != DB_OK) {
            if (rc == APP_OK)
                jobs_claim_cleanup(out);
            rc = db_app_err(e);
        }
    }
    db_release(c); /* rolls back what did not commit */
    return rc;
}

app_err jobs_finish(db *d, const struct jobs_claim *job, const char *worker_id,
                    const struct jobs_end *end, char *state_out)
{
    db_conn *c = NULL;
    db_err e = db_acquire(d, &c);
    if (e != DB_OK)
        return db_app_err(e);
    app_err rc = APP_OK;
    if ((e = db_begin_tenant_write(c, job->user_id)) != DB_OK)
        rc = db_app_err(e);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = jobs_store_finish(c, job, worker_id, end, state_out);
    }
    if (rc == APP_OK && (e = db_commit(c)) != DB_OK)
        rc = db_app_err(e);
    db_release(c);
    return rc;
}

app_err jobs_queue_depth(db *d, struct jobs_depth_row *rows, int *n)
{
    db_conn *c = NULL;
    *n = 0;
    db_err e = db_acquire(d, &c);
    if (e != DB_OK)
        return db_app_err(e);
    app_err rc = jobs_store_depth(c, rows, n);
    db_release(c);
    return rc;
}

/* ---- reads for the API ---------------------------------------------------------------- */

/* A tenant read transaction on a borrowed connection. */
static app_err begin_read(struct app *a, int64_t user_id, db_conn **out)
{
    db_conn *c = NULL;
    db_err e = db_acquire(a->db, &c);
    if (e == DB_OK && (e = db_begin_tenant(c, user_id)) != DB_OK)
        db_release(c);
    if (e != DB_OK)
        return db_app_err(e);
    db_last_statement(c); /* one statement: PostgreSQL commits in its round trip */
    *out = c;
    return APP_OK;
}

static app_err end_read(db_conn *c, app_err rc)
{
    if (rc == APP_OK) {
        db_err e = db_commit(c);
        if (e != DB_OK)
            rc = db_app_err(e);
    }
    db_release(c);
    return rc;
}

app_err jobs_get(struct app *a, int64_t user_id, int64_t id, struct jobs_job *out)
{
    db_conn *c = NULL;
    memset(out, 0, sizeof *out);
    app_err rc = begin_read(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = end_read(c, jobs_store_get(c, user_id, id, out));
    if (rc != APP_OK)
        jobs_job_cleanup(out);
    return rc;
}

app_err jobs_list(struct app *a, int64_t user_id, const struct jobs_filter *f,
                  struct jobs_list *out)
{
    db_conn *c = NULL;
    memset(out, 0, sizeof *out);
    app_err rc = begin_read(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = end_read(c, jobs_store_list(c, user_id, f, out));
    if (rc != APP_OK)
        jobs_list_cleanup(out);
    return rc;
}

/* ---- cursors -------------------------------------------------------------------------- */

#define CURSOR_TAG "j1" /* core/cursor.h */

char *jobs_cursor_encode(int64_t before_id)
{
    return cursor_encode(CURSOR_TAG, &before_id, 1);
}

bool jobs_cursor_decode(const char *cursor, int64_t *before_id)
{
    return cursor_decode(CURSOR_TAG, cursor, before_id, 1);
}
