/* SPDX-License-Identifier: MIT */
/* Folder-private to src/rentals/: what only the rentals service calls. The store (all SQL;
 * the caller holds a tenant transaction on c, every statement filters on user_id) and the
 * validators that turn request bodies into structs. Tests include it to reach the store
 * directly; nothing outside the folder and its tests may. */
#ifndef PETE_RENTALS_STORE_H
#define PETE_RENTALS_STORE_H

#include "rentals/rentals.h"

/* ---- store (rentals_store.c) --------------------------------------------------------- */

enum rentals_upsert_result {
    RENTALS_CREATED = 1,
    RENTALS_CHANGED,
    RENTALS_UNCHANGED,
    RENTALS_SKIPPED /* a manual rental holds the key: nothing written */
};

/* A rental of one website as a sync compares against (rentals_store_site_rows). */
struct rentals_site_row {
    int64_t id;
    const char *address;        /* borrowed from the result */
    const char *available_date; /* "YYYY-MM-DD" or NULL; borrowed */
    bool scraped;               /* source_type 'scraped' (else manual) */
    bool available;
    int64_t source_id;          /* 0: none */
};
struct rentals_site_rows {
    struct rentals_site_row *rows; /* n rows sorted by address (strcmp) */
    int n;
    db_res *res;                   /* what the strings point into */
};

/* A source due for its refresh (rentals_store_sources_due). */
struct rentals_due {
    int64_t user_id, source_id;
};

/* Inserts in; *out (rentals_init'ed by the caller) receives the stored row.
 * APP_E_CONFLICT when (website, address) exists. */
app_err rentals_store_insert(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out);
app_err rentals_store_get(db_conn *c, int64_t user_id, int64_t id, struct rental *out);
/* Writes every listing column of in (by in->id); address and website are not changed. */
app_err rentals_store_update(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out);
app_err rentals_store_delete(db_conn *c, int64_t user_id, int64_t id);
/* The three list reads also fill out->listings and out->profile (struct rental_list). */
/* The best max rows of q (rentals_search), read whole, and *total: how many match. */
app_err rentals_store_search(db_conn *c, int64_t user_id, const struct rental_search *q,
                             int max, struct rental_list *out, int64_t *total);
/* One page by ascending id; fetches f->limit + 1 rows to know whether there is more. */
app_err rentals_store_list(db_conn *c, int64_t user_id, const struct rental_filter *f,
                           struct rental_list *out);
/* Every rental of one website, by id. */
app_err rentals_store_by_website(db_conn *c, int64_t user_id, const char *website,
                                 struct rental_list *out);
/* Every available rental, by id. */
app_err rentals_store_available(db_conn *c, int64_t user_id, struct rental_list *out);
/* Totals and websites (two statements); out->profile is read with the totals. */
app_err rentals_store_stats(db_conn *c, int64_t user_id, struct rental_stats *out);
/* Scraper upsert by (user, in->website, in->address) of a scraped row: creates it, updates
 * the listing columns when one differs (updated_at moves), or leaves the row alone (only
 * scraped_at moves); scraped_at becomes the database's now and source_id (0: NULL) the
 * source that saw it. A manual rental at the same key is never written: *result
 * RENTALS_SKIPPED, *id_out 0. exists: the caller expects a row at the key (it tries the
 * updates first, else the insert; either way the outcome is the same). */
app_err rentals_store_upsert(db_conn *c, int64_t user_id, int64_t source_id,
                             const struct rental *in, bool exists, int64_t *id_out,
                             enum rentals_upsert_result *result);
/* Every rental of website (scraped and manual) into *out, sorted by address; release with
 * rentals_site_rows_cleanup (also after an error). */
app_err rentals_store_site_rows(db_conn *c, int64_t user_id, const char *website,
                                struct rentals_site_rows *out);
/* The row of rows at address, or NULL. */
const struct rentals_site_row *rentals_site_rows_find(const struct rentals_site_rows *rows,
                                                      const char *address);
