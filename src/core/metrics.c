/* SPDX-License-Identifier: MIT */
/* Per-route request counters and latency histograms (see metrics.h). Fixed arrays indexed
 * by route and by status or bucket, so observing allocates nothing and takes no lock; the
 * histogram buckets are stored per bucket and summed when written, as Prometheus wants
 * them cumulative. */
#include "core/metrics.h"

#include <stdatomic.h>
#include <stddef.h>

#include "core/http.h"

#define MAX_ROUTES 96 /* the table has fewer; a larger index is counted as unmatched */
#define ROWS (MAX_ROUTES + 1) /* the last row: requests no route matched */

static const unsigned codes[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                 409, 413, 415, 422, 429, 500, 502, 503};
#define NCODES (sizeof codes / sizeof codes[0])
#define OTHER_CODE NCODES /* any status not listed, counted as code="other" */

/* Upper bounds in microseconds; the +Inf bucket is the count. */
static const int64_t bounds_us[] = {250,   500,    1000,   2500,   5000,    10000,
                                    25000, 50000,  100000, 250000, 1000000, 5000000};
#define NBOUNDS (sizeof bounds_us / sizeof bounds_us[0])

static const struct route *table; /* the server's route table (metrics_routes) */
static atomic_ullong by_code[ROWS][NCODES + 1];
static atomic_ullong by_bucket[ROWS][NBOUNDS + 1]; /* last: above every bound */
static atomic_ullong sum_us[ROWS];

static size_t row_of(int route)
{
    return route >= 0 && route < MAX_ROUTES ? (size_t)route : MAX_ROUTES;
}

void metrics_observe(int route, unsigned status, int64_t micros)
{
    size_t row = row_of(route), c = OTHER_CODE, b = 0;
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i] == status)
            c = i;
    while (b < NBOUNDS && micros > bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&by_code[row][c], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&by_bucket[row][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[row], (unsigned long long)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
}

void metrics_routes(const struct route *routes)
{
    table = routes;
}

void metrics_family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The labels of row: the route's method and pattern (static text without quotes or
 * backslashes), or the fixed pair for requests no route matched. */
static void labels(size_t row, const char **method, const char **route)
{
    const struct route *rt = table;
    *method = row < MAX_ROUTES && rt ? rt[row].method : "other";
    *route = row < MAX_ROUTES && rt ? rt[row].pattern : "unmatched";
}

static size_t nrows(void)
{
    const struct route *rt = table;
    size_t n = 0;
    while (rt && n < MAX_ROUTES && rt[n].method)
        n++;
    return n;
}

static void write_counts(FILE *out, size_t n)
{
    metrics_family(out, "peterental_http_requests_total", "counter",
                   "Requests answered, by route pattern and status code.");
    for (size_t k = 0; k <= n; k++) {
        size_t row = k < n ? k : MAX_ROUTES;
        const char *method, *route;
        labels(row, &method, &route);
        for (size_t c = 0; c <= NCODES; c++) {
            unsigned long long v = atomic_load_explicit(&by_code[row][c], memory_order_relaxed);
            if (v == 0)
                continue;
            char code[8];
            snprintf(code, sizeof code, c < NCODES ? "%u" : "other", c < NCODES ? codes[c] : 0);
            fprintf(out,
                    "peterental_http_requests_total{method=\"%s\",route=\"%s\",code=\"%s\"} "
                    "%llu\n",
                    method, route, code, v);
        }
    }
}

static void write_histogram_row(FILE *out, size_t row)
{
    const char *method, *route;
    labels(row, &method, &route);
    unsigned long long seen[NBOUNDS + 1], total = 0;
    for (size_t b = 0; b <= NBOUNDS; b++)
        total += seen[b] = atomic_load_explicit(&by_bucket[row][b], memory_order_relaxed);
    if (total == 0)
        return;
    unsigned long long cum = 0;
    for (size_t b = 0; b < NBOUNDS; b++) {
        cum += seen[b];
        fprintf(out,
                "peterental_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                "le=\"%g\"} %llu\n",
                method, route, (double)bounds_us[b] / 1e6, cum);
    }
    fprintf(out,
            "peterental_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
            "le=\"+Inf\"} %llu\n",
            method, route, total);
    fprintf(out, "peterental_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
            method, route,
            (double)atomic_load_explicit(&sum_us[row], memory_order_relaxed) / 1e6);
    fprintf(out,
            "peterental_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
            method, route, total);
}

void metrics_write_requests(FILE *out)
{
    size_t n = nrows();
    write_counts(out, n);
    metrics_family(out, "peterental_http_request_duration_seconds", "histogram",
                   "Time from the complete request to the queued answer, by route pattern.");
    for (size_t k = 0; k < n; k++)
        write_histogram_row(out, k);
    write_histogram_row(out, MAX_ROUTES);
    metrics_family(out, "peterental_http_requests_in_flight", "gauge",
                   "Requests received and not yet completed, this one included.");
    fprintf(out, "peterental_http_requests_in_flight %d\n", http_in_flight());
}
