/* SPDX-License-Identifier: MIT */
/* Forgiving address matching (src/vapi/vapi_match.c): what a caller says (through the model)
 * against a tenant's listings. Case, punctuation and spacing; street types and directions
 * spelled out or abbreviated; ordinals; unit markers "#6", "Unit 6", "Apt 6", "- 6",
 * "Suite 6"; city, state and zip optional; a missing unit when there is one unit, several
 * units (ambiguous), a wrong unit, a wrong house number, another city, and junk. */
#include "testutil.h"

#include <string.h>

#include "vapi/vapi.h"

static const char *const listings[] = {
    "412 W Oak Ave Unit 6, Norman, OK 73069",     /* 0 */
    "1000 Rambling Oaks Unit 6, Norman, OK 73072", /* 1 */
    "123 Oak St Unit 1, Moore, OK 73160",          /* 2 */
    "123 Oak St Unit 2, Moore, OK 73160",          /* 3 */
    "77 N Fifth Street, Tulsa, OK 74103",          /* 4 */
    "9 Elm Ct, Edmond, OK 73034",                  /* 5 */
    "9 Elm Ct, Yukon, OK 73099",                   /* 6 */
    "250 Sunset Boulevard Suite 300, Norman, OK 73071", /* 7 */
    "18 Cherry Ln, Norman, OK 73069",              /* 8 */
};
#define NL (sizeof listings / sizeof listings[0])

static struct vapi_match match(const char *q)
{
    struct vapi_match m;
    vapi_match_address(q, listings, NL, &m);
    return m;
}

static void expect(const char *q, enum vapi_match_kind kind, size_t index)
{
    struct vapi_match m = match(q);
    if (m.kind != kind || ((kind == VAPI_MATCH_EXACT || kind == VAPI_MATCH_PARTIAL) &&
                           m.index != index))
        fail_msg("\"%s\": got kind %d index %zu, want kind %d index %zu", q, m.kind, m.index,
                 kind, index);
}

static void test_exact_variants(void **state)
{
    (void)state;
    static const char *const oak[] = {
        "412 W Oak Ave Unit 6, Norman, OK 73069",
        "412 w oak ave unit 6",
        "412 West Oak Avenue, Unit 6",
        "412 W. Oak Ave. #6",
        "412 W Oak Ave #6, Norman",
        "412 W Oak Ave Apt 6",
        "412 W Oak Ave Apartment 6, Norman OK",
        "412 W Oak Ave - 6",
        "412   WEST   OAK   AVE   UNIT 6",
        "412 W Oak Ave, Apt 6, Norman, Oklahoma",
        "412 W Oak Ave #6 Norman OK 73069",
        "412 W Oak Ave Suite 6",
    };
    for (size_t i = 0; i < sizeof oak / sizeof oak[0]; i++)
        expect(oak[i], VAPI_MATCH_EXACT, 0);
    expect("1000 Rambling Oaks - 6", VAPI_MATCH_EXACT, 1);
    expect("1000 rambling oaks #6, norman ok 73072", VAPI_MATCH_EXACT, 1);
    expect("77 North 5th St", VAPI_MATCH_EXACT, 4);
    expect("77 n. fifth street tulsa", VAPI_MATCH_EXACT, 4);
    expect("250 Sunset Blvd Ste 300", VAPI_MATCH_EXACT, 7);
    expect("250 sunset boulevard, suite 300, norman", VAPI_MATCH_EXACT, 7);
    expect("18 Cherry Lane", VAPI_MATCH_EXACT, 8);
    expect("18 Cherry Ln Norman", VAPI_MATCH_EXACT, 8);
}

static void test_partial(void **state)
{
    (void)state;
    /* no unit said, one unit at that street */
    expect("412 W Oak Ave", VAPI_MATCH_PARTIAL, 0);
    expect("1000 Rambling Oaks", VAPI_MATCH_PARTIAL, 1);
    /* words left out: direction, street type, house number */
    expect("412 Oak Ave unit 6", VAPI_MATCH_PARTIAL, 0);
    expect("412 Oak", VAPI_MATCH_PARTIAL, 0);
    expect("Rambling Oaks", VAPI_MATCH_PARTIAL, 1);
    expect("1000 Rambling Oak", VAPI_MATCH_PARTIAL, 1);
    expect("Cherry Lane", VAPI_MATCH_PARTIAL, 8);
    expect("Sunset", VAPI_MATCH_PARTIAL, 7);
    /* the unit said without a marker */
    expect("123 Oak St 2", VAPI_MATCH_PARTIAL, 3);
    /* a unit said that the listing does not record */
    expect("18 Cherry Ln Apt 3", VAPI_MATCH_PARTIAL, 8);
    expect("9 Elm Court, Edmond", VAPI_MATCH_EXACT, 5);
}