void rentals_site_rows_cleanup(struct rentals_site_rows *rows);
/* The available scraped rentals of website owned by source_id (or by no source) whose ids
 * are not among seen[0..nseen) become unavailable (updated_at moves); *marked receives how
 * many. Manual rentals are never touched, and no row is deleted. */
app_err rentals_store_mark_vanished(db_conn *c, int64_t user_id, const char *website,
                                    int64_t source_id, const int64_t *seen, int nseen,
                                    int64_t *marked);
/* Records a sync of source id that read its pages: last_scraped_at = now, status, error
 * (NULL ok), the number of listings found, the next refresh a day later. APP_E_NOTFOUND when
 * it is not the tenant's. */
app_err rentals_store_source_synced(db_conn *c, int64_t user_id, int64_t id, const char *status,
                                    const char *error, int64_t rental_count);
/* Records a failed sync of source id: status and error only (last_scraped_at and the count
 * stay), the next refresh a day later. */
app_err rentals_store_source_failed(db_conn *c, int64_t user_id, int64_t id, const char *status,
                                    const char *error);
/* A sync of source id was enqueued: the next automatic one is due a day later. */
app_err rentals_store_source_schedule(db_conn *c, int64_t user_id, int64_t id);
/* Every tenant's active sources whose refresh is due (next_scrape_at NULL or past), oldest
 * first, at most limit, into out[0..*n). Crosses tenants: the caller holds a transaction
 * without a tenant (db_tx_begin with tenant 0); PostgreSQL reads through rental_sources_due. */
app_err rentals_store_sources_due(db_conn *c, int limit, struct rentals_due *out, int *n);
/* The tenant's source whose url is exactly url. */
app_err rentals_store_source_by_url(db_conn *c, int64_t user_id, const char *url,
                                    struct rental_source *out);

app_err rentals_store_source_insert(db_conn *c, int64_t user_id, const char *website,
                                    const char *url, struct rental_source *out);
app_err rentals_store_source_list(db_conn *c, int64_t user_id,
                                  struct rental_source_list *out);
app_err rentals_store_source_get(db_conn *c, int64_t user_id, int64_t id,
                                 struct rental_source *out);
app_err rentals_store_source_delete(db_conn *c, int64_t user_id, int64_t id);

/* ---- validation (rentals_valid.c) ---------------------------------------------------- */

/* Applies the JSON body j_body onto r, recording type errors (400) and rule errors (422) in v.
 * patch false: a new manual rental (property_address required, website "manual" when
 * absent). patch true: only present keys change; null clears an optional field;
 * property_address may be repeated but not changed. The read-only keys of the Rental JSON
 * (what rentals_write writes besides the keys applied) are accepted and ignored, so a client
 * can send back what it read; any other key is a rule error (422) naming it. */
void rentals_apply_json(struct vcheck *v, const json_t *j_body, struct rental *r, bool patch);
/* Source body {website?, url}: fills website (normalised host when absent) and url,
 * both new strings the caller free()s; records problems in v. The other keys of the Source
 * JSON are ignored, any other key is a rule error. */
void rentals_source_from_json(struct vcheck *v, const json_t *j_body, char **website,
                              char **url);
/* The lower-case host of an http(s) URL without a leading "www."; new string or NULL. */
char *rentals_url_host(const char *url);
/* true for "YYYY-MM-DD" naming a real calendar date. */
bool rentals_valid_date(const char *s);

/* ---- for the rendered reads (rentals_service.c) ------------------------------------- */

/* Computes l's days[] until available from today in zone (an IANA name) into *today, and
 * orders l by (days, price, id); again after a change of zone. */
void rentals_available_sort(struct rental_list *l, const char *zone,
                            struct rentals_today *today);

/* ---- the JSON's keys (rentals_json.c), for the validators ---------------------------- */

/* Whether key is one rentals_write writes (the /database/available pair included). */
bool rentals_json_rental_key(const char *key);
/* Whether key is one rentals_source_write writes. */
bool rentals_json_source_key(const char *key);

/* The address parts of user_id's listings by id, at most max (rentals_places). */
app_err rentals_store_places(db_conn *c, int64_t user_id, const char *number, size_t max,
                             struct rentals_place_list *out);

#endif
