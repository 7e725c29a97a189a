/* SPDX-License-Identifier: MIT */
/* All SQL of the users domain: the tenant registry (users), tombstones (deleted_users) and
 * user_settings. Statements that differ between dialects come in pairs (sl_*, pg_*) chosen
 * with db_sql: SQLite stores times as RFC 3339 text, PostgreSQL as timestamptz (formatted
 * back to RFC 3339 UTC in the SELECT). Every statement binds its values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "users/users.h"

#define PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char sql_lookup[] =
    "SELECT (SELECT id FROM users WHERE issuer = $1 AND subject = $2),"
    " (SELECT deleted_at FROM deleted_users WHERE issuer = $1 AND subject = $2)";

/* The lookup of the authentication path: the whole users row (so that GET /users/me needs no
 * second statement), its erasure mark, and the tenant's zone and profile counter, in one round
 * trip and one snapshot. One row always: NULL user columns when the user is absent. On
 * PostgreSQL the zone and the counter are the tenant's rows under row-level security:
 * users_tenant_lookup (migration 0011) names the tenant first, with the same columns. */
static const char sl_lookup_row[] =
    "SELECT u.id, (SELECT deleted_at FROM deleted_users WHERE issuer = $1 AND subject = $2),"
    " u.issuer, u.subject, u.email, u.first_name, u.last_name, u.full_name, u.created_at,"
    " u.updated_at, (SELECT timezone FROM user_settings WHERE user_id = u.id),"
    " (SELECT version FROM tenant_versions WHERE user_id = u.id AND family = 'profile')"
    " FROM (SELECT 1) one LEFT JOIN users u ON u.issuer = $1 AND u.subject = $2";
static const char pg_lookup_row[] = "SELECT * FROM users_tenant_lookup($1, $2)";

static const char sl_insert[] =
    "INSERT INTO users (issuer, subject, email, first_name, last_name, full_name,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
    " ON CONFLICT (issuer, subject) DO NOTHING";
static const char pg_insert[] =
    "INSERT INTO users (issuer, subject, email, first_name, last_name, full_name,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS timestamptz),"
    " CAST($7 AS timestamptz)) ON CONFLICT (issuer, subject) DO NOTHING";

#define UPSERT_TAIL                                                                        \
    " ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email,"                 \
    " first_name = excluded.first_name, last_name = excluded.last_name,"                   \
    " full_name = excluded.full_name, updated_at = excluded.updated_at RETURNING id"

static const char sl_upsert[] =
    "INSERT INTO users (issuer, subject, email, first_name, last_name, full_name,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)" UPSERT_TAIL;
static const char pg_upsert[] =
    "INSERT INTO users (issuer, subject, email, first_name, last_name, full_name,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS timestamptz),"
    " CAST($7 AS timestamptz))" UPSERT_TAIL;

static const char sl_get[] =
    "SELECT id, issuer, subject, email, first_name, last_name, full_name, created_at,"
    " updated_at FROM users WHERE id = $1";
static const char pg_get[] =
    "SELECT id, issuer, subject, email, first_name, last_name, full_name, " PG_TS("created_at")
    ", " PG_TS("updated_at") " FROM users WHERE id = $1";

static const char sql_delete[] = "DELETE FROM users WHERE id = $1";

static const char sql_extras[] =
    "SELECT (SELECT timezone FROM user_settings WHERE user_id = $1),"
    " (SELECT version FROM tenant_versions WHERE user_id = $1 AND family = 'profile'),"
    " (SELECT email FROM users WHERE id = $1)";

static const char sql_tombstone[] =
    "INSERT INTO deleted_users (issuer, subject, deleted_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (issuer, subject) DO UPDATE SET deleted_at = excluded.deleted_at";

#define SETTINGS_COLS                                                                      \
    "timezone, theme, notify_email, notify_sms, notification_email, business_hours,"       \
    " slot_minutes, buffer_minutes, min_notice_minutes, booking_horizon_days,"             \
    " vapi_api_key_sealed, vapi_api_key_last4, "

static const char sl_settings_get[] =
    "SELECT " SETTINGS_COLS "updated_at FROM user_settings WHERE user_id = $1";
static const char pg_settings_get[] =
    "SELECT " SETTINGS_COLS PG_TS("updated_at") " FROM user_settings WHERE user_id = $1";

#define SETTINGS_UPSERT_TAIL                                                               \
    " ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone,"                   \
    " theme = excluded.theme, notify_email = excluded.notify_email,"                       \
    " notify_sms = excluded.notify_sms, notification_email = excluded.notification_email," \
    " business_hours = excluded.business_hours, slot_minutes = excluded.slot_minutes,"     \
    " buffer_minutes = excluded.buffer_minutes,"                                           \
    " min_notice_minutes = excluded.min_notice_minutes,"                                   \
    " booking_horizon_days = excluded.booking_horizon_days,"                               \
    " vapi_api_key_sealed = excluded.vapi_api_key_sealed,"                                 \
    " vapi_api_key_last4 = excluded.vapi_api_key_last4, updated_at = excluded.updated_at"

