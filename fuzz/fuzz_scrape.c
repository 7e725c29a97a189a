/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the listing extractors (src/scrape/). The first byte picks the HTTP
 * charset handed over (none, utf-8, iso-8859-1, windows-1252, or a label nobody knows); the rest
 * is the page. It goes through scrape_extract (the families in their order) and then through
 * every family alone (jsonld, appfolio, appfolio-detail, buildium, buildium-detail, generic),
 * and, as text, through each normaliser. Whatever comes out must hold: every string well-formed
 * UTF-8, no more listings or photos than the caps, every listing with an address and a rent or a
 * bedroom count, URLs absolute http(s) without fragment, dates "now" or a real YYYY-MM-DD, and
 * the JSON writer, the merge and the de-duplicating absorb must work on it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "scrape/scrape.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE_URL "https://www.example.test/rentals/index.html"
#define TODAY "2026-12-01"

static const char *const charsets[] = {NULL, "utf-8", "iso-8859-1", "windows-1252", "x-mac-klingon"};
static const char *const families[] = {"jsonld", "appfolio", "appfolio-detail", "buildium",
                                       "buildium-detail", "generic"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    scrape_init();
    return 0;
}

static void check_str(const char *s)
{
    if (s && !text_utf8_valid(s))
        abort();
}

static void check_url(const char *u)
{
    if (!u)
        return;
    check_str(u);
    if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) || strchr(u, '#') ||
        strlen(u) > SCRAPE_URL_MAX)
        abort();
}

static void check_date(const char *d)
{
    char again[11];
    if (d && strcmp(d, "now") != 0 &&
        (strlen(d) != 10 || !scrape_norm_date(d, TODAY, again) || strcmp(again, d) != 0))
        abort();
}

static void check_listing(const struct scrape_listing *l)
{
    if (!l->address || !(l->has_price || l->has_bedrooms) || l->n_images > SCRAPE_MAX_IMAGES)
        abort();
    const char *s[] = {l->address, l->unit,        l->city,          l->state,
                       l->zip,     l->description, l->property_type, l->site_id};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        check_str(s[i]);
    check_url(l->url);
    for (size_t i = 0; i < l->n_images; i++)
        check_url(l->images[i]);
    check_date(l->available_date);
    if ((l->has_price && (l->price <= 0 || l->price >= 1000000)) ||
        (l->has_bedrooms && (l->bedrooms < 0 || l->bedrooms > 20)) ||
        (l->has_bathrooms && (l->bathrooms < 0 || l->bathrooms > 20)) ||
        (l->has_square_feet && l->square_feet < 1))
        abort();
}

static void check_result(struct scrape_result *r)
{
    if (r->n > SCRAPE_MAX_LISTINGS)
        abort();
    for (size_t i = 0; i < r->n; i++)
        check_listing(&r->items[i]);
    check_url(r->next_url);
    json_t *j = scrape_result_to_json(r);
    char *text = json_dumps(j, JSON_COMPACT);
    if (!j || !text || json_array_size(j) != r->n)
        abort();
    free(text);
    json_decref(j);
    if (r->n >= 2) {
        scrape_listing_merge(&r->items[0], &r->items[1]);
        check_listing(&r->items[0]);
    }
}

/* Absorbing a page into a copy of its own listings adds nothing. */
static void absorb_twice(const uint8_t *page, size_t len, const char *charset)
{
    struct scrape_result a, b;
    if (scrape_extract((const char *)page, len, charset, PAGE_URL, TODAY, &a) != APP_OK ||
        scrape_extract((const char *)page, len, charset, PAGE_URL, TODAY, &b) != APP_OK)
        abort();
    size_t n = a.n;
    scrape_result_absorb(&a, &b);
    if (a.n != n || b.n != 0)
        abort();
    scrape_result_cleanup(&a);
    scrape_result_cleanup(&b);
}

static void normalisers(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    double d;
    int64_t k;
    char date[11];
    struct scrape_facts f;
    struct scrape_address a;
    scrape_norm_price(s, &d);
    scrape_norm_bedrooms(s, &k);
    scrape_norm_bathrooms(s, &d);
    scrape_norm_square_feet(s, &k);
    scrape_norm_facts(s, &f);
    if (scrape_norm_date(s, TODAY, date))
        check_date(date);
    if (scrape_norm_address(s, &a) && (!a.address || !a.street || !text_utf8_valid(a.address)))
        abort();
    scrape_address_cleanup(&a);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18))
        return 0;
    const char *charset = charsets[data[0] % (sizeof charsets / sizeof *charsets)];
    const uint8_t *page = data + 1;
    size_t len = size - 1;
    struct scrape_result r;
    if (scrape_extract((const char *)page, len, charset, PAGE_URL, TODAY, &r) != APP_OK)
        abort();
    check_result(&r);
    scrape_result_cleanup(&r);
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
        if (scrape_extract_family(families[i], (const char *)page, len, charset, PAGE_URL, TODAY,
                                  &r) != APP_OK)
            abort();
        check_result(&r);
        scrape_result_cleanup(&r);
    }
    absorb_twice(page, len, charset);
    normalisers(page, len);
    return 0;
}
