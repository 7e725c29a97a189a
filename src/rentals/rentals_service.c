/* SPDX-License-Identifier: MIT */
/* Rentals rules: each operation is one tenant transaction (db_tx_begin/db_tx_end: on
 * PostgreSQL it also sets the row-level security tenant) that calls only this folder's
 * store, request bodies validated before it opens, keyset cursors, and "available" dates
 * evaluated in the tenant's time zone (core/tz.h). Sources are synced by jobs
 * (RENTALS_SYNC_KIND, enqueued here with jobs_enqueue in the transaction that calls for
 * them: a new source, a click, the daily sweep); what a sync found is applied here too
 * (rentals_sync_scraped: one transaction for the upserts, the vanished listings and the
 * source's bookkeeping). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/mem.h"
#include "core/tz.h"
#include "core/versions.h"
#include "jobs/jobs.h"
#include "rentals/rentals_store.h"

/* ---- transactions ------------------------------------------------------------------ */

/* A tenant write transaction. A writer takes the tenant's listings counter first (the
 * triggers move it again with each row): writers of one tenant then queue in one lock order.
 * No counter: the tenant was erased (through another instance, whose token cache has not
 * caught up): 401. */
static app_err begin_write(struct app *a, int64_t user_id, db_conn **out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = versions_bump(c, user_id, VERSIONS_LISTINGS);
    if (rc != APP_OK)
        return db_tx_end(c, rc == APP_E_NOTFOUND ? APP_E_AUTH : rc);
    *out = c;
    return APP_OK;
}

/* A tenant read transaction whose next statement is its last: on PostgreSQL the BEGIN,
 * the tenant setting, the statement and the COMMIT take one round trip. */
static app_err begin_read1(struct app *a, int64_t user_id, db_conn **out)
{
    app_err rc = db_tx_begin(a->db, user_id, false, out);
    if (rc == APP_OK)
        db_last_statement(*out);
    return rc;
}

/* Deletes the tenant's row id through the store's del, in one write transaction. */
static app_err delete_with(struct app *a, int64_t user_id, int64_t id,
                           app_err (*del)(db_conn *c, int64_t user_id, int64_t id))
{
    db_conn *c = NULL;
    app_err rc = begin_write(a, user_id, &c);
    return rc == APP_OK ? db_tx_end(c, del(c, user_id, id)) : rc;
}

/* ---- rentals ------------------------------------------------------------------------ */

app_err rentals_create(struct app *a, int64_t user_id, const json_t *j_body, struct vcheck *v,
                       struct rental *out)
{
    struct rental in;
    db_conn *c = NULL;
    rentals_init(&in);
    rentals_apply_json(v, j_body, &in, false);
    app_err rc = vcheck_ok(v) ? begin_write(a, user_id, &c) : APP_E_VALIDATION;
    if (rc == APP_OK)
        rc = db_tx_end(c, rentals_store_insert(c, user_id, &in, out));
    rentals_cleanup(&in);
    if (rc != APP_OK)
        rentals_cleanup(out);
    return rc;
}

app_err rentals_get(struct app *a, int64_t user_id, int64_t id, struct rental *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_get(c, user_id, id, out));
    if (rc != APP_OK)
        rentals_cleanup(out);
    return rc;
}

app_err rentals_patch(struct app *a, int64_t user_id, int64_t id, const json_t *j_body,
                      struct vcheck *v, struct rental *out)
{
    struct rental cur;
    db_conn *c = NULL;
    rentals_init(&cur);
    app_err rc = begin_write(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = rentals_store_get(c, user_id, id, &cur);
    if (rc == APP_OK) {
        rentals_apply_json(v, j_body, &cur, true);
        rc = vcheck_ok(v) ? rentals_store_update(c, user_id, &cur, out) : APP_E_VALIDATION;
    }
    rentals_cleanup(&cur);
    rc = db_tx_end(c, rc);
    if (rc != APP_OK)
        rentals_cleanup(out);
    return rc;
}

app_err rentals_delete(struct app *a, int64_t user_id, int64_t id)
{
    return delete_with(a, user_id, id, rentals_store_delete);
}

app_err rentals_list(struct app *a, int64_t user_id, const struct rental_filter *f,
                     struct rental_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_list(c, user_id, f, out));
    if (rc != APP_OK)
        rentals_list_cleanup(out);
    return rc;
}

app_err rentals_search(struct app *a, int64_t user_id, const struct rental_search *q, int max,
                       struct rental_list *out, int64_t *total)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_search(c, user_id, q, max, out, total));
    if (rc != APP_OK)
        rentals_list_cleanup(out);
    return rc;
}

app_err rentals_by_website(struct app *a, int64_t user_id, const char *website,
                           struct rental_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_by_website(c, user_id, website, out));
    if (rc != APP_OK)
        rentals_list_cleanup(out);
    return rc;
}

