/* SPDX-License-Identifier: MIT */
/* Webhook authentication for one agent (SPEC §6): the agent's secret as X-Vapi-Secret, as a
 * Bearer token, or as the key of an HMAC-SHA256 signature over the body or "timestamp.body".
 * Pure: the caller looks the headers up (names from vapi_auth_names) and passes the time.
 * Secrets are compared through SHA-256 digests with sodium_memcmp, so neither the content nor
 * the length of the secret shows in the timing; digests and HMAC state are wiped. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vapi/vapi.h"

#define MAC_LEN crypto_auth_hmacsha256_BYTES

/* given == secret, in time independent of where they differ and of the secret's length. */
static bool secret_equal(const char *given, const char *secret)
{
    unsigned char a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(a, (const unsigned char *)given, strlen(given));
    crypto_hash_sha256(b, (const unsigned char *)secret, strlen(secret));
    bool eq = sodium_memcmp(a, b, sizeof a) == 0;
    sodium_memzero(a, sizeof a);
    sodium_memzero(b, sizeof b);
    return eq;
}

/* The token of "Bearer <token>" (scheme case-insensitive), or NULL. */
static const char *bearer_token(const char *v)
{
    if (strncasecmp(v, "Bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\t'))
        return NULL;
    v += 6;
    v += strspn(v, " \t");
    return *v ? v : NULL;
}

/* 64 hex digits (either case), optionally after "sha256=", into out; -1 otherwise. */
static int sig_decode(const char *v, unsigned char out[MAC_LEN])
{
    if (strncasecmp(v, "sha256=", 7) == 0)
        v += 7;
    size_t n = strlen(v), bin_len = 0;
    const char *end = NULL;
    if (n != 2 * MAC_LEN)
        return -1;
    if (sodium_hex2bin(out, MAC_LEN, v, n, NULL, &bin_len, &end) != 0 || bin_len != MAC_LEN ||
        end != v + n)
        return -1;
    return 0;
}

/* Decimal Unix seconds, or milliseconds when above 10^12, as seconds. */
static bool parse_ts(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16 || strspn(s, "0123456789") != n)
        return false;
    int64_t v = strtoll(s, NULL, 10);
    if (v > 1000000000000LL)
        v /= 1000;
    *out = v;
    return true;
}

/* HMAC-SHA256 keyed with the secret's bytes over ["<ts>."]body. */
static void sign(const char *secret, const char *ts, const void *body, size_t len,
                 unsigned char mac[MAC_LEN])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    if (ts) {
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    }
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

static bool sign_matches(const char *secret, const char *ts, const void *body, size_t len,
                         const unsigned char want[MAC_LEN])
{
    unsigned char mac[MAC_LEN];
    sign(secret, ts, body, len, mac);
    bool eq = sodium_memcmp(mac, want, MAC_LEN) == 0;
    sodium_memzero(mac, sizeof mac);
    return eq;
}

static int check_signature(const char *secret, const struct vapi_auth_headers *h,
                           const void *body, size_t len, int64_t now)
{
    unsigned char want[MAC_LEN];
    int64_t ts = 0;
    int rc;
    if (sig_decode(h->signature, want) != 0)
        rc = VAPI_AUTH_E_SIG_FORMAT;
    else if (!h->timestamp)
        rc = sign_matches(secret, NULL, body, len, want) ? VAPI_AUTH_OK : VAPI_AUTH_E_SIGNATURE;
    else if (!parse_ts(h->timestamp, &ts))
        rc = VAPI_AUTH_E_TS_FORMAT;
    else if (sign_matches(secret, h->timestamp, body, len, want))
        rc = (ts < now - VAPI_AUTH_TOLERANCE || ts > now + VAPI_AUTH_TOLERANCE)
                 ? VAPI_AUTH_E_TS_WINDOW
                 : VAPI_AUTH_OK;
    else if (sign_matches(secret, NULL, body, len, want))
        rc = VAPI_AUTH_E_TS_UNSIGNED;
    else
        rc = VAPI_AUTH_E_SIGNATURE;
    sodium_memzero(want, sizeof want);
    return rc;
}

int vapi_auth_check(const char *secret, const struct vapi_auth_headers *h, const void *body,
                    size_t len, int64_t now, enum vapi_auth_via *via)
{
    if (via)
        *via = VAPI_VIA_NONE;
    if (!secret || !*secret)
        return VAPI_AUTH_E_NO_SECRET;
    if (!h)
        return VAPI_AUTH_E_MISSING;
    if (!body) {
        body = "";
        len = 0;
    }
    int rc = VAPI_AUTH_E_MISSING;
    enum vapi_auth_via ok = VAPI_VIA_NONE;
    if (h->secret) {
        rc = VAPI_AUTH_E_SECRET;
        if (secret_equal(h->secret, secret))
            ok = VAPI_VIA_SECRET;
    }
    if (!ok && h->authorization) {
        const char *tok = bearer_token(h->authorization);
        rc = VAPI_AUTH_E_SECRET;
        if (tok && secret_equal(tok, secret))
            ok = VAPI_VIA_BEARER;
    }
    if (!ok && h->signature) {
        rc = check_signature(secret, h, body, len, now);
        if (rc == VAPI_AUTH_OK)
            ok = VAPI_VIA_SIGNATURE;
    }
    if (!ok)
        return rc;
    if (via)
        *via = ok;
    return VAPI_AUTH_OK;
}

const char *vapi_auth_reason(int r)
{
    switch (r) {
    case VAPI_AUTH_OK:
        return "ok";
    case VAPI_AUTH_E_NO_SECRET:
        return "agent has no webhook secret";
    case VAPI_AUTH_E_MISSING:
        return "no credential header";
    case VAPI_AUTH_E_SECRET:
        return "secret mismatch";
    case VAPI_AUTH_E_SIG_FORMAT:
        return "signature not 64 hex digits";
    case VAPI_AUTH_E_SIGNATURE:
        return "signature mismatch";
    case VAPI_AUTH_E_TS_FORMAT:
        return "timestamp not a number";
    case VAPI_AUTH_E_TS_WINDOW:
        return "timestamp more than 5 minutes off";
    case VAPI_AUTH_E_TS_UNSIGNED:
        return "timestamp not covered by the signature";
    default:
        return "unknown";
    }
}

void vapi_auth_names_default(struct vapi_auth_names *n)
{
    memset(n, 0, sizeof *n);
    memcpy(n->signature, VAPI_DEFAULT_SIGNATURE_HEADER, sizeof VAPI_DEFAULT_SIGNATURE_HEADER);
    memcpy(n->timestamp, VAPI_DEFAULT_TIMESTAMP_HEADER, sizeof VAPI_DEFAULT_TIMESTAMP_HEADER);
}

bool vapi_header_name_valid(const char *name)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!name)
        return false;
    size_t n = 0;
    for (; name[n]; n++) {
        unsigned char c = (unsigned char)name[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr(extra, c) != NULL;
        if (!ok || n >= VAPI_HEADER_NAME_MAX)
            return false;
    }
    return n > 0;
}

/* Copies config[key] into dst when it is present; false when it is not a valid name. */
static bool name_from(const json_t *j_config, const char *key, char dst[VAPI_HEADER_NAME_MAX + 1])
{
    const json_t *j = json_object_get(j_config, key);
    if (!j || json_is_null(j))
        return true;
    const char *s = json_string_value(j);
    if (!vapi_header_name_valid(s))
        return false;
    memcpy(dst, s, strlen(s) + 1);
    return true;
}

bool vapi_auth_names_from_config(const json_t *j_config, struct vapi_auth_names *n)
{
    struct vapi_auth_names t;
    vapi_auth_names_default(&t);
    vapi_auth_names_default(n);
    if (!json_is_object(j_config))
        return j_config == NULL || json_is_null(j_config);
    if (!name_from(j_config, "signature_header", t.signature) ||
        !name_from(j_config, "timestamp_header", t.timestamp))
        return false;
    *n = t;
    return true;
}
