/* SPDX-License-Identifier: MIT */
/* The store interface on the backend named by PETE_BACKEND (sqlite or postgres): parameters
 * of every type, error mapping, transactions, the pool (exhaustion, threads), slow statements
 * logged without their parameters, and on PostgreSQL recovery after the server drops
 * connections and the unprivileged serving role. */
#include "testutil.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"

#define POOL 4 /* tu_open_db's pool size */


static bool is_pg(void) { return !strcmp(tu_backend(), "postgres"); }

static void run(db *d, const char *sql)
{
    db_conn *c = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    if (db_exec(c, sql, NULL, 0, NULL) != DB_OK)
        fail_msg("%s: %s", sql, db_errmsg(c));
    db_release(c);
}

static int64_t count_rows(db *d, const char *table_sql)
{
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_exec(c, table_sql, NULL, 0, &r), DB_OK);
    int64_t n = db_res_int(r, 0, 0);
    db_res_free(r);
    db_release(c);
    return n;
}

static const char create_t[] =
    "CREATE TABLE t (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT,"
    " b BOOLEAN, n TEXT, u TEXT UNIQUE, nn TEXT NOT NULL DEFAULT 'x')";
static const char insert_t[] = "INSERT INTO t (id, i, d, s, b, n) VALUES ($1, $2, $3, $4, $5, $6)";

static void test_params_roundtrip(void **state)
{
    struct tu_db *f = *state;
    run(f->d, create_t);
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    const char *odd = "h\xc3\xa9llo 'q' \"x\" ; -- $1";
    db_param a[] = {DB_INT(1), DB_INT(INT64_C(9007199254740993)), DB_DOUBLE(0.1), DB_TEXT(odd),
                    DB_BOOL(true), DB_TEXT(NULL)};
    assert_int_equal(db_exec(c, insert_t, a, 6, &r), DB_OK);
    assert_int_equal(db_res_affected(r), 1);
    db_res_free(r);
    db_param b[] = {DB_INT(2), DB_INT(INT64_MIN), DB_DOUBLE(-1.5e300), DB_TEXT(""),
                    DB_BOOL(false), DB_NULLP};
    assert_int_equal(db_exec(c, insert_t, b, 6, NULL), DB_OK);

    assert_int_equal(db_exec(c, "SELECT id, i, d, s, b, n FROM t ORDER BY id", NULL, 0, &r),
                     DB_OK);
    assert_int_equal(db_res_rows(r), 2);
    assert_int_equal(db_res_cols(r), 6);
    assert_int_equal(db_res_affected(r), 0);
    assert_true(db_res_int(r, 0, 1) == INT64_C(9007199254740993));
    assert_true(db_res_double(r, 0, 2) == 0.1);
    assert_string_equal(db_res_text(r, 0, 3), odd);
    assert_true(db_res_bool(r, 0, 4));
    assert_true(db_res_isnull(r, 0, 5));
    assert_null(db_res_text(r, 0, 5));
    assert_true(db_res_int(r, 1, 1) == INT64_MIN);
    assert_true(db_res_double(r, 1, 2) == -1.5e300);
    assert_false(db_res_isnull(r, 1, 3));
    assert_string_equal(db_res_text(r, 1, 3), "");
    assert_false(db_res_bool(r, 1, 4));
    assert_true(db_res_isnull(r, 1, 5));
    /* Out of range cells read as NULL. */
    assert_null(db_res_text(r, 2, 0));
    assert_null(db_res_text(r, 0, 6));
    db_res_free(r);

    db_param u[] = {DB_TEXT("changed"), DB_INT(0)};
    assert_int_equal(db_exec(c, "UPDATE t SET s = $1 WHERE id > $2", u, 2, &r), DB_OK);
    assert_int_equal(db_res_affected(r), 2);
    db_res_free(r);
    db_param one = DB_INT(3);
    assert_int_equal(db_exec(c, "INSERT INTO t (id) VALUES ($1) RETURNING id", &one, 1, &r),
                     DB_OK);
    assert_int_equal(db_res_rows(r), 1);
    assert_int_equal(db_res_int(r, 0, 0), 3);
    db_res_free(r);
    db_release(c);
}

