/* SPDX-License-Identifier: MIT */
/* The connection pool and the dialect-neutral half of the store interface: a fixed array of
 * connections guarded by one mutex and condition variable, lazy connects, recovery of broken
 * connections on acquire, materialised results, and the db_err -> app_err mapping. Everything
 * dialect-specific goes through the driver table (db_internal.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/db_internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"

#define ACQUIRE_WAIT_MS 2000
#define POOL_MAX 1024
/* A wait for a connection, a statement or a commit longer than this is logged as a warning
 * (a statement by its first characters only: never its parameters). */
#define SLOW_MS 100

/* Warns when more than SLOW_MS passed since t0 (mono_ms) doing what, then the statement sql
 * (NULL: none) cut to 60 characters. */
static void warn_if_slow(int64_t t0, const char *what, const char *sql)
{
    int64_t took = mono_ms() - t0;
    if (took > SLOW_MS)
        LOG_W("slow database: %lld ms %s%s%.60s%s", (long long)took, what, sql ? " \"" : "",
              sql ? sql : "", sql ? "\"" : "");
}

/* ---- errors -------------------------------------------------------------------------- */

void db_conn_seterr(db_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errbuf, sizeof c->errbuf, fmt, ap);
    va_end(ap);
    /* Drivers' messages may span lines; a log line should not. */
    size_t n = strlen(c->errbuf);
    while (n > 0 && (c->errbuf[n - 1] == '\n' || c->errbuf[n - 1] == '\r'))
        c->errbuf[--n] = '\0';
    for (char *p = c->errbuf; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
}

app_err db_app_err(db_err e)
{
    switch (e) {
    case DB_OK: return APP_OK;
    case DB_E_UNIQUE: return APP_E_CONFLICT;
    case DB_E_CONN:
    case DB_E_BUSY: return APP_E_UNAVAILABLE;
    case DB_E_CONSTRAINT:
    case DB_E_OTHER: break;
    }
    return APP_E_DB;
}

/* ---- results ------------------------------------------------------------------------ */

db_res *db_res_new(int ncols)
{
    db_res *r = mem_zalloc(1, sizeof *r);
    r->ncols = ncols;
    return r;
}

void db_res_push(db_res *r, const char *s, size_t len)
{
    if (r->ncells == r->cells_cap) {
        r->cells_cap = r->cells_cap ? r->cells_cap * 2 : 16;
        r->off = mem_realloc(r->off, r->cells_cap * sizeof *r->off);
    }
    if (!s) {
        r->off[r->ncells++] = -1;
        return;
    }
    if (r->len + len + 1 > r->cap)
        r->buf = mem_grow(r->buf, &r->cap, r->len + len + 1, 256);
    memcpy(r->buf + r->len, s, len);
    r->buf[r->len + len] = '\0';
    r->off[r->ncells++] = (ptrdiff_t)r->len;
    r->len += len + 1;
}

void db_res_finish(db_res *r, int64_t affected)
{
    r->nrows = r->ncols > 0 ? (int)(r->ncells / (size_t)r->ncols) : 0;
    r->affected = affected;
}

int db_res_rows(const db_res *r) { return r ? r->nrows : 0; }
int db_res_cols(const db_res *r) { return r ? r->ncols : 0; }
int64_t db_res_affected(const db_res *r) { return r ? r->affected : 0; }

static ptrdiff_t cell(const db_res *r, int row, int col)
{
    if (!r || row < 0 || col < 0 || row >= r->nrows || col >= r->ncols)
        return -1;
    return r->off[(size_t)row * (size_t)r->ncols + (size_t)col];
}

bool db_res_isnull(const db_res *r, int row, int col) { return cell(r, row, col) < 0; }

const char *db_res_text(const db_res *r, int row, int col)
{
    ptrdiff_t o = cell(r, row, col);
    return o < 0 ? NULL : r->buf + o;
}

