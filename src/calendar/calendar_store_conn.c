/* SPDX-License-Identifier: MIT */
/* All SQL of external calendars, in both dialects: the connection with its sealed secret,
 * the busy mirror's replacement, an appointment's external event, and the OAuth consents in
 * flight (oauth_states, migration 0010). Statements are static strings with bound
 * parameters, each filtering on the tenant's user_id; times go in as RFC 3339 UTC text and
 * come back as that text (SQLite) or as Unix seconds computed by PostgreSQL, as in
 * calendar_store.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar_store.h"
#include "core/mem.h"

#define PG_EPOCH(col) "CAST(extract(epoch FROM " col ") AS bigint)"

static const char SL_CONN_READ[] =
    "SELECT provider, account_email, calendar_id, calendar_name, calendar_url, username, "
    "secret_sealed, expires_at FROM calendar_connections WHERE user_id = $1";
static const char PG_CONN_READ[] =
    "SELECT provider, account_email, calendar_id, calendar_name, calendar_url, username, "
    "secret_sealed, " PG_EPOCH("expires_at") " FROM calendar_connections "
    "WHERE user_id = CAST($1 AS bigint)";

/* $1 user, $2 provider, $3 email, $4 calendar id, $5 name, $6 url, $7 username, $8 secret,
 * $9 expires_at */
static const char SL_CONN_PUT[] =
    "INSERT INTO calendar_connections (user_id, provider, account_email, calendar_id, "
    "calendar_name, calendar_url, username, secret_sealed, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET "
    "provider = excluded.provider, account_email = excluded.account_email, "
    "calendar_id = excluded.calendar_id, calendar_name = excluded.calendar_name, "
    "calendar_url = excluded.calendar_url, username = excluded.username, "
    "secret_sealed = excluded.secret_sealed, expires_at = excluded.expires_at, "
    "status = 'active', last_error = NULL, busy_synced_at = NULL, "
    "created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), "
    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
static const char PG_CONN_PUT[] =
    "INSERT INTO calendar_connections (user_id, provider, account_email, calendar_id, "
    "calendar_name, calendar_url, username, secret_sealed, expires_at) "
    "VALUES (CAST($1 AS bigint), CAST($2 AS text), CAST($3 AS text), CAST($4 AS text), "
    "CAST($5 AS text), CAST($6 AS text), CAST($7 AS text), CAST($8 AS text), "
    "CAST($9 AS timestamptz)) ON CONFLICT (user_id) DO UPDATE SET "
    "provider = excluded.provider, account_email = excluded.account_email, "
    "calendar_id = excluded.calendar_id, calendar_name = excluded.calendar_name, "
    "calendar_url = excluded.calendar_url, username = excluded.username, "
    "secret_sealed = excluded.secret_sealed, expires_at = excluded.expires_at, "
    "status = 'active', last_error = NULL, busy_synced_at = NULL, created_at = now(), "
    "updated_at = now()";

static const char SL_CONN_TOKENS[] =
    "UPDATE calendar_connections SET secret_sealed = $3, expires_at = $4, "
    "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE user_id = $1 AND provider = $2";
static const char PG_CONN_TOKENS[] =
    "UPDATE calendar_connections SET secret_sealed = CAST($3 AS text), "
    "expires_at = CAST($4 AS timestamptz), updated_at = now() "
    "WHERE user_id = CAST($1 AS bigint) AND provider = CAST($2 AS text)";

/* $5: set busy_synced_at */
static const char SL_CONN_OUTCOME[] =
    "UPDATE calendar_connections SET status = $3, last_error = $4, "
    "busy_synced_at = CASE WHEN $5 = 1 THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
    "ELSE busy_synced_at END WHERE user_id = $1 AND provider = $2 "
    "AND (status IS NOT $3 OR last_error IS NOT $4 OR $5 = 1)";
