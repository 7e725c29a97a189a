/* SPDX-License-Identifier: MIT */
/* A crawl of one source: its page, the pages after it through next-page links (each URL
 * once, at most SCRAPE_MAX_PAGES), then the detail pages of listings the index leaves
 * incomplete (same host only, at most SCRAPE_MAX_DETAILS, while time is left for the sync).
 * It also says whether the listings it found are the site's whole list: only a complete
 * crawl lets a sync mark listings it did not see as gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/mono.h"
#include "scrape/scrape_net.h"

static int64_t left_of(const struct scrape_budget *b)
{
    return b && b->ms_left ? b->ms_left(b->ctx) : 0;
}

void scrape_crawl_cleanup(struct scrape_crawl *c)
{
    if (!c)
        return;
    scrape_result_cleanup(&c->r);
    free(c->final_url);
    memset(c, 0, sizeof *c);
}

/* Fetches and extracts one page into *r (zeroed first, cleaned by the caller); the fetch's
 * outcome, with msg on failure. The time spent goes to the crawl's counters. */
static enum scrape_fetch_end read_page(const struct scrape_crawl_opts *o, const char *url,
                                       struct scrape_crawl *out, struct scrape_result *r,
                                       char **final_url, char *msg, size_t cap)
{
    struct scrape_page page;
    int64_t t0 = mono_ms();
    memset(r, 0, sizeof *r);
    enum scrape_fetch_end end = scrape_fetch(o->client, url, &o->budget, &page, msg, cap);
    int64_t t1 = mono_ms();
    out->fetch_ms += t1 - t0;
    if (end == SCRAPE_FETCH_OK) {
        const char *base = page.final_url ? page.final_url : url;
        if (scrape_extract(page.body, page.len, page.charset, base, o->today, r) != APP_OK) {
            snprintf(msg, cap, "the page %s could not be read (larger than %u bytes, or not "
                     "an http(s) address)", url, SCRAPE_MAX_BODY);
            end = SCRAPE_FETCH_FAIL;
        }
        out->extract_ms += mono_ms() - t1;
        if (final_url) {
            *final_url = page.final_url;
            page.final_url = NULL;
        }
    }
    scrape_page_cleanup(&page);
    return end;
}

static bool seen_url(char **seen, int n, const char *url)
{
    for (int i = 0; i < n; i++)
        if (strcmp(seen[i], url) == 0)
            return true;
    return false;
}

/* Follows next-page links from the first page's next_url (taken), absorbing each page's
 * listings into out->r. Leaves out->complete false, with the reason, when a page fails or
 * the cap stops it. */
static void follow_pages(const struct scrape_crawl_opts *o, const char *first, char *next,
                         struct scrape_crawl *out)
{
    int max = o->max_pages > 0 ? o->max_pages : SCRAPE_MAX_PAGES;
    char **seen = mem_zalloc((size_t)max + 2, sizeof *seen);
    int nseen = 0;
    seen[nseen++] = mem_strdup(first);
    if (out->final_url && strcmp(out->final_url, first) != 0)
        seen[nseen++] = mem_strdup(out->final_url);
    while (next && !seen_url(seen, nseen, next)) {
        if (out->pages >= max) {
            snprintf(out->error, sizeof out->error,
                     "stopped after %d pages; listings not seen were left as they were", max);
            out->complete = false;
            break;
        }
        char msg[400]; /* room in out->error for the words around it */
        struct scrape_result page;
        enum scrape_fetch_end end = read_page(o, next, out, &page, NULL, msg, sizeof msg);
        if (end != SCRAPE_FETCH_OK) {
            snprintf(out->error, sizeof out->error, "page %d: %s; listings not seen were "
                     "left as they were", out->pages + 1, msg);
            out->complete = false;
            scrape_result_cleanup(&page);
            break;
        }
        out->pages++;
        seen[nseen++] = next;
        next = page.next_url;
        page.next_url = NULL;
        out->r.truncated = out->r.truncated || page.truncated;
        scrape_result_absorb(&out->r, &page);
        scrape_result_cleanup(&page);
    }
    free(next); /* not followed: never one of seen */
    for (int i = 0; i < nseen; i++)
        free(seen[i]);
    free(seen);
}

/* The listing of a detail page that stands for l: the one with l's URL, else the only one. */
static const struct scrape_listing *detail_of(const struct scrape_result *d,
                                              const struct scrape_listing *l)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].url && strcmp(d->items[i].url, l->url) == 0)
            return &d->items[i];
    return d->n == 1 ? &d->items[0] : NULL;
}

static bool same_host(const char *a, const char *b)
{
    char *ha = scrape_url_host(a), *hb = scrape_url_host(b);
    bool same = ha && hb && strcmp(ha, hb) == 0;
    free(ha);
    free(hb);
    return same;
}

/* Completes incomplete listings from their detail pages. */
static void follow_details(const struct scrape_crawl_opts *o, struct scrape_crawl *out)
{
    int max = o->max_details == 0 ? SCRAPE_MAX_DETAILS : o->max_details;
    for (size_t i = 0; i < out->r.n && out->details_followed + out->details_failed < max; i++) {
        struct scrape_listing *l = &out->r.items[i];
        if (!scrape_listing_incomplete(l) || !same_host(l->url, out->final_url))
            continue;
        if (left_of(&o->budget) < SCRAPE_DETAIL_RESERVE_MS)
            break;
        char msg[512];
        struct scrape_result d;
        enum scrape_fetch_end end = read_page(o, l->url, out, &d, NULL, msg, sizeof msg);
        const struct scrape_listing *dl = end == SCRAPE_FETCH_OK ? detail_of(&d, l) : NULL;
        if (dl) {
            scrape_listing_merge(l, dl);
            out->details_followed++;
        } else {
            out->details_failed++;
        }
        scrape_result_cleanup(&d);
        if (end == SCRAPE_FETCH_NO_TIME)
            break;
    }
}

void scrape_crawl_run(const struct scrape_crawl_opts *o, const char *url,
                      struct scrape_crawl *out)
{
    memset(out, 0, sizeof *out);
    enum scrape_fetch_end end =
        read_page(o, url, out, &out->r, &out->final_url, out->error, sizeof out->error);
    out->end = (int)end;
    if (end != SCRAPE_FETCH_OK)
        return;
    out->ok = true;
    out->complete = true;
    out->pages = 1;
    char *next = out->r.next_url;
    out->r.next_url = NULL;
    follow_pages(o, url, next, out);
    if (out->r.truncated && out->complete) {
        snprintf(out->error, sizeof out->error,
                 "the site shows more listings than are kept (%d); listings not seen were "
                 "left as they were", SCRAPE_MAX_LISTINGS);
        out->complete = false;
    }
    if (o->max_details >= 0)
        follow_details(o, out);
}
