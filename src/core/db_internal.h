/* SPDX-License-Identifier: MIT */
/* Internals shared by the pool (db.c) and its drivers (db_sqlite.c, db_pg.c). Not for use
 * outside src/core/db*.c and migrate.c. A driver is a table of function pointers; db.c never
 * branches on the dialect. Drivers record failures in db_conn.errbuf (primary message only:
 * never SQL text or parameter values). */
#ifndef PETE_CORE_DB_INTERNAL_H
#define PETE_CORE_DB_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "core/db.h"

typedef enum { DB_TX_PLAIN, DB_TX_TENANT, DB_TX_TENANT_WRITE } db_tx_kind;

struct db_driver {
    db_dialect dialect;
    /* Opens c->h by c->deadline_ms. On failure c->h stays NULL and c->errbuf says why. */
    db_err (*connect)(db_conn *c);
    /* Closes c->h (not NULL) and frees everything the driver hung on it. */
    void (*disconnect)(db_conn *c);
    /* False when the connection is known to be broken (no round trip). */
    bool (*alive)(db_conn *c);
    /* One round trip proving the server still answers (by c->deadline_ms). */
    bool (*ping)(db_conn *c);
    /* True while a transaction is open (also a failed one). */
    bool (*in_tx)(db_conn *c);
    db_err (*exec)(db_conn *c, const char *sql, const db_param *params, int nparams,
                   db_res **out);
    db_err (*exec_script)(db_conn *c, const char *sql);
    /* May defer the round trip to the first statement (PostgreSQL pipelines them). */
    db_err (*begin)(db_conn *c, db_tx_kind kind, int64_t user_id);
    db_err (*commit)(db_conn *c);
    db_err (*rollback)(db_conn *c);
    /* db_last_statement (NULL: ignored; db_commit commits as usual). */
    void (*last_statement)(db_conn *c);
    /* Switches the session to the unprivileged serving role (NULL: driver has none). */
    db_err (*apply_role)(db_conn *c);
    /* Implements db_restrict_role (NULL: nothing to do). */
    db_err (*restrict_role)(db *d);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

#define DB_ERRBUF 256

/* PostgreSQL advisory lock serialising schema changes (migrations, role set-up) between
 * servers starting together. */
#define DB_PG_LOCK_KEY INT64_C(7305737716236410400)

struct db_conn {
    db *owner;
    void *h;           /* driver state (connection, statement cache); NULL = not open */
    bool in_use;
    unsigned epoch;    /* owner->epoch when this connection last proved alive */
    unsigned role_gen; /* owner->role_gen applied to this session */
    int64_t deadline_ms; /* mono_ms() bound of the acquire in progress: pool wait, ping,
                          * connect and role switch share DB_TIMEOUT */
    char errbuf[DB_ERRBUF];
};

struct db {
    const struct db_driver *drv;
    char *url;         /* PostgreSQL connection URL, or NULL */
    char *path;        /* SQLite file, or NULL */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int size;
    int nfree;
    unsigned long long exhausted; /* under mu: acquires that gave up waiting (DB_E_BUSY) */
    db_conn *conns;    /* size entries */
    /* Under mu: bumped when a connection is found broken, so idle ones get pinged once. */
    unsigned epoch;
    /* Under mu: whether every session must switch to the serving role (drv->apply_role),
     * and a counter bumped when that is set, so sessions opened before switch on acquire. */
    bool restricted;
    unsigned role_gen;
    int timeout_ms;    /* a statement's answer, a lock wait, a connection: DB_TIMEOUT */
    /* SQLite: held by this process's one writing transaction (db_sqlite.c), so writers
     * queue here in order instead of in SQLite's busy handler, which polls with sleeps of
     * up to 100 ms. Other processes still meet the busy timeout. */
    pthread_mutex_t writer;
};

/* Materialised result: cells are offsets into one text buffer (-1 for SQL NULL). */
struct db_res {
    int ncols;
    int nrows;
    int64_t affected;
    ptrdiff_t *off;
    size_t ncells, cells_cap;
    char *buf;
    size_t len, cap;
};

/* Result building for drivers. Out of memory aborts the process. */
db_res *db_res_new(int ncols);
/* Appends the next cell (row-major). s NULL appends SQL NULL; len bytes are copied and a
 * NUL terminator added. */
void db_res_push(db_res *r, const char *s, size_t len);
/* Ends building: rows = cells / cols. */
void db_res_finish(db_res *r, int64_t affected);

/* Drops c's handle and opens a new one (serving role applied), marking the pool so idle
 * connections prove themselves before reuse. For a driver that found c broken before
 * anything of the current transaction ran. */
db_err db_conn_reopen(db_conn *c);

/* Makes every pooled session switch to the serving role before its next use. */
void db_pool_restrict(db *d);

/* Formats c->errbuf. */
void db_conn_seterr(db_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
