/* SPDX-License-Identifier: MIT */
/* Every page of tests/fixtures/listings/ through scrape_extract, compared with its
 * X.expected.json the way the fixtures' README says (same count, listings matched by
 * property_address, every field equal, numbers numerically, images as an ordered list), with
 * and without the HTTP charset; the manifest's family; the crawl (page 1, then page 2 through
 * next_url, de-duplicated); the two detail pages merged into their index cards; the page that
 * says there is nothing; and the same results from four threads at once. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape/scrape.h"

#define DIR PETE_TEST_FIXTURES "/listings"

static json_t *j_manifest;

static char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static json_t *load_json(const char *name)
{
    char path[512];
    json_error_t err;
    snprintf(path, sizeof path, "%s/%s", DIR, name);
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("%s: %s", path, err.text);
    return j;
}

static const char *today(void)
{
    return json_string_value(json_object_get(j_manifest, "reference_date"));
}

/* The manifest entry whose key equals value, or NULL. */
static const json_t *page_by(const char *key, const char *value)
{
    size_t i;
    const json_t *j_p;
    json_array_foreach(json_object_get(j_manifest, "pages"), i, j_p) {
        if (strcmp(json_string_value(json_object_get(j_p, key)), value) == 0)
            return j_p;
    }
    return NULL;
}

static void extract_page(const json_t *j_page, const char *charset, struct scrape_result *r)
{
    size_t len;
    char *body = read_file(json_string_value(json_object_get(j_page, "file")), &len);
    app_err e = scrape_extract(body, len, charset,
                               json_string_value(json_object_get(j_page, "page_url")), today(), r);
    free(body);
    assert_int_equal(e, APP_OK);
}

