/* SPDX-License-Identifier: MIT */
/* /rentals handlers: parse the request, call the service, reply. A non-numeric, missing
 * and another tenant's id all get the same 404 body. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "rentals/rentals.h"

#define NOT_FOUND_MSG "Rental not found."
#define Q_MAX 200
#define JSON_CT "application/json; charset=utf-8"

static int reply_param(http_req *r, const char *name, const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg, "Query parameter '%s' must be %s.", name, what);
    return http_reply_error(r, 400, "invalid_parameter", msg);
}

static bool parse_num(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || isspace((unsigned char)*s) || *end || errno || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || isspace((unsigned char)*s) || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Reads every GET /rentals parameter into f (website lower-cased into wbuf). On a bad
 * parameter answers 400 and returns false. */
static bool parse_filter_or_reply(http_req *r, struct rental_filter *f, char *wbuf, size_t wlen)
{
    const char *s;
    int64_t v = 0;
    memset(f, 0, sizeof *f);
    f->limit = RENTALS_LIMIT_DEFAULT;
    if ((s = http_query(r, "available"))) {
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return reply_param(r, "available", "true or false"), false;
        f->has_available = true;
        f->available = strcmp(s, "true") == 0;
    }
    if ((s = http_query(r, "min_price")) && !(f->has_min_price = parse_num(s, &f->min_price)))
        return reply_param(r, "min_price", "a number"), false;
    if ((s = http_query(r, "max_price")) && !(f->has_max_price = parse_num(s, &f->max_price)))
        return reply_param(r, "max_price", "a number"), false;
    if ((s = http_query(r, "bedrooms")) &&
        !(f->has_bedrooms = parse_int(s, 0, 1000, &f->bedrooms)))
        return reply_param(r, "bedrooms", "a whole number"), false;
    if ((s = http_query(r, "min_bedrooms")) &&
        !(f->has_min_bedrooms = parse_int(s, 0, 1000, &f->min_bedrooms)))
        return reply_param(r, "min_bedrooms", "a whole number"), false;
    if ((s = http_query(r, "limit"))) {
        if (!parse_int(s, 1, RENTALS_LIMIT_MAX, &v))
            return reply_param(r, "limit", "a whole number from 1 to 200"), false;
        f->limit = (int)v;
    }
    if ((s = http_query(r, "website")) && *s) {
        if (strlen(s) >= wlen)
            return reply_param(r, "website", "at most 255 characters"), false;
        for (size_t i = 0; i <= strlen(s); i++)
            wbuf[i] = (char)tolower((unsigned char)s[i]);
        f->website = wbuf;
    }
    if ((s = http_query(r, "q")) && *s) {
        if (strlen(s) > Q_MAX)
            return reply_param(r, "q", "at most 200 characters"), false;
        f->q = s;
    }
    if ((s = http_query(r, "cursor")) && *s && !rentals_cursor_decode(s, &f->after_id)) {
        http_reply_error(r, 400, "invalid_cursor", "The cursor is not valid; start again "
                                                   "without one.");
        return false;
    }
    return true;
}

/* Replies with one rental (the same JSON as in lists). */
static int reply_rental(http_req *r, unsigned status, const struct rental *x)
{
    struct jsonw b = {0};
    rentals_write(&b, x, NULL, 0);
    http_reply_text(r, status, JSON_CT, b.p, b.len);
    jsonw_free(&b);
    return 0;
}

/* The cache key of a parsed filter: every field, so equal keys mean equal pages. false when
 * it does not fit (cut keys could collide): that page is then not cached. */
static bool filter_key(const struct rental_filter *f, char *key, size_t len)
{
    int n = snprintf(key, len, "list %d %" PRId64 " %d%d %d%.17g %d%.17g %d%" PRId64 " %d%" PRId64
                       " w%zu:%s q%zu:%s",
             f->limit, f->after_id, f->has_available, f->available, f->has_min_price,
             f->min_price, f->has_max_price, f->max_price, f->has_bedrooms, f->bedrooms,
             f->has_min_bedrooms, f->min_bedrooms, f->website ? strlen(f->website) : 0,
             f->website ? f->website : "", f->q ? strlen(f->q) : 0, f->q ? f->q : "");
    return n > 0 && (size_t)n < len;
}

int rentals_http_list(http_req *r)
{
    struct rental_filter f;
    struct rental_list l = {0};
    struct jsonw b = {0};
    char website[256], key[720];
    if (!parse_filter_or_reply(r, &f, website, sizeof website))
        return 0;
    int64_t version = -1;
    if (filter_key(&f, key, sizeof key) && rentals_cache_reply(r, key, false, &version))
        return 0;
    app_err e = rentals_list(r->app, r->tenant.id, &f, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    jsonw_reserve(&b, 64 + (size_t)l.n * RENTALS_JSON_ESTIMATE);
    JSONW_LIT(&b, "{\"rentals\":[");
    for (int i = 0; i < l.n; i++) {
        if (i)
            JSONW_LIT(&b, ",");
        rentals_write(&b, &l.items[i], NULL, 0);
    }
    JSONW_LIT(&b, "],\"next_cursor\":");
    char *cursor = l.next_after > 0 ? rentals_cursor_encode(l.next_after) : NULL;
    jsonw_str(&b, cursor);
    JSONW_LIT(&b, "}");
    rentals_cache_keep(r, key, version, NULL, b.p, b.len);
    http_reply_text_owned(r, 200, JSON_CT, b.p, b.len);
    free(cursor);
    rental_list_cleanup(&l);
    return 0;
}

int rentals_http_create(http_req *r)
{
    struct vcheck v;
    struct rental in, out;
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    rental_init(&in);
    rental_init(&out);
    rentals_apply_json(&v, j_body, &in, false);
    json_decref(j_body);
    if (!http_reply_vcheck(r, &v)) {
        app_err e = rentals_create(r->app, r->tenant.id, &in, &out);
        if (e == APP_E_CONFLICT)
            http_reply_err(r, e, "A rental with this property_address already exists for "
                                 "this website.");
        else if (e != APP_OK)
            http_reply_err(r, e, NULL);
        else
            reply_rental(r, 201, &out);
    }
    vcheck_cleanup(&v);
    rental_cleanup(&in);
    rental_cleanup(&out);
    return 0;
}

int rentals_http_get(http_req *r)
{
    struct rental out;
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    rental_init(&out);
    app_err e = rentals_get(r->app, r->tenant.id, id, &out);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    reply_rental(r, 200, &out);
    rental_cleanup(&out);
    return 0;
}

int rentals_http_patch(http_req *r)
{
    struct vcheck v;
    struct rental out;
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    rental_init(&out);
    app_err e = rentals_patch(r->app, r->tenant.id, id, j_body, &v, &out);
    json_decref(j_body);
    if (e == APP_E_VALIDATION)
        http_reply_vcheck(r, &v);
    else if (e != APP_OK)
        http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    else
        reply_rental(r, 200, &out);
    vcheck_cleanup(&v);
    rental_cleanup(&out);
    return 0;
}

int rentals_http_delete(http_req *r)
{
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    app_err e = rentals_delete(r->app, r->tenant.id, id);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    return http_reply_empty(r, 204);
}
