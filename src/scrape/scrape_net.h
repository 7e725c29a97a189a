/* SPDX-License-Identifier: MIT */
/* Folder-private parts of src/scrape/ that touch the network, and the pure rules under them
 * (which the unit tests reach): robots.txt (scrape_robots.c: the RFC 9309 parser and matcher,
 * and the process's cache of each origin's rules), the per-host request spacing
 * (scrape_limit.c: the reservation arithmetic and the process's table of hosts), and the
 * fetch of one page through the outbound client with both applied (scrape_fetch.c). */
#ifndef PETE_SCRAPE_NET_H
#define PETE_SCRAPE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scrape/scrape.h"

/* ---- robots.txt (scrape_robots.c) ---------------------------------------------------------- */

#define SCRAPE_ROBOTS_AGENT "PeteRental"          /* our product token */
#define SCRAPE_ROBOTS_MAX_BYTES ((size_t)512 << 10) /* RFC 9309: at least 500 KiB are read */
#define SCRAPE_ROBOTS_MAX_RULES 4096               /* rules kept per file; later ones ignored */
#define SCRAPE_ROBOTS_PATTERN_MAX 2048             /* bytes of one pattern; longer are ignored */
#define SCRAPE_ROBOTS_TTL_MS (24LL * 3600 * 1000)  /* how long an origin's rules are kept */
#define SCRAPE_ROBOTS_CACHE_MAX 512                /* origins kept; the oldest go first */

/* The rules of one robots.txt that apply to one product token. */
struct scrape_robots;

/* Parses robots.txt text (RFC 9309; NUL bytes end nothing, any line ending works) for the
 * product token agent: the Allow and Disallow rules of every group whose User-agent names
 * agent (case-insensitively; "PeteRental/1.0" names "PeteRental"), else of every "*" group;
 * none: everything is allowed. Patterns are compared with their octets outside printable
 * ASCII percent-encoded and percent-escapes in upper case. Never fails; returns a new set the
 * caller frees with scrape_robots_free. body may be NULL (len 0): allows everything. */
struct scrape_robots *scrape_robots_parse(const char *body, size_t len, const char *agent);
/* A set that disallows everything (an origin whose robots.txt could not be read). */
struct scrape_robots *scrape_robots_deny_all(void);
/* Whether path (the URL's path and "?query", starting with '/') may be fetched: the longest
 * matching pattern ('*' any run of octets, a final '$' the end) decides, Allow winning a tie;
 * no match allows. "/robots.txt" itself is always allowed. */
bool scrape_robots_allowed(const struct scrape_robots *r, const char *path);
/* Accepts NULL. */
void scrape_robots_free(struct scrape_robots *r);

/* What the cache knows of an origin (scrape_robots_lookup). */
enum scrape_robots_look {
    SCRAPE_ROBOTS_DECIDED, /* fresh rules: *allowed is set */
    SCRAPE_ROBOTS_FETCH,   /* the caller must fetch them now, then call scrape_robots_store */
    SCRAPE_ROBOTS_BUSY     /* another thread is fetching them and wait_ms passed */
};
/* Looks up origin ("scheme://host:port", lower case) in the process's cache and decides path
 * against its rules when they are fresh. While another thread fetches that origin's file this
 * waits for it (at most wait_ms); when the rules are missing or older than a day the caller
 * is told to fetch them (and other threads then wait for it). Thread-safe. */
enum scrape_robots_look scrape_robots_lookup(const char *origin, const char *path,
                                             int64_t wait_ms, bool *allowed);
/* Ends a fetch that scrape_robots_lookup asked for: keep true caches rules (taken) for a day;
 * keep false (the file could not be read, so this run treats the origin as disallowing)
 * frees them and forgets the origin, so the next lookup fetches again. Wakes the waiters. */
void scrape_robots_store(const char *origin, struct scrape_robots *rules, bool keep);
/* Empties the cache (tests). */
void scrape_robots_cache_clear(void);

/* ---- request spacing (scrape_limit.c) -------------------------------------------------------- */

#define SCRAPE_HOST_INTERVAL_MS 1000 /* at most one request per second per host */
#define SCRAPE_HOSTS_MAX 1024        /* hosts tracked at once */

/* The arithmetic of one host's reservations: the next request may start at
 * max(now, *next_free); when that is no later than latest it is reserved (*start, and
 * *next_free moves interval_ms past it) and true is returned; otherwise nothing changes and
 * false says the caller cannot have a turn in time. */
bool scrape_limit_reserve(int64_t *next_free, int64_t now, int64_t interval_ms, int64_t latest,
                          int64_t *start);
/* Reserves host's next turn (SCRAPE_HOST_INTERVAL_MS apart, across every thread of the
 * process) no later than latest (mono ms) into *start; false when none is free in time or the
 * table of hosts is full. Thread-safe. */
bool scrape_limit_take(const char *host, int64_t now, int64_t latest, int64_t *start);

/* ---- one fetch (scrape_fetch.c) ---------------------------------------------------------- */

/* How a fetch ended. */
enum scrape_fetch_end {
    SCRAPE_FETCH_OK = 0,
    SCRAPE_FETCH_RETRY,   /* may work later: timeouts, refused or broken connections, HTTP 5xx,
                           * 408 and 429, a robots.txt that could not be read */
    SCRAPE_FETCH_FAIL,    /* will not work as is: HTTP 4xx, a bad URL, the address guard, an
                           * unknown host name, TLS, too large, redirect loops */
    SCRAPE_FETCH_ROBOTS,  /* robots.txt disallows the path for PeteRental: nothing was asked */
    SCRAPE_FETCH_NO_TIME  /* the budget ran out (or the worker is stopping) before it was done */
};

/* A fetched page. Strings owned (scrape_page_cleanup). */
struct scrape_page {
    char *body;      /* NUL-terminated; len bytes */
    size_t len;
    char *charset;   /* the Content-Type charset parameter, or NULL */
    char *final_url; /* the URL after redirects */
    long status;
};
void scrape_page_cleanup(struct scrape_page *p);

/* Fetches url (http or https) through c and its address guard, after robots.txt allowed it
 * (fetched once per origin and cached) and the host's turn came (one request per second per
 * host, robots.txt included). Every wait and the request end within the budget. On OK *out
 * holds a 2xx page (zeroed first; clean it up whatever the outcome); otherwise msg (cap
 * bytes) says what went wrong, in a sentence for last_error. */
enum scrape_fetch_end scrape_fetch(const struct outbound_client *c, const char *url,
                                   const struct scrape_budget *b, struct scrape_page *out,
                                   char *msg, size_t cap);
/* The lower-case host of an http(s) URL (new string, free()), or NULL. */
char *scrape_url_host(const char *url);

#endif
