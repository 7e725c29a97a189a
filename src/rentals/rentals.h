/* SPDX-License-Identifier: MIT */
/* Rentals: the tenant's listings (SPEC §4 rentals, §5 Rentals) and the listing sites it
 * tracks (rental_sources). Layers:
 *   rentals_store.c     all SQL (both dialects), every statement filtered on user_id;
 *   rentals_valid.c     JSON body -> struct rental rules (one 422 listing every problem);
 *   rentals_service.c   transactions, pagination cursors, availability in the tenant's zone
 *                       (core/tz.h);
 *   rentals_json.c      struct -> SPEC JSON;
 *   rentals_http.c, database_http.c   handlers for /rentals and /database/....
 * Another tenant's row is always APP_E_NOTFOUND. */
#ifndef PETE_RENTALS_H
#define PETE_RENTALS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "core/db.h"
#include "core/err.h"
#include "core/http.h"
#include "core/jsonw.h"
#include "core/valid.h"

/* Bounds shared by validation and tests. */
#define RENTALS_ADDRESS_MAX 300
#define RENTALS_LIMIT_DEFAULT 50
#define RENTALS_LIMIT_MAX 200

/* One listing. Every char * and json_t * is owned by the struct (NULL = SQL NULL) and
 * released by rental_cleanup. has_* flags mark numeric columns that are not NULL.
 * Exception, items of a rental_list (store list functions): borrowed is set, the char *
 * point into the list's result, amenities and images are left as the stored JSON text
 * (amenities_text, images_text; j_amenities, j_images NULL) and j_extra is not read. */
struct rental {
    int64_t id;
    int64_t user_id;
    char *website;
    char *source_url;   /* JSON "url" */
    char *rental_id;    /* the site's own id */
    char *address;      /* JSON "property_address" */
    char *unit;
    char *city;
    char *state;
    char *zip;
    bool has_bedrooms, has_bathrooms, has_square_feet, has_price;
    int64_t bedrooms;
    double bathrooms;
    int64_t square_feet;
    double price;
    char *property_type;
    char *available_date; /* "YYYY-MM-DD" */
    bool available;
    json_t *j_amenities;  /* array of strings; NULL means [] */
    json_t *j_images;     /* array of strings; NULL means [] */
    char *description;
    char *contact_info;
    char *source_type;    /* "manual" | "scraped" */
    json_t *j_extra;      /* object; NULL means {} */
    char *scraped_at;     /* RFC 3339 UTC; store output only */
    char *created_at;
    char *updated_at;
    bool borrowed;               /* list item: strings belong to the list, not to r */
    const char *amenities_text;  /* list item: stored JSON of amenities (borrowed) */
    const char *images_text;
};

/* Zeroes r (available = true). */
void rental_init(struct rental *r);
/* Frees what r owns and zeroes it; accepts a zeroed struct. */
void rental_cleanup(struct rental *r);
/* Replaces *dst with a copy of src (NULL allowed). */
void rental_set_str(char **dst, const char *src);

/* GET /rentals filters; has_* / NULL mean "not given". */
struct rental_filter {
    bool has_available;
    bool available;
    bool has_min_price, has_max_price;
    double min_price, max_price;
    bool has_bedrooms, has_min_bedrooms;
    int64_t bedrooms, min_bedrooms;
    const char *website; /* borrowed */
    const char *q;       /* borrowed; matched case-insensitively on address, city, description */
    int64_t after_id;    /* keyset: rows with id > after_id */
    int limit;           /* 1..RENTALS_LIMIT_MAX */
};

/* A list of rentals; items owned. days[] is set only by rentals_available. */
struct rental_list {
    struct rental *items;
    int n;
    int *days;
    int64_t next_after; /* keyset position for the next page; 0 = last page */
    db_res *res;        /* the result the items' strings point into */
};
void rental_list_cleanup(struct rental_list *l);

struct rental_source {
    int64_t id;
    int64_t user_id;
    char *website;
    char *url;
    bool is_active;
    char *last_scraped_at;
    char *last_status;
    char *last_error;
    int64_t rental_count; /* live count of the tenant's rentals from this website */
    char *created_at;
};
struct rental_source_list {
    struct rental_source *items;
    int n;
};
void rental_source_cleanup(struct rental_source *s);
void rental_source_list_cleanup(struct rental_source_list *l);

