/* SPDX-License-Identifier: MIT */
/* Rentals: the tenant's listings (SPEC §4 rentals, §5 Rentals) and the listing sites it
 * tracks (rental_sources). This header is what the rest of the program may use: the types,
 * the service, the Rental and Source JSON, and the route handlers. The folder:
 *   rentals_http.c, rentals_http_db.c  handlers for /rentals and /database/...: they parse,
 *                       call one service function and reply;
 *   rentals_service.c   rules and transactions (db_tx_begin/db_tx_end), keyset cursors,
 *                       availability in the tenant's time zone;
 *   rentals_page.c      the rendered reads (list pages, /database views) behind the response
 *                       cache: change counters, stamps, rendering;
 *   rentals_json.c      the types' life cycle and their JSON, each from one field table;
 *   rentals_valid.c     request bodies -> struct rental / source;
 *   rentals_store.c     all SQL, every statement filtered on user_id.
 * rentals_store.h (folder-private) declares the store and the validators, which only the
 * service calls. Another tenant's row is always APP_E_NOTFOUND. */
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
#include "jobs/jobs.h"

/* Bounds shared by validation and tests. */
#define RENTALS_ADDRESS_MAX 300
#define RENTALS_LIMIT_DEFAULT 50
#define RENTALS_LIMIT_MAX 200

/* ---- types --------------------------------------------------------------------------- */

/* One listing. Every char * and json_t * is owned by the struct (NULL = SQL NULL) and
 * released by rentals_cleanup. has_* flags mark numeric columns that are not NULL.
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
    /* The tenant's change counters (core/versions.h) read in the same statement as the
     * rows, so a rendering of them is stamped with exactly what it shows; -1 when no row
     * came back (the statement carries them on its rows). */
    int64_t listings, profile;
    db_res *res;        /* the result the items' strings point into */
};

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
    int64_t profile; /* the tenant's profile counter read with the totals */
};

/* Scrape syncs (SPEC §7). A source is synced by a job of this kind (src/kinds.c runs it with
 * src/scrape/), payload {"source_id": N}, one pending job per source (dedup key "source:N"). */
#define RENTALS_SYNC_KIND "scrape_sync"
/* A scraped listing's available_date that says "available now": the sync stores the tenant's
 * today (or keeps an earlier stored date while the listing goes on saying so). */
#define RENTALS_DATE_NOW "now"

/* What one sync of a source found (rentals_sync_scraped). */
struct rentals_scraped {
    int64_t source_id;
    const struct rental *items; /* n listings, borrowed: address and listing columns; the sync
                                 * sets website (the source's), source_type, available */
    int n;
    bool says_none;   /* n == 0 and the page says positively that nothing is available */
    bool complete;    /* every page of the source was read: listings not seen vanish */
    const char *note; /* !complete: why (stored as last_error, status "partial") */
    const char *today; /* "YYYY-MM-DD" in the tenant's zone */
};

/* How a sync changed the tenant's rentals. */
struct rentals_sync_counts {
    int64_t created, changed, unchanged, vanished;
    int64_t skipped_manual; /* listings at the address of a manual rental: left alone */
    int64_t had;            /* the source's available scraped rentals before the sync */
    bool refused;           /* no listings on a source that had some: nothing changed, the
                             * failure is recorded on the source (message below) */
    char message[128];
};

/* The tenant's today, as rentals_available evaluated it. */
struct rentals_today {
    int64_t day;   /* days since 1970-01-01 in zone */
    char zone[64]; /* the IANA zone it was counted in */
};

/* A rendered 200 response body (JSON): body is the caller's, free()d or handed over to
 * http_reply_text_owned. */
struct rentals_page {
    char *body;
    size_t len;
};

/* ---- life cycle (rentals_json.c) ----------------------------------------------------- */

/* Zeroes r (available = true). */
void rentals_init(struct rental *r);
/* Frees what r owns and zeroes it; accepts a zeroed struct. */
void rentals_cleanup(struct rental *r);
/* Replaces *dst with a copy of src (NULL allowed). */
void rentals_set_str(char **dst, const char *src);
void rentals_list_cleanup(struct rental_list *l);
void rentals_source_cleanup(struct rental_source *s);
void rentals_source_list_cleanup(struct rental_source_list *l);
void rentals_stats_cleanup(struct rental_stats *s);

