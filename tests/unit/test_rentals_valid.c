/* SPDX-License-Identifier: MIT */
/* Rental body rules (one 422 listing every bad field, 400 for a wrong JSON type), PATCH
 * semantics, source bodies, URL hosts, calendar dates, the Rental and Source JSON the
 * server writes (SPEC §5: every key, in order, with its value) and keyset cursors. No
 * database. (Day arithmetic and time zones: test_tz.c.) */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "rentals/rentals_store.h"

#define LABELS "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad test JSON: %s", err.text);
    return j;
}

/* Applies text as a new-rental body; returns the 422 field names joined by ','. */
static char *apply_new(const char *text, struct rental *r, struct vcheck *v)
{
    json_t *j = parse(text);
    rentals_init(r);
    vcheck_init(v);
    rentals_apply_json(v, j, r, false);
    json_decref(j);
    char *out = calloc(1, 1024);
    assert_non_null(out);
    size_t i;
    const json_t *j_e;
    json_array_foreach(v->j_errors, i, j_e) {
        if (i)
            strcat(out, ",");
        strcat(out, json_string_value(json_object_get(j_e, "field")));
    }
    return out;
}

static void test_create_defaults_and_trimming(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    char *bad = apply_new("{\"property_address\":\"  12 Oak Ave, Austin, TX 78701 \","
                          "\"price\":1250.555,\"bedrooms\":2,\"bathrooms\":1.5,"
                          "\"property_type\":\"TownHouse\",\"city\":\"  \","
                          "\"amenities\":[\" pool \"],\"id\":99,\"user_id\":7,"
                          "\"source_type\":\"scraped\"}",
                          &r, &v);
    assert_string_equal(bad, "");
    assert_true(vcheck_ok(&v));
    assert_string_equal(r.address, "12 Oak Ave, Austin, TX 78701");
    assert_string_equal(r.website, "manual");
    assert_string_equal(r.source_type, "manual");
    assert_string_equal(r.property_type, "townhouse");
    assert_true(r.available);
    assert_null(r.city); /* blank optional text is stored as null */
    assert_true(r.has_price);
    assert_true(r.price > 1250.555 && r.price < 1250.565); /* rounded to cents */
    assert_int_equal(r.bedrooms, 2);
    assert_int_equal(r.id, 0); /* ids and owners never come from the body */
    assert_int_equal(r.user_id, 0);
    assert_string_equal(json_string_value(json_array_get(r.j_amenities, 0)), "pool");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_create_lists_every_bad_field(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    char *bad = apply_new("{\"price\":1000000,\"bedrooms\":2.5,\"bathrooms\":1.25,"
                          "\"square_feet\":0,\"available_date\":\"2026-02-29\","
                          "\"property_type\":\"castle\",\"url\":\"ftp://example.com/x\","
                          "\"images\":[\"javascript:alert(1)\"],\"zip\":"
                          "\"123456789012345678901\",\"available\":null}",
                          &r, &v);
    assert_string_equal(bad, "property_address,zip,price,bedrooms,bathrooms,square_feet,"
                             "property_type,available_date,available,url,images");
    assert_int_equal(v.type_field[0], '\0'); /* all rule failures: one 422 */
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_bounds_accept_edges(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    char *bad = apply_new("{\"property_address\":\"1 A St\",\"price\":0,\"bedrooms\":20,"
                          "\"bathrooms\":20,\"square_feet\":1,\"available_date\":\"2028-02-29\","
                          "\"url\":\"HTTPS://Example.com/x\",\"available\":false}",
                          &r, &v);
    assert_string_equal(bad, "");
    assert_false(r.available);
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    /* the price is checked after rounding to cents, the value the column stores */
    bad = apply_new("{\"property_address\":\"1 A St\",\"price\":999999.996}", &r, &v);
    assert_string_equal(bad, "price");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    bad = apply_new("{\"property_address\":\"1 A St\",\"price\":999999.994}", &r, &v);
    assert_string_equal(bad, "");
    assert_true(r.price == 999999.99);
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    bad = apply_new("{\"property_address\":\"1 A St\",\"price\":-0.004}", &r, &v);
    assert_string_equal(bad, "");
    assert_true(r.price == 0.0 && !signbit(r.price));
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    bad = apply_new("{\"property_address\":\"1 A St\",\"price\":999999.99,\"bedrooms\":-1,"
                    "\"bathrooms\":-0.5,\"square_feet\":-3}",
                    &r, &v);
    assert_string_equal(bad, "bedrooms,bathrooms,square_feet");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_address_length_and_type_errors(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    char body[1024];
    char addr[302];
    memset(addr, 'a', 301);
    addr[301] = '\0';
    snprintf(body, sizeof body, "{\"property_address\":\"%s\"}", addr);
    char *bad = apply_new(body, &r, &v);
    assert_string_equal(bad, "property_address");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    addr[300] = '\0'; /* exactly 300 is fine */
    snprintf(body, sizeof body, "{\"property_address\":\"%s\"}", addr);
    bad = apply_new(body, &r, &v);
    assert_string_equal(bad, "");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    /* a wrong JSON type is a 400 naming the field */
    bad = apply_new("{\"property_address\":\"1 A St\",\"price\":\"cheap\"}", &r, &v);
    assert_string_equal(v.type_field, "price");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    /* lists: anything but an array of strings is a type error too */
    bad = apply_new("{\"property_address\":\"1 A St\",\"amenities\":\"pool\"}", &r, &v);
    assert_string_equal(v.type_field, "amenities");
    assert_string_equal(bad, "");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
    bad = apply_new("{\"property_address\":\"1 A St\",\"images\":[1]}", &r, &v);
    assert_string_equal(v.type_field, "images");
    assert_string_equal(bad, "");
    free(bad);
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    /* a typo is reported, read-only output keys are accepted and ignored */
    char *bad = apply_new("{\"property_address\":\"1 A St\",\"bedroom\":2,\"id\":5,"
                          "\"scraped_at\":null,\"days_until_available\":0,\"sqft\":1}",
                          &r, &v);
    assert_string_equal(bad, "bedroom,sqft");
    assert_false(r.has_bedrooms);
    free(bad);
    vcheck_cleanup(&v);
    json_t *j = parse("{\"bathroom\":1}");
    vcheck_init(&v);
    rentals_apply_json(&v, j, &r, true);
    json_decref(j);
    assert_int_equal(json_array_size(v.j_errors), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v.j_errors, 0),
                                                          "field")),
                        "bathroom");
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_url_host_limits(void **state)
{
    (void)state;
    struct vcheck v;
    char *website = NULL, *url = NULL;
    char body[600], host[300];
    /* 253 bytes in labels of 63 is the DNS maximum; one more byte or a 64-byte label is not */
    snprintf(host, sizeof host, "%.63s.%.63s.%.63s.%.57s.com", LABELS, LABELS, LABELS, LABELS);
    assert_int_equal(strlen(host), 253);
    snprintf(body, sizeof body, "{\"url\":\"http://%s/\"}", host);
    json_t *j = parse(body);
    vcheck_init(&v);
    rentals_source_from_json(&v, j, &website, &url);
    assert_true(vcheck_ok(&v));
    assert_string_equal(website, host);
    json_decref(j);
    vcheck_cleanup(&v);
    free(website);
    free(url);
    const char *bad_hosts[] = {"x%s", "%.64s.example"};
    for (size_t i = 0; i < 2; i++) {
        char h[300];
        snprintf(h, sizeof h, bad_hosts[i], i == 0 ? host : LABELS);
        snprintf(body, sizeof body, "{\"url\":\"http://%s/\",\"property_address\":\"1 A\"}",
                 h);
        j = parse(body);
        json_t *j_src = json_deep_copy(j); /* a source has no address: that key is a 422 */
        json_object_del(j_src, "property_address");
        vcheck_init(&v);
        rentals_source_from_json(&v, j_src, &website, &url);
        assert_int_equal(json_array_size(v.j_errors), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(v.j_errors, 0),
                                                              "field")),
                            "url");
        vcheck_cleanup(&v);
        json_decref(j_src);
        free(website);
        free(url);
        struct rental r;
        rentals_init(&r);
        vcheck_init(&v);
        rentals_apply_json(&v, j, &r, false);
        assert_int_equal(json_array_size(v.j_errors), 1); /* url */
        vcheck_cleanup(&v);
        rentals_cleanup(&r);
        json_decref(j);
    }
}

