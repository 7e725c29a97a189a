/* SPDX-License-Identifier: MIT */
/* URLs found on a page, made absolute: RFC 3986 reference resolution against the page (or its
 * <base>), with the browser habits that matter for links in HTML (surrounding spaces trimmed,
 * tabs and newlines inside removed, backslashes read as slashes, spaces and non-ASCII bytes
 * percent-encoded), the fragment dropped and only http(s) results kept; plus the file-name tests
 * that tell a photo from a placeholder, a logo or a link that is not a photo at all. */
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_internal.h"

struct uparts {
    const char *scheme, *auth, *path, *query;
    size_t scheme_n, auth_n, path_n, query_n;
    bool has_scheme, has_auth, has_query;
};

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void split(const char *s, struct uparts *u)
{
    memset(u, 0, sizeof *u);
    const char *p = s;
    if (is_alpha(*p)) {
        const char *q = p + 1;
        while (is_alpha(*q) || (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            u->has_scheme = true;
            u->scheme = p;
            u->scheme_n = (size_t)(q - p);
            p = q + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        u->has_auth = true;
        u->auth = p + 2;
        p += 2;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
        u->auth_n = (size_t)(p - u->auth);
    }
    u->path = p;
    while (*p && *p != '?' && *p != '#')
        p++;
    u->path_n = (size_t)(p - u->path);
    if (*p == '?') {
        u->has_query = true;
        u->query = ++p;
        while (*p && *p != '#')
            p++;
        u->query_n = (size_t)(p - u->query);
    }
}

/* RFC 3986 §5.2.4 on the n bytes at in, appended to out. */
static void remove_dots(struct sbuf *out, const char *in, size_t n)
{
    size_t start = out->n;
    size_t i = 0;
    while (i < n) {
        const char *s = in + i;
        size_t left = n - i;
        if (left >= 3 && memcmp(s, "../", 3) == 0) {
            i += 3;
        } else if (left >= 2 && memcmp(s, "./", 2) == 0) {
            i += 2;
        } else if (left >= 3 && memcmp(s, "/./", 3) == 0) {
            i += 2;
        } else if (left == 2 && memcmp(s, "/.", 2) == 0) {
            i += 1;
            sbuf_putc(out, '/');
            i += 1;
        } else if ((left >= 4 && memcmp(s, "/../", 4) == 0) || (left == 3 && memcmp(s, "/..", 3) == 0)) {
            while (out->n > start && out->p[out->n - 1] != '/')
                out->n--;
            if (out->n > start)
                out->n--;
            out->p[out->n] = '\0';
            if (left == 3) {
                sbuf_putc(out, '/');
                i += 3;
            } else {
                i += 3;
            }
        } else if ((left == 1 && s[0] == '.') || (left == 2 && memcmp(s, "..", 2) == 0)) {
            i += left;
        } else {
            size_t k = 1;
            while (k < left && s[k] != '/')
                k++;
            sbuf_put(out, s, k);
            i += k;
        }
    }
}

static bool scheme_is(const struct uparts *u, const char *name)
{
    return u->scheme_n == strlen(name) && sd_starts_ci(u->scheme, name);
}

/* Appends s[0..n) with the bytes a URL cannot carry percent-encoded. */
static void put_encoded(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '`') {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sbuf_put(b, e, 3);
        } else {
            sbuf_putc(b, (char)c);
        }
    }
}

/* The reference as a browser reads an href: trimmed, tabs and newlines removed, backslashes
 * before the query turned into slashes. New string. */
static char *clean_ref(const char *ref)
{
    while (*ref && (unsigned char)*ref <= 0x20)
        ref++;
    size_t n = strlen(ref);
    while (n && (unsigned char)ref[n - 1] <= 0x20)
        n--;
    char *s = mem_alloc(n + 1);
    size_t k = 0;
    bool in_query = false;
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '?' || c == '#')
            in_query = true;
        s[k++] = c == '\\' && !in_query ? '/' : c;
    }
    s[k] = '\0';
    return s;
}