/* GET /database/status figures. */
struct rental_site_stat {
    char *website;
    int64_t rental_count;
    char *last_scraped; /* NULL when never scraped */
};
struct rental_stats {
    int64_t total_rentals;
    int64_t available_rentals;
    char *last_updated; /* NULL when there are no rentals */
    struct rental_site_stat *sites;
    int nsites;
};
void rental_stats_cleanup(struct rental_stats *s);

enum rentals_upsert_result { RENTALS_CREATED = 1, RENTALS_CHANGED, RENTALS_UNCHANGED };

/* ---- store (rentals_store.c): caller holds a tenant transaction on c ---- */

/* Inserts in; *out (rental_init'ed by the caller) receives the stored row.
 * APP_E_CONFLICT when (website, address) exists. */
app_err rentals_store_insert(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out);
app_err rentals_store_get(db_conn *c, int64_t user_id, int64_t id, struct rental *out);
/* Writes every listing column of in (by in->id); address and website are not changed. */
app_err rentals_store_update(db_conn *c, int64_t user_id, const struct rental *in,
                             struct rental *out);
app_err rentals_store_delete(db_conn *c, int64_t user_id, int64_t id);
/* One page by ascending id; fetches f->limit + 1 rows to know whether there is more. */
app_err rentals_store_list(db_conn *c, int64_t user_id, const struct rental_filter *f,
                           struct rental_list *out);
/* Every rental of one website, by id. */
app_err rentals_store_by_website(db_conn *c, int64_t user_id, const char *website,
                                 struct rental_list *out);
/* Every available rental, by id. */
app_err rentals_store_available(db_conn *c, int64_t user_id, struct rental_list *out);
app_err rentals_store_stats(db_conn *c, int64_t user_id, struct rental_stats *out);
/* Scraper upsert by (user, in->website, in->address): creates, updates the listing columns
 * when one differs (updated_at moves), or leaves the row alone (only scraped_at moves);
 * scraped_at becomes the database's now (on insert: when source_type is "scraped").
 * APP_E_CONFLICT only if the row vanished between the steps. */
app_err rentals_store_upsert(db_conn *c, int64_t user_id, const struct rental *in,
                             int64_t *id_out, enum rentals_upsert_result *result);

/* For a scrape sync (one tenant transaction): take the database clock, upsert every listing,
 * then mark the website's scraped rentals not seen since that clock unavailable (manual
 * rentals are never touched). *marked receives how many. */
app_err rentals_store_clock(db_conn *c, char out[32]);
app_err rentals_store_mark_vanished(db_conn *c, int64_t user_id, const char *website,
                                    const char *seen_since, int64_t *marked);
/* Records a scrape of source id: last_scraped_at = now, status, error (NULL ok), and the
 * number of listings found. APP_E_NOTFOUND when it is not the tenant's. */
app_err rentals_store_source_record(db_conn *c, int64_t user_id, int64_t id, const char *status,
                                    const char *error, int64_t rental_count);

app_err rentals_store_source_insert(db_conn *c, int64_t user_id, const char *website,
                                    const char *url, struct rental_source *out);
app_err rentals_store_source_list(db_conn *c, int64_t user_id,
                                  struct rental_source_list *out);
app_err rentals_store_source_get(db_conn *c, int64_t user_id, int64_t id,
                                 struct rental_source *out);
app_err rentals_store_source_delete(db_conn *c, int64_t user_id, int64_t id);

/* ---- validation (rentals_valid.c) ---- */

/* Applies the JSON body j_body onto r, recording type errors (400) and rule errors (422) in v.
 * patch false: a new manual rental (property_address required, website "manual" when
 * absent). patch true: only present keys change; null clears an optional field;
 * property_address may be repeated but not changed. The read-only keys of the Rental JSON
 * (id, user_id, source_type, created_at, updated_at, scraped_at, and availability_status,
 * days_until_available of /database/available) are accepted and ignored, so a client can
 * send back what it read; any other unknown key is a rule error (422) naming it. */
void rentals_apply_json(struct vcheck *v, const json_t *j_body, struct rental *r, bool patch);
/* Source body {website?, url}: fills website (normalised host when absent) and url,
 * both new strings the caller free()s; records problems in v. */
void rentals_source_from_json(struct vcheck *v, const json_t *j_body, char **website,
                              char **url);