static void test_ambiguous(void **state)
{
    (void)state;
    struct vapi_match m = match("123 Oak");
    assert_int_equal(m.kind, VAPI_MATCH_AMBIGUOUS);
    assert_int_equal(m.n, 2);
    assert_int_equal(m.idx[0], 2);
    assert_int_equal(m.idx[1], 3);
    m = match("123 Oak Street");
    assert_int_equal(m.kind, VAPI_MATCH_AMBIGUOUS);
    assert_int_equal(m.n, 2);
    /* the same street in two cities */
    m = match("9 Elm Ct");
    assert_int_equal(m.kind, VAPI_MATCH_AMBIGUOUS);
    assert_int_equal(m.idx[0], 5);
    assert_int_equal(m.idx[1], 6);
    expect("9 Elm Ct, Yukon", VAPI_MATCH_EXACT, 6);
    /* "Oak" alone fits four listings ("Oaks" included) */
    m = match("Oak");
    assert_int_equal(m.kind, VAPI_MATCH_AMBIGUOUS);
    assert_int_equal(m.n, 4);
    /* the unit settles it */
    expect("123 Oak St #1", VAPI_MATCH_EXACT, 2);
    expect("123 Oak Street, Unit 2, Moore", VAPI_MATCH_EXACT, 3);
}

