/* SPDX-License-Identifier: MIT */
/* Pages of our own for what the fixtures do not cover (tests/scrape/ and pages built here):
 * script, template, noscript, style and comment content that must not count; one listing rendered
 * three times; JSON-LD in every shape the README names; AppFolio's older template; link and photo
 * rules (javascript:, data:, tel:, mailto:, fragments, <base>, full-size photos, logos); charsets
 * (UTF-8, ISO-8859-1 and Windows-1252, declared by HTTP, by <meta>, or not at all, with invalid
 * bytes and NULs) always giving valid UTF-8; the caps; bad arguments; "no listings" pages. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "scrape/scrape.h"

#define OWN PETE_TEST_FIXTURES "/../scrape"
#define TODAY "2026-12-01"
#define URL "https://www.example.test/rentals/"

static char *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", OWN, name);
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

/* Extracts the file of tests/scrape/ as standing for page_url. */
static void extract_file(const char *name, const char *page_url, struct scrape_result *r)
{
    size_t len;
    char *body = read_file(name, &len);
    assert_int_equal(scrape_extract(body, len, NULL, page_url, TODAY, r), APP_OK);
    free(body);
}

static void extract_text(const char *html, const char *charset, struct scrape_result *r)
{
    assert_int_equal(scrape_extract(html, strlen(html), charset, URL, TODAY, r), APP_OK);
}

static bool same_value(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

/* The fixtures' README comparison: count, match by property_address, every field. */
static void compare(const char *what, const json_t *j_got, const json_t *j_want)
{
    if (json_array_size(j_got) != json_array_size(j_want))
        fail_msg("%s: %zu listings, expected %zu", what, json_array_size(j_got),
                 json_array_size(j_want));
    size_t i, k;
    const json_t *j_w, *j_x;
    json_array_foreach(j_want, i, j_w) {
        const char *addr = json_string_value(json_object_get(j_w, "property_address"));
        const json_t *j_g = NULL;
        json_array_foreach(j_got, k, j_x) {
            if (strcmp(json_string_value(json_object_get(j_x, "property_address")), addr) == 0)
                j_g = j_x;
        }
        if (!j_g)
            fail_msg("%s: no listing at %s", what, addr);
        assert_int_equal(json_object_size(j_g), json_object_size(j_w));
        const char *key;
        const json_t *j_v;
        json_object_foreach((json_t *)j_w, key, j_v) {
            if (!same_value(json_object_get(j_g, key), j_v))
                fail_msg("%s: %s: %s differs", what, addr, key);
        }
    }
}

/* Every string the result holds is well-formed UTF-8. */
static void assert_utf8(const struct scrape_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct scrape_listing *l = &r->items[i];
        const char *s[] = {l->address, l->unit, l->city, l->state, l->zip, l->available_date,
                           l->url, l->description, l->property_type, l->site_id};
        for (size_t k = 0; k < sizeof s / sizeof *s; k++)
            assert_true(!s[k] || text_utf8_valid(s[k]));
        for (size_t k = 0; k < l->n_images; k++)
            assert_true(text_utf8_valid(l->images[k]));
    }
}

/* A page of cards; each %s of body is filled from the arguments. New string. */
static char *page(const char *head, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = NULL;
    assert_true(vasprintf(&body, fmt, ap) >= 0);
    va_end(ap);
    char *html = NULL;
    assert_true(asprintf(&html, "<html><head>%s<title>t</title></head><body><div class=\"cards\">%s"
                                "<div class=\"card\"><h3>900 Other St</h3><p>Athens, GA 30601</p>"
                                "<p class=\"price\">$1,000/mo</p><p>1 bd</p></div></div></body></html>",
                         head, body) >= 0);
    free(body);
    return html;
}

static const struct scrape_listing *find(const struct scrape_result *r, const char *address)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->items[i].address, address) == 0)
            return &r->items[i];
    fail_msg("no listing at %s", address);
    return NULL;
}

