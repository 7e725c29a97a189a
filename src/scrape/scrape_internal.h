/* SPDX-License-Identifier: MIT */
/* Folder-private parts of src/scrape/: the parsed page every extractor reads (struct sdoc,
 * scrape_doc.c), tree and text helpers over it (scrape_doc.c, scrape_text.c), URL resolution
 * (scrape_url.c), and the listing builder and per-page list that apply the caps and the
 * de-duplication (scrape_list.c). Nothing here is for other folders. */
#ifndef PETE_SCRAPE_INTERNAL_H
#define PETE_SCRAPE_INTERNAL_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scrape/scrape.h"

#define SCRAPE_TEXT_MAX 65536      /* bytes of one element's text read for a field */
#define SCRAPE_DESC_MAX 10000      /* characters of description */
#define SCRAPE_LD_MAX (1u << 20)   /* bytes of one JSON-LD script parsed */
#define SCRAPE_LD_SCRIPTS 64       /* JSON-LD scripts read per page */

/* ---- growable byte buffer (scrape_text.c) ------------------------------------------------ */

struct sbuf {
    char *p;
    size_t n, cap;
};
void sbuf_put(struct sbuf *b, const char *s, size_t n);
void sbuf_putc(struct sbuf *b, char c);
/* The bytes so far, NUL-terminated, as a new string (free()); b is emptied. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* ---- the parsed page (scrape_doc.c) ------------------------------------------------------ */

struct sdoc {
    xmlDocPtr doc;
    xmlNodePtr root;           /* <body> when there is one, else the root element */
    const char *page_url;
    const char *today;
    char *base;                /* what relative links resolve against */
    size_t n_nodes;            /* nodes numbered 1..n_nodes in document order (_private) */
    size_t *end;               /* end[k]: one past the highest number inside node k */
    char **ld;                 /* text of each application/ld+json script */
    size_t n_ld;
    char *canonical, *next, *og_title, *og_image, *og_url; /* <link>/<meta> values, or NULL */
    bool parse_stopped;        /* the parser's work budget ran out (hostile page) */
    long budget;               /* steps left for walks and heuristics (doc->_private is d) */
};

/* Decodes, parses and prepares a page (see scrape.h). APP_OK with d->doc NULL when libxml2
 * made nothing of the bytes. Release with sdoc_close, also after an error. */
app_err sdoc_open(struct sdoc *d, const char *body, size_t len, const char *charset,
                  const char *page_url, const char *today);
void sdoc_close(struct sdoc *d);
/* The body as well-formed UTF-8 without NUL bytes (new string, free(); *out_len its length). */
char *sdoc_decode(const char *body, size_t len, const char *charset, size_t *out_len);
/* Drops the attributes after the 64th of every start tag, in place; returns the new length. */
size_t sdoc_cap_attributes(char *html, size_t len);

/* Position of n in document order (0 for nodes not numbered, and for the document, whose
 * _private holds its struct sdoc). */
static inline size_t sd_num(const xmlNode *n)
{
    if (n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE)
        return 0;
    return (size_t)(uintptr_t)n->_private;
}
/* One past the highest position inside n. */
static inline size_t sd_end(const struct sdoc *d, const xmlNode *n)
{
    size_t k = sd_num(n);
    return k && k <= d->n_nodes ? d->end[k] : k;
}
/* The node after n in document order inside root; n's children are skipped when skip_children.
 * NULL past the end of root. */
xmlNodePtr sd_next(const xmlNode *n, const xmlNode *root, bool skip_children);
bool sd_is(const xmlNode *n, const char *tag);
/* The value of attribute name (lower case) of element n, "" when present without a value, NULL
 * when absent. Borrowed from the tree. */
const char *sd_attr(const xmlNode *n, const char *name);
/* true when n's class list holds cls. */
bool sd_has_class(const xmlNode *n, const char *cls);
/* true when a class of n, split at '-' and '_', holds word ("listing-price" holds "price",
 * "rental-card" does not hold "rent"); also matched against id. */
bool sd_class_word(const xmlNode *n, const char *word);
/* First element inside root (root excluded) with tag (NULL: any) and class cls (NULL: any). */
xmlNodePtr sd_find(const xmlNode *root, const char *tag, const char *cls);
/* Every such element, in document order, at most max; *out is a new array (free()). */
size_t sd_find_all(const xmlNode *root, const char *tag, const char *cls, xmlNodePtr **out,
                   size_t max);
/* Charges n steps to the heuristics' budget; false once it is spent. */
bool sd_spend(struct sdoc *d, long n);
/* Charges one step to the budget of the page n belongs to (its document's _private); false
 * once it is spent. Every walk over the tree calls it per node, so no mix of nested cards and
 * repeated lookups can make the work grow faster than the budget. */
bool sd_step(const xmlNode *n);

/* ---- text (scrape_text.c) ---------------------------------------------------------------- */

