/* SPDX-License-Identifier: MIT */
/* Pieces of the HTTP layer shared between http.c (daemon and dispatch), http_reply.c
 * (reply helpers) and http_cors.c (origin checks). Not for domain code. */
#ifndef PETE_CORE_HTTP_INTERNAL_H
#define PETE_CORE_HTTP_INTERNAL_H

#include <stdbool.h>

#include "core/http.h"

/* Parses CORS_ORIGINS and PUBLIC_URL once at start-up. */
int http_cors_setup(const struct config *cfg);
void http_cors_cleanup(void);
/* true when origin is in the allow-list. */
bool http_cors_allowed(const char *origin);
/* true when a cookie-authenticated unsafe request comes from our own origin or an allowed
 * one (Origin header) or the browser says same-origin (Sec-Fetch-Site). */
bool http_cors_same_site(const http_req *r);
/* Adds Access-Control-* headers for an allowed Origin to the response. */
void http_cors_decorate(http_req *r);
/* Answers an OPTIONS request; allow is the comma list of methods the path supports. */
int http_cors_preflight(http_req *r, const char *allow);

#endif
