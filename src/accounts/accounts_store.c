/* SPDX-License-Identifier: MIT */
/* All SQL of built-in accounts: credentials (email -> password hash; on PostgreSQL through
 * two SECURITY DEFINER functions) and revoked session tokens. The failed-login and sign-up
 * counters are core/ratelimit.h's. */
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

static const char sql_revoke[] =
    "INSERT INTO revoked_tokens (token_id, expires_at, revoked_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (token_id) DO NOTHING";

static const char sql_revocations[] =
    "SELECT token_id, expires_at, revoked_at FROM revoked_tokens"
    " WHERE revoked_at >= $1 AND expires_at > $2";

static const char sql_revocations_prune[] = "DELETE FROM revoked_tokens WHERE expires_at <= $1";

app_err accounts_store_create(db_conn *c, int64_t user_id, const char *email, const char *hash)
{
    db_param p[] = {DB_INT(user_id), DB_TEXT(email), DB_TEXT(hash)};
    return db_run(c, db_sql(c, sql_create, pg_create), p, 3, "create credentials");
}

app_err accounts_store_find(db_conn *c, const char *email, int64_t *user_id,
                            char hash[ACCOUNTS_HASH_MAX])
{
    db_param p[] = {DB_TEXT(email)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sql_find, pg_find), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "find credentials");
    app_err ae = APP_E_NOTFOUND;
    if (db_res_rows(res) == 1 && db_res_text(res, 0, 1)) {
        *user_id = db_res_int(res, 0, 0);
        snprintf(hash, ACCOUNTS_HASH_MAX, "%s", db_res_text(res, 0, 1));
        ae = APP_OK;
    }
    db_res_free(res);
    return ae;
}

app_err accounts_store_revoke(db_conn *c, const char *token_id, int64_t expires_at, int64_t now)
{
    db_param p[] = {DB_TEXT(token_id), DB_INT(expires_at), DB_INT(now)};
    return db_run(c, sql_revoke, p, 3, "store revocation");
}

app_err accounts_store_revocations(db_conn *c, int64_t since, int64_t now, db_res **out)
{
    db_param p[] = {DB_INT(since), DB_INT(now)};
    db_err e = db_exec(c, sql_revocations, p, 2, out);
    return e == DB_OK ? APP_OK : db_fail(c, e, "read revocations");
}

app_err accounts_store_revocations_prune(db_conn *c, int64_t now)
{
    db_param p[] = {DB_INT(now)};
    return db_run(c, sql_revocations_prune, p, 1, "prune revocations");
}