static const char PG_CONN_OUTCOME[] =
    "UPDATE calendar_connections SET status = CAST($3 AS text), last_error = CAST($4 AS text), "
    "busy_synced_at = CASE WHEN CAST($5 AS integer) = 1 THEN now() ELSE busy_synced_at END "
    "WHERE user_id = CAST($1 AS bigint) AND provider = CAST($2 AS text) "
    "AND (status IS DISTINCT FROM CAST($3 AS text) "
    "OR last_error IS DISTINCT FROM CAST($4 AS text) OR CAST($5 AS integer) = 1)";

static const char SL_CONN_DELETE[] = "DELETE FROM calendar_connections WHERE user_id = $1";
static const char PG_CONN_DELETE[] =
    "DELETE FROM calendar_connections WHERE user_id = CAST($1 AS bigint)";
static const char SL_MIRROR_CLEAR[] = "DELETE FROM calendar_busy WHERE user_id = $1";
static const char PG_MIRROR_CLEAR[] =
    "DELETE FROM calendar_busy WHERE user_id = CAST($1 AS bigint)";
static const char SL_MIRROR_DROP[] =
    "DELETE FROM calendar_busy WHERE user_id = $1 AND source = $2";
static const char PG_MIRROR_DROP[] =
    "DELETE FROM calendar_busy WHERE user_id = CAST($1 AS bigint) AND source = CAST($2 AS text)";
/* $1 user, $2 source, $3 id, $4 start, $5 end, $6 transparent, $7 cancelled, $8 subject,
 * $9 location */
static const char SL_MIRROR_ADD[] =
    "INSERT INTO calendar_busy (user_id, source, external_id, start_time, end_time, "
    "transparent, cancelled, subject, location) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (user_id, source, external_id) DO NOTHING";
static const char PG_MIRROR_ADD[] =
    "INSERT INTO calendar_busy (user_id, source, external_id, start_time, end_time, "
    "transparent, cancelled, subject, location) VALUES (CAST($1 AS bigint), CAST($2 AS text), "
    "CAST($3 AS text), CAST($4 AS timestamptz), CAST($5 AS timestamptz), "
    "CAST($6 AS boolean), CAST($7 AS boolean), CAST($8 AS text), CAST($9 AS text)) "
    "ON CONFLICT (user_id, source, external_id) DO NOTHING";
static const char SL_MIRROR_OWN[] =
    "DELETE FROM calendar_busy WHERE user_id = $1 AND external_id IN (SELECT "
    "external_event_id FROM appointments WHERE user_id = $1 AND external_event_id IS NOT NULL)";
static const char PG_MIRROR_OWN[] =
    "DELETE FROM calendar_busy WHERE user_id = CAST($1 AS bigint) AND external_id IN (SELECT "
    "external_event_id FROM appointments WHERE user_id = CAST($1 AS bigint) "
    "AND external_event_id IS NOT NULL)";
static const char SL_MIRROR_ONE[] =
    "DELETE FROM calendar_busy WHERE user_id = $1 AND external_id = $2";
static const char PG_MIRROR_ONE[] =
    "DELETE FROM calendar_busy WHERE user_id = CAST($1 AS bigint) "
    "AND external_id = CAST($2 AS text)";

static const char SL_SET_EXTERNAL[] =
    "UPDATE appointments SET external_event_id = $3, sync_status = $4 "
    "WHERE user_id = $1 AND id = $2";
static const char PG_SET_EXTERNAL[] =
    "UPDATE appointments SET external_event_id = CAST($3 AS text), "
    "sync_status = CAST($4 AS text) WHERE user_id = CAST($1 AS bigint) "
    "AND id = CAST($2 AS bigint)";
static const char SL_EXTERNAL_IDS[] =
    "SELECT external_event_id FROM appointments WHERE user_id = $1 "
    "AND external_event_id IS NOT NULL AND start_time < $3 AND end_time > $2 LIMIT 1000";
