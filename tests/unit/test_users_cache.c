/* SPDX-License-Identifier: MIT */
/* The resolved-tenant cache: a few hundred tenants all stay cached together (no two evict
 * each other on every request), an entry asks for one refresh ahead of its expiry, a refresh
 * that started before a clear (an erasure) does not bring the row back, and entries end
 * within USERS_CACHE_MS. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "users/users.h"

static void sub_of(int i, char *buf, size_t len) { snprintf(buf, len, "tenant-%d", i); }

static void put_tenant(int i)
{
    struct users_user u = {0};
    u.id = 1000 + i;
    sub_of(i, u.subject, sizeof u.subject);
    snprintf(u.issuer, sizeof u.issuer, "https://issuer.test");
    users_cache_put(u.issuer, u.subject, &u, 0, users_cache_clock());
}

/* true on a hit whose row is tenant i's. */
static bool has_tenant(int i, bool *refresh)
{
    struct users_user u;
    int64_t deleted_at = -1;
    char sub[64];
    sub_of(i, sub, sizeof sub);
    bool r = false;
    bool hit = users_cache_get("https://issuer.test", sub, &u, &deleted_at, refresh ? refresh : &r);
    if (hit) {
        assert_int_equal(u.id, 1000 + i);
        assert_int_equal(deleted_at, 0);
    }
    return hit;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_many_tenants_fit(void **state)
{
    (void)state;
    users_cache_clear();
    for (int i = 0; i < 200; i++)
        put_tenant(i);
    int hits = 0;
    for (int i = 0; i < 200; i++)
        hits += has_tenant(i, NULL);
    assert_int_equal(hits, 200);
    assert_false(has_tenant(200, NULL));
    users_cache_clear();
    for (int i = 0; i < 200; i++)
        assert_false(has_tenant(i, NULL));
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Puts tenant 1 and reads it past its refresh point but before its expiry. A loaded machine
 * may oversleep past the expiry: then the round does not count and is tried again (at most
 * five times). Returns whether a round ran in time. */
static bool read_past_refresh_point(bool *first, bool *second)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        users_cache_clear();
        int64_t t0 = mono_ms();
        put_tenant(1);
        bool fresh = true;
        assert_true(has_tenant(1, &fresh));
        assert_false(fresh); /* fresh: no refresh yet */
        sleep_ms(USERS_CACHE_MS * 3 / 4 + 20);
        bool hit1 = has_tenant(1, first);
        bool hit2 = has_tenant(1, second);
        if (mono_ms() - t0 < USERS_CACHE_MS - 20) {
            assert_true(hit1 && hit2);
            return true;
        }
    }
    return false;
}

static void test_refresh_ahead_once(void **state)
{
    (void)state;
    bool first = false, second = true;
    assert_true(read_past_refresh_point(&first, &second));
    assert_true(first);
    assert_false(second); /* asked once per entry */
    /* A refill of the current generation renews the entry for a whole life. */
    struct users_user u = {.id = 1001};
    snprintf(u.issuer, sizeof u.issuer, "https://issuer.test");
    sub_of(1, u.subject, sizeof u.subject);
    users_cache_refill(u.issuer, u.subject, &u, 0, users_cache_generation(),
                       users_cache_clock());
    sleep_ms(USERS_CACHE_MS + 50);
    assert_false(has_tenant(1, NULL)); /* nobody refreshed it again: gone after its life */
}

/* A row read long ago (a slow query) lives only what is left of a life counted from the
 * read; one read a whole life ago is not stored at all. */
static void test_life_counts_from_the_read(void **state)
{
    (void)state;
    users_cache_clear();
    struct users_user u = {.id = 1009};
    snprintf(u.issuer, sizeof u.issuer, "https://issuer.test");
    sub_of(9, u.subject, sizeof u.subject);
    users_cache_put(u.issuer, u.subject, &u, 0, users_cache_clock() - USERS_CACHE_MS);
    assert_false(has_tenant(9, NULL));
    users_cache_put(u.issuer, u.subject, &u, 0, users_cache_clock() - (USERS_CACHE_MS - 400));
    assert_true(has_tenant(9, NULL));
    sleep_ms(500);
    assert_false(has_tenant(9, NULL));
}

static void test_refill_after_clear_is_ignored(void **state)
{
    (void)state;
    users_cache_clear();
    unsigned gen = users_cache_generation();
    users_cache_clear(); /* an erasure while a refresh was reading the row */
    struct users_user u = {.id = 1007};
    snprintf(u.issuer, sizeof u.issuer, "https://issuer.test");
    sub_of(7, u.subject, sizeof u.subject);
    users_cache_refill(u.issuer, u.subject, &u, 0, gen, users_cache_clock());
    assert_false(has_tenant(7, NULL));
    users_cache_refill(u.issuer, u.subject, &u, 0, users_cache_generation(),
                       users_cache_clock());
    assert_true(has_tenant(7, NULL));
    users_cache_drop(u.issuer, u.subject);
    assert_false(has_tenant(7, NULL));
}

static void test_request_without_refresher_drops(void **state)
{
    (void)state;
    users_cache_clear();
    put_tenant(9);
    char sub[64];
    sub_of(9, sub, sizeof sub);
    users_refresh_request("https://issuer.test", sub); /* no refresher thread running */
    assert_false(has_tenant(9, NULL)); /* read in-line next time instead */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_tenants_fit),
        cmocka_unit_test(test_refresh_ahead_once),
        cmocka_unit_test(test_life_counts_from_the_read),
        cmocka_unit_test(test_refill_after_clear_is_ignored),
        cmocka_unit_test(test_request_without_refresher_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