static void test_patch_semantics(void **state)
{
    (void)state;
    struct rental r;
    struct vcheck v;
    char *bad = apply_new("{\"property_address\":\"1 A St\",\"unit\":\"2B\",\"price\":900}",
                          &r, &v);
    assert_string_equal(bad, "");
    free(bad);
    vcheck_cleanup(&v);

    json_t *j = parse("{\"unit\":null,\"price\":950,\"property_address\":\" 1 A St \"}");
    vcheck_init(&v);
    rentals_apply_json(&v, j, &r, true);
    json_decref(j);
    assert_true(vcheck_ok(&v)); /* repeating the same address is fine */
    assert_null(r.unit);
    assert_true(r.price == 950.0);
    assert_string_equal(r.address, "1 A St");
    vcheck_cleanup(&v);

    j = parse("{\"property_address\":\"2 B St\",\"website\":\"other.com\",\"price\":-5}");
    vcheck_init(&v);
    rentals_apply_json(&v, j, &r, true);
    json_decref(j);
    assert_int_equal(json_array_size(v.j_errors), 3);
    assert_string_equal(r.address, "1 A St");
    vcheck_cleanup(&v);
    rentals_cleanup(&r);
}

static void test_source_bodies(void **state)
{
    (void)state;
    struct vcheck v;
    char *website = NULL, *url = NULL;
    json_t *j = parse("{\"url\":\" https://www.Example.COM:8443/rentals?x=1 \"}");
    vcheck_init(&v);
    rentals_source_from_json(&v, j, &website, &url);
    assert_true(vcheck_ok(&v));
    assert_string_equal(website, "example.com");
    assert_string_equal(url, "https://www.Example.COM:8443/rentals?x=1");
    json_decref(j);
    vcheck_cleanup(&v);
    free(website);
    free(url);

    j = parse("{\"url\":\"file:///etc/passwd\",\"website\":\"a/b\"}");
    vcheck_init(&v);
    rentals_source_from_json(&v, j, &website, &url);
    assert_int_equal(json_array_size(v.j_errors), 2);
    json_decref(j);
    vcheck_cleanup(&v);
    free(website);
    free(url);

    j = parse("{}");
    vcheck_init(&v);
    rentals_source_from_json(&v, j, &website, &url);
    assert_int_equal(json_array_size(v.j_errors), 1);
    assert_null(url);
    json_decref(j);
    vcheck_cleanup(&v);
    free(website);
}

