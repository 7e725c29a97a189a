/* SPDX-License-Identifier: MIT */
/* libFuzzer target for token verification (src/core/auth*.c). One verifier is built once
 * in a temporary DATA_DIR: the built-in ES256 issuer plus an external issuer with an RSA
 * PEM key, an audience and authorized parties. The first input byte picks a mode:
 *   0  the rest is the token, verbatim;
 *   1  "header\nclaims\nsignature": each part base64url-encoded and joined with dots, so
 *      header and claims JSON are explored without having to learn base64;
 *   2  the rest is a claims JSON object, signed with the built-in key (ES256, its kid);
 *   3  the rest is a claims JSON object, signed RS256 with the external issuer's key;
 *   4  the rest is a JWKS document (what an external issuer's JWKS URL returns).
 * Modes 2 and 3 reach the claim checks (exp, nbf, iat, aud, azp, subject, names) with
 * valid signatures. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rhonabwy.h>
#include <sodium.h>

#include "core/auth.h"
#include "core/auth_internal.h"
#include "core/config.h"
#include "core/log.h"

#define BUILTIN_ISS "https://pete.fuzz.test"
#define EXT_ISS "https://idp.fuzz.test"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static auth *verifier;
static jwk_t *builtin_priv; /* the verifier's own signing key */
static jwk_t *rsa_priv;     /* the external issuer's private key */

/* Removes the temporary DATA_DIR at exit; the verifier keeps nothing open in it. */
static char data_dir[64];
static void remove_data_dir(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/issuer.jwk", data_dir);
    unlink(path);
    rmdir(data_dir);
}

/* The PEM with each newline written as the two characters "\n", as AUTH_<N>_PEM takes it. */
static char *escaped(const char *pem)
{
    char *out = malloc(strlen(pem) * 2 + 1), *w = out;
    if (!out)
        abort();
    for (const char *p = pem; *p; p++) {
        if (*p == '\n') {
            *w++ = '\\';
            *w++ = 'n';
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    jwk_t *rsa_pub = NULL;
    unsigned char pem[4096];
    size_t len = sizeof pem - 1;
    struct config cfg;

    log_setup("error", "text");
    if (sodium_init() < 0 || r_jwk_init(&rsa_priv) != RHN_OK || r_jwk_init(&rsa_pub) != RHN_OK ||
        r_jwk_generate_key_pair(rsa_priv, rsa_pub, R_KEY_TYPE_RSA, 2048, NULL) != RHN_OK ||
        r_jwk_export_to_pem_der(rsa_pub, R_FORMAT_PEM, pem, &len, 0) != RHN_OK)
        abort();
    pem[len] = '\0';
    char *pem_env = escaped((const char *)pem);
    setenv("AUTH_1_PEM", pem_env, 1);
    setenv("AUTH_1_AUDIENCE", "pete-api", 1);
    setenv("AUTH_1_AUTHORIZED_PARTIES", "https://app.fuzz.test, https://admin.fuzz.test", 1);
    unsetenv("AUTH_1_JWKS_URL");
    free(pem_env);
    r_jwk_free(rsa_pub);

    snprintf(data_dir, sizeof data_dir, "/tmp/pete-fuzz-jwt-XXXXXX");
    if (!mkdtemp(data_dir))
        abort();
    atexit(remove_data_dir);
    memset(&cfg, 0, sizeof cfg);
    cfg.data_dir = data_dir;
    cfg.auth_issuers = (char *)EXT_ISS;
    if (auth_new(&cfg, BUILTIN_ISS, &verifier) != APP_OK)
        abort();
    if (r_jwk_init(&builtin_priv) != RHN_OK ||
        r_jwk_import_from_json_str(builtin_priv, verifier->sign_jwk) != RHN_OK)
        abort();
    return 0;
}

static void verify(const char *token)
{
    struct auth_claims c;
    if (auth_verify(verifier, token, &c) == APP_OK) {
        /* a verified token's claims are plain strings that fit */
        if (!c.subject[0] || strlen(c.issuer) >= sizeof c.issuer)
            abort();
    }
}

/* Appends the base64url form of len bytes at p to out (at w); returns the new end. */
static char *b64url(char *w, const uint8_t *p, size_t len)
{
    sodium_bin2base64(w, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                      p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return w + strlen(w);
}

static void mode_parts(const uint8_t *data, size_t size)
{
    const uint8_t *part[3] = {data, NULL, NULL};
    size_t plen[3] = {size, 0, 0};
    for (int i = 0; i < 2; i++) {
        const uint8_t *nl = memchr(part[i], '\n', plen[i]);
        if (!nl)
            break;
        part[i + 1] = nl + 1;
        plen[i + 1] = plen[i] - (size_t)(nl + 1 - part[i]);
        plen[i] = (size_t)(nl - part[i]);
    }
    char *tok = malloc(size * 2 + 16), *w = tok;
    if (!tok)
        abort();
    for (int i = 0; i < 3; i++) {
        if (i)
            *w++ = '.';
        if (part[i])
            w = b64url(w, part[i], plen[i]);
    }
    *w = '\0';
    verify(tok);
    free(tok);
}

static void mode_signed(const char *claims, jwk_t *key, jwa_alg alg, const char *kid)
{
    jwt_t *jwt = NULL;
    char *tok = NULL;
    if (r_jwt_init(&jwt) != RHN_OK)
        abort();
    if (r_jwt_set_full_claims_json_str(jwt, claims) == RHN_OK &&
        r_jwt_set_sign_alg(jwt, alg) == RHN_OK &&
        (!kid || r_jwt_set_header_str_value(jwt, "kid", kid) == RHN_OK) &&
        (tok = r_jwt_serialize_signed(jwt, key, R_FLAG_IGNORE_REMOTE)) != NULL)
        verify(tok);
    r_free(tok);
    r_jwt_free(jwt);
}

static void mode_jwks(const uint8_t *data, size_t size)
{
    struct auth_keyset *ks = auth_keys_from_jwks((const char *)data, size);
    for (size_t i = 0; ks && i < ks->n; i++) {
        if (!ks->keys[i].json || (ks->keys[i].kty != AUTH_KTY_RSA &&
                                  ks->keys[i].kty != AUTH_KTY_EC256 &&
                                  ks->keys[i].kty != AUTH_KTY_ED25519))
            abort();
    }
    auth_keyset_free(ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > AUTH_TOKEN_MAX_BYTES + 64)
        return 0;
    unsigned mode = data[0] % 5;
    data++;
    size--;
    if (mode == 1) {
        mode_parts(data, size);
        return 0;
    }
    if (mode == 4) {
        mode_jwks(data, size);
        return 0;
    }
    char *text = malloc(size + 1); /* NUL-terminated copy: tokens and JSON are C strings */
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    if (mode == 0)
        verify(text);
    else if (mode == 2)
        mode_signed(text, builtin_priv, R_JWA_ALG_ES256, verifier->sign_kid);
    else
        mode_signed(text, rsa_priv, R_JWA_ALG_RS256, NULL);
    free(text);
    return 0;
}