static void test_many_params_and_reuse(void **state)
{
    struct tu_db *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    char sql[512] = "SELECT 0";
    db_param p[20];
    for (int i = 0; i < 20; i++) {
        p[i] = DB_INT(i * 7);
        snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " + CAST($%d AS BIGINT)", i + 1);
    }
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    for (int round = 0; round < 3; round++) { /* the cached statement is reused */
        assert_int_equal(db_exec(c, sql, p, 20, &r), DB_OK);
        assert_int_equal(db_res_int(r, 0, 0), 7 * 190);
        db_res_free(r);
    }
    /* A placeholder without a parameter is an error on both backends. */
    assert_int_equal(db_exec(c, "SELECT CAST($1 AS BIGINT) + CAST($3 AS BIGINT)", p, 2, NULL),
                     DB_E_OTHER);
    assert_true(strlen(db_errmsg(c)) > 0);
    db_release(c);
}

static void test_errors(void **state)
{
    struct tu_db *f = *state;
    run(f->d, create_t);
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    static const char ins_u[] = "INSERT INTO t (id, u) VALUES ($1, $2)";
    db_param a[] = {DB_INT(1), DB_TEXT("same")};
    assert_int_equal(db_exec(c, ins_u, a, 2, NULL), DB_OK);
    db_param dup_u[] = {DB_INT(2), DB_TEXT("same")};
    assert_int_equal(db_exec(c, ins_u, dup_u, 2, NULL), DB_E_UNIQUE);
    db_param dup_pk[] = {DB_INT(1), DB_TEXT("other")};
    assert_int_equal(db_exec(c, ins_u, dup_pk, 2, NULL), DB_E_UNIQUE);
    db_param nn = DB_INT(5);
    assert_int_equal(db_exec(c, "INSERT INTO t (id, nn) VALUES ($1, NULL)", &nn, 1, NULL),
                     DB_E_CONSTRAINT);
    assert_int_equal(db_exec(c, "SELEC nonsense", NULL, 0, NULL), DB_E_OTHER);
    assert_true(strlen(db_errmsg(c)) > 0);
    /* A statement that failed to prepare is not remembered as prepared. */
    static const char later[] = "SELECT COUNT(*) FROM later";
    assert_int_equal(db_exec(c, later, NULL, 0, NULL), DB_E_OTHER);
    assert_int_equal(db_exec(c, "CREATE TABLE later (x INTEGER)", NULL, 0, NULL), DB_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(db_exec(c, later, NULL, 0, NULL), DB_OK);
    /* The connection still works after errors. */
    assert_int_equal(db_exec(c, "SELECT 1", NULL, 0, NULL), DB_OK);
    db_release(c);
    assert_int_equal(count_rows(f->d, "SELECT COUNT(*) FROM t"), 1);

    assert_int_equal(db_app_err(DB_OK), APP_OK);
    assert_int_equal(db_app_err(DB_E_UNIQUE), APP_E_CONFLICT);
    assert_int_equal(db_app_err(DB_E_CONN), APP_E_UNAVAILABLE);
    assert_int_equal(db_app_err(DB_E_BUSY), APP_E_UNAVAILABLE);
    assert_int_equal(db_app_err(DB_E_CONSTRAINT), APP_E_DB);
    assert_int_equal(db_app_err(DB_E_OTHER), APP_E_DB);
}

/* A cached statement keeps working after the schema under it changes (as when another
 * server runs a migration): at most one failure, then the new shape. */
static void test_schema_change(void **state)
{
    struct tu_db *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    static const char q[] = "SELECT * FROM sc";
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_exec(c, "CREATE TABLE sc (a INTEGER)", NULL, 0, NULL), DB_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(db_exec(c, q, NULL, 0, &r), DB_OK);
        assert_int_equal(db_res_cols(r), 1);
        db_res_free(r);
    }
    assert_int_equal(db_exec(c, "ALTER TABLE sc ADD COLUMN b TEXT", NULL, 0, NULL), DB_OK);
    db_err e = db_exec(c, q, NULL, 0, &r);
    if (e != DB_OK)
        e = db_exec(c, q, NULL, 0, &r);
    assert_int_equal(e, DB_OK);
    assert_int_equal(db_res_cols(r), 2);
    db_res_free(r);
    assert_int_equal(db_exec(c, q, NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_cols(r), 2);
    db_res_free(r);
    db_release(c);
}

static void insert_id(db_conn *c, int64_t id)
{
    db_param p = DB_INT(id);
    assert_int_equal(db_exec(c, "INSERT INTO t (id) VALUES ($1)", &p, 1, NULL), DB_OK);
}

static void test_transactions(void **state)
{
    struct tu_db *f = *state;
    run(f->d, create_t);
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    insert_id(c, 1);
    assert_int_equal(db_rollback(c), DB_OK);
    assert_int_equal(db_begin_tenant_write(c, 7), DB_OK);
    insert_id(c, 2);
    assert_int_equal(db_commit(c), DB_OK);
    /* Released with an open transaction: rolled back, and the connection is reusable. */
    assert_int_equal(db_begin(c), DB_OK);
    insert_id(c, 3);
    db_release(c);
    db_release(NULL);
    assert_int_equal(count_rows(f->d, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(count_rows(f->d, "SELECT MAX(id) FROM t"), 2);
    /* The first statement of a transaction failing: rolled back, connection reusable. */
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_begin_tenant(c, 7), DB_OK);
    db_param dup = DB_INT(2);
    assert_int_equal(db_exec(c, "INSERT INTO t (id) VALUES ($1)", &dup, 1, NULL), DB_E_UNIQUE);
    assert_int_equal(db_rollback(c), DB_OK);
    assert_int_equal(db_begin(c), DB_OK);
    assert_int_equal(db_commit(c), DB_OK); /* an empty transaction */
    db_release(c);
    for (int i = 0; i < POOL; i++) { /* every pooled connection can begin */
        assert_int_equal(db_acquire(f->d, &c), DB_OK);
        assert_int_equal(db_begin(c), DB_OK);
        db_release(c);
    }
}

static void test_tenant_setting(void **state)
{
    struct tu_db *f = *state;
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_begin_tenant(c, 42), DB_OK);
    if (is_pg()) {
        static const char q[] = "SELECT current_setting('app.user_id', true)";
        assert_int_equal(db_exec(c, q, NULL, 0, &r), DB_OK);
        assert_string_equal(db_res_text(r, 0, 0), "42");
        db_res_free(r);
        assert_int_equal(db_commit(c), DB_OK);
        /* Transaction-local: gone afterwards. */
        assert_int_equal(db_exec(c, q, NULL, 0, &r), DB_OK);
        assert_true(db_res_isnull(r, 0, 0) || !strcmp(db_res_text(r, 0, 0), ""));
        db_res_free(r);
    } else {
        assert_int_equal(db_exec(c, "SELECT 1", NULL, 0, NULL), DB_OK);
        assert_int_equal(db_commit(c), DB_OK);
    }
    db_release(c);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_pool_exhaustion(void **state)
{
    struct tu_db *f = *state;
    db_conn *held[POOL] = {0};
    for (int i = 0; i < POOL; i++)
        assert_int_equal(db_acquire(f->d, &held[i]), DB_OK);
    db_conn *extra = NULL;
    double t0 = now_s();
    assert_int_equal(db_acquire(f->d, &extra), DB_E_BUSY);
    double waited = now_s() - t0;
    assert_true(waited >= 1.9 && waited < 5.0);
    assert_null(extra);
    db_release(held[0]);
    assert_int_equal(db_acquire(f->d, &extra), DB_OK);
    assert_ptr_equal(extra, held[0]);
    db_release(extra);
    for (int i = 1; i < POOL; i++)
        db_release(held[i]);
}

/* ---- slow statements are logged ------------------------------------------------------- */

/* Runs sql (one text parameter) with stderr going to a file; returns what was logged. */
static char *logged_while(db *d, const char *sql, const char *param)
{
    char path[] = "/tmp/pete-slowlog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    db_conn *c = NULL;
    db_param p[] = {DB_TEXT(param)};
    db_err e = db_acquire(d, &c);
    if (e == DB_OK)
        e = db_exec(c, sql, p, 1, NULL);
    db_release(c);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(e, DB_OK);
    char *text = calloc(1, 8192);
    assert_non_null(text);
    assert_true(pread(fd, text, 8191, 0) >= 0);
    close(fd);
    unlink(path);
    return text;
}

static void test_slow_statement_logged(void **state)
{
    struct tu_db *f = *state;
    /* about 0.15 s on PostgreSQL; on SQLite, counting to three million takes longer */
    const char *slow = is_pg() ? "SELECT pg_sleep(0.15), CAST($1 AS text)"
                               : "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                                 "FROM c WHERE x < 3000000) SELECT count(*), $1 FROM c";
    char *text = logged_while(f->d, slow, "secret-parameter-value");
    assert_non_null(strstr(text, "slow database: "));
    assert_non_null(strstr(text, is_pg() ? "SELECT pg_sleep(0.15)" : "WITH RECURSIVE c(x)"));
    assert_null(strstr(text, "secret-parameter-value"));
    free(text);
    text = logged_while(f->d, "SELECT $1", "quick");
    assert_null(strstr(text, "slow database"));
    free(text);
}

/* ---- threads ------------------------------------------------------------------------- */

#define THREADS 6
#define ITERS 25

struct worker {
    db *d;
    int id;
    int failures;
};

static bool one_iteration(struct worker *w, int k)
{
    db_conn *c = NULL;
    db_res *r = NULL;
    db_param p[] = {DB_INT(w->id), DB_INT(k)};
    bool ok = db_acquire(w->d, &c) == DB_OK && db_begin_tenant_write(c, w->id) == DB_OK &&
              db_exec(c, "INSERT INTO th (tid, k) VALUES ($1, $2)", p, 2, NULL) == DB_OK &&
              db_commit(c) == DB_OK && db_begin_tenant(c, w->id) == DB_OK &&
              db_exec(c, "SELECT COUNT(*) FROM th WHERE tid = $1", p, 1, &r) == DB_OK &&
              db_res_int(r, 0, 0) == k + 1 && db_commit(c) == DB_OK;
    db_res_free(r);
    db_release(c);
    return ok;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int k = 0; k < ITERS; k++) {
        if (!one_iteration(w, k))
            w->failures++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct tu_db *f = *state;
    run(f->d, "CREATE TABLE th (tid BIGINT NOT NULL, k BIGINT NOT NULL, PRIMARY KEY (tid, k))");
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.d = f->d, .id = i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(count_rows(f->d, "SELECT COUNT(*) FROM th"), THREADS * ITERS);
}

/* ---- SQLite only ------------------------------------------------------------------------ */

static void test_sqlite_setup(void **state)
{
    struct tu_db *f = *state;
    char path[4096], sub[2048];
    snprintf(sub, sizeof sub, "%s/data/deeper", f->dir);
    snprintf(path, sizeof path, "%s/pete.db", sub);
    db *d = NULL;
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_open(NULL, path, 2, &d), DB_OK);
    assert_int_equal(db_get_dialect(d), DB_SQLITE);
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_conn_dialect(c), DB_SQLITE);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(db_exec(c, "PRAGMA journal_mode", NULL, 0, &r), DB_OK);
    assert_string_equal(db_res_text(r, 0, 0), "wal");
    db_res_free(r);
    assert_int_equal(db_exec(c, "PRAGMA foreign_keys", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_int(r, 0, 0), 1);
    db_res_free(r);
    assert_int_equal(db_exec(c, "PRAGMA synchronous", NULL, 0, &r), DB_OK);
    assert_int_equal(db_res_int(r, 0, 0), 1); /* NORMAL */
    db_res_free(r);
    assert_int_equal(db_exec(c, "SELECT 1; SELECT 2", NULL, 0, NULL), DB_E_OTHER);
    assert_int_equal(db_restrict_role(d), DB_OK); /* no-op */
    db_release(c);
    db_close(d);
    assert_int_equal(db_open("mysql://x", NULL, 2, &d), DB_E_OTHER);
    assert_int_equal(db_open(NULL, path, 0, &d), DB_E_OTHER);
}