app_err rentals_stats(struct app *a, int64_t user_id, struct rental_stats *out)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_stats(c, user_id, out));
    if (rc != APP_OK)
        rentals_stats_cleanup(out); /* also what a failed second query left */
    return rc;
}

/* ---- availability ------------------------------------------------------------------- */

struct avail_key {
    int days;
    bool has_price;
    double price;
    int64_t id;
    int idx;
};

static int avail_cmp(const void *pa, const void *pb)
{
    const struct avail_key *a = pa, *b = pb;
    if (a->days != b->days)
        return a->days < b->days ? -1 : 1;
    if (a->has_price != b->has_price)
        return a->has_price ? -1 : 1; /* unknown prices last */
    if (a->has_price && a->price != b->price)
        return a->price < b->price ? -1 : 1;
    return a->id < b->id ? -1 : (a->id > b->id);
}

void rentals_available_sort(struct rental_list *l, const char *zone,
                            struct rentals_today *today)
{
    snprintf(today->zone, sizeof today->zone, "%s", zone);
    today->day = tz_today(today->zone);
    struct avail_key *keys = mem_zalloc((size_t)l->n, sizeof *keys);
    struct rental *items = mem_zalloc((size_t)l->n, sizeof *items);
    free(l->days);
    l->days = mem_zalloc((size_t)l->n, sizeof *l->days);
    for (int i = 0; i < l->n; i++) {
        const struct rental *r = &l->items[i];
        int64_t days =
            r->available_date ? civil_date_days(r->available_date) - today->day : 0;
        keys[i] = (struct avail_key){days > 0 ? (int)(days > 100000 ? 100000 : days) : 0,
                                     r->has_price, r->price, r->id, i};
    }
    qsort(keys, (size_t)l->n, sizeof *keys, avail_cmp);
    for (int i = 0; i < l->n; i++) {
        items[i] = l->items[keys[i].idx];
        l->days[i] = keys[i].days;
    }
    free(l->items);
    l->items = items;
    free(keys);
}

app_err rentals_available(struct app *a, int64_t user_id, const char *zone,
                          struct rental_list *out, struct rentals_today *today)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_available(c, user_id, out));
    if (rc != APP_OK) {
        rentals_list_cleanup(out);
        return rc;
    }
    rentals_available_sort(out, zone, today);
    return APP_OK;
}

/* ---- sources ------------------------------------------------------------------------ */

app_err rentals_sources_list(struct app *a, int64_t user_id, struct rental_source_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_source_list(c, user_id, out));
    if (rc != APP_OK)
        rentals_source_list_cleanup(out);
    return rc;
}

app_err rentals_source_get(struct app *a, int64_t user_id, int64_t id, struct rental_source *out)
{
    db_conn *c = NULL;
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_source_get(c, user_id, id, out));
    if (rc != APP_OK)
        rentals_source_cleanup(out);
    return rc;
}

/* Inside the caller's tenant write transaction: enqueues the source's sync (or finds the
 * pending one) and moves its next automatic refresh a day ahead. */
static app_err enqueue_sync(db_conn *c, int64_t user_id, int64_t source_id, int64_t *job_id,
                            bool *created)
{
    char key[48];
    snprintf(key, sizeof key, "source:%lld", (long long)source_id);
    json_t *j_payload = json_pack("{s:I}", "source_id", (json_int_t)source_id);
    app_err rc = jobs_enqueue(c, user_id, RENTALS_SYNC_KIND, key, j_payload, 0, job_id, created);
    json_decref(j_payload);
    return rc == APP_OK ? rentals_store_source_schedule(c, user_id, source_id) : rc;
}

app_err rentals_source_add(struct app *a, int64_t user_id, const json_t *j_body,
                           struct vcheck *v, struct rental_source *out)
{
    char *website = NULL, *url = NULL;
    db_conn *c = NULL;
    int64_t job = 0;
    bool fresh = false;
    rentals_source_from_json(v, j_body, &website, &url);
    app_err rc = vcheck_ok(v) ? begin_write(a, user_id, &c) : APP_E_VALIDATION;
    if (rc == APP_OK) {
        /* the first sync commits with the source, so its rentals appear within seconds */
        rc = rentals_store_source_insert(c, user_id, website, url, out);
        if (rc == APP_OK)
            rc = enqueue_sync(c, user_id, out->id, &job, &fresh);
        rc = db_tx_end(c, rc);
    }
    free(website);
    free(url);
    if (rc != APP_OK)
        rentals_source_cleanup(out);
    else
        jobs_wake();
    return rc;
}

app_err rentals_source_delete(struct app *a, int64_t user_id, int64_t id)
{
    return delete_with(a, user_id, id, rentals_store_source_delete);
}