static const char sl_settings_put[] =
    "INSERT INTO user_settings (user_id, " SETTINGS_COLS "updated_at) VALUES ($1, $2, $3,"
    " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)" SETTINGS_UPSERT_TAIL;
static const char pg_settings_put[] =
    "INSERT INTO user_settings (user_id, " SETTINGS_COLS "updated_at) VALUES ($1, $2, $3,"
    " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CAST($14 AS timestamptz))"
    SETTINGS_UPSERT_TAIL;

/* Copies a cell into a fixed buffer ("" for NULL), truncating at a character boundary:
 * half a UTF-8 sequence would make the JSON built from it fail. */
static void cell(const db_res *res, int row, int col, char *dst, size_t n)
{
    const char *s = db_res_text(res, row, col);
    text_copy_utf8(dst, n, s ? s : "");
}

static const char *nz(const char *s)
{
    return (s && *s) ? s : NULL;
}

static void full_name(char out[260], const char *first, const char *last)
{
    const char *f = first ? first : "", *l = last ? last : "";
    snprintf(out, 260, "%s%s%s", f, (*f && *l) ? " " : "", l);
}

/* The users columns issuer .. updated_at of row 0, starting at column k, into *out. */
static void user_from_row(const db_res *res, int k, struct users_user *out)
{
    cell(res, 0, k, out->issuer, sizeof out->issuer);
    cell(res, 0, k + 1, out->subject, sizeof out->subject);
    cell(res, 0, k + 2, out->email, sizeof out->email);
    cell(res, 0, k + 3, out->first_name, sizeof out->first_name);
    cell(res, 0, k + 4, out->last_name, sizeof out->last_name);
    cell(res, 0, k + 5, out->full_name, sizeof out->full_name);
    cell(res, 0, k + 6, out->created_at, sizeof out->created_at);
    cell(res, 0, k + 7, out->updated_at, sizeof out->updated_at);
}

/* Runs sql with $1 = id, expecting one row into *res (the caller frees it): APP_E_NOTFOUND
 * when there is none. */
static app_err row_by_id(db_conn *c, const char *sql, int64_t id, const char *what,
                         db_res **res)
{
    db_param p[] = {DB_INT(id)};
    db_err e = db_exec(c, sql, p, 1, res);
    if (e != DB_OK)
        return db_fail(c, e, what);
    if (db_res_rows(*res) == 1)
        return APP_OK;
    db_res_free(*res);
    *res = NULL;
    return APP_E_NOTFOUND;
}

app_err users_store_lookup(db_conn *c, const char *issuer, const char *subject,
                           int64_t *user_id, int64_t *deleted_at)
{
    db_param p[] = {DB_TEXT(issuer), DB_TEXT(subject)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_lookup, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "lookup");
    *user_id = db_res_rows(res) > 0 ? db_res_int(res, 0, 0) : 0;
    *deleted_at = db_res_rows(res) > 0 ? db_res_int(res, 0, 1) : 0;
    db_res_free(res);
    return APP_OK;
}

app_err users_store_lookup_row(db_conn *c, const char *issuer, const char *subject,
                               struct users_user *out, int64_t *deleted_at)
{
    db_param p[] = {DB_TEXT(issuer), DB_TEXT(subject)};
    db_res *res = NULL;
    db_err e = db_exec(c, db_sql(c, sl_lookup_row, pg_lookup_row), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "lookup");
    bool found = db_res_rows(res) > 0 && !db_res_isnull(res, 0, 0);
    *deleted_at = db_res_rows(res) > 0 ? db_res_int(res, 0, 1) : 0;
    out->id = found ? db_res_int(res, 0, 0) : 0;
    out->zone[0] = '\0';
    out->version = 0;
    if (found) {
        user_from_row(res, 2, out);
        cell(res, 0, 10, out->zone, sizeof out->zone);
        out->version = db_res_int(res, 0, 11);
    }
    db_res_free(res);
    return APP_OK;
}

/* Runs the insert or upsert sql (one dialect's text) for a user row. */
static app_err write_user(db_conn *c, const char *sql, const char *issuer,
                          const char *subject, const char *email, const char *first,
                          const char *last, int64_t *user_id)
{
    char full[260], now[32];
    const char *nowp = now;
    full_name(full, first, last);
    users_now_rfc3339(now);
    db_param p[] = {DB_TEXT(issuer), DB_TEXT(subject), DB_TEXT(nz(email)),
                    DB_TEXT(nz(first)), DB_TEXT(nz(last)), DB_TEXT(nz(full)), DB_TEXT(nowp)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql, p, 7, user_id ? &res : NULL);
    if (e != DB_OK)
        return db_fail(c, e, "write user");
    if (user_id) {
        if (db_res_rows(res) != 1) {
            db_res_free(res);
            return APP_E_DB;
        }
        *user_id = db_res_int(res, 0, 0);
        db_res_free(res);
    }
    return APP_OK;
}

