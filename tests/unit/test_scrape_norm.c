/* SPDX-License-Identifier: MIT */
/* The SPEC §7 normalisers of src/scrape/, one rule per test: rents, bathrooms, sizes, bedrooms
 * (studios), availability dates against the tenant's today, and addresses with unit markers in
 * the canonical form. No page, no database. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "scrape/scrape.h"

static double price(const char *s)
{
    double v = -1;
    assert_true(scrape_norm_price(s, &v));
    return v;
}

static void test_price_monthly_rent(void **state)
{
    (void)state;
    assert_true(price("$1,250/mo") == 1250);
    assert_true(price("$1,250") == 1250);
    assert_true(price("$1,250.00") == 1250);
    assert_true(price("$1,250.00/mo") == 1250);
    assert_true(price("$1,195 / Month") == 1195);
    assert_true(price("1,229.00") == 1229);           /* data-rent */
    assert_true(price("\"$1,050\"") == 1050);
    assert_true(price("$ 875") == 875);
    assert_true(price("$1,229.50") == 1229.5);         /* cents only when not zero */
    assert_true(price("$1,095 \xe2\x80\x93 $1,145/mo") == 1095); /* a range: the lowest */
    assert_true(price("from $1,600/mo") == 1600);
    assert_true(price("Rent: 1450") == 1450);          /* a bare figure when no $ is there */
    double v = 7;
    assert_false(scrape_norm_price("Call for pricing", &v));
    assert_false(scrape_norm_price("$0", &v));
    assert_false(scrape_norm_price("$1,000,000", &v)); /* rentals' limit */
    assert_false(scrape_norm_price("", &v));
    assert_false(scrape_norm_price(NULL, &v));
    assert_true(v == 7); /* untouched when nothing is said */
}

static double baths(const char *s)
{
    double v = -1;
    assert_true(scrape_norm_bathrooms(s, &v));
    return v;
}

static void test_bathrooms(void **state)
{
    (void)state;
    assert_true(baths("1.5 ba") == 1.5);
    assert_true(baths("1\xc2\xbd ba") == 1.5); /* 1½ */
    assert_true(baths("1 1/2 baths") == 1.5);
    assert_true(baths("2 Baths") == 2);
    assert_true(baths("1 Bath") == 1);
    assert_true(baths("Bathrooms: 2.5") == 2.5);
    assert_true(baths("2.5") == 2.5);          /* data-bathrooms */
    assert_true(baths("1.75 ba") == 1.5);      /* rentals keeps steps of 0.5 */
    double v;
    assert_false(scrape_norm_bathrooms("2 bd", &v));
    assert_false(scrape_norm_bathrooms("30 baths", &v));
    assert_false(scrape_norm_bathrooms("2 balconies", &v));
}

static int64_t sqft(const char *s)
{
    int64_t v = -1;
    assert_true(scrape_norm_square_feet(s, &v));
    return v;
}

static void test_square_feet(void **state)
{
    (void)state;
    assert_int_equal(sqft("1,086 sq ft"), 1086);
    assert_int_equal(sqft("1,086 Sq. Ft."), 1086);
    assert_int_equal(sqft("Square Feet: 1,086"), 1086);
    assert_int_equal(sqft("690 Sq Ft"), 690);
    assert_int_equal(sqft("844 sqft"), 844);
    assert_int_equal(sqft("1,920 sq. ft."), 1920);
    assert_int_equal(sqft("1,086"), 1086); /* quick facts value */
    int64_t v;
    assert_false(scrape_norm_square_feet("0", &v)); /* unknown size */
    assert_false(scrape_norm_square_feet("2 bd / 1 ba", &v));
    assert_false(scrape_norm_square_feet("14 ft ceilings", &v));
}

static int64_t beds(const char *s)
{
    int64_t v = -1;
    assert_true(scrape_norm_bedrooms(s, &v));
    return v;
}

static void test_bedrooms_and_studio(void **state)
{
    (void)state;
    assert_int_equal(beds("Studio"), 0);
    assert_int_equal(beds("Studio / 1 ba"), 0);
    assert_int_equal(beds("Efficiency"), 0);
    assert_int_equal(beds("0"), 0); /* data-bedrooms="0" */
    assert_int_equal(beds("2 bd"), 2);
    assert_int_equal(beds("2 Bed"), 2);
    assert_int_equal(beds("2 Beds"), 2);
    assert_int_equal(beds("4 Bedrooms"), 4);
    assert_int_equal(beds("Bedrooms: 3"), 3);
    assert_int_equal(beds("2"), 2);
    int64_t v;
    assert_false(scrape_norm_bedrooms("2.5 bd", &v));
    assert_false(scrape_norm_bedrooms("25 beds", &v));
    assert_false(scrape_norm_bedrooms("2 car garage", &v));
}