/* ---- pages in tests/scrape/ ----------------------------------------------------------------- */

static void test_own_pages_as_expected(void **state)
{
    (void)state;
    json_error_t err;
    json_t *j_m = json_load_file(OWN "/manifest.json", 0, &err);
    assert_non_null(j_m);
    size_t i;
    const json_t *j_p;
    json_array_foreach(json_object_get(j_m, "pages"), i, j_p) {
        const char *file = json_string_value(json_object_get(j_p, "file"));
        struct scrape_result r;
        extract_file(file, json_string_value(json_object_get(j_p, "page_url")), &r);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", OWN,
                 json_string_value(json_object_get(j_p, "expected")));
        json_t *j_want = json_load_file(path, 0, &err);
        assert_non_null(j_want);
        json_t *j_got = scrape_result_to_json(&r);
        compare(file, j_got, j_want);
        assert_string_equal(r.family, json_string_value(json_object_get(j_p, "family")));
        const char *next = json_string_value(json_object_get(j_p, "next_url"));
        if (next)
            assert_string_equal(r.next_url, next);
        else
            assert_null(r.next_url);
        assert_utf8(&r);
        json_decref(j_got);
        json_decref(j_want);
        scrape_result_cleanup(&r);
    }
    json_decref(j_m);
}

static void test_hidden_content_never_counts(void **state)
{
    (void)state;
    struct scrape_result r;
    extract_file("hidden-content.html", URL, &r);
    assert_int_equal(r.n, 2);
    const struct scrape_listing *l = find(&r, "20 Real St Unit 4, Athens, GA 30601");
    assert_true(l->price == 1100);   /* not the $5 inside its <template> */
    assert_int_equal(l->bedrooms, 2); /* not the 3 a script would write, nor the template's 5 */
    assert_int_equal(l->n_images, 1); /* no photo from <template>, <noscript> or <script> */
    assert_string_equal(l->available_date, "now"); /* not the date in the comment */
    scrape_result_cleanup(&r);
}

static void test_duplicates_collapse(void **state)
{
    (void)state;
    struct scrape_result r;
    extract_file("duplicates.html", URL, &r);
    assert_int_equal(r.n, 2); /* featured strip, desktop card and mobile line are one listing */
    const struct scrape_listing *l = find(&r, "101 Oak St Unit 2, Athens, GA 30601");
    assert_true(l->has_square_feet); /* the fuller (desktop) rendering's values */
    assert_string_equal(l->available_date, "2027-01-05");
    l = find(&r, "202 Elm Ave, Athens, GA 30606");
    assert_string_equal(l->url, "https://www.example.test/rentals/202-elm-ave/");
    scrape_result_cleanup(&r);
}

/* ---- charsets --------------------------------------------------------------------------------- */

static const char LATIN1_CARD[] =
    "<div class=\"card\"><h3>3312 Nu\xf1" "ez Ct</h3><p>Norman, OK 73072</p>"
    "<p class=\"price\">$1,395/mo</p><p>3 bd / 1\xbd ba</p>"
    "<p>Caf\xe9 nearby \x96 the landlord\x92s favourite \x80 deal, long enough to be prose.</p></div>";

static void check_latin1(const struct scrape_result *r)
{
    const struct scrape_listing *l = find(r, "3312 Nu\xc3\xb1" "ez Ct, Norman, OK 73072");
    assert_true(l->bathrooms == 1.5);
    assert_string_equal(l->description, "Caf\xc3\xa9 nearby \xe2\x80\x93 the landlord\xe2\x80\x99s "
                                        "favourite \xe2\x82\xac deal, long enough to be prose.");
    assert_utf8(r);
}

