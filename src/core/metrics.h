/* SPDX-License-Identifier: MIT */
/* Request counters and latency histograms for GET /metrics (Prometheus text format 0.0.4).
 *
 * Requests are counted per route of the route table (its method and pattern, never the
 * concrete path, so no tenant's ids reach a label and the label set stays bounded), per
 * status code, with a latency histogram per route. Counting is lock-free (relaxed atomics),
 * a few increments per request. The numbers are this process's since it started. */
#ifndef PETE_CORE_METRICS_H
#define PETE_CORE_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct route;
/* The route table whose rows label the counts (the server's: http_start sets it). */
void metrics_routes(const struct route *routes);

/* Records one answered request: route is its index in the server's route table, or -1 when no route
 * matched (404, 405, preflight); micros is the time spent answering it. */
void metrics_observe(int route, unsigned status, int64_t micros);

/* Writes the request families (counters, histograms, requests in flight) to out. */
void metrics_write_requests(FILE *out);

/* Writes one family header (# HELP and # TYPE lines). */
void metrics_family(FILE *out, const char *name, const char *type, const char *help);

#endif
