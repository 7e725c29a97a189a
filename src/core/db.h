/* SPDX-License-Identifier: MIT */
/* The store interface: a pool of connections behind one API with two drivers
 * (SQLite, PostgreSQL). SQL uses $1..$n placeholders in both dialects. Results are
 * materialised (all rows read) so a db_res outlives nothing but itself.
 *
 * Thread model: a request borrows one connection (db_acquire) and gives it back
 * (db_release). A connection is used by one thread at a time. */
#ifndef PETE_CORE_DB_H
#define PETE_CORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_res db_res;

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_dialect;

typedef enum {
    DB_OK = 0,
    DB_E_UNIQUE,    /* unique / primary key / exclusion violation */
    DB_E_CONN,      /* connection lost or server unreachable */
    DB_E_BUSY,      /* pool exhausted or database locked past the timeout */
    DB_E_CONSTRAINT,/* other constraint (check, foreign key, not null) */
    DB_E_OTHER
} db_err;

typedef enum { DBP_NULL = 0, DBP_INT, DBP_DOUBLE, DBP_TEXT, DBP_BOOL } db_ptype;

typedef struct {
    db_ptype t;
    int64_t i;
    double d;
    const char *s; /* borrowed for the duration of the call */
} db_param;

#define DB_INT(v) ((db_param){.t = DBP_INT, .i = (int64_t)(v)})
#define DB_DOUBLE(v) ((db_param){.t = DBP_DOUBLE, .d = (double)(v)})
#define DB_BOOL(v) ((db_param){.t = DBP_BOOL, .i = (v) ? 1 : 0})
#define DB_NULLP ((db_param){.t = DBP_NULL})
/* A NULL string binds SQL NULL. */
#define DB_TEXT(v) ((db_param){.t = (v) ? DBP_TEXT : DBP_NULL, .s = (v)})

/* Opens a pool. url NULL or "" means SQLite at sqlite_path (WAL, busy timeout);
 * "postgres://..." or "postgresql://..." means PostgreSQL. pool_size >= 1. Connections are
 * made lazily; an unreachable PostgreSQL is not an error here (db_acquire reports it).
 * Returns DB_OK and *out, or an error (message logged). */
db_err db_open(const char *url, const char *sqlite_path, int pool_size, db **out);
/* Bounds every wait on the database to ms milliseconds (default DB_TIMEOUT_DEFAULT_MS):
 * PostgreSQL: connecting, and each statement's answer (a server that stops answering, even
 * with its TCP connection alive, gives DB_E_CONN and the connection is dropped); SQLite: the
 * wait for another writer's lock (DB_E_BUSY). Migrations (db_exec_script) are not bounded.
 * Call before the first db_acquire. */
#define DB_TIMEOUT_DEFAULT_MS 3000
void db_set_timeout(db *d, int ms);
/* PostgreSQL only (no-op on SQLite): after migrations, makes every pooled connection serve
 * requests as the unprivileged role "peterental_app" (NOSUPERUSER, NOBYPASSRLS, not the
 * table owner), creating it and granting table rights when the login role may; otherwise
 * relies on FORCE ROW LEVEL SECURITY of a non-superuser owner. Refuses (DB_E_OTHER, logged)
 * to serve as a role that would bypass row-level security. */
db_err db_restrict_role(db *d);
/* Opens every pooled connection now (after db_restrict_role), so that the first burst of
 * requests does not wait on connection set-up (on PostgreSQL a new backend each, which under
 * full CPU load took up to half a second). Failures are logged, not fatal: those
 * connections open on demand as before. */
void db_warm(db *d);
void db_close(db *d);
db_dialect db_get_dialect(const db *d);

/* Borrows a connection, waiting up to 2 s: DB_E_BUSY when none frees up, DB_E_CONN when the
 * server is unreachable (a broken connection is reconnected here). */
db_err db_acquire(db *d, db_conn **out);
/* Returns a connection; an open transaction is rolled back. NULL is accepted. */
void db_release(db_conn *c);
/* Whether the database answers now: one round trip on a pooled connection, bounded like any
 * other (the readiness check). */
db_err db_check(db *d);

/* A snapshot of the pool for /metrics: its size, connections handed out now, and how many
 * acquires gave up after waiting for a free connection since start. */
