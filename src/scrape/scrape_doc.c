/* SPDX-License-Identifier: MIT */
/* From fetched bytes to the tree the extractors read (struct sdoc): the charset decision (HTTP
 * charset, else a <meta> charset in the first 8 KiB, else UTF-8, or Windows-1252 when the bytes
 * are not UTF-8 and nothing was declared) and the decoding to well-formed UTF-8; a cap of 64
 * attributes per start tag (libxml2 2.9.14 checks every new attribute against the ones before
 * it, so 40,000 attributes on one tag take seconds); the parse with libxml2's HTML parser on a
 * context of our own whose error handler silences libxml2 and charges a stray end tag the depth
 * of the open-element stack libxml2 scanned for it, stopping the parser past a budget; removing
 * what a reader never sees (<script> after reading JSON-LD, <style>, <template>, <noscript>,
 * comments); numbering every node in document order; and the element lookups the extractors
 * share, each charging the page's work budget. Every walk is iterative. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

#define META_SCAN 8192           /* bytes searched for a <meta> charset */
#define MAX_ATTRS 64             /* attributes kept per start tag */
#define PARSE_WEIGHT_MAX 20000000L /* error-weighted work before the parser is stopped */
#define HEURISTIC_BUDGET 50000000L

/* ---- charsets ----------------------------------------------------------------------------- */

enum cs { CS_NONE, CS_UTF8, CS_1252, CS_8859_15 };

static const char *const labels_utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8",
                                          "unicode11utf8", "unicode20utf8", "x-unicode20utf8",
                                          NULL};
/* WHATWG maps ISO-8859-1 and US-ASCII labels to Windows-1252, a superset of both. */
static const char *const labels_1252[] = {
    "windows-1252", "cp1252",   "x-cp1252",        "iso-8859-1", "iso8859-1", "iso88591",
    "iso_8859-1",   "iso_8859-1:1987", "iso-ir-100", "latin1",   "l1",        "csisolatin1",
    "ibm819",       "cp819",    "us-ascii",        "ascii",      "ansi_x3.4-1968", NULL};
static const char *const labels_8859_15[] = {"iso-8859-15", "iso8859-15", "iso885915",
                                             "iso_8859-15", "latin9",     "l9",
                                             "csisolatin9", NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* The charset named by the n bytes at s (quotes and spaces around it ignored). */
static enum cs charset_label(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '"' || *s == '\'' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == '\t'))
        n--;
    char name[32];
    if (n == 0 || n >= sizeof name)
        return CS_NONE;
    for (size_t i = 0; i < n; i++)
        name[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    name[n] = '\0';
    if (in_list(labels_utf8, name))
        return CS_UTF8;
    if (in_list(labels_1252, name))
        return CS_1252;
    return in_list(labels_8859_15, name) ? CS_8859_15 : CS_NONE;
}

/* Case-insensitive search of needle (lower-case ASCII) in the n bytes at h. */
static const char *mem_find_ci(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && (h[i + j] | 0x20) == needle[j])
            j++;
        if (j == k)
            return h + i;
    }
    return NULL;
}

/* The charset a <meta charset> or <meta http-equiv content="...; charset=X"> in the first
 * META_SCAN bytes names. */
static enum cs meta_charset(const char *b, size_t len)
{
    size_t n = len < META_SCAN ? len : META_SCAN;
    const char *p = b, *end = b + n;
    while ((p = mem_find_ci(p, (size_t)(end - p), "<meta")) != NULL) {
        const char *gt = memchr(p, '>', (size_t)(end - p));
        const char *tag_end = gt ? gt : end;
        const char *c = mem_find_ci(p, (size_t)(tag_end - p), "charset");
        if (c) {
            c += 7;
            while (c < tag_end && (*c == ' ' || *c == '\t'))
                c++;
            if (c < tag_end && *c == '=') {
                c++;
                while (c < tag_end && (*c == ' ' || *c == '"' || *c == '\''))
                    c++;
                const char *v = c;
                while (c < tag_end && *c != '"' && *c != '\'' && *c != ';' && *c != ' ' &&
                       *c != '/' && *c != '>')
                    c++;
                enum cs cs = charset_label(v, (size_t)(c - v));
                if (cs != CS_NONE)
                    return cs;
            }
        }
        p = tag_end;
    }
    return CS_NONE;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes available), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t k = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (k == 0 || n < k)
        return 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return k;
}

