/* SPDX-License-Identifier: MIT */
/* Listing extraction (SPEC §7): the bytes of one fetched page in, the rental listings it shows
 * out, in the shape of tests/fixtures/listings/README.md. Pure code: no network, no database.
 *
 * The page is decoded to UTF-8 (HTTP charset, else <meta> charset, else UTF-8; UTF-8, ISO-8859-1,
 * Windows-1252 and ISO-8859-15 are understood), parsed with libxml2's HTML parser, stripped of
 * <script> (but application/ld+json is read first), <style>, <template>, <noscript> and comments,
 * and handed to the extractors in this order: schema.org JSON-LD; AppFolio index and detail
 * pages; Buildium public rentals and detail pages; a generic card heuristic. The first family
 * that finds listings answers. Listings of one page are de-duplicated (same detail URL or same
 * address: one listing, the fuller rendering's values first).
 *
 * Bounds: bodies over SCRAPE_MAX_BODY are refused; at most SCRAPE_MAX_LISTINGS listings per page
 * and SCRAPE_MAX_IMAGES images per listing are kept (`truncated` says when more were there or
 * when the parser gave up on a hostile page); text fields are cut to the rentals table's limits
 * (unit 50, city 100, description 10,000 characters), URLs over 2,048 bytes and addresses over 300
 * characters are dropped. No work grows faster than the page: nesting is walked without recursion,
 * libxml2's quadratic corners (thousands of attributes on one tag, stray end tags under a deep
 * stack) are capped before or while parsing.
 *
 * Threads: call scrape_init() once from main before starting threads (scrape_extract also calls
 * it, through pthread_once); after that any number of threads may extract different pages at
 * once. Nothing here calls xmlCleanupParser(), and the process must not either while a thread may
 * still parse. libxml2 never prints: errors go to a handler on each call's own parser context.
 *
 * Fetching and syncing (the second half of this header): a crawl fetches a source's page
 * through the outbound client (robots.txt honoured, one request per second per host; the
 * folder-private scrape_net.h), follows its next-page links and the detail pages of listings
 * that lack fields, each bounded; a sync hands what the crawl found to the rentals service
 * (scrape_sync.c), as the job kind RENTALS_SYNC_KIND, and `peterental scrape` runs either
 * without a server (scrape_cli.c). */
#ifndef PETE_SCRAPE_H
#define PETE_SCRAPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

#define SCRAPE_MAX_BODY (8u << 20) /* bytes; the fetcher's cap is 5 MiB */
#define SCRAPE_MAX_LISTINGS 10000
#define SCRAPE_MAX_IMAGES 50
#define SCRAPE_URL_MAX 2048      /* bytes */
#define SCRAPE_ADDRESS_MAX 300   /* characters, as rentals.property_address */

struct scrape_listing {          /* every char * owned; NULL: the page does not say */
    char *address;               /* canonical property_address */
    char *unit, *city, *state, *zip;
    bool has_price;
    double price;                /* monthly rent in dollars, cents only when not zero */
    bool has_bedrooms;
    int64_t bedrooms;            /* 0 for studios */
    bool has_bathrooms;
    double bathrooms;            /* a multiple of 0.5 */
    bool has_square_feet;
    int64_t square_feet;
    char *available_date;        /* "YYYY-MM-DD", "now", or NULL */
    char *url;                   /* absolute detail URL, no fragment */
    char **images;               /* absolute photo URLs, page order, each once */
    size_t n_images;
    char *description;           /* extras the fixtures do not compare */
    char *property_type;         /* one of rentals' types (apartment, house, ...) or NULL */
    char *site_id;               /* the site's own id for the listing */
};

struct scrape_result {
    struct scrape_listing *items;
    size_t n;
    bool says_none;              /* no listings, and the page says positively there are none */
    bool truncated;              /* the caps cut listings or the parser stopped early */
    char *next_url;              /* rel="next" pagination target, absolute, or NULL */
    const char *family;          /* static: "jsonld", "appfolio", "appfolio-detail", "buildium",
                                    "buildium-detail", "generic"; NULL when nothing answered */
};

/* Initialises libxml2 (xmlInitParser) once per process; safe to call again and from any thread. */
void scrape_init(void);

/* Extracts the listings of one page into *out (zeroed first; release with
 * scrape_result_cleanup, also after an error). body/len: the raw bytes as fetched (NUL bytes
 * allowed). charset: the Content-Type charset parameter, or NULL. page_url: the absolute http(s)
 * address the page stands for; relative links resolve against it (or the page's <base href>).
 * today: "YYYY-MM-DD" in the tenant's zone; a date printed without a year becomes the first such
 * day on or after it. "Available now" stays "now" (the sync turns it into its own today).
 * A page the extractors cannot read gives APP_OK with no listings and says_none false.
 * Errors: APP_E_PARAM for a NULL argument, a body over SCRAPE_MAX_BODY, a page_url that is not
 * an absolute http(s) URL, or a today that is not a real date. */
app_err scrape_extract(const char *body, size_t len, const char *charset, const char *page_url,
                       const char *today, struct scrape_result *out);