static const char PG_EXTERNAL_IDS[] =
    "SELECT external_event_id FROM appointments WHERE user_id = CAST($1 AS bigint) "
    "AND external_event_id IS NOT NULL AND start_time < CAST($3 AS timestamptz) "
    "AND end_time > CAST($2 AS timestamptz) LIMIT 1000";
static const char SL_PENDING[] =
    "SELECT id FROM appointments WHERE user_id = $1 AND sync_status = 'pending' "
    "AND updated_at < $2 ORDER BY id LIMIT $3";
static const char PG_PENDING[] =
    "SELECT id FROM appointments WHERE user_id = CAST($1 AS bigint) "
    "AND sync_status = 'pending' AND updated_at < CAST($2 AS timestamptz) ORDER BY id "
    "LIMIT CAST($3 AS integer)";

static const char SL_STATE_PURGE[] =
    "DELETE FROM oauth_states WHERE user_id = $1 AND expires_at < $2";
static const char PG_STATE_PURGE[] =
    "DELETE FROM oauth_states WHERE user_id = CAST($1 AS bigint) "
    "AND expires_at < CAST($2 AS timestamptz)";
static const char SL_STATE_PUT[] =
    "INSERT INTO oauth_states (user_id, state_hash, provider, code_verifier_sealed, "
    "redirect_url, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
static const char PG_STATE_PUT[] =
    "INSERT INTO oauth_states (user_id, state_hash, provider, code_verifier_sealed, "
    "redirect_url, expires_at) VALUES (CAST($1 AS bigint), CAST($2 AS text), "
    "CAST($3 AS text), CAST($4 AS text), CAST($5 AS text), CAST($6 AS timestamptz))";
static const char SL_STATE_TAKE[] =
    "DELETE FROM oauth_states WHERE user_id = $1 AND state_hash = $2 "
    "RETURNING provider, code_verifier_sealed, redirect_url, expires_at";
static const char PG_STATE_TAKE[] =
    "DELETE FROM oauth_states WHERE user_id = CAST($1 AS bigint) "
    "AND state_hash = CAST($2 AS text) "
    "RETURNING provider, code_verifier_sealed, redirect_url, " PG_EPOCH("expires_at");

#define SQL(c, name) db_sql((c), SL_##name, PG_##name)

/* ---- cells ---------------------------------------------------------------------------- */

static char *dup_cell(const db_res *res, int row, int col)
{
    const char *s = db_res_text(res, row, col);
    return s ? mem_strdup(s) : NULL;
}

static int64_t cell_time(const db_conn *c, const db_res *res, int row, int col)
{
    int64_t t = 0;
    bool zoned = false;
    if (db_conn_dialect(c) == DB_POSTGRES)
        return db_res_int(res, row, col);
    const char *s = db_res_text(res, row, col);
    if (!s || !civil_parse_rfc3339(s, &t, &zoned))
        return 0;
    return t;
}

static const char *ts(int64_t t, char buf[CIVIL_RFC3339_SIZE])
{
    civil_format_rfc3339(t, buf, CIVIL_RFC3339_SIZE);
    return buf;
}

/* ---- the connection ------------------------------------------------------------------- */

void calendar_conn_row_cleanup(struct calendar_conn_row *r)
{
    free(r->account_email);
    free(r->calendar_id);
    free(r->calendar_name);
    free(r->calendar_url);
    free(r->username);
    free(r->secret_sealed);
    memset(r, 0, sizeof *r);
}

app_err calendar_store_conn_read(db_conn *c, int64_t user, struct calendar_conn_row *out)
{
    db_param p[1] = {DB_INT(user)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, CONN_READ), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "calendar connection read");
    app_err rc = APP_E_NOTFOUND;
    if (db_res_rows(res) == 1) {
        const char *prov = db_res_text(res, 0, 0);
        snprintf(out->provider, sizeof out->provider, "%s", prov ? prov : "");
        out->account_email = dup_cell(res, 0, 1);
        out->calendar_id = dup_cell(res, 0, 2);
        out->calendar_name = dup_cell(res, 0, 3);
        out->calendar_url = dup_cell(res, 0, 4);
        out->username = dup_cell(res, 0, 5);
        out->secret_sealed = dup_cell(res, 0, 6);
        out->expires_at = cell_time(c, res, 0, 7);
        rc = APP_OK;
    }
    db_res_free(res);
    return rc;
}