/* ---- PostgreSQL only ---------------------------------------------------------------- */

/* Backend pids of every pooled connection (each acquired at once, so all are opened). */
static void pool_pids(db *d, int pids[POOL])
{
    db_conn *c[POOL];
    for (int i = 0; i < POOL; i++) {
        db_res *r = NULL;
        assert_int_equal(db_acquire(d, &c[i]), DB_OK);
        assert_int_equal(db_exec(c[i], "SELECT pg_backend_pid()", NULL, 0, &r), DB_OK);
        pids[i] = (int)db_res_int(r, 0, 0);
        db_res_free(r);
    }
    for (int i = 0; i < POOL; i++)
        db_release(c[i]);
}

static bool pid_gone(PGconn *a, const char *pid)
{
    const char *v[] = {pid};
    PGresult *r = PQexecParams(a, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", 1,
                               NULL, v, NULL, NULL, 0);
    bool gone = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0;
    PQclear(r);
    return gone;
}

/* Kills every pooled backend from a separate connection and waits until they are gone. */
static void kill_pool(struct tu_db *f)
{
    int pids[POOL];
    pool_pids(f->d, pids);
    PGconn *a = PQconnectdb(f->url);
    assert_int_equal(PQstatus(a), CONNECTION_OK);
    for (int i = 0; i < POOL; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", pids[i]);
        const char *v[] = {pid};
        PQclear(PQexecParams(a, "SELECT pg_terminate_backend($1::int)", 1, NULL, v, NULL,
                             NULL, 0));
        int tries = 0;
        while (!pid_gone(a, pid) && tries++ < 200)
            usleep(20000);
        assert_true(pid_gone(a, pid));
    }
    PQfinish(a);
}

