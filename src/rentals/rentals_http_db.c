/* SPDX-License-Identifier: MIT */
/* /database/... handlers (the shapes the web client reads, SPEC §5): status figures, one
 * website's rentals, available rentals with their availability in the tenant's zone, and
 * the listing sources the tenant tracks, and a sync of one source on demand. Each parses,
 * calls one service function, replies. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rentals/rentals.h"

#define SOURCE_NOT_FOUND_MSG "Source not found."
#define JSON_CT "application/json; charset=utf-8"

/* Replies with a rendered page (the body is handed over). */
static int reply_page(http_req *r, app_err e, struct rentals_page *page)
{
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    return http_reply_text_owned(r, 200, JSON_CT, page->body, page->len);
}

/* Replies with w's text as a JSON body (handed over). */
static int reply_jsonw(http_req *r, unsigned status, struct jsonw *w)
{
    size_t len = 0;
    char *body = jsonw_take(w, &len);
    return http_reply_text_owned(r, status, JSON_CT, body, len);
}

int rentals_http_db_status(http_req *r)
{
    struct rentals_page page = {0};
    return reply_page(r, rentals_status_page(r->app, &r->tenant, &page), &page);
}

int rentals_http_db_website(http_req *r)
{
    struct rentals_page page = {0};
    char website[256];
    const char *w = r->nvars > 0 ? r->vars[0] : "";
    if (strlen(w) >= sizeof website)
        return http_reply_error(r, 400, "invalid_parameter",
                                "The website must be at most 255 characters.");
    for (size_t i = 0; i <= strlen(w); i++)
        website[i] = (char)tolower((unsigned char)w[i]);
    return reply_page(r, rentals_website_page(r->app, &r->tenant, website, &page), &page);
}

int rentals_http_db_available(http_req *r)
{
    struct rentals_page page = {0};
    return reply_page(r, rentals_available_page(r->app, &r->tenant, &page), &page);
}

int rentals_http_sources_list(http_req *r)
{
    struct rental_source_list l = {0};
    struct jsonw w = {0};
    app_err e = rentals_sources_list(r->app, r->tenant.id, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    JSONW_LIT(&w, "[");
    for (int i = 0; i < l.n; i++) {
        if (i)
            JSONW_LIT(&w, ",");
        rentals_source_write(&w, &l.items[i]);
    }
    JSONW_LIT(&w, "]");
    rentals_source_list_cleanup(&l);
    return reply_jsonw(r, 200, &w);
}

int rentals_http_sources_create(http_req *r)
{
    struct vcheck v;
    struct rental_source out = {0};
    struct jsonw w = {0};
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    app_err e = rentals_source_add(r->app, r->tenant.id, j_body, &v, &out);
    json_decref(j_body);
    if (e == APP_E_VALIDATION) {
        http_reply_vcheck(r, &v);
    } else if (e == APP_E_CONFLICT) {
        http_reply_err(r, e, "This URL is already one of your sources.");
    } else if (e != APP_OK) {
        http_reply_err(r, e, NULL);
    } else {
        rentals_source_write(&w, &out);
        reply_jsonw(r, 201, &w);
    }
    vcheck_cleanup(&v);
    rentals_source_cleanup(&out);
    return 0;
}

int rentals_http_sources_delete(http_req *r)
{
    int64_t id = http_var_id(r, 0);
    app_err e = id > 0 ? rentals_source_delete(r->app, r->tenant.id, id) : APP_E_NOTFOUND;
    return http_reply_done(r, e, SOURCE_NOT_FOUND_MSG);
}

/* POST /database/sources/{id}/scrape: 202 with the sync's job (the pending one when a sync of
 * that source is already queued or running). */
int rentals_http_sources_scrape(http_req *r)
{
    struct jobs_job job = {0};
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, SOURCE_NOT_FOUND_MSG);
    app_err e = rentals_source_scrape(r->app, r->tenant.id, id, &job);
    if (e == APP_E_NOTFOUND)
        return http_reply_err(r, e, SOURCE_NOT_FOUND_MSG);
    if (e == APP_E_CONFLICT)
        return http_reply_error(r, 409, "source_inactive",
                                "This source is paused (is_active is false); it is not synced.");
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    http_reply_json_new(r, 202, json_pack("{s:s, s:I, s:o}", "status", "accepted", "job_id",
                                          (json_int_t)job.id, "job", jobs_job_json(&job)));
    jobs_job_cleanup(&job);
    return 0;
}
