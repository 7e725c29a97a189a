/* SPDX-License-Identifier: MIT */
/* robots.txt as the scraper reads it (RFC 9309): which group applies to PeteRental, the
 * longest-match rule with Allow winning ties, '*' and '$', percent-encoding, what is ignored,
 * and the bounds; the per-origin cache's answers; and the arithmetic of the one-request-per-
 * second-per-host turns. No network. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "scrape/scrape_net.h"

/* Whether path is allowed for PeteRental by the robots.txt text. */
static bool allowed(const char *text, const char *path)
{
    struct scrape_robots *r = scrape_robots_parse(text, strlen(text), SCRAPE_ROBOTS_AGENT);
    bool ok = scrape_robots_allowed(r, path);
    scrape_robots_free(r);
    return ok;
}

static void test_our_group_else_star(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nDisallow: /\n\nUser-agent: PeteRental\nDisallow: /private\n";
    assert_true(allowed(t, "/listings"));       /* our group, not "*", applies */
    assert_false(allowed(t, "/private/x"));
    const char *star = "User-agent: OtherBot\nDisallow: /\n\nUser-agent: *\nDisallow: /admin\n";
    assert_true(allowed(star, "/listings"));    /* no group names us: "*" applies */
    assert_false(allowed(star, "/admin/login"));
    /* the product token matches without its version and ignoring case */
    assert_false(allowed("User-agent: peterental/2.0\nDisallow: /\n", "/listings"));
    assert_false(allowed("user-agent:PETERENTAL\ndisallow:/\n", "/listings"));
    /* a longer token is another crawler */
    assert_true(allowed("User-agent: PeteRentalBot\nDisallow: /\n", "/listings"));
}

static void test_groups_and_records(void **state)
{
    (void)state;
    /* several User-agent lines open one group; a User-agent after rules opens the next */
    const char *t = "User-agent: a\nUser-agent: PeteRental\nDisallow: /one\n"
                    "User-agent: b\nDisallow: /two\n";
    assert_false(allowed(t, "/one"));
    assert_true(allowed(t, "/two"));
    /* two groups for us are combined */
    const char *two = "User-agent: PeteRental\nDisallow: /a\n\nUser-agent: *\nDisallow: /c\n\n"
                      "User-agent: PeteRental\nDisallow: /b\n";
    assert_false(allowed(two, "/a"));
    assert_false(allowed(two, "/b"));
    assert_true(allowed(two, "/c"));
    /* comments, CRLF, blanks, other records (Sitemap, Crawl-delay) and rules before any
     * User-agent change nothing */
    const char *noise = "Disallow: /orphan\r\n# a comment\r\nUser-agent: *   # all\r\n"
                        "Sitemap: https://x.example/s.xml\r\nCrawl-delay: 10\r\n"
                        "Disallow: /tmp/  # temporary\r\nNonsense line\r\n";
    assert_true(allowed(noise, "/orphan"));
    assert_false(allowed(noise, "/tmp/a"));
    assert_true(allowed(noise, "/tmpfile"));
    /* an empty Disallow allows everything; no file, or an empty one, too */
    assert_true(allowed("User-agent: *\nDisallow:\n", "/anything"));
    assert_true(allowed("", "/anything"));
    struct scrape_robots *none = scrape_robots_parse(NULL, 0, SCRAPE_ROBOTS_AGENT);
    assert_true(scrape_robots_allowed(none, "/x"));
    scrape_robots_free(none);
}

static void test_longest_match_and_ties(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nDisallow: /rentals\nAllow: /rentals/public\n"
                    "Allow: /p\nDisallow: /p\n";
    assert_false(allowed(t, "/rentals/private"));
    assert_true(allowed(t, "/rentals/public/1"));   /* the longer pattern wins */
    assert_true(allowed(t, "/p"));                  /* a tie: Allow wins */
    assert_true(allowed(t, "/other"));              /* no match: allowed */
    /* order in the file does not matter */
    assert_true(allowed("User-agent: *\nAllow: /a/b\nDisallow: /a\n", "/a/b/c"));
    /* the whole path counts, query included */
    assert_false(allowed("User-agent: *\nDisallow: /search?q=\n", "/search?q=x"));
    assert_true(allowed("User-agent: *\nDisallow: /search?q=\n", "/search"));
    /* robots.txt itself is always allowed */
    assert_true(allowed("User-agent: *\nDisallow: /\n", "/robots.txt"));
}

