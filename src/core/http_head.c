/* SPDX-License-Identifier: MIT */
/* The request-head check of the gate (http_gate.c): a pure function over the bytes a new
 * connection has sent so far. It decides, before libmicrohttpd reads anything, whether the
 * head is still incomplete, acceptable, or refused with a SPEC §5 error: the limits of
 * http_internal.h (so libmicrohttpd never runs out of connection memory on it), HTTP/1.x
 * only, a Host on HTTP/1.1, and a body framing libmicrohttpd handles without tripping
 * (Content-Length digits only, one value; Transfer-Encoding chunked only; not both). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/http_internal.h"

static bool tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static enum http_head_verdict refuse(struct http_head_error *e, unsigned status,
                                     const char *code, const char *message)
{
    e->status = status;
    e->code = code;
    e->message = message;
    return HTTP_HEAD_REFUSE;
}

/* End of the line starting at p (the LF), or NULL. */
static const char *line_end(const char *p, const char *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

/* Length of the line [p, lf) without its CR. */
static size_t line_len(const char *p, const char *lf)
{
    return (size_t)(lf - p) - (lf > p && lf[-1] == '\r');
}

static enum http_head_verdict check_request_line(const char *p, size_t n, bool *http11,
                                                 struct http_head_error *e)
{
    const char *sp1 = memchr(p, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p)) : NULL;
    if (!sp1 || !sp2 || sp1 == p || sp2 == sp1 + 1)
        return refuse(e, 400, "bad_request", "The request line is malformed.");
    for (const char *m = p; m < sp1; m++)
        if (!tchar((unsigned char)*m))
            return refuse(e, 400, "bad_request", "The request method is malformed.");
    size_t vlen = n - (size_t)(sp2 + 1 - p);
    const char *v = sp2 + 1;
    if (vlen != 8 || strncmp(v, "HTTP/", 5) != 0)
        return refuse(e, 400, "bad_request", "The request line is malformed.");
    if (strncmp(v, "HTTP/1.1", 8) != 0 && strncmp(v, "HTTP/1.0", 8) != 0)
        return refuse(e, 505, "http_version_not_supported",
                      "Only HTTP/1.0 and HTTP/1.1 are supported.");
    *http11 = v[7] == '1';
    const char *q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
    int args = q && q + 1 < sp2 ? 1 : 0;
    for (const char *c = q ? q + 1 : sp2; c < sp2; c++) {
        args += *c == '&';
        if (args > HTTP_ARGS_MAX)
            return refuse(e, 414, "uri_too_long", "The query has more than 100 parameters.");
    }
    return HTTP_HEAD_OK;
}

struct framing {
    int hosts;
    bool chunked, other_te, has_cl;
    unsigned long long cl;
};

/* Checks one header line [p, p+n). */
static enum http_head_verdict check_header(const char *p, size_t n, struct framing *f,
                                           long max_body, struct http_head_error *e)
{
    const char *colon = memchr(p, ':', n);
    if (n && (*p == ' ' || *p == '\t'))
        return refuse(e, 400, "bad_request", "Folded header lines are not accepted.");
    if (!colon || colon == p)
        return refuse(e, 400, "bad_request", "A header line is malformed.");
    for (const char *c = p; c < colon; c++)
        if (!tchar((unsigned char)*c))
            return refuse(e, 400, "bad_request", "A header name is malformed.");
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vl = (size_t)(end - v);
    if (nl == 4 && strncasecmp(p, "Host", 4) == 0)
        f->hosts++;
    if (nl == 6 && strncasecmp(p, "Cookie", 6) == 0) {
        int cookies = vl ? 1 : 0;
        for (const char *c = v; c < end; c++)
            cookies += *c == ';';
        if (cookies > HTTP_COOKIES_MAX)
            return refuse(e, 431, "request_header_fields_too_large",
                          "The request carries more than 100 cookies.");
    }
    if (nl == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
        if (vl == 7 && strncasecmp(v, "chunked", 7) == 0 && !f->chunked)
            f->chunked = true;
        else
            f->other_te = true;
    }
    if (nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
        unsigned long long x = 0;
        if (vl == 0 || strspn(v, "0123456789") < vl)
            return refuse(e, 400, "bad_request", "The Content-Length header is malformed.");
        if (vl > 18)
            return refuse(e, 413, "payload_too_large",
                          "The request body is larger than this server accepts.");
        for (size_t i = 0; i < vl; i++)
            x = x * 10 + (unsigned)(v[i] - '0');
        if (f->has_cl && x != f->cl)
            return refuse(e, 400, "bad_request", "Content-Length is given twice, differently.");
        f->has_cl = true;
        f->cl = x;
        if (x > (unsigned long long)max_body)
            return refuse(e, 413, "payload_too_large",
                          "The request body is larger than this server accepts.");
    }
    return HTTP_HEAD_OK;
}

static enum http_head_verdict check_framing(const struct framing *f, bool http11,
                                            struct http_head_error *e)
{
    if (http11 && f->hosts == 0)
        return refuse(e, 400, "missing_host", "An HTTP/1.1 request needs a Host header.");
    if (f->hosts > 1)
        return refuse(e, 400, "bad_request", "The request has more than one Host header.");
    if (f->other_te)
        return refuse(e, 501, "not_implemented", "Only the chunked transfer encoding is "
                                                 "supported.");
    if (f->chunked && f->has_cl)
        return refuse(e, 400, "bad_request", "Send Content-Length or Transfer-Encoding, not "
                                             "both.");
    return HTTP_HEAD_OK;
}

enum http_head_verdict http_head_check(const char *buf, size_t n, long max_body,
                                       struct http_head_error *e)
{
    static const char h2[] = "PRI * HTTP/2.0";
    const char *end = buf + n, *p = buf;
    memset(e, 0, sizeof *e);
    if (memcmp(buf, h2, n < sizeof h2 - 1 ? n : sizeof h2 - 1) == 0 && n >= sizeof h2 - 1)
        return refuse(e, 505, "http_version_not_supported",
                      "Only HTTP/1.0 and HTTP/1.1 are supported.");
    while (p < end && (*p == '\r' || *p == '\n')) /* RFC 9112 §2.2: skip leading empty lines */
        p++;
    const char *lf = line_end(p, end);
    if (!lf)
        return (size_t)(end - p) > HTTP_LINE_MAX
                   ? refuse(e, 414, "uri_too_long", "The request line is longer than 8 KiB.")
                   : HTTP_HEAD_MORE;
    if (line_len(p, lf) > HTTP_LINE_MAX)
        return refuse(e, 414, "uri_too_long", "The request line is longer than 8 KiB.");
    bool http11 = false;
    struct framing f = {0};
    enum http_head_verdict v = check_request_line(p, line_len(p, lf), &http11, e);
    if (v != HTTP_HEAD_OK)
        return v;
    const char *headers = lf + 1;
    int count = 0;
    for (p = headers;; p = lf + 1) {
        lf = line_end(p, end);
        if ((size_t)((lf ? lf : end) - headers) > HTTP_HEADERS_MAX_BYTES)
            return refuse(e, 431, "request_header_fields_too_large",
                          "The request headers are larger than 16 KiB.");
        if (!lf)
            return HTTP_HEAD_MORE;
        size_t len = line_len(p, lf);
        if (len == 0)
            break;
        if (++count > HTTP_HEADERS_MAX)
            return refuse(e, 431, "request_header_fields_too_large",
                          "The request has more than 100 header lines.");
        if ((v = check_header(p, len, &f, max_body, e)) != HTTP_HEAD_OK)
            return v;
    }
    return check_framing(&f, http11, e);
}
