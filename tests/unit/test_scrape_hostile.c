/* SPDX-License-Identifier: MIT */
/* Big and hostile pages, built at run time: 10,000 cards in more than 1 MiB (all extracted) and
 * the per-page cap just past it; markup nested far beyond libxml2's default limit of 256 (content
 * after it is not lost, nothing recurses per level); a <template> nested 50,000 deep; 100,000
 * attributes on one tag; stray end tags under a deep stack; JSON-LD nested 10,000 deep. The
 * point is bounded work and memory: each must return, and the listings around the junk must
 * still be found. No timing is asserted. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/scrape.h"

#define TODAY "2026-12-01"
#define URL "https://www.example.test/rentals/"

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 4096;
        while (b->cap < b->n + (size_t)k + 1)
            b->cap *= 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
}

static void card(struct buf *b, int i)
{
    put(b,
        "<div class=\"rental-card\"><div class=\"media\"><a href=\"/homes/%d-elm-st/\">"
        "<img class=\"lazyload\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" "
        "data-src=\"/photos/%d-elm-front.jpg\" alt=\"\"></a></div><div class=\"body\">"
        "<h3 class=\"title\"><a href=\"/homes/%d-elm-st/\">%d Elm St, Unit %d</a></h3>" /* unit i%7+1 */
        "<div class=\"location\">Athens, GA 30601</div><ul class=\"facts\"><li>%d bd / 1.5 ba</li>"
        "<li>1,%03d sq ft</li></ul><div class=\"price\">$1,%03d.00/mo</div>"
        "<div class=\"available\">Available 3/15</div></div></div>\n",
        i, i, i, i, i % 7 + 1, i % 4 + 1, i % 1000, i % 1000);
}

static char *cards_page(int n, size_t *len)
{
    struct buf b = {0};
    put(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Many</title></head><body>"
            "<div class=\"rental-grid\">\n");
    for (int i = 1; i <= n; i++)
        card(&b, i);
    put(&b, "</div></body></html>");
    *len = b.n;
    return b.p;
}

