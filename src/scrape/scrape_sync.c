/* SPDX-License-Identifier: MIT */
/* Syncing a source (SPEC §7): read the source, crawl its site with the tenant's today, hand
 * the listings to the rentals service, and say what changed; the job kind that runs it on
 * the worker (scrape_sync_job: which failures are retried and which are final) and the
 * worker's sweep that keeps every active source refreshed daily.
 *
 * Daily refresh: a source carries next_scrape_at, moved a day ahead whenever a sync of it is
 * enqueued (creation, a click, the sweep) and whenever one ends. The sweep, run by every
 * worker process about once a minute, enqueues the sources whose time came (one pending job
 * per source: the queue's dedup key). Nothing is chained through future jobs, so no chain
 * can break: a source whose job was lost, failed for good or never ran is simply due again a
 * day after its last attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/mono.h"
#include "core/tz.h"
#include "rentals/rentals.h"
#include "scrape/scrape_jobs.h"
#include "scrape/scrape_net.h"
#include "users/users.h"

#define SWEEP_BATCH 200 /* sources enqueued per sweep at most; the rest wait a minute */

/* ---- one sync ----------------------------------------------------------------------------- */

/* The tenant's today in its zone ("YYYY-MM-DD"); false when the settings cannot be read. */
static bool tenant_today(struct app *a, int64_t user_id, char out[CIVIL_DATE_SIZE])
{
    struct user_settings st;
    if (users_settings_get(a, user_id, &st) != APP_OK)
        return false;
    const char *zone = st.timezone[0] ? st.timezone : USERS_DEFAULT_ZONE;
    civil_format_date(tz_today(zone), out, CIVIL_DATE_SIZE);
    return true;
}

/* The crawl's listings as rentals for the sync: strings borrowed from r, images a new array
 * each (free_rentals). */
static struct rental *to_rentals(const struct scrape_result *r)
{
    struct rental *items = mem_zalloc(r->n ? r->n : 1, sizeof *items);
    for (size_t i = 0; i < r->n; i++) {
        const struct scrape_listing *l = &r->items[i];
        struct rental *x = &items[i];
        rentals_init(x);
        x->address = l->address;
        x->unit = l->unit;
        x->city = l->city;
        x->state = l->state;
        x->zip = l->zip;
        x->has_price = l->has_price;
        x->price = l->price;
        x->has_bedrooms = l->has_bedrooms;
        x->bedrooms = l->bedrooms;
        x->has_bathrooms = l->has_bathrooms;
        x->bathrooms = l->bathrooms;
        x->has_square_feet = l->has_square_feet;
        x->square_feet = l->square_feet;
        x->available_date = l->available_date;
        x->source_url = l->url;
        x->rental_id = l->site_id;
        x->description = l->description;
        x->property_type = l->property_type;
        x->j_images = json_array();
        for (size_t k = 0; k < l->n_images; k++)
            json_array_append_new(x->j_images, json_string(l->images[k]));
    }
    return items;
}

static void free_rentals(struct rental *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(items[i].j_images);
    free(items);
}

static json_t *result_json(const struct rental_source *src, const struct scrape_crawl *c,
                           const struct rentals_sync_counts *n, int64_t store_ms)
{
    json_t *j = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i}",
                          "source_id", (json_int_t)src->id, "status",
                          c->complete ? "ok" : "partial", "created", (json_int_t)n->created,
                          "changed", (json_int_t)n->changed, "unchanged",
                          (json_int_t)n->unchanged, "vanished", (json_int_t)n->vanished,
                          "skipped_manual", (json_int_t)n->skipped_manual, "listings",
                          (json_int_t)c->r.n, "pages", c->pages, "details_followed",
                          c->details_followed, "details_failed", c->details_failed);
    json_object_set_new(j, "family", c->r.family ? json_string(c->r.family) : json_null());
    json_object_set_new(j, "says_none", json_boolean(c->r.says_none && c->r.n == 0));
    json_object_set_new(j, "complete", json_boolean(c->complete));
    json_object_set_new(j, "note", c->complete ? json_null() : json_string(c->error));
    json_object_set_new(j, "url", json_string(c->final_url ? c->final_url : src->url));
    json_object_set_new(j, "timing_ms", json_pack("{s:I, s:I, s:I}", "fetch",
                                                  (json_int_t)c->fetch_ms, "extract",
                                                  (json_int_t)c->extract_ms, "store",
                                                  (json_int_t)store_ms));
    return j;
}

/* Hands a successful crawl to the rentals service. */
static enum scrape_sync_end apply(struct app *a, int64_t user_id, const struct rental_source *src,
                                  const struct scrape_crawl *c, const char *today,
                                  json_t **j_result, char *error, size_t cap)
{
    struct rental *items = to_rentals(&c->r);
    struct rentals_scraped in = {.source_id = src->id, .items = items, .n = (int)c->r.n,
                                 .says_none = c->r.says_none && c->r.n == 0,
                                 .complete = c->complete,
                                 .note = c->complete ? NULL : c->error, .today = today};
    struct rentals_sync_counts counts;
    int64_t t0 = mono_ms();
    app_err e = rentals_sync_scraped(a, user_id, &in, &counts);
    int64_t store_ms = mono_ms() - t0;
    free_rentals(items, c->r.n);
    if (e == APP_E_NOTFOUND) {
        snprintf(error, cap, "the source no longer exists");
        return SCRAPE_SYNC_FAIL;
    }
    if (e != APP_OK) {
        snprintf(error, cap, "the listings could not be saved (%s)", app_err_code(e));
        return SCRAPE_SYNC_RETRY;
    }
    if (counts.refused) {
        snprintf(error, cap, "%s", counts.message);
        return SCRAPE_SYNC_FAIL;
    }
    *j_result = result_json(src, c, &counts, store_ms);
    return SCRAPE_SYNC_DONE;
}

