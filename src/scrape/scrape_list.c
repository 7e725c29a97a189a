/* SPDX-License-Identifier: MIT */
/* Listings as the extractors build them and as they leave the module: the field setters that
 * apply the normalisers and the caps (each fills only what is still missing, so an extractor
 * calls them in order of preference), the per-page list that keeps only real listings (a street
 * address with a house number, and a rent or a bedroom count) and folds duplicates together (same
 * detail URL or same address; the fuller rendering first, the other filling its gaps), the merge
 * of a detail page into its card, the fixtures' JSON shape, and cleanup. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

#define UNIT_CHARS 50
#define CITY_CHARS 100
#define STATE_CHARS 50
#define ZIP_CHARS 20

/* ---- a string → index map (keys owned) ------------------------------------------------- */

struct smap {
    char **keys;
    size_t *vals;
    size_t cap, n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t slot(const struct smap *m, const char *key)
{
    size_t i = (size_t)hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool smap_get(const struct smap *m, const char *key, size_t *val)
{
    if (!m || !key || m->cap == 0)
        return false;
    size_t i = slot(m, key);
    if (!m->keys[i])
        return false;
    *val = m->vals[i];
    return true;
}

static void smap_put(struct smap *m, const char *key, size_t val)
{
    if (!key)
        return;
    if ((m->n + 1) * 2 > m->cap) {
        struct smap bigger = {.cap = m->cap ? m->cap * 2 : 64};
        bigger.keys = mem_zalloc(bigger.cap, sizeof *bigger.keys);
        bigger.vals = mem_zalloc(bigger.cap, sizeof *bigger.vals);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = slot(&bigger, m->keys[i]);
            bigger.keys[j] = m->keys[i];
            bigger.vals[j] = m->vals[i];
        }
        bigger.n = m->n;
        free(m->keys);
        free(m->vals);
        *m = bigger;
    }
    size_t i = slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = mem_strdup(key);
        m->n++;
    }
    m->vals[i] = val;
}

static void smap_free(struct smap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    free(m);
}

/* ---- setters -------------------------------------------------------------------------------- */

/* s cut to at most max characters (UTF-8), in place. */
static void cut_chars(char *s, size_t max)
{
    size_t chars = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > max) {
            s[i] = '\0';
            return;
        }
    }
}

static size_t count_chars(const char *s)
{
    size_t chars = 0;
    for (; *s; s++)
        chars += ((unsigned char)*s & 0xc0) != 0x80;
    return chars;
}

static void set_capped(char **dst, const char *src, size_t max)
{
    free(*dst);
    *dst = src && *src ? mem_strdup(src) : NULL;
    if (*dst)
        cut_chars(*dst, max);
}

bool sl_set_address(struct scrape_listing *l, const char *text)
{
    if (l->address || !text)
        return l->address != NULL;
    struct scrape_address a;
    if (!scrape_norm_address(text, &a))
        return false;
    bool fits = count_chars(a.address) <= SCRAPE_ADDRESS_MAX;
    if (fits) {
        l->address = a.address;
        a.address = NULL;
        set_capped(&l->unit, a.unit, UNIT_CHARS);
        set_capped(&l->city, a.city, CITY_CHARS);
        set_capped(&l->state, a.state, STATE_CHARS);
        set_capped(&l->zip, a.zip, ZIP_CHARS);
    }
    scrape_address_cleanup(&a);
    return fits;
}

void sl_set_url(struct scrape_listing *l, const struct sdoc *d, const char *ref)
{
    if (l->url || !ref)
        return;
    l->url = scrape_url_resolve(d->base, ref);
}

void sl_add_image(struct scrape_listing *l, const struct sdoc *d, const char *ref)
{
    if (!ref || l->n_images >= SCRAPE_MAX_IMAGES || scrape_url_is_placeholder(ref))
        return;
    char *url = scrape_url_resolve(d->base, ref);
    if (!url || scrape_url_is_placeholder(url)) {
        free(url);
        return;
    }
    for (size_t i = 0; i < l->n_images; i++) {
        if (strcmp(l->images[i], url) == 0) {
            free(url);
            return;
        }
    }
    l->images = mem_reallocarray(l->images, l->n_images + 1, sizeof *l->images);
    l->images[l->n_images++] = url;
}

const char *sl_img_source(const xmlNode *img)
{
    static const char *const lazy[] = {"data-original", "data-src",  "data-lazy-src",
                                       "data-lazy",     "data-full", "data-large", NULL};
    const xmlNode *a = img->parent;
    const char *href = sd_is(a, "a") ? sd_attr(a, "href") : NULL;
    if (href && scrape_url_is_image(href) && !scrape_url_is_placeholder(href))
        return href;
    for (int i = 0; lazy[i]; i++) {
        const char *v = sd_attr(img, lazy[i]);
        if (v && *v && !scrape_url_is_placeholder(v))
            return v;
    }
    const char *src = sd_attr(img, "src");
    return src && *src && !scrape_url_is_placeholder(src) ? src : NULL;
}

