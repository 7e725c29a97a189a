/* SPDX-License-Identifier: MIT */
/* The rendered reads (rentals.h): GET /rentals pages and the /database views, written whole,
 * and the response cache (core/respcache.h) in front of the three list views.
 *
 * Stamps. A rendering is kept under the tenant's change counters (core/versions.h),
 * listings and profile packed into one number, as they were for exactly what it shows: the
 * rows' counters come from the statement that read the rows (struct rental_list), and the
 * email and zone a /database view shows are the request's tenant's (r->tenant) when its
 * profile counter is the one read with the rows, else read afresh (users_tenant_reload). A
 * request serves a kept rendering only when the counters read now equal its stamp: the
 * database moves a counter in the same transaction as any change to the family's tables,
 * whichever instance or operator makes it, so a kept page is never served after a committed
 * change, and two instances never disagree (SPEC §1).
 *
 * Round trips (PostgreSQL). Nothing kept for the request's key: one, the rows with their
 * counters. Something kept: one for the counters, and a current rendering is served; else
 * the rows are read as above. A view of no rows has no counters and is not kept.
 *
 * /database/available also depends on the day in the tenant's zone: its entries carry
 * "<day> <zone>" and stop matching at the zone's midnight. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/respcache.h"
#include "core/tz.h"
#include "core/versions.h"
#include "rentals/rentals_store.h"
#include "users/users.h"

/* A rendering in progress and what it shows. */
struct rendering {
    struct jsonw w;
    int64_t listings, profile; /* its counters; -1: unknown (not kept) */
    struct rentals_today today; /* /database/available: the day it was counted in */
};

typedef app_err (*render_fn)(struct app *a, const struct http_tenant *t, const void *arg,
                             struct rendering *g);

/* ---- the cache ------------------------------------------------------------------------ */

/* Both counters in one stamp, 32 bits each (lexicographic: the newer stamp is larger). */
static int64_t pack(int64_t listings, int64_t profile)
{
    return (int64_t)(((uint64_t)listings << 32) | ((uint64_t)profile & 0xffffffffu));
}

/* The tenant's counters now, in one round trip; false when they cannot be read. */
static bool current_stamp(struct app *a, int64_t tenant, int64_t *stamp)
{
    static const char *const families[] = {VERSIONS_LISTINGS, VERSIONS_PROFILE};
    int64_t v[2];
    db_conn *c = NULL;
    if (db_tx_begin(a->db, tenant, false, &c) != APP_OK)
        return false;
    db_last_statement(c);
    if (db_tx_end(c, versions_read(c, tenant, families, 2, v)) != APP_OK)
        return false;
    *stamp = pack(v[0], v[1]);
    return true;
}

/* "<day> <zone>" of an available entry into day and zone; false when malformed. */
static bool parse_today(const char *aux, int64_t *day, char *zone, size_t zone_len)
{
    char *end = NULL;
    long long d = strtoll(aux, &end, 10);
    if (!end || end == aux || *end != ' ' || strlen(end + 1) >= zone_len)
        return false;
    *day = d;
    memcpy(zone, end + 1, strlen(end + 1) + 1);
    return true;
}

/* Serves key's kept rendering into *out when one is kept and current (by_day: and counted
 * on today's date in its zone); false otherwise. */
static bool serve_kept(struct app *a, int64_t tenant, const char *key, bool by_day,
                       struct rentals_page *out)
{
    char aux[96] = "", zone[64];
    int64_t stamp = 0, day = 0;
    size_t len = 0;
    if (!respcache_probe(a->cache, tenant, key) || !current_stamp(a, tenant, &stamp))
        return false;
    char *body = respcache_get(a->cache, tenant, key, stamp, &len, aux, sizeof aux);
    if (!body)
        return false;
    if (by_day && (!parse_today(aux, &day, zone, sizeof zone) || tz_today(zone) != day)) {
        free(body); /* counted on another day: the next rendering replaces it */
        return false;
    }
    out->body = body;
    out->len = len;
    return true;
}

static void keep(struct app *a, int64_t tenant, const char *key, bool by_day,
                 const struct rendering *g)
{
    char aux[96];
    if (g->listings < 0 || g->profile < 0)
        return;
    if (by_day)
        snprintf(aux, sizeof aux, "%" PRId64 " %s", g->today.day, g->today.zone);
    respcache_put(a->cache, tenant, key, pack(g->listings, g->profile), by_day ? aux : NULL,
                  g->w.p, g->w.len);
}

