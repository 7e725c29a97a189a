/* SPDX-License-Identifier: MIT */
/* All SQL of the calendar tables (appointments, calendar_busy, calendar_connections,
 * calendar_feeds), in both dialects. Every statement is a static string with bound
 * parameters and filters on the tenant's user_id; optional filters are "(param IS NULL OR
 * ...)" terms of one fixed statement. Times go in as RFC 3339 UTC text (SQLite stores that
 * text, of one fixed shape, so text order is time order; PostgreSQL casts it to timestamptz)
 * and come back as that text on SQLite (parsed here: strftime per row cost more than the rest
 * of availability's read) and as Unix seconds computed by PostgreSQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/calendar_store.h"
#include "core/mem.h"
#include "core/versions.h"

/* ---- statements ----------------------------------------------------------------------- */

#define SL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
#define PG_EPOCH(col) "CAST(extract(epoch FROM " col ") AS bigint)"
#define PG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Column order read by row_to_appt. */
#define SL_COLS                                                                           \
    "id, user_id, rental_id, property_address, start_time, end_time, attendee_name, "     \
    "attendee_email, attendee_phone, notes, status, source, vapi_call_id, "               \
    "external_event_id, sync_status, sequence, created_at, updated_at"
#define PG_COLS                                                                           \
    "id, user_id, rental_id, property_address, " PG_EPOCH("start_time") ", "              \
    PG_EPOCH("end_time") ", attendee_name, attendee_email, attendee_phone, notes, status, " \
    "source, vapi_call_id, external_event_id, sync_status, sequence, " PG_TS("created_at")  \
    ", " PG_TS("updated_at")

static const char SL_INSERT[] =
    "INSERT INTO appointments (user_id, rental_id, property_address, start_time, end_time, "
    "attendee_name, attendee_email, attendee_phone, notes, status, source, vapi_call_id, "
    "sync_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
    "RETURNING " SL_COLS;
static const char PG_INSERT[] =
    "INSERT INTO appointments (user_id, rental_id, property_address, start_time, end_time, "
    "attendee_name, attendee_email, attendee_phone, notes, status, source, vapi_call_id, "
    "sync_status) VALUES (CAST($1 AS bigint), CAST($2 AS bigint), CAST($3 AS text), "
    "CAST($4 AS timestamptz), CAST($5 AS timestamptz), CAST($6 AS text), CAST($7 AS text), "
    "CAST($8 AS text), CAST($9 AS text), CAST($10 AS text), CAST($11 AS text), "
    "CAST($12 AS text), CAST($13 AS text)) RETURNING " PG_COLS;

static const char SL_GET[] = "SELECT " SL_COLS " FROM appointments WHERE user_id = $1 AND id = $2";
static const char PG_GET[] =
    "SELECT " PG_COLS " FROM appointments "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";

static const char SL_UPDATE[] =
    "UPDATE appointments SET rental_id = $3, property_address = $4, start_time = $5, "
    "end_time = $6, attendee_name = $7, attendee_email = $8, attendee_phone = $9, notes = $10, "
    "status = $11, sequence = $12, updated_at = " SL_NOW " "
    "WHERE user_id = $1 AND id = $2 RETURNING " SL_COLS;
static const char PG_UPDATE[] =
    "UPDATE appointments SET rental_id = CAST($3 AS bigint), "
    "property_address = CAST($4 AS text), start_time = CAST($5 AS timestamptz), "
    "end_time = CAST($6 AS timestamptz), attendee_name = CAST($7 AS text), "
    "attendee_email = CAST($8 AS text), attendee_phone = CAST($9 AS text), "
    "notes = CAST($10 AS text), status = CAST($11 AS text), sequence = CAST($12 AS integer), "
    "updated_at = now() WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint) "
    "RETURNING " PG_COLS;

/* $1 user, [$2, $3) the interval, $4 the appointment left out. */
static const char SL_TAKEN[] =
    "SELECT EXISTS (SELECT 1 FROM appointments WHERE user_id = $1 AND status = 'confirmed' "
    "AND id <> $4 AND start_time < $3 AND end_time > $2) "
    "OR EXISTS (SELECT 1 FROM calendar_busy WHERE user_id = $1 AND transparent = 0 "
    "AND cancelled = 0 AND end_time > start_time AND start_time < $3 AND end_time > $2)";
