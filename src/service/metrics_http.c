/* SPDX-License-Identifier: MIT */
/* GET /metrics: Prometheus text for the engineer who runs the server. It needs a verified
 * token like every endpoint SPEC §3 does not list as public, and says nothing about any one
 * tenant: requests are labelled by route pattern, never by path, user or token, and the
 * cache and pool figures are process-wide totals. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/respcache.h"
#include "jobs/jobs.h"
#include "service/service.h"
#include "users/users.h"

static time_t started; /* set once by serve, before the daemon starts */

void service_metrics_start(void)
{
    started = time(NULL);
}

/* Resident set size from /proc/self/statm, in bytes; 0 when unreadable. */
static unsigned long long resident_bytes(void)
{
    unsigned long long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return rss * (unsigned long long)(page > 0 ? page : 4096);
}

/* One family with a single unlabelled sample (a gauge or a counter). */
static void single(FILE *out, const char *name, const char *type, const char *help,
                   unsigned long long v)
{
    metrics_family(out, name, type, help);
    fprintf(out, "%s %llu\n", name, v);
}

static void write_process(FILE *out, struct app *a)
{
    metrics_family(out, "peterental_build_info", "gauge",
                   "Always 1; the labels name the version and the database in use.");
    fprintf(out, "peterental_build_info{version=\"%s\",database=\"%s\"} 1\n", PETE_VERSION,
            db_get_dialect(a->db) == DB_POSTGRES ? "postgresql" : "sqlite");
    single(out, "peterental_process_start_time_seconds", "gauge",
           "When the server started, in seconds since the Unix epoch.",
           (unsigned long long)started);
    single(out, "peterental_process_resident_memory_bytes", "gauge",
           "Resident memory of the server process.", resident_bytes());
}

static void write_stores(FILE *out, struct app *a)
{
    struct db_pool_stats p;
    db_pool_stats(a->db, &p);
    single(out, "peterental_db_pool_connections", "gauge",
           "Database connections in the pool (DB_POOL).", (unsigned long long)p.size);
    single(out, "peterental_db_pool_connections_in_use", "gauge",
           "Database connections lent to requests now.", (unsigned long long)p.in_use);
    single(out, "peterental_db_pool_exhausted_total", "counter",
           "Requests that waited for a free database connection and gave up (503).",
           p.exhausted);

    struct respcache_stats rc = {0};
    respcache_get_stats(a->cache, &rc);
    single(out, "peterental_response_cache_hits_total", "counter",
           "Tenant reads answered from the rendered-page cache.", rc.hits);
    single(out, "peterental_response_cache_misses_total", "counter",
           "Tenant reads the rendered-page cache could not answer.", rc.misses);
    single(out, "peterental_response_cache_entries", "gauge",
           "Pages held by the rendered-page cache.", rc.entries);
    single(out, "peterental_response_cache_bytes", "gauge",
           "Bytes held by the rendered-page cache (bounded by CACHE_MB).", rc.bytes);

    unsigned long long hit = 0, miss = 0;
    users_cache_counts(&hit, &miss);
    single(out, "peterental_tenant_cache_hits_total", "counter",
           "Token subjects resolved to their tenant without a database read.", hit);
    single(out, "peterental_tenant_cache_misses_total", "counter",
           "Token subjects resolved to their tenant by a database read.", miss);
}

int service_metrics(http_req *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return http_reply_err(r, APP_E_INTERNAL, NULL);
    metrics_write_requests(out);
    write_process(out, r->app);
    write_stores(out, r->app);
    jobs_metrics_write(out, r->app);
    if (fclose(out) != 0) {
        free(text);
        return http_reply_err(r, APP_E_INTERNAL, NULL);
    }
    return http_reply_text_owned(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
