/* SPDX-License-Identifier: MIT */
/* GET /openapi.json and GET /docs. The OpenAPI document (src/service/openapi.json, written by
 * hand and checked against the route table and real responses by tests/http/test_openapi.py)
 * and the self-contained page that renders it (src/service/docs.html) are compiled into the
 * binary by cmake/embed_text.cmake, so both answers are a copy of constant bytes: nothing
 * is read or parsed per request. no-cache makes browsers revalidate after an upgrade. */
#include <stddef.h>

#include "service/service.h"

/* Generated from the two files at build time (cmake/embed_text.cmake). */
extern const char service_openapi_json[];
extern const size_t service_openapi_json_len;
extern const char service_docs_html[];
extern const size_t service_docs_html_len;

/* The page runs only its own inline script and style and talks only to this origin. */
#define DOCS_CSP                                                                          \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "         \
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "           \
    "frame-ancestors 'none'"

int service_openapi(http_req *r)
{
    http_reply_text(r, 200, "application/json; charset=utf-8", service_openapi_json,
                    service_openapi_json_len);
    http_add_header(r, "Cache-Control", "no-cache");
    return 0;
}

int service_docs(http_req *r)
{
    http_reply_text(r, 200, "text/html; charset=utf-8", service_docs_html,
                    service_docs_html_len);
    http_add_header(r, "Cache-Control", "no-cache");
    http_add_header(r, "Content-Security-Policy", DOCS_CSP);
    http_add_header(r, "X-Content-Type-Options", "nosniff");
    return 0;
}
