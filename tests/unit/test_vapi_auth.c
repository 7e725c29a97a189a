/* SPDX-License-Identifier: MIT */
/* Vapi webhook authentication (src/vapi/vapi_auth.c): each accepted form (X-Vapi-Secret,
 * Bearer, HMAC over the body, HMAC over "timestamp.body" in seconds and in milliseconds), the
 * wrong secret in each, stale and future timestamps in both units, a replayed signature, a
 * body-only signature sent with a timestamp, malformed signatures and timestamps, and header
 * names overridden by an agent's config. Signatures are computed here independently with
 * libsodium's HMAC-SHA256 over the exact bytes. */
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vapi/vapi.h"

#define NOW 1772467200 /* 2026-03-02T16:00:00Z */

static const char secret[] = "whk_3bf1c2e9a7d04f5e8c6b2a1d9e0f7a6b";
static const char body[] = "{\"message\":{\"type\":\"tool-calls\",\"call\":{\"assistantId\":\"a\"}}}";

/* Lowercase hex HMAC-SHA256 of [prefix "."]msg under key. */
static void hex_sig(const char *key, const char *prefix, const char *msg, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    if (prefix) {
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, strlen(prefix));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    }
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

static int check(const struct vapi_auth_headers *h, enum vapi_auth_via *via)
{
    return vapi_auth_check(secret, h, body, strlen(body), NOW, via);
}

static int group_setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void test_secret_header(void **state)
{
    (void)state;
    enum vapi_auth_via via = VAPI_VIA_NONE;
    struct vapi_auth_headers h = {.secret = secret};
    assert_int_equal(check(&h, &via), VAPI_AUTH_OK);
    assert_int_equal(via, VAPI_VIA_SECRET);
    h.secret = "whk_wrong";
    assert_int_equal(check(&h, &via), VAPI_AUTH_E_SECRET);
    assert_int_equal(via, VAPI_VIA_NONE);
    /* a prefix or an extension of the secret is wrong too */
    h.secret = "whk_3bf1c2e9a7d04f5e8c6b2a1d9e0f7a6";
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    h.secret = "whk_3bf1c2e9a7d04f5e8c6b2a1d9e0f7a6bX";
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    h.secret = "";
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
}

static void test_bearer(void **state)
{
    (void)state;
    enum vapi_auth_via via = VAPI_VIA_NONE;
    char v[128];
    struct vapi_auth_headers h = {.authorization = v};
    snprintf(v, sizeof v, "Bearer %s", secret);
    assert_int_equal(check(&h, &via), VAPI_AUTH_OK);
    assert_int_equal(via, VAPI_VIA_BEARER);
    snprintf(v, sizeof v, "bearer  %s", secret);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_OK);
    snprintf(v, sizeof v, "Bearer whk_wrong");
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    snprintf(v, sizeof v, "Basic %s", secret);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    snprintf(v, sizeof v, "%s", secret); /* the bare secret is not a Bearer credential */
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    snprintf(v, sizeof v, "Bearer ");
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
}

static void test_body_signature(void **state)
{
    (void)state;
    enum vapi_auth_via via = VAPI_VIA_NONE;
    char sig[80];
    struct vapi_auth_headers h = {.signature = sig};
    hex_sig(secret, NULL, body, sig);
    assert_int_equal(check(&h, &via), VAPI_AUTH_OK);
    assert_int_equal(via, VAPI_VIA_SIGNATURE);
    /* hex is hex in either case; a GitHub-style "sha256=" prefix is accepted */
    for (char *p = sig; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_OK);
    char prefixed[96];
    snprintf(prefixed, sizeof prefixed, "sha256=%s", sig);
    h.signature = prefixed;
    assert_int_equal(check(&h, NULL), VAPI_AUTH_OK);
    /* wrong key, changed body */
    hex_sig("whk_wrong", NULL, body, sig);
    h.signature = sig;
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIGNATURE);
    hex_sig(secret, NULL, body, sig);
    assert_int_equal(vapi_auth_check(secret, &h, body, strlen(body) - 1, NOW, NULL),
                     VAPI_AUTH_E_SIGNATURE);
    /* an empty body is signed too */
    hex_sig(secret, NULL, "", sig);
    assert_int_equal(vapi_auth_check(secret, &h, NULL, 0, NOW, NULL), VAPI_AUTH_OK);
}

