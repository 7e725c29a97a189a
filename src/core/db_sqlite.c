/* SPDX-License-Identifier: MIT */
/* The SQLite driver: one sqlite3 handle per pooled connection (WAL, DB_TIMEOUT busy timeout,
 * foreign keys on, synchronous=NORMAL) with a small per-connection statement cache keyed by
 * SQL text, since the same static statements repeat on every request. $1..$n placeholders
 * are SQLite named parameters; each is bound from params[n-1]. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db_internal.h"
#include "core/files.h"
#include "core/mem.h"

#define CACHE_SIZE 48

struct cached {
    char *sql; /* owned copy; NULL = free slot */
    sqlite3_stmt *st;
    unsigned long used;
};

struct sq {
    sqlite3 *h;
    bool writer; /* holds owner->writer (a write transaction is open) */
    unsigned long tick;
    struct cached cache[CACHE_SIZE];
};

static sqlite3 *handle(db_conn *c) { return ((struct sq *)c->h)->h; }

static db_err map_code(int ext)
{
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return DB_E_UNIQUE;
    switch (ext & 0xff) {
    case SQLITE_CONSTRAINT: return DB_E_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_E_BUSY;
    default: return DB_E_OTHER;
    }
}

static db_err fail(db_conn *c)
{
    sqlite3 *h = handle(c);
    db_conn_seterr(c, "%s", sqlite3_errmsg(h));
    return map_code(sqlite3_extended_errcode(h));
}

/* mkdir -p of the directory holding path (mode 0700 for what it creates). */
static int make_parent_dirs(const char *path)
{
    char *p = mem_strdup(path);
    char *slash = strrchr(p, '/');
    int rc = 0;
    if (slash && slash != p) {
        *slash = '\0';
        rc = files_mkdir_p(p);
    }
    free(p);
    return rc;
}

static db_err sq_connect(db_conn *c)
{
    const char *path = c->owner->path;
    if (make_parent_dirs(path) != 0) {
        db_conn_seterr(c, "cannot create the directory of %s: %s", path, strerror(errno));
        return DB_E_CONN;
    }
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
        db_conn_seterr(c, "cannot open %s: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return DB_E_CONN;
    }
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, c->owner->timeout_ms);
    /* journal_size_limit: after a checkpoint the WAL file is cut back to 64 MiB; without it
     * a burst of writes (seeding 20,000 rentals) left a 360 MB file behind for good.
     * cache_size: 512 KiB of pages per connection instead of SQLite's 2 MiB; the operating
     * system caches the file once for all of them. With 16 connections the default held 32 MiB
     * and the bench's peak RSS went past SPEC §8's 50 MiB (57 -> 41 MiB, bench/RESULTS.md). */
    static const char setup[] = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                                "PRAGMA synchronous=NORMAL; "
                                "PRAGMA journal_size_limit=67108864; "
                                "PRAGMA cache_size=-512;";
    if (sqlite3_exec(h, setup, NULL, NULL, NULL) != SQLITE_OK) {
        db_conn_seterr(c, "cannot set up %s: %s", path, sqlite3_errmsg(h));
        sqlite3_close(h);
        return DB_E_CONN;
    }
    struct sq *s = mem_zalloc(1, sizeof *s);
    s->h = h;
    c->h = s;
    return DB_OK;
}

/* Gives the process's write turn back (after COMMIT or ROLLBACK, or a broken connection). */
static void writer_release(db_conn *c)
{
    struct sq *s = c->h;
    if (s && s->writer) {
        s->writer = false;
        pthread_mutex_unlock(&c->owner->writer);
    }
}

/* Waits for the process's write turn, at most the driver's timeout; DB_E_BUSY when it did
 * not come (as SQLite's busy timeout would have said). */
static db_err writer_take(db_conn *c)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until); /* pthread_mutex_timedlock's clock */
    int64_t ns = (int64_t)until.tv_nsec + (int64_t)c->owner->timeout_ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    if (pthread_mutex_timedlock(&c->owner->writer, &until) != 0) {
        db_conn_seterr(c, "another writer of this process held the database for %d ms",
                       c->owner->timeout_ms);
        return DB_E_BUSY;
    }
    ((struct sq *)c->h)->writer = true;
    return DB_OK;
}

