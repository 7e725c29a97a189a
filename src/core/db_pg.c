/* SPDX-License-Identifier: MIT */
/* The PostgreSQL driver over libpq: statements with every parameter sent as text (the server
 * infers types from context), results copied into a db_res, SQLSTATE mapped to db_err.
 * Also the role switch that keeps row-level security effective: requests are served by the
 * unprivileged role peterental_app, never by a superuser or a BYPASSRLS role. */
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"

#define PARAMS_ON_STACK 16
#define NUM_TEXT 40

/* Per-connection state. A transaction's BEGIN (and tenant setting) is held back and sent in
 * one pipelined round trip with its first statement, and statements are prepared once per
 * connection (named pete_<slot>, keyed by SQL text): BEGIN + set_config + query + COMMIT
 * cost two round trips and no re-planning. */
#define STMT_CACHE 128

struct stmt {
    char *sql;       /* owned copy; NULL = free slot */
    uint32_t hash;
    bool ready;      /* prepared on the server */
    bool unprepared; /* its plan went stale (schema changed under it): run it unprepared */
};

struct pgc {
    PGconn *h;
    bool broken;         /* a pipeline was left half-sent: never reuse */
    bool pending;        /* BEGIN not sent yet */
    bool pending_tenant; /* ...followed by set_config('app.user_id', pending_uid) */
    int64_t pending_uid;
    bool timed_out;      /* the last wait passed the deadline (the connection is broken) */
    bool commit_next;    /* db_last_statement: commit together with the next statement */
    bool committed;      /* ...done: the transaction is over, db_commit only reports */
    struct stmt stmts[STMT_CACHE];
};

static PGconn *pg(db_conn *c) { return ((struct pgc *)c->h)->h; }
static struct pgc *state(db_conn *c) { return c->h; }

/* ---- waiting with a deadline ------------------------------------------------------------
 * libpq's blocking calls wait for as long as the server takes: a PostgreSQL that is stopped
 * (SIGSTOP, a frozen VM) keeps its TCP connection open and never answers, and requests would
 * wait with it. Every answer is therefore awaited here, in non-blocking steps, until the
 * connection's deadline; past it the connection is marked broken (and dropped on release:
 * the server, when it wakes, finds it gone and rolls back) and the call fails as a lost
 * connection, which requests answer with 503. */

static int64_t deadline_after(int ms)
{
    return mono_ms() + ms;
}

static int64_t ms_left(int64_t deadline)
{
    return deadline - mono_ms();
}

/* The next result of the query in progress, as PQgetResult; NULL also when the deadline
 * (0: none) passed, with p->timed_out set. */
static PGresult *wait_result(struct pgc *p, int64_t deadline)
{
    while (PQisBusy(p->h)) {
        int64_t left = deadline ? ms_left(deadline) : -1;
        if (deadline && left <= 0) {
            p->timed_out = p->broken = true;
            return NULL;
        }
        struct pollfd pfd = {.fd = PQsocket(p->h), .events = POLLIN};
        int n = poll(&pfd, 1, left < 0 || left > INT32_MAX ? -1 : (int)left);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && !PQconsumeInput(p->h))
            break; /* connection lost: PQgetResult reports it */
    }
    return PQgetResult(p->h);
}

/* The deadline of one statement's answer on c. */
static int64_t stmt_deadline(db_conn *c) { return deadline_after(c->owner->timeout_ms); }

/* Reads every result of the query just sent and returns the last (PQexec's rule: the
 * earlier ones are freed), or NULL on a timeout or a lost connection. */
static PGresult *last_result(struct pgc *p, int64_t deadline)
{
    PGresult *last = NULL, *r;
    while ((r = wait_result(p, deadline)) != NULL) {
        PQclear(last);
        last = r;
        if (PQstatus(p->h) != CONNECTION_OK)
            break;
    }
    if (p->timed_out) {
        PQclear(last);
        return NULL;
    }
    return last;
}

