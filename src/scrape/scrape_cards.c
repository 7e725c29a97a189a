/* SPDX-License-Identifier: MIT */
/* The generic card heuristic, for sites no other extractor knows. The page's text is read as
 * lines (block elements and <br> end a line). An address line starts with a house number and a
 * street, and either names a state or ends in a street type (St, Ave...); a following
 * "City, ST zip" line completes it. A listing's card is the smallest element around an address
 * line (at most MAX_UP levels up) that also holds a rent or a bedroom count ("evidence") and no
 * other address. Cards nested in cards (an unclosed </div>) are found inside out: a card already
 * claimed is left out of its ancestors, which are tried again in a later pass, so neither the
 * inner nor the outer listing is lost or merged. Fields are read from the card's own lines,
 * elements and links, never from a card nested in it.
 *
 * Work: positions are the document-order numbers of struct sdoc, so "inside element E" is a range
 * test and the lists of address and evidence lines are searched by bisection; ranges already
 * claimed are jumped over; every loop charges the page's heuristic budget. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

#define MAX_UP 12        /* levels from an address line up to its card */
#define PASSES 4         /* nesting levels of cards resolved */
#define LINE_MAX_ADDR 200 /* bytes of a line that can be an address */

struct anchor {
    size_t line;
    size_t num;           /* position of the line's first text node */
    char *key;            /* canonical address */
    char *text;           /* the address as read (the line, or with the next line) */
    const xmlNode *card;
};