static const char PG_TAKEN[] =
    "SELECT EXISTS (SELECT 1 FROM appointments WHERE user_id = CAST($1 AS bigint) "
    "AND status = 'confirmed' AND id <> CAST($4 AS bigint) "
    "AND start_time < CAST($3 AS timestamptz) AND end_time > CAST($2 AS timestamptz)) "
    "OR EXISTS (SELECT 1 FROM calendar_busy WHERE user_id = CAST($1 AS bigint) "
    "AND NOT transparent AND NOT cancelled AND end_time > start_time "
    "AND start_time < CAST($3 AS timestamptz) AND end_time > CAST($2 AS timestamptz))";

/* $1 user, $2 from, $3 to, $4 status, $5 after start, $6 after id, $7 limit, $8 not
 * cancelled, $9 the Vapi call that booked it. */
static const char SL_LIST[] =
    "SELECT " SL_COLS " FROM appointments WHERE user_id = $1 "
    "AND ($2 IS NULL OR end_time > $2) AND ($3 IS NULL OR start_time < $3) "
    "AND ($4 IS NULL OR status = $4) AND ($8 IS NULL OR status <> 'cancelled') "
    "AND ($9 IS NULL OR vapi_call_id = $9) "
    "AND ($5 IS NULL OR start_time > $5 OR (start_time = $5 AND id > $6)) "
    "ORDER BY start_time, id LIMIT $7";
static const char PG_LIST[] =
    "SELECT " PG_COLS " FROM appointments WHERE user_id = CAST($1 AS bigint) "
    "AND (CAST($2 AS timestamptz) IS NULL OR end_time > CAST($2 AS timestamptz)) "
    "AND (CAST($3 AS timestamptz) IS NULL OR start_time < CAST($3 AS timestamptz)) "
    "AND (CAST($4 AS text) IS NULL OR status = CAST($4 AS text)) "
    "AND (CAST($8 AS integer) IS NULL OR status <> 'cancelled') "
    "AND (CAST($9 AS text) IS NULL OR vapi_call_id = CAST($9 AS text)) "
    "AND (CAST($5 AS timestamptz) IS NULL OR (start_time, id) > "
    "(CAST($5 AS timestamptz), CAST($6 AS bigint))) "
    "ORDER BY start_time, id LIMIT CAST($7 AS integer)";

/* What blocks [$2, $3): confirmed appointments and blocking mirrored busy times. */
static const char SL_BUSY[] =
    "SELECT start_time, end_time FROM appointments "
    "WHERE user_id = $1 AND status = 'confirmed' AND start_time < $3 AND end_time > $2 "
    "UNION ALL SELECT start_time, end_time FROM calendar_busy "
    "WHERE user_id = $1 AND transparent = 0 AND cancelled = 0 AND start_time < $3 "
    "AND end_time > $2";
static const char PG_BUSY[] =
    "SELECT " PG_EPOCH("start_time") ", " PG_EPOCH("end_time") " FROM appointments "
    "WHERE user_id = CAST($1 AS bigint) AND status = 'confirmed' "
    "AND start_time < CAST($3 AS timestamptz) AND end_time > CAST($2 AS timestamptz) "
    "UNION ALL SELECT " PG_EPOCH("start_time") ", " PG_EPOCH("end_time") " FROM calendar_busy "
    "WHERE user_id = CAST($1 AS bigint) AND NOT transparent AND NOT cancelled "
    "AND start_time < CAST($3 AS timestamptz) AND end_time > CAST($2 AS timestamptz)";

static const char SL_MIRROR[] =
    "SELECT source, external_id, start_time, end_time, transparent, subject, location FROM calendar_busy WHERE user_id = $1 AND cancelled = 0 "
    "AND start_time < $3 AND end_time > $2 ORDER BY start_time, id LIMIT $4";
static const char PG_MIRROR[] =
    "SELECT source, external_id, " PG_EPOCH("start_time") ", " PG_EPOCH("end_time") ", "
    "transparent, subject, location FROM calendar_busy WHERE user_id = CAST($1 AS bigint) "
    "AND NOT cancelled AND start_time < CAST($3 AS timestamptz) "
    "AND end_time > CAST($2 AS timestamptz) ORDER BY start_time, id LIMIT CAST($4 AS integer)";

static const char SL_SET_SYNC[] =
    "UPDATE appointments SET sync_status = $3 WHERE user_id = $1 AND id = $2";
static const char PG_SET_SYNC[] =
    "UPDATE appointments SET sync_status = CAST($3 AS text) "
    "WHERE user_id = CAST($1 AS bigint) AND id = CAST($2 AS bigint)";

