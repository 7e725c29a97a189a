/* SPDX-License-Identifier: MIT */
/* Svix signature verification (src/webhooks/svix.c): a good signature, a wrong secret, a
 * tampered body, timestamps too old and too far ahead, several signatures of which one is
 * valid, and malformed headers and secrets. Signatures are computed here independently
 * with libsodium's one-shot HMAC over "{id}.{ts}.{body}". */
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "webhooks/clerk.h"

#define NOW 1767225600L /* 2026-01-01T00:00:00Z */

static const unsigned char key_bytes[24] = "pete-svix-test-key-bytes";
static char secret[96];       /* "whsec_" + base64(key_bytes) */
static char other_secret[96];

static const char body[] = "{\"type\":\"user.created\",\"data\":{\"id\":\"user_2abc\"}}";

static void make_secret(const unsigned char *key, size_t n, char out[96])
{
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, key, n, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, 96, "whsec_%s", b64);
}

/* "v1,<base64 HMAC>" for id/ts/body under key. */
static void make_sig(const unsigned char *key, size_t key_len, const char *id, const char *ts,
                     const char *b, char out[80])
{
    char content[512];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    int n = snprintf(content, sizeof content, "%s.%s.%s", id, ts, b);
    assert_true(n > 0 && (size_t)n < sizeof content);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)content, (size_t)n);
    crypto_auth_hmacsha256_final(&st, mac);
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, 80, "v1,%s", b64);
}

static int group_setup(void **state)
{
    (void)state;
    static const unsigned char other[32] = "another-key-entirely-32-bytes!!";
    if (sodium_init() < 0)
        return -1;
    make_secret(key_bytes, sizeof key_bytes, secret);
    make_secret(other, sizeof other, other_secret);
    return 0;
}

static int verify(const char *sec, const char *ts, const char *sigs, const char *b, long now)
{
    return svix_verify(sec, "msg_2Lh9", ts, sigs, b, strlen(b), now);
}

static void test_good_signature(void **state)
{
    (void)state;
    char sig[80];
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", body, sig);
    assert_int_equal(verify(secret, "1767225600", sig, body, NOW), SVIX_OK);
    /* the secret may also be given without its prefix */
    assert_int_equal(verify(secret + 6, "1767225600", sig, body, NOW), SVIX_OK);
    /* an empty body is signed too */
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", "", sig);
    assert_int_equal(svix_verify(secret, "msg_2Lh9", "1767225600", sig, NULL, 0, NOW), SVIX_OK);
}

static void test_wrong_secret(void **state)
{
    (void)state;
    char sig[80];
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", body, sig);
    assert_int_equal(verify(other_secret, "1767225600", sig, body, NOW), SVIX_E_SIGNATURE);
}

static void test_tampered(void **state)
{
    (void)state;
    char sig[80], tampered[sizeof body];
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", body, sig);
    memcpy(tampered, body, sizeof body);
    tampered[sizeof body - 5] = 'X';
    assert_int_equal(verify(secret, "1767225600", sig, tampered, NOW), SVIX_E_SIGNATURE);
    /* the id and the timestamp are signed as well */
    assert_int_equal(svix_verify(secret, "msg_other", "1767225600", sig, body, strlen(body), NOW),
                     SVIX_E_SIGNATURE);
    assert_int_equal(verify(secret, "1767225601", sig, body, NOW), SVIX_E_SIGNATURE);
    /* a truncated length is a different body */
    assert_int_equal(svix_verify(secret, "msg_2Lh9", "1767225600", sig, body, strlen(body) - 1,
                                 NOW), SVIX_E_SIGNATURE);
}

static void test_timestamp_window(void **state)
{
    (void)state;
    char sig[80];
    const char *cases[][2] = {{"1767225299", "old"}, {"1767225901", "future"}};
    for (size_t i = 0; i < 2; i++) {
        make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", cases[i][0], body, sig);
        assert_int_equal(verify(secret, cases[i][0], sig, body, NOW), SVIX_E_TIMESTAMP);
    }
    /* exactly five minutes either way is still accepted */
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225300", body, sig);
    assert_int_equal(verify(secret, "1767225300", sig, body, NOW), SVIX_OK);
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225900", body, sig);
    assert_int_equal(verify(secret, "1767225900", sig, body, NOW), SVIX_OK);
}

static void test_multiple_signatures(void **state)
{
    (void)state;
    char good[80], bad[80], list[400];
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", body, good);
    make_sig((const unsigned char *)"rotated-old-key", 15, "msg_2Lh9", "1767225600", body, bad);
    snprintf(list, sizeof list, "%s v2,abcd %s", bad, good);
    assert_int_equal(verify(secret, "1767225600", list, body, NOW), SVIX_OK);
    snprintf(list, sizeof list, "%s  %s", good, bad);
    assert_int_equal(verify(secret, "1767225600", list, body, NOW), SVIX_OK);
    snprintf(list, sizeof list, "%s %s", bad, bad);
    assert_int_equal(verify(secret, "1767225600", list, body, NOW), SVIX_E_SIGNATURE);
}

static void test_malformed(void **state)
{
    (void)state;
    char sig[80];
    make_sig(key_bytes, sizeof key_bytes, "msg_2Lh9", "1767225600", body, sig);
    assert_int_equal(verify(secret, "1767225600", "", body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600", "garbage", body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600", "v1,", body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600", "v1,!!!notbase64!!!", body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600", sig + 3, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600", NULL, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "soon", sig, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "1767225600.5", sig, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "-1767225600", sig, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, "", sig, body, NOW), SVIX_E_HEADER);
    assert_int_equal(verify(secret, NULL, sig, body, NOW), SVIX_E_HEADER);
    assert_int_equal(svix_verify(secret, NULL, "1767225600", sig, body, strlen(body), NOW),
                     SVIX_E_HEADER);
    assert_int_equal(svix_verify(secret, "", "1767225600", sig, body, strlen(body), NOW),
                     SVIX_E_HEADER);
    assert_int_equal(verify(NULL, "1767225600", sig, body, NOW), SVIX_E_SECRET);
    assert_int_equal(verify("", "1767225600", sig, body, NOW), SVIX_E_SECRET);
    assert_int_equal(verify("whsec_", "1767225600", sig, body, NOW), SVIX_E_SECRET);
    assert_int_equal(verify("whsec_***", "1767225600", sig, body, NOW), SVIX_E_SECRET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_signature),   cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_tampered),         cmocka_unit_test(test_timestamp_window),
        cmocka_unit_test(test_multiple_signatures), cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