static void test_pg_reconnect(void **state)
{
    struct tu_db *f = *state;
    db_conn *c = NULL;
    kill_pool(f);
    /* The first use of a dead connection reports the loss... */
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_exec(c, "SELECT 1", NULL, 0, NULL), DB_E_CONN);
    db_release(c);
    /* ...and the next acquire works without restarting anything. */
    for (int i = 0; i < POOL; i++) {
        assert_int_equal(db_acquire(f->d, &c), DB_OK);
        assert_int_equal(db_exec(c, "SELECT 1", NULL, 0, NULL), DB_OK);
        db_release(c);
    }
    /* A transaction started on a dead connection reconnects transparently. */
    kill_pool(f);
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    assert_int_equal(db_begin_tenant(c, 3), DB_OK);
    assert_int_equal(db_exec(c, "SELECT 1", NULL, 0, NULL), DB_OK);
    assert_int_equal(db_commit(c), DB_OK);
    db_release(c);
}

static void test_pg_unreachable(void **state)
{
    (void)state;
    db *d = NULL;
    db_conn *c = NULL;
    /* Port 1 on loopback: nothing listens there. */
    assert_int_equal(db_open("postgres://nobody@127.0.0.1:1/x", NULL, 1, &d), DB_OK);
    assert_int_equal(db_acquire(d, &c), DB_E_CONN);
    assert_null(c);
    db_close(d);
}

