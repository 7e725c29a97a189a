/* SPDX-License-Identifier: MIT */
/* Token verification and the built-in issuer (SPEC §3). A token is parsed into a jwt_t of
 * its own, ignoring every key or URL its header names; its alg must be on the issuer's
 * allow-list (RS256, ES256, EdDSA) and fit the key found by kid in that issuer's keyset;
 * after the signature, the claims (exp, nbf, iat with 60 s skew, aud, azp, subject) are
 * checked here. Verified tokens are remembered in auth_cache.c until they expire. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <rhonabwy.h>
#include <sodium.h>

#include "core/auth_internal.h"
#include "core/b64.h"
#include "core/log.h"
#include "core/mono.h"

int64_t auth_now(const auth *a)
{
    return (int64_t)time(NULL) + a->time_offset;
}

int64_t auth_mono(const auth *a)
{
    /* +1 keeps a reading of 0 distinct from "never fetched" */
    return mono_s() + 1 + a->time_offset;
}

/* ---- configuration ---------------------------------------------------------------- */

static char *trimmed(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return strndup(s, len);
}

/* Splits a comma list into trimmed, non-empty strings. Returns -1 on out of memory. */
static int split_list(const char *list, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *item = trimmed(p, len);
        char **grown = item ? realloc(*out, (*n + 1) * sizeof(char *)) : NULL;
        if (!grown) {
            free(item);
            return -1;
        }
        *out = grown;
        if (*item)
            (*out)[(*n)++] = item;
        else
            free(item);
        p = end ? end + 1 : p + len;
    }
    return 0;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static int issuer_init(struct auth_issuer *is, const char *iss, unsigned algs)
{
    if (strlen(iss) >= sizeof(((struct auth_claims *)0)->issuer)) {
        LOG_E("issuer longer than 255 bytes: %.64s...", iss);
        return -1;
    }
    is->iss = strdup(iss);
    is->algs = algs;
    pthread_mutex_init(&is->lock, NULL);
    pthread_mutex_init(&is->fetch_lock, NULL);
    return is->iss ? 0 : -1;
}

static void issuer_cleanup(struct auth_issuer *is)
{
    if (!is->iss)
        return;
    free(is->iss);
    free(is->jwks_url);
    free(is->audience);
    free_list(is->parties, is->n_parties);
    auth_keyset_free(is->keys);
    pthread_mutex_destroy(&is->lock);
    pthread_mutex_destroy(&is->fetch_lock);
}

struct issuer_conf {
    const char *iss, *url, *pem, *audience, *parties;
    const char *name; /* "AUTH_2" or "CLERK", for messages */
};