static const char SL_CONNECTION[] =
    "SELECT provider, account_email, calendar_id, calendar_name, calendar_url, status, "
    "last_error, expires_at FROM calendar_connections WHERE user_id = $1";
static const char PG_CONNECTION[] =
    "SELECT provider, account_email, calendar_id, calendar_name, calendar_url, status, "
    "last_error, " PG_EPOCH("expires_at") " FROM calendar_connections "
    "WHERE user_id = CAST($1 AS bigint)";

static const char SL_FEED_PUT[] =
    "INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2) "
    "ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, "
    "created_at = " SL_NOW;
static const char PG_FEED_PUT[] =
    "INSERT INTO calendar_feeds (user_id, token_hash) "
    "VALUES (CAST($1 AS bigint), CAST($2 AS text)) "
    "ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = now()";
static const char SL_FEED_DELETE[] = "DELETE FROM calendar_feeds WHERE user_id = $1";
static const char PG_FEED_DELETE[] =
    "DELETE FROM calendar_feeds WHERE user_id = CAST($1 AS bigint)";
static const char SL_FEED_CHECK[] =
    "SELECT 1 FROM calendar_feeds WHERE user_id = $1 AND token_hash = $2";
static const char PG_FEED_CHECK[] =
    "SELECT 1 FROM calendar_feeds WHERE user_id = CAST($1 AS bigint) "
    "AND token_hash = CAST($2 AS text)";

#define SQL(c, name) db_sql((c), SL_##name, PG_##name)

/* ---- rows ----------------------------------------------------------------------------- */

static char *dup_cell(const db_res *res, int row, int col)
{
    const char *s = db_res_text(res, row, col);
    return s ? mem_strdup(s) : NULL;
}

static void copy_cell(const db_res *res, int row, int col, char *buf, size_t len)
{
    const char *s = db_res_text(res, row, col);
    snprintf(buf, len, "%s", s ? s : "");
}

/* A time cell as Unix seconds: PostgreSQL computed it; SQLite holds the RFC 3339 text the
 * store wrote (0 for NULL or, never expected, other text). */
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

static void row_to_appt(const db_conn *c, const db_res *res, int row, struct calendar_appt *out)
{
    out->id = db_res_int(res, row, 0);
    out->user_id = db_res_int(res, row, 1);
    out->rental_id = db_res_int(res, row, 2);
    out->property_address = dup_cell(res, row, 3);
    out->start = cell_time(c, res, row, 4);
    out->end = cell_time(c, res, row, 5);
    out->attendee_name = dup_cell(res, row, 6);
    out->attendee_email = dup_cell(res, row, 7);
    out->attendee_phone = dup_cell(res, row, 8);
    out->notes = dup_cell(res, row, 9);
    copy_cell(res, row, 10, out->status, sizeof out->status);
    copy_cell(res, row, 11, out->source, sizeof out->source);
    out->vapi_call_id = dup_cell(res, row, 12);
    out->external_event_id = dup_cell(res, row, 13);
    copy_cell(res, row, 14, out->sync_status, sizeof out->sync_status);
    out->sequence = (int)db_res_int(res, row, 15);
    copy_cell(res, row, 16, out->created_at, sizeof out->created_at);
    copy_cell(res, row, 17, out->updated_at, sizeof out->updated_at);
}

/* RFC 3339 UTC text of t into buf. */
static const char *ts(int64_t t, char buf[CIVIL_RFC3339_SIZE])
{
    civil_format_rfc3339(t, buf, CIVIL_RFC3339_SIZE);
    return buf;
}

/* Reads the one row a write or get returned into *out; APP_E_NOTFOUND for none. */
static app_err one_appt(const db_conn *c, db_res *res, struct calendar_appt *out)
{
    app_err rc = APP_E_NOTFOUND;
    if (db_res_rows(res) == 1) {
        row_to_appt(c, res, 0, out);
        rc = APP_OK;
    }
    db_res_free(res);
    return rc;
}

/* A failed write: the exclusion constraint is a taken slot; a constraint failure with a
 * rental named is that rental gone meanwhile (the input passed every CHECK already). */
static app_err write_fail(db_conn *c, db_err e, const struct calendar_appt *in, const char *what)
{
    if (e == DB_E_CONSTRAINT && in->rental_id > 0)
        return APP_E_NOTFOUND;
    return db_fail(c, e, what);
}

