/* SPDX-License-Identifier: MIT */
/* Secrets at rest and small crypto helpers over libsodium. The master key is read from
 * MASTER_KEY (base64, 32 bytes) or DATA_DIR/master.key (created 0600 on first start). */
#ifndef PETE_CORE_CRYPTO_H
#define PETE_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define CRYPTO_KEY_BYTES 32

/* Calls sodium_init; returns -1 on failure. */
int crypto_setup(void);
/* Fills key from b64 (when not NULL) or from data_dir/master.key, creating it. */
app_err crypto_master_key_load(const char *b64, const char *data_dir,
                               unsigned char key[CRYPTO_KEY_BYTES]);
/* Encrypts plaintext (XChaCha20-Poly1305, random nonce). Returns a new base64 string
 * the caller frees with free(), or NULL. */
char *crypto_seal(const unsigned char key[CRYPTO_KEY_BYTES], const char *plaintext);
/* Decrypts what crypto_seal produced. Returns a new string (free()) or NULL when the
 * box was tampered with or the key differs. */
char *crypto_open(const unsigned char key[CRYPTO_KEY_BYTES], const char *sealed_b64);
/* Lower-case hex SHA-256 of data into out (65 bytes). */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
/* Constant-time comparison of equal-length buffers: 1 when equal. */
int crypto_equal(const void *a, const void *b, size_t len);
/* Random URL-safe token of n random bytes, base64url without padding; caller free()s. */
char *crypto_random_token(size_t n);

#endif