static void test_facts_in_one_line(void **state)
{
    (void)state;
    struct scrape_facts f;
    scrape_norm_facts("2 bd / 1.5 ba | 1,086 sq ft", &f);
    assert_true(f.has_bedrooms && f.has_bathrooms && f.has_square_feet);
    assert_int_equal(f.bedrooms, 2);
    assert_true(f.bathrooms == 1.5);
    assert_int_equal(f.square_feet, 1086);
    scrape_norm_facts("4 Bedrooms \xc2\xb7 2.5 Baths \xc2\xb7 1,920 sq. ft.", &f);
    assert_int_equal(f.bedrooms, 4);
    assert_true(f.bathrooms == 2.5);
    assert_int_equal(f.square_feet, 1920);
    scrape_norm_facts("2 bd, 1 ba, 980 Sq. Ft. | Available 1/10/27", &f);
    assert_int_equal(f.bedrooms, 2);
    assert_true(f.bathrooms == 1);
    assert_int_equal(f.square_feet, 980);
    scrape_norm_facts("Studio | 1 Bath", &f);
    assert_true(f.has_bedrooms && f.has_bathrooms && !f.has_square_feet);
    assert_int_equal(f.bedrooms, 0);
    scrape_norm_facts("Walk to campus, 12-month lease", &f);
    assert_false(f.has_bedrooms || f.has_bathrooms || f.has_square_feet);
}

/* The date s reads as when the tenant's day is today, or "-" when it is none. */
static const char *date(const char *s, const char *today)
{
    static char out[11];
    if (!scrape_norm_date(s, today, out))
        strcpy(out, "-");
    return out;
}

static void test_available_now(void **state)
{
    (void)state;
    assert_string_equal(date("Available Now", "2026-12-01"), "now");
    assert_string_equal(date("NOW", "2026-12-01"), "now");
    assert_string_equal(date("available now!", "2026-12-01"), "now");
    assert_string_equal(date("Immediately", "2026-12-01"), "now");
    assert_string_equal(date("Call for move-in date", "2026-12-01"), "-");
    assert_string_equal(date("", "2026-12-01"), "-");
}

static void test_date_without_year_is_the_next_one(void **state)
{
    (void)state;
    assert_string_equal(date("Available 3/15", "2026-12-01"), "2027-03-15");
    assert_string_equal(date("Available 12/1", "2026-12-01"), "2026-12-01"); /* today counts */
    assert_string_equal(date("Available 11/30", "2026-12-01"), "2027-11-30");
    assert_string_equal(date("Available 12/20", "2026-12-01"), "2026-12-20");
    assert_string_equal(date("Feb 1", "2026-12-01"), "2027-02-01");
    assert_string_equal(date("Dec. 15th", "2026-12-01"), "2026-12-15");
    assert_string_equal(date("Available 2/29", "2026-12-01"), "2028-02-29");
    /* The tenant's zone decides today: late on March 15 in Chicago it is already the 16th in
     * UTC, and the caller passes the tenant's day, so 3/15 is still this year's. */
    assert_string_equal(date("Available 3/15", "2027-03-15"), "2027-03-15");
    assert_string_equal(date("Available 3/15", "2027-03-16"), "2028-03-15");
}

static void test_date_with_year_as_printed(void **state)
{
    (void)state;
    assert_string_equal(date("03/15/2027", "2026-12-01"), "2027-03-15");
    assert_string_equal(date("Available 3/15/27", "2026-12-01"), "2027-03-15");
    assert_string_equal(date("11/20/26", "2026-12-01"), "2026-11-20"); /* past, kept */
    assert_string_equal(date("January 15, 2027", "2026-12-01"), "2027-01-15");
    assert_string_equal(date("Available Jan 15 2027", "2026-12-01"), "2027-01-15");
    assert_string_equal(date("2027-01-15", "2026-12-01"), "2027-01-15");
    assert_string_equal(date("2027-02-01T00:00:00-05:00", "2026-12-01"), "2027-02-01");
    assert_string_equal(date("2/30/2027", "2026-12-01"), "-");
    assert_string_equal(date("13/01/2027", "2026-12-01"), "-");
    assert_string_equal(date("15/03/2027", "2026-12-01"), "-"); /* month before day, always */
}

/* Canonical address of s, or "-" when it is none; *unit gets the unit (static) or "-". */
static const char *addr(const char *s, const char **unit)
{
    static char out[400], u[64];
    struct scrape_address a;
    if (!scrape_norm_address(s, &a)) {
        strcpy(out, "-");
        strcpy(u, "-");
    } else {
        snprintf(out, sizeof out, "%s", a.address);
        snprintf(u, sizeof u, "%s", a.unit ? a.unit : "-");
    }
    scrape_address_cleanup(&a);
    if (unit)
        *unit = u;
    return out;
}