/* Crawls src and applies what it found; a failed crawl is recorded on the source. */
static enum scrape_sync_end crawl_and_apply(struct app *a, int64_t user_id,
                                            const struct rental_source *src,
                                            const struct scrape_budget *b, json_t **j_result,
                                            char *error, size_t cap)
{
    char today[CIVIL_DATE_SIZE];
    struct scrape_crawl crawl;
    if (!tenant_today(a, user_id, today)) {
        snprintf(error, cap, "the tenant's settings could not be read");
        return SCRAPE_SYNC_RETRY;
    }
    struct scrape_crawl_opts o = {.client = a->out, .today = today, .budget = *b};
    scrape_crawl_run(&o, src->url, &crawl);
    enum scrape_sync_end end;
    if (crawl.ok) {
        end = apply(a, user_id, src, &crawl, today, j_result, error, cap);
    } else {
        end = crawl.end == SCRAPE_FETCH_NO_TIME ? SCRAPE_SYNC_NO_TIME
              : crawl.end == SCRAPE_FETCH_RETRY ? SCRAPE_SYNC_RETRY
                                                : SCRAPE_SYNC_FAIL;
        snprintf(error, cap, "%s", crawl.error);
        if (end != SCRAPE_SYNC_NO_TIME)
            rentals_source_failed(a, user_id, src->id, crawl.error); /* best effort */
    }
    scrape_crawl_cleanup(&crawl);
    return end;
}

enum scrape_sync_end scrape_sync_source(struct app *a, int64_t user_id, int64_t source_id,
                                        const struct scrape_budget *b, json_t **j_result,
                                        char *error, size_t cap)
{
    struct rental_source src = {0};
    *j_result = NULL;
    if (cap)
        error[0] = '\0';
    app_err e = rentals_source_get(a, user_id, source_id, &src);
    if (e == APP_E_NOTFOUND) {
        snprintf(error, cap, "the source no longer exists");
        return SCRAPE_SYNC_FAIL;
    }
    if (e != APP_OK) {
        snprintf(error, cap, "the source could not be read (%s)", app_err_code(e));
        return SCRAPE_SYNC_RETRY;
    }
    enum scrape_sync_end end = SCRAPE_SYNC_FAIL;
    if (!src.is_active)
        snprintf(error, cap, "the source is paused (is_active is false)");
    else
        end = crawl_and_apply(a, user_id, &src, b, j_result, error, cap);
    rentals_source_cleanup(&src);
    return end;
}

/* ---- the job kind ------------------------------------------------------------------------- */

static int64_t job_ms_left(const void *ctx)
{
    return jobs_run_ms_left(ctx);
}

/* The payload's source id (exactly {"source_id": N > 0}); 0 with run->error when bad. */
static int64_t payload_source(struct jobs_run *run)
{
    const json_t *j_id = json_object_get(run->j_payload, "source_id");
    if (json_object_size(run->j_payload) != 1 || !json_is_integer(j_id) ||
        json_integer_value(j_id) <= 0) {
        snprintf(run->error, sizeof run->error,
                 "payload: must be {\"source_id\": N} with N a positive integer");
        return 0;
    }
    return (int64_t)json_integer_value(j_id);
}

jobs_outcome scrape_sync_job(struct jobs_run *run)
{
    int64_t source_id = payload_source(run);
    if (source_id <= 0)
        return JOBS_FAIL;
    json_t *j_result = NULL;
    struct scrape_budget b = {.ms_left = job_ms_left, .ctx = run};
    switch (scrape_sync_source(run->app, run->user_id, source_id, &b, &j_result, run->error,
                               sizeof run->error)) {
    case SCRAPE_SYNC_DONE:
        run->j_result = j_result;
        return JOBS_DONE;
    case SCRAPE_SYNC_RETRY:
        return JOBS_RETRY;
    case SCRAPE_SYNC_NO_TIME:
        if (jobs_stopping())
            return JOBS_INTERRUPTED;
        snprintf(run->error, sizeof run->error, "ran out of time before the page was read");
        rentals_source_failed(run->app, run->user_id, source_id, run->error);
        return JOBS_RETRY;
    case SCRAPE_SYNC_FAIL:
    default:
        return JOBS_FAIL;
    }
}

/* ---- the daily sweep ---------------------------------------------------------------------- */

void scrape_sweep_tick(struct app *a)
{
    int n = 0;
    app_err e = rentals_sources_sweep(a, SWEEP_BATCH, &n);
    if (e != APP_OK)
        LOG_W("scrape sweep: could not enqueue the daily refreshes (%s); trying again later",
              app_err_code(e));
    else if (n > 0)
        LOG_I("scrape sweep: %d sources due for their daily refresh enqueued", n);
}
