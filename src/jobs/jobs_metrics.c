/* SPDX-License-Identifier: MIT */
/* The job families of GET /metrics. Queue depth (queued and running jobs by kind, every
 * tenant's) is counted by the database at scrape time: on PostgreSQL through the SECURITY
 * DEFINER function jobs_depth, since the serving role sees one tenant. Durations and failures
 * are this process's worker's attempts since start, in fixed arrays indexed by the kind's row
 * in jobs_kinds (relaxed atomics, no lock), so the label set is the kinds table. */
#include <stdatomic.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "jobs/jobs_internal.h"

#define MAX_KINDS 32 /* rows of jobs_kinds counted; the table has fewer */

/* Upper bounds in microseconds; the +Inf bucket is the count. */
static const int64_t bounds_us[] = {1000,    5000,    25000,    100000,   500000,   1000000,
                                    2500000, 5000000, 10000000, 30000000, 60000000, 300000000};
#define NBOUNDS (sizeof bounds_us / sizeof bounds_us[0])

static atomic_ullong by_bucket[MAX_KINDS][NBOUNDS + 1];
static atomic_ullong sum_us[MAX_KINDS];
static atomic_ullong failures[MAX_KINDS];

static int kind_row(const char *kind)
{
    const struct jobs_kind *k = jobs_kind_find(jobs_kinds, kind);
    long i = k ? (long)(k - jobs_kinds) : -1;
    return i >= 0 && i < MAX_KINDS ? (int)i : -1;
}

void jobs_metrics_observe(const char *kind, jobs_outcome outcome, int64_t micros)
{
    int row = kind_row(kind);
    if (row < 0)
        return;
    size_t b = 0;
    while (b < NBOUNDS && micros > bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&by_bucket[row][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[row], (unsigned long long)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
    if (outcome == JOBS_RETRY || outcome == JOBS_FAIL)
        atomic_fetch_add_explicit(&failures[row], 1, memory_order_relaxed);
}

/* A label value as the text format wants it: backslash, quote and newline escaped. Kinds of
 * the table need none; the database may hold other names. */
static void label(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void depth_sample(FILE *out, const char *kind, const char *state, long long n)
{
    fputs("peterental_jobs_queue_depth{kind=\"", out);
    label(out, kind);
    fprintf(out, "\",state=\"%s\"} %lld\n", state, n);
}

/* Every kind of the table in both states (0 when absent), then kinds only the database
 * knows (jobs no worker of this version runs). */
static void write_depth(FILE *out, struct app *a)
{
    static const char *const states[] = {"queued", "running"};
    struct jobs_depth_row rows[JOBS_DEPTH_ROWS];
    int n = 0;
    metrics_family(out, "peterental_jobs_queue_depth", "gauge",
                   "Jobs waiting or running, every tenant's, by kind and state.");
    if (jobs_queue_depth(a->db, rows, &n) != APP_OK) {
        LOG_W("metrics: the queue depth could not be read");
        return;
    }
    for (const struct jobs_kind *k = jobs_kinds; k->name; k++)
        for (size_t s = 0; s < 2; s++) {
            long long v = 0;
            for (int i = 0; i < n; i++)
                if (!strcmp(rows[i].kind, k->name) && !strcmp(rows[i].state, states[s]))
                    v = rows[i].count;
            depth_sample(out, k->name, states[s], v);
        }
    for (int i = 0; i < n; i++)
        if (!jobs_kind_find(jobs_kinds, rows[i].kind))
            depth_sample(out, rows[i].kind, rows[i].state, (long long)rows[i].count);
}

static void write_histogram(FILE *out, int row, const char *kind)
{
    unsigned long long seen[NBOUNDS + 1], total = 0, cum = 0;
    for (size_t b = 0; b <= NBOUNDS; b++)
        total += seen[b] = atomic_load_explicit(&by_bucket[row][b], memory_order_relaxed);
    for (size_t b = 0; b < NBOUNDS; b++) {
        cum += seen[b];
        fprintf(out, "peterental_jobs_duration_seconds_bucket{kind=\"%s\",le=\"%g\"} %llu\n",
                kind, (double)bounds_us[b] / 1e6, cum);
    }
    fprintf(out, "peterental_jobs_duration_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n",
            kind, total);
    fprintf(out, "peterental_jobs_duration_seconds_sum{kind=\"%s\"} %.6f\n", kind,
            (double)atomic_load_explicit(&sum_us[row], memory_order_relaxed) / 1e6);
    fprintf(out, "peterental_jobs_duration_seconds_count{kind=\"%s\"} %llu\n", kind, total);
}

void jobs_metrics_write(FILE *out, struct app *a)
{
    write_depth(out, a);
    metrics_family(out, "peterental_jobs_failures_total", "counter",
                   "Failed job attempts run by this process's worker, by kind.");
    for (int row = 0; row < MAX_KINDS && jobs_kinds[row].name; row++)
        fprintf(out, "peterental_jobs_failures_total{kind=\"%s\"} %llu\n", jobs_kinds[row].name,
                atomic_load_explicit(&failures[row], memory_order_relaxed));
    metrics_family(out, "peterental_jobs_duration_seconds", "histogram",
                   "Run time of job attempts by this process's worker, by kind.");
    for (int row = 0; row < MAX_KINDS && jobs_kinds[row].name; row++)
        write_histogram(out, row, jobs_kinds[row].name);
}