app_err users_store_insert(db_conn *c, const char *issuer, const char *subject,
                           const char *email, const char *first, const char *last)
{
    return write_user(c, db_sql(c, sl_insert, pg_insert), issuer, subject, email, first, last,
                      NULL);
}

app_err users_store_upsert(db_conn *c, const char *issuer, const char *subject,
                           const char *email, const char *first, const char *last,
                           int64_t *user_id)
{
    return write_user(c, db_sql(c, sl_upsert, pg_upsert), issuer, subject, email, first, last,
                      user_id);
}

app_err users_store_get(db_conn *c, int64_t user_id, struct users_user *out)
{
    db_res *res = NULL;
    app_err e = row_by_id(c, db_sql(c, sl_get, pg_get), user_id, "get user", &res);
    if (e != APP_OK)
        return e;
    out->id = db_res_int(res, 0, 0);
    user_from_row(res, 1, out);
    db_res_free(res);
    return APP_OK;
}

app_err users_store_delete(db_conn *c, int64_t user_id)
{
    db_param p[] = {DB_INT(user_id)};
    return db_run(c, sql_delete, p, 1, "delete user");
}

app_err users_store_tombstone(db_conn *c, const char *issuer, const char *subject, int64_t at)
{
    db_param p[] = {DB_TEXT(issuer), DB_TEXT(subject), DB_INT(at)};
    return db_run(c, sql_tombstone, p, 3, "tombstone");
}

/* Reads the settings columns of row 0 into *out. */
static app_err settings_from_row(const db_res *res, int64_t user_id,
                                 struct user_settings *out)
{
    app_err ae = APP_OK;
    users_settings_defaults(out);
    cell(res, 0, 0, out->timezone, sizeof out->timezone);
    cell(res, 0, 1, out->theme, sizeof out->theme);
    out->notify_email = db_res_bool(res, 0, 2);
    out->notify_sms = db_res_bool(res, 0, 3);
    cell(res, 0, 4, out->notification_email, sizeof out->notification_email);
    if (users_hours_load(out, db_res_text(res, 0, 5)) != 0) {
        LOG_E("user %lld: stored business_hours unreadable", (long long)user_id);
        ae = APP_E_INTERNAL;
    }
    out->slot_minutes = (int)db_res_int(res, 0, 6);
    out->buffer_minutes = (int)db_res_int(res, 0, 7);
    out->min_notice_minutes = (int)db_res_int(res, 0, 8);
    out->booking_horizon_days = (int)db_res_int(res, 0, 9);
    cell(res, 0, 10, out->vapi_key_sealed, sizeof out->vapi_key_sealed);
    cell(res, 0, 11, out->vapi_key_last4, sizeof out->vapi_key_last4);
    out->vapi_key_set = out->vapi_key_sealed[0] != '\0';
    cell(res, 0, 12, out->updated_at, sizeof out->updated_at);
    return ae;
}

app_err users_store_settings_get(db_conn *c, int64_t user_id, struct user_settings *out)
{
    db_res *res = NULL;
    app_err ae = row_by_id(c, db_sql(c, sl_settings_get, pg_settings_get), user_id,
                           "get settings", &res);
    if (ae != APP_OK)
        return ae;
    ae = settings_from_row(res, user_id, out);
    db_res_free(res);
    return ae;
}

app_err users_store_settings_put(db_conn *c, int64_t user_id, struct user_settings *s)
{
    char now[32];
    const char *nowp = now;
    char *hours = users_hours_dump(s);
    if (!hours)
        return APP_E_INTERNAL;
    users_now_rfc3339(now);
    db_param p[] = {
        DB_INT(user_id), DB_TEXT(s->timezone), DB_TEXT(s->theme), DB_BOOL(s->notify_email),
        DB_BOOL(s->notify_sms), DB_TEXT(nz(s->notification_email)), DB_TEXT(hours),
        DB_INT(s->slot_minutes), DB_INT(s->buffer_minutes), DB_INT(s->min_notice_minutes),
        DB_INT(s->booking_horizon_days), DB_TEXT(nz(s->vapi_key_sealed)),
        DB_TEXT(nz(s->vapi_key_last4)), DB_TEXT(nowp)};
    db_err e = db_exec(c, db_sql(c, sl_settings_put, pg_settings_put), p, 14, NULL);
    free(hours);
    if (e != DB_OK)
        return db_fail(c, e, "put settings");
    snprintf(s->updated_at, sizeof s->updated_at, "%s", now);
    return APP_OK;
}

app_err users_store_tenant_extras(db_conn *c, struct users_user *u)
{
    db_param p[] = {DB_INT(u->id)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_extras, p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read tenant zone and counter");
    cell(res, 0, 0, u->zone, sizeof u->zone);
    u->version = db_res_int(res, 0, 1);
    cell(res, 0, 2, u->email, sizeof u->email);
    db_res_free(res);
    return APP_OK;
}