static void test_none(void **state)
{
    (void)state;
    static const char *const none[] = {
        "413 W Oak Ave",             /* another house number */
        "412 W Oak Ave Unit 7",      /* another unit */
        "123 Oak St Unit 3",         /* a unit that does not exist there */
        "412 W Oak Ave, Tulsa",      /* another city */
        "412 W Oak Ave, Norman, OK 73070",
        "Main Street",
        "",
        "   ,,, ### --- ",
        "Unit 6",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        expect(none[i], VAPI_MATCH_NONE, 0);
    struct vapi_match m;
    vapi_match_address(NULL, listings, NL, &m);
    assert_int_equal(m.kind, VAPI_MATCH_NONE);
    vapi_match_address("412 W Oak Ave", NULL, 0, &m);
    assert_int_equal(m.kind, VAPI_MATCH_NONE);
    const char *holes[] = {NULL, "412 W Oak Ave #6", NULL};
    vapi_match_address("412 w oak ave #6", holes, 3, &m);
    assert_int_equal(m.kind, VAPI_MATCH_EXACT);
    assert_int_equal(m.index, 1);
}

/* A listing typed in with its city alone: a state or ZIP code the caller adds does not
 * matter, another city or state against one it records does. */
static void test_place_the_listing_does_not_record(void **state)
{
    (void)state;
    static const char *const typed[] = {"1000 Rambling Oaks - 6, Norman", "5 Pine Rd, Moore, OK"};
    static const struct {
        const char *q;
        enum vapi_match_kind kind;
        size_t index;
    } cases[] = {
        {"1000 Rambling Oaks unit 6, Norman, OK", VAPI_MATCH_EXACT, 0},
        {"1000 Rambling Oaks #6, Norman, Oklahoma 73072", VAPI_MATCH_EXACT, 0},
        {"1000 Rambling Oaks #6, Tulsa, OK", VAPI_MATCH_NONE, 0},
        {"5 Pine Rd, Moore, OK 73160", VAPI_MATCH_EXACT, 1},
        {"5 Pine Rd, Moore, TX", VAPI_MATCH_NONE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vapi_match m;
        vapi_match_address(cases[i].q, typed, 2, &m);
        if (m.kind != cases[i].kind || (m.kind == VAPI_MATCH_EXACT && m.index != cases[i].index))
            fail_msg("\"%s\": got kind %d index %zu", cases[i].q, m.kind, m.index);
    }
}

static void test_exact_beats_partial(void **state)
{
    (void)state;
    const char *cands[] = {"55 Maple Dr Unit 1", "55 Maple Dr", "55 Maple Dr Unit 2"};
    struct vapi_match m;
    vapi_match_address("55 Maple Drive", cands, 3, &m);
    assert_int_equal(m.kind, VAPI_MATCH_EXACT);
    assert_int_equal(m.index, 1);
    vapi_match_address("55 Maple Dr #2", cands, 3, &m);
    assert_int_equal(m.kind, VAPI_MATCH_EXACT);
    assert_int_equal(m.index, 2);
}

static void test_many_candidates(void **state)
{
    (void)state;
    /* 300 units at one street: the answer names the first VAPI_MATCH_MAX and counts all */
    static char buf[300][48];
    const char *cands[300];
    for (int i = 0; i < 300; i++) {
        snprintf(buf[i], sizeof buf[i], "500 Lake Rd Unit %d, Norman, OK", i + 1);
        cands[i] = buf[i];
    }
    struct vapi_match m;
    vapi_match_address("500 Lake Road", cands, 300, &m);
    assert_int_equal(m.kind, VAPI_MATCH_AMBIGUOUS);
    assert_int_equal(m.n, 300);
    for (int i = 0; i < VAPI_MATCH_MAX; i++)
        assert_int_equal(m.idx[i], (size_t)i);
    vapi_match_address("500 Lake Road #217", cands, 300, &m);
    assert_int_equal(m.kind, VAPI_MATCH_EXACT);
    assert_int_equal(m.index, 216);
}

static void test_normalize_and_equal(void **state)
{
    (void)state;
    char out[128];
    size_t n = vapi_address_normalize(out, sizeof out, "412 West Oak Avenue, Unit 6, Norman, "
                                                       "Oklahoma 73069");
    assert_string_equal(out, "412 w oak ave #6 | norman ok 73069");
    assert_int_equal(n, strlen(out));
    vapi_address_normalize(out, sizeof out, "1000 Rambling Oaks - 6");
    assert_string_equal(out, "1000 rambling oaks #6");
    vapi_address_normalize(out, sizeof out, "Caf\xc3\xa9 Lane #B");
    assert_string_equal(out, "caf\xc3\xa9 ln #b");
    char small[8];
    vapi_address_normalize(small, sizeof small, "Caf\xc3\xa9 Lane");
    assert_string_equal(small, "caf\xc3\xa9 l");
    assert_true(vapi_address_equal("412 W Oak Ave #6", "412 west oak avenue unit 6"));
    assert_true(vapi_address_equal("1000 Rambling Oaks - 6", "1000 Rambling Oaks Apt 6"));
    assert_false(vapi_address_equal("412 W Oak Ave #6", "412 W Oak Ave #7"));
    assert_false(vapi_address_equal("412 W Oak Ave", "412 W Oak Ave #6"));
    assert_false(vapi_address_equal("412 W Oak Ave, Norman", "412 W Oak Ave, Tulsa"));
    assert_false(vapi_address_equal("", ""));
}

static void test_long_input(void **state)
{
    (void)state;
    /* long and many-word input is read up to a bound, never past it */
    size_t n = 100000;
    char *q = malloc(n + 1);
    assert_non_null(q);
    for (size_t i = 0; i < n; i++)
        q[i] = "412 w oak ave #6 , "[i % 19];
    q[n] = '\0';
    struct vapi_match m;
    vapi_match_address(q, listings, NL, &m);
    assert_true(m.kind == VAPI_MATCH_NONE || m.kind == VAPI_MATCH_PARTIAL ||
                m.kind == VAPI_MATCH_EXACT || m.kind == VAPI_MATCH_AMBIGUOUS);
    char out[64];
    vapi_address_normalize(out, sizeof out, q);
    assert_true(strlen(out) < sizeof out);
    memset(q, 'z', n);
    vapi_match_address(q, listings, NL, &m);
    assert_int_equal(m.kind, VAPI_MATCH_NONE);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_variants),      cmocka_unit_test(test_partial),
        cmocka_unit_test(test_ambiguous),           cmocka_unit_test(test_none),
        cmocka_unit_test(test_exact_beats_partial), cmocka_unit_test(test_many_candidates),
        cmocka_unit_test(test_normalize_and_equal), cmocka_unit_test(test_long_input),
        cmocka_unit_test(test_place_the_listing_does_not_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
