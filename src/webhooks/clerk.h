/* SPDX-License-Identifier: MIT */
/* POST /webhooks/clerk: Clerk user events delivered by Svix. The signature check
 * (svix.c) is a pure function so it can be tested without a server; the handler
 * (clerk_http.c) maps user.created / user.updated / user.deleted onto the users service. */
#ifndef PETE_WEBHOOKS_CLERK_H
#define PETE_WEBHOOKS_CLERK_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"
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

/* Claims (claim true) a verified delivery id before it is applied, or gives the claim back
 * (claim false) when applying failed; *fresh as clerk_store_claim. clerk_service.c. */
struct app;
app_err clerk_delivery(struct app *a, const char *id, bool claim, bool *fresh);

/* Deliveries (clerk_store.c): a verified delivery id is claimed before it is applied.
 * *fresh false: it was claimed within the last 2 * SVIX_TOLERANCE_SECONDS (a replay, or
 * Svix retrying one that was applied). Older claims are dropped as new ones come. */
app_err clerk_store_claim(db_conn *c, const char *id, int64_t now, bool *fresh);
/* Gives a claim back (the delivery failed to apply: Svix's retry must be applied). */
app_err clerk_store_forget(db_conn *c, const char *id);

/* The route handler (public route: authenticated by the signature). */
int clerk_http_webhook(http_req *r);

#endif