int64_t db_res_int(const db_res *r, int row, int col)
{
    const char *s = db_res_text(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

double db_res_double(const db_res *r, int row, int col)
{
    const char *s = db_res_text(r, row, col);
    return s ? strtod(s, NULL) : 0.0;
}

bool db_res_bool(const db_res *r, int row, int col)
{
    const char *s = db_res_text(r, row, col);
    return s && (!strcmp(s, "t") || !strcmp(s, "true") || !strcmp(s, "1"));
}

void db_res_free(db_res *r)
{
    if (!r)
        return;
    free(r->off);
    free(r->buf);
    free(r);
}

/* ---- pool ----------------------------------------------------------------------------- */

static bool is_pg_url(const char *url)
{
    return !strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13);
}

static int init_sync(db *d)
{
    if (mono_cond_init(&d->cv))
        return -1;
    if (pthread_mutex_init(&d->mu, NULL)) {
        pthread_cond_destroy(&d->cv);
        return -1;
    }
    if (pthread_mutex_init(&d->writer, NULL)) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        return -1;
    }
    return 0;
}

db_err db_open(const char *url, const char *sqlite_path, int pool_size, db **out)
{
    const struct db_driver *drv;
    if (url && *url) {
        if (!is_pg_url(url)) {
            LOG_E("DATABASE_URL must start with postgres:// or postgresql://");
            return DB_E_OTHER;
        }
        drv = &db_pg_driver;
    } else {
        if (!sqlite_path || !*sqlite_path) {
            LOG_E("no SQLite path given");
            return DB_E_OTHER;
        }
        drv = &db_sqlite_driver;
    }
    if (pool_size < 1 || pool_size > POOL_MAX) {
        LOG_E("database pool size %d is out of range 1..%d", pool_size, POOL_MAX);
        return DB_E_OTHER;
    }
    db *d = mem_zalloc(1, sizeof *d);
    if (init_sync(d)) {
        free(d);
        LOG_E("cannot initialise the pool lock");
        return DB_E_OTHER;
    }
    d->drv = drv;
    d->url = (url && *url) ? mem_strdup(url) : NULL;
    d->path = d->url ? NULL : mem_strdup(sqlite_path);
    d->size = d->nfree = pool_size;
    d->timeout_ms = DB_TIMEOUT_DEFAULT_MS;
    d->conns = mem_zalloc((size_t)pool_size, sizeof *d->conns);
    for (int i = 0; i < pool_size; i++)
        d->conns[i].owner = d;
    *out = d;
    return DB_OK;
}

void db_close(db *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->size; i++) {
        if (d->conns[i].h)
            d->drv->disconnect(&d->conns[i]);
    }
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->writer);
    free(d->conns);
    free(d->url);
    free(d->path);
    free(d);
}

void db_set_timeout(db *d, int ms)
{
    d->timeout_ms = ms > 0 ? ms : DB_TIMEOUT_DEFAULT_MS;
}

db_dialect db_get_dialect(const db *d) { return d->drv->dialect; }
db_dialect db_conn_dialect(const db_conn *c) { return c->owner->drv->dialect; }

void db_pool_restrict(db *d)
{
    pthread_mutex_lock(&d->mu);
    d->restricted = true;
    d->role_gen++;
    pthread_mutex_unlock(&d->mu);
}

/* A broken connection usually means the server restarted: make every idle connection prove
 * itself once before its next use. */
static void note_broken(db *d)
{
    pthread_mutex_lock(&d->mu);
    d->epoch++;
    pthread_mutex_unlock(&d->mu);
}

static void drop_handle(db_conn *c)
{
    if (c->h)
        c->owner->drv->disconnect(c);
    c->h = NULL;
}

/* Makes a borrowed connection ready: opened, alive, serving as the right role. */
static db_err prepare(db_conn *c)
{
    db *d = c->owner;
    pthread_mutex_lock(&d->mu);
    unsigned epoch = d->epoch, gen = d->role_gen;
    bool restricted = d->restricted;
    pthread_mutex_unlock(&d->mu);

    if (c->h && (!d->drv->alive(c) || (c->epoch != epoch && !d->drv->ping(c))))
        drop_handle(c);
    if (!c->h) {
        db_err e = d->drv->connect(c);
        if (e != DB_OK) {
            LOG_W("database connection failed: %s", c->errbuf);
            return e;
        }
        c->role_gen = 0;
    }
    c->epoch = epoch;
    if (restricted && c->role_gen != gen && d->drv->apply_role) {
        db_err e = d->drv->apply_role(c);
        if (e != DB_OK) {
            LOG_E("cannot switch to the serving role: %s", c->errbuf);
            drop_handle(c);
            return e;
        }
        c->role_gen = gen;
    }
    return DB_OK;
}