static void test_wildcards(void **state)
{
    (void)state;
    const char *t = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/print\nAllow: /$\n"
                    "Disallow: /\n";
    assert_true(allowed(t, "/"));                 /* "/$": exactly the home page */
    assert_false(allowed(t, "/x"));
    const char *pdf = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/print\n";
    assert_false(allowed(pdf, "/docs/lease.pdf"));
    assert_true(allowed(pdf, "/docs/lease.pdf?v=2"));   /* '$' anchors the end */
    assert_false(allowed(pdf, "/listings/12/print"));
    assert_false(allowed(pdf, "/a/b/print/page"));
    assert_true(allowed(pdf, "/print"));                /* '*' needs the '/' before */
    assert_false(allowed("User-agent: *\nDisallow: /**a*b*$\n", "/xaxxbb"));
    assert_true(allowed("User-agent: *\nDisallow: /**a*b*c$\n", "/xaxxbb"));
}

static void test_percent_encoding(void **state)
{
    (void)state;
    /* a raw UTF-8 pattern matches the percent-encoded path, escapes compare in any case */
    assert_false(allowed("User-agent: *\nDisallow: /caf\xc3\xa9\n", "/caf%C3%A9/menu"));
    assert_false(allowed("User-agent: *\nDisallow: /caf%c3%a9\n", "/caf%C3%A9"));
    assert_false(allowed("User-agent: *\nDisallow: /caf%C3%A9\n", "/caf%c3%a9"));
    assert_true(allowed("User-agent: *\nDisallow: /caf%C3%A9\n", "/cafe"));
}

static void test_deny_all_and_bounds(void **state)
{
    (void)state;
    struct scrape_robots *deny = scrape_robots_deny_all();
    assert_false(scrape_robots_allowed(deny, "/"));
    assert_false(scrape_robots_allowed(deny, "/listings"));
    assert_true(scrape_robots_allowed(deny, "/robots.txt"));
    scrape_robots_free(deny);

    /* rules past the cap are ignored: the first SCRAPE_ROBOTS_MAX_RULES count */
    size_t cap = 64 + (size_t)(SCRAPE_ROBOTS_MAX_RULES + 10) * 24;
    char *big = mem_alloc(cap);
    size_t n = (size_t)snprintf(big, cap, "User-agent: *\n");
    for (int i = 0; i < SCRAPE_ROBOTS_MAX_RULES + 10; i++)
        n += (size_t)snprintf(big + n, cap - n, "Disallow: /r%d/\n", i);
    assert_false(allowed(big, "/r0/x"));
    assert_false(allowed(big, "/r4095/x"));
    assert_true(allowed(big, "/r4096/x"));
    free(big);

    /* a pattern over the length cap is ignored */
    size_t plen = SCRAPE_ROBOTS_PATTERN_MAX + 10;
    char *longp = mem_alloc(plen + 64);
    n = (size_t)snprintf(longp, plen + 64, "User-agent: *\nDisallow: /");
    memset(longp + n, 'a', plen);
    longp[n + plen] = '\0';
    assert_true(allowed(longp, "/aaaa"));
    free(longp);

    /* many stars against a long path: ends, and gives the right answer */
    char pat[1100], path[2100];
    n = (size_t)snprintf(pat, sizeof pat, "User-agent: *\nDisallow: /");
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(pat + n, sizeof pat - n, "*a");
    snprintf(pat + n, sizeof pat - n, "b$\n");
    path[0] = '/';
    memset(path + 1, 'a', 2000);
    path[2001] = '\0';
    assert_true(allowed(pat, path)); /* no final b: no match */
}

static void test_cache(void **state)
{
    (void)state;
    const char *o = "http://cache.test:80";
    bool ok = true;
    scrape_robots_cache_clear();
    assert_int_equal(scrape_robots_lookup(o, "/a", 0, &ok), SCRAPE_ROBOTS_FETCH);
    /* while the file is being fetched, others wait, then give up */
    assert_int_equal(scrape_robots_lookup(o, "/a", 20, &ok), SCRAPE_ROBOTS_BUSY);
    const char *t = "User-agent: *\nDisallow: /private\n";
    scrape_robots_store(o, scrape_robots_parse(t, strlen(t), SCRAPE_ROBOTS_AGENT), true);
    assert_int_equal(scrape_robots_lookup(o, "/private/x", 0, &ok), SCRAPE_ROBOTS_DECIDED);
    assert_false(ok);
    assert_int_equal(scrape_robots_lookup(o, "/public", 0, &ok), SCRAPE_ROBOTS_DECIDED);
    assert_true(ok);
    /* another origin (another port) is another entry */
    assert_int_equal(scrape_robots_lookup("http://cache.test:81", "/", 0, &ok),
                     SCRAPE_ROBOTS_FETCH);
    /* an unreadable file is not kept: the next lookup fetches again */
    scrape_robots_store("http://cache.test:81", scrape_robots_deny_all(), false);
    assert_int_equal(scrape_robots_lookup("http://cache.test:81", "/", 0, &ok),
                     SCRAPE_ROBOTS_FETCH);
    scrape_robots_store("http://cache.test:81", NULL, false);
    scrape_robots_cache_clear();
    assert_int_equal(scrape_robots_lookup(o, "/a", 0, &ok), SCRAPE_ROBOTS_FETCH);
    scrape_robots_store(o, NULL, false);
}

