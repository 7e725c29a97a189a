/* SPDX-License-Identifier: MIT */
/* Fixed-window counters in the database (ratelimit.h). */
#include "core/ratelimit.h"

#include <time.h>

static const char sql_count[] =
    "SELECT count, window_start FROM rate_limits WHERE key = $1 AND window_start > $2";

/* $2 = now, $3 = now - window: an expired window restarts at now with count 1. */
static const char sql_hit[] =
    "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN rate_limits.window_start <= $3 THEN 1"
    " ELSE rate_limits.count + 1 END,"
    " window_start = CASE WHEN rate_limits.window_start <= $3 THEN excluded.window_start"
    " ELSE rate_limits.window_start END"
    " RETURNING count, window_start";

static const char sql_clear[] = "DELETE FROM rate_limits WHERE key = $1";

static const char sql_prune[] = "DELETE FROM rate_limits WHERE window_start <= $1";

/* Copies a (count, window_start) row of res, or the empty counter. */
static app_err read_row(db_res *res, int64_t now, int64_t *count, int64_t *window_start)
{
    bool one = db_res_rows(res) == 1;
    if (count)
        *count = one ? db_res_int(res, 0, 0) : 0;
    if (window_start)
        *window_start = one ? db_res_int(res, 0, 1) : now;
    db_res_free(res);
    return APP_OK;
}

app_err ratelimit_hit(db_conn *c, const char *key, int64_t now, int64_t window, int64_t *count,
                      int64_t *window_start)
{
    db_param p[] = {DB_TEXT(key), DB_INT(now), DB_INT(now - window)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_hit, p, 3, &res);
    if (e != DB_OK)
        return db_fail(c, e, "count a rate-limited event");
    return read_row(res, now, count, window_start);
}

app_err ratelimit_count(db_conn *c, const char *key, int64_t now, int64_t window,
                        int64_t *count, int64_t *window_start)
{
    db_param p[] = {DB_TEXT(key), DB_INT(now - window)};
    db_res *res = NULL;
    db_err e = db_exec(c, sql_count, p, 2, &res);
    if (e != DB_OK)
        return db_fail(c, e, "read a rate limit");
    return read_row(res, now, count, window_start);
}

app_err ratelimit_clear(db_conn *c, const char *key)
{
    db_param p[] = {DB_TEXT(key)};
    return db_run(c, sql_clear, p, 1, "clear a rate limit");
}

app_err ratelimit_prune(db_conn *c, int64_t before)
{
    db_param p[] = {DB_INT(before)};
    return db_run(c, sql_prune, p, 1, "prune rate limits");
}

app_err ratelimit_take(db *d, const char *key, int64_t max, int64_t window,
                       long *retry_after)
{
    db_conn *c = NULL;
    int64_t now = (int64_t)time(NULL), count = 0, start = now;
    db_err de = db_acquire(d, &c);
    if (de != DB_OK)
        return db_app_err(de);
    app_err e = ratelimit_hit(c, key, now, window, &count, &start);
    db_release(c);
    if (e != APP_OK)
        return e;
    if (count <= max)
        return APP_OK;
    if (retry_after)
        *retry_after = (long)(start + window - now > 1 ? start + window - now : 1);
    return APP_E_RATE;
}