struct db_pool_stats {
    int size, in_use;
    unsigned long long exhausted;
};
void db_pool_stats(db *d, struct db_pool_stats *out);

db_dialect db_conn_dialect(const db_conn *c);

/* Transactions. db_begin_tenant also sets the per-transaction tenant (PostgreSQL:
 * set_config('app.user_id', id, true)) that row-level security policies read. */
/* A transaction without a tenant (users registry, migrations); SQLite: BEGIN IMMEDIATE. */
db_err db_begin(db_conn *c);
db_err db_begin_tenant(db_conn *c, int64_t user_id);
/* As db_begin_tenant for a transaction that will write: SQLite takes the write lock up
 * front (BEGIN IMMEDIATE) so concurrent writers wait on the busy timeout instead of failing. */
db_err db_begin_tenant_write(db_conn *c, int64_t user_id);
/* Hint that the next db_exec is the last statement of the open transaction: a driver may
 * commit together with it (PostgreSQL: the COMMIT rides in the statement's round trip). The
 * caller still calls db_commit, which then reports the outcome. Only for a statement that
 * really is the last: later statements would run outside the transaction. */
void db_last_statement(db_conn *c);
db_err db_commit(db_conn *c);
db_err db_rollback(db_conn *c);

/* Maps a store error to an application error (unique -> conflict, lost/busy -> unavailable). */
app_err db_app_err(db_err e);

/* ---- the idioms every store and service uses ---------------------------------------- */

/* A unit of work: borrows a connection and opens a transaction on it. tenant > 0 makes it
 * the tenant's (PostgreSQL row-level security reads it; every statement still filters on
 * it); tenant 0 is registry work that crosses tenants (users lookup, migrations). write: it
 * will change rows (SQLite then takes the write lock up front, so writers queue on the
 * lock's timeout instead of failing when they upgrade). On failure nothing is held. */
app_err db_tx_begin(db *d, int64_t tenant, bool write, db_conn **out);
/* Ends a unit of work: commits when rc is APP_OK (a failed commit becomes the result),
 * otherwise rolls back; gives the connection back either way; returns the outcome. A
 * service that returns it as is leaves its caller's *out alone only when it is APP_OK. */
app_err db_tx_end(db_conn *c, app_err rc);
/* A store's answer to a failed statement: logs it (what, then the driver's primary
 * message; never parameters) unless it is a unique violation, a caller's business, and
 * maps it (unique -> APP_E_CONFLICT, lost or busy -> APP_E_UNAVAILABLE, else APP_E_DB). */
app_err db_fail(db_conn *c, db_err e, const char *what);
/* A statement whose only answer is whether it worked (no rows wanted): db_exec, then
 * APP_OK or db_fail(c, e, what). */
app_err db_run(db_conn *c, const char *sql, const db_param *p, int n, const char *what);
/* A PostgreSQL timestamptz column read as RFC 3339 UTC text, the form SQLite stores (for the
 * PostgreSQL half of a statement pair). */
#define DB_PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* The text of a statement that differs by dialect: each store keeps both as static
 * strings side by side and picks one per call. */
const char *db_sql(const db_conn *c, const char *sqlite_sql, const char *pg_sql);

/* Runs one statement with bound parameters. out may be NULL; otherwise *out receives a
 * result the caller frees with db_res_free (also for statements returning no rows). */
db_err db_exec(db_conn *c, const char *sql, const db_param *params, int nparams, db_res **out);
/* Runs a script of several statements without parameters (migrations). */
db_err db_exec_script(db_conn *c, const char *sql);
/* The last error message of this connection (borrowed; valid until the next call). */
const char *db_errmsg(const db_conn *c);

int db_res_rows(const db_res *r);
int db_res_cols(const db_res *r);
/* Number of rows changed by an INSERT/UPDATE/DELETE. */
int64_t db_res_affected(const db_res *r);
bool db_res_isnull(const db_res *r, int row, int col);
/* Borrowed text of a cell, NULL for SQL NULL. Valid until db_res_free. */
const char *db_res_text(const db_res *r, int row, int col);
int64_t db_res_int(const db_res *r, int row, int col);   /* 0 for NULL */
double db_res_double(const db_res *r, int row, int col); /* 0 for NULL */
bool db_res_bool(const db_res *r, int row, int col);     /* "t","true","1" are true */
void db_res_free(db_res *r);

#endif
