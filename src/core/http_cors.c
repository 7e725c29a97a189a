/* SPDX-License-Identifier: MIT */
/* CORS allow-list and the same-site check for cookie-authenticated writes. The list is
 * parsed once at start-up and read-only afterwards. Never "*": we send credentials. */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/http_internal.h"
#include "core/mem.h"

#define MAX_ORIGINS 32

static char *origins[MAX_ORIGINS];
static int norigins;
static char *own_origin; /* scheme://host[:port] of PUBLIC_URL */

static void add_origin(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '/'))
        len--;
    if (len == 0 || norigins == MAX_ORIGINS)
        return;
    origins[norigins++] = mem_strndup(s, len);
}

int http_cors_setup(const struct config *cfg)
{
    const char *p = cfg->cors_origins;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        add_origin(p, len);
        p = comma ? comma + 1 : NULL;
    }
    const char *u = cfg->public_url;
    const char *host = strstr(u, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    own_origin = slash ? mem_strndup(u, (size_t)(slash - u)) : mem_strdup(u);
    return 0;
}

void http_cors_cleanup(void)
{
    for (int i = 0; i < norigins; i++)
        free(origins[i]);
    norigins = 0;
    free(own_origin);
    own_origin = NULL;
}

bool http_cors_allowed(const char *origin)
{
    if (!origin)
        return false;
    for (int i = 0; i < norigins; i++)
        if (strcasecmp(origins[i], origin) == 0)
            return true;
    return false;
}

bool http_cors_same_site(const http_req *r)
{
    const char *origin = http_header(r, "Origin");
    if (origin)
        return http_cors_allowed(origin) || (own_origin && strcasecmp(origin, own_origin) == 0);
    const char *site = http_header(r, "Sec-Fetch-Site");
    return site && (strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0);
}

void http_cors_decorate(http_req *r)
{
    const char *origin = http_header(r, "Origin");
    if (!r->resp || !origin)
        return;
    MHD_add_response_header(r->resp, "Vary", "Origin");
    if (!http_cors_allowed(origin))
        return;
    MHD_add_response_header(r->resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(r->resp, "Access-Control-Allow-Credentials", "true");
    MHD_add_response_header(r->resp, "Access-Control-Expose-Headers", "X-Request-Id, Location");
}

int http_cors_preflight(http_req *r, const char *allow)
{
    const char *origin = http_header(r, "Origin");
    const char *want = http_header(r, "Access-Control-Request-Method");
    if (!origin || !want) {
        http_reply_empty(r, 204);
        http_add_header(r, "Allow", allow);
        return 0;
    }
    if (!http_cors_allowed(origin))
        return http_reply_error(r, 403, "origin_not_allowed",
                                "This origin is not allowed to call the API.");
    http_reply_empty(r, 204);
    http_add_header(r, "Access-Control-Allow-Methods", allow);
    http_add_header(r, "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, X-Request-Id");
    http_add_header(r, "Access-Control-Max-Age", "600");
    return 0;
}
