/* SPDX-License-Identifier: MIT */
/* All SQL of built-in accounts: credentials (email -> password hash; on PostgreSQL through
 * two SECURITY DEFINER functions) and the counters of login_failures: failed logins per
 * email and per address, sign-ups per address. Windows are fixed, from the first event:
 * ACCOUNTS_FAIL_WINDOW seconds for failures, the caller's for accounts_store_hit. */
#include <stdio.h>

#include "accounts/accounts.h"
#include "core/log.h"

static const char sql_create[] =
    "INSERT INTO credentials (user_id, email, password_hash) VALUES ($1, $2, $3)";

static const char sql_find[] =
    "SELECT user_id, password_hash FROM credentials WHERE email = $1";

/* PostgreSQL: the serving role has no rights on credentials; these SECURITY DEFINER
 * functions (migrations/postgres/0001_users.sql) reach one account by exact email. */
static const char pg_create[] = "SELECT credentials_create($1::bigint, $2::text, $3::text)";

static const char pg_find[] = "SELECT user_id, password_hash FROM credentials_find($1::text)";

static const char *dialect_sql(db_conn *c, const char *sqlite_sql, const char *pg_sql)
{
    return db_conn_dialect(c) == DB_POSTGRES ? pg_sql : sqlite_sql;
}

static const char sql_failures[] =
    "SELECT count, window_start FROM login_failures WHERE key = $1 AND window_start > $2";

/* $2 = now, $3 = now - window: an expired window restarts at now with count 1. */
static const char sql_failure_add[] =
    "INSERT INTO login_failures (key, window_start, count) VALUES ($1, $2, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN login_failures.window_start <= $3 THEN 1"
    " ELSE login_failures.count + 1 END,"
    " window_start = CASE WHEN login_failures.window_start <= $3 THEN excluded.window_start"
    " ELSE login_failures.window_start END";

/* As sql_failure_add with the window as $3 = now - window, returning the counter. */
static const char sql_hit[] =
    "INSERT INTO login_failures (key, window_start, count) VALUES ($1, $2, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN login_failures.window_start <= $3 THEN 1"
    " ELSE login_failures.count + 1 END,"
    " window_start = CASE WHEN login_failures.window_start <= $3 THEN excluded.window_start"
    " ELSE login_failures.window_start END"
    " RETURNING count, window_start";

static const char sql_failure_clear[] = "DELETE FROM login_failures WHERE key = $1";

static const char sql_failure_prune[] = "DELETE FROM login_failures WHERE window_start <= $1";

static const char sql_revoke[] =
    "INSERT INTO revoked_tokens (token_id, expires_at, revoked_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (token_id) DO NOTHING";

static const char sql_revocations[] =
    "SELECT token_id, expires_at, revoked_at FROM revoked_tokens"
    " WHERE revoked_at >= $1 AND expires_at > $2";

static const char sql_revocations_prune[] = "DELETE FROM revoked_tokens WHERE expires_at <= $1";

static app_err fail(db_conn *c, db_err e, const char *what)
{
    if (e != DB_E_UNIQUE)
        LOG_E("%s: %s", what, db_errmsg(c));
    return db_app_err(e);
}

app_err accounts_store_create(db_conn *c, int64_t user_id, const char *email, const char *hash)
{
    db_param p[] = {DB_INT(user_id), DB_TEXT(email), DB_TEXT(hash)};
    db_err e = db_exec(c, dialect_sql(c, sql_create, pg_create), p, 3, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "create credentials");
}

app_err accounts_store_find(db_conn *c, const char *email, int64_t *user_id,
                            char hash[ACCOUNTS_HASH_MAX])
{
    db_param p[] = {DB_TEXT(email)};
    db_res *res = NULL;
    db_err e = db_exec(c, dialect_sql(c, sql_find, pg_find), p, 1, &res);
    if (e != DB_OK)
        return fail(c, e, "find credentials");
    app_err ae = APP_E_NOTFOUND;
    if (db_res_rows(res) == 1 && db_res_text(res, 0, 1)) {
        *user_id = db_res_int(res, 0, 0);
        snprintf(hash, ACCOUNTS_HASH_MAX, "%s", db_res_text(res, 0, 1));
        ae = APP_OK;
    }
    db_res_free(res);
    return ae;
}

app_err accounts_store_failures(db_conn *c, const char *key, int64_t now, int64_t *count,
                                int64_t *window_start)
{
    db_param p[] = {DB_TEXT(key), DB_INT(now - ACCOUNTS_FAIL_WINDOW)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_failures, p, 2, &res);
    if (e != DB_OK)
        return fail(c, e, "read login failures");
    *count = db_res_rows(res) == 1 ? db_res_int(res, 0, 0) : 0;
    *window_start = db_res_rows(res) == 1 ? db_res_int(res, 0, 1) : now;
    db_res_free(res);
    return APP_OK;
}

app_err accounts_store_failure_add(db_conn *c, const char *key, int64_t now)
{
    db_param p[] = {DB_TEXT(key), DB_INT(now), DB_INT(now - ACCOUNTS_FAIL_WINDOW)};
    db_err e = db_exec(c, sql_failure_add, p, 3, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "count login failure");
}

app_err accounts_store_hit(db_conn *c, const char *key, int64_t now, int64_t window,
                           int64_t *count, int64_t *window_start)
{
    db_param p[] = {DB_TEXT(key), DB_INT(now), DB_INT(now - window)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_hit, p, 3, &res);
    if (e != DB_OK)
        return fail(c, e, "count event");
    app_err ae = APP_E_DB;
    if (db_res_rows(res) == 1) {
        *count = db_res_int(res, 0, 0);
        *window_start = db_res_int(res, 0, 1);
        ae = APP_OK;
    }
    db_res_free(res);
    return ae;
}

app_err accounts_store_failure_clear(db_conn *c, const char *key)
{
    db_param p[] = {DB_TEXT(key)};
    db_err e = db_exec(c, sql_failure_clear, p, 1, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "clear login failures");
}

app_err accounts_store_failure_prune(db_conn *c, int64_t now)
{
    db_param p[] = {DB_INT(now - ACCOUNTS_SIGNUP_WINDOW)};
    db_err e = db_exec(c, sql_failure_prune, p, 1, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "prune login failures");
}

app_err accounts_store_revoke(db_conn *c, const char *token_id, int64_t expires_at, int64_t now)
{
    db_param p[] = {DB_TEXT(token_id), DB_INT(expires_at), DB_INT(now)};
    db_err e = db_exec(c, sql_revoke, p, 3, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "store revocation");
}

app_err accounts_store_revocations(db_conn *c, int64_t since, int64_t now, db_res **out)
{
    db_param p[] = {DB_INT(since), DB_INT(now)};
    db_err e = db_exec(c, sql_revocations, p, 2, out);
    return e == DB_OK ? APP_OK : fail(c, e, "read revocations");
}

app_err accounts_store_revocations_prune(db_conn *c, int64_t now)
{
    db_param p[] = {DB_INT(now)};
    db_err e = db_exec(c, sql_revocations_prune, p, 1, NULL);
    return e == DB_OK ? APP_OK : fail(c, e, "prune revocations");
}