void sl_set_text(char **dst, const char *text, size_t max_chars)
{
    if (*dst || !text)
        return;
    *dst = sd_clean(text, max_chars * 4);
    if (*dst)
        cut_chars(*dst, max_chars);
}

void sl_set_date(struct scrape_listing *l, const struct sdoc *d, const char *text)
{
    char out[11];
    if (!l->available_date && text && scrape_norm_date(text, d->today, out))
        l->available_date = mem_strdup(out);
}

void sl_set_price(struct scrape_listing *l, const char *text)
{
    if (!l->has_price && text)
        l->has_price = scrape_norm_price(text, &l->price);
}

void sl_set_facts(struct scrape_listing *l, const char *text)
{
    struct scrape_facts f;
    scrape_norm_facts(text, &f);
    if (!l->has_bedrooms && f.has_bedrooms) {
        l->has_bedrooms = true;
        l->bedrooms = f.bedrooms;
    }
    if (!l->has_bathrooms && f.has_bathrooms) {
        l->has_bathrooms = true;
        l->bathrooms = f.bathrooms;
    }
    if (!l->has_square_feet && f.has_square_feet) {
        l->has_square_feet = true;
        l->square_feet = f.square_feet;
    }
}

void sl_set_sqft(struct scrape_listing *l, const char *text)
{
    if (!l->has_square_feet && text)
        l->has_square_feet = scrape_norm_square_feet(text, &l->square_feet);
}

char *sl_text(const xmlNode *n)
{
    return n ? sd_text(n, 0, SCRAPE_TEXT_MAX) : NULL;
}

const char *sl_property_type(const char *word)
{
    static const struct {
        const char *mark, *type;
    } types[] = {{"singlefamily", "house"}, {"single family", "house"}, {"townho", "townhouse"},
                 {"condo", "condo"},          {"duplex", "duplex"},         {"studio", "studio"},
                 {"multifamily", "apartment"}, {"multi family", "apartment"},
                 {"apartment", "apartment"},  {"house", "house"},           {"room", "room"}};
    for (size_t i = 0; word && i < sizeof types / sizeof *types; i++)
        if (sd_find_ci(word, types[i].mark))
            return types[i].type;
    return NULL;
}

/* ---- cleanup, merging ------------------------------------------------------------------------ */

void scrape_listing_cleanup(struct scrape_listing *l)
{
    free(l->address);
    free(l->unit);
    free(l->city);
    free(l->state);
    free(l->zip);
    free(l->available_date);
    free(l->url);
    for (size_t i = 0; i < l->n_images; i++)
        free(l->images[i]);
    free(l->images);
    free(l->description);
    free(l->property_type);
    free(l->site_id);
    memset(l, 0, sizeof *l);
}

static int fullness(const struct scrape_listing *l)
{
    return l->has_price + l->has_bedrooms + l->has_bathrooms + l->has_square_feet +
           (l->available_date != NULL) + (l->url != NULL) + (l->n_images > 0) +
           (l->city != NULL) + (l->zip != NULL) + (l->description != NULL);
}

static void take_str(char **dst, char **src)
{
    if (!*dst && *src) {
        *dst = *src;
        *src = NULL;
    }
}

/* Fills a's gaps from b, taking b's strings (b is left partly emptied). */
static void fill_from(struct scrape_listing *a, struct scrape_listing *b)
{
    if (!a->has_price && b->has_price) {
        a->has_price = true;
        a->price = b->price;
    }
    if (!a->has_bedrooms && b->has_bedrooms) {
        a->has_bedrooms = true;
        a->bedrooms = b->bedrooms;
    }
    if (!a->has_bathrooms && b->has_bathrooms) {
        a->has_bathrooms = true;
        a->bathrooms = b->bathrooms;
    }
    if (!a->has_square_feet && b->has_square_feet) {
        a->has_square_feet = true;
        a->square_feet = b->square_feet;
    }
    take_str(&a->available_date, &b->available_date);
    take_str(&a->url, &b->url);
    take_str(&a->description, &b->description);
    take_str(&a->property_type, &b->property_type);
    take_str(&a->site_id, &b->site_id);
    if (!a->address) {
        take_str(&a->address, &b->address);
        take_str(&a->unit, &b->unit);
        take_str(&a->city, &b->city);
        take_str(&a->state, &b->state);
        take_str(&a->zip, &b->zip);
    }
    if (a->n_images == 0 && b->n_images) {
        a->images = b->images;
        a->n_images = b->n_images;
        b->images = NULL;
        b->n_images = 0;
    }
}

