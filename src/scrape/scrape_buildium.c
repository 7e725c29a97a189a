/* SPDX-License-Identifier: MIT */
/* Buildium public rentals ("*.managebuilding.com"), as the fixtures' README describes them. The
 * index (/Resident/public/rentals): one a.featured-listing per unit whose data-* attributes carry
 * rent, bedrooms, bathrooms, size (0 when unknown), type and "City,ST|zip"; the title holds
 * "Street - Unit", the address line "City, ST zip"; features, price and availability are also
 * printed. The detail page (/Resident/public/rentals/<id>): the heading with street and city on
 * separate lines, .unit-detail__price, __available-date and __unit-info items, the canonical URL
 * and the gallery's full-size photos (data-mfp-src) rather than its thumbnails. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

static char *text_in(const xmlNode *root, const char *cls)
{
    return sl_text(sd_find(root, NULL, cls));
}

/* "City,ST|zip" → "City, ST zip" appended to the street. */
static char *address_from_location(const char *street, const char *loc)
{
    if (!street || !loc)
        return NULL;
    struct sbuf b = {0};
    sbuf_put(&b, street, strlen(street));
    sbuf_put(&b, ", ", 2);
    for (const char *p = loc; *p; p++) {
        if (*p == ',')
            sbuf_put(&b, ", ", 2);
        else if (*p == '|')
            sbuf_putc(&b, ' ');
        else
            sbuf_putc(&b, *p);
    }
    return sbuf_take(&b);
}

static void card_address(struct scrape_listing *l, const xmlNode *c)
{
    char *title = text_in(c, "featured-listing__title");
    char *where = text_in(c, "featured-listing__address");
    if (title && where) {
        struct sbuf b = {0};
        sbuf_put(&b, title, strlen(title));
        sbuf_put(&b, ", ", 2);
        sbuf_put(&b, where, strlen(where));
        char *full = sbuf_take(&b);
        sl_set_address(l, full);
        free(full);
    }
    char *loc = address_from_location(title, sd_attr(c, "data-location"));
    sl_set_address(l, loc);
    free(loc);
    free(title);
    free(where);
}

static void card_numbers(struct scrape_listing *l, const xmlNode *c)
{
    const char *v;
    if ((v = sd_attr(c, "data-rent")) != NULL)
        sl_set_price(l, v);
    if ((v = sd_attr(c, "data-bedrooms")) != NULL)
        l->has_bedrooms = scrape_norm_bedrooms(v, &l->bedrooms);
    if ((v = sd_attr(c, "data-bathrooms")) != NULL)
        l->has_bathrooms = scrape_norm_bathrooms(v, &l->bathrooms);
    if ((v = sd_attr(c, "data-square-feet")) != NULL)
        sl_set_sqft(l, v);
    char *t = text_in(c, "featured-listing__price");
    sl_set_price(l, t);
    free(t);
    t = text_in(c, "featured-listing__features");
    sl_set_facts(l, t);
    free(t);
}

static void card(struct sdoc *d, struct slist *out, const xmlNode *c)
{
    struct scrape_listing l = {0};
    card_address(&l, c);
    card_numbers(&l, c);
    const xmlNode *a = sd_is(c, "a") ? c : sd_find(c, "a", NULL);
    sl_set_url(&l, d, a ? sd_attr(a, "href") : NULL);
    xmlNodePtr img = sd_find(c, "img", "featured-listing__image");
    if (!img)
        img = sd_find(c, "img", NULL);
    if (img)
        sl_add_image(&l, d, sl_img_source(img));
    char *t = text_in(c, "featured-listing__availability");
    sl_set_date(&l, d, t);
    free(t);
    t = text_in(c, "featured-listing__description");
    sl_set_text(&l.description, t, SCRAPE_DESC_MAX);
    free(t);
    const char *type = sl_property_type(sd_attr(c, "data-type"));
    l.property_type = type ? mem_strdup(type) : NULL;
    if (l.url)
        l.site_id = scrape_url_last_segment(l.url);
    slist_add(out, &l);
}

bool scrape_buildium(struct sdoc *d, struct slist *out)
{
    xmlNodePtr *cards;
    size_t n = sd_find_all(d->root, NULL, "featured-listing", &cards, 2 * SCRAPE_MAX_LISTINGS);
    for (size_t i = 0; i < n && sd_spend(d, 1); i++)
        card(d, out, cards[i]);
    free(cards);
    return n > 0;
}

/* ---- detail page -------------------------------------------------------------------------- */

/* The heading's lines joined with commas ("1316 Habersham St\nSavannah, GA 31401"). */
static char *heading_address(const struct sdoc *d)
{
    char *t = sd_text(sd_find(d->root, "h1", NULL), SD_TEXT_LINES | SD_TEXT_RAW_NL | SD_TEXT_NO_LINKS,
                      SCRAPE_TEXT_MAX);
    if (!t)
        return NULL;
    struct sbuf b = {0};
    for (const char *p = t; *p; p++) {
        if (*p == '\n')
            sbuf_put(&b, ", ", 2);
        else
            sbuf_putc(&b, *p);
    }
    free(t);
    return sbuf_take(&b);
}

static void detail_photos(struct scrape_listing *l, const struct sdoc *d)
{
    xmlNodePtr *items;
    size_t n = sd_find_all(d->root, NULL, "js-gallery-item", &items, 4 * SCRAPE_MAX_IMAGES);
    for (size_t i = 0; i < n; i++)
        sl_add_image(l, d, sd_attr(items[i], "data-mfp-src"));
    free(items);
    if (l->n_images == 0) {
        xmlNodePtr img = sd_find(d->root, "img", "unit-detail__gallery-image");
        if (img)
            sl_add_image(l, d, sl_img_source(img));
    }
    if (l->n_images == 0)
        sl_add_image(l, d, d->og_image);
}

bool scrape_buildium_detail(struct sdoc *d, struct slist *out)
{
    xmlNodePtr info = sd_find(d->root, NULL, "unit-detail__info");
    if (!info)
        return false;
    struct scrape_listing l = {0};
    char *t = heading_address(d);
    if (!sl_set_address(&l, t))
        sl_set_address(&l, d->og_title);
    free(t);
    t = text_in(info, "unit-detail__price");
    sl_set_price(&l, t);
    free(t);
    t = text_in(info, "unit-detail__available-date");
    sl_set_date(&l, d, t);
    free(t);
    xmlNodePtr *items;
    size_t n = sd_find_all(info, NULL, "unit-detail__unit-info-item", &items, 64);
    for (size_t i = 0; i < n; i++) {
        t = sl_text(items[i]);
        sl_set_facts(&l, t);
        free(t);
    }
    free(items);
    sl_set_url(&l, d, d->canonical);
    sl_set_url(&l, d, d->og_url);
    sl_set_url(&l, d, d->page_url);
    detail_photos(&l, d);
    t = text_in(info, "unit-detail__description");
    sl_set_text(&l.description, t, SCRAPE_DESC_MAX);
    free(t);
    if (l.url)
        l.site_id = scrape_url_last_segment(l.url);
    slist_add(out, &l);
    return true;
}