app_err calendar_store_conn_put(db_conn *c, int64_t user, const struct calendar_conn_row *in)
{
    char exp[CIVIL_RFC3339_SIZE];
    db_param p[9] = {DB_INT(user),          DB_TEXT(in->provider),
                     DB_TEXT(in->account_email), DB_TEXT(in->calendar_id),
                     DB_TEXT(in->calendar_name), DB_TEXT(in->calendar_url),
                     DB_TEXT(in->username), DB_TEXT(in->secret_sealed),
                     in->expires_at > 0 ? DB_TEXT(ts(in->expires_at, exp)) : DB_NULLP};
    return db_run(c, SQL(c, CONN_PUT), p, 9, "calendar connection write");
}

app_err calendar_store_conn_tokens(db_conn *c, int64_t user, const char *provider,
                                   const char *sealed, int64_t expires_at)
{
    char exp[CIVIL_RFC3339_SIZE];
    db_param p[4] = {DB_INT(user), DB_TEXT(provider), DB_TEXT(sealed),
                     expires_at > 0 ? DB_TEXT(ts(expires_at, exp)) : DB_NULLP};
    return db_run(c, SQL(c, CONN_TOKENS), p, 4, "calendar connection tokens");
}

app_err calendar_store_conn_outcome(db_conn *c, int64_t user, const char *provider,
                                    const char *status, const char *last_error, bool synced)
{
    db_param p[5] = {DB_INT(user), DB_TEXT(provider), DB_TEXT(status), DB_TEXT(last_error),
                     DB_INT(synced ? 1 : 0)};
    return db_run(c, SQL(c, CONN_OUTCOME), p, 5, "calendar connection outcome");
}

app_err calendar_store_conn_delete(db_conn *c, int64_t user, bool *deleted)
{
    db_param p[1] = {DB_INT(user)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, CONN_DELETE), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "calendar connection delete");
    *deleted = db_res_affected(res) > 0;
    db_res_free(res);
    return db_run(c, SQL(c, MIRROR_CLEAR), p, 1, "calendar mirror clear");
}

/* ---- the mirror and external events --------------------------------------------------- */

static app_err mirror_add(db_conn *c, int64_t user, const char *source,
                          const struct calendar_remote_event *ev)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[9] = {DB_INT(user),        DB_TEXT(source),
                     DB_TEXT(ev->id),     DB_TEXT(ts(ev->start, s)),
                     DB_TEXT(ts(ev->end, e)), DB_BOOL(ev->transparent),
                     DB_BOOL(ev->cancelled), DB_TEXT(ev->subject),
                     DB_TEXT(ev->location)};
    return db_run(c, SQL(c, MIRROR_ADD), p, 9, "calendar mirror insert");
}

app_err calendar_store_mirror_replace(db_conn *c, int64_t user, const char *source,
                                      const struct calendar_remote_event *items, size_t n)
{
    db_param p[2] = {DB_INT(user), DB_TEXT(source)};
    app_err rc = db_run(c, SQL(c, MIRROR_DROP), p, 2, "calendar mirror drop");
    for (size_t i = 0; rc == APP_OK && i < n; i++)
        rc = mirror_add(c, user, source, &items[i]);
    if (rc == APP_OK)
        rc = db_run(c, SQL(c, MIRROR_OWN), p, 1, "calendar mirror own events");
    return rc;
}