#define SD_TEXT_LINES 1u    /* block boundaries and <br> become '\n' (else a space) */
#define SD_TEXT_RAW_NL 2u   /* newlines inside text become '\n' too */
#define SD_TEXT_NO_LINKS 4u /* the text of <a> elements is left out */

/* Text of n as a reader sees it: entities decoded, whitespace (and &nbsp;) collapsed, adjacent
 * block elements kept apart, at most max bytes (cut on a character boundary). New string
 * (free()), or NULL when there is no text. */
char *sd_text(const xmlNode *n, unsigned flags, size_t max);
/* Copy of s with whitespace collapsed and trimmed (NULL when nothing is left). */
char *sd_clean(const char *s, size_t max);

struct sd_line {
    size_t num;       /* position of the line's first text node */
    const char *text; /* inside the walk's buffer */
};
/* The lines of root's text (SD_TEXT_LINES rules). *lines is a new array, *buf the text they
 * point into (free() both). Returns the number of lines. */
size_t sd_lines(const xmlNode *root, struct sd_line **lines, char **buf);

/* ASCII case-insensitive prefix test and search. */
bool sd_starts_ci(const char *s, const char *prefix);
const char *sd_find_ci(const char *s, const char *needle);

/* ---- URLs (scrape_url.c) ----------------------------------------------------------------- */

/* ref resolved against the absolute base (RFC 3986 §5.2), without fragment, as an absolute
 * http(s) URL; NULL for javascript:, data:, tel:, mailto: and every other scheme, for an
 * empty or malformed reference and for results over SCRAPE_URL_MAX bytes. New string. */
char *scrape_url_resolve(const char *base, const char *ref);
/* true when url's path ends like a photo file (.jpg, .jpeg, .png, .webp, .gif, .avif). */
bool scrape_url_is_image(const char *url);
/* true when the image URL is a placeholder, not a photo (data:, 1x1 GIFs, place_holder-...,
 * nophoto, spacer, blank, logos and badges). */
bool scrape_url_is_placeholder(const char *url);
/* The last non-empty path segment of an absolute URL (new string) or NULL. */
char *scrape_url_last_segment(const char *url);

/* ---- building listings (scrape_list.c) --------------------------------------------------- */

/* Sets l's address fields from the text of an address; false when it is not one. */
bool sl_set_address(struct scrape_listing *l, const char *text);
/* Sets l->url to ref resolved against the page (NULL ref or a rejected URL leaves it alone). */
void sl_set_url(struct scrape_listing *l, const struct sdoc *d, const char *ref);
/* Appends a photo (resolved, placeholders, duplicates and the cap skipped). */
void sl_add_image(struct scrape_listing *l, const struct sdoc *d, const char *ref);
/* The photo an <img> shows: its lazy-load attribute, else its src, placeholders skipped; and the
 * full-size link when the image sits inside <a href="...photo.jpg">. NULL when none. Borrowed. */
const char *sl_img_source(const xmlNode *img);
void sl_set_text(char **dst, const char *text, size_t max_chars);
void sl_set_date(struct scrape_listing *l, const struct sdoc *d, const char *text);
void sl_set_price(struct scrape_listing *l, const char *text);
void sl_set_facts(struct scrape_listing *l, const char *text);
void sl_set_sqft(struct scrape_listing *l, const char *text);
/* The text of n for a field (sd_text with no flags, SCRAPE_TEXT_MAX), NULL-safe. */
char *sl_text(const xmlNode *n);
/* The property type rentals accept for a platform's or schema.org's word, or NULL. */
const char *sl_property_type(const char *word);

/* ---- addresses (scrape_addr.c) ------------------------------------------------------------ */

/* true when the street's last word (directionals aside) is a street type (St, Ave, Dr...). */
bool sa_street_has_suffix(const char *street);

struct slist {
    struct scrape_result *r;
    struct smap *by_url, *by_addr;
};
void slist_init(struct slist *s, struct scrape_result *r);
void slist_cleanup(struct slist *s);
/* Adds l when it is a listing (a street address with a house number, and a rent or a bedroom
 * count), merging it into an earlier one with the same URL or address; l is consumed either
 * way. */
void slist_add(struct slist *s, struct scrape_listing *l);

/* ---- extractors (one file each) ---------------------------------------------------------- */

void scrape_jsonld(struct sdoc *d, struct slist *out);
/* Return true when the page is of their platform (even without listings). */
bool scrape_appfolio(struct sdoc *d, struct slist *out);
bool scrape_appfolio_detail(struct sdoc *d, struct slist *out);
bool scrape_buildium(struct sdoc *d, struct slist *out);
bool scrape_buildium_detail(struct sdoc *d, struct slist *out);
void scrape_cards(struct sdoc *d, struct slist *out);
/* true when the page says positively that nothing is available. */
bool scrape_says_none(struct sdoc *d);

#endif
