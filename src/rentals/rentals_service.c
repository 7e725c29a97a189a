/* SPDX-License-Identifier: MIT */
/* Rentals rules: each operation is one tenant transaction (db_begin_tenant sets the
 * row-level security tenant on PostgreSQL), keyset cursors, and "available" dates
 * evaluated in the tenant's time zone (core/tz.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/tz.h"
#include "core/versions.h"
#include "rentals/rentals.h"
#include "users/users.h"

/* ---- transactions ------------------------------------------------------------------ */

static app_err begin(struct app *a, int64_t user_id, bool write, db_conn **out)
{
    db_conn *c = NULL;
    db_err e = db_acquire(a->db, &c);
    if (e != DB_OK)
        return db_app_err(e);
    e = write ? db_begin_tenant_write(c, user_id) : db_begin_tenant(c, user_id);
    if (e != DB_OK) {
        db_release(c);
        return db_app_err(e);
    }
    /* A writer takes the tenant's change counter first (the triggers move it again with
     * each row): writers of one tenant then queue in one lock order. No counter: the tenant
     * was erased (through another instance, whose token cache has not caught up): 401. */
    app_err rc = write ? versions_bump(c, user_id, VERSIONS_LISTINGS) : APP_OK;
    if (rc == APP_E_NOTFOUND)
        rc = APP_E_AUTH;
    if (rc != APP_OK) {
        db_release(c);
        return rc;
    }
    *out = c;
    return APP_OK;
}

/* Commits when rc is APP_OK (else the release rolls back); returns the outcome. A failed
 * COMMIT turns a read the store already answered into an error: the callers then release
 * the *out the store filled (rule in rentals.h, service section). */
static app_err finish(db_conn *c, app_err rc)
{
    if (rc == APP_OK) {
        db_err e = db_commit(c);
        if (e != DB_OK)
            rc = db_app_err(e);
    }
    db_release(c);
    return rc;
}

/* The tenant's email (users registry) into buf, "" when unknown. */
static app_err owner_email(db_conn *c, int64_t user_id, char *buf, size_t len)
{
    struct users_user u;
    app_err rc = users_store_get(c, user_id, &u);
    if (rc == APP_E_NOTFOUND) {
        u.email[0] = '\0';
        rc = APP_OK;
    }
    if (rc == APP_OK)
        snprintf(buf, len, "%s", u.email);
    return rc;
}

/* ---- rentals ------------------------------------------------------------------------ */

app_err rentals_create(struct app *a, int64_t user_id, const struct rental *in,
                       struct rental *out)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = finish(c, rentals_store_insert(c, user_id, in, out));
    if (rc != APP_OK)
        rental_cleanup(out);
    return rc;
}

app_err rentals_get(struct app *a, int64_t user_id, int64_t id, struct rental *out)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c);
    rc = finish(c, rentals_store_get(c, user_id, id, out));
    if (rc != APP_OK)
        rental_cleanup(out);
    return rc;
}

app_err rentals_patch(struct app *a, int64_t user_id, int64_t id, const json_t *j_body,
                      struct vcheck *v, struct rental *out)
{
    struct rental cur;
    db_conn *c = NULL;
    rental_init(&cur);
    app_err rc = begin(a, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = rentals_store_get(c, user_id, id, &cur);
    if (rc == APP_OK) {
        rentals_apply_json(v, j_body, &cur, true);
        rc = vcheck_ok(v) ? rentals_store_update(c, user_id, &cur, out) : APP_E_VALIDATION;
    }
    rental_cleanup(&cur);
    rc = finish(c, rc);
    if (rc != APP_OK)
        rental_cleanup(out);
    return rc;
}

app_err rentals_delete(struct app *a, int64_t user_id, int64_t id)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    return finish(c, rentals_store_delete(c, user_id, id));
}

app_err rentals_list(struct app *a, int64_t user_id, const struct rental_filter *f,
                     struct rental_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    db_last_statement(c); /* one statement: PostgreSQL commits in its round trip */
    rc = finish(c, rentals_store_list(c, user_id, f, out));
    if (rc != APP_OK)
        rental_list_cleanup(out);
    return rc;
}

app_err rentals_by_website(struct app *a, int64_t user_id, const char *website,
                           struct rental_list *out, char *email, size_t email_len)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    rc = owner_email(c, user_id, email, email_len);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = rentals_store_by_website(c, user_id, website, out);
    }
    rc = finish(c, rc);
    if (rc != APP_OK)
        rental_list_cleanup(out);
    return rc;
}

app_err rentals_stats(struct app *a, int64_t user_id, struct rental_stats *out, char *email,
                      size_t email_len)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    rc = owner_email(c, user_id, email, email_len);
    if (rc == APP_OK)
        rc = rentals_store_stats(c, user_id, out);
    rc = finish(c, rc);
    if (rc != APP_OK)
        rental_stats_cleanup(out); /* also what a failed second query left */
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

/* Computes days until available from today and reorders l by (days, price, id). */
static void sort_available(struct rental_list *l, int64_t today)
{
    struct avail_key *keys = mem_zalloc((size_t)l->n, sizeof *keys);
    struct rental *items = mem_zalloc((size_t)l->n, sizeof *items);
    l->days = mem_zalloc((size_t)l->n, sizeof *l->days);
    for (int i = 0; i < l->n; i++) {
        const struct rental *r = &l->items[i];
        int64_t days = r->available_date ? civil_date_days(r->available_date) - today : 0;
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

app_err rentals_available(struct app *a, int64_t user_id, struct rental_list *out,
                          struct rentals_today *today, char *email, size_t email_len)
{
    struct user_settings s;
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    rc = users_store_email_settings(c, user_id, email, email_len, &s);
    if (rc == APP_OK) {
        db_last_statement(c);
        rc = rentals_store_available(c, user_id, out);
    }
    rc = finish(c, rc);
    if (rc != APP_OK) {
        rental_list_cleanup(out);
        return rc;
    }
    snprintf(today->zone, sizeof today->zone, "%s", s.timezone[0] ? s.timezone : "UTC");
    today->day = tz_today(today->zone);
    sort_available(out, today->day);
    return APP_OK;
}

/* ---- sources ------------------------------------------------------------------------ */

app_err rentals_sources_list(struct app *a, int64_t user_id, struct rental_source_list *out)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, false, &c);
    if (rc != APP_OK)
        return rc;
    rc = finish(c, rentals_store_source_list(c, user_id, out));
    if (rc != APP_OK)
        rental_source_list_cleanup(out);
    return rc;
}

app_err rentals_source_add(struct app *a, int64_t user_id, const char *website,
                           const char *url, struct rental_source *out)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    rc = finish(c, rentals_store_source_insert(c, user_id, website, url, out));
    if (rc != APP_OK)
        rental_source_cleanup(out);
    return rc;
}

app_err rentals_source_delete(struct app *a, int64_t user_id, int64_t id)
{
    db_conn *c = NULL;
    app_err rc = begin(a, user_id, true, &c);
    if (rc != APP_OK)
        return rc;
    return finish(c, rentals_store_source_delete(c, user_id, id));
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