/* True when host (as libcurl's URL parser returns it: IPv6 in brackets) is loopback. */
static bool loopback_host(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    char buf[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (n < 3 || n >= sizeof(buf) || host[0] != '[' || host[n - 1] != ']')
        return false;
    memcpy(buf, host + 1, n - 2);
    buf[n - 2] = '\0';
    return inet_pton(AF_INET6, buf, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* A JWKS URL must be https, or http to a loopback host (a local stand-in or sidecar): keys
 * fetched in clear over a network could be swapped by anyone on the path. The URL is parsed
 * by libcurl, the same parser the fetch uses, so both see the same host. */
static bool jwks_url_ok(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    bool ok = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        ok = strcmp(scheme, "https") == 0 || (strcmp(scheme, "http") == 0 && loopback_host(host));
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

static app_err issuer_setup(auth *a, struct auth_issuer *is, const struct issuer_conf *c)
{
    if (issuer_init(is, c->iss, AUTH_ALG_RS256 | AUTH_ALG_ES256 | AUTH_ALG_EDDSA) != 0)
        return APP_E_INTERNAL;
    if ((c->url && *c->url) == (c->pem && *c->pem)) {
        LOG_E("issuer %s: set exactly one of %s_JWKS_URL and %s_%s", c->iss, c->name, c->name,
              strcmp(c->name, "CLERK") == 0 ? "JWT_KEY" : "PEM");
        return APP_E_PARAM;
    }
    if (c->url && *c->url) {
        if (!jwks_url_ok(c->url)) {
            LOG_E("%s_JWKS_URL must be an https URL (plain http only for a loopback host: "
                  "127.0.0.0/8, ::1, localhost)", c->name);
            return APP_E_PARAM;
        }
        if (!(is->jwks_url = strdup(c->url)))
            return APP_E_INTERNAL;
        if (!a->curl_init) {
            curl_global_init(CURL_GLOBAL_DEFAULT);
            a->curl_init = true;
        }
    } else if (!(is->keys = auth_keys_from_pem(c->pem))) {
        LOG_E("issuer %s: the PEM key is not an RSA (2048+), P-256 or Ed25519 public key",
              c->iss);
        return APP_E_PARAM;
    }
    if (c->audience && *c->audience && !(is->audience = strdup(c->audience)))
        return APP_E_INTERNAL;
    if (c->parties && split_list(c->parties, &is->parties, &is->n_parties) != 0)
        return APP_E_INTERNAL;
    return APP_OK;
}

static const char *raw_n(const char *fmt, size_t n, char *buf, size_t size)
{
    snprintf(buf, size, fmt, n);
    return config_raw(buf);
}

/* AUTH_ISSUERS entries and the CLERK_* shorthand, after the built-in issuer. */
static app_err external_issuers(auth *a, const struct config *cfg, char **list, size_t n)
{
    char k1[64], k2[64], k3[64], k4[64], name[32];
    app_err e;

    for (size_t i = 0; i < n; i++) {
        struct issuer_conf c = { list[i], raw_n("AUTH_%zu_JWKS_URL", i + 1, k1, sizeof(k1)),
                                 raw_n("AUTH_%zu_PEM", i + 1, k2, sizeof(k2)),
                                 raw_n("AUTH_%zu_AUDIENCE", i + 1, k3, sizeof(k3)),
                                 raw_n("AUTH_%zu_AUTHORIZED_PARTIES", i + 1, k4, sizeof(k4)),
                                 name };
        snprintf(name, sizeof(name), "AUTH_%zu", i + 1);
        if ((e = issuer_setup(a, &a->issuers[a->n_issuers++], &c)) != APP_OK)
            return e;
    }
    if (cfg->clerk_issuer && *cfg->clerk_issuer) {
        struct issuer_conf c = { cfg->clerk_issuer, cfg->clerk_jwks_url, cfg->clerk_jwt_key,
                                 NULL, cfg->clerk_authorized_parties, "CLERK" };
        if ((e = issuer_setup(a, &a->issuers[a->n_issuers++], &c)) != APP_OK)
            return e;
    } else if ((cfg->clerk_jwks_url && *cfg->clerk_jwks_url) ||
               (cfg->clerk_jwt_key && *cfg->clerk_jwt_key)) {
        LOG_E("CLERK_JWKS_URL or CLERK_JWT_KEY is set but CLERK_ISSUER is not");
        return APP_E_PARAM;
    }
    return APP_OK;
}

app_err auth_new(const struct config *cfg, const char *issuer, auth **out)
{
    auth *a = calloc(1, sizeof(*a));
    char **list = NULL;
    size_t n = 0;
    app_err e = APP_E_INTERNAL;

    if (!a || !issuer || !*issuer || sodium_init() < 0 || auth_cache_init(&a->cache) != 0)
        goto fail;
    a->revoked = auth_revoked_new();
    if (split_list(cfg->auth_issuers, &list, &n) != 0)
        goto fail;
    a->issuers = calloc(n + 2, sizeof(*a->issuers));
    if (!a->issuers || issuer_init(&a->issuers[0], issuer, AUTH_ALG_ES256) != 0)
        goto fail;
    a->n_issuers = 1;
    if ((e = auth_keys_builtin(a, cfg->data_dir ? cfg->data_dir : "./data")) != APP_OK)
        goto fail;
    if ((e = external_issuers(a, cfg, list, n)) != APP_OK)
        goto fail;
    free_list(list, n);
    *out = a;
    return APP_OK;
fail:
    free_list(list, n);
    auth_free(a);
    return e;
}

void auth_free(auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; a->issuers && i < a->n_issuers; i++)
        issuer_cleanup(&a->issuers[i]);
    free(a->issuers);
    if (a->sign_jwk) {
        sodium_memzero(a->sign_jwk, strlen(a->sign_jwk));
        free(a->sign_jwk);
    }
    free(a->sign_kid);
    auth_cache_cleanup(&a->cache);
    auth_revoked_free(a->revoked);
    if (a->curl_init)
        curl_global_cleanup();
    free(a);
}

/* ---- claims ----------------------------------------------------------------------- */

/* Reads a numeric claim; 0 when absent, -1 when present but not a number. */
static int num_claim(const json_t *j_claims, const char *key, int64_t *v)
{
    const json_t *j = json_object_get(j_claims, key);
    if (!j)
        return 0;
    if (json_is_integer(j))
        *v = (int64_t)json_integer_value(j);
    else if (json_is_real(j) && json_real_value(j) > -9e18 && json_real_value(j) < 9e18)
        *v = (int64_t)json_real_value(j);
    else
        return -1;
    return 1;
}

/* Copies a string claim into dst; 0 when it does not fit, is absent and required, or is
 * not a string. */
static int str_claim(const json_t *j_claims, const char *key, char *dst, size_t size)
{
    const json_t *j = json_object_get(j_claims, key);
    if (!j)
        return 1;
    if (!json_is_string(j) || json_string_length(j) >= size)
        return 0;
    memcpy(dst, json_string_value(j), json_string_length(j) + 1);
    return 1;
}

/* Copies at most size-1 bytes of s, not cutting a UTF-8 sequence. */
static void copy_utf8(char *dst, size_t size, const char *s, size_t len)
{
    if (len >= size) {
        len = size - 1;
        while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* first_name/last_name, else "name" split at its first space. */
static void names(const json_t *j_claims, struct auth_claims *out)
{
    const char *first = json_string_value(json_object_get(j_claims, "first_name"));
    const char *last = json_string_value(json_object_get(j_claims, "last_name"));
    const char *name = json_string_value(json_object_get(j_claims, "name"));

    if ((first && *first) || (last && *last) || !name) {
        if (first)
            copy_utf8(out->first_name, sizeof(out->first_name), first, strlen(first));
        if (last)
            copy_utf8(out->last_name, sizeof(out->last_name), last, strlen(last));
        return;
    }
    while (*name == ' ')
        name++;
    size_t len = strcspn(name, " ");
    copy_utf8(out->first_name, sizeof(out->first_name), name, len);
    name += len;
    while (*name == ' ')
        name++;
    len = strlen(name);
    while (len && name[len - 1] == ' ')
        len--;
    copy_utf8(out->last_name, sizeof(out->last_name), name, len);
}

static int aud_ok(const json_t *j_claims, const char *audience)
{
    const json_t *j_aud = json_object_get(j_claims, "aud"), *j;
    size_t i;
    if (json_is_string(j_aud))
        return strcmp(json_string_value(j_aud), audience) == 0;
    json_array_foreach(j_aud, i, j) {
        if (json_is_string(j) && strcmp(json_string_value(j), audience) == 0)
            return 1;
    }
    return 0;
}

static int azp_ok(const json_t *j_claims, const struct auth_issuer *is)
{
    const char *azp = json_string_value(json_object_get(j_claims, "azp"));
    for (size_t i = 0; azp && i < is->n_parties; i++) {
        if (strcmp(is->parties[i], azp) == 0)
            return 1;
    }
    return 0;
}

/* Checks times, audience and party; fills out. Returns the reason or NULL. */
static const char *check_claims(const auth *a, const struct auth_issuer *is,
                                const json_t *j_claims, struct auth_claims *out)
{
    int64_t now = auth_now(a), nbf = 0;
    const json_t *j_uid = json_object_get(j_claims, "user_id");

    if (num_claim(j_claims, "exp", &out->exp) != 1)
        return "exp missing or not a number";
    if (out->exp <= now)
        return "expired";
    if (num_claim(j_claims, "nbf", &nbf) < 0 || nbf > now + AUTH_SKEW_SECONDS)
        return "nbf in the future";
    if (num_claim(j_claims, "iat", &out->iat) < 0 || out->iat > now + AUTH_SKEW_SECONDS)
        return "iat in the future";
    if (is->audience && !aud_ok(j_claims, is->audience))
        return "aud mismatch";
    if (is->n_parties && !azp_ok(j_claims, is))
        return "azp not an authorized party";
    if (!str_claim(j_claims, j_uid ? "user_id" : "sub", out->subject, sizeof(out->subject)) ||
        !out->subject[0])
        return "no usable subject";
    if (!str_claim(j_claims, "email", out->email, sizeof(out->email)))
        out->email[0] = '\0';
    names(j_claims, out);
    snprintf(out->issuer, sizeof(out->issuer), "%s", is->iss);
    return NULL;
}

/* ---- verification ----------------------------------------------------------------- */

static unsigned token_alg(jwt_t *jwt)
{
    switch (r_jwt_get_sign_alg(jwt)) {
    case R_JWA_ALG_RS256: return AUTH_ALG_RS256;
    case R_JWA_ALG_ES256: return AUTH_ALG_ES256;
    case R_JWA_ALG_EDDSA: return AUTH_ALG_EDDSA;
    default: return 0;
    }
}

static int alg_fits(unsigned alg, enum auth_kty kty)
{
    return (alg == AUTH_ALG_RS256 && kty == AUTH_KTY_RSA) ||
           (alg == AUTH_ALG_ES256 && kty == AUTH_KTY_EC256) ||
           (alg == AUTH_ALG_EDDSA && kty == AUTH_KTY_ED25519);
}

static struct auth_issuer *find_issuer(auth *a, const char *iss)
{
    for (size_t i = 0; iss && i < a->n_issuers; i++) {
        if (strcmp(a->issuers[i].iss, iss) == 0)
            return &a->issuers[i];
    }
    return NULL;
}

/* Checks the signature of the parsed jwt with the issuer's key for its kid; sig_chars is
 * the length of the token's signature segment, which must be exactly what the key's
 * signatures encode to before Rhonabwy decodes it. */
static const char *check_signature(auth *a, struct auth_issuer *is, jwt_t *jwt,
                                   size_t sig_chars)
{
    unsigned alg = token_alg(jwt);
    struct auth_key_info key = {0};
    const char *kid = r_jwt_get_header_str_value(jwt, "kid");
    const char *why = NULL;
    char *json = NULL;
    jwk_t *jwk = NULL;

    if (!(alg & is->algs))
        return "alg not allowed for this issuer";
    if (!kid || !*kid) /* SPEC §3: the kid must match a key of the issuer */
        return "no kid";
    json_t *j_crit = r_jwt_get_header_json_t_value(jwt, "crit"); /* a copy */
    json_decref(j_crit);
    if (j_crit)
        return "crit header names extensions we do not implement";
    if (!(json = auth_keys_find(a, is, kid, &key)))
        return "unknown kid";
    if (!alg_fits(alg, key.kty) || (key.alg && key.alg != alg))
        why = "alg does not fit the key";
    else if (sig_chars != b64url_encoded_len(key.sig_bytes))
        why = "signature length does not fit the key";
    else if (r_jwk_init(&jwk) != RHN_OK || r_jwk_import_from_json_str(jwk, json) != RHN_OK)
        why = "key import failed";
    else if (r_jwt_verify_signature(jwt, jwk, R_FLAG_IGNORE_REMOTE) != RHN_OK)
        why = "bad signature";
    r_jwk_free(jwk);
    free(json);
    return why;
}

/* The shape every token must have before a library sees it: three canonical, unpadded
 * base64url segments of bounded length. *sig_chars receives the signature's length.
 * Returns the rejection reason or NULL. */
static const char *token_shape(const char *token, size_t len, size_t *sig_chars)
{
    static const size_t max[3] = {AUTH_HEADER_MAX_CHARS, AUTH_PAYLOAD_MAX_CHARS,
                                  AUTH_SIG_MAX_CHARS};
    const char *p = token, *end = token + len;
    for (int i = 0; i < 3; i++) {
        const char *dot = i < 2 ? memchr(p, '.', (size_t)(end - p)) : end;
        if (!dot)
            return "not three segments";
        size_t n = (size_t)(dot - p);
        if (n == 0 || n > max[i])
            return "a segment is empty or too long";
        if (!b64url_canonical(p, n))
            return "a segment is not canonical unpadded base64url";
        if (i == 2)
            *sig_chars = n;
        p = dot + 1;
    }
    return NULL;
}

/* out->token_id: a digest of (issuer, jti) when j_claims has a usable jti, else of the
 * token's text. */
static void set_token_id(const json_t *j_claims, const char *token, size_t len,
                         struct auth_claims *out)
{
    unsigned char d[16];
    const json_t *j_jti = json_object_get(j_claims, "jti");
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof d);
    if (json_is_string(j_jti) && json_string_length(j_jti) > 0 &&
        json_string_length(j_jti) <= 256) {
        crypto_generichash_update(&st, (const unsigned char *)out->issuer, strlen(out->issuer));
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
        crypto_generichash_update(&st, (const unsigned char *)json_string_value(j_jti),
                                  json_string_length(j_jti));
    } else {
        crypto_generichash_update(&st, (const unsigned char *)token, len);
    }
    crypto_generichash_final(&st, d, sizeof d);
    sodium_bin2base64(out->token_id, sizeof out->token_id, d, sizeof d,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Full verification without the cache. Returns the rejection reason or NULL. */
static const char *verify_token(auth *a, const char *token, size_t len, size_t sig_chars,
                                struct auth_claims *out)
{
    jwt_t *jwt = NULL;
    json_t *j_claims = NULL;
    struct auth_issuer *is;
    const char *why;

    if (r_jwt_init(&jwt) != RHN_OK) {
        why = "out of memory";
    } else if (r_jwt_advanced_parse(jwt, token, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) !=
               RHN_OK) {
        why = "malformed or unsigned token";
    } else if (r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
        why = "not a signed JWT";
    } else if (!(j_claims = r_jwt_get_full_claims_json_t(jwt)) || !json_is_object(j_claims)) {
        why = "claims are not a JSON object";
    } else if (!(is = find_issuer(a, json_string_value(json_object_get(j_claims, "iss"))))) {
        why = "iss is not a configured issuer";
    } else if (!(why = check_signature(a, is, jwt, sig_chars)) &&
               !(why = check_claims(a, is, j_claims, out))) {
        set_token_id(j_claims, token, len, out);
    }
    json_decref(j_claims);
    r_jwt_free(jwt);
    return why;
}

app_err auth_verify(auth *a, const char *token, struct auth_claims *out)
{
    const char *why = NULL;
    return auth_verify_why(a, token, out, &why);
}

app_err auth_verify_why(auth *a, const char *token, struct auth_claims *out, const char **reason)
{
    struct auth_claims c;
    unsigned char hash[32];
    size_t len = token ? strnlen(token, AUTH_TOKEN_MAX_BYTES + 1) : 0;
    size_t sig_chars = 0;
    const char *why;

    *reason = NULL;
    if (len == 0 || len > AUTH_TOKEN_MAX_BYTES) {
        *reason = len ? "token too long" : "empty token";
        return APP_E_AUTH;
    }
    if ((why = token_shape(token, len, &sig_chars)) != NULL) {
        *reason = why;
        return APP_E_AUTH;
    }
    auth_cache_hash(token, len, hash);
    memset(&c, 0, sizeof(c));
    if (!auth_cache_get(&a->cache, hash, auth_now(a), &c)) {
        if ((why = verify_token(a, token, len, sig_chars, &c)) != NULL) {
            *reason = why;
            return APP_E_AUTH;
        }
        auth_cache_put(&a->cache, hash, &c);
    }
    if (auth_revoked_has(a->revoked, c.token_id)) {
        *reason = "revoked (signed out)";
        return APP_E_AUTH;
    }
    *out = c;
    return APP_OK;
}

void auth_cache_clear(auth *a)
{
    auth_cache_empty(&a->cache);
}

void auth_revoke(auth *a, const char *token_id, int64_t exp)
{
    auth_revoked_add(a->revoked, token_id, exp, auth_now(a));
}

/* ---- built-in issuer -------------------------------------------------------------- */

static int set_claims(jwt_t *jwt, const auth *a, const char *sub, const char *email,
                      const char *first, const char *last, long ttl)
{
    int64_t now = auth_now(a);
    int rc = r_jwt_set_claim_str_value(jwt, "iss", a->issuers[0].iss) |
             r_jwt_set_claim_str_value(jwt, "sub", sub) |
             r_jwt_set_claim_int_value(jwt, "iat", (rhn_int_t)now) |
             r_jwt_set_claim_int_value(jwt, "exp", (rhn_int_t)(now + ttl));
    unsigned char rnd[16];
    char jti[32];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2base64(jti, sizeof jti, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    rc |= r_jwt_set_claim_str_value(jwt, "jti", jti);
    if (email && *email)
        rc |= r_jwt_set_claim_str_value(jwt, "email", email);
    if (first && *first)
        rc |= r_jwt_set_claim_str_value(jwt, "first_name", first);
    if (last && *last)
        rc |= r_jwt_set_claim_str_value(jwt, "last_name", last);
    if ((first && *first) || (last && *last)) {
        char name[512];
        snprintf(name, sizeof(name), "%s%s%s", first ? first : "",
                 first && *first && last && *last ? " " : "", last ? last : "");
        rc |= r_jwt_set_claim_str_value(jwt, "name", name);
    }
    return rc;
}

char *auth_sign(auth *a, const char *sub, const char *email, const char *first_name,
                const char *last_name, long ttl_seconds)
{
    jwt_t *jwt = NULL;
    jwk_t *key = NULL;
    char *token = NULL, *out = NULL;

    if (!sub || !*sub || ttl_seconds <= 0)
        return NULL;
    if (r_jwt_init(&jwt) != RHN_OK || r_jwk_init(&key) != RHN_OK ||
        r_jwk_import_from_json_str(key, a->sign_jwk) != RHN_OK)
        goto out;
    if (r_jwt_set_sign_alg(jwt, R_JWA_ALG_ES256) != RHN_OK ||
        r_jwt_set_header_str_value(jwt, "kid", a->sign_kid) != RHN_OK ||
        r_jwt_set_header_str_value(jwt, "typ", "JWT") != RHN_OK ||
        set_claims(jwt, a, sub, email, first_name, last_name, ttl_seconds) != RHN_OK)
        goto out;
    token = r_jwt_serialize_signed(jwt, key, R_FLAG_IGNORE_REMOTE);
    out = token ? strdup(token) : NULL;
out:
    r_free(token);
    r_jwk_free(key);
    r_jwt_free(jwt);
    return out;
}

struct json_t *auth_jwks(auth *a)
{
    const struct auth_keyset *ks = a->issuers[0].keys; /* static: never swapped */
    json_t *j_key = json_loads(ks->keys[0].json, 0, NULL);
    if (!j_key)
        return NULL;
    return json_pack("{s:[o]}", "keys", j_key);
}

/* ---- test hooks ------------------------------------------------------------------- */

void auth_test_advance(auth *a, int64_t seconds)
{
    a->time_offset += seconds;
}

unsigned long auth_test_cache_hits(auth *a)
{
    return auth_cache_hits(&a->cache);
}

unsigned long auth_test_fetches(auth *a, const char *iss)
{
    struct auth_issuer *is = find_issuer(a, iss);
    unsigned long n = 0;
    if (is) {
        pthread_mutex_lock(&is->lock);
        n = is->fetches;
        pthread_mutex_unlock(&is->lock);
    }
    return n;
}
