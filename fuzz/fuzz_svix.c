/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the Svix webhook signature check (src/webhooks/svix.c). The input is
 * a mode byte, then lines: [secret,] svix-id, svix-timestamp, svix-signature, then the body
 * (the rest, any bytes). Mode bit 0: the first line is the secret (else a fixed one). Mode
 * bit 1 (fixed secret only): a correct "v1," signature for the id, timestamp and body is
 * appended to the signature header, and then svix_verify must accept unless a header or the
 * timestamp is bad. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "webhooks/clerk.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600L /* 2026-01-01T00:00:00Z */

static const unsigned char fixed_key[32] = "pete-fuzz-svix-key-0123456789abc";
static char fixed_secret[80];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    memcpy(fixed_secret, "whsec_", 6);
    sodium_bin2base64(fixed_secret + 6, sizeof fixed_secret - 6, fixed_key, sizeof fixed_key,
                      sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/* Cuts the next line off [*p, end) as a new C string (embedded NULs end it early). */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = strndup((const char *)*p, n);
    if (!s)
        abort();
    *p = nl ? nl + 1 : end;
    return s;
}

/* "sigs v1,<base64 of the correct HMAC>" as a new string. */
static char *with_good_sig(const char *sigs, const char *id, const char *ts, const uint8_t *body,
                           size_t len)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, fixed_key, sizeof fixed_key);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    char b64[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(sigs) + strlen(b64) + 8;
    char *out = malloc(n);
    if (!out)
        abort();
    snprintf(out, n, "%s v1,%s", sigs, b64);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    unsigned mode = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    char *secret = (mode & 1) ? next_line(&p, end) : NULL;
    char *id = next_line(&p, end);
    char *ts = next_line(&p, end);
    char *sigs = next_line(&p, end);
    size_t len = (size_t)(end - p);
    /* the body is exactly its bytes; an empty one is passed as NULL, as the handler may */
    uint8_t *body = len ? malloc(len) : NULL;
    if (len && !body)
        abort();
    if (len)
        memcpy(body, p, len);

    const char *key = secret ? secret : fixed_secret;
    int rc = svix_verify(key, id, ts, sigs, (const char *)body, len, NOW);
    if (rc > 0 || rc < SVIX_E_SIGNATURE)
        abort();
    if (!secret && (mode & 2)) {
        char *good = with_good_sig(sigs, id, ts, body, len);
        rc = svix_verify(key, id, ts, good, (const char *)body, len, NOW);
        if (rc != SVIX_OK && rc != SVIX_E_HEADER && rc != SVIX_E_TIMESTAMP)
            abort(); /* a correct signature must never be reported as wrong */
        free(good);
    }
    free(body);
    free(sigs);
    free(ts);
    free(id);
    free(secret);
    return 0;
}
