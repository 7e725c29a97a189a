/* SPDX-License-Identifier: MIT */
/* Secrets at rest (XChaCha20-Poly1305 with the master key) and small helpers over
 * libsodium. Sealed format: base64(nonce || ciphertext+tag), standard alphabet. */
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64 sodium_base64_VARIANT_ORIGINAL

int crypto_setup(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

static int decode_key(const char *b64, unsigned char key[CRYPTO_KEY_BYTES])
{
    unsigned char buf[64];
    size_t n = 0;
    size_t len = strlen(b64);
    while (len > 0 && (b64[len - 1] == '\n' || b64[len - 1] == '\r' || b64[len - 1] == ' '))
        len--;
    if (sodium_base642bin(buf, sizeof buf, b64, len, NULL, &n, NULL, B64) != 0 ||
        n != CRYPTO_KEY_BYTES) {
        sodium_memzero(buf, sizeof buf);
        return -1;
    }
    memcpy(key, buf, CRYPTO_KEY_BYTES);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

/* Creates data_dir/master.key with a fresh key. Returns 0 created, 1 it already existed,
 * -1 error. */
static int create_key_file(const char *path, unsigned char key[CRYPTO_KEY_BYTES])
{
    char b64[sodium_base64_ENCODED_LEN(CRYPTO_KEY_BYTES, B64) + 1];
    randombytes_buf(key, CRYPTO_KEY_BYTES);
    sodium_bin2base64(b64, sizeof b64 - 1, key, CRYPTO_KEY_BYTES, B64);
    strcat(b64, "\n");
    int rc = files_write_new(path, b64);
    sodium_memzero(b64, sizeof b64);
    return rc;
}

app_err crypto_master_key_load(const char *b64, const char *data_dir,
                               unsigned char key[CRYPTO_KEY_BYTES])
{
    if (b64) {
        if (decode_key(b64, key) != 0) {
            LOG_E("MASTER_KEY must be base64 of exactly %d bytes", CRYPTO_KEY_BYTES);
            return APP_E_PARAM;
        }
        return APP_OK;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/master.key", data_dir);
    if (files_mkdir_p(data_dir) != 0) {
        LOG_E("cannot create %s: %s", data_dir, strerror(errno));
        return APP_E_INTERNAL;
    }
    int rc = create_key_file(path, key);
    if (rc == 0)
        return APP_OK;
    if (rc < 0) {
        LOG_E("cannot create %s: %s", path, strerror(errno));
        return APP_E_INTERNAL;
    }
    char text[128] = {0};
    FILE *f = fopen(path, "r");
    if (!f || !fgets(text, sizeof text, f) || decode_key(text, key) != 0) {
        if (f)
            fclose(f);
        LOG_E("%s is unreadable or not a base64 32-byte key", path);
        return APP_E_INTERNAL;
    }
    fclose(f);
    sodium_memzero(text, sizeof text);
    return APP_OK;
}

char *crypto_seal(const unsigned char key[CRYPTO_KEY_BYTES], const char *plaintext)
{
    size_t mlen = strlen(plaintext);
    size_t blen = NONCE_BYTES + mlen + TAG_BYTES;
    unsigned char *box = malloc(blen);
    char *out = NULL;
    if (!box)
        return NULL;
    randombytes_buf(box, NONCE_BYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE_BYTES, &clen,
                                               (const unsigned char *)plaintext, mlen, NULL, 0,
                                               NULL, box, key);
    size_t olen = sodium_base64_ENCODED_LEN(blen, B64);
    out = malloc(olen);
    if (out)
        sodium_bin2base64(out, olen, box, blen, B64);
    free(box);
    return out;
}

char *crypto_open(const unsigned char key[CRYPTO_KEY_BYTES], const char *sealed_b64)
{
    size_t inlen = strlen(sealed_b64);
    size_t cap = inlen; /* decoded is always shorter */
    unsigned char *box = malloc(cap + 1);
    char *out = NULL;
    size_t blen = 0;
    if (!box)
        return NULL;
    if (sodium_base642bin(box, cap, sealed_b64, inlen, NULL, &blen, NULL, B64) != 0 ||
        blen < NONCE_BYTES + TAG_BYTES)
        goto out;
    size_t mlen = blen - NONCE_BYTES - TAG_BYTES;
    out = malloc(mlen + 1);
    if (!out)
        goto out;
    unsigned long long got = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &got, NULL,
                                                   box + NONCE_BYTES, blen - NONCE_BYTES, NULL,
                                                   0, box, key) != 0) {
        free(out);
        out = NULL;
        goto out;
    }
    out[got] = '\0';
out:
    free(box);
    return out;
}

void crypto_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int crypto_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}

char *crypto_random_token(size_t n)
{
    unsigned char *raw = malloc(n);
    size_t olen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(olen);
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    randombytes_buf(raw, n);
    sodium_bin2base64(out, olen, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(raw);
    return out;
}
