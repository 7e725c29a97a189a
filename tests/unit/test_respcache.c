/* SPDX-License-Identifier: MIT */
/* The response cache: a rendering is served only under the version it was stamped with,
 * never to another tenant; the byte budget holds, least recently used entries go first;
 * erasure forgets a tenant; concurrent use from many threads stays consistent. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/respcache.h"
#include "testutil.h"

/* Asserts that (tenant, key) under version holds exactly want (NULL: a miss). */
static void expect(struct respcache *c, int64_t tenant, const char *key, int64_t version,
                   const char *want)
{
    size_t len = 0;
    char *got = respcache_get(c, tenant, key, version, &len, NULL, 0);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
}

static void test_version_must_match(void **state)
{
    (void)state;
    struct respcache *c = respcache_new(1 << 20);
    expect(c, 1, "list", 5, NULL);
    respcache_put(c, 1, "list", 5, NULL, "{\"v\":5}", 7);
    expect(c, 1, "list", 5, "{\"v\":5}");
    expect(c, 1, "list", 4, NULL); /* an older reader does not get newer bytes... */
    expect(c, 1, "list", 5, "{\"v\":5}"); /* ...nor evict them */
    expect(c, 1, "list", 6, NULL); /* the data moved on: the entry is gone for good */
    expect(c, 1, "list", 5, NULL);
    /* A late rendering under an older version never replaces a newer one. */
    respcache_put(c, 1, "list", 8, NULL, "eight", 5);
    respcache_put(c, 1, "list", 7, NULL, "seven", 5);
    expect(c, 1, "list", 8, "eight");
    expect(c, 1, "list", 7, NULL);
    struct respcache_stats st;
    respcache_get_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 3);
    assert_int_equal(st.misses, 5);
    respcache_free(c);
}

static void test_tenants_and_keys_are_separate(void **state)
{
    (void)state;
    struct respcache *c = respcache_new(1 << 20);
    respcache_put(c, 1, "available", 3, "20419 America/Chicago", "tenant one", 10);
    respcache_put(c, 2, "available", 3, "20420 Pacific/Kiritimati", "tenant two", 10);
    respcache_put(c, 1, "list 50", 3, NULL, "one's list", 10);
    expect(c, 1, "available", 3, "tenant one");
    expect(c, 2, "available", 3, "tenant two");
    expect(c, 3, "available", 3, NULL);
    expect(c, 2, "list 50", 3, NULL);
    expect(c, 1, "list 5", 3, NULL);
    char aux[64];
    size_t len;
    char *body = respcache_get(c, 2, "available", 3, &len, aux, sizeof aux);
    assert_non_null(body);
    assert_string_equal(aux, "20420 Pacific/Kiritimati");
    free(body);
    char small[6];
    body = respcache_get(c, 1, "available", 3, &len, small, sizeof small);
    assert_string_equal(small, "20419"); /* cut to the buffer, always terminated */
    free(body);
    body = respcache_get(c, 1, "list 50", 3, &len, aux, sizeof aux);
    assert_string_equal(aux, ""); /* kept without aux */
    free(body);
    respcache_forget_tenant(c, 1);
    expect(c, 1, "available", 3, NULL);
    expect(c, 1, "list 50", 3, NULL);
    expect(c, 2, "available", 3, "tenant two");
    respcache_free(c);
}

static void test_budget_and_recency(void **state)
{
    (void)state;
    enum { BUDGET = 64 * 1024, BODY = 4000 };
    struct respcache *c = respcache_new(BUDGET);
    char *body = malloc(BODY);
    memset(body, 'x', BODY);
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "page %d", i);
        respcache_put(c, 7, key, 1, NULL, body, BODY);
        size_t len;
        char *got = respcache_get(c, 7, "page 0", 1, &len, NULL, 0); /* keep page 0 recent */
        assert_non_null(got);
        free(got);
        struct respcache_stats st;
        respcache_get_stats(c, &st);
        assert_true(st.bytes <= BUDGET);
    }
    size_t len;
    char *got = respcache_get(c, 7, "page 0", 1, &len, NULL, 0);
    assert_non_null(got);
    assert_int_equal(len, BODY);
    free(got);
    assert_null(respcache_get(c, 7, "page 1", 1, &len, NULL, 0)); /* least recent: evicted */
    got = respcache_get(c, 7, "page 39", 1, &len, NULL, 0);
    assert_non_null(got);
    free(got);
    /* A body above an eighth of the budget is not kept at all. */
    char *big = calloc(1, BUDGET / 8 + 1);
    respcache_put(c, 7, "big", 1, NULL, big, BUDGET / 8 + 1);
    assert_null(respcache_get(c, 7, "big", 1, &len, NULL, 0));
    free(big);
    free(body);
    respcache_free(c);
}

static void test_off(void **state)
{
    (void)state;
    struct respcache *c = respcache_new(0);
    assert_null(c);
    respcache_put(c, 1, "k", 1, NULL, "body", 4);
    expect(c, 1, "k", 1, NULL);
    respcache_forget_tenant(c, 1);
    struct respcache_stats st;
    respcache_get_stats(c, &st);
    assert_int_equal(st.entries, 0);
    respcache_free(c);
}

struct worker_arg {
    struct respcache *c;
    int id;
    int bad;
};

/* Each thread writes its own tenant's pages under rising versions and reads them back; a
 * read must return either nothing or exactly the body of the version it asked for. */
static void *worker(void *p)
{
    struct worker_arg *w = p;
    char key[32], want[64];
    for (int round = 0; round < 2000; round++) {
        int64_t version = round / 10;
        snprintf(key, sizeof key, "page %d", round % 7);
        snprintf(want, sizeof want, "tenant %d version %lld", w->id, (long long)version);
        respcache_put(w->c, w->id, key, version, NULL, want, strlen(want));
        size_t len = 0;
        char *got = respcache_get(w->c, w->id, key, version, &len, NULL, 0);
        if (got && (len != strlen(want) || memcmp(got, want, len) != 0))
            w->bad++;
        free(got);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct respcache *c = respcache_new(16 * 1024);
    pthread_t t[4];
    struct worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct worker_arg){.c = c, .id = i + 1};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    struct respcache_stats st;
    respcache_get_stats(c, &st);
    assert_true(st.bytes <= 16 * 1024);
    assert_int_equal(st.hits + st.misses, 4 * 2000);
    respcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_must_match),
        cmocka_unit_test(test_tenants_and_keys_are_separate),
        cmocka_unit_test(test_budget_and_recency),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