static char **copy_images(char *const *images, size_t n)
{
    char **out = mem_reallocarray(NULL, n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = mem_strdup(images[i]);
    return out;
}

void scrape_listing_merge(struct scrape_listing *d, const struct scrape_listing *detail)
{
    struct scrape_listing copy = *detail;
    copy.available_date = detail->available_date ? mem_strdup(detail->available_date) : NULL;
    copy.url = detail->url ? mem_strdup(detail->url) : NULL;
    copy.description = detail->description ? mem_strdup(detail->description) : NULL;
    copy.property_type = detail->property_type ? mem_strdup(detail->property_type) : NULL;
    copy.site_id = detail->site_id ? mem_strdup(detail->site_id) : NULL;
    copy.address = copy.unit = copy.city = copy.state = copy.zip = NULL;
    copy.images = NULL;
    copy.n_images = 0;
    if (detail->n_images) {
        for (size_t i = 0; i < d->n_images; i++)
            free(d->images[i]);
        free(d->images);
        d->images = copy_images(detail->images, detail->n_images);
        d->n_images = detail->n_images;
    }
    fill_from(d, &copy);
    scrape_listing_cleanup(&copy);
}

bool scrape_listing_incomplete(const struct scrape_listing *l)
{
    return l->url && (!l->has_price || !l->has_bedrooms || !l->has_bathrooms ||
                      !l->has_square_feet || !l->available_date || l->n_images == 0);
}

/* ---- the page's list ------------------------------------------------------------------------ */

void slist_init(struct slist *s, struct scrape_result *r)
{
    s->r = r;
    s->by_url = mem_zalloc(1, sizeof *s->by_url);
    s->by_addr = mem_zalloc(1, sizeof *s->by_addr);
    for (size_t i = 0; i < r->n; i++) {
        smap_put(s->by_url, r->items[i].url, i);
        smap_put(s->by_addr, r->items[i].address, i);
    }
}

void slist_cleanup(struct slist *s)
{
    smap_free(s->by_url);
    smap_free(s->by_addr);
    s->by_url = s->by_addr = NULL;
}

void slist_add(struct slist *s, struct scrape_listing *l)
{
    struct scrape_result *r = s->r;
    if (!l->address || !(l->has_price || l->has_bedrooms)) {
        scrape_listing_cleanup(l);
        return;
    }
    size_t i;
    if (smap_get(s->by_url, l->url, &i) || smap_get(s->by_addr, l->address, &i)) {
        struct scrape_listing *e = &r->items[i];
        if (fullness(l) > fullness(e)) {
            struct scrape_listing t = *e;
            *e = *l;
            *l = t;
        }
        fill_from(e, l);
        scrape_listing_cleanup(l);
    } else if (r->n >= SCRAPE_MAX_LISTINGS) {
        r->truncated = true;
        scrape_listing_cleanup(l);
        return;
    } else {
        if ((r->n & (r->n - 1)) == 0)
            r->items = mem_reallocarray(r->items, r->n ? r->n * 2 : 1, sizeof *r->items);
        i = r->n++;
        r->items[i] = *l;
        memset(l, 0, sizeof *l);
    }
    smap_put(s->by_url, r->items[i].url, i);
    smap_put(s->by_addr, r->items[i].address, i);
}

void scrape_result_absorb(struct scrape_result *into, struct scrape_result *from)
{
    struct slist s;
    slist_init(&s, into);
    for (size_t i = 0; i < from->n; i++)
        slist_add(&s, &from->items[i]);
    slist_cleanup(&s);
    free(from->items);
    from->items = NULL;
    from->n = 0;
}

void scrape_result_cleanup(struct scrape_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        scrape_listing_cleanup(&r->items[i]);
    free(r->items);
    free(r->next_url);
    memset(r, 0, sizeof *r);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_t *number(double v)
{
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *scrape_listing_to_json(const struct scrape_listing *l)
{
    json_t *j_images = json_array();
    for (size_t i = 0; i < l->n_images; i++)
        json_array_append_new(j_images, json_string(l->images[i]));
    json_t *j = json_object();
    json_object_set_new(j, "property_address", str_or_null(l->address));
    json_object_set_new(j, "unit", str_or_null(l->unit));
    json_object_set_new(j, "city", str_or_null(l->city));
    json_object_set_new(j, "state", str_or_null(l->state));
    json_object_set_new(j, "zip", str_or_null(l->zip));
    json_object_set_new(j, "price", l->has_price ? number(l->price) : json_null());
    json_object_set_new(j, "bedrooms", l->has_bedrooms ? json_integer(l->bedrooms) : json_null());
    json_object_set_new(j, "bathrooms", l->has_bathrooms ? number(l->bathrooms) : json_null());
    json_object_set_new(j, "square_feet",
                        l->has_square_feet ? json_integer(l->square_feet) : json_null());
    json_object_set_new(j, "available_date", str_or_null(l->available_date));
    json_object_set_new(j, "url", str_or_null(l->url));
    json_object_set_new(j, "images", j_images);
    return j;
}

json_t *scrape_result_to_json(const struct scrape_result *r)
{
    json_t *j = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(j, scrape_listing_to_json(&r->items[i]));
    return j;
}
