/* SPDX-License-Identifier: MIT */
/* Private to src/core/auth*.c (and tests/unit/test_jwt.c): the verifier's issuers,
 * keysets and verified-token cache.
 *
 * A keyset is immutable once built; an issuer swaps its keyset pointer under its mutex.
 * Verifiers never share a Rhonabwy object: they copy the JSON text of the one key they
 * need while holding the mutex and import it into their own jwk_t. */
#ifndef PETE_CORE_AUTH_INTERNAL_H
#define PETE_CORE_AUTH_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"

#define AUTH_SKEW_SECONDS 60
#define AUTH_REFRESH_SECONDS 30     /* at most one JWKS fetch per issuer per this */
#define AUTH_JWKS_MAX_AGE 3600      /* refetch a JWKS this old, so retired keys drop out */
#define AUTH_JWKS_MAX_BYTES (256 * 1024)
#define AUTH_TOKEN_MAX_BYTES 16384
/* Segment bounds checked before any library parses a token (base64url characters). */
#define AUTH_HEADER_MAX_CHARS 2048
#define AUTH_PAYLOAD_MAX_CHARS 12288
#define AUTH_SIG_MAX_CHARS 1366     /* an 8192-bit RSA signature */
#define AUTH_CACHE_WAYS 4
#define AUTH_CACHE_SETS 1024        /* 4,096 entries */
#define AUTH_CACHE_STRIPES 64

/* Allowed signature algorithms (bit set). */
#define AUTH_ALG_RS256 1u
#define AUTH_ALG_ES256 2u
#define AUTH_ALG_EDDSA 4u

/* Key families, checked against the token's alg before verification. */
enum auth_kty { AUTH_KTY_RSA = 1, AUTH_KTY_EC256, AUTH_KTY_ED25519 };

/* What a verifier needs to know of a key besides its JSON. */
struct auth_key_info {
    enum auth_kty kty;
    unsigned alg;       /* the JWK's own "alg" as AUTH_ALG_*, 0 when it names none */
    unsigned sig_bytes; /* exact signature length: 64 (ES256, EdDSA), modulus bytes (RS256) */
};

struct auth_key {
    char *kid;  /* NULL when the key has none (a PEM key) */
    char *json; /* public JWK, JSON text */
    struct auth_key_info info;
};

struct auth_keyset {
    size_t n;
    struct auth_key *keys;
};

struct auth_issuer {
    char *iss;
    char *jwks_url;   /* NULL: static keyset (built-in or PEM) */
    char *audience;   /* NULL: not checked */
    char **parties;   /* authorized parties (azp); NULL: not checked */
    size_t n_parties;
    unsigned algs;
    pthread_mutex_t lock;       /* guards keys, keys_at, last_fetch, fetches */
    pthread_mutex_t fetch_lock; /* one JWKS fetch at a time */
    struct auth_keyset *keys;   /* NULL until first fetched */
    int64_t keys_at;            /* monotonic seconds when keys were fetched */
    int64_t last_fetch;         /* monotonic seconds of the last attempt, 0 = never */
    unsigned long fetches;      /* attempts, for tests */
};

struct auth_cache_entry {
    unsigned char hash[32];
    int64_t exp; /* 0: empty slot */
    uint64_t stamp;
    struct auth_claims claims;
};

struct auth_cache_stripe {
    pthread_mutex_t lock; /* guards its sets, clock and hits */
    uint64_t clock;       /* insertion counter, orders entries for eviction */
    unsigned long hits;   /* for tests */
} __attribute__((aligned(64)));

struct auth_cache {
    struct auth_cache_stripe stripes[AUTH_CACHE_STRIPES];
    struct auth_cache_entry *sets; /* AUTH_CACHE_SETS * AUTH_CACHE_WAYS, set s in stripe
                                      s % AUTH_CACHE_STRIPES */
};

/* auth_revoked.c: the set of revoked token ids (see auth_revoke in auth.h). */
struct auth_revoked;
struct auth_revoked *auth_revoked_new(void);
void auth_revoked_free(struct auth_revoked *r);
/* Adds token_id until exp (nothing when exp <= now); thread-safe. */
void auth_revoked_add(struct auth_revoked *r, const char *token_id, int64_t exp, int64_t now);
bool auth_revoked_has(struct auth_revoked *r, const char *token_id);

struct auth {
    struct auth_issuer *issuers; /* [0] is the built-in issuer */
    struct auth_revoked *revoked;
    size_t n_issuers;
    char *sign_jwk;              /* built-in private JWK, JSON text */
    char *sign_kid;
    struct auth_cache cache;
    int64_t time_offset;         /* tests only: added to every clock reading */
    bool curl_init;
};

/* Clocks in seconds, both shifted by a->time_offset. */
int64_t auth_now(const auth *a);
int64_t auth_mono(const auth *a);

/* auth_keys.c */
void auth_keyset_free(struct auth_keyset *ks);
/* Loads DATA_DIR/issuer.jwk or creates it (0600, directory 0700, temp file + rename).
 * Fills a->sign_jwk, a->sign_kid and the built-in issuer's keyset. */
app_err auth_keys_builtin(auth *a, const char *data_dir);
/* Builds a one-key keyset from a PEM public key (RSA, EC P-256 or Ed25519); "\n"
 * sequences in pem are unescaped first. NULL on error. */
struct auth_keyset *auth_keys_from_pem(const char *pem);
/* Builds a keyset from a JWKS document; unusable keys are skipped. NULL when none is usable. */
struct auth_keyset *auth_keys_from_jwks(const char *text, size_t len);
/* The JSON text (new string, free()) and facts (*info) of the issuer's key for kid (NULL:
 * none), fetching the JWKS lazily and refreshing it (rate-limited) on an unknown kid. */
char *auth_keys_find(auth *a, struct auth_issuer *is, const char *kid,
                     struct auth_key_info *info);
/* The members of the JWK object j_key that may reach Rhonabwy's importer, checked: a new
 * object (json_decref) holding kty, use, alg, kid, crv as bounded strings and n, e, x, y as
 * bounded canonical base64url; other members dropped. NULL when one of those is malformed or
 * the key carries private members. */
json_t *auth_keys_jwk_sanitized(const json_t *j_key);

/* auth_cache.c */
int auth_cache_init(struct auth_cache *c);
void auth_cache_cleanup(struct auth_cache *c);
void auth_cache_hash(const char *token, size_t len, unsigned char hash[32]);
/* Copies the claims of a cached, unexpired verification into *out: 1 on a hit. */
int auth_cache_get(struct auth_cache *c, const unsigned char hash[32], int64_t now,
                   struct auth_claims *out);
void auth_cache_put(struct auth_cache *c, const unsigned char hash[32],
                    const struct auth_claims *claims);
void auth_cache_empty(struct auth_cache *c);
unsigned long auth_cache_hits(struct auth_cache *c);

/* Test hooks. */
void auth_test_advance(auth *a, int64_t seconds);
unsigned long auth_test_cache_hits(auth *a);
unsigned long auth_test_fetches(auth *a, const char *iss);

#endif