static void sq_disconnect(db_conn *c)
{
    writer_release(c);
    struct sq *s = c->h;
    for (int i = 0; i < CACHE_SIZE; i++) {
        sqlite3_finalize(s->cache[i].st);
        free(s->cache[i].sql);
    }
    sqlite3_close(s->h);
    free(s);
    c->h = NULL;
}

static bool sq_alive(db_conn *c)
{
    (void)c;
    return true;
}

static bool sq_in_tx(db_conn *c) { return !sqlite3_get_autocommit(handle(c)); }

static bool only_space(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ';')
        s++;
    return *s == '\0';
}

/* A prepared statement for sql from the cache (reset, no bindings) or freshly prepared. */
static db_err stmt_get(db_conn *c, const char *sql, sqlite3_stmt **out)
{
    struct sq *s = c->h;
    struct cached *slot = NULL; /* a free entry, else the least recently used */
    for (int i = 0; i < CACHE_SIZE; i++) {
        struct cached *e = &s->cache[i];
        if (e->sql && !strcmp(e->sql, sql)) {
            e->used = ++s->tick;
            *out = e->st;
            return DB_OK;
        }
        if (!slot || (slot->sql && (!e->sql || e->used < slot->used)))
            slot = e;
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail) != SQLITE_OK)
        return fail(c);
    if (!st || (tail && !only_space(tail))) {
        sqlite3_finalize(st);
        db_conn_seterr(c, "db_exec takes exactly one statement");
        return DB_E_OTHER;
    }
    sqlite3_finalize(slot->st); /* evicts the least recently used entry when full */
    free(slot->sql);
    slot->sql = mem_strdup(sql);
    slot->st = st;
    slot->used = ++s->tick;
    *out = st;
    return DB_OK;
}

static int bind_one(sqlite3_stmt *st, int idx, const db_param *p)
{
    switch (p->t) {
    case DBP_INT:
    case DBP_BOOL: return sqlite3_bind_int64(st, idx, p->t == DBP_BOOL ? (p->i != 0) : p->i);
    case DBP_DOUBLE: return sqlite3_bind_double(st, idx, p->d);
    case DBP_TEXT: return sqlite3_bind_text(st, idx, p->s, -1, SQLITE_STATIC);
    case DBP_NULL: break;
    }
    return sqlite3_bind_null(st, idx);
}

/* Binds every $N the statement names to params[N-1]; a $N beyond nparams is an error. */
static db_err bind_all(db_conn *c, sqlite3_stmt *st, const db_param *params, int nparams)
{
    int count = sqlite3_bind_parameter_count(st);
    for (int idx = 1; idx <= count; idx++) {
        const char *name = sqlite3_bind_parameter_name(st, idx);
        char *end = NULL;
        long n = name && name[0] == '$' ? strtol(name + 1, &end, 10) : 0;
        if (n < 1 || n > nparams || !end || *end) {
            db_conn_seterr(c, "placeholder %s has no parameter (%d given)",
                           name ? name : "?", nparams);
            return DB_E_OTHER;
        }
        if (bind_one(st, idx, &params[n - 1]) != SQLITE_OK)
            return fail(c);
    }
    return DB_OK;
}

/* Numbers as text, the way SQLite converts them ("%lld"; "%!.15g" for reals), without its
 * printf, which was a tenth of a GET /rentals. */

/* v in decimal into buf; returns the length. */
static size_t int_text(sqlite3_int64 v, char buf[32])
{
    char tmp[24], *p = tmp + sizeof tmp;
    sqlite3_uint64 u = v < 0 ? (sqlite3_uint64)0 - (sqlite3_uint64)v : (sqlite3_uint64)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(buf, p, n);
    return n;
}

/* A real with at most two decimals and |v| < 1e12 (money, baths) as SQLite writes it:
 * "1234.5", "1000.0", "-0.25"; returns 0 for any other value (SQLite converts those). */