/* As scrape_extract, but only the named extractor runs ("jsonld", "appfolio",
 * "appfolio-detail", "buildium", "buildium-detail", "generic"); for tests and fuzzing.
 * Errors: as scrape_extract, and APP_E_PARAM for an unknown family. */
app_err scrape_extract_family(const char *family, const char *body, size_t len,
                              const char *charset, const char *page_url, const char *today,
                              struct scrape_result *out);

/* Frees what r owns and zeroes it; accepts a zeroed struct. */
void scrape_result_cleanup(struct scrape_result *r);
/* Frees what l owns and zeroes it. */
void scrape_listing_cleanup(struct scrape_listing *l);

/* Moves every listing of from into into, de-duplicated against into's listings as within one
 * page (a crawl's page 2 after page 1). from's listings are consumed (from->n becomes 0); its
 * other fields are left. Listings beyond SCRAPE_MAX_LISTINGS are dropped and set truncated. */
void scrape_result_absorb(struct scrape_result *into, struct scrape_result *from);

/* Completes d (a card of an index page) with its own detail page's listing: each field d lacks is
 * copied from detail, and the detail page's photos replace the card's when it has any (the card
 * shows a thumbnail, the detail page the gallery). d keeps its own address. */
void scrape_listing_merge(struct scrape_listing *d, const struct scrape_listing *detail);

/* true when l has a detail URL and lacks a rent, bedrooms, bathrooms, size, availability or
 * photos: what following its detail page (then scrape_listing_merge) could fill. */
bool scrape_listing_incomplete(const struct scrape_listing *l);

/* The listing as in the fixtures' expected files: exactly property_address, unit, city, state,
 * zip, price, bedrooms, bathrooms, square_feet, available_date, url, images (null where unknown).
 * Returns a new reference; the caller json_decref()s it. */
json_t *scrape_listing_to_json(const struct scrape_listing *l);
/* An array of scrape_listing_to_json for every listing; new reference. */
json_t *scrape_result_to_json(const struct scrape_result *r);

/* ---- normalisers (SPEC §7); each returns false and leaves *out alone when s says nothing ---- */

/* Monthly rent: "$1,250/mo", "$1,250.00", "$1,195 / Month", "1,229.00", "$1,095 – $1,145" (the
 * lowest figure). Dollar amounts count first; a bare number only when no "$" figure is there.
 * Rounded to cents; must be above 0 and below 1,000,000. */
bool scrape_norm_price(const char *s, double *out);
/* "2 bd", "2 Beds", "2 Bedrooms", "Bedrooms: 2", "2" → 2; "Studio", "Efficiency" → 0. 0..20. */
bool scrape_norm_bedrooms(const char *s, int64_t *out);
/* "1.5 ba", "1½ ba", "1 1/2 baths", "2 Baths", "2.5" → 1.5, 1.5, 1.5, 2, 2.5; 0..20, rounded
 * down to a multiple of 0.5. */
bool scrape_norm_bathrooms(const char *s, double *out);
/* "1,086 sq ft", "1,086 Sq. Ft.", "Square Feet: 1,086", "844 sqft", "1,086" → 1086; 0 says
 * nothing. */
bool scrape_norm_square_feet(const char *s, int64_t *out);
/* Beds, baths and size from one text ("2 bd / 1.5 ba | 1,086 sq ft"); the first figure of each
 * counts; has_* false for what the text does not give. */
struct scrape_facts {
    bool has_bedrooms, has_bathrooms, has_square_feet;
    int64_t bedrooms, square_feet;
    double bathrooms;
};
void scrape_norm_facts(const char *s, struct scrape_facts *out);
/* Availability into out (11 bytes): "now" for Now / NOW / Immediately; "YYYY-MM-DD" for
 * "3/15/27", "03/15/2027", "January 15, 2027", "2027-01-15", "2027-02-01T00:00:00-05:00" (as
 * printed, past or not); a date without a year ("3/15", "Feb 1") is the first such day on or after
 * today ("YYYY-MM-DD"). Month before day, always. The first date in s counts. */
bool scrape_norm_date(const char *s, const char *today, char out[11]);

/* An address split and written in the canonical form
 * "<street>[ Unit <unit>], <city>, <ST> <zip>" (missing parts dropped with their separator). */
struct scrape_address {
    char *address, *street, *unit, *city, *state, *zip; /* owned; NULL when absent */
};
/* Parses s ("1420 N Classen Blvd - 3B, Oklahoma City, OK 73106", "912 NW 13th St #204, ...",
 * "3400 Kickingbird Rd, Apt 110, ...", "5402 Memorial Dr, E01, ...") into *out (zeroed first;
 * release with scrape_address_cleanup). False when s does not start with a house number and a
 * street name. Anything after the ZIP code is ignored. */
bool scrape_norm_address(const char *s, struct scrape_address *out);
void scrape_address_cleanup(struct scrape_address *a);

/* ---- crawling (scrape_crawl.c) ------------------------------------------------------------ */

struct outbound_client;