/* Under d->mu with nfree > 0: an open idle connection if any, else any idle one. */
static db_conn *pick_idle(db *d)
{
    db_conn *any = NULL;
    for (int i = 0; i < d->size; i++) {
        db_conn *c = &d->conns[i];
        if (c->in_use)
            continue;
        if (c->h)
            return c;
        if (!any)
            any = c;
    }
    return any;
}

static void put_back(db_conn *c)
{
    db *d = c->owner;
    pthread_mutex_lock(&d->mu);
    c->in_use = false;
    d->nfree++;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

db_err db_acquire(db *d, db_conn **out)
{
    int64_t t0 = mono_ms();
    long wait = d->timeout_ms < ACQUIRE_WAIT_MS ? d->timeout_ms : ACQUIRE_WAIT_MS;
    struct timespec until = mono_deadline(wait);
    pthread_mutex_lock(&d->mu);
    while (d->nfree == 0) {
        int rc = pthread_cond_timedwait(&d->cv, &d->mu, &until);
        if (rc == ETIMEDOUT && d->nfree == 0) {
            d->exhausted++;
            pthread_mutex_unlock(&d->mu);
            LOG_W("database pool exhausted (%d connections busy for %ld ms)", d->size, wait);
            return DB_E_BUSY;
        }
    }
    db_conn *c = pick_idle(d);
    c->in_use = true;
    d->nfree--;
    pthread_mutex_unlock(&d->mu);

    c->errbuf[0] = '\0';
    c->deadline_ms = t0 + d->timeout_ms;
    db_err e = prepare(c);
    warn_if_slow(t0, "to get a connection ready", NULL);
    if (e != DB_OK) {
        put_back(c);
        return e;
    }
    *out = c;
    return DB_OK;
}

void db_pool_stats(db *d, struct db_pool_stats *out)
{
    pthread_mutex_lock(&d->mu);
    out->size = d->size;
    out->in_use = d->size - d->nfree;
    out->exhausted = d->exhausted;
    pthread_mutex_unlock(&d->mu);
}

void db_release(db_conn *c)
{
    if (!c)
        return;
    const struct db_driver *drv = c->owner->drv;
    if (c->h) {
        if (!drv->alive(c))
            drop_handle(c);
        else if (drv->in_tx(c) && drv->rollback(c) != DB_OK)
            drop_handle(c); /* its state is unknown: start afresh next time */
    }
    put_back(c);
}

/* ---- statements, transactions ------------------------------------------------------ */

static db_err report(db_conn *c, db_err e)
{
    if (e == DB_E_CONN) {
        LOG_W("database connection lost: %s", c->errbuf);
        note_broken(c->owner);
    } else if (e == DB_E_OTHER)
        LOG_E("database error: %s", c->errbuf);
    return e;
}

db_err db_conn_reopen(db_conn *c)
{
    c->deadline_ms = mono_ms() + c->owner->timeout_ms;
    note_broken(c->owner);
    drop_handle(c);
    return prepare(c);
}

static db_err begin_kind(db_conn *c, db_tx_kind kind, int64_t user_id)
{
    if (!c->h) {
        db_conn_seterr(c, "connection is closed");
        return DB_E_CONN;
    }
    db_err e = c->owner->drv->begin(c, kind, user_id);
    if (e == DB_E_CONN) {
        /* Nothing ran yet, so reconnecting and starting over is safe: a request arriving
         * after a server restart succeeds instead of failing once. */
        e = db_conn_reopen(c);
        if (e == DB_OK)
            e = c->owner->drv->begin(c, kind, user_id);
    }
    return report(c, e);
}

db_err db_begin(db_conn *c) { return begin_kind(c, DB_TX_PLAIN, 0); }

db_err db_begin_tenant(db_conn *c, int64_t user_id)
{
    return begin_kind(c, DB_TX_TENANT, user_id);
}

db_err db_begin_tenant_write(db_conn *c, int64_t user_id)
{
    return begin_kind(c, DB_TX_TENANT_WRITE, user_id);
}

void db_last_statement(db_conn *c)
{
    if (c->h && c->owner->drv->last_statement)
        c->owner->drv->last_statement(c);
}

db_err db_commit(db_conn *c)
{
    if (!c->h)
        return DB_E_CONN;
    int64_t t0 = mono_ms();
    db_err e = c->owner->drv->commit(c);
    warn_if_slow(t0, "to commit", NULL);
    return report(c, e);
}

db_err db_rollback(db_conn *c)
{
    if (!c->h)
        return DB_E_CONN;
    return report(c, c->owner->drv->rollback(c));
}

db_err db_exec(db_conn *c, const char *sql, const db_param *params, int nparams, db_res **out)
{
    if (out)
        *out = NULL;
    if (!c->h) {
        db_conn_seterr(c, "connection is closed");
        return DB_E_CONN;
    }
    if (nparams < 0 || (nparams > 0 && !params)) {
        db_conn_seterr(c, "bad parameter list");
        return DB_E_OTHER;
    }
    int64_t t0 = mono_ms();
    db_err e = c->owner->drv->exec(c, sql, params, nparams, out);
    warn_if_slow(t0, "for", sql);
    return report(c, e);
}

db_err db_exec_script(db_conn *c, const char *sql)
{
    if (!c->h) {
        db_conn_seterr(c, "connection is closed");
        return DB_E_CONN;
    }
    return report(c, c->owner->drv->exec_script(c, sql));
}

const char *db_errmsg(const db_conn *c) { return c->errbuf; }

db_err db_restrict_role(db *d)
{
    return d->drv->restrict_role ? d->drv->restrict_role(d) : DB_OK;
}

void db_warm(db *d)
{
    db_conn **held = mem_zalloc((size_t)d->size, sizeof *held);
    int n = 0;
    while (n < d->size && db_acquire(d, &held[n]) == DB_OK)
        n++;
    for (int i = 0; i < n; i++)
        db_release(held[i]);
    free(held);
    if (n < d->size)
        LOG_W("database pool: %d of %d connections opened at start; the rest open on demand",
              n, d->size);
}

/* ---- idioms ---------------------------------------------------------------------------- */

app_err db_tx_begin(db *d, int64_t tenant, bool write, db_conn **out)
{
    db_conn *c = NULL;
    db_err e = db_acquire(d, &c);
    if (e == DB_OK) {
        if (tenant > 0)
            e = write ? db_begin_tenant_write(c, tenant) : db_begin_tenant(c, tenant);
        else
            e = db_begin(c);
        if (e != DB_OK)
            db_release(c);
    }
    if (e != DB_OK)
        return db_app_err(e);
    *out = c;
    return APP_OK;
}

app_err db_tx_end(db_conn *c, app_err rc)
{
    if (rc == APP_OK) {
        db_err e = db_commit(c);
        if (e != DB_OK)
            rc = db_app_err(e);
    }
    db_release(c); /* rolls back what is still open */
    return rc;
}

app_err db_fail(db_conn *c, db_err e, const char *what)
{
    if (e != DB_E_UNIQUE)
        LOG_E("%s: %s", what, db_errmsg(c));
    return db_app_err(e);
}

db_err db_check(db *d)
{
    db_conn *c = NULL;
    db_err e = db_acquire(d, &c);
    if (e == DB_OK)
        e = db_exec(c, "SELECT 1", NULL, 0, NULL);
    db_release(c);
    return e;
}

app_err db_run(db_conn *c, const char *sql, const db_param *p, int n, const char *what)
{
    db_err e = db_exec(c, sql, p, n, NULL);
    return e == DB_OK ? APP_OK : db_fail(c, e, what);
}

const char *db_sql(const db_conn *c, const char *sqlite_sql, const char *pg_sql)
{
    return db_conn_dialect(c) == DB_POSTGRES ? pg_sql : sqlite_sql;
}