/* ---- service (rentals_service.c): one tenant transaction each -------------------------
 * *out must start zeroed (or rentals_init'ed). It is filled only on APP_OK: on any error,
 * including a COMMIT that fails after the store already read the rows, the service releases
 * what was filled and leaves *out zeroed, so a caller may return straight after an error
 * (cleaning it then is harmless). After APP_OK the caller cleans *out. Bodies are validated
 * here: APP_E_VALIDATION means the problems are in v (http_reply_vcheck answers them). */

/* A new manual rental from the POST /rentals body. APP_E_CONFLICT when the tenant has one
 * at (website, property_address). */
app_err rentals_create(struct app *a, int64_t user_id, const json_t *j_body, struct vcheck *v,
                       struct rental *out);
app_err rentals_get(struct app *a, int64_t user_id, int64_t id, struct rental *out);
/* Applies the PATCH body j_body onto the stored row; *out is the new row. */
app_err rentals_patch(struct app *a, int64_t user_id, int64_t id, const json_t *j_body,
                      struct vcheck *v, struct rental *out);
app_err rentals_delete(struct app *a, int64_t user_id, int64_t id);
/* One page of f, by ascending id (out->next_after for the next one). */
app_err rentals_list(struct app *a, int64_t user_id, const struct rental_filter *f,
                     struct rental_list *out);
/* The voice assistant's search: available listings matching f's prices, min_bedrooms and q,
 * free by available_by ("YYYY-MM-DD"; NULL: any) and, with pets, mentioning pets, dogs or
 * cats. Best first: those with exactly beds bedrooms (beds < 0: any count), then by price
 * (unpriced last), then by id. The best max in *out (no next page), how many match in
 * *total. f's other fields are not read. */
struct rental_search {
    struct rental_filter f;
    int64_t beds;
    const char *available_by; /* borrowed */
    bool pets;
};
app_err rentals_search(struct app *a, int64_t user_id, const struct rental_search *q, int max,
                       struct rental_list *out, int64_t *total);
/* Every rental of one website, by id. */
app_err rentals_by_website(struct app *a, int64_t user_id, const char *website,
                           struct rental_list *out);
/* Available rentals with days[] until available in zone (an IANA name), sorted by days then
 * price; *today receives the day they were counted from. */
app_err rentals_available(struct app *a, int64_t user_id, const char *zone,
                          struct rental_list *out, struct rentals_today *today);
app_err rentals_stats(struct app *a, int64_t user_id, struct rental_stats *out);
app_err rentals_sources_list(struct app *a, int64_t user_id, struct rental_source_list *out);
/* A new source from the POST /database/sources body. APP_E_CONFLICT when the tenant tracks
 * that URL already. */
app_err rentals_source_add(struct app *a, int64_t user_id, const json_t *j_body,
                           struct vcheck *v, struct rental_source *out);
app_err rentals_source_delete(struct app *a, int64_t user_id, int64_t id);
app_err rentals_source_get(struct app *a, int64_t user_id, int64_t id, struct rental_source *out);
/* Enqueues a sync of the tenant's source id (or finds the one already pending: two clicks
 * give one job) and reads that job into *job (jobs_job_cleanup). APP_E_NOTFOUND when the
 * source is not the tenant's, APP_E_CONFLICT when it is inactive. */
app_err rentals_source_scrape(struct app *a, int64_t user_id, int64_t id, struct jobs_job *job);
/* The tenant's source of url (validated as POST /database/sources validates it, website
 * derived), created when missing without enqueueing a sync (`peterental scrape --user`
 * runs it itself); *created says which. APP_E_VALIDATION with the problems in v. */
app_err rentals_source_ensure(struct app *a, int64_t user_id, const char *url,
                              struct vcheck *v, struct rental_source *out, bool *created);
