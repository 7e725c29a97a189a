/* SPDX-License-Identifier: MIT */
/* /rentals handlers: parse the request, call one service function, reply. A non-numeric,
 * missing and another tenant's id all get the same 404 body. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    struct jsonw w = {0};
    rentals_write(&w, x, NULL, 0);
    size_t len = 0;
    char *body = jsonw_take(&w, &len);
    return http_reply_text_owned(r, status, JSON_CT, body, len);
}

/* Answers a create or a patch: the body's problems (400/422), the error, or the row x. */
static int reply_saved(http_req *r, app_err e, struct vcheck *v, const struct rental *x,
                       unsigned status)
{
    if (e == APP_E_VALIDATION)
        return http_reply_vcheck(r, v), 0;
    if (e == APP_E_CONFLICT)
        return http_reply_err(r, e, "A rental with this property_address already exists for "
                                    "this website.");
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    return reply_rental(r, status, x);
}

/* Replies with a rendered page (the body is handed over). */
static int reply_page(http_req *r, app_err e, struct rentals_page *page)
{
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return http_reply_text_owned(r, 200, JSON_CT, page->body, page->len);
}

int rentals_http_list(http_req *r)
{
    struct rental_filter f;
    struct rentals_page page = {0};
    char website[256];
    if (!parse_filter_or_reply(r, &f, website, sizeof website))
        return 0;
    return reply_page(r, rentals_list_page(r->app, &r->tenant, &f, &page), &page);
}

int rentals_http_create(http_req *r)
{
    struct vcheck v;
    struct rental out;
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    rentals_init(&out);
    app_err e = rentals_create(r->app, r->tenant.id, j_body, &v, &out);
    json_decref(j_body);
    reply_saved(r, e, &v, &out, 201);
    vcheck_cleanup(&v);
    rentals_cleanup(&out);
    return 0;
}

int rentals_http_get(http_req *r)
{
    struct rental out;
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, NOT_FOUND_MSG);
    rentals_init(&out);
    app_err e = rentals_get(r->app, r->tenant.id, id, &out);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? NOT_FOUND_MSG : NULL);
    reply_rental(r, 200, &out);
    rentals_cleanup(&out);
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
    rentals_init(&out);
    app_err e = rentals_patch(r->app, r->tenant.id, id, j_body, &v, &out);
    json_decref(j_body);
    reply_saved(r, e, &v, &out, 200);
    vcheck_cleanup(&v);
    rentals_cleanup(&out);
    return 0;
}

int rentals_http_delete(http_req *r)
{
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? rentals_delete(r->app, r->tenant.id, id) : APP_E_NOTFOUND;
    return http_reply_done(r, e, NOT_FOUND_MSG);
}
