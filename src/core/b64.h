/* SPDX-License-Identifier: MIT */
/* Shape checks for base64url text that arrives from outside (token segments, JWK members)
 * before any library decodes it. liborcania 2.3.2's decoder, which Rhonabwy uses for every
 * JWS and JWK member, writes past its buffer on padded input ('=' at the end): nothing
 * untrusted reaches it without passing b64url_canonical() first. */
#ifndef PETE_CORE_B64_H
#define PETE_CORE_B64_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is canonical unpadded base64url (RFC 7515 §2): only A-Z a-z 0-9 - _,
 * a length that encodes whole bytes (n % 4 != 1), and zero bits where the last character
 * carries fewer than six (so each byte string has exactly one accepted spelling).
 * n == 0 is valid (the empty string). */
bool b64url_canonical(const char *s, size_t n);
/* Length of the unpadded base64url text of `bytes` bytes. */
size_t b64url_encoded_len(size_t bytes);

#endif