static bool all_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static void put_cp(struct sbuf *b, unsigned cp)
{
    char u[4];
    if (cp < 0x80) {
        u[0] = (char)cp;
        sbuf_put(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        sbuf_put(b, u, 2);
    } else {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        sbuf_put(b, u, 3);
    }
}

/* Windows-1252 0x80..0x9F; 0 marks the five unassigned bytes (they become U+FFFD). */
static const unsigned short cp1252_high[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};

static unsigned single_byte_cp(unsigned char c, enum cs cs)
{
    if (c >= 0x80 && c <= 0x9f)
        return cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xfffd;
    if (cs == CS_8859_15) {
        switch (c) {
        case 0xa4: return 0x20ac;
        case 0xa6: return 0x0160;
        case 0xa8: return 0x0161;
        case 0xb4: return 0x017d;
        case 0xb8: return 0x017e;
        case 0xbc: return 0x0152;
        case 0xbd: return 0x0153;
        case 0xbe: return 0x0178;
        default: break;
        }
    }
    return c;
}

/* Control characters libxml2 would reject become spaces; NUL too. */
static char safe_ascii(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' ? ' ' : (char)c;
}

char *sdoc_decode(const char *body, size_t len, const char *charset, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)body;
    enum cs cs = CS_NONE;
    if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
        cs = CS_UTF8;
        s += 3;
        len -= 3;
    }
    if (cs == CS_NONE && charset)
        cs = charset_label(charset, strlen(charset));
    if (cs == CS_NONE)
        cs = meta_charset((const char *)s, len);
    if (cs == CS_NONE)
        cs = all_utf8(s, len) ? CS_UTF8 : CS_1252;
    struct sbuf b = {0};
    sbuf_put(&b, "", 0);
    for (size_t i = 0; i < len;) {
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x80)
            run++;
        if (run > i) {
            sbuf_put(&b, (const char *)s + i, run - i);
            i = run;
            continue;
        }
        if (s[i] < 0x80) {
            sbuf_putc(&b, safe_ascii(s[i]));
            i++;
        } else if (cs == CS_UTF8) {
            size_t k = utf8_seq(s + i, len - i);
            bool nonchar = k == 3 && s[i] == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe;
            if (k == 0 || nonchar)
                put_cp(&b, 0xfffd);
            else
                sbuf_put(&b, (const char *)s + i, k);
            i += k ? k : 1;
        } else {
            put_cp(&b, single_byte_cp(s[i], cs));
            i++;
        }
    }
    *out_len = b.n;
    return sbuf_take(&b);
}

/* ---- the attribute cap -------------------------------------------------------------------- */

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Index of needle (lower-case) in h[from..len) ignoring case, or len. */
static size_t find_from(const char *h, size_t len, size_t from, const char *needle)
{
    const char *p = from < len ? mem_find_ci(h + from, len - from, needle) : NULL;
    return p ? (size_t)(p - h) : len;
}

/* Scans the start tag at h[r] ('<' and a letter) and copies it to h[*w] keeping MAX_ATTRS
 * attributes. Returns the read position after it; *raw: 1 for <script>, 2 for <style> (their
 * content is raw text up to the matching end tag), else 0. */
static size_t start_tag(char *h, size_t len, size_t r, size_t *w, int *raw)
{
    size_t i = r + 1;
    while (i < len && !is_space(h[i]) && h[i] != '>' && h[i] != '/')
        i++;
    size_t nlen = i - (r + 1);
    *raw = nlen == 6 && mem_find_ci(h + r + 1, 6, "script") ? 1
           : nlen == 5 && mem_find_ci(h + r + 1, 5, "style") ? 2
                                                              : 0;
    memmove(h + *w, h + r, i - r);
    *w += i - r;
    for (int count = 0; i < len; count++) {
        size_t a = i;
        while (i < len && is_space(h[i]))
            i++;
        if (i >= len || h[i] == '>' || (h[i] == '/' && i + 1 < len && h[i + 1] == '>')) {
            size_t stop = i >= len ? len : h[i] == '>' ? i + 1 : i + 2;
            memmove(h + *w, h + a, stop - a);
            *w += stop - a;
            return stop;
        }
        /* a name (at least one byte, or an empty one before '='), then maybe = value */
        while (i < len && !is_space(h[i]) && h[i] != '>' && h[i] != '=')
            i++;
        size_t j = i;
        while (j < len && is_space(h[j]))
            j++;
        if (j < len && h[j] == '=') {
            j++;
            while (j < len && is_space(h[j]))
                j++;
            if (j < len && (h[j] == '"' || h[j] == '\'')) {
                const char *q = memchr(h + j + 1, h[j], len - j - 1);
                j = q ? (size_t)(q - h) + 1 : len;
            } else {
                while (j < len && !is_space(h[j]) && h[j] != '>')
                    j++;
            }
            i = j;
        }
        if (count < MAX_ATTRS) {
            memmove(h + *w, h + a, i - a);
            *w += i - a;
        }
    }
    return len;
}