static void test_latin1_and_windows1252(void **state)
{
    (void)state;
    const char *heads[][2] = {
        {"<meta charset=\"iso-8859-1\">", NULL},                     /* the page says so */
        {"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">", NULL},
        {"", "ISO-8859-1"},                                             /* HTTP says so */
        {"<meta charset=\"utf-8\">", "windows-1252"},                   /* HTTP wins */
        {"", NULL},                                                     /* nobody: not UTF-8 */
    };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        char *html = page(heads[i][0], "%s", LATIN1_CARD);
        struct scrape_result r;
        extract_text(html, heads[i][1], &r);
        assert_int_equal(r.n, 2);
        check_latin1(&r);
        scrape_result_cleanup(&r);
        free(html);
    }
}

static void test_utf8_pages(void **state)
{
    (void)state;
    const char *card = "<div class=\"card\"><h3>3312 Nu\xc3\xb1" "ez Ct</h3><p>Norman, OK 73072</p>"
                       "<p class=\"price\">$1,395/mo</p><p>3 bd / 1\xc2\xbd ba</p>"
                       "<p>Caf\xc3\xa9 nearby \xe2\x80\x93 the landlord\xe2\x80\x99s favourite "
                       "\xe2\x82\xac deal, long enough to be prose.</p></div>";
    const char *heads[][2] = {{"", NULL}, {"<meta charset=\"utf-8\">", NULL},
                              {"", "UTF-8"}, {"<meta charset=\"iso-8859-1\">", "utf-8"}};
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        char *html = page(heads[i][0], "%s", card);
        struct scrape_result r;
        extract_text(html, heads[i][1], &r);
        check_latin1(&r);
        scrape_result_cleanup(&r);
        free(html);
    }
    /* a byte-order mark decides for UTF-8 */
    char *html = page("<meta charset=\"iso-8859-1\">", "%s", card);
    char *bom = NULL;
    assert_true(asprintf(&bom, "\xef\xbb\xbf%s", html) > 0);
    struct scrape_result r;
    extract_text(bom, NULL, &r);
    check_latin1(&r);
    scrape_result_cleanup(&r);
    free(bom);
    free(html);
}