static void test_address_unit_markers(void **state)
{
    (void)state;
    const char *u;
    assert_string_equal(addr("1420 N Classen Blvd - 3B, Oklahoma City, OK 73106", &u),
                        "1420 N Classen Blvd Unit 3B, Oklahoma City, OK 73106");
    assert_string_equal(u, "3B");
    assert_string_equal(addr("912 NW 13th St #204, Oklahoma City, OK 73103", &u),
                        "912 NW 13th St Unit 204, Oklahoma City, OK 73103");
    assert_string_equal(u, "204");
    assert_string_equal(addr("3400 Kickingbird Rd, Apt 110, Edmond, OK 73013", &u),
                        "3400 Kickingbird Rd Unit 110, Edmond, OK 73013");
    assert_string_equal(u, "110");
    assert_string_equal(addr("12 Oak St Apt. 4C, Athens, GA 30601", &u),
                        "12 Oak St Unit 4C, Athens, GA 30601");
    assert_string_equal(u, "4C");
    assert_string_equal(addr("1110 Jenkins Ave, Unit 12, Norman, OK 73069", &u),
                        "1110 Jenkins Ave Unit 12, Norman, OK 73069");
    assert_string_equal(addr("109 W Jones St - Unit 3B, Savannah, GA 31401", &u),
                        "109 W Jones St Unit 3B, Savannah, GA 31401");
    assert_string_equal(addr("711 E Victory Dr - #204, Savannah, GA 31405", &u),
                        "711 E Victory Dr Unit 204, Savannah, GA 31405");
    assert_string_equal(u, "204");
    assert_string_equal(addr("1733 S Cornwell Dr - B, Yukon, OK 73099", &u),
                        "1733 S Cornwell Dr Unit B, Yukon, OK 73099");
    assert_string_equal(addr("590 Barber St Unit 12", &u), "590 Barber St Unit 12");
    assert_string_equal(u, "12");
}

static void test_address_bare_and_repeated_units(void **state)
{
    (void)state;
    const char *u;
    assert_string_equal(addr("5402 Memorial Dr, E01, Stone Mountain, GA 30083", &u),
                        "5402 Memorial Dr Unit E01, Stone Mountain, GA 30083");
    assert_string_equal(u, "E01");
    assert_string_equal(addr("1251 Ashby Grove SW - 108, 108, Atlanta, GA 30314", &u),
                        "1251 Ashby Grove SW Unit 108, Atlanta, GA 30314");
    assert_string_equal(u, "108");
    /* the same unit written four ways is one address */
    assert_string_equal(addr("88 Pulaski St, Apt B, Athens, GA 30601", NULL),
                        addr("88 Pulaski St #B, Athens, GA 30601", NULL));
    assert_string_equal(addr("88 Pulaski St - B, Athens, GA 30601", NULL),
                        "88 Pulaski St Unit B, Athens, GA 30601");
    /* two units of one building never share one */
    char a[400];
    strcpy(a, addr("417 E Gordon St - 1, Savannah, GA 31401", NULL));
    assert_string_not_equal(a, addr("417 E Gordon St - 2, Savannah, GA 31401", NULL));
}

static void test_address_parts_and_noise(void **state)
{
    (void)state;
    struct scrape_address a;
    assert_true(scrape_norm_address("  6101 N Western Ave  - 2,\n  Oklahoma City,   OK 73118  Map",
                                    &a));
    assert_string_equal(a.address, "6101 N Western Ave Unit 2, Oklahoma City, OK 73118");
    assert_string_equal(a.street, "6101 N Western Ave");
    assert_string_equal(a.unit, "2");
    assert_string_equal(a.city, "Oklahoma City");
    assert_string_equal(a.state, "OK");
    assert_string_equal(a.zip, "73118");
    scrape_address_cleanup(&a);
    assert_true(scrape_norm_address("2214 Dellwood Dr NW, Atlanta, GA 30312-2214", &a));
    assert_string_equal(a.zip, "30312-2214");
    assert_null(a.unit);
    scrape_address_cleanup(&a);
    /* street and city without a comma between them (a heading's two lines run together) */
    assert_true(scrape_norm_address("1316 Habersham St Savannah, GA 31401", &a));
    assert_string_equal(a.address, "1316 Habersham St, Savannah, GA 31401");
    scrape_address_cleanup(&a);
    assert_string_equal(addr("3312 Nu\xc3\xb1" "ez Ct, Norman, OK 73072", NULL),
                        "3312 Nu\xc3\xb1" "ez Ct, Norman, OK 73072");
    assert_string_equal(addr("Savannah, GA 31401", NULL), "-");      /* no house number */
    assert_string_equal(addr("2 bd / 1 ba", NULL), "-");
    assert_string_equal(addr("1234", NULL), "-");
    assert_string_equal(addr("", NULL), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price_monthly_rent),
        cmocka_unit_test(test_bathrooms),
        cmocka_unit_test(test_square_feet),
        cmocka_unit_test(test_bedrooms_and_studio),
        cmocka_unit_test(test_facts_in_one_line),
        cmocka_unit_test(test_available_now),
        cmocka_unit_test(test_date_without_year_is_the_next_one),
        cmocka_unit_test(test_date_with_year_as_printed),
        cmocka_unit_test(test_address_unit_markers),
        cmocka_unit_test(test_address_bare_and_repeated_units),
        cmocka_unit_test(test_address_parts_and_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
