/* SPDX-License-Identifier: MIT */
/* Applies numbered migrations in order, each in its own transaction together with its record
 * in schema_migrations (name, SHA-256 of the text, UTC time). Applied files are checked first:
 * one whose text changed stops the run before anything is applied. On PostgreSQL a session
 * advisory lock serialises servers starting together; on SQLite the write lock of each
 * transaction does, and a file applied meanwhile by another process is skipped. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/db_internal.h"
#include "core/log.h"
#include "core/migrate.h"

static const char q_create[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "name TEXT PRIMARY KEY, checksum TEXT NOT NULL,"
                               " applied_at TEXT NOT NULL)";
static const char q_list[] = "SELECT name, checksum FROM schema_migrations";
static const char q_get[] = "SELECT checksum FROM schema_migrations WHERE name = $1";
static const char q_insert[] = "INSERT INTO schema_migrations (name, checksum, applied_at)"
                               " VALUES ($1, $2, $3)";
static const char q_lock[] = "SELECT pg_advisory_lock($1::bigint)";
static const char q_unlock[] = "SELECT pg_advisory_unlock($1::bigint)";

static app_err app_of(db_err e)
{
    return (e == DB_E_CONN || e == DB_E_BUSY) ? APP_E_UNAVAILABLE : APP_E_DB;
}

/* The recorded checksum of name in an applied list (name, checksum), or NULL. */
static const char *recorded(const db_res *done, const char *name)
{
    for (int i = 0; i < db_res_rows(done); i++) {
        if (!strcmp(db_res_text(done, i, 0), name))
            return db_res_text(done, i, 1);
    }
    return NULL;
}

static bool unchanged(const struct migration *m, const char *sum)
{
    char now[65];
    crypto_sha256_hex(m->sql, strlen(m->sql), now);
    if (!strcmp(now, sum))
        return true;
    LOG_E("migration %s was changed after it was applied (checksum mismatch); restore it or "
          "add a new migration", m->name);
    return false;
}

/* Every already applied file of list must be unchanged. */
static app_err check_applied(const struct migration *list, const db_res *done)
{
    app_err ae = APP_OK;
    for (const struct migration *m = list; m->name; m++) {
        const char *sum = recorded(done, m->name);
        if (sum && !unchanged(m, sum))
            ae = APP_E_INTERNAL;
    }
    return ae;
}

static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Applies m in one transaction; *did says whether it ran (false: another process did). */
static app_err apply_one(db_conn *c, const struct migration *m, bool *did)
{
    char sum[65], now[32];
    crypto_sha256_hex(m->sql, strlen(m->sql), sum);
    utc_now(now);
    db_param p[] = {DB_TEXT(m->name), {.t = DBP_TEXT, .s = sum}, {.t = DBP_TEXT, .s = now}};
    db_res *r = NULL;
    *did = false;
    db_err e = db_begin(c);
    if (e == DB_OK)
        e = db_exec(c, q_get, p, 1, &r);
    if (e == DB_OK && db_res_rows(r) > 0) {
        bool same = unchanged(m, db_res_text(r, 0, 0));
        db_res_free(r);
        db_rollback(c);
        return same ? APP_OK : APP_E_INTERNAL;
    }
    db_res_free(r);
    if (e == DB_OK)
        e = db_exec_script(c, m->sql);
    if (e == DB_OK)
        e = db_exec(c, q_insert, p, 3, NULL);
    if (e == DB_OK)
        e = db_commit(c);
    if (e != DB_OK) {
        LOG_E("migration %s failed: %s", m->name, db_errmsg(c));
        db_rollback(c);
        return app_of(e);
    }
    LOG_D("applied migration %s", m->name); /* apply_pending says which, in one line */
    *did = true;
    return APP_OK;
}

/* Applies every migration not in done; logs the applied ones in a single line (a first
 * start applies many, and one line per file would be cut by the log's repeat limiter). */
static app_err apply_pending(db_conn *c, const struct migration *list, const db_res *done,
                             int *n)
{
    char names[1024] = "";
    size_t len = 0;
    app_err ae = APP_OK;
    for (const struct migration *m = list; m->name && ae == APP_OK; m++) {
        if (recorded(done, m->name))
            continue;
        bool did = false;
        ae = apply_one(c, m, &did);
        if (ae == APP_OK && did) {
            (*n)++;
            int w = snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", m->name);
            len = w > 0 && (size_t)w < sizeof names - len ? len + (size_t)w : len;
        }
    }
    if (*n > 0)
        LOG_I("applied %d migration%s: %s", *n, *n == 1 ? "" : "s", names);
    return ae;
}

app_err migrate_run(db *d, const struct migration *list, int *applied)
{
    bool pg = db_get_dialect(d) == DB_POSTGRES;
    if (!list)
        list = pg ? migrations_postgres : migrations_sqlite;
    db_param key = DB_INT(DB_PG_LOCK_KEY);
    db_conn *c = NULL;
    db_res *done = NULL;
    bool locked = false;
    int n = 0;
    app_err ae = APP_OK;

    db_err e = db_acquire(d, &c);
    if (e == DB_OK && pg) {
        e = db_exec(c, q_lock, &key, 1, NULL);
        locked = e == DB_OK;
    }
    if (e == DB_OK)
        e = db_exec(c, q_create, NULL, 0, NULL);
    if (e == DB_OK)
        e = db_exec(c, q_list, NULL, 0, &done);
    if (e != DB_OK) {
        LOG_E("cannot read applied migrations: %s", c ? db_errmsg(c) : "no connection");
        ae = app_of(e);
        goto out;
    }
    ae = check_applied(list, done);
    if (ae == APP_OK)
        ae = apply_pending(c, list, done, &n);
out:
    if (locked)
        db_exec(c, q_unlock, &key, 1, NULL);
    db_res_free(done);
    db_release(c);
    if (applied)
        *applied = n;
    return ae;
}