static void assert_serving_role(db *d)
{
    static const char q[] = "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles"
                            " WHERE rolname = current_user";
    db_conn *c[POOL];
    for (int i = 0; i < POOL; i++) {
        db_res *r = NULL;
        assert_int_equal(db_acquire(d, &c[i]), DB_OK);
        assert_int_equal(db_exec(c[i], q, NULL, 0, &r), DB_OK);
        assert_string_equal(db_res_text(r, 0, 0), "peterental_app");
        assert_false(db_res_bool(r, 0, 1));
        assert_false(db_res_bool(r, 0, 2));
        db_res_free(r);
        db_param p = DB_INT(100 + i);
        /* The serving role has the rights requests need. */
        assert_int_equal(db_exec(c[i], "INSERT INTO t (id) VALUES ($1)", &p, 1, NULL), DB_OK);
        assert_int_equal(db_exec(c[i], "UPDATE t SET s = 'x' WHERE id = $1", &p, 1, NULL),
                         DB_OK);
        assert_int_equal(db_exec(c[i], "DELETE FROM t WHERE id = $1", &p, 1, NULL), DB_OK);
    }
    for (int i = 0; i < POOL; i++)
        db_release(c[i]);
}

static void test_pg_restrict_role(void **state)
{
    struct tu_db *f = *state;
    run(f->d, create_t);
    db_conn *idle = NULL;
    assert_int_equal(db_acquire(f->d, &idle), DB_OK); /* opened before the switch */
    db_release(idle);
    assert_int_equal(db_restrict_role(f->d), DB_OK);
    assert_serving_role(f->d);
    assert_int_equal(db_restrict_role(f->d), DB_OK); /* idempotent */
    /* Reconnected sessions switch too. */
    kill_pool(f);
    db_conn *c = NULL;
    assert_int_equal(db_acquire(f->d, &c), DB_OK);
    db_exec(c, "SELECT 1", NULL, 0, NULL); /* may report the lost connection */
    db_release(c);
    assert_serving_role(f->d);
    /* A second pool on the same database (role already exists) does the same. */
    db *d2 = NULL;
    assert_int_equal(db_open(f->url, NULL, POOL, &d2), DB_OK);
    assert_int_equal(db_restrict_role(d2), DB_OK);
    assert_serving_role(d2);
    db_close(d2);
}

/* ---- PostgreSQL login roles of each kind ------------------------------------------------ */

struct login {
    PGconn *admin;
    char role[32];
    char dbname[40];
    char url[256];
};