/* The lower-case host of an http(s) URL without a leading "www."; new string or NULL. */
char *rentals_url_host(const char *url);
/* true for "YYYY-MM-DD" naming a real calendar date. */
bool rentals_valid_date(const char *s);

/* ---- service (rentals_service.c): one tenant transaction each ----
 * *out must start zeroed (or rental_init'ed). It is filled only on APP_OK: on any error,
 * including a COMMIT that fails after the store already read the rows, the service releases
 * what was filled and leaves *out zeroed, so a caller may return straight after an error
 * (cleaning it then is harmless). After APP_OK the caller cleans *out. */

app_err rentals_create(struct app *a, int64_t user_id, const struct rental *in,
                       struct rental *out);
app_err rentals_get(struct app *a, int64_t user_id, int64_t id, struct rental *out);
/* Validates j_body against the stored row: APP_E_VALIDATION (problems in v) or the new row. */
app_err rentals_patch(struct app *a, int64_t user_id, int64_t id, const json_t *j_body,
                      struct vcheck *v, struct rental *out);
app_err rentals_delete(struct app *a, int64_t user_id, int64_t id);
app_err rentals_list(struct app *a, int64_t user_id, const struct rental_filter *f,
                     struct rental_list *out);
/* The three below also copy the tenant's email into email ("" when unknown). */
app_err rentals_by_website(struct app *a, int64_t user_id, const char *website,
                           struct rental_list *out, char *email, size_t email_len);
/* The tenant's today, as rentals_available evaluated it. */
struct rentals_today {
    int64_t day;   /* days since 1970-01-01 in zone */
    char zone[64]; /* the tenant's IANA zone (UTC when unknown) */
};
/* Available rentals with days[] until available in the tenant's time zone, sorted by days
 * then price; *today receives the day they were counted from. */
app_err rentals_available(struct app *a, int64_t user_id, struct rental_list *out,
                          struct rentals_today *today, char *email, size_t email_len);
app_err rentals_stats(struct app *a, int64_t user_id, struct rental_stats *out, char *email,
                      size_t email_len);
app_err rentals_sources_list(struct app *a, int64_t user_id, struct rental_source_list *out);
app_err rentals_source_add(struct app *a, int64_t user_id, const char *website,
                           const char *url, struct rental_source *out);
app_err rentals_source_delete(struct app *a, int64_t user_id, int64_t id);

/* Opaque keyset cursor for "rows after id": a new string the caller free()s. */
char *rentals_cursor_encode(int64_t after_id);
/* Decodes a cursor; false when it is not one of ours. */
bool rentals_cursor_decode(const char *cursor, int64_t *after_id);

/* ---- JSON (rentals_json.c); new references ---- */

json_t *rentals_to_json(const struct rental *r);
json_t *rentals_source_to_json(const struct rental_source *s);

#define RENTALS_JSON_ESTIMATE 768 /* bytes per rental, for jsonw_reserve */
/* Appends r as the same JSON object rentals_to_json builds; with status non-NULL also
 * "availability_status": status and "days_until_available": days. */
void rentals_write(struct jsonw *b, const struct rental *r, const char *status, int days);

/* ---- response cache of the reads (rentals_cache.c, over core/respcache.h) ---- */

/* Serves key from the cache when the rendering there was stamped with the tenant's current
 * change counter, and returns true after replying. Otherwise returns false with *version
 * the counter to stamp a fresh rendering with, or -1 when it must not be cached (caching
 * off, or the counter could not be read). zone_today: /database/available, whose entry
 * also holds the day and zone it was counted in and misses once that zone is on another day. */
bool rentals_cache_reply(http_req *r, const char *key, bool zone_today, int64_t *version);
/* Keeps body (a 200 JSON reply) for key under version (nothing when version < 0); today
 * non-NULL for /database/available. */
void rentals_cache_keep(http_req *r, const char *key, int64_t version,
                        const struct rentals_today *today, const char *body, size_t len);

/* ---- handlers ---- */

int rentals_http_list(http_req *r);
int rentals_http_create(http_req *r);
int rentals_http_get(http_req *r);
int rentals_http_patch(http_req *r);
int rentals_http_delete(http_req *r);
int rentals_http_db_status(http_req *r);
int rentals_http_db_website(http_req *r);
int rentals_http_db_available(http_req *r);
int rentals_http_sources_list(http_req *r);
int rentals_http_sources_create(http_req *r);
int rentals_http_sources_delete(http_req *r);

#endif