size_t sdoc_cap_attributes(char *h, size_t len)
{
    size_t r = 0, w = 0;
    while (r < len) {
        if (h[r] != '<') {
            h[w++] = h[r++];
            continue;
        }
        size_t stop = r + 1;
        if (len - r >= 4 && memcmp(h + r, "<!--", 4) == 0) {
            stop = find_from(h, len, r + 4, "-->");
            stop = stop < len ? stop + 3 : len;
        } else if (r + 1 < len && is_alpha(h[r + 1])) {
            int raw = 0;
            r = start_tag(h, len, r, &w, &raw);
            if (!raw)
                continue;
            stop = find_from(h, len, r, raw == 1 ? "</script" : "</style");
        }
        memmove(h + w, h + r, stop - r);
        w += stop - r;
        r = stop;
    }
    return w;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

void scrape_init(void)
{
    pthread_once(&init_once, init_libxml);
}

struct parse_state {
    long weight;
    int last_depth;
    bool stopped;
};

/* libxml2's structured error handler for our context (ctx is the parser context): nothing is
 * printed. An end tag that matches nothing open (or is blocked) made libxml2 scan the whole
 * open-element stack before it reported it, so that error costs the stack's depth; while the
 * stack shrinks, the errors are libxml2 closing elements one by one (linear work) and cost 1, as
 * does every other error ("Tag section invalid" for each HTML5 element). Past the budget the
 * parser stops and the page is read as far as it got. */
static void on_parse_error(void *ctx, xmlErrorPtr err)
{
    xmlParserCtxtPtr c = ctx;
    struct parse_state *ps = c->_private;
    long cost = 1;
    if (err && (err->code == XML_ERR_TAG_NAME_MISMATCH || err->code == XML_HTML_STRUCURE_ERROR) &&
        c->nameNr >= ps->last_depth)
        cost += c->nameNr;
    ps->last_depth = c->nameNr;
    ps->weight += cost;
    if (!ps->stopped && ps->weight > PARSE_WEIGHT_MAX) {
        ps->stopped = true;
        xmlStopParser(c);
    }
}

static xmlDocPtr parse_html(const char *utf8, size_t len, bool *stopped)
{
    htmlParserCtxtPtr c = htmlNewParserCtxt();
    if (!c)
        mem_oom();
    struct parse_state ps = {0};
    c->_private = &ps;
    /* serror is consulted only on a SAX2-initialised handler; libxml2's HTML parser builds the
     * same tree either way (checked on every fixture page). */
    c->sax->initialized = XML_SAX2_MAGIC;
    c->sax->serror = on_parse_error;
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NODEFDTD | HTML_PARSE_COMPACT |
               HTML_PARSE_IGNORE_ENC | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | XML_PARSE_HUGE;
    xmlDocPtr doc = htmlCtxtReadMemory(c, utf8, (int)len, NULL, "UTF-8", opts);
    htmlFreeParserCtxt(c);
    *stopped = ps.stopped;
    return doc;
}

/* ---- preparing the tree ------------------------------------------------------------------- */

bool sd_is(const xmlNode *n, const char *tag)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, tag) == 0;
}

const char *sd_attr(const xmlNode *n, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE)
        return NULL;
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name || strcmp((const char *)a->name, name) != 0)
            continue;
        const xmlNode *v = a->children;
        return v && v->content ? (const char *)v->content : "";
    }
    return NULL;
}