static void test_bad_hex(void **state)
{
    (void)state;
    char good[65], bad[80];
    struct vapi_auth_headers h = {.signature = bad};
    hex_sig(secret, NULL, body, good);
    snprintf(bad, sizeof bad, "%.63s", good); /* one digit short */
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    snprintf(bad, sizeof bad, "%s0", good); /* one too many */
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    snprintf(bad, sizeof bad, "%s", good);
    bad[10] = 'g';
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    snprintf(bad, sizeof bad, " %.63s", good);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    snprintf(bad, sizeof bad, "%.32s %.31s", good, good + 32);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    snprintf(bad, sizeof bad, "v1,%s", good);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    bad[0] = '\0';
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
}

static int signed_at(const char *ts_header, const char *ts_signed)
{
    char sig[65];
    hex_sig(secret, ts_signed, body, sig);
    struct vapi_auth_headers h = {.signature = sig, .timestamp = ts_header};
    return check(&h, NULL);
}

static void test_timestamps(void **state)
{
    (void)state;
    char ts[32];
    /* seconds and milliseconds, now and inside the window either way */
    static const long offsets[] = {0, -299, 299, -300, 300};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        snprintf(ts, sizeof ts, "%ld", NOW + offsets[i]);
        assert_int_equal(signed_at(ts, ts), VAPI_AUTH_OK);
        snprintf(ts, sizeof ts, "%ld123", NOW + offsets[i]);
        assert_int_equal(signed_at(ts, ts), VAPI_AUTH_OK);
    }
    /* stale and future, a minute past the window, in both units */
    static const long outside[] = {-360, 360, -86400, 86400 * 365};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        snprintf(ts, sizeof ts, "%ld", NOW + outside[i]);
        assert_int_equal(signed_at(ts, ts), VAPI_AUTH_E_TS_WINDOW);
        snprintf(ts, sizeof ts, "%ld000", NOW + outside[i]);
        assert_int_equal(signed_at(ts, ts), VAPI_AUTH_E_TS_WINDOW);
    }
    /* the signature covers the header's text as sent */
    snprintf(ts, sizeof ts, "%ld", (long)NOW);
    char ts_ms[32];
    snprintf(ts_ms, sizeof ts_ms, "%ld000", (long)NOW);
    assert_int_equal(signed_at(ts_ms, ts), VAPI_AUTH_E_SIGNATURE);
    /* malformed */
    static const char *const bad[] = {"", "abc", "1772467200.5", "-1772467200", " 1772467200",
                                      "17724672000000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(signed_at(bad[i], bad[i]), VAPI_AUTH_E_TS_FORMAT);
}

static void test_replay_and_unsigned_timestamp(void **state)
{
    (void)state;
    char ts[32], sig[65];
    /* a request signed ten minutes ago, sent again now */
    snprintf(ts, sizeof ts, "%ld", (long)NOW - 600);
    hex_sig(secret, ts, body, sig);
    struct vapi_auth_headers h = {.signature = sig, .timestamp = ts};
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_TS_WINDOW);
    /* the attacker cannot re-sign; a fresh timestamp breaks the signature */
    snprintf(ts, sizeof ts, "%ld", (long)NOW);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIGNATURE);
    /* a body-only signature with a timestamp added does not pass either */
    hex_sig(secret, NULL, body, sig);
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_TS_UNSIGNED);
}

static void test_any_one_form(void **state)
{
    (void)state;
    enum vapi_auth_via via = VAPI_VIA_NONE;
    char sig[65];
    hex_sig(secret, NULL, body, sig);
    struct vapi_auth_headers h = {.secret = "wrong", .authorization = "Bearer wrong",
                                  .signature = sig};
    assert_int_equal(check(&h, &via), VAPI_AUTH_OK);
    assert_int_equal(via, VAPI_VIA_SIGNATURE);
    /* when all fail, a signature's own reason is reported */
    h.signature = "zz";
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SIG_FORMAT);
    h.signature = NULL;
    assert_int_equal(check(&h, NULL), VAPI_AUTH_E_SECRET);
    struct vapi_auth_headers none = {0};
    assert_int_equal(check(&none, NULL), VAPI_AUTH_E_MISSING);
    assert_int_equal(vapi_auth_check(secret, NULL, body, strlen(body), NOW, NULL),
                     VAPI_AUTH_E_MISSING);
    /* an agent without a secret accepts nothing, not even an empty one */
    struct vapi_auth_headers empty = {.secret = "", .authorization = "Bearer "};
    assert_int_equal(vapi_auth_check("", &empty, body, strlen(body), NOW, NULL),
                     VAPI_AUTH_E_NO_SECRET);
    assert_int_equal(vapi_auth_check(NULL, &empty, body, strlen(body), NOW, NULL),
                     VAPI_AUTH_E_NO_SECRET);
}

