/* SPDX-License-Identifier: MIT */
/* Request metrics: a request lands in the bucket whose bound it does not exceed (bounds are
 * inclusive, as Prometheus' le says), buckets are written cumulative, unknown statuses and
 * unmatched or out-of-table routes get their own fixed labels, and counting from many
 * threads at once loses nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/metrics.h"
#include "routes.h"
#include "testutil.h"

/* The index of (method, pattern) in the route table. */
static int route_index(const char *method, const char *pattern)
{
    for (int i = 0; app_routes[i].method; i++)
        if (strcmp(app_routes[i].method, method) == 0 &&
            strcmp(app_routes[i].pattern, pattern) == 0)
            return i;
    fail_msg("route %s %s not in the table", method, pattern);
    return -1;
}

static char *render(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    metrics_write_requests(out);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* The value of the sample line that starts with prefix (the name and labels, up to the
 * space); -1 when there is none. */
static long long sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return atoll(p + n + 1);
    return -1;
}

#define BUCKET "peterental_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\","

static void test_buckets_are_inclusive_and_cumulative(void **state)
{
    (void)state;
    int health = route_index("GET", "/health");
    metrics_observe(health, 200, 250);   /* exactly the first bound */
    metrics_observe(health, 200, 251);   /* just above it */
    metrics_observe(health, 200, 10000); /* exactly 10 ms */
    metrics_observe(health, 200, 9000000); /* above every bound */
    char *t = render();
    assert_int_equal(sample(t, BUCKET "le=\"0.00025\"}"), 1);
    assert_int_equal(sample(t, BUCKET "le=\"0.0005\"}"), 2);
    assert_int_equal(sample(t, BUCKET "le=\"0.01\"}"), 3);
    assert_int_equal(sample(t, BUCKET "le=\"5\"}"), 3);
    assert_int_equal(sample(t, BUCKET "le=\"+Inf\"}"), 4);
    assert_int_equal(sample(t, "peterental_http_request_duration_seconds_count{method=\"GET\","
                               "route=\"/health\"}"),
                     4);
    assert_non_null(strstr(t, "peterental_http_request_duration_seconds_sum{method=\"GET\","
                              "route=\"/health\"} 9.010501\n"));
    assert_int_equal(sample(t, "peterental_http_requests_total{method=\"GET\",route=\"/health\","
                               "code=\"200\"}"),
                     4);
    free(t);
}

static void test_odd_statuses_and_routes(void **state)
{
    (void)state;
    int ready = route_index("GET", "/ready");
    metrics_observe(ready, 418, 10);
    metrics_observe(ready, 503, 10);
    metrics_observe(-1, 404, 10);
    metrics_observe(100000, 404, 10); /* beyond the table: not a wild write */
    char *t = render();
    assert_int_equal(sample(t, "peterental_http_requests_total{method=\"GET\",route=\"/ready\","
                               "code=\"other\"}"),
                     1);
    assert_int_equal(sample(t, "peterental_http_requests_total{method=\"GET\",route=\"/ready\","
                               "code=\"503\"}"),
                     1);
    assert_int_equal(sample(t, "peterental_http_requests_total{method=\"other\","
                               "route=\"unmatched\",code=\"404\"}"),
                     2);
    /* a route nobody asked for writes no series */
    assert_null(strstr(t, "route=\"/auth/signup\""));
    free(t);
}

static void *hammer(void *arg)
{
    int route = *(const int *)arg;
    for (int i = 0; i < 20000; i++)
        metrics_observe(route, 201, i % 3000);
    return NULL;
}

static void test_threads_lose_nothing(void **state)
{
    (void)state;
    int route = route_index("POST", "/rentals");
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &route), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    char *t = render();
    assert_int_equal(sample(t, "peterental_http_requests_total{method=\"POST\",route=\"/rentals\","
                               "code=\"201\"}"),
                     80000);
    assert_int_equal(sample(t, "peterental_http_request_duration_seconds_bucket{method=\"POST\","
                               "route=\"/rentals\",le=\"+Inf\"}"),
                     80000);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets_are_inclusive_and_cumulative),
        cmocka_unit_test(test_odd_statuses_and_routes),
        cmocka_unit_test(test_threads_lose_nothing),
    };
    metrics_routes(app_routes); /* as the server does at start */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