/* true when the whitespace-separated list holds tok (case-insensitive when ci). */
static bool list_has(const char *list, const char *tok, bool ci)
{
    size_t k = strlen(tok);
    for (const char *p = list; p && *p;) {
        while (is_space(*p))
            p++;
        const char *q = p;
        while (*q && !is_space(*q))
            q++;
        if ((size_t)(q - p) == k && (ci ? sd_starts_ci(p, tok) : memcmp(p, tok, k) == 0))
            return true;
        p = q;
    }
    return false;
}

bool sd_has_class(const xmlNode *n, const char *cls)
{
    return list_has(sd_attr(n, "class"), cls, false);
}

static bool words_have(const char *s, const char *word)
{
    size_t k = strlen(word);
    for (const char *p = s; p && *p;) {
        while (*p && (is_space(*p) || *p == '-' || *p == '_'))
            p++;
        const char *q = p;
        while (*q && !is_space(*q) && *q != '-' && *q != '_')
            q++;
        if ((size_t)(q - p) == k && sd_starts_ci(p, word))
            return true;
        p = q;
    }
    return false;
}

bool sd_class_word(const xmlNode *n, const char *word)
{
    return words_have(sd_attr(n, "class"), word) || words_have(sd_attr(n, "id"), word);
}

xmlNodePtr sd_next(const xmlNode *n, const xmlNode *root, bool skip_children)
{
    if (!skip_children && n->type == XML_ELEMENT_NODE && n->children)
        return n->children;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

static bool matches(const xmlNode *n, const char *tag, const char *cls)
{
    return n->type == XML_ELEMENT_NODE && (!tag || sd_is(n, tag)) && (!cls || sd_has_class(n, cls));
}

xmlNodePtr sd_find(const xmlNode *root, const char *tag, const char *cls)
{
    if (!root || root->type != XML_ELEMENT_NODE)
        return NULL;
    for (xmlNodePtr n = root->children; n && sd_step(n); n = sd_next(n, root, false))
        if (matches(n, tag, cls))
            return n;
    return NULL;
}

size_t sd_find_all(const xmlNode *root, const char *tag, const char *cls, xmlNodePtr **out,
                   size_t max)
{
    size_t k = 0, cap = 0;
    *out = NULL;
    if (!root)
        return 0;
    xmlNodePtr n = root->type == XML_DOCUMENT_NODE || root->type == XML_HTML_DOCUMENT_NODE
                       ? root->children
                       : root->type == XML_ELEMENT_NODE ? root->children : NULL;
    for (; n && k < max && sd_step(n); n = sd_next(n, root, false)) {
        if (!matches(n, tag, cls))
            continue;
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            *out = mem_reallocarray(*out, cap, sizeof **out);
        }
        (*out)[k++] = n;
    }
    return k;
}

bool sd_spend(struct sdoc *d, long n)
{
    d->budget -= n;
    return d->budget > 0;
}

bool sd_step(const xmlNode *n)
{
    struct sdoc *d = n && n->doc ? n->doc->_private : NULL;
    return !d || sd_spend(d, 1);
}

static char *dup_attr(const xmlNode *n, const char *name)
{
    const char *v = sd_attr(n, name);
    return v && *v && strlen(v) <= SCRAPE_URL_MAX * 2 ? mem_strdup(v) : NULL;
}

static void keep_ld(struct sdoc *d, const xmlNode *script)
{
    const char *type = sd_attr(script, "type");
    if (!type)
        return;
    while (is_space(*type))
        type++;
    if (!sd_starts_ci(type, "application/ld+json") || d->n_ld >= SCRAPE_LD_SCRIPTS)
        return;
    struct sbuf b = {0};
    for (const xmlNode *t = script->children; t; t = t->next)
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content)
            sbuf_put(&b, (const char *)t->content, strlen((const char *)t->content));
    if (b.n == 0 || b.n > SCRAPE_LD_MAX) {
        sbuf_free(&b);
        return;
    }
    d->ld = mem_reallocarray(d->ld, d->n_ld + 1, sizeof *d->ld);
    d->ld[d->n_ld++] = sbuf_take(&b);
}

