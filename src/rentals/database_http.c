/* SPDX-License-Identifier: MIT */
/* /database/... handlers (the shapes the web client reads, SPEC §5): status figures, one
 * website's rentals, available rentals with their availability in the tenant's zone, and
 * the listing sources the tenant tracks. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "core/jsonw.h"
#include "rentals/rentals.h"

#define SOURCE_NOT_FOUND_MSG "Source not found."
#define JSON_CT "application/json; charset=utf-8"

static json_t *email_json(const char *email)
{
    return email[0] ? json_string(email) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int rentals_http_db_status(http_req *r)
{
    struct rental_stats st = {0};
    char email[256] = "";
    app_err e = rentals_stats(r->app, r->tenant.id, &st, email, sizeof email);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    json_t *j_sites = json_object();
    for (int i = 0; i < st.nsites; i++)
        json_object_set_new(j_sites, st.sites[i].website,
                            json_pack("{s:I, s:o}", "rental_count",
                                      (json_int_t)st.sites[i].rental_count, "last_scraped",
                                      str_or_null(st.sites[i].last_scraped)));
    json_t *j_stats = json_pack("{s:I, s:I, s:I, s:o, s:o}", "total_rentals",
                                (json_int_t)st.total_rentals, "available_rentals",
                                (json_int_t)st.available_rentals, "websites_tracked",
                                (json_int_t)st.nsites, "last_updated",
                                str_or_null(st.last_updated), "websites", j_sites);
    rental_stats_cleanup(&st);
    return http_reply_json_new(r, 200,
                               json_pack("{s:s, s:o, s:o}", "status", "success", "user_email",
                                         email_json(email), "database_stats", j_stats));
}

/* Appends ,"key":"text" or ,"key":null (text "" counts as missing). */
static void add_field(struct jsonw *b, const char *key, const char *text)
{
    jsonw_raw(b, ",\"", 2);
    jsonw_raw(b, key, strlen(key));
    jsonw_raw(b, "\":", 2);
    jsonw_str(b, text && *text ? text : NULL);
}

static void add_count(struct jsonw *b, const char *key, int n)
{
    char num[64];
    int len = snprintf(num, sizeof num, ",\"%s\":%d", key, n);
    jsonw_raw(b, num, (size_t)len);
}

int rentals_http_db_website(http_req *r)
{
    struct rental_list l = {0};
    struct jsonw b = {0};
    char email[256] = "";
    char website[256];
    const char *w = r->nvars > 0 ? r->vars[0] : "";
    if (strlen(w) >= sizeof website)
        return http_reply_error(r, 400, "invalid_parameter",
                                "The website must be at most 255 characters.");
    for (size_t i = 0; i <= strlen(w); i++)
        website[i] = (char)tolower((unsigned char)w[i]);
    char key[300];
    snprintf(key, sizeof key, "website %s", website);
    int64_t version = -1;
    if (rentals_cache_reply(r, key, false, &version))
        return 0;
    app_err e = rentals_by_website(r->app, r->tenant.id, website, &l, email, sizeof email);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    jsonw_reserve(&b, 512 + (size_t)l.n * RENTALS_JSON_ESTIMATE);
    JSONW_LIT(&b, "{\"status\":\"success\"");
    add_field(&b, "user_email", email);
    add_field(&b, "website", website);
    add_count(&b, "rental_count", l.n);
    JSONW_LIT(&b, ",\"rentals\":[");
    for (int i = 0; i < l.n; i++) {
        if (i)
            JSONW_LIT(&b, ",");
        rentals_write(&b, &l.items[i], NULL, 0);
    }
    JSONW_LIT(&b, "]}");
    rentals_cache_keep(r, key, version, NULL, b.p, b.len);
    http_reply_text_owned(r, 200, JSON_CT, b.p, b.len);
    rental_list_cleanup(&l);
    return 0;
}

int rentals_http_db_available(http_req *r)
{
    struct rental_list l = {0};
    struct jsonw b = {0};
    struct rentals_today today;
    char email[256] = "";
    char date[48], when[48], status[64];
    int64_t version = -1;
    if (rentals_cache_reply(r, "available", true, &version))
        return 0;
    app_err e = rentals_available(r->app, r->tenant.id, &l, &today, email, sizeof email);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    civil_format_day(today.day, date, sizeof date);
    jsonw_reserve(&b, 512 + (size_t)l.n * RENTALS_JSON_ESTIMATE);
    JSONW_LIT(&b, "{\"status\":\"success\"");
    add_field(&b, "user_email", email);
    add_count(&b, "total_available", l.n);
    add_field(&b, "current_date", date);
    JSONW_LIT(&b, ",\"rentals\":[");
    for (int i = 0; i < l.n; i++) {
        if (l.days[i] > 0) {
            civil_format_day(civil_date_days(l.items[i].available_date), when, sizeof when);
            snprintf(status, sizeof status, "Available %s", when);
        } else {
            snprintf(status, sizeof status, "Available Now");
        }
        if (i)
            JSONW_LIT(&b, ",");
        rentals_write(&b, &l.items[i], status, l.days[i]);
    }
    JSONW_LIT(&b, "]}");
    rentals_cache_keep(r, "available", version, &today, b.p, b.len);
    http_reply_text_owned(r, 200, JSON_CT, b.p, b.len);
    rental_list_cleanup(&l);
    return 0;
}

int rentals_http_sources_list(http_req *r)
{
    struct rental_source_list l = {0};
    app_err e = rentals_sources_list(r->app, r->tenant.id, &l);
    if (e != APP_OK)
        return http_reply_err(r, e, NULL);
    json_t *j_items = json_array();
    for (int i = 0; i < l.n; i++)
        json_array_append_new(j_items, rentals_source_to_json(&l.items[i]));
    rental_source_list_cleanup(&l);
    return http_reply_json_new(r, 200, j_items);
}

int rentals_http_sources_create(http_req *r)
{
    struct vcheck v;
    struct rental_source out = {0};
    char *website = NULL, *url = NULL;
    json_t *j_body = http_body_object_or_reply(r);
    if (!j_body)
        return 0;
    vcheck_init(&v);
    rentals_source_from_json(&v, j_body, &website, &url);
    json_decref(j_body);
    if (!http_reply_vcheck(r, &v)) {
        app_err e = rentals_source_add(r->app, r->tenant.id, website, url, &out);
        if (e == APP_E_CONFLICT)
            http_reply_err(r, e, "This URL is already one of your sources.");
        else if (e != APP_OK)
            http_reply_err(r, e, NULL);
        else
            http_reply_json_new(r, 201, rentals_source_to_json(&out));
    }
    vcheck_cleanup(&v);
    rental_source_cleanup(&out);
    free(website);
    free(url);
    return 0;
}

int rentals_http_sources_delete(http_req *r)
{
    int64_t id = http_var_id(r, 0);
    if (id <= 0)
        return http_reply_err(r, APP_E_NOTFOUND, SOURCE_NOT_FOUND_MSG);
    app_err e = rentals_source_delete(r->app, r->tenant.id, id);
    if (e != APP_OK)
        return http_reply_err(r, e, e == APP_E_NOTFOUND ? SOURCE_NOT_FOUND_MSG : NULL);
    return http_reply_empty(r, 204);
}