/* PQexec with a deadline (0: none). */
static PGresult *exec_until(struct pgc *p, const char *sql, int64_t deadline)
{
    if (!PQsendQuery(p->h, sql))
        return NULL;
    return last_result(p, deadline);
}

static const char q_tenant[] = "SELECT set_config('app.user_id', $1, true)";

static void notice_to_log(void *arg, const char *msg)
{
    (void)arg;
    LOG_D("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Drives a connection started with PQconnectStartParams to its end, waiting at most until
 * deadline (mono ms): true when it is made. */
static bool connect_until(PGconn *h, int64_t deadline)
{
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(h) != CONNECTION_BAD) {
        if (st == PGRES_POLLING_OK)
            return true;
        if (st == PGRES_POLLING_FAILED)
            return false;
        int64_t left = ms_left(deadline);
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = PQsocket(h),
                             .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
        int n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (n < 0 && errno != EINTR)
            return false;
        if (n > 0)
            st = PQconnectPoll(h);
    }
    return false;
}

static db_err pg_connect(db_conn *c)
{
    /* The URL (expanded as dbname) is processed after these defaults, so its own
     * connect_timeout, application_name or options, when present, win.
     * plan_cache_mode: every statement is prepared once per connection; with the default
     * (auto) PostgreSQL keeps re-planning the ones whose optional filters make custom plans
     * look cheaper (GET /rentals), which was ~1/5 of its CPU under load. Every statement
     * filters on an indexed tenant key first, so the generic plan is the right one. */
    /* Keepalives find a peer that vanished (host down, network cut) while idle; a server
     * that stops answering with its TCP connection alive is caught by the per-statement
     * deadline instead (wait_result). */
    static const char *const keys[] = {"connect_timeout", "keepalives", "keepalives_idle",
                                       "keepalives_interval", "keepalives_count",
                                       "tcp_user_timeout", "application_name",
                                       "client_encoding", "options", "dbname", NULL};
    char connect_s[16], user_timeout[16];
    int ms = c->owner->timeout_ms;
    snprintf(connect_s, sizeof connect_s, "%d", ms < 2000 ? 2 : (ms + 999) / 1000);
    snprintf(user_timeout, sizeof user_timeout, "%d", ms);
    const char *vals[] = {connect_s, "1", "10", "2", "3", user_timeout, "peterental", "UTF8",
                          "-c plan_cache_mode=force_generic_plan", c->owner->url, NULL};
    PGconn *h = PQconnectStartParams(keys, vals, 1);
    if (!h) {
        db_conn_seterr(c, "out of memory");
        return DB_E_CONN;
    }
    if (!connect_until(h, c->deadline_ms)) {
        if (PQstatus(h) == CONNECTION_BAD)
            db_conn_seterr(c, "%s", PQerrorMessage(h));
        else
            db_conn_seterr(c, "the database did not accept a connection within %d ms",
                           c->owner->timeout_ms);
        PQfinish(h);
        return DB_E_CONN;
    }
    PQsetNoticeProcessor(h, notice_to_log, NULL);
    struct pgc *p = mem_zalloc(1, sizeof *p);
    p->h = h;
    c->h = p;
    return DB_OK;
}

static void pg_disconnect(db_conn *c)
{
    struct pgc *p = state(c);
    for (int i = 0; i < STMT_CACHE; i++)
        free(p->stmts[i].sql);
    PQfinish(p->h);
    free(p);
    c->h = NULL;
}

static bool pg_alive(db_conn *c)
{
    return !state(c)->broken && PQstatus(pg(c)) == CONNECTION_OK;
}

static bool pg_in_tx(db_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(pg(c));
    return state(c)->pending || t == PQTRANS_INTRANS || t == PQTRANS_INERROR ||
           t == PQTRANS_ACTIVE;
}

static bool pg_ping(db_conn *c)
{
    PGresult *res = exec_until(state(c), "", c->deadline_ms);
    bool ok = PQresultStatus(res) == PGRES_EMPTY_QUERY;
    PQclear(res);
    return ok && pg_alive(c);
}

static db_err map_state(db_conn *c, const PGresult *res)
{
    if (!pg_alive(c))
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
    if (state(c)->timed_out) {
        state(c)->timed_out = false;
        db_conn_seterr(c, "the database did not answer within %d ms", c->owner->timeout_ms);
        PQclear(res);
        return DB_E_CONN;
    }
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

/* ---- statement cache -------------------------------------------------------------------- */

static uint32_t hash_sql(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void stmt_name(int slot, char name[16]) { snprintf(name, 16, "pete_%d", slot); }

/* The slot holding sql (ready or not), a newly reserved one (ready false) when reserve, or
 * -1 (not cached; the cache is full: such statements run unprepared). */
static int stmt_slot(struct pgc *p, const char *sql, bool reserve)
{
    uint32_t h = hash_sql(sql);
    int free_slot = -1;
    for (int i = 0; i < STMT_CACHE; i++) {
        struct stmt *s = &p->stmts[i];
        if (s->sql && s->hash == h && !strcmp(s->sql, sql))
            return i;
        if (!s->sql && free_slot < 0)
            free_slot = i;
    }
    if (reserve && free_slot >= 0) {
        p->stmts[free_slot].sql = mem_strdup(sql);
        p->stmts[free_slot].hash = h;
        p->stmts[free_slot].ready = false;
    }
    return reserve ? free_slot : -1;
}

static void stmt_forget(struct pgc *p, int slot)
{
    free(p->stmts[slot].sql);
    p->stmts[slot] = (struct stmt){0};
}

/* ---- pipelined execution ------------------------------------------------------------------ */

#define BATCH_MAX 6

struct batch {
    int n;
    PGresult *res[BATCH_MAX];
    int prepares[BATCH_MAX]; /* the cache slot item i prepares, or -1 */
};

static bool queue_stmt(struct pgc *p, struct batch *b, const char *sql, int n,
                       const char *const *vals)
{
    int slot = stmt_slot(p, sql, true);
    if (slot < 0 || p->stmts[slot].unprepared) {
        b->prepares[b->n++] = -1;
        return PQsendQueryParams(p->h, sql, n, NULL, vals, NULL, NULL, 0);
    }
    char name[16];
    stmt_name(slot, name);
    if (!p->stmts[slot].ready) {
        b->prepares[b->n++] = slot;
        if (!PQsendPrepare(p->h, name, sql, 0, NULL))
            return false;
    }
    b->prepares[b->n++] = -1;
    return PQsendQueryPrepared(p->h, name, n, vals, NULL, NULL, 0);
}

/* After a schema change another server made, a prepared SELECT * fails with "cached plan must
 * not change result type" (0A000): that statement runs unprepared from then on. */
static void note_stale(struct pgc *p, const char *sql, const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int slot = st && !strcmp(st, "0A000") ? stmt_slot(p, sql, false) : -1;
    if (slot >= 0 && p->stmts[slot].ready)
        p->stmts[slot].unprepared = true;
}

/* Reads the first result of each of the b->n queued items, then the sync point. */
static void collect(struct pgc *p, struct batch *b, int64_t deadline)
{
    PGconn *h = p->h;
    for (int i = 0; i < b->n; i++) {
        PGresult *r;
        while ((r = wait_result(p, deadline)) != NULL) {
            if (b->res[i])
                PQclear(r);
            else
                b->res[i] = r;
        }
        if (p->timed_out || PQstatus(h) != CONNECTION_OK)
            return;
    }
    for (int tries = 0; tries < 4; tries++) {
        PGresult *r = wait_result(p, deadline);
        bool sync = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync || p->timed_out || PQstatus(h) != CONNECTION_OK)
            return;
    }
}

/* Marks the statements the batch prepared; returns item want's result or the first
 * failure (NULL when nothing came back), freeing the others. */
static PGresult *settle(struct pgc *p, struct batch *b, int want)
{
    int chosen = want;
    for (int i = 0; i < b->n; i++) {
        bool ok = res_ok(b->res[i]);
        if (b->prepares[i] >= 0 && ok)
            p->stmts[b->prepares[i]].ready = true;
        else if (b->prepares[i] >= 0)
            stmt_forget(p, b->prepares[i]);
        if (!ok && chosen == want && i < want)
            chosen = i;
        else if (!ok && chosen == want && i > want && res_ok(b->res[want]))
            chosen = i; /* the statement ran but its COMMIT failed */
    }
    for (int i = 0; i < b->n; i++)
        if (i != chosen)
            PQclear(b->res[i]);
    return b->res[chosen];
}

/* One round trip: [BEGIN] [tenant setting] [PREPARE] sql [COMMIT], then a sync point. */
static PGresult *pipeline(struct pgc *p, bool begin, bool tenant, int64_t uid, const char *sql,
                          int n, const char *const *vals, bool commit, int64_t deadline)
{
    char num[NUM_TEXT];
    db_param up = DB_INT(uid);
    const char *uv[] = {param_text(&up, num)};
    struct batch b = {0};
    bool sent = PQenterPipelineMode(p->h);
    if (sent && begin) {
        b.prepares[b.n++] = -1;
        sent = PQsendQueryParams(p->h, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    }
    if (sent && begin && tenant)
        sent = queue_stmt(p, &b, q_tenant, 1, uv);
    if (sent)
        sent = queue_stmt(p, &b, sql, n, vals);
    int want = b.n - 1;
    if (sent && commit) {
        b.prepares[b.n++] = -1;
        sent = PQsendQueryParams(p->h, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
    }
    if (sent)
        sent = PQpipelineSync(p->h);
    if (sent)
        collect(p, &b, deadline);
    if (p->timed_out || !PQexitPipelineMode(p->h))
        p->broken = true; /* results still owed: the session state is unknown */
    return want >= 0 ? settle(p, &b, want) : NULL;
}

/* Runs sql: a prepared statement in one round trip, or a pipeline that also sends the held
 * back BEGIN, prepares sql on first use and, when commit, ends the transaction. A
 * connection found broken while a BEGIN was pending is reopened and the transaction start
 * retried once: nothing of it ran. */
static PGresult *run(db_conn *c, const char *sql, int n, const char *const *vals, bool commit)
{
    struct pgc *p = state(c);
    int64_t deadline = stmt_deadline(c);
    bool begin = p->pending, tenant = p->pending_tenant;
    int64_t uid = p->pending_uid;
    p->pending = false;
    int slot = begin ? -1 : stmt_slot(p, sql, false);
    if (!commit && slot >= 0 && p->stmts[slot].ready && !p->stmts[slot].unprepared) {
        char name[16];
        stmt_name(slot, name);
        PGresult *res = PQsendQueryPrepared(p->h, name, n, vals, NULL, NULL, 0)
                            ? last_result(p, deadline) : NULL;
        note_stale(p, sql, res);
        return res;
    }
    PGresult *res = pipeline(p, begin, tenant, uid, sql, n, vals, commit, deadline);
    note_stale(p, sql, res);
    if (!begin || pg_alive(c) || p->timed_out)
        return res; /* a server that does not answer is not asked again at once */
    PQclear(res);
    if (db_conn_reopen(c) != DB_OK)
        return NULL;
    return pipeline(state(c), begin, tenant, uid, sql, n, vals, commit, stmt_deadline(c));
}

static db_err pg_exec(db_conn *c, const char *sql, const db_param *params, int nparams,
                      db_res **out)
{
    const char *vals_stack[PARAMS_ON_STACK] = {0};
    char num_stack[PARAMS_ON_STACK][NUM_TEXT];
    const char **vals = vals_stack;
    char(*num)[NUM_TEXT] = num_stack;
    if (nparams > PARAMS_ON_STACK) {
        vals = mem_zalloc((size_t)nparams, sizeof *vals);
        num = mem_zalloc((size_t)nparams, sizeof *num);
    }
    for (int i = 0; i < nparams; i++)
        vals[i] = param_text(&params[i], num[i]);
    bool commit = state(c)->commit_next;
    state(c)->commit_next = false;
    PGresult *res = run(c, sql, nparams, vals, commit);
    if (vals != vals_stack) {
        free(vals);
        free(num);
    }
    if (!c->h) { /* reopening failed: c->errbuf says why */
        PQclear(res);
        return DB_E_CONN;
    }
    db_err e = finish(c, res, out);
    if (e == DB_OK && commit)
        state(c)->committed = true;
    return e;
}

static db_err simple(db_conn *c, const char *sql)
{
    return finish(c, exec_until(state(c), sql, stmt_deadline(c)), NULL);
}

static db_err pg_exec_script(db_conn *c, const char *sql)
{
    if (state(c)->pending) { /* scripts use the simple protocol: no pipelining */
        db_err e = pg_exec(c, "SELECT 1", NULL, 0, NULL);
        if (e != DB_OK)
            return e;
    }
    /* migrations and role set-up: no deadline (an index build may take a while) */
    return finish(c, exec_until(state(c), sql, 0), NULL);
}

static db_err pg_begin(db_conn *c, db_tx_kind kind, int64_t user_id)
{
    struct pgc *p = state(c);
    p->commit_next = p->committed = false;
    p->pending = true;
    p->pending_tenant = kind != DB_TX_PLAIN;
    p->pending_uid = user_id;
    return DB_OK;
}

static db_err pg_commit(db_conn *c)
{
    if (state(c)->committed) { /* with its last statement */
        state(c)->committed = false;
        return DB_OK;
    }
    if (state(c)->pending) { /* nothing ran */
        state(c)->pending = false;
        return DB_OK;
    }
    PGresult *res = exec_until(state(c), "COMMIT", stmt_deadline(c));
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
    state(c)->commit_next = state(c)->committed = false;
    if (state(c)->pending) {
        state(c)->pending = false;
        return DB_OK;
    }
    return simple(c, "ROLLBACK");
}

/* ---- serving role ---------------------------------------------------------------------- */

#define APP_ROLE "peterental_app"

static void pg_last_statement(db_conn *c) { state(c)->commit_next = true; }

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
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " APP_ROLE ";"
        /* ...except the migration record (its checksums stay the migrator's); then what
         * each migration's app_grants_* function adds or takes away for its own tables
         * (0005_core.sql: the credentials). */
        "DO $$ DECLARE f text; BEGIN"
        " IF to_regclass('public.schema_migrations') IS NOT NULL THEN"
        "  REVOKE ALL ON TABLE public.schema_migrations FROM " APP_ROLE ";"
        " END IF;"
        " FOR f IN SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        "  WHERE n.nspname = 'public' AND p.proname LIKE 'app\\_grants\\_%' ORDER BY 1 LOOP"
        "  EXECUTE format('SELECT public.%I(%L)', f, '" APP_ROLE "');"
        " END LOOP;"
        " END $$;";
    if (!l->app_exists && !l->super && !l->createrole) {
        db_conn_seterr(c, "role " APP_ROLE " does not exist and the login role cannot "
                          "create it (create it NOLOGIN NOSUPERUSER NOBYPASSRLS)");
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
    if (e != DB_OK && privileged)
        LOG_E("the database login role is too privileged to serve requests (superuser, BYPASSRLS "
              "or CREATEROLE) and switching to role " APP_ROLE " failed: %s; grant " APP_ROLE
              " to it, or log in as an unprivileged role owning the tables",
              c ? db_errmsg(c) : "no connection");
    else if (e != DB_OK)
        LOG_E("cannot inspect the database login role: %s", c ? db_errmsg(c) : "no connection");
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
    .last_statement = pg_last_statement,
    .apply_role = pg_apply_role,
    .restrict_role = pg_restrict_role,
};