static void admin_ok(PGconn *a, const char *sql)
{
    PGresult *r = PQexec(a, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(a));
    PQclear(r);
}

/* Creates a login role with the given attributes and a database it owns; fills l->url. */
static void login_make(struct login *l, const char *attrs)
{
    static unsigned counter;
    l->admin = PQconnectdb(getenv("PETE_TEST_PG_URL"));
    assert_int_equal(PQstatus(l->admin), CONNECTION_OK);
    snprintf(l->role, sizeof l->role, "pete_r_%d_%u", (int)getpid(), counter++);
    snprintf(l->dbname, sizeof l->dbname, "%s_db", l->role);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN %s", l->role, attrs);
    admin_ok(l->admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER %s", l->dbname, l->role);
    admin_ok(l->admin, sql);
    snprintf(l->url, sizeof l->url, "postgres://%s@%s:%s/%s", l->role, PQhost(l->admin),
             PQport(l->admin), l->dbname);
}

static void login_drop(struct login *l)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", l->dbname);
    admin_ok(l->admin, sql);
    snprintf(sql, sizeof sql, "DROP ROLE %s", l->role);
    admin_ok(l->admin, sql);
    PQfinish(l->admin);
}

static void assert_current_user(db *d, const char *want)
{
    db_conn *c = NULL;
    db_res *r = NULL;
    assert_int_equal(db_acquire(d, &c), DB_OK);
    assert_int_equal(db_exec(c, "SELECT current_user", NULL, 0, &r), DB_OK);
    assert_string_equal(db_res_text(r, 0, 0), want);
    db_res_free(r);
    db_release(c);
}

/* An unprivileged login role owning the tables keeps serving (FORCE ROW LEVEL SECURITY);
 * a CREATEROLE one switches to peterental_app; a BYPASSRLS one that cannot switch is refused. */
static void test_pg_login_roles(void **state)
{
    (void)state;
    struct login l;
    db *d = NULL;

    login_make(&l, "NOSUPERUSER NOCREATEROLE NOBYPASSRLS");
    assert_int_equal(db_open(l.url, NULL, 2, &d), DB_OK);
    run(d, "CREATE TABLE owned (x INTEGER)");
    assert_int_equal(db_restrict_role(d), DB_OK);
    assert_current_user(d, l.role);
    db_close(d);
    login_drop(&l);

    login_make(&l, "NOSUPERUSER CREATEROLE NOBYPASSRLS");
    assert_int_equal(db_open(l.url, NULL, 2, &d), DB_OK);
    run(d, "CREATE TABLE owned (x INTEGER)");
    assert_int_equal(db_restrict_role(d), DB_OK);
    assert_current_user(d, "peterental_app");
    run(d, "INSERT INTO owned (x) VALUES (1)");
    db_close(d);
    login_drop(&l);

    login_make(&l, "NOSUPERUSER NOCREATEROLE BYPASSRLS");
    assert_int_equal(db_open(l.url, NULL, 2, &d), DB_OK);
    assert_int_equal(db_restrict_role(d), DB_E_OTHER);
    db_close(d);
    login_drop(&l);
}

/* Each test gets an empty database of the selected backend. */
#define DB_TEST(fn) cmocka_unit_test_setup_teardown(fn, tu_db_setup, tu_db_teardown)

int main(void)
{
    const struct CMUnitTest common[] = {
        DB_TEST(test_params_roundtrip),
        DB_TEST(test_many_params_and_reuse),
        DB_TEST(test_errors),
        DB_TEST(test_schema_change),
        DB_TEST(test_transactions),
        DB_TEST(test_tenant_setting),
        DB_TEST(test_pool_exhaustion),
        DB_TEST(test_slow_statement_logged),
        DB_TEST(test_threads),
    };
    const struct CMUnitTest sqlite_only[] = {
        DB_TEST(test_sqlite_setup),
    };
    const struct CMUnitTest pg_only[] = {
        DB_TEST(test_pg_reconnect),
        cmocka_unit_test(test_pg_unreachable),
        DB_TEST(test_pg_restrict_role),
        cmocka_unit_test(test_pg_login_roles),
    };
    int failed = cmocka_run_group_tests_name("db", common, NULL, NULL);
    if (is_pg())
        failed += cmocka_run_group_tests_name("db_postgres", pg_only, NULL, NULL);
    else
        failed += cmocka_run_group_tests_name("db_sqlite", sqlite_only, NULL, NULL);
    return failed ? 1 : 0;
}