static void test_cache_bound(void **state)
{
    (void)state;
    char origin[64];
    bool ok;
    scrape_robots_cache_clear();
    for (int i = 0; i < SCRAPE_ROBOTS_CACHE_MAX + 5; i++) {
        snprintf(origin, sizeof origin, "http://h%d.test:80", i);
        assert_int_equal(scrape_robots_lookup(origin, "/", 0, &ok), SCRAPE_ROBOTS_FETCH);
        scrape_robots_store(origin, scrape_robots_parse(NULL, 0, SCRAPE_ROBOTS_AGENT), true);
    }
    /* the newest are kept, the oldest were evicted */
    snprintf(origin, sizeof origin, "http://h%d.test:80", SCRAPE_ROBOTS_CACHE_MAX + 4);
    assert_int_equal(scrape_robots_lookup(origin, "/", 0, &ok), SCRAPE_ROBOTS_DECIDED);
    assert_int_equal(scrape_robots_lookup("http://h0.test:80", "/", 0, &ok),
                     SCRAPE_ROBOTS_FETCH);
    scrape_robots_store("http://h0.test:80", NULL, false);
    scrape_robots_cache_clear();
}

static void test_limit_arithmetic(void **state)
{
    (void)state;
    int64_t next = 0, start = -1;
    /* a host never asked: now */
    assert_true(scrape_limit_reserve(&next, 5000, 1000, 99999, &start));
    assert_int_equal(start, 5000);
    assert_int_equal(next, 6000);
    /* asked again at once: one interval later, and the one after that another */
    assert_true(scrape_limit_reserve(&next, 5010, 1000, 99999, &start));
    assert_int_equal(start, 6000);
    assert_true(scrape_limit_reserve(&next, 5020, 1000, 99999, &start));
    assert_int_equal(start, 7000);
    assert_int_equal(next, 8000);
    /* a turn that would start after latest is not taken and changes nothing */
    start = -1;
    assert_false(scrape_limit_reserve(&next, 5030, 1000, 7999, &start));
    assert_int_equal(start, -1);
    assert_int_equal(next, 8000);
    assert_true(scrape_limit_reserve(&next, 5030, 1000, 8000, &start));
    assert_int_equal(start, 8000);
    /* long after the last turn: now again */
    assert_true(scrape_limit_reserve(&next, 20000, 1000, 20000, &start));
    assert_int_equal(start, 20000);
    assert_int_equal(next, 21000);
}

static void test_limit_table(void **state)
{
    (void)state;
    int64_t a1, a2, b1, c1;
    /* hosts are independent; one host's turns are an interval apart */
    assert_true(scrape_limit_take("a.limit.test", 1000000, 1000000, &a1));
    assert_true(scrape_limit_take("b.limit.test", 1000000, 1000000, &b1));
    assert_int_equal(a1, 1000000);
    assert_int_equal(b1, 1000000);
    assert_false(scrape_limit_take("a.limit.test", 1000000, 1000500, &a2));
    assert_true(scrape_limit_take("a.limit.test", 1000000, 1001000, &a2));
    assert_int_equal(a2 - a1, SCRAPE_HOST_INTERVAL_MS);
    /* many hosts asked once each, long ago: their slots are reused, the table never fills */
    char host[64];
    for (int i = 0; i < SCRAPE_HOSTS_MAX * 2; i++) {
        snprintf(host, sizeof host, "h%d.limit.test", i);
        assert_true(scrape_limit_take(host, 2000000 + (int64_t)i * 2000, INT64_MAX / 2, &c1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_our_group_else_star),
        cmocka_unit_test(test_groups_and_records),
        cmocka_unit_test(test_longest_match_and_ties),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_percent_encoding),
        cmocka_unit_test(test_deny_all_and_bounds),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_bound),
        cmocka_unit_test(test_limit_arithmetic),
        cmocka_unit_test(test_limit_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
