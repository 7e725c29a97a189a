/* SPDX-License-Identifier: MIT */
/* The gate's check of a new connection's first request head (src/core/http_head.c): every
 * class of head it accepts, waits on or refuses, with the status and code it answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/http_internal.h"

#define MAX_BODY 1048576L

static enum http_head_verdict check(const char *head, struct http_head_error *e)
{
    return http_head_check(head, strlen(head), MAX_BODY, e);
}

static void expect_refused(const char *head, unsigned status, const char *code)
{
    struct http_head_error e;
    if (check(head, &e) != HTTP_HEAD_REFUSE)
        fail_msg("not refused: %.80s", head);
    assert_int_equal(e.status, status);
    assert_string_equal(e.code, code);
    assert_non_null(e.message);
    assert_null(strchr(e.message, '"')); /* written into JSON as is */
}

static void accepted_heads(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /health HTTP/1.0\r\n\r\n", /* HTTP/1.0 needs no Host */
        "GET /x HTTP/1.1\nHost: a\n\n", /* bare LF line ends */
        "\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", /* an empty line first (RFC 9112 §2.2) */
        "POST /auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "GET /x?a=1&b=2 HTTP/1.1\r\nHost: a\r\nCookie: a=1; b=2\r\n\r\n",
        "GET /x HTTP/1.1\r\nhost:a\r\nX-Empty:\r\n\r\n",
    };
    struct http_head_error e;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (check(ok[i], &e) != HTTP_HEAD_OK)
            fail_msg("refused (%u %s): %s", e.status, e.code ? e.code : "", ok[i]);
}

static void incomplete_heads_wait(void **state)
{
    (void)state;
    static const char *const more[] = {
        "", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: a\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r", "PRI * HTTP/2", /* too short to tell yet */
    };
    struct http_head_error e;
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        assert_int_equal(check(more[i], &e), HTTP_HEAD_MORE);
}

static char *repeat_into(const char *pre, const char *unit, size_t times, const char *post)
{
    size_t n = strlen(pre) + strlen(unit) * times + strlen(post) + 1;
    char *s = malloc(n), *p = s;
    p += sprintf(p, "%s", pre);
    for (size_t i = 0; i < times; i++)
        p += sprintf(p, "%s", unit);
    sprintf(p, "%s", post);
    return s;
}

static void limits(void **state)
{
    (void)state;
    struct http_head_error e;
    /* a request line over 8 KiB: refused before its end arrives */
    char *line = repeat_into("GET /", "a", 9000, "");
    expect_refused(line, 414, "uri_too_long");
    free(line);
    line = repeat_into("GET /", "a", 8000, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(check(line, &e), HTTP_HEAD_OK);
    free(line);
    /* query parameters: 100 pass, 101 do not */
    char *q = repeat_into("GET /x?a=1", "&a=1", 99, " HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_int_equal(check(q, &e), HTTP_HEAD_OK);
    free(q);
    q = repeat_into("GET /x?a=1", "&a=1", 100, " HTTP/1.1\r\nHost: a\r\n\r\n");
    expect_refused(q, 414, "uri_too_long");
    free(q);
    /* header lines: 100 pass, 101 do not; 16 KiB of headers, also before the end */
    char *h = repeat_into("GET / HTTP/1.1\r\nHost: a\r\n", "X: y\r\n", 99, "\r\n");
    assert_int_equal(check(h, &e), HTTP_HEAD_OK);
    free(h);
    h = repeat_into("GET / HTTP/1.1\r\nHost: a\r\n", "X: y\r\n", 100, "\r\n");
    expect_refused(h, 431, "request_header_fields_too_large");
    free(h);
    h = repeat_into("GET / HTTP/1.1\r\nHost: a\r\nX-Big: ", "b", 17000, "");
    expect_refused(h, 431, "request_header_fields_too_large");
    free(h);
    /* cookies: 100 pass, 101 do not */
    h = repeat_into("GET / HTTP/1.1\r\nHost: a\r\nCookie: c=1", "; c=1", 99, "\r\n\r\n");
    assert_int_equal(check(h, &e), HTTP_HEAD_OK);
    free(h);
    h = repeat_into("GET / HTTP/1.1\r\nHost: a\r\nCookie: c=1", "; c=1", 100, "\r\n\r\n");
    expect_refused(h, 431, "request_header_fields_too_large");
    free(h);
}

static void protocol(void **state)
{
    (void)state;
    expect_refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "http_version_not_supported");
    expect_refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported");
    expect_refused("GET / HTTP/0.9\r\n\r\n", 505, "http_version_not_supported");
    expect_refused("GET / HTTP/1.1\r\n\r\n", 400, "missing_host");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request");
    expect_refused("GET /\r\n\r\n", 400, "bad_request");           /* no version */
    expect_refused("GET  HTTP/1.1\r\n\r\n", 400, "bad_request");    /* no target */
    expect_refused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request");
    expect_refused("GET / HTTPS/1.1\r\nHost: a\r\n\r\n", 400, "bad_request");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", 400, "bad_request");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n", 400, "bad_request");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400, "bad_request");
    expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400, "bad_request");
}

static void body_framing(void **state)
{
    (void)state;
    static const char pre[] = "POST /x HTTP/1.1\r\nHost: a\r\n";
    char h[256];
    static const struct {
        const char *hdrs;
        unsigned status;
        const char *code;
    } bad[] = {
        {"Content-Length: abc\r\n", 400, "bad_request"},
        {"Content-Length: 12abc\r\n", 400, "bad_request"},
        {"Content-Length: -1\r\n", 400, "bad_request"},
        {"Content-Length:\r\n", 400, "bad_request"},
        {"Content-Length: 5\r\nContent-Length: 6\r\n", 400, "bad_request"},
        {"Content-Length: 1048577\r\n", 413, "payload_too_large"},
        {"Content-Length: 99999999999999999999999\r\n", 413, "payload_too_large"},
        {"Transfer-Encoding: gzip\r\n", 501, "not_implemented"},
        {"Transfer-Encoding: gzip, chunked\r\n", 501, "not_implemented"},
        {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 501, "not_implemented"},
        {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400, "bad_request"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(h, sizeof h, "%s%s\r\n", pre, bad[i].hdrs);
        expect_refused(h, bad[i].status, bad[i].code);
    }
    struct http_head_error e;
    snprintf(h, sizeof h, "%sContent-Length: 1048576\r\n\r\n", pre);
    assert_int_equal(check(h, &e), HTTP_HEAD_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_heads), cmocka_unit_test(incomplete_heads_wait),
        cmocka_unit_test(limits),         cmocka_unit_test(protocol),
        cmocka_unit_test(body_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
