/* SPDX-License-Identifier: MIT */
/* Rentals rules: each operation is one tenant transaction (db_tx_begin/db_tx_end: on
 * PostgreSQL it also sets the row-level security tenant) that calls only this folder's
 * store, request bodies validated before it opens, keyset cursors, and "available" dates
 * evaluated in the tenant's time zone (core/tz.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/tz.h"
#include "core/versions.h"
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

app_err rentals_source_add(struct app *a, int64_t user_id, const json_t *j_body,
                           struct vcheck *v, struct rental_source *out)
{
    char *website = NULL, *url = NULL;
    db_conn *c = NULL;
    rentals_source_from_json(v, j_body, &website, &url);
    app_err rc = vcheck_ok(v) ? begin_write(a, user_id, &c) : APP_E_VALIDATION;
    if (rc == APP_OK)
        rc = db_tx_end(c, rentals_store_source_insert(c, user_id, website, url, out));
    free(website);
    free(url);
    if (rc != APP_OK)
        rentals_source_cleanup(out);
    return rc;
}

app_err rentals_source_delete(struct app *a, int64_t user_id, int64_t id)
{
    return delete_with(a, user_id, id, rentals_store_source_delete);
}

/* ---- cursors ------------------------------------------------------------------------ */

#define CURSOR_PREFIX "c1:"

char *rentals_cursor_encode(int64_t after_id)
{
    char raw[32];
    int n = snprintf(raw, sizeof raw, CURSOR_PREFIX "%lld", (long long)after_id);
    size_t cap = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = mem_alloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)raw, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

bool rentals_cursor_decode(const char *cursor, int64_t *after_id)
{
    unsigned char raw[32];
    size_t n = 0;
    size_t len = strlen(cursor);
    if (len == 0 || len > 40 ||
        sodium_base642bin(raw, sizeof raw - 1, cursor, len, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    raw[n] = '\0';
    const char *s = (const char *)raw;
    size_t plen = strlen(CURSOR_PREFIX);
    if (n <= plen || n > plen + 18 || strncmp(s, CURSOR_PREFIX, plen) != 0)
        return false;
    int64_t v = 0;
    for (const char *p = s + plen; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0 || strlen(s) != n)
        return false;
    *after_id = v;
    return true;
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
