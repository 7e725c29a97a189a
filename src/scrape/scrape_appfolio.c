/* SPDX-License-Identifier: MIT */
/* AppFolio listing pages, as the fixtures' README describes them. The index (/listings): one
 * .js-listing-item per listing, the address in .js-listing-address, the detail link to
 * /listings/detail/<uuid>, the photo in the lazy image's data-original, and the quick facts
 * (dt label over dd value: RENT, never TOTAL MONTHLY PRICE; Square Feet; Bed / Bath; Available)
 * with the blurb and the handheld copies as fallbacks. The detail page: .js-show-title (its MAP
 * link left out), the .js-show-summary line, the sidebar RENT, the rental terms, the canonical URL
 * and the swipebox gallery's full-size photos. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

static void set_from(struct scrape_listing *l, const xmlNode *n,
                     void (*set)(struct scrape_listing *, const char *))
{
    char *t = sl_text(n);
    if (t)
        set(l, t);
    free(t);
}

static void set_date_from(struct scrape_listing *l, const struct sdoc *d, const xmlNode *n)
{
    char *t = sl_text(n);
    sl_set_date(l, d, t);
    free(t);
}

static xmlNodePtr next_element(const xmlNode *n)
{
    for (xmlNodePtr s = n->next; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE)
            return s;
    return NULL;
}

/* The quick facts: each dt's label says what the following dd holds. */
static void quick_facts(struct scrape_listing *l, const struct sdoc *d, const xmlNode *box)
{
    xmlNodePtr *dts;
    size_t n = sd_find_all(box, "dt", NULL, &dts, 64);
    for (size_t i = 0; i < n; i++) {
        xmlNodePtr dd = next_element(dts[i]);
        if (!sd_is(dd, "dd"))
            continue;
        char *label = sl_text(dts[i]);
        char *value = sl_text(dd);
        if (label && value) {
            if (sd_find_ci(label, "rent") && !sd_find_ci(label, "total"))
                sl_set_price(l, value);
            else if (sd_find_ci(label, "square") || sd_find_ci(label, "sq") ||
                     sd_find_ci(label, "size"))
                sl_set_sqft(l, value);
            else if (sd_find_ci(label, "bed") || sd_find_ci(label, "bath"))
                sl_set_facts(l, value);
            else if (sd_find_ci(label, "avail"))
                sl_set_date(l, d, value);
        }
        free(label);
        free(value);
    }
    free(dts);
}

/* The first link of root to a /listings/detail/ page. */
static void detail_link(struct scrape_listing *l, const struct sdoc *d, const xmlNode *root)
{
    xmlNodePtr *links;
    size_t n = sd_find_all(root, "a", NULL, &links, 64);
    for (size_t i = 0; i < n && !l->url; i++) {
        char *url = scrape_url_resolve(d->base, sd_attr(links[i], "href"));
        if (url && strstr(url, "/listings/detail/")) {
            l->url = url;
            url = NULL;
        }
        free(url);
    }
    free(links);
}

static void card(struct sdoc *d, struct slist *out, const xmlNode *c)
{
    struct scrape_listing l = {0};
    char *addr = sl_text(sd_find(c, NULL, "js-listing-address"));
    sl_set_address(&l, addr);
    free(addr);
    detail_link(&l, d, c);
    xmlNodePtr img = sd_find(c, "img", "js-listing-image");
    if (!img)
        img = sd_find(c, "img", "listing-item__image");
    if (img)
        sl_add_image(&l, d, sl_img_source(img));
    xmlNodePtr box = sd_find(c, NULL, "js-listing-quick-facts");
    if (box || (box = sd_find(c, NULL, "detail-box")) != NULL)
        quick_facts(&l, d, box);
    set_from(&l, sd_find(c, NULL, "js-listing-blurb-rent"), sl_set_price);
    set_from(&l, sd_find(c, NULL, "js-listing-blurb-bed-bath"), sl_set_facts);
    set_from(&l, sd_find(c, NULL, "js-listing-square-feet"), sl_set_sqft);
    set_date_from(&l, d, sd_find(c, NULL, "js-listing-available"));
    char *desc = sl_text(sd_find(c, NULL, "js-listing-description"));
    sl_set_text(&l.description, desc, SCRAPE_DESC_MAX);
    free(desc);
    if (l.url)
        l.site_id = scrape_url_last_segment(l.url);
    slist_add(out, &l);
}

bool scrape_appfolio(struct sdoc *d, struct slist *out)
{
    xmlNodePtr *cards;
    size_t n = sd_find_all(d->root, NULL, "js-listing-item", &cards, 2 * SCRAPE_MAX_LISTINGS);
    bool mine = n > 0 || sd_find(d->root, NULL, "js-listings-container") != NULL;
    for (size_t i = 0; i < n && sd_spend(d, 1); i++)
        card(d, out, cards[i]);
    free(cards);
    return mine;
}

/* ---- detail page -------------------------------------------------------------------------- */

/* Every full-size gallery photo (a.swipebox links), else the og:image. */
static void gallery(struct scrape_listing *l, const struct sdoc *d)
{
    xmlNodePtr *links;
    size_t n = sd_find_all(d->root, "a", "swipebox", &links, 4 * SCRAPE_MAX_IMAGES);
    for (size_t i = 0; i < n; i++)
        sl_add_image(l, d, sd_attr(links[i], "href"));
    free(links);
    if (l->n_images == 0)
        sl_add_image(l, d, d->og_image);
}

static void rental_terms(struct scrape_listing *l, const struct sdoc *d)
{
    xmlNodePtr terms = sd_find(d->root, NULL, "js-show-rental-terms");
    xmlNodePtr *items;
    size_t n = sd_find_all(terms, "li", NULL, &items, 64);
    for (size_t i = 0; i < n; i++) {
        char *t = sl_text(items[i]);
        if (t && sd_starts_ci(t, "rent"))
            sl_set_price(l, t);
        else if (t && sd_find_ci(t, "avail"))
            sl_set_date(l, d, sd_find_ci(t, "avail"));
        free(t);
    }
    free(items);
}

bool scrape_appfolio_detail(struct sdoc *d, struct slist *out)
{
    xmlNodePtr title = sd_find(d->root, NULL, "js-show-title");
    xmlNodePtr summary = sd_find(d->root, NULL, "js-show-summary");
    if (!title && !summary)
        return false;
    struct scrape_listing l = {0};
    char *t = title ? sd_text(title, SD_TEXT_NO_LINKS, SCRAPE_TEXT_MAX) : NULL;
    if (!sl_set_address(&l, t))
        sl_set_address(&l, d->og_title);
    free(t);
    t = sl_text(summary);
    sl_set_facts(&l, t);
    if (t && sd_find_ci(t, "avail"))
        sl_set_date(&l, d, sd_find_ci(t, "avail"));
    free(t);
    set_from(&l, sd_find(d->root, NULL, "sidebar__price"), sl_set_price);
    rental_terms(&l, d);
    sl_set_url(&l, d, d->canonical);
    sl_set_url(&l, d, d->og_url);
    sl_set_url(&l, d, d->page_url);
    gallery(&l, d);
    t = sl_text(sd_find(d->root, NULL, "listing-detail__description"));
    sl_set_text(&l.description, t, SCRAPE_DESC_MAX);
    free(t);
    if (l.url)
        l.site_id = scrape_url_last_segment(l.url);
    slist_add(out, &l);
    return true;
}
