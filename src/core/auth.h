/* SPDX-License-Identifier: MIT */
/* Token verification (SPEC §3): the built-in issuer (an ES256 key pair kept in
 * DATA_DIR/issuer.jwk, mode 0600) and external issuers (JWKS URL, cached, one
 * rate-limited refresh on an unknown kid; or a PEM key). Verified tokens are cached,
 * bounded, until they expire. Thread-safe. */
#ifndef PETE_CORE_AUTH_H
#define PETE_CORE_AUTH_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct auth_claims {
    char issuer[256];
    char subject[256]; /* user_id claim when present, else sub */
    char email[256];
    char first_name[128];
    char last_name[128];
    int64_t iat; /* 0 when absent */
    int64_t exp;
    /* The token's id for revocation: a digest of (issuer, jti) when the token has a jti,
     * else of the token itself; 22 base64url characters. */
    char token_id[24];
};

typedef struct auth auth;

/* Builds the verifier from cfg (AUTH_ISSUERS, AUTH_<N>_*, CLERK_*); creates the built-in
 * key pair in data_dir when missing. issuer is the built-in issuer's "iss". */
app_err auth_new(const struct config *cfg, const char *issuer, auth **out);
void auth_free(auth *a);

/* Verifies token; fills *out only on success. APP_E_AUTH for every rejection. */
app_err auth_verify(auth *a, const char *token, struct auth_claims *out);
/* As auth_verify; on a rejection *why names the reason (a static sentence for the security
 * log; never anything of the token). */
app_err auth_verify_why(auth *a, const char *token, struct auth_claims *out, const char **why);

/* Signs a token with the built-in key. email, first, last may be NULL.
 * Returns a new string the caller free()s, or NULL. */
char *auth_sign(auth *a, const char *sub, const char *email, const char *first_name,
                const char *last_name, long ttl_seconds);

/* The built-in issuer's public keys as a JWKS document; new reference. */
struct json_t *auth_jwks(auth *a);

/* Forgets cached verifications (used after a tenant is erased). */
void auth_cache_clear(auth *a);

/* Refuses the token with this token_id (struct auth_claims) from now until exp, here; the
 * caller stores the revocation so other instances learn it too (they call this as they
 * read it). Thread-safe. */
void auth_revoke(auth *a, const char *token_id, int64_t exp);

#endif