/* The view of key (NULL: not cacheable): kept and current, else rendered and kept. */
static app_err serve(struct app *a, const struct http_tenant *t, const char *key, bool by_day,
                     render_fn render, const void *arg, struct rentals_page *out)
{
    struct rendering g = {.listings = -1, .profile = -1};
    if (key && serve_kept(a, t->id, key, by_day, out))
        return APP_OK;
    app_err e = render(a, t, arg, &g);
    if (e != APP_OK) {
        jsonw_free(&g.w);
        return e;
    }
    if (key)
        keep(a, t->id, key, by_day, &g);
    out->body = jsonw_take(&g.w, &out->len);
    return APP_OK;
}

/* The tenant as a view shows it, for the profile counter *profile read with the view's rows:
 * t when that is the counter t was resolved with, else read afresh (another instance or an
 * operator changed the email or zone since t was resolved). *profile becomes the counter of
 * what *out holds. */
static app_err shown_tenant(struct app *a, const struct http_tenant *t, int64_t *profile,
                            struct http_tenant *out)
{
    *out = *t;
    if (*profile == t->version)
        return APP_OK;
    app_err e = users_tenant_reload(a, out);
    if (e == APP_OK)
        *profile = out->version;
    return e;
}

/* ---- rendering -------------------------------------------------------------------------- */

/* "[...]" of l's rentals (with their availability when l.days is set). */
static void write_rentals(struct jsonw *w, const struct rental_list *l)
{
    char when[48], status[64];
    JSONW_LIT(w, "[");
    for (int i = 0; i < l->n; i++) {
        if (i)
            JSONW_LIT(w, ",");
        if (!l->days) {
            rentals_write(w, &l->items[i], NULL, 0);
            continue;
        }
        if (l->days[i] > 0) {
            civil_format_day(civil_date_days(l->items[i].available_date), when, sizeof when);
            snprintf(status, sizeof status, "Available %s", when);
        } else {
            snprintf(status, sizeof status, "Available Now");
        }
        rentals_write(w, &l->items[i], status, l->days[i]);
    }
    JSONW_LIT(w, "]");
}

/* {"status":"success","user_email":... : the head of every /database view. */
static void write_head(struct jsonw *w, const struct http_tenant *shown)
{
    JSONW_LIT(w, "{\"status\":\"success\"");
    jsonw_key(w, "user_email");
    jsonw_str(w, shown->email[0] ? shown->email : NULL);
}

/* After a /database list view read l (e: how that went): the tenant it shows into *shown,
 * its counters into g and its head written. On failure l is released. */
static app_err view_head(struct app *a, const struct http_tenant *t, app_err e,
                         struct rental_list *l, struct rendering *g, struct http_tenant *shown)
{
    int64_t profile = l->profile;
    if (e == APP_OK)
        e = shown_tenant(a, t, &profile, shown);
    if (e != APP_OK) {
        rentals_list_cleanup(l);
        return e;
    }
    g->listings = l->listings;
    g->profile = profile;
    jsonw_reserve(&g->w, 512 + (size_t)l->n * RENTALS_JSON_ESTIMATE);
    write_head(&g->w, shown);
    return APP_OK;
}

/* ,"rentals":[...]} closing a list view; releases l. */
static void view_tail(struct rendering *g, struct rental_list *l)
{
    jsonw_key(&g->w, "rentals");
    write_rentals(&g->w, l);
    JSONW_LIT(&g->w, "}");
    rentals_list_cleanup(l);
}

static app_err render_list(struct app *a, const struct http_tenant *t, const void *arg,
                           struct rendering *g)
{
    struct rental_list l = {0};
    app_err e = rentals_list(a, t->id, arg, &l);
    if (e != APP_OK)
        return e;
    char *cursor = l.next_after > 0 ? rentals_cursor_encode(l.next_after) : NULL;
    jsonw_reserve(&g->w, 64 + (size_t)l.n * RENTALS_JSON_ESTIMATE);
    JSONW_LIT(&g->w, "{\"rentals\":");
    write_rentals(&g->w, &l);
    JSONW_LIT(&g->w, ",\"next_cursor\":");
    jsonw_str(&g->w, cursor);
    JSONW_LIT(&g->w, "}");
    g->listings = l.listings;
    g->profile = l.profile;
    free(cursor);
    rentals_list_cleanup(&l);
    return APP_OK;
}