app_err rentals_source_scrape(struct app *a, int64_t user_id, int64_t id, struct jobs_job *job)
{
    struct rental_source src = {0};
    db_conn *c = NULL;
    int64_t job_id = 0;
    bool fresh = false;
    app_err rc = db_tx_begin(a->db, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = rentals_store_source_get(c, user_id, id, &src);
    if (rc == APP_OK && !src.is_active)
        rc = APP_E_CONFLICT;
    if (rc == APP_OK)
        rc = enqueue_sync(c, user_id, id, &job_id, &fresh);
    rc = db_tx_end(c, rc);
    rentals_source_cleanup(&src);
    if (rc != APP_OK)
        return rc;
    jobs_wake();
    return jobs_get(a, user_id, job_id, job);
}

app_err rentals_source_ensure(struct app *a, int64_t user_id, const char *url,
                              struct vcheck *v, struct rental_source *out, bool *created)
{
    char *website = NULL, *clean = NULL;
    db_conn *c = NULL;
    json_t *j_body = json_pack("{s:s}", "url", url ? url : "");
    rentals_source_from_json(v, j_body, &website, &clean);
    json_decref(j_body);
    *created = false;
    app_err rc = vcheck_ok(v) ? begin_write(a, user_id, &c) : APP_E_VALIDATION;
    if (rc == APP_OK) {
        rc = rentals_store_source_by_url(c, user_id, clean, out);
        if (rc == APP_E_NOTFOUND) {
            rc = rentals_store_source_insert(c, user_id, website, clean, out);
            *created = rc == APP_OK;
            /* synced by the caller now: the sweep's turn is tomorrow */
            if (rc == APP_OK)
                rc = rentals_store_source_schedule(c, user_id, out->id);
        }
        rc = db_tx_end(c, rc);
    }
    free(website);
    free(clean);
    if (rc != APP_OK)
        rentals_source_cleanup(out);
    return rc;
}

app_err rentals_source_failed(struct app *a, int64_t user_id, int64_t id, const char *error)
{
    db_conn *c = NULL;
    app_err rc = db_tx_begin(a->db, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    return db_tx_end(c, rentals_store_source_failed(c, user_id, id, "error", error));
}

app_err rentals_sources_sweep(struct app *a, int limit, int *enqueued)
{
    struct rentals_due *due = mem_zalloc((size_t)(limit > 0 ? limit : 1), sizeof *due);
    db_conn *c = NULL;
    int n = 0;
    *enqueued = 0;
    app_err rc = db_tx_begin(a->db, 0, false, &c);
    if (rc == APP_OK)
        rc = db_tx_end(c, rentals_store_sources_due(c, limit, due, &n));
    for (int i = 0; rc == APP_OK && i < n; i++) {
        int64_t job = 0;
        bool fresh = false;
        app_err e = db_tx_begin(a->db, due[i].user_id, true, &c);
        if (e == APP_OK)
            e = db_tx_end(c, enqueue_sync(c, due[i].user_id, due[i].source_id, &job, &fresh));
        if (e == APP_OK && fresh)
            (*enqueued)++;
        else if (e != APP_OK && e != APP_E_NOTFOUND) /* NOTFOUND: deleted since */
            rc = e;
    }
    free(due);
    if (*enqueued > 0)
        jobs_wake();
    return rc;
}

/* ---- scrape syncs ------------------------------------------------------------------- */

/* The source's available scraped rentals (or unowned ones): what a sync could mark gone. */
static int64_t owned_available(const struct rentals_site_rows *rows, int64_t source_id)
{
    int64_t n = 0;
    for (int i = 0; i < rows->n; i++) {
        const struct rentals_site_row *r = &rows->rows[i];
        n += r->scraped && r->available && (r->source_id == source_id || r->source_id == 0);
    }
    return n;
}

/* The date to store for a listing that says "available now": the stored one while it is
 * still on or before today and the row is available, else today (date: 11 bytes). */
static void now_date(const struct rentals_site_rows *rows, const char *address,
                     const char *today, char *date)
{
    const struct rentals_site_row *old = rentals_site_rows_find(rows, address);
    bool keep = old && old->scraped && old->available && old->available_date &&
                rentals_valid_date(old->available_date) &&
                strcmp(old->available_date, today) <= 0;
    snprintf(date, CIVIL_DATE_SIZE, "%s", keep ? old->available_date : today);
}

/* Upserts one listing as a scraped row of src; counts it and notes its id in seen. */
static app_err sync_one(db_conn *c, int64_t user_id, const struct rental_source *src,
                        const struct rentals_scraped *in, const struct rental *item,
                        const struct rentals_site_rows *rows, int64_t *seen, int *nseen,
                        struct rentals_sync_counts *out)
{
    static char scraped[] = "scraped";
    char date[CIVIL_DATE_SIZE];
    struct rental r = *item; /* a shallow view: nothing below is freed */
    r.website = src->website;
    r.source_type = scraped;
    r.available = true;
    if (item->available_date && strcmp(item->available_date, RENTALS_DATE_NOW) == 0) {
        now_date(rows, item->address, in->today, date);
        r.available_date = date;
    } else if (item->available_date && !rentals_valid_date(item->available_date)) {
        r.available_date = NULL;
    }
    int64_t id = 0;
    enum rentals_upsert_result res = RENTALS_SKIPPED;
    bool exists = rentals_site_rows_find(rows, item->address) != NULL;
    app_err rc = rentals_store_upsert(c, user_id, src->id, &r, exists, &id, &res);
    if (rc != APP_OK)
        return rc;
    switch (res) {
    case RENTALS_CREATED: out->created++; break;
    case RENTALS_CHANGED: out->changed++; break;
    case RENTALS_UNCHANGED: out->unchanged++; break;
    case RENTALS_SKIPPED: default: out->skipped_manual++; break;
    }
    if (id > 0)
        seen[(*nseen)++] = id;
    return APP_OK;
}

/* The sync proper, inside the transaction, once the source and its rows are read. */
static app_err sync_rows(db_conn *c, int64_t user_id, const struct rental_source *src,
                         const struct rentals_scraped *in, const struct rentals_site_rows *rows,
                         struct rentals_sync_counts *out)
{
    int64_t *seen = mem_zalloc((size_t)(in->n > 0 ? in->n : 1), sizeof *seen);
    int nseen = 0;
    app_err rc = APP_OK;
    for (int i = 0; rc == APP_OK && i < in->n; i++)
        if (in->items[i].address && in->items[i].address[0])
            rc = sync_one(c, user_id, src, in, &in->items[i], rows, seen, &nseen, out);
    if (rc == APP_OK && in->complete)
        rc = rentals_store_mark_vanished(c, user_id, src->website, src->id, seen, nseen,
                                         &out->vanished);
    if (rc == APP_OK)
        rc = rentals_store_source_synced(c, user_id, src->id, in->complete ? "ok" : "partial",
                                         in->complete ? NULL : in->note, in->n);
    free(seen);
    return rc;
}

app_err rentals_sync_scraped(struct app *a, int64_t user_id, const struct rentals_scraped *in,
                             struct rentals_sync_counts *out)
{
    struct rental_source src = {0};
    struct rentals_site_rows rows = {0};
    db_conn *c = NULL;
    memset(out, 0, sizeof *out);
    if (!in->today || !rentals_valid_date(in->today) || in->n < 0 || (in->n && !in->items))
        return APP_E_PARAM;
    app_err rc = begin_write(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = rentals_store_source_get(c, user_id, in->source_id, &src);
    if (rc == APP_OK)
        rc = rentals_store_site_rows(c, user_id, src.website, &rows);
    if (rc == APP_OK) {
        out->had = owned_available(&rows, src.id);
        if (in->n == 0 && !in->says_none && out->had > 0) {
            /* a page that lost its listings is more often broken than fully let */
            snprintf(out->message, sizeof out->message,
                     "no listings found on a page that had %lld", (long long)out->had);
            out->refused = true;
            rc = rentals_store_source_failed(c, user_id, src.id, "error", out->message);
        } else {
            rc = sync_rows(c, user_id, &src, in, &rows, out);
        }
    }
    rc = db_tx_end(c, rc);
    rentals_site_rows_cleanup(&rows);
    rentals_source_cleanup(&src);
    if (rc != APP_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- cursors ------------------------------------------------------------------------ */

#define CURSOR_TAG "c1" /* core/cursor.h */

char *rentals_cursor_encode(int64_t after_id)
{
    return cursor_encode(CURSOR_TAG, &after_id, 1);
}

bool rentals_cursor_decode(const char *cursor, int64_t *after_id)
{
    return cursor_decode(CURSOR_TAG, cursor, after_id, 1);
}

void rentals_place_list_cleanup(struct rentals_place_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct rentals_place *p = &l->items[i];
        free(p->address);
        free(p->unit);
        free(p->city);
        free(p->state);
        free(p->zip);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

app_err rentals_places(struct app *a, int64_t user_id, const char *number, size_t max,
                       struct rentals_place_list *out)
{
    db_conn *c = NULL;
    memset(out, 0, sizeof *out);
    app_err rc = begin_read1(a, user_id, &c);
    if (rc != APP_OK)
        return rc;
    rc = db_tx_end(c, rentals_store_places(c, user_id, number, max, out));
    if (rc != APP_OK)
        rentals_place_list_cleanup(out);
    return rc;
}
