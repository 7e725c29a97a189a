/* SPDX-License-Identifier: MIT */
/* Text as a reader of the page sees it: the walk over an element's subtree (iterative, however
 * deep the markup) that decodes nothing itself (libxml2 already turned entities into UTF-8) but
 * collapses whitespace, &nbsp; and the other Unicode spaces, drops zero-width characters, keeps
 * block elements apart, and optionally keeps the page's line structure; plus the growable buffer
 * and the case-insensitive ASCII helpers the extractors share. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/text.h"
#include "scrape/scrape_internal.h"

/* ---- sbuf --------------------------------------------------------------------------------- */

void sbuf_put(struct sbuf *b, const char *s, size_t n)
{
    b->p = mem_grow(b->p, &b->cap, b->n + n + 1, 64);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_put(b, &c, 1);
}

char *sbuf_take(struct sbuf *b)
{
    char *s = b->p ? b->p : mem_strdup("");
    b->p = NULL;
    b->n = b->cap = 0;
    return s;
}

void sbuf_free(struct sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* ---- the walk ----------------------------------------------------------------------------- */

struct tw {
    struct sbuf b;
    unsigned flags;
    size_t max;
    bool space;     /* a space is owed before the next character */
    bool full;
    size_t line_off; /* where the current line starts in b */
    size_t cur_num;  /* position of the text node being read */
    size_t line_num; /* position of the current line's first text node */
    bool want_lines;
    struct sd_line *lines; /* text holds the offset (cast) until the walk ends */
    size_t n_lines, cap_lines;
};

enum { CH_TEXT, CH_SPACE, CH_DROP, CH_NEWLINE };

/* What the character of k bytes at s is to a reader. */
static int char_class(const unsigned char *s, size_t k)
{
    if (k == 1) {
        if (*s == '\n' || *s == '\r')
            return CH_NEWLINE;
        if (*s == ' ' || *s == '\t' || *s == '\f' || *s == '\v')
            return CH_SPACE;
        return *s < 0x20 || *s == 0x7f ? CH_DROP : CH_TEXT;
    }
    if (k == 2 && s[0] == 0xc2)
        return s[1] == 0xa0 ? CH_SPACE : s[1] == 0xad ? CH_DROP : s[1] < 0xa0 ? CH_DROP : CH_TEXT;
    if (k == 3 && s[0] == 0xe2 && s[1] == 0x80) {
        if (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf)
            return CH_SPACE;
        if (s[2] >= 0x8b && s[2] <= 0x8d)
            return CH_DROP;
    }
    if (k == 3 && s[0] == 0xe2 && s[1] == 0x81 && (s[2] == 0x9f || s[2] == 0xa0))
        return s[2] == 0x9f ? CH_SPACE : CH_DROP;
    if (k == 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
        return CH_SPACE;
    if (k == 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        return CH_DROP;
    return CH_TEXT;
}

static void tw_break(struct tw *w)
{
    if (!(w->flags & SD_TEXT_LINES)) {
        w->space = true;
        return;
    }
    w->space = false;
    if (w->b.n == w->line_off)
        return;
    if (w->want_lines) {
        if (w->n_lines == w->cap_lines) {
            w->cap_lines = w->cap_lines ? w->cap_lines * 2 : 64;
            w->lines = mem_reallocarray(w->lines, w->cap_lines, sizeof *w->lines);
        }
        w->lines[w->n_lines].num = w->line_num;
        w->lines[w->n_lines].text = (const char *)(uintptr_t)w->line_off;
        w->n_lines++;
    }
    sbuf_putc(&w->b, '\n');
    w->line_off = w->b.n;
}

static void tw_char(struct tw *w, const unsigned char *s, size_t k)
{
    bool owe = w->space && w->b.n > w->line_off;
    if (w->b.n + k + (owe ? 1 : 0) > w->max) {
        w->full = true;
        return;
    }
    if (owe)
        sbuf_putc(&w->b, ' ');
    w->space = false;
    if (w->b.n == w->line_off)
        w->line_num = w->cur_num;
    sbuf_put(&w->b, (const char *)s, k);
}

static void tw_string(struct tw *w, const unsigned char *s)
{
    while (*s && !w->full) {
        size_t k = text_utf8_seq(s);
        if (k == 0)
            k = 1; /* the decoder makes this impossible; never read past a NUL */
        switch (char_class(s, k)) {
        case CH_TEXT:
            tw_char(w, s, k);
            break;
        case CH_NEWLINE:
            if (w->flags & SD_TEXT_RAW_NL) {
                tw_break(w);
                break;
            }
            /* fall through */
        case CH_SPACE:
            w->space = true;
            break;
        default:
            break;
        }
        s += k;
    }
}

/* Elements that do not end a line (phrasing content); everything else does. Sorted. */
static const char *const inline_tags[] = {
    "a",    "abbr", "acronym", "b",      "bdi",   "bdo",    "big",  "cite", "code",
    "data", "del",  "dfn",     "em",     "font",  "i",      "ins",  "kbd",  "label",
    "mark", "nobr", "q",       "s",      "samp",  "small",  "span", "strike", "strong",
    "sub",  "sup",  "time",    "tt",     "u",     "var",    "wbr"};

static int cmp_tag(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_inline(const xmlNode *n)
{
    const char *name = (const char *)n->name;
    return bsearch(&name, inline_tags, sizeof inline_tags / sizeof *inline_tags,
                   sizeof *inline_tags, cmp_tag) != NULL;
}

/* Elements whose content is never shown as text (normally already removed from the tree). */
static bool is_hidden(const xmlNode *n)
{
    return sd_is(n, "script") || sd_is(n, "style") || sd_is(n, "template") ||
           sd_is(n, "noscript");
}

/* Opens element n; false when its subtree is to be skipped. */
static bool tw_open(struct tw *w, const xmlNode *n)
{
    if (is_hidden(n) || ((w->flags & SD_TEXT_NO_LINKS) && sd_is(n, "a")))
        return false;
    if (sd_is(n, "img") || sd_is(n, "input"))
        w->space = true;
    else if (!is_inline(n))
        tw_break(w);
    return true;
}

static void tw_close(struct tw *w, const xmlNode *n)
{
    if (!is_inline(n) && !sd_is(n, "img") && !sd_is(n, "input"))
        tw_break(w);
}

static void tw_walk(struct tw *w, const xmlNode *root)
{
    const xmlNode *n = root->children;
    while (n && !w->full) {
        if (!sd_step(n)) {
            w->full = true;
            break;
        }
        bool descend = false;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            w->cur_num = sd_num(n);
            tw_string(w, n->content);
        } else if (n->type == XML_ELEMENT_NODE && tw_open(w, n)) {
            if (n->children)
                descend = true;
            else
                tw_close(w, n);
        }
        if (descend) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (!n || n == root) {
                n = NULL;
                break;
            }
            tw_close(w, n);
        }
    }
}

char *sd_text(const xmlNode *n, unsigned flags, size_t max)
{
    if (!n)
        return NULL;
    struct tw w = {.flags = flags, .max = max};
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        tw_string(&w, n->content);
    else
        tw_walk(&w, n);
    while (w.b.n && (w.b.p[w.b.n - 1] == '\n' || w.b.p[w.b.n - 1] == ' '))
        w.b.p[--w.b.n] = '\0';
    if (!w.b.n) {
        sbuf_free(&w.b);
        return NULL;
    }
    return sbuf_take(&w.b);
}

char *sd_clean(const char *s, size_t max)
{
    if (!s)
        return NULL;
    struct tw w = {.max = max};
    tw_string(&w, (const unsigned char *)s);
    if (!w.b.n) {
        sbuf_free(&w.b);
        return NULL;
    }
    return sbuf_take(&w.b);
}

size_t sd_lines(const xmlNode *root, struct sd_line **lines, char **buf)
{
    struct tw w = {.flags = SD_TEXT_LINES, .max = SIZE_MAX, .want_lines = true};
    tw_walk(&w, root);
    tw_break(&w);
    for (size_t i = 0; i < w.b.n; i++)
        if (w.b.p[i] == '\n')
            w.b.p[i] = '\0';
    *buf = sbuf_take(&w.b);
    for (size_t i = 0; i < w.n_lines; i++)
        w.lines[i].text = *buf + (uintptr_t)w.lines[i].text;
    *lines = w.lines;
    return w.n_lines;
}

/* ---- ASCII helpers ------------------------------------------------------------------------ */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool sd_starts_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower(*s) != lower(*prefix))
            return false;
    return true;
}

const char *sd_find_ci(const char *s, const char *needle)
{
    if (!*needle)
        return s;
    for (; *s; s++)
        if (lower(*s) == lower(*needle) && sd_starts_ci(s, needle))
            return s;
    return NULL;
}