static app_err render_website(struct app *a, const struct http_tenant *t, const void *arg,
                              struct rendering *g)
{
    struct rental_list l = {0};
    struct http_tenant shown;
    const char *website = arg;
    app_err e = rentals_by_website(a, t->id, website, &l);
    e = view_head(a, t, e, &l, g, &shown);
    if (e != APP_OK)
        return e;
    jsonw_key(&g->w, "website");
    jsonw_str(&g->w, website[0] ? website : NULL);
    jsonw_key(&g->w, "rental_count");
    jsonw_int(&g->w, l.n);
    view_tail(g, &l);
    return APP_OK;
}

static app_err render_available(struct app *a, const struct http_tenant *t, const void *arg,
                                struct rendering *g)
{
    struct rental_list l = {0};
    struct http_tenant shown;
    char date[48];
    (void)arg;
    app_err e = rentals_available(a, t->id, users_tenant_zone(t), &l, &g->today);
    e = view_head(a, t, e, &l, g, &shown);
    if (e != APP_OK)
        return e;
    if (strcmp(users_tenant_zone(&shown), g->today.zone) != 0) /* t's zone was outdated */
        rentals_available_sort(&l, users_tenant_zone(&shown), &g->today);
    civil_format_day(g->today.day, date, sizeof date);
    jsonw_key(&g->w, "total_available");
    jsonw_int(&g->w, l.n);
    jsonw_key(&g->w, "current_date");
    jsonw_str(&g->w, date[0] ? date : NULL);
    view_tail(g, &l);
    return APP_OK;
}

/* ---- the views ---------------------------------------------------------------------------- */

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

app_err rentals_list_page(struct app *a, const struct http_tenant *t,
                          const struct rental_filter *f, struct rentals_page *out)
{
    char key[720];
    bool cacheable = filter_key(f, key, sizeof key);
    return serve(a, t, cacheable ? key : NULL, false, render_list, f, out);
}

app_err rentals_website_page(struct app *a, const struct http_tenant *t, const char *website,
                             struct rentals_page *out)
{
    char key[300];
    int n = snprintf(key, sizeof key, "website %s", website);
    bool cacheable = n > 0 && (size_t)n < sizeof key;
    return serve(a, t, cacheable ? key : NULL, false, render_website, website, out);
}

app_err rentals_available_page(struct app *a, const struct http_tenant *t,
                               struct rentals_page *out)
{
    return serve(a, t, "available", true, render_available, NULL, out);
}

app_err rentals_status_page(struct app *a, const struct http_tenant *t,
                            struct rentals_page *out)
{
    struct rental_stats st = {0};
    struct http_tenant shown;
    struct jsonw w = {0};
    app_err e = rentals_stats(a, t->id, &st);
    int64_t profile = st.profile;
    if (e == APP_OK)
        e = shown_tenant(a, t, &profile, &shown);
    if (e != APP_OK) {
        rentals_stats_cleanup(&st);
        return e;
    }
    write_head(&w, &shown);
    JSONW_LIT(&w, ",\"database_stats\":{\"total_rentals\":");
    jsonw_int(&w, st.total_rentals);
    jsonw_key(&w, "available_rentals");
    jsonw_int(&w, st.available_rentals);
    jsonw_key(&w, "websites_tracked");
    jsonw_int(&w, st.nsites);
    jsonw_key(&w, "last_updated");
    jsonw_str(&w, st.last_updated);
    JSONW_LIT(&w, ",\"websites\":{");
    for (int i = 0; i < st.nsites; i++) {
        if (i)
            JSONW_LIT(&w, ",");
        jsonw_str(&w, st.sites[i].website);
        JSONW_LIT(&w, ":{\"rental_count\":");
        jsonw_int(&w, st.sites[i].rental_count);
        jsonw_key(&w, "last_scraped");
        jsonw_str(&w, st.sites[i].last_scraped);
        JSONW_LIT(&w, "}");
    }
    JSONW_LIT(&w, "}}}");
    rentals_stats_cleanup(&st);
    out->body = jsonw_take(&w, &out->len);
    return APP_OK;
}