/* Reads what the head says (<link rel>, og: <meta>, <base>) from element n. */
static void note_head(struct sdoc *d, const xmlNode *n, char **base)
{
    const char *rel = sd_attr(n, "rel");
    if (sd_is(n, "link") && rel) {
        if (!d->canonical && list_has(rel, "canonical", true))
            d->canonical = dup_attr(n, "href");
        if (!d->next && list_has(rel, "next", true))
            d->next = dup_attr(n, "href");
    } else if (sd_is(n, "a") && rel && !d->next && list_has(rel, "next", true)) {
        d->next = dup_attr(n, "href");
    } else if (sd_is(n, "meta")) {
        const char *p = sd_attr(n, "property");
        if (!p)
            p = sd_attr(n, "name");
        if (p && strcmp(p, "og:title") == 0 && !d->og_title)
            d->og_title = dup_attr(n, "content");
        else if (p && strcmp(p, "og:image") == 0 && !d->og_image)
            d->og_image = dup_attr(n, "content");
        else if (p && strcmp(p, "og:url") == 0 && !d->og_url)
            d->og_url = dup_attr(n, "content");
    } else if (sd_is(n, "base") && !*base) {
        *base = dup_attr(n, "href");
    }
}

static bool never_shown(const xmlNode *n)
{
    if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
        return true;
    return sd_is(n, "script") || sd_is(n, "style") || sd_is(n, "template") ||
           sd_is(n, "noscript");
}

/* Reads JSON-LD and the head, then removes what a reader never sees. */
static void scrub(struct sdoc *d, char **base)
{
    xmlNodePtr *gone = NULL;
    size_t n_gone = 0, cap = 0;
    xmlNodePtr n = d->doc->children;
    while (n) {
        bool drop = never_shown(n);
        if (sd_is(n, "script"))
            keep_ld(d, n);
        else if (n->type == XML_ELEMENT_NODE && !drop)
            note_head(d, n, base);
        if (drop) {
            if (n_gone == cap) {
                cap = cap ? cap * 2 : 32;
                gone = mem_reallocarray(gone, cap, sizeof *gone);
            }
            gone[n_gone++] = n;
        }
        n = sd_next(n, (xmlNodePtr)d->doc, drop);
    }
    for (size_t i = 0; i < n_gone; i++) {
        xmlUnlinkNode(gone[i]);
        xmlFreeNode(gone[i]);
    }
    free(gone);
}

/* Numbers every node 1..n in document order and records where each subtree ends. */
static void number_nodes(struct sdoc *d)
{
    size_t count = 0;
    for (xmlNodePtr n = d->doc->children; n; n = sd_next(n, (xmlNodePtr)d->doc, false))
        count++;
    d->n_nodes = count;
    d->end = mem_zalloc(count + 2, sizeof *d->end);
    size_t k = 0;
    xmlNodePtr n = d->doc->children;
    while (n) {
        n->_private = (void *)(uintptr_t)++k;
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        d->end[k] = k + 1;
        while (n && !n->next) {
            n = n->parent;
            if (!n || n == (xmlNodePtr)d->doc)
                n = NULL;
            else
                d->end[sd_num(n)] = k + 1;
        }
        if (n)
            n = n->next;
    }
}

static xmlNodePtr find_body(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
        if (sd_is(n, "body"))
            return n;
    return root;
}

app_err sdoc_open(struct sdoc *d, const char *body, size_t len, const char *charset,
                  const char *page_url, const char *today)
{
    memset(d, 0, sizeof *d);
    d->page_url = page_url;
    d->today = today;
    d->budget = HEURISTIC_BUDGET;
    scrape_init();
    size_t n = 0;
    char *utf8 = sdoc_decode(body, len, charset, &n);
    n = sdoc_cap_attributes(utf8, n);
    d->doc = n ? parse_html(utf8, n, &d->parse_stopped) : NULL;
    free(utf8);
    char *base = NULL;
    if (d->doc) {
        d->doc->_private = d;
        scrub(d, &base);
        number_nodes(d);
        d->root = find_body(d->doc);
    }
    d->base = base ? scrape_url_resolve(page_url, base) : NULL;
    free(base);
    if (!d->base)
        d->base = scrape_url_resolve(page_url, "");
    return d->base ? APP_OK : APP_E_PARAM;
}

void sdoc_close(struct sdoc *d)
{
    if (d->doc)
        xmlFreeDoc(d->doc);
    for (size_t i = 0; i < d->n_ld; i++)
        free(d->ld[i]);
    free(d->ld);
    free(d->end);
    free(d->base);
    free(d->canonical);
    free(d->next);
    free(d->og_title);
    free(d->og_image);
    free(d->og_url);
    memset(d, 0, sizeof *d);
}