static size_t real_text(double v, char buf[32])
{
    if (!(fabs(v) < 1e12) || v == 0.0)
        return 0;
    double cents = nearbyint(v * 100.0);
    if (cents / 100.0 != v)
        return 0;
    sqlite3_int64 c = (sqlite3_int64)cents;
    sqlite3_int64 a = c < 0 ? -c : c;
    size_t n = 0;
    if (c < 0)
        buf[n++] = '-';
    n += int_text(a / 100, buf + n);
    int frac = (int)(a % 100);
    buf[n++] = '.';
    buf[n++] = (char)('0' + frac / 10);
    if (frac % 10)
        buf[n++] = (char)('0' + frac % 10);
    return n;
}

static db_err step_all(db_conn *c, sqlite3_stmt *st, db_res **out)
{
    /* Columns are counted after the first step: a schema change re-prepares the statement
     * there, and SELECT * may then have more columns. */
    int rc = sqlite3_step(st);
    int ncols = sqlite3_column_count(st);
    db_res *r = out ? db_res_new(ncols) : NULL;
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        for (int i = 0; r && i < ncols; i++) {
            /* Unprotected value: fine here, the connection is used by one thread
             * (SQLITE_OPEN_NOMUTEX) and the value is read before the next step. */
            sqlite3_value *v = sqlite3_column_value(st, i);
            int type = sqlite3_value_type(v);
            char num[32];
            size_t n = 0;
            if (type == SQLITE_NULL) {
                db_res_push(r, NULL, 0);
            } else if ((type == SQLITE_INTEGER && (n = int_text(sqlite3_value_int64(v), num)) > 0) ||
                       (type == SQLITE_FLOAT && (n = real_text(sqlite3_value_double(v), num)) > 0)) {
                db_res_push(r, num, n);
            } else {
                const char *txt = (const char *)sqlite3_value_text(v);
                int len = sqlite3_value_bytes(v);
                db_res_push(r, txt ? txt : "", (size_t)len); /* NULL: empty blob */
            }
        }
    }
    if (rc != SQLITE_DONE) {
        db_res_free(r);
        return fail(c);
    }
    if (r) {
        db_res_finish(r, sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(handle(c)));
        *out = r;
    }
    return DB_OK;
}

static db_err sq_exec(db_conn *c, const char *sql, const db_param *params, int nparams,
                      db_res **out)
{
    /* the bound in force now (migrations run with a longer one than requests) */
    sqlite3_busy_timeout(handle(c), c->owner->timeout_ms);
    sqlite3_stmt *st = NULL;
    db_err e = stmt_get(c, sql, &st);
    if (e != DB_OK)
        return e;
    e = bind_all(c, st, params, nparams);
    if (e == DB_OK)
        e = step_all(c, st, out);
    /* Reset at once: a statement left mid-way would hold its read snapshot. */
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return e;
}

static db_err sq_exec_script(db_conn *c, const char *sql)
{
    if (sqlite3_exec(handle(c), sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(c);
    return DB_OK;
}

static db_err sq_begin(db_conn *c, db_tx_kind kind, int64_t user_id)
{
    (void)user_id; /* no row-level security in SQLite: stores filter on user_id */
    /* Writers take the lock up front so they queue on the busy timeout instead of failing
     * with SQLITE_BUSY when upgrading a read transaction. */
    if (kind == DB_TX_TENANT)
        return sq_exec(c, "BEGIN", NULL, 0, NULL);
    db_err e = writer_take(c);
    if (e == DB_OK && (e = sq_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL)) != DB_OK)
        writer_release(c);
    return e;
}

/* The write turn is given back once the transaction is over, whether or not COMMIT or
 * ROLLBACK succeeded (a failed COMMIT leaves SQLite's transaction to the caller's ROLLBACK,
 * which has no turn to give back then). */
static db_err sq_commit(db_conn *c)
{
    db_err e = sq_exec(c, "COMMIT", NULL, 0, NULL);
    if (e == DB_OK || sqlite3_get_autocommit(handle(c)))
        writer_release(c);
    return e;
}

static db_err sq_rollback(db_conn *c)
{
    db_err e = sq_exec(c, "ROLLBACK", NULL, 0, NULL);
    writer_release(c);
    return e;
}

const struct db_driver db_sqlite_driver = {
    .dialect = DB_SQLITE,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .alive = sq_alive,
    .ping = sq_alive,
    .in_tx = sq_in_tx,
    .exec = sq_exec,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .apply_role = NULL,
    .restrict_role = NULL,
};