#define SCRAPE_MAX_PAGES 10     /* pages of one source followed through next-page links */
#define SCRAPE_MAX_DETAILS 25   /* detail pages followed per source and sync */
#define SCRAPE_DETAIL_RESERVE_MS 30000 /* detail pages stop when less time is left (the sync
                                          still has to be written) */

/* How long a crawl may go on: ms_left(ctx) <= 0 means stop now (a job's time is up or its
 * worker is stopping). */
struct scrape_budget {
    int64_t (*ms_left)(const void *ctx);
    const void *ctx;
};

struct scrape_crawl_opts {
    const struct outbound_client *client;
    const char *today;     /* "YYYY-MM-DD" in the tenant's zone */
    int max_pages;         /* 0: SCRAPE_MAX_PAGES */
    int max_details;       /* 0: SCRAPE_MAX_DETAILS; negative: none */
    struct scrape_budget budget;
};

/* What a crawl found. Owned (scrape_crawl_cleanup). */
struct scrape_crawl {
    struct scrape_result r;   /* every page's listings, de-duplicated, details merged in */
    bool ok;                  /* the first page was fetched (then r is what it shows) */
    int end;                  /* !ok: how its fetch ended (enum scrape_fetch_end) */
    bool complete;            /* ok, and every page was read: no next page left, no cap hit,
                                 nothing cut; only then may listings not seen be marked gone */
    int pages, details_followed, details_failed;
    char *final_url;          /* the first page's URL after redirects */
    char error[512];          /* !ok: why; ok && !complete: why not complete */
    int64_t fetch_ms, extract_ms; /* time spent fetching (waits included) and extracting */
};

/* Crawls url: the page, up to max_pages pages through next-page links (each once), then the
 * detail page of each listing scrape_listing_incomplete() names, on the same host, up to
 * max_details and while more than SCRAPE_DETAIL_RESERVE_MS are left. A next page or a detail
 * page that fails leaves the crawl incomplete or the listing as it was; only the first page's
 * failure fails the crawl. *out is zeroed first; clean it up whatever happened. */
void scrape_crawl_run(const struct scrape_crawl_opts *o, const char *url,
                      struct scrape_crawl *out);
void scrape_crawl_cleanup(struct scrape_crawl *c);

/* ---- syncing a source (scrape_sync.c) ------------------------------------------------------- */

struct app;


/* How a sync ended. */
enum scrape_sync_end {
    SCRAPE_SYNC_DONE = 0, /* the rentals service applied it: *j_result says what changed */
    SCRAPE_SYNC_RETRY,    /* failed, may work later (recorded on the source) */
    SCRAPE_SYNC_FAIL,     /* failed for good this time (recorded on the source, unless the
                           * source is gone) */
    SCRAPE_SYNC_NO_TIME   /* the budget ran out before the first page was read: nothing
                           * recorded */
};

/* Syncs the tenant's source: reads it (active only), crawls its url with today in the
 * tenant's zone, and hands the listings to rentals_sync_scraped. A failed crawl records
 * last_status "error" and last_error on the source and changes no rental. On DONE *j_result
 * receives {"source_id", "status", "created", "changed", "unchanged", "vanished",
 * "skipped_manual", "listings", "pages", "details_followed", "details_failed", "family",
 * "says_none", "complete", "note", "url", "timing_ms"} (new reference; caller decrefs);
 * otherwise error (cap bytes) says why. */
enum scrape_sync_end scrape_sync_source(struct app *a, int64_t user_id, int64_t source_id,
                                        const struct scrape_budget *b, json_t **j_result,
                                        char *error, size_t cap);

/* The job kind and the worker's sweep that run syncs: scrape/scrape_jobs.h. */

/* ---- `peterental scrape` (scrape_cli.c) --------------------------------------------------- */

struct scrape_cli_args {
    const char *url;
    int64_t user_id;     /* --user: 0 when not given */
    bool dry_run;        /* --dry-run */
    const char *file;    /* --file: extract this file instead of fetching (benchmarks) */
    const char *charset; /* --charset: the file's charset */
    int repeat;          /* --repeat: extractions of --file (median time on stderr) */
    int max_pages, max_details; /* --max-pages, --max-details (0: the defaults) */
};

/* The arguments of `peterental scrape URL [--user ID] [--dry-run]` (argv[0] is "scrape"):
 * 0 to go on, -1 after printing --help to out, 2 on a usage error (printed to err). */
int scrape_cli_args(int argc, char **argv, struct scrape_cli_args *args, FILE *out, FILE *err);
/* Runs it with a: a->out (the outbound client) unless --file, a->db when --user. Prints one
 * JSON object to out: without --user or with --dry-run what was found ({"url", "final_url",
 * "family", "pages", "details_followed", "details_failed", "complete", "says_none",
 * "truncated", "listings": [scrape_listing_to_json...]}); with --user the sync's result (as
 * the job's, plus "source_created"). Errors go to err. Returns 0, or 1 on failure. */
int scrape_cli_run(struct app *a, const struct scrape_cli_args *args, FILE *out, FILE *err);

#endif
