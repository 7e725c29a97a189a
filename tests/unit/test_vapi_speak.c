/* SPDX-License-Identifier: MIT */
/* Speakable sentences (src/vapi/vapi_speak.c): money, counts in words, baths by halves, square
 * feet, availability and viewing times as people say them, lists, how an address is read,
 * a whole listing in one sentence, the sanitiser (Markdown, line breaks, control characters,
 * malformed UTF-8, length caps at a character boundary), and the small date helpers. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "core/text.h"
#include "vapi/vapi.h"

#define S(call, want)                                                                             \
    do {                                                                                          \
        char buf_[VAPI_SPEAK_MAX];                                                                \
        size_t n_ = call;                                                                         \
        assert_string_equal(buf_, want);                                                          \
        assert_int_equal(n_, strlen(want));                                                       \
    } while (0)
#define B buf_, sizeof buf_

static void test_money(void **state)
{
    (void)state;
    S(vapi_speak_money(B, 1250, true), "$1,250 a month");
    S(vapi_speak_money(B, 1250.5, true), "$1,250.50 a month");
    S(vapi_speak_money(B, 1250.499, true), "$1,250.50 a month");
    S(vapi_speak_money(B, 999.999, true), "$1,000 a month");
    S(vapi_speak_money(B, 0.05, false), "$0.05");
    S(vapi_speak_money(B, 950, false), "$950");
    S(vapi_speak_money(B, 1234567.25, false), "$1,234,567.25");
    S(vapi_speak_money(B, -1, true), "");
    S(vapi_speak_money(B, NAN, true), "");
    S(vapi_speak_money(B, INFINITY, true), "");
    S(vapi_speak_money(B, 2e12, true), "");
}

static void test_counts(void **state)
{
    (void)state;
    S(vapi_speak_bedrooms(B, 0), "a studio");
    S(vapi_speak_bedrooms(B, 1), "one bedroom");
    S(vapi_speak_bedrooms(B, 2), "two bedrooms");
    S(vapi_speak_bedrooms(B, 10), "ten bedrooms");
    S(vapi_speak_bedrooms(B, 11), "11 bedrooms");
    S(vapi_speak_bedrooms(B, -1), "");
    S(vapi_speak_baths(B, 1), "one bath");
    S(vapi_speak_baths(B, 1.5), "one and a half baths");
    S(vapi_speak_baths(B, 2), "two baths");
    S(vapi_speak_baths(B, 2.5), "two and a half baths");
    S(vapi_speak_baths(B, 0.5), "a half bath");
    S(vapi_speak_baths(B, 1.75), "two baths"); /* to the nearest half */
    S(vapi_speak_baths(B, 12.5), "12 and a half baths");
    S(vapi_speak_baths(B, 0), "");
    S(vapi_speak_baths(B, -2), "");
    S(vapi_speak_baths(B, NAN), "");
    S(vapi_speak_baths(B, 1e300), "");
    S(vapi_speak_sqft(B, 1086), "1,086 square feet");
    S(vapi_speak_sqft(B, 12500), "12,500 square feet");
    S(vapi_speak_sqft(B, 1), "one square foot");
    S(vapi_speak_sqft(B, 0), "");
}