static char *build(const struct uparts *scheme, const struct uparts *auth, const char *path,
                   size_t path_n, const struct uparts *query)
{
    if (!auth->has_auth || auth->auth_n == 0)
        return NULL;
    for (size_t i = 0; i < auth->auth_n; i++)
        if ((unsigned char)auth->auth[i] <= 0x20 || auth->auth[i] == '\\')
            return NULL;
    struct sbuf b = {0};
    for (size_t i = 0; i < scheme->scheme_n; i++)
        sbuf_putc(&b, (char)(scheme->scheme[i] | 0x20));
    sbuf_put(&b, "://", 3);
    sbuf_put(&b, auth->auth, auth->auth_n);
    if (path_n == 0)
        sbuf_putc(&b, '/');
    put_encoded(&b, path, path_n);
    if (query && query->has_query) {
        sbuf_putc(&b, '?');
        put_encoded(&b, query->query, query->query_n);
    }
    if (b.n > SCRAPE_URL_MAX) {
        sbuf_free(&b);
        return NULL;
    }
    return sbuf_take(&b);
}

char *scrape_url_resolve(const char *base, const char *ref)
{
    if (!base || !ref)
        return NULL;
    struct uparts b, r;
    split(base, &b);
    if (!b.has_scheme || !(scheme_is(&b, "http") || scheme_is(&b, "https")) || !b.has_auth)
        return NULL;
    char *s = clean_ref(ref);
    split(s, &r);
    struct sbuf path = {0};
    sbuf_put(&path, "", 0);
    char *out = NULL;
    if (r.has_scheme) {
        if (scheme_is(&r, "http") || scheme_is(&r, "https")) {
            remove_dots(&path, r.path, r.path_n);
            out = build(&r, &r, path.p, path.n, &r);
        }
    } else if (r.has_auth) {
        remove_dots(&path, r.path, r.path_n);
        out = build(&b, &r, path.p, path.n, &r);
    } else if (r.path_n == 0) {
        out = build(&b, &b, b.path, b.path_n, r.has_query ? &r : &b);
    } else {
        struct sbuf merged = {0};
        if (r.path[0] != '/') {
            size_t keep = b.path_n;
            while (keep && b.path[keep - 1] != '/')
                keep--;
            if (keep == 0)
                sbuf_putc(&merged, '/');
            else
                sbuf_put(&merged, b.path, keep);
        }
        sbuf_put(&merged, r.path, r.path_n);
        remove_dots(&path, merged.p, merged.n);
        sbuf_free(&merged);
        out = build(&b, &b, path.p, path.n, &r);
    }
    sbuf_free(&path);
    free(s);
    return out;
}

/* The last path segment of url: *seg and its length (0 when none). */
static size_t last_segment(const char *url, const char **seg)
{
    struct uparts u;
    split(url, &u);
    size_t n = u.path_n;
    while (n && u.path[n - 1] == '/')
        n--;
    size_t start = n;
    while (start && u.path[start - 1] != '/')
        start--;
    *seg = u.path + start;
    return n - start;
}

bool scrape_url_is_image(const char *url)
{
    static const char *const ext[] = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", NULL};
    const char *seg;
    size_t n = last_segment(url, &seg);
    for (int i = 0; ext[i]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && sd_starts_ci(seg + n - k, ext[i]))
            return true;
    }
    return false;
}

bool scrape_url_is_placeholder(const char *url)
{
    static const char *const marks[] = {
        "place_holder", "placeholder", "nophoto", "no-photo", "no_photo", "noimage",
        "no-image",     "no_image",    "spacer",  "blank.",   "pixel.",   "1x1",
        "transparent.", "logo",        "equal_housing", "equal-housing", "eho.", "badge",
        "counter",      "favicon",     "loading.", "loader.", NULL};
    while (*url && (unsigned char)*url <= 0x20)
        url++;
    if (sd_starts_ci(url, "data:"))
        return true;
    const char *seg;
    size_t n = last_segment(url, &seg);
    char name[256];
    if (n == 0 || n >= sizeof name)
        return n == 0;
    memcpy(name, seg, n);
    name[n] = '\0';
    for (int i = 0; marks[i]; i++)
        if (sd_find_ci(name, marks[i]))
            return true;
    return false;
}

char *scrape_url_last_segment(const char *url)
{
    const char *seg;
    size_t n = last_segment(url, &seg);
    return n ? mem_strndup(seg, n) : NULL;
}
