/* SPDX-License-Identifier: MIT */
/* schema.org JSON-LD: every application/ld+json script of the page is parsed with Jansson (whose
 * own depth limit, 2,048, refuses absurd nesting) and walked with an explicit stack, at most
 * LD_DEPTH levels and LD_NODES nodes per page. Residences (Apartment, SingleFamilyResidence,
 * House, ...) are listings wherever they sit: directly, in an ItemList's items, a @graph or a
 * top-level array, as an Offer's itemOffered or a RealEstateListing's about/mainEntity (also
 * when those refer to a node by @id). Price, availability, URL and photos come from the
 * residence, else from the Offer or RealEstateListing around it. Organisations and their
 * addresses are not residences, so they never become listings. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

#define LD_DEPTH 64
#define LD_NODES 200000
#define LD_OFFERS 100

static const char *const residence_types[] = {"Apartment", "SingleFamilyResidence", "House",
                                              "Residence", "Accommodation", "Room", "Suite",
                                              NULL};
static const char *const offer_types[] = {"Offer", "AggregateOffer", NULL};
static const char *const listing_types[] = {"RealEstateListing", NULL};

/* A type name without a schema.org prefix. */
static const char *bare_type(const char *t)
{
    static const char *const prefixes[] = {"https://schema.org/", "http://schema.org/",
                                           "schema:", NULL};
    for (int i = 0; prefixes[i]; i++)
        if (sd_starts_ci(t, prefixes[i]))
            return t + strlen(prefixes[i]);
    return t;
}

static bool type_in(const json_t *j, const char *const *names)
{
    const json_t *j_t = json_object_get(j, "@type");
    size_t n = json_is_array(j_t) ? json_array_size(j_t) : 1;
    for (size_t i = 0; i < n && i < 16; i++) {
        const json_t *j_one = json_is_array(j_t) ? json_array_get(j_t, i) : j_t;
        const char *t = json_string_value(j_one);
        for (int k = 0; t && names[k]; k++)
            if (strcmp(bare_type(t), names[k]) == 0)
                return true;
    }
    return false;
}

/* The first type name of j that is one of names, or NULL. */
static const char *first_type(const json_t *j, const char *const *names)
{
    const json_t *j_t = json_object_get(j, "@type");
    size_t n = json_is_array(j_t) ? json_array_size(j_t) : 1;
    for (size_t i = 0; i < n && i < 16; i++) {
        const char *t = json_string_value(json_is_array(j_t) ? json_array_get(j_t, i) : j_t);
        for (int k = 0; t && names[k]; k++)
            if (strcmp(bare_type(t), names[k]) == 0)
                return names[k];
    }
    return NULL;
}

/* A value's number: a JSON number, a string holding one ("1,086", "$1,050", "812 sq ft"), or
 * the value of a QuantitativeValue; the first element of an array. */
static bool ld_number(const json_t *v, double *out)
{
    for (int i = 0; i < 4 && v; i++) {
        if (json_is_array(v))
            v = json_array_get(v, 0);
        else if (json_is_object(v))
            v = json_object_get(v, "value") ? json_object_get(v, "value")
                                             : json_object_get(v, "@value");
        else
            break;
    }
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (!s)
        return false;
    char buf[64];
    size_t k = 0;
    while (*s == ' ' || *s == '$')
        s++;
    for (; *s && k + 1 < sizeof buf; s++) {
        if (*s == ',')
            continue;
        if (!isdigit((unsigned char)*s) && *s != '.')
            break;
        buf[k++] = *s;
    }
    buf[k] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (k == 0 || end == buf)
        return false;
    *out = d;
    return true;
}

static const json_t *first(const json_t *v)
{
    return json_is_array(v) ? json_array_get(v, 0) : v;
}

/* ---- price and availability from offers ------------------------------------------------- */

static void lowest(const json_t *v, double *best, bool *found)
{
    double p;
    if (json_is_string(v)) {
        if (!scrape_norm_price(json_string_value(v), &p))
            return;
    } else if (!ld_number(v, &p) || p <= 0 || p >= 1000000) {
        return;
    }
    if (!*found || p < *best) {
        *best = p;
        *found = true;
    }
}

static void offer_prices(const json_t *o, double *best, bool *found)
{
    lowest(json_object_get(o, "price"), best, found);
    lowest(json_object_get(o, "lowPrice"), best, found);
    const json_t *j_spec = json_object_get(o, "priceSpecification");
    size_t n = json_is_array(j_spec) ? json_array_size(j_spec) : 1;
    for (size_t i = 0; i < n && i < LD_OFFERS; i++) {
        const json_t *j_s = json_is_array(j_spec) ? json_array_get(j_spec, i) : j_spec;
        lowest(json_object_get(j_s, "price"), best, found);
        lowest(json_object_get(j_s, "minPrice"), best, found);
    }
}

