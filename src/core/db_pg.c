/* SPDX-License-Identifier: MIT */
/* The PostgreSQL driver over libpq: statements with every parameter sent as text (the server
 * infers types from context), results copied into a db_res, SQLSTATE mapped to db_err.
 * Also the role switch that keeps row-level security effective: requests are served by the
 * unprivileged role peterental_app, never by a superuser or a BYPASSRLS role. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_internal.h"
#include "core/log.h"

#define PARAMS_ON_STACK 16
#define NUM_TEXT 40

/* Per-connection state. A transaction's BEGIN (and tenant setting) is held back and sent in
 * one pipelined round trip with its first statement: BEGIN + set_config + query + COMMIT
 * cost two round trips instead of four. */
struct pgc {
    PGconn *h;
    bool pending;        /* BEGIN not sent yet */
    bool pending_tenant; /* ...followed by set_config('app.user_id', pending_uid) */
    int64_t pending_uid;
};

static PGconn *pg(db_conn *c) { return ((struct pgc *)c->h)->h; }
static struct pgc *state(db_conn *c) { return c->h; }

static const char q_tenant[] = "SELECT set_config('app.user_id', $1, true)";

static void notice_to_log(void *arg, const char *msg)
{
    (void)arg;
    LOG_D("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

static db_err pg_connect(db_conn *c)
{
    /* The URL (expanded as dbname) is processed after these defaults, so its own
     * connect_timeout or application_name, when present, wins. */
    static const char *const keys[] = {"connect_timeout", "application_name",
                                       "client_encoding", "dbname", NULL};
    const char *vals[] = {"5", "peterental", "UTF8", c->owner->url, NULL};
    PGconn *h = PQconnectdbParams(keys, vals, 1);
    if (!h) {
        db_conn_seterr(c, "out of memory");
        return DB_E_CONN;
    }
    if (PQstatus(h) != CONNECTION_OK) {
        db_conn_seterr(c, "%s", PQerrorMessage(h));
        PQfinish(h);
        return DB_E_CONN;
    }
    PQsetNoticeProcessor(h, notice_to_log, NULL);
    struct pgc *p = db_xalloc(sizeof *p);
    p->h = h;
    c->h = p;
    return DB_OK;
}

static void pg_disconnect(db_conn *c)
{
    PQfinish(pg(c));
    free(c->h);
    c->h = NULL;
}

static bool pg_alive(db_conn *c) { return PQstatus(pg(c)) == CONNECTION_OK; }

static bool pg_in_tx(db_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(pg(c));
    return state(c)->pending || t == PQTRANS_INTRANS || t == PQTRANS_INERROR ||
           t == PQTRANS_ACTIVE;
}

static bool pg_ping(db_conn *c)
{
    PGresult *res = PQexec(pg(c), "");
    bool ok = PQresultStatus(res) == PGRES_EMPTY_QUERY;
    PQclear(res);
    return ok && pg_alive(c);
}

static db_err map_state(db_conn *c, const PGresult *res)
{
    if (PQstatus(pg(c)) != CONNECTION_OK)
        return DB_E_CONN;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!st)
        return DB_E_OTHER;
    if (!strcmp(st, "23505") || !strcmp(st, "23P01"))
        return DB_E_UNIQUE;
    if (!strncmp(st, "23", 2))
        return DB_E_CONSTRAINT;
    if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03"))
        return DB_E_BUSY;
    if (!strncmp(st, "08", 2))
        return DB_E_CONN;
    return DB_E_OTHER;
}

/* Records why res failed (primary message only: details may quote row values), frees res. */
static db_err fail(db_conn *c, PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    db_conn_seterr(c, "%s", msg ? msg : PQerrorMessage(pg(c)));
    db_err e = map_state(c, res);
    PQclear(res);
    return e;
}

static db_res *materialise(const PGresult *res)
{
    int nf = PQnfields(res), nt = PQntuples(res);
    db_res *r = db_res_new(nf);
    for (int row = 0; row < nt; row++) {
        for (int col = 0; col < nf; col++) {
            if (PQgetisnull(res, row, col))
                db_res_push(r, NULL, 0);
            else
                db_res_push(r, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
        }
    }
    const char *n = PQcmdTuples((PGresult *)res);
    bool select = !strncmp(PQcmdStatus((PGresult *)res), "SELECT", 6);
    db_res_finish(r, (!select && n && *n) ? strtoll(n, NULL, 10) : 0);
    return r;
}

static bool res_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

/* Consumes res: OK statuses fill *out (when out), errors are recorded. */
static db_err finish(db_conn *c, PGresult *res, db_res **out)
{
    if (!res_ok(res))
        return fail(c, res);
    if (out)
        *out = materialise(res);
    PQclear(res);
    return DB_OK;
}

/* The shortest decimal text that reads back as exactly d. */
static void double_text(double d, char buf[NUM_TEXT])
{
    if (isnan(d)) {
        strcpy(buf, "NaN");
        return;
    }
    if (isinf(d)) {
        strcpy(buf, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, NUM_TEXT, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

static const char *param_text(const db_param *p, char buf[NUM_TEXT])
{
    switch (p->t) {
    case DBP_INT: snprintf(buf, NUM_TEXT, "%" PRId64, p->i); return buf;
    case DBP_DOUBLE: double_text(p->d, buf); return buf;
    case DBP_BOOL: return p->i ? "true" : "false";
    case DBP_TEXT: return p->s;
    case DBP_NULL: break;
    }
    return NULL;
}

/* Reads the results of nq pipelined queries into res[] (first result of each), then the
 * sync point. Stops early when the connection breaks. */
static void collect(PGconn *h, PGresult **res, int nq)
{
    for (int i = 0; i < nq; i++) {
        PGresult *r;
        while ((r = PQgetResult(h)) != NULL) {
            if (res[i])
                PQclear(r);
            else
                res[i] = r;
        }
        if (PQstatus(h) != CONNECTION_OK)
            return;
    }
    for (int tries = 0; tries < 4; tries++) {
        PGresult *r = PQgetResult(h);
        bool sync = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync || PQstatus(h) != CONNECTION_OK)
            return;
    }
}

/* BEGIN, the tenant setting when asked, and sql in one round trip; returns sql's result or
 * the first failure (a NULL result when sending failed). */
static PGresult *pipelined(PGconn *h, bool tenant, int64_t uid, const char *sql, int n,
                           const char *const *vals)
{
    char num[NUM_TEXT];
    db_param up = DB_INT(uid);
    const char *uv[] = {param_text(&up, num)};
    PGresult *res[3] = {NULL, NULL, NULL};
    int nq = tenant ? 3 : 2;
    bool sent = PQenterPipelineMode(h) &&
                PQsendQueryParams(h, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
                (!tenant || PQsendQueryParams(h, q_tenant, 1, NULL, uv, NULL, NULL, 0)) &&
                PQsendQueryParams(h, sql, n, NULL, vals, NULL, NULL, 0) && PQpipelineSync(h);
    if (sent)
        collect(h, res, nq);
    PQexitPipelineMode(h);
    PGresult *out = NULL;
    for (int i = 0; i < nq; i++) {
        if (!out && (i == nq - 1 || !res_ok(res[i])))
            out = res[i];
        else
            PQclear(res[i]);
    }
    return out;
}

/* Runs sql, first sending the held-back BEGIN if any. A connection found broken at that
 * point is reopened and the whole transaction start retried once: nothing of it ran. */
static PGresult *run(db_conn *c, const char *sql, int n, const char *const *vals)
{
    struct pgc *p = state(c);
    if (!p->pending)
        return PQexecParams(p->h, sql, n, NULL, vals, NULL, NULL, 0);
    bool tenant = p->pending_tenant;
    int64_t uid = p->pending_uid;
    p->pending = false;
    PGresult *res = pipelined(p->h, tenant, uid, sql, n, vals);
    if (PQstatus(p->h) == CONNECTION_OK)
        return res;
    PQclear(res);
    db_err e = db_conn_reopen(c);
    if (e != DB_OK)
        return NULL;
    return pipelined(pg(c), tenant, uid, sql, n, vals);
}

static db_err pg_exec(db_conn *c, const char *sql, const db_param *params, int nparams,
                      db_res **out)
{
    const char *vals_stack[PARAMS_ON_STACK] = {0};
    char num_stack[PARAMS_ON_STACK][NUM_TEXT];
    const char **vals = vals_stack;
    char(*num)[NUM_TEXT] = num_stack;
    if (nparams > PARAMS_ON_STACK) {
        vals = db_xalloc((size_t)nparams * sizeof *vals);
        num = db_xalloc((size_t)nparams * sizeof *num);
    }
    for (int i = 0; i < nparams; i++)
        vals[i] = param_text(&params[i], num[i]);
    PGresult *res = run(c, sql, nparams, vals);
    if (vals != vals_stack) {
        free(vals);
        free(num);
    }
    if (!c->h) { /* reopening failed: c->errbuf says why */
        PQclear(res);
        return DB_E_CONN;
    }
    return finish(c, res, out);
}

static db_err simple(db_conn *c, const char *sql) { return finish(c, PQexec(pg(c), sql), NULL); }

static db_err pg_exec_script(db_conn *c, const char *sql)
{
    if (state(c)->pending) { /* scripts use the simple protocol: no pipelining */
        db_err e = pg_exec(c, "SELECT 1", NULL, 0, NULL);
        if (e != DB_OK)
            return e;
    }
    return simple(c, sql);
}

static db_err pg_begin(db_conn *c, db_tx_kind kind, int64_t user_id)
{
    struct pgc *p = state(c);
    p->pending = true;
    p->pending_tenant = kind != DB_TX_PLAIN;
    p->pending_uid = user_id;
    return DB_OK;
}

static db_err pg_commit(db_conn *c)
{
    if (state(c)->pending) { /* nothing ran */
        state(c)->pending = false;
        return DB_OK;
    }
    PGresult *res = PQexec(pg(c), "COMMIT");
    if (PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "ROLLBACK")) {
        /* COMMIT of a failed transaction succeeds as a rollback: not a success. */
        PQclear(res);
        db_conn_seterr(c, "transaction was rolled back after an earlier error");
        return DB_E_OTHER;
    }
    return finish(c, res, NULL);
}

static db_err pg_rollback(db_conn *c)
{
    if (state(c)->pending) {
        state(c)->pending = false;
        return DB_OK;
    }
    return simple(c, "ROLLBACK");
}

/* ---- serving role ---------------------------------------------------------------------- */

#define APP_ROLE "peterental_app"

static db_err pg_apply_role(db_conn *c) { return simple(c, "SET ROLE " APP_ROLE); }

struct login_role {
    bool super, bypass, createrole;
    bool app_exists, app_member;
};

static db_err login_info(db_conn *c, struct login_role *l)
{
    static const char q[] =
        "SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, a.oid IS NOT NULL,"
        " COALESCE(pg_has_role(session_user, a.oid, 'MEMBER'), false)"
        " FROM pg_roles r LEFT JOIN pg_roles a ON a.rolname = '" APP_ROLE "'"
        " WHERE r.rolname = session_user";
    db_res *r = NULL;
    db_err e = db_exec(c, q, NULL, 0, &r);
    if (e == DB_OK && db_res_rows(r) != 1) {
        db_conn_seterr(c, "login role not found in pg_roles");
        e = DB_E_OTHER;
    }
    if (e == DB_OK) {
        l->super = db_res_bool(r, 0, 0);
        l->bypass = db_res_bool(r, 0, 1);
        l->createrole = db_res_bool(r, 0, 2);
        l->app_exists = db_res_bool(r, 0, 3);
        l->app_member = db_res_bool(r, 0, 4);
    }
    db_res_free(r);
    return e;
}

/* Creates the serving role when missing and grants it what requests need. Serialised with
 * migrations of other servers through the advisory lock. */
static db_err setup_app_role(db_conn *c, const struct login_role *l)
{
    static const char create[] =
        "DO $$ BEGIN"
        " IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" APP_ROLE "') THEN"
        "  CREATE ROLE " APP_ROLE " NOLOGIN NOSUPERUSER NOBYPASSRLS;"
        " END IF;"
        " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;" /* a racing server */
        " END $$";
    static const char grants[] =
        "GRANT USAGE ON SCHEMA public TO " APP_ROLE ";"
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " APP_ROLE ";"
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " APP_ROLE ";";
    if (!l->app_exists && !l->super && !l->createrole) {
        db_conn_seterr(c, "the login role bypasses row-level security and cannot create role "
                          APP_ROLE "; create it (NOLOGIN NOSUPERUSER NOBYPASSRLS) and grant it "
                          "to the login role, or log in as a role without BYPASSRLS");
        return DB_E_OTHER;
    }
    db_param key = DB_INT(DB_PG_LOCK_KEY);
    db_err e = db_begin(c);
    if (e == DB_OK)
        e = db_exec(c, "SELECT pg_advisory_xact_lock($1::bigint)", &key, 1, NULL);
    if (e == DB_OK && (l->super || l->createrole))
        e = db_exec_script(c, create);
    if (e == DB_OK)
        e = db_exec_script(c, grants);
    if (e == DB_OK && !l->super && !l->app_member)
        e = db_exec_script(c, "GRANT " APP_ROLE " TO SESSION_USER");
    if (e == DB_OK)
        e = db_commit(c);
    return e;
}

/* Checks the role that now serves requests: neither superuser nor BYPASSRLS. */
static db_err verify_serving_role(db *d)
{
    static const char q[] = "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles"
                            " WHERE rolname = current_user";
    db_conn *c = NULL;
    db_res *r = NULL;
    db_err e = db_acquire(d, &c);
    if (e == DB_OK)
        e = db_exec(c, q, NULL, 0, &r);
    if (e == DB_OK && db_res_rows(r) != 1)
        e = DB_E_OTHER;
    if (e == DB_OK && (db_res_bool(r, 0, 1) || db_res_bool(r, 0, 2))) {
        LOG_E("refusing to serve as database role %s: it is a superuser or has BYPASSRLS, "
              "so row-level security would not apply", db_res_text(r, 0, 0));
        e = DB_E_OTHER;
    } else if (e == DB_OK) {
        LOG_I("serving requests as database role %s", db_res_text(r, 0, 0));
    } else {
        LOG_E("cannot check the serving database role: %s", c ? db_errmsg(c) : "no connection");
    }
    db_res_free(r);
    db_release(c);
    return e;
}

static db_err pg_restrict_role(db *d)
{
    pthread_mutex_lock(&d->mu);
    bool done = d->restricted;
    pthread_mutex_unlock(&d->mu);
    if (done)
        return verify_serving_role(d);

    db_conn *c = NULL;
    struct login_role l = {0};
    db_err e = db_acquire(d, &c);
    if (e == DB_OK)
        e = login_info(c, &l);
    bool privileged = l.super || l.bypass || l.createrole;
    if (e == DB_OK && privileged)
        e = setup_app_role(c, &l);
    if (e != DB_OK)
        LOG_E("cannot set up database role " APP_ROLE ": %s", c ? db_errmsg(c) : "no connection");
    else if (!privileged)
        LOG_I("database login role is unprivileged; keeping it (its tables force row-level "
              "security)");
    db_release(c);
    if (e != DB_OK)
        return e;
    if (privileged)
        db_pool_restrict(d);
    return verify_serving_role(d);
}

const struct db_driver db_pg_driver = {
    .dialect = DB_POSTGRES,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .alive = pg_alive,
    .ping = pg_ping,
    .in_tx = pg_in_tx,
    .exec = pg_exec,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .apply_role = pg_apply_role,
    .restrict_role = pg_restrict_role,
};