struct cards {
    struct sdoc *d;
    struct sd_line *lines;
    size_t n_lines;
    char *buf;
    struct anchor *anchors;
    size_t n_anchors;
    size_t *evidence;     /* positions of lines with a rent or a bedroom count */
    size_t n_evidence;
    const xmlNode **nodes; /* position → node */
    size_t *parent;        /* position → parent's position (0: none) */
    size_t *card_of;       /* position → 1 + the anchor whose card the element is (0: none) */
    size_t *owner;         /* position → innermost card around it (0: none) */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- reading the page --------------------------------------------------------------------- */

static void index_nodes(struct cards *c)
{
    struct sdoc *d = c->d;
    c->nodes = mem_zalloc(d->n_nodes + 1, sizeof *c->nodes);
    c->parent = mem_zalloc(d->n_nodes + 1, sizeof *c->parent);
    c->card_of = mem_zalloc(d->n_nodes + 1, sizeof *c->card_of);
    c->owner = mem_zalloc(d->n_nodes + 1, sizeof *c->owner);
    for (xmlNodePtr n = d->doc->children; n; n = sd_next(n, (xmlNodePtr)d->doc, false)) {
        size_t k = sd_num(n);
        if (k == 0 || k > d->n_nodes)
            continue;
        c->nodes[k] = n;
        c->parent[k] = n->parent ? sd_num(n->parent) : 0;
    }
}

static bool has_evidence(const char *line)
{
    for (const char *p = strchr(line, '$'); p; p = strchr(p + 1, '$')) {
        const char *q = p + 1;
        while (*q == ' ')
            q++;
        if (is_digit(*q))
            return true;
    }
    struct scrape_facts f;
    scrape_norm_facts(line, &f);
    return f.has_bedrooms;
}

/* An office's address ("..., Suite 300") is never a rental unit. */
static bool office(const char *t)
{
    for (const char *p = t; (p = sd_find_ci(p, "s")) != NULL; p++)
        if ((p == t || p[-1] == ' ' || p[-1] == ',') &&
            (sd_starts_ci(p, "suite ") || sd_starts_ci(p, "ste ") || sd_starts_ci(p, "ste. ")))
            return true;
    return false;
}

/* The address line i starts, if any: its canonical key and the text it was read from. */
static bool address_line(const struct cards *c, size_t i, char **key, char **text)
{
    const char *t = c->lines[i].text;
    if (!is_digit(*t) || strlen(t) > LINE_MAX_ADDR || office(t))
        return false;
    struct scrape_address a;
    if (!scrape_norm_address(t, &a))
        return false;
    char *used = mem_strdup(t);
    if (!a.state && i + 1 < c->n_lines && !is_digit(c->lines[i + 1].text[0]) &&
        strlen(c->lines[i + 1].text) <= LINE_MAX_ADDR) {
        struct sbuf b = {0};
        sbuf_put(&b, t, strlen(t));
        sbuf_put(&b, ", ", 2);
        sbuf_put(&b, c->lines[i + 1].text, strlen(c->lines[i + 1].text));
        char *both = sbuf_take(&b);
        struct scrape_address a2;
        if (scrape_norm_address(both, &a2) && a2.state && a2.city &&
            strcmp(a2.street, a.street) == 0) {
            scrape_address_cleanup(&a);
            a = a2;
            free(used);
            used = both;
            both = NULL;
        } else if (a2.address) {
            scrape_address_cleanup(&a2);
        }
        free(both);
    }
    bool ok = a.state || sa_street_has_suffix(a.street);
    if (ok) {
        *key = a.address;
        a.address = NULL;
        *text = used;
    } else {
        free(used);
    }
    scrape_address_cleanup(&a);
    return ok;
}

static void read_lines(struct cards *c)
{
    c->n_lines = sd_lines(c->d->root, &c->lines, &c->buf);
    size_t cap_a = 0, cap_e = 0;
    for (size_t i = 0; i < c->n_lines && sd_spend(c->d, 1); i++) {
        char *key = NULL, *text = NULL;
        if (address_line(c, i, &key, &text)) {
            if (c->n_anchors == cap_a) {
                cap_a = cap_a ? cap_a * 2 : 64;
                c->anchors = mem_reallocarray(c->anchors, cap_a, sizeof *c->anchors);
            }
            c->anchors[c->n_anchors++] =
                (struct anchor){.line = i, .num = c->lines[i].num, .key = key, .text = text};
        }
        if (has_evidence(c->lines[i].text)) {
            if (c->n_evidence == cap_e) {
                cap_e = cap_e ? cap_e * 2 : 64;
                c->evidence = mem_reallocarray(c->evidence, cap_e, sizeof *c->evidence);
            }
            c->evidence[c->n_evidence++] = c->lines[i].num;
        }
    }
}

/* ---- finding the cards -------------------------------------------------------------------- */

/* First index of the sorted positions arr[0..n) that is >= v. */
static size_t lower_bound(const size_t *arr, size_t n, size_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (arr[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t anchor_at(const struct cards *c, size_t v)
{
    size_t lo = 0, hi = c->n_anchors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->anchors[mid].num < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t line_at(const struct cards *c, size_t v)
{
    size_t lo = 0, hi = c->n_lines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->lines[mid].num < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void compute_owner(struct cards *c)
{
    for (size_t k = 1; k <= c->d->n_nodes; k++)
        c->owner[k] = c->card_of[k] ? k : c->owner[c->parent[k]];
}

/* Another address, not inside a card already claimed within e, in element e. */
static bool other_address(struct cards *c, const xmlNode *e, const struct anchor *self)
{
    size_t lo = sd_num(e), hi = sd_end(c->d, e);
    for (size_t j = anchor_at(c, lo); j < c->n_anchors && c->anchors[j].num < hi;) {
        if (!sd_spend(c->d, 1))
            return true;
        size_t o = c->owner[c->anchors[j].num];
        if (o > lo) {
            j = anchor_at(c, c->d->end[o]);
            continue;
        }
        if (strcmp(c->anchors[j].key, self->key) != 0)
            return true;
        j++;
    }
    return false;
}

/* A rent or a bedroom count in e, outside the cards claimed within it. */
static bool evidence_in(struct cards *c, const xmlNode *e)
{
    size_t lo = sd_num(e), hi = sd_end(c->d, e);
    for (size_t j = lower_bound(c->evidence, c->n_evidence, lo);
         j < c->n_evidence && c->evidence[j] < hi;) {
        if (!sd_spend(c->d, 1))
            return false;
        size_t o = c->owner[c->evidence[j]];
        if (o > lo) {
            j = lower_bound(c->evidence, c->n_evidence, c->d->end[o]);
            continue;
        }
        return true;
    }
    return false;
}

/* Finds anchor ai's card, walking up from its line; true when it has one now. */
static bool assign(struct cards *c, size_t ai)
{
    struct anchor *a = &c->anchors[ai];
    const xmlNode *e = c->nodes[a->num] ? c->nodes[a->num]->parent : NULL;
    for (int up = 0; e && e->type == XML_ELEMENT_NODE && up < MAX_UP; up++, e = e->parent) {
        if (sd_is(e, "body") || sd_is(e, "html"))
            return false;
        size_t k = sd_num(e);
        if (c->card_of[k]) {
            if (strcmp(c->anchors[c->card_of[k] - 1].key, a->key) != 0)
                return false;
            a->card = e;
            return true;
        }
        if (other_address(c, e, a))
            return false;
        if (evidence_in(c, e)) {
            c->card_of[k] = ai + 1;
            a->card = e;
            return true;
        }
    }
    return false;
}

/* true when e holds an address other than key (claimed or not). */
static bool holds_other(struct cards *c, const xmlNode *e, const char *key)
{
    size_t hi = sd_end(c->d, e);
    for (size_t j = anchor_at(c, sd_num(e)); j < c->n_anchors && c->anchors[j].num < hi; j++)
        if (!sd_spend(c->d, 1) || strcmp(c->anchors[j].key, key) != 0)
            return true;
    return false;
}

/* The whole card around the element e found for anchor ai: the highest ancestor holding no
 * other address (the photo often sits beside the text, not in it). When no other address is in
 * reach, the page is no list of cards and e itself is kept. */
static const xmlNode *widen(struct cards *c, const xmlNode *e, const char *key)
{
    const xmlNode *a = e;
    for (int up = 0; up < MAX_UP; up++) {
        const xmlNode *p = a->parent;
        if (!p || p->type != XML_ELEMENT_NODE || sd_is(p, "body") || sd_is(p, "html"))
            return e;
        if (holds_other(c, p, key))
            return a;
        a = p;
    }
    return e;
}

static void find_cards(struct cards *c)
{
    bool progress = true;
    for (int pass = 0; pass < PASSES && progress; pass++) {
        compute_owner(c);
        progress = false;
        for (size_t i = 0; i < c->n_anchors && c->d->budget > 0; i++)
            if (!c->anchors[i].card && assign(c, i))
                progress = true;
    }
    /* The claims so far are the smallest cards; widen each and claim again. */
    for (size_t i = 0; i < c->n_anchors; i++) {
        struct anchor *a = &c->anchors[i];
        if (a->card && c->card_of[sd_num(a->card)] == i + 1)
            c->card_of[sd_num(a->card)] = 0;
        else
            a->card = NULL;
    }
    for (size_t i = 0; i < c->n_anchors; i++) {
        struct anchor *a = &c->anchors[i];
        if (!a->card)
            continue;
        a->card = widen(c, a->card, a->key);
        if (c->card_of[sd_num(a->card)])
            a->card = NULL; /* the same listing rendered twice in one wrapper */
        else
            c->card_of[sd_num(a->card)] = i + 1;
    }
    compute_owner(c);
}

/* ---- reading a card ----------------------------------------------------------------------- */

/* true when s holds word as a whole word (ASCII letters around it do not count as one). */
static bool has_word(const char *s, const char *word)
{
    size_t k = strlen(word);
    for (const char *p = s; (p = sd_find_ci(p, word)) != NULL; p++) {
        bool before = p > s && ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z');
        bool after = (p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'z';
        if (!before && !after)
            return true;
    }
    return false;
}

/* Links that are for something else than the listing's own page. */
static bool href_says_no(const char *href)
{
    static const char *const marks[] = {
        "apply",      "application", "showing",  "schedule",        "contact",
        "maps.google", "/maps",      "google.com/maps", "login",     "signin",
        "sign-in",    "guest_card",  "listable_uid", "inquir",      "/share",
        "facebook.com", "twitter.com", "/tour",  NULL};
    for (int i = 0; href && marks[i]; i++)
        if (sd_find_ci(href, marks[i]))
            return true;
    return false;
}

static bool text_says_no(const char *text)
{
    static const char *const words[] = {"apply", "application", "schedule", "showing", "contact",
                                        "map",   "tour",        "call",     "email",   "share",
                                        "print", NULL};
    for (int i = 0; text && words[i]; i++)
        if (has_word(text, words[i]))
            return true;
    return false;
}

/* The detail URL link a points to, or NULL when it is no detail link (new string). */
static char *detail_url(const struct cards *c, const xmlNode *a)
{
    const char *href = sd_attr(a, "href");
    char *url = href ? scrape_url_resolve(c->d->base, href) : NULL;
    char *self = scrape_url_resolve(c->d->page_url, "");
    char *text = url ? sl_text(a) : NULL;
    /* a link wrapping the whole card says "application fee" somewhere; only short link texts
     * ("Apply Now", "Map") tell what the link is for */
    bool bad = !url || scrape_url_is_image(url) || strcmp(url, c->d->base) == 0 ||
               (self && strcmp(url, self) == 0) || href_says_no(href) ||
               (text && strlen(text) <= 40 && text_says_no(text));
    free(self);
    free(text);
    if (bad) {
        free(url);
        return NULL;
    }
    return url;
}

struct found {
    const xmlNode *price;
    const xmlNode *first_link;
};

/* The card's own elements (nested cards left out): photos, the price element, the links. */
static void card_elements(struct cards *c, const xmlNode *card, struct scrape_listing *l,
                          struct found *f)
{
    for (const xmlNode *n = card; n;) {
        bool skip = n != card && n->type == XML_ELEMENT_NODE && c->card_of[sd_num(n)];
        if (!skip && n->type == XML_ELEMENT_NODE && sd_spend(c->d, 1)) {
            if (!f->price && (sd_class_word(n, "price") || sd_class_word(n, "rent")))
                f->price = n;
            if (sd_is(n, "img"))
                sl_add_image(l, c->d, sl_img_source(n));
            if (sd_is(n, "a") && !f->first_link) {
                char *url = detail_url(c, n);
                if (url)
                    f->first_link = n;
                free(url);
            }
        }
        n = sd_next(n, card, skip);
    }
}

/* The link around the address line, else the card's first detail link. */
static void card_url(struct cards *c, const struct anchor *a, struct scrape_listing *l,
                     const struct found *f)
{
    for (const xmlNode *n = c->nodes[a->num]; n && n != a->card->parent; n = n->parent) {
        if (sd_is(n, "a")) {
            l->url = detail_url(c, n);
            if (l->url)
                return;
        }
        if (n == a->card)
            break;
    }
    if (f->first_link)
        l->url = detail_url(c, f->first_link);
}

static bool monthly(const char *t)
{
    return sd_find_ci(t, "/mo") || sd_find_ci(t, "/ mo") || sd_find_ci(t, "per mo") ||
           sd_find_ci(t, "a month") || sd_find_ci(t, "monthly");
}

static bool not_rent(const char *t)
{
    static const char *const words[] = {"deposit", "fee",     "application", "pet",
                                        "parking", "special", " off",        "save",
                                        "utilit",  "garage",  "storage",     "discount",
                                        "credit",  NULL};
    for (int i = 0; words[i]; i++)
        if (sd_find_ci(t, words[i]))
            return true;
    return false;
}

static bool is_date_line(const char *t)
{
    return sd_starts_ci(t, "avail") || sd_starts_ci(t, "date avail") ||
           sd_starts_ci(t, "move-in") || sd_starts_ci(t, "move in");
}

/* The card's own lines: sizes, rooms, rent (when no price element said it), availability, and
 * its longest line of prose as the description. */
static void card_lines(struct cards *c, const xmlNode *card, struct scrape_listing *l)
{
    size_t lo = sd_num(card), hi = sd_end(c->d, card), prose = 40;
    const char *monthly_line = NULL, *dollar_first = NULL, *dollar_any = NULL, *desc = NULL;
    size_t n = c->n_lines;
    for (size_t i = line_at(c, lo); i < n && c->lines[i].num < hi && sd_spend(c->d, 1); i++) {
        if (c->owner[c->lines[i].num] != lo)
            continue;
        const char *t = c->lines[i].text;
        sl_set_facts(l, t);
        if (is_date_line(t))
            sl_set_date(l, c->d, t);
        else if (strlen(t) > prose && !is_digit(t[0])) {
            desc = t;
            prose = strlen(t);
        }
        if (!strchr(t, '$') || not_rent(t))
            continue;
        if (!monthly_line && monthly(t))
            monthly_line = t;
        if (!dollar_first && t[0] == '$')
            dollar_first = t;
        if (!dollar_any)
            dollar_any = t;
    }
    sl_set_price(l, monthly_line);
    sl_set_price(l, dollar_first);
    sl_set_price(l, dollar_any);
    sl_set_text(&l->description, desc, SCRAPE_DESC_MAX);
}

static void read_card(struct cards *c, struct slist *out, size_t ai)
{
    const struct anchor *a = &c->anchors[ai];
    struct scrape_listing l = {0};
    struct found f = {0};
    sl_set_address(&l, a->text);
    card_elements(c, a->card, &l, &f);
    card_url(c, a, &l, &f);
    if (f.price) {
        char *t = sl_text(f.price);
        sl_set_price(&l, t);
        free(t);
    }
    card_lines(c, a->card, &l);
    slist_add(out, &l);
}

static int by_card(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

void scrape_cards(struct sdoc *d, struct slist *out)
{
    struct cards c = {.d = d};
    index_nodes(&c);
    read_lines(&c);
    if (c.n_anchors && c.n_evidence)
        find_cards(&c);
    size_t *order = mem_zalloc(c.n_anchors + 1, sizeof *order);
    size_t n = 0;
    for (size_t i = 0; i < c.n_anchors; i++) {
        const xmlNode *card = c.anchors[i].card;
        if (card && c.card_of[sd_num(card)] == i + 1)
            order[n++] = sd_num(card);
    }
    qsort(order, n, sizeof *order, by_card);
    for (size_t i = 0; i < n && sd_spend(d, 1); i++)
        read_card(&c, out, c.card_of[order[i]] - 1);
    free(order);
    for (size_t i = 0; i < c.n_anchors; i++) {
        free(c.anchors[i].key);
        free(c.anchors[i].text);
    }
    free(c.anchors);
    free(c.evidence);
    free(c.lines);
    free(c.buf);
    free(c.nodes);
    free(c.parent);
    free(c.card_of);
    free(c.owner);
}