static void from_offers(struct scrape_listing *l, const struct sdoc *d, const json_t *j_offers)
{
    size_t n = json_is_array(j_offers) ? json_array_size(j_offers) : 1;
    double best = 0;
    bool found = false, in_stock = false;
    for (size_t i = 0; i < n && i < LD_OFFERS; i++) {
        const json_t *o = json_is_array(j_offers) ? json_array_get(j_offers, i) : j_offers;
        if (!json_is_object(o))
            continue;
        offer_prices(o, &best, &found);
        sl_set_date(l, d, json_string_value(json_object_get(o, "availabilityStarts")));
        const char *av = json_string_value(json_object_get(o, "availability"));
        size_t k = av ? strlen(av) : 0;
        in_stock = in_stock || (k >= 7 && sd_starts_ci(av + k - 7, "InStock"));
    }
    if (found && !l->has_price) {
        l->has_price = true;
        l->price = floor(best * 100 + 0.5) / 100;
    }
    if (!l->available_date && in_stock)
        l->available_date = mem_strdup("now");
}

/* ---- one residence ------------------------------------------------------------------------ */

static void add_part(struct sbuf *b, const json_t *j, const char *sep)
{
    const char *s = json_string_value(first(j));
    if (!s || !*s)
        return;
    if (b->n)
        sbuf_put(b, sep, strlen(sep));
    sbuf_put(b, s, strlen(s));
}

static void ld_address(struct scrape_listing *l, const json_t *r)
{
    const json_t *j_a = first(json_object_get(r, "address"));
    if (json_is_string(j_a)) {
        sl_set_address(l, json_string_value(j_a));
    } else if (json_is_object(j_a)) {
        struct sbuf b = {0};
        add_part(&b, json_object_get(j_a, "streetAddress"), "");
        add_part(&b, json_object_get(j_a, "addressLocality"), ", ");
        add_part(&b, json_object_get(j_a, "addressRegion"), ", ");
        add_part(&b, json_object_get(j_a, "postalCode"),
                 json_object_get(j_a, "addressRegion") ? " " : ", ");
        char *text = sbuf_take(&b);
        sl_set_address(l, text);
        free(text);
    }
    if (!l->address)
        sl_set_address(l, json_string_value(json_object_get(r, "name")));
}

static void ld_images(struct scrape_listing *l, const struct sdoc *d, const json_t *j_img)
{
    size_t n = json_is_array(j_img) ? json_array_size(j_img) : 1;
    for (size_t i = 0; i < n && l->n_images < SCRAPE_MAX_IMAGES && i < 4 * SCRAPE_MAX_IMAGES; i++) {
        const json_t *j = json_is_array(j_img) ? json_array_get(j_img, i) : j_img;
        if (json_is_object(j))
            j = json_object_get(j, "url") ? json_object_get(j, "url")
                                          : json_object_get(j, "contentUrl");
        sl_add_image(l, d, json_string_value(first(j)));
    }
}

static void ld_rooms(struct scrape_listing *l, const json_t *r)
{
    double v, full, part;
    if (ld_number(json_object_get(r, "numberOfBedrooms"), &v) && v >= 0 && v <= 20 &&
        v == (double)(int64_t)v) {
        l->has_bedrooms = true;
        l->bedrooms = (int64_t)v;
    }
    bool has = ld_number(json_object_get(r, "numberOfBathroomsTotal"), &v);
    if (!has && ld_number(json_object_get(r, "numberOfFullBathrooms"), &full)) {
        if (!ld_number(json_object_get(r, "numberOfPartialBathrooms"), &part))
            part = 0;
        v = full + part / 2;
        has = true;
    }
    if (has && v >= 0 && v <= 20) {
        l->has_bathrooms = true;
        l->bathrooms = floor(v * 2) / 2;
    }
    if (ld_number(json_object_get(r, "floorSize"), &v) && v >= 1 && v <= 10000000) {
        l->has_square_feet = true;
        l->square_feet = (int64_t)(v + 0.5);
    }
}

struct ldctx {
    const json_t *offer, *listing;
};

static void ld_listing(struct sdoc *d, struct slist *out, const json_t *r, struct ldctx c)
{
    struct scrape_listing l = {0};
    ld_address(&l, r);
    ld_rooms(&l, r);
    const json_t *j_offers = json_object_get(r, "offers");
    if (!j_offers && c.listing)
        j_offers = json_object_get(c.listing, "offers");
    if (!j_offers)
        j_offers = c.offer;
    from_offers(&l, d, j_offers);
    sl_set_url(&l, d, json_string_value(first(json_object_get(r, "url"))));
    if (c.listing)
        sl_set_url(&l, d, json_string_value(first(json_object_get(c.listing, "url"))));
    if (c.offer)
        sl_set_url(&l, d, json_string_value(first(json_object_get(c.offer, "url"))));
    ld_images(&l, d, json_object_get(r, "image"));
    if (l.n_images == 0 && c.listing)
        ld_images(&l, d, json_object_get(c.listing, "image"));
    sl_set_text(&l.description, json_string_value(first(json_object_get(r, "description"))),
                SCRAPE_DESC_MAX);
    const char *t = first_type(r, residence_types);
    if (t && sl_property_type(t))
        l.property_type = mem_strdup(sl_property_type(t));
    if (l.url)
        l.site_id = scrape_url_last_segment(l.url);
    slist_add(out, &l);
}