static void test_url_host(void **state)
{
    (void)state;
    char *h = rentals_url_host("http://user:pw@WWW.Foo.example:80/x");
    assert_string_equal(h, "foo.example");
    free(h);
    h = rentals_url_host("https://[::1]:8080/");
    assert_string_equal(h, "[::1]");
    free(h);
    assert_null(rentals_url_host("https:///path"));
    assert_null(rentals_url_host("no scheme"));
}

static void test_dates(void **state)
{
    (void)state;
    assert_true(rentals_valid_date("2026-03-02"));
    assert_true(rentals_valid_date("2024-02-29"));
    assert_true(rentals_valid_date("2000-02-29"));
    assert_false(rentals_valid_date("1900-02-29"));
    assert_false(rentals_valid_date("2026-02-29"));
    assert_false(rentals_valid_date("2026-04-31"));
    assert_false(rentals_valid_date("2026-13-01"));
    assert_false(rentals_valid_date("2026-00-10"));
    assert_false(rentals_valid_date("2026-1-01"));
    assert_false(rentals_valid_date("2026-01-01T00:00:00Z"));
    assert_false(rentals_valid_date("tomorrow"));
}

/* Parses w's text (it must be JSON), checks that its keys are keys[0..n) in that order,
 * and returns it (json_decref). */
static json_t *written(struct jsonw *w, const char *const *keys, size_t n)
{
    json_error_t err;
    json_t *j_doc = json_loads(w->p, JSON_REJECT_DUPLICATES, &err);
    if (!j_doc)
        fail_msg("writer output is not JSON: %s: %s", err.text, w->p);
    assert_int_equal(json_object_size(j_doc), n);
    size_t i = 0;
    const char *key;
    json_t *j_val;
    json_object_foreach(j_doc, key, j_val) {
        (void)j_val;
        assert_string_equal(key, keys[i]);
        i++;
    }
    return j_doc;
}

/* The Rental JSON of SPEC §5: every key in order, null for what is not set, [] for absent
 * lists, strings escaped and never invalid UTF-8; the availability pair on request. */
