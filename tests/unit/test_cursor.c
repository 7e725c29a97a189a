/* SPDX-License-Identifier: MIT */
/* Keyset cursors (src/core/cursor.c), shared by every list: values survive a round trip
 * (ids, signed times, the 18-digit edge); a cursor of another tag, value count, or with any
 * byte changed is refused; arguments out of range give no cursor. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/cursor.h"

static void test_round_trips(void **state)
{
    (void)state;
    const int64_t ones[] = {1, 42, 999999999999999999LL};
    for (size_t i = 0; i < sizeof ones / sizeof ones[0]; i++) {
        int64_t back = 0;
        char *c = cursor_encode("c1", &ones[i], 1);
        assert_non_null(c);
        assert_true(cursor_decode("c1", c, &back, 1));
        assert_int_equal(back, ones[i]);
        free(c);
    }
    const int64_t twos[][2] = {{1772465400, 7}, {-86400, 1}, {0, 3}};
    for (size_t i = 0; i < 3; i++) {
        int64_t back[2] = {0, 0};
        char *c = cursor_encode("a1", twos[i], 2);
        assert_true(cursor_decode("a1", c, back, 2));
        assert_int_equal(back[0], twos[i][0]);
        assert_int_equal(back[1], twos[i][1]);
        free(c);
    }
}

/* base64url without padding of text. */
static char *b64(const char *text)
{
    size_t n = strlen(text);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    assert_non_null(out);
    sodium_bin2base64(out, cap, (const unsigned char *)text, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static void test_refusals(void **state)
{
    (void)state;
    int64_t v[2] = {11, 22};
    const char *texts[] = {"j1:5", "c1:0", "c1:-5", "c1:5:6", "c1:", "c1:5x", "c1:05 ",
                           "c1:1234567890123456789", "c1:+5", "c1", "c15", "c1:5\n", NULL};
    for (int i = 0; texts[i]; i++) {
        char *c = b64(texts[i]);
        if (cursor_decode("c1", c, v, 1))
            fail_msg("accepted %s", texts[i]);
        free(c);
    }
    const char *two[] = {"a1:5", "a1:1:0", "a1:1:-2", "a1:x:1", "a1:1:2:3", "a1:--1:2", NULL};
    for (int i = 0; two[i]; i++) {
        char *c = b64(two[i]);
        if (cursor_decode("a1", c, v, 2))
            fail_msg("accepted %s", two[i]);
        free(c);
    }
    assert_int_equal(v[0], 11); /* untouched by refusals */
    assert_int_equal(v[1], 22);
    const char *raw[] = {"", "garbage!", "YzE6NQ==", "YzE6NQ ", NULL};
    for (int i = 0; raw[i]; i++)
        assert_false(cursor_decode("c1", raw[i], v, 1));
    assert_false(cursor_decode("c1", NULL, v, 1));
    int64_t one = 5;
    char *c = cursor_encode("c1", &one, 1);
    c[1] = c[1] == 'A' ? 'B' : 'A'; /* one character changed */
    assert_false(cursor_decode("c1", c, v, 1));
    free(c);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    const int64_t zero = 0, big = 1000000000000000000LL, ok = 5;
    const int64_t neg_id[2] = {1, -1};
    assert_null(cursor_encode("c1", &zero, 1));
    assert_null(cursor_encode("c1", &big, 1));
    assert_null(cursor_encode("a1", neg_id, 2));
    assert_null(cursor_encode("", &ok, 1));
    assert_null(cursor_encode("UPPER", &ok, 1));
    assert_null(cursor_encode("waytoolong", &ok, 1));
    assert_null(cursor_encode("c1", &ok, 3));
    assert_null(cursor_encode("c1", &ok, 0));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
