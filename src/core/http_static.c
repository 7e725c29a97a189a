/* SPDX-License-Identifier: MIT */
/* Serving embedded static files (http_static.h). */
#include "core/http_static.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

/* Our pages load nothing from elsewhere and run no inline script. */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "        \
            "form-action 'self'; frame-ancestors 'none'"

static const struct http_static_file *find(const struct http_static_file *files,
                                           const char *rel)
{
    char path[512];
    size_t n = strlen(rel);
    if (n + sizeof "/index.html" > sizeof path || strstr(rel, ".."))
        return NULL;
    snprintf(path, sizeof path, "/%s%s", rel, n == 0 || rel[n - 1] == '/' ? "index.html" : "");
    for (const struct http_static_file *f = files; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

/* True when the If-None-Match list names etag (or is "*"). */
static bool matches(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = inm; p && *p;) {
        p += strspn(p, " ,\t");
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p == '*' || (strncmp(p, etag, n) == 0 && (p[n] == '\0' || strchr(" ,\t", p[n]))))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

int http_static_reply(http_req *r, const struct http_static_file *files, const char *rel)
{
    const struct http_static_file *f = find(files, rel ? rel : "");
    if (!f)
        return http_reply_error(r, 404, "not_found", "No such file.");
    const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && matches(inm, f->etag))
        http_reply_empty(r, 304);
    else
        http_reply_text(r, 200, f->content_type, f->data, f->len);
    /* always revalidated: the ETag makes that a 304 when nothing changed */
    http_add_header(r, MHD_HTTP_HEADER_ETAG, f->etag);
    http_add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    http_add_header(r, "Content-Security-Policy", CSP);
    http_add_header(r, "X-Content-Type-Options", "nosniff");
    http_add_header(r, "Referrer-Policy", "same-origin");
    return 0;
}
