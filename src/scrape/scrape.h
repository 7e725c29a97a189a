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
 * still parse. libxml2 never prints: errors go to a handler on each call's own parser context. */
#ifndef PETE_SCRAPE_H
#define PETE_SCRAPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