/* Records a failed sync of source id: last_status "error", last_error error; no rental and
 * neither last_scraped_at nor rental_count change. */
app_err rentals_source_failed(struct app *a, int64_t user_id, int64_t id, const char *error);
/* Applies one sync of in->source_id in one tenant transaction: upserts every listing by
 * (user, website, property_address) as a scraped rental (a manual rental at that key is left
 * alone); when in->complete, the source's available scraped rentals not seen become
 * unavailable (never deleted); then the source's last_scraped_at, last_status ("ok", or
 * "partial" with in->note as last_error), rental_count and next refresh. A source that had
 * available listings and now shows none without in->says_none is refused instead: no rental
 * changes and the failure is recorded on the source (out->refused). *out is filled on
 * APP_OK. APP_E_NOTFOUND when the source is not the tenant's. */
app_err rentals_sync_scraped(struct app *a, int64_t user_id, const struct rentals_scraped *in,
                             struct rentals_sync_counts *out);
/* The worker's sweep: enqueues a sync of up to limit active sources of any tenant whose
 * daily refresh is due (each in its tenant's transaction, which also moves the next refresh a
 * day ahead); *enqueued receives how many new jobs that made. */
app_err rentals_sources_sweep(struct app *a, int limit, int *enqueued);

/* A listing's address parts, for finding it by what a caller says (the voice assistant):
 * strings owned, NULL when not recorded. */
struct rentals_place {
    int64_t id;
    char *address, *unit, *city, *state, *zip;
};
struct rentals_place_list {
    struct rentals_place *items;
    size_t n;
};
void rentals_place_list_cleanup(struct rentals_place_list *l);
/* The address parts of the tenant's listings, by id, at most max: one narrow statement
 * (no descriptions, photos or amenities). number (digits, or NULL for all): only addresses
 * that start with these digits, or with no digit at all (a caller's house number narrows
 * the search to the listings that can be that house). */
app_err rentals_places(struct app *a, int64_t user_id, const char *number, size_t max,
                       struct rentals_place_list *out);

/* Opaque keyset cursor for "rows after id": a new string the caller free()s. */
char *rentals_cursor_encode(int64_t after_id);
/* Decodes a cursor; false when it is not one of ours. */
bool rentals_cursor_decode(const char *cursor, int64_t *after_id);

/* ---- rendered reads (rentals_page.c) --------------------------------------------------
 * The SPEC §5 responses of the read routes, whole. The three list views come from the
 * response cache when the rendering kept there is current (never otherwise), else are read
 * and rendered (and kept). t is the request's tenant (r->tenant): its email and zone are
 * shown when its profile counter is the one read with the rows, else they are read afresh.
 * On APP_OK *out holds the body. */

/* GET /rentals: {"rentals": [...], "next_cursor": ...}. */
app_err rentals_list_page(struct app *a, const struct http_tenant *t,
                          const struct rental_filter *f, struct rentals_page *out);
/* GET /database/rentals/{website} (website lower-cased by the caller). */
app_err rentals_website_page(struct app *a, const struct http_tenant *t, const char *website,
                             struct rentals_page *out);
/* GET /database/available, in the tenant's time zone. */
app_err rentals_available_page(struct app *a, const struct http_tenant *t,
                               struct rentals_page *out);
/* GET /database/status (not cached). */
app_err rentals_status_page(struct app *a, const struct http_tenant *t,
                            struct rentals_page *out);

/* ---- JSON (rentals_json.c) ----------------------------------------------------------- */

#define RENTALS_JSON_ESTIMATE 768 /* bytes per rental, for jsonw_reserve */
/* Appends r as the Rental JSON (SPEC §5); with status non-NULL also "availability_status":
 * status and "days_until_available": days (GET /database/available). */
void rentals_write(struct jsonw *w, const struct rental *r, const char *status, int days);
/* Appends s as the Source JSON. */
void rentals_source_write(struct jsonw *w, const struct rental_source *s);

/* ---- handlers (rentals_http.c, rentals_http_db.c) ------------------------------------ */

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
int rentals_http_sources_scrape(http_req *r);

#endif