app_err calendar_store_set_external(db_conn *c, int64_t user, int64_t id, const char *ext_id,
                                    const char *sync_status)
{
    db_param p[4] = {DB_INT(user), DB_INT(id), DB_TEXT(ext_id), DB_TEXT(sync_status)};
    app_err rc = db_run(c, SQL(c, SET_EXTERNAL), p, 4, "appointment external event");
    if (rc == APP_OK && ext_id) {
        db_param q[2] = {DB_INT(user), DB_TEXT(ext_id)};
        rc = db_run(c, SQL(c, MIRROR_ONE), q, 2, "calendar mirror own event");
    }
    return rc;
}

app_err calendar_store_external_ids(db_conn *c, int64_t user, int64_t from, int64_t to,
                                    char ***ids, size_t *n)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[3] = {DB_INT(user), DB_TEXT(ts(from, s)), DB_TEXT(ts(to, e))};
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, EXTERNAL_IDS), p, 3, &res);
    if (de != DB_OK)
        return db_fail(c, de, "appointment external ids");
    int rows = db_res_rows(res);
    char **out = mem_zalloc(rows > 0 ? (size_t)rows : 1, sizeof *out);
    for (int i = 0; i < rows; i++)
        out[i] = dup_cell(res, i, 0);
    db_res_free(res);
    *ids = out;
    *n = rows > 0 ? (size_t)rows : 0;
    return APP_OK;
}

app_err calendar_store_pending_ids(db_conn *c, int64_t user, int64_t before, int max,
                                   int64_t **ids, size_t *n)
{
    char b[CIVIL_RFC3339_SIZE];
    db_param p[3] = {DB_INT(user), DB_TEXT(ts(before, b)), DB_INT(max)};
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, PENDING), p, 3, &res);
    if (de != DB_OK)
        return db_fail(c, de, "appointments pending a push");
    int rows = db_res_rows(res);
    int64_t *out = mem_zalloc(rows > 0 ? (size_t)rows : 1, sizeof *out);
    for (int i = 0; i < rows; i++)
        out[i] = db_res_int(res, i, 0);
    db_res_free(res);
    *ids = out;
    *n = rows > 0 ? (size_t)rows : 0;
    return APP_OK;
}

/* ---- consents in flight --------------------------------------------------------------- */

void calendar_state_row_cleanup(struct calendar_state_row *r)
{
    free(r->verifier_sealed);
    free(r->redirect_url);
    memset(r, 0, sizeof *r);
}

app_err calendar_store_state_put(db_conn *c, int64_t user, const char *hash,
                                 const struct calendar_state_row *in, int64_t now)
{
    char n[CIVIL_RFC3339_SIZE], exp[CIVIL_RFC3339_SIZE];
    db_param purge[2] = {DB_INT(user), DB_TEXT(ts(now, n))};
    app_err rc = db_run(c, SQL(c, STATE_PURGE), purge, 2, "oauth state purge");
    if (rc != APP_OK)
        return rc;
    db_param p[6] = {DB_INT(user),          DB_TEXT(hash),
                     DB_TEXT(in->provider), DB_TEXT(in->verifier_sealed),
                     DB_TEXT(in->redirect_url), DB_TEXT(ts(in->expires_at, exp))};
    return db_run(c, SQL(c, STATE_PUT), p, 6, "oauth state insert");
}

app_err calendar_store_state_take(db_conn *c, int64_t user, const char *hash,
                                  struct calendar_state_row *out)
{
    db_param p[2] = {DB_INT(user), DB_TEXT(hash)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, STATE_TAKE), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "oauth state take");
    app_err rc = APP_E_NOTFOUND;
    if (db_res_rows(res) == 1) {
        const char *prov = db_res_text(res, 0, 0);
        snprintf(out->provider, sizeof out->provider, "%s", prov ? prov : "");
        out->verifier_sealed = dup_cell(res, 0, 1);
        out->redirect_url = dup_cell(res, 0, 2);
        out->expires_at = cell_time(c, res, 0, 3);
        rc = APP_OK;
    }
    db_res_free(res);
    return rc;
}