static bool same_value(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

/* The README's comparison; fails naming the page, the listing and the field. */
static void compare(const char *what, const json_t *j_got, const json_t *j_want)
{
    if (json_array_size(j_got) != json_array_size(j_want)) {
        char *s = json_dumps(j_got, JSON_INDENT(1));
        fail_msg("%s: %zu listings, expected %zu:\n%s", what, json_array_size(j_got),
                 json_array_size(j_want), s);
    }
    size_t i;
    const json_t *j_w;
    json_array_foreach(j_want, i, j_w) {
        const char *addr = json_string_value(json_object_get(j_w, "property_address"));
        const json_t *j_g = NULL, *j_x;
        size_t k, matches = 0;
        json_array_foreach(j_got, k, j_x) {
            if (strcmp(json_string_value(json_object_get(j_x, "property_address")), addr) == 0) {
                j_g = j_x;
                matches++;
            }
        }
        if (matches != 1)
            fail_msg("%s: %zu listings at %s", what, matches, addr);
        if (json_object_size(j_g) != json_object_size(j_w))
            fail_msg("%s: %s has %zu fields, expected %zu", what, addr, json_object_size(j_g),
                     json_object_size(j_w));
        const char *key;
        const json_t *j_v;
        json_object_foreach((json_t *)j_w, key, j_v) {
            const json_t *j_have = json_object_get(j_g, key);
            if (!j_have || !same_value(j_have, j_v)) {
                char *want = json_dumps(j_v, JSON_ENCODE_ANY);
                char *have = j_have ? json_dumps(j_have, JSON_ENCODE_ANY) : strdup("(missing)");
                fail_msg("%s: %s: %s is %s, expected %s", what, addr, key, have, want);
            }
        }
    }
}

static void check_page(const json_t *j_page, const char *charset)
{
    const char *file = json_string_value(json_object_get(j_page, "file"));
    struct scrape_result r;
    extract_page(j_page, charset, &r);
    json_t *j_got = scrape_result_to_json(&r);
    json_t *j_want = load_json(json_string_value(json_object_get(j_page, "expected")));
    char what[256];
    snprintf(what, sizeof what, "%s (charset %s)", file, charset ? charset : "none");
    compare(what, j_got, j_want);
    assert_int_equal(r.n, (size_t)json_integer_value(json_object_get(j_page, "listings")));
    assert_non_null(r.family);
    assert_string_equal(r.family, json_string_value(json_object_get(j_page, "family")));
    assert_false(r.truncated);
    if (r.n)
        assert_false(r.says_none);
    json_decref(j_got);
    json_decref(j_want);
    scrape_result_cleanup(&r);
}

static void test_every_page_as_expected(void **state)
{
    (void)state;
    size_t i;
    const json_t *j_p;
    json_array_foreach(json_object_get(j_manifest, "pages"), i, j_p) {
        check_page(j_p, json_string_value(json_object_get(j_p, "charset")));
        check_page(j_p, NULL); /* served without a charset parameter: the page decides */
    }
}

static void test_latin1_page_same_either_way(void **state)
{
    (void)state;
    const json_t *j_p = page_by("file", "broken-markup.html");
    struct scrape_result a, b;
    extract_page(j_p, NULL, &a);
    extract_page(j_p, "iso-8859-1", &b);
    json_t *j_a = scrape_result_to_json(&a), *j_b = scrape_result_to_json(&b);
    assert_true(json_equal(j_a, j_b));
    /* Latin-1 letters come out as UTF-8, the description's Windows-1252 dash too */
    assert_string_equal(a.items[1].address, "3312 Nu\xc3\xb1" "ez Ct, Norman, OK 73072");
    assert_non_null(strstr(a.items[0].description, "Caf\xc3\xa9 on Main \xe2\x80\x93 exposed"));
    json_decref(j_a);
    json_decref(j_b);
    scrape_result_cleanup(&a);
    scrape_result_cleanup(&b);
}

static void test_crawl_follows_next(void **state)
{
    (void)state;
    size_t i;
    const json_t *j_c;
    json_array_foreach(json_object_get(j_manifest, "crawls"), i, j_c) {
        const json_t *j_p = page_by("file", json_string_value(json_object_get(j_c, "start")));
        struct scrape_result all;
        extract_page(j_p, NULL, &all);
        size_t pages = 0;
        char *next = all.next_url ? strdup(all.next_url) : NULL;
        while (next && pages < 10) {
            j_p = page_by("page_url", next);
            assert_non_null(j_p); /* the link resolves to the page the manifest serves there */
            const json_t *j_follow = json_array_get(json_object_get(j_c, "follows"), pages);
            assert_string_equal(json_string_value(json_object_get(j_p, "file")),
                                json_string_value(j_follow));
            struct scrape_result more;
            extract_page(j_p, NULL, &more);
            free(next);
            next = more.next_url ? strdup(more.next_url) : NULL;
            scrape_result_absorb(&all, &more);
            assert_int_equal(more.n, 0);
            scrape_result_cleanup(&more);
            pages++;
        }
        free(next);
        assert_int_equal(pages, json_array_size(json_object_get(j_c, "follows")));
        json_t *j_got = scrape_result_to_json(&all);
        json_t *j_want = load_json(json_string_value(json_object_get(j_c, "expected")));
        compare("crawl", j_got, j_want);
        /* absorbing page 2 again changes nothing: the same listings are the same */
        struct scrape_result again;
        extract_page(page_by("file", "generic-cards-page2.html"), NULL, &again);
        scrape_result_absorb(&all, &again);
        assert_int_equal(all.n, json_array_size(j_want));
        json_decref(j_got);
        json_decref(j_want);
        scrape_result_cleanup(&again);
        scrape_result_cleanup(&all);
    }
}

/* A detail page merged into the card of its index page that links to it gives the detail
 * page's values (the index lacked size, availability, the full gallery). */
static void test_detail_pages_complete_their_cards(void **state)
{
    (void)state;
    const char *pairs[][2] = {{"appfolio-listings.html", "appfolio-detail.html"},
                              {"buildium-rentals.html", "buildium-detail.html"}};
    for (size_t i = 0; i < 2; i++) {
        const json_t *j_detail = page_by("file", pairs[i][1]);
        struct scrape_result index, detail;
        extract_page(page_by("file", pairs[i][0]), NULL, &index);
        extract_page(j_detail, NULL, &detail);
        assert_int_equal(detail.n, 1);
        const char *url = json_string_value(json_object_get(j_detail, "page_url"));
        struct scrape_listing *card = NULL;
        for (size_t k = 0; k < index.n; k++)
            if (index.items[k].url && strcmp(index.items[k].url, url) == 0)
                card = &index.items[k];
        assert_non_null(card);
        assert_true(!card->available_date); /* what the index lacks */
        assert_true(scrape_listing_incomplete(card));
        scrape_listing_merge(card, &detail.items[0]);
        assert_false(scrape_listing_incomplete(card));
        json_t *j_got = json_array();
        json_array_append_new(j_got, scrape_listing_to_json(card));
        json_t *j_want = load_json(json_string_value(json_object_get(j_detail, "expected")));
        compare(pairs[i][1], j_got, j_want);
        json_decref(j_got);
        json_decref(j_want);
        scrape_result_cleanup(&index);
        scrape_result_cleanup(&detail);
    }
}

/* Which index cards are worth their detail page: those with a detail URL and a gap. */
static void test_which_cards_lack_fields(void **state)
{
    (void)state;
    struct scrape_result r;
    extract_page(page_by("file", "appfolio-listings.html"), NULL, &r);
    size_t lacking = 0;
    for (size_t i = 0; i < r.n; i++)
        lacking += scrape_listing_incomplete(&r.items[i]);
    assert_int_equal(lacking, 3); /* no size (1200 E Danforth), no photo, no availability */
    assert_false(scrape_listing_incomplete(&r.items[0]));
    scrape_result_cleanup(&r);
    extract_page(page_by("file", "generic-cards.html"), NULL, &r);
    /* 88 Pulaski St lacks a date but has no detail page to ask */
    assert_null(r.items[4].url);
    assert_false(scrape_listing_incomplete(&r.items[4]));
    scrape_result_cleanup(&r);
}

static void test_no_listings_says_so(void **state)
{
    (void)state;
    struct scrape_result r;
    extract_page(page_by("file", "no-listings.html"), NULL, &r);
    assert_int_equal(r.n, 0);
    assert_true(r.says_none);
    assert_null(r.next_url);
    scrape_result_cleanup(&r);
    extract_page(page_by("file", "generic-cards.html"), NULL, &r);
    assert_false(r.says_none);
    assert_string_equal(r.next_url, "https://www.redfernrentals.com/rentals/page/2/");
    scrape_result_cleanup(&r);
}

/* ---- threads ------------------------------------------------------------------------------ */

#define THREADS 4
#define ROUNDS 3

struct job {
    json_t *j_want; /* array of each page's result, from one thread */
    int mismatches;
};

static json_t *all_pages(void)
{
    json_t *j = json_array();
    size_t i;
    const json_t *j_p;
    json_array_foreach(json_object_get(j_manifest, "pages"), i, j_p) {
        size_t len;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", DIR, json_string_value(json_object_get(j_p, "file")));
        FILE *f = fopen(path, "rb");
        char *body = malloc(1 << 20);
        len = f ? fread(body, 1, 1 << 20, f) : 0;
        if (f)
            fclose(f);
        struct scrape_result r;
        scrape_extract(body, len, NULL, json_string_value(json_object_get(j_p, "page_url")),
                       today(), &r);
        json_array_append_new(j, scrape_result_to_json(&r));
        scrape_result_cleanup(&r);
        free(body);
    }
    return j;
}

static void *worker(void *arg)
{
    struct job *job = arg;
    for (int round = 0; round < ROUNDS; round++) {
        json_t *j = all_pages();
        if (!json_equal(j, job->j_want))
            job->mismatches++;
        json_decref(j);
    }
    return NULL;
}

static void test_threads_get_the_same_results(void **state)
{
    (void)state;
    json_t *j_want = all_pages();
    struct job jobs[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){.j_want = j_want};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    assert_int_equal(json_array_size(j_want), json_array_size(json_object_get(j_manifest, "pages")));
    json_decref(j_want);
}

static int setup(void **state)
{
    (void)state;
    scrape_init();
    j_manifest = load_json("manifest.json");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(j_manifest);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_page_as_expected),
        cmocka_unit_test(test_latin1_page_same_either_way),
        cmocka_unit_test(test_crawl_follows_next),
        cmocka_unit_test(test_detail_pages_complete_their_cards),
        cmocka_unit_test(test_which_cards_lack_fields),
        cmocka_unit_test(test_no_listings_says_so),
        cmocka_unit_test(test_threads_get_the_same_results),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