static void test_invalid_bytes_never_pass(void **state)
{
    (void)state;
    /* declared UTF-8 but holding a Latin-1 byte, a lone continuation byte, an overlong form,
     * a surrogate and a NUL: each becomes U+FFFD (or a space for the NUL), the rest survives */
    const char bad[] = "<div class=\"card\"><h3>18 Caf\xe9 Ln</h3><p>Athens, GA 30601</p>"
                       "<p class=\"price\">$900/mo</p><p>1 bd \x80\xc0\xaf\xed\xa0\x80</p>"
                       "<p>after a NUL: \0 still read, this line is long enough to be prose.</p></div>";
    char *html = page("", "%s", "@");
    char *at = strchr(html, '@');
    size_t head = (size_t)(at - html), tail = strlen(at + 1), len = head + sizeof bad - 1 + tail;
    char *body = malloc(len);
    memcpy(body, html, head);
    memcpy(body + head, bad, sizeof bad - 1);
    memcpy(body + head + sizeof bad - 1, at + 1, tail);
    struct scrape_result r;
    assert_int_equal(scrape_extract(body, len, "utf-8", URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 2); /* the card after the NUL is there too */
    const struct scrape_listing *l = find(&r, "18 Caf\xef\xbf\xbd Ln, Athens, GA 30601");
    assert_int_equal(l->bedrooms, 1);
    assert_non_null(strstr(l->description, "still read"));
    assert_utf8(&r);
    scrape_result_cleanup(&r);
    free(body);
    free(html);
}

/* ---- caps, arguments, "none" ------------------------------------------------------------------ */

static void test_caps(void **state)
{
    (void)state;
    char imgs[60 * 48] = "", desc[20001];
    for (int i = 0; i < 60; i++)
        snprintf(imgs + strlen(imgs), sizeof imgs - strlen(imgs), "<img src=\"/p/%d.jpg\">", i);
    memset(desc, 'a', sizeof desc - 1);
    desc[sizeof desc - 1] = '\0';
    char longurl[3000] = "/homes/";
    memset(longurl + 7, 'x', 2500);
    longurl[2507] = '\0';
    char *html = page("", "<div class=\"card\">%s<h3><a href=\"%s\">7 Cap St</a></h3>"
                          "<p>Athens, GA 30601</p><p class=\"price\">$900/mo</p><p>1 bd</p>"
                          "<p>Nice %s</p></div>",
                      imgs, longurl, desc);
    struct scrape_result r;
    extract_text(html, NULL, &r);
    const struct scrape_listing *l = find(&r, "7 Cap St, Athens, GA 30601");
    assert_int_equal(l->n_images, SCRAPE_MAX_IMAGES);
    assert_string_equal(l->images[49], "https://www.example.test/p/49.jpg");
    assert_int_equal(strlen(l->description), 10000); /* characters; ASCII here */
    assert_null(l->url);                             /* over 2,048 bytes: dropped */
    scrape_result_cleanup(&r);
    free(html);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct scrape_result r;
    const char *html = "<p>x</p>";
    assert_int_equal(scrape_extract(html, 8, NULL, NULL, TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, "rentals/", TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, "ftp://example.test/", TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, "javascript:alert(1)", TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, URL, NULL, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, URL, "2026-13-01", &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, URL, "2026-02-29", &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, URL, "12/01/2026", &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(NULL, 8, NULL, URL, TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, SCRAPE_MAX_BODY + 1, NULL, URL, TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract(html, 8, NULL, URL, TODAY, NULL), APP_E_PARAM);
    assert_int_equal(scrape_extract_family("zillow", html, 8, NULL, URL, TODAY, &r), APP_E_PARAM);
    assert_int_equal(scrape_extract_family(NULL, html, 8, NULL, URL, TODAY, &r), APP_E_PARAM);
    assert_int_equal(r.n, 0);
    scrape_result_cleanup(&r);
    assert_int_equal(scrape_extract(NULL, 0, NULL, URL, TODAY, &r), APP_OK); /* empty body */
    assert_int_equal(r.n, 0);
    assert_false(r.says_none);
    assert_null(r.family);
    scrape_result_cleanup(&r);
}

static void test_none_only_when_the_page_says_so(void **state)
{
    (void)state;
    struct scrape_result r;
    extract_text("<html><body><h1>Welcome</h1><p>Call us at 555-0100.</p></body></html>", NULL, &r);
    assert_int_equal(r.n, 0);
    assert_false(r.says_none); /* a page we cannot read is not "nothing available" */
    scrape_result_cleanup(&r);
    extract_text("<html><body><h1>Rentals</h1><p>Sorry &#8211; no vacancies right now.</p>"
                 "<p>Office: 220 College Ave, Athens, GA 30601</p></body></html>",
                 NULL, &r);
    assert_int_equal(r.n, 0);
    assert_true(r.says_none);
    scrape_result_cleanup(&r);
}

static void test_one_family_at_a_time(void **state)
{
    (void)state;
    struct scrape_result r;
    size_t len;
    char *body = read_file("jsonld-shapes.html", &len);
    assert_int_equal(scrape_extract_family("generic", body, len, NULL, URL, TODAY, &r), APP_OK);
    assert_string_equal(r.family, "generic"); /* the visible cards alone */
    assert_int_equal(r.n, 2);
    scrape_result_cleanup(&r);
    assert_int_equal(scrape_extract_family("buildium", body, len, NULL, URL, TODAY, &r), APP_OK);
    assert_int_equal(r.n, 0);
    assert_null(r.family);
    scrape_result_cleanup(&r);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_pages_as_expected),
        cmocka_unit_test(test_hidden_content_never_counts),
        cmocka_unit_test(test_duplicates_collapse),
        cmocka_unit_test(test_latin1_and_windows1252),
        cmocka_unit_test(test_utf8_pages),
        cmocka_unit_test(test_invalid_bytes_never_pass),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_none_only_when_the_page_says_so),
        cmocka_unit_test(test_one_family_at_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
