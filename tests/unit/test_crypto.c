/* SPDX-License-Identifier: MIT */
/* Secrets at rest: sealing round-trips, tampering and wrong keys are refused, the master
 * key file is created once (0600) and read back by every later start. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/crypto.h"
#include "testutil.h"

static void test_seal_round_trip(void **state)
{
    (void)state;
    unsigned char key[CRYPTO_KEY_BYTES] = {1, 2, 3};
    char *sealed = crypto_seal(key, "vapi-secret-1234");
    assert_non_null(sealed);
    assert_null(strstr(sealed, "vapi-secret"));
    char *again = crypto_seal(key, "vapi-secret-1234");
    assert_string_not_equal(sealed, again); /* random nonce */
    char *plain = crypto_open(key, sealed);
    assert_string_equal(plain, "vapi-secret-1234");
    free(plain);
    free(again);
    free(sealed);
}

static void test_tamper_and_wrong_key(void **state)
{
    (void)state;
    unsigned char key[CRYPTO_KEY_BYTES] = {7}, other[CRYPTO_KEY_BYTES] = {8};
    char *sealed = crypto_seal(key, "secret");
    assert_null(crypto_open(other, sealed));
    size_t n = strlen(sealed);
    sealed[n / 2] = sealed[n / 2] == 'A' ? 'B' : 'A';
    assert_null(crypto_open(key, sealed));
    assert_null(crypto_open(key, "not base64 at all!"));
    assert_null(crypto_open(key, ""));
    free(sealed);
}

static void test_master_key_file(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    char sub[512], path[600];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    snprintf(path, sizeof path, "%s/master.key", sub);
    unsigned char k1[CRYPTO_KEY_BYTES], k2[CRYPTO_KEY_BYTES];
    assert_int_equal(crypto_master_key_load(NULL, sub, k1), APP_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(crypto_master_key_load(NULL, sub, k2), APP_OK);
    assert_memory_equal(k1, k2, CRYPTO_KEY_BYTES);
    tu_rmtree(dir);
    free(dir);
}

static void test_master_key_env(void **state)
{
    (void)state;
    unsigned char k[CRYPTO_KEY_BYTES];
    /* 32 bytes of 0x01 in base64 */
    assert_int_equal(crypto_master_key_load("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", "/nonexistent", k),
                     APP_OK);
    assert_int_equal(k[0], 1);
    assert_int_equal(k[31], 1);
    assert_int_equal(crypto_master_key_load("c2hvcnQ=", "/nonexistent", k), APP_E_PARAM);
    assert_int_equal(crypto_master_key_load("!!!", "/nonexistent", k), APP_E_PARAM);
}

struct race {
    const char *dir;
    unsigned char key[CRYPTO_KEY_BYTES];
    app_err e;
};

static void *load_key(void *arg)
{
    struct race *r = arg;
    r->e = crypto_master_key_load(NULL, r->dir, r->key);
    return NULL;
}

static void test_master_key_concurrent_first_start(void **state)
{
    (void)state;
    char *dir = tu_tempdir();
    struct race r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i].dir = dir;
        pthread_create(&t[i], NULL, load_key, &r[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].e, APP_OK);
        assert_memory_equal(r[i].key, r[0].key, CRYPTO_KEY_BYTES);
    }
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    assert_int_equal(crypto_setup(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_tamper_and_wrong_key),
        cmocka_unit_test(test_master_key_file),
        cmocka_unit_test(test_master_key_env),
        cmocka_unit_test(test_master_key_concurrent_first_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
