/* SPDX-License-Identifier: MIT */
/* What the job queue runs of src/scrape/ (src/kinds.c): the sync of one source as a job, and
 * the worker's periodic sweep that enqueues the daily refreshes. Apart from scrape.h so that
 * the extractors do not see the queue's headers. */
#ifndef PETE_SCRAPE_JOBS_H
#define PETE_SCRAPE_JOBS_H

#include "jobs/jobs.h"
#include "scrape/scrape.h"

/* The job kind RENTALS_SYNC_KIND: payload {"source_id": N}, scrape_sync_source with the job's
 * time. Retried (JOBS_RETRY, with the kind's backoff): what may work later (timeouts, refused
 * or broken connections, HTTP 5xx, 408 and 429, a robots.txt that cannot be read, the
 * database). Failed at once (JOBS_FAIL): what will not work as is (the source gone or paused,
 * HTTP 4xx, robots.txt disallowing, the address guard, an unknown host, TLS, a page that
 * lost all its listings, a bad payload). Either way the failure is on the source's
 * last_status and last_error. JOBS_INTERRUPTED when the worker stops before the first page
 * was read. */
jobs_outcome scrape_sync_job(struct jobs_run *run);

/* The worker's periodic sweep (src/kinds.c's jobs_ticks): enqueues the daily refresh of every
 * active source whose turn came (rentals_sources_sweep). */
void scrape_sweep_tick(struct app *a);

#endif