/* ---- appointments --------------------------------------------------------------------- */

app_err calendar_store_insert(db_conn *c, int64_t user, const struct calendar_appt *in,
                              struct calendar_appt *out)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[13] = {
        DB_INT(user),
        in->rental_id > 0 ? DB_INT(in->rental_id) : DB_NULLP,
        DB_TEXT(in->property_address),
        DB_TEXT(ts(in->start, s)),
        DB_TEXT(ts(in->end, e)),
        DB_TEXT(in->attendee_name),
        DB_TEXT(in->attendee_email),
        DB_TEXT(in->attendee_phone),
        DB_TEXT(in->notes),
        DB_TEXT(in->status),
        DB_TEXT(in->source),
        DB_TEXT(in->vapi_call_id),
        DB_TEXT(in->sync_status),
    };
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, INSERT), p, 13, &res);
    if (de != DB_OK)
        return write_fail(c, de, in, "appointment insert");
    app_err rc = one_appt(c, res, out);
    return rc == APP_E_NOTFOUND ? APP_E_DB : rc;
}

app_err calendar_store_get(db_conn *c, int64_t user, int64_t id, struct calendar_appt *out)
{
    db_param p[2] = {DB_INT(user), DB_INT(id)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, GET), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "appointment get");
    return one_appt(c, res, out);
}

app_err calendar_store_update(db_conn *c, int64_t user, const struct calendar_appt *in,
                              struct calendar_appt *out)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[12] = {
        DB_INT(user),
        DB_INT(in->id),
        in->rental_id > 0 ? DB_INT(in->rental_id) : DB_NULLP,
        DB_TEXT(in->property_address),
        DB_TEXT(ts(in->start, s)),
        DB_TEXT(ts(in->end, e)),
        DB_TEXT(in->attendee_name),
        DB_TEXT(in->attendee_email),
        DB_TEXT(in->attendee_phone),
        DB_TEXT(in->notes),
        DB_TEXT(in->status),
        DB_INT(in->sequence),
    };
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, UPDATE), p, 12, &res);
    if (de != DB_OK)
        return write_fail(c, de, in, "appointment update");
    return one_appt(c, res, out);
}

app_err calendar_store_taken(db_conn *c, int64_t user, int64_t from, int64_t to,
                             int64_t except_id, bool *taken)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[4] = {DB_INT(user), DB_TEXT(ts(from, s)), DB_TEXT(ts(to, e)), DB_INT(except_id)};
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, TAKEN), p, 4, &res);
    if (de != DB_OK)
        return db_fail(c, de, "appointment overlap check");
    *taken = db_res_rows(res) == 1 && db_res_bool(res, 0, 0);
    db_res_free(res);
    return APP_OK;
}

app_err calendar_store_list(db_conn *c, int64_t user, const struct calendar_filter *f,
                            struct calendar_appt_list *out)
{
    char from[CIVIL_RFC3339_SIZE], to[CIVIL_RFC3339_SIZE], after[CIVIL_RFC3339_SIZE];
    bool keyset = f->after_id > 0;
    db_param p[9] = {
        DB_INT(user),
        f->from ? DB_TEXT(ts(f->from, from)) : DB_NULLP,
        f->to ? DB_TEXT(ts(f->to, to)) : DB_NULLP,
        DB_TEXT(f->status),
        keyset ? DB_TEXT(ts(f->after_start, after)) : DB_NULLP,
        DB_INT(keyset ? f->after_id : 0),
        DB_INT(f->limit + 1),
        f->active_only ? DB_INT(1) : DB_NULLP,
        DB_TEXT(f->vapi_call_id),
    };
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, LIST), p, 9, &res);
    if (e != DB_OK)
        return db_fail(c, e, "appointment list");
    int rows = db_res_rows(res);
    size_t n = rows > f->limit ? (size_t)f->limit : (size_t)rows;
    out->items = n ? mem_zalloc(n, sizeof *out->items) : NULL;
    out->n = n;
    for (size_t i = 0; i < n; i++)
        row_to_appt(c, res, (int)i, &out->items[i]);
    if ((size_t)rows > n && n > 0) {
        out->next_start = out->items[n - 1].start;
        out->next_id = out->items[n - 1].id;
    }
    db_res_free(res);
    return APP_OK;
}

