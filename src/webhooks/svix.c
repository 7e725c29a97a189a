/* SPDX-License-Identifier: MIT */
/* Svix webhook signature verification (https://docs.svix.com/receiving/verifying-payloads/how-manual):
 * no state, no allocation, every key byte wiped before returning. */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "webhooks/clerk.h"

#define SVIX_KEY_MAX 128

/* Decodes standard base64 with or without padding; -1 on failure. */
static int b64_decode(const char *in, size_t in_len, unsigned char *out, size_t cap,
                      size_t *out_len)
{
    if (sodium_base642bin(out, cap, in, in_len, NULL, out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0)
        return 0;
    if (sodium_base642bin(out, cap, in, in_len, NULL, out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0)
        return 0;
    return -1;
}

/* Parses strictly decimal seconds; false on anything else. */
static bool parse_ts(const char *ts, long *out)
{
    size_t n = strlen(ts);
    if (n == 0 || n > 15 || strspn(ts, "0123456789") != n)
        return false;
    *out = strtol(ts, NULL, 10);
    return true;
}

static void sign(const unsigned char *key, size_t key_len, const char *id, const char *ts,
                 const char *body, size_t len, unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

/* Walks "v1,<b64> v1,<b64> ...": SVIX_OK on a match, SVIX_E_SIGNATURE when well-formed v1
 * entries exist but none matches, SVIX_E_HEADER when there is none. */
static int match_any(const char *sigs, const unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    bool seen = false;
    const char *p = sigs;
    while (*p) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        /* a 32-byte HMAC is 43 or 44 characters of base64: nothing longer is decoded */
        if (n > 3 && n <= 3 + 44 && strncmp(p, "v1,", 3) == 0) {
            unsigned char sig[64];
            size_t sig_len = 0;
            if (b64_decode(p + 3, n - 3, sig, sizeof sig, &sig_len) == 0 &&
                sig_len == crypto_auth_hmacsha256_BYTES) {
                seen = true;
                if (sodium_memcmp(sig, mac, sig_len) == 0)
                    return SVIX_OK;
            }
        }
        p += n;
    }
    return seen ? SVIX_E_SIGNATURE : SVIX_E_HEADER;
}

int svix_verify(const char *secret, const char *id, const char *ts, const char *sigs,
                const char *body, size_t len, long now)
{
    unsigned char key[SVIX_KEY_MAX], mac[crypto_auth_hmacsha256_BYTES];
    size_t key_len = 0;
    long t = 0;
    if (!secret || !*secret)
        return SVIX_E_SECRET;
    if (strncmp(secret, "whsec_", 6) == 0)
        secret += 6;
    if (b64_decode(secret, strlen(secret), key, sizeof key, &key_len) != 0 || key_len == 0)
        return SVIX_E_SECRET;
    int rc = SVIX_OK;
    if (!id || !*id || !ts || !sigs || !*sigs || (!body && len > 0) || !parse_ts(ts, &t))
        rc = SVIX_E_HEADER;
    else if (t < now - SVIX_TOLERANCE_SECONDS || t > now + SVIX_TOLERANCE_SECONDS)
        rc = SVIX_E_TIMESTAMP;
    if (rc == SVIX_OK) {
        sign(key, key_len, id, ts, body ? body : "", len, mac);
        rc = match_any(sigs, mac);
    }
    sodium_memzero(key, sizeof key);
    sodium_memzero(mac, sizeof mac);
    return rc;
}
