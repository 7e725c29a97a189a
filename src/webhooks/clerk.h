/* SPDX-License-Identifier: MIT */
/* POST /webhooks/clerk: Clerk user events delivered by Svix. The signature check
 * (svix.c) is a pure function so it can be tested without a server; the handler
 * (clerk_http.c) maps user.created / user.updated / user.deleted onto the users service. */
#ifndef PETE_WEBHOOKS_CLERK_H
#define PETE_WEBHOOKS_CLERK_H

#include <stddef.h>

#include "core/http.h"

#define SVIX_TOLERANCE_SECONDS 300

enum svix_result {
    SVIX_OK = 0,
    SVIX_E_SECRET = -1,    /* secret missing or not base64 after "whsec_" */
    SVIX_E_HEADER = -2,    /* a header missing or malformed, no "v1," signature */
    SVIX_E_TIMESTAMP = -3, /* more than SVIX_TOLERANCE_SECONDS from now, either way */
    SVIX_E_SIGNATURE = -4  /* no listed signature matches */
};

/* Verifies a Svix delivery: HMAC-SHA256 keyed with the base64 text after "whsec_" in secret,
 * over "{id}.{ts}.{body}", against each space-separated "v1,<base64>" entry of sigs (any match
 * wins; constant-time compare). ts is integer seconds, within the tolerance of now.
 * body need not be NUL-terminated. Returns SVIX_OK or an enum svix_result error. */
int svix_verify(const char *secret, const char *id, const char *ts, const char *sigs,
                const char *body, size_t len, long now);

/* The route handler (public route: authenticated by the signature). */
int clerk_http_webhook(http_req *r);

#endif