static void test_dates(void **state)
{
    (void)state;
    struct vapi_date d = vapi_date_from_days(0);
    assert_int_equal(d.year, 1970);
    assert_int_equal(d.month, 1);
    assert_int_equal(d.day, 1);
    d = vapi_date_from_days(20514); /* 2026-03-02 */
    assert_int_equal(d.year, 2026);
    assert_int_equal(d.month, 3);
    assert_int_equal(d.day, 2);
    d = vapi_date_from_days(11016); /* 2000-02-29 */
    assert_int_equal(d.month, 2);
    assert_int_equal(d.day, 29);
    d = vapi_date_from_days(-1);
    assert_int_equal(d.year, 1969);
    assert_int_equal(d.day, 31);
    assert_true(vapi_date_parse("2024-02-29", &d));
    assert_int_equal(d.day, 29);
    static const char *const bad[] = {"2025-02-29", "2026-13-01", "2026-00-10", "2026-3-1",
                                      "2026/03/01", "2026-03-01T", "", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(vapi_date_parse(bad[i], &d));
    assert_false(vapi_date_parse(NULL, &d));
}

static void test_available(void **state)
{
    (void)state;
    struct vapi_date today = {2026, 3, 2}, past = {2026, 2, 20}, soon = {2026, 3, 3},
                     next_year = {2027, 1, 15};
    S(vapi_speak_available(B, NULL, &today), "available now");
    S(vapi_speak_available(B, &today, &today), "available now");
    S(vapi_speak_available(B, &past, &today), "available now");
    S(vapi_speak_available(B, &soon, &today), "available March 3");
    S(vapi_speak_available(B, &next_year, &today), "available January 15, 2027");
}

static struct tm at(int y, int mon, int d, int h, int min)
{
    struct tm t;
    memset(&t, 0, sizeof t);
    t.tm_year = y - 1900;
    t.tm_mon = mon - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = min;
    t.tm_wday = 6; /* wrong on purpose: the weekday is computed */
    return t;
}

static void test_times(void **state)
{
    (void)state;
    struct vapi_date today = {2026, 3, 2};
    struct tm t = at(2026, 3, 3, 14, 30);
    S(vapi_speak_time(B, &t, &today), "Tuesday, March 3 at 2:30 PM");
    t = at(2026, 3, 3, 14, 0);
    S(vapi_speak_time(B, &t, &today), "Tuesday, March 3 at 2 PM");
    t = at(2026, 3, 7, 9, 5);
    S(vapi_speak_time(B, &t, NULL), "Saturday, March 7 at 9:05 AM");
    t = at(2026, 3, 8, 0, 0);
    S(vapi_speak_time(B, &t, &today), "Sunday, March 8 at 12 AM");
    t = at(2026, 3, 9, 12, 15);
    S(vapi_speak_time(B, &t, &today), "Monday, March 9 at 12:15 PM");
    t = at(2027, 1, 5, 10, 0);
    S(vapi_speak_time(B, &t, &today), "Tuesday, January 5, 2027 at 10 AM");
    t = at(2026, 2, 30, 10, 0);
    S(vapi_speak_time(B, &t, &today), "");
    t = at(2026, 3, 3, 24, 0);
    S(vapi_speak_time(B, &t, &today), "");
    S(vapi_speak_time(B, NULL, &today), "");
}

static void test_join(void **state)
{
    (void)state;
    const char *one[] = {"a pool"};
    const char *two[] = {"a pool", "a gym"};
    const char *three[] = {"a pool", "", "a gym", NULL, "parking"};
    S(vapi_speak_join(B, one, 1), "a pool");
    S(vapi_speak_join(B, two, 2), "a pool and a gym");
    S(vapi_speak_join(B, three, 5), "a pool, a gym and parking");
    S(vapi_speak_join(B, NULL, 0), "");
    S(vapi_speak_choices(B, one, 1), "a pool");
    S(vapi_speak_choices(B, two, 2), "a pool or a gym");
    S(vapi_speak_choices(B, three, 5), "a pool, a gym, or parking");
    const char *gaps[] = {"a pool", "", NULL, "a gym"};
    S(vapi_speak_choices(B, gaps, 4), "a pool or a gym");
    S(vapi_speak_count(B, 1), "one");
    S(vapi_speak_count(B, 10), "ten");
    S(vapi_speak_count(B, 1250), "1,250");
    S(vapi_speak_count(B, -1), "");
}

static void test_address(void **state)
{
    (void)state;
    S(vapi_speak_address(B, "412 W Oak Ave Unit 6, Norman, OK 73069", NULL, "Norman"),
      "412 W Oak Ave, unit 6, in Norman");
    S(vapi_speak_address(B, "412 W Oak Ave, Norman, OK 73069", "6", "Norman"),
      "412 W Oak Ave, unit 6, in Norman");
    S(vapi_speak_address(B, "412 W Oak Ave #6", NULL, NULL), "412 W Oak Ave, unit 6");
    S(vapi_speak_address(B, "1000 Rambling Oaks - 6", NULL, NULL), "1000 Rambling Oaks, unit 6");
    S(vapi_speak_address(B, "123 Main St - Apt 4B", NULL, NULL), "123 Main St, unit 4B");
    S(vapi_speak_address(B, "123 Main Street, Apt 4B", NULL, NULL), "123 Main Street, unit 4B");
    S(vapi_speak_address(B, "123 Main Street, Norman", NULL, NULL), "123 Main Street");
    S(vapi_speak_address(B, "200 Elm Blvd Suite 300", NULL, "Tulsa"),
      "200 Elm Blvd, suite 300, in Tulsa");
    S(vapi_speak_address(B, "9 Pine Ct", "#2", NULL), "9 Pine Ct, unit 2");
    S(vapi_speak_address(B, "9 Pine Ct", NULL, "Edmond"), "9 Pine Ct in Edmond");
    S(vapi_speak_address(B, "**9 Pine Ct**\n", NULL, NULL), "9 Pine Ct");
    S(vapi_speak_address(B, "", "6", "Norman"), "");
    S(vapi_speak_address(B, NULL, NULL, NULL), "");
    /* found by fuzzing: a long unit whose characters straddle an internal 128-byte cut */
    char addr[256], out[VAPI_SPEAK_MAX];
    size_t o = (size_t)snprintf(addr, sizeof addr, "12 West Oak Ave #");
    memset(addr + o, 'X', 101);
    o += 101;
    for (int i = 0; i < 30; i++, o += 2)
        memcpy(addr + o, "\xc3\xa9", 2);
    addr[o] = '\0';
    size_t n = vapi_speak_address(out, sizeof out, addr, NULL, NULL);
    assert_int_equal(n, strlen(out));
    assert_true(text_utf8_valid(out));
    assert_non_null(strstr(out, "12 West Oak Ave, unit XXX"));
    assert_non_null(strstr(out, "\xc3\xa9\xc3\xa9\xc3\xa9"));
    /* found by fuzzing: a line that is empty before its first comma */
    S(vapi_speak_address(B, ", 412 W Oak Ave #7", NULL, NULL), "");
    S(vapi_speak_address(B, ",, k 412 West Oak Avenue #7, Norman", "6", "Norman"), "");
}

static struct rental listing(void)
{
    struct rental r;
    rentals_init(&r);
    r.address = "412 W Oak Ave Unit 6, Norman, OK 73069";
    r.city = "Norman";
    r.has_bedrooms = r.has_bathrooms = r.has_square_feet = r.has_price = true;
    r.bedrooms = 2;
    r.bathrooms = 1.5;
    r.square_feet = 1086;
    r.price = 1250;
    r.available = true;
    return r;
}

static void test_rental(void **state)
{
    (void)state;
    struct vapi_date today = {2026, 3, 2};
    struct rental r = listing();
    S(vapi_speak_rental(B, &r, &today),
      "412 W Oak Ave, unit 6, in Norman has two bedrooms, one and a half baths and 1,086 "
      "square feet, for $1,250 a month, available now.");
    r.available_date = "2026-03-15";
    r.has_square_feet = false;
    S(vapi_speak_rental(B, &r, &today),
      "412 W Oak Ave, unit 6, in Norman has two bedrooms and one and a half baths, for $1,250 "
      "a month, available March 15.");
    r.bedrooms = 0;
    r.bathrooms = 1;
    r.price = 875.5;
    S(vapi_speak_rental(B, &r, &today),
      "412 W Oak Ave, unit 6, in Norman is a studio with one bath, for $875.50 a month, "
      "available March 15.");
    r.has_bedrooms = r.has_bathrooms = false;
    S(vapi_speak_rental(B, &r, &today),
      "412 W Oak Ave, unit 6, in Norman rents for $875.50 a month, available March 15.");
    r.has_price = false;
    r.available = false;
    S(vapi_speak_rental(B, &r, &today),
      "412 W Oak Ave, unit 6, in Norman is listed, not available right now.");
    r.address = NULL;
    r.city = NULL;
    r.available = true;
    r.available_date = "not a date";
    S(vapi_speak_rental(B, &r, &today), "This listing is listed, available now.");
}

static void test_rental_fits(void **state)
{
    (void)state;
    /* the longest fields still give a sentence that fits VAPI_SPEAK_MAX, cut cleanly */
    struct vapi_date today = {2026, 3, 2};
    struct rental r = listing();
    char addr[400], city[200];
    memset(addr, 'A', sizeof addr - 1);
    addr[sizeof addr - 1] = '\0';
    memset(city, 'C', sizeof city - 1);
    city[sizeof city - 1] = '\0';
    r.address = addr;
    r.city = city;
    r.bedrooms = 1234567;
    r.price = 999999999.99;
    char out[VAPI_SPEAK_MAX];
    size_t n = vapi_speak_rental(out, sizeof out, &r, &today);
    assert_true(n < sizeof out);
    assert_int_equal(strlen(out), n);
    assert_non_null(strstr(out, "1,234,567 bedrooms"));
    assert_null(strchr(out, '\n'));
}

static void test_sanitize(void **state)
{
    (void)state;
    S(vapi_speak_sanitize(B, "**Two bedrooms**, _bright_ and `quiet`."),
      "Two bedrooms, bright and quiet.");
    S(vapi_speak_sanitize(B, "# Oak Ave\n\nA lovely home.\nNear the park"),
      "Oak Ave. A lovely home. Near the park");
    S(vapi_speak_sanitize(B, "Features:\n- pool\n- gym\n* parking\n1. laundry"),
      "Features: pool, gym, parking, laundry");
    S(vapi_speak_sanitize(B, "See [the listing](https://example.invalid/x) today"),
      "See the listing today");
    S(vapi_speak_sanitize(B, "> quoted\ttext   with\r\n  spaces "), "quoted text with, spaces");
    S(vapi_speak_sanitize(B, "Unit #6 on snake_case street"), "Unit #6 on snake_case street");
    S(vapi_speak_sanitize(B, "caf\xc3\xa9 \xe2\x80\x94 ok"), "caf\xc3\xa9 \xe2\x80\x94 ok");
    S(vapi_speak_sanitize(B, "bad\xff\xfe bytes \xc3"), "bad bytes");
    S(vapi_speak_sanitize(B, "a\x01\x7f" "b\xc2\xa0" "c"), "a b c");
    S(vapi_speak_sanitize(B, "~~old~~ new | col"), "old new col");
    S(vapi_speak_sanitize(B, "\n\n  \n"), "");
    S(vapi_speak_sanitize(B, NULL), "");
    S(vapi_speak_sanitize(B, "-5 degrees"), "-5 degrees");
}

static void test_sanitize_caps(void **state)
{
    (void)state;
    char out[16];
    size_t n = vapi_speak_sanitize(out, sizeof out, "one two three four five six");
    assert_string_equal(out, "one two three");
    assert_int_equal(n, 13);
    /* no space near the end: cut at a character boundary, never inside "é" */
    char src[64];
    memset(src, 'x', 14);
    memcpy(src + 14, "\xc3\xa9\xc3\xa9", 5);
    n = vapi_speak_sanitize(out, sizeof out, src);
    assert_int_equal(n, 14);
    assert_true(text_utf8_valid(out));
    char tiny[1];
    assert_int_equal(vapi_speak_sanitize(tiny, sizeof tiny, "abc"), 0);
    assert_string_equal(tiny, "");
    char small[3];
    assert_int_equal(vapi_speak_money(small, sizeof small, 1250, true), 2);
    assert_string_equal(small, "$1");
}

static void test_sanitize_big_input(void **state)
{
    (void)state;
    size_t n = 100000;
    char *src = malloc(n + 1);
    assert_non_null(src);
    for (size_t i = 0; i < n; i++)
        src[i] = "ab *\n_#[]()`"[i % 12];
    src[n] = '\0';
    char out[VAPI_SPEAK_MAX];
    size_t k = vapi_speak_sanitize(out, sizeof out, src);
    assert_true(k > 0 && k < sizeof out);
    assert_null(strchr(out, '\n'));
    assert_null(strchr(out, '*'));
    assert_null(strchr(out, '`'));
    assert_true(text_utf8_valid(out));
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),          cmocka_unit_test(test_counts),
        cmocka_unit_test(test_dates),          cmocka_unit_test(test_available),
        cmocka_unit_test(test_times),          cmocka_unit_test(test_join),
        cmocka_unit_test(test_address),        cmocka_unit_test(test_rental),
        cmocka_unit_test(test_rental_fits),    cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_sanitize_caps),  cmocka_unit_test(test_sanitize_big_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