static void test_reasons(void **state)
{
    (void)state;
    for (int r = VAPI_AUTH_OK; r <= VAPI_AUTH_E_TS_UNSIGNED; r++) {
        const char *s = vapi_auth_reason(r);
        assert_true(strlen(s) > 1);
        assert_null(strstr(s, secret));
        for (int k = VAPI_AUTH_OK; k < r; k++)
            assert_string_not_equal(s, vapi_auth_reason(k));
    }
    assert_string_equal(vapi_auth_reason(99), "unknown");
}

static void test_header_names(void **state)
{
    (void)state;
    struct vapi_auth_names n;
    vapi_auth_names_default(&n);
    assert_string_equal(n.signature, "X-Vapi-Signature");
    assert_string_equal(n.timestamp, "X-Vapi-Timestamp");
    assert_true(vapi_auth_names_from_config(NULL, &n));
    assert_string_equal(n.signature, "X-Vapi-Signature");

    json_t *j = json_pack("{s:s, s:s, s:s}", "signature_header", "x-signature",
                          "timestamp_header", "x-timestamp", "other", "kept apart");
    assert_true(vapi_auth_names_from_config(j, &n));
    assert_string_equal(n.signature, "x-signature");
    assert_string_equal(n.timestamp, "x-timestamp");
    json_decref(j);

    j = json_pack("{s:s}", "signature_header", "X-Hub-Signature-256");
    assert_true(vapi_auth_names_from_config(j, &n));
    assert_string_equal(n.signature, "X-Hub-Signature-256");
    assert_string_equal(n.timestamp, "X-Vapi-Timestamp");
    json_decref(j);

    static const char *const bad[] = {"", "x signature", "x-sig:", "x-sig\r\nInjected: 1",
                                      "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = json_pack("{s:s}", "timestamp_header", bad[i]);
        if (!j) /* Jansson refuses some of these itself */
            continue;
        assert_false(vapi_auth_names_from_config(j, &n));
        assert_string_equal(n.timestamp, "X-Vapi-Timestamp");
        json_decref(j);
    }
    j = json_pack("{s:i}", "signature_header", 5);
    assert_false(vapi_auth_names_from_config(j, &n));
    json_decref(j);
    char longname[VAPI_HEADER_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(vapi_header_name_valid(longname));
    longname[VAPI_HEADER_NAME_MAX] = '\0';
    assert_true(vapi_header_name_valid(longname));
    assert_false(vapi_header_name_valid(NULL));
}

static void test_overridden_names_in_use(void **state)
{
    (void)state;
    /* the handler looks up the agent's names; the check itself sees only values */
    json_t *j = json_pack("{s:s, s:s}", "signature_header", "x-signature", "timestamp_header",
                          "x-timestamp");
    struct vapi_auth_names n;
    assert_true(vapi_auth_names_from_config(j, &n));
    json_decref(j);
    char ts[32], sig[65];
    snprintf(ts, sizeof ts, "%ld000", (long)NOW);
    hex_sig(secret, ts, body, sig);
    const char *names[] = {"X-Vapi-Signature", "x-signature", "X-Vapi-Timestamp", "x-timestamp"};
    const char *values[] = {"not-this", sig, "1", ts};
    struct vapi_auth_headers h = {0};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(names[i], n.signature) == 0)
            h.signature = values[i];
        if (strcasecmp(names[i], n.timestamp) == 0)
            h.timestamp = values[i];
    }
    assert_int_equal(check(&h, NULL), VAPI_AUTH_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_header),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_body_signature),
        cmocka_unit_test(test_bad_hex),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_replay_and_unsigned_timestamp),
        cmocka_unit_test(test_any_one_form),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_overridden_names_in_use),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