static void test_rental_json(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "id", "user_id", "property_address", "unit", "city", "state", "zip", "price",
        "bedrooms", "bathrooms", "square_feet", "property_type", "available_date",
        "available", "description", "contact_info", "amenities", "images", "website", "url",
        "source_type", "created_at", "updated_at", "scraped_at", "availability_status",
        "days_until_available"};
    struct rental r;
    struct jsonw w = {0};
    rentals_init(&r);
    r.id = 7;
    r.user_id = 3;
    rentals_set_str(&r.address, "12 \"Oak\" Ave\\ \u00e9\u6771 \t\n");
    rentals_set_str(&r.website, "manual");
    rentals_set_str(&r.source_type, "manual");
    rentals_set_str(&r.created_at, "2026-03-02T15:30:00Z");
    r.has_price = r.has_bathrooms = r.has_bedrooms = true;
    r.price = 1250.55;
    r.bathrooms = 1.5;
    r.bedrooms = 2;
    r.j_amenities = json_pack("[s,s]", "pool", "a\"b");
    rentals_write(&w, &r, NULL, 0);
    json_t *j_doc = written(&w, keys, 24);
    json_t *j_want = json_pack(
        "{s:i, s:i, s:s, s:n, s:n, s:n, s:n, s:f, s:i, s:f, s:n, s:n, s:n, s:b, s:n, s:n,"
        " s:[s,s], s:[], s:s, s:n, s:s, s:s, s:n, s:n}",
        "id", 7, "user_id", 3, "property_address", "12 \"Oak\" Ave\\ \u00e9\u6771 \t\n",
        "unit", "city", "state", "zip", "price", 1250.55, "bedrooms", 2, "bathrooms", 1.5,
        "square_feet", "property_type", "available_date", "available", 1, "description",
        "contact_info", "amenities", "pool", "a\"b", "images", "website", "manual", "url",
        "source_type", "manual", "created_at", "2026-03-02T15:30:00Z", "updated_at",
        "scraped_at");
    assert_non_null(j_want);
    assert_true(json_equal(j_doc, j_want));
    json_decref(j_doc);
    json_decref(j_want);
    jsonw_free(&w);

    /* whole prices are plain numbers; status fields appended on request */
    r.price = 900;
    r.available = false;
    rentals_set_str(&r.description, "bad \xff byte \x01 ctl");
    rentals_write(&w, &r, "Available Now", 0);
    j_doc = written(&w, keys, 26);
    assert_non_null(strstr(w.p, "\"price\":900,"));
    assert_true(json_is_false(json_object_get(j_doc, "available")));
    assert_string_equal(json_string_value(json_object_get(j_doc, "description")),
                        "bad \xef\xbf\xbd byte \x01 ctl");
    assert_string_equal(json_string_value(json_object_get(j_doc, "availability_status")),
                        "Available Now");
    assert_int_equal(json_integer_value(json_object_get(j_doc, "days_until_available")), 0);
    json_decref(j_doc);
    jsonw_free(&w);
    rentals_cleanup(&r);
}

/* A list item's amenities and images are its stored JSON text: written through when they
 * are plain arrays of strings, [] when not arrays. */
static void test_rental_json_stored_lists(void **state)
{
    (void)state;
    struct rental r;
    struct jsonw w = {0};
    rentals_init(&r);
    r.borrowed = true;
    r.amenities_text = "[ \"pool\" , \"gym \\u00e9\" ]";
    r.images_text = "{\"not\": \"a list\"}";
    rentals_write(&w, &r, NULL, 0);
    assert_non_null(strstr(w.p, "\"amenities\":[\"pool\",\"gym \\u00e9\"]"));
    assert_non_null(strstr(w.p, "\"images\":[]"));
    jsonw_free(&w);
    rentals_cleanup(&r);
}

/* The Source JSON: every key in order, the tenant's id included (SPEC §4). */
static void test_source_json(void **state)
{
    (void)state;
    static const char *const keys[] = {"id", "user_id", "website", "url", "is_active",
                                       "last_scraped_at", "last_status", "last_error",
                                       "rental_count", "created_at"};
    struct rental_source s = {.id = 4, .user_id = 9, .is_active = true, .rental_count = 2};
    struct jsonw w = {0};
    rentals_set_str(&s.website, "apts.example");
    rentals_set_str(&s.url, "https://apts.example/");
    rentals_set_str(&s.created_at, "2026-03-02T15:30:00Z");
    rentals_source_write(&w, &s);
    json_t *j_doc = written(&w, keys, sizeof keys / sizeof keys[0]);
    json_t *j_want = json_pack("{s:i, s:i, s:s, s:s, s:b, s:n, s:n, s:n, s:i, s:s}", "id", 4,
                               "user_id", 9, "website", "apts.example", "url", "https://apts.example/",
                               "is_active", 1, "last_scraped_at", "last_status", "last_error",
                               "rental_count", 2, "created_at", "2026-03-02T15:30:00Z");
    assert_true(json_equal(j_doc, j_want));
    json_decref(j_doc);
    json_decref(j_want);
    jsonw_free(&w);
    rentals_source_cleanup(&s);
}

static void test_cursors(void **state)
{
    (void)state;
    int64_t id = 0;
    char *c = rentals_cursor_encode(12345);
    assert_null(strpbrk(c, "+/=")); /* URL-safe, unpadded */
    assert_true(rentals_cursor_decode(c, &id));
    assert_int_equal(id, 12345);
    free(c);
    const char *bad[] = {"", "12345", "YzE6", "YzE6LTE", "YzI6MTA", "!!!!", "YzE6MWE",
                         "YzE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(rentals_cursor_decode(bad[i], &id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_defaults_and_trimming),
        cmocka_unit_test(test_create_lists_every_bad_field),
        cmocka_unit_test(test_bounds_accept_edges),
        cmocka_unit_test(test_address_length_and_type_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_url_host_limits),
        cmocka_unit_test(test_patch_semantics),
        cmocka_unit_test(test_source_bodies),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_rental_json),
        cmocka_unit_test(test_rental_json_stored_lists),
        cmocka_unit_test(test_source_json),
        cmocka_unit_test(test_cursors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
