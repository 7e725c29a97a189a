/* SPDX-License-Identifier: MIT */
/* Fetching one page of a listing site (SPEC §7): robots.txt first (once per origin, cached by
 * scrape_robots.c; RFC 9309 2.3.1: a file that is missing or refused (4xx) allows
 * everything, one that cannot be read (5xx, 429, network) disallows everything for now and
 * is asked again next time), then the host's turn (scrape_limit.c), then the request through
 * the outbound client, whose address guard, timeouts, size cap and redirect checks apply.
 * Every outcome is sorted into "may work later" and "will not work as is", which decides
 * whether a sync is retried. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/mem.h"
#include "core/mono.h"
#include "outbound/outbound.h"
#include "scrape/scrape_net.h"

#define MIN_REQUEST_MS 1000 /* a turn is taken only with at least this long left after it */
#define WAIT_STEP_MS 100    /* a wait for a turn looks at its budget this often */
#define CHARSET_MAX 40

static int64_t left_of(const struct scrape_budget *b)
{
    return b && b->ms_left ? b->ms_left(b->ctx) : 0;
}

void scrape_page_cleanup(struct scrape_page *p)
{
    if (!p)
        return;
    free(p->body);
    free(p->charset);
    free(p->final_url);
    memset(p, 0, sizeof *p);
}

/* ---- URLs ----------------------------------------------------------------------------------- */

/* What a fetch needs of its URL. Strings owned (target_cleanup). */
struct target {
    char *host;   /* lower case; the rate limit's key */
    char *origin; /* "scheme://host:port", lower case; robots.txt's key */
    char *path;   /* path and "?query", as robots.txt rules read them */
};

static void target_cleanup(struct target *t)
{
    free(t->host);
    free(t->origin);
    free(t->path);
    memset(t, 0, sizeof *t);
}

static void lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Splits an http(s) URL with libcurl's parser (the one the request will use); false when it
 * is not one. */