app_err calendar_store_busy(db_conn *c, int64_t user, int64_t from, int64_t to,
                            struct calendar_busy **out, size_t *n)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[3] = {DB_INT(user), DB_TEXT(ts(from, s)), DB_TEXT(ts(to, e))};
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, BUSY), p, 3, &res);
    if (de != DB_OK)
        return db_fail(c, de, "busy times");
    int rows = db_res_rows(res);
    struct calendar_busy *b = mem_zalloc(rows > 0 ? (size_t)rows : 1, sizeof *b);
    for (int i = 0; i < rows; i++)
        b[i] = (struct calendar_busy){cell_time(c, res, i, 0), cell_time(c, res, i, 1)};
    db_res_free(res);
    *out = b;
    *n = (size_t)rows;
    return APP_OK;
}

app_err calendar_store_mirror(db_conn *c, int64_t user, int64_t from, int64_t to, int max,
                              struct calendar_mirror_list *out)
{
    char s[CIVIL_RFC3339_SIZE], e[CIVIL_RFC3339_SIZE];
    db_param p[4] = {DB_INT(user), DB_TEXT(ts(from, s)), DB_TEXT(ts(to, e)), DB_INT(max)};
    db_res *res = NULL;
    db_err de = db_exec(c, SQL(c, MIRROR), p, 4, &res);
    if (de != DB_OK)
        return db_fail(c, de, "mirrored events");
    int rows = db_res_rows(res);
    out->items = rows > 0 ? mem_zalloc((size_t)rows, sizeof *out->items) : NULL;
    out->n = rows > 0 ? (size_t)rows : 0;
    for (int i = 0; i < rows; i++) {
        struct calendar_mirror *m = &out->items[i];
        copy_cell(res, i, 0, m->source, sizeof m->source);
        m->external_id = dup_cell(res, i, 1);
        m->start = cell_time(c, res, i, 2);
        m->end = cell_time(c, res, i, 3);
        m->transparent = db_res_bool(res, i, 4);
        m->subject = dup_cell(res, i, 5);
        m->location = dup_cell(res, i, 6);
    }
    db_res_free(res);
    return APP_OK;
}

app_err calendar_store_begin_write(db *d, int64_t user, db_conn **out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(d, user, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = versions_bump(c, user, VERSIONS_CALENDAR);
    if (rc != APP_OK)
        return db_tx_end(c, rc);
    *out = c;
    return APP_OK;
}

app_err calendar_store_set_sync(db_conn *c, int64_t user, int64_t id, const char *sync_status)
{
    db_param p[3] = {DB_INT(user), DB_INT(id), DB_TEXT(sync_status)};
    return db_run(c, SQL(c, SET_SYNC), p, 3, "appointment sync status");
}

/* ---- the connection and the feed ------------------------------------------------------ */

app_err calendar_store_connection(db_conn *c, int64_t user, struct calendar_connection *out)
{
    db_param p[1] = {DB_INT(user)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, CONNECTION), p, 1, &res);
    if (e != DB_OK)
        return db_fail(c, e, "calendar connection");
    memset(out, 0, sizeof *out);
    if (db_res_rows(res) == 1) {
        out->has = true;
        copy_cell(res, 0, 0, out->provider, sizeof out->provider);
        out->account_email = dup_cell(res, 0, 1);
        out->calendar_id = dup_cell(res, 0, 2);
        out->calendar_name = dup_cell(res, 0, 3);
        out->calendar_url = dup_cell(res, 0, 4);
        copy_cell(res, 0, 5, out->status, sizeof out->status);
        out->last_error = dup_cell(res, 0, 6);
        out->expires_at = cell_time(c, res, 0, 7);
    }
    db_res_free(res);
    return APP_OK;
}

app_err calendar_store_feed_put(db_conn *c, int64_t user, const char *hash)
{
    db_param p[2] = {DB_INT(user), DB_TEXT(hash)};
    return db_run(c, SQL(c, FEED_PUT), p, 2, "feed token");
}

app_err calendar_store_feed_delete(db_conn *c, int64_t user)
{
    db_param p[1] = {DB_INT(user)};
    return db_run(c, SQL(c, FEED_DELETE), p, 1, "feed token delete");
}

app_err calendar_store_feed_check(db_conn *c, int64_t user, const char *hash)
{
    db_param p[2] = {DB_INT(user), DB_TEXT(hash)};
    db_res *res = NULL;
    db_err e = db_exec(c, SQL(c, FEED_CHECK), p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "feed token check");
    app_err rc = db_res_rows(res) == 1 ? APP_OK : APP_E_NOTFOUND;
    db_res_free(res);
    return rc;
}