static void test_ten_thousand_cards(void **state)
{
    (void)state;
    size_t len;
    char *html = cards_page(10000, &len);
    assert_true(len > (1u << 20));
    struct scrape_result r;
    assert_int_equal(scrape_extract(html, len, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 10000);
    assert_false(r.truncated);
    assert_string_equal(r.family, "generic");
    const struct scrape_listing *l = &r.items[9999];
    assert_string_equal(l->address, "10000 Elm St Unit 5, Athens, GA 30601"); /* unit i % 7 + 1 */
    assert_true(l->price == 1000);
    assert_int_equal(l->bedrooms, 10000 % 4 + 1);
    assert_true(l->bathrooms == 1.5);
    assert_int_equal(l->square_feet, 1000);
    assert_string_equal(l->available_date, "2027-03-15");
    assert_string_equal(l->url, "https://www.example.test/homes/10000-elm-st/");
    assert_int_equal(l->n_images, 1);
    assert_string_equal(r.items[0].images[0], "https://www.example.test/photos/1-elm-front.jpg");
    assert_true(r.items[4998].price == 1999); /* card 4999 */
    scrape_result_cleanup(&r);
    free(html);
}

static void test_listing_cap(void **state)
{
    (void)state;
    size_t len;
    char *html = cards_page(SCRAPE_MAX_LISTINGS + 5, &len);
    struct scrape_result r;
    assert_int_equal(scrape_extract(html, len, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, SCRAPE_MAX_LISTINGS);
    assert_true(r.truncated);
    scrape_result_cleanup(&r);
    free(html);
}

/* Two cards: one at the bottom of depth nested <div>s, one after them. */
static void nested(int depth, const char *tag)
{
    struct buf b = {0};
    put(&b, "<html><body><div class=\"rental-grid\">");
    for (int i = 0; i < depth; i++)
        put(&b, "<%s class=\"wrap\">", tag);
    card(&b, 1);
    for (int i = 0; i < depth; i++)
        put(&b, "</%s>", tag);
    card(&b, 2);
    put(&b, "</div></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[0].address, "1 Elm St Unit 2, Athens, GA 30601");
    assert_string_equal(r.items[1].address, "2 Elm St Unit 3, Athens, GA 30601");
    assert_int_equal(r.items[1].n_images, 1);
    scrape_result_cleanup(&r);
    free(b.p);
}

static void test_nesting_past_the_default_limit(void **state)
{
    (void)state;
    nested(300, "div");    /* libxml2 alone would drop everything after level 256 */
    nested(5000, "div");
    nested(100000, "section");
}

static void test_deep_hidden_content(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "<html><body><div class=\"rental-grid\">");
    for (int i = 0; i < 50000; i++)
        put(&b, "<template><div>");
    card(&b, 7);
    for (int i = 0; i < 50000; i++)
        put(&b, "</div></template>");
    card(&b, 2);
    card(&b, 3);
    put(&b, "</div></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 2); /* the card inside the templates is not one */
    assert_string_equal(r.items[0].address, "2 Elm St Unit 3, Athens, GA 30601");
    assert_false(r.truncated);
    scrape_result_cleanup(&r);
    free(b.p);
}

static void test_many_attributes(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "<html><body><div class=\"rental-grid\"><div class=\"junk\"");
    for (int i = 0; i < 100000; i++)
        put(&b, " a%d=\"%d\"", i, i);
    put(&b, ">junk</div>");
    card(&b, 1);
    card(&b, 2);
    put(&b, "</div></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 2);
    scrape_result_cleanup(&r);
    free(b.p);
}

static void test_stray_end_tags_under_a_deep_stack(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "<html><body><div class=\"rental-grid\">");
    card(&b, 1);
    card(&b, 2);
    for (int i = 0; i < 200000; i++)
        put(&b, "<b>");
    for (int i = 0; i < 200000; i++)
        put(&b, "</p>");
    put(&b, "</div></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_true(r.truncated); /* the parser was stopped rather than scan the stack 200,000 times */
    assert_int_equal(r.n, 2);  /* what came before is kept */
    scrape_result_cleanup(&r);
    free(b.p);
}

/* Cards nested in cards thousands deep make every per-card lookup walk the rest of the page;
 * the page's work budget stops that (and says so) instead of letting it grow as n squared. */
static void test_cards_nested_in_cards(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "<html><body><div id=\"result_container\" class=\"js-listings-container\">");
    for (int i = 1; i <= 20000; i++)
        put(&b, "<div class=\"js-listing-item\"><p>filler</p><p>more filler</p>");
    put(&b, "<span class=\"js-listing-address\">1 Deep St, Tulsa, OK 74119</span>"
            "<div class=\"js-listing-blurb-rent\">$900</div>");
    for (int i = 1; i <= 20000; i++)
        put(&b, "</div>");
    put(&b, "</div></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_true(r.truncated);
    assert_true(r.n <= 1);
    scrape_result_cleanup(&r);
    free(b.p);
}

static void test_absurd_json_ld(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "<html><head><script type=\"application/ld+json\">");
    for (int i = 0; i < 10000; i++)
        put(&b, "[");
    for (int i = 0; i < 10000; i++)
        put(&b, "]");
    put(&b, "</script><script type=\"application/ld+json\">");
    for (int i = 0; i < 2000; i++) /* within Jansson's own limit, beyond ours */
        put(&b, "{\"a\":");
    put(&b, "{\"@type\":\"Apartment\",\"address\":\"1 Deep St, Athens, GA 30601\",\"numberOfBedrooms\":1}");
    for (int i = 0; i < 2000; i++)
        put(&b, "}");
    put(&b, "</script><script type=\"application/ld+json\">"
            "{\"@type\":\"House\",\"address\":\"2 Shallow St, Athens, GA 30601\",\"numberOfBedrooms\":3}"
            "</script></head><body></body></html>");
    struct scrape_result r;
    assert_int_equal(scrape_extract(b.p, b.n, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].address, "2 Shallow St, Athens, GA 30601");
    scrape_result_cleanup(&r);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_thousand_cards),
        cmocka_unit_test(test_listing_cap),
        cmocka_unit_test(test_nesting_past_the_default_limit),
        cmocka_unit_test(test_deep_hidden_content),
        cmocka_unit_test(test_many_attributes),
        cmocka_unit_test(test_stray_end_tags_under_a_deep_stack),
        cmocka_unit_test(test_cards_nested_in_cards),
        cmocka_unit_test(test_absurd_json_ld),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