/* ---- the walk ----------------------------------------------------------------------------- */

struct frame {
    const json_t *j;
    struct ldctx c;
    int depth;
};

struct stack {
    struct frame *f;
    size_t n, cap;
};

static void push(struct stack *s, const json_t *j, struct ldctx c, int depth)
{
    if (!json_is_object(j) && !json_is_array(j))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->f = mem_reallocarray(s->f, s->cap, sizeof *s->f);
    }
    s->f[s->n++] = (struct frame){j, c, depth};
}

/* Every node with an @id and a body, by @id, so that {"@id": ...} references resolve. */
static void collect_ids(const json_t *root, json_t *j_ids, long *budget)
{
    struct stack s = {0};
    push(&s, root, (struct ldctx){0}, 0);
    while (s.n && --*budget > 0) {
        struct frame f = s.f[--s.n];
        if (f.depth >= LD_DEPTH)
            continue;
        if (json_is_array(f.j)) {
            size_t i;
            const json_t *j_v;
            json_array_foreach(f.j, i, j_v) push(&s, j_v, f.c, f.depth + 1);
            continue;
        }
        const char *id = json_string_value(json_object_get(f.j, "@id"));
        if (id && json_object_size(f.j) > 2 && !json_object_get(j_ids, id))
            json_object_set(j_ids, id, (json_t *)f.j);
        const char *key;
        const json_t *j_v;
        json_object_foreach((json_t *)f.j, key, j_v) push(&s, j_v, f.c, f.depth + 1);
    }
    free(s.f);
}

/* v, or the node it refers to when it is only {"@id": ...} (and maybe @type). */
static const json_t *deref(const json_t *v, const json_t *j_ids)
{
    if (!json_is_object(v) || json_object_size(v) > 2)
        return v;
    const char *id = json_string_value(json_object_get(v, "@id"));
    const json_t *t = id ? json_object_get(j_ids, id) : NULL;
    return t ? t : v;
}

/* Pushes the members of object j in reverse, so they come off the stack in document order. */
static void push_members(struct stack *s, const json_t *j, struct ldctx c, int depth,
                         const json_t *j_ids)
{
    size_t n = json_object_size(j), k = 0;
    const json_t **v = mem_reallocarray(NULL, n ? n : 1, sizeof *v);
    const char *key;
    const json_t *j_v;
    json_object_foreach((json_t *)j, key, j_v) v[k++] = deref(j_v, j_ids);
    while (k)
        push(s, v[--k], c, depth);
    free(v);
}

static void walk(struct sdoc *d, struct slist *out, const json_t *root, const json_t *j_ids,
                 long *budget)
{
    struct stack s = {0};
    push(&s, root, (struct ldctx){0}, 0);
    while (s.n && --*budget > 0) {
        struct frame f = s.f[--s.n];
        if (json_is_array(f.j)) {
            for (size_t i = json_array_size(f.j); i-- > 0 && f.depth < LD_DEPTH;)
                push(&s, deref(json_array_get(f.j, i), j_ids), f.c, f.depth + 1);
            continue;
        }
        if (type_in(f.j, residence_types)) {
            ld_listing(d, out, f.j, f.c);
            continue;
        }
        struct ldctx c = f.c;
        if (type_in(f.j, offer_types))
            c.offer = f.j;
        if (type_in(f.j, listing_types))
            c.listing = f.j;
        if (f.depth < LD_DEPTH)
            push_members(&s, f.j, c, f.depth + 1, j_ids);
    }
    free(s.f);
}

/* The script's JSON; a second try reads from the first '{' or '[' to the last '}' or ']' (HTML
 * comment and CDATA wrappers, a trailing ';') with control characters made spaces (raw newlines
 * inside strings are common). New reference or NULL. */
static json_t *ld_parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (j)
        return j;
    const char *a = strpbrk(text, "{[");
    const char *z = NULL;
    for (const char *p = a; p && *p; p++)
        if (*p == '}' || *p == ']')
            z = p;
    if (!a || !z)
        return NULL;
    char *s = mem_strndup(a, (size_t)(z - a) + 1);
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    j = json_loads(s, JSON_DECODE_ANY, &err);
    free(s);
    return j;
}

void scrape_jsonld(struct sdoc *d, struct slist *out)
{
    long budget = LD_NODES;
    for (size_t i = 0; i < d->n_ld && budget > 0; i++) {
        json_t *j_root = ld_parse(d->ld[i]);
        if (!j_root)
            continue;
        json_t *j_ids = json_object();
        collect_ids(j_root, j_ids, &budget);
        walk(d, out, j_root, j_ids, &budget);
        json_decref(j_ids);
        json_decref(j_root);
    }
}