static bool target_of(const char *url, struct target *t)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK;
    memset(t, 0, sizeof *t);
    if (ok) {
        lower(scheme);
        ok = (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) && host[0];
    }
    if (ok) {
        if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
            query = NULL;
        t->host = mem_strdup(host);
        lower(t->host);
        size_t n = strlen(scheme) + strlen(host) + strlen(port) + 8;
        t->origin = mem_alloc(n);
        snprintf(t->origin, n, "%s://%s:%s", scheme, t->host, port);
        const char *p = path[0] ? path : "/";
        n = strlen(p) + (query ? strlen(query) + 1 : 0) + 1;
        t->path = mem_alloc(n);
        snprintf(t->path, n, "%s%s%s", p, query ? "?" : "", query ? query : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return ok;
}

char *scrape_url_host(const char *url)
{
    struct target t;
    if (!url || !target_of(url, &t))
        return NULL;
    char *host = t.host;
    t.host = NULL;
    target_cleanup(&t);
    return host;
}

/* ---- turns and requests ------------------------------------------------------------------- */

/* Takes host's next turn and sleeps until it comes; false when it would not come in time or
 * the budget ran out while waiting. */
static bool wait_turn(const char *host, const struct scrape_budget *b)
{
    int64_t now = mono_ms(), left = left_of(b), start = 0;
    if (left < MIN_REQUEST_MS ||
        !scrape_limit_take(host, now, now + left - MIN_REQUEST_MS, &start))
        return false;
    for (int64_t t = mono_ms(); t < start; t = mono_ms()) {
        if (left_of(b) <= 0)
            return false;
        int64_t step = start - t < WAIT_STEP_MS ? start - t : WAIT_STEP_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
        nanosleep(&ts, NULL);
    }
    return true;
}

/* Waits for host's turn, then asks url within the budget; NO_TIME when either did not fit. */
static enum scrape_fetch_end request(const struct outbound_client *c, const char *host,
                                     const char *url, const struct scrape_budget *b,
                                     struct outbound_result *res)
{
    memset(res, 0, sizeof *res);
    if (!wait_turn(host, b))
        return SCRAPE_FETCH_NO_TIME;
    int64_t left = left_of(b);
    if (left < MIN_REQUEST_MS / 2)
        return SCRAPE_FETCH_NO_TIME;
    struct outbound_opts o = {.timeout_ms = left < OUTBOUND_TIMEOUT_MS ? (long)left
                                                                       : OUTBOUND_TIMEOUT_MS};
    outbound_request(c, url, &o, res);
    return SCRAPE_FETCH_OK;
}

/* The class of a transport error: what may work later is retried. */
static enum scrape_fetch_end class_of_err(outbound_err e)
{
    switch (e) {
    case OUTBOUND_E_CONNECT:
    case OUTBOUND_E_TIMEOUT:
    case OUTBOUND_E_OTHER:
        return SCRAPE_FETCH_RETRY;
    default:
        return SCRAPE_FETCH_FAIL;
    }
}

static enum scrape_fetch_end class_of_status(long status)
{
    if (status >= 200 && status < 300)
        return SCRAPE_FETCH_OK;
    if (status == 408 || status == 429 || status >= 500)
        return SCRAPE_FETCH_RETRY;
    return SCRAPE_FETCH_FAIL;
}

/* The sentence for a failed request of what (a page, robots.txt). */
static void describe(const struct outbound_result *res, const char *what, const char *url,
                     char *msg, size_t cap)
{
    if (res->err != OUTBOUND_OK)
        snprintf(msg, cap, "%s %s could not be fetched (%s): %s", what, url,
                 outbound_err_name(res->err), res->message);
    else
        snprintf(msg, cap, "%s %s answered HTTP %ld", what, url, res->status);
}

/* ---- robots.txt ---------------------------------------------------------------------------- */

/* Fetches origin's robots.txt into *rules; *keep says whether they may be cached. A file that
 * cannot be read gives deny-all rules that are not kept, and its class (RETRY, FAIL, NO_TIME)
 * with msg. */
static enum scrape_fetch_end fetch_robots(const struct outbound_client *c,
                                          const struct target *t, const struct scrape_budget *b,
                                          struct scrape_robots **rules, bool *keep, char *msg,
                                          size_t cap)
{
    struct outbound_result res;
    size_t n = strlen(t->origin) + sizeof "/robots.txt";
    char *url = mem_alloc(n);
    snprintf(url, n, "%s/robots.txt", t->origin);
    enum scrape_fetch_end end = request(c, t->host, url, b, &res);
    *keep = false;
    *rules = NULL;
    if (end == SCRAPE_FETCH_OK) {
        if (res.err == OUTBOUND_OK && res.status >= 200 && res.status < 300) {
            size_t len = res.len < SCRAPE_ROBOTS_MAX_BYTES ? res.len : SCRAPE_ROBOTS_MAX_BYTES;
            *rules = scrape_robots_parse(res.body, len, SCRAPE_ROBOTS_AGENT);
            *keep = true;
        } else if ((res.err == OUTBOUND_OK && res.status >= 300 && res.status < 500 &&
                    res.status != 429) ||
                   res.err == OUTBOUND_E_REDIRECTS) {
            *rules = scrape_robots_parse(NULL, 0, SCRAPE_ROBOTS_AGENT); /* unavailable */
            *keep = true;
        } else {
            end = res.err != OUTBOUND_OK ? class_of_err(res.err) : SCRAPE_FETCH_RETRY;
            char why[600];
            describe(&res, "robots.txt at", url, why, sizeof why);
            snprintf(msg, cap, "%s; until it can be read the site counts as disallowing "
                               "crawlers", why);
        }
    } else {
        snprintf(msg, cap, "no time left to read %s", url);
    }
    if (!*rules)
        *rules = scrape_robots_deny_all();
    outbound_result_cleanup(&res);
    free(url);
    return end;
}

/* Whether robots.txt lets us fetch t's path: OK, ROBOTS (disallowed), or how reading the
 * file failed. */
static enum scrape_fetch_end robots_check(const struct outbound_client *c,
                                          const struct target *t, const char *url,
                                          const struct scrape_budget *b, char *msg, size_t cap)
{
    bool allowed = true;
    int64_t left = left_of(b);
    if (strcmp(t->path, "/robots.txt") == 0)
        return SCRAPE_FETCH_OK;
    if (left <= 0)
        return SCRAPE_FETCH_NO_TIME;
    enum scrape_robots_look look = scrape_robots_lookup(t->origin, t->path, left, &allowed);
    if (look == SCRAPE_ROBOTS_BUSY) {
        snprintf(msg, cap, "no time left waiting for robots.txt of %s", t->origin);
        return SCRAPE_FETCH_NO_TIME;
    }
    if (look == SCRAPE_ROBOTS_FETCH) {
        struct scrape_robots *rules = NULL;
        bool keep = false;
        enum scrape_fetch_end end = fetch_robots(c, t, b, &rules, &keep, msg, cap);
        allowed = scrape_robots_allowed(rules, t->path);
        scrape_robots_store(t->origin, rules, keep);
        if (end != SCRAPE_FETCH_OK)
            return end;
    }
    if (!allowed) {
        snprintf(msg, cap, "robots.txt of %s disallows %s for " SCRAPE_ROBOTS_AGENT
                 ": nothing was fetched", t->origin, url);
        return SCRAPE_FETCH_ROBOTS;
    }
    return SCRAPE_FETCH_OK;
}

/* ---- pages --------------------------------------------------------------------------------- */

/* The charset parameter of a Content-Type value (new string), or NULL. */
static char *charset_of(const char *ct)
{
    for (const char *p = ct ? strchr(ct, ';') : NULL; p; p = strchr(p, ';')) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "charset", 7) != 0)
            continue;
        const char *q = p + 7;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q++ != '=')
            continue;
        while (*q == ' ' || *q == '\t' || *q == '"' || *q == '\'')
            q++;
        size_t n = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789._:-");
        if (n > 0 && n <= CHARSET_MAX)
            return mem_strndup(q, n);
    }
    return NULL;
}

enum scrape_fetch_end scrape_fetch(const struct outbound_client *c, const char *url,
                                   const struct scrape_budget *b, struct scrape_page *out,
                                   char *msg, size_t cap)
{
    struct target t;
    struct outbound_result res = {0};
    memset(out, 0, sizeof *out);
    if (cap)
        msg[0] = '\0';
    if (!c || !url || !target_of(url, &t)) {
        snprintf(msg, cap, "%s is not an http(s) URL", url ? url : "(none)");
        return SCRAPE_FETCH_FAIL;
    }
    enum scrape_fetch_end end = robots_check(c, &t, url, b, msg, cap);
    if (end == SCRAPE_FETCH_OK && (end = request(c, t.host, url, b, &res)) != SCRAPE_FETCH_OK)
        snprintf(msg, cap, "no time left to fetch %s", url);
    if (end == SCRAPE_FETCH_OK) {
        end = res.err != OUTBOUND_OK ? class_of_err(res.err) : class_of_status(res.status);
        if (end != SCRAPE_FETCH_OK) {
            describe(&res, "the page", url, msg, cap);
        } else {
            out->body = res.body;
            out->len = res.len;
            res.body = NULL;
            out->charset = charset_of(res.content_type);
            out->final_url = mem_strdup(res.final_url ? res.final_url : url);
            out->status = res.status;
        }
    }
    outbound_result_cleanup(&res);
    target_cleanup(&t);
    return end;
}
